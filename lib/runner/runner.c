/* lib/runner/: reading a stream for as long as it runs.  Owns the runner
 * (this file: configuration, lifecycle, counters, summary), its loop
 * (runner_loop) and the checkpoint and lease items (checkpoint).  It may
 * call util/, service/, stream/ and apply/. */

/* The stream runner: configuration, lifecycle, counters and the summary.
 * ddbxo_runner_run and its loop are lib/runner/runner_loop.c. */
#include "apply/apply.h"
#include "runner/runner.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"

#define DEFAULT_PROGRESS_MS 5000
/* A stop request is noticed within this long while sleeping. */
#define NAP_SLICE_MS 50

int ddbxo__runner_nap(ddbxo_runner *r, int64_t ms)
{
    int64_t end = ddbxo__now_ms() + ms;
    for (;;) {
        int64_t left = end - ddbxo__now_ms();
        if (atomic_load(&r->stop))
            return 1;
        if (left <= 0)
            return 0;
        ddbxo__sleep_ms(left > NAP_SLICE_MS ? NAP_SLICE_MS : left);
    }
}

void ddbxo__runner_log(ddbxo_runner *r, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddbxo__vlogf(r->log, r->log_ctx, level, fmt, ap);
    va_end(ap);
}

static char *dup_or_null(const char *s, int *fail)
{
    char *d;
    if (!s)
        return NULL;
    if (!(d = strdup(s)))
        *fail = 1;
    return d;
}

/* host:pid:random -- unique enough that two runners never share it. */
static char *default_owner(void)
{
    char host[128] = "host", buf[256];
    unsigned rnd = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&rnd, sizeof rnd, 1, f) != 1)
            rnd = 0;
        fclose(f);
    }
    if (!rnd)
        rnd = (unsigned)ddbxo__now_ms() ^ (unsigned)getpid() << 16;
    if (gethostname(host, sizeof host) != 0)
        strcpy(host, "host");
    host[sizeof host - 1] = '\0';
    snprintf(buf, sizeof buf, "%s:%ld:%08x", host, (long)getpid(), rnd);
    return strdup(buf);
}

int ddbxo__runner_from_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcasecmp(name, "trim_horizon") == 0)
        return DDBXO_FROM_TRIM_HORIZON;
    if (strcasecmp(name, "latest") == 0)
        return DDBXO_FROM_LATEST;
    return -1;
}

static int64_t or_default(int64_t v, int64_t d)
{
    return v > 0 ? v : d;
}

