/* ddbxo verify with an aggregate (GROUP:SUM): each target group item
 * against the count and exact sum recomputed from a scan of the source.
 * The source item's contribution is what the aggregate transform itself
 * writes for it as an INSERT (ADD item_count :dc, total :dt), so group
 * naming and number rules are the transform's own.
 *
 * A group cannot be read again by key on the source side (it is a sum
 * over a scan), so the second look after the settle time is a second
 * full comparison: a group counts only when it differs in both. */
#include "backfill/verify_agg.h"
#include "backfill/scan.h"
#include "backfill/synth.h"
#include "backfill/verify_item.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/error.h"
#include "transform/transform.h"
#include "value/value.h"

typedef struct actx {
    ddbxo_client *c;
    const ddbxo__verify_config *cfg;
    ddbxo__keyschema src_ks;
    ddbxo__pace *rcu;
    json_t *src;                 /* group -> ["count", "total"] */
    json_t *tgt;                 /* the same, as the target holds it */
    long long source_items, target_items;
    long long unusable;          /* source items the transform refuses */
} actx;

static const char *num_at(const json_t *pair, size_t i)
{
    const char *s = json_string_value(json_array_get(pair, i));
    return s ? s : "0";
}

/* pair[i] += add, exactly. */
static int add_into(json_t *pair, size_t i, const char *add, ddbxo_error *err)
{
    char neg[DDBXO_NUMBER_BUFSIZE], sum[DDBXO_NUMBER_BUFSIZE];
    if (ddbxo__decimal_neg(add, neg, sizeof neg, err) < 0 ||
        ddbxo__decimal_sub(num_at(pair, i), neg, sum, sizeof sum, err) < 0)
        return -1;
    return json_array_set_new(pair, i, json_string(sum));
}

static json_t *pair_of(json_t *map, const char *group)
{
    json_t *p = json_object_get(map, group);
    if (!p && (p = json_pack("[ss]", "0", "0")))
        json_object_set_new(map, group, p);
    return p;
}

