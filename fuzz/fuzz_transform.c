/* libFuzzer target: the transforms -- the declarative spec
 * (ddbxo_transform_spec), the GROUP:SUM aggregate and identity -- parsed
 * from hostile text and run on hostile records; and the writes JSON
 * (ddbxo_writes_add_json) that bindings pass in.
 *
 * Input: line 1 is the spec (JSON for ddbxo_transform_spec, and also tried
 * as "GROUP:SUM"); the rest is a stream event whose records every
 * transform runs on.  The whole input is also fed to ddbxo_writes_add_json
 * through a callback transform. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct writes_ctx {
    const char *json;
    size_t len;
} writes_ctx;

static int add_json(void *ctx, const ddbxo_record *rec, ddbxo_writes *out,
                    ddbxo_error *err)
{
    const writes_ctx *w = ctx;
    (void)rec;
    size_t before = ddbxo_writes_count(out);
    if (ddbxo_writes_add_json(out, w->json, w->len, err) < 0) {
        /* all or nothing */
        if (ddbxo_writes_count(out) != before)
            __builtin_trap();
        return -1;
    }
    return 0;
}

static void run_all(ddbxo_transform *const *t, size_t nt, const ddbxo_event *ev)
{
    for (size_t i = 0; i < ddbxo_event_count(ev); i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        if (!r)
            continue;
        for (size_t k = 0; k < nt; k++) {
            if (!t[k])
                continue;
            ddbxo_error err;
            size_t len = 0;
            char *w = ddbxo_transform_run(t[k], r, &len, &err);
            if (w && strlen(w) != len)
                __builtin_trap();
            ddbxo_free(w);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t spec_len = nl ? (size_t)(nl - s) : size;
    const char *rest = nl ? nl + 1 : s + size;
    size_t rest_len = size - (size_t)(rest - s);
    ddbxo_error err;

    ddbxo_transform *t[4] = { NULL, NULL, NULL, NULL };
    t[0] = ddbxo_transform_spec(s, spec_len, &err);
    if (spec_len < 512) {
        char agg[512];
        memcpy(agg, s, spec_len);
        agg[spec_len] = '\0';
        t[1] = ddbxo_transform_aggregate(agg, &err);
        if (t[1] && !ddbxo_transform_needs_ledger(t[1]))
            __builtin_trap();
    }
    t[2] = ddbxo_transform_identity(&err);
    writes_ctx w = { s, size };
    t[3] = ddbxo_transform_new(add_json, &w, &err);

    ddbxo_event *ev = ddbxo_parse_stream_event(rest, rest_len, &err);
    if (ev)
        run_all(t, 4, ev);
    else if (t[0] || t[1]) {
        /* A spec without a usable event: run it on a fixed record. */
        static const char rec[] =
            "{\"eventName\":\"MODIFY\",\"dynamodb\":{\"SequenceNumber\":\"1\","
            "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\","
            "\"Keys\":{\"pk\":{\"S\":\"a\"}},"
            "\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1.5\"},"
            "\"g\":{\"S\":\"x\"}},"
            "\"OldImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"-2\"},"
            "\"g\":{\"N\":\"7\"}}}}";
        ddbxo_event *fixed = NULL;
        char doc[sizeof rec + 32];
        int n = snprintf(doc, sizeof doc, "{\"Records\":[%s]}", rec);
        fixed = ddbxo_parse_stream_event(doc, (size_t)n, &err);
        if (fixed)
            run_all(t, 2, fixed);
        ddbxo_event_free(fixed);
    }
    ddbxo_event_free(ev);
    for (int k = 0; k < 4; k++)
        ddbxo_transform_free(t[k]);
    return 0;
}
