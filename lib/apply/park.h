/* Internal: parking a record that failed for good (lib/apply/park.c). */
#ifndef DDBXO_LIB_PARK_H
#define DDBXO_LIB_PARK_H

#include <jansson.h>
#include <stdint.h>

#include "ddbxo.h"

/* Sends a record that failed for good to the applier's park queue: one
 * SQS message {"ddbxo_park":1,"reason":{...error...},"dedup_key":..,
 * "source_table":..,"record":<the record JSON as it came>} (docs).
 * raw is the record's JSON (required); dedup_key may be NULL (a record
 * that did not parse).  0, or -1 with err (no park queue, SQS refused,
 * the message is over SQS's size limit, ...). */
int ddbxo__park(ddbxo_applier *a, const json_t *raw, const char *dedup_key,
                const ddbxo_error *why, int64_t deadline_ms,
                ddbxo_error *err);

#endif
