/* The strict STS XML reader (see sts_xml.h for the subset). */
#include "auth/sts_xml.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/error.h"

typedef struct xr {
    const char *p, *end;
    /* The open elements' local names, each followed by '/', e.g.
     * "AssumeRoleResponse/AssumeRoleResult/"; starts[] marks where each
     * one starts, so closing one truncates. */
    char path[1024];
    size_t plen;
    size_t starts[DDBXO__XML_MAX_DEPTH];
    int depth;
    int had_child[DDBXO__XML_MAX_DEPTH];
    ddbxo__buf text;             /* the current element's decoded text */
    ddbxo__xml_want *w;
    size_t n;
    int root_done;
} xr;

static int bad(ddbxo_error *err, const char *what)
{
    return ddbxo__err(err, DDBXO_E_INVALID, NULL, "STS answer: %s", what);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':';
}

static int name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static void skip_space(xr *x)
{
    while (x->p < x->end && is_space(*x->p))
        x->p++;
}

/* A name at x->p, returned in s and n. */
static int read_name(xr *x, const char **s, size_t *n)
{
    const char *b = x->p;
    if (x->p >= x->end || !name_start((unsigned char)*x->p))
        return -1;
    while (x->p < x->end && name_char((unsigned char)*x->p))
        x->p++;
    *s = b;
    *n = (size_t)(x->p - b);
    return 0;
}

/* UTF-8 of code point cp into the text. */
static int put_utf8(ddbxo__buf *b, unsigned long cp)
{
    unsigned char u[4];
    size_t n;
    if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return -1;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return ddbxo__buf_put(b, u, n);
}

/* An entity or character reference after '&'; appends it to out (may be
 * NULL: attribute values are checked, not kept). */
static int entity(xr *x, ddbxo__buf *out)
{
    static const struct { const char *name; char c; } ents[] = {
        { "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' },
        { "quot;", '"' }, { "apos;", '\'' },
    };
    size_t left = (size_t)(x->end - x->p);
    for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) {
        size_t l = strlen(ents[i].name);
        if (left >= l && memcmp(x->p, ents[i].name, l) == 0) {
            x->p += l;
            return out ? ddbxo__buf_putc(out, (unsigned char)ents[i].c) : 0;
        }
    }
    if (left >= 3 && x->p[0] == '#') {
        unsigned long cp = 0;
        int hex = x->p[1] == 'x', digits = 0;
        x->p += hex ? 2 : 1;
        while (x->p < x->end && *x->p != ';') {
            char c = *x->p;
            int d = c >= '0' && c <= '9' ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0 || ++digits > 8)
                return -1;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            x->p++;
        }
        if (x->p >= x->end || digits == 0)
            return -1;
        x->p++;
        if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
            return -1;
        return out ? put_utf8(out, cp) : (cp > 0x10ffff ? -1 : 0);
    }
    return -1;                  /* no other entities exist here */
}

static int attributes(xr *x, int *self_close, ddbxo_error *err)
{
    for (;;) {
        const char *s;
        size_t n;
        char q;
        int sp = x->p < x->end && is_space(*x->p);
        skip_space(x);
        if (x->p >= x->end)
            return bad(err, "document ends inside a tag");
        if (*x->p == '>') {
            x->p++;
            *self_close = 0;
            return 0;
        }
        if (*x->p == '/') {
            if (x->p + 1 >= x->end || x->p[1] != '>')
                return bad(err, "malformed empty-element tag");
            x->p += 2;
            *self_close = 1;
            return 0;
        }
        if (!sp || read_name(x, &s, &n) < 0)
            return bad(err, "malformed attribute");
        skip_space(x);
        if (x->p >= x->end || *x->p != '=')
            return bad(err, "attribute without a value");
        x->p++;
        skip_space(x);
        if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
            return bad(err, "attribute value without quotes");
        q = *x->p++;
        while (x->p < x->end && *x->p != q) {
            if (*x->p == '<')
                return bad(err, "'<' in an attribute value");
            if (*x->p++ == '&' && entity(x, NULL) < 0)
                return bad(err, "unknown entity");
        }
        if (x->p >= x->end)
            return bad(err, "document ends inside an attribute value");
        x->p++;
    }
}

static ddbxo__xml_want *wanted(xr *x)
{
    /* path holds "a/b/c/" for the element being closed */
    for (size_t i = 0; i < x->n; i++) {
        size_t l = strlen(x->w[i].path);
        if (l + 1 == x->plen && memcmp(x->w[i].path, x->path, l) == 0)
            return &x->w[i];
    }
    return NULL;
}

static int open_tag(xr *x, ddbxo_error *err)
{
    const char *s, *colon;
    size_t n;
    int self_close = 0;
    if (x->root_done)
        return bad(err, "more than one root element");
    if (read_name(x, &s, &n) < 0)
        return bad(err, "malformed element name");
    if (x->depth >= DDBXO__XML_MAX_DEPTH)
        return bad(err, "elements nest too deep");
    if ((colon = memchr(s, ':', n)) != NULL) {     /* local name only */
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
        if (n == 0)
            return bad(err, "malformed element name");
    }
    if (x->plen + n + 1 >= sizeof x->path)
        return bad(err, "element path too long");
    if (x->depth > 0)
        x->had_child[x->depth - 1] = 1;
    x->starts[x->depth] = x->plen;
    x->had_child[x->depth] = 0;
    memcpy(x->path + x->plen, s, n);
    x->plen += n;
    x->path[x->plen++] = '/';
    x->depth++;
    x->text.len = 0;
    if (attributes(x, &self_close, err) < 0)
        return -1;
    if (self_close) {
        ddbxo__xml_want *w = wanted(x);
        if (w) {
            if (w->value)
                return bad(err, "a credentials field occurs twice");
            if (!(w->value = strdup("")))
                return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        }
        x->depth--;
        x->plen = x->starts[x->depth];
        if (x->depth == 0)
            x->root_done = 1;
    }
    return 0;
}

