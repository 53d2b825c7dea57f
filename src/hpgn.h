/*-------------------------------------------------------------------------
 *
 * hpgn.h
 *	  The HPgn of a PGN, for callers other than eckid.hpgn() itself.
 *
 * eckid.hpgn() and the eckid.assign() trigger must apply exactly the same
 * PGN rules and the same hashing; this is the one entry point they share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_HPGN_H
#define ECKID_HPGN_H

/*
 * The HPgn of pgn (len bytes, not necessarily NUL-terminated) with the salt
 * in eckid.salt, as palloc'd text of 64 lowercase hex digits.  Raises the
 * errors of eckid.hpgn() (docs/derivation.md), all without the value; when
 * column is not NULL, the PGN rule errors say "PGN in column "<column>""
 * instead of "PGN".  Checks for interrupts just before the hash, which
 * cannot be interrupted.  Wipes its own copies of the PGN and the salt; the
 * caller wipes pgn.
 */
extern text *eckid_hpgn_of_pgn(const char *pgn, size_t len, const char *column);

/*
 * Only the checks of eckid_hpgn_of_pgn(), for a PGN whose HPgn is not
 * needed (so that a PGN is never accepted unchecked, hashed or not).
 */
extern void eckid_check_pgn(const char *pgn, size_t len, const char *column);

#endif							/* ECKID_HPGN_H */
