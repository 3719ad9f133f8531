/* Canonical encoding v1 (docs/format.md §1): the bytes hashed into dedup
 * keys.  Frozen: the bindings check the same known-answer vectors, so any
 * change here is a new version, never an edit.
 *
 * It re-checks what it touches (types, numbers, base64, depth) instead of
 * trusting an earlier check, and it is lenient: empty sets encode as count
 * 0 and duplicate members once, because stream images may carry both. */
#include "value.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "value_int.h"

typedef struct ctx {
    ddbxo__buf *out;
    ddbxo__path path;
    ddbxo_error *err;
} ctx;

static int canon_av(ctx *c, const json_t *v, int depth);

static int too_long(ctx *c, size_t n)
{
    if (n > UINT32_MAX)
        return ddbxo__path_err(c->err, DDBXO_E_LIMIT, &c->path,
                               "length %zu does not fit the u32 prefix", n);
    return 0;
}

static int put_bytes(ctx *c, const void *p, size_t n)
{
    if (too_long(c, n) < 0)
        return -1;
    ddbxo__buf_put_u32be(c->out, (uint32_t)n);
    ddbxo__buf_put(c->out, p, n);
    return 0;
}

static int entry_cmp(const void *x, const void *y)
{
    const struct ddbxo__entry *a = x, *b = y;
    return ddbxo__bytes_cmp(a->key, a->len, b->key, b->len);
}

/* Count, then entries sorted by key bytes (JSON objects cannot repeat a
 * key, so there is no tie). */
static int canon_map(ctx *c, const json_t *m, int depth)
{
    size_t n = json_object_size(m), i = 0, klen;
    struct ddbxo__entry *e;
    const char *k;
    json_t *x;
    int rc = 0;

    if (too_long(c, n) < 0)
        return -1;
    ddbxo__buf_put_u32be(c->out, (uint32_t)n);
    if (n == 0)
        return 0;
    e = calloc(n, sizeof *e);
    if (!e)
        return ddbxo__path_err(c->err, DDBXO_E_NOMEM, &c->path,
                               "out of memory");
    json_object_keylen_foreach((json_t *)m, k, klen, x) {
        e[i].key = k;
        e[i].len = klen;
        e[i].val = x;
        i++;
    }
    qsort(e, n, sizeof *e, entry_cmp);
    for (i = 0; i < n && rc == 0; i++) {
        size_t old = ddbxo__path_push(&c->path, e[i].key, e[i].len);
        rc = put_bytes(c, e[i].key, e[i].len);
        if (rc == 0)
            rc = canon_av(c, e[i].val, depth);
        if (rc == 0)
            ddbxo__path_pop(&c->path, old);
    }
    free(e);
    return rc;
}

static int canon_set(ctx *c, const json_t *arr, int type)
{
    ddbxo__members ms;
    size_t i;
    int rc = ddbxo__members_collect(&ms, arr, type, 1, 1, &c->path, c->err);
    if (rc == 0)
        rc = too_long(c, ms.n);
    if (rc == 0) {
        ddbxo__buf_put_u32be(c->out, (uint32_t)ms.n);
        for (i = 0; i < ms.n && rc == 0; i++)
            rc = put_bytes(c, ms.m[i].p, ms.m[i].len);
    }
    ddbxo__members_free(&ms);
    return rc;
}

static int canon_b(ctx *c, const json_t *x)
{
    ddbxo_error inner;
    size_t at = c->out->len, n;
    /* Decode straight into the output behind a length placeholder. */
    ddbxo__buf_put_u32be(c->out, 0);
    if (c->out->oom)
        return 0;
    if (ddbxo__b64_decode(json_string_value(x), json_string_length(x),
                          c->out, &inner) < 0)
        return ddbxo__path_err(c->err, inner.code, &c->path, "%s",
                               inner.message);
    n = c->out->len - at - 4;
    if (too_long(c, n) < 0)
        return -1;
    c->out->p[at] = (unsigned char)(n >> 24);
    c->out->p[at + 1] = (unsigned char)(n >> 16);
    c->out->p[at + 2] = (unsigned char)(n >> 8);
    c->out->p[at + 3] = (unsigned char)n;
    return 0;
}

