/* Private to the apply layer (lib/apply*.c): how its files share the
 * request builders.  The batch engine uses lib/apply/apply.h only. */
#ifndef DDBXO_LIB_APPLY_INT_H
#define DDBXO_LIB_APPLY_INT_H

#include "apply/apply_plan.h"
#include "util/error.h"

/* Placeholders the apply layer puts into expressions.  The "ddbxo_" prefix
 * keeps them apart from a transform's own #names / :values. */
#define DDBXO__PH_SEQ "ddbxo_seq"
#define DDBXO__PH_SRC "ddbxo_src"
#define DDBXO__PH_VER "ddbxo_ver"
#define DDBXO__PH_DELETED "ddbxo_deleted"
#define DDBXO__PH_EXP "ddbxo_exp"
/* Tracker item attributes. */
#define DDBXO__TRACKER_SEEN "seen"
#define DDBXO__TRACKER_COUNT "n"
/* Shard id used in tracker keys when the caller does not know it. */
#define DDBXO__TRACKER_ANY_SHARD "stream"

/* Most records a tracker item may hold when its set elements are up to
 * elem_len bytes: what keeps it under DynamoDB's 400 KB (apply.c). */
size_t ddbxo__tracker_capacity_for(size_t elem_len);

/* Merges bookkeeping into a transform's UpdateExpression: set_items
 * ("#a = :a, #b = :b") joins the SET clause and remove_items ("#c") the
 * REMOVE clause, each clause made when absent (NULL = nothing to add).
 * Clause keywords are found as tokens, case-insensitively, never inside
 * a #name or :value placeholder.  malloc'd result, NULL on no memory. */
char *ddbxo__update_expr_merge(const char *expr, const char *set_items,
                               const char *remove_items);

/* The replicate write for the plan's only write: a Put (item or
 * tombstone), Update or Delete action object (the inner object of a
 * TransactItems entry, also a whole single-item request) guarded by the
 * sequence or version condition.  *kind = "Put" / "Update" / "Delete".
 * 0, or FAILED_PERMANENT with p failed. */
int ddbxo__replicate_action(ddbxo__plan *p, json_t **action,
                            const char **kind);

/* Transaction actions ({"Put":{...}} etc., new references).  0, or
 * FAILED_PERMANENT with p failed. */
int ddbxo__txn_source_check(ddbxo__plan *p, json_t **entry);
int ddbxo__txn_ledger_entry(ddbxo__plan *p, json_t **entry);
int ddbxo__txn_tracker_entry(ddbxo__plan *p, json_t **entry);
int ddbxo__txn_write_entry(ddbxo__plan *p, const ddbxo__write *w,
                           json_t **entry, size_t *bytes);

/* The tracker set element of the plan's record (see apply_txn.c). */
int ddbxo__tracker_element(const ddbxo__plan *p, char *out, size_t outsz);

#endif
