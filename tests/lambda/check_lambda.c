/* The Lambda runtime and the sample bootstrap under the real AWS Lambda
 * Runtime Interface Emulator (RIE), with moto as DynamoDB; plus checks of
 * the static package and the SAM template.
 *
 * Environment (set by `make lambda-test`, mk/lambda.mk): LAMBDA_RIE,
 * LAMBDA_BOOTSTRAP (dynamically linked bootstrap), LAMBDA_STATIC_BOOTSTRAP,
 * LAMBDA_ZIP, LAMBDA_CFNLINT, LAMBDA_TEMPLATE, VENV.  A missing one fails
 * the test that needs it.
 *
 * RIE has no event source mapping (docs/moto-gaps.md D): the tests read the
 * stream records back from moto, wrap them as the Lambda event
 * (tu_stream_event) and post it to RIE's invoke URL themselves. */
#define _GNU_SOURCE
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ddbtest.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"
#include "faultsrv.h"
#include "moto.h"
#include "testutil.h"

static const char *need_env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v && *v, "%s is not set (run `make lambda-test`)", name);
    return v;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static int port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

/* ------------------------------------------------------------------ */
/* RIE                                                                  */
/* ------------------------------------------------------------------ */

typedef struct rie {
    pid_t pid;
    int port;
    char log[256];
    char dir[128];
} rie;

/* Starts RIE running `bootstrap` with the test credentials, the given
 * endpoint for every AWS service and extra "NAME=value" entries. */
static rie rie_start(const char *bootstrap, const char *endpoint,
                     int timeout_s, const char *const *extra)
{
    rie r;
    memset(&r, 0, sizeof r);
    const char *bin = need_env("LAMBDA_RIE");
    snprintf(r.dir, sizeof r.dir, "/tmp/ddbxo-lambda-XXXXXX");
    ck_assert(mkdtemp(r.dir) != NULL);
    snprintf(r.log, sizeof r.log, "%s/rie.log", r.dir);
    r.port = free_port();
    int api_port = free_port();
    char a1[64], a2[64], to[32], ep[256];
    snprintf(a1, sizeof a1, "127.0.0.1:%d", r.port);
    snprintf(a2, sizeof a2, "127.0.0.1:%d", api_port);
    snprintf(to, sizeof to, "%d", timeout_s);
    snprintf(ep, sizeof ep, "AWS_ENDPOINT_URL=%s", endpoint ? endpoint : "");
    pid_t parent = getpid();
    r.pid = fork();
    ck_assert(r.pid >= 0);
    if (r.pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        setpgid(0, 0); /* so the bootstrap dies with RIE (kill the group) */
        int fd = open(r.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        clearenv();
        setenv("PATH", "/usr/bin:/bin", 1);
        setenv("AWS_LAMBDA_FUNCTION_TIMEOUT", to, 1);
        setenv("AWS_LAMBDA_FUNCTION_NAME", "ddbxo-test", 1);
        setenv("AWS_REGION", TU_REGION, 1);
        setenv("AWS_ACCESS_KEY_ID", TU_AKID, 1);
        setenv("AWS_SECRET_ACCESS_KEY", TU_SECRET, 1);
        setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
        if (endpoint)
            putenv(ep);
        for (size_t i = 0; extra && extra[i]; i++)
            putenv((char *)extra[i]);
        execl(bin, bin, "--runtime-interface-emulator-address", a1,
              "--runtime-api-address", a2, "--log-level", "error", bootstrap,
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !port_open(r.port); i++)
        nap_ms(50);
    ck_assert_msg(port_open(r.port), "RIE did not listen on %d", r.port);
    return r;
}

/* Stops RIE (and the bootstrap in its group) and returns its log. */
static char *rie_stop(rie *r)
{
    pid_t pid = r->pid;
    if (pid > 0) {
        kill(-pid, SIGTERM);
        kill(pid, SIGTERM);
        int gone = 0;
        for (int i = 0; i < 60 && !gone; i++) {
            gone = waitpid(pid, NULL, WNOHANG) == pid;
            if (!gone)
                nap_ms(50);
        }
        if (!gone) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        kill(-pid, SIGKILL); /* a bootstrap that outlived RIE */
        r->pid = 0;
    }
    char *log = tu_read_file(r->log, NULL);
    unlink(r->log);
    rmdir(r->dir);
    /* An ASan/UBSan bootstrap (LAMBDA_BOOTSTRAP) reports into the log. */
    ck_assert_msg(!log || !strstr(log, "Sanitizer"), "sanitizer report: %.3000s", log);
    return log ? log : strdup("");
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    char **buf = ud;
    size_t old = *buf ? strlen(*buf) : 0;
    char *nb = realloc(*buf, old + sz * n + 1);
    if (!nb)
        return 0;
    memcpy(nb + old, p, sz * n);
    nb[old + sz * n] = '\0';
    *buf = nb;
    return sz * n;
}

/* POSTs an event to RIE; returns the HTTP status, *body the answer. */
static long invoke(const rie *r, const char *event, char **body)
{
    char url[128];
    snprintf(url, sizeof url,
             "http://127.0.0.1:%d/2015-03-31/functions/function/invocations",
             r->port);
    CURL *h = curl_easy_init();
    *body = NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, event);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 50L);
    CURLcode rc = curl_easy_perform(h);
    long st = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
    curl_easy_cleanup(h);
    ck_assert_msg(rc == CURLE_OK, "invoke: %s", curl_easy_strerror(rc));
    if (!*body)
        *body = strdup("");
    return st;
}

