/* Test harness: moto server on loopback (see moto.h). */
#include "moto.h"
#include <jansson.h>

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tu_moto {
    pid_t pid;
    pid_t owner;                 /* process that started it */
    int port;
    char endpoint[64];
    char log[64];
};

/* moto_server's main() with threaded=False (its CLI cannot ask for it). */
static const char single_thread_py[] =
    "import os, sys, signal\n"
    "from werkzeug.serving import run_simple\n"
    "from moto.moto_server.werkzeug_app import DomainDispatcherApplication, "
    "create_backend_app\n"
    "signal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))\n"
    "app = DomainDispatcherApplication(create_backend_app)\n"
    "app.debug = True\n"
    "run_simple(sys.argv[1], int(sys.argv[2]), app, threaded=False)\n";

static void msg(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    if (!buf || !n)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* A port the kernel just handed out; moto binds it right after. */
static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int port = -1, fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* Last ~600 bytes of the server log, for error messages. */
static void log_tail(const char *path, char *out, size_t n)
{
    char buf[600];
    size_t r = 0;
    FILE *f = fopen(path, "rb");
    out[0] = '\0';
    if (!f)
        return;
    if (fseek(f, -(long)(sizeof buf - 1), SEEK_END) != 0)
        rewind(f);
    r = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[r] = '\0';
    snprintf(out, n, "%s", buf);
}

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    char **acc = ud;
    size_t old = *acc ? strlen(*acc) : 0, len = sz * n;
    char *q = realloc(*acc, old + len + 1);
    if (!q)
        return 0;
    memcpy(q + old, p, len);
    q[old + len] = '\0';
    *acc = q;
    return len;
}

static long post(const char *endpoint, const char *path, const char *ctype,
                 const char *body, long timeout_ms, char **out)
{
    char url[256], ct[128];
    char *acc = NULL;
    long status = 0;
    struct curl_slist *h = NULL;
    CURL *c = curl_easy_init();
    if (!c)
        return 0;
    snprintf(url, sizeof url, "%s%s", endpoint, path);
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "text/plain");
    h = curl_slist_append(h, ct);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &acc);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (out)
        *out = acc ? acc : strdup("");
    else
        free(acc);
    return status;
}

extern char **environ;

/* Our environment minus the names in extra (and MOTO_PORT), plus extra
 * and MOTO_PORT: built before fork, so the child only execs. */
