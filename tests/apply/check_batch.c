/* The batch engine (ddbxo_process_batch) against moto: real stream events
 * read back from a source table (written with PutItem / DeleteItem only:
 * moto emits spurious records for UpdateItem, docs/moto-gaps.md C3), applied to a
 * target table whose contents every test checks.  The fault-injecting
 * proxy sits in front of moto only where latency is the point (deadline,
 * concurrency bound).  Replays, redrives, aggregates and concurrent
 * processes are tested in check_cli_apply.c. */
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/value.h"
#include "apply/apply.h"
#include "awsops.h"
#include "service/ddb.h"
#include "ddbtest.h"
#include "faultsrv.h"
#include "moto.h"
#include "stream/record.h"
#include "testutil.h"
#include "transform/transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SRC "src"

/* ------------------------------------------------------------------ */
/* helpers                                                              */
/* ------------------------------------------------------------------ */

static void mk_src(ddbxo_client *c)
{
    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
}

static void mk_table(ddbxo_client *c, const char *name)
{
    tu_create_table(c, name, "pk", "S", NULL, NULL, NULL);
}

/* Source write {pk, v}; bad 1 adds "bad": true, 2 "nokey": true, 3
 * "skip": true (see bad_fails). */
static void put_v(ddbxo_client *c, const char *pk, int v, int bad)
{
    char item[256];
    snprintf(item, sizeof item,
             "{\"pk\":{\"S\":\"%s\"},\"v\":{\"N\":\"%d\"}%s}", pk, v,
             bad == 1   ? ",\"bad\":{\"BOOL\":true}"
             : bad == 2 ? ",\"nokey\":{\"BOOL\":true}"
             : bad == 3 ? ",\"skip\":{\"BOOL\":true}"
                        : "");
    tu_put(c, SRC, item);
}

static void del(ddbxo_client *c, const char *pk)
{
    char key[128];
    snprintf(key, sizeof key, "{\"pk\":{\"S\":\"%s\"}}", pk);
    tu_delete(c, SRC, key);
}

static ddbxo_applier *mk_applier(ddbxo_client *c, const ddbxo_apply_config *cfg)
{
    ddbxo_error err;
    ddbxo_applier *a = ddbxo_applier_new(c, cfg, &err);
    ck_assert_msg(a != NULL, "applier: %s", err.message);
    return a;
}

static ddbxo_event *parse(const char *text)
{
    ddbxo_error err;
    ddbxo_event *ev = ddbxo_parse_stream_event(text, strlen(text), &err);
    ck_assert_msg(ev != NULL, "event: %s", err.message);
    return ev;
}

static ddbxo_batch_result *apply(ddbxo_applier *a, const ddbxo_event *ev,
                                 int64_t deadline_ms)
{
    ddbxo_error err;
    ddbxo_apply_options opt;
    memset(&opt, 0, sizeof opt);
    opt.deadline_ms = deadline_ms;
    ddbxo_batch_result *r = ddbxo_process_batch(a, ev, &opt, &err);
    ck_assert_msg(r != NULL, "batch: %s", err.message);
    ck_assert_uint_eq(ddbxo_batch_result_count(r), ddbxo_event_count(ev));
    return r;
}

static const char *seq(const ddbxo_event *ev, size_t i)
{
    const ddbxo_record *r = ddbxo_event_record(ev, i);
    ck_assert_ptr_nonnull(r);
    return ddbxo_record_sequence_number(r);
}

static void expect_outcomes(const ddbxo_batch_result *r, const int *want,
                            size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ddbxo_error *e = ddbxo_batch_result_error(r, i);
        ck_assert_msg(ddbxo_batch_result_outcome(r, i) == want[i],
                      "record %zu: %s, want %s (%s)", i,
                      ddbxo_outcome_name(ddbxo_batch_result_outcome(r, i)),
                      ddbxo_outcome_name(want[i]), e ? e->message : "");
    }
}

/* {"batchItemFailures":[...]} built from the seqs given. */
static void expect_response(const ddbxo_batch_result *r,
                            const char *const *seqs, size_t n)
{
    size_t cap = 64 + n * 96, k;
    char *want = malloc(cap);
    ck_assert_ptr_nonnull(want);
    k = (size_t)snprintf(want, cap, "{\"batchItemFailures\":[");
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(want + k, cap - k,
                              "%s{\"itemIdentifier\":\"%s\"}", i ? "," : "",
                              seqs[i]);
    snprintf(want + k, cap - k, "]}");
    size_t len = 0;
    const char *got = ddbxo_batch_result_response(r, &len);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(len, strlen(want));
    free(want);
}

/* Target item pk (new reference, NULL when absent). */
static json_t *get(ddbxo_client *c, const char *table, const char *pk)
{
    char key[128];
    snprintf(key, sizeof key, "{\"pk\":{\"S\":\"%s\"}}", pk);
    return tu_get(c, table, key);
}

