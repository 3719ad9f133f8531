/* Security properties a user relies on (issue #9, docs/security.md):
 *
 *  - no log line carries the secret access key, the session token or item
 *    data: representative paths (apply in each mode with failing records,
 *    park, the runner, the CLI's apply and redrive, malformed input, and
 *    errors from moto with signature checking on) run with the log
 *    captured at the default level and at DEBUG, and every line is
 *    searched for the secrets and for marker values stored in items;
 *  - TLS verification cannot be turned off by accident: an https endpoint
 *    with a self-signed certificate fails, and succeeds only when that
 *    certificate is given as ca_file;
 *  - (plain http to a non-loopback host is refused unless opted in:
 *    tests/service/check_ddb.c, client_config_checks.)
 *
 * Every marker check also asserts that the path did log, and did fail
 * where it should, so a silent or short-circuited path cannot pass. */
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/value.h"
#include "awsops.h"
#include "service/ddb.h"
#include "ddbtest.h"
#include "clirun.h"
#include "moto.h"
#include "testutil.h"

#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#define SEC_AKID "AKIDSECURITYTEST0001"
#define SEC_SECRET "SECRET-KEY-MARKER-9f8e7d6c5b4a3928170"
#define SEC_TOKEN "SESSION-TOKEN-MARKER-FwoGZXIvYXdzEJr-wEaDHx7Q"
#define MARK "PAYLOAD-MARKER-"

/* ------------------------------------------------------------------ */
/* log capture                                                          */
/* ------------------------------------------------------------------ */

typedef struct logcap {
    char **line;
    size_t n, cap;
} logcap;

static void cap_log(void *ctx, int level, const char *msg)
{
    logcap *lc = ctx;
    (void)level;
    if (lc->n == lc->cap) {
        lc->cap = lc->cap ? lc->cap * 2 : 64;
        lc->line = realloc(lc->line, lc->cap * sizeof *lc->line);
        ck_assert_ptr_nonnull(lc->line);
    }
    lc->line[lc->n++] = strdup(msg);
}

static void cap_free(logcap *lc)
{
    for (size_t i = 0; i < lc->n; i++)
        free(lc->line[i]);
    free(lc->line);
    memset(lc, 0, sizeof *lc);
}

