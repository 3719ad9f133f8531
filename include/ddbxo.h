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

/* Wipes and frees memory the library returned as a plain char* or byte
 * buffer (JSON text, canonical bytes, a canonical request -- which holds
 * the session token).  Accepts NULL. */
DDBXO_API void ddbxo_free(void *p);

/* ------------------------------------------------------------------ */
/* value: DynamoDB AttributeValue                                       */
/* ------------------------------------------------------------------ */
/* DDBXO:VALUE-API — owned by lib/value*.c */

/* An AttributeValue (or attribute map), opaque.  Handles from parsing, from
 * records and from accessors are immutable; only containers made by
 * ddbxo_value_new_map/_new_list and ddbxo_item_new can be changed.  A handle
 * is not safe for concurrent calls from several threads (the first
 * ddbxo_value_entry builds a cache); separate handles are independent. */
typedef struct ddbxo_value ddbxo_value;

/* AttributeValue types.  The numbers are also the type tags of the
 * canonical encoding (docs/format.md) and never change. */
typedef enum ddbxo_type {
    DDBXO_TYPE_NONE = 0,        /* not a value (NULL or malformed handle) */
    DDBXO_TYPE_S = 1,
    DDBXO_TYPE_N = 2,
    DDBXO_TYPE_B = 3,
    DDBXO_TYPE_SS = 4,
    DDBXO_TYPE_NS = 5,
    DDBXO_TYPE_BS = 6,
    DDBXO_TYPE_M = 7,
    DDBXO_TYPE_L = 8,
    DDBXO_TYPE_NULL = 9,
    DDBXO_TYPE_BOOL = 10
} ddbxo_type;

/* Parse/check flags.  LENIENT accepts what stream images really carry
 * (empty sets, duplicate set members); STRICT accepts what DynamoDB accepts
 * in a write.  Both enforce everything else (docs/format.md §5). */
#define DDBXO_VALUE_LENIENT 0u
#define DDBXO_VALUE_STRICT  1u

/* Size of a buffer that holds any normalised number and its NUL: the
 * longest is "-0." + 129 zeros + 38 digits (170 bytes). */
#define DDBXO_NUMBER_BUFSIZE 171
/* DynamoDB: an item's attribute name is 1..65535 bytes. */
#define DDBXO_MAX_NAME_BYTES 65535
/* Version of the canonical encoding ddbxo_value_canonical writes. */
#define DDBXO_CANONICAL_VERSION 1

/* Static type key ("S", "NS", "BOOL", ...) of t, or "?" if unknown. */
DDBXO_API const char *ddbxo_type_name(ddbxo_type t);

/* Parses one AttributeValue from DynamoDB JSON (len bytes, no NUL needed),
 * e.g. {"N":"1.5"}.  Free with ddbxo_value_free.  NULL with err filled on
 * bad JSON or a bad value; err->path names the spot (e.g. "M.a.L[2].N"). */
DDBXO_API ddbxo_value *ddbxo_value_parse(const char *json, size_t len,
                                         unsigned flags, ddbxo_error *err);

/* Parses an attribute map (an item, Keys, an image) {"name": {...}, ...}.
 * The handle acts as an M value for the accessors and the canonical
 * encoding; its JSON is the bare map.  Free with ddbxo_value_free. */
DDBXO_API ddbxo_value *ddbxo_item_parse(const char *json, size_t len,
                                        unsigned flags, ddbxo_error *err);

/* Frees a handle (children handed out earlier stay valid).  Accepts NULL. */
DDBXO_API void ddbxo_value_free(ddbxo_value *v);

/* Validates v against the LENIENT or STRICT rules (e.g. an image before it
 * is written).  Returns 0, or -1 with err naming the path and the rule. */
DDBXO_API int ddbxo_value_check(const ddbxo_value *v, unsigned flags,
                                ddbxo_error *err);

/* Compact DynamoDB JSON of v (an attribute map handle gives the bare map),
 * NUL-terminated, length in *len if not NULL.  Free with ddbxo_free.  NULL
 * only when v is NULL or memory runs out. */
DDBXO_API char *ddbxo_value_to_json(const ddbxo_value *v, size_t *len);

/* Type of v; DDBXO_TYPE_M for an attribute map handle, DDBXO_TYPE_NONE for
 * NULL. */
DDBXO_API ddbxo_type ddbxo_value_type(const ddbxo_value *v);

/* 1 if v is an attribute map handle (from ddbxo_item_parse, ddbxo_item_new
 * or a record's Keys/images), else 0. */
DDBXO_API int ddbxo_value_is_item(const ddbxo_value *v);

/* The string of an S value (UTF-8, may contain NUL bytes: use *len).
 * Borrowed, valid while v lives; NULL if v is not an S. */
DDBXO_API const char *ddbxo_value_s(const ddbxo_value *v, size_t *len);

/* The number text of an N value exactly as stored (not normalised; see
 * ddbxo_number_normalize).  Borrowed; NULL if v is not an N. */
DDBXO_API const char *ddbxo_value_n(const ddbxo_value *v, size_t *len);

/* The base64 text of a B value.  Borrowed; NULL if v is not a B. */
DDBXO_API const char *ddbxo_value_b64(const ddbxo_value *v, size_t *len);

/* The decoded bytes of a B value in *out (free with ddbxo_free; may be
 * empty).  Returns 0, or -1 with err if v is not a valid B. */
DDBXO_API int ddbxo_value_b(const ddbxo_value *v, unsigned char **out,
                            size_t *len, ddbxo_error *err);

/* 1 or 0 for a BOOL value; -1 if v is not a BOOL. */
DDBXO_API int ddbxo_value_bool(const ddbxo_value *v);

/* Members of a set, elements of an L, entries of an M or attribute map;
 * 0 for scalars and NULL. */
DDBXO_API size_t ddbxo_value_count(const ddbxo_value *v);

/* Element i of an L, or member i of a set as an S/N/B value, in stored
 * order.  New handle: free with ddbxo_value_free.  NULL with err if v is
 * not an L or set or i is out of range. */
DDBXO_API ddbxo_value *ddbxo_value_at(const ddbxo_value *v, size_t i,
                                      ddbxo_error *err);

/* The value of entry `name` (namelen bytes) of an M or attribute map.  New
 * handle: free with ddbxo_value_free.  NULL with err if v is not a map or
 * has no such entry. */
DDBXO_API ddbxo_value *ddbxo_value_get(const ddbxo_value *v, const char *name,
                                       size_t namelen, ddbxo_error *err);

/* Entry i of an M or attribute map, entries ordered by name bytes (the
 * canonical order).  Returns a new handle (free with ddbxo_value_free) and
 * the name in *name and *namelen (borrowed from v).  NULL with err if out of
 * range or v is not a map. */
DDBXO_API ddbxo_value *ddbxo_value_entry(const ddbxo_value *v, size_t i,
                                         const char **name, size_t *namelen,
                                         ddbxo_error *err);

/* Builders.  Each returns a new handle (free with ddbxo_value_free) or NULL
 * with err, and checks DynamoDB's write rules: S must be UTF-8, N must be a
 * valid number (its text is kept as given), B takes raw bytes. */
