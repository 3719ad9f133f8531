/*
 * libddbxo -- raw DynamoDB, DynamoDB Streams and SQS calls
 *
 * ADVANCED LAYER (libgit2's sys/ pattern): <ddbxo.h> does not include this
 * header; include it yourself.  Stability: names, signatures and
 * struct layouts hold within a major version, as in <ddbxo.h>.  The applier
 * and the runner make every call they need; this is for calling any other
 * operation through a client's endpoints, signing and retries (docs/ddb.md).
 */
#ifndef DDBXO_SYS_DDB_H
#define DDBXO_SYS_DDB_H

#include <ddbxo.h>
#include <ddbxo/sys/creds.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- endpoints and services ---- */
/* Longest endpoint URL accepted (after normalisation) and its buffer. */
#define DDBXO_ENDPOINT_URL_BUFSIZE 1024
/* DNS: a host name is at most 253 characters; room for "[v6]:65535". */
#define DDBXO_ENDPOINT_HOST_BUFSIZE 272

typedef enum ddbxo_service {
    DDBXO_SERVICE_DYNAMODB = 0,
    DDBXO_SERVICE_STREAMS = 1,   /* DynamoDB Streams; signs as "dynamodb" */
    DDBXO_SERVICE_SQS = 2
} ddbxo_service;

/* ddbxo_endpoint_resolve() flags. */
/* Allow plain http:// to hosts that are not loopback (127.0.0.0/8,
 * localhost, [::1]).  Off by default: credentials would cross the network
 * in a request that anyone on the path can read and replay. */
#define DDBXO_ENDPOINT_ALLOW_INSECURE_HTTP 0x1u

/* A resolved endpoint.  Plain fixed-size fields: nothing to free. */
typedef struct ddbxo_endpoint {
    char url[DDBXO_ENDPOINT_URL_BUFSIZE]; /* "https://host[:port]/path": POST
                                             here (path is at least "/") */
    char scheme[8];                       /* "https" or "http" */
    char host[DDBXO_ENDPOINT_HOST_BUFSIZE]; /* Host header / signed host:
                                               name or [v6], ":port" only if
                                               not the scheme's default */
    char hostname[DDBXO_ENDPOINT_HOST_BUFSIZE]; /* bare: no brackets/port */
    int port;                             /* effective port */
    char path[DDBXO_ENDPOINT_URL_BUFSIZE]; /* canonical URI, e.g. "/" */
    char signing_name[16];                /* "dynamodb" or "sqs" */
    char signing_region[DDBXO_REGION_BUFSIZE];
    const char *source;                   /* static: "override",
                                             "AWS_ENDPOINT_URL_...",
                                             "AWS_ENDPOINT_URL", "default" */
} ddbxo_endpoint;

/* Fills *out: override_url, else AWS_ENDPOINT_URL_<SERVICE>, else
 * AWS_ENDPOINT_URL (see docs/configuration.md), else the regional default.
 * -1 + DDBXO_E_CONFIG: bad URL/region, or non-loopback http:// w/o opt-in. */
DDBXO_API int ddbxo_endpoint_resolve(ddbxo_service svc, const char *region,
                                     const char *override_url, unsigned flags,
                                     ddbxo_endpoint *out, ddbxo_error *err);

/* Static name of a service, e.g. "dynamodb", "streams", "sqs". */
DDBXO_API const char *ddbxo_service_name(ddbxo_service svc);

/* Copies the endpoint the client uses for svc into *out.  0, or -1 with
 * DDBXO_E_INVALID for an unknown service. */
DDBXO_API int ddbxo_client_endpoint(const ddbxo_client *c, ddbxo_service svc,
                                    ddbxo_endpoint *out, ddbxo_error *err);

/* The role the client assumes (borrowed), or NULL. */
DDBXO_API const char *ddbxo_client_role_arn(const ddbxo_client *c);

/* ---- raw calls and error details ---- */
/* Details of an error answer from the service: the parts that do not fit
 * ddbxo_error -- the whole message, the item a failed condition saw, and
 * the per-action reasons of a cancelled transaction.  Opaque; strings are
 * borrowed from it.  Free with ddbxo_aws_detail_free. */
