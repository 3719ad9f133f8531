/* Requests and responses, and the URL rule (lib/transport/http_msg.h). */
#include "transport/http_msg.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/buf.h"

/* ------------------------------------------------------------------ */
/* requests and responses                                               */
/* ------------------------------------------------------------------ */

void ddbxo__http_req_init(ddbxo__http_req *req)
{
    memset(req, 0, sizeof *req);
}

static void hdr_free(ddbxo__http_hdr *hd)
{
    free(hd->name);
    ddbxo__str_wipe_free(hd->value);
}

/* RFC 9110 token characters. */
static int is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c))
            return 0;
    }
    return 1;
}

int ddbxo__http_req_set_header(ddbxo__http_req *req, const char *name,
                               const char *value, ddbxo_error *err)
{
    size_t i;
    char *n = NULL, *v = NULL;
    if (!name || !is_token(name))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "invalid HTTP header name");
    if (value && strpbrk(value, "\r\n"))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "header %s: CR or LF in the value", name);
    for (i = 0; i < req->nhdrs; i++)
        if (strcasecmp(req->hdrs[i].name, name) == 0)
            break;
    if (!value) {                        /* remove */
        if (i < req->nhdrs) {
            hdr_free(&req->hdrs[i]);
            memmove(&req->hdrs[i], &req->hdrs[i + 1],
                    (req->nhdrs - i - 1) * sizeof req->hdrs[0]);
            req->nhdrs--;
        }
        return 0;
    }
    if (!(v = strdup(value)))
        goto oom;
    if (i < req->nhdrs) {                /* replace: keeps its position */
        ddbxo__str_wipe_free(req->hdrs[i].value);
        req->hdrs[i].value = v;
        return 0;
    }
    if (req->nhdrs == req->hdrs_cap) {
        size_t cap = req->hdrs_cap ? req->hdrs_cap * 2 : 8;
        ddbxo__http_hdr *p = realloc(req->hdrs, cap * sizeof *p);
        if (!p)
            goto oom;
        req->hdrs = p;
        req->hdrs_cap = cap;
    }
    if (!(n = strdup(name)))
        goto oom;
    req->hdrs[req->nhdrs].name = n;
    req->hdrs[req->nhdrs].value = v;
    req->nhdrs++;
    return 0;
oom:
    free(v);
    return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
}

const char *ddbxo__http_req_header(const ddbxo__http_req *req,
                                   const char *name)
{
    for (size_t i = 0; i < req->nhdrs; i++)
        if (strcasecmp(req->hdrs[i].name, name) == 0)
            return req->hdrs[i].value;
    return NULL;
}

void ddbxo__http_req_free(ddbxo__http_req *req)
{
    if (!req)
        return;
    while (req->nhdrs > 0)
        hdr_free(&req->hdrs[--req->nhdrs]);
    free(req->hdrs);
    req->hdrs = NULL;
    req->hdrs_cap = 0;
}

void ddbxo__http_resp_init(ddbxo__http_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->retry_after_ms = -1;
}

void ddbxo__http_resp_free(ddbxo__http_resp *resp)
{
    if (!resp)
        return;
    free(resp->body);
    ddbxo__http_resp_init(resp);
}

/* ------------------------------------------------------------------ */
/* URL rules                                                            */
/* ------------------------------------------------------------------ */

static int host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    char buf[64];
    size_t n = strlen(host);
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        host = buf;
    }
    return inet_pton(AF_INET6, host, &a6) == 1 &&
           memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
}

/* The last URL this thread found good, and what it found: a client sends
 * every request to the same endpoint, and parsing its URL each time cost
 * more than the rest of a request's setup. */
static __thread char last_url[256];
static __thread int last_loopback, last_allow = -1;

int ddbxo__http_check_url(const ddbxo__http_config *cfg, const char *url,
                          int *loopback, ddbxo_error *err)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL;
    int rc = 0;
    if (!url)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no URL");
    if (last_allow == (cfg->allow_plain_http != 0) &&
        strcmp(url, last_url) == 0) {
        *loopback = last_loopback;
        return 0;
    }
    if (!(u = curl_url()))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = ddbxo__err(err, DDBXO_E_INVALID, NULL, "malformed URL");
        goto out;
    }
    *loopback = host_is_loopback(host);
    if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
        rc = ddbxo__err(err, DDBXO_E_INVALID, NULL,
                        "URL scheme %s: only http and https", scheme);
    } else if (strcasecmp(scheme, "http") == 0 && !*loopback &&
               !cfg->allow_plain_http) {
        /* Requests carry signatures and items: cleartext only where it
         * cannot leave the machine, unless the caller opted in. */
        rc = ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                        "plain http:// to non-loopback host %s refused "
                        "(use https, or allow plain http explicitly)", host);
    }
    if (rc == 0 && strlen(url) < sizeof last_url) {
        memcpy(last_url, url, strlen(url) + 1);
        last_loopback = *loopback;
        last_allow = cfg->allow_plain_http != 0;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

