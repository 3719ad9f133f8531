/* Internal: SigV4 building blocks shared by lib/sigv4_*.c, the HTTP layer
 * (ddbxo__signer_sign_lines) and the tests. */
#ifndef DDBXO_LIB_SIGV4_H
#define DDBXO_LIB_SIGV4_H

#include "util/buf.h"
#include "ddbxo.h"
#include "ddbxo/sys/sigv4.h"
#include "util/sha256.h"

#define DDBXO__SIGV4_ALGO "AWS4-HMAC-SHA256"
#define DDBXO__SIGV4_TERM "aws4_request"

/* ddbxo_sigv4_params.flags: switches for the official test suite's S3
 * cases, not part of the installed API (DynamoDB wants all of them off). */
/* Sign the path verbatim instead of removing "." / ".." segments and
 * repeated slashes (S3 style; the suite's *-unnormalized cases). */
#define DDBXO_SIGV4_NO_NORMALIZE_PATH 0x1u
/* Add X-Amz-Security-Token after signing, unsigned (the suite's
 * post-sts-header-after; AWS services, DynamoDB included, want it signed). */
#define DDBXO_SIGV4_UNSIGNED_TOKEN 0x2u
/* Add and sign x-amz-content-sha256 (S3 style; the suite's sign_body). */
#define DDBXO_SIGV4_CONTENT_SHA256 0x4u

/* ---------------------------------------------------------------- HTTP layer
 * Signs req at time t (0 = now) and appends to out one NUL-terminated
 * "Name: value" line per header to add -- X-Amz-Date, then
 * X-Amz-Security-Token when the signer has a token, then Authorization --
 * ready for curl_slist_append.  Returns the number of lines appended, or -1
 * with err set (out is then restored to its old length).  Thread-safe; no
 * allocation beyond out's growth.  Call it once per attempt, so a retry
 * gets a fresh date. */
int ddbxo__signer_sign_lines(ddbxo_signer *s, const ddbxo_sigv4_request *req,
                             time_t t, ddbxo__buf *out, ddbxo_error *err);

/* How many times s derived a signing key (cache misses); for tests. */
unsigned long ddbxo__signer_derivations(ddbxo_signer *s);

/* ---------------------------------------------------------------- steps */

/* A header prepared for canonicalisation: name as given (lower-cased on
 * output), value untrimmed.  Both point into caller memory. */
typedef struct ddbxo__sv4_hdr {
    const char *name;
    size_t nlen;
    const char *val;
    size_t vlen;
} ddbxo__sv4_hdr;

/* The headers to sign (caller's, minus the excluded ones, plus
 * x-amz-date and the optional token / content hash), stably sorted by
 * lower-case name; and the payload hash.  Lives on the stack. */
typedef struct ddbxo__sv4_prep {
    ddbxo__sv4_hdr h[DDBXO_SIGV4_MAX_HEADERS + 3];
    size_t n;
    char payload[DDBXO_SIGV4_HEX_BUFSIZE];
    const char *payload_hash; /* payload or req->payload_hash */
} ddbxo__sv4_prep;

/* Validates req and fills pp.  token is NULL/"" for none; amz_date and
 * token must outlive pp.  sha hashes the body.  0 or -1 with err. */
int ddbxo__sv4_prepare(ddbxo__sv4_prep *pp, const ddbxo_sigv4_request *req,
                       const char *amz_date, const char *token,
                       unsigned flags, ddbxo__sha *sha, ddbxo_error *err);

/* Appends the SignedHeaders value ("host;x-amz-date") of pp to out. */
int ddbxo__sv4_signed_headers(const ddbxo__sv4_prep *pp, ddbxo__buf *out);

/* Where canonical-request bytes go: hashed (sha != NULL; staged so the
 * digest sees a few large updates), kept as text (text != NULL), or both. */
typedef struct ddbxo__sv4_sink {
    ddbxo__sha *sha;
    ddbxo__buf *text;
    size_t n;
    int failed;
    unsigned char stage[512];
} ddbxo__sv4_sink;

void ddbxo__sv4_sink_init(ddbxo__sv4_sink *k, ddbxo__sha *sha,
                          ddbxo__buf *text);
void ddbxo__sv4_put(ddbxo__sv4_sink *k, const void *p, size_t n);
/* Flushes; with sha, writes the digest to out.  0 or -1 (failed). */
int ddbxo__sv4_sink_finish(ddbxo__sv4_sink *k,
                           unsigned char out[DDBXO__SHA256_LEN]);

/* Canonical URI of path: normalised unless DDBXO_SIGV4_NO_NORMALIZE_PATH,
 * then URI-encoded except '/' and unreserved.  0 or -1 (out of memory). */
