/* Requests only the tests make (tests/harness/awsops.h), sent through the
 * library's JSON call. */
#include "awsops.h"

#include "service/ddb.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends body (stolen) as op to svc; -1 when body could not be built. */
static int send(ddbxo_client *c, ddbxo_service svc, const char *op,
                json_t *body, int64_t deadline_ms, json_t **out,
                ddbxo_error *err)
{
    int rc;
    if (out)
        *out = NULL;
    if (!body) {
        if (err) {
            err->code = DDBXO_E_INVALID;
            snprintf(err->message, sizeof err->message,
                     "%s: bad arguments", op);
        }
        return -1;
    }
    rc = ddbxo__ddb_call(c, svc, op, body, deadline_ms, out, NULL, err);
    json_decref(body);
    return rc;
}

int tu_list_streams(ddbxo_client *c, const char *table, const json_t *extra,
                    int64_t deadline_ms, json_t **out, ddbxo_error *err)
{
    json_t *b = extra ? json_deep_copy(extra) : json_object();
    if (b && table)
        json_object_set_new(b, "TableName", json_string(table));
    return send(c, DDBXO_SERVICE_STREAMS, "ListStreams", b, deadline_ms, out,
                err);
}

int tu_sqs_create_queue(ddbxo_client *c, const char *name,
                        const json_t *attributes, int64_t deadline_ms,
                        json_t **out, ddbxo_error *err)
{
    json_t *b = name ? json_pack("{s:s}", "QueueName", name) : NULL;
    if (b && attributes)
        json_object_set_new(b, "Attributes", json_deep_copy(attributes));
    return send(c, DDBXO_SERVICE_SQS, "CreateQueue", b, deadline_ms, out, err);
}

int tu_sqs_get_queue_url(ddbxo_client *c, const char *name,
                         int64_t deadline_ms, json_t **out, ddbxo_error *err)
{
    json_t *b = name ? json_pack("{s:s}", "QueueName", name) : NULL;
    return send(c, DDBXO_SERVICE_SQS, "GetQueueUrl", b, deadline_ms, out, err);
}

char *tu_sqs_queue_visible(ddbxo_client *c, const char *name)
{
    ddbxo_error err;
    json_t *q = NULL, *attrs = json_pack("{s:s}", "VisibilityTimeout", "0");
    char *url;
    ck_assert_msg(tu_sqs_create_queue(c, name, attrs, 0, &q, &err) == 0,
                  "CreateQueue %s: %s", name, err.message);
    url = strdup(json_string_value(json_object_get(q, "QueueUrl")));
    ck_assert_ptr_nonnull(url);
    json_decref(q);
    json_decref(attrs);
    return url;
}
