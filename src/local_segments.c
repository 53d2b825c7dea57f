/*-------------------------------------------------------------------------
 *
 * local_segments.c
 *	  eckid.local_stampseudonym_segment and eckid.local_eckid_segment: the
 *	  segments given to locally derived values (derive.c,
 *	  assign_identity.c).
 *
 * Not secret, so core may quote a rejected value.  A check hook keeps them
 * to what the eckid type accepts and away from the segments
 * Nummervoorziening gives out.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "utils/guc.h"

#include "ecktext.h"
#include "local_segments.h"

/* Setting variables (owned by guc.c). */
static char *stampseudonym_segment = NULL;
static char *eckid_segment = NULL;

/* Segments Nummervoorziening uses; local values must never carry them. */
static const char *const reserved_segments[] = {"201703", "pilot", "sppilot"};

static bool CheckSegment(char **newval, void **extra, GucSource source);

/* See local_segments.h. */
void
LocalSegmentsInit(void)
{
	DefineCustomStringVariable("eckid.local_stampseudonym_segment",
							   "Segment of locally derived Stampseudonyms (https://ketenid.nl/<segment>/...).",
							   NULL,
							   &stampseudonym_segment,
							   "localsp",
							   PGC_SIGHUP,
							   0,
							   CheckSegment,
							   NULL,
							   NULL);

	DefineCustomStringVariable("eckid.local_eckid_segment",
							   "Segment of locally derived ECK iDs (https://ketenid.nl/<segment>/...).",
							   NULL,
							   &eckid_segment,
							   "local",
							   PGC_SIGHUP,
							   0,
							   CheckSegment,
							   NULL,
							   NULL);
}

/*
 * eckid.local_*_segment: 1 to 16 of [a-z0-9] (what the eckid type accepts),
 * and none of the segments Nummervoorziening gives out, so that a locally
 * derived value can never pass for one of Nummervoorziening's.  The value is
 * not secret, so core may quote it in its error.
 */
static bool
CheckSegment(char **newval, void **extra pg_attribute_unused(), GucSource source pg_attribute_unused())
{
	const char *s = *newval;
	size_t		len;

	if (s == NULL)
		return false;

	len = strlen(s);
	if (len == 0 || len > ECKID_SEGMENT_MAX)
	{
		GUC_check_errdetail("A segment is 1 to %d characters long.", ECKID_SEGMENT_MAX);
		return false;
	}
	if (!eckid_segment_is_valid(s, len))
	{
		GUC_check_errdetail("A segment consists of lowercase ASCII letters and digits only.");
		return false;
	}
	for (size_t i = 0; i < lengthof(reserved_segments); i++)
	{
		if (strcmp(s, reserved_segments[i]) == 0)
		{
			GUC_check_errdetail("Segment \"%s\" is used by Nummervoorziening; locally derived values must not look like its values.",
								s);
			return false;
		}
	}
	return true;
}

/* See local_segments.h. */
const char *
eckid_local_stampseudonym_segment(void)
{
	return stampseudonym_segment;
}

/* See local_segments.h. */
const char *
eckid_local_eckid_segment(void)
{
	return eckid_segment;
}
