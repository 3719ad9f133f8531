/* The ten AttributeValue type keys.  Their ddbxo_type values double as the
 * canonical encoding's type tags, so the order here is frozen. */
#include "value_int.h"

#include <string.h>

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

int ddbxo__av_type(const json_t *v, json_t **val)
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