/* ------------------------------------------------------------------ */
/* Data                                                                 */
/* ------------------------------------------------------------------ */

/* Source "src" (stream NEW_AND_OLD_IMAGES) and target "dst"; three puts,
 * one update, one delete: five stream records. */
static void workload(ddbxo_client *c)
{
    tu_create_table(c, "src", "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(c, "dst", "pk", "S", NULL, NULL, NULL);
    tu_put(c, "src", "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"secret\":{\"S\":\"x\"}}");
    tu_put(c, "src", "{\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"2\"}}");
    tu_put(c, "src", "{\"pk\":{\"S\":\"c\"},\"n\":{\"N\":\"3\"}}");
    tu_put(c, "src", "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"10\"},\"secret\":{\"S\":\"x\"}}");
    tu_delete(c, "src", "{\"pk\":{\"S\":\"c\"}}");
}

static const char *n_of(ddbxo_client *c, const char *pk, char *buf, size_t n)
{
    char key[64];
    snprintf(key, sizeof key, "{\"pk\":{\"S\":\"%s\"}}", pk);
    json_t *it = tu_get(c, "dst", key);
    if (!it)
        return NULL;
    snprintf(buf, n, "%s", json_string_value(tu_json_at(it, "n.N")) ?: "?");
    json_decref(it);
    return buf;
}

static json_t *failures(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    ck_assert_msg(j != NULL, "response is not JSON: %.300s", body);
    json_t *f = json_object_get(j, "batchItemFailures");
    ck_assert_msg(json_is_array(f), "no batchItemFailures: %.300s", body);
    json_incref(f);
    json_decref(j);
    return f;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void applies_and_replays(const char *bootstrap)
{
    ddbxo_client *c = tu_moto_client();
    workload(c);
    char *event = tu_stream_event(c, "src", 0, 0);
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", NULL};
    rie r = rie_start(bootstrap, tu_moto_endpoint(tu_moto_get()), 20, env);

    char *body;
    long st = invoke(&r, event, &body);
    ck_assert_msg(st == 200, "status %ld: %.300s", st, body);
    json_t *f = failures(body);
    ck_assert_msg(json_array_size(f) == 0, "failures: %s", body);
    json_decref(f);
    free(body);

    char b1[32];
    ck_assert_str_eq(n_of(c, "a", b1, sizeof b1), "10");
    ck_assert_str_eq(n_of(c, "b", b1, sizeof b1), "2");
    /* c was deleted at the source: at most a tombstone remains (it has
     * no "n"; replicate mode keeps one to refuse a redriven old put). */
    const char *cn = n_of(c, "c", b1, sizeof b1);
    ck_assert_msg(cn == NULL || strcmp(cn, "?") == 0, "c still has n=%s", cn);

    /* A replay (ESM retry, duplicate delivery) changes nothing. */
    char *before = tu_snapshot(c, "dst");
    st = invoke(&r, event, &body);
    ck_assert_msg(st == 200, "replay status %ld: %.300s", st, body);
    f = failures(body);
    ck_assert_msg(json_array_size(f) == 0, "replay failures: %s", body);
    json_decref(f);
    free(body);
    char *after = tu_snapshot(c, "dst");
    ck_assert_str_eq(before, after);

    char *log = rie_stop(&r);
    /* One EMF line per invocation; the second saw only duplicates/stale. */
    ck_assert_msg(strstr(log, "\"CloudWatchMetrics\"") != NULL, "no EMF: %.2000s", log);
    ck_assert_msg(strstr(log, "\"Records\":5") != NULL, "no Records metric: %.2000s", log);
    ck_assert_msg(strstr(log, "\"IteratorAgeMilliseconds\":") != NULL, "%.2000s", log);
    ck_assert_msg(strstr(log, "\"Applied\":0") != NULL, "replay applied something: %.2000s", log);
    /* Logs never carry item contents. */
    ck_assert_msg(strstr(log, "\"secret\"") == NULL, "payload in the log");
    free(log);
    free(before);
    free(after);
    free(event);
    tu_client_free(c);
}

START_TEST(rie_applies_and_replays)
{
    applies_and_replays(need_env("LAMBDA_BOOTSTRAP"));
}
END_TEST

/* The package's own binary: fully static, and it serves under RIE. */
START_TEST(rie_static_bootstrap)
{
    applies_and_replays(need_env("LAMBDA_STATIC_BOOTSTRAP"));
}
END_TEST

/* DDBXO_TRANSFORM names the spec shipped in the package. */
START_TEST(rie_transform_spec_from_package)
{
    ddbxo_client *c = tu_moto_client();
    workload(c);
    char *event = tu_stream_event(c, "src", 0, 1); /* the first put of a */
    char spec[512], *cwd = getcwd(NULL, 0);
    snprintf(spec, sizeof spec, "DDBXO_TRANSFORM=%s/examples/lambda/spec.json", cwd);
    free(cwd);
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", spec, "AWS_LAMBDA_LOG_FORMAT=JSON", NULL};
    rie r = rie_start(need_env("LAMBDA_BOOTSTRAP"), tu_moto_endpoint(tu_moto_get()), 20, env);
    char *body;
    long st = invoke(&r, event, &body);
    ck_assert_msg(st == 200, "status %ld: %.300s", st, body);
    json_t *f = failures(body);
    ck_assert_int_eq(json_array_size(f), 0);
    json_decref(f);
    json_t *it = tu_get(c, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert(it != NULL);
    ck_assert_str_eq(json_string_value(tu_json_at(it, "replicated_by.S")), "ddbxo-lambda");
    ck_assert(json_object_get(it, "secret") == NULL);
    json_decref(it);
    char *log = rie_stop(&r);
    /* JSON log format: the batch line is an object with level and time. */
    ck_assert_msg(strstr(log, "{\"timestamp\":\"") != NULL &&
                      strstr(log, "\"level\":\"INFO\",\"message\":\"batch {") != NULL,
                  "no JSON log line: %.2000s", log);
    free(log);
    free(body);
    free(event);
    tu_client_free(c);
}
END_TEST

/* Every DynamoDB call takes longer than the invocation has: the bootstrap
 * answers in time with every record in batchItemFailures instead of
 * letting Lambda time the invocation out. */
START_TEST(rie_slow_endpoint_yields_failures_not_timeout)
{
    ddbxo_client *c = tu_moto_client();
    workload(c);
    char *event = tu_stream_event(c, "src", 0, 0);
    char msg[256];
    faultsrv *fs = faultsrv_start(msg, sizeof msg);
    ck_assert_msg(fs != NULL, "faultsrv: %s", msg);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_FORWARD;
    a.delay_ms = 6000;
    faultsrv_set_default(fs, a);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", faultsrv_port(fs));
    /* 3 s function timeout, 1 s margin: work stops 2 s in. */
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", "DDBXO_MARGIN_MS=1000", NULL};
    rie r = rie_start(need_env("LAMBDA_BOOTSTRAP"), url, 3, env);
    char *body;
    long st = invoke(&r, event, &body);
    ck_assert_msg(st == 200, "status %ld: %.300s", st, body);
    ck_assert_msg(strstr(body, "Task timed out") == NULL, "timed out: %s", body);
    json_t *f = failures(body);
    /* Nothing could be confirmed: every record (5) is reported. */
    ck_assert_msg(json_array_size(f) == 5, "failures: %s", body);
    json_t *ev = json_loads(event, 0, NULL);
    const char *first = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(ev, "Records"), 0), "dynamodb"),
        "SequenceNumber"));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "itemIdentifier")),
                     first);
    json_decref(ev);
    json_decref(f);
    free(body);
    free(rie_stop(&r));
    faultsrv_stop(fs);
    free(event);
    tu_client_free(c);
}
END_TEST

