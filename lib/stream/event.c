/* lib/stream/: what a DynamoDB stream delivers.  Owns the event document
 * and its records (this file, record), sequence numbers (seq), dedup keys
 * (dedup) and the shard tree with its lineage (shard_tree).  It may call
 * util/ and value/. */

/* A stream event document: Lambda event, GetRecords response, or one bare
 * record.  Parsed once into a record document (lib/value/doc.h); records read
 * it in place and keep their few strings in one arena per event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "stream/record.h"

struct ddbxo_event {
    ddbxo__doc *doc;
    size_t n, failed;
    struct ddbxo_record *recs;   /* n slots; slot i valid iff ok[i] */
    unsigned char *ok;
    uint32_t *node;              /* slot i's record object */
    ddbxo_error *errs;           /* n slots, made at the first failure */
    json_t **raw;                /* slot i as jansson, made on demand */
    ddbxo__buf strs;             /* the records' strings */
    char *next_iterator;
    int has_next_iterator;
    ddbxo_event *parent;         /* a subset reads its parent's strings */
};

static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };

ddbxo__doc *ddbxo__event_load(const char *data, size_t len, unsigned how,
                              ddbxo_error *err)
{
    const char *text = data;
    ddbxo__doc *d = NULL;
    if (!data)
        return ddbxo__err(err, DDBXO_E_INVALID, "", "no input"), NULL;
    if (len >= 3 && memcmp(data, bom, 3) == 0) {
        text += 3;
        len -= 3;
    }
    if (len > DDBXO_MAX_EVENT_BYTES) {
        ddbxo__err(err, DDBXO_E_LIMIT, "",
                   "document is %zu bytes; the limit is %u (DDBXO_MAX_EVENT_BYTES)",
                   len, DDBXO_MAX_EVENT_BYTES);
    } else {
        /* Read in place, copied (the caller may free its text), or taken
         * over (ours to free; with a BOM in front the document cannot
         * free what it points at, so it copies). */
        int copy = how == DDBXO__EV_COPY || (how == DDBXO__EV_OWN &&
                                             text != data);
        d = ddbxo__doc_parse(text, len, copy ? DDBXO__DOC_COPY : 0, err);
        if (d && how == DDBXO__EV_OWN && !copy) {
            d->own_text = 1;
            return d;
        }
    }
    if (how == DDBXO__EV_OWN)
        free((void *)data);
    return d;
}

DDBXO_API void ddbxo_event_free(ddbxo_event *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n; i++) {
        if (ev->ok[i])
            ddbxo__record_fini(&ev->recs[i]);
        if (ev->raw)
            json_decref(ev->raw[i]);
    }
    free(ev->recs);
    free(ev->ok);
    free(ev->node);
    free(ev->errs);
    free(ev->raw);
    ddbxo__buf_free(&ev->strs);
    free(ev->next_iterator);
    ddbxo__doc_unref(ev->doc);
    free(ev);
}

static ddbxo_event *event_alloc(ddbxo__doc *doc, size_t n, ddbxo_error *err)
{
    ddbxo_event *ev = calloc(1, sizeof *ev);
    if (ev) {
        ev->doc = doc;
        ev->n = n;
        ddbxo__buf_init(&ev->strs);
        ev->recs = calloc(n ? n : 1, sizeof *ev->recs);
        ev->ok = calloc(n ? n : 1, 1);
        ev->node = calloc(n ? n : 1, sizeof *ev->node);
    }
    if (!ev || !ev->recs || !ev->ok || !ev->node) {
        if (ev)
            ev->n = 0;
        else
            ddbxo__doc_unref(doc);
        ddbxo_event_free(ev);
        ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
        return NULL;
    }
    return ev;
}

static int looks_like_record(const ddbxo__doc *d, size_t obj)
{
    return ddbxo__doc_get(d, obj, "dynamodb", 8) ||
           ddbxo__doc_get(d, obj, "eventName", 9);
}

/* "Records[i]" (for every record, so no printf). */
static void record_path(char path[48], size_t i)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    memcpy(path, "Records[", 8);
    for (size_t k = 0; k < n; k++)
        path[8 + k] = digits[n - 1 - k];
    path[8 + n] = ']';
    path[9 + n] = '\0';
}

