/* A profile's credentials, as the SDKs resolve them (the shared config
 * file reference): in a profile, role_arn wins (with source_profile,
 * credential_source or web_identity_token_file), then static keys, then
 * credential_process.  Source profiles chain, with a loop check; a
 * profile that names itself as source_profile uses its own static keys. */
#include "auth/creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "auth/creds_file.h"

#define MAX_CHAIN 8

struct walk {
    const ddbxo__creds_opts *o;
    const char *region;
    const char *seen[MAX_CHAIN];
    int n;
};

static int resolve(struct walk *w, const char *name, int as_source,
                   ddbxo_credentials_provider **out, ddbxo_error *err);

static int fixed(ddbxo_credentials *c, ddbxo_credentials_provider **out,
                 ddbxo_error *err)
{
    return (*out = ddbxo__creds_provider_fixed(c, err)) ? 1 : -1;
}

/* The caller of AssumeRole, from credential_source. */
static int from_credential_source(struct walk *w, const char *name,
                                  const char *cs,
                                  ddbxo_credentials_provider **out,
                                  ddbxo_error *err)
{
    const ddbxo__env *env = w->o ? w->o->env : NULL;
    ddbxo_credentials c;
    int rc;
    if (strcmp(cs, "Environment") == 0) {
        if ((rc = ddbxo__creds_from_env(env, &c, err)) < 0)
            return -1;
        if (rc == 0)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "profile '%s': credential_source = Environment "
                              "but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
                              "are not set", name);
        return fixed(&c, out, err);
    }
    if (strcmp(cs, "Ec2InstanceMetadata") == 0)
        return (*out = ddbxo__creds_provider_imds(w->o, err)) ? 1 : -1;
    if (strcmp(cs, "EcsContainer") == 0) {
        const ddbxo__creds_source *src;
        void *state;
        rc = ddbxo__creds_container_config(env, w->o ? w->o->container_base
                                                     : NULL, &src, &state, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "profile '%s': credential_source = EcsContainer "
                              "but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / "
                              "_FULL_URI are not set", name);
        return (*out = ddbxo__creds_provider_new(src, state, w->o, err)) ? 1 : -1;
    }
    return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                      "profile '%s': credential_source must be Environment, "
                      "Ec2InstanceMetadata or EcsContainer", name);
}

static int assume_role(struct walk *w, const char *name,
                       const ddbxo__profile *p, ddbxo_credentials_provider **out,
                       ddbxo_error *err)
{
    const char *sp = ddbxo__profile_get(p, "source_profile");
    const char *cs = ddbxo__profile_get(p, "credential_source");
    const char *wf = ddbxo__profile_get(p, "web_identity_token_file");
    const char *dur = ddbxo__profile_get(p, "duration_seconds");
    ddbxo_credentials_provider *base = NULL;
    ddbxo__creds_sts_cfg c;
    char what[160];
    int rc;

    memset(&c, 0, sizeof c);
    snprintf(what, sizeof what, "profile '%s'", name);
    c.what = what;
    c.role_arn = ddbxo__profile_get(p, "role_arn");
    c.session_name = ddbxo__profile_get(p, "role_session_name");
    c.external_id = ddbxo__profile_get(p, "external_id");
    c.region = w->region;
    if (dur) {
        char *end;
        long v = strtol(dur, &end, 10);
        if (*end || end == dur || v < 900 || v > 43200)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "profile '%s': duration_seconds must be a number "
                              "900..43200", name);
        c.duration_s = (int)v;
    }
    if (!!sp + !!cs + !!wf != 1)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "profile '%s': role_arn needs exactly one of "
                          "source_profile, credential_source and "
                          "web_identity_token_file", name);
    if (wf) {
        c.token_file = wf;
        return (*out = ddbxo__creds_provider_sts(&c, NULL, w->o, err)) ? 1 : -1;
    }
    if (cs) {
        rc = from_credential_source(w, name, cs, &base, err);
    } else if (strcmp(sp, name) == 0) {
        /* A profile that is its own source: its static keys call STS. */
        ddbxo_credentials k;
        rc = ddbxo__creds_profile_static(p, name, &k, err);
        if (rc == 0)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "profile '%s' is its own source_profile but has "
                              "no aws_access_key_id / aws_secret_access_key",
                              name);
        if (rc > 0)
            rc = fixed(&k, &base, err);
    } else {
        rc = resolve(w, sp, 1, &base, err);
        if (rc == 0)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "profile '%s': source_profile '%s' has no "
                              "credentials", name, sp);
    }
    if (rc < 0)
        return -1;
    return (*out = ddbxo__creds_provider_sts(&c, base, w->o, err)) ? 1 : -1;
}

