/* What a language binding reads from the library instead of copying it
 * (include/ddbxo/sys/binding.h): the public constants by name, names to
 * enum values, and which AWS error types are throttling.  Nothing here
 * decides anything new: each entry points at the decision's one home
 * (the header's enums and limits, the retry policy's lists). */
#include "ddbxo/sys/binding.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/redrive.h"
#include "ddbxo/sys/sigv4.h"
#include "ddbxo/sys/value.h"
#include "service/client.h"
#include "service/ddb_error.h"
#include "transport/http.h"

#include <stddef.h>
#include <string.h>

#define C(group, name) { #name, group, (long long)(name) }
/* A buffer member's size, and a struct's size: not macros of the header,
 * so the table is where a binding learns them. */
#define BUF(name, type, member) \
    { name, "bufsize", (long long)sizeof(((type *)0)->member) }
#define SIZE(name, type) { name, "sizeof", (long long)sizeof(type) }

static const ddbxo_constant constants[] = {
    C("ddbxo_code", DDBXO_OK),
    C("ddbxo_code", DDBXO_E_INVALID),
    C("ddbxo_code", DDBXO_E_NOMEM),
    C("ddbxo_code", DDBXO_E_LIMIT),
    C("ddbxo_code", DDBXO_E_IO),
    C("ddbxo_code", DDBXO_E_CONFIG),
    C("ddbxo_code", DDBXO_E_HTTP),
    C("ddbxo_code", DDBXO_E_AWS),
    C("ddbxo_code", DDBXO_E_CONDITION),
    C("ddbxo_code", DDBXO_E_CANCELLED),
    C("ddbxo_code", DDBXO_E_TIMEOUT),
    C("ddbxo_code", DDBXO_E_INTERNAL),

    C("ddbxo_event_name", DDBXO_EVENT_INSERT),
    C("ddbxo_event_name", DDBXO_EVENT_MODIFY),
    C("ddbxo_event_name", DDBXO_EVENT_REMOVE),

    C("ddbxo_mode", DDBXO_MODE_REPLICATE),
    C("ddbxo_mode", DDBXO_MODE_LEDGER),
    C("ddbxo_mode", DDBXO_MODE_TRACKER),

    C("ddbxo_outcome", DDBXO_APPLIED),
    C("ddbxo_outcome", DDBXO_DUPLICATE),
    C("ddbxo_outcome", DDBXO_STALE),
    C("ddbxo_outcome", DDBXO_SUPERSEDED),
    C("ddbxo_outcome", DDBXO_COALESCED),
    C("ddbxo_outcome", DDBXO_FILTERED),
    C("ddbxo_outcome", DDBXO_PARKED),
    C("ddbxo_outcome", DDBXO_FAILED_RETRYABLE),
    C("ddbxo_outcome", DDBXO_FAILED_PERMANENT),

    C("ddbxo_service", DDBXO_SERVICE_DYNAMODB),
    C("ddbxo_service", DDBXO_SERVICE_STREAMS),
    C("ddbxo_service", DDBXO_SERVICE_SQS),

    C("ddbxo_type", DDBXO_TYPE_NONE),
    C("ddbxo_type", DDBXO_TYPE_S),
    C("ddbxo_type", DDBXO_TYPE_N),
    C("ddbxo_type", DDBXO_TYPE_B),
    C("ddbxo_type", DDBXO_TYPE_SS),
    C("ddbxo_type", DDBXO_TYPE_NS),
    C("ddbxo_type", DDBXO_TYPE_BS),
    C("ddbxo_type", DDBXO_TYPE_M),
    C("ddbxo_type", DDBXO_TYPE_L),
    C("ddbxo_type", DDBXO_TYPE_NULL),
    C("ddbxo_type", DDBXO_TYPE_BOOL),

    C("ddbxo_write_kind", DDBXO_WRITE_PUT),
    C("ddbxo_write_kind", DDBXO_WRITE_UPDATE),
    C("ddbxo_write_kind", DDBXO_WRITE_DELETE),

    C("log_level", DDBXO_LOG_DEBUG),
    C("log_level", DDBXO_LOG_INFO),
    C("log_level", DDBXO_LOG_WARN),
    C("log_level", DDBXO_LOG_ERROR),

    C("limit", DDBXO_MAX_DEPTH),
    C("limit", DDBXO_MAX_NUMBER_DIGITS),
    C("limit", DDBXO_MAX_SEQ_DIGITS),
    C("limit", DDBXO_SEQ_BUFSIZE),
    C("limit", DDBXO_DEDUP_KEY_BUFSIZE),
    C("limit", DDBXO_TOKEN_LEN),
    C("limit", DDBXO_TOKEN_BUFSIZE),
    C("limit", DDBXO_MAX_EVENT_BYTES),
    C("limit", DDBXO_MAX_ITEM_BYTES),
    C("limit", DDBXO_NUMBER_BUFSIZE),
    C("limit", DDBXO_MAX_NAME_BYTES),
    C("limit", DDBXO_SIGV4_HEX_BUFSIZE),
    C("limit", DDBXO_REGION_BUFSIZE),
    C("limit", DDBXO_MAX_WRITES),
    C("limit", DDBXO_MAX_TRANSACTION_BYTES),
    C("limit", DDBXO_OUTCOME_END),
    C("limit", DDBXO_DEFAULT_TOMBSTONE_TTL_S),
    C("limit", DDBXO_DEFAULT_LEDGER_TTL_S),
    C("limit", DDBXO_CLIENT_DEFAULT_MAX_CONNECTIONS),
    C("limit", DDBXO_RUNNER_MAX_BATCH_SIZE),
    C("limit", DDBXO_LAMBDA_MAX_CONCURRENCY),

    BUF("DDBXO_ERROR_AWS_TYPE_BUFSIZE", ddbxo_error, aws_type),
    BUF("DDBXO_ERROR_REQUEST_ID_BUFSIZE", ddbxo_error, request_id),
    BUF("DDBXO_ERROR_PATH_BUFSIZE", ddbxo_error, path),
    BUF("DDBXO_ERROR_MESSAGE_BUFSIZE", ddbxo_error, message),

    SIZE("DDBXO_SIZEOF_APPLY_CONFIG", ddbxo_apply_config),
    SIZE("DDBXO_SIZEOF_APPLY_OPTIONS", ddbxo_apply_options),
    SIZE("DDBXO_SIZEOF_CLIENT_CONFIG", ddbxo_client_config),
    SIZE("DDBXO_SIZEOF_ERROR", ddbxo_error),
    SIZE("DDBXO_SIZEOF_MODE_OPTIONS", ddbxo_mode_options),
    SIZE("DDBXO_SIZEOF_REDRIVE_CONFIG", ddbxo_redrive_config),
    SIZE("DDBXO_SIZEOF_RETRY_CONFIG", ddbxo_retry_config),
    SIZE("DDBXO_SIZEOF_WRITE_PARTS", ddbxo_write_parts),

    { NULL, NULL, 0 },
};

