#ifndef DDBXO_GO_CALLBACK_H
#define DDBXO_GO_CALLBACK_H
#include <stdint.h>
#include "ddbxo.h"
ddbxo_transform *ddbxo_go_transform_new(uintptr_t handle, ddbxo_error *err);
void ddbxo_go_set_error(ddbxo_error *err, int code, int retryable,
                        const char *msg);
#endif
