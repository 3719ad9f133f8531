/* Capacity pacing for backfill and verify (--max-rcu, --max-wcu).  The
 * rule is an average since the start, not a token bucket with a burst:
 * the summary's "units per second" must stay under the limit whatever
 * the moment it is read, and a production table's provisioned capacity
 * is what the limit protects. */
#include "backfill/pace.h"

#include "transform/transform.h"
#include "value/value.h"
#include "util/clock.h"

/* Longest single nap, so a stop is noticed quickly. */
#define NAP_SLICE_MS 100

void ddbxo__pace_init(ddbxo__pace *p, double rate, int64_t start_ms)
{
    pthread_mutex_init(&p->mu, NULL);
    p->rate = rate > 0 ? rate : 0;
    p->spent = 0;
    p->start_ms = start_ms;
}

void ddbxo__pace_destroy(ddbxo__pace *p)
{
    pthread_mutex_destroy(&p->mu);
}

int ddbxo__nap_stoppable(int64_t ms, const volatile int *stop)
{
    while (ms > 0) {
        int64_t n = ms < NAP_SLICE_MS ? ms : NAP_SLICE_MS;
        if (stop && *stop)
            return 1;
        ddbxo__sleep_ms(n);
        ms -= n;
    }
    return stop && *stop;
}

int ddbxo__pace_take(ddbxo__pace *p, double units, const volatile int *stop)
{
    int64_t due_ms;
    pthread_mutex_lock(&p->mu);
    p->spent += units;
    /* The moment at which everything spent so far is within the rate. */
    due_ms = p->rate > 0
                 ? p->start_ms + (int64_t)(p->spent * 1000.0 / p->rate) + 1
                 : 0;
    pthread_mutex_unlock(&p->mu);
    if (!due_ms)
        return 0;
    return ddbxo__nap_stoppable(due_ms - ddbxo__now_ms(), stop);
}

double ddbxo__pace_spent(ddbxo__pace *p)
{
    double s;
    pthread_mutex_lock(&p->mu);
    s = p->spent;
    pthread_mutex_unlock(&p->mu);
    return s;
}
