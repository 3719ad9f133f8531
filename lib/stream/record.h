/* Internal interface of the record layer. */
#ifndef DDBXO_LIB_RECORD_H
#define DDBXO_LIB_RECORD_H

#include <jansson.h>

#include "util/buf.h"
#include "ddbxo.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/value.h"
#include "value/doc.h"
#include "value/value_int.h"

/* A record reads its event's document in place.  Its strings are
 * unescaped, NUL-terminated copies in an arena the event owns (or the
 * record, when parsed on its own): during the parse they are offsets,
 * made pointers by ddbxo__record_resolve once the arena stops moving. */
struct ddbxo_record {
    ddbxo__doc *doc;              /* borrowed from the event (or own_doc) */
    uint32_t node;                /* the record object */
    const char *event_id;
    const char *event_source_arn;
    const char *aws_region;
    const char *seq;
    const char *view_type;        /* static */
    size_t off[4];                /* arena offsets of the first four + 1,
                                     0 = absent (until resolved) */
    ddbxo_event_name name;
    int64_t size_bytes;           /* -1 when absent */
    int64_t approx_ms;            /* -1 when absent */
    int ttl_delete;
    unsigned char has_new, has_old;
    unsigned char arn_default;    /* eventSourceARN is the reader's, not
                                     the record's (GetRecords pages) */
    ddbxo_value keys, new_image, old_image;   /* embedded handles */
    json_t *json;                 /* the record as jansson, made on demand */
    ddbxo__doc *own_doc;          /* ddbxo_parse_stream_record's */
    ddbxo__buf own_strs;
};

/* Fills rec from record object `node` of d (borrowed: d must outlive rec).
 * path is the record's JSON path ("Records[3]" or "").  Strings go to
 * strs.  -1 with err. */
int ddbxo__record_init(struct ddbxo_record *rec, ddbxo__doc *d, size_t node,
                       const char *path, ddbxo__buf *strs, ddbxo_error *err);
/* Points the record's strings into strs (call once strs stops growing). */
void ddbxo__record_resolve(struct ddbxo_record *rec, const ddbxo__buf *strs);
void ddbxo__record_fini(struct ddbxo_record *rec);

/* The attribute maps as jansson trees (borrowed, made on first use; NULL
 * when absent or out of memory), for the code that still reads jansson:
 * spec transforms, the source check. */
const json_t *ddbxo__record_keys_json(const ddbxo_record *rec);
const json_t *ddbxo__record_new_json(const ddbxo_record *rec);
const json_t *ddbxo__record_old_json(const ddbxo_record *rec);
const json_t *ddbxo__record_json(const ddbxo_record *rec);

/* The JSON of slot i of an event as it came (borrowed), good or bad: what
 * a park message carries for a record that failed to parse.  NULL if i is
 * out of range or out of memory. */
const json_t *ddbxo__event_raw(const ddbxo_event *ev, size_t i);

/* 1 if the GetRecords page had a NextShardIterator member, even as JSON
 * null (ddbxo_event_next_iterator gives NULL for both). */
int ddbxo__event_has_next_iterator_field(const ddbxo_event *ev);

/* ddbxo_parse_stream_event, holding the text as `how` says
 * (DDBXO__EV_*), where records without an eventSourceARN (a GetRecords
 * page) take default_arn (may be NULL): their dedup keys then
 * find the table, and their JSON (a park message) carries it, exactly as
 * Lambda would have delivered them. */
ddbxo_event *ddbxo__parse_stream_event_ex(const char *data, size_t len,
                                          const char *default_arn,
                                          unsigned how, ddbxo_error *err);
/* An event of records idx[0..m) of parent (which must outlive it): the
 * runner applies a page's unsettled records again without parsing it
 * again.  NULL with err. */
ddbxo_event *ddbxo__event_subset(ddbxo_event *parent, const size_t *idx,
                                 size_t m, ddbxo_error *err);

/* How an event holds its text: reads the caller's in place (which must
 * outlive it), copies it, or takes over a malloc'd text. */
#define DDBXO__EV_BORROW 0u
#define DDBXO__EV_COPY 1u
#define DDBXO__EV_OWN 2u

/* Reads an event's text into a document: skips a UTF-8 BOM, applies
 * DDBXO_MAX_EVENT_BYTES.  how: DDBXO__EV_*.  (With DDBXO__EV_OWN the text
 * is freed on failure too.) */
ddbxo__doc *ddbxo__event_load(const char *data, size_t len, unsigned how,
                              ddbxo_error *err);

#endif
