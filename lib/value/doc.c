/* The record document's parser: one validating pass, nodes into one
 * growing array (lib/value/doc.h says what a node is and what is accepted).
 *
 * Speed comes from doing less, not from cleverness: bytes are read
 * straight from the input (no per-character callback, no token copy), a
 * run of plain string bytes is checked eight at a time, and nothing is
 * allocated per value.  Duplicate keys are found when an object closes,
 * by comparing its keys' raw spans (decoded only when a key holds an
 * escape).  The nesting is kept on an explicit stack, so hostile depth
 * costs no C stack. */
#include "value/doc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/utf8.h"

/* Objects with at most this many members are checked for duplicate keys
 * pair by pair; larger ones through a hash table. */
#define PAIRWISE_MAX 16

typedef struct keyref {
    const char *p;
    size_t len;
} keyref;

typedef struct pctx {
    const unsigned char *s, *p, *end;
    ddbxo__node *n;
    size_t nn, cap;
    ddbxo_error *err;
    const char *why;        /* static reason, set with the error */
    int code;
    /* Duplicate-key scratch, reused by every object. */
    keyref *keys;
    size_t kcap;
    uint32_t *slots;
    size_t scap;
    ddbxo__buf kbuf;
} pctx;

static int fail(pctx *c, int code, const char *why)
{
    if (!c->why) {
        c->why = why;
        c->code = code;
    }
    return -1;
}

static int grow(pctx *c)
{
    size_t cap = c->cap + c->cap / 2 + 16;
    ddbxo__node *n = realloc(c->n, cap * sizeof *n);
    if (!n)
        return fail(c, DDBXO_E_NOMEM, "out of memory");
    c->n = n;
    c->cap = cap;
    return 0;
}

static inline int push(pctx *c, int type, size_t pos, uint32_t payload)
{
    if (c->nn == c->cap && grow(c) < 0)
        return -1;
    c->n[c->nn].pos = (uint32_t)pos;
    c->n[c->nn].tl = ((uint32_t)type << 29) | payload;
    c->nn++;
    return 0;
}

static inline void skip_ws(pctx *c)
{
    /* Compact JSON, the usual input, has no blanks: one compare. */
    while (c->p < c->end && *c->p <= ' ' &&
           (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

/* ------------------------------------------------------------ strings */

static int hexval(unsigned char x)
{
    if (x >= '0' && x <= '9')
        return x - '0';
    if (x >= 'a' && x <= 'f')
        return x - 'a' + 10;
    if (x >= 'A' && x <= 'F')
        return x - 'A' + 10;
    return -1;
}

/* Four hex digits at p (which has at least 4 bytes), or -1. */
static long hex4(const unsigned char *p)
{
    int a = hexval(p[0]), b = hexval(p[1]), x = hexval(p[2]),
        d = hexval(p[3]);
    if (a < 0 || b < 0 || x < 0 || d < 0)
        return -1;
    return (long)((a << 12) | (b << 8) | (x << 4) | d);
}

/* Eight bytes none of which needs a look: not a quote, a backslash, a
 * control character or a non-ASCII byte.  Exact ("any byte is zero" is
 * exact for these formulas, only *which* byte would not be). */
static inline int plain8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t high = 0x8080808080808080ULL;
    uint64_t v, q, b;
    memcpy(&v, p, 8);
    q = v ^ (ones * '"');
    b = v ^ (ones * '\\');
    return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) |
            ((b - ones) & ~b) | v) & high ? 0 : 1;
}

/* Bytes a string may hold as they are: printable ASCII but the quote and
 * the backslash. */
static const unsigned char plain_byte[256] = {
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    R16(0), R16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,      /* 0x20: '"' */
    R16(1), R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,      /* 0x50: '\\' */
    R16(1), R16(1),
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
};

/* Scans the string whose opening quote is at c->p; leaves c->p after the
 * closing quote.  *esc: it holds an escape; *nul: one of them is \u0000. */
