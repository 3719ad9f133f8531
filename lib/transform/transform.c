/* lib/transform/: what a record turns into.  Owns the writes list, the
 * identity and callback transforms (this file), declarative specs
 * (transform_spec) and the aggregate (transform_agg).  It may call util/,
 * value/ and stream/. */

/* The writes a record turns into, and the transform core: callback
 * transforms, the identity transform and running any transform
 * (docs/transform.md).
 *
 * Every write is checked against DynamoDB's rules when it is added ("strict
 * out", docs/design.md §7): a write DynamoDB would refuse fails here, naming the
 * field, before the apply layer builds a request around it. */
#include "transform/transform_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/error.h"
#include "stream/record.h"
#include "value/value.h"
#include "transform/transform.h"

/* DynamoDB: an expression is at most 4 KB. */
#define MAX_EXPR_BYTES 4096
/* DynamoDB: a table name is 3..255 of [A-Za-z0-9_.-]; a table ARN (which
 * TableName also takes) at most 1024 bytes. */
#define MIN_TABLE_NAME 3
#define MAX_TABLE_NAME 255
#define MAX_TABLE_ARN 1024

/* ------------------------------------------------------------ writes */

void ddbxo__writes_init(struct ddbxo_writes *w)
{
    w->w = NULL;
    w->n = w->cap = 0;
}

static void write_fini(ddbxo__write *x)
{
    free(x->table);
    json_decref(x->item);
    json_decref(x->key);
    ddbxo__doc_unref(x->item_doc);
    ddbxo__doc_unref(x->key_doc);
    free(x->update_expr);
    json_decref(x->names);
    json_decref(x->values);
    memset(x, 0, sizeof *x);
}

/* Drops the writes from index n on (add_json's all-or-nothing). */
static void writes_truncate(struct ddbxo_writes *w, size_t n)
{
    while (w->n > n)
        write_fini(&w->w[--w->n]);
}

void ddbxo__writes_clear(struct ddbxo_writes *w)
{
    if (!w)
        return;
    writes_truncate(w, 0);
    free(w->w);
    ddbxo__writes_init(w);
}

static int table_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

int ddbxo__table_name_check(const char *table, const char *path,
                            ddbxo_error *err)
{
    size_t n, i;
    if (!table)
        return 0;
    n = strlen(table);
    if (n >= 4 && memcmp(table, "arn:", 4) == 0) {
        if (n > MAX_TABLE_ARN)
            return ddbxo__err(err, DDBXO_E_INVALID, path,
                              "%s: table ARN is %zu bytes (at most %d)",
                              path, n, MAX_TABLE_ARN);
        for (i = 0; i < n; i++)
            if ((unsigned char)table[i] <= 0x20 ||
                (unsigned char)table[i] >= 0x7f)
                return ddbxo__err(err, DDBXO_E_INVALID, path,
                                  "%s: table ARN has a byte that is not "
                                  "printable ASCII at offset %zu", path, i);
        return 0;
    }
    if (n < MIN_TABLE_NAME || n > MAX_TABLE_NAME)
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "%s: table name is %zu bytes (DynamoDB allows "
                          "%d to %d)", path, n, MIN_TABLE_NAME,
                          MAX_TABLE_NAME);
    for (i = 0; i < n; i++)
        if (!table_char((unsigned char)table[i]))
            return ddbxo__err(err, DDBXO_E_INVALID, path,
                              "%s: table name may only hold A-Z a-z 0-9 "
                              "_ - . (bad byte at offset %zu)", path, i);
    return 0;
}

/* A key: a strict attribute map of one or two attributes (partition and
 * sort key), each S, N or B -- DynamoDB refuses anything else.  *bytes
 * gets its size. */
