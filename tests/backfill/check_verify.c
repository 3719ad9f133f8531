/* `ddbxo verify` as a user runs it, against moto: a replica corrupted on
 * purpose is found exactly, class by class, with the keys; --repair fixes
 * what it may (extras only with --repair-extra) and the next verify is
 * clean; a difference that is a write in flight resolves on the second
 * look; the aggregate is compared group by group.  The repair's guards
 * are also driven directly: a repair never overwrites what the stream
 * applied after verify looked. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clirun.h"
#include "ddbtest.h"
#include "fakeenv.h"
#include "moto.h"
#include "testutil.h"
#include "backfill/verify.h"

#define SRC "src"
#define DST "dst"
#define AGG "agg"
#define LEDGER "ledger"
#define ITEMS 60
/* A padded sequence number "the stream" stored (docs/exactly-once.md). */
#define SEQ_100 "0000000000000000000000000000000000000100"
#define SEQ_200 "0000000000000000000000000000000000000200"

typedef tu_cli_proc proc;
typedef tu_cli_result result;

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* `ddbxo CMD --source-table SRC --target-table target` + args. */
static void spawn(proc *p, const char *cmd, const char *target,
                  const char *const *args)
{
    tu_cli_spawn_pair(p, cmd, SRC, target, args);
}

static void run_cmd(const char *cmd, const char *target,
                    const char *const *args, result *r)
{
    tu_cli_run_pair(cmd, SRC, target, args, r);
}

/* verify with no settle time, into r; the exit status must be `want`. */
static void verify(const char *target, const char *const *more, int want,
                   result *r)
{
    const char *args[12] = { "--settle-seconds", "0" };
    size_t n = 2;
    for (size_t i = 0; more && more[i]; i++)
        args[n++] = more[i];
    args[n] = NULL;
    run_cmd("verify", target, args, r);
    ck_assert_msg(r->status == want, "exit %d, want %d\n%s\n%s", r->status,
                  want, r->out, r->err);
    ck_assert_msg(r->summary != NULL, "no report: %s", r->out);
}

/* The sample keys of a class, as sorted "pk" strings joined by ','. */
static char *samples(const result *r, const char *cls)
{
    const json_t *list = json_object_get(json_object_get(r->summary, "samples"), cls), *k;
    char *keys[16], *out = calloc(1, 256);
    size_t i, n = json_array_size(list);
    ck_assert(n < 16);
    json_array_foreach(list, i, k)
        keys[i] = (char *)json_string_value(tu_json_at(k, "pk.S"));
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (strcmp(keys[a], keys[b]) > 0) {
                char *t = keys[a];
                keys[a] = keys[b];
                keys[b] = t;
            }
    for (i = 0; i < n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, keys[i]);
    }
    return out;
}

static void expect_class(const result *r, const char *cls, long n,
                         const char *keys)
{
    char *s = samples(r, cls);
    ck_assert_msg(tu_cli_count(r, cls) == n, "%s: %ld, want %ld\n%s", cls,
                  tu_cli_count(r, cls), n, r->out);
    ck_assert_str_eq(s, keys);
    free(s);
}

static long repaired(const result *r, const char *cls)
{
    return (long)json_integer_value(json_object_get(
        json_object_get(r->summary, "repaired"), cls));
}

