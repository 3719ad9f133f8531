/* The outcome of one batch: per-record outcome and error, tallies, the
 * Lambda partial batch response and the summary line (BATCH-API).
 *
 * The engine (lib/apply/batch.c) fills it through the ddbxo__batch_result_*
 * functions below and calls _finish once; after that it is read-only.
 * Errors are allocated only for records that failed or parked: a batch
 * holds up to 10,000 records and most of them succeed. */
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/error.h"

#include "apply/batch_result.h"

typedef struct brec {
    int outcome;                 /* 0 until decided */
    char seq[DDBXO_SEQ_BUFSIZE]; /* SequenceNumber as sent; "" if unusable */
    ddbxo_error *err;            /* owned; FAILED_* and PARKED only */
} brec;

struct ddbxo_batch_result {
    size_t n;
    brec *r;
    size_t tally[DDBXO_OUTCOME_END];
    size_t failed;
    char lowest[DDBXO_SEQ_BUFSIZE]; /* lowest valid seq of the batch */
    char *response, *summary;
    size_t response_len, summary_len;
    double capacity;                /* write units, when counted */
};

ddbxo_batch_result *ddbxo__batch_result_new(size_t n, ddbxo_error *err)
{
    ddbxo_batch_result *r = calloc(1, sizeof *r);
    if (!r) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "batch result: out of memory");
        return NULL;
    }
    r->n = n;
    if (n) {
        r->r = calloc(n, sizeof *r->r);
        if (!r->r) {
            free(r);
            ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                       "batch result: out of memory (%zu records)", n);
            return NULL;
        }
    }
    return r;
}

/* Records outcome (and a copy of why for failures and parks).  The error's
 * retryable flag is made to match the outcome, as ddbxo_transact_apply
 * promises.  A copy that cannot be allocated leaves the error NULL; the
 * outcome still stands. */
void ddbxo__batch_result_set(ddbxo_batch_result *r, size_t i, int outcome,
                             const ddbxo_error *why)
{
    if (!r || i >= r->n)
        return;
    brec *b = &r->r[i];
    b->outcome = outcome;
    if (ddbxo_outcome_failed(outcome) || outcome == DDBXO_PARKED) {
        if (!b->err)
            b->err = malloc(sizeof *b->err);
        if (b->err) {
            if (why)
                *b->err = *why;
            else
                ddbxo__err(b->err, DDBXO_E_INTERNAL, NULL,
                           "record %zu: %s without a reason", i,
                           ddbxo_outcome_name(outcome));
            if (outcome == DDBXO_FAILED_RETRYABLE)
                b->err->retryable = 1;
            else if (outcome == DDBXO_FAILED_PERMANENT)
                b->err->retryable = 0;
        }
    } else {
        free(b->err);
        b->err = NULL;
    }
}

int ddbxo__batch_result_outcome_of(const ddbxo_batch_result *r, size_t i)
{
    return (r && i < r->n) ? r->r[i].outcome : 0;
}

/* seq: the record's SequenceNumber as sent; anything that is not a valid
 * sequence number is stored as "" (reported as the batch's lowest). */
void ddbxo__batch_result_set_seq(ddbxo_batch_result *r, size_t i,
                                 const char *seq)
{
    if (!r || i >= r->n)
        return;
    if (!seq || !ddbxo_seq_valid(seq)) {
        r->r[i].seq[0] = '\0';
        return;
    }
    ddbxo__strlcpy(r->r[i].seq, seq, sizeof r->r[i].seq);
    if (!r->lowest[0] || ddbxo_seq_compare(seq, r->lowest) < 0)
        ddbxo__strlcpy(r->lowest, seq, sizeof r->lowest);
}

/* The itemIdentifier of record i: its own seq, else the lowest seq of the
 * batch (the ESM then resumes at the start: everything after is replayed
 * and refused as DUPLICATE where it was applied), else "" (Lambda treats
 * it as a failure of the whole batch).  Digits only: no JSON escaping. */
DDBXO_API const char *ddbxo_batch_result_seq(const ddbxo_batch_result *r,
                                          size_t i)
{
    if (!r || i >= r->n)
        return "";
    return r->r[i].seq[0] ? r->r[i].seq : r->lowest;
}

static void put_failures(ddbxo__buf *b, const ddbxo_batch_result *r)
{
    int first = 1;
    ddbxo__buf_puts(b, "\"batchItemFailures\":[");
    for (size_t i = 0; i < r->n; i++) {
        if (!ddbxo_outcome_failed(r->r[i].outcome))
            continue;
        ddbxo__buf_printf(b, "%s{\"itemIdentifier\":\"%s\"}",
                          first ? "" : ",", ddbxo_batch_result_seq(r, i));
        first = 0;
    }
    ddbxo__buf_putc(b, ']');
}

