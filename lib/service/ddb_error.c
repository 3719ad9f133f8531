/* The error model: what an error answer from DynamoDB, Streams or SQS
 * says, read from whatever body arrived -- AWS JSON, moto's XML auth
 * failures, HTML, garbage or nothing -- without ever failing on it.
 * docs/aws-facts.md §1.3 (shapes), §1.5 (retry classes), §2 (cancellations). */
#include "service/ddb_error.h"
#include "transport/http_retry.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest message kept from a body: a real one is a sentence or two; a
 * hostile one must not turn into megabytes of log line. */
#define MAX_MESSAGE 2048

void ddbxo__aws_error_init(ddbxo__aws_error *e)
{
    memset(e, 0, sizeof *e);
}

void ddbxo__aws_error_clear(ddbxo__aws_error *e)
{
    if (!e)
        return;
    free(e->message);
    free(e->reasons);
    json_decref(e->body);
    ddbxo__aws_error_init(e);
}

void ddbxo__aws_error_move(ddbxo__aws_error *dst, ddbxo__aws_error *src)
{
    if (!dst || dst == src)
        return;
    ddbxo__aws_error_clear(dst);
    if (!src)
        return;
    *dst = *src;
    ddbxo__aws_error_init(src);
}

/* A copy of n bytes with control characters blanked (messages end up in
 * log lines) and the length capped. */