/* Settings of sources this library does not implement: a profile using
 * one fails loudly rather than fall through to another identity. */
static const char *const unsupported[] = {
    "sso_session", "sso_start_url", "login_session",
};

static int resolve(struct walk *w, const char *name, int as_source,
                   ddbxo_credentials_provider **out, ddbxo_error *err)
{
    const ddbxo__env *env = w->o ? w->o->env : NULL;
    ddbxo__profile *p = NULL;
    const char *proc;
    ddbxo_credentials k;
    int rc;

    *out = NULL;
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->seen[i], name) == 0)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "profile '%s': source_profile chain loops back "
                              "to '%s'", w->seen[0], name);
    if (w->n == MAX_CHAIN)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "profile '%s': source_profile chain is longer than "
                          "%d profiles", w->seen[0], MAX_CHAIN);
    w->seen[w->n++] = name;
    if (ddbxo__profile_load(env, name, DDBXO__PF_CONFIG | DDBXO__PF_CREDENTIALS,
                            &p, err) < 0)
        return -1;
    if (!p) {
        if (as_source)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "source_profile '%s' is in neither the shared "
                              "credentials file nor the config file", name);
        return 0;
    }
    if (ddbxo__profile_get(p, "role_arn")) {
        rc = assume_role(w, name, p, out, err);
        goto done;
    }
    if (ddbxo__profile_get(p, "web_identity_token_file")) {
        rc = ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                        "profile '%s': web_identity_token_file needs role_arn",
                        name);
        goto done;
    }
    if ((rc = ddbxo__creds_profile_static(p, name, &k, err)) != 0) {
        if (rc > 0)
            rc = fixed(&k, out, err);
        goto done;
    }
    if ((proc = ddbxo__profile_get(p, "credential_process")) && *proc) {
        rc = (*out = ddbxo__creds_provider_process(proc, name, w->o, err))
                 ? 1 : -1;
        goto done;
    }
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (ddbxo__profile_get(p, unsupported[i])) {
            rc = ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                            "profile '%s' uses %s (IAM Identity Center / "
                            "console login), which libddbxo does not "
                            "support; run `aws configure export-credentials "
                            "--format process` as its credential_process, or "
                            "use another source", name, unsupported[i]);
            goto done;
        }
    if (ddbxo__profile_get(p, "credential_source") ||
        ddbxo__profile_get(p, "source_profile") ||
        ddbxo__profile_get(p, "external_id")) {
        rc = ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                        "profile '%s' has source_profile/credential_source "
                        "but no role_arn", name);
        goto done;
    }
    rc = 0;     /* e.g. a profile holding only a region */
done:
    ddbxo__profile_free(p);
    return rc;
}

int ddbxo__creds_profile_provider(const ddbxo__creds_opts *o,
                                  const char *profile, const char *region,
                                  ddbxo_credentials_provider **out,
                                  ddbxo_error *err)
{
    const ddbxo__env *env = o ? o->env : NULL;
    int is_explicit, rc;
    const char *name = ddbxo__profile_name(env, profile, &is_explicit);
    struct walk w;
    ddbxo__profile *p = NULL;

    memset(&w, 0, sizeof w);
    w.o = o;
    w.region = region;
    *out = NULL;
    if (is_explicit) {
        if (ddbxo__profile_load(env, name,
                                DDBXO__PF_CONFIG | DDBXO__PF_CREDENTIALS, &p,
                                err) < 0)
            return -1;
        if (!p)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "profile '%s' (from %s) is in neither the "
                              "shared credentials file nor the config file",
                              name, profile && *profile ? "the caller"
                                                        : "AWS_PROFILE");
        ddbxo__profile_free(p);
    }
    rc = resolve(&w, name, 0, out, err);
    if (rc < 0) {
        ddbxo_credentials_provider_free(*out);
        *out = NULL;
    }
    return rc;
}
