/* Credential provider tests.  Container credentials are fetched from
 * fake_server, a test fake HTTP server on 127.0.0.1 that each test starts
 * itself (the machine has no network; nothing leaves loopback).  The
 * environment is injected (kv_env) except in the *_real_env tests. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/creds.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"
#include "testutil.h"
#include "fakeenv.h"
#include "auth/creds_file.h"
#include "listener.h"
#include "util/error.h"

/* The static keys of profile (explicit, AWS_PROFILE or "default"), as the
 * chain reads them: 1 + *out, 0 when it has none, -1 + err. */
static int creds_from_profile(const ddbxo__env *env, const char *profile,
                              ddbxo_credentials *out, ddbxo_error *err)
{
    int is_explicit, rc;
    const char *name = ddbxo__profile_name(env, profile, &is_explicit);
    ddbxo__profile *p = NULL;

    if (ddbxo__profile_load(env, name, DDBXO__PF_CONFIG | DDBXO__PF_CREDENTIALS,
                            &p, err) < 0)
        return -1;
    if (!p) {
        if (!is_explicit)
            return 0;
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "profile '%s' (from %s) is in neither the shared "
                          "credentials file nor the config file", name,
                          profile && *profile ? "the caller" : "AWS_PROFILE");
    }
    rc = ddbxo__creds_profile_static(p, name, out, err);
    ddbxo__profile_free(p);
    return rc;
}

/* ---- environment and files ---------------------------------------- */

static void mk_tmpdir(void) { tu_mk_tmpdir("ddbxo-creds"); }

/* Every failure must keep secrets out of the message. */
static void assert_no_secret(const ddbxo_error *err, const char *secret)
{
    ck_assert_msg(strstr(err->message, secret) == NULL,
                  "secret '%s' leaked into: %s", secret, err->message);
    ck_assert_ptr_null(strstr(err->path, secret));
}

/* ---- fake_server: the test fake container-credentials endpoint ------ */

struct fake {
    tu_listener *l;     /* NULL when stopped */
    int port;
    pthread_mutex_t mu;
    /* what to answer */
    int status;
    char body[80 * 1024];
    int gen;            /* body generated per request: AKID<n>/SECRET<n> */
    long exp_offset;    /* gen: Expiration = now + exp_offset */
    int delay_ms;
    /* what was asked */
    int requests;
    char path[256];
    char auth[512];
};

static void iso8601(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fake_serve(void *ctx, int c)
{
    struct fake *f = ctx;
    char req[8192], resp[90 * 1024], exp[32];
    const char *body;
    char gbody[512];
    size_t n;
    int status, delay;

    tu_recv_head(c, req, sizeof req);
    pthread_mutex_lock(&f->mu);
    f->requests++;
    {
        char *sp = strchr(req, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
        char *a = strstr(req, "\r\nAuthorization: ");
        f->path[0] = f->auth[0] = '\0';
        if (sp && sp2 && (size_t)(sp2 - sp - 1) < sizeof f->path) {
            memcpy(f->path, sp + 1, (size_t)(sp2 - sp - 1));
            f->path[sp2 - sp - 1] = '\0';
        }
        if (a) {
            char *e = strstr(a + 2, "\r\n");
            size_t an = e ? (size_t)(e - a - 17) : 0;
            if (an < sizeof f->auth) {
                memcpy(f->auth, a + 17, an);
                f->auth[an] = '\0';
            }
        }
    }
    status = f->status;
    delay = f->delay_ms;
    if (f->gen) {
        iso8601(time(NULL) + f->exp_offset, exp, sizeof exp);
        snprintf(gbody, sizeof gbody,
                 "{\"AccessKeyId\":\"AKID%d\",\"SecretAccessKey\":\"SECRET%d\","
                 "\"Token\":\"TOKEN%d\",\"Expiration\":\"%s\"}",
                 f->requests, f->requests, f->requests, exp);
        body = gbody;
    } else {
        body = f->body;
    }
    n = (size_t)snprintf(resp, sizeof resp,
                         "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                         status, strlen(body), body);
    pthread_mutex_unlock(&f->mu);
    if (delay)
        usleep((useconds_t)delay * 1000);
    tu_send_all(c, resp, n < sizeof resp ? n : sizeof resp - 1);
}

static void fake_start(struct fake *f)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->status = 200;
    f->l = tu_listener_start(fake_serve, f);
    ck_assert_ptr_nonnull(f->l);
    f->port = tu_listener_port(f->l);
}

/* After this the port refuses connections: "server down". */
static void fake_stop(struct fake *f)
{
    tu_listener_stop(f->l);
    f->l = NULL;
}

static void fake_body(struct fake *f, int status, const char *body)
{
    pthread_mutex_lock(&f->mu);
    f->status = status;
    f->gen = 0;
    snprintf(f->body, sizeof f->body, "%s", body);
    pthread_mutex_unlock(&f->mu);
}

static void fake_gen(struct fake *f, long exp_offset, int delay_ms)
{
    pthread_mutex_lock(&f->mu);
    f->status = 200;
    f->gen = 1;
    f->exp_offset = exp_offset;
    f->delay_ms = delay_ms;
    pthread_mutex_unlock(&f->mu);
}

static int fake_requests(struct fake *f)
{
    int n;
    pthread_mutex_lock(&f->mu);
    n = f->requests;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static char full_uri[128];

static const char *fake_url(struct fake *f, const char *path)
{
    snprintf(full_uri, sizeof full_uri, "http://127.0.0.1:%d%s", f->port, path);
    return full_uri;
}

/* A clock tests can move. */
static int64_t fake_now_val;
static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&fake_now_val, __ATOMIC_SEQ_CST);
}

static ddbxo_credentials_provider *chain(const ddbxo__env *env,
                                         const char *base, ddbxo_error *err)
{
    ddbxo__creds_opts o = { .env = env, .container_base = base };
    ddbxo_error_clear(err);
    return ddbxo__creds_provider_default_opts(NULL, &o, err);
}

/* ---- snapshots and static ----------------------------------------- */

START_TEST(static_provider)
{
    ddbxo_error err;
    ddbxo_credentials c;
    ddbxo_credentials_provider *p =
        ddbxo_credentials_provider_static("AKIDSTATIC", "SECRETSTATIC", "TOKSTATIC", &err);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDSTATIC");
    ck_assert_str_eq(c.secret_access_key, "SECRETSTATIC");
    ck_assert_str_eq(c.session_token, "TOKSTATIC");
    ck_assert_int_eq(c.expiration, 0);
    ck_assert_str_eq(c.source, "static");
    ddbxo_credentials_clear(&c);
    ck_assert_ptr_null(c.access_key_id);
    ck_assert_ptr_null(c.secret_access_key);
    ck_assert_ptr_null(c.session_token);
    ddbxo_credentials_clear(&c);      /* twice is fine */
    ddbxo_credentials_clear(NULL);
    ddbxo_credentials_provider_invalidate(p);  /* no effect on static */
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDSTATIC");
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    ddbxo_credentials_provider_free(NULL);

    p = ddbxo_credentials_provider_static("AKID", "SECRET", NULL, &err);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_ptr_null(c.session_token);
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);

    ck_assert_ptr_null(ddbxo_credentials_provider_static(NULL, "SECRETX", NULL, &err));
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_ptr_null(ddbxo_credentials_provider_static("AKID", "", NULL, &err));
    ck_assert_ptr_null(ddbxo_credentials_provider_static("AKID", "SEC RETX", NULL, &err));
    assert_no_secret(&err, "SEC RETX");
    ck_assert_ptr_null(ddbxo_credentials_provider_static("AKID", "SECRETX", "TOK\nEN", &err));
    assert_no_secret(&err, "TOK");
    ck_assert_int_eq(ddbxo_credentials_get(NULL, &c, &err), -1);
    ck_assert_int_eq(ddbxo_credentials_get(NULL, NULL, &err), -1);
}
END_TEST

