/* lib/util/: the ground floor.  Owns the small tools every layer needs and
 * that know nothing of AWS: growable byte buffers and wiping secrets
 * (buf), filling a ddbxo_error (error), log lines (log), JSON writing,
 * UTF-8 checks, SHA-256, CRC-32, base64, the one clock and sleep (clock),
 * and curl's global init.  It calls no other folder of lib/; every folder
 * above may call it. */

#include "util/buf.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ddbxo__buf_init(ddbxo__buf *b)
{
    memset(b, 0, sizeof *b);
}

void ddbxo__buf_free(ddbxo__buf *b)
{
    if (!b)
        return;
    free(b->p);
    memset(b, 0, sizeof *b);
}

void ddbxo__buf_wipe_free(ddbxo__buf *b)
{
    if (!b)
        return;
    if (b->p)
        OPENSSL_cleanse(b->p, b->cap);
    ddbxo__buf_free(b);
}

void ddbxo__str_wipe_free(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

int ddbxo__buf_reserve(ddbxo__buf *b, size_t extra)
{
    size_t need, cap;
    unsigned char *p;
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX - b->len - 1)
        goto oom;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    /* Not realloc: a buffer may hold a session token or a signature
     * line, and realloc would free the old block with those bytes still
     * in it.  Copy, wipe, free: the doublings cost one memset of the
     * final size in total. */
    p = malloc(cap);
    if (!p)
        goto oom;
    if (b->p) {
        memcpy(p, b->p, b->len);
        OPENSSL_cleanse(b->p, b->cap);
        free(b->p);
    }
    b->p = p;
    b->cap = cap;
    return 0;
oom:
    b->oom = 1;
    return -1;
}

int ddbxo__buf_put(ddbxo__buf *b, const void *p, size_t n)
{
    if (ddbxo__buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

int ddbxo__buf_puts(ddbxo__buf *b, const char *s)
{
    return ddbxo__buf_put(b, s, strlen(s));
}

int ddbxo__buf_putc(ddbxo__buf *b, unsigned char c)
{
    return ddbxo__buf_put(b, &c, 1);
}

int ddbxo__buf_put_u32be(ddbxo__buf *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };
    return ddbxo__buf_put(b, x, 4);
}

int ddbxo__buf_printf(ddbxo__buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ddbxo__buf_reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *ddbxo__buf_cstr(ddbxo__buf *b)
{
    if (ddbxo__buf_reserve(b, 0) < 0)
        return NULL;
    b->p[b->len] = '\0';
    return (char *)b->p;
}

unsigned char *ddbxo__buf_take(ddbxo__buf *b, size_t *len)
{
    unsigned char *p;
    if (!ddbxo__buf_cstr(b)) {
        ddbxo__buf_free(b);
        return NULL;
    }
    p = b->p;
    if (len)
        *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

void ddbxo__hex(const unsigned char *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}