static int close_tag(xr *x, ddbxo_error *err)
{
    const char *s, *colon;
    size_t n, at;
    ddbxo__xml_want *w;
    if (read_name(x, &s, &n) < 0)
        return bad(err, "malformed end tag");
    if ((colon = memchr(s, ':', n)) != NULL) {
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    skip_space(x);
    if (x->p >= x->end || *x->p != '>')
        return bad(err, "malformed end tag");
    x->p++;
    if (x->depth == 0)
        return bad(err, "end tag without a start tag");
    at = x->starts[x->depth - 1];
    if (x->plen - at - 1 != n || memcmp(x->path + at, s, n) != 0)
        return bad(err, "end tag does not match its start tag");
    if ((w = wanted(x)) != NULL) {
        if (w->value)
            return bad(err, "a credentials field occurs twice");
        if (x->had_child[x->depth - 1])
            return bad(err, "a credentials field has child elements");
        if (!ddbxo__buf_cstr(&x->text) || !(w->value = strdup((char *)x->text.p)))
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    OPENSSL_cleanse(x->text.p, x->text.cap);
    x->text.len = 0;
    x->depth--;
    x->plen = at;
    if (x->depth == 0)
        x->root_done = 1;
    return 0;
}

/* Skips "<!--...-->" (after "<!--"). */
static int comment(xr *x, ddbxo_error *err)
{
    for (; x->p + 2 < x->end; x->p++)
        if (x->p[0] == '-' && x->p[1] == '-') {
            if (x->p[2] != '>')
                return bad(err, "'--' inside a comment");
            x->p += 3;
            return 0;
        }
    return bad(err, "document ends inside a comment");
}

static int run(xr *x, ddbxo_error *err)
{
    /* An optional declaration, first thing in the document. */
    if (x->end - x->p >= 5 && memcmp(x->p, "<?xml", 5) == 0 &&
        (x->end - x->p == 5 || is_space(x->p[5]) || x->p[5] == '?')) {
        const char *q = x->p + 5;
        while (q + 1 < x->end && !(q[0] == '?' && q[1] == '>'))
            q++;
        if (q + 1 >= x->end)
            return bad(err, "document ends inside the XML declaration");
        x->p = q + 2;
    }
    while (x->p < x->end) {
        char c = *x->p;
        if (c == '<') {
            x->p++;
            if (x->p >= x->end)
                return bad(err, "document ends after '<'");
            if (*x->p == '/') {
                x->p++;
                if (close_tag(x, err) < 0)
                    return -1;
            } else if (x->end - x->p >= 3 && memcmp(x->p, "!--", 3) == 0) {
                x->p += 3;
                if (comment(x, err) < 0)
                    return -1;
            } else if (*x->p == '!' || *x->p == '?') {
                return bad(err, "DOCTYPE, CDATA and processing instructions "
                                "are not accepted");
            } else if (open_tag(x, err) < 0) {
                return -1;
            }
        } else if (x->depth == 0) {
            if (!is_space(c))
                return bad(err, "text outside the root element");
            x->p++;
        } else if (c == '&') {
            x->p++;
            if (entity(x, &x->text) < 0)
                return bad(err, "unknown or malformed entity");
        } else {
            if ((unsigned char)c < 0x20 && !is_space(c))
                return bad(err, "control character in text");
            ddbxo__buf_putc(&x->text, (unsigned char)c);
            x->p++;
        }
        if (x->text.oom)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    if (x->depth != 0 || !x->root_done)
        return bad(err, "document ends before its root element does");
    return 0;
}

void ddbxo__xml_want_clear(ddbxo__xml_want *w, size_t n)
{
    for (size_t i = 0; w && i < n; i++)
        if (w[i].value) {
            OPENSSL_cleanse(w[i].value, strlen(w[i].value));
            free(w[i].value);
            w[i].value = NULL;
        }
}

int ddbxo__xml_extract(const char *doc, size_t len, ddbxo__xml_want *w,
                       size_t n, ddbxo_error *err)
{
    xr *x;
    int rc;
    for (size_t i = 0; i < n; i++)
        w[i].value = NULL;
    if (!doc || len > DDBXO__XML_MAX_BYTES)
        return bad(err, doc ? "answer too large" : "no answer");
    if (!(x = calloc(1, sizeof *x)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    x->p = doc;
    x->end = doc + len;
    x->w = w;
    x->n = n;
    ddbxo__buf_init(&x->text);
    rc = run(x, err);
    ddbxo__buf_wipe_free(&x->text);
    free(x);
    if (rc < 0)
        ddbxo__xml_want_clear(w, n);
    return rc;
}
