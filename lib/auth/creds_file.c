/* The shared config and credentials files (INI), parsed as the AWS SDKs
 * do (their shared profile-parser test suite is the reference):
 *  - config file sections are "[profile NAME]" (and "[default]"); the
 *    credentials file uses "[NAME]"; the other form is ignored in each;
 *  - in the config file "[profile default]" wins over "[default]";
 *  - profile names are case-sensitive; property names are not;
 *  - "key = value" with whitespace trimmed; a "#" or ";" starts a comment
 *    only at the start of a line, right after a "]", or after whitespace in
 *    a value ("a;b" keeps its ";");
 *  - an indented line continues the previous value (newline-joined);
 *  - duplicate sections merge, the last duplicate property wins, and the
 *    credentials file wins over the config file. */
#include "auth/creds.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "auth/creds_file.h"
#include "util/buf.h"

struct kv {
    char *k;
    char *v;
};

struct ddbxo__profile {
    struct kv *kv;
    size_t n, cap;
};

static void kv_wipe_free(struct kv *e)
{
    free(e->k);
    ddbxo__str_wipe_free(e->v);
}

void ddbxo__profile_free(ddbxo__profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        kv_wipe_free(&p->kv[i]);
    free(p->kv);
    free(p);
}

static struct kv *find(const ddbxo__profile *p, const char *key)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (strcmp(p->kv[i].k, key) == 0)
            return &p->kv[i];
    return NULL;
}

const char *ddbxo__profile_get(const ddbxo__profile *p, const char *key)
{
    struct kv *e = find(p, key);
    return e ? e->v : NULL;
}

/* Sets key (takes nothing; copies both) replacing an old value. */
static int set(ddbxo__profile *p, const char *key, const char *val,
               size_t vlen)
{
    struct kv *e = find(p, key);
    char *v = malloc(vlen + 1);
    if (!v)
        return -1;
    memcpy(v, val, vlen);
    v[vlen] = '\0';
    if (e) {
        ddbxo__str_wipe_free(e->v);
        e->v = v;
        return 0;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct kv *nk = realloc(p->kv, cap * sizeof *nk);
        if (!nk) {
            free(v);
            return -1;
        }
        p->kv = nk;
        p->cap = cap;
    }
    p->kv[p->n].k = strdup(key);
    if (!p->kv[p->n].k) {
        free(v);
        return -1;
    }
    p->kv[p->n].v = v;
    p->n++;
    return 0;
}

/* Appends "\n" + text to key's value (continuation lines). */
static int append(ddbxo__profile *p, const char *key, const char *t, size_t tn)
{
    struct kv *e = find(p, key);
    size_t old;
    char *v;
    if (!e)
        return 0;
    old = strlen(e->v);
    v = malloc(old + 1 + tn + 1);
    if (!v)
        return -1;
    memcpy(v, e->v, old);
    v[old] = '\n';
    memcpy(v + old + 1, t, tn);
    v[old + 1 + tn] = '\0';
    OPENSSL_cleanse(e->v, old);
    free(e->v);
    e->v = v;
    return 0;
}

/* Copies src's entries into dst (src values win). */
static int merge(ddbxo__profile *dst, const ddbxo__profile *src)
{
    for (size_t i = 0; src && i < src->n; i++)
        if (set(dst, src->kv[i].k, src->kv[i].v, strlen(src->kv[i].v)) < 0)
            return -1;
    return 0;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_ws(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && (is_ws((*s)[*n - 1]) || (*s)[*n - 1] == '\r'))
        (*n)--;
}

static int name_ok(const char *s, size_t n, const char *extra)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || strchr(extra, c)))
            return 0;
    }
    return 1;
}

#define PROFILE_NAME_CHARS "-/.%@_:+"
#define PROPERTY_NAME_CHARS "-_"

/* Parse state: where properties of the current section go. */
struct parse {
    ddbxo__profile *pref;   /* the wanted profile's own section(s) */
    ddbxo__profile *plain;  /* config file "[default]" (loses to pref) */
    int found_pref, found_plain;
    ddbxo__profile *cur;    /* NULL: section ignored (or none yet) */
    int in_section;
    char prop[128];         /* current property (for continuations) */
    int in_prop;
};

static int perr(ddbxo_error *err, const char *fname, size_t line,
                const char *what)
{
    return ddbxo__err(err, DDBXO_E_CONFIG, NULL, "%s: line %zu: %s", fname,
                      line, what);
}

