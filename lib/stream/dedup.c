/* Dedup key v1 and ClientRequestToken (docs/design.md §4, docs/format.md).  Both
 * are frozen formats: bindings and stored ledger items depend on them. */
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/error.h"
#include "stream/record.h"
#include "util/sha256.h"
#include "value/value.h"
#include "value/canon.h"

static const char dedup_tag[] = "ddbxo-dedup-v1";
static const char token_tag[] = "ddbxo-token-v1";

DDBXO_API int ddbxo_arn_table_name(const char *arn, char *out, size_t outsz,
                                   ddbxo_error *err)
{
    const char *p, *end, *svc = NULL;
    int colons = 0;
    if (!arn || strncmp(arn, "arn:", 4) != 0)
        return ddbxo__err(err, DDBXO_E_INVALID, "", "not an ARN");
    /* arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME[/stream/LABEL] */
    for (p = arn; *p && colons < 5; p++)
        if (*p == ':' && ++colons == 2)
            svc = p + 1;
    if (colons < 5 || !svc || strncmp(svc, "dynamodb:", 9) != 0 ||
        strncmp(p, "table/", 6) != 0)
        return ddbxo__err(err, DDBXO_E_INVALID, "",
                          "not a DynamoDB table or stream ARN");
    p += 6;
    end = strchr(p, '/');
    if (!end)
        end = p + strlen(p);
    if (end == p || (*end == '/' && strncmp(end, "/stream/", 8) != 0))
        return ddbxo__err(err, DDBXO_E_INVALID, "",
                          "not a DynamoDB table or stream ARN");
    if ((size_t)(end - p) >= outsz)
        return ddbxo__err(err, DDBXO_E_LIMIT, "", "table name too long");
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 0;
}

/* Table names are at most 255 bytes; an ARN used as a fallback name is
 * bounded by the event size. */
static int source_name(const ddbxo_record *rec, const char *explicit_name,
                       char *buf, size_t bufsz, const char **name,
                       ddbxo_error *err)
{
    if (explicit_name) {
        *name = explicit_name;
        return 0;
    }
    if (!rec->event_source_arn)
        return ddbxo__err(err, DDBXO_E_INVALID, "eventSourceARN",
                          "record has no eventSourceARN: the source table "
                          "name must be given");
    if (ddbxo_arn_table_name(rec->event_source_arn, buf, bufsz, NULL) == 0)
        *name = buf;
    else
        *name = rec->event_source_arn;
    return 0;
}

DDBXO_API int ddbxo_dedup_canonical(const ddbxo_record *rec,
                                    const char *source_table,
                                    unsigned char **out, size_t *len,
                                    ddbxo_error *err)
{
    char tbl[256], seq[DDBXO_SEQ_BUFSIZE];
    const char *name = NULL;
    ddbxo__buf b;
    size_t nlen;

    if (!rec || !out)
        return ddbxo__err(err, DDBXO_E_INVALID, "", "NULL argument");
    if (source_name(rec, source_table, tbl, sizeof tbl, &name, err) < 0 ||
        ddbxo_seq_pad(rec->seq, seq, err) < 0)
        return -1;
    nlen = strlen(name);
    if (nlen > UINT32_MAX)
        return ddbxo__err(err, DDBXO_E_LIMIT, "", "source table name too long");
    ddbxo__buf_init(&b);
    ddbxo__buf_put(&b, dedup_tag, sizeof dedup_tag - 1);
    ddbxo__buf_put_u32be(&b, (uint32_t)nlen);
    ddbxo__buf_put(&b, name, nlen);
    if (ddbxo__canon_item_doc(&b, rec->keys.doc, rec->keys.node, err) < 0) {
        ddbxo__buf_free(&b);
        return -1;
    }
    ddbxo__buf_put_u32be(&b, DDBXO_MAX_SEQ_DIGITS);
    ddbxo__buf_put(&b, seq, DDBXO_MAX_SEQ_DIGITS);
    if (b.oom) {
        ddbxo__buf_free(&b);
        return ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
    }
    *out = ddbxo__buf_take(&b, len);
    return 0;
}

/* The sha256 layer's digest reuses the process-wide SHA-256 fetch. */
static int sha256_hex(const unsigned char *p, size_t n,
                      char hex[DDBXO__SHA256_HEX], ddbxo_error *err)
{
    ddbxo__sha s;
    int rc = -1;
    if (ddbxo__sha_init(&s) == 0) {
        rc = ddbxo__sha256_hex(&s, p, n, hex);
        ddbxo__sha_free(&s);
    }
    if (rc < 0)
        return ddbxo__err(err, DDBXO_E_INTERNAL, "", "SHA-256 failed");
    return 0;
}

DDBXO_API int ddbxo_dedup_key(const ddbxo_record *rec, const char *source_table,
                              char out[DDBXO_DEDUP_KEY_BUFSIZE], ddbxo_error *err)
{
    unsigned char *c = NULL;
    size_t n = 0;
    int rc;
    if (ddbxo_dedup_canonical(rec, source_table, &c, &n, err) < 0)
        return -1;
    rc = sha256_hex(c, n, out, err);
    free(c);
    return rc;
}

static int is_key(const char *k)
{
    size_t i;
    if (!k)
        return 0;
    for (i = 0; i < 64; i++)
        if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
            return 0;
    return k[64] == '\0';
}

DDBXO_API int ddbxo_client_request_token(const char *const *keys, size_t n,
                                         char out[DDBXO_TOKEN_BUFSIZE],
                                         ddbxo_error *err)
{
    ddbxo__buf b;
    char hex[65];
    int rc;
    if (!keys || n == 0)
        return ddbxo__err(err, DDBXO_E_INVALID, "", "no dedup keys");
    ddbxo__buf_init(&b);
    ddbxo__buf_put(&b, token_tag, sizeof token_tag - 1);
    for (size_t i = 0; i < n; i++) {
        if (!is_key(keys[i])) {
            ddbxo__buf_free(&b);
            return ddbxo__err(err, DDBXO_E_INVALID, "",
                              "dedup key %zu is not 64 lowercase hex characters", i);
        }
        ddbxo__buf_put(&b, keys[i], 64);
    }
    if (b.oom) {
        ddbxo__buf_free(&b);
        return ddbxo__err(err, DDBXO_E_NOMEM, "", "out of memory");
    }
    rc = sha256_hex(b.p, b.len, hex, err);
    ddbxo__buf_free(&b);
    if (rc < 0)
        return -1;
    memcpy(out, hex, DDBXO_TOKEN_LEN);
    out[DDBXO_TOKEN_LEN] = '\0';
    return 0;
}
