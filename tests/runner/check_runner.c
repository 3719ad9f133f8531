/* The stream runner (ddbxo_runner_*) against moto: a source table with a
 * stream, written with PutItem / DeleteItem only (moto emits spurious
 * records for UpdateItem, docs/moto-gaps.md C3), replicated into a target table
 * that every test compares with the source.  moto runs single-threaded
 * so that conditional writes (leases) are linearisable, as DynamoDB's are.
 *
 * What moto cannot do (expired iterators, trimmed data, closed shards and
 * splits: docs/moto-gaps.md C3) comes from the fault-injecting server in front
 * of moto's Streams endpoint: scripted answers for a few requests, the
 * rest forwarded. */
#include "ddbxo/sys/creds.h"
#include "service/ddb.h"
#include "ddbtest.h"
#include "faultsrv.h"
#include "moto.h"
#include "runner/runner.h"
#include "testutil.h"
#include "util/clock.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SRC "src"
#define DST "dst"
#define CKPT "ckpt"

/* ------------------------------------------------------------------ */
/* helpers                                                              */
/* ------------------------------------------------------------------ */

static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_log[65536];

static void log_fn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    pthread_mutex_lock(&g_log_mu);
    size_t n = strlen(g_log);
    snprintf(g_log + n, sizeof g_log - n, "%s\n", msg);
    pthread_mutex_unlock(&g_log_mu);
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* A client whose DynamoDB and Streams endpoints may differ, with
 * max_attempts (0 = default).  Freed by free_clients(). */
static ddbxo_credentials_provider *g_provs[4];
static ddbxo_client *g_clients[4];

static ddbxo_client *client2(const char *ddb_url, const char *streams_url,
                             int max_attempts)
{
    ddbxo_client_config cfg;
    ddbxo_error err;
    size_t i = 0;
    while (g_clients[i])
        i++;
    ck_assert(i < 4);
    memset(&cfg, 0, sizeof cfg);
    g_provs[i] = ddbxo_credentials_provider_static(TU_AKID, TU_SECRET, NULL,
                                                   &err);
    ck_assert_msg(g_provs[i] != NULL, "%s", err.message);
    cfg.region = TU_REGION;
    cfg.endpoint_dynamodb = cfg.endpoint_sqs = ddb_url;
    cfg.endpoint_streams = streams_url;
    cfg.credentials = g_provs[i];
    cfg.retry.max_attempts = max_attempts;
    g_clients[i] = ddbxo_client_new(&cfg, &err);
    ck_assert_msg(g_clients[i] != NULL, "%s", err.message);
    return g_clients[i];
}

static void free_clients(void)
{
    for (size_t i = 0; i < 4; i++) {
        ddbxo_client_free(g_clients[i]);
        ddbxo_credentials_provider_free(g_provs[i]);
        g_clients[i] = NULL;
        g_provs[i] = NULL;
    }
}

/* Source, target and checkpoint tables; returns the stream ARN. */
static const char *setup_tables(ddbxo_client *c)
{
    static char arn[512];
    snprintf(arn, sizeof arn, "%s",
             tu_create_table(c, SRC, "pk", "S", NULL, NULL,
                             "NEW_AND_OLD_IMAGES"));
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, CKPT, "pk", "S", NULL, NULL, NULL);
    return arn;
}

static ddbxo_applier *mk_applier(ddbxo_client *c)
{
    ddbxo_apply_config cfg;
    ddbxo_error err;
    ddbxo_applier *a;
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = DDBXO_MODE_REPLICATE;
    cfg.target_table = DST;
    a = ddbxo_applier_new(c, &cfg, &err);
    ck_assert_msg(a != NULL, "%s", err.message);
    return a;
}

static void base_cfg(ddbxo_runner_config *cfg, const char *arn)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->stream_arn = arn;
    cfg->batch_size = 25;
    cfg->until_idle_ms = 1000;
    cfg->poll_ms = 100;
    cfg->log = log_fn;
}

/* Runs a runner to its end and returns its parsed summary. */
static json_t *run(ddbxo_client *c, const ddbxo_runner_config *cfg)
{
    ddbxo_applier *a = mk_applier(c);
    ddbxo_error err;
    ddbxo_runner *r = ddbxo_runner_new(c, a, cfg, &err);
    json_t *sum;
    ck_assert_msg(r != NULL, "%s", err.message);
    ck_assert_msg(ddbxo_runner_run(r, &err) == 0, "run: %s\nlog:\n%s",
                  err.message, g_log);
    sum = tu_json(ddbxo_runner_summary(r, NULL));
    ddbxo_runner_free(r);
    ddbxo_applier_free(a);
    return sum;
}

