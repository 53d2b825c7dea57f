/*-------------------------------------------------------------------------
 *
 * pgn.h
 *	  Checks of person numbers (BSN, onderwijsnummer) and HPgns, in plain C.
 *
 * These never fail on any input: they answer true or false.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGN_H
#define PGN_H

#include <stdbool.h>
#include <stddef.h>

#define PGN_DIGITS	9

/* An HPgn is written as 64 lowercase hexadecimal digits (32 bytes). */
#define HPGN_BYTES			32
#define HPGN_HEX_LEN		(2 * HPGN_BYTES)

/* Longest PGN eckid hashes (documented in docs/derivation.md). */
#define PGN_MAX_BYTES		1024

/* 9 digits, elfproef (weights 9..2, -1) sum = 0 mod 11, not 000000000. */
extern bool pgn_bsn_is_valid(const char *s, size_t len);

/* 9 digits starting with "10", same weights, sum = 5 mod 11. */
extern bool pgn_onderwijsnummer_is_valid(const char *s, size_t len);

/* Exactly 64 lowercase hexadecimal digits. */
extern bool pgn_hpgn_is_valid(const char *s, size_t len);

/* What pgn_number_form() found. */
typedef enum PgnNumberForm
{
	PGN_NOT_A_NUMBER,			/* empty, or a character other than 0-9 */
	PGN_NUMBER,					/* a valid BSN or onderwijsnummer */
	PGN_INVALID_NUMBER			/* digits only, but neither */
} PgnNumberForm;

/*
 * Classify a PGN for hashing (docs/row-level.md).  A PGN of digits only is a
 * person number: 8 digits are padded with a leading zero (Kennisnet: "8-
 * cijferige nummers worden voorzien van een voorloopnul"), and the 9 digits
 * must then be a valid BSN or onderwijsnummer; they are written to digits,
 * which the caller wipes, whatever the answer.  Anything else (an employee
 * identifier) is PGN_NOT_A_NUMBER and is hashed as given.
 */
extern PgnNumberForm pgn_number_form(const char *s, size_t len, char digits[PGN_DIGITS]);

/*
 * The rules every PGN must obey before it is hashed.  Kennisnet's reference
 * client hashes the PGN exactly as given, lowercased with the platform's
 * locale; it rejects only values whose trimmed length is below 2.  Whatever
 * it would hash differently than a careful reading of the PGN suggests,
 * eckid refuses.  PGN_RULE_INVALID_NUMBER is only ever answered by
 * pgn_prepare_column_value().
 */
typedef enum PgnRule
{
	PGN_RULE_OK,
	PGN_RULE_EMPTY,
	PGN_RULE_WHITESPACE,
	PGN_RULE_TOO_SHORT,
	PGN_RULE_TOO_LONG,
	PGN_RULE_NON_ASCII,
	PGN_RULE_INVALID_NUMBER
} PgnRule;

/* Which rule, if any, the PGN as given breaks (eckid.hpgn()). */
extern PgnRule pgn_broken_rule(const char *s, size_t len);

/*
 * A PGN stored in a table's PGN column (the eckid.assign() trigger and
 * eckid.backfill()): first pgn_number_form(), then pgn_broken_rule() of what
 * is to be hashed.  On PGN_RULE_OK, *hash and *hash_len say what to hash:
 * s itself, or digits (which the caller wipes, whatever the answer).
 */
extern PgnRule pgn_prepare_column_value(const char *s, size_t len,
										char digits[PGN_DIGITS],
										const char **hash, size_t *hash_len);

/*
 * Add a PGN column value to a batch hashed ahead (the backfill's batches, a
 * multi-row INSERT): when pgn_prepare_column_value() accepts it, what is to
 * be hashed goes to pgns[*n] and lens[*n] (pointing into s or into
 * digits[*n]) and *n grows by one.  A value that breaks a rule is left out:
 * its own row reports it.
 */
extern void pgn_batch_add(const char *s, size_t len, char (*digits)[PGN_DIGITS],
						  const char **pgns, size_t *lens, int *n);

/*
 * Lowercase ASCII A-Z of src into dst (len bytes), independent of any locale
 * (tolower() would consult LC_CTYPE; the Turkish dotless i is the classic
 * casualty).  What is hashed is always the lowercased PGN.
 */
extern void pgn_lowercase(const char *src, size_t len, unsigned char *dst);

#endif							/* PGN_H */
