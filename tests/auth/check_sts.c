/* The credential sources beyond keys: STS (AssumeRole through profiles,
 * AssumeRoleWithWebIdentity) against moto server's STS, IMDSv2 against
 * fakeimds (a test fake serving the documented protocol: moto has no
 * IMDSv2), credential_process with scripts, and the STS XML reader.
 * The environment is injected (TU_ENV); files go to a scratch directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auth/creds.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/value.h"
#include "fakeenv.h"
#include "fakeimds.h"
#include "faultsrv.h"
#include "moto.h"
#include "auth/sts.h"
#include "auth/sts_xml.h"
#include "testutil.h"

#define ROLE "arn:aws:iam::123456789012:role/ddbxo-role"
#define EXT_ROLE "arn:aws:iam::123456789012:role/ddbxo-ext-role"

static void assert_no_secret(const ddbxo_error *err, const char *secret)
{
    ck_assert_msg(strstr(err->message, secret) == NULL,
                  "secret '%s' leaked into: %s", secret, err->message);
}

static ddbxo_credentials_provider *chain(const ddbxo__env *env,
                                         const char *profile, ddbxo_error *err)
{
    ddbxo__creds_opts o = { .env = env, .process_timeout_ms = 2000 };
    ddbxo_error_clear(err);
    return ddbxo__creds_provider_default_opts(profile, &o, err);
}

/* Creates a provider and fetches once; returns the provider (or fails). */
static ddbxo_credentials_provider *get_ok(const ddbxo__env *env,
                                          const char *profile,
                                          ddbxo_credentials *c)
{
    ddbxo_error err;
    ddbxo_credentials_provider *p = chain(env, profile, &err);
    ck_assert_msg(p != NULL, "chain: %s", err.message);
    ck_assert_msg(ddbxo_credentials_get(p, c, &err) == 0, "get: %s",
                  err.message);
    return p;
}

/* Creates (and, if that works, fetches); both failing is the same to a
 * user: the error is in *err. */
static int get_fails(const ddbxo__env *env, const char *profile,
                     ddbxo_error *err)
{
    ddbxo_credentials c;
    ddbxo_credentials_provider *p = chain(env, profile, err);
    int rc;
    if (!p)
        return 1;
    rc = ddbxo_credentials_get(p, &c, err);
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    return rc < 0;
}

/* ---- the XML reader ----------------------------------------------- */

static const char OK_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
    "<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n"
    "      <SecretAccessKey>sec&amp;ret&#x2F;+x</SecretAccessKey>\n"
    "      <SessionToken>TOKENXML</SessionToken>\n"
    "      <Expiration>2099-01-01T00:00:00.000Z</Expiration>\n"
    "    </Credentials>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

