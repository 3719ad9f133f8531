/* Internal: error classes and the retry policy of the transport
 * (lib/transport/http_retry.c). */
#ifndef DDBXO_LIB_HTTP_RETRY_H
#define DDBXO_LIB_HTTP_RETRY_H

#include "transport/http_msg.h"

/* The defaults a zero ddbxo_retry_config field takes: the AWS "retries
 * 2.1" (2026) behaviour, DynamoDB profile.  Internal tunables: the public
 * header documents them as [defaults] of the fields. */
#define DDBXO_RETRY_DEFAULT_MAX_ATTEMPTS 4
#define DDBXO_RETRY_DEFAULT_BASE_TRANSIENT_MS 25
#define DDBXO_RETRY_DEFAULT_BASE_THROTTLE_MS 1000
#define DDBXO_RETRY_DEFAULT_MAX_BACKOFF_MS 20000
#define DDBXO_RETRY_DEFAULT_RETRY_AFTER_MAX_MS 5000
#define DDBXO_RETRY_DEFAULT_QUOTA_TOKENS 500
#define DDBXO_RETRY_DEFAULT_QUOTA_RETRY_COST 14
#define DDBXO_RETRY_DEFAULT_QUOTA_THROTTLE_COST 5
#define DDBXO_RETRY_DEFAULT_QUOTA_SUCCESS_REFUND 1

/* ------------------------------------------------------------------ */

/* The classifier used when a request has none: HTTP 429 is throttling,
 * any other 4xx final.  The code (from the x-amzn-ErrorType header, else
 * the body's JSON "__type") goes into err->aws_type and the message; what
 * a code means is the service layer's (ddbxo__retry_class_of_code,
 * lib/service/ddb_error.h). */
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

#endif
