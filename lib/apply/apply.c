/* lib/apply/: the exactly-once write.  Owns the applier, the plan of one
 * record (apply_plan, apply_request, apply_txn, apply_replicate,
 * apply_classify), the batch engine (batch, batch_result), parking failed
 * records (park) and the mode and outcome names (names).  It may call
 * util/, value/, auth/, transport/, service/, stream/ and transform/. */

/* The applier (configuration bound to a client) and ddbxo_transact_apply:
 * one record through the plan loop of lib/apply/apply.h on this thread. */
#include "apply/apply_int.h"
#include "ddbxo/sys/binding.h"
#include "service/client.h"
#include "stream/record.h"
#include "util/clock.h"
#include "apply/apply.h"

#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int dup_opt(char **dst, const char *src, const char *field,
                   ddbxo_error *err)
{
    *dst = NULL;
    if (!src)
        return 0;
    if (!*src)
        return ddbxo__err(err, DDBXO_E_CONFIG, field, "%s is empty", field);
    if (!(*dst = strdup(src)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

static int check_config(const ddbxo_apply_config *cfg, int mode,
                        ddbxo_error *err)
{
    /* The mode, ledger table and aggregate rules every front end shares;
     * here the fields' names are the struct's, and the aggregate is the
     * transform field's. */
    static const char *const names[4] = {
        "mode", "ledger_table", "transform", "transform",
    };
    ddbxo_mode_options mo = {0};
    if (!cfg->target_table || !*cfg->target_table)
        return ddbxo__err(err, DDBXO_E_CONFIG, "target_table",
                          "target_table is required");
    mo.mode = cfg->mode;
    mo.ledger_table = cfg->ledger_table;
    mo.aggregate = cfg->transform &&
                   ddbxo_transform_needs_ledger(cfg->transform);
    mo.names = names;
    if (!ddbxo_mode_options_check(&mo, err))
        return -1;
    if (mode != DDBXO_MODE_REPLICATE && cfg->version_attr)
        return ddbxo__err(err, DDBXO_E_CONFIG, "version_attr",
                          "version_attr guards replicate mode only; %s mode "
                          "deduplicates by its %s item",
                          ddbxo_mode_name(mode),
                          mode == DDBXO_MODE_LEDGER ? "ledger" : "tracker");
    if (mode != DDBXO_MODE_REPLICATE && cfg->hard_delete)
        return ddbxo__err(err, DDBXO_E_CONFIG, "hard_delete",
                          "hard_delete applies to replicate mode only");
    if (cfg->tombstone_ttl_s < 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, "tombstone_ttl_s",
                          "tombstone_ttl_s is negative");
    if (cfg->ledger_ttl_s < 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, "ledger_ttl_s",
                          "ledger_ttl_s is negative");
    if (cfg->max_inflight < 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, "max_inflight",
                          "max_inflight is negative");
    return 0;
}

DDBXO_API ddbxo_applier *ddbxo_applier_new(ddbxo_client *c,
                                           const ddbxo_apply_config *cfg,
                                           ddbxo_error *err)
{
    ddbxo_applier *a;
    int mode;
    if (!c || !cfg) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL client or config");
        return NULL;
    }
    mode = cfg->mode ? cfg->mode : DDBXO_MODE_REPLICATE;
    if (check_config(cfg, mode, err) < 0)
        return NULL;
    if (!(a = calloc(1, sizeof *a))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    a->client = c;
    a->mode = mode;
    if (dup_opt(&a->target_table, cfg->target_table, "target_table", err) ||
        dup_opt(&a->ledger_table, mode == DDBXO_MODE_REPLICATE ? NULL :
                cfg->ledger_table, "ledger_table", err) ||
        dup_opt(&a->source_table, cfg->source_table, "source_table", err) ||
        dup_opt(&a->source_version_attr, cfg->source_version_attr,
                "source_version_attr", err) ||
        dup_opt(&a->version_attr, cfg->version_attr, "version_attr", err) ||
        dup_opt(&a->ttl_attr, cfg->ttl_attr ? cfg->ttl_attr :
                DDBXO_DEFAULT_TTL_ATTR, "ttl_attr", err) ||
        dup_opt(&a->park_queue_url, cfg->park_queue_url, "park_queue_url",
                err))
        goto fail;
    if (cfg->transform) {
        a->transform = cfg->transform;
    } else {
        if (!(a->own_transform = ddbxo_transform_identity(err)))
            goto fail;
        a->transform = a->own_transform;
    }
    a->hard_delete = cfg->hard_delete ? 1 : 0;
    a->coalesce = mode == DDBXO_MODE_REPLICATE && !cfg->no_coalesce;
    a->tombstone_ttl_s = cfg->tombstone_ttl_s ? cfg->tombstone_ttl_s
                                              : DDBXO_DEFAULT_TOMBSTONE_TTL_S;
    a->ledger_ttl_s = cfg->ledger_ttl_s ? cfg->ledger_ttl_s
                                        : DDBXO_DEFAULT_LEDGER_TTL_S;
    a->tracker_capacity = ddbxo__tracker_capacity_for(DDBXO_MAX_SEQ_DIGITS);
    a->max_inflight = cfg->max_inflight ? cfg->max_inflight
                                        : ddbxo__client_max_connections(c);
    if (a->max_inflight < 1)
        a->max_inflight = 1;
    return a;
fail:
    ddbxo_applier_free(a);
    return NULL;
}

DDBXO_API void ddbxo_applier_free(ddbxo_applier *a)
{
    if (!a)
        return;
    ddbxo__http_multi_free(a->multi);
    ddbxo_transform_free(a->own_transform);
    free(a->target_table);
    free(a->ledger_table);
    free(a->source_table);
    free(a->source_version_attr);
    free(a->version_attr);
    free(a->ttl_attr);
    free(a->park_queue_url);
    free(a);
}

/* A short, jittered pause before resending a transaction that met a
 * conflict: 20-40 ms, 40-80 ms, ... (the other transaction is usually
 * done by then), never past the deadline. */
static void resend_pause(int sends, int64_t deadline_ms)
{
    int64_t ms = 20LL << (sends > 4 ? 4 : (sends > 1 ? sends - 1 : 0));
    ms += rand() % (ms + 1);
    if (deadline_ms > 0) {
        int64_t now = ddbxo__wall_ms();
        if (now + ms >= deadline_ms)
            ms = deadline_ms > now ? (deadline_ms - now) / 2 : 0;
    }
    ddbxo__sleep_ms(ms);
}

/* FAILED_PERMANENT -> PARKED when the record reached the park queue. */
static int park_failed(ddbxo__plan *p)
{
    ddbxo_error perr;
    const json_t *raw = ddbxo__record_json(p->rec);
    size_t k;
    if (ddbxo__park(p->a, raw, p->dedup_key[0] ? p->dedup_key : NULL,
                    &p->err, p->deadline_ms, &perr) == 0)
        return DDBXO_PARKED;
    /* Keep the original error and say why parking did not help. */
    k = strlen(p->err.message);
    if (k + 20 < sizeof p->err.message)
        snprintf(p->err.message + k, sizeof p->err.message - k,
                 "; parking failed: %.*s",
                 (int)(sizeof p->err.message - k - 19), perr.message);
    return DDBXO_FAILED_PERMANENT;
}

void ddbxo__applier_new_call(ddbxo_applier *a)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[32];
    /* Without randomness a token could repeat across calls: send none. */
    if (RAND_bytes(r, (int)sizeof r) != 1) {
        a->call_id[0] = '\0';
        return;
    }
    for (size_t i = 0; i < sizeof r; i++) {
        a->call_id[2 * i] = hex[r[i] >> 4];
        a->call_id[2 * i + 1] = hex[r[i] & 15];
    }
    a->call_id[64] = '\0';
}

DDBXO_API int ddbxo_transact_apply(ddbxo_applier *a, const ddbxo_record *rec,
                                   const ddbxo_apply_options *opt,
                                   int *outcome_out, ddbxo_error *err)
{
    ddbxo__plan p;
    int outcome;
    if (outcome_out)
        *outcome_out = DDBXO_FAILED_PERMANENT;
    if (!a || !rec)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL applier or record");
    ddbxo__applier_new_call(a);
    ddbxo__plan_init(&p, a, rec, opt);
    if (ddbxo__plan_prepare(&p) == 0 && ddbxo__plan_request(&p) == 0) {
        for (;;) {
            ddbxo__aws_error detail;
            ddbxo_error cerr;
            int rc, resend = 0;
            ddbxo__aws_error_init(&detail);
            ddbxo_error_clear(&cerr);
            rc = ddbxo__ddb_call_splice(a->client, DDBXO_SERVICE_DYNAMODB,
                                        p.op, p.body, p.splices, p.nsplices,
                                        p.deadline_ms, NULL, &detail, &cerr);
            ddbxo__plan_classify(&p, rc, &cerr, &detail, &resend);
            ddbxo__aws_error_clear(&detail);
            if (!resend)
                break;
            resend_pause(p.sends, p.deadline_ms);
        }
    }
    outcome = p.outcome;
    if (outcome == DDBXO_FAILED_PERMANENT && a->park_queue_url)
        outcome = park_failed(&p);
    if (ddbxo_outcome_failed(outcome) || outcome == DDBXO_PARKED)
        ddbxo__err_copy(err, &p.err);
    else
        ddbxo_error_clear(err);
    ddbxo__plan_clear(&p);
    if (outcome_out)
        *outcome_out = outcome;
    /* The API's 0/-1: a record still to be delivered again failed. */
    return ddbxo_outcome_failed(outcome) ? -1 : 0;
}
