/* Internal: the canonical encoding (lib/value/canon.c). */
#ifndef DDBXO_LIB_CANON_H
#define DDBXO_LIB_CANON_H

#include <jansson.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "util/buf.h"
#include "value/doc.h"

/* Appends the canonical encoding (docs/format.md) of one AttributeValue /
 * of an attribute map encoded as an M value.  Input must have passed the
 * lenient check (the functions re-check what they touch and fail cleanly). */
int ddbxo__canon_av_doc(ddbxo__buf *out, const ddbxo__doc *d, size_t v,
                        ddbxo_error *err);
int ddbxo__canon_item_doc(ddbxo__buf *out, const ddbxo__doc *d, size_t m,
                          ddbxo_error *err);

#endif
