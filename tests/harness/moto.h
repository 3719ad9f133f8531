/* Test harness: a moto server (DynamoDB, Streams, SQS peer) on loopback.
 *
 * Starts $VENV/bin/moto_server -H 127.0.0.1 -p <free port>, waits until
 * POST /moto-api/reset answers 200, and stops it with SIGTERM, then
 * SIGKILL.  The server gets PR_SET_PDEATHSIG(SIGKILL): it dies with the
 * thread that started it, so a crashed test leaves no orphan (start it from
 * the main thread).  VENV unset or moto missing = an error with a clear
 * message, never a skip.
 *
 * Check forks every test, and moto takes a second or two to start, so
 * start one per test binary in the parent and reset between tests:
 *
 *   tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
 *   tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
 *   ...
 *   START_TEST(x) { tu_moto *m = tu_moto_get();   // fails the test if moto
 *                   ... tu_moto_endpoint(m) ... } // could not start
 */
#ifndef DDBXO_MOTO_H
#define DDBXO_MOTO_H

#include <stddef.h>

typedef struct tu_moto_opts {
    /* Serve one request at a time (werkzeug threaded=False, HTTP/1.0,
     * no keep-alive).  moto_server has no flag for it (its CLI hardcodes
     * threaded=True), so the harness runs moto's app through $VENV/bin/python. */
    int single_thread;
    /* Extra environment, "NAME=value" strings, NULL-terminated; e.g.
     * "INITIAL_NO_AUTH_ACTION_COUNT=5".  May be NULL. */
    const char *const *env;
    int ready_timeout_ms;        /* [20000] */
} tu_moto_opts;

typedef struct tu_moto tu_moto;

/* Starts a server (opts may be NULL).  NULL + message in errbuf on failure
 * (VENV unset, moto missing, not ready in time; the log tail is included). */
tu_moto *tu_moto_start(const tu_moto_opts *opts, char *errbuf, size_t errlen);
/* SIGTERM, wait up to 3 s, SIGKILL; frees.  Only the starting process
 * acts (a forked test child calling it just frees its copy).  NULL ok. */
void tu_moto_stop(tu_moto *m);

/* "http://127.0.0.1:PORT" (no trailing slash), owned by m. */
const char *tu_moto_endpoint(const tu_moto *m);
int tu_moto_port(const tu_moto *m);
/* POST /moto-api/reset: all state gone.  0 on HTTP 200. */
int tu_moto_reset(tu_moto *m);
/* POST body (Content-Type ctype) to path; returns the HTTP status (0 on
 * transport failure); *out (if given) gets the NUL-terminated body to
 * free().  E.g. tu_moto_post(m, "/moto-api/reset-auth", "text/plain",
 * "0", NULL) turns signature checking on. */
long tu_moto_post(tu_moto *m, const char *path, const char *ctype,
                  const char *body, char **out);

/* Shared instance for Check suites (see above).  Options for it must be set
 * before the first setup; the instance is started once per process. */
void tu_moto_suite_opts(const tu_moto_opts *opts);
/* Unchecked fixture: starts the shared instance unless it runs already
 * (so several test cases share one), registers its stop with atexit, and
 * records a start-up error instead of aborting. */
void tu_moto_suite_setup(void);
/* Checked fixture: tu_moto_get() + reset, failing the test on error. */
void tu_moto_test_reset(void);
/* The shared instance; fails the current test (ck_abort) with the start-up
 * error when there is none. */
tu_moto *tu_moto_get(void);

/* An identity made by tests/moto_iam_setup.py. */
typedef struct tu_moto_ident {
    char akid[128], secret[128], token[2048];
} tu_moto_ident;

/* Runs $VENV/bin/python tests/moto_iam_setup.py against m while its
 * signature checking is still off: an IAM user with a policy, one without,
 * and an assumed-role session.  Fills the identities asked for (each may
 * be NULL).  0, or -1 with the reason in errbuf. */
int tu_moto_iam_setup(tu_moto *m, tu_moto_ident *user,
                      tu_moto_ident *nopolicy, tu_moto_ident *session,
                      char *errbuf, size_t errlen);

#endif
