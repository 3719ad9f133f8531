/* Transforms and the writes they produce (docs/transform.md): the writes'
 * checks, the JSON shape, identity on the shared sample events, the
 * declarative spec and the GROUP:SUM aggregate.  No network. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/value.h"
#include "testutil.h"
#include "transform/transform.h"
#include "value/value.h"

/* ------------------------------------------------------------ helpers */

static json_t *jparse(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    ck_assert_msg(j != NULL, "bad test JSON: %s: %s", je.text, s);
    return j;
}

/* Asserts that JSON text got equals JSON text want (as values). */
#define ck_json_eq(got, want)                                               \
    do {                                                                    \
        json_t *g_ = jparse(got), *w_ = jparse(want);                       \
        ck_assert_msg(json_equal(g_, w_), "got  %s\nwant %s", (got),        \
                      (want));                                              \
        json_decref(g_);                                                    \
        json_decref(w_);                                                    \
    } while (0)

/* A record from its parts (NULL = absent). */
static ddbxo_record *mkrec(const char *event, const char *view,
                           const char *keys, const char *new_img,
                           const char *old_img)
{
    char buf[8192];
    ddbxo_error err;
    int n = snprintf(buf, sizeof buf,
                     "{\"eventID\":\"1\",\"eventName\":\"%s\","
                     "\"eventSource\":\"aws:dynamodb\",\"dynamodb\":{"
                     "\"SequenceNumber\":\"100\",\"Keys\":%s%s%s%s%s%s%s%s}}",
                     event, keys, view ? ",\"StreamViewType\":\"" : "",
                     view ? view : "", view ? "\"" : "",
                     new_img ? ",\"NewImage\":" : "", new_img ? new_img : "",
                     old_img ? ",\"OldImage\":" : "", old_img ? old_img : "");
    ck_assert_int_lt(n, (int)sizeof buf);
    ddbxo_record *r = ddbxo_parse_stream_record(buf, (size_t)n, &err);
    ck_assert_msg(r != NULL, "mkrec: %s", err.message);
    return r;
}

/* Runs t on r; returns the writes' JSON (free) or NULL with *err. */
static char *run(const ddbxo_transform *t, const ddbxo_record *r,
                 ddbxo_error *err)
{
    size_t len = 0;
    ddbxo_error_clear(err);
    char *s = ddbxo_transform_run(t, r, &len, err);
    if (s)
        ck_assert_uint_eq(strlen(s), len);
    return s;
}

static void expect_writes(const ddbxo_transform *t, const ddbxo_record *r,
                          const char *want)
{
    ddbxo_error err;
    char *s = run(t, r, &err);
    ck_assert_msg(s != NULL, "transform failed: %s", err.message);
    ck_json_eq(s, want);
    ddbxo_free(s);
}

static void expect_fail(const ddbxo_transform *t, const ddbxo_record *r,
                        int code, const char *needle)
{
    ddbxo_error err;
    char *s = run(t, r, &err);
    ck_assert_msg(s == NULL, "expected failure, got %s", s);
    ck_assert_int_eq(err.code, code);
    ck_assert_msg(strstr(err.message, needle) != NULL,
                  "message '%s' lacks '%s'", err.message, needle);
}

static ddbxo_transform *spec_ok(const char *json)
{
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_spec(json, strlen(json), &err);
    ck_assert_msg(t != NULL, "spec %s: %s", json, err.message);
    return t;
}

/* ------------------------------------------------------------- writes */

START_TEST(test_writes_put_checks)
{
    struct ddbxo_writes w;
    ddbxo_error err;
    ddbxo__writes_init(&w);

    const char *ok = "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}}";
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, ok, strlen(ok), &err), 0);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 1);

    /* Bad JSON, with a position. */
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, "{\"pk\":", 6, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "invalid JSON"));
    /* The length is honoured (no NUL needed). */
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, ok, 5, &err), -1);
    /* A bad AttributeValue: the path names it. */
    const char *bad_n = "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1x\"}}";
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, bad_n, strlen(bad_n), &err),
                     -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_str_eq(err.path, "Item.n.N");
    /* Strict: an empty set is fine in an image, not in a write. */
    const char *empty_ss = "{\"pk\":{\"S\":\"a\"},\"s\":{\"SS\":[]}}";
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, empty_ss, strlen(empty_ss),
                                      &err), -1);
    ck_assert_ptr_nonnull(strstr(err.path, "Item.s"));
    /* Not a map; an empty map. */
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, "[]", 2, &err), -1);
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, "{}", 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "empty"));
    /* Duplicate keys would mean two things. */
    const char *dup = "{\"pk\":{\"S\":\"a\"},\"pk\":{\"S\":\"b\"}}";
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, dup, strlen(dup), &err), -1);
    /* Table names. */
    ck_assert_int_eq(ddbxo_writes_put(&w, "ab", ok, strlen(ok), &err), -1);
    ck_assert_str_eq(err.path, "TableName");
    ck_assert_int_eq(ddbxo_writes_put(&w, "bad name", ok, strlen(ok), &err),
                     -1);
    ck_assert_int_eq(ddbxo_writes_put(&w, "other_table-1.x", ok, strlen(ok),
                                      &err), 0);
    ck_assert_int_eq(ddbxo_writes_put(
                         &w, "arn:aws:dynamodb:us-east-1:123456789012:table/t",
                         ok, strlen(ok), &err), 0);
    ck_assert_int_eq(ddbxo_writes_put(NULL, NULL, ok, strlen(ok), &err), -1);
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, NULL, 0, &err), -1);
    /* Only the good ones were added. */
    ck_assert_uint_eq(ddbxo_writes_count(&w), 3);
    ddbxo__writes_clear(&w);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 0);
    ddbxo__writes_clear(&w);
    ck_assert_uint_eq(ddbxo_writes_count(NULL), 0);
}
END_TEST

/* ddbxo_writes_update with C strings (JSON arguments take lengths). */
static int upd(ddbxo_writes *w, const char *key, const char *expr,
               const char *names, const char *values, ddbxo_error *err)
{
    return ddbxo_writes_update(w, NULL, key, strlen(key), expr, names,
                               names ? strlen(names) : 0, values,
                               values ? strlen(values) : 0, err);
}

