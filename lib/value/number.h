/* Internal: DynamoDB numbers: validation and the normal form
 * (lib/value/number.c). */
#ifndef DDBXO_LIB_NUMBER_H
#define DDBXO_LIB_NUMBER_H

#include <stddef.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"

/* Validates DynamoDB number text (len bytes, not necessarily NUL-terminated):
 * syntax, <= 38 significant digits, magnitude 1E-130 .. 9.99..E+125 or 0. */
int ddbxo__number_check(const char *s, size_t len, ddbxo_error *err);

/* Writes the normalised form of a valid number into out (NUL-terminated).
 * Returns the length, or -1 (invalid, or outsz too small). */
int ddbxo__number_normalize(const char *s, size_t len, char *out,
                            size_t outsz, ddbxo_error *err);

#endif
