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
#include "compat.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "config.h"
#include "hpgn.h"
#include "kdf.h"
#include "scrypt_simd.h"

PG_FUNCTION_INFO_V1(eckid_hpgn);
PG_FUNCTION_INFO_V1(eckid_hpgn_with_salt);

/*
 * The PGN rules.  Kennisnet's reference client hashes the PGN exactly as
 * given, lowercased with the platform's locale; it rejects only values whose
 * trimmed length is below 2.  Whatever it would hash differently than a
 * careful reading of the PGN suggests, eckid refuses.
 */
typedef enum PgnRule
{
	PGN_RULE_OK,
	PGN_RULE_EMPTY,
	PGN_RULE_WHITESPACE,
	PGN_RULE_TOO_SHORT,
	PGN_RULE_TOO_LONG,
	PGN_RULE_NON_ASCII
} PgnRule;

static PgnRule
BrokenPgnRule(const char *pgn, size_t len)
{
	if (len == 0)
		return PGN_RULE_EMPTY;
	/* Java's String.trim() strips every character <= U+0020 */
	if ((unsigned char) pgn[0] <= 0x20 || (unsigned char) pgn[len - 1] <= 0x20)
		return PGN_RULE_WHITESPACE;
	if (len < 2)
		return PGN_RULE_TOO_SHORT;
	if (len > PGN_MAX_BYTES)
		return PGN_RULE_TOO_LONG;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) pgn[i] >= 0x80)
			return PGN_RULE_NON_ASCII;
	return PGN_RULE_OK;
}

/*
 * Raise an error if the PGN breaks a rule.  The messages name the PGN "PGN",
 * or "PGN in column "x"" when it comes from a table's column (the
 * eckid.assign() trigger); never its value.
 */
static void
CheckPgn(const char *pgn, size_t len, const char *column)
{
	PgnRule		rule = BrokenPgnRule(pgn, len);
	const char *subject;

	if (rule == PGN_RULE_OK)
		return;
	subject = column ? psprintf("PGN in column \"%s\"", column) : "PGN";
	switch (rule)
	{
		case PGN_RULE_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be empty", subject)));
			break;
		case PGN_RULE_WHITESPACE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not begin or end with whitespace", subject),
					 errdetail("The reference implementation hashes the PGN as given, so a padded value would give another HPgn.")));
			break;
		case PGN_RULE_TOO_SHORT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s is too short", subject),
					 errdetail("The reference implementation rejects a PGN of fewer than 2 characters.")));
			break;
		case PGN_RULE_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s is too long", subject),
					 errdetail("A PGN may be at most %d bytes.", PGN_MAX_BYTES)));
			break;
		case PGN_RULE_NON_ASCII:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains non-ASCII characters", subject),
					 errdetail("eckid lowercases only ASCII letters, because the reference implementation's lowercasing of other letters depends on the platform's locale.")));
			break;
		case PGN_RULE_OK:
			break;
	}
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
 * Raise the error for a failed scrypt (errno value save_errno) computing
 * nhashes HPgns at once; everything secret must already be wiped.
 */
static void
ReportScryptFailure(int save_errno, size_t nhashes)
{
	errno = save_errno;
	if (save_errno == ECANCELED)
	{
		/* the AVX-512 path stopped for a pending cancel or termination */
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));
	}
	if (save_errno == ENOMEM && nhashes == 1)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Computing an HPgn needs %s of memory that could not be allocated.",
						   kdf_scrypt_implementation == KDF_SCRYPT_AUTO && scrypt_simd_available() ?
						   "512 MiB" : "128 MiB")));
	if (save_errno == ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Computing HPgns in bulk needs 1 GiB of memory per thread (eckid.scrypt_threads) that could not be allocated.")));
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("could not compute HPgn"),
			 errdetail("scrypt failed: %m.")));
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
		ReportScryptFailure(save_errno, 1);
	}

	result = cstring_to_text_with_len(hex, HPGN_HEX_LEN);
	sodium_memzero(hex, sizeof(hex));
	return result;
}

/*
 * HPgns computed ahead by eckid_hpgn_compute_ahead() for the rest of the
 * transaction: the PGN as given and its HPgn with the configured salt.  The
 * salt cannot change within a transaction (configuration is reloaded only
 * between commands, and a procedure's COMMIT ends the transaction), so
 * neither can an entry's HPgn.  Held in TopMemoryContext and wiped at the
 * end of the transaction, whichever way it ends.
 */
typedef struct AheadEntry
{
	char	   *pgn;
	size_t		len;
	char		hex[HPGN_HEX_LEN + 1];
} AheadEntry;

static AheadEntry *ahead = NULL;
static int	ahead_count = 0;
static bool ahead_callback_registered = false;

