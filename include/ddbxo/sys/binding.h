/*
 * libddbxo -- what a language binding reads from the library.
 *
 * A binding (bindings/python, bindings/go, or yours) must not copy the
 * library's decisions: enum numbers, buffer sizes and limits, which AWS
 * error types mean "slow down", which mode and transform options go
 * together, or the TransactItems shape of a write.  It asks for them
 * here, at run time, so a binding and the library it loads cannot drift
 * apart.  Everything in this header is also what the CLI and the Lambda
 * bootstrap use, so all front ends answer alike.
 *
 * Stable C API; links against libddbxo.  Include <ddbxo/sys/binding.h>
 * (it includes <ddbxo.h>).
 */
#ifndef DDBXO_SYS_BINDING_H
#define DDBXO_SYS_BINDING_H

#include <ddbxo.h>
#include <ddbxo/sys/ddb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* binding: constants                                                   */
/* ------------------------------------------------------------------ */

/* One named constant of the public API: an enum value (group is the enum's
 * type, e.g. "ddbxo_code"; "log_level" for DDBXO_LOG_*), a limit, default
 * or buffer size of the header (group "limit"), the
 * size of a buffer member of a public struct (group "bufsize", named
 * DDBXO_<STRUCT>_<MEMBER>_BUFSIZE, e.g. DDBXO_ERROR_MESSAGE_BUFSIZE = 320)
 * or of a public struct a binding mirrors (group "sizeof", named
 * DDBXO_SIZEOF_<STRUCT>, e.g. DDBXO_SIZEOF_ERROR).  name is the C name a
 * header gives it (or the one above); both strings are static. */
typedef struct ddbxo_constant {
    const char *name;
    const char *group;
    long long value;
} ddbxo_constant;

/* Every constant a binding may read, in a static table of *n entries
 * (one group after the other).  n may be NULL; the table also ends with
 * an entry whose name is NULL. */
DDBXO_API const ddbxo_constant *ddbxo_constants(size_t *n);
/* The value of the constant called name (e.g. "DDBXO_E_LIMIT",
 * "DDBXO_MAX_WRITES") to *out: 0, or -1 (and *out untouched) when the
 * table has no such name. */
DDBXO_API int ddbxo_constant_value(const char *name, long long *out);
/* The name of value in group (e.g. "ddbxo_code", 3 -> "DDBXO_E_LIMIT";
 * static), or NULL when the group has no such value.  In an enum's group
 * values are unique; elsewhere the first of equal values is named. */
DDBXO_API const char *ddbxo_constant_name(const char *group, long long value);

/* The code called name ("invalid", as ddbxo_code_name spells it) -> the
 * ddbxo_code; -1 for any other name. */
DDBXO_API int ddbxo_code_from_name(const char *name);
/* The outcome called name ("APPLIED", as ddbxo_outcome_name spells it) ->
 * the ddbxo_outcome; 0 for any other name. */
DDBXO_API int ddbxo_outcome_from_name(const char *name);
/* The mode called name ("replicate", "ledger", "tracker", as
 * ddbxo_mode_name spells it) -> the ddbxo_mode; 0 for any other name. */
DDBXO_API int ddbxo_mode_from_name(const char *name);
/* The service called name ("dynamodb", "streams", "sqs", as
 * ddbxo_service_name spells it) -> the ddbxo_service; -1 for any other. */
DDBXO_API int ddbxo_service_from_name(const char *name);

/* ------------------------------------------------------------------ */
/* binding: error classes                                               */
/* ------------------------------------------------------------------ */

/* 1 if aws_type (an error type as in ddbxo_error.aws_type, e.g.
 * "ProvisionedThroughputExceededException") is one the retry policy treats
 * as throttling (a longer backoff), else 0.  NULL and "" are not. */
DDBXO_API int ddbxo_aws_type_is_throttle(const char *aws_type);
/* 1 if aws_type is one the retry policy retries as transient (the request
 * did not complete on the server side, e.g. "InternalServerError"), else
 * 0.  Throttling types are not transient: they have their own class. */
DDBXO_API int ddbxo_aws_type_is_transient(const char *aws_type);
/* 1 if err is a service error (DDBXO_E_AWS) whose type is throttling: the
 * service asked the caller to slow down.  NULL is not. */
DDBXO_API int ddbxo_error_is_throttle(const ddbxo_error *err);

/* ------------------------------------------------------------------ */
/* binding: mode and transform options                                  */
/* ------------------------------------------------------------------ */

/* The mode and transform options as a front end received them: the CLI's
 * flags, a Lambda function's environment, a binding's arguments, or an
 * apply_config.  Zeroed = replicate mode with the identity transform. */
