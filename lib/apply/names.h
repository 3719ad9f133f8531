/* Internal: the outcome counts every summary starts with
 * (lib/apply/names.c, beside the public mode and outcome names). */
#ifndef DDBXO_LIB_NAMES_H
#define DDBXO_LIB_NAMES_H

#include <jansson.h>
#include <stdint.h>

#include "ddbxo.h"

/* {"records":records,"applied":..,"duplicate":..,"stale":..,
 * "superseded":..,"coalesced":..,"filtered":..,"parked":..} from tally
 * (counts by outcome): how every summary begins.
 * New reference, or NULL on no memory. */
json_t *ddbxo__outcome_counts_json(uint64_t records,
                                   const uint64_t tally[DDBXO_OUTCOME_END]);

#endif
