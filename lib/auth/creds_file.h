/* Internal: the shared config and credentials files (lib/auth/creds_file.c):
 * which profile, where the files are, parsing them, and a profile's static
 * keys.  Read by region resolution (config.c) and the profile providers. */
#ifndef DDBXO_LIB_CREDS_FILE_H
#define DDBXO_LIB_CREDS_FILE_H

#include <stddef.h>

#include "auth/env.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"

/* ---- shared config/credentials files ------------------------------ */

#define DDBXO__PF_CONFIG 1
#define DDBXO__PF_CREDENTIALS 2
/* Largest config/credentials file read. */
#define DDBXO__MAX_PROFILE_FILE_BYTES (1024u * 1024u)

/* The key/values of one profile, merged from the files read. */
typedef struct ddbxo__profile ddbxo__profile;

/* Profile to use: explicit_name if non-empty, else AWS_PROFILE, else
 * "default".  *is_explicit (may be NULL) is 0 only for the fallback. */
const char *ddbxo__profile_name(const ddbxo__env *env,
                                const char *explicit_name, int *is_explicit);
/* Path of the config or credentials file (AWS_CONFIG_FILE /
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/...; "~/" expanded from HOME).
 * 1 with buf set, 0 when there is no path (no HOME), -1 + err. */
int ddbxo__profile_path(const ddbxo__env *env, int which, char *buf,
                        size_t bufsz, ddbxo_error *err);
/* Parses one file's text and merges profile `name` into *p (created if
 * NULL when the profile appears).  fname names the file in errors.  -1 +
 * DDBXO_E_CONFIG with the line number for a malformed file. */
int ddbxo__profile_parse(const char *text, size_t len, int is_config,
                         const char *name, const char *fname,
                         ddbxo__profile **p, ddbxo_error *err);
/* Loads `name` from the config file, then the credentials file (whose
 * values win), as selected by which.  A missing file is skipped.  *out is
 * NULL when neither file has the profile.  -1 + DDBXO_E_CONFIG / _IO. */
int ddbxo__profile_load(const ddbxo__env *env, const char *name, int which,
                        ddbxo__profile **out, ddbxo_error *err);
/* Value of key (lowercase), or NULL.  Borrowed from p. */
const char *ddbxo__profile_get(const ddbxo__profile *p, const char *key);
/* Frees p, wiping every value.  Accepts NULL. */
void ddbxo__profile_free(ddbxo__profile *p);

/* The profile's static keys: 1 + *out, 0 when it has none, -1 + err for
 * half a pair or a malformed key. */
int ddbxo__creds_profile_static(const ddbxo__profile *p, const char *name,
                                ddbxo_credentials *out, ddbxo_error *err);

#endif
