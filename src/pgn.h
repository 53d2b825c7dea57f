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

#endif							/* PGN_H */