START_TEST(iso8601_parsing)
{
    int64_t t;
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T06:03:31Z", &t), 0);
    ck_assert_int_eq(t, 1456380211);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T06:03:31.123456Z", &t), 0);
    ck_assert_int_eq(t, 1456380211);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T07:03:31+01:00", &t), 0);
    ck_assert_int_eq(t, 1456380211);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T05:33:31-00:30", &t), 0);
    ck_assert_int_eq(t, 1456380211);
    ck_assert_int_eq(ddbxo__parse_iso8601("1970-01-01T00:00:00Z", &t), 0);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(ddbxo__parse_iso8601("2000-02-29T00:00:00Z", &t), 0);
    ck_assert_int_eq(t, 951782400);
    ck_assert_int_eq(ddbxo__parse_iso8601(NULL, &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25 06:03:31Z", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T06:03:31", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-13-25T06:03:31Z", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-30T06:03:31Z", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T24:03:31Z", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T06:03:31Zjunk", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("2016-02-25T06:03:31.Z", &t), -1);
    ck_assert_int_eq(ddbxo__parse_iso8601("1456380211", &t), -1);
}
END_TEST

/* ---- environment provider ------------------------------------------ */

START_TEST(env_provider)
{
    ddbxo_credentials c;
    ddbxo_error err;
    {
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRETENV",
            "AWS_SESSION_TOKEN", "TOKENENV");
        ck_assert_int_eq(ddbxo__creds_from_env(&env, &c, &err), 1);
        ck_assert_str_eq(c.access_key_id, "AKIDENV");
        ck_assert_str_eq(c.secret_access_key, "SECRETENV");
        ck_assert_str_eq(c.session_token, "TOKENENV");
        ck_assert_str_eq(c.source, "environment");
        ddbxo_credentials_clear(&c);
    }
    {
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRETENV",
            "AWS_SESSION_TOKEN", "");
        ck_assert_int_eq(ddbxo__creds_from_env(&env, &c, &err), 1);
        ck_assert_ptr_null(c.session_token);
        ddbxo_credentials_clear(&c);
    }
    {
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "");
        ck_assert_int_eq(ddbxo__creds_from_env(&env, &c, &err), 0);
    }
    {
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "AKIDENV");
        ck_assert_int_eq(ddbxo__creds_from_env(&env, &c, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_SECRET_ACCESS_KEY"));
        assert_no_secret(&err, "AKIDENV");
    }
    {
        TU_ENV(env, "AWS_SECRET_ACCESS_KEY", "SECRETENV");
        ck_assert_int_eq(ddbxo__creds_from_env(&env, &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_ACCESS_KEY_ID"));
        assert_no_secret(&err, "SECRETENV");
    }
    {
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRET ENV");
        ck_assert_int_eq(ddbxo__creds_from_env(&env, &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_SECRET_ACCESS_KEY"));
        assert_no_secret(&err, "SECRET ENV");
    }
    {
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRETENV",
            "AWS_SESSION_TOKEN", "TOKEN\r\nX-Evil: 1");
        ck_assert_int_eq(ddbxo__creds_from_env(&env, &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_SESSION_TOKEN"));
        assert_no_secret(&err, "X-Evil");
        assert_no_secret(&err, "SECRETENV");
    }
}
END_TEST

/* ---- shared files: the parser ------------------------------------- */

static ddbxo__profile *parse(const char *text, int is_config, const char *name)
{
    ddbxo__profile *p = NULL;
    ddbxo_error err;
    ck_assert_msg(ddbxo__profile_parse(text, strlen(text), is_config, name, "test", &p, &err) == 0,
                  "%s", err.message);
    return p;
}

static void expect(const char *text, int is_config, const char *name,
                   const char *key, const char *want)
{
    ddbxo__profile *p = parse(text, is_config, name);
    const char *v = ddbxo__profile_get(p, key);
    if (!want)
        ck_assert_msg(v == NULL, "[%s] %s: expected absent, got '%s'", text, key, v);
    else
        ck_assert_msg(v && strcmp(v, want) == 0, "[%s] %s: want '%s' got '%s'", text,
                      key, want, v ? v : "(null)");
    ddbxo__profile_free(p);
}

static void expect_error(const char *text, int is_config, const char *what, int line)
{
    ddbxo__profile *p = NULL;
    ddbxo_error err;
    char l[32];
    ddbxo_error_clear(&err);
    ck_assert_msg(ddbxo__profile_parse(text, strlen(text), is_config, "foo", "FILENAME",
                                       &p, &err) == -1, "accepted: %s", text);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_msg(strstr(err.message, what) != NULL, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "FILENAME"));
    snprintf(l, sizeof l, "line %d", line);
    ck_assert_msg(strstr(err.message, l) != NULL, "%s", err.message);
}

START_TEST(ini_comments_and_whitespace)
{
    expect("# c\n[profile foo] # c\nname = value # c with # sign", 1, "foo", "name", "value");
    expect("; c\n[profile foo] ; c\nname = value ; c with ; sign", 1, "foo", "name", "value");
    expect(";\n[profile foo];\nname = value ;\n", 1, "foo", "name", "value");
    expect("[profile foo]; adjacent\n", 1, "foo", "x", NULL);
    expect("[profile foo]\nname = value; adjacent", 1, "foo", "name", "value; adjacent");
    expect("[profile foo]\nname = value# adjacent", 1, "foo", "name", "value# adjacent");
    expect("[profile foo]\nname \t=  \tvalue \t", 1, "foo", "name", "value");
    expect("[profile foo]\nname=value", 1, "foo", "name", "value");
    expect("[profile foo]\nname =", 1, "foo", "name", "");
    expect("[profile foo]\nname = val=ue", 1, "foo", "name", "val=ue");
    expect("\t \n[profile foo]\n\t\n \nname = value\n\t \n", 1, "foo", "name", "value");
    expect("[profile foo]\r\nname = value\r\n", 1, "foo", "name", "value");
    expect("  # indented comment\n[profile foo]\n  ; another\nname = v", 1, "foo", "name", "v");
    /* An indented first property is still a property (lenient, like
     * Python's configparser). */
    expect("[profile foo]\n  name = v", 1, "foo", "name", "v");
}
END_TEST

START_TEST(ini_names_and_sections)
{
    /* Property names are case-insensitive, profile names are not. */
    expect("[profile foo]\nName = value\nNAME = value2", 1, "foo", "name", "value2");
    expect("[profile Foo]\nname = value", 1, "foo", "name", NULL);
    expect("[profile Foo]\nname = value", 1, "Foo", "name", "value");
    /* Profile-name characters of the SDK test suite. */
    expect("[profile some-thing:long/the_one%only.foo@bar+]\nk = v", 1,
           "some-thing:long/the_one%only.foo@bar+", "k", "v");
    expect("[profile in valid]\nk = v", 1, "in valid", "k", NULL);
    expect("[profile foo]\nin valid = v\nk = w", 1, "foo", "k", "w");
    expect("[profile \tfoo \t]\nk = v", 1, "foo", "k", "v");
    expect("[profile\tfoo]\nk = v", 1, "foo", "k", "v");
    expect("[   profile foo    ]\nk = v", 1, "foo", "k", "v");
    expect("[profilefoo]\nk = v", 1, "foo", "k", NULL);
    /* Config file: bare names are not profiles, except [default]. */
    expect("[foo]\nk = v", 1, "foo", "k", NULL);
    expect("[default]\nk = v", 1, "default", "k", "v");
    expect("[profile default]\nk = v\n[default]\nk = w\nk2 = x", 1, "default", "k", "v");
    expect("[profile default]\nk = v\n[default]\nk = w\nk2 = x", 1, "default", "k2", NULL);
    expect("[default]\nk = w\n[profile default]\nk = v", 1, "default", "k", "v");
    /* Credentials file: bare names only. */
    expect("[foo]\nk = v", 0, "foo", "k", "v");
    expect("[   foo    ]\nk = v", 0, "foo", "k", "v");
    expect("[profile foo]\nk = v", 0, "foo", "k", NULL);
    /* Duplicates merge; the last value wins. */
    expect("[profile foo]\na = 1\n[profile bar]\na = 9\n[profile foo]\nb = 2\na = 3", 1, "foo", "a", "3");
    expect("[profile foo]\na = 1\n[profile bar]\na = 9\n[profile foo]\nb = 2", 1, "foo", "b", "2");
    /* Other sections and their properties are skipped. */
    expect("[sso-session foo]\nk = v\n[services foo]\ndynamodb =\n  endpoint_url = x\n"
           "[profile foo]\nj = w", 1, "foo", "k", NULL);
    ck_assert_ptr_null(parse("[profile bar]\nk = v", 1, "foo"));
    ck_assert_ptr_null(parse("", 1, "foo"));
    {
        /* A profile with no properties still exists. */
        ddbxo__profile *p = parse("[profile foo]", 1, "foo");
        ck_assert_ptr_nonnull(p);
        ddbxo__profile_free(p);
    }
}
END_TEST

START_TEST(ini_continuations)
{
    expect("[profile foo]\nname = value\n -continued", 1, "foo", "name", "value\n-continued");
    expect("[profile foo]\nname = value\n -continued\n -and-continued", 1, "foo", "name",
           "value\n-continued\n-and-continued");
    expect("[profile foo]\nname = value\n \t -continued \t ", 1, "foo", "name", "value\n-continued");
    expect("[profile foo]\nname = value\n -continued # not a comment", 1, "foo", "name",
           "value\n-continued # not a comment");
    expect("[profile foo]\ns3 =\n name = value\n\t \n name2 = value2", 1, "foo", "s3",
           "\nname = value\nname2 = value2");
}
END_TEST

START_TEST(ini_errors)
{
    expect_error("[profile foo", 1, "']'", 1);
    expect_error("name = value", 1, "outside", 1);
    expect_error(" -continued", 1, "outside", 1);
    expect_error("[profile foo]\n= value", 1, "no name", 2);
    expect_error("[profile foo]\nkey : value", 1, "'name = value'", 2);
    expect_error("[profile foo]\n -continued", 1, "'name = value'", 2);
    expect_error("[profile foo]\nname = value\n[profile foo]\n -continued", 1, "'name = value'", 4);
    expect_error("\n\n[profile foo] junk\n", 1, "after section", 3);
    /* Errors in other profiles fail the whole file, as in the SDKs. */
    expect_error("[profile bar]\nbroken\n[profile foo]\nk = v", 1, "'name = value'", 2);
}
END_TEST

/* ---- shared files: the provider ----------------------------------- */

START_TEST(profile_provider_files)
{
    ddbxo_credentials c;
    ddbxo_error err;
    const char *cfg, *cred;
    mk_tmpdir();
    cfg = tu_write_file("config",
                     "[default]\nregion = us-east-1\n"
                     "[profile both]\naws_access_key_id = AKIDCFG\naws_secret_access_key = SECRETCFG\n"
                     "[profile cfgonly]\naws_access_key_id = AKIDCFGONLY\n"
                     "aws_secret_access_key = SECRETCFGONLY\naws_session_token = TOKCFGONLY\n"
                     "[profile role]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = both\n"
                     "[profile regiononly]\nregion = eu-west-1\n");
    cred = tu_write_file("credentials",
                      "# keys\n[default]\n aws_access_key_id=AKIDDEF ; comment\n"
                      "[both]\naws_access_key_id = AKIDCRED\naws_secret_access_key = SECRETCRED\n"
                      "[half]\naws_access_key_id = AKIDHALF\n"
                      "[indented]\naws_access_key_id = AKIDIND\n  aws_secret_access_key = SECRETIND\n");
    {
        /* The credentials file wins over the config file. */
        TU_ENV(env, "AWS_CONFIG_FILE", cfg, "AWS_SHARED_CREDENTIALS_FILE", cred, "AWS_PROFILE", "both");
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), 1);
        ck_assert_str_eq(c.access_key_id, "AKIDCRED");
        ck_assert_str_eq(c.secret_access_key, "SECRETCRED");
        ck_assert_ptr_null(c.session_token);
        ck_assert_str_eq(c.source, "profile");
        ddbxo_credentials_clear(&c);
        /* The caller's profile beats AWS_PROFILE. */
        ck_assert_int_eq(creds_from_profile(&env, "cfgonly", &c, &err), 1);
        ck_assert_str_eq(c.access_key_id, "AKIDCFGONLY");
        ck_assert_str_eq(c.session_token, "TOKCFGONLY");
        ddbxo_credentials_clear(&c);
        /* A profile with no keys (only a region) is "not configured". */
        ck_assert_int_eq(creds_from_profile(&env, "regiononly", &c, &err), 0);
        /* A role profile has no static keys: the chain assumes the role
         * (tests/auth/check_sts.c). */
        ck_assert_int_eq(creds_from_profile(&env, "role", &c, &err), 0);
        /* Half a key pair. */
        ck_assert_int_eq(creds_from_profile(&env, "half", &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "aws_secret_access_key"));
        assert_no_secret(&err, "AKIDHALF");
        /* An indented line continues the previous value: a clear error. */
        ck_assert_int_eq(creds_from_profile(&env, "indented", &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "indented"));
        assert_no_secret(&err, "SECRETIND");
        assert_no_secret(&err, "AKIDIND");
        /* No such profile, chosen explicitly: an error naming it. */
        ck_assert_int_eq(creds_from_profile(&env, "nosuch", &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "'nosuch'"));
        /* The default profile has only half a key here. */
        ck_assert_int_eq(creds_from_profile(&env, "default", &c, &err), -1);
        assert_no_secret(&err, "AKIDDEF");
    }
    {
        TU_ENV(env, "AWS_CONFIG_FILE", cfg, "AWS_SHARED_CREDENTIALS_FILE", cred, "AWS_PROFILE", "nosuch");
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_PROFILE"));
    }
    tu_rm_tmpdir();
}
END_TEST

START_TEST(profile_provider_missing_and_home)
{
    ddbxo_credentials c;
    ddbxo_error err;
    char aws[300];
    {
        /* No files at all and the default profile: not configured. */
        TU_ENV(env, "AWS_CONFIG_FILE", "/nonexistent/c", "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/k");
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), 0);
    }
    {
        TU_ENV(env);
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), 0);
    }
    mk_tmpdir();
    snprintf(aws, sizeof aws, "%s/.aws", tu_tmpdir());
    ck_assert_int_eq(mkdir(aws, 0700), 0);
    tu_write_file(".aws/credentials", "[default]\naws_access_key_id = AKIDHOME\naws_secret_access_key = SECRETHOME\n");
    tu_write_file("elsewhere", "[default]\naws_access_key_id = AKIDTILDE\naws_secret_access_key = SECRETTILDE\n");
    {
        TU_ENV(env, "HOME", tu_tmpdir());
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), 1);
        ck_assert_str_eq(c.access_key_id, "AKIDHOME");
        ddbxo_credentials_clear(&c);
    }
    {
        TU_ENV(env, "HOME", tu_tmpdir(), "AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere");
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), 1);
        ck_assert_str_eq(c.access_key_id, "AKIDTILDE");
        ddbxo_credentials_clear(&c);
    }
    {
        TU_ENV(env, "AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere");
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "HOME"));
    }
    {
        /* A directory is not a readable file: an I/O error, not a skip. */
        TU_ENV(env, "AWS_SHARED_CREDENTIALS_FILE", aws);
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), -1);
    }
    {
        /* A malformed file names the file and line, never a value. */
        const char *bad = tu_write_file("bad", "[default]\naws_secret_access_key = SECRETBAD\nSECRETLINE\n");
        TU_ENV(env, "AWS_SHARED_CREDENTIALS_FILE", bad);
        ck_assert_int_eq(creds_from_profile(&env, NULL, &c, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, "line 3"));
        ck_assert_ptr_nonnull(strstr(err.message, "/bad"));
        assert_no_secret(&err, "SECRETBAD");
        assert_no_secret(&err, "SECRETLINE");
    }
    tu_rm_tmpdir();
}
END_TEST