static int key_check_doc(const ddbxo__doc *d, size_t key, const char *path,
                         size_t *bytes, ddbxo_error *err)
{
    size_t n, end, k, x, klen, vlen;
    ddbxo__buf b;
    if (ddbxo__item_check_doc(d, key, DDBXO__AV_STRICT, path, bytes, err) < 0)
        return -1;
    n = ddbxo__doc_count(d, key);
    if (n == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "%s: key is empty (it needs the table's key "
                          "attributes)", path);
    if (n > 2)
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "%s: key has %zu attributes (a DynamoDB key has a "
                          "partition key and at most one sort key)", path, n);
    end = key + 1 + ddbxo__doc_payload(d, key);
    ddbxo__buf_init(&b);
    for (k = key + 1; k < end; k = ddbxo__doc_skip(d, k + 1)) {
        int t = ddbxo__av_type(d, k + 1, &x);
        const char *name = ddbxo__doc_str(d, k, &b, &klen);
        char nm[DDBXO_MAX_NAME_BYTES + 1];
        int rc = 0;
        ddbxo__strlcpy(nm, name ? name : "", klen < sizeof nm ? klen + 1
                                                               : sizeof nm);
        if (t != DDBXO_TYPE_S && t != DDBXO_TYPE_N && t != DDBXO_TYPE_B)
            rc = ddbxo__err(err, DDBXO_E_INVALID, path,
                            "%s: key attribute '%s' is %s; key attributes "
                            "must be S, N or B", path, nm,
                            t ? ddbxo__type_key(t) : "?");
        else if (t != DDBXO_TYPE_N &&
                 (ddbxo__doc_str(d, x, &b, &vlen), vlen == 0))
            rc = ddbxo__err(err, DDBXO_E_INVALID, path,
                            "%s: key attribute '%s' is empty; DynamoDB "
                            "refuses empty key values", path, nm);
        if (rc < 0) {
            ddbxo__buf_free(&b);
            return -1;
        }
    }
    ddbxo__buf_free(&b);
    return 0;
}

static int key_check(const json_t *key, const char *path, size_t *bytes,
                     ddbxo_error *err)
{
    ddbxo__doc *d;
    int rc;
    if (!json_is_object(key))
        return ddbxo__item_check(key, DDBXO__AV_STRICT, path, err);
    if (!(d = ddbxo__doc_from_json(key, err)))
        return -1;
    rc = key_check_doc(d, 0, path, bytes, err);
    ddbxo__doc_unref(d);
    return rc;
}

static int writes_push(struct ddbxo_writes *w, ddbxo__write *x,
                       ddbxo_error *err)
{
    if (w->n >= DDBXO_MAX_WRITES)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "a record may turn into at most %d writes "
                          "(DDBXO_MAX_WRITES: a transaction holds 100 "
                          "actions, one is the ledger's)", DDBXO_MAX_WRITES);
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4;
        ddbxo__write *p = realloc(w->w, cap * sizeof *p);
        if (!p)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        w->w = p;
        w->cap = cap;
    }
    w->w[w->n++] = *x;
    return 0;
}

/* The common tail of every add: copies the table, pushes x.  On failure x
 * is released. */
