/* Formatting a log line for a caller's callback (lib/util/log.h). */
#include "util/log.h"

#include <stdio.h>

void ddbxo__vlogf(ddbxo_log_fn log, void *ctx, int level, const char *fmt,
                  va_list ap)
{
    char line[DDBXO__LOG_LINE_MAX];
    if (!log)
        return;
    vsnprintf(line, sizeof line, fmt, ap);
    log(ctx, level, line);
}