/* Fails when text holds a secret or a marker (or a telling part of one). */
static void assert_clean_text(const char *what, const char *text)
{
    static const char *const bad[] = { "MARKER", SEC_SECRET, SEC_TOKEN,
                                       TU_SECRET, "SECRET-KEY",
                                       "SESSION-TOKEN", "PAYLOAD" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        ck_assert_msg(!strstr(text, bad[k]), "%s leaks '%s': %s", what,
                      bad[k], text);
}

/* Every line clean; at least min_lines lines; one holds `must` (if any). */
static void assert_clean(const logcap *lc, size_t min_lines, const char *must)
{
    int found = must == NULL;
    ck_assert_msg(lc->n >= min_lines, "only %zu log lines (want >= %zu)",
                  lc->n, min_lines);
    for (size_t i = 0; i < lc->n; i++) {
        assert_clean_text("log line", lc->line[i]);
        if (must && strstr(lc->line[i], must))
            found = 1;
    }
    if (!found) {
        for (size_t i = 0; i < lc->n; i++)
            fprintf(stderr, "  log: %s\n", lc->line[i]);
        ck_abort_msg("no log line mentions '%s'", must);
    }
}

/* ------------------------------------------------------------------ */
/* clients, tables, records                                             */
/* ------------------------------------------------------------------ */

static ddbxo_credentials_provider *g_prov;

/* A client on the shared moto with the marked credentials; level 0 is
 * the default level. */
static ddbxo_client *client(logcap *lc, int level)
{
    ddbxo_client_config cfg;
    ddbxo_error err;
    const char *url = tu_moto_endpoint(tu_moto_get());
    ddbxo_client *c;
    if (!g_prov)
        g_prov = ddbxo_credentials_provider_static(SEC_AKID, SEC_SECRET,
                                                   SEC_TOKEN, &err);
    ck_assert_ptr_nonnull(g_prov);
    memset(&cfg, 0, sizeof cfg);
    cfg.region = TU_REGION;
    cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs = url;
    cfg.credentials = g_prov;
    cfg.log = cap_log;
    cfg.log_ctx = lc;
    cfg.log_level = level;
    /* Keep failing calls short: moto answers at once. */
    cfg.retry.max_attempts = 2;
    c = ddbxo_client_new(&cfg, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    return c;
}

static const char *jstr(const json_t *j, const char *path)
{
    return json_string_value(tu_json_at(j, path));
}

static char *queue(ddbxo_client *c, const char *name)
{
    static char url[512];
    ddbxo_error err;
    json_t *out = NULL;
    ck_assert_msg(tu_sqs_create_queue(c, name, NULL, 0, &out, &err) == 0,
                  "%s", err.message);
    snprintf(url, sizeof url, "%s", jstr(out, "QueueUrl"));
    json_decref(out);
    return url;
}

/* Source items whose keys and values are markers; one record the
 * transform refuses ("local"), one DynamoDB refuses ("server": a key over
 * 2048 bytes), a modify and a delete.  dstn: a target whose key type
 * (N) refuses every record. */
static void tables_and_writes(ddbxo_client *c)
{
    tu_create_table(c, "src", "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, "dst", "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, "dstn", "pk", "N", NULL, NULL, NULL);
    tu_create_table(c, "ledger", "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, "ckpt", "pk", "S", NULL, NULL, NULL);
    tu_put(c, "src", "{\"pk\":{\"S\":\"" MARK "k1\"},\"note\":{\"S\":\"" MARK
                     "v1\"},\"n\":{\"N\":\"1\"}}");
    tu_put(c, "src", "{\"pk\":{\"S\":\"" MARK "k1\"},\"note\":{\"S\":\"" MARK
                     "v2\"},\"n\":{\"N\":\"2\"}}");
    tu_put(c, "src", "{\"pk\":{\"S\":\"" MARK "k2\"},\"note\":{\"S\":\"" MARK
                     "v3\"},\"fail\":{\"S\":\"local\"}}");
    tu_put(c, "src", "{\"pk\":{\"S\":\"" MARK "k3\"},\"note\":{\"S\":\"" MARK
                     "v4\"},\"fail\":{\"S\":\"server\"}}");
    tu_delete(c, "src", "{\"pk\":{\"S\":\"" MARK "k1\"}}");
}

/* Identity, except: fail=local -> the transform fails; fail=server -> a
 * Put DynamoDB refuses (ValidationException). */
static int marked_transform(void *ctx, const ddbxo_record *rec,
                            ddbxo_writes *out, ddbxo_error *err)
{
    const ddbxo_transform *id = ctx;
    const ddbxo_value *img = ddbxo_record_new_image(rec);
    ddbxo_value *f = img ? ddbxo_value_get(img, "fail", 4, NULL) : NULL;
    const char *kind = f ? ddbxo_value_s(f, NULL) : NULL;
    int rc;
    if (kind && strcmp(kind, "local") == 0) {
        ddbxo_value_free(f);
        err->code = DDBXO_E_INVALID;
        snprintf(err->message, sizeof err->message,
                 "the test transform refuses this record");
        return -1;
    }
    if (kind && strcmp(kind, "server") == 0) {
        /* DynamoDB: a partition key is at most 2048 bytes; the library
         * leaves that rule to the service. */
        static char w[4096];
        int k = snprintf(w, sizeof w, "{\"Put\":{\"Item\":{\"pk\":{\"S\":\""
                         MARK "long-");
        memset(w + k, 'k', 2100);
        snprintf(w + k + 2100, sizeof w - (size_t)k - 2100,
                 "\"},\"x\":{\"S\":\"" MARK "x\"}}}}");
        ddbxo_value_free(f);
        return ddbxo_writes_add_json(out, w, strlen(w), err);
    }
    ddbxo_value_free(f);
    size_t len;
    char *json = ddbxo_transform_run(id, rec, &len, err);
    if (!json)
        return -1;
    rc = ddbxo_writes_add_json(out, json, len, err);
    ddbxo_free(json);
    return rc;
}

static ddbxo_event *source_event(ddbxo_client *c)
{
    ddbxo_error err;
    char *text = tu_stream_event(c, "src", 0, 0);
    ddbxo_event *ev = ddbxo_parse_stream_event(text, strlen(text), &err);
    ck_assert_msg(ev != NULL, "%s", err.message);
    ck_assert_uint_eq(ddbxo_event_count(ev), 5);
    free(text);
    return ev;
}

/* ------------------------------------------------------------------ */
/* apply, park                                                          */
/* ------------------------------------------------------------------ */

/* _i: 0 default level, 1 DEBUG. */
START_TEST(apply_modes_log_no_secrets_or_items)
{
    static const int modes[] = { DDBXO_MODE_REPLICATE, DDBXO_MODE_LEDGER,
                                 DDBXO_MODE_TRACKER };
    logcap lc = { 0 };
    ddbxo_error err;
    ddbxo_client *c = client(&lc, _i ? DDBXO_LOG_DEBUG : 0);
    ddbxo_transform *id = ddbxo_transform_identity(&err);
    ddbxo_transform *t = ddbxo_transform_new(marked_transform, id, &err);
    tables_and_writes(c);
    ddbxo_event *ev = source_event(c);

    for (size_t m = 0; m < 3; m++) {
        for (int park = 0; park < 2; park++) {
            ddbxo_apply_config cfg;
            memset(&cfg, 0, sizeof cfg);
            cfg.mode = modes[m];
            cfg.target_table = "dst";
            cfg.ledger_table = modes[m] == DDBXO_MODE_REPLICATE ? NULL
                                                                : "ledger";
            cfg.transform = t;
            char qname[32];
            snprintf(qname, sizeof qname, "park-%zu", m);
            cfg.park_queue_url = park ? queue(c, qname) : NULL;
            ddbxo_applier *a = ddbxo_applier_new(c, &cfg, &err);
            ck_assert_msg(a != NULL, "%s", err.message);
            ddbxo_apply_options opt = { 0, "shardId-test" };
            ddbxo_batch_result *res = ddbxo_process_batch(a, ev, &opt, &err);
            ck_assert_msg(res != NULL, "%s", err.message);
            /* the two marked records fail (or park), the rest goes in */
            size_t bad = park ? ddbxo_batch_result_tally(res, DDBXO_PARKED)
                              : ddbxo_batch_result_failed(res);
            ck_assert_msg(bad == 2, "%s mode, park %d: %zu failed/parked: %s",
                          ddbxo_mode_name(modes[m]), park, bad,
                          ddbxo_batch_result_summary(res, NULL));
            for (size_t i = 0; i < ddbxo_batch_result_count(res); i++) {
                const ddbxo_error *why = ddbxo_batch_result_error(res, i);
                if (why)
                    assert_clean_text("record error", why->message);
            }
            /* A single record through transact_apply, too. */
            int oc = 0;
            ck_assert_int_eq(ddbxo_transact_apply(a, ddbxo_event_record(ev, 3),
                                                  &opt, &oc, &err),
                             park ? 0 : -1);
            ck_assert_int_eq(oc, park ? DDBXO_PARKED : DDBXO_FAILED_PERMANENT);
            ck_assert_msg(strcmp(err.aws_type, "ValidationException") == 0,
                          "%s mode: %s (%s)", ddbxo_mode_name(modes[m]),
                          err.message, err.aws_type);
            assert_clean_text("error", err.message);
            ddbxo_batch_result_free(res);
            ddbxo_applier_free(a);
        }
    }
    /* Failed records are logged at WARN (default level and up). */
    assert_clean(&lc, 6, "ValidationException");
    if (_i)   /* DEBUG logs every call */
        assert_clean(&lc, 30, "TransactWriteItems");

    ddbxo_event_free(ev);
    ddbxo_transform_free(t);
    ddbxo_transform_free(id);
    ddbxo_client_free(c);
    cap_free(&lc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* runner                                                               */
/* ------------------------------------------------------------------ */

START_TEST(runner_logs_no_secrets_or_items)
{
    logcap lc = { 0 }, rl = { 0 };
    ddbxo_error err;
    ddbxo_client *c = client(&lc, _i ? DDBXO_LOG_DEBUG : 0);
    ddbxo_transform *id = ddbxo_transform_identity(&err);
    ddbxo_transform *t = ddbxo_transform_new(marked_transform, id, &err);
    tables_and_writes(c);

    ddbxo_apply_config acfg;
    memset(&acfg, 0, sizeof acfg);
    acfg.mode = DDBXO_MODE_LEDGER;
    acfg.target_table = "dst";
    acfg.ledger_table = "ledger";
    acfg.transform = t;
    acfg.park_queue_url = queue(c, "park-run");
    ddbxo_applier *a = ddbxo_applier_new(c, &acfg, &err);
    ck_assert_msg(a != NULL, "%s", err.message);

    ddbxo_runner_config rc;
    memset(&rc, 0, sizeof rc);
    rc.source_table = "src";
    rc.checkpoint_table = "ckpt";
    rc.until_idle_ms = 600;
    rc.poll_ms = 50;
    rc.log = cap_log;
    rc.log_ctx = &rl;
    ddbxo_runner *r = ddbxo_runner_new(c, a, &rc, &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    ck_assert_msg(ddbxo_runner_run(r, &err) == 0, "%s", err.message);
    json_t *sum = tu_json(ddbxo_runner_summary(r, NULL));
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "records")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "parked")), 2);
    json_decref(sum);
    assert_clean(&rl, 2, "shard");
    /* Parked records are not failures: at the default level the client
     * may stay silent; at DEBUG every call is logged, the refusal too. */
    assert_clean(&lc, 0, _i ? "ValidationException" : NULL);

    ddbxo_runner_free(r);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    ddbxo_transform_free(id);
    ddbxo_client_free(c);
    cap_free(&lc);
    cap_free(&rl);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the CLI: apply, redrive, malformed input                             */
/* ------------------------------------------------------------------ */

static const char *const cli_env[] = { "AWS_SESSION_TOKEN=" SEC_TOKEN, NULL };

static int cli(const char *const *argv, const char *in, char **out,
               char **err_out)
{
    return tu_cli(tu_moto_endpoint(tu_moto_get()), argv, cli_env, in, out,
                  err_out);
}

/* ddbxo apply -vv (DEBUG) with records DynamoDB refuses, parked; ddbxo
 * redrive -v of the park queue; a malformed event.  stderr is the log. */
START_TEST(cli_apply_and_redrive_log_no_secrets_or_items)
{
    logcap lc = { 0 };
    ddbxo_client *c = client(&lc, 0);
    tables_and_writes(c);
    /* A target whose key type refuses every record: all fail in DynamoDB. */
    char *event = tu_stream_event(c, "src", 0, 0);
    char url[512];
    snprintf(url, sizeof url, "%s", queue(c, "park-cli"));
    char *out = NULL, *err = NULL;
    const char *apply[] = { "apply", "--event", "-", "--target-table", "dstn",
                            "--park-queue", url, "-v", "-v", NULL };
    int st = cli(apply, event, &out, &err);
    ck_assert_msg(st == 0, "exit %d: %s", st, err);
    char *last = tu_last_line(out);
    ck_assert_ptr_nonnull(last);
    json_t *sum = tu_json(last);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "parked")), 5);
    json_decref(sum);
    free(last);
    ck_assert_ptr_nonnull(strstr(err, "ValidationException"));
    assert_clean_text("ddbxo apply -vv stderr", err);
    assert_clean_text("ddbxo apply stdout", out);
    free(out);
    free(err);

    /* Redrive them to the same refusing target: they fail again. */
    const char *redrive[] = { "redrive", "--queue-url", url, "--target-table",
                              "dstn", "-v", NULL };
    st = cli(redrive, NULL, &out, &err);
    ck_assert_msg(st == 1, "exit %d: %s", st, err);
    ck_assert_ptr_nonnull(strstr(err, "ValidationException"));
    assert_clean_text("ddbxo redrive -v stderr", err);
    assert_clean_text("ddbxo redrive stdout", out);
    free(out);
    free(err);

    /* A malformed event: the parse error names a position, not the text. */
    char *p = strstr(event, MARK "v");
    ck_assert_ptr_nonnull(p);
    p[strlen(MARK) + 1] = '\x01';  /* a control character inside a string */
    const char *apply2[] = { "apply", "--event", "-", "--target-table", "dst",
                             "-v", "-v", NULL };
    st = cli(apply2, event, &out, &err);
    ck_assert_int_eq(st, 65);
    assert_clean_text("ddbxo apply (malformed) stderr", err);
    free(out);
    free(err);
    free(event);
    ddbxo_client_free(c);
    cap_free(&lc);
}
END_TEST

