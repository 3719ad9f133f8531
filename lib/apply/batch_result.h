/* Internal: the batch result as the engine (lib/apply/batch.c) fills it
 * (lib/apply/batch_result.c). */
#ifndef DDBXO_LIB_BATCH_RESULT_H
#define DDBXO_LIB_BATCH_RESULT_H

#include "ddbxo.h"
#include "ddbxo/sys/apply.h"
#include "ddbxo/sys/value.h"

/* A result for n records, all undecided.  NULL + err on no memory. */
ddbxo_batch_result *ddbxo__batch_result_new(size_t n, ddbxo_error *err);
/* Decides record i (why: its error for FAILED_* and PARKED, else NULL). */
/* Write capacity units the batch consumed, when its applier counts them
 * (a->count_capacity): what DynamoDB reported for each write that went
 * through, and for each write its condition refused -- an answer without
 * ConsumedCapacity -- what DynamoDB documents it charges, the item's size
 * in 1 KB units, at least one, doubled in a transaction. */
void ddbxo__batch_result_add_capacity(ddbxo_batch_result *r, double units);
double ddbxo__batch_result_capacity(const ddbxo_batch_result *r);
void ddbxo__batch_result_set(ddbxo_batch_result *r, size_t i, int outcome,
                             const ddbxo_error *why);
/* The outcome of record i so far (0 = undecided). */
int ddbxo__batch_result_outcome_of(const ddbxo_batch_result *r, size_t i);
/* Record i's SequenceNumber as sent (NULL or invalid = unusable). */
void ddbxo__batch_result_set_seq(ddbxo_batch_result *r, size_t i,
                                 const char *seq);
/* Tallies and renders the response and summary; undecided records become
 * FAILED_RETRYABLE.  0, or -1 + err on no memory. */
int ddbxo__batch_result_finish(ddbxo_batch_result *r, ddbxo_error *err);

#endif
