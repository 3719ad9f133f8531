/* libddbxo: DynamoDB stream changes applied to another table, exactly-once
 * in effect.  The umbrella header; advanced layers are in <ddbxo/sys/>.
 * Conventions (docs/api.md): 0 or a pointer on success, -1 or NULL with the
 * caller's ddbxo_error filled on failure; JSON is (pointer, length); times
 * are int64_t *_ms (deadlines in epoch ms), TTLs int64_t *_s; _new/_parse
 * results are freed by the matching _free, which accepts NULL; "borrowed"
 * pointers live as long as their owner; [x] in a comment is a default. */
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

/* Named limits: each has a name and a reason. */
#define DDBXO_MAX_DEPTH 32            /* DynamoDB: nesting of a value */
#define DDBXO_MAX_SEQ_DIGITS 40       /* Streams: sequence number digits */
#define DDBXO_SEQ_BUFSIZE 41          /* a padded sequence number + NUL */
#define DDBXO_DEDUP_KEY_BUFSIZE 65    /* 64 hex digits + NUL */
#define DDBXO_TOKEN_LEN 36            /* DynamoDB: ClientRequestToken */
#define DDBXO_TOKEN_BUFSIZE 37
#define DDBXO_MAX_ITEM_BYTES (400u * 1024u)         /* DynamoDB: one item */
#define DDBXO_MAX_EVENT_BYTES (64u * 1024u * 1024u) /* Lambda's is 6 MB */
/* ---- errors ---- */
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
/* Caller-owned, fixed-size (nothing to free); never holds credentials or item
 * payloads. */
typedef struct ddbxo_error {
    int code;               /* ddbxo_code */
    int retryable;          /* 1 if retrying the same call may succeed */
    int ambiguous;          /* 1 if the request may have been applied */
    long http_status;       /* 0 when no HTTP response was received */
    char aws_type[96];      /* AWS error type after the last '#', or "" */
    char request_id[96];    /* x-amzn-RequestId, or "" */
    char path[160];         /* JSON path of bad input, e.g. "Keys.pk.N" */
    char message[320];      /* human-readable, NUL-terminated */
} ddbxo_error;
/* Resets *err to "no error" (code DDBXO_OK, empty strings). */
DDBXO_API void ddbxo_error_clear(ddbxo_error *err);
/* Static name of a code, e.g. "invalid" for DDBXO_E_INVALID. */
DDBXO_API const char *ddbxo_code_name(int code);
/* Wipes and frees a char* or byte buffer the library returned. */
DDBXO_API void ddbxo_free(void *p);
/* ---- value: reading DynamoDB AttributeValues ---- */
/* An AttributeValue or an attribute map (item, Keys, image), opaque and
 * immutable once parsed (builders: <ddbxo/sys/value.h>).  One handle is not
 * safe for concurrent calls; separate handles are independent. */
typedef struct ddbxo_value ddbxo_value;
/* Types; the numbers are the canonical encoding's tags and never change. */
typedef enum ddbxo_type {
    DDBXO_TYPE_NONE = 0,        /* not a value (NULL or malformed handle) */
    DDBXO_TYPE_S = 1, DDBXO_TYPE_N = 2, DDBXO_TYPE_B = 3, DDBXO_TYPE_SS = 4,
    DDBXO_TYPE_NS = 5, DDBXO_TYPE_BS = 6, DDBXO_TYPE_M = 7, DDBXO_TYPE_L = 8,
    DDBXO_TYPE_NULL = 9, DDBXO_TYPE_BOOL = 10
} ddbxo_type;
/* Parse flags: LENIENT accepts what stream images carry (empty sets, duplicate
 * set members), STRICT what DynamoDB accepts in a write. */
#define DDBXO_VALUE_LENIENT 0u
#define DDBXO_VALUE_STRICT  1u
/* Static type key ("S", "NS", "BOOL", ...) of t, or "?" if unknown. */
DDBXO_API const char *ddbxo_type_name(ddbxo_type t);
/* Parses one AttributeValue, e.g. {"N":"1.5"}; err->path names a fault. */
DDBXO_API ddbxo_value *ddbxo_value_parse(const char *json, size_t len, unsigned flags,
                                         ddbxo_error *err);