static const char *g_bad_writes;

static int bad_writes(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                      ddbxo_error *err)
{
    (void)ctx;
    (void)rec;
    return ddbxo_writes_add_json(out, g_bad_writes, strlen(g_bad_writes), err);
}

/* Parse errors of events, writes and values quote no input (jansson's
 * own text ends in "near '<input>'"). */
START_TEST(parse_errors_quote_no_input)
{
    static const char *const bad[] = {
        "{\"Records\":[{\"dynamodb\":{\"NewImage\":{\"a\":{\"S\":\"" MARK
        "abcdefgh",
        "{\"Records\":[{\"dynamodb\":{\"NewImage\":{\"a\":{\"S\":\"" MARK
        "abc\"}}} " MARK "trailing",
        "{\"Records\":[" MARK "notjson]}",
        "{\"Records\":[{\"dynamodb\":{\"NewImage\":{\"a\":{\"S\":\"x\\q" MARK
        "\"}}}}]}",
    };
    ddbxo_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddbxo_error_clear(&err);
        ck_assert_ptr_null(ddbxo_parse_stream_event(bad[i], strlen(bad[i]),
                                                    &err));
        ck_assert_int_eq(err.code, DDBXO_E_INVALID);
        ck_assert_ptr_nonnull(strstr(err.message, "line 1"));
        assert_clean_text("event parse error", err.message);
        ddbxo_error_clear(&err);
        ck_assert_ptr_null(ddbxo_parse_stream_record(bad[i] + 12,
                                                     strlen(bad[i]) - 12,
                                                     &err));
        assert_clean_text("record parse error", err.message);
        ddbxo_error_clear(&err);
        ck_assert_ptr_null(ddbxo_item_parse(bad[i], strlen(bad[i]),
                                            DDBXO_VALUE_LENIENT, &err));
        assert_clean_text("item parse error", err.message);
    }
    /* Writes JSON (what bindings pass; built from items). */
    ddbxo_transform *t = ddbxo_transform_new(bad_writes, NULL, &err);
    static const char rec[] =
        "{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\","
        "\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"}}}}";
    ddbxo_record *r = ddbxo_parse_stream_record(rec, strlen(rec), &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len;
        g_bad_writes = bad[i];
        ddbxo_error_clear(&err);
        ck_assert_ptr_null(ddbxo_transform_run(t, r, &len, &err));
        ck_assert_ptr_nonnull(strstr(err.message, "invalid JSON"));
        assert_clean_text("writes parse error", err.message);
    }
    ddbxo_record_free(r);
    ddbxo_transform_free(t);
}
END_TEST

