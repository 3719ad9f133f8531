#include "util/error.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ddbxo__strlcpy(char *dst, const char *src, size_t dstsz)
{
    size_t n;
    if (!dst || dstsz == 0)
        return;
    if (!src) {
        dst[0] = '\0';
        return;
    }
    n = strnlen(src, dstsz - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

DDBXO_API void ddbxo_error_clear(ddbxo_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

int ddbxo__err(ddbxo_error *err, int code, const char *path,
               const char *fmt, ...)
{
    va_list ap;
    if (!err)
        return -1;
    memset(err, 0, sizeof *err);
    err->code = code;
    ddbxo__strlcpy(err->path, path, sizeof err->path);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

void ddbxo__err_copy(ddbxo_error *dst, const ddbxo_error *src)
{
    if (dst && src && dst != src)
        memcpy(dst, src, sizeof *dst);
}

DDBXO_API const char *ddbxo_code_name(int code)
{
    static const char *const names[] = {
        "ok", "invalid", "nomem", "limit", "io", "config", "http",
        "aws", "condition", "cancelled", "timeout", "internal",
    };
    if (code < 0 || (size_t)code >= sizeof names / sizeof names[0])
        return "unknown";
    return names[code];
}

DDBXO_API void ddbxo_free(void *p)
{
    /* Whatever it returned may hold a secret (a canonical request carries
     * X-Amz-Security-Token); the caller has no length to wipe with, the
     * allocator does (glibc and musl alike). */
    if (p)
        OPENSSL_cleanse(p, malloc_usable_size(p));
    free(p);
}

DDBXO_API const char *ddbxo_version(void)
{
    return DDBXO_VERSION_STRING;
}
