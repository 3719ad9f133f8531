/* Internal: transforms and the writes they produce (lib/transform*.c), the
 * decimal arithmetic the aggregate needs (lib/decimal.c) and DynamoDB's
 * item-size rule (lib/item_size.c).
 *
 * The apply layer reads struct ddbxo_writes directly: it wraps each write
 * into a PutItem / UpdateItem / DeleteItem request or a TransactItems
 * entry and adds its own bookkeeping (sequence guard, ledger item, ...).
 */
#ifndef DDBXO_LIB_TRANSFORM_H
#define DDBXO_LIB_TRANSFORM_H

#include <jansson.h>

#include "ddbxo.h"

typedef enum ddbxo__wkind {
    DDBXO__W_PUT = 1,
    DDBXO__W_UPDATE = 2,
    DDBXO__W_DELETE = 3
} ddbxo__wkind;

/* One write.  Validated (strict) when added.  The table and expression
 * strings are owned; the json trees hold a reference each and may be
 * shared with the record's own tree (the identity transform passes the
 * image itself): treat them as read-only, and copy before adding
 * bookkeeping attributes (the apply layer makes a shallow copy). */
typedef struct ddbxo__write {
    int kind;                    /* ddbxo__wkind */
    char *table;                 /* NULL = the target table */
    json_t *item;                /* PUT: the item (attribute map) */
    json_t *key;                 /* UPDATE, DELETE: the key (attribute map) */
    char *update_expr;           /* UPDATE */
    json_t *names;               /* UPDATE: ExpressionAttributeNames, NULL */
    json_t *values;              /* UPDATE: ExpressionAttributeValues, NULL */
} ddbxo__write;

struct ddbxo_writes {
    ddbxo__write *w;
    size_t n, cap;
};

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

/* Runs t on rec into out (cleared first).  0 (out->n == 0 means skip), or
 * -1 with err: the record fails permanently (bad image, missing attribute,
 * wrong stream view type, a callback error, ...). */
int ddbxo__transform_run(const ddbxo_transform *t, const ddbxo_record *rec,
                         struct ddbxo_writes *out, ddbxo_error *err);

/* DynamoDB's size of an item (attribute map): UTF-8 name bytes plus value
 * sizes by the documented rule (S: UTF-8 bytes; N: about 1 byte per two
 * significant digits plus 1; B: raw bytes; sets and lists: the members
 * plus 3 bytes, 1 per element; M: 3 bytes plus names and values, 1 per
 * element; BOOL and NULL: 1).  The input must have passed the lenient
 * check. */
size_t ddbxo__item_size(const json_t *item);

/* Exact decimal arithmetic on DynamoDB number text (any valid number,
 * NUL-terminated).  The result is normalised; -1 with err
 * (DDBXO_E_INVALID for bad input, DDBXO_E_LIMIT when the exact result
 * needs more than 38 significant digits or leaves DynamoDB's range). */
int ddbxo__decimal_sub(const char *a, const char *b, char *out, size_t outsz,
                       ddbxo_error *err);
int ddbxo__decimal_neg(const char *a, char *out, size_t outsz,
                       ddbxo_error *err);
/* Numeric comparison: <0, 0, >0; -2 (err) when either is not a number. */
int ddbxo__decimal_cmp(const char *a, const char *b, ddbxo_error *err);

#endif
