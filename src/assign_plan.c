/*-------------------------------------------------------------------------
 *
 * assign_plan.c
 *	  The eckid.assign() trigger's plan: its arguments checked against the
 *	  table, resolved once and kept.
 *
 * Checking the arguments, finding the columns and looking up eckid's
 * functions costs more than everything else the trigger does for a row
 * that needs no hash (a row imported with its ECK iD, an UPDATE that leaves
 * the PGN alone).  So the plan is resolved on first use and kept in a
 * backend-local table keyed on the table and the trigger, and thrown away
 * when it could be stale:
 *
 * - a change of the table (ALTER TABLE, CREATE or DROP TRIGGER, a
 *	 re-created extension dropping and creating its triggers) sends a
 *	 relcache invalidation of the table;
 * - a change of any function or type (DROP EXTENSION, ALTER FUNCTION
 *	 RENAME) sends a syscache invalidation of pg_proc or pg_type.
 *
 * Either marks the plans stale; a stale plan is resolved again on its next
 * use.  The memory of the old plans is released at the end of the
 * transaction, never while a trigger that may hold a plan is running.
 *
 * Every check comes before any hashing, so a misconfigured trigger costs
 * nothing and reveals nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "assign.h"
#include "citus.h"
#include "xact_end.h"
#include "kdf.h"
#include "eckid_objects.h"
#include "nv_request.h"

/* PGN column, HPgn column, ECK iD column, chain, sector; then flags */
#define ASSIGN_FIXED_ARGS	5

/* Which argument named a column, for whole-sentence messages. */
typedef enum AssignColumnRole
{
	ROLE_PGN,
	ROLE_HPGN,
	ROLE_ECKID
} AssignColumnRole;

/* The key of a kept plan: tgoid is InvalidOid for the backfill's plan. */
typedef struct PlanKey
{
	Oid			relid;
	Oid			tgoid;
} PlanKey;

typedef struct PlanEntry
{
	PlanKey		key;
	AssignPlan *plan;			/* NULL or stale: resolve again */
	bool		valid;
} PlanEntry;

static HTAB *plans = NULL;
static MemoryContext plans_cxt = NULL;
static bool plans_dirty = false;	/* a plan went stale this transaction */

/*
 * Counts invalidations: a trigger call keeps the plan it found in its
 * FmgrInfo (fn_extra, which lives for one statement) with this count, and
 * uses it as long as the count has not moved, without a hash lookup.
 */
static uint64 plans_generation = 0;

typedef struct PlanShortcut
{
	uint64		generation;
	Oid			relid;
	Oid			tgoid;
	const AssignPlan *plan;
	bool		insert_seen;	/* eckid_assign_first_insert() answered */
} PlanShortcut;

static void
InvalidateRelPlans(Datum arg pg_attribute_unused(), Oid relid)
{
	HASH_SEQ_STATUS status;
	PlanEntry  *entry;

	plans_generation++;
	if (plans == NULL)
		return;
	hash_seq_init(&status, plans);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (!OidIsValid(relid) || entry->key.relid == relid)
		{
			entry->valid = false;
			plans_dirty = true;
		}
}

static void
InvalidateAllPlans(Datum arg, int cacheid pg_attribute_unused(),
				   uint32 hashvalue pg_attribute_unused())
{
	InvalidateRelPlans(arg, InvalidOid);
}

/*
 * At the end of a transaction in which plans went stale, no trigger runs:
 * release them all, the valid ones with them (they are resolved again on
 * their next use).
 */
static void
ReleaseStalePlans(XactEvent event, void *arg pg_attribute_unused())
{
	if (!plans_dirty || !eckid_xact_event_ends(event))
		return;
	hash_destroy(plans);
	plans = NULL;
	plans_generation++;
	MemoryContextReset(plans_cxt);
	plans_dirty = false;
}

