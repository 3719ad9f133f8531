/* `ddbxo parse` as a user runs it: exit codes and the JSON lines. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

#define CLI "build/ddbxo"

/* Runs a shell command; returns its exit status and stdout lines. */
static int run(const char *cmd, json_t **lines, char **raw)
{
    FILE *p = popen(cmd, "r");
    char buf[65536];
    ck_assert_ptr_nonnull(p);
    *lines = json_array();
    size_t cap = 1 << 16, n = 0;
    char *all = calloc(1, cap);
    while (fgets(buf, sizeof buf, p)) {
        size_t l = strlen(buf);
        if (n + l + 1 > cap)
            all = realloc(all, cap = 2 * (n + l + 1));
        memcpy(all + n, buf, l + 1);
        n += l;
        json_error_t je;
        json_t *j = json_loads(buf, 0, &je);
        ck_assert_msg(j != NULL, "not a JSON line: %s", buf);
        json_array_append_new(*lines, j);
    }
    int st = pclose(p);
    if (raw)
        *raw = all;
    else
        free(all);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const struct { const char *file; int n; } events[] = {
    { "lambda-dotnet__dynamodb-event.json", 2 },
    { "lambda-go__dynamodb-event.json", 2 },
    { "lambda-go__dynamodb-time-window-event.json", 3 },
    { "lambda-java__dynamo_time_window_event.json", 2 },
    { "powertools-python__dynamoStreamEvent.json", 2 },
    { "powertools-ts__dynamodb-base.json", 2 },
    { "powertools-ts__sampleDynamoDBStreamsEvent.json", 2 },
};

START_TEST(test_parse_shared_events)
{
    char cmd[1024];
    json_t *lines, *l;
    size_t i;
    snprintf(cmd, sizeof cmd, CLI " parse --event %s/events/%s", tu_testdata(), events[_i].file);
    ck_assert_int_eq(run(cmd, &lines, NULL), 0);
    ck_assert_int_eq((int)json_array_size(lines), events[_i].n);
    json_array_foreach(lines, i, l) {
        ck_assert_int_eq(json_integer_value(json_object_get(l, "index")), (json_int_t)i);
        ck_assert(json_is_string(json_object_get(l, "eventID")));
        ck_assert(json_is_string(json_object_get(l, "eventName")));
        ck_assert(json_is_string(json_object_get(l, "sequenceNumber")));
        ck_assert(json_is_object(json_object_get(l, "keys")));
        const char *k = json_string_value(json_object_get(l, "dedupKey"));
        ck_assert_msg(k && strlen(k) == 64, "dedupKey missing in %s", events[_i].file);
        ck_assert(json_is_integer(json_object_get(l, "sizeBytes")));
        ck_assert(json_is_boolean(json_object_get(l, "ttlDelete")));
    }
    json_decref(lines);
}
END_TEST

START_TEST(test_parse_fields_and_stdin)
{
    char cmd[1024];
    json_t *lines;
    snprintf(cmd, sizeof cmd, CLI " parse < %s/events/lambda-dotnet__dynamodb-event.json", tu_testdata());
    ck_assert_int_eq(run(cmd, &lines, NULL), 0);
    json_t *r1 = json_array_get(lines, 1);
    ck_assert_str_eq(json_string_value(json_object_get(r1, "eventName")), "REMOVE");
    ck_assert_str_eq(json_string_value(json_object_get(r1, "sequenceNumber")), "1405400000000002063282832");
    ck_assert(json_is_true(json_object_get(r1, "ttlDelete")));
    ck_assert_int_eq(json_integer_value(json_object_get(r1, "sizeBytes")), 54);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
        json_object_get(r1, "keys"), "key"), "S")), "binary");
    json_decref(lines);
}
END_TEST

START_TEST(test_parse_bad_record_keeps_good)
{
    json_t *lines;
    const char *cmd = "printf '%s' '{\"Records\":[{\"eventName\":\"INSERT\",\"eventSourceARN\":\"arn:aws:dynamodb:r:1:table/T/stream/x\","
                      "\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\"}},"
                      "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"pk\":{\"N\":\"1e999\"}},\"SequenceNumber\":\"2\"}}]}'"
                      " | " CLI " parse";
    ck_assert_int_eq(run(cmd, &lines, NULL), 65);
    ck_assert_int_eq((int)json_array_size(lines), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lines, 0), "index")), 0);
    json_t *e = json_object_get(json_array_get(lines, 1), "error");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lines, 1), "index")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(e, "path")), "Records[1].dynamodb.Keys.pk.N");
    ck_assert(json_string_length(json_object_get(e, "message")) > 0);
    json_decref(lines);
}
END_TEST

START_TEST(test_parse_whole_document_errors)
{
    json_t *lines;
    char cmd[1024];
    ck_assert_int_eq(run("printf '{\"Records\":[' | " CLI " parse", &lines, NULL), 65);
    ck_assert_int_eq((int)json_array_size(lines), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lines, 0), "index")), -1);
    json_decref(lines);
    /* The botocore examples file is not an event. */
    snprintf(cmd, sizeof cmd, CLI " parse --event %s/events/botocore__dynamodbstreams-examples-1.json", tu_testdata());
    ck_assert_int_eq(run(cmd, &lines, NULL), 65);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lines, 0), "index")), -1);
    json_decref(lines);
    ck_assert_int_eq(run(CLI " parse --event /nonexistent 2>/dev/null", &lines, NULL), 66);
    json_decref(lines);
}
END_TEST

START_TEST(test_help_and_usage)
{
    char *out;
    json_t *lines;
    FILE *p = popen(CLI " --help", "r");
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    ck_assert_int_eq(WEXITSTATUS(pclose(p)), 0);
    ck_assert_ptr_nonnull(strstr(buf, "parse"));
    p = popen(CLI " parse --help", "r");
    n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    ck_assert_int_eq(WEXITSTATUS(pclose(p)), 0);
    ck_assert_ptr_nonnull(strstr(buf, "--event"));
    (void)out;
    ck_assert_int_eq(run(CLI " parse --bogus 2>/dev/null", &lines, NULL), 2);
    json_decref(lines);
    ck_assert_int_eq(run(CLI " frobnicate 2>/dev/null", &lines, NULL), 2);
    json_decref(lines);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli-parse");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_parse_shared_events, 0, (int)(sizeof events / sizeof events[0]));
    tcase_add_test(tc, test_parse_fields_and_stdin);
    tcase_add_test(tc, test_parse_bad_record_keeps_good);
    tcase_add_test(tc, test_parse_whole_document_errors);
    tcase_add_test(tc, test_help_and_usage);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(cli_suite)
