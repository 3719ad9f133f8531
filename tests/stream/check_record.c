/* record layer: every shared sample event, and hostile input. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/value.h"
#include "stream/record.h"
#include "testutil.h"

static ddbxo_event *parse_file(const char *name, ddbxo_error *err)
{
    char rel[256];
    size_t len;
    snprintf(rel, sizeof rel, "events/%s", name);
    char *data = tu_read_testdata(rel, &len);
    ddbxo_event *ev = ddbxo_parse_stream_event(data, len, err);
    free(data);
    return ev;
}

static ddbxo_event *parse_str(const char *s, ddbxo_error *err)
{
    return ddbxo_parse_stream_event(s, strlen(s), err);
}

/* Keys of a record as compact JSON with sorted keys, for comparisons. */
static char *keys_text(const ddbxo_record *r)
{
    char *raw = ddbxo_value_to_json(ddbxo_record_keys(r), NULL);
    json_t *j = json_loads(raw, 0, NULL);
    ddbxo_free(raw);
    ck_assert_ptr_nonnull(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

struct expect {
    const char *file;
    size_t n;
    struct {
        const char *id, *name, *seq, *view, *keys;
        int64_t size, approx_ms;
        int ttl, has_new, has_old;
    } r[3];
};

static const struct expect samples[] = {
    { "lambda-dotnet__dynamodb-event.json", 2, {
        { "f07f8ca4b0b26cb9c4e5e77e69f274ee", "INSERT", "1405400000000002063282832",
          "NEW_AND_OLD_IMAGES", "{\"key\":{\"S\":\"binary\"},\"val\":{\"S\":\"data\"}}",
          54, 1480642020000LL, 0, 1, 0 },
        { "f07f8ca4b0b26cb9c4e5e77e42f274ee", "REMOVE", "1405400000000002063282832",
          "OLD_IMAGE", "{\"key\":{\"S\":\"binary\"},\"val\":{\"S\":\"data\"}}",
          54, 1480642020000LL, 1, 0, 1 } } },
    /* The first record is an INSERT by the service principal: not a TTL delete. */
    { "lambda-go__dynamodb-event.json", 2, {
        { "f07f8ca4b0b26cb9c4e5e77e69f274ee", "INSERT", "1405400000000002063282832",
          "NEW_AND_OLD_IMAGES", "{\"key\":{\"S\":\"binary\"},\"val\":{\"S\":\"data\"}}",
          54, 1480642020000LL, 0, 1, 0 },
        { "f07f8ca4b0b26cb9c4e5e77e42f274ee", "INSERT", "1405400000000002063282832",
          "NEW_AND_OLD_IMAGES", "{\"key\":{\"S\":\"binary\"},\"val\":{\"S\":\"data\"}}",
          54, 1480642020000LL, 0, 1, 0 } } },
    { "lambda-go__dynamodb-time-window-event.json", 3, {
        { "1", "INSERT", "111", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 26, 1480642020000LL, 0, 1, 0 },
        { "2", "MODIFY", "222", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 59, 1480642020000LL, 0, 1, 1 },
        { "3", "REMOVE", "333", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 38, 1480642020000LL, 0, 0, 1 } } },
    { "lambda-java__dynamo_time_window_event.json", 2, {
        { "1", "INSERT", "111", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 26, -1, 0, 1, 0 },
        { "2", "MODIFY", "222", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 59, -1, 0, 1, 1 } } },
    { "powertools-python__dynamoStreamEvent.json", 2, {
        { "1", "INSERT", "111", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 26, 1693997155000LL, 0, 1, 0 },
        { "2", "MODIFY", "222", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 59, -1, 0, 1, 1 } } },
    { "powertools-ts__dynamodb-base.json", 2, {
        { "1", "INSERT", "111", "NEW_IMAGE", "{\"Id\":{\"N\":\"101\"}}", 26, 1693997155000LL, 0, 1, 0 },
        { "2", "MODIFY", "222", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 59, -1, 0, 1, 1 } } },
    { "powertools-ts__sampleDynamoDBStreamsEvent.json", 2, {
        { "1", "INSERT", "3275880929", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 26, -1, 0, 1, 0 },
        { "1", "INSERT", "8640712661", "NEW_AND_OLD_IMAGES", "{\"Id\":{\"N\":\"101\"}}", 26, -1, 0, 1, 0 } } },
};

START_TEST(test_shared_events)
{
    const struct expect *x = &samples[_i];
    ddbxo_error err;
    ddbxo_event *ev = parse_file(x->file, &err);
    ck_assert_msg(ev != NULL, "%s: %s", x->file, err.message);
    ck_assert_uint_eq(ddbxo_event_count(ev), x->n);
    ck_assert_uint_eq(ddbxo_event_failed_count(ev), 0);
    for (size_t i = 0; i < x->n; i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        ck_assert_msg(r != NULL, "%s[%zu]: %s", x->file, i,
                      ddbxo_event_error(ev, i)->message);
        ck_assert_str_eq(ddbxo_record_event_id(r), x->r[i].id);
        ck_assert_str_eq(ddbxo_record_event_name_str(r), x->r[i].name);
        ck_assert_str_eq(ddbxo_record_sequence_number(r), x->r[i].seq);
        ck_assert_str_eq(ddbxo_record_stream_view_type(r), x->r[i].view);
        ck_assert_int_eq(ddbxo_record_size_bytes(r), x->r[i].size);
        ck_assert_int_eq(ddbxo_record_approx_creation_ms(r), x->r[i].approx_ms);
        ck_assert_int_eq(ddbxo_record_ttl_delete(r), x->r[i].ttl);
        ck_assert_int_eq(ddbxo_record_new_image(r) != NULL, x->r[i].has_new);
        ck_assert_int_eq(ddbxo_record_old_image(r) != NULL, x->r[i].has_old);
        char *k = keys_text(r);
        ck_assert_str_eq(k, x->r[i].keys);
        free(k);
        ck_assert_ptr_null(ddbxo_event_error(ev, i));
    }
    ck_assert_ptr_null(ddbxo_event_record(ev, x->n));
    ddbxo_event_free(ev);
}
END_TEST

/* Every file in the directory is covered by the table above or is the
 * botocore examples file, so a new sample cannot be skipped silently. */
/* The two ways to hold the text give the same records; the copying one
 * lets the caller free (here: overwrite, then free) its text at once, the
 * in-place one reads the caller's text to the end (ASan and valgrind see
 * any read after it is gone). */
START_TEST(test_inplace_and_copy_agree)
{
    static const char *const files[] = {
        "lambda-go__dynamodb-event.json", "powertools-python__dynamoStreamEvent.json",
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char rel[256];
        size_t len, i;
        ddbxo_error err;
        snprintf(rel, sizeof rel, "events/%s", files[f]);
        char *a = tu_read_testdata(rel, &len), *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        memcpy(b, a, len);
        ddbxo_event *copied = ddbxo_parse_stream_event(a, len, &err);
        ck_assert_msg(copied != NULL, "%s", err.message);
        memset(a, 'x', len);
        free(a);
        ddbxo_event *inplace = ddbxo_parse_stream_event_inplace(b, len, &err);
        ck_assert_msg(inplace != NULL, "%s", err.message);
        ck_assert_uint_eq(ddbxo_event_count(copied), ddbxo_event_count(inplace));
        for (i = 0; i < ddbxo_event_count(copied); i++) {
            const ddbxo_record *x = ddbxo_event_record(copied, i);
            const ddbxo_record *y = ddbxo_event_record(inplace, i);
            char *kx, *ky, *jx, *jy;
            ck_assert_ptr_nonnull(x);
            ck_assert_ptr_nonnull(y);
            ck_assert_str_eq(ddbxo_record_sequence_number(x),
                             ddbxo_record_sequence_number(y));
            kx = keys_text(x);
            ky = keys_text(y);
            ck_assert_str_eq(kx, ky);
            jx = ddbxo_record_to_json(x, NULL);
            jy = ddbxo_record_to_json(y, NULL);
            ck_assert_str_eq(jx, jy);
            free(kx);
            free(ky);
            free(jx);
            free(jy);
        }
        ddbxo_event_free(inplace);
        ddbxo_event_free(copied);
        free(b);
    }
}
END_TEST

START_TEST(test_all_files_covered)
{
    char path[512];
    snprintf(path, sizeof path, "%s/events", tu_testdata());
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    ck_assert_msg(d != NULL, "cannot open %s", path);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            n++;
    }
    closedir(d);
    ck_assert_int_eq(n, (int)(sizeof samples / sizeof samples[0]) + 1);
}
END_TEST

/* The botocore examples file is not an event; its GetRecords output is. */
START_TEST(test_botocore_getrecords)
{
    size_t len;
    char *data = tu_read_testdata("events/botocore__dynamodbstreams-examples-1.json", &len);
    ddbxo_error err;
    ddbxo_event *ev = ddbxo_parse_stream_event(data, len, &err);
    ck_assert_ptr_null(ev);
    ck_assert_str_eq(err.path, "Records");
    ck_assert_ptr_nonnull(strstr(err.message, "not a stream event"));

    json_t *root = json_loadb(data, len, 0, NULL);
    free(data);
    json_t *out = json_object_get(json_array_get(json_object_get(
        json_object_get(root, "examples"), "GetRecords"), 0), "output");
    char *s = json_dumps(out, JSON_COMPACT);
    json_decref(root);
    ev = parse_str(s, &err);
    free(s);
    ck_assert_msg(ev != NULL, "%s", err.message);
    ck_assert_uint_eq(ddbxo_event_count(ev), 3);
    ck_assert_int_eq(ddbxo__event_has_next_iterator_field(ev), 1);
    ck_assert_ptr_nonnull(strstr(ddbxo_event_next_iterator(ev), "table/Forum/stream"));
    const char *names[] = { "INSERT", "MODIFY", "REMOVE" };
    const char *seqs[] = { "300000000000000499659", "400000000000000499660",
                           "500000000000000499661" };
    for (size_t i = 0; i < 3; i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(ddbxo_record_event_name_str(r), names[i]);
        ck_assert_str_eq(ddbxo_record_sequence_number(r), seqs[i]);
        ck_assert_str_eq(ddbxo_record_stream_view_type(r), "KEYS_ONLY");
        ck_assert_str_eq(ddbxo_record_aws_region(r), "us-west-2");
        ck_assert_ptr_null(ddbxo_record_event_source_arn(r));
        ck_assert_ptr_null(ddbxo_record_new_image(r));
        ck_assert_int_eq(ddbxo_record_size_bytes(r), 41);
    }
    /* "1.46480646E9" as a string, exponent form. */
    ck_assert_int_eq(ddbxo_record_approx_creation_ms(ddbxo_event_record(ev, 0)), 1464806460000LL);
    ddbxo_event_free(ev);
}
END_TEST

#define REC(dyn) "{\"eventID\":\"e\",\"eventName\":\"INSERT\",\"dynamodb\":" dyn "}"
#define DYN(extra) "{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"111\"" extra "}"

START_TEST(test_single_record_and_shapes)
{
    ddbxo_error err;
    ddbxo_event *ev = parse_str(REC(DYN("")), &err);
    ck_assert_msg(ev != NULL, "%s", err.message);
    ck_assert_uint_eq(ddbxo_event_count(ev), 1);
    ck_assert_int_eq(ddbxo__event_has_next_iterator_field(ev), 0);
    ddbxo_event_free(ev);

    ddbxo_record *r = ddbxo_parse_stream_record(REC(DYN("")), strlen(REC(DYN(""))), &err);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(ddbxo_record_sequence_number(r), "111");
    ck_assert_int_eq(ddbxo_record_size_bytes(r), -1);
    ck_assert_ptr_null(ddbxo_record_stream_view_type(r));
    char *j = ddbxo_record_to_json(r, NULL);
    ck_assert_ptr_nonnull(strstr(j, "\"SequenceNumber\":\"111\""));
    ddbxo_free(j);
    ddbxo_record_free(r);
    ddbxo_record_free(NULL);
    ddbxo_event_free(NULL);

    /* GetRecords of a closed, drained shard: NextShardIterator null. */
    ev = parse_str("{\"Records\":[],\"NextShardIterator\":null}", &err);
    ck_assert_ptr_nonnull(ev);
    ck_assert_uint_eq(ddbxo_event_count(ev), 0);
    ck_assert_int_eq(ddbxo__event_has_next_iterator_field(ev), 1);
    ck_assert_ptr_null(ddbxo_event_next_iterator(ev));
    ddbxo_event_free(ev);
}
END_TEST

START_TEST(test_bom_and_unknown_fields)
{
    const char *doc = "\xEF\xBB\xBF{\"Records\":[" REC(DYN(",\"Foo\":1")) "],"
                      "\"window\":{\"start\":\"x\"},\"state\":{},\"isFinalInvokeForWindow\":false}";
    ddbxo_error err;
    ddbxo_event *ev = parse_str(doc, &err);
    ck_assert_msg(ev != NULL, "%s", err.message);
    ck_assert_ptr_nonnull(ddbxo_event_record(ev, 0));
    ddbxo_event_free(ev);
}
END_TEST

START_TEST(test_approx_forms)
{
    static const struct { const char *v; int64_t ms; } t[] = {
        { "1480642020", 1480642020000LL },
        { "1480642020.5", 1480642020500LL },
        { "1.48064202E9", 1480642020000LL },
        { "\"1678831218.0\"", 1678831218000LL },
        { "1480642020123", 1480642020123LL },     /* milliseconds */
        { "1.480642020123e12", 1480642020123LL },
        { "null", -1 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char doc[256];
        snprintf(doc, sizeof doc, REC(DYN(",\"ApproximateCreationDateTime\":%s")), t[i].v);
        ddbxo_error err;
        ddbxo_event *ev = parse_str(doc, &err);
        ck_assert_ptr_nonnull(ev);
        const ddbxo_record *r = ddbxo_event_record(ev, 0);
        ck_assert_msg(r != NULL, "%s: %s", t[i].v, ddbxo_event_error(ev, 0)->message);
        ck_assert_int_eq(ddbxo_record_approx_creation_ms(r), t[i].ms);
        ddbxo_event_free(ev);
    }
}
END_TEST

START_TEST(test_ttl_identity_spellings)
{
    static const char *ids[] = {
        "{\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"}",
        "{\"Type\":\"Service\",\"PrincipalId\":\"dynamodb.amazonaws.com\"}",
    };
    for (int i = 0; i < 2; i++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "{\"eventName\":\"REMOVE\",\"userIdentity\":%s,\"dynamodb\":" DYN("") "}", ids[i]);
        ddbxo_error err;
        ddbxo_event *ev = parse_str(doc, &err);
        ck_assert_int_eq(ddbxo_record_ttl_delete(ddbxo_event_record(ev, 0)), 1);
        ddbxo_event_free(ev);
    }
    /* A user's REMOVE is not a TTL delete. */
    ddbxo_error err;
    ddbxo_event *ev = parse_str("{\"eventName\":\"REMOVE\",\"userIdentity\":{\"type\":\"Service\","
                                "\"principalId\":\"someone\"},\"dynamodb\":" DYN("") "}", &err);
    ck_assert_int_eq(ddbxo_record_ttl_delete(ddbxo_event_record(ev, 0)), 0);
    ddbxo_event_free(ev);
}
END_TEST

