/* `ddbxo redrive` as a user runs it, against moto (DynamoDB, Streams and
 * SQS): park messages written by `ddbxo apply --park-queue`, Lambda
 * on-failure records (DDBStreamBatchInfo, docs/aws-facts.md §5) naming a range of
 * a real stream, lost ranges, unknown messages and replays.
 *
 * Source writes are PutItem only (moto emits two INSERTs for an UpdateItem
 * that creates an item, docs/moto-gaps.md C3).  The queues have VisibilityTimeout
 * 0, so a message the redrive leaves in the queue can be seen again at
 * once by the test (and by the same run, which must not loop on it). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsops.h"
#include "clirun.h"
#include "service/ddb.h"
#include "ddbtest.h"
#include "fakeenv.h"
#include "faultsrv.h"
#include "moto.h"
#include "testutil.h"

#define SRC "src"
#define DST "dst"

/* Keyed by `code`, which record c lacks: c fails for good (parked). */
static const char SPEC_BY_CODE[] = "{\"key\":{\"pk\":\"code\"}}";
/* The fix: keyed by the source key. */
static const char SPEC_BY_PK[] = "{\"key\":{\"pk\":\"pk\"}}";

typedef tu_cli_result result;

static void cli(const char *const *argv, result *r)
{
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, NULL, NULL, r);
}

#define EXPECT_EXIT(r, code) \
    ck_assert_msg((r)->status == (code), "exit %d, expected %d\nstdout: %s\n" \
                  "stderr: %s", (r)->status, (code), (r)->out, (r)->err)
#define EXPECT_COUNT(r, name, v) \
    ck_assert_msg(tu_cli_count(r, name) == (v), "%s: %ld, expected %ld\n%s\n%s", \
                  name, tu_cli_count(r, name), (long)(v), (r)->out, (r)->err)

static char *make_queue(ddbxo_client *c, const char *name)
{
    return tu_sqs_queue_visible(c, name);
}

static void send_body(ddbxo_client *c, const char *url, const char *body)
{
    ddbxo_error err;
    ck_assert_msg(ddbxo__sqs_send_message(c, url, body, NULL, 0, NULL, &err)
                      == 0, "%s", err.message);
}

/* The bodies in the queue now (a JSON array of strings; new ref).  With
 * VisibilityTimeout 0 nothing is hidden by looking. */
static json_t *queue_bodies(ddbxo_client *c, const char *url)
{
    ddbxo_error err;
    json_t *resp = NULL, *out = json_array(), *m;
    size_t i;
    ck_assert_msg(ddbxo__sqs_receive_message(c, url, 10, 0, NULL, 0, &resp,
                                             &err) == 0, "%s", err.message);
    json_array_foreach(json_object_get(resp, "Messages"), i, m)
        json_array_append(out, json_object_get(m, "Body"));
    json_decref(resp);
    return out;
}

/* Redrive from url into DST with extra args (NULL-terminated) and extra
 * environment (NULL = none). */
static void redrive_env(const char *url, const char *const *extra,
                        const char *const *env, result *r)
{
    const char *argv[24] = { "redrive", "--queue-url", url, "--target-table",
                             DST, "--wait-seconds", "0" };
    size_t n = 7;
    for (size_t i = 0; extra && extra[i]; i++) {
        ck_assert(n < 22);
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, env, NULL, r);
}

static void redrive(const char *url, const char *const *extra, result *r)
{
    redrive_env(url, extra, NULL, r);
}

/* Asserts the user-visible bookkeeping of a run. */
static void expect_run(const result *r, int status, long messages,
                       long deleted, long kept, size_t lost)
{
    EXPECT_EXIT(r, status);
    ck_assert_ptr_nonnull(r->summary);
    EXPECT_COUNT(r, "messages", messages);
    EXPECT_COUNT(r, "deleted", deleted);
    EXPECT_COUNT(r, "kept", kept);
    ck_assert_msg(json_array_size(json_object_get(r->summary, "lost_ranges"))
                      == lost, "lost_ranges: %s", r->out);
    /* Only the summary on stdout. */
    ck_assert_ptr_eq(strchr(r->out, '\n'), r->out + strlen(r->out) - 1);
}