static char *dup_clean(const char *s, size_t n)
{
    char *d;
    if (n > MAX_MESSAGE)
        n = MAX_MESSAGE;
    if (!(d = malloc(n + 1)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        d[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    d[n] = '\0';
    return d;
}

/* The code part of a type, cut at the first character that cannot be in
 * one, so a hostile type cannot smuggle spaces or bytes into messages. */
static void set_type(char *out, size_t outsz, const char *type, size_t len)
{
    ddbxo__aws_code(type, len, out, outsz);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            *p = '\0';
            break;
        }
}

/* ------------------------------------------------------------------ */
/* JSON bodies                                                          */
/* ------------------------------------------------------------------ */

static const char *str_member(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One CancellationReasons entry.  "None" is the documented no-failure
 * code; old docs and SDKs also show null and "NONE", so all three read as
 * "None".  An entry we cannot read is "Unknown": never mistake it for a
 * success. */
static void read_reason(const json_t *j, ddbxo__tx_reason *r)
{
    const json_t *code = json_object_get(j, "Code");
    const json_t *item = json_object_get(j, "Item");
    memset(r, 0, sizeof *r);
    if (!json_is_object(j) || (code && !json_is_string(code) &&
                               !json_is_null(code))) {
        strcpy(r->code, "Unknown");
        return;
    }
    if (!json_is_string(code) || json_string_length(code) == 0 ||
        strcmp(json_string_value(code), "NONE") == 0)
        strcpy(r->code, "None");
    else
        set_type(r->code, sizeof r->code, json_string_value(code),
                 json_string_length(code));
    if (!r->code[0])
        strcpy(r->code, "Unknown");
    r->message = str_member(j, "Message");
    if (!r->message)
        r->message = str_member(j, "message");
    if (json_is_object(item))
        r->item = item;
}

static void read_reasons(const json_t *arr, ddbxo__aws_error *e)
{
    size_t n = json_array_size(arr);
    if (!n || !(e->reasons = calloc(n, sizeof *e->reasons)))
        return;
    e->nreasons = n;
    for (size_t i = 0; i < n; i++)
        read_reason(json_array_get(arr, i), &e->reasons[i]);
}

/* ThrottlingReasons (ProvisionedThroughputExceeded, RequestLimitExceeded)
 * or throttlingReasons (ThrottlingException): keep the first reason. */
static void read_throttle(const json_t *body, ddbxo__aws_error *e)
{
    const json_t *a = json_object_get(body, "ThrottlingReasons");
    const char *reason;
    if (!json_is_array(a))
        a = json_object_get(body, "throttlingReasons");
    reason = str_member(json_array_get(a, 0), "reason");
    if (reason) {
        char *c = dup_clean(reason, strlen(reason));
        if (c) {
            ddbxo__strlcpy(e->throttle_reason, c, sizeof e->throttle_reason);
            free(c);
        }
    }
}

static void read_json(json_t *body, ddbxo__aws_error *e)
{
    const json_t *t = json_object_get(body, "__type");
    const json_t *m = json_object_get(body, "message");
    const json_t *item = json_object_get(body, "Item");
    const json_t *reasons = json_object_get(body, "CancellationReasons");

    e->format = DDBXO__BODY_JSON;
    e->body = body;
    if (json_is_string(t))
        set_type(e->type, sizeof e->type, json_string_value(t),
                 json_string_length(t));
    /* "message" for most errors, "Message" for TransactionCanceled and
     * Serialization (and moto's ALL_OLD condition failures). */
    if (!json_is_string(m))
        m = json_object_get(body, "Message");
    if (json_is_string(m))
        e->message = dup_clean(json_string_value(m), json_string_length(m));
    if (json_is_object(item))
        e->item = item;
    if (json_is_array(reasons))
        read_reasons(reasons, e);
    read_throttle(body, e);
}

/* ------------------------------------------------------------------ */
/* XML bodies: <ErrorResponse><Errors><Error><Code>X</Code>             */
/*             <Message>Y</Message>...                                  */
/* ------------------------------------------------------------------ */

static const char *find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* The text of the first <tag>...</tag> in s, entities decoded, or NULL. */
static char *xml_text(const char *s, size_t n, const char *tag)
{
    char open[32], close[32], *out, *o;
    const char *a, *b;
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    if (!(a = find(s, n, open)))
        return NULL;
    a += strlen(open);
    if (!(b = find(a, n - (size_t)(a - s), close)))
        return NULL;
    if ((size_t)(b - a) > MAX_MESSAGE)
        b = a + MAX_MESSAGE;
    if (!(out = malloc((size_t)(b - a) + 1)))
        return NULL;
    static const struct { const char *ent; char ch; } ents[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
        { "&quot;", '"' }, { "&apos;", '\'' },
    };
    for (o = out; a < b;) {
        size_t i, k = 0;
        for (i = 0; *a == '&' && i < sizeof ents / sizeof ents[0]; i++) {
            k = strlen(ents[i].ent);
            if ((size_t)(b - a) >= k && memcmp(a, ents[i].ent, k) == 0)
                break;
        }
        if (*a == '&' && i < sizeof ents / sizeof ents[0]) {
            *o++ = ents[i].ch;
            a += k;
        } else {
            unsigned char ch = (unsigned char)*a++;
            *o++ = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
        }
    }
    *o = '\0';
    return out;
}

static int read_xml(const char *s, size_t n, ddbxo__aws_error *e)
{
    char *code = xml_text(s, n, "Code");
    if (!code)
        return 0;                /* HTML or other markup */
    e->format = DDBXO__BODY_XML;
    set_type(e->type, sizeof e->type, code, strlen(code));
    free(code);
    e->message = xml_text(s, n, "Message");
    return 1;
}

/* ------------------------------------------------------------------ */
/* parse and classify                                                   */
/* ------------------------------------------------------------------ */

/* botocore standard.py throttling codes, the DynamoDB guide's "OK to
 * retry" throttles, and TransactionInProgressException (a transaction with
 * the same ClientRequestToken is still running: wait and ask again). */
static const char *const throttle_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
    "RequestThrottled", "SlowDown", "EC2ThrottledException",
};

/* Transient by code (the request did not complete on the server side).
 * ReplicatedWriteConflictException is modelled retryable, non-throttling. */
static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    "InternalServerError", "InternalFailure", "ServiceUnavailable",
    "ReplicatedWriteConflictException",
};

static int in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return 1;
    return 0;
}

int ddbxo__retry_class_of_code(const char *code)
{
    if (!code || !*code)
        return DDBXO__RETRY_NEVER;
    if (in_list(code, throttle_codes,
                sizeof throttle_codes / sizeof throttle_codes[0]))
        return DDBXO__RETRY_THROTTLE;
    if (in_list(code, transient_codes,
                sizeof transient_codes / sizeof transient_codes[0]))
        return DDBXO__RETRY_TRANSIENT;
    return DDBXO__RETRY_NEVER;
}

