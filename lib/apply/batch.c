/* The batch engine (docs/design.md §5): applies every record of an event, items
 * concurrently on the applier's curl multi, each item's records in
 * stream order, an item stopping at its first failure, and no new work at
 * or after the deadline.
 *
 * Shape: records are grouped by source item (canonical Keys + source ARN,
 * hashed).  A slot is one item in progress: it owns at most one plan that
 * is pending (coalescing) or in flight.  At most a->max_inflight slots are
 * busy; a slot that finishes its item takes the next waiting item from the
 * done callback, so the multi never idles while work waits.
 *
 * Coalescing (replicate): the records of an item are prepared in order;
 * each sendable record replaces the pending one, which becomes *covered*.
 * Covered records take COALESCED when the step that covers them ends
 * APPLIED, its outcome when it ends DUPLICATE / STALE / SUPERSEDED (a
 * replay: the covered effect was there already); otherwise they fail with it
 * (a record FILTERED inside the run stands unless a failed record
 * precedes it).
 * A record that fails before sending ends the run: the pending step is
 * sent first (the failed record is *held*), then the held record fails or
 * parks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/apply.h"
#include "util/buf.h"
#include "service/client.h"
#include "service/ddb.h"
#include "util/clock.h"
#include "util/error.h"
#include "transport/http.h"
#include "stream/record.h"
#include "value/value.h"

#include "apply/batch_result.h"
#include "value/canon.h"

#define NONE SIZE_MAX

typedef struct beng beng;

/* A record of the coalescing run before the sent one: covered by it
 * (oc 0), or decided without a write (oc FILTERED), which stands only if
 * nothing before it in the item fails. */
typedef struct bcov {
    size_t idx;
    int oc;
    char key[DDBXO_DEDUP_KEY_BUFSIZE];   /* its dedup key, for a park */
} bcov;

typedef struct bslot {
    beng *e;
    int busy;
    size_t cur;                  /* next record of the item to look at */
    ddbxo__plan plan;            /* pending or in flight when has_plan */
    int has_plan;
    int sends;                   /* of the plan: first send + resends */
    size_t plan_idx;
    bcov *cov;                   /* records covered by plan (coalescing) */
    size_t ncov, capcov;
    size_t held_idx;             /* a failed record waiting for the flush */
    int held_oc;
    ddbxo_error held_err;
    char held_key[DDBXO_DEDUP_KEY_BUFSIZE];
    ddbxo__ddb_req *req;         /* in flight */
} bslot;

struct beng {
    ddbxo_applier *a;
    const ddbxo_event *ev;
    ddbxo_apply_options opt;
    int64_t deadline_ms;         /* 0 = none */
    ddbxo_batch_result *res;
    size_t n;
    size_t *next;                /* next record of the same item, or NONE */
    size_t *heads;               /* first record of each item, event order */
    size_t nitems, next_item;
    bslot *slots;
    size_t nslots;
    int fatal;                   /* the multi failed: start nothing more */
    ddbxo_error fatal_err;
};

/* ------------------------------------------------------------------ */
/* small helpers                                                        */
/* ------------------------------------------------------------------ */

/* Wall clock in epoch ms; the transport's hook when a test set one, so
 * the engine and the transport agree about the deadline. */
static int64_t now_ms(const beng *e)
{
    const ddbxo__http_env *env =
        ddbxo__http_env_of(ddbxo__client_http(e->a->client));
    if (env && env->cfg.hooks.wall_ms)
        return env->cfg.hooks.wall_ms(env->cfg.hooks.ctx);
    return ddbxo__wall_ms();
}

static int past_deadline(const beng *e)
{
    return e->deadline_ms > 0 && now_ms(e) >= e->deadline_ms;
}

static const ddbxo_record *rec_at(const beng *e, size_t i)
{
    return ddbxo_event_record(e->ev, i);
}

static const char *seq_at(const beng *e, size_t i)
{
    const ddbxo_record *r = rec_at(e, i);
    return r ? ddbxo_record_sequence_number(r) : "";
}

