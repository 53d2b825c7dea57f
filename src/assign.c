/*-------------------------------------------------------------------------
 *
 * assign.c
 *	  The eckid.assign() trigger, and the helpers of eckid.backfill().
 *
 * A LAS attaches eckid.assign() to its pupil and staff tables:
 *
 *	  CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON pupils
 *		FOR EACH ROW EXECUTE FUNCTION
 *		eckid.assign('pgn', 'hpgn', 'eck_id', '<chain>', '<sector>' [, 'wipe_pgn']);
 *
 * and the HPgn and ECK iD columns fill themselves from the PGN column.
 * docs/row-level.md states every rule; the comments here say why.
 *
 * The trigger calls eckid.stampseudonym(), eckid.derive() and
 * eckid.replace_hpgn() through fmgr, by OID: there is no ACL check that
 * way, so the trigger works for every role that may write the table
 * without that role being granted the pseudonym functions themselves, and
 * no SQL text ever carries an HPgn.  Who may attach the trigger is
 * controlled by EXECUTE on eckid.assign(), which CREATE TRIGGER checks.
 *
 * eckid.backfill() (PL/pgSQL, in the install script) fills rows that were
 * written before the trigger existed.  It reads the trigger's arguments
 * through eckid.backfill_setup() and computes each row through
 * eckid.backfill_row(), so that the trigger and the backfill share every
 * rule and every line of code that hashes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include <sodium.h>

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "config.h"
#include "ecktext.h"
#include "hpgn.h"
#include "kdf.h"
#include "pgn.h"

PG_FUNCTION_INFO_V1(eckid_assign);
PG_FUNCTION_INFO_V1(eckid_backfill_setup);
PG_FUNCTION_INFO_V1(eckid_backfill_row);
PG_FUNCTION_INFO_V1(eckid_backfill_compute_ahead);

/* PGN column, HPgn column, ECK iD column, chain, sector; then flags */
#define ASSIGN_FIXED_ARGS	5

/* The trigger's arguments, checked against the table. */
typedef struct AssignConfig
{
	const char *relname;
	const char *pgn_column;
	const char *hpgn_column;	/* NULL when the table keeps no HPgn */
	const char *eckid_column;
	AttrNumber	pgn_attnum;
	AttrNumber	hpgn_attnum;	/* InvalidAttrNumber when none */
	AttrNumber	eckid_attnum;
	text	   *chain;
	text	   *sector;
	bool		wipe_pgn;
} AssignConfig;

/* eckid's own objects, looked up by name in schema eckid on every call. */
typedef struct EckidObjects
{
	Oid			eckid_type;
	Oid			assign;
	Oid			stampseudonym;
	Oid			derive;
	Oid			replace_hpgn;
} EckidObjects;

/*
 * What the error context callback says: '<what> "<trigname>" on table
 * "<relname>"', or without the trigger name while it is unknown.
 */
typedef struct AssignErrorContext
{
	const char *what;
	const char *trigname;
	const char *relname;
} AssignErrorContext;

/*
 * Look up the functions the trigger calls.  By schema-qualified name, so
 * that no search_path can substitute another function; once per call
 * rather than cached per backend, so that a dropped and re-created
 * extension is never called by a stale OID (a few syscache hits are
 * nothing next to one scrypt).
 */
static void
LookupEckidObjects(EckidObjects *objs)
{
	Oid			nsp = get_namespace_oid("eckid", false);
	Oid			argtypes[3];

	objs->eckid_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									   CStringGetDatum("eckid"),
									   ObjectIdGetDatum(nsp));
	if (!OidIsValid(objs->eckid_type))
		elog(ERROR, "type eckid.eckid does not exist");

	objs->assign = LookupFuncName(list_make2(makeString("eckid"), makeString("assign")),
								  0, NULL, false);

	argtypes[0] = TEXTOID;
	objs->stampseudonym = LookupFuncName(list_make2(makeString("eckid"), makeString("stampseudonym")),
										 1, argtypes, false);

	argtypes[0] = objs->eckid_type;
	argtypes[1] = TEXTOID;
	argtypes[2] = TEXTOID;
	objs->derive = LookupFuncName(list_make2(makeString("eckid"), makeString("derive")),
								  3, argtypes, false);

	argtypes[0] = TEXTOID;
	argtypes[1] = TEXTOID;
	argtypes[2] = TIMESTAMPTZOID;
	objs->replace_hpgn = LookupFuncName(list_make2(makeString("eckid"), makeString("replace_hpgn")),
										3, argtypes, false);
}