/* The N value v of target item pk, or -1 when absent. */
static int target_v(ddbxo_client *c, const char *table, const char *pk)
{
    json_t *it = get(c, table, pk);
    int v = -1;
    if (it) {
        const char *n = json_string_value(tu_json_at(it, "v.N"));
        ck_assert_ptr_nonnull(n);
        v = atoi(n);
    }
    json_decref(it);
    return v;
}

static size_t count_items(ddbxo_client *c, const char *table)
{
    json_t *all = tu_scan(c, table);
    size_t n = json_array_size(all);
    json_decref(all);
    return n;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static faultsrv *slow_proxy(int delay_ms)
{
    char msg[256];
    faultsrv *fs = faultsrv_start(msg, sizeof msg);
    ck_assert_msg(fs != NULL, "faultsrv: %s", msg);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_FORWARD;
    a.delay_ms = delay_ms;
    faultsrv_set_default(fs, a);
    return fs;
}

/* Transform: the new image (REMOVE: delete the keys), but a record whose
 * image has "bad" fails, as a user's callback would, one with "skip" is
 * skipped (FILTERED), and one with "nokey" loses its key attribute: a
 * write only DynamoDB can refuse (the library does not know the target's
 * key schema). */
static int bad_fails(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                     ddbxo_error *err)
{
    (void)ctx;
    const json_t *img = ddbxo__record_new_json(rec);
    if (ddbxo_record_event_name(rec) == DDBXO_EVENT_REMOVE)
        return ddbxo__writes_delete_json(
            out, NULL, json_deep_copy(ddbxo__record_keys_json(rec)), err);
    if (json_object_get(img, "bad")) {
        ddbxo_error_clear(err);
        snprintf(err->message, sizeof err->message,
                 "test transform: record marked bad");
        err->code = DDBXO_E_INVALID;
        return -1;
    }
    if (json_object_get(img, "skip"))
        return 0;
    json_t *item = json_deep_copy(img);
    if (json_object_get(img, "nokey")) {
        json_object_del(item, "pk");
        json_object_set_new(item, "id", json_pack("{s:s}", "S", "lost"));
    }
    return ddbxo__writes_put_json(out, NULL, item, err);
}

/* Transform: 99 puts per record ({pk: "<source pk>#k", k: k}): with the
 * ledger item, a 100-action transaction. */
static int ninety_nine(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                       ddbxo_error *err)
{
    (void)ctx;
    const char *pk = json_string_value(
        tu_json_at(ddbxo__record_keys_json(rec), "pk.S"));
    for (int k = 0; k < DDBXO_MAX_WRITES; k++) {
        char pkk[128], kk[16];
        snprintf(pkk, sizeof pkk, "%s#%d", pk ? pk : "?", k);
        snprintf(kk, sizeof kk, "%d", k);
        json_t *item = json_pack("{s:{s:s},s:{s:s}}", "pk", "S", pkk, "k",
                                 "N", kk);
        if (ddbxo__writes_put_json(out, NULL, item, err) != 0)
            return -1;
    }
    return 0;
}

static ddbxo_transform *callback(ddbxo_transform_fn fn)
{
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_new(fn, NULL, &err);
    ck_assert_msg(t != NULL, "%s", err.message);
    return t;
}

/* ------------------------------------------------------------------ */
/* tests                                                                */
/* ------------------------------------------------------------------ */

/* Five records of two items: the last record of each item is written,
 * the others are COALESCED into it; without coalescing every record is
 * applied, in order, to the same end state. */
START_TEST(same_item_coalesces_to_last_image)
{
    ddbxo_client *c = tu_moto_client();
    mk_src(c);
    mk_table(c, "dst");
    mk_table(c, "dst2");
    put_v(c, "a", 1, 0);
    put_v(c, "a", 2, 0);
    put_v(c, "b", 1, 0);
    put_v(c, "a", 3, 0);
    del(c, "b");
    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);
    ck_assert_uint_eq(ddbxo_event_count(ev), 5);

    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    static const int want[] = { DDBXO_COALESCED, DDBXO_COALESCED,
                                DDBXO_COALESCED, DDBXO_APPLIED,
                                DDBXO_APPLIED };
    expect_outcomes(r, want, 5);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_APPLIED), 2);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_COALESCED), 3);
    ck_assert_uint_eq(ddbxo_batch_result_failed(r), 0);
    expect_response(r, NULL, 0);
    ck_assert_str_eq(ddbxo_batch_result_summary(r, NULL),
                     "{\"records\":5,\"applied\":2,\"duplicate\":0,"
                     "\"stale\":0,\"superseded\":0,\"coalesced\":3,"
                     "\"filtered\":0,\"parked\":0,\"failed\":0,"
                     "\"batchItemFailures\":[]}");

    /* The last image won, guarded by the last record's sequence number. */
    json_t *ia = get(c, "dst", "a");
    ck_assert_ptr_nonnull(ia);
    ck_assert_str_eq(json_string_value(tu_json_at(ia, "v.N")), "3");
    char padded[DDBXO_SEQ_BUFSIZE];
    ck_assert_int_eq(ddbxo_seq_pad(seq(ev, 3), padded, NULL), 0);
    ck_assert_str_eq(json_string_value(tu_json_at(ia, DDBXO__ATTR_SEQ ".S")),
                     padded);
    json_decref(ia);
    json_t *ib = get(c, "dst", "b");   /* a tombstone, not the old image */
    ck_assert_ptr_nonnull(ib);
    ck_assert(json_is_true(tu_json_at(ib, DDBXO__ATTR_DELETED ".BOOL")));
    ck_assert_ptr_null(json_object_get(ib, "v"));
    json_decref(ib);
    ck_assert_uint_eq(count_items(c, "dst"), 2);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);

    /* no_coalesce: all five applied, in order (an earlier record applied
     * after a later one would have been refused as STALE). */
    cfg.target_table = "dst2";
    cfg.no_coalesce = 1;
    a = mk_applier(c, &cfg);
    r = apply(a, ev, 0);
    static const int all[] = { DDBXO_APPLIED, DDBXO_APPLIED, DDBXO_APPLIED,
                               DDBXO_APPLIED, DDBXO_APPLIED };
    expect_outcomes(r, all, 5);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_APPLIED), 5);
    expect_response(r, NULL, 0);
    char *s1 = tu_snapshot(c, "dst"), *s2 = tu_snapshot(c, "dst2");
    ck_assert_str_eq(s1, s2);
    free(s1);
    free(s2);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* Items x and y; x's second record fails in the transform.  Replicate
 * (coalescing): x1 is flushed and applied before x2 fails, x3 is not
 * attempted; ledger (one step per record): the same, record by record.
 * y is applied in full either way. */
