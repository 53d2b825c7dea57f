/*-------------------------------------------------------------------------
 *
 * scrypt_settings.h
 *	  The settings of the scrypt layer (eckid.scrypt_*) and the life of its
 *	  memory, on the PostgreSQL side.
 *
 * The crypto layer (kdf.c, scrypt_simd.c) reads no setting: it is given a
 * KdfScryptOptions by its caller.  This file defines the settings, builds
 * those options and decides when the AVX-512 path's memory is given back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_SCRYPT_SETTINGS_H
#define ECKID_SCRYPT_SETTINGS_H

#include "kdf.h"

/* Called once from _PG_init(): defines eckid.scrypt_*. */
extern void ScryptSettingsInit(void);

/*
 * The options of the current settings: eckid.scrypt_implementation,
 * eckid.scrypt_threads, and a stop callback that answers a pending cancel
 * or termination.
 */
extern const KdfScryptOptions *eckid_scrypt_options(void);

/*
 * Keep the AVX-512 scrypt's memory mapped past the commit of the current
 * transaction (not past an abort), for a next batch of eckid.backfill() in
 * the transaction that follows; the end of any transaction that does not
 * ask again releases it (unless eckid.scrypt_keep_memory is on).
 */
extern void eckid_keep_scrypt_memory_past_commit(void);

/*
 * "512 MiB", "1 GiB": the memory one HPgn needs with the current settings
 * (bulk false), or one thread of the bulk path (bulk true), for a message;
 * computed from Kennisnet's parameters.  palloc'd.
 */
extern char *eckid_scrypt_memory_text(bool bulk);

#endif							/* ECKID_SCRYPT_SETTINGS_H */
