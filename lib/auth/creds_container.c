/* Container credentials (ECS task roles, EKS Pod Identity, Lambda with
 * SnapStart): GET a JSON document {AccessKeyId, SecretAccessKey, Token,
 * Expiration} from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (below
 * http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with the
 * Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read
 * on every fetch: it is rotated) or AWS_CONTAINER_AUTHORIZATION_TOKEN. */
#include "auth/creds.h"
#include "auth/creds_http.h"
#include "util/curl_global.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/buf.h"
#include "util/error.h"
#include "auth/config.h"

#define ECS_BASE "http://169.254.170.2"
/* The endpoint is local (or link-local): a slow one is a broken one. */
#define CONNECT_TIMEOUT_MS 1000L
#define TOTAL_TIMEOUT_MS 2000L

#define V_REL "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
#define V_FULL "AWS_CONTAINER_CREDENTIALS_FULL_URI"
#define V_TOKEN "AWS_CONTAINER_AUTHORIZATION_TOKEN"
#define V_TOKEN_FILE "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"

struct container {
    char *url;
    const char *url_var;     /* which variable the URL came from */
    char *token;             /* NULL: none (or from the file) */
    char *token_file;
    int pin;                 /* http to a DNS name: check and pin addresses */
    char hostname[DDBXO_ENDPOINT_HOST_BUFSIZE];
    int port;
};

static void container_free(void *state)
{
    struct container *c = state;
    if (!c)
        return;
    free(c->url);
    ddbxo__str_wipe_free(c->token);
    free(c->token_file);
    free(c);
}

/* Plain http is allowed only where the SDKs allow it: loopback, the ECS
 * agent (169.254.170.2) and EKS Pod Identity (169.254.170.23,
 * fd00:ec2::23).  Anywhere else the token and the credentials would cross
 * a network in clear text. */
static int v4_allowed(uint32_t a)
{
    return (a >> 24) == 127 || a == 0xA9FEAA02u || a == 0xA9FEAA17u;
}

static int v6_allowed(const struct in6_addr *a)
{
    static const unsigned char eks[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
                                           0, 0, 0, 0, 0, 0, 0, 0x23 };
    if (IN6_IS_ADDR_LOOPBACK(a) || memcmp(a->s6_addr, eks, 16) == 0)
        return 1;
    if (IN6_IS_ADDR_V4MAPPED(a)) {
        uint32_t v4;
        memcpy(&v4, a->s6_addr + 12, 4);
        return v4_allowed(ntohl(v4));
    }
    return 0;
}

/* 1 allowed, 0 not, -1 not an IP literal. */
static int literal_allowed(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return v4_allowed(ntohl(a4.s_addr));
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return v6_allowed(&a6);
    return -1;
}

/* Resolves a DNS name; every address must be allowed.  On success *pin is
 * "host:port:addr,addr" for CURLOPT_RESOLVE, so the fetch goes to the
 * addresses that were checked. */
static int resolve_check(const struct container *c, ddbxo__buf *pin,
                         ddbxo_error *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    char addr[INET6_ADDRSTRLEN];
    int rc, n = 0;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(c->hostname, NULL, &hints, &res);
    if (rc != 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "container credentials: cannot resolve the host of "
                          "%s: %s", c->url_var, gai_strerror(rc));
    ddbxo__buf_printf(pin, "%s:%d:", c->hostname, c->port);
    for (ai = res; ai; ai = ai->ai_next) {
        int ok;
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *s = (const struct sockaddr_in *)ai->ai_addr;
            ok = v4_allowed(ntohl(s->sin_addr.s_addr));
            inet_ntop(AF_INET, &s->sin_addr, addr, sizeof addr);
            if (ok)
                ddbxo__buf_printf(pin, "%s%s", n++ ? "," : "", addr);
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ai->ai_addr;
            ok = v6_allowed(&s->sin6_addr);
            inet_ntop(AF_INET6, &s->sin6_addr, addr, sizeof addr);
            if (ok)
                ddbxo__buf_printf(pin, "%s[%s]", n++ ? "," : "", addr);
        } else {
            continue;
        }
        if (!ok) {
            freeaddrinfo(res);
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "container credentials: %s uses http:// and its "
                              "host resolves to %s, which is not loopback or "
                              "an ECS/EKS credentials address; use https://",
                              c->url_var, addr);
        }
    }
    freeaddrinfo(res);
    if (n == 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "container credentials: the host of %s has no "
                          "address", c->url_var);
    if (!ddbxo__buf_cstr(pin))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

static int url_chars_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '#')
            return 0;
    return 1;
}

/* A header value: visible ASCII, spaces and tabs; never CR/LF (they would
 * inject headers). */
static int header_value_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