static int add_write(struct ddbxo_writes *w, const char *table,
                     const char *table_path, ddbxo__write *x,
                     ddbxo_error *err)
{
    if (!w) {
        write_fini(x);
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no writes object");
    }
    if (ddbxo__table_name_check(table, table_path, err) < 0) {
        write_fini(x);
        return -1;
    }
    if (table && !(x->table = strdup(table))) {
        write_fini(x);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    if (writes_push(w, x, err) < 0) {
        write_fini(x);
        return -1;
    }
    return 0;
}

/* Prefix "p" + "." + "seg" (or just seg) into out, for error paths. */
static const char *subpath(char *out, size_t outsz, const char *p,
                           const char *seg)
{
    size_t n = 0, m;
    /* Cut, not snprintf: a long path is fine cut, and the compiler then
     * has no truncation to warn about. */
    if (p && *p) {
        ddbxo__strlcpy(out, p, outsz);
        n = strlen(out);
        if (n + 1 < outsz)
            out[n++] = '.';
    }
    m = strlen(seg);
    if (m > outsz - 1 - n)
        m = outsz - 1 - n;
    memcpy(out + n, seg, m);
    out[n + m] = '\0';
    return out;
}

#define PATHSZ sizeof(((ddbxo_error *)0)->path)

/* The checks of a Put's item (document d, node m): strict, not empty,
 * within 400 KB; sized in the same pass. */
static int put_check(const ddbxo__doc *d, size_t m, const char *p1,
                     size_t *size, ddbxo_error *err)
{
    if (ddbxo__item_check_doc(d, m, DDBXO__AV_STRICT, p1, size, err) < 0)
        return -1;
    if (ddbxo__doc_payload(d, m) == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, p1,
                          "%s: item is empty (it needs at least the key)",
                          p1);
    if (*size > DDBXO_MAX_ITEM_BYTES)
        return ddbxo__err(err, DDBXO_E_LIMIT, p1,
                          "%s: item is %zu bytes; DynamoDB's limit is %u",
                          p1, *size, DDBXO_MAX_ITEM_BYTES);
    return 0;
}

/* A PUT (v: the item) or DELETE (v: the key) from a jansson tree, whose
 * reference it takes; p1: the tree's path in error messages; tpath: the
 * table's. */
static int tree_write(struct ddbxo_writes *w, int kind, const char *table,
                      json_t *v, const char *p1, const char *tpath,
                      ddbxo_error *err)
{
    ddbxo__write x;
    int rc;

    memset(&x, 0, sizeof x);
    x.kind = kind;
    if (!v)
        return ddbxo__err(err, DDBXO_E_INVALID, p1, "%s: missing", p1);
    if (kind == DDBXO__W_DELETE) {
        x.key = v;
        rc = key_check(v, p1, &x.bytes, err);
    } else if (!json_is_object(v)) {
        x.item = v;
        ddbxo__item_check(v, DDBXO__AV_STRICT, p1, err);   /* says why */
        rc = -1;
    } else {
        /* The checked document is what the request will carry. */
        x.item = v;
        x.item_doc = ddbxo__doc_from_json(v, err);
        rc = x.item_doc ? put_check(x.item_doc, 0, p1, &x.bytes, err) : -1;
    }
    if (rc < 0) {
        write_fini(&x);
        return -1;
    }
    return add_write(w, table, tpath, &x, err);
}

static int put_at(struct ddbxo_writes *w, const char *table, json_t *item,
                  const char *p1, const char *tpath, ddbxo_error *err)
{
    return tree_write(w, DDBXO__W_PUT, table, item, p1, tpath, err);
}

/* The identity transform's write of kind PUT or DELETE: attribute map
 * `node` of d, kept as its text, checked and sized in one pass. */
static int doc_write(struct ddbxo_writes *w, int kind, ddbxo__doc *d,
                     size_t node, const char *path, ddbxo_error *err)
{
    ddbxo__write x;
    int rc;
    memset(&x, 0, sizeof x);
    x.kind = kind;
    if (kind == DDBXO__W_PUT) {
        x.item_doc = ddbxo__doc_ref(d);
        x.item_node = (uint32_t)node;
        rc = put_check(d, node, path, &x.bytes, err);
    } else {
        x.key_doc = ddbxo__doc_ref(d);
        x.key_node = (uint32_t)node;
        rc = key_check_doc(d, node, path, &x.bytes, err);
    }
    if (rc < 0) {
        write_fini(&x);
        return -1;
    }
    return add_write(w, NULL, "TableName", &x, err);
}

int ddbxo__writes_put_doc(struct ddbxo_writes *w, ddbxo__doc *d, size_t node,
                          const char *path, ddbxo_error *err)
{
    return doc_write(w, DDBXO__W_PUT, d, node, path, err);
}

int ddbxo__writes_delete_doc(struct ddbxo_writes *w, ddbxo__doc *d,
                             size_t node, const char *path, ddbxo_error *err)
{
    return doc_write(w, DDBXO__W_DELETE, d, node, path, err);
}

const json_t *ddbxo__write_item(const ddbxo__write *w)
{
    return ddbxo__doc_json_once(&((ddbxo__write *)w)->item, w->item_doc,
                                w->item_node);
}

const json_t *ddbxo__write_key(const ddbxo__write *w)
{
    return ddbxo__doc_json_once(&((ddbxo__write *)w)->key, w->key_doc,
                                w->key_node);
}

static int delete_at(struct ddbxo_writes *w, const char *table, json_t *key,
                     const char *p1, const char *tpath, ddbxo_error *err)
{
    return tree_write(w, DDBXO__W_DELETE, table, key, p1, tpath, err);
}

static int names_check(const json_t *names, const char *path,
                       ddbxo_error *err)
{
    const char *k;
    json_t *v;
    if (!json_is_object(names))
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "%s: must be a JSON object", path);
    json_object_foreach((json_t *)names, k, v) {
        if (k[0] != '#' || k[1] == '\0')
            return ddbxo__err(err, DDBXO_E_INVALID, path,
                              "%s: placeholder '%s' must start with '#'",
                              path, k);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return ddbxo__err(err, DDBXO_E_INVALID, path,
                              "%s.%s: must be a non-empty string", path, k);
    }
    return 0;
}

