/* ddbxo: command-line front end of libddbxo. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ddbxo.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    { "parse", cmd_parse, "parse a stream event; one JSON line per record" },
    { "call", cmd_call, "send one signed DynamoDB/Streams/SQS request" },
    { "apply", cmd_apply, "apply an event to a table, exactly-once effect" },
    { "init", cmd_init, "create the target, ledger and checkpoint tables; check the stream" },
    { "run", cmd_run, "read a stream and apply it, with checkpoints and a lease" },
    { "redrive", cmd_redrive, "apply parked and Lambda on-failure records from SQS" },
    { "backfill", cmd_backfill, "copy a live table's items into the replica (scan, guarded write)" },
    { "verify", cmd_verify, "compare the replica with the source; --repair the differences" },
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ddbxo COMMAND [OPTIONS]\n"
            "\n"
            "Moves DynamoDB stream changes into another table with an\n"
            "exactly-once effect.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'ddbxo COMMAND --help' describes a command.  "
               "'ddbxo --version' prints the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EX_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ddbxo %s\n", ddbxo_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ddbxo: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_EX_USAGE;
}
