/* The declarative transform (docs/transform.md §3): a JSON spec that
 * re-keys, projects, renames and enriches the source image.
 *
 * Everything that can be decided from the spec alone is decided when it is
 * parsed (unknown members, conflicting renames and constants), so a bad
 * spec fails at start-up rather than on the first record. */
#include "transform/transform_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "stream/record.h"
#include "value/value.h"
#include "transform/transform.h"

#define EV_INSERT (1u << DDBXO_EVENT_INSERT)
#define EV_MODIFY (1u << DDBXO_EVENT_MODIFY)
#define EV_REMOVE (1u << DDBXO_EVENT_REMOVE)

#define PATHSZ sizeof(((ddbxo_error *)0)->path)

typedef struct spec {
    unsigned events;
    json_t *key;        /* target attr -> {"src": name} or {"const": AV} */
    json_t *project;    /* set (name -> null) or NULL = every attribute */
    json_t *exclude;    /* set or NULL */
    json_t *rename;     /* source -> target (strings) */
    json_t *rtargets;   /* set of rename targets */
    json_t *constants;  /* target -> AV */
    char *table;        /* NULL = the configured target */
} spec;

static void spec_free(void *p)
{
    spec *s = p;
    if (!s)
        return;
    json_decref(s->key);
    json_decref(s->project);
    json_decref(s->exclude);
    json_decref(s->rename);
    json_decref(s->rtargets);
    json_decref(s->constants);
    free(s->table);
    free(s);
}

static int has(const json_t *set, const char *name)
{
    return set && json_object_get(set, name) != NULL;
}

/* ------------------------------------------------------------ parse */

static int bad(ddbxo_error *err, const char *path, const char *fmt,
               const char *a, const char *b)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, a, b);
    return ddbxo__err(err, DDBXO_E_INVALID, path, "%s: %s", path, msg);
}

static int name_ok(const json_t *v, const char *path, ddbxo_error *err)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return bad(err, path, "must be a non-empty attribute name", "", "");
    if (json_string_length(v) > DDBXO_MAX_NAME_BYTES)
        return bad(err, path, "attribute name is too long", "", "");
    return 0;
}

static int parse_events(spec *s, const json_t *v, ddbxo_error *err)
{
    size_t i;
    json_t *e;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return bad(err, "spec.events",
                   "must be a non-empty array of \"INSERT\", \"MODIFY\", "
                   "\"REMOVE\"", "", "");
    s->events = 0;
    json_array_foreach(v, i, e) {
        char p[64];
        const char *t = json_is_string(e) ? json_string_value(e) : "";
        unsigned bit = strcmp(t, "INSERT") == 0   ? EV_INSERT
                       : strcmp(t, "MODIFY") == 0 ? EV_MODIFY
                       : strcmp(t, "REMOVE") == 0 ? EV_REMOVE
                                                  : 0;
        snprintf(p, sizeof p, "spec.events[%zu]", i);
        if (!bit)
            return bad(err, p, "must be \"INSERT\", \"MODIFY\" or \"REMOVE\"",
                       "", "");
        if (s->events & bit)
            return bad(err, p, "event %s is listed twice", t, "");
        s->events |= bit;
    }
    return 0;
}

