/* A stream event document: Lambda event, GetRecords response, or one bare
 * record.  Decoded once with jansson; records borrow from the tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "record.h"

struct ddbxo_event {
    json_t *root;
    size_t n, failed;
    struct ddbxo_record *recs;   /* n slots; slot i valid iff ok[i] */
    unsigned char *ok;
    ddbxo_error *errs;           /* n slots; code DDBXO_OK when ok */
    const char *next_iterator;
    int has_next_iterator;
};

static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };

/* jansson's text ends in "near '<input>'", quoting the document: only
 * the part before it may go into a message (events and writes hold item
 * data, and messages reach logs). */
static const char *json_why(json_error_t *je)
{
    char *near = strstr(je->text, " near ");
    if (near)
        *near = '\0';
    return je->text;
}

/* jansson reports positions, not paths. */
static json_t *load(const char *data, size_t len, ddbxo_error *err)
{
    json_error_t je;
    json_t *j;
    if (!data)
        return ddbxo__err(err, DDBXO_E_INVALID, "", "no input"), NULL;
    if (len >= 3 && memcmp(data, bom, 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (len > DDBXO_MAX_EVENT_BYTES) {
        ddbxo__err(err, DDBXO_E_LIMIT, "",
                   "document is %zu bytes; the limit is %u (DDBXO_MAX_EVENT_BYTES)",
                   len, DDBXO_MAX_EVENT_BYTES);
        return NULL;
    }
    /* Duplicate keys would make the record mean two things. */
    j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        ddbxo__err(err, DDBXO_E_INVALID, "",
                   "invalid JSON at line %d column %d: %s",
                   je.line, je.column, json_why(&je));
        return NULL;
    }
    return j;
}

DDBXO_API void ddbxo_event_free(ddbxo_event *ev)
{
    if (!ev)
        return;
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ok[i])
            ddbxo__record_fini(&ev->recs[i]);
    free(ev->recs);
    free(ev->ok);
    free(ev->errs);
    json_decref(ev->root);
    free(ev);
}

static ddbxo_event *event_alloc(json_t *root, size_t n, ddbxo_error *err)
{
    ddbxo_event *ev = calloc(1, sizeof *ev);
    if (ev) {
        ev->root = root;
        ev->n = n;
        ev->recs = calloc(n ? n : 1, sizeof *ev->recs);
        ev->ok = calloc(n ? n : 1, 1);
        ev->errs = calloc(n ? n : 1, sizeof *ev->errs);
    }
    if (!ev || !ev->recs || !ev->ok || !ev->errs) {
        if (ev)
            ev->root = NULL;
        ddbxo_event_free(ev);
        json_decref(root);
        ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
        return NULL;
    }
    return ev;
}

static int looks_like_record(const json_t *j)
{
    return json_object_get(j, "dynamodb") || json_object_get(j, "eventName");
}

DDBXO_API ddbxo_event *ddbxo_parse_stream_event(const char *data, size_t len,
                                                ddbxo_error *err)
{
    json_t *root = load(data, len, err), *recs, *it;
    ddbxo_event *ev;
    char path[48];

    if (!root)
        return NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        ddbxo__err(err, DDBXO_E_INVALID, "",
                   "not a stream event: the document must be a JSON object");
        return NULL;
    }
    recs = json_object_get(root, "Records");
    if (!recs) {
        if (!looks_like_record(root)) {
            json_decref(root);
            ddbxo__err(err, DDBXO_E_INVALID, "Records",
                       "not a stream event: no \"Records\" array and not a record");
            return NULL;
        }
        if (!(ev = event_alloc(root, 1, err)))
            return NULL;
        if (ddbxo__record_init(&ev->recs[0], root, "", &ev->errs[0]) == 0)
            ev->ok[0] = 1;
        else
            ev->failed = 1;
        return ev;
    }
    if (!json_is_array(recs)) {
        json_decref(root);
        ddbxo__err(err, DDBXO_E_INVALID, "Records", "Records: must be an array");
        return NULL;
    }
    if (!(ev = event_alloc(root, json_array_size(recs), err)))
        return NULL;
    for (size_t i = 0; i < ev->n; i++) {
        it = json_array_get(recs, i);
        snprintf(path, sizeof path, "Records[%zu]", i);
        if (ddbxo__record_init(&ev->recs[i], it, path, &ev->errs[i]) == 0)
            ev->ok[i] = 1;
        else
            ev->failed++;
    }
    it = json_object_get(root, "NextShardIterator");
    if (it) {
        ev->has_next_iterator = 1;
        if (json_is_string(it)) {
            ev->next_iterator = json_string_value(it);
        } else if (!json_is_null(it)) {
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
    return ev && i < ev->n && !ev->ok[i] ? &ev->errs[i] : NULL;
}

DDBXO_API const char *ddbxo_event_next_iterator(const ddbxo_event *ev)
{
    return ev ? ev->next_iterator : NULL;
}

DDBXO_API int ddbxo_event_has_next_iterator_field(const ddbxo_event *ev)
{
    return ev ? ev->has_next_iterator : 0;
}

DDBXO_API ddbxo_record *ddbxo_parse_stream_record(const char *data, size_t len,
                                                  ddbxo_error *err)
{
    json_t *root = load(data, len, err);
    ddbxo_record *rec;
    if (!root)
        return NULL;
    rec = calloc(1, sizeof *rec);
    if (!rec) {
        json_decref(root);
        ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
        return NULL;
    }
    if (ddbxo__record_init(rec, root, "", err) < 0) {
        free(rec);
        json_decref(root);
        return NULL;
    }
    json_decref(root);   /* the record holds its own reference */
    return rec;
}

const json_t *ddbxo__event_raw(const ddbxo_event *ev, size_t i)
{
    const json_t *recs;
    if (!ev || i >= ev->n)
        return NULL;
    recs = json_object_get(ev->root, "Records");
    return recs ? json_array_get(recs, i) : ev->root;
}
