/* Internal: the stream runner (ddbxo run).
 *
 *   lib/stream/shard_tree.c   the shards of a stream and their lineage: which
 *                      may start (parent done or gone), lineage checks
 *   lib/runner/checkpoint.c   checkpoint and lease items in the checkpoint table
 *   lib/runner/runner.c       configuration, lifecycle, counters, summary
 *   lib/runner/runner_loop.c  the loop: describe, lease, iterate, apply, retry
 */
#ifndef DDBXO_LIB_RUNNER_H
#define DDBXO_LIB_RUNNER_H

#include <jansson.h>
#include <stdatomic.h>

#include "ddbxo.h"

/* ------------------------------------------------------------------ */
/* shard tree (lib/stream/shard_tree.c)                                        */
/* ------------------------------------------------------------------ */

/* AWS: ShardId is 28..65 characters; leave room, refuse anything longer. */
#define DDBXO__SHARD_ID_MAX 128
/* AWS: a shard iterator is at most 2048 characters. */
#define DDBXO__ITERATOR_MAX 4096

enum {
    DDBXO__SHARD_PENDING = 0,    /* not started (maybe waiting for a lease
                                    or for its parent) */
    DDBXO__SHARD_ACTIVE,         /* being read by this runner */
    DDBXO__SHARD_DONE            /* closed and drained, skipped, or gone */
};

typedef struct ddbxo__shard {
    char id[DDBXO__SHARD_ID_MAX + 1];
    char parent[DDBXO__SHARD_ID_MAX + 1]; /* "" = none */
    char start_seq[DDBXO_SEQ_BUFSIZE];    /* as listed; "" = not given */
    char end_seq[DDBXO_SEQ_BUFSIZE];      /* "" = open */
    int state;                   /* DDBXO__SHARD_* */
    int listed;                  /* in the latest DescribeStream */
    int root;                    /* parent ignored (a cycle in hostile
                                    input); set by merge */
    int first_listing;           /* listed by the first DescribeStream */
    int lineage_checked;

    /* the runner's state of an ACTIVE shard (lib/runner/runner_loop.c) */
    char *iterator;              /* NULL = need one */
    char last_seq[DDBXO_SEQ_BUFSIZE];  /* last fully processed ("" none) */
    char trim_from[DDBXO_SEQ_BUFSIZE]; /* trimmed range: after this seq
                                          ("" = from the shard start) */
    int trimmed_open;            /* a trimmed range waits for its end */
    int horizon;                 /* (re)start at TRIM_HORIZON even with
                                    from = LATEST (after a trim) */
    int have_lease;
    int64_t lease_renewed_ms;
    int64_t next_poll_ms;
    int64_t next_lease_try_ms;
    int call_failures;           /* consecutive failed stream calls */
} ddbxo__shard;

typedef struct ddbxo__shard_tree {
    ddbxo__shard *v;
    size_t n, cap;
    int listings;                /* merges done */
} ddbxo__shard_tree;

void ddbxo__shard_tree_init(ddbxo__shard_tree *t);
void ddbxo__shard_tree_clear(ddbxo__shard_tree *t);

/* Merges the Shards array of a DescribeStream answer (all pages): adds new
 * shards (PENDING), records a shard's EndingSequenceNumber when it closes,
 * and marks PENDING shards no longer listed DONE (trimmed away).  Every
 * entry is checked (ShardId 1..DDBXO__SHARD_ID_MAX of [A-Za-z0-9._-],
 * sequence numbers valid); a bad one fails the whole merge with
 * DDBXO_E_INVALID and err->path "Shards[i].Field", leaving t unchanged.
 * *added (if given) = shards new to t. */
int ddbxo__shard_tree_merge(ddbxo__shard_tree *t, const json_t *shards,
                            size_t *added, ddbxo_error *err);

/* The shard with this id, or NULL. */
ddbxo__shard *ddbxo__shard_tree_find(ddbxo__shard_tree *t, const char *id);

/* 1 if shard i may start: PENDING, and its parent is none, unknown (gone
 * from the stream = trimmed) or DONE. */
