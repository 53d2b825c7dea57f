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

/* Does pgn obey the PGN rules (what eckid_check_pgn() checks)? */
extern bool eckid_pgn_is_hashable(const char *pgn, size_t len);

/*
 * Compute the HPgns of n PGNs (as given, each eckid_pgn_is_hashable()) at
 * once, with the configured salt, on eckid.scrypt_threads threads, and keep
 * them until the end of the transaction, wiped then: eckid_hpgn_of_pgn()
 * and eckid.hpgn() return a kept HPgn without hashing again.  What was kept
 * before is forgotten first.  Returns how many distinct PGNs were hashed:
 * 0 when the AVX-512 path is not available or not chosen, and the PGNs are
 * then hashed one by one as they are asked for.  Errors as eckid.hpgn()
 * (cancel, 53200, salt not configured).  For eckid.backfill(), which hashes
 * a batch of rows this way.
 */
extern int	eckid_hpgn_compute_ahead(int n, const char *const *pgn, const size_t *len);

#endif							/* ECKID_HPGN_H */
