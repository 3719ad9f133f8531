/* The runner's loop: describe the stream, start shards in lineage order
 * (taking their leases), read each with GetRecords, hand every page to
 * the batch engine, retry the failed records, checkpoint.
 *
 * One thread reads every shard this runner holds, one GetRecords at a
 * time: one reader per shard, well under the two AWS allows, and the
 * batch engine already applies a page's items concurrently. */
#include "runner/runner.h"
#include "stream/record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/ddb.h"
#include "util/clock.h"
#include "util/error.h"

/* First pause before a page's failed records are tried again; it
 * doubles up to retry_max_ms while tries settle nothing. */
#define RETRY_FIRST_MS 100
/* Longest sleep of the loop: keeps idle and stop checks responsive. */
#define MAX_NAP_MS 1000
/* Each stream call may take this long (the http layer retries inside). */
#define CALL_MS 30000

enum { PAGE_DONE = 0, PAGE_STOPPED = 1, PAGE_LEASE_LOST = 2 };

static int64_t call_deadline(void)
{
    return ddbxo__wall_ms() + CALL_MS;
}

static int is_type(const ddbxo_error *e, const char *type)
{
    return e->code == DDBXO_E_AWS && strcmp(e->aws_type, type) == 0;
}

/* ------------------------------------------------------------------ */
/* stream and shards                                                    */
/* ------------------------------------------------------------------ */

static int resolve_stream(ddbxo_runner *r, ddbxo_error *err)
{
    json_t *resp = NULL;
    const json_t *arn;

    if (r->stream_arn_cfg) {
        ddbxo__strlcpy(r->stream_arn, r->stream_arn_cfg, sizeof r->stream_arn);
        return 0;
    }
    if (ddbxo__ddb_describe_table(r->c, r->source_table, call_deadline(),
                                  &resp, err) < 0)
        return -1;
    arn = json_object_get(json_object_get(resp, "Table"), "LatestStreamArn");
    if (!json_is_string(arn) || json_string_length(arn) == 0 ||
        json_string_length(arn) >= 1000) {
        json_decref(resp);
        return ddbxo__err(err, DDBXO_E_CONFIG, "source_table",
                          "table %s has no stream (DescribeTable gives no "
                          "LatestStreamArn)", r->source_table);
    }
    ddbxo__strlcpy(r->stream_arn, json_string_value(arn), sizeof r->stream_arn);
    json_decref(resp);
    return 0;
}

static int describe(ddbxo_runner *r, ddbxo_error *err)
{
    json_t *resp = NULL;
    size_t added = 0;
    int rc;

    if (ddbxo__ddb_describe_stream_all(r->c, r->stream_arn, call_deadline(),
                                       &resp, err) < 0)
        return -1;
    rc = ddbxo__shard_tree_merge(
        &r->tree,
        json_object_get(json_object_get(resp, "StreamDescription"), "Shards"),
        &added, err);
    json_decref(resp);
    if (rc == 0 && added)
        ddbxo__runner_log(r, DDBXO_LOG_INFO,
                          "stream: %zu new shard(s), %zu in all", added,
                          r->tree.n);
    return rc;
}

static void drop_iterator(ddbxo__shard *s)
{
    free(s->iterator);
    s->iterator = NULL;
}

/* Records were lost to the 24 h retention before we read them. */
static void trimmed(ddbxo_runner *r, ddbxo__shard *s)
{
    r->trimmed_ranges++;
    ddbxo__strlcpy(s->trim_from, s->last_seq, sizeof s->trim_from);
    s->trimmed_open = 1;
    ddbxo__runner_log(r, DDBXO_LOG_ERROR,
                      "shard %s: TrimmedDataAccessException: records after "
                      "sequence number %s were trimmed from the stream before "
                      "they were read and are LOST; continuing from "
                      "TRIM_HORIZON",
                      s->id, s->last_seq[0] ? s->last_seq : "(shard start)");
    s->last_seq[0] = '\0';
    s->horizon = 1;
}

