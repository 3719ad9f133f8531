/* One stream record: field checks and accessors.  Images are kept as the
 * decoded jansson trees (DESIGN §8) and only checked leniently: they are
 * what DynamoDB stored. */
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "value.h"

/* Above this an ApproximateCreationDateTime is taken as milliseconds: as
 * seconds it would be the year 5138. */
#define DDBXO_APPROX_MS_THRESHOLD 1e11

/* A truncated path still names the record and the field's start. */
static void join(char *out, size_t outsz, const char *a, const char *b)
{
    if (snprintf(out, outsz, "%s%s%s", a, *a ? "." : "", b) >= (int)outsz)
        out[outsz - 1] = '\0';
}

static int field_err(ddbxo_error *err, const char *path, const char *field,
                     const char *what)
{
    char p[sizeof err->path];
    join(p, sizeof p, path, field);
    return ddbxo__err(err, DDBXO_E_INVALID, p, "%s: %s", p, what);
}

/* An optional string field: absent or null is fine, anything else not. */
static int opt_string(const json_t *obj, const char *key, const char **out,
                      const char *path, ddbxo_error *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return field_err(err, path, key, "must be a string");
    *out = json_string_value(v);
    return 0;
}

/* userIdentity keys are spelled Type/PrincipalId by the Streams API and
 * type/principalId in Lambda events. */
static const json_t *get_ci(const json_t *obj, const char *key)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)obj, k, v)
        if (strcasecmp(k, key) == 0)
            return v;
    return NULL;
}

static int parse_identity(struct ddbxo_record *rec, const json_t *j,
                          const char *path, ddbxo_error *err)
{
    const json_t *ui = json_object_get(j, "userIdentity");
    const json_t *t, *p;
    if (!ui || json_is_null(ui))
        return 0;
    if (!json_is_object(ui))
        return field_err(err, path, "userIdentity", "must be an object");
    t = get_ci(ui, "type");
    p = get_ci(ui, "principalId");
    if ((t && !json_is_string(t) && !json_is_null(t)) ||
        (p && !json_is_string(p) && !json_is_null(p)))
        return field_err(err, path, "userIdentity",
                         "type and principalId must be strings");
    rec->ttl_delete = rec->name == DDBXO_EVENT_REMOVE &&
                      json_is_string(t) && json_is_string(p) &&
                      strcmp(json_string_value(t), "Service") == 0 &&
                      strcmp(json_string_value(p), "dynamodb.amazonaws.com") == 0;
    return 0;
}

/* Epoch seconds or milliseconds, as a JSON number or a numeric string
 * (the API returns a number; documentation examples show strings). */
static int parse_approx(struct ddbxo_record *rec, const json_t *d,
                        const char *path, ddbxo_error *err)
{
    const json_t *v = json_object_get(d, "ApproximateCreationDateTime");
    double x;
    rec->approx_ms = -1;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        x = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        x = json_real_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        x = strtod(s, &end);
        if (end == s || *end != '\0' || errno == ERANGE)
            return field_err(err, path, "ApproximateCreationDateTime",
                             "not a number");
    } else {
        return field_err(err, path, "ApproximateCreationDateTime",
                         "must be a number of epoch seconds");
    }
    if (!isfinite(x) || x < 0 || x > 1e15)
        return field_err(err, path, "ApproximateCreationDateTime",
                         "out of range");
    rec->approx_ms = x >= DDBXO_APPROX_MS_THRESHOLD ? (int64_t)x
                                                    : (int64_t)(x * 1000.0);
    return 0;
}

static int parse_map(ddbxo_value **out, const json_t *d, const char *key,
                     int required, const char *path, ddbxo_error *err)
{
    const json_t *m = json_object_get(d, key);
    char p[sizeof err->path];
    *out = NULL;
    join(p, sizeof p, path, key);
    if (!m || json_is_null(m)) {
        if (required)
            return ddbxo__err(err, DDBXO_E_INVALID, p, "%s: missing", p);
        return 0;
    }
    if (!json_is_object(m))
        return ddbxo__err(err, DDBXO_E_INVALID, p,
                          "%s: must be an attribute map (object)", p);
    if (required && json_object_size(m) == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, p, "%s: is empty", p);
    if (ddbxo__item_check(m, DDBXO__AV_LENIENT, p, err) < 0)
        return -1;
    *out = ddbxo__value_wrap_item((json_t *)m);
    if (!*out)
        return ddbxo__err(err, DDBXO_E_NOMEM, p, "out of memory");
    return 0;
}

static int parse_name(struct ddbxo_record *rec, const json_t *j,
                      const char *path, ddbxo_error *err)
{
    const json_t *v = json_object_get(j, "eventName");
    const char *s;
    if (!v)
        return field_err(err, path, "eventName", "missing");
    if (!json_is_string(v))
        return field_err(err, path, "eventName", "must be a string");
    s = json_string_value(v);
    if (strcmp(s, "INSERT") == 0)
        rec->name = DDBXO_EVENT_INSERT;
    else if (strcmp(s, "MODIFY") == 0)
        rec->name = DDBXO_EVENT_MODIFY;
    else if (strcmp(s, "REMOVE") == 0)
        rec->name = DDBXO_EVENT_REMOVE;
    else
        return field_err(err, path, "eventName",
                         "must be INSERT, MODIFY or REMOVE");
    return 0;
}

