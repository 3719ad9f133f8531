/* The target in another region or account, as a user runs it: the real
 * `ddbxo` binary against one moto server.  moto keeps each region's (and
 * each account's) tables apart by the SigV4 scope and the access key, so
 * "another region" is the signing region and "another account" is a role
 * assumed through moto's STS in account 222222222222.  Every run also
 * checks that nothing was written to the target table's namesake on the
 * source side.  The refusals (configurations that cannot be exactly-once)
 * are checked by the flag their message names. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "clirun.h"
#include "ddbtest.h"
#include "fakeenv.h"
#include "moto.h"
#include "testutil.h"

#define SRC "src"
#define DST "dst"
#define LEDGER "led"
#define EU "eu-west-1"
#define OTHER_ROLE "arn:aws:iam::222222222222:role/ddbxo-target"

/* A client on moto in region, optionally assuming role. */
static ddbxo_client *client_in(const char *region, const char *role)
{
    return tu_client_in(tu_moto_endpoint(tu_moto_get()), region, role);
}

static void setup(void)
{
    tu_moto_test_reset();
    tu_mk_tmpdir("ddbxo-cli-sides");
}

static void teardown(void)
{
    tu_rm_tmpdir();
}

/* Items with a group and an amount: puts, overwrites, deletes. */
static void workload(ddbxo_client *c)
{
    char item[160], key[64];
    for (int i = 0; i < 60; i++) {
        int k = i % 17;
        snprintf(item, sizeof item,
                 "{\"pk\":{\"S\":\"i%d\"},\"grp\":{\"S\":\"g%d\"},"
                 "\"amt\":{\"N\":\"%d\"}}", k, k % 3, i * 7 % 50);
        tu_put(c, SRC, item);
        if (i % 9 == 8) {
            snprintf(key, sizeof key, "{\"pk\":{\"S\":\"i%d\"}}", (i * 5) % 17);
            tu_delete(c, SRC, key);
        }
    }
}

/* The source's live items, keyed by pk, without _ddbxo_* attributes. */
static json_t *live(ddbxo_client *c, const char *table)
{
    json_t *items = tu_scan(c, table), *out = json_object(), *it;
    size_t i;
    json_array_foreach(items, i, it) {
        const char *k;
        json_t *v, *copy;
        void *tmp;
        if (json_is_true(tu_json_at(it, "_ddbxo_deleted.BOOL")))
            continue;
        copy = json_object();
        json_object_foreach_safe(it, tmp, k, v)
            if (strncmp(k, "_ddbxo", 6) != 0)
                json_object_set(copy, k, v);
        json_object_set_new(out, json_string_value(tu_json_at(it, "pk.S")), copy);
    }
    json_decref(items);
    return out;
}

static void expect_same(json_t *want, json_t *got)
{
    char *a = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
    char *b = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_str_eq(b, a);
    free(a);
    free(b);
}

static void expect_empty(ddbxo_client *c, const char *table)
{
    json_t *items = tu_scan(c, table);
    ck_assert_msg(json_array_size(items) == 0,
                  "%zu item(s) written to the source region's %s",
                  json_array_size(items), table);
    json_decref(items);
}

static void run_cli(const char *const *argv, tu_cli_result *r)
{
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, NULL, NULL, r);
}

static void expect_ok(tu_cli_result *r)
{
    ck_assert_msg(r->status == 0, "exit %d\nstdout: %s\nstderr: %s",
                  r->status, r->out, r->err);
    ck_assert_int_eq(tu_cli_count(r, "failed"), 0);
}

