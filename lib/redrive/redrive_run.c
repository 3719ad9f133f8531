/* The redrive engine (ddbxo_redrive_run, include/ddbxo/sys/redrive.h):
 * messages taken from an SQS queue, their records applied through the
 * batch engine, a message deleted only once every one of its records is
 * done (docs/redrive.md).  `ddbxo redrive` is flags and output over it. */
#include "apply/apply.h"
#include "redrive/redrive.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/redrive.h"
#include "service/ddb.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"

/* Pause before a message's failed records go again: it doubles up to
 * PAUSE_MAX_MS while tries settle nothing. */
#define PAUSE_FIRST_MS 100
#define PAUSE_MAX_MS 2000

/* An applier per source table named by park messages whose record has no
 * eventSourceARN: the dedup key must use the table it was parked with. */
typedef struct table_applier {
    char *table;
    ddbxo_applier *a;
} table_applier;

typedef struct redrive {
    const ddbxo_redrive_config *cfg;
    int tries;
    ddbxo_client *c;              /* source side: reads the stream back */
    ddbxo_client *tc;             /* target side: queue, target, ledger */
    ddbxo_applier *main;
    table_applier *by_table;
    size_t n_by_table;
    uint64_t outcomes[DDBXO_OUTCOME_END];
    uint64_t records;
    long messages, deleted, kept;
    json_t *failures;            /* batchItemFailures */
    json_t *lost;                /* lost_ranges */
    json_t *seen;                /* MessageIds handled in this run */
} redrive;

static void say(const redrive *r, const char *fmt, ...) DDBXO_PRINTF(2, 3);
static void say(const redrive *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddbxo__vlogf(r->cfg->log, r->cfg->log_ctx, DDBXO_LOG_WARN, fmt, ap);
    va_end(ap);
}