static int parse_set(json_t **out, const json_t *v, const char *path,
                     ddbxo_error *err)
{
    size_t i;
    json_t *e;
    char p[PATHSZ];
    if (!json_is_array(v))
        return bad(err, path, "must be an array of attribute names", "", "");
    if (!(*out = json_object()))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    json_array_foreach(v, i, e) {
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        if (name_ok(e, p, err) < 0)
            return -1;
        if (json_object_get(*out, json_string_value(e)))
            return bad(err, p, "attribute '%s' is listed twice",
                       json_string_value(e), "");
        if (json_object_set_new(*out, json_string_value(e), json_null()) < 0)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    return 0;
}

/* A constant AttributeValue: strict, as it will be written. */
static int const_ok(const json_t *v, const char *path, ddbxo_error *err)
{
    return ddbxo__av_check(v, DDBXO__AV_STRICT, path, 1, err);
}

static const char *av_type_key(const json_t *v)
{
    if (!json_is_object(v) || json_object_size(v) != 1)
        return NULL;
    return json_object_iter_key(json_object_iter((json_t *)v));
}

static int key_type_ok(const char *t)
{
    return t && (strcmp(t, "S") == 0 || strcmp(t, "N") == 0 ||
                 strcmp(t, "B") == 0);
}

static int parse_key(spec *s, const json_t *v, ddbxo_error *err)
{
    const char *k;
    json_t *e;
    char p[PATHSZ];

    if (!json_is_object(v) || json_object_size(v) == 0)
        return bad(err, "spec.key",
                   "must be a non-empty object {\"<target attribute>\": "
                   "\"<source attribute>\" | {\"const\": AttributeValue}}",
                   "", "");
    if (json_object_size(v) > 2)
        return bad(err, "spec.key",
                   "a DynamoDB key has a partition key and at most one sort "
                   "key", "", "");
    if (!(s->key = json_object()))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    json_object_foreach((json_t *)v, k, e) {
        json_t *ent;
        snprintf(p, sizeof p, "spec.key.%s", k);
        if (k[0] == '\0')
            return bad(err, "spec.key", "target attribute name is empty", "",
                       "");
        if (json_is_string(e)) {
            if (name_ok(e, p, err) < 0)
                return -1;
            ent = json_pack("{sO}", "src", e);
        } else if (json_is_object(e)) {
            json_t *c = json_object_get(e, "const");
            if (!c || json_object_size(e) != 1)
                return bad(err, p,
                           "must be a source attribute name or "
                           "{\"const\": AttributeValue}", "", "");
            snprintf(p, sizeof p, "spec.key.%s.const", k);
            if (const_ok(c, p, err) < 0)
                return -1;
            if (!key_type_ok(av_type_key(c)))
                return bad(err, p, "a key attribute must be S, N or B", "",
                           "");
            ent = json_pack("{sO}", "const", c);
        } else {
            return bad(err, p,
                       "must be a source attribute name or "
                       "{\"const\": AttributeValue}", "", "");
        }
        if (!ent || json_object_set_new(s->key, k, ent) < 0)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    return 0;
}

static int parse_rename(spec *s, const json_t *v, ddbxo_error *err)
{
    const char *k;
    json_t *e;
    char p[PATHSZ];
    if (!json_is_object(v))
        return bad(err, "spec.rename",
                   "must be an object {\"<source attribute>\": "
                   "\"<target attribute>\"}", "", "");
    if (!(s->rename = json_object()) || !(s->rtargets = json_object()))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    json_object_foreach((json_t *)v, k, e) {
        const char *t;
        snprintf(p, sizeof p, "spec.rename.%s", k);
        if (k[0] == '\0')
            return bad(err, "spec.rename", "source attribute name is empty",
                       "", "");
        if (name_ok(e, p, err) < 0)
            return -1;
        t = json_string_value(e);
        if (json_object_get(s->rtargets, t))
            return bad(err, p,
                       "two source attributes are renamed to '%s'", t, "");
        if (json_object_set(s->rename, k, e) < 0 ||
            json_object_set_new(s->rtargets, t, json_null()) < 0)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    return 0;
}

static int parse_constants(spec *s, const json_t *v, ddbxo_error *err)
{
    const char *k;
    json_t *e;
    char p[PATHSZ];
    if (!json_is_object(v))
        return bad(err, "spec.constants",
                   "must be an object {\"<target attribute>\": "
                   "AttributeValue}", "", "");
    json_object_foreach((json_t *)v, k, e) {
        snprintf(p, sizeof p, "spec.constants.%s", k);
        if (k[0] == '\0')
            return bad(err, "spec.constants", "attribute name is empty", "",
                       "");
        if (const_ok(e, p, err) < 0)
            return -1;
    }
    s->constants = json_incref((json_t *)v);
    return 0;
}

/* The name a source attribute gets in the target, or NULL when it is not
 * copied: not projected, excluded, or shadowed by a rename target. */
static const char *target_name(const spec *s, const char *src)
{
    json_t *r;
    if (s->project && !has(s->project, src))
        return NULL;
    if (has(s->exclude, src))
        return NULL;
    r = s->rename ? json_object_get(s->rename, src) : NULL;
    if (r)
        return json_string_value(r);
    /* rename {"a":"b"}: b now comes from a; the source's own b is dropped. */
    if (has(s->rtargets, src))
        return NULL;
    return src;
}

/* Conflicts decidable from the spec alone. */
static int check_conflicts(const spec *s, ddbxo_error *err)
{
    const char *k;
    json_t *e;
    char p[PATHSZ];

    json_object_foreach(s->rename, k, e) {
        const char *t = json_string_value(e);
        snprintf(p, sizeof p, "spec.rename.%s", k);
        if (json_object_get(s->key, t))
            return bad(err, p,
                       "renames onto key attribute '%s' (the key is set by "
                       "spec.key)", t, "");
        if (has(s->exclude, k))
            return bad(err, p, "renames '%s', which spec.exclude drops", k,
                       "");
        if (s->project && !has(s->project, k))
            return bad(err, p,
                       "renames '%s', which spec.project does not keep", k,
                       "");
        if (s->constants && json_object_get(s->constants, t))
            return bad(err, p, "target '%s' is also a constant", t, "");
    }
    json_object_foreach(s->project, k, e) {
        snprintf(p, sizeof p, "spec.project");
        if (has(s->exclude, k))
            return bad(err, p, "'%s' is both projected and excluded", k, "");
        if (has(s->rtargets, k) && !(s->rename && json_object_get(s->rename, k)))
            return bad(err, p,
                       "keeps '%s', but a rename also writes '%s'", k, k);
    }
    json_object_foreach(s->constants, k, e) {
        const char *tn;
        json_t *ke = json_object_get(s->key, k);
        snprintf(p, sizeof p, "spec.constants.%s", k);
        if (ke)
            return bad(err, p, "'%s' is a key attribute (use {\"const\": ...} "
                       "in spec.key)", k, "");
        /* A projected attribute that lands on the constant's name. */
        if (s->project) {
            const char *pk;
            json_t *pe;
            json_object_foreach(s->project, pk, pe) {
                tn = target_name(s, pk);
                if (tn && strcmp(tn, k) == 0)
                    return bad(err, p,
                               "collides with projected attribute '%s'", pk,
                               "");
            }
        }
    }
    /* A projected attribute copied onto a key attribute's name from a
     * different source. */
    json_object_foreach(s->key, k, e) {
        json_t *src = json_object_get(e, "src");
        if (s->project && has(s->project, k) && target_name(s, k) &&
            strcmp(target_name(s, k), k) == 0 &&
            !(src && strcmp(json_string_value(src), k) == 0))
            return bad(err, "spec.project",
                       "keeps '%s', which is a key attribute taken from "
                       "elsewhere (spec.key)", k, "");
    }
    return 0;
}

static int spec_parse(spec *s, const char *json, size_t len,
                      ddbxo_error *err)
{
    json_error_t je;
    json_t *j, *v;
    const char *k;
    int rc = -1;

    if (!json)
        return ddbxo__err(err, DDBXO_E_INVALID, "spec", "spec: missing");
    j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return ddbxo__err(err, DDBXO_E_INVALID, "spec",
                          "spec: invalid JSON at line %d column %d: %s",
                          je.line, je.column, je.text);
    if (!json_is_object(j)) {
        bad(err, "spec", "must be a JSON object", "", "");
        goto out;
    }
    json_object_foreach(j, k, v) {
        if (strcmp(k, "events") && strcmp(k, "key") && strcmp(k, "project") &&
            strcmp(k, "exclude") && strcmp(k, "rename") &&
            strcmp(k, "constants") && strcmp(k, "table")) {
            bad(err, "spec",
                "unknown member '%s' (known: events, key, project, exclude, "
                "rename, constants, table)", k, "");
            goto out;
        }
    }
    s->events = EV_INSERT | EV_MODIFY | EV_REMOVE;
    if ((v = json_object_get(j, "events")) && parse_events(s, v, err) < 0)
        goto out;
    if (!(v = json_object_get(j, "key"))) {
        bad(err, "spec.key", "missing (the target item's key is required)",
            "", "");
        goto out;
    }
    if (parse_key(s, v, err) < 0)
        goto out;
    if ((v = json_object_get(j, "project")) &&
        parse_set(&s->project, v, "spec.project", err) < 0)
        goto out;
    if ((v = json_object_get(j, "exclude")) &&
        parse_set(&s->exclude, v, "spec.exclude", err) < 0)
        goto out;
    if ((v = json_object_get(j, "rename")) && parse_rename(s, v, err) < 0)
        goto out;
    if ((v = json_object_get(j, "constants")) &&
        parse_constants(s, v, err) < 0)
        goto out;
    if ((v = json_object_get(j, "table"))) {
        if (!json_is_string(v)) {
            bad(err, "spec.table", "must be a string", "", "");
            goto out;
        }
        if (ddbxo__table_name_check(json_string_value(v), "spec.table",
                                    err) < 0)
            goto out;
        if (!(s->table = strdup(json_string_value(v)))) {
            ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            goto out;
        }
    }
    rc = check_conflicts(s, err);
out:
    json_decref(j);
    return rc;
}

/* -------------------------------------------------------------- run */

static const char *view(const ddbxo_record *rec)
{
    const char *vt = ddbxo_record_stream_view_type(rec);
    return vt ? vt : "not given";
}

/* The target key: each key attribute from its source (images tried in
 * order) or its constant.  New reference or NULL with err. */
static json_t *build_key(const spec *s, const ddbxo_record *rec,
                         const json_t *first, const char *first_name,
                         const json_t *second, const char *second_name,
                         ddbxo_error *err)
{
    json_t *key = json_object(), *e;
    const char *k;
    if (!key)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    json_object_foreach(s->key, k, e) {
        json_t *c = json_object_get(e, "const"), *val = NULL;
        if (c) {
            val = c;
        } else {
            const char *src = json_string_value(json_object_get(e, "src"));
            if (first)
                val = json_object_get(first, src);
            if (!val && second)
                val = json_object_get(second, src);
            if (!val) {
                char p[PATHSZ];
                snprintf(p, sizeof p, "spec.key.%s", k);
                if (ddbxo_record_event_name(rec) == DDBXO_EVENT_REMOVE &&
                    !second)
                    ddbxo__err(err, DDBXO_E_INVALID, p,
                               "%s: source attribute '%s' is not in the "
                               "REMOVE record's Keys and the record has no "
                               "OldImage (stream view type %s); a non-key "
                               "source attribute in the target key needs "
                               "OLD_IMAGE or NEW_AND_OLD_IMAGES", p, src,
                               view(rec));
                else
                    ddbxo__err(err, DDBXO_E_INVALID, p,
                               "%s: source attribute '%s' is missing from "
                               "%s%s%s", p, src, first_name,
                               second ? " and " : "",
                               second ? second_name : "");
                json_decref(key);
                return NULL;
            }
            if (!key_type_ok(av_type_key(val))) {
                char p[PATHSZ];
                snprintf(p, sizeof p, "spec.key.%s", k);
                ddbxo__err(err, DDBXO_E_INVALID, p,
                           "%s: source attribute '%s' is %s; a key "
                           "attribute must be S, N or B", p, src,
                           av_type_key(val) ? av_type_key(val) : "?");
                json_decref(key);
                return NULL;
            }
        }
        if (json_object_set_new(key, k, json_deep_copy(val)) < 0) {
            json_decref(key);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"),
                   NULL;
        }
    }
    return key;
}

static int spec_put(const spec *s, const ddbxo_record *rec,
                    ddbxo_writes *out, ddbxo_error *err)
{
    const json_t *img = ddbxo__record_new_json(rec);
    const json_t *keys = ddbxo__record_keys_json(rec);
    json_t *item, *key, *v;
    const char *k;

    if (!img)
        return ddbxo__err(err, DDBXO_E_INVALID, "dynamodb.NewImage",
                          "%s record has no NewImage (stream view type %s): "
                          "the spec transform writes the new image and needs "
                          "NEW_IMAGE or NEW_AND_OLD_IMAGES",
                          ddbxo_record_event_name_str(rec), view(rec));
    if (!(key = build_key(s, rec, img, "NewImage", keys, "Keys", err)))
        return -1;
    if (!(item = json_object())) {
        json_decref(key);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    json_object_foreach((json_t *)img, k, v) {
        const char *t = target_name(s, k);
        /* Key attributes and constants win over image attributes. */
        if (!t || json_object_get(s->key, t) ||
            (s->constants && json_object_get(s->constants, t)))
            continue;
        if (json_object_set_new(item, t, json_deep_copy(v)) < 0)
            goto nomem;
    }
    json_object_foreach(s->constants, k, v)
        if (json_object_set_new(item, k, json_deep_copy(v)) < 0)
            goto nomem;
    if (json_object_update(item, key) < 0)
        goto nomem;
    json_decref(key);
    return ddbxo__writes_put_json(out, s->table, item, err);
nomem:
    json_decref(item);
    json_decref(key);
    return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
}

static int spec_fn(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                   ddbxo_error *err)
{
    const spec *s = ctx;
    ddbxo_event_name ev = ddbxo_record_event_name(rec);
    if (!(s->events & (1u << ev)))
        return 0;                   /* filtered: no writes */
    if (ev == DDBXO_EVENT_REMOVE) {
        json_t *key = build_key(s, rec, ddbxo__record_keys_json(rec), "Keys",
                                ddbxo__record_old_json(rec), "OldImage",
                                err);
        if (!key)
            return -1;
        return ddbxo__writes_delete_json(out, s->table, key, err);
    }
    return spec_put(s, rec, out, err);
}

DDBXO_API ddbxo_transform *ddbxo_transform_spec(const char *json, size_t len,
                                                ddbxo_error *err)
{
    spec *s = calloc(1, sizeof *s);
    if (!s)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    if (spec_parse(s, json, len, err) < 0) {
        spec_free(s);
        return NULL;
    }
    return ddbxo__transform_make(spec_fn, s, spec_free, 0, err);
}
