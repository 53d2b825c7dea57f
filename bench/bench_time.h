/*
 * bench/bench_time.h: the clock and the median the C benchmarks share.
 */
#ifndef BENCH_TIME_H
#define BENCH_TIME_H

#include <stdlib.h>
#include <time.h>

/* Seconds on clock (CLOCK_MONOTONIC: wall; CLOCK_THREAD_CPUTIME_ID: CPU). */
static inline double
BenchNow(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline int
BenchCmpDouble(const void *a, const void *b)
{
	double		x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* The median of v[0..n), which it sorts. */
static inline double
BenchMedian(double *v, int n)
{
	qsort(v, n, sizeof(double), BenchCmpDouble);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif							/* BENCH_TIME_H */
