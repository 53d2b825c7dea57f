/*-------------------------------------------------------------------------
 *
 * hpgn.c
 *	  SQL-callable HPgn: Kennisnet's first-level hash of a PGN.
 *
 * eckid.hpgn(pgn) uses the salt in eckid.salt; eckid.hpgn(pgn, salt) takes
 * it as an argument (and so puts it into any statement log).  Both apply the
 * same PGN rules (docs/derivation.md) before hashing, and no error message
 * ever contains the PGN or the salt.
 *
 * The PGN and the salt are secrets of a kind: the lowercased copy of the PGN
 * and the decoded salt are wiped on every path.  The code is ordered so that
 * nothing can raise an error while either is held unwiped: all checks, the
 * interrupt check and the salt lookup (which cleans up after itself) come
 * first, then the copy, the hash and the wiping, and only then an error from
 * the hash, if any.  Detoasted copies of the arguments are wiped in a
 * PG_FINALLY block, on the error paths as well.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>

#include <sodium.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "config.h"
#include "hpgn.h"
#include "kdf.h"

PG_FUNCTION_INFO_V1(eckid_hpgn);
PG_FUNCTION_INFO_V1(eckid_hpgn_with_salt);

/*
 * Raise an error if the PGN breaks a rule.  Kennisnet's reference client
 * hashes the PGN exactly as given, lowercased with the platform's locale; it
 * rejects only values whose trimmed length is below 2.  Whatever it would
 * hash differently than a careful reading of the PGN suggests, eckid refuses.
 *
 * The messages name the PGN "PGN", or "PGN in column "x"" when it comes from
 * a table's column (the eckid.assign() trigger); never its value.
 */
static void
CheckPgn(const char *pgn, size_t len, const char *column)
{
	const char *subject = column ? psprintf("PGN in column \"%s\"", column) : "PGN";

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", subject)));

	/* Java's String.trim() strips every character <= U+0020 */
	if ((unsigned char) pgn[0] <= 0x20 || (unsigned char) pgn[len - 1] <= 0x20)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not begin or end with whitespace", subject),
				 errdetail("The reference implementation hashes the PGN as given, so a padded value would give another HPgn.")));

	if (len < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is too short", subject),
				 errdetail("The reference implementation rejects a PGN of fewer than 2 characters.")));

	if (len > PGN_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is too long", subject),
				 errdetail("A PGN may be at most %d bytes.", PGN_MAX_BYTES)));

	for (size_t i = 0; i < len; i++)
		if ((unsigned char) pgn[i] >= 0x80)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains non-ASCII characters", subject),
					 errdetail("eckid lowercases only ASCII letters, because the reference implementation's lowercasing of other letters depends on the platform's locale.")));
}

/*
 * Lowercase ASCII A-Z into dst, independent of any locale (tolower() would
 * consult LC_CTYPE; the Turkish dotless i is the classic casualty).
 */
static void
LowercaseAscii(const char *src, size_t len, uint8_t *dst)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) src[i];

		dst[i] = (c >= 'A' && c <= 'Z') ? (uint8_t) (c + ('a' - 'A')) : c;
	}
}

/*
 * Wipe and free a detoasted copy of a text argument; leave the caller's
 * datum alone when it was used in place.
 */
static void
FreeArgCopy(FunctionCallInfo fcinfo, int argno, text *t)
{
	if ((Pointer) t != PG_GETARG_POINTER(argno))
		eckid_free_secret(t, VARSIZE_ANY(t));
}

/*
 * Hash the checked PGN with the given salt and return it as text; wipes and
 * frees the salt.  Raises an error only after everything secret is wiped.
 */
