/* The sample Lambda: a custom-runtime bootstrap that applies DynamoDB
 * stream events to a target table with an exactly-once effect.
 *
 * Configured from the environment (docs/lambda.md):
 *   DDBXO_TARGET_TABLE         required
 *   DDBXO_MODE                 replicate (default) | ledger | tracker
 *   DDBXO_LEDGER_TABLE         ledger and tracker modes
 *   DDBXO_TRANSFORM            path of a declarative spec (relative paths
 *                              are inside the package, LAMBDA_TASK_ROOT)
 *   DDBXO_AGGREGATE            GROUP:SUM (ledger or tracker mode)
 *   DDBXO_SOURCE_VERSION_ATTR  source check attribute
 *   DDBXO_PARK_QUEUE_URL       SQS queue for records that fail for good
 *   DDBXO_MARGIN_MS            stop new work this long before the
 *                              deadline [1000]
 *   DDBXO_METRICS_NAMESPACE    EMF namespace [ddbxo]
 *   DDBXO_TARGET_REGION        the target side's region (target, ledger
 *                              table, park queue) [the function's]
 *   DDBXO_TARGET_ROLE_ARN      a role to assume for the target side (a
 *                              table in another account)
 *   DDBXO_TARGET_EXTERNAL_ID   that role's ExternalId
 *   DDBXO_TARGET_ENDPOINT_URL  the target side's endpoint (tests)
 * Everything else (region, credentials, endpoints) comes from the standard
 * AWS environment, as Lambda sets it.  A configuration that cannot be
 * exactly-once (ddbxo_sides_check) is an init error naming the variable.
 *
 * Everything is made once in init and reused by every invocation; a bad
 * configuration is reported to Lambda as an init error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/binding.h"

typedef struct app {
    ddbxo_client *client;
    ddbxo_transform *transform;
    ddbxo_lambda_stream *stream;
    ddbxo_apply_config acfg;
} app;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static char *read_file(const char *path, size_t *len, ddbxo_error *err)
{
    char full[4096];
    const char *root = env("LAMBDA_TASK_ROOT");
    if (path[0] != '/' && root)
        snprintf(full, sizeof full, "%s/%s", root, path);
    else
        snprintf(full, sizeof full, "%s", path);
    FILE *f = fopen(full, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f) {
        for (;;) {
            if (n == cap) {
                cap = cap ? 2 * cap : 4096;
                char *nb = cap <= (1u << 20) ? realloc(buf, cap + 1) : NULL;
                if (!nb)
                    break; /* too large for a spec, or no memory */
                buf = nb;
            }
            size_t r = fread(buf + n, 1, cap - n, f);
            n += r;
            if (r == 0) {
                *len = n;
                buf[n] = '\0';
                fclose(f);
                return buf;
            }
        }
        fclose(f);
    }
    free(buf);
    snprintf(err->message, sizeof err->message,
             "DDBXO_TRANSFORM: cannot read %.250s", full);
    err->code = DDBXO_E_CONFIG;
    snprintf(err->path, sizeof err->path, "DDBXO_TRANSFORM");
    return NULL;
}

static int fail(ddbxo_error *err, const char *var, const char *msg)
{
    ddbxo_error_clear(err);
    err->code = DDBXO_E_CONFIG;
    snprintf(err->path, sizeof err->path, "%s", var);
    snprintf(err->message, sizeof err->message, "%s: %s", var, msg);
    return -1;
}

/* A refusal names the variable that was set, not the C field. */
static void rename_field(ddbxo_error *err)
{
    static const char *const names[][2] = {
        { "target_table", "DDBXO_TARGET_TABLE" },
        { "ledger_table", "DDBXO_LEDGER_TABLE" },
        { "source_version_attr", "DDBXO_SOURCE_VERSION_ATTR" },
        { "park_queue_url", "DDBXO_PARK_QUEUE_URL" },
    };
    char msg[sizeof err->message + 160];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(err->path, names[i][0]) == 0) {
            snprintf(msg, sizeof msg, "%s: %s (DDBXO_TARGET_REGION %s)",
                     names[i][1], err->message,
                     env("DDBXO_TARGET_REGION") ? env("DDBXO_TARGET_REGION")
                                                : "unset");
            memcpy(err->message, msg, sizeof err->message - 1);
            err->message[sizeof err->message - 1] = '\0';
            snprintf(err->path, sizeof err->path, "%s", names[i][1]);
        }
}

