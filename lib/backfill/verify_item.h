/* Internal: what one item is expected to be, and how two compare
 * (lib/backfill/verify_item.c). */
#ifndef DDBXO_LIB_VERIFY_ITEM_H
#define DDBXO_LIB_VERIFY_ITEM_H

#include <jansson.h>

#include "backfill/scan.h"
#include "ddbxo.h"

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

#endif
