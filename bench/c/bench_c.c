/* bench_c: the libddbxo side of `make bench` (bench/README.md).
 *
 *   bench_c parse  REPS ITERS FILE     parse + dedup key of every record
 *   bench_c sigv4  REPS ITERS          sign one PutItem request
 *   bench_c apply  REPS MODE CONC ENDPOINT FILE...
 *                                      apply every event (replicate, or
 *                                      ledger with the GROUP:SUM aggregate)
 *   bench_c mem    FILE                peak RSS while parsing FILE once
 *
 * Each run does one untimed warm-up repetition, then REPS timed ones, and
 * prints one JSON object: per repetition the client CPU (user+sys of this
 * process, getrusage) and the wall time, both in microseconds per unit
 * (record or request).  The drivers of the peers (bench/go, bench/py)
 * print the same shape; bench/run.py takes the medians.
 *
 * The timed repetitions of parse and apply run inside functions named
 * timed_rep_*, never inlined, so that `valgrind --tool=callgrind
 * --collect-atstart=no --toggle-collect=timed_rep_*` counts the
 * instructions of the timed work only (not the warm-up, the set-up, or
 * reading the files): bench/run.py divides them by the records. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ddbxo.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/sigv4.h"
#include "ddbxo/sys/value.h"

/* A function callgrind can toggle collection on: kept whole, by its name. */
#define TIMED __attribute__((noinline, noclone))

typedef struct sample {
    double cpu_us, wall_us;
} sample;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void die(const char *what, const ddbxo_error *err)
{
    fprintf(stderr, "bench_c: %s: %s (%s)\n", what,
            err ? err->message : "failed", err ? err->path : "");
    exit(1);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void print_samples(const char *name, const char *unit, const sample *s,
                          int n, const char *extra)
{
    printf("{\"name\":\"%s\",\"unit\":\"%s\",\"cpu_us\":[", name, unit);
    for (int i = 0; i < n; i++)
        printf("%s%.4f", i ? "," : "", s[i].cpu_us);
    printf("],\"wall_us\":[");
    for (int i = 0; i < n; i++)
        printf("%s%.4f", i ? "," : "", s[i].wall_us);
    printf("]%s%s}\n", extra ? "," : "", extra ? extra : "");
}

/* ---------------------------------------------------------------- parse */

static size_t parse_once(const char *doc, size_t len)
{
    ddbxo_error err;
    ddbxo_event *ev = ddbxo_parse_stream_event(doc, len, &err);
    if (!ev)
        die("parse", &err);
    size_t n = ddbxo_event_count(ev);
    char key[DDBXO_DEDUP_KEY_BUFSIZE];
    for (size_t i = 0; i < n; i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        if (!r)
            die("record", ddbxo_event_error(ev, i));
        if (ddbxo_dedup_key(r, NULL, key, &err) != 0)
            die("dedup key", &err);
    }
    ddbxo_event_free(ev);
    return n;
}

TIMED static size_t timed_rep_parse(const char *doc, size_t len, int iters)
{
    size_t recs = 0;
    for (int i = 0; i < iters; i++)
        recs += parse_once(doc, len);
    return recs;
}

static int run_parse(int reps, int iters, const char *file)
{
    size_t len;
    char *doc = slurp(file, &len);
    sample *s = calloc((size_t)reps, sizeof *s);
    parse_once(doc, len); /* warm-up */
    for (int r = 0; r < reps; r++) {
        double c0 = cpu_us(), w0 = now_us();
        size_t recs = timed_rep_parse(doc, len, iters);
        s[r].cpu_us = (cpu_us() - c0) / (double)recs;
        s[r].wall_us = (now_us() - w0) / (double)recs;
    }
    print_samples("parse", "us/record", s, reps, NULL);
    free(s);
    free(doc);
    return 0;
}

/* ---------------------------------------------------------------- sigv4 */

/* The request every signer in the bench signs: a PutItem of a 1 KB item. */
static char *putitem_body(size_t *len)
{
    char *b = malloc(2048);
    int n = snprintf(b, 2048,
                     "{\"TableName\":\"BenchOrders\",\"Item\":{\"pk\":{\"S\":"
                     "\"order#00000001\"},\"note\":{\"S\":\"%0900d\"}}}", 0);
    *len = (size_t)n;
    return b;
}

static int run_sigv4(int reps, int iters)
{
    size_t blen;
    char *body = putitem_body(&blen);
    ddbxo_sigv4_header h[] = {
        {"Host", "dynamodb.us-east-1.amazonaws.com"},
        {"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", "DynamoDB_20120810.PutItem"},
    };
    ddbxo_sigv4_request req = {"POST", "/", NULL, h, 3, body, blen, NULL};
    ddbxo_sigv4_params p = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                            NULL, "us-east-1", "dynamodb", NULL, 0, 0};
    ddbxo_error err;
    ddbxo_signer *sg = ddbxo_signer_new(&p, &err);
    if (!sg)
        die("signer", &err);
    sample *s = calloc((size_t)reps, sizeof *s);
    for (int r = -1; r < reps; r++) {
        double c0 = cpu_us(), w0 = now_us();
        for (int i = 0; i < iters; i++) {
            ddbxo_sigv4_header *out = ddbxo_signer_sign(sg, &req, 0, NULL, &err);
            if (!out)
                die("sign", &err);
            ddbxo_sigv4_headers_free(out);
        }
        if (r >= 0) {
            s[r].cpu_us = (cpu_us() - c0) / iters;
            s[r].wall_us = (now_us() - w0) / iters;
        }
    }
    print_samples("sigv4", "us/request", s, reps, NULL);
    ddbxo_signer_free(sg);
    free(s);
    free(body);
    return 0;
}

