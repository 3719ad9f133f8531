/* faultproxy: a FAULT INJECTOR for demos and manual tests, never for
 * production traffic.  An HTTP/1.1 proxy on 127.0.0.1 in front of one
 * upstream (moto server in `make demo`) that answers some requests itself
 * with what DynamoDB does rarely: throttling (400 ThrottlingException /
 * ProvisionedThroughputExceededException with the AWS JSON body), 5xx, and
 * connections dropped after the request was forwarded and applied
 * upstream (the write happened; the client never hears).  The rest is
 * forwarded unchanged.
 *
 * The engine is tests/harness/faultsrv.c.  The faults come from our own
 * seeded draw, queued as faultsrv's script, so that the sequence of
 * actions is the same on every run with one seed and every injected fault
 * is counted by kind (faultsrv's own counters lump all statuses together).
 * Which request meets which action still depends on the order in which
 * concurrent requests arrive.
 *
 *   faultproxy --upstream http://127.0.0.1:PORT [--seed N]
 *              [--throttle P] [--provisioned P] [--5xx P] [--drop-after P]
 *              [--port-file F] [--stats F]
 *
 * P are probabilities per request (default 0).  The listening URL goes to
 * standard output (and the port to --port-file); the counters are written
 * as one JSON object to --stats (replaced atomically) on SIGUSR1 and at
 * exit (SIGTERM/SIGINT), and to standard error at exit. */
#define _GNU_SOURCE 1            /* pthread_setattr_default_np */
#include "faultsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { K_FORWARD, K_THROTTLE, K_PROVISIONED, K_500, K_503, K_DROP, K_COUNT };

static const char *const k_names[K_COUNT] = {
    "forwarded", "throttle", "provisioned_throughput", "http_500",
    "http_503", "dropped_after_forward",
};

/* Actions queued ahead of the requests; topped up as they are used. */
#define AHEAD 4096

typedef struct plan {
    double p[K_COUNT];
    uint64_t rng;
    unsigned char *kinds;        /* every action queued, in order */
    size_t n, cap;
} plan;

static double draw(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);   /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static faultsrv_action action_of(int k)
{
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    switch (k) {
    case K_THROTTLE:
        a.kind = FAULTSRV_STATUS;
        a.status = 400;
        a.error_type = "ThrottlingException";
        break;
    case K_PROVISIONED:
        a.kind = FAULTSRV_STATUS;
        a.status = 400;
        a.error_type = "ProvisionedThroughputExceededException";
        break;
    case K_500:
        a.kind = FAULTSRV_STATUS;
        a.status = 500;
        a.error_type = "InternalServerError";
        break;
    case K_503:
        a.kind = FAULTSRV_STATUS;
        a.status = 503;
        a.error_type = "ServiceUnavailable";
        break;
    case K_DROP:
        a.kind = FAULTSRV_FORWARD_DROP;
        break;
    default:
        a.kind = FAULTSRV_FORWARD;
    }
    return a;
}

/* Queues n more actions; -1 when out of memory. */
static int plan_more(plan *pl, faultsrv *fs, size_t n)
{
    if (pl->n + n > pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 65536;
        while (cap < pl->n + n)
            cap *= 2;
        unsigned char *k = realloc(pl->kinds, cap);
        if (!k)
            return -1;
        pl->kinds = k;
        pl->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        double r = draw(&pl->rng), acc = 0;
        int k = K_FORWARD;
        for (int j = 1; j < K_COUNT; j++) {
            acc += pl->p[j];
            if (r < acc) {
                k = j;
                break;
            }
        }
        pl->kinds[pl->n++] = (unsigned char)k;
        faultsrv_push(fs, action_of(k));
    }
    return 0;
}

/* faultsrv takes one action per request, in order: the first `requests`
 * queued actions are the ones used. */
static void count(const plan *pl, unsigned requests, unsigned long out[K_COUNT])
{
    memset(out, 0, K_COUNT * sizeof out[0]);
    for (size_t i = 0; i < requests && i < pl->n; i++)
        out[pl->kinds[i]]++;
}

static int write_stats(const char *path, const plan *pl, faultsrv *fs,
                       FILE *also)
{
    faultsrv_stats st;
    unsigned long c[K_COUNT], faults = 0;
    char tmp[4096];
    FILE *f;
    int rc = 0;
    faultsrv_get_stats(fs, &st);
    count(pl, st.requests, c);
    for (int k = 1; k < K_COUNT; k++)
        faults += c[k];
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            if (!path)
                continue;
            if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp ||
                !(f = fopen(tmp, "w"))) {
                rc = -1;
                continue;
            }
        } else if (!(f = also)) {
            continue;
        }
        fprintf(f, "{\"requests\":%u,\"connections\":%u,\"faults\":%lu",
                st.requests, st.connections, faults);
        for (int k = 0; k < K_COUNT; k++)
            fprintf(f, ",\"%s\":%lu", k_names[k], c[k]);
        fprintf(f, "}\n");
        if (pass == 0) {
            if (fclose(f) != 0 || rename(tmp, path) != 0)
                rc = -1;
        } else {
            fflush(f);
        }
    }
    return rc;
}

static int parse_p(const char *s, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v <= 1))
        return -1;
    *out = v;
    return 0;
}

/* "http://HOST:PORT[/]" with a numeric IPv4 host (faultsrv connects by
 * address). */
