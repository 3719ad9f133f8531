/* Internal: exact decimal arithmetic on DynamoDB numbers
 * (lib/value/decimal.c). */
#ifndef DDBXO_LIB_DECIMAL_H
#define DDBXO_LIB_DECIMAL_H

#include <stddef.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"

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
