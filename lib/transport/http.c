/* lib/transport/: HTTP to AWS endpoints.  Owns requests, responses and
 * the URL rule (http_msg), the libcurl transport (this file), the pool of
 * easy handles and one attempt's outcome (http_pool), and the retry
 * policy: backoff, jitter, the retry quota (http_retry).  It knows status
 * codes and headers, not what an AWS error code means (service/ does).
 * It may call util/ only. */

/* The transport: lifecycle, request/response helpers, URL rules, and the
 * two ways to send: ddbxo__http_call (one request, this thread, with
 * retries) and the multi runner (many requests over bounded connections).
 * Both share the attempt code in http_pool.c and the policy in
 * http_retry.c. */
#include "transport/http.h"
#include "util/clock.h"
#include "util/curl_global.h"
#include "util/error.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct ddbxo__http {
    ddbxo__http_env env;
    char *ca_file;
    ddbxo__retry_policy *policy;
    pthread_mutex_t mu;                  /* stats */
    ddbxo__http_stats st;
    pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
};

/* ------------------------------------------------------------------ */
/* transport                                                            */
/* ------------------------------------------------------------------ */

static void share_lock(CURL *c, curl_lock_data d, curl_lock_access a, void *ud)
{
    ddbxo__http *h = ud;
    (void)c;
    (void)a;
    pthread_mutex_lock(&h->share_mu[d]);
}

static void share_unlock(CURL *c, curl_lock_data d, void *ud)
{
    ddbxo__http *h = ud;
    (void)c;
    pthread_mutex_unlock(&h->share_mu[d]);
}

ddbxo__http *ddbxo__http_new(const ddbxo__http_config *cfg, ddbxo_error *err)
{
    ddbxo__http *h;
    ddbxo__http_config *c;
    CURLSH *sh;

    CURLcode grc = ddbxo__curl_global_init();
    if (grc != CURLE_OK) {
        ddbxo__err(err, DDBXO_E_INTERNAL, NULL, "curl_global_init: %s",
                   curl_easy_strerror(grc));
        return NULL;
    }
    if (!(h = calloc(1, sizeof *h)))
        goto oom;
    c = &h->env.cfg;
    if (cfg)
        *c = *cfg;
    if (!c->connect_timeout_ms)
        c->connect_timeout_ms = DDBXO__HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    if (!c->attempt_timeout_ms)
        c->attempt_timeout_ms = DDBXO__HTTP_DEFAULT_ATTEMPT_TIMEOUT_MS;
    if (!c->max_response_bytes)
        c->max_response_bytes = DDBXO__HTTP_DEFAULT_MAX_RESPONSE_BYTES;
    if (!c->pool_max_idle)
        c->pool_max_idle = DDBXO__HTTP_DEFAULT_POOL_MAX_IDLE;
    ddbxo__retry_config_resolve(&c->retry);
    if (c->ca_file && !(h->ca_file = strdup(c->ca_file)))
        goto oom;
    c->ca_file = h->ca_file;
    pthread_mutex_init(&h->mu, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&h->share_mu[i], NULL);
    if (!(h->policy = ddbxo__retry_policy_new(&c->retry, &c->hooks)) ||
        !(h->env.pool = ddbxo__http_pool_new(c->pool_max_idle)))
        goto oom_free;
    /* DNS answers and TLS sessions are shared by every handle (a new
     * connection resumes a TLS session).  Connections are not: libcurl
     * does not support sharing them between concurrent threads. */
    if ((sh = curl_share_init()) != NULL) {
        curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(sh, CURLSHOPT_USERDATA, h);
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        h->env.share = sh;
    }
    return h;
oom_free:
    ddbxo__http_free(h);
    h = NULL;
oom:
    free(h);
    ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return NULL;
}

void ddbxo__http_free(ddbxo__http *h)
{
    if (!h)
        return;
    ddbxo__http_pool_free(h->env.pool);  /* handles first: they use share */
    if (h->env.share)
        curl_share_cleanup(h->env.share);
    ddbxo__retry_policy_free(h->policy);
    pthread_mutex_destroy(&h->mu);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&h->share_mu[i]);
    free(h->ca_file);
    free(h);
}

const ddbxo__http_env *ddbxo__http_env_of(const ddbxo__http *h)
{
    return &h->env;
}

