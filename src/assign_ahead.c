/*-------------------------------------------------------------------------
 *
 * assign_ahead.c
 *	  The PGNs of a multi-row INSERT ... VALUES hashed at once, before the
 *	  eckid.assign() trigger fires for its rows one by one.
 *
 * A BEFORE ROW trigger sees one row at a time, and must set the HPgn and
 * ECK iD before its row is stored; no trigger of PostgreSQL's sees the rows
 * of a statement that are still to come.  But the statement itself is in
 * reach: when the trigger fires for the first row of an INSERT, the portal
 * being run holds the plan, and the plan of INSERT ... VALUES (...), (...)
 * holds every row's values.  The PGNs among them that are constants (or,
 * through the extended protocol of a driver, parameters) are handed to the
 * HPgn workers at once (hpgn_engine.h), which interleave them, and kept as the
 * backfill's batches are (eckid_hpgn_compute_ahead(): for this transaction
 * only, with their salt, wiped at its end).
 *
 * This is only a cache in front of the row-by-row path, which stays as it
 * was: each row's trigger applies every rule and reports its own errors,
 * and takes a kept HPgn only for exactly the same PGN bytes and salt.  A
 * row whose PGN is not a constant, another BEFORE trigger that changes a
 * PGN, an INSERT ... SELECT, an INSERT from PL/pgSQL (whose statement is
 * not the portal's): all of these are hashed row by row as before.  When
 * a worker cannot hash, the statement fails with its error, as a row's
 * own hash would.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <sodium.h>

#include "catalog/partition.h"
#include "nodes/params.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "tcop/pquery.h"
#include "utils/lsyscache.h"
#include "utils/portal.h"
#include "utils/rel.h"

#include "assign.h"
#include "hpgn.h"
#include "pgn.h"

/* Fewer PGNs than this are hashed row by row: the bulk path gains nothing. */
#define AHEAD_MIN_PGNS	2

/* The value of a VALUES entry, if it is a constant or an external parameter. */
static bool
KnownValue(Node *expr, ParamListInfo params, Datum *value, bool *isnull, Oid *type)
{
	while (expr && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (expr == NULL)
		return false;
	if (IsA(expr, Const))
	{
		*value = ((Const *) expr)->constvalue;
		*isnull = ((Const *) expr)->constisnull;
		*type = ((Const *) expr)->consttype;
		return true;
	}
	if (IsA(expr, Param) && ((Param *) expr)->paramkind == PARAM_EXTERN &&
		params != NULL && params->paramFetch == NULL)
	{
		int			id = ((Param *) expr)->paramid;

		if (id < 1 || id > params->numParams)
			return false;
		*value = params->params[id - 1].value;
		*isnull = params->params[id - 1].isnull;
		*type = params->params[id - 1].ptype;
		return true;
	}
	return false;
}

/*
 * The column of the VALUES list that the target column attno is filled
 * from, or 0; or -1 when the target list gives it as a constant NULL (a
 * column left out and defaulting to NULL).
 */
static int
ValuesColumn(Plan *subplan, Index scanrelid, AttrNumber attno)
{
	ListCell   *lc;

	foreach(lc, subplan->targetlist)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);
		Node	   *expr = (Node *) te->expr;

		if (te->resno != attno)
			continue;
		while (expr && IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		if (expr && IsA(expr, Var) && ((Var *) expr)->varno == (int) scanrelid)
			return ((Var *) expr)->varattno;
		if (expr && IsA(expr, Const) && ((Const *) expr)->constisnull)
			return -1;
		return 0;
	}
	return 0;
}

