/* ddbxo_transact_apply against moto: real stream records (a source table
 * with a NEW_AND_OLD_IMAGES stream, read back from moto) applied in each
 * mode, re-applied, applied out of order, refused, parked.  What a user
 * sees: outcomes and the target table's contents.  The fault proxy sits
 * in front of moto only where moto cannot produce the answer (a lost
 * response, a transaction conflict) or to read the requests we sent. */
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/value.h"
#include "apply/apply.h"
#include "awsops.h"
#include "ddbtest.h"
#include "faultsrv.h"
#include "moto.h"
#include "stream/record.h"
#include "value/value.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ddbxo_client *C;
static ddbxo_event *EV;

static void tables(void)
{
    C = tu_moto_client();
    tu_create_table(C, "src", "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    tu_create_table(C, "dst", "pk", "S", NULL, NULL, NULL);
    tu_create_table(C, "ledger", "pk", "S", NULL, NULL, NULL);
}

/* The source stream so far, parsed (kept in EV). */
static ddbxo_event *stream(void)
{
    ddbxo_error err;
    char *text = tu_stream_event(C, "src", 0, 0);
    ddbxo_event_free(EV);
    EV = ddbxo_parse_stream_event(text, strlen(text), &err);
    free(text);
    ck_assert_msg(EV != NULL, "%s", err.message);
    ck_assert_uint_eq(ddbxo_event_failed_count(EV), 0);
    return EV;
}

static const ddbxo_record *rec(size_t i)
{
    const ddbxo_record *r = ddbxo_event_record(EV, i);
    ck_assert_ptr_nonnull(r);
    return r;
}

static void done(void)
{
    ddbxo_event_free(EV);
    EV = NULL;
    tu_client_free(C);
    C = NULL;
}

static ddbxo_applier *applier_on(ddbxo_client *c, ddbxo_apply_config *cfg)
{
    ddbxo_error err;
    ddbxo_applier *a;
    cfg->target_table = "dst";
    if (cfg->mode == DDBXO_MODE_LEDGER || cfg->mode == DDBXO_MODE_TRACKER)
        cfg->ledger_table = "ledger";
    a = ddbxo_applier_new(c, cfg, &err);
    ck_assert_msg(a != NULL, "%s", err.message);
    return a;
}

static ddbxo_applier *applier(ddbxo_apply_config *cfg)
{
    return applier_on(C, cfg);
}

/* ddbxo_transact_apply's outcome, checking that its 0/-1 agrees with it:
 * -1 exactly when the record failed (FAILED_*). */
static int apply_outcome(ddbxo_applier *a, const ddbxo_record *r,
                         const ddbxo_apply_options *opt, ddbxo_error *err)
{
    int oc = 0;
    int rc = ddbxo_transact_apply(a, r, opt, &oc, err);
    ck_assert_int_eq(rc, ddbxo_outcome_failed(oc) ? -1 : 0);
    return oc;
}

/* Applies record i and checks the outcome. */
#define APPLY(a, i, want)                                                   \
    do {                                                                    \
        ddbxo_error e_;                                                     \
        int oc_ = apply_outcome((a), rec(i), NULL, &e_);             \
        ck_assert_msg(oc_ == (want), "record %d: %s, want %s (%s)", (int)(i),\
                      ddbxo_outcome_name(oc_), ddbxo_outcome_name(want),    \
                      e_.message);                                          \
    } while (0)

static const char *jstr(const json_t *j, const char *path)
{
    return json_string_value(tu_json_at(j, path));
}

static char *padded(size_t i)
{
    static char buf[DDBXO_SEQ_BUFSIZE];
    ck_assert_int_eq(ddbxo_seq_pad(ddbxo_record_sequence_number(rec(i)), buf,
                                   NULL), 0);
    return buf;
}

static char *key_of(size_t i)
{
    static char buf[DDBXO_DEDUP_KEY_BUFSIZE];
    ck_assert_int_eq(ddbxo_dedup_key(rec(i), NULL, buf, NULL), 0);
    return buf;
}

static void same_snapshot(const char *before, const char *table)
{
    char *now = tu_snapshot(C, table);
    ck_assert_str_eq(now, before);
    free(now);
}

/* ------------------------------------------------------------------ */
/* replicate                                                            */
/* ------------------------------------------------------------------ */

START_TEST(replicate_applies_once_and_in_order)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a;
    json_t *item;
    char *snap;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
    stream();
    a = applier(&cfg);
    APPLY(a, 1, DDBXO_APPLIED);
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert_ptr_nonnull(item);
    ck_assert_str_eq(jstr(item, "v.N"), "2");
    ck_assert_str_eq(jstr(item, "_ddbxo_seq.S"), padded(1));
    ck_assert_uint_eq(strlen(jstr(item, "_ddbxo_seq.S")), 40);
    ck_assert_str_eq(jstr(item, "_ddbxo_src.S"), key_of(1));
    ck_assert_uint_eq(json_object_size(item), 4);
    json_decref(item);
    snap = tu_snapshot(C, "dst");
    /* Delivered again: refused by the condition, nothing changes. */
    APPLY(a, 1, DDBXO_DUPLICATE);
    /* The older record after the newer one: refused, target unchanged. */
    APPLY(a, 0, DDBXO_STALE);
    same_snapshot(snap, "dst");
    free(snap);
    ddbxo_applier_free(a);
    done();
}
END_TEST