/* Parses slot i; a failure is kept in the slot, not returned. */
static void parse_slot(ddbxo_event *ev, size_t i, const char *path,
                       size_t default_arn)
{
    ddbxo_error e;
    if (ddbxo__record_init(&ev->recs[i], ev->doc, ev->node[i], path,
                           &ev->strs, &e) == 0) {
        if (!ev->recs[i].off[1] && default_arn) {
            ev->recs[i].off[1] = default_arn;
            ev->recs[i].arn_default = 1;
        }
        ev->ok[i] = 1;
        return;
    }
    ev->failed++;
    if (!ev->errs && !(ev->errs = calloc(ev->n, sizeof *ev->errs)))
        return;                 /* the slot still reads as failed */
    ev->errs[i] = e;
}

static const ddbxo_error nomem_err = { DDBXO_E_NOMEM, 0, 0, 0, "", "", "",
                                       "out of memory" };

DDBXO_API ddbxo_event *ddbxo_parse_stream_event(const char *data, size_t len,
                                                ddbxo_error *err)
{
    return ddbxo__parse_stream_event_ex(data, len, NULL, DDBXO__EV_COPY, err);
}

DDBXO_API ddbxo_event *ddbxo_parse_stream_event_inplace(const char *data,
                                                        size_t len,
                                                        ddbxo_error *err)
{
    return ddbxo__parse_stream_event_ex(data, len, NULL, DDBXO__EV_BORROW,
                                        err);
}

ddbxo_event *ddbxo__parse_stream_event_ex(const char *data, size_t len,
                                          const char *default_arn,
                                          unsigned how, ddbxo_error *err)
{
    ddbxo__doc *doc = ddbxo__event_load(data, len, how, err);
    ddbxo_event *ev;
    size_t recs, it, i, k, end, arn = 0;
    char path[48];

    if (!doc)
        return NULL;
    if (ddbxo__doc_type(doc, 0) != DDBXO__J_OBJ) {
        ddbxo__doc_unref(doc);
        ddbxo__err(err, DDBXO_E_INVALID, "",
                   "not a stream event: the document must be a JSON object");
        return NULL;
    }
    recs = ddbxo__doc_get(doc, 0, "Records", 7);
    if (!recs) {
        if (!looks_like_record(doc, 0)) {
            ddbxo__doc_unref(doc);
            ddbxo__err(err, DDBXO_E_INVALID, "Records",
                       "not a stream event: no \"Records\" array and not a record");
            return NULL;
        }
        if (!(ev = event_alloc(doc, 1, err)))
            return NULL;
        ev->node[0] = 0;
        parse_slot(ev, 0, "", 0);
        ddbxo__record_resolve(&ev->recs[0], &ev->strs);
        return ev;
    }
    if (ddbxo__doc_type(doc, recs) != DDBXO__J_ARR) {
        ddbxo__doc_unref(doc);
        ddbxo__err(err, DDBXO_E_INVALID, "Records", "Records: must be an array");
        return NULL;
    }
    if (!(ev = event_alloc(doc, ddbxo__doc_count(doc, recs), err)))
        return NULL;
    if (default_arn) {
        /* One copy, shared by every record that names no source. */
        arn = ev->strs.len + 1;
        ddbxo__buf_put(&ev->strs, default_arn, strlen(default_arn) + 1);
    }
    end = recs + 1 + ddbxo__doc_payload(doc, recs);
    for (k = recs + 1, i = 0; k < end; k = ddbxo__doc_skip(doc, k), i++) {
        ev->node[i] = (uint32_t)k;
        record_path(path, i);
        parse_slot(ev, i, path, arn);
    }
    /* The arena has stopped growing: records may point into it now. */
    for (i = 0; i < ev->n; i++)
        if (ev->ok[i])
            ddbxo__record_resolve(&ev->recs[i], &ev->strs);
    if (ev->strs.oom) {
        ddbxo_event_free(ev);
        ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
        return NULL;
    }
    it = ddbxo__doc_get(doc, 0, "NextShardIterator", 17);
    if (it) {
        ev->has_next_iterator = 1;
        if (ddbxo__doc_type(doc, it) == DDBXO__J_STR) {
            ddbxo__buf b;
            ddbxo__buf_init(&b);
            ddbxo__doc_str_append(doc, it, &b);
            if (!(ev->next_iterator = ddbxo__buf_cstr(&b) ? (char *)
                      ddbxo__buf_take(&b, NULL) : NULL)) {
                ddbxo__buf_free(&b);
                ddbxo_event_free(ev);
                ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
                return NULL;
            }
        } else if (ddbxo__doc_type(doc, it) != DDBXO__J_NULL) {
            ddbxo_event_free(ev);
            ddbxo__err(err, DDBXO_E_INVALID, "NextShardIterator",
                       "NextShardIterator: must be a string or null");
            return NULL;
        }
    }
    return ev;
}

