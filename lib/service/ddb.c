/* lib/service/: the AWS services we call.  Owns signed JSON calls to
 * DynamoDB, DynamoDB Streams and SQS (this file), the client object,
 * DynamoDB's error answers and their codes (ddb_error), the table
 * operations the CLI and tests need (ddb_ops) and source/target sides.
 * It may call util/, value/, auth/, transport/ and stream/ (the record
 * type some operations take). */

/* Signed JSON calls to DynamoDB, DynamoDB Streams and SQS (JSON protocol):
 * framing (docs/aws-facts.md §1.1), a SigV4 signature per attempt with current
 * credentials, error answers parsed and classified for the transport's
 * retry loop, and the public ddbxo_call / ddbxo_call_ex. */
#include "service/ddb.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/json_write.h"
#include "auth/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "application/x-amz-json-1.0"
#define USER_AGENT "ddbxo/" DDBXO_VERSION_STRING

struct ddbxo__ddb_req_priv {
    ddbxo_client *c;
    ddbxo_service svc;
    const ddbxo_endpoint *ep;
    char op[DDBXO__MAX_OP_LEN + 1];
    char target[DDBXO__MAX_OP_LEN + 32];
    char *owned_body;
    ddbxo_credentials creds;     /* of the latest attempt: to redact */
    ddbxo__aws_error aerr;       /* the latest attempt's error answer */
    int parsed;                  /* aerr describes the latest attempt */
    int expired_retried;         /* ExpiredTokenException retried once */
};

const char *ddbxo__ddb_target_prefix(ddbxo_service svc)
{
    switch (svc) {
    case DDBXO_SERVICE_DYNAMODB: return "DynamoDB_20120810";
    case DDBXO_SERVICE_STREAMS: return "DynamoDBStreams_20120810";
    case DDBXO_SERVICE_SQS: return "AmazonSQS";
    default: return NULL;
    }
}

