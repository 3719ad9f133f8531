/* One stream record: field checks and accessors, read from the event's
 * document in place.  Images are checked leniently (they are what
 * DynamoDB stored) and stay in the document: handles on them are part of
 * the record, so a record costs no allocation of its own. */
#include "stream/record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "value/value.h"

/* Above this an ApproximateCreationDateTime is taken as milliseconds: as
 * seconds it would be the year 5138. */
#define DDBXO_APPROX_MS_THRESHOLD 1e11

/* a.b into out; a truncated path still names the record and the field's
 * start.  (Built for every record, so no printf.) */
static void join(char *out, size_t outsz, const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > outsz - 1)
        n = outsz - 1;
    memcpy(out, a, n);
    if (n && n < outsz - 1)
        out[n++] = '.';
    if (m > outsz - 1 - n)
        m = outsz - 1 - n;
    memcpy(out + n, b, m);
    out[n + m] = '\0';
}

static int field_err(ddbxo_error *err, const char *path, const char *field,
                     const char *what)
{
    char p[sizeof err->path];
    join(p, sizeof p, path, field);
    return ddbxo__err(err, DDBXO_E_INVALID, p, "%s: %s", p, what);
}

typedef struct rctx {
    struct ddbxo_record *rec;
    const ddbxo__doc *d;
    ddbxo__buf *strs;
    ddbxo_error *err;
} rctx;

static size_t get(const rctx *c, size_t obj, const char *key)
{
    return ddbxo__doc_get(c->d, obj, key, strlen(key));
}

static int is_null(const rctx *c, size_t v)
{
    return ddbxo__doc_type(c->d, v) == DDBXO__J_NULL;
}

/* Copies string node v, NUL-terminated, into the arena; *off = its
 * offset + 1. */