/* Fails record i and every later record of its item, none of them tried. */
static void fail_chain(beng *e, size_t i, const ddbxo_error *why)
{
    for (; i != NONE; i = e->next[i])
        ddbxo__batch_result_set(e->res, i, DDBXO_FAILED_RETRYABLE, why);
}

/* Why the rest of an item is not attempted after record `failed`. */
static void stop_err(beng *e, size_t failed, ddbxo_error *why)
{
    ddbxo__err(why, DDBXO_E_INVALID, NULL,
               "not attempted: an earlier record of the same item failed "
               "(seq %s)", seq_at(e, failed));
    why->retryable = 1;
}

/* Why nothing more starts: the deadline, or a failed transport. */
static void halt_err(beng *e, ddbxo_error *why)
{
    if (e->fatal) {
        ddbxo__err(why, e->fatal_err.code, NULL,
                   "not attempted: the transport failed: %s",
                   e->fatal_err.message);
    } else {
        ddbxo__err(why, DDBXO_E_TIMEOUT, NULL, "not attempted: deadline");
    }
    why->retryable = 1;
}

static int cov_push(bslot *s, size_t i, int oc, const char *key)
{
    if (s->ncov == s->capcov) {
        size_t cap = s->capcov ? s->capcov * 2 : 8;
        bcov *p = realloc(s->cov, cap * sizeof *p);
        if (!p)
            return -1;
        s->cov = p;
        s->capcov = cap;
    }
    s->cov[s->ncov].idx = i;
    s->cov[s->ncov].oc = oc;
    ddbxo__strlcpy(s->cov[s->ncov].key, key, sizeof s->cov[s->ncov].key);
    s->ncov++;
    return 0;
}

static void slot_free_item(bslot *s)
{
    if (s->has_plan)
        ddbxo__plan_clear(&s->plan);
    s->has_plan = 0;
    s->ncov = 0;
    s->held_idx = NONE;
    s->cur = NONE;
    s->busy = 0;
}

/* Stops the item: the held record (if any) and the rest from s->cur are
 * failed with why, and the slot is freed. */
static void stop_item(bslot *s, const ddbxo_error *why)
{
    beng *e = s->e;
    if (s->held_idx != NONE)
        ddbxo__batch_result_set(e->res, s->held_idx, DDBXO_FAILED_RETRYABLE,
                                why);
    fail_chain(e, s->cur, why);
    slot_free_item(s);
}

/* A record that failed for good: parks it when a park queue is set.
 * Returns the final outcome (PARKED or the failure). */
static int park_or_fail(beng *e, size_t i, int oc, const ddbxo_error *why,
                        const char *dedup_key)
{
    ddbxo_applier *a = e->a;
    if (oc == DDBXO_FAILED_PERMANENT && a->park_queue_url) {
        ddbxo_error perr;
        ddbxo_error_clear(&perr);
        const json_t *raw = ddbxo__event_raw(e->ev, i);
        if (raw &&
            ddbxo__park(a, raw, dedup_key && dedup_key[0] ? dedup_key : NULL,
                        why, e->deadline_ms, &perr) == 0) {
            ddbxo__batch_result_set(e->res, i, DDBXO_PARKED, why);
            return DDBXO_PARKED;
        }
        /* The record stays failed with its own reason; the park failure
         * goes to the log (it names no payload). */
        ddbxo__client_log(a->client, DDBXO_LOG_WARN,
                          "batch: record %zu (seq %s) could not be parked: "
                          "%s", i, seq_at(e, i),
                          raw ? perr.message : "no record JSON");
    }
    ddbxo__batch_result_set(e->res, i, oc, why);
    return oc;
}

/* ------------------------------------------------------------------ */
/* steps                                                                */
/* ------------------------------------------------------------------ */

static void on_done(void *ctx, ddbxo__http_multi *m, ddbxo__http_req *hreq,
                    ddbxo__http_resp *hresp, int rc, const ddbxo_error *herr);

