/* A plan's life outside the request: init, prepare (padded sequence
 * number, dedup key, the transform), clear; and the helpers every
 * request builder shares. */
#include "apply/apply_plan.h"
#include "stream/record.h"
#include "util/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ddbxo__plan_init(ddbxo__plan *p, ddbxo_applier *a,
                      const ddbxo_record *rec,
                      const ddbxo_apply_options *opt)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->rec = rec;
    if (opt) {
        p->deadline_ms = opt->deadline_ms;
        p->shard_id = opt->shard_id;
    }
    ddbxo__writes_init(&p->writes);
    p->ledger_idx = -1;
    p->source_idx = -1;
    p->target_idx = 0;
}

int ddbxo__plan_fail(ddbxo__plan *p, int code, const char *path,
                     const char *fmt, ...)
{
    va_list ap;
    ddbxo__err(&p->err, code, path, "%s", "");
    va_start(ap, fmt);
    vsnprintf(p->err.message, sizeof p->err.message, fmt, ap);
    va_end(ap);
    p->outcome = DDBXO_FAILED_PERMANENT;
    return DDBXO_FAILED_PERMANENT;
}

/* An error from a lower layer becomes the plan's permanent failure. */
static int fail_with(ddbxo__plan *p, const ddbxo_error *e)
{
    ddbxo__err_copy(&p->err, e);
    p->err.retryable = 0;
    if (p->err.code == DDBXO_OK)
        p->err.code = DDBXO_E_INTERNAL;
    p->outcome = DDBXO_FAILED_PERMANENT;
    return DDBXO_FAILED_PERMANENT;
}

int ddbxo__plan_prepare(ddbxo__plan *p)
{
    ddbxo_error e;
    if (p->outcome)
        return p->outcome;
    if (!p->a || !p->rec)
        return ddbxo__plan_fail(p, DDBXO_E_INVALID, NULL,
                                "plan without applier or record");
    ddbxo_error_clear(&e);
    if (ddbxo_seq_pad(ddbxo_record_sequence_number(p->rec), p->seq, &e) < 0 ||
        ddbxo_dedup_key(p->rec, p->a->source_table, p->dedup_key, &e) < 0)
        return fail_with(p, &e);
    if (ddbxo__transform_run(p->a->transform, p->rec, &p->writes, &e) < 0)
        return fail_with(p, &e);
    if (p->writes.n == 0)
        p->outcome = DDBXO_FILTERED;
    return p->outcome;
}

void ddbxo__plan_clear(ddbxo__plan *p)
{
    if (!p)
        return;
    ddbxo__writes_clear(&p->writes);
    json_decref(p->body);
    p->body = NULL;
    free(p->splices);
    p->splices = NULL;
    p->nsplices = p->capsplices = 0;
}

json_t *ddbxo__plan_splice(ddbxo__plan *p, const ddbxo__doc *d, size_t node)
{
    size_t a, b;
    json_t *o;
    if (p->nsplices == p->capsplices) {
        size_t cap = p->capsplices ? 2 * p->capsplices : 2;
        ddbxo__json_splice *x = realloc(p->splices, cap * sizeof *x);
        if (!x) {
            ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
            return NULL;
        }
        p->splices = x;
        p->capsplices = cap;
    }
    if (!(o = json_object())) {
        ddbxo__plan_fail(p, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    /* The members: what lies between the braces, without the blanks. */
    ddbxo__doc_span(d, node, &a, &b);
    a++;
    b--;
    while (a < b && strchr(" \t\r\n", d->text[a]))
        a++;
    while (b > a && strchr(" \t\r\n", d->text[b - 1]))
        b--;
    p->splices[p->nsplices].obj = o;
    p->splices[p->nsplices].members = d->text + a;
    p->splices[p->nsplices].len = b - a;
    p->nsplices++;
    return o;
}

int64_t ddbxo__apply_expiry(const ddbxo_record *rec, int64_t ttl_s)
{
    int64_t ms = ddbxo_record_approx_creation_ms(rec);
    if (ms <= 0)
        return ddbxo__wall_ms() / 1000 + ttl_s;
    return ms / 1000 + ttl_s;
}

int ddbxo__apply_source_table(ddbxo__plan *p, char *buf, size_t bufsz,
                              const char **name)
{
    const char *arn;
    if (p->a->source_table) {
        *name = p->a->source_table;
        return 0;
    }
    arn = ddbxo_record_event_source_arn(p->rec);
    if (arn && ddbxo_arn_table_name(arn, buf, bufsz, NULL) == 0) {
        *name = buf;
        return 0;
    }
    ddbxo__plan_fail(p, DDBXO_E_CONFIG, "eventSourceARN",
                     "the source table is unknown: the record has no "
                     "table eventSourceARN and no source_table is set");
    return -1;
}