DDBXO_API size_t ddbxo_event_count(const ddbxo_event *ev) { return ev ? ev->n : 0; }
DDBXO_API size_t ddbxo_event_failed_count(const ddbxo_event *ev) { return ev ? ev->failed : 0; }

DDBXO_API const ddbxo_record *ddbxo_event_record(const ddbxo_event *ev, size_t i)
{
    return ev && i < ev->n && ev->ok[i] ? &ev->recs[i] : NULL;
}

DDBXO_API const ddbxo_error *ddbxo_event_error(const ddbxo_event *ev, size_t i)
{
    if (!ev || i >= ev->n || ev->ok[i])
        return NULL;
    return ev->errs ? &ev->errs[i] : &nomem_err;
}

DDBXO_API const char *ddbxo_event_next_iterator(const ddbxo_event *ev)
{
    return ev ? ev->next_iterator : NULL;
}

int ddbxo__event_has_next_iterator_field(const ddbxo_event *ev)
{
    return ev ? ev->has_next_iterator : 0;
}

DDBXO_API ddbxo_record *ddbxo_parse_stream_record(const char *data, size_t len,
                                                  ddbxo_error *err)
{
    ddbxo__doc *doc = ddbxo__event_load(data, len, DDBXO__EV_COPY, err);
    ddbxo_record *rec;
    if (!doc)
        return NULL;
    rec = calloc(1, sizeof *rec);
    if (!rec) {
        ddbxo__doc_unref(doc);
        ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
        return NULL;
    }
    ddbxo__buf_init(&rec->own_strs);
    if (ddbxo__record_init(rec, doc, 0, "", &rec->own_strs, err) < 0) {
        ddbxo__buf_free(&rec->own_strs);
        free(rec);
        ddbxo__doc_unref(doc);
        return NULL;
    }
    ddbxo__record_resolve(rec, &rec->own_strs);
    rec->own_doc = doc;         /* the record holds the parse's reference */
    return rec;
}

const json_t *ddbxo__event_raw(const ddbxo_event *cev, size_t i)
{
    ddbxo_event *ev = (ddbxo_event *)cev;   /* the trees are a cache */
    json_t **raw;
    if (!ev || i >= ev->n)
        return NULL;
    if (ev->ok[i])
        return ddbxo__record_json(&ev->recs[i]);
    if (!(raw = __atomic_load_n(&ev->raw, __ATOMIC_ACQUIRE))) {
        json_t **fresh = calloc(ev->n, sizeof *fresh);
        if (!fresh)
            return NULL;
        raw = ddbxo__set_once((void **)&ev->raw, fresh, free);
    }
    return ddbxo__doc_json_once(&raw[i], ev->doc, ev->node[i]);
}

ddbxo_event *ddbxo__event_subset(ddbxo_event *parent, const size_t *idx,
                                 size_t m, ddbxo_error *err)
{
    ddbxo_event *ev = event_alloc(ddbxo__doc_ref(parent->doc), m, err);
    if (!ev)
        return NULL;
    ev->parent = parent;
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        ev->node[k] = parent->node[i];
        if (parent->ok[i]) {
            /* The record's fields, not what was made from it lazily. */
            struct ddbxo_record *r = &ev->recs[k];
            *r = parent->recs[i];
            r->json = NULL;
            ddbxo__value_embed(&r->keys, r->doc, r->keys.node);
            if (r->has_new)
                ddbxo__value_embed(&r->new_image, r->doc,
                                   r->new_image.node);
            if (r->has_old)
                ddbxo__value_embed(&r->old_image, r->doc,
                                   r->old_image.node);
            ev->ok[k] = 1;
        } else {
            ev->failed++;
            if (!ev->errs && !(ev->errs = calloc(m, sizeof *ev->errs)))
                continue;
            ev->errs[k] = *ddbxo_event_error(parent, i);
        }
    }
    return ev;
}
