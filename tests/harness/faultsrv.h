/* faultsrv: a FAKE, test-only HTTP/1.1 server on 127.0.0.1 that injects
 * faults.  Never a DynamoDB stand-in for correctness tests (that is moto);
 * it exists to produce what real servers do rarely: throttling, 5xx, resets
 * before and after the request, truncated bodies, bad x-amz-crc32,
 * latency, and "the write was applied upstream but the answer was lost".
 *
 * One thread accepts; one thread per connection serves it (keep-alive).
 * For each request the server takes the next scripted action; when the
 * script is empty it draws from the seeded rates, else uses the default
 * action (200 "{}", or forward to the upstream when one is set).  It
 * records every request and counts what it injected.  Threads do not
 * survive fork(): start it inside the test (Check forks per test).
 */
#ifndef DDBXO_FAULTSRV_H
#define DDBXO_FAULTSRV_H

#include <stddef.h>
#include <stdint.h>

typedef enum faultsrv_kind {
    FAULTSRV_OK = 0,        /* 200, body (default "{}"), right x-amz-crc32 */
    FAULTSRV_STATUS,        /* .status with an AWS-style error body */
    FAULTSRV_DROP_BEFORE,   /* close (RST) before reading the request */
    FAULTSRV_DROP_AFTER,    /* read the request, close without answering */
    FAULTSRV_TRUNCATE,      /* Content-Length larger than the bytes sent */
    FAULTSRV_FORWARD,       /* pass to the upstream, return its answer */
    FAULTSRV_FORWARD_DROP,  /* pass to the upstream, then close: applied,
                               but the client never hears */
    FAULTSRV_KIND_COUNT
} faultsrv_kind;

/* One action; zero-initialised fields mean "the usual". */
typedef struct faultsrv_action {
    faultsrv_kind kind;
    int status;             /* STATUS (default 500); TRUNCATE (200) */
    const char *error_type; /* e.g. "ThrottlingException": body
                               {"__type":"com.amazonaws.dynamodb.v20120810#T",
                               "message":...} and x-amzn-ErrorType: T */
    const char *body;       /* explicit body (overrides error_type's) */
    const char *headers;    /* extra raw lines, each ending "\r\n" */
    const char *retry_after;/* x-amz-retry-after value, sent verbatim */
    int bad_crc;            /* send a wrong x-amz-crc32 */
    int no_crc;             /* send no x-amz-crc32 */
    int no_error_header;    /* STATUS: leave out x-amzn-ErrorType */
    int delay_ms;           /* wait after reading the request */
    int fin;                /* DROP_*: close with FIN instead of RST */
} faultsrv_action;

/* One received request (DROP_BEFORE records one with method ""). */
typedef struct faultsrv_req {
    char method[16];
    char target[512];
    char *headers;          /* raw header block, NUL-terminated */
    unsigned char *body;    /* NUL-terminated */
    size_t body_len;
    faultsrv_kind kind;     /* what was done with it */
    int conn;               /* connection number, 1-based */
} faultsrv_req;

typedef struct faultsrv_stats {
    unsigned connections;               /* accepted */
    unsigned requests;                  /* actions taken */
    unsigned injected[FAULTSRV_KIND_COUNT];
    unsigned max_concurrent;            /* most requests in progress at once */
} faultsrv_stats;

typedef struct faultsrv faultsrv;

/* Listens on 127.0.0.1:<free port>.  NULL + message in errbuf on failure. */
faultsrv *faultsrv_start(char *errbuf, size_t errlen);
/* Closes every connection, joins the threads, frees.  Accepts NULL. */
void faultsrv_stop(faultsrv *fs);

int faultsrv_port(const faultsrv *fs);
/* "http://127.0.0.1:PORT/" (static storage inside fs). */
const char *faultsrv_url(const faultsrv *fs);

/* Appends actions to the script (copied, strings included). */
void faultsrv_script(faultsrv *fs, const faultsrv_action *a, size_t n);
void faultsrv_push(faultsrv *fs, faultsrv_action a);
/* Action when the script is empty and no rate fires. */
void faultsrv_set_default(faultsrv *fs, faultsrv_action a);
/* With probability p (drawn from a PRNG seeded by faultsrv_seed), take a
 * instead of the default.  Rates are tried in the order added. */
void faultsrv_add_rate(faultsrv *fs, double p, faultsrv_action a);
void faultsrv_seed(faultsrv *fs, uint64_t seed);
/* FORWARD actions (and the default, once set) go to host:port. */
void faultsrv_set_upstream(faultsrv *fs, const char *host, int port);

void faultsrv_get_stats(faultsrv *fs, faultsrv_stats *out);
size_t faultsrv_nreqs(faultsrv *fs);
/* Request i (0-based), valid until faultsrv_stop; NULL if out of range. */
const faultsrv_req *faultsrv_req_at(faultsrv *fs, size_t i);
/* Copies the value of header `name` of request r into buf; NULL if absent. */
const char *faultsrv_req_header(const faultsrv_req *r, const char *name,
                                char *buf, size_t buflen);

#endif
