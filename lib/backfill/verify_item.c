/* What verify compares: an item without the pipeline's bookkeeping, as a
 * digest of its canonical encoding (docs/format.md), and what the target
 * should hold for a source item -- the transform run on the item as a
 * synthetic INSERT, exactly as backfill and run write it. */
#include "backfill/verify_item.h"
#include "backfill/synth.h"

#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "util/error.h"
#include "util/sha256.h"

/* Every bookkeeping attribute (DDBXO__ATTR_*, the default TTL attribute)
 * starts with this. */
#define BOOKKEEPING_PREFIX "_ddbxo_"

int ddbxo__bookkeeping_attr(const char *name)
{
    return strncmp(name, BOOKKEEPING_PREFIX, sizeof BOOKKEEPING_PREFIX - 1) == 0;
}

int ddbxo__is_tombstone(const json_t *item)
{
    return json_is_true(json_object_get(json_object_get(item, DDBXO__ATTR_DELETED),
                                        "BOOL"));
}

char *ddbxo__item_digest(const json_t *item, ddbxo_error *err)
{
    json_t *bare = json_object(), *v;
    const char *k;
    char *text = NULL, *hex = NULL;
    ddbxo_value *val = NULL;
    unsigned char *canon = NULL;
    size_t clen = 0;
    ddbxo__sha sha = { 0 };
    if (!bare)
        goto nomem;
    json_object_foreach((json_t *)item, k, v)
        if (!ddbxo__bookkeeping_attr(k))
            json_object_set(bare, k, v);
    if (!(text = json_dumps(bare, JSON_COMPACT)))
        goto nomem;
    if (!(val = ddbxo_item_parse(text, strlen(text), DDBXO_VALUE_LENIENT, err)) ||
        ddbxo_value_canonical(val, &canon, &clen, err) < 0)
        goto out;
    if (!(hex = malloc(DDBXO__SHA256_HEX)) || ddbxo__sha_init(&sha) < 0 ||
        ddbxo__sha256_hex(&sha, canon, clen, hex) < 0) {
        free(hex);
        hex = NULL;
        goto nomem;
    }
    goto out;
nomem:
    ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
out:
    ddbxo__sha_free(&sha);
    ddbxo_free(canon);
    ddbxo_value_free(val);
    free(text);
    json_decref(bare);
    return hex;
}

int ddbxo__item_refused(const ddbxo_error *err)
{
    return err && (err->code == DDBXO_E_INVALID || err->code == DDBXO_E_LIMIT);
}

int ddbxo__expected_item(const ddbxo_transform *t, const json_t *src,
                         const ddbxo__keyschema *src_ks, json_t **want,
                         long long *unusable, ddbxo_error *err)
{
    ddbxo_record *rec = ddbxo__synth_record(src, src_ks, err);
    char *text = NULL;
    json_t *writes = NULL, *item;
    int rc = -1;
    *want = NULL;
    if (!rec)
        return -1;
    if (!t) {
        /* Identity (the default transform): the item itself. */
        *want = json_deep_copy(src);
        ddbxo_record_free(rec);
        return *want ? 1 : ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    if (!(text = ddbxo_transform_run(t, rec, NULL, err))) {
        if (unusable && ddbxo__item_refused(err)) {
            (*unusable)++;
            ddbxo_error_clear(err);
            rc = 0;
        }
        goto out;
    }
    if (!(writes = json_loads(text, 0, NULL))) {
        ddbxo__err(err, DDBXO_E_INTERNAL, NULL, "unreadable transform output");
        goto out;
    }
    if (json_array_size(writes) == 0) {
        rc = 0;
        goto out;
    }
    item = json_object_get(json_object_get(json_array_get(writes, 0), "Put"), "Item");
    if (json_array_size(writes) != 1 || !item) {
        ddbxo__err(err, DDBXO_E_INVALID, "transform",
                   "verify compares transforms that put one item per source "
                   "item; this one made %zu write(s) of another kind",
                   json_array_size(writes));
        goto out;
    }
    *want = json_incref(item);
    rc = 1;
out:
    json_decref(writes);
    ddbxo_free(text);
    ddbxo_record_free(rec);
    return rc;
}
