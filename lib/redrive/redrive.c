/* lib/redrive/: taking parked and failed records back.  Owns telling the
 * message kinds apart and reading an on-failure range back from the
 * stream (this file), and the engine behind ddbxo_redrive_run
 * (redrive_run): draining the SQS queue, re-applying the records and
 * deleting what was settled.  It may call util/, service/, stream/ and
 * apply/. */

/* ddbxo redrive, below the CLI: which kind of SQS message this is, and
 * reading a Lambda on-failure range back from the stream.  The on-failure
 * record carries only DDBStreamBatchInfo (docs/aws-facts.md §5): the records have
 * to be read again while the stream still holds them (24 h). */
#include "redrive/redrive.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "service/ddb.h"
#include "util/error.h"

/* Longest ARN / shard id we pass on (real ones are ~100 / ~60). */
#define MAX_ID_LEN 2048
/* Empty pages before the range's first record we put up with: DynamoDB
 * may answer empty pages while an iterator walks over trimmed space. */
#define MAX_EMPTY_PAGES 5
/* GetRecords calls per range at most (a full shard is ~4 h of writes). */
#define MAX_PAGES 2000

json_t *ddbxo__redrive_body(const char *text, size_t len)
{
    json_t *j, *inner;
    const char *msg;
    if (!text)
        return NULL;
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    /* An SNS topic delivered to the queue: the real body is a string. */
    msg = json_string_value(json_object_get(j, "Message"));
    if (msg && json_is_string(json_object_get(j, "Type")) &&
        strcmp(json_string_value(json_object_get(j, "Type")),
               "Notification") == 0) {
        inner = json_loadb(msg, json_string_length(json_object_get(j,
                                                                   "Message")),
                           JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
        json_decref(j);
        if (!json_is_object(inner)) {
            json_decref(inner);
            return NULL;
        }
        return inner;
    }
    return j;
}

static const char *id_member(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s && *s && strlen(s) <= MAX_ID_LEN ? s : NULL;
}

static void unknown(ddbxo__redrive_msg *m, const char *why)
{
    m->kind = DDBXO__REDRIVE_UNKNOWN;
    ddbxo__strlcpy(m->why, why, sizeof m->why);
}

static void classify_onfailure(const json_t *bi, ddbxo__redrive_msg *m)
{
    static const char *const names[] = { "streamArn", "shardId",
                                         "startSequenceNumber",
                                         "endSequenceNumber" };
    const char *v[4];
    for (int i = 0; i < 4; i++)
        if (!(v[i] = id_member(bi, names[i]))) {
            snprintf(m->why, sizeof m->why,
                     "DDBStreamBatchInfo.%s is missing or not a string",
                     names[i]);
            m->kind = DDBXO__REDRIVE_UNKNOWN;
            return;
        }
    if (!ddbxo_seq_valid(v[2]) || !ddbxo_seq_valid(v[3]))
        return unknown(m, "DDBStreamBatchInfo: a sequence number is not "
                          "1..40 decimal digits");
    if (ddbxo_seq_compare(v[2], v[3]) > 0)
        return unknown(m, "DDBStreamBatchInfo: startSequenceNumber is above "
                          "endSequenceNumber");
    m->kind = DDBXO__REDRIVE_ONFAILURE;
    m->info.stream_arn = v[0];
    m->info.shard_id = v[1];
    m->info.start = v[2];
    m->info.end = v[3];
}

void ddbxo__redrive_classify(const json_t *body, ddbxo__redrive_msg *m)
{
    const json_t *park, *bi;
    memset(m, 0, sizeof *m);
    if (!json_is_object(body))
        return unknown(m, "the body is not a JSON object");
    if ((park = json_object_get(body, "ddbxo_park")) != NULL) {
        if (!json_is_integer(park) || json_integer_value(park) != 1)
            return unknown(m, "ddbxo_park: only version 1 is understood");
        if (!json_is_object(json_object_get(body, "record")))
            return unknown(m, "ddbxo_park message without a record object");
        m->kind = DDBXO__REDRIVE_PARK;
        m->record = json_object_get(body, "record");
        m->source_table = id_member(body, "source_table");
        return;
    }
    if (json_is_object(bi = json_object_get(body, "DDBStreamBatchInfo")))
        return classify_onfailure(bi, m);
    unknown(m, "neither a ddbxo park message nor a Lambda on-failure record "
               "(DDBStreamBatchInfo)");
}

/* ------------------------------------------------------------------ */
/* reading a range back                                                 */
/* ------------------------------------------------------------------ */

static int is_type(const ddbxo_error *e, const char *type)
{
    return e->code == DDBXO_E_AWS && strcmp(e->aws_type, type) == 0;
}

static int lost(ddbxo__range_read *out, const char *first, const char *fmt,
                ...) DDBXO_PRINTF(3, 4);
static int lost(ddbxo__range_read *out, const char *first, const char *fmt,
                ...)
{
    va_list ap;
    out->lost = 1;
    ddbxo__strlcpy(out->first_available, first ? first : "",
                   sizeof out->first_available);
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    return 0;
}

/* The shard's StartingSequenceNumber from DescribeStream: 1 found (start
 * may be "" when not listed), 0 the shard or the stream is gone, -1 error. */
static int shard_start(ddbxo_client *c, const ddbxo__batch_info *bi,
                       int64_t deadline_ms, char start[DDBXO_SEQ_BUFSIZE],
                       ddbxo_error *err)
{
    json_t *resp = NULL, *shards, *s;
    size_t i;
    int found = 0;
    start[0] = '\0';
    if (ddbxo__ddb_describe_stream_all(c, bi->stream_arn, deadline_ms, &resp,
                                       err) < 0)
        return is_type(err, "ResourceNotFoundException") ? 0 : -1;
    shards = json_object_get(json_object_get(resp, "StreamDescription"),
                             "Shards");
    json_array_foreach(shards, i, s) {
        const char *id = json_string_value(json_object_get(s, "ShardId"));
        const char *st;
        if (!id || strcmp(id, bi->shard_id) != 0)
            continue;
        found = 1;
        st = json_string_value(json_object_get(
            json_object_get(s, "SequenceNumberRange"),
            "StartingSequenceNumber"));
        if (st && ddbxo_seq_valid(st))
            ddbxo__strlcpy(start, st, DDBXO_SEQ_BUFSIZE);
        break;
    }
    json_decref(resp);
    return found;
}

static int get_iterator(ddbxo_client *c, const ddbxo__batch_info *bi,
                        const char *type, int64_t deadline_ms, json_t **it,
                        ddbxo_error *err)
{
    json_t *resp = NULL;
    const json_t *s;
    if (ddbxo__ddb_get_shard_iterator(c, bi->stream_arn, bi->shard_id, type,
                                      bi->start, deadline_ms, &resp, err) < 0)
        return -1;
    s = json_object_get(resp, "ShardIterator");
    if (!json_is_string(s) || !json_string_length(s)) {
        json_decref(resp);
        return ddbxo__err(err, DDBXO_E_INVALID, "ShardIterator",
                          "GetShardIterator: no iterator in the answer");
    }
    *it = json_incref((json_t *)s);
    json_decref(resp);
    return 0;
}

/* Appends the page's records in [start, end] to out->records; *done = 1
 * once the end record or one above it was seen.  -1 on a record without
 * a valid sequence number (we could not tell where it belongs). */
static int take_page(const ddbxo__batch_info *bi, const json_t *records,
                     ddbxo__range_read *out, int *seen, int *done,
                     ddbxo_error *err)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        const char *seq = json_string_value(
            json_object_get(json_object_get(rec, "dynamodb"),
                            "SequenceNumber"));
        json_t *copy;
        if (!json_is_object(rec) || !seq || !ddbxo_seq_valid(seq))
            return ddbxo__err(err, DDBXO_E_INVALID,
                              "Records[].dynamodb.SequenceNumber",
                              "GetRecords: a record without a valid "
                              "sequence number");
        if (!*seen) {
            *seen = 1;
            if (ddbxo_seq_compare(seq, bi->start) > 0) {
                if (out->lost)   /* we know why already; now also where */
                    ddbxo__strlcpy(out->first_available, seq,
                                   sizeof out->first_available);
                else
                    lost(out, seq, "the stream's first record from the "
                         "range's start on is %s", seq);
            }
        }
        if (ddbxo_seq_compare(seq, bi->start) < 0)
            continue;
        if (ddbxo_seq_compare(seq, bi->end) > 0) {
            *done = 1;
            return 0;
        }
        if (json_array_size(out->records) >= DDBXO__REDRIVE_MAX_RECORDS)
            return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                              "the range holds more than %d records",
                              DDBXO__REDRIVE_MAX_RECORDS);
        /* GetRecords leaves eventSourceARN out; with it the record is what
         * Lambda delivered, so its dedup key is the same. */
        copy = json_deep_copy(rec);
        if (!copy || json_object_set_new(copy, "eventSourceARN",
                                         json_string(bi->stream_arn)) < 0 ||
            json_array_append_new(out->records, copy) < 0) {
            json_decref(copy);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        }
        if (ddbxo_seq_compare(seq, bi->end) == 0) {
            *done = 1;
            return 0;
        }
    }
    return 0;
}

