/*
 * libddbxo -- dry runs, reports and checks around the apply layer
 *
 * ADVANCED LAYER (libgit2's sys/ pattern): <ddbxo.h> does not include this
 * header; include it yourself.  Stability: names, signatures and
 * struct layouts hold within a major version, as in <ddbxo.h>.  For tools
 * and bindings that show what a transform would write, report a batch the
 * way `ddbxo apply` does, or check a pipeline before they start it.
 */
#ifndef DDBXO_SYS_APPLY_H
#define DDBXO_SYS_APPLY_H

#include <ddbxo.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- apply: dry runs, reports and checks ---- */
/* 1 if t must run in ledger or tracker mode (its writes are not
 * idempotent: the aggregate), else 0. */
DDBXO_API int ddbxo_transform_needs_ledger(const ddbxo_transform *t);

/* Runs t on rec and returns the writes as a JSON array in the
 * ddbxo_writes_add_json shape (free with ddbxo_free); "[]" = skip.  A dry
 * run: nothing is sent. */
DDBXO_API char *ddbxo_transform_run(const ddbxo_transform *t,
                                    const ddbxo_record *rec, size_t *len,
                                    ddbxo_error *err);

/* Checks that a pipeline's two sides can be exactly-once: source (the
 * stream and the checkpoint table: where the runner reads) and target
 * (the target, ledger/tracker table and park queue: where the applier
 * writes; NULL = the same client).  Refused, with DDBXO_E_CONFIG, err->path
 * naming the apply_config field (or "checkpoint_table") and a message
 * saying why: a ledger table in another account or region than the target
 * table (one transaction cannot span them); a table ARN or park queue URL
 * in another region than its side; a source check (source_version_attr)
 * when the sides differ in region or role, or the target table is an ARN
 * of another account than source_table (its ConditionCheck on the source
 * table is in the target's transaction).  0 when fine. */
DDBXO_API int ddbxo_sides_check(const ddbxo_client *source,
                                const ddbxo_client *target,
                                const ddbxo_apply_config *acfg,
                                const char *checkpoint_table,
                                ddbxo_error *err);

/* The sequence number record i is reported by in batchItemFailures
 * (borrowed): its own, or -- for a record without a usable one (it did not
 * parse) -- the lowest of the batch, so the ESM replays from the start;
 * "" when the batch has none (Lambda then fails the whole batch). */
DDBXO_API const char *ddbxo_batch_result_seq(const ddbxo_batch_result *r,
                                             size_t i);

/* The batch's tally as one JSON object (borrowed): {"records":N,
 * "applied":..,"duplicate":..,"stale":..,"superseded":..,"coalesced":..,
 * "filtered":..,"parked":..,"failed":..,"batchItemFailures":[..]}. */
DDBXO_API const char *ddbxo_batch_result_summary(const ddbxo_batch_result *r,
                                                 size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* DDBXO_SYS_APPLY_H */
