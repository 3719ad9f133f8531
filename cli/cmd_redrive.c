/* ddbxo redrive: records that never made it (parked by libddbxo, or named
 * by a Lambda on-failure destination) taken from an SQS queue and applied
 * through the same engine as `ddbxo apply`.  A message is deleted only
 * once every one of its records is done (docs/redrive.md). */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "service/ddb.h"
#include "ddbxo.h"
#include "redrive/redrive.h"
#include "util/clock.h"

/* Pause before a message's failed records go again: it doubles up to
 * REDRIVE_PAUSE_MAX_MS while tries settle nothing. */
#define REDRIVE_PAUSE_FIRST_MS 100
#define REDRIVE_PAUSE_MAX_MS 2000
/* Default and largest --tries. */
#define REDRIVE_DEFAULT_TRIES 5
#define REDRIVE_MAX_TRIES 100

static void help(FILE *f)
{
    fprintf(f,
        "usage: ddbxo redrive --queue-url Q --target-table T\n"
        "                     [--mode replicate|ledger|tracker] [--ledger-table L]\n"
        "                     [--aggregate GROUP:SUM | --transform SPEC.json]\n"
        "                     [--max-messages N] [--wait-seconds S] [OPTIONS]\n"
        "\n"
        "Takes messages from an SQS queue and applies their records with an\n"
        "exactly-once effect: park messages of `ddbxo apply/run --park-queue`\n"
        "carry the record; Lambda on-failure records (DDBStreamBatchInfo)\n"
        "name a range that is read back from the stream while it holds it.\n"
        "A message is deleted once all its records are APPLIED, DUPLICATE,\n"
        "STALE, SUPERSEDED, COALESCED, FILTERED or PARKED; anything else\n"
        "(failed records, a range the stream no longer has, a message of an\n"
        "unknown shape) is left in the queue and said on standard error.\n"
        "The last line on standard output is `ddbxo apply`'s JSON summary\n"
        "plus \"messages\", \"deleted\", \"kept\" and \"lost_ranges\".\n"
        "\n"
        "Exit status: 0 every message taken was applied and deleted, 1\n"
        "otherwise, 2 usage error.\n"
        "\n"
        "  --queue-url Q           the queue to take messages from\n"
        "  --target-table T        table the records are applied to\n"
        "  --max-messages N        take at most N messages (default: until\n"
        "                          a receive finds none)\n"
        "  --wait-seconds S        long-poll wait per receive, 0..20 (default 1)\n"
        "  --tries N               apply a message's failed records up to N\n"
        "                          times in all before keeping it (default 5)\n"
        "  --mode M                replicate (default), ledger or tracker\n"
        "  --ledger-table L        ledger/tracker table (pk S, TTL exp)\n"
        "  --aggregate GROUP:SUM   aggregate transform (ledger/tracker mode)\n"
        "  --transform SPEC.json   declarative transform (docs/transform.md)\n"
        "  --source-table S        source table name (default: the record's\n"
        "                          eventSourceARN, else the park message's)\n"
        "  --source-version-attr A source check on version attribute A\n"
        "  --version-attr A        replicate: guard by numeric attribute A\n"
        "  --hard-delete           replicate: REMOVE deletes (no tombstone)\n"
        "  --no-coalesce           replicate: apply every record of an item\n"
        "  --tombstone-ttl SECS    tombstone lifetime (default 172800)\n"
        "  --park-queue URL        park records that still cannot succeed\n"
        "                          (another queue than --queue-url)\n"
        "  --shard-id ID           tracker mode: the shard of parked records\n"
        "                          (on-failure records name their own)\n"
        "  -v, --verbose           log to standard error\n"
        CLI_TARGET_HELP
        "The queue, the target and the ledger table are the target side's; the\n"
        "stream the records are read back from is the source side's.\n");
}

typedef struct redrive_args {
    const char *queue, *target, *mode_name, *ledger, *aggregate, *spec;
    const char *source, *source_version, *version, *park, *shard;
    long long tombstone_ttl, max_messages, wait_s, tries;
    int hard_delete, no_coalesce, verbose;
    cli_target_opts tgt;
} redrive_args;

static int usage_error(const char *what)
{
    return cli_usage_error("redrive", what);
}

static cli_mode_opts mode_opts(const redrive_args *a)
{
    cli_mode_opts o = { a->mode_name, a->ledger, a->aggregate, a->spec };
    return o;
}

