/* The apply layer without a network: the requests a plan builds (their
 * exact conditions, placeholders and bookkeeping), how answers are
 * classified, update-expression merging and the applier's configuration
 * rules.  What DynamoDB does with these requests is tests/apply/check_apply.c. */
#include "ddbxo/sys/binding.h"
#include "ddbxo/sys/value.h"
#include "apply/apply.h"
#include "apply/apply_int.h"
#include "ddbtest.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ "1100000000017454423009"
#define SEQ_PADDED "000000000000000000" SEQ
#define ARN "arn:aws:dynamodb:us-east-1:123456789012:table/src/stream/2024-01-01T00:00:00.000"
#define CREATED 1700000000

/* A record as Lambda delivers it; name INSERT/MODIFY/REMOVE. */
static ddbxo_record *record(const char *name, const char *new_image,
                            const char *old_image)
{
    char buf[2048];
    ddbxo_error err;
    ddbxo_record *r;
    snprintf(buf, sizeof buf,
             "{\"eventID\":\"e1\",\"eventName\":\"%s\",\"eventVersion\":\"1.1\","
             "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\","
             "\"eventSourceARN\":\"" ARN "\",\"dynamodb\":{"
             "\"ApproximateCreationDateTime\":%d,"
             "\"Keys\":{\"pk\":{\"S\":\"a\"}},%s%s%s%s%s%s"
             "\"SequenceNumber\":\"" SEQ "\",\"SizeBytes\":10,"
             "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}",
             name, CREATED, new_image ? "\"NewImage\":" : "",
             new_image ? new_image : "", new_image ? "," : "",
             old_image ? "\"OldImage\":" : "", old_image ? old_image : "",
             old_image ? "," : "");
    r = ddbxo_parse_stream_record(buf, strlen(buf), &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    return r;
}

static ddbxo_client *g_c;

static ddbxo_applier *applier(ddbxo_apply_config *cfg)
{
    ddbxo_error err;
    ddbxo_applier *a;
    if (!g_c)
        g_c = tu_client_at("http://127.0.0.1:9");   /* never contacted */
    if (!cfg->target_table)
        cfg->target_table = "dst";
    a = ddbxo_applier_new(g_c, cfg, &err);
    ck_assert_msg(a != NULL, "%s", err.message);
    ddbxo__applier_new_call(a);   /* as ddbxo_transact_apply does */
    return a;
}

static const char *jstr(const json_t *j, const char *path)
{
    return json_string_value(tu_json_at(j, path));
}

/* The plan for rec, prepared and requested; asserts it is sendable. */
/* The body as it goes on the wire: an image passed through is spliced in
 * as text when the body is written, so the tests read that text back. */
static void as_sent(ddbxo__plan *p)
{
    size_t n = 0;
    char *s = ddbxo__json_write_splice(p->body, p->splices, p->nsplices, &n);
    json_t *j;
    ck_assert_ptr_nonnull(s);
    j = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
    ck_assert_ptr_nonnull(j);
    free(s);
    json_decref(p->body);
    p->body = j;
    p->nsplices = 0;
}

static void plan_for(ddbxo__plan *p, ddbxo_applier *a, ddbxo_record *rec,
                     const ddbxo_apply_options *opt)
{
    ddbxo__plan_init(p, a, rec, opt);
    ck_assert_int_eq(ddbxo__plan_prepare(p), 0);
    ck_assert_msg(ddbxo__plan_request(p) == 0, "%s", p->err.message);
    ck_assert_ptr_nonnull(p->body);
    as_sent(p);
}

static char *dedup(ddbxo_record *rec)
{
    static char key[DDBXO_DEDUP_KEY_BUFSIZE];
    ddbxo_error err;
    ck_assert_int_eq(ddbxo_dedup_key(rec, NULL, key, &err), 0);
    return key;
}

/* ------------------------------------------------------------------ */

START_TEST(merge_update_expressions)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"SET a = :a", "SET #s = :s, a = :a REMOVE #d"},
        {"set a=:a remove b", "set #s = :s, a=:a remove #d, b"},
        {"ADD c :one", "ADD c :one SET #s = :s REMOVE #d"},
        {"REMOVE x SET y = :y", "REMOVE #d, x SET #s = :s, y = :y"},
        /* Placeholders and path components are never keywords. */
        {"ADD #set :set, m.remove :remove",
         "ADD #set :set, m.remove :remove SET #s = :s REMOVE #d"},
        {"Set #SET = :SET", "Set #s = :s, #SET = :SET REMOVE #d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = ddbxo__update_expr_merge(cases[i].in, "#s = :s", "#d");
        ck_assert_ptr_nonnull(got);
        ck_assert_msg(strcmp(got, cases[i].out) == 0, "%s -> %s (want %s)",
                      cases[i].in, got, cases[i].out);
        free(got);
    }
}
END_TEST

