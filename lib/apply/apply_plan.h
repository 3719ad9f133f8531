/* Internal: the applier and the plan, what every file of the apply layer
 * and the batch engine share (the plan's steps are lib/apply/apply_plan.c,
 * apply_request.c and apply_classify.c).
 *
 * A record is applied through a *plan*:
 *
 *   ddbxo__plan_init(&p, a, rec, opt);
 *   if (ddbxo__plan_prepare(&p) == 0 &&      transform, dedup key, checks
 *       ddbxo__plan_request(&p) == 0) {      the request body
 *       for (;;) {
 *           send p.op with p.body (ddbxo__ddb_call, or a multi request)
 *           outcome = ddbxo__plan_classify(&p, rc, &err, &detail, &resend);
 *           if (!resend) break;              p.body was adjusted
 *       }
 *   }                                        else p.outcome is decided
 *   ddbxo__plan_clear(&p);
 *
 * Splitting prepare from request lets the batch engine coalesce: it
 * prepares every record of an item (cheap: the transform) and builds a
 * request only for the record that will be sent.  ddbxo_transact_apply()
 * is this loop with ddbxo__ddb_call; the batch engine runs it on a multi.
 */
#ifndef DDBXO_LIB_APPLY_PLAN_H
#define DDBXO_LIB_APPLY_PLAN_H

#include <jansson.h>

#include "ddbxo.h"
#include "service/ddb.h"
#include "transform/transform.h"
#include "transport/http.h"
#include "util/error.h"

/* Bookkeeping attribute names on target items (docs/design.md §4). */
#define DDBXO__ATTR_SEQ "_ddbxo_seq"
#define DDBXO__ATTR_SRC "_ddbxo_src"
#define DDBXO__ATTR_DELETED "_ddbxo_deleted"
#define DDBXO__ATTR_VER "_ddbxo_ver"
/* Ledger / tracker table layout. */
#define DDBXO__LEDGER_PK "pk"
#define DDBXO__LEDGER_EXP "exp"
#define DDBXO__LEDGER_PREFIX "ddbxo#v1#"
#define DDBXO__TRACKER_PREFIX "ddbxo#trk#v1#"
/* How often a plan is re-sent after a retryable refusal (a transaction
 * conflict, a token reused with other parameters) before it fails. */
#define DDBXO__PLAN_MAX_RESENDS 4

struct ddbxo_applier {
    ddbxo_client *client;        /* borrowed */
    int mode;                    /* ddbxo_mode */
    char *target_table;          /* owned copies; NULL when not set */
    char *ledger_table;
    char *source_table;
    char *source_version_attr;
    char *version_attr;
    char *ttl_attr;              /* never NULL */
    char *park_queue_url;
    const ddbxo_transform *transform;   /* never NULL */
    ddbxo_transform *own_transform;     /* the identity, when cfg had none */
    int hard_delete;
    int coalesce;                /* replicate and !no_coalesce */
    int64_t tombstone_ttl_s, ledger_ttl_s;
    size_t tracker_capacity;
    int max_inflight;            /* >= 1 */
    ddbxo__http_multi *multi;    /* the batch engine's; made on first use,
                                    freed by ddbxo_applier_free */
    int count_capacity;          /* ask for ConsumedCapacity and add it up
                                    in the batch result (backfill) */
    char call_id[DDBXO_DEDUP_KEY_BUFSIZE]; /* 64 random hex chars per
                                    ddbxo_transact_apply / process_batch
                                    call; "" = send no ClientRequestToken */
};

