/* libFuzzer target, differential: the record document's parser against
 * jansson's json_loadb(JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL), the
 * parser the event path used before (lib/value/doc.h).  Both must accept and
 * refuse the same texts, a refusal for depth must be DDBXO_E_LIMIT where
 * jansson says "maximum parsing depth", and an accepted text must give
 * equal trees (json_equal).  Each value's span, read back by jansson, is
 * that value again (what a pass-through write copies), and member lookup
 * finds every key.  Run with and without JSON_DECODE_ANY.  The check
 * itself is tests/harness/docdiff.c, which `make test` also runs on a fixed
 * corpus (tests/value/check_doc.c). */
#include <stddef.h>
#include <stdint.h>

#include "docdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tu_docdiff(data, size, 0);
    tu_docdiff(data, size, 1);
    return 0;
}
