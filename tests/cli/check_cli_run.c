/* `ddbxo run` as a user runs it -- the real binary against moto: a run to
 * idle, `kill -9` and restart, SIGTERM, and two processes sharing one
 * checkpoint table.  Every test ends by comparing the target with the
 * source (tombstones for deleted items) and counts records against the
 * stream read back independently.
 *
 * moto runs single-threaded so that the lease's conditional writes are
 * linearisable as DynamoDB's are (its threaded server takes no locks,
 * docs/moto-gaps.md C1).  Runs that must be caught in the middle go through the
 * fault-injecting server forwarding to moto with a delay per request (no
 * faults): only to make the run take a few seconds.  Nothing waits on the
 * clock: the tests poll the checkpoint table and the target. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
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
#define ITEMS 40

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void setup(void)
{
    tu_moto_test_reset();
    tu_mk_tmpdir("ddbxo-cli-run");
}

static void teardown(void)
{
    tu_rm_tmpdir();
}

static void make_tables(ddbxo_client *c)
{
    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, CKPT, "pk", "S", NULL, NULL, NULL);
}

/* The stream's sequence numbers, in order (JSON array of strings). */
static json_t *stream_seqs(ddbxo_client *c)
{
    char *text = tu_stream_event(c, SRC, 0, 0);
    json_t *ev = tu_json(text), *out = json_array(), *r;
    size_t i;
    free(text);
    json_array_foreach(json_object_get(ev, "Records"), i, r)
        json_array_append_new(out, json_string(json_string_value(
            tu_json_at(r, "dynamodb.SequenceNumber"))));
    json_decref(ev);
    return out;
}

/* How many records of the stream lie after seq ("" = all). */
static long after(const json_t *seqs, const char *seq)
{
    size_t i;
    json_t *s;
    long n = 0;
    json_array_foreach(seqs, i, s)
        if (!*seq || ddbxo_seq_compare(json_string_value(s), seq) > 0)
            n++;
    return n;
}

/* The checkpoint item's seq (malloc'd), or NULL when there is none.  The
 * key (docs/runner.md) holds the stream ARN and shard id; the test finds
 * the one checkpoint by its prefix rather than rebuilding it. */
static char *checkpoint_seq(ddbxo_client *c)
{
    json_t *items = tu_scan(c, CKPT), *it;
    size_t i;
    char *seq = NULL;
    json_array_foreach(items, i, it) {
        const char *pk = json_string_value(tu_json_at(it, "pk.S"));
        const char *s = json_string_value(tu_json_at(it, "seq.S"));
        if (pk && strncmp(pk, "ddbxo#ckpt#v1#", 14) == 0 && s) {
            ck_assert_msg(seq == NULL, "two checkpoints of one shard");
            seq = strdup(s);
        }
    }
    json_decref(items);
    return seq;
}

/* ------------------------------------------------------------------ */
/* running the binary                                                   */
/* ------------------------------------------------------------------ */

typedef tu_cli_proc proc;
typedef tu_cli_result result;