static json_int_t num(const json_t *sum, const char *name)
{
    const json_t *v = json_object_get(sum, name);
    ck_assert_msg(json_is_integer(v), "summary has no %s", name);
    return json_integer_value(v);
}

/* Sequence number of stream record i (0-based). */
static char *stream_seq(ddbxo_client *c, size_t i)
{
    char *text = tu_stream_event(c, SRC, i, 1);
    json_t *j = tu_json(text);
    const json_t *recs = json_object_get(j, "Records");
    char *s = strdup(json_string_value(
        tu_json_at(json_array_get(recs, 0), "dynamodb.SequenceNumber")));
    json_decref(j);
    free(text);
    return s;
}

static const char *the_shard(ddbxo_client *c, const char *arn)
{
    static char id[DDBXO__SHARD_ID_MAX + 1];
    json_t *out = NULL;
    ddbxo_error err;
    ck_assert_msg(ddbxo__ddb_describe_stream_all(c, arn, 0, &out, &err) ==
                      0, "%s", err.message);
    snprintf(id, sizeof id, "%s",
             json_string_value(json_object_get(
                 json_array_get(tu_json_at(out, "StreamDescription.Shards"), 0),
                 "ShardId")));
    json_decref(out);
    return id;
}

static ddbxo__ckpt ckpt_of(ddbxo_client *c, const char *arn, const char *owner,
                           int64_t lease_ms)
{
    ddbxo__ckpt k = { c, CKPT, DST, arn, owner, lease_ms };
    return k;
}

static json_t *lease_item(ddbxo_client *c, const char *arn, const char *shard)
{
    char key[1400], json[1600];
    ddbxo__ckpt_key(key, sizeof key, DDBXO__LEASE_PREFIX, DST, arn, shard);
    snprintf(json, sizeof json, "{\"pk\":{\"S\":\"%s\"}}", key);
    return tu_get(c, CKPT, json);
}

/* ------------------------------------------------------------------ */
/* tests                                                                */
/* ------------------------------------------------------------------ */

START_TEST(replicates_until_idle)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_runner_config cfg;
    json_t *sum;
    size_t n;

    setup_tables(c);
    tu_workload(c, SRC, 0, 150, 40);
    n = tu_stream_count(c, SRC);
    base_cfg(&cfg, NULL);
    cfg.source_table = SRC;     /* DescribeTable -> LatestStreamArn */
    sum = run(c, &cfg);
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    ck_assert_int_eq(num(sum, "applied") + num(sum, "coalesced"),
                     (json_int_t)n);
    ck_assert_int_eq(num(sum, "failed"), 0);
    ck_assert_int_eq(num(sum, "shards"), 1);
    ck_assert_int_eq(num(sum, "batches"), (json_int_t)((n + 24) / 25));
    ck_assert_uint_eq(json_array_size(json_object_get(sum,
                                                      "batchItemFailures")), 0);
    tu_expect_replica(c, SRC, DST);
    /* Without a checkpoint table a second run starts over: all refused. */
    json_decref(sum);
    sum = run(c, &cfg);
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    ck_assert_int_eq(num(sum, "applied"), 0);
    tu_expect_replica(c, SRC, DST);
    json_decref(sum);
    tu_client_free(c);
}
END_TEST

START_TEST(restart_resumes_from_checkpoint)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_runner_config cfg;
    const char *arn = setup_tables(c);
    const char *shard = the_shard(c, arn);
    ddbxo__ckpt_state st;
    ddbxo__ckpt k;
    ddbxo_error err;
    json_t *sum;
    size_t n;
    char *s20, *s50, *slast;

    tu_workload(c, SRC, 0, 120, 30);
    n = tu_stream_count(c, SRC);
    base_cfg(&cfg, arn);
    cfg.checkpoint_table = CKPT;
    cfg.owner = "r1";
    cfg.max_records = 50;
    sum = run(c, &cfg);
    ck_assert_int_eq(num(sum, "records"), 50);
    json_decref(sum);
    s20 = stream_seq(c, 19);
    s50 = stream_seq(c, 49);
    slast = stream_seq(c, n - 1);
    k = ckpt_of(c, arn, "r1", 1);
    ck_assert_int_eq(ddbxo__ckpt_read(&k, shard, &st, &err), 1);
    ck_assert_str_eq(st.seq, s50);
    ck_assert_int_eq(st.done, 0);

    /* As after a kill -9 between applying and checkpointing: the
     * checkpoint is behind what was applied (r1's lease expires at once). */
    ck_assert_int_eq(ddbxo__ckpt_write(&k, shard, s20, 0, 0, &err), 0);
    tu_workload(c, SRC, 120, 30, 30);
    n = tu_stream_count(c, SRC);
    cfg.owner = "r2";
    cfg.max_records = 0;
    sum = run(c, &cfg);
    /* Everything after the checkpoint, nothing before it. */
    ck_assert_int_eq(num(sum, "records"), (json_int_t)(n - 20));
    /* Records 21..50 were applied before: refused, never applied twice. */
    ck_assert_int_le(num(sum, "applied"), (json_int_t)(n - 50));
    ck_assert_int_gt(num(sum, "duplicate") + num(sum, "stale"), 0);
    ck_assert_int_eq(num(sum, "applied") + num(sum, "duplicate") +
                         num(sum, "stale") + num(sum, "coalesced"),
                     (json_int_t)(n - 20));
    tu_expect_replica(c, SRC, DST);
    free(slast);
    slast = stream_seq(c, n - 1);
    ck_assert_int_eq(ddbxo__ckpt_read(&k, shard, &st, &err), 1);
    ck_assert_str_eq(st.seq, slast);
    json_decref(sum);
    free(s20);
    free(s50);
    free(slast);
    tu_client_free(c);
}
END_TEST