typedef struct ddbxo_aws_detail ddbxo_aws_detail;

/* One signed call: POSTs json_body (len bytes, a JSON object; NULL or 0 =
 * "{}") as `operation` (e.g. "PutItem") to svc, retrying throttling and
 * transient failures until deadline_ms (epoch ms, 0 = none).  On success
 * *response_json is the response (NUL-terminated; "{}" when the service
 * sent no body; free with ddbxo_free) and *response_len its length.  On
 * failure -1 with err: DDBXO_E_CONDITION (ConditionalCheckFailedException),
 * DDBXO_E_CANCELLED (TransactionCanceledException), DDBXO_E_AWS (any other
 * error answer; aws_type, http_status, request_id set), DDBXO_E_HTTP,
 * DDBXO_E_TIMEOUT, DDBXO_E_INVALID (bad operation name or body). */
DDBXO_API int ddbxo_call(ddbxo_client *c, ddbxo_service svc,
                         const char *operation, const char *json_body,
                         size_t len, int64_t deadline_ms, char **response_json,
                         size_t *response_len, ddbxo_error *err);

/* ddbxo_call that also returns *detail (may be NULL) when the service
 * answered with an error (*detail is NULL otherwise).  Free it with
 * ddbxo_aws_detail_free. */
DDBXO_API int ddbxo_call_ex(ddbxo_client *c, ddbxo_service svc,
                            const char *operation, const char *json_body,
                            size_t len, int64_t deadline_ms,
                            char **response_json, size_t *response_len,
                            ddbxo_aws_detail **detail, ddbxo_error *err);

/* Frees a detail.  Accepts NULL. */
DDBXO_API void ddbxo_aws_detail_free(ddbxo_aws_detail *d);
/* The error code: "__type" (or an XML <Code>) after the last '#' and
 * before any ':', e.g. "ConditionalCheckFailedException"; "" if none. */
DDBXO_API const char *ddbxo_aws_detail_type(const ddbxo_aws_detail *d);
/* The service's whole message ("message" or "Message"), or NULL. */
DDBXO_API const char *ddbxo_aws_detail_message(const ddbxo_aws_detail *d);
/* HTTP status of the answer. */
DDBXO_API long ddbxo_aws_detail_status(const ddbxo_aws_detail *d);
/* The raw answer body (may hold item data; *len gets its length). */
DDBXO_API const char *ddbxo_aws_detail_body(const ddbxo_aws_detail *d,
                                            size_t *len);
/* The current item a ConditionalCheckFailedException carries (requested
 * with ReturnValuesOnConditionCheckFailure=ALL_OLD) as DynamoDB JSON, or
 * NULL when absent. */
DDBXO_API const char *ddbxo_aws_detail_item(const ddbxo_aws_detail *d,
                                            size_t *len);
/* Number of CancellationReasons: one per TransactItems entry, in order;
 * 0 for other errors. */
DDBXO_API size_t ddbxo_aws_detail_reason_count(const ddbxo_aws_detail *d);
/* Code of reason i: "None" for an action that did not fail (also when the
 * service sent null or "NONE"), "ConditionalCheckFailed",
 * "TransactionConflict", ..., "Unknown" for an entry that cannot be read;
 * NULL if i is out of range. */
DDBXO_API const char *ddbxo_aws_detail_reason_code(const ddbxo_aws_detail *d,
                                                   size_t i);
/* Message of reason i, or NULL when it has none. */
DDBXO_API const char *
ddbxo_aws_detail_reason_message(const ddbxo_aws_detail *d, size_t i);
/* The item of reason i (ALL_OLD) as DynamoDB JSON, or NULL. */
DDBXO_API const char *ddbxo_aws_detail_reason_item(const ddbxo_aws_detail *d,
                                                   size_t i, size_t *len);

/* GetRecords' NextShardIterator (borrowed); NULL when absent or JSON null
 * (a closed, drained shard). */
DDBXO_API const char *ddbxo_event_next_iterator(const ddbxo_event *ev);

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_SYS_DDB_H */
