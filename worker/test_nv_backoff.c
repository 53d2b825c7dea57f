/*
 * test_nv_backoff.c
 *	  C tests of nv_backoff.c (make check-worker).
 */
#include <stdio.h>

#include "nv_backoff.h"
#include "check.h"

int
main(void)
{
	CHECK(nv_backoff_ms(1000, 60000, 1) == 1000, "first failure: %ld", nv_backoff_ms(1000, 60000, 1));
	CHECK(nv_backoff_ms(1000, 60000, 2) == 2000, "second: %ld", nv_backoff_ms(1000, 60000, 2));
	CHECK(nv_backoff_ms(1000, 60000, 6) == 32000, "sixth: %ld", nv_backoff_ms(1000, 60000, 6));
	CHECK(nv_backoff_ms(1000, 60000, 7) == 60000, "capped: %ld", nv_backoff_ms(1000, 60000, 7));
	CHECK(nv_backoff_ms(1000, 60000, 1000000) == 60000, "no overflow: %ld", nv_backoff_ms(1000, 60000, 1000000));
	CHECK(nv_backoff_ms(5000, 5000, 3) == 5000, "min equals max");
	CHECK(nv_backoff_ms(1000, 60000, 0) == 1000, "no failure counts as the first");
	/* 2026-12-01 07:00:00 UTC is 1796108400 */
	CHECK(nv_until_next_utc_day_ms(1796108400) == 17L * 3600 * 1000, "07:00 UTC: %ld",
		  nv_until_next_utc_day_ms(1796108400));
	CHECK(nv_until_next_utc_day_ms(1796083200) == 86400L * 1000, "at midnight: a whole day");
	CHECK(nv_until_next_utc_day_ms(1796169599) == 1000, "a second before midnight");
	printf("test_nv_backoff: %d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
