/* Internal: the HTTP transport (libcurl) below the ddb layer.
 *
 * What it does: sends one request (method, URL, headers, body) and returns
 * the response (status, a few headers, raw body), retrying transient and
 * throttling failures with the DynamoDB "retries 2.1" policy, verifying
 * x-amz-crc32, and reporting whether a failed call may have been applied
 * (ddbxo_error.ambiguous).  It knows nothing of SigV4 or of DynamoDB JSON:
 * a request carries a `prepare` callback that signs each attempt afresh and
 * an optional `classify` callback that reads 4xx bodies.
 *
 * Thread safety: one ddbxo__http transport may be shared by any number of
 * threads.  ddbxo__http_call() takes its own curl easy handle from a
 * mutex-protected pool for the whole call; the retry quota, the jitter
 * generator and the statistics are mutex-protected.  A ddbxo__http_req /
 * ddbxo__http_resp pair belongs to one call at a time.  A ddbxo__http_multi
 * is driven by one thread at a time (its callbacks run on that thread);
 * several threads may each drive their own multi on one transport.  Hooks
 * (sleep, jitter, clocks) must be thread-safe when the transport is shared.
 * Call ddbxo__http_new() once before starting threads if your libcurl lacks
 * CURL_VERSION_THREADSAFE (curl_global_init runs there, once).
 *
 * Deadlines: absolute CLOCK_REALTIME epoch milliseconds (the unit of
 * Lambda-Runtime-Deadline-Ms), 0 = none.  Each call converts its deadline
 * to the monotonic clock once at its start, so a wall-clock step during the
 * call neither stretches nor shortens it.  See docs/transport.md.
 */
#ifndef DDBXO_LIB_HTTP_H
#define DDBXO_LIB_HTTP_H

#include "ddbxo.h"

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Requests and responses                                               */
/* ------------------------------------------------------------------ */

typedef struct ddbxo__http_hdr {
    char *name;                 /* owned */
    char *value;                /* owned; wiped on free (tokens) */
} ddbxo__http_hdr;

typedef struct ddbxo__http_req ddbxo__http_req;
typedef struct ddbxo__http_resp ddbxo__http_resp;

/* Retry class of one failed attempt. */
typedef enum ddbxo__retry_class {
    DDBXO__RETRY_NEVER = 0,     /* final: return to the caller as is */
    DDBXO__RETRY_TRANSIENT,     /* 5xx, connection, timeout, CRC, truncation */
    DDBXO__RETRY_THROTTLE       /* throttling: longer base, cheaper quota */
} ddbxo__retry_class;

/* Called before every attempt (req->attempt is 1, 2, ...).  Sets the
 * per-attempt headers, e.g. X-Amz-Date and Authorization, with
 * ddbxo__http_req_set_header (which replaces the previous attempt's).
 * Returns 0, or -1 with err filled: the call then fails with that error,
 * without retrying. */
typedef int (*ddbxo__http_prepare_fn)(void *ctx, ddbxo__http_req *req,
                                      ddbxo_error *err);

/* Called for a complete, CRC-valid response whose status is neither 2xx
 * nor 5xx (in practice 4xx).  err arrives filled by the transport (code
 * DDBXO_E_AWS, http_status, request_id, aws_type from x-amzn-ErrorType,
 * a message); the classifier may refine aws_type/message from the body.
 * Returns a ddbxo__retry_class. */
typedef int (*ddbxo__http_classify_fn)(void *ctx, const ddbxo__http_resp *resp,
                                       ddbxo_error *err);

struct ddbxo__http_req {
    const char *method;          /* "POST", "GET", ...; borrowed */
    const char *url;             /* borrowed, http:// or https:// */
    const void *body;            /* borrowed; may be NULL when body_len 0 */
    size_t body_len;
    int64_t deadline_ms;         /* CLOCK_REALTIME epoch ms; 0 = none */
    ddbxo__http_prepare_fn prepare;    /* NULL = no per-attempt step */
    void *prepare_ctx;
    ddbxo__http_classify_fn classify;  /* NULL = ddbxo__http_classify_default */
    void *classify_ctx;
    int attempt;                 /* set by the transport before prepare */
    ddbxo__http_hdr *hdrs;       /* owned; use the functions below */
    size_t nhdrs, hdrs_cap;
};

struct ddbxo__http_resp {
    long status;                 /* 0 when no complete response arrived */
    unsigned char *body;         /* owned, NUL-terminated (not counted) */
    size_t body_len;
    char request_id[96];         /* x-amzn-RequestId */
    char content_type[128];
    char error_type[128];        /* x-amzn-ErrorType as sent */
    int has_crc32;               /* x-amz-crc32 was present ... */
    uint32_t crc32;              /* ... with this value (verified) */
    int64_t retry_after_ms;      /* x-amz-retry-after, -1 if absent/bad */
    int attempts;                /* attempts made by the call */
    int64_t slept_ms;            /* total backoff slept by the call */
    int ambiguous;               /* some attempt may have been applied
                                    (set on success too, e.g. after a
                                    lost response was retried) */
};

