/* DynamoDB number validation and the normal form (docs/format.md §2). */
#include <stdlib.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "testutil.h"
#include "value/value.h"

#define NINES38 "99999999999999999999999999999999999999"
#define DIGITS38 "12345678901234567890123456789012345678"

static const char *const valid[] = {
    "0", "-0", "+0", "0.000", "-0.0e-5", "0e1000", "0e999999999999",
    "1", "+1", "-1", ".5", "5.", "-.5", "1e3", "1E+3", "1e-3", "-7.1234",
    "-17e5", "-17.4E37", "0001.23", "1e+5", "123.45", "3.14159",
    DIGITS38,                                   /* 38 significant digits */
    "-" DIGITS38,
    "0.000" DIGITS38 "000",                     /* zeros are not significant */
    DIGITS38 "00000e-5",                        /* trailing zeros too */
    "1E-130", "-1E-130", "10E-131", "0.1E-129", "1E125",
    "9." "9999999999999999999999999999999999999" "E+125",
    "-9." "9999999999999999999999999999999999999" "E+125",
    "100000000000000000000000000000000000000000",  /* 42 digits, 1 sig. */
    "3.1415926535897932384626433832795028841",
    "31415926535897932384626433832795028841e30",
    "1.00000000000000007629769841092E+50",
};

/* Rejected, with a word the message must contain. */
static const struct { const char *s; const char *why; } invalid[] = {
    { "", "empty" },
    { "abc", "offset 0" },
    { "NaN", "offset 0" },
    { "Infinity", "offset 0" },
    { "-Infinity", "offset 1" },
    { " 1", "offset 0" },
    { "1 ", "offset 1" },
    { "1\t", "offset 1" },
    { "1e", "exponent" },
    { "1e+", "exponent" },
    { "1.e", "exponent" },
    { "e5", "no digits" },
    { ".", "no digits" },
    { "-", "no digits" },
    { "+", "no digits" },
    { "+e2", "no digits" },
    { "--1", "offset 1" },
    { "+-1", "offset 1" },
    { "1.2.3", "offset 3" },
    { "1+2", "offset 1" },
    { "1e+-5", "exponent" },
    { "0x10", "offset 1" },
    { "1_000", "offset 1" },
    { "1,5", "offset 1" },
    { "\xd9\xa1", "offset 0" },                /* ARABIC-INDIC DIGIT ONE */
    { "1e999999999999", "overflow" },
    { "1e-999999999999", "underflow" },
    { "1e99999999999999999999999999999999999999999", "overflow" },
    { "1E-131", "underflow" },
    { "-1E-131", "underflow" },
    { "0.9E-130", "underflow" },
    { "1E+126", "overflow" },
    { "-1E+126", "overflow" },
    { "11e125", "overflow" },
    { "10E125", "overflow" },
    { "123456789012345678901234567890123456789", "39 significant" },
    { "3.14159265358979323846264338327950288419", "39 significant" },
    { "1" NINES38 "E+87", "39 significant" },
};

START_TEST(test_valid)
{
    ddbxo_error err;
    const char *s = valid[_i];
    ck_assert_msg(ddbxo_number_validate(s, &err) == 0, "'%s': %s", s,
                  err.message);
}
END_TEST

START_TEST(test_invalid)
{
    ddbxo_error err;
    const char *s = invalid[_i].s;
    ck_assert_msg(ddbxo_number_validate(s, &err) == -1, "'%s' accepted", s);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_msg(strstr(err.message, invalid[_i].why) != NULL,
                  "'%s': message '%s' lacks '%s'", s, err.message,
                  invalid[_i].why);
}
END_TEST

/* Lengths are explicit inside the library: a NUL is just a bad byte. */
START_TEST(test_embedded_nul)
{
    ddbxo_error err;
    ck_assert_int_eq(ddbxo__number_check("1\0" "2", 3, &err), -1);
    ck_assert_int_eq(ddbxo__number_check("12", 2, &err), 0);
    ck_assert_int_eq(ddbxo__number_check(NULL, 0, &err), -1);
    ck_assert_int_eq(ddbxo_number_validate(NULL, &err), -1);
}
END_TEST

/* Long inputs: the exponent saturates instead of overflowing, and long
 * runs of zeros are fine. */
START_TEST(test_long_inputs)
{
    ddbxo_error err;
    size_t n = 100000;
    char *s = malloc(n + 8), out[DDBXO_NUMBER_BUFSIZE];

    memset(s, '9', n);
    memcpy(s, "1e", 2);
    s[n] = '\0';
    ck_assert_int_eq(ddbxo_number_validate(s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "overflow"));
    s[1] = 'e';
    memcpy(s, "1e-", 3);
    ck_assert_int_eq(ddbxo_number_validate(s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "underflow"));

    memset(s, '0', n);                  /* 000...0005 */
    s[n - 1] = '5';
    ck_assert_int_eq(ddbxo_number_normalize(s, out, sizeof out, &err), 1);
    ck_assert_str_eq(out, "5");

    memset(s, '0', n);                  /* 0.000...0001 = 1E-99998 */
    s[1] = '.';
    s[n - 1] = '1';
    ck_assert_int_eq(ddbxo_number_validate(s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "underflow"));

    memset(s, '0', n);                  /* 5000...000.000 (99,995 digits) */
    s[0] = '5';
    memcpy(s + n - 4, ".000", 4);
    ck_assert_int_eq(ddbxo_number_validate(s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "overflow"));
    free(s);
}
END_TEST

