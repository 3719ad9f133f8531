/* The GROUP:SUM aggregate (docs/transform.md §4): per distinct value of
 * source attribute GROUP, a target item counting the source items in the
 * group and summing their SUM attribute.
 *
 * Every write is "ADD" only: additions commute, so the totals are exact
 * whatever order whole batches are applied in (a redrive, an overlap).
 * ADD is not idempotent, which is why the aggregate needs ledger or tracker
 * mode: the exactly-once guard is theirs. */
#include "transform_int.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "record.h"
#include "value.h"

typedef struct agg {
    char *group;
    char *sum;
} agg;

static void agg_free(void *p)
{
    agg *a = p;
    if (!a)
        return;
    free(a->group);
    free(a->sum);
    free(a);
}

/* One image's part: its group text (NULL = no group) and SUM value. */
typedef struct part {
    char *group;                       /* malloc'd, or NULL */
    char sum[DDBXO_NUMBER_BUFSIZE];    /* normalised; "0" when absent */
} part;

static int image_part(const agg *a, const json_t *img, const char *which,
                      part *out, ddbxo_error *err)
{
    const json_t *g = json_object_get(img, a->group);
    const json_t *s = json_object_get(img, a->sum);
    const char *t;
    json_t *x;

    out->group = NULL;
    strcpy(out->sum, "0");
    if (s) {
        t = json_object_iter_key(json_object_iter((json_t *)s));
        x = json_object_iter_value(json_object_iter((json_t *)s));
        if (!t || strcmp(t, "N") != 0 || !json_is_string(x))
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "%s.%s: the SUM attribute is %s; the aggregate "
                              "sums numbers (N)", which, a->sum,
                              t ? t : "not an AttributeValue");
        if (ddbxo__number_normalize(json_string_value(x),
                                    json_string_length(x), out->sum,
                                    sizeof out->sum, err) < 0)
            return -1;
    }
    if (!g)
        return 0;                   /* belongs to no group */
    t = json_object_iter_key(json_object_iter((json_t *)g));
    x = json_object_iter_value(json_object_iter((json_t *)g));
    if (t && json_is_string(x) &&
        (strcmp(t, "S") == 0 || strcmp(t, "B") == 0)) {
        /* B: its base64 text, a bijection because decoding is strict. */
        out->group = strndup(json_string_value(x), json_string_length(x));
        if (out->group && strlen(out->group) != json_string_length(x)) {
            free(out->group);
            out->group = NULL;
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "%s.%s: the group contains a NUL character, "
                              "which cannot be a key", which, a->group);
        }
    } else if (t && json_is_string(x) && strcmp(t, "N") == 0) {
        char n[DDBXO_NUMBER_BUFSIZE];
        if (ddbxo__number_normalize(json_string_value(x),
                                    json_string_length(x), n, sizeof n,
                                    err) < 0)
            return -1;
        out->group = strdup(n);
    } else {
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "%s.%s: the GROUP attribute is %s; a group must "
                          "be S, N or B", which, a->group,
                          t ? t : "not an AttributeValue");
    }
    if (!out->group)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

/* UPDATE group: ADD item_count dc, total dt (dc NULL: total only). */
static int add_update(ddbxo_writes *out, const char *group, const char *dc,
                      const char *dt, ddbxo_error *err)
{
    json_t *key, *names, *values;
    key = json_pack("{s{ss}}", "pk", "S", group);
    if (dc) {
        names = json_pack("{ssss}", "#c", "item_count", "#t", "total");
        values = json_pack("{s{ss}s{ss}}", ":dc", "N", dc, ":dt", "N", dt);
    } else {
        names = json_pack("{ss}", "#t", "total");
        values = json_pack("{s{ss}}", ":dt", "N", dt);
    }
    if (!key || !names || !values) {
        json_decref(key);
        json_decref(names);
        json_decref(values);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    return ddbxo__writes_update_json(out, NULL, key,
                                     dc ? "ADD #c :dc, #t :dt" : "ADD #t :dt",
                                     names, values, err);
}

static int enter(ddbxo_writes *out, const part *p, ddbxo_error *err)
{
    return p->group ? add_update(out, p->group, "1", p->sum, err) : 0;
}

static int leave(ddbxo_writes *out, const part *p, ddbxo_error *err)
{
    char neg[DDBXO_NUMBER_BUFSIZE];
    if (!p->group)
        return 0;
    if (ddbxo__decimal_neg(p->sum, neg, sizeof neg, err) < 0)
        return -1;
    return add_update(out, p->group, "-1", neg, err);
}

static int need(const json_t *img, const ddbxo_record *rec, const char *name,
                ddbxo_error *err)
{
    if (img)
        return 0;
    return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                      "%s record has no %s: the aggregate needs "
                      "NEW_AND_OLD_IMAGES", ddbxo_record_event_name_str(rec),
                      name);
}

