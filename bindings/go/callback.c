/* The C side of Go transforms: ddbxo_transform_fn -> exported Go func.
 * The transform's ctx is a cgo.Handle number, never a Go pointer. */
#include <stdint.h>
#include <stdio.h>
#include "ddbxo.h"
#include "_cgo_export.h"

static int go_transform(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                        ddbxo_error *err)
{
    return ddbxoGoTransform((uintptr_t)ctx, (ddbxo_record *)rec, out, err);
}

ddbxo_transform *ddbxo_go_transform_new(uintptr_t handle, ddbxo_error *err)
{
    return ddbxo_transform_new(go_transform, (void *)handle, err);
}

void ddbxo_go_set_error(ddbxo_error *err, int code, int retryable,
                        const char *msg)
{
    if (!err)
        return;
    ddbxo_error_clear(err);
    err->code = code;
    err->retryable = retryable;
    snprintf(err->message, sizeof err->message, "%s", msg ? msg : "");
}
