/* SigV4: the official suite (every header-signing case, each step compared
 * with its own file), botocore parity on generated DynamoDB requests, the
 * signer's key cache and threads, and the error paths. */
#define _GNU_SOURCE /* timegm */
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/buf.h"
#include "ddbxo.h"
#include "ddbxo/sys/sigv4.h"
#include "util/sha256.h"
#include "auth/sigv4.h"
#include "testutil.h"

/* The suite as shipped in tests/data/sigv4 (README.md there). */
#define SUITE_CASES 38
#define ORIGINAL_CASES 4
#define PARITY_SEED 20261127
#define PARITY_COUNT 300

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE "20150830T123600Z"
#define SUITE_TIME ((time_t)1440938160) /* 2015-08-30T12:36:00Z */

/* ------------------------------------------------------------ helpers */

/* Also used while building the suite, outside any test: no ck_assert. */
static char *path2(const char *a, const char *b)
{
    char *p;
    if (asprintf(&p, "%s/%s", a, b) < 0)
        abort();
    return p;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the sub-directories of dir that hold file `marker`
 * (marker may contain "%s" for the directory's own name). */
static size_t list_cases(const char *dir, const char *marker, char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t n = 0;
    *out = NULL;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char *sub, *m, *f;
        if (e->d_name[0] == '.')
            continue;
        sub = path2(dir, e->d_name);
        if (asprintf(&m, marker, e->d_name) < 0)
            abort();
        f = path2(sub, m);
        if (is_dir(sub) && is_file(f)) {
            v = realloc(v, (n + 1) * sizeof *v);
            v[n++] = strdup(e->d_name);
        }
        free(sub);
        free(m);
        free(f);
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_str);
    *out = v;
    return n;
}

/* A parsed raw HTTP request (request.txt / .req): method SP target SP
 * version, "Name:value" lines (indented lines continue the previous value),
 * a blank line, the body. */
typedef struct raw_req {
    char *text;
    char *method, *path, *query;
    ddbxo_sigv4_header h[32];
    size_t nh;
    char *body;
    size_t body_len;
} raw_req;

static void parse_request(raw_req *r, char *text, size_t len)
{
    char *line, *next, *end = text + len, *sp1, *sp2;
    memset(r, 0, sizeof *r);
    r->text = text;
    next = strchr(text, '\n');
    ck_assert_ptr_nonnull(next);
    *next++ = '\0';
    /* The target may hold spaces ("/example space/"): split on the first
     * and last space. */
    sp1 = strchr(text, ' ');
    sp2 = strrchr(text, ' ');
    ck_assert(sp1 && sp2 && sp1 < sp2);
    *sp1 = *sp2 = '\0';
    r->method = text;
    r->path = sp1 + 1;
    if ((r->query = strchr(r->path, '?')))
        *r->query++ = '\0';
    for (line = next; line && line < end; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (*line == '\0') { /* blank line: the body follows */
            r->body = next ? next : end;
            r->body_len = (size_t)(end - r->body);
            break;
        }
        if (*line == ' ' || *line == '\t') {
            /* Folded value: rejoin with the newline (the signer must
             * collapse it); the line memory is contiguous. */
            ck_assert_uint_gt(r->nh, 0);
            line[-1] = '\n';
            continue;
        }
        char *colon = strchr(line, ':');
        ck_assert_ptr_nonnull(colon);
        *colon = '\0';
        ck_assert_uint_lt(r->nh, 32);
        r->h[r->nh].name = line;
        r->h[r->nh].value = colon + 1;
        r->nh++;
    }
}

static void to_sigv4_request(const raw_req *r, ddbxo_sigv4_request *q)
{
    memset(q, 0, sizeof *q);
    q->method = r->method;
    q->path = r->path;
    q->query = r->query;
    q->headers = r->h;
    q->n_headers = r->nh;
    q->body = r->body;
    q->body_len = r->body_len;
}

/* The value of header `name` in a signed-request file (first match). */
static char *signed_header(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
            const char *e = strchr(l, '\n');
            return strndup(l + n + 1, e ? (size_t)(e - l - n - 1) : strlen(l + n + 1));
        }
    }
    return NULL;
}

static const char *find_header(const ddbxo_sigv4_header *h, const char *name)
{
    for (; h && h->name; h++)
        if (strcasecmp(h->name, name) == 0)
            return h->value;
    return NULL;
}

/* Mismatch report: which case and which file, both texts on stderr. */
typedef struct report {
    char list[2048];
    int n;
} report;

static void check_eq(report *rp, const char *cs, const char *what,
                     const char *want, const char *got)
{
    if (got && want && strcmp(want, got) == 0)
        return;
    rp->n++;
    size_t l = strlen(rp->list);
    snprintf(rp->list + l, sizeof rp->list - l, " %s:%s", cs, what);
    fprintf(stderr, "MISMATCH %s %s\n--- want\n%s\n--- got\n%s\n---\n", cs,
            what, want ? want : "(null)", got ? got : "(null)");
}

/* ------------------------------------------------------------ the suite */

static char **g_cases;
static size_t g_ncases;
static char **g_orig;
static size_t g_norig;
static char *g_suite_dir, *g_orig_dir;

static void discover(void)
{
    char **top;
    size_t ntop;
    g_suite_dir = path2(tu_testdata(), "sigv4");
    g_orig_dir = path2(g_suite_dir, "original-format-botocore");
    g_ncases = list_cases(g_suite_dir, "context.json", &g_cases);
    /* Original layout: <case>/<case>.req, possibly one group level down
     * (post-sts-token/). */
    g_norig = list_cases(g_orig_dir, "%s.req", &g_orig);
    ntop = list_cases(g_orig_dir, "readme.txt", &top);
    for (size_t i = 0; i < ntop; i++) {
        char *grp = path2(g_orig_dir, top[i]), **sub;
        size_t ns = list_cases(grp, "%s.req", &sub);
        for (size_t j = 0; j < ns; j++) {
            g_orig = realloc(g_orig, (g_norig + 1) * sizeof *g_orig);
            g_orig[g_norig++] = path2(top[i], sub[j]);
            free(sub[j]);
        }
        free(sub);
        free(grp);
        free(top[i]);
    }
    free(top);
}

