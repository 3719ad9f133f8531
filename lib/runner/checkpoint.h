/* Internal: checkpoint and lease items in the checkpoint table
 * (lib/runner/checkpoint.c). */
#ifndef DDBXO_LIB_CHECKPOINT_H
#define DDBXO_LIB_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "ddbxo.h"

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

#endif
