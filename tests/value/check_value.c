/* AttributeValue parsing, checking, accessors, builders and base64. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "testutil.h"
#include "value/value.h"

static ddbxo_value *parse(const char *json, unsigned flags, ddbxo_error *err)
{
    return ddbxo_value_parse(json, strlen(json), flags, err);
}

/* ------------------------------------------------------- round trips */

/* Compact DynamoDB JSON comes back byte for byte (number text as given). */
static const char *const roundtrip[] = {
    "{\"S\":\"hello\"}",
    "{\"S\":\"\"}",
    "{\"S\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
    "{\"S\":\"a\\u0000b\"}",
    "{\"N\":\"1.50\"}",
    "{\"N\":\"-1E-130\"}",
    "{\"B\":\"AQI=\"}",
    "{\"B\":\"\"}",
    "{\"SS\":[\"a\",\"b\"]}",
    "{\"NS\":[\"1\",\"2.5\"]}",
    "{\"BS\":[\"AQ==\",\"Ag==\"]}",
    "{\"M\":{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1\"}}}",
    "{\"M\":{}}",
    "{\"L\":[{\"S\":\"x\"},{\"BOOL\":false},{\"L\":[]}]}",
    "{\"L\":[]}",
    "{\"NULL\":true}",
    "{\"BOOL\":true}",
    "{\"BOOL\":false}",
};

START_TEST(test_round_trip)
{
    ddbxo_error err;
    ddbxo_value *v = parse(roundtrip[_i], DDBXO_VALUE_STRICT, &err);
    char *out;
    size_t n;
    ck_assert_msg(v != NULL, "%s: %s", roundtrip[_i], err.message);
    out = ddbxo_value_to_json(v, &n);
    ck_assert_str_eq(out, roundtrip[_i]);
    ck_assert_uint_eq(n, strlen(roundtrip[_i]));
    ck_assert_int_eq(ddbxo_value_is_item(v), 0);
    ddbxo_free(out);
    ddbxo_value_free(v);
}
END_TEST

START_TEST(test_item_round_trip)
{
    static const char js[] =
        "{\"pk\":{\"S\":\"k\"},\"n\":{\"N\":\"1\"},\"m\":{\"M\":{\"x\":"
        "{\"NULL\":true}}}}";
    ddbxo_error err;
    ddbxo_value *v = ddbxo_item_parse(js, sizeof js - 1, DDBXO_VALUE_STRICT,
                                      &err);
    char *out;
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(ddbxo_value_is_item(v), 1);
    ck_assert_int_eq(ddbxo_value_type(v), DDBXO_TYPE_M);
    ck_assert_uint_eq(ddbxo_value_count(v), 3);
    out = ddbxo_value_to_json(v, NULL);
    ck_assert_str_eq(out, js);
    ddbxo_free(out);
    ddbxo_value_free(v);
}
END_TEST

/* ------------------------------------------------------------ errors */

/* Every error names the JSON path and says what is wrong. */
static const struct {
    const char *json;
    int item;
    int code;
    const char *path, *what;
} bad[] = {
    { "{\"N\":5}", 0, DDBXO_E_INVALID, "N", "JSON string" },
    { "{\"S\":1}", 0, DDBXO_E_INVALID, "S", "JSON string" },
    { "{\"B\":[]}", 0, DDBXO_E_INVALID, "B", "JSON string" },
    { "{\"N\":\"abc\"}", 0, DDBXO_E_INVALID, "N", "not a number" },
    { "{\"N\":\"1E+126\"}", 0, DDBXO_E_INVALID, "N", "overflow" },
    { "{\"B\":\"AQ=\"}", 0, DDBXO_E_INVALID, "B", "multiple of 4" },
    { "{\"NULL\":false}", 0, DDBXO_E_INVALID, "NULL", "must be true" },
    { "{\"NULL\":null}", 0, DDBXO_E_INVALID, "NULL", "must be true" },
    { "{\"BOOL\":\"true\"}", 0, DDBXO_E_INVALID, "BOOL", "boolean" },
    { "{\"BOOL\":1}", 0, DDBXO_E_INVALID, "BOOL", "boolean" },
    { "{\"SS\":\"a\"}", 0, DDBXO_E_INVALID, "SS", "array" },
    { "{\"SS\":[\"a\",1]}", 0, DDBXO_E_INVALID, "SS[1]", "JSON string" },
    { "{\"NS\":[\"1\",\"x\"]}", 0, DDBXO_E_INVALID, "NS[1]", "not a number" },
    { "{\"BS\":[\"AQ==\",\"A\"]}", 0, DDBXO_E_INVALID, "BS[1]", "base64" },
    { "{\"M\":[]}", 0, DDBXO_E_INVALID, "M", "object" },
    { "{\"L\":{}}", 0, DDBXO_E_INVALID, "L", "array" },
    { "{}", 0, DDBXO_E_INVALID, "", "0 keys" },
    { "{\"S\":\"a\",\"N\":\"1\"}", 0, DDBXO_E_INVALID, "", "2 keys" },
    { "{\"X\":\"a\"}", 0, DDBXO_E_INVALID, "", "unknown" },
    { "{\"s\":\"a\"}", 0, DDBXO_E_INVALID, "", "unknown" },
    { "[]", 0, DDBXO_E_INVALID, "", "object" },
    { "\"S\"", 0, DDBXO_E_INVALID, "", "invalid JSON" },
    { "{\"M\":{\"a\":{\"L\":[{\"S\":\"x\"},{\"SS\":[\"a\",1]}]}}}", 0,
      DDBXO_E_INVALID, "M.a.L[1].SS[1]", "JSON string" },
    { "{\"M\":{\"a\":{\"M\":{\"b.c\":{\"N\":true}}}}}", 0, DDBXO_E_INVALID,
      "M.a.M.b.c.N", "JSON string" },
    { "{\"L\":[{\"S\":\"x\"},5]}", 0, DDBXO_E_INVALID, "L[1]",
      "AttributeValue object" },
    { "{\"pk\":{\"N\":5}}", 1, DDBXO_E_INVALID, "pk.N", "JSON string" },
    { "{\"pk\":{\"S\":\"k\"},\"\":{\"S\":\"x\"}}", 1, DDBXO_E_INVALID, "",
      "name is empty" },
    { "{\"pk\":\"k\"}", 1, DDBXO_E_INVALID, "pk", "AttributeValue object" },
    { "[]", 1, DDBXO_E_INVALID, "", "attribute map" },
    /* JSON-level problems. */
    { "{\"S\":\"a\",\"S\":\"b\"}", 0, DDBXO_E_INVALID, "", "duplicate key" },
    { "{\"S\":\"a\"} x", 0, DDBXO_E_INVALID, "", "invalid JSON" },
    { "{\"S\":\"\xff\"}", 0, DDBXO_E_INVALID, "", "UTF-8" },
    { "{\"N\":123456789012345678901234567890}", 0, DDBXO_E_INVALID, "",
      "too large" },
    { "", 0, DDBXO_E_INVALID, "", "invalid JSON" },
};

