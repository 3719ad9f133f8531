/* The DynamoDB stream handler for the Lambda runtime: event -> batch
 * engine -> partial batch response, plus one EMF metrics line and one
 * summary log line per invocation.
 *
 * Appliers are one-thread objects, and with Lambda Managed Instances
 * several invocations run at once, so the handler keeps a pool: a call
 * takes an idle applier (or makes one) and gives it back.  The response
 * must outlive the call (the runtime posts it after we return), so each
 * thread keeps its last one until its next call. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "service/client.h"
#include "util/clock.h"
#include "util/error.h"
#include "transport/http.h"
#include "lambda/lambda.h"

struct ddbxo_lambda_stream {
    ddbxo_client *c;
    ddbxo_apply_config acfg;
    ddbxo_lambda_stream_config scfg;
    char ns[256];
    pthread_mutex_t mu;
    ddbxo_applier **idle;
    size_t nidle, cap;
};

static _Thread_local char *tl_resp;

static ddbxo_applier *take(ddbxo_lambda_stream *s, ddbxo_error *err)
{
    ddbxo_applier *a = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->nidle)
        a = s->idle[--s->nidle];
    pthread_mutex_unlock(&s->mu);
    return a ? a : ddbxo_applier_new(s->c, &s->acfg, err);
}

static void give(ddbxo_lambda_stream *s, ddbxo_applier *a)
{
    pthread_mutex_lock(&s->mu);
    if (s->nidle == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4;
        ddbxo_applier **n = realloc(s->idle, cap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&s->mu);
            ddbxo_applier_free(a); /* made again on demand */
            return;
        }
        s->idle = n;
        s->cap = cap;
    }
    s->idle[s->nidle++] = a;
    pthread_mutex_unlock(&s->mu);
}

DDBXO_API ddbxo_lambda_stream *ddbxo_lambda_stream_new(
    ddbxo_client *c, const ddbxo_apply_config *acfg,
    const ddbxo_lambda_stream_config *scfg, ddbxo_error *err)
{
    if (!c || !acfg) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL,
                   "lambda stream: client and apply config are required");
        return NULL;
    }
    ddbxo_lambda_stream *s = calloc(1, sizeof *s);
    if (!s) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "lambda stream: out of memory");
        return NULL;
    }
    s->c = c;
    s->acfg = *acfg;
    if (scfg)
        s->scfg = *scfg;
    if (s->scfg.margin_ms <= 0)
        s->scfg.margin_ms = DDBXO_LAMBDA_DEFAULT_MARGIN_MS;
    const char *ns = s->scfg.metrics_namespace;
    snprintf(s->ns, sizeof s->ns, "%s", ns && *ns ? ns : "ddbxo");
    s->scfg.metrics_namespace = s->ns;
    pthread_mutex_init(&s->mu, NULL);
    /* Checks the configuration now, so a bad one is an init error. */
    ddbxo_applier *a = ddbxo_applier_new(c, &s->acfg, err);
    if (!a) {
        ddbxo_lambda_stream_free(s);
        return NULL;
    }
    give(s, a);
    return s;
}

DDBXO_API void ddbxo_lambda_stream_free(ddbxo_lambda_stream *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nidle; i++)
        ddbxo_applier_free(s->idle[i]);
    free(s->idle);
    pthread_mutex_destroy(&s->mu);
    free(s);
    free(tl_resp);
    tl_resp = NULL;
}

