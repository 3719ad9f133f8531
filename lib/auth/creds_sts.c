/* Credentials from STS: a role assumed with another identity's credentials
 * (profiles with role_arn + source_profile / credential_source), or with a
 * web identity token file (EKS IRSA: AWS_WEB_IDENTITY_TOKEN_FILE +
 * AWS_ROLE_ARN, or a profile's web_identity_token_file).  Both are
 * refreshable sources behind the provider in creds.c. */
#include "auth/creds.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/error.h"
#include "auth/sts.h"

struct sts_src {
    ddbxo__sts_endpoint ep;
    char *role_arn, *session_name, *external_id, *token_file;
    int duration_s;
    ddbxo_credentials_provider *base;   /* AssumeRole: the caller */
    int owns_base;
};

static void sts_src_free(void *state)
{
    struct sts_src *s = state;
    if (!s)
        return;
    free(s->role_arn);
    free(s->session_name);
    free(s->external_id);
    free(s->token_file);
    if (s->owns_base)
        ddbxo_credentials_provider_free(s->base);
    free(s);
}

/* The token file is re-read on every fetch: the kubelet rotates it. */
static char *read_token(const char *path, ddbxo_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    if (!f) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "web identity: cannot read the token file %s: %s", path,
                   strerror(errno));
        return NULL;
    }
    /* Unbuffered: stdio's own buffer would hold a copy of the secret and
     * go back to the allocator unwiped at fclose. */
    setvbuf(f, NULL, _IONBF, 0);
    if (!(buf = malloc(DDBXO__MAX_TOKEN_FILE_BYTES + 1))) {
        fclose(f);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    n = fread(buf, 1, DDBXO__MAX_TOKEN_FILE_BYTES + 1, f);
    fclose(f);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    if (n > DDBXO__MAX_TOKEN_FILE_BYTES || n == 0) {
        OPENSSL_cleanse(buf, DDBXO__MAX_TOKEN_FILE_BYTES + 1);
        free(buf);
        ddbxo__err(err, n ? DDBXO_E_LIMIT : DDBXO_E_CONFIG, NULL,
                   "web identity: the token file %s is %s", path,
                   n ? "too large" : "empty");
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int web_fetch(void *state, ddbxo_credentials *out, ddbxo_error *err)
{
    struct sts_src *s = state;
    ddbxo__sts_req r;
    char *tok = read_token(s->token_file, err);
    int rc;
    if (!tok)
        return -1;
    memset(&r, 0, sizeof r);
    r.role_arn = s->role_arn;
    r.session_name = s->session_name;
    r.duration_s = s->duration_s;
    r.web_identity_token = tok;
    rc = ddbxo__sts_assume(&s->ep, &r, NULL, out, err);
    OPENSSL_cleanse(tok, strlen(tok));
    free(tok);
    return rc;
}

static int role_fetch(void *state, ddbxo_credentials *out, ddbxo_error *err)
{
    struct sts_src *s = state;
    ddbxo_credentials caller;
    ddbxo__sts_req r;
    int rc;
    if (ddbxo_credentials_get(s->base, &caller, err) < 0)
        return -1;
    memset(&r, 0, sizeof r);
    r.role_arn = s->role_arn;
    r.session_name = s->session_name;
    r.external_id = s->external_id;
    r.duration_s = s->duration_s;
    rc = ddbxo__sts_assume(&s->ep, &r, &caller, out, err);
    ddbxo_credentials_clear(&caller);
    return rc;
}

static const ddbxo__creds_source web_source = { "web-identity", web_fetch,
                                                sts_src_free };
static const ddbxo__creds_source role_source = { "assume-role", role_fetch,
                                                 sts_src_free };

/* A session name when none is configured: the SDKs make one from the
 * time; so does this (letters, digits and "=,.@-" are allowed). */
static void default_session(char *out, size_t n)
{
    snprintf(out, n, "ddbxo-%lld", (long long)(ddbxo__wall_ms() / 1000));
}

static int sts_src_new(const ddbxo__creds_sts_cfg *c, const ddbxo__env *env,
                       struct sts_src **out, ddbxo_error *err)
{
    struct sts_src *s = calloc(1, sizeof *s);
    char sess[64];
    *out = NULL;
    if (!s)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    if (c->duration_s && (c->duration_s < 900 || c->duration_s > 43200)) {
        free(s);
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s: duration_seconds must be 900..43200",
                          c->what);
    }
    if (!c->role_arn || strncmp(c->role_arn, "arn:", 4) != 0) {
        free(s);
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s: role_arn is missing or not an ARN", c->what);
    }
    if (ddbxo__sts_endpoint_resolve(env, c->region, &s->ep, err) < 0) {
        free(s);
        return -1;
    }
    default_session(sess, sizeof sess);
    s->duration_s = c->duration_s;
    if (!(s->role_arn = strdup(c->role_arn)) ||
        !(s->session_name = strdup(c->session_name ? c->session_name : sess)) ||
        (c->external_id && !(s->external_id = strdup(c->external_id))) ||
        (c->token_file && !(s->token_file = strdup(c->token_file)))) {
        sts_src_free(s);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    *out = s;
    return 0;
}

ddbxo_credentials_provider *
ddbxo__creds_provider_sts(const ddbxo__creds_sts_cfg *c,
                          ddbxo_credentials_provider *base,
                          const ddbxo__creds_opts *o, ddbxo_error *err)
{
    struct sts_src *s;
    if (sts_src_new(c, o ? o->env : NULL, &s, err) < 0) {
        if (!c->borrow_base)
            ddbxo_credentials_provider_free(base);
        return NULL;
    }
    if (c->token_file) {
        if (!c->borrow_base)
            ddbxo_credentials_provider_free(base);
        return ddbxo__creds_provider_new(&web_source, s, o, err);
    }
    s->base = base;
    s->owns_base = !c->borrow_base;
    return ddbxo__creds_provider_new(&role_source, s, o, err);
}

int ddbxo__creds_web_identity_env(const ddbxo__creds_opts *o,
                                  const char *region,
                                  ddbxo_credentials_provider **out,
                                  ddbxo_error *err)
{
    const ddbxo__env *env = o ? o->env : NULL;
    const char *file = ddbxo__env_get(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *arn = ddbxo__env_get(env, "AWS_ROLE_ARN");
    ddbxo__creds_sts_cfg c;
    *out = NULL;
    if (!file && !arn)
        return 0;
    if (!file || !arn)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "web identity: %s is set but %s is not",
                          file ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN",
                          file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE");
    memset(&c, 0, sizeof c);
    c.what = "web identity (AWS_ROLE_ARN)";
    c.role_arn = arn;
    c.session_name = ddbxo__env_get(env, "AWS_ROLE_SESSION_NAME");
    c.token_file = file;
    c.region = region;
    if (!(*out = ddbxo__creds_provider_sts(&c, NULL, o, err)))
        return -1;
    return 1;
}
