/* ddbxo apply: one Lambda-shaped event applied to a target table with an
 * exactly-once effect, from the shell -- the same engine the Lambda
 * bootstrap runs, so a batch can be replayed or redriven by hand. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ddbxo.h"
#include "util/clock.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: ddbxo apply --event FILE|- --target-table T\n"
            "                   [--mode replicate|ledger|tracker] [--ledger-table L]\n"
            "                   [--aggregate GROUP:SUM | --transform SPEC.json]\n"
            "                   [--source-table S] [--source-version-attr A]\n"
            "                   [--park-queue URL] [OPTIONS]\n"
            "\n"
            "Applies the records of a DynamoDB stream event (a Lambda event, a\n"
            "GetRecords response or one record; - = standard input) to the target\n"
            "table, each record's effect exactly once however often it is applied\n"
            "(docs/exactly-once.md).  The last line on standard output is one JSON\n"
            "object: {\"records\":N,\"applied\":..,\"duplicate\":..,\"stale\":..,\n"
            "\"superseded\":..,\"coalesced\":..,\"filtered\":..,\"parked\":..,\n"
            "\"failed\":..,\"batchItemFailures\":[{\"itemIdentifier\":SEQ},..]}.\n"
            "Each failed or parked record also gets one line on standard error\n"
            "(position, sequence number, outcome, reason; never item contents).\n"
            "Region, credentials and endpoints come from the standard AWS\n"
            "environment and files (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL...).\n"
            "\n"
            "Exit status: 0 nothing failed, 1 records failed (they are in\n"
            "batchItemFailures) or the client could not be set up, 2 usage error\n"
            "(including a bad transform spec), 65 the event cannot be parsed,\n"
            "66 a file cannot be read.\n"
            "\n"
            "  --event FILE            the event (- = standard input)\n"
            "  --target-table T        table the records are applied to\n"
            "  --mode M                replicate (default: conditional put guarded\n"
            "                          by the sequence number), ledger or tracker\n"
            "                          (transactions with a dedup item)\n"
            "  --ledger-table L        ledger/tracker table (pk S, TTL attribute\n"
            "                          exp); required by ledger and tracker modes\n"
            "  --aggregate GROUP:SUM   per value of GROUP keep item_count and the\n"
            "                          total of SUM (ledger or tracker mode only)\n"
            "  --transform SPEC.json   declarative transform (docs/transform.md);\n"
            "                          default: the identity\n"
            "  --source-table S        source table name (default: from each\n"
            "                          record's eventSourceARN)\n"
            "  --source-version-attr A also check that the source item still has\n"
            "                          the record's value of A (SUPERSEDED if not)\n"
            "  --version-attr A        replicate: guard by numeric attribute A of\n"
            "                          the image instead of the sequence number\n"
            "  --hard-delete           replicate: REMOVE deletes the item instead of\n"
            "                          writing a tombstone (safe only without\n"
            "                          redrives)\n"
            "  --no-coalesce           replicate: apply every record of an item,\n"
            "                          not only the last one of the batch\n"
            "  --tombstone-ttl SECS    tombstone lifetime (default 172800 = 48 h)\n"
            "  --park-queue URL        SQS queue for records that can never succeed\n"
            "                          (they are then acknowledged as PARKED)\n"
            "  --shard-id ID           the records' shard (tracker items are per\n"
            "                          shard)\n"
            "  --deadline-ms MS        stop starting work MS milliseconds from now;\n"
            "                          what is left is reported failed\n"
            "  --dry-run               print each record's writes as one JSON line\n"
            "                          ({\"index\",\"sequenceNumber\",\"writes\"} or\n"
            "                          \"error\") and change nothing\n"
            "  -v, --verbose           log to standard error (twice: debug)\n"
            CLI_TARGET_HELP);
}

typedef struct apply_args {
    const char *event, *target, *mode_name, *ledger, *aggregate, *spec;
    const char *source, *source_version, *version, *park, *shard;
    int hard_delete, no_coalesce, dry_run, verbose;
    int64_t tombstone_ttl_s, deadline_rel_ms;
    cli_target_opts tgt;
} apply_args;

static int usage_error(const char *what)
{
    return cli_usage_error("apply", what);
}

static cli_mode_opts mode_opts(const apply_args *a)
{
    cli_mode_opts o = { a->mode_name, a->ledger, a->aggregate, a->spec };
    return o;
}

/* Options that take a value: the table keeps parse_args short. */
static const char **value_slot(apply_args *a, const char *opt)
{
    static const struct { const char *name; size_t off; } t[] = {
        { "--event", offsetof(apply_args, event) },
        { "--target-table", offsetof(apply_args, target) },
        { "--mode", offsetof(apply_args, mode_name) },
        { "--ledger-table", offsetof(apply_args, ledger) },
        { "--aggregate", offsetof(apply_args, aggregate) },
        { "--transform", offsetof(apply_args, spec) },
        { "--source-table", offsetof(apply_args, source) },
        { "--source-version-attr", offsetof(apply_args, source_version) },
        { "--version-attr", offsetof(apply_args, version) },
        { "--park-queue", offsetof(apply_args, park) },
        { "--shard-id", offsetof(apply_args, shard) },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(opt, t[i].name) == 0)
            return (const char **)(void *)((char *)a + t[i].off);
    return NULL;
}

