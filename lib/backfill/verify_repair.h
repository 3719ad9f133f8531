/* Internal: verify --repair (lib/backfill/verify_repair.c). */
#ifndef DDBXO_LIB_VERIFY_REPAIR_H
#define DDBXO_LIB_VERIFY_REPAIR_H

#include <jansson.h>

#include "backfill/scan.h"
#include "backfill/verify_report.h"
#include "ddbxo.h"

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
