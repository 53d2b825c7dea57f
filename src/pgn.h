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

#endif							/* PGN_H */