static ddbxo_applier *applier_for(redrive *r, const char *table,
                                  ddbxo_error *err)
{
    ddbxo_apply_config cfg;
    table_applier *grown;
    if (!table || r->cfg->apply.source_table)
        return r->main;
    for (size_t i = 0; i < r->n_by_table; i++)
        if (strcmp(r->by_table[i].table, table) == 0)
            return r->by_table[i].a;
    grown = realloc(r->by_table, (r->n_by_table + 1) * sizeof *grown);
    if (!grown) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    r->by_table = grown;
    cfg = r->cfg->apply;
    cfg.source_table = table;
    if (!(grown[r->n_by_table].a = ddbxo_applier_new(r->tc, &cfg, err)))
        return NULL;
    if (!(grown[r->n_by_table].table = strdup(table))) {
        ddbxo_applier_free(grown[r->n_by_table].a);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    return grown[r->n_by_table++].a;
}

static void report_record(const redrive *r, const char *id, size_t i,
                          const char *seq, int outcome, const ddbxo_error *e)
{
    int path = e && e->path[0] && !strstr(e->message, e->path);
    int msg = e && e->message[0];
    say(r, "message %.100s record %zu seq %s: %s%s%s%s%s", id, i,
        seq && *seq ? seq : "?", ddbxo_outcome_name(outcome),
        path ? ": " : "", path ? e->path : "", msg ? ": " : "",
        msg ? e->message : "");
}

/* One try: applies records (a JSON array of Lambda-shaped records) as
 * one batch.  Records that end here are counted and, if failed, reported;
 * when again is not NULL, records that failed retryably are appended to it
 * instead.  0 when a record ended failed, -1 when the batch could not run
 * at all, else 1. */
static int apply_try(redrive *r, const char *id, ddbxo_applier *ap,
                     json_t *records, const char *shard, json_t *again)
{
    ddbxo_apply_options opt;
    ddbxo_batch_result *res = NULL;
    ddbxo_event *ev = NULL;
    ddbxo_error err;
    json_t *doc = json_pack("{s:O}", "Records", records);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    size_t n;
    int all_done = 1;

    json_decref(doc);
    if (!text || !(ev = ddbxo_parse_stream_event(text, strlen(text), &err))) {
        say(r, "message %.100s: the records cannot be parsed: %s", id,
            text ? err.message : "no memory");
        free(text);
        return -1;
    }
    free(text);
    memset(&opt, 0, sizeof opt);
    opt.shard_id = shard;
    if (!(res = ddbxo_process_batch(ap, ev, &opt, &err))) {
        say(r, "message %.100s: %s", id, err.message);
        ddbxo_event_free(ev);
        return -1;
    }
    n = ddbxo_batch_result_count(res);
    /* Going again needs result i to be record i. */
    if (n != json_array_size(records))
        again = NULL;
    for (size_t i = 0; i < n; i++) {
        int oc = ddbxo_batch_result_outcome(res, i);
        const ddbxo_record *rec = ddbxo_event_record(ev, i);
        const ddbxo_error *e = ddbxo_batch_result_error(res, i);
        if (again && oc == DDBXO_FAILED_RETRYABLE) {
            json_array_append(again, json_array_get(records, i));
            continue;
        }
        r->records++;
        if (oc > 0 && oc < DDBXO_OUTCOME_END)
            r->outcomes[oc]++;
        if (!ddbxo_outcome_failed(oc) && oc != DDBXO_PARKED && oc > 0)
            continue;
        report_record(r, id, i, rec ? ddbxo_record_sequence_number(rec)
                                    : ddbxo_batch_result_seq(res, i), oc,
                      e ? e : ddbxo_event_error(ev, i));
        if (oc == DDBXO_PARKED)
            continue;   /* its payload is in the park queue now */
        all_done = 0;
        json_array_append_new(r->failures, json_pack(
            "{s:s}", "itemIdentifier", ddbxo_batch_result_seq(res, i)));
    }
    ddbxo_batch_result_free(res);
    ddbxo_event_free(ev);
    return all_done;
}

/* Applies a message's records, trying the ones that failed retryably
 * again, and only them, up to cfg->tries times in all.  Under a steady
 * fault rate the client's retry quota runs dry and calls fail at once;
 * without this a message of 100 records practically never came back
 * clean, and a queue drained at about one message per run.  The batch
 * engine stops an item's chain at its first failure, so what goes again
 * keeps per-item order.  Returns as apply_try. */
static int apply_records(redrive *r, const char *id, ddbxo_applier *ap,
                         json_t *records, const char *shard)
{
    long pause = PAUSE_FIRST_MS;
    json_t *left = json_incref(records);
    int result = 1;

    for (int t = 1;; t++) {
        int last = t >= r->tries, rc;
        json_t *again = last ? NULL : json_array();
        size_t before = json_array_size(left);
        if (!last && !again) {
            say(r, "out of memory");
            result = -1;
            break;
        }
        rc = apply_try(r, id, ap, left, shard, again);
        json_decref(left);
        left = again;
        if (rc < 0) {
            result = -1;
            break;
        }
        if (rc == 0)
            result = 0;
        if (json_array_size(again) == 0)
            break;
        say(r, "message %.100s: %zu of %zu records failed; trying them "
               "again in %ld ms", id, json_array_size(again), before, pause);
        ddbxo__sleep_ms(pause);
        if (json_array_size(again) < before)
            pause = PAUSE_FIRST_MS;
        else if ((pause *= 2) > PAUSE_MAX_MS)
            pause = PAUSE_MAX_MS;
    }
    json_decref(left);
    return result;
}

static int redrive_park(redrive *r, const char *id,
                        const ddbxo__redrive_msg *m)
{
    ddbxo_error err;
    ddbxo_applier *ap = r->main;
    json_t *records;
    int rc;
    /* The record's eventSourceARN names its table; a record parked
     * without one was keyed by the table the message names. */
    if (!json_object_get(m->record, "eventSourceARN") &&
        !(ap = applier_for(r, m->source_table, &err))) {
        say(r, "message %.100s: %s", id, err.message);
        return -1;
    }
    records = json_pack("[O]", m->record);
    rc = records ? apply_records(r, id, ap, records, r->cfg->shard_id) : -1;
    json_decref(records);
    return rc;
}

static int redrive_range(redrive *r, const char *id,
                         const ddbxo__redrive_msg *m)
{
    ddbxo__range_read rr;
    ddbxo_error err;
    const ddbxo__batch_info *bi = &m->info;
    int rc = 1;

    if (ddbxo__redrive_read_range(r->c, bi, 0, &rr, &err) < 0) {
        say(r, "message %.100s: shard %.200s range %s..%s could not be "
               "read: %s", id, bi->shard_id, bi->start, bi->end,
            err.message);
        return -1;
    }
    if (rr.lost) {
        say(r, "message %.100s: shard %.200s range %s..%s is LOST (%s); %zu "
               "record(s) of it are still in the stream", id, bi->shard_id,
            bi->start, bi->end, rr.why, json_array_size(rr.records));
        json_array_append_new(r->lost, json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "messageId", id,
            "streamArn", bi->stream_arn, "shardId", bi->shard_id,
            "startSequenceNumber", bi->start, "endSequenceNumber", bi->end,
            "firstAvailableSequenceNumber",
            rr.first_available[0] ? json_string(rr.first_available)
                                  : json_null(),
            "reason", rr.why));
        rc = 0;
    }
    /* What is still there is applied either way: it is safe (every write
     * is conditional) and is what the user wants. */
    if (json_array_size(rr.records)) {
        int ar = apply_records(r, id, r->main, rr.records, bi->shard_id);
        if (ar < 1)
            rc = ar;
    }
    json_decref(rr.records);
    return rc;
}

