/* STS AssumeRole / AssumeRoleWithWebIdentity: the query API (form POST,
 * Version=2011-06-15) answered in XML, read by lib/auth/sts_xml.c. */
#include "auth/sts.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "auth/creds.h"
#include "auth/creds_http.h"
#include "util/clock.h"
#include "util/curl_global.h"
#include "util/error.h"
#include "auth/sts_xml.h"
#include "auth/config.h"

#define STS_CONNECT_MS 3000L
#define STS_TOTAL_MS 10000L
#define STS_TRIES 3

int ddbxo__sts_endpoint_resolve(const ddbxo__env *env, const char *region,
                                ddbxo__sts_endpoint *out, ddbxo_error *err)
{
    const char *url, *source;
    char def[DDBXO_ENDPOINT_URL_BUFSIZE];
    ddbxo__url u;
    int n;

    memset(out, 0, sizeof *out);
    if (region && *region && !ddbxo__region_valid(region))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "STS: region is not a valid region name");
    if ((url = ddbxo__env_get(env, "AWS_ENDPOINT_URL_STS")))
        source = "AWS_ENDPOINT_URL_STS";
    else if ((url = ddbxo__env_get(env, "AWS_ENDPOINT_URL")))
        source = "AWS_ENDPOINT_URL";
    else if (!region || !*region) {
        /* No region anywhere: the global endpoint, which signs as
         * us-east-1 (what the SDKs do without a region). */
        snprintf(def, sizeof def, "https://sts.amazonaws.com");
        url = def;
        source = "default (global: no region is set)";
    } else {
        snprintf(def, sizeof def, "https://sts.%s.%s", region,
                 ddbxo__region_dns_suffix(region));
        url = def;
        source = "default";
    }
    if (ddbxo__url_parse(url, &u, source, err) < 0)
        return -1;
    /* The answer is credentials: never in clear across a network. */
    if (strcmp(u.scheme, "http") == 0 && !ddbxo__host_is_loopback(u.hostname))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "STS endpoint from %s uses http:// to %s, which is "
                          "not loopback: use https://", source, u.hostname);
    n = snprintf(out->host, sizeof out->host, "%s%s%s", u.is_ipv6 ? "[" : "",
                 u.hostname, u.is_ipv6 ? "]" : "");
    if (u.port != (strcmp(u.scheme, "https") == 0 ? 443 : 80))
        snprintf(out->host + n, sizeof out->host - (size_t)n, ":%d", u.port);
    snprintf(out->path, sizeof out->path, "%s", u.path[0] ? u.path : "/");
    n = snprintf(out->url, sizeof out->url, "%s://%s%s", u.scheme, out->host,
                 out->path);
    if (n < 0 || (size_t)n >= sizeof out->url)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "STS endpoint URL is too long");
    ddbxo__strlcpy(out->region, region && *region ? region : "us-east-1",
                   sizeof out->region);
    out->source = source;
    return 0;
}

int ddbxo__sts_parse(const char *body, size_t len, long status,
                     const char *action, ddbxo_credentials *out,
                     ddbxo_error *err)
{
    char p[4][160];
    ddbxo__xml_want w[8];
    static const char *const field[4] = { "AccessKeyId", "SecretAccessKey",
                                          "SessionToken", "Expiration" };
    int64_t exp = 0;
    int rc = -1;

    memset(out, 0, sizeof *out);
    for (int i = 0; i < 4; i++) {
        snprintf(p[i], sizeof p[i], "%sResponse/%sResult/Credentials/%s",
                 action, action, field[i]);
        w[i].path = p[i];
    }
    w[4].path = "ErrorResponse/Error/Code";
    w[5].path = "ErrorResponse/Error/Message";
    /* moto's authentication errors wrap the Error in Errors. */
    w[6].path = "ErrorResponse/Errors/Error/Code";
    w[7].path = "ErrorResponse/Errors/Error/Message";
    if (ddbxo__xml_extract(body, len, w, 8, err) < 0) {
        if (err) {
            err->http_status = status;
            err->retryable = status >= 500;
        }
        return -1;
    }
    if (!w[4].value && w[6].value) {
        w[4].value = w[6].value;
        w[5].value = w[7].value;
        w[6].value = w[7].value = NULL;
    }
    if (status != 200 || w[4].value) {
        const char *code = w[4].value ? w[4].value : "";
        ddbxo__err(err, DDBXO_E_AWS, NULL, "STS %s answered HTTP %ld %s%s%.200s",
                   action, status, code, w[5].value ? ": " : "",
                   w[5].value ? w[5].value : "");
        if (err) {
            err->http_status = status;
            ddbxo__strlcpy(err->aws_type, code, sizeof err->aws_type);
            err->retryable = status >= 500 || strcmp(code, "Throttling") == 0 ||
                             strcmp(code, "IDPCommunicationError") == 0;
        }
        goto out;
    }
    if (!ddbxo__creds_token_ok(w[0].value) || !ddbxo__creds_token_ok(w[1].value) ||
        !ddbxo__creds_token_ok(w[2].value)) {
        ddbxo__err(err, DDBXO_E_AWS, NULL,
                   "STS %s: the answer lacks a valid %s", action,
                   !ddbxo__creds_token_ok(w[0].value)   ? "AccessKeyId"
                   : !ddbxo__creds_token_ok(w[1].value) ? "SecretAccessKey"
                                                        : "SessionToken");
        goto out;
    }
    if (!w[3].value || ddbxo__parse_iso8601(w[3].value, &exp) < 0) {
        ddbxo__err(err, DDBXO_E_AWS, NULL,
                   "STS %s: the answer's Expiration is missing or not an "
                   "ISO-8601 time", action);
        goto out;
    }
    rc = ddbxo__creds_set(out, w[0].value, w[1].value, w[2].value, exp,
                          strcmp(action, "AssumeRole") == 0 ? "assume-role"
                                                            : "web-identity",
                          err);
out:
    ddbxo__xml_want_clear(w, 8);
    return rc;
}