static int canon_av(ctx *c, const json_t *v, int depth)
{
    json_t *x;
    size_t old, i;
    int t, k, rc = 0;
    char num[DDBXO_NUMBER_BUFSIZE];
    ddbxo_error inner;

    if (depth > DDBXO_MAX_DEPTH)
        return ddbxo__path_err(c->err, DDBXO_E_LIMIT, &c->path,
                               "nested deeper than %d levels",
                               DDBXO_MAX_DEPTH);
    t = ddbxo__av_type(v, &x);
    if (!t)
        return ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                               "not an AttributeValue with one type key");
    old = ddbxo__path_push(&c->path, ddbxo__type_key(t),
                           strlen(ddbxo__type_key(t)));
    ddbxo__buf_putc(c->out, (unsigned char)t);
    switch (t) {
    case DDBXO_TYPE_S:
    case DDBXO_TYPE_N:
    case DDBXO_TYPE_B:
        if (!json_is_string(x)) {
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be a JSON string");
        } else if (t == DDBXO_TYPE_S) {
            rc = put_bytes(c, json_string_value(x), json_string_length(x));
        } else if (t == DDBXO_TYPE_N) {
            k = ddbxo__number_normalize(json_string_value(x),
                                        json_string_length(x), num,
                                        sizeof num, &inner);
            rc = k < 0 ? ddbxo__path_err(c->err, inner.code, &c->path, "%s",
                                         inner.message)
                       : put_bytes(c, num, (size_t)k);
        } else {
            rc = canon_b(c, x);
        }
        break;
    case DDBXO_TYPE_SS:
    case DDBXO_TYPE_NS:
    case DDBXO_TYPE_BS:
        rc = canon_set(c, x, t);
        break;
    case DDBXO_TYPE_M:
        if (!json_is_object(x))
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be a JSON object");
        else
            rc = canon_map(c, x, depth + 1);
        break;
    case DDBXO_TYPE_L:
        if (!json_is_array(x)) {
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be a JSON array");
            break;
        }
        rc = too_long(c, json_array_size(x));
        if (rc == 0)
            ddbxo__buf_put_u32be(c->out, (uint32_t)json_array_size(x));
        for (i = 0; i < json_array_size(x) && rc == 0; i++) {
            size_t o = ddbxo__path_push_index(&c->path, i);
            rc = canon_av(c, json_array_get(x, i), depth + 1);
            if (rc == 0)
                ddbxo__path_pop(&c->path, o);
        }
        break;
    case DDBXO_TYPE_NULL:
        if (!json_is_true(x))
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be true");
        break;
    default: /* BOOL */
        if (!json_is_boolean(x))
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be a JSON boolean");
        else
            ddbxo__buf_putc(c->out, json_is_true(x) ? 1 : 0);
        break;
    }
    if (rc == 0)
        ddbxo__path_pop(&c->path, old);
    return rc;
}

/* On failure the output is cut back, so a caller never hashes half an
 * encoding. */
static int finish(ctx *c, size_t start, int rc)
{
    if (rc == 0 && c->out->oom)
        rc = ddbxo__err(c->err, DDBXO_E_NOMEM, NULL, "out of memory");
    if (rc < 0 && !c->out->oom && c->out->len > start)
        c->out->len = start;
    return rc;
}

int ddbxo__canon_av(ddbxo__buf *out, const json_t *v, ddbxo_error *err)
{
    ctx c;
    size_t start;
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL buffer");
    c.out = out;
    c.err = err;
    ddbxo__path_init(&c.path, NULL);
    start = out->len;
    return finish(&c, start, canon_av(&c, v, 1));
}

int ddbxo__canon_item(ddbxo__buf *out, const json_t *m, ddbxo_error *err)
{
    ctx c;
    size_t start;
    int rc;
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL buffer");
    c.out = out;
    c.err = err;
    ddbxo__path_init(&c.path, NULL);
    start = out->len;
    if (!json_is_object(m))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "attribute map must be a JSON object");
    ddbxo__buf_putc(out, DDBXO_TYPE_M);
    /* An item's attributes are level 1, as inside an M at level 0. */
    rc = canon_map(&c, m, 1);
    return finish(&c, start, rc);
}

DDBXO_API int ddbxo_value_canonical(const ddbxo_value *v, unsigned char **out,
                                    size_t *len, ddbxo_error *err)
{
    ddbxo__buf b;
    int rc;
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL out argument");
    *out = NULL;
    if (len)
        *len = 0;
    if (!v)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL value");
    ddbxo__buf_init(&b);
    rc = v->is_item ? ddbxo__canon_item(&b, v->j, err)
                    : ddbxo__canon_av(&b, v->j, err);
    if (rc < 0) {
        ddbxo__buf_free(&b);
        return -1;
    }
    *out = ddbxo__buf_take(&b, len);
    if (!*out)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}