START_TEST(replicate_put_request)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a = applier(&cfg);
    ddbxo_record *rec = record("INSERT", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}",
                               NULL);
    ddbxo__plan p;
    json_t *want;
    plan_for(&p, a, rec, NULL);
    ck_assert_str_eq(p.op, "PutItem");
    ck_assert_int_eq(p.ledger_idx, -1);
    ck_assert_int_eq(p.source_idx, -1);
    want = json_pack(
        "{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}, s:s, s:{s:s},"
        " s:{s:{s:s}}, s:s}",
        "TableName", "dst",
        "Item", "pk", "S", "a", "v", "N", "1", "_ddbxo_seq", "S", SEQ_PADDED,
        "_ddbxo_src", "S", dedup(rec),
        "ConditionExpression",
        "attribute_not_exists(#ddbxo_seq) OR #ddbxo_seq < :ddbxo_seq",
        "ExpressionAttributeNames", "#ddbxo_seq", "_ddbxo_seq",
        "ExpressionAttributeValues", ":ddbxo_seq", "S", SEQ_PADDED,
        "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
    ck_assert_msg(json_equal(p.body, want), "%s",
                  json_dumps(p.body, JSON_SORT_KEYS));
    json_decref(want);
    ddbxo__plan_clear(&p);
    ddbxo_record_free(rec);
    ddbxo_applier_free(a);
}
END_TEST

/* An applier that counts capacity (backfill's) asks every request for
 * it, single writes and transactions alike; others never do. */
START_TEST(capacity_asked_only_when_counted)
{
    ddbxo_apply_config cfg = {0}, lcfg = {0};
    ddbxo_applier *a = applier(&cfg), *l;
    ddbxo_record *rec = record("INSERT", "{\"pk\":{\"S\":\"a\"}}", NULL);
    ddbxo__plan p;
    plan_for(&p, a, rec, NULL);
    ck_assert_ptr_null(json_object_get(p.body, "ReturnConsumedCapacity"));
    ddbxo__plan_clear(&p);
    a->count_capacity = 1;
    plan_for(&p, a, rec, NULL);
    ck_assert_str_eq(jstr(p.body, "ReturnConsumedCapacity"), "TOTAL");
    ddbxo__plan_clear(&p);
    lcfg.mode = DDBXO_MODE_LEDGER;
    lcfg.ledger_table = "ledger";
    l = applier(&lcfg);
    l->count_capacity = 1;
    plan_for(&p, l, rec, NULL);
    ck_assert_str_eq(p.op, "TransactWriteItems");
    ck_assert_str_eq(jstr(p.body, "ReturnConsumedCapacity"), "TOTAL");
    ddbxo__plan_clear(&p);
    ddbxo_record_free(rec);
    ddbxo_applier_free(l);
    ddbxo_applier_free(a);
}
END_TEST

