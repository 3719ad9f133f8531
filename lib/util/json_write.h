/* Internal: compact JSON text of a jansson tree, for request bodies. */
#ifndef DDBXO_LIB_JSON_WRITE_H
#define DDBXO_LIB_JSON_WRITE_H

#include <jansson.h>
#include <stddef.h>

/* Returns a malloc'd, NUL-terminated text byte-identical to
 * json_dumps(j, JSON_COMPACT) -- same escapes, same number text, keys in
 * insertion order -- and its length in *len (may be NULL).  NULL where
 * json_dumps returns NULL: j is not an object or array, a string value is
 * not valid UTF-8, a container contains itself, or out of memory.  (A key
 * that is not valid UTF-8 -- only json_object_setn_nocheck makes one --
 * is written cut short, as jansson 2.14 writes it.)
 *
 * Why not json_dumps: jansson 2.14 keeps a loop-detection hashtable keyed
 * by snprintf("%p") of every container, which cost ~16 % of the CPU per
 * applied record (docs/performance.md).  Here trees up to a depth of
 * DDBXO__JSON_WRITE_DEPTH are written directly (a request's tree is a few
 * levels deep, so no loop is possible); deeper ones, and real numbers,
 * go to jansson itself, so the result is the same in every case. */
char *ddbxo__json_write(const json_t *j, size_t *len);

#define DDBXO__JSON_WRITE_DEPTH 64

/* Text spliced into one object of the tree: when the writer meets `obj`
 * it writes obj's own members and then `members` (JSON object members,
 * "\"a\":{...},\"b\":{...}", already validated), so an image passed
 * through goes into a request as its bytes.  Splicing never defers to
 * jansson: a tree that would (real numbers, deeper than the writer goes)
 * fails instead. */
typedef struct ddbxo__json_splice {
    const json_t *obj;
    const char *members;
    size_t len;
} ddbxo__json_splice;

char *ddbxo__json_write_splice(const json_t *j, const ddbxo__json_splice *sp,
                               size_t nsp, size_t *len);

#endif