/* ---- the chain ---------------------------------------------------- */

START_TEST(chain_precedence)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    const char *cred;
    fake_start(&f);
    fake_gen(&f, 3600, 0);
    mk_tmpdir();
    cred = tu_write_file("credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = SECRETFILE\n");
    {
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "SECRETENV",
            "AWS_SHARED_CREDENTIALS_FILE", cred, "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            fake_url(&f, "/creds"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
        ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
        ck_assert_str_eq(c.source, "environment");
        ck_assert_str_eq(c.access_key_id, "AKIDENV");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);
    }
    {
        TU_ENV(env, "AWS_SHARED_CREDENTIALS_FILE", cred, "AWS_CONFIG_FILE", "/nonexistent",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/creds"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
        ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
        ck_assert_str_eq(c.source, "profile");
        ck_assert_str_eq(c.access_key_id, "AKIDFILE");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);
    }
    ck_assert_int_eq(fake_requests(&f), 0);
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/creds"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
        /* Container credentials are fetched on first use, not before. */
        ck_assert_int_eq(fake_requests(&f), 0);
        ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
        ck_assert_str_eq(c.source, "container");
        ck_assert_str_eq(c.access_key_id, "AKID1");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);
    }
    {
        /* A broken earlier source stops the chain. */
        TU_ENV(env, "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            fake_url(&f, "/creds"));
        ck_assert_ptr_null(chain(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_SECRET_ACCESS_KEY"));
    }
    {
        TU_ENV(env, "HOME", tu_tmpdir(), "AWS_EC2_METADATA_DISABLED", "true");
        ck_assert_ptr_null(chain(&env, NULL, &err));
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_ACCESS_KEY_ID"));
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    }
    fake_stop(&f);
    tu_rm_tmpdir();
}
END_TEST

/* ---- container ---------------------------------------------------- */

START_TEST(container_full_uri_token)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    fake_start(&f);
    fake_body(&f, 200, "{\"AccessKeyId\":\"AKIDC\",\"SecretAccessKey\":\"SECRETC\","
                       "\"Token\":\"TOKENC\",\"Expiration\":\"2099-01-01T00:00:00Z\","
                       "\"RoleArn\":\"arn:aws:iam::1:role/r\"}");
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/2021-04-23/credentials"),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc=");
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
    }
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDC");
    ck_assert_str_eq(c.secret_access_key, "SECRETC");
    ck_assert_str_eq(c.session_token, "TOKENC");
    ck_assert_int_eq(c.expiration, 4070908800);
    ck_assert_str_eq(f.path, "/2021-04-23/credentials");
    ck_assert_str_eq(f.auth, "Basic abc=");
    ddbxo_credentials_clear(&c);
    /* Far from expiry: served from the cache. */
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_int_eq(fake_requests(&f), 1);
    ddbxo_credentials_clear(&c);
    /* invalidate() forces a refresh. */
    ddbxo_credentials_provider_invalidate(p);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_int_eq(fake_requests(&f), 2);
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);
}
END_TEST

