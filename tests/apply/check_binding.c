/* What a binding reads from the library (include/ddbxo/sys/binding.h):
 * the constants table agrees with the header and with the enums' own
 * name functions, names go back to values, the throttling class is the
 * retry policy's, and the mode and transform rules every front end
 * shares.  No network. */
#include <stdio.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/binding.h"
#include "ddbxo/sys/redrive.h"
#include "testutil.h"

static long long value_of(const char *name)
{
    long long v = -12345;
    ck_assert_msg(ddbxo_constant_value(name, &v) == 0, "no constant %s",
                  name);
    return v;
}

START_TEST(test_constants_match_the_header)
{
    size_t n = 0;
    const ddbxo_constant *t = ddbxo_constants(&n);
    long long v = 7;
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_gt(n, 60);
    ck_assert_ptr_null(t[n].name);
    ck_assert_ptr_eq(ddbxo_constants(NULL), t);
    /* A sample from every group, against the compiler's view. */
    ck_assert_int_eq(value_of("DDBXO_E_LIMIT"), DDBXO_E_LIMIT);
    ck_assert_int_eq(value_of("DDBXO_E_INTERNAL"), DDBXO_E_INTERNAL);
    ck_assert_int_eq(value_of("DDBXO_FAILED_PERMANENT"),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(value_of("DDBXO_MODE_TRACKER"), DDBXO_MODE_TRACKER);
    ck_assert_int_eq(value_of("DDBXO_SERVICE_SQS"), DDBXO_SERVICE_SQS);
    ck_assert_int_eq(value_of("DDBXO_TYPE_BOOL"), DDBXO_TYPE_BOOL);
    ck_assert_int_eq(value_of("DDBXO_EVENT_REMOVE"), DDBXO_EVENT_REMOVE);
    ck_assert_int_eq(value_of("DDBXO_WRITE_DELETE"), DDBXO_WRITE_DELETE);
    ck_assert_int_eq(value_of("DDBXO_LOG_WARN"), DDBXO_LOG_WARN);
    ck_assert_int_eq(value_of("DDBXO_MAX_WRITES"), DDBXO_MAX_WRITES);
    ck_assert_int_eq(value_of("DDBXO_MAX_TRANSACTION_BYTES"),
                     DDBXO_MAX_TRANSACTION_BYTES);
    ck_assert_int_eq(value_of("DDBXO_DEDUP_KEY_BUFSIZE"),
                     DDBXO_DEDUP_KEY_BUFSIZE);
    ck_assert_int_eq(value_of("DDBXO_ERROR_MESSAGE_BUFSIZE"),
                     sizeof(((ddbxo_error *)0)->message));
    ck_assert_int_eq(value_of("DDBXO_ERROR_AWS_TYPE_BUFSIZE"),
                     sizeof(((ddbxo_error *)0)->aws_type));
    ck_assert_int_eq(value_of("DDBXO_SIZEOF_ERROR"), sizeof(ddbxo_error));
    ck_assert_int_eq(value_of("DDBXO_SIZEOF_APPLY_CONFIG"),
                     sizeof(ddbxo_apply_config));
    ck_assert_int_eq(value_of("DDBXO_SIZEOF_REDRIVE_CONFIG"),
                     sizeof(ddbxo_redrive_config));
    ck_assert_int_eq(ddbxo_constant_value("DDBXO_NO_SUCH", &v), -1);
    ck_assert_int_eq(v, 7);
    ck_assert_int_eq(ddbxo_constant_value(NULL, &v), -1);
    /* Names are unique, every entry has a group, and within an enum's
     * group each value appears once (so value -> name is a function). */
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(t[i].group);
        if (strncmp(t[i].group, "ddbxo_", 6) == 0)
            ck_assert_str_eq(ddbxo_constant_name(t[i].group, t[i].value),
                             t[i].name);
        for (size_t j = i + 1; j < n; j++)
            ck_assert_str_ne(t[i].name, t[j].name);
    }
    ck_assert_str_eq(ddbxo_constant_name("ddbxo_code", 3), "DDBXO_E_LIMIT");
    ck_assert_ptr_null(ddbxo_constant_name("ddbxo_code", 99));
    ck_assert_ptr_null(ddbxo_constant_name("no_group", 1));
    ck_assert_ptr_null(ddbxo_constant_name(NULL, 1));
}
END_TEST

