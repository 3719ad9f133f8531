/* Internal: the ddbxo_client object shared by lib/ddb*.c and the layers
 * above (apply, batch).
 *
 * A client owns one HTTP transport, the endpoints of the three services
 * (resolved once), one signer per (signing name, signing region) -- so
 * DynamoDB and Streams share one -- and, unless the caller lent one, the
 * credentials provider.  Signers are created on first use because a
 * signer needs credentials and container credentials are fetched lazily.
 */
#ifndef DDBXO_LIB_CLIENT_H
#define DDBXO_LIB_CLIENT_H

#include "auth/config.h"
#include "ddbxo.h"
#include "ddbxo/sys/ddb.h"
#include "ddbxo/sys/sigv4.h"
#include "transport/http.h"

/* Default of ddbxo_client_config.max_connections. */
#define DDBXO_CLIENT_DEFAULT_MAX_CONNECTIONS 32

#define DDBXO__NSERVICES 3

/* Test seams; every NULL member means the real thing. */
typedef struct ddbxo__client_opts {
    const ddbxo__env *env;       /* region/endpoint lookup; NULL = getenv */
    ddbxo__http_hooks http_hooks;/* clocks, sleep, jitter of the transport */
    /* Runs after every signature, before the attempt is sent: tests use it
     * to tamper with a signed request (e.g. swap req->body). */
    void (*after_sign)(void *ctx, ddbxo__http_req *req);
    void *after_sign_ctx;
} ddbxo__client_opts;

/* ddbxo_client_new() with seams (o may be NULL). */
ddbxo_client *ddbxo__client_new_opts(const ddbxo_client_config *cfg,
                                     const ddbxo__client_opts *o,
                                     ddbxo_error *err);

/* The transport (for ddbxo__http_multi_new) and the connection budget the
 * caller configured (a sensible multi width). */
ddbxo__http *ddbxo__client_http(ddbxo_client *c);
int ddbxo__client_max_connections(const ddbxo_client *c);
/* Endpoint of svc (borrowed); NULL for an unknown service. */
const ddbxo_endpoint *ddbxo__client_endpoint(const ddbxo_client *c,
                                             ddbxo_service svc);
ddbxo_credentials_provider *ddbxo__client_creds(ddbxo_client *c);

/* Fresh credentials in *snap (caller clears it with
 * ddbxo_credentials_clear) and the signer for svc, holding them.  The
 * signer lives as long as the client.  NULL + err (from the provider, or
 * DDBXO_E_INVALID/NOMEM from the signer). */
ddbxo_signer *ddbxo__client_signer(ddbxo_client *c, ddbxo_service svc,
                                   ddbxo_credentials *snap, ddbxo_error *err);

/* The test hook of ddbxo__client_opts, run by the ddb layer. */
void ddbxo__client_after_sign(ddbxo_client *c, ddbxo__http_req *req);

/* 1 if a message of this level reaches the log callback. */
int ddbxo__client_log_on(const ddbxo_client *c, int level);
/* Formats one line and hands it to the log callback (if level is on). */
void ddbxo__client_log(const ddbxo_client *c, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
