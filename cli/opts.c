/* A table-driven option parser for the commands that take many named
 * options (backfill, verify): each option names its slot and, for
 * numbers, its range, so the messages are the same everywhere. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_opt *find(const cli_opt *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

int cli_parse_opts(const char *cmd, int argc, char **argv, const cli_opt *t,
                   size_t n, void (*help)(FILE *))
{
    for (int i = 1; i < argc; i++) {
        const cli_opt *o;
        char msg[200];
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            return 1;
        }
        if (!(o = find(t, n, argv[i]))) {
            snprintf(msg, sizeof msg, "unknown option '%s'", argv[i]);
            return cli_usage_error(cmd, msg);
        }
        if (o->kind == CLI_OPT_FLAG) {
            *(int *)o->slot = 1;
            continue;
        }
        if (++i >= argc) {
            snprintf(msg, sizeof msg, "%s needs a value", o->name);
            return cli_usage_error(cmd, msg);
        }
        if (o->kind == CLI_OPT_STR) {
            *(const char **)o->slot = argv[i];
        } else if (cli_parse_int(argv[i], o->min, o->max,
                                 (long long *)o->slot) < 0) {
            snprintf(msg, sizeof msg, "%s needs a number %lld..%lld",
                     o->name, o->min, o->max);
            return cli_usage_error(cmd, msg);
        }
    }
    return 0;
}