/* The target item at pk without libddbxo's bookkeeping, as canonical
 * JSON (malloc'd), or NULL when absent. */
static char *target_item(ddbxo_client *c, const char *table, const char *pk)
{
    char key[96], *text;
    json_t *it, *v;
    const char *k;
    void *tmp;
    snprintf(key, sizeof key, "{\"pk\":{\"S\":\"%s\"}}", pk);
    if (!(it = tu_get(c, table, key)))
        return NULL;
    json_object_foreach_safe(it, tmp, k, v) {
        if (strncmp(k, "_ddbxo_", 7) == 0)
            json_object_del(it, k);
    }
    text = json_dumps(it, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(it);
    return text;
}

static void expect_copy(ddbxo_client *c, const char *pk)
{
    char *want = target_item(c, SRC, pk), *got = target_item(c, DST, pk);
    ck_assert_msg(want != NULL, "source item %s missing", pk);
    ck_assert_msg(got != NULL, "target item %s missing", pk);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
}

static void setup(void)
{
    tu_moto_test_reset();
    tu_mk_tmpdir("ddbxo-cli-redrive");
}

static void teardown(void)
{
    tu_rm_tmpdir();
}

/* ------------------------------------------------------------------ */
/* park messages                                                        */
/* ------------------------------------------------------------------ */

/* Items a, b (with code) and c (without): `ddbxo apply` with the spec
 * keyed by code parks c.  Returns the park queue's URL. */
static char *park_c(ddbxo_client *c)
{
    const char *spec, *ev;
    char *text, *url;
    result r;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    url = make_queue(c, "park");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"a\"},\"code\":{\"S\":\"A\"},\"v\":{\"N\":\"1\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"c\"},\"v\":{\"N\":\"7\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"b\"},\"code\":{\"S\":\"B\"},\"v\":{\"N\":\"2\"}}");
    text = tu_stream_event(c, SRC, 0, 0);
    ev = tu_write_file("ev.json", text);
    free(text);
    spec = tu_write_file("by-code.json", SPEC_BY_CODE);
    const char *argv[] = { "apply", "--event", ev, "--target-table", DST,
                           "--transform", spec, "--park-queue", url, NULL };
    cli(argv, &r);
    EXPECT_EXIT(&r, 0);
    EXPECT_COUNT(&r, "applied", 2);
    EXPECT_COUNT(&r, "parked", 1);
    tu_cli_result_free(&r);
    return url;
}

/* Park message c was applied and deleted; a and b (applied by `ddbxo
 * apply`) are untouched. */
static void expect_c_redriven(ddbxo_client *c, const char *url)
{
    char *got;
    json_t *bodies;
    expect_copy(c, "c");
    ck_assert_str_eq((got = target_item(c, DST, "A")),
                     "{\"code\":{\"S\":\"A\"},\"pk\":{\"S\":\"A\"},"
                     "\"v\":{\"N\":\"1\"}}");
    free(got);
    bodies = queue_bodies(c, url);
    ck_assert_int_eq(json_array_size(bodies), 0);
    json_decref(bodies);
}

/* A parked record redriven with a broken spec stays in the queue (and the
 * run does not loop on it although it is visible again at once); with the
 * fixed spec it is applied and deleted; a second redrive finds nothing. */