/* The pending / in-flight step ended with outcome oc (why for failures).
 * Settles the sent record and the records it covers.  Returns 1 when the
 * item goes on, 0 when it stopped (the slot is then free). */
static int step_done(bslot *s, int oc, const ddbxo_error *why)
{
    beng *e = s->e;
    size_t sent = s->plan_idx;
    int failed = ddbxo_outcome_failed(oc);

    if (!failed) {
        /* Covered records are COALESCED when their step wrote now; when
         * it was refused (a replay: DUPLICATE, STALE, SUPERSEDED) their
         * effect was in the target already, and they share the refusal. */
        int cov_oc = oc == DDBXO_APPLIED ? DDBXO_COALESCED : oc;
        ddbxo__batch_result_set(e->res, sent, oc, NULL);
        for (size_t k = 0; k < s->ncov; k++)
            ddbxo__batch_result_set(e->res, s->cov[k].idx,
                                    s->cov[k].oc ? s->cov[k].oc : cov_oc,
                                    NULL);
        ddbxo__plan_clear(&s->plan);
        s->has_plan = 0;
        s->ncov = 0;
        return 1;
    }

    /* Never report success for a record that was not applied: the
     * covered records share the failure of the step that held them.  A
     * permanent failure parks each of them (as ddbxo_transact_apply
     * parks a record alone), and the item goes on when all are parked. */
    size_t first_failed = NONE;
    for (size_t k = 0; k <= s->ncov; k++) {
        if (k < s->ncov && s->cov[k].oc)
            continue;
        size_t i = k < s->ncov ? s->cov[k].idx : sent;
        const char *key = k < s->ncov ? s->cov[k].key : s->plan.dedup_key;
        if (park_or_fail(e, i, oc, why, key) != DDBXO_PARKED &&
            first_failed == NONE)
            first_failed = i;
    }
    ddbxo_error stop;
    if (first_failed != NONE)
        stop_err(e, first_failed, &stop);
    /* A filtered record after the first failure is not done either. */
    for (size_t k = 0; k < s->ncov; k++) {
        if (!s->cov[k].oc)
            continue;
        if (first_failed != NONE && s->cov[k].idx > first_failed)
            ddbxo__batch_result_set(e->res, s->cov[k].idx,
                                    DDBXO_FAILED_RETRYABLE, &stop);
        else
            ddbxo__batch_result_set(e->res, s->cov[k].idx, s->cov[k].oc,
                                    NULL);
    }
    ddbxo__plan_clear(&s->plan);
    s->has_plan = 0;
    s->ncov = 0;
    if (first_failed == NONE)
        return 1;
    stop_item(s, &stop);
    return 0;
}

/* Starts the step for s->plan (request built).  Returns 1 when it is in
 * flight, 0 when it was settled here as failed (the item then stopped). */
static int submit(bslot *s)
{
    beng *e = s->e;
    ddbxo_error err;
    ddbxo_error_clear(&err);

    if (past_deadline(e) || e->fatal) {
        halt_err(e, &err);
        step_done(s, DDBXO_FAILED_RETRYABLE, &err);
        return 0;
    }
    s->req = ddbxo__ddb_req_new_splice(e->a->client, DDBXO_SERVICE_DYNAMODB,
                                       s->plan.op, s->plan.body,
                                       s->plan.splices, s->plan.nsplices,
                                       e->deadline_ms, &err);
    if (!s->req) {
        step_done(s, err.code == DDBXO_E_NOMEM ? DDBXO_FAILED_RETRYABLE
                                               : DDBXO_FAILED_PERMANENT,
                  &err);
        return 0;
    }
    if (ddbxo__http_multi_submit(e->a->multi, &s->req->http, &s->req->resp,
                                 on_done, s, &err) != 0) {
        ddbxo__ddb_req_free(s->req);
        s->req = NULL;
        step_done(s, DDBXO_FAILED_RETRYABLE, &err);
        return 0;
    }
    s->sends++;
    return 1;
}

/* Takes record i through prepare and request into *q.  Returns 0 when it
 * is sendable, else its decided outcome (q->err says why). */
