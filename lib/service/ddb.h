/* Internal: the ddb layer -- signed DynamoDB / Streams / SQS JSON calls,
 * the error model, and thin typed helpers (lib/service/ddb_ops.c).
 *
 * For the apply and batch layers:
 *   - ddbxo__ddb_call(): one call on this thread, jansson in and out;
 *   - ddbxo__ddb_req_new() / _finish(): the same call split in two so it
 *     can run on a ddbxo__http_multi (submit &r->http, &r->resp; call
 *     _finish from the done callback);
 *   - ddbxo__aws_error: what an error answer said, incl. the per-action
 *     CancellationReasons of TransactWriteItems and the ALL_OLD item of a
 *     failed condition.
 * Error codes: ConditionalCheckFailedException -> DDBXO_E_CONDITION,
 * TransactionCanceledException -> DDBXO_E_CANCELLED, any other error
 * answer -> DDBXO_E_AWS; transport errors keep the transport's codes.
 */
#ifndef DDBXO_LIB_DDB_H
#define DDBXO_LIB_DDB_H

#include <jansson.h>

#include "service/client.h"
#include "service/ddb_error.h"
#include "ddbxo.h"
#include "ddbxo/sys/ddb.h"
#include "util/json_write.h"
#include "transport/http.h"

/* ------------------------------------------------------------------ */
/* calls (lib/service/ddb.c)                                                    */
/* ------------------------------------------------------------------ */

/* Longest operation name accepted (the longest real one is ~35). */
#define DDBXO__MAX_OP_LEN 63

/* "DynamoDB_20120810", "DynamoDBStreams_20120810" or "AmazonSQS". */
const char *ddbxo__ddb_target_prefix(ddbxo_service svc);

/* One call in flight.  Opaque except for the two members a multi needs. */
typedef struct ddbxo__ddb_req {
    ddbxo__http_req http;        /* submit these two to a multi */
    ddbxo__http_resp resp;
    struct ddbxo__ddb_req_priv *priv;
} ddbxo__ddb_req;

/* Prepares operation `op` of svc with the JSON body (body_len bytes).
 * body is copied unless borrow is 1 (then it must outlive the request).
 * Every attempt is signed afresh with current credentials, and 4xx
 * answers are parsed and classified (ExpiredTokenException invalidates
 * the credentials and is retried once).  NULL + err (DDBXO_E_INVALID for
 * a bad op name, DDBXO_E_NOMEM). */
ddbxo__ddb_req *ddbxo__ddb_req_new(ddbxo_client *c, ddbxo_service svc,
                                   const char *op, const char *body,
                                   size_t body_len, int borrow,
                                   int64_t deadline_ms, ddbxo_error *err);
/* Same, serialising a JSON body (compact). */
ddbxo__ddb_req *ddbxo__ddb_req_new_json(ddbxo_client *c, ddbxo_service svc,
                                        const char *op, const json_t *body,
                                        int64_t deadline_ms, ddbxo_error *err);
/* Turns the transport's result (rc, and herr when rc != 0) into ours: on
 * success *out (if out) gets the parsed response ({} for an empty body)
 * and 0 is returned; on failure -1 with err set as documented above, and
 * *detail (if detail) gets the parsed error answer (empty when no answer
 * arrived).  Call once, then free. */
/* The same, with text spliced into objects of body (an image passed
 * through; lib/util/json_write.h). */
ddbxo__ddb_req *ddbxo__ddb_req_new_splice(ddbxo_client *c, ddbxo_service svc,
                                          const char *op, const json_t *body,
                                          const ddbxo__json_splice *sp,
                                          size_t nsp, int64_t deadline_ms,
                                          ddbxo_error *err);
int ddbxo__ddb_req_finish(ddbxo__ddb_req *r, int rc, const ddbxo_error *herr,
                          json_t **out, ddbxo__aws_error *detail,
                          ddbxo_error *err);
/* As _finish, but hands over the raw response body (NUL-terminated; "{}"
 * for an empty one; free with free()) instead of parsing it. */
int ddbxo__ddb_req_finish_raw(ddbxo__ddb_req *r, int rc,
                              const ddbxo_error *herr, char **out,
                              size_t *out_len, ddbxo__aws_error *detail,
                              ddbxo_error *err);
/* Frees r (wiping the credentials snapshot).  Accepts NULL. */
void ddbxo__ddb_req_free(ddbxo__ddb_req *r);

/* Sends one call and waits: new + ddbxo__http_call + finish + free.
 * out and detail may be NULL. */
int ddbxo__ddb_call(ddbxo_client *c, ddbxo_service svc, const char *op,
                    const json_t *body, int64_t deadline_ms, json_t **out,
                    ddbxo__aws_error *detail, ddbxo_error *err);

/* ------------------------------------------------------------------ */
/* typed helpers (lib/service/ddb_ops.c)                                        */
/* ------------------------------------------------------------------ */
/* Each builds the request from its arguments plus `extra` (may be NULL:
 * further top-level members copied into the request, e.g.
 * ConditionExpression, ExpressionAttributeNames/Values,
 * ReturnValuesOnConditionCheckFailure), calls, and returns as
 * ddbxo__ddb_call does: *out (if out) = the whole parsed response. */

