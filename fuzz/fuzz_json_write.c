/* libFuzzer target, differential: ddbxo__json_write against jansson's
 * json_dumps(JSON_COMPACT) -- the writer must be byte-identical (or fail
 * where json_dumps fails).  Input is parsed by jansson (as events and
 * answers are), every container in it is written by both; the raw input
 * also goes in as unchecked string values and keys, for invalid UTF-8. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compare(const json_t *j)
{
    size_t n = 0;
    char *want = json_dumps(j, JSON_COMPACT);
    char *got = ddbxo__json_write(j, &n);
    if ((want == NULL) != (got == NULL) ||
        (want && (strcmp(want, got) != 0 || n != strlen(want)))) {
        fprintf(stderr, "json_dumps: %s\nours:       %s\n",
                want ? want : "(null)", got ? got : "(null)");
        abort();
    }
    free(want);
    free(got);
}

static void every_container(const json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        compare(j);
        json_object_foreach((json_t *)j, k, v)
            every_container(v);
    } else if (json_is_array(j)) {
        compare(j);
        json_array_foreach(j, i, v)
            every_container(v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    json_t *j = json_loadb(s, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    json_t *o, *a;
    if (j) {
        every_container(j);
        compare(j);              /* a scalar: both refuse */
        json_decref(j);
    }
    o = json_object();
    a = json_array();
    if (o && a) {
        json_object_set_new(o, "v", json_stringn_nocheck(s, size));
        json_object_setn_new_nocheck(o, s, size, json_integer((json_int_t)size));
        json_object_set_new(o, "w", json_true());
        json_array_append_new(a, json_stringn_nocheck(s, size));
        json_array_append(a, o);
        compare(o);
        compare(a);
    }
    json_decref(o);
    json_decref(a);
    return 0;
}
