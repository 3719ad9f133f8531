/* The ddb layer against moto (DynamoDB, Streams, SQS in server mode) and,
 * for what moto cannot produce (throttling, expired tokens, conflicts,
 * exact wire framing), against the fault-injecting fake.  Also the
 * client's configuration rules and `ddbxo call` run as a user would. */
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/value.h"
#include "awsops.h"
#include "service/ddb.h"
#include "faultsrv.h"
#include "clirun.h"
#include "moto.h"
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REGION "us-east-1"
#define AKID "AKIDDDBXOTEST"
#define SECRET "ddbxo-test-secret-key-0123456789"

/* ------------------------------------------------------------------ */
/* helpers                                                              */
/* ------------------------------------------------------------------ */

static ddbxo_credentials_provider *g_prov;
static ddbxo_client *g_client;

/* A client with every endpoint at url and fixed credentials; freed by
 * done().  o may be NULL. */
static ddbxo_client *client_at(const char *url, const char *token,
                               const ddbxo__client_opts *o,
                               ddbxo_client_config *cfg_in)
{
    ddbxo_client_config cfg;
    ddbxo_error err;
    if (cfg_in)
        cfg = *cfg_in;
    else
        memset(&cfg, 0, sizeof cfg);
    g_prov = ddbxo_credentials_provider_static(AKID, SECRET, token, &err);
    ck_assert_msg(g_prov != NULL, "%s", err.message);
    cfg.region = REGION;
    cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs = url;
    cfg.credentials = g_prov;
    g_client = ddbxo__client_new_opts(&cfg, o, &err);
    ck_assert_msg(g_client != NULL, "%s", err.message);
    return g_client;
}

static ddbxo_client *moto_client(void)
{
    return client_at(tu_moto_endpoint(tu_moto_get()), NULL, NULL, NULL);
}

static void done(void)
{
    ddbxo_client_free(g_client);
    ddbxo_credentials_provider_free(g_prov);
    g_client = NULL;
    g_prov = NULL;
}

/* Parses JSON text written in the test; aborts on a typo. */
static json_t *J(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    ck_assert_msg(j != NULL, "test JSON: %s: %s", je.text, text);
    return j;
}

/* The string at a dotted path of object members, or NULL. */
static const char *str_at(const json_t *j, const char *path)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        j = json_object_get(j, k);
    return json_string_value(j);
}