START_TEST(park_message_redriven_after_fix)
{
    ddbxo_client *c = tu_moto_client();
    char *url = park_c(c);
    const char *by_code = tu_write_file("by-code.json", SPEC_BY_CODE);
    const char *by_pk = tu_write_file("by-pk.json", SPEC_BY_PK);
    json_t *bodies, *body;
    result r;

    /* The message carries the whole record. */
    bodies = queue_bodies(c, url);
    ck_assert_int_eq(json_array_size(bodies), 1);
    body = tu_json(json_string_value(json_array_get(bodies, 0)));
    ck_assert_int_eq(json_integer_value(json_object_get(body, "ddbxo_park")), 1);
    ck_assert_str_eq(json_string_value(tu_json_at(body,
                                                  "record.dynamodb.Keys.pk.S")),
                     "c");
    json_decref(body);
    json_decref(bodies);

    const char *still_broken[] = { "--transform", by_code, NULL };
    redrive(url, still_broken, &r);
    expect_run(&r, 1, 1, 0, 1, 0);
    EXPECT_COUNT(&r, "records", 1);
    EXPECT_COUNT(&r, "failed", 1);
    ck_assert_int_eq(json_array_size(json_object_get(r.summary,
                                                     "batchItemFailures")), 1);
    ck_assert_msg(strstr(r.err, "FAILED_PERMANENT") != NULL, "%s", r.err);
    /* A permanent failure is not tried again. */
    ck_assert_msg(strstr(r.err, "trying them again") == NULL, "%s", r.err);
    tu_cli_result_free(&r);
    bodies = queue_bodies(c, url);
    ck_assert_int_eq(json_array_size(bodies), 1);
    json_decref(bodies);
    ck_assert_ptr_null(target_item(c, DST, "c"));

    const char *fixed[] = { "--transform", by_pk, NULL };
    redrive(url, fixed, &r);
    expect_run(&r, 0, 1, 1, 0, 0);
    EXPECT_COUNT(&r, "records", 1);
    EXPECT_COUNT(&r, "applied", 1);
    EXPECT_COUNT(&r, "failed", 0);
    tu_cli_result_free(&r);
    expect_c_redriven(c, url);

    redrive(url, fixed, &r);
    expect_run(&r, 0, 0, 0, 0, 0);
    EXPECT_COUNT(&r, "records", 0);
    tu_cli_result_free(&r);
    free(url);
    tu_client_free(c);
}
END_TEST

/* DynamoDB calls through the fault server, which fails every attempt of
 * the client's first call: park message c's record ends FAILED_RETRYABLE.
 * With --tries 1 the message is kept; by default the record is tried
 * again in the same run and the message goes. */
static void fail_first_call(faultsrv *fs)
{
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_STATUS;
    a.status = 500;
    a.error_type = "InternalServerError";
    for (int i = 0; i < DDBXO_RETRY_DEFAULT_MAX_ATTEMPTS; i++)
        faultsrv_push(fs, a);
}

START_TEST(retryable_failure_tried_again_in_run)
{
    char errbuf[256], ddb_env[300];
    faultsrv *fs = faultsrv_start(errbuf, sizeof errbuf);
    ddbxo_client *c = tu_moto_client();
    const char *by_pk, *env[] = { ddb_env, NULL };
    faultsrv_action fwd;
    char *url;
    result r;

    ck_assert_msg(fs != NULL, "%s", errbuf);
    url = park_c(c);
    by_pk = tu_write_file("by-pk.json", SPEC_BY_PK);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    memset(&fwd, 0, sizeof fwd);
    fwd.kind = FAULTSRV_FORWARD;
    faultsrv_set_default(fs, fwd);
    snprintf(ddb_env, sizeof ddb_env, "AWS_ENDPOINT_URL_DYNAMODB=%s",
             faultsrv_url(fs));

    const char *once[] = { "--transform", by_pk, "--tries", "1", NULL };
    fail_first_call(fs);
    redrive_env(url, once, env, &r);
    expect_run(&r, 1, 1, 0, 1, 0);
    EXPECT_COUNT(&r, "records", 1);
    EXPECT_COUNT(&r, "failed", 1);
    ck_assert_msg(strstr(r.err, "FAILED_RETRYABLE") != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, "trying them again") == NULL, "%s", r.err);
    tu_cli_result_free(&r);
    ck_assert_ptr_null(target_item(c, DST, "c"));

    const char *dflt[] = { "--transform", by_pk, NULL };
    fail_first_call(fs);
    redrive_env(url, dflt, env, &r);
    expect_run(&r, 0, 1, 1, 0, 0);
    /* Counted once, with its final outcome. */
    EXPECT_COUNT(&r, "records", 1);
    EXPECT_COUNT(&r, "applied", 1);
    EXPECT_COUNT(&r, "failed", 0);
    ck_assert_msg(strstr(r.err, "1 of 1 records failed; trying them again")
                      != NULL, "%s", r.err);
    tu_cli_result_free(&r);
    expect_c_redriven(c, url);
    free(url);
    faultsrv_stop(fs);
    tu_client_free(c);
}
END_TEST