/* values (a jansson object) is node v of d: its placeholders are read on
 * the tree, its AttributeValues checked on the document. */
static int values_check(const json_t *values, const ddbxo__doc *d, size_t v,
                        const char *path, ddbxo_error *err)
{
    const char *k;
    json_t *x;
    char p[PATHSZ];
    size_t node = v + 2;        /* the first member's value */
    json_object_foreach((json_t *)values, k, x) {
        if (k[0] != ':' || k[1] == '\0')
            return ddbxo__err(err, DDBXO_E_INVALID, path,
                              "%s: placeholder '%s' must start with ':'",
                              path, k);
        subpath(p, sizeof p, path, k);
        if (ddbxo__av_check_doc(d, node, DDBXO__AV_STRICT, p, 1, err) < 0)
            return -1;
        node = ddbxo__doc_skip(d, node) + 1;
    }
    return 0;
}

static int update_at(struct ddbxo_writes *w, const char *table, json_t *key,
                     const char *expr, json_t *names, json_t *values,
                     const char *at, ddbxo_error *err)
{
    ddbxo__write x;
    char p[PATHSZ];
    size_t n;
    json_t *pair = NULL, *empty = json_object();
    ddbxo__doc *d = NULL;

    memset(&x, 0, sizeof x);
    x.kind = DDBXO__W_UPDATE;
    x.key = key;
    x.names = names;
    x.values = values;
    subpath(p, sizeof p, at, "Key");
    if (!key) {
        ddbxo__err(err, DDBXO_E_INVALID, p, "%s: missing", p);
        goto fail;
    }
    /* DynamoDB refuses empty ExpressionAttributeNames/Values maps; an
     * empty one means "none", so drop it. */
    if (names && json_is_object(names) && json_object_size(names) == 0) {
        json_decref(names);
        x.names = names = NULL;
    }
    if (values && json_is_object(values) && json_object_size(values) == 0) {
        json_decref(values);
        x.values = values = NULL;
    }
    if (!json_is_object(key) || (values && !json_is_object(values))) {
        if (key_check(key, p, &x.bytes, err) < 0)
            goto fail;
        subpath(p, sizeof p, at, "ExpressionAttributeValues");
        ddbxo__err(err, DDBXO_E_INVALID, p, "%s: must be a JSON object", p);
        goto fail;
    }
    /* The key and the values as one document: one conversion checks and
     * sizes them both. */
    if (!(pair = json_pack("[O,O]", key, values ? values : empty)) ||
        !(d = ddbxo__doc_from_json(pair, err)))
        goto nomem;
    if (key_check_doc(d, 1, p, &x.bytes, err) < 0)
        goto fail;
    subpath(p, sizeof p, at, "UpdateExpression");
    n = expr ? strlen(expr) : 0;
    if (n == 0) {
        ddbxo__err(err, DDBXO_E_INVALID, p, "%s: missing or empty", p);
        goto fail;
    }
    if (n > MAX_EXPR_BYTES) {
        ddbxo__err(err, DDBXO_E_LIMIT, p,
                   "%s: is %zu bytes; DynamoDB's limit is %d", p, n,
                   MAX_EXPR_BYTES);
        goto fail;
    }
    if (names &&
        names_check(names, subpath(p, sizeof p, at,
                                   "ExpressionAttributeNames"), err) < 0)
        goto fail;
    if (values &&
        values_check(values, d, ddbxo__doc_skip(d, 1),
                     subpath(p, sizeof p, at, "ExpressionAttributeValues"),
                     err) < 0)
        goto fail;
    /* The result's size is the server's to know; count what we send. */
    if (values)
        x.bytes += ddbxo__item_size_doc(d, ddbxo__doc_skip(d, 1));
    if (!(x.update_expr = strdup(expr))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto fail;
    }
    json_decref(pair);
    json_decref(empty);
    ddbxo__doc_unref(d);
    return add_write(w, table, subpath(p, sizeof p, at, "TableName"), &x,
                     err);
nomem:
    if (!d && err && err->code == DDBXO_OK)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
fail:
    json_decref(pair);
    json_decref(empty);
    ddbxo__doc_unref(d);
    write_fini(&x);
    return -1;
}

