/* Internal: filling a caller-owned ddbxo_error. */
#ifndef DDBXO_LIB_ERROR_H
#define DDBXO_LIB_ERROR_H

#include "ddbxo.h"

#if defined(__GNUC__)
#define DDBXO_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DDBXO_PRINTF(a, b)
#endif

/* Sets code, path (may be NULL) and a formatted message; clears the rest.
 * Safe with err == NULL.  Always returns -1 so callers can `return
 * ddbxo__err(...)`. */
int ddbxo__err(ddbxo_error *err, int code, const char *path,
               const char *fmt, ...) DDBXO_PRINTF(4, 5);

/* Copies src into dst (both may be NULL). */
void ddbxo__err_copy(ddbxo_error *dst, const ddbxo_error *src);

/* Bounded string copy that always NUL-terminates (dstsz > 0). */
void ddbxo__strlcpy(char *dst, const char *src, size_t dstsz);

#endif