static int prepare(beng *e, size_t i, ddbxo__plan *q)
{
    ddbxo__plan_init(q, e->a, rec_at(e, i), &e->opt);
    int oc = ddbxo__plan_prepare(q);
    if (oc == 0)
        oc = ddbxo__plan_request(q);
    return oc;
}

/* A record decided before sending (oc != 0).  Returns 1 when the item
 * goes on (s->cur already moved past i), 0 when it stopped. */
static int decided(bslot *s, size_t i, int oc, const ddbxo_error *why,
                   const char *dedup_key)
{
    beng *e = s->e;
    if (ddbxo_outcome_failed(oc))
        oc = park_or_fail(e, i, oc, why, dedup_key);
    else
        ddbxo__batch_result_set(e->res, i, oc, why);
    if (!ddbxo_outcome_failed(oc))
        return 1;
    ddbxo_error stop;
    stop_err(e, i, &stop);
    stop_item(s, &stop);
    return 0;
}

/* Moves item s forward until a step is in flight or the item is done. */
static void advance(bslot *s)
{
    beng *e = s->e;
    for (;;) {
        if (s->held_idx == NONE && s->cur == NONE && !s->has_plan) {
            slot_free_item(s);
            return;
        }
        if (past_deadline(e) || e->fatal) {
            ddbxo_error why;
            halt_err(e, &why);
            if (s->has_plan) {
                for (size_t k = 0; k < s->ncov; k++)
                    ddbxo__batch_result_set(e->res, s->cov[k].idx,
                                            DDBXO_FAILED_RETRYABLE, &why);
                ddbxo__batch_result_set(e->res, s->plan_idx,
                                        DDBXO_FAILED_RETRYABLE, &why);
            }
            stop_item(s, &why);
            return;
        }

        /* A held failure comes after the flushed step. */
        if (s->held_idx != NONE && !s->has_plan) {
            size_t i = s->held_idx;
            s->held_idx = NONE;
            if (!decided(s, i, s->held_oc, &s->held_err, s->held_key))
                return;
            continue;
        }

        size_t i = s->cur;
        if (i == NONE || s->held_idx != NONE) {
            /* End of the item or of a coalescing run: flush. */
            if (submit(s) || !s->busy)
                return;
            continue;
        }

        ddbxo__plan q;
        int oc = prepare(e, i, &q);
        s->cur = e->next[i];
        if (oc == 0) {
            if (s->has_plan) {
                /* The pending record is covered by this later one. */
                if (cov_push(s, s->plan_idx, 0, s->plan.dedup_key) != 0) {
                    /* Cannot track it: send the pending step as it is
                     * and come back for i. */
                    ddbxo__plan_clear(&q);
                    s->cur = i;
                    if (submit(s) || !s->busy)
                        return;
                    continue;
                }
                ddbxo__plan_clear(&s->plan);
            }
            s->plan = q;
            s->plan_idx = i;
            s->has_plan = 1;
            s->sends = 0;
            if (!e->a->coalesce) {
                if (submit(s) || !s->busy)
                    return;
            }
            continue;
        }
        if (ddbxo_outcome_failed(oc) && s->has_plan) {
            /* Ends the coalescing run: flush the pending step first. */
            s->held_idx = i;
            s->held_oc = oc;
            s->held_err = q.err;
            ddbxo__strlcpy(s->held_key, q.dedup_key, sizeof s->held_key);
            ddbxo__plan_clear(&q);
            continue;
        }
        if (!ddbxo_outcome_failed(oc) && s->has_plan &&
            cov_push(s, i, oc, q.dedup_key) == 0) {
            /* Filtered inside a run: it stands with the step. */
            ddbxo__plan_clear(&q);
            continue;
        }
        int go = decided(s, i, oc, &q.err, q.dedup_key);
        ddbxo__plan_clear(&q);
        if (!go)
            return;
    }
}

