/* Validation of AttributeValues and attribute maps (docs/format.md §4-5).
 *
 * Recursion is bounded: the depth is checked before descending, so a
 * hostile 10,000-level document costs at most DDBXO_MAX_DEPTH frames. */
#include "value.h"

#include <string.h>

#include "error.h"
#include "value_int.h"

typedef struct ctx {
    unsigned flags;
    ddbxo__path path;
    ddbxo_error *err;
} ctx;

static int strict(const ctx *c)
{
    return (c->flags & DDBXO__AV_STRICT) != 0;
}

static int fail(ctx *c, int code, const char *msg)
{
    return ddbxo__path_err(c->err, code, &c->path, "%s", msg);
}

static int check_av(ctx *c, const json_t *v, int depth);

static int check_set(ctx *c, const json_t *arr, int type)
{
    ddbxo__members ms;
    int rc = ddbxo__members_collect(&ms, arr, type, 0, 0, &c->path, c->err);
    if (rc == 0 && strict(c)) {
        if (json_array_size(arr) == 0)
            rc = fail(c, DDBXO_E_INVALID, "empty set (DynamoDB rejects "
                                          "empty sets in writes)");
        else if (ms.ndup > 0) {
            size_t old = ddbxo__path_push_index(&c->path, ms.dup_index);
            rc = fail(c, DDBXO_E_INVALID,
                      type == DDBXO_TYPE_NS
                          ? "duplicate set member (equal after number "
                            "normalisation)"
                          : "duplicate set member");
            ddbxo__path_pop(&c->path, old);
        }
    }
    ddbxo__members_free(&ms);
    return rc;
}

static int check_map(ctx *c, const json_t *m, int depth)
{
    const char *k;
    size_t klen;
    json_t *x;
    json_object_keylen_foreach((json_t *)m, k, klen, x) {
        size_t old = ddbxo__path_push(&c->path, k, klen);
        if (check_av(c, x, depth) < 0)
            return -1;
        ddbxo__path_pop(&c->path, old);
    }
    return 0;
}

static int check_av(ctx *c, const json_t *v, int depth)
{
    json_t *x;
    size_t old, i;
    int t, rc = 0;
    ddbxo_error inner;

    if (depth > DDBXO_MAX_DEPTH)
        return ddbxo__path_err(c->err, DDBXO_E_LIMIT, &c->path,
                               "nested deeper than %d levels",
                               DDBXO_MAX_DEPTH);
    if (!json_is_object(v))
        return fail(c, DDBXO_E_INVALID,
                    "must be an AttributeValue object like {\"S\":\"x\"}");
    if (json_object_size(v) != 1)
        return ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                               "AttributeValue has %zu keys; exactly one "
                               "type key expected", json_object_size(v));
    t = ddbxo__av_type(v, &x);
    if (!t)
        return fail(c, DDBXO_E_INVALID,
                    "unknown AttributeValue type key (expected one of S N B "
                    "SS NS BS M L NULL BOOL)");
    old = ddbxo__path_push(&c->path, ddbxo__type_key(t),
                           strlen(ddbxo__type_key(t)));
    switch (t) {
    case DDBXO_TYPE_S:
        /* jansson only holds valid UTF-8, so a string is enough. */
        if (!json_is_string(x))
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON string");
        break;
    case DDBXO_TYPE_N:
        if (!json_is_string(x))
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON string (DynamoDB "
                                          "JSON carries numbers as text)");
        else if (ddbxo__number_check(json_string_value(x),
                                     json_string_length(x), &inner) < 0)
            rc = fail(c, inner.code, inner.message);
        break;
    case DDBXO_TYPE_B:
        if (!json_is_string(x))
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON string (base64)");
        else if (ddbxo__b64_decode(json_string_value(x),
                                   json_string_length(x), NULL, &inner) < 0)
            rc = fail(c, inner.code, inner.message);
        break;
    case DDBXO_TYPE_SS:
    case DDBXO_TYPE_NS:
    case DDBXO_TYPE_BS:
        rc = check_set(c, x, t);
        break;
    case DDBXO_TYPE_M:
        if (!json_is_object(x))
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON object");
        else
            rc = check_map(c, x, depth + 1);
        break;
    case DDBXO_TYPE_L:
        if (!json_is_array(x)) {
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON array");
            break;
        }
        for (i = 0; i < json_array_size(x) && rc == 0; i++) {
            size_t o = ddbxo__path_push_index(&c->path, i);
            rc = check_av(c, json_array_get(x, i), depth + 1);
            ddbxo__path_pop(&c->path, o);
        }
        break;
    case DDBXO_TYPE_NULL:
        if (!json_is_true(x))
            rc = fail(c, DDBXO_E_INVALID, "must be true");
        break;
    default: /* BOOL */
        if (!json_is_boolean(x))
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON boolean");
        break;
    }
    if (rc == 0)
        ddbxo__path_pop(&c->path, old);
    return rc;
}

int ddbxo__av_check(const json_t *v, unsigned flags, const char *path,
                    int depth, ddbxo_error *err)
{
    ctx c;
    c.flags = flags;
    c.err = err;
    ddbxo__path_init(&c.path, path);
    return check_av(&c, v, depth < 1 ? 1 : depth);
}

int ddbxo__item_check(const json_t *m, unsigned flags, const char *path,
                      ddbxo_error *err)
{
    ctx c;
    const char *k;
    size_t klen;
    json_t *x;

    c.flags = flags;
    c.err = err;
    ddbxo__path_init(&c.path, path);
    if (!json_is_object(m))
        return fail(&c, DDBXO_E_INVALID,
                    "must be an attribute map (JSON object)");
    json_object_keylen_foreach((json_t *)m, k, klen, x) {
        size_t old;
        if (klen == 0)
            return fail(&c, DDBXO_E_INVALID, "attribute name is empty");
        old = ddbxo__path_push(&c.path, k, klen);
        if (strict(&c) && klen > DDBXO_MAX_NAME_BYTES)
            return ddbxo__path_err(err, DDBXO_E_LIMIT, &c.path,
                                   "attribute name is %zu bytes (DynamoDB "
                                   "allows at most %d)", klen,
                                   DDBXO_MAX_NAME_BYTES);
        if (check_av(&c, x, 1) < 0)
            return -1;
        ddbxo__path_pop(&c.path, old);
    }
    return 0;
}
