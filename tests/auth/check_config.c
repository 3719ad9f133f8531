/* Region, endpoint and URL tests.  The environment is injected (kv_env)
 * except in the *_real_env tests, which setenv in Check's forked child. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/config.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "testutil.h"
#include "fakeenv.h"

/* ---- helpers ------------------------------------------------------ */

/* ctx: NULL-terminated name, value, name, value, ... */
static void mk_tmpdir(void) { tu_mk_tmpdir("ddbxo-config"); }

static int resolve(ddbxo_service s, const char *region, const char *ovr,
                   unsigned flags, const ddbxo__env *env, ddbxo_endpoint *ep,
                   ddbxo_error *err)
{
    ddbxo_error_clear(err);
    return ddbxo__endpoint_resolve_env(s, region, ovr, flags, env, ep, err);
}

/* ---- URL parsing -------------------------------------------------- */

START_TEST(url_parse_good)
{
    ddbxo__url u;
    ddbxo_error err;
    ck_assert_int_eq(ddbxo__url_parse("https://dynamodb.us-east-1.amazonaws.com", &u, "x", &err), 0);
    ck_assert_str_eq(u.scheme, "https");
    ck_assert_str_eq(u.hostname, "dynamodb.us-east-1.amazonaws.com");
    ck_assert_int_eq(u.port, 443);
    ck_assert_int_eq(u.port_explicit, 0);
    ck_assert_str_eq(u.path, "");

    ck_assert_int_eq(ddbxo__url_parse("HTTP://LocalHost:8000/", &u, "x", &err), 0);
    ck_assert_str_eq(u.scheme, "http");
    ck_assert_str_eq(u.hostname, "localhost");
    ck_assert_int_eq(u.port, 8000);
    ck_assert_str_eq(u.path, "/");

    ck_assert_int_eq(ddbxo__url_parse("http://[::1]:4566/foo/bar%2F", &u, "x", &err), 0);
    ck_assert_int_eq(u.is_ipv6, 1);
    ck_assert_str_eq(u.hostname, "::1");
    ck_assert_int_eq(u.port, 4566);
    ck_assert_str_eq(u.path, "/foo/bar%2F");

    ck_assert_int_eq(ddbxo__url_parse("http://[FD00:EC2::23]", &u, "x", &err), 0);
    ck_assert_str_eq(u.hostname, "fd00:ec2::23");
    ck_assert_int_eq(u.port, 80);

    ck_assert_int_eq(ddbxo__url_parse("https://127.5.6.7:65535", &u, "x", &err), 0);
    ck_assert_int_eq(u.port, 65535);
    ck_assert_int_eq(ddbxo__url_parse("http://my_host-1.internal:1", &u, "x", &err), 0);
}
END_TEST

START_TEST(url_parse_bad)
{
    static const char *const bad[] = {
        "", "ftp://x", "dynamodb.us-east-1.amazonaws.com", "http://", "http://:80",
        "http://host:", "http://host:0", "http://host:65536", "http://host:12a",
        "http://host:123456", "http://user:pw@host", "http://host/?q=1",
        "http://host#frag", "http://host/a?b", "http://[::1", "http://[zz]/",
        "http://[fe80::1%25eth0]/", "http://[::1]x", "http://[]/", "http://ho st",
        "http://host\n", "http://a..b", "http://.a", "http://a.", "http://127.1",
        "http://1.2.3.256", "https://host/a b", "http://host/%zz", "http://host/%2",
        "http://host/a\\b", "http://h\xc3\xa9st", "http://host/{x}", "https//host",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddbxo__url u;
        ddbxo_error err;
        ddbxo_error_clear(&err);
        ck_assert_msg(ddbxo__url_parse(bad[i], &u, "TESTVAR", &err) == -1,
                      "accepted bad url #%zu", i);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_msg(strstr(err.message, "TESTVAR") != NULL, "%s", err.message);
    }
    {
        char longurl[2000];
        ddbxo__url u;
        ddbxo_error err;
        memset(longurl, 'a', sizeof longurl);
        memcpy(longurl, "https://h/", 10);
        longurl[sizeof longurl - 1] = '\0';
        ck_assert_int_eq(ddbxo__url_parse(longurl, &u, "x", &err), -1);
    }
}
END_TEST

START_TEST(url_userinfo_not_echoed)
{
    ddbxo__url u;
    ddbxo_error err;
    ck_assert_int_eq(ddbxo__url_parse("http://AKIDEXAMPLE:hunter2secret@localhost/", &u,
                                      "AWS_ENDPOINT_URL", &err), -1);
    ck_assert_ptr_null(strstr(err.message, "hunter2secret"));
    ck_assert_ptr_null(strstr(err.message, "AKIDEXAMPLE"));
    ck_assert_ptr_nonnull(strstr(err.message, "AWS_ENDPOINT_URL"));
}
END_TEST

