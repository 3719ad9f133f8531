/* `ddbxo apply` as a user runs it, against moto: the exactly-once
 * acceptance tests (replays, redrives of older batches, aggregates in any
 * batch order, two processes at once) and the exit codes.
 *
 * Events are real: a seeded workload of PutItem/DeleteItem on a source
 * table with a NEW_AND_OLD_IMAGES stream, read back from moto's stream
 * (tu_stream_event) and cut into batches.  Every expectation is computed
 * here from the workload, independently of the library.  Source writes use
 * PutItem only: moto emits two INSERT records for an UpdateItem that
 * creates an item (docs/moto-gaps.md C3), and every put changes `ver`, so none is
 * a no-op (moto would emit a MODIFY that DynamoDB would not). */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clirun.h"
#include "ddbtest.h"
#include "fakeenv.h"
#include "moto.h"
#include "testutil.h"

#define SRC "src"
#define DST "dst"
#define LEDGER "ledger"

/* ------------------------------------------------------------------ */
/* the workload and its model                                           */
/* ------------------------------------------------------------------ */

#define MAX_OPS 64
#define MAX_ITEMS 16
#define N_GROUPS 3

typedef struct op {
    int item;       /* index into the item names */
    int del;        /* 1 = DeleteItem, else PutItem */
    int grp, amt, ver;
} op;

typedef struct workload {
    op ops[MAX_OPS];
    int n_ops, n_items;
    /* final state per item */
    int live[MAX_ITEMS], grp[MAX_ITEMS], amt[MAX_ITEMS], ever[MAX_ITEMS];
} workload;

static unsigned g_rng;
static unsigned rnd(unsigned n)
{
    g_rng = g_rng * 1103515245u + 12345u;
    return (g_rng >> 16) % n;
}

static void item_name(int i, char out[16])
{
    snprintf(out, 16, "i%02d", i);
}

/* A seeded mix of inserts, modifies (changing amount and group) and
 * deletes, applied to the source table; one stream record per op. */
static void run_workload(ddbxo_client *c, workload *w, int n_items, int n_ops,
                         unsigned seed)
{
    char buf[256], name[16];
    int ver[MAX_ITEMS] = { 0 };
    memset(w, 0, sizeof *w);
    ck_assert(n_items <= MAX_ITEMS && n_ops <= MAX_OPS);
    w->n_items = n_items;
    w->n_ops = n_ops;
    g_rng = seed;
    for (int k = 0; k < n_ops; k++) {
        op *o = &w->ops[k];
        o->item = (int)rnd((unsigned)n_items);
        /* Every item gets created early so deletes and modifies happen. */
        if (k < n_items)
            o->item = k;
        item_name(o->item, name);
        if (w->live[o->item] && rnd(10) < 3) {
            o->del = 1;
            snprintf(buf, sizeof buf, "{\"pk\":{\"S\":\"%s\"}}", name);
            tu_delete(c, SRC, buf);
            w->live[o->item] = 0;
            continue;
        }
        o->grp = (int)rnd(N_GROUPS);
        o->amt = 1 + (int)rnd(100);
        o->ver = ++ver[o->item];
        snprintf(buf, sizeof buf,
                 "{\"pk\":{\"S\":\"%s\"},\"grp\":{\"S\":\"g%d\"},"
                 "\"amt\":{\"N\":\"%d\"},\"ver\":{\"N\":\"%d\"},"
                 "\"note\":{\"S\":\"op %d\"}}",
                 name, o->grp, o->amt, o->ver, k);
        tu_put(c, SRC, buf);
        w->live[o->item] = w->ever[o->item] = 1;
        w->grp[o->item] = o->grp;
        w->amt[o->item] = o->amt;
    }
    ck_assert_int_eq((int)tu_stream_count(c, SRC), n_ops);
}

/* Records [first, first+n) of the workload: how many distinct items, and
 * how many records a replay reports DUPLICATE or STALE.  Coalesced, each
 * item's last record in the range is sent and its earlier ones share its
 * refusal: DUPLICATE when it is the item's last record overall, else
 * STALE. */