START_TEST(test_writes_key_and_update_checks)
{
    struct ddbxo_writes w;
    ddbxo_error err;
    const char *key = "{\"pk\":{\"S\":\"a\"}}";
    ddbxo__writes_init(&w);

    ck_assert_int_eq(ddbxo_writes_delete(&w, NULL, key, strlen(key), &err), 0);
    /* Keys: non-empty, at most two attributes, S/N/B, not empty strings. */
    ck_assert_int_eq(ddbxo_writes_delete(&w, NULL, "{}", 2, &err), -1);
    ck_assert_str_eq(err.path, "Key");
    ck_assert_ptr_nonnull(strstr(err.message, "key is empty"));
    const char *three = "{\"a\":{\"S\":\"1\"},\"b\":{\"S\":\"2\"},"
                        "\"c\":{\"S\":\"3\"}}";
    ck_assert_int_eq(ddbxo_writes_delete(&w, NULL, three, strlen(three), &err),
                     -1);
    const char *boolk = "{\"a\":{\"BOOL\":true}}";
    ck_assert_int_eq(ddbxo_writes_delete(&w, NULL, boolk, strlen(boolk), &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err.message, "S, N or B"));
    const char *emptys = "{\"a\":{\"S\":\"\"}}";
    ck_assert_int_eq(ddbxo_writes_delete(&w, NULL, emptys, strlen(emptys),
                                         &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "empty key values"));

    /* Update. */
    ck_assert_int_eq(upd(&w, key, "SET #a = :v",
                         "{\"#a\":\"x\"}",
                         "{\":v\":{\"N\":\"1\"}}", &err), 0);
    ck_assert_int_eq(upd(&w, key, "", NULL, NULL, &err),
                     -1);
    ck_assert_str_eq(err.path, "UpdateExpression");
    ck_assert_int_eq(upd(&w, key, NULL, NULL, NULL,
                         &err), -1);
    char *big = malloc(4098);
    memset(big, ' ', 4097);
    memcpy(big, "SET a = :v", 10);
    big[4096] = '\0';           /* exactly 4096 bytes: DynamoDB's limit */
    ck_assert_int_eq(upd(&w, key, big, NULL,
                         "{\":v\":{\"N\":\"1\"}}", &err), 0);
    big[4096] = ' ';
    big[4097] = '\0';
    ck_assert_int_eq(upd(&w, key, big, NULL,
                         "{\":v\":{\"N\":\"1\"}}", &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    free(big);
    ck_assert_int_eq(upd(&w, key, "SET a = :v",
                         "{\"a\":\"x\"}", NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "'#'"));
    ck_assert_int_eq(upd(&w, key, "SET a = :v", NULL,
                         "{\":v\":{\"N\":\"x\"}}", &err), -1);
    ck_assert_str_eq(err.path, "ExpressionAttributeValues.:v.N");
    ck_assert_int_eq(upd(&w, key, "SET a = :v", NULL,
                         "{\"v\":{\"N\":\"1\"}}", &err), -1);
    ck_assert_int_eq(upd(&w, key, "SET a = :v", NULL,
                         "{\":v\":", &err), -1);
    ck_assert_int_eq(upd(&w, "{}", "SET a = :v", NULL,
                         NULL, &err), -1);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 3);
    /* Only len bytes of each JSON argument are read (no NUL needed). */
    const char *kx = "{\"pk\":{\"S\":\"x\"}}GARBAGE";
    const char *vx = "{\":v\":{\"N\":\"1\"}}GARBAGE";
    ck_assert_int_eq(ddbxo_writes_update(&w, NULL, kx, strlen(kx) - 7,
                                         "SET a = :v", NULL, 0, vx,
                                         strlen(vx) - 7, &err), 0);
    ck_assert_int_eq(ddbxo_writes_update(&w, NULL, kx, strlen(kx), "SET a = :v",
                                         NULL, 0, vx, strlen(vx) - 7, &err),
                     -1);
    ck_assert_str_eq(err.path, "Key");
    ck_assert_uint_eq(ddbxo_writes_count(&w), 4);
    /* Empty names/values maps mean "none" (DynamoDB refuses empty ones). */
    ck_assert_int_eq(upd(&w, key, "REMOVE a", "{}", "{}",
                         &err), 0);
    json_t *j = ddbxo__writes_to_json(&w);
    json_t *u = json_object_get(json_array_get(j, 4), "Update");
    ck_assert_ptr_null(json_object_get(u, "ExpressionAttributeNames"));
    ck_assert_ptr_null(json_object_get(u, "ExpressionAttributeValues"));
    json_decref(j);
    ddbxo__writes_clear(&w);
}
END_TEST

START_TEST(test_writes_limit_count)
{
    struct ddbxo_writes w;
    ddbxo_error err;
    const char *key = "{\"pk\":{\"S\":\"a\"}}";
    ddbxo__writes_init(&w);
    for (int i = 0; i < DDBXO_MAX_WRITES; i++)
        ck_assert_int_eq(ddbxo_writes_delete(&w, NULL, key, strlen(key), &err),
                         0);
    ck_assert_int_eq(ddbxo_writes_delete(&w, NULL, key, strlen(key), &err),
                     -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_uint_eq(ddbxo_writes_count(&w), DDBXO_MAX_WRITES);
    ddbxo__writes_clear(&w);
}
END_TEST

/* An item of exactly `size` bytes by DynamoDB's rule: name "k" (1 byte)
 * plus an S value of size - 1 bytes. */
static char *item_of_size(size_t size)
{
    size_t n = size - 1;
    char *s = malloc(n + 32);
    int h = sprintf(s, "{\"k\":{\"S\":\"");
    memset(s + h, 'x', n);
    strcpy(s + h + n, "\"}}");
    return s;
}

START_TEST(test_writes_item_size_boundary)
{
    struct ddbxo_writes w;
    ddbxo_error err;
    ddbxo__writes_init(&w);
    char *at = item_of_size(DDBXO_MAX_ITEM_BYTES);
    char *over = item_of_size(DDBXO_MAX_ITEM_BYTES + 1);
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, at, strlen(at), &err), 0);
    ck_assert_int_eq(ddbxo_writes_put(&w, NULL, over, strlen(over), &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_str_eq(err.message,
                     "Item: item is 409601 bytes; DynamoDB's limit is 409600");
    ck_assert_uint_eq(ddbxo_writes_count(&w), 1);
    free(at);
    free(over);
    ddbxo__writes_clear(&w);
}
END_TEST

static size_t size_of(const char *item)
{
    json_t *j = jparse(item);
    size_t n = ddbxo__item_size(j);
    json_decref(j);
    return n;
}

START_TEST(test_item_size_rule)
{
    /* Name bytes + value by the documented rule. */
    ck_assert_uint_eq(size_of("{\"ab\":{\"S\":\"héllo\"}}"), 2 + 6);
    /* Numbers: leading/trailing zeros trimmed, ceil(digits/2) + 1. */
    ck_assert_uint_eq(size_of("{\"n\":{\"N\":\"123\"}}"), 1 + 3);
    ck_assert_uint_eq(size_of("{\"n\":{\"N\":\"0012.3400\"}}"), 1 + 3);
    ck_assert_uint_eq(size_of("{\"n\":{\"N\":\"1000000\"}}"), 1 + 2);
    ck_assert_uint_eq(size_of("{\"n\":{\"N\":\"0\"}}"), 1 + 1);
    ck_assert_uint_eq(size_of("{\"n\":{\"N\":\"-0.0000012\"}}"), 1 + 2);
    /* Binary: raw bytes ("test" decodes to 3). */
    ck_assert_uint_eq(size_of("{\"b\":{\"B\":\"test\"}}"), 1 + 3);
    ck_assert_uint_eq(size_of("{\"b\":{\"B\":\"AAEqQQ==\"}}"), 1 + 4);
    ck_assert_uint_eq(size_of("{\"b\":{\"B\":\"\"}}"), 1 + 0);
    ck_assert_uint_eq(size_of("{\"t\":{\"BOOL\":true},\"u\":{\"NULL\":true}}"),
                      2 + 2);
    /* Map: 3 + per entry (name + value + 1). */
    ck_assert_uint_eq(size_of("{\"m\":{\"M\":{}}}"), 1 + 3);
    ck_assert_uint_eq(size_of("{\"m\":{\"M\":{\"x\":{\"S\":\"ab\"}}}}"),
                      1 + 3 + (1 + 2 + 1));
    /* List: 3 + per element (value + 1). */
    ck_assert_uint_eq(size_of("{\"l\":{\"L\":[{\"S\":\"ab\"},{\"N\":\"1\"}]}}"),
                      1 + 3 + (2 + 1) + (2 + 1));
    /* Sets like lists (lib/transform/transform.h). */
    ck_assert_uint_eq(size_of("{\"s\":{\"SS\":[\"ab\",\"c\"]}}"),
                      1 + 3 + (2 + 1) + (1 + 1));
}
END_TEST

/* ----------------------------------------------------------- add_json */

START_TEST(test_add_json)
{
    struct ddbxo_writes w;
    ddbxo_error err;
    ddbxo__writes_init(&w);
    const char *one = "{\"Put\":{\"Item\":{\"pk\":{\"S\":\"a\"}}}}";
    ck_assert_int_eq(ddbxo_writes_add_json(&w, one, strlen(one), &err), 0);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 1);

    /* All or nothing: the third write is bad, none of the three stays. */
    const char *three =
        "[{\"Put\":{\"TableName\":\"other\",\"Item\":{\"pk\":{\"S\":\"b\"}}}},"
        " {\"Delete\":{\"Key\":{\"pk\":{\"S\":\"c\"}}}},"
        " {\"Update\":{\"Key\":{\"pk\":{\"S\":\"d\"}},"
        "  \"UpdateExpression\":\"SET x = :x\","
        "  \"ExpressionAttributeValues\":{\":x\":{\"N\":\"NaN\"}}}}]";
    ck_assert_int_eq(ddbxo_writes_add_json(&w, three, strlen(three), &err),
                     -1);
    ck_assert_str_eq(err.path, "[2].Update.ExpressionAttributeValues.:x.N");
    ck_assert_uint_eq(ddbxo_writes_count(&w), 1);

    static const struct { const char *json, *path, *needle; } bad[] = {
        { "[{\"Put\":{\"Item\":{\"a\":{\"N\":\"x\"}}}}]", "[0].Put.Item.a.N",
          "" },
        { "{\"Put\":{\"Item\":{\"pk\":{\"S\":\"a\"}},"
          "\"ConditionExpression\":\"x\"}}", "Put", "ConditionExpression" },
        { "{\"Upsert\":{}}", "Upsert", "unknown write" },
        { "{\"Put\":{},\"Delete\":{}}", "", "exactly one" },
        { "{\"Put\":{}}", "Put.Item", "missing" },
        { "{\"Put\":[]}", "Put", "object" },
        { "{\"Delete\":{\"Key\":{}}}", "Delete.Key", "empty" },
        { "{\"Delete\":{\"TableName\":7,\"Key\":{\"a\":{\"S\":\"1\"}}}}",
          "Delete", "TableName" },
        { "{\"Update\":{\"Key\":{\"a\":{\"S\":\"1\"}}}}",
          "Update.UpdateExpression", "missing" },
        { "{\"Update\":{\"Key\":{\"a\":{\"S\":\"1\"}},"
          "\"UpdateExpression\":5}}", "Update", "UpdateExpression" },
        { "[1]", "[0]", "exactly one" },
        { "\"x\"", "writes", "invalid JSON" },
        { "[", "writes", "invalid JSON" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddbxo_error_clear(&err);
        ck_assert_msg(ddbxo_writes_add_json(&w, bad[i].json,
                                            strlen(bad[i].json), &err) == -1,
                      "%s accepted", bad[i].json);
        ck_assert_int_eq(err.code, DDBXO_E_INVALID);
        ck_assert_msg(strcmp(err.path, bad[i].path) == 0,
                          "%s: path '%s', want '%s'", bad[i].json, err.path,
                          bad[i].path);
        ck_assert_msg(strstr(err.message, bad[i].needle) != NULL,
                      "%s: message '%s' lacks '%s'", bad[i].json, err.message,
                      bad[i].needle);
    }
    ck_assert_uint_eq(ddbxo_writes_count(&w), 1);
    ck_assert_int_eq(ddbxo_writes_add_json(&w, "[]", 2, &err), 0);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 1);
    ddbxo__writes_clear(&w);
}
END_TEST

START_TEST(test_to_json_round_trip)
{
    struct ddbxo_writes w, w2;
    ddbxo_error err;
    const char *in =
        "[{\"Put\":{\"TableName\":\"other\",\"Item\":{\"pk\":{\"S\":\"b\"},"
        "\"l\":{\"L\":[{\"N\":\"1\"},{\"M\":{\"x\":{\"NULL\":true}}}]}}}},"
        "{\"Delete\":{\"Key\":{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"2\"}}}},"
        "{\"Update\":{\"Key\":{\"pk\":{\"B\":\"AAEqQQ==\"}},"
        "\"UpdateExpression\":\"ADD #c :c\","
        "\"ExpressionAttributeNames\":{\"#c\":\"count\"},"
        "\"ExpressionAttributeValues\":{\":c\":{\"N\":\"1\"}}}}]";
    ddbxo__writes_init(&w);
    ddbxo__writes_init(&w2);
    ck_assert_int_eq(ddbxo_writes_add_json(&w, in, strlen(in), &err), 0);
    json_t *j = ddbxo__writes_to_json(&w);
    char *s = json_dumps(j, JSON_COMPACT);
    ck_json_eq(s, in);
    ck_assert_int_eq(ddbxo_writes_add_json(&w2, s, strlen(s), &err), 0);
    json_t *j2 = ddbxo__writes_to_json(&w2);
    ck_assert(json_equal(j, j2));
    /* The apply layer's view of the same writes. */
    ck_assert_int_eq(w.w[0].kind, DDBXO__W_PUT);
    ck_assert_str_eq(w.w[0].table, "other");
    ck_assert_int_eq(w.w[1].kind, DDBXO__W_DELETE);
    ck_assert_ptr_null(w.w[1].table);
    ck_assert_int_eq(w.w[2].kind, DDBXO__W_UPDATE);
    ck_assert_str_eq(w.w[2].update_expr, "ADD #c :c");
    free(s);
    json_decref(j);
    json_decref(j2);
    ddbxo__writes_clear(&w);
    ddbxo__writes_clear(&w2);
}
END_TEST

START_TEST(test_internal_forms_take_references)
{
    struct ddbxo_writes w;
    ddbxo_error err;
    ddbxo__writes_init(&w);
    /* Success and failure both consume the references (ASan/LSan checks). */
    ck_assert_int_eq(ddbxo__writes_put_json(&w, NULL,
                                            jparse("{\"a\":{\"S\":\"1\"}}"),
                                            &err), 0);
    ck_assert_int_eq(ddbxo__writes_put_json(&w, NULL,
                                            jparse("{\"a\":{\"Q\":\"1\"}}"),
                                            &err), -1);
    ck_assert_int_eq(ddbxo__writes_update_json(
                         &w, NULL, jparse("{\"a\":{\"S\":\"1\"}}"), "",
                         jparse("{\"#a\":\"a\"}"), jparse("{}"), &err), -1);
    ck_assert_int_eq(ddbxo__writes_delete_json(&w, "x", jparse("{}"), &err),
                     -1);
    ck_assert_int_eq(ddbxo__writes_put_json(&w, NULL, NULL, &err), -1);
    ck_assert_uint_eq(w.n, 1);
    ddbxo__writes_clear(&w);
}
END_TEST

/* ---------------------------------------------------------- callbacks */

static int cb_two(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                  ddbxo_error *err)
{
    (*(int *)ctx)++;
    const char *k = "{\"pk\":{\"S\":\"x\"}}";
    if (ddbxo_writes_delete(out, NULL, k, strlen(k), err) < 0)
        return -1;
    return ddbxo_writes_put(out, "audit", k, strlen(k), err);
}

static int cb_fail(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                   ddbxo_error *err)
{
    const char *k = "{\"pk\":{\"S\":\"x\"}}";
    ddbxo_writes_delete(out, NULL, k, strlen(k), err);
    if (ctx)
        return -1;              /* fails without saying why */
    ddbxo_error_clear(err);
    err->code = DDBXO_E_INVALID;
    strcpy(err->message, "no customer id");
    return -1;
}

static int cb_skip(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                   ddbxo_error *err)
{
    return 0;
}

START_TEST(test_callback_transforms)
{
    ddbxo_error err;
    int calls = 0;
    ddbxo_record *r = mkrec("INSERT", NULL, "{\"id\":{\"S\":\"1\"}}",
                            "{\"id\":{\"S\":\"1\"}}", NULL);
    ck_assert_ptr_null(ddbxo_transform_new(NULL, NULL, &err));
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);

    ddbxo_transform *t = ddbxo_transform_new(cb_two, &calls, &err);
    ck_assert_int_eq(ddbxo_transform_needs_ledger(t), 0);
    expect_writes(t, r, "[{\"Delete\":{\"Key\":{\"pk\":{\"S\":\"x\"}}}},"
                        "{\"Put\":{\"TableName\":\"audit\","
                        "\"Item\":{\"pk\":{\"S\":\"x\"}}}}]");
    /* ddbxo__transform_run clears what `out` held before. */
    struct ddbxo_writes w;
    ddbxo__writes_init(&w);
    ck_assert_int_eq(ddbxo__transform_run(t, r, &w, &err), 0);
    ck_assert_int_eq(ddbxo__transform_run(t, r, &w, &err), 0);
    ck_assert_uint_eq(w.n, 2);
    ck_assert_int_eq(calls, 3);
    ddbxo_transform_free(t);

    t = ddbxo_transform_new(cb_fail, NULL, &err);
    expect_fail(t, r, DDBXO_E_INVALID, "no customer id");
    ck_assert_int_eq(ddbxo__transform_run(t, r, &w, &err), -1);
    ck_assert_uint_eq(w.n, 0);      /* a failed record leaves no writes */
    ddbxo_transform_free(t);
    t = ddbxo_transform_new(cb_fail, &calls, &err);
    expect_fail(t, r, DDBXO_E_INVALID, "without an error");
    ddbxo_transform_free(t);

    t = ddbxo_transform_new(cb_skip, NULL, &err);
    expect_writes(t, r, "[]");
    ck_assert_int_eq(ddbxo__transform_run(t, NULL, &w, &err), -1);
    ck_assert_int_eq(ddbxo__transform_run(NULL, r, &w, &err), -1);
    ck_assert_ptr_null(ddbxo_transform_run(NULL, r, NULL, &err));
    ddbxo_transform_free(t);
    ddbxo_transform_free(NULL);
    ddbxo__writes_clear(&w);
    ddbxo_record_free(r);
}
END_TEST