/* "FAILED_RETRYABLE" -> "FailedRetryable" (CloudWatch metric style). */
static void metric_name(int outcome, char *out, size_t n)
{
    const char *s = ddbxo_outcome_name(outcome);
    size_t j = 0;
    int up = 1;
    for (; *s && j + 1 < n; s++) {
        if (*s == '_') {
            up = 1;
            continue;
        }
        out[j++] = up ? *s : (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
        up = 0;
    }
    out[j] = '\0';
}

static void add_metric(json_t *defs, json_t *root, const char *name,
                       const char *unit, json_int_t v)
{
    json_t *d = json_object();
    json_object_set_new(d, "Name", json_string(name));
    json_object_set_new(d, "Unit", json_string(unit));
    json_array_append_new(defs, d);
    json_object_set_new(root, name, json_integer(v));
}

typedef struct batch_numbers {
    int64_t ts, batch_ms, iterator_age_ms;
    uint64_t retries, throttles;
} batch_numbers;

/* The EMF document (docs/aws-facts.md §6): metric values at the root, the
 * function name as the one dimension. */
static char *emf_line(const ddbxo_lambda_stream *s,
                      const ddbxo_lambda_invocation *inv,
                      const ddbxo_batch_result *r, const batch_numbers *bn)
{
    const char *fn = getenv("AWS_LAMBDA_FUNCTION_NAME");
    json_t *root = json_object(), *aws = json_object(), *dir = json_object();
    json_t *defs = json_array(), *dims = json_array(), *set = json_array();
    json_array_append_new(set, json_string("FunctionName"));
    json_array_append_new(dims, set);
    json_object_set_new(dir, "Namespace", json_string(s->ns));
    json_object_set_new(dir, "Dimensions", dims);
    json_object_set_new(dir, "Metrics", defs);
    json_t *dirs = json_array();
    json_array_append_new(dirs, dir);
    json_object_set_new(aws, "Timestamp", json_integer(bn->ts));
    json_object_set_new(aws, "CloudWatchMetrics", dirs);
    json_object_set_new(root, "_aws", aws);
    json_t *fnv = json_string(fn && *fn ? fn : "unknown");
    json_object_set_new(root, "FunctionName", fnv ? fnv : json_string("unknown"));
    add_metric(defs, root, "Records", "Count",
               (json_int_t)ddbxo_batch_result_count(r));
    for (int o = 1; o < DDBXO_OUTCOME_END; o++) {
        char name[48];
        metric_name(o, name, sizeof name);
        add_metric(defs, root, name, "Count",
                   (json_int_t)ddbxo_batch_result_tally(r, o));
    }
    add_metric(defs, root, "BatchItemFailures", "Count",
               (json_int_t)ddbxo_batch_result_failed(r));
    add_metric(defs, root, "Retries", "Count", (json_int_t)bn->retries);
    add_metric(defs, root, "Throttles", "Count", (json_int_t)bn->throttles);
    add_metric(defs, root, "BatchMilliseconds", "Milliseconds", bn->batch_ms);
    if (bn->iterator_age_ms >= 0)
        add_metric(defs, root, "IteratorAgeMilliseconds", "Milliseconds",
                   bn->iterator_age_ms);
    json_t *rid = json_string(inv->request_id);
    if (rid)
        json_object_set_new(root, "requestId", rid);
    char *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return out;
}

/* Age of the oldest record (ms), -1 when no record has a creation time. */
static int64_t iterator_age(const ddbxo_event *ev, int64_t now)
{
    int64_t oldest = -1;
    for (size_t i = 0; i < ddbxo_event_count(ev); i++) {
        const ddbxo_record *rec = ddbxo_event_record(ev, i);
        int64_t t = rec ? ddbxo_record_approx_creation_ms(rec) : -1;
        if (t > 0 && (oldest < 0 || t < oldest))
            oldest = t;
    }
    if (oldest < 0)
        return -1;
    return now > oldest ? now - oldest : 0;
}

DDBXO_API int ddbxo_lambda_stream_handle(void *ctx,
                                         const ddbxo_lambda_invocation *inv,
                                         const char **response,
                                         size_t *response_len, ddbxo_error *err)
{
    ddbxo_lambda_stream *s = ctx;
    free(tl_resp);
    tl_resp = NULL;
    if (!s || !inv || !response || !response_len)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "lambda stream: missing argument");
    int64_t t0 = ddbxo__wall_ms();
    /* The invocation's body outlives the event: read it in place. */
    ddbxo_event *ev = ddbxo_parse_stream_event_inplace(inv->event,
                                                       inv->event_len, err);
    if (!ev)
        return -1;
    ddbxo_applier *a = take(s, err);
    if (!a) {
        ddbxo_event_free(ev);
        return -1;
    }
    ddbxo__http *h = ddbxo__client_http(s->c);
    ddbxo__http_stats st0, st1;
    ddbxo__http_stats_get(h, &st0);
    ddbxo_apply_options opt = {0};
    if (inv->deadline_ms > 0)
        opt.deadline_ms = inv->deadline_ms - s->scfg.margin_ms;
    ddbxo_batch_result *r = ddbxo_process_batch(a, ev, &opt, err);
    give(s, a);
    if (!r) {
        ddbxo_event_free(ev);
        return -1;
    }
    ddbxo__http_stats_get(h, &st1);
    batch_numbers bn = {0};
    bn.ts = ddbxo__wall_ms();
    bn.batch_ms = bn.ts - t0;
    bn.iterator_age_ms = iterator_age(ev, bn.ts);
    /* The client's counters are shared: with concurrent invocations the
     * deltas include the neighbours' retries. */
    bn.retries = st1.retries - st0.retries;
    bn.throttles = st1.throttled - st0.throttled;
    if (s->scfg.metrics) {
        char *line = emf_line(s, inv, r, &bn);
        if (line) {
            s->scfg.metrics(s->scfg.metrics_ctx, line, strlen(line));
            free(line);
        }
    }
    if (s->scfg.log) {
        size_t n;
        const char *sum = ddbxo_batch_result_summary(r, &n);
        char msg[1024];
        if (n < sizeof msg - 32) {
            snprintf(msg, sizeof msg, "batch %s", sum);
        } else {
            snprintf(msg, sizeof msg,
                     "batch {\"records\":%zu,\"failed\":%zu} (summary cut)",
                     ddbxo_batch_result_count(r), ddbxo_batch_result_failed(r));
        }
        s->scfg.log(s->scfg.log_ctx,
                    ddbxo_batch_result_failed(r) ? DDBXO_LOG_WARN : DDBXO_LOG_INFO,
                    msg);
    }
    size_t len;
    const char *resp = ddbxo_batch_result_response(r, &len);
    tl_resp = malloc(len + 1);
    if (tl_resp) {
        memcpy(tl_resp, resp, len);
        tl_resp[len] = '\0';
    }
    ddbxo_batch_result_free(r);
    ddbxo_event_free(ev);
    if (!tl_resp)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "lambda stream: out of memory");
    *response = tl_resp;
    *response_len = len;
    return 0;
}