static inline __attribute__((always_inline)) int
scan_string(pctx *c, size_t *start, size_t *len, int *esc,
                       int *nul)
{
    const unsigned char *p = c->p + 1, *end = c->end;
    *esc = 0;
    *nul = 0;
    *start = (size_t)(p - c->s);
    for (;;) {
        /* Most strings are short (type keys, names): a byte at a time for
         * the first eight, then eight at a time, then the rest. */
        const unsigned char *q = end - p > 8 ? p + 8 : end;
        while (p < q && plain_byte[*p])
            p++;
        if (p == q && p < end) {
            while (end - p >= 8 && plain8(p))
                p += 8;
            while (p < end && plain_byte[*p])
                p++;
        }
        if (p >= end) {
            c->p = p;
            return fail(c, DDBXO_E_INVALID, "premature end of input");
        }
        if (*p == '"')
            break;
        if (*p < 0x20) {
            c->p = p;
            return fail(c, DDBXO_E_INVALID, "control character in a string");
        }
        if (*p >= 0x80) {
            size_t k = ddbxo__utf8_seq(p, (size_t)(end - p));
            if (!k) {
                c->p = p;
                return fail(c, DDBXO_E_INVALID, "text is not valid UTF-8");
            }
            p += k;
            continue;
        }
        /* A backslash. */
        *esc = 1;
        if (end - p < 2) {
            c->p = end;
            return fail(c, DDBXO_E_INVALID, "premature end of input");
        }
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n':
        case 'r': case 't':
            p += 2;
            continue;
        case 'u':
            break;
        default:
            c->p = p;
            return fail(c, DDBXO_E_INVALID, "invalid escape");
        }
        {
            long v, v2;
            if (end - p < 6 || (v = hex4(p + 2)) < 0) {
                c->p = p;
                return fail(c, DDBXO_E_INVALID, "invalid \\u escape");
            }
            p += 6;
            if (v >= 0xDC00 && v <= 0xDFFF) {
                c->p = p;
                return fail(c, DDBXO_E_INVALID, "invalid Unicode escape "
                                                "(a lone low surrogate)");
            }
            if (v >= 0xD800 && v <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                    (v2 = hex4(p + 2)) < 0 || v2 < 0xDC00 || v2 > 0xDFFF) {
                    c->p = p;
                    return fail(c, DDBXO_E_INVALID,
                                "invalid Unicode escape (a high surrogate "
                                "without its low half)");
                }
                p += 6;
            } else if (v == 0) {
                *nul = 1;
            }
        }
    }
    *len = (size_t)(p - c->s) - *start;
    c->p = p + 1;
    return 0;
}

/* ------------------------------------------------------------ numbers */

static int digit(unsigned char x)
{
    return x >= '0' && x <= '9';
}

/* The digits of a fraction or an exponent, from `from`: at least one. */
static int digit_run(pctx *c, const unsigned char **pp,
                     const unsigned char *from)
{
    const unsigned char *p = from;
    if (p >= c->end || !digit(*p)) {
        c->p = p;
        return fail(c, DDBXO_E_INVALID, "invalid number");
    }
    while (p < c->end && digit(*p))
        p++;
    *pp = p;
    return 0;
}

/* jansson's number rules: RFC 8259 syntax; an integer must fit int64
 * (json_int_t) and a real must not overflow a double. */
static int scan_number(pctx *c)
{
    const unsigned char *p = c->p, *start = p, *end = c->end;
    int real = 0;
    size_t len;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && digit(*p)) {
        while (p < end && digit(*p))
            p++;
    } else {
        c->p = p;
        return fail(c, DDBXO_E_INVALID, "invalid number");
    }
    if (p < end && *p == '.') {
        real = 1;
        if (digit_run(c, &p, p + 1) < 0)
            return -1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (digit_run(c, &p, p) < 0)
            return -1;
    }
    len = (size_t)(p - start);
    /* A leading zero followed by a digit ("01") ends the number early in
     * jansson's lexer, and the next token is then a syntax error. */
    if (len > 18 || real) {
        char tmp[64], *txt = tmp, *e;
        int bad;
        if (len >= sizeof tmp && !(txt = malloc(len + 1)))
            return fail(c, DDBXO_E_NOMEM, "out of memory");
        memcpy(txt, start, len);
        txt[len] = '\0';
        errno = 0;
        if (real) {
            double d = strtod(txt, &e);
            bad = errno == ERANGE && (d > 1.0 || d < -1.0);
        } else {
            (void)strtoll(txt, &e, 10);
            bad = errno == ERANGE;
        }
        if (txt != tmp)
            free(txt);
        if (bad) {
            c->p = start;
            return fail(c, DDBXO_E_INVALID, "number too large");
        }
    }
    c->p = p;
    if (push(c, DDBXO__J_NUM, (size_t)(start - c->s), (uint32_t)len) < 0)
        return -1;
    if (real)
        c->n[c->nn - 1].tl |= DDBXO__DOC_FLAG;
    return 0;
}

/* ------------------------------------------------------------ escapes */

