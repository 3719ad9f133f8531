/* `ddbxo backfill` as a user runs it -- the real binary against moto:
 * a live table of 3,000 items, `ddbxo run` started first, a workload of
 * puts and deletes while the backfill scans, a kill -9 of the backfill
 * and its restart; then `ddbxo verify` and an independent comparison of
 * full scans must both find the replica exact.  Also: pacing under
 * --max-wcu / --max-rcu (from the summary's own figures, never a clock
 * asserted here), and the refusals (aggregate, no stream, KEYS_ONLY).
 *
 * moto runs single-threaded: the backfill's guarded writes race the
 * stream consumer's on the same items, and only a server that applies
 * one conditional write at a time shows the guard working as DynamoDB's
 * does (docs/moto-gaps.md C1).  Nothing waits on the clock: the kill happens
 * once the checkpoint table shows pages done. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clirun.h"
#include "ddbtest.h"
#include "fakeenv.h"
#include "faultsrv.h"
#include "moto.h"
#include "testutil.h"

#define SRC "src"
#define DST "dst"
#define CKPT "ckpt"
#define ITEMS 3000
#define PAGE "50"
#define SEGMENTS 4
/* tu_workload: writes (every 7th a delete) over ITEMS + NEW_KEYS keys. */
#define WORKLOAD_WRITES 600
#define NEW_KEYS 300

typedef tu_cli_proc proc;
typedef tu_cli_result result;

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* `ddbxo backfill --source-table SRC --target-table DST` + args. */
static void spawn(proc *p, const char *cmd, const char *const *args)
{
    tu_cli_spawn_pair(p, cmd, SRC, DST, args);
}

static void run_cmd(const char *cmd, const char *const *args, result *r)
{
    tu_cli_run_pair(cmd, SRC, DST, args, r);
}

static double num(const result *r, const char *name)
{
    const json_t *v = json_object_get(r->summary, name);
    ck_assert_msg(json_is_number(v), "summary has no %s: %s", name, r->out);
    return json_number_value(v);
}

/* The backfill's checkpoint items: how many, and their pages and items. */
static void ckpt_totals(ddbxo_client *c, long *pages, long *items)
{
    json_t *all = tu_scan(c, CKPT), *it;
    size_t i;
    *pages = *items = 0;
    json_array_foreach(all, i, it) {
        const char *pk = json_string_value(tu_json_at(it, "pk.S"));
        if (!pk || strncmp(pk, "ddbxo#backfill#v1#", 18) != 0)
            continue;
        *pages += atol(json_string_value(tu_json_at(it, "pages.N")));
        *items += atol(json_string_value(tu_json_at(it, "items.N")));
    }
    json_decref(all);
}

typedef struct workload {
    ddbxo_client *c;
    pthread_t th;
} workload;

static void *workload_main(void *arg)
{
    workload *w = arg;
    tu_workload(w->c, SRC, 0, WORKLOAD_WRITES, ITEMS + NEW_KEYS);
    return NULL;
}

/* The table a user has: items first, then a stream enabled on it (the
 * items are not in the stream: that is what the backfill is for). */
static void live_table(ddbxo_client *c, int items)
{
    tu_create_table(c, SRC, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, CKPT, "pk", "S", NULL, NULL, NULL);
    tu_put_many(c, SRC, 0, items);
    tu_enable_stream(c, SRC, "NEW_AND_OLD_IMAGES");
}

/* ------------------------------------------------------------------ */