int ddbxo__writes_put_json(struct ddbxo_writes *w, const char *table,
                           json_t *item, ddbxo_error *err)
{
    return put_at(w, table, item, "Item", "TableName", err);
}

int ddbxo__writes_update_json(struct ddbxo_writes *w, const char *table,
                              json_t *key, const char *expr, json_t *names,
                              json_t *values, ddbxo_error *err)
{
    return update_at(w, table, key, expr, names, values, "", err);
}

int ddbxo__writes_delete_json(struct ddbxo_writes *w, const char *table,
                              json_t *key, ddbxo_error *err)
{
    return delete_at(w, table, key, "Key", "TableName", err);
}

/* ------------------------------------------------- public JSON forms */

/* jansson's text ends in "near '<input>'", quoting the document: only
 * the part before it may go into a message (events and writes hold item
 * data, and messages reach logs). */
static const char *json_why(json_error_t *je)
{
    char *near = strstr(je->text, " near ");
    if (near)
        *near = '\0';
    return je->text;
}

static json_t *load(const char *json, size_t len, const char *what,
                    ddbxo_error *err)
{
    json_error_t je;
    json_t *j;
    if (!json)
        return ddbxo__err(err, DDBXO_E_INVALID, what, "%s: missing", what),
               NULL;
    /* Duplicate keys would make a write mean two things. */
    j = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!j)
        ddbxo__err(err, DDBXO_E_INVALID, what,
                   "%s: invalid JSON at line %d column %d: %s", what,
                   je.line, je.column, json_why(&je));
    return j;
}

DDBXO_API int ddbxo_writes_put(ddbxo_writes *w, const char *table,
                               const char *item_json, size_t len,
                               ddbxo_error *err)
{
    json_t *item = load(item_json, len, "Item", err);
    if (!item)
        return -1;
    return put_at(w, table, item, "Item", "TableName", err);
}

DDBXO_API int ddbxo_writes_update(ddbxo_writes *w, const char *table,
                                  const char *key_json, size_t key_len,
                                  const char *update_expression,
                                  const char *names_json, size_t names_len,
                                  const char *values_json, size_t values_len,
                                  ddbxo_error *err)
{
    json_t *key, *names = NULL, *values = NULL;
    key = load(key_json, key_len, "Key", err);
    if (!key)
        return -1;
    if (names_json &&
        !(names = load(names_json, names_len, "ExpressionAttributeNames",
                       err))) {
        json_decref(key);
        return -1;
    }
    if (values_json &&
        !(values = load(values_json, values_len,
                        "ExpressionAttributeValues", err))) {
        json_decref(key);
        json_decref(names);
        return -1;
    }
    return update_at(w, table, key, update_expression, names, values, "",
                     err);
}

