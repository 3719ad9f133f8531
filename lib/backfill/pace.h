/* Internal: capacity pacing shared by the segment threads
 * (lib/backfill/pace.c). */
#ifndef DDBXO_LIB_PACE_H
#define DDBXO_LIB_PACE_H

#include <pthread.h>
#include <stdint.h>

#include "ddbxo.h"


/* Spends capacity units at no more than `rate` per second on average
 * since `start`: a take first counts its units, then sleeps until the
 * total is within rate * elapsed.  So at any moment the units spent are
 * at most rate * seconds elapsed -- what the summary's per-second figures
 * show -- with no burst at the start.  Shared by threads. */
typedef struct ddbxo__pace {
    pthread_mutex_t mu;
    double rate;                 /* units per second; 0 = unpaced */
    double spent;
    int64_t start_ms;            /* monotonic */
} ddbxo__pace;

void ddbxo__pace_init(ddbxo__pace *p, double rate, int64_t start_ms);
void ddbxo__pace_destroy(ddbxo__pace *p);
/* Counts units and waits as above; returns early (0 -> 1) when *stop
 * becomes non-zero. */
int ddbxo__pace_take(ddbxo__pace *p, double units, const volatile int *stop);
double ddbxo__pace_spent(ddbxo__pace *p);
/* Sleeps ms in short naps; returns early (1) when *stop is set. */
int ddbxo__nap_stoppable(int64_t ms, const volatile int *stop);

#endif