/* ----------------------------------------------------------- identity */

static ddbxo_event *event_file(const char *name)
{
    char rel[256];
    size_t len;
    ddbxo_error err;
    snprintf(rel, sizeof rel, "events/%s", name);
    char *data = tu_read_testdata(rel, &len);
    ddbxo_event *ev = ddbxo_parse_stream_event(data, len, &err);
    free(data);
    ck_assert_msg(ev != NULL, "%s: %s", name, err.message);
    return ev;
}

/* The writes of record i as {"Put":{"Item": <NewImage>}} etc. */
static void expect_identity(const ddbxo_transform *t, const ddbxo_record *r)
{
    const char *verb = ddbxo_record_event_name(r) == DDBXO_EVENT_REMOVE
                           ? "Delete" : "Put";
    const ddbxo_value *v = ddbxo_record_event_name(r) == DDBXO_EVENT_REMOVE
                               ? ddbxo_record_keys(r)
                               : ddbxo_record_new_image(r);
    char *img = ddbxo_value_to_json(v, NULL);
    char want[8192];
    snprintf(want, sizeof want, "[{\"%s\":{\"%s\":%s}}]", verb,
             verb[0] == 'D' ? "Key" : "Item", img);
    expect_writes(t, r, want);
    ddbxo_free(img);
}

