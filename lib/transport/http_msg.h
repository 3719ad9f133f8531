/* Internal: what one HTTP request and its response are
 * (lib/transport/http_msg.c): headers, the per-attempt callbacks, the
 * retry classes, the transport's configuration and test hooks, and the
 * URL rule.  Below the transport (http.c), its attempts (http_pool.c) and
 * its retry policy (http_retry.c), which all speak in these terms. */
#ifndef DDBXO_LIB_HTTP_MSG_H
#define DDBXO_LIB_HTTP_MSG_H

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

/* Checks scheme and the plain-http-only-on-loopback rule; sets *loopback. */
int ddbxo__http_check_url(const ddbxo__http_config *cfg, const char *url,
                          int *loopback, ddbxo_error *err);

#endif
