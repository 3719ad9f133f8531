/*
 * libddbxo -- AWS Signature Version 4, step by step
 *
 * ADVANCED LAYER (libgit2's sys/ pattern): <ddbxo.h> does not include this
 * header; include it yourself.  Stability: names, signatures and
 * struct layouts hold within a major version, as in <ddbxo.h>.  A client
 * signs its own calls; this is for signing other requests, or checking each
 * step of the spec on its own (docs/sigv4.md).
 */
#ifndef DDBXO_SYS_SIGV4_H
#define DDBXO_SYS_SIGV4_H

#include <ddbxo.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sigv4: request signing ---- */
/* AWS Signature Version 4, Authorization-header form (docs/sigv4.md).
 * Every step of the spec is callable on its own; ddbxo_sigv4_sign runs them
 * all, and a ddbxo_signer does the same with a cached signing key. */

/* Bytes in a derived signing key (an HMAC-SHA256 output). */
#define DDBXO_SIGV4_KEY_LEN 32
/* Size of a buffer for a hex signature or payload hash and its NUL. */
#define DDBXO_SIGV4_HEX_BUFSIZE 65
/* Size of a buffer for an X-Amz-Date value ("YYYYMMDDTHHMMSSZ") and NUL. */
#define DDBXO_SIGV4_DATE_BUFSIZE 17
/* Most headers one request may carry into signing (a DynamoDB call signs
 * four or five); more is refused with DDBXO_E_LIMIT rather than sorted
 * slowly. */
#define DDBXO_SIGV4_MAX_HEADERS 64

/* One HTTP header.  Both strings NUL-terminated. */
typedef struct ddbxo_sigv4_header {
    const char *name;
    const char *value;
} ddbxo_sigv4_header;

/* The request to sign; every pointer is borrowed for the call only. */
typedef struct ddbxo_sigv4_request {
    const char *method;   /* "POST"; upper-cased when signed */
    const char *path;     /* as on the request line, e.g. "/"; NULL = "/" */
    const char *query;    /* without '?'; NULL or "" = none */
    const ddbxo_sigv4_header *headers; /* must include Host */
    size_t n_headers;
    const void *body;     /* may be NULL when body_len is 0 */
    size_t body_len;
    const char *payload_hash; /* optional: 64 lowercase hex digits (or
                               * "UNSIGNED-PAYLOAD") used instead of hashing
                               * body, e.g. when retrying the same body */
} ddbxo_sigv4_request;

/* Credentials, scope and time.  Borrowed for the call only. */
typedef struct ddbxo_sigv4_params {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" = long-term credentials */
    const char *region;        /* "us-east-1" */
    const char *service;       /* "dynamodb" (also for DynamoDB Streams) */
    const char *amz_date;      /* "YYYYMMDDTHHMMSSZ", or NULL to use time */
    time_t time;               /* UTC seconds; 0 = now; ignored if amz_date */
    unsigned flags;            /* 0 (other bits are internal test switches) */
} ddbxo_sigv4_params;

/* Formats t (0 = now) as an X-Amz-Date value into out.  0, or -1 with err
 * set (DDBXO_E_INVALID) when the year is outside 0000..9999. */
DDBXO_API int ddbxo_sigv4_format_date(time_t t,
                                      char out[DDBXO_SIGV4_DATE_BUFSIZE],
                                      ddbxo_error *err);

/* Step 1: the canonical request, NUL-terminated; free with ddbxo_free.
 * NULL on error (DDBXO_E_INVALID for a bad argument or header,
 * DDBXO_E_LIMIT for too many headers, DDBXO_E_NOMEM). */
DDBXO_API char *ddbxo_sigv4_canonical_request(const ddbxo_sigv4_request *req,
                                              const ddbxo_sigv4_params *p,
                                              ddbxo_error *err);

/* Step 2: the string to sign for a canonical request (uses p's date,
 * region, service).  Free with ddbxo_free; NULL on error as above. */
