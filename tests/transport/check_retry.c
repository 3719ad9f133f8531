/* The retry policy without a network: CRC-32, classes, backoff numbers,
 * the x-amz-retry-after clamp, the quota, the jitter generator. */
#include "transport/http.h"
#include "util/crc32.h"
#include "testutil.h"

#include <stdint.h>
#include <string.h>

static ddbxo_retry_config defaults(void)
{
    ddbxo_retry_config c;
    memset(&c, 0, sizeof c);
    ddbxo__retry_config_resolve(&c);
    return c;
}

START_TEST(crc32_known_answers)
{
    ck_assert_uint_eq(ddbxo__crc32(0, "", 0), 0);
    ck_assert_uint_eq(ddbxo__crc32(0, "123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(ddbxo__crc32(0, "{}", 2), 2745614147u);  /* moto: {} */
    /* Chunked = whole. */
    uint32_t c = ddbxo__crc32(0, "12345", 5);
    ck_assert_uint_eq(ddbxo__crc32(c, "6789", 4), 0xCBF43926u);
}
END_TEST

START_TEST(defaults_are_the_2026_dynamodb_profile)
{
    ddbxo_retry_config c = defaults();
    ck_assert_int_eq(c.max_attempts, 4);
    ck_assert_uint_eq(c.base_transient_ms, 25);
    ck_assert_uint_eq(c.base_throttle_ms, 1000);
    ck_assert_uint_eq(c.max_backoff_ms, 20000);
    ck_assert_uint_eq(c.retry_after_max_ms, 5000);
    ck_assert_uint_eq(c.quota_tokens, 500);
    ck_assert_uint_eq(c.quota_retry_cost, 14);
    ck_assert_uint_eq(c.quota_throttle_cost, 5);
    ck_assert_uint_eq(c.quota_success_refund, 1);
    /* Explicit values are kept. */
    memset(&c, 0, sizeof c);
    c.max_attempts = 1;
    c.base_transient_ms = 7;
    ddbxo__retry_config_resolve(&c);
    ck_assert_int_eq(c.max_attempts, 1);
    ck_assert_uint_eq(c.base_transient_ms, 7);
}
END_TEST

START_TEST(backoff_is_full_jitter_of_capped_exponential)
{
    ddbxo_retry_config c = defaults();
    /* r close to 1 shows the ceiling: base * 2^(n-1). */
    double r = 0.999999;
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_TRANSIENT, 1, r), 24);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_TRANSIENT, 2, r), 49);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_TRANSIENT, 3, r), 99);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 1, 0.5), 500);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 2, 0.5), 1000);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 3, 0.5), 2000);
    /* The 20 s cap applies before the jitter, and huge attempts do not
     * overflow. */
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 6, 0.5), 10000);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 1000, 0.5), 10000);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 3, 0.0), 0);
    /* Out-of-range jitter is treated as 0, never as a longer sleep. */
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 1, 1.0), 0);
    ck_assert_int_eq(ddbxo__retry_backoff_ms(&c, DDBXO__RETRY_THROTTLE, 1, -3), 0);
}
END_TEST

START_TEST(retry_after_is_clamped)
{
    ddbxo_retry_config c = defaults();
    ck_assert_int_eq(ddbxo__retry_after_clamp(&c, 12, -1), 12);     /* absent */
    ck_assert_int_eq(ddbxo__retry_after_clamp(&c, 12, 0), 12);      /* below */
    ck_assert_int_eq(ddbxo__retry_after_clamp(&c, 12, 300), 300);   /* inside */
    ck_assert_int_eq(ddbxo__retry_after_clamp(&c, 12, 5012), 5012);
    ck_assert_int_eq(ddbxo__retry_after_clamp(&c, 12, 60000), 5012);/* above */
    c.flags = DDBXO_RETRY_IGNORE_RETRY_AFTER;
    ck_assert_int_eq(ddbxo__retry_after_clamp(&c, 12, 300), 12);
}
END_TEST

