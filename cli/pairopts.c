/* The options `ddbxo backfill` and `ddbxo verify` share, so that the two
 * commands of one replica take the same spelling for the same thing. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "backfill/backfill.h"
#include "cli.h"
#include "ddbxo.h"


void cli_pair_opts(cli_pair_args *a, cli_opt *t)
{
    const cli_opt shared[CLI_PAIR_NOPTS] = {
        { "--source-table", CLI_OPT_STR, &a->source, 0, 0 },
        { "--target-table", CLI_OPT_STR, &a->target, 0, 0 },
        { "--transform", CLI_OPT_STR, &a->spec, 0, 0 },
        { "--aggregate", CLI_OPT_STR, &a->aggregate, 0, 0 },
        { "--version-attr", CLI_OPT_STR, &a->version, 0, 0 },
        { "--segments", CLI_OPT_INT, &a->segments, 1, DDBXO_SCAN_MAX_SEGMENTS },
        { "--max-rcu", CLI_OPT_INT, &a->max_rcu, 1, CLI_MAX_UNITS_PER_S },
        { "-v", CLI_OPT_FLAG, &a->verbose, 0, 0 },
        { "--verbose", CLI_OPT_FLAG, &a->verbose, 0, 0 },
    };
    for (size_t i = 0; i < CLI_PAIR_NOPTS; i++)
        t[i] = shared[i];
}

ddbxo_transform *cli_pair_transform(const char *cmd, const cli_pair_args *a,
                                    int *status)
{
    /* Only the transform matters here; "ledger" lets an aggregate through
     * the shared mode check (backfill refuses it with what to do, verify
     * compares groups). */
    cli_mode_opts o = { "ledger", "-", a->aggregate, a->spec };
    int mode;
    if (!a->source || !a->target) {
        *status = cli_usage_error(cmd, "--source-table and --target-table "
                                       "are required");
        return NULL;
    }
    if ((*status = cli_check_mode(cmd, &o, &mode)) >= 0)
        return NULL;
    return cli_make_transform(cmd, &o, status);
}

ddbxo_client *cli_client(const char *cmd,
                         void (*log)(void *, int, const char *), int level)
{
    ddbxo_client_config cfg;
    ddbxo_client *c;
    ddbxo_error err;
    memset(&cfg, 0, sizeof cfg);
    cfg.log = log;
    cfg.log_level = level;
    if (!(c = ddbxo_client_new(&cfg, &err)))
        fprintf(stderr, "ddbxo %s: %s\n", cmd, err.message);
    return c;
}
