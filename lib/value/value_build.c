/* Builders: values the library writes.  "Strict out" (docs/design.md §7): every
 * builder validates against DynamoDB's rules, so a value DynamoDB would
 * refuse fails here, naming the rule, not after a round trip.
 *
 * Containers copy what is put into them.  That keeps handles immutable
 * from the outside and makes cycles impossible (a map cannot end up
 * inside itself), at the price of a copy per insert, which is fine for
 * the small values people build by hand. */
#include "value/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/utf8.h"
#include "value/value_int.h"

/* {"T": x}, stealing x. */
static ddbxo_value *make(int type, json_t *x, int builder, ddbxo_error *err)
{
    json_t *o = x ? json_object() : NULL;
    ddbxo_value *v;
    if (o && json_object_set_new(o, ddbxo__type_key(type), x) < 0) {
        json_decref(o);
        o = NULL;
    } else if (!o) {
        json_decref(x);
    }
    v = ddbxo__value_steal(o, 0, builder);
    if (!v)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return v;
}

static json_t *string_of(const char *s, size_t len, ddbxo_error *err)
{
    json_t *x;
    if (!s && len)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL string"), NULL;
    if (!ddbxo__utf8_valid((const unsigned char *)s, len))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "string is not valid UTF-8"), NULL;
    x = json_stringn_nocheck(s ? s : "", len);
    if (!x)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return x;
}

static json_t *number_of(const char *s, size_t len, ddbxo_error *err)
{
    json_t *x;
    if (ddbxo__number_check(s, len, err) < 0)
        return NULL;
    x = json_stringn_nocheck(s, len);
    if (!x)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return x;
}

static json_t *binary_of(const void *p, size_t len, ddbxo_error *err)
{
    ddbxo__buf b;
    json_t *x = NULL;
    if (!p && len)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL bytes"), NULL;
    ddbxo__buf_init(&b);
    if (ddbxo__b64_encode(p, len, &b) == 0 && ddbxo__buf_cstr(&b))
        x = json_stringn_nocheck((const char *)b.p, b.len);
    ddbxo__buf_free(&b);
    if (!x)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return x;
}

DDBXO_API ddbxo_value *ddbxo_value_new_s(const char *s, size_t len,
                                         ddbxo_error *err)
{
    json_t *x = string_of(s, len, err);
    return x ? make(DDBXO_TYPE_S, x, 0, err) : NULL;
}

DDBXO_API ddbxo_value *ddbxo_value_new_n(const char *text, size_t len,
                                         ddbxo_error *err)
{
    json_t *x = number_of(text, len, err);
    return x ? make(DDBXO_TYPE_N, x, 0, err) : NULL;
}

DDBXO_API ddbxo_value *ddbxo_value_new_b(const void *p, size_t len,
                                         ddbxo_error *err)
{
    json_t *x = binary_of(p, len, err);
    return x ? make(DDBXO_TYPE_B, x, 0, err) : NULL;
}

DDBXO_API ddbxo_value *ddbxo_value_new_bool(int b, ddbxo_error *err)
{
    return make(DDBXO_TYPE_BOOL, json_boolean(b), 0, err);
}

DDBXO_API ddbxo_value *ddbxo_value_new_null(ddbxo_error *err)
{
    return make(DDBXO_TYPE_NULL, json_true(), 0, err);
}

DDBXO_API ddbxo_value *ddbxo_value_new_set(ddbxo_type type,
                                           const void *const *members,
                                           const size_t *lens, size_t n,
                                           ddbxo_error *err)
{
    json_t *arr;
    ddbxo_value *v;
    size_t i;
    if (type != DDBXO_TYPE_SS && type != DDBXO_TYPE_NS &&
        type != DDBXO_TYPE_BS)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "set type must be SS, NS or BS"), NULL;
    if (n == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, ddbxo__type_key(type),
                          "%s: empty set (DynamoDB rejects empty sets)",
                          ddbxo__type_key(type)), NULL;
    if (!members || !lens)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "NULL members"), NULL;
    arr = json_array();
    if (!arr)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    for (i = 0; i < n; i++) {
        ddbxo_error inner;
        json_t *x = type == DDBXO_TYPE_SS ? string_of(members[i], lens[i],
                                                      &inner)
                    : type == DDBXO_TYPE_NS ? number_of(members[i], lens[i],
                                                        &inner)
                                            : binary_of(members[i], lens[i],
                                                        &inner);
        if (!x) {
            char p[32];
            snprintf(p, sizeof p, "%s[%zu]", ddbxo__type_key(type), i);
            json_decref(arr);
            return ddbxo__err(err, inner.code, p, "%s: %s", p,
                              inner.message), NULL;
        }
        if (json_array_append_new(arr, x) < 0) {
            json_decref(arr);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"),
                   NULL;
        }
    }
    v = make(type, arr, 0, err);
    /* Duplicates (after normalisation for NS) are found by the same code
     * that checks parsed values, so both agree. */
    if (v && ddbxo__av_check(v->j, DDBXO__AV_STRICT, "", 1, err) < 0) {
        ddbxo_value_free(v);
        return NULL;
    }
    return v;
}