#define STAT_ADD(h, field, n)                 \
    do {                                      \
        pthread_mutex_lock(&(h)->mu);         \
        (h)->st.field += (uint64_t)(n);       \
        pthread_mutex_unlock(&(h)->mu);       \
    } while (0)

void ddbxo__http_stats_get(ddbxo__http *h, ddbxo__http_stats *out)
{
    pthread_mutex_lock(&h->mu);
    *out = h->st;
    pthread_mutex_unlock(&h->mu);
    out->connects = ddbxo__http_pool_connects(h->env.pool);
    out->quota_tokens = ddbxo__retry_quota_tokens(h->policy);
}

/* ------------------------------------------------------------------ */
/* clocks                                                               */
/* ------------------------------------------------------------------ */

static int64_t mono_now(const ddbxo__http *h)
{
    const ddbxo__http_hooks *k = &h->env.cfg.hooks;
    return k->mono_ms ? k->mono_ms(k->ctx) : ddbxo__now_ms();
}

/* Epoch-ms deadline -> monotonic ms (INT64_MAX = none), read once. */
static int64_t mono_deadline(const ddbxo__http *h, int64_t deadline_ms)
{
    const ddbxo__http_hooks *k = &h->env.cfg.hooks;
    int64_t wall, mono;
    if (deadline_ms <= 0)
        return INT64_MAX;
    wall = k->wall_ms ? k->wall_ms(k->ctx) : ddbxo__wall_ms();
    mono = mono_now(h);
    return mono + (deadline_ms - wall);
}

static void do_sleep(const ddbxo__http *h, int64_t ms)
{
    const ddbxo__http_hooks *k = &h->env.cfg.hooks;
    if (ms <= 0)
        return;
    if (k->sleep_ms)
        k->sleep_ms(k->ctx, ms);
    else
        ddbxo__sleep_ms(ms);
}

/* ------------------------------------------------------------------ */
/* the attempt loop, shared by call and multi                           */
/* ------------------------------------------------------------------ */

/* Per-attempt timeouts, both capped by what is left before the deadline.
 * Returns 1 when the deadline is what bounds the attempt: its timeout then
 * means "deadline reached", whatever the millisecond rounding says. */
static int attempt_timeouts(const ddbxo__http *h, int64_t now,
                            int64_t deadline, int64_t *total, int64_t *conn)
{
    int64_t left = deadline == INT64_MAX ? INT64_MAX : deadline - now;
    int capped = 0;
    *total = h->env.cfg.attempt_timeout_ms;
    *conn = h->env.cfg.connect_timeout_ms;
    if (left <= *total) {
        *total = left;
        capped = 1;
    }
    if (left < *conn)
        *conn = left;
    return capped;
}

static int timeout_error(ddbxo_error *err, const ddbxo__retry_state *st,
                         const ddbxo__http_outcome *last)
{
    if (st->attempts == 0)
        ddbxo__err(err, DDBXO_E_TIMEOUT, NULL,
                   "deadline passed before the first attempt");
    else
        ddbxo__err(err, DDBXO_E_TIMEOUT, NULL,
                   "deadline reached after %d attempt%s; last: %s",
                   st->attempts, st->attempts == 1 ? "" : "s",
                   last ? last->err.message : "?");
    if (err) {
        err->retryable = 1;
        err->ambiguous = st->ambiguous;
        if (last) {
            err->http_status = last->err.http_status;
            memcpy(err->aws_type, last->err.aws_type, sizeof err->aws_type);
            memcpy(err->request_id, last->err.request_id,
                   sizeof err->request_id);
        }
    }
    return -1;
}

/* The final error of a call whose last attempt failed with out. */
static int final_error(ddbxo__http *h, ddbxo_error *err,
                       const ddbxo__retry_state *st,
                       const ddbxo__http_outcome *out, int why)
{
    char note[96] = "";
    if (why == DDBXO__STOP_DEADLINE)
        return timeout_error(err, st, out);
    if (why == DDBXO__STOP_ATTEMPTS && st->attempts > 1)
        snprintf(note, sizeof note, " (gave up after %d attempts)",
                 st->attempts);
    else if (why == DDBXO__STOP_QUOTA) {
        snprintf(note, sizeof note, " (retry quota exhausted after %d attempt%s)",
                 st->attempts, st->attempts == 1 ? "" : "s");
        STAT_ADD(h, quota_refused, 1);
    }
    if (err) {
        *err = out->err;
        err->ambiguous = st->ambiguous;
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n, "%s", note);
    }
    return -1;
}

