/*-------------------------------------------------------------------------
 *
 * scrypt_settings.h
 *	  The settings of the scrypt layer (eckid.scrypt_*), on the PostgreSQL
 *	  side.
 *
 * The crypto layer (kdf.c, scrypt_simd.c) reads no setting: it is given a
 * KdfScryptOptions by its caller.  This file defines the settings and
 * builds those options.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_SCRYPT_SETTINGS_H
#define ECKID_SCRYPT_SETTINGS_H

#include "kdf.h"

/* Called once from _PG_init(): defines eckid.scrypt_*. */
extern void ScryptSettingsInit(void);

/*
 * The options of the current settings: eckid.scrypt_implementation and
 * eckid.scrypt_huge_pages, one thread, no stop callback (an HPgn worker sets
 * its own).
 */
extern const KdfScryptOptions *eckid_scrypt_options(void);

/*
 * "512 MiB", "1 GiB": the memory one HPgn needs with the current settings
 * (bulk false), or one HPgn worker hashing
 * two at once (bulk true), for a message;
 * computed from Kennisnet's parameters.  palloc'd.
 */
extern char *eckid_scrypt_memory_text(bool bulk);

#endif							/* ECKID_SCRYPT_SETTINGS_H */