START_TEST(replicate_tombstone_and_version_requests)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a = applier(&cfg), *av;
    ddbxo_record *rec = record("REMOVE", NULL,
                               "{\"pk\":{\"S\":\"a\"},\"ver\":{\"N\":\"7\"}}");
    ddbxo__plan p;
    const json_t *item;
    char exp[32];
    plan_for(&p, a, rec, NULL);
    ck_assert_str_eq(p.op, "PutItem");
    item = json_object_get(p.body, "Item");
    ck_assert_int_eq(json_object_size(item), 5);
    ck_assert_str_eq(jstr(item, "pk.S"), "a");
    ck_assert_str_eq(jstr(item, "_ddbxo_seq.S"), SEQ_PADDED);
    ck_assert_str_eq(jstr(item, "_ddbxo_src.S"), dedup(rec));
    ck_assert(json_is_true(tu_json_at(item, "_ddbxo_deleted.BOOL")));
    /* Deterministic: the record's time + 48 h, not the clock's. */
    snprintf(exp, sizeof exp, "%d", CREATED + 48 * 3600);
    ck_assert_str_eq(jstr(item, "_ddbxo_exp.N"), exp);
    ddbxo__plan_clear(&p);

    cfg.version_attr = "ver";
    av = applier(&cfg);
    plan_for(&p, av, rec, NULL);
    ck_assert_str_eq(jstr(p.body, "ConditionExpression"),
                     "attribute_not_exists(#ddbxo_ver) OR #ddbxo_ver < "
                     ":ddbxo_ver OR (#ddbxo_ver = :ddbxo_ver AND "
                     "attribute_not_exists(#ddbxo_deleted))");
    ck_assert_str_eq(jstr(p.body, "ExpressionAttributeValues.:ddbxo_ver.N"),
                     "7");
    ck_assert_str_eq(jstr(p.body, "Item._ddbxo_ver.N"), "7");
    ck_assert_str_eq(jstr(p.body, "Item._ddbxo_seq.S"), SEQ_PADDED);
    ck_assert_int_eq(json_object_size(json_object_get(
        p.body, "ExpressionAttributeNames")), 2);
    ddbxo__plan_clear(&p);
    ddbxo_record_free(rec);

    /* A version attribute that is not a number fails before sending. */
    rec = record("INSERT", "{\"pk\":{\"S\":\"a\"},\"ver\":{\"S\":\"7\"}}", NULL);
    ddbxo__plan_init(&p, av, rec, NULL);
    ck_assert_int_eq(ddbxo__plan_prepare(&p), 0);
    ck_assert_int_eq(ddbxo__plan_request(&p), DDBXO_FAILED_PERMANENT);
    ck_assert_ptr_null(p.body);
    ck_assert_str_eq(p.err.path, "ver");
    ck_assert_ptr_nonnull(strstr(p.err.message, "ver"));
    ddbxo__plan_clear(&p);
    ddbxo_record_free(rec);
    ddbxo_applier_free(a);
    ddbxo_applier_free(av);
}
END_TEST

static int ledger_writes(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                         ddbxo_error *err)
{
    size_t n = *(size_t *)ctx;
    for (size_t i = 0; i < n; i++) {
        char item[64];
        snprintf(item, sizeof item, "{\"pk\":{\"S\":\"w%zu\"}}", i);
        if (ddbxo_writes_put(out, NULL, item, strlen(item), err) < 0)
            return -1;
    }
    return 0;
}

