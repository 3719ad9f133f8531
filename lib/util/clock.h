/* Internal: the library's one clock and one sleep (lib/util/clock.c).
 * Code that a test must be able to steer takes its clock through a hook
 * (the transport's ddbxo__http_hooks, the credential providers' now); the
 * hook's default is one of these. */
#ifndef DDBXO_LIB_CLOCK_H
#define DDBXO_LIB_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC): for intervals and timeouts. */
int64_t ddbxo__now_ms(void);

/* Wall-clock milliseconds since the epoch (CLOCK_REALTIME): for deadlines
 * that cross calls, expiry times written to items, and log stamps. */
int64_t ddbxo__wall_ms(void);

/* Sleeps ms milliseconds (nothing when ms <= 0), resuming after a signal,
 * so the whole time passes. */
void ddbxo__sleep_ms(int64_t ms);

#endif
