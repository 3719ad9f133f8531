/* Which mode and transform options go together
 * (include/ddbxo/sys/binding.h): the one place that says so.  The
 * applier's configuration check, the CLI's flags, the Lambda bootstrap's
 * environment and the Python and Go bindings' arguments all come here,
 * each naming the options as its user wrote them. */
#include "ddbxo/sys/binding.h"
#include "util/error.h"

#include <stddef.h>

static const char *const default_names[4] = {
    "mode", "ledger_table", "transform", "aggregate",
};

enum { MODE, LEDGER_TABLE, TRANSFORM, AGGREGATE };

static const char *name_of(const ddbxo_mode_options *o, int which)
{
    const char *n = o->names ? o->names[which] : NULL;
    return n ? n : default_names[which];
}

DDBXO_API int ddbxo_mode_options_check_transform(const ddbxo_mode_options *o,
                                                 ddbxo_error *err)
{
    if (!o)
        return ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL options");
    if (o->transforms > 1)
        return ddbxo__err(err, DDBXO_E_INVALID, name_of(o, TRANSFORM),
                          "give one %s, not %d", name_of(o, TRANSFORM),
                          o->transforms);
    if (o->aggregate && o->transforms > 0)
        return ddbxo__err(err, DDBXO_E_INVALID, name_of(o, AGGREGATE),
                          "%s and %s exclude each other",
                          name_of(o, AGGREGATE), name_of(o, TRANSFORM));
    return 0;
}

DDBXO_API int ddbxo_mode_options_check(const ddbxo_mode_options *o,
                                       ddbxo_error *err)
{
    int mode;
    if (!o) {
        ddbxo__err(err, DDBXO_E_INVALID, NULL, "NULL options");
        return 0;
    }
    if (o->mode_name) {
        if (!(mode = ddbxo_mode_from_name(o->mode_name))) {
            ddbxo__err(err, DDBXO_E_CONFIG, name_of(o, MODE),
                       "%s must be replicate, ledger or tracker, not "
                       "\"%.40s\"", name_of(o, MODE), o->mode_name);
            return 0;
        }
    } else if (o->mode == 0) {
        mode = DDBXO_MODE_REPLICATE;
    } else if (o->mode == DDBXO_MODE_REPLICATE ||
               o->mode == DDBXO_MODE_LEDGER ||
               o->mode == DDBXO_MODE_TRACKER) {
        mode = o->mode;
    } else {
        ddbxo__err(err, DDBXO_E_CONFIG, name_of(o, MODE),
                   "%s %d is not replicate, ledger or tracker",
                   name_of(o, MODE), o->mode);
        return 0;
    }
    if (ddbxo_mode_options_check_transform(o, err) < 0)
        return 0;
    if (o->aggregate && mode == DDBXO_MODE_REPLICATE) {
        ddbxo__err(err, DDBXO_E_CONFIG, name_of(o, AGGREGATE),
                   "%s needs %s ledger or tracker: its writes are not "
                   "idempotent", name_of(o, AGGREGATE), name_of(o, MODE));
        return 0;
    }
    if (mode != DDBXO_MODE_REPLICATE &&
        (!o->ledger_table || !*o->ledger_table)) {
        ddbxo__err(err, DDBXO_E_CONFIG, name_of(o, LEDGER_TABLE),
                   "%s %s needs %s (a table with partition key pk of type "
                   "S)", name_of(o, MODE), ddbxo_mode_name(mode),
                   name_of(o, LEDGER_TABLE));
        return 0;
    }
    return mode;
}
