/* Canonical encoding v1: known-answer vectors, hand-computed from the
 * rules in docs/format.md §1 (the bindings reuse the same vectors). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/error.h"
#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "testutil.h"
#include "value/value.h"
#include "value/canon.h"

/* The encoder reads documents; a test's jansson tree becomes one first,
 * as the library's own jansson-built values do (ddbxo__doc_from_json). */
static int canon_json(ddbxo__buf *out, const json_t *j, int item,
                      ddbxo_error *err)
{
    ddbxo__doc *d;
    int rc;
    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL buffer");
    if (!json_is_object(j))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          item ? "attribute map must be a JSON object"
                               : "not an AttributeValue with one type key");
    if (!(d = ddbxo__doc_from_json(j, err)))
        return -1;
    rc = item ? ddbxo__canon_item_doc(out, d, 0, err)
              : ddbxo__canon_av_doc(out, d, 0, err);
    ddbxo__doc_unref(d);
    return rc;
}
static int canon_av(ddbxo__buf *out, const json_t *v, ddbxo_error *err)
{
    return canon_json(out, v, 0, err);
}
static int canon_item(ddbxo__buf *out, const json_t *m, ddbxo_error *err)
{
    return canon_json(out, m, 1, err);
}

/* Hex of the canonical encoding of a value (item: attribute map), parsed
 * leniently; NULL on failure (err filled).  Caller frees. */
static char *canon_hex(const char *json, int item, ddbxo_error *err)
{
    ddbxo_value *v = item ? ddbxo_item_parse(json, strlen(json),
                                             DDBXO_VALUE_LENIENT, err)
                          : ddbxo_value_parse(json, strlen(json),
                                              DDBXO_VALUE_LENIENT, err);
    unsigned char *b;
    size_t n;
    char *hex;
    if (!v)
        return NULL;
    if (ddbxo_value_canonical(v, &b, &n, err) < 0) {
        ddbxo_value_free(v);
        return NULL;
    }
    ddbxo_value_free(v);
    hex = malloc(2 * n + 1);
    ddbxo__hex(b, n, hex);
    ddbxo_free(b);
    return hex;
}

/* Vector hex may contain spaces for readability. */
static void strip(char *s)
{
    char *w = s;
    for (; *s; s++)
        if (*s != ' ')
            *w++ = *s;
    *w = '\0';
}

