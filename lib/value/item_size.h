/* Internal: DynamoDB's size of an N and of a B (lib/value/item_size.c). */
#ifndef DDBXO_LIB_ITEM_SIZE_H
#define DDBXO_LIB_ITEM_SIZE_H

#include "ddbxo.h"
#include "ddbxo/sys/value.h"

#include <stddef.h>

/* Sizes by DynamoDB's item-size rule (lib/value/value_check.h) of one N
 * text and of one B's base64 text (the input is valid). */
size_t ddbxo__number_size(const char *s, size_t len);
size_t ddbxo__b64_size(const char *s, size_t len);

#endif