START_TEST(test_errors)
{
    ddbxo_error err;
    const char *js = bad[_i].json;
    ddbxo_value *v = bad[_i].item
                         ? ddbxo_item_parse(js, strlen(js),
                                            DDBXO_VALUE_LENIENT, &err)
                         : parse(js, DDBXO_VALUE_LENIENT, &err);
    ck_assert_msg(v == NULL, "%s accepted", js);
    ck_assert_int_eq(err.code, bad[_i].code);
    ck_assert_str_eq(err.path, bad[_i].path);
    ck_assert_msg(strstr(err.message, bad[_i].what) != NULL,
                  "%s: message '%s' lacks '%s'", js, err.message,
                  bad[_i].what);
    /* The message leads with the path, so a log line alone is enough. */
    if (*bad[_i].path)
        ck_assert_msg(strncmp(err.message, bad[_i].path,
                              strlen(bad[_i].path)) == 0, "%s", err.message);
}
END_TEST

/* The caller's prefix leads the path. */
START_TEST(test_error_prefix)
{
    ddbxo_error err;
    json_t *j = json_loads("{\"pk\":{\"N\":5}}", 0, NULL);
    ck_assert_int_eq(ddbxo__item_check(j, DDBXO__AV_LENIENT,
                                       "Records[3].dynamodb.Keys", &err), -1);
    ck_assert_str_eq(err.path, "Records[3].dynamodb.Keys.pk.N");
    ck_assert_int_eq(ddbxo__av_check(json_object_get(j, "pk"),
                                     DDBXO__AV_LENIENT,
                                     "Records[3].dynamodb.Keys.pk", 1, &err),
                     -1);
    ck_assert_str_eq(err.path, "Records[3].dynamodb.Keys.pk.N");
    json_decref(j);
}
END_TEST

/* Payloads stay out of messages; hostile names cannot inject lines. */
START_TEST(test_error_hygiene)
{
    ddbxo_error err;
    ddbxo_value *v = parse("{\"N\":\"secret123x\"}", 0, &err);
    ck_assert_ptr_null(v);
    ck_assert_ptr_null(strstr(err.message, "secret"));
    v = parse("{\"S\":\"secret\" garbage}", 0, &err);
    ck_assert_ptr_null(v);
    ck_assert_ptr_null(strstr(err.message, "secret"));
    ck_assert_ptr_null(strstr(err.message, "garbage"));
    v = parse("{\"M\":{\"a\\nFAKE LOG LINE\":{\"N\":1}}}", 0, &err);
    ck_assert_ptr_null(v);
    ck_assert_str_eq(err.path, "M.a?FAKE LOG LINE.N");
    ck_assert_ptr_null(strchr(err.message, '\n'));
}
END_TEST

/* A path longer than ddbxo_error.path is cut, not overflowed, and never
 * inside a UTF-8 sequence. */
