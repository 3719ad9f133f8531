/* DynamoDB numbers: validation and the normal form (docs/format.md §2).
 *
 * The text is never converted to a binary float: DynamoDB numbers are
 * decimal with 38 significant digits, so we work on the digit string.
 * The grammar is Java BigDecimal's (what DynamoDB accepts: "+3", ".5",
 * "5.", "1e+5"), without whitespace, "NaN" or "Infinity". */
#include "value/number.h"

#include <stdint.h>
#include <string.h>

#include "util/error.h"

#define MIN_ADJ_EXP (-130)      /* 1E-130 */
#define MAX_ADJ_EXP 125         /* 9.99..9E+125 (38 nines) */
/* Exponents are accumulated up to this and then saturate: anything beyond
 * is out of range for any input that fits in memory, so no overflow. */
#define EXP_SATURATE ((int64_t)1 << 52)

typedef struct number {
    int neg;
    int zero;
    const char *digits;         /* the significand's digits, '.' skipped */
    size_t ni, nf;              /* digits before / after the point */
    const char *frac;           /* first fraction digit */
    size_t lz, tz;              /* leading / trailing zero digits */
    int64_t adj;                /* exponent of the first significant digit */
} number;

/* Digit k (0-based) of the significand, skipping the decimal point. */
static char digit_at(const number *n, size_t k)
{
    return k < n->ni ? n->digits[k] : n->frac[k - n->ni];
}

static int parse(const char *s, size_t len, number *n, ddbxo_error *err)
{
    size_t i = 0, k, total, sig;
    int64_t e = 0;
    int eneg = 0;

    memset(n, 0, sizeof *n);
    if (!s || len == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "number is empty");
    if (s[i] == '+' || s[i] == '-')
        n->neg = s[i++] == '-';
    n->digits = s + i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        n->ni++;
    }
    n->frac = s + i;
    if (i < len && s[i] == '.') {
        i++;
        n->frac = s + i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            n->nf++;
        }
    }
    if (n->ni + n->nf == 0) {
        if (i < len && s[i] != 'e' && s[i] != 'E')
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "not a number: unexpected character at "
                              "offset %zu", i);
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a number: no digits");
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t start;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (e < EXP_SATURATE)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        if (i == start)
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "not a number: exponent has no digits");
    }
    if (i != len)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "not a number: unexpected character at offset %zu",
                          i);
    if (eneg)
        e = -e;

    total = n->ni + n->nf;
    for (k = 0; k < total && digit_at(n, k) == '0'; k++)
        n->lz++;
    if (n->lz == total) {
        /* Zero, whatever its sign or exponent ("-0", "0.000", "0e1000"). */
        n->zero = 1;
        n->neg = 0;
        return 0;
    }
    for (k = total; digit_at(n, k - 1) == '0'; k--)
        n->tz++;
    sig = total - n->lz - n->tz;
    if (sig > DDBXO_MAX_NUMBER_DIGITS)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "number has %zu significant digits (DynamoDB allows "
                          "at most %d)", sig, DDBXO_MAX_NUMBER_DIGITS);
    /* Lengths beyond 2^52 cannot exist in memory; clamp so the sum below
     * stays far from int64 overflow. */
    {
        int64_t ni = n->ni > (size_t)EXP_SATURATE ? EXP_SATURATE
                                                  : (int64_t)n->ni;
        int64_t lz = n->lz > (size_t)EXP_SATURATE ? EXP_SATURATE
                                                  : (int64_t)n->lz;
        n->adj = e + ni - 1 - lz;
    }
    if (n->adj > MAX_ADJ_EXP)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "number overflow: magnitude above "
                          "9.9999999999999999999999999999999999999E+125");
    if (n->adj < MIN_ADJ_EXP)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "number underflow: magnitude below 1E-130");
    return 0;
}

int ddbxo__number_check(const char *s, size_t len, ddbxo_error *err)
{
    number n;
    return parse(s, len, &n, err);
}

int ddbxo__number_normalize(const char *s, size_t len, char *out,
                            size_t outsz, ddbxo_error *err)
{
    number n;
    char tmp[DDBXO_NUMBER_BUFSIZE];
    size_t o = 0, k, sig;
    int64_t p, z;

    if (parse(s, len, &n, err) < 0)
        return -1;
    if (n.zero) {
        tmp[o++] = '0';
    } else {
        sig = n.ni + n.nf - n.lz - n.tz;
        /* p = number of digits before the point in plain notation. */
        p = n.adj + 1;
        if (n.neg)
            tmp[o++] = '-';
        if (p <= 0) {
            tmp[o++] = '0';
            tmp[o++] = '.';
            for (z = p; z < 0; z++)
                tmp[o++] = '0';
            for (k = 0; k < sig; k++)
                tmp[o++] = digit_at(&n, n.lz + k);
        } else {
            for (k = 0; k < sig; k++) {
                if ((int64_t)k == p)
                    tmp[o++] = '.';
                tmp[o++] = digit_at(&n, n.lz + k);
            }
            for (z = (int64_t)sig; z < p; z++)
                tmp[o++] = '0';
        }
    }
    if (!out || o + 1 > outsz)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "number buffer too small (%zu bytes needed)", o + 1);
    memcpy(out, tmp, o);
    out[o] = '\0';
    return (int)o;
}

DDBXO_API int ddbxo_number_validate(const char *s, ddbxo_error *err)
{
    if (!s)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL number");
    return ddbxo__number_check(s, strlen(s), err);
}

DDBXO_API int ddbxo_number_normalize(const char *s, char *out, size_t outsz,
                                     ddbxo_error *err)
{
    if (!s)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL number");
    return ddbxo__number_normalize(s, strlen(s), out, outsz, err);
}