START_TEST(item_stops_at_its_first_failure)
{
    ddbxo_client *c = tu_moto_client();
    mk_src(c);
    mk_table(c, "dst");
    mk_table(c, "dst3");
    mk_table(c, "ledger");
    put_v(c, "x", 1, 0);
    put_v(c, "y", 1, 0);
    put_v(c, "x", 2, 1);
    put_v(c, "y", 2, 0);
    put_v(c, "x", 3, 0);
    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);
    ddbxo_transform *t = callback(bad_fails);

    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    cfg.transform = t;
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    static const int want[] = { DDBXO_APPLIED, DDBXO_COALESCED,
                                DDBXO_FAILED_PERMANENT, DDBXO_APPLIED,
                                DDBXO_FAILED_RETRYABLE };
    expect_outcomes(r, want, 5);
    const char *failed[] = { seq(ev, 2), seq(ev, 4) };
    expect_response(r, failed, 2);
    ck_assert_ptr_nonnull(strstr(ddbxo_batch_result_error(r, 2)->message,
                                 "marked bad"));
    const ddbxo_error *e4 = ddbxo_batch_result_error(r, 4);
    ck_assert_ptr_nonnull(strstr(e4->message, "not attempted"));
    ck_assert_ptr_nonnull(strstr(e4->message, seq(ev, 2)));
    ck_assert_int_eq(e4->retryable, 1);
    ck_assert_uint_eq(ddbxo_batch_result_failed(r), 2);
    ck_assert_int_eq(target_v(c, "dst", "x"), 1);
    ck_assert_int_eq(target_v(c, "dst", "y"), 2);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);

    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.target_table = "dst3";
    cfg.ledger_table = "ledger";
    a = mk_applier(c, &cfg);
    r = apply(a, ev, 0);
    static const int want_l[] = { DDBXO_APPLIED, DDBXO_APPLIED,
                                  DDBXO_FAILED_PERMANENT, DDBXO_APPLIED,
                                  DDBXO_FAILED_RETRYABLE };
    expect_outcomes(r, want_l, 5);
    expect_response(r, failed, 2);
    ck_assert_int_eq(target_v(c, "dst3", "x"), 1);
    ck_assert_int_eq(target_v(c, "dst3", "y"), 2);
    ck_assert_uint_eq(count_items(c, "ledger"), 3);   /* x1, y1, y2 */
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);

    ddbxo_transform_free(t);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* With a park queue the bad record is parked with its payload and the
 * item goes on: x ends at v3, nothing is reported failed. */