/* Decodes the escapes of the validated raw string s[0..n) into out. */
static int unescape(const char *s, size_t n, ddbxo__buf *out)
{
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned long v, v2;
        char u[4];
        size_t k;
        if (s[i] != '\\') {
            i++;
            run++;
            continue;
        }
        ddbxo__buf_put(out, s + i - run, run);
        run = 0;
        switch (s[i + 1]) {
        case 'b': ddbxo__buf_putc(out, '\b'); i += 2; continue;
        case 'f': ddbxo__buf_putc(out, '\f'); i += 2; continue;
        case 'n': ddbxo__buf_putc(out, '\n'); i += 2; continue;
        case 'r': ddbxo__buf_putc(out, '\r'); i += 2; continue;
        case 't': ddbxo__buf_putc(out, '\t'); i += 2; continue;
        case 'u': break;
        default: ddbxo__buf_putc(out, (unsigned char)s[i + 1]); i += 2;
                 continue;
        }
        v = strtoul((char[5]){s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0},
                    NULL, 16);
        i += 6;
        if (v >= 0xD800 && v <= 0xDBFF) {   /* validated: a low half follows */
            v2 = strtoul((char[5]){s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0},
                         NULL, 16);
            i += 6;
            v = ((v - 0xD800) << 10) + (v2 - 0xDC00) + 0x10000;
        }
        if (v < 0x80) {
            u[0] = (char)v;
            k = 1;
        } else if (v < 0x800) {
            u[0] = (char)(0xC0 | (v >> 6));
            u[1] = (char)(0x80 | (v & 0x3F));
            k = 2;
        } else if (v < 0x10000) {
            u[0] = (char)(0xE0 | (v >> 12));
            u[1] = (char)(0x80 | ((v >> 6) & 0x3F));
            u[2] = (char)(0x80 | (v & 0x3F));
            k = 3;
        } else {
            u[0] = (char)(0xF0 | (v >> 18));
            u[1] = (char)(0x80 | ((v >> 12) & 0x3F));
            u[2] = (char)(0x80 | ((v >> 6) & 0x3F));
            u[3] = (char)(0x80 | (v & 0x3F));
            k = 4;
        }
        ddbxo__buf_put(out, u, k);
    }
    ddbxo__buf_put(out, s + i - run, run);
    return out->oom ? -1 : 0;
}

int ddbxo__doc_str_append(const ddbxo__doc *d, size_t i, ddbxo__buf *out)
{
    const char *s = d->text + d->n[i].pos;
    size_t n = ddbxo__doc_payload(d, i);
    if (!ddbxo__doc_flag(d, i))
        return ddbxo__buf_put(out, s, n);
    return unescape(s, n, out);
}

/* --------------------------------------------------------- duplicates */

/* Key node k's bytes for comparison; escaped keys are decoded into
 * c->kbuf (offsets stored, resolved after the buffer stops moving). */
static int key_bytes(pctx *c, ddbxo__doc *d, size_t k, keyref *out)
{
    if (!ddbxo__doc_flag(d, k)) {
        out->p = d->text + d->n[k].pos;
        out->len = ddbxo__doc_payload(d, k);
        return 0;
    }
    {
        size_t at = c->kbuf.len;
        if (ddbxo__doc_str_append(d, k, &c->kbuf) < 0 || c->kbuf.oom)
            return fail(c, DDBXO_E_NOMEM, "out of memory");
        out->len = c->kbuf.len - at;
        out->p = (const char *)(uintptr_t)at;   /* resolved later */
        return 1;
    }
}

