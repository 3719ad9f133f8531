/* `ddbxo init` as a user runs it, against moto: it creates what is
 * missing, reports on what exists without changing it, and names the
 * problems (no stream, a view type the mode cannot work with). */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "clirun.h"
#include "service/ddb.h"
#include "ddbtest.h"
#include "moto.h"
#include "testutil.h"

/* Runs `ddbxo init args...`; *summary = the last stdout line as JSON. */
static int init(const char *const *args, json_t **summary, char **err_out)
{
    const char *argv[24] = { "init" };
    size_t n = 1;
    char *out, *last;
    int rc;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    rc = tu_cli(tu_moto_endpoint(tu_moto_get()), argv, NULL, NULL, &out,
                err_out);
    last = tu_last_line(out);
    *summary = last ? json_loads(last, 0, NULL) : NULL;
    free(last);
    free(out);
    return rc;
}

static json_t *describe(ddbxo_client *c, const char *table)
{
    ddbxo_error err;
    json_t *out = NULL;
    int rc = ddbxo__ddb_describe_table(c, table, 0, &out, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    return out;
}

static const char *ttl_attr(ddbxo_client *c, const char *table)
{
    static char name[128];
    ddbxo_error err;
    json_t *req = json_pack("{s:s}", "TableName", table), *out = NULL;
    int rc = ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "DescribeTimeToLive",
                             req, 0, &out, NULL, &err);
    json_decref(req);
    ck_assert_msg(rc == 0, "%s", err.message);
    const char *s = json_string_value(
        tu_json_at(out, "TimeToLiveDescription.AttributeName"));
    const char *st = json_string_value(
        tu_json_at(out, "TimeToLiveDescription.TimeToLiveStatus"));
    snprintf(name, sizeof name, "%s/%s", s ? s : "-", st ? st : "-");
    json_decref(out);
    return name;
}

static int in_list(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    return 0;
}

START_TEST(creates_missing_tables_then_leaves_them_alone)
{
    ddbxo_client *c = tu_moto_client();
    json_t *sum, *d;
    char *err_text;
    tu_create_table(c, "orders", "id", "S", "line", "N", "NEW_AND_OLD_IMAGES");
    const char *args[] = { "--source-table", "orders", "--target-table",
                           "orders_copy", "--mode", "ledger", "--ledger-table",
                           "ledger", "--checkpoint-table", "ckpt", NULL };
    ck_assert_int_eq(init(args, &sum, &err_text), 0);
    ck_assert_msg(sum != NULL, "no JSON summary; stderr: %s", err_text);
    free(err_text);
    ck_assert(in_list(json_object_get(sum, "created"), "orders_copy"));
    ck_assert(in_list(json_object_get(sum, "created"), "ledger"));
    ck_assert(in_list(json_object_get(sum, "created"), "ckpt"));
    ck_assert_uint_eq(json_array_size(json_object_get(sum, "problems")), 0);
    ck_assert_str_eq(json_string_value(tu_json_at(sum, "source.view_type")),
                     "NEW_AND_OLD_IMAGES");
    json_decref(sum);

    /* The target copies the source's key (both parts, with types). */
    d = describe(c, "orders_copy");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
                         tu_json_at(d, "Table.KeySchema"), 1), "AttributeName")),
                     "line");
    ck_assert_str_eq(json_string_value(tu_json_at(
                         d, "Table.BillingModeSummary.BillingMode")),
                     "PAY_PER_REQUEST");
    json_decref(d);
    ck_assert_str_eq(ttl_attr(c, "orders_copy"), DDBXO_DEFAULT_TTL_ATTR "/ENABLED");
    ck_assert_str_eq(ttl_attr(c, "ledger"), "exp/ENABLED");
    ck_assert_str_eq(ttl_attr(c, "ckpt"), "exp/ENABLED");

    /* Again, with data in the target: nothing is created or changed. */
    tu_put(c, "orders_copy", "{\"id\":{\"S\":\"a\"},\"line\":{\"N\":\"1\"}}");
    ck_assert_int_eq(init(args, &sum, NULL), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(sum, "created")), 0);
    ck_assert(in_list(json_object_get(sum, "existing"), "orders_copy"));
    ck_assert(in_list(json_object_get(sum, "existing"), "ledger"));
    json_decref(sum);
    json_t *item = tu_get(c, "orders_copy",
                          "{\"id\":{\"S\":\"a\"},\"line\":{\"N\":\"1\"}}");
    ck_assert_ptr_nonnull(item);
    json_decref(item);
    tu_client_free(c);
}
END_TEST