/* Hostile input: (document, expected path or NULL for whole-document
 * failure path, substring of the message). */
static const struct {
    const char *doc, *path, *msg;
    int whole;
} bad[] = {
    { "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":", "", "invalid JSON", 1 },
    { "[1,2]", "", "must be a JSON object", 1 },
    { "{\"Records\":{}}", "Records", "must be an array", 1 },
    { "{\"foo\":1}", "Records", "not a stream event", 1 },
    { "", "", "invalid JSON", 1 },
    { "{\"Records\":[],\"Records\":[]}", "", "invalid JSON", 1 },
    { "{\"Records\":[],\"NextShardIterator\":5}", "NextShardIterator", "string or null", 1 },
    { "{\"Records\":[5]}", "Records[0]", "must be an object", 0 },
    { "{\"Records\":[{\"eventName\":\"UPSERT\",\"dynamodb\":" DYN("") "}]}",
      "Records[0].eventName", "INSERT, MODIFY or REMOVE", 0 },
    { "{\"Records\":[{\"eventName\":3,\"dynamodb\":" DYN("") "}]}",
      "Records[0].eventName", "must be a string", 0 },
    { "{\"Records\":[{\"dynamodb\":" DYN("") "}]}", "Records[0].eventName", "missing", 0 },
    { "{\"Records\":[{\"eventName\":\"INSERT\"}]}", "Records[0].dynamodb", "missing", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}}}") "]}",
      "Records[0].dynamodb.SequenceNumber", "missing", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":111}") "]}",
      "Records[0].dynamodb.SequenceNumber", "must be a string", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"12345678901234567890123456789012345678901\"}") "]}",
      "Records[0].dynamodb.SequenceNumber", "1 to 40", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"12a\"}") "]}",
      "Records[0].dynamodb.SequenceNumber", "1 to 40", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"\"}") "]}",
      "Records[0].dynamodb.SequenceNumber", "1 to 40", 0 },
    { "{\"Records\":[" REC("{\"SequenceNumber\":\"1\"}") "]}",
      "Records[0].dynamodb.Keys", "missing", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{},\"SequenceNumber\":\"1\"}") "]}",
      "Records[0].dynamodb.Keys", "empty", 0 },
    { "{\"Records\":[" REC("{\"Keys\":[],\"SequenceNumber\":\"1\"}") "]}",
      "Records[0].dynamodb.Keys", "attribute map", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"N\":5}},\"SequenceNumber\":\"1\"}") "]}",
      "Records[0].dynamodb.Keys.pk.N", "", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"N\":\"1234567890123456789012345678901234567891\"}},\"SequenceNumber\":\"1\"}") "]}",
      "Records[0].dynamodb.Keys.pk.N", "", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"B\":\"@@@@\"}},\"SequenceNumber\":\"1\"}") "]}",
      "Records[0].dynamodb.Keys.pk.B", "", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\",\"SizeBytes\":-4}") "]}",
      "Records[0].dynamodb.SizeBytes", "non-negative", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\",\"SizeBytes\":\"4\"}") "]}",
      "Records[0].dynamodb.SizeBytes", "non-negative", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\",\"StreamViewType\":\"ALL\"}") "]}",
      "Records[0].dynamodb.StreamViewType", "KEYS_ONLY", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\",\"ApproximateCreationDateTime\":\"soon\"}") "]}",
      "Records[0].dynamodb.ApproximateCreationDateTime", "not a number", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\",\"ApproximateCreationDateTime\":-1}") "]}",
      "Records[0].dynamodb.ApproximateCreationDateTime", "out of range", 0 },
    { "{\"Records\":[" REC("{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\",\"NewImage\":\"x\"}") "]}",
      "Records[0].dynamodb.NewImage", "attribute map", 0 },
    { "{\"Records\":[{\"eventName\":\"INSERT\",\"eventSourceARN\":7,\"dynamodb\":" DYN("") "}]}",
      "Records[0].eventSourceARN", "must be a string", 0 },
    { "{\"Records\":[{\"eventName\":\"INSERT\",\"userIdentity\":[],\"dynamodb\":" DYN("") "}]}",
      "Records[0].userIdentity", "must be an object", 0 },
};

