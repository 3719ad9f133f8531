/* Checkpoint and lease items in the checkpoint table (docs/runner.md).
 *
 * The lease item of a shard names the runner that may read it and until
 * when; it is taken with a conditional write, and every checkpoint write
 * renews it in the same transaction, conditional on our still owning it,
 * so a runner that lost its lease can never move the checkpoint.  Lease
 * expiry is compared across runners' clocks: they must agree to well
 * within the lease time (docs/runner.md, "Clocks").
 */
#include "ddbxo/sys/value.h"
#include "runner/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/ddb.h"
#include "util/clock.h"
#include "util/error.h"

#define A_PK "pk"
#define A_OWNER "owner"
#define A_EXPIRY "expiry"        /* epoch ms */
#define A_TTL "exp"              /* epoch s, the table's TTL attribute */
#define A_SEQ "seq"              /* padded to 40 digits */
#define A_DONE "done"
#define A_SHARD "shard"
#define A_STREAM "stream"
#define A_UPDATED "updated"      /* epoch ms */

/* Each call may take this long (the http layer retries inside it). */
#define CALL_MS 30000

int ddbxo__ckpt_key(char *out, size_t outsz, const char *prefix,
                    const char *consumer, const char *stream_arn,
                    const char *shard)
{
    int n = snprintf(out, outsz, "%s%s#%s#%s", prefix, consumer, stream_arn,
                     shard);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

void ddbxo__seq_unpad(const char *s, char out[DDBXO_SEQ_BUFSIZE])
{
    while (s[0] == '0' && s[1])
        s++;
    ddbxo__strlcpy(out, s, DDBXO_SEQ_BUFSIZE);
}

static json_t *num(int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRId64, v);
    return json_pack("{s:s}", "N", b);
}

static json_t *str(const char *s)
{
    return json_pack("{s:s}", "S", s);
}

static json_t *key_of(const ddbxo__ckpt *k, const char *prefix,
                      const char *shard, ddbxo_error *err)
{
    char key[1400];
    json_t *j;
    if (ddbxo__ckpt_key(key, sizeof key, prefix, k->consumer, k->stream_arn,
                        shard) < 0) {
        ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                   "checkpoint key too long for shard %s", shard);
        return NULL;
    }
    j = json_pack("{s:o}", A_PK, str(key));
    if (!j)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return j;
}

static int64_t now_deadline(void)
{
    return ddbxo__wall_ms() + CALL_MS;
}

int ddbxo__ckpt_read(const ddbxo__ckpt *k, const char *shard,
                     ddbxo__ckpt_state *out, ddbxo_error *err)
{
    ddbxo_error local;
    json_t *key, *resp = NULL;
    const json_t *item, *v;
    int rc;

    if (!err)
        err = &local;
    memset(out, 0, sizeof *out);
    if (!(key = key_of(k, DDBXO__CKPT_PREFIX, shard, err)))
        return -1;
    rc = ddbxo__ddb_get_item(k->c, k->table, key, 1, NULL, now_deadline(),
                             &resp, err);
    json_decref(key);
    if (rc < 0)
        return -1;
    item = json_object_get(resp, "Item");
    if (!json_is_object(item)) {
        json_decref(resp);
        return 0;
    }
    rc = 1;
    v = json_object_get(json_object_get(item, A_SEQ), "S");
    if (v) {
        if (!json_is_string(v) || !ddbxo_seq_valid(json_string_value(v))) {
            rc = ddbxo__err(err, DDBXO_E_INVALID, "Item.seq",
                            "checkpoint of shard %s: seq is not a sequence "
                            "number", shard);
            goto out;
        }
        ddbxo__seq_unpad(json_string_value(v), out->seq);
    }
    v = json_object_get(json_object_get(item, A_DONE), "BOOL");
    out->done = json_is_true(v);
out:
    json_decref(resp);
    return rc;
}

