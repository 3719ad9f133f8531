/* The names of modes and outcomes: the lookups every file of the apply
 * layer (and the CLI's output) shares. */
#include "ddbxo.h"

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

DDBXO_API int ddbxo_mode_parse(const char *name)
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
