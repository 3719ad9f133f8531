/* Region and endpoint resolution and the URL parser behind it. */
#include "auth/config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/creds_file.h"
#include "util/error.h"

/* ---- URLs --------------------------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* A DNS name or IPv4 address: labels of [a-z0-9_-], dots between. */
static int reg_name_ok(const char *h)
{
    size_t n = strlen(h), label = 0;
    int all_numeric = 1;
    struct in_addr a4;
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
              || c == '_'))
            return 0;
        if (!(c >= '0' && c <= '9'))
            all_numeric = 0;
        if (++label > 63)
            return 0;
    }
    if (label == 0)
        return 0;
    /* "127.1" or "1.2.3.256" would be read differently by different
     * parsers: numbers must be a plain dotted quad. */
    if (all_numeric && inet_pton(AF_INET, h, &a4) != 1)
        return 0;
    return 1;
}

static int path_ok(const char *p)
{
    for (; *p; p++) {
        if (strchr("\\\"<>^`{|}", *p))
            return 0;
        if (*p == '%' && !(is_hex(p[1]) && is_hex(p[2])))
            return 0;
    }
    return 1;
}

int ddbxo__url_parse(const char *s, ddbxo__url *u, const char *what,
                     ddbxo_error *err)
{
    const char *p, *auth, *end, *host_end;
    size_t n;

    memset(u, 0, sizeof *u);
    if (!s || !*s)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s is empty", what);
    n = strlen(s);
    if (n >= DDBXO_ENDPOINT_URL_BUFSIZE - 1)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s is longer than %d bytes",
                          what, DDBXO_ENDPOINT_URL_BUFSIZE - 2);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "%s has spaces or control characters", what);
    if (strncasecmp(s, "https://", 8) == 0) {
        strcpy(u->scheme, "https");
        u->port = 443;
        auth = s + 8;
    } else if (strncasecmp(s, "http://", 7) == 0) {
        strcpy(u->scheme, "http");
        u->port = 80;
        auth = s + 7;
    } else {
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s must start with https:// or http://", what);
    }
    end = auth + strcspn(auth, "/?#");
    if (strpbrk(auth, "?#"))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s must not have a query or fragment", what);
    if (memchr(auth, '@', (size_t)(end - auth)))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s must not contain user:password@", what);

    if (*auth == '[') {
        struct in6_addr a6;
        const char *close = memchr(auth, ']', (size_t)(end - auth));
        size_t hn;
        if (!close)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "%s: IPv6 address without ']'", what);
        hn = (size_t)(close - auth - 1);
        if (hn == 0 || hn >= sizeof u->hostname)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s: bad IPv6 address", what);
        memcpy(u->hostname, auth + 1, hn);
        u->hostname[hn] = '\0';
        if (inet_pton(AF_INET6, u->hostname, &a6) != 1)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "%s: bad IPv6 address (zone ids are not supported)",
                              what);
        for (size_t i = 0; i < hn; i++)
            u->hostname[i] = (char)lower(u->hostname[i]);
        u->is_ipv6 = 1;
        host_end = close + 1;
        if (host_end != end && *host_end != ':')
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "%s: unexpected text after ']'", what);
    } else {
        size_t hn;
        host_end = memchr(auth, ':', (size_t)(end - auth));
        if (!host_end)
            host_end = end;
        hn = (size_t)(host_end - auth);
        if (hn == 0)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s has no host", what);
        if (hn >= sizeof u->hostname)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s: host name too long", what);
        for (size_t i = 0; i < hn; i++)
            u->hostname[i] = (char)lower(auth[i]);
        u->hostname[hn] = '\0';
        if (!reg_name_ok(u->hostname))
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "%s: host is not a valid name or address", what);
    }
    if (host_end < end) {               /* ":port" */
        long port = 0;
        p = host_end + 1;
        if (p == end || end - p > 5)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s: bad port", what);
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s: bad port", what);
            port = port * 10 + (*p - '0');
        }
        if (port < 1 || port > 65535)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "%s: port must be 1..65535", what);
        u->port = (int)port;
        u->port_explicit = 1;
    }
    if (!path_ok(end))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s: path has characters that must be %%-encoded", what);
    ddbxo__strlcpy(u->path, end, sizeof u->path);
    return 0;
}

