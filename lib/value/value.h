/* Internal interface of the value layer (DynamoDB AttributeValues): the
 * rules of docs/format.md checked on record documents (lib/value/doc.h), number
 * normalisation, base64, the canonical encoding, and the ddbxo_value
 * handle.  Images stay in their event's document end to end; values built
 * with jansson meet the same checks as documents made from them. */
#ifndef DDBXO_LIB_VALUE_H
#define DDBXO_LIB_VALUE_H

#include <jansson.h>

#include "util/base64.h"
#include "util/buf.h"
#include "ddbxo.h"
#include "value/doc.h"

/* Lenient: accept what DynamoDB stored or what a sample event carries
 * (empty sets, duplicate set members, non-normalised numbers that are still
 * numbers).  Strict: what DynamoDB would accept in a write. */
#define DDBXO__AV_LENIENT 0u
#define DDBXO__AV_STRICT  1u

/* Checks one AttributeValue, node v of d ({"S":"x"} etc.).  `path` is the
 * JSON path of v for error messages (the error's path gets the sub-path
 * appended, e.g. path "Records[3].dynamodb.Keys.pk" ->
 * "Records[3].dynamodb.Keys.pk.N").  depth: nesting depth of v (an
 * item's attribute is depth 1).
 * Returns 0, or -1 with err (DDBXO_E_INVALID or DDBXO_E_LIMIT) filled. */
int ddbxo__av_check_doc(const ddbxo__doc *d, size_t v, unsigned flags,
                        const char *path, int depth, ddbxo_error *err);

/* Checks an attribute map {"name": AttributeValue, ...} (an item, Keys, an
 * image), node m of d.  Attribute names must be non-empty UTF-8 strings.
 * *size (may be NULL) gets DynamoDB's size of the item, computed in the
 * same pass. */
int ddbxo__item_check_doc(const ddbxo__doc *d, size_t m, unsigned flags,
                          const char *path, size_t *size, ddbxo_error *err);
/* DynamoDB's size of attribute map m (which passed the lenient check):
 * UTF-8 name bytes plus value sizes by the documented rule (S: UTF-8
 * bytes; N: about 1 byte per two significant digits plus 1; B: raw bytes;
 * sets and lists: the members plus 3 bytes, 1 per element; M: 3 bytes
 * plus names and values, 1 per element; BOOL and NULL: 1). */
size_t ddbxo__item_size_doc(const ddbxo__doc *d, size_t m);

/* The same for jansson trees (values transforms and builders make): the
 * tree is written and read back as a document, so both kinds meet one set
 * of rules. */
int ddbxo__av_check(const json_t *v, unsigned flags, const char *path,
                    int depth, ddbxo_error *err);
int ddbxo__item_check(const json_t *m, unsigned flags, const char *path,
                      ddbxo_error *err);
int ddbxo__item_check_size(const json_t *m, unsigned flags, const char *path,
                           size_t *size, ddbxo_error *err);
size_t ddbxo__item_size(const json_t *item);

/* Sizes by the rule above of one N text and of one B's base64 text (the
 * input is valid). */
size_t ddbxo__number_size(const char *s, size_t len);
size_t ddbxo__b64_size(const char *s, size_t len);

/* Validates DynamoDB number text (len bytes, not necessarily NUL-terminated):
 * syntax, <= 38 significant digits, magnitude 1E-130 .. 9.99..E+125 or 0. */
int ddbxo__number_check(const char *s, size_t len, ddbxo_error *err);

/* Writes the normalised form of a valid number into out (NUL-terminated).
 * Returns the length, or -1 (invalid, or outsz too small). */
int ddbxo__number_normalize(const char *s, size_t len, char *out,
                            size_t outsz, ddbxo_error *err);


/* Appends the canonical encoding (docs/format.md) of one AttributeValue /
 * of an attribute map encoded as an M value.  Input must have passed the
 * lenient check (the functions re-check what they touch and fail cleanly). */
int ddbxo__canon_av_doc(ddbxo__buf *out, const ddbxo__doc *d, size_t v,
                        ddbxo_error *err);
int ddbxo__canon_item_doc(ddbxo__buf *out, const ddbxo__doc *d, size_t m,
                          ddbxo_error *err);
/* The same for jansson trees. */
int ddbxo__canon_av(ddbxo__buf *out, const json_t *v, ddbxo_error *err);
int ddbxo__canon_item(ddbxo__buf *out, const json_t *m, ddbxo_error *err);

/* AttributeValue type of node v ({"T": x}): the ddbxo_type, x in *val;
 * 0 when v is not an object with exactly one known type key. */
int ddbxo__av_type(const ddbxo__doc *d, size_t v, size_t *val);
/* Position of node `elem` among the children of container `parent`. */
size_t ddbxo__doc_index(const ddbxo__doc *d, size_t parent, size_t elem);

/* A jansson-backed handle around j (takes a new reference; j is not
 * copied).  NULL on allocation failure. */
ddbxo_value *ddbxo__value_wrap_av(json_t *j);
ddbxo_value *ddbxo__value_wrap_item(json_t *m);
/* Tells an attribute map from an AttributeValue by shape (exact for
 * trees that pass the lenient check; see value.c). */
ddbxo_value *ddbxo__value_wrap(json_t *j);
/* The value as a jansson tree (borrowed; made on first use for
 * document-backed handles and kept).  NULL when out of memory. */
const json_t *ddbxo__value_json(const ddbxo_value *v);

/* Exact decimal arithmetic on DynamoDB number text (any valid number,
 * NUL-terminated).  The result is normalised; -1 with err
 * (DDBXO_E_INVALID for bad input, DDBXO_E_LIMIT when the exact result
 * needs more than 38 significant digits or leaves DynamoDB's range). */
int ddbxo__decimal_sub(const char *a, const char *b, char *out, size_t outsz,
                       ddbxo_error *err);
int ddbxo__decimal_neg(const char *a, char *out, size_t outsz,
                       ddbxo_error *err);
/* Numeric comparison: <0, 0, >0; -2 (err) when either is not a number. */
int ddbxo__decimal_cmp(const char *a, const char *b, ddbxo_error *err);

#endif