/* A 4xx the client will not retry (a refused condition, a validation
 * error) is the service answering, and refunds the retry quota as a
 * success does.  botocore refunds only 2xx; but libddbxo's replays are
 * answered with refused conditions (DUPLICATE/STALE), and a long-lived
 * process that mostly replayed never earned back what faults cost it:
 * the soak's Lambda bootstrap lost its retries for good
 * (docs/reliability.md). */
static int answered_for_good(const ddbxo__http_outcome *o)
{
    return !o->ok && o->cls == DDBXO__RETRY_NEVER &&
           o->err.http_status >= 400 && o->err.http_status < 500;
}

/* Counts one finished attempt into st and the statistics, and refunds
 * the retry quota for an answer. */
static void note_attempt(ddbxo__http *h, ddbxo__retry_state *st,
                         const ddbxo__http_outcome *o)
{
    st->attempts++;
    st->ambiguous |= o->ambiguous;
    pthread_mutex_lock(&h->mu);
    h->st.attempts++;
    if (st->attempts > 1)
        h->st.retries++;
    if (o->resent)
        h->st.resends++;
    if (!o->ok && o->cls == DDBXO__RETRY_THROTTLE)
        h->st.throttled++;
    pthread_mutex_unlock(&h->mu);
    if (o->ok || answered_for_good(o))
        ddbxo__retry_on_success(h->policy, st);
}

/* ------------------------------------------------------------------ */
/* ddbxo__http_call                                                     */
/* ------------------------------------------------------------------ */

int ddbxo__http_call(ddbxo__http *h, ddbxo__http_req *req,
                     ddbxo__http_resp *resp, ddbxo_error *err)
{
    ddbxo__retry_state st = { 0 };
    ddbxo__http_outcome out, *last = NULL;
    ddbxo__http_easy *e = NULL;
    int64_t deadline, slept = 0;
    int rc = -1, loopback;

    ddbxo__http_resp_free(resp);
    if (!h || !req)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no transport/request");
    STAT_ADD(h, calls, 1);
    if (ddbxo__http_check_url(&h->env.cfg, req->url, &loopback, err) < 0)
        return -1;
    deadline = mono_deadline(h, req->deadline_ms);
    if (!(e = ddbxo__http_pool_take(&h->env, err)))
        return -1;
    for (;;) {
        int64_t now = mono_now(h), total, conn, delay = 0;
        int why, capped;
        if (now >= deadline) {
            rc = timeout_error(err, &st, last);
            break;
        }
        req->attempt = st.attempts + 1;
        if (req->prepare && req->prepare(req->prepare_ctx, req, err) < 0) {
            if (err)
                err->ambiguous = st.ambiguous;
            break;
        }
        capped = attempt_timeouts(h, now, deadline, &total, &conn);
        if (ddbxo__http_easy_setup(&h->env, e, req, total, conn, err) < 0) {
            if (err)
                err->ambiguous = st.ambiguous;
            break;
        }
        CURLcode cc = curl_easy_perform(ddbxo__http_easy_curl(e));
        ddbxo__http_easy_finish(&h->env, e, cc, req, resp, &out);
        last = &out;
        note_attempt(h, &st, &out);
        if (out.ok) {
            rc = 0;
            break;
        }
        now = mono_now(h);
        if (out.timed_out && (capped || now >= deadline)) {
            rc = timeout_error(err, &st, &out);
            break;
        }
        why = ddbxo__retry_decide(h->policy, &st, out.cls,
                                  resp->retry_after_ms, now, deadline, &delay);
        if (why) {
            rc = final_error(h, err, &st, &out, why);
            break;
        }
        do_sleep(h, delay);
        slept += delay;
    }
    ddbxo__http_pool_give(&h->env, e);
    resp->attempts = st.attempts;
    resp->slept_ms = slept;
    resp->ambiguous = st.ambiguous;
    return rc;
}

/* ------------------------------------------------------------------ */
/* multi                                                                */
/* ------------------------------------------------------------------ */

enum { OP_QUEUED, OP_ACTIVE, OP_SLEEPING };

