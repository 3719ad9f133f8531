/* Validation of AttributeValues and attribute maps (docs/format.md §4-5),
 * on the record document, and DynamoDB's size of an item in the same
 * pass: a write is checked and sized once.
 *
 * Values built with jansson (transforms, builders) reach these checks as
 * documents too (ddbxo__doc_from_json), so there is one set of rules.
 *
 * Recursion is bounded: the depth is checked before descending, so a
 * hostile 2,000-level document costs at most DDBXO_MAX_DEPTH frames. */
#include "value/value_check.h"

#include <string.h>

#include "util/error.h"
#include "value/value_int.h"
#include "value/number.h"
#include "util/base64.h"
#include "value/value_type.h"
#include "value/item_size.h"

typedef struct ctx {
    const ddbxo__doc *d;
    unsigned flags;
    ddbxo__path path;
    ddbxo_error *err;
    ddbxo__buf scratch;
} ctx;

static int strict(const ctx *c)
{
    return (c->flags & DDBXO__AV_STRICT) != 0;
}

static int fail(ctx *c, int code, const char *msg)
{
    return ddbxo__path_err(c->err, code, &c->path, "%s", msg);
}

static int check_av(ctx *c, size_t v, int depth);

static int check_set(ctx *c, size_t arr, int type)
{
    ddbxo__members ms;
    int rc = ddbxo__members_collect(&ms, c->d, arr, type, 0, 0, &c->path,
                                    c->err);
    if (rc == 0 && strict(c)) {
        if (ddbxo__doc_payload(c->d, arr) == 0)
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

static int check_map(ctx *c, size_t m, int depth)
{
    const ddbxo__doc *d = c->d;
    size_t end = m + 1 + ddbxo__doc_payload(d, m), k, klen;
    for (k = m + 1; k < end; k = ddbxo__doc_skip(d, k + 1)) {
        const char *key = ddbxo__doc_str(d, k, &c->scratch, &klen);
        size_t old = ddbxo__path_push(&c->path, key ? key : "", klen);
        if (check_av(c, k + 1, depth) < 0)
            return -1;
        ddbxo__path_pop(&c->path, old);
    }
    return 0;
}

static int check_string(ctx *c, size_t x, int t)
{
    ddbxo_error inner;
    const char *s;
    size_t n;
    if (ddbxo__doc_type(c->d, x) != DDBXO__J_STR)
        return fail(c, DDBXO_E_INVALID,
                    t == DDBXO_TYPE_S   ? "must be a JSON string"
                    : t == DDBXO_TYPE_N ? "must be a JSON string (DynamoDB "
                                          "JSON carries numbers as text)"
                                        : "must be a JSON string (base64)");
    if (t == DDBXO_TYPE_S)
        return 0;           /* the parse checked its UTF-8 */
    if (!(s = ddbxo__doc_str(c->d, x, &c->scratch, &n)))
        return fail(c, DDBXO_E_NOMEM, "out of memory");
    if ((t == DDBXO_TYPE_N ? ddbxo__number_check(s, n, &inner)
                           : ddbxo__b64_decode(s, n, NULL, &inner)) < 0)
        return fail(c, inner.code, inner.message);
    return 0;
}

static int check_av(ctx *c, size_t v, int depth)
{
    const ddbxo__doc *d = c->d;
    size_t x, old, i, end;
    int t, rc = 0;

    if (depth > DDBXO_MAX_DEPTH)
        return ddbxo__path_err(c->err, DDBXO_E_LIMIT, &c->path,
                               "nested deeper than %d levels",
                               DDBXO_MAX_DEPTH);
    if (ddbxo__doc_type(d, v) != DDBXO__J_OBJ)
        return fail(c, DDBXO_E_INVALID,
                    "must be an AttributeValue object like {\"S\":\"x\"}");
    if (ddbxo__doc_count(d, v) != 1)
        return ddbxo__path_err(c->err, DDBXO_E_INVALID, &c->path,
                               "AttributeValue has %zu keys; exactly one "
                               "type key expected", ddbxo__doc_count(d, v));
    t = ddbxo__av_type(d, v, &x);
    if (!t)
        return fail(c, DDBXO_E_INVALID,
                    "unknown AttributeValue type key (expected one of S N B "
                    "SS NS BS M L NULL BOOL)");
    old = ddbxo__path_push(&c->path, ddbxo__type_key(t),
                           strlen(ddbxo__type_key(t)));
    switch (t) {
    case DDBXO_TYPE_S:
    case DDBXO_TYPE_N:
    case DDBXO_TYPE_B:
        rc = check_string(c, x, t);
        break;
    case DDBXO_TYPE_SS:
    case DDBXO_TYPE_NS:
    case DDBXO_TYPE_BS:
        rc = check_set(c, x, t);
        break;
    case DDBXO_TYPE_M:
        if (ddbxo__doc_type(d, x) != DDBXO__J_OBJ)
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON object");
        else
            rc = check_map(c, x, depth + 1);
        break;
    case DDBXO_TYPE_L:
        if (ddbxo__doc_type(d, x) != DDBXO__J_ARR) {
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON array");
            break;
        }
        end = x + 1 + ddbxo__doc_payload(d, x);
        for (i = x + 1; i < end && rc == 0; i = ddbxo__doc_skip(d, i)) {
            size_t o = ddbxo__path_push_index(&c->path,
                                              ddbxo__doc_index(d, x, i));
            rc = check_av(c, i, depth + 1);
            ddbxo__path_pop(&c->path, o);
        }
        break;
    case DDBXO_TYPE_NULL:
        if (ddbxo__doc_type(d, x) != DDBXO__J_TRUE)
            rc = fail(c, DDBXO_E_INVALID, "must be true");
        break;
    default: /* BOOL */
        if (ddbxo__doc_type(d, x) != DDBXO__J_TRUE &&
            ddbxo__doc_type(d, x) != DDBXO__J_FALSE)
            rc = fail(c, DDBXO_E_INVALID, "must be a JSON boolean");
        break;
    }
    if (rc == 0)
        ddbxo__path_pop(&c->path, old);
    return rc;
}

/* ------------------------------------------------------------ fast
 * The same rules without error paths, adding up DynamoDB's size on the
 * way: every write is checked (strict out), and building
 * "Item.a.M.b.L[3]" for each attribute of every valid item was most of
 * the check's cost.  Valid input passes here; anything else goes through
 * the checks above, which decide and say why (so a difference between
 * the two can only cost time, as long as this pass accepts nothing the
 * full check refuses).
 *
 * The size rule (DynamoDB Developer Guide, "DynamoDB item sizes and
 * formats", CapacityUnitCalculations.html): an item is the sum of its
 * attribute names' UTF-8 bytes and its values' sizes; S its UTF-8 bytes;
 * N about one byte per two significant digits plus one (we round the
 * half up, the larger reading); B its raw bytes; BOOL and NULL 1; L and
 * M 3 bytes plus 1 per element plus the elements (an M's names too).  The
 * page does not size sets; they count like a List, which can only
 * over-estimate. */

typedef struct fctx {
    const ddbxo__doc *d;
    unsigned flags;
    int sized;          /* add up the size (a lenient check needs none) */
    ddbxo__buf scratch;
} fctx;

/* Bytes of string x (decoded), or -1 when it cannot be decoded. */
static int str_bytes(fctx *c, size_t x, const char **s, size_t *n)
{
    *s = ddbxo__doc_str(c->d, x, &c->scratch, n);
    return *s ? 0 : -1;
}

static int fast_scalar(fctx *c, int t, size_t x, size_t *size)
{
    ddbxo_error inner;
    const char *s;
    size_t n;
    if (ddbxo__doc_type(c->d, x) != DDBXO__J_STR)
        return -1;
    if (t == DDBXO_TYPE_S && !ddbxo__doc_flag(c->d, x)) {
        *size += ddbxo__doc_payload(c->d, x);
        return 0;
    }
    if (str_bytes(c, x, &s, &n) < 0)
        return -1;
    if (t == DDBXO_TYPE_S) {
        *size += n;
        return 0;
    }
    if (t == DDBXO_TYPE_N) {
        if (ddbxo__number_check(s, n, &inner) < 0)
            return -1;
        if (c->sized)
            *size += ddbxo__number_size(s, n);
        return 0;
    }
    if (ddbxo__b64_decode(s, n, NULL, &inner) < 0)
        return -1;
    if (c->sized)
        *size += ddbxo__b64_size(s, n);
    return 0;
}

static int fast_set(fctx *c, size_t arr, int type, size_t *size)
{
    ddbxo__members ms;
    ddbxo__path p;
    size_t end, i, one;
    int rc;
    int st = type == DDBXO_TYPE_SS ? DDBXO_TYPE_S
             : type == DDBXO_TYPE_NS ? DDBXO_TYPE_N : DDBXO_TYPE_B;
    if (ddbxo__doc_type(c->d, arr) != DDBXO__J_ARR)
        return -1;
    *size += 3;
    end = arr + 1 + ddbxo__doc_payload(c->d, arr);
    for (i = arr + 1; i < end; i++) {
        one = 0;
        if (fast_scalar(c, st, i, &one) < 0)
            return -1;
        *size += one + 1;
    }
    if (!(c->flags & DDBXO__AV_STRICT) && type == DDBXO_TYPE_SS)
        return 0;           /* nothing more to find */
    ddbxo__path_init(&p, NULL);
    rc = ddbxo__members_collect(&ms, c->d, arr, type, 0, 0, &p, NULL);
    if (rc == 0 && (c->flags & DDBXO__AV_STRICT) &&
        (ddbxo__doc_payload(c->d, arr) == 0 || ms.ndup > 0))
        rc = -1;
    ddbxo__members_free(&ms);
    return rc;
}

static int fast_av(fctx *c, size_t v, int depth, size_t *size)
{
    const ddbxo__doc *d = c->d;
    size_t x, i, end;
    int t;

    if (depth > DDBXO_MAX_DEPTH || !(t = ddbxo__av_type(d, v, &x)))
        return -1;
    switch (t) {
    case DDBXO_TYPE_S:
    case DDBXO_TYPE_N:
    case DDBXO_TYPE_B:
        return fast_scalar(c, t, x, size);
    case DDBXO_TYPE_SS:
    case DDBXO_TYPE_NS:
    case DDBXO_TYPE_BS:
        return fast_set(c, x, t, size);
    case DDBXO_TYPE_M:
        if (ddbxo__doc_type(d, x) != DDBXO__J_OBJ)
            return -1;
        *size += 3;
        end = x + 1 + ddbxo__doc_payload(d, x);
        for (i = x + 1; i < end; i = ddbxo__doc_skip(d, i + 1)) {
            const char *k;
            size_t klen;
            if (str_bytes(c, i, &k, &klen) < 0 ||
                fast_av(c, i + 1, depth + 1, size) < 0)
                return -1;
            *size += klen + 1;
        }
        return 0;
    case DDBXO_TYPE_L:
        if (ddbxo__doc_type(d, x) != DDBXO__J_ARR)
            return -1;
        *size += 3;
        end = x + 1 + ddbxo__doc_payload(d, x);
        for (i = x + 1; i < end; i = ddbxo__doc_skip(d, i)) {
            if (fast_av(c, i, depth + 1, size) < 0)
                return -1;
            *size += 1;
        }
        return 0;
    case DDBXO_TYPE_NULL:
        *size += 1;
        return ddbxo__doc_type(d, x) == DDBXO__J_TRUE ? 0 : -1;
    default: /* BOOL */
        *size += 1;
        return ddbxo__doc_type(d, x) == DDBXO__J_TRUE ||
                       ddbxo__doc_type(d, x) == DDBXO__J_FALSE
                   ? 0 : -1;
    }
}

static int fast_item(fctx *c, size_t m, size_t *size)
{
    const ddbxo__doc *d = c->d;
    size_t end, k, klen;
    if (ddbxo__doc_type(d, m) != DDBXO__J_OBJ)
        return -1;
    end = m + 1 + ddbxo__doc_payload(d, m);
    for (k = m + 1; k < end; k = ddbxo__doc_skip(d, k + 1)) {
        const char *key;
        if (str_bytes(c, k, &key, &klen) < 0 || klen == 0 ||
            ((c->flags & DDBXO__AV_STRICT) && klen > DDBXO_MAX_NAME_BYTES) ||
            fast_av(c, k + 1, 1, size) < 0)
            return -1;
        *size += klen;
    }
    return 0;
}

/* ------------------------------------------------------------ entry */

int ddbxo__av_check_doc(const ddbxo__doc *d, size_t v, unsigned flags,
                        const char *path, int depth, ddbxo_error *err)
{
    ctx c;
    int rc;
    c.d = d;
    c.flags = flags;
    c.err = err;
    ddbxo__buf_init(&c.scratch);
    ddbxo__path_init(&c.path, path);
    rc = check_av(&c, v, depth < 1 ? 1 : depth);
    ddbxo__buf_free(&c.scratch);
    return rc;
}

static int item_full(const ddbxo__doc *d, size_t m, unsigned flags,
                     const char *path, ddbxo_error *err)
{
    ctx c;
    size_t end, k, klen;
    int rc = 0;

    c.d = d;
    c.flags = flags;
    c.err = err;
    ddbxo__buf_init(&c.scratch);
    ddbxo__path_init(&c.path, path);
    if (ddbxo__doc_type(d, m) != DDBXO__J_OBJ) {
        rc = fail(&c, DDBXO_E_INVALID,
                  "must be an attribute map (JSON object)");
        goto out;
    }
    end = m + 1 + ddbxo__doc_payload(d, m);
    for (k = m + 1; k < end && rc == 0; k = ddbxo__doc_skip(d, k + 1)) {
        size_t old;
        const char *key = ddbxo__doc_str(d, k, &c.scratch, &klen);
        if (!key) {
            rc = fail(&c, DDBXO_E_NOMEM, "out of memory");
            break;
        }
        if (klen == 0) {
            rc = fail(&c, DDBXO_E_INVALID, "attribute name is empty");
            break;
        }
        old = ddbxo__path_push(&c.path, key, klen);
        if (strict(&c) && klen > DDBXO_MAX_NAME_BYTES) {
            rc = ddbxo__path_err(err, DDBXO_E_LIMIT, &c.path,
                                 "attribute name is %zu bytes (DynamoDB "
                                 "allows at most %d)", klen,
                                 DDBXO_MAX_NAME_BYTES);
            break;
        }
        if ((rc = check_av(&c, k + 1, 1)) == 0)
            ddbxo__path_pop(&c.path, old);
    }
out:
    ddbxo__buf_free(&c.scratch);
    if (rc == 0)        /* the fast pass refused what this one took */
        rc = ddbxo__err(err, DDBXO_E_INTERNAL, path,
                        "the item check passes disagree; please report it");
    return rc;
}

int ddbxo__item_check_doc(const ddbxo__doc *d, size_t m, unsigned flags,
                          const char *path, size_t *size, ddbxo_error *err)
{
    fctx f;
    size_t sz = 0;
    int rc;
    f.d = d;
    f.flags = flags;
    f.sized = size != NULL;
    ddbxo__buf_init(&f.scratch);
    rc = fast_item(&f, m, &sz);
    ddbxo__buf_free(&f.scratch);
    if (size)
        *size = sz;
    if (rc == 0)
        return 0;
    return item_full(d, m, flags, path, err);
}

size_t ddbxo__item_size_doc(const ddbxo__doc *d, size_t m)
{
    fctx f;
    size_t sz = 0;
    f.d = d;
    f.flags = DDBXO__AV_LENIENT;
    f.sized = 1;
    ddbxo__buf_init(&f.scratch);
    (void)fast_item(&f, m, &sz);
    ddbxo__buf_free(&f.scratch);
    return sz;
}

/* ------------------------------------------------- jansson values */

int ddbxo__av_check(const json_t *v, unsigned flags, const char *path,
                    int depth, ddbxo_error *err)
{
    ddbxo__doc *d = ddbxo__doc_from_json(v, err);
    int rc;
    if (!d) {
        ddbxo__path p;
        /* Only an object or array becomes a document. */
        if (v && !json_is_object(v)) {
            ddbxo__path_init(&p, path);
            return ddbxo__path_err(err, DDBXO_E_INVALID, &p, "%s",
                                   "must be an AttributeValue object like "
                                   "{\"S\":\"x\"}");
        }
        return -1;
    }
    rc = ddbxo__av_check_doc(d, 0, flags, path, depth, err);
    ddbxo__doc_unref(d);
    return rc;
}

int ddbxo__item_check(const json_t *m, unsigned flags, const char *path,
                      ddbxo_error *err)
{
    return ddbxo__item_check_size(m, flags, path, NULL, err);
}

int ddbxo__item_check_size(const json_t *m, unsigned flags, const char *path,
                           size_t *size, ddbxo_error *err)
{
    ddbxo__doc *d;
    int rc;
    if (size)
        *size = 0;
    if (!json_is_object(m)) {
        ddbxo__path p;
        ddbxo__path_init(&p, path);
        return ddbxo__path_err(err, DDBXO_E_INVALID, &p, "%s",
                               "must be an attribute map (JSON object)");
    }
    if (!(d = ddbxo__doc_from_json(m, err)))
        return -1;
    rc = ddbxo__item_check_doc(d, 0, flags, path, size, err);
    ddbxo__doc_unref(d);
    return rc;
}

size_t ddbxo__item_size(const json_t *item)
{
    ddbxo__doc *d = json_is_object(item) ? ddbxo__doc_from_json(item, NULL)
                                         : NULL;
    size_t n = d ? ddbxo__item_size_doc(d, 0) : 0;
    ddbxo__doc_unref(d);
    return n;
}
