/* faultsrv: fake, fault-injecting HTTP/1.1 server for tests (see .h). */
#include "faultsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD (64 * 1024)
#define MAX_BODY (64 * 1024 * 1024)

typedef struct conn {
    faultsrv *fs;
    int fd;                      /* -1 once closed (under fs->mu) */
    int id;
    int has_thread;
    pthread_t th;
    struct conn *next;
} conn;

typedef struct rate {
    double p;
    faultsrv_action a;
} rate;

struct faultsrv {
    int lfd, port;
    char url[64];
    pthread_t acceptor;
    volatile int stopping;       /* written under mu, polled by threads */
    pthread_mutex_t mu;
    conn *conns;
    faultsrv_action *script;
    size_t nscript, script_pos, script_cap;
    faultsrv_action dflt;
    int has_dflt;
    rate *rates;
    size_t nrates;
    uint64_t rng;
    char up_host[64];
    int up_port;
    faultsrv_req **reqs;
    size_t nreqs, reqs_cap;
    faultsrv_stats st;
    unsigned in_progress;
};

/* ------------------------------------------------------------------ */
/* helpers                                                              */
/* ------------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static faultsrv_action copy_action(faultsrv_action a)
{
    a.error_type = dup_or_null(a.error_type);
    a.body = dup_or_null(a.body);
    a.headers = dup_or_null(a.headers);
    a.retry_after = dup_or_null(a.retry_after);
    return a;
}

static void free_action(faultsrv_action *a)
{
    free((char *)a->error_type);
    free((char *)a->body);
    free((char *)a->headers);
    free((char *)a->retry_after);
}

static int stopping(faultsrv *fs)
{
    int s;
    pthread_mutex_lock(&fs->mu);
    s = fs->stopping;
    pthread_mutex_unlock(&fs->mu);
    return s;
}

/* Sleeps ms, waking early when the server stops. */
static void nap(faultsrv *fs, int ms)
{
    while (ms > 0 && !stopping(fs)) {
        int step = ms < 10 ? ms : 10;
        struct timespec ts = { 0, step * 1000000L };
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static uint32_t crc32_ieee(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t c = 0xffffffffu;
    /* Bitwise on purpose: an implementation independent of lib/util/crc32.c. */
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

/* Closes c's socket; RST (linger 0) unless fin. */
static void conn_close(conn *c, int fin)
{
    faultsrv *fs = c->fs;
    pthread_mutex_lock(&fs->mu);
    if (c->fd >= 0) {
        if (!fin) {
            struct linger lg = { 1, 0 };
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        close(c->fd);
        c->fd = -1;
    }
    pthread_mutex_unlock(&fs->mu);
}

/* ------------------------------------------------------------------ */
/* reading a request                                                    */
/* ------------------------------------------------------------------ */

typedef struct inbuf {
    char *p;
    size_t len, cap;
} inbuf;

static int in_fill(conn *c, inbuf *b)
{
    ssize_t r;
    if (b->len + 4096 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16384;
        char *p = realloc(b->p, cap + 1);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    do
        r = recv(c->fd, b->p + b->len, b->cap - b->len, 0);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return -1;
    b->len += (size_t)r;
    b->p[b->len] = '\0';
    return 0;
}

/* Waits until the next request starts arriving (or EOF/stop): 0 = data. */
static int wait_readable(conn *c)
{
    for (;;) {
        struct pollfd pf = { c->fd, POLLIN, 0 };
        int r;
        if (stopping(c->fs))
            return -1;
        r = poll(&pf, 1, 50);
        if (r > 0) {
            char ch;
            /* EOF is "readable" too: only real bytes start a request, so
             * a client closing an idle connection consumes no action. */
            if (!(pf.revents & POLLIN) ||
                recv(c->fd, &ch, 1, MSG_PEEK) != 1)
                return -1;
            return 0;
        }
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

static const char *find_header(const char *head, const char *name,
                               char *buf, size_t buflen)
{
    size_t k = strlen(name);
    const char *line = strstr(head, "\r\n");
    while (line && line[2] != '\r' && line[2]) {
        const char *l = line + 2, *end = strstr(l, "\r\n");
        if (!end)
            break;
        if ((size_t)(end - l) > k && l[k] == ':' && strncasecmp(l, name, k) == 0) {
            const char *v = l + k + 1;
            size_t n;
            while (*v == ' ' || *v == '\t')
                v++;
            n = (size_t)(end - v);
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            if (n >= buflen)
                n = buflen - 1;
            memcpy(buf, v, n);
            buf[n] = '\0';
            return buf;
        }
        line = end;
    }
    return NULL;
}

/* Reads one request (head + Content-Length body) from b (carrying over
 * pipelined bytes).  Fills r; 0 on success. */
static int read_request(conn *c, inbuf *b, faultsrv_req *r, size_t *consumed)
{
    char *eoh, tmp[32];
    size_t head_len, clen = 0;
    while (!(eoh = b->len ? strstr(b->p, "\r\n\r\n") : NULL)) {
        if (b->len > MAX_HEAD || in_fill(c, b) < 0)
            return -1;
    }
    head_len = (size_t)(eoh - b->p) + 4;
    r->headers = malloc(head_len + 1);
    if (!r->headers)
        return -1;
    memcpy(r->headers, b->p, head_len);
    r->headers[head_len] = '\0';
    sscanf(r->headers, "%15s %511s", r->method, r->target);
    if (find_header(r->headers, "Content-Length", tmp, sizeof tmp))
        clen = strtoul(tmp, NULL, 10);
    if (clen > MAX_BODY)
        return -1;
    while (b->len < head_len + clen)
        if (in_fill(c, b) < 0)
            return -1;
    r->body = malloc(clen + 1);
    if (!r->body)
        return -1;
    memcpy(r->body, b->p + head_len, clen);
    r->body[clen] = '\0';
    r->body_len = clen;
    *consumed = head_len + clen;
    return 0;
}

/* ------------------------------------------------------------------ */
/* choosing and recording                                               */
/* ------------------------------------------------------------------ */

static double draw(faultsrv *fs)
{
    uint64_t z = (fs->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* The next action (a copy the caller frees), under fs->mu. */
static faultsrv_action next_action(faultsrv *fs)
{
    faultsrv_action a;
    memset(&a, 0, sizeof a);
    if (fs->script_pos < fs->nscript)
        return copy_action(fs->script[fs->script_pos++]);
    if (fs->nrates) {
        double r = draw(fs), acc = 0;
        for (size_t i = 0; i < fs->nrates; i++) {
            acc += fs->rates[i].p;
            if (r < acc)
                return copy_action(fs->rates[i].a);
        }
    }
    if (fs->has_dflt)
        return copy_action(fs->dflt);
    if (fs->up_port)
        a.kind = FAULTSRV_FORWARD;
    return a;
}

/* Stores a copy of r (r stays the caller's).  Called before answering, so
 * a client that got its answer finds the request recorded. */
static void record(faultsrv *fs, const faultsrv_req *r)
{
    faultsrv_req *copy = malloc(sizeof *copy);
    if (copy) {
        *copy = *r;
        copy->headers = r->headers ? strdup(r->headers) : NULL;
        copy->body = malloc(r->body_len + 1);
        if (copy->body) {
            if (r->body)
                memcpy(copy->body, r->body, r->body_len);
            copy->body[r->body_len] = '\0';
        }
    }
    pthread_mutex_lock(&fs->mu);
    if (copy && fs->nreqs == fs->reqs_cap) {
        size_t cap = fs->reqs_cap ? fs->reqs_cap * 2 : 32;
        faultsrv_req **p = realloc(fs->reqs, cap * sizeof *p);
        if (p) {
            fs->reqs = p;
            fs->reqs_cap = cap;
        }
    }
    if (copy && fs->nreqs < fs->reqs_cap) {
        fs->reqs[fs->nreqs++] = copy;
        copy = NULL;
    }
    fs->st.requests++;
    fs->st.injected[r->kind]++;
    pthread_mutex_unlock(&fs->mu);
    if (copy) {
        free(copy->headers);
        free(copy->body);
        free(copy);
    }
}

/* ------------------------------------------------------------------ */
/* answering                                                            */
/* ------------------------------------------------------------------ */

static int respond(conn *c, const faultsrv_action *a, int status,
                   const char *extra, const void *body, size_t blen,
                   size_t send_len, const char *ctype)
{
    char head[4096];
    char crc[32] = "";
    uint32_t v = crc32_ieee(body, blen);
    if (!a->no_crc)
        snprintf(crc, sizeof crc, "x-amz-crc32: %lu\r\n",
                 (unsigned long)(a->bad_crc ? v ^ 0x5a5a5a5au : v));
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\n"
                     "x-amzn-RequestId: faultsrv-%d\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %zu\r\n"
                     "%s%s%s%s%s",
                     status, reason(status), c->id,
                     ctype ? ctype : "application/x-amz-json-1.0", blen, crc,
                     a->retry_after ? "x-amz-retry-after: " : "",
                     a->retry_after ? a->retry_after : "",
                     a->retry_after ? "\r\n" : "", extra ? extra : "");
    if (n < 0 || (size_t)n >= sizeof head - 3)
        return -1;
    n += snprintf(head + n, sizeof head - (size_t)n, "%s\r\n",
                  a->headers ? a->headers : "");
    if ((size_t)n >= sizeof head)
        return -1;
    if (send_all(c->fd, head, (size_t)n) < 0)
        return -1;
    return send_all(c->fd, body, send_len);
}

static int answer_local(conn *c, const faultsrv_action *a)
{
    char body[1024], extra[256] = "";
    const char *b = a->body;
    int status = a->status;
    if (a->kind == FAULTSRV_OK)
        status = 200;
    else if (!status)
        status = a->kind == FAULTSRV_TRUNCATE ? 200 : 500;
    if (!b && a->error_type) {
        snprintf(body, sizeof body,
                 "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\","
                 "\"message\":\"injected by faultsrv\"}", a->error_type);
        b = body;
        if (!a->no_error_header)
            snprintf(extra, sizeof extra, "x-amzn-ErrorType: %s\r\n",
                     a->error_type);
    }
    if (!b && a->kind == FAULTSRV_TRUNCATE)
        b = "{\"Items\":[{\"pk\":{\"S\":\"truncated-by-faultsrv\"}},"
            "{\"pk\":{\"S\":\"padding-padding-padding-padding\"}}]}";
    if (!b && status >= 500)
        b = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
            "InternalServerError\",\"message\":\"injected by faultsrv\"}";
    else if (!b && status >= 300)
        b = "{\"message\":\"injected by faultsrv\"}";
    else if (!b)
        b = "{}";
    size_t blen = strlen(b);
    size_t send_len = a->kind == FAULTSRV_TRUNCATE ? blen / 2 : blen;
    return respond(c, a, status, extra, b, blen, send_len, NULL);
}

/* A minimal client for the upstream: request with Connection: close,
 * response read to EOF.  Returns the raw response (malloc'd) or NULL. */
static char *upstream_exchange(faultsrv *fs, const faultsrv_req *r,
                               size_t *outlen)
{
    struct sockaddr_in sa;
    char *out = NULL, *line, *eol;
    size_t len = 0, cap = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)fs->up_port);
    inet_pton(AF_INET, fs->up_host, &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto fail;
    /* Request line and headers as received, minus Connection. */
    line = r->headers;
    eol = strstr(line, "\r\n");
    if (!eol || send_all(fd, line, (size_t)(eol - line) + 2) < 0)
        goto fail;
    for (line = eol + 2; (eol = strstr(line, "\r\n")) && eol != line;
         line = eol + 2) {
        if (strncasecmp(line, "Connection:", 11) == 0)
            continue;
        if (send_all(fd, line, (size_t)(eol - line) + 2) < 0)
            goto fail;
    }
    if (send_all(fd, "Connection: close\r\n\r\n", 21) < 0 ||
        send_all(fd, r->body, r->body_len) < 0)
        goto fail;
    for (;;) {
        ssize_t n;
        if (len + 4096 > cap) {
            char *p = realloc(out, (cap = cap ? cap * 2 : 65536) + 1);
            if (!p)
                goto fail;
            out = p;
        }
        n = recv(fd, out + len, cap - len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!out)
        return NULL;
    out[len] = '\0';
    *outlen = len;
    return out;
fail:
    close(fd);
    free(out);
    return NULL;
}

/* Decodes a chunked body in place; returns its length. */
static size_t dechunk(char *p, size_t n)
{
    size_t in = 0, out = 0;
    while (in < n) {
        char *end;
        unsigned long sz = strtoul(p + in, &end, 16);
        char *crlf = strstr(p + in, "\r\n");
        if (!crlf || sz == 0)
            break;
        in = (size_t)(crlf - p) + 2;
        if (in + sz > n)
            sz = n - in;
        memmove(p + out, p + in, sz);
        out += sz;
        in += sz + 2;
        (void)end;
    }
    return out;
}

static int answer_forward(conn *c, const faultsrv_action *a,
                          const faultsrv_req *r)
{
    faultsrv *fs = c->fs;
    size_t len = 0, blen;
    char *raw = upstream_exchange(fs, r, &len), *eoh, *body, tmp[32];
    char extra[8192] = "", ctype[128] = "application/json";
    int status = 502;
    faultsrv_action local = *a;
    if (!raw) {
        local.kind = FAULTSRV_STATUS;
        local.status = 502;
        local.body = "{\"message\":\"faultsrv: upstream unreachable\"}";
        return answer_local(c, &local);
    }
    if (a->kind == FAULTSRV_FORWARD_DROP) {     /* applied; answer lost */
        free(raw);
        return -1;
    }
    eoh = strstr(raw, "\r\n\r\n");
    if (!eoh || sscanf(raw, "HTTP/%*s %d", &status) != 1) {
        free(raw);
        return -1;
    }
    *eoh = '\0';
    body = eoh + 4;
    blen = len - (size_t)(body - raw);
    char hdrs_copy[8192];
    snprintf(hdrs_copy, sizeof hdrs_copy, "%s\r\n\r\n", raw);
    if (find_header(hdrs_copy, "Transfer-Encoding", tmp, sizeof tmp) &&
        strcasecmp(tmp, "chunked") == 0)
        blen = dechunk(body, blen);
    else if (find_header(hdrs_copy, "Content-Length", tmp, sizeof tmp) &&
             strtoul(tmp, NULL, 10) < blen)
        blen = strtoul(tmp, NULL, 10);
    find_header(hdrs_copy, "Content-Type", ctype, sizeof ctype);
    /* Pass the upstream's headers through, except the framing ones we
     * redo and those respond() writes itself. */
    static const char *const skip[] = {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length",
        "Content-Type", "x-amz-crc32", "x-amzn-RequestId", "Date", "Server",
    };
    char *line = strstr(hdrs_copy, "\r\n");
    while (line && line[2] != '\r') {
        char *l = line + 2, *end = strstr(l, "\r\n");
        int keep = 1;
        if (!end)
            break;
        for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
            size_t k = strlen(skip[i]);
            if (strncasecmp(l, skip[i], k) == 0 && l[k] == ':')
                keep = 0;
        }
        if (keep && strlen(extra) + (size_t)(end - l) + 3 < sizeof extra)
            strncat(extra, l, (size_t)(end - l) + 2);
        line = end;
    }
    /* x-amz-crc32 is recomputed (right, or wrong when asked): only
     * DynamoDB responses carry one upstream; we always send one unless
     * no_crc. */
    int rc = respond(c, a, status, extra, body, blen, blen, ctype);
    free(raw);
    return rc;
}

/* ------------------------------------------------------------------ */
/* connection thread                                                    */
/* ------------------------------------------------------------------ */

static void in_progress(faultsrv *fs, int delta)
{
    pthread_mutex_lock(&fs->mu);
    if (delta > 0) {
        fs->in_progress++;
        if (fs->in_progress > fs->st.max_concurrent)
            fs->st.max_concurrent = fs->in_progress;
    } else {
        fs->in_progress--;
    }
    pthread_mutex_unlock(&fs->mu);
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    faultsrv *fs = c->fs;
    inbuf b = { 0 };
    for (;;) {
        faultsrv_req r;
        faultsrv_action a;
        size_t used = 0;
        int rc = 0, keep = 1;
        char tmp[32];

        if (b.len == 0 && wait_readable(c) < 0)
            break;
        memset(&r, 0, sizeof r);
        r.conn = c->id;
        pthread_mutex_lock(&fs->mu);
        a = next_action(fs);
        pthread_mutex_unlock(&fs->mu);
        r.kind = a.kind;
        if (a.kind == FAULTSRV_DROP_BEFORE) {
            record(fs, &r);
            conn_close(c, a.fin);
            free_action(&a);
            break;
        }
        if (read_request(c, &b, &r, &used) < 0) {
            free(r.headers);
            free(r.body);
            free_action(&a);
            break;
        }
        in_progress(fs, 1);
        if (find_header(r.headers, "Connection", tmp, sizeof tmp) &&
            strcasecmp(tmp, "close") == 0)
            keep = 0;
        memmove(b.p, b.p + used, b.len - used);
        b.len -= used;
        record(fs, &r);
        if (a.delay_ms)
            nap(fs, a.delay_ms);
        in_progress(fs, -1);             /* before the client can see it */
        switch (a.kind) {
        case FAULTSRV_DROP_AFTER:
            rc = -1;
            break;
        case FAULTSRV_FORWARD:
        case FAULTSRV_FORWARD_DROP:
            rc = answer_forward(c, &a, &r);
            break;
        case FAULTSRV_TRUNCATE:
            answer_local(c, &a);
            rc = -1;
            keep = 0;
            a.fin = 1;                   /* the client must see a clean EOF */
            break;
        default:
            rc = answer_local(c, &a);
        }
        free(r.headers);
        free(r.body);
        if (rc < 0 || !keep) {
            conn_close(c, a.fin || (rc == 0 && !keep));
            free_action(&a);
            break;
        }
        free_action(&a);
    }
    free(b.p);
    conn_close(c, 1);
    return NULL;
}

static void *accept_main(void *arg)
{
    faultsrv *fs = arg;
    int next_id = 1;
    while (!stopping(fs)) {
        struct pollfd pf = { fs->lfd, POLLIN, 0 };
        int fd, one = 1;
        conn *c;
        if (poll(&pf, 1, 50) <= 0)
            continue;
        fd = accept(fs->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fs = fs;
        c->fd = fd;
        c->id = next_id++;
        pthread_mutex_lock(&fs->mu);
        c->next = fs->conns;
        fs->conns = c;
        fs->st.connections++;
        pthread_mutex_unlock(&fs->mu);
        if (pthread_create(&c->th, NULL, conn_main, c) == 0)
            c->has_thread = 1;
        else
            conn_close(c, 0);
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* public                                                               */
/* ------------------------------------------------------------------ */

static faultsrv *fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (errbuf && errlen) {
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

faultsrv *faultsrv_start(char *errbuf, size_t errlen)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int one = 1;
    faultsrv *fs = calloc(1, sizeof *fs);
    if (!fs)
        return fail(errbuf, errlen, "faultsrv: out of memory");
    pthread_mutex_init(&fs->mu, NULL);
    fs->rng = 1;
    fs->lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fs->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fs->lfd < 0 || bind(fs->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fs->lfd, 128) < 0 ||
        getsockname(fs->lfd, (struct sockaddr *)&sa, &sl) < 0) {
        int e = errno;
        if (fs->lfd >= 0)
            close(fs->lfd);
        free(fs);
        return fail(errbuf, errlen, "faultsrv: listen: %s", strerror(e));
    }
    fs->port = ntohs(sa.sin_port);
    snprintf(fs->url, sizeof fs->url, "http://127.0.0.1:%d/", fs->port);
    if (pthread_create(&fs->acceptor, NULL, accept_main, fs) != 0) {
        close(fs->lfd);
        free(fs);
        return fail(errbuf, errlen, "faultsrv: pthread_create failed");
    }
    return fs;
}

void faultsrv_stop(faultsrv *fs)
{
    conn *c, *n;
    if (!fs)
        return;
    pthread_mutex_lock(&fs->mu);
    fs->stopping = 1;
    pthread_mutex_unlock(&fs->mu);
    pthread_join(fs->acceptor, NULL);
    close(fs->lfd);
    /* Wake threads blocked in recv/send; each closes its own socket. */
    pthread_mutex_lock(&fs->mu);
    for (c = fs->conns; c; c = c->next)
        if (c->fd >= 0)
            shutdown(c->fd, SHUT_RDWR);
    pthread_mutex_unlock(&fs->mu);
    for (c = fs->conns; c; c = n) {
        n = c->next;
        if (c->has_thread)
            pthread_join(c->th, NULL);
        free(c);
    }
    for (size_t i = 0; i < fs->nscript; i++)
        free_action(&fs->script[i]);
    free(fs->script);
    for (size_t i = 0; i < fs->nrates; i++)
        free_action(&fs->rates[i].a);
    free(fs->rates);
    if (fs->has_dflt)
        free_action(&fs->dflt);
    for (size_t i = 0; i < fs->nreqs; i++) {
        free(fs->reqs[i]->headers);
        free(fs->reqs[i]->body);
        free(fs->reqs[i]);
    }
    free(fs->reqs);
    pthread_mutex_destroy(&fs->mu);
    free(fs);
}

int faultsrv_port(const faultsrv *fs) { return fs->port; }
const char *faultsrv_url(const faultsrv *fs) { return fs->url; }

void faultsrv_push(faultsrv *fs, faultsrv_action a)
{
    faultsrv_script(fs, &a, 1);
}

void faultsrv_script(faultsrv *fs, const faultsrv_action *a, size_t n)
{
    pthread_mutex_lock(&fs->mu);
    for (size_t i = 0; i < n; i++) {
        if (fs->nscript == fs->script_cap) {
            size_t cap = fs->script_cap ? fs->script_cap * 2 : 16;
            faultsrv_action *p = realloc(fs->script, cap * sizeof *p);
            if (!p)
                break;
            fs->script = p;
            fs->script_cap = cap;
        }
        fs->script[fs->nscript++] = copy_action(a[i]);
    }
    pthread_mutex_unlock(&fs->mu);
}

void faultsrv_set_default(faultsrv *fs, faultsrv_action a)
{
    pthread_mutex_lock(&fs->mu);
    if (fs->has_dflt)
        free_action(&fs->dflt);
    fs->dflt = copy_action(a);
    fs->has_dflt = 1;
    pthread_mutex_unlock(&fs->mu);
}

void faultsrv_add_rate(faultsrv *fs, double p, faultsrv_action a)
{
    pthread_mutex_lock(&fs->mu);
    rate *r = realloc(fs->rates, (fs->nrates + 1) * sizeof *r);
    if (r) {
        fs->rates = r;
        fs->rates[fs->nrates].p = p;
        fs->rates[fs->nrates].a = copy_action(a);
        fs->nrates++;
    }
    pthread_mutex_unlock(&fs->mu);
}

void faultsrv_seed(faultsrv *fs, uint64_t seed)
{
    pthread_mutex_lock(&fs->mu);
    fs->rng = seed;
    pthread_mutex_unlock(&fs->mu);
}

void faultsrv_set_upstream(faultsrv *fs, const char *host, int port)
{
    pthread_mutex_lock(&fs->mu);
    snprintf(fs->up_host, sizeof fs->up_host, "%s", host);
    fs->up_port = port;
    pthread_mutex_unlock(&fs->mu);
}

void faultsrv_get_stats(faultsrv *fs, faultsrv_stats *out)
{
    pthread_mutex_lock(&fs->mu);
    *out = fs->st;
    pthread_mutex_unlock(&fs->mu);
}

size_t faultsrv_nreqs(faultsrv *fs)
{
    size_t n;
    pthread_mutex_lock(&fs->mu);
    n = fs->nreqs;
    pthread_mutex_unlock(&fs->mu);
    return n;
}

const faultsrv_req *faultsrv_req_at(faultsrv *fs, size_t i)
{
    const faultsrv_req *r = NULL;
    pthread_mutex_lock(&fs->mu);
    if (i < fs->nreqs)
        r = fs->reqs[i];
    pthread_mutex_unlock(&fs->mu);
    return r;
}

const char *faultsrv_req_header(const faultsrv_req *r, const char *name,
                                char *buf, size_t buflen)
{
    if (!r || !r->headers)
        return NULL;
    return find_header(r->headers, name, buf, buflen);
}
