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

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"

/* ------------------------------------------------------------------ */
/* scan (lib/backfill/scan.c)                                                    */
/* ------------------------------------------------------------------ */

/* DynamoDB: TotalSegments is 1..1000000; one thread per segment here, so
 * a far smaller bound keeps a typo from starting a million threads. */
#define DDBXO_SCAN_MAX_SEGMENTS 64
/* DynamoDB: attribute names of key attributes are 1..255 bytes. */
#define DDBXO__KEY_NAME_BUFSIZE 256

typedef struct ddbxo__keyschema {
    char hash[DDBXO__KEY_NAME_BUFSIZE];
    char range[DDBXO__KEY_NAME_BUFSIZE];   /* "" = no sort key */
} ddbxo__keyschema;

/* DescribeTable of table: its key schema into *ks and, if desc is not
 * NULL, the Table object (new reference). */
int ddbxo__table_describe(ddbxo_client *c, const char *table,
                          ddbxo__keyschema *ks, json_t **desc,
                          ddbxo_error *err);
/* The key attributes of item (new reference), or NULL when one is
 * missing. */
json_t *ddbxo__item_key(const json_t *item, const ddbxo__keyschema *ks);

/* One page of Scan segment/total (total 0 = no segments) from start_key
 * (NULL = the beginning), consistent, at most limit items (0 = 1 MB), with
 * ReturnConsumedCapacity TOTAL.  *resp: the answer (Items,
 * LastEvaluatedKey); *rcu: the capacity it reports (0 when absent). */
int ddbxo__scan_page(ddbxo_client *c, const char *table, int segment,
                     int total, const json_t *start_key, int limit,
                     json_t **resp, double *rcu, ddbxo_error *err);
/* ConsumedCapacity.CapacityUnits of an answer (an object or an array of
 * them, summed); 0 when absent. */
double ddbxo__consumed_units(const json_t *resp);

/* The canonical text of a key (compact JSON, members sorted; malloc'd):
 * what verify matches items of the two tables by.  NULL on no memory. */
char *ddbxo__key_text(const json_t *key);

/* Items per Scan page of ddbxo__scan_all: DynamoDB stops a page at 1 MB
 * anyway; the cap keeps a page of small items from being one long
 * request (a server's attempt timeout applies per page). */
#define DDBXO_SCAN_ALL_PAGE 1000

/* Receives the items of one Scan page (called under a lock: one page at
 * a time).  -1 with err stops the whole scan. */
typedef int (*ddbxo__page_fn)(void *ctx, const json_t *items,
                              ddbxo_error *err);
struct ddbxo__pace;
/* Scans all of table with nseg parallel segments (one thread each),
 * consistent reads, the capacity taken from *rcu (may be NULL), and hands
 * each page to fn.  0, or -1 with the first error. */
int ddbxo__scan_all(ddbxo_client *c, const char *table, int nseg,
                    struct ddbxo__pace *rcu, ddbxo__page_fn fn, void *ctx,
                    ddbxo_error *err);

/* What the source's stream says about backfill's precondition. */
typedef struct ddbxo__stream_info {
    char view_type[32];          /* StreamViewType */
    char label[64];              /* LatestStreamLabel: when it was enabled */
    char arn[512];               /* LatestStreamArn */
} ddbxo__stream_info;

/* Checks that the table described by desc has an enabled stream with
 * NewImage (NEW_IMAGE or NEW_AND_OLD_IMAGES; both images when need_old)
 * and fills *si.  DDBXO_E_CONFIG with what to do otherwise. */
int ddbxo__stream_check(const json_t *desc, int need_old,
                        ddbxo__stream_info *si, ddbxo_error *err);

/* ------------------------------------------------------------------ */
/* synthetic records (lib/backfill/synth.c)                                      */
/* ------------------------------------------------------------------ */

/* The SequenceNumber of a synthetic record.  It is below every real
 * sequence number, so replicate mode's guard (stored _ddbxo_seq < this
 * one) admits the write only where the target item has no _ddbxo_seq:
 * where nothing from the stream was applied yet (docs/exactly-once.md,
 * "Backfill"). */
#define DDBXO__SYNTH_SEQ "0"

/* The items (a JSON array of attribute maps) as an event document
 * {"Records":[INSERT records with Keys and NewImage]}, NUL-terminated
 * (free with free()).  NULL with err when an item lacks a key attribute. */