START_TEST(run_replicates_into_another_region)
{
    ddbxo_client *us = client_in(TU_REGION, NULL), *eu = client_in(EU, NULL);
    tu_cli_result r;
    json_t *want, *got;
    const char *argv[] = { "run", "--source-table", SRC, "--target-table", DST,
                           "--target-region", EU, "--until-idle", "2", NULL };
    tu_create_table(us, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(us, DST, "pk", "S", NULL, NULL, NULL);   /* namesake */
    tu_create_table(eu, DST, "pk", "S", NULL, NULL, NULL);
    workload(us);
    run_cli(argv, &r);
    expect_ok(&r);
    ck_assert_int_eq(tu_cli_count(&r, "records"), (long)tu_stream_count(us, SRC));
    want = live(us, SRC);
    got = live(eu, DST);
    expect_same(want, got);
    expect_empty(us, DST);
    json_decref(want);
    json_decref(got);
    tu_cli_result_free(&r);
    tu_client_free(eu);
    tu_client_free(us);
}
END_TEST

/* Ledger mode with an aggregate: the ledger and the totals in eu-west-1,
 * exact (each record counted once). */
START_TEST(run_aggregates_into_another_region)
{
    ddbxo_client *us = client_in(TU_REGION, NULL), *eu = client_in(EU, NULL);
    tu_cli_result r;
    json_t *src, *items, *it, *want = json_object();
    size_t i;
    const char *k;
    json_t *v;
    const char *argv[] = { "run", "--source-table", SRC, "--target-table", DST,
                           "--mode", "ledger", "--ledger-table", LEDGER,
                           "--aggregate", "grp:amt", "--target-region", EU,
                           "--until-idle", "2", NULL };
    tu_create_table(us, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(us, DST, "pk", "S", NULL, NULL, NULL);
    tu_create_table(us, LEDGER, "pk", "S", NULL, NULL, NULL);
    tu_create_table(eu, DST, "pk", "S", NULL, NULL, NULL);
    tu_create_table(eu, LEDGER, "pk", "S", NULL, NULL, NULL);
    workload(us);
    run_cli(argv, &r);
    expect_ok(&r);
    /* What the source's final state gives, per group. */
    src = live(us, SRC);
    json_object_foreach(src, k, v) {
        const char *g = json_string_value(tu_json_at(v, "grp.S"));
        long amt = strtol(json_string_value(tu_json_at(v, "amt.N")), NULL, 10);
        json_t *t = json_object_get(want, g);
        if (!t) {
            t = json_pack("{s:I,s:I}", "n", (json_int_t)0, "t", (json_int_t)0);
            json_object_set_new(want, g, t);
        }
        json_object_set_new(t, "n", json_integer(json_integer_value(json_object_get(t, "n")) + 1));
        json_object_set_new(t, "t", json_integer(json_integer_value(json_object_get(t, "t")) + amt));
    }
    items = tu_scan(eu, DST);
    ck_assert_int_eq(json_array_size(items), json_object_size(want));
    json_array_foreach(items, i, it) {
        const char *g = json_string_value(tu_json_at(it, "pk.S"));
        json_t *t = json_object_get(want, g);
        ck_assert_msg(t != NULL, "unexpected group %s", g);
        ck_assert_int_eq(strtol(json_string_value(tu_json_at(it, "item_count.N")), NULL, 10),
                         json_integer_value(json_object_get(t, "n")));
        ck_assert_int_eq(strtol(json_string_value(tu_json_at(it, "total.N")), NULL, 10),
                         json_integer_value(json_object_get(t, "t")));
    }
    json_decref(items);
    items = tu_scan(eu, LEDGER);
    ck_assert_int_gt(json_array_size(items), 0);    /* the ledger is there */
    json_decref(items);
    expect_empty(us, DST);
    expect_empty(us, LEDGER);
    json_decref(src);
    json_decref(want);
    tu_cli_result_free(&r);
    tu_client_free(eu);
    tu_client_free(us);
}
END_TEST

/* Another account: the target side assumes a role in account
 * 222222222222 (moto's STS), whose tables are apart from the caller's. */
START_TEST(run_replicates_into_another_account)
{
    ddbxo_client *us = client_in(TU_REGION, NULL), *eu = client_in(EU, NULL),
                 *other = client_in(EU, OTHER_ROLE);
    tu_cli_result r;
    json_t *want, *got;
    char sts[160];
    const char *argv[] = { "run", "--source-table", SRC, "--target-table", DST,
                           "--target-region", EU, "--target-role-arn",
                           OTHER_ROLE, "--target-external-id", "ext-1",
                           "--until-idle", "2", NULL };
    const char *env[] = { sts, NULL };
    snprintf(sts, sizeof sts, "AWS_ENDPOINT_URL_STS=%s",
             tu_moto_endpoint(tu_moto_get()));
    tu_create_table(us, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(eu, DST, "pk", "S", NULL, NULL, NULL);   /* own account */
    tu_create_table(other, DST, "pk", "S", NULL, NULL, NULL);
    workload(us);
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, env, NULL, &r);
    expect_ok(&r);
    want = live(us, SRC);
    got = live(other, DST);
    expect_same(want, got);
    expect_empty(eu, DST);
    json_decref(want);
    json_decref(got);
    tu_cli_result_free(&r);
    tu_client_free(other);
    tu_client_free(eu);
    tu_client_free(us);
}
END_TEST

/* Each refusal names the setting; nothing is run. */
static void expect_refused(const char *const *argv, const char *flag,
                           const char *why)
{
    tu_cli_result r;
    /* apply reads its event before anything else */
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, NULL,
               "{\"Records\":[]}", &r);
    ck_assert_msg(r.status == 2, "%s: exit %d: %s", argv[0], r.status, r.err);
    ck_assert_msg(strstr(r.err, flag) != NULL, "'%s' not named in: %s", flag,
                  r.err);
    ck_assert_msg(strstr(r.err, why) != NULL, "'%s' not in: %s", why, r.err);
    tu_cli_result_free(&r);
}

START_TEST(refusals_name_the_setting)
{
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table", DST,
                            "--mode", "ledger", "--ledger-table",
                            "arn:aws:dynamodb:us-east-1:123456789012:table/led",
                            "--target-region", EU, NULL };
        expect_refused(a, "--ledger-table", "cannot span regions");
    }
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table",
                            "arn:aws:dynamodb:eu-west-1:111111111111:table/dst",
                            "--mode", "tracker", "--ledger-table",
                            "arn:aws:dynamodb:eu-west-1:222222222222:table/led",
                            "--target-region", EU, NULL };
        expect_refused(a, "--ledger-table", "cannot span accounts");
    }
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table",
                            "arn:aws:dynamodb:eu-west-1:111111111111:table/dst",
                            "--mode", "ledger", "--ledger-table", "led",
                            "--target-region", EU, NULL };
        expect_refused(a, "--ledger-table", "cannot span accounts");
    }
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table",
                            "arn:aws:dynamodb:ap-south-1:111111111111:table/dst",
                            "--target-region", EU, NULL };
        expect_refused(a, "--target-table", "ap-south-1");
    }
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table", DST,
                            "--source-version-attr", "v", "--target-region",
                            EU, NULL };
        expect_refused(a, "--source-version-attr", "cannot span regions");
    }
    {
        /* No --target-* flag, but the target table is another account's. */
        const char *a[] = { "run", "--source-table", SRC, "--target-table",
                            "arn:aws:dynamodb:us-east-1:222222222222:table/dst",
                            "--source-version-attr", "v", NULL };
        expect_refused(a, "--source-version-attr", "cannot span");
    }
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table", DST,
                            "--park-queue",
                            "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                            "--target-region", EU, NULL };
        expect_refused(a, "--park-queue", "us-east-1");
    }
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table", DST,
                            "--checkpoint-table",
                            "arn:aws:dynamodb:eu-west-1:123456789012:table/c",
                            "--target-region", EU, NULL };
        expect_refused(a, "--checkpoint-table", "source side");
    }
    {
        const char *a[] = { "run", "--source-table", SRC, "--target-table", DST,
                            "--target-external-id", "x", NULL };
        expect_refused(a, "--target-external-id", "--target-role-arn");
    }
    /* The same checks in apply, redrive and init. */
    {
        const char *a[] = { "apply", "--event", "-", "--target-table", DST,
                            "--source-version-attr", "v", "--target-region",
                            EU, NULL };
        expect_refused(a, "--source-version-attr", "cannot span regions");
    }
    {
        const char *a[] = { "redrive", "--queue-url",
                            "https://sqs.eu-west-1.amazonaws.com/123456789012/p",
                            "--target-table", DST, "--park-queue",
                            "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                            "--target-region", EU, NULL };
        expect_refused(a, "--park-queue", "us-east-1");
    }
    {
        const char *a[] = { "redrive", "--queue-url",
                            "https://sqs.us-east-1.amazonaws.com/123456789012/p",
                            "--target-table", DST, "--target-region", EU, NULL };
        expect_refused(a, "--queue-url", "us-east-1");
    }
    {
        const char *a[] = { "init", "--source-table", SRC, "--target-table", DST,
                            "--mode", "ledger", "--ledger-table",
                            "arn:aws:dynamodb:us-east-1:123456789012:table/led",
                            "--target-region", EU, NULL };
        expect_refused(a, "--ledger-table", "cannot span regions");
    }
}
END_TEST