static PlanEntry *
FindPlanEntry(Oid relid, Oid tgoid)
{
	PlanKey		key;
	bool		found;
	PlanEntry  *entry;

	if (plans == NULL)
	{
		HASHCTL		ctl;

		if (plans_cxt == NULL)
		{
			plans_cxt = AllocSetContextCreate(CacheMemoryContext,
											  "eckid.assign() plans",
											  ALLOCSET_SMALL_SIZES);
			CacheRegisterRelcacheCallback(InvalidateRelPlans, (Datum) 0);
			CacheRegisterSyscacheCallback(PROCOID, InvalidateAllPlans, (Datum) 0);
			CacheRegisterSyscacheCallback(TYPEOID, InvalidateAllPlans, (Datum) 0);
			RegisterXactCallback(ReleaseStalePlans, NULL);
		}
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(PlanKey);
		ctl.entrysize = sizeof(PlanEntry);
		ctl.hcxt = plans_cxt;
		plans = hash_create("eckid.assign() plans", 16, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	memset(&key, 0, sizeof(key));
	key.relid = relid;
	key.tgoid = tgoid;
	entry = hash_search(plans, &key, HASH_ENTER, &found);
	if (!found)
	{
		entry->plan = NULL;
		entry->valid = false;
	}
	return entry;
}

/*
 * Look up the functions the trigger calls, in the catalog by schema, name
 * and argument types (eckid_objects.h), so that no search_path can
 * substitute another function; kept with the plan, which a dropped or
 * changed function makes stale, so that a re-created extension is never
 * called by a stale OID.
 */
static void
LookupEckidObjects(EckidObjects *objs)
{
	Oid			argtypes[3];

	objs->eckid_type = eckid_type_oid();

	objs->assign = eckid_function_oid(ECKID_SCHEMA_PUBLIC, "assign", 0, NULL);

	argtypes[0] = TEXTOID;
	objs->stampseudonym = eckid_function_oid(ECKID_SCHEMA_PUBLIC, "stampseudonym", 1, argtypes);

	argtypes[0] = objs->eckid_type;
	argtypes[1] = TEXTOID;
	argtypes[2] = TEXTOID;
	objs->derive = eckid_function_oid(ECKID_SCHEMA_PUBLIC, "derive", 3, argtypes);

	argtypes[0] = TEXTOID;
	argtypes[1] = TEXTOID;
	argtypes[2] = TIMESTAMPTZOID;
	objs->replace_hpgn = eckid_function_oid(ECKID_SCHEMA_PUBLIC, "replace_hpgn", 3, argtypes);
}

static void
AssignErrorCallback(void *arg)
{
	AssignErrorContext *ctx = (AssignErrorContext *) arg;

	switch (ctx->kind)
	{
		case ASSIGN_CONTEXT_TRIGGER:
			errcontext("eckid.assign() trigger \"%s\" on table \"%s\"",
					   ctx->trigname, ctx->relname);
			break;
		case ASSIGN_CONTEXT_BACKFILL:
			errcontext("eckid.backfill() on table \"%s\"", ctx->relname);
			break;
		case ASSIGN_CONTEXT_BACKFILL_TRIGGER:
			errcontext("eckid.backfill() with trigger \"%s\" on table \"%s\"",
					   ctx->trigname, ctx->relname);
			break;
	}
}

void
eckid_assign_push_context(AssignErrorContext *ctx, AssignContextKind kind,
						  const char *trigname, const char *relname)
{
	ctx->kind = kind;
	ctx->trigname = trigname;
	ctx->relname = relname;
	ctx->cb.callback = AssignErrorCallback;
	ctx->cb.arg = ctx;
	ctx->cb.previous = error_context_stack;
	error_context_stack = &ctx->cb;
}

void
eckid_assign_pop_context(AssignErrorContext *ctx)
{
	error_context_stack = ctx->cb.previous;
}

static void
ColumnNameEmpty(AssignColumnRole role)
{
	switch (role)
	{
		case ROLE_PGN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("PGN column name given to eckid.assign() must not be empty")));
			break;
		case ROLE_HPGN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("HPgn column name given to eckid.assign() must not be empty")));
			break;
		case ROLE_ECKID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ECK iD column name given to eckid.assign() must not be empty")));
			break;
	}
}

