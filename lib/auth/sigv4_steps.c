/* The public per-step SigV4 functions: each spec step on its own, for
 * tests, debugging a signature mismatch, and callers that sign requests
 * we do not send.  The signing path itself uses lib/auth/sigv4_sign.c. */
#include "util/error.h"
#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <string.h>

static int null_arg(ddbxo_error *err, const char *what)
{
    return ddbxo__err(err, DDBXO_E_INVALID, NULL, "sigv4: %s is NULL", what);
}

static char *take(ddbxo__buf *b, ddbxo_error *err)
{
    char *s;
    if (b->oom) {
        ddbxo__buf_wipe_free(b);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: out of memory");
        return NULL;
    }
    s = (char *)ddbxo__buf_take(b, NULL);
    if (!s)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: out of memory");
    return s;
}

DDBXO_API char *ddbxo_sigv4_canonical_request(const ddbxo_sigv4_request *req,
                                              const ddbxo_sigv4_params *p,
                                              ddbxo_error *err)
{
    char date[DDBXO_SIGV4_DATE_BUFSIZE];
    const char *tok;
    ddbxo__sv4_prep pp;
    ddbxo__sv4_sink k;
    ddbxo__sha sha;
    ddbxo__buf sh, text;
    char *r = NULL;

    if (!req || !p) {
        null_arg(err, !req ? "request" : "params");
        return NULL;
    }
    tok = p->session_token;
    if ((tok && *tok && ddbxo__sv4_check_creds("x", "x", tok, err) < 0) ||
        ddbxo__sv4_date(p, date, err) < 0)
        return NULL;
    if (ddbxo__sha_init(&sha) < 0) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: cannot set up SHA-256");
        return NULL;
    }
    ddbxo__buf_init(&sh);
    ddbxo__buf_init(&text);
    if (ddbxo__sv4_prepare(&pp, req, date, tok, p->flags, &sha, err) < 0)
        goto out;
    ddbxo__sv4_sink_init(&k, NULL, &text);
    if (ddbxo__sv4_signed_headers(&pp, &sh) < 0 ||
        ddbxo__sv4_canonical_request(&k, req, &pp, p->flags,
                                     (const char *)sh.p, sh.len) < 0) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: out of memory");
        goto out;
    }
    r = take(&text, err);
out:
    ddbxo__buf_free(&sh);
    ddbxo__buf_wipe_free(&text);    /* its x-amz-security-token line */
    ddbxo__sha_free(&sha);
    return r;
}

DDBXO_API char *ddbxo_sigv4_string_to_sign(const char *canonical_request,
                                           const ddbxo_sigv4_params *p,
                                           ddbxo_error *err)
{
    char date[DDBXO_SIGV4_DATE_BUFSIZE];
    unsigned char h[DDBXO__SHA256_LEN];
    ddbxo__sha sha;
    ddbxo__buf out;
    int rc;

    if (!canonical_request || !p) {
        null_arg(err, !p ? "params" : "canonical_request");
        return NULL;
    }
    if (ddbxo__sv4_check_scope(p->region, p->service, err) < 0 ||
        ddbxo__sv4_date(p, date, err) < 0)
        return NULL;
    if (ddbxo__sha_init(&sha) < 0) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: cannot set up SHA-256");
        return NULL;
    }
    rc = ddbxo__sha256(&sha, canonical_request, strlen(canonical_request), h);
    ddbxo__sha_free(&sha);
    if (rc < 0) {
        ddbxo__err(err, DDBXO_E_INTERNAL, NULL, "sigv4: SHA-256 failed");
        return NULL;
    }
    ddbxo__buf_init(&out);
    ddbxo__sv4_string_to_sign(&out, date, p->region, p->service, h);
    return take(&out, err);
}

DDBXO_API int ddbxo_sigv4_signing_key(const ddbxo_sigv4_params *p,
                                      unsigned char key[DDBXO_SIGV4_KEY_LEN],
                                      ddbxo_error *err)
{
    char date[DDBXO_SIGV4_DATE_BUFSIZE];
    ddbxo__sha sha;
    int rc;

    if (!p || !key)
        return null_arg(err, !p ? "params" : "key");
    if (!p->secret_access_key || !*p->secret_access_key)
        return ddbxo__err(err, DDBXO_E_INVALID, "secret_access_key",
                          "sigv4: secret access key is missing");
    if (ddbxo__sv4_check_scope(p->region, p->service, err) < 0 ||
        ddbxo__sv4_date(p, date, err) < 0)
        return -1;
    if (ddbxo__sha_init(&sha) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                          "sigv4: cannot set up SHA-256");
    rc = ddbxo__sv4_derive_key(&sha, p->secret_access_key, date, p->region,
                               p->service, key);
    ddbxo__sha_free(&sha);
    if (rc < 0)
        return ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                          "sigv4: deriving the signing key failed");
    return 0;
}

DDBXO_API int ddbxo_sigv4_signature(
    const unsigned char key[DDBXO_SIGV4_KEY_LEN], const char *string_to_sign,
    char out[DDBXO_SIGV4_HEX_BUFSIZE], ddbxo_error *err)
{
    ddbxo__sha sha;
    int rc;

    if (!key || !string_to_sign || !out)
        return null_arg(err, !key ? "key"
                             : !string_to_sign ? "string_to_sign"
                                               : "out");
    if (ddbxo__sha_init(&sha) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                          "sigv4: cannot set up SHA-256");
    rc = ddbxo__sv4_sign_hex(&sha, key, string_to_sign,
                             strlen(string_to_sign), out);
    ddbxo__sha_free(&sha);
    if (rc < 0)
        return ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                          "sigv4: HMAC-SHA256 failed");
    return 0;
}

static int hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[64] == '\0';
}

DDBXO_API char *ddbxo_sigv4_authorization(const ddbxo_sigv4_request *req,
                                          const ddbxo_sigv4_params *p,
                                          const char *signature,
                                          ddbxo_error *err)
{
    char date[DDBXO_SIGV4_DATE_BUFSIZE];
    ddbxo__sv4_prep pp;
    ddbxo__buf out;

    if (!req || !p || !signature) {
        null_arg(err, !req ? "request" : !p ? "params" : "signature");
        return NULL;
    }
    if (!hex64(signature)) {
        ddbxo__err(err, DDBXO_E_INVALID, "signature",
                   "sigv4: signature is not 64 lower-case hex digits");
        return NULL;
    }
    /* The secret is not needed here; check the rest as signing would. */
    if (ddbxo__sv4_check_creds(p->access_key_id, "x", p->session_token,
                               err) < 0 ||
        ddbxo__sv4_check_scope(p->region, p->service, err) < 0 ||
        ddbxo__sv4_date(p, date, err) < 0 ||
        ddbxo__sv4_prepare(&pp, req, date, p->session_token, p->flags, NULL,
                           err) < 0)
        return NULL;
    ddbxo__buf_init(&out);
    ddbxo__buf_puts(&out, DDBXO__SIGV4_ALGO " Credential=");
    ddbxo__buf_puts(&out, p->access_key_id);
    ddbxo__buf_putc(&out, '/');
    ddbxo__sv4_scope(&out, date, p->region, p->service);
    ddbxo__buf_puts(&out, ", SignedHeaders=");
    ddbxo__sv4_signed_headers(&pp, &out);
    ddbxo__buf_puts(&out, ", Signature=");
    ddbxo__buf_puts(&out, signature);
    return take(&out, err);
}