START_TEST(loopback_hosts)
{
    ck_assert(ddbxo__host_is_loopback("127.0.0.1"));
    ck_assert(ddbxo__host_is_loopback("127.5.6.7"));
    ck_assert(ddbxo__host_is_loopback("127.255.255.255"));
    ck_assert(ddbxo__host_is_loopback("localhost"));
    ck_assert(ddbxo__host_is_loopback("::1"));
    ck_assert(ddbxo__host_is_loopback("::ffff:127.0.0.1"));
    ck_assert(!ddbxo__host_is_loopback("10.0.0.1"));
    ck_assert(!ddbxo__host_is_loopback("128.0.0.1"));
    ck_assert(!ddbxo__host_is_loopback("126.255.255.255"));
    ck_assert(!ddbxo__host_is_loopback("169.254.170.2"));
    ck_assert(!ddbxo__host_is_loopback("::2"));
    ck_assert(!ddbxo__host_is_loopback("::ffff:10.0.0.1"));
    ck_assert(!ddbxo__host_is_loopback("localhost.example.com"));
    ck_assert(!ddbxo__host_is_loopback("127.0.0.1.nip.io"));
}
END_TEST

/* ---- endpoints ---------------------------------------------------- */

START_TEST(endpoint_defaults)
{
    TU_ENV(env);
    ddbxo_endpoint ep;
    ddbxo_error err;

    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "https://dynamodb.us-east-1.amazonaws.com/");
    ck_assert_str_eq(ep.host, "dynamodb.us-east-1.amazonaws.com");
    ck_assert_str_eq(ep.hostname, "dynamodb.us-east-1.amazonaws.com");
    ck_assert_str_eq(ep.scheme, "https");
    ck_assert_int_eq(ep.port, 443);
    ck_assert_str_eq(ep.path, "/");
    ck_assert_str_eq(ep.signing_name, "dynamodb");
    ck_assert_str_eq(ep.signing_region, "us-east-1");
    ck_assert_str_eq(ep.source, "default");

    ck_assert_int_eq(resolve(DDBXO_SERVICE_STREAMS, "eu-west-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "https://streams.dynamodb.eu-west-1.amazonaws.com/");
    ck_assert_str_eq(ep.signing_name, "dynamodb");
    ck_assert_str_eq(ep.signing_region, "eu-west-1");

    ck_assert_int_eq(resolve(DDBXO_SERVICE_SQS, "us-west-2", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "https://sqs.us-west-2.amazonaws.com/");
    ck_assert_str_eq(ep.signing_name, "sqs");

    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "cn-north-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "dynamodb.cn-north-1.amazonaws.com.cn");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_STREAMS, "cn-northwest-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "streams.dynamodb.cn-northwest-1.amazonaws.com.cn");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_SQS, "cn-north-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "sqs.cn-north-1.amazonaws.com.cn");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-gov-west-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "dynamodb.us-gov-west-1.amazonaws.com");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-isob-east-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "dynamodb.us-isob-east-1.sc2s.sgov.gov");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-iso-east-1", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "dynamodb.us-iso-east-1.c2s.ic.gov");
}
END_TEST

START_TEST(endpoint_region_local)
{
    TU_ENV(env);
    ddbxo_endpoint ep;
    ddbxo_error err;
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "local", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "http://localhost:8000/");
    ck_assert_str_eq(ep.host, "localhost:8000");
    ck_assert_str_eq(ep.signing_region, "us-east-1");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_STREAMS, "local", NULL, 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "http://localhost:8000/");
    ck_assert_str_eq(ep.signing_name, "dynamodb");
}
END_TEST

