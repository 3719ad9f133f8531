/* lib/value/: DynamoDB values.  Owns the record document (doc), the
 * AttributeValue rules checked on documents and jansson trees, number
 * normalisation and decimal arithmetic, DynamoDB's item-size rule, the
 * canonical encoding and the public ddbxo_value handle.  It may call
 * util/ only. */

/* The ddbxo_value handle (lib/value/value_int.h): a node of a record document,
 * or a jansson tree for values built by hand, parsing from and writing to
 * DynamoDB JSON.  Accessors read a jansson copy of a document-backed
 * value, made once per handle on first use; the library's own hot path
 * (checks, canonical bytes, writes) reads the document. */
#include "value/value.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "value/value_int.h"

ddbxo_value *ddbxo__value_steal(json_t *j, int is_item, int builder)
{
    ddbxo_value *v;
    if (!j)
        return NULL;
    v = calloc(1, sizeof *v);
    if (!v) {
        json_decref(j);
        return NULL;
    }
    v->j = j;
    v->is_item = (unsigned char)(is_item != 0);
    v->builder = (unsigned char)(builder != 0);
    return v;
}

ddbxo_value *ddbxo__value_of_doc(ddbxo__doc *d, size_t node, int is_item)
{
    ddbxo_value *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->doc = ddbxo__doc_ref(d);
    v->node = (uint32_t)node;
    v->is_item = (unsigned char)(is_item != 0);
    return v;
}

void ddbxo__value_embed(ddbxo_value *v, ddbxo__doc *d, size_t node)
{
    memset(v, 0, sizeof *v);
    v->doc = d;                 /* the record holds the reference */
    v->node = (uint32_t)node;
    v->is_item = 1;
    v->embedded = 1;
}

void ddbxo__value_unembed(ddbxo_value *v)
{
    json_decref(v->j);
    free(v->index);
    memset(v, 0, sizeof *v);
}

static void drop_doc(void *x) { ddbxo__doc_unref(x); }

const ddbxo__doc *ddbxo__value_doc(const ddbxo_value *cv, size_t *node,
                                   ddbxo_error *err)
{
    ddbxo_value *v = (ddbxo_value *)cv;     /* the document is a cache */
    ddbxo__doc *d;
    if (v->doc) {
        *node = v->node;
        return v->doc;
    }
    *node = 0;
    d = __atomic_load_n(&v->docv, __ATOMIC_ACQUIRE);
    if (d)
        return d;
    if (!(d = ddbxo__doc_from_json(v->j, err)))
        return NULL;
    return ddbxo__set_once((void **)&v->docv, d, drop_doc);
}

void ddbxo__value_changed(ddbxo_value *v)
{
    ddbxo__doc_unref(v->docv);
    v->docv = NULL;
    free(v->index);
    v->index = NULL;
    v->nindex = 0;
}

ddbxo_value *ddbxo__value_wrap_av(json_t *j)
{
    return j ? ddbxo__value_steal(json_incref(j), 0, 0) : NULL;
}

ddbxo_value *ddbxo__value_wrap_item(json_t *m)
{
    return m ? ddbxo__value_steal(json_incref(m), 1, 0) : NULL;
}

const json_t *ddbxo__value_json(const ddbxo_value *cv)
{
    ddbxo_value *v = (ddbxo_value *)cv;     /* the copy is a cache */
    if (!v)
        return NULL;
    /* A jansson-backed handle has its tree already. */
    return ddbxo__doc_json_once(&v->j, v->doc, v->node);
}

/* The tree accessors read (NULL only when out of memory). */
#define VJ(v) ((json_t *)ddbxo__value_json(v))

json_t *ddbxo__value_map_obj(const ddbxo_value *v)
{
    json_t *x, *j;
    if (!v || !(j = VJ(v)))
        return NULL;
    if (v->is_item)
        return j;
    if (ddbxo__av_type_json(j, &x) == DDBXO_TYPE_M && json_is_object(x))
        return x;
    return NULL;
}

DDBXO_API void ddbxo_value_free(ddbxo_value *v)
{
    if (!v || v->embedded)
        return;
    json_decref(v->j);
    ddbxo__doc_unref(v->doc);
    ddbxo__doc_unref(v->docv);
    free(v->index);
    free(v);
}

/* ------------------------------------------------------------ parse */

static int flags_ok(unsigned flags, ddbxo_error *err)
{
    if (flags & ~(unsigned)DDBXO_VALUE_STRICT)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "unknown flags 0x%x", flags);
    return 0;
}

/* Parses into a document of its own (a copy: the caller's text may go),
 * checks it as an AttributeValue or an attribute map, and hands out a
 * handle on it. */
