/*-------------------------------------------------------------------------
 *
 * module.c
 *	  Module magic and load-time initialisation of eckid.
 *
 * eckid belongs in shared_preload_libraries: only then are its secret
 * settings defined before any session can look at them (see secrets.c).
 *
 * _PG_init() calls one Init() per subsystem, each defining the settings
 * (and installing the hooks) it owns, declared in that subsystem's header;
 * then it reserves the prefix eckid, once, for all of them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "export_record.h"
#include "hpgn_engine.h"
#include "local_segments.h"
#include "log_hook.h"
#include "retention.h"
#include "scrypt_settings.h"
#include "secrets.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * sodium_init() picks the fastest implementations for this CPU and is
	 * safe to call more than once; it fails only if the library cannot work
	 * at all, in which case nothing in eckid can.  First: the log hook
	 * and the secrets use libsodium.
	 */
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not initialize libsodium")));

	/*
	 * The log hook first, so that every message from here on passes it,
	 * including any about the settings defined next (it reads eckid.salt
	 * through secrets.c, and finds it unset until SecretsInit() defined
	 * it).  Then the secrets, before anything else of eckid can ask for
	 * them; the order of the others does not matter.
	 */
	LogRedactionInit();
	SecretsInit();
	ScryptSettingsInit();
	HpgnEngineInit();
	LocalSegmentsInit();
	RetentionInit();
	ExportRecordInit();

	/*
	 * Last, after every subsystem defined its settings: reserving the prefix
	 * drops a value given for an eckid.* setting not defined by then (a
	 * typo in postgresql.conf, with a warning) and refuses new ones.
	 */
	MarkGUCPrefixReserved("eckid");
}
