/* Replicate mode's guarded write (docs/design.md §3): the transform's one write
 * plus the bookkeeping attributes, under the condition that nothing as
 * new as this record is stored.  DynamoDB refuses ExpressionAttributeNames
 * and ExpressionAttributeValues that the expressions do not use, so each
 * shape lists exactly the placeholders it uses. */
#include "apply/apply_int.h"
#include "stream/record.h"
#include "value/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PH(x) "#" x
#define PV(x) ":" x

static const char cond_seq[] =
    "attribute_not_exists(#" DDBXO__PH_SEQ ") OR #" DDBXO__PH_SEQ
    " < :" DDBXO__PH_SEQ;
static const char cond_ver[] =
    "attribute_not_exists(#" DDBXO__PH_VER ") OR #" DDBXO__PH_VER
    " < :" DDBXO__PH_VER;
/* A REMOVE carries the version it deletes (its OldImage), which equals
 * the stored one: the tombstone may replace that live version once. */
static const char cond_ver_remove[] =
    "attribute_not_exists(#" DDBXO__PH_VER ") OR #" DDBXO__PH_VER
    " < :" DDBXO__PH_VER " OR (#" DDBXO__PH_VER " = :" DDBXO__PH_VER
    " AND attribute_not_exists(#" DDBXO__PH_DELETED "))";

static json_t *str_av(const char *type, const char *s)
{
    return json_pack("{s:s}", type, s);
}

/* The version the record carries: NewImage[A], OldImage[A] for REMOVE. */
static int record_version(ddbxo__plan *p, const char **ver)
{
    const char *attr = p->a->version_attr;
    int removed = ddbxo_record_event_name(p->rec) == DDBXO_EVENT_REMOVE;
    const json_t *img = removed ? ddbxo__record_old_json(p->rec)
                                : ddbxo__record_new_json(p->rec);
    const json_t *n = json_object_get(json_object_get(img, attr), "N");
    if (!img)
        return ddbxo__plan_fail(p, DDBXO_E_INVALID, attr,
                                "version_attr %s: the record has no %s (the "
                                "stream must carry %s)", attr,
                                removed ? "OldImage" : "NewImage",
                                removed ? "OLD_IMAGE or NEW_AND_OLD_IMAGES"
                                        : "NEW_IMAGE or NEW_AND_OLD_IMAGES"),
               -1;
    if (!json_is_string(n) || json_object_size(json_object_get(img, attr)) != 1 ||
        ddbxo_number_validate(json_string_value(n), NULL) < 0)
        return ddbxo__plan_fail(p, DDBXO_E_INVALID, attr,
                                "version_attr %s is missing from the record's "
                                "%s or is not a number (N)", attr,
                                removed ? "OldImage" : "NewImage"), -1;
    *ver = json_string_value(n);
    return 0;
}

/* Adds the condition and its placeholders to action. */
static int add_guard(ddbxo__plan *p, json_t *action, const char *ver,
                     json_t *names, json_t *values)
{
    int removed = ddbxo_record_event_name(p->rec) == DDBXO_EVENT_REMOVE;
    int rc = 0;
    if (ver) {
        rc |= json_object_set_new(names, PH(DDBXO__PH_VER),
                                  json_string(DDBXO__ATTR_VER));
        rc |= json_object_set_new(values, PV(DDBXO__PH_VER), str_av("N", ver));
        if (removed)
            rc |= json_object_set_new(names, PH(DDBXO__PH_DELETED),
                                      json_string(DDBXO__ATTR_DELETED));
        rc |= json_object_set_new(action, "ConditionExpression",
                                  json_string(removed ? cond_ver_remove
                                                      : cond_ver));
    } else {
        rc |= json_object_set_new(names, PH(DDBXO__PH_SEQ),
                                  json_string(DDBXO__ATTR_SEQ));
        rc |= json_object_set_new(values, PV(DDBXO__PH_SEQ),
                                  str_av("S", p->seq));
        rc |= json_object_set_new(action, "ConditionExpression",
                                  json_string(cond_seq));
    }
    rc |= json_object_set(action, "ExpressionAttributeNames", names);
    if (json_object_size(values))
        rc |= json_object_set(action, "ExpressionAttributeValues", values);
    rc |= json_object_set_new(action, "ReturnValuesOnConditionCheckFailure",
                              json_string("ALL_OLD"));
    return rc ? -1 : 0;
}

/* The bookkeeping attributes every replicate item carries. */
static int mark_item(ddbxo__plan *p, json_t *item, const char *ver)
{
    int rc = 0;
    rc |= json_object_set_new(item, DDBXO__ATTR_SEQ, str_av("S", p->seq));
    rc |= json_object_set_new(item, DDBXO__ATTR_SRC,
                              str_av("S", p->dedup_key));
    if (ver)
        rc |= json_object_set_new(item, DDBXO__ATTR_VER, str_av("N", ver));
    return rc ? -1 : 0;
}