START_TEST(ledger_request_and_token)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    size_t n = 2;
    ddbxo_transform *t = ddbxo_transform_new(ledger_writes, &n, &err);
    ddbxo_applier *a;
    ddbxo_record *rec = record("INSERT", "{\"pk\":{\"S\":\"a\"}}", NULL);
    ddbxo__plan p, q;
    char tok[DDBXO_TOKEN_BUFSIZE], pk[128], exp[32];
    const char *keys[2];
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.ledger_table = "ledger";
    cfg.transform = t;
    a = applier(&cfg);
    plan_for(&p, a, rec, NULL);
    ck_assert_str_eq(p.op, "TransactWriteItems");
    ck_assert_int_eq(p.ledger_idx, 0);
    ck_assert_int_eq(json_array_size(json_object_get(p.body, "TransactItems")),
                     3);
    snprintf(pk, sizeof pk, "ddbxo#v1#%s", dedup(rec));
    ck_assert_str_eq(jstr(json_array_get(json_object_get(p.body,
                     "TransactItems"), 0), "Put.Item.pk.S"), pk);
    snprintf(exp, sizeof exp, "%d", CREATED + 7 * 24 * 3600);
    ck_assert_str_eq(jstr(json_array_get(json_object_get(p.body,
                     "TransactItems"), 0), "Put.Item.exp.N"), exp);
    ck_assert_str_eq(jstr(json_array_get(json_object_get(p.body,
                     "TransactItems"), 2), "Put.TableName"), "dst");
    /* The token: 36 characters from the dedup key and the call id; the
     * same for every plan of one call, new with the next call. */
    keys[0] = dedup(rec);
    keys[1] = a->call_id;
    ck_assert_int_eq(ddbxo_client_request_token(keys, 2, tok, &err), 0);
    ck_assert_uint_eq(strlen(jstr(p.body, "ClientRequestToken")), 36);
    ck_assert_str_eq(jstr(p.body, "ClientRequestToken"), tok);
    plan_for(&q, a, rec, NULL);
    ck_assert(json_equal(p.body, q.body));
    ddbxo__plan_clear(&q);
    ddbxo__applier_new_call(a);
    plan_for(&q, a, rec, NULL);
    ck_assert_str_ne(jstr(q.body, "ClientRequestToken"), tok);
    ddbxo__plan_clear(&q);
    /* Without a call id (no randomness) no token is sent at all. */
    a->call_id[0] = '\0';
    plan_for(&q, a, rec, NULL);
    ck_assert_ptr_null(json_object_get(q.body, "ClientRequestToken"));
    ddbxo__plan_clear(&q);
    ddbxo__applier_new_call(a);
    ddbxo__plan_clear(&p);

    /* 99 writes + the ledger item fill a transaction; 100 cannot be sent. */
    n = 99;
    plan_for(&p, a, rec, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(p.body, "TransactItems")),
                     100);
    ddbxo__plan_clear(&p);
    /* The 100th write is refused when the transform adds it... */
    n = 100;
    ddbxo__plan_init(&p, a, rec, NULL);
    ck_assert_int_eq(ddbxo__plan_prepare(&p), DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(p.err.code, DDBXO_E_LIMIT);
    ck_assert_int_eq(p.err.retryable, 0);
    ck_assert_ptr_null(p.body);
    ddbxo__plan_clear(&p);
    ddbxo_applier_free(a);
    /* ... and with the source check, the 99th before anything is sent. */
    n = 99;
    cfg.source_version_attr = "v";
    a = applier(&cfg);
    ddbxo__plan_init(&p, a, rec, NULL);
    ck_assert_int_eq(ddbxo__plan_prepare(&p), 0);
    ck_assert_int_eq(ddbxo__plan_request(&p), DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(p.err.code, DDBXO_E_LIMIT);
    ck_assert_ptr_nonnull(strstr(p.err.message, "at most 98 writes"));
    ck_assert_ptr_null(p.body);
    ddbxo__plan_clear(&p);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    ddbxo_record_free(rec);
}
END_TEST

START_TEST(tracker_request_elements)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_apply_options opt = {0};
    ddbxo_applier *a;
    ddbxo_record *rec = record("INSERT", "{\"pk\":{\"S\":\"a\"}}", NULL);
    ddbxo__plan p;
    const json_t *up;
    char elem[80];
    cfg.mode = DDBXO_MODE_TRACKER;
    cfg.ledger_table = "ledger";
    a = applier(&cfg);
    plan_for(&p, a, rec, NULL);
    up = tu_json_at(json_array_get(json_object_get(p.body, "TransactItems"), 0),
                    "Update");
    ck_assert_str_eq(jstr(up, "Key.pk.S"), "ddbxo#trk#v1#src#stream");
    snprintf(elem, sizeof elem, "%s/%.16s", SEQ, dedup(rec));
    ck_assert_str_eq(jstr(up, "ExpressionAttributeValues.:e.S"), elem);
    ck_assert_str_eq(jstr(up, "UpdateExpression"), "ADD #seen :s, #n :one");
    ck_assert_str_eq(jstr(up, "ReturnValuesOnConditionCheckFailure"), "ALL_OLD");
    /* The default capacity: 9965 records of 40-character elements. */
    ck_assert_str_eq(jstr(up, "ExpressionAttributeValues.:cap.N"), "9965");
    ddbxo__plan_clear(&p);
    ddbxo_applier_free(a);

    /* A capacity beyond what fits in 400 KB is lowered to it: 39-byte
     * elements + 1 -> (409600 - 1024) / 40. */
    a = applier(&cfg);
    a->tracker_capacity = 1000000;
    plan_for(&p, a, rec, NULL);
    ck_assert_str_eq(jstr(json_array_get(json_object_get(p.body,
                     "TransactItems"), 0),
                     "Update.ExpressionAttributeValues.:cap.N"), "10214");
    ddbxo__plan_clear(&p);

    opt.shard_id = "shardId-0001";
    plan_for(&p, a, rec, &opt);
    up = tu_json_at(json_array_get(json_object_get(p.body, "TransactItems"), 0),
                    "Update");
    ck_assert_str_eq(jstr(up, "Key.pk.S"), "ddbxo#trk#v1#src#shardId-0001");
    ck_assert_str_eq(jstr(up, "ExpressionAttributeValues.:e.S"), SEQ);
    /* 22-byte elements: (409600 - 1024) / 23. */
    ck_assert_str_eq(jstr(up, "ExpressionAttributeValues.:cap.N"), "17764");
    ddbxo__plan_clear(&p);
    ddbxo_applier_free(a);
    ddbxo_record_free(rec);
}
END_TEST

