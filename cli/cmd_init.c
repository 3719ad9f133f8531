/* ddbxo init: creates the tables a pipeline needs and checks the source
 * stream.  It never changes what exists: a user runs it against production
 * tables, so it only reports on them. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ddbxo.h"
#include "service/ddb.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: ddbxo init --source-table S --target-table T\n"
            "                  [--mode replicate|ledger|tracker]\n"
            "                  [--ledger-table L] [--checkpoint-table C]\n"
            "                  [--aggregate GROUP:SUM]\n"
            "                  [--source-version-attr A]\n"
            "                  [--target-key NAME:TYPE[,NAME:TYPE]]\n"
            "                  [--ttl-attr NAME] [--target-region R ...]\n"
            "\n"
            "Checks that the source table has a stream whose view type the\n"
            "mode needs, and creates the missing target, ledger and checkpoint\n"
            "tables (on-demand billing, TTL on: the tombstone attribute of the\n"
            "target, exp on the ledger and checkpoint tables).  Tables that\n"
            "exist are not changed; what was found is reported.\n"
            "\n"
            "  --target-key K    key of a new target table, e.g. id:S or\n"
            "                    pk:S,sk:N (default: the source table's key;\n"
            "                    pk:S with --aggregate)\n"
            "  --ttl-attr NAME   tombstone TTL attribute of the target\n"
            "                    (default %s)\n"
            CLI_TARGET_HELP
            "The target and ledger tables are made on the target side; the\n"
            "checkpoint table with the source (the runner reads there).\n"
            "\n"
            "Prints one line per table, then a JSON summary as the last line:\n"
            "{\"source\":{...},\"created\":[...],\"existing\":[...],\n"
            "\"problems\":[...]}.\n"
            "Exit status: 0 ready, 1 a problem was found (listed), 2 usage\n"
            "error, 69 the service could not be reached.\n",
            DDBXO_DEFAULT_TTL_ATTR);
}

#define CLI_EX_UNAVAILABLE 69

typedef struct init_opts {
    const char *source, *target, *ledger, *checkpoint;
    const char *aggregate, *source_version_attr, *target_key, *ttl_attr;
    int mode;
    cli_target_opts tgt;
} init_opts;

static int parse_args(int argc, char **argv, init_opts *o)
{
    const char *mode_name = NULL;
    memset(o, 0, sizeof *o);
    o->mode = DDBXO_MODE_REPLICATE;
    o->ttl_attr = DDBXO_DEFAULT_TTL_ATTR;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        int k, st;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(stdout);
            exit(0);
        }
        if ((k = cli_target_flag("init", argc, argv, &i, &o->tgt, &st)) != 0) {
            if (k < 0)
                return -1;
            continue;
        }
        if (strcmp(a, "--source-table") == 0) slot = &o->source;
        else if (strcmp(a, "--target-table") == 0) slot = &o->target;
        else if (strcmp(a, "--ledger-table") == 0) slot = &o->ledger;
        else if (strcmp(a, "--checkpoint-table") == 0) slot = &o->checkpoint;
        else if (strcmp(a, "--aggregate") == 0) slot = &o->aggregate;
        else if (strcmp(a, "--source-version-attr") == 0)
            slot = &o->source_version_attr;
        else if (strcmp(a, "--target-key") == 0) slot = &o->target_key;
        else if (strcmp(a, "--ttl-attr") == 0) slot = &o->ttl_attr;
        else if (strcmp(a, "--mode") == 0) slot = &mode_name;
        else {
            fprintf(stderr, "ddbxo init: unknown option '%s' (see --help)\n", a);
            return -1;
        }
        if (i + 1 >= argc || !argv[i + 1][0]) {
            fprintf(stderr, "ddbxo init: %s needs a value\n", a);
            return -1;
        }
        *slot = argv[++i];
    }
    if (!o->source || !o->target) {
        fprintf(stderr, "ddbxo init: --source-table and --target-table are "
                        "required (see --help)\n");
        return -1;
    }
    {
        /* The rules ddbxo apply, run and redrive apply (the library's). */
        cli_mode_opts mo = { mode_name, o->ledger, o->aggregate, NULL };
        if (cli_check_mode("init", &mo, &o->mode) != -1)
            return -1;
    }
    return 0;
}

