/* Private to lib/transform*.c: what a transform is.  Every kind (callback,
 * identity, spec, aggregate) is a callback plus a context the transform
 * owns, so ddbxo__transform_run has one path for all of them. */
#ifndef DDBXO_LIB_TRANSFORM_INT_H
#define DDBXO_LIB_TRANSFORM_INT_H

#include "ddbxo.h"

struct ddbxo_transform {
    ddbxo_transform_fn fn;
    void *ctx;
    void (*ctx_free)(void *ctx);   /* NULL: ctx is the user's */
    int needs_ledger;
};

/* A transform around fn/ctx.  On failure (no memory) ctx_free(ctx) is
 * called, so the caller never has to clean up after a NULL. */
ddbxo_transform *ddbxo__transform_make(ddbxo_transform_fn fn, void *ctx,
                                       void (*ctx_free)(void *ctx),
                                       int needs_ledger, ddbxo_error *err);

/* Checks a TableName a write names (a table name or a table ARN). */
int ddbxo__table_name_check(const char *table, const char *path,
                            ddbxo_error *err);

#endif