/* Operation names go into a header: letters and digits only. */
static int op_ok(const char *op)
{
    size_t n = op ? strlen(op) : 0;
    if (n == 0 || n > DDBXO__MAX_OP_LEN)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = op[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9')))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* per attempt: sign, classify                                          */
/* ------------------------------------------------------------------ */

/* Copies the signer's "Name: value" lines onto the request, replacing
 * the previous attempt's. */
static int apply_lines(ddbxo__http_req *req, const ddbxo__buf *lines, int n,
                       ddbxo_error *err)
{
    const char *p = (const char *)lines->p;
    char name[64];
    for (int i = 0; i < n; i++) {
        const char *colon = strchr(p, ':');
        size_t nl = colon ? (size_t)(colon - p) : 0;
        if (!colon || nl == 0 || nl >= sizeof name)
            return ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                              "sigv4: malformed signature header line");
        memcpy(name, p, nl);
        name[nl] = '\0';
        colon++;
        while (*colon == ' ')
            colon++;
        if (ddbxo__http_req_set_header(req, name, colon, err) < 0)
            return -1;
        p += strlen(p) + 1;
    }
    return 0;
}

static int prepare(void *ctx, ddbxo__http_req *req, ddbxo_error *err)
{
    ddbxo__ddb_req *r = ctx;
    struct ddbxo__ddb_req_priv *p = r->priv;
    ddbxo_sigv4_header h[3];
    ddbxo_sigv4_request sr;
    ddbxo_signer *signer;
    ddbxo__buf lines;
    int n, rc;

    p->parsed = 0;
    ddbxo__aws_error_clear(&p->aerr);
    ddbxo_credentials_clear(&p->creds);
    if (!(signer = ddbxo__client_signer(p->c, p->svc, &p->creds, err)))
        return -1;
    h[0].name = "Host";
    h[0].value = p->ep->host;
    h[1].name = "Content-Type";
    h[1].value = CONTENT_TYPE;
    h[2].name = "X-Amz-Target";
    h[2].value = p->target;
    memset(&sr, 0, sizeof sr);
    sr.method = "POST";
    sr.path = p->ep->path;
    sr.headers = h;
    sr.n_headers = 3;
    sr.body = req->body;
    sr.body_len = req->body_len;
    ddbxo__buf_init(&lines);
    n = ddbxo__signer_sign_lines(signer, &sr, 0, &lines, err);
    /* The credentials may have lost their token since the last attempt. */
    rc = n < 0 ? -1
               : ddbxo__http_req_set_header(req, "X-Amz-Security-Token", NULL,
                                            err);
    if (rc == 0)
        rc = apply_lines(req, &lines, n, err);
    ddbxo__buf_wipe_free(&lines);            /* holds the token */
    if (rc == 0)
        ddbxo__client_after_sign(p->c, req);
    return rc;
}

static int is_expired_token(const char *type)
{
    return strcmp(type, "ExpiredTokenException") == 0 ||
           strcmp(type, "ExpiredToken") == 0;
}

/* The transport's classify callback: runs for every 4xx answer. */
static int classify(void *ctx, const ddbxo__http_resp *resp, ddbxo_error *err)
{
    ddbxo__ddb_req *r = ctx;
    struct ddbxo__ddb_req_priv *p = r->priv;
    int cls = ddbxo__aws_error_parse(resp->status, resp->error_type,
                                     resp->body, resp->body_len, &p->aerr);
    p->parsed = 1;
    ddbxo__aws_error_to_err(&p->aerr, p->op, err);
    /* docs/aws-facts.md §1.3: refresh the credentials, then retry -- once, since
     * credentials that cannot be refreshed stay expired. */
    if (is_expired_token(p->aerr.type) && !p->expired_retried) {
        p->expired_retried = 1;
        ddbxo_credentials_provider_invalidate(ddbxo__client_creds(p->c));
        ddbxo__client_log(p->c, DDBXO_LOG_WARN,
                          "%s %s: credentials expired; refreshing and "
                          "retrying once", ddbxo_service_name(p->svc), p->op);
        cls = DDBXO__RETRY_TRANSIENT;
    }
    return cls;
}

/* ------------------------------------------------------------------ */
/* request lifecycle                                                    */
/* ------------------------------------------------------------------ */

ddbxo__ddb_req *ddbxo__ddb_req_new(ddbxo_client *c, ddbxo_service svc,
                                   const char *op, const char *body,
                                   size_t body_len, int borrow,
                                   int64_t deadline_ms, ddbxo_error *err)
{
    const ddbxo_endpoint *ep = ddbxo__client_endpoint(c, svc);
    ddbxo__ddb_req *r;
    struct ddbxo__ddb_req_priv *p;

    if (!ep) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL, "call: %s",
                   c ? "unknown service" : "client is NULL");
        return NULL;
    }
    if (!op_ok(op)) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL,
                   "call: operation name must be 1..%d letters and digits",
                   DDBXO__MAX_OP_LEN);
        return NULL;
    }
    if (!body || body_len == 0) {
        body = "{}";
        body_len = 2;
        borrow = 1;
    }
    r = calloc(1, sizeof *r);
    p = calloc(1, sizeof *p);
    if (!r || !p || (!borrow && !(p->owned_body = malloc(body_len))))
        goto oom;
    r->priv = p;
    p->c = c;
    p->svc = svc;
    p->ep = ep;
    strcpy(p->op, op);
    snprintf(p->target, sizeof p->target, "%s.%s",
             ddbxo__ddb_target_prefix(svc), op);
    if (!borrow) {
        memcpy(p->owned_body, body, body_len);
        body = p->owned_body;
    }
    ddbxo__http_req_init(&r->http);
    ddbxo__http_resp_init(&r->resp);
    r->http.method = "POST";
    r->http.url = ep->url;
    r->http.body = body;
    r->http.body_len = body_len;
    r->http.deadline_ms = deadline_ms;
    r->http.prepare = prepare;
    r->http.prepare_ctx = r;
    r->http.classify = classify;
    r->http.classify_ctx = r;
    /* Host explicitly, so what is signed is byte for byte what is sent. */
    if (ddbxo__http_req_set_header(&r->http, "Host", ep->host, err) < 0 ||
        ddbxo__http_req_set_header(&r->http, "Content-Type", CONTENT_TYPE,
                                   err) < 0 ||
        ddbxo__http_req_set_header(&r->http, "X-Amz-Target", p->target,
                                   err) < 0 ||
        ddbxo__http_req_set_header(&r->http, "User-Agent", USER_AGENT,
                                   err) < 0) {
        ddbxo__ddb_req_free(r);
        return NULL;
    }
    return r;
