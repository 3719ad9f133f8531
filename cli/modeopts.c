/* The mode flags that ddbxo apply, run and redrive share (--mode,
 * --ledger-table, --aggregate, --transform): one set of rules and one set
 * of messages, so the three commands cannot drift apart. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ddbxo.h"
#include "ddbxo/sys/binding.h"

int cli_usage_error(const char *cmd, const char *what)
{
    fprintf(stderr, "ddbxo %s: %s\n(ddbxo %s --help describes the options)\n",
            cmd, what, cmd);
    return CLI_EX_USAGE;
}

/* The library's rules (ddbxo_mode_options_check), in the flags' names. */
static const char *const flag_names[4] = {
    "--mode", "--ledger-table", "--transform", "--aggregate",
};

int cli_check_mode(const char *cmd, const cli_mode_opts *o, int *mode)
{
    ddbxo_mode_options mo = {0};
    ddbxo_error err;
    mo.mode_name = o->mode_name;
    mo.ledger_table = o->ledger;
    mo.transforms = o->spec != NULL;
    mo.aggregate = o->aggregate != NULL;
    mo.names = flag_names;
    if (!(*mode = ddbxo_mode_options_check(&mo, &err)))
        return cli_usage_error(cmd, err.message);
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