/* One call; *out gets the response.  On failure *err is filled and *out
 * is the parsed error body's __type-free copy (NULL). */
static int call(ddbxo_client *c, const char *op, json_t *body, json_t **out,
                ddbxo_error *err)
{
    char *text = json_dumps(body, JSON_COMPACT), *resp = NULL;
    size_t len = 0;
    int rc;
    json_decref(body);
    if (!text) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    rc = ddbxo_call(c, DDBXO_SERVICE_DYNAMODB, op, text, strlen(text), 0,
                    &resp, &len, err);
    free(text);
    if (rc == 0 && out)
        *out = json_loadb(resp, len, 0, NULL);
    ddbxo_free(resp);
    return rc;
}

/* DescribeTable: 1 = found (*table set), 0 = absent, -1 = error. */
static int describe(ddbxo_client *c, const char *name, json_t **table,
                    ddbxo_error *err)
{
    json_t *out = NULL;
    *table = NULL;
    if (call(c, "DescribeTable", json_pack("{s:s}", "TableName", name), &out,
             err) < 0)
        return strcmp(err->aws_type, "ResourceNotFoundException") == 0 ? 0
                                                                        : -1;
    *table = json_incref(json_object_get(out, "Table"));
    json_decref(out);
    return *table ? 1 : -1;
}

/* The view types the configuration can work with, most demanding first. */
static const char *needed_view(const init_opts *o)
{
    if (o->aggregate)
        return "NEW_AND_OLD_IMAGES";
    return "NEW_IMAGE";   /* identity / spec puts and the source check */
}

static int view_ok(const char *have, const char *need)
{
    if (!have)
        return 0;
    if (strcmp(have, "NEW_AND_OLD_IMAGES") == 0)
        return 1;
    return strcmp(have, need) == 0;
}

/* Key schema + attribute definitions from "a:S,b:N" (HASH then RANGE). */
static int key_from_spec(const char *spec, json_t **schema, json_t **defs)
{
    char buf[512], *save = NULL;
    int n = 0;
    snprintf(buf, sizeof buf, "%s", spec);
    *schema = json_array();
    *defs = json_array();
    for (char *part = strtok_r(buf, ",", &save); part;
         part = strtok_r(NULL, ",", &save), n++) {
        char *colon = strrchr(part, ':');
        if (!colon || colon == part || n >= 2 ||
            (strcmp(colon + 1, "S") && strcmp(colon + 1, "N") &&
             strcmp(colon + 1, "B")))
            goto bad;
        *colon = '\0';
        json_array_append_new(*schema,
                              json_pack("{s:s,s:s}", "AttributeName", part,
                                        "KeyType", n ? "RANGE" : "HASH"));
        json_array_append_new(*defs,
                              json_pack("{s:s,s:s}", "AttributeName", part,
                                        "AttributeType", colon + 1));
    }
    if (n)
        return 0;
bad:
    json_decref(*schema);
    json_decref(*defs);
    return -1;
}

/* The source table's key schema and the definitions of its key
 * attributes (new references). */
static void key_from_table(const json_t *table, json_t **schema, json_t **defs)
{
    const json_t *ks = json_object_get(table, "KeySchema"), *e;
    size_t i;
    *schema = json_deep_copy(ks);
    *defs = json_array();
    json_array_foreach(ks, i, e) {
        const char *name = json_string_value(json_object_get(e, "AttributeName"));
        const json_t *d;
        size_t k;
        json_array_foreach(json_object_get(table, "AttributeDefinitions"), k, d)
            if (name && json_equal(json_object_get(d, "AttributeName"),
                                   json_object_get(e, "AttributeName")))
                json_array_append(*defs, (json_t *)d);
    }
}

