/* credential_process: a profile's command prints credentials as JSON
 * ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}) on standard output.  It runs through /bin/sh -c, as the
 * SDKs run it on Linux, with standard input from /dev/null and a timeout.
 * Its standard error is inherited (a helper may prompt or explain there,
 * as with the SDKs) and is never read into an error or a log line; its
 * standard output holds the secret and is wiped. */
#define _GNU_SOURCE /* pipe2 */
#include "auth/creds.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/error.h"

extern char **environ;

struct proc {
    char *command;
    char *profile;
    int timeout_ms;
};

static void proc_free(void *state)
{
    struct proc *p = state;
    if (!p)
        return;
    free(p->command);
    free(p->profile);
    free(p);
}

/* Runs the command; its output in *out.  -1 + err on a spawn failure, a
 * timeout, a non-zero exit or too much output. */
static int run(const struct proc *p, ddbxo__buf *out, ddbxo_error *err)
{
    posix_spawn_file_actions_t fa;
    int fds[2], status = 0, rc = -1, timed_out = 0, too_big = 0;
    char *argv[] = { "sh", "-c", p->command, NULL };
    pid_t pid;
    int64_t deadline = ddbxo__now_ms() + p->timeout_ms;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return ddbxo__err(err, DDBXO_E_IO, NULL,
                          "credential_process (profile '%s'): pipe: %s",
                          p->profile, strerror(errno));
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    errno = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (errno != 0) {
        close(fds[0]);
        return ddbxo__err(err, DDBXO_E_IO, NULL,
                          "credential_process (profile '%s'): cannot run "
                          "/bin/sh: %s", p->profile, strerror(errno));
    }
    for (;;) {
        struct pollfd pf = { fds[0], POLLIN, 0 };
        int64_t left = deadline - ddbxo__now_ms();
        char chunk[4096];
        ssize_t n;
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        if (poll(&pf, 1, (int)left) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out->len + (size_t)n > DDBXO_MAX_CREDS_RESPONSE_BYTES)
            too_big = 1;
        else
            ddbxo__buf_put(out, chunk, (size_t)n);
        OPENSSL_cleanse(chunk, sizeof chunk);
        if (too_big)
            break;
    }
    close(fds[0]);
    if (timed_out || too_big)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        ddbxo__err(err, DDBXO_E_TIMEOUT, NULL,
                   "credential_process (profile '%s') did not finish within "
                   "%d ms and was killed", p->profile, p->timeout_ms);
    else if (too_big)
        ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                   "credential_process (profile '%s') printed more than %u "
                   "bytes", p->profile, DDBXO_MAX_CREDS_RESPONSE_BYTES);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        /* Its output is not quoted: it may be half a secret. */
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "credential_process (profile '%s') failed (%s %d); its "
                   "standard error says why", p->profile,
                   WIFEXITED(status) ? "exit status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    else if (out->oom)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    else
        rc = 0;
    return rc;
}

static void wipe_json(json_t *j)
{
    const char *k;
    json_t *v;
    if (json_is_string(j))
        OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
    else if (json_is_object(j))
        json_object_foreach(j, k, v)
            wipe_json(v);
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int ddbxo__creds_process_parse(const char *text, size_t len,
                               const char *profile, ddbxo_credentials *out,
                               ddbxo_error *err)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    const char *ak, *sk, *tok, *exp;
    int64_t expiration = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (!json_is_object(j)) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "credential_process (profile '%s'): output is not a JSON "
                   "object", profile);
        goto out;
    }
    if (!json_is_integer(json_object_get(j, "Version")) ||
        json_integer_value(json_object_get(j, "Version")) != 1) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "credential_process (profile '%s'): output must have "
                   "\"Version\": 1", profile);
        goto out;
    }
    ak = jstr(j, "AccessKeyId");
    sk = jstr(j, "SecretAccessKey");
    tok = jstr(j, "SessionToken");
    exp = jstr(j, "Expiration");
    if (!ddbxo__creds_token_ok(ak) || !ddbxo__creds_token_ok(sk) ||
        (tok && !ddbxo__creds_token_ok(tok)) ||
        (json_object_get(j, "SessionToken") && !tok)) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "credential_process (profile '%s'): output lacks a valid "
                   "%s", profile,
                   !ddbxo__creds_token_ok(ak)   ? "AccessKeyId"
                   : !ddbxo__creds_token_ok(sk) ? "SecretAccessKey"
                                                : "SessionToken");
        goto out;
    }
    if ((json_object_get(j, "Expiration") && !exp) ||
        (exp && ddbxo__parse_iso8601(exp, &expiration) < 0)) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "credential_process (profile '%s'): Expiration is not an "
                   "ISO-8601 time", profile);
        goto out;
    }
    rc = ddbxo__creds_set(out, ak, sk, tok, expiration, "process", err);
out:
    wipe_json(j);
    json_decref(j);
    return rc;
}

static int proc_fetch(void *state, ddbxo_credentials *out, ddbxo_error *err)
{
    const struct proc *p = state;
    ddbxo__buf b;
    int rc;
    ddbxo__buf_init(&b);
    rc = run(p, &b, err);
    if (rc == 0)
        rc = ddbxo__creds_process_parse((const char *)b.p, b.len, p->profile,
                                        out, err);
    ddbxo__buf_wipe_free(&b);
    return rc;
}

static const ddbxo__creds_source proc_source = { "process", proc_fetch,
                                                 proc_free };

ddbxo_credentials_provider *
ddbxo__creds_provider_process(const char *command, const char *profile,
                              const ddbxo__creds_opts *o, ddbxo_error *err)
{
    struct proc *p = calloc(1, sizeof *p);
    if (!p || !(p->command = strdup(command)) || !(p->profile = strdup(profile))) {
        proc_free(p);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    p->timeout_ms = o && o->process_timeout_ms ? o->process_timeout_ms
                                               : DDBXO__PROCESS_TIMEOUT_MS;
    return ddbxo__creds_provider_new(&proc_source, p, o, err);
}