oom:
    if (p)
        free(p->owned_body);
    free(p);
    free(r);
    ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return NULL;
}

ddbxo__ddb_req *ddbxo__ddb_req_new_json(ddbxo_client *c, ddbxo_service svc,
                                        const char *op, const json_t *body,
                                        int64_t deadline_ms, ddbxo_error *err)
{
    return ddbxo__ddb_req_new_splice(c, svc, op, body, NULL, 0, deadline_ms,
                                     err);
}

ddbxo__ddb_req *ddbxo__ddb_req_new_splice(ddbxo_client *c, ddbxo_service svc,
                                          const char *op, const json_t *body,
                                          const ddbxo__json_splice *sp,
                                          size_t nsp, int64_t deadline_ms,
                                          ddbxo_error *err)
{
    ddbxo__ddb_req *r;
    char *s;
    size_t n = 0;
    if (!json_is_object(body)) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL,
                   "%s: request body must be a JSON object", op ? op : "call");
        return NULL;
    }
    if (!(s = ddbxo__json_write_splice(body, sp, nsp, &n))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    r = ddbxo__ddb_req_new(c, svc, op, s, n, 1, deadline_ms, err);
    if (!r) {
        free(s);
        return NULL;
    }
    r->priv->owned_body = s;     /* borrowed above, owned from here */
    return r;
}

void ddbxo__ddb_req_free(ddbxo__ddb_req *r)
{
    if (!r)
        return;
    ddbxo__http_req_free(&r->http);
    ddbxo__http_resp_free(&r->resp);
    if (r->priv) {
        ddbxo_credentials_clear(&r->priv->creds);
        ddbxo__aws_error_clear(&r->priv->aerr);
        free(r->priv->owned_body);
        free(r->priv);
    }
    free(r);
}

/* ------------------------------------------------------------------ */
/* finishing                                                            */
/* ------------------------------------------------------------------ */

/* Blanks every occurrence of secret in msg.  Servers do not echo secrets,
 * but an error message is the one string that leaves the library. */
static void redact(char *msg, const char *secret)
{
    size_t k = secret ? strlen(secret) : 0;
    char *hit;
    if (k < 8)
        return;                  /* too short to be a real secret */
    while ((hit = strstr(msg, secret)) != NULL) {
        memcpy(hit, "***", 3);
        memmove(hit + 3, hit + k, strlen(hit + k) + 1);
    }
}

/* err->message = op + ": " + err->message, unless it already starts so. */
static void prefix_op(ddbxo_error *err, const char *op)
{
    size_t k = strlen(op), cap = sizeof err->message, n;
    if (strncmp(err->message, op, k) == 0 && err->message[k] == ':')
        return;
    if (k + 2 >= cap)
        return;
    /* Shift right by k + 2 (cutting the tail), then write "op: ". */
    n = strlen(err->message);
    if (n > cap - 1 - (k + 2))
        n = cap - 1 - (k + 2);
    memmove(err->message + k + 2, err->message, n);
    err->message[k + 2 + n] = '\0';
    memcpy(err->message, op, k);
    memcpy(err->message + k, ": ", 2);
}

static int is_aws_code(int code)
{
    return code == DDBXO_E_AWS || code == DDBXO_E_CONDITION ||
           code == DDBXO_E_CANCELLED;
}

/* The error half of finishing: err from the transport's herr, refined by
 * the error answer (if one arrived), *detail filled. */