/* U+0000 is a legal character in a DynamoDB string (and a key's): a
 * record holding one used to fail the whole event.  It must parse, and
 * its image must reach the target byte for byte. */
START_TEST(replicate_nul_in_string_byte_exact)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a;
    json_t *item, *src;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"n\\u0000l\"},"
                     "\"v\":{\"S\":\"a\\u0000b\\u0000\"},"
                     "\"l\":{\"L\":[{\"S\":\"\\u0000\"}]},"
                     "\"ss\":{\"SS\":[\"x\\u0000\",\"x\"]}}");
    stream();
    a = applier(&cfg);
    APPLY(a, 0, DDBXO_APPLIED);
    APPLY(a, 0, DDBXO_DUPLICATE);
    src = tu_get(C, "src", "{\"pk\":{\"S\":\"n\\u0000l\"}}");
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"n\\u0000l\"}}");
    ck_assert_ptr_nonnull(src);
    ck_assert_ptr_nonnull(item);
    ck_assert_uint_eq(json_string_length(tu_json_at(item, "v.S")), 4);
    ck_assert_mem_eq(json_string_value(tu_json_at(item, "v.S")), "a\0b\0", 4);
    json_object_del(item, "_ddbxo_seq");
    json_object_del(item, "_ddbxo_src");
    ck_assert_msg(json_equal(item, src), "the target differs from the source");
    json_decref(item);
    json_decref(src);
    ddbxo_applier_free(a);
    done();
}
END_TEST

START_TEST(replicate_remove_writes_tombstone)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a;
    json_t *item;
    char *snap, exp[32];
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    tu_delete(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    stream();
    ck_assert_int_eq(ddbxo_record_event_name(rec(1)), DDBXO_EVENT_REMOVE);
    a = applier(&cfg);
    APPLY(a, 0, DDBXO_APPLIED);
    APPLY(a, 1, DDBXO_APPLIED);
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert_ptr_nonnull(item);
    ck_assert_uint_eq(json_object_size(item), 5);   /* no "v" any more */
    ck_assert_str_eq(jstr(item, "pk.S"), "a");
    ck_assert_str_eq(jstr(item, "_ddbxo_seq.S"), padded(1));
    ck_assert_str_eq(jstr(item, "_ddbxo_src.S"), key_of(1));
    ck_assert(json_is_true(tu_json_at(item, "_ddbxo_deleted.BOOL")));
    snprintf(exp, sizeof exp, "%lld",
             (long long)(ddbxo_record_approx_creation_ms(rec(1)) / 1000 +
                         DDBXO_DEFAULT_TOMBSTONE_TTL_S));
    ck_assert_str_eq(jstr(item, "_ddbxo_exp.N"), exp);
    json_decref(item);
    snap = tu_snapshot(C, "dst");
    /* A redriven INSERT does not resurrect the item. */
    APPLY(a, 0, DDBXO_STALE);
    APPLY(a, 1, DDBXO_DUPLICATE);
    same_snapshot(snap, "dst");
    free(snap);
    ddbxo_applier_free(a);
    done();
}
END_TEST

START_TEST(replicate_hard_delete)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a;
    json_t *all;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"1\"}}");
    tu_delete(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    stream();
    cfg.hard_delete = 1;
    a = applier(&cfg);
    APPLY(a, 0, DDBXO_APPLIED);
    APPLY(a, 1, DDBXO_APPLIED);
    APPLY(a, 2, DDBXO_APPLIED);
    ck_assert_ptr_null(tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}"));
    all = tu_scan(C, "dst");
    ck_assert_uint_eq(json_array_size(all), 1);
    json_decref(all);
    ddbxo_applier_free(a);
    done();
}
END_TEST

