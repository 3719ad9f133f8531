/* SigV4 step 1: the canonical request.
 *
 *   METHOD \n canonical-path \n canonical-query \n
 *   name:value \n ... \n            (one line per header name, sorted)
 *   \n signed-headers \n payload-hash
 *
 * Bytes go to a sink that either keeps them (the public step function,
 * tests) or streams them into SHA-256 through a small staging buffer (the
 * signing path: no allocation, a handful of digest updates). */
#define _GNU_SOURCE /* qsort_r */
#include "util/error.h"
#include "auth/sigv4.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- sink */

void ddbxo__sv4_sink_init(ddbxo__sv4_sink *k, ddbxo__sha *sha,
                          ddbxo__buf *text)
{
    k->sha = sha;
    k->text = text;
    k->n = 0;
    k->failed = sha && ddbxo__sha_begin(sha) < 0;
}

static void flush(ddbxo__sv4_sink *k)
{
    if (k->n && ddbxo__sha_update(k->sha, k->stage, k->n) < 0)
        k->failed = 1;
    k->n = 0;
}

void ddbxo__sv4_put(ddbxo__sv4_sink *k, const void *p, size_t n)
{
    if (k->failed || n == 0)
        return;
    if (k->text && ddbxo__buf_put(k->text, p, n) < 0) {
        k->failed = 1;
        return;
    }
    if (!k->sha)
        return;
    if (n > sizeof k->stage - k->n) {
        flush(k);
        if (n >= sizeof k->stage) {
            if (ddbxo__sha_update(k->sha, p, n) < 0)
                k->failed = 1;
            return;
        }
    }
    memcpy(k->stage + k->n, p, n);
    k->n += n;
}

static void putc_(ddbxo__sv4_sink *k, char c)
{
    /* The common case (hash only, room left) skips the general path. */
    if (!k->text && k->sha && k->n < sizeof k->stage) {
        k->stage[k->n++] = (unsigned char)c;
        return;
    }
    ddbxo__sv4_put(k, &c, 1);
}

static void puts_(ddbxo__sv4_sink *k, const char *s)
{
    ddbxo__sv4_put(k, s, strlen(s));
}

int ddbxo__sv4_sink_finish(ddbxo__sv4_sink *k,
                           unsigned char out[DDBXO__SHA256_LEN])
{
    if (k->sha && !k->failed) {
        flush(k);
        if (!k->failed && ddbxo__sha_final(k->sha, out) < 0)
            k->failed = 1;
    }
    return k->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- chars */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* RFC 7230 token characters: what a header name or method may hold. */
static int tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int token_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!tchar((unsigned char)*s))
            return 0;
    return 1;
}

/* What botocore's str.split() treats as whitespace in an ASCII value
 * (including the file/group/record/unit separators 0x1c-0x1f), so values
 * canonicalise the same way on both sides. */
static int ws(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == '~';
}

/* Appends p[0..n) URI-encoded: unreserved (and '/' when keep_slash) as is,
 * everything else %XX with upper-case hex. */
static void put_encoded(ddbxo__sv4_sink *k, const char *p, size_t n,
                        int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (unreserved(c) || (keep_slash && c == '/'))
            continue;
        ddbxo__sv4_put(k, p + run, i - run);
        char e[3] = { '%', hex[c >> 4], hex[c & 15] };
        ddbxo__sv4_put(k, e, 3);
        run = i + 1;
    }
    ddbxo__sv4_put(k, p + run, n - run);
}

/* ---------------------------------------------------------------- headers */

static int name_is(const char *name, size_t n, const char *lc)
{
    size_t i = 0;
    for (; i < n && lc[i]; i++)
        if (lower(name[i]) != lc[i])
            return 0;
    return i == n && lc[i] == '\0';
}

/* Hop-by-hop, proxy and tracing headers that a proxy or the transport may
 * change: botocore's SIGNED_HEADERS_BLACKLIST, so our signatures match. */
static int never_signed(const char *name, size_t n)
{
    static const char *const skip[] = {
        "baggage", "connection", "expect", "keep-alive",
        "proxy-authenticate", "proxy-authorization", "te", "traceparent",
        "tracestate", "trailer", "transfer-encoding", "upgrade",
        "user-agent", "x-amzn-trace-id",
    };
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (name_is(name, n, skip[i]))
            return 1;
    return 0;
}

