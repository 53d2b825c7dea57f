/*-------------------------------------------------------------------------
 *
 * fingerprint.h
 *	  Fail closed on the wrong salt or key: the fingerprints of the secrets a
 *	  database was filled with, recorded in eckid.secret_fingerprint, and
 *	  compared with the configured secrets' wherever a derivation obtains
 *	  one (docs/security.md, "Fingerprints of the salt and the key").
 *
 * A fingerprint is BLAKE2b-128 keyed with the secret over a fixed domain
 * string: one-way, so it reveals neither the secret nor anything computed
 * with it, and a salt's fingerprint never equals a key's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_FINGERPRINT_H
#define ECKID_FINGERPRINT_H

/*
 * Which secret a fingerprint is of; also the table's key ("salt", "key",
 * "pseudonym key": eckid.pseudonym_key_file, recorded once it is set).
 */
typedef enum EckidSecret
{
	ECKID_SECRET_SALT,
	ECKID_SECRET_KEY,
	ECKID_SECRET_PSEUDONYM_KEY
} EckidSecret;

#define ECKID_SECRET_COUNT	3

/*
 * Called by the accessors in secrets.c with the secret they are about to
 * hand out and its generation.  Compares its fingerprint with the one
 * recorded in this database (read once per transaction; the configured
 * secret's fingerprint computed once per generation) and raises 55000 when
 * they differ.  When none is recorded yet, nothing is checked, and the
 * secret is recorded when the transaction commits if it wrote anything
 * (not on a standby, not read-only, not in a parallel worker; a rolled back
 * or read-only use records nothing).  Does nothing when the extension's table does
 * not exist (an older version being updated) or while the check is
 * suspended by eckid_internal.secret_fingerprint_configured().
 */
extern void eckid_fingerprint_check(EckidSecret which, const uint8_t *secret,
									size_t len, uint64 generation);

/*
 * As eckid_fingerprint_check(), but never records: compares only when a
 * fingerprint is recorded.  For the derivation key used for pseudonyms
 * while eckid.pseudonym_key_file is empty: once a separate pseudonym key
 * was recorded, the old key is refused for pseudonyms.
 */
extern void eckid_fingerprint_check_recorded(EckidSecret which, const uint8_t *secret,
											 size_t len, uint64 generation);

#endif							/* ECKID_FINGERPRINT_H */