static ddbxo_value *parse(const char *json, size_t len, unsigned flags,
                         int is_item, ddbxo_error *err)
{
    ddbxo__doc *d;
    ddbxo_value *v = NULL;
    int rc;
    if (flags_ok(flags, err) < 0)
        return NULL;
    if (!json)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL JSON text"),
               NULL;
    if (len > DDBXO_MAX_EVENT_BYTES)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "JSON text is %zu bytes (limit %u)", len,
                          DDBXO_MAX_EVENT_BYTES), NULL;
    /* Duplicate keys would make {"S":"a","S":"b"} mean whatever the
     * parser keeps; U+0000 is a legal string character in DynamoDB.  The
     * parse error names the kind and position only: no payload. */
    if (!(d = ddbxo__doc_parse(json, len, DDBXO__DOC_COPY, err)))
        return NULL;
    rc = is_item ? ddbxo__item_check_doc(d, 0, flags, "", NULL, err)
                 : ddbxo__av_check_doc(d, 0, flags, "", 1, err);
    if (rc == 0 && !(v = ddbxo__value_of_doc(d, 0, is_item)))
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    ddbxo__doc_unref(d);
    return v;
}

DDBXO_API ddbxo_value *ddbxo_value_parse(const char *json, size_t len,
                                         unsigned flags, ddbxo_error *err)
{
    return parse(json, len, flags, 0, err);
}

DDBXO_API ddbxo_value *ddbxo_item_parse(const char *json, size_t len,
                                        unsigned flags, ddbxo_error *err)
{
    return parse(json, len, flags, 1, err);
}

DDBXO_API int ddbxo_value_check(const ddbxo_value *v, unsigned flags,
                                ddbxo_error *err)
{
    const ddbxo__doc *d;
    size_t node;
    if (!v)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL value");
    if (flags_ok(flags, err) < 0 || !(d = ddbxo__value_doc(v, &node, err)))
        return -1;
    return v->is_item
               ? ddbxo__item_check_doc(d, node, flags, "", NULL, err)
               : ddbxo__av_check_doc(d, node, flags, "", 1, err);
}

/* ----------------------------------------------------------- output */

static int dump_cb(const char *buf, size_t size, void *data)
{
    return ddbxo__buf_put(data, buf, size);
}

DDBXO_API char *ddbxo_value_to_json(const ddbxo_value *v, size_t *len)
{
    ddbxo__buf b;
    if (len)
        *len = 0;
    if (!v)
        return NULL;
    ddbxo__buf_init(&b);
    /* Dump through our buffer so ddbxo_free() matches the allocator even
     * when someone installs jansson allocation functions. */
    if (json_dump_callback(VJ(v), dump_cb, &b, JSON_COMPACT) < 0) {
        ddbxo__buf_free(&b);
        return NULL;
    }
    return (char *)ddbxo__buf_take(&b, len);
}

/* -------------------------------------------------------- accessors */

DDBXO_API ddbxo_type ddbxo_value_type(const ddbxo_value *v)
{
    if (!v)
        return DDBXO_TYPE_NONE;
    if (v->is_item)
        return DDBXO_TYPE_M;
    return (ddbxo_type)ddbxo__av_type_json(VJ(v), NULL);
}

DDBXO_API int ddbxo_value_is_item(const ddbxo_value *v)
{
    return v && v->is_item;
}

/* The string payload of an S/N/B value. */
static const char *scalar(const ddbxo_value *v, int type, size_t *len)
{
    json_t *x;
    if (len)
        *len = 0;
    if (!v || v->is_item || ddbxo__av_type_json(VJ(v), &x) != type ||
        !json_is_string(x))
        return NULL;
    if (len)
        *len = json_string_length(x);
    return json_string_value(x);
}

DDBXO_API const char *ddbxo_value_s(const ddbxo_value *v, size_t *len)
{
    return scalar(v, DDBXO_TYPE_S, len);
}

DDBXO_API const char *ddbxo_value_n(const ddbxo_value *v, size_t *len)
{
    return scalar(v, DDBXO_TYPE_N, len);
}

DDBXO_API const char *ddbxo_value_b64(const ddbxo_value *v, size_t *len)
{
    return scalar(v, DDBXO_TYPE_B, len);
}

DDBXO_API int ddbxo_value_b(const ddbxo_value *v, unsigned char **out,
                            size_t *len, ddbxo_error *err)
{
    size_t n;
    const char *s = scalar(v, DDBXO_TYPE_B, &n);
    ddbxo__buf b;
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL out argument");
    if (!s)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "not a B value");
    ddbxo__buf_init(&b);
    if (ddbxo__b64_decode(s, n, &b, err) < 0) {
        ddbxo__buf_free(&b);
        return -1;
    }
    *out = ddbxo__buf_take(&b, len);
    if (!*out)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

