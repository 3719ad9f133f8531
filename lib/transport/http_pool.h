/* Internal: one curl easy handle and its attempt, and the pool of idle
 * handles (lib/transport/http_pool.c).  Private to lib/transport/. */
#ifndef DDBXO_LIB_HTTP_POOL_H
#define DDBXO_LIB_HTTP_POOL_H

#include "transport/http_msg.h"

typedef struct ddbxo__http_easy ddbxo__http_easy;

/* Result of one attempt. */
typedef struct ddbxo__http_outcome {
    int ok;                      /* 2xx, CRC fine */
    int cls;                     /* ddbxo__retry_class when !ok */
    int ambiguous;               /* this attempt may have been applied */
    int timed_out;               /* libcurl's timeout fired */
    int resent;                  /* libcurl re-sent it on a new connection */
    ddbxo_error err;             /* filled when !ok */
} ddbxo__http_outcome;

typedef struct ddbxo__http_pool ddbxo__http_pool;

/* The transport's internals the easy-handle code needs (a part of the
 * transport object, lib/transport/http.c). */
typedef struct ddbxo__http_env {
    ddbxo__http_config cfg;      /* resolved; ca_file points into h */
    void *share;                 /* CURLSH * (DNS + TLS session cache) */
    ddbxo__http_pool *pool;
} ddbxo__http_env;

/* Pool of idle easy handles (lib/transport/http_pool.c); each keeps its own
 * connection cache, so a handle taken again reuses its connection. */
ddbxo__http_pool *ddbxo__http_pool_new(int max_idle);
void ddbxo__http_pool_free(ddbxo__http_pool *p);  /* closes idle handles */
/* New connections the pool's handles have opened so far. */
uint64_t ddbxo__http_pool_connects(ddbxo__http_pool *p);
/* An idle handle, or a new one; NULL (err) on no memory. */
ddbxo__http_easy *ddbxo__http_pool_take(ddbxo__http_env *env,
                                        ddbxo_error *err);
/* Back to the free list (or closed when the list is full). */
void ddbxo__http_pool_give(ddbxo__http_env *env, ddbxo__http_easy *e);
ddbxo__http_easy *ddbxo__http_easy_new(ddbxo__http_env *env, ddbxo_error *err);
void ddbxo__http_easy_free(ddbxo__http_easy *e);
void *ddbxo__http_easy_curl(ddbxo__http_easy *e);      /* CURL * */
void ddbxo__http_easy_set_owner(ddbxo__http_easy *e, void *owner);
void *ddbxo__http_easy_owner(ddbxo__http_easy *e);
/* Prepares the handle for one attempt of req with the given timeouts. */
int ddbxo__http_easy_setup(ddbxo__http_env *env, ddbxo__http_easy *e,
                           const ddbxo__http_req *req, int64_t timeout_ms,
                           int64_t connect_ms, ddbxo_error *err);
/* Evaluates the finished attempt (curl_code is its CURLcode): moves the
 * response into resp and classifies it into *out. */
void ddbxo__http_easy_finish(ddbxo__http_env *env, ddbxo__http_easy *e,
                             int curl_code, const ddbxo__http_req *req,
                             ddbxo__http_resp *resp, ddbxo__http_outcome *out);
/* Whether the whole request has left this handle (ambiguity rule). */
int ddbxo__http_easy_fully_sent(ddbxo__http_easy *e,
                                const ddbxo__http_req *req);

#endif
