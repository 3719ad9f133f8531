/* Test helpers over the library's own ddb layer (see ddbtest.h). */
#include "ddbxo/sys/creds.h"
#include "ddbtest.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "service/ddb.h"
#include "moto.h"

/* Clients made here and their credentials providers (tests are single
 * threaded inside each forked test process). */
#define TU_MAX_CLIENTS 16
static struct {
    ddbxo_client *c;
    ddbxo_credentials_provider *p;
} g_clients[TU_MAX_CLIENTS];

ddbxo_client *tu_client_in(const char *url, const char *region,
                           const char *role_arn)
{
    ddbxo_client_config cfg;
    ddbxo_error err;
    ddbxo_credentials_provider *p;
    ddbxo_client *c;
    size_t i;

    memset(&cfg, 0, sizeof cfg);
    p = ddbxo_credentials_provider_static(TU_AKID, TU_SECRET, NULL, &err);
    ck_assert_msg(p != NULL, "%s", err.message);
    cfg.region = region;
    cfg.endpoint_dynamodb = cfg.endpoint_streams = cfg.endpoint_sqs = url;
    cfg.credentials = p;
    cfg.role_arn = role_arn;
    /* The role is assumed through the same server's STS (the client
     * reads AWS_ENDPOINT_URL_STS). */
    if (role_arn)
        setenv("AWS_ENDPOINT_URL_STS", url, 1);
    c = ddbxo_client_new(&cfg, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    for (i = 0; i < TU_MAX_CLIENTS && g_clients[i].c; i++)
        ;
    ck_assert_msg(i < TU_MAX_CLIENTS, "too many test clients");
    g_clients[i].c = c;
    g_clients[i].p = p;
    return c;
}

ddbxo_client *tu_client_at(const char *url)
{
    return tu_client_in(url, TU_REGION, NULL);
}

ddbxo_client *tu_moto_client(void)
{
    return tu_client_at(tu_moto_endpoint(tu_moto_get()));
}

void tu_client_free(ddbxo_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < TU_MAX_CLIENTS; i++) {
        if (g_clients[i].c == c) {
            ddbxo_client_free(c);
            ddbxo_credentials_provider_free(g_clients[i].p);
            g_clients[i].c = NULL;
            g_clients[i].p = NULL;
            return;
        }
    }
    ddbxo_client_free(c);
}

json_t *tu_json(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_ALLOW_NUL, &je);
    ck_assert_msg(j != NULL, "test JSON: %s: %s", je.text, text);
    return j;
}

const json_t *tu_json_at(const json_t *j, const char *path)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && j;
         k = strtok_r(NULL, ".", &save))
        j = json_object_get(j, k);
    return j;
}

