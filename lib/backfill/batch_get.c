/* Consistent reads of many keys for verify's second look: BatchGetItem,
 * 100 keys a request (DynamoDB's limit), the keys DynamoDB leaves in
 * UnprocessedKeys (throttling, the 16 MB answer limit) asked again after
 * a pause. */
#include "backfill/batch_get.h"

#include <stdlib.h>
#include <string.h>

#include "service/ddb.h"
#include "util/clock.h"
#include "util/error.h"

/* DynamoDB: BatchGetItem takes at most 100 keys. */
#define BATCH_GET_MAX_KEYS 100
/* Rounds of UnprocessedKeys before giving up, and the first pause. */
#define BATCH_GET_ROUNDS 10
#define BATCH_GET_PAUSE_MS 50

static int one_request(ddbxo_client *c, const char *table, json_t *keys,
                       const ddbxo__keyschema *ks, ddbxo__pace *rcu,
                       json_t *out, ddbxo_error *err)
{
    int64_t pause = BATCH_GET_PAUSE_MS;
    json_incref(keys);
    for (int round = 0; json_array_size(keys) > 0; round++) {
        json_t *body, *resp = NULL, *item, *left;
        size_t i;
        if (round == BATCH_GET_ROUNDS) {
            json_decref(keys);
            return ddbxo__err(err, DDBXO_E_AWS, "UnprocessedKeys",
                              "BatchGetItem %s: keys still unprocessed "
                              "after %d rounds", table, BATCH_GET_ROUNDS);
        }
        if (round)
            ddbxo__sleep_ms(pause *= 2);
        body = json_pack("{s:{s:{s:O,s:b}},s:s}", "RequestItems", table,
                         "Keys", keys, "ConsistentRead", 1,
                         "ReturnConsumedCapacity", "TOTAL");
        json_decref(keys);
        keys = NULL;
        if (!body)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        if (ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "BatchGetItem", body,
                            0, &resp, NULL, err) < 0) {
            json_decref(body);
            return -1;
        }
        json_decref(body);
        if (rcu)
            ddbxo__pace_take(rcu, ddbxo__consumed_units(resp), NULL);
        json_array_foreach(json_object_get(json_object_get(resp, "Responses"),
                                           table), i, item) {
            json_t *k = ddbxo__item_key(item, ks);
            char *t = k ? ddbxo__key_text(k) : NULL;
            if (t)
                json_object_set(out, t, item);
            free(t);
            json_decref(k);
        }
        left = json_object_get(json_object_get(json_object_get(resp,
                                   "UnprocessedKeys"), table), "Keys");
        keys = json_array();
        if (left)
            json_array_extend(keys, left);
        json_decref(resp);
    }
    json_decref(keys);
    return 0;
}

int ddbxo__batch_get(ddbxo_client *c, const char *table, const json_t *keys,
                     const ddbxo__keyschema *ks, ddbxo__pace *rcu,
                     json_t **out, ddbxo_error *err)
{
    json_t *seen = json_object(), *chunk = json_array(), *k;
    size_t i;
    int rc = 0;
    *out = json_object();
    if (!seen || !chunk || !*out) {
        rc = ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    /* DynamoDB refuses a request that names one key twice. */
    json_array_foreach(keys, i, k) {
        char *t = ddbxo__key_text(k);
        if (!t) {
            rc = ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            goto out;
        }
        if (!json_object_get(seen, t)) {
            json_object_set_new(seen, t, json_true());
            json_array_append(chunk, k);
        }
        free(t);
        if (json_array_size(chunk) == BATCH_GET_MAX_KEYS) {
            if ((rc = one_request(c, table, chunk, ks, rcu, *out, err)) < 0)
                goto out;
            json_array_clear(chunk);
        }
    }
    if (json_array_size(chunk))
        rc = one_request(c, table, chunk, ks, rcu, *out, err);
out:
    json_decref(seen);
    json_decref(chunk);
    if (rc < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}