typedef struct op {
    ddbxo__http_req *req;
    ddbxo__http_resp *resp;
    ddbxo__http_done_fn done;
    void *ctx;
    int state;
    int64_t deadline;            /* monotonic */
    int64_t wake;                /* OP_SLEEPING: monotonic ms */
    int64_t slept;
    ddbxo__retry_state st;
    ddbxo__http_outcome out;     /* last attempt */
    int has_out;
    ddbxo__http_easy *easy;      /* OP_ACTIVE */
    int capped;                  /* its timeout is the deadline */
    struct op *next;             /* queued / sleeping list */
} op;

struct ddbxo__http_multi {
    ddbxo__http *h;
    CURLM *cm;
    int max_conns;
    int active;
    size_t pending;
    op *queue, *queue_tail;      /* FIFO of ops waiting for a slot */
    op *sleeping;                /* ops in backoff */
    op **act;                    /* [max_conns] ops with a transfer */
    ddbxo__http_easy **idle;     /* [max_conns] this multi's own handles;
                                    they keep no connection: the multi's
                                    cache does */
    int nidle;
    int64_t run_deadline;        /* monotonic, during a run */
};

ddbxo__http_multi *ddbxo__http_multi_new(ddbxo__http *h, int max_conns,
                                         ddbxo_error *err)
{
    ddbxo__http_multi *m;
    if (!h || max_conns < 1) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL, "multi: max_conns must be >= 1");
        return NULL;
    }
    if (!(m = calloc(1, sizeof *m)) ||
        !(m->act = calloc((size_t)max_conns, sizeof *m->act)) ||
        !(m->idle = calloc((size_t)max_conns, sizeof *m->idle)) ||
        !(m->cm = curl_multi_init())) {
        if (m) {
            free(m->act);
            free(m->idle);
        }
        free(m);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    m->h = h;
    m->max_conns = max_conns;
    /* HTTP/1.1, one transfer per connection; the cache keeps exactly as
     * many idle connections as we may use, so none is closed for space. */
    curl_multi_setopt(m->cm, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    curl_multi_setopt(m->cm, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)max_conns);
    curl_multi_setopt(m->cm, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_conns);
    curl_multi_setopt(m->cm, CURLMOPT_MAXCONNECTS, (long)max_conns);
    return m;
}

static void free_op_list(op *o)
{
    while (o) {
        op *n = o->next;
        free(o);
        o = n;
    }
}

void ddbxo__http_multi_free(ddbxo__http_multi *m)
{
    if (!m)
        return;
    free_op_list(m->queue);
    free_op_list(m->sleeping);
    /* Active ops exist only inside a run, which cannot be running now. */
    for (int i = 0; i < m->nidle; i++)
        ddbxo__http_easy_free(m->idle[i]);
    curl_multi_cleanup(m->cm);
    free(m->act);
    free(m->idle);
    free(m);
}

size_t ddbxo__http_multi_pending(const ddbxo__http_multi *m)
{
    return m ? m->pending : 0;
}

static void enqueue(ddbxo__http_multi *m, op *o)
{
    o->state = OP_QUEUED;
    o->next = NULL;
    if (m->queue_tail)
        m->queue_tail->next = o;
    else
        m->queue = o;
    m->queue_tail = o;
}

