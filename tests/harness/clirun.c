/* See clirun.h. */
#include "clirun.h"

#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ddbtest.h"
#include "fakeenv.h"
#include "moto.h"
#include "testutil.h"

#define TU_CLI_MAX_ARGS 64
#define TU_CLI_MAX_ENV 32

const char *tu_cli_path(void)
{
    const char *p = getenv("DDBXO_CLI");
    return p && *p ? p : "build/ddbxo";
}

/* argv and envp for execve, built before fork. */
typedef struct spawn_args {
    char *argv[TU_CLI_MAX_ARGS + 2];
    char *envp[TU_CLI_MAX_ENV + 12];
    char endpoint[256];
} spawn_args;

static void build_args(spawn_args *s, const char *endpoint,
                       const char *const *argv, const char *const *env)
{
    size_t n = 0, e = 0;
    const char *bin = tu_cli_path();
    ck_assert_msg(access(bin, X_OK) == 0, "%s not built (make build/ddbxo)",
                  bin);
    s->argv[n++] = (char *)bin;
    for (size_t i = 0; argv && argv[i]; i++) {
        ck_assert_msg(n < TU_CLI_MAX_ARGS, "too many arguments");
        s->argv[n++] = (char *)argv[i];
    }
    s->argv[n] = NULL;
    s->envp[e++] = "PATH=/usr/bin:/bin";
    {
        /* The defaults, unless env names the same variable: a test may
         * take the keys away ("AWS_ACCESS_KEY_ID=") to use another
         * credentials source. */
        static const char *const defaults[] = {
            "AWS_ACCESS_KEY_ID=" TU_AKID, "AWS_SECRET_ACCESS_KEY=" TU_SECRET,
            "AWS_REGION=" TU_REGION, "AWS_CONFIG_FILE=/nonexistent/ddbxo-config",
            "AWS_SHARED_CREDENTIALS_FILE=/nonexistent/ddbxo-credentials",
        };
        for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++) {
            size_t nl = strcspn(defaults[d], "=") + 1;
            int overridden = 0;
            for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], defaults[d], nl) == 0)
                    overridden = 1;
            if (!overridden)
                s->envp[e++] = (char *)defaults[d];
        }
    }
    if (endpoint) {
        snprintf(s->endpoint, sizeof s->endpoint, "AWS_ENDPOINT_URL=%s",
                 endpoint);
        s->envp[e++] = s->endpoint;
    }
    for (size_t i = 0; env && env[i]; i++) {
        ck_assert_msg(i < TU_CLI_MAX_ENV, "too many variables");
        s->envp[e++] = (char *)env[i];
    }
    s->envp[e] = NULL;
}

static void append(char **buf, size_t *n, size_t *cap, const char *p, size_t k)
{
    if (*n + k + 1 > *cap) {
        while (*n + k + 1 > *cap)
            *cap *= 2;
        *buf = realloc(*buf, *cap);
        ck_assert_ptr_nonnull(*buf);
    }
    memcpy(*buf + *n, p, k);
    *n += k;
    (*buf)[*n] = '\0';
}

int tu_cli(const char *endpoint, const char *const *argv,
           const char *const *env, const char *stdin_text, char **out,
           char **err_out)
{
    spawn_args s;
    int po[2], pe[2], pi[2], status = -1;
    size_t n[2] = { 0, 0 }, cap[2] = { 4096, 4096 };
    char *buf[2] = { malloc(4096), malloc(4096) };
    pid_t pid;

    build_args(&s, endpoint, argv, env);
    buf[0][0] = buf[1][0] = '\0';
    ck_assert_int_eq(pipe(po), 0);
    ck_assert_int_eq(pipe(pe), 0);
    ck_assert_int_eq(pipe(pi), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(pi[0], 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        close(pi[1]);
        execve(s.argv[0], s.argv, s.envp);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    close(pi[0]);
    if (stdin_text) {
        size_t len = strlen(stdin_text), off = 0;
        while (off < len) {
            ssize_t w = write(pi[1], stdin_text + off, len - off);
            if (w <= 0)
                break;   /* the command did not read it all: its choice */
            off += (size_t)w;
        }
    }
    close(pi[1]);
    /* Read both pipes together so neither can fill up and block. */
    struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
    int open_fds = 2;
    while (open_fds > 0) {
        ck_assert_int_ge(poll(fds, 2, -1), 0);
        for (int k = 0; k < 2; k++) {
            char chunk[8192];
            ssize_t r;
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP)))
                continue;
            r = read(fds[k].fd, chunk, sizeof chunk);
            if (r > 0) {
                append(&buf[k], &n[k], &cap[k], chunk, (size_t)r);
            } else {
                close(fds[k].fd);
                fds[k].fd = -1;
                open_fds--;
            }
        }
    }
    waitpid(pid, &status, 0);
    if (out)
        *out = buf[0];
    else
        free(buf[0]);
    if (err_out)
        *err_out = buf[1];
    else
        free(buf[1]);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t tu_cli_start(const char *endpoint, const char *const *argv,
                   const char *const *env, const char *in_path,
                   const char *out_path, const char *err_path)
{
    spawn_args s;
    pid_t pid;
    build_args(&s, endpoint, argv, env);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
        int o = open(out_path ? out_path : "/dev/null",
                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err_path ? err_path : "/dev/null",
                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || o < 0 || e < 0)
            _exit(126);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        execve(s.argv[0], s.argv, s.envp);
        _exit(127);
    }
    return pid;
}