/* A replica made by backfill from a source with a stream. */
static void replica(ddbxo_client *c)
{
    result r;
    tu_create_table(c, SRC, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    tu_put_many(c, SRC, 0, ITEMS);
    tu_enable_stream(c, SRC, "NEW_AND_OLD_IMAGES");
    run_cmd("backfill", DST, NULL, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_int_eq(tu_cli_count(&r, "applied"), ITEMS);
    tu_cli_result_free(&r);
}

/* ------------------------------------------------------------------ */

START_TEST(classes_found_exactly_then_repaired)
{
    ddbxo_client *c = tu_moto_client();
    json_t *it;
    result r;

    replica(c);
    verify(DST, NULL, 0, &r);
    ck_assert_int_eq(tu_cli_count(&r, "expected_items"), ITEMS);
    tu_cli_result_free(&r);

    /* missing: removed; different: written by hand, and written with the
     * stream's bookkeeping; extra: live without a source item; stale: an
     * old tombstone over a live source item.  Not differences: the
     * tombstone of an item the source lacks, an extra _ddbxo_ attribute. */
    tu_delete(c, DST, "{\"pk\":{\"S\":\"k001\"}}");
    tu_delete(c, DST, "{\"pk\":{\"S\":\"k002\"}}");
    tu_put(c, DST, "{\"pk\":{\"S\":\"k003\"},\"v\":{\"N\":\"999\"}}");
    tu_put(c, DST, "{\"pk\":{\"S\":\"k004\"},\"v\":{\"N\":\"4\"},\"grp\":{\"S\":\"g4\"},"
                   "\"amount\":{\"N\":\"4.05\"},\"_ddbxo_seq\":{\"S\":\"" SEQ_100 "\"}}");
    tu_put(c, DST, "{\"pk\":{\"S\":\"x001\"},\"v\":{\"N\":\"1\"}}");
    tu_put(c, DST, "{\"pk\":{\"S\":\"k005\"},\"_ddbxo_seq\":{\"S\":\"" SEQ_200 "\"},"
                   "\"_ddbxo_deleted\":{\"BOOL\":true},\"_ddbxo_exp\":{\"N\":\"1\"}}");
    tu_put(c, DST, "{\"pk\":{\"S\":\"x002\"},\"_ddbxo_seq\":{\"S\":\"" SEQ_200 "\"},"
                   "\"_ddbxo_deleted\":{\"BOOL\":true},\"_ddbxo_exp\":{\"N\":\"1\"}}");
    it = tu_get(c, DST, "{\"pk\":{\"S\":\"k006\"}}");
    json_object_set_new(it, "_ddbxo_note", json_pack("{s:s}", "S", "ops"));
    {
        char *t = json_dumps(it, JSON_COMPACT);
        tu_put(c, DST, t);
        free(t);
    }
    json_decref(it);

    verify(DST, NULL, 1, &r);
    expect_class(&r, "missing", 2, "k001,k002");
    expect_class(&r, "different", 2, "k003,k004");
    expect_class(&r, "extra", 1, "x001");
    expect_class(&r, "stale", 1, "k005");
    ck_assert_int_eq(tu_cli_count(&r, "differences"), 6);
    ck_assert_msg(strstr(r.err, "missing") && strstr(r.err, "\"k001\"") &&
                      strstr(r.err, "the target differs from f(source)"),
                  "%s", r.err);
    tu_cli_result_free(&r);

    /* --repair: everything but the extra */
    verify(DST, (const char *[]){ "--repair", NULL }, 1, &r);
    ck_assert_int_eq(repaired(&r, "missing"), 2);
    ck_assert_int_eq(repaired(&r, "different"), 2);
    ck_assert_int_eq(repaired(&r, "stale"), 1);
    ck_assert_int_eq(repaired(&r, "extra"), 0);
    ck_assert_int_eq(tu_cli_count(&r, "repair_refused"), 0);
    tu_cli_result_free(&r);
    /* A repair over the stream's state keeps its sequence number, so any
     * later record of the item still replaces it. */
    it = tu_get(c, DST, "{\"pk\":{\"S\":\"k005\"}}");
    ck_assert_str_eq(json_string_value(tu_json_at(it, "_ddbxo_seq.S")), SEQ_200);
    ck_assert_ptr_null(tu_json_at(it, "_ddbxo_deleted"));
    ck_assert_str_eq(json_string_value(tu_json_at(it, "v.N")), "5");
    json_decref(it);
    ck_assert_ptr_nonnull(it = tu_get(c, DST, "{\"pk\":{\"S\":\"x001\"}}"));
    json_decref(it);

    verify(DST, NULL, 1, &r);
    ck_assert_int_eq(tu_cli_count(&r, "differences"), 1);
    expect_class(&r, "extra", 1, "x001");
    tu_cli_result_free(&r);

    verify(DST, (const char *[]){ "--repair", "--repair-extra", NULL }, 1, &r);
    ck_assert_int_eq(repaired(&r, "extra"), 1);
    tu_cli_result_free(&r);
    ck_assert_ptr_null(tu_get(c, DST, "{\"pk\":{\"S\":\"x001\"}}"));

    verify(DST, NULL, 0, &r);
    ck_assert_int_eq(tu_cli_count(&r, "differences"), 0);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    tu_client_free(c);
}
END_TEST

/* A difference that is a write in flight is gone on the second look. */
START_TEST(settle_resolves_in_flight)
{
    ddbxo_client *c = tu_moto_client();
    json_t *it;
    char *text = NULL, *t;
    proc p;
    result r;

    replica(c);
    it = tu_get(c, DST, "{\"pk\":{\"S\":\"k007\"}}");
    tu_delete(c, DST, "{\"pk\":{\"S\":\"k007\"}}");
    spawn(&p, "verify", DST, (const char *[]){ "-v", "--settle-seconds", "3", NULL });
    /* verify says when it waits to look again: then the write lands */
    for (int i = 0; i < 3000; i++) {
        free(text);
        text = tu_read_file(p.err, NULL);
        if (text && strstr(text, "reading them again"))
            break;
        ck_assert_msg(kill(p.pid, 0) == 0, "verify ended: %s", text);
        nap_ms(10);
    }
    ck_assert_msg(text && strstr(text, "reading them again"), "%s", text);
    free(text);
    t = json_dumps(it, JSON_COMPACT);
    tu_put(c, DST, t);
    free(t);
    json_decref(it);
    tu_cli_finish(&p, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "differences"), 0);
    ck_assert_int_eq(tu_cli_count(&r, "resolved"), 1);
    ck_assert_int_eq((long)json_integer_value(tu_json_at(r.summary, "found.missing")), 1);
    tu_cli_result_free(&r);
    tu_client_free(c);
}
END_TEST

/* The repair's guards, driven directly with what verify read earlier:
 * nothing the stream wrote after that is overwritten. */
START_TEST(repair_yields_to_the_stream)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo__keyschema ks = { "pk", "" };
    ddbxo__verify_config cfg;
    ddbxo__repair_ctx rc;
    ddbxo_apply_config ac;
    ddbxo_error err;
    json_t *src, *seen, *now, *key;

    replica(c);
    memset(&cfg, 0, sizeof cfg);
    cfg.source_table = SRC;
    cfg.target_table = DST;
    cfg.repair = cfg.repair_extra = 1;
    memset(&ac, 0, sizeof ac);
    ac.target_table = DST;
    ac.source_table = SRC;
    memset(&rc, 0, sizeof rc);
    rc.c = c;
    rc.cfg = &cfg;
    rc.src_ks = rc.tgt_ks = &ks;
    ck_assert_ptr_nonnull(rc.ap = ddbxo_applier_new(c, &ac, &err));
    src = tu_get(c, SRC, "{\"pk\":{\"S\":\"k010\"}}");
    key = tu_json("{\"pk\":{\"S\":\"k010\"}}");

    /* verify saw k010 missing; the stream then wrote it: refused */
    tu_put(c, DST, "{\"pk\":{\"S\":\"k010\"},\"v\":{\"N\":\"77\"},"
                   "\"_ddbxo_seq\":{\"S\":\"" SEQ_100 "\"}}");
    ck_assert_int_eq(ddbxo__repair_one(&rc, DDBXO__V_MISSING, key, src, NULL, &err), 0);
    /* verify saw it at seq 100; the stream then wrote seq 200: refused */
    seen = tu_get(c, DST, "{\"pk\":{\"S\":\"k010\"}}");
    tu_put(c, DST, "{\"pk\":{\"S\":\"k010\"},\"v\":{\"N\":\"78\"},"
                   "\"_ddbxo_seq\":{\"S\":\"" SEQ_200 "\"}}");
    ck_assert_int_eq(ddbxo__repair_one(&rc, DDBXO__V_DIFFERENT, key, src, seen, &err), 0);
    ck_assert_int_eq(ddbxo__repair_one(&rc, DDBXO__V_EXTRA, key, NULL, seen, &err), 0);
    now = tu_get(c, DST, "{\"pk\":{\"S\":\"k010\"}}");
    ck_assert_str_eq(json_string_value(tu_json_at(now, "v.N")), "78");
    json_decref(seen);
    /* what it reads now it may replace, keeping the stream's seq */
    ck_assert_int_eq(ddbxo__repair_one(&rc, DDBXO__V_DIFFERENT, key, src, now, &err), 1);
    json_decref(now);
    now = tu_get(c, DST, "{\"pk\":{\"S\":\"k010\"}}");
    ck_assert_str_eq(json_string_value(tu_json_at(now, "v.N")), "10");
    ck_assert_str_eq(json_string_value(tu_json_at(now, "_ddbxo_seq.S")), SEQ_200);
    json_decref(now);

    json_decref(key);
    json_decref(src);
    ddbxo_applier_free(rc.ap);
    tu_client_free(c);
}
END_TEST