/* The type of attribute `name` in a table's AttributeDefinitions. */
static const char *def_type(const json_t *defs, const char *name)
{
    const json_t *d;
    size_t i;
    json_array_foreach(defs, i, d)
        if (name && strcmp(json_string_value(json_object_get(
                               d, "AttributeName")) ?: "", name) == 0)
            return json_string_value(json_object_get(d, "AttributeType"));
    return NULL;
}

/* Creates `name` with the key (the library's CreateTable: on-demand),
 * waits until it is ACTIVE, then turns TTL on for ttl.  Takes schema and
 * defs. */
static int create(ddbxo_client *c, const char *name, json_t *schema,
                  json_t *defs, const char *ttl, ddbxo_error *err)
{
    const char *k[2] = { NULL, NULL }, *t[2] = { NULL, NULL };
    const json_t *e;
    size_t i;
    int rc;
    json_array_foreach(schema, i, e) {
        const char *kt = json_string_value(json_object_get(e, "KeyType"));
        int r = kt && strcmp(kt, "RANGE") == 0;
        k[r] = json_string_value(json_object_get(e, "AttributeName"));
        t[r] = def_type(defs, k[r]);
    }
    rc = ddbxo__ddb_create_table(c, name, k[0], t[0], k[1], t[1], NULL, NULL,
                                 0, NULL, err);
    json_decref(schema);
    json_decref(defs);
    /* UpdateTimeToLive needs an ACTIVE table. */
    if (rc < 0 || ddbxo__ddb_wait_table_active(c, name, 0, err) < 0)
        return -1;
    return ddbxo__ddb_update_ttl(c, name, ttl, 1, 0, NULL, err);
}

typedef struct report {
    json_t *created, *existing, *problems;
} report;

static void problem(report *r, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b ? b : "");
    fprintf(stderr, "ddbxo init: %s\n", msg);
    json_array_append_new(r->problems, json_string(msg));
}

/* Creates a missing table, or reports on the existing one: its key must be
 * pk (S) for the ledger and checkpoint tables. */
static int ensure(ddbxo_client *c, report *r, const char *role,
                  const char *name, json_t *schema, json_t *defs,
                  const char *ttl, int want_pk_s)
{
    ddbxo_error err;
    json_t *t = NULL;
    int found = describe(c, name, &t, &err);
    if (found < 0) {
        json_decref(schema);
        json_decref(defs);
        fprintf(stderr, "ddbxo init: DescribeTable %s: %s\n", name, err.message);
        return -1;
    }
    if (found) {
        const json_t *ks = json_object_get(t, "KeySchema");
        printf("%s table %s exists (%s); left as it is\n", role, name,
               json_string_value(json_object_get(t, "TableStatus")));
        json_array_append_new(r->existing, json_string(name));
        if (want_pk_s &&
            (json_array_size(ks) != 1 ||
             strcmp(json_string_value(json_object_get(json_array_get(ks, 0),
                                                      "AttributeName")) ?: "",
                    "pk") != 0))
            problem(r, "%s table %s must have the single key pk (S)", role,
                    name);
        json_decref(t);
        json_decref(schema);
        json_decref(defs);
        return 0;
    }
    if (create(c, name, schema, defs, ttl, &err) < 0) {
        fprintf(stderr, "ddbxo init: creating %s: %s\n", name, err.message);
        return -1;
    }
    printf("%s table %s created (on-demand, TTL on %s)\n", role, name, ttl);
    json_array_append_new(r->created, json_string(name));
    return 0;
}

static void pk_s(json_t **schema, json_t **defs)
{
    key_from_spec("pk:S", schema, defs);
}

