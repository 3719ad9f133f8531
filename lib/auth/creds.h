/* Internal: credential snapshots, providers and the default chain (the
 * shared config/credentials files are lib/auth/creds_file.h).
 *
 * The HTTP/DynamoDB layer needs only the public ddbxo_credentials_get()
 * (a consistent, caller-owned snapshot) and ddbxo_endpoint_resolve(); the
 * rest is here so tests can inject the environment, the clock and the
 * container host. */
#ifndef DDBXO_LIB_CREDS_H
#define DDBXO_LIB_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "auth/env.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"

/* ---- snapshots ---------------------------------------------------- */

/* Fills *c with copies of the strings (tok may be NULL or "").  -1 +
 * DDBXO_E_NOMEM; *c is then cleared. */
int ddbxo__creds_set(ddbxo_credentials *c, const char *ak, const char *sk,
                     const char *tok, int64_t expiration, const char *source,
                     ddbxo_error *err);
int ddbxo__creds_copy(ddbxo_credentials *dst, const ddbxo_credentials *src,
                      ddbxo_error *err);
/* 1 if s is usable as a key id / secret / token: non-empty, printable
 * ASCII, no spaces.  They go into a header; a stray newline (an indented
 * line in a file) must not. */
int ddbxo__creds_token_ok(const char *s);

/* ---- clock -------------------------------------------------------- */

typedef int64_t (*ddbxo__clock_fn)(void *ctx);
/* Wall clock, Unix seconds. */
int64_t ddbxo__now_wall(void *ctx);
/* "2016-02-25T06:03:31Z", optional ".fff", "Z" or "+hh:mm"/"-hh:mm".
 * 0 and *out in Unix seconds, or -1. */
int ddbxo__parse_iso8601(const char *s, int64_t *out);

/* ---- providers ---------------------------------------------------- */

typedef struct ddbxo__creds_opts {
    const ddbxo__env *env;      /* NULL: the process environment (must
                                   outlive the provider) */
    const char *container_base; /* NULL: "http://169.254.170.2" (tests
                                   point it at 127.0.0.1) */
    ddbxo__clock_fn now;        /* NULL: ddbxo__now_wall */
    void *now_ctx;
    int process_timeout_ms;     /* credential_process [30000] */
} ddbxo__creds_opts;

/* credential_process is killed after this long. */
#define DDBXO__PROCESS_TIMEOUT_MS 30000

/* A refreshable source.  fetch fills *out (expiration may be 0) or returns
 * -1 with err; it runs without the provider lock held. */
typedef struct ddbxo__creds_source {
    const char *name;
    int (*fetch)(void *state, ddbxo_credentials *out, ddbxo_error *err);
    void (*free)(void *state);
} ddbxo__creds_source;

/* ddbxo_credentials_provider_default() with injected env/clock/host. */
ddbxo_credentials_provider *
ddbxo__creds_provider_default_opts(const char *profile,
                                   const ddbxo__creds_opts *o,
                                   ddbxo_error *err);
/* A provider around a refreshable source; owns state (freed on failure). */
ddbxo_credentials_provider *
ddbxo__creds_provider_new(const ddbxo__creds_source *src, void *state,
                          const ddbxo__creds_opts *o, ddbxo_error *err);
/* A provider that always returns *c, which is moved in (and zeroed). */
ddbxo_credentials_provider *
ddbxo__creds_provider_fixed(ddbxo_credentials *c, ddbxo_error *err);
/* 1 once per failure streak: a refresh failed while the cached
 * credentials were still usable, so they are still served; err gets the
 * refresh's error and *expiration (may be NULL) when they expire.  0
 * otherwise (and for fixed providers).  The client logs it (one line). */
int ddbxo__creds_provider_warning(ddbxo_credentials_provider *p,
                                  ddbxo_error *err, int64_t *expiration);
/* Number of successful fetches so far (tests). */
unsigned long ddbxo__creds_provider_fetches(ddbxo_credentials_provider *p);

/* Chain links: 1 and *out (or *state) set when the source is configured, 0 when
 * it is not, -1 + err when it is configured but broken. */
int ddbxo__creds_from_env(const ddbxo__env *env, ddbxo_credentials *out,
                          ddbxo_error *err);
int ddbxo__creds_container_config(const ddbxo__env *env, const char *base,
                                  const ddbxo__creds_source **src,
                                  void **state, ddbxo_error *err);

/* An STS-backed source (lib/auth/creds_sts.c). */
typedef struct ddbxo__creds_sts_cfg {
    const char *what;            /* names the setting in errors */
    const char *role_arn;
    const char *session_name;    /* NULL: "ddbxo-<unix time>" */
    const char *external_id;     /* NULL: none */
    int duration_s;              /* 0: STS default */
    const char *token_file;      /* set: AssumeRoleWithWebIdentity */
    const char *region;          /* STS signing region / endpoint */
    int borrow_base;             /* 1: base is the caller's, not freed */
} ddbxo__creds_sts_cfg;

/* A provider assuming c->role_arn with base's credentials (AssumeRole;
 * base is owned and freed on failure, unless c->borrow_base) or with
 * c->token_file (web identity; base must be NULL).  NULL + err. */
ddbxo_credentials_provider *
ddbxo__creds_provider_sts(const ddbxo__creds_sts_cfg *c,
                          ddbxo_credentials_provider *base,
                          const ddbxo__creds_opts *o, ddbxo_error *err);
/* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME):
 * 1 + *out, 0 when unset, -1 + err when half set or broken. */
int ddbxo__creds_web_identity_env(const ddbxo__creds_opts *o,
                                  const char *region,
                                  ddbxo_credentials_provider **out,
                                  ddbxo_error *err);
/* The profile (explicit, AWS_PROFILE or "default"), resolved as the SDKs
 * do (lib/auth/creds_profile.c): 1 + *out, 0 when it has no credentials (or a
 * fallback "default" does not exist), -1 + err. */
int ddbxo__creds_profile_provider(const ddbxo__creds_opts *o,
                                  const char *profile, const char *region,
                                  ddbxo_credentials_provider **out,
                                  ddbxo_error *err);
/* credential_process (lib/auth/creds_process.c). */
ddbxo_credentials_provider *
ddbxo__creds_provider_process(const char *command, const char *profile,
                              const ddbxo__creds_opts *o, ddbxo_error *err);
/* Reads a credential_process output (exposed for tests). */
int ddbxo__creds_process_parse(const char *text, size_t len,
                               const char *profile, ddbxo_credentials *out,
                               ddbxo_error *err);
/* IMDSv2 (lib/auth/creds_imds.c): AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE). */
ddbxo_credentials_provider *ddbxo__creds_provider_imds(const ddbxo__creds_opts *o,
                                                       ddbxo_error *err);
/* 1 if AWS_EC2_METADATA_DISABLED is "true" (any case). */
int ddbxo__creds_imds_disabled(const ddbxo__env *env);

/* Sanity cap for an authorization token read from a file. */
#define DDBXO__MAX_TOKEN_FILE_BYTES (16u * 1024u)

#endif
