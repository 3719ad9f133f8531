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
#include "ddbxo/sys/value.h"
#include "value/decimal.h"
#include "value/doc.h"
#include "value/item_size.h"
#include "value/number.h"
#include "value/value_check.h"
#include "value/value_type.h"

/* A jansson-backed handle around j (takes a new reference; j is not
 * copied).  NULL on allocation failure. */
ddbxo_value *ddbxo__value_wrap_av(json_t *j);
ddbxo_value *ddbxo__value_wrap_item(json_t *m);
/* The value as a jansson tree (borrowed; made on first use for
 * document-backed handles and kept).  NULL when out of memory. */
const json_t *ddbxo__value_json(const ddbxo_value *v);

#endif