static void
ColumnMissing(AssignColumnRole role, const char *name, const char *relname)
{
	switch (role)
	{
		case ROLE_PGN:
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" given to eckid.assign() as the PGN column does not exist in table \"%s\"",
							name, relname)));
			break;
		case ROLE_HPGN:
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" given to eckid.assign() as the HPgn column does not exist in table \"%s\"",
							name, relname)));
			break;
		case ROLE_ECKID:
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" given to eckid.assign() as the ECK iD column does not exist in table \"%s\"",
							name, relname)));
			break;
	}
}

static void
ColumnIsSystem(AssignColumnRole role, const char *name)
{
	switch (role)
	{
		case ROLE_PGN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("column \"%s\" given to eckid.assign() as the PGN column is a system column",
							name)));
			break;
		case ROLE_HPGN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("column \"%s\" given to eckid.assign() as the HPgn column is a system column",
							name)));
			break;
		case ROLE_ECKID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("column \"%s\" given to eckid.assign() as the ECK iD column is a system column",
							name)));
			break;
	}
}

static void
ColumnIsGenerated(AssignColumnRole role, const char *name)
{
	switch (role)
	{
		case ROLE_PGN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("column \"%s\" given to eckid.assign() as the PGN column is a generated column",
							name),
					 errdetail("A generated column would overwrite what the trigger stores in it.")));
			break;
		case ROLE_HPGN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("column \"%s\" given to eckid.assign() as the HPgn column is a generated column",
							name),
					 errdetail("A generated column would overwrite what the trigger stores in it.")));
			break;
		case ROLE_ECKID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("column \"%s\" given to eckid.assign() as the ECK iD column is a generated column",
							name),
					 errdetail("A generated column would overwrite what the trigger stores in it.")));
			break;
	}
}

/*
 * Resolve a column named in the trigger's arguments.  written says whether
 * the trigger stores values into it, which a generated column would
 * silently undo.
 */
static AttrNumber
AssignColumn(TupleDesc tupdesc, const char *relname, const char *name,
			 AssignColumnRole role, bool written)
{
	int			attnum;

	if (name[0] == '\0')
		ColumnNameEmpty(role);
	attnum = SPI_fnumber(tupdesc, name);
	if (attnum == SPI_ERROR_NOATTRIBUTE)
		ColumnMissing(role, name, relname);
	if (attnum <= 0)
		ColumnIsSystem(role, name);
	if (written && TupleDescAttr(tupdesc, attnum - 1)->attgenerated)
		ColumnIsGenerated(role, name);
	return (AttrNumber) attnum;
}

/*
 * The PGN column and the HPgn column hold text or varchar (of any length
 * for a PGN; a trigger's output bypasses the length check of varchar(n), so
 * an HPgn column must hold 64 characters).
 */
static void
CheckTextColumns(TupleDesc tupdesc, const AssignPlan *plan)
{
	Form_pg_attribute att = TupleDescAttr(tupdesc, plan->pgn_attnum - 1);

	if (att->atttypid != TEXTOID && att->atttypid != VARCHAROID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.assign() as the PGN column must be of type text or character varying",
						plan->pgn_column),
				 errdetail("It is of type %s.", format_type_be(att->atttypid))));

	if (!plan->hpgn_column)
		return;
	att = TupleDescAttr(tupdesc, plan->hpgn_attnum - 1);
	if (att->atttypid != TEXTOID && att->atttypid != VARCHAROID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.assign() as the HPgn column must be of type text or character varying",
						plan->hpgn_column),
				 errdetail("It is of type %s.", format_type_be(att->atttypid))));
	if (att->atttypid == VARCHAROID && att->atttypmod >= 0 &&
		att->atttypmod - VARHDRSZ < HPGN_HEX_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.assign() as the HPgn column is too short",
						plan->hpgn_column),
				 errdetail("It holds at most %d characters; an HPgn has %d.",
						   att->atttypmod - VARHDRSZ, HPGN_HEX_LEN)));
}