/* Zeroes a request (no allocation). */
void ddbxo__http_req_init(ddbxo__http_req *req);
/* Frees the header list (values wiped); the borrowed fields are left. */
void ddbxo__http_req_free(ddbxo__http_req *req);
/* Adds or replaces (case-insensitive name) a header; value NULL removes
 * it.  Refuses names that are not HTTP tokens and values with CR, LF or
 * NUL (header injection): -1 with DDBXO_E_INVALID. */
int ddbxo__http_req_set_header(ddbxo__http_req *req, const char *name,
                               const char *value, ddbxo_error *err);
/* Borrowed value of a header, or NULL. */
const char *ddbxo__http_req_header(const ddbxo__http_req *req,
                                   const char *name);

void ddbxo__http_resp_init(ddbxo__http_resp *resp);
/* Frees the body and re-initialises; accepts NULL. */
void ddbxo__http_resp_free(ddbxo__http_resp *resp);

/* ------------------------------------------------------------------ */
/* Transport                                                            */
/* ------------------------------------------------------------------ */

/* Test seams.  Every NULL member means the real thing. */
typedef struct ddbxo__http_hooks {
    double (*jitter)(void *ctx);             /* [0,1); NULL = seeded PRNG */
    void (*sleep_ms)(void *ctx, int64_t ms); /* NULL = ddbxo__sleep_ms */
    int64_t (*mono_ms)(void *ctx);           /* NULL = ddbxo__now_ms */
    int64_t (*wall_ms)(void *ctx);           /* NULL = ddbxo__wall_ms */
    void *ctx;
} ddbxo__http_hooks;

/* Zero in a numeric field means the default in brackets. */
typedef struct ddbxo__http_config {
    long connect_timeout_ms;     /* TCP + TLS connect per attempt [2000] */
    long attempt_timeout_ms;     /* whole attempt [10000] */
    size_t max_response_bytes;   /* larger bodies fail, DDBXO_E_LIMIT [32 MiB] */
    int pool_max_idle;           /* idle easy handles kept [64] */
    int allow_plain_http;        /* http:// to a non-loopback host [0] */
    const char *ca_file;         /* extra CA bundle (copied); NULL = system.
                                    Peers are always verified. */
    ddbxo_retry_config retry;
    ddbxo__http_hooks hooks;
} ddbxo__http_config;

#define DDBXO__HTTP_DEFAULT_CONNECT_TIMEOUT_MS 2000
#define DDBXO__HTTP_DEFAULT_ATTEMPT_TIMEOUT_MS 10000
#define DDBXO__HTTP_DEFAULT_MAX_RESPONSE_BYTES (32u * 1024u * 1024u)
#define DDBXO__HTTP_DEFAULT_POOL_MAX_IDLE 64

typedef struct ddbxo__http ddbxo__http;

/* Counters since ddbxo__http_new (monotonic, for tests and benchmarks). */
typedef struct ddbxo__http_stats {
    uint64_t calls;              /* ddbxo__http_call + multi submissions */
    uint64_t attempts;           /* HTTP attempts started */
    uint64_t retries;            /* attempts after the first */
    uint64_t resends;            /* libcurl's own re-sends (see transport.md) */
    uint64_t connects;           /* new connections (CURLINFO_NUM_CONNECTS) */
    uint64_t throttled;          /* attempts classified as throttling */
    uint64_t quota_refused;      /* retries refused by an empty quota */
    int64_t quota_tokens;        /* tokens in the retry quota now */
} ddbxo__http_stats;

/* New transport; cfg may be NULL (all defaults).  Free with _free. */
ddbxo__http *ddbxo__http_new(const ddbxo__http_config *cfg, ddbxo_error *err);
/* Closes every pooled connection.  No call or multi may be running. */
void ddbxo__http_free(ddbxo__http *h);

void ddbxo__http_stats_get(ddbxo__http *h, ddbxo__http_stats *out);

/* One request, with retries.  resp is reset first, then holds the last
 * attempt's response.  Returns 0 for a 2xx response.  Otherwise -1 and err:
 *  - DDBXO_E_AWS: a non-2xx response (resp has status, headers and body,
 *    so the ddb layer can read details); retryable 1 if it was a retryable
 *    class and retries ran out (attempts or quota);
 *  - DDBXO_E_HTTP: transport failure, CRC mismatch, truncated body;
 *  - DDBXO_E_TIMEOUT: req->deadline_ms passed or would pass before the
 *    next attempt could start;
 *  - DDBXO_E_LIMIT (body too large), _CONFIG (URL/TLS), _INVALID, _NOMEM,
 *    or whatever prepare reported.
 * err->ambiguous is 1 when any attempt may have been applied. */