static uint32_t hash_bytes(const char *p, size_t n)
{
    uint32_t h = 2166136261u;               /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static int keys_equal(const keyref *a, const keyref *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Object o has just closed: refuse it if two keys are equal. */
static int dup_check(pctx *c, size_t o)
{
    ddbxo__doc d;
    size_t end, k, n = 0, i, j;
    int any_esc = 0;
    memset(&d, 0, sizeof d);
    d.text = (const char *)c->s;
    d.n = c->n;
    d.nn = c->nn;
    end = o + 1 + ddbxo__doc_payload(&d, o);
    if (end - o - 1 < 4)                    /* at most one member */
        return 0;
    c->kbuf.len = 0;
    for (k = o + 1; k < end; k = ddbxo__doc_skip(&d, k + 1)) {
        if (n == c->kcap) {
            size_t cap = c->kcap ? 2 * c->kcap : 32;
            keyref *x = realloc(c->keys, cap * sizeof *x);
            if (!x)
                return fail(c, DDBXO_E_NOMEM, "out of memory");
            c->keys = x;
            c->kcap = cap;
        }
        int r = key_bytes(c, &d, k, &c->keys[n]);
        if (r < 0)
            return -1;
        any_esc |= r;
        n++;
    }
    if (any_esc) {
        /* Decoded keys live in kbuf: offsets became pointers only now. */
        for (k = o + 1, i = 0; i < n; k = ddbxo__doc_skip(&d, k + 1), i++)
            if (ddbxo__doc_flag(&d, k))
                c->keys[i].p = (const char *)c->kbuf.p +
                               (size_t)(uintptr_t)c->keys[i].p;
    }
    if (n <= PAIRWISE_MAX) {
        for (i = 1; i < n; i++)
            for (j = 0; j < i; j++)
                if (keys_equal(&c->keys[i], &c->keys[j]))
                    goto dup;
        return 0;
    }
    {
        size_t cap = 1, mask;
        while (cap < 2 * n)
            cap <<= 1;
        if (cap > c->scap) {
            uint32_t *s = realloc(c->slots, cap * sizeof *s);
            if (!s)
                return fail(c, DDBXO_E_NOMEM, "out of memory");
            c->slots = s;
            c->scap = cap;
        }
        memset(c->slots, 0xff, cap * sizeof *c->slots);
        mask = cap - 1;
        for (i = 0; i < n; i++) {
            size_t h = hash_bytes(c->keys[i].p, c->keys[i].len) & mask;
            while (c->slots[h] != UINT32_MAX) {
                if (keys_equal(&c->keys[c->slots[h]], &c->keys[i]))
                    goto dup;
                h = (h + 1) & mask;
            }
            c->slots[h] = (uint32_t)i;
        }
    }
    return 0;
dup:
    return fail(c, DDBXO_E_INVALID, "object has a duplicate key");
}

/* --------------------------------------------------------------- parse */

static int literal(pctx *c, const char *word, size_t n, int type)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return fail(c, DDBXO_E_INVALID, "invalid token");
    if (push(c, type, (size_t)(c->p - c->s), 0) < 0)
        return -1;
    c->p += n;
    return 0;
}

static int parse(pctx *c, unsigned opts)
{
    uint32_t stack[DDBXO__DOC_MAX_DEPTH];
    size_t depth = 0, top;
    size_t start, len;
    int esc, nul;

    skip_ws(c);
    if (!(opts & DDBXO__DOC_ANY) &&
        (c->p >= c->end || (*c->p != '{' && *c->p != '[')))
        return fail(c, DDBXO_E_INVALID, "'[' or '{' expected");
value:
    skip_ws(c);
    if (depth + 1 > DDBXO__DOC_MAX_DEPTH)
        return fail(c, DDBXO_E_LIMIT, "nested too deeply");
    if (c->p >= c->end)
        return fail(c, DDBXO_E_INVALID, "premature end of input");
    switch (*c->p) {
    case '{':
    case '[':
        if (push(c, *c->p == '{' ? DDBXO__J_OBJ : DDBXO__J_ARR,
                 (size_t)(c->p - c->s), 0) < 0)
            return -1;
        stack[depth++] = (uint32_t)(c->nn - 1);
        c->p++;
        skip_ws(c);
        if (c->p < c->end && *c->p == (c->n[c->nn - 1].tl >> 29 ==
                                       DDBXO__J_OBJ ? '}' : ']')) {
            c->p++;
            depth--;
            goto after;
        }
        if (c->n[c->nn - 1].tl >> 29 == DDBXO__J_OBJ)
            goto key;
        goto value;
    case '"':
        if (scan_string(c, &start, &len, &esc, &nul) < 0 ||
            push(c, DDBXO__J_STR, start, (uint32_t)len) < 0)
            return -1;
        if (esc)
            c->n[c->nn - 1].tl |= DDBXO__DOC_FLAG;
        goto after;
    case 't':
        if (literal(c, "true", 4, DDBXO__J_TRUE) < 0)
            return -1;
        goto after;
    case 'f':
        if (literal(c, "false", 5, DDBXO__J_FALSE) < 0)
            return -1;
        goto after;
    case 'n':
        if (literal(c, "null", 4, DDBXO__J_NULL) < 0)
            return -1;
        goto after;
    default:
        if (*c->p == '-' || digit(*c->p)) {
            if (scan_number(c) < 0)
                return -1;
            goto after;
        }
        return fail(c, DDBXO_E_INVALID, "invalid token");
    }
key:
    if (c->p >= c->end || *c->p != '"')
        return fail(c, DDBXO_E_INVALID, "string or '}' expected");
    if (scan_string(c, &start, &len, &esc, &nul) < 0)
        return -1;
    if (nul)
        return fail(c, DDBXO_E_INVALID, "NUL byte in object key");
    if (push(c, DDBXO__J_STR, start, (uint32_t)len) < 0)
        return -1;
    if (esc)
        c->n[c->nn - 1].tl |= DDBXO__DOC_FLAG;
    skip_ws(c);
    if (c->p >= c->end || *c->p != ':')
        return fail(c, DDBXO_E_INVALID, "':' expected");
    c->p++;
    goto value;
after:
    while (depth > 0) {
        int obj;
        top = stack[depth - 1];
        obj = c->n[top].tl >> 29 == DDBXO__J_OBJ;
        skip_ws(c);
        if (c->p >= c->end)
            return fail(c, DDBXO_E_INVALID, "premature end of input");
        if (*c->p == ',') {
            c->p++;
            skip_ws(c);
            if (obj)
                goto key;
            goto value;
        }
        if (*c->p != (obj ? '}' : ']'))
            return fail(c, DDBXO_E_INVALID,
                        obj ? "'}' expected" : "']' expected");
        c->p++;
        c->n[top].tl |= (uint32_t)(c->nn - top - 1);
        if (obj && dup_check(c, top) < 0)
            return -1;
        depth--;
    }
    skip_ws(c);
    if (c->p != c->end)
        return fail(c, DDBXO_E_INVALID, "end of file expected");
    return 0;
}

/* Line and column (1-based, in bytes) of offset off: only on an error. */
static void position(const unsigned char *s, size_t off, int *line, int *col)
{
    size_t i, ls = 0;
    int l = 1;
    for (i = 0; i < off; i++)
        if (s[i] == '\n') {
            l++;
            ls = i + 1;
        }
    *line = l;
    *col = (int)(off - ls + 1);
}

ddbxo__doc *ddbxo__doc_parse(const char *text, size_t len, unsigned opts,
                             ddbxo_error *err)
{
    pctx c;
    ddbxo__doc *d;
    char *copy = NULL;
    int rc;

    if (!text && len)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL JSON text"),
               NULL;
    if (len >= DDBXO__DOC_MAX_BYTES)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "JSON text is %zu bytes (limit %zu)", len,
                          DDBXO__DOC_MAX_BYTES - 1), NULL;
    d = calloc(1, sizeof *d);
    if (d && (opts & DDBXO__DOC_COPY)) {
        if ((copy = malloc(len ? len : 1)) != NULL)
            memcpy(copy, text ? text : "", len);
    }
    if (!d || ((opts & DDBXO__DOC_COPY) && !copy)) {
        free(d);
        free(copy);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    }
    if (copy)
        text = copy;
    memset(&c, 0, sizeof c);
    c.s = c.p = (const unsigned char *)(text ? text : "");
    c.end = c.s + len;
    c.err = err;
    /* A value takes at least two bytes of text with its separator, so
     * len / 2 + 16 nodes always suffice: the array never moves while it
     * fills.  Only the pages written become memory (RSS); the rest is
     * address space.  (It would still grow, by half, if it ran short.) */
    c.cap = len / 2 + 16;
    c.n = malloc(c.cap * sizeof *c.n);
    ddbxo__buf_init(&c.kbuf);
    rc = c.n ? parse(&c, opts) : fail(&c, DDBXO_E_NOMEM, "out of memory");
    free(c.keys);
    free(c.slots);
    ddbxo__buf_free(&c.kbuf);
    if (rc < 0) {
        int line = 0, col = 0;
        /* The position is read in the text, before its copy goes. */
        if (c.code != DDBXO_E_NOMEM)
            position(c.s, (size_t)(c.p - c.s), &line, &col);
        free(c.n);
        free(copy);
        free(d);
        if (c.code == DDBXO_E_NOMEM)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"),
                   NULL;
        ddbxo__err(err, c.code, NULL,
                   "invalid JSON at line %d column %d: %s", line, col,
                   c.why);
        return NULL;
    }
    d->text = text;
    d->len = len;
    d->n = c.n;
    d->nn = c.nn;
    d->refs = 1;
    d->own_text = copy != NULL;
    return d;
}

ddbxo__doc *ddbxo__doc_ref(ddbxo__doc *d)
{
    if (d)
        __atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
    return d;
}

void ddbxo__doc_unref(ddbxo__doc *d)
{
    if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (d->own_text)
        free((void *)d->text);
    free(d->n);
    free(d);
}