typedef struct ddbxo_mode_options {
    const char *mode_name;    /* the mode as the user wrote it ("ledger");
                                 NULL = use mode */
    int mode;                 /* a ddbxo_mode when mode_name is NULL;
                                 0 = replicate */
    const char *ledger_table; /* NULL or "" = none given */
    int transforms;           /* transforms given other than the aggregate
                                 (a spec, a callback); 0 = identity */
    int aggregate;            /* 1 if the GROUP:SUM aggregate was given */
    const char *const *names; /* how the caller's user names the options, in
                                 this order: mode, ledger table, transform,
                                 aggregate (4 strings; err->path and
                                 messages use them).  NULL = "mode",
                                 "ledger_table", "transform", "aggregate" */
} ddbxo_mode_options;

/* Checks that the options go together and returns the mode (a
 * ddbxo_mode).  0 with err when not: DDBXO_E_INVALID, err->path naming the
 * transform, for two transforms given at once (a spec and an aggregate,
 * say); DDBXO_E_CONFIG, err->path naming the option, for an unknown mode,
 * an aggregate outside ledger and tracker mode (its writes are not
 * idempotent) and ledger or tracker mode without a ledger table.  The
 * rules ddbxo_applier_new, the CLI, the Lambda bootstrap and the bindings
 * all apply. */
DDBXO_API int ddbxo_mode_options_check(const ddbxo_mode_options *o,
                                       ddbxo_error *err);
/* The part of ddbxo_mode_options_check that needs no mode (for a dry run
 * of a transform): at most one transform.  0, or -1 with err as above. */
DDBXO_API int ddbxo_mode_options_check_transform(const ddbxo_mode_options *o,
                                                 ddbxo_error *err);

/* ------------------------------------------------------------------ */
/* binding: writes in parts                                             */
/* ------------------------------------------------------------------ */

/* The kinds of write (the member of a TransactItems entry that holds
 * one).  The numbers never change. */
typedef enum ddbxo_write_kind {
    DDBXO_WRITE_PUT = 1,
    DDBXO_WRITE_UPDATE = 2,
    DDBXO_WRITE_DELETE = 3
} ddbxo_write_kind;

/* "Put", "Update", "Delete" (static); NULL for other values. */
DDBXO_API const char *ddbxo_write_kind_name(int kind);
/* "Put" / "Update" / "Delete" -> the ddbxo_write_kind; 0 for any other. */
DDBXO_API int ddbxo_write_kind_from_name(const char *name);

/* One write as a binding holds it, before it is JSON: the kind and its
 * members.  JSON texts are len bytes, not necessarily NUL-terminated. */
typedef struct ddbxo_write_parts {
    int kind;                      /* a ddbxo_write_kind */
    const char *table;             /* NULL = the target table */
    const char *image_json;        /* Put: the item; Update, Delete: the
                                      key (a DynamoDB JSON attribute map) */
    size_t image_len;
    const char *update_expression; /* Update: required; else NULL */
    const char *names_json;        /* Update: ExpressionAttributeNames, or
                                      NULL */
    size_t names_len;
    const char *values_json;       /* Update: ExpressionAttributeValues, or
                                      NULL */
    size_t values_len;
} ddbxo_write_parts;

/* Adds the n writes p[0..n-1] to w, all or nothing, with the checks and
 * messages of ddbxo_writes_add_json (err->path "[i].Put.Item", ...); a
 * kind that is not a ddbxo_write_kind and members the kind does not take
 * are refused (DDBXO_E_INVALID).  0, or -1 with err and w unchanged. */
DDBXO_API int ddbxo_writes_add_parts(ddbxo_writes *w,
                                     const ddbxo_write_parts *p, size_t n,
                                     ddbxo_error *err);
/* The writes p[0..n-1] as the JSON array of ddbxo_writes_add_json (the
 * TransactItems shape), after the same checks; *len gets its length (may
 * be NULL).  Free with ddbxo_free.  NULL with err. */
DDBXO_API char *ddbxo_write_parts_json(const ddbxo_write_parts *p, size_t n,
                                       size_t *len, ddbxo_error *err);
/* 1 if member (of a write in the ddbxo_writes_add_json shape, e.g. "Item",
 * "Key", "ExpressionAttributeValues") holds DynamoDB values (an attribute
 * map in DynamoDB JSON), so a binding converts its language's values
 * there and passes every other member as it is; else 0. */
DDBXO_API int ddbxo_write_member_holds_values(const char *member);

#ifdef __cplusplus
}
#endif

#endif /* DDBXO_SYS_BINDING_H */
