/* Members of SS/NS/BS sets as canonical bytes, sorted: shared by the
 * strict duplicate check and the canonical encoding, so both agree on
 * what "the same member" means. */
#include "value/value_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/base64.h"
#include "value/number.h"

int ddbxo__bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int member_cmp(const void *x, const void *y)
{
    const struct ddbxo__member *a = x, *b = y;
    int c = ddbxo__bytes_cmp(a->p, a->len, b->p, b->len);
    if (c)
        return c;
    /* Ties by position keep the sort deterministic (qsort is unstable). */
    return a->index < b->index ? -1 : a->index > b->index;
}

void ddbxo__members_free(ddbxo__members *ms)
{
    if (!ms)
        return;
    ddbxo__buf_free(&ms->arena);
    free(ms->m);
    memset(ms, 0, sizeof *ms);
}

/* Appends member e's canonical bytes to the arena; *in_arena says whether
 * they went there (else m->p points into the document's text). */
static int one(ddbxo__members *ms, const ddbxo__doc *d, size_t e, int type,
               int decode_b, struct ddbxo__member *m, int *in_arena,
               ddbxo__buf *scratch, ddbxo__path *p, ddbxo_error *err)
{
    const char *s;
    size_t n, before = ms->arena.len;
    ddbxo_error inner;
    char num[DDBXO_NUMBER_BUFSIZE];
    int k;

    *in_arena = 0;
    if (ddbxo__doc_type(d, e) != DDBXO__J_STR)
        return ddbxo__path_err(err, DDBXO_E_INVALID, p,
                               "set member must be a JSON string");
    if (type == DDBXO_TYPE_SS || ddbxo__doc_flag(d, e)) {
        /* Escaped text is decoded into the arena, where it stays. */
        if (ddbxo__doc_flag(d, e)) {
            if (ddbxo__doc_str_append(d, e, &ms->arena) < 0)
                return ddbxo__path_err(err, DDBXO_E_NOMEM, p,
                                       "out of memory");
            if (type == DDBXO_TYPE_SS) {
                *in_arena = 1;
                m->p = NULL;
                m->len = ms->arena.len - before;
                return 0;
            }
            scratch->len = 0;
            ddbxo__buf_put(scratch, ms->arena.p + before,
                           ms->arena.len - before);
            ms->arena.len = before;
            if (scratch->oom)
                return ddbxo__path_err(err, DDBXO_E_NOMEM, p,
                                       "out of memory");
            s = scratch->p ? (const char *)scratch->p : "";
            n = scratch->len;
        } else {
            m->p = (const unsigned char *)d->text + d->n[e].pos;
            m->len = ddbxo__doc_payload(d, e);
            return 0;
        }
    } else {
        s = d->text + d->n[e].pos;
        n = ddbxo__doc_payload(d, e);
    }
    switch (type) {
    case DDBXO_TYPE_NS:
        k = ddbxo__number_normalize(s, n, num, sizeof num, &inner);
        if (k < 0)
            return ddbxo__path_err(err, inner.code, p, "%s", inner.message);
        if (ddbxo__buf_put(&ms->arena, num, (size_t)k) < 0)
            return ddbxo__path_err(err, DDBXO_E_NOMEM, p, "out of memory");
        break;
    default: /* BS */
        if (ddbxo__b64_decode(s, n, decode_b ? &ms->arena : NULL,
                              &inner) < 0)
            return ddbxo__path_err(err, inner.code, p, "%s", inner.message);
        if (!decode_b) {
            /* The base64 text itself: keep a copy (s may be scratch). */
            if (ddbxo__buf_put(&ms->arena, s, n) < 0)
                return ddbxo__path_err(err, DDBXO_E_NOMEM, p,
                                       "out of memory");
        }
        break;
    }
    *in_arena = 1;
    m->p = NULL;
    m->len = ms->arena.len - before;
    return 0;
}

int ddbxo__members_collect(ddbxo__members *ms, const ddbxo__doc *d,
                           size_t arr, int type, int decode_b, int dedup,
                           ddbxo__path *p, ddbxo_error *err)
{
    size_t n, i, w, e, *off = NULL;
    ddbxo__buf scratch;
    int rc = 0;

    memset(ms, 0, sizeof *ms);
    ddbxo__buf_init(&ms->arena);
    if (ddbxo__doc_type(d, arr) != DDBXO__J_ARR)
        return ddbxo__path_err(err, DDBXO_E_INVALID, p,
                               "must be a JSON array");
    /* Members of a set are strings (one node each) when the set is
     * valid; a nested value is refused at its own turn below. */
    n = ddbxo__doc_count(d, arr);
    if (n == 0)
        return 0;
    ms->m = calloc(n, sizeof *ms->m);
    off = calloc(n, sizeof *off);
    if (!ms->m || !off) {
        free(off);
        return ddbxo__path_err(err, DDBXO_E_NOMEM, p, "out of memory");
    }
    ddbxo__buf_init(&scratch);
    for (i = 0, e = arr + 1; i < n; i++, e = ddbxo__doc_skip(d, e)) {
        size_t old = ddbxo__path_push_index(p, i);
        int in_arena;
        off[i] = ms->arena.len;
        ms->m[i].index = i;
        if (one(ms, d, e, type, decode_b, &ms->m[i], &in_arena, &scratch, p,
                err) < 0) {
            rc = -1;
            break;
        }
        ddbxo__path_pop(p, old);
        if (!in_arena)
            off[i] = (size_t)-1;
    }
    ddbxo__buf_free(&scratch);
    if (rc < 0) {
        free(off);
        return -1;
    }
    /* The arena may have moved while growing: resolve offsets now. */
    for (i = 0; i < n; i++)
        if (off[i] != (size_t)-1)
            ms->m[i].p = ms->arena.p ? ms->arena.p + off[i]
                                     : (const unsigned char *)"";
    free(off);
    ms->n = n;
    qsort(ms->m, n, sizeof *ms->m, member_cmp);
    for (i = 1, w = 1; i < n; i++) {
        const struct ddbxo__member *a = &ms->m[w - 1], *b = &ms->m[i];
        if (ddbxo__bytes_cmp(a->p, a->len, b->p, b->len) == 0) {
            if (ms->ndup++ == 0)
                ms->dup_index = a->index > b->index ? a->index : b->index;
            if (dedup)
                continue;
        }
        ms->m[w++] = ms->m[i];
    }
    ms->n = w;
    return 0;
}
