/* Parking: a record that can never succeed goes, with its whole payload,
 * to an SQS queue, so it can be fixed and redriven after the stream has
 * trimmed it (docs/design.md §3).  The ESM's own on-failure destination would
 * keep only metadata. */
#include "apply/apply_int.h"
#include "apply/park.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SQS's hard cap on a message; a queue may set a lower
 * MaximumMessageSize (1 KiB .. 1 MiB). */
#define SQS_MAX_MESSAGE_BYTES (1024u * 1024u)

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* The source table as the dedup key saw it, or NULL. */
static json_t *source_of(const ddbxo_applier *a, const json_t *raw)
{
    char tbl[256];
    const char *arn = json_string_value(json_object_get(raw,
                                                        "eventSourceARN"));
    if (a->source_table)
        return json_string(a->source_table);
    if (arn && ddbxo_arn_table_name(arn, tbl, sizeof tbl, NULL) == 0)
        return json_string(tbl);
    return json_null();
}

/* SQS accepts only #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-: the
 * JSON encoder escapes control characters, which leaves U+FFFE / U+FFFF
 * (EF BF BE / EF BF BF) that a DynamoDB string may hold. */
static int sqs_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBF &&
            ((unsigned char)s[2] == 0xBE || (unsigned char)s[2] == 0xBF))
            return 0;
    return 1;
}

int ddbxo__park(ddbxo_applier *a, const json_t *raw, const char *dedup_key,
                const ddbxo_error *why, int64_t deadline_ms, ddbxo_error *err)
{
    json_t *msg;
    char *body;
    size_t len;
    int rc;

    if (!a || !a->park_queue_url)
        return ddbxo__err(err, DDBXO_E_CONFIG, "park_queue_url",
                          "no park queue is configured");
    if (!raw)
        return ddbxo__err(err, DDBXO_E_INVALID, "record",
                          "park: no record JSON");
    msg = json_pack("{s:i, s:{s:s, s:o, s:s, s:o}, s:o, s:o, s:O}",
                    "ddbxo_park", 1,
                    "reason",
                    "code", ddbxo_code_name(why ? why->code : DDBXO_E_INTERNAL),
                    "aws_type", opt_str(why ? why->aws_type : NULL),
                    "message", why ? why->message : "",
                    "path", opt_str(why ? why->path : NULL),
                    "dedup_key", opt_str(dedup_key),
                    "source_table", source_of(a, raw),
                    "record", raw);
    if (!msg)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                          "park: cannot build the message");
    body = json_dumps(msg, JSON_COMPACT);
    if (body && !sqs_safe(body)) {
        free(body);
        body = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII);
    }
    json_decref(msg);
    if (!body)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                          "park: cannot encode the message");
    len = strlen(body);
    if (len > SQS_MAX_MESSAGE_BYTES) {
        free(body);
        return ddbxo__err(err, DDBXO_E_LIMIT, "record",
                          "park: the message is %zu bytes, over SQS's "
                          "1 MiB message limit", len);
    }
    rc = ddbxo__sqs_send_message(a->client, a->park_queue_url, body, NULL,
                                 deadline_ms, NULL, err);
    free(body);
    if (rc < 0 && err && err->code == DDBXO_E_AWS &&
        (strstr(err->message, "shorter than") ||
         strstr(err->message, "MaximumMessageSize"))) {
        /* SQS names the limit but not that the queue's setting is it. */
        char m[sizeof err->message];
        snprintf(m, sizeof m, "park: the message is %zu bytes, over the "
                 "queue's MaximumMessageSize (SQS allows up to 1 MiB): %.200s",
                 len, err->message);
        ddbxo__strlcpy(err->message, m, sizeof err->message);
    }
    return rc;
}
