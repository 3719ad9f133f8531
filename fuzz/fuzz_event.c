/* libFuzzer target: the stream event parser plus everything a caller does
 * with a parsed record (accessors, images to JSON, dedup keys). */
#include <stddef.h>
#include <stdint.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ddbxo_error err;
    ddbxo_event *ev = ddbxo_parse_stream_event((const char *)data, size, &err);
    if (!ev)
        return 0;
    for (size_t i = 0; i < ddbxo_event_count(ev); i++) {
        const ddbxo_record *r = ddbxo_event_record(ev, i);
        char key[DDBXO_DEDUP_KEY_BUFSIZE];
        if (!r) {
            (void)ddbxo_event_error(ev, i);
            continue;
        }
        (void)ddbxo_dedup_key(r, NULL, key, &err);
        (void)ddbxo_dedup_key(r, "T", key, &err);
        const ddbxo_value *imgs[3] = { ddbxo_record_keys(r),
                                       ddbxo_record_new_image(r),
                                       ddbxo_record_old_image(r) };
        for (int k = 0; k < 3; k++) {
            if (!imgs[k])
                continue;
            ddbxo_free(ddbxo_value_to_json(imgs[k], NULL));
            unsigned char *c = NULL;
            size_t n;
            if (ddbxo_value_canonical(imgs[k], &c, &n, &err) == 0)
                ddbxo_free(c);
        }
        ddbxo_free(ddbxo_record_to_json(r, NULL));
    }
    ddbxo_event_free(ev);
    return 0;
}
