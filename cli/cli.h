/* The ddbxo command: one file per subcommand. */
#ifndef DDBXO_CLI_H
#define DDBXO_CLI_H

#include <stddef.h>

/* The CLI uses the advanced layers too: raw calls (ddbxo call), dry runs
 * and batch reports (ddbxo apply). */
#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/ddb.h"

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
int cmd_backfill(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* The mode flags apply, run and redrive share (cli/modeopts.c). */
typedef struct ddbxo_transform ddbxo_transform;
typedef struct cli_mode_opts {
    const char *mode_name, *ledger, *aggregate, *spec;
} cli_mode_opts;
/* "ddbxo CMD: what" and a pointer to --help on stderr; CLI_EX_USAGE. */
int cli_usage_error(const char *cmd, const char *what);
/* Checks the flags' combination and parses the mode: -1 when fine, else
 * the exit status (the message is printed). */
int cli_check_mode(const char *cmd, const cli_mode_opts *o, int *mode);
/* The transform the flags ask for (identity by default), or NULL with the
 * exit status in *status (message printed). */
ddbxo_transform *cli_make_transform(const char *cmd, const cli_mode_opts *o,
                                    int *status);
/* "error", "warn", "info" or "debug". */
const char *cli_level_name(int level);
/* A client log callback: "ddbxo: LEVEL: msg" on stderr. */
void cli_log_text(void *ctx, int level, const char *msg);

/* The target side (cli/sides.c): --target-region, --target-endpoint-url,
 * --target-role-arn, --target-external-id. */
typedef struct ddbxo_client ddbxo_client;
typedef struct ddbxo_client_config ddbxo_client_config;
typedef struct ddbxo_apply_config ddbxo_apply_config;
typedef struct cli_target_opts {
    const char *region, *endpoint, *role_arn, *external_id;
} cli_target_opts;
/* The usage lines of those flags, for --help. */
#define CLI_TARGET_HELP \
    "  --target-region R       the target side's region (target, ledger\n" \
    "                          table, park queue; default: the source's)\n" \
    "  --target-endpoint-url U the target side's endpoint\n" \
    "  --target-role-arn A     assume this role for the target side (a\n" \
    "                          table in another account)\n" \
    "  --target-external-id X  the role's ExternalId\n"
/* 1 if argv[*i] is one of them (its value consumed into o), 0 if not,
 * -1 with *status set (message printed) when the value is missing. */
int cli_target_flag(const char *cmd, int argc, char **argv, int *i,
                    cli_target_opts *o, int *status);
/* 1 if any was given. */
int cli_target_set(const cli_target_opts *o);
/* The source client from ccfg, and the target client: the same object
 * when no --target-* flag was given, else ccfg with the target's region,
 * endpoint and role.  0, or an exit status (message printed). */
int cli_make_sides(const char *cmd, const ddbxo_client_config *ccfg,
                   const cli_target_opts *o, ddbxo_client **src,
                   ddbxo_client **tgt);
void cli_free_sides(ddbxo_client *src, ddbxo_client *tgt);
/* ddbxo_sides_check, its refusal printed with the flag it concerns: 0, or
 * CLI_EX_USAGE. */
int cli_check_sides(const char *cmd, ddbxo_client *src, ddbxo_client *tgt,
                    const ddbxo_apply_config *acfg, const char *checkpoint);
/* The flag a library error's path (a ddbxo_apply_config field, or a
 * redrive's queue_url) stands for, or NULL. */
const char *cli_flag_of(const char *field);

/* A decimal option value: digits only, min..max.  0, or -1 (out left). */
int cli_parse_int(const char *s, long long min, long long max, long long *out);

/* Named options (cli/opts.c): a string, a flag (int set to 1) or a
 * decimal number min..max (long long). */
#include <stdio.h>
enum { CLI_OPT_STR, CLI_OPT_FLAG, CLI_OPT_INT };
typedef struct cli_opt {
    const char *name;
    int kind;
    void *slot;
    long long min, max;
} cli_opt;
/* Parses argv[1..] against t: 0 fine, 1 --help was printed with help(),
 * else an exit status (the message is printed). */
int cli_parse_opts(const char *cmd, int argc, char **argv, const cli_opt *t,
                   size_t n, void (*help)(FILE *));

/* The options backfill and verify share (cli/pairopts.c): the two tables,
 * the pipeline's transform, the scan's segments and read capacity. */
typedef struct cli_pair_args {
    const char *source, *target, *spec, *aggregate, *version;
    long long segments, max_rcu;
    int verbose;
} cli_pair_args;
#define CLI_PAIR_NOPTS 9
/* --max-rcu / --max-wcu accepted: above any single table's throughput. */
#define CLI_MAX_UNITS_PER_S 1000000
/* Fills t[0..CLI_PAIR_NOPTS) with the shared options, slots in *a. */
void cli_pair_opts(cli_pair_args *a, cli_opt *t);
/* Checks that both tables were given and makes the transform (identity,
 * --transform or --aggregate), or returns NULL with the exit status in
 * *status (the message printed). */
ddbxo_transform *cli_pair_transform(const char *cmd, const cli_pair_args *a,
                                    int *status);

/* A client with the standard configuration and log callback; NULL with
 * "ddbxo CMD: why" printed. */
typedef struct ddbxo_client ddbxo_client;
ddbxo_client *cli_client(const char *cmd,
                         void (*log)(void *, int, const char *), int level);

/* Reads FILE ("-" = stdin) whole; NULL with a message on stderr. */
char *cli_read_input(const char *path, size_t *len);

#endif
