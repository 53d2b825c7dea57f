/*-------------------------------------------------------------------------
 *
 * assign.h
 *	  What the eckid.assign() trigger and the eckid.backfill() helpers share:
 *	  the trigger's plan (assign_plan.c) and identity keeping
 *	  (assign_identity.c).
 *
 * A LAS attaches eckid.assign() to its pupil and staff tables:
 *
 *	  CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON pupils
 *		FOR EACH ROW EXECUTE FUNCTION
 *		eckid.assign('pgn', 'hpgn', 'eck_id', '<chain>', '<sector>'
 *					 [, 'wipe_pgn'] [, 'nummervoorziening']);
 *
 * docs/row-level.md states every rule; the comments say why.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_ASSIGN_H
#define ECKID_ASSIGN_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "utils/relcache.h"
#include "utils/reltrigger.h"

#include "ecktext.h"

/* eckid's own objects, looked up by schema-qualified name. */
typedef struct EckidObjects
{
	Oid			eckid_type;
	Oid			assign;
	Oid			stampseudonym;
	Oid			derive;
	Oid			replace_hpgn;
	/* with the flag nummervoorziening only (else InvalidOid) */
	Oid			nv_enqueue;
	Oid			nv_enqueue_replacement;
} EckidObjects;

/*
 * The trigger's plan: its arguments checked against the table, the column
 * numbers and eckid's objects.  Resolved once and kept per backend (see
 * assign_plan.c for when it is resolved again); read only.
 */
typedef struct AssignPlan
{
	Oid			relid;
	Oid			tgoid;
	char	   *relname;
	char	   *trigname;
	char	   *pgn_column;
	char	   *hpgn_column;	/* NULL when the table keeps no HPgn */
	char	   *eckid_column;
	AttrNumber	pgn_attnum;
	AttrNumber	hpgn_attnum;	/* InvalidAttrNumber when none */
	AttrNumber	eckid_attnum;
	text	   *chain;
	text	   *sector;
	bool		wipe_pgn;
	bool		nummervoorziening;	/* queue for the service, derive nothing */
	bool		deferred;		/* HPgn and ECK iD at the flush (assign_deferred.c) */
	Oid			shard_parent;	/* the Citus distributed table relid is a
								 * shard of, or InvalidOid (citus.h) */
	EckidObjects objs;
} AssignPlan;

/*
 * The plan of the trigger being fired (trigger->tgoid on rel), resolved on
 * its first use in the backend, or after a change of the table, its
 * triggers or eckid's functions.  Remembered in flinfo->fn_extra for the
 * rest of the statement (checked against a count of invalidations).  Raises the errors of a misconfigured
 * trigger.
 */
extern const AssignPlan *eckid_assign_plan_for_trigger(FmgrInfo *flinfo, Relation rel,
														const Trigger *trigger);

/*
 * The plan of the one eckid.assign() trigger of table relid, for
 * eckid.backfill(): the table must be a table (or partitioned table) with
 * exactly one such trigger, fired BEFORE INSERT OR UPDATE FOR EACH ROW.
 * Opens the table only when the plan is not known yet.  Pushes ctx, which
 * the caller pops with eckid_assign_pop_context().
 */
struct AssignErrorContext;
extern const AssignPlan *eckid_assign_plan_for_backfill(Oid relid,
														struct AssignErrorContext *ctx);

/* Is the trigger fired as eckid.assign() must be?  Raises the error if not. */
extern void eckid_assign_check_firing(bool for_row, bool before, bool insert_or_update_only);

/*
 * Is trigger the deferred half of the flag deferred: an AFTER constraint
 * trigger of eckid.assign() given the flag (checked fully with its plan)?
 */
extern bool eckid_assign_is_flush_trigger(const Trigger *trigger);

/*
 * The flag deferred (assign_deferred.c).  The BEFORE trigger checks the PGN
 * of a row and keeps it for the flush, with the row's HPgn left NULL; the
 * deferred constraint trigger, at the flush, hashes the kept PGNs at once
 * and writes each row's HPgn and ECK iD as the table's owner.
 */
extern void eckid_assign_defer_pgn(const AssignPlan *plan, Datum pgn);
extern void eckid_assign_flush_row(const AssignPlan *plan, Relation rel, HeapTuple tuple);

/*
 * Error context of the trigger and the backfill, as whole sentences:
 * 'eckid.assign() trigger "t" on table "pupils"', 'eckid.backfill() on
 * table "pupils"' (before its trigger is known) and 'eckid.backfill() with
 * trigger "t" on table "pupils"'.  Lives in the caller's frame between
 * push and pop.
 */
typedef enum AssignContextKind
{
	ASSIGN_CONTEXT_TRIGGER,
	ASSIGN_CONTEXT_BACKFILL,
	ASSIGN_CONTEXT_BACKFILL_TRIGGER
} AssignContextKind;

typedef struct AssignErrorContext
{
	AssignContextKind kind;
	const char *trigname;
	const char *relname;
	ErrorContextCallback cb;
} AssignErrorContext;

extern void eckid_assign_push_context(AssignErrorContext *ctx, AssignContextKind kind,
									  const char *trigname, const char *relname);
extern void eckid_assign_pop_context(AssignErrorContext *ctx);

/*
 * The HPgn of a value of the PGN column (a PGN of digits only must be a
 * valid BSN or onderwijsnummer), as text, when hash; else only the checks.
 * Wipes its copies of the PGN.
 */
extern text *eckid_assign_pgn_value(const AssignPlan *plan, Datum value, bool hash);

/*
 * Is this the trigger's first INSERT row of the statement (remembered in
 * flinfo->fn_extra, after eckid_assign_plan_for_trigger())?
 */
extern bool eckid_assign_first_insert(FmgrInfo *flinfo);

/*
 * On the first row of a multi-row INSERT ... VALUES, hash the PGNs of all
 * its rows at once (assign_ahead.c); the rows' triggers then find them.
 */
extern void eckid_assign_hash_inserts_ahead(const AssignPlan *plan, Relation rel);

/* eckid.derive(eckid.stampseudonym(hpgn), chain, sector) */
extern EckIdValue *eckid_assign_derive(const AssignPlan *plan, text *hpgn);

/*
 * An UPDATE changed the PGN; new_hpgn is the HPgn of the new one.  Keep the
 * pupil's identity: record the replacement of the old HPgn (assign_identity.c).
 */
extern void eckid_assign_keep_identity(const AssignPlan *plan, TupleDesc tupdesc,
									   HeapTuple oldtuple, HeapTuple newtuple,
									   text *new_hpgn);

/*
 * The flag nummervoorziening (assign_nv.c): the ECK iD comes from Kennisnet's
 * service.  Queue a request for the ECK iD of hpgn in the plan's chain and
 * sector, to be written into this row (found again by its HPgn column).
 */
extern void eckid_assign_nv_request(const AssignPlan *plan, text *hpgn);

/*
 * The flag nummervoorziening: an UPDATE changed the PGN; new_hpgn is the
 * HPgn of the new one.  Queue the report of the change (the row keeps its
 * ECK iD: the service resolves the new HPgn to the old Stampseudonym).
 */
extern void eckid_assign_nv_report_change(const AssignPlan *plan, TupleDesc tupdesc,
										  HeapTuple oldtuple, text *new_hpgn);

#endif							/* ECKID_ASSIGN_H */
