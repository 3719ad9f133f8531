/* Sequence numbers: decimal strings of up to 40 digits, beyond uint64, so
 * they are compared as digit strings and stored zero-padded (docs/design.md §4). */
#include <string.h>

#include "ddbxo/sys/value.h"
#include "util/error.h"

static size_t digits_len(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    while (n <= DDBXO_MAX_SEQ_DIGITS && s[n] >= '0' && s[n] <= '9')
        n++;
    return s[n] == '\0' ? n : 0;
}

DDBXO_API int ddbxo_seq_valid(const char *s)
{
    size_t n = digits_len(s);
    return n >= 1 && n <= DDBXO_MAX_SEQ_DIGITS;
}

DDBXO_API int ddbxo_seq_compare(const char *a, const char *b)
{
    int va = ddbxo_seq_valid(a), vb = ddbxo_seq_valid(b);
    size_t la, lb;
    int c;
    if (!va || !vb)
        return va - vb;
    while (*a == '0' && a[1])
        a++;
    while (*b == '0' && b[1])
        b++;
    la = strlen(a);
    lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    c = memcmp(a, b, la);
    return (c > 0) - (c < 0);
}

DDBXO_API int ddbxo_seq_pad(const char *s, char out[DDBXO_SEQ_BUFSIZE],
                            ddbxo_error *err)
{
    size_t n;
    if (!ddbxo_seq_valid(s))
        return ddbxo__err(err, DDBXO_E_INVALID, "",
                          "sequence number must be 1 to %d decimal digits",
                          DDBXO_MAX_SEQ_DIGITS);
    n = strlen(s);
    memset(out, '0', DDBXO_MAX_SEQ_DIGITS - n);
    memcpy(out + DDBXO_MAX_SEQ_DIGITS - n, s, n + 1);
    return 0;
}