DDBXO_API int ddbxo_writes_delete(ddbxo_writes *w, const char *table,
                                  const char *key_json, size_t len,
                                  ddbxo_error *err)
{
    json_t *key = load(key_json, len, "Key", err);
    if (!key)
        return -1;
    return delete_at(w, table, key, "Key", "TableName", err);
}

/* Members allowed in each action of the add_json shape. */
static const char *const put_members[] = { "TableName", "Item", NULL };
static const char *const update_members[] = {
    "TableName", "Key", "UpdateExpression", "ExpressionAttributeNames",
    "ExpressionAttributeValues", NULL
};
static const char *const delete_members[] = { "TableName", "Key", NULL };

static int only_members(const json_t *o, const char *const *allowed,
                        const char *at, ddbxo_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (strcmp(k, allowed[i]) == 0)
                break;
        if (!allowed[i])
            return ddbxo__err(err, DDBXO_E_INVALID, at,
                              "%s: unknown member '%s' (conditions and "
                              "return values belong to the apply layer)",
                              at, k);
    }
    return 0;
}

/* Optional TableName member: NULL when absent, -1 when not a string. */
static int opt_table(const json_t *o, const char **table, const char *at,
                     ddbxo_error *err)
{
    json_t *t = json_object_get(o, "TableName");
    *table = NULL;
    if (!t)
        return 0;
    if (!json_is_string(t))
        return ddbxo__err(err, DDBXO_E_INVALID, at,
                          "%s.TableName: must be a string", at);
    *table = json_string_value(t);
    if (strlen(*table) != json_string_length(t))
        return ddbxo__err(err, DDBXO_E_INVALID, at,
                          "%s.TableName: contains a NUL byte", at);
    return 0;
}

/* Takes a new reference to member k of o, or NULL when absent. */
static json_t *member(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return v ? json_incref(v) : NULL;
}

static int add_one(struct ddbxo_writes *w, const json_t *a, const char *at,
                   ddbxo_error *err)
{
    const char *verb, *table;
    json_t *body;
    char p[PATHSZ];

    if (!json_is_object(a) || json_object_size(a) != 1)
        return ddbxo__err(err, DDBXO_E_INVALID, at,
                          "%s: a write is an object with exactly one of "
                          "Put, Update, Delete", at[0] ? at : "write");
    verb = json_object_iter_key(json_object_iter((json_t *)a));
    body = json_object_iter_value(json_object_iter((json_t *)a));
    subpath(p, sizeof p, at, verb);
    if (strcmp(verb, "Put") && strcmp(verb, "Update") &&
        strcmp(verb, "Delete"))
        return ddbxo__err(err, DDBXO_E_INVALID, p,
                          "%s: unknown write (Put, Update or Delete)", p);
    if (!json_is_object(body))
        return ddbxo__err(err, DDBXO_E_INVALID, p, "%s: must be an object",
                          p);
    if (opt_table(body, &table, p, err) < 0)
        return -1;
    if (strcmp(verb, "Put") == 0) {
        if (only_members(body, put_members, p, err) < 0)
            return -1;
        char ip[PATHSZ], tp[PATHSZ];
        return put_at(w, table, member(body, "Item"),
                      subpath(ip, sizeof ip, p, "Item"),
                      subpath(tp, sizeof tp, p, "TableName"), err);
    }
    if (strcmp(verb, "Delete") == 0) {
        if (only_members(body, delete_members, p, err) < 0)
            return -1;
        char kp[PATHSZ], tp[PATHSZ];
        return delete_at(w, table, member(body, "Key"),
                         subpath(kp, sizeof kp, p, "Key"),
                         subpath(tp, sizeof tp, p, "TableName"), err);
    }
    {
        json_t *e = json_object_get(body, "UpdateExpression");
        if (only_members(body, update_members, p, err) < 0)
            return -1;
        if (e && (!json_is_string(e) ||
                  strlen(json_string_value(e)) != json_string_length(e)))
            return ddbxo__err(err, DDBXO_E_INVALID, p,
                              "%s.UpdateExpression: must be a string "
                              "without NUL bytes", p);
        return update_at(w, table, member(body, "Key"),
                         e ? json_string_value(e) : NULL,
                         member(body, "ExpressionAttributeNames"),
                         member(body, "ExpressionAttributeValues"), p, err);
    }
}

