/*
 * nv_error.c
 *	  The worker's error texts written into a caller's buffer (see nv_error.h).
 */
#include "nv_error.h"

#include <stdarg.h>
#include <stdio.h>

void
nv_set_error(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