START_TEST(test_error_long_path)
{
    ddbxo_error err;
    char js[1024], *p = js;
    int i;
    p += sprintf(p, "{\"M\":{\"");
    for (i = 0; i < 100; i++)
        p += sprintf(p, "\xc3\xa9");
    sprintf(p, "\":{\"M\":{\"b\":{\"N\":1}}}}}");
    ck_assert_ptr_null(parse(js, 0, &err));
    ck_assert_uint_lt(strlen(err.path), sizeof err.path);
    /* "M." + whole é's + "...": nothing appended after the cut. */
    ck_assert_int_eq(strlen(err.path) % 2, 1);
    ck_assert_str_eq(err.path + strlen(err.path) - 5, "\xc3\xa9...");
    {
        json_t *u = json_string(err.path);         /* NULL if not UTF-8 */
        ck_assert_ptr_nonnull(u);
        json_decref(u);
    }
}
END_TEST

START_TEST(test_bad_arguments)
{
    ddbxo_error err;
    ck_assert_ptr_null(ddbxo_value_parse(NULL, 0, 0, &err));
    ck_assert_ptr_null(ddbxo_value_parse("{\"S\":\"a\"}", 9, 0x8, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "flags"));
    ck_assert_ptr_null(ddbxo_item_parse(NULL, 0, 0, NULL));
    /* Length is honoured: no NUL needed, nothing read past len. */
    {
        ddbxo_value *v = ddbxo_value_parse("{\"S\":\"a\"}xyz", 9, 0, &err);
        ck_assert_ptr_nonnull(v);
        ddbxo_value_free(v);
    }
    ck_assert_int_eq(ddbxo_value_check(NULL, 0, &err), -1);
    ck_assert_ptr_null(ddbxo_value_to_json(NULL, NULL));
    ck_assert_int_eq(ddbxo_value_type(NULL), DDBXO_TYPE_NONE);
    ddbxo_value_free(NULL);
}
END_TEST

/* ------------------------------------------------ strict vs lenient */

static const struct { const char *json, *path, *what; } strict_only[] = {
    { "{\"SS\":[]}", "SS", "empty set" },
    { "{\"NS\":[]}", "NS", "empty set" },
    { "{\"BS\":[]}", "BS", "empty set" },
    { "{\"SS\":[\"a\",\"b\",\"a\"]}", "SS[2]", "duplicate" },
    { "{\"NS\":[\"1.5\",\"2\",\"1.50\"]}", "NS[2]", "normalisation" },
    { "{\"NS\":[\"-0\",\"0\"]}", "NS[1]", "duplicate" },
    { "{\"BS\":[\"AQ==\",\"AQ==\"]}", "BS[1]", "duplicate" },
    { "{\"M\":{\"x\":{\"L\":[{\"SS\":[]}]}}}", "M.x.L[0].SS", "empty set" },
};

START_TEST(test_strict_lenient)
{
    ddbxo_error err;
    ddbxo_value *v = parse(strict_only[_i].json, DDBXO_VALUE_LENIENT, &err);
    ck_assert_msg(v != NULL, "lenient: %s", err.message);
    ck_assert_int_eq(ddbxo_value_check(v, DDBXO_VALUE_LENIENT, &err), 0);
    ck_assert_int_eq(ddbxo_value_check(v, DDBXO_VALUE_STRICT, &err), -1);
    ck_assert_str_eq(err.path, strict_only[_i].path);
    ck_assert_ptr_nonnull(strstr(err.message, strict_only[_i].what));
    ddbxo_value_free(v);
    ck_assert_ptr_null(parse(strict_only[_i].json, DDBXO_VALUE_STRICT, &err));
    ck_assert_str_eq(err.path, strict_only[_i].path);
}
END_TEST

/* Attribute names: 1..65535 bytes in strict mode; empty never. */
START_TEST(test_name_length)
{
    ddbxo_error err;
    size_t n = DDBXO_MAX_NAME_BYTES + 1;
    char *js = malloc(n + 32), *p = js;
    ddbxo_value *v;
    p += sprintf(p, "{\"");
    memset(p, 'a', n);
    p += n;
    sprintf(p, "\":{\"NULL\":true}}");
    v = ddbxo_item_parse(js, strlen(js), DDBXO_VALUE_LENIENT, &err);
    ck_assert_ptr_nonnull(v);
    ddbxo_value_free(v);
    ck_assert_ptr_null(ddbxo_item_parse(js, strlen(js), DDBXO_VALUE_STRICT,
                                        &err));
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    /* One byte less is fine. */
    memmove(js + 2, js + 3, strlen(js + 3) + 1);
    v = ddbxo_item_parse(js, strlen(js), DDBXO_VALUE_STRICT, &err);
    ck_assert_ptr_nonnull(v);
    ddbxo_value_free(v);
    free(js);
}
END_TEST

/* AWS's own sample events: every image passes the lenient check; the
 * lambda-go one carries an empty SS and a BS with duplicates, which the
 * strict check refuses. */
