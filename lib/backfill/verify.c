/* ddbxo verify, replicate mode: is the target f(source)?
 *
 * 1. Scan the source: for each item, the item the target should hold
 *    (lib/backfill/verify_item.c), by target key: its digest and source key.
 * 2. Scan the target: each key is equal, different (both live, contents
 *    differ), stale (a tombstone where the source has the item: a delete
 *    the source undid never reached the target) or extra (live, and the
 *    source has nothing for it); a tombstone of an absent item is equal.
 *    Expected keys never met are missing.
 * 3. On a live table a difference may be a record in flight: after the
 *    settle time each differing key is read again on both sides
 *    (consistent BatchGetItem) and only what still differs is reported;
 *    the rest counts as resolved.
 * 4. --repair re-applies the source's state of what persists
 *    (lib/backfill/verify_repair.c). */
#include "backfill/verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo/sys/apply.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"

typedef struct vctx {
    ddbxo_client *c;
    const ddbxo__verify_config *cfg;
    ddbxo__keyschema src_ks, tgt_ks;
    ddbxo__pace rcu;
    ddbxo__keymap want;  /* target key text -> source key, digest, seen */
    json_t *diffs;       /* [{"c": class, "k": tkey, "s": skey|null}] */
    long long source_items, target_items, expected;
    long long unusable;          /* source items the transform refuses */
    long long unusable_now;      /* the same, on the second look */
    long long found[DDBXO__V_CLASSES];
} vctx;

static void vlog(vctx *v, int level, const char *fmt, ...) DDBXO_PRINTF(3, 4);
static void vlog(vctx *v, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ddbxo__vlogf(v->cfg->log, v->cfg->log_ctx, level, fmt, ap);
    va_end(ap);
}

static int nomem(ddbxo_error *err)
{
    return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
}