static int keep(rctx *c, size_t v, size_t *off)
{
    *off = c->strs->len + 1;
    if (ddbxo__doc_str_append(c->d, v, c->strs) < 0 ||
        ddbxo__buf_putc(c->strs, '\0') < 0)
        return ddbxo__err(c->err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

/* An optional string field: absent or null is fine, anything else not. */
static int opt_string(rctx *c, size_t obj, const char *key, size_t *off,
                      const char *path)
{
    size_t v = get(c, obj, key);
    *off = 0;
    if (!v || is_null(c, v))
        return 0;
    if (ddbxo__doc_type(c->d, v) != DDBXO__J_STR)
        return field_err(c->err, path, key, "must be a string");
    return keep(c, v, off);
}

/* String node v equals s, ignoring ASCII case. */
static int str_ieq(const rctx *c, size_t v, const char *s)
{
    ddbxo__buf b;
    size_t n, m = strlen(s);
    const char *p;
    int eq;
    ddbxo__buf_init(&b);
    p = ddbxo__doc_str(c->d, v, &b, &n);
    eq = p && n == m && strncasecmp(p, s, m) == 0;
    ddbxo__buf_free(&b);
    return eq;
}

/* userIdentity keys are spelled Type/PrincipalId by the Streams API and
 * type/principalId in Lambda events. */
static size_t get_ci(const rctx *c, size_t obj, const char *key)
{
    size_t end = obj + 1 + ddbxo__doc_payload(c->d, obj), k;
    for (k = obj + 1; k < end; k = ddbxo__doc_skip(c->d, k + 1))
        if (str_ieq(c, k, key))
            return k + 1;
    return 0;
}

static int is_str(const rctx *c, size_t v)
{
    return v && ddbxo__doc_type(c->d, v) == DDBXO__J_STR;
}

static int parse_identity(rctx *c, size_t j, const char *path)
{
    size_t ui = get(c, j, "userIdentity"), t, p;
    if (!ui || is_null(c, ui))
        return 0;
    if (ddbxo__doc_type(c->d, ui) != DDBXO__J_OBJ)
        return field_err(c->err, path, "userIdentity", "must be an object");
    t = get_ci(c, ui, "type");
    p = get_ci(c, ui, "principalId");
    if ((t && !is_str(c, t) && !is_null(c, t)) ||
        (p && !is_str(c, p) && !is_null(c, p)))
        return field_err(c->err, path, "userIdentity",
                         "type and principalId must be strings");
    c->rec->ttl_delete = c->rec->name == DDBXO_EVENT_REMOVE &&
                         is_str(c, t) && is_str(c, p) &&
                         ddbxo__doc_str_eq(c->d, t, "Service", 7) &&
                         ddbxo__doc_str_eq(c->d, p, "dynamodb.amazonaws.com",
                                           22);
    return 0;
}

/* The text of number or string node v as a C string in buf (NULL when it
 * does not fit). */
static const char *text_of(const rctx *c, size_t v, char *buf, size_t bufsz)
{
    ddbxo__buf b;
    size_t n;
    const char *s;
    ddbxo__buf_init(&b);
    if (ddbxo__doc_type(c->d, v) == DDBXO__J_NUM) {
        s = c->d->text + c->d->n[v].pos;
        n = ddbxo__doc_payload(c->d, v);
    } else {
        s = ddbxo__doc_str(c->d, v, &b, &n);
    }
    if (!s || n >= bufsz || memchr(s, '\0', n)) {
        ddbxo__buf_free(&b);
        return NULL;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    ddbxo__buf_free(&b);
    return buf;
}

/* Epoch seconds or milliseconds, as a JSON number or a numeric string
 * (the API returns a number; documentation examples show strings). */
static int parse_approx(rctx *c, size_t d, const char *path)
{
    size_t v = get(c, d, "ApproximateCreationDateTime");
    char tmp[64];
    const char *s;
    char *end;
    double x;
    int t;
    c->rec->approx_ms = -1;
    if (!v || is_null(c, v))
        return 0;
    t = ddbxo__doc_type(c->d, v);
    if (t != DDBXO__J_NUM && t != DDBXO__J_STR)
        return field_err(c->err, path, "ApproximateCreationDateTime",
                         "must be a number of epoch seconds");
    s = text_of(c, v, tmp, sizeof tmp);
    errno = 0;
    x = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end != '\0' || errno == ERANGE)
        return field_err(c->err, path, "ApproximateCreationDateTime",
                         "not a number");
    if (!isfinite(x) || x < 0 || x > 1e15)
        return field_err(c->err, path, "ApproximateCreationDateTime",
                         "out of range");
    c->rec->approx_ms = x >= DDBXO_APPROX_MS_THRESHOLD ? (int64_t)x
                                                       : (int64_t)(x * 1000.0);
    return 0;
}

static int parse_size(rctx *c, size_t d, const char *path)
{
    size_t v = get(c, d, "SizeBytes");
    char tmp[64];
    const char *s;
    char *end;
    c->rec->size_bytes = -1;
    if (!v || is_null(c, v))
        return 0;
    if (ddbxo__doc_type(c->d, v) == DDBXO__J_NUM &&
        (s = text_of(c, v, tmp, sizeof tmp)) != NULL) {
        if (!ddbxo__doc_flag(c->d, v)) {
            long long n = strtoll(s, &end, 10);
            if (n >= 0) {
                c->rec->size_bytes = n;
                return 0;
            }
        } else {
            double x = strtod(s, &end);
            if (x >= 0 && x < 9e15 && (double)(int64_t)x == x) {
                c->rec->size_bytes = (int64_t)x;
                return 0;
            }
        }
    }
    return field_err(c->err, path, "SizeBytes",
                     "must be a non-negative integer");
}

static int parse_map(rctx *c, ddbxo_value *out, unsigned char *has,
                     size_t d, const char *key, int required,
                     const char *path)
{
    size_t m = get(c, d, key);
    char p[sizeof c->err->path];
    if (has)
        *has = 0;
    join(p, sizeof p, path, key);
    if (!m || is_null(c, m)) {
        if (required)
            return ddbxo__err(c->err, DDBXO_E_INVALID, p, "%s: missing", p);
        return 0;
    }
    if (ddbxo__doc_type(c->d, m) != DDBXO__J_OBJ)
        return ddbxo__err(c->err, DDBXO_E_INVALID, p,
                          "%s: must be an attribute map (object)", p);
    if (required && ddbxo__doc_payload(c->d, m) == 0)
        return ddbxo__err(c->err, DDBXO_E_INVALID, p, "%s: is empty", p);
    if (ddbxo__item_check_doc(c->d, m, DDBXO__AV_LENIENT, p, NULL,
                              c->err) < 0)
        return -1;
    ddbxo__value_embed(out, c->rec->doc, m);
    if (has)
        *has = 1;
    return 0;
}

static int parse_name(rctx *c, size_t j, const char *path)
{
    size_t v = get(c, j, "eventName");
    if (!v)
        return field_err(c->err, path, "eventName", "missing");
    if (ddbxo__doc_type(c->d, v) != DDBXO__J_STR)
        return field_err(c->err, path, "eventName", "must be a string");
    if (ddbxo__doc_str_eq(c->d, v, "INSERT", 6))
        c->rec->name = DDBXO_EVENT_INSERT;
    else if (ddbxo__doc_str_eq(c->d, v, "MODIFY", 6))
        c->rec->name = DDBXO_EVENT_MODIFY;
    else if (ddbxo__doc_str_eq(c->d, v, "REMOVE", 6))
        c->rec->name = DDBXO_EVENT_REMOVE;
    else
        return field_err(c->err, path, "eventName",
                         "must be INSERT, MODIFY or REMOVE");
    return 0;
}

static const char *const view_types[] = {
    "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES",
};

static int parse_view(rctx *c, size_t d, const char *dp)
{
    size_t v = get(c, d, "StreamViewType");
    c->rec->view_type = NULL;
    if (!v || is_null(c, v))
        return 0;
    if (ddbxo__doc_type(c->d, v) != DDBXO__J_STR)
        return field_err(c->err, dp, "StreamViewType", "must be a string");
    for (size_t i = 0; i < sizeof view_types / sizeof view_types[0]; i++)
        if (ddbxo__doc_str_eq(c->d, v, view_types[i],
                              strlen(view_types[i]))) {
            c->rec->view_type = view_types[i];
            return 0;
        }
    return field_err(c->err, dp, "StreamViewType",
                     "must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES");
}

static int parse_dynamodb(rctx *c, size_t j, const char *path)
{
    size_t d = get(c, j, "dynamodb"), v;
    char dp[sizeof c->err->path], seq[DDBXO_SEQ_BUFSIZE + 1];
    join(dp, sizeof dp, path, "dynamodb");
    if (!d)
        return ddbxo__err(c->err, DDBXO_E_INVALID, dp, "%s: missing", dp);
    if (ddbxo__doc_type(c->d, d) != DDBXO__J_OBJ)
        return ddbxo__err(c->err, DDBXO_E_INVALID, dp,
                          "%s: must be an object", dp);

    v = get(c, d, "SequenceNumber");
    if (!v)
        return field_err(c->err, dp, "SequenceNumber", "missing");
    if (ddbxo__doc_type(c->d, v) != DDBXO__J_STR)
        return field_err(c->err, dp, "SequenceNumber",
                         "must be a string of decimal digits");
    if (!text_of(c, v, seq, sizeof seq) || !ddbxo_seq_valid(seq))
        return field_err(c->err, dp, "SequenceNumber",
                         "must be 1 to 40 decimal digits");
    if (keep(c, v, &c->rec->off[3]) < 0)
        return -1;

    if (parse_size(c, d, dp) < 0 || parse_view(c, d, dp) < 0 ||
        parse_approx(c, d, dp) < 0)
        return -1;
    if (parse_map(c, &c->rec->keys, NULL, d, "Keys", 1, dp) < 0 ||
        parse_map(c, &c->rec->new_image, &c->rec->has_new, d, "NewImage", 0,
                  dp) < 0 ||
        parse_map(c, &c->rec->old_image, &c->rec->has_old, d, "OldImage", 0,
                  dp) < 0)
        return -1;
    return 0;
}

int ddbxo__record_init(struct ddbxo_record *rec, ddbxo__doc *d, size_t node,
                       const char *path, ddbxo__buf *strs, ddbxo_error *err)
{
    rctx c;
    size_t mark = strs->len;
    memset(rec, 0, sizeof *rec);
    rec->doc = d;
    rec->node = (uint32_t)node;
    c.rec = rec;
    c.d = d;
    c.strs = strs;
    c.err = err;
    if (ddbxo__doc_type(d, node) != DDBXO__J_OBJ)
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "%s: a record must be an object",
                          *path ? path : "record");
    if (opt_string(&c, node, "eventID", &rec->off[0], path) < 0 ||
        opt_string(&c, node, "eventSourceARN", &rec->off[1], path) < 0 ||
        opt_string(&c, node, "awsRegion", &rec->off[2], path) < 0 ||
        parse_name(&c, node, path) < 0 ||
        parse_dynamodb(&c, node, path) < 0 ||
        parse_identity(&c, node, path) < 0) {
        ddbxo__record_fini(rec);
        if (!strs->oom)
            strs->len = mark;           /* a failed record keeps nothing */
        return -1;
    }
    return 0;
}

void ddbxo__record_resolve(struct ddbxo_record *rec, const ddbxo__buf *strs)
{
    const char **f[4] = { &rec->event_id, &rec->event_source_arn,
                          &rec->aws_region, &rec->seq };
    for (int i = 0; i < 4; i++)
        *f[i] = rec->off[i] && strs->p
                    ? (const char *)strs->p + rec->off[i] - 1 : NULL;
}

void ddbxo__record_fini(struct ddbxo_record *rec)
{
    if (!rec)
        return;
    ddbxo__value_unembed(&rec->keys);
    ddbxo__value_unembed(&rec->new_image);
    ddbxo__value_unembed(&rec->old_image);
    json_decref(rec->json);
    rec->json = NULL;
}

DDBXO_API void ddbxo_record_free(ddbxo_record *rec)
{
    if (!rec)
        return;
    ddbxo__record_fini(rec);
    ddbxo__buf_free(&rec->own_strs);
    ddbxo__doc_unref(rec->own_doc);
    free(rec);
}

DDBXO_API const char *ddbxo_record_event_id(const ddbxo_record *r) { return r->event_id; }
DDBXO_API ddbxo_event_name ddbxo_record_event_name(const ddbxo_record *r) { return r->name; }
DDBXO_API const char *ddbxo_record_event_source_arn(const ddbxo_record *r) { return r->event_source_arn; }
DDBXO_API const char *ddbxo_record_aws_region(const ddbxo_record *r) { return r->aws_region; }
DDBXO_API const char *ddbxo_record_sequence_number(const ddbxo_record *r) { return r->seq; }
DDBXO_API int64_t ddbxo_record_size_bytes(const ddbxo_record *r) { return r->size_bytes; }
DDBXO_API const char *ddbxo_record_stream_view_type(const ddbxo_record *r) { return r->view_type; }
DDBXO_API int64_t ddbxo_record_approx_creation_ms(const ddbxo_record *r) { return r->approx_ms; }
DDBXO_API int ddbxo_record_ttl_delete(const ddbxo_record *r) { return r->ttl_delete; }
DDBXO_API const ddbxo_value *ddbxo_record_keys(const ddbxo_record *r) { return &r->keys; }
DDBXO_API const ddbxo_value *ddbxo_record_new_image(const ddbxo_record *r) { return r->has_new ? &r->new_image : NULL; }
DDBXO_API const ddbxo_value *ddbxo_record_old_image(const ddbxo_record *r) { return r->has_old ? &r->old_image : NULL; }

DDBXO_API const char *ddbxo_record_event_name_str(const ddbxo_record *r)
{
    switch (r->name) {
    case DDBXO_EVENT_INSERT: return "INSERT";
    case DDBXO_EVENT_MODIFY: return "MODIFY";
    case DDBXO_EVENT_REMOVE: return "REMOVE";
    }
    return "UNKNOWN";
}

DDBXO_API char *ddbxo_record_to_json(const ddbxo_record *r, size_t *len)
{
    const json_t *j = ddbxo__record_json(r);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s && len)
        *len = strlen(s);
    return s;
}

