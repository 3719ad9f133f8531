/* Internal interface of the value layer (DynamoDB AttributeValue as jansson
 * trees).  Images stay decoded jansson trees end to end (DESIGN §8); this
 * layer validates them, normalises numbers and encodes canonically. */
#ifndef DDBXO_LIB_VALUE_H
#define DDBXO_LIB_VALUE_H

#include <jansson.h>

#include "buf.h"
#include "ddbxo.h"

/* Lenient: accept what DynamoDB stored or what a sample event carries
 * (empty sets, duplicate set members, non-normalised numbers that are still
 * numbers).  Strict: what DynamoDB would accept in a write. */
#define DDBXO__AV_LENIENT 0u
#define DDBXO__AV_STRICT  1u

/* Checks one AttributeValue ({"S":"x"} etc.).  `path` is the JSON path of
 * v for error messages (the error's path gets the sub-path appended, e.g.
 * path "Records[3].dynamodb.Keys.pk" -> "Records[3].dynamodb.Keys.pk.N").
 * depth: nesting depth of v (an item's attribute is depth 1).
 * Returns 0, or -1 with err (DDBXO_E_INVALID or DDBXO_E_LIMIT) filled. */
int ddbxo__av_check(const json_t *v, unsigned flags, const char *path,
                    int depth, ddbxo_error *err);

/* Checks an attribute map {"name": AttributeValue, ...} (an item, Keys, an
 * image).  Attribute names must be non-empty UTF-8 strings. */
int ddbxo__item_check(const json_t *m, unsigned flags, const char *path,
                      ddbxo_error *err);

/* Validates DynamoDB number text (len bytes, not necessarily NUL-terminated):
 * syntax, <= 38 significant digits, magnitude 1E-130 .. 9.99..E+125 or 0. */
int ddbxo__number_check(const char *s, size_t len, ddbxo_error *err);

/* Writes the normalised form of a valid number into out (NUL-terminated).
 * Returns the length, or -1 (invalid, or outsz too small). */
int ddbxo__number_normalize(const char *s, size_t len, char *out,
                            size_t outsz, ddbxo_error *err);

/* Strict base64 (RFC 4648 alphabet, '=' padding required, no whitespace,
 * zero trailing bits: docs/format.md §3).  Appends the decoded bytes to
 * out; out == NULL only validates.  Returns 0 or -1. */
int ddbxo__b64_decode(const char *s, size_t len, ddbxo__buf *out,
                      ddbxo_error *err);
/* Appends base64 of p[0..n) to out. */
int ddbxo__b64_encode(const unsigned char *p, size_t n, ddbxo__buf *out);

/* Appends the canonical encoding (docs/format.md) of one AttributeValue /
 * of an attribute map encoded as an M value.  Input must have passed the
 * lenient check (the functions re-check what they touch and fail cleanly). */
int ddbxo__canon_av(ddbxo__buf *out, const json_t *v, ddbxo_error *err);
int ddbxo__canon_item(ddbxo__buf *out, const json_t *m, ddbxo_error *err);

/* The public ddbxo_value handle wraps a jansson tree.  Wraps j (takes a new
 * reference; j is not copied).  NULL on allocation failure. */
ddbxo_value *ddbxo__value_wrap(json_t *j);
/* The tree behind a handle (borrowed). */
const json_t *ddbxo__value_json(const ddbxo_value *v);

/* ddbxo__value_wrap tells an attribute map from an AttributeValue by
 * shape (exact for trees that pass the lenient check; see value.c).  When
 * the caller knows which it has, these say so explicitly.  Same ownership
 * as ddbxo__value_wrap. */
ddbxo_value *ddbxo__value_wrap_av(json_t *j);
ddbxo_value *ddbxo__value_wrap_item(json_t *m);

#endif