static int config_full(struct container *c, const char *full, ddbxo_error *err)
{
    ddbxo__url u;
    ddbxo__buf b;
    int lit;
    if (ddbxo__url_parse(full, &u, V_FULL, err) < 0)
        return -1;
    if (strcmp(u.scheme, "http") == 0) {
        lit = strcmp(u.hostname, "localhost") == 0 ? 1 : literal_allowed(u.hostname);
        if (lit == 0)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "container credentials: %s uses http:// to %s, "
                              "which is not loopback or an ECS/EKS credentials "
                              "address; use https://", V_FULL, u.hostname);
        if (lit < 0) {
            ddbxo__buf pin;
            c->pin = 1;
            ddbxo__strlcpy(c->hostname, u.hostname, sizeof c->hostname);
            c->port = u.port;
            ddbxo__buf_init(&pin);
            lit = resolve_check(c, &pin, err);
            ddbxo__buf_free(&pin);
            if (lit < 0)
                return -1;
        }
    }
    /* Fetch exactly what was checked. */
    ddbxo__buf_init(&b);
    ddbxo__buf_printf(&b, "%s://%s%s%s", u.scheme, u.is_ipv6 ? "[" : "",
                      u.hostname, u.is_ipv6 ? "]" : "");
    if (u.port_explicit)
        ddbxo__buf_printf(&b, ":%d", u.port);
    ddbxo__buf_puts(&b, u.path[0] ? u.path : "/");
    if (!ddbxo__buf_cstr(&b)) {
        ddbxo__buf_free(&b);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    c->url = (char *)ddbxo__buf_take(&b, NULL);
    return 0;
}

static int container_fetch(void *state, ddbxo_credentials *out,
                           ddbxo_error *err);

static const ddbxo__creds_source container_source = {
    "container", container_fetch, container_free,
};

int ddbxo__creds_container_config(const ddbxo__env *env, const char *base,
                                  const ddbxo__creds_source **src,
                                  void **state, ddbxo_error *err)
{
    const char *rel = ddbxo__env_get(env, V_REL);
    const char *full = ddbxo__env_get(env, V_FULL);
    const char *tok = ddbxo__env_get(env, V_TOKEN);
    const char *tokf = ddbxo__env_get(env, V_TOKEN_FILE);
    struct container *c;

    if (!rel && !full)
        return 0;
    if (!(c = calloc(1, sizeof *c)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    /* RELATIVE_URI wins when both are set (SDK order). */
    if (rel) {
        ddbxo__buf b;
        c->url_var = V_REL;
        if (rel[0] != '/' || !url_chars_ok(rel)) {
            container_free(c);
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "container credentials: %s must be a path "
                              "starting with '/' without spaces", V_REL);
        }
        ddbxo__buf_init(&b);
        ddbxo__buf_printf(&b, "%s%s", base ? base : ECS_BASE, rel);
        if (!ddbxo__buf_cstr(&b)) {
            ddbxo__buf_free(&b);
            container_free(c);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        }
        c->url = (char *)ddbxo__buf_take(&b, NULL);
    } else {
        c->url_var = V_FULL;
        if (config_full(c, full, err) < 0) {
            container_free(c);
            return -1;
        }
    }
    if (tokf) {
        if (!(c->token_file = strdup(tokf))) {
            container_free(c);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        }
    } else if (tok) {
        if (!header_value_ok(tok)) {
            container_free(c);
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "container credentials: %s has control "
                              "characters", V_TOKEN);
        }
        if (!(c->token = strdup(tok))) {
            container_free(c);
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        }
    }
    *src = &container_source;
    *state = c;
    return 1;
}

/* ---- fetch -------------------------------------------------------- */

/* Reads the token file (it may have been rotated since the last fetch). */
static char *read_token_file(const char *path, ddbxo_error *err)
{
    FILE *f = fopen(path, "rb");
    char buf[DDBXO__MAX_TOKEN_FILE_BYTES + 1];
    size_t n;
    char *tok;
    if (!f) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "container credentials: cannot read %s (%s): %s",
                   V_TOKEN_FILE, path, strerror(errno));
        return NULL;
    }
    /* Unbuffered: stdio's own buffer would hold a copy of the secret and
     * go back to the allocator unwiped at fclose. */
    setvbuf(f, NULL, _IONBF, 0);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n > DDBXO__MAX_TOKEN_FILE_BYTES) {
        OPENSSL_cleanse(buf, sizeof buf);
        ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                   "container credentials: %s (%s) is larger than %u bytes",
                   V_TOKEN_FILE, path, DDBXO__MAX_TOKEN_FILE_BYTES);
        return NULL;
    }
    /* Files usually end with a newline that is not part of the token. */
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '
                 || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (strlen(buf) != n || !header_value_ok(buf)) {
        OPENSSL_cleanse(buf, sizeof buf);
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "container credentials: %s (%s) is empty or has control "
                   "characters", V_TOKEN_FILE, path);
        return NULL;
    }
    tok = strdup(buf);
    OPENSSL_cleanse(buf, sizeof buf);
    if (!tok)
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return tok;
}