static int hdr_cmp(const ddbxo__sv4_hdr *a, const ddbxo__sv4_hdr *b)
{
    size_t n = a->nlen < b->nlen ? a->nlen : b->nlen;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)lower(a->name[i]);
        unsigned char y = (unsigned char)lower(b->name[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->nlen < b->nlen ? -1 : a->nlen > b->nlen;
}

/* Insertion sort: stable (repeated names keep their order, which the
 * joined value depends on) and fastest for the handful of headers a
 * request has; n is capped by DDBXO_SIGV4_MAX_HEADERS. */
static void sort_headers(ddbxo__sv4_hdr *h, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        ddbxo__sv4_hdr x = h[i];
        size_t j = i;
        while (j > 0 && hdr_cmp(&h[j - 1], &x) > 0) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = x;
    }
}

static void add(ddbxo__sv4_prep *pp, const char *name, const char *val)
{
    ddbxo__sv4_hdr *h = &pp->h[pp->n++];
    h->name = name;
    h->nlen = strlen(name);
    h->val = val;
    h->vlen = strlen(val);
}

static int payload_hash_ok(const char *s)
{
    if (strcmp(s, "UNSIGNED-PAYLOAD") == 0)
        return 1;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[64] == '\0';
}

int ddbxo__sv4_prepare(ddbxo__sv4_prep *pp, const ddbxo_sigv4_request *req,
                       const char *amz_date, const char *token,
                       unsigned flags, ddbxo__sha *sha, ddbxo_error *err)
{
    int have_token = token && *token, have_host = 0;

    pp->n = 0;
    pp->payload[0] = '\0';
    pp->payload_hash = pp->payload;
    if (!token_ok(req->method))
        return ddbxo__err(err, DDBXO_E_INVALID, "method",
                          "sigv4: method is missing or not an HTTP token");
    if (req->n_headers && !req->headers)
        return ddbxo__err(err, DDBXO_E_INVALID, "headers",
                          "sigv4: headers is NULL but n_headers is %zu",
                          req->n_headers);
    if (req->n_headers > DDBXO_SIGV4_MAX_HEADERS)
        return ddbxo__err(err, DDBXO_E_LIMIT, "headers",
                          "sigv4: %zu headers; at most %d are signed",
                          req->n_headers, DDBXO_SIGV4_MAX_HEADERS);
    if (req->body_len && !req->body)
        return ddbxo__err(err, DDBXO_E_INVALID, "body",
                          "sigv4: body is NULL but body_len is %zu",
                          req->body_len);
    if (req->payload_hash && !payload_hash_ok(req->payload_hash))
        return ddbxo__err(err, DDBXO_E_INVALID, "payload_hash",
                          "sigv4: payload_hash is not 64 lower-case hex "
                          "digits or UNSIGNED-PAYLOAD");

    for (size_t i = 0; i < req->n_headers; i++) {
        const ddbxo_sigv4_header *h = &req->headers[i];
        size_t n;
        if (!token_ok(h->name) || !h->value)
            return ddbxo__err(err, DDBXO_E_INVALID, "headers",
                              "sigv4: header %zu has a missing or invalid "
                              "name, or no value", i);
        n = strlen(h->name);
        have_host |= name_is(h->name, n, "host");
        /* Ours to set: a retry may pass back last attempt's values. */
        if (name_is(h->name, n, "authorization") ||
            name_is(h->name, n, "x-amz-date") ||
            (have_token && name_is(h->name, n, "x-amz-security-token")) ||
            ((flags & DDBXO_SIGV4_CONTENT_SHA256) &&
             name_is(h->name, n, "x-amz-content-sha256")) ||
            never_signed(h->name, n))
            continue;
        add(pp, h->name, h->value);
    }
    if (!have_host)
        return ddbxo__err(err, DDBXO_E_INVALID, "headers",
                          "sigv4: the request has no Host header");

    if (req->payload_hash) {
        pp->payload_hash = req->payload_hash;
    } else if (sha) {
        if (ddbxo__sha256_hex(sha, req->body ? req->body : "", req->body_len,
                              pp->payload) < 0)
            return ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                              "sigv4: SHA-256 failed");
    }
    add(pp, "x-amz-date", amz_date);
    if (have_token && !(flags & DDBXO_SIGV4_UNSIGNED_TOKEN))
        add(pp, "x-amz-security-token", token);
    if (flags & DDBXO_SIGV4_CONTENT_SHA256)
        add(pp, "x-amz-content-sha256", pp->payload_hash);
    sort_headers(pp->h, pp->n);
    return 0;
}

