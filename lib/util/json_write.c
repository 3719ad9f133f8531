/* Compact JSON writer, byte-identical to jansson 2.14's
 * json_dumps(j, JSON_COMPACT) (see json_write.h for why it exists). */
#include "util/json_write.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
    int fail;                    /* 1: out of memory or invalid UTF-8 */
    int defer;                   /* 1: leave this tree to json_dumps */
    const ddbxo__json_splice *sp;
    size_t nsp;
} wbuf;

static int grow(wbuf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : 2048;   /* a typical request fits */
    char *p;
    if (b->fail)
        return -1;
    while (cap - b->len < need) {
        if (cap > SIZE_MAX / 2) {
            b->fail = 1;
            return -1;
        }
        cap *= 2;
    }
    if (!(p = realloc(b->p, cap))) {
        b->fail = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static inline int put(wbuf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n && grow(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static inline int putc1(wbuf *b, char c)
{
    if (b->cap == b->len && grow(b, 1) < 0)
        return -1;
    b->p[b->len++] = c;
    return 0;
}

static const char hexd[] = "0123456789ABCDEF";

/* jansson escapes '"', '\\' and control characters only (no
 * JSON_ENSURE_ASCII, no JSON_ESCAPE_SLASH); everything else is copied.
 * Invalid UTF-8: -1, having written what jansson has written by then --
 * the quote and the text up to the last escape, not the text since --
 * because jansson ignores that failure for object keys and goes on. */
static int write_string(wbuf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    const unsigned char *run = s;
    /* Worst case 6 bytes per input byte: one reservation, no checks. */
    if (len > (SIZE_MAX - 2) / 6 || (b->cap - b->len < len * 6 + 2 &&
                                     grow(b, len * 6 + 2) < 0)) {
        b->fail = 1;
        return -1;
    }
    char *o = b->p + b->len;
    *o++ = '"';
    while (s < end) {
        unsigned char c = *s;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = ddbxo__utf8_seq(s, (size_t)(end - s));
            if (!k) {
                b->len = (size_t)(o - b->p);
                return -1;
            }
            s += k;
            continue;
        }
        memcpy(o, run, (size_t)(s - run));
        o += s - run;
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hexd[c >> 4];
            *o++ = hexd[c & 0xF];
        }
        run = ++s;
    }
    memcpy(o, run, (size_t)(s - run));
    o += s - run;
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    return 0;
}

/* "%lld" (JSON_INTEGER_FORMAT for json_int_t = long long). */
static void write_integer(wbuf *b, json_int_t v)
{
    char tmp[24], *e = tmp + sizeof tmp, *q = e;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--q = '-';
    put(b, q, (size_t)(e - q));
}

static void write_value(wbuf *b, const json_t *j, int depth)
{
    if (b->fail || b->defer)
        return;
    if (!j) {                    /* jansson's do_dump refuses it too */
        b->fail = 1;
        return;
    }
    if (depth > DDBXO__JSON_WRITE_DEPTH) {
        b->defer = 1;            /* deep or cyclic: jansson decides */
        return;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        void *it = json_object_iter((json_t *)j);
        const ddbxo__json_splice *sp = NULL;
        for (size_t k = 0; k < b->nsp; k++)
            if (b->sp[k].obj == j)
                sp = &b->sp[k];
        putc1(b, '{');
        if (sp && sp->len) {
            put(b, sp->members, sp->len);
            if (it)
                putc1(b, ',');
        }
        while (it && !b->fail && !b->defer) {
            /* jansson 2.14 ignores a key's failure (dump.c); so do we */
            (void)write_string(b, json_object_iter_key(it),
                               json_object_iter_key_len(it));
            putc1(b, ':');
            write_value(b, json_object_iter_value(it), depth + 1);
            it = json_object_iter_next((json_t *)j, it);
            if (it)
                putc1(b, ',');
        }
        putc1(b, '}');
        return;
    }
    case JSON_ARRAY: {
        size_t i, n = json_array_size(j);
        putc1(b, '[');
        for (i = 0; i < n && !b->fail && !b->defer; i++) {
            if (i)
                putc1(b, ',');
            write_value(b, json_array_get(j, i), depth + 1);
        }
        putc1(b, ']');
        return;
    }
    case JSON_STRING:
        if (write_string(b, json_string_value(j), json_string_length(j)) < 0)
            b->fail = 1;
        return;
    case JSON_INTEGER:
        write_integer(b, json_integer_value(j));
        return;
    case JSON_REAL: {
        /* jansson's "%.17g" and its clean-ups: not re-implemented. */
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!s) {
            b->fail = 1;
            return;
        }
        put(b, s, strlen(s));
        free(s);
        return;
    }
    case JSON_TRUE:
        put(b, "true", 4);
        return;
    case JSON_FALSE:
        put(b, "false", 5);
        return;
    case JSON_NULL:
        put(b, "null", 4);
        return;
    default:
        b->fail = 1;
    }
}

char *ddbxo__json_write_splice(const json_t *j, const ddbxo__json_splice *sp,
                               size_t nsp, size_t *len)
{
    wbuf b = {0};
    if (!json_is_object(j) && !json_is_array(j))
        return NULL;
    b.sp = sp;
    b.nsp = nsp;
    /* Room for the spliced texts up front: no copy while growing. */
    for (size_t k = 0; k < nsp; k++)
        b.cap += sp[k].len;
    if (b.cap && (b.p = malloc(b.cap += 1024)) == NULL)
        return NULL;
    write_value(&b, j, 0);
    if (!b.fail && !b.defer)
        putc1(&b, '\0');
    if (b.fail || b.defer) {
        free(b.p);
        if (b.fail || nsp)
            return NULL;
        if ((b.p = json_dumps(j, JSON_COMPACT)) != NULL && len)
            *len = strlen(b.p);
        return b.p;
    }
    if (len)
        *len = b.len - 1;
    return b.p;
}

char *ddbxo__json_write(const json_t *j, size_t *len)
{
    return ddbxo__json_write_splice(j, NULL, 0, len);
}
