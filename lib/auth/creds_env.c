/* Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN: what Lambda sets for the function's role. */
#include "auth/creds.h"

#include "util/error.h"

int ddbxo__creds_from_env(const ddbxo__env *env, ddbxo_credentials *out,
                          ddbxo_error *err)
{
    const char *ak = ddbxo__env_get(env, "AWS_ACCESS_KEY_ID");
    const char *sk = ddbxo__env_get(env, "AWS_SECRET_ACCESS_KEY");
    const char *tok = ddbxo__env_get(env, "AWS_SESSION_TOKEN");

    if (!ak && !sk)
        return 0;
    /* Half a key pair is a mistake to report, not a reason to go looking
     * for another identity. */
    if (!ak)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "environment credentials: AWS_SECRET_ACCESS_KEY is "
                          "set but AWS_ACCESS_KEY_ID is not");
    if (!sk)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "environment credentials: AWS_ACCESS_KEY_ID is set "
                          "but AWS_SECRET_ACCESS_KEY is not");
    if (!ddbxo__creds_token_ok(ak))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "environment credentials: AWS_ACCESS_KEY_ID has "
                          "spaces or control characters");
    if (!ddbxo__creds_token_ok(sk))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "environment credentials: AWS_SECRET_ACCESS_KEY has "
                          "spaces or control characters");
    if (tok && !ddbxo__creds_token_ok(tok))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "environment credentials: AWS_SESSION_TOKEN has "
                          "spaces or control characters");
    if (ddbxo__creds_set(out, ak, sk, tok, 0, "environment", err) < 0)
        return -1;
    return 1;
}
