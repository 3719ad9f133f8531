/* Internal: handing a formatted line to a caller's ddbxo_log_fn
 * (lib/util/log.c), the one way every layer logs. */
#ifndef DDBXO_LIB_LOG_H
#define DDBXO_LIB_LOG_H

#include <stdarg.h>

#include "ddbxo.h"

/* Longest line handed over (longer ones are cut), terminator included. */
#define DDBXO__LOG_LINE_MAX 1024

/* Formats fmt/ap and calls log(ctx, level, line); nothing when log is
 * NULL.  Never item data: callers log names, counts and errors. */
void ddbxo__vlogf(ddbxo_log_fn log, void *ctx, int level, const char *fmt,
                  va_list ap);

#endif
