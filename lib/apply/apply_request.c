/* ddbxo__plan_request: the one request a prepared plan sends -- a single
 * guarded write (replicate), or a TransactWriteItems with the ledger or
 * tracker item, the source check and the writes. */
#include "apply/apply_int.h"

#include <string.h>

/* Replicate mode owns the target item's bookkeeping, so it writes exactly
 * one item there; anything else is what ledger mode is for. */
static int check_replicate_writes(ddbxo__plan *p)
{
    const ddbxo__write *w = &p->writes.w[0];
    if (p->writes.n != 1)
        return ddbxo__plan_fail(p, DDBXO_E_INVALID, "transform",
                                "the transform made %zu writes: replicate "
                                "writes one target item per record; use "
                                "ledger mode for more", p->writes.n);
    if (w->table && strcmp(w->table, p->a->target_table) != 0)
        return ddbxo__plan_fail(p, DDBXO_E_INVALID, "transform",
                                "the transform writes to table %s: replicate "
                                "writes one item of the target table per "
                                "record; use ledger mode for other tables",
                                w->table);
    return 0;
}

/* See ddbxo__applier_new_call for why the call id is part of it. */
static int set_token(ddbxo__plan *p, json_t *body)
{
    char tok[DDBXO_TOKEN_BUFSIZE];
    const char *keys[2] = {p->dedup_key, p->a->call_id};
    ddbxo_error e;
    if (!p->a->call_id[0])
        return 0;
    if (ddbxo_client_request_token(keys, 2, tok, &e) < 0)
        return ddbxo__plan_fail(p, e.code, NULL, "%s", e.message);
    if (json_object_set_new(body, "ClientRequestToken", json_string(tok)))
        return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

/* With a->count_capacity the answer says what the write consumed. */
static int want_capacity(ddbxo__plan *p, json_t *body)
{
    if (p->a->count_capacity &&
        json_object_set_new(body, "ReturnConsumedCapacity",
                            json_string("TOTAL")))
        return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

/* Appends entry (taking it) to items and returns its index, or -1. */
static int append(json_t *items, json_t *entry)
{
    if (!entry || json_array_append_new(items, entry))
        return -1;
    return (int)json_array_size(items) - 1;
}

static int replicate_request(ddbxo__plan *p, json_t *items)
{
    json_t *action = NULL, *entry = NULL;
    const char *kind = NULL;
    if (check_replicate_writes(p) ||
        ddbxo__replicate_action(p, &action, &kind))
        return p->outcome;
    if (!p->a->source_version_attr) {
        p->op = kind[0] == 'P' ? "PutItem"
              : kind[0] == 'U' ? "UpdateItem" : "DeleteItem";
        p->body = action;
        p->target_idx = 0;
        return want_capacity(p, p->body);
    }
    /* With the source check both go into one transaction; the target's
     * refusal then comes back as that action's reason and Item. */
    if (ddbxo__txn_source_check(p, &entry)) {
        json_decref(action);
        return p->outcome;
    }
    p->source_idx = append(items, entry);
    if (!(entry = json_object()))
        json_decref(action);
    else if (json_object_set_new(entry, kind, action)) {
        json_decref(entry);
        entry = NULL;
    }
    p->target_idx = append(items, entry);
    if (p->source_idx < 0 || p->target_idx < 0)
        return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    return 1;
}

static int ledger_request(ddbxo__plan *p, json_t *items)
{
    size_t max = DDBXO_MAX_WRITES - (p->a->source_version_attr ? 1 : 0);
    size_t total = 0;
    json_t *entry;
    if (p->writes.n > max)
        return ddbxo__plan_fail(
            p, DDBXO_E_LIMIT, "transform",
            "the transform made %zu writes; a transaction holds 100 actions "
            "and %s mode needs %zu of them, so at most %zu writes per record",
            p->writes.n, ddbxo_mode_name(p->a->mode), 100 - max, max);
    if ((p->a->mode == DDBXO_MODE_LEDGER ? ddbxo__txn_ledger_entry(p, &entry)
                                         : ddbxo__txn_tracker_entry(p, &entry)))
        return p->outcome;
    if ((p->ledger_idx = append(items, entry)) < 0)
        return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    if (p->a->source_version_attr) {
        if (ddbxo__txn_source_check(p, &entry))
            return p->outcome;
        if ((p->source_idx = append(items, entry)) < 0)
            return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    p->target_idx = -1;
    for (size_t i = 0; i < p->writes.n; i++) {
        size_t bytes;
        if (ddbxo__txn_write_entry(p, &p->writes.w[i], &entry, &bytes))
            return p->outcome;
        total += bytes;
        if (append(items, entry) < 0)
            return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    if (total > DDBXO_MAX_TRANSACTION_BYTES)
        return ddbxo__plan_fail(p, DDBXO_E_LIMIT, "transform",
                                "the writes add up to %zu bytes, over "
                                "DynamoDB's 4 MB per transaction", total);
    return 1;
}

int ddbxo__plan_request(ddbxo__plan *p)
{
    json_t *items;
    int rc;
    if (p->outcome)
        return p->outcome;
    json_decref(p->body);
    p->body = NULL;
    p->nsplices = 0;
    p->ledger_idx = p->source_idx = -1;
    p->target_idx = 0;
    if (!(items = json_array()))
        return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    if (p->a->mode == DDBXO_MODE_REPLICATE)
        rc = replicate_request(p, items);
    else
        rc = ledger_request(p, items);
    if (rc != 1) {                        /* single request, or failed */
        json_decref(items);
        return p->outcome;
    }
    p->op = "TransactWriteItems";
    if (!(p->body = json_object())) {
        json_decref(items);
        return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    if (json_object_set_new(p->body, "TransactItems", items))
        return ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    if (set_token(p, p->body))
        return p->outcome;
    return want_capacity(p, p->body);
}