START_TEST(test_sample_events)
{
    static const char *const files[] = {
        "events/lambda-go__dynamodb-event.json",
        "events/lambda-dotnet__dynamodb-event.json",
        "events/powertools-python__dynamoStreamEvent.json",
        "events/lambda-java__dynamo_time_window_event.json",
    };
    static const char *const maps[] = { "Keys", "NewImage", "OldImage" };
    size_t f, r, k, strict_failures = 0;
    for (f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        char *text = tu_read_testdata(files[f], &len);
        json_t *root = json_loadb(text, len, 0, NULL), *recs;
        ck_assert_ptr_nonnull(root);
        recs = json_object_get(root, "Records");
        for (r = 0; r < json_array_size(recs); r++) {
            json_t *d = json_object_get(json_array_get(recs, r), "dynamodb");
            for (k = 0; k < 3; k++) {
                json_t *m = json_object_get(d, maps[k]);
                ddbxo_error err;
                ddbxo_value *v;
                unsigned char *c;
                size_t n;
                if (!m)
                    continue;
                ck_assert_msg(ddbxo__item_check(m, DDBXO__AV_LENIENT, maps[k],
                                                &err) == 0,
                              "%s: %s", files[f], err.message);
                if (ddbxo__item_check(m, DDBXO__AV_STRICT, maps[k], &err))
                    strict_failures++;
                v = ddbxo__value_wrap_item(m);
                ck_assert_int_eq(ddbxo_value_is_item(v), 1);
                ck_assert_int_eq(ddbxo_value_canonical(v, &c, &n, &err), 0);
                ddbxo_free(c);
                ddbxo_value_free(v);
            }
        }
        json_decref(root);
        free(text);
    }
    ck_assert_uint_gt(strict_failures, 0);
}
END_TEST

/* ------------------------------------------------------------- depth */

/* {"L":[...]} wrapped around {"S":"x"} so that the S is at `level`
 * (the outermost value is level 1). */
static char *nest(const char *open, const char *close, int level)
{
    size_t ol = strlen(open), cl = strlen(close);
    char *s = malloc((size_t)level * (ol + cl) + 16), *p = s;
    int i;
    for (i = 1; i < level; i++, p += ol)
        memcpy(p, open, ol);
    p += sprintf(p, "{\"S\":\"x\"}");
    for (i = 1; i < level; i++, p += cl)
        memcpy(p, close, cl);
    *p = '\0';
    return s;
}

START_TEST(test_depth)
{
    static const char *const opens[] = { "{\"L\":[", "{\"M\":{\"k\":" };
    static const char *const closes[] = { "]}", "}}" };
    int k;
    for (k = 0; k < 2; k++) {
        ddbxo_error err;
        char *ok = nest(opens[k], closes[k], DDBXO_MAX_DEPTH);
        char *deep = nest(opens[k], closes[k], DDBXO_MAX_DEPTH + 1);
        char item[8192];
        ddbxo_value *v = parse(ok, DDBXO_VALUE_STRICT, &err);
        ck_assert_msg(v != NULL, "%s", err.message);
        ddbxo_value_free(v);
        ck_assert_ptr_null(parse(deep, DDBXO_VALUE_LENIENT, &err));
        ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
        ck_assert_ptr_nonnull(strstr(err.message, "32 levels"));
        /* In an item the attribute's value is level 1, the same count. */
        snprintf(item, sizeof item, "{\"a\":%s}", ok);
        v = ddbxo_item_parse(item, strlen(item), DDBXO_VALUE_STRICT, &err);
        ck_assert_msg(v != NULL, "%s", err.message);
        ddbxo_value_free(v);
        snprintf(item, sizeof item, "{\"a\":%s}", deep);
        ck_assert_ptr_null(ddbxo_item_parse(item, strlen(item), 0, &err));
        ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
        ck_assert_int_eq(strncmp(err.path, "a.", 2), 0);
        free(ok);
        free(deep);
    }
}
END_TEST

/* Empty containers count as a level too. */
START_TEST(test_depth_empty)
{
    ddbxo_error err;
    char s[512], *p = s;
    int i;
    ddbxo_value *v;
    for (i = 1; i < DDBXO_MAX_DEPTH; i++)
        p += sprintf(p, "{\"L\":[");
    p += sprintf(p, "{\"L\":[]}");
    for (i = 1; i < DDBXO_MAX_DEPTH; i++)
        p += sprintf(p, "]}");
    v = parse(s, DDBXO_VALUE_STRICT, &err);
    ck_assert_ptr_nonnull(v);
    ddbxo_value_free(v);
    memmove(s + 6, s, strlen(s) + 1);       /* one more level */
    memcpy(s, "{\"L\":[", 6);
    strcat(s, "]}");
    ck_assert_ptr_null(parse(s, DDBXO_VALUE_STRICT, &err));
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
}
END_TEST

/* 10,000 levels of hostile input fail cleanly (the parser's own limit or
 * ours), without a stack overflow. */
START_TEST(test_depth_hostile)
{
    ddbxo_error err;
    char *s = nest("{\"L\":[", "]}", 10000);
    ck_assert_ptr_null(parse(s, DDBXO_VALUE_LENIENT, &err));
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    free(s);
    s = nest("[", "]", 10000);
    ck_assert_ptr_null(parse(s, DDBXO_VALUE_LENIENT, &err));
    free(s);
}
END_TEST

/* --------------------------------------------------------- accessors */