int ddbxo__shard_tree_ready(const ddbxo__shard_tree *t, size_t i);

/* DESIGN §3: 0 when shard i's first sequence number is not above its
 * parent's last (the parent's EndingSequenceNumber), 1 otherwise (also
 * when either is unknown). */
int ddbxo__shard_tree_lineage_ok(const ddbxo__shard_tree *t, size_t i);

/* Number of shards in each state. */
size_t ddbxo__shard_tree_count(const ddbxo__shard_tree *t, int state);

/* 1 if id is a shard id we accept (see merge). */
int ddbxo__shard_id_valid(const char *id);

/* ------------------------------------------------------------------ */
/* checkpoints and leases (lib/runner/checkpoint.c)                            */
/* ------------------------------------------------------------------ */

/* Item keys: "ddbxo#ckpt#v1#<stream arn>#<shard id>" and
 * "ddbxo#lease#v1#<stream arn>#<shard id>". */
#define DDBXO__CKPT_PREFIX "ddbxo#ckpt#v1#"
#define DDBXO__LEASE_PREFIX "ddbxo#lease#v1#"
/* Checkpoints outlive the 24 h stream retention by far. */
#define DDBXO__CKPT_TTL_S (7 * 24 * 3600)

typedef struct ddbxo__ckpt {
    ddbxo_client *c;             /* borrowed */
    const char *table;           /* borrowed */
    const char *consumer;        /* borrowed: the pipeline's name */
    const char *stream_arn;      /* borrowed */
    const char *owner;           /* borrowed */
    int64_t lease_ms;
} ddbxo__ckpt;

/* What a checkpoint item says. */
typedef struct ddbxo__ckpt_state {
    char seq[DDBXO_SEQ_BUFSIZE]; /* last fully processed, unpadded; "" */
    int done;                    /* the shard was closed and drained */
} ddbxo__ckpt_state;

/* Reads shard's checkpoint (consistent read).  1 = found (*out filled),
 * 0 = none, -1 = error (a malformed item is DDBXO_E_INVALID). */
int ddbxo__ckpt_read(const ddbxo__ckpt *k, const char *shard,
                     ddbxo__ckpt_state *out, ddbxo_error *err);

/* Writes the checkpoint (seq unpadded or padded; done 1 = shard finished)
 * in one transaction with a renewal of our lease, conditional on our
 * still owning the lease.  0 ok, 1 the lease is someone else's now
 * (nothing written), -1 error. */
int ddbxo__ckpt_write(const ddbxo__ckpt *k, const char *shard,
                      const char *seq, int done, int64_t now_ms,
                      ddbxo_error *err);

/* Takes or renews the lease: owner := us, expiry := now + lease_ms, if
 * there is no lease, it is ours, or it expired (expiry < now).  0 = ours,
 * 1 = held by another (holder/expiry filled if given; holder may be
 * truncated), -1 = error. */
int ddbxo__lease_acquire(const ddbxo__ckpt *k, const char *shard,
                         int64_t now_ms, char *holder, size_t holder_sz,
                         int64_t *expiry_ms, ddbxo_error *err);

/* Gives the lease up (expiry := 0) if it is still ours, so another runner
 * can take the shard at once.  0 (also when it was not ours), -1 error. */
int ddbxo__lease_release(const ddbxo__ckpt *k, const char *shard,
                         ddbxo_error *err);

/* The key "<prefix><consumer>#<arn>#<shard>" into out; -1 if it does not
 * fit.  The consumer keeps two pipelines of one stream (say a replica and
 * an aggregate) from resuming at each other's checkpoints. */
int ddbxo__ckpt_key(char *out, size_t outsz, const char *prefix,
                    const char *consumer, const char *stream_arn,
                    const char *shard);

/* s without leading zeros ("0" stays "0") into out. */
void ddbxo__seq_unpad(const char *s, char out[DDBXO_SEQ_BUFSIZE]);

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

/* The loop (lib/runner/runner_loop.c). */
int ddbxo__runner_loop(ddbxo_runner *r, ddbxo_error *err);

#endif
