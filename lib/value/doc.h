/* The record document: what the event hot path reads instead of a jansson
 * tree (docs/performance.md, "The record document").
 *
 * One validating pass over JSON text builds a flat, immutable array of
 * nodes that point back into the text: no node is allocated on its own,
 * and a string is unescaped only when someone asks for its bytes, into a
 * buffer the caller owns.  The document never changes after the parse, so
 * any number of readers may share it; it is reference-counted because
 * records, value handles and writes all borrow from one event's document.
 *
 * What it accepts is exactly what jansson's json_loadb accepts with
 * JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL (RFC 8259, UTF-8 checked, the
 * same depth cap and integer/real range rules, a NUL byte refused in an
 * object key): fuzz/fuzz_doc_vs_jansson.c shows it, node for node, with
 * json_equal.
 *
 * Node layout (8 bytes): pos is the byte offset of the value in the text
 * (for a string: of its first content byte, after the quote); tl holds
 * the type in its top 3 bits, a flag bit, and a 28-bit payload: a
 * string's raw content length, a number's text length, or a container's
 * subtree size in nodes (so the next sibling of node i is i + 1 + size).
 * An object's children alternate key (a string node) and value. */
#ifndef DDBXO_LIB_DOC_H
#define DDBXO_LIB_DOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "ddbxo.h"
#include "ddbxo/sys/value.h"

enum {
    DDBXO__J_NULL = 0,
    DDBXO__J_FALSE,
    DDBXO__J_TRUE,
    DDBXO__J_NUM,
    DDBXO__J_STR,
    DDBXO__J_ARR,
    DDBXO__J_OBJ
};

/* jansson's JSON_PARSER_MAX_DEPTH: a value nested deeper is refused the
 * way jansson refuses it (every value counts, the top level is 1). */
#define DDBXO__DOC_MAX_DEPTH 2048
/* The payload field is 28 bits; DDBXO_MAX_EVENT_BYTES (64 MiB) fits. */
#define DDBXO__DOC_MAX_BYTES ((size_t)1 << 28)

/* Flag bit: a string holds escapes (its bytes need decoding); a number
 * has a fraction or an exponent (jansson's "real"). */
#define DDBXO__DOC_FLAG 0x10000000u
#define DDBXO__DOC_PAYLOAD 0x0FFFFFFFu

typedef struct ddbxo__node {
    uint32_t pos;
    uint32_t tl;
} ddbxo__node;

typedef struct ddbxo__doc {
    const char *text;       /* the input (owned when own_text) */
    size_t len;
    ddbxo__node *n;
    size_t nn;
    unsigned refs;
    unsigned char own_text;
} ddbxo__doc;

static inline int ddbxo__doc_type(const ddbxo__doc *d, size_t i)
{
    return (int)(d->n[i].tl >> 29);
}

static inline uint32_t ddbxo__doc_payload(const ddbxo__doc *d, size_t i)
{
    return d->n[i].tl & DDBXO__DOC_PAYLOAD;
}

static inline int ddbxo__doc_flag(const ddbxo__doc *d, size_t i)
{
    return (d->n[i].tl & DDBXO__DOC_FLAG) != 0;
}

/* The node after i's subtree: i's next sibling, if it has one. */
static inline size_t ddbxo__doc_skip(const ddbxo__doc *d, size_t i)
{
    int t = ddbxo__doc_type(d, i);
    return i + 1 + (t >= DDBXO__J_ARR ? ddbxo__doc_payload(d, i) : 0);
}

/* Parser options. */
#define DDBXO__DOC_COPY 1u      /* copy the text: the document owns it */
#define DDBXO__DOC_ANY  2u      /* any top-level value (jansson's
                                   JSON_DECODE_ANY), not only [ or { */

/* Parses len bytes.  On success a document with one reference; NULL with
 * err on bad JSON (DDBXO_E_INVALID, the message gives line and column,
 * never the text itself: events hold item data), on a nesting deeper
 * than DDBXO__DOC_MAX_DEPTH (DDBXO_E_LIMIT) or out of memory.  Without
 * DDBXO__DOC_COPY the text must outlive the document. */
ddbxo__doc *ddbxo__doc_parse(const char *text, size_t len, unsigned opts,
                             ddbxo_error *err);
ddbxo__doc *ddbxo__doc_ref(ddbxo__doc *d);
void ddbxo__doc_unref(ddbxo__doc *d);

/* A document of a jansson tree (its compact JSON, parsed; node 0 is j):
 * how values built with jansson reach the readers that work on
 * documents.  NULL with err. */
ddbxo__doc *ddbxo__doc_from_json(const json_t *j, ddbxo_error *err);

/* Number of children (array elements, object members) of container i. */
size_t ddbxo__doc_count(const ddbxo__doc *d, size_t i);

/* The value of member `key` (klen bytes, compared after unescaping) of
 * object i, or 0 when absent (0 is never a member: it is the root). */
size_t ddbxo__doc_get(const ddbxo__doc *d, size_t obj, const char *key,
                      size_t klen);

/* The bytes of string i.  Without escapes: a pointer into the text (not
 * NUL-terminated).  With escapes: decoded into *scratch (reset first;
 * NULL scratch gives NULL) and a pointer into it.  *len always set. */
const char *ddbxo__doc_str(const ddbxo__doc *d, size_t i, ddbxo__buf *scratch,
                           size_t *len);
/* 1 when string i equals s (n bytes), without allocating. */
int ddbxo__doc_str_eq(const ddbxo__doc *d, size_t i, const char *s, size_t n);
/* Appends string i's decoded bytes to out (lib/value/doc.c, which
 * decodes escapes for the parser's duplicate-key check too). */
int ddbxo__doc_str_append(const ddbxo__doc *d, size_t i, ddbxo__buf *out);

/* The JSON text of value i as it stands in the input: [*start, end). */
void ddbxo__doc_span(const ddbxo__doc *d, size_t i, size_t *start,
                     size_t *end);

/* Value i as a new jansson tree (what json_loadb would have built), for
 * the paths that still work on jansson: transforms with specs, park
 * messages, the bindings' record JSON.  NULL when out of memory. */
json_t *ddbxo__doc_to_json(const ddbxo__doc *d, size_t i);

/* Caches that readers on several threads may fill at once: *slot is set
 * to x unless another thread set it first, in which case x goes to drop.
 * Returns what *slot holds. */
void *ddbxo__set_once(void **slot, void *x, void (*drop)(void *));
/* The tree of node i of d (ddbxo__doc_to_json), made on the first call
 * and kept in *slot; borrowed.  NULL when d is NULL or out of memory. */
const json_t *ddbxo__doc_json_once(json_t **slot, const ddbxo__doc *d,
                                   size_t i);

#endif