static void start_items(beng *e)
{
    for (size_t k = 0; k < e->nslots && e->next_item < e->nitems; k++) {
        bslot *s = &e->slots[k];
        if (s->busy)
            continue;
        s->busy = 1;
        s->cur = e->heads[e->next_item++];
        s->held_idx = NONE;
        s->has_plan = 0;
        s->ncov = 0;
        advance(s);
        if (!s->busy)
            k--;    /* done at once (filtered, failed): reuse the slot */
    }
}

/* A step's answer arrived (on the thread inside ddbxo__http_multi_run). */
/* Units in a ConsumedCapacity answer: one object, or one per table of a
 * transaction. */
static double reported_units(const json_t *cc)
{
    double sum = 0;
    size_t i;
    json_t *x;
    if (json_is_object(cc))
        return json_number_value(json_object_get(cc, "CapacityUnits"));
    json_array_foreach(cc, i, x)
        sum += json_number_value(json_object_get(x, "CapacityUnits"));
    return sum;
}

/* What a sent step consumed (see ddbxo__batch_result_capacity): the
 * answer's figure when the write went through; DynamoDB's documented
 * charge when its condition refused it. */
static void count_capacity(beng *e, const ddbxo__plan *p, int frc, int oc,
                           const json_t *answer)
{
    double units = 0;
    if (frc == 0) {
        units = reported_units(json_object_get(answer, "ConsumedCapacity"));
    } else if (oc == DDBXO_DUPLICATE || oc == DDBXO_STALE ||
               oc == DDBXO_SUPERSEDED) {
        for (size_t i = 0; i < p->writes.n; i++) {
            size_t kb = (p->writes.w[i].bytes + 1023) / 1024;
            units += kb ? (double)kb : 1.0;
        }
        if (strcmp(p->op, "TransactWriteItems") == 0)
            units *= 2;
    }
    ddbxo__batch_result_add_capacity(e->res, units);
}

static void on_done(void *ctx, ddbxo__http_multi *m, ddbxo__http_req *hreq,
                    ddbxo__http_resp *hresp, int rc, const ddbxo_error *herr)
{
    (void)m; (void)hreq; (void)hresp;
    bslot *s = ctx;
    beng *e = s->e;
    ddbxo_error err;
    ddbxo__aws_error detail;
    int resend = 0;

    ddbxo_error_clear(&err);
    ddbxo__aws_error_init(&detail);
    json_t *answer = NULL;
    int counting = e->a->count_capacity;
    int frc = ddbxo__ddb_req_finish(s->req, rc, herr,
                                    counting ? &answer : NULL, &detail, &err);
    ddbxo__ddb_req_free(s->req);
    s->req = NULL;
    int oc = ddbxo__plan_classify(&s->plan, frc, frc ? &err : NULL,
                                  frc ? &detail : NULL, &resend);
    ddbxo__aws_error_clear(&detail);
    if (counting)
        count_capacity(e, &s->plan, frc, oc, answer);
    json_decref(answer);

    /* Resent at once: a multi has no place for a pause, and the other
     * items keep the connection busy meanwhile. */
    if (resend && s->sends <= DDBXO__PLAN_MAX_RESENDS) {
        if (!submit(s) && s->busy)
            advance(s);
    } else {
        if (resend) {
            /* classify asked for more resends than a plan gets. */
            oc = DDBXO_FAILED_RETRYABLE;
        }
        if (step_done(s, oc, &s->plan.err))
            advance(s);
    }
    start_items(e);
}

/* ------------------------------------------------------------------ */
/* the batch                                                            */
/* ------------------------------------------------------------------ */