int ddbxo__host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return 0;
}

/* ---- region ------------------------------------------------------- */

int ddbxo__region_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > DDBXO_REGION_MAX || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '-'))
            return 0;
    return 1;
}

const char *ddbxo__region_dns_suffix(const char *region)
{
    /* The partitions of the SDKs' partitions.json, longest prefix first. */
    static const struct {
        const char *prefix, *suffix;
    } parts[] = {
        { "us-isob-", "sc2s.sgov.gov" },
        { "us-isof-", "csp.hci.ic.gov" },
        { "us-iso-", "c2s.ic.gov" },
        { "eu-isoe-", "cloud.adc-e.uk" },
        { "cn-", "amazonaws.com.cn" },
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strncmp(region, parts[i].prefix, strlen(parts[i].prefix)) == 0)
            return parts[i].suffix;
    return "amazonaws.com";
}

/* A short, printable echo of a bad value (regions are not secret). */
static const char *shown(const char *s)
{
    size_t n = strlen(s);
    if (n > 64)
        return "(too long)";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return "(unprintable)";
    return s;
}

static int put_region(char *out, size_t outsz, const char *r, const char *from,
                      ddbxo_error *err)
{
    if (!ddbxo__region_valid(r))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "region '%s' from %s is not a valid region name "
                          "(lowercase letters, digits, '-')", shown(r), from);
    if (strlen(r) >= outsz)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                          "region buffer too small (need %zu bytes)", strlen(r) + 1);
    memcpy(out, r, strlen(r) + 1);
    return 0;
}

int ddbxo__config_region_env(char *out, size_t outsz, const char *profile,
                             const ddbxo__env *env, ddbxo_error *err)
{
    const char *r, *name;
    ddbxo__profile *p = NULL;
    char path[4096];
    int rc;

    if (!out || outsz == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "region: no output buffer");
    out[0] = '\0';
    if ((r = ddbxo__env_get(env, "AWS_REGION")))
        return put_region(out, outsz, r, "AWS_REGION", err);
    if ((r = ddbxo__env_get(env, "AWS_DEFAULT_REGION")))
        return put_region(out, outsz, r, "AWS_DEFAULT_REGION", err);
    name = ddbxo__profile_name(env, profile, NULL);
    if (ddbxo__profile_load(env, name, DDBXO__PF_CONFIG, &p, err) < 0)
        return -1;
    r = ddbxo__profile_get(p, "region");
    if (r && *r) {
        char from[sizeof path + 64];
        if (ddbxo__profile_path(env, DDBXO__PF_CONFIG, path, sizeof path, NULL) <= 0)
            ddbxo__strlcpy(path, "the config file", sizeof path);
        snprintf(from, sizeof from, "profile '%s' in %s", name, path);
        rc = put_region(out, outsz, r, from, err);
        ddbxo__profile_free(p);
        return rc;
    }
    ddbxo__profile_free(p);
    return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                      "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), "
                      "or 'region' in profile '%s' of the config file", name);
}

DDBXO_API int ddbxo_config_region(char *out, size_t outsz, const char *profile,
                                  ddbxo_error *err)
{
    return ddbxo__config_region_env(out, outsz, profile, NULL, err);
}

/* ---- endpoints ---------------------------------------------------- */

static const struct svcinfo {
    const char *name;        /* ddbxo_service_name() */
    const char *env;         /* AWS_ENDPOINT_URL_<service id> */
    const char *prefix;      /* default host: prefix.region.suffix */
    const char *signing;     /* SigV4 service name */
    int has_local;           /* region "local" = DynamoDB Local */
} services[] = {
    { "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB", "dynamodb", "dynamodb", 1 },
    /* Streams has its own host but signs as "dynamodb". */
    { "streams", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "streams.dynamodb",
      "dynamodb", 1 },
    { "sqs", "AWS_ENDPOINT_URL_SQS", "sqs", "sqs", 0 },
};

DDBXO_API const char *ddbxo_service_name(ddbxo_service svc)
{
    if ((unsigned)svc >= sizeof services / sizeof services[0])
        return "unknown";
    return services[svc].name;
}

