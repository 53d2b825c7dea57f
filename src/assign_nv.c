/*-------------------------------------------------------------------------
 *
 * assign_nv.c
 *	  The eckid.assign() trigger's flag nummervoorziening: the ECK iD comes
 *	  from Kennisnet's service instead of the local derivation.
 *
 * The trigger still hashes the PGN here (the HPgn column is filled as
 * without the flag), but the ECK iD column stays as the statement left it
 * (NULL on a new pupil) and a request is queued, in the caller's
 * transaction: a rolled-back enrolment asks for nothing.  eckid-nv-worker
 * takes the request to the service and eckid.nv_store() writes the answer
 * into the rows whose HPgn column holds the HPgn asked for; that UPDATE
 * leaves the PGN alone, so the trigger takes its early exit.
 *
 * A change of the PGN is queued as a report to the service
 * (replaceStampseudonym), effective on the day of the transaction; the row
 * keeps its ECK iD, which the service keeps for the new HPgn.
 *
 * The queue's functions are called through fmgr by the OIDs the plan
 * resolved (assign_plan.c), never through the search_path.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "access/htup_details.h"
#include "utils/date.h"

#include "assign.h"
#include "nv_request.h"

/* See assign.h. */
void
eckid_assign_nv_request(const AssignPlan *plan, text *hpgn)
{
	Assert(plan->nummervoorziening && plan->hpgn_column);
	eckid_nv_enqueue(plan->objs.nv_enqueue, plan->relid, plan->hpgn_attnum, plan->eckid_attnum,
					 hpgn, plan->chain, plan->sector, InvalidOid);
}

/*
 * See assign.h.  The old HPgn is the old row's HPgn column; a row without
 * one (written before the trigger, or imported with its ECK iD) had no
 * identity at the service that eckid asked for, and there is nothing to
 * report.
 */
void
eckid_assign_nv_report_change(const AssignPlan *plan, TupleDesc tupdesc,
							  HeapTuple oldtuple, text *new_hpgn)
{
	bool		isnull;
	Datum		d;
	text	   *old_hpgn;

	Assert(plan->nummervoorziening && plan->hpgn_column);
	d = heap_getattr(oldtuple, plan->hpgn_attnum, tupdesc, &isnull);
	if (isnull)
		return;
	old_hpgn = DatumGetTextPP(d);
	if (VARSIZE_ANY_EXHDR(old_hpgn) == VARSIZE_ANY_EXHDR(new_hpgn) &&
		memcmp(VARDATA_ANY(old_hpgn), VARDATA_ANY(new_hpgn), VARSIZE_ANY_EXHDR(new_hpgn)) == 0)
		return;
	eckid_nv_enqueue_replacement(plan->objs.nv_enqueue_replacement, old_hpgn, new_hpgn,
								 GetSQLCurrentDate());
}