static int fetch_iterator(ddbxo_runner *r, ddbxo__shard *s, ddbxo_error *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        const char *type = "TRIM_HORIZON";
        json_t *resp = NULL;
        const json_t *it;
        char seq[DDBXO_SEQ_BUFSIZE] = "";

        if (s->last_seq[0]) {
            type = "AFTER_SEQUENCE_NUMBER";
            ddbxo__seq_unpad(s->last_seq, seq);
        } else if (r->from == DDBXO_FROM_LATEST && s->first_listing &&
                   !s->horizon) {
            type = "LATEST";
        }
        if (ddbxo__ddb_get_shard_iterator(r->c, r->stream_arn, s->id, type,
                                          seq[0] ? seq : NULL, call_deadline(),
                                          &resp, err) < 0) {
            if (attempt == 0 && s->last_seq[0] &&
                is_type(err, "TrimmedDataAccessException")) {
                trimmed(r, s);
                continue;
            }
            return -1;
        }
        it = json_object_get(resp, "ShardIterator");
        if (!json_is_string(it) || json_string_length(it) == 0 ||
            json_string_length(it) > DDBXO__ITERATOR_MAX) {
            json_decref(resp);
            return ddbxo__err(err, DDBXO_E_HTTP, "ShardIterator",
                              "GetShardIterator: shard %s: no usable "
                              "ShardIterator in the answer", s->id);
        }
        free(s->iterator);
        s->iterator = strdup(json_string_value(it));
        json_decref(resp);
        if (!s->iterator)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return 0;
    }
    return -1;
}

/* A stream or lease call failed: wait and try again, up to a limit. */
static int call_failed(ddbxo_runner *r, ddbxo__shard *s, const char *what,
                       const ddbxo_error *e, ddbxo_error *err)
{
    int64_t wait = r->poll_ms;
    s->call_failures++;
    ddbxo__runner_log(r, DDBXO_LOG_WARN, "shard %s: %s failed (%d in a row): %s",
                      s->id, what, s->call_failures, e->message);
    if (s->call_failures >= DDBXO_RUNNER_MAX_CALL_FAILURES) {
        ddbxo__err_copy(err, e);
        return -1;
    }
    for (int i = 1; i < s->call_failures && wait < r->retry_max_ms; i++)
        wait *= 2;
    if (wait > r->retry_max_ms)
        wait = r->retry_max_ms;
    s->next_poll_ms = ddbxo__now_ms() + wait;
    s->next_lease_try_ms = s->next_poll_ms;
    return 0;
}

static void release(ddbxo_runner *r, ddbxo__shard *s)
{
    ddbxo_error e;
    if (r->checkpoint_table && s->have_lease &&
        ddbxo__lease_release(&r->ckpt, s->id, &e) < 0)
        ddbxo__runner_log(r, DDBXO_LOG_WARN,
                          "shard %s: releasing the lease failed: %s", s->id,
                          e.message);
    s->have_lease = 0;
}

/* Another runner has the shard now: forget our reading position. */
static void lost_lease(ddbxo_runner *r, ddbxo__shard *s)
{
    ddbxo__runner_log(r, DDBXO_LOG_WARN,
                      "shard %s: lease taken over by another runner; "
                      "stopped reading it", s->id);
    drop_iterator(s);
    s->have_lease = 0;
    s->state = DDBXO__SHARD_PENDING;
    s->next_lease_try_ms = ddbxo__now_ms() + r->lease_ms / 3;
}

/* Writes the checkpoint (and renews the lease with it). */
static int checkpoint(ddbxo_runner *r, ddbxo__shard *s, const char *seq,
                      int done)
{
    ddbxo_error e;
    int rc;

    if (seq && seq[0])
        ddbxo__strlcpy(s->last_seq, seq, sizeof s->last_seq);
    if (!r->checkpoint_table)
        return PAGE_DONE;
    rc = ddbxo__ckpt_write(&r->ckpt, s->id, s->last_seq, done,
                           ddbxo__wall_ms(), &e);
    if (rc == 1)
        return PAGE_LEASE_LOST;
    if (rc < 0) {
        /* Not fatal: the next checkpoint carries this one; a restart in
         * between re-applies records that come back DUPLICATE. */
        ddbxo__runner_log(r, DDBXO_LOG_WARN,
                          "shard %s: checkpoint write failed: %s", s->id,
                          e.message);
        return PAGE_DONE;
    }
    s->lease_renewed_ms = ddbxo__now_ms();
    return PAGE_DONE;
}

