/*-------------------------------------------------------------------------
 *
 * assign_identity.c
 *	  What the eckid.assign() trigger and eckid.backfill() compute for a row:
 *	  the HPgn of the PGN column, the ECK iD, and the pupil's identity kept
 *	  through a change of the PGN.
 *
 * eckid.stampseudonym(), eckid.derive() and eckid.replace_hpgn() are
 * called through fmgr, by OID (eckid_call(), eckid_objects.h): there is no
 * ACL check that way, so the trigger works for every role that may write
 * the table without that role being granted the pseudonym functions
 * themselves, and no SQL text ever carries an HPgn.  Who may attach the trigger is controlled by EXECUTE on
 * eckid.assign(), which CREATE TRIGGER checks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include <sodium.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "assign.h"
#include "citus.h"
#include "local_segments.h"
#include "secrets.h"
#include "eckid_objects.h"
#include "hpgn.h"
#include "pgn.h"

/*
 * Call one of eckid's SQL functions by OID (eckid_objects.h), with non-null
 * arguments.  The default collation is passed because eckid.replace_hpgn()
 * compares text.
 */
static Datum
CallEckid(Oid fn, int nargs, Datum arg0, Datum arg1, Datum arg2, bool *isnull)
{
	NullableDatum args[3] = {{arg0, false}, {arg1, false}, {arg2, false}};

	Assert(nargs >= 1 && nargs <= 3);
	return eckid_call(fn, DEFAULT_COLLATION_OID, nargs, args, isnull);
}

/* eckid.stampseudonym(hpgn): follows recorded replacements. */
static EckIdValue *
Stampseudonym(const EckidObjects *objs, text *hpgn)
{
	bool		isnull;
	Datum		d = CallEckid(objs->stampseudonym, 1, PointerGetDatum(hpgn), 0, 0, &isnull);

	if (isnull)
		elog(ERROR, "eckid.stampseudonym returned NULL for a non-null HPgn");
	return (EckIdValue *) DatumGetPointer(d);
}

/* See assign.h. */
EckIdValue *
eckid_assign_derive(const AssignPlan *plan, text *hpgn)
{
	EckIdValue *stamp = Stampseudonym(&plan->objs, hpgn);
	bool		isnull;
	Datum		d = CallEckid(plan->objs.derive, 3, PointerGetDatum(stamp),
							  PointerGetDatum(plan->chain), PointerGetDatum(plan->sector),
							  &isnull);

	if (isnull)
		elog(ERROR, "eckid.derive returned NULL for non-null arguments");
	return (EckIdValue *) DatumGetPointer(d);
}

static bool
EckIdEqual(const EckIdValue *a, const EckIdValue *b)
{
	return memcmp(a, b, sizeof(EckIdValue)) == 0;
}

/* See assign.h; the rules themselves are pgn_prepare_column_value()'s. */
text *
eckid_assign_pgn_value(const AssignPlan *plan, Datum value, bool hash)
{
	text	   *pgn = DatumGetTextPP(value);
	char		digits[PGN_DIGITS];
	text	   *volatile result = NULL;

	PG_TRY();
	{
		const char *s;
		size_t		len;
		PgnRule		rule = pgn_prepare_column_value(VARDATA_ANY(pgn), VARSIZE_ANY_EXHDR(pgn),
													digits, &s, &len);

		if (rule != PGN_RULE_OK)
			eckid_report_broken_pgn(rule, plan->pgn_column);
		if (hash)
			result = eckid_hpgn_of_checked_pgn(s, len);
	}
	PG_FINALLY();
	{
		sodium_memzero(digits, sizeof(digits));
		/* a detoasted copy of the PGN is ours to wipe */
		if ((Pointer) pgn != DatumGetPointer(value))
			eckid_free_secret(pgn, VARSIZE_ANY(pgn));
	}
	PG_END_TRY();

	return result;
}

/* Error context while the old value of the PGN column is hashed. */
static void
OldPgnErrorCallback(void *arg)
{
	errcontext("computing the HPgn of the old value of column \"%s\"", (const char *) arg);
}