/* Not a stream event: the handler fails, the runtime posts /error with
 * Lambda-Runtime-Function-Error-Type, and RIE returns the error document. */
START_TEST(rie_handler_error_takes_error_path)
{
    ddbxo_client *c = tu_moto_client();
    tu_create_table(c, "dst", "pk", "S", NULL, NULL, NULL);
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", NULL};
    rie r = rie_start(need_env("LAMBDA_BOOTSTRAP"), tu_moto_endpoint(tu_moto_get()), 10, env);
    char *body;
    invoke(&r, "[1,2,3]", &body);
    json_t *j = json_loads(body, 0, NULL);
    ck_assert_msg(j != NULL, "error body is not JSON: %s", body);
    ck_assert_str_eq(json_string_value(json_object_get(j, "errorType")), "Ddbxo.invalid");
    ck_assert(json_string_length(json_object_get(j, "errorMessage")) > 0);
    ck_assert(json_is_array(json_object_get(j, "stackTrace")));
    json_decref(j);
    free(body);
    /* The process survives a handler error: the next invocation works. */
    invoke(&r, "{\"Records\":[]}", &body);
    ck_assert_str_eq(body, "{\"batchItemFailures\":[]}");
    free(body);
    free(rie_stop(&r));
    tu_client_free(c);
}
END_TEST