START_TEST(failed_record_parks_and_item_goes_on)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_error err;
    mk_src(c);
    mk_table(c, "dst");
    put_v(c, "x", 1, 0);
    put_v(c, "y", 1, 0);
    put_v(c, "x", 2, 1);
    put_v(c, "y", 2, 0);
    put_v(c, "x", 3, 0);
    json_t *q = NULL;
    ck_assert_msg(tu_sqs_create_queue(c, "park", NULL, 0, &q, &err) == 0,
                  "%s", err.message);
    char *url = strdup(json_string_value(json_object_get(q, "QueueUrl")));
    json_decref(q);

    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);
    ddbxo_transform *t = callback(bad_fails);
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    cfg.transform = t;
    cfg.park_queue_url = url;
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    static const int want[] = { DDBXO_APPLIED, DDBXO_COALESCED,
                                DDBXO_PARKED, DDBXO_APPLIED, DDBXO_APPLIED };
    expect_outcomes(r, want, 5);
    ck_assert_ptr_nonnull(strstr(ddbxo_batch_result_error(r, 2)->message,
                                 "marked bad"));
    ck_assert_uint_eq(ddbxo_batch_result_failed(r), 0);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_PARKED), 1);
    expect_response(r, NULL, 0);
    ck_assert_int_eq(target_v(c, "dst", "x"), 3);
    ck_assert_int_eq(target_v(c, "dst", "y"), 2);

    /* The queue holds exactly the parked record. */
    json_t *m = NULL;
    ck_assert_msg(ddbxo__sqs_receive_message(c, url, 10, 0, NULL, 0, &m,
                                             &err) == 0, "%s", err.message);
    json_t *msgs = json_object_get(m, "Messages");
    ck_assert_uint_eq(json_array_size(msgs), 1);
    const char *body =
        json_string_value(json_object_get(json_array_get(msgs, 0), "Body"));
    json_t *pj = tu_json(body);
    ck_assert_str_eq(json_string_value(
                         tu_json_at(pj, "record.dynamodb.SequenceNumber")),
                     seq(ev, 2));
    json_decref(pj);
    json_decref(m);

    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    ddbxo_event_free(ev);
    free(text);
    free(url);
    tu_client_free(c);
}
END_TEST

/* z1 and z2 are coalesced into z3, which DynamoDB refuses: all three
 * fail with z3's error (none may be reported done); with a park queue
 * all three are parked.  f2, skipped by the transform between f1 and f3
 * (refused), is after the failed f1, so it is not done either; g2 is
 * FILTERED inside a run that succeeds.  w is applied either way. */
