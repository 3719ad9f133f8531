/* Internal: verify of an aggregate, group by group
 * (lib/backfill/verify_agg.c). */
#ifndef DDBXO_LIB_VERIFY_AGG_H
#define DDBXO_LIB_VERIFY_AGG_H

#include "backfill/verify_report.h"
#include "ddbxo.h"

/* ddbxo__verify_run for an aggregate transform (called by ddbxo__verify_run,
 * lib/backfill/verify.h). */
int ddbxo__verify_aggregate(ddbxo_client *c, const ddbxo__verify_config *cfg,
                            char **report, ddbxo_error *err);

#endif
