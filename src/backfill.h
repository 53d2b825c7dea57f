/*-------------------------------------------------------------------------
 *
 * backfill.h
 *	  What the helpers of eckid.backfill() share: the values a row receives
 *	  (backfill.c) and the rights and identity with which the table is read
 *	  and written (backfill_write.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_BACKFILL_H
#define ECKID_BACKFILL_H

#include "assign.h"
#include "owner_context.h"

/*
 * The HPgn and ECK iD that the backfill stores into a row holding pgn,
 * stored_hpgn and stored_eckid (each may be null), by the rules of the
 * table's eckid.assign() trigger for an INSERT: a stored value is kept as
 * it is, a PGN is always checked (an invalid one raises 22023) and hashed
 * only for a column that lacks its value.  With the flag nummervoorziening
 * the ECK iD is asked for (queued) and stays null.
 */
extern void eckid_backfill_values(const AssignPlan *plan, const NullableDatum *pgn,
								  const NullableDatum *stored_hpgn,
								  const NullableDatum *stored_eckid,
								  NullableDatum *hpgn, NullableDatum *eckid);

/*
 * Before a helper reads (write false) or writes (write true) table relid,
 * whose trigger's plan is plan: refuse a calling role that could not run
 * the statement itself, with the error PostgreSQL would raise (USAGE on the
 * schema; SELECT on the PGN, HPgn and ECK iD columns; for a write UPDATE on
 * the columns written), then act as eckid_acting_role() of the table and
 * the caller (owner_context.h).  End with eckid_act_as_end(saved).
 */
extern void eckid_backfill_act(const AssignPlan *plan, Oid relid, bool write,
							   EckidActingRole *saved);

#endif							/* ECKID_BACKFILL_H */
