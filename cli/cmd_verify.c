/* ddbxo verify: is the target f(source)?  Compares both tables by full
 * parallel scans, looks again at what differs after a settle time, and
 * with --repair puts right what persists (docs/backfill.md, "Verify"). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddbxo.h"
#include "backfill/verify.h"

#define CMD "verify"
/* The comparison could not be made (sysexits EX_UNAVAILABLE). */
#define EXIT_UNAVAILABLE 69
#define MAX_SAMPLES 1000
#define MAX_SETTLE_S 3600

static void help(FILE *f)
{
    fprintf(f,
        "usage: ddbxo verify --source-table S --target-table T\n"
        "                    [--transform SPEC.json | --aggregate GROUP:SUM]\n"
        "                    [--segments N] [--repair] [--repair-extra]\n"
        "                    [--max-rcu R] [--samples N] [OPTIONS]\n"
        "\n"
        "Scans both tables and compares the target with f(source): item by\n"
        "item (bookkeeping attributes _ddbxo_* ignored; a tombstone counts as\n"
        "absent) or, with --aggregate, group by group.  Differences are read\n"
        "again after the settle time and only those that persist count.\n"
        "A table goes to standard error, the JSON report is the last line on\n"
        "standard output.  Exit status: 0 equal, 1 differences persist\n"
        "(repaired or not), 2 usage, %d the comparison could not be made.\n"
        "\n"
        "  --source-table S       the source table\n"
        "  --target-table T       the replica (or the aggregate's table)\n"
        "  --transform SPEC.json  the transform the pipeline uses\n"
        "  --aggregate GROUP:SUM  compare per-group counts and sums\n"
        "  --version-attr A       the pipeline's --version-attr (repairs)\n"
        "  --segments N           parallel Scan segments (1..%d, default %d)\n"
        "  --max-rcu R            read capacity units per second\n"
        "  --samples N            sample keys per class (default %d)\n"
        "  --settle-seconds N     pause before the second look (default %d;\n"
        "                         0 = look again at once)\n"
        "  --repair               re-apply the source's state of each\n"
        "                         persisting difference (guarded write)\n"
        "  --repair-extra         also delete target items the source lacks\n"
        "  -v, --verbose          also log informational events\n",
        EXIT_UNAVAILABLE, DDBXO_SCAN_MAX_SEGMENTS,
        DDBXO_BACKFILL_DEFAULT_SEGMENTS, DDBXO_VERIFY_DEFAULT_SAMPLES,
        DDBXO_VERIFY_DEFAULT_SETTLE_MS / 1000);
}

typedef struct verify_args {
    cli_pair_args p;             /* first: the options backfill shares */
    long long samples, settle_s;
    int repair, repair_extra;
} verify_args;

static int g_level = DDBXO_LOG_WARN;

static void log_line(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (level >= g_level)
        fprintf(stderr, "ddbxo verify: %s\n", msg);
}

/* The report as a table on standard error. */
static void print_table(const char *report)
{
    json_t *j = json_loads(report, 0, NULL);
    static const char *const classes[] = { "missing", "extra", "different",
                                           "stale" };
    if (!j)
        return;
    fprintf(stderr, "ddbxo verify: %s -> %s (%s): %lld source items, %lld "
            "target items\n",
            json_string_value(json_object_get(j, "source_table")),
            json_string_value(json_object_get(j, "target_table")),
            json_string_value(json_object_get(j, "mode")),
            (long long)json_integer_value(json_object_get(j, "source_items")),
            (long long)json_integer_value(json_object_get(j, "target_items")));
    fprintf(stderr, "%-10s %10s %9s  %s\n", "class", "persisting", "repaired",
            "sample keys");
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        const json_t *list = json_object_get(json_object_get(j, "samples"),
                                             classes[i]), *k;
        size_t n;
        fprintf(stderr, "%-10s %10lld %9lld ", classes[i],
                (long long)json_integer_value(json_object_get(j, classes[i])),
                (long long)json_integer_value(json_object_get(
                    json_object_get(j, "repaired"), classes[i])));
        json_array_foreach(list, n, k) {
            char *t = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
            fprintf(stderr, " %s", t ? t : "?");
            free(t);
        }
        fprintf(stderr, "\n");
    }
    fprintf(stderr, "resolved on the second look: %lld; %s\n",
            (long long)json_integer_value(json_object_get(j, "resolved")),
            !json_integer_value(json_object_get(j, "differences"))
                ? "the target equals f(source)"
            : json_object_size(json_object_get(j, "repaired"))
                ? "repairs were made: run verify again to confirm"
                : "the target differs from f(source)");
    json_decref(j);
}

int cmd_verify(int argc, char **argv)
{
    verify_args a;
    cli_opt opts[CLI_PAIR_NOPTS + 4] = {
        [CLI_PAIR_NOPTS] = { "--samples", CLI_OPT_INT, &a.samples, 1, MAX_SAMPLES },
        { "--settle-seconds", CLI_OPT_INT, &a.settle_s, 0, MAX_SETTLE_S },
        { "--repair", CLI_OPT_FLAG, &a.repair, 0, 0 },
        { "--repair-extra", CLI_OPT_FLAG, &a.repair_extra, 0, 0 },
    };
    ddbxo__verify_config cfg;
    ddbxo_client *c = NULL;
    ddbxo_transform *t = NULL;
    ddbxo_error err;
    char *report = NULL;
    int rc;

    memset(&a, 0, sizeof a);
    cli_pair_opts(&a.p, opts);
    a.settle_s = DDBXO_VERIFY_DEFAULT_SETTLE_MS / 1000;
    if ((rc = cli_parse_opts(CMD, argc, argv, opts, sizeof opts / sizeof opts[0],
                             help)) != 0)
        return rc == 1 ? 0 : rc;
    if (a.repair_extra && !a.repair)
        return cli_usage_error(CMD, "--repair-extra goes with --repair");
    if (a.p.aggregate && a.repair)
        return cli_usage_error(CMD, "--repair does not rebuild an aggregate "
                                    "(docs/backfill.md, \"Aggregates\")");
    if (a.p.verbose)
        g_level = DDBXO_LOG_INFO;
    if (!(t = cli_pair_transform(CMD, &a.p, &rc)))
        return rc;
    if (!(c = cli_client(CMD, log_line, g_level))) {
        rc = EXIT_UNAVAILABLE;
        goto out;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.source_table = a.p.source;
    cfg.target_table = a.p.target;
    cfg.transform = t;
    cfg.version_attr = a.p.version;
    cfg.same_key = !a.p.spec && !a.p.aggregate;
    cfg.segments = (int)a.p.segments;
    cfg.max_rcu = (double)a.p.max_rcu;
    cfg.samples = (int)a.samples;
    cfg.settle_ms = a.settle_s * 1000;
    cfg.repair = a.repair;
    cfg.repair_extra = a.repair_extra;
    cfg.log = log_line;
    rc = ddbxo__verify_run(c, &cfg, &report, &err);
    if (rc < 0) {
        fprintf(stderr, "ddbxo verify: %s\n", err.message);
        rc = EXIT_UNAVAILABLE;
        goto out;
    }
    print_table(report);
    printf("%s\n", report);
    fflush(stdout);
out:
    free(report);
    ddbxo_client_free(c);
    ddbxo_transform_free(t);
    return rc;
}