int tu_cli_wait(pid_t pid)
{
    int status = -1;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *tu_last_line(const char *text)
{
    const char *end, *start;
    if (!text)
        return NULL;
    end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    if (end == text)
        return NULL;
    start = end;
    while (start > text && start[-1] != '\n')
        start--;
    return strndup(start, (size_t)(end - start));
}

static void set_summary(tu_cli_result *r)
{
    char *last = tu_last_line(r->out);
    r->summary = last ? json_loads(last, 0, NULL) : NULL;
    free(last);
}

void tu_cli_run(const char *endpoint, const char *const *argv,
                const char *const *env, const char *stdin_text,
                tu_cli_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = tu_cli(endpoint, argv, env, stdin_text, &r->out, &r->err);
    set_summary(r);
}

void tu_cli_result_free(tu_cli_result *r)
{
    free(r->out);
    free(r->err);
    json_decref(r->summary);
    memset(r, 0, sizeof *r);
}

long tu_cli_count(const tu_cli_result *r, const char *name)
{
    json_t *v = json_object_get(r->summary, name);
    ck_assert_msg(json_is_integer(v), "summary member %s missing\nstdout: %s"
                  "\nstderr: %s", name, r->out, r->err);
    return (long)json_integer_value(v);
}

void tu_cli_spawn(tu_cli_proc *p, const char *dir, const char *endpoint,
                  const char *const *argv, const char *in_path)
{
    static int seq;
    snprintf(p->out, sizeof p->out, "%s/out-%d", dir, seq);
    snprintf(p->err, sizeof p->err, "%s/err-%d", dir, seq++);
    p->pid = tu_cli_start(endpoint, argv, NULL, in_path, p->out, p->err);
    ck_assert(p->pid > 0);
}

/* Most arguments one joined command line takes. */
#define TU_JOIN_MAX_ARGS 64

void tu_cli_spawn_join(tu_cli_proc *p, const char *dir, const char *endpoint,
                       const char *const *head, const char *const *tail)
{
    const char *argv[TU_JOIN_MAX_ARGS + 1];
    size_t n = 0;
    for (size_t i = 0; head && head[i]; i++, n++) {
        ck_assert(n < TU_JOIN_MAX_ARGS);
        argv[n] = head[i];
    }
    for (size_t i = 0; tail && tail[i]; i++, n++) {
        ck_assert(n < TU_JOIN_MAX_ARGS);
        argv[n] = tail[i];
    }
    argv[n] = NULL;
    tu_cli_spawn(p, dir, endpoint, argv, NULL);
}

void tu_cli_finish(tu_cli_proc *p, tu_cli_result *r)
{
    size_t len;
    memset(r, 0, sizeof *r);
    r->status = tu_cli_wait(p->pid);
    r->out = tu_read_file(p->out, &len);
    r->err = tu_read_file(p->err, &len);
    ck_assert(r->out && r->err);
    set_summary(r);
}

void tu_cli_spawn_pair(tu_cli_proc *p, const char *cmd, const char *src,
                       const char *dst, const char *const *args)
{
    const char *head[] = { cmd, "--source-table", src, "--target-table", dst,
                           NULL };
    tu_cli_spawn_join(p, tu_tmpdir(), tu_moto_endpoint(tu_moto_get()), head,
                      args);
}

void tu_cli_run_pair(const char *cmd, const char *src, const char *dst,
                     const char *const *args, tu_cli_result *r)
{
    tu_cli_proc p;
    tu_cli_spawn_pair(&p, cmd, src, dst, args);
    tu_cli_finish(&p, r);
}

static const char *story_dir;

static void story_setup(void)
{
    tu_moto_test_reset();
    tu_mk_tmpdir(story_dir);
}

static void story_teardown(void)
{
    tu_rm_tmpdir();
}

TCase *tu_cli_story_tcase(const char *name, const char *tmpdir,
                          int timeout_s)
{
    static const tu_moto_opts single = { .single_thread = 1 };
    TCase *tc = tcase_create(name);
    story_dir = tmpdir;
    tu_moto_suite_opts(&single);
    tcase_set_timeout(tc, timeout_s);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, story_setup, story_teardown);
    return tc;
}