/* Renews our lease when a third of it has passed.  0 ok, 1 lost. */
static int renew(ddbxo_runner *r, ddbxo__shard *s)
{
    ddbxo_error e;
    int rc;
    if (!r->checkpoint_table ||
        ddbxo__now_ms() - s->lease_renewed_ms < r->lease_ms / 3)
        return 0;
    rc = ddbxo__lease_acquire(&r->ckpt, s->id, ddbxo__wall_ms(), NULL,
                              0, NULL, &e);
    if (rc == 1)
        return 1;
    if (rc < 0)
        ddbxo__runner_log(r, DDBXO_LOG_WARN,
                          "shard %s: lease renewal failed: %s", s->id,
                          e.message);
    else
        s->lease_renewed_ms = ddbxo__now_ms();
    return 0;
}

static void finish_shard(ddbxo_runner *r, ddbxo__shard *s)
{
    if (checkpoint(r, s, NULL, 1) == PAGE_LEASE_LOST) {
        lost_lease(r, s);
        return;
    }
    release(r, s);
    drop_iterator(s);
    s->state = DDBXO__SHARD_DONE;
    r->describe_now = 1;
    ddbxo__runner_log(r, DDBXO_LOG_INFO,
                      "shard %s: closed and fully processed (last sequence "
                      "number %s)", s->id,
                      s->last_seq[0] ? s->last_seq : "none");
}

/* Takes the lease, reads the checkpoint, gets an iterator.  -1 only for
 * errors that end the run. */
static int start_shard(ddbxo_runner *r, size_t i, ddbxo_error *err)
{
    ddbxo__shard *s = &r->tree.v[i];
    int64_t now = ddbxo__now_ms();
    ddbxo_error e;

    if (now < s->next_lease_try_ms)
        return 0;
    if (r->checkpoint_table) {
        char holder[128];
        int64_t expiry = 0, wall = ddbxo__wall_ms();
        ddbxo__ckpt_state st;
        int rc = ddbxo__lease_acquire(&r->ckpt, s->id, wall, holder,
                                      sizeof holder, &expiry, &e);
        if (rc < 0) {
            if (is_type(&e, "ResourceNotFoundException"))
                return ddbxo__err(err, DDBXO_E_CONFIG, "checkpoint_table",
                                  "checkpoint table %s: %s",
                                  r->checkpoint_table, e.message);
            return call_failed(r, s, "taking the lease", &e, err);
        }
        if (rc == 1) {
            /* Try again a little after it expires, or a third of a lease
             * from now, whichever comes first. */
            int64_t wait = r->lease_ms / 3;
            if (expiry > wall && expiry - wall + 50 < wait)
                wait = expiry - wall + 50;
            if (wait < r->poll_ms)
                wait = r->poll_ms;
            if (!s->next_lease_try_ms)
                ddbxo__runner_log(r, DDBXO_LOG_INFO,
                                  "shard %s: leased by %s; waiting", s->id,
                                  holder);
            s->next_lease_try_ms = now + wait;
            return 0;
        }
        s->have_lease = 1;
        s->lease_renewed_ms = now;
        rc = ddbxo__ckpt_read(&r->ckpt, s->id, &st, &e);
        if (rc < 0) {
            release(r, s);
            return call_failed(r, s, "reading the checkpoint", &e, err);
        }
        if (rc == 1 && st.done) {
            release(r, s);
            s->state = DDBXO__SHARD_DONE;
            return 0;
        }
        if (rc == 1 && st.seq[0])
            ddbxo__strlcpy(s->last_seq, st.seq, sizeof s->last_seq);
    }
    if (!s->last_seq[0] && r->from == DDBXO_FROM_LATEST && s->first_listing &&
        s->end_seq[0]) {
        /* LATEST: history closed before we started is not ours to read. */
        release(r, s);
        s->state = DDBXO__SHARD_DONE;
        return 0;
    }
    if (!s->lineage_checked) {
        s->lineage_checked = 1;
        if (!ddbxo__shard_tree_lineage_ok(&r->tree, i)) {
            r->lineage_violations++;
            ddbxo__runner_log(r, DDBXO_LOG_WARN,
                              "lineage_order_violation: shard %s starts at %s, "
                              "not above the end %s of its parent %s",
                              s->id, s->start_seq,
                              ddbxo__shard_tree_find(&r->tree, s->parent)
                                  ->end_seq,
                              s->parent);
        }
    }
    if (fetch_iterator(r, s, &e) < 0) {
        release(r, s);
        return call_failed(r, s, "GetShardIterator", &e, err);
    }
    s->call_failures = 0;
    s->state = DDBXO__SHARD_ACTIVE;
    s->next_poll_ms = now;
    ddbxo__runner_log(r, DDBXO_LOG_INFO, "shard %s: reading after %s", s->id,
                      s->last_seq[0] ? s->last_seq
                      : (r->from == DDBXO_FROM_LATEST && s->first_listing &&
                         !s->horizon) ? "LATEST" : "TRIM_HORIZON");
    return 0;
}