/* A bad configuration is an init error (/runtime/init/error): RIE answers
 * the invocation with an error and never runs the handler. */
static void init_error(const char *const *env, const char *want_type,
                       const char *want_text, const char *wrapper_env)
{
    const char *bootstrap = need_env("LAMBDA_BOOTSTRAP");
    char wrapper[256] = "";
    if (wrapper_env) {
        /* RIE would itself switch mode on some variables (e.g.
         * AWS_LAMBDA_MAX_CONCURRENCY): give them to the bootstrap only. */
        snprintf(wrapper, sizeof wrapper, "/tmp/ddbxo-lambda-wrap-%d.sh", (int)getpid());
        FILE *w = fopen(wrapper, "w");
        ck_assert(w != NULL);
        fprintf(w, "#!/bin/sh\nexport %s\nexec '%s' \"$@\"\n", wrapper_env, bootstrap);
        fclose(w);
        chmod(wrapper, 0700);
        bootstrap = wrapper;
    }
    rie r = rie_start(bootstrap, tu_moto_endpoint(tu_moto_get()), 10, env);
    char *body;
    long st = invoke(&r, "{\"Records\":[]}", &body);
    char *log = rie_stop(&r);
    if (wrapper[0])
        unlink(wrapper);
    /* RIE: an init failure is a 502 carrying the /init/error document. */
    ck_assert_msg(st == 502 && strstr(body, want_type) != NULL,
                  "init error not reported: %ld %s", st, body);
    ck_assert_msg(strstr(body, "batchItemFailures") == NULL, "handler ran: %s", body);
    ck_assert_msg(strstr(log, want_text) != NULL, "log lacks '%s': %.2000s", want_text, log);
    free(log);
    free(body);
}

/* One invocation of the bootstrap under the RIE with env: it must answer
 * 200 with no batch item failures. */
static void invoke_without_failures(const char *const *env, const char *event)
{
    rie r = rie_start(need_env("LAMBDA_BOOTSTRAP"),
                      tu_moto_endpoint(tu_moto_get()), 20, env);
    char *body;
    long st = invoke(&r, event, &body);
    json_t *f;
    free(rie_stop(&r));
    ck_assert_msg(st == 200, "status %ld: %.300s", st, body);
    f = failures(body);
    ck_assert_msg(json_array_size(f) == 0, "failures: %s", body);
    json_decref(f);
    free(body);
}

/* The target in another region: DDBXO_TARGET_REGION.  The function's own
 * region (us-east-1) holds the stream and a namesake target that must stay
 * empty. */
START_TEST(rie_target_in_another_region)
{
    const char *url = tu_moto_endpoint(tu_moto_get());
    ddbxo_client *us = tu_moto_client(), *eu = tu_client_in(url, "eu-west-1", NULL);
    const char *env[] = {"DDBXO_TARGET_TABLE=dst",
                         "DDBXO_TARGET_REGION=eu-west-1", NULL};
    char *event, b1[32];
    json_t *left;
    workload(us);                             /* src and a namesake dst */
    tu_create_table(eu, "dst", "pk", "S", NULL, NULL, NULL);
    event = tu_stream_event(us, "src", 0, 0);
    invoke_without_failures(env, event);
    /* n_of reads "dst" through the client it is given */
    ck_assert_str_eq(n_of(eu, "a", b1, sizeof b1), "10");
    ck_assert_str_eq(n_of(eu, "b", b1, sizeof b1), "2");
    left = tu_scan(us, "dst");
    ck_assert_msg(json_array_size(left) == 0, "written in us-east-1");
    json_decref(left);
    free(event);
    tu_client_free(eu);
    tu_client_free(us);
}
END_TEST

