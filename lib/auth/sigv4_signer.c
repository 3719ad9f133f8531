/* ddbxo_signer: credentials plus the signing key cached per UTC day.
 *
 * The key depends on (secret, date, region, service); region and service
 * are fixed per signer and the secret per credentials record, so the cache
 * is one key per record, keyed by the 8-digit date.  Deriving it is four
 * HMACs -- about as much work as the rest of a signature -- so a Lambda
 * signing thousands of requests a day derives it once.
 *
 * Threads: a mutex guards the current record and its cache for a few
 * instructions per signature; records are reference-counted so
 * set_credentials can replace them while other threads are still signing
 * with the old ones. */
#include "util/error.h"
#include "auth/sigv4.h"
#include "util/buf.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct creds {
    unsigned refs;          /* guarded by the signer's mutex */
    char *akid, *secret, *token;
    char key_date[9];       /* "" = no key cached */
    unsigned char key[DDBXO_SIGV4_KEY_LEN];
} creds;

struct ddbxo_signer {
    pthread_mutex_t mu;
    creds *cur;
    char *region, *service;
    unsigned flags;
    unsigned long derivations;
};

static void creds_free(creds *c)
{
    if (!c)
        return;
    ddbxo__str_wipe_free(c->secret);
    ddbxo__str_wipe_free(c->token); /* not a secret alone, but a credential */
    free(c->akid);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
}

static creds *creds_new(const char *akid, const char *secret,
                        const char *token, ddbxo_error *err)
{
    creds *c;
    if (ddbxo__sv4_check_creds(akid, secret, token, err) < 0)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c || !(c->akid = strdup(akid)) || !(c->secret = strdup(secret)) ||
        (token && *token && !(c->token = strdup(token)))) {
        creds_free(c);
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: out of memory");
        return NULL;
    }
    c->refs = 1;
    return c;
}

static int same(const char *a, const char *b)
{
    if (!a || !*a || !b || !*b)
        return (!a || !*a) && (!b || !*b);
    return strcmp(a, b) == 0;
}

static void release(ddbxo_signer *s, creds *c)
{
    int last;
    pthread_mutex_lock(&s->mu);
    last = --c->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (last)
        creds_free(c);
}

DDBXO_API ddbxo_signer *ddbxo_signer_new(const ddbxo_sigv4_params *p,
                                         ddbxo_error *err)
{
    ddbxo_signer *s;
    if (!p) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL, "sigv4: params is NULL");
        return NULL;
    }
    if (ddbxo__sv4_check_scope(p->region, p->service, err) < 0)
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s || !(s->region = strdup(p->region)) ||
        !(s->service = strdup(p->service))) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "sigv4: out of memory");
        goto fail;
    }
    s->flags = p->flags;
    if (!(s->cur = creds_new(p->access_key_id, p->secret_access_key,
                             p->session_token, err)))
        goto fail;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        ddbxo__err(err, DDBXO_E_INTERNAL, NULL, "sigv4: mutex init failed");
        goto fail;
    }
    return s;
fail:
    if (s) {
        creds_free(s->cur);
        free(s->region);
        free(s->service);
        free(s);
    }
    return NULL;
}

DDBXO_API int ddbxo_signer_set_credentials(ddbxo_signer *s,
                                           const char *access_key_id,
                                           const char *secret_access_key,
                                           const char *session_token,
                                           ddbxo_error *err)
{
    creds *c, *old = NULL;
    if (!s)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "sigv4: signer is NULL");
    /* Callers may pass their current credentials before every request:
     * unchanged ones keep the cached key. */
    pthread_mutex_lock(&s->mu);
    c = s->cur;
    if (same(c->akid, access_key_id) &&
        same(c->secret, secret_access_key) && same(c->token, session_token)) {
        pthread_mutex_unlock(&s->mu);
        return 0;
    }
    pthread_mutex_unlock(&s->mu);

    if (!(c = creds_new(access_key_id, secret_access_key, session_token,
                        err)))
        return -1;
    pthread_mutex_lock(&s->mu);
    old = s->cur;
    s->cur = c;
    old = --old->refs == 0 ? old : NULL;
    pthread_mutex_unlock(&s->mu);
    creds_free(old);
    return 0;
}

