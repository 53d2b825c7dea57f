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

#include "pgn.h"

/*
 * Raise the error for a PGN that breaks rule (never PGN_RULE_OK), without
 * the value.  column, if not NULL, names the table column the PGN came from
 * (the eckid.assign() trigger and eckid.backfill()).
 */
extern void eckid_report_broken_pgn(PgnRule rule, const char *column);

/*
 * The HPgn of a PGN that obeys the PGN rules (pgn_broken_rule() answered
 * PGN_RULE_OK), with the salt in eckid.salt, as palloc'd text of 64
 * lowercase hex digits: one computed ahead, if any, else hashed now.
 * Hashed by the HPgn engine's workers (hpgn_engine.h): waits, cancellably.
 * Wipes its own copies of the PGN and the salt; the caller wipes pgn.
 */
extern text *eckid_hpgn_of_checked_pgn(const char *pgn, size_t len);

/*
 * Compute the HPgns of n PGNs (as given, each obeying pgn_broken_rule()) at
 * once, with the configured salt, by the HPgn engine's workers, and keep
 * them, with the salt they were computed with, until the end of the
 * transaction, wiped then: eckid_hpgn_of_checked_pgn() and eckid.hpgn()
 * return a kept HPgn without hashing again, as long as eckid.salt is still
 * that salt.  What was kept
 * before is forgotten first.  Returns how many distinct PGNs were hashed
 * (with either implementation).  Errors as eckid.hpgn()
 * (cancel, 53200, 55000 no worker, salt not configured).  For eckid.backfill(), which hashes
 * a batch of rows this way, and the trigger on a multi-row INSERT
 * (assign_ahead.c), which asks softly: then the PGNs already kept with the
 * configured salt are not hashed again.
 */
extern int	eckid_hpgn_compute_ahead(int n, const char *const *pgn, const size_t *len,
									 bool soft);

#endif							/* ECKID_HPGN_H */
