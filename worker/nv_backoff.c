/*
 * nv_backoff.c
 *	  The worker's back-off arithmetic after a failure (see nv_backoff.h).
 */
#include "nv_backoff.h"

long
nv_backoff_ms(long min_ms, long max_ms, int failures)
{
	long		ms = min_ms;

	for (int i = 1; i < failures && ms < max_ms; i++)
		ms = ms > max_ms / 2 ? max_ms : ms * 2;
	return ms < max_ms ? ms : max_ms;
}

long
nv_until_next_utc_day_ms(time_t now)
{
	long		into_day = (long) (now % 86400);

	if (into_day < 0)
		into_day += 86400;
	return (86400L - into_day) * 1000L;
}
