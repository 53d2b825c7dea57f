/*
 * nv_log.c
 *	  The worker's log lines on stderr, scrubbed once more (see nv_log.h).
 *
 * Lines carry a UTC timestamp and the level: under systemd the journal adds
 * its own time, but from cron the log is a file and the time is needed.
 */
#include "nv_log.h"
#include "nv_soap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int	log_level = NV_LOG_INFO;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void
nv_log_set_level(int level)
{
	log_level = level;
}

void
nv_log(int level, const char *fmt,...)
{
	char		line[2048];
	char		stamp[32];
	char	   *clean;
	va_list		ap;
	time_t		now = time(NULL);
	struct tm	tm;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one event, one line: a multi-line text from a library is joined */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	clean = nv_scrub(line);
	fprintf(stderr, "%s eckid-nv-worker %s: %s\n", stamp, level_names[level], clean ? clean : "(out of memory)");
	fflush(stderr);
	free(clean);
}
