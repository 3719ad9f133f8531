/* The shards of a stream and their lineage.  A child may start only when
 * its parent is done: closed and drained, or gone from the stream
 * (trimmed), so the records of one item are applied in stream order
 * across a split (docs/aws-facts.md §4). */
#include "stream/shard_tree.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

void ddbxo__shard_tree_init(ddbxo__shard_tree *t)
{
    memset(t, 0, sizeof *t);
}

void ddbxo__shard_tree_clear(ddbxo__shard_tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].iterator);
    free(t->v);
    memset(t, 0, sizeof *t);
}

int ddbxo__shard_id_valid(const char *id)
{
    size_t n = 0;
    if (!id)
        return 0;
    for (; id[n]; n++) {
        char ch = id[n];
        if (n >= DDBXO__SHARD_ID_MAX)
            return 0;
        /* The id goes into checkpoint keys and log lines: nothing but the
         * characters AWS uses. */
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
              ch == '.'))
            return 0;
    }
    return n > 0;
}

ddbxo__shard *ddbxo__shard_tree_find(ddbxo__shard_tree *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0)
            return &t->v[i];
    return NULL;
}

static const ddbxo__shard *find_c(const ddbxo__shard_tree *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0)
            return &t->v[i];
    return NULL;
}

/* One checked entry of a Shards array. */
typedef struct entry {
    const char *id, *parent, *start, *end;
} entry;

static int check_entry(const json_t *s, size_t i, entry *e, ddbxo_error *err)
{
    char path[64];
    const json_t *v, *range;

    memset(e, 0, sizeof *e);
    if (!json_is_object(s)) {
        snprintf(path, sizeof path, "Shards[%zu]", i);
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "DescribeStream: shard entry is not an object");
    }
    v = json_object_get(s, "ShardId");
    if (!json_is_string(v) || !ddbxo__shard_id_valid(json_string_value(v))) {
        snprintf(path, sizeof path, "Shards[%zu].ShardId", i);
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "DescribeStream: ShardId missing or not a shard id");
    }
    e->id = json_string_value(v);
    v = json_object_get(s, "ParentShardId");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) ||
            (json_string_length(v) > 0 &&
             !ddbxo__shard_id_valid(json_string_value(v)))) {
            snprintf(path, sizeof path, "Shards[%zu].ParentShardId", i);
            return ddbxo__err(err, DDBXO_E_INVALID, path,
                              "DescribeStream: ParentShardId is not a "
                              "shard id");
        }
        e->parent = json_string_value(v);
    }
    range = json_object_get(s, "SequenceNumberRange");
    if (range && !json_is_null(range)) {
        if (!json_is_object(range)) {
            snprintf(path, sizeof path, "Shards[%zu].SequenceNumberRange", i);
            return ddbxo__err(err, DDBXO_E_INVALID, path,
                              "DescribeStream: SequenceNumberRange is not "
                              "an object");
        }
        static const char *const names[2] = { "StartingSequenceNumber",
                                              "EndingSequenceNumber" };
        const char **dst[2] = { &e->start, &e->end };
        for (int k = 0; k < 2; k++) {
            v = json_object_get(range, names[k]);
            if (!v || json_is_null(v))
                continue;
            if (!json_is_string(v) || !ddbxo_seq_valid(json_string_value(v))) {
                snprintf(path, sizeof path,
                         "Shards[%zu].SequenceNumberRange.%s", i, names[k]);
                return ddbxo__err(err, DDBXO_E_INVALID, path,
                                  "DescribeStream: not a sequence number");
            }
            *dst[k] = json_string_value(v);
        }
    }
    return 0;
}

/* Marks shards whose parent chain loops back to them as roots, so hostile
 * input cannot leave a shard waiting forever on itself. */
static void break_cycles(ddbxo__shard_tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const ddbxo__shard *p = &t->v[i];
        t->v[i].root = 0;
        for (size_t steps = 0; steps <= t->n && p && p->parent[0]; steps++) {
            p = find_c(t, p->parent);
            if (p == &t->v[i]) {
                t->v[i].root = 1;
                break;
            }
        }
    }
}

int ddbxo__shard_tree_merge(ddbxo__shard_tree *t, const json_t *shards,
                            size_t *added, ddbxo_error *err)
{
    size_t n, nnew = 0, i;
    entry e;

    if (added)
        *added = 0;
    if (!json_is_array(shards))
        return ddbxo__err(err, DDBXO_E_INVALID, "Shards",
                          "DescribeStream: Shards is not an array");
    n = json_array_size(shards);
    /* Check everything first so that a bad answer changes nothing. */
    for (i = 0; i < n; i++) {
        if (check_entry(json_array_get(shards, i), i, &e, err) < 0)
            return -1;
        if (!find_c(t, e.id))
            nnew++;
    }
    if (t->n + nnew > t->cap) {
        size_t cap = t->cap ? t->cap : 8;
        while (cap < t->n + nnew)
            cap *= 2;
        ddbxo__shard *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        t->v = v;
        t->cap = cap;
    }
    for (i = 0; i < t->n; i++)
        t->v[i].listed = 0;
    nnew = 0;
    for (i = 0; i < n; i++) {
        ddbxo__shard *s;
        check_entry(json_array_get(shards, i), i, &e, NULL);
        s = ddbxo__shard_tree_find(t, e.id);
        if (!s) {
            s = &t->v[t->n++];
            memset(s, 0, sizeof *s);
            ddbxo__strlcpy(s->id, e.id, sizeof s->id);
            ddbxo__strlcpy(s->parent, e.parent, sizeof s->parent);
            ddbxo__strlcpy(s->start_seq, e.start, sizeof s->start_seq);
            s->first_listing = t->listings == 0;
            nnew++;
        }
        /* A listing may repeat a shard (pages overlapping); the closed
         * form wins. */
        if (e.end && !s->end_seq[0])
            ddbxo__strlcpy(s->end_seq, e.end, sizeof s->end_seq);
        s->listed = 1;
    }
    /* A shard that left the listing before we started it was trimmed:
     * nothing of it can be read any more, and its children may go. */
    for (i = 0; i < t->n; i++)
        if (!t->v[i].listed && t->v[i].state == DDBXO__SHARD_PENDING)
            t->v[i].state = DDBXO__SHARD_DONE;
    break_cycles(t);
    t->listings++;
    if (added)
        *added = nnew;
    return 0;
}

int ddbxo__shard_tree_ready(const ddbxo__shard_tree *t, size_t i)
{
    const ddbxo__shard *s, *p;
    if (i >= t->n)
        return 0;
    s = &t->v[i];
    if (s->state != DDBXO__SHARD_PENDING)
        return 0;
    if (!s->parent[0] || s->root)
        return 1;
    p = find_c(t, s->parent);
    return !p || p->state == DDBXO__SHARD_DONE;
}

int ddbxo__shard_tree_lineage_ok(const ddbxo__shard_tree *t, size_t i)
{
    const ddbxo__shard *s, *p;
    if (i >= t->n)
        return 1;
    s = &t->v[i];
    if (!s->parent[0] || s->root || !s->start_seq[0])
        return 1;
    p = find_c(t, s->parent);
    if (!p || !p->end_seq[0])
        return 1;
    return ddbxo_seq_compare(s->start_seq, p->end_seq) > 0;
}

size_t ddbxo__shard_tree_count(const ddbxo__shard_tree *t, int state)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        k += t->v[i].state == state;
    return k;
}