/* The SequenceNumber a record that did not parse carried, if any. */
static const char *raw_seq(const ddbxo_event *ev, size_t i)
{
    const json_t *raw = ddbxo__event_raw(ev, i);
    const json_t *d = json_is_object(raw) ? json_object_get(raw, "dynamodb")
                                          : NULL;
    const char *s = json_is_object(d)
                        ? json_string_value(json_object_get(d, "SequenceNumber"))
                        : NULL;
    return s && ddbxo_seq_valid(s) ? s : NULL;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Groups the parsed records by source item: (eventSourceARN, canonical
 * Keys) in a hash table, so a 10,000-record batch stays linear.  Items
 * keep event order, and so do the records of each item.  A record whose
 * Keys cannot be encoded fails here on its own.  -1 only on no memory. */
static int group(beng *e, ddbxo_error *err)
{
    size_t n = e->n, cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    size_t *off = malloc((n ? n : 1) * sizeof *off);
    size_t *klen = malloc((n ? n : 1) * sizeof *klen);
    size_t *tails = malloc((n ? n : 1) * sizeof *tails);
    size_t *tab = calloc(cap, sizeof *tab);    /* item + 1; 0 = empty */
    ddbxo__buf kb;
    int rc = -1;
    ddbxo__buf_init(&kb);
    if (!off || !klen || !tails || !tab)
        goto out;

    for (size_t i = 0; i < n; i++) {
        const ddbxo_record *r = rec_at(e, i);
        e->next[i] = NONE;
        if (!r)
            continue;
        const char *arn = ddbxo_record_event_source_arn(r);
        size_t alen = arn ? strlen(arn) : 0;
        ddbxo_error kerr;
        off[i] = kb.len;
        ddbxo__buf_put_u32be(&kb, (uint32_t)alen);
        ddbxo__buf_put(&kb, arn ? arn : "", alen);
        if (ddbxo__canon_item_doc(&kb, r->keys.doc, r->keys.node, &kerr) != 0) {
            if (kerr.code == DDBXO_E_NOMEM || kb.oom)
                goto out;
            kb.len = off[i];
            ddbxo__batch_result_set(e->res, i, DDBXO_FAILED_PERMANENT, &kerr);
            continue;
        }
        if (kb.oom)
            goto out;
        klen[i] = kb.len - off[i];

        uint64_t h = fnv1a(kb.p + off[i], klen[i]);
        size_t at = (size_t)h & (cap - 1);
        for (;;) {
            size_t it = tab[at];
            if (it == 0) {
                tab[at] = e->nitems + 1;
                e->heads[e->nitems] = tails[e->nitems] = i;
                e->nitems++;
                break;
            }
            size_t head = e->heads[it - 1];
            if (klen[head] == klen[i] &&
                memcmp(kb.p + off[head], kb.p + off[i], klen[i]) == 0) {
                e->next[tails[it - 1]] = i;
                tails[it - 1] = i;
                break;
            }
            at = (at + 1) & (cap - 1);
        }
    }
    rc = 0;
out:
    if (rc != 0)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                   "batch: out of memory grouping %zu records", n);
    ddbxo__buf_free(&kb);
    free(off);
    free(klen);
    free(tails);
    free(tab);
    return rc;
}

/* Records that did not parse: failed for good (or parked), by position. */
static void settle_unparsed(beng *e)
{
    for (size_t i = 0; i < e->n; i++) {
        if (rec_at(e, i))
            continue;
        const ddbxo_error *perr = ddbxo_event_error(e->ev, i);
        ddbxo_error why;
        if (perr)
            why = *perr;
        else
            ddbxo__err(&why, DDBXO_E_INVALID, NULL,
                       "record %zu did not parse", i);
        if (past_deadline(e))   /* no new work: not even a park */
            ddbxo__batch_result_set(e->res, i, DDBXO_FAILED_PERMANENT, &why);
        else
            park_or_fail(e, i, DDBXO_FAILED_PERMANENT, &why, NULL);
    }
}

static void run(beng *e)
{
    ddbxo__http_multi *m = e->a->multi;
    start_items(e);
    while (ddbxo__http_multi_pending(m) > 0) {
        ddbxo_error merr;
        ddbxo_error_clear(&merr);
        if (ddbxo__http_multi_run(m, e->deadline_ms, &merr) != 0 &&
            !e->fatal) {
            e->fatal = 1;
            e->fatal_err = merr;
        }
        start_items(e);
    }
}

/* One WARN line per failed record: position, seq, outcome, reason.  The
 * reasons name attributes and paths, never values. */
