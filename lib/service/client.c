/* ddbxo_client: region, endpoints, credentials, transport and signers,
 * assembled once from a config and shared by every call (and thread). */
#include "service/client.h"
#include "auth/creds.h"
#include "util/error.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ddbxo_client {
    char region[DDBXO_REGION_BUFSIZE];
    ddbxo_endpoint ep[DDBXO__NSERVICES];
    ddbxo__http *http;
    ddbxo_credentials_provider *creds;
    int owns_creds;
    char *role_arn;              /* the role assumed, or NULL */
    int max_conns;
    /* Signers are keyed by (signing name, signing region); slot[svc] says
     * which one a service uses, so services that sign alike share a key
     * cache. */
    int slot[DDBXO__NSERVICES];
    ddbxo_signer *signer[DDBXO__NSERVICES];
    pthread_mutex_t mu;          /* guards signer[] creation */
    ddbxo_log_fn log;
    void *log_ctx;
    int log_level;
    void (*after_sign)(void *ctx, ddbxo__http_req *req);
    void *after_sign_ctx;
};

int ddbxo__client_log_on(const ddbxo_client *c, int level)
{
    return c && c->log && level >= c->log_level;
}

void ddbxo__client_log(const ddbxo_client *c, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!ddbxo__client_log_on(c, level))
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->log(c->log_ctx, level, line);
}

/* Endpoint override of svc from the config. */
static const char *override_of(const ddbxo_client_config *cfg, int svc)
{
    switch (svc) {
    case DDBXO_SERVICE_DYNAMODB: return cfg->endpoint_dynamodb;
    case DDBXO_SERVICE_STREAMS: return cfg->endpoint_streams;
    default: return cfg->endpoint_sqs;
    }
}

static int resolve_endpoints(ddbxo_client *c, const ddbxo_client_config *cfg,
                             const ddbxo__env *env, ddbxo_error *err)
{
    unsigned flags = cfg->allow_insecure_http
                         ? DDBXO_ENDPOINT_ALLOW_INSECURE_HTTP : 0;
    for (int s = 0; s < DDBXO__NSERVICES; s++) {
        /* All three now, even if only one is used: a bad setting should
         * fail where it is configured, not at the first SQS call hours
         * later. */
        if (ddbxo__endpoint_resolve_env((ddbxo_service)s, c->region,
                                        override_of(cfg, s), flags, env,
                                        &c->ep[s], err) < 0)
            return -1;
        c->slot[s] = s;
        for (int t = 0; t < s; t++)
            if (strcmp(c->ep[t].signing_name, c->ep[s].signing_name) == 0 &&
                strcmp(c->ep[t].signing_region, c->ep[s].signing_region) == 0) {
                c->slot[s] = c->slot[t];
                break;
            }
    }
    return 0;
}

/* Wraps the caller's credentials in an AssumeRole provider (which the
 * client then owns; a borrowed caller provider stays the caller's). */
static int assume_role(ddbxo_client *c, const ddbxo_client_config *cfg,
                       const ddbxo__env *env, ddbxo_error *err)
{
    ddbxo__creds_opts co = { .env = env };
    ddbxo__creds_sts_cfg sc;
    ddbxo_credentials_provider *p;
    memset(&sc, 0, sizeof sc);
    sc.what = "client role_arn";
    sc.role_arn = cfg->role_arn;
    sc.external_id = cfg->external_id;
    sc.region = c->region;
    sc.borrow_base = !c->owns_creds;
    if (!(c->role_arn = strdup(cfg->role_arn))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return -1;
    }
    /* The STS provider owns (or borrows) the base from here on. */
    p = ddbxo__creds_provider_sts(&sc, c->creds, &co, err);
    c->creds = p;
    c->owns_creds = p != NULL;
    return p ? 0 : -1;
}

