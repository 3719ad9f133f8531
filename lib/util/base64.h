/* Internal: strict base64 (lib/util/base64.c), the text of DynamoDB's B
 * values. */
#ifndef DDBXO_LIB_BASE64_H
#define DDBXO_LIB_BASE64_H

#include <stddef.h>

#include "ddbxo.h"
#include "util/buf.h"

/* Strict base64 (RFC 4648 alphabet, '=' padding required, no whitespace,
 * zero trailing bits: docs/format.md §3).  Appends the decoded bytes to
 * out; out == NULL only validates.  Returns 0 or -1. */
int ddbxo__b64_decode(const char *s, size_t len, ddbxo__buf *out,
                      ddbxo_error *err);
/* Appends base64 of p[0..n) to out. */
int ddbxo__b64_encode(const unsigned char *p, size_t n, ddbxo__buf *out);

#endif
