/* Strict base64 (RFC 4648 §4, docs/format.md §3).
 *
 * Strict means canonical: standard alphabet, '=' padding to a multiple of
 * 4, no whitespace, and the unused low bits of the last symbol must be
 * zero.  Then every byte string has exactly one accepted text, so text
 * equality is byte equality (set-member duplicate checks rely on it) and
 * no two different texts can hash alike by accident. */
#include "util/base64.h"

#include "util/error.h"

static int sym(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int ddbxo__b64_decode(const char *s, size_t len, ddbxo__buf *out,
                      ddbxo_error *err)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i, pad = 0;

    if (len == 0)
        return 0;
    if (!s)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL base64 text");
    if (len % 4 != 0)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "base64 length %zu is not a multiple of 4 "
                          "(padding missing?)", len);
    if (u[len - 1] == '=')
        pad = u[len - 2] == '=' ? 2 : 1;
    for (i = 0; i < len - pad; i++)
        if (sym(u[i]) < 0)
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "%s at offset %zu",
                              u[i] == '=' ? "base64 padding in the middle"
                                          : "invalid base64 character", i);
    /* Bits the last symbol carries beyond the data must be zero. */
    if (pad == 1 && (sym(u[len - 2]) & 0x03))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "non-canonical base64: non-zero bits before '='");
    if (pad == 2 && (sym(u[len - 3]) & 0x0f))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "non-canonical base64: non-zero bits before '=='");
    if (!out)
        return 0;
    if (ddbxo__buf_reserve(out, len / 4 * 3) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    for (i = 0; i < len; i += 4) {
        unsigned long v = 0;
        int k, n = 3;
        for (k = 0; k < 4; k++) {
            int c = u[i + k] == '=' ? 0 : sym(u[i + k]);
            v = v << 6 | (unsigned long)c;
        }
        if (i + 4 == len)
            n = 3 - (int)pad;
        out->p[out->len++] = (unsigned char)(v >> 16);
        if (n > 1)
            out->p[out->len++] = (unsigned char)(v >> 8);
        if (n > 2)
            out->p[out->len++] = (unsigned char)v;
    }
    return 0;
}

int ddbxo__b64_encode(const unsigned char *p, size_t n, ddbxo__buf *out)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    if (n > (SIZE_MAX - 3) / 4 * 3)
        return ddbxo__buf_reserve(out, SIZE_MAX);       /* sets oom */
    if (ddbxo__buf_reserve(out, (n + 2) / 3 * 4) < 0)
        return -1;
    for (i = 0; i + 3 <= n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16 |
                          (unsigned long)p[i + 1] << 8 | p[i + 2];
        out->p[out->len++] = (unsigned char)a[v >> 18 & 63];
        out->p[out->len++] = (unsigned char)a[v >> 12 & 63];
        out->p[out->len++] = (unsigned char)a[v >> 6 & 63];
        out->p[out->len++] = (unsigned char)a[v & 63];
    }
    if (n - i == 1) {
        unsigned long v = (unsigned long)p[i] << 16;
        out->p[out->len++] = (unsigned char)a[v >> 18 & 63];
        out->p[out->len++] = (unsigned char)a[v >> 12 & 63];
        out->p[out->len++] = '=';
        out->p[out->len++] = '=';
    } else if (n - i == 2) {
        unsigned long v = (unsigned long)p[i] << 16 |
                          (unsigned long)p[i + 1] << 8;
        out->p[out->len++] = (unsigned char)a[v >> 18 & 63];
        out->p[out->len++] = (unsigned char)a[v >> 12 & 63];
        out->p[out->len++] = (unsigned char)a[v >> 6 & 63];
        out->p[out->len++] = '=';
    }
    return 0;
}
