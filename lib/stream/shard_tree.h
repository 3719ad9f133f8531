/* Internal: the shards of a stream and their lineage
 * (lib/stream/shard_tree.c): which may start (parent done or gone),
 * lineage checks.  A shard also carries the runner's state while it reads
 * it (lib/runner/runner_loop.c). */
#ifndef DDBXO_LIB_SHARD_TREE_H
#define DDBXO_LIB_SHARD_TREE_H

#include <jansson.h>
#include <stdint.h>

#include "ddbxo.h"

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

/* docs/design.md §4: 0 when shard i's first sequence number is not above its
 * parent's last (the parent's EndingSequenceNumber), 1 otherwise (also
 * when either is unknown). */
int ddbxo__shard_tree_lineage_ok(const ddbxo__shard_tree *t, size_t i);

/* Number of shards in each state. */
size_t ddbxo__shard_tree_count(const ddbxo__shard_tree *t, int state);

/* 1 if id is a shard id we accept (see merge). */
int ddbxo__shard_id_valid(const char *id);

#endif
