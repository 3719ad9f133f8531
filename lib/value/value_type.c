/* The ten AttributeValue type keys.  Their ddbxo_type values double as the
 * canonical encoding's type tags, so the order here is frozen. */
#include "value/value_int.h"

#include <string.h>

#include "value/value_type.h"

static const char *const keys[] = {
    NULL, "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL",
};

const char *ddbxo__type_key(int t)
{
    if (t < DDBXO_TYPE_S || t > DDBXO_TYPE_BOOL)
        return NULL;
    return keys[t];
}

DDBXO_API const char *ddbxo_type_name(ddbxo_type t)
{
    const char *k = ddbxo__type_key((int)t);
    return k ? k : "?";
}

int ddbxo__av_type_json(const json_t *v, json_t **val)
{
    void *it;
    const char *k;
    size_t klen;
    int t;

    if (val)
        *val = NULL;
    if (!json_is_object(v) || json_object_size(v) != 1)
        return 0;
    it = json_object_iter((json_t *)v);
    k = json_object_iter_key(it);
    klen = json_object_iter_key_len(it);
    for (t = DDBXO_TYPE_S; t <= DDBXO_TYPE_BOOL; t++) {
        if (strlen(keys[t]) == klen && memcmp(keys[t], k, klen) == 0) {
            if (val)
                *val = json_object_iter_value(it);
            return t;
        }
    }
    return 0;
}

int ddbxo__av_type(const ddbxo__doc *d, size_t v, size_t *val)
{
    const char *k;
    size_t klen;
    int t = 0;
    /* One member: the key node, the value, and nothing after. */
    if (ddbxo__doc_type(d, v) != DDBXO__J_OBJ ||
        ddbxo__doc_payload(d, v) < 2 ||
        ddbxo__doc_skip(d, v + 2) != v + 1 + ddbxo__doc_payload(d, v) ||
        ddbxo__doc_flag(d, v + 1))
        return 0;
    k = d->text + d->n[v + 1].pos;
    klen = ddbxo__doc_payload(d, v + 1);
    /* By length and bytes, without a table scan. */
    switch (klen) {
    case 1:
        t = k[0] == 'S'   ? DDBXO_TYPE_S
            : k[0] == 'N' ? DDBXO_TYPE_N
            : k[0] == 'B' ? DDBXO_TYPE_B
            : k[0] == 'M' ? DDBXO_TYPE_M
            : k[0] == 'L' ? DDBXO_TYPE_L
                          : 0;
        break;
    case 2:
        t = k[1] != 'S'   ? 0
            : k[0] == 'S' ? DDBXO_TYPE_SS
            : k[0] == 'N' ? DDBXO_TYPE_NS
            : k[0] == 'B' ? DDBXO_TYPE_BS
                          : 0;
        break;
    case 4:
        t = memcmp(k, "NULL", 4) == 0   ? DDBXO_TYPE_NULL
            : memcmp(k, "BOOL", 4) == 0 ? DDBXO_TYPE_BOOL
                                        : 0;
        break;
    }
    if (t && val)
        *val = v + 2;
    return t;
}

size_t ddbxo__doc_index(const ddbxo__doc *d, size_t parent, size_t elem)
{
    size_t i = 0, k = parent + 1;
    while (k < elem) {
        k = ddbxo__doc_skip(d, k);
        i++;
    }
    return i;
}