static int class_of(long status, const char *type)
{
    if (status >= 500)           /* as the transport treats 5xx */
        return (status == 500 || status == 502 || status == 503 ||
                status == 504) ? DDBXO__RETRY_TRANSIENT : DDBXO__RETRY_NEVER;
    if (status == 429)
        return DDBXO__RETRY_THROTTLE;
    return ddbxo__retry_class_of_code(type);
}

int ddbxo__aws_error_parse(long status, const char *type_header,
                           const void *body, size_t len, ddbxo__aws_error *e)
{
    const char *s = body, *p;
    size_t n = body ? len : 0;

    ddbxo__aws_error_clear(e);
    e->status = status;
    p = s;
    while (n && p < s + n && (*p == ' ' || *p == '\t' || *p == '\r' ||
                              *p == '\n'))
        p++;
    if (!n || p == s + n) {
        e->format = DDBXO__BODY_EMPTY;
    } else if (*p == '{') {
        /* DynamoDB strings may hold U+0000 (an ALL_OLD item, say). */
        json_t *j = json_loadb(s, n, JSON_ALLOW_NUL, NULL);
        if (json_is_object(j))
            read_json(j, e);     /* keeps the reference */
        else {
            json_decref(j);
            e->format = DDBXO__BODY_OTHER;
        }
    } else if (*p == '<' && read_xml(p, n - (size_t)(p - s), e)) {
        /* read */
    } else {
        e->format = DDBXO__BODY_OTHER;
    }
    if (!e->type[0] && type_header && *type_header)
        set_type(e->type, sizeof e->type, type_header, strlen(type_header));
    e->retry_class = class_of(status, e->type);
    return e->retry_class;
}

int ddbxo__aws_error_code(const char *type)
{
    if (type && strcmp(type, "ConditionalCheckFailedException") == 0)
        return DDBXO_E_CONDITION;
    if (type && strcmp(type, "TransactionCanceledException") == 0)
        return DDBXO_E_CANCELLED;
    return DDBXO_E_AWS;
}

static const char *format_name(int format)
{
    switch (format) {
    case DDBXO__BODY_EMPTY: return "an empty body";
    case DDBXO__BODY_JSON: return "a JSON body without __type";
    case DDBXO__BODY_XML: return "an XML body";
    default: return "a body that is not AWS JSON";
    }
}

void ddbxo__aws_error_to_err(const ddbxo__aws_error *e, const char *op,
                             ddbxo_error *err)
{
    char *m;
    size_t sz, k;
    if (!err || !e)
        return;
    err->code = ddbxo__aws_error_code(e->type);
    err->http_status = e->status;
    ddbxo__strlcpy(err->aws_type, e->type, sizeof err->aws_type);
    m = err->message;
    sz = sizeof err->message;
    if (e->type[0] && e->message)
        snprintf(m, sz, "%s%s%s: %s", op ? op : "", op ? ": " : "", e->type,
                 e->message);
    else if (e->type[0])
        snprintf(m, sz, "%s%s%s (HTTP %ld)", op ? op : "", op ? ": " : "",
                 e->type, e->status);
    else
        /* No body text here: a non-AWS body may echo anything, items
         * included (moto's HTML tracebacks do). */
        snprintf(m, sz, "%s%sHTTP %ld with %s", op ? op : "",
                 op ? ": " : "", e->status, format_name(e->format));
    if (e->throttle_reason[0] && (k = strlen(m)) < sz)
        snprintf(m + k, sz - k, " [%s]", e->throttle_reason);
}

int ddbxo__aws_error_cancel_retryable(const ddbxo__aws_error *e)
{
    static const char *const passing[] = {
        "TransactionConflict", "ProvisionedThroughputExceeded",
        "ThrottlingError", "RequestLimitExceeded",
    };
    int any = 0;
    if (!e || !e->nreasons)
        return 0;
    for (size_t i = 0; i < e->nreasons; i++) {
        const char *code = e->reasons[i].code;
        size_t k;
        if (strcmp(code, "None") == 0)
            continue;
        for (k = 0; k < sizeof passing / sizeof passing[0]; k++)
            if (strcmp(code, passing[k]) == 0)
                break;
        if (k == sizeof passing / sizeof passing[0])
            return 0;            /* a refusal: retrying cannot help */
        any = 1;
    }
    return any;
}

