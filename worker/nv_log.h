/*
 * nv_log.h
 *	  The worker's log: one line per event on stderr, with a level.  What
 *	  goes in must already be free of HPgns, Stampseudonyms and ECK iDs
 *	  (nv_mask, nv_scrub); nv_log() scrubs every line once more, so a value
 *	  that slipped into a message from a library is still masked.
 */
#ifndef NV_LOG_H
#define NV_LOG_H

#include <stdbool.h>

enum
{
	NV_LOG_ERROR = 0,
	NV_LOG_WARNING,
	NV_LOG_INFO,
	NV_LOG_DEBUG
};

/* Lines above this level are not written (NV_LOG_INFO until set). */
extern void nv_log_set_level(int level);

extern void nv_log(int level, const char *fmt,...) __attribute__((format(printf, 2, 3)));

#endif							/* NV_LOG_H */