/* Returns -1 to go on, else the exit status (help, usage error). */
static int parse_args(int argc, char **argv, apply_args *a)
{
    char msg[320];
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], **slot;
        int k, st;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            help(stdout);
            return 0;
        } else if ((k = cli_target_flag("apply", argc, argv, &i, &a->tgt,
                                        &st)) != 0) {
            if (k < 0)
                return st;
        } else if ((slot = value_slot(a, o))) {
            if (i + 1 >= argc) {
                snprintf(msg, sizeof msg, "%s needs a value", o);
                return usage_error(msg);
            }
            if (!argv[i + 1][0]) {
                snprintf(msg, sizeof msg, "%s must not be empty", o);
                return usage_error(msg);
            }
            *slot = argv[++i];
        } else if (strcmp(o, "--tombstone-ttl") == 0 ||
                   strcmp(o, "--deadline-ms") == 0) {
            int ttl = o[2] == 't';
            long long v;
            if (i + 1 >= argc ||
                cli_parse_int(argv[i + 1], 1,
                              ttl ? 10LL * 365 * 86400 : 86400000LL, &v) < 0) {
                snprintf(msg, sizeof msg, "%s wants a positive integer (%s)", o,
                         ttl ? "seconds" : "milliseconds, at most 86400000");
                return usage_error(msg);
            }
            *(ttl ? &a->tombstone_ttl_s : &a->deadline_rel_ms) = v;
            i++;
        } else if (strcmp(o, "--hard-delete") == 0) {
            a->hard_delete = 1;
        } else if (strcmp(o, "--no-coalesce") == 0) {
            a->no_coalesce = 1;
        } else if (strcmp(o, "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (strcmp(o, "-v") == 0 || strcmp(o, "--verbose") == 0) {
            a->verbose++;
        } else if (strcmp(o, "-vv") == 0) {
            a->verbose += 2;
        } else {
            snprintf(msg, sizeof msg, "unexpected argument '%.200s'", o);
            return usage_error(msg);
        }
    }
    return -1;
}

/* Option combinations that can never work; the applier checks the rest
 * (and says which field) when it is made. */
static int check_args(const apply_args *a, int *mode)
{
    if (!a->event)
        return usage_error("--event FILE is required (- = standard input)");
    if (!a->target)
        return usage_error("--target-table is required");
    cli_mode_opts o = mode_opts(a);
    return cli_check_mode("apply", &o, mode);
}

/* One stderr line for a record that did not apply: what a user needs to
 * find it in the stream, never its contents. */
static void report_record(size_t i, const char *seq, int outcome,
                          const ddbxo_error *e)
{
    fprintf(stderr, "ddbxo apply: record %zu seq %s: %s", i,
            seq && *seq ? seq : "?", ddbxo_outcome_name(outcome));
    /* The library's messages usually name the path and the AWS error
     * already; add them only when they do not. */
    if (e && e->path[0] && !strstr(e->message, e->path))
        fprintf(stderr, ": %s", e->path);
    if (e && e->aws_type[0] && !strstr(e->message, e->aws_type))
        fprintf(stderr, ": %s", e->aws_type);
    if (e && e->message[0])
        fprintf(stderr, ": %s", e->message);
    fputc('\n', stderr);
}

static void report_failures(const ddbxo_event *ev,
                            const ddbxo_batch_result *res)
{
    size_t n = ddbxo_batch_result_count(res);
    for (size_t i = 0; i < n; i++) {
        int oc = ddbxo_batch_result_outcome(res, i);
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        const ddbxo_error *e = ddbxo_batch_result_error(res, i);
        if (!ddbxo_outcome_failed(oc) && oc != DDBXO_PARKED)
            continue;
        /* A record that did not parse is reported by the batch's seq. */
        report_record(i, r ? ddbxo_record_sequence_number(r)
                           : ddbxo_batch_result_seq(res, i),
                      oc, e ? e : ddbxo_event_error(ev, i));
    }
}

