/* Internal: what both modes of ddbxo verify share (lib/backfill/
 * verify_report.c): the configuration, the classes of a difference and
 * the report. */
#ifndef DDBXO_LIB_VERIFY_REPORT_H
#define DDBXO_LIB_VERIFY_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "ddbxo.h"

/* Sample keys reported per class by default. */
#define DDBXO_VERIFY_DEFAULT_SAMPLES 5
/* How long a difference may be a record in flight before it counts. */
#define DDBXO_VERIFY_DEFAULT_SETTLE_MS 5000

typedef struct ddbxo__verify_config {
    const char *source_table, *target_table;
    const ddbxo_transform *transform;  /* NULL = identity; an aggregate
                                          compares groups */
    const char *version_attr;    /* repairs stamp _ddbxo_ver as run does */
    int same_key;                /* the transform keeps the source key (an
                                    extra's source item can be re-read) */
    int segments;                /* [DDBXO_BACKFILL_DEFAULT_SEGMENTS] */
    double max_rcu;              /* 0 = unpaced */
    int samples;                 /* [DDBXO_VERIFY_DEFAULT_SAMPLES] */
    int64_t settle_ms;           /* pause before the second look (0 = at
                                    once; -1 = no second look, unless
                                    repairing) */
    int repair, repair_extra;
    ddbxo_log_fn log;
    void *log_ctx;
} ddbxo__verify_config;

/* The classes of a difference, as the report names them. */
enum { DDBXO__V_EQUAL = 0, DDBXO__V_MISSING, DDBXO__V_EXTRA,
       DDBXO__V_DIFFERENT, DDBXO__V_STALE, DDBXO__V_CLASSES };
const char *ddbxo__verify_class_name(int cls);

/* What both modes report. */
typedef struct ddbxo__vreport {
    const char *mode;            /* "replicate" / "aggregate" */
    const ddbxo__verify_config *cfg;
    long long source_items, target_items;
    long long n[DDBXO__V_CLASSES];     /* persisting, by class */
    long long found[DDBXO__V_CLASSES]; /* at the first look */
    long long resolved;
    json_t *samples;             /* class name -> [key, ...] */
    double secs, rcu;
} ddbxo__vreport;
/* Zeroes *r and gives it an empty sample list per class. */
void ddbxo__vreport_init(ddbxo__vreport *r, const char *mode,
                         const ddbxo__verify_config *cfg);
/* Counts a persisting difference and keeps key (borrowed) as a sample
 * while the class has fewer than cfg->samples. */
void ddbxo__vreport_add(ddbxo__vreport *r, int cls, const json_t *key);
/* The report object, then the mode's own members from extra (taken);
 * frees the samples.  NULL on no memory. */
json_t *ddbxo__vreport_json(ddbxo__vreport *r, json_t *extra);

#endif