/* One message: applied and deleted, or kept. */
static void handle(redrive *r, const json_t *msg)
{
    const char *id = json_string_value(json_object_get(msg, "MessageId"));
    const char *rh = json_string_value(json_object_get(msg, "ReceiptHandle"));
    const char *body = json_string_value(json_object_get(msg, "Body"));
    json_t *doc = body ? ddbxo__redrive_body(body, strlen(body)) : NULL;
    ddbxo__redrive_msg m;
    ddbxo_error err;
    int done = 0;

    if (!id)
        id = "?";
    r->messages++;
    ddbxo__redrive_classify(doc, &m);
    if (m.kind == DDBXO__REDRIVE_PARK)
        done = redrive_park(r, id, &m) == 1;
    else if (m.kind == DDBXO__REDRIVE_ONFAILURE)
        done = redrive_range(r, id, &m) == 1;
    else
        say(r, "message %.100s: unknown shape: %s; left in the queue", id,
            m.why);
    json_decref(doc);
    if (done && rh) {
        if (ddbxo__sqs_delete_message(r->tc, r->cfg->queue_url, rh, 0,
                                      &err) == 0) {
            r->deleted++;
            return;
        }
        /* The records are applied; a later redrive finds them DUPLICATE. */
        say(r, "message %.100s: applied, but DeleteMessage failed: %s", id,
            err.message);
    }
    r->kept++;
}

/* Receives until the queue answers no new message or max is reached.
 * -1 (err) when a receive failed. */
static int drain(redrive *r, ddbxo_error *err)
{
    long long max = r->cfg->max_messages;
    for (;;) {
        long long left = max ? max - r->messages : 10;
        json_t *resp = NULL, *msgs, *msg;
        size_t i, fresh = 0;
        if (left <= 0)
            return 0;
        if (ddbxo__sqs_receive_message(r->tc, r->cfg->queue_url,
                                       left < 10 ? (int)left : 10,
                                       r->cfg->wait_s, NULL, 0, &resp,
                                       err) < 0) {
            say(r, "ReceiveMessage: %s", err->message);
            return -1;
        }
        msgs = json_object_get(resp, "Messages");
        json_array_foreach(msgs, i, msg) {
            const char *id = json_string_value(json_object_get(msg,
                                                               "MessageId"));
            /* A message kept earlier in this run whose visibility timeout
             * ran out comes back: it waits for the next run. */
            if (id && json_object_get(r->seen, id))
                continue;
            if (id)
                json_object_set_new(r->seen, id, json_true());
            fresh++;
            handle(r, msg);
            if (max && r->messages >= max)
                break;
        }
        json_decref(resp);
        if (!fresh)
            return 0;
    }
}