int ddbxo__ckpt_write(const ddbxo__ckpt *k, const char *shard,
                      const char *seq, int done, int64_t now_ms,
                      ddbxo_error *err)
{
    ddbxo_error local;
    json_t *lkey = NULL, *ckey = NULL, *item = NULL, *items = NULL;
    char padded[DDBXO_SEQ_BUFSIZE];
    ddbxo__aws_error detail;
    int rc = -1;

    if (!err)
        err = &local;
    ddbxo__aws_error_init(&detail);
    if (seq && seq[0] && ddbxo_seq_pad(seq, padded, err) < 0)
        return -1;
    if (!(lkey = key_of(k, DDBXO__LEASE_PREFIX, shard, err)) ||
        !(ckey = key_of(k, DDBXO__CKPT_PREFIX, shard, err)))
        goto out;
    item = json_deep_copy(ckey);
    if (!item ||
        json_object_set_new(item, A_DONE, json_pack("{s:b}", "BOOL", done)) ||
        json_object_set_new(item, A_SHARD, str(shard)) ||
        json_object_set_new(item, A_STREAM, str(k->stream_arn)) ||
        json_object_set_new(item, A_OWNER, str(k->owner)) ||
        json_object_set_new(item, A_UPDATED, num(now_ms)) ||
        json_object_set_new(item, A_TTL,
                            num(now_ms / 1000 + DDBXO__CKPT_TTL_S)) ||
        (seq && seq[0] && json_object_set_new(item, A_SEQ, str(padded)))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    items = json_pack(
        "[{s:{s:s,s:O,s:s,s:s,s:{s:s,s:s,s:s},s:{s:o,s:o,s:o}}},"
        "{s:{s:s,s:O}}]",
        "Update", "TableName", k->table, "Key", lkey, "UpdateExpression",
        "SET #x = :exp, #t = :ttl", "ConditionExpression", "#o = :me",
        "ExpressionAttributeNames", "#x", A_EXPIRY, "#t", A_TTL, "#o", A_OWNER,
        "ExpressionAttributeValues", ":exp", num(now_ms + k->lease_ms), ":ttl",
        num(now_ms / 1000 + DDBXO__CKPT_TTL_S), ":me", str(k->owner),
        "Put", "TableName", k->table, "Item", item);
    if (!items) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (ddbxo__ddb_transact_write(k->c, items, NULL, NULL, now_deadline(),
                                  NULL, &detail, err) == 0) {
        rc = 0;
    } else if (err && err->code == DDBXO_E_CANCELLED && detail.nreasons >= 1 &&
               strcmp(detail.reasons[0].code, "ConditionalCheckFailed") == 0) {
        rc = 1;      /* another runner owns the lease now */
    }
out:
    ddbxo__aws_error_clear(&detail);
    json_decref(lkey);
    json_decref(ckey);
    json_decref(item);
    json_decref(items);
    return rc;
}

int ddbxo__lease_acquire(const ddbxo__ckpt *k, const char *shard,
                         int64_t now_ms, char *holder, size_t holder_sz,
                         int64_t *expiry_ms, ddbxo_error *err)
{
    ddbxo_error local;
    json_t *key, *extra;
    ddbxo__aws_error detail;
    int rc;

    if (!err)
        err = &local;
    if (holder && holder_sz)
        holder[0] = '\0';
    if (expiry_ms)
        *expiry_ms = 0;
    if (!(key = key_of(k, DDBXO__LEASE_PREFIX, shard, err)))
        return -1;
    extra = json_pack(
        "{s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s},s:{s:o,s:o,s:o,s:o,s:o,s:o},s:s}",
        "ConditionExpression",
        "attribute_not_exists(#pk) OR #o = :me OR #x < :now",
        "ExpressionAttributeNames", "#pk", A_PK, "#o", A_OWNER, "#x", A_EXPIRY,
        "#t", A_TTL, "#s", A_SHARD, "#a", A_STREAM,
        "ExpressionAttributeValues", ":me", str(k->owner), ":exp",
        num(now_ms + k->lease_ms), ":now", num(now_ms), ":ttl",
        num(now_ms / 1000 + DDBXO__CKPT_TTL_S), ":shard", str(shard), ":arn",
        str(k->stream_arn), "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
    if (!extra) {
        json_decref(key);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    ddbxo__aws_error_init(&detail);
    rc = ddbxo__ddb_update_item(
        k->c, k->table, key,
        "SET #o = :me, #x = :exp, #t = :ttl, #s = :shard, #a = :arn", extra,
        now_deadline(), NULL, &detail, err);
    if (rc < 0 && err && err->code == DDBXO_E_CONDITION) {
        /* The holder as the refusal reported it (moto may leave the item
         * out; then it stays unknown). */
        const json_t *o = json_object_get(json_object_get(detail.item, A_OWNER),
                                          "S");
        const json_t *x = json_object_get(
            json_object_get(detail.item, A_EXPIRY), "N");
        if (holder && holder_sz)
            ddbxo__strlcpy(holder, json_is_string(o) ? json_string_value(o)
                                                     : "unknown",
                           holder_sz);
        if (expiry_ms && json_is_string(x))
            *expiry_ms = strtoll(json_string_value(x), NULL, 10);
        rc = 1;
    }
    ddbxo__aws_error_clear(&detail);
    json_decref(key);
    json_decref(extra);
    return rc;
}

int ddbxo__lease_release(const ddbxo__ckpt *k, const char *shard,
                         ddbxo_error *err)
{
    ddbxo_error local;
    json_t *key, *extra;
    int rc;

    if (!err)
        err = &local;
    if (!(key = key_of(k, DDBXO__LEASE_PREFIX, shard, err)))
        return -1;
    extra = json_pack("{s:s,s:{s:s,s:s},s:{s:o,s:o}}", "ConditionExpression",
                      "#o = :me", "ExpressionAttributeNames", "#o", A_OWNER,
                      "#x", A_EXPIRY, "ExpressionAttributeValues", ":me",
                      str(k->owner), ":zero", num(0));
    if (!extra) {
        json_decref(key);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    rc = ddbxo__ddb_update_item(k->c, k->table, key, "SET #x = :zero", extra,
                                now_deadline(), NULL, NULL, err);
    if (rc < 0 && err && err->code == DDBXO_E_CONDITION)
        rc = 0;      /* not ours any more: nothing to give up */
    json_decref(key);
    json_decref(extra);
    return rc;
}
