/* ddbxo redrive: records that never made it (parked by libddbxo, or named
 * by a Lambda on-failure destination) taken from an SQS queue and applied
 * through the same engine as `ddbxo apply`.  A message is deleted only
 * once every one of its records is done (docs/redrive.md).  The engine is
 * the library's ddbxo_redrive_run (<ddbxo/sys/redrive.h>); this file is
 * its flags and output. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddbxo.h"
#include "ddbxo/sys/redrive.h"

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
        { "--tries", offsetof(redrive_args, tries), 1,
          DDBXO_REDRIVE_MAX_TRIES },
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
    a->tries = DDBXO_REDRIVE_DEFAULT_TRIES;
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
/* the run: ddbxo_redrive_run (lib/redrive/redrive_run.c)              */
/* ------------------------------------------------------------------ */

/* The engine's reports, on standard error. */
static void say(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    fprintf(stderr, "ddbxo redrive: %s\n", msg);
}

static int run(const redrive_args *a, int mode, const ddbxo_transform *t)
{
    ddbxo_client_config cc;
    ddbxo_client *c = NULL, *tc = NULL;
    ddbxo_redrive_config rc;
    ddbxo_error err;
    char *summary = NULL;
    int status;

    memset(&cc, 0, sizeof cc);
    if (a->verbose) {
        cc.log = cli_log_text;
        cc.log_level = DDBXO_LOG_INFO;
    }
    if ((status = cli_make_sides("redrive", &cc, &a->tgt, &c, &tc)) != 0)
        return status;
    memset(&rc, 0, sizeof rc);
    rc.queue_url = a->queue;
    rc.apply.mode = mode;
    rc.apply.target_table = a->target;
    rc.apply.ledger_table = a->ledger;
    rc.apply.source_table = a->source;
    rc.apply.source_version_attr = a->source_version;
    rc.apply.version_attr = a->version;
    rc.apply.transform = t;
    rc.apply.hard_delete = a->hard_delete;
    rc.apply.no_coalesce = a->no_coalesce;
    rc.apply.tombstone_ttl_s = a->tombstone_ttl;
    rc.apply.park_queue_url = a->park;
    rc.shard_id = a->shard;
    rc.max_messages = a->max_messages;
    rc.wait_s = (int)a->wait_s;
    rc.tries = (int)a->tries;
    rc.log = say;
    status = ddbxo_redrive_run(c, tc, &rc, &summary, NULL, &err);
    if (status < 0) {
        /* The library checks the two sides; its field names the flag. */
        const char *flag = cli_flag_of(err.path);
        if (flag)
            fprintf(stderr, "ddbxo redrive: %s: %s\n", flag, err.message);
        else
            fprintf(stderr, "ddbxo redrive: %s\n", err.message);
        status = err.code == DDBXO_E_CONFIG || err.code == DDBXO_E_INVALID
                     ? CLI_EX_USAGE : 1;
    }
    if (summary)
        printf("%s\n", summary);
    fflush(stdout);
    ddbxo_free(summary);
    cli_free_sides(c, tc);
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
