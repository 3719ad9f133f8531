/* Typed helpers over ddbxo__ddb_call: each builds one request body from
 * its arguments (plus the caller's `extra` members), calls, and returns
 * the parsed response.  Deliberately thin: no retries or waiting beyond
 * the transport's, except the two documented loops (all shards of a
 * stream; a table becoming ACTIVE). */
#include "service/ddb.h"
#include "stream/record.h"
#include "util/clock.h"
#include "util/error.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* A request under construction: a set that fails (a NULL argument, text
 * that is not UTF-8, no memory) marks it bad, and send() reports that
 * once instead of every helper checking every line. */
typedef struct build {
    json_t *o;
    const char *bad;             /* name of the first bad member */
} build;

/* Starts a request with `extra`'s members (the helper's own arguments are
 * set afterwards, so they win). */
static int begin(build *b, const json_t *extra, const char *op,
                 ddbxo_error *err)
{
    b->bad = NULL;
    if (extra && !json_is_object(extra))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "%s: extra must be a JSON object", op);
    if (!(b->o = json_object()) ||
        (extra && json_object_update(b->o, (json_t *)extra) < 0)) {
        json_decref(b->o);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    return 0;
}

/* Sets k to v (stolen); a NULL v marks the request bad. */
static void set(build *b, const char *k, json_t *v)
{
    if (!v || json_object_set_new(b->o, k, v) < 0) {
        if (!b->bad)
            b->bad = k;
    }
}

static void set_str(build *b, const char *k, const char *s)
{
    set(b, k, s ? json_string(s) : NULL);
}

/* Sets k to a copy-free reference of a caller's value (must be v's kind). */
static void set_ref(build *b, const char *k, const json_t *v, int object)
{
    if (!v || (object ? !json_is_object(v) : !json_is_array(v))) {
        if (!b->bad)
            b->bad = k;
        return;
    }
    set(b, k, json_incref((json_t *)v));
}

static int send(build *b, ddbxo_client *c, ddbxo_service svc, const char *op,
                int64_t deadline_ms, json_t **out, ddbxo__aws_error *detail,
                ddbxo_error *err)
{
    int rc;
    if (out)
        *out = NULL;
    if (b->bad) {
        json_decref(b->o);
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "%s: %s is missing or invalid (NULL, not UTF-8, or "
                          "not the right JSON kind)", op, b->bad);
    }
    rc = ddbxo__ddb_call(c, svc, op, b->o, deadline_ms, out, detail, err);
    json_decref(b->o);
    return rc;
}

#define DDB DDBXO_SERVICE_DYNAMODB
#define STREAMS DDBXO_SERVICE_STREAMS
#define SQS DDBXO_SERVICE_SQS

/* ------------------------------------------------------------------ */
/* items                                                                */
/* ------------------------------------------------------------------ */

int ddbxo__ddb_put_item(ddbxo_client *c, const char *table, const json_t *item,
                        const json_t *extra, int64_t deadline_ms, json_t **out,
                        ddbxo__aws_error *detail, ddbxo_error *err)
{
    build b;
    if (begin(&b, extra, "PutItem", err) < 0)
        return -1;
    set_str(&b, "TableName", table);
    set_ref(&b, "Item", item, 1);
    return send(&b, c, DDB, "PutItem", deadline_ms, out, detail, err);
}

int ddbxo__ddb_update_item(ddbxo_client *c, const char *table,
                           const json_t *key, const char *update_expression,
                           const json_t *extra, int64_t deadline_ms,
                           json_t **out, ddbxo__aws_error *detail,
                           ddbxo_error *err)
{
    build b;
    if (begin(&b, extra, "UpdateItem", err) < 0)
        return -1;
    set_str(&b, "TableName", table);
    set_ref(&b, "Key", key, 1);
    if (update_expression)
        set_str(&b, "UpdateExpression", update_expression);
    return send(&b, c, DDB, "UpdateItem", deadline_ms, out, detail, err);
}

int ddbxo__ddb_delete_item(ddbxo_client *c, const char *table,
                           const json_t *key, const json_t *extra,
                           int64_t deadline_ms, json_t **out,
                           ddbxo__aws_error *detail, ddbxo_error *err)
{
    build b;
    if (begin(&b, extra, "DeleteItem", err) < 0)
        return -1;
    set_str(&b, "TableName", table);
    set_ref(&b, "Key", key, 1);
    return send(&b, c, DDB, "DeleteItem", deadline_ms, out, detail, err);
}