static const struct { const char *json; int item; const char *hex; } kat[] = {
    /* Scalars: tag, u32be length, bytes. */
    { "{\"S\":\"a\"}", 0, "01 00000001 61" },
    { "{\"S\":\"\"}", 0, "01 00000000" },
    { "{\"S\":\"caf\xc3\xa9\"}", 0, "01 00000005 636166c3a9" },
    { "{\"S\":\"a\\u0000b\"}", 0, "01 00000003 610062" },
    { "{\"N\":\"1.50\"}", 0, "02 00000003 312e35" },
    { "{\"N\":\"-0\"}", 0, "02 00000001 30" },
    { "{\"N\":\"1.5e3\"}", 0, "02 00000004 31353030" },
    { "{\"N\":\"-.5\"}", 0, "02 00000004 2d302e35" },
    { "{\"B\":\"AQI=\"}", 0, "03 00000002 0102" },
    { "{\"B\":\"\"}", 0, "03 00000000" },
    { "{\"B\":\"dGVzdA==\"}", 0, "03 00000004 74657374" },
    { "{\"BOOL\":true}", 0, "0a 01" },
    { "{\"BOOL\":false}", 0, "0a 00" },
    { "{\"NULL\":true}", 0, "09" },
    /* Sets: count, members sorted by bytes, duplicates dropped. */
    { "{\"SS\":[\"b\",\"a\",\"b\"]}", 0,
      "04 00000002 00000001 61 00000001 62" },
    { "{\"SS\":[\"ab\",\"b\",\"a\",\"B\"]}", 0,
      "04 00000004 00000001 42 00000001 61 00000002 6162 00000001 62" },
    { "{\"NS\":[\"10\",\"9\",\"1e1\"]}", 0,
      "05 00000002 00000002 3130 00000001 39" },
    { "{\"NS\":[\"-1\",\"1\",\"0.5\"]}", 0,
      "05 00000003 00000002 2d31 00000003 302e35 00000001 31" },
    { "{\"BS\":[\"AQI=\",\"AA==\",\"AQ==\"]}", 0,
      "06 00000003 00000001 00 00000001 01 00000002 0102" },
    { "{\"SS\":[]}", 0, "04 00000000" },
    /* List: count, elements in order. */
    { "{\"L\":[{\"S\":\"x\"},{\"NULL\":true}]}", 0,
      "08 00000002 01 00000001 78 09" },
    { "{\"L\":[]}", 0, "08 00000000" },
    /* Map: count, entries sorted by key bytes. */
    { "{\"M\":{\"b\":{\"N\":\"2\"},\"a\":{\"BOOL\":false}}}", 0,
      "07 00000002 00000001 61 0a00 00000001 62 02 00000001 32" },
    { "{\"M\":{}}", 0, "07 00000000" },
    { "{\"M\":{\"z\":{\"NULL\":true},\"\xc3\xa9\":{\"NULL\":true},"
      "\"Z\":{\"NULL\":true}}}", 0,
      "07 00000003 00000001 5a 09 00000001 7a 09 00000002 c3a9 09" },
    /* Nesting. */
    { "{\"M\":{\"l\":{\"L\":[{\"M\":{\"k\":{\"SS\":[\"v\"]}}}]}}}", 0,
      "07 00000001 00000001 6c"
      " 08 00000001"
      " 07 00000001 00000001 6b"
      " 04 00000001 00000001 76" },
    /* An attribute map encodes exactly as an M value. */
    { "{\"pk\":{\"S\":\"k\"}}", 1, "07 00000001 00000002 706b 01 00000001 6b" },
    { "{\"sk\":{\"N\":\"10\"},\"pk\":{\"S\":\"k\"}}", 1,
      "07 00000002 00000002 706b 01 00000001 6b"
      " 00000002 736b 02 00000002 3130" },
    { "{}", 1, "07 00000000" },
};

START_TEST(test_kat)
{
    ddbxo_error err;
    char want[512];
    char *got = canon_hex(kat[_i].json, kat[_i].item, &err);
    ck_assert_msg(got != NULL, "%s: %s", kat[_i].json, err.message);
    ddbxo__strlcpy(want, kat[_i].hex, sizeof want);
    strip(want);
    ck_assert_msg(strcmp(got, want) == 0, "%s:\n got  %s\n want %s",
                  kat[_i].json, got, want);
    free(got);
}
END_TEST

/* Pairs that must encode identically. */
static const struct { const char *a, *b; int item; } same[] = {
    { "{\"N\":\"1.50\"}", "{\"N\":\"1.5\"}", 0 },
    { "{\"N\":\"1500\"}", "{\"N\":\"+1.5E3\"}", 0 },
    { "{\"N\":\"0\"}", "{\"N\":\"-0.000e7\"}", 0 },
    { "{\"M\":{\"a\":{\"S\":\"1\"},\"b\":{\"S\":\"2\"}}}",
      "{\"M\":{\"b\":{\"S\":\"2\"},\"a\":{\"S\":\"1\"}}}", 0 },
    { "{\"a\":{\"S\":\"1\"},\"b\":{\"N\":\"2\"}}",
      "{\"b\":{\"N\":\"2.0\"},\"a\":{\"S\":\"1\"}}", 1 },
    { "{\"SS\":[\"x\",\"y\",\"z\"]}", "{\"SS\":[\"z\",\"x\",\"y\"]}", 0 },
    { "{\"NS\":[\"1\",\"2\"]}", "{\"NS\":[\"2.0\",\"1e0\"]}", 0 },
    { "{\"BS\":[\"AQ==\",\"Ag==\"]}", "{\"BS\":[\"Ag==\",\"AQ==\"]}", 0 },
    { "{\"SS\":[\"x\",\"x\"]}", "{\"SS\":[\"x\"]}", 0 },
    { "{\"NS\":[\"1.5\",\"1.50\"]}", "{\"NS\":[\"1.5\"]}", 0 },
    { "{\"M\":{\"pk\":{\"S\":\"k\"}}}", "{\"pk\":{\"S\":\"k\"}}", 2 },
};

