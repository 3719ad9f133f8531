/* The reading half of backfill and verify: a table's key schema, one page
 * of a parallel Scan with the capacity it reports, and the check that the
 * source's stream can carry the changes made while a backfill runs. */
#include "backfill/scan.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/ddb.h"
#include "util/error.h"

int ddbxo__table_describe(ddbxo_client *c, const char *table,
                          ddbxo__keyschema *ks, json_t **desc,
                          ddbxo_error *err)
{
    json_t *out = NULL, *t, *k;
    size_t i;
    if (desc)
        *desc = NULL;
    memset(ks, 0, sizeof *ks);
    if (ddbxo__ddb_describe_table(c, table, 0, &out, err) < 0)
        return -1;
    t = json_object_get(out, "Table");
    json_array_foreach(json_object_get(t, "KeySchema"), i, k) {
        const char *name = json_string_value(json_object_get(k, "AttributeName"));
        const char *type = json_string_value(json_object_get(k, "KeyType"));
        if (!name || !type || strlen(name) >= DDBXO__KEY_NAME_BUFSIZE)
            continue;
        ddbxo__strlcpy(strcmp(type, "HASH") == 0 ? ks->hash : ks->range,
                       name, DDBXO__KEY_NAME_BUFSIZE);
    }
    if (!ks->hash[0]) {
        json_decref(out);
        return ddbxo__err(err, DDBXO_E_AWS, "KeySchema",
                          "DescribeTable %s: no partition key in KeySchema",
                          table);
    }
    if (desc)
        *desc = json_incref(t);
    json_decref(out);
    return 0;
}

json_t *ddbxo__item_key(const json_t *item, const ddbxo__keyschema *ks)
{
    json_t *h = json_object_get(item, ks->hash), *key;
    json_t *r = ks->range[0] ? json_object_get(item, ks->range) : NULL;
    if (!h || (ks->range[0] && !r) || !(key = json_object()))
        return NULL;
    json_object_set(key, ks->hash, h);
    if (r)
        json_object_set(key, ks->range, r);
    return key;
}

double ddbxo__consumed_units(const json_t *resp)
{
    const json_t *cc = json_object_get(resp, "ConsumedCapacity"), *e;
    double sum = 0;
    size_t i;
    if (json_is_object(cc))
        return json_number_value(json_object_get(cc, "CapacityUnits"));
    json_array_foreach(cc, i, e)
        sum += json_number_value(json_object_get(e, "CapacityUnits"));
    return sum;
}

int ddbxo__scan_page(ddbxo_client *c, const char *table, int segment,
                     int total, const json_t *start_key, int limit,
                     json_t **resp, double *rcu, ddbxo_error *err)
{
    /* Consistent reads: a page reflects every write acknowledged before
     * it, which the convergence argument (docs/exactly-once.md) needs. */
    json_t *body = json_pack("{s:s,s:b,s:s}", "TableName", table,
                             "ConsistentRead", 1, "ReturnConsumedCapacity",
                             "TOTAL");
    int rc;
    *resp = NULL;
    *rcu = 0;
    if (!body)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    if (total > 0) {
        json_object_set_new(body, "Segment", json_integer(segment));
        json_object_set_new(body, "TotalSegments", json_integer(total));
    }
    if (limit > 0)
        json_object_set_new(body, "Limit", json_integer(limit));
    if (start_key)
        json_object_set(body, "ExclusiveStartKey", (json_t *)start_key);
    rc = ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "Scan", body, 0, resp,
                         NULL, err);
    json_decref(body);
    if (rc == 0)
        *rcu = ddbxo__consumed_units(*resp);
    return rc;
}