int ddbxo__ddb_get_item(ddbxo_client *c, const char *table, const json_t *key,
                        int consistent, const json_t *extra,
                        int64_t deadline_ms, json_t **out, ddbxo_error *err)
{
    build b;
    if (begin(&b, extra, "GetItem", err) < 0)
        return -1;
    set_str(&b, "TableName", table);
    set_ref(&b, "Key", key, 1);
    if (consistent)
        set(&b, "ConsistentRead", json_true());
    return send(&b, c, DDB, "GetItem", deadline_ms, out, NULL, err);
}

int ddbxo__ddb_transact_write(ddbxo_client *c, const json_t *items,
                              const char *token, const json_t *extra,
                              int64_t deadline_ms, json_t **out,
                              ddbxo__aws_error *detail, ddbxo_error *err)
{
    build b;
    if (begin(&b, extra, "TransactWriteItems", err) < 0)
        return -1;
    set_ref(&b, "TransactItems", items, 0);
    if (token)
        set_str(&b, "ClientRequestToken", token);
    return send(&b, c, DDB, "TransactWriteItems", deadline_ms, out, detail,
                err);
}

/* ------------------------------------------------------------------ */
/* tables                                                               */
/* ------------------------------------------------------------------ */

static json_t *key_attr(const char *name, const char *kind_key,
                        const char *kind)
{
    return name && kind ? json_pack("{s:s,s:s}", "AttributeName", name,
                                    kind_key, kind)
                        : NULL;
}

int ddbxo__ddb_create_table(ddbxo_client *c, const char *table,
                            const char *pk, const char *pk_type,
                            const char *sk, const char *sk_type,
                            const char *stream_view_type, const json_t *extra,
                            int64_t deadline_ms, json_t **out,
                            ddbxo_error *err)
{
    json_t *defs = json_array(), *schema = json_array();
    build b;
    if (begin(&b, NULL, "CreateTable", err) < 0) {
        json_decref(defs);
        json_decref(schema);
        return -1;
    }
    /* On-demand unless extra says otherwise: no capacity to plan for the
     * ledger and checkpoint tables. */
    set_str(&b, "BillingMode", "PAY_PER_REQUEST");
    if (extra && (!json_is_object(extra) ||
                  json_object_update(b.o, (json_t *)extra) < 0))
        b.bad = "extra";
    json_array_append_new(defs, key_attr(pk, "AttributeType", pk_type));
    json_array_append_new(schema, key_attr(pk, "KeyType", "HASH"));
    if (sk) {
        json_array_append_new(defs, key_attr(sk, "AttributeType", sk_type));
        json_array_append_new(schema, key_attr(sk, "KeyType", "RANGE"));
    }
    set_str(&b, "TableName", table);
    if (json_array_size(defs) != (sk ? 2u : 1u) ||
        json_array_size(schema) != json_array_size(defs)) {
        json_decref(defs);
        json_decref(schema);
        defs = schema = NULL;    /* marks the key schema bad below */
    }
    set(&b, "AttributeDefinitions", defs);
    set(&b, "KeySchema", schema);
    if (stream_view_type)
        set(&b, "StreamSpecification",
            json_pack("{s:b,s:s}", "StreamEnabled", 1, "StreamViewType",
                      stream_view_type));
    return send(&b, c, DDB, "CreateTable", deadline_ms, out, NULL, err);
}

int ddbxo__ddb_describe_table(ddbxo_client *c, const char *table,
                              int64_t deadline_ms, json_t **out,
                              ddbxo_error *err)
{
    build b;
    if (begin(&b, NULL, "DescribeTable", err) < 0)
        return -1;
    set_str(&b, "TableName", table);
    return send(&b, c, DDB, "DescribeTable", deadline_ms, out, NULL, err);
}

int ddbxo__ddb_wait_table_active(ddbxo_client *c, const char *table,
                                 int64_t deadline_ms, ddbxo_error *err)
{
    int64_t wait = 100;
    if (deadline_ms <= 0)
        deadline_ms = ddbxo__wall_ms() + 5 * 60 * 1000;
    for (;;) {
        json_t *out;
        char status[32];
        if (ddbxo__ddb_describe_table(c, table, deadline_ms, &out, err) < 0)
            return -1;
        ddbxo__strlcpy(status, json_string_value(json_object_get(
                                   json_object_get(out, "Table"),
                                   "TableStatus")),
                       sizeof status);
        json_decref(out);
        if (strcmp(status, "ACTIVE") == 0)
            return 0;
        if (ddbxo__wall_ms() + wait >= deadline_ms)
            return ddbxo__err(err, DDBXO_E_TIMEOUT, NULL,
                              "DescribeTable: table not ACTIVE before the "
                              "deadline (status '%s')", status);
        ddbxo__sleep_ms(wait);
        if (wait < 2000)
            wait *= 2;
    }
}