START_TEST(replicate_version_attr_guard)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a;
    ddbxo_error err;
    json_t *item;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"ver\":{\"N\":\"1\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"ver\":{\"N\":\"2\"}}");
    tu_delete(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"b\"}}");
    stream();
    cfg.version_attr = "ver";
    a = applier(&cfg);
    APPLY(a, 1, DDBXO_APPLIED);
    APPLY(a, 0, DDBXO_STALE);
    APPLY(a, 1, DDBXO_DUPLICATE);
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert_str_eq(jstr(item, "_ddbxo_ver.N"), "2");
    ck_assert_str_eq(jstr(item, "_ddbxo_seq.S"), padded(1));
    json_decref(item);
    /* The REMOVE carries version 2 (its OldImage), like the stored item:
     * the tombstone replaces it once, and only once. */
    APPLY(a, 2, DDBXO_APPLIED);
    APPLY(a, 2, DDBXO_DUPLICATE);
    APPLY(a, 1, DDBXO_DUPLICATE);
    APPLY(a, 0, DDBXO_STALE);
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert(json_is_true(tu_json_at(item, "_ddbxo_deleted.BOOL")));
    ck_assert_str_eq(jstr(item, "_ddbxo_ver.N"), "2");
    ck_assert_str_eq(jstr(item, "_ddbxo_seq.S"), padded(2));
    json_decref(item);
    /* An item without the version fails for good, naming it. */
    ck_assert_int_eq(apply_outcome(a, rec(3), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_str_eq(err.path, "ver");
    ck_assert_int_eq(err.retryable, 0);
    ck_assert_ptr_null(tu_get(C, "dst", "{\"pk\":{\"S\":\"b\"}}"));
    ddbxo_applier_free(a);
    done();
}
END_TEST

/* An UPDATE write: SET v from the new image; REMOVE deletes the key. */
static int set_v(void *ctx, const ddbxo_record *r, ddbxo_writes *out,
                 ddbxo_error *err)
{
    json_t *key = json_deep_copy(ddbxo__record_keys_json(r));
    (void)ctx;
    if (ddbxo_record_event_name(r) == DDBXO_EVENT_REMOVE)
        return ddbxo__writes_delete_json(out, NULL, key, err);
    return ddbxo__writes_update_json(
        out, NULL, key, "set #v = :v",
        json_pack("{s:s}", "#v", "v"),
        json_pack("{s:O}", ":v",
                  json_object_get(ddbxo__record_new_json(r), "v")), err);
}

START_TEST(replicate_update_merges_and_revives)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_new(set_v, NULL, &err);
    ddbxo_applier *a;
    json_t *item;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    tu_delete(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
    stream();
    cfg.transform = t;
    a = applier(&cfg);
    APPLY(a, 0, DDBXO_APPLIED);
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert_str_eq(jstr(item, "v.N"), "1");
    ck_assert_str_eq(jstr(item, "_ddbxo_seq.S"), padded(0));
    ck_assert_str_eq(jstr(item, "_ddbxo_src.S"), key_of(0));
    json_decref(item);
    APPLY(a, 0, DDBXO_DUPLICATE);
    APPLY(a, 1, DDBXO_APPLIED);                 /* tombstone */
    APPLY(a, 2, DDBXO_APPLIED);                 /* update over it */
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert_str_eq(jstr(item, "v.N"), "2");
    ck_assert_str_eq(jstr(item, "_ddbxo_seq.S"), padded(2));
    ck_assert_ptr_null(json_object_get(item, "_ddbxo_deleted"));
    ck_assert_ptr_null(json_object_get(item, "_ddbxo_exp"));
    ck_assert_uint_eq(json_object_size(item), 4);
    json_decref(item);
    APPLY(a, 1, DDBXO_STALE);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* ledger and tracker                                                   */
/* ------------------------------------------------------------------ */

/* Not idempotent: counts every application. */
static int count_it(void *ctx, const ddbxo_record *r, ddbxo_writes *out,
                    ddbxo_error *err)
{
    (void)ctx;
    (void)r;
    static const char key[] = "{\"pk\":{\"S\":\"counter\"}}";
    static const char names[] = "{\"#c\":\"c\"}";
    static const char values[] = "{\":one\":{\"N\":\"1\"}}";
    return ddbxo_writes_update(out, NULL, key, sizeof key - 1, "ADD #c :one",
                               names, sizeof names - 1, values,
                               sizeof values - 1, err);
}

START_TEST(ledger_effect_happens_once)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_new(count_it, NULL, &err);
    ddbxo_applier *a;
    json_t *item, *ledger;
    char pk[128], exp[32];
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"b\"}}");
    stream();
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.transform = t;
    a = applier(&cfg);
    APPLY(a, 0, DDBXO_APPLIED);
    APPLY(a, 0, DDBXO_DUPLICATE);
    APPLY(a, 1, DDBXO_APPLIED);
    APPLY(a, 1, DDBXO_DUPLICATE);
    APPLY(a, 0, DDBXO_DUPLICATE);
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"counter\"}}");
    ck_assert_str_eq(jstr(item, "c.N"), "2");
    json_decref(item);
    ledger = tu_scan(C, "ledger");
    ck_assert_uint_eq(json_array_size(ledger), 2);
    json_decref(ledger);
    snprintf(pk, sizeof pk, "{\"pk\":{\"S\":\"ddbxo#v1#%s\"}}", key_of(0));
    item = tu_get(C, "ledger", pk);
    ck_assert_ptr_nonnull(item);
    snprintf(exp, sizeof exp, "%lld",
             (long long)(ddbxo_record_approx_creation_ms(rec(0)) / 1000 +
                         DDBXO_DEFAULT_LEDGER_TTL_S));
    ck_assert_str_eq(jstr(item, "exp.N"), exp);
    json_decref(item);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    done();
}
END_TEST