typedef struct thread_run {
    ddbxo_client *c;
    ddbxo_runner_config cfg;
    ddbxo_runner *r;
    ddbxo_applier *a;
    int rc;
    ddbxo_error err;
} thread_run;

static void *run_thread(void *p)
{
    thread_run *t = p;
    t->rc = ddbxo_runner_run(t->r, &t->err);
    return NULL;
}

static void thread_start(thread_run *t, pthread_t *th)
{
    ddbxo_error err;
    t->a = mk_applier(t->c);
    t->r = ddbxo_runner_new(t->c, t->a, &t->cfg, &err);
    ck_assert_msg(t->r != NULL, "%s", err.message);
    ck_assert_int_eq(pthread_create(th, NULL, run_thread, t), 0);
}

static json_t *thread_join(thread_run *t, pthread_t th)
{
    json_t *sum;
    pthread_join(th, NULL);
    ck_assert_msg(t->rc == 0, "run: %s", t->err.message);
    sum = tu_json(ddbxo_runner_summary(t->r, NULL));
    ddbxo_runner_free(t->r);
    ddbxo_applier_free(t->a);
    return sum;
}

START_TEST(two_runners_one_lease)
{
    ddbxo_client *c = tu_moto_client();
    const char *arn = setup_tables(c);
    thread_run t1, t2;
    pthread_t h1, h2;
    json_t *s1, *s2;
    size_t n;

    tu_workload(c, SRC, 0, 200, 50);
    n = tu_stream_count(c, SRC);
    memset(&t1, 0, sizeof t1);
    t1.c = c;
    base_cfg(&t1.cfg, arn);
    t1.cfg.checkpoint_table = CKPT;
    t1.cfg.lease_ms = 3000;
    t1.cfg.until_idle_ms = 2000;
    t2 = t1;
    t1.cfg.owner = "one";
    t2.cfg.owner = "two";
    thread_start(&t1, &h1);
    thread_start(&t2, &h2);
    s1 = thread_join(&t1, h1);
    s2 = thread_join(&t2, h2);
    /* One of them read the shard; the other waited and found nothing
     * left after the first's checkpoint. */
    ck_assert_int_eq(num(s1, "records") + num(s2, "records"), (json_int_t)n);
    ck_assert_int_eq(num(s1, "records") * num(s2, "records"), 0);
    ck_assert_int_eq(num(s1, "applied") + num(s1, "coalesced") +
                         num(s2, "applied") + num(s2, "coalesced"),
                     (json_int_t)n);
    ck_assert_ptr_nonnull(strstr(g_log, "waiting"));
    tu_expect_replica(c, SRC, DST);
    json_decref(s1);
    json_decref(s2);
    tu_client_free(c);
}
END_TEST

/* Two pipelines of one stream (different targets) share a checkpoint
 * table: each keeps its own checkpoints and leases, so the second is not
 * skipped past what the first applied. */