/* The aggregate, group by group, against sums recomputed from the source. */
START_TEST(aggregate_group_by_group)
{
    ddbxo_client *c = tu_moto_client();
    result r;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, AGG, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, LEDGER, "pk", "S", NULL, NULL, NULL);
    tu_put_many(c, SRC, 0, ITEMS);
    tu_delete(c, SRC, "{\"pk\":{\"S\":\"k000\"}}");
    run_cmd("run", AGG, (const char *[]){ "--mode", "ledger", "--ledger-table",
                                          LEDGER, "--aggregate", "grp:amount",
                                          "--until-idle", "2", NULL }, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    tu_cli_result_free(&r);

    const char *agg[] = { "--aggregate", "grp:amount", NULL };
    verify(AGG, agg, 0, &r);
    ck_assert_int_eq(tu_cli_count(&r, "groups"), 6);
    ck_assert_int_eq(tu_cli_count(&r, "source_items"), ITEMS - 1);
    tu_cli_result_free(&r);

    tu_put(c, AGG, "{\"pk\":{\"S\":\"g2\"},\"item_count\":{\"N\":\"10\"},\"total\":{\"N\":\"1\"}}");
    tu_delete(c, AGG, "{\"pk\":{\"S\":\"g3\"}}");
    tu_put(c, AGG, "{\"pk\":{\"S\":\"g9\"},\"item_count\":{\"N\":\"2\"},\"total\":{\"N\":\"5\"}}");
    tu_put(c, AGG, "{\"pk\":{\"S\":\"g8\"},\"item_count\":{\"N\":\"0\"},\"total\":{\"N\":\"0\"}}");
    verify(AGG, agg, 1, &r);
    expect_class(&r, "different", 1, "g2");
    expect_class(&r, "missing", 1, "g3");
    expect_class(&r, "extra", 1, "g9");
    ck_assert_int_eq(tu_cli_count(&r, "differences"), 3);
    tu_cli_result_free(&r);

    run_cmd("verify", AGG, (const char *[]){ "--aggregate", "grp:amount",
                                             "--repair", NULL }, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "docs/backfill.md"), "%s", r.err);
    tu_cli_result_free(&r);
    tu_client_free(c);
}
END_TEST