START_TEST(coalesced_records_share_the_failure)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_error err;
    mk_src(c);
    mk_table(c, "dst");
    mk_table(c, "dst2");
    put_v(c, "z", 1, 0);
    put_v(c, "z", 2, 0);
    put_v(c, "w", 1, 0);
    put_v(c, "z", 3, 2);
    put_v(c, "f", 1, 0);    /* 4 */
    put_v(c, "f", 2, 3);
    put_v(c, "g", 1, 0);    /* 6 */
    put_v(c, "g", 2, 3);
    put_v(c, "f", 3, 2);    /* 8 */
    put_v(c, "g", 3, 0);
    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);
    ck_assert_uint_eq(ddbxo_event_count(ev), 10);
    ddbxo_transform *t = callback(bad_fails);
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    cfg.transform = t;
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    static const int want[] = {
        DDBXO_FAILED_PERMANENT, DDBXO_FAILED_PERMANENT, DDBXO_APPLIED,
        DDBXO_FAILED_PERMANENT, DDBXO_FAILED_PERMANENT,
        DDBXO_FAILED_RETRYABLE, DDBXO_COALESCED, DDBXO_FILTERED,
        DDBXO_FAILED_PERMANENT, DDBXO_APPLIED };
    expect_outcomes(r, want, 10);
    const char *failed[] = { seq(ev, 0), seq(ev, 1), seq(ev, 3),
                             seq(ev, 4), seq(ev, 5), seq(ev, 8) };
    expect_response(r, failed, 6);
    ck_assert_str_eq(ddbxo_batch_result_error(r, 0)->message,
                     ddbxo_batch_result_error(r, 3)->message);
    ck_assert_ptr_nonnull(
        strstr(ddbxo_batch_result_error(r, 5)->message, seq(ev, 4)));
    ck_assert_int_eq(target_v(c, "dst", "z"), -1);
    ck_assert_int_eq(target_v(c, "dst", "f"), -1);
    ck_assert_int_eq(target_v(c, "dst", "w"), 1);
    ck_assert_int_eq(target_v(c, "dst", "g"), 3);
    ck_assert_uint_eq(count_items(c, "dst"), 2);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);

    json_t *q = NULL;
    ck_assert_msg(tu_sqs_create_queue(c, "park", NULL, 0, &q, &err) == 0,
                  "%s", err.message);
    char *url = strdup(json_string_value(json_object_get(q, "QueueUrl")));
    json_decref(q);
    cfg.target_table = "dst2";
    cfg.park_queue_url = url;
    a = mk_applier(c, &cfg);
    r = apply(a, ev, 0);
    static const int parked[] = {
        DDBXO_PARKED, DDBXO_PARKED, DDBXO_APPLIED, DDBXO_PARKED,
        DDBXO_PARKED, DDBXO_FILTERED, DDBXO_COALESCED, DDBXO_FILTERED,
        DDBXO_PARKED, DDBXO_APPLIED };
    expect_outcomes(r, parked, 10);
    expect_response(r, NULL, 0);
    ck_assert_int_eq(target_v(c, "dst2", "z"), -1);
    ck_assert_int_eq(target_v(c, "dst2", "g"), 3);
    ck_assert_uint_eq(count_items(c, "dst2"), 2);
    json_t *m = NULL;
    ck_assert_msg(ddbxo__sqs_receive_message(c, url, 10, 0, NULL, 0, &m,
                                             &err) == 0, "%s", err.message);
    ck_assert_uint_eq(json_array_size(json_object_get(m, "Messages")), 5);
    json_decref(m);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);

    free(url);
    ddbxo_transform_free(t);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* A real event with two records edited by hand: record 1's Keys are not
 * a map (its seq is reported), record 2 lost its SequenceNumber (the
 * batch's lowest is reported, so the ESM resumes at the start).  The
 * other records are applied. */
START_TEST(malformed_record_fails_by_seq)
{
    ddbxo_client *c = tu_moto_client();
    mk_src(c);
    mk_table(c, "dst");
    put_v(c, "p0", 0, 0);
    put_v(c, "p1", 1, 0);
    put_v(c, "p2", 2, 0);
    put_v(c, "p3", 3, 0);
    char *text = tu_stream_event(c, SRC, 0, 0);
    json_t *j = tu_json(text);
    json_t *recs = json_object_get(j, "Records");
    char s0[64], s1[64];
    snprintf(s0, sizeof s0, "%s", json_string_value(tu_json_at(
                 json_array_get(recs, 0), "dynamodb.SequenceNumber")));
    snprintf(s1, sizeof s1, "%s", json_string_value(tu_json_at(
                 json_array_get(recs, 1), "dynamodb.SequenceNumber")));
    json_object_set_new(
        json_object_get(json_array_get(recs, 1), "dynamodb"), "Keys",
        json_string("pk=p1"));
    json_object_del(json_object_get(json_array_get(recs, 2), "dynamodb"),
                    "SequenceNumber");
    char *edited = json_dumps(j, JSON_COMPACT);
    json_decref(j);

    ddbxo_event *ev = parse(edited);
    ck_assert_uint_eq(ddbxo_event_failed_count(ev), 2);
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    static const int want[] = { DDBXO_APPLIED, DDBXO_FAILED_PERMANENT,
                                DDBXO_FAILED_PERMANENT, DDBXO_APPLIED };
    expect_outcomes(r, want, 4);
    const ddbxo_error *e1 = ddbxo_batch_result_error(r, 1);
    ck_assert_ptr_nonnull(e1);
    ck_assert_msg(strstr(e1->path, "Records[1]") != NULL, "path %s", e1->path);
    ck_assert_int_eq(e1->retryable, 0);
    const char *failed[] = { s1, s0 };
    expect_response(r, failed, 2);
    ck_assert_int_eq(target_v(c, "dst", "p0"), 0);
    ck_assert_int_eq(target_v(c, "dst", "p1"), -1);
    ck_assert_int_eq(target_v(c, "dst", "p2"), -1);
    ck_assert_int_eq(target_v(c, "dst", "p3"), 3);
    ck_assert_uint_eq(count_items(c, "dst"), 2);

    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_event_free(ev);
    free(edited);
    free(text);
    tu_client_free(c);
}
END_TEST

/* DynamoDB behind a 250 ms proxy, 12 items two at a time, a deadline
 * 700 ms away: the batch stops starting work at the deadline, reports
 * every record it did not apply, and a second delivery without a
 * deadline ends where one clean run ends. */
START_TEST(deadline_stops_new_work_and_reports_the_rest)
{
    enum { N = 12, WIDTH = 2 };
    ddbxo_client *c = tu_moto_client();
    mk_src(c);
    mk_table(c, "dst");
    mk_table(c, "clean");
    for (int i = 0; i < N; i++) {
        char pk[16];
        snprintf(pk, sizeof pk, "k%02d", i);
        put_v(c, pk, i, 0);
    }
    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);

    faultsrv *fs = slow_proxy(250);
    ddbxo_client *slow = tu_client_at(faultsrv_url(fs));
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    cfg.max_inflight = WIDTH;
    ddbxo_applier *a = mk_applier(slow, &cfg);
    ddbxo_batch_result *r = apply(a, ev, now_ms() + 700);

    size_t applied = ddbxo_batch_result_tally(r, DDBXO_APPLIED);
    size_t failed = ddbxo_batch_result_failed(r);
    ck_assert_uint_eq(applied + failed, N);
    ck_assert_uint_ge(failed, 1);   /* 12 x 250 ms / 2 lanes >> 700 ms */
    /* Every record not applied is reported, retryable, in stream order. */
    json_t *resp = tu_json(ddbxo_batch_result_response(r, NULL));
    json_t *list = json_object_get(resp, "batchItemFailures");
    ck_assert_uint_eq(json_array_size(list), failed);
    size_t k = 0;
    for (size_t i = 0; i < N; i++) {
        int oc = ddbxo_batch_result_outcome(r, i);
        if (oc == DDBXO_APPLIED)
            continue;
        ck_assert_int_eq(oc, DDBXO_FAILED_RETRYABLE);
        ck_assert_str_eq(json_string_value(json_object_get(
                             json_array_get(list, k++), "itemIdentifier")),
                         seq(ev, i));
    }
    json_decref(resp);
    /* Nothing started after the deadline: each request either ended in
     * an APPLIED record or was one of at most WIDTH in flight then. */
    faultsrv_stats st;
    faultsrv_get_stats(fs, &st);
    ck_assert_uint_le(st.requests, applied + WIDTH);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    faultsrv_stop(fs);   /* a timed-out request may still reach moto */

    /* What the target holds: the applied records, plus at most the ones
     * that were in flight at the deadline (ambiguous: sent, no answer). */
    size_t have = count_items(c, "dst");
    ck_assert_uint_ge(have, applied);
    ck_assert_uint_le(have, applied + WIDTH);

    /* The ESM delivers the batch again. */
    a = mk_applier(c, &cfg);
    r = apply(a, ev, 0);
    ck_assert_uint_eq(ddbxo_batch_result_failed(r), 0);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_APPLIED) +
                          ddbxo_batch_result_tally(r, DDBXO_DUPLICATE),
                      N);
    ck_assert_uint_ge(ddbxo_batch_result_tally(r, DDBXO_DUPLICATE), applied);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);

    cfg.target_table = "clean";
    a = mk_applier(c, &cfg);
    r = apply(a, ev, 0);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_APPLIED), N);
    char *s1 = tu_snapshot(c, "dst"), *s2 = tu_snapshot(c, "clean");
    ck_assert_str_eq(s1, s2);
    free(s1);
    free(s2);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);

    tu_client_free(slow);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* Ledger mode, a callback producing 99 writes: one record is one
 * 100-action transaction (99 target items and the ledger item). */
