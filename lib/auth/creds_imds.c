/* EC2 instance role credentials through IMDSv2 (the session-oriented
 * Instance Metadata Service):
 *   PUT /latest/api/token  (X-aws-ec2-metadata-token-ttl-seconds: 21600)
 *   GET /latest/meta-data/iam/security-credentials/        -> role name
 *   GET /latest/meta-data/iam/security-credentials/<role>  -> JSON
 * each GET with X-aws-ec2-metadata-token.  Timeouts are one second and
 * there are two tries, so a machine that is not on EC2 finds out in about
 * two seconds.  There is no IMDSv1 fallback: an instance that allows only
 * IMDSv2 (hop limit, http-tokens=required) is the one to support, and a
 * token-less GET is what IMDSv2 exists to stop. */
#include "auth/creds.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "auth/creds_http.h"
#include "util/curl_global.h"
#include "util/error.h"
#include "auth/config.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"
#define IMDS_TIMEOUT_MS 1000L
#define IMDS_TRIES 2
#define TOKEN_TTL "21600"
#define CREDS_PATH "/latest/meta-data/iam/security-credentials/"

struct imds {
    char base[DDBXO_ENDPOINT_URL_BUFSIZE];
};

static void imds_free(void *state)
{
    free(state);
}

/* One request; the answer (status 200) in *body. */
static int call(const struct imds *m, const char *method, const char *path,
                const char *hdr, ddbxo__buf *body, ddbxo_error *err)
{
    char url[DDBXO_ENDPOINT_URL_BUFSIZE + 128];
    struct curl_slist *hl = NULL;
    ddbxo__creds_http_req r;
    long status = 0;
    int rc = -1;

    snprintf(url, sizeof url, "%s%s", m->base, path);
    if (hdr && !(hl = curl_slist_append(NULL, hdr)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    memset(&r, 0, sizeof r);
    r.method = method;
    r.url = url;
    r.headers = hl;
    r.connect_ms = r.total_ms = IMDS_TIMEOUT_MS;
    r.direct = 1;
    r.what = "EC2 instance metadata (IMDSv2)";
    for (int attempt = 1; attempt <= IMDS_TRIES; attempt++) {
        body->len = 0;
        rc = ddbxo__creds_http(&r, &status, body, err);
        if (rc == 0 && status != 200) {
            rc = ddbxo__err(err, DDBXO_E_HTTP, NULL,
                            "EC2 instance metadata (IMDSv2): %s %s answered "
                            "HTTP %ld", method, strncmp(path, CREDS_PATH,
                            strlen(CREDS_PATH)) == 0 ? CREDS_PATH "..." : path,
                            status);
            if (err) {
                err->http_status = status;
                err->retryable = status >= 500;
            }
        }
        if (rc == 0 || !err || !err->retryable)
            break;
    }
    ddbxo__curl_slist_wipe_free(hl);
    return rc;
}

static int parse(const ddbxo__buf *b, ddbxo_credentials *out, ddbxo_error *err)
{
    json_t *j = json_loadb((const char *)b->p, b->len, JSON_REJECT_DUPLICATES,
                           NULL), *v;
    const char *k, *ak, *sk, *tok, *exp, *code;
    int64_t expiration = 0;
    int rc = -1;
    if (!json_is_object(j)) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "EC2 instance metadata: the credentials are not a JSON "
                   "object");
        goto out;
    }
    code = json_string_value(json_object_get(j, "Code"));
    ak = json_string_value(json_object_get(j, "AccessKeyId"));
    sk = json_string_value(json_object_get(j, "SecretAccessKey"));
    tok = json_string_value(json_object_get(j, "Token"));
    exp = json_string_value(json_object_get(j, "Expiration"));
    if (code && strcmp(code, "Success") != 0) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "EC2 instance metadata: credentials Code is '%.40s', not "
                   "Success", code);
        goto out;
    }
    if (!ddbxo__creds_token_ok(ak) || !ddbxo__creds_token_ok(sk) ||
        !ddbxo__creds_token_ok(tok) || !exp ||
        ddbxo__parse_iso8601(exp, &expiration) < 0) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "EC2 instance metadata: the credentials lack a valid "
                   "AccessKeyId, SecretAccessKey, Token or Expiration");
        goto out;
    }
    rc = ddbxo__creds_set(out, ak, sk, tok, expiration, "imds", err);
