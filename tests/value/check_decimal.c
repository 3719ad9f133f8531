/* Exact decimal arithmetic (lib/value/decimal.c): known answers, then
 * randomised vectors computed by Python's decimal module
 * (tests/vectors/gen_decimal.py). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "testutil.h"
#include "value/value.h"

#define N38 "99999999999999999999999999999999999999"

static const struct { const char *a, *b, *out; } sub_ok[] = {
    { "1", "1", "0" },
    { "0", "0", "0" },
    { "-0", "0.000", "0" },
    { "0.1", "0.2", "-0.1" },
    { "1e3", "1", "999" },
    { "-5", "3", "-8" },
    { "-5", "-3", "-2" },
    { "3", "5", "-2" },
    { "1.50", "-0.5", "2" },
    { "+7", "0", "7" },
    { "0", "7", "-7" },
    { "0", "-7.25", "7.25" },
    { "1E2", "1E-2", "99.99" },
    { "1E-130", "1E-130", "0" },
    /* 38-digit carries: 10^38 has one significant digit. */
    { N38, "-1", "100000000000000000000000000000000000000" },
    { "-" N38, "1", "-100000000000000000000000000000000000000" },
    { "100000000000000000000000000000000000000", "1", N38 },
    { "12345678901234567890123456789012345678",
      "12345678901234567890123456789012345677", "1" },
    { "0." N38, "-0.00000000000000000000000000000000000001", "1" },
    { "9.9999999999999999999999999999999999999E+125", "0",
      "99999999999999999999999999999999999999000000000000000000000000"
      "00000000000000000000000000000000000000000000000000000000000000"
      "00" },
    { "9.9999999999999999999999999999999999999E+125",
      "9.9999999999999999999999999999999999999E+125", "0" },
};

static const struct { const char *a, *b; } sub_limit[] = {
    { N38, "-0.1" },                 /* 39 significant digits */
    { "1E125", "-9E125" },           /* 1E126: above the range */
    { "9.9999999999999999999999999999999999999E+125", "-1E88" },
    { "1E-130", "1.1E-130" },        /* -1E-131: below the range */
    { "1E125", "1E-130" },           /* 256 significant digits */
};

START_TEST(test_sub_known)
{
    char out[DDBXO_NUMBER_BUFSIZE], tiny[DDBXO_NUMBER_BUFSIZE];
    ddbxo_error err;

    /* 1E-130 in plain notation: "0." 129 zeros "1". */
    strcpy(tiny, "-0.");
    memset(tiny + 3, '0', 129);
    strcpy(tiny + 132, "1");
    ck_assert_int_eq(ddbxo__decimal_sub("1E-130", "2E-130", out, sizeof out,
                                        &err), 0);
    ck_assert_str_eq(out, tiny);
    ck_assert_int_eq(ddbxo__decimal_sub("1E-129", "9E-130", out, sizeof out,
                                        &err), 0);
    ck_assert_str_eq(out, tiny + 1);
    for (size_t i = 0; i < sizeof sub_ok / sizeof sub_ok[0]; i++) {
        int rc = ddbxo__decimal_sub(sub_ok[i].a, sub_ok[i].b, out,
                                    sizeof out, &err);
        ck_assert_msg(rc == 0, "%s - %s: %s", sub_ok[i].a, sub_ok[i].b,
                      err.message);
        ck_assert_msg(strcmp(out, sub_ok[i].out) == 0, "%s - %s = %s, not %s",
                      sub_ok[i].a, sub_ok[i].b, out, sub_ok[i].out);
    }
}
END_TEST

START_TEST(test_sub_limit)
{
    char out[DDBXO_NUMBER_BUFSIZE];
    ddbxo_error err;
    /* The edge: 1 - 1E-38 has exactly 38 nines; 1 - 1E-39 has 39. */
    ck_assert_int_eq(ddbxo__decimal_sub("1", "1E-38", out, sizeof out, &err),
                     0);
    ck_assert_str_eq(out, "0." N38);
    ck_assert_int_eq(ddbxo__decimal_sub("1", "1E-39", out, sizeof out, &err),
                     -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "39 significant digits"));
    for (size_t i = 0; i < sizeof sub_limit / sizeof sub_limit[0]; i++) {
        ddbxo_error_clear(&err);
        ck_assert_msg(ddbxo__decimal_sub(sub_limit[i].a, sub_limit[i].b, out,
                                         sizeof out, &err) == -1,
                      "%s - %s should not fit", sub_limit[i].a,
                      sub_limit[i].b);
        ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    }
}
END_TEST

