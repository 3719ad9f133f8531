/* Internal: scanned items as a synthetic stream event, so the same
 * transform and guarded write as `run` apply (lib/backfill/synth.c). */
#ifndef DDBXO_LIB_SYNTH_H
#define DDBXO_LIB_SYNTH_H

#include <jansson.h>

#include "backfill/scan.h"
#include "ddbxo.h"


/* The SequenceNumber of a synthetic record.  It is below every real
 * sequence number, so replicate mode's guard (stored _ddbxo_seq < this
 * one) admits the write only where the target item has no _ddbxo_seq:
 * where nothing from the stream was applied yet (docs/exactly-once.md,
 * "Backfill"). */
#define DDBXO__SYNTH_SEQ "0"

/* The items (a JSON array of attribute maps) as an event document
 * {"Records":[INSERT records with Keys and NewImage]}, NUL-terminated
 * (free with free()).  NULL with err when an item lacks a key attribute. */
char *ddbxo__synth_event(const json_t *items, const ddbxo__keyschema *ks,
                         size_t *len, ddbxo_error *err);
/* The applier the synthetic records go through: replicate mode on target,
 * dedup keys naming source, the pipeline's version_attr and transform
 * (all borrowed: they must outlive it).  Backfill and verify --repair
 * write through it, so both take run's guard. */
ddbxo_applier *ddbxo__synth_applier(ddbxo_client *c, const char *source,
                                    const char *target,
                                    const char *version_attr,
                                    const ddbxo_transform *t,
                                    ddbxo_error *err);
/* j as the one-line JSON text backfill and verify print (malloc'd; NULL
 * on no memory); takes the reference. */
char *ddbxo__summary_text(json_t *j);
/* One record of the same shape, parsed (free with ddbxo_record_free). */
ddbxo_record *ddbxo__synth_record(const json_t *item,
                                  const ddbxo__keyschema *ks,
                                  ddbxo_error *err);

#endif