START_TEST(test_scalar_accessors)
{
    ddbxo_error err;
    ddbxo_value *s = parse("{\"S\":\"a\\u0000b\"}", 0, &err);
    ddbxo_value *n = parse("{\"N\":\"1.50\"}", 0, &err);
    ddbxo_value *b = parse("{\"B\":\"AAEC/w==\"}", 0, &err);
    ddbxo_value *t = parse("{\"BOOL\":true}", 0, &err);
    ddbxo_value *f = parse("{\"BOOL\":false}", 0, &err);
    ddbxo_value *z = parse("{\"NULL\":true}", 0, &err);
    unsigned char *bytes;
    size_t len;

    ck_assert_int_eq(ddbxo_value_type(s), DDBXO_TYPE_S);
    ck_assert_int_eq(memcmp(ddbxo_value_s(s, &len), "a\0b", 3), 0);
    ck_assert_uint_eq(len, 3);
    ck_assert_ptr_null(ddbxo_value_n(s, &len));
    ck_assert_uint_eq(len, 0);

    ck_assert_int_eq(ddbxo_value_type(n), DDBXO_TYPE_N);
    ck_assert_str_eq(ddbxo_value_n(n, NULL), "1.50");
    ck_assert_ptr_null(ddbxo_value_s(n, NULL));

    ck_assert_int_eq(ddbxo_value_type(b), DDBXO_TYPE_B);
    ck_assert_str_eq(ddbxo_value_b64(b, &len), "AAEC/w==");
    ck_assert_int_eq(ddbxo_value_b(b, &bytes, &len, &err), 0);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(memcmp(bytes, "\x00\x01\x02\xff", 4), 0);
    ddbxo_free(bytes);
    ck_assert_int_eq(ddbxo_value_b(s, &bytes, &len, &err), -1);
    ck_assert_ptr_null(bytes);

    ck_assert_int_eq(ddbxo_value_bool(t), 1);
    ck_assert_int_eq(ddbxo_value_bool(f), 0);
    ck_assert_int_eq(ddbxo_value_bool(z), -1);
    ck_assert_int_eq(ddbxo_value_type(z), DDBXO_TYPE_NULL);
    ck_assert_uint_eq(ddbxo_value_count(z), 0);
    ck_assert_str_eq(ddbxo_type_name(DDBXO_TYPE_BOOL), "BOOL");
    ck_assert_str_eq(ddbxo_type_name((ddbxo_type)99), "?");

    ddbxo_value_free(s);
    ddbxo_value_free(n);
    ddbxo_value_free(b);
    ddbxo_value_free(t);
    ddbxo_value_free(f);
    ddbxo_value_free(z);
}
END_TEST

START_TEST(test_container_accessors)
{
    ddbxo_error err;
    ddbxo_value *l = parse("{\"L\":[{\"S\":\"x\"},{\"N\":\"2\"}]}", 0, &err);
    ddbxo_value *ns = parse("{\"NS\":[\"3\",\"1.0\"]}", 0, &err);
    ddbxo_value *bs = parse("{\"BS\":[\"AQ==\"]}", 0, &err);
    ddbxo_value *m = parse("{\"M\":{\"b\":{\"N\":\"2\"},\"a\":{\"S\":\"1\"},"
                           "\"\\u0001\":{\"NULL\":true}}}", 0, &err);
    ddbxo_value *c;
    const char *name;
    size_t len;

    ck_assert_uint_eq(ddbxo_value_count(l), 2);
    c = ddbxo_value_at(l, 1, &err);
    ck_assert_str_eq(ddbxo_value_n(c, NULL), "2");
    ddbxo_value_free(l);                        /* children outlive it */
    ck_assert_str_eq(ddbxo_value_n(c, NULL), "2");
    ddbxo_value_free(c);

    ck_assert_uint_eq(ddbxo_value_count(ns), 2);
    c = ddbxo_value_at(ns, 1, &err);
    ck_assert_int_eq(ddbxo_value_type(c), DDBXO_TYPE_N);
    ck_assert_str_eq(ddbxo_value_n(c, NULL), "1.0");
    ddbxo_value_free(c);
    ck_assert_ptr_null(ddbxo_value_at(ns, 2, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "out of range"));
    c = ddbxo_value_at(bs, 0, &err);
    ck_assert_int_eq(ddbxo_value_type(c), DDBXO_TYPE_B);
    ddbxo_value_free(c);

    ck_assert_uint_eq(ddbxo_value_count(m), 3);
    c = ddbxo_value_get(m, "a", 1, &err);
    ck_assert_str_eq(ddbxo_value_s(c, NULL), "1");
    ddbxo_value_free(c);
    c = ddbxo_value_get(m, "\x01", 1, &err);
    ck_assert_int_eq(ddbxo_value_type(c), DDBXO_TYPE_NULL);
    ddbxo_value_free(c);
    ck_assert_ptr_null(ddbxo_value_get(m, "zz", 2, &err));
    ck_assert_ptr_null(ddbxo_value_get(ns, "a", 1, &err));
    ck_assert_ptr_null(ddbxo_value_at(m, 0, &err));

    /* Entries come in name-byte order: "\x01", "a", "b". */
    c = ddbxo_value_entry(m, 0, &name, &len, &err);
    ck_assert_uint_eq(len, 1);
    ck_assert_int_eq(name[0], '\x01');
    ddbxo_value_free(c);
    c = ddbxo_value_entry(m, 2, &name, &len, &err);
    ck_assert_str_eq(name, "b");
    ck_assert_str_eq(ddbxo_value_n(c, NULL), "2");
    ddbxo_value_free(c);
    ck_assert_ptr_null(ddbxo_value_entry(m, 3, &name, &len, &err));
    ck_assert_ptr_null(name);

    ddbxo_value_free(ns);
    ddbxo_value_free(bs);
    ddbxo_value_free(m);
}
END_TEST

