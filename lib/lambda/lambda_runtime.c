/* lib/lambda/: running inside AWS Lambda.  Owns the Runtime API loop
 * (this file), its hostile-header checks (lambda_hdr), structured logs
 * (lambda_log) and the stream handler (lambda_stream).  It may call
 * util/, transport/, service/, stream/ and apply/. */

/* The Lambda Runtime API loop (docs/aws-facts.md §6): init, then forever
 * GET /next -> handler -> POST /response or /error.
 *
 * Each loop owns one libcurl easy handle, reused for every call so the
 * connection to the Runtime API stays open.  No call has a timeout:
 * Lambda freezes the process between invocations, and a timer that runs
 * out across a freeze would kill a healthy /next.  Every header the
 * Runtime API sends is treated as hostile: lengths are capped and the
 * request id, which goes into a URL, is checked character by character. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/curl_global.h"
#include "util/error.h"
#include "lambda/lambda.h"
#include "lambda/lambda_hdr.h"
#include "util/log.h"

#define API_VERSION "2018-06-01"
#define MAX_REQUEST_ID DDBXO__LH_MAX_REQUEST_ID
/* Consecutive failed /next calls before the loop gives up. */
#define NEXT_TRIES 5

typedef struct rt {
    const ddbxo_lambda_config *cfg;
    char base[320];              /* http://host:port/2018-06-01/runtime */
    int loops;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fatal;                   /* a loop gave up (err holds why) */
    ddbxo_error err;
} rt;

typedef struct conn {
    rt *r;
    CURL *h;
    ddbxo__buf body;
    ddbxo__lambda_hdrs hdrs;
    char errbuf[CURL_ERROR_SIZE];
} conn;

static void rlog(const rt *r, int level, const char *fmt, ...)
    DDBXO_PRINTF(3, 4);
static void rlog(const rt *r, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddbxo__vlogf(r->cfg->log, r->cfg->log_ctx, level, fmt, ap);
    va_end(ap);
}

char *ddbxo__lambda_error_doc(const ddbxo_error *e, char *type, size_t typesz,
                              size_t *len)
{
    snprintf(type, typesz, "Ddbxo.%s",
             ddbxo_code_name(e ? e->code : DDBXO_E_INTERNAL));
    const char *msg = e && e->message[0] ? e->message : "handler failed";
    json_t *o = json_object();
    json_t *m = json_string(msg);
    json_object_set_new(o, "errorMessage", m ? m : json_string("(message not UTF-8)"));
    json_object_set_new(o, "errorType", json_string(type));
    json_object_set_new(o, "stackTrace", json_array());
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (s && len)
        *len = strlen(s);
    return s;
}

/* host:port (or [v6]:port): also what keeps the URL well formed. */
static int api_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || strchr(".-_:[]", c)))
            return 0;
    }
    return 1;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    conn *c = ud;
    size_t len = sz * n;
    if (c->body.len + len > DDBXO_MAX_EVENT_BYTES)
        return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
    ddbxo__buf_put(&c->body, p, len);
    return c->body.oom ? 0 : len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    conn *c = ud;
    ddbxo__lambda_hdrs_line(&c->hdrs, p, sz * n);
    return sz * n;
}

static int conn_init(conn *c, rt *r)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    ddbxo__buf_init(&c->body);
    ddbxo__lambda_hdrs_init(&c->hdrs);
    c->h = curl_easy_init();
    return c->h ? 0 : -1;
}

static void conn_clear(conn *c)
{
    curl_easy_cleanup(c->h);
    ddbxo__buf_free(&c->body);
    ddbxo__lambda_hdrs_free(&c->hdrs);
}

/* One call on the loop's handle.  post_body NULL = GET.  Returns the HTTP
 * status, or -1 with err for a transport failure. */
