/* ddbxo call: one signed DynamoDB / Streams / SQS call from the shell,
 * with the library's endpoints, credentials, retries and error model --
 * the quickest way to check a setup, and a scripting tool. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ddbxo.h"
#include "util/clock.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: ddbxo call [--service dynamodb|streams|sqs] [--region R]\n"
            "                  [--profile P] [--endpoint-url URL]\n"
            "                  [--deadline-ms N] OPERATION [JSON|@FILE|-]\n"
            "\n"
            "Sends one signed request (e.g. ListTables, PutItem, GetRecords,\n"
            "SendMessage) and prints the response JSON on standard output.  The\n"
            "body is JSON text, @FILE to read it from a file, or - for standard\n"
            "input; default {}.  Region, credentials and endpoints come from the\n"
            "standard AWS environment and files (AWS_REGION, AWS_PROFILE,\n"
            "AWS_ENDPOINT_URL[_DYNAMODB|_DYNAMODB_STREAMS|_SQS], ...).\n"
            "\n"
            "On an error it prints {\"error\":{\"type\":...,\"message\":...,\n"
            "\"status\":...,\"retryable\":...,\"code\":...}} (plus\n"
            "\"cancellationReasons\" for a cancelled transaction and \"item\" for\n"
            "a failed condition with ALL_OLD) on standard output.\n"
            "Exit status: 0 success, 1 the call failed, 2 usage error,\n"
            "66 the body file cannot be read.\n"
            "\n"
            "  --service S       dynamodb (default), streams or sqs\n"
            "  --region R        region (else AWS_REGION, AWS_DEFAULT_REGION,\n"
            "                    the profile's region)\n"
            "  --profile P       profile of the shared config/credentials files\n"
            "  --endpoint-url U  endpoint of the service (http:// only to\n"
            "                    loopback hosts)\n"
            "  --deadline-ms N   give up N milliseconds from now (default: the\n"
            "                    retry policy alone decides)\n");
}

static int parse_service(const char *s, ddbxo_service *out)
{
    static const struct { const char *name; ddbxo_service svc; } t[] = {
        { "dynamodb", DDBXO_SERVICE_DYNAMODB },
        { "streams", DDBXO_SERVICE_STREAMS },
        { "dynamodbstreams", DDBXO_SERVICE_STREAMS },
        { "sqs", DDBXO_SERVICE_SQS },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(s, t[i].name) == 0) {
            *out = t[i].svc;
            return 0;
        }
    return -1;
}

/* Operation names are letters and digits (they go into X-Amz-Target). */
static int op_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* The JSON text of a borrowed item string, or null. */
static json_t *item_json(const char *s, size_t len)
{
    json_t *j = s ? json_loadb(s, len, 0, NULL) : NULL;
    return j ? j : json_null();
}

static void print_error(const ddbxo_error *e, const ddbxo_aws_detail *d)
{
    json_t *o = json_object(), *w = json_object();
    char *s;
    size_t len, n = ddbxo_aws_detail_reason_count(d);
    const char *item;

    json_object_set_new(o, "type", e->aws_type[0] ? json_string(e->aws_type)
                                                  : json_null());
    json_object_set_new(o, "message", json_string(e->message));
    json_object_set_new(o, "status", e->http_status
                                         ? json_integer(e->http_status)
                                         : json_null());
    json_object_set_new(o, "retryable", json_boolean(e->retryable));
    json_object_set_new(o, "ambiguous", json_boolean(e->ambiguous));
    json_object_set_new(o, "code", json_string(ddbxo_code_name(e->code)));
    if (e->request_id[0])
        json_object_set_new(o, "requestId", json_string(e->request_id));
    if ((item = ddbxo_aws_detail_item(d, &len)))
        json_object_set_new(o, "item", item_json(item, len));
    if (n) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *r = json_object();
            const char *m = ddbxo_aws_detail_reason_message(d, i);
            json_object_set_new(r, "Code",
                                json_string(ddbxo_aws_detail_reason_code(d, i)));
            if (m)
                json_object_set_new(r, "Message", json_string(m));
            if ((item = ddbxo_aws_detail_reason_item(d, i, &len)))
                json_object_set_new(r, "Item", item_json(item, len));
            json_array_append_new(arr, r);
        }
        json_object_set_new(o, "cancellationReasons", arr);
    }
    json_object_set_new(w, "error", o);
    if ((s = json_dumps(w, JSON_COMPACT))) {
        puts(s);
        free(s);
    }
    json_decref(w);
}