int ddbxo__endpoint_resolve_env(ddbxo_service svc, const char *region,
                                const char *override_url, unsigned flags,
                                const ddbxo__env *env, ddbxo_endpoint *out,
                                ddbxo_error *err)
{
    const struct svcinfo *si;
    const char *url = NULL, *source = "default", *ign;
    const char *signing_region = region;
    char def[DDBXO_ENDPOINT_URL_BUFSIZE];
    ddbxo__url u;
    int n;

    if (!out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "endpoint: out is NULL");
    memset(out, 0, sizeof *out);
    if ((unsigned)svc >= sizeof services / sizeof services[0])
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "endpoint: unknown service %d",
                          (int)svc);
    si = &services[svc];
    if (!region || !*region)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s endpoint: no region (it is the signing region "
                          "even with a custom endpoint)", si->name);
    if (!ddbxo__region_valid(region))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s endpoint: region '%s' is not a valid region name",
                          si->name, shown(region));

    if (override_url && *override_url) {
        url = override_url;
        source = "override";
    } else {
        ign = ddbxo__env_get(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        if (!(ign && strcasecmp(ign, "true") == 0)) {
            if ((url = ddbxo__env_get(env, si->env)))
                source = si->env;
            else if ((url = ddbxo__env_get(env, "AWS_ENDPOINT_URL")))
                source = "AWS_ENDPOINT_URL";
        }
    }
    if (!url) {
        if (si->has_local && strcmp(region, "local") == 0) {
            /* The SDK rule for DynamoDB Local. */
            snprintf(def, sizeof def, "http://localhost:8000");
            signing_region = "us-east-1";
        } else {
            n = snprintf(def, sizeof def, "https://%s.%s.%s", si->prefix, region,
                         ddbxo__region_dns_suffix(region));
            if (n < 0 || (size_t)n >= sizeof def)
                return ddbxo__err(err, DDBXO_E_INTERNAL, NULL, "endpoint too long");
        }
        url = def;
    }
    if (ddbxo__url_parse(url, &u, strcmp(source, "override") == 0
                                      ? "endpoint_url" : source, err) < 0)
        return -1;
    if (strcmp(u.scheme, "http") == 0 && !ddbxo__host_is_loopback(u.hostname)
        && !(flags & DDBXO_ENDPOINT_ALLOW_INSECURE_HTTP))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "%s endpoint from %s uses http:// to %s, which is not "
                          "loopback: use https://, or set "
                          "DDBXO_ENDPOINT_ALLOW_INSECURE_HTTP to send signed "
                          "requests in clear text", si->name,
                          strcmp(source, "override") == 0 ? "endpoint_url" : source,
                          u.hostname);

    strcpy(out->scheme, u.scheme);
    ddbxo__strlcpy(out->hostname, u.hostname, sizeof out->hostname);
    out->port = u.port;
    /* Host carries the port only when it is not the scheme's default: what
     * the signer must sign and what curl sends. */
    n = snprintf(out->host, sizeof out->host, "%s%s%s", u.is_ipv6 ? "[" : "",
                 u.hostname, u.is_ipv6 ? "]" : "");
    if (u.port != (strcmp(u.scheme, "https") == 0 ? 443 : 80))
        n = snprintf(out->host + n, sizeof out->host - (size_t)n, ":%d", u.port);
    snprintf(out->path, sizeof out->path, "%s", u.path[0] ? u.path : "/");
    n = snprintf(out->url, sizeof out->url, "%s://%s%s", out->scheme, out->host,
                 out->path);
    if (n < 0 || (size_t)n >= sizeof out->url) {
        memset(out, 0, sizeof *out);
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s endpoint URL is too long",
                          si->name);
    }
    ddbxo__strlcpy(out->signing_name, si->signing, sizeof out->signing_name);
    ddbxo__strlcpy(out->signing_region, signing_region, sizeof out->signing_region);
    out->source = source;
    return 0;
}

DDBXO_API int ddbxo_endpoint_resolve(ddbxo_service svc, const char *region,
                                     const char *override_url, unsigned flags,
                                     ddbxo_endpoint *out, ddbxo_error *err)
{
    return ddbxo__endpoint_resolve_env(svc, region, override_url, flags, NULL,
                                       out, err);
}