/* The target in another account: DDBXO_TARGET_ROLE_ARN names a role in
 * account 222222222222, assumed through moto's STS (AWS_ENDPOINT_URL);
 * that account's table gets the records, the function's own stays empty. */
START_TEST(rie_target_in_another_account)
{
    const char *role = "arn:aws:iam::222222222222:role/ddbxo-target";
    const char *url = tu_moto_endpoint(tu_moto_get());
    ddbxo_client *us = tu_moto_client(), *other = tu_client_in(url, TU_REGION, role);
    char r1[128], *event, b1[32];
    json_t *left;
    snprintf(r1, sizeof r1, "DDBXO_TARGET_ROLE_ARN=%s", role);
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", r1,
                         "DDBXO_TARGET_EXTERNAL_ID=ext-1", NULL};
    workload(us);                             /* src and the own dst */
    tu_create_table(other, "dst", "pk", "S", NULL, NULL, NULL);
    event = tu_stream_event(us, "src", 0, 0);
    invoke_without_failures(env, event);
    ck_assert_str_eq(n_of(other, "a", b1, sizeof b1), "10");
    left = tu_scan(us, "dst");
    ck_assert_msg(json_array_size(left) == 0, "written in the own account");
    json_decref(left);
    free(event);
    tu_client_free(other);
    tu_client_free(us);
}
END_TEST

/* A ledger table in another region than the target: refused at init,
 * naming the variable. */
START_TEST(rie_init_error_ledger_in_another_region)
{
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", "DDBXO_MODE=ledger",
                         "DDBXO_LEDGER_TABLE=arn:aws:dynamodb:us-east-1:"
                         "123456789012:table/led",
                         "DDBXO_TARGET_REGION=eu-west-1", NULL};
    init_error(env, "Ddbxo.config", "DDBXO_LEDGER_TABLE", NULL);
}
END_TEST

START_TEST(rie_init_error_missing_target)
{
    const char *env[] = {"DDBXO_MODE=ledger", NULL};
    init_error(env, "Ddbxo.config", "DDBXO_TARGET_TABLE: not set", NULL);
}
END_TEST

START_TEST(rie_init_error_bad_mode)
{
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", "DDBXO_MODE=sideways", NULL};
    init_error(env, "Ddbxo.config", "DDBXO_MODE", NULL);
}
END_TEST

START_TEST(rie_init_error_concurrency_refused)
{
    const char *env[] = {"DDBXO_TARGET_TABLE=dst", NULL};
    init_error(env, "Ddbxo.config", "AWS_LAMBDA_MAX_CONCURRENCY=1000",
               "AWS_LAMBDA_MAX_CONCURRENCY=1000");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Package and template                                                 */
/* ------------------------------------------------------------------ */

static char *run_capture(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    ck_assert(p != NULL);
    char *out = NULL;
    size_t len = 0, cap = 0;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            out = realloc(out, cap);
            ck_assert(out != NULL);
        }
        memcpy(out + len, buf, n);
        len += n;
    }
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (!out)
        out = strdup("");
    else
        out[len] = '\0';
    return out;
}

/* provided.al2 has glibc 2.26: the bootstrap must need no glibc at all
 * (static), or at least no symbol version above GLIBC_2.26. */