/* --dry-run: the writes each record turns into, one JSON line each. */
static int dry_run(const ddbxo_transform *t, const ddbxo_event *ev)
{
    int bad = 0;
    for (size_t i = 0; i < ddbxo_event_count(ev); i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        const ddbxo_error *pe = ddbxo_event_error(ev, i);
        ddbxo_error err;
        json_t *o = json_object(), *w = NULL;
        char *text = NULL, *line;
        size_t len = 0;
        ddbxo_error_clear(&err);
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        if (r) {
            json_object_set_new(o, "sequenceNumber",
                                json_string(ddbxo_record_sequence_number(r)));
            text = ddbxo_transform_run(t, r, &len, &err);
            if (text)
                w = json_loadb(text, len, 0, NULL);
            ddbxo_free(text);
        }
        if (w) {
            json_object_set_new(o, "writes", w);
        } else {
            const ddbxo_error *e = r ? &err : pe;
            if (!r && !e)
                e = &err;
            json_object_set_new(o, "error",
                                json_pack("{s:s,s:s}", "path", e->path,
                                          "message", e->message));
            bad = 1;
        }
        if ((line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
            puts(line);
            free(line);
        }
        json_decref(o);
    }
    return bad ? 1 : 0;
}

static int run_batch(const apply_args *a, int mode, const ddbxo_transform *t,
                     const ddbxo_event *ev)
{
    ddbxo_client_config cc;
    ddbxo_apply_config ac;
    ddbxo_apply_options opt;
    ddbxo_client *c = NULL, *tc = NULL;
    ddbxo_applier *ap = NULL;
    ddbxo_batch_result *res = NULL;
    ddbxo_error err;
    const char *summary;
    size_t len = 0;
    int status = 1;

    memset(&cc, 0, sizeof cc);
    if (a->verbose) {
        cc.log = cli_log_text;
        cc.log_level = a->verbose > 1 ? DDBXO_LOG_DEBUG : DDBXO_LOG_INFO;
    }
    /* c: the source side (only the source check reads it); tc: where the
     * records are written. */
    if ((status = cli_make_sides("apply", &cc, &a->tgt, &c, &tc)) != 0)
        return status;
    status = 1;
    memset(&ac, 0, sizeof ac);
    ac.mode = mode;
    ac.target_table = a->target;
    ac.ledger_table = a->ledger;
    ac.source_table = a->source;
    ac.source_version_attr = a->source_version;
    ac.version_attr = a->version;
    ac.transform = t;
    ac.hard_delete = a->hard_delete;
    ac.no_coalesce = a->no_coalesce;
    ac.tombstone_ttl_s = a->tombstone_ttl_s;
    ac.park_queue_url = a->park;
    if ((status = cli_check_sides("apply", c, tc, &ac, NULL)) != 0)
        goto out;
    status = 1;
    if (!(ap = ddbxo_applier_new(tc, &ac, &err))) {
        fprintf(stderr, "ddbxo apply: %s\n", err.message);
        /* The applier only refuses what the options asked for. */
        status = err.code == DDBXO_E_CONFIG || err.code == DDBXO_E_INVALID
                     ? CLI_EX_USAGE : 1;
        goto out;
    }
    memset(&opt, 0, sizeof opt);
    opt.shard_id = a->shard;
    if (a->deadline_rel_ms)
        opt.deadline_ms = ddbxo__wall_ms() + a->deadline_rel_ms;
    if (!(res = ddbxo_process_batch(ap, ev, &opt, &err))) {
        fprintf(stderr, "ddbxo apply: %s\n", err.message);
        goto out;
    }
    report_failures(ev, res);
    summary = ddbxo_batch_result_summary(res, &len);
    if (summary) {
        fwrite(summary, 1, len, stdout);
        putchar('\n');
    }
    fflush(stdout);
    status = ddbxo_batch_result_failed(res) ? 1 : 0;
out:
    ddbxo_batch_result_free(res);
    ddbxo_applier_free(ap);
    cli_free_sides(c, tc);
    return status;
}

int cmd_apply(int argc, char **argv)
{
    apply_args a;
    ddbxo_transform *t = NULL;
    ddbxo_event *ev = NULL;
    ddbxo_error err;
    char *data;
    size_t len = 0;
    int status, mode = 0;

    if ((status = parse_args(argc, argv, &a)) >= 0)
        return status;
    if ((status = check_args(&a, &mode)) >= 0)
        return status;
    {
        cli_mode_opts o = mode_opts(&a);
        if (!(t = cli_make_transform("apply", &o, &status)))
            return status;
    }
    if (!(data = cli_read_input(a.event, &len))) {
        ddbxo_transform_free(t);
        return CLI_EX_NOINPUT;
    }
    ev = ddbxo_parse_stream_event(data, len, &err);
    free(data);
    if (!ev) {
        fprintf(stderr, "ddbxo apply: the event cannot be parsed: %s%s%s\n",
                err.path[0] ? err.path : "", err.path[0] ? ": " : "",
                err.message);
        ddbxo_transform_free(t);
        return CLI_EX_DATAERR;
    }
    status = a.dry_run ? dry_run(t, ev) : run_batch(&a, mode, t, ev);
    ddbxo_event_free(ev);
    ddbxo_transform_free(t);
    return status;
}