START_TEST(test_hostile)
{
    ddbxo_error err;
    ddbxo_event *ev = parse_str(bad[_i].doc, &err);
    if (bad[_i].whole) {
        ck_assert_msg(ev == NULL, "case %d parsed", _i);
        ck_assert_str_eq(err.path, bad[_i].path);
        ck_assert_msg(strstr(err.message, bad[_i].msg), "case %d: '%s'", _i, err.message);
        ck_assert_int_ne(err.code, DDBXO_OK);
        return;
    }
    ck_assert_msg(ev != NULL, "case %d: %s", _i, err.message);
    ck_assert_uint_eq(ddbxo_event_count(ev), 1);
    ck_assert_uint_eq(ddbxo_event_failed_count(ev), 1);
    ck_assert_ptr_null(ddbxo_event_record(ev, 0));
    const ddbxo_error *e = ddbxo_event_error(ev, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_ne(e->code, DDBXO_OK);
    ck_assert_msg(strcmp(e->path, bad[_i].path) == 0, "case %d: path '%s' want '%s' (%s)",
                  _i, e->path, bad[_i].path, e->message);
    ck_assert_msg(strstr(e->message, bad[_i].msg), "case %d: '%s'", _i, e->message);
    ddbxo_event_free(ev);
}
END_TEST

/* One bad record among good ones: the good ones are still there, in place. */
START_TEST(test_partial)
{
    const char *doc = "{\"Records\":[" REC(DYN("")) ",{\"eventName\":\"NOPE\"}," REC(DYN("")) "]}";
    ddbxo_error err;
    ddbxo_event *ev = parse_str(doc, &err);
    ck_assert_ptr_nonnull(ev);
    ck_assert_uint_eq(ddbxo_event_count(ev), 3);
    ck_assert_uint_eq(ddbxo_event_failed_count(ev), 1);
    ck_assert_ptr_nonnull(ddbxo_event_record(ev, 0));
    ck_assert_ptr_null(ddbxo_event_record(ev, 1));
    ck_assert_str_eq(ddbxo_event_error(ev, 1)->path, "Records[1].eventName");
    ck_assert_ptr_nonnull(ddbxo_event_record(ev, 2));
    ddbxo_event_free(ev);
}
END_TEST

START_TEST(test_deep_nesting)
{
    /* 33 levels of M inside an image: rejected with a path; 10,000-deep
     * JSON: rejected by the decoder, no stack overflow. */
    char *doc = malloc(400000);
    size_t n = 0;
    n += (size_t)sprintf(doc + n, "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":"
                         "{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"SequenceNumber\":\"1\",\"NewImage\":{\"a\":");
    for (int i = 0; i < 33; i++)
        n += (size_t)sprintf(doc + n, "{\"M\":{\"a\":");
    n += (size_t)sprintf(doc + n, "{\"S\":\"x\"}");
    for (int i = 0; i < 33; i++)
        n += (size_t)sprintf(doc + n, "}}");
    n += (size_t)sprintf(doc + n, "}}}]}");
    ddbxo_error err;
    ddbxo_event *ev = parse_str(doc, &err);
    ck_assert_msg(ev != NULL, "%s", err.message);
    const ddbxo_error *e = ddbxo_event_error(ev, 0);
    ck_assert_msg(e != NULL, "33-deep image accepted");
    ck_assert_int_eq(e->code, DDBXO_E_LIMIT);
    ck_assert_ptr_nonnull(strstr(e->path, "Records[0].dynamodb.NewImage.a.M.a"));
    ddbxo_event_free(ev);

    n = 0;
    for (int i = 0; i < 10000; i++)
        doc[n++] = '[';
    for (int i = 0; i < 10000; i++)
        doc[n++] = ']';
    ck_assert_ptr_null(ddbxo_parse_stream_event(doc, n, &err));
    ck_assert_str_eq(err.path, "");
    free(doc);
}
END_TEST

START_TEST(test_huge_and_truncated)
{
    ddbxo_error err;
    /* Over the document limit: refused before decoding. */
    size_t big = (size_t)DDBXO_MAX_EVENT_BYTES + 1;
    char *doc = malloc(big);
    memset(doc, ' ', big);
    ck_assert_ptr_null(ddbxo_parse_stream_event(doc, big, &err));
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    free(doc);

    /* Every prefix of a real event fails cleanly or parses; never crashes. */
    size_t len;
    char *data = tu_read_testdata("events/lambda-go__dynamodb-event.json", &len);
    for (size_t i = 0; i < len; i++) {
        ddbxo_event *ev = ddbxo_parse_stream_event(data, i, &err);
        if (ev)
            ddbxo_event_free(ev);
        else
            ck_assert_int_ne(err.code, DDBXO_OK);
    }
    free(data);
    /* Length is honoured: no reliance on a NUL terminator. */
    ck_assert_ptr_null(ddbxo_parse_stream_event("{\"Records\":[]}", 5, &err));
    ck_assert_ptr_null(ddbxo_parse_stream_event(NULL, 0, &err));
}
END_TEST

static Suite *record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_shared_events, 0, (int)(sizeof samples / sizeof samples[0]));
    tcase_add_test(tc, test_inplace_and_copy_agree);
    tcase_add_test(tc, test_all_files_covered);
    tcase_add_test(tc, test_botocore_getrecords);
    tcase_add_test(tc, test_single_record_and_shapes);
    tcase_add_test(tc, test_bom_and_unknown_fields);
    tcase_add_test(tc, test_approx_forms);
    tcase_add_test(tc, test_ttl_identity_spellings);
    tcase_add_loop_test(tc, test_hostile, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_partial);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_huge_and_truncated);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(record_suite)
