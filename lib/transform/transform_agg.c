/* The GROUP:SUM aggregate (docs/transform.md §4): per distinct value of
 * source attribute GROUP, a target item counting the source items in the
 * group and summing their SUM attribute.
 *
 * Every write is "ADD" only: additions commute, so the totals are exact
 * whatever order whole batches are applied in (a redrive, an overlap).
 * ADD is not idempotent, which is why the aggregate needs ledger or tracker
 * mode: the exactly-once guard is theirs. */
#include "transform/transform_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/error.h"
#include "stream/record.h"
#include "value/value.h"
#include "transform/transform.h"

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

/* The type key of AttributeValue node v ("not an AttributeValue" when it
 * is none), for messages. */
static const char *type_name(const ddbxo__doc *d, size_t v)
{
    int t = ddbxo__av_type(d, v, NULL);
    return t ? ddbxo__type_key(t) : "not an AttributeValue";
}

/* The image is read in the record's document: no tree is built. */
static int image_part(const agg *a, const ddbxo_value *img,
                      const char *which, part *out, ddbxo_error *err)
{
    const ddbxo__doc *d = img->doc;
    size_t g = ddbxo__doc_get(d, img->node, a->group, strlen(a->group));
    size_t s = ddbxo__doc_get(d, img->node, a->sum, strlen(a->sum));
    size_t x, n;
    const char *txt;
    ddbxo__buf b;
    int t, rc = 0;

    out->group = NULL;
    strcpy(out->sum, "0");
    ddbxo__buf_init(&b);
    if (s) {
        if (ddbxo__av_type(d, s, &x) != DDBXO_TYPE_N ||
            ddbxo__doc_type(d, x) != DDBXO__J_STR) {
            ddbxo__buf_free(&b);
            return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                              "%s.%s: the SUM attribute is %s; the aggregate "
                              "sums numbers (N)", which, a->sum,
                              type_name(d, s));
        }
        txt = ddbxo__doc_str(d, x, &b, &n);
        if (!txt || ddbxo__number_normalize(txt, n, out->sum,
                                            sizeof out->sum, err) < 0) {
            ddbxo__buf_free(&b);
            return txt ? -1 : ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                                         "out of memory");
        }
    }
    if (!g) {
        ddbxo__buf_free(&b);
        return 0;                   /* belongs to no group */
    }
    t = ddbxo__av_type(d, g, &x);
    txt = (t == DDBXO_TYPE_S || t == DDBXO_TYPE_B || t == DDBXO_TYPE_N) &&
                  ddbxo__doc_type(d, x) == DDBXO__J_STR
              ? ddbxo__doc_str(d, x, &b, &n) : NULL;
    if (txt && (t == DDBXO_TYPE_S || t == DDBXO_TYPE_B)) {
        /* B: its base64 text, a bijection because decoding is strict. */
        if (memchr(txt, '\0', n))
            rc = ddbxo__err(err, DDBXO_E_INVALID, NULL,
                            "%s.%s: the group contains a NUL character, "
                            "which cannot be a key", which, a->group);
        else if (!(out->group = strndup(txt, n)))
            rc = ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    } else if (txt) {
        char num[DDBXO_NUMBER_BUFSIZE];
        if (ddbxo__number_normalize(txt, n, num, sizeof num, err) < 0)
            rc = -1;
        else if (!(out->group = strdup(num)))
            rc = ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    } else {
        rc = ddbxo__err(err, DDBXO_E_INVALID, NULL,
                        "%s.%s: the GROUP attribute is %s; a group must "
                        "be S, N or B", which, a->group, type_name(d, g));
    }
    ddbxo__buf_free(&b);
    return rc;
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

static int need(const ddbxo_value *img, const ddbxo_record *rec, const char *name,
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
    const ddbxo_value *ni = ddbxo_record_new_image(rec);
    const ddbxo_value *oi = ddbxo_record_old_image(rec);
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