static long call(conn *c, const char *path, const char *post_body, size_t len,
                 const char *error_type, ddbxo_error *err)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", c->r->base, path);
    CURL *h = c->h;
    c->body.len = 0;
    c->body.oom = 0;
    struct curl_slist *hl = NULL, *t;
    char eh[160];
    if (post_body) {
        if ((t = curl_slist_append(hl, "Content-Type: application/json")))
            hl = t;
        if ((t = curl_slist_append(hl, "Expect:")))
            hl = t;
        if (error_type) {
            snprintf(eh, sizeof eh, "Lambda-Runtime-Function-Error-Type: %s",
                     error_type);
            if ((t = curl_slist_append(hl, eh)))
                hl = t;
        }
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*"); /* loopback; never a proxy */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    if (post_body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    c->errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    if (rc != CURLE_OK) {
        ddbxo__err(err, c->body.oom ? DDBXO_E_NOMEM : DDBXO_E_HTTP, NULL,
                   "runtime API %s: %s", path,
                   c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static int post_error(conn *c, const char *path, const ddbxo_error *e)
{
    char type[64];
    size_t len = 0;
    char *doc = ddbxo__lambda_error_doc(e, type, sizeof type, &len);
    if (!doc)
        return -1;
    ddbxo_error ce;
    ddbxo_error_clear(&ce);
    long st = call(c, path, doc, len, type, &ce);
    free(doc);
    if (st < 200 || st > 299) {
        rlog(c->r, DDBXO_LOG_ERROR, "posting %s failed: %s", path,
             st < 0 ? ce.message : "unexpected status");
        return -1;
    }
    return 0;
}

static void set_fatal(rt *r, const ddbxo_error *e)
{
    pthread_mutex_lock(&r->mu);
    if (!r->fatal) {
        r->fatal = 1;
        ddbxo__err_copy(&r->err, e);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* One invocation: handler, then /response or /error. */
static void invoke(conn *c)
{
    rt *r = c->r;
    const char *id = ddbxo__lambda_hdrs_get(&c->hdrs, DDBXO__LH_ID);
    if (!ddbxo__lambda_request_id_ok(id, strlen(id))) {
        /* Nowhere to answer: Lambda times the invocation out. */
        rlog(r, DDBXO_LOG_ERROR, "/next: missing or malformed request id");
        return;
    }
    const char *body = ddbxo__buf_cstr(&c->body);
    ddbxo_lambda_invocation inv = {
        .event = body ? body : "",
        .event_len = body ? c->body.len : 0,
        .request_id = id,
        .deadline_ms = ddbxo__lambda_deadline(
            ddbxo__lambda_hdrs_get(&c->hdrs, DDBXO__LH_DEADLINE)),
        .function_arn = ddbxo__lambda_hdrs_get(&c->hdrs, DDBXO__LH_ARN),
        .trace_id = ddbxo__lambda_hdrs_get(&c->hdrs, DDBXO__LH_TRACE),
        .client_context = ddbxo__lambda_hdrs_get(&c->hdrs, DDBXO__LH_CLIENT),
        .cognito_identity = ddbxo__lambda_hdrs_get(&c->hdrs, DDBXO__LH_COGNITO),
        .tenant_id = ddbxo__lambda_hdrs_get(&c->hdrs, DDBXO__LH_TENANT),
    };
    /* The environment is process-wide: with several loops it would name
     * another invocation's trace. */
    if (r->loops == 1) {
        if (inv.trace_id[0])
            setenv("_X_AMZN_TRACE_ID", inv.trace_id, 1);
        else
            unsetenv("_X_AMZN_TRACE_ID");
    }
    ddbxo__lambda_set_request(id);
    const char *resp = NULL;
    size_t resp_len = 0;
    ddbxo_error he;
    ddbxo_error_clear(&he);
    int rc = r->cfg->handler(r->cfg->ctx, &inv, &resp, &resp_len, &he);
    char path[64 + MAX_REQUEST_ID];
    if (rc == 0) {
        snprintf(path, sizeof path, "/invocation/%s/response", id);
        ddbxo_error ce;
        ddbxo_error_clear(&ce);
        long st = call(c, path, resp ? resp : "", resp ? resp_len : 0, NULL, &ce);
        if (st == 413) {
            ddbxo__err(&he, DDBXO_E_LIMIT, NULL,
                       "response of %zu bytes is over Lambda's limit", resp_len);
            rc = -1;
        } else if (st < 200 || st > 299) {
            rlog(r, DDBXO_LOG_ERROR, "posting the response failed: %s",
                 st < 0 ? ce.message : "unexpected status");
        }
    }
    if (rc != 0) {
        if (he.code == DDBXO_OK)
            ddbxo__err(&he, DDBXO_E_INTERNAL, NULL, "handler failed without an error");
        rlog(r, DDBXO_LOG_ERROR, "invocation failed: %s: %s",
             ddbxo_code_name(he.code), he.message);
        snprintf(path, sizeof path, "/invocation/%s/error", id);
        post_error(c, path, &he);
    }
    ddbxo__lambda_set_request("");
}

static void *loop(void *arg)
{
    rt *r = arg;
    conn c;
    ddbxo_error e;
    ddbxo_error_clear(&e);
    if (conn_init(&c, r) != 0) {
        ddbxo__err(&e, DDBXO_E_NOMEM, NULL, "runtime: no curl handle");
        set_fatal(r, &e);
        return NULL;
    }
    int fails = 0;
    for (;;) {
        long st = call(&c, "/invocation/next", NULL, 0, NULL, &e);
        if (st == 200) {
            fails = 0;
            invoke(&c);
            continue;
        }
        if (st > 0)
            ddbxo__err(&e, DDBXO_E_HTTP, NULL,
                       "runtime API /next answered status %ld", st);
        /* Lambda's 4xx/5xx on /next mean "exit": retrying only helps a
         * transport hiccup. */
        if (st > 0 || ++fails >= NEXT_TRIES)
            break;
        rlog(r, DDBXO_LOG_WARN, "%s; retrying", e.message);
        ddbxo__sleep_ms(100);
    }
    conn_clear(&c);
    set_fatal(r, &e);
    return NULL;
}

/* AWS_LAMBDA_MAX_CONCURRENCY: unset = 1 loop. */
static int concurrency(const rt *r, int *out, ddbxo_error *err)
{
    const char *s = getenv("AWS_LAMBDA_MAX_CONCURRENCY");
    *out = 1;
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1)
        return ddbxo__err(err, DDBXO_E_CONFIG, "AWS_LAMBDA_MAX_CONCURRENCY",
                          "AWS_LAMBDA_MAX_CONCURRENCY is not a positive number");
    if (v > DDBXO_LAMBDA_MAX_CONCURRENCY)
        return ddbxo__err(err, DDBXO_E_CONFIG, "AWS_LAMBDA_MAX_CONCURRENCY",
                          "AWS_LAMBDA_MAX_CONCURRENCY=%ld is over the %d this "
                          "runtime serves", v, DDBXO_LAMBDA_MAX_CONCURRENCY);
    if (v > 1 && !r->cfg->thread_safe)
        return ddbxo__err(err, DDBXO_E_CONFIG, "AWS_LAMBDA_MAX_CONCURRENCY",
                          "AWS_LAMBDA_MAX_CONCURRENCY=%ld but this handler "
                          "serves one invocation at a time", v);
    *out = (int)v;
    return 0;
}

/* Init failed: tell Lambda (/init/error) and return -1 with e. */
static int init_failed(rt *r, const ddbxo_error *e, ddbxo_error *err)
{
    rlog(r, DDBXO_LOG_ERROR, "init failed: %s: %s", ddbxo_code_name(e->code),
         e->message);
    conn c;
    if (conn_init(&c, r) == 0) {
        post_error(&c, "/init/error", e);
        conn_clear(&c);
    }
    ddbxo__err_copy(err, e);
    return -1;
}

DDBXO_API int ddbxo_lambda_run(const ddbxo_lambda_config *cfg, ddbxo_error *err)
{
    if (!cfg || !cfg->handler)
        return ddbxo__err(err, DDBXO_E_INVALID, "handler",
                          "lambda: a handler is required");
    const char *api = cfg->runtime_api ? cfg->runtime_api
                                       : getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api || !api_ok(api))
        return ddbxo__err(err, DDBXO_E_CONFIG, "AWS_LAMBDA_RUNTIME_API",
                          "AWS_LAMBDA_RUNTIME_API is %s (want host:port)",
                          api ? "malformed" : "not set");
    if (ddbxo__curl_global_init() != CURLE_OK)
        return ddbxo__err(err, DDBXO_E_INTERNAL, NULL, "curl_global_init failed");
    rt *r = calloc(1, sizeof *r);
    if (!r)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "lambda: out of memory");
    r->cfg = cfg;
    snprintf(r->base, sizeof r->base, "http://%s/" API_VERSION "/runtime", api);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);

    ddbxo_error e;
    ddbxo_error_clear(&e);
    int rc = -1;
    if (concurrency(r, &r->loops, &e) != 0 ||
        (cfg->init && (ddbxo_error_clear(&e), cfg->init(cfg->ctx, &e)) != 0)) {
        if (e.code == DDBXO_OK)
            ddbxo__err(&e, DDBXO_E_INTERNAL, NULL, "init failed without an error");
        rc = init_failed(r, &e, err);
        goto done;
    }
    rlog(r, DDBXO_LOG_DEBUG, "runtime: %d loop%s", r->loops, r->loops > 1 ? "s" : "");
    if (r->loops == 1) {
        loop(r);
    } else {
        int started = 0;
        for (int i = 0; i < r->loops; i++) {
            pthread_t t;
            if (pthread_create(&t, NULL, loop, r) == 0) {
                pthread_detach(t);
                started++;
            }
        }
        if (!started) {
            ddbxo__err(&e, DDBXO_E_INTERNAL, NULL, "runtime: no thread started");
            rc = init_failed(r, &e, err);
            goto done;
        }
        pthread_mutex_lock(&r->mu);
        while (!r->fatal)
            pthread_cond_wait(&r->cv, &r->mu);
        pthread_mutex_unlock(&r->mu);
        ddbxo__err_copy(err, &r->err);
        /* The other loops may still use r: it stays allocated (the
         * process is about to end anyway). */
        return -1;
    }
    ddbxo__err_copy(err, &r->err);
done:
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
    return rc;
}