static int item_action(ddbxo__plan *p, json_t *action, json_t *item,
                       size_t size, const char *what)
{
    if (size > DDBXO_MAX_ITEM_BYTES)
        return ddbxo__plan_fail(p, DDBXO_E_LIMIT, "Item",
                                "the %s is %zu bytes with the bookkeeping "
                                "attributes, over DynamoDB's 400 KB item "
                                "limit (%u bytes)", what, size,
                                DDBXO_MAX_ITEM_BYTES), -1;
    return json_object_set(action, "Item", item) ? -1 : 0;
}

/* DynamoDB's size of the bookkeeping mark_item adds (the same rule as
 * lib/value/value_check.c: name bytes plus the value's size). */
static size_t mark_size(const ddbxo__plan *p, const char *ver)
{
    return strlen(DDBXO__ATTR_SEQ) + strlen(p->seq) +
           strlen(DDBXO__ATTR_SRC) + strlen(p->dedup_key) +
           (ver ? strlen(DDBXO__ATTR_VER) +
                      ddbxo__number_size(ver, strlen(ver)) : 0);
}

/* Can attribute map (d, node) take the bookkeeping as spliced text?  Not
 * when it names one of those attributes itself: in a tree they would
 * replace the item's own, and a text cannot say that. */
static int splice_ok(const ddbxo__doc *d, size_t node, const char *extra)
{
    static const char *const names[] = { DDBXO__ATTR_SEQ, DDBXO__ATTR_SRC,
                                         DDBXO__ATTR_VER,
                                         DDBXO__ATTR_DELETED };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ddbxo__doc_get(d, node, names[i], strlen(names[i])))
            return 0;
    return !extra || !ddbxo__doc_get(d, node, extra, strlen(extra));
}

static int put_item(ddbxo__plan *p, const ddbxo__write *w, json_t *action,
                    const char *ver)
{
    json_t *item;
    const json_t *tree;
    int rc = -1;
    if (w->item_doc && splice_ok(w->item_doc, w->item_node, NULL)) {
        /* The usual case: the item's checked text, then the bookkeeping;
         * the check already sized it. */
        if ((item = ddbxo__plan_splice(p, w->item_doc, w->item_node)) &&
            mark_item(p, item, ver) == 0)
            rc = item_action(p, action, item, w->bytes + mark_size(p, ver),
                             "item");
        json_decref(item);
        return rc;
    }
    if (!(tree = ddbxo__write_item(w)))
        return -1;
    item = json_copy((json_t *)tree);   /* shallow: values are shared */
    if (item && mark_item(p, item, ver) == 0) {
        /* A put is a live item, whatever the transform copied. */
        json_object_del(item, DDBXO__ATTR_DELETED);
        rc = item_action(p, action, item, ddbxo__item_size(item), "item");
    }
    json_decref(item);
    return rc;
}

/* A tombstone: the key, the bookkeeping, deleted = true and an expiry
 * past the stream's retention, so a redriven older record meets it. */
static int put_tombstone(ddbxo__plan *p, const ddbxo__write *w,
                         json_t *action, const char *ver)
{
    char exp[32];
    json_t *item;
    const json_t *tree;
    size_t size;
    int rc = -1;
    snprintf(exp, sizeof exp, "%lld",
             (long long)ddbxo__apply_expiry(p->rec, p->a->tombstone_ttl_s));
    if (w->key_doc && splice_ok(w->key_doc, w->key_node, p->a->ttl_attr)) {
        item = ddbxo__plan_splice(p, w->key_doc, w->key_node);
        size = w->bytes + mark_size(p, ver) + strlen(DDBXO__ATTR_DELETED) +
               1 + strlen(p->a->ttl_attr) + ddbxo__number_size(exp,
                                                               strlen(exp));
    } else {
        tree = ddbxo__write_key(w);
        item = tree ? json_copy((json_t *)tree) : NULL;
        size = 0;
    }
    if (item && mark_item(p, item, ver) == 0 &&
        json_object_set_new(item, DDBXO__ATTR_DELETED,
                            json_pack("{s:b}", "BOOL", 1)) == 0 &&
        json_object_set_new(item, p->a->ttl_attr, str_av("N", exp)) == 0)
        rc = item_action(p, action, item,
                         size ? size : ddbxo__item_size(item), "tombstone");
    json_decref(item);
    return rc;
}

/* Sets action's "Key" to the write's key: its text when it is a
 * document's, else its tree. */
static int set_key(ddbxo__plan *p, const ddbxo__write *w, json_t *action)
{
    json_t *k;
    if (w->key_doc) {
        if (!(k = ddbxo__plan_splice(p, w->key_doc, w->key_node)))
            return -1;
        return json_object_set_new(action, "Key", k) ? -1 : 0;
    }
    return w->key && json_object_set(action, "Key", w->key) == 0 ? 0 : -1;
}

