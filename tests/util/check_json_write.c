/* ddbxo__json_write: byte for byte what json_dumps(j, JSON_COMPACT)
 * writes (request bodies used to be written by json_dumps; DynamoDB
 * signs and reads these bytes), on the shared events, on the requests
 * the apply layer builds, on every escape class, on invalid UTF-8 and on
 * random trees.  The fuzz target fuzz/fuzz_json_write.c does the same on
 * arbitrary input. */
#include "ddbxo/sys/value.h"
#include "apply/apply.h"
#include "apply/apply_int.h"
#include "ddbtest.h"
#include "util/json_write.h"
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Asserts both writers agree on j: same text (or both NULL). Returns 1
 * when there was a text. */
static int same(const json_t *j)
{
    size_t n = (size_t)-1;
    char *want = json_dumps(j, JSON_COMPACT);
    char *got = ddbxo__json_write(j, &n);
    if (!want) {
        ck_assert_msg(got == NULL, "json_dumps failed, ours wrote %s", got);
        return 0;
    }
    ck_assert_msg(got != NULL, "ours failed where json_dumps wrote %.200s",
                  want);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(n, strlen(want));
    free(want);
    free(got);
    return 1;
}

/* same() on j and on every object and array inside it. */
static size_t same_everywhere(const json_t *j)
{
    size_t k = 0;
    if (json_is_object(j)) {
        const char *key;
        json_t *v;
        k += (size_t)same(j);
        json_object_foreach((json_t *)j, key, v)
            k += same_everywhere(v);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        k += (size_t)same(j);
        json_array_foreach(j, i, v)
            k += same_everywhere(v);
    }
    return k;
}

/* Names of the shared sample events (events/NAME.json). */
static size_t event_files(char names[][128], size_t max)
{
    char path[1024];
    size_t n = 0;
    DIR *d;
    struct dirent *e;
    snprintf(path, sizeof path, "%s/events", tu_testdata());
    ck_assert_msg((d = opendir(path)) != NULL, "no %s", path);
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l > 5 && l < 128 && strcmp(e->d_name + l - 5, ".json") == 0)
            memcpy(names[n++], e->d_name, l + 1);
    }
    closedir(d);
    return n;
}

START_TEST(shared_events)
{
    char names[64][128], rel[256];
    size_t n = event_files(names, 64), i, trees = 0;
    ck_assert_uint_ge(n, 5);
    for (i = 0; i < n; i++) {
        size_t len;
        json_t *j;
        snprintf(rel, sizeof rel, "events/%s", names[i]);
        char *data = tu_read_testdata(rel, &len);
        j = json_loadb(data, len, JSON_ALLOW_NUL, NULL);
        ck_assert_msg(j != NULL, "%s does not parse", names[i]);
        trees += same_everywhere(j);
        json_decref(j);
        free(data);
    }
    ck_assert_uint_ge(trees, 50);
}
END_TEST

/* The requests the apply layer builds for every record of the shared
 * events, in replicate and ledger mode: what goes on the wire. */
static size_t requests_for(ddbxo_mode mode)
{
    char names[64][128], rel[256];
    size_t n = event_files(names, 64), i, k, built = 0;
    ddbxo_client *c = tu_client_at("http://127.0.0.1:9");   /* not used */
    ddbxo_apply_config cfg = {0};
    ddbxo_error err;
    ddbxo_applier *a;
    cfg.target_table = "dst";
    cfg.mode = mode;
    if (mode == DDBXO_MODE_LEDGER)
        cfg.ledger_table = "ledger";
    a = ddbxo_applier_new(c, &cfg, &err);
    ck_assert_msg(a != NULL, "%s", err.message);
    ddbxo__applier_new_call(a);
    for (i = 0; i < n; i++) {
        size_t len;
        snprintf(rel, sizeof rel, "events/%s", names[i]);
        char *data = tu_read_testdata(rel, &len);
        ddbxo_event *ev = ddbxo_parse_stream_event(data, len, &err);
        free(data);
        if (!ev)
            continue;            /* not a Lambda-shaped event */
        for (k = 0; k < ddbxo_event_count(ev); k++) {
            const ddbxo_record *rec = ddbxo_event_record(ev, k);
            ddbxo__plan p;
            char *before, *after;
            if (!rec)
                continue;
            before = ddbxo_record_to_json(rec, NULL);
            ck_assert_ptr_nonnull(before);
            ddbxo__plan_init(&p, a, rec, NULL);
            if (ddbxo__plan_prepare(&p) == 0 && ddbxo__plan_request(&p) == 0) {
                ck_assert_ptr_nonnull(p.body);
                built += (size_t)same(p.body);
            }
            ddbxo__plan_clear(&p);
            /* The request shares the record's image (no deep copy): the
             * bookkeeping it adds must not have reached the record. */
            after = ddbxo_record_to_json(rec, NULL);
            ck_assert_str_eq(after, before);
            ck_assert_ptr_null(strstr(after, DDBXO__ATTR_SEQ));
            ddbxo_free(before);
            ddbxo_free(after);
        }
        ddbxo_event_free(ev);
    }
    ddbxo_applier_free(a);
    ddbxo_client_free(c);
    return built;
}