static void batch_shape(const workload *w, int first, int n, int *items,
                        int *dup_if_replayed, int *stale_if_replayed)
{
    *items = *dup_if_replayed = *stale_if_replayed = 0;
    for (int k = first; k < first + n; k++) {
        int last_in_batch = -1, last_overall = 1;
        for (int j = k + 1; j < w->n_ops; j++)
            if (w->ops[j].item == w->ops[k].item) {
                if (j < first + n)
                    last_in_batch = j;
                else
                    last_overall = 0;
            }
        if (last_in_batch < 0)
            (*items)++;      /* k is the item's last record in the range */
        /* k shares the outcome of its item's last record in the range. */
        if (last_overall)
            (*dup_if_replayed)++;
        else
            (*stale_if_replayed)++;
    }
}
/* ------------------------------------------------------------------ */
/* running the binary                                                   */
/* ------------------------------------------------------------------ */

/* The event of records [first, first+count) of the source stream, as a
 * file. */
static const char *event_file(ddbxo_client *c, size_t first, size_t count)
{
    char name[64];
    char *ev = tu_stream_event(c, SRC, first, count);
    const char *p;
    snprintf(name, sizeof name, "ev-%zu-%zu.json", first, count);
    p = tu_write_file(name, ev);
    free(ev);
    return p;
}

/* Standard input of the next started process (NULL = /dev/null). */
static const char *g_stdin;

typedef tu_cli_proc proc;
typedef tu_cli_result result;

/* Starts `ddbxo apply ARGS...` with a clean AWS environment pointing at
 * endpoint; stdout and stderr go to files. */