/*
 * An UPDATE changed the PGN of a row whose old HPgn is unknown: the table
 * keeps no HPgn column (or it is NULL) and the old PGN is gone (wipe_pgn).
 * If the row's ECK iD is a local one and the new PGN does not give that
 * same ECK iD, a PGN change would go unrecorded: the pupil would keep an
 * ECK iD that the new HPgn no longer reproduces.  Refuse that; the hint
 * says how to record the change by hand, after which the same UPDATE
 * passes this check.  An ECK iD of another segment was imported from
 * Nummervoorziening and cannot be checked here; it is kept.
 */
static void
CheckUnknownOldHpgn(const AssignPlan *plan, text *new_hpgn, const EckIdValue *old_eckid)
{
	const char *local = eckid_local_eckid_segment();
	EckIdValue *derived;

	if (strncmp(old_eckid->segment, local, ECKID_SEGMENT_MAX) != 0)
		return;
	derived = eckid_assign_derive(plan, new_hpgn);
	if (!EckIdEqual(derived, old_eckid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot record the change of the PGN in column \"%s\": the old HPgn is unknown",
						plan->pgn_column),
				 errdetail("The row's ECK iD does not belong to the new PGN, and the table keeps neither the old PGN nor its HPgn."),
				 errhint("Record the change with eckid.replace_hpgn(eckid.hpgn(old PGN), eckid.hpgn(new PGN)) and repeat the UPDATE, or keep HPgns in a column named in the trigger's second argument.")));
}

/*
 * See assign.h.  The pupil keeps the Stampseudonym, and so every ECK iD,
 * of the old HPgn, if the row had one: it is in the HPgn column, or else
 * derivable from the old PGN if an ECK iD was made from it.  A row with
 * neither had no identity yet and is filled as on INSERT.
 */
void
eckid_assign_keep_identity(const AssignPlan *plan, TupleDesc tupdesc,
						   HeapTuple oldtuple, HeapTuple newtuple, text *new_hpgn)
{
	text	   *old_hpgn = NULL;
	bool		old_isnull;
	Datum		old_pgn;
	Datum		old_eckid_d;
	bool		old_eckid_isnull;

	old_eckid_d = heap_getattr(oldtuple, plan->eckid_attnum, tupdesc, &old_eckid_isnull);
	if (plan->hpgn_column)
	{
		Datum		d = heap_getattr(oldtuple, plan->hpgn_attnum, tupdesc, &old_isnull);

		if (!old_isnull)
			old_hpgn = DatumGetTextPP(d);
	}
	old_pgn = heap_getattr(oldtuple, plan->pgn_attnum, tupdesc, &old_isnull);
	if (old_hpgn == NULL && !old_isnull && !old_eckid_isnull)
	{
		ErrorContextCallback oldcb;

		oldcb.callback = OldPgnErrorCallback;
		oldcb.arg = (void *) plan->pgn_column;
		oldcb.previous = error_context_stack;
		error_context_stack = &oldcb;
		old_hpgn = eckid_assign_pgn_value(plan, old_pgn, true);
		error_context_stack = oldcb.previous;
	}

	if (old_hpgn)
	{
		/*
		 * Same Stampseudonym already (the same HPgn, a re-entered PGN, a
		 * typo corrected back): nothing to record, and recording would be
		 * refused as a cycle.
		 */
		if (!EckIdEqual(Stampseudonym(&plan->objs, old_hpgn),
						Stampseudonym(&plan->objs, new_hpgn)))
		{
			bool		void_isnull;

			eckid_citus_refuse_record_on_shard(plan->shard_parent, plan->pgn_column);
			(void) CallEckid(plan->objs.replace_hpgn, 3, PointerGetDatum(old_hpgn),
							 PointerGetDatum(new_hpgn),
							 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
							 &void_isnull);
		}
	}
	else if (!old_eckid_isnull)
	{
		bool		new_eckid_isnull;
		Datum		new_eckid_d = heap_getattr(newtuple, plan->eckid_attnum, tupdesc,
											   &new_eckid_isnull);

		/* unless this UPDATE sets an ECK iD of its own */
		if (!new_eckid_isnull &&
			EckIdEqual((EckIdValue *) DatumGetPointer(new_eckid_d),
					   (EckIdValue *) DatumGetPointer(old_eckid_d)))
			CheckUnknownOldHpgn(plan, new_hpgn,
								(EckIdValue *) DatumGetPointer(old_eckid_d));
	}
}