static void create_table(ddbxo_client *c, const char *name, const char *view,
                         json_t **out)
{
    ddbxo_error err;
    int rc = ddbxo__ddb_create_table(c, name, "pk", "S", NULL, NULL, view,
                                     NULL, 0, out, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(ddbxo__ddb_wait_table_active(c, name, 0, &err), 0);
}

static void put(ddbxo_client *c, const char *table, const char *item_json)
{
    ddbxo_error err;
    json_t *item = J(item_json);
    int rc = ddbxo__ddb_put_item(c, table, item, NULL, 0, NULL, NULL, &err);
    json_decref(item);
    ck_assert_msg(rc == 0, "%s", err.message);
}

/* ------------------------------------------------------------------ */
/* DynamoDB                                                             */
/* ------------------------------------------------------------------ */

START_TEST(create_table_with_stream)
{
    ddbxo_client *c = moto_client();
    ddbxo_error err;
    json_t *out, *desc;
    create_table(c, "src", "NEW_AND_OLD_IMAGES", &out);
    ck_assert_str_eq(str_at(out, "TableDescription.TableName"), "src");
    ck_assert_str_eq(str_at(out, "TableDescription.StreamSpecification."
                                 "StreamViewType"), "NEW_AND_OLD_IMAGES");
    ck_assert_ptr_nonnull(strstr(str_at(out, "TableDescription.LatestStreamArn"),
                                 ":table/src/stream/"));
    json_decref(out);
    ck_assert_int_eq(ddbxo__ddb_describe_table(c, "src", 0, &desc, &err), 0);
    ck_assert_str_eq(str_at(desc, "Table.TableStatus"), "ACTIVE");
    json_decref(desc);
    /* A second CreateTable: ResourceInUseException, not retried. */
    ck_assert_int_eq(ddbxo__ddb_create_table(c, "src", "pk", "S", NULL, NULL,
                                             NULL, NULL, 0, NULL, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_str_eq(err.aws_type, "ResourceInUseException");
    ck_assert_int_eq(err.retryable, 0);
    ck_assert_int_eq(ddbxo__ddb_update_ttl(c, "src", "exp", 1, 0, &out, &err), 0);
    ck_assert_str_eq(str_at(out, "TimeToLiveSpecification.AttributeName"), "exp");
    json_decref(out);
    done();
}
END_TEST

START_TEST(conditional_put_refused_with_old_item)
{
    ddbxo_client *c = moto_client();
    ddbxo__aws_error d;
    ddbxo_error err;
    json_t *item, *extra;
    create_table(c, "t", NULL, NULL);
    put(c, "t", "{\"pk\":{\"S\":\"a\"},\"_ddbxo_seq\":{\"S\":\"0007\"}}");

    item = J("{\"pk\":{\"S\":\"a\"},\"_ddbxo_seq\":{\"S\":\"0005\"}}");
    extra = J("{\"ConditionExpression\":\"attribute_not_exists(#s) OR #s < :s\","
              "\"ExpressionAttributeNames\":{\"#s\":\"_ddbxo_seq\"},"
              "\"ExpressionAttributeValues\":{\":s\":{\"S\":\"0005\"}},"
              "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}");
    ddbxo__aws_error_init(&d);
    ck_assert_int_eq(ddbxo__ddb_put_item(c, "t", item, extra, 0, NULL, &d,
                                         &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONDITION);
    ck_assert_str_eq(err.aws_type, "ConditionalCheckFailedException");
    ck_assert_int_eq(err.http_status, 400);
    ck_assert_int_eq(err.retryable, 0);
    ck_assert_int_eq(err.ambiguous, 0);
    ck_assert_str_ne(err.request_id, "");
    ck_assert_ptr_nonnull(strstr(err.message, "PutItem: "));
    ck_assert_ptr_nonnull(d.item);
    ck_assert_str_eq(str_at(d.item, "_ddbxo_seq.S"), "0007");
    ddbxo__aws_error_clear(&d);

    /* The newer record passes the same condition. */
    json_object_set_new(json_object_get(json_object_get(extra,
                        "ExpressionAttributeValues"), ":s"), "S",
                        json_string("0009"));
    json_object_set_new(json_object_get(item, "_ddbxo_seq"), "S",
                        json_string("0009"));
    ck_assert_int_eq(ddbxo__ddb_put_item(c, "t", item, extra, 0, NULL, NULL,
                                         &err), 0);
    json_decref(item);
    json_decref(extra);
    done();
}
END_TEST

/* Put a (new), Put b (exists: condition fails), Update c: the 2nd fails. */
static const char tx_items[] =
    "[{\"Put\":{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"a\"}},"
    "\"ConditionExpression\":\"attribute_not_exists(pk)\"}},"
    "{\"Put\":{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"2\"}},"
    "\"ConditionExpression\":\"attribute_not_exists(pk)\","
    "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}},"
    "{\"Update\":{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"c\"}},"
    "\"UpdateExpression\":\"SET v = :one\","
    "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}}]";

START_TEST(transaction_cancelled_with_reasons)
{
    ddbxo_client *c = moto_client();
    ddbxo__aws_error d;
    ddbxo_error err;
    json_t *items = J(tx_items), *got;
    create_table(c, "t", NULL, NULL);
    put(c, "t", "{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"1\"}}");

    ddbxo__aws_error_init(&d);
    ck_assert_int_eq(ddbxo__ddb_transact_write(c, items,
                                               "0123456789abcdef0123456789abcdef0123",
                                               NULL, 0, NULL, &d, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CANCELLED);
    ck_assert_str_eq(err.aws_type, "TransactionCanceledException");
    ck_assert_int_eq(err.retryable, 0);
    ck_assert_uint_eq(d.nreasons, 3);
    ck_assert_str_eq(d.reasons[0].code, "None");
    ck_assert_str_eq(d.reasons[1].code, "ConditionalCheckFailed");
    ck_assert_str_eq(d.reasons[2].code, "None");
    ck_assert_ptr_nonnull(d.reasons[1].item);
    ck_assert_str_eq(str_at(d.reasons[1].item, "v.N"), "1");
    ck_assert_ptr_null(d.reasons[0].item);
    ddbxo__aws_error_clear(&d);

    /* Nothing was applied. */
    json_t *key = J("{\"pk\":{\"S\":\"a\"}}");
    ck_assert_int_eq(ddbxo__ddb_get_item(c, "t", key, 1, NULL, 0, &got, &err), 0);
    ck_assert_ptr_null(json_object_get(got, "Item"));
    json_decref(got);
    json_decref(key);

    /* The public call: the same reasons through ddbxo_aws_detail. */
    json_t *req = json_pack("{s:O}", "TransactItems", items);
    char *body = json_dumps(req, JSON_COMPACT), *resp = NULL;
    ddbxo_aws_detail *det = NULL;
    size_t len;
    ck_assert_int_eq(ddbxo_call_ex(c, DDBXO_SERVICE_DYNAMODB,
                                   "TransactWriteItems", body, strlen(body), 0,
                                   &resp, &len, &det, &err), -1);
    ck_assert_ptr_null(resp);
    ck_assert_int_eq(err.code, DDBXO_E_CANCELLED);
    ck_assert_ptr_nonnull(det);
    ck_assert_uint_eq(ddbxo_aws_detail_reason_count(det), 3);
    ck_assert_str_eq(ddbxo_aws_detail_reason_code(det, 1), "ConditionalCheckFailed");
    ck_assert_str_eq(ddbxo_aws_detail_reason_code(det, 2), "None");
    ck_assert_ptr_nonnull(strstr(ddbxo_aws_detail_reason_item(det, 1, &len),
                                 "\"v\":{\"N\":\"1\"}"));
    ddbxo_aws_detail_free(det);
    free(body);
    json_decref(req);

    /* Without the conflict it commits. */
    json_object_del(json_object_get(json_array_get(items, 1), "Put"),
                    "ConditionExpression");
    ck_assert_int_eq(ddbxo__ddb_transact_write(c, items, NULL, NULL, 0, NULL,
                                               NULL, &err), 0);
    json_decref(items);
    done();
}
END_TEST

START_TEST(update_get_delete_round_trip)
{
    ddbxo_client *c = moto_client();
    ddbxo_error err;
    json_t *key = J("{\"pk\":{\"S\":\"k\"}}"), *out;
    json_t *inc = J("{\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}},"
                    "\"ReturnValues\":\"ALL_NEW\"}");
    create_table(c, "t", NULL, NULL);
    put(c, "t", "{\"pk\":{\"S\":\"k\"},\"n\":{\"N\":\"41\"}}");
    ck_assert_int_eq(ddbxo__ddb_update_item(c, "t", key, "SET n = n + :one",
                                            inc, 0, &out, NULL, &err), 0);
    ck_assert_str_eq(str_at(out, "Attributes.n.N"), "42");
    json_decref(out);
    ck_assert_int_eq(ddbxo__ddb_get_item(c, "t", key, 1, NULL, 0, &out, &err), 0);
    ck_assert_str_eq(str_at(out, "Item.n.N"), "42");
    json_decref(out);
    json_t *old = J("{\"ReturnValues\":\"ALL_OLD\"}");
    ck_assert_int_eq(ddbxo__ddb_delete_item(c, "t", key, old, 0, &out, NULL,
                                            &err), 0);
    ck_assert_str_eq(str_at(out, "Attributes.n.N"), "42");
    json_decref(out);
    ck_assert_int_eq(ddbxo__ddb_get_item(c, "t", key, 0, NULL, 0, &out, &err), 0);
    ck_assert_ptr_null(json_object_get(out, "Item"));
    json_decref(out);
    /* A bad argument fails before anything is sent. */
    ck_assert_int_eq(ddbxo__ddb_get_item(c, NULL, key, 0, NULL, 0, &out, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_ptr_nonnull(strstr(err.message, "TableName"));
    json_decref(old);
    json_decref(inc);
    json_decref(key);
    done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Streams                                                              */
/* ------------------------------------------------------------------ */

/* GetRecords through the public call: the raw text goes straight into
 * ddbxo_parse_stream_event, as a poller would do it. */
static ddbxo_event *get_records(ddbxo_client *c, const char *it)
{
    ddbxo_error err;
    json_t *req = json_pack("{s:s}", "ShardIterator", it);
    char *body = json_dumps(req, JSON_COMPACT), *resp;
    size_t len;
    ddbxo_event *ev;
    int rc = ddbxo_call(c, DDBXO_SERVICE_STREAMS, "GetRecords", body,
                        strlen(body), 0, &resp, &len, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ev = ddbxo_parse_stream_event(resp, len, &err);
    ck_assert_msg(ev != NULL, "%s", err.message);
    ddbxo_free(resp);
    free(body);
    json_decref(req);
    return ev;
}

static const char *key_pk(const ddbxo_record *r)
{
    ddbxo_error err;
    ddbxo_value *v = ddbxo_value_get(ddbxo_record_keys(r), "pk", 2, &err);
    static char buf[64];
    size_t n;
    const char *s = ddbxo_value_s(v, &n);
    snprintf(buf, sizeof buf, "%.*s", s ? (int)n : 0, s ? s : "");
    ddbxo_value_free(v);
    return buf;
}

START_TEST(stream_records_read_back)
{
    ddbxo_client *c = moto_client();
    ddbxo_error err;
    json_t *out, *key = J("{\"pk\":{\"S\":\"a\"}}"), *it;
    char arn[512], shard[128], seq2[64];
    static const char *const names[] = { "INSERT", "MODIFY", "REMOVE", "INSERT" };
    static const char *const pks[] = { "a", "a", "a", "b" };

    create_table(c, "src", "NEW_AND_OLD_IMAGES", &out);
    snprintf(arn, sizeof arn, "%s", str_at(out, "TableDescription.LatestStreamArn"));
    json_decref(out);
    /* PutItem for inserts: moto emits two INSERTs for an upsert
     * (docs/moto-gaps.md C3). */
    put(c, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    put(c, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
    ck_assert_int_eq(ddbxo__ddb_delete_item(c, "src", key, NULL, 0, NULL, NULL,
                                            &err), 0);
    put(c, "src", "{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"1\"}}");

    ck_assert_int_eq(tu_list_streams(c, "src", NULL, 0, &out, &err), 0);
    ck_assert_str_eq(str_at(json_array_get(json_object_get(out, "Streams"), 0),
                            "StreamArn"), arn);
    json_decref(out);

    ck_assert_int_eq(ddbxo__ddb_describe_stream_all(c, arn, 0, &out, &err), 0);
    json_t *shards = json_object_get(json_object_get(out, "StreamDescription"),
                                     "Shards");
    ck_assert_uint_ge(json_array_size(shards), 1);
    ck_assert_ptr_null(json_object_get(json_object_get(out, "StreamDescription"),
                                       "LastEvaluatedShardId"));
    snprintf(shard, sizeof shard, "%s",
             str_at(json_array_get(shards, 0), "ShardId"));
    json_decref(out);

    ck_assert_int_eq(ddbxo__ddb_get_shard_iterator(c, arn, shard, "TRIM_HORIZON",
                                                   NULL, 0, &it, &err), 0);
    ddbxo_event *ev = get_records(c, str_at(it, "ShardIterator"));
    json_decref(it);
    ck_assert_uint_eq(ddbxo_event_count(ev), 4);
    ck_assert_uint_eq(ddbxo_event_failed_count(ev), 0);
    for (size_t i = 0; i < 4; i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        ck_assert_str_eq(ddbxo_record_event_name_str(r), names[i]);
        ck_assert_str_eq(key_pk(r), pks[i]);
        ck_assert(ddbxo_seq_valid(ddbxo_record_sequence_number(r)));
        if (i)
            ck_assert_int_lt(ddbxo_seq_compare(
                ddbxo_record_sequence_number(ddbxo_event_record(ev, i - 1)),
                ddbxo_record_sequence_number(r)), 0);
    }
    ck_assert_ptr_nonnull(ddbxo_record_new_image(ddbxo_event_record(ev, 1)));
    ck_assert_ptr_nonnull(ddbxo_record_old_image(ddbxo_event_record(ev, 1)));
    ck_assert_ptr_null(ddbxo_record_new_image(ddbxo_event_record(ev, 2)));
    snprintf(seq2, sizeof seq2, "%s",
             ddbxo_record_sequence_number(ddbxo_event_record(ev, 1)));
    ck_assert_ptr_nonnull(ddbxo_event_next_iterator(ev));
    ddbxo_event_free(ev);

    /* After the 2nd record: the last two. */
    ck_assert_int_eq(ddbxo__ddb_get_shard_iterator(c, arn, shard,
                                                   "AFTER_SEQUENCE_NUMBER", seq2,
                                                   0, &it, &err), 0);
    ck_assert_int_eq(ddbxo__ddb_get_records(c, str_at(it, "ShardIterator"), 10,
                                            0, &out, &err), 0);
    json_decref(it);
    ck_assert_uint_eq(json_array_size(json_object_get(out, "Records")), 2);
    ck_assert_str_eq(str_at(json_array_get(json_object_get(out, "Records"), 0),
                            "eventName"), "REMOVE");
    json_decref(out);
    json_decref(key);
    done();
}
END_TEST

START_TEST(five_hundred_html_is_retried_and_classified)
{
    /* moto answers a garbage iterator with a Flask HTML 500 (docs/moto-gaps.md
     * C3): retried as transient, then reported without the page. */
    ddbxo_client *c = moto_client();
    ddbxo_error err;
    json_t *out;
    ck_assert_int_eq(ddbxo__ddb_get_records(c, "not-an-iterator", 0, 0, &out,
                                            &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_int_eq(err.http_status, 500);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_int_eq(err.ambiguous, 1);
    ck_assert_ptr_nonnull(strstr(err.message, "GetRecords: HTTP 500"));
    ck_assert_ptr_nonnull(strstr(err.message, "gave up after 4 attempts"));
    ck_assert_ptr_null(strstr(err.message, "<"));
    done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* SQS                                                                  */
/* ------------------------------------------------------------------ */

START_TEST(sqs_round_trip)
{
    ddbxo_client *c = moto_client();
    ddbxo_error err;
    json_t *out, *msgs;
    char url[512], handle[2048];

    ck_assert_int_eq(tu_sqs_create_queue(c, "park", NULL, 0, &out, &err), 0);
    snprintf(url, sizeof url, "%s", str_at(out, "QueueUrl"));
    ck_assert_ptr_nonnull(strstr(url, "/park"));
    json_decref(out);
    ck_assert_int_eq(tu_sqs_get_queue_url(c, "park", 0, &out, &err), 0);
    ck_assert_str_eq(str_at(out, "QueueUrl"), url);
    json_decref(out);

    json_t *attrs = J("{\"MessageAttributes\":{\"source\":{\"DataType\":"
                      "\"String\",\"StringValue\":\"ddbxo\"}}}");
    ck_assert_int_eq(ddbxo__sqs_send_message(c, url, "{\"record\":1}", attrs, 0,
                                             &out, &err), 0);
    ck_assert_ptr_nonnull(str_at(out, "MessageId"));
    json_decref(out);
    json_decref(attrs);

    json_t *all = J("{\"MessageAttributeNames\":[\"All\"]}");
    ck_assert_int_eq(ddbxo__sqs_receive_message(c, url, 10, 0, all, 0, &out,
                                                &err), 0);
    msgs = json_object_get(out, "Messages");
    ck_assert_uint_eq(json_array_size(msgs), 1);
    ck_assert_str_eq(str_at(json_array_get(msgs, 0), "Body"), "{\"record\":1}");
    ck_assert_str_eq(str_at(json_array_get(msgs, 0),
                            "MessageAttributes.source.StringValue"), "ddbxo");
    snprintf(handle, sizeof handle, "%s",
             str_at(json_array_get(msgs, 0), "ReceiptHandle"));
    json_decref(out);
    ck_assert_int_eq(ddbxo__sqs_delete_message(c, url, handle, 0, &err), 0);

    /* Gone: visible or not, nothing is left to receive. */
    json_t *vis = J("{\"VisibilityTimeout\":0}");
    ck_assert_int_eq(ddbxo__sqs_receive_message(c, url, 10, 0, vis, 0, &out,
                                                &err), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(out, "Messages")), 0);
    json_decref(out);
    json_decref(vis);
    json_decref(all);

    /* An SQS error answer: type from the com.amazonaws.sqs namespace. */
    ck_assert_int_eq(tu_sqs_get_queue_url(c, "nope", 0, &out, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_str_eq(err.aws_type, "QueueDoesNotExist");
    ck_assert_int_eq(ddbxo__sqs_receive_message(c, url, 11, 0, NULL, 0, &out,
                                                &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* the client: endpoints, threads, multi                                */
/* ------------------------------------------------------------------ */

static void hermetic_env(void)
{
    static const char *const unset[] = {
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_ENDPOINT_URL_SQS",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_PROFILE",
        "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    };
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++)
        unsetenv(unset[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/ddbxo-config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ddbxo-credentials", 1);
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_REGION", REGION, 1);
}

START_TEST(endpoint_from_environment)
{
    ddbxo_error err;
    ddbxo_endpoint ep;
    char *resp;
    size_t len;
    const char *moto = tu_moto_endpoint(tu_moto_get());

    hermetic_env();          /* Check forked us: the parent is untouched */
    setenv("AWS_ENDPOINT_URL", moto, 1);
    ddbxo_client *c = ddbxo_client_new(NULL, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    ck_assert_str_eq(ddbxo_client_region(c), REGION);
    ck_assert_int_eq(ddbxo_client_endpoint(c, DDBXO_SERVICE_DYNAMODB, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL");
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                2, 0, &resp, &len, &err), 0);
    ck_assert_ptr_nonnull(strstr(resp, "\"TableNames\""));
    ddbxo_free(resp);
    ck_assert_int_eq(ddbxo_client_endpoint(c, (ddbxo_service)7, &ep, &err), -1);
    ddbxo_client_free(c);

    /* The per-service variable wins over the global one. */
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
    setenv("AWS_ENDPOINT_URL_SQS", moto, 1);
    c = ddbxo_client_new(NULL, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    ck_assert_int_eq(ddbxo_client_endpoint(c, DDBXO_SERVICE_SQS, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL_SQS");
    ck_assert_str_eq(ep.signing_name, "sqs");
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_SQS, "ListQueues", NULL, 0, 0,
                                &resp, &len, &err), 0);
    ddbxo_free(resp);
    ck_assert_int_eq(ddbxo_client_endpoint(c, DDBXO_SERVICE_STREAMS, &ep, &err), 0);
    ck_assert_str_eq(ep.source, "AWS_ENDPOINT_URL");
    ck_assert_str_eq(ep.signing_name, "dynamodb");
    ddbxo_client_free(c);
}
END_TEST

START_TEST(plain_http_to_non_loopback_refused)
{
    /* Nothing here may connect: the refusal happens at creation. */
    ddbxo_client_config cfg;
    ddbxo_credentials_provider *p;
    ddbxo_endpoint ep;
    ddbxo_error err;
    ddbxo_client *c;

    hermetic_env();
    p = ddbxo_credentials_provider_static(AKID, SECRET, NULL, &err);
    memset(&cfg, 0, sizeof cfg);
    cfg.region = REGION;
    cfg.credentials = p;
    cfg.endpoint_dynamodb = "http://10.0.0.1:1";
    ck_assert_ptr_null(ddbxo_client_new(&cfg, &err));
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "not loopback"));

    /* Same from the environment, for any service. */
    cfg.endpoint_dynamodb = NULL;
    setenv("AWS_ENDPOINT_URL_SQS", "http://10.0.0.1:1", 1);
    ck_assert_ptr_null(ddbxo_client_new(&cfg, &err));
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);

    /* Opting in allows it (and https is always fine). */
    cfg.allow_insecure_http = 1;
    c = ddbxo_client_new(&cfg, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    ck_assert_int_eq(ddbxo_client_endpoint(c, DDBXO_SERVICE_SQS, &ep, &err), 0);
    ck_assert_str_eq(ep.url, "http://10.0.0.1:1/");
    ddbxo_client_free(c);
    unsetenv("AWS_ENDPOINT_URL_SQS");
    cfg.allow_insecure_http = 0;
    cfg.endpoint_dynamodb = "https://10.0.0.1:1";
    c = ddbxo_client_new(&cfg, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    ddbxo_client_free(c);

    /* A region that is not one, and no region at all. */
    cfg.region = "us east 1";
    ck_assert_ptr_null(ddbxo_client_new(&cfg, &err));
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    cfg.region = NULL;
    unsetenv("AWS_REGION");
    ck_assert_ptr_null(ddbxo_client_new(&cfg, &err));
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ddbxo_credentials_provider_free(p);
}
END_TEST

typedef struct worker {
    ddbxo_client *c;
    int id, ok;
} worker;

static void *put_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 10; i++) {
        char item[128];
        ddbxo_error err;
        snprintf(item, sizeof item, "{\"pk\":{\"S\":\"w%d-%d\"}}", w->id, i);
        json_t *j = json_loads(item, 0, NULL);
        if (ddbxo__ddb_put_item(w->c, "t", j, NULL, 0, NULL, NULL, &err) == 0)
            w->ok++;
        json_decref(j);
    }
    return NULL;
}

START_TEST(one_client_many_threads)
{
    ddbxo_client *c = moto_client();
    pthread_t th[4];
    worker w[4];
    json_t *out;
    ddbxo_error err;
    create_table(c, "t", NULL, NULL);
    for (int i = 0; i < 4; i++) {
        w[i].c = c;
        w[i].id = i;
        w[i].ok = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, put_many, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(w[i].ok, 10);
    }
    json_t *scan = J("{\"TableName\":\"t\",\"Select\":\"COUNT\"}");
    ck_assert_int_eq(ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "Scan", scan, 0,
                                     &out, NULL, &err), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(out, "Count")), 40);
    json_decref(out);
    json_decref(scan);
    done();
}
END_TEST

/* The apply layer's path: requests on a multi, finished in callbacks. */
typedef struct multi_ctx {
    ddbxo__ddb_req *r;
    int rc, code;
} multi_ctx;

static void on_done(void *ctx, ddbxo__http_multi *m, ddbxo__http_req *req,
                    ddbxo__http_resp *resp, int rc, const ddbxo_error *herr)
{
    multi_ctx *x = ctx;
    ddbxo__aws_error d;
    ddbxo_error err;
    json_t *out;
    (void)m;
    (void)req;
    (void)resp;
    ddbxo__aws_error_init(&d);
    x->rc = ddbxo__ddb_req_finish(x->r, rc, herr, &out, &d, &err);
    x->code = x->rc == 0 ? 0 : err.code;
    if (x->rc == 0)
        json_decref(out);
    ddbxo__aws_error_clear(&d);
    ddbxo__ddb_req_free(x->r);
    x->r = NULL;
}

START_TEST(requests_on_a_multi)
{
    ddbxo_client *c = moto_client();
    ddbxo__http_multi *m;
    multi_ctx x[6];
    ddbxo_error err;
    create_table(c, "t", NULL, NULL);
    put(c, "t", "{\"pk\":{\"S\":\"i5\"}}");
    m = ddbxo__http_multi_new(ddbxo__client_http(c),
                              ddbxo__client_max_connections(c), &err);
    ck_assert_ptr_nonnull(m);
    for (int i = 0; i < 6; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"i%d\"}},"
                 "\"ConditionExpression\":\"attribute_not_exists(pk)\"}", i);
        x[i].r = ddbxo__ddb_req_new(c, DDBXO_SERVICE_DYNAMODB, "PutItem", body,
                                    strlen(body), 0, 0, &err);
        ck_assert_ptr_nonnull(x[i].r);
        x[i].rc = 99;
        ck_assert_int_eq(ddbxo__http_multi_submit(m, &x[i].r->http,
                                                  &x[i].r->resp, on_done,
                                                  &x[i], &err), 0);
    }
    ck_assert_int_eq(ddbxo__http_multi_run(m, 0, &err), 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(x[i].rc, 0);
    ck_assert_int_eq(x[5].rc, -1);
    ck_assert_int_eq(x[5].code, DDBXO_E_CONDITION);
    ddbxo__http_multi_free(m);
    done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* the fake: framing, retries moto cannot produce, redaction            */
/* ------------------------------------------------------------------ */

static faultsrv *fs_start(void)
{
    char msg[256];
    faultsrv *fs = faultsrv_start(msg, sizeof msg);
    ck_assert_msg(fs != NULL, "faultsrv: %s", msg);
    return fs;
}

static void no_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    (void)ms;
}

static const ddbxo__client_opts *fast_opts(void)
{
    static ddbxo__client_opts o;
    memset(&o, 0, sizeof o);
    o.http_hooks.sleep_ms = no_sleep;
    return &o;
}

/* Header `name` of request i, or "". */
static const char *hdr(faultsrv *fs, size_t i, const char *name)
{
    static char buf[4096];
    const faultsrv_req *r = faultsrv_req_at(fs, i);
    ck_assert_ptr_nonnull(r);
    return faultsrv_req_header(r, name, buf, sizeof buf) ? buf : "";
}

START_TEST(wire_framing_per_service)
{
    faultsrv *fs = fs_start();
    ddbxo_client *c = client_at(faultsrv_url(fs), "session-token-xyz", NULL, NULL);
    ddbxo_error err;
    char *resp;
    size_t len;
    static const struct { ddbxo_service svc; const char *op, *target, *scope; }
    t[] = {
        { DDBXO_SERVICE_DYNAMODB, "PutItem", "DynamoDB_20120810.PutItem",
          "/us-east-1/dynamodb/aws4_request" },
        { DDBXO_SERVICE_STREAMS, "GetRecords", "DynamoDBStreams_20120810.GetRecords",
          "/us-east-1/dynamodb/aws4_request" },
        { DDBXO_SERVICE_SQS, "SendMessage", "AmazonSQS.SendMessage",
          "/us-east-1/sqs/aws4_request" },
    };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(ddbxo_call(c, t[i].svc, t[i].op, "{\"a\":1}", 7, 0,
                                    &resp, &len, &err), 0);
        ck_assert_str_eq(resp, "{}");
        ddbxo_free(resp);
        const faultsrv_req *r = faultsrv_req_at(fs, i);
        ck_assert_str_eq(r->method, "POST");
        ck_assert_str_eq(r->target, "/");
        ck_assert_str_eq((const char *)r->body, "{\"a\":1}");
        ck_assert_str_eq(hdr(fs, i, "X-Amz-Target"), t[i].target);
        ck_assert_str_eq(hdr(fs, i, "Content-Type"), "application/x-amz-json-1.0");
        ck_assert_str_eq(hdr(fs, i, "X-Amz-Security-Token"), "session-token-xyz");
        ck_assert_uint_eq(strlen(hdr(fs, i, "X-Amz-Date")), 16);
        const char *auth = hdr(fs, i, "Authorization");
        ck_assert_ptr_nonnull(strstr(auth, "AWS4-HMAC-SHA256 Credential=" AKID "/"));
        ck_assert_ptr_nonnull(strstr(auth, t[i].scope));
        ck_assert_ptr_nonnull(strstr(auth, "SignedHeaders=content-type;host;"
                                           "x-amz-date;x-amz-security-token;"
                                           "x-amz-target,"));
        ck_assert_ptr_null(strstr(auth, SECRET));
        ck_assert_str_eq(hdr(fs, i, "Expect"), "");
    }
    /* No body: "{}" is sent. */
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables", NULL,
                                0, 0, &resp, &len, &err), 0);
    ck_assert_str_eq((const char *)faultsrv_req_at(fs, 3)->body, "{}");
    ddbxo_free(resp);
    /* Refused before sending: bad operation name, bad body. */
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "Put\r\nX: y", "{}",
                                2, 0, &resp, &len, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "PutItem", "[1]", 3,
                                0, &resp, &len, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "PutItem",
                                "{\"secret-item\":", 15, 0, &resp, &len, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_ptr_null(strstr(err.message, "secret-item"));
    ck_assert_uint_eq(faultsrv_nreqs(fs), 4);
    done();
    faultsrv_stop(fs);
}
END_TEST

START_TEST(throttling_is_retried_condition_is_not)
{
    faultsrv *fs = fs_start();
    ddbxo_client *c = client_at(faultsrv_url(fs), NULL, fast_opts(), NULL);
    faultsrv_action a = { .kind = FAULTSRV_STATUS, .status = 400,
                          .error_type = "ThrottlingException" };
    faultsrv_action ccf = { .kind = FAULTSRV_STATUS, .status = 400,
                            .error_type = "ConditionalCheckFailedException" };
    ddbxo_error err;
    json_t *out;
    json_t *body = J("{\"TableName\":\"t\"}");
    faultsrv_push(fs, a);
    faultsrv_push(fs, a);
    ck_assert_int_eq(ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "GetItem", body,
                                     0, &out, NULL, &err), 0);
    json_decref(out);
    ck_assert_uint_eq(faultsrv_nreqs(fs), 3);
    /* Every attempt is signed afresh (a new date each time is allowed). */
    ck_assert_str_ne(hdr(fs, 2, "Authorization"), "");

    faultsrv_push(fs, ccf);
    ck_assert_int_eq(ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "PutItem", body,
                                     0, &out, NULL, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONDITION);
    ck_assert_uint_eq(faultsrv_nreqs(fs), 4);

    /* Throttled to the end: retryable, after max attempts. */
    for (int i = 0; i < 4; i++)
        faultsrv_push(fs, a);
    ck_assert_int_eq(ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "GetItem", body,
                                     0, &out, NULL, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_str_eq(err.aws_type, "ThrottlingException");
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_ptr_nonnull(strstr(err.message, "GetItem: ThrottlingException: "
                                              "injected by faultsrv"));
    ck_assert_ptr_nonnull(strstr(err.message, "4 attempts"));
    json_decref(body);
    done();
    faultsrv_stop(fs);
}
END_TEST

START_TEST(expired_token_refreshes_and_retries_once)
{
    faultsrv *fs = fs_start();
    ddbxo_client *c = client_at(faultsrv_url(fs), NULL, fast_opts(), NULL);
    faultsrv_action a = { .kind = FAULTSRV_STATUS, .status = 400,
                          .error_type = "ExpiredTokenException" };
    ddbxo_error err;
    json_t *body = J("{}");
    faultsrv_push(fs, a);
    ck_assert_int_eq(ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables",
                                     body, 0, NULL, NULL, &err), 0);
    ck_assert_uint_eq(faultsrv_nreqs(fs), 2);
    /* Still expired after the refresh: one retry only. */
    faultsrv_push(fs, a);
    faultsrv_push(fs, a);
    ck_assert_int_eq(ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables",
                                     body, 0, NULL, NULL, &err), -1);
    ck_assert_str_eq(err.aws_type, "ExpiredTokenException");
    ck_assert_uint_eq(faultsrv_nreqs(fs), 4);
    json_decref(body);
    done();
    faultsrv_stop(fs);
}
END_TEST

START_TEST(odd_answers_over_the_wire)
{
    faultsrv *fs = fs_start();
    ddbxo_client *c = client_at(faultsrv_url(fs), NULL, fast_opts(), NULL);
    ddbxo_error err;
    ddbxo_aws_detail *d;
    char *resp;
    size_t len;
    faultsrv_action xml = { .kind = FAULTSRV_STATUS, .status = 403,
        .body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code>"
                "<Message>User is not authorized</Message><Type>Sender</Type>"
                "</Error></Errors></ErrorResponse>",
        .headers = "Content-Type: text/html; charset=utf-8\r\n" };
    faultsrv_action conflict = { .kind = FAULTSRV_STATUS, .status = 400,
        .body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
                "TransactionCanceledException\",\"Message\":\"Transaction "
                "cancelled [None, TransactionConflict]\","
                "\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":"
                "\"TransactionConflict\",\"Message\":\"Transaction is ongoing "
                "for the item.\"}]}" };
    faultsrv_action tce = { .kind = FAULTSRV_STATUS, .status = 400,
                            .error_type = "TransactionConflictException" };
    faultsrv_action notjson = { .kind = FAULTSRV_OK, .body = "<html>ok</html>" };
    faultsrv_action leak = { .kind = FAULTSRV_STATUS, .status = 400,
        .body = "{\"__type\":\"ns#ValidationException\",\"message\":\"echo "
                SECRET " and session-tok-9876543210\"}" };

    faultsrv_push(fs, xml);
    ck_assert_int_eq(ddbxo_call_ex(c, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                   2, 0, &resp, &len, &d, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_int_eq(err.http_status, 403);
    ck_assert_str_eq(err.aws_type, "AccessDenied");
    ck_assert_str_eq(err.message, "ListTables: AccessDenied: User is not authorized");
    ck_assert_str_eq(ddbxo_aws_detail_type(d), "AccessDenied");
    ck_assert_ptr_nonnull(strstr(ddbxo_aws_detail_body(d, &len), "<Code>"));
    ddbxo_aws_detail_free(d);

    faultsrv_push(fs, conflict);
    ck_assert_int_eq(ddbxo_call_ex(c, DDBXO_SERVICE_DYNAMODB,
                                   "TransactWriteItems", "{}", 2, 0, &resp,
                                   &len, &d, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CANCELLED);
    ck_assert_int_eq(err.retryable, 1);  /* only a conflict: try again */
    ck_assert_str_eq(ddbxo_aws_detail_reason_code(d, 1), "TransactionConflict");
    ddbxo_aws_detail_free(d);

    faultsrv_push(fs, tce);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "PutItem", "{}", 2, 0,
                                &resp, &len, &err), -1);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_uint_eq(faultsrv_nreqs(fs), 3);   /* but not retried here */

    faultsrv_push(fs, notjson);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "PutItem", "{}", 2, 0,
                                &resp, &len, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.ambiguous, 1);
    ck_assert_ptr_null(resp);

    /* A server echoing credentials: they never reach the message. */
    ddbxo_client_free(g_client);
    ddbxo_credentials_provider_free(g_prov);
    g_client = NULL;
    c = client_at(faultsrv_url(fs), "session-tok-9876543210", fast_opts(), NULL);
    faultsrv_push(fs, leak);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "PutItem", "{}", 2, 0,
                                &resp, &len, &err), -1);
    ck_assert_ptr_null(strstr(err.message, SECRET));
    ck_assert_ptr_null(strstr(err.message, "session-tok-9876543210"));
    ck_assert_ptr_nonnull(strstr(err.message, "echo *** and ***"));

    /* A deadline already past: nothing is sent. */
    size_t before = faultsrv_nreqs(fs);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "PutItem", "{}", 2, 1,
                                &resp, &len, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(err.message, "PutItem: "));
    ck_assert_uint_eq(faultsrv_nreqs(fs), before);
    done();
    faultsrv_stop(fs);
}
END_TEST

typedef struct logbuf {
    pthread_mutex_t mu;
    char text[16384];
    int lines;
} logbuf;

static void on_log(void *ctx, int level, const char *msg)
{
    logbuf *b = ctx;
    size_t k;
    pthread_mutex_lock(&b->mu);
    k = strlen(b->text);
    snprintf(b->text + k, sizeof b->text - k, "%d %s\n", level, msg);
    b->lines++;
    pthread_mutex_unlock(&b->mu);
}

START_TEST(logging_goes_to_the_callback_without_secrets)
{
    faultsrv *fs = fs_start();
    static logbuf lb = { PTHREAD_MUTEX_INITIALIZER, "", 0 };
    ddbxo_client_config cfg;
    faultsrv_action a = { .kind = FAULTSRV_STATUS, .status = 400,
                          .error_type = "ThrottlingException" };
    ddbxo_error err;
    char *resp;
    size_t len;
    memset(&cfg, 0, sizeof cfg);
    cfg.log = on_log;
    cfg.log_ctx = &lb;
    cfg.log_level = DDBXO_LOG_DEBUG;
    ddbxo_client *c = client_at(faultsrv_url(fs), "tok-abcdefgh12345", fast_opts(),
                                &cfg);
    faultsrv_push(fs, a);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "ListTables", "{}",
                                2, 0, &resp, &len, &err), 0);
    ddbxo_free(resp);
    ck_assert_int_eq(ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, "Bad Op", "{}",
                                2, 0, &resp, &len, &err), -1);
    ck_assert_ptr_nonnull(strstr(lb.text, "region us-east-1"));
    ck_assert_ptr_nonnull(strstr(lb.text, "ListTables: HTTP 200 after 2 attempts"));
    ck_assert_ptr_nonnull(strstr(lb.text, "credentials from static"));
    ck_assert_ptr_null(strstr(lb.text, SECRET));
    ck_assert_ptr_null(strstr(lb.text, "tok-abcdefgh12345"));
    done();
    faultsrv_stop(fs);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ddbxo call, as a user runs it                                        */
/* ------------------------------------------------------------------ */

/* Runs `build/ddbxo call ARGV...` (or $DDBXO_CLI) with a clean AWS
 * environment pointing at moto; stdout in *out (free it); returns the exit
 * status. */
static int run_cli(const char *const *argv, const char *stdin_text, char **out)
{
    const char *args[16] = { "call" };
    size_t n = 1;
    for (size_t i = 0; argv[i]; i++) {
        ck_assert(n < 15);
        args[n++] = argv[i];
    }
    args[n] = NULL;
    return tu_cli(tu_moto_endpoint(tu_moto_get()), args, NULL, stdin_text,
                  out, NULL);
}

START_TEST(cli_call_as_a_user)
{
    char *out;
    json_t *j;
    const char *list[] = { "ListTables", "{}", NULL };
    ck_assert_int_eq(run_cli(list, NULL, &out), 0);
    j = json_loads(out, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    ck_assert(json_is_array(json_object_get(j, "TableNames")));
    json_decref(j);
    free(out);

    /* Body from stdin, then a call that fails. */
    const char *create[] = { "CreateTable", "-", NULL };
    ck_assert_int_eq(run_cli(create,
        "{\"TableName\":\"t\",\"KeySchema\":[{\"AttributeName\":\"pk\","
        "\"KeyType\":\"HASH\"}],\"AttributeDefinitions\":[{\"AttributeName\":"
        "\"pk\",\"AttributeType\":\"S\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
        &out), 0);
    free(out);
    const char *describe[] = { "DescribeTable", "{\"TableName\":\"missing\"}", NULL };
    ck_assert_int_eq(run_cli(describe, NULL, &out), 1);
    j = json_loads(out, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    ck_assert_str_eq(str_at(j, "error.type"), "ResourceNotFoundException");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "error"),
                                                        "status")), 400);
    ck_assert(json_is_false(json_object_get(json_object_get(j, "error"),
                                            "retryable")));
    ck_assert_ptr_nonnull(strstr(str_at(j, "error.message"), "Table: missing"));
    json_decref(j);
    free(out);

    /* A refused condition prints the old item. */
    const char *p1[] = { "PutItem", "{\"TableName\":\"t\",\"Item\":{\"pk\":"
                         "{\"S\":\"a\"}}}", NULL };
    ck_assert_int_eq(run_cli(p1, NULL, &out), 0);
    free(out);
    const char *p2[] = { "PutItem", "{\"TableName\":\"t\",\"Item\":{\"pk\":"
                         "{\"S\":\"a\"}},\"ConditionExpression\":"
                         "\"attribute_not_exists(pk)\","
                         "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}",
                         NULL };
    ck_assert_int_eq(run_cli(p2, NULL, &out), 1);
    j = json_loads(out, 0, NULL);
    ck_assert_str_eq(str_at(j, "error.code"), "condition");
    ck_assert_str_eq(str_at(j, "error.item.pk.S"), "a");
    json_decref(j);
    free(out);

    /* SQS and usage errors. */
    const char *sqs[] = { "--service", "sqs", "CreateQueue",
                          "{\"QueueName\":\"q\"}", NULL };
    ck_assert_int_eq(run_cli(sqs, NULL, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "QueueUrl"));
    free(out);
    const char *none[] = { NULL };
    ck_assert_int_eq(run_cli(none, NULL, &out), 2);
    free(out);
    const char *badsvc[] = { "--service", "s3", "ListBuckets", NULL };
    ck_assert_int_eq(run_cli(badsvc, NULL, &out), 2);
    free(out);
    const char *badbody[] = { "ListTables", "{nope", NULL };
    ck_assert_int_eq(run_cli(badbody, NULL, &out), 2);
    free(out);
    const char *nofile[] = { "ListTables", "@/nonexistent/body.json", NULL };
    ck_assert_int_eq(run_cli(nofile, NULL, &out), 66);
    free(out);
    const char *help[] = { "--help", NULL };
    ck_assert_int_eq(run_cli(help, NULL, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "usage: ddbxo call"));
    free(out);
    /* An endpoint the client refuses: error JSON, exit 1. */
    const char *insecure[] = { "--endpoint-url", "http://10.0.0.1:1",
                               "ListTables", NULL };
    ck_assert_int_eq(run_cli(insecure, NULL, &out), 1);
    ck_assert_ptr_nonnull(strstr(out, "\"code\":\"config\""));
    free(out);
}
END_TEST

static Suite *ddb_suite(void)
{
    Suite *s = suite_create("ddb");
    TCase *tc = tcase_create("moto");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_add_test(tc, create_table_with_stream);
    tcase_add_test(tc, conditional_put_refused_with_old_item);
    tcase_add_test(tc, transaction_cancelled_with_reasons);
    tcase_add_test(tc, update_get_delete_round_trip);
    tcase_add_test(tc, stream_records_read_back);
    tcase_add_test(tc, five_hundred_html_is_retried_and_classified);
    tcase_add_test(tc, sqs_round_trip);
    tcase_add_test(tc, endpoint_from_environment);
    tcase_add_test(tc, plain_http_to_non_loopback_refused);
    tcase_add_test(tc, one_client_many_threads);
    tcase_add_test(tc, requests_on_a_multi);
    tcase_add_test(tc, cli_call_as_a_user);
    suite_add_tcase(s, tc);

    tc = tcase_create("wire");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, wire_framing_per_service);
    tcase_add_test(tc, throttling_is_retried_condition_is_not);
    tcase_add_test(tc, expired_token_refreshes_and_retries_once);
    tcase_add_test(tc, odd_answers_over_the_wire);
    tcase_add_test(tc, logging_goes_to_the_callback_without_secrets);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(ddb_suite)
