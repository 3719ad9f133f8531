/* Internal interface of the record layer. */
#ifndef DDBXO_LIB_RECORD_H
#define DDBXO_LIB_RECORD_H

#include <jansson.h>

#include "ddbxo.h"

struct ddbxo_record {
    json_t *root;                 /* the record object (own reference) */
    const char *event_id;         /* borrowed from root */
    const char *event_source_arn;
    const char *aws_region;
    const char *seq;
    const char *view_type;
    ddbxo_event_name name;
    int64_t size_bytes;           /* -1 when absent */
    int64_t approx_ms;            /* -1 when absent */
    int ttl_delete;
    ddbxo_value *keys, *new_image, *old_image;
};

/* Fills rec from the record object j (takes a new reference on success).
 * path is the record's JSON path ("Records[3]" or "").  -1 with err. */
int ddbxo__record_init(struct ddbxo_record *rec, json_t *j, const char *path,
                       ddbxo_error *err);
void ddbxo__record_fini(struct ddbxo_record *rec);

/* The attribute maps as jansson trees (borrowed; NULL when absent). */
const json_t *ddbxo__record_keys_json(const ddbxo_record *rec);
const json_t *ddbxo__record_new_json(const ddbxo_record *rec);
const json_t *ddbxo__record_old_json(const ddbxo_record *rec);
const json_t *ddbxo__record_json(const ddbxo_record *rec);

/* The JSON of slot i of an event as it came (borrowed), good or bad: what
 * a park message carries for a record that failed to parse.  NULL if i is
 * out of range. */
const json_t *ddbxo__event_raw(const ddbxo_event *ev, size_t i);

#endif
