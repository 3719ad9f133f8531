/* SigV4 all steps at once: the headers to add to a request.
 *
 * The Authorization line is written to the output buffer up to
 * "SignedHeaders=<list>" first, and the canonical request hashes that list
 * in place, so one signature costs no allocation besides the output. */
#include "util/error.h"
#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static void line(ddbxo__buf *out, const char *name, const char *value)
{
    ddbxo__buf_puts(out, name);
    ddbxo__buf_put(out, ": ", 2);
    ddbxo__buf_puts(out, value);
    ddbxo__buf_putc(out, '\0');
}

int ddbxo__sv4_sign_lines(const ddbxo__sv4_ctx *c,
                          const ddbxo_sigv4_request *req, ddbxo__sha *sha,
                          ddbxo__buf *out, ddbxo_error *err)
{
    ddbxo__sv4_prep pp;
    ddbxo__sv4_sink k;
    unsigned char crh[DDBXO__SHA256_LEN];
    char scope[DDBXO__SV4_SCOPE_MAX], sts[DDBXO__SV4_STS_MAX];
    char sig[DDBXO_SIGV4_HEX_BUFSIZE];
    size_t start = out->len, sh_at, sh_len, sts_len;
    int count = 2, have_token = c->token && *c->token;

    if (ddbxo__sv4_prepare(&pp, req, c->amz_date, c->token, c->flags, sha,
                           err) < 0)
        return -1;

    line(out, "X-Amz-Date", c->amz_date);
    if (c->flags & DDBXO_SIGV4_CONTENT_SHA256) {
        line(out, "x-amz-content-sha256", pp.payload_hash);
        count++;
    }
    if (have_token) {
        line(out, "X-Amz-Security-Token", c->token);
        count++;
    }
    ddbxo__sv4_scope_fill(scope, c->amz_date, c->region, c->service);
    ddbxo__buf_puts(out, "Authorization: " DDBXO__SIGV4_ALGO " Credential=");
    ddbxo__buf_puts(out, c->akid);
    ddbxo__buf_putc(out, '/');
    ddbxo__buf_puts(out, scope);
    ddbxo__buf_puts(out, ", SignedHeaders=");
    sh_at = out->len;
    if (ddbxo__sv4_signed_headers(&pp, out) < 0)
        goto nomem;
    sh_len = out->len - sh_at;

    /* Nothing is appended to out until the hash is done, so the list it
     * points at stays put. */
    ddbxo__sv4_sink_init(&k, sha, NULL);
    if (ddbxo__sv4_canonical_request(&k, req, &pp, c->flags,
                                     (const char *)out->p + sh_at,
                                     sh_len) < 0 ||
        ddbxo__sv4_sink_finish(&k, crh) < 0)
        goto nomem;
    sts_len = ddbxo__sv4_sts_fill(sts, c->amz_date, c->region, c->service,
                                  crh);
    if (ddbxo__sv4_sign_hex(sha, c->key, sts, sts_len, sig) < 0) {
        out->len = start;
        return ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                          "sigv4: HMAC-SHA256 failed");
    }
    ddbxo__buf_puts(out, ", Signature=");
    ddbxo__buf_put(out, sig, 64);
    ddbxo__buf_putc(out, '\0');
    if (out->oom)
        goto nomem;
    return count;
nomem:
    /* A failed sink can also be a digest failure; both are out of our
     * hands, and the caller retries or gives up the same way. */
    out->len = start;
    out->oom = 0;
    return ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                      "sigv4: out of memory while signing");
}

ddbxo_sigv4_header *ddbxo__sv4_lines_to_headers(const ddbxo__buf *b,
                                                size_t from, int count,
                                                size_t *n, ddbxo_error *err)
{
    size_t text = b->len - from, arr = ((size_t)count + 1) * sizeof(ddbxo_sigv4_header);
    ddbxo_sigv4_header *h = malloc(arr + text);
    char *t;
    if (!h) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: out of memory");
        return NULL;
    }
    t = (char *)h + arr;
    memcpy(t, b->p + from, text);
    for (int i = 0; i < count; i++) {
        char *colon = strchr(t, ':'); /* names hold no ':' */
        *colon = '\0';
        h[i].name = t;
        h[i].value = colon + 2;
        t = colon + 2 + strlen(colon + 2) + 1;
    }
    h[count].name = h[count].value = NULL;
    if (n)
        *n = (size_t)count;
    return h;
}

DDBXO_API void ddbxo_sigv4_headers_free(ddbxo_sigv4_header *headers)
{
    const ddbxo_sigv4_header *h = headers;
    if (!headers)
        return;
    /* One block: the array, then the text, whose last value ends it.  The
     * text holds the session token and the signature. */
    while (h->name)
        h++;
    if (h != headers) {
        const char *end = h[-1].value + strlen(h[-1].value) + 1;
        OPENSSL_cleanse(headers, (size_t)(end - (const char *)headers));
    }
    free(headers);
}

DDBXO_API ddbxo_sigv4_header *ddbxo_sigv4_sign(const ddbxo_sigv4_request *req,
                                               const ddbxo_sigv4_params *p,
                                               size_t *n, ddbxo_error *err)
{
    char date[DDBXO_SIGV4_DATE_BUFSIZE];
    unsigned char key[DDBXO_SIGV4_KEY_LEN];
    ddbxo__sha sha;
    ddbxo__buf out;
    ddbxo__sv4_ctx c;
    ddbxo_sigv4_header *h = NULL;
    int count;

    if (n)
        *n = 0;
    if (!req || !p) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL, "sigv4: %s is NULL",
                   !req ? "request" : "params");
        return NULL;
    }
    if (ddbxo__sv4_check_creds(p->access_key_id, p->secret_access_key,
                               p->session_token, err) < 0 ||
        ddbxo__sv4_check_scope(p->region, p->service, err) < 0 ||
        ddbxo__sv4_date(p, date, err) < 0)
        return NULL;
    if (ddbxo__sha_init(&sha) < 0) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: cannot set up SHA-256");
        return NULL;
    }
    if (ddbxo__sv4_derive_key(&sha, p->secret_access_key, date, p->region,
                              p->service, key) < 0) {
        ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                   "sigv4: deriving the signing key failed");
        goto out;
    }
    c.akid = p->access_key_id;
    c.token = p->session_token;
    c.region = p->region;
    c.service = p->service;
    c.amz_date = date;
    c.flags = p->flags;
    c.key = key;
    ddbxo__buf_init(&out);
    count = ddbxo__sv4_sign_lines(&c, req, &sha, &out, err);
    if (count > 0)
        h = ddbxo__sv4_lines_to_headers(&out, 0, count, n, err);
    ddbxo__buf_wipe_free(&out);     /* holds the token */
out:
    OPENSSL_cleanse(key, sizeof key);
    ddbxo__sha_free(&sha);
    return h;
}