static int section(struct parse *ps, const char *s, size_t n, int is_config,
                   const char *want, const char *fname, size_t line,
                   ddbxo_error *err)
{
    const char *close = memchr(s, ']', n);
    const char *in, *rest;
    size_t inn, restn;
    int prefixed = 0;

    if (!close)
        return perr(err, fname, line, "section header must end with ']'");
    rest = close + 1;
    restn = n - (size_t)(rest - s);
    trim(&rest, &restn);
    if (restn && rest[0] != '#' && rest[0] != ';')
        return perr(err, fname, line, "unexpected text after section header");
    in = s + 1;
    inn = (size_t)(close - in);
    trim(&in, &inn);
    if (inn > 7 && memcmp(in, "profile", 7) == 0 && is_ws(in[7])) {
        prefixed = 1;
        in += 7;
        inn -= 7;
        trim(&in, &inn);
    }
    ps->in_section = 1;
    ps->in_prop = 0;
    ps->cur = NULL;
    /* Sections that are not profiles ([sso-session x], [services x], a
     * bare name in the config file, a prefixed one in the credentials file)
     * and invalid names are ignored with their properties. */
    if (!name_ok(in, inn, PROFILE_NAME_CHARS) || strlen(want) != inn
        || memcmp(in, want, inn) != 0)
        return 0;
    if (is_config && !prefixed) {
        if (strcmp(want, "default") != 0)
            return 0;
        ps->cur = ps->plain;
        ps->found_plain = 1;
    } else if (!is_config && prefixed) {
        return 0;
    } else {
        ps->cur = ps->pref;
        ps->found_pref = 1;
    }
    return 0;
}

static int property(struct parse *ps, const char *s, size_t n,
                    const char *fname, size_t line, ddbxo_error *err)
{
    const char *eq = memchr(s, '=', n);
    const char *k, *v;
    size_t kn, vn;
    char key[sizeof ps->prop];

    if (!ps->in_section)
        return perr(err, fname, line, "property outside any [profile] section");
    if (!eq)
        return perr(err, fname, line, "expected 'name = value'");
    k = s;
    kn = (size_t)(eq - s);
    trim(&k, &kn);
    if (kn == 0)
        return perr(err, fname, line, "property has no name");
    v = eq + 1;
    vn = n - (size_t)(v - s);
    trim(&v, &vn);
    for (size_t i = 1; i < vn; i++)
        if ((v[i] == '#' || v[i] == ';') && is_ws(v[i - 1])) {
            vn = i;
            trim(&v, &vn);
            break;
        }
    ps->in_prop = 1;
    ps->prop[0] = '\0';
    /* Invalid names are ignored (their continuation lines too). */
    if (!ps->cur || kn >= sizeof key || !name_ok(k, kn, PROPERTY_NAME_CHARS))
        return 0;
    for (size_t i = 0; i < kn; i++)
        key[i] = (k[i] >= 'A' && k[i] <= 'Z') ? (char)(k[i] + 32) : k[i];
    key[kn] = '\0';
    memcpy(ps->prop, key, kn + 1);
    if (set(ps->cur, key, v, vn) < 0)
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    return 0;
}

static int parse_lines(struct parse *ps, const char *text, size_t len,
                       int is_config, const char *want, const char *fname,
                       ddbxo_error *err)
{
    size_t pos = 0, line = 0;
    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        const char *t = s;
        size_t tn = n;
        pos += n + (nl ? 1 : 0);
        line++;
        trim(&t, &tn);
        if (tn == 0 || t[0] == '#' || t[0] == ';')
            continue;
        if (memchr(t, '\0', tn))
            return perr(err, fname, line, "NUL byte");
        if (is_ws(s[0]) && ps->in_prop) {
            if (ps->cur && ps->prop[0] && append(ps->cur, ps->prop, t, tn) < 0)
                return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            continue;
        }
        if (t[0] == '[') {
            if (section(ps, t, tn, is_config, want, fname, line, err) < 0)
                return -1;
        } else if (property(ps, t, tn, fname, line, err) < 0) {
            return -1;
        }
    }
    return 0;
}