/* ---------------------------------------------------------- builders */

static char *json_of(const ddbxo_value *v)
{
    return ddbxo_value_to_json(v, NULL);
}

START_TEST(test_build_scalars)
{
    ddbxo_error err;
    ddbxo_value *v;
    char *s;

    v = ddbxo_value_new_s("caf\xc3\xa9", 5, &err);
    s = json_of(v);
    ck_assert_str_eq(s, "{\"S\":\"caf\xc3\xa9\"}");
    ddbxo_free(s);
    ddbxo_value_free(v);
    ck_assert_ptr_null(ddbxo_value_new_s("\xff", 1, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "UTF-8"));
    ck_assert_ptr_null(ddbxo_value_new_s("\xed\xa0\x80", 3, &err));
    ck_assert_ptr_null(ddbxo_value_new_s("\xc0\x80", 2, &err));
    v = ddbxo_value_new_s(NULL, 0, &err);
    ck_assert_str_eq(ddbxo_value_s(v, NULL), "");
    ddbxo_value_free(v);

    v = ddbxo_value_new_n("1.50", 4, &err);         /* text kept */
    ck_assert_str_eq(ddbxo_value_n(v, NULL), "1.50");
    ddbxo_value_free(v);
    ck_assert_ptr_null(ddbxo_value_new_n("1E+126", 6, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "overflow"));

    v = ddbxo_value_new_b("\x00\x01\x02\xff", 4, &err);
    s = json_of(v);
    ck_assert_str_eq(s, "{\"B\":\"AAEC/w==\"}");
    ddbxo_free(s);
    ddbxo_value_free(v);

    v = ddbxo_value_new_bool(7, &err);
    ck_assert_int_eq(ddbxo_value_bool(v), 1);
    ddbxo_value_free(v);
    v = ddbxo_value_new_null(&err);
    s = json_of(v);
    ck_assert_str_eq(s, "{\"NULL\":true}");
    ddbxo_free(s);
    ddbxo_value_free(v);
}
END_TEST

START_TEST(test_build_sets)
{
    ddbxo_error err;
    const void *m[3] = { "1.5", "2", "1.50" };
    size_t l[3] = { 3, 1, 4 };
    ddbxo_value *v;
    char *s;

    v = ddbxo_value_new_set(DDBXO_TYPE_NS, m, l, 2, &err);
    s = json_of(v);
    ck_assert_str_eq(s, "{\"NS\":[\"1.5\",\"2\"]}");
    ddbxo_free(s);
    ddbxo_value_free(v);
    ck_assert_ptr_null(ddbxo_value_new_set(DDBXO_TYPE_NS, m, l, 3, &err));
    ck_assert_str_eq(err.path, "NS[2]");
    ck_assert_ptr_null(ddbxo_value_new_set(DDBXO_TYPE_NS, m, l, 0, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "empty set"));
    ck_assert_ptr_null(ddbxo_value_new_set(DDBXO_TYPE_L, m, l, 1, &err));
    m[1] = "x";
    ck_assert_ptr_null(ddbxo_value_new_set(DDBXO_TYPE_NS, m, l, 2, &err));
    ck_assert_str_eq(err.path, "NS[1]");

    m[0] = "\x01";
    m[1] = "";
    l[0] = 1;
    l[1] = 0;
    v = ddbxo_value_new_set(DDBXO_TYPE_BS, m, l, 2, &err);
    s = json_of(v);
    ck_assert_str_eq(s, "{\"BS\":[\"AQ==\",\"\"]}");
    ddbxo_free(s);
    ddbxo_value_free(v);
    m[0] = "b";
    m[1] = "a";
    l[0] = l[1] = 1;
    v = ddbxo_value_new_set(DDBXO_TYPE_SS, m, l, 2, &err);
    ck_assert_uint_eq(ddbxo_value_count(v), 2);
    ddbxo_value_free(v);
}
END_TEST

