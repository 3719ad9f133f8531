/* `ddbxo run` with no keys in the environment, as on EC2: credentials come
 * from fakeimds (a test fake of the IMDSv2 protocol; moto has none) and
 * expire during the run.  The run must refresh them and write everything,
 * with no failed write.  moto (signature checking off) is the DynamoDB
 * and Streams peer. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clirun.h"
#include "ddbtest.h"
#include "fakeenv.h"
#include "fakeimds.h"
#include "moto.h"
#include "testutil.h"

#define SRC "src"
#define DST "dst"

static void setup(void)
{
    tu_moto_test_reset();
    tu_mk_tmpdir("ddbxo-cli-creds");
}

static void teardown(void)
{
    tu_rm_tmpdir();
}

START_TEST(run_refreshes_credentials_that_expire)
{
    ddbxo_client *c = tu_moto_client();
    /* 14 s of life: with the 10 s skew they are usable for 4 s and never
     * "fresh", so every signature asks for new ones, and each set expires
     * while the run goes on. */
    fakeimds *f = fakeimds_start("ec2-role", 14);
    fakeimds_stats st;
    char ep[96];
    tu_cli_result r;
    time_t t0;
    ck_assert_ptr_nonnull(f);
    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    tu_workload(c, SRC, 0, 120, 30);
    snprintf(ep, sizeof ep, "AWS_EC2_METADATA_SERVICE_ENDPOINT=%s",
             fakeimds_url(f));
    {
        const char *argv[] = { "run", "--source-table", SRC, "--target-table",
                               DST, "--until-idle", "6", "--batch-size", "10",
                               NULL };
        const char *env[] = { "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
                              ep, NULL };
        t0 = time(NULL);
        tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, env, NULL, &r);
    }
    ck_assert_msg(r.status == 0, "exit %d\nstdout: %s\nstderr: %s", r.status,
                  r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "failed"), 0);
    ck_assert_int_eq(tu_cli_count(&r, "records"), (long)tu_stream_count(c, SRC));
    /* The run outlived the first credentials... */
    ck_assert_int_ge(time(NULL) - t0, 5);
    fakeimds_get_stats(f, &st);
    /* ...and fetched new ones, every time with an IMDSv2 token. */
    ck_assert_int_ge(st.creds_gets, 2);
    ck_assert_int_ge(st.token_puts, st.creds_gets);
    ck_assert_int_eq(st.unauthorized, 0);
    /* No credential ever reaches the output. */
    ck_assert_ptr_null(strstr(r.err, "SECRETIMDS"));
    ck_assert_ptr_null(strstr(r.out, "SECRETIMDS"));
    tu_expect_replica(c, SRC, DST);
    tu_cli_result_free(&r);
    fakeimds_stop(f);
    tu_client_free(c);
}
END_TEST

/* The other two "no keys" setups the issue names: EKS with IRSA (a web
 * identity token file and a role) and an assume-role profile.  STS is
 * moto's (AWS_ENDPOINT_URL covers it); the role is in moto's default
 * account, so the assumed credentials see the same tables. */
static void run_with_env(const char *const *env)
{
    ddbxo_client *c = tu_moto_client();
    tu_cli_result r;
    const char *argv[] = { "run", "--source-table", SRC, "--target-table",
                           DST, "--until-idle", "1", NULL };
    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, DST, "pk", "S", NULL, NULL, NULL);
    tu_workload(c, SRC, 0, 20, 10);
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, env, NULL, &r);
    ck_assert_msg(r.status == 0, "exit %d\nstdout: %s\nstderr: %s", r.status,
                  r.out, r.err);
    ck_assert_int_eq(tu_cli_count(&r, "failed"), 0);
    ck_assert_int_eq(tu_cli_count(&r, "records"), (long)tu_stream_count(c, SRC));
    tu_expect_replica(c, SRC, DST);
    tu_cli_result_free(&r);
    tu_client_free(c);
}

START_TEST(run_on_eks_with_irsa)
{
    char tok[400];
    snprintf(tok, sizeof tok, "AWS_WEB_IDENTITY_TOKEN_FILE=%s",
             tu_write_file("token", "eyJhbGciOiJSUzI1NiJ9.e30.sig\n"));
    {
        const char *env[] = { "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
                              "AWS_EC2_METADATA_DISABLED=true", tok,
                              "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/irsa",
                              "AWS_ROLE_SESSION_NAME=pod-1", NULL };
        run_with_env(env);
    }
}
END_TEST

START_TEST(run_with_an_assume_role_profile)
{
    char cfg[400], cred[400];
    snprintf(cfg, sizeof cfg, "AWS_CONFIG_FILE=%s",
             tu_write_file("config", "[profile replica]\nregion = us-east-1\n"
                           "role_arn = arn:aws:iam::123456789012:role/replica\n"
                           "source_profile = base\nexternal_id = ext-9\n"));
    snprintf(cred, sizeof cred, "AWS_SHARED_CREDENTIALS_FILE=%s",
             tu_write_file("credentials", "[base]\naws_access_key_id = "
                           "AKIDBASE\naws_secret_access_key = SECRETBASE\n"));
    {
        const char *env[] = { "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
                              "AWS_EC2_METADATA_DISABLED=true", cfg, cred,
                              "AWS_PROFILE=replica", NULL };
        run_with_env(env);
    }
}
END_TEST

START_TEST(run_without_any_credentials_says_what_to_set)
{
    tu_cli_result r;
    const char *argv[] = { "run", "--source-table", SRC, "--target-table", DST,
                           "--until-idle", "1", NULL };
    const char *env[] = { "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
                          "AWS_EC2_METADATA_DISABLED=true", NULL };
    tu_cli_run(tu_moto_endpoint(tu_moto_get()), argv, env, NULL, &r);
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "no AWS credentials"));
    ck_assert_ptr_nonnull(strstr(r.err, "AWS_WEB_IDENTITY_TOKEN_FILE"));
    tu_cli_result_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cli-creds");
    TCase *tc = tcase_create("moto");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, run_refreshes_credentials_that_expire);
    tcase_add_test(tc, run_without_any_credentials_says_what_to_set);
    tcase_add_test(tc, run_on_eks_with_irsa);
    tcase_add_test(tc, run_with_an_assume_role_profile);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