int cmd_init(int argc, char **argv)
{
    init_opts o;
    ddbxo_error err;
    ddbxo_client *c, *tc;
    ddbxo_apply_config ac;
    json_t *src = NULL, *schema, *defs, *summary;
    report r;
    const char *view = NULL;
    int rc = 0, found;

    if (parse_args(argc, argv, &o) < 0)
        return CLI_EX_USAGE;
    if (o.target_key && key_from_spec(o.target_key, &schema, &defs) < 0) {
        fprintf(stderr, "ddbxo init: --target-key wants NAME:TYPE[,NAME:TYPE] "
                        "with TYPE S, N or B\n");
        return CLI_EX_USAGE;
    }
    if (o.target_key) {
        json_decref(schema);
        json_decref(defs);
    }
    {
        ddbxo_client_config cc;
        memset(&cc, 0, sizeof cc);
        if (cli_make_sides("init", &cc, &o.tgt, &c, &tc) != 0)
            return CLI_EX_USAGE;
    }
    memset(&ac, 0, sizeof ac);
    ac.mode = o.mode;
    ac.target_table = o.target;
    ac.ledger_table = o.ledger;
    ac.source_version_attr = o.source_version_attr;
    if (cli_check_sides("init", c, tc, &ac, o.checkpoint) != 0) {
        cli_free_sides(c, tc);
        return CLI_EX_USAGE;
    }
    r.created = json_array();
    r.existing = json_array();
    r.problems = json_array();

    found = describe(c, o.source, &src, &err);
    if (found < 0) {
        fprintf(stderr, "ddbxo init: DescribeTable %s: %s\n", o.source,
                err.message);
        rc = CLI_EX_UNAVAILABLE;
        goto out;
    }
    if (!found) {
        problem(&r, "source table %s does not exist%s", o.source, "");
    } else {
        const json_t *spec = json_object_get(src, "StreamSpecification");
        int enabled = json_is_true(json_object_get(spec, "StreamEnabled"));
        view = json_string_value(json_object_get(spec, "StreamViewType"));
        if (!enabled) {
            problem(&r, "source table %s has no stream: enable one with view "
                        "type %s (UpdateTable StreamSpecification)",
                    o.source, needed_view(&o));
            view = NULL;
        } else {
            printf("source table %s: stream %s, view type %s\n", o.source,
                   json_string_value(json_object_get(src, "LatestStreamArn")),
                   view);
            if (!view_ok(view, needed_view(&o)))
                problem(&r, "the source stream's view type is %s; this "
                            "configuration needs %s",
                        view ? view : "unknown", needed_view(&o));
        }
    }

    /* The target: the given key, the aggregate's pk, or the source's. */
    if (o.target_key)
        key_from_spec(o.target_key, &schema, &defs);
    else if (o.aggregate)
        pk_s(&schema, &defs);
    else if (src)
        key_from_table(src, &schema, &defs);
    else
        schema = defs = NULL;
    if (schema) {
        if (ensure(tc, &r, "target", o.target, schema, defs,
                   o.ttl_attr, 0) < 0) {
            rc = CLI_EX_UNAVAILABLE;
            goto out;
        }
    } else {
        problem(&r, "cannot create target table %s without the source's key "
                    "(or --target-key)%s", o.target, "");
    }
    if (o.ledger) {
        pk_s(&schema, &defs);
        if (ensure(tc, &r, "ledger", o.ledger, schema, defs, "exp", 1) < 0) {
            rc = CLI_EX_UNAVAILABLE;
            goto out;
        }
    }
    if (o.checkpoint) {
        pk_s(&schema, &defs);
        if (ensure(c, &r, "checkpoint", o.checkpoint, schema, defs, "exp",
                   1) < 0) {
            rc = CLI_EX_UNAVAILABLE;
            goto out;
        }
    }
    rc = json_array_size(r.problems) ? 1 : 0;
out:
    summary = json_pack("{s:{s:s,s:b,s:s?},s:O,s:O,s:O}", "source", "table",
                        o.source, "exists", src != NULL, "view_type", view,
                        "created", r.created, "existing", r.existing,
                        "problems", r.problems);
    if (summary && rc != CLI_EX_UNAVAILABLE) {
        char *text = json_dumps(summary, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
    }
    json_decref(summary);
    json_decref(r.created);
    json_decref(r.existing);
    json_decref(r.problems);
    json_decref(src);
    cli_free_sides(c, tc);
    return rc;
}
