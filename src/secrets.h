/*-------------------------------------------------------------------------
 *
 * secrets.h
 *	  The one keeper of eckid's secrets: the environment salt (eckid.salt)
 *	  and the local derivation key (eckid.key_file).
 *
 * eckid.salt (base64) and eckid.key_file are PGC_SIGHUP settings: they come
 * from postgresql.conf, never from SQL text, and SHOW, current_setting()
 * and pg_settings never reveal them.  See docs/configuration.md and
 * docs/security.md.
 *
 * This module reads and decodes them, keeps the one decoded copy of each in
 * locked memory (sodium_malloc()), wipes it when the setting changes, and
 * hands it out with a generation number.  A caller that keeps something
 * computed from a secret (a pseudonym prefix, HPgns computed ahead, a
 * statement found clean) keeps the generation it was computed with, never a
 * copy of the secret, and compares generations to notice a change: a
 * secret's generation changes whenever it is read anew (the salt when
 * eckid.salt changes, the key on every reload of the key file), and two
 * secrets never share one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_SECRETS_H
#define ECKID_SECRETS_H

#include "kdf.h"

/*
 * Called once from _PG_init(): defines eckid.salt and eckid.key_file and
 * notes whether eckid is being preloaded.
 */
extern void SecretsInit(void);

/*
 * The environment salt from eckid.salt, decoded: *salt_len bytes, valid
 * until the end of the current SQL function call (a configuration reload
 * comes only between commands); never copy it.  *generation (if not NULL)
 * is the salt's generation.  Raises an error (never quoting the setting)
 * when eckid was not preloaded, or when eckid.salt is unset (55000), too
 * long or not valid base64 (F0000).
 */
extern const uint8_t *eckid_salt(size_t *salt_len, uint64 *generation);

/*
 * For the log hook, which must recognise the salt to hide it and must not
 * raise an error or allocate much: the text of eckid.salt as configured
 * (possibly invalid; "" when unset) and, if it is valid base64 of a salt,
 * its decoded bytes (else *salt NULL).  Returns the salt's generation, or
 * 0 when the text is longer than any valid salt (then matched as text
 * only, and not to be used as a cache key).  Never quote any of it.
 */
extern uint64 eckid_salt_for_redaction(const char **text, size_t *text_len,
									   const uint8_t **salt, size_t *salt_len);

/*
 * Decode a base64 salt given as SQL text (standard alphabet with padding, at
 * most SALT_B64_MAX_LEN characters) into a palloc'd buffer, which the
 * caller wipes and frees with eckid_free_secret(salt, *salt_len).  The
 * messages name the argument "salt" ("salt must not be empty", "salt is
 * too long", "salt is not valid base64"; all 22023); the value is never
 * quoted.  Needs no preloading: it reads no setting.
 */
extern uint8_t *eckid_decode_salt(const char *b64, size_t b64_len, size_t *salt_len);

/*
 * The 32-byte local derivation key from the file named by eckid.key_file,
 * or printed by eckid.key_command (run on first use and after every
 * configuration reload, key_command.h), and (if generation is not NULL) its
 * generation.  Both set: an error (F0000).  Read on first use,
 * cached in locked memory, and read again after every configuration reload
 * or, checked once per transaction, when the file's identity, size or
 * times changed.  Raises an error when eckid was not preloaded, the
 * setting is empty, or the file is missing, unreadable, not a regular
 * file, not owned by the server's user, accessible by group or others, or
 * not 64 hex digits with an optional newline.  The pointer stays valid
 * until the next call or configuration reload; do not keep it.
 */
extern const uint8_t *eckid_local_key(uint64 *generation);

/*
 * Parse a key file's content or a key command's output: exactly 64 hex
 * digits (either case), optionally followed by one newline, into key.
 * Returns false, with key wiped, when it is anything else.  Constant time
 * in the digits.
 */
extern bool eckid_parse_key(const char *buf, size_t len, uint8_t key[LOCAL_KEY_BYTES]);

/* sodium_memzero() then pfree(). */
extern void eckid_free_secret(void *ptr, size_t len);

#endif							/* ECKID_SECRETS_H */
