/* Internal: the one-shot HTTP exchange of the credential sources that
 * answer over HTTP (STS, IMDS, the container endpoint).  Not the DynamoDB transport: those calls
 * are rare, small and made before any client exists. */
#ifndef DDBXO_LIB_CREDS_HTTP_H
#define DDBXO_LIB_CREDS_HTTP_H

#include <curl/curl.h>

#include "util/buf.h"
#include "ddbxo.h"

typedef struct ddbxo__creds_http_req {
    const char *method;            /* "GET", "PUT", "POST" */
    const char *url;
    struct curl_slist *headers;    /* borrowed; the caller wipes it */
    const char *body;              /* may be NULL */
    size_t body_len;
    long connect_ms, total_ms;
    int direct;                    /* 1 = never through a proxy (IMDS: a
                                      link-local address and a token) */
    const char *resolve;           /* "host:port:address": connect to the
                                      address already checked (a
                                      CURLOPT_RESOLVE pin), or NULL */
    const char *what;              /* names the source in errors */
} ddbxo__creds_http_req;

/* Largest answer read. */
#define DDBXO__CREDS_HTTP_MAX_BYTES (64u * 1024u)

/* Performs r.  0 with *status and the answer appended to body (the
 * caller wipe-frees it: it holds credentials), or -1 + err for a transport
 * failure (DDBXO_E_HTTP/_TIMEOUT, retryable) or an answer too large. */
int ddbxo__creds_http(const ddbxo__creds_http_req *r, long *status,
                      ddbxo__buf *body, ddbxo_error *err);

/* Appends s to b, percent-encoded as a form value (RFC 3986 unreserved
 * characters kept). */
void ddbxo__form_encode(ddbxo__buf *b, const char *s);

#endif