/* Step 1, one page of the source. */
static int source_page(void *ctx, const json_t *items, ddbxo_error *err)
{
    vctx *v = ctx;
    json_t *src;
    size_t i;
    json_array_foreach(items, i, src) {
        json_t *want = NULL, *tkey = NULL, *skey = NULL;
        char *text = NULL, *stext = NULL, *digest = NULL;
        int rc;
        v->source_items++;
        if ((rc = ddbxo__expected_item(v->cfg->transform, src, &v->src_ks,
                                       &want, &v->unusable, err)) <= 0) {
            if (rc < 0)
                return -1;
            continue;            /* the transform skips it: nothing due */
        }
        rc = -1;
        if (!(tkey = ddbxo__item_key(want, &v->tgt_ks)))
            ddbxo__err(err, DDBXO_E_INVALID, "transform",
                       "the transformed item lacks the target's key "
                       "attribute %s", v->tgt_ks.hash);
        else if ((skey = ddbxo__item_key(src, &v->src_ks)) &&
                 (text = ddbxo__key_text(tkey)) &&
                 (stext = ddbxo__key_text(skey)) &&
                 (digest = ddbxo__item_digest(want, err)))
            rc = ddbxo__keymap_put(&v->want, text, stext, digest) < 0
                     ? nomem(err) : 0;
        else if (!err || err->code == DDBXO_OK)
            nomem(err);
        if (rc == 0)
            v->expected++;
        free(digest);
        free(text);
        free(stext);
        json_decref(skey);
        json_decref(tkey);
        json_decref(want);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The class of a key given what is due there (digest, NULL = nothing) and
 * what the target holds (NULL = nothing). */
static int classify(const char *due, const json_t *cur, ddbxo_error *err,
                    int *cls)
{
    char *d;
    if (!due) {
        *cls = cur && !ddbxo__is_tombstone(cur) ? DDBXO__V_EXTRA
                                                : DDBXO__V_EQUAL;
        return 0;
    }
    if (!cur) {
        *cls = DDBXO__V_MISSING;
        return 0;
    }
    if (ddbxo__is_tombstone(cur)) {
        *cls = DDBXO__V_STALE;
        return 0;
    }
    if (!(d = ddbxo__item_digest(cur, err)))
        return -1;
    *cls = strcmp(d, due) == 0 ? DDBXO__V_EQUAL : DDBXO__V_DIFFERENT;
    free(d);
    return 0;
}

static int add_diff(vctx *v, int cls, const json_t *tkey, const json_t *skey)
{
    v->found[cls]++;
    return json_array_append_new(v->diffs,
                                 json_pack("{s:i,s:O,s:O}", "c", cls, "k",
                                           tkey, "s",
                                           skey ? skey : json_null()));
}

/* add_diff with the keys as texts (from the map). */
static int add_diff_text(vctx *v, int cls, const char *tkey, const char *skey)
{
    json_t *t = json_loads(tkey, 0, NULL), *k = json_loads(skey, 0, NULL);
    int rc = t && k ? add_diff(v, cls, t, k) : -1;
    json_decref(t);
    json_decref(k);
    return rc;
}

/* Step 2, one page of the target. */
static int target_page(void *ctx, const json_t *items, ddbxo_error *err)
{
    vctx *v = ctx;
    json_t *cur;
    size_t i;
    json_array_foreach(items, i, cur) {
        json_t *tkey = ddbxo__item_key(cur, &v->tgt_ks);
        char *text = tkey ? ddbxo__key_text(tkey) : NULL;
        ddbxo__kentry *e;
        int cls = DDBXO__V_EQUAL, rc = 0;
        v->target_items++;
        if (!text) {
            json_decref(tkey);
            return nomem(err);
        }
        if ((e = ddbxo__keymap_get(&v->want, text)))
            e->seen = 1;
        rc = classify(e ? e->due : NULL, cur, err, &cls);
        if (rc == 0 && cls != DDBXO__V_EQUAL &&
            (e ? add_diff_text(v, cls, e->keys, ddbxo__kentry_skey(e))
               : add_diff(v, cls, tkey, v->cfg->same_key ? tkey : NULL)))
            rc = nomem(err);
        free(text);
        json_decref(tkey);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Step 2's end: what the target never showed is missing. */
static int add_missing(vctx *v)
{
    for (size_t i = 0; i < v->want.cap; i++) {
        const ddbxo__kentry *e = &v->want.v[i];
        if (e->keys && !e->seen &&
            add_diff_text(v, DDBXO__V_MISSING, e->keys, ddbxo__kentry_skey(e)))
            return -1;
    }
    return 0;
}

/* Consistent reads of the differing keys on both sides: *tgt and *src map
 * key text to the current item. */
static int reread(vctx *v, json_t **tgt, json_t **src, ddbxo_error *err)
{
    json_t *tkeys = json_array(), *skeys = json_array(), *d;
    size_t i;
    int rc = -1;
    *tgt = *src = NULL;
    if (!tkeys || !skeys)
        goto out;
    json_array_foreach(v->diffs, i, d) {
        json_array_append(tkeys, json_object_get(d, "k"));
        if (!json_is_null(json_object_get(d, "s")))
            json_array_append(skeys, json_object_get(d, "s"));
    }
    if (ddbxo__batch_get(v->c, v->cfg->target_table, tkeys, &v->tgt_ks,
                         &v->rcu, tgt, err) < 0 ||
        ddbxo__batch_get(v->c, v->cfg->source_table, skeys, &v->src_ks,
                         &v->rcu, src, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0 && (!err || err->code == DDBXO_OK))
        nomem(err);
    json_decref(tkeys);
    json_decref(skeys);
    return rc;
}

/* What is due at tkey now, given the source item src (NULL = gone): the
 * digest (malloc'd) or NULL for nothing.  -1 with err. */
static int due_now(vctx *v, const json_t *src, const json_t *tkey,
                   char **due, ddbxo_error *err)
{
    json_t *want = NULL, *k = NULL;
    int rc;
    *due = NULL;
    if (!src)
        return 0;
    if ((rc = ddbxo__expected_item(v->cfg->transform, src, &v->src_ks, &want,
                                   &v->unusable_now, err)) <= 0)
        return rc;
    /* A re-keying transform may now put the item elsewhere. */
    k = ddbxo__item_key(want, &v->tgt_ks);
    if (k && json_equal(k, tkey) && !(*due = ddbxo__item_digest(want, err)))
        rc = -1;
    json_decref(k);
    json_decref(want);
    return rc < 0 ? -1 : 0;
}

static const json_t *lookup(const json_t *map, const json_t *key)
{
    char *text = json_is_null(key) ? NULL : ddbxo__key_text(key);
    const json_t *item = text ? json_object_get(map, text) : NULL;
    free(text);
    return item;
}

/* Step 3 (and 4): keeps in v->diffs what still differs, with the current
 * items for the repair. */
static int settle(vctx *v, long long *resolved, json_t *repaired,
                  long long *refused, ddbxo_error *err)
{
    json_t *tgt = NULL, *src = NULL, *left = json_array(), *d;
    ddbxo__repair_ctx rctx;
    size_t i;
    int rc = -1;
    memset(&rctx, 0, sizeof rctx);
    if (!left)
        return nomem(err);
    if (v->cfg->settle_ms > 0) {
        vlog(v, DDBXO_LOG_INFO, "%zu difference(s); reading them again in "
             "%lld ms", json_array_size(v->diffs),
             (long long)v->cfg->settle_ms);
        ddbxo__nap_stoppable(v->cfg->settle_ms, NULL);
    }
    if (reread(v, &tgt, &src, err) < 0)
        goto out;
    if (v->cfg->repair) {
        rctx.c = v->c;
        rctx.cfg = v->cfg;
        rctx.src_ks = &v->src_ks;
        rctx.tgt_ks = &v->tgt_ks;
        if (!(rctx.ap = ddbxo__synth_applier(v->c, v->cfg->source_table,
                                             v->cfg->target_table,
                                             v->cfg->version_attr,
                                             v->cfg->transform, err)))
            goto out;
    }
    json_array_foreach(v->diffs, i, d) {
        const json_t *tkey = json_object_get(d, "k");
        const json_t *s = lookup(src, json_object_get(d, "s"));
        const json_t *cur = lookup(tgt, tkey);
        char *due = NULL;
        int cls;
        /* s is NULL also for an extra of a re-keying transform, whose
         * source item cannot be read by key: only the target is looked
         * at again. */
        if (due_now(v, s, tkey, &due, err) < 0 ||
            classify(due, cur, err, &cls) < 0) {
            free(due);
            goto out;
        }
        free(due);
        if (cls == DDBXO__V_EQUAL) {
            (*resolved)++;
            continue;
        }
        json_object_set_new((json_t *)d, "c", json_integer(cls));
        json_array_append((json_t *)left, (json_t *)d);
        if (v->cfg->repair) {
            int r = ddbxo__repair_one(&rctx, cls, tkey, s, cur, err);
            if (r < 0)
                goto out;
            if (r > 0) {
                const char *name = ddbxo__verify_class_name(cls);
                json_object_set_new(repaired, name, json_integer(
                    json_integer_value(json_object_get(repaired, name)) + 1));
            } else if (cls != DDBXO__V_EXTRA || v->cfg->repair_extra) {
                (*refused)++;
            }
        }
    }
    json_decref(v->diffs);
    v->diffs = left;
    left = NULL;
    rc = 0;
out:
    ddbxo_applier_free(rctx.ap);
    json_decref(left);
    json_decref(tgt);
    json_decref(src);
    return rc;
}

static char *report(vctx *v, long long resolved, json_t *repaired,
                    long long refused, double secs)
{
    ddbxo__vreport r;
    json_t *d;
    size_t i;
    ddbxo__vreport_init(&r, "replicate", v->cfg);
    r.source_items = v->source_items;
    r.target_items = v->target_items;
    memcpy(r.found, v->found, sizeof r.found);
    r.resolved = resolved;
    r.secs = secs;
    r.rcu = ddbxo__pace_spent(&v->rcu);
    json_array_foreach(v->diffs, i, d)
        ddbxo__vreport_add(&r, (int)json_integer_value(json_object_get(d, "c")),
                           json_object_get(d, "k"));
    return ddbxo__summary_text(ddbxo__vreport_json(
        &r, json_pack("{s:I,s:I,s:I,s:O,s:I}", "expected_items", v->expected,
                      "source_unusable", v->unusable,
                      "settle_ms",
                      (long long)(v->cfg->settle_ms > 0 ? v->cfg->settle_ms : 0),
                      "repaired", repaired, "repair_refused", refused)));
}

int ddbxo__verify_run(ddbxo_client *c, const ddbxo__verify_config *cfg,
                      char **out, ddbxo_error *err)
{
    vctx v;
    json_t *repaired = json_object();
    long long resolved = 0, refused = 0;
    int64_t start = ddbxo__now_ms();
    int nseg = cfg->segments ? cfg->segments : DDBXO_BACKFILL_DEFAULT_SEGMENTS;
    int rc = -1;
    *out = NULL;
    if (cfg->transform && ddbxo_transform_needs_ledger(cfg->transform)) {
        json_decref(repaired);
        return ddbxo__verify_aggregate(c, cfg, out, err);
    }
    memset(&v, 0, sizeof v);
    v.c = c;
    v.cfg = cfg;
    ddbxo__pace_init(&v.rcu, cfg->max_rcu, start);
    v.diffs = json_array();
    if (!v.diffs || !repaired) {
        nomem(err);
        goto out;
    }
    if (ddbxo__table_describe(c, cfg->source_table, &v.src_ks, NULL, err) < 0 ||
        ddbxo__table_describe(c, cfg->target_table, &v.tgt_ks, NULL, err) < 0 ||
        ddbxo__scan_all(c, cfg->source_table, nseg, &v.rcu, source_page, &v,
                        err) < 0 ||
        ddbxo__scan_all(c, cfg->target_table, nseg, &v.rcu, target_page, &v,
                        err) < 0)
        goto out;
    if (add_missing(&v) < 0) {
        nomem(err);
        goto out;
    }
    /* The second look: unless told not to, and always before a repair. */
    if (json_array_size(v.diffs) && (cfg->settle_ms >= 0 || cfg->repair) &&
        settle(&v, &resolved, repaired, &refused, err) < 0)
        goto out;
    if (!(*out = report(&v, resolved, repaired, refused,
                        (double)(ddbxo__now_ms() - start) / 1000.0))) {
        nomem(err);
        goto out;
    }
    rc = json_array_size(v.diffs) ? 1 : 0;
out:
    ddbxo__pace_destroy(&v.rcu);
    json_decref(repaired);
    ddbxo__keymap_clear(&v.want);
    json_decref(v.diffs);
    return rc;
}
