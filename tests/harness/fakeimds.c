/* fakeimds: see fakeimds.h.  A test fake, not an IMDS. */
#include "fakeimds.h"
#include "listener.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct fakeimds {
    tu_listener *l;
    int port;
    pthread_mutex_t mu;
    char role[64];
    long exp_offset;
    char url[64];
    char token[64];
    int ntokens;
    fakeimds_stats st;
};

/* Value of header name in the request block, or NULL (into buf). */
static const char *hdr(const char *req, const char *name, char *buf, size_t n)
{
    const char *p = req;
    size_t nl = strlen(name);
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1, *e;
            while (*v == ' ')
                v++;
            e = strstr(v, "\r\n");
            if (!e || (size_t)(e - v) >= n)
                return NULL;
            memcpy(buf, v, (size_t)(e - v));
            buf[e - v] = '\0';
            return buf;
        }
    }
    return NULL;
}

static void answer(int c, int status, const char *body)
{
    char out[4096];
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s", status, strlen(body), body);
    tu_send_all(c, out, n < (int)sizeof out ? (size_t)n : sizeof out - 1);
}

static void serve(void *ctx, int c)
{
    fakeimds *f = ctx;
    char req[8192], method[8], path[256], v[128], body[1024], exp[32];
    const char *base = "/latest/meta-data/iam/security-credentials/";
    struct tm tm;
    time_t t;

    tu_recv_head(c, req, sizeof req);
    if (sscanf(req, "%7s %255s", method, path) != 2) {
        answer(c, 400, "");
        return;
    }
    pthread_mutex_lock(&f->mu);
    if (strcmp(method, "PUT") == 0 && strcmp(path, "/latest/api/token") == 0) {
        const char *ttl = hdr(req, "X-aws-ec2-metadata-token-ttl-seconds", v, sizeof v);
        long s = ttl ? strtol(ttl, NULL, 10) : 0;
        if (s < 1 || s > 21600) {
            answer(c, 400, "");
        } else {
            snprintf(f->token, sizeof f->token, "IMDSTOKEN%d", ++f->ntokens);
            f->st.token_puts++;
            answer(c, 200, f->token);
        }
    } else if (strcmp(method, "GET") != 0) {
        answer(c, 405, "");
    } else if (!f->token[0] || !hdr(req, "X-aws-ec2-metadata-token", v, sizeof v) ||
               strcmp(v, f->token) != 0) {
        f->st.unauthorized++;
        answer(c, 401, "");
    } else if (strcmp(path, base) == 0) {
        answer(c, f->role[0] ? 200 : 404, f->role);
    } else if (f->role[0] && strncmp(path, base, strlen(base)) == 0 &&
               strcmp(path + strlen(base), f->role) == 0) {
        f->st.creds_gets++;
        t = time(NULL) + f->exp_offset;
        gmtime_r(&t, &tm);
        strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(body, sizeof body,
                 "{\"Code\":\"Success\",\"LastUpdated\":\"2025-01-01T00:00:00Z\","
                 "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"AKIDIMDS%d\","
                 "\"SecretAccessKey\":\"SECRETIMDS%d\",\"Token\":\"TOKENIMDS%d\","
                 "\"Expiration\":\"%s\"}", f->st.creds_gets, f->st.creds_gets,
                 f->st.creds_gets, exp);
        answer(c, 200, body);
    } else {
        answer(c, 404, "");
    }
    pthread_mutex_unlock(&f->mu);
}

fakeimds *fakeimds_start(const char *role, long exp_offset)
{
    fakeimds *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    pthread_mutex_init(&f->mu, NULL);
    snprintf(f->role, sizeof f->role, "%s", role);
    f->exp_offset = exp_offset;
    if (!(f->l = tu_listener_start(serve, f))) {
        free(f);
        return NULL;
    }
    f->port = tu_listener_port(f->l);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", f->port);
    return f;
}

void fakeimds_stop(fakeimds *f)
{
    if (!f)
        return;
    tu_listener_stop(f->l);
    free(f);
}

const char *fakeimds_url(const fakeimds *f)
{
    return f->url;
}

void fakeimds_get_stats(fakeimds *f, fakeimds_stats *out)
{
    pthread_mutex_lock(&f->mu);
    *out = f->st;
    pthread_mutex_unlock(&f->mu);
}