DDBXO_API ddbxo_value *ddbxo_value_new_map(ddbxo_error *err)
{
    return make(DDBXO_TYPE_M, json_object(), 1, err);
}

DDBXO_API ddbxo_value *ddbxo_value_new_list(ddbxo_error *err)
{
    return make(DDBXO_TYPE_L, json_array(), 1, err);
}

DDBXO_API ddbxo_value *ddbxo_item_new(ddbxo_error *err)
{
    ddbxo_value *v = ddbxo__value_steal(json_object(), 1, 1);
    if (!v)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return v;
}

/* A strictly valid copy of val, checked as if it sat at `depth`; an
 * attribute map becomes an M value.  `where` names it in errors. */
static json_t *child_copy(const ddbxo_value *val, const char *where,
                          int depth, ddbxo_error *err)
{
    json_t *tmp, *copy;
    if (!val)
        return ddbxo__err(err, DDBXO_E_INVALID, where, "%s: NULL value",
                          where), NULL;
    if (!ddbxo__value_json(val))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    if (val->is_item) {
        tmp = json_object();
        if (!tmp || json_object_set(tmp, "M",
                                    (json_t *)ddbxo__value_json(val)) < 0) {
            json_decref(tmp);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"),
                   NULL;
        }
    } else {
        tmp = json_incref((json_t *)ddbxo__value_json(val));
    }
    /* Check before copying: the check's recursion is bounded by the
     * depth limit, jansson's deep copy is not. */
    if (ddbxo__av_check(tmp, DDBXO__AV_STRICT, where, depth, err) < 0) {
        json_decref(tmp);
        return NULL;
    }
    copy = json_deep_copy(tmp);
    json_decref(tmp);
    if (!copy)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return copy;
}

DDBXO_API int ddbxo_map_set(ddbxo_value *map, const char *name,
                            size_t namelen, const ddbxo_value *val,
                            ddbxo_error *err)
{
    json_t *m = ddbxo__value_map_obj(map), *copy;
    char where[sizeof err->path];
    if (!m || !map->builder)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a map built with ddbxo_value_new_map or "
                          "ddbxo_item_new");
    if (!name && namelen)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL name");
    if (!ddbxo__utf8_valid((const unsigned char *)name, namelen))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "attribute name is not valid UTF-8");
    /* jansson cannot parse a key with U+0000 back, so such a map would
     * not survive its own JSON. */
    if (namelen && memchr(name, '\0', namelen))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "attribute name contains a NUL byte");
    if (map->is_item && namelen == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "attribute name is empty");
    if (map->is_item && namelen > DDBXO_MAX_NAME_BYTES)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "attribute name is %zu bytes (DynamoDB allows at "
                          "most %d)", namelen, DDBXO_MAX_NAME_BYTES);
    {
        ddbxo__path p;
        ddbxo__path_init(&p, NULL);
        ddbxo__path_push(&p, name ? name : "", namelen);
        memcpy(where, p.buf, p.len + 1);
    }
    /* An item's attribute is level 1; an M's entry is one below the M,
     * which is itself at least level 1. */
    copy = child_copy(val, where, map->is_item ? 1 : 2, err);
    if (!copy)
        return -1;
    if (json_object_setn_new_nocheck(m, name ? name : "", namelen,
                                     copy) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    ddbxo__value_changed(map);
    return 0;
}

DDBXO_API int ddbxo_list_append(ddbxo_value *list, const ddbxo_value *val,
                                ddbxo_error *err)
{
    json_t *x, *copy;
    char where[32];
    if (!list || !list->builder || list->is_item ||
        ddbxo__av_type_json(list->j, &x) != DDBXO_TYPE_L || !json_is_array(x))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a list built with ddbxo_value_new_list");
    snprintf(where, sizeof where, "[%zu]", json_array_size(x));
    copy = child_copy(val, where, 2, err);
    if (!copy)
        return -1;
    if (json_array_append_new(x, copy) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    ddbxo__value_changed(list);
    return 0;
}
