/* Internal: the stream runner (ddbxo run).
 *
 *   lib/stream/shard_tree.h   the shards of a stream and their lineage
 *   lib/runner/checkpoint.h   checkpoint and lease items in the checkpoint table
 *   lib/runner/runner.c       configuration, lifecycle, counters, summary
 *   lib/runner/runner_loop.c  ddbxo_runner_run and its loop: describe, lease,
 *                             iterate, apply, retry
 */
#ifndef DDBXO_LIB_RUNNER_H
#define DDBXO_LIB_RUNNER_H

#include <jansson.h>
#include <stdatomic.h>

#include "ddbxo.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/value.h"
#include "runner/checkpoint.h"
#include "stream/shard_tree.h"

/* Defaults of ddbxo_runner_config's zero fields (the public header shows
 * them as [defaults]).  A lease outlives a stalled runner by at most
 * DEFAULT_LEASE_MS; Lambda polls each shard about 4 times a second (AWS
 * Lambda Developer Guide, DynamoDB event source mappings); DescribeStream
 * is re-read every DEFAULT_DESCRIBE_MS to find new shards (AWS allows 10
 * calls/s per account); DEFAULT_RETRY_MAX_MS is the longest pause between
 * two tries of a batch with failed records. */
#define DDBXO_RUNNER_DEFAULT_BATCH_SIZE 100
#define DDBXO_RUNNER_DEFAULT_LEASE_MS 30000
#define DDBXO_RUNNER_DEFAULT_POLL_MS 250
#define DDBXO_RUNNER_DEFAULT_DESCRIBE_MS 10000
#define DDBXO_RUNNER_DEFAULT_RETRY_MAX_MS 5000

/* "trim_horizon" / "latest" (any case) -> ddbxo_runner_from; -1 for
 * anything else (`ddbxo run --from`). */
int ddbxo__runner_from_parse(const char *name);

/* ------------------------------------------------------------------ */
/* runner (lib/runner/runner.c, lib/runner/runner_loop.c)                             */
/* ------------------------------------------------------------------ */

struct ddbxo_runner {
    ddbxo_client *c;             /* borrowed */
    ddbxo_applier *a;            /* borrowed */
    char *stream_arn_cfg;        /* owned copies (NULL when not set) */
    char *source_table;
    char *checkpoint_table;
    char *owner;
    char *consumer;
    char stream_arn[1024];       /* resolved; "" before run */
    int batch_size, from;
    int64_t until_idle_ms, lease_ms, poll_ms, describe_ms, retry_max_ms;
    int64_t progress_ms;
    uint64_t max_records;
    ddbxo_runner_progress_fn progress;
    void *progress_ctx;
    ddbxo_log_fn log;
    void *log_ctx;

    atomic_int stop;
    int describe_now;            /* a shard closed: look for children */

    ddbxo__shard_tree tree;
    ddbxo__ckpt ckpt;

    /* counters (the summary) */
    uint64_t tally[DDBXO_OUTCOME_END];
    uint64_t records, batches, retries, iterator_refreshes, trimmed_ranges,
        lineage_violations, failed_pending;
    int64_t started_ms, ended_ms, last_records_ms, iterator_age_ms;
    int64_t last_progress_ms;
    uint64_t progress_records;
    json_t *pending_failures;    /* seqs still failing when run() ended */
    char *summary;
};

/* Sleeps up to ms, waking early when stop is set.  Returns 1 if stopped. */
int ddbxo__runner_nap(ddbxo_runner *r, int64_t ms);
/* A log line through cfg.log (never item data). */
void ddbxo__runner_log(ddbxo_runner *r, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Emits a progress snapshot now. */
void ddbxo__runner_progress(ddbxo_runner *r);

#endif
