/* Writes in parts (include/ddbxo/sys/binding.h): the library, not a
 * binding, puts a write's members into the TransactItems shape, with the
 * checks of ddbxo_writes_add_json.  No network. */
#include <jansson.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/binding.h"
#include "testutil.h"
#include "transform/transform.h"

#define ITEM "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}"
#define KEY "{\"pk\":{\"S\":\"a\"}}"

static ddbxo_write_parts part(int kind, const char *table, const char *image)
{
    ddbxo_write_parts p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.table = table;
    p.image_json = image;
    p.image_len = image ? strlen(image) : 0;
    return p;
}

static void json_eq(const char *got, const char *want)
{
    json_t *g = json_loads(got, 0, NULL), *w = json_loads(want, 0, NULL);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(json_equal(g, w), "got  %s\nwant %s", got, want);
    json_decref(g);
    json_decref(w);
}

START_TEST(test_parts_json_is_the_add_json_shape)
{
    ddbxo_write_parts p[3];
    ddbxo_error err;
    size_t len = 0;
    char *js;
    p[0] = part(DDBXO_WRITE_PUT, NULL, ITEM);
    p[1] = part(DDBXO_WRITE_UPDATE, "other", KEY);
    p[1].update_expression = "ADD #n :one";
    p[1].names_json = "{\"#n\":\"n\"}";
    p[1].names_len = strlen(p[1].names_json);
    p[1].values_json = "{\":one\":{\"N\":\"1\"}}xx"; /* len excludes xx */
    p[1].values_len = strlen(p[1].values_json) - 2;
    p[2] = part(DDBXO_WRITE_DELETE, NULL, KEY);
    js = ddbxo_write_parts_json(p, 3, &len, &err);
    ck_assert_msg(js != NULL, "%s: %s", err.path, err.message);
    ck_assert_uint_eq(len, strlen(js));
    json_eq(js, "[{\"Put\":{\"Item\":" ITEM "}},"
                "{\"Update\":{\"TableName\":\"other\",\"Key\":" KEY ","
                "\"UpdateExpression\":\"ADD #n :one\","
                "\"ExpressionAttributeNames\":{\"#n\":\"n\"},"
                "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}},"
                "{\"Delete\":{\"Key\":" KEY "}}]");
    {
        /* What it returns, add_json takes as the same writes. */
        struct ddbxo_writes w;
        ddbxo__writes_init(&w);
        ck_assert_int_eq(ddbxo_writes_add_json(&w, js, len, &err), 0);
        ck_assert_uint_eq(ddbxo_writes_count(&w), 3);
        ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 3, &err), 0);
        ck_assert_uint_eq(ddbxo_writes_count(&w), 6);
        ddbxo__writes_clear(&w);
    }
    ddbxo_free(js);
    js = ddbxo_write_parts_json(NULL, 0, &len, &err);
    ck_assert_str_eq(js, "[]");
    ddbxo_free(js);
}
END_TEST

START_TEST(test_parts_refused_all_or_nothing)
{
    struct ddbxo_writes w;
    ddbxo_write_parts p[2];
    ddbxo_error err;
    ddbxo__writes_init(&w);
    p[0] = part(DDBXO_WRITE_PUT, NULL, ITEM);

    /* A bad second write leaves nothing of the first. */
    p[1] = part(DDBXO_WRITE_PUT, NULL, "{\"pk\":{\"N\":\"x\"}}");
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 2, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_msg(strncmp(err.path, "[1].Put.Item", 12) == 0, "%s",
                  err.path);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 0);

    p[1] = part(0, NULL, KEY);                    /* no kind */
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "[1]"));
    p[1] = part(DDBXO_WRITE_DELETE, NULL, KEY);  /* members of an Update */
    p[1].update_expression = "REMOVE x";
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 2, &err), -1);
    ck_assert_str_eq(err.path, "[1].Delete");
    p[1] = part(DDBXO_WRITE_DELETE, NULL, "{\"pk\":");   /* not JSON */
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "invalid JSON"));
    ck_assert_ptr_null(strstr(err.message, "pk"));   /* no item data */
    p[1] = part(DDBXO_WRITE_DELETE, NULL, NULL);     /* no key */
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 2, &err), -1);
    p[1] = part(DDBXO_WRITE_UPDATE, NULL, KEY);      /* no expression */
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 2, &err), -1);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 0);
    ck_assert_ptr_null(ddbxo_write_parts_json(p, 2, NULL, &err));
    ck_assert_int_eq(ddbxo_writes_add_parts(NULL, p, 1, &err), -1);
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, NULL, 1, &err), -1);

    p[1] = part(DDBXO_WRITE_DELETE, "other", KEY);
    ck_assert_int_eq(ddbxo_writes_add_parts(&w, p, 2, &err), 0);
    ck_assert_uint_eq(ddbxo_writes_count(&w), 2);
    ddbxo__writes_clear(&w);
}
END_TEST

START_TEST(test_members_holding_values)
{
    ck_assert_int_eq(ddbxo_write_member_holds_values("Item"), 1);
    ck_assert_int_eq(ddbxo_write_member_holds_values("Key"), 1);
    ck_assert_int_eq(ddbxo_write_member_holds_values(
                         "ExpressionAttributeValues"), 1);
    ck_assert_int_eq(ddbxo_write_member_holds_values(
                         "ExpressionAttributeNames"), 0);
    ck_assert_int_eq(ddbxo_write_member_holds_values("TableName"), 0);
    ck_assert_int_eq(ddbxo_write_member_holds_values("UpdateExpression"), 0);
    ck_assert_int_eq(ddbxo_write_member_holds_values(NULL), 0);
}
END_TEST

static Suite *write_parts_suite(void)
{
    Suite *s = suite_create("write_parts");
    TCase *tc = tcase_create("parts");
    tcase_add_test(tc, test_parts_json_is_the_add_json_shape);
    tcase_add_test(tc, test_parts_refused_all_or_nothing);
    tcase_add_test(tc, test_members_holding_values);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(write_parts_suite)