static const char **value_slot(redrive_args *a, const char *o)
{
    static const struct { const char *name; size_t off; } t[] = {
        { "--queue-url", offsetof(redrive_args, queue) },
        { "--target-table", offsetof(redrive_args, target) },
        { "--mode", offsetof(redrive_args, mode_name) },
        { "--ledger-table", offsetof(redrive_args, ledger) },
        { "--aggregate", offsetof(redrive_args, aggregate) },
        { "--transform", offsetof(redrive_args, spec) },
        { "--source-table", offsetof(redrive_args, source) },
        { "--source-version-attr", offsetof(redrive_args, source_version) },
        { "--version-attr", offsetof(redrive_args, version) },
        { "--park-queue", offsetof(redrive_args, park) },
        { "--shard-id", offsetof(redrive_args, shard) },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(o, t[i].name) == 0)
            return (const char **)(void *)((char *)a + t[i].off);
    return NULL;
}

static long long *num_slot(redrive_args *a, const char *o, long long *min,
                           long long *max)
{
    static const struct {
        const char *name; size_t off; long long min, max;
    } t[] = {
        { "--tombstone-ttl", offsetof(redrive_args, tombstone_ttl), 1,
          10LL * 365 * 86400 },
        { "--max-messages", offsetof(redrive_args, max_messages), 1,
          (long long)1e9 },
        { "--wait-seconds", offsetof(redrive_args, wait_s), 0, 20 },
        { "--tries", offsetof(redrive_args, tries), 1, REDRIVE_MAX_TRIES },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(o, t[i].name) == 0) {
            *min = t[i].min;
            *max = t[i].max;
            return (long long *)(void *)((char *)a + t[i].off);
        }
    return NULL;
}

/* -1 to go on, else the exit status (help, usage error). */
static int parse_args(int argc, char **argv, redrive_args *a)
{
    char msg[320];
    memset(a, 0, sizeof *a);
    a->wait_s = 1;
    a->tries = REDRIVE_DEFAULT_TRIES;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], **s;
        long long *n, min, max;
        int k, st;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            help(stdout);
            return 0;
        } else if ((k = cli_target_flag("redrive", argc, argv, &i, &a->tgt,
                                        &st)) != 0) {
            if (k < 0)
                return st;
        } else if (strcmp(o, "--hard-delete") == 0) {
            a->hard_delete = 1;
        } else if (strcmp(o, "--no-coalesce") == 0) {
            a->no_coalesce = 1;
        } else if (strcmp(o, "-v") == 0 || strcmp(o, "--verbose") == 0) {
            a->verbose = 1;
        } else if ((s = value_slot(a, o)) != NULL) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                snprintf(msg, sizeof msg, "%s needs a value", o);
                return usage_error(msg);
            }
            *s = argv[++i];
        } else if ((n = num_slot(a, o, &min, &max)) != NULL) {
            if (i + 1 >= argc || cli_parse_int(argv[i + 1], min, max, n) < 0) {
                snprintf(msg, sizeof msg, "%s needs a number %lld..%lld", o,
                         min, max);
                return usage_error(msg);
            }
            i++;
        } else {
            snprintf(msg, sizeof msg, "unexpected argument '%.200s'", o);
            return usage_error(msg);
        }
    }
    return -1;
}

static int check_args(const redrive_args *a, int *mode)
{
    if (!a->queue)
        return usage_error("--queue-url is required");
    if (!a->target)
        return usage_error("--target-table is required");
    cli_mode_opts o = mode_opts(a);
    int rc = cli_check_mode("redrive", &o, mode);
    if (rc >= 0)
        return rc;
    /* Parking into the queue being drained would hand the same record
     * back to this run, again and again. */
    if (a->park && strcmp(a->park, a->queue) == 0)
        return usage_error("--park-queue must not be the --queue-url queue");
    return -1;
}

/* ------------------------------------------------------------------ */
/* the run                                                              */
/* ------------------------------------------------------------------ */

/* An applier per source table named by park messages whose record has no
 * eventSourceARN: the dedup key must use the table it was parked with. */
typedef struct table_applier {
    char *table;
    ddbxo_applier *a;
} table_applier;

typedef struct redrive {
    const redrive_args *args;
    ddbxo_client *c;              /* source side: reads the stream back */
    ddbxo_client *tc;             /* target side: queue, target, ledger */
    ddbxo_apply_config acfg;
    ddbxo_applier *main;
    table_applier *by_table;
    size_t n_by_table;
    size_t outcomes[DDBXO_OUTCOME_END];
    size_t records;
    long messages, deleted, kept;
    json_t *failures;            /* batchItemFailures */
    json_t *lost;                /* lost_ranges */
    json_t *seen;                /* MessageIds handled in this run */
} redrive;