static int make_http(ddbxo_client *c, const ddbxo_client_config *cfg,
                     const ddbxo__client_opts *o, ddbxo_error *err)
{
    ddbxo__http_config hc;
    memset(&hc, 0, sizeof hc);
    hc.connect_timeout_ms = cfg->connect_timeout_ms;
    hc.attempt_timeout_ms = cfg->attempt_timeout_ms;
    hc.max_response_bytes = cfg->max_response_bytes;
    hc.pool_max_idle = c->max_conns;
    hc.allow_plain_http = cfg->allow_insecure_http;
    hc.ca_file = cfg->ca_file;
    hc.retry = cfg->retry;
    if (o)
        hc.hooks = o->http_hooks;
    c->http = ddbxo__http_new(&hc, err);
    return c->http ? 0 : -1;
}

ddbxo_client *ddbxo__client_new_opts(const ddbxo_client_config *cfg_in,
                                     const ddbxo__client_opts *o,
                                     ddbxo_error *err)
{
    static const ddbxo_client_config zero;
    const ddbxo_client_config *cfg = cfg_in ? cfg_in : &zero;
    const ddbxo__env *env = o ? o->env : NULL;
    ddbxo_client *c;

    if (cfg->connect_timeout_ms < 0 || cfg->attempt_timeout_ms < 0 ||
        cfg->max_connections < 0) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL,
                   "client: timeouts and max_connections must be >= 0");
        return NULL;
    }
    if (!(c = calloc(1, sizeof *c))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->log = cfg->log;
    c->log_ctx = cfg->log_ctx;
    c->log_level = cfg->log_level ? cfg->log_level : DDBXO_LOG_INFO;
    c->max_conns = cfg->max_connections ? cfg->max_connections
                                        : DDBXO_CLIENT_DEFAULT_MAX_CONNECTIONS;
    if (o) {
        c->after_sign = o->after_sign;
        c->after_sign_ctx = o->after_sign_ctx;
    }

    if (cfg->region && *cfg->region) {
        if (!ddbxo__region_valid(cfg->region)) {
            ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                       "client: region is not a valid region name "
                       "(lowercase letters, digits, '-')");
            goto fail;
        }
        ddbxo__strlcpy(c->region, cfg->region, sizeof c->region);
    } else if (ddbxo__config_region_env(c->region, sizeof c->region,
                                        cfg->profile, env, err) < 0) {
        goto fail;
    }
    if (resolve_endpoints(c, cfg, env, err) < 0)
        goto fail;
    if (cfg->credentials) {
        c->creds = cfg->credentials;
    } else {
        if (!(c->creds = ddbxo_credentials_provider_default(cfg->profile, err)))
            goto fail;
        c->owns_creds = 1;
    }
    if (cfg->role_arn && *cfg->role_arn && assume_role(c, cfg, env, err) < 0)
        goto fail;
    if (make_http(c, cfg, o, err) < 0)
        goto fail;

    ddbxo__client_log(c, DDBXO_LOG_INFO,
                      "ddbxo client: region %s; dynamodb %s (%s); streams %s "
                      "(%s); sqs %s (%s)", c->region,
                      c->ep[0].url, c->ep[0].source, c->ep[1].url,
                      c->ep[1].source, c->ep[2].url, c->ep[2].source);
    return c;
fail:
    ddbxo_client_free(c);
    return NULL;
}

DDBXO_API ddbxo_client *ddbxo_client_new(const ddbxo_client_config *cfg,
                                         ddbxo_error *err)
{
    return ddbxo__client_new_opts(cfg, NULL, err);
}