START_TEST(endpoint_env_precedence)
{
    TU_ENV(all, "AWS_ENDPOINT_URL", "http://127.0.0.1:1000",
        "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1001",
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "http://127.0.0.1:1002",
        "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1003");
    TU_ENV(global, "AWS_ENDPOINT_URL", "http://127.0.0.1:1000");
    TU_ENV(ddb_only, "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1001");
    ddbxo_endpoint ep;
    ddbxo_error err;

    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", NULL, 0, &all, &ep, &err), 0);
    ck_assert_int_eq(ep.port, 1001);
    ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL_DYNAMODB");
    ck_assert_str_eq(ep.signing_region, "us-east-1");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_STREAMS, "us-east-1", NULL, 0, &all, &ep, &err), 0);
    ck_assert_int_eq(ep.port, 1002);
    ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS");
    ck_assert_str_eq(ep.signing_name, "dynamodb");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_SQS, "us-east-1", NULL, 0, &all, &ep, &err), 0);
    ck_assert_int_eq(ep.port, 1003);
    ck_assert_str_eq(ep.signing_name, "sqs");

    for (int s = 0; s < 3; s++) {
        ck_assert_int_eq(resolve((ddbxo_service)s, "eu-west-1", NULL, 0, &global, &ep, &err), 0);
        ck_assert_int_eq(ep.port, 1000);
        ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL");
        ck_assert_str_eq(ep.signing_region, "eu-west-1");
    }
    /* A service-specific variable does not leak to other services. */
    ck_assert_int_eq(resolve(DDBXO_SERVICE_STREAMS, "eu-west-1", NULL, 0, &ddb_only, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "default");
    ck_assert_str_eq(ep.host, "streams.dynamodb.eu-west-1.amazonaws.com");

    /* The caller's override beats everything. */
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "https://ddb.example.com:8443/p",
                             0, &all, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "override");
    ck_assert_str_eq(ep.url, "https://ddb.example.com:8443/p");
    ck_assert_str_eq(ep.host, "ddb.example.com:8443");
    ck_assert_str_eq(ep.path, "/p");
    /* An empty override is no override. */
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "", 0, &all, &ep, &err), 0);
    ck_assert_int_eq(ep.port, 1001);
}
END_TEST

START_TEST(endpoint_ignore_configured)
{
    TU_ENV(on, "AWS_ENDPOINT_URL", "http://127.0.0.1:1000",
        "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1001",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE");
    TU_ENV(off, "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1001",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
    ddbxo_endpoint ep;
    ddbxo_error err;
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", NULL, 0, &on, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "default");
    ck_assert_str_eq(ep.host, "dynamodb.us-east-1.amazonaws.com");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_SQS, "us-east-1", NULL, 0, &on, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "default");
    /* It does not touch an explicit override (SDK rule). */
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "http://localhost:9", 0, &on, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "override");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", NULL, 0, &off, &ep, &err), 0);
    ck_assert_int_eq(ep.port, 1001);
}
END_TEST

START_TEST(endpoint_loopback_rule)
{
    TU_ENV(env);
    static const char *const ok[] = {
        "http://127.0.0.1:8000", "http://127.5.6.7:8000", "http://localhost",
        "http://LOCALHOST:4566/", "http://[::1]:8000", "https://10.0.0.1",
        "https://example.com", "http://[::ffff:127.0.0.1]:80",
    };
    static const char *const refused[] = {
        "http://10.0.0.1", "http://10.0.0.1:8000/", "http://example.com",
        "http://169.254.170.2", "http://[::2]:80", "http://128.0.0.1",
        "http://localhost.example.com",
    };
    ddbxo_endpoint ep;
    ddbxo_error err;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_msg(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", ok[i], 0, &env, &ep, &err) == 0,
                      "%s: %s", ok[i], err.message);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ck_assert_msg(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", refused[i], 0, &env, &ep, &err) == -1,
                      "%s accepted", refused[i]);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, "http://"));
        ck_assert_ptr_nonnull(strstr(err.message, "DDBXO_ENDPOINT_ALLOW_INSECURE_HTTP"));
        ck_assert_str_eq(ep.url, "");
        /* ... unless the caller opts in. */
        ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", refused[i],
                                 DDBXO_ENDPOINT_ALLOW_INSECURE_HTTP, &env, &ep, &err), 0);
        ck_assert_str_eq(ep.scheme, "http");
    }
}
END_TEST

START_TEST(endpoint_env_refused_names_variable)
{
    TU_ENV(bad, "AWS_ENDPOINT_URL_SQS", "http://10.1.2.3:9324");
    TU_ENV(garbage, "AWS_ENDPOINT_URL_DYNAMODB", "not a url");
    ddbxo_endpoint ep;
    ddbxo_error err;
    ck_assert_int_eq(resolve(DDBXO_SERVICE_SQS, "us-east-1", NULL, 0, &bad, &ep, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "AWS_ENDPOINT_URL_SQS"));
    ck_assert_ptr_nonnull(strstr(err.message, "10.1.2.3"));
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", NULL, 0, &garbage, &ep, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "AWS_ENDPOINT_URL_DYNAMODB"));
}
END_TEST

