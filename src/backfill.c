/*-------------------------------------------------------------------------
 *
 * backfill.c
 *	  The C helpers of eckid.backfill(), which fills the rows written before
 *	  a table had its eckid.assign() trigger.
 *
 * eckid.backfill() (PL/pgSQL, in the install script) reads the trigger's
 * arguments through eckid_internal.backfill_setup(), hashes each batch's PGNs at
 * once through eckid_internal.backfill_compute_ahead() and computes each row
 * with eckid_backfill_values() (through backfill_write.c, which writes the
 * rows), so that the trigger and the backfill share every rule and every
 * line of code that hashes.  All use the trigger's kept plan
 * (assign_plan.c): the arguments are checked once per backend, not once per
 * row and helper.
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
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "assign.h"
#include "backfill.h"
#include "hpgn.h"
#include "pgn.h"

PG_FUNCTION_INFO_V1(eckid_backfill_setup);
PG_FUNCTION_INFO_V1(eckid_backfill_row);
PG_FUNCTION_INFO_V1(eckid_backfill_compute_ahead);

/*
 * eckid_internal.backfill_setup(tbl regclass, OUT pgn_column text, OUT hpgn_column
 * text, OUT eckid_column text, OUT wipe_pgn boolean, OUT nummervoorziening
 * boolean): the first step of
 * eckid.backfill().  Refuses to run inside a transaction block, where the
 * procedure's COMMITs would fail after the first batch was computed, and
 * returns the settings of the table's eckid.assign() trigger.
 */
Datum
eckid_backfill_setup(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	const AssignPlan *plan;
	AssignErrorContext ctx;
	TupleDesc	result_desc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("eckid.backfill() cannot run inside a transaction block"),
				 errhint("Call it on its own, in autocommit mode: it commits after every batch.")));

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	plan = eckid_assign_plan_for_backfill(relid, &ctx);

	values[0] = CStringGetTextDatum(plan->pgn_column);
	if (plan->hpgn_column)
		values[1] = CStringGetTextDatum(plan->hpgn_column);
	else
		nulls[1] = true;
	values[2] = CStringGetTextDatum(plan->eckid_column);
	values[3] = BoolGetDatum(plan->wipe_pgn);
	values[4] = BoolGetDatum(plan->nummervoorziening);

	eckid_assign_pop_context(&ctx);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc, values, nulls)));
}

/* See backfill.h. */
void
eckid_backfill_values(const AssignPlan *plan, const NullableDatum *pgn,
					  const NullableDatum *stored_hpgn, const NullableDatum *stored_eckid,
					  NullableDatum *hpgn, NullableDatum *eckid)
{
	text	   *h = NULL;

	hpgn->isnull = true;
	eckid->isnull = true;

	/*
	 * A PGN is always checked, but hashed only for a column that lacks a
	 * value; a stored HPgn is used as it is.
	 */
	if (!pgn->isnull)
	{
		bool		hash = stored_hpgn->isnull && (plan->hpgn_column != NULL || stored_eckid->isnull);

		h = eckid_assign_pgn_value(plan, pgn->value, hash);
	}
	if (!stored_hpgn->isnull)
		h = DatumGetTextPP(stored_hpgn->value);

	if (h)
	{
		hpgn->value = PointerGetDatum(h);
		hpgn->isnull = false;
	}
	if (!stored_eckid->isnull)
		*eckid = *stored_eckid;
	else if (h && plan->nummervoorziening)
	{
		/* asked for, in the batch's transaction; the ECK iD stays NULL */
		eckid_assign_nv_request(plan, h);
	}
	else if (h)
	{
		eckid->value = PointerGetDatum(eckid_assign_derive(plan, h));
		eckid->isnull = false;
	}
}

/*
 * eckid_internal.backfill_row(tbl regclass, pgn text, stored_hpgn text, stored_eckid
 * eckid.eckid, OUT hpgn text, OUT eckid eckid.eckid): the values
 * eckid.backfill() stores into one row, by the rules of the table's
 * eckid.assign() trigger for an INSERT (eckid_backfill_values()).  The
 * backfill itself computes them in C (backfill_write.c); this is the same
 * code for a role granted the backfill, which could write them into a row
 * and read them back anyway.
 */
Datum
eckid_backfill_row(PG_FUNCTION_ARGS)
{
	const AssignPlan *plan;
	AssignErrorContext ctx;
	TupleDesc	result_desc;
	NullableDatum args[3];
	NullableDatum result[2];
	Datum		values[2];
	bool		nulls[2];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table argument of eckid_internal.backfill_row() must not be null")));

	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	plan = eckid_assign_plan_for_backfill(PG_GETARG_OID(0), &ctx);
	for (int i = 0; i < 3; i++)
	{
		args[i].isnull = PG_ARGISNULL(i + 1);
		args[i].value = args[i].isnull ? (Datum) 0 : PG_GETARG_DATUM(i + 1);
	}
	eckid_backfill_values(plan, &args[0], &args[1], &args[2], &result[0], &result[1]);
	eckid_assign_pop_context(&ctx);

	for (int i = 0; i < 2; i++)
	{
		values[i] = result[i].value;
		nulls[i] = result[i].isnull;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_desc, values, nulls)));
}

/* Is (tableoid, ctid) one of the n rows of the batch? */
static bool
InBatch(Oid tableoid, ItemPointer ctid, int n, const Oid *oids, const ItemPointerData *tids)
{
	for (int i = 0; i < n; i++)
		if (oids[i] == tableoid && ItemPointerEquals(ctid, (ItemPointer) &tids[i]))
			return true;
	return false;
}