int ddbxo__sv4_signed_headers(const ddbxo__sv4_prep *pp, ddbxo__buf *out)
{
    for (size_t i = 0; i < pp->n; i++) {
        const ddbxo__sv4_hdr *h = &pp->h[i];
        if (i > 0 && hdr_cmp(&pp->h[i - 1], h) == 0)
            continue;
        if (i > 0)
            ddbxo__buf_putc(out, ';');
        if (ddbxo__buf_reserve(out, h->nlen) < 0)
            return -1;
        for (size_t j = 0; j < h->nlen; j++)
            out->p[out->len++] = (unsigned char)lower(h->name[j]);
    }
    return out->oom ? -1 : 0;
}

/* Trimmed value with whitespace runs collapsed to one space: written as
 * runs of non-space bytes, so the sink sees few calls. */
static void put_value(ddbxo__sv4_sink *k, const char *v, size_t n)
{
    size_t i = 0;
    int first = 1;
    for (;;) {
        while (i < n && ws((unsigned char)v[i]))
            i++;
        if (i == n)
            return;
        size_t start = i;
        while (i < n && !ws((unsigned char)v[i]))
            i++;
        if (!first)
            putc_(k, ' ');
        ddbxo__sv4_put(k, v + start, i - start);
        first = 0;
    }
}

void ddbxo__sv4_canonical_headers(ddbxo__sv4_sink *k,
                                  const ddbxo__sv4_prep *pp)
{
    for (size_t i = 0; i < pp->n; i++) {
        const ddbxo__sv4_hdr *h = &pp->h[i];
        if (i > 0 && hdr_cmp(&pp->h[i - 1], h) == 0) {
            putc_(k, ',');
        } else {
            if (i > 0)
                putc_(k, '\n');
            for (size_t j = 0; j < h->nlen; j++)
                putc_(k, lower(h->name[j]));
            putc_(k, ':');
        }
        put_value(k, h->val, h->vlen);
    }
    if (pp->n)
        putc_(k, '\n');
}

/* ---------------------------------------------------------------- request */

int ddbxo__sv4_canonical_request(ddbxo__sv4_sink *k,
                                 const ddbxo_sigv4_request *req,
                                 const ddbxo__sv4_prep *pp, unsigned flags,
                                 const char *signed_headers, size_t sh_len)
{
    for (const char *m = req->method; *m; m++)
        putc_(k, *m >= 'a' && *m <= 'z' ? (char)(*m - 32) : *m);
    putc_(k, '\n');
    if (ddbxo__sv4_canonical_path(k, req->path, flags) < 0)
        return -1;
    putc_(k, '\n');
    if (ddbxo__sv4_canonical_query(k, req->query) < 0)
        return -1;
    putc_(k, '\n');
    ddbxo__sv4_canonical_headers(k, pp);
    putc_(k, '\n');
    ddbxo__sv4_put(k, signed_headers, sh_len);
    putc_(k, '\n');
    puts_(k, pp->payload_hash);
    return k->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- path */

/* Removes "." and ".." segments and empty segments (repeated slashes), as
 * the suite's normalize cases expect; a path ending in '/', "." or ".."
 * keeps a trailing slash (RFC 3986 5.2.4). */
static int normalize(const char *path, ddbxo__buf *out)
{
    const char *s = path, *last = path;
    size_t lastlen = 0;
    while (*s) {
        while (*s == '/')
            s++;
        const char *seg = s;
        while (*s && *s != '/')
            s++;
        size_t n = (size_t)(s - seg);
        last = seg;
        lastlen = n;
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out->len > 0 && out->p[out->len - 1] != '/')
                out->len--;
            if (out->len > 0)
                out->len--; /* the '/' before the removed segment */
            continue;
        }
        ddbxo__buf_putc(out, '/');
        ddbxo__buf_put(out, seg, n);
    }
    if (out->len == 0 || lastlen == 0 || (lastlen == 1 && last[0] == '.') ||
        (lastlen == 2 && last[0] == '.' && last[1] == '.'))
        ddbxo__buf_putc(out, '/');
    return out->oom ? -1 : 0;
}