static void
ForgetComputedAhead(void)
{
	for (int i = 0; i < ahead_count; i++)
	{
		eckid_free_secret(ahead[i].pgn, ahead[i].len);
		sodium_memzero(ahead[i].hex, sizeof(ahead[i].hex));
	}
	if (ahead != NULL)
		pfree(ahead);
	ahead = NULL;
	ahead_count = 0;
}

static void
ForgetComputedAheadAtEnd(XactEvent event, void *arg pg_attribute_unused())
{
	if (eckid_xact_event_ends(event))
		ForgetComputedAhead();
}

/* The HPgn computed ahead for this PGN, as palloc'd text, or NULL. */
static text *
ComputedAhead(const char *pgn, size_t len)
{
	for (int i = 0; i < ahead_count; i++)
		if (ahead[i].len == len && memcmp(ahead[i].pgn, pgn, len) == 0)
			return cstring_to_text_with_len(ahead[i].hex, HPGN_HEX_LEN);
	return NULL;
}

/* See hpgn.h. */
bool
eckid_pgn_is_hashable(const char *pgn, size_t len)
{
	return BrokenPgnRule(pgn, len) == PGN_RULE_OK;
}

/* See hpgn.h. */
int
eckid_hpgn_compute_ahead(int n, const char *const *pgn, const size_t *len)
{
	const uint8_t **lower;
	size_t	   *lower_len;
	int		   *from;			/* index into pgn[] of each distinct PGN */
	char		(*hex)[HPGN_HEX_LEN + 1];
	uint8_t    *salt;
	size_t		salt_len;
	int			count = 0;
	int			rc;
	int			save_errno = 0;

	ForgetComputedAhead();
	if (n <= 0 || kdf_scrypt_implementation != KDF_SCRYPT_AUTO || !scrypt_simd_available())
		return 0;

	/* the distinct PGNs, so that none is hashed twice */
	from = palloc(n * sizeof(*from));
	for (int i = 0; i < n; i++)
	{
		bool		seen = false;

		Assert(eckid_pgn_is_hashable(pgn[i], len[i]));
		for (int j = 0; j < count && !seen; j++)
			seen = len[from[j]] == len[i] && memcmp(pgn[from[j]], pgn[i], len[i]) == 0;
		if (!seen)
			from[count++] = i;
	}

	/* everything that can fail comes before the first secret copy */
	CHECK_FOR_INTERRUPTS();
	salt = eckid_configured_salt(&salt_len);
	lower = palloc(count * sizeof(*lower));
	lower_len = palloc(count * sizeof(*lower_len));
	hex = palloc(count * sizeof(*hex));
	ahead = MemoryContextAllocZero(TopMemoryContext, count * sizeof(*ahead));
	for (int j = 0; j < count; j++)
		ahead[j].pgn = MemoryContextAlloc(TopMemoryContext, len[from[j]]);
	if (!ahead_callback_registered)
	{
		RegisterXactCallback(ForgetComputedAheadAtEnd, NULL);
		ahead_callback_registered = true;
	}

	for (int j = 0; j < count; j++)
	{
		uint8_t    *copy = palloc(len[from[j]]);

		LowercaseAscii(pgn[from[j]], len[from[j]], copy);
		lower[j] = copy;
		lower_len[j] = len[from[j]];
	}
	/* eckid.backfill() commits each batch and goes on with the next */
	eckid_keep_scrypt_memory_past_commit();
	rc = kdf_hpgn_multi(count, lower, lower_len, salt, salt_len, hex);
	if (rc != 0)
		save_errno = errno;
	for (int j = 0; j < count; j++)
		eckid_free_secret((void *) lower[j], lower_len[j]);
	eckid_free_secret(salt, salt_len);

	if (rc == 0)
	{
		for (int j = 0; j < count; j++)
		{
			memcpy(ahead[j].pgn, pgn[from[j]], len[from[j]]);
			ahead[j].len = len[from[j]];
			memcpy(ahead[j].hex, hex[j], sizeof(ahead[j].hex));
		}
		ahead_count = count;
	}
	else
	{
		for (int j = 0; j < count; j++)
			pfree(ahead[j].pgn);
		pfree(ahead);
		ahead = NULL;
	}
	eckid_free_secret(hex, count * sizeof(*hex));
	pfree(lower);
	pfree(lower_len);
	pfree(from);

	if (rc != 0 && save_errno == ENOTSUP)
		return 0;
	if (rc != 0)
		ReportScryptFailure(save_errno, count);
	return count;
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
	{
		text	   *ahead = ComputedAhead(pgn, pgn_len);

		if (ahead != NULL)
			return ahead;
		salt = eckid_configured_salt(&salt_len);
	}
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
