/* The differential check of the record document against jansson (what
 * fuzz/fuzz_doc.c runs under libFuzzer and tests/value/check_doc.c runs on a
 * fixed corpus in `make test`): lib/value/doc.h must accept and refuse what
 * jansson's json_loadb(JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL) does and
 * give equal trees.  Aborts on a difference, naming it on stderr. */
#ifndef DDBXO_TESTS_DOCDIFF_H
#define DDBXO_TESTS_DOCDIFF_H

#include <stddef.h>
#include <stdint.h>

/* any: with JSON_DECODE_ANY / DDBXO__DOC_ANY. */
void tu_docdiff(const uint8_t *data, size_t size, int any);

#endif
