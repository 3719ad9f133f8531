/* libFuzzer target: STS answers (lib/auth/sts_xml.c through ddbxo__sts_parse):
 * the strict XML reader and the credentials it hands out.
 *
 * Input: the first byte picks the action and the HTTP status; the rest is
 * the answer body. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ddbxo/sys/creds.h"
#include "auth/creds.h"
#include "auth/sts.h"
#include "auth/sts_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const actions[] = { "AssumeRole",
                                           "AssumeRoleWithWebIdentity" };
    ddbxo_credentials c;
    ddbxo_error err;
    const char *action;
    long status;
    if (size < 1)
        return 0;
    action = actions[data[0] & 1];
    status = (data[0] & 2) ? 403 : 200;
    if (ddbxo__sts_parse((const char *)data + 1, size - 1, status, action, &c,
                         &err) == 0) {
        /* what goes into a header must be one token */
        if (!ddbxo__creds_token_ok(c.access_key_id) ||
            !ddbxo__creds_token_ok(c.secret_access_key) ||
            !ddbxo__creds_token_ok(c.session_token) || status != 200)
            __builtin_trap();
        ddbxo_credentials_clear(&c);
    } else if (memchr(err.message, '\0', sizeof err.message) == NULL) {
        __builtin_trap();
    }
    return 0;
}
