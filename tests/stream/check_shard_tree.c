/* The runner's shard tree with synthetic DescribeStream answers: moto has
 * one shard that never closes (docs/moto-gaps.md C3), so splits, closed parents,
 * trimmed parents and paging are only reachable this way.  The paging
 * test sends the pages from the fault-injecting server (a scripted
 * answer per request), through the real ddb layer. */
#include "service/ddb.h"
#include "ddbtest.h"
#include "faultsrv.h"
#include "runner/runner.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A Shards array from "id:parent:start:end" entries ("" parts = absent). */
static json_t *shards(const char *const *spec, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char buf[512], *part[4] = { 0 }, *p = buf;
        json_t *s = json_object(), *range = json_object();
        snprintf(buf, sizeof buf, "%s", spec[i]);
        for (int k = 0; k < 4; k++) {
            part[k] = p;
            p = strchr(p, ':');
            if (!p) {
                ck_assert_int_eq(k, 3);
                break;
            }
            *p++ = '\0';
        }
        json_object_set_new(s, "ShardId", json_string(part[0]));
        if (part[1][0])
            json_object_set_new(s, "ParentShardId", json_string(part[1]));
        if (part[2][0])
            json_object_set_new(range, "StartingSequenceNumber",
                                json_string(part[2]));
        if (part[3][0])
            json_object_set_new(range, "EndingSequenceNumber",
                                json_string(part[3]));
        json_object_set_new(s, "SequenceNumberRange", range);
        json_array_append_new(arr, s);
    }
    return arr;
}

static void merge(ddbxo__shard_tree *t, const char *const *spec, size_t n)
{
    ddbxo_error err;
    json_t *j = shards(spec, n);
    ck_assert_msg(ddbxo__shard_tree_merge(t, j, NULL, &err) == 0, "%s",
                  err.message);
    json_decref(j);
}

/* The ids of the ready shards, space-separated, in tree order. */
static const char *ready(ddbxo__shard_tree *t)
{
    static char out[1024];
    out[0] = '\0';
    for (size_t i = 0; i < t->n; i++)
        if (ddbxo__shard_tree_ready(t, i)) {
            if (out[0])
                strcat(out, " ");
            strcat(out, t->v[i].id);
        }
    return out;
}