START_TEST(test_identity_real_events)
{
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_identity(&err);
    ck_assert_int_eq(ddbxo_transform_needs_ledger(t), 0);

    /* INSERT, MODIFY, REMOVE, NEW_AND_OLD_IMAGES. */
    ddbxo_event *ev = event_file("lambda-go__dynamodb-time-window-event.json");
    ck_assert_uint_eq(ddbxo_event_count(ev), 3);
    for (size_t i = 0; i < 3; i++)
        expect_identity(t, ddbxo_event_record(ev, i));
    expect_writes(t, ddbxo_event_record(ev, 2),
                  "[{\"Delete\":{\"Key\":{\"Id\":{\"N\":\"101\"}}}}]");
    ddbxo_event_free(ev);

    ev = event_file("powertools-python__dynamoStreamEvent.json");
    expect_writes(t, ddbxo_event_record(ev, 1),
                  "[{\"Put\":{\"Item\":{\"Message\":{\"S\":\"This item has "
                  "changed\"},\"Id\":{\"N\":\"101\"}}}}]");
    ddbxo_event_free(ev);

    /* A TTL delete under OLD_IMAGE: a delete needs only the Keys. */
    ev = event_file("lambda-dotnet__dynamodb-event.json");
    for (size_t i = 0; i < ddbxo_event_count(ev); i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        if (ddbxo_record_event_name(r) == DDBXO_EVENT_REMOVE)
            expect_identity(t, r);
    }
    ddbxo_event_free(ev);

    /* Lenient in, strict out: this sample's image holds a duplicate BS
     * member and an empty SS, which DynamoDB would refuse in a write. */
    ev = event_file("lambda-go__dynamodb-event.json");
    expect_identity(t, ddbxo_event_record(ev, 0));
    char *s = run(t, ddbxo_event_record(ev, 1), &err);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_msg(strncmp(err.path, "dynamodb.NewImage.", 18) == 0, "%s",
                  err.path);
    ddbxo_event_free(ev);
    ddbxo_transform_free(t);
}
END_TEST