/* A chain or sector id: what eckid.derive() accepts. */
static text *
AssignLocalId(const char *arg, bool is_chain)
{
	size_t		len = strlen(arg);

	if (len == 0 && is_chain)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chain given to eckid.assign() must not be empty")));
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sector given to eckid.assign() must not be empty")));
	if (len > LOCAL_ID_MAX_BYTES && is_chain)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chain given to eckid.assign() is too long"),
				 errdetail("A chain id may be at most %d bytes.", LOCAL_ID_MAX_BYTES)));
	if (len > LOCAL_ID_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sector given to eckid.assign() is too long"),
				 errdetail("A sector id may be at most %d bytes.", LOCAL_ID_MAX_BYTES)));
	return cstring_to_text_with_len(arg, len);
}

/*
 * Check the trigger's arguments against the table and fill *plan, in the
 * current memory context.
 */
static void
ParseAssignArgs(Relation rel, const Trigger *trigger, AssignPlan *plan)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			nargs = trigger->tgnargs;
	char	  **args = trigger->tgargs;
	Form_pg_attribute att;

	plan->relid = RelationGetRelid(rel);
	plan->relname = pstrdup(RelationGetRelationName(rel));
	plan->trigname = pstrdup(trigger->tgname);

	if (nargs < ASSIGN_FIXED_ARGS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("eckid.assign() needs at least %d arguments, got %d",
						ASSIGN_FIXED_ARGS, nargs),
				 errhint("The arguments are the PGN column, the HPgn column ('' for none), the ECK iD column, the chain id, the sector id, then optional flags.")));

	for (int i = ASSIGN_FIXED_ARGS; i < nargs; i++)
	{
		if (strcmp(args[i], "wipe_pgn") == 0)
			plan->wipe_pgn = true;
		else if (strcmp(args[i], "nummervoorziening") == 0)
			plan->nummervoorziening = true;
		else if (strcmp(args[i], "deferred") == 0)
			plan->deferred = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown flag \"%s\" given to eckid.assign()", args[i]),
					 errhint("The flags are wipe_pgn, nummervoorziening and deferred.")));
	}

	plan->pgn_column = pstrdup(args[0]);
	plan->hpgn_column = args[1][0] != '\0' ? pstrdup(args[1]) : NULL;
	plan->eckid_column = pstrdup(args[2]);

	/*
	 * The service's answer is written into the rows that asked, found by
	 * their HPgn: without an HPgn column nothing would find them.
	 */
	if (plan->nummervoorziening && !plan->hpgn_column)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the flag nummervoorziening of eckid.assign() needs an HPgn column"),
				 errdetail("The ECK iD from Nummervoorziening is written into the rows that have the HPgn it was asked for."),
				 errhint("Name the HPgn column in the trigger's second argument.")));
	/*
	 * The flush finds the rows still to do by their NULL HPgn, and the row
	 * is first stored with NULLs: the PGN must still be there then.
	 */
	if (plan->deferred && !plan->hpgn_column)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the flag deferred of eckid.assign() needs an HPgn column"),
				 errdetail("The deferred trigger finds the rows still to be hashed by their NULL HPgn."),
				 errhint("Name the HPgn column in the trigger's second argument.")));
	if (plan->deferred && plan->wipe_pgn)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the flags deferred and wipe_pgn of eckid.assign() cannot be combined"),
				 errdetail("With deferred, the PGN is read again when the transaction commits, so it cannot be wiped when the row is written.")));
	plan->chain = AssignLocalId(args[3], true);
	plan->sector = AssignLocalId(args[4], false);

	plan->pgn_attnum = AssignColumn(tupdesc, plan->relname, plan->pgn_column,
									ROLE_PGN, plan->wipe_pgn);
	if (plan->hpgn_column)
		plan->hpgn_attnum = AssignColumn(tupdesc, plan->relname, plan->hpgn_column,
										 ROLE_HPGN, true);
	plan->eckid_attnum = AssignColumn(tupdesc, plan->relname, plan->eckid_column,
									  ROLE_ECKID, true);

	if (plan->pgn_attnum == plan->eckid_attnum || plan->pgn_attnum == plan->hpgn_attnum ||
		plan->hpgn_attnum == plan->eckid_attnum)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the PGN, HPgn and ECK iD columns given to eckid.assign() must be different columns")));

	CheckTextColumns(tupdesc, plan);

	if (plan->deferred &&
		(TupleDescAttr(tupdesc, plan->hpgn_attnum - 1)->attnotnull ||
		 TupleDescAttr(tupdesc, plan->eckid_attnum - 1)->attnotnull))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the HPgn and ECK iD columns given to eckid.assign() with the flag deferred must allow NULL"),
				 errdetail("With deferred, a row is stored with a NULL HPgn and ECK iD until the transaction commits.")));

	att = TupleDescAttr(tupdesc, plan->eckid_attnum - 1);
	if (att->atttypid != plan->objs.eckid_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.assign() as the ECK iD column must be of type eckid.eckid",
						plan->eckid_column),
				 errdetail("It is of type %s.", format_type_be(att->atttypid))));

	/*
	 * With wipe_pgn the row is stored with a NULL PGN.  A NOT NULL PGN column
	 * would then fail every insert with a not-null violation, whose DETAIL
	 * lists the row, HPgn and ECK iD included.
	 */
	if (plan->wipe_pgn && TupleDescAttr(tupdesc, plan->pgn_attnum - 1)->attnotnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" given to eckid.assign() as the PGN column is NOT NULL, but the flag wipe_pgn stores NULL in it",
						plan->pgn_column)));
}

