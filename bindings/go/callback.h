#ifndef DDBXO_GO_CALLBACK_H
#define DDBXO_GO_CALLBACK_H
#include <stdint.h>
#include "ddbxo.h"
#include "ddbxo/sys/redrive.h"
ddbxo_transform *ddbxo_go_transform_new(uintptr_t handle, ddbxo_error *err);
void ddbxo_go_set_error(ddbxo_error *err, int code, int retryable,
                        const char *msg);
/* Points rc's log at the exported Go function with handle as its ctx. */
void ddbxo_go_redrive_log(ddbxo_redrive_config *rc, uintptr_t handle);
#endif
