/* Internal: SHA-256 and HMAC-SHA256 on OpenSSL 3 EVP.
 *
 * A ddbxo__sha holds one reusable EVP_MD_CTX so a signature (several
 * digests) costs one context allocation, and the SHA-256 implementation is
 * fetched once per process instead of on every call (implicit fetches are
 * what make OpenSSL 3 one-shot helpers slow). */
#ifndef DDBXO_LIB_SHA256_H
#define DDBXO_LIB_SHA256_H

#include <stddef.h>

#define DDBXO__SHA256_LEN 32
#define DDBXO__SHA256_HEX 65 /* 64 hex digits and a NUL */

typedef struct ddbxo__sha {
    void *md; /* EVP_MD_CTX *, kept opaque so callers need no OpenSSL headers */
} ddbxo__sha;

/* Allocates the digest context; 0 or -1 (out of memory / no SHA-256). */
int ddbxo__sha_init(ddbxo__sha *s);
void ddbxo__sha_free(ddbxo__sha *s);

/* Streaming digest: begin, any number of updates, final. */
int ddbxo__sha_begin(ddbxo__sha *s);
int ddbxo__sha_update(ddbxo__sha *s, const void *p, size_t n);
int ddbxo__sha_final(ddbxo__sha *s, unsigned char out[DDBXO__SHA256_LEN]);

/* One-shot digest and its lowercase hex form. */
int ddbxo__sha256(ddbxo__sha *s, const void *p, size_t n,
                  unsigned char out[DDBXO__SHA256_LEN]);
int ddbxo__sha256_hex(ddbxo__sha *s, const void *p, size_t n,
                      char out[DDBXO__SHA256_HEX]);

/* HMAC-SHA256 (RFC 2104).  Intermediate key material is wiped. */
int ddbxo__hmac_sha256(ddbxo__sha *s, const void *key, size_t klen,
                       const void *msg, size_t mlen,
                       unsigned char out[DDBXO__SHA256_LEN]);

#endif
