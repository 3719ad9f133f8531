/* seq, ARN, dedup key v1 and ClientRequestToken, checked against the
 * known-answer vectors in tests/vectors/ (made by an independent Python
 * implementation of docs/format.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "testutil.h"

static json_t *load_vectors(const char *name)
{
    char path[256];
    json_error_t je;
    snprintf(path, sizeof path, "tests/vectors/%s", name);
    json_t *j = json_load_file(path, 0, &je);
    ck_assert_msg(j != NULL, "%s: %s", path, je.text);
    return j;
}

static char *hex(const unsigned char *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", p[i]);
    s[2 * n] = '\0';
    return s;
}

START_TEST(test_seq)
{
    char out[DDBXO_SEQ_BUFSIZE];
    ddbxo_error err;
    ck_assert(ddbxo_seq_valid("1"));
    ck_assert(ddbxo_seq_valid("1234567890123456789012345678901234567890"));
    ck_assert(!ddbxo_seq_valid("12345678901234567890123456789012345678901"));
    ck_assert(!ddbxo_seq_valid(""));
    ck_assert(!ddbxo_seq_valid(NULL));
    ck_assert(!ddbxo_seq_valid("12 "));
    ck_assert(!ddbxo_seq_valid("-1"));
    ck_assert(!ddbxo_seq_valid("1e5"));
    ck_assert_int_lt(ddbxo_seq_compare("999", "1000"), 0);
    ck_assert_int_gt(ddbxo_seq_compare("1000", "999"), 0);
    ck_assert_int_eq(ddbxo_seq_compare("000111", "111"), 0);
    ck_assert_int_lt(ddbxo_seq_compare("300000000000000499659", "400000000000000499660"), 0);
    /* Beyond uint64: 40 digits. */
    ck_assert_int_lt(ddbxo_seq_compare("9999999999999999999999999999999999999998",
                                       "9999999999999999999999999999999999999999"), 0);
    ck_assert_int_eq(ddbxo_seq_compare("0", "0000"), 0);
    ck_assert_int_lt(ddbxo_seq_compare("x", "1"), 0);
    ck_assert_int_eq(ddbxo_seq_pad("111", out, &err), 0);
    ck_assert_str_eq(out, "0000000000000000000000000000000000000111");
    ck_assert_int_eq(ddbxo_seq_pad("1234567890123456789012345678901234567890", out, &err), 0);
    ck_assert_str_eq(out, "1234567890123456789012345678901234567890");
    ck_assert_int_eq(ddbxo_seq_pad("12345678901234567890123456789012345678901", out, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    /* Padded strings sort like the numbers. */
    char a[DDBXO_SEQ_BUFSIZE], b[DDBXO_SEQ_BUFSIZE];
    ddbxo_seq_pad("999", a, NULL);
    ddbxo_seq_pad("1000", b, NULL);
    ck_assert_int_lt(strcmp(a, b), 0);
}
END_TEST

START_TEST(test_arn)
{
    char t[256];
    ddbxo_error err;
    ck_assert_int_eq(ddbxo_arn_table_name(
        "arn:aws:dynamodb:us-east-1:123456789012:table/Example-Table/stream/2016-12-01T00:00:00.000",
        t, sizeof t, &err), 0);
    ck_assert_str_eq(t, "Example-Table");
    ck_assert_int_eq(ddbxo_arn_table_name("arn:aws-cn:dynamodb:cn-north-1:1:table/T", t, sizeof t, &err), 0);
    ck_assert_str_eq(t, "T");
    ck_assert_int_eq(ddbxo_arn_table_name("stream-ARN", t, sizeof t, &err), -1);
    ck_assert_int_eq(ddbxo_arn_table_name("arn:aws:s3:::bucket/table/x", t, sizeof t, &err), -1);
    ck_assert_int_eq(ddbxo_arn_table_name("arn:aws:dynamodb:r:1:table/", t, sizeof t, &err), -1);
    ck_assert_int_eq(ddbxo_arn_table_name("arn:aws:dynamodb:r:1:table/T/index/I", t, sizeof t, &err), -1);
    ck_assert_int_eq(ddbxo_arn_table_name("arn:aws:dynamodb:r:1:table/LongName", t, 4, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_int_eq(ddbxo_arn_table_name(NULL, t, sizeof t, &err), -1);
}
END_TEST

START_TEST(test_canonical_vectors)
{
    json_t *doc = load_vectors("canonical-v1.json"), *v;
    size_t i;
    ck_assert_int_ge(json_array_size(json_object_get(doc, "vectors")), 20);
    json_array_foreach(json_object_get(doc, "vectors"), i, v) {
        char *text = json_dumps(json_object_get(v, "value"), JSON_COMPACT);
        ddbxo_error err;
        ddbxo_value *val = ddbxo_value_parse(text, strlen(text), DDBXO_VALUE_LENIENT, &err);
        ck_assert_msg(val != NULL, "%s: %s", text, err.message);
        unsigned char *c = NULL;
        size_t n = 0;
        ck_assert_int_eq(ddbxo_value_canonical(val, &c, &n, &err), 0);
        char *h = hex(c, n);
        ck_assert_msg(strcmp(h, json_string_value(json_object_get(v, "canonical_hex"))) == 0,
                      "%s: got %s", json_string_value(json_object_get(v, "name")), h);
        free(h);
        ddbxo_free(c);
        ddbxo_value_free(val);
        free(text);
    }
    json_decref(doc);
}
END_TEST

START_TEST(test_dedup_vectors)
{
    json_t *doc = load_vectors("dedup-v1.json"), *v;
    size_t i;
    ck_assert_int_ge(json_array_size(json_object_get(doc, "vectors")), 9);
    json_array_foreach(json_object_get(doc, "vectors"), i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *table = json_string_value(json_object_get(v, "source_table"));
        char *text = json_dumps(json_object_get(v, "record"), JSON_COMPACT);
        ddbxo_error err;
        ddbxo_record *r = ddbxo_parse_stream_record(text, strlen(text), &err);
        ck_assert_msg(r != NULL, "%s: %s", name, err.message);
        unsigned char *c = NULL;
        size_t n = 0;
        ck_assert_int_eq(ddbxo_dedup_canonical(r, table, &c, &n, &err), 0);
        char *h = hex(c, n);
        ck_assert_msg(strcmp(h, json_string_value(json_object_get(v, "canonical_hex"))) == 0,
                      "%s: canonical %s", name, h);
        char key[DDBXO_DEDUP_KEY_BUFSIZE];
        ck_assert_int_eq(ddbxo_dedup_key(r, table, key, &err), 0);
        ck_assert_str_eq(key, json_string_value(json_object_get(v, "dedup_key")));
        free(h);
        ddbxo_free(c);
        ddbxo_record_free(r);
        free(text);
    }
    json_array_foreach(json_object_get(doc, "tokens"), i, v) {
        json_t *ks = json_object_get(v, "dedup_keys");
        const char *keys[8];
        size_t n = json_array_size(ks);
        for (size_t k = 0; k < n; k++)
            keys[k] = json_string_value(json_array_get(ks, k));
        char tok[DDBXO_TOKEN_BUFSIZE];
        ddbxo_error err;
        ck_assert_int_eq(ddbxo_client_request_token(keys, n, tok, &err), 0);
        ck_assert_uint_eq(strlen(tok), DDBXO_TOKEN_LEN);
        ck_assert_str_eq(tok, json_string_value(json_object_get(v, "token")));
    }
    json_decref(doc);
}
END_TEST

/* The committed vectors equal what the independent implementation makes. */
START_TEST(test_vectors_current)
{
    const char *venv = getenv("VENV");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s tests/vectors/gen_vectors.py --check",
             venv && *venv ? "\"$VENV/bin/python\"" : "python3");
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_dedup_properties)
{
    ddbxo_error err;
    const char *a = "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"5\"}}";
    const char *b = "{\"eventName\":\"MODIFY\",\"eventID\":\"other\",\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a\"}},"
                    "\"SequenceNumber\":\"0005\",\"NewImage\":{\"x\":{\"N\":\"1\"}}}}";
    const char *c = "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"6\"}}";
    ddbxo_record *ra = ddbxo_parse_stream_record(a, strlen(a), &err);
    ddbxo_record *rb = ddbxo_parse_stream_record(b, strlen(b), &err);
    ddbxo_record *rc = ddbxo_parse_stream_record(c, strlen(c), &err);
    char ka[65], kb[65], kc[65], kd[65];
    /* No eventSourceARN and no table: a clear error, not a guess. */
    ck_assert_int_eq(ddbxo_dedup_key(ra, NULL, ka, &err), -1);
    ck_assert_str_eq(err.path, "eventSourceARN");
    ck_assert_int_eq(ddbxo_dedup_key(ra, "T", ka, &err), 0);
    ck_assert_int_eq(ddbxo_dedup_key(rb, "T", kb, &err), 0);
    ck_assert_int_eq(ddbxo_dedup_key(rc, "T", kc, &err), 0);
    ck_assert_int_eq(ddbxo_dedup_key(ra, "U", kd, &err), 0);
    /* Only table, keys and sequence number count. */
    ck_assert_str_eq(ka, kb);
    ck_assert_str_ne(ka, kc);
    ck_assert_str_ne(ka, kd);
    ck_assert_uint_eq(strlen(ka), 64);

    const char *bad[] = { "ABC" };
    char tok[DDBXO_TOKEN_BUFSIZE];
    ck_assert_int_eq(ddbxo_client_request_token(bad, 1, tok, &err), -1);
    ck_assert_int_eq(ddbxo_client_request_token(NULL, 0, tok, &err), -1);
    const char *one[] = { ka };
    ck_assert_int_eq(ddbxo_client_request_token(one, 1, tok, &err), 0);
    ddbxo_record_free(ra);
    ddbxo_record_free(rb);
    ddbxo_record_free(rc);
}
END_TEST

/* A placeholder eventSourceARN (AWS samples use "stream-ARN") is used as
 * the name itself: deterministic, distinct from real tables. */
START_TEST(test_dedup_placeholder_arn)
{
    size_t len;
    char *data = tu_read_testdata("events/lambda-go__dynamodb-time-window-event.json", &len);
    ddbxo_error err;
    ddbxo_event *ev = ddbxo_parse_stream_event(data, len, &err);
    free(data);
    char k1[65], k2[65];
    ck_assert_int_eq(ddbxo_dedup_key(ddbxo_event_record(ev, 0), NULL, k1, &err), 0);
    ck_assert_int_eq(ddbxo_dedup_key(ddbxo_event_record(ev, 0), "stream-ARN", k2, &err), 0);
    ck_assert_str_eq(k1, k2);
    ddbxo_event_free(ev);
}
END_TEST

static Suite *dedup_suite(void)
{
    Suite *s = suite_create("dedup");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_seq);
    tcase_add_test(tc, test_arn);
    tcase_add_test(tc, test_canonical_vectors);
    tcase_add_test(tc, test_dedup_vectors);
    tcase_add_test(tc, test_vectors_current);
    tcase_add_test(tc, test_dedup_properties);
    tcase_add_test(tc, test_dedup_placeholder_arn);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(dedup_suite)