START_TEST(pipelines_share_a_checkpoint_table)
{
    ddbxo_client *c = tu_moto_client();
    const char *arn = setup_tables(c);
    ddbxo_apply_config acfg;
    ddbxo_runner_config cfg;
    ddbxo_applier *a2;
    ddbxo_runner *r;
    ddbxo_error err;
    json_t *sum, *items;
    size_t n;

    tu_create_table(c, "dst2", "pk", "S", NULL, NULL, NULL);
    tu_workload(c, SRC, 0, 40, 15);
    n = tu_stream_count(c, SRC);
    base_cfg(&cfg, arn);
    cfg.checkpoint_table = CKPT;
    sum = run(c, &cfg);                       /* consumer "dst" */
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    json_decref(sum);

    memset(&acfg, 0, sizeof acfg);
    acfg.target_table = "dst2";
    a2 = ddbxo_applier_new(c, &acfg, &err);
    ck_assert_msg(a2 != NULL, "%s", err.message);
    r = ddbxo_runner_new(c, a2, &cfg, &err);  /* consumer "dst2" */
    ck_assert_msg(r != NULL, "%s", err.message);
    ck_assert_msg(ddbxo_runner_run(r, &err) == 0, "%s", err.message);
    sum = tu_json(ddbxo_runner_summary(r, NULL));
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    ck_assert_int_eq(num(sum, "applied") + num(sum, "coalesced"),
                     (json_int_t)n);
    json_decref(sum);
    ddbxo_runner_free(r);
    ddbxo_applier_free(a2);
    items = tu_scan(c, "dst2");
    sum = tu_scan(c, DST);
    ck_assert_uint_eq(json_array_size(items), json_array_size(sum));
    json_decref(sum);
    json_decref(items);
    tu_client_free(c);
}
END_TEST

static ddbxo_runner *g_stop_me;
static int g_progress_calls;

/* Progress callback that stops its runner on the fifth call. */
static void stop_after_progress(void *ctx, const char *json, size_t len)
{
    (void)ctx;
    (void)json;
    (void)len;
    if (++g_progress_calls >= 5 && g_stop_me)
        ddbxo_runner_stop(g_stop_me);
}

START_TEST(held_lease_blocks_then_expires)
{
    ddbxo_client *c = tu_moto_client();
    const char *arn = setup_tables(c);
    const char *shard = the_shard(c, arn);
    ddbxo__ckpt ghost = ckpt_of(c, arn, "ghost", 600000);
    ddbxo_runner_config cfg;
    ddbxo_error err;
    json_t *sum, *lease;
    size_t n;

    tu_workload(c, SRC, 0, 60, 20);
    n = tu_stream_count(c, SRC);
    /* Another runner holds the lease for ten minutes. */
    ck_assert_int_eq(ddbxo__lease_acquire(&ghost, shard,
                                          ddbxo__wall_ms(), NULL, 0,
                                          NULL, &err),
                     0);
    base_cfg(&cfg, arn);
    cfg.checkpoint_table = CKPT;
    cfg.owner = "me";
    cfg.lease_ms = 1500;
    /* Waiting for a lease is not idleness: the runner would wait for the
     * ghost's ten minutes, so stop it from its progress callback after a
     * few periods and check that it read nothing meanwhile. */
    {
        ddbxo_applier *a = mk_applier(c);
        ddbxo_runner_config held = cfg;
        ddbxo_runner *r;
        held.progress = stop_after_progress;
        held.progress_ms = 200;
        g_progress_calls = 0;
        r = ddbxo_runner_new(c, a, &held, &err);
        ck_assert_msg(r != NULL, "%s", err.message);
        g_stop_me = r;
        ck_assert_int_eq(ddbxo_runner_run(r, &err), 0);
        ck_assert_int_ge(g_progress_calls, 5);
        sum = tu_json(ddbxo_runner_summary(r, NULL));
        ddbxo_runner_free(r);
        ddbxo_applier_free(a);
        g_stop_me = NULL;
    }
    ck_assert_int_eq(num(sum, "records"), 0);
    ck_assert_ptr_nonnull(strstr(g_log, "leased by ghost"));
    json_decref(sum);
    sum = tu_scan(c, DST);
    ck_assert_uint_eq(json_array_size(sum), 0);
    json_decref(sum);

    /* Now it stops renewing: its lease runs out in 1.5 s, and we wait
     * longer than that without records. */
    ghost.lease_ms = 1500;
    ck_assert_int_eq(ddbxo__lease_acquire(&ghost, shard,
                                          ddbxo__wall_ms(), NULL, 0,
                                          NULL, &err),
                     0);
    cfg.until_idle_ms = 4000;
    sum = run(c, &cfg);
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    tu_expect_replica(c, SRC, DST);
    /* Released on the way out: owner "me", expiry 0. */
    lease = lease_item(c, arn, shard);
    ck_assert_ptr_nonnull(lease);
    ck_assert_str_eq(json_string_value(tu_json_at(lease, "owner.S")), "me");
    ck_assert_str_eq(json_string_value(tu_json_at(lease, "expiry.N")), "0");
    /* The ghost cannot write a checkpoint any more. */
    ck_assert_int_eq(ddbxo__ckpt_write(&ghost, shard, "1", 0,
                                       ddbxo__wall_ms(), &err),
                     1);
    json_decref(lease);
    json_decref(sum);
    tu_client_free(c);
}
END_TEST