/* Classifies an error answer given as it came over the wire. */
static int classify(ddbxo__plan *p, int code, const char *type,
                    const char *body, int *resend)
{
    ddbxo__aws_error d;
    ddbxo_error err;
    int oc;
    ddbxo__aws_error_init(&d);
    ddbxo__aws_error_parse(400, type, body, strlen(body), &d);
    ddbxo__err(&err, code, NULL, "answer");
    ddbxo__strlcpy(err.aws_type, d.type, sizeof err.aws_type);
    err.http_status = 400;
    oc = ddbxo__plan_classify(p, -1, &err, &d, resend);
    ddbxo__aws_error_clear(&d);
    return oc;
}

START_TEST(classify_refusals)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a = applier(&cfg);
    ddbxo_record *rec = record("INSERT", "{\"pk\":{\"S\":\"a\"}}", NULL);
    ddbxo__plan p;
    char body[512];
    int resend;
    plan_for(&p, a, rec, NULL);
    snprintf(body, sizeof body,
             "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
             "ConditionalCheckFailedException\",\"message\":\"The conditional "
             "request failed\",\"Item\":{\"pk\":{\"S\":\"a\"},"
             "\"_ddbxo_seq\":{\"S\":\"%s\"}}}", SEQ_PADDED);
    ck_assert_int_eq(classify(&p, DDBXO_E_CONDITION, NULL, body, &resend),
                     DDBXO_DUPLICATE);
    ck_assert_int_eq(resend, 0);
    snprintf(body, sizeof body,
             "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
             "ConditionalCheckFailedException\",\"message\":\"x\",\"Item\":{"
             "\"_ddbxo_seq\":{\"S\":\"%s\"}}}",
             "0000000000000000001100000000017454423010");
    ck_assert_int_eq(classify(&p, DDBXO_E_CONDITION, NULL, body, &resend),
                     DDBXO_STALE);
    /* Other 4xx: the record fails for good; 5xx and transport: retry. */
    ck_assert_int_eq(classify(&p, DDBXO_E_AWS, NULL,
                              "{\"__type\":\"x#ValidationException\","
                              "\"message\":\"bad\"}", &resend),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_str_eq(p.err.aws_type, "ValidationException");
    ck_assert_int_eq(p.err.retryable, 0);
    ck_assert_int_eq(classify(&p, DDBXO_E_AWS, NULL,
                              "{\"__type\":\"x#AccessDeniedException\","
                              "\"message\":\"no\"}", &resend),
                     DDBXO_FAILED_RETRYABLE);
    ck_assert_int_eq(p.err.retryable, 1);
    ddbxo__plan_clear(&p);
    ddbxo_applier_free(a);
    ddbxo_record_free(rec);
}
END_TEST