START_TEST(aws_code_takes_text_after_hash_before_colon)
{
    char out[64];
    const char *t = "com.amazonaws.dynamodb.v20120810#ThrottlingException";
    ddbxo__aws_code(t, strlen(t), out, sizeof out);
    ck_assert_str_eq(out, "ThrottlingException");
    t = "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/";
    ddbxo__aws_code(t, strlen(t), out, sizeof out);
    ck_assert_str_eq(out, "ValidationException");
    ddbxo__aws_code("Plain", 5, out, sizeof out);
    ck_assert_str_eq(out, "Plain");
    ddbxo__aws_code("a#b#Code", 8, out, 3);                  /* truncates */
    ck_assert_str_eq(out, "Co");
}
END_TEST

START_TEST(default_classifier_reads_header_then_body)
{
    ddbxo__http_resp r;
    ddbxo_error e;
    char body[] = "{\"__type\":\"com.amazon.coral.service#ThrottlingException\","
                  "\"message\":\"slow down\"}";
    ddbxo__http_resp_init(&r);
    memset(&e, 0, sizeof e);
    r.status = 400;
    r.body = (unsigned char *)body;
    r.body_len = strlen(body);
    /* What a code means is the service layer's (check_ddb_error.c): the
     * transport's default names it and goes by the status alone. */
    ck_assert_int_eq(ddbxo__http_classify_default(NULL, &r, &e),
                     DDBXO__RETRY_NEVER);
    ck_assert_str_eq(e.aws_type, "ThrottlingException");
    /* The header wins over the body. */
    strcpy(r.error_type, "ConditionalCheckFailedException");
    ck_assert_int_eq(ddbxo__http_classify_default(NULL, &r, &e),
                     DDBXO__RETRY_NEVER);
    ck_assert_str_eq(e.aws_type, "ConditionalCheckFailedException");
    /* Non-JSON (moto's XML 403) and 429. */
    r.error_type[0] = '\0';
    r.body = (unsigned char *)"<ErrorResponse/>";
    r.body_len = 16;
    ck_assert_int_eq(ddbxo__http_classify_default(NULL, &r, &e),
                     DDBXO__RETRY_NEVER);
    r.status = 429;
    ck_assert_int_eq(ddbxo__http_classify_default(NULL, &r, NULL),
                     DDBXO__RETRY_THROTTLE);
}
END_TEST

START_TEST(jitter_is_reproducible_and_in_range)
{
    ddbxo__jitter a, b;
    ddbxo__jitter_seed(&a, 42);
    ddbxo__jitter_seed(&b, 42);
    for (int i = 0; i < 10000; i++) {
        double x = ddbxo__jitter_next(&a);
        ck_assert(x >= 0.0 && x < 1.0);
        ck_assert(x == ddbxo__jitter_next(&b));
    }
    ddbxo__jitter_seed(&b, 43);
    ck_assert(ddbxo__jitter_next(&a) != ddbxo__jitter_next(&b));
}
END_TEST

static double half(void *ctx)
{
    (void)ctx;
    return 0.5;
}

START_TEST(quota_costs_and_refunds)
{
    ddbxo_retry_config c;
    ddbxo__http_hooks hk = { .jitter = half };
    ddbxo__retry_policy *p;
    ddbxo__retry_state st;
    int64_t d = -1;
    memset(&c, 0, sizeof c);
    p = ddbxo__retry_policy_new(&c, &hk);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 500);

    /* A transient retry costs 14, a throttling one 5. */
    memset(&st, 0, sizeof st);
    st.attempts = 1;
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_TRANSIENT, -1,
                                         0, INT64_MAX, &d), 0);
    ck_assert_int_eq(d, 12);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 486);
    st.attempts = 2;
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_THROTTLE, -1,
                                         0, INT64_MAX, &d), 0);
    ck_assert_int_eq(d, 1000);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 481);
    /* Success after retries gives back the latest retry's cost. */
    ddbxo__retry_on_success(p, &st);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 486);
    /* First-try success: +1, never above the bucket size. */
    memset(&st, 0, sizeof st);
    ddbxo__retry_on_success(p, &st);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 487);
    for (int i = 0; i < 100; i++)
        ddbxo__retry_on_success(p, &st);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 500);

    /* Attempts, class and deadline are checked before tokens are taken. */
    st.attempts = 4;
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_TRANSIENT, -1,
                                         0, INT64_MAX, &d), DDBXO__STOP_ATTEMPTS);
    st.attempts = 1;
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_NEVER, -1,
                                         0, INT64_MAX, &d), DDBXO__STOP_FINAL);
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_THROTTLE, -1,
                                         100, 600, &d), DDBXO__STOP_DEADLINE);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 500);
    ddbxo__retry_policy_free(p);
}
END_TEST