START_TEST(test_identity_keys_only)
{
    ddbxo_error err;
    size_t len;
    ddbxo_transform *t = ddbxo_transform_identity(&err);
    /* botocore's GetRecords example: three KEYS_ONLY records. */
    char *data = tu_read_testdata(
        "events/botocore__dynamodbstreams-examples-1.json", &len);
    json_t *root = json_loadb(data, len, 0, NULL);
    free(data);
    json_t *out = json_object_get(json_array_get(json_object_get(
        json_object_get(root, "examples"), "GetRecords"), 0), "output");
    char *s = json_dumps(out, JSON_COMPACT);
    json_decref(root);
    ddbxo_event *ev = ddbxo_parse_stream_event(s, strlen(s), &err);
    free(s);
    ck_assert_ptr_nonnull(ev);
    expect_fail(t, ddbxo_event_record(ev, 0), DDBXO_E_INVALID, "KEYS_ONLY");
    expect_fail(t, ddbxo_event_record(ev, 1), DDBXO_E_INVALID,
                "NEW_IMAGE or NEW_AND_OLD_IMAGES");
    /* A REMOVE needs only the keys. */
    expect_identity(t, ddbxo_event_record(ev, 2));
    ddbxo_event_free(ev);

    /* Hand-made record without a view type. */
    ddbxo_record *r = mkrec("MODIFY", NULL, "{\"id\":{\"S\":\"1\"}}", NULL,
                            NULL);
    expect_fail(t, r, DDBXO_E_INVALID, "not given");
    ddbxo_record_free(r);
    ddbxo_transform_free(t);
}
END_TEST

/* --------------------------------------------------------------- spec */

#define KEYS "{\"id\":{\"S\":\"u1\"}}"
#define IMG                                                                \
    "{\"id\":{\"S\":\"u1\"},\"name\":{\"S\":\"Ann\"},\"secret\":"          \
    "{\"S\":\"pw\"},\"age\":{\"N\":\"41\"},\"team\":{\"S\":\"red\"}}"

