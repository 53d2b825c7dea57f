/*-------------------------------------------------------------------------
 *
 * backfill_write.c
 *	  eckid.backfill()'s reads and writes in the user's table: as the
 *	  table's owner, under the caller's rights.
 *
 * eckid.backfill() (PL/pgSQL) counts the rows that need work, picks a batch
 * (SELECT ... FOR UPDATE), has its PGNs hashed at once and writes each row.
 * Each of those statements touches a table that someone else may own, and
 * runs what that owner attached to it: triggers, index expressions, CHECK
 * constraints, rules, policies.  Run with the caller's identity, a
 * superuser's backfill would run them as superuser, and the owner could
 * make itself one.  So the statements are run here, in C, as PostgreSQL's
 * maintenance commands run a table's code (owner_context.c): as the table's
 * owner (or, where row-level security applies to the caller, as the caller,
 * so that its own policies choose the rows), as a security-restricted
 * operation with a search_path of pg_catalog only.
 *
 * What the caller may do is still decided by the caller's rights: each
 * function first checks, with the caller's identity, what its statement
 * would have checked (eckid_backfill_act()), and raises the error
 * PostgreSQL would.  The statements are built here from the trigger's plan,
 * never from SQL text an argument carries, so a role granted these
 * functions that calls them directly, with arguments of its choosing, can
 * write no table and no column it could not write itself: the rows are
 * always those of the table it names and may write, the values always those
 * the trigger's rules give the row.
 *
 * No PGN, HPgn or ECK iD passes through a query parameter or into a query's
 * text (a parameter's value can be written into a plan as a constant, and
 * plans reach the server log through auto_explain: docs/security.md).  The
 * write reads the row's values, computes what it receives in C
 * (eckid_backfill_values(), the trigger's code), and hands the result to
 * its UPDATE as a one-row ephemeral named relation of this SPI connection
 * (as PostgreSQL hands a trigger its transition tables): the statement reads
 * it like a table, but it is in no catalog, needs no privilege of the role
 * that runs the statement (the table's owner, who has no grant on eckid's
 * internals), and no other statement sees it, not even the table's
 * triggers.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include <sodium.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/queryenvironment.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"

#include "backfill.h"

PG_FUNCTION_INFO_V1(eckid_backfill_remaining);
PG_FUNCTION_INFO_V1(eckid_backfill_pick);
PG_FUNCTION_INFO_V1(eckid_backfill_put);

/* The relation through which the write's UPDATE reads a row's new values. */
#define PUT_VALUES_NAME "eckid_backfill_row"

/* See backfill.h. */
void
eckid_backfill_act(const AssignPlan *plan, Oid relid, bool write, EckidActingRole *saved)
{
	Oid			caller = GetUserId();
	Oid			nsp = get_rel_namespace(relid);
	bool		allowed;

	/* the statements name the table with its schema */
	if (eckid_namespace_aclcheck(nsp, caller, ACL_USAGE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_SCHEMA, get_namespace_name(nsp));

	/*
	 * What the executor checks for a query naming these columns: SELECT on
	 * each column read (the conditions read all three), UPDATE on each
	 * column written; a privilege on the table covers its columns.  The
	 * executor reports either as the table's, whichever column lacks it.
	 */
	allowed = eckid_column_privilege(relid, plan->pgn_attnum, caller, ACL_SELECT) &&
		eckid_column_privilege(relid, plan->eckid_attnum, caller, ACL_SELECT) &&
		(plan->hpgn_column == NULL ||
		 eckid_column_privilege(relid, plan->hpgn_attnum, caller, ACL_SELECT));
	if (allowed && write)
		allowed = eckid_column_privilege(relid, plan->eckid_attnum, caller, ACL_UPDATE) &&
			(plan->hpgn_column == NULL ||
			 eckid_column_privilege(relid, plan->hpgn_attnum, caller, ACL_UPDATE)) &&
			(!plan->wipe_pgn ||
			 eckid_column_privilege(relid, plan->pgn_attnum, caller, ACL_UPDATE));
	if (!allowed)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));

	eckid_act_as(eckid_acting_role(relid, caller), saved);
}

