/* Internal: consistent BatchGetItem of many keys (lib/backfill/batch_get.c). */
#ifndef DDBXO_LIB_BATCH_GET_H
#define DDBXO_LIB_BATCH_GET_H

#include <jansson.h>

#include "backfill/pace.h"
#include "backfill/scan.h"
#include "ddbxo.h"

/* Consistent BatchGetItem of keys (a JSON array of key objects; repeats
 * allowed) from table, 100 keys a request, UnprocessedKeys asked again.
 * *out: an object from ddbxo__key_text(key) to the item, for the keys
 * that have one (new reference).  Capacity is taken from *rcu (may be
 * NULL). */
int ddbxo__batch_get(ddbxo_client *c, const char *table, const json_t *keys,
                     const ddbxo__keyschema *ks, ddbxo__pace *rcu,
                     json_t **out, ddbxo_error *err);

#endif