DDBXO_API ddbxo_runner *ddbxo_runner_new(ddbxo_client *c, ddbxo_applier *a,
                                         const ddbxo_runner_config *cfg,
                                         ddbxo_error *err)
{
    ddbxo_runner *r;
    int fail = 0;

    if (!c || !a || !cfg) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL,
                   "ddbxo_runner_new: client, applier and config are "
                   "required");
        return NULL;
    }
    if (!(cfg->stream_arn && cfg->stream_arn[0]) &&
        !(cfg->source_table && cfg->source_table[0])) {
        ddbxo__err(err, DDBXO_E_CONFIG, "stream_arn",
                   "runner: a stream ARN or a source table is required");
        return NULL;
    }
    if (cfg->stream_arn && strlen(cfg->stream_arn) >= 1000) {
        ddbxo__err(err, DDBXO_E_CONFIG, "stream_arn",
                   "runner: stream ARN longer than 1000 characters");
        return NULL;
    }
    if (cfg->batch_size < 0 || cfg->batch_size > DDBXO_RUNNER_MAX_BATCH_SIZE) {
        ddbxo__err(err, DDBXO_E_CONFIG, "batch_size",
                   "runner: batch_size must be 1..%d",
                   DDBXO_RUNNER_MAX_BATCH_SIZE);
        return NULL;
    }
    if (cfg->from != DDBXO_FROM_TRIM_HORIZON && cfg->from != DDBXO_FROM_LATEST) {
        ddbxo__err(err, DDBXO_E_CONFIG, "from",
                   "runner: from must be TRIM_HORIZON or LATEST");
        return NULL;
    }
    if (cfg->until_idle_ms < 0 || cfg->lease_ms < 0 || cfg->poll_ms < 0 ||
        cfg->describe_ms < 0 || cfg->retry_max_ms < 0 ||
        cfg->progress_ms < 0) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "runner: durations must not be negative");
        return NULL;
    }
    if (cfg->consumer && (!cfg->consumer[0] || strlen(cfg->consumer) > 255)) {
        ddbxo__err(err, DDBXO_E_CONFIG, "consumer",
                   "runner: consumer must be 1..255 characters");
        return NULL;
    }
    if (cfg->owner && (!cfg->owner[0] || strlen(cfg->owner) > 200)) {
        ddbxo__err(err, DDBXO_E_CONFIG, "owner",
                   "runner: owner must be 1..200 characters");
        return NULL;
    }
    if (!(r = calloc(1, sizeof *r))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    r->c = c;
    r->a = a;
    r->stream_arn_cfg = dup_or_null(cfg->stream_arn && cfg->stream_arn[0]
                                        ? cfg->stream_arn : NULL, &fail);
    r->source_table = dup_or_null(cfg->source_table, &fail);
    r->checkpoint_table = dup_or_null(
        cfg->checkpoint_table && cfg->checkpoint_table[0]
            ? cfg->checkpoint_table : NULL, &fail);
    r->owner = cfg->owner ? strdup(cfg->owner) : default_owner();
    r->consumer = strdup(cfg->consumer ? cfg->consumer : a->target_table);
    r->pending_failures = json_array();
    if (fail || !r->owner || !r->consumer || !r->pending_failures) {
        ddbxo_runner_free(r);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    r->batch_size = cfg->batch_size ? cfg->batch_size
                                    : DDBXO_RUNNER_DEFAULT_BATCH_SIZE;
    r->from = cfg->from;
    r->until_idle_ms = cfg->until_idle_ms;
    r->max_records = cfg->max_records;
    r->lease_ms = or_default(cfg->lease_ms, DDBXO_RUNNER_DEFAULT_LEASE_MS);
    r->poll_ms = or_default(cfg->poll_ms, DDBXO_RUNNER_DEFAULT_POLL_MS);
    r->describe_ms = or_default(cfg->describe_ms,
                                DDBXO_RUNNER_DEFAULT_DESCRIBE_MS);
    r->retry_max_ms = or_default(cfg->retry_max_ms,
                                 DDBXO_RUNNER_DEFAULT_RETRY_MAX_MS);
    r->progress_ms = or_default(cfg->progress_ms, DEFAULT_PROGRESS_MS);
    r->progress = cfg->progress;
    r->progress_ctx = cfg->progress_ctx;
    r->log = cfg->log;
    r->log_ctx = cfg->log_ctx;
    r->iterator_age_ms = -1;
    atomic_init(&r->stop, 0);
    ddbxo__shard_tree_init(&r->tree);
    return r;
}

DDBXO_API void ddbxo_runner_free(ddbxo_runner *r)
{
    if (!r)
        return;
    ddbxo__shard_tree_clear(&r->tree);
    free(r->stream_arn_cfg);
    free(r->source_table);
    free(r->checkpoint_table);
    free(r->owner);
    free(r->consumer);
    json_decref(r->pending_failures);
    free(r->summary);
    free(r);
}

DDBXO_API void ddbxo_runner_stop(ddbxo_runner *r)
{
    if (r)
        atomic_store(&r->stop, 1);
}

DDBXO_API const char *ddbxo_runner_stream_arn(const ddbxo_runner *r)
{
    return r ? r->stream_arn : "";
}

static double seconds(const ddbxo_runner *r)
{
    int64_t end = r->ended_ms >= r->started_ms && r->ended_ms
                      ? r->ended_ms : ddbxo__now_ms();
    return r->started_ms ? (double)(end - r->started_ms) / 1000.0 : 0.0;
}

/* The counters every snapshot shares, as "name":value pairs. */
static json_t *counters(const ddbxo_runner *r)
{
    json_t *j = ddbxo__outcome_counts_json(r->records, r->tally);
    if (!j)
        return NULL;
    json_object_set_new(j, "failed",
                        json_integer((json_int_t)r->failed_pending));
    return j;
}

DDBXO_API const char *ddbxo_runner_summary(ddbxo_runner *r, size_t *len)
{
    json_t *j;
    if (len)
        *len = 0;
    if (!r)
        return NULL;
    free(r->summary);
    r->summary = NULL;
    if (!(j = counters(r)))
        return NULL;
    json_object_set(j, "batchItemFailures", r->pending_failures);
    json_object_set_new(j, "shards", json_integer((json_int_t)r->tree.n));
    json_object_set_new(j, "seconds", json_real(seconds(r)));
    json_object_set_new(j, "batches", json_integer((json_int_t)r->batches));
    json_object_set_new(j, "retries", json_integer((json_int_t)r->retries));
    json_object_set_new(j, "iterator_refreshes",
                        json_integer((json_int_t)r->iterator_refreshes));
    json_object_set_new(j, "trimmed_ranges",
                        json_integer((json_int_t)r->trimmed_ranges));
    json_object_set_new(j, "lineage_order_violations",
                        json_integer((json_int_t)r->lineage_violations));
    r->summary = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                   JSON_REAL_PRECISION(6));
    json_decref(j);
    if (r->summary && len)
        *len = strlen(r->summary);
    return r->summary;
}

void ddbxo__runner_progress(ddbxo_runner *r)
{
    int64_t now = ddbxo__now_ms();
    double dt = (double)(now - r->last_progress_ms) / 1000.0;
    json_t *j;
    char *text;

    if (!r->progress)
        return;
    if (!(j = counters(r)))
        return;
    json_object_set_new(j, "seconds", json_real(seconds(r)));
    json_object_set_new(
        j, "records_per_s",
        json_real(dt > 0 ? (double)(r->records - r->progress_records) / dt
                         : 0.0));
    json_object_set_new(j, "iterator_age_ms",
                        json_integer((json_int_t)r->iterator_age_ms));
    json_object_set_new(j, "shards_active",
                        json_integer((json_int_t)ddbxo__shard_tree_count(
                            &r->tree, DDBXO__SHARD_ACTIVE)));
    json_object_set_new(j, "retries", json_integer((json_int_t)r->retries));
    text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(6));
    json_decref(j);
    r->last_progress_ms = now;
    r->progress_records = r->records;
    if (text) {
        r->progress(r->progress_ctx, text, strlen(text));
        free(text);
    }
}