START_TEST(reports_streams_the_mode_cannot_use)
{
    ddbxo_client *c = tu_moto_client();
    json_t *sum;
    tu_create_table(c, "nostream", "pk", "S", NULL, NULL, NULL);
    tu_create_table(c, "keysonly", "pk", "S", NULL, NULL, "KEYS_ONLY");
    tu_create_table(c, "newonly", "pk", "S", NULL, NULL, "NEW_IMAGE");

    const char *a1[] = { "--source-table", "nostream", "--target-table", "t1",
                         NULL };
    ck_assert_int_eq(init(a1, &sum, NULL), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(
                              json_object_get(sum, "problems"), 0)),
                          "has no stream"));
    json_decref(sum);

    const char *a2[] = { "--source-table", "keysonly", "--target-table", "t2",
                         NULL };
    ck_assert_int_eq(init(a2, &sum, NULL), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(
                              json_object_get(sum, "problems"), 0)),
                          "KEYS_ONLY"));
    json_decref(sum);

    /* NEW_IMAGE serves replicate, not the aggregate (it needs old images). */
    const char *a3[] = { "--source-table", "newonly", "--target-table", "t3",
                         NULL };
    ck_assert_int_eq(init(a3, &sum, NULL), 0);
    json_decref(sum);
    const char *a4[] = { "--source-table", "newonly", "--target-table", "agg",
                         "--mode", "ledger", "--ledger-table", "l",
                         "--aggregate", "g:amt", NULL };
    ck_assert_int_eq(init(a4, &sum, NULL), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(
                              json_object_get(sum, "problems"), 0)),
                          "NEW_AND_OLD_IMAGES"));
    json_decref(sum);

    /* A source that does not exist: reported, and no target guessed. */
    const char *a5[] = { "--source-table", "missing", "--target-table", "t5",
                         NULL };
    ck_assert_int_eq(init(a5, &sum, NULL), 1);
    ck_assert(json_is_false(tu_json_at(sum, "source.exists")));
    ck_assert_uint_eq(json_array_size(json_object_get(sum, "created")), 0);
    json_decref(sum);
    tu_client_free(c);
}
END_TEST

START_TEST(existing_ledger_with_another_key_is_a_problem)
{
    ddbxo_client *c = tu_moto_client();
    json_t *sum;
    tu_create_table(c, "src", "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, "badledger", "id", "S", NULL, NULL, NULL);
    const char *args[] = { "--source-table", "src", "--target-table", "dst",
                           "--mode", "ledger", "--ledger-table", "badledger",
                           NULL };
    ck_assert_int_eq(init(args, &sum, NULL), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(
                              json_object_get(sum, "problems"), 0)),
                          "pk (S)"));
    json_decref(sum);
    tu_client_free(c);
}
END_TEST

START_TEST(usage_errors)
{
    json_t *sum;
    char *err_text;
    const char *none[] = { NULL };
    const char *no_ledger[] = { "--source-table", "s", "--target-table", "t",
                                "--mode", "ledger", NULL };
    const char *agg_replicate[] = { "--source-table", "s", "--target-table",
                                    "t", "--aggregate", "g:a", NULL };
    const char *bad_key[] = { "--source-table", "s", "--target-table", "t",
                              "--target-key", "id:X", NULL };
    const char *unknown[] = { "--source-table", "s", "--target-table", "t",
                              "--frobnicate", NULL };
    ck_assert_int_eq(init(none, &sum, NULL), 2);
    ck_assert_int_eq(init(no_ledger, &sum, &err_text), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "--ledger-table"));
    free(err_text);
    ck_assert_int_eq(init(agg_replicate, &sum, NULL), 2);
    ck_assert_int_eq(init(bad_key, &sum, NULL), 2);
    ck_assert_int_eq(init(unknown, &sum, &err_text), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "--frobnicate"));
    free(err_text);
}
END_TEST

static Suite *cli_init_suite(void)
{
    Suite *s = suite_create("cli_init");
    TCase *tc = tcase_create("init");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_add_test(tc, creates_missing_tables_then_leaves_them_alone);
    tcase_add_test(tc, reports_streams_the_mode_cannot_use);
    tcase_add_test(tc, existing_ledger_with_another_key_is_a_problem);
    tcase_add_test(tc, usage_errors);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(cli_init_suite)