/* The body argument: literal JSON, @FILE, or - (stdin).  NULL on a read
 * error (reported by cli_read_input). */
static char *read_body(const char *arg, size_t *len)
{
    char *s;
    if (strcmp(arg, "-") == 0)
        return cli_read_input("-", len);
    if (arg[0] == '@')
        return cli_read_input(arg + 1, len);
    if ((s = strdup(arg)))
        *len = strlen(s);
    return s;
}

int cmd_call(int argc, char **argv)
{
    ddbxo_client_config cfg;
    ddbxo_service svc = DDBXO_SERVICE_DYNAMODB;
    const char *op = NULL, *body_arg = "{}", *endpoint = NULL;
    int64_t deadline = 0, rel = 0;
    ddbxo_client *c = NULL;
    ddbxo_aws_detail *detail = NULL;
    ddbxo_error err;
    char *body, *resp = NULL;
    size_t len = 0, rlen = 0;
    int npos = 0, rc;
    json_t *check;

    memset(&cfg, 0, sizeof cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(stdout);
            return 0;
        } else if (strcmp(a, "--service") == 0 && has) {
            if (parse_service(argv[++i], &svc) < 0) {
                fprintf(stderr, "ddbxo call: unknown service '%s'\n", argv[i]);
                return CLI_EX_USAGE;
            }
        } else if (strcmp(a, "--region") == 0 && has) {
            cfg.region = argv[++i];
        } else if (strcmp(a, "--profile") == 0 && has) {
            cfg.profile = argv[++i];
        } else if (strcmp(a, "--endpoint-url") == 0 && has) {
            endpoint = argv[++i];
        } else if (strcmp(a, "--deadline-ms") == 0 && has) {
            long long v;
            if (cli_parse_int(argv[++i], 1, 86400000LL, &v) < 0) {
                fprintf(stderr, "ddbxo call: --deadline-ms wants 1..86400000\n");
                return CLI_EX_USAGE;
            }
            rel = v;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "ddbxo call: unknown option '%s'\n", a);
            help(stderr);
            return CLI_EX_USAGE;
        } else if (npos == 0) {
            op = a;
            npos++;
        } else if (npos == 1) {
            body_arg = a;
            npos++;
        } else {
            fprintf(stderr, "ddbxo call: unexpected argument '%s'\n", a);
            help(stderr);
            return CLI_EX_USAGE;
        }
    }
    if (!op) {
        fprintf(stderr, "ddbxo call: no OPERATION given\n");
        help(stderr);
        return CLI_EX_USAGE;
    }
    if (!op_ok(op)) {
        fprintf(stderr, "ddbxo call: OPERATION must be a name such as "
                        "ListTables (letters and digits)\n");
        return CLI_EX_USAGE;
    }
    if (endpoint) {
        if (svc == DDBXO_SERVICE_DYNAMODB)
            cfg.endpoint_dynamodb = endpoint;
        else if (svc == DDBXO_SERVICE_STREAMS)
            cfg.endpoint_streams = endpoint;
        else
            cfg.endpoint_sqs = endpoint;
    }
    if (!(body = read_body(body_arg, &len)))
        return CLI_EX_NOINPUT;
    /* A malformed body is the user's typo: say so here, not as a failed
     * call. */
    if (!(check = json_loadb(body, len, 0, NULL)) || !json_is_object(check)) {
        fprintf(stderr, "ddbxo call: the body is not a JSON object\n");
        json_decref(check);
        free(body);
        return CLI_EX_USAGE;
    }
    json_decref(check);

    if (rel)
        deadline = ddbxo__wall_ms() + rel;
    if (!(c = ddbxo_client_new(&cfg, &err))) {
        print_error(&err, NULL);
        free(body);
        return 1;
    }
    rc = ddbxo_call_ex(c, svc, op, body, len, deadline, &resp, &rlen, &detail,
                       &err);
    if (rc == 0) {
        fwrite(resp, 1, rlen, stdout);
        if (rlen == 0 || resp[rlen - 1] != '\n')
            putchar('\n');
    } else {
        print_error(&err, detail);
    }
    ddbxo_free(resp);
    ddbxo_aws_detail_free(detail);
    ddbxo_client_free(c);
    free(body);
    return rc == 0 ? 0 : 1;
}