/*
 * eckid_internal.backfill_compute_ahead(tbl regclass, tableoids oid[], rows tid[])
 * returns integer: the batch step of eckid.backfill().  Hashes at once, by
 * the HPgn workers (within eckid.hash_memory), the PGNs of those of the given rows (each
 * named by its tableoid and ctid: on a partitioned or inherited table, a
 * ctid alone names a row in every partition) whose HPgn backfill_row() would
 * compute, and keeps the HPgns for the rest of the transaction
 * (eckid_hpgn_compute_ahead()), so that the row-by-row UPDATEs that follow
 * find them.  Returns how many distinct PGNs it hashed.
 *
 * The caller must be allowed to read the columns (checked as the query
 * would), and the rows are read as the table's owner, or under row-level
 * security as the caller (eckid_backfill_act()), so that nothing the caller
 * could not read is hashed and no code of the table runs with the caller's
 * rights.  A PGN that breaks a rule is left out: the write reports it for
 * its row.  No PGN passes through a query parameter or into a query's text.
 */
Datum
eckid_backfill_compute_ahead(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ArrayType  *oid_array = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *tid_array = PG_GETARG_ARRAYTYPE_P(2);
	const AssignPlan *plan;
	AssignErrorContext ctx;
	StringInfoData query;
	Oid			argtypes[2] = {OIDARRAYOID, TIDARRAYOID};
	Datum		args[2];
	Datum	   *oid_elems;
	Datum	   *tid_elems;
	bool	   *oid_nulls;
	bool	   *tid_nulls;
	int			noids;
	int			ntids;
	Oid		   *oids;
	ItemPointerData *tids;
	int			n = 0;
	const char **pgns;
	size_t	   *lens;
	char	   (*digits)[PGN_DIGITS];
	text	  **copies;			/* detoasted copies of PGNs, to wipe */
	int			ncopies = 0;
	volatile int count = 0;
	EckidActingRole saved;

	plan = eckid_assign_plan_for_backfill(relid, &ctx);

	deconstruct_array(oid_array, OIDOID, sizeof(Oid), true, TYPALIGN_INT,
					  &oid_elems, &oid_nulls, &noids);
	deconstruct_array(tid_array, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT,
					  &tid_elems, &tid_nulls, &ntids);
	if (noids != ntids)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("tableoids and rows given to eckid_internal.backfill_compute_ahead() must have the same number of elements")));
	oids = palloc(Max(ntids, 1) * sizeof(Oid));
	tids = palloc(Max(ntids, 1) * sizeof(ItemPointerData));
	for (int i = 0; i < ntids; i++)
	{
		if (oid_nulls[i] || tid_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("tableoids and rows given to eckid_internal.backfill_compute_ahead() must not contain nulls")));
		oids[i] = DatumGetObjectId(oid_elems[i]);
		tids[i] = *(ItemPointer) DatumGetPointer(tid_elems[i]);
	}

	initStringInfo(&query);
	appendStringInfo(&query,
					 "SELECT tableoid, ctid, %s::pg_catalog.text FROM %s WHERE ctid OPERATOR(pg_catalog.=) ANY ($2) AND tableoid OPERATOR(pg_catalog.=) ANY ($1) AND %s IS NOT NULL AND %s IS NULL",
					 quote_identifier(plan->pgn_column),
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)),
					 quote_identifier(plan->pgn_column),
					 quote_identifier(plan->hpgn_column ? plan->hpgn_column : plan->eckid_column));
	args[0] = PointerGetDatum(oid_array);
	args[1] = PointerGetDatum(tid_array);

	eckid_backfill_act(plan, relid, false, &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query.data, 2, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed");

	pgns = palloc0(Max(SPI_processed, 1) * sizeof(*pgns));
	lens = palloc0(Max(SPI_processed, 1) * sizeof(*lens));
	digits = palloc0(Max(SPI_processed, 1) * sizeof(*digits));
	copies = palloc0(Max(SPI_processed, 1) * sizeof(*copies));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			tableoid = DatumGetObjectId(SPI_getbinval(tuple, tupdesc, 1, &isnull));
		ItemPointer ctid = (ItemPointer) DatumGetPointer(SPI_getbinval(tuple, tupdesc, 2, &isnull));
		Datum		value = SPI_getbinval(tuple, tupdesc, 3, &isnull);
		text	   *pgn;

		/* a row of another partition at the same ctid is not the batch's */
		if (isnull || !InBatch(tableoid, ctid, ntids, oids, tids))
			continue;
		pgn = DatumGetTextPP(value);
		if ((Pointer) pgn != DatumGetPointer(value))
			copies[ncopies++] = pgn;
		/* a PGN that breaks a rule is left out: backfill_row() reports it */
		pgn_batch_add(VARDATA_ANY(pgn), VARSIZE_ANY_EXHDR(pgn), digits, pgns, lens, &n);
	}

	/*
	 * The HPgns are kept in memory of their own until the end of the
	 * transaction; the PGNs read here go with the SPI memory, after the
	 * copies of digits are wiped, on errors as well.
	 */
	PG_TRY();
	{
		count = eckid_hpgn_compute_ahead(n, pgns, lens, false);
	}
	PG_FINALLY();
	{
		sodium_memzero(digits, Max(SPI_processed, 1) * sizeof(*digits));
		for (int i = 0; i < ncopies; i++)
			sodium_memzero(copies[i], VARSIZE_ANY(copies[i]));
	}
	PG_END_TRY();

	SPI_finish();
	eckid_act_as_end(&saved);
	eckid_assign_pop_context(&ctx);
	PG_RETURN_INT32(count);
}
