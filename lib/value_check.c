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

/* ------------------------------------------------------------ fast
 * The same rules without error paths: every write is checked (strict
 * out), and building "Item.a.M.b.L[3]" for each attribute of every valid
 * item was most of the check's cost.  Valid input passes here; anything
 * else goes through the checks above, which decide and say why (so a
 * difference between the two can only cost time, as long as this pass
 * accepts nothing the full check refuses). */

static int fast_av(unsigned flags, const json_t *v, int depth);

/* ddbxo__av_type by the key's length and bytes, without its table scan
 * (the same answer: a type key matches by exact length and bytes). */
static int fast_type(const json_t *v, json_t **x)
{
    void *it;
    const char *k;
    int t = 0;
    if (!json_is_object(v) || json_object_size(v) != 1)
        return 0;
    it = json_object_iter((json_t *)v);
    k = json_object_iter_key(it);
    switch (json_object_iter_key_len(it)) {
    case 1:
        t = k[0] == 'S'   ? DDBXO_TYPE_S
            : k[0] == 'N' ? DDBXO_TYPE_N
            : k[0] == 'B' ? DDBXO_TYPE_B
            : k[0] == 'M' ? DDBXO_TYPE_M
            : k[0] == 'L' ? DDBXO_TYPE_L
                          : 0;
        break;
    case 2:
        t = k[1] != 'S'     ? 0
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
    *x = json_object_iter_value(it);
    return t;
}

static int fast_scalar(int t, const json_t *x)
{
    ddbxo_error inner;
    if (!json_is_string(x))
        return -1;
    if (t == DDBXO_TYPE_N)
        return ddbxo__number_check(json_string_value(x),
                                   json_string_length(x), &inner);
    if (t == DDBXO_TYPE_B)
        return ddbxo__b64_decode(json_string_value(x), json_string_length(x),
                                 NULL, &inner);
    return 0;
}

static int fast_set(unsigned flags, const json_t *arr, int type)
{
    ddbxo__members ms;
    ddbxo__path p;
    int rc;
    ddbxo__path_init(&p, NULL);
    rc = ddbxo__members_collect(&ms, arr, type, 0, 0, &p, NULL);
    if (rc == 0 && (flags & DDBXO__AV_STRICT) &&
        (json_array_size(arr) == 0 || ms.ndup > 0))
        rc = -1;
    ddbxo__members_free(&ms);
    return rc;
}

static int fast_av(unsigned flags, const json_t *v, int depth)
{
    json_t *x, *e;
    const char *k;
    size_t i;
    int t;

    if (depth > DDBXO_MAX_DEPTH || !(t = fast_type(v, &x)))
        return -1;
    switch (t) {
    case DDBXO_TYPE_S:
    case DDBXO_TYPE_N:
    case DDBXO_TYPE_B:
        return fast_scalar(t, x);
    case DDBXO_TYPE_SS:
    case DDBXO_TYPE_NS:
    case DDBXO_TYPE_BS:
        return fast_set(flags, x, t);
    case DDBXO_TYPE_M:
        if (!json_is_object(x))
            return -1;
        json_object_foreach(x, k, e) {
            if (fast_av(flags, e, depth + 1) < 0)
                return -1;
        }
        return 0;
    case DDBXO_TYPE_L:
        if (!json_is_array(x))
            return -1;
        json_array_foreach(x, i, e) {
            if (fast_av(flags, e, depth + 1) < 0)
                return -1;
        }
        return 0;
    case DDBXO_TYPE_NULL:
        return json_is_true(x) ? 0 : -1;
    default: /* BOOL */
        return json_is_boolean(x) ? 0 : -1;
    }
}

static int fast_item(unsigned flags, const json_t *m)
{
    const char *k;
    size_t klen;
    json_t *x;
    if (!json_is_object(m))
        return -1;
    json_object_keylen_foreach((json_t *)m, k, klen, x) {
        if (klen == 0 ||
            ((flags & DDBXO__AV_STRICT) && klen > DDBXO_MAX_NAME_BYTES) ||
            fast_av(flags, x, 1) < 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ entry */

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

    if (fast_item(flags, m) == 0)
        return 0;
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