static text *
ComputeHpgn(const char *pgn, size_t pgn_len, uint8_t *salt, size_t salt_len)
{
	uint8_t		pgn_lower[PGN_MAX_BYTES];
	char		hex[HPGN_HEX_LEN + 1];
	int			rc;
	int			save_errno = 0;
	text	   *result;

	Assert(pgn_len > 0 && pgn_len <= PGN_MAX_BYTES);

	LowercaseAscii(pgn, pgn_len, pgn_lower);
	rc = kdf_hpgn(pgn_lower, pgn_len, salt, salt_len, hex);
	if (rc != 0)
		save_errno = errno;
	sodium_memzero(pgn_lower, sizeof(pgn_lower));
	eckid_free_secret(salt, salt_len);

	if (rc != 0)
	{
		sodium_memzero(hex, sizeof(hex));
		errno = save_errno;
		if (save_errno == ECANCELED)
		{
			/* the AVX-512 path stopped for a pending cancel or termination */
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("canceling statement due to user request")));
		}
		if (save_errno == ENOMEM)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("Computing an HPgn needs 128 MiB of memory that could not be allocated.")));
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not compute HPgn"),
				 errdetail("scrypt failed: %m.")));
	}

	result = cstring_to_text_with_len(hex, HPGN_HEX_LEN);
	sodium_memzero(hex, sizeof(hex));
	return result;
}

/*
 * The HPgn of a PGN, with the salt given as base64 text or, when salt_arg is
 * NULL, the salt in eckid.salt.  column, if not NULL, names the table column
 * the PGN came from in the errors about it.
 */
static text *
HpgnOf(const char *pgn, size_t pgn_len, const text *salt_arg, const char *column)
{
	uint8_t    *salt;
	size_t		salt_len;

	CheckPgn(pgn, pgn_len, column);

	/* libsodium's scrypt cannot be interrupted: check before it */
	CHECK_FOR_INTERRUPTS();

	if (salt_arg == NULL)
		salt = eckid_configured_salt(&salt_len);
	else
		salt = eckid_decode_salt(VARDATA_ANY(salt_arg), VARSIZE_ANY_EXHDR(salt_arg),
								 &salt_len, "salt");
	return ComputeHpgn(pgn, pgn_len, salt, salt_len);
}

/* See hpgn.h. */
text *
eckid_hpgn_of_pgn(const char *pgn, size_t len, const char *column)
{
	return HpgnOf(pgn, len, NULL, column);
}

/* See hpgn.h. */
void
eckid_check_pgn(const char *pgn, size_t len, const char *column)
{
	CheckPgn(pgn, len, column);
}

/*
 * eckid.hpgn(pgn text) returns text: the HPgn of pgn with the salt in
 * eckid.salt.
 *
 * PG_FINALLY wipes a detoasted copy of the argument on the error paths too.
 */
Datum
eckid_hpgn(PG_FUNCTION_ARGS)
{
	text	   *pgn_t = PG_GETARG_TEXT_PP(0);
	text	   *volatile result = NULL;

	PG_TRY();
	{
		result = HpgnOf(VARDATA_ANY(pgn_t), VARSIZE_ANY_EXHDR(pgn_t), NULL, NULL);
	}
	PG_FINALLY();
	{
		FreeArgCopy(fcinfo, 0, pgn_t);
	}
	PG_END_TRY();

	PG_RETURN_TEXT_P(result);
}

/*
 * eckid.hpgn(pgn text, salt text) returns text: the HPgn of pgn with an
 * explicit base64 salt, for checking values from another environment.
 */
Datum
eckid_hpgn_with_salt(PG_FUNCTION_ARGS)
{
	text	   *pgn_t = PG_GETARG_TEXT_PP(0);
	text	   *salt_t = PG_GETARG_TEXT_PP(1);
	text	   *volatile result = NULL;

	PG_TRY();
	{
		result = HpgnOf(VARDATA_ANY(pgn_t), VARSIZE_ANY_EXHDR(pgn_t), salt_t, NULL);
	}
	PG_FINALLY();
	{
		FreeArgCopy(fcinfo, 0, pgn_t);
		FreeArgCopy(fcinfo, 1, salt_t);
	}
	PG_END_TRY();

	PG_RETURN_TEXT_P(result);
}
