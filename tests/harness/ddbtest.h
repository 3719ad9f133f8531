/* Test helpers for suites that talk to moto through the library: a client
 * on the shared moto instance, tables, items, and real stream events (read
 * back from moto's stream and wrapped in the Lambda event shape).  Every
 * helper fails the current test (ck_assert) on error. */
#ifndef DDBXO_TEST_DDBTEST_H
#define DDBXO_TEST_DDBTEST_H

#include <jansson.h>

#include "ddbxo.h"

#define TU_REGION "us-east-1"
#define TU_AKID "AKIDEXAMPLEDDBXO0001"
#define TU_SECRET "ddbxo-test-secret-key-0123456789"

/* A client with every endpoint at url and static test credentials.  Free
 * with tu_client_free (also frees the credentials provider). */
ddbxo_client *tu_client_at(const char *url);
/* The same in region, assuming role_arn when not NULL through the same
 * server's STS (sets AWS_ENDPOINT_URL_STS).  Free with tu_client_free. */
ddbxo_client *tu_client_in(const char *url, const char *region,
                           const char *role_arn);
/* tu_client_at(the shared moto instance). */
ddbxo_client *tu_moto_client(void);
void tu_client_free(ddbxo_client *c);

/* Parses JSON text written in a test; aborts the test on a typo. */
json_t *tu_json(const char *text);
/* The value at a dotted path of object members ("a.b.c"), or NULL. */
const json_t *tu_json_at(const json_t *j, const char *path);

/* CreateTable (partition key pk of type pk_type, optional sort key sk;
 * stream_view NULL = no stream) and wait until ACTIVE.  Returns the
 * stream ARN (static buffer, "" without a stream). */
const char *tu_create_table(ddbxo_client *c, const char *name, const char *pk,
                            const char *pk_type, const char *sk,
                            const char *sk_type, const char *stream_view);
/* PutItem / DeleteItem with JSON text. */
void tu_put(ddbxo_client *c, const char *table, const char *item_json);
void tu_delete(ddbxo_client *c, const char *table, const char *key_json);
/* Consistent GetItem: the item (new reference) or NULL when absent. */
json_t *tu_get(ddbxo_client *c, const char *table, const char *key_json);
/* Every item of a table (Scan, all pages) as a JSON array (new ref). */
json_t *tu_scan(ddbxo_client *c, const char *table);
/* Items of a table sorted by their canonical JSON text, joined by '\n'
 * (malloc'd): a whole-table snapshot two states can be compared by. */
char *tu_snapshot(ddbxo_client *c, const char *table);

/* Every record of the stream of `table` from TRIM_HORIZON, as a Lambda
 * event {"Records":[...]} whose records carry eventSourceARN (malloc'd
 * JSON text).  first/count select records [first, first+count) of the
 * stream (count 0 = to the end): how tests cut a stream into batches. */
char *tu_stream_event(ddbxo_client *c, const char *table, size_t first,
                      size_t count);
/* Number of records in the stream of `table` so far. */
size_t tu_stream_count(ddbxo_client *c, const char *table);

/* The replica workload of the runner suites on `table` (partition key pk
 * S): writes [start, start+n) over `items` items, PutItem only (an
 * UpdateItem that creates emits two INSERTs on moto, docs/moto-gaps.md C3),
 * every 7th write a delete. */
void tu_workload(ddbxo_client *c, const char *table, int start, int n,
                 int items);
/* Items k<first>..k<first+n-1> (partition key pk S, the key spelled as
 * tu_workload spells it) with a number v, a group grp of six and an
 * amount, written 25 at a time with BatchWriteItem: a large table fast. */
void tu_put_many(ddbxo_client *c, const char *table, int first, int n);
/* UpdateTable: enables a stream of view type `view` on an existing table
 * (the items already there are then not in it, as on a real table). */
void tu_enable_stream(ddbxo_client *c, const char *table, const char *view);

/* Asserts that dst is a replicate-mode replica of src (partition key pk
 * S): every target item carries _ddbxo_seq; live ones equal their source
 * item apart from the _ddbxo_* attributes; the rest are tombstones of
 * items the source no longer has; and no source item is missing. */
void tu_expect_replica(ddbxo_client *c, const char *src, const char *dst);

#endif
