/* Exact decimal arithmetic on DynamoDB numbers, for the aggregate's deltas
 * (new SUM - old SUM) and comparisons.
 *
 * Never through double: DynamoDB numbers carry 38 significant digits over
 * exponents -130..125, so we work on digit strings.  Inputs are first put
 * in the normal form (lib/value/number.c), which also validates them. */

#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "value/decimal.h"
#include "value/number.h"

#define MIN_ADJ_EXP (-130)
#define MAX_ADJ_EXP 125
/* Columns an aligned sum can need: exponents 125 down to -130-37, plus a
 * carry. */
#define COLS 320

/* A number as sign, significant digits (values 0..9, no leading or
 * trailing zero) and the exponent of the first digit. */
typedef struct dec {
    int neg;
    size_t n;                   /* 0 = zero */
    unsigned char d[DDBXO_NUMBER_BUFSIZE];
    int adj;
} dec;

static int dec_parse(const char *s, dec *x, const char *which,
                     ddbxo_error *err)
{
    char norm[DDBXO_NUMBER_BUFSIZE];
    int len, i, point = -1, seen = 0, lz = 0;
    ddbxo_error e;

    memset(x, 0, sizeof *x);
    if (!s)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "%s number is NULL",
                          which);
    len = ddbxo__number_normalize(s, strlen(s), norm, sizeof norm, &e);
    if (len < 0)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "%s number: %s",
                          which, e.message);
    i = 0;
    if (norm[0] == '-') {
        x->neg = 1;
        i = 1;
    }
    /* Normal form: plain digits with at most one '.', no exponent. */
    for (; i < len; i++) {
        if (norm[i] == '.') {
            point = seen;
            continue;
        }
        if (x->n == 0 && norm[i] == '0') {
            lz++;
            seen++;
            continue;
        }
        x->d[x->n++] = (unsigned char)(norm[i] - '0');
        seen++;
    }
    if (point < 0)
        point = seen;
    while (x->n > 0 && x->d[x->n - 1] == 0)
        x->n--;
    if (x->n == 0) {
        x->neg = 0;
        return 0;
    }
    x->adj = point - 1 - lz;
    return 0;
}

/* |a| vs |b|. */
static int mag_cmp(const dec *a, const dec *b)
{
    size_t i;
    if (a->n == 0 || b->n == 0)
        return (a->n != 0) - (b->n != 0);
    if (a->adj != b->adj)
        return a->adj < b->adj ? -1 : 1;
    for (i = 0; i < a->n && i < b->n; i++)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return (a->n > b->n) - (a->n < b->n);
}

static int dec_cmp(const dec *a, const dec *b)
{
    int sa = a->n == 0 ? 0 : a->neg ? -1 : 1;
    int sb = b->n == 0 ? 0 : b->neg ? -1 : 1;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    return sa * mag_cmp(a, b);
}

/* Column of exponent e in the aligned array (column 0 = exponent top). */
static void place(const dec *x, int top, int *col)
{
    size_t i;
    for (i = 0; i < x->n; i++)
        col[top - (x->adj - (int)i)] += x->d[i];
}

/* Writes the normal form of a (neg, digits in cols by exponent) result,
 * refusing what DynamoDB could not store. */
static int emit(int neg, const int *col, int ncol, int top, char *out,
                size_t outsz, ddbxo_error *err)
{
    char txt[COLS + 16];
    int first = -1, last = -1, i, sig, adj;
    size_t o = 0;

    for (i = 0; i < ncol; i++) {
        if (col[i] != 0) {
            if (first < 0)
                first = i;
            last = i;
        }
    }
    if (first < 0)
        return ddbxo__number_normalize("0", 1, out, outsz, err);
    sig = last - first + 1;
    adj = top - first;
    if (sig > DDBXO_MAX_NUMBER_DIGITS)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "the exact result needs %d significant digits "
                          "(DynamoDB keeps %d)", sig,
                          DDBXO_MAX_NUMBER_DIGITS);
    if (adj > MAX_ADJ_EXP)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "the result is above DynamoDB's largest number "
                          "(9.99..E+125)");
    if (adj < MIN_ADJ_EXP)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "the result is below DynamoDB's smallest number "
                          "(1E-130)");
    if (neg)
        txt[o++] = '-';
    for (i = first; i <= last; i++)
        txt[o++] = (char)('0' + col[i]);
    o += (size_t)snprintf(txt + o, sizeof txt - o, "E%d", adj - (sig - 1));
    return ddbxo__number_normalize(txt, o, out, outsz, err);
}

/* a + b, exactly. */
static int dec_add(const dec *a, const dec *b, char *out, size_t outsz,
                   ddbxo_error *err)
{
    int col[COLS];
    int top, bottom, ncol, i, neg;
    const dec *big, *small;

    if (a->n == 0 && b->n == 0)
        return ddbxo__number_normalize("0", 1, out, outsz, err);
    /* One spare column above the larger exponent for the carry. */
    top = (a->n && b->n) ? (a->adj > b->adj ? a->adj : b->adj)
                         : (a->n ? a->adj : b->adj);
    top += 1;
    bottom = top;
    if (a->n && a->adj - (int)a->n + 1 < bottom)
        bottom = a->adj - (int)a->n + 1;
    if (b->n && b->adj - (int)b->n + 1 < bottom)
        bottom = b->adj - (int)b->n + 1;
    ncol = top - bottom + 1;
    if (ncol > COLS)
        return ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                          "decimal alignment out of range");
    memset(col, 0, sizeof col);
    if (a->neg == b->neg || a->n == 0 || b->n == 0) {
        neg = a->n ? a->neg : b->neg;
        place(a, top, col);
        place(b, top, col);
        for (i = ncol - 1; i > 0; i--) {
            col[i - 1] += col[i] / 10;
            col[i] %= 10;
        }
    } else {
        int tmp[COLS];
        big = mag_cmp(a, b) >= 0 ? a : b;
        small = big == a ? b : a;
        neg = big->neg;
        memset(tmp, 0, sizeof tmp);
        place(big, top, col);
        place(small, top, tmp);
        for (i = ncol - 1; i >= 0; i--) {
            col[i] -= tmp[i];
            if (col[i] < 0) {
                col[i] += 10;
                if (i > 0)      /* always: big >= small */
                    col[i - 1] -= 1;
            }
        }
    }
    return emit(neg, col, ncol, top, out, outsz, err);
}

int ddbxo__decimal_sub(const char *a, const char *b, char *out, size_t outsz,
                       ddbxo_error *err)
{
    dec x, y;
    if (dec_parse(a, &x, "first", err) < 0 ||
        dec_parse(b, &y, "second", err) < 0)
        return -1;
    if (y.n)
        y.neg = !y.neg;
    return dec_add(&x, &y, out, outsz, err) < 0 ? -1 : 0;
}

int ddbxo__decimal_neg(const char *a, char *out, size_t outsz,
                       ddbxo_error *err)
{
    dec x, zero;
    if (dec_parse(a, &x, "the", err) < 0)
        return -1;
    memset(&zero, 0, sizeof zero);
    if (x.n)
        x.neg = !x.neg;
    return dec_add(&zero, &x, out, outsz, err) < 0 ? -1 : 0;
}

int ddbxo__decimal_cmp(const char *a, const char *b, ddbxo_error *err)
{
    dec x, y;
    if (dec_parse(a, &x, "first", err) < 0 ||
        dec_parse(b, &y, "second", err) < 0)
        return -2;
    return dec_cmp(&x, &y);
}