static void
AssignErrorCallback(void *arg)
{
	AssignErrorContext *ctx = (AssignErrorContext *) arg;

	if (ctx->trigname)
		errcontext("%s \"%s\" on table \"%s\"", ctx->what, ctx->trigname, ctx->relname);
	else
		errcontext("%s on table \"%s\"", ctx->what, ctx->relname);
}

/*
 * Resolve a column named in the trigger's arguments.  role ("PGN", "HPgn",
 * "ECK iD") says which argument it was; written says whether the trigger
 * stores values into it, which a generated column would silently undo.
 */
static AttrNumber
AssignColumn(TupleDesc tupdesc, const AssignConfig *cfg, const char *name,
			 const char *role, bool written)
{
	int			attnum;

	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s column name given to eckid.assign() must not be empty", role)));

	attnum = SPI_fnumber(tupdesc, name);
	if (attnum == SPI_ERROR_NOATTRIBUTE)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" given to eckid.assign() as the %s column does not exist in table \"%s\"",
						name, role, cfg->relname)));
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("column \"%s\" given to eckid.assign() as the %s column is a system column",
						name, role)));
	if (written && TupleDescAttr(tupdesc, attnum - 1)->attgenerated)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("column \"%s\" given to eckid.assign() as the %s column is a generated column",
						name, role),
				 errdetail("A generated column would overwrite what the trigger stores in it.")));
	return (AttrNumber) attnum;
}

/* A PGN or HPgn column holds text or varchar (of any length for a PGN). */
static void
CheckTextColumn(TupleDesc tupdesc, AttrNumber attnum, const char *name,
				const char *role, int min_chars)
{
	Form_pg_attribute att = TupleDescAttr(tupdesc, attnum - 1);

	if (att->atttypid != TEXTOID && att->atttypid != VARCHAROID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.assign() as the %s column must be of type text or character varying",
						name, role),
				 errdetail("It is of type %s.", format_type_be(att->atttypid))));

	/*
	 * A trigger's output bypasses the length check of varchar(n), so refuse a
	 * column that could not hold what the trigger puts there.
	 */
	if (att->atttypid == VARCHAROID && att->atttypmod >= 0 &&
		att->atttypmod - VARHDRSZ < min_chars)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.assign() as the %s column is too short",
						name, role),
				 errdetail("It holds at most %d characters; an HPgn has %d.",
						   att->atttypmod - VARHDRSZ, min_chars)));
}

/* A chain or sector id: what eckid.derive() accepts. */
static text *
AssignLocalId(const char *arg, const char *what)
{
	size_t		len = strlen(arg);

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s given to eckid.assign() must not be empty", what)));
	if (len > LOCAL_ID_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s given to eckid.assign() is too long", what),
				 errdetail("A %s id may be at most %d bytes.", what, LOCAL_ID_MAX_BYTES)));
	return cstring_to_text_with_len(arg, len);
}

/*
 * Check the trigger's arguments against the table and fill *cfg.  Every
 * check comes before any hashing, so a misconfigured trigger costs nothing
 * and reveals nothing.
 */
