/* ddbxo_redrive_run (<ddbxo/sys/redrive.h>) through the API, against moto
 * (DynamoDB, Streams and SQS): park messages applied and deleted, a
 * second run finding nothing, an unknown message kept and logged, and the
 * configurations it refuses.  `ddbxo redrive` over the same engine is
 * tests/cli/check_cli_redrive.c.
 *
 * The queue has VisibilityTimeout 0, so a kept message is visible again at
 * once (to the test, and to the same run, which must not loop on it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsops.h"
#include "ddbtest.h"
#include "ddbxo.h"
#include "ddbxo/sys/redrive.h"
#include "moto.h"
#include "service/ddb.h"
#include "testutil.h"

#define SRC "src"
#define DST "dst"

static void send_body(ddbxo_client *c, const char *url, const char *body)
{
    ddbxo_error err;
    ck_assert_msg(ddbxo__sqs_send_message(c, url, body, NULL, 0, NULL, &err)
                      == 0, "%s", err.message);
}

static size_t queue_size(ddbxo_client *c, const char *url)
{
    ddbxo_error err;
    json_t *resp = NULL;
    size_t n;
    ck_assert_msg(ddbxo__sqs_receive_message(c, url, 10, 0, NULL, 0, &resp,
                                             &err) == 0, "%s", err.message);
    n = json_array_size(json_object_get(resp, "Messages"));
    json_decref(resp);
    return n;
}

/* One park message per record of SRC's stream (the shape lib/apply/park.c
 * writes).  Returns how many were sent. */
static size_t park_stream(ddbxo_client *c, const char *url)
{
    char *text = tu_stream_event(c, SRC, 0, 0);
    json_t *ev = tu_json(text), *rec;
    size_t i, n = 0;
    free(text);
    json_array_foreach(json_object_get(ev, "Records"), i, rec) {
        json_t *msg = json_pack(
            "{s:i,s:{s:s,s:s},s:s,s:O}", "ddbxo_park", 1, "reason", "code",
            "invalid", "message", "test", "source_table", SRC, "record", rec);
        char *body = json_dumps(msg, JSON_COMPACT);
        send_body(c, url, body);
        free(body);
        json_decref(msg);
        n++;
    }
    json_decref(ev);
    return n;
}

typedef struct logged {
    int lines;
    char last[512];
} logged;

static void log_line(void *ctx, int level, const char *msg)
{
    logged *l = ctx;
    ck_assert_int_eq(level, DDBXO_LOG_WARN);
    l->lines++;
    snprintf(l->last, sizeof l->last, "%s", msg);
}

static long count(const char *summary, const char *name)
{
    json_t *j = tu_json(summary);
    long v = (long)json_integer_value(json_object_get(j, name));
    json_decref(j);
    return v;
}

/* Parked records are applied and their messages deleted; a second run
 * finds nothing to do. */
START_TEST(park_messages_applied_and_deleted)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_redrive_config rc;
    ddbxo_error err;
    logged log = { 0, "" };
    char *url, *summary = NULL, *got;
    size_t len = 0, sent;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    url = tu_sqs_queue_visible(c, "park");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"2\"}}");
    sent = park_stream(c, url);
    ck_assert_uint_eq(sent, 2);

    memset(&rc, 0, sizeof rc);
    rc.queue_url = url;
    rc.apply.target_table = DST;
    rc.log = log_line;
    rc.log_ctx = &log;
    ck_assert_msg(ddbxo_redrive_run(c, c, &rc, &summary, &len, &err) == 0,
                  "%s / %s", err.message, summary ? summary : "");
    ck_assert_uint_eq(len, strlen(summary));
    ck_assert_int_eq(count(summary, "messages"), 2);
    ck_assert_int_eq(count(summary, "deleted"), 2);
    ck_assert_int_eq(count(summary, "kept"), 0);
    ck_assert_int_eq(count(summary, "applied"), 2);
    ck_assert_int_eq(log.lines, 0);
    ddbxo_free(summary);

    json_t *it = tu_get(c, DST, "{\"pk\":{\"S\":\"b\"}}");
    ck_assert_ptr_nonnull(it);
    got = json_dumps(json_object_get(it, "v"), JSON_COMPACT);
    ck_assert_str_eq(got, "{\"N\":\"2\"}");
    free(got);
    json_decref(it);
    ck_assert_uint_eq(queue_size(c, url), 0);

    ck_assert_int_eq(ddbxo_redrive_run(c, c, &rc, &summary, NULL, &err), 0);
    ck_assert_int_eq(count(summary, "messages"), 0);
    ck_assert_int_eq(count(summary, "records"), 0);
    ddbxo_free(summary);
    free(url);
    tu_client_free(c);
}
END_TEST