/* Parses an attribute map {"name": {...}, ...}, which acts as an M value. */
DDBXO_API ddbxo_value *ddbxo_item_parse(const char *json, size_t len, unsigned flags,
                                        ddbxo_error *err);
/* Frees a handle (children handed out earlier stay valid). */
DDBXO_API void ddbxo_value_free(ddbxo_value *v);
/* Compact DynamoDB JSON of v (free with ddbxo_free); NULL if v is NULL. */
DDBXO_API char *ddbxo_value_to_json(const ddbxo_value *v, size_t *len);
/* Type of v; DDBXO_TYPE_M for an attribute map, DDBXO_TYPE_NONE for NULL. */
DDBXO_API ddbxo_type ddbxo_value_type(const ddbxo_value *v);
/* 1 if v is an attribute map handle (an item, Keys or image), else 0. */
DDBXO_API int ddbxo_value_is_item(const ddbxo_value *v);
/* Scalars, borrowed; NULL for another type.  S: UTF-8 that may hold NUL (use
 * *len); N: the number text as stored; b64: a B value's text. */
DDBXO_API const char *ddbxo_value_s(const ddbxo_value *v, size_t *len);
DDBXO_API const char *ddbxo_value_n(const ddbxo_value *v, size_t *len);
DDBXO_API const char *ddbxo_value_b64(const ddbxo_value *v, size_t *len);
/* The bytes of a B value in *out (free with ddbxo_free).  0, or -1. */
DDBXO_API int ddbxo_value_b(const ddbxo_value *v, unsigned char **out, size_t *len,
                            ddbxo_error *err);
/* 1 or 0 for a BOOL value; -1 if v is not a BOOL. */
DDBXO_API int ddbxo_value_bool(const ddbxo_value *v);
/* Members of a set, elements of an L, entries of a map; 0 for scalars. */
DDBXO_API size_t ddbxo_value_count(const ddbxo_value *v);
/* Element i of an L or set; entry `name` of a map; entry i of a map in
 * name-byte order (name borrowed).  A new handle, or NULL with err. */
