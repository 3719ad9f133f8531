/* ddbxo run: read a DynamoDB stream and apply it to a target table with
 * checkpoints and leases -- the job the Lambda event source mapping does,
 * without Lambda (docs/runner.md). */
#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddbxo.h"
#include "runner/runner.h"

static void help(FILE *f)
{
    fprintf(f,
        "usage: ddbxo run (--source-table S | --stream-arn A) --target-table T\n"
        "                 [--mode replicate|ledger|tracker] [--ledger-table L]\n"
        "                 [--aggregate GROUP:SUM | --transform SPEC.json]\n"
        "                 [--checkpoint-table C] [--batch-size N]\n"
        "                 [--from trim_horizon|latest] [--until-idle SECONDS]\n"
        "                 [--max-records N] [OPTIONS]\n"
        "\n"
        "Reads every shard of the stream (parents before children), applies\n"
        "each page of records through the batch engine, retries failed\n"
        "records in order, and checkpoints after each batch.  Progress goes\n"
        "to standard error; the last line on standard output is the JSON\n"
        "summary of `ddbxo apply` plus \"shards\" and \"seconds\".\n"
        "SIGINT/SIGTERM finish the batch in flight, checkpoint and exit 0.\n"
        "Exit status: 0 done, 1 the run failed, 2 usage error.\n"
        "\n"
        "  --source-table S        source table (its LatestStreamArn is read)\n"
        "  --stream-arn A          the stream to read\n"
        "  --target-table T        table the records are applied to\n"
        "  --mode M                replicate (default), ledger or tracker\n"
        "  --ledger-table L        ledger/tracker table (pk S, TTL exp)\n"
        "  --aggregate GROUP:SUM   aggregate transform (ledger/tracker mode)\n"
        "  --transform SPEC.json   declarative transform (docs/transform.md)\n"
        "  --source-version-attr A source check on version attribute A\n"
        "  --version-attr A        replicate: guard by numeric attribute A\n"
        "  --hard-delete           replicate: REMOVE deletes (no tombstone)\n"
        "  --no-coalesce           replicate: apply every record of an item\n"
        "  --tombstone-ttl SECS    tombstone lifetime (default 172800)\n"
        "  --park-queue URL        SQS queue for records that can never succeed\n"
        "  --checkpoint-table C    checkpoints and leases (pk S, TTL exp);\n"
        "                          without it every start reads from --from\n"
        "  --batch-size N          records per GetRecords/batch (1..1000,\n"
        "                          default 100)\n"
        "  --from P                trim_horizon (default) or latest, for\n"
        "                          shards without a checkpoint\n"
        "  --until-idle SECONDS    exit 0 once no shard had records for this\n"
        "                          long (default: run until signalled)\n"
        "  --max-records N         exit after N records\n"
        "  --lease-seconds N       lease time (default 30)\n"
        "  --owner ID              lease owner id (default host:pid:random)\n"
        "  --consumer NAME         this pipeline's name in checkpoint and lease\n"
        "                          keys (default: the target table)\n"
        "  --progress-seconds N    progress period (default 5)\n"
        "  --log-format F          text (default) or json, on standard error\n"
        "  -v, --verbose           also log informational events\n"
        CLI_TARGET_HELP
        "The source side (the stream and the checkpoint table: the runner's)\n"
        "uses the standard AWS settings; the target side may be in another\n"
        "region or account (docs/configuration.md).\n");
}

typedef struct run_args {
    const char *source, *arn, *target, *mode_name, *ledger, *aggregate,
        *spec, *source_version, *version, *park, *ckpt, *from, *owner,
        *log_format, *consumer;
    long long batch, until_idle, max_records, lease_s, tombstone_ttl,
        progress_s;
    int hard_delete, no_coalesce, verbose;
    cli_target_opts tgt;
} run_args;

static ddbxo_runner *volatile g_runner;
static int g_json_logs;
static int g_log_level = DDBXO_LOG_WARN;

static void on_signal(int sig)
{
    (void)sig;
    ddbxo_runner_stop(g_runner);
}

static int usage_error(const char *what)
{
    return cli_usage_error("run", what);
}