static ddbxo_runner *volatile g_runner;

static void on_signal(int sig)
{
    (void)sig;
    ddbxo_runner_stop(g_runner);
}

START_TEST(stop_signal_checkpoints_and_returns_0)
{
    ddbxo_client *c = tu_moto_client();
    const char *arn = setup_tables(c);
    const char *shard = the_shard(c, arn);
    ddbxo__ckpt k = ckpt_of(c, arn, "x", 1);
    ddbxo__ckpt_state st;
    ddbxo_error err;
    thread_run t;
    pthread_t th;
    json_t *sum, *lease;
    char *slast;
    size_t n;
    int i;

    tu_workload(c, SRC, 0, 80, 20);
    n = tu_stream_count(c, SRC);
    slast = stream_seq(c, n - 1);
    memset(&t, 0, sizeof t);
    t.c = c;
    base_cfg(&t.cfg, arn);
    t.cfg.checkpoint_table = CKPT;
    t.cfg.until_idle_ms = 0;    /* forever */
    t.cfg.owner = "sig";
    thread_start(&t, &th);
    g_runner = t.r;
    signal(SIGUSR1, on_signal);
    /* Wait until everything is checkpointed (bounded: 30 s). */
    for (i = 0; i < 300; i++) {
        if (ddbxo__ckpt_read(&k, shard, &st, &err) == 1 &&
            strcmp(st.seq, slast) == 0)
            break;
        nap_ms(100);
    }
    ck_assert_int_lt(i, 300);
    raise(SIGUSR1);
    sum = thread_join(&t, th);
    signal(SIGUSR1, SIG_DFL);
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    lease = lease_item(c, arn, shard);
    ck_assert_str_eq(json_string_value(tu_json_at(lease, "expiry.N")), "0");
    tu_expect_replica(c, SRC, DST);
    json_decref(lease);
    json_decref(sum);
    free(slast);
    tu_client_free(c);
}
END_TEST

/* The Streams endpoint behind the fault server, DynamoDB direct. */
static faultsrv *streams_proxy(ddbxo_client **c)
{
    char errbuf[256];
    faultsrv *fs = faultsrv_start(errbuf, sizeof errbuf);
    faultsrv_action fwd;
    ck_assert_msg(fs != NULL, "%s", errbuf);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    memset(&fwd, 0, sizeof fwd);
    fwd.kind = FAULTSRV_FORWARD;
    faultsrv_set_default(fs, fwd);
    *c = client2(tu_moto_endpoint(tu_moto_get()), faultsrv_url(fs), 0);
    return fs;
}

static const char *op_of(faultsrv *fs, size_t i)
{
    static char buf[128];
    const faultsrv_req *rq = faultsrv_req_at(fs, i);
    const char *t;
    ck_assert_ptr_nonnull(rq);
    t = faultsrv_req_header(rq, "X-Amz-Target", buf, sizeof buf);
    ck_assert_ptr_nonnull(t);
    return strchr(t, '.') ? strchr(t, '.') + 1 : t;
}

static void push_error(faultsrv *fs, const char *type)
{
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_STATUS;
    a.status = 400;
    a.error_type = type;
    faultsrv_push(fs, a);
}

static void push_forward(faultsrv *fs)
{
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_FORWARD;
    faultsrv_push(fs, a);
}

START_TEST(expired_iterator_is_refreshed)
{
    ddbxo_client *c;
    faultsrv *fs = streams_proxy(&c);
    const char *arn = setup_tables(c);
    ddbxo_runner_config cfg;
    json_t *sum;
    size_t n, before;

    tu_workload(c, SRC, 0, 60, 20);
    n = tu_stream_count(c, SRC);    /* (through the proxy too) */
    before = faultsrv_nreqs(fs);
    push_forward(fs);                           /* DescribeStream */
    push_forward(fs);                           /* GetShardIterator */
    push_error(fs, "ExpiredIteratorException"); /* GetRecords */
    base_cfg(&cfg, arn);
    sum = run(c, &cfg);
    ck_assert_str_eq(op_of(fs, before + 2), "GetRecords");
    ck_assert_str_eq(op_of(fs, before + 3), "GetShardIterator");
    ck_assert_int_eq(num(sum, "iterator_refreshes"), 1);
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    ck_assert_int_eq(num(sum, "applied") + num(sum, "coalesced"),
                     (json_int_t)n);
    tu_expect_replica(c, SRC, DST);
    json_decref(sum);
    faultsrv_stop(fs);
    free_clients();
}
END_TEST

