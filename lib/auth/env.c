/* The injectable environment (lib/auth/env.h). */
#include "auth/env.h"

#include <stdlib.h>

static const char *process_get(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

static const ddbxo__env process_env = { process_get, NULL };

const char *ddbxo__env_get(const ddbxo__env *env, const char *name)
{
    const char *v;
    if (!env)
        env = &process_env;
    v = env->get(env->ctx, name);
    return v && *v ? v : NULL;
}

