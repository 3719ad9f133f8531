/* The HTTP transport against the fault server (retries, ambiguity, CRC,
 * deadlines, keep-alive, multi, threads) and against moto (harness). */
#include "transport/http.h"
#include "service/ddb.h"
#include "faultsrv.h"
#include "moto.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* fakes: clock, sleep, jitter                                          */
/* ------------------------------------------------------------------ */

typedef struct fake {
    int64_t now;
    int64_t sleeps[64];
    int nsleeps;
    double jitter;               /* < 0: use the seeded generator */
} fake;

static int64_t fake_clock(void *ctx)
{
    return ((fake *)ctx)->now;
}

static void fake_sleep(void *ctx, int64_t ms)
{
    fake *f = ctx;
    if (f->nsleeps < 64)
        f->sleeps[f->nsleeps++] = ms;
    f->now += ms;
}

static double fake_jitter(void *ctx)
{
    return ((fake *)ctx)->jitter;
}

static fake mkfake(double jitter)
{
    fake f;
    memset(&f, 0, sizeof f);
    f.now = 1700000000000;
    f.jitter = jitter;
    return f;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ddbxo__http *mk_cfg(fake *f, ddbxo__http_config cfg)
{
    ddbxo_error e;
    ddbxo__http *h;
    if (f) {
        cfg.hooks.ctx = f;
        cfg.hooks.sleep_ms = fake_sleep;
        cfg.hooks.mono_ms = fake_clock;
        cfg.hooks.wall_ms = fake_clock;
        if (f->jitter >= 0)
            cfg.hooks.jitter = fake_jitter;
    }
    h = ddbxo__http_new(&cfg, &e);
    ck_assert_msg(h != NULL, "%s", e.message);
    return h;
}

static ddbxo__http *mk(fake *f, ddbxo_retry_config rc)
{
    ddbxo__http_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.retry = rc;
    return mk_cfg(f, cfg);
}

static ddbxo_retry_config rdef(void)
{
    ddbxo_retry_config r;
    memset(&r, 0, sizeof r);
    return r;
}

static ddbxo_retry_config rmax(int n)
{
    ddbxo_retry_config r = rdef();
    r.max_attempts = n;
    return r;
}

static faultsrv *fs_up(void)
{
    char e[256];
    faultsrv *fs = faultsrv_start(e, sizeof e);
    ck_assert_msg(fs != NULL, "%s", e);
    return fs;
}

static faultsrv_action A_ok(void)
{
    return (faultsrv_action){ .kind = FAULTSRV_OK };
}

static faultsrv_action A_err(int status, const char *type)
{
    return (faultsrv_action){ .kind = FAULTSRV_STATUS, .status = status,
                              .error_type = type };
}

static faultsrv_action A_kind(faultsrv_kind k)
{
    return (faultsrv_action){ .kind = k };
}

/* POST body to url with a DynamoDB-like content type. */
/* The requests a client sends carry the service layer's classifier,
 * which knows the AWS error codes (lib/service/ddb_error.c); these
 * requests carry the same knowledge, so throttling codes are retried. */
static int aws_classify(void *ctx, const ddbxo__http_resp *resp,
                        ddbxo_error *err)
{
    int cls = ddbxo__http_classify_default(ctx, resp, err);
    if (cls == DDBXO__RETRY_NEVER && err)
        cls = ddbxo__retry_class_of_code(err->aws_type);
    return cls;
}

static int post_ex(ddbxo__http *h, const char *url, const void *body,
                   size_t len, int64_t deadline, ddbxo__http_resp *resp,
                   ddbxo_error *err)
{
    ddbxo__http_req req;
    int rc;
    ddbxo__http_req_init(&req);
    req.method = "POST";
    req.url = url;
    req.body = body;
    req.body_len = len;
    req.deadline_ms = deadline;
    req.classify = aws_classify;
    ck_assert_int_eq(ddbxo__http_req_set_header(&req, "Content-Type",
                                                "application/x-amz-json-1.0",
                                                NULL), 0);
    ck_assert_int_eq(ddbxo__http_req_set_header(&req, "X-Amz-Target",
                                                "DynamoDB_20120810.PutItem",
                                                NULL), 0);
    ddbxo_error_clear(err);
    rc = ddbxo__http_call(h, &req, resp, err);
    ddbxo__http_req_free(&req);
    return rc;
}

static int post(ddbxo__http *h, const char *url, ddbxo__http_resp *resp,
                ddbxo_error *err)
{
    return post_ex(h, url, "{\"k\":1}", 7, 0, resp, err);
}

static ddbxo__http_stats stats(ddbxo__http *h)
{
    ddbxo__http_stats s;
    ddbxo__http_stats_get(h, &s);
    return s;
}

/* ------------------------------------------------------------------ */
/* retries                                                              */
/* ------------------------------------------------------------------ */

START_TEST(throttle_then_success_seeded_jitter)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(-1);
    ddbxo_retry_config rc = rdef();
    ddbxo__jitter j;
    ddbxo__http_resp resp;
    ddbxo_error err;
    rc.jitter_seed = 42;
    ddbxo__http *h = mk(&f, rc);
    faultsrv_push(fs, A_err(400, "ThrottlingException"));
    faultsrv_push(fs, A_err(400, "ProvisionedThroughputExceededException"));
    faultsrv_push(fs, A_ok());
    ddbxo__http_resp_init(&resp);

    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_int_eq(resp.attempts, 3);
    ck_assert_int_eq(resp.ambiguous, 0);         /* throttles are refusals */
    /* Exact sleeps: the same generator, seeded alike, 1000 ms base. */
    ddbxo__jitter_seed(&j, 42);
    int64_t d1 = (int64_t)(ddbxo__jitter_next(&j) * 1000);
    int64_t d2 = (int64_t)(ddbxo__jitter_next(&j) * 2000);
    ck_assert_int_eq(f.nsleeps, 2);
    ck_assert_int_eq(f.sleeps[0], d1);
    ck_assert_int_eq(f.sleeps[1], d2);
    ck_assert_int_eq(resp.slept_ms, d1 + d2);
    ddbxo__http_stats s = stats(h);
    ck_assert_uint_eq(s.attempts, 3);
    ck_assert_uint_eq(s.retries, 2);
    ck_assert_uint_eq(s.throttled, 2);
    ck_assert_int_eq(s.quota_tokens, 500 - 5 - 5 + 5);
    ck_assert_uint_eq(faultsrv_nreqs(fs), 3);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(throttle_fixed_jitter_exact_sleeps)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    for (int i = 0; i < 3; i++)
        faultsrv_push(fs, A_err(400, "ThrottlingException"));
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 4);
    ck_assert_int_eq(f.nsleeps, 3);
    ck_assert_int_eq(f.sleeps[0], 500);
    ck_assert_int_eq(f.sleeps[1], 1000);
    ck_assert_int_eq(f.sleeps[2], 2000);
    /* Four throttles: the fourth attempt is the last (max 4). */
    for (int i = 0; i < 4; i++)
        faultsrv_push(fs, A_err(400, "RequestLimitExceeded"));
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_int_eq(err.ambiguous, 0);
    ck_assert_str_eq(err.aws_type, "RequestLimitExceeded");
    ck_assert_int_eq(resp.attempts, 4);
    ck_assert_int_eq(resp.status, 400);
    ck_assert_ptr_nonnull(strstr(err.message, "gave up after 4 attempts"));
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(server_errors_then_success)
{
    static const int codes[] = { 500, 502, 503, 504 };
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    for (size_t i = 0; i < 4; i++) {
        f.nsleeps = 0;
        faultsrv_push(fs, A_err(codes[i], NULL));
        faultsrv_push(fs, A_ok());
        ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
        ck_assert_int_eq(resp.attempts, 2);
        ck_assert_int_eq(resp.ambiguous, 1);     /* the 5xx may have applied */
        ck_assert_int_eq(f.nsleeps, 1);
        ck_assert_int_eq(f.sleeps[0], 12);       /* 0.5 * 25 ms */
    }
    ck_assert_int_eq(stats(h).quota_tokens, 500);   /* 14 taken, 14 back */
    /* Exhausted on 500s: the 5xx response is returned, ambiguous. */
    for (int i = 0; i < 4; i++)
        faultsrv_push(fs, A_err(500, "InternalServerError"));
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_AWS);
    ck_assert_int_eq(err.http_status, 500);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_int_eq(err.ambiguous, 1);
    ck_assert_str_eq(err.aws_type, "InternalServerError");
    ck_assert_int_eq(resp.status, 500);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(reset_before_request_is_not_ambiguous)
{
    /* 8 MB cannot fit in the loopback socket buffers, so the RST lands
     * while the body is still being sent. */
    size_t big = 8u << 20;
    char *body = malloc(big);
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h1 = mk(&f, rmax(1)), *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    memset(body, 'x', big);

    faultsrv_push(fs, A_kind(FAULTSRV_DROP_BEFORE));
    ck_assert_int_eq(post_ex(h1, faultsrv_url(fs), body, big, 0, &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_msg(err.ambiguous == 0, "%s", err.message);
    ck_assert_int_eq(resp.status, 0);

    faultsrv_push(fs, A_kind(FAULTSRV_DROP_BEFORE));
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post_ex(h, faultsrv_url(fs), body, big, 0, &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_int_eq(resp.ambiguous, 0);
    const faultsrv_req *r = faultsrv_req_at(fs, 2);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->body_len, big);

    /* Connection refused: nothing listens on the port any more. */
    char url[64];
    snprintf(url, sizeof url, "%s", faultsrv_url(fs));
    faultsrv_stop(fs);
    ck_assert_int_eq(post(h1, url, &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_int_eq(err.ambiguous, 0);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    ddbxo__http_free(h1);
    free(body);
}
END_TEST

START_TEST(reset_after_request_is_ambiguous)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h1 = mk(&f, rmax(1));
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);

    faultsrv_push(fs, A_kind(FAULTSRV_DROP_AFTER));            /* RST */
    ck_assert_int_eq(post(h1, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_msg(err.ambiguous == 1, "%s", err.message);
    ddbxo__http_free(h1);

    h1 = mk(&f, rmax(1));
    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_DROP_AFTER, .fin = 1 });
    ck_assert_int_eq(post(h1, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_msg(err.ambiguous == 1, "%s", err.message);
    ddbxo__http_free(h1);

    /* Retried: succeeds, and the response says an attempt may have
     * applied before. */
    ddbxo__http *h = mk(&f, rdef());
    faultsrv_push(fs, A_kind(FAULTSRV_DROP_AFTER));
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_int_eq(resp.ambiguous, 1);
    ck_assert_uint_eq(faultsrv_nreqs(fs), 4);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(drop_on_reused_connection_is_ambiguous)
{
    /* libcurl re-sends by itself once when a reused connection dies before
     * any response byte; the transport must still report that the first
     * send may have been applied. */
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rmax(1));
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    faultsrv_push(fs, A_ok());
    faultsrv_push(fs, A_kind(FAULTSRV_DROP_AFTER));
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.ambiguous, 0);
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_uint_eq(faultsrv_nreqs(fs), 3);      /* the silent re-send */
    ck_assert_int_eq(resp.ambiguous, 1);
    ck_assert_int_eq(resp.attempts, 1);
    ck_assert_uint_eq(stats(h).resends, 1);
    ck_assert_uint_eq(stats(h).connects, 2);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(crc_mismatch_then_success)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h1 = mk(&f, rmax(1)), *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);

    faultsrv_push(fs, A_ok());                     /* right CRC: verified */
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.has_crc32, 1);
    ck_assert_uint_eq(resp.crc32, 2745614147u);    /* crc32("{}") */
    ck_assert_str_eq(resp.request_id, "faultsrv-1");
    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_OK, .no_crc = 1 });
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.has_crc32, 0);

    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_OK, .bad_crc = 1 });
    ck_assert_int_eq(post(h1, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.http_status, 200);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_int_eq(err.ambiguous, 1);
    ck_assert_ptr_nonnull(strstr(err.message, "x-amz-crc32"));
    ck_assert_int_eq(resp.status, 0);              /* no trusted response */

    f.nsleeps = 0;
    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_OK, .bad_crc = 1 });
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_int_eq(f.sleeps[0], 12);             /* transient base */
    /* A malformed header counts as a mismatch. */
    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_OK, .no_crc = 1,
                                         .headers = "x-amz-crc32: 12ab\r\n" });
    ck_assert_int_eq(post(h1, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    ddbxo__http_free(h1);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(truncated_body)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h1 = mk(&f, rmax(1)), *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    faultsrv_push(fs, A_kind(FAULTSRV_TRUNCATE));
    ck_assert_int_eq(post(h1, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_int_eq(err.ambiguous, 1);
    ck_assert_int_eq(resp.status, 0);
    faultsrv_push(fs, A_kind(FAULTSRV_TRUNCATE));
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_str_eq((char *)resp.body, "{}");
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    ddbxo__http_free(h1);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(retry_after_honoured_and_clamped)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    faultsrv_action a = A_err(503, "ServiceUnavailable");
    a.retry_after = "100";                /* inside [12, 5012]: taken */
    faultsrv_push(fs, a);
    a.retry_after = "0";                  /* below the computed 25: 25 */
    faultsrv_push(fs, a);
    a.retry_after = "60000";              /* above: computed 50 + 5000 */
    faultsrv_push(fs, a);
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 4);
    ck_assert_int_eq(f.nsleeps, 3);
    ck_assert_int_eq(f.sleeps[0], 100);
    ck_assert_int_eq(f.sleeps[1], 25);
    ck_assert_int_eq(f.sleeps[2], 5050);
    /* Throttling base, and a malformed header is ignored. */
    f.nsleeps = 0;
    a = A_err(400, "ThrottlingException");
    a.retry_after = "3000";
    faultsrv_push(fs, a);
    a.retry_after = "soon";
    faultsrv_push(fs, a);
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(f.sleeps[0], 3000);
    ck_assert_int_eq(f.sleeps[1], 1000);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(quota_exhaustion_stops_retries)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo_retry_config rc = rdef();
    ddbxo__http_resp resp;
    ddbxo_error err;
    rc.quota_tokens = 20;
    ddbxo__http *h = mk(&f, rc);
    ddbxo__http_resp_init(&resp);
    faultsrv_set_default(fs, A_err(500, NULL));

    /* 20 tokens: one transient retry (14), then 6 left: none. */
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_ptr_nonnull(strstr(err.message, "quota"));
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(resp.attempts, 1);
    ddbxo__http_stats s = stats(h);
    ck_assert_int_eq(s.quota_tokens, 6);
    ck_assert_uint_eq(s.quota_refused, 2);
    /* A throttling retry (5) still fits, and its success refunds it. */
    faultsrv_push(fs, A_err(400, "ThrottlingException"));
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_int_eq(stats(h).quota_tokens, 6);
    /* First-try successes refill one token each. */
    for (int i = 0; i < 8; i++) {
        faultsrv_push(fs, A_ok());
        ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    }
    ck_assert_int_eq(stats(h).quota_tokens, 14);
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_int_eq(stats(h).quota_tokens, 0);
    /* A refused condition (what every replay gets) is the service
     * answering: it refills like a success; a throttle does not. */
    for (int i = 0; i < 3; i++) {
        faultsrv_push(fs, A_err(400, "ConditionalCheckFailedException"));
        ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
        ck_assert_int_eq(resp.attempts, 1);
        ck_assert_int_eq(err.retryable, 0);
    }
    ck_assert_int_eq(stats(h).quota_tokens, 3);
    faultsrv_push(fs, A_err(400, "ThrottlingException"));
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(resp.attempts, 1);
    ck_assert_int_eq(stats(h).quota_tokens, 3);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(deadline_exhausted_without_sleeping_past_it)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.9);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    faultsrv_set_default(fs, A_err(400, "ThrottlingException"));
    /* 900 ms backoff fits in 1500; the next (1800) would not. */
    ck_assert_int_eq(post_ex(h, faultsrv_url(fs), "{}", 2, f.now + 1500,
                             &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_TIMEOUT);
    ck_assert_int_eq(err.retryable, 1);
    ck_assert_str_eq(err.aws_type, "ThrottlingException");
    ck_assert_int_eq(resp.attempts, 2);
    ck_assert_int_eq(f.nsleeps, 1);
    ck_assert_int_eq(f.sleeps[0], 900);
    ck_assert_int_eq(stats(h).quota_tokens, 495);   /* only the retry made */

    /* Deadline already gone: no attempt at all. */
    size_t before = faultsrv_nreqs(fs);
    ck_assert_int_eq(post_ex(h, faultsrv_url(fs), "{}", 2, f.now - 1, &resp,
                             &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_TIMEOUT);
    ck_assert_int_eq(resp.attempts, 0);
    ck_assert_int_eq(err.ambiguous, 0);
    ck_assert_uint_eq(faultsrv_nreqs(fs), before);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(deadline_bounds_a_slow_attempt)
{
    faultsrv *fs = fs_up();
    ddbxo__http *h = mk(NULL, rdef());           /* real clocks */
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_OK, .delay_ms = 3000 });
    int64_t t0 = wall_ms();
    ck_assert_int_eq(post_ex(h, faultsrv_url(fs), "{}", 2, t0 + 300, &resp,
                             &err), -1);
    int64_t took = wall_ms() - t0;
    ck_assert_int_eq(err.code, DDBXO_E_TIMEOUT);
    ck_assert_int_eq(err.ambiguous, 1);          /* sent, no answer */
    ck_assert_int_eq(resp.attempts, 1);
    ck_assert_msg(took >= 250 && took < 1500, "took %lld ms", (long long)took);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(never_retry_statuses_return_at_once)
{
    static const struct { int status; const char *type; int ambiguous; } cases[] = {
        { 400, "ConditionalCheckFailedException", 0 },
        { 400, "ValidationException", 0 },
        { 400, "TransactionCanceledException", 0 },
        { 400, "TransactionConflictException", 0 },
        { 400, "AccessDeniedException", 0 },
        { 404, NULL, 0 },
        { 501, NULL, 1 },
    };
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        faultsrv_push(fs, A_err(cases[i].status, cases[i].type));
        faultsrv_push(fs, A_ok());              /* must not be reached */
        ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
        ck_assert_int_eq(err.code, DDBXO_E_AWS);
        ck_assert_int_eq(err.retryable, 0);
        ck_assert_int_eq(err.ambiguous, cases[i].ambiguous);
        ck_assert_int_eq(err.http_status, cases[i].status);
        ck_assert_int_eq(resp.status, cases[i].status);
        ck_assert_int_eq(resp.attempts, 1);
        ck_assert_ptr_nonnull(resp.body);
        if (cases[i].type) {
            ck_assert_str_eq(err.aws_type, cases[i].type);
            ck_assert_ptr_nonnull(strstr((char *)resp.body, cases[i].type));
        }
        ck_assert_ptr_nonnull(strstr(err.request_id, "faultsrv-"));
        /* Consume the unused OK so the next case starts clean. */
        ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    }
    ck_assert_int_eq(f.nsleeps, 0);
    /* No x-amzn-ErrorType: the default classifier reads "__type". */
    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_STATUS, .status = 400,
                                         .error_type = "ThrottlingException",
                                         .no_error_header = 1 });
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 2);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

