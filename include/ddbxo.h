/*
 * libddbxo — DynamoDB stream changes applied to another table with an
 * exactly-once effect.  The one public header.
 *
 * Conventions (see docs/api.md):
 *  - Functions return 0 or a pointer on success; on failure they fill the
 *    caller-owned ddbxo_error (if not NULL) and return -1 or NULL.
 *  - Whoever calls a _new/_parse function frees the result with the
 *    matching _free; every _free accepts NULL.  Pointers documented as
 *    "borrowed" stay valid until their owner is freed.
 *  - No JSON or HTTP library types appear here: images and keys are opaque
 *    ddbxo_value handles and are also reachable as DynamoDB JSON text.
 */
#ifndef DDBXO_H
#define DDBXO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DDBXO_BUILDING) && defined(__GNUC__)
#define DDBXO_API __attribute__((visibility("default")))
#else
#define DDBXO_API
#endif

#define DDBXO_VERSION_MAJOR 0
#define DDBXO_VERSION_MINOR 1
#define DDBXO_VERSION_PATCH 0
#define DDBXO_VERSION_STRING "0.1.0"

/* Returns the library's version string (static, never NULL). */
DDBXO_API const char *ddbxo_version(void);

/* ------------------------------------------------------------------ */
/* Named limits (SQLite style: every limit has a name and a reason).    */
/* ------------------------------------------------------------------ */

/* DynamoDB: nested attribute depth of a value. */
#define DDBXO_MAX_DEPTH 32
/* DynamoDB: significant digits of a number. */
#define DDBXO_MAX_NUMBER_DIGITS 38
/* DynamoDB Streams: sequence numbers are decimal strings of <= 40 digits. */
#define DDBXO_MAX_SEQ_DIGITS 40
/* Size of a buffer that holds a padded sequence number and its NUL. */
#define DDBXO_SEQ_BUFSIZE 41
/* Size of a buffer that holds a dedup key (64 hex chars) and its NUL. */
#define DDBXO_DEDUP_KEY_BUFSIZE 65
/* DynamoDB: ClientRequestToken is 1..36 characters. */
#define DDBXO_TOKEN_LEN 36
#define DDBXO_TOKEN_BUFSIZE 37
/* Largest event document accepted (Lambda caps payloads at 6 MB; a
 * GetRecords page is <= 1 MB; leave headroom for hand-made inputs). */
#define DDBXO_MAX_EVENT_BYTES (64u * 1024u * 1024u)
/* DynamoDB: an item is at most 400 KB. */
#define DDBXO_MAX_ITEM_BYTES (400u * 1024u)

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

typedef enum ddbxo_code {
    DDBXO_OK = 0,
    DDBXO_E_INVALID,     /* bad input: JSON, a field, a value, an argument */
    DDBXO_E_NOMEM,       /* allocation failed */
    DDBXO_E_LIMIT,       /* a named limit was exceeded */
    DDBXO_E_IO,          /* file or socket I/O */
    DDBXO_E_CONFIG,      /* missing or invalid configuration/credentials */
    DDBXO_E_HTTP,        /* transport failure (connect, reset, timeout, CRC) */
    DDBXO_E_AWS,         /* the service answered with an error */
    DDBXO_E_CONDITION,   /* a ConditionExpression refused the write */
    DDBXO_E_CANCELLED,   /* TransactWriteItems was cancelled */
    DDBXO_E_TIMEOUT,     /* the caller's deadline passed */
    DDBXO_E_INTERNAL     /* a bug: please report it */
} ddbxo_code;

/* Caller-owned error.  Fixed-size buffers: no allocation, nothing to free.
 * Never contains credentials or item payloads. */
typedef struct ddbxo_error {
    int code;               /* ddbxo_code */
    int retryable;          /* 1 if retrying the same call may succeed */
    int ambiguous;          /* 1 if the request may have been applied */
    long http_status;       /* 0 when no HTTP response was received */
    char aws_type[96];      /* AWS error type after the last '#', or "" */
    char request_id[96];    /* x-amzn-RequestId, or "" */
    char path[160];         /* JSON path of bad input, e.g.
                               "Records[3].dynamodb.Keys.pk.N", or "" */
    char message[320];      /* human-readable, NUL-terminated */
} ddbxo_error;

/* Resets *err to "no error" (code DDBXO_OK, empty strings). */
DDBXO_API void ddbxo_error_clear(ddbxo_error *err);
/* Static name of a code, e.g. "invalid" for DDBXO_E_INVALID. */
DDBXO_API const char *ddbxo_code_name(int code);

/* Frees memory the library returned as a plain char* or byte buffer
 * (JSON text, canonical bytes).  Accepts NULL. */
DDBXO_API void ddbxo_free(void *p);

/* ------------------------------------------------------------------ */
/* value: DynamoDB AttributeValue                                       */
/* ------------------------------------------------------------------ */
/* DDBXO:VALUE-API — owned by lib/value*.c */

/* An AttributeValue (or attribute map), immutable, opaque. */
typedef struct ddbxo_value ddbxo_value;

/* DDBXO:VALUE-API-END */

/* ------------------------------------------------------------------ */
/* record: stream records and events                                    */
/* ------------------------------------------------------------------ */
/* DDBXO:RECORD-API — owned by lib/record*.c */

/* DDBXO:RECORD-API-END */

/* ------------------------------------------------------------------ */
/* dedup: sequence numbers, dedup keys, request tokens                  */
/* ------------------------------------------------------------------ */
/* DDBXO:DEDUP-API — owned by lib/seq.c, lib/dedup.c */

/* DDBXO:DEDUP-API-END */

/* ------------------------------------------------------------------ */
/* sigv4: request signing                                               */
/* ------------------------------------------------------------------ */
/* DDBXO:SIGV4-API — owned by lib/sigv4*.c */

/* DDBXO:SIGV4-API-END */

/* ------------------------------------------------------------------ */
/* creds and config: credentials, region, endpoints                    */
/* ------------------------------------------------------------------ */
/* DDBXO:CREDS-API — owned by lib/creds*.c, lib/config.c */

/* DDBXO:CREDS-API-END */

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_H */
