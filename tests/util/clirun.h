/* Runs the real `ddbxo` binary as a user would: a clean AWS environment
 * (static test credentials, no config files) pointing at an endpoint. */
#ifndef DDBXO_TEST_CLIRUN_H
#define DDBXO_TEST_CLIRUN_H

#include <sys/types.h>

/* The binary: $DDBXO_CLI, else build/ddbxo. */
const char *tu_cli_path(void);

/* Runs `ddbxo argv...` (argv NULL-terminated, without the program name)
 * with AWS_ENDPOINT_URL=endpoint (NULL = none) plus the extra "NAME=value"
 * strings of env (may be NULL), stdin_text on standard input (NULL =
 * empty).  *out / *err_out (either may be NULL) get stdout / stderr
 * (malloc'd, NUL-terminated).  Returns the exit status, or -1 when the
 * process did not exit normally (the test fails on spawn errors). */
int tu_cli(const char *endpoint, const char *const *argv,
           const char *const *env, const char *stdin_text, char **out,
           char **err_out);

/* Starts the same process without waiting; standard input comes from the
 * file in_path, stdout and stderr go to the files out_path and err_path
 * (each NULL = /dev/null).  Returns the pid. */
pid_t tu_cli_start(const char *endpoint, const char *const *argv,
                   const char *const *env, const char *in_path,
                   const char *out_path, const char *err_path);
/* Waits for pid; the exit status, or -1 (e.g. killed by a signal). */
int tu_cli_wait(pid_t pid);

/* The last non-empty line of text (malloc'd), or NULL. */
char *tu_last_line(const char *text);

#endif