typedef struct ddbxo__plan {
    /* inputs (borrowed) */
    ddbxo_applier *a;
    const ddbxo_record *rec;
    int64_t deadline_ms;
    const char *shard_id;        /* may be NULL */

    /* set by prepare */
    int outcome;                 /* 0 = a request is needed; else decided
                                    (FILTERED, FAILED_PERMANENT, ...) */
    ddbxo_error err;             /* why, for FAILED_* / PARKED */
    struct ddbxo_writes writes;  /* the transform's writes */
    char dedup_key[DDBXO_DEDUP_KEY_BUFSIZE];
    char seq[DDBXO_SEQ_BUFSIZE]; /* padded sequence number */

    /* set by request */
    const char *op;              /* static: "PutItem", "UpdateItem",
                                    "DeleteItem" or "TransactWriteItems" */
    json_t *body;                /* the request (own reference) */
    ddbxo__json_splice *splices; /* texts spliced into body's objects: the
                                    items and keys passed through */
    size_t nsplices, capsplices;
    int ledger_idx;              /* TransactItems index of the ledger or
                                    tracker action, -1 = none */
    int source_idx;              /* ... of the source ConditionCheck */
    int target_idx;              /* ... of the guarded replicate write (0
                                    when it is a single-item request) */
    int sends;                   /* requests sent so far */
} ddbxo__plan;

/* Starts a plan (no allocation).  opt may be NULL. */
void ddbxo__plan_init(ddbxo__plan *p, ddbxo_applier *a,
                      const ddbxo_record *rec,
                      const ddbxo_apply_options *opt);
/* Runs the transform and derives keys.  Returns p->outcome: 0 when a
 * request is needed, else the decided outcome (FILTERED when the
 * transform skipped, FAILED_PERMANENT with p->err). */
int ddbxo__plan_prepare(ddbxo__plan *p);
/* Builds p->op / p->body from the prepared plan.  0, or FAILED_PERMANENT
 * (too many writes, an item over 400 KB, a transaction over 4 MB, a
 * missing version attribute, ...) with p->err and p->outcome set. */
int ddbxo__plan_request(ddbxo__plan *p);
/* Reads the answer to the last send: rc and err as ddbxo__ddb_call
 * returned them, detail its parsed error answer (may be NULL when rc ==
 * 0).  Returns the outcome (APPLIED, DUPLICATE, STALE, SUPERSEDED,
 * FAILED_RETRYABLE, FAILED_PERMANENT) and sets p->outcome / p->err.
 * *resend = 1 when the plan should be sent again as it now stands
 * (a retryable cancellation, or a ClientRequestToken that DynamoDB
 * matched with other parameters: the token is then dropped). */
int ddbxo__plan_classify(ddbxo__plan *p, int rc, const ddbxo_error *err,
                         const ddbxo__aws_error *detail, int *resend);
/* Frees what the plan holds.  Safe on an initialised plan. */
void ddbxo__plan_clear(ddbxo__plan *p);

/* The plan's own helpers the request builders share (lib/apply/apply_plan.c). */

/* Marks p as failed for good: p->outcome = FAILED_PERMANENT and p->err
 * (code, path, message; not retryable).  Returns FAILED_PERMANENT. */
int ddbxo__plan_fail(ddbxo__plan *p, int code, const char *path,
                     const char *fmt, ...) DDBXO_PRINTF(4, 5);

/* Expiry (epoch seconds) of something written for rec that should live
 * ttl_s: the record's creation time + ttl_s, so every resend of a record
 * carries the same value; now + ttl_s when the record has no time. */
int64_t ddbxo__apply_expiry(const ddbxo_record *rec, int64_t ttl_s);

/* Name of the source table for the source check and tracker keys:
 * a->source_table, else the table of the record's eventSourceARN (into
 * buf).  -1 with p failed when neither is known. */
int ddbxo__apply_source_table(ddbxo__plan *p, char *buf, size_t bufsz,
                              const char **name);

/* An empty object whose members, when the body is written, are attribute
 * map `node` of d followed by what the caller adds (the bookkeeping): how
 * an image reaches the request as its validated bytes.  NULL with p
 * failed (no memory). */
json_t *ddbxo__plan_splice(ddbxo__plan *p, const ddbxo__doc *d, size_t node);

#endif