/* ------------------------------------------------------------------ */
/* moto with signature checking on                                      */
/* ------------------------------------------------------------------ */

static tu_moto *g_auth;
static char g_auth_err[1024];
static tu_moto_ident g_session;

static void stop_auth(void)
{
    tu_moto_stop(g_auth);
    g_auth = NULL;
}

static void auth_setup(void)
{
    static int once;
    if (once++)
        return;
    if (!(g_auth = tu_moto_start(NULL, g_auth_err, sizeof g_auth_err)))
        return;
    atexit(stop_auth);
    if (tu_moto_iam_setup(g_auth, NULL, NULL, &g_session, g_auth_err,
                          sizeof g_auth_err) < 0)
        return;
    if (tu_moto_post(g_auth, "/moto-api/reset-auth", "text/plain", "0",
                     NULL) != 200)
        snprintf(g_auth_err, sizeof g_auth_err, "reset-auth 0 failed");
}

/* What a call through this client logged and answered holds none of the
 * secrets it signed with. */
static void call_as(const char *akid, const char *secret, const char *token,
                    int level, int want_ok)
{
    logcap lc = { 0 };
    ddbxo_error err;
    ddbxo_credentials_provider *p =
        ddbxo_credentials_provider_static(akid, secret, token, &err);
    ck_assert_msg(p != NULL, "%s", err.message);
    ddbxo_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.region = TU_REGION;
    cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs =
        tu_moto_endpoint(g_auth);
    cfg.credentials = p;
    cfg.log = cap_log;
    cfg.log_ctx = &lc;
    cfg.log_level = level;
    ddbxo_client *c = ddbxo_client_new(&cfg, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    static const char *const ops[][2] = {
        { "ListTables", "{}" },
        { "PutItem", "{\"TableName\":\"authsec\",\"Item\":{\"pk\":{\"S\":\""
                     MARK "auth\"}}}" },
        { "GetItem", "{\"TableName\":\"authsec\",\"Key\":{\"pk\":{\"S\":\""
                     MARK "auth\"}}}" },
    };
    for (size_t i = 0; i < 3; i++) {
        char *resp = NULL;
        size_t len;
        ddbxo_aws_detail *d = NULL;
        int rc = ddbxo_call_ex(c, DDBXO_SERVICE_DYNAMODB, ops[i][0],
                                   ops[i][1], strlen(ops[i][1]), 0, &resp,
                                   &len, &d, &err);
        if (want_ok) {
            ck_assert_msg(rc == 0, "%s: %s", ops[i][0], err.message);
        } else {
            ck_assert_msg(rc < 0, "%s passed with bad credentials", ops[i][0]);
            ck_assert_int_eq(err.http_status, 403);
            assert_clean_text("error message", err.message);
            /* what a caller may print of the detail */
            ck_assert_ptr_nonnull(d);
            if (ddbxo_aws_detail_message(d))
                ck_assert_msg(!strstr(ddbxo_aws_detail_message(d), secret) &&
                              !(token && strstr(ddbxo_aws_detail_message(d),
                                                token)),
                              "detail message leaks a credential");
        }
        ddbxo_aws_detail_free(d);
        ddbxo_free(resp);
    }
    for (size_t i = 0; i < lc.n; i++) {
        ck_assert_msg(!strstr(lc.line[i], secret), "log leaks the secret: %s",
                      lc.line[i]);
        ck_assert_msg(!token || !strstr(lc.line[i], token),
                      "log leaks the token: %s", lc.line[i]);
        assert_clean_text("log line", lc.line[i]);
    }
    if (level == DDBXO_LOG_DEBUG)
        ck_assert_msg(lc.n >= 3, "DEBUG logged only %zu lines", lc.n);
    ddbxo_client_free(c);
    ddbxo_credentials_provider_free(p);
    cap_free(&lc);
}

START_TEST(auth_errors_log_no_credentials)
{
    ck_assert_msg(g_auth && !g_auth_err[0], "moto with auth: %s", g_auth_err);
    int level = _i ? DDBXO_LOG_DEBUG : 0;
    /* the real session: works (and creates the table the others use) */
    if (_i == 0) {
        ddbxo_credentials_provider *p = ddbxo_credentials_provider_static(
            g_session.akid, g_session.secret, g_session.token, NULL);
        ddbxo_client_config cfg;
        ddbxo_error err;
        memset(&cfg, 0, sizeof cfg);
        cfg.region = TU_REGION;
        cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs =
            tu_moto_endpoint(g_auth);
        cfg.credentials = p;
        ddbxo_client *c = ddbxo_client_new(&cfg, &err);
        ck_assert_ptr_nonnull(c);
        tu_create_table(c, "authsec", "pk", "S", NULL, NULL, NULL);
        ddbxo_client_free(c);
        ddbxo_credentials_provider_free(p);
    }
    call_as(g_session.akid, g_session.secret, g_session.token, level, 1);
    /* a wrong secret: SignatureDoesNotMatch */
    call_as(g_session.akid, SEC_SECRET, g_session.token, level, 0);
    /* a wrong session token */
    call_as(g_session.akid, g_session.secret, SEC_TOKEN, level, 0);
    /* a key moto does not know */
    call_as(SEC_AKID, SEC_SECRET, SEC_TOKEN, level, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* TLS                                                                  */
/* ------------------------------------------------------------------ */

static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0), port;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    close(s);
    return port;
}

/* Runs argv (stdout and stderr to /dev/null); with wait 0 returns the
 * pid at once.  The child dies with this (forked test) process. */
static pid_t spawn(const char *const *argv, int wait)
{
    int status;
    pid_t parent = getpid(), pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (!wait)
        return pid;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int port_open(int port)
{
    struct sockaddr_in a;
    int s = socket(AF_INET, SOCK_STREAM, 0), ok;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* One ListTables against url; 0 or -1 with *err. */
static int tls_call(const char *url, const char *ca_file, ddbxo_error *err)
{
    ddbxo_client_config cfg;
    ddbxo_credentials_provider *p =
        ddbxo_credentials_provider_static(SEC_AKID, SEC_SECRET, NULL, err);
    memset(&cfg, 0, sizeof cfg);
    cfg.region = TU_REGION;
    cfg.endpoint_dynamodb = url;
    cfg.credentials = p;
    cfg.ca_file = ca_file;
    cfg.attempt_timeout_ms = 3000;
    cfg.retry.max_attempts = 1;
    ddbxo_client *c = ddbxo_client_new(&cfg, err);
    ck_assert_msg(c != NULL, "%s", err->message);
    char *resp = NULL;
    size_t len;
    int rc = ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}", 2, 0,
                        &resp, &len, err);
    ddbxo_free(resp);
    ddbxo_client_free(c);
    ddbxo_credentials_provider_free(p);
    return rc;
}

static int tls_error(const ddbxo_error *e)
{
    return strstr(e->message, "certificate") || strstr(e->message, "SSL") ||
           strstr(e->message, "TLS");
}

/* An https endpoint with a self-signed certificate (openssl s_server):
 * refused by default (no option or environment variable turns the check
 * off; CURL_CA_BUNDLE / SSL_CERT_FILE pointing elsewhere do not help),
 * and accepted only with that certificate as ca_file -- which also
 * proves the server was up. */
START_TEST(tls_self_signed_is_refused)
{
    char dir[] = "/tmp/ddbxo-tls-XXXXXX", cert[128], key[128], url[64];
    char ports[16], accept[32];
    ddbxo_error err;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    const char *gen[] = { "openssl", "req", "-x509", "-newkey", "ec",
                          "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                          "-subj", "/CN=127.0.0.1", "-addext",
                          "subjectAltName=IP:127.0.0.1", NULL };
    ck_assert_int_eq(spawn(gen, 1), 0);
    int port = free_port();
    snprintf(ports, sizeof ports, "%d", port);
    snprintf(accept, sizeof accept, "127.0.0.1:%d", port);
    const char *srv[] = { "openssl", "s_server", "-accept", accept, "-cert",
                          cert, "-key", key, "-www", "-quiet", NULL };
    pid_t pid = spawn(srv, 0);
    for (int i = 0; i < 100 && !port_open(port); i++)
        usleep(50 * 1000);
    ck_assert_msg(port_open(port), "openssl s_server did not start");
    snprintf(url, sizeof url, "https://127.0.0.1:%d", port);

    ck_assert_int_eq(tls_call(url, NULL, &err), -1);
    /* a verification failure is a configuration problem, not retried */
    ck_assert_msg(err.code == DDBXO_E_CONFIG || err.code == DDBXO_E_HTTP,
                  "%s", err.message);
    ck_assert_msg(tls_error(&err), "not a TLS error: %s", err.message);

    /* The environment cannot switch verification off either. */
    setenv("CURL_CA_BUNDLE", cert, 1);
    setenv("SSL_CERT_FILE", cert, 1);
    setenv("CURLOPT_SSL_VERIFYPEER", "0", 1);
    ck_assert_int_eq(tls_call(url, NULL, &err), -1);
    ck_assert_msg(tls_error(&err), "not a TLS error: %s", err.message);

    /* A CA file that does not exist fails; it is no way around the check. */
    ck_assert_int_eq(tls_call(url, "/nonexistent/ca.pem", &err), -1);
    ck_assert_msg(tls_error(&err) || strstr(err.message, "ca"),
                  "unexpected: %s", err.message);

    /* With the certificate as the CA the handshake passes (whatever the
     * toy server then answers is not a TLS error). */
    ddbxo_error_clear(&err);
    (void)tls_call(url, cert, &err);
    ck_assert_msg(!tls_error(&err), "still a TLS error: %s", err.message);

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}
END_TEST

/* The library sets the peer and host checks in one place each and never
 * to anything but on (a lint over the sources, run from the repo root). */
START_TEST(tls_checks_are_never_turned_off)
{
    glob_t g;
    int seen = 0;
    ck_assert_int_eq(glob("lib/*/*.c", 0, NULL, &g), 0);   /* layer folders */
    ck_assert_int_eq(glob("cli/*.c", GLOB_APPEND, NULL, &g), 0);
    ck_assert_uint_gt(g.gl_pathc, 20);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t len;
        const char *f = g.gl_pathv[i];
        char *src = tu_read_file(f, &len);
        ck_assert_msg(src != NULL, "cannot read %s", f);
        for (char *p = src; (p = strstr(p, "SSL_VERIFY")); p++) {
            char *end = strchr(p, ')');
            ck_assert_ptr_nonnull(end);
            *end = '\0';
            ck_assert_msg(strstr(p, "SSL_VERIFYPEER, 1L") ||
                              strstr(p, "SSL_VERIFYHOST, 2L"),
                          "%s: %s", f, p);
            *end = ')';
            seen++;
        }
        free(src);
    }
    globfree(&g);
    /* the transport pool and the container credentials client */
    ck_assert_int_ge(seen, 4);
}
END_TEST

static Suite *security_suite(void)
{
    Suite *s = suite_create("security");
    TCase *tc = tcase_create("moto");
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, apply_modes_log_no_secrets_or_items, 0, 2);
    tcase_add_loop_test(tc, runner_logs_no_secrets_or_items, 0, 2);
    tcase_add_test(tc, cli_apply_and_redrive_log_no_secrets_or_items);
    suite_add_tcase(s, tc);

    TCase *ta = tcase_create("moto-auth");
    tcase_add_unchecked_fixture(ta, auth_setup, NULL);
    tcase_set_timeout(ta, 60);
    tcase_add_loop_test(ta, auth_errors_log_no_credentials, 0, 2);
    suite_add_tcase(s, ta);

    TCase *tl = tcase_create("local");
    tcase_set_timeout(tl, 30);
    tcase_add_test(tl, parse_errors_quote_no_input);
    tcase_add_test(tl, tls_self_signed_is_refused);
    tcase_add_test(tl, tls_checks_are_never_turned_off);
    suite_add_tcase(s, tl);
    return s;
}

TU_MAIN(security_suite)