START_TEST(xml_reads_an_assume_role_answer)
{
    ddbxo_credentials c;
    ddbxo_error err;
    ck_assert_int_eq(ddbxo__sts_parse(OK_XML, sizeof OK_XML - 1, 200,
                                      "AssumeRole", &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "ASIAEXAMPLE");
    ck_assert_str_eq(c.secret_access_key, "sec&ret/+x");
    ck_assert_str_eq(c.session_token, "TOKENXML");
    ck_assert_int_eq(c.expiration, 4070908800);
    ck_assert_str_eq(c.source, "assume-role");
    ddbxo_credentials_clear(&c);
    /* The other action's paths are not these. */
    ck_assert_int_eq(ddbxo__sts_parse(OK_XML, sizeof OK_XML - 1, 200,
                                      "AssumeRoleWithWebIdentity", &c, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "AccessKeyId"));
}
END_TEST

START_TEST(xml_reads_an_error_answer)
{
    static const char e[] =
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
        "<Message>User: arn:aws:iam::1:user/u is not authorized to perform: "
        "sts:AssumeRole</Message></Error><RequestId>x</RequestId>"
        "</ErrorResponse>";
    ddbxo_credentials c;
    ddbxo_error err;
    ck_assert_int_eq(ddbxo__sts_parse(e, sizeof e - 1, 403, "AssumeRole", &c,
                                      &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_str_eq(err.aws_type, "AccessDenied");
    ck_assert_int_eq(err.retryable, 0);
    ck_assert_ptr_nonnull(strstr(err.message, "not authorized"));
}
END_TEST

START_TEST(xml_refuses_what_is_outside_the_subset)
{
    static const char *const bad[] = {
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<a><![CDATA[x]]></a>",
        "<a><?pi x?></a>",
        "<a>&unknown;</a>",
        "<a><b></a></b>",
        "<a></a><b></b>",
        "<a>",
        "x<a></a>",
        "<a b=c></a>",
        "<a>&#0;</a>",
        "<a>&#x110000;</a>",
        /* a credentials field twice: which one would be the key? */
        "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
        "<AccessKeyId>A</AccessKeyId><AccessKeyId>SECRETDUP</AccessKeyId>"
        "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
    };
    ddbxo__xml_want w[1] = { { "AssumeRoleResponse/AssumeRoleResult/"
                               "Credentials/AccessKeyId", NULL } };
    ddbxo_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(ddbxo__xml_extract(bad[i], strlen(bad[i]), w, 1, &err) < 0,
                      "accepted: %s", bad[i]);
        ck_assert_ptr_null(w[0].value);
        assert_no_secret(&err, "SECRETDUP");
    }
    /* Deep nesting stops at the limit instead of recursing. */
    {
        char deep[4096] = "";
        for (int i = 0; i < 40; i++)
            strcat(deep, "<a>");
        ck_assert_int_lt(ddbxo__xml_extract(deep, strlen(deep), w, 1, &err), 0);
        ck_assert_ptr_nonnull(strstr(err.message, "deep"));
    }
}
END_TEST

START_TEST(sts_endpoints)
{
    ddbxo__sts_endpoint ep;
    ddbxo_error err;
    {
        TU_ENV(env, "HOME", "/nonexistent");
        ck_assert_int_eq(ddbxo__sts_endpoint_resolve(&env, "eu-west-1", &ep, &err), 0);
        ck_assert_str_eq(ep.url, "https://sts.eu-west-1.amazonaws.com/");
        ck_assert_str_eq(ep.region, "eu-west-1");
        ck_assert_int_eq(ddbxo__sts_endpoint_resolve(&env, "cn-north-1", &ep, &err), 0);
        ck_assert_str_eq(ep.url, "https://sts.cn-north-1.amazonaws.com.cn/");
        /* no region: the global endpoint, signed as us-east-1 */
        ck_assert_int_eq(ddbxo__sts_endpoint_resolve(&env, "", &ep, &err), 0);
        ck_assert_str_eq(ep.url, "https://sts.amazonaws.com/");
        ck_assert_str_eq(ep.region, "us-east-1");
    }
    {
        TU_ENV(env, "AWS_ENDPOINT_URL", "http://127.0.0.1:9/",
               "AWS_ENDPOINT_URL_STS", "http://localhost:4566");
        ck_assert_int_eq(ddbxo__sts_endpoint_resolve(&env, "eu-west-1", &ep, &err), 0);
        ck_assert_str_eq(ep.url, "http://localhost:4566/");
        ck_assert_str_eq(ep.host, "localhost:4566");
        ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL_STS");
    }
    {
        /* Credentials never come back in clear across a network. */
        TU_ENV(env, "AWS_ENDPOINT_URL_STS", "http://sts.example.com");
        ck_assert_int_eq(ddbxo__sts_endpoint_resolve(&env, "eu-west-1", &ep, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_ENDPOINT_URL_STS"));
    }
}
END_TEST

/* ---- IMDSv2 ------------------------------------------------------- */

START_TEST(imds_v2_token_then_role_then_credentials)
{
    fakeimds *f = fakeimds_start("my-role", 6 * 3600);
    fakeimds_stats st;
    ddbxo_credentials c;
    ddbxo_credentials_provider *p;
    ck_assert_ptr_nonnull(f);
    {
        TU_ENV(env, "HOME", "/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
               fakeimds_url(f));
        p = get_ok(&env, NULL, &c);
    }
    ck_assert_str_eq(c.source, "imds");
    ck_assert_str_eq(c.access_key_id, "AKIDIMDS1");
    ck_assert_str_eq(c.session_token, "TOKENIMDS1");
    ck_assert_int_gt(c.expiration, time(NULL) + 5 * 3600);
    ddbxo_credentials_clear(&c);
    /* Cached: no second round trip while fresh. */
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, NULL), 0);
    ddbxo_credentials_clear(&c);
    fakeimds_get_stats(f, &st);
    ck_assert_int_eq(st.token_puts, 1);
    ck_assert_int_eq(st.creds_gets, 1);
    ck_assert_int_eq(st.unauthorized, 0);   /* never an IMDSv1 request */
    ddbxo_credentials_provider_free(p);
    fakeimds_stop(f);
}
END_TEST

START_TEST(imds_refusals_say_why)
{
    fakeimds *f = fakeimds_start("", 3600);
    ddbxo_error err;
    time_t t0;
    ck_assert_ptr_nonnull(f);
    {
        /* An instance without a role. */
        TU_ENV(env, "HOME", "/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
               fakeimds_url(f));
        ck_assert(get_fails(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "IMDS"));
    }
    fakeimds_stop(f);
    {
        /* Not on EC2: nothing listens.  It must fail fast. */
        TU_ENV(env, "HOME", "/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
               "http://127.0.0.1:1");
        t0 = time(NULL);
        ck_assert(get_fails(&env, NULL, &err));
        ck_assert_int_le(time(NULL) - t0, 5);
        ck_assert_ptr_nonnull(strstr(err.message, "instance metadata"));
    }
    {
        /* Disabled: the chain ends with a message listing the sources. */
        TU_ENV(env, "HOME", "/nonexistent", "AWS_EC2_METADATA_DISABLED", "TRUE");
        ck_assert(get_fails(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_EC2_METADATA_DISABLED"));
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_WEB_IDENTITY_TOKEN_FILE"));
    }
    {
        TU_ENV(env, "HOME", "/nonexistent",
               "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5");
        ck_assert(get_fails(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message,
                                     "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"));
    }
}
END_TEST

/* A refresh that fails while the credentials still work keeps them, and
 * the client says so once, not once per request. */
static int64_t g_now;
static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&g_now, __ATOMIC_SEQ_CST);
}

static int g_warns;
static void count_warn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (level >= DDBXO_LOG_WARN && strstr(msg, "refreshing imds credentials"))
        __atomic_add_fetch(&g_warns, 1, __ATOMIC_SEQ_CST);
    ck_assert_ptr_null(strstr(msg, "SECRETIMDS"));
}

START_TEST(failed_refresh_keeps_credentials_and_warns_once)
{
    fakeimds *f = fakeimds_start("r", 3600);
    char ebuf[256];
    faultsrv *fs = faultsrv_start(ebuf, sizeof ebuf);
    ddbxo_credentials_provider *p;
    ddbxo_client_config cc;
    ddbxo_client *cl;
    ddbxo_error err;
    char *resp;
    size_t len;

    ck_assert_ptr_nonnull(f);
    ck_assert_msg(fs != NULL, "%s", ebuf);
    g_now = time(NULL);
    {
        TU_ENV(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", fakeimds_url(f));
        ddbxo__creds_opts o = { .env = &env, .now = fake_now };
        ck_assert_ptr_nonnull(p = ddbxo__creds_provider_imds(&o, &err));
    }
    memset(&cc, 0, sizeof cc);
    cc.region = "us-east-1";
    cc.endpoint_dynamodb = cc.endpoint_streams = cc.endpoint_sqs = faultsrv_url(fs);
    cc.credentials = p;
    cc.log = count_warn;
    cc.log_level = DDBXO_LOG_DEBUG;
    ck_assert_ptr_nonnull(cl = ddbxo_client_new(&cc, &err));
    ck_assert_int_eq(ddbxo_call(cl, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                2, 0, &resp, &len, &err), 0);
    ddbxo_free(resp);
    fakeimds_stop(f);                   /* the metadata service goes away */
    /* 58 minutes on: inside the refresh window, 2 minutes of life left. */
    __atomic_add_fetch(&g_now, 58 * 60, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 6; i++) {
        ck_assert_msg(ddbxo_call(cl, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                 2, 0, &resp, &len, &err) == 0, "%s",
                      err.message);
        ddbxo_free(resp);
        /* past the pause between refresh attempts */
        __atomic_add_fetch(&g_now, 16, __ATOMIC_SEQ_CST);
    }
    ck_assert_int_eq(g_warns, 1);
    /* Past their expiry, the failure is the caller's error. */
    __atomic_add_fetch(&g_now, 3600, __ATOMIC_SEQ_CST);
    ck_assert_int_eq(ddbxo_call(cl, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                2, 0, &resp, &len, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "instance metadata"));
    ddbxo_client_free(cl);
    ddbxo_credentials_provider_free(p);
    faultsrv_stop(fs);
}
END_TEST

/* ---- credential_process ------------------------------------------- */

static const char *script(const char *name, const char *body)
{
    const char *path;
    char text[2048];
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    path = tu_write_file(name, text);
    ck_assert_int_eq(chmod(path, 0700), 0);
    return path;
}

static const char *config_with(const char *text)
{
    return tu_write_file("config", text);
}

START_TEST(process_runs_and_is_checked)
{
    char cfg[4096];
    ddbxo_credentials c;
    ddbxo_credentials_provider *p;
    ddbxo_error err;
    const char *ok, *v2, *fail, *slow, *junk;

    tu_mk_tmpdir("ddbxo-sts");
    ok = script("ok.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
                "\"SecretAccessKey\": \"SECRETPROC\", \"SessionToken\": "
                "\"TOKPROC\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'");
    v2 = script("v2.sh", "echo '{\"Version\": 2, \"AccessKeyId\": \"A\", "
                "\"SecretAccessKey\": \"SECRETV2\"}'");
    fail = script("fail.sh", "echo 'SECRETSTDOUT'; echo 'SECRETSTDERR' >&2; exit 3");
    slow = script("slow.sh", "sleep 10");
    junk = script("junk.sh", "echo 'not json SECRETJUNK'");
    snprintf(cfg, sizeof cfg,
             "[profile ok]\ncredential_process = %s --arg 'with space'\n"
             "[profile v2]\ncredential_process = %s\n"
             "[profile fail]\ncredential_process = %s\n"
             "[profile slow]\ncredential_process = %s\n"
             "[profile junk]\ncredential_process = %s\n"
             "[profile keyswin]\naws_access_key_id = AKIDSTATIC\n"
             "aws_secret_access_key = SECRETSTATIC\ncredential_process = %s\n",
             ok, v2, fail, slow, junk, fail);
    config_with(cfg);
    {
        TU_ENV(env, "AWS_CONFIG_FILE", tu_write_file("config", cfg),
               "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        p = get_ok(&env, "ok", &c);
        ck_assert_str_eq(c.source, "process");
        ck_assert_str_eq(c.access_key_id, "AKIDPROC");
        ck_assert_str_eq(c.session_token, "TOKPROC");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);

        /* Static keys in the same profile win, as in the SDKs. */
        p = get_ok(&env, "keyswin", &c);
        ck_assert_str_eq(c.access_key_id, "AKIDSTATIC");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);

        ck_assert(get_fails(&env, "v2", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "\"Version\": 1"));
        assert_no_secret(&err, "SECRETV2");

        ck_assert(get_fails(&env, "fail", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "exit status 3"));
        ck_assert_ptr_nonnull(strstr(err.message, "'fail'"));
        assert_no_secret(&err, "SECRETSTDOUT");
        assert_no_secret(&err, "SECRETSTDERR");

        ck_assert(get_fails(&env, "junk", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "not a JSON object"));
        assert_no_secret(&err, "SECRETJUNK");

        {
            time_t t0 = time(NULL);
            ck_assert(get_fails(&env, "slow", &err));   /* 2 s timeout */
            ck_assert_int_eq(err.code, DDBXO_E_TIMEOUT);
            ck_assert_int_le(time(NULL) - t0, 6);
            ck_assert_ptr_nonnull(strstr(err.message, "killed"));
        }
    }
    tu_rm_tmpdir();
}
END_TEST

/* ---- STS on moto -------------------------------------------------- */

static char g_moto_sts[128];

static const char *moto_url(void)
{
    snprintf(g_moto_sts, sizeof g_moto_sts, "%s",
             tu_moto_endpoint(tu_moto_get()));
    return g_moto_sts;
}

START_TEST(web_identity_from_the_environment)
{
    ddbxo_credentials c;
    ddbxo_credentials_provider *p;
    ddbxo_error err;
    const char *tok;
    tu_mk_tmpdir("ddbxo-sts");
    tok = tu_write_file("token", "eyJhbGciOiJSUzI1NiJ9.SECRETJWT.sig\n");
    {
        TU_ENV(env, "HOME", "/nonexistent", "AWS_REGION", "eu-west-1",
               "AWS_ENDPOINT_URL_STS", moto_url(),
               "AWS_WEB_IDENTITY_TOKEN_FILE", tok, "AWS_ROLE_ARN", ROLE,
               "AWS_ROLE_SESSION_NAME", "irsa-pod");
        p = get_ok(&env, NULL, &c);
    }
    ck_assert_str_eq(c.source, "web-identity");
    ck_assert_msg(strncmp(c.access_key_id, "ASIA", 4) == 0, "%s", c.access_key_id);
    ck_assert_ptr_nonnull(c.session_token);
    ck_assert_int_gt(c.expiration, time(NULL) + 600);
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    {
        /* Half the pair is an error naming the missing variable. */
        TU_ENV(env, "HOME", "/nonexistent", "AWS_REGION", "eu-west-1",
               "AWS_WEB_IDENTITY_TOKEN_FILE", tok);
        ck_assert(get_fails(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_ROLE_ARN"));
    }
    {
        /* A token file that is gone: named, and nothing falls through. */
        TU_ENV(env, "HOME", "/nonexistent", "AWS_REGION", "eu-west-1",
               "AWS_ENDPOINT_URL_STS", moto_url(),
               "AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token",
               "AWS_ROLE_ARN", ROLE, "AWS_ACCESS_KEY_ID", "AKIDENV",
               "AWS_SECRET_ACCESS_KEY", "SECRETENV");
        /* Environment keys come first in the chain... */
        p = get_ok(&env, NULL, &c);
        ck_assert_str_eq(c.source, "environment");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);
    }
    {
        TU_ENV(env, "HOME", "/nonexistent", "AWS_REGION", "eu-west-1",
               "AWS_ENDPOINT_URL_STS", moto_url(),
               "AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token",
               "AWS_ROLE_ARN", ROLE);
        /* ...without them the missing file is the error. */
        ck_assert(get_fails(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/token"));
    }
    tu_rm_tmpdir();
}
END_TEST

START_TEST(assume_role_profiles)
{
    char cfg[4096];
    ddbxo_credentials c;
    ddbxo_credentials_provider *p;
    ddbxo_error err;
    const char *tok, *cred;
    tu_mk_tmpdir("ddbxo-sts");
    tok = tu_write_file("token", "SECRETJWT2");
    cred = tu_write_file("credentials",
                         "[base]\naws_access_key_id = AKIDBASE\n"
                         "aws_secret_access_key = SECRETBASE\n");
    snprintf(cfg, sizeof cfg,
             "[default]\nregion = us-east-1\n"
             "[profile role]\nrole_arn = %s\nsource_profile = base\n"
             "external_id = ext-123\nduration_seconds = 1800\n"
             "role_session_name = ddbxo-test\n"
             "[profile chained]\nrole_arn = arn:aws:iam::222222222222:role/x\n"
             "source_profile = role\n"
             "[profile self]\nrole_arn = %s\nsource_profile = self\n"
             "aws_access_key_id = AKIDSELF\naws_secret_access_key = SECRETSELF\n"
             "[profile envsrc]\nrole_arn = %s\ncredential_source = Environment\n"
             "[profile web]\nrole_arn = %s\nweb_identity_token_file = %s\n"
             "[profile loopa]\nrole_arn = %s\nsource_profile = loopb\n"
             "[profile loopb]\nrole_arn = %s\nsource_profile = loopa\n"
             "[profile both]\nrole_arn = %s\nsource_profile = base\n"
             "credential_source = Environment\n"
             "[profile badsrc]\nrole_arn = %s\ncredential_source = Laptop\n"
             "[profile baddur]\nrole_arn = %s\nsource_profile = base\n"
             "duration_seconds = 60\n"
             "[profile nosrc]\nrole_arn = %s\nsource_profile = nosuch\n"
             "[profile sso]\nsso_session = corp\n",
             ROLE, ROLE, ROLE, ROLE, tok, ROLE, ROLE, ROLE, ROLE, ROLE, ROLE);
    {
        TU_ENV(env, "AWS_CONFIG_FILE", tu_write_file("config", cfg),
               "AWS_SHARED_CREDENTIALS_FILE", cred,
               "AWS_ENDPOINT_URL_STS", moto_url());
        static const char *const good[] = { "role", "chained", "self", "web" };
        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
            p = get_ok(&env, good[i], &c);
            ck_assert_msg(strncmp(c.access_key_id, "ASIA", 4) == 0, "%s: %s",
                          good[i], c.access_key_id);
            ck_assert_str_eq(c.source, strcmp(good[i], "web") == 0
                                           ? "web-identity" : "assume-role");
            /* duration_seconds = 1800 reached STS */
            if (strcmp(good[i], "role") == 0)
                ck_assert_int_le(c.expiration, time(NULL) + 1800 + 60);
            ddbxo_credentials_clear(&c);
            ddbxo_credentials_provider_free(p);
        }
        ck_assert(get_fails(&env, "loopa", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "loops"));
        ck_assert(get_fails(&env, "both", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "exactly one"));
        ck_assert(get_fails(&env, "badsrc", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "Ec2InstanceMetadata"));
        ck_assert(get_fails(&env, "baddur", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "duration_seconds"));
        ck_assert(get_fails(&env, "nosrc", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "'nosuch'"));
        ck_assert(get_fails(&env, "sso", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "sso_session"));
        /* credential_source = Environment without keys */
        ck_assert(get_fails(&env, "envsrc", &err));
        ck_assert_ptr_nonnull(strstr(err.message, "credential_source"));
    }
    tu_rm_tmpdir();
}
END_TEST

/* The assumed credentials are real ones to moto: with its signature and
 * IAM checks on, a DynamoDB call signed with them goes through. */
static tu_moto_ident g_user;
static char g_setup_err[1024];

START_TEST(assumed_role_credentials_pass_moto_auth)
{
    char cfg[1024], cred[512];
    ddbxo_credentials_provider *p;
    ddbxo_client_config cc;
    ddbxo_client *cl;
    ddbxo_error err;
    char *resp;
    size_t len;
    tu_moto *m = tu_moto_get();

    ck_assert_msg(tu_moto_iam_setup(m, &g_user, NULL, NULL, g_setup_err,
                                    sizeof g_setup_err) == 0, "%s", g_setup_err);
    tu_mk_tmpdir("ddbxo-sts");
    snprintf(cred, sizeof cred, "[base]\naws_access_key_id = %s\n"
             "aws_secret_access_key = %s\n", g_user.akid, g_user.secret);
    /* moto checks the role's trust policy, ExternalId included. */
    snprintf(cfg, sizeof cfg, "[profile role]\nregion = us-east-1\n"
             "role_arn = %s\nsource_profile = base\nexternal_id = ext-ddbxo\n"
             "[profile denied]\nregion = us-east-1\n"
             "role_arn = %s\nsource_profile = base\nexternal_id = wrong\n",
             EXT_ROLE, EXT_ROLE);
    {
        TU_ENV(env, "AWS_CONFIG_FILE", tu_write_file("config", cfg),
               "AWS_SHARED_CREDENTIALS_FILE", tu_write_file("credentials", cred),
               "AWS_ENDPOINT_URL_STS", moto_url());
        ck_assert_ptr_nonnull(p = chain(&env, "role", &err));
        /* Checking on from here: the first fetch is our signed AssumeRole. */
        ck_assert_int_eq(tu_moto_post(m, "/moto-api/reset-auth", "text/plain",
                                      "0", NULL), 200);
        memset(&cc, 0, sizeof cc);
        cc.region = "us-east-1";
        cc.endpoint_dynamodb = cc.endpoint_streams = cc.endpoint_sqs = moto_url();
        cc.credentials = p;
        cl = ddbxo_client_new(&cc, &err);
        ck_assert_msg(cl != NULL, "%s", err.message);
        {
            int rc = ddbxo_call(cl, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                2, 0, &resp, &len, &err);
            ddbxo_error derr;
            /* The wrong ExternalId: STS's answer, by its code. */
            int denied = get_fails(&env, "denied", &derr);
            tu_moto_post(m, "/moto-api/reset-auth", "text/plain", "inf", NULL);
            ck_assert_msg(rc == 0, "%s (%s)", err.message, err.aws_type);
            ck_assert(denied);
            ck_assert_str_eq(derr.aws_type, "AccessDenied");
            ck_assert_ptr_nonnull(strstr(derr.message, "sts:AssumeRole"));
        }
        ddbxo_free(resp);
        ddbxo_client_free(cl);
        ddbxo_credentials_provider_free(p);
    }
    tu_rm_tmpdir();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sts");
    TCase *x = tcase_create("xml"), *i = tcase_create("imds"),
          *pr = tcase_create("process"), *m = tcase_create("moto");
    tcase_add_test(x, xml_reads_an_assume_role_answer);
    tcase_add_test(x, xml_reads_an_error_answer);
    tcase_add_test(x, xml_refuses_what_is_outside_the_subset);
    tcase_add_test(x, sts_endpoints);
    tcase_set_timeout(i, 30);
    tcase_add_test(i, imds_v2_token_then_role_then_credentials);
    tcase_add_test(i, imds_refusals_say_why);
    tcase_add_test(i, failed_refresh_keeps_credentials_and_warns_once);
    tcase_set_timeout(pr, 30);
    tcase_add_test(pr, process_runs_and_is_checked);
    tcase_set_timeout(m, 60);
    tcase_add_unchecked_fixture(m, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(m, tu_moto_test_reset, NULL);
    tcase_add_test(m, web_identity_from_the_environment);
    tcase_add_test(m, assume_role_profiles);
    tcase_add_test(m, assumed_role_credentials_pass_moto_auth);
    suite_add_tcase(s, x);
    suite_add_tcase(s, i);
    suite_add_tcase(s, pr);
    suite_add_tcase(s, m);
    return s;
}

TU_MAIN(suite)
