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

#include "access/xact.h"

#include "kdf.h"

/*
 * Called once from _PG_init(), after the other subsystems' Init(): defines
 * the secret settings, then reserves the prefix eckid.
 */
extern void eckid_define_settings(void);

/* eckid.log_redaction and the log hook (log_hook.c); once from _PG_init(). */
extern void LogRedactionInit(void);

/*
 * The text of eckid.salt as configured (base64, possibly invalid), or NULL.
 * Only for the log hook, which must recognise the salt to hide it; never
 * quote it anywhere.
 */
extern const char *eckid_salt_setting(void);

/*
 * The environment salt from eckid.salt, decoded into a palloc'd buffer of
 * *salt_len bytes.  The caller wipes and frees it with
 * eckid_free_secret(salt, *salt_len).  Raises an error (never quoting the
 * setting) when eckid was not preloaded, or when eckid.salt is unset (55000),
 * too long or not valid base64 (F0000).
 */
extern uint8_t *eckid_configured_salt(size_t *salt_len);

/*
 * Decode a base64 salt given as SQL text (standard alphabet with padding, at
 * most SALT_B64_MAX_LEN characters) into a palloc'd buffer, to be freed as
 * above.  The messages name the argument "salt" ("salt must not be
 * empty", "salt is too long", "salt is not valid base64"; all 22023); the
 * value is never quoted.  Needs no preloading: it reads no setting.
 */
extern uint8_t *eckid_decode_salt(const char *b64, size_t b64_len, size_t *salt_len);

/*
 * The 32-byte local derivation key from the file named by eckid.key_file.
 * Read on first use, cached in locked memory, and read again after every
 * configuration reload or, checked once per transaction, when the file's
 * identity, size or times changed.  Raises an error when eckid was not
 * preloaded, the setting is empty, or the file is missing, unreadable, not a
 * regular file, not owned by the server's user, accessible by group or
 * others, or not 64 hex digits with an optional newline.  The pointer stays
 * valid until the next call or configuration reload; do not keep it.
 */
extern const uint8_t *eckid_local_key(void);

/*
 * Segments given to locally derived values (eckid.local_*_segment), always
 * 1 to 16 of [a-z0-9] and none of Nummervoorziening's (the check hook).
 */
extern const char *eckid_local_stampseudonym_segment(void);
extern const char *eckid_local_eckid_segment(void);

/*
 * Does this transaction callback event end the transaction (commit, abort
 * or prepare, in a backend or a parallel worker)?  Where eckid lets go of
 * what it kept for one transaction.
 */
static inline bool
eckid_xact_event_ends(XactEvent event)
{
	return event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE;
}

/* sodium_memzero() then pfree(). */
extern void eckid_free_secret(void *ptr, size_t len);

#endif							/* ECKID_CONFIG_H */