static void start_apply(proc *p, const char *endpoint, const char *const *args)
{
    const char *argv[40] = { "apply" };
    size_t n = 1;
    for (size_t i = 0; args[i]; i++) {
        ck_assert(n < 38);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    tu_cli_spawn(p, tu_tmpdir(), endpoint, argv, g_stdin);
}

static void apply_at(const char *endpoint, const char *const *args, result *r)
{
    proc p;
    start_apply(&p, endpoint, args);
    tu_cli_finish(&p, r);
}

static void apply(const char *const *args, result *r)
{
    apply_at(tu_moto_endpoint(tu_moto_get()), args, r);
}

/* Asserts exit 0 and the counts (-1 = not checked); records is the batch
 * size and must equal the sum of all outcomes. */
static void expect_counts(const result *r, long records, long applied,
                          long duplicate, long stale, long coalesced,
                          long filtered)
{
    ck_assert_msg(r->status == 0, "exit %d\nstdout: %s\nstderr: %s",
                  r->status, r->out, r->err);
    ck_assert_ptr_nonnull(r->summary);
    ck_assert_int_eq(tu_cli_count(r, "records"), records);
    ck_assert_int_eq(tu_cli_count(r, "failed"), 0);
    ck_assert_int_eq(tu_cli_count(r, "parked"), 0);
    ck_assert_int_eq(tu_cli_count(r, "applied") + tu_cli_count(r, "duplicate") +
                         tu_cli_count(r, "stale") + tu_cli_count(r, "superseded") +
                         tu_cli_count(r, "coalesced") + tu_cli_count(r, "filtered"),
                     records);
    ck_assert_int_eq(json_array_size(json_object_get(r->summary,
                                                     "batchItemFailures")), 0);
#define EXPECT(name, v) \
    if ((v) >= 0) \
        ck_assert_msg(tu_cli_count(r, name) == (v), "%s: %ld, expected %ld\n%s", \
                      name, tu_cli_count(r, name), (long)(v), r->out)
    EXPECT("applied", applied);
    EXPECT("duplicate", duplicate);
    EXPECT("stale", stale);
    EXPECT("coalesced", coalesced);
    EXPECT("filtered", filtered);
#undef EXPECT
}

/* ------------------------------------------------------------------ */
/* target checks                                                        */
/* ------------------------------------------------------------------ */

static void setup_tables(ddbxo_client *c, const char *dst, const char *ledger)
{
    tu_create_table(c, dst, "pk", "S", NULL, NULL, NULL);
    if (ledger)
        tu_create_table(c, ledger, "pk", "S", NULL, NULL, NULL);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The live items of a table without libddbxo's bookkeeping attributes
 * (tombstones left out), as sorted canonical JSON lines. */
static char *live_view(ddbxo_client *c, const char *table)
{
    json_t *items = tu_scan(c, table), *it;
    size_t i, n = 0, total = 1;
    char **lines = calloc(json_array_size(items) + 1, sizeof *lines), *out, *p;
    json_array_foreach(items, i, it) {
        const char *k;
        json_t *v, *copy;
        void *tmp;
        if (json_is_true(json_object_get(json_object_get(it, "_ddbxo_deleted"),
                                         "BOOL")))
            continue;
        copy = json_deep_copy(it);
        json_object_foreach_safe(copy, tmp, k, v) {
            if (strncmp(k, "_ddbxo_", 7) == 0)
                json_object_del(copy, k);
        }
        lines[n] = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
        total += strlen(lines[n]) + 1;
        n++;
        json_decref(copy);
    }
    qsort(lines, n, sizeof *lines, cmp_line);
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

/* Replicate mode: the target mirrors the source, and every deleted item
 * is a tombstone (not resurrected, not missing). */
static void expect_mirror(ddbxo_client *c, const workload *w, const char *dst,
                          int tombstones)
{
    char *want = live_view(c, SRC), *got = live_view(c, dst), key[64],
         name[16];
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    for (int i = 0; i < w->n_items; i++) {
        json_t *it;
        if (!w->ever[i] || w->live[i])
            continue;
        item_name(i, name);
        snprintf(key, sizeof key, "{\"pk\":{\"S\":\"%s\"}}", name);
        it = tu_get(c, dst, key);
        if (!tombstones) {
            ck_assert_msg(it == NULL, "%s should be deleted", name);
            continue;
        }
        ck_assert_msg(it != NULL, "tombstone of %s missing", name);
        ck_assert(json_is_true(tu_json_at(it, "_ddbxo_deleted.BOOL")));
        ck_assert_ptr_null(json_object_get(it, "amt"));
        ck_assert(json_is_string(tu_json_at(it, "_ddbxo_seq.S")));
        json_decref(it);
    }
}

/* Ledger aggregate: item_count and total per group equal what the
 * workload's final state gives. */
static void expect_totals(ddbxo_client *c, const workload *w, const char *dst)
{
    long want_n[N_GROUPS] = { 0 }, want_t[N_GROUPS] = { 0 };
    int seen[N_GROUPS] = { 0 };
    json_t *items = tu_scan(c, dst), *it;
    size_t i;
    for (int k = 0; k < w->n_items; k++)
        if (w->live[k]) {
            want_n[w->grp[k]]++;
            want_t[w->grp[k]] += w->amt[k];
        }
    json_array_foreach(items, i, it) {
        const char *pk = json_string_value(tu_json_at(it, "pk.S"));
        const char *n = json_string_value(tu_json_at(it, "item_count.N"));
        const char *t = json_string_value(tu_json_at(it, "total.N"));
        int g;
        ck_assert_msg(pk && n && t, "unexpected target item");
        ck_assert_msg(sscanf(pk, "g%d", &g) == 1 && g >= 0 && g < N_GROUPS,
                      "unexpected group %s", pk);
        seen[g] = 1;
        ck_assert_msg(strtol(n, NULL, 10) == want_n[g] &&
                          strtod(t, NULL) == (double)want_t[g],
                      "group %s: item_count %s total %s, expected %ld %ld", pk,
                      n, t, want_n[g], want_t[g]);
    }
    for (int g = 0; g < N_GROUPS; g++)
        ck_assert_msg(seen[g] || want_n[g] == 0, "group g%d missing", g);
    json_decref(items);
}

static void setup(void)
{
    tu_moto_test_reset();
    tu_mk_tmpdir("ddbxo-cli-apply");
}

static void teardown(void)
{
    tu_rm_tmpdir();
}

/* ------------------------------------------------------------------ */
/* replay: the same event five times                                    */
/* ------------------------------------------------------------------ */

static const struct {
    const char *name;
    const char *args[8];
    int ledger, coalesce;
} replay_modes[] = {
    { "replicate", { NULL }, 0, 1 },
    { "replicate --no-coalesce", { "--no-coalesce", NULL }, 0, 0 },
    { "ledger", { "--mode", "ledger", "--ledger-table", LEDGER, NULL }, 1, 0 },
    { "tracker", { "--mode", "tracker", "--ledger-table", LEDGER,
                   "--shard-id", "shardId-00000001541626099285-f35f62ef",
                   NULL }, 1, 0 },
};

START_TEST(replay_five_times)
{
    ddbxo_client *c = tu_moto_client();
    workload w;
    const char *args[20], *ev;
    char *first = NULL, *snap;
    int items, dup, stale;
    size_t n = 0;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    setup_tables(c, DST, replay_modes[_i].ledger ? LEDGER : NULL);
    run_workload(c, &w, 6, 20, 7);
    ev = event_file(c, 0, 0);
    batch_shape(&w, 0, w.n_ops, &items, &dup, &stale);
    ck_assert_int_eq(dup, w.n_ops);   /* the whole stream: all refusals DUPLICATE */
    ck_assert_int_eq(stale, 0);

    args[n++] = "--event";
    args[n++] = ev;
    args[n++] = "--target-table";
    args[n++] = DST;
    for (size_t k = 0; replay_modes[_i].args[k]; k++)
        args[n++] = replay_modes[_i].args[k];
    args[n] = NULL;

    for (int run = 0; run < 5; run++) {
        result r;
        apply(args, &r);
        if (replay_modes[_i].coalesce) {
            /* Each item's last record is sent; the rest are covered:
             * COALESCED when it applied, DUPLICATE with it on a replay. */
            if (run == 0)
                expect_counts(&r, w.n_ops, items, 0, 0, w.n_ops - items, 0);
            else
                expect_counts(&r, w.n_ops, 0, w.n_ops, 0, 0, 0);
        } else if (replay_modes[_i].ledger) {
            /* A replay is a new call with a new ClientRequestToken, so
             * DynamoDB (like moto, which ignores tokens: docs/moto-gaps.md C2)
             * evaluates the ledger condition: DUPLICATE
             * (docs/exactly-once.md §2). */
            if (run == 0)
                expect_counts(&r, w.n_ops, w.n_ops, 0, 0, 0, 0);
            else
                expect_counts(&r, w.n_ops, 0, w.n_ops, 0, 0, 0);
        } else {
            /* Every record is sent: on a replay the stored version is the
             * item's last, so the earlier records are STALE. */
            if (run == 0)
                expect_counts(&r, w.n_ops, w.n_ops, 0, 0, 0, 0);
            else
                expect_counts(&r, w.n_ops, 0, items, w.n_ops - items, 0, 0);
        }
        tu_cli_result_free(&r);
        snap = tu_snapshot(c, DST);
        if (!first)
            first = snap;
        else {
            ck_assert_str_eq(snap, first);
            free(snap);
        }
    }
    /* Replicate keeps tombstones; the identity transform in ledger and
     * tracker mode deletes. */
    expect_mirror(c, &w, DST, !replay_modes[_i].ledger);
    free(first);
    tu_client_free(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* redrive of an older batch after newer ones                           */
/* ------------------------------------------------------------------ */

START_TEST(redrive_older_batch)
{
    ddbxo_client *c = tu_moto_client();
    workload w;
    const int bs = 5;
    char *in_order;
    int nb;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    setup_tables(c, DST, NULL);
    run_workload(c, &w, 6, 30, 11);
    nb = (w.n_ops + bs - 1) / bs;

    for (int b = 0; b < nb; b++) {
        const char *args[] = { "--event", event_file(c, (size_t)(b * bs), bs),
                               "--target-table", DST, NULL };
        result r;
        apply(args, &r);
        ck_assert_msg(r.status == 0 && tu_cli_count(&r, "applied") > 0,
                      "batch %d: %s %s", b, r.out, r.err);
        tu_cli_result_free(&r);
    }
    in_order = tu_snapshot(c, DST);
    expect_mirror(c, &w, DST, 1);

    /* Redrive every older batch, newest first, then the first again. */
    int stale_seen = 0;
    for (int b = nb - 1; b >= -1; b--) {
        int first = b < 0 ? 0 : b * bs, n = bs, items, dup, stale;
        if (first + n > w.n_ops)
            n = w.n_ops - first;
        const char *args[] = { "--event", event_file(c, (size_t)first, (size_t)n),
                               "--target-table", DST, NULL };
        result r;
        char *snap;
        batch_shape(&w, first, n, &items, &dup, &stale);
        apply(args, &r);
        expect_counts(&r, n, 0, dup, stale, 0, 0);
        stale_seen += stale;
        tu_cli_result_free(&r);
        snap = tu_snapshot(c, DST);
        ck_assert_str_eq(snap, in_order);
        free(snap);
    }
    /* The workload must have exercised the interesting case. */
    ck_assert_int_gt(stale_seen, 0);
    expect_mirror(c, &w, DST, 1);
    free(in_order);
    tu_client_free(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* ledger aggregate in any batch order                                  */
/* ------------------------------------------------------------------ */

#define AGG_BS 4
#define MAX_BATCHES (MAX_OPS / AGG_BS + 1)

/* The batch orders (batch indices, -1 ends). */
static void make_order(int kind, int nb, int *order)
{
    int n = 0;
    switch (kind) {
    case 0: /* in order, then every batch replayed */
        for (int b = 0; b < nb; b++)
            order[n++] = b;
        for (int b = 0; b < nb; b++)
            order[n++] = b;
        break;
    case 1: /* reversed */
        for (int b = nb - 1; b >= 0; b--)
            order[n++] = b;
        break;
    case 2: /* shuffled (seeded) */
        for (int b = 0; b < nb; b++)
            order[n++] = b;
        g_rng = 4242;
        for (int i = nb - 1; i > 0; i--) {
            int j = (int)rnd((unsigned)i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        break;
    default: /* interleaved redrives: 0,1,0,2,1,3,2,... */
        order[n++] = 0;
        for (int b = 1; b < nb; b++) {
            order[n++] = b;
            order[n++] = b - 1;
        }
        order[n++] = nb - 1;
        break;
    }
    order[n] = -1;
}

static const char *const order_names[] = { "in order + replay", "reversed",
                                           "shuffled", "interleaved" };

START_TEST(ledger_aggregate_any_order)
{
    ddbxo_client *c = tu_moto_client();
    workload w;
    int order[3 * MAX_BATCHES], nb, applied_total = 0;
    int seen[MAX_BATCHES] = { 0 };
    const char *events[MAX_BATCHES];

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    setup_tables(c, DST, LEDGER);
    run_workload(c, &w, 8, 40, 23);
    nb = (w.n_ops + AGG_BS - 1) / AGG_BS;
    ck_assert(nb <= MAX_BATCHES);
    for (int b = 0; b < nb; b++) {
        char name[32];
        char *ev = tu_stream_event(c, SRC, (size_t)(b * AGG_BS), AGG_BS);
        snprintf(name, sizeof name, "agg-%d.json", b);
        events[b] = strdup(tu_write_file(name, ev));
        free(ev);
    }
    make_order(_i, nb, order);

    for (int k = 0; order[k] >= 0; k++) {
        int b = order[k], n = b * AGG_BS + AGG_BS > w.n_ops
                                  ? w.n_ops - b * AGG_BS : AGG_BS;
        const char *args[] = { "--event", events[b], "--target-table", DST,
                               "--mode", "ledger", "--ledger-table", LEDGER,
                               "--aggregate", "grp:amt", NULL };
        result r;
        apply(args, &r);
        ck_assert_msg(r.status == 0, "%s, batch %d: exit %d: %s %s",
                      order_names[_i], b, r.status, r.out, r.err);
        /* Filtering is the transform's choice (a change that moves no
         * total); it must be the same each time. */
        if (!seen[b]) {
            expect_counts(&r, n, n - tu_cli_count(&r, "filtered"), 0, 0, 0, -1);
            applied_total += (int)tu_cli_count(&r, "applied");
        } else {
            expect_counts(&r, n, 0, n - tu_cli_count(&r, "filtered"), 0, 0, -1);
        }
        seen[b]++;
        tu_cli_result_free(&r);
    }
    ck_assert_int_gt(applied_total, w.n_ops / 2);
    expect_totals(c, &w, DST);
    for (int b = 0; b < nb; b++)
        free((char *)events[b]);
    tu_client_free(c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* two processes at once                                                */
/* ------------------------------------------------------------------ */

/* moto's threaded server evaluates conditions without any lock
 * (docs/moto-gaps.md C1), so two concurrent conditional writes could both pass
 * there although DynamoDB would refuse one.  This test therefore runs its
 * own single-threaded moto, where each request is atomic as in DynamoDB. */
START_TEST(two_processes_same_event)
{
    char errbuf[512];
    tu_moto_opts o = { .single_thread = 1 };
    tu_moto *m = tu_moto_start(&o, errbuf, sizeof errbuf);
    ck_assert_msg(m != NULL, "%s", errbuf);
    const char *url = tu_moto_endpoint(m);
    ddbxo_client *c = tu_client_at(url);
    workload w;
    const char *ev;
    char *ref, *snap;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    setup_tables(c, "ref", NULL);
    setup_tables(c, DST, NULL);
    setup_tables(c, "totals", LEDGER);
    run_workload(c, &w, 8, 32, 99);
    ev = event_file(c, 0, 0);

    /* Reference: one run, replicate, every record sent. */
    {
        const char *args[] = { "--event", ev, "--target-table", "ref",
                               "--no-coalesce", NULL };
        result r;
        apply_at(url, args, &r);
        expect_counts(&r, w.n_ops, w.n_ops, 0, 0, 0, 0);
        tu_cli_result_free(&r);
    }

    /* Replicate without coalescing: every record is sent by both; each is
     * applied by exactly one of them (a record refused by both would mean
     * both saw a newer one, which only a process that applied this one
     * first could have written). */
    {
        const char *args[] = { "--event", ev, "--target-table", DST,
                               "--no-coalesce", NULL };
        proc p[2];
        result r[2];
        start_apply(&p[0], url, args);
        start_apply(&p[1], url, args);
        tu_cli_finish(&p[0], &r[0]);
        tu_cli_finish(&p[1], &r[1]);
        for (int k = 0; k < 2; k++)
            expect_counts(&r[k], w.n_ops, -1, -1, -1, 0, 0);
        ck_assert_int_eq(tu_cli_count(&r[0], "applied") + tu_cli_count(&r[1], "applied"),
                         w.n_ops);
        tu_cli_result_free(&r[0]);
        tu_cli_result_free(&r[1]);
        ref = tu_snapshot(c, "ref");
        snap = tu_snapshot(c, DST);
        ck_assert_str_eq(snap, ref);
        free(ref);
        free(snap);
        expect_mirror(c, &w, DST, 1);
    }

    /* Ledger aggregate: a record applied twice would count twice.  (On
     * DynamoDB the second process's transactions carry the first one's
     * ClientRequestTokens: TransactionInProgressException, then success
     * without a write -- the effect checked below is the same; the
     * APPLIED sum relies on telling token replays apart, see the replay
     * test.) */
    {
        const char *args[] = { "--event", ev, "--target-table", "totals",
                               "--mode", "ledger", "--ledger-table", LEDGER,
                               "--aggregate", "grp:amt", NULL };
        proc p[2];
        result r[2];
        start_apply(&p[0], url, args);
        start_apply(&p[1], url, args);
        tu_cli_finish(&p[0], &r[0]);
        tu_cli_finish(&p[1], &r[1]);
        for (int k = 0; k < 2; k++)
            expect_counts(&r[k], w.n_ops, -1, -1, 0, 0, -1);
        ck_assert_int_eq(tu_cli_count(&r[0], "applied") + tu_cli_count(&r[1], "applied") +
                             tu_cli_count(&r[0], "filtered"),
                         w.n_ops);
        ck_assert_int_eq(tu_cli_count(&r[0], "filtered"), tu_cli_count(&r[1], "filtered"));
        tu_cli_result_free(&r[0]);
        tu_cli_result_free(&r[1]);
        expect_totals(c, &w, "totals");
    }
    tu_client_free(c);
    tu_moto_stop(m);
}
END_TEST

/* ------------------------------------------------------------------ */
/* exit codes, messages, the summary                                    */
/* ------------------------------------------------------------------ */

static int status_of(const char *const *args)
{
    result r;
    int st;
    apply(args, &r);
    st = r.status;
    /* Nothing is applied on these paths: no summary line. */
    ck_assert_msg(r.summary == NULL || st == 0 || st == 1,
                  "unexpected stdout: %s", r.out);
    ck_assert_msg(st == 0 || strlen(r.err) > 0, "no message on stderr");
    tu_cli_result_free(&r);
    return st;
}

START_TEST(usage_errors)
{
    const char *ev = tu_write_file("empty.json", "{\"Records\":[]}");
    const char *spec = tu_write_file("spec.json", "{}");
#define A(...) ((const char *const[]){ __VA_ARGS__, NULL })
    ck_assert_int_eq(status_of(A("--bogus")), 2);
    ck_assert_int_eq(status_of(A("--target-table", DST)), 2);
    ck_assert_int_eq(status_of(A("--event", ev)), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table")), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--mode", "bogus")), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--aggregate", "grp:amt")), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--mode", "replicate", "--aggregate",
                                 "grp:amt")), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--mode", "ledger", "--ledger-table", LEDGER,
                                 "--aggregate", "grp:amt", "--transform",
                                 spec)), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--mode", "ledger")), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--mode", "tracker")), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--deadline-ms", "soon")), 2);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--tombstone-ttl", "-5")), 2);
    /* Files. */
    ck_assert_int_eq(status_of(A("--event", "/nonexistent/ev.json",
                                 "--target-table", DST)), 66);
    ck_assert_int_eq(status_of(A("--event", ev, "--target-table", DST,
                                 "--transform", "/nonexistent/spec.json")),
                     66);
    ck_assert_int_eq(status_of(A("--event", tu_write_file("bad.json",
                                                       "{\"Records\":["),
                                 "--target-table", DST)), 65);
    ck_assert_int_eq(status_of(A("--event", tu_write_file("notev.json", "[1,2]"),
                                 "--target-table", DST)), 65);
    /* --help goes to stdout and succeeds. */
    {
        result r;
        apply(A("--help"), &r);
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "usage: ddbxo apply"));
        ck_assert_ptr_nonnull(strstr(r.out, "--aggregate"));
        tu_cli_result_free(&r);
    }
