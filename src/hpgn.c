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

#include <string.h>

#include <sodium.h>

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "secrets.h"
#include "xact_end.h"
#include "hpgn.h"
#include "kdf.h"
#include "hpgn_engine.h"

PG_FUNCTION_INFO_V1(eckid_hpgn);
PG_FUNCTION_INFO_V1(eckid_hpgn_with_salt);

/*
 * See hpgn.h.  One whole sentence per rule and per subject ("PGN", or "PGN
 * in column "x"" when it comes from a table's column), never the value.
 */
void
eckid_report_broken_pgn(PgnRule rule, const char *column)
{
	switch (rule)
	{
		case PGN_RULE_OK:
			break;
		case PGN_RULE_EMPTY:
			if (column)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("PGN in column \"%s\" must not be empty", column)));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PGN must not be empty")));
			break;
		case PGN_RULE_WHITESPACE:
			if (column)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("PGN in column \"%s\" must not begin or end with whitespace", column),
						 errdetail("The reference implementation hashes the PGN as given, so a padded value would give another HPgn.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PGN must not begin or end with whitespace"),
					 errdetail("The reference implementation hashes the PGN as given, so a padded value would give another HPgn.")));
			break;
		case PGN_RULE_TOO_SHORT:
			if (column)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("PGN in column \"%s\" is too short", column),
						 errdetail("The reference implementation rejects a PGN of fewer than 2 characters.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PGN is too short"),
					 errdetail("The reference implementation rejects a PGN of fewer than 2 characters.")));
			break;
		case PGN_RULE_TOO_LONG:
			if (column)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("PGN in column \"%s\" is too long", column),
						 errdetail("A PGN may be at most %d bytes.", PGN_MAX_BYTES)));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PGN is too long"),
					 errdetail("A PGN may be at most %d bytes.", PGN_MAX_BYTES)));
			break;
		case PGN_RULE_NON_ASCII:
			if (column)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("PGN in column \"%s\" contains non-ASCII characters", column),
						 errdetail("eckid lowercases only ASCII letters, because the reference implementation's lowercasing of other letters depends on the platform's locale.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PGN contains non-ASCII characters"),
					 errdetail("eckid lowercases only ASCII letters, because the reference implementation's lowercasing of other letters depends on the platform's locale.")));
			break;
		case PGN_RULE_INVALID_NUMBER:
			/* only a column's PGN is checked as a person number */
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PGN in column \"%s\" is not a valid BSN or onderwijsnummer",
							column ? column : "?"),
					 errdetail("A PGN of digits only must be a BSN of 9 digits (8 with the leading zero left off) or an onderwijsnummer.")));
			break;
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
 * frees the salt if it is a copy of the caller's (own_salt), never the
 * configured salt, which secrets.c keeps.  The engine's workers hash it;
 * whatever error the wait ends with (cancel, no worker, out of memory),
 * everything secret is wiped first.
 */
static text *
ComputeHpgn(const char *pgn, size_t pgn_len, const uint8_t *salt, size_t salt_len, bool own_salt)
{
	uint8_t		pgn_lower[PGN_MAX_BYTES];
	const uint8_t *lower = pgn_lower;
	char		hex[1][HPGN_HEX_LEN + 1];
	text	   *result;

	Assert(pgn_len > 0 && pgn_len <= PGN_MAX_BYTES);

	pgn_lowercase(pgn, pgn_len, pgn_lower);
	PG_TRY();
	{
		eckid_engine_hpgn(1, &lower, &pgn_len, salt, salt_len, hex);
	}
	PG_FINALLY();
	{
		sodium_memzero(pgn_lower, sizeof(pgn_lower));
		if (own_salt)
			eckid_free_secret(unconstify(uint8_t *, salt), salt_len);
	}
	PG_END_TRY();

	result = cstring_to_text_with_len(hex[0], HPGN_HEX_LEN);
	sodium_memzero(hex, sizeof(hex));
	return result;
}

