/* JSON paths for error messages ("Records[3].dynamodb.Keys.pk.N"). */
#include "value/value_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

#define ELLIPSIS "..."

/* Largest n' <= n that does not end inside a UTF-8 sequence of s. */
static size_t utf8_cut(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void put_raw(ddbxo__path *p, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        p->buf[p->len++] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    p->buf[p->len] = '\0';
}

/* Appends sep then seg as one unit; what does not fit is cut and marked. */
static size_t push(ddbxo__path *p, const char *sep, const char *seg,
                   size_t seglen)
{
    size_t old = p->len, room = sizeof p->buf - 1 - p->len;
    size_t seplen = strlen(sep);
    if (p->full)
        return old;
    if (seplen + seglen <= room) {
        put_raw(p, sep, seplen);
        put_raw(p, seg, seglen);
        return old;
    }
    p->full = 1;
    p->full_at = old;
    if (room < sizeof ELLIPSIS - 1)
        return old;
    room -= sizeof ELLIPSIS - 1;
    if (seplen <= room) {
        put_raw(p, sep, seplen);
        put_raw(p, seg, utf8_cut(seg, room - seplen));
    }
    put_raw(p, ELLIPSIS, sizeof ELLIPSIS - 1);
    return old;
}

void ddbxo__path_init(ddbxo__path *p, const char *prefix)
{
    memset(p, 0, sizeof *p);
    if (prefix && *prefix) {
        /* The caller's prefix is our own text, not input: copy verbatim. */
        size_t n = strlen(prefix);
        if (n > sizeof p->buf - 1)
            n = utf8_cut(prefix, sizeof p->buf - 1);
        memcpy(p->buf, prefix, n);
        p->len = n;
        p->buf[n] = '\0';
    }
}

size_t ddbxo__path_push(ddbxo__path *p, const char *seg, size_t seglen)
{
    return push(p, p->len > 0 ? "." : "", seg, seglen);
}

size_t ddbxo__path_push_index(ddbxo__path *p, size_t i)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "[%zu]", i);
    return push(p, "", tmp, (size_t)n);
}

void ddbxo__path_pop(ddbxo__path *p, size_t oldlen)
{
    if (oldlen > p->len)
        return;
    p->len = oldlen;
    p->buf[oldlen] = '\0';
    if (p->full && oldlen <= p->full_at)
        p->full = 0;
}

int ddbxo__path_err(ddbxo_error *err, int code, const ddbxo__path *p,
                    const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;
    if (!err)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ddbxo__err(err, code, p->buf, "%s: %s",
                      p->len ? p->buf : "value", msg);
}