static void
ParseAssignArgs(Relation rel, int nargs, char **args, const EckidObjects *objs,
				AssignConfig *cfg)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Form_pg_attribute att;

	memset(cfg, 0, sizeof(*cfg));
	cfg->relname = RelationGetRelationName(rel);

	if (nargs < ASSIGN_FIXED_ARGS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("eckid.assign() needs at least %d arguments, got %d",
						ASSIGN_FIXED_ARGS, nargs),
				 errhint("The arguments are the PGN column, the HPgn column ('' for none), the ECK iD column, the chain id, the sector id, then optional flags.")));

	for (int i = ASSIGN_FIXED_ARGS; i < nargs; i++)
	{
		if (strcmp(args[i], "wipe_pgn") == 0)
			cfg->wipe_pgn = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown flag \"%s\" given to eckid.assign()", args[i]),
					 errhint("The only flag is wipe_pgn.")));
	}

	cfg->pgn_column = args[0];
	cfg->hpgn_column = args[1][0] != '\0' ? args[1] : NULL;
	cfg->eckid_column = args[2];
	cfg->chain = AssignLocalId(args[3], "chain");
	cfg->sector = AssignLocalId(args[4], "sector");

	cfg->pgn_attnum = AssignColumn(tupdesc, cfg, cfg->pgn_column, "PGN", cfg->wipe_pgn);
	if (cfg->hpgn_column)
		cfg->hpgn_attnum = AssignColumn(tupdesc, cfg, cfg->hpgn_column, "HPgn", true);
	cfg->eckid_attnum = AssignColumn(tupdesc, cfg, cfg->eckid_column, "ECK iD", true);

	if (cfg->pgn_attnum == cfg->eckid_attnum || cfg->pgn_attnum == cfg->hpgn_attnum ||
		cfg->hpgn_attnum == cfg->eckid_attnum)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the PGN, HPgn and ECK iD columns given to eckid.assign() must be different columns")));

	CheckTextColumn(tupdesc, cfg->pgn_attnum, cfg->pgn_column, "PGN", 0);
	if (cfg->hpgn_column)
		CheckTextColumn(tupdesc, cfg->hpgn_attnum, cfg->hpgn_column, "HPgn", HPGN_HEX_LEN);

	att = TupleDescAttr(tupdesc, cfg->eckid_attnum - 1);
	if (att->atttypid != objs->eckid_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.assign() as the ECK iD column must be of type eckid.eckid",
						cfg->eckid_column),
				 errdetail("It is of type %s.", format_type_be(att->atttypid))));

	/*
	 * With wipe_pgn the row is stored with a NULL PGN.  A NOT NULL PGN column
	 * would then fail every insert with a not-null violation, whose DETAIL
	 * lists the row, HPgn and ECK iD included.
	 */
	if (cfg->wipe_pgn && TupleDescAttr(tupdesc, cfg->pgn_attnum - 1)->attnotnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" given to eckid.assign() as the PGN column is NOT NULL, but the flag wipe_pgn stores NULL in it",
						cfg->pgn_column)));
}

/*
 * How the trigger must be fired, checked from the bits of pg_trigger.tgtype
 * (for eckid.backfill(), before any row is touched) and, at firing time,
 * from the event itself.
 */
static void
CheckFiring(bool for_row, bool before, bool insert_or_update_only)
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

/*
 * Call one of eckid's SQL functions through fmgr.  The default collation
 * is passed because eckid.replace_hpgn() compares text.
 */
static Datum
CallEckid(Oid fn, int nargs, Datum arg0, Datum arg1, Datum arg2, bool *isnull)
{
	FmgrInfo	flinfo;
	LOCAL_FCINFO(fcinfo, 3);
	Datum		result;

	Assert(nargs >= 1 && nargs <= 3);
	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, nargs, DEFAULT_COLLATION_OID, NULL, NULL);
	fcinfo->args[0].value = arg0;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = arg1;
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = arg2;
	fcinfo->args[2].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	*isnull = fcinfo->isnull;
	return result;
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