out:
    json_object_foreach(j, k, v)
        if (json_is_string(v))
            OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
    json_decref(j);
    return rc;
}

static int imds_fetch(void *state, ddbxo_credentials *out, ddbxo_error *err)
{
    const struct imds *m = state;
    ddbxo__buf tok, role, body, hdr, path;
    char *nl;
    int rc = -1;

    ddbxo__buf_init(&tok);
    ddbxo__buf_init(&role);
    ddbxo__buf_init(&body);
    ddbxo__buf_init(&hdr);
    ddbxo__buf_init(&path);
    if (call(m, "PUT", "/latest/api/token",
             "X-aws-ec2-metadata-token-ttl-seconds: " TOKEN_TTL, &tok, err) < 0)
        goto out;
    if (!ddbxo__buf_cstr(&tok) || !ddbxo__creds_token_ok((char *)tok.p)) {
        ddbxo__err(err, DDBXO_E_HTTP, NULL,
                   "EC2 instance metadata: the session token is empty or "
                   "malformed");
        goto out;
    }
    ddbxo__buf_printf(&hdr, "X-aws-ec2-metadata-token: %s", (char *)tok.p);
    if (!ddbxo__buf_cstr(&hdr) || call(m, "GET", CREDS_PATH, (char *)hdr.p,
                                       &role, err) < 0)
        goto out;
    if (!ddbxo__buf_cstr(&role))
        goto nomem;
    if ((nl = strchr((char *)role.p, '\n')))
        *nl = '\0';
    if (!ddbxo__creds_token_ok((char *)role.p) || strchr((char *)role.p, '/')) {
        ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                   "EC2 instance metadata: the instance has no IAM role "
                   "(attach an instance profile)");
        goto out;
    }
    ddbxo__buf_printf(&path, CREDS_PATH "%s", (char *)role.p);
    if (!ddbxo__buf_cstr(&path))
        goto nomem;
    if (call(m, "GET", (char *)path.p, (char *)hdr.p, &body, err) < 0)
        goto out;
    rc = parse(&body, out, err);
    goto out;
nomem:
    ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
out:
    ddbxo__buf_wipe_free(&tok);
    ddbxo__buf_wipe_free(&hdr);
    ddbxo__buf_free(&role);
    ddbxo__buf_free(&path);
    ddbxo__buf_wipe_free(&body);
    return rc;
}

static const ddbxo__creds_source imds_source = { "imds", imds_fetch, imds_free };

int ddbxo__creds_imds_disabled(const ddbxo__env *env)
{
    const char *d = ddbxo__env_get(env, "AWS_EC2_METADATA_DISABLED");
    return d && strcasecmp(d, "true") == 0;
}

ddbxo_credentials_provider *ddbxo__creds_provider_imds(const ddbxo__creds_opts *o,
                                                       ddbxo_error *err)
{
    const ddbxo__env *env = o ? o->env : NULL;
    const char *ep = ddbxo__env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = ddbxo__env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    struct imds *m;
    ddbxo__url u;
    size_t n;

    if (mode && strcasecmp(mode, "IPv4") != 0 && strcasecmp(mode, "IPv6") != 0)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be "
                          "IPv4 or IPv6"), NULL;
    if (!ep)
        ep = mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_DEFAULT_V6 : IMDS_DEFAULT;
    if (ddbxo__url_parse(ep, &u, "AWS_EC2_METADATA_SERVICE_ENDPOINT", err) < 0)
        return NULL;
    if (!(m = calloc(1, sizeof *m)))
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory"), NULL;
    /* The base without a trailing '/': paths start with one. */
    ddbxo__strlcpy(m->base, ep, sizeof m->base);
    n = strlen(m->base);
    while (n && m->base[n - 1] == '/')
        m->base[--n] = '\0';
    return ddbxo__creds_provider_new(&imds_source, m, o, err);
}
