/* HTTP for the credential sources (STS, IMDS, the container endpoint):
 * one libcurl easy handle per exchange, TLS verified, no redirects, short
 * timeouts. */
#include "auth/creds_http.h"

#include <string.h>

#include "util/curl_global.h"
#include "util/error.h"

struct sink {
    ddbxo__buf *body;
    int too_big;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    if (s->body->len + n > DDBXO__CREDS_HTTP_MAX_BYTES) {
        s->too_big = 1;
        return 0;
    }
    if (ddbxo__buf_put(s->body, p, n) < 0)
        return 0;
    return n;
}

int ddbxo__creds_http(const ddbxo__creds_http_req *r, long *status,
                      ddbxo__buf *body, ddbxo_error *err)
{
    struct sink s = { body, 0 };
    struct curl_slist *pin = NULL;
    CURL *h;
    CURLcode cc;

    *status = 0;
    (void)ddbxo__curl_global_init(); /* a failure shows in curl_easy_init */
    if (r->resolve && !(pin = curl_slist_append(NULL, r->resolve)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    if (!(h = curl_easy_init())) {
        curl_slist_free_all(pin);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "%s: curl_easy_init failed",
                          r->what);
    }
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    if (strcmp(r->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);   /* threads: no SIGALRM */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, r->connect_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->total_ms);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (r->direct)
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (pin)
        curl_easy_setopt(h, CURLOPT_RESOLVE, pin);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(h);
    curl_slist_free_all(pin);
    if (cc == CURLE_OK)
        return 0;
    if (s.too_big)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "%s: answer larger than %u bytes", r->what,
                          DDBXO__CREDS_HTTP_MAX_BYTES);
    if (body->oom)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    ddbxo__err(err, cc == CURLE_OPERATION_TIMEDOUT ? DDBXO_E_TIMEOUT
                                                   : DDBXO_E_HTTP, NULL,
               "%s: %s failed: %s", r->what, r->method, curl_easy_strerror(cc));
    if (err)
        err->retryable = 1;
    return -1;
}

void ddbxo__form_encode(ddbxo__buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            ddbxo__buf_putc(b, c);
        } else {
            ddbxo__buf_putc(b, '%');
            ddbxo__buf_putc(b, (unsigned char)hex[c >> 4]);
            ddbxo__buf_putc(b, (unsigned char)hex[c & 15]);
        }
    }
}