/* The table, schema-qualified, for the statements' text. */
static const char *
TableName(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * The condition of a row that needs work, for a statement whose $1 is a
 * text[] of rows to pass over (tableoid:ctid, the rows skipped for an
 * invalid value): a PGN not yet hashed, an ECK iD not yet derived, and with
 * wipe_pgn any PGN still stored.  A complete row is never selected.
 */
static char *
NeedCondition(const AssignPlan *plan)
{
	StringInfoData buf;
	const char *pgn = quote_identifier(plan->pgn_column);
	const char *eckid = quote_identifier(plan->eckid_column);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "((");
	if (plan->wipe_pgn)
		appendStringInfo(&buf, "%s IS NOT NULL OR ", pgn);
	if (plan->nummervoorziening)
	{
		/*
		 * the ECK iD comes later, from Nummervoorziening: a row is done once
		 * it has its HPgn (and its request is queued)
		 */
		appendStringInfo(&buf, "%s IS NOT NULL AND %s IS NULL",
						 pgn, quote_identifier(plan->hpgn_column));
	}
	else if (plan->hpgn_column == NULL)
		appendStringInfo(&buf, "%s IS NOT NULL AND %s IS NULL", pgn, eckid);
	else
	{
		const char *hpgn = quote_identifier(plan->hpgn_column);

		appendStringInfo(&buf, "(%s IS NOT NULL AND %s IS NULL) OR (%s IS NULL AND (%s IS NOT NULL OR %s IS NOT NULL))",
						 pgn, hpgn, eckid, pgn, hpgn);
	}
	appendStringInfoString(&buf, ") AND (tableoid::pg_catalog.text OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) ctid::pg_catalog.text) OPERATOR(pg_catalog.<>) ALL ($1))");
	return buf.data;
}

/*
 * eckid_internal.backfill_remaining(tbl regclass) returns bigint: how many
 * rows of tbl need work, counted as the caller may see them (under
 * row-level security, its own rows).  For the progress NOTICEs.
 */
Datum
eckid_backfill_remaining(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	const AssignPlan *plan;
	AssignErrorContext ctx;
	EckidActingRole saved;
	char	   *query;
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		args[1];
	bool		isnull;
	int64		count;

	plan = eckid_assign_plan_for_backfill(relid, &ctx);
	query = psprintf("SELECT pg_catalog.count(*) FROM %s WHERE %s",
					 TableName(relid), NeedCondition(plan));
	args[0] = PointerGetDatum(construct_empty_array(TEXTOID));

	eckid_backfill_act(plan, relid, false, &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "SPI_execute_with_args failed");
	count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	eckid_act_as_end(&saved);
	eckid_assign_pop_context(&ctx);

	PG_RETURN_INT64(count);
}

/*
 * eckid_internal.backfill_pick(tbl regclass, leaf oid, after tid, batch_size
 * integer, wait boolean, skipped text[]) returns tid[]: the next batch of
 * eckid.backfill(), locked FOR UPDATE: up to batch_size rows of the leaf
 * table leaf of tbl (tbl itself, or one of its partitions or children)
 * after position after that need work, in ctid order, passing over the rows
 * in skipped (tableoid:ctid) and, unless wait, the rows another transaction
 * holds locked (SKIP LOCKED).  NULL when there is none.  The caller needs
 * what the backfill's write needs (the lock is only taken to write).
 */
Datum
eckid_backfill_pick(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	bool		wait = PG_GETARG_BOOL(4);
	const AssignPlan *plan;
	AssignErrorContext ctx;
	EckidActingRole saved;
	char	   *query;
	Oid			argtypes[4] = {TEXTARRAYOID, INT4OID, OIDOID, TIDOID};
	Datum		args[4];
	Datum		result;
	bool		isnull;

	plan = eckid_assign_plan_for_backfill(relid, &ctx);
	query = psprintf("SELECT pg_catalog.array_agg(b.ctid ORDER BY b.ctid) FROM (SELECT ctid FROM %s WHERE tableoid OPERATOR(pg_catalog.=) $3 AND ctid OPERATOR(pg_catalog.>) $4 AND %s LIMIT $2 FOR UPDATE%s) b",
					 TableName(relid), NeedCondition(plan), wait ? "" : " SKIP LOCKED");
	args[0] = PG_GETARG_DATUM(5);
	args[1] = PG_GETARG_DATUM(3);
	args[2] = PG_GETARG_DATUM(1);
	args[3] = PG_GETARG_DATUM(2);

	eckid_backfill_act(plan, relid, true, &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 4, argtypes, args, NULL, false, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "SPI_execute_with_args failed");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	eckid_act_as_end(&saved);
	eckid_assign_pop_context(&ctx);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* Wipe the PGNs a read left in SPI's memory (column 2 of its rows). */
static void
WipePgns(SPITupleTable *rows, uint64 n)
{
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &isnull);

		/* a copy in the row itself, with a short header or not */
		if (!isnull && !VARATT_IS_EXTERNAL(DatumGetPointer(d)) &&
			!VARATT_IS_COMPRESSED(DatumGetPointer(d)))
			sodium_memzero(VARDATA_ANY(DatumGetPointer(d)), VARSIZE_ANY_EXHDR(DatumGetPointer(d)));
	}
}