#undef A
}
END_TEST

/* A record that cannot be applied: exit 1, its seq in batchItemFailures,
 * one stderr line naming it; the item's later record is not applied
 * (stop at first failure); other items are applied. */
START_TEST(record_failure_exit_1)
{
    ddbxo_client *c = tu_moto_client();
    json_t *ev, *recs, *bad;
    char *text, *seq0, *seq1, line[160];
    const char *path;
    result r;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    setup_tables(c, DST, NULL);
    tu_put(c, SRC, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"1\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}");
    text = tu_stream_event(c, SRC, 0, 0);
    ev = tu_json(text);
    free(text);
    recs = json_object_get(ev, "Records");
    ck_assert_int_eq(json_array_size(recs), 3);
    /* The identity transform needs NewImage: record 0 loses it. */
    bad = json_object_get(json_array_get(recs, 0), "dynamodb");
    json_object_del(bad, "NewImage");
    seq0 = strdup(json_string_value(json_object_get(bad, "SequenceNumber")));
    seq1 = strdup(json_string_value(tu_json_at(json_array_get(recs, 2),
                                               "dynamodb.SequenceNumber")));
    /* Record 3 does not parse (a number DynamoDB cannot hold); its
     * sequence number must still be reported. */
    json_array_append_new(recs, tu_json(
        "{\"eventName\":\"INSERT\",\"dynamodb\":{\"Keys\":{\"pk\":"
        "{\"N\":\"1e999\"}},\"SequenceNumber\":\"99999999999999999999999\"}}"));
    text = json_dumps(ev, JSON_COMPACT);
    path = tu_write_file("broken.json", text);
    free(text);
    json_decref(ev);

    const char *args[] = { "--event", path, "--target-table", DST,
                           "--no-coalesce", NULL };
    apply(args, &r);
    ck_assert_msg(r.status == 1, "exit %d: %s %s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(r.summary);
    ck_assert_int_eq(tu_cli_count(&r, "records"), 4);
    ck_assert_int_eq(tu_cli_count(&r, "applied"), 1);
    ck_assert_int_eq(tu_cli_count(&r, "failed"), 3);
    /* In stream order: the broken record, a's later record, the record
     * that did not parse. */
    json_t *f = json_object_get(r.summary, "batchItemFailures");
    ck_assert_int_eq(json_array_size(f), 3);
    ck_assert_str_eq(json_string_value(tu_json_at(json_array_get(f, 2),
                                                  "itemIdentifier")),
                     "99999999999999999999999");
    ck_assert_msg(strstr(r.err, "record 3 seq 99999999999999999999999: "
                                "FAILED_PERMANENT: Records[3].dynamodb.Keys.pk.N")
                      != NULL, "stderr: %s", r.err);
    ck_assert_str_eq(json_string_value(tu_json_at(json_array_get(f, 0),
                                                  "itemIdentifier")), seq0);
    ck_assert_str_eq(json_string_value(tu_json_at(json_array_get(f, 1),
                                                  "itemIdentifier")), seq1);
    snprintf(line, sizeof line, "record 0 seq %s: FAILED_PERMANENT", seq0);
    ck_assert_msg(strstr(r.err, line) != NULL, "stderr: %s", r.err);
    snprintf(line, sizeof line, "record 2 seq %s: FAILED_", seq1);
    ck_assert_msg(strstr(r.err, line) != NULL, "stderr: %s", r.err);
    /* No item contents in the messages. */
    ck_assert_ptr_null(strstr(r.err, "\"v\""));
    tu_cli_result_free(&r);

    json_t *a = tu_get(c, DST, "{\"pk\":{\"S\":\"a\"}}");
    json_t *b = tu_get(c, DST, "{\"pk\":{\"S\":\"b\"}}");
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(b);
    json_decref(b);
    free(seq0);
    free(seq1);
    tu_client_free(c);
}
END_TEST

/* The summary: last stdout line, one JSON object with every documented
 * member; -v logs go to stderr only; --dry-run changes nothing. */
START_TEST(summary_members_and_dry_run)
{
    static const char *const members[] = {
        "records", "applied", "duplicate", "stale", "superseded",
        "coalesced", "filtered", "parked", "failed", NULL };
    ddbxo_client *c = tu_moto_client();
    const char *ev;
    result r;
    char *snap;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    setup_tables(c, DST, NULL);
    tu_put(c, SRC, "{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}");
    tu_put(c, SRC, "{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"1\"}}");
    ev = event_file(c, 0, 0);

    const char *dry[] = { "--event", ev, "--target-table", DST, "--dry-run",
                          NULL };
    apply(dry, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    {
        /* One line per record with its writes. */
        char *save = NULL, *l;
        int n = 0;
        for (l = strtok_r(r.out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            json_t *j = json_loads(l, 0, NULL);
            ck_assert_msg(j != NULL, "not JSON: %s", l);
            ck_assert_int_eq(json_integer_value(json_object_get(j, "index")), n);
            ck_assert(json_is_array(json_object_get(j, "writes")));
            ck_assert_int_eq(json_array_size(json_object_get(j, "writes")), 1);
            json_decref(j);
            n++;
        }
        ck_assert_int_eq(n, 2);
    }
    tu_cli_result_free(&r);
    snap = tu_snapshot(c, DST);
    ck_assert_str_eq(snap, "");
    free(snap);

    /* The event from standard input. */
    const char *args[] = { "--event", "-", "--target-table", DST, "-v", NULL };
    g_stdin = ev;
    apply(args, &r);
    g_stdin = NULL;
    expect_counts(&r, 2, 2, 0, 0, 0, 0);
    ck_assert(json_is_object(r.summary));
    for (size_t i = 0; members[i]; i++)
        ck_assert_msg(json_is_integer(json_object_get(r.summary, members[i])),
                      "member %s: %s", members[i], r.out);
    ck_assert(json_is_array(json_object_get(r.summary, "batchItemFailures")));
    /* Only the summary on stdout. */
    ck_assert_ptr_eq(strchr(r.out, '\n'), r.out + strlen(r.out) - 1);
    tu_cli_result_free(&r);
    tu_client_free(c);
}
END_TEST

/* --source-version-attr without --source-table: the table comes from the
 * records' eventSourceARN.  Without coalescing, every record whose source
 * item has moved on since is SUPERSEDED; each item's last record applies. */
START_TEST(source_check_from_arn)
{
    ddbxo_client *c = tu_moto_client();
    workload w;
    const char *ev;
    int items, dup, stale;
    result r;

    tu_create_table(c, SRC, "pk", "S", NULL, NULL, "NEW_AND_OLD_IMAGES");
    setup_tables(c, DST, NULL);
    run_workload(c, &w, 5, 16, 5);
    ev = event_file(c, 0, 0);
    batch_shape(&w, 0, w.n_ops, &items, &dup, &stale);
    const char *args[] = { "--event", ev, "--target-table", DST,
                           "--source-version-attr", "ver", "--no-coalesce",
                           NULL };
    apply(args, &r);
    expect_counts(&r, w.n_ops, items, 0, 0, 0, 0);
    ck_assert_int_eq(tu_cli_count(&r, "superseded"), w.n_ops - items);
    tu_cli_result_free(&r);
    expect_mirror(c, &w, DST, 1);
    tu_client_free(c);
}
END_TEST

static Suite *cli_apply_suite(void)
{
    /* Linearisable conditional writes and ADDs for every test here: the
     * aggregate's concurrent ADDs to one group item would race inside
     * moto's threaded server, which takes no locks (docs/moto-gaps.md C1), where
     * DynamoDB isolates them (or cancels one with TransactionConflict). */
    static const tu_moto_opts single = { .single_thread = 1 };
    Suite *s = suite_create("cli-apply");
    TCase *tc = tcase_create("exactly-once");
    tu_moto_suite_opts(&single);
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, replay_five_times, 0,
                        (int)(sizeof replay_modes / sizeof replay_modes[0]));
    tcase_add_test(tc, redrive_older_batch);
    tcase_add_loop_test(tc, ledger_aggregate_any_order, 0, 4);
    tcase_add_test(tc, two_processes_same_event);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_set_timeout(tc, 30);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, usage_errors);
    tcase_add_test(tc, record_failure_exit_1);
    tcase_add_test(tc, summary_members_and_dry_run);
    tcase_add_test(tc, source_check_from_arn);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(cli_apply_suite)