START_TEST(test_build_containers)
{
    ddbxo_error err;
    ddbxo_value *item = ddbxo_item_new(&err), *m = ddbxo_value_new_map(&err);
    ddbxo_value *l = ddbxo_value_new_list(&err), *x, *parsed;
    char *s;

    x = ddbxo_value_new_n("7", 1, &err);
    ck_assert_int_eq(ddbxo_list_append(l, x, &err), 0);
    ck_assert_int_eq(ddbxo_map_set(m, "n", 1, x, &err), 0);
    ddbxo_value_free(x);
    ck_assert_int_eq(ddbxo_map_set(m, "l", 1, l, &err), 0);
    ck_assert_int_eq(ddbxo_map_set(m, "", 0, l, &err), 0);  /* nested: ok */
    ck_assert_int_eq(ddbxo_map_set(item, "pk", 2, m, &err), 0);
    /* Copies: later changes to m do not reach item. */
    ck_assert_int_eq(ddbxo_map_set(m, "late", 4, l, &err), 0);
    /* A map put into itself is a copy, not a cycle. */
    ck_assert_int_eq(ddbxo_map_set(m, "self", 4, m, &err), 0);
    s = json_of(item);
    ck_assert_str_eq(s, "{\"pk\":{\"M\":{\"n\":{\"N\":\"7\"},\"l\":{\"L\":"
                        "[{\"N\":\"7\"}]},\"\":{\"L\":[{\"N\":\"7\"}]}}}}");
    ddbxo_free(s);
    ck_assert_int_eq(ddbxo_value_check(item, DDBXO_VALUE_STRICT, &err), 0);

    /* An attribute map put into a map becomes an M. */
    ck_assert_int_eq(ddbxo_map_set(m, "img", 3, item, &err), 0);
    x = ddbxo_value_get(m, "img", 3, &err);
    ck_assert_int_eq(ddbxo_value_type(x), DDBXO_TYPE_M);
    ck_assert_int_eq(ddbxo_value_is_item(x), 0);
    ddbxo_value_free(x);

    /* Rules. */
    ck_assert_int_eq(ddbxo_map_set(item, "", 0, m, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "empty"));
    ck_assert_int_eq(ddbxo_map_set(item, "\xff", 1, m, &err), -1);
    ck_assert_int_eq(ddbxo_map_set(item, "a\0b", 3, m, &err), -1);
    ck_assert_int_eq(ddbxo_map_set(item, "a", 1, NULL, &err), -1);
    parsed = parse("{\"M\":{}}", 0, &err);
    ck_assert_int_eq(ddbxo_map_set(parsed, "a", 1, m, &err), -1);
    ck_assert_int_eq(ddbxo_list_append(m, m, &err), -1);
    x = parse("{\"SS\":[]}", DDBXO_VALUE_LENIENT, &err);
    ck_assert_int_eq(ddbxo_map_set(item, "e", 1, x, &err), -1);
    ck_assert_str_eq(err.path, "e.SS");
    ck_assert_int_eq(ddbxo_list_append(l, x, &err), -1);
    ck_assert_str_eq(err.path, "[1].SS");
    ddbxo_value_free(x);
    ddbxo_value_free(parsed);

    /* The entry index follows changes. */
    x = ddbxo_value_entry(item, 0, NULL, NULL, &err);
    ddbxo_value_free(x);
    ck_assert_int_eq(ddbxo_map_set(item, "a", 1, l, &err), 0);
    {
        const char *name;
        x = ddbxo_value_entry(item, 0, &name, NULL, &err);
        ck_assert_str_eq(name, "a");
        ddbxo_value_free(x);
    }

    ddbxo_value_free(item);
    ddbxo_value_free(m);
    ddbxo_value_free(l);
}
END_TEST

/* Builders enforce the depth limit with the same count as parsing. */
START_TEST(test_build_depth)
{
    ddbxo_error err;
    ddbxo_value *v = ddbxo_value_new_s("x", 1, &err), *l, *item;
    int height = 1;
    for (;;) {
        l = ddbxo_value_new_list(&err);
        if (ddbxo_list_append(l, v, &err) < 0) {
            ddbxo_value_free(l);
            break;
        }
        ddbxo_value_free(v);
        v = l;
        height++;
    }
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_int_eq(height, DDBXO_MAX_DEPTH);
    item = ddbxo_item_new(&err);
    ck_assert_int_eq(ddbxo_map_set(item, "a", 1, v, &err), 0);
    ck_assert_int_eq(ddbxo_value_check(item, DDBXO_VALUE_STRICT, &err), 0);
    ddbxo_value_free(item);
    ddbxo_value_free(v);
}
END_TEST

/* ------------------------------------------------------------ base64 */

static const struct { const char *in; const char *out; size_t n; } b64ok[] = {
    { "", "", 0 },
    { "AA==", "\x00", 1 },
    { "AAE=", "\x00\x01", 2 },
    { "AAEC", "\x00\x01\x02", 3 },
    { "dGVzdA==", "test", 4 },
    { "+/+/", "\xfb\xff\xbf", 3 },
    { "/w==", "\xff", 1 },
};

static const struct { const char *in, *why; } b64bad[] = {
    { "A", "multiple of 4" },
    { "AA", "multiple of 4" },
    { "AAA", "multiple of 4" },
    { "AQ", "multiple of 4" },                  /* padding missing */
    { "AAAAA", "multiple of 4" },
    { "AA=A", "padding in the middle" },
    { "A===", "padding in the middle" },
    { "====", "padding in the middle" },
    { "AA==AA==", "padding in the middle" },
    { "AB==", "non-zero bits" },                /* canonical is AA== */
    { "AAF=", "non-zero bits" },                /* canonical is AAE= */
    { "dGVzdB==", "non-zero bits" },
    { "AA\nA", "invalid base64 character" },
    { "AA A", "invalid base64 character" },
    { "AA-_", "invalid base64 character" },     /* URL alphabet */
    { "AA.=", "invalid base64 character" },
    { "\xc3\xa9\xc3\xa9", "invalid base64 character" },
};