int ddbxo__ddb_call_splice(ddbxo_client *c, ddbxo_service svc, const char *op,
                           const json_t *body, const ddbxo__json_splice *sp,
                           size_t nsp, int64_t deadline_ms, json_t **out,
                           ddbxo__aws_error *detail, ddbxo_error *err);
int ddbxo__ddb_put_item(ddbxo_client *c, const char *table, const json_t *item,
                        const json_t *extra, int64_t deadline_ms, json_t **out,
                        ddbxo__aws_error *detail, ddbxo_error *err);
int ddbxo__ddb_update_item(ddbxo_client *c, const char *table,
                           const json_t *key, const char *update_expression,
                           const json_t *extra, int64_t deadline_ms,
                           json_t **out, ddbxo__aws_error *detail,
                           ddbxo_error *err);
int ddbxo__ddb_delete_item(ddbxo_client *c, const char *table,
                           const json_t *key, const json_t *extra,
                           int64_t deadline_ms, json_t **out,
                           ddbxo__aws_error *detail, ddbxo_error *err);
/* consistent: 1 = ConsistentRead.  The item is (*out)["Item"], absent when
 * there is none. */
int ddbxo__ddb_get_item(ddbxo_client *c, const char *table, const json_t *key,
                        int consistent, const json_t *extra,
                        int64_t deadline_ms, json_t **out, ddbxo_error *err);
/* items: the TransactItems array (1..100 actions).  token: the
 * ClientRequestToken or NULL. */
int ddbxo__ddb_transact_write(ddbxo_client *c, const json_t *items,
                              const char *token, const json_t *extra,
                              int64_t deadline_ms, json_t **out,
                              ddbxo__aws_error *detail, ddbxo_error *err);

/* A table with partition key pk (type "S", "N" or "B") and optional sort
 * key sk (NULL for none), PAY_PER_REQUEST unless extra says otherwise, and
 * a stream of stream_view_type ("NEW_AND_OLD_IMAGES", ...; NULL = none). */
int ddbxo__ddb_create_table(ddbxo_client *c, const char *table,
                            const char *pk, const char *pk_type,
                            const char *sk, const char *sk_type,
                            const char *stream_view_type, const json_t *extra,
                            int64_t deadline_ms, json_t **out,
                            ddbxo_error *err);
int ddbxo__ddb_describe_table(ddbxo_client *c, const char *table,
                              int64_t deadline_ms, json_t **out,
                              ddbxo_error *err);
/* Polls DescribeTable until TableStatus is ACTIVE (deadline 0 = 5 min).
 * DDBXO_E_TIMEOUT when it is not by then. */
int ddbxo__ddb_wait_table_active(ddbxo_client *c, const char *table,
                                 int64_t deadline_ms, ddbxo_error *err);
int ddbxo__ddb_update_ttl(ddbxo_client *c, const char *table,
                          const char *attribute, int enabled,
                          int64_t deadline_ms, json_t **out, ddbxo_error *err);

/* Streams.  describe_stream_all: every page of DescribeStream; *out is
 * the first page's response with all Shards in its StreamDescription and
 * no LastEvaluatedShardId. */
int ddbxo__ddb_describe_stream_all(ddbxo_client *c, const char *stream_arn,
                                   int64_t deadline_ms, json_t **out,
                                   ddbxo_error *err);
/* type: TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER
 * (seq required for the last two, else ignored). */
int ddbxo__ddb_get_shard_iterator(ddbxo_client *c, const char *stream_arn,
                                  const char *shard_id, const char *type,
                                  const char *seq, int64_t deadline_ms,
                                  json_t **out, ddbxo_error *err);
/* limit 0 = the service default (1000). */
int ddbxo__ddb_get_records(ddbxo_client *c, const char *iterator, int limit,
                           int64_t deadline_ms, json_t **out,
                           ddbxo_error *err);
/* GetRecords, its page read into an event (records without an
 * eventSourceARN take stream_arn; see ddbxo__parse_stream_event_ex).  An
 * answer that is not a stream page fails with DDBXO_E_HTTP, retryable. */
int ddbxo__ddb_get_records_event(ddbxo_client *c, const char *iterator,
                                 int limit, int64_t deadline_ms,
                                 const char *stream_arn, ddbxo_event **out,
                                 ddbxo_error *err);

/* SQS (JSON protocol). */
int ddbxo__sqs_send_message(ddbxo_client *c, const char *queue_url,
                            const char *body, const json_t *extra,
                            int64_t deadline_ms, json_t **out,
                            ddbxo_error *err);
/* max 1..10 messages; wait_s 0..20 (long polling). */
int ddbxo__sqs_receive_message(ddbxo_client *c, const char *queue_url,
                               int max, int wait_s, const json_t *extra,
                               int64_t deadline_ms, json_t **out,
                               ddbxo_error *err);
int ddbxo__sqs_delete_message(ddbxo_client *c, const char *queue_url,
                              const char *receipt_handle, int64_t deadline_ms,
                              ddbxo_error *err);

#endif
