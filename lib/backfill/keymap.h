/* Internal: target key -> what is due there (lib/backfill/keymap.c). */
#ifndef DDBXO_LIB_KEYMAP_H
#define DDBXO_LIB_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/sha256.h"

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

#endif
