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
 * The page does not say how sets are sized; lib/transform.h counts them
 * like a List (members plus 3 bytes plus 1 per member), which can only
 * over-estimate.  The number rule is "approximately": we round the half
 * up (ceil(digits / 2) + 1), the larger reading. */
#include "transform.h"

#include "value.h"

static size_t number_size(const json_t *s)
{
    char norm[DDBXO_NUMBER_BUFSIZE];
    int n = ddbxo__number_normalize(json_string_value(s),
                                    json_string_length(s), norm, sizeof norm,
                                    NULL);
    size_t i, first = (size_t)-1, last = 0, sig;
    if (n < 0)
        return 1 + (json_string_length(s) + 1) / 2;  /* lenient fallback */
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
static size_t b64_size(const json_t *s)
{
    const char *p = json_string_value(s);
    size_t n = json_string_length(s), r;
    if (n < 4)
        return 0;
    r = n / 4 * 3;
    if (p[n - 1] == '=')
        r--;
    if (p[n - 2] == '=')
        r--;
    return r;
}

static size_t av_size(const json_t *v);

/* t: 'S', 'N', 'B' or anything else for BOOL and NULL. */
static size_t scalar_size(char t, const json_t *x)
{
    if (t == 'S')
        return json_is_string(x) ? json_string_length(x) : 0;
    if (t == 'N')
        return json_is_string(x) ? number_size(x) : 0;
    if (t == 'B')
        return json_is_string(x) ? b64_size(x) : 0;
    return 1;                               /* BOOL, NULL */
}

static size_t map_size(const json_t *m)
{
    size_t sum = 3;
    const char *k;
    size_t klen;
    json_t *x;
    json_object_keylen_foreach((json_t *)m, k, klen, x) {
        (void)k;
        sum += klen + av_size(x) + 1;
    }
    return sum;
}

static size_t av_size(const json_t *v)
{
    const char *t;
    void *it;
    json_t *x;
    size_t i, n, sum;

    if (!json_is_object(v) || json_object_size(v) != 1)
        return 0;
    it = json_object_iter((json_t *)v);
    t = json_object_iter_key(it);
    x = json_object_iter_value(it);
    /* The type key by length and bytes (strcmp's answers, cheaper). */
    switch (json_object_iter_key_len(it)) {
    case 1:
        if (t[0] == 'M')
            return json_is_object(x) ? map_size(x) : 3;
        if (t[0] == 'L') {
            sum = 3;
            n = json_array_size(x);
            for (i = 0; i < n; i++)
                sum += av_size(json_array_get(x, i)) + 1;
            return sum;
        }
        return scalar_size(t[0], x);
    case 2:
        if (t[1] == 'S' && (t[0] == 'S' || t[0] == 'N' || t[0] == 'B')) {
            sum = 3;
            n = json_array_size(x);
            for (i = 0; i < n; i++)
                sum += scalar_size(t[0], json_array_get(x, i)) + 1;
            return sum;
        }
        return 1;
    default:
        return 1;                           /* BOOL, NULL (or unknown) */
    }
}

size_t ddbxo__item_size(const json_t *item)
{
    size_t sum = 0;
    const char *k;
    size_t klen;
    json_t *x;
    if (!json_is_object(item))
        return 0;
    json_object_keylen_foreach((json_t *)item, k, klen, x) {
        (void)k;
        sum += klen + av_size(x);
    }
    return sum;
}