/* ------------------------------------------------------------------ */
/* one page                                                             */
/* ------------------------------------------------------------------ */

/* The sequence number of record idx of the page, or of the nearest
 * earlier record that has a valid one; NULL if none.  A record that did
 * not parse is read from its JSON (rare: a malformed answer). */
static const char *seq_through(const ddbxo_event *page, size_t idx)
{
    for (size_t i = idx + 1; i-- > 0;) {
        const ddbxo_record *rec = ddbxo_event_record(page, i);
        const json_t *v;
        if (rec)
            return ddbxo_record_sequence_number(rec);
        v = json_object_get(json_object_get(ddbxo__event_raw(page, i),
                                            "dynamodb"), "SequenceNumber");
        if (json_is_string(v) && ddbxo_seq_valid(json_string_value(v)))
            return json_string_value(v);
    }
    return NULL;
}

/* Applies a page until every record is settled (has an outcome that is
 * not a failure).  Each try applies the records not yet settled, in
 * order; the records before the first unsettled one are checkpointed.
 *
 * Only the failed records go again, not everything after the first
 * failure as the ESM does with batchItemFailures: the batch engine stops
 * an item's chain at its first failure (docs/design.md §5), so the records left
 * over keep per-item stream order, and records of other items are
 * independent.  Sending the whole tail again made a page under many
 * failing calls crawl: each try settled only the records before the first
 * failure.  The pause doubles after a try that settles nothing and halves
 * after one that settles something. */
