/*
 * check.h
 *	  The one counting assertion of eckid's C tests: the core's
 *	  (src/core/test/) and eckid-nv-worker's (worker/test_*.c).  A failed
 *	  check is reported and the test goes on, so that one run shows every
 *	  failure; each program reports checks and failures at its end and exits
 *	  non-zero if a check failed.
 *
 *	  CHECK(condition, printf-style description) counts a check and prints
 *	  "FAIL file:line: description" when the condition is false, nothing
 *	  when it holds.
 *
 *	  CheckTap(ok, description) counts a check and prints one TAP line,
 *	  "ok N - description" or "not ok N - description", for the tests whose
 *	  every check is listed (test_kdf, test_scrypt_simd; they end with the
 *	  plan "1..N").  The description is printed as it is, not as a format.
 *
 *	  Header-only: each test program is one .c file that includes it once.
 */
#ifndef ECKID_TEST_CHECK_H
#define ECKID_TEST_CHECK_H

#include <stdio.h>

static int	checks = 0;
static int	failures = 0;

#define CHECK(cond, ...) \
	do { \
		checks++; \
		if (!(cond)) \
		{ \
			failures++; \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

static inline void
CheckTap(int ok, const char *what)
{
	checks++;
	if (!ok)
	{
		failures++;
		printf("not ok %d - %s\n", checks, what);
	}
	else
		printf("ok %d - %s\n", checks, what);
}

#endif							/* ECKID_TEST_CHECK_H */