static int init(void *ctx, ddbxo_error *err)
{
    app *a = ctx;
    ddbxo_apply_config *c = &a->acfg;
    c->target_table = env("DDBXO_TARGET_TABLE");
    if (!c->target_table)
        return fail(err, "DDBXO_TARGET_TABLE", "not set");
    c->ledger_table = env("DDBXO_LEDGER_TABLE");
    c->source_version_attr = env("DDBXO_SOURCE_VERSION_ATTR");
    c->park_queue_url = env("DDBXO_PARK_QUEUE_URL");
    {
        /* The library's mode and transform rules, in the variables' names
         * (the CLI and the bindings apply the same ones). */
        static const char *const names[4] = {
            "DDBXO_MODE", "DDBXO_LEDGER_TABLE", "DDBXO_TRANSFORM",
            "DDBXO_AGGREGATE",
        };
        ddbxo_mode_options mo = {0};
        mo.mode_name = env("DDBXO_MODE");
        mo.ledger_table = c->ledger_table;
        mo.transforms = env("DDBXO_TRANSFORM") != NULL;
        mo.aggregate = env("DDBXO_AGGREGATE") != NULL;
        mo.names = names;
        if (!(c->mode = ddbxo_mode_options_check(&mo, err))) {
            /* An init error is a configuration error, whichever rule. */
            err->code = DDBXO_E_CONFIG;
            return -1;
        }
    }
    if (env("DDBXO_TRANSFORM")) {
        size_t len;
        char *spec = read_file(env("DDBXO_TRANSFORM"), &len, err);
        if (!spec)
            return -1;
        a->transform = ddbxo_transform_spec(spec, len, err);
        free(spec);
        if (!a->transform)
            return -1;
    } else if (env("DDBXO_AGGREGATE")) {
        if (!(a->transform = ddbxo_transform_aggregate(env("DDBXO_AGGREGATE"), err)))
            return -1;
    }
    c->transform = a->transform;

    ddbxo_lambda_stream_config sc = {0};
    if (env("DDBXO_MARGIN_MS")) {
        char *end;
        long long m = strtoll(env("DDBXO_MARGIN_MS"), &end, 10);
        if (*end || m < 0 || m > 900000)
            return fail(err, "DDBXO_MARGIN_MS", "want milliseconds, 0..900000");
        sc.margin_ms = m;
    }
    sc.metrics_namespace = env("DDBXO_METRICS_NAMESPACE");
    sc.metrics = ddbxo_lambda_stdout;
    sc.log = ddbxo_lambda_log;

    ddbxo_client_config cc = {0};
    cc.log = ddbxo_lambda_log;
    cc.log_level = DDBXO_LOG_WARN;
    if (!(a->client = ddbxo_client_new(&cc, err)))
        return -1;
    if (env("DDBXO_TARGET_REGION") || env("DDBXO_TARGET_ROLE_ARN") ||
        env("DDBXO_TARGET_ENDPOINT_URL")) {
        /* The function's own client is the source side (its stream is in
         * the function's region); the records go through the target's. */
        ddbxo_client *src = a->client;
        ddbxo_client_config tc = cc;
        if (env("DDBXO_TARGET_EXTERNAL_ID") && !env("DDBXO_TARGET_ROLE_ARN"))
            return fail(err, "DDBXO_TARGET_EXTERNAL_ID",
                        "needs DDBXO_TARGET_ROLE_ARN");
        tc.region = env("DDBXO_TARGET_REGION") ? env("DDBXO_TARGET_REGION")
                                               : ddbxo_client_region(src);
        tc.endpoint_dynamodb = tc.endpoint_streams = tc.endpoint_sqs =
            env("DDBXO_TARGET_ENDPOINT_URL");
        tc.role_arn = env("DDBXO_TARGET_ROLE_ARN");
        tc.external_id = env("DDBXO_TARGET_EXTERNAL_ID");
        a->client = ddbxo_client_new(&tc, err);
        if (a->client && ddbxo_sides_check(src, a->client, c, NULL, err) < 0)
            return rename_field(err), ddbxo_client_free(src), -1;
        ddbxo_client_free(src);
        if (!a->client)
            return -1;
    }
    a->stream = ddbxo_lambda_stream_new(a->client, c, &sc, err);
    return a->stream ? 0 : -1;
}

static int handle(void *ctx, const ddbxo_lambda_invocation *inv,
                  const char **response, size_t *len, ddbxo_error *err)
{
    app *a = ctx;
    return ddbxo_lambda_stream_handle(a->stream, inv, response, len, err);
}

int main(void)
{
    app a;
    memset(&a, 0, sizeof a);
    ddbxo_lambda_config cfg = {0};
    cfg.handler = handle;
    cfg.ctx = &a;
    cfg.init = init;
    cfg.thread_safe = 1; /* the stream handler pools its appliers */
    cfg.log = ddbxo_lambda_log;
    ddbxo_error err;
    ddbxo_error_clear(&err);
    int rc = ddbxo_lambda_run(&cfg, &err);
    /* run() returns only when Lambda is gone or init failed (it already
     * logged why); free what init made so leak checkers stay quiet. */
    ddbxo_lambda_stream_free(a.stream);
    ddbxo_client_free(a.client);
    ddbxo_transform_free(a.transform);
    return rc == 0 ? 0 : 1;
}
