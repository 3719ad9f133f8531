/* Signatures proved by a verifier: moto with signature checking on
 * (docs/moto-gaps.md C4).  While checking is still off, tests/moto_iam_setup.py
 * creates an IAM user with a dynamodb:* / sqs:* policy, a user without
 * one, and AssumeRole session credentials; then POST /moto-api/reset-auth
 * 0 turns checking on.  moto refuses with HTTP 403 and an XML body, so
 * these tests also prove the error model reads it. */
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/value.h"
#include "awsops.h"
#include "service/ddb.h"
#include "moto.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REGION "us-east-1"

/* Filled once in the parent by the unchecked fixture; the forked tests
 * inherit them. */
static tu_moto_ident g_user, g_nopolicy, g_session;
static char g_setup_err[1024];
/* Our own instance (not the shared one): its state must survive every
 * test, so no checked reset fixture. */
static tu_moto *g_moto;

static void stop_moto(void)
{
    tu_moto_stop(g_moto);            /* a forked child only frees its copy */
    g_moto = NULL;
}

static void auth_setup(void)
{
    static int done_once;
    tu_moto *m;

    if (done_once++)
        return;
    if (!(m = g_moto = tu_moto_start(NULL, g_setup_err, sizeof g_setup_err)))
        return;
    atexit(stop_moto);
    if (tu_moto_iam_setup(m, &g_user, &g_nopolicy, &g_session, g_setup_err,
                          sizeof g_setup_err) < 0)
        return;
    if (tu_moto_post(m, "/moto-api/reset-auth", "text/plain", "0", NULL) != 200)
        snprintf(g_setup_err, sizeof g_setup_err, "reset-auth 0 failed");
}

static void auth_teardown(void)
{
    if (g_moto)
        tu_moto_post(g_moto, "/moto-api/reset-auth", "text/plain", "inf",
                     NULL);
}

/* ------------------------------------------------------------------ */

static ddbxo_credentials_provider *g_prov;
static ddbxo_client *g_client;

static ddbxo_client *client_as(const char *akid, const char *secret,
                               const char *token, const ddbxo__client_opts *o)
{
    ddbxo_client_config cfg;
    ddbxo_error err;
    const char *url;
    ck_assert_msg(!g_setup_err[0], "%s", g_setup_err);
    url = tu_moto_endpoint(g_moto);
    g_prov = ddbxo_credentials_provider_static(akid, secret, token, &err);
    ck_assert_msg(g_prov != NULL, "%s", err.message);
    memset(&cfg, 0, sizeof cfg);
    cfg.region = REGION;
    cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs = url;
    cfg.credentials = g_prov;
    g_client = ddbxo__client_new_opts(&cfg, o, &err);
    ck_assert_msg(g_client != NULL, "%s", err.message);
    return g_client;
}

static void done(void)
{
    ddbxo_client_free(g_client);
    ddbxo_credentials_provider_free(g_prov);
    g_client = NULL;
    g_prov = NULL;
}

/* ListTables through the public call; the error (if any) in *err. */
static int list_tables(ddbxo_client *c, ddbxo_error *err)
{
    char *resp = NULL;
    size_t len;
    int rc = ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}", 2, 0,
                        &resp, &len, err);
    if (rc == 0)
        ck_assert_ptr_nonnull(strstr(resp, "TableNames"));
    ddbxo_free(resp);
    return rc;
}

static void assert_refused(const ddbxo_error *err, const char *type,
                           const char *secret, const char *token)
{
    ck_assert_int_eq(err->code, DDBXO_E_AWS);
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_str_eq(err->aws_type, type);
    ck_assert_int_eq(err->retryable, 0);
    ck_assert_int_eq(err->ambiguous, 0);
    ck_assert_ptr_null(strstr(err->message, secret));
    if (token && *token)
        ck_assert_ptr_null(strstr(err->message, token));
}

START_TEST(signed_calls_succeed)
{
    ddbxo_client *c = client_as(g_user.akid, g_user.secret, NULL, NULL);
    ddbxo_error err;
    json_t *out, *item;
    char name[64];
    ck_assert_msg(list_tables(c, &err) == 0, "%s", err.message);
    snprintf(name, sizeof name, "auth-%d", (int)getpid());
    ck_assert_msg(ddbxo__ddb_create_table(c, name, "pk", "S", NULL, NULL,
                                          "NEW_IMAGE", NULL, 0, &out, &err) == 0,
                  "%s", err.message);
    json_decref(out);
    item = json_loads("{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}", 0, NULL);
    ck_assert_msg(ddbxo__ddb_put_item(c, name, item, NULL, 0, NULL, NULL, &err)
                  == 0, "%s", err.message);
    json_decref(item);
    /* Streams signs as "dynamodb", SQS as "sqs": both verified. */
    ck_assert_msg(tu_list_streams(c, name, NULL, 0, &out, &err) == 0,
                  "%s", err.message);
    json_decref(out);
    snprintf(name, sizeof name, "authq-%d", (int)getpid());
    ck_assert_msg(tu_sqs_create_queue(c, name, NULL, 0, &out, &err) == 0,
                  "%s", err.message);
    json_decref(out);
    done();
}
END_TEST

