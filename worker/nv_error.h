/*
 * nv_error.h
 *	  The worker's error texts: every layer writes one whole sentence into a
 *	  caller's buffer, never a value it was handed (an HPgn, a Stampseudonym,
 *	  an ECK iD or a key).
 */
#ifndef NV_ERROR_H
#define NV_ERROR_H

#include <stddef.h>

/* printf into err (errlen bytes, always NUL-terminated); NULL err is allowed. */
extern void nv_set_error(char *err, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

#endif							/* NV_ERROR_H */
