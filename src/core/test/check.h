/*
 * check.h
 *	  The counting assertion of the C tests in test/c/: CHECK(condition,
 *	  printf-style description) records a test, and prints the description
 *	  with the file and line when the condition is false.  Each test program
 *	  reports ntests and nfailed at its end and exits non-zero on a failure.
 */
#ifndef ECKID_TEST_CHECK_H
#define ECKID_TEST_CHECK_H

#include <stdio.h>

static int	ntests = 0;
static int	nfailed = 0;

#define CHECK(cond, ...) \
	do { \
		ntests++; \
		if (!(cond)) \
		{ \
			nfailed++; \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

#endif							/* ECKID_TEST_CHECK_H */