int ddbxo__stream_check(const json_t *desc, int need_old,
                        ddbxo__stream_info *si, ddbxo_error *err)
{
    const json_t *spec = json_object_get(desc, "StreamSpecification");
    const char *view = json_string_value(json_object_get(spec, "StreamViewType"));
    const char *label = json_string_value(json_object_get(desc, "LatestStreamLabel"));
    const char *arn = json_string_value(json_object_get(desc, "LatestStreamArn"));
    memset(si, 0, sizeof *si);
    if (!json_is_true(json_object_get(spec, "StreamEnabled")) || !view)
        return ddbxo__err(err, DDBXO_E_CONFIG, "StreamSpecification",
                          "the source table has no stream: enable one "
                          "(NEW_AND_OLD_IMAGES) and start `ddbxo run` on it "
                          "before the backfill, so the writes made while "
                          "the scan runs reach the target "
                          "(docs/backfill.md)");
    if (strcmp(view, "NEW_AND_OLD_IMAGES") != 0 &&
        (need_old || strcmp(view, "NEW_IMAGE") != 0))
        return ddbxo__err(err, DDBXO_E_CONFIG, "StreamViewType",
                          "the source stream's view type is %s; this "
                          "pipeline needs %s: the stream consumer could not "
                          "apply what the backfill races with", view,
                          need_old ? "NEW_AND_OLD_IMAGES"
                                   : "NEW_IMAGE or NEW_AND_OLD_IMAGES");
    ddbxo__strlcpy(si->view_type, view, sizeof si->view_type);
    ddbxo__strlcpy(si->label, label ? label : "", sizeof si->label);
    ddbxo__strlcpy(si->arn, arn ? arn : "", sizeof si->arn);
    return 0;
}

char *ddbxo__key_text(const json_t *key)
{
    return json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS);
}

typedef struct scan_job {
    ddbxo_client *c;
    const char *table;
    int nseg;
    ddbxo__pace *rcu;
    ddbxo__page_fn fn;
    void *ctx;
    pthread_mutex_t mu;
    volatile int failed;         /* the first error ends every segment */
    ddbxo_error err;
} scan_job;

typedef struct scan_seg {
    scan_job *job;
    int idx;
    pthread_t th;
} scan_seg;

static void fail_job(scan_job *j, const ddbxo_error *e)
{
    pthread_mutex_lock(&j->mu);
    if (!j->failed)
        ddbxo__err_copy(&j->err, e);
    j->failed = 1;
    pthread_mutex_unlock(&j->mu);
}

static void *scan_segment(void *arg)
{
    scan_seg *s = arg;
    scan_job *j = s->job;
    json_t *start = NULL;
    ddbxo_error e;
    do {
        json_t *resp = NULL, *lek;
        double rcu = 0;
        int rc;
        if (ddbxo__scan_page(j->c, j->table, s->idx, j->nseg, start,
                             DDBXO_SCAN_ALL_PAGE, &resp, &rcu, &e) < 0) {
            fail_job(j, &e);
            break;
        }
        if (j->rcu)
            ddbxo__pace_take(j->rcu, rcu, &j->failed);
        pthread_mutex_lock(&j->mu);
        rc = j->failed ? 0 : j->fn(j->ctx, json_object_get(resp, "Items"), &e);
        pthread_mutex_unlock(&j->mu);
        if (rc < 0)
            fail_job(j, &e);
        lek = json_object_get(resp, "LastEvaluatedKey");
        json_decref(start);
        start = lek ? json_incref(lek) : NULL;
        json_decref(resp);
    } while (start && !j->failed);
    json_decref(start);
    return NULL;
}

int ddbxo__scan_all(ddbxo_client *c, const char *table, int nseg,
                    ddbxo__pace *rcu, ddbxo__page_fn fn, void *ctx,
                    ddbxo_error *err)
{
    scan_job j;
    scan_seg *segs;
    int started = 0;
    if (nseg < 1 || nseg > DDBXO_SCAN_MAX_SEGMENTS)
        return ddbxo__err(err, DDBXO_E_CONFIG, "segments",
                          "segments must be 1..%d", DDBXO_SCAN_MAX_SEGMENTS);
    if (!(segs = calloc((size_t)nseg, sizeof *segs)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    memset(&j, 0, sizeof j);
    j.c = c;
    j.table = table;
    j.nseg = nseg;
    j.rcu = rcu;
    j.fn = fn;
    j.ctx = ctx;
    pthread_mutex_init(&j.mu, NULL);
    for (; started < nseg; started++) {
        segs[started].job = &j;
        segs[started].idx = started;
        if (pthread_create(&segs[started].th, NULL, scan_segment,
                           &segs[started]) != 0) {
            ddbxo_error e;
            ddbxo__err(&e, DDBXO_E_INTERNAL, NULL, "cannot start a scan thread");
            fail_job(&j, &e);
            break;
        }
    }
    for (int i = 0; i < started; i++)
        pthread_join(segs[i].th, NULL);
    pthread_mutex_destroy(&j.mu);
    free(segs);
    if (j.failed) {
        ddbxo__err_copy(err, &j.err);
        return -1;
    }
    return 0;
}