START_TEST(static_bootstrap_needs_no_new_glibc)
{
    const char *bin = need_env("LAMBDA_STATIC_BOOTSTRAP");
    ck_assert_msg(access(bin, X_OK) == 0, "%s missing: `make lambda` failed", bin);
    char cmd[600];
    int st;
    snprintf(cmd, sizeof cmd, "file -b '%s'", bin);
    char *out = run_capture(cmd, &st);
    ck_assert_msg(strstr(out, "ELF 64-bit") && strstr(out, "x86-64"), "file: %s", out);
    ck_assert_msg(strstr(out, "statically linked") != NULL, "not static: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "readelf -lV '%s' 2>&1", bin);
    out = run_capture(cmd, &st);
    ck_assert_int_eq(st, 0);
    ck_assert_msg(strstr(out, "INTERP") == NULL, "has a program interpreter");
    ck_assert_msg(strstr(out, "GLIBC_") == NULL, "needs glibc symbols: %.1000s", out);
    free(out);
}
END_TEST

START_TEST(zip_holds_executable_bootstrap)
{
    const char *zip = need_env("LAMBDA_ZIP");
    const char *bin = need_env("LAMBDA_STATIC_BOOTSTRAP");
    char cmd[1400];
    int st;
    struct stat zs, bs;
    ck_assert_msg(stat(zip, &zs) == 0, "%s missing: `make lambda` failed", zip);
    ck_assert_msg(stat(bin, &bs) == 0, "%s missing: `make lambda` failed", bin);
    /* Stale: a zip older than the static bootstrap, or holding another
     * binary, is not the package this build made. */
    ck_assert_msg(zs.st_mtime >= bs.st_mtime,
                  "%s is older than %s: stale, run `make lambda`", zip, bin);
    snprintf(cmd, sizeof cmd, "unzip -p '%s' bootstrap | cmp -s - '%s'", zip, bin);
    free(run_capture(cmd, &st));
    ck_assert_msg(st == 0, "the bootstrap in %s is not %s: stale, run `make lambda`",
                  zip, bin);
    snprintf(cmd, sizeof cmd, "unzip -Z '%s'", zip);
    char *out = run_capture(cmd, &st);
    ck_assert_msg(st == 0, "unzip -Z: %s", out);
    /* Lambda runs /var/task/bootstrap: at the root, mode rwx. */
    ck_assert_msg(strstr(out, "-rwxr-xr-x") && strstr(out, " bootstrap\n"),
                  "no executable bootstrap at the root: %s", out);
    ck_assert_msg(strstr(out, " spec.json\n") != NULL, "no spec: %s", out);
    free(out);
    /* Lambda's direct-upload limit is 50 MB; ours should be far below. */
    ck_assert_msg(zs.st_size < 10 * 1024 * 1024, "zip is %lld bytes", (long long)zs.st_size);
}
END_TEST

START_TEST(template_passes_cfn_lint)
{
    const char *lint = need_env("LAMBDA_CFNLINT");
    const char *tpl = need_env("LAMBDA_TEMPLATE");
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "'%s' --format parseable '%s' 2>&1", lint, tpl);
    char *out = run_capture(cmd, &st);
    ck_assert_msg(st == 0, "cfn-lint (%d): %s", st, out);
    free(out);
    size_t len;
    char *text = tu_read_file(tpl, &len);
    ck_assert(text != NULL);
    const char *want[] = {"ReportBatchItemFailures", "TRIM_HORIZON", "BisectBatchOnFunctionError",
                          "provided.al2023", "provided.al2", "MaximumRecordAgeInSeconds",
                          "ParallelizationFactor", "DestinationConfig"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "template lacks %s", want[i]);
    /* Least privilege: no wildcard actions or resources. */
    ck_assert_msg(strstr(text, "dynamodb:*") == NULL && strstr(text, "Resource: '*'") == NULL &&
                      strstr(text, "Resource: \"*\"") == NULL,
                  "wildcard in the IAM policy");
    free(text);
}
END_TEST

static Suite *lambda_suite(void)
{
    Suite *s = suite_create("lambda");
    TCase *tc = tcase_create("rie");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_add_test(tc, rie_applies_and_replays);
    tcase_add_test(tc, rie_static_bootstrap);
    tcase_add_test(tc, rie_transform_spec_from_package);
    tcase_add_test(tc, rie_slow_endpoint_yields_failures_not_timeout);
    tcase_add_test(tc, rie_handler_error_takes_error_path);
    tcase_add_test(tc, rie_init_error_missing_target);
    tcase_add_test(tc, rie_init_error_bad_mode);
    tcase_add_test(tc, rie_init_error_concurrency_refused);
    tcase_add_test(tc, rie_target_in_another_region);
    tcase_add_test(tc, rie_target_in_another_account);
    tcase_add_test(tc, rie_init_error_ledger_in_another_region);
    suite_add_tcase(s, tc);
    tc = tcase_create("package");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, static_bootstrap_needs_no_new_glibc);
    tcase_add_test(tc, zip_holds_executable_bootstrap);
    tcase_add_test(tc, template_passes_cfn_lint);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(lambda_suite)