static const struct { const char *in, *out; } norm[] = {
    { "1.50", "1.5" },
    { "-0", "0" },
    { "+0", "0" },
    { "0.000", "0" },
    { "-0.0e-5", "0" },
    { "0e1000", "0" },
    { "1.5e3", "1500" },
    { "0001.500", "1.5" },
    { "+1", "1" },
    { ".5", "0.5" },
    { "-.5", "-0.5" },
    { "5.", "5" },
    { "1E+2", "100" },
    { "100", "100" },
    { "10.0", "10" },
    { "0.10", "0.1" },
    { "123.45", "123.45" },
    { "-123.450", "-123.45" },
    { "1e-3", "0.001" },
    { "-1.5E-3", "-0.0015" },
    { "12345e-2", "123.45" },
    { "12345e-5", "0.12345" },
    { "12345e-6", "0.012345" },
    { "0.012345e2", "1.2345" },
    { "1.00000000000000007629769841092E+50",
      "100000000000000007629769841092000000000000000000000" },
};

START_TEST(test_normalize)
{
    ddbxo_error err;
    char out[DDBXO_NUMBER_BUFSIZE];
    int n = ddbxo_number_normalize(norm[_i].in, out, sizeof out, &err);
    ck_assert_msg(n >= 0, "'%s': %s", norm[_i].in, err.message);
    ck_assert_str_eq(out, norm[_i].out);
    ck_assert_int_eq(n, (int)strlen(norm[_i].out));
}
END_TEST

static char *repeat(char *p, char c, int n)
{
    memset(p, c, (size_t)n);
    return p + n;
}

/* The extremes of the range, in plain notation. */
START_TEST(test_normalize_extremes)
{
    ddbxo_error err;
    char out[DDBXO_NUMBER_BUFSIZE], want[512], *p;

    /* 1E125: a 1 and 125 zeros. */
    p = want;
    *p++ = '1';
    p = repeat(p, '0', 125);
    *p = '\0';
    ck_assert_int_eq(ddbxo_number_normalize("1E125", out, sizeof out, &err),
                     126);
    ck_assert_str_eq(out, want);

    /* The largest: 38 nines and 88 zeros. */
    p = repeat(want, '9', 38);
    p = repeat(p, '0', 88);
    *p = '\0';
    ck_assert_int_eq(ddbxo_number_normalize(
                         "9.9999999999999999999999999999999999999E+125", out,
                         sizeof out, &err), 126);
    ck_assert_str_eq(out, want);

    /* 1E-130: "0.", 129 zeros, 1. */
    p = want;
    *p++ = '0';
    *p++ = '.';
    p = repeat(p, '0', 129);
    *p++ = '1';
    *p = '\0';
    ck_assert_int_eq(ddbxo_number_normalize("1E-130", out, sizeof out, &err),
                     132);
    ck_assert_str_eq(out, want);

    /* The longest normal form: negative, 38 digits from 1E-130 down. */
    p = want;
    *p++ = '-';
    *p++ = '0';
    *p++ = '.';
    p = repeat(p, '0', 129);
    memcpy(p, DIGITS38, 38);
    p[38] = '\0';
    ck_assert_int_eq(ddbxo_number_normalize("-1.2345678901234567890123456789"
                                            "012345678E-130", out, sizeof out,
                                            &err), DDBXO_NUMBER_BUFSIZE - 1);
    ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(test_normalize_small_buffer)
{
    ddbxo_error err;
    char out[8];
    ck_assert_int_eq(ddbxo_number_normalize("1.5e3", out, 4, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo_number_normalize("1.5e3", out, 5, &err), 4);
    ck_assert_str_eq(out, "1500");
    ck_assert_int_eq(ddbxo_number_normalize("1.5e3", NULL, 0, &err), -1);
    ck_assert_int_eq(ddbxo_number_normalize("abc", out, sizeof out, &err),
                     -1);
}
END_TEST

/* Equal numbers have equal normal forms, whatever the spelling. */
START_TEST(test_normalize_equivalence)
{
    static const char *const same[] = { "1500", "1.5e3", "1.5E+3", "+1500",
                                        "01500.000", "15e2", "150000e-2",
                                        ".15e4", "1500." };
    ddbxo_error err;
    char a[DDBXO_NUMBER_BUFSIZE], b[DDBXO_NUMBER_BUFSIZE];
    size_t i;
    ck_assert_int_ge(ddbxo_number_normalize(same[0], a, sizeof a, &err), 0);
    for (i = 1; i < sizeof same / sizeof same[0]; i++) {
        ck_assert_int_ge(ddbxo_number_normalize(same[i], b, sizeof b, &err),
                         0);
        ck_assert_str_eq(a, b);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("number");
    TCase *tc = tcase_create("validate");
    tcase_add_loop_test(tc, test_valid, 0, sizeof valid / sizeof valid[0]);
    tcase_add_loop_test(tc, test_invalid, 0,
                        sizeof invalid / sizeof invalid[0]);
    tcase_add_test(tc, test_embedded_nul);
    tcase_add_test(tc, test_long_inputs);
    suite_add_tcase(s, tc);
    tc = tcase_create("normalize");
    tcase_add_loop_test(tc, test_normalize, 0, sizeof norm / sizeof norm[0]);
    tcase_add_test(tc, test_normalize_extremes);
    tcase_add_test(tc, test_normalize_small_buffer);
    tcase_add_test(tc, test_normalize_equivalence);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
