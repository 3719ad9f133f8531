/* libFuzzer target: DynamoDB/SQS error answers (lib/service/ddb_error.c) -- JSON,
 * XML and anything else -- and what the library builds from them: the
 * ddbxo_error message, the retry class, the public detail.
 *
 * Input: byte 0 picks the HTTP status, bytes up to the first '\n' (at
 * most 96) are the x-amzn-ErrorType header, the rest is the body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "service/ddb.h"
#include "ddbxo.h"
#include "ddbxo/sys/ddb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = { 400, 400, 400, 413, 429, 500, 502, 503,
                                 504, 404, 200, 301 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long status = 400;
    char type[97] = "";
    if (size > 0) {
        status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
        data++;
        size--;
    }
    const uint8_t *nl = memchr(data, '\n', size < 96 ? size : 96);
    if (nl) {
        memcpy(type, data, (size_t)(nl - data));
        type[nl - data] = '\0';
        size -= (size_t)(nl - data) + 1;
        data = nl + 1;
    }

    ddbxo__aws_error e;
    ddbxo__aws_error_init(&e);
    (void)ddbxo__aws_error_parse(status, type[0] ? type : NULL, data, size, &e);
    ddbxo_error err;
    ddbxo_error_clear(&err);
    ddbxo__aws_error_to_err(&e, "TransactWriteItems", &err);
    ddbxo__aws_error_to_err(&e, NULL, &err);
    if (strlen(err.message) >= sizeof err.message ||
        strlen(err.aws_type) >= sizeof err.aws_type)
        __builtin_trap();
    (void)ddbxo__aws_error_cancel_retryable(&e);
    (void)ddbxo__aws_error_code(e.type);

    ddbxo_aws_detail *d = ddbxo__aws_detail_new(&e, data, size);
    if (d) {
        size_t n = 0;
        (void)ddbxo_aws_detail_type(d);
        (void)ddbxo_aws_detail_message(d);
        (void)ddbxo_aws_detail_status(d);
        (void)ddbxo_aws_detail_body(d, &n);
        (void)ddbxo_aws_detail_item(d, &n);
        for (size_t i = 0; i < ddbxo_aws_detail_reason_count(d); i++) {
            (void)ddbxo_aws_detail_reason_code(d, i);
            (void)ddbxo_aws_detail_reason_message(d, i);
            (void)ddbxo_aws_detail_reason_item(d, i, &n);
        }
        /* out of range asks must be harmless too */
        (void)ddbxo_aws_detail_reason_code(d, (size_t)-1);
        (void)ddbxo_aws_detail_reason_item(d, 1u << 20, &n);
        ddbxo_aws_detail_free(d);
    }
    ddbxo__aws_error_clear(&e);
    return 0;
}
