/* lib/backfill/: copying and checking a live table.  Owns backfill (this
 * file, scan, synth, pace, keymap, backfill_ckpt, batch_get) and verify
 * (verify*).  It may call every folder below it: util/, value/,
 * transport/, service/, stream/, transform/ and apply/. */

/* ddbxo backfill: copy a live table's items into the replica through the
 * same transform and guarded write as `ddbxo run` (docs/backfill.md).
 *
 * One thread per Scan segment.  Each page: consistent Scan, the items as
 * synthetic INSERT records with SequenceNumber 0 (lib/backfill/synth.c), the batch
 * engine in replicate mode -- whose guard then admits a write only where
 * the target item carries no _ddbxo_seq, i.e. where the stream consumer
 * has applied nothing yet (or, with version_attr, only over an older
 * version) -- and then the segment's checkpoint.  Records the engine
 * reports failed are tried again, alone, after a pause; the checkpoint
 * moves only past a page whose every record is settled. */
#include "backfill/backfill.h"
#include "apply/apply.h"
#include "apply/batch_result.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/error.h"

#define DEFAULT_PROGRESS_MS 5000
/* What replicate mode adds to every item: _ddbxo_seq (40 digits) and
 * _ddbxo_src (64 hex digits) with their names, _ddbxo_ver with a number. */
/* Pause before a page's failed records go again: doubles up to the max. */
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 5000

typedef struct seg {
    struct ddbxo__backfill *b;
    int idx;
    pthread_t th;
    int started;
    ddbxo_applier *ap;
    /* counters: written by the segment's thread under b->mu */
    long long items, pages, applied, duplicate, stale, filtered, retries;
    int done, resumed, already_done;
    int rc;
    ddbxo_error err;
} seg;

struct ddbxo__backfill {
    ddbxo_client *c;
    char *source, *target, *ckpt, *version;
    const ddbxo_transform *t;
    ddbxo__keyschema ks;
    ddbxo__stream_info si;
    long long item_estimate;     /* DescribeTable ItemCount (approximate) */
    int nseg, page;
    ddbxo__pace rcu, wcu;
    ddbxo__bf_progress_fn progress;
    void *progress_ctx;
    int64_t progress_ms;
    ddbxo_log_fn log;
    void *log_ctx;
    volatile int stop;
    pthread_mutex_t mu;
    seg *segs;
    int64_t start_ms, end_ms;
    char *summary;
};

static void logf_(ddbxo__backfill *b, int level, const char *fmt, ...)
    DDBXO_PRINTF(3, 4);