static ddbxo_applier *applier_for(redrive *r, const char *table,
                                  ddbxo_error *err)
{
    ddbxo_apply_config cfg;
    table_applier *grown;
    if (!table || r->args->source)
        return r->main;
    for (size_t i = 0; i < r->n_by_table; i++)
        if (strcmp(r->by_table[i].table, table) == 0)
            return r->by_table[i].a;
    grown = realloc(r->by_table, (r->n_by_table + 1) * sizeof *grown);
    if (!grown) {
        ddbxo_error_clear(err);
        err->code = DDBXO_E_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    r->by_table = grown;
    cfg = r->acfg;
    cfg.source_table = table;
    if (!(grown[r->n_by_table].a = ddbxo_applier_new(r->tc, &cfg, err)))
        return NULL;
    if (!(grown[r->n_by_table].table = strdup(table))) {
        ddbxo_applier_free(grown[r->n_by_table].a);
        ddbxo_error_clear(err);
        err->code = DDBXO_E_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    return grown[r->n_by_table++].a;
}

static void report_record(const char *id, size_t i, const char *seq,
                          int outcome, const ddbxo_error *e)
{
    fprintf(stderr, "ddbxo redrive: message %.100s record %zu seq %s: %s", id,
            i, seq && *seq ? seq : "?", ddbxo_outcome_name(outcome));
    if (e && e->path[0] && !strstr(e->message, e->path))
        fprintf(stderr, ": %s", e->path);
    if (e && e->message[0])
        fprintf(stderr, ": %s", e->message);
    fputc('\n', stderr);
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
        fprintf(stderr, "ddbxo redrive: message %.100s: the records cannot "
                        "be parsed: %s\n", id, text ? err.message : "no memory");
        free(text);
        return -1;
    }
    free(text);
    memset(&opt, 0, sizeof opt);
    opt.shard_id = shard;
    if (!(res = ddbxo_process_batch(ap, ev, &opt, &err))) {
        fprintf(stderr, "ddbxo redrive: message %.100s: %s\n", id,
                err.message);
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
        report_record(id, i, rec ? ddbxo_record_sequence_number(rec)
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
 * again, and only them, up to --tries times in all.  Under a steady fault
 * rate the client's retry quota runs dry and calls fail at once; without
 * this a message of 100 records practically never came back clean, and a
 * queue drained at about one message per run.  The batch engine stops an
 * item's chain at its first failure, so what goes again keeps per-item
 * order.  Returns as apply_try. */
static int apply_records(redrive *r, const char *id, ddbxo_applier *ap,
                         json_t *records, const char *shard)
{
    long pause = REDRIVE_PAUSE_FIRST_MS;
    json_t *left = json_incref(records);
    int result = 1;

    for (long long t = 1;; t++) {
        int last = t >= r->args->tries, rc;
        json_t *again = last ? NULL : json_array();
        size_t before = json_array_size(left);
        if (!last && !again) {
            fprintf(stderr, "ddbxo redrive: out of memory\n");
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
        fprintf(stderr, "ddbxo redrive: message %.100s: %zu of %zu records "
                        "failed; trying them again in %ld ms\n", id,
                json_array_size(again), before, pause);
        ddbxo__sleep_ms(pause);
        if (json_array_size(again) < before)
            pause = REDRIVE_PAUSE_FIRST_MS;
        else if ((pause *= 2) > REDRIVE_PAUSE_MAX_MS)
            pause = REDRIVE_PAUSE_MAX_MS;
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
        fprintf(stderr, "ddbxo redrive: message %.100s: %s\n", id,
                err.message);
        return -1;
    }
    records = json_pack("[O]", m->record);
    rc = records ? apply_records(r, id, ap, records, r->args->shard) : -1;
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
        fprintf(stderr, "ddbxo redrive: message %.100s: shard %.200s range "
                        "%s..%s could not be read: %s\n", id, bi->shard_id,
                bi->start, bi->end, err.message);
        return -1;
    }
    if (rr.lost) {
        fprintf(stderr, "ddbxo redrive: message %.100s: shard %.200s range "
                        "%s..%s is LOST (%s); %zu record(s) of it are still "
                        "in the stream\n", id, bi->shard_id, bi->start,
                bi->end, rr.why, json_array_size(rr.records));
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
        fprintf(stderr, "ddbxo redrive: message %.100s: unknown shape: %s; "
                        "left in the queue\n", id, m.why);
    json_decref(doc);
    if (done && rh) {
        if (ddbxo__sqs_delete_message(r->tc, r->args->queue, rh, 0, &err) == 0) {
            r->deleted++;
            return;
        }
        /* The records are applied; a later redrive finds them DUPLICATE. */
        fprintf(stderr, "ddbxo redrive: message %.100s: applied, but "
                        "DeleteMessage failed: %s\n", id, err.message);
    }
    r->kept++;
}

/* Receives until the queue answers no new message or max is reached.
 * -1 when a receive failed. */
static int drain(redrive *r)
{
    long long max = r->args->max_messages;
    for (;;) {
        long long left = max ? max - r->messages : 10;
        json_t *resp = NULL, *msgs, *msg;
        ddbxo_error err;
        size_t i, fresh = 0;
        if (left <= 0)
            return 0;
        if (ddbxo__sqs_receive_message(r->tc, r->args->queue,
                                       left < 10 ? (int)left : 10,
                                       (int)r->args->wait_s, NULL, 0, &resp,
                                       &err) < 0) {
            fprintf(stderr, "ddbxo redrive: ReceiveMessage: %s\n",
                    err.message);
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

static void print_summary(const redrive *r)
{
    static const struct { const char *name; int oc; } t[] = {
        { "applied", DDBXO_APPLIED }, { "duplicate", DDBXO_DUPLICATE },
        { "stale", DDBXO_STALE }, { "superseded", DDBXO_SUPERSEDED },
        { "coalesced", DDBXO_COALESCED }, { "filtered", DDBXO_FILTERED },
        { "parked", DDBXO_PARKED },
    };
    json_t *s = json_object();
    char *text;
    json_object_set_new(s, "records", json_integer((json_int_t)r->records));
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        json_object_set_new(s, t[i].name,
                            json_integer((json_int_t)r->outcomes[t[i].oc]));
    json_object_set_new(s, "failed", json_integer((json_int_t)(
        r->outcomes[DDBXO_FAILED_RETRYABLE] +
        r->outcomes[DDBXO_FAILED_PERMANENT])));
    json_object_set(s, "batchItemFailures", r->failures);
    json_object_set_new(s, "messages", json_integer(r->messages));
    json_object_set_new(s, "deleted", json_integer(r->deleted));
    json_object_set_new(s, "kept", json_integer(r->kept));
    json_object_set(s, "lost_ranges", r->lost);
    if ((text = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER)))
        printf("%s\n", text);
    fflush(stdout);
    free(text);
    json_decref(s);
}

static int run(const redrive_args *a, int mode, const ddbxo_transform *t)
{
    ddbxo_client_config cc;
    ddbxo_error err;
    redrive r;
    int status = 1;

    memset(&r, 0, sizeof r);
    r.args = a;
    memset(&cc, 0, sizeof cc);
    if (a->verbose) {
        cc.log = cli_log_text;
        cc.log_level = DDBXO_LOG_INFO;
    }
    if ((status = cli_make_sides("redrive", &cc, &a->tgt, &r.c, &r.tc)) != 0)
        return status;
    status = 1;
    r.acfg.mode = mode;
    r.acfg.target_table = a->target;
    r.acfg.ledger_table = a->ledger;
    r.acfg.source_table = a->source;
    r.acfg.source_version_attr = a->source_version;
    r.acfg.version_attr = a->version;
    r.acfg.transform = t;
    r.acfg.hard_delete = a->hard_delete;
    r.acfg.no_coalesce = a->no_coalesce;
    r.acfg.tombstone_ttl_s = a->tombstone_ttl;
    r.acfg.park_queue_url = a->park;
    if ((status = cli_check_sides("redrive", r.c, r.tc, &r.acfg, NULL)) != 0)
        goto out;
    {
        /* The queue drained is the target side's too. */
        ddbxo_apply_config q = r.acfg;
        q.park_queue_url = a->queue;
        q.source_version_attr = NULL;
        if (ddbxo_sides_check(r.c, r.tc, &q, NULL, &err) < 0 &&
            strcmp(err.path, "park_queue_url") == 0) {
            fprintf(stderr, "ddbxo redrive: --queue-url: %s\n", err.message);
            status = CLI_EX_USAGE;
            goto out;
        }
    }
    status = 1;
    if (!(r.main = ddbxo_applier_new(r.tc, &r.acfg, &err))) {
        fprintf(stderr, "ddbxo redrive: %s\n", err.message);
        status = err.code == DDBXO_E_CONFIG || err.code == DDBXO_E_INVALID
                     ? CLI_EX_USAGE : 1;
        goto out;
    }
    r.failures = json_array();
    r.lost = json_array();
    r.seen = json_object();
    if (!r.failures || !r.lost || !r.seen) {
        fprintf(stderr, "ddbxo redrive: out of memory\n");
        goto out;
    }
    status = drain(&r) < 0 || r.kept ? 1 : 0;
    print_summary(&r);
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
    cli_free_sides(r.c, r.tc);
    return status;
}

int cmd_redrive(int argc, char **argv)
{
    redrive_args a;
    ddbxo_transform *t;
    int status, mode = 0;

    if ((status = parse_args(argc, argv, &a)) >= 0)
        return status;
    if ((status = check_args(&a, &mode)) >= 0)
        return status;
    cli_mode_opts o = mode_opts(&a);
    if (!(t = cli_make_transform("redrive", &o, &status)))
        return status;
    status = run(&a, mode, t);
    ddbxo_transform_free(t);
    return status;
}
