/* The default credentials chain, in the AWS SDKs' order: environment,
 * web identity, the profile, the container, then EC2 instance metadata.
 * Above every provider it picks from. */
#include "auth/config.h"
#include "auth/creds.h"
#include "auth/creds_file.h"

#include "util/error.h"

ddbxo_credentials_provider *
ddbxo__creds_provider_default_opts(const char *profile,
                                   const ddbxo__creds_opts *o, ddbxo_error *err)
{
    const ddbxo__env *env = o ? o->env : NULL;
    const ddbxo__creds_source *src = NULL;
    ddbxo_credentials_provider *p = NULL;
    char region[DDBXO_REGION_BUFSIZE];
    void *state = NULL;
    ddbxo_credentials c;
    int rc;

    /* Order of the AWS SDKs: a broken source stops the chain rather than
     * silently falling through to another identity. */
    rc = ddbxo__creds_from_env(env, &c, err);
    if (rc < 0)
        return NULL;
    if (rc > 0)
        return ddbxo__creds_provider_fixed(&c, err);

    /* STS sources need a region; a missing one is reported by them, only
     * if one is configured. */
    if (ddbxo__config_region_env(region, sizeof region, profile, env, NULL) < 0)
        region[0] = '\0';
    rc = ddbxo__creds_web_identity_env(o, region, &p, err);
    if (rc != 0)
        return p;

    rc = ddbxo__creds_profile_provider(o, profile, region, &p, err);
    if (rc != 0)
        return p;

    rc = ddbxo__creds_container_config(env, o ? o->container_base : NULL,
                                       &src, &state, err);
    if (rc < 0)
        return NULL;
    if (rc > 0)
        return ddbxo__creds_provider_new(src, state, o, err);

    /* Last, as in the SDKs: on EC2 the instance role.  Off the instance
     * its first fetch fails in about two seconds with a message that says
     * what else could have been set. */
    if (!ddbxo__creds_imds_disabled(env))
        return ddbxo__creds_provider_imds(o, err);

    ddbxo__err(err, DDBXO_E_CONFIG, NULL,
               "no AWS credentials: set AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE and "
               "AWS_ROLE_ARN, credentials for profile '%s' in the shared "
               "credentials/config file, or AWS_CONTAINER_CREDENTIALS_FULL_URI"
               "/_RELATIVE_URI (the EC2 instance metadata service is off: "
               "AWS_EC2_METADATA_DISABLED)",
               ddbxo__profile_name(env, profile, NULL));
    return NULL;
}

DDBXO_API ddbxo_credentials_provider *
ddbxo_credentials_provider_default(const char *profile, ddbxo_error *err)
{
    return ddbxo__creds_provider_default_opts(profile, NULL, err);
}
