/* Canonical encoding v1 (docs/format.md §1): the bytes hashed into dedup
 * keys.  Frozen: the bindings check the same known-answer vectors, so any
 * change here is a new version, never an edit.
 *
 * It re-checks what it touches (types, numbers, base64, depth) instead of
 * trusting an earlier check, and it is lenient: empty sets encode as count
 * 0 and duplicate members once, because stream images may carry both. */
#include "value/canon.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "value/value_int.h"
#include "util/base64.h"
#include "value/number.h"
#include "value/value_type.h"

typedef struct ctx {
    const ddbxo__doc *d;
    ddbxo__buf *out;
    ddbxo__path path;
    ddbxo_error *err;
    ddbxo__buf scratch;
} ctx;

/* A map entry: its key's bytes and its value's node. */
struct centry {
    const char *key;
    size_t len;
    size_t val;
};

static int canon_av(ctx *c, size_t v, int depth);

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
    const struct centry *a = x, *b = y;
    return ddbxo__bytes_cmp(a->key, a->len, b->key, b->len);
}

/* Count, then entries sorted by key bytes (the parse refused duplicate
 * keys, so there is no tie).  Escaped keys are decoded into an arena of
 * their own, resolved once it stops moving. */
static int canon_map(ctx *c, size_t m, int depth)
{
    const ddbxo__doc *d = c->d;
    size_t n = ddbxo__doc_count(d, m), i = 0, k;
    size_t end = m + 1 + ddbxo__doc_payload(d, m);
    struct centry small[16], *e = small;
    ddbxo__buf keys;
    int rc = 0, esc = 0;

    if (too_long(c, n) < 0)
        return -1;
    ddbxo__buf_put_u32be(c->out, (uint32_t)n);
    if (n == 0)
        return 0;
    if (n > sizeof small / sizeof small[0] && !(e = calloc(n, sizeof *e)))
        return ddbxo__path_err(c->err, DDBXO_E_NOMEM, &c->path,
                               "out of memory");
    ddbxo__buf_init(&keys);
    for (k = m + 1; k < end; k = ddbxo__doc_skip(d, k + 1), i++) {
        e[i].val = k + 1;
        if (!ddbxo__doc_flag(d, k)) {
            e[i].key = d->text + d->n[k].pos;
            e[i].len = ddbxo__doc_payload(d, k);
        } else {
            size_t at = keys.len;
            ddbxo__doc_str_append(d, k, &keys);
            e[i].key = (const char *)(uintptr_t)at;
            e[i].len = keys.len - at;
            esc = 1;
        }
    }
    if (keys.oom)
        rc = ddbxo__path_err(c->err, DDBXO_E_NOMEM, &c->path,
                             "out of memory");
    if (esc && rc == 0)
        for (i = 0, k = m + 1; i < n; k = ddbxo__doc_skip(d, k + 1), i++)
            if (ddbxo__doc_flag(d, k))
                e[i].key = (const char *)keys.p + (uintptr_t)e[i].key;
    if (n > 1)
        qsort(e, n, sizeof *e, entry_cmp);
    for (i = 0; i < n && rc == 0; i++) {
        size_t old = ddbxo__path_push(&c->path, e[i].key, e[i].len);
        rc = put_bytes(c, e[i].key, e[i].len);
        if (rc == 0)
            rc = canon_av(c, e[i].val, depth);
        if (rc == 0)
            ddbxo__path_pop(&c->path, old);
    }
    ddbxo__buf_free(&keys);
    if (e != small)
        free(e);
    return rc;
}