/* `ddbxo apply`'s summary plus the redrive's own counts (malloc'd). */
static char *summary_json(const redrive *r)
{
    json_t *s = ddbxo__outcome_counts_json(r->records, r->outcomes);
    char *text;
    if (!s)
        return NULL;
    json_object_set_new(s, "failed", json_integer((json_int_t)(
        r->outcomes[DDBXO_FAILED_RETRYABLE] +
        r->outcomes[DDBXO_FAILED_PERMANENT])));
    json_object_set(s, "batchItemFailures", r->failures);
    json_object_set_new(s, "messages", json_integer(r->messages));
    json_object_set_new(s, "deleted", json_integer(r->deleted));
    json_object_set_new(s, "kept", json_integer(r->kept));
    json_object_set(s, "lost_ranges", r->lost);
    text = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(s);
    return text;
}

static int check_config(const ddbxo_redrive_config *cfg, ddbxo_error *err)
{
    if (!cfg)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "ddbxo_redrive_run: no configuration");
    if (!cfg->queue_url || !*cfg->queue_url)
        return ddbxo__err(err, DDBXO_E_CONFIG, "queue_url",
                          "the queue to redrive from is required");
    /* Parking into the queue being drained would hand the same record
     * back to this run, again and again. */
    if (cfg->apply.park_queue_url &&
        strcmp(cfg->apply.park_queue_url, cfg->queue_url) == 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, "apply.park_queue_url",
                          "the park queue must not be the queue drained");
    if (cfg->wait_s < 0 || cfg->wait_s > 20)
        return ddbxo__err(err, DDBXO_E_CONFIG, "wait_s",
                          "wait_s must be 0..20");
    if (cfg->tries < 0 || cfg->tries > DDBXO_REDRIVE_MAX_TRIES)
        return ddbxo__err(err, DDBXO_E_CONFIG, "tries",
                          "tries must be 0..%d", DDBXO_REDRIVE_MAX_TRIES);
    if (cfg->max_messages < 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, "max_messages",
                          "max_messages must not be negative");
    return 0;
}

/* What cannot be exactly-once across two clients (ddbxo_sides_check), for
 * every caller, not only the CLI: the apply configuration, and the queue
 * drained, which is the target side's as a park queue is. */
static int check_sides(const ddbxo_client *source, const ddbxo_client *target,
                       const ddbxo_redrive_config *cfg, ddbxo_error *err)
{
    ddbxo_apply_config q = cfg->apply;
    if (ddbxo_sides_check(source, target, &cfg->apply, NULL, err) < 0)
        return -1;
    q.park_queue_url = cfg->queue_url;
    q.source_version_attr = NULL;
    if (ddbxo_sides_check(source, target, &q, NULL, err) < 0) {
        if (err && strcmp(err->path, "park_queue_url") == 0)
            snprintf(err->path, sizeof err->path, "queue_url");
        return -1;
    }
    return 0;
}

DDBXO_API int ddbxo_redrive_run(ddbxo_client *source, ddbxo_client *target,
                                const ddbxo_redrive_config *cfg,
                                char **summary, size_t *len,
                                ddbxo_error *err)
{
    redrive r;
    ddbxo_error derr;
    int rc = -1, drained;

    if (summary)
        *summary = NULL;
    if (len)
        *len = 0;
    if (check_config(cfg, err) < 0)
        return -1;
    if (!source || !target)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "ddbxo_redrive_run: no client");
    if (check_sides(source, target, cfg, err) < 0)
        return -1;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.tries = cfg->tries ? cfg->tries : DDBXO_REDRIVE_DEFAULT_TRIES;
    r.c = source;
    r.tc = target;
    if (!(r.main = ddbxo_applier_new(target, &cfg->apply, err)))
        goto out;
    r.failures = json_array();
    r.lost = json_array();
    r.seen = json_object();
    if (!r.failures || !r.lost || !r.seen) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    ddbxo_error_clear(&derr);
    drained = drain(&r, &derr);
    if (summary) {
        char *text = summary_json(&r);
        if (!text) {
            ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            goto out;
        }
        *summary = text;
        if (len)
            *len = strlen(text);
    }
    if (drained < 0 && err)
        *err = derr;
    rc = drained < 0 || r.kept ? 1 : 0;
out:
    for (size_t i = 0; i < r.n_by_table; i++) {
        ddbxo_applier_free(r.by_table[i].a);
        free(r.by_table[i].table);
    }
    free(r.by_table);
    json_decref(r.failures);
    json_decref(r.lost);
    json_decref(r.seen);
    ddbxo_applier_free(r.main);
    return rc;
}