START_TEST(hundred_action_transaction)
{
    ddbxo_client *c = tu_moto_client();
    mk_src(c);
    mk_table(c, "dst");
    mk_table(c, "ledger");
    put_v(c, "t", 1, 0);
    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);
    ddbxo_transform *t = callback(ninety_nine);
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.target_table = "dst";
    cfg.ledger_table = "ledger";
    cfg.transform = t;
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    static const int want[] = { DDBXO_APPLIED };
    expect_outcomes(r, want, 1);
    ck_assert_uint_eq(count_items(c, "dst"), DDBXO_MAX_WRITES);
    ck_assert_uint_eq(count_items(c, "ledger"), 1);
    json_t *it = get(c, "dst", "t#98");
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(json_string_value(tu_json_at(it, "k.N")), "98");
    json_decref(it);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* 24 items with max_inflight 2 through a 100 ms proxy: everything is
 * applied, never more than two requests were in progress, and the two
 * connections were kept alive for the whole batch. */
START_TEST(concurrency_is_bounded)
{
    enum { N = 24, WIDTH = 2 };
    ddbxo_client *c = tu_moto_client();
    mk_src(c);
    mk_table(c, "dst");
    for (int i = 0; i < N; i++) {
        char pk[16];
        snprintf(pk, sizeof pk, "k%02d", i);
        put_v(c, pk, i, 0);
    }
    put_v(c, "k00", 100, 0);    /* one item with two records */
    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);

    faultsrv *fs = slow_proxy(100);
    ddbxo_client *slow = tu_client_at(faultsrv_url(fs));
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    cfg.max_inflight = WIDTH;
    cfg.no_coalesce = 1;
    ddbxo_applier *a = mk_applier(slow, &cfg);
    ddbxo__http_stats before, after;
    ddbxo__http_stats_get(ddbxo__client_http(slow), &before);
    ddbxo_batch_result *r = apply(a, ev, 0);
    ddbxo__http_stats_get(ddbxo__client_http(slow), &after);

    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_APPLIED), N + 1);
    expect_response(r, NULL, 0);
    faultsrv_stats st;
    faultsrv_get_stats(fs, &st);
    ck_assert_uint_eq(st.requests, N + 1);
    ck_assert_uint_le(st.max_concurrent, WIDTH);
    ck_assert_uint_ge(st.max_concurrent, 2);   /* items did overlap */
    ck_assert_uint_le(st.connections, WIDTH);
    ck_assert_uint_le(after.connects - before.connects, WIDTH);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    faultsrv_stop(fs);

    ck_assert_uint_eq(count_items(c, "dst"), N);
    ck_assert_int_eq(target_v(c, "dst", "k00"), 100);
    ck_assert_int_eq(target_v(c, "dst", "k23"), 23);
    tu_client_free(slow);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* A synthetic event in moto's record shape: n records over `items` items
 * (record i is item i % items, v = i), sequence numbers ascending. */