const char *tu_create_table(ddbxo_client *c, const char *name, const char *pk,
                            const char *pk_type, const char *sk,
                            const char *sk_type, const char *stream_view)
{
    static char arn[512];
    ddbxo_error err;
    json_t *out = NULL;
    const char *s;
    int rc = ddbxo__ddb_create_table(c, name, pk, pk_type, sk, sk_type,
                                     stream_view, NULL, 0, &out, &err);
    ck_assert_msg(rc == 0, "CreateTable %s: %s", name, err.message);
    s = json_string_value(tu_json_at(out, "TableDescription.LatestStreamArn"));
    snprintf(arn, sizeof arn, "%s", s ? s : "");
    json_decref(out);
    rc = ddbxo__ddb_wait_table_active(c, name, 0, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    return arn;
}

void tu_put(ddbxo_client *c, const char *table, const char *item_json)
{
    ddbxo_error err;
    json_t *item = tu_json(item_json);
    int rc = ddbxo__ddb_put_item(c, table, item, NULL, 0, NULL, NULL, &err);
    json_decref(item);
    ck_assert_msg(rc == 0, "PutItem %s: %s", table, err.message);
}

void tu_delete(ddbxo_client *c, const char *table, const char *key_json)
{
    ddbxo_error err;
    json_t *key = tu_json(key_json);
    int rc = ddbxo__ddb_delete_item(c, table, key, NULL, 0, NULL, NULL, &err);
    json_decref(key);
    ck_assert_msg(rc == 0, "DeleteItem %s: %s", table, err.message);
}

json_t *tu_get(ddbxo_client *c, const char *table, const char *key_json)
{
    ddbxo_error err;
    json_t *key = tu_json(key_json), *out = NULL, *item;
    int rc = ddbxo__ddb_get_item(c, table, key, 1, NULL, 0, &out, &err);
    json_decref(key);
    ck_assert_msg(rc == 0, "GetItem %s: %s", table, err.message);
    item = json_object_get(out, "Item");
    json_incref(item);
    json_decref(out);
    return item;
}

json_t *tu_scan(ddbxo_client *c, const char *table)
{
    ddbxo_error err;
    json_t *all = json_array(), *start = NULL;
    for (;;) {
        json_t *req = json_pack("{s:s}", "TableName", table), *out = NULL;
        if (start)
            json_object_set_new(req, "ExclusiveStartKey", start);
        int rc = ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "Scan", req, 0,
                                 &out, NULL, &err);
        json_decref(req);
        ck_assert_msg(rc == 0, "Scan %s: %s", table, err.message);
        json_array_extend(all, json_object_get(out, "Items"));
        start = json_object_get(out, "LastEvaluatedKey");
        if (start && json_object_size(start))
            json_incref(start);
        else
            start = NULL;
        json_decref(out);
        if (!start)
            return all;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *tu_snapshot(ddbxo_client *c, const char *table)
{
    json_t *items = tu_scan(c, table);
    size_t n = json_array_size(items), total = 1, i;
    char **lines = calloc(n ? n : 1, sizeof *lines), *out, *p;
    for (i = 0; i < n; i++) {
        lines[i] = json_dumps(json_array_get(items, i),
                              JSON_COMPACT | JSON_SORT_KEYS);
        total += strlen(lines[i]) + 1;
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    p = out = malloc(total);
    *p = '\0';
    for (i = 0; i < n; i++) {
        p = stpcpy(p, lines[i]);
        *p++ = '\n';
        *p = '\0';
        free(lines[i]);
    }
    free(lines);
    json_decref(items);
    return out;
}

/* Every record of the table's stream, in shard order then stream order. */
static json_t *stream_records(ddbxo_client *c, const char *table,
                              const char **arn_out)
{
    static char arn[512];
    ddbxo_error err;
    json_t *desc = NULL, *all = json_array(), *shards;
    size_t i;
    int rc = ddbxo__ddb_describe_table(c, table, 0, &desc, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    const char *s = json_string_value(tu_json_at(desc, "Table.LatestStreamArn"));
    ck_assert_msg(s != NULL, "table %s has no stream", table);
    snprintf(arn, sizeof arn, "%s", s);
    json_decref(desc);
    *arn_out = arn;

    rc = ddbxo__ddb_describe_stream_all(c, arn, 0, &desc, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    shards = (json_t *)tu_json_at(desc, "StreamDescription.Shards");
    for (i = 0; i < json_array_size(shards); i++) {
        const char *sid = json_string_value(
            json_object_get(json_array_get(shards, i), "ShardId"));
        json_t *out = NULL;
        char *it;
        rc = ddbxo__ddb_get_shard_iterator(c, arn, sid, "TRIM_HORIZON", NULL,
                                           0, &out, &err);
        ck_assert_msg(rc == 0, "%s", err.message);
        it = strdup(json_string_value(json_object_get(out, "ShardIterator")));
        json_decref(out);
        /* moto's shard never closes: stop at the first empty page. */
        for (;;) {
            json_t *page = NULL, *recs;
            rc = ddbxo__ddb_get_records(c, it, 0, 0, &page, &err);
            ck_assert_msg(rc == 0, "%s", err.message);
            recs = json_object_get(page, "Records");
            const char *next = json_string_value(
                json_object_get(page, "NextShardIterator"));
            size_t got = json_array_size(recs);
            json_array_extend(all, recs);
            free(it);
            it = next && got ? strdup(next) : NULL;
            json_decref(page);
            if (!it)
                break;
        }
    }
    json_decref(desc);
    return all;
}

char *tu_stream_event(ddbxo_client *c, const char *table, size_t first,
                      size_t count)
{
    const char *arn;
    json_t *recs = stream_records(c, table, &arn), *sel = json_array(), *ev;
    size_t n = json_array_size(recs), i;
    char *text;
    for (i = first; i < n && (count == 0 || i < first + count); i++) {
        json_t *r = json_array_get(recs, i);
        json_object_set_new(r, "eventSourceARN", json_string(arn));
        json_array_append(sel, r);
    }
    ev = json_pack("{s:o}", "Records", sel);
    text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    json_decref(recs);
    return text;
}

size_t tu_stream_count(ddbxo_client *c, const char *table)
{
    const char *arn;
    json_t *recs = stream_records(c, table, &arn);
    size_t n = json_array_size(recs);
    json_decref(recs);
    return n;
}

void tu_workload(ddbxo_client *c, const char *table, int start, int n,
                 int items)
{
    char buf[256];
    for (int w = start; w < start + n; w++) {
        int k = (w * 7) % items;
        if (w % 7 == 6) {
            snprintf(buf, sizeof buf, "{\"pk\":{\"S\":\"k%03d\"}}", k);
            tu_delete(c, table, buf);
        } else {
            snprintf(buf, sizeof buf,
                     "{\"pk\":{\"S\":\"k%03d\"},\"v\":{\"N\":\"%d\"},"
                     "\"tag\":{\"S\":\"w%d\"}}", k, w, w);
            tu_put(c, table, buf);
        }
    }
}

/* DynamoDB: BatchWriteItem takes at most 25 requests. */
#define TU_BATCH_WRITE_MAX 25

void tu_put_many(ddbxo_client *c, const char *table, int first, int n)
{
    ddbxo_error err;
    for (int i = first; i < first + n;) {
        json_t *reqs = json_array(), *body;
        char pk[32], v[16], grp[8], amount[16];
        for (int k = 0; k < TU_BATCH_WRITE_MAX && i < first + n; k++, i++) {
            snprintf(pk, sizeof pk, "k%03d", i);
            snprintf(v, sizeof v, "%d", i);
            snprintf(grp, sizeof grp, "g%d", i % 6);
            snprintf(amount, sizeof amount, "%d.%02d", i % 97, i % 100);
            json_array_append_new(reqs, json_pack(
                "{s:{s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s}}}}", "PutRequest",
                "Item", "pk", "S", pk, "v", "N", v, "grp", "S", grp, "amount",
                "N", amount));
        }
        body = json_pack("{s:{s:o}}", "RequestItems", table, reqs);
        json_t *out = NULL;
        int rc = ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "BatchWriteItem",
                                 body, 0, &out, NULL, &err);
        json_decref(body);
        ck_assert_msg(rc == 0, "BatchWriteItem %s: %s", table, err.message);
        ck_assert_msg(json_object_size(json_object_get(out, "UnprocessedItems")) == 0,
                      "BatchWriteItem left items unprocessed");
        json_decref(out);
    }
}

void tu_enable_stream(ddbxo_client *c, const char *table, const char *view)
{
    ddbxo_error err;
    json_t *body = json_pack("{s:s,s:{s:b,s:s}}", "TableName", table,
                             "StreamSpecification", "StreamEnabled", 1,
                             "StreamViewType", view);
    int rc = ddbxo__ddb_call(c, DDBXO_SERVICE_DYNAMODB, "UpdateTable", body, 0,
                             NULL, NULL, &err);
    json_decref(body);
    ck_assert_msg(rc == 0, "UpdateTable %s: %s", table, err.message);
}

void tu_expect_replica(ddbxo_client *c, const char *src, const char *dst)
{
    json_t *sitems = tu_scan(c, src), *ditems = tu_scan(c, dst);
    json_t *by = json_object(), *it, *v;
    size_t i, live = 0;
    const char *k;
    void *tmp;

    json_array_foreach(sitems, i, it)
        json_object_set(by, json_string_value(tu_json_at(it, "pk.S")), it);
    json_array_foreach(ditems, i, it) {
        const char *pk = json_string_value(tu_json_at(it, "pk.S"));
        json_t *want = pk ? json_object_get(by, pk) : NULL;
        char *a, *b;
        ck_assert_ptr_nonnull(pk);
        ck_assert_msg(json_is_string(tu_json_at(it, "_ddbxo_seq.S")),
                      "target item %s without _ddbxo_seq", pk);
        if (json_is_true(tu_json_at(it, "_ddbxo_deleted.BOOL"))) {
            ck_assert_msg(!want, "%s is live in the source but a tombstone",
                          pk);
            continue;
        }
        ck_assert_msg(want != NULL, "%s is in the target, not in the source",
                      pk);
        json_object_foreach_safe(it, tmp, k, v) {
            if (strncmp(k, "_ddbxo", 6) == 0)
                json_object_del(it, k);
        }
        a = json_dumps(it, JSON_COMPACT | JSON_SORT_KEYS);
        b = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
        live++;
    }
    ck_assert_uint_eq(live, json_array_size(sitems));
    json_decref(by);
    json_decref(sitems);
    json_decref(ditems);
}