/* What writing each row of a batch needs. */
typedef struct PutBatch
{
	const AssignPlan *plan;
	Oid			leaf;
	const char *display_name;	/* the table, as the caller names it */
	SPIPlanPtr	update;			/* UPDATE of one row ($1 tableoid, $2 ctid) */
	EphemeralNamedRelation values;	/* what it reads the new values from */
	TupleDesc	read_desc;
} PutBatch;

/*
 * Write row, read from the leaf at tid, in a subtransaction of its own, and
 * add to *written the rows the UPDATE wrote.  False when a value of the row
 * broke a rule (22023): the row is left as it was, and a WARNING names it
 * by its ctid (never by a key, which might be the PGN).  Any other error
 * is raised.
 */
static bool
PutRow(const PutBatch *batch, HeapTuple row, ItemPointer tid, uint64 *written)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		NullableDatum stored[3];
		NullableDatum hpgn;
		NullableDatum eckid;
		Datum		values[2];
		bool		nulls[2];
		Datum		args[2];
		Tuplestorestate *store;

		for (int k = 0; k < 3; k++)
			stored[k].value = SPI_getbinval(row, batch->read_desc, k + 2, &stored[k].isnull);
		eckid_backfill_values(batch->plan, &stored[0], &stored[1], &stored[2], &hpgn, &eckid);

		/* one row, in memory: never spilled to a file */
		store = tuplestore_begin_heap(false, false, work_mem);
		values[0] = hpgn.value;
		nulls[0] = hpgn.isnull;
		values[1] = eckid.value;
		nulls[1] = eckid.isnull;
		tuplestore_putvalues(store, batch->values->md.tupdesc, values, nulls);
		batch->values->reldata = store;

		args[0] = ObjectIdGetDatum(batch->leaf);
		args[1] = PointerGetDatum(tid);
		if (SPI_execute_plan(batch->update, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "SPI_execute_plan failed");
		*written += SPI_processed;
		batch->values->reldata = NULL;
		tuplestore_end(store);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		batch->values->reldata = NULL;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_INVALID_PARAMETER_VALUE)
			ReThrowError(edata);
		ereport(WARNING,
				(errmsg("eckid.backfill: row (%u,%u) of table %s skipped: %s",
						ItemPointerGetBlockNumberNoCheck(tid),
						ItemPointerGetOffsetNumberNoCheck(tid),
						batch->display_name, edata->message)));
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * eckid_internal.backfill_put(tbl regclass, leaf oid, rows tid[], OUT done
 * integer, OUT skipped text[]): the write step of eckid.backfill().  Stores
 * into each of the given rows of the leaf table leaf of tbl (rows a pick
 * locked) the HPgn and ECK iD the table's eckid.assign() trigger gives it,
 * each row in a subtransaction of its own: a row whose PGN (or stored HPgn)
 * is refused (22023) is left as it was, reported in a WARNING by its ctid
 * (never by a value) and returned in skipped (as tableoid:ctid, for the
 * next picks to pass over); any other error stops the call.  done counts
 * the rows written.
 */