/* The form body.  It may hold the web identity token: wipe-free it. */
static int form(const ddbxo__sts_req *r, const char *action, ddbxo__buf *b)
{
    ddbxo__buf_printf(b, "Action=%s&Version=2011-06-15&RoleArn=", action);
    ddbxo__form_encode(b, r->role_arn);
    ddbxo__buf_puts(b, "&RoleSessionName=");
    ddbxo__form_encode(b, r->session_name);
    if (r->duration_s > 0)
        ddbxo__buf_printf(b, "&DurationSeconds=%d", r->duration_s);
    if (r->external_id && !r->web_identity_token) {
        ddbxo__buf_puts(b, "&ExternalId=");
        ddbxo__form_encode(b, r->external_id);
    }
    if (r->web_identity_token) {
        ddbxo__buf_puts(b, "&WebIdentityToken=");
        ddbxo__form_encode(b, r->web_identity_token);
    }
    return ddbxo__buf_cstr(b) ? 0 : -1;
}

#define CTYPE "application/x-www-form-urlencoded; charset=utf-8"

static int headers(const ddbxo__sts_endpoint *ep, const ddbxo__buf *body,
                   const ddbxo_credentials *caller, int sign,
                   struct curl_slist **out, ddbxo_error *err)
{
    struct curl_slist *l = NULL, *t;
    ddbxo_sigv4_header h[2] = { { "Host", ep->host }, { "Content-Type", CTYPE } };
    ddbxo_sigv4_header *sh = NULL;
    ddbxo__buf line;

    *out = NULL;
    if (!(l = curl_slist_append(NULL, "Content-Type: " CTYPE)) ||
        !(t = curl_slist_append(l, "Accept: text/xml"))) {
        ddbxo__curl_slist_wipe_free(l);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    if (sign) {
        ddbxo_sigv4_request sr;
        ddbxo_sigv4_params p;
        memset(&sr, 0, sizeof sr);
        memset(&p, 0, sizeof p);
        sr.method = "POST";
        sr.path = ep->path;
        sr.headers = h;
        sr.n_headers = 2;
        sr.body = body->p;
        sr.body_len = body->len;
        p.access_key_id = caller->access_key_id;
        p.secret_access_key = caller->secret_access_key;
        p.session_token = caller->session_token;
        p.region = ep->region;
        p.service = "sts";
        if (!(sh = ddbxo_sigv4_sign(&sr, &p, NULL, err))) {
            ddbxo__curl_slist_wipe_free(l);
            return -1;
        }
        for (ddbxo_sigv4_header *i = sh; i->name; i++) {
            ddbxo__buf_init(&line);
            ddbxo__buf_printf(&line, "%s: %s", i->name, i->value);
            t = ddbxo__buf_cstr(&line) ? curl_slist_append(l, (char *)line.p)
                                       : NULL;
            ddbxo__buf_wipe_free(&line);
            if (!t) {
                ddbxo_sigv4_headers_free(sh);
                ddbxo__curl_slist_wipe_free(l);
                return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            }
        }
        ddbxo_sigv4_headers_free(sh);
    }
    *out = l;
    return 0;
}

int ddbxo__sts_assume(const ddbxo__sts_endpoint *ep, const ddbxo__sts_req *r,
                      const ddbxo_credentials *caller, ddbxo_credentials *out,
                      ddbxo_error *err)
{
    const char *action = r->web_identity_token ? "AssumeRoleWithWebIdentity"
                                               : "AssumeRole";
    ddbxo__buf body, ans;
    int rc = -1;

    memset(out, 0, sizeof *out);
    ddbxo__buf_init(&body);
    if (form(r, action, &body) < 0) {
        ddbxo__buf_wipe_free(&body);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    for (int attempt = 1; attempt <= STS_TRIES; attempt++) {
        struct curl_slist *hl = NULL;
        ddbxo__creds_http_req hr;
        long status = 0;
        /* Signed again on every attempt: X-Amz-Date moves on. */
        if (headers(ep, &body, caller, !r->web_identity_token, &hl, err) < 0)
            break;
        memset(&hr, 0, sizeof hr);
        hr.method = "POST";
        hr.url = ep->url;
        hr.headers = hl;
        hr.body = (const char *)body.p;
        hr.body_len = body.len;
        hr.connect_ms = STS_CONNECT_MS;
        hr.total_ms = STS_TOTAL_MS;
        hr.what = action;
        ddbxo__buf_init(&ans);
        rc = ddbxo__creds_http(&hr, &status, &ans, err);
        ddbxo__curl_slist_wipe_free(hl);
        if (rc == 0)
            rc = ddbxo__sts_parse((const char *)ans.p, ans.len, status, action,
                                  out, err);
        ddbxo__buf_wipe_free(&ans);
        if (rc == 0 || !err || !err->retryable || attempt == STS_TRIES)
            break;
        ddbxo__sleep_ms(200LL << attempt);
    }
    ddbxo__buf_wipe_free(&body);
    return rc;
}