START_TEST(test_same)
{
    ddbxo_error err;
    char *a = canon_hex(same[_i].a, same[_i].item == 1, &err);
    char *b = canon_hex(same[_i].b, same[_i].item >= 1, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

/* Pairs that must not: types are tagged, lengths are prefixed. */
static const struct { const char *a, *b; } differ[] = {
    { "{\"S\":\"1\"}", "{\"N\":\"1\"}" },
    { "{\"SS\":[\"a\"]}", "{\"L\":[{\"S\":\"a\"}]}" },
    { "{\"SS\":[\"ab\"]}", "{\"SS\":[\"a\",\"b\"]}" },
    { "{\"M\":{\"ab\":{\"S\":\"\"}}}", "{\"M\":{\"a\":{\"S\":\"b\"}}}" },
    { "{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}",
      "{\"L\":[{\"S\":\"b\"},{\"S\":\"a\"}]}" },
    { "{\"B\":\"YQ==\"}", "{\"S\":\"a\"}" },
    { "{\"BOOL\":false}", "{\"NULL\":true}" },
};

START_TEST(test_differ)
{
    ddbxo_error err;
    char *a = canon_hex(differ[_i].a, 0, &err);
    char *b = canon_hex(differ[_i].b, 0, &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
}
END_TEST

/* The internal entry points append, and cut back what they wrote on
 * failure (dedup hashes whatever the buffer holds). */
START_TEST(test_internal_append)
{
    ddbxo_error err;
    ddbxo__buf b;
    char hex[64];
    json_t *ok = json_loads("{\"pk\":{\"S\":\"k\"}}", 0, NULL);
    json_t *bad = json_loads("{\"pk\":{\"S\":\"k\"},\"z\":{\"N\":\"x\"}}", 0,
                             NULL);
    ddbxo__buf_init(&b);
    ddbxo__buf_put(&b, "\xff", 1);
    ck_assert_int_eq(canon_item(&b, ok, &err), 0);
    ddbxo__hex(b.p, b.len, hex);
    ck_assert_str_eq(hex, "ff070000000100000002706b01000000016b");
    ck_assert_int_eq(canon_item(&b, bad, &err), -1);
    ck_assert_int_eq(b.len, 18);
    ck_assert_str_eq(err.path, "z.N");
    ck_assert_int_eq(canon_av(&b, json_object_get(ok, "pk"), &err), 0);
    ck_assert_int_eq(b.len, 18 + 6);
    ck_assert_int_eq(canon_item(&b, json_object_get(ok, "pk"), &err),
                     -1);   /* {"S":"k"} is an AttributeValue, but as a map
                               its entry "S" is not one */
    ck_assert_int_eq(b.len, 24);
    ck_assert_int_eq(canon_item(NULL, ok, &err), -1);
    ddbxo__buf_free(&b);
    json_decref(ok);
    json_decref(bad);
}
END_TEST

/* The canonical encoder re-checks what it reads: malformed trees that
 * skipped validation fail cleanly, naming the path. */
static const struct { const char *json, *path; } malformed[] = {
    { "{\"N\":5}", "N" },
    { "{\"N\":\"abc\"}", "N" },
    { "{\"B\":\"AQ=\"}", "B" },
    { "{\"NULL\":false}", "NULL" },
    { "{\"BOOL\":1}", "BOOL" },
    { "{\"L\":{}}", "L" },
    { "{\"M\":[]}", "M" },
    { "{\"M\":{\"a\":{\"S\":\"x\",\"N\":\"1\"}}}", "M.a" },
    { "{\"L\":[{\"S\":\"x\"},{\"NS\":[\"1\",\"x\"]}]}", "L[1].NS[1]" },
    { "{\"SS\":[1]}", "SS[0]" },
    { "[]", "" },
};

START_TEST(test_malformed)
{
    ddbxo_error err;
    ddbxo__buf b;
    json_t *j = json_loads(malformed[_i].json, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ddbxo__buf_init(&b);
    ck_assert_int_eq(canon_av(&b, j, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_str_eq(err.path, malformed[_i].path);
    ck_assert_int_eq(b.len, 0);
    ddbxo__buf_free(&b);
    json_decref(j);
}
END_TEST

/* A 10,000-level tree built in memory (no parser limit to save us): the
 * encoder stops at DDBXO_MAX_DEPTH instead of recursing 10,000 times. */
START_TEST(test_deep_tree)
{
    ddbxo_error err;
    ddbxo__buf b;
    json_t *v = json_pack("{s:s}", "S", "x");
    int i;
    for (i = 1; i < 10000; i++)
        v = json_pack("{s:[o]}", "L", v);
    ddbxo__buf_init(&b);
    ck_assert_int_eq(canon_av(&b, v, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_int_eq(b.len, 0);
    ck_assert_int_eq(ddbxo__av_check(v, DDBXO__AV_LENIENT, "", 1, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ddbxo__buf_free(&b);
    /* jansson frees recursively; unwind from the top to keep it shallow. */
    while (v) {
        json_t *next = json_array_get(json_object_get(v, "L"), 0);
        json_incref(next);
        json_decref(v);
        v = next;
    }
}
END_TEST

/* Depth counts as in the checks: 32 levels encode, 33 do not. */
START_TEST(test_depth_limit)
{
    ddbxo_error err;
    ddbxo__buf b;
    json_t *v = json_pack("{s:s}", "S", "x"), *item;
    int i;
    for (i = 1; i < DDBXO_MAX_DEPTH; i++)
        v = json_pack("{s:{s:o}}", "M", "m", v);
    ddbxo__buf_init(&b);
    ck_assert_int_eq(canon_av(&b, v, &err), 0);
    item = json_pack("{s:O}", "a", v);
    ck_assert_int_eq(canon_item(&b, item, &err), 0);
    json_decref(item);
    v = json_pack("{s:{s:o}}", "M", "m", v);
    ck_assert_int_eq(canon_av(&b, v, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    item = json_pack("{s:o}", "a", v);
    ck_assert_int_eq(canon_item(&b, item, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    json_decref(item);
    ddbxo__buf_free(&b);
}
END_TEST

/* A record-layer handle around a decoded image encodes as an M. */
START_TEST(test_wrapped_item)
{
    ddbxo_error err;
    json_t *m = json_loads("{\"pk\":{\"S\":\"k\"}}", 0, NULL);
    ddbxo_value *v = ddbxo__value_wrap_item(m);
    unsigned char *out;
    size_t n;
    char hex[64];
    ck_assert_int_eq(ddbxo_value_is_item(v), 1);
    ck_assert_int_eq(ddbxo_value_canonical(v, &out, &n, &err), 0);
    ddbxo__hex(out, n, hex);
    ck_assert_str_eq(hex, "070000000100000002706b01000000016b");
    ddbxo_free(out);
    ddbxo_value_free(v);
    json_decref(m);
    ck_assert_int_eq(ddbxo_value_canonical(NULL, &out, &n, &err), -1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("canon");
    TCase *tc = tcase_create("vectors");
    tcase_add_loop_test(tc, test_kat, 0, sizeof kat / sizeof kat[0]);
    tcase_add_loop_test(tc, test_same, 0, sizeof same / sizeof same[0]);
    tcase_add_loop_test(tc, test_differ, 0, sizeof differ / sizeof differ[0]);
    suite_add_tcase(s, tc);
    tc = tcase_create("robust");
    tcase_add_test(tc, test_internal_append);
    tcase_add_loop_test(tc, test_malformed, 0,
                        sizeof malformed / sizeof malformed[0]);
    tcase_add_test(tc, test_deep_tree);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_wrapped_item);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