DDBXO_API void ddbxo_signer_free(ddbxo_signer *s)
{
    if (!s)
        return;
    /* Signing threads must be done: freeing a signer in use is the
     * caller's bug, as with any other object. */
    if (s->cur && --s->cur->refs == 0)
        creds_free(s->cur);
    pthread_mutex_destroy(&s->mu);
    free(s->region);
    free(s->service);
    free(s);
}

unsigned long ddbxo__signer_derivations(ddbxo_signer *s)
{
    unsigned long n;
    pthread_mutex_lock(&s->mu);
    n = s->derivations;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Takes a reference on the current credentials and copies the signing key
 * for date into key, deriving it on a cache miss.  The derivation runs
 * under the lock: it happens about once a day, and racing threads would
 * otherwise all derive the same key. */
static creds *acquire(ddbxo_signer *s, const char *date, ddbxo__sha *sha,
                      unsigned char key[DDBXO_SIGV4_KEY_LEN],
                      ddbxo_error *err)
{
    creds *c;
    pthread_mutex_lock(&s->mu);
    c = s->cur;
    if (memcmp(c->key_date, date, 8) != 0 || c->key_date[8] != '\0') {
        if (ddbxo__sv4_derive_key(sha, c->secret, date, s->region,
                                  s->service, c->key) < 0) {
            c->key_date[0] = '\0';
            pthread_mutex_unlock(&s->mu);
            ddbxo__err(err, DDBXO_E_INTERNAL, NULL,
                       "sigv4: deriving the signing key failed");
            return NULL;
        }
        memcpy(c->key_date, date, 8);
        c->key_date[8] = '\0';
        s->derivations++;
    }
    memcpy(key, c->key, DDBXO_SIGV4_KEY_LEN);
    c->refs++;
    pthread_mutex_unlock(&s->mu);
    return c;
}

int ddbxo__signer_sign_lines(ddbxo_signer *s, const ddbxo_sigv4_request *req,
                             time_t t, ddbxo__buf *out, ddbxo_error *err)
{
    char date[DDBXO_SIGV4_DATE_BUFSIZE];
    unsigned char key[DDBXO_SIGV4_KEY_LEN];
    ddbxo__sha sha;
    ddbxo__sv4_ctx c;
    creds *cr;
    int rc;

    if (!s || !req || !out)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "sigv4: %s is NULL",
                          !s ? "signer" : !req ? "request" : "out");
    if (ddbxo_sigv4_format_date(t, date, err) < 0)
        return -1;
    if (ddbxo__sha_init(&sha) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL,
                          "sigv4: cannot set up SHA-256");
    if (!(cr = acquire(s, date, &sha, key, err))) {
        ddbxo__sha_free(&sha);
        return -1;
    }
    c.akid = cr->akid;
    c.token = cr->token;
    c.region = s->region;
    c.service = s->service;
    c.amz_date = date;
    c.flags = s->flags;
    c.key = key;
    rc = ddbxo__sv4_sign_lines(&c, req, &sha, out, err);
    OPENSSL_cleanse(key, sizeof key);
    ddbxo__sha_free(&sha);
    release(s, cr);
    return rc;
}

DDBXO_API ddbxo_sigv4_header *ddbxo_signer_sign(ddbxo_signer *s,
                                                const ddbxo_sigv4_request *req,
                                                time_t t, size_t *n,
                                                ddbxo_error *err)
{
    ddbxo__buf out;
    ddbxo_sigv4_header *h = NULL;
    int count;

    if (n)
        *n = 0;
    ddbxo__buf_init(&out);
    count = ddbxo__signer_sign_lines(s, req, t, &out, err);
    if (count > 0)
        h = ddbxo__sv4_lines_to_headers(&out, 0, count, n, err);
    ddbxo__buf_wipe_free(&out);     /* holds the token */
    return h;
}
