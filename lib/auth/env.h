/* Internal: the environment every configuration reader of auth/ takes
 * (lib/auth/env.c), injectable so tests need not touch the process's. */
#ifndef DDBXO_LIB_ENV_H
#define DDBXO_LIB_ENV_H

/* A getenv-like source, so tests need not touch the process environment.
 * get returns NULL when the variable is unset. */
typedef struct ddbxo__env {
    const char *(*get)(void *ctx, const char *name);
    void *ctx;
} ddbxo__env;

/* Value of name, or NULL when unset or empty (the SDKs treat "" as unset).
 * env NULL means the process environment. */
const char *ddbxo__env_get(const ddbxo__env *env, const char *name);

#endif
