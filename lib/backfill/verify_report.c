/* The report of ddbxo verify, one shape for both modes: what persists by
 * class with sample keys, what the first look found, what resolved, and
 * the read capacity spent.  Keys only: never an item's contents. */
#include "backfill/verify_report.h"

#include <string.h>

static const char *const class_names[DDBXO__V_CLASSES] = {
    "equal", "missing", "extra", "different", "stale"
};

const char *ddbxo__verify_class_name(int cls)
{
    return cls >= 0 && cls < DDBXO__V_CLASSES ? class_names[cls] : "?";
}

void ddbxo__vreport_init(ddbxo__vreport *r, const char *mode,
                         const ddbxo__verify_config *cfg)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    r->cfg = cfg;
    r->samples = json_object();
    for (int c = DDBXO__V_MISSING; c < DDBXO__V_CLASSES; c++)
        json_object_set_new(r->samples, ddbxo__verify_class_name(c),
                            json_array());
}

void ddbxo__vreport_add(ddbxo__vreport *r, int cls, const json_t *key)
{
    json_t *list = json_object_get(r->samples, ddbxo__verify_class_name(cls));
    int max = r->cfg->samples ? r->cfg->samples : DDBXO_VERIFY_DEFAULT_SAMPLES;
    r->n[cls]++;
    if ((int)json_array_size(list) < max)
        json_array_append(list, (json_t *)key);
}

static json_t *by_class(const long long n[DDBXO__V_CLASSES])
{
    return json_pack("{s:I,s:I,s:I,s:I}", "missing", n[DDBXO__V_MISSING],
                     "extra", n[DDBXO__V_EXTRA], "different",
                     n[DDBXO__V_DIFFERENT], "stale", n[DDBXO__V_STALE]);
}

json_t *ddbxo__vreport_json(ddbxo__vreport *r, json_t *extra)
{
    long long total = 0;
    json_t *j, *counts = by_class(r->n);
    for (int c = DDBXO__V_MISSING; c < DDBXO__V_CLASSES; c++)
        total += r->n[c];
    j = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "mode", r->mode,
                  "source_table", r->cfg->source_table, "target_table",
                  r->cfg->target_table, "source_items", r->source_items,
                  "target_items", r->target_items, "differences", total);
    if (j && counts && extra &&
        json_object_update(j, counts) == 0 &&
        json_object_set_new(j, "resolved", json_integer(r->resolved)) == 0 &&
        json_object_set_new(j, "found", by_class(r->found)) == 0 &&
        json_object_set(j, "samples", r->samples) == 0 &&
        json_object_update(j, extra) == 0 &&
        json_object_set_new(j, "seconds", json_real(r->secs)) == 0 &&
        json_object_set_new(j, "rcu", json_real(r->rcu)) == 0 &&
        json_object_set_new(j, "rcu_per_s",
                            json_real(r->secs > 0 ? r->rcu / r->secs : 0)) == 0) {
        /* complete */
    } else {
        json_decref(j);
        j = NULL;
    }
    json_decref(counts);
    json_decref(extra);
    json_decref(r->samples);
    r->samples = NULL;
    return j;
}
