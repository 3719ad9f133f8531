/* See docdiff.h.  One difference is meant: a raw NUL byte is never
 * valid JSON (RFC 8259: not whitespace, not a token, and a control
 * character inside a string), and the document refuses every text holding
 * one; jansson 2.14 loses one NUL byte that follows a number or a literal
 * (its lexer puts the byte back, and its buffer then reads a NUL as
 * "refill"), so it takes "[1\\0]".  For such texts only the document's
 * refusal is checked. */
#include "docdiff.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value/doc.h"

static void check_nodes(const ddbxo__doc *d, const char *text)
{
    for (size_t i = 0; i < d->nn; i++) {
        size_t a, b;
        json_t *want = ddbxo__doc_to_json(d, i), *got;
        ddbxo__doc_span(d, i, &a, &b);
        got = json_loadb(text + a, b - a,
                         JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (!want || !got || !json_equal(want, got)) {
            fprintf(stderr, "node %zu: span [%zu,%zu) is not the value\n",
                    i, a, b);
            abort();
        }
        json_decref(got);
        if (ddbxo__doc_type(d, i) == DDBXO__J_OBJ) {
            const char *k;
            size_t klen;
            json_t *v;
            json_object_keylen_foreach(want, k, klen, v) {
                size_t at = ddbxo__doc_get(d, i, k, klen);
                json_t *x = at ? ddbxo__doc_to_json(d, at) : NULL;
                if (!x || !json_equal(x, v)) {
                    fprintf(stderr, "node %zu: lookup of a key failed\n", i);
                    abort();
                }
                json_decref(x);
            }
            if (ddbxo__doc_count(d, i) != json_object_size(want))
                abort();
        } else if (ddbxo__doc_type(d, i) == DDBXO__J_ARR &&
                   ddbxo__doc_count(d, i) != json_array_size(want)) {
            abort();
        }
        json_decref(want);
    }
}

void tu_docdiff(const uint8_t *data, size_t size, int any)
{
    json_error_t je;
    ddbxo_error err;
    json_t *j = json_loadb((const char *)data, size,
                           JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL |
                               (any ? JSON_DECODE_ANY : 0), &je);
    ddbxo__doc *d = ddbxo__doc_parse((const char *)data, size,
                                     any ? DDBXO__DOC_ANY : 0, &err);
    if (memchr(data, 0, size)) {
        if (d) {
            fprintf(stderr, "doc accepts a raw NUL byte\n");
            abort();
        }
        json_decref(j);
        return;
    }
    if ((j == NULL) != (d == NULL)) {
        fprintf(stderr, "jansson %s, doc %s (%s)\n",
                j ? "accepts" : je.text, d ? "accepts" : "refuses",
                d ? "" : err.message);
        abort();
    }
    if (!j) {
        if ((json_error_code(&je) == json_error_stack_overflow) !=
            (err.code == DDBXO_E_LIMIT)) {
            fprintf(stderr, "depth refusal differs: %s / %s\n", je.text,
                    err.message);
            abort();
        }
        return;
    }
    {
        json_t *mine = ddbxo__doc_to_json(d, 0);
        if (!mine || !json_equal(j, mine)) {
            fprintf(stderr, "trees differ\n");
            abort();
        }
        json_decref(mine);
    }
    /* Per-node checks cost O(n^2) on big inputs (every subtree is read
     * back by jansson): small ones suffice, and keep the fuzzer fast. */
    if (size <= 1024)
        check_nodes(d, (const char *)data);
    json_decref(j);
    ddbxo__doc_unref(d);
}