/*
 * The queue functions of the flag nummervoorziening (found without the
 * search_path, eckid_objects.h).  They are internal (not executable by
 * PUBLIC): fmgr checks no EXECUTE privilege, so every role that may write
 * the table queues through them, and only through the trigger.
 */
static void
LookupNvObjects(EckidObjects *objs)
{
	static const Oid enqueue_args[] = {OIDOID, INT2OID, INT2OID, TEXTOID, TEXTOID, TEXTOID, OIDOID};
	static const Oid replacement_args[] = {TEXTOID, TEXTOID, DATEOID};

	objs->nv_enqueue = eckid_function_oid(ECKID_SCHEMA_INTERNAL, "nv_enqueue",
										  lengthof(enqueue_args), enqueue_args);
	objs->nv_enqueue_replacement = eckid_function_oid(ECKID_SCHEMA_INTERNAL, "nv_enqueue_replacement",
													  lengthof(replacement_args), replacement_args);
}

/* See assign.h. */
void
eckid_assign_check_firing(bool for_row, bool before, bool insert_or_update_only)
{
	if (!insert_or_update_only)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("eckid.assign() must be fired on INSERT or UPDATE only")));
	if (!for_row)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("eckid.assign() must be fired FOR EACH ROW")));
	if (!before)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("eckid.assign() must be fired BEFORE INSERT OR UPDATE"),
				 errdetail("Only a BEFORE trigger can change the row being written.")));
}

/* Does trigger carry the flag deferred among its flags? */
static bool
HasDeferredFlag(const Trigger *trigger)
{
	for (int i = ASSIGN_FIXED_ARGS; i < trigger->tgnargs; i++)
		if (strcmp(trigger->tgargs[i], "deferred") == 0)
			return true;
	return false;
}

/* See assign.h. */
bool
eckid_assign_is_flush_trigger(const Trigger *trigger)
{
	return OidIsValid(trigger->tgconstraint) && HasDeferredFlag(trigger);
}

/* Are two triggers given the same arguments? */
static bool
SameArgs(const Trigger *a, const Trigger *b)
{
	if (a->tgnargs != b->tgnargs)
		return false;
	for (int i = 0; i < a->tgnargs; i++)
		if (strcmp(a->tgargs[i], b->tgargs[i]) != 0)
			return false;
	return true;
}