/* The whole story of docs/backfill.md on 3,000 items. */
START_TEST(live_backfill_kill_restart_verify)
{
    ddbxo_client *c = tu_moto_client();
    workload w = { c, 0 };
    proc runp, bf;
    result r, rr;
    long pages = 0, ck_items = 0;

    live_table(c, ITEMS);
    /* 1. the stream consumer first */
    const char *run_args[] = { "--checkpoint-table", CKPT, NULL };
    spawn(&runp, "run", run_args);
    /* 2. the backfill, with writes to the source going on meanwhile */
    const char *bf_args[] = { "--checkpoint-table", CKPT, "--page-size", PAGE,
                              "--segments", "4", "--progress-seconds", "1",
                              NULL };
    spawn(&bf, "backfill", bf_args);
    ck_assert_int_eq(pthread_create(&w.th, NULL, workload_main, &w), 0);
    /* 3. kill -9 once a quarter of the pages are checkpointed */
    for (int i = 0; i < 6000 && pages < ITEMS / 50 / 4; i++) {
        ck_assert_msg(kill(bf.pid, 0) == 0, "the backfill ended too early");
        nap_ms(20);
        ckpt_totals(c, &pages, &ck_items);
    }
    ck_assert_int_eq(kill(bf.pid, SIGKILL), 0);
    ck_assert_int_eq(tu_cli_wait(bf.pid), -1);
    ckpt_totals(c, &pages, &ck_items);
    ck_assert_msg(ck_items > 0 && ck_items < ITEMS,
                  "not killed mid-way: %ld items checkpointed", ck_items);

    /* 4. the restart goes on from the checkpoints */
    run_cmd("backfill", bf_args, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_msg(json_is_true(json_object_get(r.summary, "complete")), "%s", r.out);
    ck_assert_int_ge(tu_cli_count(&r, "segments_resumed") +
                         tu_cli_count(&r, "segments_already_done"), 1);
    /* Finished pages are not read again; only the page each segment had
     * in flight is written twice (DUPLICATE). */
    ck_assert_int_le(tu_cli_count(&r, "items") + ck_items,
                     ITEMS + NEW_KEYS + SEGMENTS * 50);
    ck_assert_int_le(tu_cli_count(&r, "duplicate"), SEGMENTS * 50);
    ck_assert_msg(strstr(r.err, "was enabled at") != NULL, "%s", r.err);
    ck_assert_str_eq(json_string_value(json_object_get(r.summary,
                                                       "stream_view_type")),
                     "NEW_AND_OLD_IMAGES");
    tu_cli_result_free(&r);
    pthread_join(w.th, NULL);

    /* 5. the consumer drains the stream (SIGTERM, then to idle) */
    ck_assert_int_eq(kill(runp.pid, SIGTERM), 0);
    tu_cli_finish(&runp, &rr);
    ck_assert_msg(rr.status == 0, "run: %s", rr.err);
    tu_cli_result_free(&rr);
    run_cmd("run", (const char *[]){ "--checkpoint-table", CKPT,
                                     "--until-idle", "2", NULL }, &rr);
    ck_assert_msg(rr.status == 0, "run: %s", rr.err);
    ck_assert_int_eq(tu_cli_count(&rr, "failed"), 0);
    tu_cli_result_free(&rr);

    /* 6. verify finds nothing; an independent full-scan check agrees */
    run_cmd("verify", (const char *[]){ "--settle-seconds", "0", NULL }, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "differences"), 0);
    ck_assert_int_ge(tu_cli_count(&r, "source_items"), ITEMS - WORKLOAD_WRITES / 7);
    ck_assert_msg(strstr(r.err, "the target equals f(source)"), "%s", r.err);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    tu_client_free(c);
}
END_TEST

/* --max-wcu / --max-rcu: the units per second the summary reports stay
 * under the limits (the pacer spends on average, from the start). */
START_TEST(paced_by_capacity)
{
    ddbxo_client *c = tu_moto_client();
    result r;
    live_table(c, 120);
    const char *args[] = { "--max-wcu", "40", "--max-rcu", "3",
                           "--page-size", "20", NULL };
    run_cmd("backfill", args, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "applied"), 120);
    ck_assert_msg(num(&r, "wcu") >= 120, "%s", r.out);
    ck_assert_msg(num(&r, "wcu_per_s") <= 40.0, "%s", r.out);
    ck_assert_msg(num(&r, "rcu") > 0 && num(&r, "rcu_per_s") <= 3.0, "%s", r.out);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    tu_client_free(c);
}
END_TEST

/* Throttling and lost answers on the way: the transport backs off and
 * retries, a write whose answer was lost comes back DUPLICATE, and the
 * replica is exact.  (moto never throttles, docs/moto-gaps.md C8: the faults
 * come from the fault-injecting server forwarding to it.) */
START_TEST(throttled_and_dropped)
{
    ddbxo_client *c = tu_moto_client();
    char errbuf[256], url[64];
    faultsrv *fs = faultsrv_start(errbuf, sizeof errbuf);
    faultsrv_action fwd = { .kind = FAULTSRV_FORWARD };
    faultsrv_action throttle = { .kind = FAULTSRV_STATUS, .status = 400,
        .error_type = "ProvisionedThroughputExceededException" };
    faultsrv_action drop = { .kind = FAULTSRV_FORWARD_DROP };
    faultsrv_stats st;
    proc p;
    result r;

    ck_assert_msg(fs != NULL, "%s", errbuf);
    live_table(c, 150);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    faultsrv_set_default(fs, fwd);
    faultsrv_seed(fs, 18);
    faultsrv_add_rate(fs, 0.10, throttle);
    faultsrv_add_rate(fs, 0.05, drop);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", faultsrv_port(fs));
    const char *argv[] = { "backfill", "--source-table", SRC, "--target-table",
                           DST, "--checkpoint-table", CKPT, "--page-size",
                           "25", NULL };
    tu_cli_spawn(&p, tu_tmpdir(), url, argv, NULL);
    tu_cli_finish(&p, &r);
    faultsrv_get_stats(fs, &st);
    faultsrv_stop(fs);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_msg(st.injected[FAULTSRV_STATUS] > 0 &&
                      st.injected[FAULTSRV_FORWARD_DROP] > 0,
                  "no faults injected (%u requests)", st.requests);
    ck_assert_int_eq(tu_cli_count(&r, "items"), 150);
    ck_assert_int_eq(tu_cli_count(&r, "applied") + tu_cli_count(&r, "duplicate"), 150);
    tu_cli_result_free(&r);
    run_cmd("verify", (const char *[]){ "--settle-seconds", "0", NULL }, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    tu_client_free(c);
}
END_TEST

/* --version-attr: the backfill writes only over an older version, as the
 * pipeline's guard does in that mode -- whatever _ddbxo_seq says. */
START_TEST(version_attr_guard)
{
    ddbxo_client *c = tu_moto_client();
    json_t *it;
    result r;

    live_table(c, 10);
    /* k002: a newer version than the source's (2) is stored; k003 an older
     * one (the source has 3), stamped by the stream. */
    tu_put(c, DST, "{\"pk\":{\"S\":\"k002\"},\"v\":{\"N\":\"99\"},"
                   "\"_ddbxo_ver\":{\"N\":\"99\"},\"_ddbxo_seq\":{\"S\":\"7\"}}");
    tu_put(c, DST, "{\"pk\":{\"S\":\"k003\"},\"v\":{\"N\":\"1\"},"
                   "\"_ddbxo_ver\":{\"N\":\"1\"},\"_ddbxo_seq\":{\"S\":\"7\"}}");
    run_cmd("backfill", (const char *[]){ "--version-attr", "v", NULL }, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "applied"), 9);
    ck_assert_int_eq(tu_cli_count(&r, "stale"), 1);
    tu_cli_result_free(&r);
    it = tu_get(c, DST, "{\"pk\":{\"S\":\"k002\"}}");
    ck_assert_str_eq(json_string_value(tu_json_at(it, "v.N")), "99");
    json_decref(it);
    it = tu_get(c, DST, "{\"pk\":{\"S\":\"k003\"}}");
    ck_assert_str_eq(json_string_value(tu_json_at(it, "v.N")), "3");
    ck_assert_str_eq(json_string_value(tu_json_at(it, "_ddbxo_ver.N")), "3");
    json_decref(it);
    tu_client_free(c);
}
END_TEST

