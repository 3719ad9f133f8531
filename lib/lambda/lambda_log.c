/* Lambda log lines on stdout: the runtime's logger and the EMF writer.
 *
 * Lambda reads the function's stdout/stderr line by line.  With
 * AWS_LAMBDA_LOG_FORMAT=JSON it filters application lines by level only
 * when each line is a JSON object with "level" and an RFC 3339
 * "timestamp" (docs/aws-facts.md §6), so those lines are written that way; text
 * lines follow the tab-separated shape of AWS's own runtimes.  Each line
 * is one write() so concurrent invocations never interleave within a
 * line. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/clock.h"
#include "lambda/lambda.h"

static _Thread_local char cur_request[128];

void ddbxo__lambda_set_request(const char *request_id)
{
    size_t n = request_id ? strlen(request_id) : 0;
    if (n >= sizeof cur_request)
        n = sizeof cur_request - 1;
    memcpy(cur_request, request_id ? request_id : "", n);
    cur_request[n] = '\0';
}

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static int log_json;
static int log_min = DDBXO_LOG_INFO;

/* Lambda's level names; TRACE sits below our DEBUG, FATAL above ERROR. */
static void read_env(void)
{
    const char *f = getenv("AWS_LAMBDA_LOG_FORMAT");
    const char *l = getenv("AWS_LAMBDA_LOG_LEVEL");
    log_json = f && strcasecmp(f, "JSON") == 0;
    if (!l)
        return;
    if (strcasecmp(l, "TRACE") == 0 || strcasecmp(l, "DEBUG") == 0)
        log_min = DDBXO_LOG_DEBUG;
    else if (strcasecmp(l, "WARN") == 0)
        log_min = DDBXO_LOG_WARN;
    else if (strcasecmp(l, "ERROR") == 0)
        log_min = DDBXO_LOG_ERROR;
    else if (strcasecmp(l, "FATAL") == 0)
        log_min = DDBXO_LOG_ERROR + 10;
}

static const char *level_name(int level)
{
    if (level >= DDBXO_LOG_ERROR)
        return "ERROR";
    if (level >= DDBXO_LOG_WARN)
        return "WARN";
    if (level >= DDBXO_LOG_INFO)
        return "INFO";
    return "DEBUG";
}

static void write_all(const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report a lost log line */
        p += w;
        n -= (size_t)w;
    }
}

static void rfc3339_now(char out[32])
{
    int64_t ms = ddbxo__wall_ms();
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

DDBXO_API void ddbxo_lambda_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    pthread_once(&env_once, read_env);
    if (level < log_min || !msg)
        return;
    char ts[32];
    rfc3339_now(ts);
    ddbxo__buf b;
    ddbxo__buf_init(&b);
    if (log_json) {
        json_t *o = json_object();
        json_object_set_new(o, "timestamp", json_string(ts));
        json_object_set_new(o, "level", json_string(level_name(level)));
        /* Invalid UTF-8 would make jansson refuse the message. */
        json_t *m = json_string(msg);
        json_object_set_new(o, "message", m ? m : json_string("(message not UTF-8)"));
        if (cur_request[0])
            json_object_set_new(o, "requestId", json_string(cur_request));
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!s)
            return;
        ddbxo__buf_puts(&b, s);
        free(s);
    } else {
        ddbxo__buf_printf(&b, "%s\t%s\t%s\t", ts,
                          cur_request[0] ? cur_request : "-",
                          level_name(level));
        /* One record per line: CloudWatch keeps \r inside an event. */
        for (const char *p = msg; *p; p++)
            ddbxo__buf_putc(&b, *p == '\n' ? '\r' : (unsigned char)*p);
    }
    ddbxo__buf_putc(&b, '\n');
    if (!b.oom)
        write_all(b.p, b.len);
    ddbxo__buf_free(&b);
}

DDBXO_API void ddbxo_lambda_stdout(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    if (!line)
        return;
    ddbxo__buf b;
    ddbxo__buf_init(&b);
    for (size_t i = 0; i < len; i++) /* a newline would split the event */
        ddbxo__buf_putc(&b, line[i] == '\n' ? ' ' : (unsigned char)line[i]);
    ddbxo__buf_putc(&b, '\n');
    if (!b.oom)
        write_all(b.p, b.len);
    ddbxo__buf_free(&b);
}