static int n_puts(void *ctx, const ddbxo_record *r, ddbxo_writes *out,
                  ddbxo_error *err)
{
    (void)r;
    for (size_t i = 0; i < *(size_t *)ctx; i++) {
        char item[64];
        snprintf(item, sizeof item, "{\"pk\":{\"S\":\"w%zu\"}}", i);
        if (ddbxo_writes_put(out, NULL, item, strlen(item), err) < 0)
            return -1;
    }
    return 0;
}

START_TEST(ledger_full_transaction)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    size_t n = DDBXO_MAX_WRITES;
    ddbxo_transform *t = ddbxo_transform_new(n_puts, &n, &err);
    ddbxo_applier *a;
    json_t *all;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"b\"}}");
    stream();
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.transform = t;
    a = applier(&cfg);
    /* 99 writes + the ledger item: 100 actions, DynamoDB's maximum. */
    APPLY(a, 0, DDBXO_APPLIED);
    all = tu_scan(C, "dst");
    ck_assert_uint_eq(json_array_size(all), 99);
    json_decref(all);
    /* 100 writes cannot be one transaction: refused before sending. */
    n = 100;
    ck_assert_int_eq(apply_outcome(a, rec(1), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_int_eq(err.retryable, 0);
    all = tu_scan(C, "ledger");
    ck_assert_uint_eq(json_array_size(all), 1);
    json_decref(all);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    done();
}
END_TEST

/* ctx: how many Puts of exactly how many bytes (DynamoDB's item size:
 * names plus values), under keys that start with tag. */
struct big_puts {
    size_t n, bytes;
    char tag;
};

static int big_puts(void *ctx, const ddbxo_record *r, ddbxo_writes *out,
                    ddbxo_error *err)
{
    const struct big_puts *b = ctx;
    (void)r;
    for (size_t i = 0; i < b->n; i++) {
        char pk[24];
        json_t *item;
        char *pad;
        size_t have;
        snprintf(pk, sizeof pk, "%c%02zu", b->tag, i);
        item = json_pack("{s:{s:s}, s:{s:s}}", "pk", "S", pk, "pad", "S", "");
        have = ddbxo__item_size(item);
        ck_assert_uint_gt(b->bytes, have);
        pad = malloc(b->bytes - have + 1);
        memset(pad, 'p', b->bytes - have);
        pad[b->bytes - have] = '\0';
        json_object_set_new(item, "pad", json_pack("{s:s}", "S", pad));
        free(pad);
        ck_assert_uint_eq(ddbxo__item_size(item), b->bytes);
        /* Takes over the reference. */
        if (ddbxo__writes_put_json(out, NULL, item, err) < 0)
            return -1;
    }
    return 0;
}

/* DynamoDB refuses a transaction whose items add up to more than 4 MB
 * (TransactWriteItems); moto does not check it (docs/moto-gaps.md), so
 * without the library's own check such a record would be APPLIED here
 * and refused by DynamoDB.  What the user sees: a permanent failure
 * (DDBXO_E_LIMIT, not retryable) that says why, and nothing written. */
START_TEST(ledger_transaction_over_4mb_fails_before_sending)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    /* 11 items of 381,000 bytes: 4,191,000, just under 4 MB (4,194,304). */
    struct big_puts b = {11, 381000, 'a'};
    ddbxo_transform *t = ddbxo_transform_new(big_puts, &b, &err);
    ddbxo_applier *a;
    json_t *all;
    char want[64];
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"b\"}}");
    stream();
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.transform = t;
    a = applier(&cfg);
    APPLY(a, 0, DDBXO_APPLIED);
    all = tu_scan(C, "dst");
    ck_assert_uint_eq(json_array_size(all), 11);
    json_decref(all);
    /* 11 items of 381,400 bytes: 4,195,400, over by 1,096 bytes. */
    b.bytes = 381400;
    b.tag = 'b';
    ck_assert_int_eq(apply_outcome(a, rec(1), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_int_eq(err.retryable, 0);
    ck_assert_str_eq(err.path, "transform");
    snprintf(want, sizeof want, "add up to %zu bytes", b.n * b.bytes);
    ck_assert_msg(strstr(err.message, want) && strstr(err.message, "4 MB"),
                  "message: %s", err.message);
    /* Refused here, not by a service: no answer, nothing ambiguous. */
    ck_assert_int_eq(err.http_status, 0);
    ck_assert_str_eq(err.aws_type, "");
    ck_assert_int_eq(err.ambiguous, 0);
    /* Nothing of record 1 is written: no item, no ledger entry. */
    all = tu_scan(C, "dst");
    ck_assert_uint_eq(json_array_size(all), 11);
    json_decref(all);
    ck_assert_ptr_null(tu_get(C, "dst", "{\"pk\":{\"S\":\"b00\"}}"));
    all = tu_scan(C, "ledger");
    ck_assert_uint_eq(json_array_size(all), 1);
    json_decref(all);
    /* A replay gives the same answer: the refusal is not a DUPLICATE. */
    ck_assert_int_eq(apply_outcome(a, rec(1), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    done();
}
END_TEST

/* Two writes to one item: a request DynamoDB refuses as a whole. */
static int same_item_twice(void *ctx, const ddbxo_record *r, ddbxo_writes *out,
                           ddbxo_error *err)
{
    (void)ctx;
    (void)r;
    if (ddbxo_writes_put(out, NULL, "{\"pk\":{\"S\":\"x\"}}", 16, err) < 0)
        return -1;
    return ddbxo_writes_delete(out, NULL, "{\"pk\":{\"S\":\"x\"}}", 16, err);
}

START_TEST(ledger_validation_error_is_permanent)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_new(same_item_twice, NULL, &err);
    ddbxo_applier *a;
    json_t *all;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    stream();
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.transform = t;
    a = applier(&cfg);
    ck_assert_int_eq(apply_outcome(a, rec(0), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_str_eq(err.aws_type, "ValidationException");
    ck_assert_int_eq(err.retryable, 0);
    all = tu_scan(C, "ledger");
    ck_assert_uint_eq(json_array_size(all), 0);
    json_decref(all);
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    done();
}
END_TEST

START_TEST(source_check_supersedes_old_records)
{
    ddbxo_apply_config cfg = {0}, lcfg = {0};
    ddbxo_applier *a, *l;
    json_t *all;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"ver\":{\"N\":\"1\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"ver\":{\"N\":\"2\"}}");
    stream();
    cfg.source_version_attr = "ver";
    a = applier(&cfg);
    /* The source moved on to ver 2: record 0 is not applied. */
    APPLY(a, 0, DDBXO_SUPERSEDED);
    ck_assert_ptr_null(tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}"));
    APPLY(a, 1, DDBXO_APPLIED);
    APPLY(a, 1, DDBXO_DUPLICATE);
    lcfg.mode = DDBXO_MODE_LEDGER;
    lcfg.source_version_attr = "ver";
    l = applier(&lcfg);
    APPLY(l, 0, DDBXO_SUPERSEDED);
    all = tu_scan(C, "ledger");           /* the transaction left nothing */
    ck_assert_uint_eq(json_array_size(all), 0);
    json_decref(all);
    /* A REMOVE passes once the source item is gone. */
    tu_delete(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    stream();
    APPLY(a, 2, DDBXO_APPLIED);
    all = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");
    ck_assert(json_is_true(tu_json_at(all, "_ddbxo_deleted.BOOL")));
    json_decref(all);
    ddbxo_applier_free(a);
    ddbxo_applier_free(l);
    done();
}
END_TEST

START_TEST(tracker_dedups_until_full)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_applier *a;
    json_t *all, *trk;
    char elem[80];
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"b\"}}");
    tu_put(C, "src", "{\"pk\":{\"S\":\"c\"}}");
    stream();
    cfg.mode = DDBXO_MODE_TRACKER;
    a = applier(&cfg);
    a->tracker_capacity = 2;     /* internal: a tracker item fills at 2 */
    APPLY(a, 0, DDBXO_APPLIED);
    APPLY(a, 0, DDBXO_DUPLICATE);
    APPLY(a, 1, DDBXO_APPLIED);
    APPLY(a, 1, DDBXO_DUPLICATE);
    ck_assert_int_eq(apply_outcome(a, rec(2), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_ptr_nonnull(strstr(err.message, "capacity"));
    ck_assert_ptr_nonnull(strstr(err.message, "400 KB"));
    ck_assert_ptr_nonnull(strstr(err.message, "holds 2 records"));
    ck_assert_ptr_nonnull(strstr(err.message, "--mode ledger"));
    ck_assert_int_eq(err.retryable, 0);
    all = tu_scan(C, "dst");
    ck_assert_uint_eq(json_array_size(all), 2);
    json_decref(all);
    trk = tu_get(C, "ledger", "{\"pk\":{\"S\":\"ddbxo#trk#v1#src#stream\"}}");
    ck_assert_ptr_nonnull(trk);
    ck_assert_str_eq(jstr(trk, "n.N"), "2");
    snprintf(elem, sizeof elem, "%s/%.16s",
             ddbxo_record_sequence_number(rec(0)), key_of(0));
    ck_assert_uint_eq(json_array_size(tu_json_at(trk, "seen.SS")), 2);
    ck_assert(strcmp(jstr(json_array_get(tu_json_at(trk, "seen.SS"), 0), ""),
                     elem) == 0 ||
              strcmp(jstr(json_array_get(tu_json_at(trk, "seen.SS"), 1), ""),
                     elem) == 0);
    json_decref(trk);
    ddbxo_applier_free(a);
    done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* too large, parking                                                   */
/* ------------------------------------------------------------------ */

static char *queue(const char *name, const char *max_size)
{
    static char url[512];
    ddbxo_error err;
    json_t *attrs = json_pack("{s:s}", "MaximumMessageSize", max_size), *out;
    ck_assert_int_eq(tu_sqs_create_queue(C, name, attrs, 0, &out, &err), 0);
    snprintf(url, sizeof url, "%s", jstr(out, "QueueUrl"));
    json_decref(out);
    json_decref(attrs);
    return url;
}

/* A 300 KB source item (more than SQS's old 256 KiB message default). */
static void put_big(void)
{
    size_t L = 300000;
    char *item = malloc(L + 64);
    int k = sprintf(item, "{\"pk\":{\"S\":\"a\"},\"blob\":{\"S\":\"");
    memset(item + k, 'x', L);
    strcpy(item + k + L, "\"}}");
    tu_put(C, "src", item);
    free(item);
}

/* Enriches the item to 60 bytes under 400 KB: a valid write by itself,
 * but the bookkeeping attributes (_ddbxo_seq 10 + 40, _ddbxo_src 10 + 64
 * bytes) take it over.  (moto refuses items over 405000 of its bytes,
 * below DynamoDB's 409600, so the source item itself cannot be this big.) */
static int pad_to_limit(void *ctx, const ddbxo_record *r, ddbxo_writes *out,
                        ddbxo_error *err)
{
    json_t *item = json_deep_copy(ddbxo__record_new_json(r));
    size_t have = ddbxo__item_size(item) + 3, want = DDBXO_MAX_ITEM_BYTES - 60;
    char *pad = malloc(want - have + 1);
    (void)ctx;
    memset(pad, 'p', want - have);
    pad[want - have] = '\0';
    json_object_set_new(item, "pad", json_pack("{s:s}", "S", pad));
    free(pad);
    return ddbxo__writes_put_json(out, NULL, item, err);
}

START_TEST(oversized_item_fails_then_parks)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_applier *a;
    ddbxo_error err;
    json_t *out, *msg, *all;
    const char *url, *body;
    char key[DDBXO_DEDUP_KEY_BUFSIZE];
    ddbxo_transform *t = ddbxo_transform_new(pad_to_limit, NULL, &err);
    tables();
    put_big();
    stream();
    cfg.transform = t;
    a = applier(&cfg);
    ck_assert_int_eq(apply_outcome(a, rec(0), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "400 KB"));
    ddbxo_applier_free(a);

    url = queue("park", "1048576");
    cfg.park_queue_url = url;
    a = applier(&cfg);
    ck_assert_int_eq(apply_outcome(a, rec(0), NULL, &err),
                     DDBXO_PARKED);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);      /* why it parked */
    all = tu_scan(C, "dst");
    ck_assert_uint_eq(json_array_size(all), 0);
    json_decref(all);
    ck_assert_int_eq(ddbxo__sqs_receive_message(C, url, 10, 0, NULL, 0, &out,
                                                &err), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(out, "Messages")), 1);
    body = jstr(json_array_get(json_object_get(out, "Messages"), 0), "Body");
    msg = tu_json(body);
    ck_assert_int_eq(json_integer_value(json_object_get(msg, "ddbxo_park")), 1);
    ck_assert_str_eq(jstr(msg, "reason.code"), "limit");
    ck_assert_ptr_nonnull(strstr(jstr(msg, "reason.message"), "400 KB"));
    ck_assert_int_eq(ddbxo_dedup_key(rec(0), NULL, key, NULL), 0);
    ck_assert_str_eq(jstr(msg, "dedup_key"), key);
    ck_assert_str_eq(jstr(msg, "source_table"), "src");
    /* The whole record, as it came, so it can be redriven. */
    ck_assert(json_equal(json_object_get(msg, "record"),
                         ddbxo__record_json(rec(0))));
    json_decref(msg);
    json_decref(out);
    ddbxo_applier_free(a);

    /* A queue that cannot take it: the record stays failed, saying why. */
    cfg.park_queue_url = queue("small", "1024");
    a = applier(&cfg);
    ck_assert_int_eq(apply_outcome(a, rec(0), NULL, &err),
                     DDBXO_FAILED_PERMANENT);
    ck_assert_ptr_nonnull(strstr(err.message, "400 KB"));
    ck_assert_ptr_nonnull(strstr(err.message, "parking failed"));
    ck_assert_ptr_nonnull(strstr(err.message, "MaximumMessageSize"));
    ddbxo_applier_free(a);
    ddbxo_transform_free(t);
    done();
}
END_TEST

/* ------------------------------------------------------------------ */
/* through the fault proxy                                              */
/* ------------------------------------------------------------------ */

static faultsrv *proxy(void)
{
    char msg[256];
    faultsrv *fs = faultsrv_start(msg, sizeof msg);
    faultsrv_action fwd;
    ck_assert_msg(fs != NULL, "faultsrv: %s", msg);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(tu_moto_get()));
    memset(&fwd, 0, sizeof fwd);
    fwd.kind = FAULTSRV_FORWARD;
    faultsrv_set_default(fs, fwd);
    return fs;
}

/* The bodies of the TransactWriteItems requests the proxy saw. */
static size_t txn_bodies(faultsrv *fs, json_t **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < faultsrv_nreqs(fs) && n < max; i++) {
        const faultsrv_req *r = faultsrv_req_at(fs, i);
        char target[128];
        if (faultsrv_req_header(r, "X-Amz-Target", target, sizeof target) &&
            strstr(target, "TransactWriteItems"))
            out[n++] = tu_json((const char *)r->body);
    }
    return n;
}