START_TEST(container_token_file_wins_and_is_reread)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    const char *tf;
    fake_start(&f);
    fake_gen(&f, 3600, 0);
    mk_tmpdir();
    tf = tu_write_file("token", "token-from-file-1\n");
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/v1/credentials"),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN", "plain-token",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tf);
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
    }
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(f.auth, "token-from-file-1");
    ddbxo_credentials_clear(&c);
    /* Rotated: the next fetch reads the new token. */
    tu_write_file("token", "token-from-file-2");
    ddbxo_credentials_provider_invalidate(p);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(f.auth, "token-from-file-2");
    ck_assert_str_eq(c.access_key_id, "AKID2");
    ddbxo_credentials_clear(&c);
    /* Gone: a clear error naming the variable (and no secret). */
    unlink(tf);
    ddbxo_credentials_provider_invalidate(p);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
    assert_no_secret(&err, "SECRET2");
    assert_no_secret(&err, "plain-token");
    ck_assert_ptr_null(c.access_key_id);
    /* A token file with a newline inside is refused. */
    tu_write_file("token", "line1\nline2\n");
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), -1);
    assert_no_secret(&err, "line1");
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);
    tu_rm_tmpdir();
}
END_TEST

START_TEST(container_relative_uri)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    char base[64];
    fake_start(&f);
    fake_gen(&f, 3600, 0);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", f.port);
    {
        /* RELATIVE_URI wins over FULL_URI. */
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/never");
        ck_assert_ptr_nonnull(p = chain(&env, base, &err));
    }
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(f.path, "/v2/credentials/abc-123");
    ck_assert_str_eq(f.auth, "");
    ck_assert_str_eq(c.source, "container");
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials");
        ck_assert_ptr_null(chain(&env, base, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
    }
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/a b");
        ck_assert_ptr_null(chain(&env, base, &err));
    }
    {
        /* Without the test hook the base is the ECS agent; no fetch is made
         * at construction, so this does not touch the network. */
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials");
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
        ddbxo_credentials_provider_free(p);
    }
    fake_stop(&f);
}
END_TEST

