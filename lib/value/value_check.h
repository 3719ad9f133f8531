/* Internal: the AttributeValue rules of docs/format.md and DynamoDB's
 * item size, checked in one pass (lib/value/value_check.c). */
#ifndef DDBXO_LIB_VALUE_CHECK_H
#define DDBXO_LIB_VALUE_CHECK_H

#include <jansson.h>
#include <stddef.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"
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

#endif