static void log_failures(beng *e)
{
    ddbxo_client *c = e->a->client;
    if (!ddbxo__client_log_on(c, DDBXO_LOG_WARN))
        return;
    for (size_t i = 0; i < e->n; i++) {
        int oc = ddbxo_batch_result_outcome(e->res, i);
        if (!ddbxo_outcome_failed(oc))
            continue;
        const ddbxo_error *why = ddbxo_batch_result_error(e->res, i);
        ddbxo__client_log(c, DDBXO_LOG_WARN,
                          "batch: record %zu seq %s: %s: %s", i,
                          ddbxo_batch_result_seq(e->res, i),
                          ddbxo_outcome_name(oc),
                          why ? why->message : "(no reason)");
    }
}

DDBXO_API ddbxo_batch_result *ddbxo_process_batch(
    ddbxo_applier *a, const ddbxo_event *ev, const ddbxo_apply_options *opt,
    ddbxo_error *err)
{
    if (!a || !ev || !a->client) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL,
                   "ddbxo_process_batch: applier and event are required");
        return NULL;
    }
    beng e;
    ddbxo__applier_new_call(a);
    memset(&e, 0, sizeof e);
    e.a = a;
    e.ev = ev;
    if (opt)
        e.opt = *opt;
    e.deadline_ms = e.opt.deadline_ms > 0 ? e.opt.deadline_ms : 0;
    e.n = ddbxo_event_count(ev);

    e.res = ddbxo__batch_result_new(e.n, err);
    if (!e.res)
        return NULL;
    for (size_t i = 0; i < e.n; i++) {
        const ddbxo_record *r = rec_at(&e, i);
        ddbxo__batch_result_set_seq(
            e.res, i, r ? ddbxo_record_sequence_number(r) : raw_seq(ev, i));
    }

    size_t cnt = e.n ? e.n : 1;
    e.next = malloc(cnt * sizeof *e.next);
    e.heads = malloc(cnt * sizeof *e.heads);
    if (!e.next || !e.heads) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "batch: out of memory");
        goto fail;
    }
    if (group(&e, err) != 0)
        goto fail;

    if (e.nitems > 0 && !a->multi) {
        int width = a->max_inflight > 0 ? a->max_inflight : 1;
        a->multi = ddbxo__http_multi_new(ddbxo__client_http(a->client),
                                         width, err);
        if (!a->multi)
            goto fail;
    }
    e.nslots = (size_t)(a->max_inflight > 0 ? a->max_inflight : 1);
    /* Every tracker-mode transaction updates the shard's one tracker item:
     * sent side by side they only cancel each other (TransactionConflict),
     * so tracker mode applies one record at a time. */
    if (a->mode == DDBXO_MODE_TRACKER)
        e.nslots = 1;
    if (e.nslots > e.nitems)
        e.nslots = e.nitems;
    if (e.nslots) {
        e.slots = calloc(e.nslots, sizeof *e.slots);
        if (!e.slots) {
            ddbxo__err(err, DDBXO_E_NOMEM, NULL, "batch: out of memory");
            goto fail;
        }
    }
    for (size_t k = 0; k < e.nslots; k++) {
        e.slots[k].e = &e;
        e.slots[k].cur = e.slots[k].held_idx = NONE;
    }

    settle_unparsed(&e);
    if (e.nitems > 0)
        run(&e);

    if (ddbxo__batch_result_finish(e.res, err) != 0)
        goto fail;
    log_failures(&e);
    for (size_t k = 0; k < e.nslots; k++)
        free(e.slots[k].cov);
    free(e.slots);
    free(e.next);
    free(e.heads);
    return e.res;

fail:
    for (size_t k = 0; k < e.nslots && e.slots; k++) {
        if (e.slots[k].has_plan)
            ddbxo__plan_clear(&e.slots[k].plan);
        free(e.slots[k].cov);
    }
    free(e.slots);
    free(e.next);
    free(e.heads);
    ddbxo_batch_result_free(e.res);
    return NULL;
}
