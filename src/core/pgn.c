/*-------------------------------------------------------------------------
 *
 * pgn.c
 *	  The PGN rules: person numbers (BSN, onderwijsnummer), what may be
 *	  hashed, and what an HPgn looks like.
 *
 * Both numbers use the same weighted sum ("elfproef"): 9*d1 + 8*d2 + ... +
 * 2*d8 - 1*d9.  A BSN has sum = 0 (mod 11); an onderwijsnummer starts with
 * "10" and has sum = 5 (mod 11), so the two never collide.  Source:
 * python-stdnum, stdnum/nl/bsn.py and stdnum/nl/onderwijsnummer.py.
 *
 *-------------------------------------------------------------------------
 */
#include "pgn.h"

#include <string.h>

/*
 * The weighted sum modulo 11 of nine ASCII digits, or -1 when s is not
 * exactly nine digits.
 */
static int
ElfproefRemainder(const char *s, size_t len)
{
	int			sum = 0;

	if (len != PGN_DIGITS)
		return -1;
	for (size_t i = 0; i < PGN_DIGITS; i++)
	{
		int			d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		sum += (i < PGN_DIGITS - 1) ? (int) (PGN_DIGITS - i) * d : -d;
	}
	/* sum lies in [-9, 396]; bring it into [0, 10] */
	return ((sum % 11) + 11) % 11;
}

bool
pgn_bsn_is_valid(const char *s, size_t len)
{
	if (ElfproefRemainder(s, len) != 0)
		return false;
	/* 000000000 passes the elfproef but is not a number anyone holds */
	for (size_t i = 0; i < PGN_DIGITS; i++)
		if (s[i] != '0')
			return true;
	return false;
}

bool
pgn_onderwijsnummer_is_valid(const char *s, size_t len)
{
	return ElfproefRemainder(s, len) == 5 && s[0] == '1' && s[1] == '0';
}

bool
pgn_hpgn_is_valid(const char *s, size_t len)
{
	if (len != HPGN_HEX_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

PgnNumberForm
pgn_number_form(const char *s, size_t len, char digits[PGN_DIGITS])
{
	if (len == 0)
		return PGN_NOT_A_NUMBER;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return PGN_NOT_A_NUMBER;

	/* only 8 and 9 digits can be a person number; never pad anything else */
	if (len == PGN_DIGITS)
		memcpy(digits, s, PGN_DIGITS);
	else if (len == PGN_DIGITS - 1)
	{
		digits[0] = '0';
		memcpy(digits + 1, s, PGN_DIGITS - 1);
	}
	else
		return PGN_INVALID_NUMBER;

	if (pgn_bsn_is_valid(digits, PGN_DIGITS) ||
		pgn_onderwijsnummer_is_valid(digits, PGN_DIGITS))
		return PGN_NUMBER;
	return PGN_INVALID_NUMBER;
}

PgnRule
pgn_broken_rule(const char *pgn, size_t len)
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
 * A PGN of digits only is a person number: it must be a valid BSN or
 * onderwijsnummer (8 digits are padded to 9 first), because a typo in a BSN
 * would otherwise give a pupil an ECK iD nobody else can reproduce.
 * Anything else (an employee identifier) is hashed as given, by
 * eckid.hpgn()'s rules.
 */
PgnRule
pgn_prepare_column_value(const char *s, size_t len, char digits[PGN_DIGITS],
						 const char **hash, size_t *hash_len)
{
	switch (pgn_number_form(s, len, digits))
	{
		case PGN_NUMBER:
			s = digits;
			len = PGN_DIGITS;
			break;
		case PGN_INVALID_NUMBER:
			return PGN_RULE_INVALID_NUMBER;
		case PGN_NOT_A_NUMBER:
			break;
	}
	*hash = s;
	*hash_len = len;
	return pgn_broken_rule(s, len);
}

void
pgn_lowercase(const char *src, size_t len, unsigned char *dst)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) src[i];

		dst[i] = (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
	}
}

void
pgn_batch_add(const char *s, size_t len, char (*digits)[PGN_DIGITS],
			  const char **pgns, size_t *lens, int *n)
{
	const char *hash;
	size_t		hash_len;

	if (pgn_prepare_column_value(s, len, digits[*n], &hash, &hash_len) != PGN_RULE_OK)
		return;
	pgns[*n] = hash;
	lens[*n] = hash_len;
	(*n)++;
}