START_TEST(trimmed_data_is_reported_and_counted)
{
    ddbxo_client *c;
    faultsrv *fs = streams_proxy(&c);
    const char *arn = setup_tables(c);
    const char *shard = the_shard(c, arn);
    ddbxo_runner_config cfg;
    json_t *sum;
    char want[512], *s10, *s1;
    size_t n, before;

    tu_workload(c, SRC, 0, 60, 20);
    n = tu_stream_count(c, SRC);
    s1 = stream_seq(c, 0);
    s10 = stream_seq(c, 9);
    base_cfg(&cfg, arn);
    cfg.checkpoint_table = CKPT;
    cfg.max_records = 10;
    sum = run(c, &cfg);
    ck_assert_int_eq(num(sum, "records"), 10);
    json_decref(sum);

    /* The restart's AFTER_SEQUENCE_NUMBER iterator is past the trim
     * point: records after the checkpoint are lost. */
    before = faultsrv_nreqs(fs);
    push_forward(fs);                              /* DescribeStream */
    push_error(fs, "TrimmedDataAccessException");  /* GetShardIterator */
    cfg.max_records = 0;
    g_log[0] = '\0';
    sum = run(c, &cfg);
    ck_assert_str_eq(op_of(fs, before + 1), "GetShardIterator");
    ck_assert_int_eq(num(sum, "trimmed_ranges"), 1);
    snprintf(want, sizeof want,
             "shard %s: TrimmedDataAccessException: records after sequence "
             "number %s were trimmed", shard, s10);
    ck_assert_msg(strstr(g_log, want) != NULL, "log:\n%s", g_log);
    snprintf(want, sizeof want, "ends before sequence number %s", s1);
    ck_assert_msg(strstr(g_log, want) != NULL, "log:\n%s", g_log);
    /* It went on from TRIM_HORIZON: every record, none applied twice. */
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    ck_assert_int_le(num(sum, "applied"), (json_int_t)(n - 10));
    tu_expect_replica(c, SRC, DST);
    json_decref(sum);
    free(s1);
    free(s10);
    faultsrv_stop(fs);
    free_clients();
}
END_TEST

START_TEST(only_failed_records_are_retried)
{
    char errbuf[256];
    faultsrv *fs = faultsrv_start(errbuf, sizeof errbuf);
    ddbxo_client *mc = tu_moto_client(), *c;
    const char *arn;
    ddbxo_runner_config cfg;
    faultsrv_action a;
    json_t *sum;
    size_t n;

    ck_assert_msg(fs != NULL, "%s", errbuf);
    arn = setup_tables(mc);
    tu_workload(mc, SRC, 0, 60, 20);
    n = tu_stream_count(mc, SRC);
    /* DynamoDB writes through the fault server, one attempt each: the
     * first writes fail with 500 and come back FAILED_RETRYABLE. */
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_FORWARD;
    faultsrv_set_default(fs, a);
    a.kind = FAULTSRV_STATUS;
    a.status = 500;
    a.error_type = "InternalServerError";
    for (int i = 0; i < 6; i++)
        faultsrv_push(fs, a);
    c = client2(faultsrv_url(fs), tu_moto_endpoint(tu_moto_get()), 1);
    base_cfg(&cfg, arn);
    sum = run(c, &cfg);
    ck_assert_int_gt(num(sum, "retries"), 0);
    ck_assert_int_eq(num(sum, "failed"), 0);
    ck_assert_int_eq(num(sum, "records"), (json_int_t)n);
    ck_assert_ptr_nonnull(strstr(g_log, "trying them again"));
    /* Only the failed records went again: nothing applied in an earlier
     * try came back, and per-item order held (no STALE). */
    ck_assert_int_eq(num(sum, "duplicate"), 0);
    ck_assert_int_eq(num(sum, "stale"), 0);
    ck_assert_int_eq(num(sum, "applied") + num(sum, "coalesced"),
                     (json_int_t)n);
    tu_expect_replica(mc, SRC, DST);
    json_decref(sum);
    faultsrv_stop(fs);
    free_clients();
    tu_client_free(mc);
}
END_TEST

/* ---- a split stream, scripted: parent P (closed), child C ---------- */

#define SYN_ARN \
    "arn:aws:dynamodb:us-east-1:123456789012:table/src/stream/2026-01-01T00:00:00.000"

