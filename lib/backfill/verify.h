/* Internal: ddbxo verify (docs/backfill.md, "Verify").
 *
 *   lib/backfill/verify.c         replicate mode: scan both sides, classify each
 *                        key, look again at the differences, report
 *   lib/backfill/verify_item.c    what one item is expected to be, and how two
 *                        compare (bookkeeping attributes ignored)
 *   lib/backfill/keymap.c         target key -> what is due there, compact
 *   lib/backfill/verify_report.c  the report both modes print
 *   lib/backfill/verify_repair.c  --repair / --repair-extra
 *   lib/backfill/verify_agg.c     aggregate mode: groups recomputed from the source
 */
#ifndef DDBXO_LIB_VERIFY_H
#define DDBXO_LIB_VERIFY_H

#include <jansson.h>
#include <stdint.h>

#include "backfill/batch_get.h"
#include "backfill/pace.h"
#include "backfill/scan.h"
#include "backfill/synth.h"
#include "backfill/keymap.h"
#include "backfill/verify_agg.h"
#include "backfill/verify_item.h"
#include "backfill/verify_repair.h"
#include "backfill/verify_report.h"
#include "util/sha256.h"

/* Compares; *report gets the JSON report (free with free()).  Returns 0
 * when the target equals f(source), 1 when differences persist (repaired
 * or not), -1 with err when the comparison could not be made. */
int ddbxo__verify_run(ddbxo_client *c, const ddbxo__verify_config *cfg,
                      char **report, ddbxo_error *err);

#endif