char *ddbxo__synth_event(const json_t *items, const ddbxo__keyschema *ks,
                         size_t *len, ddbxo_error *err);
/* The applier the synthetic records go through: replicate mode on target,
 * dedup keys naming source, the pipeline's version_attr and transform
 * (all borrowed: they must outlive it).  Backfill and verify --repair
 * write through it, so both take run's guard. */
ddbxo_applier *ddbxo__synth_applier(ddbxo_client *c, const char *source,
                                    const char *target,
                                    const char *version_attr,
                                    const ddbxo_transform *t,
                                    ddbxo_error *err);
/* j as the one-line JSON text backfill and verify print (malloc'd; NULL
 * on no memory); takes the reference. */
char *ddbxo__summary_text(json_t *j);
/* One record of the same shape, parsed (free with ddbxo_record_free). */
ddbxo_record *ddbxo__synth_record(const json_t *item,
                                  const ddbxo__keyschema *ks,
                                  ddbxo_error *err);

/* ------------------------------------------------------------------ */
/* pacing (lib/backfill/pace.c)                                                  */
/* ------------------------------------------------------------------ */

/* Spends capacity units at no more than `rate` per second on average
 * since `start`: a take first counts its units, then sleeps until the
 * total is within rate * elapsed.  So at any moment the units spent are
 * at most rate * seconds elapsed -- what the summary's per-second figures
 * show -- with no burst at the start.  Shared by threads. */
typedef struct ddbxo__pace {
    pthread_mutex_t mu;
    double rate;                 /* units per second; 0 = unpaced */
    double spent;
    int64_t start_ms;            /* monotonic */
} ddbxo__pace;

void ddbxo__pace_init(ddbxo__pace *p, double rate, int64_t start_ms);
void ddbxo__pace_destroy(ddbxo__pace *p);
/* Counts units and waits as above; returns early (0 -> 1) when *stop
 * becomes non-zero. */
int ddbxo__pace_take(ddbxo__pace *p, double units, const volatile int *stop);
double ddbxo__pace_spent(ddbxo__pace *p);
/* Consistent BatchGetItem of keys (a JSON array of key objects; repeats
 * allowed) from table, 100 keys a request, UnprocessedKeys asked again.
 * *out: an object from ddbxo__key_text(key) to the item, for the keys
 * that have one (new reference).  Capacity is taken from *rcu (may be
 * NULL).  (lib/backfill/batch_get.c) */
int ddbxo__batch_get(ddbxo_client *c, const char *table, const json_t *keys,
                     const ddbxo__keyschema *ks, ddbxo__pace *rcu,
                     json_t **out, ddbxo_error *err);

/* Sleeps ms in short naps; returns early (1) when *stop is set. */
int ddbxo__nap_stoppable(int64_t ms, const volatile int *stop);

/* ------------------------------------------------------------------ */
/* backfill checkpoints (lib/backfill/backfill_ckpt.c)                          */
/* ------------------------------------------------------------------ */

/* A segment's checkpoint item lives this long after its last write: a
 * backfill interrupted for longer starts that segment over. */
#define DDBXO_BACKFILL_CKPT_TTL_S (30 * 24 * 3600)

typedef struct ddbxo__bf_ckpt {
    json_t *start_key;           /* LastEvaluatedKey to go on from; NULL =
                                    from the beginning */
    int done;                    /* the segment was read to its end */
    long long items, pages;      /* what earlier runs did */
} ddbxo__bf_ckpt;

/* Reads the checkpoint of segment/total of the pipeline source->target
 * (consistent GetItem); *ck zeroed when there is none. */
int ddbxo__bf_ckpt_read(ddbxo_client *c, const char *table,
                        const char *source, const char *target, int segment,
                        int total, ddbxo__bf_ckpt *ck, ddbxo_error *err);
/* Writes it (after the page it covers was applied). */
int ddbxo__bf_ckpt_write(ddbxo_client *c, const char *table,
                         const char *source, const char *target, int segment,
                         int total, const ddbxo__bf_ckpt *ck,
                         ddbxo_error *err);
void ddbxo__bf_ckpt_clear(ddbxo__bf_ckpt *ck);

/* ------------------------------------------------------------------ */
/* backfill (lib/backfill/backfill.c)                                            */
/* ------------------------------------------------------------------ */

#define DDBXO_BACKFILL_DEFAULT_SEGMENTS 4
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
