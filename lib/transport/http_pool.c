/* Easy handles: the keep-alive pool, per-attempt setup, and evaluation of
 * a finished attempt (response capture, x-amz-crc32, error class,
 * ambiguity).  Everything that touches one CURL easy handle lives here. */
#include "transport/http_pool.h"
#include "transport/http_retry.h"
#include "util/buf.h"
#include "util/crc32.h"
#include "util/curl_global.h"
#include "util/error.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ddbxo__http_easy {
    CURL *curl;
    struct curl_slist *slist;    /* this attempt's request headers */
    ddbxo__buf body;             /* response body being received */
    ddbxo__http_resp cur;        /* response headers being captured */
    int crc_malformed;           /* x-amz-crc32 present but not a number */
    size_t max_body;
    int too_big;
    int sends;                   /* requests put on the wire this attempt */
    void *owner;                 /* the multi op using this handle */
    char errbuf[CURL_ERROR_SIZE];
    ddbxo__http_easy *next;      /* free list */
};

struct ddbxo__http_pool {
    pthread_mutex_t mu;
    ddbxo__http_easy *idle;
    int nidle, max_idle;
    atomic_uint_least64_t connects; /* new connections of its handles */
};

/* ------------------------------------------------------------------ */
/* response capture                                                     */
/* ------------------------------------------------------------------ */

static void capture_reset(ddbxo__http_easy *e)
{
    ddbxo__buf_free(&e->body);
    ddbxo__http_resp_init(&e->cur);
    e->crc_malformed = 0;
    e->too_big = 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    ddbxo__http_easy *e = ud;
    size_t len = sz * n;
    if (len > e->max_body || e->body.len > e->max_body - len) {
        e->too_big = 1;
        return 0;                /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    if (ddbxo__buf_put(&e->body, p, len) < 0)
        return 0;
    return len;
}

/* Copies a header value without surrounding blanks and CR/LF. */
static void copy_value(char *dst, size_t dstsz, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t'))
        v++, n--;
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' ||
                 v[n - 1] == '\t'))
        n--;
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* Parses a bounded decimal number; -1 if it is not one. */
static int64_t parse_dec(const char *s, int64_t max)
{
    int64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    return v;
}

static int hname(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

static size_t on_header(char *line, size_t sz, size_t n, void *ud)
{
    ddbxo__http_easy *e = ud;
    size_t len = sz * n;
    const char *v;
    char tmp[32];

    /* A new status line (after 100-continue, or libcurl re-sending on a
     * fresh connection) starts a new response. */
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        capture_reset(e);
        return len;
    }
    v = memchr(line, ':', len);
    if (!v)
        return len;
    v++;
    size_t vlen = len - (size_t)(v - line);
    if (hname(line, len, "x-amzn-RequestId")) {
        copy_value(e->cur.request_id, sizeof e->cur.request_id, v, vlen);
    } else if (hname(line, len, "Content-Type")) {
        copy_value(e->cur.content_type, sizeof e->cur.content_type, v, vlen);
    } else if (hname(line, len, "x-amzn-ErrorType")) {
        copy_value(e->cur.error_type, sizeof e->cur.error_type, v, vlen);
    } else if (hname(line, len, "x-amz-crc32")) {
        int64_t c;
        copy_value(tmp, sizeof tmp, v, vlen);
        c = parse_dec(tmp, 0xffffffffLL);
        e->cur.has_crc32 = 1;
        e->cur.crc32 = c < 0 ? 0 : (uint32_t)c;
        e->crc_malformed = c < 0;
    } else if (hname(line, len, "x-amz-retry-after")) {
        copy_value(tmp, sizeof tmp, v, vlen);
        /* A day is far above any sane hint; the clamp bounds it anyway. */
        e->cur.retry_after_ms = parse_dec(tmp, 86400000LL);
    }
    return len;
}

/* Runs each time a request is about to go out on a connection.  libcurl
 * re-sends a request by itself, once, when a reused connection dies before
 * any response byte; the server may have applied the first copy, so the
 * attempt must count as ambiguous.  This is the only place that sees it. */