static void logf_(ddbxo__backfill *b, int level, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    if (!b->log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->log(b->log_ctx, level, msg);
}

ddbxo__backfill *ddbxo__backfill_new(ddbxo_client *c,
                                     const ddbxo__bf_config *cfg,
                                     ddbxo_error *err)
{
    ddbxo__backfill *b;
    ddbxo__keyschema tks;
    json_t *desc = NULL;
    if (!c || !cfg || !cfg->source_table || !cfg->target_table)
        return ddbxo__err(err, DDBXO_E_CONFIG, "source_table",
                          "backfill needs a source and a target table"), NULL;
    if (cfg->transform && ddbxo_transform_needs_ledger(cfg->transform))
        return ddbxo__err(err, DDBXO_E_CONFIG, "transform",
                          "an aggregate cannot be backfilled: no per-item guard "
                          "can tell which ADDs the stream already made.  "
                          "Backfill a replicate replica that has a "
                          "NEW_AND_OLD_IMAGES stream, then run the aggregate "
                          "on the replica's stream from trim_horizon "
                          "(docs/backfill.md)"),
               NULL;
    if (cfg->segments < 0 || cfg->segments > DDBXO_SCAN_MAX_SEGMENTS ||
        cfg->page_size < 0 || cfg->page_size > DDBXO_BACKFILL_MAX_PAGE)
        return ddbxo__err(err, DDBXO_E_CONFIG, "segments",
                          "segments must be 1..%d and the page size 1..%d",
                          DDBXO_SCAN_MAX_SEGMENTS, DDBXO_BACKFILL_MAX_PAGE),
               NULL;
    if (!(b = calloc(1, sizeof *b)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    pthread_mutex_init(&b->mu, NULL);
    b->c = c;
    b->t = cfg->transform;
    b->nseg = cfg->segments ? cfg->segments : DDBXO_BACKFILL_DEFAULT_SEGMENTS;
    b->page = cfg->page_size ? cfg->page_size : DDBXO_BACKFILL_DEFAULT_PAGE;
    b->progress = cfg->progress;
    b->progress_ctx = cfg->progress_ctx;
    b->progress_ms = cfg->progress_ms ? cfg->progress_ms : DEFAULT_PROGRESS_MS;
    b->log = cfg->log;
    b->log_ctx = cfg->log_ctx;
    ddbxo__pace_init(&b->rcu, cfg->max_rcu, 0);
    ddbxo__pace_init(&b->wcu, cfg->max_wcu, 0);
    if (!(b->source = strdup(cfg->source_table)) ||
        !(b->target = strdup(cfg->target_table)) ||
        (cfg->checkpoint_table && !(b->ckpt = strdup(cfg->checkpoint_table))) ||
        (cfg->version_attr && !(b->version = strdup(cfg->version_attr))) ||
        !(b->segs = calloc((size_t)b->nseg, sizeof *b->segs))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto fail;
    }
    if (ddbxo__table_describe(c, b->source, &b->ks, &desc, err) < 0)
        goto fail;
    b->item_estimate = json_integer_value(json_object_get(desc, "ItemCount"));
    /* A REMOVE under version_attr carries the version in its OldImage. */
    if (ddbxo__stream_check(desc, b->version != NULL, &b->si, err) < 0)
        goto fail;
    if (ddbxo__table_describe(c, b->target, &tks, NULL, err) < 0)
        goto fail;
    json_decref(desc);
    for (int i = 0; i < b->nseg; i++) {
        b->segs[i].b = b;
        b->segs[i].idx = i;
        /* An applier serves one thread: one per segment. */
        if (!(b->segs[i].ap = ddbxo__synth_applier(c, b->source, b->target,
                                                   b->version, b->t, err)))
            goto fail;
        /* Write units are what the answers report (--max-wcu). */
        b->segs[i].ap->count_capacity = 1;
    }
    return b;
fail:
    json_decref(desc);
    ddbxo__backfill_free(b);
    return NULL;
}

void ddbxo__backfill_free(ddbxo__backfill *b)
{
    if (!b)
        return;
    for (int i = 0; b->segs && i < b->nseg; i++)
        ddbxo_applier_free(b->segs[i].ap);
    free(b->segs);
    ddbxo__pace_destroy(&b->rcu);
    ddbxo__pace_destroy(&b->wcu);
    pthread_mutex_destroy(&b->mu);
    free(b->source);
    free(b->target);
    free(b->ckpt);
    free(b->version);
    free(b->summary);
    free(b);
}

const ddbxo__stream_info *ddbxo__backfill_stream(const ddbxo__backfill *b)
{
    return &b->si;
}

void ddbxo__backfill_stop(ddbxo__backfill *b)
{
    if (b)
        b->stop = 1;
}

/* Tallies a settled outcome into s (under b->mu). */
static void tally(seg *s, int outcome)
{
    switch (outcome) {
    case DDBXO_APPLIED: s->applied++; break;
    case DDBXO_DUPLICATE: s->duplicate++; break;
    case DDBXO_STALE: case DDBXO_SUPERSEDED: s->stale++; break;
    default: s->filtered++; break;     /* FILTERED, COALESCED */
    }
}

/* Applies items (a page, then its failed remainder) until every record
 * is settled or DDBXO_BACKFILL_PAGE_TRIES runs out. */
static int apply_page(seg *s, json_t *items)
{
    ddbxo__backfill *b = s->b;
    json_t *todo = json_incref(items);
    int64_t pause = RETRY_FIRST_MS;
    int tries = 0, rc = -1, permanent = 0;
    while (json_array_size(todo) > 0) {
        size_t len;
        char *text = ddbxo__synth_event(todo, &b->ks, &len, &s->err);
        ddbxo_event *ev = text ? ddbxo_parse_stream_event(text, len, &s->err)
                               : NULL;
        ddbxo_batch_result *r = NULL;
        json_t *again = json_array();
        free(text);
        if (!ev || !again)
            goto out_ev;
        if (ddbxo_event_failed_count(ev) > 0) {
            /* A scanned item the parser refuses: a bug of ours or of the
             * service; say which record, never its contents. */
            for (size_t i = 0; i < ddbxo_event_count(ev); i++)
                if (ddbxo_event_error(ev, i)) {
                    ddbxo__err_copy(&s->err, ddbxo_event_error(ev, i));
                    break;
                }
            goto out_ev;
        }
        /* Wait until what was written so far is within the rate, write,
         * then count what the answers say the page consumed.  A stop cuts
         * the wait short; the page is still applied, so the checkpoint can
         * move past it. */
        ddbxo__pace_take(&b->wcu, 0, &b->stop);
        if (!(r = ddbxo_process_batch(s->ap, ev, NULL, &s->err)))
            goto out_ev;
        ddbxo__pace_take(&b->wcu, ddbxo__batch_result_capacity(r), &b->stop);
        pthread_mutex_lock(&b->mu);
        for (size_t i = 0; i < ddbxo_batch_result_count(r); i++) {
            int o = ddbxo_batch_result_outcome(r, i);
            if (o == DDBXO_FAILED_PERMANENT && !permanent) {
                /* Trying again cannot help (a transform or an item
                 * DynamoDB refuses): stop here, the checkpoint stays
                 * before the page, as run stops a shard. */
                permanent = 1;
                ddbxo__err_copy(&s->err, ddbxo_batch_result_error(r, i));
            } else if (ddbxo_outcome_failed(o)) {
                json_array_append(again, json_array_get(todo, i));
                if (!permanent)
                    ddbxo__err_copy(&s->err, ddbxo_batch_result_error(r, i));
            } else {
                tally(s, o);
            }
        }
        if (json_array_size(again))
            s->retries += (long long)json_array_size(again);
        pthread_mutex_unlock(&b->mu);
        ddbxo_batch_result_free(r);
        ddbxo_event_free(ev);
        json_decref(todo);
        todo = again;
        if (permanent) {
            logf_(b, DDBXO_LOG_ERROR, "segment %d: an item cannot be "
                  "written: %s%s%s", s->idx, s->err.path,
                  s->err.path[0] ? ": " : "", s->err.message);
            goto out;
        }
        if (json_array_size(todo) == 0)
            break;
        if (++tries >= DDBXO_BACKFILL_PAGE_TRIES) {
            logf_(b, DDBXO_LOG_ERROR, "segment %d: %zu record(s) still fail "
                  "after %d tries: %s", s->idx, json_array_size(todo), tries,
                  s->err.message);
            goto out;
        }
        ddbxo__nap_stoppable(pause, NULL);
        pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
        continue;
out_ev:
        ddbxo_batch_result_free(r);
        ddbxo_event_free(ev);
        json_decref(again);
        goto out;
    }
    rc = 0;
out:
    json_decref(todo);
    return rc;
}

/* One Scan page of the segment.  A failure worth another try (the
 * transport already spent its retries on a throttle or a dropped answer)
 * goes again after a pause, as a page's failed writes do, up to
 * DDBXO_BACKFILL_PAGE_TRIES; a stop ends the wait. */
static int scan_page(seg *s, const ddbxo__bf_ckpt *ck, json_t **resp,
                     double *rcu)
{
    ddbxo__backfill *b = s->b;
    int64_t pause = RETRY_FIRST_MS;
    for (int tries = 1;; tries++) {
        if (ddbxo__scan_page(b->c, b->source, s->idx, b->nseg, ck->start_key,
                             b->page, resp, rcu, &s->err) == 0)
            return 0;
        if (!s->err.retryable || tries >= DDBXO_BACKFILL_PAGE_TRIES ||
            ddbxo__nap_stoppable(pause, &b->stop))
            return -1;
        pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
    }
}

static int run_segment(seg *s)
{
    ddbxo__backfill *b = s->b;
    ddbxo__bf_ckpt ck;
    memset(&ck, 0, sizeof ck);
    if (b->ckpt && ddbxo__bf_ckpt_read(b->c, b->ckpt, b->source, b->target,
                                       s->idx, b->nseg, &ck, &s->err) < 0)
        return -1;
    s->already_done = ck.done;
    s->resumed = !ck.done && (ck.start_key != NULL);
    while (!ck.done && !b->stop) {
        json_t *resp = NULL, *items, *lek;
        double rcu = 0;
        if (scan_page(s, &ck, &resp, &rcu) < 0)
            goto fail;
        ddbxo__pace_take(&b->rcu, rcu, &b->stop);
        items = json_object_get(resp, "Items");
        if (json_array_size(items) && apply_page(s, items) < 0) {
            json_decref(resp);
            goto fail;
        }
        lek = json_object_get(resp, "LastEvaluatedKey");
        json_decref(ck.start_key);
        ck.start_key = lek ? json_incref(lek) : NULL;
        ck.done = lek == NULL;
        ck.items += (long long)json_array_size(items);
        ck.pages++;
        pthread_mutex_lock(&b->mu);
        s->items += (long long)json_array_size(items);
        s->pages++;
        pthread_mutex_unlock(&b->mu);
        json_decref(resp);
        if (b->ckpt && ddbxo__bf_ckpt_write(b->c, b->ckpt, b->source,
                                            b->target, s->idx, b->nseg, &ck,
                                            &s->err) < 0)
            goto fail;
    }
    s->done = ck.done;
    ddbxo__bf_ckpt_clear(&ck);
    return 0;
fail:
    ddbxo__bf_ckpt_clear(&ck);
    return -1;
}

static void *segment_main(void *arg)
{
    seg *s = arg;
    s->rc = run_segment(s);
    pthread_mutex_lock(&s->b->mu);
    s->started = 2;              /* finished */
    pthread_mutex_unlock(&s->b->mu);
    return NULL;
}

/* Sums the counter at offset off of every segment (under b->mu). */
static long long sum_at(const ddbxo__backfill *b, size_t off)
{
    long long t = 0;
    for (int i = 0; i < b->nseg; i++)
        t += *(const long long *)(const void *)((const char *)&b->segs[i] + off);
    return t;
}
#define SUM(field) sum_at(b, offsetof(seg, field))

static json_t *counters(ddbxo__backfill *b, double secs)
{
    json_t *j, *pages = json_array();
    double rcu = ddbxo__pace_spent(&b->rcu), wcu = ddbxo__pace_spent(&b->wcu);
    long long items, resumed = 0, already = 0;
    pthread_mutex_lock(&b->mu);
    items = SUM(items);
    for (int i = 0; i < b->nseg; i++) {
        json_array_append_new(pages, json_integer(b->segs[i].pages));
        resumed += b->segs[i].resumed;
        already += b->segs[i].already_done;
    }
    j = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,"
                  "s:I,s:f,s:f,s:f,s:f,s:f,s:f}",
                  "source_table", b->source, "target_table", b->target,
                  "stream_label", b->si.label, "stream_view_type",
                  b->si.view_type, "segments", b->nseg, "segments_resumed",
                  resumed, "segments_already_done", already, "pages", pages,
                  "items", items, "applied", SUM(applied), "duplicate",
                  SUM(duplicate), "stale", SUM(stale), "filtered",
                  SUM(filtered), "retries", SUM(retries), "item_estimate",
                  b->item_estimate, "seconds", secs, "items_per_s",
                  secs > 0 ? (double)items / secs : 0.0, "rcu", rcu, "wcu",
                  wcu, "rcu_per_s", secs > 0 ? rcu / secs : 0.0, "wcu_per_s",
                  secs > 0 ? wcu / secs : 0.0);
    pthread_mutex_unlock(&b->mu);
    return j;
}

static void emit_progress(ddbxo__backfill *b)
{
    double secs = (double)(ddbxo__now_ms() - b->start_ms) / 1000.0;
    char *text = ddbxo__summary_text(counters(b, secs));
    if (text)
        b->progress(b->progress_ctx, text, strlen(text));
    free(text);
}

/* 1 when no segment thread is running (under b->mu: they set it). */
static int none_running(ddbxo__backfill *b)
{
    int running = 0;
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < b->nseg; i++)
        running += b->segs[i].started == 1;
    pthread_mutex_unlock(&b->mu);
    return running == 0;
}

int ddbxo__backfill_run(ddbxo__backfill *b, ddbxo_error *err)
{
    int64_t next_progress;
    int rc = 0;
    b->start_ms = ddbxo__now_ms();
    b->rcu.start_ms = b->wcu.start_ms = b->start_ms;
    next_progress = b->start_ms + b->progress_ms;
    logf_(b, DDBXO_LOG_INFO, "backfill %s -> %s: %d segments, stream %s "
          "(%s)", b->source, b->target, b->nseg, b->si.label,
          b->si.view_type);
    for (int i = 0; i < b->nseg; i++) {
        seg *s = &b->segs[i];
        s->started = 1;          /* before the thread exists: no race */
        if (pthread_create(&s->th, NULL, segment_main, s) != 0) {
            s->started = 0;
            b->stop = 1;
            rc = ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                            "cannot start the thread of segment %d", i);
            break;
        }
    }
    while (!none_running(b)) {
        ddbxo__sleep_ms(50);
        if (b->progress && ddbxo__now_ms() >= next_progress) {
            emit_progress(b);
            next_progress += b->progress_ms;
        }
    }
    for (int i = 0; i < b->nseg; i++) {
        if (!b->segs[i].started)
            continue;
        pthread_join(b->segs[i].th, NULL);
        if (b->segs[i].rc < 0 && rc == 0) {
            ddbxo__err_copy(err, &b->segs[i].err);
            rc = -1;
        }
    }
    b->end_ms = ddbxo__now_ms();
    return rc;
}

const char *ddbxo__backfill_summary(ddbxo__backfill *b)
{
    int64_t end = b->end_ms ? b->end_ms : ddbxo__now_ms();
    json_t *j = counters(b, b->start_ms ? (double)(end - b->start_ms) / 1000.0
                                        : 0.0);
    int done = 1;
    for (int i = 0; i < b->nseg; i++)
        done &= b->segs[i].done || b->segs[i].already_done;
    json_object_set_new(j, "complete", json_boolean(done));
    free(b->summary);
    b->summary = ddbxo__summary_text(j);
    return b->summary ? b->summary : "{}";
}