/* Our placeholders must not collide with the transform's. */
static int check_placeholders(ddbxo__plan *p, const json_t *m,
                              const char *field)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)m, k, v) {
        if (strncmp(k + (k[0] ? 1 : 0), "ddbxo_", 6) == 0)
            return ddbxo__plan_fail(p, DDBXO_E_INVALID, field,
                                    "%s uses %s: placeholders starting "
                                    "with ddbxo_ are reserved for "
                                    "replicate mode's bookkeeping", field, k),
                   -1;
    }
    return 0;
}

/* 1 when the transform's update names attr itself (then it is theirs to
 * set, and removing it too would be refused as overlapping paths). */
static int update_mentions(const ddbxo__write *w, const char *attr)
{
    const char *k;
    json_t *v;
    if (strstr(w->update_expr, attr))
        return 1;
    json_object_foreach(w->names, k, v)
        if (json_is_string(v) && strcmp(json_string_value(v), attr) == 0)
            return 1;
    return 0;
}

static int update(ddbxo__plan *p, const ddbxo__write *w, json_t *action,
                  json_t *names, json_t *values, const char *ver)
{
    char set_items[160];
    char *expr;
    int rc = 0, drop_ttl;
    if (check_placeholders(p, w->names, "ExpressionAttributeNames") < 0 ||
        check_placeholders(p, w->values, "ExpressionAttributeValues") < 0)
        return -1;
    if (w->names)
        rc |= json_object_update(names, w->names);
    if (w->values)
        rc |= json_object_update(values, w->values);
    snprintf(set_items, sizeof set_items,
             "#%s = :%s, #%s = :%s%s", DDBXO__PH_SEQ, DDBXO__PH_SEQ,
             DDBXO__PH_SRC, DDBXO__PH_SRC,
             ver ? ", #" DDBXO__PH_VER " = :" DDBXO__PH_VER : "");
    /* An update that lands on a tombstone revives the item: its attributes
     * join the tombstone's key, so the deleted flag and the tombstone's
     * expiry (TTL would reap the live item) must go. */
    drop_ttl = !update_mentions(w, p->a->ttl_attr);
    if (!(expr = ddbxo__update_expr_merge(
              w->update_expr, set_items,
              drop_ttl ? "#" DDBXO__PH_DELETED ", #" DDBXO__PH_EXP
                       : "#" DDBXO__PH_DELETED)))
        return -1;
    if (drop_ttl)
        rc |= json_object_set_new(names, PH(DDBXO__PH_EXP),
                                  json_string(p->a->ttl_attr));
    rc |= json_object_set_new(action, "UpdateExpression", json_string(expr));
    free(expr);
    rc |= json_object_set_new(names, PH(DDBXO__PH_SEQ),
                              json_string(DDBXO__ATTR_SEQ));
    rc |= json_object_set_new(names, PH(DDBXO__PH_SRC),
                              json_string(DDBXO__ATTR_SRC));
    rc |= json_object_set_new(names, PH(DDBXO__PH_DELETED),
                              json_string(DDBXO__ATTR_DELETED));
    rc |= json_object_set_new(values, PV(DDBXO__PH_SEQ), str_av("S", p->seq));
    rc |= json_object_set_new(values, PV(DDBXO__PH_SRC),
                              str_av("S", p->dedup_key));
    if (ver) {
        rc |= json_object_set_new(names, PH(DDBXO__PH_VER),
                                  json_string(DDBXO__ATTR_VER));
        rc |= json_object_set_new(values, PV(DDBXO__PH_VER), str_av("N", ver));
    }
    rc |= set_key(p, w, action);
    return rc ? -1 : 0;
}

int ddbxo__replicate_action(ddbxo__plan *p, json_t **action,
                            const char **kind)
{
    const ddbxo__write *w = &p->writes.w[0];
    const char *ver = NULL;
    json_t *act = json_object(), *names = json_object(),
           *values = json_object();
    int rc = -1;

    *action = NULL;
    if (!act || !names || !values)
        goto nomem;
    if (p->a->version_attr && record_version(p, &ver) < 0)
        goto out;
    if (json_object_set_new(act, "TableName",
                            json_string(p->a->target_table)))
        goto nomem;
    switch (w->kind) {
    case DDBXO__W_PUT:
        *kind = "Put";
        rc = put_item(p, w, act, ver);
        break;
    case DDBXO__W_DELETE:
        if (p->a->hard_delete) {
            *kind = "Delete";
            rc = set_key(p, w, act);
        } else {
            *kind = "Put";
            rc = put_tombstone(p, w, act, ver);
        }
        break;
    case DDBXO__W_UPDATE:
        *kind = "Update";
        rc = update(p, w, act, names, values, ver);
        break;
    default:
        ddbxo__plan_fail(p, DDBXO_E_INTERNAL, NULL, "unknown write kind %d",
                         w->kind);
        goto out;
    }
    if (p->outcome)
        goto out;
    if (rc < 0 || add_guard(p, act, ver, names, values) < 0)
        goto nomem;
    *action = act;
    act = NULL;
    rc = 0;
    goto out;
nomem:
    if (!p->outcome)
        ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
    rc = -1;
out:
    json_decref(act);
    json_decref(names);
    json_decref(values);
    return rc < 0 ? p->outcome : 0;
}