static char *synthetic_event(size_t n, size_t items)
{
    json_t *recs = json_array();
    for (size_t i = 0; i < n; i++) {
        char pk[32], v[32], sq[32];
        snprintf(pk, sizeof pk, "k%zu", i % items);
        snprintf(v, sizeof v, "%zu", i);
        snprintf(sq, sizeof sq, "11000000000%011zu", (size_t)17454423 + i);
        json_array_append_new(
            recs,
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:f,s:s,s:i,s:s,"
                      "s:{s:{s:s}},s:{s:{s:s},s:{s:s}}}}",
                      "eventID", "e", "eventName", "INSERT", "eventSource",
                      "aws:dynamodb", "eventVersion", "1.0", "awsRegion",
                      "us-east-1", "eventSourceARN",
                      "arn:aws:dynamodb:us-east-1:123456789012:table/src/"
                      "stream/2024-01-01T00:00:00.000",
                      "dynamodb", "ApproximateCreationDateTime",
                      1795794214.803, "SequenceNumber", sq, "SizeBytes", 60,
                      "StreamViewType", "NEW_AND_OLD_IMAGES", "Keys", "pk",
                      "S", pk, "NewImage", "pk", "S", pk, "v", "N", v));
    }
    json_t *ev = json_pack("{s:o}", "Records", recs);
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    return text;
}

/* 10,000 records of 500 items (Lambda's largest batch): each item ends at
 * its last image, the other 9,500 records are coalesced. */
START_TEST(ten_thousand_records)
{
    ddbxo_client *c = tu_moto_client();
    mk_table(c, "dst");
    char *text = synthetic_event(10000, 500);
    ddbxo_event *ev = parse(text);
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    cfg.max_inflight = 8;
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_APPLIED), 500);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_COALESCED), 9500);
    expect_response(r, NULL, 0);
    ck_assert_uint_eq(count_items(c, "dst"), 500);
    ck_assert_int_eq(target_v(c, "dst", "k0"), 9500);
    ck_assert_int_eq(target_v(c, "dst", "k499"), 9999);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* A deadline already past: nothing is sent, every record is reported
 * (retryable, "deadline"), in stream order. */
