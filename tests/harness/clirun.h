/* Runs the real `ddbxo` binary as a user would: a clean AWS environment
 * (static test credentials, no config files) pointing at an endpoint. */
#ifndef DDBXO_TEST_CLIRUN_H
#define DDBXO_TEST_CLIRUN_H

#include <check.h>

#include <jansson.h>
#include <sys/types.h>

/* The binary: $DDBXO_CLI, else build/ddbxo. */
const char *tu_cli_path(void);

/* Runs `ddbxo argv...` (argv NULL-terminated, without the program name)
 * with AWS_ENDPOINT_URL=endpoint (NULL = none) plus the extra "NAME=value"
 * strings of env (may be NULL; one naming a default variable replaces
 * it), stdin_text on standard input (NULL =
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

/* What a finished command showed: exit status, whole stdout and stderr,
 * and its last stdout line parsed as JSON (the summary; NULL if it is not
 * JSON). */
typedef struct tu_cli_result {
    int status;
    char *out, *err;
    json_t *summary;
} tu_cli_result;

/* tu_cli, into *r. */
void tu_cli_run(const char *endpoint, const char *const *argv,
                const char *const *env, const char *stdin_text,
                tu_cli_result *r);
void tu_cli_result_free(tu_cli_result *r);
/* Summary member `name` (fails the test when it is not an integer). */
long tu_cli_count(const tu_cli_result *r, const char *name);

/* A command started in the background, its output in files of dir. */
typedef struct tu_cli_proc {
    pid_t pid;
    char out[300], err[300];
} tu_cli_proc;

/* tu_cli_start with stdout and stderr in new files under dir. */
void tu_cli_spawn(tu_cli_proc *p, const char *dir, const char *endpoint,
                  const char *const *argv, const char *in_path);
/* tu_cli_spawn of the arguments head then tail (each NULL-terminated;
 * tail may be NULL): a suite's fixed arguments plus a test's own. */
void tu_cli_spawn_join(tu_cli_proc *p, const char *dir, const char *endpoint,
                       const char *const *head, const char *const *tail);
/* Waits for p and reads what it wrote into *r. */
void tu_cli_finish(tu_cli_proc *p, tu_cli_result *r);

/* The backfill and verify stories: `ddbxo CMD --source-table src
 * --target-table dst` plus args (NULL-terminated; may be NULL), in the
 * test's tmp dir against the suite's moto; spawned, or run to the end
 * into *r. */
void tu_cli_spawn_pair(tu_cli_proc *p, const char *cmd, const char *src,
                       const char *dst, const char *const *args);
void tu_cli_run_pair(const char *cmd, const char *src, const char *dst,
                     const char *const *args, tu_cli_result *r);
/* A TCase for such stories: one single-threaded moto for the suite,
 * emptied before each test, which also gets a fresh tmp dir named tmpdir
 * (removed after it). */
TCase *tu_cli_story_tcase(const char *name, const char *tmpdir,
                          int timeout_s);

#endif