START_TEST(endpoint_host_and_port_forms)
{
    TU_ENV(env);
    ddbxo_endpoint ep;
    ddbxo_error err;
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "https://h.example:443", 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "h.example");
    ck_assert_str_eq(ep.url, "https://h.example/");
    ck_assert_int_eq(ep.port, 443);
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "http://localhost:80", 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "localhost");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "https://h.example:80", 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "h.example:80");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "http://[::1]:8000/prefix/", 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.host, "[::1]:8000");
    ck_assert_str_eq(ep.hostname, "::1");
    ck_assert_str_eq(ep.path, "/prefix/");
    ck_assert_str_eq(ep.url, "http://[::1]:8000/prefix/");
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, "us-east-1", "HTTPS://DDB.Example.COM", 0, &env, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "https://ddb.example.com/");
}
END_TEST

START_TEST(endpoint_bad_region_and_args)
{
    TU_ENV(env);
    static const char *const bad[] = {
        "", "US-EAST-1", "us-east-1/x", "us east", "-us-east-1", "us-east-1-",
        "us-east-1.evil.com", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    ddbxo_endpoint ep;
    ddbxo_error err;
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, NULL, NULL, 0, &env, &ep, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "region"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(resolve(DDBXO_SERVICE_DYNAMODB, bad[i], NULL, 0, &env, &ep, &err) == -1,
                      "region '%s' accepted", bad[i]);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    }
    /* A custom endpoint still needs a region: it signs with it. */
    ck_assert_int_eq(resolve(DDBXO_SERVICE_DYNAMODB, NULL, "http://localhost:8000", 0, &env, &ep, &err), -1);
    ck_assert_int_eq(resolve((ddbxo_service)7, "us-east-1", NULL, 0, &env, &ep, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(resolve(DDBXO_SERVICE_SQS, "us-east-1", NULL, 0, &env, NULL, &err), -1);
    ck_assert_str_eq(ddbxo_service_name(DDBXO_SERVICE_DYNAMODB), "dynamodb");
    ck_assert_str_eq(ddbxo_service_name(DDBXO_SERVICE_STREAMS), "streams");
    ck_assert_str_eq(ddbxo_service_name(DDBXO_SERVICE_SQS), "sqs");
    ck_assert_str_eq(ddbxo_service_name((ddbxo_service)9), "unknown");
}
END_TEST

START_TEST(endpoint_real_env)
{
    ddbxo_endpoint ep;
    ddbxo_error err;
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL");
    setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324", 1);
    ck_assert_int_eq(ddbxo_endpoint_resolve(DDBXO_SERVICE_SQS, "us-east-1", NULL, 0, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "http://127.0.0.1:9324/");
    ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL_SQS");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    ck_assert_int_eq(ddbxo_endpoint_resolve(DDBXO_SERVICE_SQS, "us-east-1", NULL, 0, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "https://sqs.us-east-1.amazonaws.com/");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    unsetenv("AWS_ENDPOINT_URL_SQS");
}
END_TEST

/* ---- region ------------------------------------------------------- */

START_TEST(region_precedence)
{
    char r[DDBXO_REGION_BUFSIZE];
    ddbxo_error err;
    const char *cfg;
    mk_tmpdir();
    cfg = tu_write_file("config",
                     "[default]\nregion = eu-central-1\n"
                     "[profile prod]\nregion = ap-south-1\n"
                     "[profile noregion]\noutput = json\n");
    {
        TU_ENV(both, "AWS_REGION", "us-west-2", "AWS_DEFAULT_REGION", "us-east-2",
            "AWS_CONFIG_FILE", cfg);
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &both, &err), 0);
        ck_assert_str_eq(r, "us-west-2");
    }
    {
        TU_ENV(dflt, "AWS_REGION", "", "AWS_DEFAULT_REGION", "us-east-2", "AWS_CONFIG_FILE", cfg);
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &dflt, &err), 0);
        ck_assert_str_eq(r, "us-east-2");
    }
    {
        TU_ENV(file, "AWS_CONFIG_FILE", cfg);
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &file, &err), 0);
        ck_assert_str_eq(r, "eu-central-1");
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, "prod", &file, &err), 0);
        ck_assert_str_eq(r, "ap-south-1");
    }
    {
        TU_ENV(prof, "AWS_CONFIG_FILE", cfg, "AWS_PROFILE", "prod");
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &prof, &err), 0);
        ck_assert_str_eq(r, "ap-south-1");
        /* The caller's profile beats AWS_PROFILE. */
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, "default", &prof, &err), 0);
        ck_assert_str_eq(r, "eu-central-1");
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, "noregion", &prof, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_REGION"));
        ck_assert_ptr_nonnull(strstr(err.message, "noregion"));
        ck_assert_str_eq(r, "");
    }
    tu_rm_tmpdir();
}
END_TEST

