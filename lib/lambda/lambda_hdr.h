/* Internal: the Lambda-Runtime-* headers of a /next answer
 * (lib/lambda/lambda_hdr.c), apart from the runtime loop so a fuzzer can reach
 * them.  Every header is hostile: values are length-capped and a value
 * holding a NUL is dropped. */
#ifndef DDBXO_LIB_LAMBDA_HDR_H
#define DDBXO_LIB_LAMBDA_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum {
    DDBXO__LH_ID, DDBXO__LH_DEADLINE, DDBXO__LH_ARN, DDBXO__LH_TRACE,
    DDBXO__LH_CLIENT, DDBXO__LH_COGNITO, DDBXO__LH_TENANT, DDBXO__LH_N
};

/* Header values longer than this are dropped ("" to the handler): the
 * largest documented one, Client-Context, is < 4 KB of base64. */
#define DDBXO__LH_MAX_VALUE 16384
#define DDBXO__LH_MAX_REQUEST_ID 127

typedef struct ddbxo__lambda_hdrs {
    ddbxo__buf v[DDBXO__LH_N];
    int bad[DDBXO__LH_N];
} ddbxo__lambda_hdrs;

void ddbxo__lambda_hdrs_init(ddbxo__lambda_hdrs *h);
void ddbxo__lambda_hdrs_free(ddbxo__lambda_hdrs *h);

/* One header line as libcurl hands it over (p[0..len), CRLF included, not
 * NUL-terminated).  A status line ("HTTP/...") starts a new answer and
 * forgets the headers seen so far. */
void ddbxo__lambda_hdrs_line(ddbxo__lambda_hdrs *h, const char *p, size_t len);

/* Header i (DDBXO__LH_*): its value, or "" when absent, dropped or on
 * allocation failure.  Valid until the next _line or _free. */
const char *ddbxo__lambda_hdrs_get(ddbxo__lambda_hdrs *h, int i);

/* 1 if s[0..n) may go into a URL path as a request id:
 * 1..DDBXO__LH_MAX_REQUEST_ID of [A-Za-z0-9_-]. */
int ddbxo__lambda_request_id_ok(const char *s, size_t n);

/* Lambda-Runtime-Deadline-Ms: 1..15 decimal digits, else 0 (unknown). */
int64_t ddbxo__lambda_deadline(const char *s);

#endif
