/* TransactItems entries: the ledger item, the tracker update, the source
 * check and the transform's own writes (docs/design.md §3). */
#include "apply/apply_int.h"
#include "stream/record.h"

#include <stdio.h>
#include <string.h>

/* A tracker item is {pk, seen (SS), n (N)}.  DynamoDB counts an item as
 * its attribute-name bytes plus value bytes; we budget 1 KiB for pk (the
 * prefix, a table name of at most 255 bytes and a shard id), the names
 * and the count, and elem_len + 1 bytes per set element (its bytes plus
 * one byte of overhead, as for list elements, to stay on the safe side):
 *     (409600 - 1024) / (elem_len + 1)
 * = 9965 records for 40-character elements (a known shard id) and 7044
 * for 57-character ones ("<seq>/<16 hex>", the shard id unknown). */
size_t ddbxo__tracker_capacity_for(size_t elem_len)
{
    return (DDBXO_MAX_ITEM_BYTES - 1024u) / (elem_len + 1u);
}

static json_t *entry_of(const char *kind, json_t *action)
{
    json_t *e = action ? json_object() : NULL;
    if (e && json_object_set_new(e, kind, action) == 0)
        return e;
    json_decref(e);
    return NULL;
}

static int nomem(ddbxo__plan *p)
{
    return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
}

int ddbxo__txn_ledger_entry(ddbxo__plan *p, json_t **entry)
{
    char pk[sizeof DDBXO__LEDGER_PREFIX + DDBXO_DEDUP_KEY_BUFSIZE];
    char exp[32];
    snprintf(pk, sizeof pk, "%s%s", DDBXO__LEDGER_PREFIX, p->dedup_key);
    snprintf(exp, sizeof exp, "%lld",
             (long long)ddbxo__apply_expiry(p->rec, p->a->ledger_ttl_s));
    *entry = entry_of("Put", json_pack(
        "{s:s, s:{s:{s:s}, s:{s:s}}, s:s, s:{s:s}}",
        "TableName", p->a->ledger_table,
        "Item", DDBXO__LEDGER_PK, "S", pk, DDBXO__LEDGER_EXP, "N", exp,
        "ConditionExpression", "attribute_not_exists(#pk)",
        "ExpressionAttributeNames", "#pk", DDBXO__LEDGER_PK));
    return *entry ? 0 : nomem(p);
}

/* With a shard id the sequence number alone names a record of the
 * shard.  Without one, every shard shares the "stream" item, and
 * sequence numbers of different shards may collide: the element then
 * carries 16 hex of the dedup key too (57 characters at most). */
