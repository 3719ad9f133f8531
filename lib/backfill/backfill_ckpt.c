/* Backfill checkpoints: one item per scan segment in the checkpoint table
 * that `ddbxo run` uses (partition key pk S, TTL attribute exp), written
 * after the page it covers was applied.  A restart goes on from each
 * segment's LastEvaluatedKey, so a kill -9 costs at most the page in
 * flight per segment (rewritten harmlessly: DUPLICATE).
 *
 *   pk     ddbxo#backfill#v1#<target>#<source>#<total>#<segment>
 *   lek    S, the LastEvaluatedKey as JSON text (absent at the start)
 *   done   BOOL, the segment was read to its end
 *   items, pages   N, totals over every run
 *   updated N (epoch ms), exp N (epoch s)
 *
 * The segment count is part of the key: a Scan's segments only mean the
 * same thing under the same TotalSegments, so a restart with another
 * --segments starts over. */
#include "backfill/backfill_ckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/ddb.h"
#include "util/clock.h"
#include "util/error.h"

/* Two table names (255 each), the prefix and two numbers. */
#define CKPT_KEY_BUFSIZE 640

static json_t *key_of(const char *source, const char *target, int segment,
                      int total, ddbxo_error *err)
{
    char k[CKPT_KEY_BUFSIZE];
    int n = snprintf(k, sizeof k, "ddbxo#backfill#v1#%s#%s#%d#%d", target,
                     source, total, segment);
    json_t *j;
    if (n < 0 || (size_t)n >= sizeof k)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "backfill checkpoint key too long"), NULL;
    if (!(j = json_pack("{s:{s:s}}", "pk", "S", k)))
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return j;
}

static long long num_attr(const json_t *item, const char *name)
{
    const char *s = json_string_value(json_object_get(json_object_get(item, name), "N"));
    return s ? atoll(s) : 0;
}

void ddbxo__bf_ckpt_clear(ddbxo__bf_ckpt *ck)
{
    if (!ck)
        return;
    json_decref(ck->start_key);
    memset(ck, 0, sizeof *ck);
}

int ddbxo__bf_ckpt_read(ddbxo_client *c, const char *table,
                        const char *source, const char *target, int segment,
                        int total, ddbxo__bf_ckpt *ck, ddbxo_error *err)
{
    json_t *key = key_of(source, target, segment, total, err), *out = NULL,
           *item;
    const char *lek;
    int rc;
    memset(ck, 0, sizeof *ck);
    if (!key)
        return -1;
    rc = ddbxo__ddb_get_item(c, table, key, 1, NULL, 0, &out, err);
    json_decref(key);
    if (rc < 0)
        return -1;
    item = json_object_get(out, "Item");
    if (item) {
        ck->done = json_is_true(json_object_get(json_object_get(item, "done"), "BOOL"));
        ck->items = num_attr(item, "items");
        ck->pages = num_attr(item, "pages");
        lek = json_string_value(json_object_get(json_object_get(item, "lek"), "S"));
        if (lek && !(ck->start_key = json_loads(lek, 0, NULL))) {
            json_decref(out);
            return ddbxo__err(err, DDBXO_E_INVALID, "lek",
                              "backfill checkpoint of segment %d holds an "
                              "unreadable key; delete the item to start "
                              "that segment over", segment);
        }
    }
    json_decref(out);
    return 0;
}

static json_t *n_av(long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    return json_pack("{s:s}", "N", b);
}

int ddbxo__bf_ckpt_write(ddbxo_client *c, const char *table,
                         const char *source, const char *target, int segment,
                         int total, const ddbxo__bf_ckpt *ck,
                         ddbxo_error *err)
{
    json_t *item = key_of(source, target, segment, total, err);
    char *lek = NULL;
    int rc = -1;
    if (!item)
        return -1;
    if (ck->start_key && !(lek = json_dumps(ck->start_key, JSON_COMPACT)))
        goto nomem;
    if (json_object_set_new(item, "done", json_pack("{s:b}", "BOOL", ck->done)) ||
        json_object_set_new(item, "items", n_av(ck->items)) ||
        json_object_set_new(item, "pages", n_av(ck->pages)) ||
        json_object_set_new(item, "updated", n_av(ddbxo__wall_ms())) ||
        json_object_set_new(item, "exp",
                            n_av(ddbxo__wall_ms() / 1000 +
                                 DDBXO_BACKFILL_CKPT_TTL_S)) ||
        (lek && json_object_set_new(item, "lek", json_pack("{s:s}", "S", lek))))
        goto nomem;
    rc = ddbxo__ddb_put_item(c, table, item, NULL, 0, NULL, NULL, err);
    goto out;
nomem:
    ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
out:
    free(lek);
    json_decref(item);
    return rc;
}