static int on_prereq(void *ud, char *ip, char *local_ip, int port,
                     int local_port)
{
    ddbxo__http_easy *e = ud;
    (void)ip, (void)local_ip, (void)port, (void)local_port;
    e->sends++;
    return CURL_PREREQFUNC_OK;
}

/* ------------------------------------------------------------------ */
/* handles and the pool                                                 */
/* ------------------------------------------------------------------ */

ddbxo__http_easy *ddbxo__http_easy_new(ddbxo__http_env *env,
                                       ddbxo_error *err)
{
    ddbxo__http_easy *e = calloc(1, sizeof *e);
    CURL *c;
    if (!e || !(e->curl = curl_easy_init())) {
        free(e);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "cannot create a curl handle");
        return NULL;
    }
    c = e->curl;
    ddbxo__http_resp_init(&e->cur);
    e->max_body = env->cfg.max_response_bytes;
    /* Options that never change: set once, kept across requests. */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* Raw bytes: x-amz-crc32 covers the body as sent. */
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, e);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, e);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, e->errbuf);
    curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(c, CURLOPT_PREREQDATA, e);
    curl_easy_setopt(c, CURLOPT_PRIVATE, e);
    if (env->cfg.ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, env->cfg.ca_file);
    if (env->share)
        curl_easy_setopt(c, CURLOPT_SHARE, (CURLSH *)env->share);
    return e;
}

void ddbxo__http_easy_free(ddbxo__http_easy *e)
{
    if (!e)
        return;
    curl_easy_cleanup(e->curl);
    ddbxo__curl_slist_wipe_free(e->slist);
    ddbxo__buf_free(&e->body);
    free(e);
}

void *ddbxo__http_easy_curl(ddbxo__http_easy *e) { return e->curl; }
void ddbxo__http_easy_set_owner(ddbxo__http_easy *e, void *o) { e->owner = o; }
void *ddbxo__http_easy_owner(ddbxo__http_easy *e) { return e->owner; }

ddbxo__http_pool *ddbxo__http_pool_new(int max_idle)
{
    ddbxo__http_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->max_idle = max_idle;
    return p;
}

void ddbxo__http_pool_free(ddbxo__http_pool *p)
{
    ddbxo__http_easy *e, *next;
    if (!p)
        return;
    for (e = p->idle; e; e = next) {
        next = e->next;
        ddbxo__http_easy_free(e);
    }
    pthread_mutex_destroy(&p->mu);
    free(p);
}

uint64_t ddbxo__http_pool_connects(ddbxo__http_pool *p)
{
    return atomic_load(&p->connects);
}

ddbxo__http_easy *ddbxo__http_pool_take(ddbxo__http_env *env,
                                        ddbxo_error *err)
{
    ddbxo__http_pool *p = env->pool;
    ddbxo__http_easy *e;
    pthread_mutex_lock(&p->mu);
    e = p->idle;
    if (e) {
        p->idle = e->next;
        p->nidle--;
    }
    pthread_mutex_unlock(&p->mu);
    if (e) {
        e->next = NULL;
        return e;
    }
    return ddbxo__http_easy_new(env, err);
}

void ddbxo__http_pool_give(ddbxo__http_env *env, ddbxo__http_easy *e)
{
    ddbxo__http_pool *p = env->pool;
    if (!e)
        return;
    curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, NULL);
    ddbxo__curl_slist_wipe_free(e->slist);
    e->slist = NULL;
    capture_reset(e);
    e->owner = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->nidle < p->max_idle) {
        e->next = p->idle;
        p->idle = e;
        p->nidle++;
        e = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    ddbxo__http_easy_free(e);    /* list full: close its connection */
}

/* ------------------------------------------------------------------ */
/* one attempt                                                          */
/* ------------------------------------------------------------------ */

