/* Internal: environment lookup, URL parsing, region and endpoints. */
#ifndef DDBXO_LIB_CONFIG_H
#define DDBXO_LIB_CONFIG_H

#include <stddef.h>

#include "auth/env.h"
#include "ddbxo.h"
#include "ddbxo/sys/creds.h"
#include "ddbxo/sys/ddb.h"

/* A parsed absolute http(s) URL.  Only scheme, host, port and path: user
 * info, query and fragment are refused. */
typedef struct ddbxo__url {
    char scheme[8];                            /* lowercased */
    char hostname[DDBXO_ENDPOINT_HOST_BUFSIZE]; /* lowercased, no brackets */
    int is_ipv6;                               /* host was [..] */
    int port;                                  /* explicit or default */
    int port_explicit;
    char path[DDBXO_ENDPOINT_URL_BUFSIZE];     /* "" when none */
} ddbxo__url;

/* Parses s.  -1 + DDBXO_E_CONFIG naming `what` (e.g. the variable) on any
 * problem; the URL itself is never echoed (it may hold secrets). */
int ddbxo__url_parse(const char *s, ddbxo__url *u, const char *what,
                     ddbxo_error *err);

/* 1 if host (bare, lowercased) is 127.0.0.0/8, ::1, ::ffff:127.x.y.z or
 * "localhost". */
int ddbxo__host_is_loopback(const char *host);

/* ddbxo_config_region() / ddbxo_endpoint_resolve() reading env. */
int ddbxo__config_region_env(char *out, size_t outsz, const char *profile,
                             const ddbxo__env *env, ddbxo_error *err);
int ddbxo__endpoint_resolve_env(ddbxo_service svc, const char *region,
                                const char *override_url, unsigned flags,
                                const ddbxo__env *env, ddbxo_endpoint *out,
                                ddbxo_error *err);

/* 1 if s is a plausible region name: 1..DDBXO_REGION_MAX of [a-z0-9-],
 * starting and ending with a letter or digit.  It goes into host names. */
int ddbxo__region_valid(const char *s);

/* DNS suffix of the partition region belongs to ("amazonaws.com",
 * "amazonaws.com.cn", ...). */
const char *ddbxo__region_dns_suffix(const char *region);

#endif
