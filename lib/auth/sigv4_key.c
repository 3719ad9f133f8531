/* SigV4 steps 2-4: credential scope, string to sign, signing key and
 * signature.  Inputs are already checked (lib/auth/sigv4_check.c), which bounds
 * region and service and so every buffer here. */
#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* "AWS4" + secret fits here for any real secret (40 characters); longer
 * ones take the heap. */
#define KSECRET_STACK 128

static size_t cat(char *dst, size_t at, const char *s)
{
    size_t n = strlen(s);
    memcpy(dst + at, s, n);
    return at + n;
}

size_t ddbxo__sv4_scope_fill(char *dst, const char *amz_date,
                             const char *region, const char *service)
{
    size_t n = 0;
    memcpy(dst, amz_date, 8);
    n = 8;
    dst[n++] = '/';
    n = cat(dst, n, region);
    dst[n++] = '/';
    n = cat(dst, n, service);
    dst[n++] = '/';
    n = cat(dst, n, DDBXO__SIGV4_TERM);
    dst[n] = '\0';
    return n;
}

int ddbxo__sv4_scope(ddbxo__buf *out, const char *amz_date,
                     const char *region, const char *service)
{
    char scope[DDBXO__SV4_SCOPE_MAX];
    size_t n = ddbxo__sv4_scope_fill(scope, amz_date, region, service);
    return ddbxo__buf_put(out, scope, n);
}

size_t ddbxo__sv4_sts_fill(char *dst, const char *amz_date,
                           const char *region, const char *service,
                           const unsigned char cr_hash[DDBXO__SHA256_LEN])
{
    size_t n = cat(dst, 0, DDBXO__SIGV4_ALGO "\n");
    memcpy(dst + n, amz_date, 16);
    n += 16;
    dst[n++] = '\n';
    n += ddbxo__sv4_scope_fill(dst + n, amz_date, region, service);
    dst[n++] = '\n';
    ddbxo__hex(cr_hash, DDBXO__SHA256_LEN, dst + n);
    return n + 64;
}

int ddbxo__sv4_string_to_sign(ddbxo__buf *out, const char *amz_date,
                              const char *region, const char *service,
                              const unsigned char cr_hash[DDBXO__SHA256_LEN])
{
    char sts[DDBXO__SV4_STS_MAX];
    size_t n = ddbxo__sv4_sts_fill(sts, amz_date, region, service, cr_hash);
    out->len = 0;
    return ddbxo__buf_put(out, sts, n);
}

int ddbxo__sv4_derive_key(ddbxo__sha *sha, const char *secret,
                          const char *date8, const char *region,
                          const char *service,
                          unsigned char key[DDBXO_SIGV4_KEY_LEN])
{
    unsigned char stack[KSECRET_STACK], k[DDBXO__SHA256_LEN];
    unsigned char *ks = stack;
    size_t slen = strlen(secret), klen = slen + 4;
    int rc = -1;

    if (klen > sizeof stack && !(ks = malloc(klen)))
        return -1;
    memcpy(ks, "AWS4", 4);
    memcpy(ks + 4, secret, slen);
    /* key = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
     *            "aws4_request") */
    if (ddbxo__hmac_sha256(sha, ks, klen, date8, 8, k) < 0 ||
        ddbxo__hmac_sha256(sha, k, sizeof k, region, strlen(region), k) < 0 ||
        ddbxo__hmac_sha256(sha, k, sizeof k, service, strlen(service), k) <
            0 ||
        ddbxo__hmac_sha256(sha, k, sizeof k, DDBXO__SIGV4_TERM,
                           sizeof DDBXO__SIGV4_TERM - 1, key) < 0)
        goto out;
    rc = 0;
out:
    OPENSSL_cleanse(ks, klen);
    OPENSSL_cleanse(k, sizeof k);
    if (ks != stack)
        free(ks);
    if (rc < 0)
        OPENSSL_cleanse(key, DDBXO_SIGV4_KEY_LEN);
    return rc;
}

int ddbxo__sv4_sign_hex(ddbxo__sha *sha,
                        const unsigned char key[DDBXO_SIGV4_KEY_LEN],
                        const void *sts, size_t len,
                        char out[DDBXO_SIGV4_HEX_BUFSIZE])
{
    unsigned char mac[DDBXO__SHA256_LEN];
    if (ddbxo__hmac_sha256(sha, key, DDBXO_SIGV4_KEY_LEN, sts, len, mac) < 0)
        return -1;
    ddbxo__hex(mac, sizeof mac, out);
    return 0;
}