/*
 * The flag deferred takes two triggers of eckid.assign() with the same
 * arguments: the BEFORE ROW trigger, which leaves the HPgn NULL, and the
 * AFTER ROW constraint trigger, DEFERRABLE INITIALLY DEFERRED, which fills
 * it.  Either alone would leave rows without an HPgn, or hash nothing
 * ahead: each refuses to run without the other.
 */
static void
CheckDeferredPair(Relation rel, const Trigger *trigger, Oid assign_fn)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	bool		is_flush = !TRIGGER_FOR_BEFORE(trigger->tgtype);

	if (is_flush && !(OidIsValid(trigger->tgconstraint) && trigger->tgdeferrable &&
					  trigger->tginitdeferred))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("the AFTER trigger of eckid.assign() with the flag deferred must be a constraint trigger, DEFERRABLE INITIALLY DEFERRED")));

	for (int i = 0; trigdesc && i < trigdesc->numtriggers; i++)
	{
		const Trigger *other = &trigdesc->triggers[i];

		if (other->tgoid == trigger->tgoid || other->tgfoid != assign_fn ||
			!SameArgs(trigger, other) || !TRIGGER_FOR_ROW(other->tgtype) ||
			other->tgenabled == TRIGGER_DISABLED)
			continue;
		if (is_flush ? TRIGGER_FOR_BEFORE(other->tgtype) :
			(!TRIGGER_FOR_BEFORE(other->tgtype) && OidIsValid(other->tgconstraint) &&
			 other->tgdeferrable && other->tginitdeferred))
			return;
	}
	if (is_flush)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the deferred trigger \"%s\" of eckid.assign() on table \"%s\" has no BEFORE trigger of eckid.assign() with the same arguments",
						trigger->tgname, RelationGetRelationName(rel)),
				 errhint("The flag deferred takes both triggers: see docs/row-level.md, \"Deferred mode\".")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("eckid.assign() trigger \"%s\" on table \"%s\" has the flag deferred but no deferred constraint trigger of eckid.assign() with the same arguments",
					trigger->tgname, RelationGetRelationName(rel)),
			 errhint("The flag deferred takes both triggers: see docs/row-level.md, \"Deferred mode\".")));
}

/*
 * Resolve a plan in a context of its own under plans_cxt, so that a failed
 * check leaves nothing behind.
 */