DDBXO_API void ddbxo_client_free(ddbxo_client *c)
{
    if (!c)
        return;
    ddbxo__http_free(c->http);
    for (int i = 0; i < DDBXO__NSERVICES; i++)
        ddbxo_signer_free(c->signer[i]);   /* wipes secrets and keys */
    if (c->owns_creds)
        ddbxo_credentials_provider_free(c->creds);
    free(c->role_arn);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

DDBXO_API const char *ddbxo_client_role_arn(const ddbxo_client *c)
{
    return c ? c->role_arn : NULL;
}

DDBXO_API const char *ddbxo_client_region(const ddbxo_client *c)
{
    return c ? c->region : NULL;
}

DDBXO_API int ddbxo_client_endpoint(const ddbxo_client *c, ddbxo_service svc,
                                    ddbxo_endpoint *out, ddbxo_error *err)
{
    const ddbxo_endpoint *ep = ddbxo__client_endpoint(c, svc);
    if (!ep || !out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "client_endpoint: %s", !c   ? "client is NULL"
                                                 : !ep ? "unknown service"
                                                       : "out is NULL");
    *out = *ep;
    return 0;
}

ddbxo__http *ddbxo__client_http(ddbxo_client *c)
{
    return c->http;
}

int ddbxo__client_max_connections(const ddbxo_client *c)
{
    return c->max_conns;
}

const ddbxo_endpoint *ddbxo__client_endpoint(const ddbxo_client *c,
                                             ddbxo_service svc)
{
    if (!c || (unsigned)svc >= DDBXO__NSERVICES)
        return NULL;
    return &c->ep[svc];
}

ddbxo_credentials_provider *ddbxo__client_creds(ddbxo_client *c)
{
    return c->creds;
}

void ddbxo__client_after_sign(ddbxo_client *c, ddbxo__http_req *req)
{
    if (c->after_sign)
        c->after_sign(c->after_sign_ctx, req);
}

ddbxo_signer *ddbxo__client_signer(ddbxo_client *c, ddbxo_service svc,
                                   ddbxo_credentials *snap, ddbxo_error *err)
{
    const ddbxo_endpoint *ep = ddbxo__client_endpoint(c, svc);
    ddbxo_signer *s;
    int slot, created = 0;

    memset(snap, 0, sizeof *snap);
    if (!ep) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL, "unknown service %d", (int)svc);
        return NULL;
    }
    /* Before every signature: the provider answers from its cache, and
     * refreshes expiring credentials itself. */
    if (ddbxo_credentials_get(c->creds, snap, err) < 0)
        return NULL;
    {
        ddbxo_error w;
        int64_t exp = 0;
        /* Once per failure streak, not once per request. */
        if (ddbxo__creds_provider_warning(c->creds, &w, &exp))
            ddbxo__client_log(c, DDBXO_LOG_WARN,
                              "ddbxo client: refreshing %s credentials "
                              "failed (%s); the current ones stay in use "
                              "until %lld s from now", snap->source ?
                              snap->source : "?", w.message,
                              (long long)(exp - ddbxo__now_wall(NULL)));
    }
    slot = c->slot[svc];
    pthread_mutex_lock(&c->mu);
    if (!(s = c->signer[slot])) {
        ddbxo_sigv4_params p;
        memset(&p, 0, sizeof p);
        p.access_key_id = snap->access_key_id;
        p.secret_access_key = snap->secret_access_key;
        p.session_token = snap->session_token;
        p.region = ep->signing_region;
        p.service = ep->signing_name;
        s = c->signer[slot] = ddbxo_signer_new(&p, err);
        created = 1;
    }
    pthread_mutex_unlock(&c->mu);
    /* A no-op when unchanged, so the signer keeps its cached key. */
    if (s && !created &&
        ddbxo_signer_set_credentials(s, snap->access_key_id,
                                     snap->secret_access_key,
                                     snap->session_token, err) < 0)
        s = NULL;
    if (!s) {
        ddbxo_credentials_clear(snap);
        return NULL;
    }
    if (created)
        ddbxo__client_log(c, DDBXO_LOG_DEBUG,
                          "ddbxo client: signing as %s/%s with credentials "
                          "from %s", ep->signing_name, ep->signing_region,
                          snap->source ? snap->source : "?");
    return s;
}