START_TEST(classify_cancellations)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a;
    ddbxo_record *rec = record("INSERT", "{\"pk\":{\"S\":\"a\"},"
                               "\"ver\":{\"N\":\"1\"}}", NULL);
    ddbxo__plan p;
    int resend, i;
    static const char conflict[] =
        "{\"__type\":\"x#TransactionCanceledException\",\"Message\":\"c\","
        "\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":"
        "\"TransactionConflict\",\"Message\":\"Transaction is ongoing\"},"
        "{\"Code\":\"None\"}]}";
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.ledger_table = "ledger";
    cfg.source_version_attr = "ver";
    a = applier(&cfg);
    plan_for(&p, a, rec, NULL);
    ck_assert_int_eq(p.ledger_idx, 0);
    ck_assert_int_eq(p.source_idx, 1);
    /* Ledger refusal wins over the source check's. */
    ck_assert_int_eq(classify(&p, DDBXO_E_CANCELLED, NULL,
                              "{\"__type\":\"x#TransactionCanceledException\","
                              "\"CancellationReasons\":[{\"Code\":"
                              "\"ConditionalCheckFailed\"},{\"Code\":"
                              "\"ConditionalCheckFailed\"},{\"Code\":\"None\"}]}",
                              &resend), DDBXO_DUPLICATE);
    ck_assert_int_eq(classify(&p, DDBXO_E_CANCELLED, NULL,
                              "{\"__type\":\"x#TransactionCanceledException\","
                              "\"CancellationReasons\":[{\"Code\":\"None\"},"
                              "{\"Code\":\"ConditionalCheckFailed\"},"
                              "{\"Code\":\"None\"}]}", &resend),
                     DDBXO_SUPERSEDED);
    ck_assert_int_eq(classify(&p, DDBXO_E_CANCELLED, NULL,
                              "{\"__type\":\"x#TransactionCanceledException\","
                              "\"CancellationReasons\":[{\"Code\":\"None\"},"
                              "{\"Code\":\"None\"},{\"Code\":\"ValidationError\","
                              "\"Message\":\"Item size to update has exceeded "
                              "the maximum allowed size\"}]}", &resend),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_str_eq(p.err.path, "TransactItems[2]");
    ck_assert_ptr_nonnull(strstr(p.err.message, "ValidationError"));
    ck_assert_ptr_nonnull(strstr(p.err.message, "write 0"));
    ddbxo__plan_clear(&p);

    /* Conflicts: resent up to DDBXO__PLAN_MAX_RESENDS times. */
    plan_for(&p, a, rec, NULL);
    for (i = 0; i < DDBXO__PLAN_MAX_RESENDS; i++) {
        ck_assert_int_eq(classify(&p, DDBXO_E_CANCELLED, NULL, conflict,
                                  &resend), DDBXO_FAILED_RETRYABLE);
        ck_assert_int_eq(resend, 1);
    }
    ck_assert_int_eq(classify(&p, DDBXO_E_CANCELLED, NULL, conflict, &resend),
                     DDBXO_FAILED_RETRYABLE);
    ck_assert_int_eq(resend, 0);
    ck_assert_int_eq(p.err.retryable, 1);
    ck_assert_int_eq(p.sends, DDBXO__PLAN_MAX_RESENDS + 1);

    /* A token DynamoDB saw with other parameters is dropped once. */
    ck_assert_ptr_nonnull(json_object_get(p.body, "ClientRequestToken"));
    ck_assert_int_eq(classify(&p, DDBXO_E_AWS, NULL,
                              "{\"__type\":\"x#IdempotentParameterMismatch"
                              "Exception\",\"message\":\"m\"}", &resend),
                     DDBXO_FAILED_RETRYABLE);
    ck_assert_int_eq(resend, 1);
    ck_assert_ptr_null(json_object_get(p.body, "ClientRequestToken"));
    ck_assert_int_eq(classify(&p, DDBXO_E_AWS, NULL,
                              "{\"__type\":\"x#IdempotentParameterMismatch"
                              "Exception\",\"message\":\"m\"}", &resend),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(resend, 0);
    ddbxo__plan_clear(&p);
    ddbxo_applier_free(a);
    ddbxo_record_free(rec);
}
END_TEST

static int two_writes(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                      ddbxo_error *err)
{
    (void)ctx;
    if (ddbxo_writes_put(out, NULL, "{\"pk\":{\"S\":\"x\"}}", 16, err) < 0 ||
        ddbxo_writes_put(out, NULL, "{\"pk\":{\"S\":\"y\"}}", 16, err) < 0)
        return -1;
    return 0;
}

START_TEST(replicate_takes_one_write)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_new(two_writes, NULL, &err);
    ddbxo_applier *a;
    ddbxo_record *rec = record("INSERT", "{\"pk\":{\"S\":\"a\"}}", NULL);
    ddbxo__plan p;
    cfg.transform = t;
    a = applier(&cfg);
    ddbxo__plan_init(&p, a, rec, NULL);
    ck_assert_int_eq(ddbxo__plan_prepare(&p), 0);
    ck_assert_int_eq(ddbxo__plan_request(&p), DDBXO_FAILED_PERMANENT);
    ck_assert_ptr_nonnull(strstr(p.err.message, "one target item"));
    ck_assert_ptr_nonnull(strstr(p.err.message, "ledger mode"));
    ddbxo__plan_clear(&p);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    ddbxo_record_free(rec);
}
END_TEST