int ddbxo__http_multi_submit(ddbxo__http_multi *m, ddbxo__http_req *req,
                             ddbxo__http_resp *resp, ddbxo__http_done_fn done,
                             void *ctx, ddbxo_error *err)
{
    op *o;
    int loopback;
    if (!m || !req || !resp || !done)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "multi_submit: NULL");
    if (ddbxo__http_check_url(&m->h->env.cfg, req->url, &loopback, err) < 0)
        return -1;
    if (!(o = calloc(1, sizeof *o)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    o->req = req;
    o->resp = resp;
    o->done = done;
    o->ctx = ctx;
    o->deadline = mono_deadline(m->h, req->deadline_ms);
    ddbxo__http_resp_free(resp);
    enqueue(m, o);
    m->pending++;
    STAT_ADD(m->h, calls, 1);
    return 0;
}

/* A multi never has more than max_conns handles out, so the idle array
 * of that size cannot overflow. */
static ddbxo__http_easy *multi_take(ddbxo__http_multi *m, ddbxo_error *err)
{
    if (m->nidle > 0)
        return m->idle[--m->nidle];
    return ddbxo__http_easy_new(&m->h->env, err);
}

static void multi_give(ddbxo__http_multi *m, ddbxo__http_easy *e)
{
    ddbxo__http_easy_set_owner(e, NULL);
    if (m->nidle < m->max_conns)
        m->idle[m->nidle++] = e;
    else
        ddbxo__http_easy_free(e);
}

static void act_add(ddbxo__http_multi *m, op *o)
{
    m->act[m->active++] = o;
}

static void act_remove(ddbxo__http_multi *m, op *o)
{
    for (int i = 0; i < m->active; i++)
        if (m->act[i] == o) {
            m->act[i] = m->act[--m->active];
            return;
        }
}

/* Completes o: callback, then o is gone. */
static void complete(ddbxo__http_multi *m, op *o, int rc, ddbxo_error *err)
{
    ddbxo__http_done_fn done = o->done;
    ddbxo__http_req *req = o->req;
    ddbxo__http_resp *resp = o->resp;
    void *ctx = o->ctx;
    resp->attempts = o->st.attempts;
    resp->slept_ms = o->slept;
    resp->ambiguous = o->st.ambiguous;
    m->pending--;
    free(o);
    done(ctx, m, req, resp, rc, rc == 0 ? NULL : err);
}

static void complete_timeout(ddbxo__http_multi *m, op *o)
{
    ddbxo_error e;
    timeout_error(&e, &o->st, o->has_out ? &o->out : NULL);
    complete(m, o, -1, &e);
}

/* Starts the next attempt of o on a free slot; completes o on failure. */
static void start(ddbxo__http_multi *m, op *o, int64_t now)
{
    ddbxo_error e;
    int64_t deadline = o->deadline < m->run_deadline ? o->deadline
                                                     : m->run_deadline;
    int64_t total, conn;
    if (now >= deadline) {
        complete_timeout(m, o);
        return;
    }
    o->req->attempt = o->st.attempts + 1;
    ddbxo_error_clear(&e);
    if (o->req->prepare && o->req->prepare(o->req->prepare_ctx, o->req, &e) < 0)
        goto fail;
    if (!(o->easy = multi_take(m, &e)))
        goto fail;
    o->capped = attempt_timeouts(m->h, now, deadline, &total, &conn);
    if (ddbxo__http_easy_setup(&m->h->env, o->easy, o->req, total, conn, &e) < 0)
        goto fail;
    ddbxo__http_easy_set_owner(o->easy, o);
    if (curl_multi_add_handle(m->cm, ddbxo__http_easy_curl(o->easy)) != CURLM_OK) {
        ddbxo__err(&e, DDBXO_E_INTERNAL, NULL, "curl_multi_add_handle failed");
        goto fail;
    }
    o->state = OP_ACTIVE;
    act_add(m, o);
    return;
fail:
    if (o->easy) {
        multi_give(m, o->easy);
        o->easy = NULL;
    }
    e.ambiguous = o->st.ambiguous;
    complete(m, o, -1, &e);
}

/* A transfer finished (curl_code) or was aborted (abort = 1). */
static void finished(ddbxo__http_multi *m, op *o, int curl_code, int abort)
{
    ddbxo__http *h = m->h;
    ddbxo__http_easy *e = o->easy;
    int64_t now, delay = 0, deadline;
    int why;

    curl_multi_remove_handle(m->cm, ddbxo__http_easy_curl(e));
    act_remove(m, o);
    ddbxo__http_easy_finish(&h->env, e, abort ? CURLE_OPERATION_TIMEDOUT : curl_code,
                            o->req, o->resp, &o->out);
    multi_give(m, e);
    o->easy = NULL;
    o->has_out = 1;
    note_attempt(h, &o->st, &o->out);
    if (abort) {
        complete_timeout(m, o);
        return;
    }
    if (o->out.ok) {
        complete(m, o, 0, NULL);
        return;
    }
    now = mono_now(h);
    deadline = o->deadline < m->run_deadline ? o->deadline : m->run_deadline;
    if (o->out.timed_out && (o->capped || now >= deadline)) {
        complete_timeout(m, o);
        return;
    }
    why = ddbxo__retry_decide(h->policy, &o->st, o->out.cls,
                              o->resp->retry_after_ms, now, deadline, &delay);
    if (why) {
        ddbxo_error fe;
        final_error(h, &fe, &o->st, &o->out, why);
        complete(m, o, -1, &fe);
        return;
    }
    o->slept += delay;
    o->wake = now + delay;
    o->state = OP_SLEEPING;
    o->next = m->sleeping;
    m->sleeping = o;
}

/* Moves sleepers whose backoff is over to the front of the queue (a retry
 * goes before new work); returns the earliest remaining wake time. */
static int64_t wake_sleepers(ddbxo__http_multi *m, int64_t now)
{
    op **pp = &m->sleeping;
    int64_t next = INT64_MAX;
    while (*pp) {
        op *o = *pp;
        if (o->wake <= now) {
            *pp = o->next;
            o->state = OP_QUEUED;
            o->next = m->queue;
            m->queue = o;
            if (!m->queue_tail)
                m->queue_tail = o;
        } else {
            if (o->wake < next)
                next = o->wake;
            pp = &o->next;
        }
    }
    return next;
}

static int64_t earliest_wake(const ddbxo__http_multi *m)
{
    int64_t next = INT64_MAX;
    for (const op *o = m->sleeping; o; o = o->next)
        if (o->wake < next)
            next = o->wake;
    return next;
}

static void drain_done(ddbxo__http_multi *m)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m->cm, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        ddbxo__http_easy *e = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&e);
        /* finished() may run callbacks that submit; info_read stays valid. */
        finished(m, ddbxo__http_easy_owner(e), msg->data.result, 0);
    }
}

