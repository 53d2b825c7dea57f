/*
 * nv_backoff.h
 *	  How long the worker waits after a failure: exponential back-off with a
 *	  cap, and the time until the service's daily submission limit resets.
 *	  Plain arithmetic, tested alone (worker/test_nv_backoff.c).
 */
#ifndef NV_BACKOFF_H
#define NV_BACKOFF_H

#include <time.h>

/*
 * The wait after the failures-th failure in a row (1, 2, ...): min_ms,
 * doubled each time, at most max_ms.
 */
extern long nv_backoff_ms(long min_ms, long max_ms, int failures);

/*
 * Milliseconds from now until the next midnight UTC (a whole day at
 * midnight itself).  The service publishes neither the limit nor when its
 * day begins; midnight UTC is at or after midnight in the Netherlands, so a
 * worker that waits until then never tries again within the same day of
 * either.
 */
extern long nv_until_next_utc_day_ms(time_t now);

#endif							/* NV_BACKOFF_H */
