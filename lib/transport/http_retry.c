/* Retry policy: error classes, full-jitter backoff, x-amz-retry-after
 * clamp, and the retry quota (token bucket) shared by one transport.
 * Numbers follow the AWS "retries 2.1" behaviour with the DynamoDB profile
 * (docs/aws-facts.md §1.5-1.6); docs/transport.md lists them. */
#include "transport/http_retry.h"
#include "util/error.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* classes                                                              */
/* ------------------------------------------------------------------ */

void ddbxo__aws_code(const char *type, size_t len, char *out, size_t outsz)
{
    const char *start = type, *end;
    size_t n;
    if (!outsz)
        return;
    out[0] = '\0';
    if (!type)
        return;
    end = memchr(type, ':', len);          /* "Code:http://internal..." */
    if (!end)
        end = type + len;
    for (const char *p = type; p < end; p++)
        if (*p == '#')
            start = p + 1;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    n = (size_t)(end - start);
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, start, n);
    out[n] = '\0';
}

/* Error bodies are small; a bigger one is not a DynamoDB error. */
#define CLASSIFY_MAX_BODY (64u * 1024u)

int ddbxo__http_classify_default(void *ctx, const ddbxo__http_resp *resp,
                                 ddbxo_error *err)
{
    char code[96] = "";
    (void)ctx;
    if (resp->error_type[0]) {
        ddbxo__aws_code(resp->error_type, strlen(resp->error_type), code,
                        sizeof code);
    } else if (resp->body_len && resp->body_len <= CLASSIFY_MAX_BODY) {
        json_t *j = json_loadb((const char *)resp->body, resp->body_len,
                               JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL,
                               NULL);
        json_t *t = json_is_object(j) ? json_object_get(j, "__type") : NULL;
        if (json_is_string(t))
            ddbxo__aws_code(json_string_value(t), json_string_length(t), code,
                            sizeof code);
        json_decref(j);
    }
    if (code[0] && err) {
        ddbxo__strlcpy(err->aws_type, code, sizeof err->aws_type);
        snprintf(err->message, sizeof err->message, "HTTP %ld %s",
                 resp->status, code);
    }
    /* Which AWS error codes mean "retry" is the service layer's
     * (lib/service/ddb_error.c): its requests carry their own classifier.
     * Without one, only the status speaks. */
    return resp->status == 429 ? DDBXO__RETRY_THROTTLE : DDBXO__RETRY_NEVER;
}

/* ------------------------------------------------------------------ */
/* backoff                                                              */
/* ------------------------------------------------------------------ */

void ddbxo__retry_config_resolve(ddbxo_retry_config *c)
{
#define DEF(f, v) if (!c->f) c->f = (v)
    DEF(max_attempts, DDBXO_RETRY_DEFAULT_MAX_ATTEMPTS);
    DEF(base_transient_ms, DDBXO_RETRY_DEFAULT_BASE_TRANSIENT_MS);
    DEF(base_throttle_ms, DDBXO_RETRY_DEFAULT_BASE_THROTTLE_MS);
    DEF(max_backoff_ms, DDBXO_RETRY_DEFAULT_MAX_BACKOFF_MS);
    DEF(retry_after_max_ms, DDBXO_RETRY_DEFAULT_RETRY_AFTER_MAX_MS);
    DEF(quota_tokens, DDBXO_RETRY_DEFAULT_QUOTA_TOKENS);
    DEF(quota_retry_cost, DDBXO_RETRY_DEFAULT_QUOTA_RETRY_COST);
    DEF(quota_throttle_cost, DDBXO_RETRY_DEFAULT_QUOTA_THROTTLE_COST);
    DEF(quota_success_refund, DDBXO_RETRY_DEFAULT_QUOTA_SUCCESS_REFUND);
#undef DEF
    if (c->max_attempts < 1)
        c->max_attempts = 1;
}

