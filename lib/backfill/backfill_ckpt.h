/* Internal: one checkpoint item per scan segment
 * (lib/backfill/backfill_ckpt.c). */
#ifndef DDBXO_LIB_BACKFILL_CKPT_H
#define DDBXO_LIB_BACKFILL_CKPT_H

#include <jansson.h>

#include "ddbxo.h"


/* A segment's checkpoint item lives this long after its last write: a
 * backfill interrupted for longer starts that segment over. */
#define DDBXO_BACKFILL_CKPT_TTL_S (30 * 24 * 3600)

typedef struct ddbxo__bf_ckpt {
    json_t *start_key;           /* LastEvaluatedKey to go on from; NULL =
                                    from the beginning */
    int done;                    /* the segment was read to its end */
    long long items, pages;      /* what earlier runs did */
} ddbxo__bf_ckpt;

/* Reads the checkpoint of segment/total of the pipeline source->target
 * (consistent GetItem); *ck zeroed when there is none. */
int ddbxo__bf_ckpt_read(ddbxo_client *c, const char *table,
                        const char *source, const char *target, int segment,
                        int total, ddbxo__bf_ckpt *ck, ddbxo_error *err);
/* Writes it (after the page it covers was applied). */
int ddbxo__bf_ckpt_write(ddbxo_client *c, const char *table,
                         const char *source, const char *target, int segment,
                         int total, const ddbxo__bf_ckpt *ck,
                         ddbxo_error *err);
void ddbxo__bf_ckpt_clear(ddbxo__bf_ckpt *ck);

#endif
