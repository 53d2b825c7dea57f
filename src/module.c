/*-------------------------------------------------------------------------
 *
 * module.c
 *	  Module magic and load-time initialisation of eckid.
 *
 * eckid belongs in shared_preload_libraries: only then are its secret
 * settings defined before any session can look at them (see config.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "fmgr.h"

#include "config.h"
#include "scrypt_settings.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * sodium_init() picks the fastest implementations for this CPU and is
	 * safe to call more than once; it fails only if the library cannot work
	 * at all, in which case nothing in eckid can.
	 */
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not initialize libsodium")));

	/* each subsystem defines its own settings; config.c reserves eckid.* last */
	eckid_scrypt_init();
	/*
	 * Before eckid_define_settings(): it reserves the prefix "eckid", which
	 * drops a value for a setting not yet defined.
	 */
	LogRedactionInit();
	eckid_define_settings();
}
