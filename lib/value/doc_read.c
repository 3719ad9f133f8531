/* Reading a record document: children, member lookup, string bytes, the
 * text span of a value, and the bridges to and from jansson for the code
 * off the hot path. */
#include "value/doc.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/json_write.h"

size_t ddbxo__doc_count(const ddbxo__doc *d, size_t i)
{
    size_t end, k, n = 0;
    int t = ddbxo__doc_type(d, i);
    if (t != DDBXO__J_ARR && t != DDBXO__J_OBJ)
        return 0;
    end = i + 1 + ddbxo__doc_payload(d, i);
    for (k = i + 1; k < end; k = ddbxo__doc_skip(d, k)) {
        if (t == DDBXO__J_OBJ)
            k++;                    /* the key; then skip its value */
        n++;
    }
    return n;
}

const char *ddbxo__doc_str(const ddbxo__doc *d, size_t i, ddbxo__buf *scratch,
                           size_t *len)
{
    if (!ddbxo__doc_flag(d, i)) {
        *len = ddbxo__doc_payload(d, i);
        return d->text + d->n[i].pos;
    }
    *len = 0;
    if (!scratch)
        return NULL;
    scratch->len = 0;
    if (ddbxo__doc_str_append(d, i, scratch) < 0)
        return NULL;
    *len = scratch->len;
    return scratch->p ? (const char *)scratch->p : "";
}

int ddbxo__doc_str_eq(const ddbxo__doc *d, size_t i, const char *s, size_t n)
{
    ddbxo__buf b;
    size_t len;
    const char *p;
    int eq;
    if (!ddbxo__doc_flag(d, i))
        return ddbxo__doc_payload(d, i) == n &&
               memcmp(d->text + d->n[i].pos, s, n) == 0;
    /* An escaped string is never shorter than its bytes. */
    if (ddbxo__doc_payload(d, i) < n)
        return 0;
    ddbxo__buf_init(&b);
    p = ddbxo__doc_str(d, i, &b, &len);
    eq = p && len == n && memcmp(p, s, n) == 0;
    ddbxo__buf_free(&b);
    return eq;
}

size_t ddbxo__doc_get(const ddbxo__doc *d, size_t obj, const char *key,
                      size_t klen)
{
    size_t end, k;
    if (ddbxo__doc_type(d, obj) != DDBXO__J_OBJ)
        return 0;
    end = obj + 1 + ddbxo__doc_payload(d, obj);
    for (k = obj + 1; k < end; k = ddbxo__doc_skip(d, k + 1))
        if (ddbxo__doc_str_eq(d, k, key, klen))
            return k + 1;
    return 0;
}

static size_t lit_len(int t)
{
    return t == DDBXO__J_FALSE ? 5 : 4;
}

void ddbxo__doc_span(const ddbxo__doc *d, size_t i, size_t *start,
                     size_t *end)
{
    int t = ddbxo__doc_type(d, i);
    size_t last, e, dummy;
    *start = d->n[i].pos;
    switch (t) {
    case DDBXO__J_STR:
        *start -= 1;
        *end = d->n[i].pos + ddbxo__doc_payload(d, i) + 1;
        return;
    case DDBXO__J_NUM:
        *end = *start + ddbxo__doc_payload(d, i);
        return;
    case DDBXO__J_ARR:
    case DDBXO__J_OBJ:
        if (ddbxo__doc_payload(d, i) == 0) {
            e = *start + 1;
        } else {
            /* After the last child's text, past blanks, is the bracket. */
            last = i + 1;
            for (size_t k = i + 1; k < i + 1 + ddbxo__doc_payload(d, i);
                 k = ddbxo__doc_skip(d, k))
                last = k;
            ddbxo__doc_span(d, last, &dummy, &e);
        }
        while (d->text[e] != (t == DDBXO__J_OBJ ? '}' : ']'))
            e++;
        *end = e + 1;
        return;
    default:
        *end = *start + lit_len(t);
        return;
    }
}

/* ---------------------------------------------------------- jansson */

static json_t *num_json(const ddbxo__doc *d, size_t i)
{
    char tmp[64], *txt = tmp;
    size_t n = ddbxo__doc_payload(d, i);
    json_t *j;
    if (n >= sizeof tmp && !(txt = malloc(n + 1)))
        return NULL;
    memcpy(txt, d->text + d->n[i].pos, n);
    txt[n] = '\0';
    /* The parse already refused what does not fit. */
    j = ddbxo__doc_flag(d, i) ? json_real(strtod(txt, NULL))
                              : json_integer(strtoll(txt, NULL, 10));
    if (txt != tmp)
        free(txt);
    return j;
}

static json_t *str_json(const ddbxo__doc *d, size_t i, ddbxo__buf *scratch)
{
    size_t n;
    const char *s = ddbxo__doc_str(d, i, scratch, &n);
    return s ? json_stringn_nocheck(s, n) : NULL;
}

/* Recursion is bounded by the parse's depth cap. */
json_t *ddbxo__doc_to_json(const ddbxo__doc *d, size_t i)
{
    ddbxo__buf scratch;
    json_t *j = NULL, *x;
    size_t end, k, n;
    const char *key;
    ddbxo__buf_init(&scratch);
    switch (ddbxo__doc_type(d, i)) {
    case DDBXO__J_NULL: j = json_null(); break;
    case DDBXO__J_FALSE: j = json_false(); break;
    case DDBXO__J_TRUE: j = json_true(); break;
    case DDBXO__J_NUM: j = num_json(d, i); break;
    case DDBXO__J_STR: j = str_json(d, i, &scratch); break;
    case DDBXO__J_ARR:
        j = json_array();
        end = i + 1 + ddbxo__doc_payload(d, i);
        for (k = i + 1; j && k < end; k = ddbxo__doc_skip(d, k))
            if (json_array_append_new(j, ddbxo__doc_to_json(d, k)) < 0) {
                json_decref(j);
                j = NULL;
            }
        break;
    default:
        j = json_object();
        end = i + 1 + ddbxo__doc_payload(d, i);
        for (k = i + 1; j && k < end; k = ddbxo__doc_skip(d, k + 1)) {
            key = ddbxo__doc_str(d, k, &scratch, &n);
            x = ddbxo__doc_to_json(d, k + 1);
            if (!key || json_object_setn_new_nocheck(j, key, n, x) < 0) {
                json_decref(j);
                j = NULL;
            }
        }
        break;
    }
    ddbxo__buf_free(&scratch);
    return j;
}

ddbxo__doc *ddbxo__doc_from_json(const json_t *j, ddbxo_error *err)
{
    size_t n;
    char *text;
    ddbxo__doc *d;
    if (!j)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "no value"), NULL;
    if (!(text = ddbxo__json_write(j, &n)))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "value cannot be written as JSON (invalid "
                          "UTF-8, or out of memory)"), NULL;
    d = ddbxo__doc_parse(text, n, DDBXO__DOC_ANY, err);
    if (d)
        d->own_text = 1;                    /* takes text */
    else
        free(text);
    return d;
}

void *ddbxo__set_once(void **slot, void *x, void (*drop)(void *))
{
    void *expected = NULL;
    if (__atomic_compare_exchange_n(slot, &expected, x, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return x;
    drop(x);
    return expected;
}

static void drop_json(void *x)
{
    json_decref(x);
}

const json_t *ddbxo__doc_json_once(json_t **slot, const ddbxo__doc *d,
                                   size_t i)
{
    json_t *j = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (j || !d)
        return j;
    if (!(j = ddbxo__doc_to_json(d, i)))
        return NULL;
    return ddbxo__set_once((void **)slot, j, drop_json);
}
