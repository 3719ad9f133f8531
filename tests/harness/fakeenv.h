/* Test helpers shared by the config and creds suites: an injected
 * environment (a fake of getenv, named as such) and a scratch directory. */
#ifndef DDBXO_TEST_FAKEENV_H
#define DDBXO_TEST_FAKEENV_H

#include "auth/config.h"

/* getenv over a NULL-terminated {name, value, name, value, ..., NULL}. */
const char *tu_kv_get(void *ctx, const char *name);

/* Declares a ddbxo__env `var` holding the given name/value pairs. */
#define TU_ENV(var, ...)                                         \
    const char *var##_kv[] = { __VA_ARGS__ __VA_OPT__(,) NULL }; \
    ddbxo__env var = { tu_kv_get, (void *)var##_kv }

/* A fresh directory /tmp/<prefix>-XXXXXX; its path (static). */
const char *tu_mk_tmpdir(const char *prefix);
/* Writes text to <tmpdir>/name; returns the path (valid for 8 calls). */
const char *tu_write_file(const char *name, const char *text);
void tu_rm_tmpdir(void);
/* The directory made by tu_mk_tmpdir (static). */
const char *tu_tmpdir(void);

#endif