/* GET the credentials from the endpoint (pinned to the address checked,
 * when pin is set) into body. */
static int http_get(const struct container *c, const char *token,
                    const char *pin, ddbxo__buf *body, long *status,
                    ddbxo_error *err)
{
    struct curl_slist *hdrs = NULL, *t;
    ddbxo__creds_http_req r;
    char what[96];
    int rc;

    if (token) {
        ddbxo__buf a;
        ddbxo__buf_init(&a);
        ddbxo__buf_printf(&a, "Authorization: %s", token);
        t = ddbxo__buf_cstr(&a) ? curl_slist_append(hdrs, (char *)a.p) : NULL;
        ddbxo__buf_wipe_free(&a);
        if (!t)
            return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        hdrs = t;
    }
    if (!(t = curl_slist_append(hdrs, "Accept: application/json"))) {
        ddbxo__curl_slist_wipe_free(hdrs);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    hdrs = t;
    snprintf(what, sizeof what, "container credentials (from %s)",
             c->url_var);
    memset(&r, 0, sizeof r);
    r.method = "GET";
    r.url = c->url;
    r.headers = hdrs;
    r.connect_ms = CONNECT_TIMEOUT_MS;
    r.total_ms = TOTAL_TIMEOUT_MS;
    r.direct = 1;                /* the token goes to the endpoint itself,
                                    never to a proxy */
    r.resolve = pin;
    r.what = what;
    rc = ddbxo__creds_http(&r, status, body, err);
    ddbxo__curl_slist_wipe_free(hdrs);
    return rc;
}

/* Overwrites every string in the document: jansson's copies of the secret
 * would otherwise be freed as they are. */
static void wipe_json(json_t *j)
{
    const char *k;
    json_t *v;
    if (json_is_string(j)) {
        OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
    } else if (json_is_object(j)) {
        json_object_foreach(j, k, v)
            wipe_json(v);
    }
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int parse_body(const struct container *c, const ddbxo__buf *body,
                      ddbxo_credentials *out, ddbxo_error *err)
{
    json_error_t jerr;
    json_t *j;
    const char *ak, *sk, *tok, *exp;
    int64_t expiration = 0;
    int rc = -1;

    /* jerr.text can quote the input: only its line goes into the error. */
    j = json_loadb((const char *)body->p, body->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return ddbxo__err(err, DDBXO_E_HTTP, NULL,
                          "container credentials: response (from %s) is not "
                          "valid JSON (line %d)", c->url_var, jerr.line);
    if (!json_is_object(j)) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "container credentials: response (from %s) is not a JSON "
                   "object", c->url_var);
        goto out;
    }
    ak = jstr(j, "AccessKeyId");
    sk = jstr(j, "SecretAccessKey");
    tok = jstr(j, "Token");
    exp = jstr(j, "Expiration");
    if (!ddbxo__creds_token_ok(ak) || !ddbxo__creds_token_ok(sk)) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "container credentials: response (from %s) lacks a valid "
                   "%s", c->url_var,
                   !ddbxo__creds_token_ok(ak) ? "AccessKeyId" : "SecretAccessKey");
        goto out;
    }
    if ((json_object_get(j, "Token") && !json_is_null(json_object_get(j, "Token"))
         && !tok) || (tok && *tok && !ddbxo__creds_token_ok(tok))) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "container credentials: response (from %s) has an invalid "
                   "Token", c->url_var);
        goto out;
    }
    if (exp && ddbxo__parse_iso8601(exp, &expiration) < 0) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "container credentials: response (from %s) has an "
                   "Expiration that is not an ISO-8601 time", c->url_var);
        goto out;
    }
    rc = ddbxo__creds_set(out, ak, sk, tok, expiration, "container", err);
out:
    wipe_json(j);
    json_decref(j);
    return rc;
}

static int container_fetch(void *state, ddbxo_credentials *out,
                           ddbxo_error *err)
{
    const struct container *c = state;
    ddbxo__buf body, pin;
    char *token = NULL;
    long status = 0;
    int rc = -1;

    ddbxo__buf_init(&body);
    ddbxo__buf_init(&pin);
    if (c->token_file && !(token = read_token_file(c->token_file, err)))
        goto out;
    if (c->pin && resolve_check(c, &pin, err) < 0)
        goto out;
    if (http_get(c, token ? token : c->token, c->pin ? (char *)pin.p : NULL,
                 &body, &status, err) < 0)
        goto out;
    if (status != 200) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "container credentials: GET (from %s) answered HTTP %ld",
                   c->url_var, status);
        if (err) {
            err->http_status = status;
            err->retryable = status >= 500 || status == 429;
        }
        goto out;
    }
    rc = parse_body(c, &body, out, err);
out:
    ddbxo__str_wipe_free(token);
    ddbxo__buf_wipe_free(&body);
    ddbxo__buf_free(&pin);
    return rc;
}
