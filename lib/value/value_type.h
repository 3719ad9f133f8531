/* Internal: the AttributeValue type keys (lib/value/value_type.c). */
#ifndef DDBXO_LIB_VALUE_TYPE_H
#define DDBXO_LIB_VALUE_TYPE_H

#include "ddbxo.h"
#include "ddbxo/sys/value.h"

#include <stddef.h>

#include "value/doc.h"

/* AttributeValue type of node v ({"T": x}): the ddbxo_type, x in *val;
 * 0 when v is not an object with exactly one known type key. */
int ddbxo__av_type(const ddbxo__doc *d, size_t v, size_t *val);
/* Position of node `elem` among the children of container `parent`. */
size_t ddbxo__doc_index(const ddbxo__doc *d, size_t parent, size_t elem);

#endif
