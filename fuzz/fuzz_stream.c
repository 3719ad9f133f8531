/* libFuzzer target: what the stream runner and redrive read from DynamoDB
 * Streams and SQS -- DescribeStream answers (the shard tree,
 * lib/stream/shard_tree.c), GetRecords pages (the checks of lib/runner/runner_loop.c's
 * step(), then records -> Lambda-shaped event as apply_page() builds it)
 * and redrive message bodies (lib/redrive/redrive.c).  The input is one answer
 * body; every reader gets it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"
#include "redrive/redrive.h"
#include "runner/runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void shards(const json_t *doc)
{
    const json_t *list = json_object_get(
        json_object_get(doc, "StreamDescription"), "Shards");
    ddbxo__shard_tree t;
    ddbxo_error err;
    size_t added;
    ddbxo__shard_tree_init(&t);
    /* Twice (a repeat listing closes shards), then an empty listing
     * (everything pending left the stream). */
    for (int round = 0; round < 3; round++) {
        json_t *empty = json_array();
        if (ddbxo__shard_tree_merge(&t, round == 2 ? empty : list, &added,
                                    &err) < 0 && round == 0) {
            json_decref(empty);
            break;
        }
        json_decref(empty);
        for (size_t i = 0; i < t.n; i++) {
            (void)ddbxo__shard_tree_ready(&t, i);
            (void)ddbxo__shard_tree_lineage_ok(&t, i);
            if (ddbxo__shard_tree_find(&t, t.v[i].id) == NULL)
                __builtin_trap();
            if (round == 0 && i % 2 == 0)
                t.v[i].state = DDBXO__SHARD_DONE;
        }
        size_t sum = 0;
        for (int st = DDBXO__SHARD_PENDING; st <= DDBXO__SHARD_DONE; st++)
            sum += ddbxo__shard_tree_count(&t, st);
        if (sum != t.n)
            __builtin_trap();
    }
    ddbxo__shard_tree_clear(&t);
}

/* The event the runner hands to ddbxo_process_batch for records[first..]. */
static void page(json_t *doc)
{
    json_t *records = json_object_get(doc, "Records");
    const json_t *next = json_object_get(doc, "NextShardIterator");
    if (!json_is_array(records))
        return;
    (void)next;
    for (size_t i = 0; i < json_array_size(records); i++) {
        json_t *rec = json_array_get(records, i);
        if (json_is_object(rec) && !json_object_get(rec, "eventSourceARN"))
            json_object_set_new(rec, "eventSourceARN",
                                json_string("arn:aws:dynamodb:us-east-1:"
                                            "123456789012:table/t/stream/x"));
    }
    size_t n = json_array_size(records);
    size_t firsts[2] = { 0, n / 2 };
    for (int k = 0; k < (n > 1 ? 2 : 1); k++) {
        json_t *arr = json_array();
        for (size_t i = firsts[k]; i < n; i++)
            json_array_append(arr, json_array_get(records, i));
        json_t *ev_doc = json_pack("{s:o}", "Records", arr);
        char *text = ev_doc ? json_dumps(ev_doc, JSON_COMPACT) : NULL;
        json_decref(ev_doc);
        if (!text)
            continue;
        ddbxo_error err;
        ddbxo_event *ev = ddbxo_parse_stream_event(text, strlen(text), &err);
        free(text);
        for (size_t i = 0; ev && i < ddbxo_event_count(ev); i++) {
            const ddbxo_record *r = ddbxo_event_record(ev, i);
            char key[DDBXO_DEDUP_KEY_BUFSIZE];
            if (!r)
                continue;
            (void)ddbxo_dedup_key(r, NULL, key, &err);
            (void)ddbxo_record_approx_creation_ms(r);
            const char *seq = ddbxo_record_sequence_number(r);
            if (seq && ddbxo_seq_valid(seq)) {
                char unpad[DDBXO_SEQ_BUFSIZE];
                ddbxo__seq_unpad(seq, unpad);
                if (ddbxo_seq_compare(seq, unpad) != 0)
                    __builtin_trap();
            }
        }
        ddbxo_event_free(ev);
    }
}

static void redrive(const uint8_t *data, size_t size)
{
    json_t *body = ddbxo__redrive_body((const char *)data, size);
    ddbxo__redrive_msg m;
    memset(&m, 0, sizeof m);
    ddbxo__redrive_classify(body, &m);
    if (m.kind == DDBXO__REDRIVE_PARK && m.record) {
        char *text = json_dumps(m.record, JSON_COMPACT);
        ddbxo_error err;
        ddbxo_record *r = text ? ddbxo_parse_stream_record(text, strlen(text), &err)
                               : NULL;
        ddbxo_record_free(r);
        free(text);
    }
    json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc) {
        shards(doc);
        page(doc);
        json_decref(doc);
    }
    redrive(data, size);
    return 0;
}
