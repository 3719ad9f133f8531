/* verify --repair: make one persisting difference right without racing
 * the stream consumer.
 *
 * - Where the target item has no _ddbxo_seq (it is missing, or was written
 *   by hand), the source's current item goes through the backfill path:
 *   a synthetic record with SequenceNumber 0 and replicate mode's guard,
 *   which yields to anything the stream applies meanwhile.
 * - Where it has one (a stale tombstone, a stream-written item that
 *   differs), that guard would refuse by design.  The repair then puts
 *   f(source) under the condition that _ddbxo_seq is still the value just
 *   read, and keeps that value: a stream record applied meanwhile makes
 *   the condition fail (its state wins), and any later record of the item
 *   has a higher sequence number, so it still replaces the repair.
 * - An extra is deleted only with --repair-extra, under the same
 *   compare-and-set, and only while it is live.
 * A refused repair is counted, not retried: the next verify looks again. */
#include "backfill/verify_repair.h"
#include "backfill/synth.h"
#include "backfill/verify_item.h"

#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "service/ddb.h"
#include "util/error.h"

static const char *seq_of(const json_t *item)
{
    return json_string_value(json_object_get(json_object_get(item, DDBXO__ATTR_SEQ), "S"));
}

/* The condition "_ddbxo_seq is still what we read" (absent when seq is
 * NULL) and the item still live; names and values into *extra. */
static json_t *cas_extra(const char *seq)
{
    if (seq)
        return json_pack("{s:s,s:{s:s,s:s},s:{s:{s:s}}}",
                         "ConditionExpression",
                         "#s = :s AND attribute_not_exists(#d)",
                         "ExpressionAttributeNames", "#s", DDBXO__ATTR_SEQ, "#d",
                         DDBXO__ATTR_DELETED, "ExpressionAttributeValues", ":s",
                         "S", seq);
    return json_pack("{s:s,s:{s:s,s:s}}", "ConditionExpression",
                     "attribute_not_exists(#s) AND attribute_not_exists(#d)",
                     "ExpressionAttributeNames", "#s", DDBXO__ATTR_SEQ, "#d",
                     DDBXO__ATTR_DELETED);
}

/* 1 done, 0 refused by the condition, -1 other errors. */
static int settled(int rc, ddbxo_error *err)
{
    if (rc == 0)
        return 1;
    return err && err->code == DDBXO_E_CONDITION ? 0 : -1;
}

static int delete_extra(ddbxo__repair_ctx *r, const json_t *tkey,
                        const json_t *cur, ddbxo_error *err)
{
    json_t *extra = cas_extra(seq_of(cur));
    int rc;
    if (!extra)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    rc = ddbxo__ddb_delete_item(r->c, r->cfg->target_table, tkey, extra, 0,
                                NULL, NULL, err);
    json_decref(extra);
    return settled(rc, err);
}

/* The backfill path: one synthetic record through the batch engine. */
static int via_backfill(ddbxo__repair_ctx *r, const json_t *src,
                        ddbxo_error *err)
{
    json_t *one = json_pack("[O]", src);
    size_t len;
    char *text = one ? ddbxo__synth_event(one, r->src_ks, &len, err) : NULL;
    ddbxo_event *ev = text ? ddbxo_parse_stream_event(text, len, err) : NULL;
    ddbxo_batch_result *res = ev ? ddbxo_process_batch(r->ap, ev, NULL, err)
                                 : NULL;
    int rc = -1, o;
    if (res) {
        o = ddbxo_batch_result_outcome(res, 0);
        if (o == DDBXO_APPLIED)
            rc = 1;
        else if (!ddbxo_outcome_failed(o))
            rc = 0;
        else
            ddbxo__err_copy(err, ddbxo_batch_result_error(res, 0));
    } else if (!one) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    ddbxo_batch_result_free(res);
    ddbxo_event_free(ev);
    free(text);
    json_decref(one);
    return rc;
}

/* Compare-and-set on the _ddbxo_seq just read, keeping it. */
static int via_cas(ddbxo__repair_ctx *r, const json_t *src, const json_t *cur,
                   ddbxo_error *err)
{
    const char *seq = seq_of(cur);
    json_t *want = NULL, *extra = NULL, *v;
    int rc = ddbxo__expected_item(r->cfg->transform, src, r->src_ks, &want,
                                  NULL, err);
    if (rc <= 0)
        return rc;
    json_object_set(want, DDBXO__ATTR_SEQ, json_object_get(cur, DDBXO__ATTR_SEQ));
    if ((v = json_object_get(cur, DDBXO__ATTR_SRC)))
        json_object_set(want, DDBXO__ATTR_SRC, v);
    if (r->cfg->version_attr &&
        (v = json_object_get(src, r->cfg->version_attr)) &&
        json_object_get(v, "N"))
        json_object_set(want, DDBXO__ATTR_VER, v);
    /* The tombstone's liveness clause does not apply: a stale tombstone
     * is exactly what is replaced here. */
    extra = json_pack("{s:s,s:{s:s},s:{s:{s:s}}}", "ConditionExpression",
                      "#s = :s", "ExpressionAttributeNames", "#s",
                      DDBXO__ATTR_SEQ, "ExpressionAttributeValues", ":s", "S",
                      seq);
    if (!extra)
        rc = ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    else
        rc = settled(ddbxo__ddb_put_item(r->c, r->cfg->target_table, want,
                                         extra, 0, NULL, NULL, err), err);
    json_decref(extra);
    json_decref(want);
    return rc;
}

int ddbxo__repair_one(ddbxo__repair_ctx *r, int cls, const json_t *tkey,
                      const json_t *src, const json_t *cur,
                      ddbxo_error *err)
{
    if (cls == DDBXO__V_EXTRA)
        return r->cfg->repair_extra ? delete_extra(r, tkey, cur, err) : 0;
    if (!src)
        return 0;                /* nothing due: not a repairable class */
    if (!cur || !seq_of(cur))
        return via_backfill(r, src, err);
    return via_cas(r, src, cur, err);
}
