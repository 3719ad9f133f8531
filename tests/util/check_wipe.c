/* Secrets leave no copies behind: every block the library frees is
 * searched for a marker secret before it goes back to the allocator.
 *
 * This binary is linked with -Wl,--wrap=free (see the Makefile), so every
 * free() call in libddbxo's objects and in this file lands in __wrap_free
 * first.  Frees inside shared libraries (libcurl, jansson, libcrypto) are
 * not seen: the library wipes what it hands them (header lines, JSON
 * strings) itself, and those paths are exercised here too.  Runs the same
 * under ASan (build/asan/tests/util/check_wipe) and valgrind (make memcheck). */
#define _GNU_SOURCE
#include <check.h>
#include <curl/curl.h>
#include <execinfo.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "util/buf.h"
#include "auth/creds.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/sigv4.h"
#include "ddbxo/sys/value.h"
#include "fakeenv.h"
#include "faultsrv.h"
#include "testutil.h"

#define MARK "wIpEmArKeR7q3Zx9"

/* A block is searched whole, unused capacity included (a stale secret
 * there counts too): valgrind is told those bytes are meant to be read. */
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)0)
#endif

static int has_mark(const void *p, size_t n)
{
    VALGRIND_MAKE_MEM_DEFINED(p, n);
    return n >= sizeof MARK - 1 && memmem(p, n, MARK, sizeof MARK - 1) != NULL;
}

/* The secret every test plants: long enough never to occur by chance. */

/* Blocks freed with the marker in.  Only the test's own thread watches:
 * the fake server's threads hold the request they received, and that copy
 * is the server's, not the library's. */
static unsigned long g_dirty;
static __thread int g_watch;

void __real_free(void *p);
void __wrap_free(void *p);
void __wrap_free(void *p)
{
    if (p && g_watch) {
        if (has_mark(p, malloc_usable_size(p))) {
            g_dirty++;
            if (getenv("WIPE_TRACE")) {
                void *bt[16];
                backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
            }
        }
    }
    __real_free(p);
}

/* realloc may move a block and free the old one inside the allocator,
 * where no free() is seen: growing a block that holds the marker is
 * counted as leaving a copy. */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
    if (p && g_watch) {
        if (has_mark(p, malloc_usable_size(p)))
            g_dirty++;
    }
    return __real_realloc(p, n);
}

/* libcurl frees the header lists the library hands it: its allocator is
 * ours here, and a list line that still holds the marker when libcurl
 * frees it is a copy left behind.  libcurl's own buffer of the request it
 * sent ("POST / HTTP/1.1...") is freed unwiped inside libcurl, out of the
 * library's reach (docs/security.md): only lines that begin with a header
 * the library set are counted. */
static void curl_free_cb(void *p)
{
    if (p && g_watch &&
        (strncmp(p, "Authorization:", 14) == 0 ||
         strncmp(p, "X-Amz-Security-Token:", 21) == 0)) {
        if (has_mark(p, malloc_usable_size(p)))
            g_dirty++;
    }
    __real_free(p);     /* free() here would be __wrap_free (--wrap) */
}

static void *curl_realloc_cb(void *p, size_t n)
{
    return __real_realloc(p, n);
}

static void watch(void)
{
    g_dirty = 0;
    g_watch = 1;
}

static unsigned long dirty(void)
{
    g_watch = 0;
    return g_dirty;
}

START_TEST(buf_growth_wipes_the_old_block)
{
    ddbxo__buf b;
    watch();
    ddbxo__buf_init(&b);
    ddbxo__buf_puts(&b, "X-Amz-Security-Token: " MARK);
    for (int i = 0; i < 5000; i++)     /* many doublings */
        ddbxo__buf_putc(&b, 'x');
    ck_assert_int_eq(b.oom, 0);
    ddbxo__buf_wipe_free(&b);
    ck_assert_uint_eq(dirty(), 0);
}
END_TEST

static const ddbxo_sigv4_header hdrs[] = {
    { "Host", "dynamodb.us-east-1.amazonaws.com" },
    { "X-Amz-Target", "DynamoDB_20120810.ListTables" },
};

static void req_params(ddbxo_sigv4_request *r, ddbxo_sigv4_params *p)
{
    memset(r, 0, sizeof *r);
    memset(p, 0, sizeof *p);
    r->method = "POST";
    r->headers = hdrs;
    r->n_headers = 2;
    r->body = "{}";
    r->body_len = 2;
    p->access_key_id = "AKIDEXAMPLE";
    p->secret_access_key = "secret" MARK;
    p->session_token = "token" MARK;
    p->region = "us-east-1";
    p->service = "dynamodb";
    p->amz_date = "20250101T000000Z";
}