/* ------------------------------------------------------------------ */
/* the public detail                                                    */
/* ------------------------------------------------------------------ */

typedef struct jtext {
    char *s;
    size_t len;
} jtext;

struct ddbxo_aws_detail {
    ddbxo__aws_error e;
    char *body;
    size_t body_len;
    jtext item;
    jtext *reason_items;          /* [e.nreasons] */
};

static int dump(const json_t *j, jtext *t)
{
    if (!j)
        return 0;
    if (!(t->s = json_dumps(j, JSON_COMPACT)))
        return -1;
    t->len = strlen(t->s);
    return 0;
}

ddbxo_aws_detail *ddbxo__aws_detail_new(ddbxo__aws_error *e, const void *body,
                                        size_t len)
{
    ddbxo_aws_detail *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    ddbxo__aws_error_move(&d->e, e);
    /* The strings are made now so the accessors can hand out borrowed
     * pointers without caching behind a const. */
    if (!(d->body = malloc(len + 1)))
        goto fail;
    if (len)
        memcpy(d->body, body, len);
    d->body[len] = '\0';
    d->body_len = len;
    if (dump(d->e.item, &d->item) < 0)
        goto fail;
    if (d->e.nreasons) {
        if (!(d->reason_items = calloc(d->e.nreasons, sizeof *d->reason_items)))
            goto fail;
        for (size_t i = 0; i < d->e.nreasons; i++)
            if (dump(d->e.reasons[i].item, &d->reason_items[i]) < 0)
                goto fail;
    }
    return d;
fail:
    ddbxo_aws_detail_free(d);
    return NULL;
}

DDBXO_API void ddbxo_aws_detail_free(ddbxo_aws_detail *d)
{
    if (!d)
        return;
    if (d->reason_items)
        for (size_t i = 0; i < d->e.nreasons; i++)
            free(d->reason_items[i].s);
    free(d->reason_items);
    free(d->item.s);
    free(d->body);
    ddbxo__aws_error_clear(&d->e);
    free(d);
}

DDBXO_API const char *ddbxo_aws_detail_type(const ddbxo_aws_detail *d)
{
    return d ? d->e.type : "";
}

DDBXO_API const char *ddbxo_aws_detail_message(const ddbxo_aws_detail *d)
{
    return d ? d->e.message : NULL;
}

DDBXO_API long ddbxo_aws_detail_status(const ddbxo_aws_detail *d)
{
    return d ? d->e.status : 0;
}

DDBXO_API const char *ddbxo_aws_detail_body(const ddbxo_aws_detail *d,
                                            size_t *len)
{
    if (len)
        *len = d ? d->body_len : 0;
    return d ? d->body : NULL;
}

DDBXO_API const char *ddbxo_aws_detail_item(const ddbxo_aws_detail *d,
                                            size_t *len)
{
    if (len)
        *len = d ? d->item.len : 0;
    return d ? d->item.s : NULL;
}

DDBXO_API size_t ddbxo_aws_detail_reason_count(const ddbxo_aws_detail *d)
{
    return d ? d->e.nreasons : 0;
}

DDBXO_API const char *ddbxo_aws_detail_reason_code(const ddbxo_aws_detail *d,
                                                   size_t i)
{
    return d && i < d->e.nreasons ? d->e.reasons[i].code : NULL;
}

DDBXO_API const char *ddbxo_aws_detail_reason_message(
    const ddbxo_aws_detail *d, size_t i)
{
    return d && i < d->e.nreasons ? d->e.reasons[i].message : NULL;
}

DDBXO_API const char *ddbxo_aws_detail_reason_item(const ddbxo_aws_detail *d,
                                                   size_t i, size_t *len)
{
    if (!d || i >= d->e.nreasons) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = d->reason_items[i].len;
    return d->reason_items[i].s;
}