START_TEST(test_spec_projection_rename_constants)
{
    ddbxo_record *ins = mkrec("INSERT", "NEW_AND_OLD_IMAGES", KEYS, IMG, NULL);
    ddbxo_transform *t;

    /* Re-key only: every attribute plus the new key. */
    t = spec_ok("{\"key\":{\"pk\":\"id\"}}");
    expect_writes(t, ins,
                  "[{\"Put\":{\"Item\":{\"pk\":{\"S\":\"u1\"},\"id\":{\"S\":"
                  "\"u1\"},\"name\":{\"S\":\"Ann\"},\"secret\":{\"S\":\"pw\"},"
                  "\"age\":{\"N\":\"41\"},\"team\":{\"S\":\"red\"}}}}]");
    ddbxo_transform_free(t);

    /* Projection + rename + constants + sort key constant + table. */
    t = spec_ok("{\"key\":{\"pk\":\"id\",\"sk\":{\"const\":{\"S\":\"PROFILE\"}}},"
                "\"project\":[\"name\",\"age\"],"
                "\"rename\":{\"name\":\"full_name\"},"
                "\"constants\":{\"kind\":{\"S\":\"user\"},\"v\":{\"N\":\"2\"}},"
                "\"table\":\"profiles\"}");
    expect_writes(t, ins,
                  "[{\"Put\":{\"TableName\":\"profiles\",\"Item\":{"
                  "\"pk\":{\"S\":\"u1\"},\"sk\":{\"S\":\"PROFILE\"},"
                  "\"full_name\":{\"S\":\"Ann\"},\"age\":{\"N\":\"41\"},"
                  "\"kind\":{\"S\":\"user\"},\"v\":{\"N\":\"2\"}}}}]");
    ddbxo_transform_free(t);

    /* Exclude; a rename target shadows the source's own attribute of that
     * name; renames may swap. */
    t = spec_ok("{\"key\":{\"id\":\"id\"},\"exclude\":[\"secret\"],"
                "\"rename\":{\"name\":\"team\",\"team\":\"name\"}}");
    expect_writes(t, ins,
                  "[{\"Put\":{\"Item\":{\"id\":{\"S\":\"u1\"},"
                  "\"team\":{\"S\":\"Ann\"},\"name\":{\"S\":\"red\"},"
                  "\"age\":{\"N\":\"41\"}}}}]");
    ddbxo_transform_free(t);
    t = spec_ok("{\"key\":{\"id\":\"id\"},\"rename\":{\"name\":\"team\"}}");
    expect_writes(t, ins,
                  "[{\"Put\":{\"Item\":{\"id\":{\"S\":\"u1\"},"
                  "\"team\":{\"S\":\"Ann\"},\"secret\":{\"S\":\"pw\"},"
                  "\"age\":{\"N\":\"41\"}}}}]");
    ddbxo_transform_free(t);

    /* Key from a non-key attribute; REMOVE finds it in OldImage. */
    t = spec_ok("{\"key\":{\"pk\":\"team\",\"sk\":\"id\"},"
                "\"project\":[\"name\"]}");
    expect_writes(t, ins,
                  "[{\"Put\":{\"Item\":{\"pk\":{\"S\":\"red\"},"
                  "\"sk\":{\"S\":\"u1\"},\"name\":{\"S\":\"Ann\"}}}}]");
    ddbxo_record *rm = mkrec("REMOVE", "NEW_AND_OLD_IMAGES", KEYS, NULL, IMG);
    expect_writes(t, rm,
                  "[{\"Delete\":{\"Key\":{\"pk\":{\"S\":\"red\"},"
                  "\"sk\":{\"S\":\"u1\"}}}}]");
    ddbxo_record_free(rm);
    /* KEYS_ONLY: the REMOVE has no OldImage, a clear error. */
    rm = mkrec("REMOVE", "KEYS_ONLY", KEYS, NULL, NULL);
    expect_fail(t, rm, DDBXO_E_INVALID, "KEYS_ONLY");
    expect_fail(t, rm, DDBXO_E_INVALID, "'team'");
    ddbxo_record_free(rm);
    /* An INSERT without NewImage. */
    ddbxo_record *ko = mkrec("INSERT", "KEYS_ONLY", KEYS, NULL, NULL);
    expect_fail(t, ko, DDBXO_E_INVALID, "KEYS_ONLY");
    ddbxo_record_free(ko);
    /* A key source attribute missing from the image. */
    ddbxo_record *noteam = mkrec("INSERT", "NEW_IMAGE", KEYS,
                                 "{\"id\":{\"S\":\"u1\"}}", NULL);
    expect_fail(t, noteam, DDBXO_E_INVALID, "'team' is missing");
    ddbxo_record_free(noteam);
    /* A key source attribute of a type keys cannot have. */
    ddbxo_record *boolteam = mkrec("INSERT", "NEW_IMAGE", KEYS,
                                   "{\"id\":{\"S\":\"u1\"},"
                                   "\"team\":{\"BOOL\":true}}", NULL);
    expect_fail(t, boolteam, DDBXO_E_INVALID, "S, N or B");
    ddbxo_record_free(boolteam);
    ddbxo_transform_free(t);

    /* REMOVE with the key in Keys works under KEYS_ONLY. */
    t = spec_ok("{\"key\":{\"pk\":\"id\"}}");
    rm = mkrec("REMOVE", "KEYS_ONLY", KEYS, NULL, NULL);
    expect_writes(t, rm, "[{\"Delete\":{\"Key\":{\"pk\":{\"S\":\"u1\"}}}}]");
    ddbxo_record_free(rm);
    ddbxo_transform_free(t);
    ddbxo_record_free(ins);
}
END_TEST

START_TEST(test_spec_filter)
{
    ddbxo_record *ins = mkrec("INSERT", "NEW_IMAGE", KEYS, IMG, NULL);
    ddbxo_record *mod = mkrec("MODIFY", "NEW_IMAGE", KEYS, IMG, NULL);
    ddbxo_record *rm = mkrec("REMOVE", "NEW_IMAGE", KEYS, NULL, NULL);
    ddbxo_transform *t = spec_ok("{\"events\":[\"REMOVE\",\"INSERT\"],"
                                 "\"key\":{\"id\":\"id\"},"
                                 "\"project\":[\"age\"]}");
    expect_writes(t, ins, "[{\"Put\":{\"Item\":{\"id\":{\"S\":\"u1\"},"
                          "\"age\":{\"N\":\"41\"}}}}]");
    expect_writes(t, mod, "[]");
    expect_writes(t, rm, "[{\"Delete\":{\"Key\":{\"id\":{\"S\":\"u1\"}}}}]");
    ddbxo_transform_free(t);
    ddbxo_record_free(ins);
    ddbxo_record_free(mod);
    ddbxo_record_free(rm);
}
END_TEST