static void rec(char *out, size_t sz, const char *seq, const char *pk, int v)
{
    if (v < 0)
        snprintf(out, sz,
                 "{\"eventID\":\"e%s\",\"eventName\":\"REMOVE\","
                 "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\","
                 "\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"%s\"}},"
                 "\"OldImage\":{\"pk\":{\"S\":\"%s\"}},"
                 "\"SequenceNumber\":\"%s\",\"SizeBytes\":10,"
                 "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}",
                 seq, pk, pk, seq);
    else
        snprintf(out, sz,
                 "{\"eventID\":\"e%s\",\"eventName\":\"INSERT\","
                 "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\","
                 "\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"%s\"}},"
                 "\"NewImage\":{\"pk\":{\"S\":\"%s\"},\"v\":{\"N\":\"%d\"}},"
                 "\"SequenceNumber\":\"%s\",\"SizeBytes\":10,"
                 "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}",
                 seq, pk, pk, v, seq);
}

static void push_body(faultsrv *fs, const char *body)
{
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_OK;
    a.body = body;
    faultsrv_push(fs, a);
}

static const char *shard_id_of(faultsrv *fs, size_t i)
{
    static char buf[256];
    json_t *b = tu_json((const char *)faultsrv_req_at(fs, i)->body);
    snprintf(buf, sizeof buf, "%s",
             json_string_value(json_object_get(b, "ShardId")));
    json_decref(b);
    return buf;
}

static json_t *split_stream(const char *child_start)
{
    char errbuf[256], shP[256], shC[256], both[1024], page[2048],
        r1[512], r2[512], r3[512], r4[512], r5[512], dflt[1400];
    faultsrv *fs = faultsrv_start(errbuf, sizeof errbuf);
    ddbxo_client *mc = tu_moto_client(), *c;
    ddbxo_runner_config cfg;
    json_t *sum, *item;
    size_t first_c = 0;

    ck_assert_msg(fs != NULL, "%s", errbuf);
    tu_create_table(mc, DST, "pk", "S", NULL, NULL, NULL);
    snprintf(shP, sizeof shP,
             "{\"ShardId\":\"shardId-parent\",\"SequenceNumberRange\":"
             "{\"StartingSequenceNumber\":\"100\","
             "\"EndingSequenceNumber\":\"150\"}}");
    snprintf(shC, sizeof shC,
             "{\"ShardId\":\"shardId-child\",\"ParentShardId\":"
             "\"shardId-parent\",\"SequenceNumberRange\":"
             "{\"StartingSequenceNumber\":\"%s\"}}", child_start);
    snprintf(both, sizeof both, "[%s,%s]", shC, shP);
    /* Anything after the script: the listing, an iterator, no records. */
    snprintf(dflt, sizeof dflt,
             "{\"StreamDescription\":{\"Shards\":%s},\"ShardIterator\":"
             "\"it-x\",\"Records\":[],\"NextShardIterator\":\"it-x\"}", both);
    faultsrv_action d;
    memset(&d, 0, sizeof d);
    d.kind = FAULTSRV_OK;
    d.body = dflt;
    faultsrv_set_default(fs, d);
    /* 1-2: the listing in two pages, child first. */
    snprintf(page, sizeof page,
             "{\"StreamDescription\":{\"Shards\":[%s],"
             "\"LastEvaluatedShardId\":\"shardId-child\"}}", shC);
    push_body(fs, page);
    snprintf(page, sizeof page, "{\"StreamDescription\":{\"Shards\":[%s]}}",
             shP);
    push_body(fs, page);
    /* 3-5: the parent, drained in two pages. */
    push_body(fs, "{\"ShardIterator\":\"it-p1\"}");
    rec(r1, sizeof r1, "100", "k1", 1);
    rec(r2, sizeof r2, "101", "k2", 1);
    rec(r3, sizeof r3, "150", "k1", 2);
    snprintf(page, sizeof page,
             "{\"Records\":[%s,%s],\"NextShardIterator\":\"it-p2\"}", r1, r2);
    push_body(fs, page);
    snprintf(page, sizeof page,
             "{\"Records\":[%s],\"NextShardIterator\":null}", r3);
    push_body(fs, page);
    /* 6-8: listing again, then the child. */
    snprintf(page, sizeof page, "{\"StreamDescription\":{\"Shards\":%s}}",
             both);
    push_body(fs, page);
    push_body(fs, "{\"ShardIterator\":\"it-c1\"}");
    rec(r4, sizeof r4, "300", "k1", 3);
    rec(r5, sizeof r5, "301", "k2", -1);
    snprintf(page, sizeof page,
             "{\"Records\":[%s,%s],\"NextShardIterator\":\"it-c2\"}", r4, r5);
    push_body(fs, page);

    c = client2(tu_moto_endpoint(tu_moto_get()), faultsrv_url(fs), 0);
    base_cfg(&cfg, SYN_ARN);
    cfg.until_idle_ms = 800;
    sum = run(c, &cfg);

    ck_assert_str_eq(op_of(fs, 2), "GetShardIterator");
    ck_assert_str_eq(shard_id_of(fs, 2), "shardId-parent");
    for (size_t i = 0; i < faultsrv_nreqs(fs); i++)
        if (strcmp(op_of(fs, i), "GetShardIterator") == 0 &&
            strcmp(shard_id_of(fs, i), "shardId-child") == 0) {
            first_c = i;
            break;
        }
    /* The child started only after the parent's last page (request 5). */
    ck_assert_uint_eq(first_c, 6);
    ck_assert_int_eq(num(sum, "records"), 5);
    ck_assert_int_eq(num(sum, "shards"), 2);
    item = tu_get(mc, DST, "{\"pk\":{\"S\":\"k1\"}}");
    ck_assert_str_eq(json_string_value(tu_json_at(item, "v.N")), "3");
    json_decref(item);
    item = tu_get(mc, DST, "{\"pk\":{\"S\":\"k2\"}}");
    ck_assert(json_is_true(tu_json_at(item, "_ddbxo_deleted.BOOL")));
    json_decref(item);
    faultsrv_stop(fs);
    free_clients();
    tu_client_free(mc);
    return sum;
}

