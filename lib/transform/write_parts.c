/* Writes in parts (include/ddbxo/sys/binding.h): a binding hands over a
 * write's kind and members and the library puts them into the
 * TransactItems shape of ddbxo_writes_add_json, so no binding builds that
 * shape itself.  The parts become one jansson array checked by the same
 * code as ddbxo_writes_add_json (ddbxo__writes_add_tree). */
#include "ddbxo/sys/binding.h"
#include "transform/transform.h"
#include "util/error.h"

#include <stdio.h>
#include <string.h>

DDBXO_API const char *ddbxo_write_kind_name(int kind)
{
    switch (kind) {
    case DDBXO_WRITE_PUT: return "Put";
    case DDBXO_WRITE_UPDATE: return "Update";
    case DDBXO_WRITE_DELETE: return "Delete";
    default: return NULL;
    }
}

DDBXO_API int ddbxo_write_kind_from_name(const char *name)
{
    for (int k = DDBXO_WRITE_PUT; name && k <= DDBXO_WRITE_DELETE; k++)
        if (strcmp(ddbxo_write_kind_name(k), name) == 0)
            return k;
    return 0;
}

DDBXO_API int ddbxo_write_member_holds_values(const char *member)
{
    return member && (strcmp(member, "Item") == 0 ||
                      strcmp(member, "Key") == 0 ||
                      strcmp(member, "ExpressionAttributeValues") == 0);
}

/* Sets member k of o to the JSON text (json, len); an absent text sets
 * nothing.  -1 with err naming at.k. */
static int set_json(json_t *o, const char *k, const char *json, size_t len,
                    const char *at, ddbxo_error *err)
{
    json_error_t je;
    json_t *v;
    char *near;
    if (!json)
        return 0;
    /* Duplicate keys would make a write mean two things. */
    if (!(v = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                         &je))) {
        /* jansson quotes the input after " near ": item data stays out. */
        if ((near = strstr(je.text, " near ")))
            *near = '\0';
        return ddbxo__err(err, DDBXO_E_INVALID, at,
                          "%s.%s: invalid JSON at line %d column %d: %s", at,
                          k, je.line, je.column, je.text);
    }
    if (json_object_set_new(o, k, v) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

static int set_str(json_t *o, const char *k, const char *s)
{
    return s ? json_object_set_new(o, k, json_string(s)) : 0;
}

/* One part as {"Kind": {...}}, or NULL with err. */
static json_t *part_tree(const ddbxo_write_parts *p, size_t i,
                         ddbxo_error *err)
{
    const char *kind = ddbxo_write_kind_name(p->kind);
    json_t *body, *a;
    char at[48];
    if (!kind)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "[%zu]: a write is a Put, an Update or a Delete "
                          "(kind %d)", i, p->kind), NULL;
    snprintf(at, sizeof at, "[%zu].%s", i, kind);
    if (p->kind != DDBXO_WRITE_UPDATE &&
        (p->update_expression || p->names_json || p->values_json))
        return ddbxo__err(err, DDBXO_E_INVALID, at,
                          "%s: an expression belongs to an Update", at),
               NULL;
    if (!(body = json_object()) || !(a = json_object())) {
        json_decref(body);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    }
    if (json_object_set_new(a, kind, body) < 0 ||
        set_str(body, "TableName", p->table) < 0 ||
        set_str(body, "UpdateExpression", p->update_expression) < 0) {
        json_decref(a);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    }
    if (set_json(body, p->kind == DDBXO_WRITE_PUT ? "Item" : "Key",
                 p->image_json, p->image_len, at, err) < 0 ||
        set_json(body, "ExpressionAttributeNames", p->names_json,
                 p->names_len, at, err) < 0 ||
        set_json(body, "ExpressionAttributeValues", p->values_json,
                 p->values_len, at, err) < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* The parts as a checked array in w (appended; all or nothing), or -1. */
static int add_parts(struct ddbxo_writes *w, const ddbxo_write_parts *p,
                     size_t n, ddbxo_error *err)
{
    json_t *arr;
    int rc;
    if (!p && n)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL parts");
    if (!(arr = json_array()))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *a = part_tree(&p[i], i, err);
        if (!a || json_array_append_new(arr, a) < 0) {
            if (a)
                ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            json_decref(arr);
            return -1;
        }
    }
    rc = ddbxo__writes_add_tree(w, arr, err);
    json_decref(arr);
    return rc;
}

DDBXO_API int ddbxo_writes_add_parts(ddbxo_writes *w,
                                     const ddbxo_write_parts *p, size_t n,
                                     ddbxo_error *err)
{
    if (!w)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no writes object");
    return add_parts(w, p, n, err);
}

DDBXO_API char *ddbxo_write_parts_json(const ddbxo_write_parts *p, size_t n,
                                       size_t *len, ddbxo_error *err)
{
    struct ddbxo_writes w;
    char *out = NULL;
    if (len)
        *len = 0;
    ddbxo__writes_init(&w);
    if (add_parts(&w, p, n, err) == 0)
        out = ddbxo__writes_dump(&w, len, err);
    ddbxo__writes_clear(&w);
    return out;
}