/* Each enum's values: the table's group holds exactly the values the name
 * function knows, and from_name undoes the name function. */
START_TEST(test_enum_names_round_trip)
{
    size_t n = 0, codes = 0, outcomes = 0, modes = 0, services = 0;
    const ddbxo_constant *t = ddbxo_constants(&n);
    for (size_t i = 0; i < n; i++) {
        int v = (int)t[i].value;
        if (strcmp(t[i].group, "ddbxo_code") == 0) {
            codes++;
            ck_assert_str_ne(ddbxo_code_name(v), "unknown");
            ck_assert_int_eq(ddbxo_code_from_name(ddbxo_code_name(v)), v);
        } else if (strcmp(t[i].group, "ddbxo_outcome") == 0) {
            outcomes++;
            ck_assert_str_ne(ddbxo_outcome_name(v), "UNKNOWN");
            ck_assert_int_eq(ddbxo_outcome_from_name(ddbxo_outcome_name(v)),
                             v);
        } else if (strcmp(t[i].group, "ddbxo_mode") == 0) {
            modes++;
            ck_assert_int_eq(ddbxo_mode_from_name(ddbxo_mode_name(v)), v);
        } else if (strcmp(t[i].group, "ddbxo_service") == 0) {
            services++;
            ck_assert_int_eq(ddbxo_service_from_name(
                                 ddbxo_service_name((ddbxo_service)v)), v);
        } else if (strcmp(t[i].group, "ddbxo_write_kind") == 0) {
            ck_assert_int_eq(ddbxo_write_kind_from_name(
                                 ddbxo_write_kind_name(v)), v);
        }
    }
    ck_assert_uint_eq(codes, DDBXO_E_INTERNAL + 1);
    ck_assert_uint_eq(outcomes, DDBXO_OUTCOME_END - 1);
    ck_assert_uint_eq(modes, 3);
    ck_assert_uint_eq(services, 3);
    ck_assert_str_eq(ddbxo_code_name(DDBXO_OUTCOME_END + 10), "unknown");
    ck_assert_int_eq(ddbxo_code_from_name("unknown"), -1);
    ck_assert_int_eq(ddbxo_code_from_name(NULL), -1);
    ck_assert_int_eq(ddbxo_code_from_name("limit"), DDBXO_E_LIMIT);
    ck_assert_int_eq(ddbxo_outcome_from_name("UNKNOWN"), 0);
    ck_assert_int_eq(ddbxo_outcome_from_name("applied"), 0);
    ck_assert_int_eq(ddbxo_service_from_name("streams"),
                     DDBXO_SERVICE_STREAMS);
    ck_assert_int_eq(ddbxo_service_from_name("s3"), -1);
    ck_assert_int_eq(ddbxo_write_kind_from_name("put"), 0);
    ck_assert_int_eq(ddbxo_write_kind_from_name(NULL), 0);
    ck_assert_ptr_null(ddbxo_write_kind_name(0));
    ck_assert_ptr_null(ddbxo_write_kind_name(4));
}
END_TEST

START_TEST(test_throttle_classes)
{
    ddbxo_error err;
    ck_assert_int_eq(ddbxo_aws_type_is_throttle(
                         "ProvisionedThroughputExceededException"), 1);
    ck_assert_int_eq(ddbxo_aws_type_is_throttle("ThrottlingException"), 1);
    ck_assert_int_eq(ddbxo_aws_type_is_throttle(
                         "TransactionInProgressException"), 1);
    ck_assert_int_eq(ddbxo_aws_type_is_throttle("ResourceNotFoundException"),
                     0);
    ck_assert_int_eq(ddbxo_aws_type_is_throttle("InternalServerError"), 0);
    ck_assert_int_eq(ddbxo_aws_type_is_throttle(""), 0);
    ck_assert_int_eq(ddbxo_aws_type_is_throttle(NULL), 0);
    ck_assert_int_eq(ddbxo_aws_type_is_transient("InternalServerError"), 1);
    ck_assert_int_eq(ddbxo_aws_type_is_transient("ThrottlingException"), 0);
    ck_assert_int_eq(ddbxo_aws_type_is_transient(NULL), 0);

    ddbxo_error_clear(&err);
    err.code = DDBXO_E_AWS;
    snprintf(err.aws_type, sizeof err.aws_type, "%s",
             "ProvisionedThroughputExceededException");
    ck_assert_int_eq(ddbxo_error_is_throttle(&err), 1);
    err.code = DDBXO_E_HTTP;       /* the type alone does not make it one */
    ck_assert_int_eq(ddbxo_error_is_throttle(&err), 0);
    err.code = DDBXO_E_AWS;
    snprintf(err.aws_type, sizeof err.aws_type, "%s", "ValidationException");
    ck_assert_int_eq(ddbxo_error_is_throttle(&err), 0);
    ck_assert_int_eq(ddbxo_error_is_throttle(NULL), 0);
}
END_TEST

