/* The Lambda-Runtime-* headers of a /next answer (lib/lambda/lambda_hdr.h). */
#include <string.h>
#include <strings.h>

#include "lambda/lambda_hdr.h"

static const char *const names[DDBXO__LH_N] = {
    "Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Deadline-Ms",
    "Lambda-Runtime-Invoked-Function-Arn", "Lambda-Runtime-Trace-Id",
    "Lambda-Runtime-Client-Context", "Lambda-Runtime-Cognito-Identity",
    "Lambda-Runtime-Aws-Tenant-Id",
};

void ddbxo__lambda_hdrs_init(ddbxo__lambda_hdrs *h)
{
    for (int i = 0; i < DDBXO__LH_N; i++) {
        ddbxo__buf_init(&h->v[i]);
        h->bad[i] = 0;
    }
}

void ddbxo__lambda_hdrs_free(ddbxo__lambda_hdrs *h)
{
    if (!h)
        return;
    for (int i = 0; i < DDBXO__LH_N; i++)
        ddbxo__buf_free(&h->v[i]);
}

void ddbxo__lambda_hdrs_line(ddbxo__lambda_hdrs *h, const char *p, size_t len)
{
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response */
        for (int i = 0; i < DDBXO__LH_N; i++) {
            h->v[i].len = 0;
            h->v[i].oom = 0;
            h->bad[i] = 0;
        }
        return;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return;
    size_t nl = (size_t)(colon - p);
    for (int i = 0; i < DDBXO__LH_N; i++) {
        if (strlen(names[i]) != nl || strncasecmp(p, names[i], nl) != 0)
            continue;
        const char *v = colon + 1, *e = p + len;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' ||
                         e[-1] == '\t'))
            e--;
        size_t vl = (size_t)(e - v);
        h->v[i].len = 0;
        h->v[i].oom = 0;
        h->bad[i] = vl > DDBXO__LH_MAX_VALUE || memchr(v, '\0', vl) != NULL;
        if (!h->bad[i])
            ddbxo__buf_put(&h->v[i], v, vl);
    }
}

const char *ddbxo__lambda_hdrs_get(ddbxo__lambda_hdrs *h, int i)
{
    if (i < 0 || i >= DDBXO__LH_N || h->bad[i])
        return "";
    const char *s = ddbxo__buf_cstr(&h->v[i]);
    return s ? s : "";
}

int ddbxo__lambda_request_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > DDBXO__LH_MAX_REQUEST_ID)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

int64_t ddbxo__lambda_deadline(const char *s)
{
    int64_t v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 15)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}