static int agg_fn(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                  ddbxo_error *err)
{
    const agg *a = ctx;
    const char *vt = ddbxo_record_stream_view_type(rec);
    const json_t *ni = ddbxo__record_new_json(rec);
    const json_t *oi = ddbxo__record_old_json(rec);
    ddbxo_event_name ev = ddbxo_record_event_name(rec);
    part np = { NULL, "0" }, op = { NULL, "0" };
    int rc = -1;

    /* Absent (hand-made events): the images the event needs must be
     * there, which is checked below. */
    if (vt && strcmp(vt, "NEW_AND_OLD_IMAGES") != 0)
        return ddbxo__err(err, DDBXO_E_INVALID,
                          "dynamodb.StreamViewType",
                          "the stream view type is %s; the aggregate needs "
                          "NEW_AND_OLD_IMAGES (it counts what leaves a "
                          "group as well as what enters it)", vt);
    if (ev != DDBXO_EVENT_REMOVE &&
        (need(ni, rec, "NewImage", err) < 0 ||
         image_part(a, ni, "NewImage", &np, err) < 0))
        goto out;
    if (ev != DDBXO_EVENT_INSERT &&
        (need(oi, rec, "OldImage", err) < 0 ||
         image_part(a, oi, "OldImage", &op, err) < 0))
        goto out;

    if (ev == DDBXO_EVENT_MODIFY && np.group && op.group &&
        strcmp(np.group, op.group) == 0) {
        char d[DDBXO_NUMBER_BUFSIZE];
        if (ddbxo__decimal_sub(np.sum, op.sum, d, sizeof d, err) < 0)
            goto out;
        /* Same group, same sum: nothing to write (FILTERED). */
        rc = strcmp(d, "0") == 0 ? 0 : add_update(out, np.group, NULL, d,
                                                  err);
        goto out;
    }
    rc = leave(out, &op, err) < 0 || enter(out, &np, err) < 0 ? -1 : 0;
out:
    free(np.group);
    free(op.group);
    return rc;
}

DDBXO_API ddbxo_transform *ddbxo_transform_aggregate(const char *spec,
                                                     ddbxo_error *err)
{
    const char *colon;
    agg *a;

    if (!spec)
        return ddbxo__err(err, DDBXO_E_INVALID, "aggregate",
                          "aggregate spec is NULL (expected GROUP:SUM)"),
               NULL;
    colon = strchr(spec, ':');
    if (!colon)
        return ddbxo__err(err, DDBXO_E_INVALID, "aggregate",
                          "aggregate spec has no ':' (expected GROUP:SUM, "
                          "e.g. customer:amount)"), NULL;
    if (colon == spec || colon[1] == '\0')
        return ddbxo__err(err, DDBXO_E_INVALID, "aggregate",
                          "aggregate spec has an empty %s attribute name "
                          "(expected GROUP:SUM)",
                          colon == spec ? "GROUP" : "SUM"), NULL;
    if (strchr(colon + 1, ':'))
        return ddbxo__err(err, DDBXO_E_INVALID, "aggregate",
                          "aggregate spec has more than one ':' (expected "
                          "GROUP:SUM)"), NULL;
    if ((size_t)(colon - spec) > DDBXO_MAX_NAME_BYTES ||
        strlen(colon + 1) > DDBXO_MAX_NAME_BYTES)
        return ddbxo__err(err, DDBXO_E_INVALID, "aggregate",
                          "aggregate spec: attribute name too long"), NULL;
    if (!(a = calloc(1, sizeof *a)) ||
        !(a->group = strndup(spec, (size_t)(colon - spec))) ||
        !(a->sum = strdup(colon + 1))) {
        agg_free(a);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    }
    return ddbxo__transform_make(agg_fn, a, agg_free, 1, err);
}
