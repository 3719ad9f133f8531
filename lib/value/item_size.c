/* DynamoDB's size of an item, to refuse a PUT over 400 KB before it is
 * sent.
 *
 * The rule, from "DynamoDB item sizes and formats" (Amazon DynamoDB
 * Developer Guide, CapacityUnitCalculations.html):
 *  - the size of an item is the sum of its attribute names' UTF-8 bytes and
 *    its values' sizes;
 *  - String: its UTF-8 bytes;
 *  - Number: "approximately" 1 byte per two significant digits plus 1 byte,
 *    leading and trailing zeros trimmed;
 *  - Binary: the raw (decoded) bytes;
 *  - Null and Boolean: 1 byte;
 *  - List and Map: 3 bytes of overhead plus their elements, and 1 byte per
 *    element (a Map also counts its entries' name bytes).
 * The page does not say how sets are sized; we count them like a List
 * (members plus 3 bytes plus 1 per member), which can only over-estimate.
 * The number rule is "approximately": we round the half up
 * (ceil(digits / 2) + 1), the larger reading.  The walk over an item is
 * the strict check's own (lib/value/value_check.c): one pass checks and sizes. */
#include "value/item_size.h"
#include "value/number.h"

size_t ddbxo__number_size(const char *s, size_t len)
{
    char norm[DDBXO_NUMBER_BUFSIZE];
    int n = ddbxo__number_normalize(s, len, norm, sizeof norm, NULL);
    size_t i, first = (size_t)-1, last = 0, sig;
    if (n < 0)
        return 1 + (len + 1) / 2;           /* lenient fallback */
    for (i = 0; i < (size_t)n; i++) {
        if (norm[i] >= '1' && norm[i] <= '9') {
            if (first == (size_t)-1)
                first = i;
            last = i;
        }
    }
    if (first == (size_t)-1)
        return 1;                           /* zero */
    sig = 0;
    for (i = first; i <= last; i++)
        sig += norm[i] >= '0' && norm[i] <= '9';
    return (sig + 1) / 2 + 1;
}

/* Decoded length of base64 text (valid: the input passed the check). */
size_t ddbxo__b64_size(const char *p, size_t n)
{
    size_t r;
    if (n < 4)
        return 0;
    r = n / 4 * 3;
    if (p[n - 1] == '=')
        r--;
    if (p[n - 2] == '=')
        r--;
    return r;
}