START_TEST(container_full_uri_host_rules)
{
    static const char *const allowed[] = {
        "http://127.0.0.1/c", "http://127.9.9.9:80/c", "http://localhost:9/c",
        "http://[::1]:9/c", "http://169.254.170.2/v2/credentials",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "https://creds.example.com/c", "https://10.0.0.1/c",
    };
    static const char *const refused[] = {
        "http://10.0.0.1/c", "http://169.254.170.3/c", "http://169.254.169.254/latest",
        "http://8.8.8.8/c", "http://[fd00:ec2::24]/c", "http://[::2]/c",
        "ftp://127.0.0.1/c", "not a url", "http://user:pw@127.0.0.1/c",
    };
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i]);
        p = chain(&env, NULL, &err);
        ck_assert_msg(p != NULL, "%s refused: %s", allowed[i], err.message);
        ddbxo_credentials_provider_free(p);   /* never fetched */
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", refused[i],
            "AWS_CONTAINER_AUTHORIZATION_TOKEN", "SECRETTOKEN");
        ck_assert_msg(chain(&env, NULL, &err) == NULL, "%s accepted", refused[i]);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
        assert_no_secret(&err, "SECRETTOKEN");
        assert_no_secret(&err, "pw@");
    }
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN", "SECRET\r\nX-Injected: 1");
        ck_assert_ptr_null(chain(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
        assert_no_secret(&err, "X-Injected");
    }
    {
        /* A token alone configures nothing. */
        TU_ENV(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok",
               "AWS_EC2_METADATA_DISABLED", "true");
        ck_assert_ptr_null(chain(&env, NULL, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "no AWS credentials"));
    }
}
END_TEST

