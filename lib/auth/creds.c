/* lib/auth/: who we are to AWS.  Owns SigV4 signing (sigv4*), the shared
 * config and profile files and the environment readers (config,
 * creds_file, env), every credentials provider (environment, profile,
 * process, container, IMDS, web identity / assume role through STS) with
 * their own small HTTP client (creds_http), the caching provider (this
 * file) and the default chain (creds_chain).  It may call util/ only. */

/* Credential snapshots and the thread-safe provider: caching and refresh
 * before expiry.  The default chain is lib/auth/creds_chain.c. */
#include "auth/creds.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/error.h"
#include "util/buf.h"

/* After a failed refresh of still-usable credentials, wait this long before
 * trying again, so a down endpoint does not cost every call a timeout. */
#define DDBXO__CREDS_RETRY_SECONDS 15

struct ddbxo_credentials_provider {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* signalled when a refresh ends */
    int refreshing;             /* one thread fetches; others wait or reuse */
    int have;                   /* cached is set */
    int force;                  /* invalidated: refresh before next use */
    ddbxo_credentials cached;
    int64_t retry_after;        /* no advisory refresh before this */
    unsigned long fetches;
    unsigned long gen;          /* refreshes finished, good or bad */
    int last_rc;                /* result of the last refresh */
    int warn;                   /* 1: a refresh failed, old creds served,
                                   not yet reported; 2: reported (until a
                                   refresh succeeds) */
    ddbxo_error warn_err;
    ddbxo_error last_err;       /* its error: waiters share it */
    const ddbxo__creds_source *src; /* NULL: fixed credentials */
    void *state;
    ddbxo__clock_fn now;
    void *now_ctx;
};

/* ---- snapshots ---------------------------------------------------- */

static void wipe_str(char **s)
{
    ddbxo__str_wipe_free(*s);
    *s = NULL;
}

DDBXO_API void ddbxo_credentials_clear(ddbxo_credentials *c)
{
    if (!c)
        return;
    wipe_str(&c->access_key_id);
    wipe_str(&c->secret_access_key);
    wipe_str(&c->session_token);
    memset(c, 0, sizeof *c);
}

int ddbxo__creds_set(ddbxo_credentials *c, const char *ak, const char *sk,
                     const char *tok, int64_t expiration, const char *source,
                     ddbxo_error *err)
{
    memset(c, 0, sizeof *c);
    c->access_key_id = strdup(ak ? ak : "");
    c->secret_access_key = strdup(sk ? sk : "");
    if (tok && *tok)
        c->session_token = strdup(tok);
    if (!c->access_key_id || !c->secret_access_key
        || (tok && *tok && !c->session_token)) {
        ddbxo_credentials_clear(c);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory copying credentials");
    }
    c->expiration = expiration;
    c->source = source;
    return 0;
}

int ddbxo__creds_copy(ddbxo_credentials *dst, const ddbxo_credentials *src,
                      ddbxo_error *err)
{
    return ddbxo__creds_set(dst, src->access_key_id, src->secret_access_key,
                            src->session_token, src->expiration, src->source,
                            err);
}

int ddbxo__creds_token_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* ---- clock and dates ---------------------------------------------- */

int64_t ddbxo__now_wall(void *ctx)
{
    (void)ctx;
    return ddbxo__wall_ms() / 1000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ddbxo__parse_iso8601(const char *s, int64_t *out)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    const char *p;
    if (!s || strlen(s) < 20)
        return -1;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-'
        || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't')
        || digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi)
        || s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59
        || sec > 60)
        return -1;
    p = s + 19;
    if (*p == '.') {            /* fractional seconds: ignored */
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om)
            || oh > 23 || om > 59)
            return -1;
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60
           + (sec > 59 ? 59 : sec) - sign * (oh * 3600 + om * 60);
    return 0;
}

/* ---- provider ----------------------------------------------------- */

static ddbxo_credentials_provider *provider_alloc(const ddbxo__creds_opts *o,
                                                  ddbxo_error *err)
{
    ddbxo_credentials_provider *p = calloc(1, sizeof *p);
    if (!p) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->now = o && o->now ? o->now : ddbxo__now_wall;
    p->now_ctx = o ? o->now_ctx : NULL;
    return p;
}

ddbxo_credentials_provider *
ddbxo__creds_provider_new(const ddbxo__creds_source *src, void *state,
                          const ddbxo__creds_opts *o, ddbxo_error *err)
{
    ddbxo_credentials_provider *p = provider_alloc(o, err);
    if (!p) {
        src->free(state);
        return NULL;
    }
    p->src = src;
    p->state = state;
    return p;
}

ddbxo_credentials_provider *ddbxo__creds_provider_fixed(ddbxo_credentials *c,
                                                        ddbxo_error *err)
{
    ddbxo_credentials_provider *p = provider_alloc(NULL, err);
    if (!p) {
        ddbxo_credentials_clear(c);
        return NULL;
    }
    p->cached = *c;
    p->have = 1;
    memset(c, 0, sizeof *c);
    return p;
}

DDBXO_API ddbxo_credentials_provider *
ddbxo_credentials_provider_static(const char *access_key_id,
                                  const char *secret_access_key,
                                  const char *session_token, ddbxo_error *err)
{
    ddbxo_credentials c;
    if (!ddbxo__creds_token_ok(access_key_id))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "static credentials: access key id is missing or "
                          "has spaces/control characters"), NULL;
    if (!ddbxo__creds_token_ok(secret_access_key))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "static credentials: secret access key is missing or "
                          "has spaces/control characters"), NULL;
    if (session_token && *session_token && !ddbxo__creds_token_ok(session_token))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "static credentials: session token has "
                          "spaces/control characters"), NULL;
    if (ddbxo__creds_set(&c, access_key_id, secret_access_key, session_token,
                         0, "static", err) < 0)
        return NULL;
    return ddbxo__creds_provider_fixed(&c, err);
}

