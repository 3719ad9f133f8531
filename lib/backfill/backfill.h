/* Internal: ddbxo backfill and ddbxo verify (docs/backfill.md).
 *
 *   lib/backfill/scan.c           one page of a parallel Scan; a table's key schema;
 *                        the source stream check
 *   lib/backfill/synth.c          scanned items as a synthetic stream event, so the
 *                        same transform and guarded write as `run` apply
 *   lib/backfill/pace.c           capacity pacing shared by the segment threads
 *   lib/backfill/backfill_ckpt.c  one checkpoint item per scan segment
 *   lib/backfill/backfill.c       the backfill: segments, pages, checkpoints
 *   lib/backfill/keymap.c         a hash map from an item key to what verify knows
 *   lib/backfill/batch_get.c      consistent BatchGetItem of many keys
 *   lib/backfill/verify.c         verify: scan both sides, classify, settle, report
 *   lib/backfill/verify_repair.c  verify --repair
 * The CLI (cli/cmd_backfill.c, cli/cmd_verify.c) includes this header, as
 * cmd_redrive does lib/redrive/redrive.h: the interface is not public yet.
 */
#ifndef DDBXO_LIB_BACKFILL_H
#define DDBXO_LIB_BACKFILL_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "backfill/backfill_ckpt.h"
#include "backfill/batch_get.h"
#include "backfill/pace.h"
#include "backfill/scan.h"
#include "backfill/synth.h"
#include "ddbxo.h"
#include "ddbxo/sys/apply.h"

/* ------------------------------------------------------------------ */
/* backfill (lib/backfill/backfill.c)                                            */
/* ------------------------------------------------------------------ */

/* Items per Scan page: also how much a kill -9 can make the restart
 * write again per segment. */
#define DDBXO_BACKFILL_DEFAULT_PAGE 100
/* DynamoDB: a Scan returns at most 1 MB; beyond this Limit pages are
 * bounded by size anyway. */
#define DDBXO_BACKFILL_MAX_PAGE 1000
/* Tries of a page's failed records before the backfill gives up. */
#define DDBXO_BACKFILL_PAGE_TRIES 8

typedef void (*ddbxo__bf_progress_fn)(void *ctx, const char *json,
                                      size_t len);

typedef struct ddbxo__bf_config {
    const char *source_table, *target_table;
    const char *checkpoint_table;  /* NULL = no resume */
    const ddbxo_transform *transform; /* replicate transforms only */
    const char *version_attr;    /* guard by this attribute, as run does */
    int segments;                /* [DDBXO_BACKFILL_DEFAULT_SEGMENTS] */
    int page_size;               /* [DDBXO_BACKFILL_DEFAULT_PAGE] */
    double max_rcu, max_wcu;     /* 0 = unpaced */
    ddbxo__bf_progress_fn progress;
    void *progress_ctx;
    int64_t progress_ms;         /* [5000] */
    ddbxo_log_fn log;
    void *log_ctx;
} ddbxo__bf_config;

typedef struct ddbxo__backfill ddbxo__backfill;

/* Checks cfg, describes both tables and checks the source stream (its
 * label is in the summary): NULL with err (DDBXO_E_CONFIG saying what
 * to do) otherwise. */
ddbxo__backfill *ddbxo__backfill_new(ddbxo_client *c,
                                     const ddbxo__bf_config *cfg,
                                     ddbxo_error *err);
void ddbxo__backfill_free(ddbxo__backfill *b);
const ddbxo__stream_info *ddbxo__backfill_stream(const ddbxo__backfill *b);
/* Scans every segment and applies it.  0 when every segment was read to
 * its end (or a stop finished the pages in flight), -1 with err. */
int ddbxo__backfill_run(ddbxo__backfill *b, ddbxo_error *err);
/* Async-signal-safe: finish the pages in flight, checkpoint, return. */
void ddbxo__backfill_stop(ddbxo__backfill *b);
/* The JSON summary (borrowed until the next call or free). */
const char *ddbxo__backfill_summary(ddbxo__backfill *b);

#endif
