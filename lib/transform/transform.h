/* Internal: transforms and the writes they produce (lib/transform/).
 * The decimal arithmetic the aggregate needs and DynamoDB's item-size rule
 * are the value layer's (lib/value/value.h).
 *
 * The apply layer reads struct ddbxo_writes directly: it wraps each write
 * into a PutItem / UpdateItem / DeleteItem request or a TransactItems
 * entry and adds its own bookkeeping (sequence guard, ledger item, ...).
 */
#ifndef DDBXO_LIB_TRANSFORM_H
#define DDBXO_LIB_TRANSFORM_H

#include <jansson.h>

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "value/doc.h"

typedef enum ddbxo__wkind {
    DDBXO__W_PUT = 1,
    DDBXO__W_UPDATE = 2,
    DDBXO__W_DELETE = 3
} ddbxo__wkind;

/* One write.  Validated (strict) when added, and sized then (bytes).
 * The table and expression strings are owned; the json trees and
 * documents hold a reference each.  A Put's item is always in a document
 * (item_doc): the record's own for the identity transform, which passes
 * the image through as its text, or one made from the transform's tree
 * when it was checked.  An identity REMOVE's key is the record's Keys
 * (key_doc) without a tree.  Read the trees through ddbxo__write_item /
 * ddbxo__write_key, which make them when only a document is there. */
typedef struct ddbxo__write {
    int kind;                    /* ddbxo__wkind */
    char *table;                 /* NULL = the target table */
    json_t *item;                /* PUT: the item (attribute map), or NULL */
    json_t *key;                 /* UPDATE, DELETE: the key, or NULL */
    ddbxo__doc *item_doc;        /* PUT: the item's checked text */
    uint32_t item_node;
    ddbxo__doc *key_doc;         /* DELETE: the key's text, or NULL */
    uint32_t key_node;
    size_t bytes;                /* DynamoDB size: PUT the item, UPDATE
                                    the key and values, DELETE the key */
    char *update_expr;           /* UPDATE */
    json_t *names;               /* UPDATE: ExpressionAttributeNames, NULL */
    json_t *values;              /* UPDATE: ExpressionAttributeValues, NULL */
} ddbxo__write;

/* The write's item / key as jansson trees (borrowed; made from the
 * document on first use).  NULL when absent or out of memory. */
const json_t *ddbxo__write_item(const ddbxo__write *w);
const json_t *ddbxo__write_key(const ddbxo__write *w);

struct ddbxo_writes {
    ddbxo__write *w;
    size_t n, cap;
};

/* ddbxo_writes_add_json on a parsed document (borrowed): one write
 * object or an array of them, all or nothing. */
int ddbxo__writes_add_tree(struct ddbxo_writes *w, const json_t *j,
                           ddbxo_error *err);
void ddbxo__writes_init(struct ddbxo_writes *w);
/* Frees every write; w can be reused. */
void ddbxo__writes_clear(struct ddbxo_writes *w);

/* jansson forms of ddbxo_writes_put/_update/_delete.  They take over the
 * references passed in (item, key, names, values) whether they succeed or
 * not; table and expr are copied.  Same checks and errors as the public
 * functions. */
int ddbxo__writes_put_json(struct ddbxo_writes *w, const char *table,
                           json_t *item, ddbxo_error *err);
int ddbxo__writes_update_json(struct ddbxo_writes *w, const char *table,
                              json_t *key, const char *expr, json_t *names,
                              json_t *values, ddbxo_error *err);
int ddbxo__writes_delete_json(struct ddbxo_writes *w, const char *table,
                              json_t *key, ddbxo_error *err);
/* The writes as the JSON array ddbxo_transform_run returns (new ref). */
json_t *ddbxo__writes_to_json(const struct ddbxo_writes *w);
/* The same as JSON text, compact (free with ddbxo_free; *len its length,
 * may be NULL).  NULL with err (no memory). */
char *ddbxo__writes_dump(const struct ddbxo_writes *w, size_t *len,
                         ddbxo_error *err);

/* The identity transform's writes: attribute map `node` of d (a record's
 * NewImage or Keys), checked strictly and sized in one pass, kept as its
 * text.  Same errors as the jansson forms. */
int ddbxo__writes_put_doc(struct ddbxo_writes *w, ddbxo__doc *d, size_t node,
                          const char *path, ddbxo_error *err);
int ddbxo__writes_delete_doc(struct ddbxo_writes *w, ddbxo__doc *d,
                             size_t node, const char *path,
                             ddbxo_error *err);

/* Runs t on rec into out (cleared first).  0 (out->n == 0 means skip), or
 * -1 with err: the record fails permanently (bad image, missing attribute,
 * wrong stream view type, a callback error, ...). */
int ddbxo__transform_run(const ddbxo_transform *t, const ddbxo_record *rec,
                         struct ddbxo_writes *out, ddbxo_error *err);

#endif