typedef struct cls_ctx {
    int calls;
} cls_ctx;

static int my_classify(void *ctx, const ddbxo__http_resp *resp, ddbxo_error *err)
{
    ((cls_ctx *)ctx)->calls++;
    if (strstr((const char *)resp->body, "Busy")) {
        snprintf(err->aws_type, sizeof err->aws_type, "CustomBusy");
        return DDBXO__RETRY_THROTTLE;
    }
    return DDBXO__RETRY_NEVER;
}

typedef struct prep_ctx {
    int calls;
    int fail_on;
} prep_ctx;

static int my_prepare(void *ctx, ddbxo__http_req *req, ddbxo_error *err)
{
    prep_ctx *p = ctx;
    char v[16];
    p->calls++;
    if (req->attempt == p->fail_on) {
        ddbxo_error_clear(err);
        err->code = DDBXO_E_CONFIG;
        snprintf(err->message, sizeof err->message, "no credentials");
        return -1;
    }
    snprintf(v, sizeof v, "%d", req->attempt);
    return ddbxo__http_req_set_header(req, "X-Attempt", v, err);
}

START_TEST(prepare_and_classify_callbacks)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_req req;
    ddbxo__http_resp resp;
    ddbxo_error err;
    cls_ctx cc = { 0 };
    prep_ctx pc = { 0, 0 };
    char v[16];
    ddbxo__http_resp_init(&resp);
    ddbxo__http_req_init(&req);
    req.method = "POST";
    req.url = faultsrv_url(fs);
    req.body = "{}";
    req.body_len = 2;
    req.prepare = my_prepare;
    req.prepare_ctx = &pc;
    req.classify = my_classify;
    req.classify_ctx = &cc;

    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_STATUS, .status = 400,
                                         .body = "{\"__type\":\"x#Busy\"}" });
    faultsrv_push(fs, A_err(500, NULL));          /* 5xx: not the classifier's */
    faultsrv_push(fs, A_ok());
    ck_assert_int_eq(ddbxo__http_call(h, &req, &resp, &err), 0);
    ck_assert_int_eq(resp.attempts, 3);
    ck_assert_int_eq(cc.calls, 1);
    ck_assert_int_eq(pc.calls, 3);
    ck_assert_int_eq(f.sleeps[0], 500);           /* classified throttle */
    ck_assert_int_eq(f.sleeps[1], 25);            /* 0.5 * 25 * 2 */
    for (size_t i = 0; i < 3; i++) {
        const faultsrv_req *r = faultsrv_req_at(fs, i);
        char want[8];
        snprintf(want, sizeof want, "%zu", i + 1);
        ck_assert_str_eq(faultsrv_req_header(r, "X-Attempt", v, sizeof v), want);
        /* Exactly one X-Attempt: replaced, not appended. */
        ck_assert_ptr_null(strstr(strstr(r->headers, "X-Attempt") + 1, "X-Attempt"));
        /* No Content-Type we did not ask for, no Expect. */
        ck_assert_ptr_null(faultsrv_req_header(r, "Content-Type", v, sizeof v));
        ck_assert_ptr_null(faultsrv_req_header(r, "Expect", v, sizeof v));
    }
    /* prepare failing on attempt 2: its error, not retried, and the
     * ambiguity of attempt 1 (a 500) kept. */
    pc.fail_on = 2;
    faultsrv_push(fs, A_err(500, NULL));
    ck_assert_int_eq(ddbxo__http_call(h, &req, &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_str_eq(err.message, "no credentials");
    ck_assert_int_eq(err.ambiguous, 1);
    ddbxo__http_req_free(&req);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(bad_requests_refused_before_sending)
{
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_req req;
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    /* Cleartext to a non-loopback host: refused without a connection. */
    ck_assert_int_eq(post(h, "http://dynamodb.us-east-1.amazonaws.com/", &resp,
                          &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_CONFIG);
    ck_assert_int_eq(post(h, "ftp://127.0.0.1/", &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(post(h, "not a url", &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_uint_eq(stats(h).attempts, 0);
    /* Header injection and bad names. */
    ddbxo__http_req_init(&req);
    ck_assert_int_eq(ddbxo__http_req_set_header(&req, "X-A", "1\r\nX-B: 2", &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo__http_req_set_header(&req, "X A", "1", &err), -1);
    ck_assert_int_eq(ddbxo__http_req_set_header(&req, "X-A", "1", &err), 0);
    ck_assert_int_eq(ddbxo__http_req_set_header(&req, "x-a", "2", &err), 0);
    ck_assert_uint_eq(req.nhdrs, 1);
    ck_assert_str_eq(ddbxo__http_req_header(&req, "X-A"), "2");
    ck_assert_int_eq(ddbxo__http_req_set_header(&req, "X-A", NULL, &err), 0);
    ck_assert_uint_eq(req.nhdrs, 0);
    ddbxo__http_req_free(&req);
    ddbxo__http_free(h);
}
END_TEST

START_TEST(tls_is_verified_and_limits_hold)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http_config cfg;
    ddbxo__http_resp resp;
    ddbxo_error err;
    char url[64];
    ddbxo__http_resp_init(&resp);
    /* https to a plain-HTTP server: the handshake fails before any
     * request byte, so it is retryable and not ambiguous. */
    memset(&cfg, 0, sizeof cfg);
    cfg.retry.max_attempts = 1;
    ddbxo__http *h = mk_cfg(&f, cfg);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/", faultsrv_port(fs));
    faultsrv_set_default(fs, A_kind(FAULTSRV_DROP_BEFORE));
    ck_assert_int_eq(post(h, url, &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_HTTP);
    ck_assert_int_eq(err.ambiguous, 0);
    ddbxo__http_free(h);
    /* A response over max_response_bytes: DDBXO_E_LIMIT, not retried. */
    cfg.max_response_bytes = 1024;
    cfg.retry.max_attempts = 0;
    h = mk_cfg(&f, cfg);
    char *big = malloc(4097);
    memset(big, 'a', 4096);
    big[4096] = '\0';
    faultsrv_set_default(fs, (faultsrv_action){ .kind = FAULTSRV_OK, .body = big });
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_LIMIT);
    ck_assert_int_eq(err.retryable, 0);
    ck_assert_int_eq(resp.attempts, 1);
    free(big);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

/* ------------------------------------------------------------------ */
/* keep-alive, threads                                                  */
/* ------------------------------------------------------------------ */

START_TEST(keepalive_reuses_one_connection)
{
    faultsrv *fs = fs_up();
    ddbxo__http *h = mk(NULL, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    faultsrv_stats fst;
    ddbxo__http_resp_init(&resp);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    faultsrv_get_stats(fs, &fst);
    ck_assert_uint_eq(fst.requests, 20);
    ck_assert_uint_eq(fst.connections, 1);
    ck_assert_uint_eq(stats(h).connects, 1);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

typedef struct worker {
    ddbxo__http *h;
    const char *url;
    int ok;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    ddbxo__http_resp resp;
    ddbxo_error err;
    ddbxo__http_resp_init(&resp);
    for (int i = 0; i < 25; i++)
        if (post(w->h, w->url, &resp, &err) == 0 && resp.status == 200)
            w->ok++;
    ddbxo__http_resp_free(&resp);
    return NULL;
}

START_TEST(threads_share_one_transport)
{
    enum { N = 8 };
    faultsrv *fs = fs_up();
    ddbxo_retry_config rc = rdef();
    rc.base_throttle_ms = 2;                     /* real sleeps, kept short */
    ddbxo__http *h = mk(NULL, rc);
    pthread_t th[N];
    worker w[N];
    faultsrv_stats fst;
    /* Some throttling so retries and the quota run concurrently too. */
    faultsrv_seed(fs, 99);
    faultsrv_add_rate(fs, 0.1, A_err(400, "ThrottlingException"));
    faultsrv_set_default(fs, A_ok());
    for (int i = 0; i < N; i++) {
        w[i] = (worker){ h, faultsrv_url(fs), 0 };
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(w[i].ok, 25);
    }
    faultsrv_get_stats(fs, &fst);
    ddbxo__http_stats s = stats(h);
    ck_assert_uint_eq(s.calls, N * 25);
    ck_assert_uint_eq(s.attempts, fst.requests);
    /* Each busy thread holds one pooled handle = one connection. */
    ck_assert_uint_le(fst.connections, N);
    ck_assert_uint_eq(s.connects, fst.connections);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

/* ------------------------------------------------------------------ */
/* multi                                                                */
/* ------------------------------------------------------------------ */

typedef struct mslot {
    ddbxo__http_req req;
    ddbxo__http_resp resp;
    int rc, done, code, ambiguous;
    int item, seq, chain_left;
    int *order;                  /* per item: last seq completed */
    int *completions;
    char msg[320];
} mslot;

static void mslot_init(mslot *s, const char *url)
{
    memset(s, 0, sizeof *s);
    ddbxo__http_req_init(&s->req);
    ddbxo__http_resp_init(&s->resp);
    s->req.method = "POST";
    s->req.url = url;
    s->req.body = "{}";
    s->req.body_len = 2;
    s->req.classify = aws_classify;
}

static void mslot_free(mslot *s)
{
    ddbxo__http_req_free(&s->req);
    ddbxo__http_resp_free(&s->resp);
}

static void on_done(void *ctx, ddbxo__http_multi *m, ddbxo__http_req *req,
                    ddbxo__http_resp *resp, int rc, const ddbxo_error *err)
{
    mslot *s = ctx;
    (void)req;
    (void)resp;
    s->rc = rc;
    s->done++;
    s->code = err ? err->code : 0;
    if (err)
        snprintf(s->msg, sizeof s->msg, "%s", err->message);
    s->ambiguous = err ? err->ambiguous : 0;
    if (s->completions)
        (*s->completions)++;
    if (s->order) {
        /* Records of one item in order: this one follows the last. */
        ck_assert_int_eq(s->order[s->item], s->seq - 1);
        s->order[s->item] = s->seq;
        if (rc == 0 && s->chain_left > 0) {      /* submit the next record */
            s->chain_left--;
            s->seq++;
            s->done = 0;
            ck_assert_int_eq(ddbxo__http_multi_submit(m, &s->req, &s->resp,
                                                      on_done, s, NULL), 0);
        }
    }
}

START_TEST(multi_bounded_concurrency_and_reuse)
{
    enum { K = 16, CONNS = 4 };
    faultsrv *fs = fs_up();
    ddbxo__http *h = mk(NULL, rdef());
    ddbxo__http_multi *m;
    ddbxo_error err;
    mslot s[K];
    faultsrv_stats fst;
    faultsrv_set_default(fs, (faultsrv_action){ .kind = FAULTSRV_OK,
                                                .delay_ms = 40 });
    m = ddbxo__http_multi_new(h, CONNS, &err);
    ck_assert_ptr_nonnull(m);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < K; i++) {
            mslot_init(&s[i], faultsrv_url(fs));
            ck_assert_int_eq(ddbxo__http_multi_submit(m, &s[i].req, &s[i].resp,
                                                      on_done, &s[i], &err), 0);
        }
        ck_assert_uint_eq(ddbxo__http_multi_pending(m), K);
        ck_assert_int_eq(ddbxo__http_multi_run(m, 0, &err), 0);
        ck_assert_uint_eq(ddbxo__http_multi_pending(m), 0);
        for (int i = 0; i < K; i++) {
            ck_assert_int_eq(s[i].done, 1);
            ck_assert_int_eq(s[i].rc, 0);
            ck_assert_int_eq(s[i].resp.status, 200);
            mslot_free(&s[i]);
        }
    }
    faultsrv_get_stats(fs, &fst);
    ck_assert_uint_eq(fst.requests, 2 * K);
    ck_assert_uint_le(fst.max_concurrent, CONNS);
    ck_assert_uint_ge(fst.max_concurrent, 2);
    ck_assert_uint_le(fst.connections, CONNS);
    /* The second round opened nothing: steady state, zero reconnects. */
    ck_assert_uint_eq(stats(h).connects, fst.connections);
    ddbxo__http_multi_free(m);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(multi_completion_submits_next_in_chain)
{
    enum { ITEMS = 3, CHAIN = 5 };
    faultsrv *fs = fs_up();
    ddbxo__http *h = mk(NULL, rdef());
    ddbxo__http_multi *m = ddbxo__http_multi_new(h, 2, NULL);
    mslot s[ITEMS];
    int order[ITEMS] = { 0 }, completions = 0;
    for (int i = 0; i < ITEMS; i++) {
        mslot_init(&s[i], faultsrv_url(fs));
        s[i].item = i;
        s[i].seq = 1;
        s[i].chain_left = CHAIN - 1;
        s[i].order = order;
        s[i].completions = &completions;
        ck_assert_int_eq(ddbxo__http_multi_submit(m, &s[i].req, &s[i].resp,
                                                  on_done, &s[i], NULL), 0);
    }
    ck_assert_int_eq(ddbxo__http_multi_run(m, 0, NULL), 0);
    ck_assert_int_eq(completions, ITEMS * CHAIN);
    for (int i = 0; i < ITEMS; i++) {
        ck_assert_int_eq(order[i], CHAIN);
        mslot_free(&s[i]);
    }
    ddbxo__http_multi_free(m);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(multi_retries_with_exact_sleeps)
{
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rdef());
    ddbxo__http_multi *m = ddbxo__http_multi_new(h, 1, NULL);
    mslot s[2];
    faultsrv_push(fs, A_err(500, NULL));
    faultsrv_push(fs, A_err(400, "ThrottlingException"));
    faultsrv_push(fs, A_ok());
    faultsrv_push(fs, A_ok());
    for (int i = 0; i < 2; i++) {
        mslot_init(&s[i], faultsrv_url(fs));
        ck_assert_int_eq(ddbxo__http_multi_submit(m, &s[i].req, &s[i].resp,
                                                  on_done, &s[i], NULL), 0);
    }
    ck_assert_int_eq(ddbxo__http_multi_run(m, 0, NULL), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(s[i].rc, 0);
        ck_assert_int_eq(s[i].resp.attempts, 2);
    }
    ck_assert_int_eq(s[0].resp.ambiguous, 1);     /* after a 500 */
    ck_assert_int_eq(s[1].resp.ambiguous, 0);     /* after a throttle */
    ck_assert_int_eq(s[0].resp.slept_ms, 12);
    ck_assert_int_eq(s[1].resp.slept_ms, 500);
    /* One sleep: the multi slept only while nothing else could run. */
    ck_assert_int_eq(f.nsleeps, 2);
    ck_assert_int_eq(f.sleeps[0], 12);
    ck_assert_int_eq(f.sleeps[1], 500 - 12);
    ck_assert_uint_eq(stats(h).retries, 2);
    for (int i = 0; i < 2; i++)
        mslot_free(&s[i]);
    ddbxo__http_multi_free(m);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(multi_deadline_completes_everything)
{
    enum { K = 4 };
    faultsrv *fs = fs_up();
    ddbxo__http *h = mk(NULL, rdef());
    ddbxo__http_multi *m = ddbxo__http_multi_new(h, 2, NULL);
    mslot s[K];
    faultsrv_set_default(fs, (faultsrv_action){ .kind = FAULTSRV_OK,
                                                .delay_ms = 3000 });
    for (int i = 0; i < K; i++) {
        mslot_init(&s[i], faultsrv_url(fs));
        ck_assert_int_eq(ddbxo__http_multi_submit(m, &s[i].req, &s[i].resp,
                                                  on_done, &s[i], NULL), 0);
    }
    int64_t t0 = wall_ms();
    ck_assert_int_eq(ddbxo__http_multi_run(m, t0 + 300, NULL), 0);
    int64_t took = wall_ms() - t0;
    ck_assert_msg(took >= 250 && took < 1500, "took %lld ms", (long long)took);
    int sent = 0;
    for (int i = 0; i < K; i++) {
        ck_assert_int_eq(s[i].done, 1);
        ck_assert_int_eq(s[i].rc, -1);
        ck_assert_int_eq(s[i].code, DDBXO_E_TIMEOUT);
        ck_assert_int_le(s[i].resp.attempts, 1);
        /* Never started: certainly not applied. */
        if (s[i].resp.attempts == 0)
            ck_assert_msg(s[i].ambiguous == 0, "%d: %s", i, s[i].msg);
        sent += s[i].ambiguous;
        mslot_free(&s[i]);
    }
    /* The two on the wire were sent and never answered. */
    ck_assert_int_ge(sent, 2);
    ck_assert_uint_eq(ddbxo__http_multi_pending(m), 0);
    ddbxo__http_multi_free(m);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

/* ------------------------------------------------------------------ */
/* moto                                                                 */
/* ------------------------------------------------------------------ */

START_TEST(unsigned_post_reaches_moto)
{
    tu_moto *mo = tu_moto_get();
    ddbxo__http *h = mk(NULL, rdef());
    ddbxo__http_resp resp;
    ddbxo_error err;
    char url[128];
    ddbxo__http_resp_init(&resp);
    snprintf(url, sizeof url, "%s/", tu_moto_endpoint(mo));
    /* Unsigned, moto routes it to S3 (docs/moto-gaps.md C4): ListBuckets XML. */
    ck_assert_msg(post_ex(h, url, "{}", 2, 0, &resp, &err) == 0, "%s",
                  err.message);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_ptr_nonnull(strstr((char *)resp.body, "ListAllMyBucketsResult"));
    ck_assert_int_eq(post_ex(h, url, "{}", 2, 0, &resp, &err), 0);
    /* moto's werkzeug answers "Connection: close": a connection each. */
    ck_assert_uint_le(stats(h).connects, 2);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
}
END_TEST

START_TEST(faultsrv_forwards_to_moto)
{
    tu_moto *mo = tu_moto_get();
    faultsrv *fs = fs_up();
    fake f = mkfake(0.5);
    ddbxo__http *h = mk(&f, rmax(1));
    ddbxo__http_resp resp;
    ddbxo_error err;
    faultsrv_stats fst;
    ddbxo__http_resp_init(&resp);
    faultsrv_set_upstream(fs, "127.0.0.1", tu_moto_port(mo));
    /* Default with an upstream: forward. */
    ck_assert_msg(post(h, faultsrv_url(fs), &resp, &err) == 0, "%s", err.message);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_ptr_nonnull(strstr((char *)resp.body, "ListAllMyBucketsResult"));
    /* Applied upstream, answer lost: ambiguous.  The connection was
     * reused, so libcurl re-sends once by itself (forwarded again). */
    faultsrv_push(fs, A_kind(FAULTSRV_FORWARD_DROP));
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), 0);
    ck_assert_int_eq(resp.ambiguous, 1);
    /* On a fresh connection no re-send: the caller sees the failure. */
    ddbxo__http_free(h);
    h = mk(&f, rmax(1));
    faultsrv_push(fs, A_kind(FAULTSRV_FORWARD_DROP));
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_int_eq(err.ambiguous, 1);
    /* Forwarded with a corrupted CRC. */
    faultsrv_push(fs, (faultsrv_action){ .kind = FAULTSRV_FORWARD, .bad_crc = 1 });
    ck_assert_int_eq(post(h, faultsrv_url(fs), &resp, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "x-amz-crc32"));
    faultsrv_get_stats(fs, &fst);
    ck_assert_uint_eq(fst.injected[FAULTSRV_FORWARD], 3);
    ck_assert_uint_eq(fst.injected[FAULTSRV_FORWARD_DROP], 2);
    ddbxo__http_resp_free(&resp);
    ddbxo__http_free(h);
    faultsrv_stop(fs);
}
END_TEST

START_TEST(moto_single_thread_with_env)
{
    static const char *const env[] = { "INITIAL_NO_AUTH_ACTION_COUNT=7", NULL };
    tu_moto_opts o = { .single_thread = 1, .env = env };
    char e[1024], *out = NULL;
    tu_moto *mo = tu_moto_start(&o, e, sizeof e);
    ck_assert_msg(mo != NULL, "%s", e);
    /* reset-auth answers with the previous setting: our env reached it. */
    ck_assert_int_eq(tu_moto_post(mo, "/moto-api/reset-auth", "text/plain",
                                  "inf", &out), 200);
    ck_assert_msg(strstr(out, "\"7") != NULL, "%s", out);   /* "7.0" */
    free(out);
    ck_assert_int_eq(tu_moto_reset(mo), 0);
    tu_moto_stop(mo);
}
END_TEST

START_TEST(moto_without_venv_fails_clearly)
{
    char e[512], *saved = getenv("VENV") ? strdup(getenv("VENV")) : NULL;
    unsetenv("VENV");
    tu_moto *mo = tu_moto_start(NULL, e, sizeof e);
    if (saved)                                   /* CK_FORK=no runs on */
        setenv("VENV", saved, 1);
    free(saved);
    ck_assert_ptr_null(mo);
    ck_assert_ptr_nonnull(strstr(e, "VENV is not set"));
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, throttle_then_success_seeded_jitter);
    tcase_add_test(tc, throttle_fixed_jitter_exact_sleeps);
    tcase_add_test(tc, server_errors_then_success);
    tcase_add_test(tc, reset_before_request_is_not_ambiguous);
    tcase_add_test(tc, reset_after_request_is_ambiguous);
    tcase_add_test(tc, drop_on_reused_connection_is_ambiguous);
    tcase_add_test(tc, crc_mismatch_then_success);
    tcase_add_test(tc, truncated_body);
    tcase_add_test(tc, retry_after_honoured_and_clamped);
    tcase_add_test(tc, quota_exhaustion_stops_retries);
    tcase_add_test(tc, deadline_exhausted_without_sleeping_past_it);
    tcase_add_test(tc, deadline_bounds_a_slow_attempt);
    tcase_add_test(tc, never_retry_statuses_return_at_once);
    tcase_add_test(tc, prepare_and_classify_callbacks);
    tcase_add_test(tc, bad_requests_refused_before_sending);
    tcase_add_test(tc, tls_is_verified_and_limits_hold);
    suite_add_tcase(s, tc);

    tc = tcase_create("pool");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, keepalive_reuses_one_connection);
    tcase_add_test(tc, threads_share_one_transport);
    suite_add_tcase(s, tc);

    tc = tcase_create("multi");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, multi_bounded_concurrency_and_reuse);
    tcase_add_test(tc, multi_completion_submits_next_in_chain);
    tcase_add_test(tc, multi_retries_with_exact_sleeps);
    tcase_add_test(tc, multi_deadline_completes_everything);
    suite_add_tcase(s, tc);

    tc = tcase_create("moto");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tu_moto_suite_setup, NULL);
    tcase_add_checked_fixture(tc, tu_moto_test_reset, NULL);
    tcase_add_test(tc, unsigned_post_reaches_moto);
    tcase_add_test(tc, faultsrv_forwards_to_moto);
    suite_add_tcase(s, tc);

    tc = tcase_create("moto_harness");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, moto_single_thread_with_env);
    tcase_add_test(tc, moto_without_venv_fails_clearly);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(http_suite)