int64_t ddbxo__retry_backoff_ms(const ddbxo_retry_config *c, int cls,
                                int attempt, double r)
{
    int64_t base = cls == DDBXO__RETRY_THROTTLE ? c->base_throttle_ms
                                                : c->base_transient_ms;
    int64_t cap = c->max_backoff_ms, d = base;
    if (attempt < 1)
        attempt = 1;
    /* Double until the cap; stops early so the shift cannot overflow. */
    for (int i = 1; i < attempt && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    if (!(r >= 0.0))
        r = 0.0;
    if (r >= 1.0)
        r = 0.0;
    return (int64_t)(r * (double)d);   /* r >= 0: truncation = floor */
}

int64_t ddbxo__retry_after_clamp(const ddbxo_retry_config *c,
                                 int64_t computed, int64_t retry_after)
{
    int64_t hi = computed + (int64_t)c->retry_after_max_ms;
    if (retry_after < 0 || (c->flags & DDBXO_RETRY_IGNORE_RETRY_AFTER))
        return computed;
    if (retry_after < computed)
        return computed;
    return retry_after > hi ? hi : retry_after;
}

/* ------------------------------------------------------------------ */
/* jitter                                                               */
/* ------------------------------------------------------------------ */

void ddbxo__jitter_seed(ddbxo__jitter *j, uint64_t seed)
{
    j->s = seed;
}

double ddbxo__jitter_next(ddbxo__jitter *j)
{
    uint64_t z = (j->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------ */
/* policy: quota + jitter, shared by every call of a transport          */
/* ------------------------------------------------------------------ */

struct ddbxo__retry_policy {
    ddbxo_retry_config cfg;
    ddbxo__http_hooks hooks;
    pthread_mutex_t mu;
    int64_t tokens;
    ddbxo__jitter jit;
};

static uint64_t os_seed(void)
{
    uint64_t s = 0;
    struct timespec ts;
    /* The system call, not glibc's getrandom() (2.25+): the Python
     * wheel's library runs on glibc 2.17.  1 = GRND_NONBLOCK. */
    if (syscall(SYS_getrandom, &s, sizeof s, 1) == (long)sizeof s && s)
        return s;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&s;
}

ddbxo__retry_policy *ddbxo__retry_policy_new(const ddbxo_retry_config *cfg,
                                             const ddbxo__http_hooks *hooks)
{
    ddbxo__retry_policy *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (cfg)
        p->cfg = *cfg;
    ddbxo__retry_config_resolve(&p->cfg);
    if (hooks)
        p->hooks = *hooks;
    pthread_mutex_init(&p->mu, NULL);
    p->tokens = p->cfg.quota_tokens;
    ddbxo__jitter_seed(&p->jit, p->cfg.jitter_seed ? p->cfg.jitter_seed
                                                   : os_seed());
    return p;
}

void ddbxo__retry_policy_free(ddbxo__retry_policy *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int64_t ddbxo__retry_quota_tokens(ddbxo__retry_policy *p)
{
    int64_t t;
    pthread_mutex_lock(&p->mu);
    t = p->tokens;
    pthread_mutex_unlock(&p->mu);
    return t;
}

static double draw(ddbxo__retry_policy *p)
{
    double r;
    if (p->hooks.jitter)
        return p->hooks.jitter(p->hooks.ctx);
    pthread_mutex_lock(&p->mu);
    r = ddbxo__jitter_next(&p->jit);
    pthread_mutex_unlock(&p->mu);
    return r;
}

int ddbxo__retry_decide(ddbxo__retry_policy *p, ddbxo__retry_state *st,
                        int cls, int64_t retry_after_ms, int64_t now,
                        int64_t deadline, int64_t *delay_ms)
{
    const ddbxo_retry_config *c = &p->cfg;
    uint32_t cost;
    int64_t d;
    if (cls != DDBXO__RETRY_TRANSIENT && cls != DDBXO__RETRY_THROTTLE)
        return DDBXO__STOP_FINAL;
    if (st->attempts >= c->max_attempts)
        return DDBXO__STOP_ATTEMPTS;
    d = ddbxo__retry_backoff_ms(c, cls, st->attempts, draw(p));
    d = ddbxo__retry_after_clamp(c, d, retry_after_ms);
    /* Checked before taking tokens: a retry we will not make costs none. */
    if (deadline != INT64_MAX && (d >= deadline - now))
        return DDBXO__STOP_DEADLINE;
    cost = cls == DDBXO__RETRY_THROTTLE ? c->quota_throttle_cost
                                        : c->quota_retry_cost;
    if (!(c->flags & DDBXO_RETRY_NO_QUOTA)) {
        pthread_mutex_lock(&p->mu);
        if (p->tokens < (int64_t)cost) {
            pthread_mutex_unlock(&p->mu);
            return DDBXO__STOP_QUOTA;
        }
        p->tokens -= cost;
        pthread_mutex_unlock(&p->mu);
        st->last_cost = cost;
    }
    *delay_ms = d;
    return 0;
}

void ddbxo__retry_on_success(ddbxo__retry_policy *p,
                             const ddbxo__retry_state *st)
{
    const ddbxo_retry_config *c = &p->cfg;
    /* As botocore's standard mode: a first-try success earns the refund, a
     * success after retries gives back what the latest retry took. */
    int64_t refund = st->last_cost ? st->last_cost : c->quota_success_refund;
    if (c->flags & DDBXO_RETRY_NO_QUOTA)
        return;
    pthread_mutex_lock(&p->mu);
    p->tokens += refund;
    if (p->tokens > (int64_t)c->quota_tokens)
        p->tokens = c->quota_tokens;
    pthread_mutex_unlock(&p->mu);
}