static const struct { const char *spec, *path, *needle; } bad_specs[] = {
    { "", "spec", "invalid JSON" },
    { "[]", "spec", "JSON object" },
    { "{\"key\":{\"pk\":\"id\"},\"projection\":[]}", "spec",
      "unknown member 'projection'" },
    { "{}", "spec.key", "missing" },
    { "{\"key\":{}}", "spec.key", "non-empty" },
    { "{\"key\":\"id\"}", "spec.key", "non-empty" },
    { "{\"key\":{\"a\":\"x\",\"b\":\"y\",\"c\":\"z\"}}", "spec.key",
      "sort key" },
    { "{\"key\":{\"pk\":\"\"}}", "spec.key.pk", "non-empty" },
    { "{\"key\":{\"pk\":5}}", "spec.key.pk", "source attribute" },
    { "{\"key\":{\"pk\":{\"value\":{\"S\":\"x\"}}}}", "spec.key.pk",
      "const" },
    { "{\"key\":{\"pk\":{\"const\":{\"BOOL\":true}}}}", "spec.key.pk.const",
      "S, N or B" },
    { "{\"key\":{\"pk\":{\"const\":{\"N\":\"x\"}}}}", "spec.key.pk.const.N",
      "" },
    { "{\"key\":{\"\":\"id\"}}", "spec.key", "empty" },
    { "{\"key\":{\"pk\":\"id\"},\"events\":[]}", "spec.events", "non-empty" },
    { "{\"key\":{\"pk\":\"id\"},\"events\":\"INSERT\"}", "spec.events",
      "array" },
    { "{\"key\":{\"pk\":\"id\"},\"events\":[\"UPSERT\"]}", "spec.events[0]",
      "INSERT" },
    { "{\"key\":{\"pk\":\"id\"},\"events\":[\"INSERT\",\"INSERT\"]}",
      "spec.events[1]", "twice" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":\"a\"}", "spec.project",
      "array" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":[\"a\",\"a\"]}",
      "spec.project[1]", "twice" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":[\"\"]}", "spec.project[0]",
      "non-empty" },
    { "{\"key\":{\"pk\":\"id\"},\"exclude\":[1]}", "spec.exclude[0]",
      "non-empty" },
    { "{\"key\":{\"pk\":\"id\"},\"rename\":[]}", "spec.rename", "object" },
    { "{\"key\":{\"pk\":\"id\"},\"rename\":{\"a\":\"\"}}", "spec.rename.a",
      "non-empty" },
    { "{\"key\":{\"pk\":\"id\"},\"rename\":{\"\":\"a\"}}", "spec.rename",
      "empty" },
    { "{\"key\":{\"pk\":\"id\"},\"constants\":[]}", "spec.constants",
      "object" },
    { "{\"key\":{\"pk\":\"id\"},\"constants\":{\"c\":{\"SS\":[]}}}",
      "spec.constants.c.SS", "" },
    { "{\"key\":{\"pk\":\"id\"},\"table\":7}", "spec.table", "string" },
    { "{\"key\":{\"pk\":\"id\"},\"table\":\"a b\"}", "spec.table",
      "table name" },
    /* Conflicts. */
    { "{\"key\":{\"pk\":\"id\"},\"rename\":{\"a\":\"x\",\"b\":\"x\"}}",
      "spec.rename.b", "two source attributes" },
    { "{\"key\":{\"pk\":\"id\"},\"rename\":{\"a\":\"pk\"}}", "spec.rename.a",
      "key attribute" },
    { "{\"key\":{\"pk\":\"id\"},\"constants\":{\"pk\":{\"S\":\"x\"}}}",
      "spec.constants.pk", "key attribute" },
    { "{\"key\":{\"pk\":\"id\"},\"rename\":{\"a\":\"c\"},"
      "\"constants\":{\"c\":{\"S\":\"x\"}}}", "spec.rename.a", "constant" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":[\"c\"],"
      "\"constants\":{\"c\":{\"S\":\"x\"}}}", "spec.constants.c",
      "projected" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":[\"a\"],\"exclude\":[\"a\"]}",
      "spec.project", "both" },
    { "{\"key\":{\"pk\":\"id\"},\"exclude\":[\"a\"],"
      "\"rename\":{\"a\":\"b\"}}", "spec.rename.a", "exclude" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":[\"b\"],"
      "\"rename\":{\"a\":\"b\"}}", "spec.rename.a", "project" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":[\"a\",\"b\"],"
      "\"rename\":{\"a\":\"b\"}}", "spec.project", "rename also writes" },
    { "{\"key\":{\"pk\":\"id\"},\"project\":[\"pk\"]}", "spec.project",
      "key attribute" },
    { "{\"key\":{\"pk\":\"id\"},\"key\":{\"pk\":\"id\"}}", "spec",
      "duplicate" },
};

START_TEST(test_spec_parse_errors)
{
    ddbxo_error err;
    ddbxo_error_clear(&err);
    const char *s = bad_specs[_i].spec;
    ddbxo_transform *t = ddbxo_transform_spec(s, strlen(s), &err);
    ck_assert_msg(t == NULL, "spec accepted: %s", s);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_msg(strcmp(err.path, bad_specs[_i].path) == 0,
                  "%s: path '%s', want '%s' (%s)", s, err.path,
                  bad_specs[_i].path, err.message);
    ck_assert_msg(strstr(err.message, bad_specs[_i].needle) != NULL,
                  "%s: message '%s' lacks '%s'", s, err.message,
                  bad_specs[_i].needle);
}
END_TEST