/* ddbxo_mode_options_check: the shared rules, in their order. */
static int check(const ddbxo_mode_options *o, ddbxo_error *err)
{
    ddbxo_error_clear(err);
    return ddbxo_mode_options_check(o, err);
}

START_TEST(test_mode_options)
{
    static const char *const cli[4] = { "--mode", "--ledger-table",
                                        "--transform", "--aggregate" };
    ddbxo_mode_options o = {0};
    ddbxo_error err;

    ck_assert_int_eq(check(&o, &err), DDBXO_MODE_REPLICATE);
    ck_assert_int_eq(err.code, DDBXO_OK);
    o.transforms = 1;
    ck_assert_int_eq(check(&o, &err), DDBXO_MODE_REPLICATE);

    /* Mode by name and by number. */
    o.mode_name = "sideways";
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_str_eq(err.path, "mode");
    ck_assert_ptr_nonnull(strstr(err.message, "sideways"));
    o.mode_name = "ledger";
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_str_eq(err.path, "ledger_table");
    ck_assert_ptr_nonnull(strstr(err.message, "mode ledger needs "
                                              "ledger_table"));
    o.ledger_table = "";
    ck_assert_int_eq(check(&o, &err), 0);
    o.ledger_table = "l";
    ck_assert_int_eq(check(&o, &err), DDBXO_MODE_LEDGER);
    o.mode_name = NULL;
    o.mode = DDBXO_MODE_TRACKER;
    ck_assert_int_eq(check(&o, &err), DDBXO_MODE_TRACKER);
    o.mode = 7;
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_str_eq(err.path, "mode");
    ck_assert_ptr_nonnull(strstr(err.message, "7"));
    o.mode = DDBXO_MODE_LEDGER;

    /* Transforms: one at most; the aggregate alone and outside
     * replicate. */
    o.transforms = 2;
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_str_eq(err.path, "transform");
    o.transforms = 1;
    o.aggregate = 1;
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_str_eq(err.path, "aggregate");
    ck_assert_int_eq(ddbxo_mode_options_check_transform(&o, &err), -1);
    o.transforms = 0;
    ck_assert_int_eq(check(&o, &err), DDBXO_MODE_LEDGER);
    ck_assert_int_eq(ddbxo_mode_options_check_transform(&o, &err), 0);
    o.mode = DDBXO_MODE_REPLICATE;
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_str_eq(err.path, "aggregate");
    /* A dry run has no mode: only the transform rule applies. */
    ck_assert_int_eq(ddbxo_mode_options_check_transform(&o, &err), 0);

    /* The caller's names, in the path and the message. */
    o.names = cli;
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_str_eq(err.path, "--aggregate");
    ck_assert_str_eq(err.message, "--aggregate needs --mode ledger or "
                                  "tracker: its writes are not idempotent");
    o.aggregate = 0;
    o.mode_name = "tracker";
    o.ledger_table = NULL;
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_str_eq(err.path, "--ledger-table");
    ck_assert_ptr_nonnull(strstr(err.message, "--mode tracker needs "
                                              "--ledger-table"));
    o.aggregate = 1;
    o.transforms = 1;
    ck_assert_int_eq(check(&o, &err), 0);
    ck_assert_str_eq(err.message, "--aggregate and --transform exclude "
                                  "each other");
    ck_assert_int_eq(ddbxo_mode_options_check(NULL, &err), 0);
    ck_assert_int_eq(ddbxo_mode_options_check_transform(NULL, &err), -1);
}
END_TEST

static Suite *binding_suite(void)
{
    Suite *s = suite_create("binding");
    TCase *tc = tcase_create("binding");
    tcase_add_test(tc, test_constants_match_the_header);
    tcase_add_test(tc, test_enum_names_round_trip);
    tcase_add_test(tc, test_throttle_classes);
    tcase_add_test(tc, test_mode_options);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(binding_suite)