/*
 * HPgns computed ahead by eckid_hpgn_compute_ahead() for the rest of the
 * transaction: the PGN as given and its HPgn, with the salt they were
 * computed with (its generation, secrets.h: no copy of the salt).  A
 * configuration reload between two commands of a transaction can change
 * eckid.salt; a kept HPgn is served only while the configured salt is still
 * of the kept generation.  Everything lives in a memory
 * context of its own under TopMemoryContext, wiped and reset at the end of
 * the transaction, whichever way it ends, and when an error interrupts the
 * filling of it: nothing is left behind.
 */
typedef struct AheadEntry
{
	char	   *pgn;
	size_t		len;
	char		hex[HPGN_HEX_LEN + 1];
} AheadEntry;

static MemoryContext ahead_cxt = NULL;
static AheadEntry *ahead = NULL;
static int	ahead_count = 0;
static uint64 ahead_salt_generation = 0;

static void
ForgetComputedAhead(void)
{
	for (int i = 0; i < ahead_count; i++)
	{
		sodium_memzero(ahead[i].pgn, ahead[i].len);
		sodium_memzero(ahead[i].hex, sizeof(ahead[i].hex));
	}
	ahead = NULL;
	ahead_count = 0;
	ahead_salt_generation = 0;
	if (ahead_cxt != NULL)
		MemoryContextReset(ahead_cxt);
}

static void
ForgetComputedAheadAtEnd(XactEvent event, void *arg pg_attribute_unused())
{
	if (eckid_xact_event_ends(event))
		ForgetComputedAhead();
}

/*
 * The HPgn computed ahead for this PGN with the salt of this generation, as
 * palloc'd text, or NULL.
 */
static text *
ComputedAhead(const char *pgn, size_t len, uint64 salt_generation)
{
	if (ahead_count == 0 || salt_generation != ahead_salt_generation)
		return NULL;
	for (int i = 0; i < ahead_count; i++)
		if (ahead[i].len == len && memcmp(ahead[i].pgn, pgn, len) == 0)
			return cstring_to_text_with_len(ahead[i].hex, HPGN_HEX_LEN);
	return NULL;
}

/* See hpgn.h. */
int
eckid_hpgn_compute_ahead(int n, const char *const *pgn, const size_t *len, bool soft)
{
	const uint8_t **lower;
	size_t	   *lower_len;
	int		   *from;			/* index into pgn[] of each distinct PGN */
	char		(*hex)[HPGN_HEX_LEN + 1];
	const uint8_t *salt;
	size_t		salt_len;
	uint64		salt_generation;
	int			count = 0;
	AheadEntry *entries;

	if (n <= 0)
	{
		ForgetComputedAhead();
		return 0;
	}

	/* all kept already (another partition's first row asked before) */
	if (soft && ahead_count > 0)
	{
		bool		all_kept = true;

		(void) eckid_salt(&salt_len, &salt_generation);
		for (int i = 0; i < n && all_kept; i++)
		{
			text	   *kept = ComputedAhead(pgn[i], len[i], salt_generation);

			if (kept == NULL)
				all_kept = false;
			else
				eckid_free_secret(kept, VARSIZE(kept));
		}
		if (all_kept)
			return 0;
	}
	ForgetComputedAhead();

	if (ahead_cxt == NULL)
	{
		ahead_cxt = AllocSetContextCreate(TopMemoryContext, "eckid HPgns computed ahead",
										  ALLOCSET_SMALL_SIZES);
		RegisterXactCallback(ForgetComputedAheadAtEnd, NULL);
	}

	/* the distinct PGNs, so that none is hashed twice */
	from = palloc(n * sizeof(*from));
	for (int i = 0; i < n; i++)
	{
		bool		seen = false;

		Assert(pgn_broken_rule(pgn[i], len[i]) == PGN_RULE_OK);
		for (int j = 0; j < count && !seen; j++)
			seen = len[from[j]] == len[i] && memcmp(pgn[from[j]], pgn[i], len[i]) == 0;
		if (!seen)
			from[count++] = i;
	}

	/*
	 * Everything that can fail comes before the first secret copy.  The
	 * entries are allocated in ahead_cxt, which the end of the transaction
	 * resets, so an error here (out of memory) leaks nothing; they are
	 * published (ahead, ahead_count) only once filled.
	 */
	CHECK_FOR_INTERRUPTS();
	salt = eckid_salt(&salt_len, &salt_generation);
	lower = palloc(count * sizeof(*lower));
	lower_len = palloc(count * sizeof(*lower_len));
	hex = palloc(count * sizeof(*hex));
	entries = MemoryContextAllocZero(ahead_cxt, count * sizeof(*entries));
	for (int j = 0; j < count; j++)
		entries[j].pgn = MemoryContextAlloc(ahead_cxt, len[from[j]]);
	for (int j = 0; j < count; j++)
		lower[j] = palloc(len[from[j]]);

	for (int j = 0; j < count; j++)
	{
		pgn_lowercase(pgn[from[j]], len[from[j]], (uint8_t *) lower[j]);
		lower_len[j] = len[from[j]];
	}
	PG_TRY();
	{
		eckid_engine_hpgn(count, lower, lower_len, salt, salt_len, hex);
	}
	PG_CATCH();
	{
		/* the answers of the chunks done before the error too */
		for (int j = 0; j < count; j++)
			eckid_free_secret((void *) lower[j], lower_len[j]);
		sodium_memzero(hex, count * sizeof(*hex));
		PG_RE_THROW();
	}
	PG_END_TRY();
	for (int j = 0; j < count; j++)
		eckid_free_secret((void *) lower[j], lower_len[j]);

	for (int j = 0; j < count; j++)
	{
		memcpy(entries[j].pgn, pgn[from[j]], len[from[j]]);
		entries[j].len = len[from[j]];
		memcpy(entries[j].hex, hex[j], sizeof(entries[j].hex));
	}
	ahead_salt_generation = salt_generation;
	ahead = entries;
	ahead_count = count;
	eckid_free_secret(hex, count * sizeof(*hex));
	pfree(lower);
	pfree(lower_len);
	pfree(from);
	return count;
}