int ddbxo__writes_add_tree(struct ddbxo_writes *w, const json_t *j,
                           ddbxo_error *err)
{
    size_t n0, i;
    int rc = 0;

    if (!w)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no writes object");
    n0 = w->n;
    if (json_is_array(j)) {
        for (i = 0; rc == 0 && i < json_array_size(j); i++) {
            char at[32];
            snprintf(at, sizeof at, "[%zu]", i);
            rc = add_one(w, json_array_get(j, i), at, err);
        }
    } else {
        rc = add_one(w, j, "", err);
    }
    if (rc < 0)
        writes_truncate(w, n0);
    return rc;
}

DDBXO_API int ddbxo_writes_add_json(ddbxo_writes *w, const char *json,
                                    size_t len, ddbxo_error *err)
{
    json_t *j;
    int rc;
    if (!w)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no writes object");
    if (!(j = load(json, len, "writes", err)))
        return -1;
    rc = ddbxo__writes_add_tree(w, j, err);
    json_decref(j);
    return rc;
}

DDBXO_API size_t ddbxo_writes_count(const ddbxo_writes *w)
{
    return w ? w->n : 0;
}

/* Sets k to a new reference of v (NULL v: nothing).  -1 on no memory. */
static int set_ref(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set(o, k, v) : 0;
}