START_TEST(wrong_secret_refused)
{
    char wrong[160];
    snprintf(wrong, sizeof wrong, "%.20sWRONGWRONG", g_user.secret);
    ddbxo_client *c = client_as(g_user.akid, wrong, NULL, NULL);
    ddbxo_error err;
    ck_assert_int_eq(list_tables(c, &err), -1);
    assert_refused(&err, "SignatureDoesNotMatch", wrong, NULL);
    ck_assert_ptr_nonnull(strstr(err.message, "ListTables: SignatureDoesNotMatch: "
                                              "The request signature we calculated"));
    ck_assert_ptr_null(strstr(err.message, g_user.secret));
    done();
}
END_TEST

/* Swaps the signed body for another one of the same length. */
static void tamper(void *ctx, ddbxo__http_req *req)
{
    static char other[64];
    int *on = ctx;
    if (!*on)
        return;
    snprintf(other, sizeof other, "%.*s", (int)req->body_len, "{\"Limit\":9}");
    if (strlen(other) == req->body_len)
        req->body = other;
}

START_TEST(body_changed_after_signing_refused)
{
    static int on;
    ddbxo__client_opts o;
    ddbxo_error err;
    char *resp;
    size_t len;
    memset(&o, 0, sizeof o);
    o.after_sign = tamper;
    o.after_sign_ctx = &on;
    ddbxo_client *c = client_as(g_user.akid, g_user.secret, NULL, &o);
    /* Control: the same seam, not tampering, passes. */
    on = 0;
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables",
                                "{\"Limit\":5}", 11, 0, &resp, &len, &err), 0);
    ddbxo_free(resp);
    on = 1;
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables",
                                "{\"Limit\":5}", 11, 0, &resp, &len, &err), -1);
    assert_refused(&err, "SignatureDoesNotMatch", g_user.secret, NULL);
    done();
}
END_TEST

START_TEST(unknown_access_key_refused)
{
    ddbxo_client *c = client_as("AKIAUNKNOWNKEY000000", g_user.secret, NULL,
                                NULL);
    ddbxo_error err;
    ck_assert_int_eq(list_tables(c, &err), -1);
    assert_refused(&err, "InvalidClientTokenId", g_user.secret, NULL);
    done();
}
END_TEST

START_TEST(session_credentials_work_and_bogus_token_refused)
{
    ddbxo_client *c = client_as(g_session.akid, g_session.secret,
                                g_session.token, NULL);
    ddbxo_error err;
    char bogus[2100];
    ck_assert_msg(list_tables(c, &err) == 0, "%s", err.message);
    done();

    snprintf(bogus, sizeof bogus, "X%s", g_session.token + 1);
    c = client_as(g_session.akid, g_session.secret, bogus, NULL);
    ck_assert_int_eq(list_tables(c, &err), -1);
    assert_refused(&err, "InvalidClientTokenId", g_session.secret, bogus);
    done();

    /* A long-term key with a token attached is refused too. */
    c = client_as(g_user.akid, g_user.secret, g_session.token, NULL);
    ck_assert_int_eq(list_tables(c, &err), -1);
    assert_refused(&err, "InvalidClientTokenId", g_user.secret, g_session.token);
    done();
}
END_TEST

START_TEST(user_without_policy_denied)
{
    ddbxo_client *c = client_as(g_nopolicy.akid, g_nopolicy.secret, NULL, NULL);
    ddbxo_error err;
    ck_assert_int_eq(list_tables(c, &err), -1);
    ck_assert_int_eq(err.http_status, 403);
    ck_assert_str_eq(err.aws_type, "AccessDenied");
    ck_assert_ptr_nonnull(strstr(err.message, "dynamodb:ListTables"));
    ck_assert_ptr_null(strstr(err.message, g_nopolicy.secret));
    done();
}
END_TEST

static Suite *ddb_auth_suite(void)
{
    Suite *s = suite_create("ddb_auth");
    TCase *tc = tcase_create("moto-auth");
    tcase_set_timeout(tc, 30);
    /* No reset between tests: it would delete the IAM identities.  Each
     * test uses its own names instead. */
    tcase_add_unchecked_fixture(tc, auth_setup, auth_teardown);
    tcase_add_test(tc, signed_calls_succeed);
    tcase_add_test(tc, wrong_secret_refused);
    tcase_add_test(tc, body_changed_after_signing_refused);
    tcase_add_test(tc, unknown_access_key_refused);
    tcase_add_test(tc, session_credentials_work_and_bogus_token_refused);
    tcase_add_test(tc, user_without_policy_denied);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(ddb_auth_suite)