/*
 * The HPgn of a checked PGN, with the salt given as base64 text or, when
 * salt_arg is NULL, the salt in eckid.salt (then one computed ahead, if
 * any, with that salt).
 */
static text *
HpgnOfChecked(const char *pgn, size_t pgn_len, const text *salt_arg)
{
	const uint8_t *salt;
	size_t		salt_len;
	uint64		salt_generation;

	CHECK_FOR_INTERRUPTS();

	if (salt_arg == NULL)
	{
		text	   *kept;

		salt = eckid_salt(&salt_len, &salt_generation);
		kept = ComputedAhead(pgn, pgn_len, salt_generation);
		if (kept != NULL)
			return kept;
		return ComputeHpgn(pgn, pgn_len, salt, salt_len, false);
	}
	salt = eckid_decode_salt(VARDATA_ANY(salt_arg), VARSIZE_ANY_EXHDR(salt_arg), &salt_len);
	return ComputeHpgn(pgn, pgn_len, salt, salt_len, true);
}

/* The HPgn of a PGN as given to eckid.hpgn(): the rules first. */
static text *
HpgnOf(const char *pgn, size_t pgn_len, const text *salt_arg)
{
	PgnRule		rule = pgn_broken_rule(pgn, pgn_len);

	if (rule != PGN_RULE_OK)
		eckid_report_broken_pgn(rule, NULL);
	return HpgnOfChecked(pgn, pgn_len, salt_arg);
}

/* See hpgn.h. */
text *
eckid_hpgn_of_checked_pgn(const char *pgn, size_t len)
{
	Assert(pgn_broken_rule(pgn, len) == PGN_RULE_OK);
	return HpgnOfChecked(pgn, len, NULL);
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
		result = HpgnOf(VARDATA_ANY(pgn_t), VARSIZE_ANY_EXHDR(pgn_t), NULL);
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
		result = HpgnOf(VARDATA_ANY(pgn_t), VARSIZE_ANY_EXHDR(pgn_t), salt_t);
	}
	PG_FINALLY();
	{
		FreeArgCopy(fcinfo, 0, pgn_t);
		FreeArgCopy(fcinfo, 1, salt_t);
	}
	PG_END_TRY();

	PG_RETURN_TEXT_P(result);
}
