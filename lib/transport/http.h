/* Internal: the HTTP transport (libcurl) below the ddb layer.
 *
 * What it does: sends one request (method, URL, headers, body) and returns
 * the response (status, a few headers, raw body), retrying transient and
 * throttling failures with the DynamoDB "retries 2.1" policy, verifying
 * x-amz-crc32, and reporting whether a failed call may have been applied
 * (ddbxo_error.ambiguous).  It knows nothing of SigV4 or of DynamoDB JSON:
 * a request carries a `prepare` callback that signs each attempt afresh and
 * an optional `classify` callback that reads 4xx bodies.
 *
 * Thread safety: one ddbxo__http transport may be shared by any number of
 * threads.  ddbxo__http_call() takes its own curl easy handle from a
 * mutex-protected pool for the whole call; the retry quota, the jitter
 * generator and the statistics are mutex-protected.  A ddbxo__http_req /
 * ddbxo__http_resp pair belongs to one call at a time.  A ddbxo__http_multi
 * is driven by one thread at a time (its callbacks run on that thread);
 * several threads may each drive their own multi on one transport.  Hooks
 * (sleep, jitter, clocks) must be thread-safe when the transport is shared.
 * Call ddbxo__http_new() once before starting threads if your libcurl lacks
 * CURL_VERSION_THREADSAFE (curl_global_init runs there, once).
 *
 * Deadlines: absolute CLOCK_REALTIME epoch milliseconds (the unit of
 * Lambda-Runtime-Deadline-Ms), 0 = none.  Each call converts its deadline
 * to the monotonic clock once at its start, so a wall-clock step during the
 * call neither stretches nor shortens it.  See docs/transport.md.
 */
#ifndef DDBXO_LIB_HTTP_H
#define DDBXO_LIB_HTTP_H

#include "ddbxo.h"
#include "transport/http_msg.h"
#include "transport/http_pool.h"
#include "transport/http_retry.h"

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Transport                                                            */
/* ------------------------------------------------------------------ */

typedef struct ddbxo__http ddbxo__http;

/* The part of the transport its attempts and the layers above read: the
 * resolved configuration (hooks included), the share and the pool. */
const ddbxo__http_env *ddbxo__http_env_of(const ddbxo__http *h);

/* Counters since ddbxo__http_new (monotonic, for tests and benchmarks). */
typedef struct ddbxo__http_stats {
    uint64_t calls;              /* ddbxo__http_call + multi submissions */
    uint64_t attempts;           /* HTTP attempts started */
    uint64_t retries;            /* attempts after the first */
    uint64_t resends;            /* libcurl's own re-sends (see transport.md) */
    uint64_t connects;           /* new connections (CURLINFO_NUM_CONNECTS) */
    uint64_t throttled;          /* attempts classified as throttling */
    uint64_t quota_refused;      /* retries refused by an empty quota */
    int64_t quota_tokens;        /* tokens in the retry quota now */
} ddbxo__http_stats;

/* New transport; cfg may be NULL (all defaults).  Free with _free. */
ddbxo__http *ddbxo__http_new(const ddbxo__http_config *cfg, ddbxo_error *err);
/* Closes every pooled connection.  No call or multi may be running. */
void ddbxo__http_free(ddbxo__http *h);

void ddbxo__http_stats_get(ddbxo__http *h, ddbxo__http_stats *out);

/* One request, with retries.  resp is reset first, then holds the last
 * attempt's response.  Returns 0 for a 2xx response.  Otherwise -1 and err:
 *  - DDBXO_E_AWS: a non-2xx response (resp has status, headers and body,
 *    so the ddb layer can read details); retryable 1 if it was a retryable
 *    class and retries ran out (attempts or quota);
 *  - DDBXO_E_HTTP: transport failure, CRC mismatch, truncated body;
 *  - DDBXO_E_TIMEOUT: req->deadline_ms passed or would pass before the
 *    next attempt could start;
 *  - DDBXO_E_LIMIT (body too large), _CONFIG (URL/TLS), _INVALID, _NOMEM,
 *    or whatever prepare reported.
 * err->ambiguous is 1 when any attempt may have been applied. */
int ddbxo__http_call(ddbxo__http *h, ddbxo__http_req *req,
                     ddbxo__http_resp *resp, ddbxo_error *err);

/* ------------------------------------------------------------------ */
/* Multi: many requests at once over a bounded set of connections       */
/* ------------------------------------------------------------------ */

typedef struct ddbxo__http_multi ddbxo__http_multi;

/* Completion of a submitted request: rc and err as ddbxo__http_call would
 * return them (err is NULL when rc == 0).  Runs on the thread inside
 * ddbxo__http_multi_run; it may submit more requests (e.g. the next record
 * of the same item) and may free req/resp: the multi no longer uses them. */
typedef void (*ddbxo__http_done_fn)(void *ctx, ddbxo__http_multi *m,
                                    ddbxo__http_req *req,
                                    ddbxo__http_resp *resp, int rc,
                                    const ddbxo_error *err);

/* A runner with at most max_conns transfers (and connections) at once.
 * Its connections stay open across runs: keep one multi per worker
 * thread for the life of the process and steady state opens none. */
ddbxo__http_multi *ddbxo__http_multi_new(ddbxo__http *h, int max_conns,
                                         ddbxo_error *err);
/* Completes nothing; pending requests are dropped without callbacks.
 * Accepts NULL. */
void ddbxo__http_multi_free(ddbxo__http_multi *m);
/* Queues req (req and resp must stay valid until done is called).
 * Nothing is sent until ddbxo__http_multi_run.  -1 only on bad arguments
 * or no memory (done is then not called). */
int ddbxo__http_multi_submit(ddbxo__http_multi *m, ddbxo__http_req *req,
                             ddbxo__http_resp *resp, ddbxo__http_done_fn done,
                             void *ctx, ddbxo_error *err);
/* Runs until no request is pending.  At deadline_ms (epoch ms, 0 = none)
 * every unfinished request completes with DDBXO_E_TIMEOUT, so it always
 * returns with nothing pending.  Returns 0, or -1 (err) on a libcurl multi
 * failure, after completing every pending request with that error. */
int ddbxo__http_multi_run(ddbxo__http_multi *m, int64_t deadline_ms,
                          ddbxo_error *err);
/* Requests submitted and not yet completed. */
size_t ddbxo__http_multi_pending(const ddbxo__http_multi *m);

#endif