START_TEST(container_expiry_refresh)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    fake_start(&f);
    /* Two minutes left: inside the 5-minute window, so every get
     * refreshes. */
    fake_gen(&f, 120, 0);
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/c"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
    }
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID1");
    ck_assert(c.expiration > time(NULL) + 100 && c.expiration <= time(NULL) + 121);
    ddbxo_credentials_clear(&c);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID2");
    ck_assert_int_eq(fake_requests(&f), 2);
    ddbxo_credentials_clear(&c);
    /* An hour left: the next get refreshes once more, then caches. */
    fake_gen(&f, 3600, 0);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID3");
    ddbxo_credentials_clear(&c);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID3");
    ck_assert_int_eq(fake_requests(&f), 3);
    ck_assert_int_eq(ddbxo__creds_provider_fetches(p), 3);
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);
}
END_TEST

START_TEST(container_down_keeps_valid_then_fails_when_expired)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    ddbxo__creds_opts o;
    int64_t t0 = (int64_t)time(NULL);
    fake_start(&f);
    fake_gen(&f, 120, 0);
    fake_now_val = t0;
    TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/c"));
    o.env = &env;
    o.container_base = NULL;
    o.now = fake_now;
    o.now_ctx = NULL;
    ck_assert_ptr_nonnull(p = ddbxo__creds_provider_default_opts(NULL, &o, &err));
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID1");
    ddbxo_credentials_clear(&c);

    fake_stop(&f);
    /* Down, old credentials still valid: they are kept. */
    ddbxo_error_clear(&err);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID1");
    ck_assert_str_eq(c.secret_access_key, "SECRET1");
    ck_assert_int_eq(err.code, DDBXO_OK);
    ddbxo_credentials_clear(&c);
    ck_assert_int_eq(ddbxo__creds_provider_fetches(p), 1);

    /* 100 s later: 20 s left, still usable (backoff has passed). */
    __atomic_store_n(&fake_now_val, t0 + 100, __ATOMIC_SEQ_CST);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID1");
    ddbxo_credentials_clear(&c);

    /* Expired and down: a clear, retryable error, never the old ones. */
    __atomic_store_n(&fake_now_val, t0 + 200, __ATOMIC_SEQ_CST);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_ptr_nonnull(strstr(err.message, "container credentials"));
    ck_assert_ptr_nonnull(strstr(err.message, "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    assert_no_secret(&err, "SECRET1");
    assert_no_secret(&err, "TOKEN1");
    ck_assert_ptr_null(c.access_key_id);
    ddbxo_credentials_provider_free(p);
}
END_TEST

START_TEST(container_retry_backoff)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    ddbxo__creds_opts o;
    int64_t t0 = (int64_t)time(NULL);
    fake_start(&f);
    fake_gen(&f, 240, 0);
    fake_now_val = t0;
    TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/c"));
    o.env = &env;
    o.container_base = NULL;
    o.now = fake_now;
    o.now_ctx = NULL;
    ck_assert_ptr_nonnull(p = ddbxo__creds_provider_default_opts(NULL, &o, &err));
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ddbxo_credentials_clear(&c);
    fake_body(&f, 503, "{\"code\":\"Unavailable\"}");
    /* The refresh fails, the old credentials are served... */
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID1");
    ddbxo_credentials_clear(&c);
    ck_assert_int_eq(fake_requests(&f), 2);
    /* ...and for a few seconds no new attempt costs a round trip. */
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ddbxo_credentials_clear(&c);
    ck_assert_int_eq(fake_requests(&f), 2);
    /* After the backoff the endpoint is asked again and recovers. */
    fake_gen(&f, 3600, 0);
    __atomic_store_n(&fake_now_val, t0 + 30, __ATOMIC_SEQ_CST);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKID3");
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);
}
END_TEST

