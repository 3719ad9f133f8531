/* Internal: UTF-8 validity (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF -- what jansson accepts). */
#ifndef DDBXO_LIB_UTF8_H
#define DDBXO_LIB_UTF8_H

#include <stddef.h>

/* Length of the UTF-8 sequence at s (s[0] >= 0x80; at most n bytes), or 0
 * when it is not a valid one. */
size_t ddbxo__utf8_seq(const unsigned char *s, size_t n);
/* 1 when s[0..n) is valid UTF-8. */
int ddbxo__utf8_valid(const unsigned char *s, size_t n);

#endif
