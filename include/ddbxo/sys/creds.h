/*
 * libddbxo -- credential providers and the region lookup
 *
 * ADVANCED LAYER (libgit2's sys/ pattern): <ddbxo.h> does not include this
 * header; include it yourself.  Stability: names, signatures and
 * struct layouts hold within a major version, as in <ddbxo.h>.  A client made
 * with a zeroed configuration finds credentials itself; this is for choosing
 * them (static keys, a profile) or reading them (docs/configuration.md).
 */
#ifndef DDBXO_SYS_CREDS_H
#define DDBXO_SYS_CREDS_H

#include <ddbxo.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- creds: credentials and region ---- */
#define DDBXO_REGION_MAX 63
#define DDBXO_REGION_BUFSIZE 64
/* Container credentials: largest response body read (a real one is ~2 KB). */
#define DDBXO_MAX_CREDS_RESPONSE_BYTES (64u * 1024u)
/* Refresh expiring credentials when fewer than this many seconds are left. */
#define DDBXO_CREDS_REFRESH_SECONDS 300
/* Credentials with fewer seconds left than this count as expired: a request
 * signed now must still be valid when it arrives. */
#define DDBXO_CREDS_EXPIRY_SKEW_SECONDS 10

/* A snapshot of AWS credentials, owned by the caller.  Strings are heap
 * copies; ddbxo_credentials_clear() wipes and frees them. */
typedef struct ddbxo_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;   /* NULL when the credentials have none */
    int64_t expiration;    /* Unix seconds; 0 = does not expire */
    const char *source;    /* static: "static", "environment", "profile",
                              "web-identity", "assume-role", "process",
                              "container", "imds" */
} ddbxo_credentials;

/* Where credentials come from; thread-safe, shareable by many clients. */

/* The SDK chain, chosen now, fetched lazily: environment keys; web
 * identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN); the profile
 * (argument, else AWS_PROFILE, else "default": keys, role_arn with
 * source_profile / credential_source / web_identity_token_file,
 * credential_process); container credentials; EC2 IMDSv2 unless
 * AWS_EC2_METADATA_DISABLED=true (docs/configuration.md).  Free with
 * _free().  NULL + DDBXO_E_CONFIG if one is broken or none applies. */
DDBXO_API ddbxo_credentials_provider *
ddbxo_credentials_provider_default(const char *profile, ddbxo_error *err);

/* Fixed credentials (session_token may be NULL); the strings are copied.
 * NULL + DDBXO_E_INVALID if a key is missing, empty or has spaces. */
DDBXO_API ddbxo_credentials_provider *
ddbxo_credentials_provider_static(const char *access_key_id,
                                  const char *secret_access_key,
                                  const char *session_token, ddbxo_error *err);

/* Thread-safe: copies current credentials into *out (caller clears it),
 * refreshing first if < DDBXO_CREDS_REFRESH_SECONDS remain.  -1 + err
 * (DDBXO_E_HTTP retryable, _CONFIG) when no unexpired ones; *out empty. */
DDBXO_API int ddbxo_credentials_get(ddbxo_credentials_provider *p,
                                    ddbxo_credentials *out, ddbxo_error *err);

/* Makes the next ddbxo_credentials_get() refetch (after an
 * ExpiredTokenException).  No effect on static/environment/profile ones. */
DDBXO_API void ddbxo_credentials_provider_invalidate(ddbxo_credentials_provider *p);

/* Wipes (OPENSSL_cleanse) and frees the strings of *c and zeroes it.
 * Accepts NULL and an already cleared struct. */
DDBXO_API void ddbxo_credentials_clear(ddbxo_credentials *c);

/* Frees a provider and wipes the credentials it caches.  Accepts NULL.
 * No ddbxo_credentials_get() may be running on it. */
DDBXO_API void ddbxo_credentials_provider_free(ddbxo_credentials_provider *p);

/* Writes the region (AWS_REGION, AWS_DEFAULT_REGION, else the profile's
 * `region` in the config file) NUL-terminated to out (DDBXO_REGION_BUFSIZE).
 * -1 + DDBXO_E_CONFIG if none is set or it is not a valid region name. */
DDBXO_API int ddbxo_config_region(char *out, size_t outsz, const char *profile,
                                  ddbxo_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_SYS_CREDS_H */
