/* The one clock and sleep every layer uses (lib/util/clock.h). */
#include "util/clock.h"

#include <errno.h>
#include <time.h>

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ddbxo__now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

int64_t ddbxo__wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

void ddbxo__sleep_ms(int64_t ms)
{
    struct timespec ts;
    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