static const char **str_slot(run_args *a, const char *o)
{
    static const struct { const char *name; size_t off; } t[] = {
        { "--source-table", offsetof(run_args, source) },
        { "--stream-arn", offsetof(run_args, arn) },
        { "--target-table", offsetof(run_args, target) },
        { "--mode", offsetof(run_args, mode_name) },
        { "--ledger-table", offsetof(run_args, ledger) },
        { "--aggregate", offsetof(run_args, aggregate) },
        { "--transform", offsetof(run_args, spec) },
        { "--source-version-attr", offsetof(run_args, source_version) },
        { "--version-attr", offsetof(run_args, version) },
        { "--park-queue", offsetof(run_args, park) },
        { "--checkpoint-table", offsetof(run_args, ckpt) },
        { "--from", offsetof(run_args, from) },
        { "--owner", offsetof(run_args, owner) },
        { "--consumer", offsetof(run_args, consumer) },
        { "--log-format", offsetof(run_args, log_format) },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(o, t[i].name) == 0)
            return (const char **)(void *)((char *)a + t[i].off);
    return NULL;
}

static long long *num_slot(run_args *a, const char *o, long long *min,
                           long long *max)
{
    static const struct {
        const char *name; size_t off; long long min, max;
    } t[] = {
        { "--batch-size", offsetof(run_args, batch), 1,
          DDBXO_RUNNER_MAX_BATCH_SIZE },
        { "--until-idle", offsetof(run_args, until_idle), 1, 86400 * 365 },
        { "--max-records", offsetof(run_args, max_records), 1,
          (long long)1e15 },
        { "--lease-seconds", offsetof(run_args, lease_s), 1, 3600 },
        { "--tombstone-ttl", offsetof(run_args, tombstone_ttl), 1,
          (long long)1e10 },
        { "--progress-seconds", offsetof(run_args, progress_s), 1, 86400 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(o, t[i].name) == 0) {
            *min = t[i].min;
            *max = t[i].max;
            return (long long *)(void *)((char *)a + t[i].off);
        }
    return NULL;
}

/* 0 ok, 1 help printed, else an exit status. */
static int parse_args(int argc, char **argv, run_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char **s;
        long long *n, min, max;
        char msg[160];
        int st, k;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            help(stdout);
            return 1;
        }
        if ((k = cli_target_flag("run", argc, argv, &i, &a->tgt, &st)) != 0) {
            if (k < 0)
                return st;
        } else if (strcmp(o, "--hard-delete") == 0) {
            a->hard_delete = 1;
        } else if (strcmp(o, "--no-coalesce") == 0) {
            a->no_coalesce = 1;
        } else if (strcmp(o, "-v") == 0 || strcmp(o, "--verbose") == 0) {
            a->verbose = 1;
        } else if ((s = str_slot(a, o)) != NULL) {
            if (++i >= argc)
                return snprintf(msg, sizeof msg, "%s needs a value", o),
                       usage_error(msg);
            *s = argv[i];
        } else if ((n = num_slot(a, o, &min, &max)) != NULL) {
            if (++i >= argc || cli_parse_int(argv[i], min, max, n) < 0) {
                snprintf(msg, sizeof msg, "%s needs a number %lld..%lld", o,
                         min, max);
                return usage_error(msg);
            }
        } else {
            snprintf(msg, sizeof msg, "unknown option '%s'", o);
            return usage_error(msg);
        }
    }
    return 0;
}

static void log_line(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (level < g_log_level)
        return;
    if (g_json_logs) {
        json_t *j = json_pack("{s:s,s:s}", "level", cli_level_name(level),
                              "msg", msg);
        char *t = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (t)
            fprintf(stderr, "%s\n", t);
        free(t);
        json_decref(j);
    } else {
        fprintf(stderr, "ddbxo run: %s\n", msg);
    }
}

static void progress(void *ctx, const char *json, size_t len)
{
    json_t *j;
    (void)ctx;
    if (g_json_logs) {
        fprintf(stderr, "{\"level\":\"info\",\"progress\":%.*s}\n", (int)len,
                json);
        return;
    }
    if (!(j = json_loadb(json, len, 0, NULL)))
        return;
    fprintf(stderr,
            "ddbxo run: %.0fs %lld records (%.1f/s) applied %lld duplicate "
            "%lld stale %lld coalesced %lld filtered %lld parked %lld, "
            "retries %lld, iterator age %lld ms, %lld shard(s) active\n",
            json_number_value(json_object_get(j, "seconds")),
            (long long)json_integer_value(json_object_get(j, "records")),
            json_number_value(json_object_get(j, "records_per_s")),
            (long long)json_integer_value(json_object_get(j, "applied")),
            (long long)json_integer_value(json_object_get(j, "duplicate")),
            (long long)json_integer_value(json_object_get(j, "stale")),
            (long long)json_integer_value(json_object_get(j, "coalesced")),
            (long long)json_integer_value(json_object_get(j, "filtered")),
            (long long)json_integer_value(json_object_get(j, "parked")),
            (long long)json_integer_value(json_object_get(j, "retries")),
            (long long)json_integer_value(json_object_get(j, "iterator_age_ms")),
            (long long)json_integer_value(json_object_get(j, "shards_active")));
    json_decref(j);
}