static int finish_error(ddbxo__ddb_req *r, const ddbxo_error *herr,
                        ddbxo__aws_error *detail, ddbxo_error *err)
{
    struct ddbxo__ddb_req_priv *p = r->priv;
    ddbxo_error e;
    long st = r->resp.status;

    if (herr)
        e = *herr;
    else
        ddbxo__err(&e, DDBXO_E_INTERNAL, NULL, "transport gave no error");
    if (st != 0 && (st < 200 || st >= 300)) {
        if (!p->parsed) {
            /* 5xx answers bypass classify. */
            ddbxo__aws_error_parse(st, r->resp.error_type, r->resp.body,
                                   r->resp.body_len, &p->aerr);
            p->parsed = 1;
            if (is_aws_code(e.code)) {
                size_t k;
                ddbxo__aws_error_to_err(&p->aerr, p->op, &e);
                k = strlen(e.message);
                if (r->resp.attempts > 1 && k < sizeof e.message)
                    snprintf(e.message + k, sizeof e.message - k,
                             " (gave up after %d attempts)", r->resp.attempts);
            }
        }
        /* Not retried by the transport, but worth retrying by the caller:
         * a plain write that met a running transaction (docs/aws-facts.md §1.5),
         * or a transaction cancelled only by conflicts or throttling. */
        if (e.code == DDBXO_E_AWS &&
            strcmp(p->aerr.type, "TransactionConflictException") == 0)
            e.retryable = 1;
        if (e.code == DDBXO_E_CANCELLED &&
            ddbxo__aws_error_cancel_retryable(&p->aerr))
            e.retryable = 1;
        if (detail)
            ddbxo__aws_error_move(detail, &p->aerr);
    } else if (detail) {
        ddbxo__aws_error_clear(detail);
    }
    prefix_op(&e, p->op);
    redact(e.message, p->creds.secret_access_key);
    redact(e.message, p->creds.session_token);
    ddbxo__client_log(p->c, DDBXO_LOG_DEBUG, "%s %s failed (%s, %d attempt%s): %s",
                      ddbxo_service_name(p->svc), p->op,
                      ddbxo_code_name(e.code), r->resp.attempts,
                      r->resp.attempts == 1 ? "" : "s", e.message);
    ddbxo__err_copy(err, &e);
    return -1;
}

static void log_success(const ddbxo__ddb_req *r)
{
    const struct ddbxo__ddb_req_priv *p = r->priv;
    int level = r->resp.attempts > 1 ? DDBXO_LOG_INFO : DDBXO_LOG_DEBUG;
    ddbxo__client_log(p->c, level, "%s %s: HTTP %ld after %d attempt%s "
                      "(%lld ms of backoff)", ddbxo_service_name(p->svc),
                      p->op, r->resp.status, r->resp.attempts,
                      r->resp.attempts == 1 ? "" : "s",
                      (long long)r->resp.slept_ms);
}

/* A 2xx answer we cannot read: it was applied, and a new attempt may read
 * an intact answer (as with a CRC mismatch). */
static int bad_response(ddbxo__ddb_req *r, ddbxo_error *err)
{
    ddbxo__err(err, DDBXO_E_HTTP, NULL,
               "%s: HTTP %ld answer is not a JSON object (%zu bytes)",
               r->priv->op, r->resp.status, r->resp.body_len);
    if (err) {
        err->http_status = r->resp.status;
        err->retryable = 1;
        err->ambiguous = 1;
        ddbxo__strlcpy(err->request_id, r->resp.request_id,
                       sizeof err->request_id);
    }
    return -1;
}

static int is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int body_empty(const ddbxo__ddb_req *r)
{
    for (size_t i = 0; i < r->resp.body_len; i++)
        if (!is_ws(r->resp.body[i]))
            return 0;
    return 1;
}

int ddbxo__ddb_req_finish(ddbxo__ddb_req *r, int rc, const ddbxo_error *herr,
                          json_t **out, ddbxo__aws_error *detail,
                          ddbxo_error *err)
{
    json_t *j;
    if (out)
        *out = NULL;
    if (rc != 0)
        return finish_error(r, herr, detail, err);
    if (detail)
        ddbxo__aws_error_clear(detail);
    log_success(r);
    if (!out)
        return 0;
    if (body_empty(r))
        j = json_object();
    else
        /* DynamoDB strings may hold U+0000. */
        j = json_loadb((const char *)r->resp.body, r->resp.body_len,
                       JSON_ALLOW_NUL, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return bad_response(r, err);
    }
    *out = j;
    return 0;
}

int ddbxo__ddb_req_finish_raw(ddbxo__ddb_req *r, int rc,
                              const ddbxo_error *herr, char **out,
                              size_t *out_len, ddbxo__aws_error *detail,
                              ddbxo_error *err)
{
    size_t i = 0;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (rc != 0)
        return finish_error(r, herr, detail, err);
    if (detail)
        ddbxo__aws_error_clear(detail);
    log_success(r);
    if (!out)
        return 0;
    if (body_empty(r)) {
        if (!(*out = strdup("{}")))
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        if (out_len)
            *out_len = 2;
        return 0;
    }
    /* Not parsed here (the caller wants text, and a GetRecords page can be
     * a megabyte), but it must at least look like an object. */
    while (is_ws(r->resp.body[i]))
        i++;
    if (r->resp.body[i] != '{')
        return bad_response(r, err);
    *out = (char *)r->resp.body;  /* NUL-terminated by the transport */
    if (out_len)
        *out_len = r->resp.body_len;
    r->resp.body = NULL;
    r->resp.body_len = 0;
    return 0;
}