/* ---------------------------------------------------------------- apply */

/* Parse and apply every event once; the records applied. */
static size_t apply_all(ddbxo_applier *a, int nfiles, char **docs, const size_t *lens)
{
    ddbxo_error err;
    size_t recs = 0;
    for (int i = 0; i < nfiles; i++) {
        ddbxo_event *ev = ddbxo_parse_stream_event(docs[i], lens[i], &err);
        if (!ev)
            die("parse", &err);
        ddbxo_batch_result *res = ddbxo_process_batch(a, ev, NULL, &err);
        if (!res)
            die("process_batch", &err);
        size_t n = ddbxo_batch_result_count(res);
        if (ddbxo_batch_result_tally(res, DDBXO_APPLIED) != n) {
            const ddbxo_error *e = NULL;
            for (size_t k = 0; k < n && !e; k++)
                e = ddbxo_batch_result_error(res, k);
            die("not every record was applied", e);
        }
        recs += n;
        ddbxo_batch_result_free(res);
        ddbxo_event_free(ev);
    }
    return recs;
}

TIMED static size_t timed_rep_apply(ddbxo_applier *a, int nfiles, char **docs,
                                    const size_t *lens)
{
    return apply_all(a, nfiles, docs, lens);
}

static int run_apply(int reps, const char *mode, int conc, const char *endpoint,
                     int nfiles, char **files)
{
    char **docs = calloc((size_t)nfiles, sizeof *docs);
    size_t *lens = calloc((size_t)nfiles, sizeof *lens);
    for (int i = 0; i < nfiles; i++)
        docs[i] = slurp(files[i], &lens[i]);
    ddbxo_error err;
    ddbxo_credentials_provider *cp =
        ddbxo_credentials_provider_static("AKIDBENCH", "benchsecret", NULL, &err);
    if (!cp)
        die("credentials", &err);
    ddbxo_client_config cc = {0};
    cc.region = "us-east-1";
    cc.endpoint_dynamodb = endpoint;
    cc.credentials = cp;
    cc.max_connections = conc;
    ddbxo_client *c = ddbxo_client_new(&cc, &err);
    if (!c)
        die("client", &err);
    ddbxo_transform *t = NULL;
    ddbxo_apply_config ac = {0};
    ac.target_table = "BenchTarget";
    ac.max_inflight = conc;
    if (strcmp(mode, "ledger") == 0) {
        ac.mode = DDBXO_MODE_LEDGER;
        ac.ledger_table = "BenchLedger";
        if (!(t = ddbxo_transform_aggregate("region:total", &err)))
            die("aggregate", &err);
        ac.transform = t;
    } else {
        ac.mode = DDBXO_MODE_REPLICATE;
    }
    ddbxo_applier *a = ddbxo_applier_new(c, &ac, &err);
    if (!a)
        die("applier", &err);
    sample *s = calloc((size_t)reps, sizeof *s);
    apply_all(a, nfiles, docs, lens); /* warm-up: also opens the connections */
    for (int r = 0; r < reps; r++) {
        double c0 = cpu_us(), w0 = now_us();
        size_t recs = timed_rep_apply(a, nfiles, docs, lens);
        s[r].cpu_us = (cpu_us() - c0) / (double)recs;
        s[r].wall_us = (now_us() - w0) / (double)recs;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "\"concurrency\":%d", conc);
    print_samples(mode, "us/record", s, reps, extra);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    ddbxo_client_free(c);
    ddbxo_credentials_provider_free(cp);
    for (int i = 0; i < nfiles; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    free(s);
    return 0;
}

/* ------------------------------------------------------------------ mem */

/* A field of /proc/self/status in kB, or -1. */
static long status_kb(const char *field)
{
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0); 0 on success. */
static int reset_hwm(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Peak RSS of reading FILE and parsing it once, over the RSS before: what
 * a handler needs to hold the event and its parsed form.  The input
 * buffer counts (a runtime holds it too).  Parsed in place, as the Lambda
 * bootstrap does: ddbxo_parse_stream_event would add one copy of the
 * text (1x the event's bytes). */
static int run_mem(const char *file)
{
    ddbxo_error err;
    size_t len;
    int reset = reset_hwm() == 0;
    long base = status_kb("VmRSS");
    char *doc = slurp(file, &len);
    ddbxo_event *ev = ddbxo_parse_stream_event_inplace(doc, len, &err);
    if (!ev)
        die("parse", &err);
    long hwm = status_kb("VmHWM");
    printf("{\"name\":\"mem\",\"event_bytes\":%zu,\"records\":%zu,\"failed\":%zu,"
           "\"base_kb\":%ld,\"hwm_kb\":%ld,\"hwm_reset\":%s}\n",
           len, ddbxo_event_count(ev), ddbxo_event_failed_count(ev), base, hwm,
           reset ? "true" : "false");
    ddbxo_event_free(ev);
    free(doc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "parse") == 0)
        return run_parse(atoi(argv[2]), atoi(argv[3]), argv[4]);
    if (argc >= 4 && strcmp(argv[1], "sigv4") == 0)
        return run_sigv4(atoi(argv[2]), atoi(argv[3]));
    if (argc >= 7 && strcmp(argv[1], "apply") == 0)
        return run_apply(atoi(argv[2]), argv[3], atoi(argv[4]), argv[5],
                         argc - 6, argv + 6);
    if (argc >= 3 && strcmp(argv[1], "mem") == 0)
        return run_mem(argv[2]);
    fprintf(stderr, "usage: bench_c parse REPS ITERS FILE | sigv4 REPS ITERS |"
                    " apply REPS MODE CONC ENDPOINT FILE... | mem FILE\n");
    return 2;
}
