/* The target side's flags that apply, run, redrive and init share
 * (--target-region, --target-endpoint-url, --target-role-arn,
 * --target-external-id), the two clients they make, and the refusals of
 * ddbxo_sides_check printed with the flag they concern. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ddbxo.h"

int cli_target_flag(const char *cmd, int argc, char **argv, int *i,
                    cli_target_opts *o, int *status)
{
    static const struct { const char *name; size_t off; } t[] = {
        { "--target-region", offsetof(cli_target_opts, region) },
        { "--target-endpoint-url", offsetof(cli_target_opts, endpoint) },
        { "--target-role-arn", offsetof(cli_target_opts, role_arn) },
        { "--target-external-id", offsetof(cli_target_opts, external_id) },
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (strcmp(argv[*i], t[k].name) == 0) {
            char msg[96];
            if (++*i >= argc) {
                snprintf(msg, sizeof msg, "%s needs a value", t[k].name);
                *status = cli_usage_error(cmd, msg);
                return -1;
            }
            *(const char **)(void *)((char *)o + t[k].off) = argv[*i];
            return 1;
        }
    return 0;
}

int cli_target_set(const cli_target_opts *o)
{
    return o->region || o->endpoint || o->role_arn || o->external_id;
}

int cli_make_sides(const char *cmd, const ddbxo_client_config *ccfg,
                   const cli_target_opts *o, ddbxo_client **src,
                   ddbxo_client **tgt)
{
    ddbxo_client_config t;
    ddbxo_error err;
    *src = *tgt = NULL;
    if (o->external_id && !o->role_arn)
        return cli_usage_error(cmd, "--target-external-id needs "
                                    "--target-role-arn");
    if (!(*src = ddbxo_client_new(ccfg, &err))) {
        fprintf(stderr, "ddbxo %s: %s\n", cmd, err.message);
        return 1;
    }
    if (!cli_target_set(o)) {
        *tgt = *src;
        return 0;
    }
    /* The target side: the same settings with its own region, endpoint
     * and role; its region defaults to the source's. */
    t = *ccfg;
    t.region = o->region ? o->region : ddbxo_client_region(*src);
    if (o->endpoint)
        t.endpoint_dynamodb = t.endpoint_streams = t.endpoint_sqs = o->endpoint;
    t.role_arn = o->role_arn;
    t.external_id = o->external_id;
    if (!(*tgt = ddbxo_client_new(&t, &err))) {
        fprintf(stderr, "ddbxo %s: target side (--target-*): %s\n", cmd,
                err.message);
        ddbxo_client_free(*src);
        *src = NULL;
        return 1;
    }
    return 0;
}

void cli_free_sides(ddbxo_client *src, ddbxo_client *tgt)
{
    if (tgt != src)
        ddbxo_client_free(tgt);
    ddbxo_client_free(src);
}

const char *cli_flag_of(const char *field)
{
    static const struct { const char *field, *flag; } names[] = {
        { "target_table", "--target-table" },
        { "ledger_table", "--ledger-table" },
        { "source_version_attr", "--source-version-attr" },
        { "park_queue_url", "--park-queue" },
        { "checkpoint_table", "--checkpoint-table" },
        { "source_table", "--source-table" },
        { "queue_url", "--queue-url" },
    };
    for (size_t i = 0; field && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(field, names[i].field) == 0)
            return names[i].flag;
    return NULL;
}

int cli_check_sides(const char *cmd, ddbxo_client *src, ddbxo_client *tgt,
                    const ddbxo_apply_config *acfg, const char *checkpoint)
{
    ddbxo_error err;
    const char *flag;
    if (ddbxo_sides_check(src, tgt, acfg, checkpoint, &err) == 0)
        return 0;
    flag = cli_flag_of(err.path);
    fprintf(stderr, "ddbxo %s: %s: %s\n", cmd, flag ? flag : err.path,
            err.message);
    return CLI_EX_USAGE;
}