/* One failed fetch on a fresh provider; returns the error for checks. */
static void container_fails(struct fake *f, int status, const char *body,
                            ddbxo_error *err)
{
    ddbxo_credentials c;
    ddbxo_credentials_provider *p;
    fake_body(f, status, body);
    TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(f, "/c"),
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AUTHSECRET");
    ck_assert_ptr_nonnull(p = chain(&env, NULL, err));
    ck_assert_msg(ddbxo_credentials_get(p, &c, err) == -1, "accepted: %s", body);
    ck_assert_ptr_null(c.access_key_id);
    assert_no_secret(err, "AUTHSECRET");
    assert_no_secret(err, "SECRETX");
    assert_no_secret(err, "AKIDX");
    ddbxo_credentials_provider_free(p);
}

START_TEST(container_bad_responses)
{
    struct fake f;
    ddbxo_error err;
    static char big[70 * 1024];
    fake_start(&f);

    container_fails(&f, 500, "{\"code\":\"InternalError\",\"message\":\"SECRETX\"}", &err);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.http_status, 500);
    ck_assert_int_eq(err.retryable, 1);
    container_fails(&f, 401, "{\"code\":\"Unauthorized\"}", &err);
    ck_assert_int_eq(err.http_status, 401);
    ck_assert_int_eq(err.retryable, 0);
    container_fails(&f, 200, "{\"AccessKeyId\":\"AKIDX\",\"SecretAccessKey\":\"SECRETX\" garbage", &err);
    ck_assert_ptr_nonnull(strstr(err.message, "not valid JSON"));
    container_fails(&f, 200, "SECRETX", &err);
    container_fails(&f, 200, "[\"AKIDX\",\"SECRETX\"]", &err);
    container_fails(&f, 200, "{\"AccessKeyId\":\"AKIDX\"}", &err);
    ck_assert_ptr_nonnull(strstr(err.message, "SecretAccessKey"));
    container_fails(&f, 200, "{\"SecretAccessKey\":\"SECRETX\"}", &err);
    ck_assert_ptr_nonnull(strstr(err.message, "AccessKeyId"));
    container_fails(&f, 200, "{\"AccessKeyId\":\"AKIDX\",\"SecretAccessKey\":7}", &err);
    container_fails(&f, 200, "{\"AccessKeyId\":\"AKIDX\",\"SecretAccessKey\":\"SECRETX\","
                             "\"Token\":5}", &err);
    container_fails(&f, 200, "{\"AccessKeyId\":\"AKIDX\",\"SecretAccessKey\":\"SECRETX\","
                             "\"Expiration\":\"tomorrow\"}", &err);
    ck_assert_ptr_nonnull(strstr(err.message, "Expiration"));
    container_fails(&f, 200, "{\"AccessKeyId\":\"AKIDX\",\"SecretAccessKey\":\"SECRETX\","
                             "\"Expiration\":\"2001-01-01T00:00:00Z\"}", &err);
    ck_assert_ptr_nonnull(strstr(err.message, "expired"));
    container_fails(&f, 200, "{\"AccessKeyId\":\"AKIDX\",\"SecretAccessKey\":\"SECRETX\","
                             "\"AccessKeyId\":\"AKIDX\"}", &err);
    memset(big, ' ', sizeof big - 1);
    big[0] = '{';
    big[sizeof big - 2] = '}';
    container_fails(&f, 200, big, &err);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    fake_stop(&f);

    /* Nothing listening. */
    {
        ddbxo_credentials c;
        ddbxo_credentials_provider *p;
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/c"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
        ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_HTTP);
        ck_assert_int_eq(err.retryable, 1);
        ddbxo_credentials_provider_free(p);
    }
}
END_TEST

START_TEST(container_no_expiration_is_cached)
{
    struct fake f;
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    fake_start(&f);
    fake_body(&f, 200, "{\"AccessKeyId\":\"AKIDN\",\"SecretAccessKey\":\"SECRETN\",\"Token\":null}");
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/c"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
    }
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_ptr_null(c.session_token);
    ck_assert_int_eq(c.expiration, 0);
    ddbxo_credentials_clear(&c);
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_int_eq(fake_requests(&f), 1);
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);
}
END_TEST

/* ---- threads ------------------------------------------------------ */

#define NTHREADS 8
#define NGETS 25

struct worker {
    ddbxo_credentials_provider *p;
    int ok, bad;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < NGETS; i++) {
        ddbxo_credentials c;
        ddbxo_error err;
        if (ddbxo_credentials_get(w->p, &c, &err) != 0) {
            w->bad++;
            continue;
        }
        /* A snapshot is consistent: key id, secret and token belong to
         * the same fetch. */
        if (strncmp(c.access_key_id, "AKID", 4) == 0
            && strcmp(c.access_key_id + 4, c.secret_access_key + 6) == 0
            && strcmp(c.access_key_id + 4, c.session_token + 5) == 0)
            w->ok++;
        else
            w->bad++;
        ddbxo_credentials_clear(&c);
        usleep(2000);
    }
    return NULL;
}