/* GetRecords from iterator `it` (consumed) until the range is read. */
static int read_pages(ddbxo_client *c, const ddbxo__batch_info *bi,
                      json_t *it, int64_t deadline_ms, ddbxo__range_read *out,
                      ddbxo_error *err)
{
    int seen = 0, done = 0, empty = 0, rc = 0;
    for (int page = 0; !done; page++) {
        json_t *resp = NULL, *records, *next;
        if (page == MAX_PAGES) {
            rc = ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                            "the range's end was not reached in %d "
                            "GetRecords calls", MAX_PAGES);
            break;
        }
        if (ddbxo__ddb_get_records(c, json_string_value(it), 1000,
                                   deadline_ms, &resp, err) < 0) {
            if (is_type(err, "TrimmedDataAccessException") && !seen)
                rc = lost(out, NULL, "GetRecords: %s", err->aws_type);
            else
                rc = -1;
            break;
        }
        records = json_object_get(resp, "Records");
        next = json_object_get(resp, "NextShardIterator");
        if (!json_is_array(records)) {
            json_decref(resp);
            rc = ddbxo__err(err, DDBXO_E_INVALID, "Records",
                            "GetRecords: no Records array");
            break;
        }
        if (take_page(bi, records, out, &seen, &done, err) < 0) {
            json_decref(resp);
            rc = -1;
            break;
        }
        /* Several empty pages in a row: the shard's tip (DynamoDB may
         * also answer a few empty pages before records). */
        empty = json_array_size(records) ? 0 : empty + 1;
        if (done || empty >= MAX_EMPTY_PAGES || !json_is_string(next)) {
            json_decref(resp);
            break;
        }
        json_decref(it);
        it = json_incref(next);
        json_decref(resp);
    }
    json_decref(it);
    if (rc == 0 && !done && !out->lost)
        /* The end record was never seen: we cannot say the range is
         * whole, so it is not reported as applied. */
        lost(out, NULL, "%s", seen ? "the range's end record was not found"
             : "no record at or after the range's start was found");
    return rc;
}