static char *take_cstr(ddbxo__buf *b, size_t *len)
{
    *len = 0;
    return (char *)ddbxo__buf_take(b, len);
}

/* Tallies the outcomes and renders the response and the summary.  A
 * record still undecided here is a bug upstream; it is reported as
 * FAILED_RETRYABLE so that nothing is acknowledged that was not done. */
int ddbxo__batch_result_finish(ddbxo_batch_result *r, ddbxo_error *err)
{
    memset(r->tally, 0, sizeof r->tally);
    r->failed = 0;
    for (size_t i = 0; i < r->n; i++) {
        int oc = r->r[i].outcome;
        if (oc <= 0 || oc >= DDBXO_OUTCOME_END) {
            ddbxo_error e;
            ddbxo__err(&e, DDBXO_E_INTERNAL, NULL,
                       "record %zu: no outcome was decided", i);
            ddbxo__batch_result_set(r, i, DDBXO_FAILED_RETRYABLE, &e);
            oc = DDBXO_FAILED_RETRYABLE;
        }
        r->tally[oc]++;
        if (ddbxo_outcome_failed(oc))
            r->failed++;
    }

    ddbxo__buf b;
    ddbxo__buf_init(&b);
    ddbxo__buf_putc(&b, '{');
    put_failures(&b, r);
    ddbxo__buf_putc(&b, '}');
    free(r->response);
    r->response = take_cstr(&b, &r->response_len);

    ddbxo__buf_init(&b);
    ddbxo__buf_printf(&b,
                      "{\"records\":%zu,\"applied\":%zu,\"duplicate\":%zu,"
                      "\"stale\":%zu,\"superseded\":%zu,\"coalesced\":%zu,"
                      "\"filtered\":%zu,\"parked\":%zu,\"failed\":%zu,",
                      r->n, r->tally[DDBXO_APPLIED], r->tally[DDBXO_DUPLICATE],
                      r->tally[DDBXO_STALE], r->tally[DDBXO_SUPERSEDED],
                      r->tally[DDBXO_COALESCED], r->tally[DDBXO_FILTERED],
                      r->tally[DDBXO_PARKED], r->failed);
    put_failures(&b, r);
    ddbxo__buf_putc(&b, '}');
    free(r->summary);
    r->summary = take_cstr(&b, &r->summary_len);

    if (!r->response || !r->summary)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                          "batch result: out of memory");
    return 0;
}

DDBXO_API void ddbxo_batch_result_free(ddbxo_batch_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->r[i].err);
    free(r->r);
    free(r->response);
    free(r->summary);
    free(r);
}

DDBXO_API size_t ddbxo_batch_result_count(const ddbxo_batch_result *r)
{
    return r ? r->n : 0;
}

DDBXO_API int ddbxo_batch_result_outcome(const ddbxo_batch_result *r,
                                         size_t i)
{
    return ddbxo__batch_result_outcome_of(r, i);
}

DDBXO_API const ddbxo_error *ddbxo_batch_result_error(
    const ddbxo_batch_result *r, size_t i)
{
    return (r && i < r->n) ? r->r[i].err : NULL;
}

DDBXO_API size_t ddbxo_batch_result_tally(const ddbxo_batch_result *r,
                                          int outcome)
{
    if (!r || outcome <= 0 || outcome >= DDBXO_OUTCOME_END)
        return 0;
    return r->tally[outcome];
}

DDBXO_API size_t ddbxo_batch_result_failed(const ddbxo_batch_result *r)
{
    return r ? r->failed : 0;
}

DDBXO_API const char *ddbxo_batch_result_response(
    const ddbxo_batch_result *r, size_t *len)
{
    if (len)
        *len = (r && r->response) ? r->response_len : 0;
    return r ? r->response : NULL;
}

DDBXO_API const char *ddbxo_batch_result_summary(const ddbxo_batch_result *r,
                                                 size_t *len)
{
    if (len)
        *len = (r && r->summary) ? r->summary_len : 0;
    return r ? r->summary : NULL;
}

void ddbxo__batch_result_add_capacity(ddbxo_batch_result *r, double units)
{
    if (r && units > 0)
        r->capacity += units;
}

double ddbxo__batch_result_capacity(const ddbxo_batch_result *r)
{
    return r ? r->capacity : 0;
}