START_TEST(apply_requests)
{
    ck_assert_uint_ge(requests_for(DDBXO_MODE_REPLICATE), 10);
    ck_assert_uint_ge(requests_for(DDBXO_MODE_LEDGER), 10);
}
END_TEST

/* s (n bytes, valid UTF-8 or not: the _nocheck setters take any bytes,
 * as jansson's dump may see them) as a value in ["<s>"] and
 * {"v":"<s>"}, and as a key in {"<s>":1,"next":2}.  Returns whether
 * the value was written (1) or refused (0). */
static int same_string(const char *s, size_t n)
{
    json_t *o = json_object(), *a = json_array(), *k = json_object();
    int r;
    ck_assert_int_eq(json_object_set_new(o, "v", json_stringn_nocheck(s, n)), 0);
    ck_assert_int_eq(json_array_append_new(a, json_stringn_nocheck(s, n)), 0);
    ck_assert_int_eq(json_object_setn_new_nocheck(k, s, n, json_integer(1)), 0);
    ck_assert_int_eq(json_object_set_new(k, "next", json_integer(2)), 0);
    r = same(a);
    ck_assert_int_eq(same(o), r);
    /* jansson writes an invalid key cut short and goes on: a text always */
    ck_assert_int_eq(same(k), 1);
    json_decref(o);
    json_decref(a);
    json_decref(k);
    return r;
}