/* --target-endpoint-url is where the target side's writes go: pointed at
 * a port where nothing listens, apply reads its event and fails every
 * record (retryable), and nothing reaches moto's table. */
START_TEST(target_endpoint_url_routes_the_writes)
{
    ddbxo_client *us = client_in(TU_REGION, NULL);
    tu_cli_result r;
    char *event;
    json_t *left;
    const char *argv[] = { "apply", "--event", "-", "--target-table", DST,
                           "--target-endpoint-url", "http://127.0.0.1:1",
                           "--deadline-ms", "3000", NULL };
    tu_create_table(us, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(us, DST, "pk", "S", NULL, NULL, NULL);
    workload(us);
    event = tu_stream_event(us, SRC, 0, 5);
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, NULL, event, &r);
    ck_assert_msg(r.status == 1, "exit %d: %s%s", r.status, r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "failed"), 5);
    left = tu_scan(us, DST);
    ck_assert_int_eq(json_array_size(left), 0);
    json_decref(left);
    free(event);
    tu_cli_result_free(&r);
    tu_client_free(us);
}
END_TEST

/* init makes the target and ledger tables on the target side and the
 * checkpoint table with the source. */
START_TEST(init_makes_each_table_on_its_side)
{
    ddbxo_client *us = client_in(TU_REGION, NULL), *eu = client_in(EU, NULL);
    tu_cli_result r;
    json_t *t;
    const char *argv[] = { "init", "--source-table", SRC, "--target-table", DST,
                           "--mode", "ledger", "--ledger-table", LEDGER,
                           "--checkpoint-table", "ckpt", "--target-region", EU,
                           NULL };
    tu_create_table(us, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    run_cli(argv, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
    tu_cli_result_free(&r);
    /* DescribeTable through the scan helper: absent tables fail it. */
    t = tu_scan(eu, DST);
    json_decref(t);
    t = tu_scan(eu, LEDGER);
    json_decref(t);
    t = tu_scan(us, "ckpt");
    json_decref(t);
    {
        char *resp = NULL;
        size_t len;
        ddbxo_error err;
        const char *body = "{\"TableName\":\"dst\"}";
        ck_assert_int_eq(ddbxo_call(us, DDBXO_SERVICE_DYNAMODB, "DescribeTable",
                                    body, strlen(body), 0, &resp, &len, &err),
                         -1);
        ck_assert_msg(strcmp(err.aws_type, "ResourceNotFoundException") == 0,
                      "%s / %s", err.aws_type, err.message);
    }
    tu_client_free(eu);
    tu_client_free(us);
}
END_TEST

static Suite *suite(void)
{
    /* The aggregate's totals are concurrent ADDs to one item, which
     * threaded moto can lose (docs/moto-gaps.md): one request at a time,
     * as DynamoDB makes each write atomic. */
    static const tu_moto_opts single = { .single_thread = 1 };
    Suite *s = suite_create("cli-sides");
    tu_moto_suite_opts(&single);
    TCase *tc = tcase_create("moto");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, run_replicates_into_another_region);
    tcase_add_test(tc, run_aggregates_into_another_region);
    tcase_add_test(tc, run_replicates_into_another_account);
    tcase_add_test(tc, refusals_name_the_setting);
    tcase_add_test(tc, init_makes_each_table_on_its_side);
    tcase_add_test(tc, target_endpoint_url_routes_the_writes);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