int ddbxo__ddb_update_ttl(ddbxo_client *c, const char *table,
                          const char *attribute, int enabled,
                          int64_t deadline_ms, json_t **out, ddbxo_error *err)
{
    build b;
    if (begin(&b, NULL, "UpdateTimeToLive", err) < 0)
        return -1;
    set_str(&b, "TableName", table);
    set(&b, "TimeToLiveSpecification",
        attribute ? json_pack("{s:s,s:b}", "AttributeName", attribute,
                              "Enabled", enabled ? 1 : 0)
                  : NULL);
    return send(&b, c, DDB, "UpdateTimeToLive", deadline_ms, out, NULL, err);
}

/* ------------------------------------------------------------------ */
/* streams                                                              */
/* ------------------------------------------------------------------ */

/* One page (start_shard_id NULL = first; limit 0 = the service
 * default). */
static int describe_stream(ddbxo_client *c, const char *stream_arn,
                           const char *start_shard_id, int limit,
                           int64_t deadline_ms, json_t **out,
                           ddbxo_error *err)
{
    build b;
    if (begin(&b, NULL, "DescribeStream", err) < 0)
        return -1;
    set_str(&b, "StreamArn", stream_arn);
    if (start_shard_id)
        set_str(&b, "ExclusiveStartShardId", start_shard_id);
    if (limit > 0)
        set(&b, "Limit", json_integer(limit));
    return send(&b, c, STREAMS, "DescribeStream", deadline_ms, out, NULL, err);
}

/* A stream has at most a few thousand shards (about 4 per partition over
 * 24 h); 100 per page.  Far more pages than that means a server that
 * never ends the listing. */
#define MAX_DESCRIBE_PAGES 10000

int ddbxo__ddb_describe_stream_all(ddbxo_client *c, const char *stream_arn,
                                   int64_t deadline_ms, json_t **out,
                                   ddbxo_error *err)
{
    json_t *first = NULL, *all = json_array(), *sd;
    char last[128] = "";
    int rc = -1;

    *out = NULL;
    if (!all)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    for (int page = 0;; page++) {
        json_t *resp, *lev;
        if (page == MAX_DESCRIBE_PAGES) {
            ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                       "DescribeStream: more than %d pages of shards",
                       MAX_DESCRIBE_PAGES);
            goto out;
        }
        if (describe_stream(c, stream_arn, last[0] ? last : NULL, 0,
                            deadline_ms, &resp, err) < 0)
            goto out;
        sd = json_object_get(resp, "StreamDescription");
        if (!json_is_object(sd)) {
            json_decref(resp);
            ddbxo__err(err, DDBXO_E_HTTP, NULL,
                       "DescribeStream: answer has no StreamDescription");
            goto out;
        }
        json_array_extend(all, json_object_get(sd, "Shards"));
        lev = json_object_get(sd, "LastEvaluatedShardId");
        /* The listing ends only when LastEvaluatedShardId is absent or
         * empty (docs/aws-facts.md §4). */
        if (!json_is_string(lev) || json_string_length(lev) == 0) {
            if (!first)
                first = resp;
            else
                json_decref(resp);
            break;
        }
        if (json_string_length(lev) >= sizeof last ||
            strcmp(json_string_value(lev), last) == 0) {
            json_decref(resp);
            ddbxo__err(err, DDBXO_E_HTTP, NULL,
                       "DescribeStream: LastEvaluatedShardId %s",
                       last[0] ? "repeats" : "is too long");
            goto out;
        }
        memcpy(last, json_string_value(lev), json_string_length(lev) + 1);
        if (!first)
            first = resp;
        else
            json_decref(resp);
    }
    sd = json_object_get(first, "StreamDescription");
    json_object_del(sd, "LastEvaluatedShardId");
    if (json_object_set(sd, "Shards", all) < 0) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    *out = first;
    first = NULL;
    rc = 0;
out:
    json_decref(first);
    json_decref(all);
    return rc;
}