static int apply_page(ddbxo_runner *r, ddbxo__shard *s, ddbxo_event *page,
                      ddbxo_error *err)
{
    size_t n = ddbxo_event_count(page), first = 0;
    int64_t backoff = RETRY_FIRST_MS;
    unsigned char *done = calloc(n ? n : 1, 1);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    int rc = PAGE_DONE;

    if (!done || !idx) {
        free(done);
        free(idx);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return -1;
    }
    for (;;) {
        ddbxo_apply_options opt = { 0, s->id };
        ddbxo_batch_result *res;
        ddbxo_event *ev;
        size_t m = 0, count, settled = 0, failed = 0, start = first;
        size_t first_failed = 0, last_settled = 0;
        int first_oc = DDBXO_FAILED_RETRYABLE;
        const ddbxo_error *why = NULL;

        for (size_t i = first; i < n; i++)
            if (!done[i])
                idx[m++] = i;
        /* The first try is the page itself; later ones its unsettled
         * records, read from the same document. */
        ev = m == n ? page : ddbxo__event_subset(page, idx, m, err);
        if (!ev) {
            rc = -1;
            break;
        }
        if (r->checkpoint_table)
            /* Stop starting work before our lease could run out. */
            opt.deadline_ms = ddbxo__wall_ms() + r->lease_ms * 2 / 3;
        res = ddbxo_process_batch(r->a, ev, &opt, err);
        if (!res) {
            if (ev != page)
                ddbxo_event_free(ev);
            rc = -1;
            break;
        }
        count = ddbxo_batch_result_count(res);
        for (size_t j = 0; j < m; j++) {
            int o = j < count ? ddbxo_batch_result_outcome(res, j)
                              : DDBXO_FAILED_RETRYABLE;
            if (ddbxo_outcome_failed(o)) {
                if (failed++ == 0) {
                    first_failed = j;
                    first_oc = o;
                    why = j < count ? ddbxo_batch_result_error(res, j) : NULL;
                }
                continue;
            }
            done[idx[j]] = 1;
            r->tally[o]++;
            r->records++;
            settled++;
            last_settled = j;
        }
        while (first < n && done[first])
            first++;
        if (settled > 0) {
            const ddbxo_record *last = ddbxo_event_record(ev, last_settled);
            int64_t t = last ? ddbxo_record_approx_creation_ms(last) : -1;
            if (t > 0)
                r->iterator_age_ms = ddbxo__wall_ms() - t;
            if (s->trimmed_open) {
                const char *q = seq_through(page, start);
                ddbxo__runner_log(r, DDBXO_LOG_ERROR,
                                  "shard %s: the trimmed range after %s "
                                  "ends before sequence number %s",
                                  s->id, s->trim_from[0] ? s->trim_from
                                                         : "(shard start)",
                                  q ? q : "?");
                s->trimmed_open = 0;
            }
        }
        if (first == n) {
            ddbxo_batch_result_free(res);
            if (ev != page)
                ddbxo_event_free(ev);
            r->batches++;
            rc = checkpoint(r, s, seq_through(page, n - 1), 0);
            break;
        }
        {
            const char *q = seq_through(page, idx[first_failed]);
            ddbxo__runner_log(r, DDBXO_LOG_WARN,
                              "shard %s: %zu of %zu records failed, the "
                              "first %s (%s%s%s); trying them again in "
                              "%" PRId64 " ms",
                              s->id, failed, m, q ? q : "?",
                              ddbxo_outcome_name(first_oc),
                              why ? ": " : "", why ? why->message : "",
                              backoff);
        }
        r->retries += failed;
        ddbxo_batch_result_free(res);
        if (ev != page)
            ddbxo_event_free(ev);
        if (first > start) {
            rc = checkpoint(r, s, seq_through(page, first - 1), 0);
            if (rc != PAGE_DONE)
                break;
        }
        if (ddbxo__runner_nap(r, backoff)) {
            const char *q = seq_through(page, first);
            for (size_t i = first; i < n; i++)
                r->failed_pending += !done[i];
            if (q)
                json_array_append_new(
                    r->pending_failures,
                    json_pack("{s:s}", "itemIdentifier", q));
            rc = PAGE_STOPPED;
            break;
        }
        if (settled == 0)
            backoff = backoff * 2 > r->retry_max_ms ? r->retry_max_ms
                                                     : backoff * 2;
        else if (backoff / 2 >= RETRY_FIRST_MS)
            backoff /= 2;
        if (renew(r, s)) {
            rc = PAGE_LEASE_LOST;
            break;
        }
    }
    free(done);
    free(idx);
    return rc;
}

