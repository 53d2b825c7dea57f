/*
 * The scanner behind eckid.log_redaction (src/core/redact.c) on its own: the
 * time redact_text() takes per message, for messages as a logging-heavy
 * server writes them, with nothing to redact and with an ECK iD, an HPgn
 * and a PGN in each.  Part of make bench (row 9c, bench/run.sh); prints
 * "<ns per no-match message> <ns per match message> <mean bytes>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redact.h"

#define DIGEST \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HPGN "c8e4d6a1c1b7c3d7ea8a9c3a2b8f3e0e5c4a7b1f0d2e3c4b5a6978685746352a"

static const char *const nomatch[] = {
	"duration: 0.052 ms  parse <unnamed>: SELECT name FROM pupil WHERE id = $1",
	"duration: 0.031 ms  bind <unnamed>: SELECT name FROM pupil WHERE id = $1",
	"parameters: $1 = '4242'",
	"execute <unnamed>: SELECT name FROM pupil WHERE id = $1",
	"duration: 0.017 ms",
	"statement: UPDATE pupil SET name = 'Anna de Vries', updated = '2026-12-01 04:33:58.123+00' WHERE id = 1234",
	"duplicate key value violates unique constraint \"enrolment_pkey\"",
	"Key (pupil_id, course)=(1234, rekenen) already exists.",
	"checkpoint complete: wrote 1234 buffers (7.5%); 0 WAL file(s) added, 0 removed, 1 recycled; write=0.123 s",
	"automatic analyze of table \"las.school.pupil\"\n\tavg read rate: 0.000 MB/s, avg write rate: 0.000 MB/s",
};

static const char *const match[] = {
	"statement: SELECT name FROM pupil WHERE eck_id = 'https://ketenid.nl/local/" DIGEST "'",
	"parameters: $1 = '063138219', $2 = '" HPGN "'",
	"Key (eck_id)=(https://ketenid.nl/local/" DIGEST ") already exists.",
	"Failing row contains (7, null, null, " HPGN ", https://ketenid.nl/local/0123456789abcdef0123456789abcdef012...).",
};

static double
Seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ns per message, best of 5 runs of iterations passes over msgs */
static double
Time(const char *const *msgs, size_t n, const RedactOptions *opt, long iterations)
{
	char		buf[1024];
	size_t		lens[16];
	double		best = 1e30;
	volatile size_t sink = 0;

	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(msgs[i]);
	for (int run = 0; run < 5; run++)
	{
		double		t = Seconds();

		for (long k = 0; k < iterations; k++)
		{
			for (size_t i = 0; i < n; i++)
			{
				bool		changed;

				/* as the hook does: in place, on a fresh copy each time */
				memcpy(buf, msgs[i], lens[i] + 1);
				sink += redact_text(buf, buf, lens[i], opt, &changed);
			}
		}
		t = (Seconds() - t) * 1e9 / (iterations * (double) n);
		if (t < best)
			best = t;
	}
	(void) sink;
	return best;
}

int
main(int argc, char **argv)
{
	static const uint8_t salt[] = {
		0xae, 0x4b, 0x58, 0x9a, 0x5d, 0x0c, 0x22, 0x9f,
		0x53, 0x0b, 0xdb, 0xba, 0x37, 0x2e, 0xae, 0xab
	};
	RedactOptions opt;
	long		iterations = argc > 1 ? atol(argv[1]) : 200000;
	size_t		bytes = 0;

	memset(&opt, 0, sizeof(opt));
	opt.pgn = true;
	opt.salt_text = "rktYml0MIp9TC9u6Ny6uqw==";
	opt.salt_text_len = strlen(opt.salt_text);
	opt.salt = salt;
	opt.salt_len = sizeof(salt);

	for (size_t i = 0; i < sizeof(nomatch) / sizeof(nomatch[0]); i++)
		bytes += strlen(nomatch[i]);
	printf("%.0f %.0f %zu\n",
		   Time(nomatch, sizeof(nomatch) / sizeof(nomatch[0]), &opt, iterations),
		   Time(match, sizeof(match) / sizeof(match[0]), &opt, iterations),
		   bytes / (sizeof(nomatch) / sizeof(nomatch[0])));
	return 0;
}