static void config_refused(ddbxo_apply_config *cfg, const char *field)
{
    ddbxo_error err;
    ddbxo_applier *a;
    if (!g_c)
        g_c = tu_client_at("http://127.0.0.1:9");
    a = ddbxo_applier_new(g_c, cfg, &err);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_msg(strcmp(err.path, field) == 0, "path %s, want %s (%s)",
                  err.path, field, err.message);
    ck_assert_str_ne(err.message, "");
}

START_TEST(config_rules)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_transform *agg = ddbxo_transform_aggregate("g:s", &err);
    ddbxo_applier *a;
    ck_assert_msg(agg != NULL, "%s", err.message);
    config_refused(&cfg, "target_table");
    cfg.target_table = "dst";
    cfg.mode = DDBXO_MODE_LEDGER;
    config_refused(&cfg, "ledger_table");
    cfg.mode = DDBXO_MODE_TRACKER;
    config_refused(&cfg, "ledger_table");
    cfg.mode = 7;
    config_refused(&cfg, "mode");
    cfg.mode = DDBXO_MODE_REPLICATE;
    cfg.transform = agg;
    config_refused(&cfg, "transform");
    ck_assert_ptr_null(ddbxo_applier_new(g_c, &cfg, &err));
    ck_assert_ptr_nonnull(strstr(err.message,
                                 "transform needs mode ledger or tracker"));
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.ledger_table = "ledger";
    cfg.version_attr = "ver";
    config_refused(&cfg, "version_attr");
    cfg.version_attr = NULL;
    cfg.hard_delete = 1;
    cfg.mode = DDBXO_MODE_TRACKER;
    config_refused(&cfg, "hard_delete");
    cfg.hard_delete = 0;
    a = ddbxo_applier_new(g_c, &cfg, &err);       /* the aggregate fits */
    ck_assert_msg(a != NULL, "%s", err.message);
    ck_assert_int_eq(a->max_inflight, DDBXO_CLIENT_DEFAULT_MAX_CONNECTIONS);
    ck_assert_uint_eq(a->tracker_capacity, 9965);
    ck_assert_str_eq(a->ttl_attr, "_ddbxo_exp");
    ck_assert_int_eq(a->coalesce, 0);
    ddbxo_applier_free(a);
    ddbxo_applier_free(NULL);
    ddbxo_transform_free(agg);

    ck_assert_str_eq(ddbxo_outcome_name(DDBXO_SUPERSEDED), "SUPERSEDED");
    ck_assert_str_eq(ddbxo_outcome_name(0), "UNKNOWN");
    ck_assert_str_eq(ddbxo_outcome_name(DDBXO_OUTCOME_END), "UNKNOWN");
    ck_assert(ddbxo_outcome_failed(DDBXO_FAILED_RETRYABLE));
    ck_assert(!ddbxo_outcome_failed(DDBXO_PARKED));
    ck_assert_int_eq(ddbxo_mode_from_name("tracker"), DDBXO_MODE_TRACKER);
    ck_assert_int_eq(ddbxo_mode_from_name("Ledger"), 0);
    ck_assert_str_eq(ddbxo_mode_name(DDBXO_MODE_REPLICATE), "replicate");
    ck_assert_str_eq(ddbxo_mode_name(0), "unknown");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("apply_plan");
    TCase *tc = tcase_create("plan");
    tcase_add_test(tc, merge_update_expressions);
    tcase_add_test(tc, replicate_put_request);
    tcase_add_test(tc, replicate_tombstone_and_version_requests);
    tcase_add_test(tc, capacity_asked_only_when_counted);
    tcase_add_test(tc, ledger_request_and_token);
    tcase_add_test(tc, tracker_request_elements);
    tcase_add_test(tc, classify_refusals);
    tcase_add_test(tc, classify_cancellations);
    tcase_add_test(tc, replicate_takes_one_write);
    tcase_add_test(tc, config_rules);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
