/* ddbxo_sides_check without a server: clients are made offline (static
 * credentials; a role is only assumed on first use), and each refusal is
 * checked by the field err.path names and the reason in the message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "testutil.h"

static ddbxo_credentials_provider *g_prov;

static ddbxo_client *side(const char *region, const char *role)
{
    ddbxo_client_config cc;
    ddbxo_error err;
    ddbxo_client *c;
    memset(&cc, 0, sizeof cc);
    cc.region = region;
    cc.credentials = g_prov;
    cc.role_arn = role;
    c = ddbxo_client_new(&cc, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    return c;
}

static void setup(void)
{
    ddbxo_error err;
    g_prov = ddbxo_credentials_provider_static("AKIDEXAMPLE", "secret", NULL,
                                               &err);
    ck_assert_ptr_nonnull(g_prov);
}

static void teardown(void)
{
    ddbxo_credentials_provider_free(g_prov);
}

static void refused(ddbxo_client *s, ddbxo_client *t,
                    const ddbxo_apply_config *a, const char *ckpt,
                    const char *path, const char *why)
{
    ddbxo_error err;
    ck_assert_int_eq(ddbxo_sides_check(s, t, a, ckpt, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_str_eq(err.path, path);
    ck_assert_msg(strstr(err.message, why) != NULL, "'%s' not in: %s", why,
                  err.message);
}

START_TEST(same_side_is_fine)
{
    ddbxo_client *us = side("us-east-1", NULL);
    ddbxo_apply_config a = { 0 };
    ddbxo_error err;
    a.mode = DDBXO_MODE_LEDGER;
    a.target_table = "dst";
    a.ledger_table = "led";
    a.source_version_attr = "v";
    a.park_queue_url = "https://sqs.us-east-1.amazonaws.com/1/q";
    ck_assert_int_eq(ddbxo_sides_check(us, NULL, &a, "ckpt", &err), 0);
    ck_assert_int_eq(ddbxo_sides_check(us, us, &a, "ckpt", &err), 0);
    /* Both as ARNs of one account and region: fine. */
    a.target_table = "arn:aws:dynamodb:us-east-1:222222222222:table/dst";
    a.ledger_table = "arn:aws:dynamodb:us-east-1:222222222222:table/led";
    a.source_version_attr = NULL;
    ck_assert_int_eq(ddbxo_sides_check(us, us, &a, NULL, &err), 0);
    ddbxo_client_free(us);
}
END_TEST

START_TEST(refusals)
{
    ddbxo_client *us = side("us-east-1", NULL), *eu = side("eu-west-1", NULL),
                 *role = side("us-east-1", "arn:aws:iam::2:role/r");
    ddbxo_apply_config a = { 0 };
    ddbxo_error err;

    a.target_table = "dst";
    a.mode = DDBXO_MODE_LEDGER;
    a.ledger_table = "arn:aws:dynamodb:us-east-1:1:table/led";
    refused(us, eu, &a, NULL, "ledger_table", "cannot span regions");
    a.target_table = "arn:aws:dynamodb:eu-west-1:1:table/dst";
    a.ledger_table = "arn:aws:dynamodb:eu-west-1:2:table/led";
    refused(us, eu, &a, NULL, "ledger_table", "cannot span accounts");
    a.ledger_table = "led";
    refused(us, eu, &a, NULL, "ledger_table", "cannot span accounts");
    a.mode = DDBXO_MODE_REPLICATE;        /* no ledger in replicate mode */
    ck_assert_int_eq(ddbxo_sides_check(us, eu, &a, NULL, &err), 0);

    a.target_table = "arn:aws:dynamodb:ap-south-1:1:table/dst";
    refused(us, eu, &a, NULL, "target_table", "ap-south-1");
    a.target_table = "arn:aws:s3:::bucket";
    refused(us, eu, &a, NULL, "target_table", "not a DynamoDB table ARN");

    a.target_table = "dst";
    a.source_version_attr = "v";
    refused(us, eu, &a, NULL, "source_version_attr", "cannot span regions");
    refused(us, role, &a, NULL, "source_version_attr", "another account");
    a.target_table = "arn:aws:dynamodb:us-east-1:2:table/dst";
    refused(us, us, &a, NULL, "source_version_attr", "cannot span");
    a.source_table = "arn:aws:dynamodb:us-east-1:2:table/src";
    ck_assert_int_eq(ddbxo_sides_check(us, us, &a, NULL, &err), 0);
    a.source_table = NULL;
    a.source_version_attr = NULL;
    a.target_table = "dst";

    a.park_queue_url = "https://sqs.us-east-1.amazonaws.com/1/q";
    refused(us, eu, &a, NULL, "park_queue_url", "us-east-1");
    a.park_queue_url = "https://eu-west-1.queue.amazonaws.com/1/q";
    ck_assert_int_eq(ddbxo_sides_check(us, eu, &a, NULL, &err), 0);
    a.park_queue_url = "http://127.0.0.1:4566/000000000000/q";  /* unknown */
    ck_assert_int_eq(ddbxo_sides_check(us, eu, &a, NULL, &err), 0);
    a.park_queue_url = NULL;

    refused(us, eu, &a, "arn:aws:dynamodb:eu-west-1:1:table/c",
            "checkpoint_table", "source side");
    ck_assert_int_eq(ddbxo_sides_check(us, eu, &a,
                                       "arn:aws:dynamodb:us-east-1:1:table/c",
                                       &err), 0);

    ck_assert_int_eq(ddbxo_sides_check(NULL, NULL, &a, NULL, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_str_eq(ddbxo_client_role_arn(role), "arn:aws:iam::2:role/r");
    ck_assert_ptr_null(ddbxo_client_role_arn(us));
    ddbxo_client_free(role);
    ddbxo_client_free(eu);
    ddbxo_client_free(us);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sides");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, same_side_is_fine);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