/* eckid.derive(eckid.stampseudonym(hpgn), chain, sector) */
static EckIdValue *
DeriveEckId(const EckidObjects *objs, const AssignConfig *cfg, text *hpgn)
{
	EckIdValue *stamp = Stampseudonym(objs, hpgn);
	bool		isnull;
	Datum		d = CallEckid(objs->derive, 3, PointerGetDatum(stamp),
							  PointerGetDatum(cfg->chain), PointerGetDatum(cfg->sector),
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

/*
 * Check a PGN stored in the PGN column and, if hash, return its HPgn (else
 * NULL).  A PGN of digits only is a person number: it must be a valid BSN
 * or onderwijsnummer (8 digits are padded to 9 first), because a typo in a
 * BSN would otherwise give a pupil an ECK iD nobody else can reproduce.
 * Anything else (an employee identifier) is hashed as given, by
 * eckid.hpgn()'s rules.
 */
static text *
PgnColumnValue(const AssignConfig *cfg, Datum value, bool hash)
{
	text	   *pgn = DatumGetTextPP(value);
	char		digits[PGN_DIGITS];
	text	   *volatile result = NULL;

	PG_TRY();
	{
		const char *s = VARDATA_ANY(pgn);
		size_t		len = VARSIZE_ANY_EXHDR(pgn);

		switch (pgn_number_form(s, len, digits))
		{
			case PGN_NUMBER:
				s = digits;
				len = PGN_DIGITS;
				break;
			case PGN_INVALID_NUMBER:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("PGN in column \"%s\" is not a valid BSN or onderwijsnummer",
								cfg->pgn_column),
						 errdetail("A PGN of digits only must be a BSN of 9 digits (8 with the leading zero left off) or an onderwijsnummer.")));
				break;
			case PGN_NOT_A_NUMBER:
				break;
		}
		if (hash)
			result = eckid_hpgn_of_pgn(s, len, cfg->pgn_column);
		else
			eckid_check_pgn(s, len, cfg->pgn_column);
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

/* Are two PGN values the same bytes? */
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
CheckUnknownOldHpgn(const EckidObjects *objs, const AssignConfig *cfg,
					text *new_hpgn, const EckIdValue *old_eckid)
{
	const char *local = eckid_local_eckid_segment();
	EckIdValue *derived;

	if (strncmp(old_eckid->segment, local, ECKID_SEGMENT_MAX) != 0)
		return;
	derived = DeriveEckId(objs, cfg, new_hpgn);
	if (!EckIdEqual(derived, old_eckid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot record the change of the PGN in column \"%s\": the old HPgn is unknown",
						cfg->pgn_column),
				 errdetail("The row's ECK iD does not belong to the new PGN, and the table keeps neither the old PGN nor its HPgn."),
				 errhint("Record the change with eckid.replace_hpgn(eckid.hpgn(old PGN), eckid.hpgn(new PGN)) and repeat the UPDATE, or keep HPgns in a column named in the trigger's second argument.")));
}

/*
 * An UPDATE changed the PGN; new_hpgn is the HPgn of the new one.  The
 * pupil keeps the Stampseudonym, and so every ECK iD, of the old HPgn, if
 * the row had one: it is in the HPgn column, or else derivable from the old
 * PGN if an ECK iD was made from it.  A row with neither had no identity
 * yet and is filled as on INSERT.
 */
static void
KeepIdentity(const EckidObjects *objs, const AssignConfig *cfg, TupleDesc tupdesc,
			 HeapTuple oldtuple, HeapTuple newtuple, text *new_hpgn)
{
	text	   *old_hpgn = NULL;
	bool		old_isnull;
	Datum		old_pgn;
	Datum		old_eckid_d;
	bool		old_eckid_isnull;

	old_eckid_d = heap_getattr(oldtuple, cfg->eckid_attnum, tupdesc, &old_eckid_isnull);
	if (cfg->hpgn_column)
	{
		Datum		d = heap_getattr(oldtuple, cfg->hpgn_attnum, tupdesc, &old_isnull);

		if (!old_isnull)
			old_hpgn = DatumGetTextPP(d);
	}
	old_pgn = heap_getattr(oldtuple, cfg->pgn_attnum, tupdesc, &old_isnull);
	if (old_hpgn == NULL && !old_isnull && !old_eckid_isnull)
	{
		ErrorContextCallback oldcb;

		oldcb.callback = OldPgnErrorCallback;
		oldcb.arg = (void *) cfg->pgn_column;
		oldcb.previous = error_context_stack;
		error_context_stack = &oldcb;
		old_hpgn = PgnColumnValue(cfg, old_pgn, true);
		error_context_stack = oldcb.previous;
	}

	if (old_hpgn)
	{
		/*
		 * Same Stampseudonym already (the same HPgn, a re-entered PGN, a
		 * typo corrected back): nothing to record, and recording would be
		 * refused as a cycle.
		 */
		if (!EckIdEqual(Stampseudonym(objs, old_hpgn), Stampseudonym(objs, new_hpgn)))
		{
			bool		void_isnull;

			(void) CallEckid(objs->replace_hpgn, 3, PointerGetDatum(old_hpgn),
							 PointerGetDatum(new_hpgn),
							 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
							 &void_isnull);
		}
	}
	else if (!old_eckid_isnull)
	{
		bool		new_eckid_isnull;
		Datum		new_eckid_d = heap_getattr(newtuple, cfg->eckid_attnum, tupdesc,
											   &new_eckid_isnull);

		/* unless this UPDATE sets an ECK iD of its own */
		if (!new_eckid_isnull &&
			EckIdEqual((EckIdValue *) DatumGetPointer(new_eckid_d),
					   (EckIdValue *) DatumGetPointer(old_eckid_d)))
			CheckUnknownOldHpgn(objs, cfg, new_hpgn,
								(EckIdValue *) DatumGetPointer(old_eckid_d));
	}
}

/*
 * eckid.assign(): BEFORE INSERT OR UPDATE ... FOR EACH ROW trigger.
 */
Datum
eckid_assign(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	Relation	rel;
	TupleDesc	tupdesc;
	HeapTuple	newtuple;
	HeapTuple	oldtuple = NULL;
	EckidObjects objs;
	AssignConfig cfg;
	AssignErrorContext ctx;
	ErrorContextCallback errcb;
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

	trigger = trigdata->tg_trigger;
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);

	ctx.what = "eckid.assign() trigger";
	ctx.trigname = trigger->tgname;
	ctx.relname = RelationGetRelationName(rel);
	errcb.callback = AssignErrorCallback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	CheckFiring(TRIGGER_FIRED_FOR_ROW(trigdata->tg_event),
				TRIGGER_FIRED_BEFORE(trigdata->tg_event),
				TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
				TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event));

	LookupEckidObjects(&objs);
	ParseAssignArgs(rel, trigger->tgnargs, trigger->tgargs, &objs, &cfg);

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		newtuple = trigdata->tg_newtuple;
		oldtuple = trigdata->tg_trigtuple;
	}
	else
		newtuple = trigdata->tg_trigtuple;

	/* A NULL PGN leaves the row alone. */
	new_pgn = heap_getattr(newtuple, cfg.pgn_attnum, tupdesc, &isnull);
	if (isnull)
	{
		error_context_stack = errcb.previous;
		return PointerGetDatum(newtuple);
	}

	/* An UPDATE that leaves the PGN alone computes nothing. */
	if (oldtuple)
	{
		bool		old_isnull;
		Datum		old_pgn = heap_getattr(oldtuple, cfg.pgn_attnum, tupdesc, &old_isnull);

		if (!old_isnull && PgnEqual(new_pgn, old_pgn))
		{
			error_context_stack = errcb.previous;
			return PointerGetDatum(newtuple);
		}
	}

	/*
	 * An INSERT into a table without an HPgn column, with an ECK iD given,
	 * has no use for the HPgn: check the PGN, but spare the hash.
	 */
	(void) heap_getattr(newtuple, cfg.eckid_attnum, tupdesc, &isnull);
	if (!oldtuple && !cfg.hpgn_column && !isnull)
		(void) PgnColumnValue(&cfg, new_pgn, false);
	else
		new_hpgn = PgnColumnValue(&cfg, new_pgn, true);

	if (oldtuple)
		KeepIdentity(&objs, &cfg, tupdesc, oldtuple, newtuple, new_hpgn);

	/* An ECK iD in the row (imported, or kept through a change) stays. */
	(void) heap_getattr(newtuple, cfg.eckid_attnum, tupdesc, &isnull);
	if (isnull)
		new_eckid = DeriveEckId(&objs, &cfg, new_hpgn);

	if (cfg.hpgn_column)
	{
		cols[ncols] = cfg.hpgn_attnum;
		values[ncols] = PointerGetDatum(new_hpgn);
		nulls[ncols++] = false;
	}
	if (new_eckid)
	{
		cols[ncols] = cfg.eckid_attnum;
		values[ncols] = PointerGetDatum(new_eckid);
		nulls[ncols++] = false;
	}
	if (cfg.wipe_pgn)
	{
		cols[ncols] = cfg.pgn_attnum;
		values[ncols] = (Datum) 0;
		nulls[ncols++] = true;
	}
	if (ncols > 0)
		newtuple = heap_modify_tuple_by_cols(newtuple, tupdesc, ncols, cols, values, nulls);

	error_context_stack = errcb.previous;
	return PointerGetDatum(newtuple);
}