START_TEST(deadline_already_past)
{
    ddbxo_client *c = tu_moto_client();
    char *text = synthetic_event(300, 7);
    ddbxo_event *ev = parse(text);
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo__http_stats before, after;
    ddbxo__http_stats_get(ddbxo__client_http(c), &before);
    ddbxo_batch_result *r = apply(a, ev, now_ms() - 1);
    ddbxo__http_stats_get(ddbxo__client_http(c), &after);
    ck_assert_uint_eq(after.calls, before.calls);
    ck_assert_uint_eq(ddbxo_batch_result_tally(r, DDBXO_FAILED_RETRYABLE),
                      300);
    const char *seqs[300];
    for (size_t i = 0; i < 300; i++) {
        seqs[i] = seq(ev, i);
        ck_assert_int_eq(ddbxo_batch_result_outcome(r, i),
                         DDBXO_FAILED_RETRYABLE);
        ck_assert_ptr_nonnull(
            strstr(ddbxo_batch_result_error(r, i)->message, "deadline"));
    }
    expect_response(r, seqs, 300);
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

typedef struct logbuf {
    char lines[16][512];
    int n;
} logbuf;

static void collect(void *ctx, int level, const char *msg)
{
    logbuf *lb = ctx;
    if (level == DDBXO_LOG_WARN && lb->n < 16)
        snprintf(lb->lines[lb->n++], sizeof lb->lines[0], "%s", msg);
}

/* One WARN line per failed record, naming position, seq, outcome and
 * reason, never the record's contents. */
START_TEST(failures_are_logged_without_payload)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_error err;
    mk_src(c);
    mk_table(c, "dst");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"x\"},\"bad\":{\"BOOL\":true},"
                   "\"note\":{\"S\":\"payload-secret-77\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"x\"},"
                   "\"note\":{\"S\":\"payload-secret-78\"}}");
    char *text = tu_stream_event(c, SRC, 0, 0);
    ddbxo_event *ev = parse(text);

    static logbuf lb;
    ddbxo_credentials_provider *p =
        ddbxo_credentials_provider_static(TU_AKID, TU_SECRET, NULL, &err);
    ck_assert_ptr_nonnull(p);
    ddbxo_client_config cc;
    memset(&cc, 0, sizeof cc);
    cc.region = TU_REGION;
    cc.endpoint_dynamodb = cc.endpoint_streams = cc.endpoint_sqs =
        tu_moto_endpoint(tu_moto_get());
    cc.credentials = p;
    cc.log = collect;
    cc.log_ctx = &lb;
    ddbxo_client *lc = ddbxo_client_new(&cc, &err);
    ck_assert_msg(lc != NULL, "%s", err.message);

    ddbxo_transform *t = callback(bad_fails);
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    cfg.transform = t;
    ddbxo_applier *a = mk_applier(lc, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    static const int want[] = { DDBXO_FAILED_PERMANENT,
                                DDBXO_FAILED_RETRYABLE };
    expect_outcomes(r, want, 2);
    ck_assert_int_eq(target_v(c, "dst", "x"), -1);
    ck_assert_uint_eq(count_items(c, "dst"), 0);

    ck_assert_int_eq(lb.n, 2);
    char head[128];
    snprintf(head, sizeof head, "batch: record 0 seq %s: FAILED_PERMANENT: ",
             seq(ev, 0));
    ck_assert_msg(strncmp(lb.lines[0], head, strlen(head)) == 0, "%s",
                  lb.lines[0]);
    snprintf(head, sizeof head, "batch: record 1 seq %s: FAILED_RETRYABLE: ",
             seq(ev, 1));
    ck_assert_msg(strncmp(lb.lines[1], head, strlen(head)) == 0, "%s",
                  lb.lines[1]);
    for (int i = 0; i < lb.n; i++)
        ck_assert_msg(strstr(lb.lines[i], "payload-secret") == NULL, "%s",
                      lb.lines[i]);

    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_client_free(lc);
    ddbxo_credentials_provider_free(p);
    ddbxo_transform_free(t);
    ddbxo_event_free(ev);
    free(text);
    tu_client_free(c);
}
END_TEST

/* The result object alone: bad arguments, out-of-range reads. */
START_TEST(bad_arguments)
{
    ddbxo_error err;
    ck_assert_ptr_null(ddbxo_process_batch(NULL, NULL, NULL, &err));
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_uint_eq(ddbxo_batch_result_count(NULL), 0);
    ck_assert_int_eq(ddbxo_batch_result_outcome(NULL, 0), 0);
    ck_assert_ptr_null(ddbxo_batch_result_error(NULL, 0));
    ck_assert_uint_eq(ddbxo_batch_result_tally(NULL, DDBXO_APPLIED), 0);
    ddbxo_batch_result_free(NULL);
}
END_TEST

/* An event without records: nothing to do, an empty failure list. */
START_TEST(empty_event)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_event *ev = parse("{\"Records\":[]}");
    ddbxo_apply_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.target_table = "dst";
    ddbxo_applier *a = mk_applier(c, &cfg);
    ddbxo_batch_result *r = apply(a, ev, 0);
    ck_assert_uint_eq(ddbxo_batch_result_count(r), 0);
    ck_assert_int_eq(ddbxo_batch_result_outcome(r, 0), 0);
    expect_response(r, NULL, 0);
    ck_assert_str_eq(ddbxo_batch_result_summary(r, NULL),
                     "{\"records\":0,\"applied\":0,\"duplicate\":0,"
                     "\"stale\":0,\"superseded\":0,\"coalesced\":0,"
                     "\"filtered\":0,\"parked\":0,\"failed\":0,"
                     "\"batchItemFailures\":[]}");
    ddbxo_batch_result_free(r);
    ddbxo_applier_free(a);
    ddbxo_event_free(ev);
    tu_client_free(c);
}
END_TEST

static Suite *batch_suite(void)
{
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("moto");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_add_test(tc, same_item_coalesces_to_last_image);
    tcase_add_test(tc, item_stops_at_its_first_failure);
    tcase_add_test(tc, failed_record_parks_and_item_goes_on);
    tcase_add_test(tc, coalesced_records_share_the_failure);
    tcase_add_test(tc, malformed_record_fails_by_seq);
    tcase_add_test(tc, deadline_stops_new_work_and_reports_the_rest);
    tcase_add_test(tc, hundred_action_transaction);
    tcase_add_test(tc, concurrency_is_bounded);
    tcase_add_test(tc, empty_event);
    tcase_add_test(tc, ten_thousand_records);
    tcase_add_test(tc, deadline_already_past);
    tcase_add_test(tc, failures_are_logged_without_payload);
    suite_add_tcase(s, tc);

    tc = tcase_create("result");
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(batch_suite)