DDBXO_API char *ddbxo_sigv4_string_to_sign(const char *canonical_request,
                                           const ddbxo_sigv4_params *p,
                                           ddbxo_error *err);

/* Step 3: derives the signing key from p's secret, date, region and
 * service into key (a secret: wipe it when done).  0, or -1 with err. */
DDBXO_API int ddbxo_sigv4_signing_key(const ddbxo_sigv4_params *p,
                                      unsigned char key[DDBXO_SIGV4_KEY_LEN],
                                      ddbxo_error *err);

/* Step 4: hex HMAC-SHA256 of string_to_sign under key, into out.
 * 0, or -1 with err (DDBXO_E_INVALID for NULL arguments). */
DDBXO_API int ddbxo_sigv4_signature(
    const unsigned char key[DDBXO_SIGV4_KEY_LEN], const char *string_to_sign,
    char out[DDBXO_SIGV4_HEX_BUFSIZE], ddbxo_error *err);

/* Step 5: the Authorization header value for req signed with signature
 * (64 hex digits).  Free with ddbxo_free; NULL on error as in step 1. */
DDBXO_API char *ddbxo_sigv4_authorization(const ddbxo_sigv4_request *req,
                                          const ddbxo_sigv4_params *p,
                                          const char *signature,
                                          ddbxo_error *err);

/* All steps: returns the headers to add to req, in sending order
 * (X-Amz-Date, [x-amz-content-sha256], [X-Amz-Security-Token],
 * Authorization), ending with {NULL, NULL}; *n (if not NULL) gets the
 * count.  One allocation: free with ddbxo_sigv4_headers_free.  NULL on
 * error as in step 1.  Derives the key on every call: use a ddbxo_signer
 * to sign many requests. */
DDBXO_API ddbxo_sigv4_header *ddbxo_sigv4_sign(const ddbxo_sigv4_request *req,
                                               const ddbxo_sigv4_params *p,
                                               size_t *n, ddbxo_error *err);

/* Frees headers returned by a sign function.  Accepts NULL. */
DDBXO_API void ddbxo_sigv4_headers_free(ddbxo_sigv4_header *headers);

/* A signer: credentials, region and service, plus the signing key cached
 * per UTC day.  Thread-safe: any number of threads may sign and one may
 * replace the credentials meanwhile.  Secret and key are wiped on free. */
typedef struct ddbxo_signer ddbxo_signer;

/* Creates a signer from p (amz_date and time are ignored; the strings are
 * copied).  Free with ddbxo_signer_free.  NULL with err set
 * (DDBXO_E_INVALID for a missing or malformed field, DDBXO_E_NOMEM). */
DDBXO_API ddbxo_signer *ddbxo_signer_new(const ddbxo_sigv4_params *p,
                                         ddbxo_error *err);

/* Replaces the credentials (e.g. after a refresh; token may be NULL) and
 * drops the cached key.  Requests being signed meanwhile finish with the
 * old ones.  0, or -1 with err, leaving the old credentials in place. */
DDBXO_API int ddbxo_signer_set_credentials(ddbxo_signer *s,
                                           const char *access_key_id,
                                           const char *secret_access_key,
                                           const char *session_token,
                                           ddbxo_error *err);

/* Signs req at time t (0 = now), as ddbxo_sigv4_sign does; free the
 * result with ddbxo_sigv4_headers_free.  NULL with err set. */
DDBXO_API ddbxo_sigv4_header *ddbxo_signer_sign(ddbxo_signer *s,
                                                const ddbxo_sigv4_request *req,
                                                time_t t, size_t *n,
                                                ddbxo_error *err);

/* Wipes the secret, token and cached key and frees the signer.  No thread
 * may still be signing with it.  Accepts NULL. */
DDBXO_API void ddbxo_signer_free(ddbxo_signer *s);

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_SYS_SIGV4_H */