START_TEST(test_b64_ok)
{
    ddbxo_error err;
    ddbxo__buf b;
    ddbxo__buf_init(&b);
    ck_assert_int_eq(ddbxo__b64_decode(b64ok[_i].in, strlen(b64ok[_i].in),
                                       &b, &err), 0);
    ck_assert_uint_eq(b.len, b64ok[_i].n);
    ck_assert_int_eq(memcmp(b.p ? b.p : (unsigned char *)"", b64ok[_i].out,
                            b64ok[_i].n), 0);
    /* And back. */
    {
        ddbxo__buf e;
        ddbxo__buf_init(&e);
        ck_assert_int_eq(ddbxo__b64_encode((const unsigned char *)
                                           b64ok[_i].out, b64ok[_i].n, &e),
                         0);
        ck_assert_uint_eq(e.len, strlen(b64ok[_i].in));
        ck_assert_int_eq(memcmp(e.p ? e.p : (unsigned char *)"",
                                b64ok[_i].in, e.len), 0);
        ddbxo__buf_free(&e);
    }
    ddbxo__buf_free(&b);
}
END_TEST

START_TEST(test_b64_bad)
{
    ddbxo_error err;
    ddbxo__buf b;
    ddbxo__buf_init(&b);
    ck_assert_int_eq(ddbxo__b64_decode(b64bad[_i].in, strlen(b64bad[_i].in),
                                       &b, &err), -1);
    ck_assert_msg(strstr(err.message, b64bad[_i].why) != NULL, "%s: %s",
                  b64bad[_i].in, err.message);
    ck_assert_int_eq(ddbxo__b64_decode(b64bad[_i].in, strlen(b64bad[_i].in),
                                       NULL, &err), -1);
    ddbxo__buf_free(&b);
}
END_TEST

/* Every byte string round-trips, and its encoding is the only accepted
 * text (flipping any trailing bit is refused). */
START_TEST(test_b64_all_lengths)
{
    unsigned char raw[64];
    size_t n, i;
    for (i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(i * 37 + 11);
    for (n = 0; n <= sizeof raw; n++) {
        ddbxo__buf e, d;
        ddbxo_error err;
        ddbxo__buf_init(&e);
        ddbxo__buf_init(&d);
        ck_assert_int_eq(ddbxo__b64_encode(raw, n, &e), 0);
        ck_assert_int_eq(ddbxo__b64_decode((char *)e.p, e.len, &d, &err), 0);
        ck_assert_uint_eq(d.len, n);
        ck_assert_int_eq(n == 0 || memcmp(d.p, raw, n) == 0, 1);
        if (n % 3) {
            /* The symbol before the padding, with its lowest bit flipped. */
            size_t pos = e.len - (n % 3 == 1 ? 3 : 2);
            static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
                                    "mnopqrstuvwxyz0123456789+/";
            const char *at = strchr(a, e.p[pos]);
            e.p[pos] = (unsigned char)a[(at - a) ^ 1];
            ck_assert_int_eq(ddbxo__b64_decode((char *)e.p, e.len, NULL,
                                               &err), -1);
        }
        ddbxo__buf_free(&e);
        ddbxo__buf_free(&d);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("json");
    tcase_add_loop_test(tc, test_round_trip, 0, sizeof round / sizeof roundtrip[0]);
    tcase_add_test(tc, test_item_round_trip);
    tcase_add_loop_test(tc, test_errors, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(tc, test_error_prefix);
    tcase_add_test(tc, test_error_hygiene);
    tcase_add_test(tc, test_error_long_path);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_loop_test(tc, test_strict_lenient, 0,
                        sizeof strict_only / sizeof strict_only[0]);
    tcase_add_test(tc, test_name_length);
    tcase_add_test(tc, test_sample_events);
    tcase_add_test(tc, test_depth);
    tcase_add_test(tc, test_depth_empty);
    tcase_add_test(tc, test_depth_hostile);
    suite_add_tcase(s, tc);

    tc = tcase_create("access");
    tcase_add_test(tc, test_scalar_accessors);
    tcase_add_test(tc, test_container_accessors);
    suite_add_tcase(s, tc);

    tc = tcase_create("build");
    tcase_add_test(tc, test_build_scalars);
    tcase_add_test(tc, test_build_sets);
    tcase_add_test(tc, test_build_containers);
    tcase_add_test(tc, test_build_depth);
    suite_add_tcase(s, tc);

    tc = tcase_create("base64");
    tcase_add_loop_test(tc, test_b64_ok, 0, sizeof b64ok / sizeof b64ok[0]);
    tcase_add_loop_test(tc, test_b64_bad, 0, sizeof b64bad / sizeof b64bad[0]);
    tcase_add_test(tc, test_b64_all_lengths);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