/* The pipeline's --transform is what both commands apply; an item the
 * transform refuses stops the backfill (exit 1, the reason said, its
 * page not checkpointed) and verify counts it apart: nothing is due. */
START_TEST(transform_spec_and_refused_items)
{
    ddbxo_client *c = tu_moto_client();
    const char *spec = tu_write_file("spec.json",
        "{\"key\": {\"pk\": \"code\"}, \"project\": [\"v\", \"grp\"],"
        " \"rename\": {\"grp\": \"region\"}}");
    char item[128];
    json_t *it;
    result r;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    for (int i = 0; i < 20; i++) {
        snprintf(item, sizeof item, "{\"pk\":{\"S\":\"k%03d\"},\"code\":{\"S\":"
                 "\"c%03d\"},\"v\":{\"N\":\"%d\"},\"grp\":{\"S\":\"g\"}}", i, i, i);
        tu_put(c, SRC, item);
    }
    tu_put(c, SRC, "{\"pk\":{\"S\":\"nocode\"},\"v\":{\"N\":\"1\"}}");
    tu_enable_stream(c, SRC, "NEW_IMAGE");

    run_cmd("backfill", DST, (const char *[]){ "--transform", spec,
                                               "--segments", "1", NULL }, &r);
    ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_msg(strstr(r.err, "code"), "%s", r.err);
    ck_assert_msg(json_is_false(json_object_get(r.summary, "complete")), "%s", r.out);
    tu_cli_result_free(&r);
    it = tu_get(c, DST, "{\"pk\":{\"S\":\"c007\"}}");
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(json_string_value(tu_json_at(it, "region.S")), "g");
    ck_assert_ptr_null(tu_json_at(it, "grp"));
    json_decref(it);

    verify(DST, (const char *[]){ "--transform", spec, "--max-rcu", "3", NULL },
           0, &r);
    ck_assert_int_eq(tu_cli_count(&r, "expected_items"), 20);
    ck_assert_msg(json_number_value(json_object_get(r.summary, "rcu")) > 0 &&
                      json_number_value(json_object_get(r.summary, "rcu_per_s")) <= 3.0,
                  "%s", r.out);
    ck_assert_int_eq(tu_cli_count(&r, "source_unusable"), 1);
    tu_cli_result_free(&r);
    /* without the transform, the replica is not the source */
    verify(DST, NULL, 1, &r);
    ck_assert_int_eq(tu_cli_count(&r, "missing"), 21);
    ck_assert_int_eq(tu_cli_count(&r, "extra"), 20);
    tu_cli_result_free(&r);
    tu_client_free(c);
}
END_TEST