DDBXO_API ddbxo_value *ddbxo_value_new_s(const char *s, size_t len,
                                         ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_n(const char *text, size_t len,
                                         ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_b(const void *bytes, size_t len,
                                         ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_bool(int b, ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_null(ddbxo_error *err);

/* A set of type SS (UTF-8 strings), NS (number texts) or BS (raw bytes)
 * from n members (members[i], lens[i] bytes; copied).  Fails with err on an
 * empty set, a bad member or a duplicate (NS: after normalisation). */
DDBXO_API ddbxo_value *ddbxo_value_new_set(ddbxo_type type,
                                           const void *const *members,
                                           const size_t *lens, size_t n,
                                           ddbxo_error *err);

/* An empty M value, an empty L value, or an empty attribute map (an item
 * to write), to fill with ddbxo_map_set / ddbxo_list_append. */
DDBXO_API ddbxo_value *ddbxo_value_new_map(ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_new_list(ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_item_new(ddbxo_error *err);

/* Sets entry `name` (namelen bytes of UTF-8; replaces an existing one) of a
 * map from ddbxo_value_new_map/ddbxo_item_new to a copy of val (an
 * attribute map handle becomes an M).  val must pass the STRICT check and
 * leave the result within DDBXO_MAX_DEPTH.  0, or -1 with err. */
DDBXO_API int ddbxo_map_set(ddbxo_value *map, const char *name,
                            size_t namelen, const ddbxo_value *val,
                            ddbxo_error *err);

/* Appends a copy of val to a list from ddbxo_value_new_list; same rules as
 * ddbxo_map_set.  0, or -1 with err. */
DDBXO_API int ddbxo_list_append(ddbxo_value *list, const ddbxo_value *val,
                                ddbxo_error *err);

/* Checks NUL-terminated number text against DynamoDB's rules: syntax
 * ("+1", ".5", "5.", "1e3" are fine), <= 38 significant digits, magnitude
 * 1E-130 .. 9.99..9E+125 (38 nines) or zero.  0, or -1 with err. */
DDBXO_API int ddbxo_number_validate(const char *s, ddbxo_error *err);

/* Writes the normal form of number s into out (plain notation, no
 * exponent, no redundant zeros or sign: "1.50" -> "1.5", "-0" -> "0",
 * "1.5e3" -> "1500").  DDBXO_NUMBER_BUFSIZE always suffices.  Returns its
 * length, or -1 with err (invalid number, or outsz too small). */
DDBXO_API int ddbxo_number_normalize(const char *s, char *out, size_t outsz,
                                     ddbxo_error *err);

/* The canonical encoding v1 of v (docs/format.md §1; an attribute map
 * encodes as an M) in *out, length *len.  Free with ddbxo_free.  0, or -1
 * with err on a malformed value or out of memory. */
DDBXO_API int ddbxo_value_canonical(const ddbxo_value *v, unsigned char **out,
                                    size_t *len, ddbxo_error *err);

/* DDBXO:VALUE-API-END */

/* ------------------------------------------------------------------ */
/* record: stream records and events                                    */
/* ------------------------------------------------------------------ */
/* DDBXO:RECORD-API — owned by lib/record*.c */

/* A parsed event: the records of a Lambda DynamoDB event
 * ({"Records":[...]}), of a GetRecords response ({"Records":[...],
 * "NextShardIterator":...}) or one bare record.  The JSON is decoded once;
 * records and their images borrow from it. */
typedef struct ddbxo_event ddbxo_event;
/* One stream record (opaque, immutable). */
typedef struct ddbxo_record ddbxo_record;

typedef enum ddbxo_event_name {
    DDBXO_EVENT_INSERT = 1,
    DDBXO_EVENT_MODIFY = 2,
    DDBXO_EVENT_REMOVE = 3
} ddbxo_event_name;

/* Parses an event document (len bytes; a leading UTF-8 BOM is skipped;
 * data is copied, so the caller may free it at once).  Strings may hold
 * U+0000, as DynamoDB's may.
 * Returns NULL with *err filled (path "" = the whole document) only when the
 * document itself is unusable; a bad record does not fail the event: it is
 * kept as a failed slot (ddbxo_event_record() NULL, ddbxo_event_error() set)
 * so callers can report it by position.  Free with ddbxo_event_free(). */
DDBXO_API ddbxo_event *ddbxo_parse_stream_event(const char *data, size_t len,
                                                ddbxo_error *err);
/* The same without the copy: the event reads data in place, so data must
 * stay valid and unchanged until ddbxo_event_free.  It then costs 8 bytes
 * per JSON value and a few per record beside the text (docs/lambda.md,
 * "Sizing memory"); the Lambda bootstrap and the Go binding use it. */
DDBXO_API ddbxo_event *ddbxo_parse_stream_event_inplace(const char *data,
                                                        size_t len,
                                                        ddbxo_error *err);
DDBXO_API void ddbxo_event_free(ddbxo_event *ev);
/* Number of records in the document, good and bad. */
DDBXO_API size_t ddbxo_event_count(const ddbxo_event *ev);
/* Number of records that failed to parse. */
DDBXO_API size_t ddbxo_event_failed_count(const ddbxo_event *ev);
/* Record i (borrowed), or NULL if it failed to parse or i is out of range. */
DDBXO_API const ddbxo_record *ddbxo_event_record(const ddbxo_event *ev, size_t i);
/* The parse error of record i (borrowed), or NULL if it parsed. */
DDBXO_API const ddbxo_error *ddbxo_event_error(const ddbxo_event *ev, size_t i);
/* GetRecords' NextShardIterator (borrowed); NULL when absent or JSON null
 * (a closed, drained shard).  ddbxo_event_has_next_iterator_field() tells
 * the two apart: 1 if the field was present (even as null). */
DDBXO_API const char *ddbxo_event_next_iterator(const ddbxo_event *ev);
DDBXO_API int ddbxo_event_has_next_iterator_field(const ddbxo_event *ev);

/* Parses one record object.  NULL with *err on any problem.  Free with
 * ddbxo_record_free(); records borrowed from an event must not be freed. */
DDBXO_API ddbxo_record *ddbxo_parse_stream_record(const char *data, size_t len,
                                                  ddbxo_error *err);
DDBXO_API void ddbxo_record_free(ddbxo_record *rec);

/* Field accessors.  Strings are borrowed from the record; an absent
 * optional field gives NULL (strings) or -1 (numbers). */
DDBXO_API const char *ddbxo_record_event_id(const ddbxo_record *rec);
DDBXO_API ddbxo_event_name ddbxo_record_event_name(const ddbxo_record *rec);
/* "INSERT", "MODIFY" or "REMOVE". */
DDBXO_API const char *ddbxo_record_event_name_str(const ddbxo_record *rec);
DDBXO_API const char *ddbxo_record_event_source_arn(const ddbxo_record *rec);
DDBXO_API const char *ddbxo_record_aws_region(const ddbxo_record *rec);
/* dynamodb.SequenceNumber as sent (1..40 decimal digits; never NULL). */
DDBXO_API const char *ddbxo_record_sequence_number(const ddbxo_record *rec);
DDBXO_API int64_t ddbxo_record_size_bytes(const ddbxo_record *rec);
/* "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES" or NULL. */
DDBXO_API const char *ddbxo_record_stream_view_type(const ddbxo_record *rec);
/* ApproximateCreationDateTime in epoch milliseconds (seconds and
 * milliseconds inputs, integer, float, exponent or string form). */
DDBXO_API int64_t ddbxo_record_approx_creation_ms(const ddbxo_record *rec);
/* 1 for a REMOVE made by DynamoDB's TTL (userIdentity type "Service",
 * principal "dynamodb.amazonaws.com", either key spelling). */
DDBXO_API int ddbxo_record_ttl_delete(const ddbxo_record *rec);
/* Keys (never NULL), NewImage, OldImage as attribute maps (borrowed). */
DDBXO_API const ddbxo_value *ddbxo_record_keys(const ddbxo_record *rec);
DDBXO_API const ddbxo_value *ddbxo_record_new_image(const ddbxo_record *rec);
DDBXO_API const ddbxo_value *ddbxo_record_old_image(const ddbxo_record *rec);
/* The whole record as compact JSON (what a park queue message carries).
 * Free with ddbxo_free(); NULL on allocation failure. */
DDBXO_API char *ddbxo_record_to_json(const ddbxo_record *rec, size_t *len);

/* DDBXO:RECORD-API-END */

/* ------------------------------------------------------------------ */
/* dedup: sequence numbers, dedup keys, request tokens                  */
/* ------------------------------------------------------------------ */
/* DDBXO:DEDUP-API — owned by lib/stream/seq.c, lib/stream/dedup.c */

/* 1 if s is a sequence number we accept: 1..40 decimal digits. */
DDBXO_API int ddbxo_seq_valid(const char *s);
/* Compares two valid sequence numbers numerically (leading zeros ignored):
 * <0, 0, >0.  Invalid input sorts before valid input. */
DDBXO_API int ddbxo_seq_compare(const char *a, const char *b);
/* Writes s zero-padded to 40 digits (+NUL) into out, the form stored in
 * _ddbxo_seq so that string order is numeric order.  -1 if s is invalid. */
DDBXO_API int ddbxo_seq_pad(const char *s, char out[DDBXO_SEQ_BUFSIZE],
                            ddbxo_error *err);

/* The table name in a DynamoDB table or stream ARN
 * ("arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL") into out.
 * -1 if arn is not such an ARN or out is too small. */
DDBXO_API int ddbxo_arn_table_name(const char *arn, char *out, size_t outsz,
                                   ddbxo_error *err);

/* Dedup key v1 of a record: 64 lowercase hex chars of SHA-256 over the
 * canonical encoding of (source table, Keys, padded SequenceNumber) —
 * docs/format.md.  source_table may be NULL: the name is then taken from
 * eventSourceARN (the whole ARN text if it is not a table ARN); a record
 * without eventSourceARN (GetRecords) needs source_table, else -1. */
DDBXO_API int ddbxo_dedup_key(const ddbxo_record *rec, const char *source_table,
                              char out[DDBXO_DEDUP_KEY_BUFSIZE], ddbxo_error *err);
/* The bytes ddbxo_dedup_key() hashes (for test vectors and bindings).
 * *out is freed with ddbxo_free(). */
DDBXO_API int ddbxo_dedup_canonical(const ddbxo_record *rec,
                                    const char *source_table,
                                    unsigned char **out, size_t *len,
                                    ddbxo_error *err);
/* A 36-character ClientRequestToken derived from n >= 1 dedup keys (in the
 * order given): the same records give the same token, so a retry inside
 * DynamoDB's 10-minute window is recognised. */
DDBXO_API int ddbxo_client_request_token(const char *const *dedup_keys, size_t n,
                                         char out[DDBXO_TOKEN_BUFSIZE],
                                         ddbxo_error *err);

/* DDBXO:DEDUP-API-END */

/* ------------------------------------------------------------------ */
/* sigv4: request signing                                               */
/* ------------------------------------------------------------------ */
/* DDBXO:SIGV4-API — owned by lib/sigv4*.c */

/* AWS Signature Version 4, Authorization-header form (docs/sigv4.md).
 * Every step of the spec is callable on its own; ddbxo_sigv4_sign runs them
 * all, and a ddbxo_signer does the same with a cached signing key. */
#include <time.h>

/* Bytes in a derived signing key (an HMAC-SHA256 output). */
#define DDBXO_SIGV4_KEY_LEN 32
/* Size of a buffer for a hex signature or payload hash and its NUL. */
#define DDBXO_SIGV4_HEX_BUFSIZE 65
/* Size of a buffer for an X-Amz-Date value ("YYYYMMDDTHHMMSSZ") and NUL. */
#define DDBXO_SIGV4_DATE_BUFSIZE 17
/* Most headers one request may carry into signing (a DynamoDB call signs
 * four or five); more is refused with DDBXO_E_LIMIT rather than sorted
 * slowly. */
#define DDBXO_SIGV4_MAX_HEADERS 64

/* Flags for ddbxo_sigv4_params.flags; 0 is right for DynamoDB. */
/* Sign the path verbatim instead of removing "." / ".." segments and
 * repeated slashes (S3 style; the suite's *-unnormalized cases). */
#define DDBXO_SIGV4_NO_NORMALIZE_PATH 0x1u
/* Add X-Amz-Security-Token after signing, unsigned (the suite's
 * post-sts-header-after; AWS services, DynamoDB included, want it signed). */
#define DDBXO_SIGV4_UNSIGNED_TOKEN 0x2u
/* Add and sign x-amz-content-sha256 (S3 style; the suite's sign_body). */
#define DDBXO_SIGV4_CONTENT_SHA256 0x4u

/* One HTTP header.  Both strings NUL-terminated. */
typedef struct ddbxo_sigv4_header {
    const char *name;
    const char *value;
} ddbxo_sigv4_header;

/* The request to sign; every pointer is borrowed for the call only. */
typedef struct ddbxo_sigv4_request {
    const char *method;   /* "POST"; upper-cased when signed */
    const char *path;     /* as on the request line, e.g. "/"; NULL = "/" */
    const char *query;    /* without '?'; NULL or "" = none */
    const ddbxo_sigv4_header *headers; /* must include Host */
    size_t n_headers;
    const void *body;     /* may be NULL when body_len is 0 */
    size_t body_len;
    const char *payload_hash; /* optional: 64 lowercase hex digits (or
                               * "UNSIGNED-PAYLOAD") used instead of hashing
                               * body, e.g. when retrying the same body */
} ddbxo_sigv4_request;

/* Credentials, scope and time.  Borrowed for the call only. */
typedef struct ddbxo_sigv4_params {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" = long-term credentials */
    const char *region;        /* "us-east-1" */
    const char *service;       /* "dynamodb" (also for DynamoDB Streams) */
    const char *amz_date;      /* "YYYYMMDDTHHMMSSZ", or NULL to use time */
    time_t time;               /* UTC seconds; 0 = now; ignored if amz_date */
    unsigned flags;            /* DDBXO_SIGV4_* */
} ddbxo_sigv4_params;

/* Formats t (0 = now) as an X-Amz-Date value into out.  0, or -1 with err
 * set (DDBXO_E_INVALID) when the year is outside 0000..9999. */
DDBXO_API int ddbxo_sigv4_format_date(time_t t,
                                      char out[DDBXO_SIGV4_DATE_BUFSIZE],
                                      ddbxo_error *err);

/* Step 1: the canonical request, NUL-terminated; free with ddbxo_free.
 * NULL on error (DDBXO_E_INVALID for a bad argument or header,
 * DDBXO_E_LIMIT for too many headers, DDBXO_E_NOMEM). */
DDBXO_API char *ddbxo_sigv4_canonical_request(const ddbxo_sigv4_request *req,
                                              const ddbxo_sigv4_params *p,
                                              ddbxo_error *err);

/* Step 2: the string to sign for a canonical request (uses p's date,
 * region, service).  Free with ddbxo_free; NULL on error as above. */
DDBXO_API char *ddbxo_sigv4_string_to_sign(const char *canonical_request,
                                           const ddbxo_sigv4_params *p,
                                           ddbxo_error *err);

/* Step 3: derives the signing key from p's secret, date, region and
 * service into key (a secret: wipe it when done).  0, or -1 with err. */
DDBXO_API int ddbxo_sigv4_signing_key(const ddbxo_sigv4_params *p,
                                      unsigned char key[DDBXO_SIGV4_KEY_LEN],
                                      ddbxo_error *err);

/* Step 4: hex HMAC-SHA256 of string_to_sign under key, into out.
 * 0, or -1 with err (DDBXO_E_INVALID for NULL arguments). */
DDBXO_API int ddbxo_sigv4_signature(
    const unsigned char key[DDBXO_SIGV4_KEY_LEN], const char *string_to_sign,
    char out[DDBXO_SIGV4_HEX_BUFSIZE], ddbxo_error *err);

/* Step 5: the Authorization header value for req signed with signature
 * (64 hex digits).  Free with ddbxo_free; NULL on error as in step 1. */
DDBXO_API char *ddbxo_sigv4_authorization(const ddbxo_sigv4_request *req,
                                          const ddbxo_sigv4_params *p,
                                          const char *signature,
                                          ddbxo_error *err);

/* All steps: returns the headers to add to req, in sending order
 * (X-Amz-Date, [x-amz-content-sha256], [X-Amz-Security-Token],
 * Authorization), ending with {NULL, NULL}; *n (if not NULL) gets the
 * count.  One allocation: free with ddbxo_sigv4_headers_free.  NULL on
 * error as in step 1.  Derives the key on every call: use a ddbxo_signer
 * to sign many requests. */
DDBXO_API ddbxo_sigv4_header *ddbxo_sigv4_sign(const ddbxo_sigv4_request *req,
                                               const ddbxo_sigv4_params *p,
                                               size_t *n, ddbxo_error *err);

/* Frees headers returned by a sign function.  Accepts NULL. */
DDBXO_API void ddbxo_sigv4_headers_free(ddbxo_sigv4_header *headers);

/* A signer: credentials, region and service, plus the signing key cached
 * per UTC day.  Thread-safe: any number of threads may sign and one may
 * replace the credentials meanwhile.  Secret and key are wiped on free. */
typedef struct ddbxo_signer ddbxo_signer;

/* Creates a signer from p (amz_date and time are ignored; the strings are
 * copied).  Free with ddbxo_signer_free.  NULL with err set
 * (DDBXO_E_INVALID for a missing or malformed field, DDBXO_E_NOMEM). */
DDBXO_API ddbxo_signer *ddbxo_signer_new(const ddbxo_sigv4_params *p,
                                         ddbxo_error *err);

/* Replaces the credentials (e.g. after a refresh; token may be NULL) and
 * drops the cached key.  Requests being signed meanwhile finish with the
 * old ones.  0, or -1 with err, leaving the old credentials in place. */
DDBXO_API int ddbxo_signer_set_credentials(ddbxo_signer *s,
                                           const char *access_key_id,
                                           const char *secret_access_key,
                                           const char *session_token,
                                           ddbxo_error *err);

/* Signs req at time t (0 = now), as ddbxo_sigv4_sign does; free the
 * result with ddbxo_sigv4_headers_free.  NULL with err set. */
DDBXO_API ddbxo_sigv4_header *ddbxo_signer_sign(ddbxo_signer *s,
                                                const ddbxo_sigv4_request *req,
                                                time_t t, size_t *n,
                                                ddbxo_error *err);

/* Wipes the secret, token and cached key and frees the signer.  No thread
 * may still be signing with it.  Accepts NULL. */
DDBXO_API void ddbxo_signer_free(ddbxo_signer *s);

/* DDBXO:SIGV4-API-END */

/* ------------------------------------------------------------------ */
/* creds and config: credentials, region, endpoints                    */
/* ------------------------------------------------------------------ */
/* DDBXO:CREDS-API — owned by lib/creds*.c, lib/auth/config.c */

/* Longest region name accepted, and a buffer that holds one. */
#define DDBXO_REGION_MAX 63
#define DDBXO_REGION_BUFSIZE 64
/* Longest endpoint URL accepted (after normalisation) and its buffer. */
#define DDBXO_ENDPOINT_URL_BUFSIZE 1024
/* DNS: a host name is at most 253 characters; room for "[v6]:65535". */
#define DDBXO_ENDPOINT_HOST_BUFSIZE 272
/* Container credentials: largest response body read (a real one is ~2 KB). */
#define DDBXO_MAX_CREDS_RESPONSE_BYTES (64u * 1024u)
/* Refresh expiring credentials when fewer than this many seconds are left. */
#define DDBXO_CREDS_REFRESH_SECONDS 300
/* Credentials with fewer seconds left than this count as expired: a request
 * signed now must still be valid when it arrives. */
#define DDBXO_CREDS_EXPIRY_SKEW_SECONDS 10

/* A snapshot of AWS credentials, owned by the caller.  Strings are heap
 * copies; ddbxo_credentials_clear() wipes and frees them. */
typedef struct ddbxo_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;   /* NULL when the credentials have none */
    int64_t expiration;    /* Unix seconds; 0 = does not expire */
    const char *source;    /* static: "static", "environment", "profile",
                              "web-identity", "assume-role", "process",
                              "container", "imds" */
} ddbxo_credentials;

/* Where credentials come from; thread-safe, shareable by many clients. */
typedef struct ddbxo_credentials_provider ddbxo_credentials_provider;

/* The SDK chain, chosen now, fetched lazily: environment keys; web
 * identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN); the profile
 * (argument, else AWS_PROFILE, else "default": keys, role_arn with
 * source_profile / credential_source / web_identity_token_file,
 * credential_process); container credentials; EC2 IMDSv2 unless
 * AWS_EC2_METADATA_DISABLED=true (docs/configuration.md).  Free with
 * _free().  NULL + DDBXO_E_CONFIG if one is broken or none applies. */
DDBXO_API ddbxo_credentials_provider *
ddbxo_credentials_provider_default(const char *profile, ddbxo_error *err);

/* Fixed credentials (session_token may be NULL); the strings are copied.
 * NULL + DDBXO_E_INVALID if a key is missing, empty or has spaces. */
DDBXO_API ddbxo_credentials_provider *
ddbxo_credentials_provider_static(const char *access_key_id,
                                  const char *secret_access_key,
                                  const char *session_token, ddbxo_error *err);

/* Thread-safe: copies current credentials into *out (caller clears it),
 * refreshing first if < DDBXO_CREDS_REFRESH_SECONDS remain.  -1 + err
 * (DDBXO_E_HTTP retryable, _CONFIG) when no unexpired ones; *out empty. */
DDBXO_API int ddbxo_credentials_get(ddbxo_credentials_provider *p,
                                    ddbxo_credentials *out, ddbxo_error *err);

/* Makes the next ddbxo_credentials_get() refetch (after an
 * ExpiredTokenException).  No effect on static/environment/profile ones. */
DDBXO_API void ddbxo_credentials_provider_invalidate(ddbxo_credentials_provider *p);

/* Wipes (OPENSSL_cleanse) and frees the strings of *c and zeroes it.
 * Accepts NULL and an already cleared struct. */
DDBXO_API void ddbxo_credentials_clear(ddbxo_credentials *c);

/* Frees a provider and wipes the credentials it caches.  Accepts NULL.
 * No ddbxo_credentials_get() may be running on it. */
DDBXO_API void ddbxo_credentials_provider_free(ddbxo_credentials_provider *p);

/* Writes the region (AWS_REGION, AWS_DEFAULT_REGION, else the profile's
 * `region` in the config file) NUL-terminated to out (DDBXO_REGION_BUFSIZE).
 * -1 + DDBXO_E_CONFIG if none is set or it is not a valid region name. */
DDBXO_API int ddbxo_config_region(char *out, size_t outsz, const char *profile,
                                  ddbxo_error *err);

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

/* DDBXO:CREDS-API-END */

/* ------------------------------------------------------------------ */
/* http: retry policy (see docs/transport.md)                           */
/* ------------------------------------------------------------------ */
/* DDBXO:HTTP-API — owned by lib/http*.c */

/* Defaults: the AWS "retries 2.1" (2026) behaviour, DynamoDB profile. */
#define DDBXO_RETRY_DEFAULT_MAX_ATTEMPTS 4
#define DDBXO_RETRY_DEFAULT_BASE_TRANSIENT_MS 25
#define DDBXO_RETRY_DEFAULT_BASE_THROTTLE_MS 1000
#define DDBXO_RETRY_DEFAULT_MAX_BACKOFF_MS 20000
#define DDBXO_RETRY_DEFAULT_RETRY_AFTER_MAX_MS 5000
#define DDBXO_RETRY_DEFAULT_QUOTA_TOKENS 500
#define DDBXO_RETRY_DEFAULT_QUOTA_RETRY_COST 14
#define DDBXO_RETRY_DEFAULT_QUOTA_THROTTLE_COST 5
#define DDBXO_RETRY_DEFAULT_QUOTA_SUCCESS_REFUND 1

/* ddbxo_retry_config.flags */
#define DDBXO_RETRY_NO_QUOTA 0x1          /* no retry quota (token bucket) */
#define DDBXO_RETRY_IGNORE_RETRY_AFTER 0x2 /* ignore x-amz-retry-after */

/* How failed requests are retried.  A zeroed struct means "all defaults":
 * every zero field takes the DDBXO_RETRY_DEFAULT_* value.  Delay before
 * attempt n+1 = rand[0,1) * min(base * 2^(n-1), max_backoff_ms), base by
 * error class; x-amz-retry-after (ms) is honoured within
 * [delay, delay + retry_after_max_ms]. */
typedef struct ddbxo_retry_config {
    int max_attempts;              /* total, including the first; 1 = none */
    unsigned base_transient_ms;    /* 5xx, connection errors, CRC mismatch */
    unsigned base_throttle_ms;     /* throttling errors */
    unsigned max_backoff_ms;       /* cap applied before the jitter */
    unsigned retry_after_max_ms;   /* most x-amz-retry-after may add */
    unsigned quota_tokens;         /* retry quota: bucket size and start */
    unsigned quota_retry_cost;     /* tokens per non-throttling retry */
    unsigned quota_throttle_cost;  /* tokens per throttling retry */
    unsigned quota_success_refund; /* refund of a success without retry */
    unsigned flags;                /* DDBXO_RETRY_* */
    uint64_t jitter_seed;          /* 0 = from the OS; else reproducible */
} ddbxo_retry_config;

/* DDBXO:HTTP-API-END */

/* ------------------------------------------------------------------ */
/* client: signed DynamoDB, DynamoDB Streams and SQS calls              */
/* ------------------------------------------------------------------ */
/* DDBXO:CLIENT-API — owned by lib/service/client.c, lib/ddb*.c (docs/ddb.md) */

/* A client: region, endpoints, credentials, one keep-alive HTTP transport
 * with retries, and the SigV4 signers.  Create it once and reuse it.
 *
 * Thread safety: a client may be shared by any number of threads; every
 * call below may run concurrently on one client (the transport, the
 * credentials provider and the signers lock what they share).  Only
 * ddbxo_client_free() must not overlap any other call.  The log callback
 * may be called from any thread that is inside a call. */
typedef struct ddbxo_client ddbxo_client;

/* Log levels (Python logging's numbers, so bindings can pass them on). */
#define DDBXO_LOG_DEBUG 10
#define DDBXO_LOG_INFO  20
#define DDBXO_LOG_WARN  30
#define DDBXO_LOG_ERROR 40

/* Receives one NUL-terminated line (no newline) that never holds
 * credentials or item contents.  The library itself never prints. */
typedef void (*ddbxo_log_fn)(void *ctx, int level, const char *msg);

/* Default of ddbxo_client_config.max_connections. */
#define DDBXO_CLIENT_DEFAULT_MAX_CONNECTIONS 32

/* How to build a client.  A zeroed struct means "all defaults": region and
 * credentials from the standard environment/files, endpoints from
 * AWS_ENDPOINT_URL_{DYNAMODB,DYNAMODB_STREAMS,SQS} / AWS_ENDPOINT_URL,
 * else the regional https endpoints.  Strings are copied. */
typedef struct ddbxo_client_config {
    const char *region;             /* NULL = ddbxo_config_region(profile) */
    const char *profile;            /* NULL = AWS_PROFILE, else "default" */
    const char *endpoint_dynamodb;  /* explicit endpoint URLs, each winning */
    const char *endpoint_streams;   /* over the environment; NULL = resolve */
    const char *endpoint_sqs;       /* (see ddbxo_endpoint_resolve) */
    int allow_insecure_http;        /* 1 = allow http:// to non-loopback
                                       hosts (requests travel in clear) */
    long connect_timeout_ms;        /* per attempt [2000] */
    long attempt_timeout_ms;        /* whole attempt [10000] */
    int max_connections;            /* idle keep-alive connections kept and
                                       the concurrency of batch work
                                       [DDBXO_CLIENT_DEFAULT_MAX_CONNECTIONS] */
    size_t max_response_bytes;      /* larger responses fail [32 MiB] */
    const char *ca_file;            /* extra CA bundle; NULL = system */
    ddbxo_retry_config retry;       /* zeroed = the DynamoDB defaults */
    ddbxo_credentials_provider *credentials; /* borrowed, must outlive the
                                       client; NULL = the default chain */
    ddbxo_log_fn log;               /* NULL = no logging */
    void *log_ctx;
    int log_level;                  /* least level passed on [INFO] */
    /* Assume this role (STS AssumeRole in the client's region, refreshed
     * before it expires) with the credentials above as the caller: how a
     * side reaches a table in another account.  NULL = use them as they
     * are. */
    const char *role_arn;
    const char *external_id;        /* the role's ExternalId; NULL = none */
} ddbxo_client_config;

/* Creates a client from cfg (NULL = all defaults): resolves the region,
 * the three endpoints and the credentials source now (container
 * credentials are fetched on first use).  Free with ddbxo_client_free.
 * NULL + err: DDBXO_E_CONFIG (no region or credentials, a bad endpoint, or
 * http:// to a non-loopback host without allow_insecure_http). */
DDBXO_API ddbxo_client *ddbxo_client_new(const ddbxo_client_config *cfg,
                                         ddbxo_error *err);

/* Frees the client, its connections, signers and (if it made it) its
 * credentials provider.  No call may be running on it.  Accepts NULL. */
DDBXO_API void ddbxo_client_free(ddbxo_client *c);

/* The role the client assumes (borrowed), or NULL. */
DDBXO_API const char *ddbxo_client_role_arn(const ddbxo_client *c);

/* The client's region (borrowed, valid while c lives). */
DDBXO_API const char *ddbxo_client_region(const ddbxo_client *c);

/* Copies the endpoint the client uses for svc into *out.  0, or -1 with
 * DDBXO_E_INVALID for an unknown service. */
DDBXO_API int ddbxo_client_endpoint(const ddbxo_client *c, ddbxo_service svc,
                                    ddbxo_endpoint *out, ddbxo_error *err);

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

/* DDBXO:CLIENT-API-END */

/* ------------------------------------------------------------------ */
/* transform: the writes a record turns into                            */
/* ------------------------------------------------------------------ */
/* DDBXO:TRANSFORM-API — owned by lib/transform*.c (docs/transform.md) */

/* The writes one record turns into (opaque).  A transform adds writes to
 * it; none at all means "skip this record" (outcome FILTERED).  Every
 * item, key and expression value is checked against DynamoDB's rules when
 * it is added (DDBXO_VALUE_STRICT), so a write DynamoDB would refuse fails
 * here, with the rule it broke, before anything is sent. */
typedef struct ddbxo_writes ddbxo_writes;

/* A transaction holds 100 actions; ledger and tracker modes need one for
 * their bookkeeping item, so one record turns into at most 99 writes (98
 * with the source check).  Replicate mode takes exactly one. */
#define DDBXO_MAX_WRITES 99
/* DynamoDB: the items of one transaction add up to at most 4 MB. */
#define DDBXO_MAX_TRANSACTION_BYTES (4u * 1024u * 1024u)

/* Adds a write.  table NULL = the target table.  item_json / key_json are
 * DynamoDB JSON attribute maps (len bytes; not necessarily NUL-terminated).
 * update: update_expression is required; names_json and values_json are
 * ExpressionAttributeNames / ExpressionAttributeValues objects or NULL.
 * -1 with err (DDBXO_E_INVALID naming the field, DDBXO_E_LIMIT) and w
 * unchanged. */
DDBXO_API int ddbxo_writes_put(ddbxo_writes *w, const char *table,
                               const char *item_json, size_t len,
                               ddbxo_error *err);
DDBXO_API int ddbxo_writes_update(ddbxo_writes *w, const char *table,
                                  const char *key_json,
                                  const char *update_expression,
                                  const char *names_json,
                                  const char *values_json, ddbxo_error *err);
DDBXO_API int ddbxo_writes_delete(ddbxo_writes *w, const char *table,
                                  const char *key_json, size_t len,
                                  ddbxo_error *err);
/* Adds writes given as JSON: one object or an array of objects, each
 * {"Put":{"TableName"?,"Item"}} | {"Update":{"TableName"?,"Key",
 * "UpdateExpression","ExpressionAttributeNames"?,
 * "ExpressionAttributeValues"?}} | {"Delete":{"TableName"?,"Key"}} (the
 * TransactItems shape; what bindings pass).  All or nothing. */
DDBXO_API int ddbxo_writes_add_json(ddbxo_writes *w, const char *json,
                                    size_t len, ddbxo_error *err);
/* Number of writes added so far. */
DDBXO_API size_t ddbxo_writes_count(const ddbxo_writes *w);

/* A transform callback: adds the writes for rec to out (none = skip).
 * Returns 0, or -1 with err filled: the record then fails permanently
 * (it is parked when a park queue is configured).  Called on the thread
 * that applies the batch, once per record and attempt; it must not keep
 * rec or out. */
typedef int (*ddbxo_transform_fn)(void *ctx, const ddbxo_record *rec,
                                  ddbxo_writes *out, ddbxo_error *err);

/* A transform (opaque, immutable once made; one may serve any number of
 * appliers and threads if its callback allows it). */
typedef struct ddbxo_transform ddbxo_transform;

/* A transform that calls fn(ctx, ...).  Free with ddbxo_transform_free. */
DDBXO_API ddbxo_transform *ddbxo_transform_new(ddbxo_transform_fn fn,
                                               void *ctx, ddbxo_error *err);
/* Identity: INSERT/MODIFY put the new image, REMOVE deletes the record's
 * Keys.  Needs NewImage in the stream (NEW_IMAGE or NEW_AND_OLD_IMAGES). */
DDBXO_API ddbxo_transform *ddbxo_transform_identity(ddbxo_error *err);
/* The declarative JSON spec of docs/transform.md (target key from source
 * attributes, projection, renames, constants, event filter).  NULL with
 * err naming the bad field. */
DDBXO_API ddbxo_transform *ddbxo_transform_spec(const char *json, size_t len,
                                                ddbxo_error *err);
/* The GROUP:SUM aggregate (ledger or tracker mode): one target item
 * {"pk":{"S":group},"item_count":{"N"},"total":{"N"}} per distinct value
 * of source attribute GROUP, counting the source items in the group and
 * summing their SUM attribute.  spec is "GROUP:SUM".  Needs
 * NEW_AND_OLD_IMAGES. */
DDBXO_API ddbxo_transform *ddbxo_transform_aggregate(const char *spec,
                                                     ddbxo_error *err);
/* 1 if t must run in ledger or tracker mode (its writes are not
 * idempotent: the aggregate), else 0. */
DDBXO_API int ddbxo_transform_needs_ledger(const ddbxo_transform *t);
DDBXO_API void ddbxo_transform_free(ddbxo_transform *t);
/* Runs t on rec and returns the writes as a JSON array in the
 * ddbxo_writes_add_json shape (free with ddbxo_free); "[]" = skip.  For
 * tests, bindings and `ddbxo apply --dry-run`. */
DDBXO_API char *ddbxo_transform_run(const ddbxo_transform *t,
                                    const ddbxo_record *rec, size_t *len,
                                    ddbxo_error *err);

/* DDBXO:TRANSFORM-API-END */

/* ------------------------------------------------------------------ */
/* apply: one record, exactly-once effect                               */
/* ------------------------------------------------------------------ */
/* DDBXO:APPLY-API — owned by lib/apply*.c, lib/apply/park.c
 * (docs/exactly-once.md) */

/* What happened to one record.  The numbers never change. */
typedef enum ddbxo_outcome {
    DDBXO_APPLIED = 1,          /* written now */
    DDBXO_DUPLICATE = 2,        /* this record was applied before */
    DDBXO_STALE = 3,            /* replicate: a newer version is stored */
    DDBXO_SUPERSEDED = 4,       /* source check: a newer source write exists */
    DDBXO_COALESCED = 5,        /* replicate: covered by a later record of
                                   the same item in the batch */
    DDBXO_FILTERED = 6,         /* the transform skipped it */
    DDBXO_PARKED = 7,           /* failed for good; sent to the park queue */
    DDBXO_FAILED_RETRYABLE = 8, /* not applied; a retry may succeed */
    DDBXO_FAILED_PERMANENT = 9  /* not applied; a retry will fail again */
} ddbxo_outcome;
/* One past the largest outcome (for arrays indexed by outcome). */
#define DDBXO_OUTCOME_END 10

/* "APPLIED", "DUPLICATE", ... (static); "UNKNOWN" for other values. */
DDBXO_API const char *ddbxo_outcome_name(int outcome);
/* 1 for FAILED_RETRYABLE and FAILED_PERMANENT: the record must be
 * delivered again (it belongs in batchItemFailures). */
DDBXO_API int ddbxo_outcome_failed(int outcome);

/* How records reach the target (docs/exactly-once.md §3). */
typedef enum ddbxo_mode {
    DDBXO_MODE_REPLICATE = 1,   /* conditional put guarded by _ddbxo_seq */
    DDBXO_MODE_LEDGER = 2,      /* transaction with a ledger item */
    DDBXO_MODE_TRACKER = 3      /* transaction with a per-shard tracker set */
} ddbxo_mode;

/* "replicate" / "ledger" / "tracker" -> the mode; 0 for anything else. */
DDBXO_API int ddbxo_mode_parse(const char *name);
/* The mode's name (static); "unknown" for other values. */
DDBXO_API const char *ddbxo_mode_name(int mode);

/* Tombstones outlive the 24 h stream retention, so a redriven old record
 * still meets them (docs/exactly-once.md §3). */
#define DDBXO_DEFAULT_TOMBSTONE_TTL_S (48 * 3600)
/* Ledger items outlive any redrive we know of (ESM retries end with the
 * 24 h retention; parked records were never applied). */
#define DDBXO_DEFAULT_LEDGER_TTL_S (7 * 24 * 3600)
/* Target attribute that holds a tombstone's expiry (epoch seconds). */
#define DDBXO_DEFAULT_TTL_ATTR "_ddbxo_exp"

/* How to apply records.  A zeroed struct plus target_table is a valid
 * replicate configuration.  Strings are copied; transform is borrowed
 * and must outlive the applier. */
typedef struct ddbxo_apply_config {
    int mode;                        /* ddbxo_mode [REPLICATE] */
    const char *target_table;        /* required */
    const char *ledger_table;        /* ledger and tracker modes: the table
                                        (partition key pk S, TTL attribute
                                        exp) for ledger / tracker items */
    const char *source_table;        /* source table name for dedup keys and
                                        the source check; NULL = from each
                                        record's eventSourceARN */
    const char *source_version_attr; /* source check: ConditionCheck that
                                        the source item still has this
                                        attribute's value (NULL = off) */
    const char *version_attr;        /* replicate: guard by this numeric
                                        attribute of the image instead of
                                        the sequence number (NULL = seq) */
    const ddbxo_transform *transform;/* NULL = identity */
    int hard_delete;                 /* replicate: REMOVE deletes the item
                                        (safe only without redrives) */
    int no_coalesce;                 /* replicate: apply every record of an
                                        item instead of the last one */
    const char *ttl_attr;            /* [DDBXO_DEFAULT_TTL_ATTR] */
    int64_t tombstone_ttl_s;         /* [DDBXO_DEFAULT_TOMBSTONE_TTL_S] */
    int64_t ledger_ttl_s;            /* [DDBXO_DEFAULT_LEDGER_TTL_S] */
    const char *park_queue_url;      /* SQS queue for records that fail for
                                        good (NULL = report them failed) */
    size_t tracker_capacity;         /* tracker: records per tracker item
                                        before it is full [derived from
                                        400 KB; tests lower it] */
    int max_inflight;                /* batch: items applied at once
                                        [the client's max_connections] */
} ddbxo_apply_config;

/* Per call. */
typedef struct ddbxo_apply_options {
    int64_t deadline_ms;             /* epoch ms to stop by (0 = none) */
    const char *shard_id;            /* the records' shard (tracker items
                                        are per shard; NULL = unknown) */
} ddbxo_apply_options;

/* An applier: a configuration bound to a client, reused across batches.
 * One thread at a time; make one per thread (they may share a client). */
typedef struct ddbxo_applier ddbxo_applier;

/* Checks cfg (DDBXO_E_CONFIG naming the field: no target, ledger mode
 * without a ledger table, an aggregate outside ledger/tracker mode, ...)
 * and makes an applier on client c (borrowed; must outlive it). */
DDBXO_API ddbxo_applier *ddbxo_applier_new(ddbxo_client *c,
                                           const ddbxo_apply_config *cfg,
                                           ddbxo_error *err);
DDBXO_API void ddbxo_applier_free(ddbxo_applier *a);

/* Checks that a pipeline's two sides can be exactly-once: source (the
 * stream and the checkpoint table: where the runner reads) and target
 * (the target, ledger/tracker table and park queue: where the applier
 * writes; NULL = the same client).  Refused, with DDBXO_E_CONFIG, err->path
 * naming the apply_config field (or "checkpoint_table") and a message
 * saying why: a ledger table in another account or region than the target
 * table (one transaction cannot span them); a table ARN or park queue URL
 * in another region than its side; a source check (source_version_attr)
 * when the sides differ in region or role, or the target table is an ARN
 * of another account than source_table (its ConditionCheck on the source
 * table is in the target's transaction).  0 when fine. */
DDBXO_API int ddbxo_sides_check(const ddbxo_client *source,
                                const ddbxo_client *target,
                                const ddbxo_apply_config *acfg,
                                const char *checkpoint_table,
                                ddbxo_error *err);


/* Applies one record (transform, conditional write, refusal read back)
 * and returns its ddbxo_outcome.  For FAILED_* outcomes err says why (its
 * retryable flag matches the outcome); for PARKED it keeps the error that
 * made the record park.  opt may be NULL. */
DDBXO_API int ddbxo_transact_apply(ddbxo_applier *a, const ddbxo_record *rec,
                                   const ddbxo_apply_options *opt,
                                   ddbxo_error *err);

/* DDBXO:APPLY-API-END */

/* ------------------------------------------------------------------ */
/* batch: a whole event, concurrently, with batchItemFailures           */
/* ------------------------------------------------------------------ */
/* DDBXO:BATCH-API — owned by lib/batch*.c (docs/exactly-once.md) */

/* The outcome of a batch (opaque).  Free with ddbxo_batch_result_free. */
typedef struct ddbxo_batch_result ddbxo_batch_result;

/* Applies every record of ev (docs/exactly-once.md §7): records that
 * failed to parse fail permanently; items run concurrently, each item's
 * records in order, an item stops at its first failure; at
 * opt->deadline_ms no new work starts and the rest is reported failed.  A record is reported as done
 * only when it was applied or refused as DUPLICATE/STALE/SUPERSEDED (or
 * coalesced, filtered, parked).  NULL only for bad arguments or no memory
 * (err); record failures are in the result. */
DDBXO_API ddbxo_batch_result *ddbxo_process_batch(
    ddbxo_applier *a, const ddbxo_event *ev, const ddbxo_apply_options *opt,
    ddbxo_error *err);
DDBXO_API void ddbxo_batch_result_free(ddbxo_batch_result *r);
/* Number of records (the event's count, good and bad). */
DDBXO_API size_t ddbxo_batch_result_count(const ddbxo_batch_result *r);
/* Outcome of record i (0 if i is out of range). */
DDBXO_API int ddbxo_batch_result_outcome(const ddbxo_batch_result *r,
                                         size_t i);
/* Why record i failed or parked (borrowed), or NULL. */
DDBXO_API const ddbxo_error *ddbxo_batch_result_error(
    const ddbxo_batch_result *r, size_t i);
/* The sequence number record i is reported by in batchItemFailures
 * (borrowed): its own, or -- for a record without a usable one (it did not
 * parse) -- the lowest of the batch, so the ESM replays from the start;
 * "" when the batch has none (Lambda then fails the whole batch). */
DDBXO_API const char *ddbxo_batch_result_seq(const ddbxo_batch_result *r,
                                             size_t i);
/* How many records had this outcome. */
DDBXO_API size_t ddbxo_batch_result_tally(const ddbxo_batch_result *r,
                                          int outcome);
/* How many records failed (FAILED_RETRYABLE + FAILED_PERMANENT). */
DDBXO_API size_t ddbxo_batch_result_failed(const ddbxo_batch_result *r);
/* The Lambda partial batch response (borrowed, NUL-terminated):
 * {"batchItemFailures":[{"itemIdentifier":"<SequenceNumber>"},...]} in
 * stream order; [] when nothing failed. */
DDBXO_API const char *ddbxo_batch_result_response(
    const ddbxo_batch_result *r, size_t *len);
/* One JSON object (borrowed): {"records":N,"applied":..,"duplicate":..,
 * "stale":..,"superseded":..,"coalesced":..,"filtered":..,"parked":..,
 * "failed":..,"batchItemFailures":[..]} -- `ddbxo apply`'s last line. */
DDBXO_API const char *ddbxo_batch_result_summary(const ddbxo_batch_result *r,
                                                 size_t *len);

/* DDBXO:BATCH-API-END */

/* ------------------------------------------------------------------ */
/* runner: reads a stream and applies it (ddbxo run)                    */
/* ------------------------------------------------------------------ */
/* DDBXO:RUNNER-API — owned by lib/runner*.c (docs/runner.md) */

/* Where a shard without a checkpoint starts reading. */
typedef enum ddbxo_runner_from {
    DDBXO_FROM_TRIM_HORIZON = 0,  /* the oldest record the stream still has */
    DDBXO_FROM_LATEST = 1         /* open shards: only records from now on;
                                     shards closed at the start are skipped */
} ddbxo_runner_from;

/* Records per GetRecords call and batch. */
#define DDBXO_RUNNER_DEFAULT_BATCH_SIZE 100
/* DynamoDB Streams: GetRecords returns at most 1000 records. */
#define DDBXO_RUNNER_MAX_BATCH_SIZE 1000
/* A lease outlives a stalled runner by at most this long. */
#define DDBXO_RUNNER_DEFAULT_LEASE_MS 30000
/* Lambda polls each shard about 4 times a second (AWS Lambda Developer
 * Guide, DynamoDB event source mappings). */
#define DDBXO_RUNNER_DEFAULT_POLL_MS 250
/* DescribeStream is re-read this often to find new shards (and at once
 * when a shard closes); AWS allows 10 calls/s per account. */
#define DDBXO_RUNNER_DEFAULT_DESCRIBE_MS 10000
/* Longest pause between two tries of a batch with failed records. */
#define DDBXO_RUNNER_DEFAULT_RETRY_MAX_MS 5000
/* Consecutive failed stream calls on one shard before run() gives up. */
#define DDBXO_RUNNER_MAX_CALL_FAILURES 20

/* Receives a progress snapshot, one JSON object (len bytes, NUL-
 * terminated, no item data): {"seconds","records","records_per_s",
 * "applied",...,"iterator_age_ms","shards_active"}.  Called on the
 * thread inside ddbxo_runner_run(). */
typedef void (*ddbxo_runner_progress_fn)(void *ctx, const char *json,
                                         size_t len);

/* How to run.  A zeroed struct plus stream_arn or source_table is valid.
 * Strings are copied by ddbxo_runner_new(). */
typedef struct ddbxo_runner_config {
    const char *stream_arn;       /* the stream to read, or: */
    const char *source_table;     /* its table (DescribeTable's
                                     LatestStreamArn) */
    const char *checkpoint_table; /* partition key pk (S), TTL attribute
                                     exp; NULL = no checkpoints and no
                                     leases: start from `from` every time */
    int batch_size;               /* 1..DDBXO_RUNNER_MAX_BATCH_SIZE
                                     [DDBXO_RUNNER_DEFAULT_BATCH_SIZE] */
    int from;                     /* ddbxo_runner_from [TRIM_HORIZON] */
    int64_t until_idle_ms;        /* return when no shard had records for
                                     this long (0 = run until stopped) */
    uint64_t max_records;         /* return after this many records
                                     (0 = no limit) */
    const char *owner;            /* lease owner id [host:pid:random] */
    int64_t lease_ms;             /* [DDBXO_RUNNER_DEFAULT_LEASE_MS] */
    int64_t poll_ms;              /* pause after an empty GetRecords
                                     [DDBXO_RUNNER_DEFAULT_POLL_MS] */
    int64_t describe_ms;          /* [DDBXO_RUNNER_DEFAULT_DESCRIBE_MS] */
    int64_t retry_max_ms;         /* [DDBXO_RUNNER_DEFAULT_RETRY_MAX_MS] */
    ddbxo_runner_progress_fn progress; /* NULL = none */
    void *progress_ctx;
    int64_t progress_ms;          /* progress period [5000] */
    ddbxo_log_fn log;             /* warnings and events (trimmed data,
                                     leases, lineage); NULL = none */
    void *log_ctx;
    const char *consumer;         /* names this pipeline in checkpoint and
                                     lease keys, so several pipelines of
                                     one stream can share a checkpoint
                                     table [the applier's target table] */
} ddbxo_runner_config;

/* A stream runner (opaque): reads every shard of one stream in lineage
 * order and applies its records through an applier, with checkpoints and
 * leases (docs/runner.md). */
typedef struct ddbxo_runner ddbxo_runner;

/* Checks cfg (DDBXO_E_CONFIG naming the field) and makes a runner that
 * reads and checkpoints through c and applies through a (both borrowed;
 * they must outlive the runner, and a is used by run() alone).  No call
 * is made yet.  Free with ddbxo_runner_free. */
DDBXO_API ddbxo_runner *ddbxo_runner_new(ddbxo_client *c, ddbxo_applier *a,
                                         const ddbxo_runner_config *cfg,
                                         ddbxo_error *err);
/* Frees the runner (it must not be running).  Accepts NULL. */
DDBXO_API void ddbxo_runner_free(ddbxo_runner *r);

/* Runs until idle (until_idle_ms), max_records, or ddbxo_runner_stop():
 * finishes the batch in flight, checkpoints it, releases its leases and
 * returns 0.  Failed records are retried in order, never skipped.  -1
 * with err when the stream or checkpoint table cannot be used or stream
 * calls keep failing (DDBXO_RUNNER_MAX_CALL_FAILURES). */
DDBXO_API int ddbxo_runner_run(ddbxo_runner *r, ddbxo_error *err);

/* Asks run() to stop after the batch in flight.  Async-signal-safe and
 * thread-safe (it only sets a flag): call it from a SIGINT/SIGTERM
 * handler or another thread. */
DDBXO_API void ddbxo_runner_stop(ddbxo_runner *r);

/* One JSON object (borrowed; valid until the next call or free), the
 * `ddbxo apply` summary summed over every batch plus "shards", "seconds",
 * "batches", "retries", "iterator_refreshes", "trimmed_ranges",
 * "lineage_order_violations".  Not while run() is running elsewhere. */
DDBXO_API const char *ddbxo_runner_summary(ddbxo_runner *r, size_t *len);

/* The stream ARN read (borrowed): cfg's, or the one run() found for the
 * source table; "" before that. */
DDBXO_API const char *ddbxo_runner_stream_arn(const ddbxo_runner *r);

/* "trim_horizon" / "latest" (any case) -> ddbxo_runner_from; -1 for
 * anything else. */
DDBXO_API int ddbxo_runner_from_parse(const char *name);

/* DDBXO:RUNNER-API-END */

/* ------------------------------------------------------------------ */
/* lambda: the custom runtime and the stream handler (docs/lambda.md)   */
/* ------------------------------------------------------------------ */
/* DDBXO:LAMBDA-API — owned by lib/lambda*.c */

/* One invocation, as the Runtime API's /next answer gave it.  Every
 * string is borrowed for the handler call and NUL-terminated; "" when the
 * header was absent. */
typedef struct ddbxo_lambda_invocation {
    const char *event;            /* the event document (event_len bytes) */
    size_t event_len;
    const char *request_id;       /* Lambda-Runtime-Aws-Request-Id */
    int64_t deadline_ms;          /* Lambda-Runtime-Deadline-Ms (epoch ms;
                                     0 when absent or unreadable) */
    const char *function_arn;     /* Lambda-Runtime-Invoked-Function-Arn */
    const char *trace_id;         /* Lambda-Runtime-Trace-Id */
    const char *client_context;   /* Lambda-Runtime-Client-Context */
    const char *cognito_identity; /* Lambda-Runtime-Cognito-Identity */
    const char *tenant_id;        /* Lambda-Runtime-Aws-Tenant-Id */
} ddbxo_lambda_invocation;

/* Handles one invocation.  On success returns 0 with *response (borrowed:
 * valid until the handler is next called on this thread or run() returns)
 * and *response_len set; NULL = an empty response.  On failure returns -1
 * with err set: the runtime posts it to /error with errorType and header
 * Lambda-Runtime-Function-Error-Type "Ddbxo.<code name>". */
typedef int (*ddbxo_lambda_handler_fn)(void *ctx,
                                       const ddbxo_lambda_invocation *inv,
                                       const char **response,
                                       size_t *response_len,
                                       ddbxo_error *err);

/* Receives one complete line (len bytes, no newline), e.g. an EMF metrics
 * object. */
typedef void (*ddbxo_lambda_emit_fn)(void *ctx, const char *line,
                                     size_t len);

/* Most concurrent invocations one process serves (Lambda Managed
 * Instances' AWS_LAMBDA_MAX_CONCURRENCY above it is refused). */
#define DDBXO_LAMBDA_MAX_CONCURRENCY 64

/* How to run.  handler is required; the rest may be zero. */
typedef struct ddbxo_lambda_config {
    ddbxo_lambda_handler_fn handler;
    void *ctx;                    /* passed to handler and init */
    /* Runs once before the first /next (make clients here: they then live
     * across invocations).  -1 with err = an init failure: posted to
     * /runtime/init/error as "Ddbxo.<code name>" and run() returns -1. */
    int (*init)(void *ctx, ddbxo_error *err);
    int thread_safe;              /* 1 = handler may run on several threads
                                     at once: AWS_LAMBDA_MAX_CONCURRENCY=N
                                     then runs N /next loops; 0 = such an
                                     environment is an init error */
    const char *runtime_api;      /* host:port; NULL = AWS_LAMBDA_RUNTIME_API */
    ddbxo_log_fn log;             /* runtime events (not per invocation);
                                     NULL = none */
    void *log_ctx;
} ddbxo_lambda_config;

/* The Runtime API loop: init, then /next -> handler -> /response or
 * /error, forever, on one keep-alive libcurl handle per loop (no timeout
 * on /next).  Exports _X_AMZN_TRACE_ID per invocation when it runs one
 * loop.  Returns -1 with err only when it cannot go on: bad
 * configuration, init failure (after /init/error), or the Runtime API
 * gone. */
DDBXO_API int ddbxo_lambda_run(const ddbxo_lambda_config *cfg,
                               ddbxo_error *err);

/* A ddbxo_log_fn writing one Lambda log line to stdout: text, or a JSON
 * object {"timestamp","level","message","requestId"} when
 * AWS_LAMBDA_LOG_FORMAT=JSON; lines under AWS_LAMBDA_LOG_LEVEL are
 * dropped.  ctx is unused.  Thread-safe (one write per line). */
DDBXO_API void ddbxo_lambda_log(void *ctx, int level, const char *msg);

/* A ddbxo_lambda_emit_fn writing the line and a newline to stdout in one
 * write (where Lambda picks up EMF metrics).  ctx is unused. */
DDBXO_API void ddbxo_lambda_stdout(void *ctx, const char *line, size_t len);

/* New work stops this long before the invocation deadline by default, so
 * the in-flight writes end and the response is posted in time. */
#define DDBXO_LAMBDA_DEFAULT_MARGIN_MS 1000

/* The DynamoDB stream handler's settings.  Zeroed = the defaults. */
typedef struct ddbxo_lambda_stream_config {
    int64_t margin_ms;            /* [DDBXO_LAMBDA_DEFAULT_MARGIN_MS] */
    const char *metrics_namespace;/* EMF namespace ["ddbxo"] */
    ddbxo_lambda_emit_fn metrics; /* one EMF line per invocation; NULL =
                                     no metrics */
    void *metrics_ctx;
    ddbxo_log_fn log;             /* one summary line per invocation */
    void *log_ctx;
} ddbxo_lambda_stream_config;

/* A handler for DynamoDB stream events (opaque): parses the event, runs
 * ddbxo_process_batch with the invocation deadline minus the margin and
 * answers with the partial batch response (batchItemFailures). */
typedef struct ddbxo_lambda_stream ddbxo_lambda_stream;

/* Makes the handler on client c with the apply configuration acfg (both
 * borrowed; acfg's strings and transform must outlive the handler).  The
 * configuration is checked now (an applier is made): NULL + err
 * (DDBXO_E_CONFIG naming the field) otherwise. */
DDBXO_API ddbxo_lambda_stream *ddbxo_lambda_stream_new(
    ddbxo_client *c, const ddbxo_apply_config *acfg,
    const ddbxo_lambda_stream_config *scfg, ddbxo_error *err);
/* Frees the handler (no invocation may be running).  Accepts NULL. */
DDBXO_API void ddbxo_lambda_stream_free(ddbxo_lambda_stream *s);

/* The ddbxo_lambda_handler_fn of a stream handler (ctx = the
 * ddbxo_lambda_stream; thread-safe: one applier per concurrent call).
 * Record failures are not errors (they are in the response); -1 only
 * for an event that is not a stream event document, or no memory. */
DDBXO_API int ddbxo_lambda_stream_handle(void *ctx,
                                         const ddbxo_lambda_invocation *inv,
                                         const char **response,
                                         size_t *response_len,
                                         ddbxo_error *err);

/* DDBXO:LAMBDA-API-END */

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_H */