int ddbxo__sv4_canonical_path(ddbxo__sv4_sink *k, const char *path,
                              unsigned flags)
{
    ddbxo__buf b;
    if (!path || !*path || (path[0] == '/' && path[1] == '\0')) {
        putc_(k, '/'); /* every DynamoDB call */
        return 0;
    }
    if (flags & DDBXO_SIGV4_NO_NORMALIZE_PATH) {
        put_encoded(k, path, strlen(path), 1);
        return 0;
    }
    ddbxo__buf_init(&b);
    if (normalize(path, &b) < 0) {
        ddbxo__buf_free(&b);
        return -1;
    }
    put_encoded(k, (const char *)b.p, b.len, 1);
    ddbxo__buf_free(&b);
    return 0;
}

/* ---------------------------------------------------------------- query */

typedef struct qpair {
    size_t k, klen, v, vlen; /* offsets into the encoded text */
} qpair;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX in p[0..n) (a malformed escape stays literal) and appends
 * the result URI-encoded, so "%E1%88%B4" and the raw UTF-8 bytes sign the
 * same. */
static void reencode(ddbxo__buf *out, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        int hi, lo;
        if (c == '%' && i + 2 < n && (hi = hexval(p[i + 1])) >= 0 &&
            (lo = hexval(p[i + 2])) >= 0) {
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (unreserved(c)) {
            ddbxo__buf_putc(out, c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            ddbxo__buf_put(out, e, 3);
        }
    }
}

static int mem_cmp(const unsigned char *a, size_t an, const unsigned char *b,
                   size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an < bn ? -1 : an > bn);
}

/* Orders pairs by encoded key, then value (both byte-wise). */
static int pair_cmp(const void *pa, const void *pb, void *text)
{
    const qpair *x = pa, *y = pb;
    const unsigned char *t = text;
    int c = mem_cmp(t + x->k, x->klen, t + y->k, y->klen);
    return c ? c : mem_cmp(t + x->v, x->vlen, t + y->v, y->vlen);
}

int ddbxo__sv4_canonical_query(ddbxo__sv4_sink *k, const char *query)
{
    ddbxo__buf t;
    qpair *q = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;

    if (!query || !*query)
        return 0;
    ddbxo__buf_init(&t);
    for (const char *s = query; *s;) {
        const char *end = strchr(s, '&'), *eq;
        if (!end)
            end = s + strlen(s);
        if (end > s) { /* "a=1&&b=2": the empty pair is not a parameter */
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 8;
                qpair *nq = realloc(q, nc * sizeof *q);
                if (!nq)
                    goto out;
                q = nq;
                cap = nc;
            }
            eq = memchr(s, '=', (size_t)(end - s));
            if (!eq)
                eq = end;
            q[n].k = t.len;
            reencode(&t, s, (size_t)(eq - s));
            q[n].klen = t.len - q[n].k;
            q[n].v = t.len;
            if (eq < end)
                reencode(&t, eq + 1, (size_t)(end - eq - 1));
            q[n].vlen = t.len - q[n].v;
            n++;
        }
        s = *end ? end + 1 : end;
    }
    if (t.oom)
        goto out;
    if (n > 1)
        qsort_r(q, n, sizeof *q, pair_cmp, t.p);
    for (size_t i = 0; i < n; i++) {
        if (i)
            putc_(k, '&');
        ddbxo__sv4_put(k, t.p + q[i].k, q[i].klen);
        putc_(k, '=');
        ddbxo__sv4_put(k, t.p + q[i].v, q[i].vlen);
    }
    rc = k->failed ? -1 : 0;
out:
    free(q);
    ddbxo__buf_free(&t);
    return rc;
}