START_TEST(region_only_from_config_file)
{
    char r[DDBXO_REGION_BUFSIZE];
    ddbxo_error err;
    const char *creds;
    mk_tmpdir();
    creds = tu_write_file("credentials", "[default]\nregion = eu-west-3\n");
    {
        TU_ENV(env, "AWS_SHARED_CREDENTIALS_FILE", creds, "AWS_CONFIG_FILE", "/nonexistent/config");
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &env, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    }
    {
        /* No HOME, no files: a clear error, not a crash. */
        TU_ENV(env);
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &env, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    }
    {
        /* ~/.aws/config under HOME. */
        char aws[300];
        snprintf(aws, sizeof aws, "%s/.aws", tu_tmpdir());
        ck_assert_int_eq(mkdir(aws, 0700), 0);
        tu_write_file(".aws/config", "[default]\nregion=sa-east-1\n");
        TU_ENV(env, "HOME", tu_tmpdir());
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &env, &err), 0);
        ck_assert_str_eq(r, "sa-east-1");
    }
    tu_rm_tmpdir();
}
END_TEST

START_TEST(region_invalid_and_small_buffer)
{
    char r[DDBXO_REGION_BUFSIZE], small[4];
    ddbxo_error err;
    const char *cfg;
    {
        TU_ENV(env, "AWS_REGION", "us-east-1; rm -rf /");
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &env, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_REGION"));
    }
    {
        TU_ENV(env, "AWS_DEFAULT_REGION", "EU-WEST-1");
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &env, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "AWS_DEFAULT_REGION"));
    }
    {
        TU_ENV(env, "AWS_REGION", "us-east-1");
        ck_assert_int_eq(ddbxo__config_region_env(small, sizeof small, NULL, &env, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
        ck_assert_int_eq(ddbxo__config_region_env(NULL, 0, NULL, &env, &err), -1);
    }
    mk_tmpdir();
    cfg = tu_write_file("config", "[default]\nregion = us east 1\n");
    {
        TU_ENV(env, "AWS_CONFIG_FILE", cfg);
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &env, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_ptr_nonnull(strstr(err.message, cfg));
    }
    cfg = tu_write_file("config2", "region = us-east-1\n");
    {
        /* A malformed file is an error naming the file and line. */
        TU_ENV(env, "AWS_CONFIG_FILE", cfg);
        ck_assert_int_eq(ddbxo__config_region_env(r, sizeof r, NULL, &env, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.message, "config2"));
        ck_assert_ptr_nonnull(strstr(err.message, "line 1"));
    }
    tu_rm_tmpdir();
}
END_TEST

START_TEST(region_real_env)
{
    char r[DDBXO_REGION_BUFSIZE];
    ddbxo_error err;
    setenv("AWS_REGION", "eu-north-1", 1);
    setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    ck_assert_int_eq(ddbxo_config_region(r, sizeof r, NULL, &err), 0);
    ck_assert_str_eq(r, "eu-north-1");
    unsetenv("AWS_REGION");
    ck_assert_int_eq(ddbxo_config_region(r, sizeof r, NULL, &err), 0);
    ck_assert_str_eq(r, "us-east-1");
    unsetenv("AWS_DEFAULT_REGION");
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *u = tcase_create("url");
    TCase *e = tcase_create("endpoint");
    TCase *r = tcase_create("region");
    tcase_add_test(u, url_parse_good);
    tcase_add_test(u, url_parse_bad);
    tcase_add_test(u, url_userinfo_not_echoed);
    tcase_add_test(u, loopback_hosts);
    tcase_add_test(e, endpoint_defaults);
    tcase_add_test(e, endpoint_region_local);
    tcase_add_test(e, endpoint_env_precedence);
    tcase_add_test(e, endpoint_ignore_configured);
    tcase_add_test(e, endpoint_loopback_rule);
    tcase_add_test(e, endpoint_env_refused_names_variable);
    tcase_add_test(e, endpoint_host_and_port_forms);
    tcase_add_test(e, endpoint_bad_region_and_args);
    tcase_add_test(e, endpoint_real_env);
    tcase_add_test(r, region_precedence);
    tcase_add_test(r, region_only_from_config_file);
    tcase_add_test(r, region_invalid_and_small_buffer);
    tcase_add_test(r, region_real_env);
    suite_add_tcase(s, u);
    suite_add_tcase(s, e);
    suite_add_tcase(s, r);
    return s;
}

TU_MAIN(config_suite)
