/* Internal: the apply layer as the batch engine (lib/apply/batch*.c), the
 * runner and backfill use it: the applier and the plan
 * (lib/apply/apply_plan.h), calls and parking.
 */
#ifndef DDBXO_LIB_APPLY_H
#define DDBXO_LIB_APPLY_H

#include <jansson.h>

#include "apply/apply_plan.h"
#include "apply/names.h"
#include "apply/park.h"
#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/value.h"

/* Starts a call: a fresh a->call_id.  The ClientRequestToken of a
 * transaction is derived from the record's dedup key *and* the call id,
 * so it makes a resend inside this call (after a lost answer) return the
 * first attempt's success, while a later delivery of the same record --
 * an ESM retry, a replay, an overlapping invocation -- is decided by the
 * ledger condition and reported DUPLICATE.  A token from the dedup key
 * alone would turn such a delivery within 10 minutes into a silent
 * success that is counted APPLIED (docs/aws-facts.md §2). */
void ddbxo__applier_new_call(ddbxo_applier *a);

#endif