int ddbxo__ddb_get_shard_iterator(ddbxo_client *c, const char *stream_arn,
                                  const char *shard_id, const char *type,
                                  const char *seq, int64_t deadline_ms,
                                  json_t **out, ddbxo_error *err)
{
    build b;
    if (begin(&b, NULL, "GetShardIterator", err) < 0)
        return -1;
    set_str(&b, "StreamArn", stream_arn);
    set_str(&b, "ShardId", shard_id);
    set_str(&b, "ShardIteratorType", type);
    if (type && strstr(type, "SEQUENCE_NUMBER"))
        set_str(&b, "SequenceNumber", seq);
    return send(&b, c, STREAMS, "GetShardIterator", deadline_ms, out, NULL,
                err);
}

int ddbxo__ddb_get_records(ddbxo_client *c, const char *iterator, int limit,
                           int64_t deadline_ms, json_t **out, ddbxo_error *err)
{
    build b;
    if (begin(&b, NULL, "GetRecords", err) < 0)
        return -1;
    set_str(&b, "ShardIterator", iterator);
    if (limit > 0)
        set(&b, "Limit", json_integer(limit));
    return send(&b, c, STREAMS, "GetRecords", deadline_ms, out, NULL, err);
}

int ddbxo__ddb_get_records_event(ddbxo_client *c, const char *iterator,
                                 int limit, int64_t deadline_ms,
                                 const char *stream_arn, ddbxo_event **out,
                                 ddbxo_error *err)
{
    build b;
    ddbxo__ddb_req *r;
    ddbxo_error herr;
    char *text = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if (begin(&b, NULL, "GetRecords", err) < 0)
        return -1;
    set_str(&b, "ShardIterator", iterator);
    if (limit > 0)
        set(&b, "Limit", json_integer(limit));
    if (b.bad) {
        json_decref(b.o);
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "GetRecords: %s is missing or invalid", b.bad);
    }
    r = ddbxo__ddb_req_new_json(c, STREAMS, "GetRecords", b.o, deadline_ms,
                                err);
    json_decref(b.o);
    if (!r)
        return -1;
    ddbxo_error_clear(&herr);
    rc = ddbxo__http_call(ddbxo__client_http(c), &r->http, &r->resp, &herr);
    rc = ddbxo__ddb_req_finish_raw(r, rc, &herr, &text, &len, NULL, err);
    ddbxo__ddb_req_free(r);
    if (rc < 0)
        return -1;
    /* The page goes straight into a record document, which keeps the
     * answer's text: no tree, no copy. */
    *out = ddbxo__parse_stream_event_ex(text, len, stream_arn, DDBXO__EV_OWN,
                                        err);
    if (!*out) {
        /* The service's answer, not the caller's input: a transport
         * problem, worth another try. */
        err->code = DDBXO_E_HTTP;
        err->retryable = 1;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* SQS                                                                  */
/* ------------------------------------------------------------------ */

int ddbxo__sqs_send_message(ddbxo_client *c, const char *queue_url,
                            const char *body, const json_t *extra,
                            int64_t deadline_ms, json_t **out,
                            ddbxo_error *err)
{
    build b;
    if (begin(&b, extra, "SendMessage", err) < 0)
        return -1;
    set_str(&b, "QueueUrl", queue_url);
    set_str(&b, "MessageBody", body);
    return send(&b, c, SQS, "SendMessage", deadline_ms, out, NULL, err);
}

int ddbxo__sqs_receive_message(ddbxo_client *c, const char *queue_url,
                               int max, int wait_s, const json_t *extra,
                               int64_t deadline_ms, json_t **out,
                               ddbxo_error *err)
{
    build b;
    if (max < 1 || max > 10 || wait_s < 0 || wait_s > 20)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "ReceiveMessage: max must be 1..10 and wait_s "
                          "0..20");
    if (begin(&b, extra, "ReceiveMessage", err) < 0)
        return -1;
    set_str(&b, "QueueUrl", queue_url);
    set(&b, "MaxNumberOfMessages", json_integer(max));
    set(&b, "WaitTimeSeconds", json_integer(wait_s));
    return send(&b, c, SQS, "ReceiveMessage", deadline_ms, out, NULL, err);
}

int ddbxo__sqs_delete_message(ddbxo_client *c, const char *queue_url,
                              const char *receipt_handle, int64_t deadline_ms,
                              ddbxo_error *err)
{
    build b;
    if (begin(&b, NULL, "DeleteMessage", err) < 0)
        return -1;
    set_str(&b, "QueueUrl", queue_url);
    set_str(&b, "ReceiptHandle", receipt_handle);
    return send(&b, c, SQS, "DeleteMessage", deadline_ms, NULL, NULL, err);
}