json_t *ddbxo__writes_to_json(const struct ddbxo_writes *w)
{
    json_t *arr = json_array();
    size_t i;
    if (!arr)
        return NULL;
    for (i = 0; w && i < w->n; i++) {
        const ddbxo__write *x = &w->w[i];
        json_t *body = json_object(), *a = json_object();
        const char *verb = x->kind == DDBXO__W_PUT      ? "Put"
                           : x->kind == DDBXO__W_UPDATE ? "Update"
                                                        : "Delete";
        int bad = !body || !a;
        if (!bad && x->table)
            bad |= json_object_set_new(body, "TableName",
                                       json_string(x->table)) < 0;
        if (!bad) {
            bad |= set_ref(body, "Item", (json_t *)ddbxo__write_item(x)) < 0;
            bad |= set_ref(body, "Key", (json_t *)ddbxo__write_key(x)) < 0;
            if (x->update_expr)
                bad |= json_object_set_new(body, "UpdateExpression",
                                           json_string(x->update_expr)) < 0;
            bad |= set_ref(body, "ExpressionAttributeNames", x->names) < 0;
            bad |= set_ref(body, "ExpressionAttributeValues", x->values) < 0;
        }
        if (!bad)
            bad |= json_object_set_new(a, verb, body) < 0;
        else
            json_decref(body);
        if (bad || json_array_append_new(arr, a) < 0) {
            if (bad)
                json_decref(a);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* -------------------------------------------------------- transforms */

ddbxo_transform *ddbxo__transform_make(ddbxo_transform_fn fn, void *ctx,
                                       void (*ctx_free)(void *ctx),
                                       int needs_ledger, ddbxo_error *err)
{
    ddbxo_transform *t = calloc(1, sizeof *t);
    if (!t) {
        if (ctx_free)
            ctx_free(ctx);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    t->fn = fn;
    t->ctx = ctx;
    t->ctx_free = ctx_free;
    t->needs_ledger = needs_ledger;
    return t;
}

DDBXO_API ddbxo_transform *ddbxo_transform_new(ddbxo_transform_fn fn,
                                               void *ctx, ddbxo_error *err)
{
    if (!fn)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "transform callback is NULL"), NULL;
    return ddbxo__transform_make(fn, ctx, NULL, 0, err);
}

DDBXO_API int ddbxo_transform_needs_ledger(const ddbxo_transform *t)
{
    return t && t->needs_ledger;
}

DDBXO_API void ddbxo_transform_free(ddbxo_transform *t)
{
    if (!t)
        return;
    if (t->ctx_free)
        t->ctx_free(t->ctx);
    free(t);
}

int ddbxo__transform_run(const ddbxo_transform *t, const ddbxo_record *rec,
                         struct ddbxo_writes *out, ddbxo_error *err)
{
    ddbxo_error e;
    int rc;

    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no writes object");
    ddbxo__writes_clear(out);
    if (!t || !rec)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "transform or record is NULL");
    /* A local error, so a callback that fails without saying why still
     * gives the record a reason. */
    ddbxo_error_clear(&e);
    rc = t->fn(t->ctx, rec, out, &e);
    if (rc == 0)
        return 0;
    ddbxo__writes_clear(out);
    if (e.code == DDBXO_OK)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "the transform failed without an error (it "
                          "returned %d)", rc);
    ddbxo__err_copy(err, &e);
    return -1;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return ddbxo__buf_put(data, buf, size);
}

char *ddbxo__writes_dump(const struct ddbxo_writes *w, size_t *len,
                         ddbxo_error *err)
{
    json_t *j = ddbxo__writes_to_json(w);
    ddbxo__buf b;
    if (len)
        *len = 0;
    if (!j)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    /* Through our buffer so ddbxo_free() matches the allocator. */
    ddbxo__buf_init(&b);
    if (json_dump_callback(j, dump_cb, &b, JSON_COMPACT) < 0 ||
        !ddbxo__buf_cstr(&b)) {
        json_decref(j);
        ddbxo__buf_free(&b);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    }
    json_decref(j);
    return (char *)ddbxo__buf_take(&b, len);
}

DDBXO_API char *ddbxo_transform_run(const ddbxo_transform *t,
                                    const ddbxo_record *rec, size_t *len,
                                    ddbxo_error *err)
{
    struct ddbxo_writes w;
    char *out;

    if (len)
        *len = 0;
    ddbxo__writes_init(&w);
    if (ddbxo__transform_run(t, rec, &w, err) < 0)
        return NULL;
    out = ddbxo__writes_dump(&w, len, err);
    ddbxo__writes_clear(&w);
    return out;
}

/* ---------------------------------------------------------- identity */

static int identity_fn(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                       ddbxo_error *err)
{
    (void)ctx;
    if (ddbxo_record_event_name(rec) == DDBXO_EVENT_REMOVE) {
        /* Keys is required by the parse, so always there. */
        return ddbxo__writes_delete_doc(out, rec->keys.doc, rec->keys.node,
                                        "dynamodb.Keys", err);
    } else {
        const char *vt = ddbxo_record_stream_view_type(rec);
        if (!rec->has_new)
            return ddbxo__err(err, DDBXO_E_INVALID, "dynamodb.NewImage",
                              "%s record has no NewImage (stream view type "
                              "%s): the identity transform needs "
                              "NEW_IMAGE or NEW_AND_OLD_IMAGES",
                              ddbxo_record_event_name_str(rec),
                              vt ? vt : "not given");
        /* The image is passed through as its text in the record's
         * document: checked strictly and sized in one pass, never made
         * into a tree or written again (docs/performance.md). */
        return ddbxo__writes_put_doc(out, rec->new_image.doc,
                                     rec->new_image.node,
                                     "dynamodb.NewImage", err);
    }
}

DDBXO_API ddbxo_transform *ddbxo_transform_identity(ddbxo_error *err)
{
    return ddbxo__transform_make(identity_fn, NULL, NULL, 0, err);
}