/* One GetRecords on an active shard. */
static int step(ddbxo_runner *r, ddbxo__shard *s, ddbxo_error *err)
{
    ddbxo_event *page = NULL;
    const char *next;
    ddbxo_error e;
    int limit = r->batch_size, rc = PAGE_DONE;
    int64_t now = ddbxo__now_ms();
    size_t nrec;

    if (renew(r, s)) {
        lost_lease(r, s);
        return 0;
    }
    if (!s->iterator && fetch_iterator(r, s, &e) < 0)
        return call_failed(r, s, "GetShardIterator", &e, err);
    if (r->max_records) {
        uint64_t left = r->max_records > r->records
                            ? r->max_records - r->records : 0;
        if (left == 0)
            return 0;
        if (left < (uint64_t)limit)
            limit = (int)left;
    }
    /* GetRecords records lack eventSourceARN; with the stream's they are
     * exactly what Lambda would deliver (and the dedup key finds the
     * table). */
    if (ddbxo__ddb_get_records_event(r->c, s->iterator, limit,
                                     call_deadline(), r->stream_arn, &page,
                                     &e) < 0) {
        if (is_type(&e, "ExpiredIteratorException")) {
            /* Iterators live 15 minutes: a new one from where we are. */
            r->iterator_refreshes++;
            ddbxo__runner_log(r, DDBXO_LOG_INFO,
                              "shard %s: iterator expired; a new one after %s",
                              s->id, s->last_seq[0] ? s->last_seq : "start");
            drop_iterator(s);
            return 0;
        }
        if (is_type(&e, "TrimmedDataAccessException")) {
            trimmed(r, s);
            drop_iterator(s);
            return 0;
        }
        if (is_type(&e, "ResourceNotFoundException")) {
            /* The shard is gone (trimmed away): whatever it held is. */
            ddbxo__runner_log(r, DDBXO_LOG_WARN,
                              "shard %s: GetRecords: %s; treating the shard "
                              "as gone", s->id, e.message);
            release(r, s);
            drop_iterator(s);
            s->state = DDBXO__SHARD_DONE;
            return 0;
        }
        return call_failed(r, s, "GetRecords", &e, err);
    }
    next = ddbxo_event_next_iterator(page);
    if (ddbxo__event_has_next_iterator_field(page) && next &&
        (next[0] == '\0' || strlen(next) > DDBXO__ITERATOR_MAX)) {
        ddbxo_event_free(page);
        ddbxo__err(&e, DDBXO_E_HTTP, NULL,
                   "GetRecords: answer has no usable Records / "
                   "NextShardIterator");
        return call_failed(r, s, "GetRecords", &e, err);
    }
    s->call_failures = 0;
    nrec = ddbxo_event_count(page);
    if (nrec > 0) {
        r->last_records_ms = now;
        rc = apply_page(r, s, page, err);
        /* Idle time counts from the end of the last batch: a slow batch
         * is work, not idleness. */
        r->last_records_ms = ddbxo__now_ms();
        if (rc < 0 || rc == PAGE_LEASE_LOST || rc == PAGE_STOPPED) {
            ddbxo_event_free(page);
            if (rc == PAGE_LEASE_LOST)
                lost_lease(r, s);
            /* A stopped page keeps its position: the loop ends now. */
            return rc < 0 ? -1 : 0;
        }
    }
    if (next) {
        char *it = strdup(next);
        if (!it) {
            ddbxo_event_free(page);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        }
        free(s->iterator);
        s->iterator = it;
        s->next_poll_ms = nrec > 0 ? now : now + r->poll_ms;
    } else {
        /* NextShardIterator null: the shard is closed and drained. */
        finish_shard(r, s);
    }
    ddbxo_event_free(page);
    return 0;
}

/* ------------------------------------------------------------------ */
/* the loop                                                             */
/* ------------------------------------------------------------------ */

static int all_done(const ddbxo_runner *r)
{
    return r->tree.n > 0 &&
           ddbxo__shard_tree_count(&r->tree, DDBXO__SHARD_DONE) == r->tree.n;
}

