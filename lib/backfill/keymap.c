/* verify's map from a target key to what is due there, compact: a table
 * of millions of items has to fit in memory (a jansson object per item
 * cost about 3 KB; this is about 200 bytes).  Open addressing, linear
 * probing, keys are the canonical key texts (ddbxo__key_text). */
#include "backfill/keymap.h"

#include <stdint.h>
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

/* Grow when more than 7 of 10 slots are taken: probes stay short. */
#define LOAD_NUM 7
#define LOAD_DEN 10
#define FIRST_CAP 1024

/* FNV-1a, 64 bits: the texts are short and not chosen by an attacker
 * who could profit from collisions (they only cost probes). */
static uint64_t hash_of(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static ddbxo__kentry *slot(ddbxo__kentry *v, size_t cap, uint64_t h,
                           const char *tkey)
{
    size_t i = (size_t)h & (cap - 1);
    while (v[i].keys && !(v[i].hash == h && strcmp(v[i].keys, tkey) == 0))
        i = (i + 1) & (cap - 1);
    return &v[i];
}

static int grow(ddbxo__keymap *m)
{
    size_t cap = m->cap ? m->cap * 2 : FIRST_CAP;
    ddbxo__kentry *v = calloc(cap, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->v[i].keys)
            *slot(v, cap, m->v[i].hash, m->v[i].keys) = m->v[i];
    free(m->v);
    m->v = v;
    m->cap = cap;
    return 0;
}

int ddbxo__keymap_put(ddbxo__keymap *m, const char *tkey, const char *skey,
                      const char *due)
{
    uint64_t h = hash_of(tkey);
    size_t tl = strlen(tkey), sl = strlen(skey);
    ddbxo__kentry *e;
    char *keys;
    if ((m->n + 1) * LOAD_DEN > m->cap * LOAD_NUM && grow(m) < 0)
        return -1;
    if (!(keys = malloc(tl + sl + 2)))
        return -1;
    memcpy(keys, tkey, tl + 1);
    memcpy(keys + tl + 1, skey, sl + 1);
    e = slot(m->v, m->cap, h, tkey);
    if (e->keys)
        free(e->keys);           /* two source items, one target key */
    else
        m->n++;
    e->hash = h;
    e->keys = keys;
    e->seen = 0;
    ddbxo__strlcpy(e->due, due, sizeof e->due);
    return 0;
}

ddbxo__kentry *ddbxo__keymap_get(ddbxo__keymap *m, const char *tkey)
{
    ddbxo__kentry *e;
    if (!m->cap)
        return NULL;
    e = slot(m->v, m->cap, hash_of(tkey), tkey);
    return e->keys ? e : NULL;
}

const char *ddbxo__kentry_skey(const ddbxo__kentry *e)
{
    return e->keys + strlen(e->keys) + 1;
}

void ddbxo__keymap_clear(ddbxo__keymap *m)
{
    for (size_t i = 0; m && i < m->cap; i++)
        free(m->v[i].keys);
    if (m) {
        free(m->v);
        memset(m, 0, sizeof *m);
    }
}
