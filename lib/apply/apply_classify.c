/* ddbxo__plan_classify: what the answer to a plan's request means.
 *
 * A refused condition is the dedup working, not an error: the item or
 * reason DynamoDB returns (ReturnValuesOnConditionCheckFailure=ALL_OLD)
 * says whether this record (DUPLICATE) or a newer one (STALE) is stored.
 * What we compare against is read back from the request we sent, so the
 * answer is judged by exactly the values the condition saw. */
#include "apply/apply_int.h"
#include "value/value.h"

#include <stdio.h>
#include <string.h>

static int decided(ddbxo__plan *p, int outcome)
{
    ddbxo_error_clear(&p->err);
    p->outcome = outcome;
    return outcome;
}

static int failed(ddbxo__plan *p, const ddbxo_error *err, int retryable)
{
    if (err)
        ddbxo__err_copy(&p->err, err);
    else
        ddbxo__err(&p->err, DDBXO_E_INTERNAL, NULL, "no error given");
    if (p->err.code == DDBXO_OK)
        p->err.code = DDBXO_E_INTERNAL;
    p->err.retryable = retryable;
    p->outcome = retryable ? DDBXO_FAILED_RETRYABLE : DDBXO_FAILED_PERMANENT;
    return p->outcome;
}

/* The action object of TransactItems[idx] ({"Put":{...}} -> {...}). */
static const json_t *txn_action(const ddbxo__plan *p, int idx)
{
    const json_t *e = json_array_get(json_object_get(p->body, "TransactItems"),
                                     (size_t)idx);
    const char *k;
    json_t *v;
    if (idx < 0)
        return NULL;
    json_object_foreach((json_t *)e, k, v)
        return v;
    return NULL;
}

static const char *sent_value(const json_t *action, const char *ph,
                              const char *type)
{
    return json_string_value(json_object_get(json_object_get(
        json_object_get(action, "ExpressionAttributeValues"), ph), type));
}

static const char *attr_text(const json_t *item, const char *name,
                             const char *type)
{
    return json_string_value(
        json_object_get(json_object_get(item, name), type));
}

/* Replicate: the guard refused; item is what is stored (may be NULL). */
static int replicate_refusal(ddbxo__plan *p, const json_t *item,
                             const ddbxo_error *err)
{
    const json_t *action = strcmp(p->op, "TransactWriteItems") == 0
                               ? txn_action(p, p->target_idx) : p->body;
    int cmp = -1, known = 0;
    if (!item)
        /* DynamoDB returns the item whenever it exists, and only an
         * existing item can refuse: something at least as new is stored. */
        return decided(p, DDBXO_STALE);
    if (p->a->version_attr) {
        const char *ours = sent_value(action, ":" DDBXO__PH_VER, "N");
        const char *stored = attr_text(item, DDBXO__ATTR_VER, "N");
        if (stored && ours) {
            cmp = ddbxo__decimal_cmp(stored, ours, NULL);
            known = cmp != -2;
        }
    } else {
        const char *stored = attr_text(item, DDBXO__ATTR_SEQ, "S");
        if (stored && ddbxo_seq_valid(stored)) {
            cmp = ddbxo_seq_compare(stored, p->seq);
            known = 1;
        }
    }
    if (known && cmp == 0)
        return decided(p, DDBXO_DUPLICATE);
    if (known && cmp > 0)
        return decided(p, DDBXO_STALE);
    /* Refused by an older or missing version: another writer changed the
     * item between (a race); a retry meets the new state. */
    failed(p, err, 1);
    snprintf(p->err.message, sizeof p->err.message,
             "%s: the target refused the write but holds no newer %s "
             "(a concurrent writer?); retry", p->op,
             p->a->version_attr ? DDBXO__ATTR_VER : DDBXO__ATTR_SEQ);
    return p->outcome;
}

static int set_has(const json_t *set, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    return 0;
}

/* Tracker: the set already names the record, or the item is full. */
static int tracker_refusal(ddbxo__plan *p, const json_t *item,
                           const ddbxo_error *err)
{
    const json_t *action = txn_action(p, p->ledger_idx);
    const char *elem = sent_value(action, ":e", "S");
    const char *cap = sent_value(action, ":cap", "N");
    const char *n = attr_text(item, DDBXO__TRACKER_COUNT, "N");
    const json_t *seen = json_object_get(json_object_get(item,
                                         DDBXO__TRACKER_SEEN), "SS");
    if (elem && set_has(seen, elem))
        return decided(p, DDBXO_DUPLICATE);
    if (n && cap && ddbxo__decimal_cmp(n, cap, NULL) >= 0 &&
        ddbxo__decimal_cmp(n, cap, NULL) != -2) {
        failed(p, err, 0);
        ddbxo__strlcpy(p->err.path, "tracker_capacity", sizeof p->err.path);
        snprintf(p->err.message, sizeof p->err.message,
                 "the tracker item reached its capacity: it holds %s records "
                 "(capacity %s, near DynamoDB's 400 KB item limit); use "
                 "--mode ledger for this volume", n, cap);
        return p->outcome;
    }
    failed(p, err, 1);
    snprintf(p->err.message, sizeof p->err.message,
             "TransactWriteItems: the tracker item refused the record but "
             "neither names it nor is full (a concurrent writer?); retry");
    return p->outcome;
}

