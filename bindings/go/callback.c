/* The C side of Go callbacks: ddbxo_transform_fn and the redrive's
 * ddbxo_log_fn -> exported Go funcs.  Their ctx is a cgo.Handle number,
 * never a Go pointer. */
#include <stdint.h>
#include <stdio.h>
#include "ddbxo.h"
#include "ddbxo/sys/redrive.h"
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

static void go_log(void *ctx, int level, const char *msg)
{
    ddbxoGoLog((uintptr_t)ctx, level, (char *)msg);
}

void ddbxo_go_redrive_log(ddbxo_redrive_config *rc, uintptr_t handle)
{
    rc->log = go_log;
    rc->log_ctx = (void *)handle;
}
