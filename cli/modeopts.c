/* The mode flags that ddbxo apply, run and redrive share (--mode,
 * --ledger-table, --aggregate, --transform): one set of rules and one set
 * of messages, so the three commands cannot drift apart. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ddbxo.h"

int cli_usage_error(const char *cmd, const char *what)
{
    fprintf(stderr, "ddbxo %s: %s\n(ddbxo %s --help describes the options)\n",
            cmd, what, cmd);
    return CLI_EX_USAGE;
}

int cli_check_mode(const char *cmd, const cli_mode_opts *o, int *mode)
{
    *mode = o->mode_name ? ddbxo_mode_parse(o->mode_name)
                         : DDBXO_MODE_REPLICATE;
    if (!*mode)
        return cli_usage_error(cmd, "--mode must be replicate, ledger or "
                                    "tracker");
    if (o->aggregate && o->spec)
        return cli_usage_error(cmd, "--aggregate and --transform exclude "
                                    "each other");
    if (o->aggregate && *mode == DDBXO_MODE_REPLICATE)
        return cli_usage_error(cmd, "--aggregate needs --mode ledger or "
                                    "tracker: its writes are not idempotent");
    if (*mode != DDBXO_MODE_REPLICATE && !o->ledger)
        return cli_usage_error(cmd, "--mode ledger and tracker need "
                                    "--ledger-table");
    return -1;
}

ddbxo_transform *cli_make_transform(const char *cmd, const cli_mode_opts *o,
                                    int *status)
{
    ddbxo_transform *t;
    ddbxo_error err;
    if (o->aggregate) {
        if (!(t = ddbxo_transform_aggregate(o->aggregate, &err))) {
            fprintf(stderr, "ddbxo %s: --aggregate: %s\n", cmd, err.message);
            *status = CLI_EX_USAGE;
        }
    } else if (o->spec) {
        size_t len = 0;
        char *text = cli_read_input(o->spec, &len);
        if (!text) {
            *status = CLI_EX_NOINPUT;
            return NULL;
        }
        t = ddbxo_transform_spec(text, len, &err);
        free(text);
        if (!t) {
            fprintf(stderr, "ddbxo %s: --transform %s: %s%s%s\n", cmd,
                    o->spec, err.path, err.path[0] ? ": " : "", err.message);
            *status = CLI_EX_USAGE;
        }
    } else if (!(t = ddbxo_transform_identity(&err))) {
        fprintf(stderr, "ddbxo %s: %s\n", cmd, err.message);
        *status = 1;
    }
    return t;
}

const char *cli_level_name(int level)
{
    return level >= DDBXO_LOG_ERROR  ? "error"
           : level >= DDBXO_LOG_WARN ? "warn"
           : level >= DDBXO_LOG_INFO ? "info"
                                     : "debug";
}

void cli_log_text(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "ddbxo: %s: %s\n", cli_level_name(level), msg);
}