static void run_workers(ddbxo_credentials_provider *p, struct worker *w)
{
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i].p = p;
        w[i].ok = w[i].bad = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
}

START_TEST(threads_share_one_refresh)
{
    struct fake f;
    struct worker w[NTHREADS];
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    int ok = 0, bad = 0;
    fake_start(&f);
    /* Slow endpoint, credentials always inside the refresh window: gets
     * overlap refreshes all the time. */
    fake_gen(&f, 120, 150);
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/c"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
    }
    /* Cold start: all threads wait for a single fetch. */
    run_workers(p, w);
    for (int i = 0; i < NTHREADS; i++) {
        ok += w[i].ok;
        bad += w[i].bad;
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(ok, NTHREADS * NGETS);
    /* One fetch at a time, never one per get: the others reuse the still
     * valid credentials while it runs. */
    ck_assert_int_lt(fake_requests(&f), NTHREADS * NGETS / 2);
    ck_assert_int_eq((int)ddbxo__creds_provider_fetches(p), fake_requests(&f));
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);
}
END_TEST

START_TEST(threads_cold_start_failure_shared)
{
    struct fake f;
    struct worker w[NTHREADS];
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    int bad = 0;
    fake_start(&f);
    fake_body(&f, 500, "{}");
    pthread_mutex_lock(&f.mu);
    f.delay_ms = 100;
    pthread_mutex_unlock(&f.mu);
    {
        TU_ENV(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/c"));
        ck_assert_ptr_nonnull(p = chain(&env, NULL, &err));
    }
    run_workers(p, w);
    for (int i = 0; i < NTHREADS; i++) {
        ck_assert_int_eq(w[i].ok, 0);
        bad += w[i].bad;
    }
    ck_assert_int_eq(bad, NTHREADS * NGETS);
    /* Waiters share a failed fetch's error instead of each retrying. */
    ck_assert_int_lt(fake_requests(&f), NTHREADS * NGETS);
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);
}
END_TEST

/* ---- the real environment ----------------------------------------- */

static void clear_aws_env(void)
{
    static const char *const vars[] = {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

START_TEST(default_chain_real_env)
{
    ddbxo_credentials c;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    struct fake f;
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    mk_tmpdir();
    clear_aws_env();
    setenv("HOME", tu_tmpdir(), 1);

    setenv("AWS_ACCESS_KEY_ID", "AKIDREAL", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRETREAL", 1);
    setenv("AWS_SESSION_TOKEN", "TOKENREAL", 1);
    ck_assert_ptr_nonnull(p = ddbxo_credentials_provider_default(NULL, &err));
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDREAL");
    ck_assert_str_eq(c.session_token, "TOKENREAL");
    ck_assert_str_eq(c.source, "environment");
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);

    /* Lambda with SnapStart: container credentials from the environment. */
    clear_aws_env();
    fake_start(&f);
    fake_gen(&f, 3600, 0);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake_url(&f, "/2021-04-23/credentials"), 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "lambda-token", 1);
    ck_assert_ptr_nonnull(p = ddbxo_credentials_provider_default(NULL, &err));
    ck_assert_int_eq(ddbxo_credentials_get(p, &c, &err), 0);
    ck_assert_str_eq(c.source, "container");
    ck_assert_str_eq(f.auth, "lambda-token");
    ddbxo_credentials_clear(&c);
    ddbxo_credentials_provider_free(p);
    fake_stop(&f);

    clear_aws_env();
    ck_assert_ptr_null(ddbxo_credentials_provider_default("nosuch", &err));
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    if (home)
        setenv("HOME", home, 1);
    free(home);
    tu_rm_tmpdir();
}
END_TEST

static Suite *creds_suite(void)
{
    Suite *s = suite_create("creds");
    TCase *b = tcase_create("basic");
    TCase *i = tcase_create("ini");
    TCase *f = tcase_create("files");
    TCase *c = tcase_create("container");
    TCase *t = tcase_create("threads");
    tcase_add_test(b, static_provider);
    tcase_add_test(b, iso8601_parsing);
    tcase_add_test(b, env_provider);
    tcase_add_test(b, default_chain_real_env);
    tcase_add_test(i, ini_comments_and_whitespace);
    tcase_add_test(i, ini_names_and_sections);
    tcase_add_test(i, ini_continuations);
    tcase_add_test(i, ini_errors);
    tcase_add_test(f, profile_provider_files);
    tcase_add_test(f, profile_provider_missing_and_home);
    tcase_add_test(f, chain_precedence);
    tcase_add_test(c, container_full_uri_token);
    tcase_add_test(c, container_token_file_wins_and_is_reread);
    tcase_add_test(c, container_relative_uri);
    tcase_add_test(c, container_full_uri_host_rules);
    tcase_add_test(c, container_expiry_refresh);
    tcase_add_test(c, container_down_keeps_valid_then_fails_when_expired);
    tcase_add_test(c, container_retry_backoff);
    tcase_add_test(c, container_bad_responses);
    tcase_add_test(c, container_no_expiration_is_cached);
    tcase_add_test(t, threads_share_one_refresh);
    tcase_add_test(t, threads_cold_start_failure_shared);
    tcase_set_timeout(c, 30);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, b);
    suite_add_tcase(s, i);
    suite_add_tcase(s, f);
    suite_add_tcase(s, c);
    suite_add_tcase(s, t);
    return s;
}

TU_MAIN(creds_suite)