static const char *action_role(const ddbxo__plan *p, int i, char *buf,
                               size_t bufsz)
{
    if (i == p->ledger_idx)
        return p->a->mode == DDBXO_MODE_TRACKER ? "the tracker item"
                                                : "the ledger item";
    if (i == p->source_idx)
        return "the source check";
    if (p->a->mode == DDBXO_MODE_REPLICATE)
        return "the target write";
    snprintf(buf, bufsz, "write %d of the transform",
             i - 1 - (p->source_idx >= 0 ? 1 : 0));
    return buf;
}

static int cancelled(ddbxo__plan *p, const ddbxo_error *err,
                     const ddbxo__aws_error *d, int *resend)
{
    size_t n = d ? d->nreasons : 0;
    const ddbxo__tx_reason *r;
    char role[48];
#define REASON(i) ((i) >= 0 && (size_t)(i) < n ? &d->reasons[i] : NULL)
#define CCF(x) ((x) && strcmp((x)->code, "ConditionalCheckFailed") == 0)
    r = REASON(p->ledger_idx);
    if (CCF(r))
        return p->a->mode == DDBXO_MODE_LEDGER
                   ? decided(p, DDBXO_DUPLICATE)
                   : tracker_refusal(p, r->item, err);
    if (p->a->mode == DDBXO_MODE_REPLICATE) {
        r = REASON(p->target_idx);
        if (CCF(r))
            return replicate_refusal(p, r->item, err);
    }
    r = REASON(p->source_idx);
    if (CCF(r))
        return decided(p, DDBXO_SUPERSEDED);
    if (ddbxo__aws_error_cancel_retryable(d)) {
        /* Conflicts and throttling pass on a later try. */
        failed(p, err, 1);
        if (p->sends <= DDBXO__PLAN_MAX_RESENDS)
            *resend = 1;
        return p->outcome;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(d->reasons[i].code, "None") == 0)
            continue;
        failed(p, err, 0);
        snprintf(p->err.path, sizeof p->err.path, "TransactItems[%zu]", i);
        snprintf(p->err.message, sizeof p->err.message,
                 "TransactWriteItems cancelled by %s (action %zu): %s: %s",
                 action_role(p, (int)i, role, sizeof role), i,
                 d->reasons[i].code,
                 d->reasons[i].message ? d->reasons[i].message : "");
        return p->outcome;
    }
    return failed(p, err, 0);
#undef REASON
#undef CCF
}

/* Errors that say nothing about the record: credentials, permissions, a
 * missing table.  Fixing the setup makes the same record succeed, so the
 * record must not be parked or given up on. */
static int setup_error(const char *type)
{
    static const char *const types[] = {
        "AccessDeniedException", "UnrecognizedClientException",
        "InvalidSignatureException", "MissingAuthenticationTokenException",
        "IncompleteSignatureException", "ExpiredTokenException",
        "ResourceNotFoundException", "TransactionInProgressException",
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i]) == 0)
            return 1;
    return 0;
}

int ddbxo__plan_classify(ddbxo__plan *p, int rc, const ddbxo_error *err,
                         const ddbxo__aws_error *detail, int *resend)
{
    int dummy;
    if (!resend)
        resend = &dummy;
    *resend = 0;
    p->sends++;
    if (rc == 0)
        return decided(p, DDBXO_APPLIED);
    if (!err)
        return failed(p, NULL, 0);
    if (err->code == DDBXO_E_CONDITION)
        return replicate_refusal(p, detail ? detail->item : NULL, err);
    if (err->code == DDBXO_E_CANCELLED)
        return cancelled(p, err, detail, resend);
    if (strcmp(err->aws_type, "IdempotentParameterMismatchException") == 0 &&
        json_object_get(p->body, "ClientRequestToken")) {
        /* The token was first used with other parameters (a changed
         * transform, an expiry from a record without a time): send
         * without it; the conditions still refuse a second effect. */
        json_object_del(p->body, "ClientRequestToken");
        *resend = 1;
        return failed(p, err, 1);
    }
    if (err->retryable || err->ambiguous || err->code == DDBXO_E_HTTP ||
        err->code == DDBXO_E_TIMEOUT || err->code == DDBXO_E_NOMEM ||
        err->code == DDBXO_E_CONFIG || err->http_status >= 500 ||
        err->http_status == 429 || setup_error(err->aws_type))
        return failed(p, err, 1);
    return failed(p, err, 0);
}