DDBXO_API int ddbxo_value_bool(const ddbxo_value *v)
{
    json_t *x;
    if (!v || v->is_item || ddbxo__av_type_json(VJ(v), &x) != DDBXO_TYPE_BOOL ||
        !json_is_boolean(x))
        return -1;
    return json_is_true(x) ? 1 : 0;
}

DDBXO_API size_t ddbxo_value_count(const ddbxo_value *v)
{
    json_t *x;
    if (!v)
        return 0;
    if (v->is_item)
        return json_object_size(VJ(v));
    switch (ddbxo__av_type_json(VJ(v), &x)) {
    case DDBXO_TYPE_M:
        return json_object_size(x);
    case DDBXO_TYPE_SS:
    case DDBXO_TYPE_NS:
    case DDBXO_TYPE_BS:
    case DDBXO_TYPE_L:
        return json_array_size(x);
    default:
        return 0;
    }
}

DDBXO_API ddbxo_value *ddbxo_value_at(const ddbxo_value *v, size_t i,
                                      ddbxo_error *err)
{
    json_t *x, *e, *wrapped;
    int t;
    ddbxo_value *r;
    if (!v || v->is_item)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a list or set value"), NULL;
    t = ddbxo__av_type_json(VJ(v), &x);
    if (t != DDBXO_TYPE_L && t != DDBXO_TYPE_SS && t != DDBXO_TYPE_NS &&
        t != DDBXO_TYPE_BS)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a list or set value"), NULL;
    e = json_array_get(x, i);
    if (!e)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "index %zu out of range (%zu elements)", i,
                          json_array_size(x)), NULL;
    if (t == DDBXO_TYPE_L) {
        r = ddbxo__value_wrap_av(e);
    } else {
        /* A set member is a bare string: give it its scalar type. */
        const char *k = t == DDBXO_TYPE_SS ? "S"
                        : t == DDBXO_TYPE_NS ? "N" : "B";
        wrapped = json_object();
        if (wrapped && json_object_set(wrapped, k, e) < 0) {
            json_decref(wrapped);
            wrapped = NULL;
        }
        r = ddbxo__value_steal(wrapped, 0, 0);
    }
    if (!r)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return r;
}

DDBXO_API ddbxo_value *ddbxo_value_get(const ddbxo_value *v, const char *name,
                                       size_t namelen, ddbxo_error *err)
{
    json_t *m = ddbxo__value_map_obj(v), *x;
    ddbxo_value *r;
    if (!m)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a map value"), NULL;
    if (!name)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL name"), NULL;
    x = json_object_getn(m, name, namelen);
    if (!x)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "no such attribute"), NULL;
    r = ddbxo__value_wrap_av(x);
    if (!r)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return r;
}

static int entry_cmp(const void *x, const void *y)
{
    const struct ddbxo__entry *a = x, *b = y;
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static int build_index(ddbxo_value *v, json_t *m, ddbxo_error *err)
{
    size_t n = json_object_size(m), i = 0, klen;
    const char *k;
    json_t *x;
    if (v->index && v->nindex == n)
        return 0;
    free(v->index);
    v->index = NULL;
    v->nindex = 0;
    if (n == 0)
        return 0;
    v->index = calloc(n, sizeof *v->index);
    if (!v->index)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    json_object_keylen_foreach(m, k, klen, x) {
        v->index[i].key = k;
        v->index[i].len = klen;
        v->index[i].val = x;
        i++;
    }
    qsort(v->index, n, sizeof *v->index, entry_cmp);
    v->nindex = n;
    return 0;
}

DDBXO_API ddbxo_value *ddbxo_value_entry(const ddbxo_value *cv, size_t i,
                                         const char **name, size_t *namelen,
                                         ddbxo_error *err)
{
    ddbxo_value *v = (ddbxo_value *)cv;     /* the index is a cache */
    json_t *m = ddbxo__value_map_obj(v);
    ddbxo_value *r;
    if (name)
        *name = NULL;
    if (namelen)
        *namelen = 0;
    if (!m)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a map value"), NULL;
    if (i >= json_object_size(m))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "index %zu out of range (%zu entries)", i,
                          json_object_size(m)), NULL;
    if (build_index(v, m, err) < 0)
        return NULL;
    r = ddbxo__value_wrap_av(v->index[i].val);
    if (!r)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    if (name)
        *name = v->index[i].key;
    if (namelen)
        *namelen = v->index[i].len;
    return r;
}