static void finish(ddbxo__shard_tree *t, const char *id)
{
    ddbxo__shard *s = ddbxo__shard_tree_find(t, id);
    ck_assert_ptr_nonnull(s);
    s->state = DDBXO__SHARD_DONE;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(parents_before_children)
{
    /* Listed children first: order in the listing must not matter. */
    static const char *const spec[] = {
        "shardId-c1:shardId-p:300:400", "shardId-c2:shardId-p:310:",
        "shardId-g:shardId-c1:500:", "shardId-p::100:200",
    };
    ddbxo__shard_tree t;
    ddbxo__shard_tree_init(&t);
    merge(&t, spec, N(spec));
    ck_assert_str_eq(ready(&t), "shardId-p");
    /* Started (active) is not done: the children still wait. */
    ddbxo__shard_tree_find(&t, "shardId-p")->state = DDBXO__SHARD_ACTIVE;
    ck_assert_str_eq(ready(&t), "");
    finish(&t, "shardId-p");
    /* A split: both children at once, the grandchild after its parent. */
    ck_assert_str_eq(ready(&t), "shardId-c1 shardId-c2");
    finish(&t, "shardId-c2");
    ck_assert_str_eq(ready(&t), "shardId-c1");
    finish(&t, "shardId-c1");
    ck_assert_str_eq(ready(&t), "shardId-g");
    ck_assert_uint_eq(ddbxo__shard_tree_count(&t, DDBXO__SHARD_DONE), 3);
    ddbxo__shard_tree_clear(&t);
}
END_TEST

START_TEST(trimmed_parents)
{
    /* The parent is gone from the stream (trimmed): the child may go. */
    static const char *const first[] = {
        "shardId-old::1:50", "shardId-a:shardId-gone:100:200",
        "shardId-b:shardId-old:60:",
    };
    /* Later the old parent leaves the listing before it was read. */
    static const char *const second[] = {
        "shardId-a:shardId-gone:100:200", "shardId-b:shardId-old:60:",
    };
    ddbxo__shard_tree t;
    ddbxo__shard_tree_init(&t);
    merge(&t, first, N(first));
    ck_assert_str_eq(ready(&t), "shardId-old shardId-a");
    ck_assert_int_eq(t.v[0].first_listing, 1);
    merge(&t, second, N(second));
    ck_assert_int_eq(ddbxo__shard_tree_find(&t, "shardId-old")->state,
                     DDBXO__SHARD_DONE);
    ck_assert_str_eq(ready(&t), "shardId-a shardId-b");
    ddbxo__shard_tree_clear(&t);
}
END_TEST

START_TEST(new_shards_and_closing)
{
    static const char *const first[] = { "shardId-p::100:" };
    static const char *const second[] = { "shardId-p::100:200",
                                          "shardId-c:shardId-p:300:" };
    ddbxo__shard_tree t;
    ddbxo_error err;
    size_t added = 99;
    json_t *j;

    ddbxo__shard_tree_init(&t);
    merge(&t, first, N(first));
    ck_assert_str_eq(t.v[0].end_seq, "");
    j = shards(second, N(second));
    ck_assert_int_eq(ddbxo__shard_tree_merge(&t, j, &added, &err), 0);
    json_decref(j);
    ck_assert_uint_eq(added, 1);
    ck_assert_str_eq(t.v[0].end_seq, "200");
    ck_assert_int_eq(ddbxo__shard_tree_find(&t, "shardId-c")->first_listing, 0);
    ck_assert_str_eq(ready(&t), "shardId-p");
    ddbxo__shard_tree_clear(&t);
}
END_TEST

START_TEST(lineage_check)
{
    static const char *const spec[] = {
        "shardId-p::100:900000000000000000000000", /* 24 digits */
        "shardId-ok:shardId-p:1000000000000000000000000:",  /* 25 digits */
        "shardId-bad:shardId-p:899999999999999999999999:",
        "shardId-same:shardId-p:900000000000000000000000:",
        "shardId-orphan:shardId-gone:1:",
    };
    ddbxo__shard_tree t;
    ddbxo__shard_tree_init(&t);
    merge(&t, spec, N(spec));
    /* Compared as numbers, not as text ("1000..." < "9..." as text). */
    ck_assert_int_eq(ddbxo__shard_tree_lineage_ok(&t, 1), 1);
    ck_assert_int_eq(ddbxo__shard_tree_lineage_ok(&t, 2), 0);
    ck_assert_int_eq(ddbxo__shard_tree_lineage_ok(&t, 3), 0);
    ck_assert_int_eq(ddbxo__shard_tree_lineage_ok(&t, 4), 1);
    ck_assert_int_eq(ddbxo__shard_tree_lineage_ok(&t, 0), 1);
    ddbxo__shard_tree_clear(&t);
}
END_TEST

/* One hostile Shards array: the merge fails naming the field and leaves
 * the tree as it was. */
static void expect_bad(const char *json, const char *path)
{
    static const char *const good[] = { "shardId-x::1:" };
    ddbxo__shard_tree t;
    ddbxo_error err;
    json_t *j = tu_json(json);
    ddbxo__shard_tree_init(&t);
    merge(&t, good, 1);
    ck_assert_int_eq(ddbxo__shard_tree_merge(&t, j, NULL, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_str_eq(err.path, path);
    ck_assert_uint_eq(t.n, 1);
    ck_assert_int_eq(t.v[0].listed, 1);
    json_decref(j);
    ddbxo__shard_tree_clear(&t);
}

START_TEST(hostile_listings)
{
    char longid[300];
    char json[512];
    expect_bad("{}", "Shards");
    expect_bad("[1]", "Shards[0]");
    expect_bad("[{\"ShardId\":\"shardId-a\"},{}]", "Shards[1].ShardId");
    expect_bad("[{\"ShardId\":\"a#b\"}]", "Shards[0].ShardId");
    expect_bad("[{\"ShardId\":\"a\",\"ParentShardId\":7}]",
               "Shards[0].ParentShardId");
    expect_bad("[{\"ShardId\":\"a\",\"SequenceNumberRange\":[]}]",
               "Shards[0].SequenceNumberRange");
    expect_bad("[{\"ShardId\":\"a\",\"SequenceNumberRange\":"
               "{\"StartingSequenceNumber\":\"12x\"}}]",
               "Shards[0].SequenceNumberRange.StartingSequenceNumber");
    expect_bad("[{\"ShardId\":\"a\",\"SequenceNumberRange\":"
               "{\"EndingSequenceNumber\":1}}]",
               "Shards[0].SequenceNumberRange.EndingSequenceNumber");
    memset(longid, 'a', DDBXO__SHARD_ID_MAX + 1);
    longid[DDBXO__SHARD_ID_MAX + 1] = '\0';
    snprintf(json, sizeof json, "[{\"ShardId\":\"%s\"}]", longid);
    expect_bad(json, "Shards[0].ShardId");
    ck_assert_int_eq(ddbxo__shard_id_valid(""), 0);
    ck_assert_int_eq(ddbxo__shard_id_valid(NULL), 0);
    ck_assert_int_eq(
        ddbxo__shard_id_valid("shardId-00000001541626099285-f35f62ef"), 1);
}
END_TEST

START_TEST(parent_cycles_do_not_block)
{
    static const char *const spec[] = {
        "shardId-a:shardId-b:1:", "shardId-b:shardId-a:2:",
        "shardId-self:shardId-self:3:", "shardId-c:shardId-a:4:",
    };
    ddbxo__shard_tree t;
    ddbxo__shard_tree_init(&t);
    merge(&t, spec, N(spec));
    ck_assert_str_eq(ready(&t), "shardId-a shardId-b shardId-self");
    finish(&t, "shardId-a");
    ck_assert_str_eq(ready(&t), "shardId-b shardId-self shardId-c");
    ddbxo__shard_tree_clear(&t);
}
END_TEST

/* The ShardId values of the DescribeStream requests the server saw. */
static void expect_start_ids(faultsrv *fs, const char *const *want, size_t n)
{
    ck_assert_uint_eq(faultsrv_nreqs(fs), n);
    for (size_t i = 0; i < n; i++) {
        const faultsrv_req *rq = faultsrv_req_at(fs, i);
        json_t *b = tu_json((const char *)rq->body);
        const json_t *x = json_object_get(b, "ExclusiveStartShardId");
        if (want[i])
            ck_assert_str_eq(json_string_value(x), want[i]);
        else
            ck_assert_ptr_null(x);
        json_decref(b);
    }
}

START_TEST(paged_listing_builds_one_tree)
{
    static const char *const p1 =
        "{\"StreamDescription\":{\"StreamArn\":\"arn\",\"Shards\":["
        "{\"ShardId\":\"shardId-c\",\"ParentShardId\":\"shardId-p\","
        "\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"300\"}}],"
        "\"LastEvaluatedShardId\":\"shardId-c\"}}";
    static const char *const p2 =
        "{\"StreamDescription\":{\"Shards\":["
        "{\"ShardId\":\"shardId-p\",\"SequenceNumberRange\":"
        "{\"StartingSequenceNumber\":\"100\",\"EndingSequenceNumber\":\"200\"}}],"
        "\"LastEvaluatedShardId\":\"shardId-p\"}}";
    static const char *const p3 = "{\"StreamDescription\":{\"Shards\":[],"
                                  "\"LastEvaluatedShardId\":\"\"}}";
    static const char *const want[] = { NULL, "shardId-c", "shardId-p" };
    char errbuf[256];
    faultsrv *fs = faultsrv_start(errbuf, sizeof errbuf);
    faultsrv_action a;
    ddbxo_client *c;
    ddbxo__shard_tree t;
    ddbxo_error err;
    json_t *out = NULL;

    ck_assert_msg(fs != NULL, "%s", errbuf);
    memset(&a, 0, sizeof a);
    a.kind = FAULTSRV_OK;
    a.body = p1;
    faultsrv_push(fs, a);
    a.body = p2;
    faultsrv_push(fs, a);
    a.body = p3;
    faultsrv_push(fs, a);
    c = tu_client_at(faultsrv_url(fs));
    ck_assert_msg(ddbxo__ddb_describe_stream_all(c, "arn:aws:dynamodb:us-east-1:"
                                                    "1:table/t/stream/x",
                                                 0, &out, &err) == 0,
                  "%s", err.message);
    expect_start_ids(fs, want, 3);
    ddbxo__shard_tree_init(&t);
    ck_assert_int_eq(ddbxo__shard_tree_merge(
                         &t, tu_json_at(out, "StreamDescription.Shards"), NULL,
                         &err),
                     0);
    ck_assert_uint_eq(t.n, 2);
    ck_assert_str_eq(ready(&t), "shardId-p");
    ck_assert_int_eq(ddbxo__shard_tree_lineage_ok(&t, 0), 1);
    ddbxo__shard_tree_clear(&t);
    json_decref(out);
    tu_client_free(c);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(checkpoint_keys)
{
    char out[64], seq[DDBXO_SEQ_BUFSIZE];
    ck_assert_int_eq(ddbxo__ckpt_key(out, sizeof out, DDBXO__CKPT_PREFIX,
                                     "dst", "arn:x", "shardId-1"),
                     0);
    ck_assert_str_eq(out, "ddbxo#ckpt#v1#dst#arn:x#shardId-1");
    ck_assert_int_eq(ddbxo__ckpt_key(out, 10, DDBXO__LEASE_PREFIX, "dst",
                                     "arn:x", "shardId-1"),
                     -1);
    ddbxo__seq_unpad("0000000000000000001100000000017454423009", seq);
    ck_assert_str_eq(seq, "1100000000017454423009");
    ddbxo__seq_unpad("0000", seq);
    ck_assert_str_eq(seq, "0");
    ck_assert_int_eq(ddbxo__runner_from_parse("LATEST"), DDBXO_FROM_LATEST);
    ck_assert_int_eq(ddbxo__runner_from_parse("trim_horizon"),
                     DDBXO_FROM_TRIM_HORIZON);
    ck_assert_int_eq(ddbxo__runner_from_parse("at_timestamp"), -1);
    ck_assert_int_eq(ddbxo__runner_from_parse(NULL), -1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("shard_tree");
    TCase *tc = tcase_create("tree");
    tcase_add_test(tc, parents_before_children);
    tcase_add_test(tc, trimmed_parents);
    tcase_add_test(tc, new_shards_and_closing);
    tcase_add_test(tc, lineage_check);
    tcase_add_test(tc, hostile_listings);
    tcase_add_test(tc, parent_cycles_do_not_block);
    tcase_add_test(tc, paged_listing_builds_one_tree);
    tcase_add_test(tc, checkpoint_keys);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