static char **child_env(const char *const *extra, const char *moto_port)
{
    size_t n = 0, k = 0, x = 0;
    char **env;
    while (environ[n])
        n++;
    while (extra && extra[x])
        x++;
    if (!(env = calloc(n + x + 2, sizeof *env)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
        int drop = strncmp(environ[i], "MOTO_PORT=", 10) == 0;
        for (size_t j = 0; j < x && !drop; j++)
            drop = strncmp(environ[i], extra[j], len) == 0;
        if (!drop)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < x; j++)
        env[k++] = (char *)extra[j];
    env[k++] = (char *)moto_port;
    env[k] = NULL;
    return env;
}

static pid_t spawn(const char *venv, const tu_moto_opts *o, int port,
                   const char *log, char *err, size_t errlen)
{
    char exe[1024], portstr[16], moto_port[32];
    char **env;
    pid_t parent = getpid(), pid;
    snprintf(portstr, sizeof portstr, "%d", port);
    snprintf(moto_port, sizeof moto_port, "MOTO_PORT=%d", port);
    snprintf(exe, sizeof exe, "%s/bin/%s", venv,
             o->single_thread ? "python" : "moto_server");
    if (access(exe, X_OK) != 0) {
        msg(err, errlen, "moto harness: %s is missing or not executable "
            "(VENV=%s; run `make setup`)", exe, venv);
        return -1;
    }
    if (!(env = child_env(o->env, moto_port))) {
        msg(err, errlen, "moto harness: out of memory");
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        msg(err, errlen, "moto harness: fork: %s", strerror(errno));
        free(env);
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_TRUNC);
        int nul = open("/dev/null", O_RDONLY);
        /* Dies with us, whatever kills us. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        if (nul >= 0)
            dup2(nul, 0);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (o->single_thread) {
            char *const argv[] = { exe, "-c", (char *)single_thread_py,
                                   "127.0.0.1", portstr, NULL };
            execve(exe, argv, env);
        } else {
            char *const argv[] = { exe, "-H", "127.0.0.1", "-p", portstr, NULL };
            execve(exe, argv, env);
        }
        _exit(127);
    }
    free(env);
    return pid;
}

static void kill_wait(pid_t pid)
{
    int64_t until = now_ms() + 3000;
    int st;
    kill(pid, SIGTERM);
    while (now_ms() < until) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return;
        nap_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

tu_moto *tu_moto_start(const tu_moto_opts *opts, char *err, size_t errlen)
{
    tu_moto_opts o = { 0 };
    const char *venv = getenv("VENV");
    tu_moto *m;
    char tail[600];

    if (opts)
        o = *opts;
    if (!o.ready_timeout_ms)
        o.ready_timeout_ms = 20000;
    if (!venv || !*venv) {
        msg(err, errlen, "moto harness: VENV is not set; run the tests via "
            "make, or export VENV=$(sed -n 's/^VENV := //p' build/env.mk)");
        return NULL;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!(m = calloc(1, sizeof *m))) {
        msg(err, errlen, "moto harness: out of memory");
        return NULL;
    }
    m->owner = getpid();
    snprintf(m->log, sizeof m->log, "/tmp/ddbxo-moto-XXXXXX");
    int lfd = mkstemp(m->log);
    if (lfd < 0) {
        msg(err, errlen, "moto harness: mkstemp: %s", strerror(errno));
        free(m);
        return NULL;
    }
    close(lfd);
    /* A port can be taken between our probe and moto's bind: try again. */
    for (int tries = 0; tries < 3; tries++) {
        int64_t until = now_ms() + o.ready_timeout_ms;
        int exited = 0, st;
        m->port = free_port();
        snprintf(m->endpoint, sizeof m->endpoint, "http://127.0.0.1:%d", m->port);
        m->pid = spawn(venv, &o, m->port, m->log, err, errlen);
        if (m->pid < 0)
            break;
        while (now_ms() < until) {
            if (waitpid(m->pid, &st, WNOHANG) == m->pid) {
                exited = 1;
                break;
            }
            if (post(m->endpoint, "/moto-api/reset", "text/plain", "", 1000,
                     NULL) == 200)
                return m;
            nap_ms(50);
        }
        log_tail(m->log, tail, sizeof tail);
        if (!exited) {
            kill_wait(m->pid);
            msg(err, errlen, "moto harness: no 200 from POST /moto-api/reset "
                "on port %d within %d ms; log tail:\n%s", m->port,
                o.ready_timeout_ms, tail);
            break;
        }
        msg(err, errlen, "moto harness: server exited during start-up "
            "(port %d); log tail:\n%s", m->port, tail);
        if (!strstr(tail, "in use"))
            break;
    }
    unlink(m->log);
    free(m);
    return NULL;
}

void tu_moto_stop(tu_moto *m)
{
    if (!m)
        return;
    if (m->owner == getpid() && m->pid > 0) {
        kill_wait(m->pid);
        unlink(m->log);
    }
    free(m);
}

const char *tu_moto_endpoint(const tu_moto *m) { return m->endpoint; }
int tu_moto_port(const tu_moto *m) { return m->port; }

long tu_moto_post(tu_moto *m, const char *path, const char *ctype,
                  const char *body, char **out)
{
    return post(m->endpoint, path, ctype, body, 10000, out);
}

int tu_moto_reset(tu_moto *m)
{
    return tu_moto_post(m, "/moto-api/reset", "text/plain", "", NULL) == 200
               ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* shared instance for Check suites                                     */
/* ------------------------------------------------------------------ */

static tu_moto *shared;
static tu_moto_opts shared_opts;
static int shared_tried;
static char shared_err[1024];

void tu_moto_suite_opts(const tu_moto_opts *opts)
{
    if (opts)
        shared_opts = *opts;
}

static void shared_stop(void)
{
    tu_moto_stop(shared);            /* a forked child only frees its copy */
    shared = NULL;
}

void tu_moto_suite_setup(void)
{
    if (shared_tried)
        return;
    shared_tried = 1;
    shared = tu_moto_start(&shared_opts, shared_err, sizeof shared_err);
    if (shared)
        atexit(shared_stop);
}

tu_moto *tu_moto_get(void)
{
    if (!shared)
        ck_abort_msg("%s", shared_err[0] ? shared_err
                         : "moto harness: tu_moto_suite_setup was not run");
    return shared;
}

void tu_moto_test_reset(void)
{
    ck_assert_msg(tu_moto_reset(tu_moto_get()) == 0,
                  "moto harness: POST /moto-api/reset failed");
}

/* The stdout of $VENV/bin/python tests/moto_iam_setup.py URL, or NULL. */
static char *run_iam_script(const char *url)
{
    const char *venv = getenv("VENV");
    char py[1024], script[1024], *buf;
    size_t n = 0, cap = 65536;
    int fd[2], status;
    ssize_t r;
    pid_t pid;

    if (!venv || !*venv)
        return NULL;
    snprintf(py, sizeof py, "%s/bin/python", venv);
    /* tests/moto_iam_setup.py, one level above this file (tests/harness/). */
    snprintf(script, sizeof script, "%.*s../moto_iam_setup.py",
             (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') - __FILE__ + 1
                                          : 0), __FILE__);
    if (pipe(fd) != 0 || (pid = fork()) < 0)
        return NULL;
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execl(py, py, script, url, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    buf = malloc(cap);
    while (buf && (r = read(fd[0], buf + n, cap - n - 1)) > 0)
        n += (size_t)r;
    close(fd[0]);
    waitpid(pid, &status, 0);
    if (!buf || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static void copy_ident(const json_t *j, const char *k, tu_moto_ident *id)
{
    const json_t *o = json_object_get(j, k);
    const char *s;
    if (!id)
        return;
    s = json_string_value(json_object_get(o, "AccessKeyId"));
    snprintf(id->akid, sizeof id->akid, "%s", s ? s : "");
    s = json_string_value(json_object_get(o, "SecretAccessKey"));
    snprintf(id->secret, sizeof id->secret, "%s", s ? s : "");
    s = json_string_value(json_object_get(o, "SessionToken"));
    snprintf(id->token, sizeof id->token, "%s", s ? s : "");
}

int tu_moto_iam_setup(tu_moto *m, tu_moto_ident *user,
                      tu_moto_ident *nopolicy, tu_moto_ident *session,
                      char *errbuf, size_t errlen)
{
    char *out = run_iam_script(tu_moto_endpoint(m));
    json_t *j;
    if (!out) {
        snprintf(errbuf, errlen, "tests/moto_iam_setup.py failed (VENV=%s)",
                 getenv("VENV") ? getenv("VENV") : "(unset)");
        return -1;
    }
    j = json_loads(out, 0, NULL);
    free(out);
    copy_ident(j, "user", user);
    copy_ident(j, "nopolicy", nopolicy);
    copy_ident(j, "session", session);
    json_decref(j);
    if ((user && !user->akid[0]) || (nopolicy && !nopolicy->akid[0]) ||
        (session && !session->token[0])) {
        snprintf(errbuf, errlen, "tests/moto_iam_setup.py printed no identities");
        return -1;
    }
    return 0;
}