START_TEST(test_suite_count)
{
    ck_assert_msg(g_ncases == SUITE_CASES,
                  "found %zu suite cases in %s, expected %d", g_ncases,
                  g_suite_dir, SUITE_CASES);
    ck_assert_msg(g_norig == ORIGINAL_CASES,
                  "found %zu original-format cases in %s, expected %d",
                  g_norig, g_orig_dir, ORIGINAL_CASES);
}
END_TEST

static char *case_file(const char *cs, const char *file)
{
    char rel[512];
    snprintf(rel, sizeof rel, "sigv4/%s/%s", cs, file);
    return tu_read_testdata(rel, NULL);
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Runs every step for one request and compares each with its file;
 * want_* may be NULL when the layout has no such file. */
static void run_steps(report *rp, const char *cs, const ddbxo_sigv4_request *q,
                      const ddbxo_sigv4_params *p, const char *want_cr,
                      const char *want_sts, const char *want_sig,
                      const char *want_auth, const char *signed_req)
{
    ddbxo_error err;
    unsigned char key[DDBXO_SIGV4_KEY_LEN];
    char sig[DDBXO_SIGV4_HEX_BUFSIZE] = "";
    char *cr, *sts = NULL, *auth = NULL;
    ddbxo_sigv4_header *h;
    ddbxo_signer *s;

    cr = ddbxo_sigv4_canonical_request(q, p, &err);
    ck_assert_msg(cr != NULL, "%s: %s", cs, err.message);
    check_eq(rp, cs, "canonical-request", want_cr, cr);
    sts = ddbxo_sigv4_string_to_sign(cr, p, &err);
    ck_assert_msg(sts != NULL, "%s: %s", cs, err.message);
    if (want_sts)
        check_eq(rp, cs, "string-to-sign", want_sts, sts);
    ck_assert_int_eq(ddbxo_sigv4_signing_key(p, key, &err), 0);
    ck_assert_int_eq(ddbxo_sigv4_signature(key, sts, sig, &err), 0);
    if (want_sig)
        check_eq(rp, cs, "signature", want_sig, sig);
    auth = ddbxo_sigv4_authorization(q, p, sig, &err);
    ck_assert_msg(auth != NULL, "%s: %s", cs, err.message);
    check_eq(rp, cs, "authorization", want_auth, auth);

    /* All steps at once, one-shot and through a signer. */
    h = ddbxo_sigv4_sign(q, p, NULL, &err);
    ck_assert_msg(h != NULL, "%s: %s", cs, err.message);
    check_eq(rp, cs, "sign:Authorization", want_auth,
             find_header(h, "Authorization"));
    if (signed_req) {
        const char *names[] = { "X-Amz-Date", "X-Amz-Security-Token",
                                "x-amz-content-sha256" };
        for (int i = 0; i < 3; i++) {
            char *w = signed_header(signed_req, names[i]);
            char what[64];
            snprintf(what, sizeof what, "sign:%s", names[i]);
            if (w || find_header(h, names[i]))
                check_eq(rp, cs, what, w, find_header(h, names[i]));
            free(w);
        }
    }
    ddbxo_sigv4_headers_free(h);
    s = ddbxo_signer_new(p, &err);
    ck_assert_msg(s != NULL, "%s: %s", cs, err.message);
    h = ddbxo_signer_sign(s, q, SUITE_TIME, NULL, &err);
    ck_assert_msg(h != NULL, "%s: %s", cs, err.message);
    check_eq(rp, cs, "signer:Authorization", want_auth,
             find_header(h, "Authorization"));
    ddbxo_sigv4_headers_free(h);
    ddbxo_signer_free(s);
    free(cr);
    free(sts);
    free(auth);
}

START_TEST(test_suite_case)
{
    const char *cs;
    char *ctx_text, *req_text, *want_cr, *want_sts, *want_sig, *signed_req;
    char *want_auth, date[17];
    size_t req_len;
    json_t *ctx, *cred;
    json_error_t je;
    raw_req r;
    ddbxo_sigv4_request q;
    ddbxo_sigv4_params p;
    report rp = { "", 0 };

    ck_assert_uint_lt((size_t)_i, g_ncases);
    cs = g_cases[_i];
    ctx_text = case_file(cs, "context.json");
    ctx = json_loads(ctx_text, 0, &je);
    ck_assert_msg(ctx != NULL, "%s/context.json: %s", cs, je.text);
    cred = json_object_get(ctx, "credentials");
    ck_assert_ptr_nonnull(cred);

    memset(&p, 0, sizeof p);
    p.access_key_id = jstr(cred, "access_key_id");
    p.secret_access_key = jstr(cred, "secret_access_key");
    p.session_token = jstr(cred, "token");
    p.region = jstr(ctx, "region");
    p.service = jstr(ctx, "service");
    /* "2015-08-30T12:36:00Z" -> "20150830T123600Z" */
    const char *ts = jstr(ctx, "timestamp");
    ck_assert_ptr_nonnull(ts);
    ck_assert_int_eq(sscanf(ts, "%4c-%2c-%2cT%2c:%2c:%2cZ", date, date + 4,
                            date + 6, date + 9, date + 11, date + 13), 6);
    date[8] = 'T';
    date[15] = 'Z';
    date[16] = '\0';
    p.amz_date = date;
    if (json_is_false(json_object_get(ctx, "normalize")))
        p.flags |= DDBXO_SIGV4_NO_NORMALIZE_PATH;
    if (json_is_true(json_object_get(ctx, "sign_body")))
        p.flags |= DDBXO_SIGV4_CONTENT_SHA256;
    if (json_is_true(json_object_get(ctx, "omit_session_token")))
        p.flags |= DDBXO_SIGV4_UNSIGNED_TOKEN;

    char rel[512];
    snprintf(rel, sizeof rel, "sigv4/%s/request.txt", cs);
    req_text = tu_read_testdata(rel, &req_len);
    parse_request(&r, req_text, req_len);
    to_sigv4_request(&r, &q);

    want_cr = case_file(cs, "header-canonical-request.txt");
    want_sts = case_file(cs, "header-string-to-sign.txt");
    want_sig = case_file(cs, "header-signature.txt");
    signed_req = case_file(cs, "header-signed-request.txt");
    want_auth = signed_header(signed_req, "Authorization");
    ck_assert_ptr_nonnull(want_auth);

    run_steps(&rp, cs, &q, &p, want_cr, want_sts, want_sig, want_auth,
              signed_req);
    ck_assert_msg(rp.n == 0, "%d mismatch(es):%s", rp.n, rp.list);

    json_decref(ctx);
    free(ctx_text);
    free(req_text);
    free(want_cr);
    free(want_sts);
    free(want_sig);
    free(signed_req);
    free(want_auth);
}
END_TEST

/* botocore's copy of the suite in the original layout: the form-encoded
 * cases there hash the body without adding x-amz-content-sha256 -- the way
 * DynamoDB requests are signed. */
START_TEST(test_original_case)
{
    const char *cs, *base;
    char rel[512], *req_text, *want_cr, *want_sts, *want_auth;
    size_t req_len;
    raw_req r;
    ddbxo_sigv4_request q;
    ddbxo_sigv4_params p;
    report rp = { "", 0 };
    const char *token = NULL, *date = NULL;

    ck_assert_uint_lt((size_t)_i, g_norig);
    cs = g_orig[_i];
    base = strrchr(cs, '/') ? strrchr(cs, '/') + 1 : cs;
#define ORIG(ext)                                                            \
    (snprintf(rel, sizeof rel, "sigv4/original-format-botocore/%s/%s." ext,  \
              cs, base),                                                     \
     rel)
    req_text = tu_read_testdata(ORIG("req"), &req_len);
    want_cr = tu_read_testdata(ORIG("creq"), NULL);
    want_sts = tu_read_testdata(ORIG("sts"), NULL);
    want_auth = tu_read_testdata(ORIG("authz"), NULL);
#undef ORIG
    parse_request(&r, req_text, req_len);
    to_sigv4_request(&r, &q);
    /* This layout already carries the date and token headers. */
    for (size_t i = 0; i < r.nh; i++) {
        if (strcasecmp(r.h[i].name, "X-Amz-Date") == 0)
            date = r.h[i].value;
        if (strcasecmp(r.h[i].name, "X-Amz-Security-Token") == 0)
            token = r.h[i].value;
    }
    ck_assert_ptr_nonnull(date);
    memset(&p, 0, sizeof p);
    p.access_key_id = AKID;
    p.secret_access_key = SECRET;
    p.session_token = token;
    p.region = "us-east-1";
    p.service = "service";
    p.amz_date = date;
    run_steps(&rp, cs, &q, &p, want_cr, want_sts, NULL, want_auth, NULL);
    ck_assert_msg(rp.n == 0, "%d mismatch(es):%s", rp.n, rp.list);
    free(req_text);
    free(want_cr);
    free(want_sts);
    free(want_auth);
}
END_TEST

/* ------------------------------------------------------------ botocore */

static unsigned char *unhex(const char *s, size_t *n)
{
    size_t l = strlen(s);
    unsigned char *b = malloc(l / 2 + 1);
    for (size_t i = 0; i < l / 2; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
        b[i] = (unsigned char)v;
    }
    *n = l / 2;
    return b;
}

/* Signs one botocore line three ways; returns the number of mismatches. */
static int parity_one(json_t *j, report *rp)
{
    char cs[32];
    const char *want_cr = jstr(j, "canonical_request");
    const char *want_auth = jstr(j, "authorization");
    json_t *hs = json_object_get(j, "headers");
    ddbxo_sigv4_header h[24];
    ddbxo_sigv4_request q;
    ddbxo_sigv4_params p;
    ddbxo_error err;
    size_t nh = 0, blen, idx;
    unsigned char *body = unhex(jstr(j, "body_hex"), &blen);
    json_t *pair;
    int before = rp->n;

    snprintf(cs, sizeof cs, "req#%lld",
             (long long)json_integer_value(json_object_get(j, "i")));
    ck_assert(want_cr && want_auth && json_is_array(hs));
    h[nh].name = "Host";
    h[nh++].value = jstr(j, "host");
    json_array_foreach(hs, idx, pair)
    {
        ck_assert_uint_lt(nh, 24);
        h[nh].name = json_string_value(json_array_get(pair, 0));
        h[nh++].value = json_string_value(json_array_get(pair, 1));
    }
    memset(&q, 0, sizeof q);
    q.method = jstr(j, "method");
    q.path = jstr(j, "path");
    q.headers = h;
    q.n_headers = nh;
    q.body = body;
    q.body_len = blen;
    memset(&p, 0, sizeof p);
    p.access_key_id = jstr(j, "akid");
    p.secret_access_key = jstr(j, "secret");
    p.session_token = jstr(j, "token");
    p.region = jstr(j, "region");
    p.service = jstr(j, "service");
    p.amz_date = jstr(j, "amz_date");

    char *cr = ddbxo_sigv4_canonical_request(&q, &p, &err);
    ck_assert_msg(cr != NULL, "%s: %s", cs, err.message);
    check_eq(rp, cs, "canonical-request", want_cr, cr);
    char *sts = ddbxo_sigv4_string_to_sign(cr, &p, &err);
    check_eq(rp, cs, "string-to-sign", jstr(j, "string_to_sign"), sts);
    free(cr);
    free(sts);

    ddbxo_sigv4_header *out = ddbxo_sigv4_sign(&q, &p, NULL, &err);
    ck_assert_msg(out != NULL, "%s: %s", cs, err.message);
    check_eq(rp, cs, "Authorization", want_auth,
             find_header(out, "Authorization"));
    check_eq(rp, cs, "X-Amz-Date", jstr(j, "x_amz_date"),
             find_header(out, "X-Amz-Date"));
    if (p.session_token || find_header(out, "X-Amz-Security-Token"))
        check_eq(rp, cs, "X-Amz-Security-Token",
                 jstr(j, "x_amz_security_token"),
                 find_header(out, "X-Amz-Security-Token"));
    ddbxo_sigv4_headers_free(out);

    /* The signer path takes time_t, as the HTTP layer will. */
    ddbxo_signer *s = ddbxo_signer_new(&p, &err);
    ck_assert_msg(s != NULL, "%s: %s", cs, err.message);
    out = ddbxo_signer_sign(
        s, &q, (time_t)json_integer_value(json_object_get(j, "unix_time")),
        NULL, &err);
    ck_assert_msg(out != NULL, "%s: %s", cs, err.message);
    check_eq(rp, cs, "signer:Authorization", want_auth,
             find_header(out, "Authorization"));
    ddbxo_sigv4_headers_free(out);
    ddbxo_signer_free(s);
    free(body);
    return rp->n - before;
}

START_TEST(test_botocore_parity)
{
    const char *venv = getenv("VENV");
    char cmd[1024], *line = NULL;
    size_t cap = 0, n = 0, bad = 0, with_token = 0, streams = 0;
    ssize_t len;
    report rp = { "", 0 };
    FILE *f;

    ck_assert_msg(venv && *venv,
                  "VENV is not set: the botocore parity test needs the "
                  "test venv (make sets it; by hand: VENV=$(sed -n "
                  "'s/^VENV := //p' build/env.mk))");
    snprintf(cmd, sizeof cmd,
             "'%s/bin/python' tests/sigv4_botocore.py --seed %d --count %d",
             venv, PARITY_SEED, PARITY_COUNT);
    f = popen(cmd, "r");
    ck_assert_msg(f != NULL, "cannot run %s", cmd);
    while ((len = getline(&line, &cap, f)) > 0) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        ck_assert_msg(j != NULL, "bad line from botocore helper: %s", je.text);
        with_token += jstr(j, "token") != NULL;
        streams += strstr(jstr(j, "canonical_request"),
                          "DynamoDBStreams_20120810.") != NULL;
        if (parity_one(j, &rp) > 0)
            bad++;
        json_decref(j);
        n++;
    }
    free(line);
    ck_assert_msg(pclose(f) == 0, "botocore helper failed: %s", cmd);
    fprintf(stderr,
            "sigv4 parity: %zu requests (%zu with session token, %zu "
            "Streams), %zu differ from botocore\n",
            n, with_token, streams, bad);
    ck_assert_msg(n == PARITY_COUNT, "helper produced %zu requests, not %d",
                  n, PARITY_COUNT);
    ck_assert_msg(with_token > 0 && with_token < n && streams > 0,
                  "generator lost its variety");
    ck_assert_msg(bad == 0, "%zu of %zu requests differ:%s", bad, n, rp.list);
}
END_TEST