int ddbxo__http_call(ddbxo__http *h, ddbxo__http_req *req,
                     ddbxo__http_resp *resp, ddbxo_error *err);

/* ------------------------------------------------------------------ */
/* Multi: many requests at once over a bounded set of connections       */
/* ------------------------------------------------------------------ */

typedef struct ddbxo__http_multi ddbxo__http_multi;

/* Completion of a submitted request: rc and err as ddbxo__http_call would
 * return them (err is NULL when rc == 0).  Runs on the thread inside
 * ddbxo__http_multi_run; it may submit more requests (e.g. the next record
 * of the same item) and may free req/resp: the multi no longer uses them. */
typedef void (*ddbxo__http_done_fn)(void *ctx, ddbxo__http_multi *m,
                                    ddbxo__http_req *req,
                                    ddbxo__http_resp *resp, int rc,
                                    const ddbxo_error *err);

/* A runner with at most max_conns transfers (and connections) at once.
 * Its connections stay open across runs: keep one multi per worker
 * thread for the life of the process and steady state opens none. */
ddbxo__http_multi *ddbxo__http_multi_new(ddbxo__http *h, int max_conns,
                                         ddbxo_error *err);
/* Completes nothing; pending requests are dropped without callbacks.
 * Accepts NULL. */
void ddbxo__http_multi_free(ddbxo__http_multi *m);
/* Queues req (req and resp must stay valid until done is called).
 * Nothing is sent until ddbxo__http_multi_run.  -1 only on bad arguments
 * or no memory (done is then not called). */
int ddbxo__http_multi_submit(ddbxo__http_multi *m, ddbxo__http_req *req,
                             ddbxo__http_resp *resp, ddbxo__http_done_fn done,
                             void *ctx, ddbxo_error *err);
/* Runs until no request is pending.  At deadline_ms (epoch ms, 0 = none)
 * every unfinished request completes with DDBXO_E_TIMEOUT, so it always
 * returns with nothing pending.  Returns 0, or -1 (err) on a libcurl multi
 * failure, after completing every pending request with that error. */
int ddbxo__http_multi_run(ddbxo__http_multi *m, int64_t deadline_ms,
                          ddbxo_error *err);
/* Requests submitted and not yet completed. */
size_t ddbxo__http_multi_pending(const ddbxo__http_multi *m);

/* ------------------------------------------------------------------ */
/* Classification and retry policy (lib/transport/http_retry.c)                   */
/* ------------------------------------------------------------------ */

/* The classifier used when a request has none: HTTP 429 is throttling,
 * any other 4xx final.  The code (from the x-amzn-ErrorType header, else
 * the body's JSON "__type") goes into err->aws_type and the message; what
 * a code means is the service layer's (ddbxo__retry_class_of_code,
 * lib/service/ddb.h). */
int ddbxo__http_classify_default(void *ctx, const ddbxo__http_resp *resp,
                                 ddbxo_error *err);
/* Copies the code part of an AWS type ("ns#Code:uri" -> "Code"). */
void ddbxo__aws_code(const char *type, size_t len, char *out, size_t outsz);

/* Fills every zero field of *c with its default. */
void ddbxo__retry_config_resolve(ddbxo_retry_config *c);
/* Full-jitter backoff before attempt `attempt`+1 after a failure of class
 * cls on attempt `attempt` (1-based): r * min(base * 2^(attempt-1), max). */
int64_t ddbxo__retry_backoff_ms(const ddbxo_retry_config *c, int cls,
                                int attempt, double r);
/* x-amz-retry-after clamped to [computed, computed + retry_after_max_ms];
 * retry_after < 0 (absent) or the IGNORE flag -> computed. */
int64_t ddbxo__retry_after_clamp(const ddbxo_retry_config *c,
                                 int64_t computed, int64_t retry_after);

/* splitmix64: reproducible jitter for a given seed. */
typedef struct ddbxo__jitter {
    uint64_t s;
} ddbxo__jitter;
void ddbxo__jitter_seed(ddbxo__jitter *j, uint64_t seed);
double ddbxo__jitter_next(ddbxo__jitter *j);  /* [0,1), 53 bits */

/* Shared, mutex-protected policy state of one transport. */
typedef struct ddbxo__retry_policy ddbxo__retry_policy;

ddbxo__retry_policy *ddbxo__retry_policy_new(const ddbxo_retry_config *cfg,
                                             const ddbxo__http_hooks *hooks);
void ddbxo__retry_policy_free(ddbxo__retry_policy *p);
int64_t ddbxo__retry_quota_tokens(ddbxo__retry_policy *p);