/*
 * The one eckid.assign() trigger of a table, checked as the trigger checks
 * itself when it fires: eckid.backfill() takes its columns, chain, sector
 * and flags from there, so that there is one place that says them.
 */
static void
FindAssignTrigger(Relation rel, const EckidObjects *objs, AssignConfig *cfg,
				  AssignErrorContext *ctx)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	Trigger    *found = NULL;
	int			count = 0;
	int16		tgtype;

	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", RelationGetRelationName(rel))));

	for (int i = 0; trigdesc && i < trigdesc->numtriggers; i++)
	{
		if (trigdesc->triggers[i].tgfoid == objs->assign)
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

	ctx->what = "eckid.backfill() with trigger";
	ctx->trigname = found->tgname;
	tgtype = found->tgtype;
	CheckFiring(TRIGGER_FOR_ROW(tgtype), TRIGGER_FOR_BEFORE(tgtype),
				(TRIGGER_FOR_INSERT(tgtype) || TRIGGER_FOR_UPDATE(tgtype)) &&
				!TRIGGER_FOR_DELETE(tgtype) && !TRIGGER_FOR_TRUNCATE(tgtype));
	ParseAssignArgs(rel, found->tgnargs, found->tgargs, objs, cfg);
}

/*
 * The common opening of the backfill helpers: open the table, put the
 * "eckid.backfill() on table ..." context on errors, and read the settings
 * of its eckid.assign() trigger.  ctx and errcb live in the caller's frame
 * until CloseForBackfill().
 */