static int canon_set(ctx *c, size_t arr, int type)
{
    ddbxo__members ms;
    size_t i;
    int rc = ddbxo__members_collect(&ms, c->d, arr, type, 1, 1, &c->path,
                                    c->err);
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

static int canon_b(ctx *c, const char *s, size_t len)
{
    ddbxo_error inner;
    size_t at = c->out->len, n;
    /* Decode straight into the output behind a length placeholder. */
    ddbxo__buf_put_u32be(c->out, 0);
    if (c->out->oom)
        return 0;
    if (ddbxo__b64_decode(s, len, c->out, &inner) < 0)
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

static int canon_scalar(ctx *c, size_t x, int t)
{
    char num[DDBXO_NUMBER_BUFSIZE];
    ddbxo_error inner;
    const char *s;
    size_t n;
    int k;
    if (ddbxo__doc_type(c->d, x) != DDBXO__J_STR)
        return ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                               "must be a JSON string");
    if (!(s = ddbxo__doc_str(c->d, x, &c->scratch, &n)))
        return ddbxo__path_err(c->err, DDBXO_E_NOMEM, &c->path,
                               "out of memory");
    if (t == DDBXO_TYPE_S)
        return put_bytes(c, s, n);
    if (t == DDBXO_TYPE_B)
        return canon_b(c, s, n);
    k = ddbxo__number_normalize(s, n, num, sizeof num, &inner);
    return k < 0 ? ddbxo__path_err(c->err, inner.code, &c->path, "%s",
                                   inner.message)
                 : put_bytes(c, num, (size_t)k);
}

static int canon_av(ctx *c, size_t v, int depth)
{
    const ddbxo__doc *d = c->d;
    size_t x, old, i, end, n;
    int t, rc = 0;

    if (depth > DDBXO_MAX_DEPTH)
        return ddbxo__path_err(c->err, DDBXO_E_LIMIT, &c->path,
                               "nested deeper than %d levels",
                               DDBXO_MAX_DEPTH);
    t = ddbxo__av_type(d, v, &x);
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
        rc = canon_scalar(c, x, t);
        break;
    case DDBXO_TYPE_SS:
    case DDBXO_TYPE_NS:
    case DDBXO_TYPE_BS:
        rc = canon_set(c, x, t);
        break;
    case DDBXO_TYPE_M:
        if (ddbxo__doc_type(d, x) != DDBXO__J_OBJ)
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be a JSON object");
        else
            rc = canon_map(c, x, depth + 1);
        break;
    case DDBXO_TYPE_L:
        if (ddbxo__doc_type(d, x) != DDBXO__J_ARR) {
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be a JSON array");
            break;
        }
        n = ddbxo__doc_count(d, x);
        rc = too_long(c, n);
        if (rc == 0)
            ddbxo__buf_put_u32be(c->out, (uint32_t)n);
        end = x + 1 + ddbxo__doc_payload(d, x);
        for (i = x + 1, n = 0; i < end && rc == 0;
             i = ddbxo__doc_skip(d, i), n++) {
            size_t o = ddbxo__path_push_index(&c->path, n);
            rc = canon_av(c, i, depth + 1);
            if (rc == 0)
                ddbxo__path_pop(&c->path, o);
        }
        break;
    case DDBXO_TYPE_NULL:
        if (ddbxo__doc_type(d, x) != DDBXO__J_TRUE)
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be true");
        break;
    default: /* BOOL */
        if (ddbxo__doc_type(d, x) != DDBXO__J_TRUE &&
            ddbxo__doc_type(d, x) != DDBXO__J_FALSE)
            rc = ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                                 "must be a JSON boolean");
        else
            ddbxo__buf_putc(c->out,
                            ddbxo__doc_type(d, x) == DDBXO__J_TRUE ? 1 : 0);
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
    ddbxo__buf_free(&c->scratch);
    if (rc == 0 && c->out->oom)
        rc = ddbxo__err(c->err, DDBXO_E_NOMEM, NULL, "out of memory");
    if (rc < 0 && !c->out->oom && c->out->len > start)
        c->out->len = start;
    return rc;
}

static int begin(ctx *c, const ddbxo__doc *d, ddbxo__buf *out,
                 ddbxo_error *err)
{
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL buffer");
    c->d = d;
    c->out = out;
    c->err = err;
    ddbxo__buf_init(&c->scratch);
    ddbxo__path_init(&c->path, NULL);
    return 0;
}

int ddbxo__canon_av_doc(ddbxo__buf *out, const ddbxo__doc *d, size_t v,
                        ddbxo_error *err)
{
    ctx c;
    size_t start;
    if (begin(&c, d, out, err) < 0)
        return -1;
    start = out->len;
    return finish(&c, start, canon_av(&c, v, 1));
}

int ddbxo__canon_item_doc(ddbxo__buf *out, const ddbxo__doc *d, size_t m,
                          ddbxo_error *err)
{
    ctx c;
    size_t start;
    if (begin(&c, d, out, err) < 0)
        return -1;
    start = out->len;
    if (ddbxo__doc_type(d, m) != DDBXO__J_OBJ)
        return finish(&c, start,
                      ddbxo__err(err, DDBXO_E_INVALID, NULL,
                                 "attribute map must be a JSON object"));
    ddbxo__buf_putc(out, DDBXO_TYPE_M);
    /* An item's attributes are level 1, as inside an M at level 0. */
    return finish(&c, start, canon_map(&c, m, 1));
}

DDBXO_API int ddbxo_value_canonical(const ddbxo_value *v, unsigned char **out,
                                    size_t *len, ddbxo_error *err)
{
    ddbxo__buf b;
    const ddbxo__doc *d;
    size_t node;
    int rc;
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL out argument");
    *out = NULL;
    if (len)
        *len = 0;
    if (!v)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL value");
    if (!(d = ddbxo__value_doc(v, &node, err)))
        return -1;
    ddbxo__buf_init(&b);
    rc = v->is_item ? ddbxo__canon_item_doc(&b, d, node, err)
                    : ddbxo__canon_av_doc(&b, d, node, err);
    if (rc < 0) {
        ddbxo__buf_free(&b);
        return -1;
    }
    *out = ddbxo__buf_take(&b, len);
    if (!*out)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}