/* Per-call retry bookkeeping. */
typedef struct ddbxo__retry_state {
    int attempts;                /* attempts finished */
    uint32_t last_cost;          /* quota tokens taken by the latest retry */
    int ambiguous;               /* OR over the attempts */
} ddbxo__retry_state;

/* Why a failed attempt is not retried. */
enum {
    DDBXO__STOP_FINAL = 1,       /* class NEVER */
    DDBXO__STOP_ATTEMPTS,        /* max_attempts reached */
    DDBXO__STOP_QUOTA,           /* the retry quota is empty */
    DDBXO__STOP_DEADLINE         /* the backoff would end past the deadline */
};

/* After failed attempt st->attempts of class cls: returns 0 and *delay_ms
 * (tokens taken) to retry, or a DDBXO__STOP_* reason.  now/deadline are
 * monotonic ms (deadline INT64_MAX = none); retry_after_ms < 0 = absent. */
int ddbxo__retry_decide(ddbxo__retry_policy *p, ddbxo__retry_state *st,
                        int cls, int64_t retry_after_ms, int64_t now,
                        int64_t deadline, int64_t *delay_ms);
/* After a successful attempt: refunds the quota (1, or the last cost). */
void ddbxo__retry_on_success(ddbxo__retry_policy *p,
                             const ddbxo__retry_state *st);

/* ------------------------------------------------------------------ */
/* Private to lib/http*.c: one curl easy handle and its attempt.        */
/* ------------------------------------------------------------------ */

typedef struct ddbxo__http_easy ddbxo__http_easy;

/* Result of one attempt. */
typedef struct ddbxo__http_outcome {
    int ok;                      /* 2xx, CRC fine */
    int cls;                     /* ddbxo__retry_class when !ok */
    int ambiguous;               /* this attempt may have been applied */
    int timed_out;               /* libcurl's timeout fired */
    int resent;                  /* libcurl re-sent it on a new connection */
    ddbxo_error err;             /* filled when !ok */
} ddbxo__http_outcome;

typedef struct ddbxo__http_pool ddbxo__http_pool;

/* The transport's internals the easy-handle code needs. */
typedef struct ddbxo__http_env {
    ddbxo__http_config cfg;      /* resolved; ca_file points into h */
    void *share;                 /* CURLSH * (DNS + TLS session cache) */
    ddbxo__http_pool *pool;
} ddbxo__http_env;

const ddbxo__http_env *ddbxo__http_env_of(const ddbxo__http *h);
void ddbxo__http_count_connects(ddbxo__http *h, long n);

/* Pool of idle easy handles (lib/transport/http_pool.c); each keeps its own
 * connection cache, so a handle taken again reuses its connection. */
ddbxo__http_pool *ddbxo__http_pool_new(int max_idle);
void ddbxo__http_pool_free(ddbxo__http_pool *p);  /* closes idle handles */
/* An idle handle, or a new one; NULL (err) on no memory. */
ddbxo__http_easy *ddbxo__http_pool_take(ddbxo__http *h, ddbxo_error *err);
/* Back to the free list (or closed when the list is full). */
void ddbxo__http_pool_give(ddbxo__http *h, ddbxo__http_easy *e);
ddbxo__http_easy *ddbxo__http_easy_new(ddbxo__http *h, ddbxo_error *err);
void ddbxo__http_easy_free(ddbxo__http_easy *e);
void *ddbxo__http_easy_curl(ddbxo__http_easy *e);      /* CURL * */
void ddbxo__http_easy_set_owner(ddbxo__http_easy *e, void *owner);
void *ddbxo__http_easy_owner(ddbxo__http_easy *e);
/* Prepares the handle for one attempt of req with the given timeouts. */
int ddbxo__http_easy_setup(ddbxo__http *h, ddbxo__http_easy *e,
                           const ddbxo__http_req *req, int64_t timeout_ms,
                           int64_t connect_ms, ddbxo_error *err);
/* Evaluates the finished attempt (curl_code is its CURLcode): moves the
 * response into resp and classifies it into *out. */
void ddbxo__http_easy_finish(ddbxo__http *h, ddbxo__http_easy *e,
                             int curl_code, const ddbxo__http_req *req,
                             ddbxo__http_resp *resp, ddbxo__http_outcome *out);
/* Whether the whole request has left this handle (ambiguity rule). */
int ddbxo__http_easy_fully_sent(ddbxo__http_easy *e,
                                const ddbxo__http_req *req);

/* Checks scheme and the plain-http-only-on-loopback rule; sets *loopback. */
int ddbxo__http_check_url(const ddbxo__http_config *cfg, const char *url,
                          int *loopback, ddbxo_error *err);

#endif