START_TEST(client_request_token_is_per_call)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_new(count_it, NULL, &err);
    faultsrv *fs;
    faultsrv_action drop;
    ddbxo_client *pc;
    ddbxo_applier *a;
    json_t *b[4];
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    stream();
    fs = proxy();
    /* The first answer is lost after moto applied the transaction; the
     * transport resends inside the same call. */
    memset(&drop, 0, sizeof drop);
    drop.kind = FAULTSRV_FORWARD_DROP;
    faultsrv_push(fs, drop);
    pc = tu_client_at(faultsrv_url(fs));
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.transform = t;
    a = applier_on(pc, &cfg);
    /* DynamoDB answers the resend with the first attempt's success
     * (APPLIED); moto ignores tokens (docs/moto-gaps.md C2) and refuses it by the
     * ledger condition (DUPLICATE).  Either way the counter moved once. */
    int oc = apply_outcome(a, rec(0), NULL, &err);
    ck_assert_msg(oc == DDBXO_APPLIED || oc == DDBXO_DUPLICATE, "%s: %s",
                  ddbxo_outcome_name(oc), err.message);
    /* A later delivery is a new call: a new token, so DynamoDB evaluates
     * the ledger condition and the replay is reported DUPLICATE. */
    APPLY(a, 0, DDBXO_DUPLICATE);
    ck_assert_uint_eq(txn_bodies(fs, b, 4), 3);
    ck_assert_uint_eq(strlen(jstr(b[0], "ClientRequestToken")), 36);
    ck_assert(json_equal(b[0], b[1]));        /* the resend: same request */
    ck_assert_str_ne(jstr(b[1], "ClientRequestToken"),
                     jstr(b[2], "ClientRequestToken"));
    json_object_del(b[1], "ClientRequestToken");
    json_object_del(b[2], "ClientRequestToken");
    ck_assert(json_equal(b[1], b[2]));        /* ... otherwise identical */
    for (int i = 0; i < 3; i++)
        json_decref(b[i]);
    json_t *item = tu_get(C, "dst", "{\"pk\":{\"S\":\"counter\"}}");
    ck_assert_str_eq(jstr(item, "c.N"), "1");
    json_decref(item);
    ddbxo_applier_free(a);
    tu_client_free(pc);
    faultsrv_stop(fs);
    ddbxo_transform_free(t);
    done();
}
END_TEST