/* Every unfinished op completes with a timeout (run deadline) or err. */
static void abort_all(ddbxo__http_multi *m, const ddbxo_error *err)
{
    /* Completing may submit new ops: they are queued and handled below. */
    while (m->active > 0)
        finished(m, m->act[m->active - 1], CURLE_OPERATION_TIMEDOUT, 1);
    while (m->queue || m->sleeping) {
        op *o = m->queue ? m->queue : m->sleeping;
        if (o == m->queue) {
            m->queue = o->next;
            if (!m->queue)
                m->queue_tail = NULL;
        } else {
            m->sleeping = o->next;
        }
        if (err) {
            ddbxo_error e = *err;
            e.ambiguous = o->st.ambiguous;
            complete(m, o, -1, &e);
        } else {
            complete_timeout(m, o);
        }
    }
}

int ddbxo__http_multi_run(ddbxo__http_multi *m, int64_t deadline_ms,
                          ddbxo_error *err)
{
    ddbxo__http *h;
    if (!m)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "multi_run: NULL");
    h = m->h;
    m->run_deadline = mono_deadline(h, deadline_ms);
    while (m->pending > 0) {
        int64_t now = mono_now(h), next_wake, wait;
        int running = 0;
        CURLMcode mc;

        if (now >= m->run_deadline) {
            abort_all(m, NULL);
            break;
        }
        next_wake = wake_sleepers(m, now);
        while (m->queue && m->active < m->max_conns) {
            op *o = m->queue;
            m->queue = o->next;
            if (!m->queue)
                m->queue_tail = NULL;
            start(m, o, now);
        }
        if (m->active == 0) {
            if (m->queue)
                continue;                /* completions submitted more */
            if (!m->sleeping)
                break;
            /* Only backoffs left: sleep through the hook, so tests with a
             * fake clock see exact sleeps. */
            wait = (next_wake < m->run_deadline ? next_wake : m->run_deadline)
                   - now;
            do_sleep(h, wait);
            continue;
        }
        mc = curl_multi_perform(m->cm, &running);
        if (mc != CURLM_OK)
            goto multi_fail;
        drain_done(m);
        /* Completions may have freed slots or started backoffs. */
        if (m->active == 0 || (m->queue && m->active < m->max_conns))
            continue;
        next_wake = earliest_wake(m);
        now = mono_now(h);
        wait = 1000;
        if (next_wake != INT64_MAX && next_wake - now < wait)
            wait = next_wake - now;
        if (m->run_deadline - now < wait)
            wait = m->run_deadline - now;
        if (wait < 0)
            wait = 0;
        mc = curl_multi_poll(m->cm, NULL, 0, (int)wait, NULL);
        if (mc != CURLM_OK)
            goto multi_fail;
        continue;
multi_fail:
        ddbxo__err(err, DDBXO_E_INTERNAL, NULL, "curl multi: %s",
                   curl_multi_strerror(mc));
        abort_all(m, err);
        return -1;
    }
    return 0;
}