int ddbxo__redrive_read_range(ddbxo_client *c, const ddbxo__batch_info *bi,
                              int64_t deadline_ms, ddbxo__range_read *out,
                              ddbxo_error *err)
{
    char first[DDBXO_SEQ_BUFSIZE];
    const char *type = "AT_SEQUENCE_NUMBER";
    json_t *it = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    if (!c || !bi || !bi->stream_arn || !bi->shard_id ||
        !ddbxo_seq_valid(bi->start) || !ddbxo_seq_valid(bi->end))
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "read_range: bad arguments");
    if (!(out->records = json_array()))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    /* A shard gone from the listing, or one that starts above the range,
     * no longer holds it.  Checking first also keeps us away from moto's
     * HTTP 500 for an iterator below the shard's start (docs/moto-gaps.md C3),
     * where DynamoDB answers TrimmedDataAccessException. */
    rc = shard_start(c, bi, deadline_ms, first, err);
    if (rc < 0)
        goto fail;
    if (rc == 0)
        return lost(out, NULL, "%s", "the stream or the shard is no longer "
                    "listed (trimmed after 24 h, or the table was deleted)");
    if (first[0] && ddbxo_seq_compare(bi->start, first) < 0) {
        lost(out, first, "the shard starts at %s", first);
        type = "TRIM_HORIZON";
    }
    if (get_iterator(c, bi, type, deadline_ms, &it, err) < 0) {
        if (!is_type(err, "TrimmedDataAccessException"))
            goto fail;
        /* The start is gone; whatever is left of the range begins at the
         * trim horizon. */
        lost(out, NULL, "GetShardIterator: %s", err->aws_type);
        if (get_iterator(c, bi, "TRIM_HORIZON", deadline_ms, &it, err) < 0)
            goto fail;
    }
    if (read_pages(c, bi, it, deadline_ms, out, err) < 0)
        goto fail;
    return 0;
fail:
    json_decref(out->records);
    out->records = NULL;
    return -1;
}
