/* UTF-8 validity, one implementation for the parser, the JSON writer and
 * the value builders: RFC 3629, the rules jansson applies (utf.c). */
#include "util/utf8.h"

#include <stdint.h>

/* Length of the UTF-8 sequence at s (at most n bytes), with jansson's
 * rules (utf.c): no overlong forms, no surrogates, nothing above
 * U+10FFFF; 0 when invalid. */
size_t ddbxo__utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char u = s[0];
    size_t k, i;
    uint32_t v;
    if (u >= 0xC2 && u <= 0xDF) {
        k = 2;
        v = u & 0x1F;
    } else if (u >= 0xE0 && u <= 0xEF) {
        k = 3;
        v = u & 0x0F;
    } else if (u >= 0xF0 && u <= 0xF4) {
        k = 4;
        v = u & 0x07;
    } else {
        return 0;                /* continuation byte, C0/C1, F5.. */
    }
    if (k > n)
        return 0;
    for (i = 1; i < k; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
        (k == 3 && v < 0x800) || (k == 4 && v < 0x10000))
        return 0;
    return k;
}

int ddbxo__utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0, k;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (!(k = ddbxo__utf8_seq(s + i, n - i)))
            return 0;
        i += k;
    }
    return 1;
}