static AssignPlan *
BuildPlan(Relation rel, const Trigger *trigger)
{
	MemoryContext cxt = AllocSetContextCreate(plans_cxt, "eckid.assign() plan",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	AssignPlan *volatile plan = NULL;

	PG_TRY();
	{
		plan = palloc0(sizeof(AssignPlan));
		LookupEckidObjects(&plan->objs);
		ParseAssignArgs(rel, trigger, plan);
		if (plan->nummervoorziening)
		{
			eckid_nv_check_target(RelationGetRelid(rel));
			LookupNvObjects(&plan->objs);
		}
		if (plan->deferred)
			CheckDeferredPair(rel, trigger, plan->objs.assign);
		plan->shard_parent = eckid_citus_check_replacements(RelationGetRelid(rel));
		plan->tgoid = trigger->tgoid;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	return plan;
}

/*
 * Resolve the plan of an entry.  It is marked valid first, so that an
 * invalidation that arrives while it is resolved (opening a relation
 * accepts them) leaves it stale; entries never move in a dynahash table.
 */
static void
ResolveEntry(PlanEntry *entry, Relation rel, const Trigger *trigger)
{
	AssignPlan *volatile plan = NULL;

	entry->valid = true;
	PG_TRY();
	{
		plan = BuildPlan(rel, trigger);
	}
	PG_CATCH();
	{
		entry->valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
	entry->plan = plan;
}

/* See assign.h. */
const AssignPlan *
eckid_assign_plan_for_trigger(FmgrInfo *flinfo, Relation rel, const Trigger *trigger)
{
	PlanShortcut *shortcut = (PlanShortcut *) flinfo->fn_extra;
	PlanEntry  *entry;
	uint64		generation;

	if (shortcut != NULL && shortcut->generation == plans_generation &&
		shortcut->relid == RelationGetRelid(rel) && shortcut->tgoid == trigger->tgoid)
		return shortcut->plan;

	/* an invalidation while the plan is resolved moves the count on */
	generation = plans_generation;
	entry = FindPlanEntry(RelationGetRelid(rel), trigger->tgoid);
	if (!entry->valid)
		ResolveEntry(entry, rel, trigger);

	if (shortcut == NULL)
		shortcut = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(PlanShortcut));
	shortcut->generation = generation;
	shortcut->relid = RelationGetRelid(rel);
	shortcut->tgoid = trigger->tgoid;
	shortcut->plan = entry->plan;
	flinfo->fn_extra = shortcut;
	return entry->plan;
}

/*
 * The one eckid.assign() trigger of a table, checked as the trigger checks
 * itself when it fires: eckid.backfill() takes its columns, chain, sector
 * and flags from there, so that there is one place that says them.
 */
static const Trigger *
FindAssignTrigger(Relation rel, Oid assign_fn)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	Trigger    *found = NULL;
	int			count = 0;

	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", RelationGetRelationName(rel))));

	for (int i = 0; trigdesc && i < trigdesc->numtriggers; i++)
	{
		if (trigdesc->triggers[i].tgfoid == assign_fn &&
			!eckid_assign_is_flush_trigger(&trigdesc->triggers[i]))
		{
			found = &trigdesc->triggers[i];
			count++;
		}
	}
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no eckid.assign() trigger", RelationGetRelationName(rel)),
				 errhint("eckid.backfill() takes its columns, chain and sector from the table's eckid.assign() trigger: create that first.")));
	if (count > 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has %d eckid.assign() triggers", RelationGetRelationName(rel), count),
				 errdetail("eckid.backfill() needs exactly one to know which columns to fill.")));
	return found;
}

/* See assign.h. */
const AssignPlan *
eckid_assign_plan_for_backfill(Oid relid, AssignErrorContext *ctx)
{
	PlanEntry  *entry = FindPlanEntry(relid, InvalidOid);

	if (!entry->valid)
	{
		Relation	rel = relation_open(relid, AccessShareLock);
		EckidObjects objs;
		const Trigger *trigger;
		int16		tgtype;

		eckid_assign_push_context(ctx, ASSIGN_CONTEXT_BACKFILL, NULL,
								  RelationGetRelationName(rel));
		LookupEckidObjects(&objs);
		trigger = FindAssignTrigger(rel, objs.assign);
		ctx->kind = ASSIGN_CONTEXT_BACKFILL_TRIGGER;
		ctx->trigname = trigger->tgname;
		tgtype = trigger->tgtype;
		eckid_assign_check_firing(TRIGGER_FOR_ROW(tgtype), TRIGGER_FOR_BEFORE(tgtype),
								  (TRIGGER_FOR_INSERT(tgtype) || TRIGGER_FOR_UPDATE(tgtype)) &&
								  !TRIGGER_FOR_DELETE(tgtype) && !TRIGGER_FOR_TRUNCATE(tgtype));
		ResolveEntry(entry, rel, trigger);
		eckid_assign_pop_context(ctx);
		relation_close(rel, AccessShareLock);
	}
	eckid_assign_push_context(ctx, ASSIGN_CONTEXT_BACKFILL_TRIGGER,
							  entry->plan->trigname, entry->plan->relname);
	return entry->plan;
}

/* See assign.h. */
bool
eckid_assign_first_insert(FmgrInfo *flinfo)
{
	PlanShortcut *shortcut = (PlanShortcut *) flinfo->fn_extra;

	if (shortcut == NULL || shortcut->insert_seen)
		return false;
	shortcut->insert_seen = true;
	return true;
}