/* A message of no known shape stays in the queue, is logged, and the run
 * says so (1); it is taken once although it is visible again at once. */
START_TEST(unknown_message_kept_and_logged)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_redrive_config rc;
    ddbxo_error err;
    logged log = { 0, "" };
    char *url, *summary = NULL;

    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    url = tu_sqs_queue_visible(c, "park");
    send_body(c, url, "{\"hello\":1}");

    memset(&rc, 0, sizeof rc);
    rc.queue_url = url;
    rc.apply.target_table = DST;
    rc.log = log_line;
    rc.log_ctx = &log;
    ck_assert_int_eq(ddbxo_redrive_run(c, c, &rc, &summary, NULL, &err), 1);
    ck_assert_int_eq(count(summary, "messages"), 1);
    ck_assert_int_eq(count(summary, "kept"), 1);
    ck_assert_int_eq(count(summary, "deleted"), 0);
    ck_assert_int_eq(log.lines, 1);
    ck_assert_msg(strstr(log.last, "unknown shape") != NULL, "%s", log.last);
    ddbxo_free(summary);
    ck_assert_uint_eq(queue_size(c, url), 1);
    free(url);
    tu_client_free(c);
}
END_TEST

/* What cannot start is refused before anything is received. */
START_TEST(bad_configurations_refused)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_redrive_config rc;
    ddbxo_error err;
    char *summary = (char *)"untouched";

    memset(&rc, 0, sizeof rc);
    rc.apply.target_table = DST;
    ck_assert_int_eq(ddbxo_redrive_run(c, c, &rc, &summary, NULL, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_str_eq(err.path, "queue_url");
    ck_assert_ptr_null(summary);

    rc.queue_url = "http://127.0.0.1:1/q";
    rc.apply.park_queue_url = rc.queue_url;
    ck_assert_int_eq(ddbxo_redrive_run(c, c, &rc, &summary, NULL, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);

    rc.apply.park_queue_url = NULL;
    rc.tries = DDBXO_REDRIVE_MAX_TRIES + 1;
    ck_assert_int_eq(ddbxo_redrive_run(c, c, &rc, &summary, NULL, &err), -1);
    ck_assert_str_eq(err.path, "tries");

    rc.tries = 0;
    {
        /* The queue drained is on the target's side, as a park queue is:
         * a target in eu-west-1 cannot drain a us-east-1 queue.  Refused
         * by the library, so a binding gets it too, not only the CLI. */
        ddbxo_client *eu =
            tu_client_in(tu_moto_endpoint(tu_moto_get()), "eu-west-1", NULL);
        rc.queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/p";
        ck_assert_int_eq(ddbxo_redrive_run(c, eu, &rc, &summary, NULL, &err),
                         -1);
        ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
        ck_assert_str_eq(err.path, "queue_url");
        ck_assert_msg(strstr(err.message, "us-east-1") != NULL, "%s",
                      err.message);
        ck_assert_ptr_null(summary);
        tu_client_free(eu);
        rc.queue_url = "http://127.0.0.1:1/q";
    }
    rc.apply.target_table = NULL;   /* the applier refuses it */
    ck_assert_int_eq(ddbxo_redrive_run(c, c, &rc, &summary, NULL, &err), -1);
    ck_assert(err.code == DDBXO_E_CONFIG || err.code == DDBXO_E_INVALID);
    ck_assert_ptr_null(summary);
    tu_client_free(c);
}
END_TEST

static Suite *redrive_suite(void)
{
    const TTest *tests[] = { park_messages_applied_and_deleted,
                             unknown_message_kept_and_logged,
                             bad_configurations_refused };
    Suite *s = suite_create("redrive");
    TCase *tc = tcase_create("redrive");
    tcase_set_timeout(tc, 60);
    /* One moto for the suite, emptied before every test. */
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(redrive_suite)