static void start_run(proc *p, const char *endpoint, const char *const *args)
{
    const char *argv[32] = { "run", "--source-table", SRC, "--target-table",
                             DST, "--checkpoint-table", CKPT };
    size_t n = 7;
    for (size_t i = 0; args && args[i]; i++) {
        ck_assert(n < 30);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    tu_cli_spawn(p, tu_tmpdir(),
                 endpoint ? endpoint : tu_moto_endpoint(tu_moto_get()), argv,
                 NULL);
}

static void run_to_idle(const char *const *args, result *r)
{
    proc p;
    start_run(&p, NULL, args);
    tu_cli_finish(&p, r);
}

/* Exit 0, a summary, nothing failed, every record has a done outcome. */
static void expect_ok(const result *r)
{
    ck_assert_msg(r->status == 0, "exit %d\nstdout: %s\nstderr: %s",
                  r->status, r->out, r->err);
    ck_assert_msg(r->summary != NULL, "no summary line: %s", r->out);
    ck_assert_int_eq(tu_cli_count(r, "failed"), 0);
    ck_assert_int_eq(tu_cli_count(r, "applied") + tu_cli_count(r, "duplicate") +
                         tu_cli_count(r, "stale") + tu_cli_count(r, "coalesced") +
                         tu_cli_count(r, "superseded") + tu_cli_count(r, "filtered"),
                     tu_cli_count(r, "records"));
}

/* The fault server forwarding everything to moto, each request delayed:
 * a run that takes a few seconds.  Its endpoint (no trailing slash) in
 * url. */
static faultsrv *slow_proxy(char *url, size_t urlsz, int delay_ms)
{
    char errbuf[256];
    faultsrv *fs = faultsrv_start(errbuf, sizeof errbuf);
    faultsrv_action fwd;
    ck_assert_msg(fs != NULL, "%s", errbuf);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    memset(&fwd, 0, sizeof fwd);
    fwd.kind = FAULTSRV_FORWARD;
    fwd.delay_ms = delay_ms;
    faultsrv_set_default(fs, fwd);
    snprintf(url, urlsz, "http://127.0.0.1:%d", faultsrv_port(fs));
    return fs;
}

/* Polls (every 50 ms, up to 60 s) until a checkpoint exists; returns its
 * seq.  Fails the test if the run ended first. */
static char *await_checkpoint(ddbxo_client *c, pid_t pid)
{
    for (int i = 0; i < 1200; i++) {
        char *seq = checkpoint_seq(c);
        if (seq)
            return seq;
        ck_assert_msg(kill(pid, 0) == 0, "the run ended before a checkpoint");
        nap_ms(50);
    }
    ck_abort_msg("no checkpoint after 60 s");
    return NULL;
}

/* ------------------------------------------------------------------ */
/* tests                                                                */
/* ------------------------------------------------------------------ */

/* A workload run to idle: exit 0, every record once, the target is the
 * replica; the summary is the last line with "shards" and "seconds";
 * a second run starts after the checkpoint and reads only new records. */
START_TEST(run_until_idle)
{
    ddbxo_client *c = tu_moto_client();
    json_t *seqs;
    char *ckpt;
    result r;

    make_tables(c);
    tu_workload(c, SRC, 0, 120, ITEMS);
    seqs = stream_seqs(c);
    const char *args[] = { "--until-idle", "2", NULL };
    run_to_idle(args, &r);
    expect_ok(&r);
    ck_assert_int_eq(tu_cli_count(&r, "records"), (long)json_array_size(seqs));
    ck_assert_int_eq(tu_cli_count(&r, "duplicate") + tu_cli_count(&r, "stale"), 0);
    ck_assert_int_eq(tu_cli_count(&r, "shards"), 1);
    ck_assert_msg(json_is_number(json_object_get(r.summary, "seconds")),
                  "%s", r.out);
    ck_assert_ptr_eq(strchr(r.out, '\n'), r.out + strlen(r.out) - 1);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    ck_assert_ptr_nonnull(ckpt = checkpoint_seq(c));
    ck_assert_int_eq(after(seqs, ckpt), 0);
    free(ckpt);
    json_decref(seqs);

    tu_workload(c, SRC, 120, 10, ITEMS);
    run_to_idle(args, &r);
    expect_ok(&r);
    ck_assert_int_eq(tu_cli_count(&r, "records"), 10);
    ck_assert_int_eq(tu_cli_count(&r, "applied") + tu_cli_count(&r, "coalesced"), 10);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    tu_client_free(c);
}
END_TEST

/* kill -9 in the middle, after a checkpoint: the restart goes on from the
 * checkpoint (exactly the records after it), whatever the dead run
 * applied past it comes back DUPLICATE/STALE, and the target is exact. */
START_TEST(kill_9_then_restart)
{
    ddbxo_client *c = tu_moto_client();
    char url[64], *ckpt;
    json_t *seqs;
    faultsrv *fs;
    proc p;
    result r;
    long left;

    make_tables(c);
    tu_workload(c, SRC, 0, 200, ITEMS);
    seqs = stream_seqs(c);
    fs = slow_proxy(url, sizeof url, 25);
    const char *slow[] = { "--batch-size", "5", "--lease-seconds", "2", NULL };
    start_run(&p, url, slow);
    free(await_checkpoint(c, p.pid));
    ck_assert_int_eq(kill(p.pid, SIGKILL), 0);
    ck_assert_int_eq(tu_cli_wait(p.pid), -1);
    faultsrv_stop(fs);
    ckpt = checkpoint_seq(c);
    ck_assert_ptr_nonnull(ckpt);
    left = after(seqs, ckpt);
    ck_assert_msg(left > 0, "the run was not caught in the middle");

    /* The dead run's lease lapses after 2 s; the idle clock waits for it
     * (a shorter --until-idle than the lease must not exit unread). */
    const char *args[] = { "--until-idle", "1", NULL };
    run_to_idle(args, &r);
    expect_ok(&r);
    ck_assert_int_eq(tu_cli_count(&r, "records"), left);
    tu_cli_result_free(&r);
    tu_expect_replica(c, SRC, DST);
    free(ckpt);
    ck_assert_ptr_nonnull(ckpt = checkpoint_seq(c));
    ck_assert_int_eq(after(seqs, ckpt), 0);
    free(ckpt);
    json_decref(seqs);
    tu_client_free(c);
}
END_TEST

/* SIGTERM in the middle: the batch in flight finishes and is
 * checkpointed, exit 0 with the summary; the next run starts after that
 * checkpoint and finds nothing it applied already (no DUPLICATE/STALE). */
START_TEST(sigterm_checkpoints)
{
    ddbxo_client *c = tu_moto_client();
    char url[64], *ckpt;
    json_t *seqs;
    faultsrv *fs;
    proc p;
    result r, r2;
    long left;

    make_tables(c);
    tu_workload(c, SRC, 0, 200, ITEMS);
    seqs = stream_seqs(c);
    fs = slow_proxy(url, sizeof url, 25);
    const char *slow[] = { "--batch-size", "5", NULL };
    start_run(&p, url, slow);
    free(await_checkpoint(c, p.pid));
    ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
    tu_cli_finish(&p, &r);
    faultsrv_stop(fs);
    expect_ok(&r);
    ckpt = checkpoint_seq(c);
    ck_assert_ptr_nonnull(ckpt);
    left = after(seqs, ckpt);
    /* Everything it counted is covered by its checkpoint. */
    ck_assert_int_eq(tu_cli_count(&r, "records"), (long)json_array_size(seqs) - left);
    ck_assert_msg(left > 0, "the run was not caught in the middle");

    /* Its lease was released on exit: no wait. */
    const char *args[] = { "--until-idle", "2", NULL };
    run_to_idle(args, &r2);
    expect_ok(&r2);
    ck_assert_int_eq(tu_cli_count(&r2, "records"), left);
    ck_assert_int_eq(tu_cli_count(&r2, "duplicate") + tu_cli_count(&r2, "stale"), 0);
    tu_cli_result_free(&r);
    tu_cli_result_free(&r2);
    tu_expect_replica(c, SRC, DST);
    free(ckpt);
    json_decref(seqs);
    tu_client_free(c);
}
END_TEST

/* Two runs at once on one checkpoint table: the lease lets one of them
 * read the shard at a time, so between them every record is read once
 * (a second reader would count records twice and meet its own writes as
 * DUPLICATE/STALE), and the target is exact. */
START_TEST(two_runners_one_lease)
{
    ddbxo_client *c = tu_moto_client();
    json_t *seqs;
    proc p1, p2;
    result r1, r2;

    make_tables(c);
    tu_workload(c, SRC, 0, 200, ITEMS);
    seqs = stream_seqs(c);
    const char *args[] = { "--until-idle", "3", "--batch-size", "10", NULL };
    start_run(&p1, NULL, args);
    start_run(&p2, NULL, args);
    tu_cli_finish(&p1, &r1);
    tu_cli_finish(&p2, &r2);
    expect_ok(&r1);
    expect_ok(&r2);
    ck_assert_int_eq(tu_cli_count(&r1, "records") + tu_cli_count(&r2, "records"),
                     (long)json_array_size(seqs));
    ck_assert_int_eq(tu_cli_count(&r1, "duplicate") + tu_cli_count(&r1, "stale") +
                         tu_cli_count(&r2, "duplicate") + tu_cli_count(&r2, "stale"), 0);
    tu_cli_result_free(&r1);
    tu_cli_result_free(&r2);
    tu_expect_replica(c, SRC, DST);
    json_decref(seqs);
    tu_client_free(c);
}
END_TEST

static Suite *cli_run_suite(void)
{
    static const tu_moto_opts single = { .single_thread = 1 };
    Suite *s = suite_create("cli-run");
    TCase *tc = tcase_create("run");
    tu_moto_suite_opts(&single);
    tcase_set_timeout(tc, 90);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, run_until_idle);
    tcase_add_test(tc, kill_9_then_restart);
    tcase_add_test(tc, sigterm_checkpoints);
    tcase_add_test(tc, two_runners_one_lease);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(cli_run_suite)
