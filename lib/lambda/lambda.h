/* Internal: what the Lambda runtime (lib/lambda/lambda_runtime.c), its logger
 * (lib/lambda/lambda_log.c) and the stream handler (lib/lambda/lambda_stream.c) share. */
#ifndef DDBXO_LIB_LAMBDA_H
#define DDBXO_LIB_LAMBDA_H

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"

/* Default of ddbxo_lambda_stream_config.margin_ms: new work stops this
 * long before the invocation deadline, so the in-flight writes end and the
 * response is posted in time. */
#define DDBXO_LAMBDA_DEFAULT_MARGIN_MS 1000

/* Sets the request id of the invocation running on this thread ("" between
 * invocations): JSON log lines carry it as "requestId". */
void ddbxo__lambda_set_request(const char *request_id);

/* The error document of /error and /init/error,
 * {"errorMessage":..,"errorType":..,"stackTrace":[]} (malloc'd), and the
 * type it names ("Ddbxo.<code name>") in type (>= 32 bytes).  NULL on
 * allocation failure. */
char *ddbxo__lambda_error_doc(const ddbxo_error *e, char *type, size_t typesz,
                              size_t *len);

#endif
