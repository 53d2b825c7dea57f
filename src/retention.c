/*-------------------------------------------------------------------------
 *
 * retention.c
 *	  eckid.nv_retention: how long done and failed Nummervoorziening items
 *	  and finished batches are kept before eckid.nv_purge() deletes them.
 *
 * Only defined here: the purge itself is SQL (sql/install/53_erasure.sql),
 * which reads the setting with current_setting().  It must be a setting
 * eckid defines, not a placeholder: the prefix eckid is reserved.  A
 * duration in seconds, so that '400d' or '13 months'-like values are given
 * with the units core knows (s, min, h, d) and shown as such.  PGC_SUSET:
 * what is kept about pupils is the controller's decision, not a
 * session's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "retention.h"

/* Setting variable (owned by guc.c), in seconds. */
static int	nv_retention = 400 * 86400;

/* See retention.h. */
void
RetentionInit(void)
{
	DefineCustomIntVariable("eckid.nv_retention",
							"How long done and failed Nummervoorziening items and finished batches are kept.",
							"eckid.nv_purge() deletes what finished longer ago than this.",
							&nv_retention,
							400 * 86400,
							86400,
							INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL,
							NULL,
							NULL);
}