int ddbxo__ddb_call(ddbxo_client *c, ddbxo_service svc, const char *op,
                    const json_t *body, int64_t deadline_ms, json_t **out,
                    ddbxo__aws_error *detail, ddbxo_error *err)
{
    return ddbxo__ddb_call_splice(c, svc, op, body, NULL, 0, deadline_ms, out,
                                  detail, err);
}

int ddbxo__ddb_call_splice(ddbxo_client *c, ddbxo_service svc, const char *op,
                           const json_t *body, const ddbxo__json_splice *sp,
                           size_t nsp, int64_t deadline_ms, json_t **out,
                           ddbxo__aws_error *detail, ddbxo_error *err)
{
    ddbxo_error herr;
    ddbxo__ddb_req *r;
    int rc;
    if (out)
        *out = NULL;
    if (!(r = ddbxo__ddb_req_new_splice(c, svc, op, body, sp, nsp,
                                        deadline_ms, err)))
        return -1;
    ddbxo_error_clear(&herr);
    rc = ddbxo__http_call(ddbxo__client_http(c), &r->http, &r->resp, &herr);
    rc = ddbxo__ddb_req_finish(r, rc, &herr, out, detail, err);
    ddbxo__ddb_req_free(r);
    return rc;
}

/* ------------------------------------------------------------------ */
/* public                                                               */
/* ------------------------------------------------------------------ */

DDBXO_API int ddbxo_call_ex(ddbxo_client *c, ddbxo_service svc,
                            const char *operation, const char *json_body,
                            size_t len, int64_t deadline_ms,
                            char **response_json, size_t *response_len,
                            ddbxo_aws_detail **detail, ddbxo_error *err)
{
    ddbxo__aws_error aerr;
    ddbxo_error herr;
    ddbxo__ddb_req *r;
    int rc;

    if (response_json)
        *response_json = NULL;
    if (response_len)
        *response_len = 0;
    if (detail)
        *detail = NULL;
    if (json_body && len) {
        /* Refuse what DynamoDB would refuse, before signing and sending;
         * the message gives the position only (the body may hold items). */
        json_error_t je;
        json_t *j = json_loadb(json_body, len, JSON_ALLOW_NUL, &je);
        int ok = json_is_object(j);
        json_decref(j);
        if (!ok && j)
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "%s: request body is not a JSON object",
                              op_ok(operation) ? operation : "call");
        if (!ok)
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "%s: request body is not valid JSON "
                              "(line %d, column %d)",
                              op_ok(operation) ? operation : "call", je.line,
                              je.column);
    }
    if (!(r = ddbxo__ddb_req_new(c, svc, operation, json_body, len, 1,
                                 deadline_ms, err)))
        return -1;
    ddbxo__aws_error_init(&aerr);
    ddbxo_error_clear(&herr);
    rc = ddbxo__http_call(ddbxo__client_http(c), &r->http, &r->resp, &herr);
    rc = ddbxo__ddb_req_finish_raw(r, rc, &herr, response_json, response_len,
                                   &aerr, err);
    if (rc < 0 && detail && aerr.status != 0 &&
        !(*detail = ddbxo__aws_detail_new(&aerr, r->resp.body,
                                          r->resp.body_len)))
        ddbxo__client_log(c, DDBXO_LOG_WARN,
                          "%s: out of memory building the error detail",
                          operation);
    ddbxo__aws_error_clear(&aerr);
    ddbxo__ddb_req_free(r);
    return rc;
}

DDBXO_API int ddbxo_call(ddbxo_client *c, ddbxo_service svc,
                         const char *operation, const char *json_body,
                         size_t len, int64_t deadline_ms, char **response_json,
                         size_t *response_len, ddbxo_error *err)
{
    return ddbxo_call_ex(c, svc, operation, json_body, len, deadline_ms,
                         response_json, response_len, NULL, err);
}
