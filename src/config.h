/*-------------------------------------------------------------------------
 *
 * config.h
 *	  Server settings of eckid and the secrets they point to.
 *
 * eckid.salt (the environment salt, base64) and eckid.key_file (the local
 * derivation key) are PGC_SIGHUP settings: they come from postgresql.conf,
 * never from SQL text, and SHOW, current_setting() and pg_settings never
 * reveal them.  See docs/configuration.md and docs/security.md.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_CONFIG_H
#define ECKID_CONFIG_H

#include "kdf.h"

/* Called once from _PG_init(). */
extern void eckid_define_settings(void);

/*
 * The environment salt from eckid.salt, decoded into a palloc'd buffer of
 * *salt_len bytes.  The caller wipes and frees it (eckid_free_secret).
 * Raises an error (never quoting the setting) when eckid.salt is unset or
 * not valid base64, or when eckid was not preloaded.
 */
extern uint8_t *eckid_configured_salt(size_t *salt_len);

/*
 * Decode a base64 salt given as SQL text; same rules and errors as for
 * eckid.salt, worded for an argument.
 */
extern uint8_t *eckid_decode_salt(const char *b64, size_t b64_len, size_t *salt_len,
								  const char *what);

/*
 * The 32-byte local derivation key from the file named by eckid.key_file,
 * read on first use and again after a configuration reload.  Raises an error
 * when the setting is empty or the file is missing, unreadable, not owned by
 * the server's user, accessible by group or others, or not 64 hex digits.
 */
extern const uint8_t *eckid_local_key(void);

/* Segments given to locally derived values (eckid.local_*_segment). */
extern const char *eckid_local_stampseudonym_segment(void);
extern const char *eckid_local_eckid_segment(void);

/* sodium_memzero() then pfree(). */
extern void eckid_free_secret(void *ptr, size_t len);

#endif							/* ECKID_CONFIG_H */
