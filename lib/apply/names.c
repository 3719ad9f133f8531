/* The names of modes and outcomes, and the outcome counts every summary
 * starts with: what the apply layer, the runner, the redrive and the CLI's
 * output share. */
#include "apply/names.h"
#include "ddbxo/sys/binding.h"

#include <string.h>

DDBXO_API const char *ddbxo_outcome_name(int outcome)
{
    static const char *const names[DDBXO_OUTCOME_END] = {
        NULL, "APPLIED", "DUPLICATE", "STALE", "SUPERSEDED", "COALESCED",
        "FILTERED", "PARKED", "FAILED_RETRYABLE", "FAILED_PERMANENT",
    };
    if (outcome <= 0 || outcome >= DDBXO_OUTCOME_END)
        return "UNKNOWN";
    return names[outcome];
}

DDBXO_API int ddbxo_outcome_failed(int outcome)
{
    return outcome == DDBXO_FAILED_RETRYABLE ||
           outcome == DDBXO_FAILED_PERMANENT;
}

DDBXO_API int ddbxo_mode_from_name(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "replicate") == 0)
        return DDBXO_MODE_REPLICATE;
    if (strcmp(name, "ledger") == 0)
        return DDBXO_MODE_LEDGER;
    if (strcmp(name, "tracker") == 0)
        return DDBXO_MODE_TRACKER;
    return 0;
}

DDBXO_API const char *ddbxo_mode_name(int mode)
{
    switch (mode) {
    case DDBXO_MODE_REPLICATE: return "replicate";
    case DDBXO_MODE_LEDGER: return "ledger";
    case DDBXO_MODE_TRACKER: return "tracker";
    default: return "unknown";
    }
}

json_t *ddbxo__outcome_counts_json(uint64_t records,
                                   const uint64_t tally[DDBXO_OUTCOME_END])
{
    static const struct { const char *name; int outcome; } o[] = {
        { "applied", DDBXO_APPLIED },       { "duplicate", DDBXO_DUPLICATE },
        { "stale", DDBXO_STALE },           { "superseded", DDBXO_SUPERSEDED },
        { "coalesced", DDBXO_COALESCED },   { "filtered", DDBXO_FILTERED },
        { "parked", DDBXO_PARKED },
    };
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "records", json_integer((json_int_t)records));
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
        json_object_set_new(j, o[i].name,
                            json_integer((json_int_t)tally[o[i].outcome]));
    return j;
}