/* ------------------------------------------------------------ units */

static void hex_of(const unsigned char *p, size_t n, char *out)
{
    ddbxo__hex(p, n, out);
}

START_TEST(test_hmac_rfc4231)
{
    ddbxo__sha s;
    unsigned char k1[20], k6[131], mac[32];
    char hex[65];
    memset(k1, 0x0b, sizeof k1);
    memset(k6, 0xaa, sizeof k6);
    ck_assert_int_eq(ddbxo__sha_init(&s), 0);
    ck_assert_int_eq(ddbxo__hmac_sha256(&s, k1, sizeof k1, "Hi There", 8, mac), 0);
    hex_of(mac, 32, hex);
    ck_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    ck_assert_int_eq(ddbxo__hmac_sha256(&s, "Jefe", 4, "what do ya want for nothing?", 28, mac), 0);
    hex_of(mac, 32, hex);
    ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    ck_assert_int_eq(ddbxo__hmac_sha256(&s, k6, sizeof k6, m6, strlen(m6), mac), 0);
    hex_of(mac, 32, hex);
    ck_assert_str_eq(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    ck_assert_int_eq(ddbxo__sha256_hex(&s, "", 0, hex), 0);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ddbxo__sha_free(&s);
}
END_TEST

static ddbxo_sigv4_params suite_params(void)
{
    ddbxo_sigv4_params p;
    memset(&p, 0, sizeof p);
    p.access_key_id = AKID;
    p.secret_access_key = SECRET;
    p.region = "us-east-1";
    p.service = "service";
    p.amz_date = SUITE_DATE;
    return p;
}

/* AWS's documented key-derivation example (IAM, 2012-02-15). */
START_TEST(test_signing_key_example)
{
    ddbxo_sigv4_params p = suite_params();
    unsigned char key[32];
    char hex[65];
    ddbxo_error err;
    p.service = "iam";
    p.amz_date = "20120215T000000Z";
    ck_assert_int_eq(ddbxo_sigv4_signing_key(&p, key, &err), 0);
    hex_of(key, 32, hex);
    ck_assert_str_eq(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    /* time_t gives the same key as the string. */
    p.amz_date = NULL;
    p.time = 1329264000; /* 2012-02-15T00:00:00Z */
    unsigned char key2[32];
    ck_assert_int_eq(ddbxo_sigv4_signing_key(&p, key2, &err), 0);
    ck_assert_mem_eq(key, key2, 32);
}
END_TEST

static const ddbxo_sigv4_header DDB_HEADERS[] = {
    { "Host", "dynamodb.us-east-1.amazonaws.com" },
    { "Content-Type", "application/x-amz-json-1.0" },
    { "X-Amz-Target", "DynamoDB_20120810.PutItem" },
};
static const char DDB_BODY[] =
    "{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"caf\xc3\xa9\"}}}";

static ddbxo_sigv4_request ddb_request(void)
{
    ddbxo_sigv4_request q;
    memset(&q, 0, sizeof q);
    q.method = "POST";
    q.path = "/";
    q.headers = DDB_HEADERS;
    q.n_headers = 3;
    q.body = DDB_BODY;
    q.body_len = sizeof DDB_BODY - 1;
    return q;
}

START_TEST(test_date)
{
    char d[17];
    ddbxo_error err;
    ck_assert_int_eq(ddbxo_sigv4_format_date(SUITE_TIME, d, &err), 0);
    ck_assert_str_eq(d, SUITE_DATE);
    ck_assert_int_eq(ddbxo_sigv4_format_date(951782400, d, &err), 0);
    ck_assert_str_eq(d, "20000229T000000Z");
    ck_assert_int_eq(ddbxo_sigv4_format_date(0, d, &err), 0); /* now */
    ck_assert(ddbxo__sv4_date_ok(d));
    ck_assert_int_eq(ddbxo_sigv4_format_date((time_t)253402300800LL, d, &err), -1);
    ck_assert_int_eq(err.code, DDBXO_E_INVALID);
    ck_assert_int_eq(ddbxo_sigv4_format_date(SUITE_TIME, NULL, &err), -1);

    const char *bad[] = { "2015-08-30T12:36:00Z", "20150830T123600",
                          "20150830t123600Z", "20151330T123600Z",
                          "20150832T123600Z", "20150830T243600Z",
                          "20150830T126000Z", "2015083OT123600Z",
                          "20150830T123600ZZ", "", "20150431T000000Z" };
    ddbxo_sigv4_params p = suite_params();
    ddbxo_sigv4_request q = ddb_request();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p.amz_date = bad[i];
        ck_assert_msg(ddbxo_sigv4_sign(&q, &p, NULL, &err) == NULL, "%s", bad[i]);
        ck_assert_int_eq(err.code, DDBXO_E_INVALID);
        ck_assert_str_eq(err.path, "amz_date");
    }
}
END_TEST

START_TEST(test_null_args)
{
    ddbxo_sigv4_params p = suite_params();
    ddbxo_sigv4_request q = ddb_request();
    unsigned char key[32] = { 0 };
    char sig[65];
    ddbxo_error err;
    size_t n = 99;

#define INVALID(call)                                                        \
    do {                                                                     \
        ddbxo_error_clear(&err);                                             \
        ck_assert_msg(!(call), #call);                                       \
        ck_assert_int_eq(err.code, DDBXO_E_INVALID);                         \
    } while (0)
    INVALID(ddbxo_sigv4_canonical_request(NULL, &p, &err));
    INVALID(ddbxo_sigv4_canonical_request(&q, NULL, &err));
    INVALID(ddbxo_sigv4_string_to_sign(NULL, &p, &err));
    INVALID(ddbxo_sigv4_string_to_sign("x", NULL, &err));
    INVALID(ddbxo_sigv4_signing_key(NULL, key, &err) == 0);
    INVALID(ddbxo_sigv4_signing_key(&p, NULL, &err) == 0);
    INVALID(ddbxo_sigv4_signature(NULL, "x", sig, &err) == 0);
    INVALID(ddbxo_sigv4_signature(key, NULL, sig, &err) == 0);
    INVALID(ddbxo_sigv4_signature(key, "x", NULL, &err) == 0);
    INVALID(ddbxo_sigv4_authorization(NULL, &p, sig, &err));
    INVALID(ddbxo_sigv4_authorization(&q, &p, NULL, &err));
    INVALID(ddbxo_sigv4_authorization(&q, &p, "abc", &err));
    INVALID(ddbxo_sigv4_sign(NULL, &p, &n, &err));
    ck_assert_uint_eq(n, 0);
    INVALID(ddbxo_sigv4_sign(&q, NULL, NULL, &err));
    INVALID(ddbxo_signer_new(NULL, &err));
    INVALID(ddbxo_signer_sign(NULL, &q, 0, NULL, &err));
    INVALID(ddbxo_signer_set_credentials(NULL, "a", "b", NULL, &err) == 0);
    /* err may be NULL everywhere. */
    ck_assert_ptr_null(ddbxo_sigv4_sign(NULL, &p, NULL, NULL));
    ddbxo_signer *s = ddbxo_signer_new(&p, NULL);
    ck_assert_ptr_nonnull(s);
    INVALID(ddbxo_signer_sign(s, NULL, 0, NULL, &err));
    ck_assert_int_eq(ddbxo__signer_sign_lines(s, &q, 0, NULL, NULL), -1);
    ddbxo_signer_free(s);
    ddbxo_signer_free(NULL);
    ddbxo_sigv4_headers_free(NULL);
}
END_TEST

/* Each broken field fails with its name in err.path and never echoes a
 * credential into the message. */
START_TEST(test_bad_fields)
{
    static const char secret[] = "SuperSecretValue/ThatMustNotLeak+000000";
    static const char token[] = "TokenThatMustNotLeak\nX-Evil: 1";
    ddbxo_sigv4_header many[DDBXO_SIGV4_MAX_HEADERS + 1];
    ddbxo_sigv4_header nohost[] = { { "Content-Type", "x" } };
    ddbxo_sigv4_header badname[] = { { "Host", "h" }, { "Bad Name", "x" } };
    ddbxo_sigv4_header colon[] = { { "Host", "h" }, { "A:b", "x" } };
    ddbxo_sigv4_header nullval[] = { { "Host", "h" }, { "A", NULL } };
    ddbxo_error err;
    struct {
        const char *what, *path;
        int code;
        ddbxo_sigv4_params p;
        ddbxo_sigv4_request q;
    } c[20];
    int n = 0;
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = (ddbxo_sigv4_header){ "Host", "h" };

#define CASE(w, pth, cd)                                                    \
    (c[n].what = (w), c[n].path = (pth), c[n].code = (cd),                  \
     c[n].p = suite_params(), c[n].p.secret_access_key = secret,            \
     c[n].q = ddb_request(), &c[n++])
    CASE("no akid", "access_key_id", DDBXO_E_INVALID)->p.access_key_id = NULL;
    CASE("empty akid", "access_key_id", DDBXO_E_INVALID)->p.access_key_id = "";
    CASE("akid with /", "access_key_id", DDBXO_E_INVALID)->p.access_key_id = "AK/ID";
    CASE("akid with space", "access_key_id", DDBXO_E_INVALID)->p.access_key_id = "AK ID";
    CASE("no secret", "secret_access_key", DDBXO_E_INVALID)->p.secret_access_key = NULL;
    CASE("empty secret", "secret_access_key", DDBXO_E_INVALID)->p.secret_access_key = "";
    CASE("token newline", "session_token", DDBXO_E_INVALID)->p.session_token = token;
    CASE("no region", "region", DDBXO_E_INVALID)->p.region = NULL;
    CASE("region /", "region", DDBXO_E_INVALID)->p.region = "us/east";
    CASE("no service", "service", DDBXO_E_INVALID)->p.service = "";
    CASE("service newline", "service", DDBXO_E_INVALID)->p.service = "a\nb";
    CASE("no method", "method", DDBXO_E_INVALID)->q.method = NULL;
    CASE("bad method", "method", DDBXO_E_INVALID)->q.method = "PO ST";
    CASE("no host", "headers", DDBXO_E_INVALID)->q.headers = nohost;
    c[n - 1].q.n_headers = 1;
    CASE("bad name", "headers", DDBXO_E_INVALID)->q.headers = badname;
    c[n - 1].q.n_headers = 2;
    CASE("colon name", "headers", DDBXO_E_INVALID)->q.headers = colon;
    c[n - 1].q.n_headers = 2;
    CASE("null value", "headers", DDBXO_E_INVALID)->q.headers = nullval;
    c[n - 1].q.n_headers = 2;
    CASE("too many", "headers", DDBXO_E_LIMIT)->q.headers = many;
    c[n - 1].q.n_headers = DDBXO_SIGV4_MAX_HEADERS + 1;
    CASE("body NULL", "body", DDBXO_E_INVALID)->q.body = NULL;
    CASE("payload hash", "payload_hash", DDBXO_E_INVALID)->q.payload_hash = "ABC";
#undef CASE
    for (int i = 0; i < n; i++) {
        ddbxo_signer *s;
        ddbxo_error_clear(&err);
        ck_assert_msg(ddbxo_sigv4_sign(&c[i].q, &c[i].p, NULL, &err) == NULL,
                      "%s: signed", c[i].what);
        ck_assert_msg(err.code == c[i].code, "%s: code %d", c[i].what, err.code);
        ck_assert_msg(strcmp(err.path, c[i].path) == 0, "%s: path '%s'",
                      c[i].what, err.path);
        ck_assert_msg(!strstr(err.message, "SuperSecret") &&
                          !strstr(err.message, "MustNotLeak"),
                      "%s: message leaks: %s", c[i].what, err.message);
        /* The signer refuses the same inputs, at creation or signing. */
        s = ddbxo_signer_new(&c[i].p, &err);
        if (s) {
            ck_assert_ptr_null(ddbxo_signer_sign(s, &c[i].q, SUITE_TIME, NULL, &err));
            ck_assert_msg(err.code == c[i].code, "%s: signer code", c[i].what);
            ddbxo_signer_free(s);
        }
        ck_assert(!strstr(err.message, "SuperSecret"));
    }
}
END_TEST

/* Header rules beyond the suite: excluded headers, values we own, the
 * payload-hash override. */
START_TEST(test_header_rules)
{
    ddbxo_sigv4_header h[] = {
        { "Host", "example.com" },
        { "User-Agent", "curl/8" },
        { "Expect", "100-continue" },
        { "Authorization", "stale" },
        { "X-Amz-Date", "20000101T000000Z" },
        { "X-Amz-Security-Token", "stale-token" },
        { "X-B", "\t two\r\n  words \x1f" },
        { "x-a", "1" },
        { "X-A", "2" },
    };
    ddbxo_sigv4_params p = suite_params();
    ddbxo_sigv4_request q;
    ddbxo_error err;
    memset(&q, 0, sizeof q);
    q.method = "post";
    q.headers = h;
    q.n_headers = sizeof h / sizeof h[0];
    p.session_token = "TOKEN";
    char *cr = ddbxo_sigv4_canonical_request(&q, &p, &err);
    ck_assert_ptr_nonnull(cr);
    ck_assert_str_eq(cr, "POST\n/\n\n"
                         "host:example.com\n"
                         "x-a:1,2\n"
                         "x-amz-date:" SUITE_DATE "\n"
                         "x-amz-security-token:TOKEN\n"
                         "x-b:two words\n"
                         "\n"
                         "host;x-a;x-amz-date;x-amz-security-token;x-b\n"
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(cr);
    /* Without a token of ours, the caller's X-Amz-Security-Token is just a
     * header and is signed as given. */
    p.session_token = NULL;
    cr = ddbxo_sigv4_canonical_request(&q, &p, &err);
    ck_assert_ptr_nonnull(strstr(cr, "x-amz-security-token:stale-token\n"));
    free(cr);

    /* A precomputed payload hash signs like the body it stands for. */
    ddbxo_sigv4_request a = ddb_request(), b = ddb_request();
    char hex[65];
    ddbxo__sha s;
    ck_assert_int_eq(ddbxo__sha_init(&s), 0);
    ck_assert_int_eq(ddbxo__sha256_hex(&s, DDB_BODY, sizeof DDB_BODY - 1, hex), 0);
    ddbxo__sha_free(&s);
    b.body = NULL;
    b.body_len = 0;
    b.payload_hash = hex;
    ddbxo_sigv4_header *ha = ddbxo_sigv4_sign(&a, &p, NULL, &err);
    ddbxo_sigv4_header *hb = ddbxo_sigv4_sign(&b, &p, NULL, &err);
    ck_assert_str_eq(find_header(ha, "Authorization"), find_header(hb, "Authorization"));
    ddbxo_sigv4_headers_free(ha);
    ddbxo_sigv4_headers_free(hb);
    b.payload_hash = "UNSIGNED-PAYLOAD";
    cr = ddbxo_sigv4_canonical_request(&b, &p, &err);
    ck_assert_ptr_nonnull(strstr(cr, "\nUNSIGNED-PAYLOAD"));
    free(cr);
}
END_TEST

static char *canon_path(const char *path, unsigned flags)
{
    ddbxo__buf b;
    ddbxo__sv4_sink k;
    ddbxo__buf_init(&b);
    ddbxo__sv4_sink_init(&k, NULL, &b);
    ck_assert_int_eq(ddbxo__sv4_canonical_path(&k, path, flags), 0);
    return ddbxo__buf_cstr(&b);
}

static char *canon_query(const char *query)
{
    ddbxo__buf b;
    ddbxo__sv4_sink k;
    ddbxo__buf_init(&b);
    ddbxo__sv4_sink_init(&k, NULL, &b);
    ck_assert_int_eq(ddbxo__sv4_canonical_query(&k, query), 0);
    return ddbxo__buf_cstr(&b);
}

START_TEST(test_path_and_query)
{
    static const char *paths[][3] = {
        /* path, normalised, verbatim */
        { NULL, "/", "/" },
        { "", "/", "/" },
        { "/", "/", "/" },
        { "/a/b/../c/./d", "/a/c/d", "/a/b/../c/./d" },
        { "/a/b/..", "/a/", "/a/b/.." },
        { "/a/.", "/a/", "/a/." },
        { "/../..", "/", "/../.." },
        { "//a//b", "/a/b", "//a//b" },
        { "/a b/%41", "/a%20b/%2541", "/a%20b/%2541" },
        { "/~user/x+y", "/~user/x%2By", "/~user/x%2By" },
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *a = canon_path(paths[i][0], 0);
        char *b = canon_path(paths[i][0], DDBXO_SIGV4_NO_NORMALIZE_PATH);
        ck_assert_msg(strcmp(a, paths[i][1]) == 0, "%s -> %s", paths[i][0], a);
        ck_assert_msg(strcmp(b, paths[i][2]) == 0, "%s -> %s", paths[i][0], b);
        free(a);
        free(b);
    }
    static const char *queries[][2] = {
        { "", "" },
        { "b=2&a=1&a=0", "a=0&a=1&b=2" },
        { "x", "x=" },
        { "x=", "x=" },
        { "a=1&&b=2", "a=1&b=2" },
        { "a+b=c d", "a%2Bb=c%20d" },
        { "%zz=%4", "%25zz=%254" },
        { "%7e=%2F", "~=%2F" },
        { "k=v=w", "k=v%3Dw" },
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char *a = canon_query(queries[i][0]);
        ck_assert_msg(strcmp(a, queries[i][1]) == 0, "%s -> %s", queries[i][0], a);
        free(a);
    }
}
END_TEST

/* The HTTP layer's entry point: lines appended after existing content. */
START_TEST(test_sign_lines)
{
    ddbxo_sigv4_params p = suite_params();
    ddbxo_sigv4_request q = ddb_request();
    ddbxo_error err;
    ddbxo__buf b;
    ddbxo_signer *s;
    size_t n;

    p.session_token = "TOK";
    s = ddbxo_signer_new(&p, &err);
    ck_assert_ptr_nonnull(s);
    ddbxo__buf_init(&b);
    ddbxo__buf_put(&b, "keep", 5);
    ck_assert_int_eq(ddbxo__signer_sign_lines(s, &q, SUITE_TIME, &b, &err), 3);
    static const char auth_prefix[] =
        "Authorization: AWS4-HMAC-SHA256 Credential=" AKID
        "/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;"
        "host;x-amz-date;x-amz-security-token;x-amz-target, Signature=";
    const char *l = (const char *)b.p + 5, *auth;
    ck_assert_str_eq(l, "X-Amz-Date: " SUITE_DATE);
    l += strlen(l) + 1;
    ck_assert_str_eq(l, "X-Amz-Security-Token: TOK");
    l += strlen(l) + 1;
    auth = l;
    ck_assert_int_eq(strncmp(auth, auth_prefix, sizeof auth_prefix - 1), 0);
    ck_assert_uint_eq(strlen(auth), sizeof auth_prefix - 1 + 64);
    l += strlen(l) + 1;
    ck_assert_ptr_eq(l, (const char *)b.p + b.len);

    /* Same headers as the one-shot API. */
    p.amz_date = SUITE_DATE;
    ddbxo_sigv4_header *h = ddbxo_sigv4_sign(&q, &p, &n, &err);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(h[0].name, "X-Amz-Date");
    ck_assert_str_eq(h[1].name, "X-Amz-Security-Token");
    ck_assert_str_eq(h[2].name, "Authorization");
    ck_assert_ptr_null(h[3].name);
    ck_assert_str_eq(h[2].value, auth + strlen("Authorization: "));
    ddbxo_sigv4_headers_free(h);

    /* A failure leaves the buffer as it was. */
    size_t before = b.len;
    q.method = NULL;
    ck_assert_int_eq(ddbxo__signer_sign_lines(s, &q, SUITE_TIME, &b, &err), -1);
    ck_assert_uint_eq(b.len, before);
    ddbxo__buf_free(&b);
    ddbxo_signer_free(s);
}
END_TEST

START_TEST(test_key_cache)
{
    ddbxo_sigv4_params p = suite_params();
    ddbxo_sigv4_request q = ddb_request();
    ddbxo_error err;
    ddbxo_signer *s = ddbxo_signer_new(&p, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(ddbxo__signer_derivations(s), 0);

    /* Same UTC day, many requests: one derivation; each signature equals
     * the uncached one. */
    for (int i = 0; i < 50; i++) {
        time_t t = SUITE_TIME + i * 601;
        ddbxo_sigv4_header *a = ddbxo_signer_sign(s, &q, t, NULL, &err);
        p.amz_date = NULL;
        p.time = t;
        ddbxo_sigv4_header *b = ddbxo_sigv4_sign(&q, &p, NULL, &err);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        ck_assert_str_eq(find_header(a, "Authorization"), find_header(b, "Authorization"));
        ddbxo_sigv4_headers_free(a);
        ddbxo_sigv4_headers_free(b);
    }
    ck_assert_uint_eq(ddbxo__signer_derivations(s), 1);
    /* Next day: a new key. */
    ddbxo_sigv4_headers_free(ddbxo_signer_sign(s, &q, SUITE_TIME + 86400, NULL, &err));
    ck_assert_uint_eq(ddbxo__signer_derivations(s), 2);
    ddbxo_sigv4_headers_free(ddbxo_signer_sign(s, &q, SUITE_TIME + 86400 + 5, NULL, &err));
    ck_assert_uint_eq(ddbxo__signer_derivations(s), 2);
    /* Unchanged credentials keep the key; new ones drop it. */
    ck_assert_int_eq(ddbxo_signer_set_credentials(s, AKID, SECRET, "", &err), 0);
    ddbxo_sigv4_headers_free(ddbxo_signer_sign(s, &q, SUITE_TIME + 86400, NULL, &err));
    ck_assert_uint_eq(ddbxo__signer_derivations(s), 2);
    ck_assert_int_eq(ddbxo_signer_set_credentials(s, "AKID2", "other-secret", "T2", &err), 0);
    ddbxo_sigv4_header *h = ddbxo_signer_sign(s, &q, SUITE_TIME + 86400, NULL, &err);
    ck_assert_uint_eq(ddbxo__signer_derivations(s), 3);
    ck_assert_str_eq(find_header(h, "X-Amz-Security-Token"), "T2");
    ck_assert_ptr_nonnull(strstr(find_header(h, "Authorization"), "Credential=AKID2/"));
    ddbxo_sigv4_headers_free(h);
    /* Bad new credentials are refused and the old ones stay. */
    ck_assert_int_eq(ddbxo_signer_set_credentials(s, "AKID3", "", NULL, &err), -1);
    ck_assert_str_eq(err.path, "secret_access_key");
    h = ddbxo_signer_sign(s, &q, SUITE_TIME + 86400, NULL, &err);
    ck_assert_ptr_nonnull(strstr(find_header(h, "Authorization"), "Credential=AKID2/"));
    ddbxo_sigv4_headers_free(h);
    ddbxo_signer_free(s);
}
END_TEST

/* Threads sign while another rotates the credentials: every result must
 * be exactly one of the two correct signatures. */
typedef struct thr {
    ddbxo_signer *s;
    const char *want[2];
    int stop, bad, done;
} thr;

static void *signer_thread(void *arg)
{
    thr *t = arg;
    ddbxo_sigv4_request q = ddb_request();
    for (int i = 0; i < 400; i++) {
        ddbxo_sigv4_header *h = ddbxo_signer_sign(t->s, &q, SUITE_TIME, NULL, NULL);
        const char *a = h ? find_header(h, "Authorization") : NULL;
        if (!a || (strcmp(a, t->want[0]) != 0 && strcmp(a, t->want[1]) != 0))
            __atomic_add_fetch(&t->bad, 1, __ATOMIC_SEQ_CST);
        ddbxo_sigv4_headers_free(h);
    }
    __atomic_add_fetch(&t->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

START_TEST(test_threads)
{
    ddbxo_sigv4_params p = suite_params(), p2 = suite_params();
    ddbxo_sigv4_request q = ddb_request();
    ddbxo_error err;
    ddbxo_sigv4_header *h1, *h2;
    pthread_t th[4];
    thr t;

    p2.access_key_id = "AKIDOTHER";
    p2.secret_access_key = "another/secret";
    h1 = ddbxo_sigv4_sign(&q, &p, NULL, &err);
    h2 = ddbxo_sigv4_sign(&q, &p2, NULL, &err);
    memset(&t, 0, sizeof t);
    t.want[0] = find_header(h1, "Authorization");
    t.want[1] = find_header(h2, "Authorization");
    t.s = ddbxo_signer_new(&p, &err);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, signer_thread, &t), 0);
    for (int i = 0; __atomic_load_n(&t.done, __ATOMIC_SEQ_CST) < 4; i++) {
        const ddbxo_sigv4_params *x = i % 2 ? &p : &p2;
        ck_assert_int_eq(ddbxo_signer_set_credentials(t.s, x->access_key_id,
                                                      x->secret_access_key,
                                                      NULL, &err), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(t.bad, 0);
    ddbxo_signer_free(t.s);
    ddbxo_sigv4_headers_free(h1);
    ddbxo_sigv4_headers_free(h2);
}
END_TEST

/* Informal timing (printed, not asserted: shared CI machines vary). */
START_TEST(test_timing)
{
    ddbxo_sigv4_params p = suite_params();
    ddbxo_sigv4_request q = ddb_request();
    char body[2500];
    struct timespec a, b;
    ddbxo__buf out;
    int n = 20000;
    memset(body, 'x', sizeof body);
    q.body = body;
    q.body_len = sizeof body;
    p.service = "dynamodb";
    p.session_token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ";
    ddbxo_signer *s = ddbxo_signer_new(&p, NULL);
    ddbxo__buf_init(&out);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        out.len = 0;
        ck_assert_int_eq(ddbxo__signer_sign_lines(s, &q, SUITE_TIME + i, &out, NULL), 3);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    fprintf(stderr, "sigv4 timing: %.2f us per signature (2.5 KB body, token)\n",
            ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
    ddbxo__buf_free(&out);
    ddbxo_signer_free(s);
}
END_TEST

static Suite *sigv4_suite(void)
{
    Suite *s = suite_create("sigv4");
    TCase *tc;

    discover();
    tc = tcase_create("suite");
    tcase_add_test(tc, test_suite_count);
    tcase_add_loop_test(tc, test_suite_case, 0, (int)g_ncases);
    tcase_add_loop_test(tc, test_original_case, 0, (int)g_norig);
    suite_add_tcase(s, tc);

    tc = tcase_create("botocore");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_botocore_parity);
    suite_add_tcase(s, tc);

    tc = tcase_create("units");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hmac_rfc4231);
    tcase_add_test(tc, test_signing_key_example);
    tcase_add_test(tc, test_date);
    tcase_add_test(tc, test_null_args);
    tcase_add_test(tc, test_bad_fields);
    tcase_add_test(tc, test_header_rules);
    tcase_add_test(tc, test_path_and_query);
    tcase_add_test(tc, test_sign_lines);
    tcase_add_test(tc, test_key_cache);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_timing);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(sigv4_suite)
