/* Internal: one page of a parallel Scan, a table's key schema, the
 * source stream check (lib/backfill/scan.c). */
#ifndef DDBXO_LIB_SCAN_H
#define DDBXO_LIB_SCAN_H

#include <jansson.h>

#include "backfill/pace.h"
#include "ddbxo.h"


/* DynamoDB: TotalSegments is 1..1000000; one thread per segment here, so
 * a far smaller bound keeps a typo from starting a million threads. */
#define DDBXO_SCAN_MAX_SEGMENTS 64
/* Scan segments (threads) of backfill and verify by default. */
#define DDBXO_BACKFILL_DEFAULT_SEGMENTS 4
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

#endif
