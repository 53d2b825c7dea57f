/*-------------------------------------------------------------------------
 *
 * assign.c
 *	  The eckid.assign() trigger: BEFORE INSERT OR UPDATE ... FOR EACH ROW.
 *
 * The HPgn and ECK iD columns fill themselves from the PGN column
 * (assign.h shows the CREATE TRIGGER; docs/row-level.md states every rule).
 * This file is the order of the steps; the plan (assign_plan.c) and the
 * computing (assign_identity.c) live next to it.
 *
 * The cheap ways out come first, before the plan is even looked at beyond
 * its column numbers: a NULL PGN leaves the row alone, and so does an
 * UPDATE that leaves the PGN as it was.  A row imported with its ECK iD
 * and no PGN, and every unrelated UPDATE of a pupil, pay for one lookup of
 * the kept plan and a comparison.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/rel.h"

#include "assign.h"
#include "secrets.h"

PG_FUNCTION_INFO_V1(eckid_assign);

/*
 * Are two PGN values the same bytes?  Both are usually short and stored
 * inline; a detoasted copy is wiped.
 */
static bool
PgnEqual(Datum a, Datum b)
{
	text	   *ta = DatumGetTextPP(a);
	text	   *tb = DatumGetTextPP(b);
	bool		equal;

	equal = VARSIZE_ANY_EXHDR(ta) == VARSIZE_ANY_EXHDR(tb) &&
		memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(ta)) == 0;
	if ((Pointer) ta != DatumGetPointer(a))
		eckid_free_secret(ta, VARSIZE_ANY(ta));
	if ((Pointer) tb != DatumGetPointer(b))
		eckid_free_secret(tb, VARSIZE_ANY(tb));
	return equal;
}

/*
 * eckid.assign(): BEFORE INSERT OR UPDATE ... FOR EACH ROW trigger.
 */
Datum
eckid_assign(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	tupdesc;
	const AssignPlan *plan;
	AssignErrorContext ctx;
	HeapTuple	newtuple;
	HeapTuple	oldtuple = NULL;
	Datum		new_pgn;
	bool		isnull;
	text	   *new_hpgn = NULL;
	EckIdValue *new_eckid = NULL;
	int			cols[3];
	Datum		values[3];
	bool		nulls[3];
	int			ncols = 0;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("eckid.assign() must be called as a trigger")));

	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);

	eckid_assign_push_context(&ctx, ASSIGN_CONTEXT_TRIGGER, trigdata->tg_trigger->tgname,
							  RelationGetRelationName(rel));
	eckid_assign_check_firing(TRIGGER_FIRED_FOR_ROW(trigdata->tg_event),
							  TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
							  eckid_assign_is_flush_trigger(trigdata->tg_trigger),
							  TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
							  TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event));
	plan = eckid_assign_plan_for_trigger(fcinfo->flinfo, rel, trigdata->tg_trigger);

	/* The deferred half of the flag deferred: the flush of one row. */
	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
	{
		eckid_assign_flush_row(plan, rel,
							   TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
							   trigdata->tg_newtuple : trigdata->tg_trigtuple);
		eckid_assign_pop_context(&ctx);
		return PointerGetDatum(NULL);
	}

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		newtuple = trigdata->tg_newtuple;
		oldtuple = trigdata->tg_trigtuple;
	}
	else
		newtuple = trigdata->tg_trigtuple;

	/* A NULL PGN leaves the row alone. */
	new_pgn = heap_getattr(newtuple, plan->pgn_attnum, tupdesc, &isnull);
	if (isnull)
	{
		eckid_assign_pop_context(&ctx);
		return PointerGetDatum(newtuple);
	}

	/* An UPDATE that leaves the PGN alone computes nothing. */
	if (oldtuple)
	{
		bool		old_isnull;
		Datum		old_pgn = heap_getattr(oldtuple, plan->pgn_attnum, tupdesc, &old_isnull);

		if (!old_isnull && PgnEqual(new_pgn, old_pgn))
		{
			eckid_assign_pop_context(&ctx);
			return PointerGetDatum(newtuple);
		}
	}

	/*
	 * The flag deferred: a row that has no HPgn yet (new, or not flushed
	 * since its INSERT) gets its PGN checked now and its HPgn at the flush,
	 * from the PGN it has then.
	 */
	if (plan->deferred)
	{
		(void) heap_getattr(oldtuple ? oldtuple : newtuple, plan->hpgn_attnum, tupdesc, &isnull);
		if (!oldtuple || isnull)
		{
			cols[0] = plan->hpgn_attnum;
			values[0] = (Datum) 0;
			nulls[0] = true;
			eckid_assign_defer_pgn(plan, new_pgn);
			eckid_assign_pop_context(&ctx);
			return PointerGetDatum(heap_modify_tuple_by_cols(newtuple, tupdesc, 1, cols,
															 values, nulls));
		}
	}

	/* The first row of an INSERT: its other rows' PGNs hashed at once. */
	if (!oldtuple && eckid_assign_first_insert(fcinfo->flinfo))
		eckid_assign_hash_inserts_ahead(plan, rel);

	/*
	 * An INSERT into a table without an HPgn column, with an ECK iD given,
	 * has no use for the HPgn: check the PGN, but spare the hash.
	 */
	(void) heap_getattr(newtuple, plan->eckid_attnum, tupdesc, &isnull);
	if (!oldtuple && !plan->hpgn_column && !isnull)
		(void) eckid_assign_pgn_value(plan, new_pgn, false);
	else
		new_hpgn = eckid_assign_pgn_value(plan, new_pgn, true);

	if (oldtuple && plan->nummervoorziening)
		eckid_assign_nv_report_change(plan, tupdesc, oldtuple, new_hpgn);
	else if (oldtuple)
		eckid_assign_keep_identity(plan, tupdesc, oldtuple, newtuple, new_hpgn);

	/*
	 * An ECK iD in the row (imported, or kept through a change) stays.
	 * Without one, it is derived, or with the flag nummervoorziening asked
	 * for: the column stays NULL until the answer is written.
	 */
	(void) heap_getattr(newtuple, plan->eckid_attnum, tupdesc, &isnull);
	if (isnull && plan->nummervoorziening)
		eckid_assign_nv_request(plan, new_hpgn);
	else if (isnull)
		new_eckid = eckid_assign_derive(plan, new_hpgn);

	if (plan->hpgn_column)
	{
		cols[ncols] = plan->hpgn_attnum;
		values[ncols] = PointerGetDatum(new_hpgn);
		nulls[ncols++] = false;
	}
	if (new_eckid)
	{
		cols[ncols] = plan->eckid_attnum;
		values[ncols] = PointerGetDatum(new_eckid);
		nulls[ncols++] = false;
	}
	if (plan->wipe_pgn)
	{
		cols[ncols] = plan->pgn_attnum;
		values[ncols] = (Datum) 0;
		nulls[ncols++] = true;
	}
	if (ncols > 0)
		newtuple = heap_modify_tuple_by_cols(newtuple, tupdesc, ncols, cols, values, nulls);

	eckid_assign_pop_context(&ctx);
	return PointerGetDatum(newtuple);
}