static int run_loop(ddbxo_runner *r, ddbxo_error *err)
{
    int64_t next_describe, now;
    int rc = 0, describe_failures = 0;

    if (resolve_stream(r, err) < 0)
        return -1;
    r->ckpt.c = r->c;
    r->ckpt.table = r->checkpoint_table;
    r->ckpt.consumer = r->consumer;
    r->ckpt.stream_arn = r->stream_arn;
    r->ckpt.owner = r->owner;
    r->ckpt.lease_ms = r->lease_ms;
    if (describe(r, err) < 0)
        return -1;
    next_describe = ddbxo__now_ms() + r->describe_ms;

    while (!atomic_load(&r->stop)) {
        int64_t wake;
        size_t done_before = ddbxo__shard_tree_count(&r->tree,
                                                     DDBXO__SHARD_DONE);
        ddbxo_error e;

        now = ddbxo__now_ms();
        if (now >= next_describe) {
            if (describe(r, &e) < 0) {
                ddbxo__runner_log(r, DDBXO_LOG_WARN,
                                  "DescribeStream failed: %s", e.message);
                if (++describe_failures >= DDBXO_RUNNER_MAX_CALL_FAILURES) {
                    ddbxo__err_copy(err, &e);
                    rc = -1;
                    break;
                }
            } else {
                describe_failures = 0;
            }
            next_describe = now + r->describe_ms;
        }
        for (size_t i = 0; i < r->tree.n && !atomic_load(&r->stop); i++)
            if (ddbxo__shard_tree_ready(&r->tree, i) &&
                (rc = start_shard(r, i, err)) < 0)
                goto out;
        /* A shard still ready after that waits for another runner's
         * lease.  We have not read it, so we are not idle: exiting 0 must
         * mean "every shard we could see was read to its end".  A restart
         * after kill -9 outwaits the dead lease and reads; a standby next
         * to a live runner waits until that one releases its lease (when
         * it ends) and then reads what is left. */
        for (size_t i = 0; i < r->tree.n; i++)
            if (ddbxo__shard_tree_ready(&r->tree, i))
                r->last_records_ms = ddbxo__now_ms();
        for (size_t i = 0; i < r->tree.n && !atomic_load(&r->stop); i++) {
            ddbxo__shard *s = &r->tree.v[i];
            if (s->state == DDBXO__SHARD_ACTIVE &&
                s->next_poll_ms <= ddbxo__now_ms() &&
                (rc = step(r, s, err)) < 0)
                goto out;
        }
        now = ddbxo__now_ms();
        if (now - r->last_progress_ms >= r->progress_ms)
            ddbxo__runner_progress(r);
        if (r->max_records && r->records >= r->max_records)
            break;
        if (r->until_idle_ms && now - r->last_records_ms >= r->until_idle_ms)
            break;
        if (all_done(r)) {
            ddbxo__runner_log(r, DDBXO_LOG_INFO,
                              "every shard is closed and processed: the "
                              "stream is disabled");
            break;
        }
        /* A shard was closed and drained: its children may not be
         * listed yet, so look now rather than later; and start what
         * became ready without sleeping. */
        if (r->describe_now) {
            r->describe_now = 0;
            next_describe = now;
            continue;
        }
        if (ddbxo__shard_tree_count(&r->tree, DDBXO__SHARD_DONE) > done_before)
            continue;
        wake = next_describe;
        for (size_t i = 0; i < r->tree.n; i++) {
            const ddbxo__shard *s = &r->tree.v[i];
            if (s->state == DDBXO__SHARD_ACTIVE && s->next_poll_ms < wake)
                wake = s->next_poll_ms;
            if (ddbxo__shard_tree_ready(&r->tree, i) &&
                s->next_lease_try_ms < wake)
                wake = s->next_lease_try_ms;
        }
        if (r->until_idle_ms && r->last_records_ms + r->until_idle_ms < wake)
            wake = r->last_records_ms + r->until_idle_ms;
        if (wake - now > MAX_NAP_MS)
            wake = now + MAX_NAP_MS;
        if (wake > now)
            ddbxo__runner_nap(r, wake - now);
    }
out:
    /* Every finished batch is checkpointed already; give the leases back
     * so another runner can go on at once. */
    for (size_t i = 0; i < r->tree.n; i++)
        if (r->tree.v[i].have_lease)
            release(r, &r->tree.v[i]);
    ddbxo__runner_progress(r);
    return rc < 0 ? -1 : 0;
}

DDBXO_API int ddbxo_runner_run(ddbxo_runner *r, ddbxo_error *err)
{
    int rc;
    if (!r)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "ddbxo_runner_run: no runner");
    r->started_ms = ddbxo__now_ms();
    r->last_records_ms = r->started_ms;
    r->last_progress_ms = r->started_ms;
    rc = run_loop(r, err);
    r->ended_ms = ddbxo__now_ms();
    return rc;
}