START_TEST(quota_empties_and_stops_retries)
{
    ddbxo_retry_config c;
    ddbxo__http_hooks hk = { .jitter = half };
    ddbxo__retry_policy *p;
    ddbxo__retry_state st = { .attempts = 1 };
    int64_t d;
    int n = 0;
    memset(&c, 0, sizeof c);
    p = ddbxo__retry_policy_new(&c, &hk);
    /* 500 tokens / 14 = 35 transient retries, then none. */
    while (ddbxo__retry_decide(p, &st, DDBXO__RETRY_TRANSIENT, -1, 0,
                               INT64_MAX, &d) == 0)
        n++;
    ck_assert_int_eq(n, 35);
    ck_assert_int_eq(ddbxo__retry_quota_tokens(p), 10);
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_TRANSIENT, -1, 0,
                                         INT64_MAX, &d), DDBXO__STOP_QUOTA);
    /* Throttling retries are cheaper: two more fit. */
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_THROTTLE, -1, 0,
                                         INT64_MAX, &d), 0);
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_THROTTLE, -1, 0,
                                         INT64_MAX, &d), 0);
    ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_THROTTLE, -1, 0,
                                         INT64_MAX, &d), DDBXO__STOP_QUOTA);
    ddbxo__retry_policy_free(p);

    /* DDBXO_RETRY_NO_QUOTA: never refused. */
    c.flags = DDBXO_RETRY_NO_QUOTA;
    p = ddbxo__retry_policy_new(&c, &hk);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_TRANSIENT, -1,
                                             0, INT64_MAX, &d), 0);
    ddbxo__retry_policy_free(p);
}
END_TEST

START_TEST(seeded_policy_matches_the_generator)
{
    ddbxo_retry_config c;
    ddbxo__retry_policy *p;
    ddbxo__retry_state st = { 0 };
    ddbxo__jitter j;
    int64_t d;
    memset(&c, 0, sizeof c);
    c.jitter_seed = 7;
    p = ddbxo__retry_policy_new(&c, NULL);
    ddbxo__jitter_seed(&j, 7);
    for (int a = 1; a <= 3; a++) {
        st.attempts = a;
        ck_assert_int_eq(ddbxo__retry_decide(p, &st, DDBXO__RETRY_THROTTLE, -1,
                                             0, INT64_MAX, &d), 0);
        int64_t want = (int64_t)(ddbxo__jitter_next(&j) * (1000 << (a - 1)));
        ck_assert_int_eq(d, want);
    }
    ddbxo__retry_policy_free(p);
}
END_TEST

static Suite *retry_suite(void)
{
    Suite *s = suite_create("retry");
    TCase *tc = tcase_create("policy");
    tcase_add_test(tc, crc32_known_answers);
    tcase_add_test(tc, defaults_are_the_2026_dynamodb_profile);
    tcase_add_test(tc, backoff_is_full_jitter_of_capped_exponential);
    tcase_add_test(tc, retry_after_is_clamped);
    tcase_add_test(tc, aws_code_takes_text_after_hash_before_colon);
    tcase_add_test(tc, default_classifier_reads_header_then_body);
    tcase_add_test(tc, jitter_is_reproducible_and_in_range);
    tcase_add_test(tc, quota_costs_and_refunds);
    tcase_add_test(tc, quota_empties_and_stops_retries);
    tcase_add_test(tc, seeded_policy_matches_the_generator);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(retry_suite)