START_TEST(lost_answer_is_retryable_then_duplicate)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_client_config ccfg;
    ddbxo_credentials_provider *prov;
    ddbxo_client *pc;
    ddbxo_applier *a;
    ddbxo_error err;
    faultsrv *fs;
    faultsrv_action drop;
    json_t *item;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    stream();
    fs = proxy();
    memset(&drop, 0, sizeof drop);
    drop.kind = FAULTSRV_FORWARD_DROP;    /* applied, the answer lost */
    faultsrv_push(fs, drop);
    /* One attempt per call, so the caller sees the ambiguity. */
    memset(&ccfg, 0, sizeof ccfg);
    prov = ddbxo_credentials_provider_static(TU_AKID, TU_SECRET, NULL, &err);
    ccfg.region = TU_REGION;
    ccfg.endpoint_dynamodb = ccfg.endpoint_streams = ccfg.endpoint_sqs =
        faultsrv_url(fs);
    ccfg.credentials = prov;
    ccfg.retry.max_attempts = 1;
    pc = ddbxo_client_new(&ccfg, &err);
    ck_assert_msg(pc != NULL, "%s", err.message);
    a = applier_on(pc, &cfg);
    ck_assert_int_eq(apply_outcome(a, rec(0), NULL, &err),
                     DDBXO_FAILED_RETRYABLE);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_int_eq(err.ambiguous, 1);
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"a\"}}");   /* it was applied */
    ck_assert_ptr_nonnull(item);
    json_decref(item);
    /* The retry is refused by the condition: the ambiguity resolved. */
    APPLY(a, 0, DDBXO_DUPLICATE);
    ddbxo_applier_free(a);
    ddbxo_client_free(pc);
    ddbxo_credentials_provider_free(prov);
    faultsrv_stop(fs);
    done();
}
END_TEST