DDBXO_API ddbxo_value *ddbxo_value_at(const ddbxo_value *v, size_t i, ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_get(const ddbxo_value *v, const char *name, size_t namelen,
                                       ddbxo_error *err);
DDBXO_API ddbxo_value *ddbxo_value_entry(const ddbxo_value *v, size_t i, const char **name,
                                         size_t *namelen, ddbxo_error *err);
/* ---- record: stream events and records ---- */
/* A parsed event (a Lambda event, a GetRecords page or one record) and the
 * records borrowed from it. */
typedef struct ddbxo_event ddbxo_event;
typedef struct ddbxo_record ddbxo_record;
typedef enum ddbxo_event_name {
    DDBXO_EVENT_INSERT = 1, DDBXO_EVENT_MODIFY = 2, DDBXO_EVENT_REMOVE = 3
} ddbxo_event_name;
/* Parses an event document (copied).  NULL with err only when the whole
 * document is unusable: a bad record is kept as a failed slot. */
DDBXO_API ddbxo_event *ddbxo_parse_stream_event(const char *data, size_t len, ddbxo_error *err);
/* The same without the copy: data must stay unchanged until freed. */
DDBXO_API ddbxo_event *ddbxo_parse_stream_event_inplace(const char *data, size_t len,
                                                        ddbxo_error *err);
/* Frees the event and the records borrowed from it. */
DDBXO_API void ddbxo_event_free(ddbxo_event *ev);
/* Number of records in the document, good and bad; of the bad ones. */
DDBXO_API size_t ddbxo_event_count(const ddbxo_event *ev);
DDBXO_API size_t ddbxo_event_failed_count(const ddbxo_event *ev);
/* Record i (borrowed), NULL if it failed to parse; its parse error. */
DDBXO_API const ddbxo_record *ddbxo_event_record(const ddbxo_event *ev, size_t i);
DDBXO_API const ddbxo_error *ddbxo_event_error(const ddbxo_event *ev, size_t i);
/* Parses one record object (never free one borrowed from an event). */
DDBXO_API ddbxo_record *ddbxo_parse_stream_record(const char *data, size_t len, ddbxo_error *err);
DDBXO_API void ddbxo_record_free(ddbxo_record *rec);
/* Fields (borrowed); an absent optional one gives NULL or -1.  Times are epoch
 * ms; ttl_delete is 1 for a REMOVE made by DynamoDB's TTL. */
DDBXO_API const char *ddbxo_record_event_id(const ddbxo_record *rec);
DDBXO_API ddbxo_event_name ddbxo_record_event_name(const ddbxo_record *rec);
DDBXO_API const char *ddbxo_record_event_name_str(const ddbxo_record *rec);
DDBXO_API const char *ddbxo_record_event_source_arn(const ddbxo_record *rec);
DDBXO_API const char *ddbxo_record_aws_region(const ddbxo_record *rec);
DDBXO_API const char *ddbxo_record_sequence_number(const ddbxo_record *rec);
DDBXO_API int64_t ddbxo_record_size_bytes(const ddbxo_record *rec);
DDBXO_API const char *ddbxo_record_stream_view_type(const ddbxo_record *rec);
DDBXO_API int64_t ddbxo_record_approx_creation_ms(const ddbxo_record *rec);
DDBXO_API int ddbxo_record_ttl_delete(const ddbxo_record *rec);
/* Keys (never NULL), NewImage, OldImage as attribute maps (borrowed). */
DDBXO_API const ddbxo_value *ddbxo_record_keys(const ddbxo_record *rec);
DDBXO_API const ddbxo_value *ddbxo_record_new_image(const ddbxo_record *rec);
DDBXO_API const ddbxo_value *ddbxo_record_old_image(const ddbxo_record *rec);
/* The record as compact JSON (a park queue message); free with ddbxo_free. */
DDBXO_API char *ddbxo_record_to_json(const ddbxo_record *rec, size_t *len);
/* ---- dedup: sequence numbers, dedup keys, tokens (docs/format.md) ---- */
/* 1 if s is 1..40 decimal digits; numeric order of two (invalid first). */
DDBXO_API int ddbxo_seq_valid(const char *s);
DDBXO_API int ddbxo_seq_compare(const char *a, const char *b);
/* Dedup key v1: hex SHA-256 of the canonical (source table, Keys, padded
 * SequenceNumber); source_table NULL = eventSourceARN's (-1 if absent). */
DDBXO_API int ddbxo_dedup_key(const ddbxo_record *rec, const char *source_table,
                              char out[DDBXO_DEDUP_KEY_BUFSIZE], ddbxo_error *err);
/* A ClientRequestToken from n >= 1 dedup keys (same records, same token). */
DDBXO_API int ddbxo_client_request_token(const char *const *dedup_keys, size_t n,
                                         char out[DDBXO_TOKEN_BUFSIZE], ddbxo_error *err);
/* ---- client: region, endpoints, credentials, retries (docs/ddb.md) ---- */
/* Make a client once and share it; only ddbxo_client_free must not overlap
 * another call on it. */
typedef struct ddbxo_client ddbxo_client;
typedef struct ddbxo_credentials_provider ddbxo_credentials_provider; /* sys/creds.h */
/* Log levels (Python logging's numbers) and the log callback: one line without
 * credentials or item contents.  The library never prints. */
#define DDBXO_LOG_DEBUG 10
#define DDBXO_LOG_INFO  20
#define DDBXO_LOG_WARN  30
#define DDBXO_LOG_ERROR 40
typedef void (*ddbxo_log_fn)(void *ctx, int level, const char *msg);
#define DDBXO_RETRY_NO_QUOTA 0x1           /* no retry quota (token bucket) */
#define DDBXO_RETRY_IGNORE_RETRY_AFTER 0x2 /* ignore x-amz-retry-after */
/* Retries (docs/transport.md); zero fields take the defaults in [ ]. */
typedef struct ddbxo_retry_config {
    int max_attempts;                            /* with the first [4] */
    int64_t base_transient_ms, base_throttle_ms; /* backoff bases [25, 1000] */
    int64_t max_backoff_ms, retry_after_max_ms;  /* caps [20000, 5000] */
    unsigned quota_tokens, quota_retry_cost, quota_throttle_cost,
        quota_success_refund;                    /* quota [500, 14, 5, 1] */
    unsigned flags;                              /* DDBXO_RETRY_* */
    uint64_t jitter_seed;                        /* 0 = from the OS */
} ddbxo_retry_config;
/* Zeroed = region and credentials from the environment and files, endpoints
 * from AWS_ENDPOINT_URL_* / AWS_ENDPOINT_URL or regional. */
typedef struct ddbxo_client_config {
    const char *region;             /* NULL = environment or profile */
    const char *profile;            /* NULL = AWS_PROFILE, else "default" */
    const char *endpoint_dynamodb;  /* endpoint URLs; NULL = resolve */
    const char *endpoint_streams;
    const char *endpoint_sqs;
    int allow_insecure_http;        /* 1 = http:// to non-loopback hosts */
    int64_t connect_timeout_ms;     /* per attempt [2000] */
    int64_t attempt_timeout_ms;     /* whole attempt [10000] */
    int max_connections;            /* kept alive; batch concurrency [32] */
    size_t max_response_bytes;      /* larger responses fail [32 MiB] */
    const char *ca_file;            /* extra CA bundle; NULL = system */
    ddbxo_retry_config retry;
    ddbxo_credentials_provider *credentials; /* borrowed; NULL = default */
    ddbxo_log_fn log;               /* NULL = no logging */
    void *log_ctx;
    int log_level;                  /* least level passed on [INFO] */
    const char *role_arn;           /* assume this role (another account) */
    const char *external_id;        /* the role's ExternalId, or NULL */
} ddbxo_client_config;
/* Creates a client (cfg NULL = all defaults); DDBXO_E_CONFIG for no region or
 * credentials, a bad endpoint, or insecure http:// refused. */
DDBXO_API ddbxo_client *ddbxo_client_new(const ddbxo_client_config *cfg, ddbxo_error *err);
/* Frees the client (no call may be running on it); its region (borrowed). */
DDBXO_API void ddbxo_client_free(ddbxo_client *c);
DDBXO_API const char *ddbxo_client_region(const ddbxo_client *c);
/* ---- transform: the writes a record turns into (docs/transform.md) ---- */
/* The writes one record turns into (none = FILTERED), checked when added. */
typedef struct ddbxo_writes ddbxo_writes;
/* 100 actions per transaction minus the bookkeeping item; 4 MB of items. */
#define DDBXO_MAX_WRITES 99
#define DDBXO_MAX_TRANSACTION_BYTES (4u * 1024u * 1024u)
/* Adds one write; table NULL = the target table; JSON is DynamoDB JSON; an
 * update's names/values may be NULL.  -1 leaves w unchanged. */
DDBXO_API int ddbxo_writes_put(ddbxo_writes *w, const char *table, const char *item_json,
                               size_t item_len, ddbxo_error *err);
DDBXO_API int ddbxo_writes_update(ddbxo_writes *w, const char *table, const char *key_json,
                                  size_t key_len, const char *update_expression,
                                  const char *names_json, size_t names_len, const char *values_json,
                                  size_t values_len, ddbxo_error *err);
DDBXO_API int ddbxo_writes_delete(ddbxo_writes *w, const char *table, const char *key_json,
                                  size_t key_len, ddbxo_error *err);
/* Adds writes in the TransactItems shape ({"Put"|"Update"|"Delete":...}). */
DDBXO_API int ddbxo_writes_add_json(ddbxo_writes *w, const char *json, size_t len,
                                    ddbxo_error *err);
/* Number of writes added so far. */
DDBXO_API size_t ddbxo_writes_count(const ddbxo_writes *w);
/* Adds rec's writes to out; -1 fails the record for good.  Must not keep rec or
 * out. */
typedef int (*ddbxo_transform_fn)(void *ctx, const ddbxo_record *rec,
                                  ddbxo_writes *out, ddbxo_error *err);
/* A transform (opaque, immutable; shareable if its callback allows). */
typedef struct ddbxo_transform ddbxo_transform;
/* A transform that calls fn(ctx, ...). */
DDBXO_API ddbxo_transform *ddbxo_transform_new(ddbxo_transform_fn fn, void *ctx, ddbxo_error *err);
/* Identity: INSERT/MODIFY put NewImage, REMOVE deletes Keys. */
DDBXO_API ddbxo_transform *ddbxo_transform_identity(ddbxo_error *err);
/* The declarative JSON spec of docs/transform.md (err names a bad field). */
DDBXO_API ddbxo_transform *ddbxo_transform_spec(const char *json, size_t len, ddbxo_error *err);
/* "GROUP:SUM": per GROUP value an item counting and summing SUM (ledger or
 * tracker mode). */
DDBXO_API ddbxo_transform *ddbxo_transform_aggregate(const char *spec, ddbxo_error *err);
/* Frees a transform (no applier may still use it). */
DDBXO_API void ddbxo_transform_free(ddbxo_transform *t);
/* ---- apply: records, exactly-once effect (docs/exactly-once.md) ---- */
/* What happened to one record.  The numbers never change. */
typedef enum ddbxo_outcome {
    DDBXO_APPLIED = 1,          /* written now */
    DDBXO_DUPLICATE = 2,        /* this record was applied before */
    DDBXO_STALE = 3,            /* replicate: a newer version is stored */
    DDBXO_SUPERSEDED = 4,       /* source check: a newer source write exists */
    DDBXO_COALESCED = 5,        /* replicate: a later record covers it */
    DDBXO_FILTERED = 6,         /* the transform skipped it */
    DDBXO_PARKED = 7,           /* failed for good; sent to the park queue */
    DDBXO_FAILED_RETRYABLE = 8, /* not applied; a retry may succeed */
    DDBXO_FAILED_PERMANENT = 9  /* not applied; a retry will fail again */
} ddbxo_outcome;
#define DDBXO_OUTCOME_END 10    /* one past the largest outcome */
/* "APPLIED", "DUPLICATE", ... (static); "UNKNOWN" for other values. */
DDBXO_API const char *ddbxo_outcome_name(int outcome);
/* 1 for the FAILED_* outcomes: the record must be delivered again. */
DDBXO_API int ddbxo_outcome_failed(int outcome);
/* How records reach the target (docs/exactly-once.md §3). */
typedef enum ddbxo_mode {
    DDBXO_MODE_REPLICATE = 1,   /* conditional put guarded by _ddbxo_seq */
    DDBXO_MODE_LEDGER = 2,      /* transaction with a ledger item */
    DDBXO_MODE_TRACKER = 3      /* transaction with a per-shard tracker set */
} ddbxo_mode;
/* The mode's name (static); "unknown" for other values. */
DDBXO_API const char *ddbxo_mode_name(int mode);
/* Tombstones and ledger items outlive stream retention and redrives. */
#define DDBXO_DEFAULT_TOMBSTONE_TTL_S (48 * 3600)
#define DDBXO_DEFAULT_LEDGER_TTL_S (7 * 24 * 3600)
#define DDBXO_DEFAULT_TTL_ATTR "_ddbxo_exp"
/* Zeroed + target_table = replicate mode.  Strings are copied; transform is
 * borrowed and must outlive the applier. */
typedef struct ddbxo_apply_config {
    int mode;                        /* ddbxo_mode [REPLICATE] */
    const char *target_table;        /* required */
    const char *ledger_table;        /* ledger/tracker items: pk S, TTL exp */
    const char *source_table;        /* NULL = from eventSourceARN */
    const char *source_version_attr; /* source check on this attribute */
    const char *version_attr;        /* replicate: guard by it, not seq */
    const ddbxo_transform *transform;/* NULL = identity */
    int hard_delete;                 /* replicate: REMOVE deletes the item */
    int no_coalesce;                 /* replicate: apply every record */
    const char *ttl_attr;            /* [DDBXO_DEFAULT_TTL_ATTR] */
    int64_t tombstone_ttl_s;         /* [DDBXO_DEFAULT_TOMBSTONE_TTL_S] */
    int64_t ledger_ttl_s;            /* [DDBXO_DEFAULT_LEDGER_TTL_S] */
    const char *park_queue_url;      /* SQS queue for permanent failures */
    int max_inflight;                /* items at once [max_connections] */
} ddbxo_apply_config;
/* Per call (may be NULL). */
typedef struct ddbxo_apply_options {
    int64_t deadline_ms;             /* epoch ms to stop by (0 = none) */
    const char *shard_id;            /* the records' shard (NULL = unknown) */
} ddbxo_apply_options;
typedef struct ddbxo_applier ddbxo_applier; /* one thread at a time */
/* Checks cfg (DDBXO_E_CONFIG naming the field) and makes an applier. */
DDBXO_API ddbxo_applier *ddbxo_applier_new(ddbxo_client *c, const ddbxo_apply_config *cfg,
                                           ddbxo_error *err);
DDBXO_API void ddbxo_applier_free(ddbxo_applier *a);
/* Applies one record; its ddbxo_outcome goes to *outcome (may be NULL).  0 when
 * the record is done (APPLIED ... FILTERED; PARKED with err saying why), -1
 * with err when it failed (FAILED_*, as err->retryable says). */
DDBXO_API int ddbxo_transact_apply(ddbxo_applier *a, const ddbxo_record *rec,
                                   const ddbxo_apply_options *opt, int *outcome, ddbxo_error *err);
typedef struct ddbxo_batch_result ddbxo_batch_result;
/* Applies every record of ev: items concurrently, each item's records in order;
 * NULL only for bad arguments or no memory. */
DDBXO_API ddbxo_batch_result *ddbxo_process_batch(ddbxo_applier *a, const ddbxo_event *ev,
                                                  const ddbxo_apply_options *opt, ddbxo_error *err);
DDBXO_API void ddbxo_batch_result_free(ddbxo_batch_result *r);
/* Records, good and bad; record i's outcome and error (borrowed) or NULL. */
DDBXO_API size_t ddbxo_batch_result_count(const ddbxo_batch_result *r);
DDBXO_API int ddbxo_batch_result_outcome(const ddbxo_batch_result *r, size_t i);
DDBXO_API const ddbxo_error *ddbxo_batch_result_error(const ddbxo_batch_result *r, size_t i);
/* How many records had this outcome; how many failed (FAILED_*). */
DDBXO_API size_t ddbxo_batch_result_tally(const ddbxo_batch_result *r, int outcome);
DDBXO_API size_t ddbxo_batch_result_failed(const ddbxo_batch_result *r);
/* The Lambda partial batch response {"batchItemFailures":[...]} (borrowed). */
DDBXO_API const char *ddbxo_batch_result_response(const ddbxo_batch_result *r, size_t *len);
/* ---- runner: reads a stream and applies it (docs/runner.md) ---- */
typedef enum ddbxo_runner_from {  /* where a shard without checkpoint starts */
    DDBXO_FROM_TRIM_HORIZON = 0,  /* the oldest record the stream has */
    DDBXO_FROM_LATEST = 1         /* open shards from now on */
} ddbxo_runner_from;
#define DDBXO_RUNNER_MAX_BATCH_SIZE 1000   /* GetRecords' own limit */
#define DDBXO_RUNNER_MAX_CALL_FAILURES 20  /* in a row on a shard: -1 */
/* Receives a progress snapshot: one JSON object, no item data. */
typedef void (*ddbxo_runner_progress_fn)(void *ctx, const char *json, size_t len);
/* Zeroed + stream_arn or source_table is valid. */
typedef struct ddbxo_runner_config {
    const char *stream_arn;       /* the stream to read, or: */
    const char *source_table;     /* its table's LatestStreamArn */
    const char *checkpoint_table; /* pk S, TTL exp; NULL = none, no leases */
    int batch_size;               /* records per GetRecords [100] */
    int from;                     /* ddbxo_runner_from [TRIM_HORIZON] */
    int64_t until_idle_ms;        /* return when idle this long (0 = no) */
    uint64_t max_records;         /* return after this many (0 = no) */
    const char *owner;            /* lease owner id [host:pid:random] */
    int64_t lease_ms;             /* [30000] */
    int64_t poll_ms;              /* after an empty page [250] */
    int64_t describe_ms;          /* re-read the shards [10000] */
    int64_t retry_max_ms;         /* longest retry pause [5000] */
    ddbxo_runner_progress_fn progress; /* NULL = none */
    void *progress_ctx;
    int64_t progress_ms;          /* progress period [5000] */
    ddbxo_log_fn log;             /* warnings and events; NULL = none */
    void *log_ctx;
    const char *consumer;         /* pipeline name in checkpoints [target] */
} ddbxo_runner_config;
typedef struct ddbxo_runner ddbxo_runner;
/* Reads every shard in lineage order, with checkpoints and leases; checks
 * cfg now; c and a are borrowed and must outlive the runner. */
DDBXO_API ddbxo_runner *ddbxo_runner_new(ddbxo_client *c, ddbxo_applier *a,
                                         const ddbxo_runner_config *cfg, ddbxo_error *err);
DDBXO_API void ddbxo_runner_free(ddbxo_runner *r);
/* Runs until idle, max_records or stop, checkpoints, returns 0; failed records
 * are retried in order.  -1 when the stream cannot be read. */
DDBXO_API int ddbxo_runner_run(ddbxo_runner *r, ddbxo_error *err);
/* Asks run() to stop after the batch in flight; async-signal-safe. */
DDBXO_API void ddbxo_runner_stop(ddbxo_runner *r);
/* Every batch's summary so far, one JSON object (borrowed). */
DDBXO_API const char *ddbxo_runner_summary(ddbxo_runner *r, size_t *len);
/* The stream ARN read (borrowed); "" before run() found it. */
DDBXO_API const char *ddbxo_runner_stream_arn(const ddbxo_runner *r);
/* ---- lambda: the runtime loop and the stream handler (docs/lambda.md) ---- */
/* One invocation; strings borrowed for the handler call ("" if absent). */
typedef struct ddbxo_lambda_invocation {
    const char *event;            /* the event document (event_len bytes) */
    size_t event_len;
    const char *request_id;       /* Lambda-Runtime-Aws-Request-Id */
    int64_t deadline_ms;          /* epoch ms; 0 when absent */
    const char *function_arn, *trace_id, *client_context, *cognito_identity,
        *tenant_id;
} ddbxo_lambda_invocation;
/* 0 with *response (borrowed until the next call; NULL = empty), or -1. */
typedef int (*ddbxo_lambda_handler_fn)(void *ctx, const ddbxo_lambda_invocation *inv,
                                       const char **response, size_t *response_len,
                                       ddbxo_error *err);
/* Receives one complete line (no newline), e.g. EMF metrics. */
typedef void (*ddbxo_lambda_emit_fn)(void *ctx, const char *line, size_t len);
#define DDBXO_LAMBDA_MAX_CONCURRENCY 64 /* most concurrent invocations */
typedef struct ddbxo_lambda_config {    /* handler is required */
    ddbxo_lambda_handler_fn handler;
    void *ctx;                    /* passed to handler and init */
    int (*init)(void *ctx, ddbxo_error *err); /* before the first /next */
    int thread_safe;              /* 1 = AWS_LAMBDA_MAX_CONCURRENCY loops */
    const char *runtime_api;      /* NULL = AWS_LAMBDA_RUNTIME_API */
    ddbxo_log_fn log;             /* runtime events; NULL = none */
    void *log_ctx;
} ddbxo_lambda_config;
/* The Runtime API loop: /next -> handler -> /response or /error, forever; -1
 * with err only when it cannot go on. */
DDBXO_API int ddbxo_lambda_run(const ddbxo_lambda_config *cfg, ddbxo_error *err);
/* A ddbxo_log_fn writing Lambda log lines (text or JSON) to stdout. */
DDBXO_API void ddbxo_lambda_log(void *ctx, int level, const char *msg);
/* A ddbxo_lambda_emit_fn writing the line and a newline to stdout. */
DDBXO_API void ddbxo_lambda_stdout(void *ctx, const char *line, size_t len);
typedef struct ddbxo_lambda_stream_config { /* zeroed = the defaults */
    int64_t margin_ms;            /* stop new work this early [1000] */
    const char *metrics_namespace;/* EMF namespace ["ddbxo"] */
    ddbxo_lambda_emit_fn metrics; /* one EMF line per invocation */
    void *metrics_ctx;
    ddbxo_log_fn log;             /* one summary line per invocation */
    void *log_ctx;
} ddbxo_lambda_stream_config;
/* A DynamoDB stream handler: ddbxo_process_batch until the deadline minus the
 * margin, answering batchItemFailures. */
typedef struct ddbxo_lambda_stream ddbxo_lambda_stream;
/* Checks acfg now (DDBXO_E_CONFIG); c and acfg are borrowed. */
DDBXO_API ddbxo_lambda_stream *ddbxo_lambda_stream_new(
    ddbxo_client *c, const ddbxo_apply_config *acfg,
    const ddbxo_lambda_stream_config *scfg, ddbxo_error *err);
DDBXO_API void ddbxo_lambda_stream_free(ddbxo_lambda_stream *s);
/* The handler (ctx = the ddbxo_lambda_stream; thread-safe). */
DDBXO_API int ddbxo_lambda_stream_handle(void *ctx, const ddbxo_lambda_invocation *inv,
                                         const char **response, size_t *response_len,
                                         ddbxo_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_H */