int ddbxo__profile_parse(const char *text, size_t len, int is_config,
                         const char *name, const char *fname,
                         ddbxo__profile **p, ddbxo_error *err)
{
    struct parse ps;
    int rc = -1;
    memset(&ps, 0, sizeof ps);
    ps.pref = calloc(1, sizeof *ps.pref);
    ps.plain = calloc(1, sizeof *ps.plain);
    if (!ps.pref || !ps.plain) {
        ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (parse_lines(&ps, text, len, is_config, name, fname, err) < 0)
        goto out;
    if (ps.found_pref || ps.found_plain) {
        if (!*p && !(*p = calloc(1, sizeof **p))) {
            ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            goto out;
        }
        if (merge(*p, ps.found_pref ? ps.pref : ps.plain) < 0) {
            ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    ddbxo__profile_free(ps.pref);
    ddbxo__profile_free(ps.plain);
    return rc;
}

const char *ddbxo__profile_name(const ddbxo__env *env,
                                const char *explicit_name, int *is_explicit)
{
    const char *n = explicit_name && *explicit_name
                        ? explicit_name : ddbxo__env_get(env, "AWS_PROFILE");
    if (is_explicit)
        *is_explicit = n != NULL;
    return n ? n : "default";
}

int ddbxo__profile_path(const ddbxo__env *env, int which, char *buf,
                        size_t bufsz, ddbxo_error *err)
{
    const char *var = which == DDBXO__PF_CONFIG ? "AWS_CONFIG_FILE"
                                                : "AWS_SHARED_CREDENTIALS_FILE";
    const char *p = ddbxo__env_get(env, var);
    const char *home = ddbxo__env_get(env, "HOME");
    int n;
    if (p && p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
        if (!home)
            return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                              "%s starts with '~' but HOME is not set", var);
        n = snprintf(buf, bufsz, "%s%s", home, p + 1);
    } else if (p) {
        n = snprintf(buf, bufsz, "%s", p);
    } else if (home) {
        n = snprintf(buf, bufsz, "%s/.aws/%s", home,
                     which == DDBXO__PF_CONFIG ? "config" : "credentials");
    } else {
        return 0;
    }
    if (n < 0 || (size_t)n >= bufsz)
        return ddbxo__err(err, DDBXO_E_LIMIT, NULL, "path of the %s file is too long",
                          which == DDBXO__PF_CONFIG ? "config" : "credentials");
    return 1;
}

/* Reads path whole.  1 with *text (wipe+free it), 0 if it does not exist. */
static int read_file(const char *path, char **text, size_t *len,
                     ddbxo_error *err)
{
    FILE *f = fopen(path, "rb");
    char *b;
    size_t n = 0, cap = 4096;
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return ddbxo__err(err, DDBXO_E_IO, NULL, "cannot open %s: %s", path,
                          strerror(errno));
    }
    /* Unbuffered: stdio's own buffer would hold a copy of the secret and
     * go back to the allocator unwiped at fclose. */
    setvbuf(f, NULL, _IONBF, 0);
    if (!(b = malloc(cap))) {
        fclose(f);
        return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
    }
    for (;;) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == cap) {
            char *nb;
            if (cap >= DDBXO__MAX_PROFILE_FILE_BYTES) {
                OPENSSL_cleanse(b, cap);
                free(b);
                fclose(f);
                return ddbxo__err(err, DDBXO_E_LIMIT, NULL,
                                  "%s is larger than %u bytes", path,
                                  DDBXO__MAX_PROFILE_FILE_BYTES);
            }
            /* realloc would leave a stale copy of secrets behind. */
            if (!(nb = malloc(cap * 2))) {
                OPENSSL_cleanse(b, cap);
                free(b);
                fclose(f);
                return ddbxo__err(err, DDBXO_E_NOMEM, NULL, "out of memory");
            }
            memcpy(nb, b, n);
            OPENSSL_cleanse(b, cap);
            free(b);
            b = nb;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        OPENSSL_cleanse(b, cap);
        free(b);
        fclose(f);
        return ddbxo__err(err, DDBXO_E_IO, NULL, "cannot read %s", path);
    }
    fclose(f);
    *text = b;
    *len = n;
    return 1;
}

static int load_one(const ddbxo__env *env, int which, const char *name,
                    ddbxo__profile **p, ddbxo_error *err)
{
    char path[4096];
    char *text = NULL;
    size_t len = 0;
    int rc = ddbxo__profile_path(env, which, path, sizeof path, err);
    if (rc <= 0)
        return rc;
    rc = read_file(path, &text, &len, err);
    if (rc <= 0)
        return rc;
    rc = ddbxo__profile_parse(text, len, which == DDBXO__PF_CONFIG, name,
                              path, p, err);
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

int ddbxo__profile_load(const ddbxo__env *env, const char *name, int which,
                        ddbxo__profile **out, ddbxo_error *err)
{
    ddbxo__profile *p = NULL;
    *out = NULL;
    if ((which & DDBXO__PF_CONFIG)
        && load_one(env, DDBXO__PF_CONFIG, name, &p, err) < 0)
        goto fail;
    if ((which & DDBXO__PF_CREDENTIALS)
        && load_one(env, DDBXO__PF_CREDENTIALS, name, &p, err) < 0)
        goto fail;
    *out = p;
    return 0;
fail:
    ddbxo__profile_free(p);
    return -1;
}

int ddbxo__creds_profile_static(const ddbxo__profile *p, const char *name,
                                ddbxo_credentials *out, ddbxo_error *err)
{
    const char *ak = ddbxo__profile_get(p, "aws_access_key_id");
    const char *sk = ddbxo__profile_get(p, "aws_secret_access_key");
    const char *tok = ddbxo__profile_get(p, "aws_session_token");

    if (ak && !*ak)
        ak = NULL;
    if (sk && !*sk)
        sk = NULL;
    if (!ak && !sk)
        return 0;
    if (!ak || !sk)
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "profile '%s' has %s but no %s", name,
                          ak ? "aws_access_key_id" : "aws_secret_access_key",
                          ak ? "aws_secret_access_key" : "aws_access_key_id");
    if (!ddbxo__creds_token_ok(ak) || !ddbxo__creds_token_ok(sk)
        || (tok && *tok && !ddbxo__creds_token_ok(tok)))
        return ddbxo__err(err, DDBXO_E_CONFIG, NULL,
                          "profile '%s': %s has spaces or control characters "
                          "(is the next line indented? an indented line "
                          "continues the value)", name,
                          !ddbxo__creds_token_ok(ak) ? "aws_access_key_id"
                          : !ddbxo__creds_token_ok(sk) ? "aws_secret_access_key"
                                                       : "aws_session_token");
    return ddbxo__creds_set(out, ak, sk, tok, 0, "profile", err) < 0 ? -1 : 1;
}
