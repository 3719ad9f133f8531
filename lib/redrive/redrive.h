/* Internal: what `ddbxo redrive` needs below the CLI -- telling the SQS
 * message kinds apart and reading the range of a Lambda on-failure record
 * back from the stream (docs/redrive.md). */
#ifndef DDBXO_LIB_REDRIVE_H
#define DDBXO_LIB_REDRIVE_H

#include <jansson.h>
#include <stddef.h>

#include "ddbxo.h"

/* lib/redrive/redrive.c */

enum {
    DDBXO__REDRIVE_UNKNOWN = 0,  /* neither shape below */
    DDBXO__REDRIVE_PARK,         /* {"ddbxo_park":1,...,"record":{...}} */
    DDBXO__REDRIVE_ONFAILURE     /* {...,"DDBStreamBatchInfo":{...}} */
};

/* DDBStreamBatchInfo (docs/aws-facts.md §5); strings borrowed from the body. */
typedef struct ddbxo__batch_info {
    const char *stream_arn, *shard_id, *start, *end;
} ddbxo__batch_info;

/* What a message said.  Pointers borrow from `body`. */
typedef struct ddbxo__redrive_msg {
    int kind;                    /* DDBXO__REDRIVE_* */
    const json_t *record;        /* PARK: the record object */
    const char *source_table;    /* PARK: the table the dedup key used, or
                                    NULL */
    ddbxo__batch_info info;      /* ONFAILURE */
    char why[160];               /* UNKNOWN: what did not fit (names
                                    fields, never values) */
} ddbxo__redrive_msg;

/* Parses a message body (any bytes) and unwraps an SNS notification
 * ({"Type":"Notification","Message":"<json>"}: an SNS topic subscribed by
 * the queue).  Returns the JSON document (new reference) or NULL when the
 * body is not a JSON object. */
json_t *ddbxo__redrive_body(const char *text, size_t len);

/* Classifies a body from ddbxo__redrive_body (NULL = not JSON). */
void ddbxo__redrive_classify(const json_t *body, ddbxo__redrive_msg *m);

/* A range read back from the stream. */
typedef struct ddbxo__range_read {
    json_t *records;             /* new reference: the records of the range
                                    still in the stream, in order, with
                                    eventSourceARN set (the Lambda shape) */
    int lost;                    /* 1: some or all of the range is gone */
    char first_available[DDBXO_SEQ_BUFSIZE]; /* lost: the first sequence
                                    number found after start, "" if none */
    char why[200];               /* lost: how we know */
} ddbxo__range_read;

/* Refuses ranges longer than this (an ESM batch holds at most 10,000). */
#define DDBXO__REDRIVE_MAX_RECORDS 10000

/* Reads records start..end (inclusive) of the shard back: AT_SEQUENCE_NUMBER
 * start, GetRecords until past end, the shard's end, or its tip.  What the
 * stream no longer holds (shard or stream gone, TrimmedDataAccessException,
 * a first record above start) sets out->lost; what is still there is
 * returned either way.  0 on success (lost or not); -1 + err when the
 * stream could not be read (the range may still be there).  Free
 * out->records with json_decref. */
int ddbxo__redrive_read_range(ddbxo_client *c, const ddbxo__batch_info *bi,
                              int64_t deadline_ms, ddbxo__range_read *out,
                              ddbxo_error *err);

#endif
