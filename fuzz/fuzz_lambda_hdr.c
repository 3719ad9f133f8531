/* libFuzzer target: the Lambda Runtime API's /next answer headers
 * (lib/lambda/lambda_hdr.c): header lines as libcurl hands them over, the request
 * id that goes into the /response URL, the deadline.
 *
 * Input: header lines separated by '\n' (each passed with its '\n', as
 * libcurl does; a line may hold '\r' and NUL bytes). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lambda/lambda_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ddbxo__lambda_hdrs h;
    ddbxo__lambda_hdrs_init(&h);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        ddbxo__lambda_hdrs_line(&h, p, len);
        p += len;
    }
    for (int i = 0; i < DDBXO__LH_N; i++) {
        const char *v = ddbxo__lambda_hdrs_get(&h, i);
        size_t n = strlen(v);
        if (n > DDBXO__LH_MAX_VALUE)
            __builtin_trap();
        if (i == DDBXO__LH_ID && ddbxo__lambda_request_id_ok(v, n)) {
            /* what the runtime builds from it must stay one path */
            if (n > DDBXO__LH_MAX_REQUEST_ID || strpbrk(v, "/?#%. \r\n"))
                __builtin_trap();
        }
        if (i == DDBXO__LH_DEADLINE && ddbxo__lambda_deadline(v) < 0)
            __builtin_trap();
    }
    ddbxo__lambda_hdrs_free(&h);
    return 0;
}