static int parse_dynamodb(struct ddbxo_record *rec, const json_t *j,
                          const char *path, ddbxo_error *err)
{
    const json_t *d = json_object_get(j, "dynamodb"), *v;
    char dp[sizeof err->path];
    join(dp, sizeof dp, path, "dynamodb");
    if (!d)
        return ddbxo__err(err, DDBXO_E_INVALID, dp, "%s: missing", dp);
    if (!json_is_object(d))
        return ddbxo__err(err, DDBXO_E_INVALID, dp, "%s: must be an object", dp);

    v = json_object_get(d, "SequenceNumber");
    if (!v)
        return field_err(err, dp, "SequenceNumber", "missing");
    if (!json_is_string(v))
        return field_err(err, dp, "SequenceNumber",
                         "must be a string of decimal digits");
    if (!ddbxo_seq_valid(json_string_value(v)))
        return field_err(err, dp, "SequenceNumber",
                         "must be 1 to 40 decimal digits");
    rec->seq = json_string_value(v);

    v = json_object_get(d, "SizeBytes");
    rec->size_bytes = -1;
    if (v && !json_is_null(v)) {
        if (json_is_integer(v) && json_integer_value(v) >= 0)
            rec->size_bytes = json_integer_value(v);
        else if (json_is_real(v) && json_real_value(v) >= 0 &&
                 json_real_value(v) < 9e15 &&
                 floor(json_real_value(v)) == json_real_value(v))
            rec->size_bytes = (int64_t)json_real_value(v);
        else
            return field_err(err, dp, "SizeBytes",
                             "must be a non-negative integer");
    }

    if (opt_string(d, "StreamViewType", &rec->view_type, dp, err) < 0)
        return -1;
    if (rec->view_type && strcmp(rec->view_type, "KEYS_ONLY") != 0 &&
        strcmp(rec->view_type, "NEW_IMAGE") != 0 &&
        strcmp(rec->view_type, "OLD_IMAGE") != 0 &&
        strcmp(rec->view_type, "NEW_AND_OLD_IMAGES") != 0)
        return field_err(err, dp, "StreamViewType",
                         "must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES");
    if (parse_approx(rec, d, dp, err) < 0)
        return -1;
    if (parse_map(&rec->keys, d, "Keys", 1, dp, err) < 0 ||
        parse_map(&rec->new_image, d, "NewImage", 0, dp, err) < 0 ||
        parse_map(&rec->old_image, d, "OldImage", 0, dp, err) < 0)
        return -1;
    return 0;
}

int ddbxo__record_init(struct ddbxo_record *rec, json_t *j, const char *path,
                       ddbxo_error *err)
{
    memset(rec, 0, sizeof *rec);
    if (!json_is_object(j))
        return ddbxo__err(err, DDBXO_E_INVALID, path,
                          "%s: a record must be an object",
                          *path ? path : "record");
    if (opt_string(j, "eventID", &rec->event_id, path, err) < 0 ||
        opt_string(j, "eventSourceARN", &rec->event_source_arn, path, err) < 0 ||
        opt_string(j, "awsRegion", &rec->aws_region, path, err) < 0 ||
        parse_name(rec, j, path, err) < 0 ||
        parse_dynamodb(rec, j, path, err) < 0 ||
        parse_identity(rec, j, path, err) < 0) {
        ddbxo__record_fini(rec);
        return -1;
    }
    rec->root = json_incref(j);
    return 0;
}

void ddbxo__record_fini(struct ddbxo_record *rec)
{
    if (!rec)
        return;
    ddbxo_value_free(rec->keys);
    ddbxo_value_free(rec->new_image);
    ddbxo_value_free(rec->old_image);
    json_decref(rec->root);
    memset(rec, 0, sizeof *rec);
}

DDBXO_API void ddbxo_record_free(ddbxo_record *rec)
{
    if (!rec)
        return;
    ddbxo__record_fini(rec);
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
DDBXO_API const ddbxo_value *ddbxo_record_keys(const ddbxo_record *r) { return r->keys; }
DDBXO_API const ddbxo_value *ddbxo_record_new_image(const ddbxo_record *r) { return r->new_image; }
DDBXO_API const ddbxo_value *ddbxo_record_old_image(const ddbxo_record *r) { return r->old_image; }

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
    char *s = json_dumps(r->root, JSON_COMPACT);
    if (s && len)
        *len = strlen(s);
    return s;
}

const json_t *ddbxo__record_keys_json(const ddbxo_record *r)
{
    return r->keys ? ddbxo__value_json(r->keys) : NULL;
}

const json_t *ddbxo__record_new_json(const ddbxo_record *r)
{
    return r->new_image ? ddbxo__value_json(r->new_image) : NULL;
}

const json_t *ddbxo__record_old_json(const ddbxo_record *r)
{
    return r->old_image ? ddbxo__value_json(r->old_image) : NULL;
}

const json_t *ddbxo__record_json(const ddbxo_record *r)
{
    return r->root;
}