START_TEST(child_shard_waits_for_parent)
{
    json_t *sum = split_stream("200");
    ck_assert_int_eq(num(sum, "lineage_order_violations"), 0);
    json_decref(sum);
}
END_TEST

START_TEST(lineage_violation_is_counted)
{
    json_t *sum = split_stream("120");
    ck_assert_int_eq(num(sum, "lineage_order_violations"), 1);
    ck_assert_ptr_nonnull(strstr(g_log, "lineage_order_violation: shard "
                                        "shardId-child"));
    json_decref(sum);
}
END_TEST

START_TEST(config_is_checked)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_applier *a = mk_applier(c);
    ddbxo_runner_config cfg;
    ddbxo_error err;

    memset(&cfg, 0, sizeof cfg);
    ck_assert_ptr_null(ddbxo_runner_new(c, a, &cfg, &err));
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_str_eq(err.path, "stream_arn");
    cfg.stream_arn = "arn:x";
    cfg.batch_size = DDBXO_RUNNER_MAX_BATCH_SIZE + 1;
    ck_assert_ptr_null(ddbxo_runner_new(c, a, &cfg, &err));
    ck_assert_str_eq(err.path, "batch_size");
    cfg.batch_size = 0;
    cfg.from = 7;
    ck_assert_ptr_null(ddbxo_runner_new(c, a, &cfg, &err));
    ck_assert_str_eq(err.path, "from");
    cfg.from = DDBXO_FROM_LATEST;
    cfg.owner = "";
    ck_assert_ptr_null(ddbxo_runner_new(c, a, &cfg, &err));
    ck_assert_str_eq(err.path, "owner");
    ddbxo_runner_free(NULL);
    ddbxo_runner_stop(NULL);
    ddbxo_applier_free(a);
    tu_client_free(c);
}
END_TEST

START_TEST(missing_stream_fails_clearly)
{
    ddbxo_client *c = tu_moto_client();
    ddbxo_applier *a = mk_applier(c);
    ddbxo_runner_config cfg;
    ddbxo_runner *r;
    ddbxo_error err;

    tu_create_table(c, "nostream", "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    base_cfg(&cfg, NULL);
    cfg.source_table = "nostream";
    r = ddbxo_runner_new(c, a, &cfg, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(ddbxo_runner_run(r, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "nostream has no stream"));
    ddbxo_runner_free(r);
    ddbxo_applier_free(a);
    tu_client_free(c);
}
END_TEST

static void reset_log(void)
{
    g_log[0] = '\0';
}

static Suite *suite(void)
{
    static const tu_moto_opts opts = { .single_thread = 1 };
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("moto");
    tu_moto_suite_opts(&opts);
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_add_checked_fixture(tc, reset_log, NULL);
    tcase_add_test(tc, replicates_until_idle);
    tcase_add_test(tc, restart_resumes_from_checkpoint);
    tcase_add_test(tc, two_runners_one_lease);
    tcase_add_test(tc, pipelines_share_a_checkpoint_table);
    tcase_add_test(tc, held_lease_blocks_then_expires);
    tcase_add_test(tc, stop_signal_checkpoints_and_returns_0);
    tcase_add_test(tc, expired_iterator_is_refreshed);
    tcase_add_test(tc, trimmed_data_is_reported_and_counted);
    tcase_add_test(tc, only_failed_records_are_retried);
    tcase_add_test(tc, child_shard_waits_for_parent);
    tcase_add_test(tc, lineage_violation_is_counted);
    tcase_add_test(tc, config_is_checked);
    tcase_add_test(tc, missing_stream_fails_clearly);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