static Relation
OpenForBackfill(Oid relid, EckidObjects *objs, AssignConfig *cfg,
				AssignErrorContext *ctx, ErrorContextCallback *errcb)
{
	Relation	rel = relation_open(relid, AccessShareLock);

	ctx->what = "eckid.backfill()";
	ctx->trigname = NULL;
	ctx->relname = RelationGetRelationName(rel);
	errcb->callback = AssignErrorCallback;
	errcb->arg = ctx;
	errcb->previous = error_context_stack;
	error_context_stack = errcb;

	LookupEckidObjects(objs);
	FindAssignTrigger(rel, objs, cfg, ctx);
	return rel;
}

static void
CloseForBackfill(Relation rel, ErrorContextCallback *errcb)
{
	error_context_stack = errcb->previous;
	relation_close(rel, AccessShareLock);
}

/*
 * eckid.backfill_setup(tbl regclass, OUT pgn_column text, OUT hpgn_column
 * text, OUT eckid_column text, OUT wipe_pgn boolean): the first step of
 * eckid.backfill().  Refuses to run inside a transaction block, where the
 * procedure's COMMITs would fail after the first batch was computed, and
 * returns the settings of the table's eckid.assign() trigger.
 */
Datum
eckid_backfill_setup(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	EckidObjects objs;
	AssignConfig cfg;
	AssignErrorContext ctx;
	ErrorContextCallback errcb;
	TupleDesc	result_desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("eckid.backfill() cannot run inside a transaction block"),
				 errhint("Call it on its own, in autocommit mode: it commits after every batch.")));

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	rel = OpenForBackfill(relid, &objs, &cfg, &ctx, &errcb);

	values[0] = CStringGetTextDatum(cfg.pgn_column);
	if (cfg.hpgn_column)
		values[1] = CStringGetTextDatum(cfg.hpgn_column);
	else
		nulls[1] = true;
	values[2] = CStringGetTextDatum(cfg.eckid_column);
	values[3] = BoolGetDatum(cfg.wipe_pgn);

	CloseForBackfill(rel, &errcb);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc, values, nulls)));
}

/*
 * eckid.backfill_row(tbl regclass, pgn text, stored_hpgn text, stored_eckid
 * eckid.eckid, OUT hpgn text, OUT eckid eckid.eckid): the values
 * eckid.backfill() stores into one row, by the rules of the table's
 * eckid.assign() trigger for an INSERT.  A value the row has is never
 * recomputed: a stored HPgn is used as it is (no scrypt), a stored ECK iD
 * is kept.
 */
Datum
eckid_backfill_row(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Relation	rel;
	EckidObjects objs;
	AssignConfig cfg;
	AssignErrorContext ctx;
	ErrorContextCallback errcb;
	TupleDesc	result_desc;
	Datum		values[2] = {0, 0};
	bool		nulls[2] = {true, true};
	text	   *hpgn = NULL;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table argument of eckid.backfill_row() must not be null")));
	relid = PG_GETARG_OID(0);

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	rel = OpenForBackfill(relid, &objs, &cfg, &ctx, &errcb);

	/*
	 * A PGN is always checked, but hashed only for a column that lacks a
	 * value; a stored HPgn is used as it is.
	 */
	if (!PG_ARGISNULL(1))
	{
		bool		hash = PG_ARGISNULL(2) && (cfg.hpgn_column != NULL || PG_ARGISNULL(3));

		hpgn = PgnColumnValue(&cfg, PG_GETARG_DATUM(1), hash);
	}
	if (!PG_ARGISNULL(2))
		hpgn = PG_GETARG_TEXT_PP(2);

	if (hpgn)
	{
		values[0] = PointerGetDatum(hpgn);
		nulls[0] = false;
	}
	if (!PG_ARGISNULL(3))
	{
		values[1] = PG_GETARG_DATUM(3);
		nulls[1] = false;
	}
	else if (hpgn)
	{
		values[1] = PointerGetDatum(DeriveEckId(&objs, &cfg, hpgn));
		nulls[1] = false;
	}

	CloseForBackfill(rel, &errcb);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc, values, nulls)));
}

