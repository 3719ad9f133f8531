/* ddbxo parse: what the library sees in an event, one JSON line per
 * record, errors included, so users can check inputs before applying. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ddbxo.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: ddbxo parse [--event FILE|-] [--source-table NAME]\n"
            "\n"
            "Parses a DynamoDB stream event (a Lambda event, a GetRecords response\n"
            "or one record) and prints one JSON line per record:\n"
            "  {\"index\":i,\"eventID\":...,\"eventName\":...,\"sequenceNumber\":...,\n"
            "   \"keys\":{DynamoDB JSON},\"dedupKey\":...,\"sizeBytes\":...,\"ttlDelete\":bool}\n"
            "A record that cannot be parsed prints {\"index\":i,\"error\":{\"path\":...,\n"
            "\"message\":...}} (index -1 for the whole document); good records are\n"
            "still printed.  Exit status: 0 all parsed, 65 some input was bad,\n"
            "66 the file cannot be read, 2 usage error.\n"
            "\n"
            "  --event FILE     the event to read (default: standard input)\n"
            "  --source-table   table name for dedup keys when the records carry\n"
            "                   no eventSourceARN (GetRecords responses)\n");
}

static void print_line(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(o);
}

static void print_error(long index, const ddbxo_error *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(index));
    json_object_set_new(o, "error", json_pack("{s:s,s:s}", "path", e->path,
                                              "message", e->message));
    print_line(o);
}

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void print_record(size_t i, const ddbxo_record *r, const char *table)
{
    json_t *o = json_object(), *keys = NULL;
    char key[DDBXO_DEDUP_KEY_BUFSIZE];
    ddbxo_error err;
    char *kj = ddbxo_value_to_json(ddbxo_record_keys(r), NULL);
    if (kj)
        keys = json_loads(kj, 0, NULL);
    ddbxo_free(kj);
    json_object_set_new(o, "index", json_integer((json_int_t)i));
    json_object_set_new(o, "eventID", opt_str(ddbxo_record_event_id(r)));
    json_object_set_new(o, "eventName", json_string(ddbxo_record_event_name_str(r)));
    json_object_set_new(o, "sequenceNumber", json_string(ddbxo_record_sequence_number(r)));
    json_object_set_new(o, "keys", keys ? keys : json_null());
    if (ddbxo_dedup_key(r, table, key, &err) == 0) {
        json_object_set_new(o, "dedupKey", json_string(key));
    } else {
        json_object_set_new(o, "dedupKey", json_null());
        json_object_set_new(o, "dedupError", json_string(err.message));
    }
    json_object_set_new(o, "sizeBytes", ddbxo_record_size_bytes(r) >= 0
                            ? json_integer(ddbxo_record_size_bytes(r)) : json_null());
    json_object_set_new(o, "ttlDelete", json_boolean(ddbxo_record_ttl_delete(r)));
    print_line(o);
}

int cmd_parse(int argc, char **argv)
{
    const char *path = "-", *table = NULL;
    ddbxo_event *ev;
    ddbxo_error err;
    size_t len = 0;
    char *data;
    int bad = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(stdout);
            return 0;
        } else if (strcmp(argv[i], "--event") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else if (strcmp(argv[i], "--source-table") == 0 && i + 1 < argc) {
            table = argv[++i];
        } else {
            fprintf(stderr, "ddbxo parse: unexpected argument '%s'\n", argv[i]);
            help(stderr);
            return CLI_EX_USAGE;
        }
    }
    if (!(data = cli_read_input(path, &len)))
        return CLI_EX_NOINPUT;
    ev = ddbxo_parse_stream_event(data, len, &err);
    free(data);
    if (!ev) {
        print_error(-1, &err);
        return CLI_EX_DATAERR;
    }
    for (size_t i = 0; i < ddbxo_event_count(ev); i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        if (r) {
            print_record(i, r, table);
        } else {
            print_error((long)i, ddbxo_event_error(ev, i));
            bad = 1;
        }
    }
    ddbxo_event_free(ev);
    return bad ? CLI_EX_DATAERR : 0;
}
