/* ddbxo_sides_check: the configurations that cannot be exactly-once when
 * the source side (stream, checkpoint table) and the target side (target,
 * ledger/tracker table, park queue) are in different regions or accounts.
 *
 * The rule behind every refusal: the applier's writes for one record are
 * one DynamoDB transaction (target item + ledger item [+ the source
 * check]), and a transaction is confined to one account and one region
 * (docs/configuration.md cites the DynamoDB documentation). */
#include <stdio.h>
#include <string.h>

#include "ddbxo/sys/apply.h"
#include "service/client.h"
#include "util/error.h"

/* Where a table is: "arn:<partition>:dynamodb:<region>:<account>:table/<name>"
 * names both; a plain name is in the side's region and the caller's own
 * account (which only STS could tell; it is never guessed). */
typedef struct loc {
    int is_arn;
    char region[DDBXO_REGION_BUFSIZE];
    char account[32];
} loc;

static int parse_loc(const char *name, loc *l)
{
    const char *p[6];
    int n = 0;
    memset(l, 0, sizeof *l);
    if (!name || strncmp(name, "arn:", 4) != 0)
        return 0;
    p[n++] = name;
    for (const char *s = name; *s && n < 6; s++)
        if (*s == ':')
            p[n++] = s + 1;
    if (n < 6 || strncmp(p[2], "dynamodb:", 9) != 0 ||
        (size_t)(p[4] - p[3] - 1) >= sizeof l->region ||
        (size_t)(p[5] - p[4] - 1) >= sizeof l->account)
        return -1;
    memcpy(l->region, p[3], (size_t)(p[4] - p[3] - 1));
    memcpy(l->account, p[4], (size_t)(p[5] - p[4] - 1));
    l->is_arn = 1;
    return 0;
}

static int refuse(ddbxo_error *err, const char *field, const char *fmt,
                  const char *a, const char *b, const char *c)
{
    char msg[sizeof err->message];
    snprintf(msg, sizeof msg, fmt, a, b, c);
    return ddbxo__err(err, DDBXO_E_CONFIG, field, "%s", msg);
}

/* Region of an SQS queue URL (https://sqs.<region>.amazonaws.com/... or
 * the legacy https://<region>.queue.amazonaws.com/...), "" if unknown. */
static void queue_region(const char *url, char *out, size_t n)
{
    const char *h = strstr(url, "://"), *e;
    out[0] = '\0';
    if (!h)
        return;
    h += 3;
    if (strncmp(h, "sqs.", 4) == 0) {
        h += 4;
        e = strchr(h, '.');
    } else {
        e = strstr(h, ".queue.");
    }
    if (e && (size_t)(e - h) < n && strchr(h, '/') > e) {
        memcpy(out, h, (size_t)(e - h));
        out[e - h] = '\0';
    }
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

DDBXO_API int ddbxo_sides_check(const ddbxo_client *source,
                                const ddbxo_client *target,
                                const ddbxo_apply_config *acfg,
                                const char *checkpoint_table,
                                ddbxo_error *err)
{
    const char *treg, *sreg;
    int mode;
    loc t, l, k;

    if (!target)
        target = source;
    if (!source)
        source = target;
    if (!target || !acfg)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL,
                          "sides_check: no client or no apply config");
    treg = ddbxo_client_region(target);
    sreg = ddbxo_client_region(source);
    mode = acfg->mode ? acfg->mode : DDBXO_MODE_REPLICATE;

    if (parse_loc(acfg->target_table, &t) < 0)
        return refuse(err, "target_table", "target_table is an ARN but not a "
                      "DynamoDB table ARN%s%s%s", "", "", "");
    if (t.is_arn && strcmp(t.region, treg) != 0)
        return refuse(err, "target_table",
                      "target_table is in region %s but the target side is "
                      "in %s: set the target region to %s", t.region, treg,
                      t.region);
    if (mode != DDBXO_MODE_REPLICATE && acfg->ledger_table) {
        if (parse_loc(acfg->ledger_table, &l) < 0)
            return refuse(err, "ledger_table", "ledger_table is an ARN but "
                          "not a DynamoDB table ARN%s%s%s", "", "", "");
        if (l.is_arn && strcmp(l.region, treg) != 0)
            return refuse(err, "ledger_table",
                          "ledger_table is in region %s but the target table "
                          "in %s: one transaction cannot span regions, so "
                          "the ledger table must live with the target table%s",
                          l.region, treg, "");
        if (l.is_arn != t.is_arn || (l.is_arn && strcmp(l.account, t.account)))
            return refuse(err, "ledger_table",
                          "ledger_table is in account %s but the target table "
                          "in account %s: one transaction cannot span "
                          "accounts, so the ledger table must live with the "
                          "target table (give both as ARNs of one account, "
                          "or both as plain names)",
                          l.is_arn ? l.account : "(the caller's own)",
                          t.is_arn ? t.account : "(the caller's own)", "");
    }
    if (acfg->source_version_attr) {
        loc s;
        /* The source table is a plain name in the source side's account
         * unless given as an ARN: a target table ARN then has to name the
         * same account and region. */
        int apart = source != target &&
                    (strcmp(sreg, treg) != 0 ||
                     !same(ddbxo_client_role_arn(source),
                           ddbxo_client_role_arn(target)));
        if (parse_loc(acfg->source_table, &s) < 0)
            return refuse(err, "source_table", "source_table is an ARN but "
                          "not a DynamoDB table ARN%s%s%s", "", "", "");
        if (t.is_arn && !(s.is_arn && strcmp(s.account, t.account) == 0 &&
                          strcmp(s.region, t.region) == 0))
            apart = 1;
        if (apart)
            return refuse(err, "source_version_attr",
                      "source_version_attr puts a ConditionCheck on the "
                      "source table into the target's transaction, which "
                      "cannot span regions or accounts: the source side is "
                      "%s, the target side %s%s (drop the source check, or "
                      "keep both sides in one account and region)", sreg,
                      treg, ddbxo_client_role_arn(target) || t.is_arn
                                ? " in another account" : "");
    }
    if (acfg->park_queue_url) {
        char qr[DDBXO_REGION_BUFSIZE];
        queue_region(acfg->park_queue_url, qr, sizeof qr);
        if (qr[0] && strcmp(qr, treg) != 0)
            return refuse(err, "park_queue_url",
                          "park_queue_url is in region %s but the target side "
                          "is in %s: the park queue is written with the "
                          "target's client, so it must be in %s", qr, treg,
                          treg);
    }
    if (checkpoint_table) {
        if (parse_loc(checkpoint_table, &k) < 0)
            return refuse(err, "checkpoint_table", "checkpoint_table is an ARN "
                          "but not a DynamoDB table ARN%s%s%s", "", "", "");
        if (k.is_arn && strcmp(k.region, sreg) != 0)
            return refuse(err, "checkpoint_table",
                          "checkpoint_table is in region %s but the source "
                          "side is in %s: checkpoints live with the runner's "
                          "stream, in %s", k.region, sreg, sreg);
    }
    return 0;
}