Datum
eckid_backfill_put(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Oid			leaf = PG_GETARG_OID(1);
	ArrayType  *row_array = PG_GETARG_ARRAYTYPE_P(2);
	AssignErrorContext ctx;
	EckidActingRole saved;
	MemoryContext outer = CurrentMemoryContext;
	TupleDesc	result_desc;
	TupleDesc	values_desc;
	PutBatch	batch;
	const char *table;
	char	   *read_query;
	StringInfoData update_query;
	Oid			read_types[2] = {OIDOID, TIDARRAYOID};
	Datum		read_args[2];
	Oid			update_types[2] = {OIDOID, TIDOID};
	Datum	   *row_elems;
	bool	   *row_nulls;
	int			nrows;
	SPITupleTable *volatile read = NULL;
	volatile uint64 nread = 0;
	uint64		written = 0;
	Datum	   *skipped;
	volatile int nskipped = 0;
	Datum		result[2];
	bool		result_nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	batch.plan = eckid_assign_plan_for_backfill(relid, &ctx);
	batch.leaf = leaf;
	/* as the WARNING names it to the caller: by the caller's search_path */
	batch.display_name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
	table = TableName(relid);
	deconstruct_array(row_array, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT,
					  &row_elems, &row_nulls, &nrows);
	skipped = palloc(Max(nrows, 1) * sizeof(Datum));

	read_query = psprintf("SELECT ctid, %s::pg_catalog.text, %s, %s FROM %s WHERE tableoid OPERATOR(pg_catalog.=) $1 AND ctid OPERATOR(pg_catalog.=) ANY ($2)",
						  quote_identifier(batch.plan->pgn_column),
						  batch.plan->hpgn_column
						  ? psprintf("%s::pg_catalog.text", quote_identifier(batch.plan->hpgn_column))
						  : "NULL::pg_catalog.text",
						  quote_identifier(batch.plan->eckid_column), table);
	read_args[0] = ObjectIdGetDatum(leaf);
	read_args[1] = PointerGetDatum(row_array);

	/*
	 * The trigger, firing on this UPDATE, computes nothing: the PGN is
	 * unchanged or, with wipe_pgn, NULL.
	 */
	initStringInfo(&update_query);
	appendStringInfo(&update_query, "UPDATE %s AS eckid_target SET ", table);
	if (batch.plan->hpgn_column)
		appendStringInfo(&update_query, "%s = eckid_values.hpgn, ",
						 quote_identifier(batch.plan->hpgn_column));
	appendStringInfo(&update_query, "%s = eckid_values.eckid",
					 quote_identifier(batch.plan->eckid_column));
	if (batch.plan->wipe_pgn)
		appendStringInfo(&update_query, ", %s = NULL", quote_identifier(batch.plan->pgn_column));
	appendStringInfoString(&update_query,
						   " FROM " PUT_VALUES_NAME " AS eckid_values"
						   " WHERE eckid_target.tableoid OPERATOR(pg_catalog.=) $1"
						   " AND eckid_target.ctid OPERATOR(pg_catalog.=) $2");

	values_desc = CreateTemplateTupleDesc(2);
	TupleDescInitEntry(values_desc, (AttrNumber) 1, "hpgn", TEXTOID, -1, 0);
	TupleDescInitEntry(values_desc, (AttrNumber) 2, "eckid", batch.plan->objs.eckid_type, -1, 0);
	batch.values = palloc0(sizeof(EphemeralNamedRelationData));
	batch.values->md.name = PUT_VALUES_NAME;
	batch.values->md.reliddesc = InvalidOid;
	batch.values->md.tupdesc = values_desc;
	batch.values->md.enrtype = ENR_NAMED_TUPLESTORE;
	batch.values->md.enrtuples = 1;

	eckid_backfill_act(batch.plan, relid, true, &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PG_TRY();
	{
		if (SPI_execute_with_args(read_query, 2, read_types, read_args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute_with_args failed");
		read = SPI_tuptable;
		nread = SPI_processed;
		batch.read_desc = read->tupdesc;

		if (SPI_register_relation(batch.values) != SPI_OK_REL_REGISTER)
			elog(ERROR, "SPI_register_relation failed");
		batch.update = SPI_prepare(update_query.data, 2, update_types);
		if (batch.update == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));

		for (int i = 0; i < nrows; i++)
		{
			ItemPointer tid = (ItemPointer) DatumGetPointer(row_elems[i]);

			if (row_nulls[i])
				continue;
			/* a row not read is not this role's to see, or not there */
			for (uint64 j = 0; j < nread; j++)
			{
				bool		isnull;
				Datum		ctid = SPI_getbinval(read->vals[j], read->tupdesc, 1, &isnull);

				if (!ItemPointerEquals(tid, (ItemPointer) DatumGetPointer(ctid)))
					continue;
				if (!PutRow(&batch, read->vals[j], tid, &written))
					skipped[nskipped++] =
						PointerGetDatum(MemoryContextStrdup(outer, psprintf("%u:(%u,%u)", leaf,
																			ItemPointerGetBlockNumberNoCheck(tid),
																			ItemPointerGetOffsetNumberNoCheck(tid))));
				break;
			}
		}
	}
	PG_FINALLY();
	{
		if (read != NULL)
			WipePgns(read, nread);
	}
	PG_END_TRY();
	SPI_finish();
	eckid_act_as_end(&saved);
	eckid_assign_pop_context(&ctx);

	for (int i = 0; i < nskipped; i++)
		skipped[i] = CStringGetTextDatum(DatumGetCString(skipped[i]));
	result[0] = Int32GetDatum((int32) written);
	result[1] = PointerGetDatum(construct_array(skipped, nskipped, TEXTOID, -1, false, TYPALIGN_INT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc, result, result_nulls)));
}
