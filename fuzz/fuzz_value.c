/* libFuzzer target: DynamoDB JSON values and items, both rule sets, and
 * what callers do with a parsed value (JSON out, canonical bytes, numbers). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ddbxo.h"
#include "ddbxo/sys/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(ddbxo_value *v)
{
    ddbxo_error err;
    unsigned char *c = NULL;
    size_t n = 0;
    if (!v)
        return;
    ddbxo_free(ddbxo_value_to_json(v, NULL));
    if (ddbxo_value_canonical(v, &c, &n, &err) == 0)
        ddbxo_free(c);
    (void)ddbxo_value_check(v, DDBXO_VALUE_STRICT, &err);
    ddbxo_value_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ddbxo_error err;
    const char *s = (const char *)data;
    exercise(ddbxo_value_parse(s, size, DDBXO_VALUE_LENIENT, &err));
    exercise(ddbxo_value_parse(s, size, DDBXO_VALUE_STRICT, &err));
    exercise(ddbxo_item_parse(s, size, DDBXO_VALUE_LENIENT, &err));
    if (size < 256) {
        char num[256], out[DDBXO_NUMBER_BUFSIZE];
        memcpy(num, data, size);
        num[size] = '\0';
        if (ddbxo_number_validate(num, &err) == 0)
            (void)ddbxo_number_normalize(num, out, sizeof out, &err);
    }
    return 0;
}