int ddbxo__sv4_canonical_path(ddbxo__sv4_sink *k, const char *path,
                              unsigned flags);
/* Canonical query string: pairs decoded, re-encoded, sorted by key then
 * value, a missing '=' read as an empty value.  0 or -1. */
int ddbxo__sv4_canonical_query(ddbxo__sv4_sink *k, const char *query);
/* Canonical headers block: "name:value\n" per name, values trimmed,
 * whitespace runs collapsed, repeated names joined with ','. */
void ddbxo__sv4_canonical_headers(ddbxo__sv4_sink *k,
                                  const ddbxo__sv4_prep *pp);
/* The whole canonical request. 0 or -1 (out of memory). */
int ddbxo__sv4_canonical_request(ddbxo__sv4_sink *k,
                                 const ddbxo_sigv4_request *req,
                                 const ddbxo__sv4_prep *pp, unsigned flags,
                                 const char *signed_headers, size_t sh_len);

/* Room for a credential scope / string to sign with region and service
 * within their checked 63-character bound. */
#define DDBXO__SV4_SCOPE_MAX 160
#define DDBXO__SV4_STS_MAX 264

/* Credential scope "date/region/service/aws4_request" written to dst
 * (DDBXO__SV4_SCOPE_MAX bytes, NUL-terminated) or appended to out. */
size_t ddbxo__sv4_scope_fill(char *dst, const char *amz_date,
                             const char *region, const char *service);
int ddbxo__sv4_scope(ddbxo__buf *out, const char *amz_date,
                     const char *region, const char *service);
/* String to sign from the canonical request's digest, written to dst
 * (DDBXO__SV4_STS_MAX bytes; not NUL-terminated; returns the length) or
 * into out (which it resets; 0 or -1). */
size_t ddbxo__sv4_sts_fill(char *dst, const char *amz_date,
                           const char *region, const char *service,
                           const unsigned char cr_hash[DDBXO__SHA256_LEN]);
int ddbxo__sv4_string_to_sign(ddbxo__buf *out, const char *amz_date,
                              const char *region, const char *service,
                              const unsigned char cr_hash[DDBXO__SHA256_LEN]);
/* Signing key: HMAC chain over "AWS4"+secret, yyyymmdd, region, service,
 * "aws4_request".  Wipes its intermediates.  0 or -1. */
int ddbxo__sv4_derive_key(ddbxo__sha *sha, const char *secret,
                          const char *date8, const char *region,
                          const char *service,
                          unsigned char key[DDBXO_SIGV4_KEY_LEN]);
/* Hex signature of sts (len bytes) under key.  0 or -1. */
int ddbxo__sv4_sign_hex(ddbxo__sha *sha,
                        const unsigned char key[DDBXO_SIGV4_KEY_LEN],
                        const void *sts, size_t len,
                        char out[DDBXO_SIGV4_HEX_BUFSIZE]);

/* ---------------------------------------------------------------- sign */

/* Everything one signature needs besides the request.  All borrowed;
 * inputs checked by the caller; key already derived for amz_date. */
typedef struct ddbxo__sv4_ctx {
    const char *akid, *token, *region, *service, *amz_date;
    unsigned flags;
    const unsigned char *key;
} ddbxo__sv4_ctx;

/* Appends the "Name: value\0" lines for req (see ddbxo__signer_sign_lines)
 * and returns how many; -1 with err and out restored. */
int ddbxo__sv4_sign_lines(const ddbxo__sv4_ctx *c,
                          const ddbxo_sigv4_request *req, ddbxo__sha *sha,
                          ddbxo__buf *out, ddbxo_error *err);
/* Turns such lines (out[from..]) into a ddbxo_sigv4_header array in one
 * allocation; NULL with err. */
ddbxo_sigv4_header *ddbxo__sv4_lines_to_headers(const ddbxo__buf *b,
                                                size_t from, int count,
                                                size_t *n, ddbxo_error *err);

/* ---------------------------------------------------------------- checks */

/* Resolves p's date (amz_date validated, or time formatted) into out. */
int ddbxo__sv4_date(const ddbxo_sigv4_params *p,
                    char out[DDBXO_SIGV4_DATE_BUFSIZE], ddbxo_error *err);
/* 1 if s is a well-formed "YYYYMMDDTHHMMSSZ" with plausible fields. */
int ddbxo__sv4_date_ok(const char *s);
/* Checks the credential and scope fields of p; the message names the field,
 * never its value. */
int ddbxo__sv4_check_creds(const char *akid, const char *secret,
                           const char *token, ddbxo_error *err);
int ddbxo__sv4_check_scope(const char *region, const char *service,
                           ddbxo_error *err);

#endif