/* The same park message twice in one run, then once more: one APPLIED,
 * then DUPLICATE; every copy deleted; the target does not change. */
START_TEST(replayed_message_is_duplicate)
{
    ddbxo_client *c = tu_moto_client();
    char *url = park_c(c), *snap, *snap2;
    const char *by_pk = tu_write_file("by-pk.json", SPEC_BY_PK);
    json_t *bodies = queue_bodies(c, url);
    char *body = strdup(json_string_value(json_array_get(bodies, 0)));
    result r;

    json_decref(bodies);
    send_body(c, url, body);
    const char *fixed[] = { "--transform", by_pk, NULL };
    redrive(url, fixed, &r);
    expect_run(&r, 0, 2, 2, 0, 0);
    EXPECT_COUNT(&r, "records", 2);
    EXPECT_COUNT(&r, "applied", 1);
    EXPECT_COUNT(&r, "duplicate", 1);
    tu_cli_result_free(&r);
    snap = tu_snapshot(c, DST);
    expect_copy(c, "c");

    send_body(c, url, body);
    redrive(url, fixed, &r);
    expect_run(&r, 0, 1, 1, 0, 0);
    EXPECT_COUNT(&r, "applied", 0);
    EXPECT_COUNT(&r, "duplicate", 1);
    tu_cli_result_free(&r);
    snap2 = tu_snapshot(c, DST);
    ck_assert_str_eq(snap2, snap);
    free(snap);
    free(snap2);
    free(body);
    free(url);
    tu_client_free(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Lambda on-failure records                                            */
/* ------------------------------------------------------------------ */

#define N_PUTS 6

typedef struct stream_info {
    char arn[256], shard[128];
    char seq[N_PUTS][48];
} stream_info;

/* Six puts to items i0..i5 on SRC; the stream's ARN, shard and the
 * sequence numbers of the six records. */
static void six_puts(ddbxo_client *c, stream_info *si)
{
    ddbxo_error err;
    json_t *d = NULL, *ev;
    char buf[160], *text;

    snprintf(si->arn, sizeof si->arn, "%s",
             tu_create_table(c, SRC, "pk", "S", NULL, NULL,
                             "NEW_AND_OLD_IMAGES"));
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    for (int i = 0; i < N_PUTS; i++) {
        snprintf(buf, sizeof buf,
                 "{\"pk\":{\"S\":\"i%d\"},\"v\":{\"N\":\"%d\"}}", i, 10 + i);
        tu_put(c, SRC, buf);
    }
    ck_assert_msg(ddbxo__ddb_describe_stream_all(c, si->arn, 0, &d, &err)
                      == 0, "%s", err.message);
    snprintf(si->shard, sizeof si->shard, "%s",
             json_string_value(json_object_get(json_array_get(
                 tu_json_at(d, "StreamDescription.Shards"), 0), "ShardId")));
    ck_assert(si->shard[0]);
    json_decref(d);
    text = tu_stream_event(c, SRC, 0, 0);
    ev = tu_json(text);
    free(text);
    ck_assert_int_eq(json_array_size(json_object_get(ev, "Records")), N_PUTS);
    for (int i = 0; i < N_PUTS; i++)
        snprintf(si->seq[i], sizeof si->seq[i], "%s",
                 json_string_value(tu_json_at(json_array_get(
                     json_object_get(ev, "Records"), (size_t)i),
                     "dynamodb.SequenceNumber")));
    json_decref(ev);
}

/* An on-failure record in the documented shape (docs/aws-facts.md §5). */
static char *on_failure(const stream_info *si, const char *start,
                        const char *end)
{
    json_t *m = json_pack(
        "{s:{s:s,s:s,s:s,s:i},s:{s:i,s:s,s:s},s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,"
        "s:i,s:s}}",
        "requestContext", "requestId", "c3b9a1e2-0000-4000-8000-000000000001",
        "functionArn", "arn:aws:lambda:us-east-1:123456789012:function:f",
        "condition", "RetryAttemptsExhausted", "approximateInvokeCount", 3,
        "responseContext", "statusCode", 200, "executedVersion", "$LATEST",
        "functionError", "Unhandled",
        "version", "1.0", "timestamp", "2019-11-14T00:13:49.717Z",
        "DDBStreamBatchInfo", "shardId", si->shard,
        "startSequenceNumber", start, "endSequenceNumber", end,
        "approximateArrivalOfFirstRecord", "2019-11-14T00:13:19Z",
        "approximateArrivalOfLastRecord", "2019-11-14T00:13:19Z",
        "batchSize", 4, "streamArn", si->arn);
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    return text;
}

/* A range still in the stream is read back and applied (exactly the
 * records of the range), the message deleted; redriving again finds
 * nothing; the same message sent again gives DUPLICATEs only. */
START_TEST(on_failure_range_read_back)
{
    ddbxo_client *c = tu_moto_client();
    char *url, *msg, *snap, *snap2, name[16];
    stream_info si;
    json_t *bodies;
    result r;

    six_puts(c, &si);
    url = make_queue(c, "onfailure");
    msg = on_failure(&si, si.seq[1], si.seq[4]);
    send_body(c, url, msg);

    redrive(url, NULL, &r);
    expect_run(&r, 0, 1, 1, 0, 0);
    EXPECT_COUNT(&r, "records", 4);
    EXPECT_COUNT(&r, "applied", 4);
    tu_cli_result_free(&r);
    for (int i = 0; i < N_PUTS; i++) {
        snprintf(name, sizeof name, "i%d", i);
        if (i >= 1 && i <= 4) {
            expect_copy(c, name);
        } else {
            char *got = target_item(c, DST, name);
            ck_assert_msg(got == NULL, "%s is outside the range", name);
        }
    }
    bodies = queue_bodies(c, url);
    ck_assert_int_eq(json_array_size(bodies), 0);
    json_decref(bodies);

    redrive(url, NULL, &r);
    expect_run(&r, 0, 0, 0, 0, 0);
    tu_cli_result_free(&r);

    snap = tu_snapshot(c, DST);
    send_body(c, url, msg);
    redrive(url, NULL, &r);
    expect_run(&r, 0, 1, 1, 0, 0);
    EXPECT_COUNT(&r, "records", 4);
    EXPECT_COUNT(&r, "duplicate", 4);
    tu_cli_result_free(&r);
    snap2 = tu_snapshot(c, DST);
    ck_assert_str_eq(snap2, snap);
    free(snap);
    free(snap2);
    free(msg);
    free(url);
    tu_client_free(c);
}
END_TEST

/* A range below the shard's start is reported lost, with its range, and
 * the message stays; a range that begins below the start but reaches
 * into the stream has what is left applied, and is still lost and kept.
 * moto answers an iterator below the shard's start with an HTTP 500 page
 * where DynamoDB says TrimmedDataAccessException (docs/moto-gaps.md C3); the
 * redrive compares the range with the shard's StartingSequenceNumber from
 * DescribeStream first, which both answer the same way. */
START_TEST(lost_range_is_kept)
{
    ddbxo_client *c = tu_moto_client();
    char *url, *gone, *partly, *got;
    stream_info si;
    json_t *bodies, *lost;
    result r;

    six_puts(c, &si);
    url = make_queue(c, "onfailure");
    gone = on_failure(&si, "1000000000000000000001", "1000000000000000000009");
    send_body(c, url, gone);
    redrive(url, NULL, &r);
    expect_run(&r, 1, 1, 0, 1, 1);
    EXPECT_COUNT(&r, "records", 0);
    lost = json_array_get(json_object_get(r.summary, "lost_ranges"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(lost, "shardId")),
                     si.shard);
    ck_assert_str_eq(json_string_value(json_object_get(lost, "streamArn")),
                     si.arn);
    ck_assert_str_eq(json_string_value(json_object_get(
                         lost, "startSequenceNumber")),
                     "1000000000000000000001");
    ck_assert_str_eq(json_string_value(json_object_get(
                         lost, "endSequenceNumber")),
                     "1000000000000000000009");
    ck_assert_msg(strstr(r.err, "LOST") && strstr(r.err, si.shard),
                  "stderr: %s", r.err);
    tu_cli_result_free(&r);
    bodies = queue_bodies(c, url);
    ck_assert_int_eq(json_array_size(bodies), 1);
    ck_assert_str_eq(json_string_value(json_array_get(bodies, 0)), gone);
    json_decref(bodies);
    ck_assert_str_eq((got = tu_snapshot(c, DST)), "");
    free(got);

    /* Partly gone: records 0 and 1 are what is left of it. */
    partly = on_failure(&si, "1000000000000000000001", si.seq[1]);
    send_body(c, url, partly);
    redrive(url, (const char *const[]){ "--max-messages", "2", NULL }, &r);
    expect_run(&r, 1, 2, 0, 2, 2);
    EXPECT_COUNT(&r, "records", 2);
    EXPECT_COUNT(&r, "applied", 2);
    tu_cli_result_free(&r);
    expect_copy(c, "i0");
    expect_copy(c, "i1");
    ck_assert_ptr_null(target_item(c, DST, "i2"));
    bodies = queue_bodies(c, url);
    ck_assert_int_eq(json_array_size(bodies), 2);
    json_decref(bodies);
    free(gone);
    free(partly);
    free(url);
    tu_client_free(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* unknown messages, usage                                              */
/* ------------------------------------------------------------------ */

START_TEST(unknown_messages_are_kept)
{
    ddbxo_client *c = tu_moto_client();
    char *url;
    json_t *bodies;
    result r;

    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    url = make_queue(c, "mixed");
    send_body(c, url, "hello, not JSON");
    send_body(c, url, "{\"ddbxo_park\":2,\"record\":{}}");
    send_body(c, url, "{\"DDBStreamBatchInfo\":{\"shardId\":\"s\"}}");
    redrive(url, NULL, &r);
    expect_run(&r, 1, 3, 0, 3, 0);
    EXPECT_COUNT(&r, "records", 0);
    ck_assert_msg(strstr(r.err, "unknown shape") != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, "DDBStreamBatchInfo.streamArn") != NULL, "%s",
                  r.err);
    tu_cli_result_free(&r);
    bodies = queue_bodies(c, url);
    ck_assert_int_eq(json_array_size(bodies), 3);
    json_decref(bodies);
    free(url);
    tu_client_free(c);
}
END_TEST

START_TEST(usage_errors)
{
    static const char *const cases[][8] = {
        { "redrive", "--target-table", DST, NULL },
        { "redrive", "--queue-url", "http://q", NULL },
        { "redrive", "--queue-url", "http://q", "--target-table", DST,
          "--wait-seconds", "21", NULL },
        { "redrive", "--queue-url", "http://q", "--target-table", DST,
          "--tries", "0", NULL },
        { "redrive", "--queue-url", "http://q", "--target-table", DST,
          "--park-queue", "http://q", NULL },
        { "redrive", "--queue-url", "http://q", "--target-table", DST,
          "--mode", "ledger", NULL },
        { "redrive", "--bogus", NULL },
    };
    result r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli(cases[i], &r);
        ck_assert_msg(r.status == 2, "case %zu: exit %d: %s", i, r.status,
                      r.err);
        ck_assert_msg(strstr(r.err, "ddbxo redrive: ") != NULL, "%s", r.err);
        ck_assert_str_eq(r.out, "");
        tu_cli_result_free(&r);
    }
    const char *help[] = { "redrive", "--help", NULL };
    cli(help, &r);
    EXPECT_EXIT(&r, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "--queue-url"));
    tu_cli_result_free(&r);
}
END_TEST

static Suite *cli_redrive_suite(void)
{
    Suite *s = suite_create("cli-redrive");
    TCase *tc = tcase_create("redrive");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, park_message_redriven_after_fix);
    tcase_add_test(tc, retryable_failure_tried_again_in_run);
    tcase_add_test(tc, replayed_message_is_duplicate);
    tcase_add_test(tc, on_failure_range_read_back);
    tcase_add_test(tc, lost_range_is_kept);
    tcase_add_test(tc, unknown_messages_are_kept);
    tcase_add_test(tc, usage_errors);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(cli_redrive_suite)