const json_t *ddbxo__record_keys_json(const ddbxo_record *r)
{
    return ddbxo__value_json(&r->keys);
}

const json_t *ddbxo__record_new_json(const ddbxo_record *r)
{
    return r->has_new ? ddbxo__value_json(&r->new_image) : NULL;
}

const json_t *ddbxo__record_old_json(const ddbxo_record *r)
{
    return r->has_old ? ddbxo__value_json(&r->old_image) : NULL;
}

static void drop_json(void *x)
{
    json_decref(x);
}

const json_t *ddbxo__record_json(const ddbxo_record *cr)
{
    ddbxo_record *r = (ddbxo_record *)cr;   /* the tree is a cache */
    json_t *j = __atomic_load_n(&r->json, __ATOMIC_ACQUIRE);
    if (j)
        return j;
    if (!(j = ddbxo__doc_to_json(r->doc, r->node)))
        return NULL;
    /* A GetRecords record goes out (a park message) as Lambda would have
     * delivered it: with its stream's ARN. */
    if (r->arn_default && r->event_source_arn &&
        json_object_set_new(j, "eventSourceARN",
                            json_string(r->event_source_arn)) < 0) {
        json_decref(j);
        return NULL;
    }
    return ddbxo__set_once((void **)&r->json, j, drop_json);
}