START_TEST(test_neg_and_bad_input)
{
    char out[DDBXO_NUMBER_BUFSIZE], tiny[2];
    ddbxo_error err;
    ck_assert_int_eq(ddbxo__decimal_neg("0", out, sizeof out, &err), 0);
    ck_assert_str_eq(out, "0");
    ck_assert_int_eq(ddbxo__decimal_neg("-0.0", out, sizeof out, &err), 0);
    ck_assert_str_eq(out, "0");
    ck_assert_int_eq(ddbxo__decimal_neg("5", out, sizeof out, &err), 0);
    ck_assert_str_eq(out, "-5");
    ck_assert_int_eq(ddbxo__decimal_neg("-1.5e2", out, sizeof out, &err), 0);
    ck_assert_str_eq(out, "150");
    ck_assert_int_eq(ddbxo__decimal_neg("-" N38 "E88", out, sizeof out, &err),
                     0);
    ck_assert_int_eq(strlen(out), 126);

    ck_assert_int_eq(ddbxo__decimal_sub("abc", "1", out, sizeof out, &err),
                     -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo__decimal_sub("1", "NaN", out, sizeof out, &err),
                     -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo__decimal_sub(NULL, "1", out, sizeof out, &err),
                     -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    /* Inputs beyond DynamoDB's rules are not numbers to us. */
    ck_assert_int_eq(ddbxo__decimal_neg("1" N38, out, sizeof out, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo__decimal_neg("1e200", out, sizeof out, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    /* A buffer too small fails; it never overflows. */
    ck_assert_int_eq(ddbxo__decimal_sub("100", "1", tiny, sizeof tiny, &err),
                     -1);
}
END_TEST

START_TEST(test_cmp_known)
{
    ddbxo_error err;
    ck_assert_int_eq(ddbxo__decimal_cmp("1", "1.0", &err), 0);
    ck_assert_int_eq(ddbxo__decimal_cmp("0", "-0", &err), 0);
    ck_assert_int_eq(ddbxo__decimal_cmp("0.001", "1e-3", &err), 0);
    ck_assert_int_lt(ddbxo__decimal_cmp("-1", "1", &err), 0);
    ck_assert_int_gt(ddbxo__decimal_cmp("1", "-1", &err), 0);
    ck_assert_int_gt(ddbxo__decimal_cmp("1e2", "99", &err), 0);
    ck_assert_int_gt(ddbxo__decimal_cmp("-2", "-10", &err), 0);
    ck_assert_int_lt(ddbxo__decimal_cmp("-10", "-2", &err), 0);
    ck_assert_int_lt(ddbxo__decimal_cmp("0", "1E-130", &err), 0);
    ck_assert_int_gt(ddbxo__decimal_cmp("0", "-1E-130", &err), 0);
    ck_assert_int_lt(ddbxo__decimal_cmp("1.2", "1.25", &err), 0);
    ck_assert_int_gt(ddbxo__decimal_cmp("-1.2", "-1.25", &err), 0);
    ck_assert_int_lt(ddbxo__decimal_cmp(N38, "1E38", &err), 0);
    ddbxo_error_clear(&err);
    ck_assert_int_eq(ddbxo__decimal_cmp("abc", "1", &err), -2);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo__decimal_cmp("1", NULL, &err), -2);
}
END_TEST

/* Every case of the Python-made vector file. */
START_TEST(test_vectors)
{
    json_error_t je;
    json_t *j = json_load_file("tests/vectors/decimal-v1.json", 0, &je);
    json_t *cases, *c;
    size_t i, nsub = 0, nlimit = 0;
    ck_assert_msg(j != NULL, "decimal-v1.json: %s", je.text);
    cases = json_object_get(j, "cases");
    ck_assert_int_gt(json_array_size(cases), 1000);
    json_array_foreach(cases, i, c) {
        const char *op = json_string_value(json_object_get(c, "op"));
        const char *a = json_string_value(json_object_get(c, "a"));
        const char *b = json_string_value(json_object_get(c, "b"));
        json_t *want = json_object_get(c, "out");
        char out[DDBXO_NUMBER_BUFSIZE];
        ddbxo_error err;
        ddbxo_error_clear(&err);
        if (strcmp(op, "cmp") == 0) {
            int r = ddbxo__decimal_cmp(a, b, &err);
            r = (r > 0) - (r < 0);
            ck_assert_msg(r == (int)json_integer_value(want),
                          "case %zu: cmp(%s, %s) = %d", i, a, b, r);
            continue;
        }
        int rc = strcmp(op, "sub") == 0
                     ? ddbxo__decimal_sub(a, b, out, sizeof out, &err)
                     : ddbxo__decimal_neg(a, out, sizeof out, &err);
        nsub++;
        if (json_is_null(want)) {
            nlimit++;
            ck_assert_msg(rc == -1 && err.code == DDBXO_E_LIMIT,
                          "case %zu: %s(%s, %s) should be a LIMIT error", i,
                          op, a, b ? b : "");
        } else {
            ck_assert_msg(rc == 0, "case %zu: %s(%s, %s): %s", i, op, a,
                          b ? b : "", err.message);
            ck_assert_msg(strcmp(out, json_string_value(want)) == 0,
                          "case %zu: %s(%s, %s) = %s, not %s", i, op, a,
                          b ? b : "", out, json_string_value(want));
        }
    }
    /* The file exercises both outcomes. */
    ck_assert_int_gt(nlimit, 0);
    ck_assert_int_gt(nsub - nlimit, 0);
    json_decref(j);
}
END_TEST

static Suite *decimal_suite(void)
{
    Suite *s = suite_create("decimal");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sub_known);
    tcase_add_test(tc, test_sub_limit);
    tcase_add_test(tc, test_neg_and_bad_input);
    tcase_add_test(tc, test_cmp_known);
    tcase_add_test(tc, test_vectors);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(decimal_suite)