/*
 * eckid.backfill_compute_ahead(tbl regclass, rows tid[]) returns integer:
 * the batch step of eckid.backfill().  Hashes at once, on
 * eckid.scrypt_threads threads, the PGNs of those of the given rows whose
 * HPgn backfill_row() would compute, and keeps the HPgns for the rest of the
 * transaction (eckid_hpgn_compute_ahead()), so that the row-by-row UPDATEs
 * that follow find them.  Returns how many distinct PGNs it hashed: 0 when
 * the AVX-512 path is not in use, and the rows are then hashed one by one.
 *
 * The rows are read with SPI, under the caller's privileges and row
 * security, so that nothing the caller could not read is hashed.  A PGN
 * that breaks a rule is left out: backfill_row() reports it for its row.
 * No PGN passes through a query parameter or into a query's text.
 */
Datum
eckid_backfill_compute_ahead(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Datum		rows = PG_GETARG_DATUM(1);
	Relation	rel;
	EckidObjects objs;
	AssignConfig cfg;
	AssignErrorContext ctx;
	ErrorContextCallback errcb;
	StringInfoData query;
	Oid			argtypes[1] = {TIDARRAYOID};
	volatile int n = 0;
	const char **pgns;
	size_t	   *lens;
	char	   (*digits)[PGN_DIGITS];
	text	  **copies;			/* detoasted copies of PGNs, to wipe */
	int			ncopies = 0;
	volatile int count = 0;

	rel = OpenForBackfill(relid, &objs, &cfg, &ctx, &errcb);

	initStringInfo(&query);
	appendStringInfo(&query,
					 "SELECT %s::pg_catalog.text FROM %s WHERE ctid OPERATOR(pg_catalog.=) ANY ($1) AND %s IS NOT NULL AND %s IS NULL",
					 quote_identifier(cfg.pgn_column),
					 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												RelationGetRelationName(rel)),
					 quote_identifier(cfg.pgn_column),
					 quote_identifier(cfg.hpgn_column ? cfg.hpgn_column : cfg.eckid_column));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query.data, 1, argtypes, &rows, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed");

	pgns = palloc0(Max(SPI_processed, 1) * sizeof(*pgns));
	lens = palloc0(Max(SPI_processed, 1) * sizeof(*lens));
	digits = palloc0(Max(SPI_processed, 1) * sizeof(*digits));
	copies = palloc0(Max(SPI_processed, 1) * sizeof(*copies));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		value = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		text	   *pgn;
		const char *s;
		size_t		len;

		if (isnull)
			continue;
		pgn = DatumGetTextPP(value);
		if ((Pointer) pgn != DatumGetPointer(value))
			copies[ncopies++] = pgn;
		s = VARDATA_ANY(pgn);
		len = VARSIZE_ANY_EXHDR(pgn);
		switch (pgn_number_form(s, len, digits[n]))
		{
			case PGN_NUMBER:
				s = digits[n];
				len = PGN_DIGITS;
				break;
			case PGN_INVALID_NUMBER:
				continue;		/* backfill_row() reports it */
			case PGN_NOT_A_NUMBER:
				break;
		}
		if (!eckid_pgn_is_hashable(s, len))
			continue;
		pgns[n] = s;
		lens[n] = len;
		n++;
	}

	/*
	 * The HPgns are kept in TopMemoryContext; the PGNs read here go with the
	 * SPI memory, after the copies of digits are wiped, on errors as well.
	 */
	PG_TRY();
	{
		count = eckid_hpgn_compute_ahead(n, pgns, lens);
	}
	PG_FINALLY();
	{
		sodium_memzero(digits, Max(SPI_processed, 1) * sizeof(*digits));
		for (int i = 0; i < ncopies; i++)
			sodium_memzero(copies[i], VARSIZE_ANY(copies[i]));
	}
	PG_END_TRY();

	SPI_finish();
	CloseForBackfill(rel, &errcb);
	PG_RETURN_INT32(count);
}