START_TEST(every_escape_class)
{
    char s[8];
    unsigned c;
    /* every ASCII byte alone and between letters: controls as \b \f \n
     * \r \t or \u00XX (upper-case hex), '"' and '\\' escaped, '/' and
     * DEL as they are */
    for (c = 0; c < 0x80; c++) {
        s[0] = (char)c;
        ck_assert_int_eq(same_string(s, 1), 1);
        s[0] = 'a';
        s[1] = (char)c;
        s[2] = 'b';
        ck_assert_int_eq(same_string(s, 3), 1);
    }
    ck_assert_int_eq(same_string("", 0), 1);
    ck_assert_int_eq(same_string("\"\\/\b\f\n\r\t\x01\x1f\x7f", 11), 1);
    /* valid multi-byte forms pass through unescaped, at their bounds */
    ck_assert_int_eq(same_string("\xc2\x80 \xdf\xbf", 5), 1);
    ck_assert_int_eq(same_string("\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
                                 12), 1);
    ck_assert_int_eq(same_string("\xe2\x80\xa8\xe2\x80\xa9", 6), 1);   /* U+2028/9 */
    ck_assert_int_eq(same_string("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8), 1);
    ck_assert_int_eq(same_string("caf\xc3\xa9 \xf0\x9f\x98\x80\n", 11), 1);
}
END_TEST

START_TEST(invalid_utf8_as_jansson_does)
{
    static const char *bad[] = {
        "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
        "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80",
        "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8",
        "\xfe", "\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3" "a",
        "\xe2\x82" "a", "\xc3\xc3\xa9",
    };
    size_t i;
    char s[16];
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t n = strlen(bad[i]);
        ck_assert_int_eq(same_string(bad[i], n), 0);
        /* after valid text too, so a partial write is not returned */
        memcpy(s, "ok \xc3\xa9 ", 6);
        memcpy(s + 6, bad[i], n);
        ck_assert_int_eq(same_string(s, 6 + n), 0);
    }
}
END_TEST

START_TEST(numbers_and_literals)
{
    static const json_int_t ints[] = {0, 1, -1, 9, 10, -10, 1234567890123LL,
                                      LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
    static const double reals[] = {0.0, -0.0, 1.0, 1.5, -2.25, 0.1, 1e300,
                                   -1e-300, 1e17, 123456789.125, 5e-324};
    json_t *a = json_array();
    size_t i;
    for (i = 0; i < sizeof ints / sizeof *ints; i++)
        json_array_append_new(a, json_integer(ints[i]));
    for (i = 0; i < sizeof reals / sizeof *reals; i++)
        json_array_append_new(a, json_real(reals[i]));
    json_array_append_new(a, json_true());
    json_array_append_new(a, json_false());
    json_array_append_new(a, json_null());
    ck_assert_int_eq(same(a), 1);
    json_decref(a);
}
END_TEST

START_TEST(top_level_and_empty)
{
    json_t *j;
    /* like json_dumps without JSON_ENCODE_ANY: objects and arrays only */
    json_t *scalars[] = {json_string("x"), json_integer(1), json_real(1.5),
                         json_true(), json_null()};
    size_t i;
    for (i = 0; i < sizeof scalars / sizeof *scalars; i++) {
        ck_assert_int_eq(same(scalars[i]), 0);
        json_decref(scalars[i]);
    }
    ck_assert_ptr_null(ddbxo__json_write(NULL, NULL));
    j = json_pack("{s:{},s:[],s:[{},[[]]]}", "a", "b", "c");
    ck_assert_int_eq(same(j), 1);
    json_decref(j);
    j = json_object();
    ck_assert_int_eq(same(j), 1);
    json_decref(j);
}
END_TEST

START_TEST(key_order_is_insertion_order)
{
    json_t *j = json_object();
    json_object_set_new(j, "z", json_integer(1));
    json_object_set_new(j, "a", json_integer(2));
    json_object_set_new(j, "m", json_integer(3));
    json_object_set_new(j, "a", json_integer(4));   /* replaced in place */
    json_object_del(j, "z");
    json_object_set_new(j, "z", json_integer(5));   /* now last */
    ck_assert_int_eq(same(j), 1);
    char *s = ddbxo__json_write(j, NULL);
    ck_assert_str_eq(s, "{\"a\":4,\"m\":3,\"z\":5}");
    free(s);
    json_decref(j);
}
END_TEST

START_TEST(deep_and_cyclic_trees)
{
    /* deeper than the direct writer goes: jansson's answer, exactly */
    json_t *root = json_array(), *cur = root, *obj;
    int i;
    for (i = 0; i < 3 * DDBXO__JSON_WRITE_DEPTH; i++) {
        json_t *next = (i % 2) ? json_array() : json_object();
        if (json_is_array(cur))
            json_array_append_new(cur, next);
        else
            json_object_set_new(cur, "k", next);
        cur = next;
    }
    ck_assert_int_eq(same(root), 1);
    json_decref(root);
    /* a container inside itself: both refuse */
    obj = json_object();
    json_object_set_new(obj, "x", json_array());
    json_array_append(json_object_get(obj, "x"), obj);
    ck_assert_int_eq(same(obj), 0);
    json_array_clear(json_object_get(obj, "x"));
    json_decref(obj);
}
END_TEST

/* Random trees: random shapes, keys and strings (escapes, multi-byte,
 * some invalid UTF-8), integers and reals. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static size_t rnd_bytes(char *s, size_t max, int allow_bad)
{
    static const char *pieces[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n",
                                   "\t", "\x01", "\x1f", "\x7f", "\xc3\xa9",
                                   "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\0"};
    size_t n = 0, k = rnd(12), i;
    for (i = 0; i < k; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
        size_t l = *p ? strlen(p) : 1;
        if (n + l + 1 > max)
            break;
        memcpy(s + n, p, l);
        n += l;
    }
    if (allow_bad && rnd(40) == 0 && n + 1 < max)
        s[n++] = (char)(0x80 + rnd(0x80));
    return n;
}

static json_t *rnd_tree(int depth)
{
    char s[64];
    size_t n, i, k;
    json_t *j;
    switch (depth > 5 ? rnd(5) : rnd(7)) {
    case 0: n = rnd_bytes(s, sizeof s, 1); return json_stringn_nocheck(s, n);
    case 1: return json_integer((json_int_t)rnd(1u << 30) - (1 << 29));
    case 2: return json_real((double)rnd(100000) / 64.0);
    case 3: return rnd(2) ? json_true() : json_null();
    case 4: n = rnd_bytes(s, sizeof s, 0); return json_stringn(s, n);
    case 5:
        j = json_array();
        for (i = 0, k = rnd(5); i < k; i++)
            json_array_append_new(j, rnd_tree(depth + 1));
        return j;
    default:
        j = json_object();
        for (i = 0, k = rnd(5); i < k; i++) {
            n = rnd_bytes(s, sizeof s, 1);
            json_object_setn_new_nocheck(j, s, n, rnd_tree(depth + 1));
        }
        return j;
    }
}

START_TEST(random_trees)
{
    int i, texts = 0, fails = 0;
    for (i = 0; i < 3000; i++) {
        json_t *j = json_object();
        json_object_set_new(j, "t", rnd_tree(0));
        if (same(j))
            texts++;
        else
            fails++;
        json_decref(j);
    }
    /* both outcomes occur, so both paths were compared */
    ck_assert_int_gt(texts, 1000);
    ck_assert_int_gt(fails, 10);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("json_write");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, shared_events);
    tcase_add_test(tc, apply_requests);
    tcase_add_test(tc, every_escape_class);
    tcase_add_test(tc, invalid_utf8_as_jansson_does);
    tcase_add_test(tc, numbers_and_literals);
    tcase_add_test(tc, top_level_and_empty);
    tcase_add_test(tc, key_order_is_insertion_order);
    tcase_add_test(tc, deep_and_cyclic_trees);
    tcase_add_test(tc, random_trees);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