/* SIGTERM: the pages in flight are finished and checkpointed, exit 0
 * with "complete": false; the restart writes nothing twice. */
START_TEST(sigterm_checkpoints_then_resumes)
{
    ddbxo_client *c = tu_moto_client();
    const char *args[] = { "--checkpoint-table", CKPT, "--page-size", "10",
                           "--max-wcu", "25", NULL };
    long pages = 0, items = 0;
    proc p;
    result r;

    live_table(c, 200);
    spawn(&p, "backfill", args);
    for (int i = 0; i < 3000 && pages < 2; i++) {
        ck_assert_msg(kill(p.pid, 0) == 0, "the backfill ended too early");
        nap_ms(20);
        ckpt_totals(c, &pages, &items);
    }
    ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
    tu_cli_finish(&p, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_msg(json_is_false(json_object_get(r.summary, "complete")), "%s", r.out);
    ckpt_totals(c, &pages, &items);
    /* what it wrote is exactly what its checkpoints cover */
    ck_assert_int_eq(tu_cli_count(&r, "applied"), items);
    tu_cli_result_free(&r);

    run_cmd("backfill", (const char *[]){ "--checkpoint-table", CKPT,
                                          "--page-size", "10", NULL }, &r);
    ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "duplicate"), 0);
    ck_assert_int_eq(tu_cli_count(&r, "applied"), 200 - items);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    tu_client_free(c);
}
END_TEST

/* What backfill will not do, and says why. */
START_TEST(refusals_say_what_to_do)
{
    ddbxo_client *c = tu_moto_client();
    result r;
    tu_create_table(c, SRC, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);

    run_cmd("backfill", (const char *[]){ "--aggregate", "grp:amount", NULL }, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "aggregate cannot be backfilled") &&
                      strstr(r.err, "trim_horizon") &&
                      strstr(r.err, "docs/backfill.md"), "%s", r.err);
    ck_assert_str_eq(r.out, "");
    tu_cli_result_free(&r);

    run_cmd("backfill", NULL, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "has no stream") &&
                      strstr(r.err, "before the backfill"), "%s", r.err);
    tu_cli_result_free(&r);

    tu_enable_stream(c, SRC, "KEYS_ONLY");
    run_cmd("backfill", NULL, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "KEYS_ONLY"), "%s", r.err);
    tu_cli_result_free(&r);

    run_cmd("backfill", (const char *[]){ "--segments", "0", NULL }, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "--segments needs a number 1..64"), "%s", r.err);
    tu_cli_result_free(&r);
    tu_client_free(c);
}
END_TEST

static Suite *backfill_suite(void)
{
    Suite *s = suite_create("backfill");
    /* Generous: the 3,000-item story takes about a minute alone, and the
     * machines that run it are often busy with other suites. */
    TCase *tc = tu_cli_story_tcase("backfill", "ddbxo-backfill", 600);
    tcase_add_test(tc, live_backfill_kill_restart_verify);
    tcase_add_test(tc, paced_by_capacity);
    tcase_add_test(tc, throttled_and_dropped);
    tcase_add_test(tc, version_attr_guard);
    tcase_add_test(tc, sigterm_checkpoints_then_resumes);
    tcase_add_test(tc, refusals_say_what_to_do);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(backfill_suite)
