/* Scanned items as stream records.  Backfill and verify hand each item to
 * the transform and the apply engine as an INSERT record built here and
 * parsed by the public parser: the same path a stream record takes, so
 * `backfill` writes exactly what `run` would have written for the item,
 * and keeps doing so whatever the decoder underneath becomes. */
#include "backfill/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static json_t *record_of(const json_t *item, const ddbxo__keyschema *ks,
                         size_t i, ddbxo_error *err)
{
    json_t *keys = ddbxo__item_key(item, ks), *rec;
    if (!keys) {
        char path[32];
        snprintf(path, sizeof path, "Items[%zu]", i);
        ddbxo__err(err, DDBXO_E_INVALID, path,
                   "a scanned item lacks the key attribute %s%s%s",
                   ks->hash, ks->range[0] ? " or " : "", ks->range);
        return NULL;
    }
    /* No StreamViewType: the transforms then check that the images they
     * need are present, which for an INSERT is NewImage alone. */
    rec = json_pack("{s:s,s:s,s:s,s:{s:o,s:O,s:s}}", "eventID",
                    "ddbxo-backfill", "eventName", "INSERT", "eventSource",
                    "aws:dynamodb", "dynamodb", "Keys", keys, "NewImage",
                    item, "SequenceNumber", DDBXO__SYNTH_SEQ);
    if (!rec)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return rec;
}

char *ddbxo__synth_event(const json_t *items, const ddbxo__keyschema *ks,
                         size_t *len, ddbxo_error *err)
{
    json_t *recs = json_array(), *ev, *item;
    size_t i;
    char *text = NULL;
    if (!recs)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    json_array_foreach(items, i, item) {
        json_t *r = record_of(item, ks, i, err);
        if (!r || json_array_append_new(recs, r)) {
            json_decref(recs);
            return NULL;
        }
    }
    if ((ev = json_pack("{s:o}", "Records", recs)))
        text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (!text)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    if (len)
        *len = strlen(text);
    return text;
}

ddbxo_record *ddbxo__synth_record(const json_t *item,
                                  const ddbxo__keyschema *ks,
                                  ddbxo_error *err)
{
    json_t *r = record_of(item, ks, 0, err);
    char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
    ddbxo_record *rec = NULL;
    if (r && !text)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    if (text)
        rec = ddbxo_parse_stream_record(text, strlen(text), err);
    free(text);
    json_decref(r);
    return rec;
}

ddbxo_applier *ddbxo__synth_applier(ddbxo_client *c, const char *source,
                                    const char *target,
                                    const char *version_attr,
                                    const ddbxo_transform *t,
                                    ddbxo_error *err)
{
    ddbxo_apply_config ac;
    memset(&ac, 0, sizeof ac);
    ac.target_table = target;
    ac.source_table = source;
    ac.version_attr = version_attr;
    ac.transform = t;
    return ddbxo_applier_new(c, &ac, err);
}

char *ddbxo__summary_text(json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                       JSON_REAL_PRECISION(8))
                   : NULL;
    json_decref(j);
    return text;
}