/* The aggregate rebuild backfill's refusal points to (docs/backfill.md,
 * "Aggregates"): a replica with a stream from its creation, backfilled,
 * feeds the aggregate through its own stream -- deletes arrive there as
 * tombstones -- and verify finds the totals equal to the source's. */
START_TEST(aggregate_rebuilt_from_a_replica)
{
    ddbxo_client *c = tu_moto_client();
    const char *agg[] = { "--aggregate", "grp:amount", NULL };
    const char *to_agg[] = { "run", "--source-table", "replica",
                             "--target-table", AGG, "--mode", "ledger",
                             "--ledger-table", LEDGER, "--aggregate",
                             "grp:amount", "--until-idle", "2", NULL };
    proc p;
    result r;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, "replica", "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, AGG, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, LEDGER, "pk", "S", NULL, NULL, NULL);
    tu_put_many(c, SRC, 0, ITEMS);
    tu_enable_stream(c, SRC, "NEW_AND_OLD_IMAGES");
    run_cmd("backfill", "replica", NULL, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    tu_cli_result_free(&r);
    /* changes after the backfill reach the replica through its pipeline */
    tu_delete(c, SRC, "{\"pk\":{\"S\":\"k003\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"k004\"},\"grp\":{\"S\":\"g0\"},"
                   "\"amount\":{\"N\":\"100.5\"}}");
    run_cmd("run", "replica", (const char *[]){ "--until-idle", "2", NULL }, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_int_eq(tu_cli_count(&r, "applied"), 2);
    tu_cli_result_free(&r);

    tu_cli_spawn(&p, tu_tmpdir(), tu_moto_endpoint(tu_moto_get()), to_agg, NULL);
    tu_cli_finish(&p, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_int_eq(tu_cli_count(&r, "failed"), 0);
    tu_cli_result_free(&r);
    verify(AGG, agg, 0, &r);
    ck_assert_int_eq(tu_cli_count(&r, "groups"), 6);
    ck_assert_int_eq(tu_cli_count(&r, "source_items"), ITEMS - 1);
    tu_cli_result_free(&r);
    tu_client_free(c);
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tu_cli_story_tcase("verify", "ddbxo-verify", 300);
    tcase_add_test(tc, classes_found_exactly_then_repaired);
    tcase_add_test(tc, settle_resolves_in_flight);
    tcase_add_test(tc, repair_yields_to_the_stream);
    tcase_add_test(tc, aggregate_group_by_group);
    tcase_add_test(tc, transform_spec_and_refused_items);
    tcase_add_test(tc, aggregate_rebuilt_from_a_replica);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(verify_suite)