int ddbxo__tracker_element(const ddbxo__plan *p, char *out, size_t outsz)
{
    const char *seq = ddbxo_record_sequence_number(p->rec);
    int n;
    if (p->shard_id && *p->shard_id)
        n = snprintf(out, outsz, "%s", seq);
    else
        n = snprintf(out, outsz, "%s/%.16s", seq, p->dedup_key);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int ddbxo__txn_tracker_entry(ddbxo__plan *p, json_t **entry)
{
    char tbl[256], pk[512], elem[80], cap[32];
    const char *src, *shard = p->shard_id && *p->shard_id
                                  ? p->shard_id : DDBXO__TRACKER_ANY_SHARD;
    size_t capacity;
    int n;
    *entry = NULL;
    if (ddbxo__apply_source_table(p, tbl, sizeof tbl, &src) < 0)
        return p->outcome;
    n = snprintf(pk, sizeof pk, "%s%s#%s", DDBXO__TRACKER_PREFIX, src, shard);
    if (n < 0 || (size_t)n >= sizeof pk ||
        ddbxo__tracker_element(p, elem, sizeof elem) < 0)
        return ddbxo__plan_fail(p, DDBXO_E_LIMIT, "shard_id",
                                "tracker key too long (table or shard id)");
    /* Never let a configured capacity outgrow what fits in 400 KB. */
    capacity = ddbxo__tracker_capacity_for(strlen(elem));
    if (p->a->tracker_capacity < capacity)
        capacity = p->a->tracker_capacity;
    snprintf(cap, sizeof cap, "%zu", capacity);
    *entry = entry_of("Update", json_pack(
        "{s:s, s:{s:{s:s}}, s:s, s:s, s:{s:s, s:s},"
        " s:{s:{s:[s]}, s:{s:s}, s:{s:s}, s:{s:s}}, s:s}",
        "TableName", p->a->ledger_table,
        "Key", DDBXO__LEDGER_PK, "S", pk,
        "UpdateExpression", "ADD #seen :s, #n :one",
        "ConditionExpression",
        "(attribute_not_exists(#seen) OR NOT contains(#seen, :e)) AND "
        "(attribute_not_exists(#n) OR #n < :cap)",
        "ExpressionAttributeNames", "#seen", DDBXO__TRACKER_SEEN,
        "#n", DDBXO__TRACKER_COUNT,
        "ExpressionAttributeValues", ":s", "SS", elem, ":e", "S", elem,
        ":one", "N", "1", ":cap", "N", cap,
        "ReturnValuesOnConditionCheckFailure", "ALL_OLD"));
    return *entry ? 0 : nomem(p);
}

/* The source item still carries the version this record saw (or, for a
 * REMOVE, is still gone): else a newer write exists, and its own record
 * will bring the target up to date. */
int ddbxo__txn_source_check(ddbxo__plan *p, json_t **entry)
{
    const char *attr = p->a->source_version_attr, *src;
    const json_t *keys = ddbxo__record_keys_json(p->rec), *v = NULL;
    char tbl[256];
    json_t *act;
    int removed = ddbxo_record_event_name(p->rec) == DDBXO_EVENT_REMOVE;
    *entry = NULL;
    if (ddbxo__apply_source_table(p, tbl, sizeof tbl, &src) < 0)
        return p->outcome;
    if (!keys)
        return ddbxo__plan_fail(p, DDBXO_E_INVALID, "dynamodb.Keys",
                                "source check: the record has no Keys");
    if (!removed) {
        v = json_object_get(ddbxo__record_new_json(p->rec), attr);
        if (!json_is_object(v))
            return ddbxo__plan_fail(
                p, DDBXO_E_INVALID, attr,
                "source check: source_version_attr %s is missing from the "
                "record's NewImage (the stream must carry NEW_IMAGE or "
                "NEW_AND_OLD_IMAGES, and every source item the attribute)",
                attr);
        act = json_pack("{s:s, s:O, s:s, s:{s:s}, s:{s:O}}",
                        "TableName", src, "Key", keys,
                        "ConditionExpression", "#a = :v",
                        "ExpressionAttributeNames", "#a", attr,
                        "ExpressionAttributeValues", ":v", v);
    } else {
        act = json_pack("{s:s, s:O, s:s, s:{s:s}}",
                        "TableName", src, "Key", keys,
                        "ConditionExpression", "attribute_not_exists(#a)",
                        "ExpressionAttributeNames", "#a", attr);
    }
    *entry = entry_of("ConditionCheck", act);
    return *entry ? 0 : nomem(p);
}

int ddbxo__txn_write_entry(ddbxo__plan *p, const ddbxo__write *w,
                           json_t **entry, size_t *bytes)
{
    const char *table = w->table ? w->table : p->a->target_table;
    const char *kind;
    json_t *act, *x;
    *entry = NULL;
    *bytes = 0;
    switch (w->kind) {
    case DDBXO__W_PUT:
        kind = "Put";
        *bytes = w->bytes;
        if (*bytes > DDBXO_MAX_ITEM_BYTES)
            return ddbxo__plan_fail(p, DDBXO_E_LIMIT, "Item",
                                    "a Put item is %zu bytes, over "
                                    "DynamoDB's 400 KB item limit", *bytes);
        /* The item's checked text goes in as it is. */
        if (!(x = ddbxo__plan_splice(p, w->item_doc, w->item_node)))
            return p->outcome;
        act = json_pack("{s:s, s:o}", "TableName", table, "Item", x);
        break;
    case DDBXO__W_UPDATE:
        kind = "Update";
        *bytes = w->bytes;
        act = json_pack("{s:s, s:O, s:s}", "TableName", table, "Key",
                        (json_t *)ddbxo__write_key(w),
                        "UpdateExpression", w->update_expr);
        if (act && w->names &&
            json_object_set(act, "ExpressionAttributeNames", w->names)) {
            json_decref(act);
            act = NULL;
        }
        if (act && w->values &&
            json_object_set(act, "ExpressionAttributeValues", w->values)) {
            json_decref(act);
            act = NULL;
        }
        break;
    case DDBXO__W_DELETE:
        kind = "Delete";
        *bytes = w->bytes;
        act = json_pack("{s:s, s:O}", "TableName", table, "Key",
                        (json_t *)ddbxo__write_key(w));
        break;
    default:
        return ddbxo__plan_fail(p, DDBXO_E_INTERNAL, NULL,
                                "unknown write kind %d", w->kind);
    }
    *entry = entry_of(kind, act);
    return *entry ? 0 : nomem(p);
}
