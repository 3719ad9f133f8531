/*
 * libddbxo -- redrive: records taken back from an SQS queue
 *
 * ADVANCED LAYER (libgit2's sys/ pattern): <ddbxo.h> does not include this
 * header; include it yourself.  Stability: names, signatures and
 * struct layouts hold within a major version, as in <ddbxo.h>.  For tools
 * and bindings that drain a park queue or a Lambda on-failure destination
 * the way `ddbxo redrive` does (docs/redrive.md).
 */
#ifndef DDBXO_SYS_REDRIVE_H
#define DDBXO_SYS_REDRIVE_H

#include <ddbxo.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default and largest ddbxo_redrive_config.tries. */
#define DDBXO_REDRIVE_DEFAULT_TRIES 5
#define DDBXO_REDRIVE_MAX_TRIES 100

typedef struct ddbxo_redrive_config {
    const char *queue_url;        /* required: the queue drained (on the
                                     target side; must not be
                                     apply.park_queue_url) */
    ddbxo_apply_config apply;     /* how records are applied, as for
                                     ddbxo_applier_new; apply.source_table
                                     NULL = each record's eventSourceARN,
                                     else the park message's table */
    const char *shard_id;         /* tracker mode: the shard of parked
                                     records (on-failure records name
                                     their own); NULL = none */
    long long max_messages;       /* take at most this many; 0 = until a
                                     receive finds no new message */
    int wait_s;                   /* long-poll wait per receive, 0..20 */
    int tries;                    /* apply a message's failed records up
                                     to this many times in all; 0 =
                                     DDBXO_REDRIVE_DEFAULT_TRIES */
    ddbxo_log_fn log;             /* one DDBXO_LOG_WARN line per record
                                     that did not settle, per message
                                     kept, per range lost; NULL = none */
    void *log_ctx;
} ddbxo_redrive_config;

/* Takes messages from cfg->queue_url and applies their records with an
 * exactly-once effect: a park message carries its record; a Lambda
 * on-failure record (DDBStreamBatchInfo) names a range that is read back
 * from the stream through `source` while the stream holds it.  The queue,
 * the target and the ledger are reached through `target`.  A message is
 * deleted once every record of it is APPLIED, DUPLICATE, STALE,
 * SUPERSEDED, COALESCED, FILTERED or PARKED; anything else (failed
 * records, a range the stream no longer has, a message of an unknown
 * shape) stays in the queue and is logged.
 *
 * *summary (if summary) gets the JSON summary (free with ddbxo_free):
 * `ddbxo apply`'s counts plus "batchItemFailures", "messages", "deleted",
 * "kept" and "lost_ranges".  Returns 0 when every message taken was
 * applied and deleted; 1 when a message was kept or a receive failed
 * (err says why when it was a receive; *summary is set either way); -1
 * with err when nothing could start (a bad configuration:
 * DDBXO_E_CONFIG or DDBXO_E_INVALID, including a pair of clients that
 * ddbxo_sides_check refuses, with err->path "queue_url" when it is the
 * queue that is on the wrong side; no memory), *summary then NULL. */
DDBXO_API int ddbxo_redrive_run(ddbxo_client *source, ddbxo_client *target,
                                const ddbxo_redrive_config *cfg,
                                char **summary, size_t *len,
                                ddbxo_error *err);

#ifdef __cplusplus
}
#endif

#endif
