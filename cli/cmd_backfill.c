/* ddbxo backfill: copy the items a live table already has into the
 * replica, racing its stream consumer safely (docs/backfill.md). */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill/backfill.h"
#include "cli.h"
#include "ddbxo.h"

#define CMD "backfill"

static void help(FILE *f)
{
    fprintf(f,
        "usage: ddbxo backfill --source-table S --target-table T\n"
        "                      [--transform SPEC.json] [--segments N]\n"
        "                      [--max-rcu R] [--max-wcu R] [--checkpoint-table C]\n"
        "                      [--version-attr A] [OPTIONS]\n"
        "\n"
        "Scans the source (consistent reads, N parallel segments), runs each\n"
        "item through the transform of `ddbxo run` and writes it with a guard\n"
        "that succeeds only where the target item has no _ddbxo_seq (nothing\n"
        "from the stream yet) or, with --version-attr, an older version.\n"
        "Start `ddbxo run` on the source's stream BEFORE the backfill: the\n"
        "two together converge to f(source) (docs/backfill.md).  Progress\n"
        "goes to standard error; the last line on standard output is the\n"
        "JSON summary.  Exit status: 0 done, 1 failed, 2 usage or setup.\n"
        "\n"
        "  --source-table S       table to copy (must have a stream)\n"
        "  --target-table T       replica written in replicate mode\n"
        "  --transform SPEC.json  declarative transform (docs/transform.md)\n"
        "  --aggregate GROUP:SUM  refused, with what to do instead\n"
        "  --version-attr A       guard by numeric attribute A, as run does\n"
        "  --segments N           parallel Scan segments (1..%d, default %d)\n"
        "  --page-size N          items per Scan page and checkpoint\n"
        "                         (1..%d, default %d)\n"
        "  --max-rcu R            read capacity units per second (default: no\n"
        "                         limit)\n"
        "  --max-wcu R            write capacity units per second\n"
        "  --checkpoint-table C   per-segment checkpoints (pk S, TTL exp): a\n"
        "                         restart with the same --segments goes on\n"
        "  --progress-seconds N   progress period (default 5)\n"
        "  -v, --verbose          also log informational events\n",
        DDBXO_SCAN_MAX_SEGMENTS, DDBXO_BACKFILL_DEFAULT_SEGMENTS,
        DDBXO_BACKFILL_MAX_PAGE, DDBXO_BACKFILL_DEFAULT_PAGE);
}

typedef struct bf_args {
    cli_pair_args p;             /* first: the options verify shares */
    const char *ckpt;
    long long page, max_wcu, progress_s;
} bf_args;

static ddbxo__backfill *volatile g_bf;
static int g_level = DDBXO_LOG_WARN;

static void on_signal(int sig)
{
    (void)sig;
    ddbxo__backfill_stop(g_bf);
}

static void log_line(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (level >= g_level)
        fprintf(stderr, "ddbxo backfill: %s\n", msg);
}

/* "12s 1500 items (125.0/s), pages per segment 3,4,3,5, applied ..., ETA". */
static void progress(void *ctx, const char *json, size_t len)
{
    json_t *j = json_loadb(json, len, 0, NULL), *p;
    double secs, rate;
    long long items, est;
    size_t i;
    (void)ctx;
    if (!j)
        return;
    secs = json_number_value(json_object_get(j, "seconds"));
    rate = json_number_value(json_object_get(j, "items_per_s"));
    items = json_integer_value(json_object_get(j, "items"));
    est = json_integer_value(json_object_get(j, "item_estimate"));
    fprintf(stderr, "ddbxo backfill: %.0fs %lld items (%.1f/s), pages per "
            "segment ", secs, items, rate);
    json_array_foreach(json_object_get(j, "pages"), i, p)
        fprintf(stderr, "%s%lld", i ? "," : "", (long long)json_integer_value(p));
    fprintf(stderr, ", applied %lld stale %lld duplicate %lld, %.1f rcu/s "
            "%.1f wcu/s",
            (long long)json_integer_value(json_object_get(j, "applied")),
            (long long)json_integer_value(json_object_get(j, "stale")),
            (long long)json_integer_value(json_object_get(j, "duplicate")),
            json_number_value(json_object_get(j, "rcu_per_s")),
            json_number_value(json_object_get(j, "wcu_per_s")));
    /* ItemCount is refreshed about every six hours: an estimate only. */
    if (est > items && rate > 0)
        fprintf(stderr, ", ETA ~%.0fs\n", (double)(est - items) / rate);
    else
        fprintf(stderr, "\n");
    json_decref(j);
}

int cmd_backfill(int argc, char **argv)
{
    bf_args a;
    cli_opt opts[CLI_PAIR_NOPTS + 4] = {
        [CLI_PAIR_NOPTS] = { "--checkpoint-table", CLI_OPT_STR, &a.ckpt, 0, 0 },
        { "--page-size", CLI_OPT_INT, &a.page, 1, DDBXO_BACKFILL_MAX_PAGE },
        { "--max-wcu", CLI_OPT_INT, &a.max_wcu, 1, CLI_MAX_UNITS_PER_S },
        { "--progress-seconds", CLI_OPT_INT, &a.progress_s, 1, 86400 },
    };
    ddbxo__bf_config cfg;
    ddbxo_client *c = NULL;
    ddbxo_transform *t = NULL;
    ddbxo__backfill *b = NULL;
    ddbxo_error err;
    struct sigaction sa;
    int rc;

    memset(&a, 0, sizeof a);
    cli_pair_opts(&a.p, opts);
    if ((rc = cli_parse_opts(CMD, argc, argv, opts, sizeof opts / sizeof opts[0],
                             help)) != 0)
        return rc == 1 ? 0 : rc;
    if (a.p.verbose)
        g_level = DDBXO_LOG_INFO;
    /* An aggregate is refused by ddbxo__backfill_new, with what to do. */
    if (!(t = cli_pair_transform(CMD, &a.p, &rc)))
        return rc;
    if (!(c = cli_client(CMD, log_line, g_level))) {
        rc = 1;
        goto out;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.source_table = a.p.source;
    cfg.target_table = a.p.target;
    cfg.checkpoint_table = a.ckpt;
    cfg.transform = t;
    cfg.version_attr = a.p.version;
    cfg.segments = (int)a.p.segments;
    cfg.page_size = (int)a.page;
    cfg.max_rcu = (double)a.p.max_rcu;
    cfg.max_wcu = (double)a.max_wcu;
    cfg.progress = progress;
    cfg.progress_ms = a.progress_s * 1000;
    cfg.log = log_line;
    if (!(b = ddbxo__backfill_new(c, &cfg, &err))) {
        fprintf(stderr, "ddbxo backfill: %s\n", err.message);
        rc = err.code == DDBXO_E_CONFIG ? CLI_EX_USAGE : 1;
        goto out;
    }
    fprintf(stderr, "ddbxo backfill: the source stream (%s) was enabled at "
            "%s; the stream consumer must have been reading it since before "
            "this backfill started\n",
            ddbxo__backfill_stream(b)->view_type,
            ddbxo__backfill_stream(b)->label);
    g_bf = b;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = ddbxo__backfill_run(b, &err) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "ddbxo backfill: %s\n", err.message);
    printf("%s\n", ddbxo__backfill_summary(b));
    fflush(stdout);
out:
    g_bf = NULL;
    ddbxo__backfill_free(b);
    ddbxo_client_free(c);
    ddbxo_transform_free(t);
    return rc;
}