#undef C
#undef BUF
#undef SIZE

#define N_CONSTANTS (sizeof constants / sizeof constants[0] - 1)

DDBXO_API const ddbxo_constant *ddbxo_constants(size_t *n)
{
    if (n)
        *n = N_CONSTANTS;
    return constants;
}

DDBXO_API int ddbxo_constant_value(const char *name, long long *out)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < N_CONSTANTS; i++)
        if (strcmp(constants[i].name, name) == 0) {
            if (out)
                *out = constants[i].value;
            return 0;
        }
    return -1;
}

DDBXO_API const char *ddbxo_constant_name(const char *group, long long value)
{
    if (!group)
        return NULL;
    for (size_t i = 0; i < N_CONSTANTS; i++)
        if (constants[i].value == value &&
            strcmp(constants[i].group, group) == 0)
            return constants[i].name;
    return NULL;
}

/* The value in [lo, hi) whose name(value) is name, or none. */
static int from_name(const char *name, const char *(*name_of)(int), int lo,
                     int hi, int none)
{
    if (!name)
        return none;
    for (int v = lo; v < hi; v++)
        if (strcmp(name_of(v), name) == 0)
            return v;
    return none;
}

DDBXO_API int ddbxo_code_from_name(const char *name)
{
    return from_name(name, ddbxo_code_name, DDBXO_OK, DDBXO_E_INTERNAL + 1,
                     -1);
}

DDBXO_API int ddbxo_outcome_from_name(const char *name)
{
    return from_name(name, ddbxo_outcome_name, DDBXO_APPLIED,
                     DDBXO_OUTCOME_END, 0);
}

static const char *service_name(int s)
{
    return ddbxo_service_name((ddbxo_service)s);
}

DDBXO_API int ddbxo_service_from_name(const char *name)
{
    return from_name(name, service_name, DDBXO_SERVICE_DYNAMODB,
                     DDBXO_SERVICE_SQS + 1, -1);
}

/* ------------------------------------------------------------------ */
/* error classes: the retry policy's lists (lib/transport/http_retry.c) */
/* ------------------------------------------------------------------ */

DDBXO_API int ddbxo_aws_type_is_throttle(const char *aws_type)
{
    return ddbxo__retry_class_of_code(aws_type) == DDBXO__RETRY_THROTTLE;
}

DDBXO_API int ddbxo_aws_type_is_transient(const char *aws_type)
{
    return ddbxo__retry_class_of_code(aws_type) == DDBXO__RETRY_TRANSIENT;
}

DDBXO_API int ddbxo_error_is_throttle(const ddbxo_error *err)
{
    return err && err->code == DDBXO_E_AWS &&
           ddbxo_aws_type_is_throttle(err->aws_type);
}