/* The INSERT ... VALUES of the active portal that writes into rel, or NULL. */
static ModifyTable *
ActiveInsert(Relation rel, Oid *target)
{
	ListCell   *lc;
	List	   *ancestors = NIL;

	if (ActivePortal == NULL)
		return NULL;
	if (rel->rd_rel->relispartition)
		ancestors = get_partition_ancestors(RelationGetRelid(rel));

	foreach(lc, ActivePortal->stmts)
	{
		PlannedStmt *stmt = lfirst_node(PlannedStmt, lc);
		ModifyTable *mt;
		Oid			relid;

		if (stmt->commandType != CMD_INSERT || stmt->planTree == NULL ||
			!IsA(stmt->planTree, ModifyTable))
			continue;
		mt = (ModifyTable *) stmt->planTree;
		if (mt->nominalRelation == 0 || outerPlan(mt) == NULL ||
			!IsA(outerPlan(mt), ValuesScan))
			continue;
		relid = rt_fetch(mt->nominalRelation, stmt->rtable)->relid;
		if (relid == RelationGetRelid(rel) || list_member_oid(ancestors, relid))
		{
			*target = relid;
			return mt;
		}
	}
	return NULL;
}

/* See assign.h. */
void
eckid_assign_hash_inserts_ahead(const AssignPlan *plan, Relation rel)
{
	Oid			target;
	ModifyTable *mt = ActiveInsert(rel, &target);
	ValuesScan *vs;
	Index		scanrelid;
	AttrNumber	pgn_attno;
	AttrNumber	eckid_attno;
	int			pgn_col;
	int			eckid_col = 0;
	int			nrows;
	int			n = 0;
	const char **pgns;
	size_t	   *lens;
	char	   (*digits)[PGN_DIGITS];
	ListCell   *lc;
	ParamListInfo params;

	if (mt == NULL)
		return;
	vs = (ValuesScan *) outerPlan(mt);
	scanrelid = vs->scan.scanrelid;
	params = ActivePortal->portalParams;

	/* the statement's columns are those of the table it names */
	pgn_attno = get_attnum(target, plan->pgn_column);
	eckid_attno = get_attnum(target, plan->eckid_column);
	if (pgn_attno == InvalidAttrNumber || eckid_attno == InvalidAttrNumber)
		return;
	pgn_col = ValuesColumn((Plan *) vs, scanrelid, pgn_attno);
	if (pgn_col <= 0)
		return;
	/* without an HPgn column, a row given its ECK iD needs no hash */
	if (!plan->hpgn_column)
	{
		eckid_col = ValuesColumn((Plan *) vs, scanrelid, eckid_attno);
		if (eckid_col == 0)
			return;
	}

	nrows = list_length(vs->values_lists);
	if (nrows < AHEAD_MIN_PGNS)
		return;
	pgns = palloc(nrows * sizeof(*pgns));
	lens = palloc(nrows * sizeof(*lens));
	digits = palloc(nrows * sizeof(*digits));

	PG_TRY();
	{
		foreach(lc, vs->values_lists)
		{
			List	   *row = (List *) lfirst(lc);
			Datum		value;
			bool		isnull;
			Oid			type;
			text	   *pgn;

			if (pgn_col > list_length(row) ||
				!KnownValue(list_nth(row, pgn_col - 1), params, &value, &isnull, &type) ||
				isnull || (type != TEXTOID && type != VARCHAROID))
				continue;
			if (eckid_col > 0)
			{
				Datum		e;
				bool		e_isnull;
				Oid			e_type;

				if (eckid_col > list_length(row) ||
					!KnownValue(list_nth(row, eckid_col - 1), params, &e, &e_isnull, &e_type) ||
					!e_isnull)
					continue;
			}
			/* a plan's constants are not toasted; a parameter may be */
			pgn = (text *) DatumGetPointer(value);
			if (VARATT_IS_EXTENDED(pgn))
				continue;
			pgn_batch_add(VARDATA_ANY(pgn), VARSIZE_ANY_EXHDR(pgn), digits, pgns, lens, &n);
		}
		if (n >= AHEAD_MIN_PGNS)
		{
			int			hashed = eckid_hpgn_compute_ahead(n, pgns, lens, true);

			elog(DEBUG1, "eckid.assign(): %d distinct PGNs of a multi-row INSERT hashed at once", hashed);
		}
	}
	PG_FINALLY();
	{
		sodium_memzero(digits, nrows * sizeof(*digits));
	}
	PG_END_TRY();
	pfree(digits);
	pfree(lens);
	pfree(pgns);
}