static int add_header(ddbxo__http_easy *e, const char *name, const char *value,
                      ddbxo_error *err)
{
    /* Most lines fit here; no printf: a request has seven of them. */
    char small[512], *line = small;
    size_t n = strlen(name), v = value ? strlen(value) : 0, len = n + 2 + v;
    struct curl_slist *sl;
    if (len >= sizeof small && !(line = malloc(len + 1)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    memcpy(line, name, n);
    /* "Name;" is libcurl's spelling of a header with an empty value, and
     * "Name:" removes a header libcurl would add itself. */
    if (v) {
        memcpy(line + n, ": ", 2);
        memcpy(line + n + 2, value, v + 1);
    } else {
        line[n] = value ? ';' : ':';
        line[n + 1] = '\0';
    }
    sl = curl_slist_append(e->slist, line);
    OPENSSL_cleanse(line, len + 1);     /* may hold a session token */
    if (line != small)
        free(line);
    if (!sl)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    e->slist = sl;
    return 0;
}

int ddbxo__http_easy_setup(ddbxo__http_env *env, ddbxo__http_easy *e,
                           const ddbxo__http_req *req, int64_t timeout_ms,
                           int64_t connect_ms, ddbxo_error *err)
{
    CURL *c = e->curl;
    int loopback = 0;
    const char *m = req->method ? req->method : "POST";

    if (ddbxo__http_check_url(&env->cfg, req->url, &loopback, err) < 0)
        return -1;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    ddbxo__curl_slist_wipe_free(e->slist);
    e->slist = NULL;
    capture_reset(e);
    e->errbuf[0] = '\0';
    e->sends = 0;

    for (size_t i = 0; i < req->nhdrs; i++)
        if (add_header(e, req->hdrs[i].name, req->hdrs[i].value, err) < 0)
            return -1;
    /* No "Expect: 100-continue" round trip, and no Content-Type we did not
     * ask for (libcurl adds a form type to POSTs otherwise). */
    if (add_header(e, "Expect", NULL, err) < 0)
        return -1;
    if (!ddbxo__http_req_header(req, "Content-Type") &&
        add_header(e, "Content-Type", NULL, err) < 0)
        return -1;

    curl_easy_setopt(c, CURLOPT_URL, req->url);
    /* Loopback endpoints (tests, local peers) never go through a proxy. */
    curl_easy_setopt(c, CURLOPT_PROXY, loopback ? "" : NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->slist);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    if (strcmp(m, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS,
                         req->body ? (const char *)req->body : "");
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
    }
    if (timeout_ms < 1)
        timeout_ms = 1;
    if (connect_ms < 1)
        connect_ms = 1;
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    return 0;
}

int ddbxo__http_easy_fully_sent(ddbxo__http_easy *e,
                                const ddbxo__http_req *req)
{
    curl_off_t up = 0;
    long reqsize = 0;
    curl_easy_getinfo(e->curl, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(e->curl, CURLINFO_REQUEST_SIZE, &reqsize);
    /* SIZE_UPLOAD counts body bytes handed to the socket, including those
     * sent in the same write as the headers.  Without a body we only know
     * that header bytes left: count that as sent (the safe side). */
    if (req->body_len > 0)
        return up >= (curl_off_t)req->body_len;
    return reqsize > 0;
}

/* libcurl results that a new attempt may cure. */
static int curl_transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

static int curl_error_code(CURLcode rc, int too_big)
{
    switch (rc) {
    case CURLE_WRITE_ERROR:
        return too_big ? DDBXO_E_LIMIT : DDBXO_E_NOMEM;
    case CURLE_OUT_OF_MEMORY:
        return DDBXO_E_NOMEM;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return DDBXO_E_INVALID;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
        return DDBXO_E_CONFIG;
    default:
        return DDBXO_E_HTTP;
    }
}

static void finish_transport(ddbxo__http_easy *e, CURLcode rc, long status,
                             int fully, ddbxo__http_outcome *out)
{
    int code = curl_error_code(rc, e->too_big);
    out->cls = curl_transient(rc) ? DDBXO__RETRY_TRANSIENT : DDBXO__RETRY_NEVER;
    out->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    out->ambiguous = fully;
    if (e->too_big)
        ddbxo__err(&out->err, code, NULL,
                   "response body larger than %zu bytes", e->max_body);
    else
        ddbxo__err(&out->err, code, NULL, "%s%s%s (request %s)",
                   curl_easy_strerror(rc), e->errbuf[0] ? ": " : "",
                   e->errbuf, fully ? "fully sent" : "not fully sent");
    out->err.http_status = status;
}

void ddbxo__http_easy_finish(ddbxo__http_env *env, ddbxo__http_easy *e,
                             int curl_code, const ddbxo__http_req *req,
                             ddbxo__http_resp *resp, ddbxo__http_outcome *out)
{
    CURLcode rc = (CURLcode)curl_code;
    long status = 0, nconn = 0;
    int fully = ddbxo__http_easy_fully_sent(e, req);
    uint32_t crc;

    memset(out, 0, sizeof *out);
    out->resent = e->sends > 1;
    curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e->curl, CURLINFO_NUM_CONNECTS, &nconn);
    if (nconn > 0)
        atomic_fetch_add(&env->pool->connects, (uint64_t)nconn);
    curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, NULL);
    ddbxo__curl_slist_wipe_free(e->slist);
    e->slist = NULL;

    /* Keep the headers of whatever arrived (request id helps support). */
    ddbxo__http_resp_free(resp);
    memcpy(resp->request_id, e->cur.request_id, sizeof resp->request_id);
    memcpy(resp->content_type, e->cur.content_type, sizeof resp->content_type);
    memcpy(resp->error_type, e->cur.error_type, sizeof resp->error_type);
    resp->has_crc32 = e->cur.has_crc32;
    resp->crc32 = e->cur.crc32;
    resp->retry_after_ms = e->cur.retry_after_ms;

    if (rc != CURLE_OK || e->body.oom) {
        if (rc == CURLE_OK)
            rc = CURLE_OUT_OF_MEMORY;
        finish_transport(e, rc, status, fully, out);
        goto done;
    }
    crc = ddbxo__crc32(0, e->body.p, e->body.len);
    if (e->cur.has_crc32 && (e->crc_malformed || crc != e->cur.crc32)) {
        /* The body is not what the server sent: whatever it said (even a
         * success) may have been applied, and a new attempt may read it
         * intact. */
        out->cls = DDBXO__RETRY_TRANSIENT;
        out->ambiguous = 1;
        ddbxo__err(&out->err, DDBXO_E_HTTP, NULL,
                   "x-amz-crc32 mismatch: header %s, body %lu",
                   e->crc_malformed ? "malformed" : "differs",
                   (unsigned long)crc);
        out->err.http_status = status;
        goto done;
    }
    resp->status = status;
    resp->body_len = e->body.len;
    resp->body = ddbxo__buf_take(&e->body, &resp->body_len);
    if (!resp->body) {                    /* empty body: keep a "" */
        resp->body = calloc(1, 1);
        resp->body_len = 0;
        if (!resp->body) {
            resp->status = 0;
            out->cls = DDBXO__RETRY_NEVER;
            ddbxo__err(&out->err, DDBXO_E_NOMEM, NULL, "out of memory");
            goto done;
        }
    }
    if (status >= 200 && status < 300) {
        out->ok = 1;
        goto done;
    }
    ddbxo__err(&out->err, DDBXO_E_AWS, NULL, "HTTP %ld", status);
    out->err.http_status = status;
    if (resp->error_type[0])
        ddbxo__aws_code(resp->error_type, strlen(resp->error_type),
                        out->err.aws_type, sizeof out->err.aws_type);
    if (status >= 500) {
        /* 5xx: the server may have applied the request before failing. */
        (void)ddbxo__http_classify_default(NULL, resp, &out->err);
        out->ambiguous = 1;
        out->cls = (status == 500 || status == 502 || status == 503 ||
                    status == 504) ? DDBXO__RETRY_TRANSIENT
                                   : DDBXO__RETRY_NEVER;
    } else if (req->classify) {
        out->cls = req->classify(req->classify_ctx, resp, &out->err);
    } else {
        out->cls = ddbxo__http_classify_default(NULL, resp, &out->err);
    }
done:
    if (out->resent)
        out->ambiguous = 1;      /* an earlier copy went out in full or part */
    if (!out->ok) {
        out->err.retryable = out->cls != DDBXO__RETRY_NEVER;
        out->err.ambiguous = out->ambiguous;
        ddbxo__strlcpy(out->err.request_id, resp->request_id,
                       sizeof out->err.request_id);
    }
    ddbxo__buf_free(&e->body);
}
