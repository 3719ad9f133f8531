/* Internal: AWS STS AssumeRole (signed, service "sts") and
 * AssumeRoleWithWebIdentity (unsigned), on the regional endpoint
 * https://sts.<region>.<partition suffix>, or AWS_ENDPOINT_URL_STS /
 * AWS_ENDPOINT_URL. */
#ifndef DDBXO_LIB_STS_H
#define DDBXO_LIB_STS_H

#include <stdint.h>

#include "auth/config.h"
#include "ddbxo.h"
#include "ddbxo/sys/sigv4.h"

/* Where STS is, resolved once when the source is configured. */
typedef struct ddbxo__sts_endpoint {
    char url[DDBXO_ENDPOINT_URL_BUFSIZE];
    char host[DDBXO_ENDPOINT_HOST_BUFSIZE];   /* Host header: name[:port] */
    char path[DDBXO_ENDPOINT_URL_BUFSIZE];
    char region[DDBXO_REGION_BUFSIZE];        /* signing region */
    const char *source;                       /* "AWS_ENDPOINT_URL_STS", ... */
} ddbxo__sts_endpoint;

/* region: the signing region and regional endpoint; NULL or "" = the
 * global endpoint https://sts.amazonaws.com, signed as us-east-1.  -1 +
 * DDBXO_E_CONFIG for a bad URL, or http:// to a host that is not
 * loopback. */
int ddbxo__sts_endpoint_resolve(const ddbxo__env *env, const char *region,
                                ddbxo__sts_endpoint *out, ddbxo_error *err);

typedef struct ddbxo__sts_req {
    const char *role_arn;          /* required */
    const char *session_name;      /* required */
    const char *external_id;       /* AssumeRole only; NULL = none */
    int duration_s;                /* 0 = STS's default (3600) */
    const char *web_identity_token;/* set = AssumeRoleWithWebIdentity
                                      (unsigned); NULL = AssumeRole */
} ddbxo__sts_req;

/* Calls STS and fills *out (source is "assume-role" or "web-identity").
 * caller signs AssumeRole (ignored for web identity).  Transient failures
 * (transport, 5xx, throttling) are tried again a few times.  -1 + err
 * naming the STS error code (AccessDenied, ...), never a secret. */
int ddbxo__sts_assume(const ddbxo__sts_endpoint *ep, const ddbxo__sts_req *r,
                      const ddbxo_credentials *caller, ddbxo_credentials *out,
                      ddbxo_error *err);

/* Reads an STS answer to action ("AssumeRole", "AssumeRoleWithWebIdentity")
 * with HTTP status.  0 + *out on a complete credentials answer; -1 + err
 * otherwise (err->aws_type = the STS error code when it sent one).
 * Exposed for the fuzzer. */
int ddbxo__sts_parse(const char *body, size_t len, long status,
                     const char *action, ddbxo_credentials *out,
                     ddbxo_error *err);

#endif
