/* Requests only the tests make (ListStreams, CreateQueue, GetQueueUrl),
 * shaped like lib/service/ddb_ops.c's: 0 with *out (if out) = the parsed
 * answer, or -1 with err; they do not fail the test themselves (but
 * tu_sqs_queue_visible does). */
#ifndef DDBXO_TEST_AWSOPS_H
#define DDBXO_TEST_AWSOPS_H

#include <jansson.h>
#include <stdint.h>

#include "ddbxo.h"

/* ListStreams, of one table (table NULL = all); extra's members are added
 * to the request. */
int tu_list_streams(ddbxo_client *c, const char *table, const json_t *extra,
                    int64_t deadline_ms, json_t **out, ddbxo_error *err);
/* SQS CreateQueue with optional Attributes, and GetQueueUrl. */
int tu_sqs_create_queue(ddbxo_client *c, const char *name,
                        const json_t *attributes, int64_t deadline_ms,
                        json_t **out, ddbxo_error *err);
int tu_sqs_get_queue_url(ddbxo_client *c, const char *name,
                         int64_t deadline_ms, json_t **out, ddbxo_error *err);
/* A queue with VisibilityTimeout 0 (a message left in it can be seen
 * again at once); its URL (malloc'd).  Fails the test on error. */
char *tu_sqs_queue_visible(ddbxo_client *c, const char *name);

#endif
