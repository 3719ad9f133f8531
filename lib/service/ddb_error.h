/* Internal: the error model of the AWS services we call
 * (lib/service/ddb_error.c): what an error answer said, incl. the
 * per-action CancellationReasons of TransactWriteItems and the ALL_OLD item
 * of a failed condition, and which codes mean "retry". */
#ifndef DDBXO_LIB_DDB_ERROR_H
#define DDBXO_LIB_DDB_ERROR_H

#include <jansson.h>
#include <stddef.h>

#include "ddbxo.h"
#include "ddbxo/sys/ddb.h"

/* ------------------------------------------------------------------ */

/* What the error body was. */
enum {
    DDBXO__BODY_EMPTY = 0,
    DDBXO__BODY_JSON,            /* an AWS JSON error object */
    DDBXO__BODY_XML,             /* <Error><Code>..</Code><Message>.. (moto
                                    auth failures, query-protocol style) */
    DDBXO__BODY_OTHER            /* HTML, garbage, truncated JSON, ... */
};

/* One entry of CancellationReasons (same index as TransactItems). */
typedef struct ddbxo__tx_reason {
    char code[64];               /* "None" (also for null / "NONE"),
                                    "ConditionalCheckFailed", ... */
    const char *message;         /* borrowed from the body; NULL if none */
    const json_t *item;          /* borrowed: ALL_OLD item, NULL if none */
} ddbxo__tx_reason;

/* A parsed error answer.  Zero it with ddbxo__aws_error_init; free with
 * ddbxo__aws_error_clear.  Borrowed pointers live as long as `body`. */
typedef struct ddbxo__aws_error {
    long status;                 /* HTTP status */
    int format;                  /* DDBXO__BODY_* */
    char type[96];               /* code after the last '#', before ':' */
    char *message;               /* owned, control characters blanked;
                                    NULL when the body has none */
    json_t *body;                /* the JSON body (own reference) or NULL */
    const json_t *item;          /* ConditionalCheckFailedException Item */
    ddbxo__tx_reason *reasons;   /* owned array */
    size_t nreasons;
    char throttle_reason[128];   /* first ThrottlingReasons[].reason */
    int retry_class;             /* ddbxo__retry_class */
} ddbxo__aws_error;

void ddbxo__aws_error_init(ddbxo__aws_error *e);
void ddbxo__aws_error_clear(ddbxo__aws_error *e);
/* Moves *src into *dst (clearing dst first; src is left empty). */
void ddbxo__aws_error_move(ddbxo__aws_error *dst, ddbxo__aws_error *src);

/* Retry class (DDBXO__RETRY_*) of an AWS error code (the text after the
 * last '#' and before any ':'), per docs/aws-facts.md §1.5: throttling codes ->
 * THROTTLE, RequestTimeout and similar -> TRANSIENT, everything else
 * (validation, conditional check, cancellation, auth, unknown) -> NEVER.
 * NULL/"" -> NEVER.  The lists are lib/service/ddb_error.c's. */
int ddbxo__retry_class_of_code(const char *code);

/* Parses an error answer: status, the x-amzn-ErrorType header (may be
 * NULL or ""; used when the body names no type) and the raw body (any
 * bytes, any length).  Never fails on input; only memory exhaustion can
 * leave fields empty.  Fills *e (cleared first) and returns its retry
 * class: 500/502/503/504 transient, throttling codes and 429 throttle,
 * the transient codes of docs/aws-facts.md §1.5 transient, anything else never. */
int ddbxo__aws_error_parse(long status, const char *type_header,
                           const void *body, size_t len, ddbxo__aws_error *e);

/* DDBXO_E_CONDITION / DDBXO_E_CANCELLED / DDBXO_E_AWS for an error type. */
int ddbxo__aws_error_code(const char *type);

/* Sets err's code, aws_type, http_status and message ("Op: Type: message")
 * from e; leaves request_id, retryable and ambiguous alone. */
void ddbxo__aws_error_to_err(const ddbxo__aws_error *e, const char *op,
                             ddbxo_error *err);

/* 1 when every non-"None" reason of a cancelled transaction is one that
 * can pass on a later try (TransactionConflict, throttling) and none is a
 * refusal (ConditionalCheckFailed, ValidationError, ...). */
int ddbxo__aws_error_cancel_retryable(const ddbxo__aws_error *e);

/* Public detail built from a parsed error (moved out of *e) and the raw
 * body (copied).  NULL on no memory. */
ddbxo_aws_detail *ddbxo__aws_detail_new(ddbxo__aws_error *e,
                                        const void *body, size_t len);

#endif