static int parse_upstream(const char *url, char *host, size_t hostsz,
                          int *port)
{
    const char *h, *colon;
    char *end;
    long p;
    struct in_addr addr;
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    h = url + 7;
    if (!(colon = strchr(h, ':')) || (size_t)(colon - h) >= hostsz ||
        colon == h)
        return -1;
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    if (inet_pton(AF_INET, host, &addr) != 1)
        return -1;
    p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || (*end && strcmp(end, "/") != 0) || p < 1 ||
        p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static void usage(void)
{
    fputs("usage: faultproxy --upstream http://127.0.0.1:PORT [--seed N]\n"
          "                  [--throttle P] [--provisioned P] [--5xx P]\n"
          "                  [--drop-after P] [--port-file F] [--stats F]\n"
          "A fault-injecting HTTP proxy for tests and demos (see the\n"
          "comment at the top of tools/faultproxy.c).  P: probability per\n"
          "request, 0..1; --5xx is split evenly between 500 and 503.\n",
          stderr);
}

int main(int argc, char **argv)
{
    const char *upstream = NULL, *port_file = NULL, *stats_file = NULL;
    char host[64], errbuf[256];
    int up_port = 0, sig = 0, rc = 0;
    unsigned long long seed = 1;
    double p5xx = 0, sum = 0;
    plan pl;
    sigset_t set;
    pthread_attr_t attr;
    faultsrv *fs;

    memset(&pl, 0, sizeof pl);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage();
            return 0;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        if (!strcmp(o, "--upstream"))
            upstream = v;
        else if (!strcmp(o, "--port-file"))
            port_file = v;
        else if (!strcmp(o, "--stats"))
            stats_file = v;
        else if (!strcmp(o, "--seed")) {
            char *end;
            errno = 0;
            seed = strtoull(v, &end, 10);
            bad = errno || end == v || *end;
        } else if (!strcmp(o, "--throttle"))
            bad = parse_p(v, &pl.p[K_THROTTLE]);
        else if (!strcmp(o, "--provisioned"))
            bad = parse_p(v, &pl.p[K_PROVISIONED]);
        else if (!strcmp(o, "--5xx"))
            bad = parse_p(v, &p5xx);
        else if (!strcmp(o, "--drop-after"))
            bad = parse_p(v, &pl.p[K_DROP]);
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "faultproxy: bad option %s %s\n", o, v);
            usage();
            return 2;
        }
    }
    pl.rng = seed;
    pl.p[K_500] = pl.p[K_503] = p5xx / 2;
    for (int k = 1; k < K_COUNT; k++)
        sum += pl.p[k];
    if (!upstream || parse_upstream(upstream, host, sizeof host, &up_port) < 0 ||
        sum > 1) {
        fprintf(stderr, "faultproxy: need --upstream http://IPV4:PORT and "
                "fault rates that add up to at most 1\n");
        usage();
        return 2;
    }

    /* Every thread faultsrv starts inherits this mask, so the signals
     * reach only sigtimedwait below.  Connection threads are joined only
     * at exit: keep their stacks small. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (pthread_attr_init(&attr) == 0) {
        pthread_attr_setstacksize(&attr, 256 * 1024);
        pthread_setattr_default_np(&attr);
        pthread_attr_destroy(&attr);
    }

    if (!(fs = faultsrv_start(errbuf, sizeof errbuf))) {
        fprintf(stderr, "faultproxy: %s\n", errbuf);
        return 1;
    }
    faultsrv_set_upstream(fs, host, up_port);
    if (plan_more(&pl, fs, AHEAD) < 0) {
        fprintf(stderr, "faultproxy: out of memory\n");
        faultsrv_stop(fs);
        return 1;
    }
    if (port_file) {
        char tmp[4096];
        FILE *f;
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        if (!(f = fopen(tmp, "w")) || fprintf(f, "%d\n", faultsrv_port(fs)) < 0 ||
            fclose(f) != 0 || rename(tmp, port_file) != 0) {
            fprintf(stderr, "faultproxy: cannot write %s\n", port_file);
            faultsrv_stop(fs);
            free(pl.kinds);
            return 1;
        }
    }
    printf("faultproxy: %s -> %s (seed %llu)\n", faultsrv_url(fs), upstream,
           seed);
    fflush(stdout);

    for (;;) {
        struct timespec ts = { 0, 50 * 1000000L };
        faultsrv_stats st;
        sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGUSR1) {
            write_stats(stats_file, &pl, fs, NULL);
            continue;
        }
        if (sig > 0)
            break;
        faultsrv_get_stats(fs, &st);
        if (pl.n - st.requests < AHEAD / 2 && plan_more(&pl, fs, AHEAD) < 0) {
            fprintf(stderr, "faultproxy: out of memory\n");
            rc = 1;
            break;
        }
    }
    /* The counters include the requests in flight now: their actions
     * are taken.  (faultsrv takes an action before reading a request and
     * counts it after; a request whose bytes never fully arrive uses an
     * action uncounted, shifting the tally by one.  Rare: clients send
     * whole requests.) */
    if (write_stats(stats_file, &pl, fs, stderr) < 0 && stats_file) {
        fprintf(stderr, "faultproxy: cannot write %s\n", stats_file);
        rc = 1;
    }
    faultsrv_stop(fs);
    free(pl.kinds);
    return rc;
}