START_TEST(public_signing_api_wipes_its_copies)
{
    ddbxo_sigv4_request r;
    ddbxo_sigv4_params p;
    ddbxo_sigv4_header *h;
    ddbxo_signer *s;
    ddbxo_error err;
    char *canon;
    size_t n;

    req_params(&r, &p);
    watch();
    h = ddbxo_sigv4_sign(&r, &p, &n, &err);
    ck_assert_msg(h != NULL, "%s", err.message);
    ddbxo_sigv4_headers_free(h);
    canon = ddbxo_sigv4_canonical_request(&r, &p, &err);
    ck_assert_ptr_nonnull(strstr(canon, MARK));
    ddbxo_free(canon);
    s = ddbxo_signer_new(&p, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    h = ddbxo_signer_sign(s, &r, 0, &n, &err);
    ck_assert_msg(h != NULL, "%s", err.message);
    ddbxo_sigv4_headers_free(h);
    ck_assert_int_eq(ddbxo_signer_set_credentials(s, "AKID2", "s2" MARK,
                                                  "t2" MARK, &err), 0);
    ddbxo_signer_free(s);
    ck_assert_uint_eq(dirty(), 0);
}
END_TEST

/* A signed call: the token travels through the request's header list
 * (lib/transport/http_pool.c) and the signature lines (lib/service/ddb.c). */
START_TEST(signed_call_wipes_header_lists)
{
    char ebuf[256];
    faultsrv *fs = faultsrv_start(ebuf, sizeof ebuf);
    ddbxo_credentials_provider *prov;
    ddbxo_client_config cfg;
    ddbxo_client *c;
    ddbxo_error err;
    char *resp = NULL;
    size_t len;

    ck_assert_msg(fs != NULL, "%s", ebuf);
    watch();
    prov = ddbxo_credentials_provider_static("AKIDEXAMPLE", "secret" MARK,
                                             "token" MARK, &err);
    ck_assert_msg(prov != NULL, "%s", err.message);
    memset(&cfg, 0, sizeof cfg);
    cfg.region = "us-east-1";
    cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs =
        faultsrv_url(fs);
    cfg.credentials = prov;
    c = ddbxo_client_new(&cfg, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                2, 0, &resp, &len, &err), 0);
    ddbxo_free(resp);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                2, 0, &resp, &len, &err), 0);
    ddbxo_free(resp);
    ddbxo_client_free(c);
    ddbxo_credentials_provider_free(prov);
    ck_assert_uint_eq(dirty(), 0);
    faultsrv_stop(fs);
}
END_TEST

/* The new sources: a credential_process's output, a web identity token
 * and an STS answer all pass through the library's buffers. */
/* Writes a file without stdio, whose buffer would leave the marker in
 * freed memory before the test starts watching. */
static const char *put_file(const char *name, const char *text, int mode)
{
    static char path[8][512];
    static int k;
    char *p = path[k++ % 8];
    int fd;
    snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return p;
}

START_TEST(new_sources_wipe_what_they_read)
{
    char ebuf[256], cfg[512], body[2048];
    const char *tok, *proc;
    faultsrv *fs = faultsrv_start(ebuf, sizeof ebuf);
    faultsrv_action ok;
    ddbxo_credentials_provider *p;
    ddbxo_credentials c;
    ddbxo_error err;

    ck_assert_msg(fs != NULL, "%s", ebuf);
    snprintf(body, sizeof body,
             "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
             "<Credentials><AccessKeyId>ASIAX</AccessKeyId>"
             "<SecretAccessKey>s%s</SecretAccessKey><SessionToken>t%s"
             "</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>"
             "</Credentials></AssumeRoleWithWebIdentityResult>"
             "</AssumeRoleWithWebIdentityResponse>", MARK, MARK);
    memset(&ok, 0, sizeof ok);
    ok.body = body;
    faultsrv_set_default(fs, ok);
    tu_mk_tmpdir("ddbxo-wipe");
    tok = put_file("token", "jwt" MARK "\n", 0600);
    proc = put_file("proc.sh", "#!/bin/sh\necho '{\"Version\": 1, "
                         "\"AccessKeyId\": \"AKIDP\", \"SecretAccessKey\": "
                         "\"s" MARK "\", \"SessionToken\": \"t" MARK "\"}'\n", 0700);
    snprintf(cfg, sizeof cfg, "[profile p]\ncredential_process = %s\n", proc);
    watch();
    {
        TU_ENV(env, "HOME", "/nonexistent", "AWS_REGION", "us-east-1",
               "AWS_ENDPOINT_URL_STS", faultsrv_url(fs),
               "AWS_WEB_IDENTITY_TOKEN_FILE", tok,
               "AWS_ROLE_ARN", "arn:aws:iam::1:role/r");
        ddbxo__creds_opts o = { .env = &env };
        p = ddbxo__creds_provider_default_opts(NULL, &o, &err);
        ck_assert_msg(p != NULL, "%s", err.message);
        ck_assert_msg(ddbxo_credentials_get(p, &c, &err) == 0, "%s", err.message);
        ck_assert_str_eq(c.source, "web-identity");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);
    }
    {
        TU_ENV(env, "AWS_CONFIG_FILE", put_file("config", cfg, 0600),
               "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        ddbxo__creds_opts o = { .env = &env };
        p = ddbxo__creds_provider_default_opts("p", &o, &err);
        ck_assert_msg(p != NULL, "%s", err.message);
        ck_assert_msg(ddbxo_credentials_get(p, &c, &err) == 0, "%s", err.message);
        ck_assert_str_eq(c.source, "process");
        ddbxo_credentials_clear(&c);
        ddbxo_credentials_provider_free(p);
    }
    ck_assert_uint_eq(dirty(), 0);
    tu_rm_tmpdir();
    faultsrv_stop(fs);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("wipe");
    /* Before the library's own curl_global_init, which then does nothing. */
    curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, curl_free_cb,
                         curl_realloc_cb, strdup, calloc);
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, buf_growth_wipes_the_old_block);
    tcase_add_test(tc, public_signing_api_wipes_its_copies);
    tcase_add_test(tc, signed_call_wipes_header_lists);
    tcase_add_test(tc, new_sources_wipe_what_they_read);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
