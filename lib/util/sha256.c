/* SHA-256 and HMAC-SHA256 over the OpenSSL 3 EVP digest API.
 *
 * HMAC is built from the digest (RFC 2104) rather than EVP_MAC or HMAC():
 * both of those set up a fresh provider context per call, which costs more
 * than the hashing itself for SigV4's short messages. */
#include "util/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#define BLOCK 64 /* SHA-256 block size */

static EVP_MD *g_sha256;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* Fetched once and kept for the life of the process: releasing it would
 * race with signers still running in other threads at exit. */
static void fetch_sha256(void)
{
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int ddbxo__sha_init(ddbxo__sha *s)
{
    s->md = NULL;
    if (pthread_once(&g_once, fetch_sha256) != 0 || !g_sha256)
        return -1;
    s->md = EVP_MD_CTX_new();
    return s->md ? 0 : -1;
}

void ddbxo__sha_free(ddbxo__sha *s)
{
    if (!s)
        return;
    EVP_MD_CTX_free(s->md); /* cleanses the digest state */
    s->md = NULL;
}

int ddbxo__sha_begin(ddbxo__sha *s)
{
    return EVP_DigestInit_ex2(s->md, g_sha256, NULL) == 1 ? 0 : -1;
}

int ddbxo__sha_update(ddbxo__sha *s, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    return EVP_DigestUpdate(s->md, p, n) == 1 ? 0 : -1;
}

int ddbxo__sha_final(ddbxo__sha *s, unsigned char out[DDBXO__SHA256_LEN])
{
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(s->md, out, &n) != 1 || n != DDBXO__SHA256_LEN)
        return -1;
    return 0;
}

int ddbxo__sha256(ddbxo__sha *s, const void *p, size_t n,
                  unsigned char out[DDBXO__SHA256_LEN])
{
    if (ddbxo__sha_begin(s) < 0 || ddbxo__sha_update(s, p, n) < 0)
        return -1;
    return ddbxo__sha_final(s, out);
}

int ddbxo__sha256_hex(ddbxo__sha *s, const void *p, size_t n,
                      char out[DDBXO__SHA256_HEX])
{
    static const char d[] = "0123456789abcdef";
    unsigned char h[DDBXO__SHA256_LEN];
    if (ddbxo__sha256(s, p, n, h) < 0)
        return -1;
    for (int i = 0; i < DDBXO__SHA256_LEN; i++) {
        out[2 * i] = d[h[i] >> 4];
        out[2 * i + 1] = d[h[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

int ddbxo__hmac_sha256(ddbxo__sha *s, const void *key, size_t klen,
                       const void *msg, size_t mlen,
                       unsigned char out[DDBXO__SHA256_LEN])
{
    unsigned char k0[BLOCK], pad[BLOCK], inner[DDBXO__SHA256_LEN];
    int rc = -1;

    memset(k0, 0, sizeof k0);
    if (klen > BLOCK) {
        if (ddbxo__sha256(s, key, klen, k0) < 0)
            goto out;
    } else if (klen) {
        memcpy(k0, key, klen);
    }
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k0[i] ^ 0x36;
    if (ddbxo__sha_begin(s) < 0 || ddbxo__sha_update(s, pad, BLOCK) < 0 ||
        ddbxo__sha_update(s, msg, mlen) < 0 || ddbxo__sha_final(s, inner) < 0)
        goto out;
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k0[i] ^ 0x5c;
    if (ddbxo__sha_begin(s) < 0 || ddbxo__sha_update(s, pad, BLOCK) < 0 ||
        ddbxo__sha_update(s, inner, sizeof inner) < 0 ||
        ddbxo__sha_final(s, out) < 0)
        goto out;
    rc = 0;
out:
    /* k0/pad/inner are derived from the key: a signing key is a secret. */
    OPENSSL_cleanse(k0, sizeof k0);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    return rc;
}