START_TEST(test_spec_null_and_length)
{
    ddbxo_error err;
    ck_assert_ptr_null(ddbxo_transform_spec(NULL, 0, &err));
    /* The length is honoured. */
    const char *s = "{\"key\":{\"pk\":\"id\"}}garbage";
    ddbxo_transform *t = ddbxo_transform_spec(s, strlen(s) - 7, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(ddbxo_transform_needs_ledger(t), 0);
    ddbxo_transform_free(t);
}
END_TEST

/* ---------------------------------------------------------- aggregate */

#define AKEY "{\"id\":{\"S\":\"o1\"}}"

static ddbxo_transform *agg(void)
{
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_aggregate("customer:amount", &err);
    ck_assert_msg(t != NULL, "%s", err.message);
    return t;
}

#define UPD(g, dc, dt)                                                     \
    "{\"Update\":{\"Key\":{\"pk\":{\"S\":\"" g "\"}},"                     \
    "\"UpdateExpression\":\"ADD #c :dc, #t :dt\","                         \
    "\"ExpressionAttributeNames\":{\"#c\":\"item_count\",\"#t\":\"total\"},"\
    "\"ExpressionAttributeValues\":{\":dc\":{\"N\":\"" dc "\"},"           \
    "\":dt\":{\"N\":\"" dt "\"}}}}"
#define UPD_T(g, dt)                                                       \
    "{\"Update\":{\"Key\":{\"pk\":{\"S\":\"" g "\"}},"                     \
    "\"UpdateExpression\":\"ADD #t :dt\","                                 \
    "\"ExpressionAttributeNames\":{\"#t\":\"total\"},"                     \
    "\"ExpressionAttributeValues\":{\":dt\":{\"N\":\"" dt "\"}}}}"

static void agg_case(const char *ev, const char *new_img, const char *old_img,
                     const char *want)
{
    ddbxo_transform *t = agg();
    ddbxo_record *r = mkrec(ev, "NEW_AND_OLD_IMAGES", AKEY, new_img, old_img);
    expect_writes(t, r, want);
    ddbxo_record_free(r);
    ddbxo_transform_free(t);
}

START_TEST(test_aggregate_events)
{
    const char *a = "{\"id\":{\"S\":\"o1\"},\"customer\":{\"S\":\"c1\"},"
                    "\"amount\":{\"N\":\"10.50\"}}";
    const char *a2 = "{\"id\":{\"S\":\"o1\"},\"customer\":{\"S\":\"c1\"},"
                     "\"amount\":{\"N\":\"7.25\"}}";
    const char *b = "{\"id\":{\"S\":\"o1\"},\"customer\":{\"S\":\"c2\"},"
                    "\"amount\":{\"N\":\"3\"}}";
    ddbxo_error err;
    ddbxo_transform *t = agg();
    ck_assert_int_eq(ddbxo_transform_needs_ledger(t), 1);
    ddbxo_transform_free(t);

    agg_case("INSERT", a, NULL, "[" UPD("c1", "1", "10.5") "]");
    agg_case("REMOVE", NULL, a, "[" UPD("c1", "-1", "-10.5") "]");
    /* Same group: only the total moves, by the exact difference. */
    agg_case("MODIFY", a2, a, "[" UPD_T("c1", "-3.25") "]");
    /* Same group and sum: nothing to write (FILTERED). */
    agg_case("MODIFY", a, a, "[]");
    /* Group changed: leave the old, enter the new. */
    agg_case("MODIFY", b, a,
             "[" UPD("c1", "-1", "-10.5") "," UPD("c2", "1", "3") "]");

    /* No GROUP attribute: no group. */
    const char *nog = "{\"id\":{\"S\":\"o1\"},\"amount\":{\"N\":\"5\"}}";
    agg_case("INSERT", nog, NULL, "[]");
    agg_case("MODIFY", a, nog, "[" UPD("c1", "1", "10.5") "]");
    agg_case("MODIFY", nog, a, "[" UPD("c1", "-1", "-10.5") "]");
    /* No SUM attribute: counts, adds 0. */
    const char *nos = "{\"id\":{\"S\":\"o1\"},\"customer\":{\"S\":\"c1\"}}";
    agg_case("INSERT", nos, NULL, "[" UPD("c1", "1", "0") "]");
    agg_case("MODIFY", a, nos, "[" UPD_T("c1", "10.5") "]");
    /* N groups are normalised; B groups are their base64 text. */
    agg_case("INSERT",
             "{\"customer\":{\"N\":\"0042.0\"},\"amount\":{\"N\":\"1e2\"}}",
             NULL, "[" UPD("42", "1", "100") "]");
    agg_case("INSERT",
             "{\"customer\":{\"B\":\"AAEqQQ==\"},\"amount\":{\"N\":\"1\"}}",
             NULL, "[" UPD("AAEqQQ==", "1", "1") "]");
    /* Numbers that print the same share a group: MODIFY from S "42" to N
     * 42.0 stays in group "42". */
    agg_case("MODIFY",
             "{\"customer\":{\"N\":\"42.0\"},\"amount\":{\"N\":\"1\"}}",
             "{\"customer\":{\"S\":\"42\"},\"amount\":{\"N\":\"1\"}}", "[]");

    /* Errors. */
    t = agg();
    ddbxo_record *r = mkrec("INSERT", "NEW_AND_OLD_IMAGES", AKEY,
                            "{\"customer\":{\"S\":\"c1\"},"
                            "\"amount\":{\"S\":\"10\"}}", NULL);
    expect_fail(t, r, DDBXO_E_INVALID, "NewImage.amount");
    ddbxo_record_free(r);
    r = mkrec("INSERT", "NEW_AND_OLD_IMAGES", AKEY,
              "{\"customer\":{\"BOOL\":true}}", NULL);
    expect_fail(t, r, DDBXO_E_INVALID, "S, N or B");
    ddbxo_record_free(r);
    r = mkrec("INSERT", "NEW_AND_OLD_IMAGES", AKEY,
              "{\"customer\":{\"S\":\"\"}}", NULL);
    expect_fail(t, r, DDBXO_E_INVALID, "empty");
    ddbxo_record_free(r);
    r = mkrec("INSERT", "NEW_IMAGE", AKEY, a, NULL);
    expect_fail(t, r, DDBXO_E_INVALID, "NEW_IMAGE");
    ddbxo_record_free(r);
    r = mkrec("REMOVE", "KEYS_ONLY", AKEY, NULL, NULL);
    expect_fail(t, r, DDBXO_E_INVALID, "KEYS_ONLY");
    ddbxo_record_free(r);
    /* No view type (hand-made): the images the event needs must be there. */
    r = mkrec("MODIFY", NULL, AKEY, a, NULL);
    expect_fail(t, r, DDBXO_E_INVALID, "no OldImage");
    ddbxo_record_free(r);
    r = mkrec("REMOVE", NULL, AKEY, NULL, a);
    expect_writes(t, r, "[" UPD("c1", "-1", "-10.5") "]");
    ddbxo_record_free(r);
    /* A delta DynamoDB could not store (39 significant digits). */
    r = mkrec("MODIFY", "NEW_AND_OLD_IMAGES", AKEY,
              "{\"customer\":{\"S\":\"c\"},\"amount\":{\"N\":\"1E30\"}}",
              "{\"customer\":{\"S\":\"c\"},\"amount\":{\"N\":\"1E-9\"}}");
    expect_fail(t, r, DDBXO_E_LIMIT, "significant digits");
    ddbxo_record_free(r);
    ddbxo_transform_free(t);
    (void)err;
}
END_TEST

START_TEST(test_aggregate_spec_errors)
{
    static const char *const bad[] = { "customer", ":amount", "customer:",
                                       ":", "a:b:c", "" };
    ddbxo_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ddbxo_error_clear(&err);
        ck_assert_msg(ddbxo_transform_aggregate(bad[i], &err) == NULL,
                      "'%s' accepted", bad[i]);
        ck_assert_int_eq(err.code, DDBXO_E_INVALID);
        ck_assert_ptr_nonnull(strstr(err.message, "GROUP:SUM"));
    }
    ck_assert_ptr_null(ddbxo_transform_aggregate(NULL, &err));
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
}
END_TEST

static Suite *transform_suite(void)
{
    Suite *s = suite_create("transform");
    TCase *tc = tcase_create("writes");
    tcase_add_test(tc, test_writes_put_checks);
    tcase_add_test(tc, test_writes_key_and_update_checks);
    tcase_add_test(tc, test_writes_limit_count);
    tcase_add_test(tc, test_writes_item_size_boundary);
    tcase_add_test(tc, test_item_size_rule);
    tcase_add_test(tc, test_add_json);
    tcase_add_test(tc, test_to_json_round_trip);
    tcase_add_test(tc, test_internal_forms_take_references);
    suite_add_tcase(s, tc);

    tc = tcase_create("transforms");
    tcase_add_test(tc, test_callback_transforms);
    tcase_add_test(tc, test_identity_real_events);
    tcase_add_test(tc, test_identity_keys_only);
    tcase_add_test(tc, test_spec_projection_rename_constants);
    tcase_add_test(tc, test_spec_filter);
    tcase_add_loop_test(tc, test_spec_parse_errors, 0,
                        (int)(sizeof bad_specs / sizeof bad_specs[0]));
    tcase_add_test(tc, test_spec_null_and_length);
    tcase_add_test(tc, test_aggregate_events);
    tcase_add_test(tc, test_aggregate_spec_errors);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(transform_suite)
