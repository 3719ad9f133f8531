/* Internal: the apply layer as the batch engine (lib/apply/batch*.c), the
 * runner and backfill use it: the applier and the plan
 * (lib/apply/apply_plan.h), calls and parking.
 */
#ifndef DDBXO_LIB_APPLY_H
#define DDBXO_LIB_APPLY_H

#include <jansson.h>

#include "apply/apply_plan.h"
#include "ddbxo.h"

/* Starts a call: a fresh a->call_id.  The ClientRequestToken of a
 * transaction is derived from the record's dedup key *and* the call id,
 * so it makes a resend inside this call (after a lost answer) return the
 * first attempt's success, while a later delivery of the same record --
 * an ESM retry, a replay, an overlapping invocation -- is decided by the
 * ledger condition and reported DUPLICATE.  A token from the dedup key
 * alone would turn such a delivery within 10 minutes into a silent
 * success that is counted APPLIED (AWS-FACTS §2). */
void ddbxo__applier_new_call(ddbxo_applier *a);

/* Sends a record that failed for good to the applier's park queue: one
 * SQS message {"ddbxo_park":1,"reason":{...error...},"dedup_key":..,
 * "source_table":..,"record":<the record JSON as it came>} (docs).
 * raw is the record's JSON (required); dedup_key may be NULL (a record
 * that did not parse).  0, or -1 with err (no park queue, SQS refused,
 * the message is over SQS's size limit, ...). */
/* {"records":records,"applied":..,"duplicate":..,"stale":..,
 * "superseded":..,"coalesced":..,"filtered":..,"parked":..} from tally
 * (counts by outcome): how every summary begins (lib/apply/names.c).
 * New reference, or NULL on no memory. */
json_t *ddbxo__outcome_counts_json(uint64_t records,
                                   const uint64_t tally[DDBXO_OUTCOME_END]);

int ddbxo__park(ddbxo_applier *a, const json_t *raw, const char *dedup_key,
                const ddbxo_error *why, int64_t deadline_ms,
                ddbxo_error *err);

#endif
