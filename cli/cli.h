/* The ddbxo command: one file per subcommand. */
#ifndef DDBXO_CLI_H
#define DDBXO_CLI_H

#include <stddef.h>

/* sysexits.h values the commands use. */
#define CLI_EX_USAGE   2
#define CLI_EX_DATAERR 65
#define CLI_EX_NOINPUT 66

int cmd_parse(int argc, char **argv);
int cmd_call(int, char **);
int cmd_init(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_redrive(int argc, char **argv);

/* Reads FILE ("-" = stdin) whole; NULL with a message on stderr. */
char *cli_read_input(const char *path, size_t *len);

#endif