static int source_page(void *ctx, const json_t *items, ddbxo_error *err)
{
    actx *a = ctx;
    const json_t *item;
    size_t i;
    json_array_foreach(items, i, item) {
        ddbxo_record *rec = ddbxo__synth_record(item, &a->src_ks, err);
        char *text = rec ? ddbxo_transform_run(a->cfg->transform, rec, NULL, err)
                         : NULL;
        json_t *writes = text ? json_loads(text, 0, NULL) : NULL, *w;
        size_t k;
        int rc = writes ? 0 : -1;
        a->source_items++;
        if (rec && !text && ddbxo__item_refused(err)) {
            /* run fails this item's records for good: it adds nothing */
            a->unusable++;
            ddbxo_error_clear(err);
            ddbxo_record_free(rec);
            continue;
        }
        json_array_foreach(writes, k, w) {
            const json_t *u = json_object_get(w, "Update");
            const char *g = json_string_value(json_object_get(
                json_object_get(json_object_get(u, "Key"), "pk"), "S"));
            const json_t *vals = json_object_get(u, "ExpressionAttributeValues");
            const char *dc = json_string_value(json_object_get(json_object_get(vals, ":dc"), "N"));
            const char *dt = json_string_value(json_object_get(json_object_get(vals, ":dt"), "N"));
            json_t *p = g ? pair_of(a->src, g) : NULL;
            if (!p || (dc && add_into(p, 0, dc, err) < 0) ||
                (dt && add_into(p, 1, dt, err) < 0)) {
                rc = -1;
                break;
            }
        }
        if (rc < 0 && err && err->code == DDBXO_OK)
            ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                       "unreadable aggregate transform output");
        json_decref(writes);
        ddbxo_free(text);
        ddbxo_record_free(rec);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int target_page(void *ctx, const json_t *items, ddbxo_error *err)
{
    actx *a = ctx;
    const json_t *item;
    size_t i;
    json_array_foreach(items, i, item) {
        const char *g = json_string_value(json_object_get(json_object_get(item, "pk"), "S"));
        const char *n = json_string_value(json_object_get(json_object_get(item, "item_count"), "N"));
        const char *t = json_string_value(json_object_get(json_object_get(item, "total"), "N"));
        a->target_items++;
        if (g && json_object_set_new(a->tgt, g, json_pack("[ss]", n ? n : "0",
                                                           t ? t : "0")))
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    return 0;
}

static int is_zero(const char *n)
{
    return ddbxo__decimal_cmp(n, "0", NULL) == 0;
}

/* One full comparison: group -> class of every differing group. */
static json_t *compare_once(actx *a, ddbxo_error *err)
{
    int nseg = a->cfg->segments ? a->cfg->segments
                                : DDBXO_BACKFILL_DEFAULT_SEGMENTS;
    json_t *diffs = json_object(), *p;
    const char *g;
    json_decref(a->src);
    json_decref(a->tgt);
    a->src = json_object();
    a->tgt = json_object();
    a->source_items = a->target_items = a->unusable = 0;
    if (!diffs || !a->src || !a->tgt ||
        ddbxo__scan_all(a->c, a->cfg->source_table, nseg, a->rcu, source_page,
                        a, err) < 0 ||
        ddbxo__scan_all(a->c, a->cfg->target_table, nseg, a->rcu, target_page,
                        a, err) < 0) {
        json_decref(diffs);
        return NULL;
    }
    json_object_foreach(a->src, g, p) {
        const json_t *t = json_object_get(a->tgt, g);
        int cls = DDBXO__V_EQUAL;
        if (!t)
            cls = is_zero(num_at(p, 0)) && is_zero(num_at(p, 1))
                      ? DDBXO__V_EQUAL : DDBXO__V_MISSING;
        else if (ddbxo__decimal_cmp(num_at(p, 0), num_at(t, 0), NULL) != 0 ||
                 ddbxo__decimal_cmp(num_at(p, 1), num_at(t, 1), NULL) != 0)
            cls = DDBXO__V_DIFFERENT;
        if (cls != DDBXO__V_EQUAL)
            json_object_set_new(diffs, g, json_integer(cls));
    }
    /* An emptied group keeps its item at 0 (docs/transform.md §5). */
    json_object_foreach(a->tgt, g, p)
        if (!json_object_get(a->src, g) &&
            !(is_zero(num_at(p, 0)) && is_zero(num_at(p, 1))))
            json_object_set_new(diffs, g, json_integer(DDBXO__V_EXTRA));
    return diffs;
}

static char *report(actx *a, const json_t *first, const json_t *left,
                    long long resolved, double secs)
{
    ddbxo__vreport r;
    const char *g;
    json_t *c;
    ddbxo__vreport_init(&r, "aggregate", a->cfg);
    r.source_items = a->source_items;
    r.target_items = a->target_items;
    r.resolved = resolved;
    r.secs = secs;
    r.rcu = ddbxo__pace_spent(a->rcu);
    json_object_foreach((json_t *)first, g, c)
        r.found[json_integer_value(c)]++;
    json_object_foreach((json_t *)left, g, c) {
        json_t *key = json_pack("{s:{s:s}}", "pk", "S", g);
        ddbxo__vreport_add(&r, (int)json_integer_value(c), key);
        json_decref(key);
    }
    return ddbxo__summary_text(ddbxo__vreport_json(
        &r, json_pack("{s:I,s:I}", "groups", (long long)json_object_size(a->src),
                      "source_unusable", a->unusable)));
}

int ddbxo__verify_aggregate(ddbxo_client *c, const ddbxo__verify_config *cfg,
                            char **out, ddbxo_error *err)
{
    actx a;
    ddbxo__pace rcu;
    json_t *first = NULL, *second = NULL, *left = json_object(), *cls;
    int64_t start = ddbxo__now_ms();
    const char *g;
    int rc = -1;
    *out = NULL;
    if (cfg->repair)
        return ddbxo__err(err, DDBXO_E_CONFIG, "repair",
                          "an aggregate is not repaired group by group: "
                          "rebuild it (docs/backfill.md, \"Aggregates\")");
    memset(&a, 0, sizeof a);
    a.c = c;
    a.cfg = cfg;
    a.rcu = &rcu;
    ddbxo__pace_init(&rcu, cfg->max_rcu, start);
    if (!left || ddbxo__table_describe(c, cfg->source_table, &a.src_ks, NULL,
                                       err) < 0 ||
        !(first = compare_once(&a, err)))
        goto out;
    if (json_object_size(first) && cfg->settle_ms >= 0) {
        ddbxo__nap_stoppable(cfg->settle_ms, NULL);
        if (!(second = compare_once(&a, err)))
            goto out;
        json_object_foreach(second, g, cls)
            if (json_object_get(first, g))
                json_object_set(left, g, cls);
    } else {
        json_object_update(left, first);
    }
    if (!(*out = report(&a, first, left,
                        (long long)(json_object_size(first) -
                                    json_object_size(left)),
                        (double)(ddbxo__now_ms() - start) / 1000.0))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    rc = json_object_size(left) ? 1 : 0;
out:
    ddbxo__pace_destroy(&rcu);
    json_decref(a.src);
    json_decref(a.tgt);
    json_decref(first);
    json_decref(second);
    json_decref(left);
    return rc;
}
