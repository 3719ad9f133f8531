/* Internal: ddbxo verify (docs/backfill.md, "Verify").
 *
 *   lib/backfill/verify.c         replicate mode: scan both sides, classify each
 *                        key, look again at the differences, report
 *   lib/backfill/verify_item.c    what one item is expected to be, and how two
 *                        compare (bookkeeping attributes ignored)
 *   lib/backfill/keymap.c         target key -> what is due there, compact
 *   lib/backfill/verify_report.c  the report both modes print
 *   lib/backfill/verify_repair.c  --repair / --repair-extra
 *   lib/backfill/verify_agg.c     aggregate mode: groups recomputed from the source
 */
#ifndef DDBXO_LIB_VERIFY_H
#define DDBXO_LIB_VERIFY_H

#include <jansson.h>
#include <stdint.h>

#include "backfill/backfill.h"
#include "backfill/verify_report.h"
#include "util/sha256.h"

/* Compares; *report gets the JSON report (free with free()).  Returns 0
 * when the target equals f(source), 1 when differences persist (repaired
 * or not), -1 with err when the comparison could not be made. */
int ddbxo__verify_run(ddbxo_client *c, const ddbxo__verify_config *cfg,
                      char **report, ddbxo_error *err);
/* The same for an aggregate transform (called by ddbxo__verify_run). */
int ddbxo__verify_aggregate(ddbxo_client *c, const ddbxo__verify_config *cfg,
                            char **report, ddbxo_error *err);

/* lib/backfill/verify_item.c */
/* 1 for an attribute the pipeline owns (_ddbxo_*): never compared. */
int ddbxo__bookkeeping_attr(const char *name);
/* 1 when item is a replicate tombstone (_ddbxo_deleted = true). */
int ddbxo__is_tombstone(const json_t *item);
/* Hex SHA-256 of the canonical encoding of item without bookkeeping
 * (malloc'd): equal items give equal digests whatever the attribute order
 * or number spelling.  NULL with err. */
char *ddbxo__item_digest(const json_t *item, ddbxo_error *err);
/* What the target should hold for source item src: 1 with *want (the
 * transformed item, new reference), 0 when the transform skips it, -1
 * with err (also for a transform that does not put exactly one item).
 * An item the transform refuses (DDBXO_E_INVALID / DDBXO_E_LIMIT: run
 * would fail its records for good) counts in *unusable (if not NULL) and
 * gives 0: nothing can be due for it. */
int ddbxo__expected_item(const ddbxo_transform *t, const json_t *src,
                         const ddbxo__keyschema *src_ks, json_t **want,
                         long long *unusable, ddbxo_error *err);
/* 1 for an error that a transform raises about one item (see above). */
int ddbxo__item_refused(const ddbxo_error *err);

/* lib/backfill/keymap.c: for each expected target key (its canonical text), the
 * source key and the digest of the item due there. */
typedef struct ddbxo__kentry {
    uint64_t hash;
    char *keys;                  /* target key text, NUL, source key text;
                                    NULL = an empty slot */
    char due[DDBXO__SHA256_HEX]; /* ddbxo__item_digest of the item */
    int seen;                    /* the target has this key */
} ddbxo__kentry;
typedef struct ddbxo__keymap {
    ddbxo__kentry *v;
    size_t n, cap;               /* cap: 0 or a power of two */
} ddbxo__keymap;
/* Adds or replaces the entry of tkey.  0, or -1 on no memory. */
int ddbxo__keymap_put(ddbxo__keymap *m, const char *tkey, const char *skey,
                      const char *due);
/* The entry of tkey, or NULL. */
ddbxo__kentry *ddbxo__keymap_get(ddbxo__keymap *m, const char *tkey);
/* The source key text of an entry. */
const char *ddbxo__kentry_skey(const ddbxo__kentry *e);
/* Frees every entry; m is empty and reusable.  Accepts NULL. */
void ddbxo__keymap_clear(ddbxo__keymap *m);

/* lib/backfill/verify_repair.c */
typedef struct ddbxo__repair_ctx {
    ddbxo_client *c;
    const ddbxo__verify_config *cfg;
    const ddbxo__keyschema *src_ks, *tgt_ks;
    ddbxo_applier *ap;           /* the backfill path */
} ddbxo__repair_ctx;
/* Re-applies the source's current state src (NULL = none) at target key
 * tkey, where the target now holds cur (NULL = nothing).  Returns 1
 * changed, 0 refused because the item changed meanwhile (the stream
 * wrote it) or extras are not to be deleted, -1 with err. */
int ddbxo__repair_one(ddbxo__repair_ctx *r, int cls, const json_t *tkey,
                      const json_t *src, const json_t *cur,
                      ddbxo_error *err);

#endif