/* Usable: not expired, allowing for clock skew and time in flight. */
static int usable(const ddbxo_credentials *c, int64_t now)
{
    return c->expiration == 0 || now + DDBXO_CREDS_EXPIRY_SKEW_SECONDS < c->expiration;
}

static int fresh(const ddbxo_credentials *c, int64_t now)
{
    return c->expiration == 0 || now + DDBXO_CREDS_REFRESH_SECONDS < c->expiration;
}

DDBXO_API int ddbxo_credentials_get(ddbxo_credentials_provider *p,
                                    ddbxo_credentials *out, ddbxo_error *err)
{
    ddbxo_credentials fetched;
    ddbxo_error ferr;
    int64_t now;
    unsigned long waited_gen = 0;
    int waited = 0, rc;

    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "credentials: out is NULL");
    memset(out, 0, sizeof *out);
    if (!p)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "credentials: provider is NULL");

    pthread_mutex_lock(&p->mu);
    for (;;) {
        now = p->now(p->now_ctx);
        if (p->have && !p->force
            && (!p->src || fresh(&p->cached, now)
                || (now < p->retry_after && usable(&p->cached, now)))) {
            rc = ddbxo__creds_copy(out, &p->cached, err);
            pthread_mutex_unlock(&p->mu);
            return rc;
        }
        /* A refresh we waited for failed: share its error rather than have
         * every waiting thread pay another timeout in turn. */
        if (waited && p->gen != waited_gen && p->last_rc != 0) {
            ddbxo__err_copy(err, &p->last_err);
            pthread_mutex_unlock(&p->mu);
            return -1;
        }
        if (!p->refreshing)
            break;
        /* Someone is fetching: old credentials that still work are as good
         * as waiting for the new ones. */
        if (p->have && !p->force && usable(&p->cached, now)) {
            rc = ddbxo__creds_copy(out, &p->cached, err);
            pthread_mutex_unlock(&p->mu);
            return rc;
        }
        if (!waited) {
            waited = 1;
            waited_gen = p->gen;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
    p->refreshing = 1;
    pthread_mutex_unlock(&p->mu);

    /* The fetch may take seconds (HTTP): never under the lock. */
    memset(&fetched, 0, sizeof fetched);
    ddbxo_error_clear(&ferr);
    rc = p->src->fetch(p->state, &fetched, &ferr);

    pthread_mutex_lock(&p->mu);
    p->refreshing = 0;
    now = p->now(p->now_ctx);
    if (rc == 0 && !usable(&fetched, now)) {
        ddbxo_credentials_clear(&fetched);
        ddbxo__err(&ferr, DDBXO_E_CONFIG, NULL,
                   "%s credentials: the endpoint returned credentials that "
                   "are already expired (check the clock)", p->src->name);
        rc = -1;
    }
    if (rc == 0) {
        ddbxo_credentials_clear(&p->cached);
        p->cached = fetched;
        p->have = 1;
        p->force = 0;
        p->retry_after = 0;
        __atomic_store_n(&p->warn, 0, __ATOMIC_RELEASE);
        p->fetches++;
        rc = ddbxo__creds_copy(out, &p->cached, err);
    } else if (p->have && !p->force && usable(&p->cached, now)) {
        /* Keep serving what still works; try again a little later. */
        p->retry_after = now + DDBXO__CREDS_RETRY_SECONDS;
        if (p->warn == 0) {
            p->warn_err = ferr;
            __atomic_store_n(&p->warn, 1, __ATOMIC_RELEASE);
        }
        rc = ddbxo__creds_copy(out, &p->cached, err);
    } else {
        ddbxo__err_copy(err, &ferr);
        rc = -1;
    }
    p->gen++;
    p->last_rc = rc;
    p->last_err = ferr;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

DDBXO_API void ddbxo_credentials_provider_invalidate(ddbxo_credentials_provider *p)
{
    if (!p || !p->src)
        return;
    pthread_mutex_lock(&p->mu);
    p->force = 1;
    pthread_mutex_unlock(&p->mu);
}

int ddbxo__creds_provider_warning(ddbxo_credentials_provider *p,
                                  ddbxo_error *err, int64_t *expiration)
{
    int rc = 0;
    if (!p || !p->src)
        return 0;
    /* Called before every signature: the lock only when there is news. */
    if (__atomic_load_n(&p->warn, __ATOMIC_ACQUIRE) != 1)
        return 0;
    pthread_mutex_lock(&p->mu);
    if (p->warn == 1) {
        __atomic_store_n(&p->warn, 2, __ATOMIC_RELEASE);
        ddbxo__err_copy(err, &p->warn_err);
        if (expiration)
            *expiration = p->cached.expiration;
        rc = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

unsigned long ddbxo__creds_provider_fetches(ddbxo_credentials_provider *p)
{
    unsigned long n;
    pthread_mutex_lock(&p->mu);
    n = p->fetches;
    pthread_mutex_unlock(&p->mu);
    return n;
}

DDBXO_API void ddbxo_credentials_provider_free(ddbxo_credentials_provider *p)
{
    if (!p)
        return;
    ddbxo_credentials_clear(&p->cached);
    if (p->src)
        p->src->free(p->state);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