int cmd_run(int argc, char **argv)
{
    run_args a;
    ddbxo_apply_config acfg;
    ddbxo_runner_config rcfg;
    ddbxo_client_config ccfg;
    ddbxo_transform *t = NULL;
    ddbxo_client *c = NULL, *tc = NULL;
    ddbxo_applier *ap = NULL;
    ddbxo_runner *r = NULL;
    ddbxo_error err;
    struct sigaction sa;
    int rc, mode = DDBXO_MODE_REPLICATE, from = DDBXO_FROM_TRIM_HORIZON;

    memset(&a, 0, sizeof a);
    if ((rc = parse_args(argc, argv, &a)) != 0)
        return rc == 1 ? 0 : rc;
    if (!a.source == !a.arn)
        return usage_error("give one of --source-table and --stream-arn");
    if (!a.target)
        return usage_error("--target-table is required");
    {
        cli_mode_opts o = { a.mode_name, a.ledger, a.aggregate, a.spec };
        if ((rc = cli_check_mode("run", &o, &mode)) >= 0)
            return rc;
    }
    if (a.from && (from = ddbxo__runner_from_parse(a.from)) < 0)
        return usage_error("--from must be trim_horizon or latest");
    if (a.log_format) {
        if (strcmp(a.log_format, "json") == 0)
            g_json_logs = 1;
        else if (strcmp(a.log_format, "text") != 0)
            return usage_error("--log-format must be text or json");
    }
    if (a.verbose)
        g_log_level = DDBXO_LOG_INFO;
    {
        cli_mode_opts o = { a.mode_name, a.ledger, a.aggregate, a.spec };
        if (!(t = cli_make_transform("run", &o, &rc)))
            return rc;
    }

    memset(&ccfg, 0, sizeof ccfg);
    ccfg.log = log_line;
    ccfg.log_level = g_log_level;
    if ((rc = cli_make_sides("run", &ccfg, &a.tgt, &c, &tc)) != 0)
        goto out;
    memset(&acfg, 0, sizeof acfg);
    acfg.mode = mode;
    acfg.target_table = a.target;
    acfg.ledger_table = a.ledger;
    acfg.source_table = a.source;
    acfg.source_version_attr = a.source_version;
    acfg.version_attr = a.version;
    acfg.transform = t;
    acfg.hard_delete = a.hard_delete;
    acfg.no_coalesce = a.no_coalesce;
    acfg.tombstone_ttl_s = a.tombstone_ttl;
    acfg.park_queue_url = a.park;
    if ((rc = cli_check_sides("run", c, tc, &acfg, a.ckpt)) != 0)
        goto out;
    if (!(ap = ddbxo_applier_new(tc, &acfg, &err))) {
        fprintf(stderr, "ddbxo run: %s%s%s\n", err.message,
                err.path[0] ? ": " : "", err.path);
        rc = CLI_EX_USAGE;
        goto out;
    }
    memset(&rcfg, 0, sizeof rcfg);
    rcfg.stream_arn = a.arn;
    rcfg.source_table = a.source;
    rcfg.checkpoint_table = a.ckpt;
    rcfg.batch_size = (int)a.batch;
    rcfg.from = from;
    rcfg.until_idle_ms = a.until_idle * 1000;
    rcfg.max_records = (uint64_t)a.max_records;
    rcfg.owner = a.owner;
    rcfg.consumer = a.consumer;
    rcfg.lease_ms = a.lease_s * 1000;
    rcfg.progress = progress;
    rcfg.progress_ms = a.progress_s * 1000;
    rcfg.log = log_line;
    if (!(r = ddbxo_runner_new(c, ap, &rcfg, &err))) {
        fprintf(stderr, "ddbxo run: %s\n", err.message);
        rc = CLI_EX_USAGE;
        goto out;
    }
    g_runner = r;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = ddbxo_runner_run(r, &err) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "ddbxo run: %s\n", err.message);
    printf("%s\n", ddbxo_runner_summary(r, NULL));
    fflush(stdout);
out:
    g_runner = NULL;
    ddbxo_runner_free(r);
    ddbxo_applier_free(ap);
    cli_free_sides(c, tc);
    ddbxo_transform_free(t);
    return rc;
}