START_TEST(conflict_is_resent)
{
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_transform *t = ddbxo_transform_new(count_it, NULL, &err);
    ddbxo_client *pc;
    ddbxo_applier *a;
    faultsrv *fs;
    faultsrv_action conflict, mismatch;
    json_t *b[4], *item;
    tables();
    tu_put(C, "src", "{\"pk\":{\"S\":\"a\"}}");
    stream();
    fs = proxy();
    /* moto never reports conflicts (docs/moto-gaps.md C1): the proxy answers as
     * DynamoDB does when another transaction holds the item, then tells
     * that the token was seen with other parameters. */
    memset(&conflict, 0, sizeof conflict);
    conflict.kind = FAULTSRV_STATUS;
    conflict.status = 400;
    conflict.error_type = "TransactionCanceledException";
    conflict.body =
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
        "TransactionCanceledException\",\"Message\":\"Transaction cancelled, "
        "please refer cancellation reasons for specific reasons [None, "
        "TransactionConflict]\",\"CancellationReasons\":[{\"Code\":\"None\"},"
        "{\"Code\":\"TransactionConflict\",\"Message\":\"Transaction is "
        "ongoing for the item.\"}]}";
    faultsrv_push(fs, conflict);
    memset(&mismatch, 0, sizeof mismatch);
    mismatch.kind = FAULTSRV_STATUS;
    mismatch.status = 400;
    mismatch.error_type = "IdempotentParameterMismatchException";
    faultsrv_push(fs, mismatch);
    pc = tu_client_at(faultsrv_url(fs));
    cfg.mode = DDBXO_MODE_LEDGER;
    cfg.transform = t;
    a = applier_on(pc, &cfg);
    APPLY(a, 0, DDBXO_APPLIED);
    ck_assert_uint_eq(txn_bodies(fs, b, 4), 3);
    ck_assert_ptr_nonnull(json_object_get(b[1], "ClientRequestToken"));
    ck_assert_ptr_null(json_object_get(b[2], "ClientRequestToken"));
    item = tu_get(C, "dst", "{\"pk\":{\"S\":\"counter\"}}");
    ck_assert_str_eq(jstr(item, "c.N"), "1");
    json_decref(item);
    for (int i = 0; i < 3; i++)
        json_decref(b[i]);
    ddbxo_applier_free(a);
    tu_client_free(pc);
    faultsrv_stop(fs);
    ddbxo_transform_free(t);
    done();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("apply");
    TCase *tc = tcase_create("moto");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_add_test(tc, replicate_applies_once_and_in_order);
    tcase_add_test(tc, replicate_nul_in_string_byte_exact);
    tcase_add_test(tc, replicate_remove_writes_tombstone);
    tcase_add_test(tc, replicate_hard_delete);
    tcase_add_test(tc, replicate_version_attr_guard);
    tcase_add_test(tc, replicate_update_merges_and_revives);
    tcase_add_test(tc, ledger_effect_happens_once);
    tcase_add_test(tc, ledger_full_transaction);
    tcase_add_test(tc, ledger_transaction_over_4mb_fails_before_sending);
    tcase_add_test(tc, ledger_validation_error_is_permanent);
    tcase_add_test(tc, source_check_supersedes_old_records);
    tcase_add_test(tc, tracker_dedups_until_full);
    tcase_add_test(tc, oversized_item_fails_then_parks);
    tcase_add_test(tc, client_request_token_is_per_call);
    tcase_add_test(tc, lost_answer_is_retryable_then_duplicate);
    tcase_add_test(tc, conflict_is_resent);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
