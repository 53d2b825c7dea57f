/*-------------------------------------------------------------------------
 *
 * mask_filter.c
 *	  Row filters of masked views, and the check that a masked view is still
 *	  the view eckid made.
 *
 * A row filter (docs/hiding.md, "Row filters") is a boolean expression over
 * the columns of a masked view's table, given to eckid.create_masked_view()
 * as SQL text.  It is parsed here against the table as
 *
 *	 SELECT FROM schema.table AS t WHERE <filter>
 *
 * and refused unless that is one SELECT with nothing but the WHERE clause:
 * no subquery (a reader could use one to probe other tables through the
 * owner's rights), no system column, and only IMMUTABLE functions, so that
 * the rows it lets through depend on nothing but the row: not on the role
 * that reads (current_user), not on a setting.  That is what lets
 * masked_view_pseudonym() evaluate the same filter on a row it is handed,
 * as the table's owner, and get the answer the view got.  What is kept in
 * eckid.masked_view is the filter deparsed with every name that is not in
 * pg_catalog qualified, so that it means the same under any search_path.
 *
 * eckid_internal.masked_view_compare() compares a masked view's query with
 * the query eckid would make (its parse tree, not its text: a renamed
 * column changes the text of a view, not its tree), so that the upkeep
 * never silently replaces a view its owner has changed (issue 20).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "rewrite/rewriteManip.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

#include "mask_filter.h"

PG_FUNCTION_INFO_V1(eckid_masked_view_compare);

/* Refuse a Var of a system column or of the whole row. */
static bool
RefuseSystemColumns(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) && ((Var *) node)->varattno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("a row filter may use only the columns of the table"),
				 errdetail("System columns and whole-row references are not allowed.")));
	return expression_tree_walker(node, RefuseSystemColumns, context);
}

/*
 * The parse tree of "SELECT FROM <relid> AS t WHERE <filter>", refused
 * unless it is exactly that: one SELECT whose only clause the filter added
 * is the WHERE clause (a filter such as "true ORDER BY x" or
 * "true; DROP ..." is not one expression).  Nothing is executed here.
 */
static Query *
ParseFilterQuery(Oid relid, const char *filter)
{
	StringInfoData sql;
	List	   *raw;
	RawStmt    *rs;
	SelectStmt *s;
	Query	   *q;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT FROM %s AS t WHERE ",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)));
	appendStringInfoString(&sql, filter);

	raw = raw_parser(sql.data, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1)
		goto not_one_expression;
	rs = linitial_node(RawStmt, raw);
	if (!IsA(rs->stmt, SelectStmt))
		goto not_one_expression;
	s = (SelectStmt *) rs->stmt;
	if (s->op != SETOP_NONE || s->whereClause == NULL || s->targetList != NIL ||
		list_length(s->fromClause) != 1 || s->distinctClause != NIL || s->intoClause != NULL ||
		s->groupClause != NIL || s->havingClause != NULL || s->windowClause != NIL ||
		s->valuesLists != NIL || s->sortClause != NIL || s->limitOffset != NULL ||
		s->limitCount != NULL || s->lockingClause != NIL || s->withClause != NULL)
		goto not_one_expression;

	q = parse_analyze_fixedparams(rs, sql.data, NULL, 0, NULL);
	if (q->hasSubLinks)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot use subquery in a row filter")));
	if (list_length(q->rtable) != 1 || q->jointree->quals == NULL)
		goto not_one_expression;
	return q;

not_one_expression:
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("a row filter must be one boolean expression over the columns of the table")));
	return NULL;				/* keep compiler quiet */
}

/* The checks of a row filter beyond its form. */
static void
CheckFilter(Node *qual)
{
	(void) RefuseSystemColumns(qual, NULL);
	if (contain_mutable_functions(qual))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("functions in a row filter must be marked IMMUTABLE"),
				 errdetail("The rows a masked view shows must depend on the row alone, not on the role that reads it or on a setting.")));
}

/*
 * The text of a parsed filter (Vars of range table entry 1), with every
 * name outside pg_catalog qualified.
 */
static char *
DeparseFilter(Node *qual, Oid source)
{
	int			nestlevel = NewGUCNestLevel();
	char	   *result;

	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	result = deparse_expression(qual, deparse_context_for("t", source), false, false);
	AtEOXact_GUC(false, nestlevel);
	return result;
}

/*
 * The row filter given to eckid.create_masked_view(), checked and made the
 * text eckid keeps.  Parsed as the calling role, with its search_path: the
 * names mean what the caller meant.
 */
char *
eckid_row_filter_canonical(Oid source, const char *filter)
{
	Query	   *q = ParseFilterQuery(source, filter);

	CheckFilter(q->jointree->quals);
	return DeparseFilter(q->jointree->quals, source);
}

/*
 * Prepare the row filter of a masked view for the rows of table rel (the
 * view's table, or one of its partitions or children), to be evaluated with
 * the rights of owner.  In the current memory context.  Parsed and planned
 * as owner, under SECURITY_RESTRICTED_OPERATION and a safe search_path, as
 * eckid_row_filter_passes() evaluates it: constant folding may already run
 * the filter's functions.
 */
RowFilterState *
eckid_row_filter_prepare(Relation rel, const char *filter, Oid owner)
{
	RowFilterState *state = palloc0(sizeof(RowFilterState));
	Oid			save_userid;
	int			save_sec_context;
	int			nestlevel;
	Query	   *q;
	Expr	   *qual;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	eckid_restrict_search_path();

	q = ParseFilterQuery(RelationGetRelid(rel), filter);
	CheckFilter(q->jointree->quals);
	qual = expression_planner((Expr *) q->jointree->quals);
	state->qual = ExecInitQual(make_ands_implicit(qual), NULL);
	state->econtext = CreateStandaloneExprContext();
	/* a copy: a slot pins a relcache descriptor until it is dropped */
	state->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(rel)),
										   &TTSOpsHeapTuple);
	state->owner = owner;

	AtEOXact_GUC(false, nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return state;
}

/*
 * Whether the row filter lets tuple through: evaluated as the view's owner
 * (the view applies it with the owner's rights too), under
 * SECURITY_RESTRICTED_OPERATION and a safe search_path, as REFRESH
 * MATERIALIZED VIEW evaluates a user's query.  An error leaves the
 * transaction, whose abort restores the role and the settings.
 */
bool
eckid_row_filter_passes(RowFilterState *state, HeapTuple tuple)
{
	Oid			save_userid;
	int			save_sec_context;
	int			nestlevel;
	bool		passes;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(state->owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	eckid_restrict_search_path();

	ExecStoreHeapTuple(tuple, state->slot, false);
	state->econtext->ecxt_scantuple = state->slot;
	passes = ExecQual(state->qual, state->econtext);
	ExecClearTuple(state->slot);
	ResetExprContext(state->econtext);

	AtEOXact_GUC(false, nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return passes;
}

/*
 * The range table index of the one table view query vq reads, if the query
 * has the form of a masked view's: a plain SELECT from that one table (with
 * or without its partitions and children, as eq), and nothing else.  0 if
 * it has not.
 */
static int
ViewTableIndex(Query *vq, Oid source, Query *eq)
{
	RangeTblRef *ref;
	RangeTblEntry *rte;
	RangeTblEntry *erte = rt_fetch(1, eq->rtable);

	if (vq->commandType != CMD_SELECT || vq->hasAggs || vq->hasWindowFuncs ||
		vq->hasTargetSRFs || vq->hasSubLinks || vq->hasDistinctOn || vq->hasRecursive ||
		vq->hasModifyingCTE || vq->hasForUpdate || vq->cteList != NIL ||
		vq->groupClause != NIL || vq->groupingSets != NIL || vq->havingQual != NULL ||
		vq->windowClause != NIL || vq->distinctClause != NIL || vq->sortClause != NIL ||
		vq->limitOffset != NULL || vq->limitCount != NULL || vq->rowMarks != NIL ||
		vq->setOperations != NULL)
		return 0;
	if (list_length(vq->jointree->fromlist) != 1 || !IsA(linitial(vq->jointree->fromlist), RangeTblRef))
		return 0;
	ref = linitial_node(RangeTblRef, vq->jointree->fromlist);
	rte = rt_fetch(ref->rtindex, vq->rtable);
	if (rte->rtekind != RTE_RELATION || rte->relid != source || rte->inh != erte->inh)
		return 0;
	/* no other entry but the placeholders of older releases */
	for (int i = ECKID_VIEW_PLACEHOLDER_RTES + 1; i <= list_length(vq->rtable); i++)
	{
		if (i != ref->rtindex)
			return 0;
	}
	return ref->rtindex;
}

/* The entries of a target list that are columns of the result. */
static List *
ResultColumns(List *tlist)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			result = lappend(result, tle);
	}
	return result;
}

/* Whether the view's filter (vquals) is the filter recorded (as text, and as a tree). */
static bool
SameFilter(Node *vquals, Oid source, const char *row_filter, const char *row_filter_node)
{
	char	   *prefix = psprintf("%d:", PG_VERSION_NUM / 100);

	if (vquals == NULL || row_filter == NULL)
		return vquals == NULL && row_filter == NULL;
	/* the tree kept by this major version: survives renames */
	if (row_filter_node != NULL && strncmp(row_filter_node, prefix, strlen(prefix)) == 0 &&
		equal(stringToNode(row_filter_node + strlen(prefix)), vquals))
		return true;
	/* after a restore or an upgrade: the text, as it reads now */
	return equal(ParseFilterQuery(source, row_filter)->jointree->quals, vquals);
}

/*
 * eckid_internal.masked_view_compare(view oid, source oid, expected text,
 * skip smallint[], row_filter text, row_filter_node text, OUT differs text,
 * OUT view_filter text, OUT view_filter_node text):  compare masked view
 * view with the query eckid would make, expected (a SELECT ... FROM its
 * table AS t, without the filter), except the columns whose numbers are in
 * skip, and with the row filter recorded.  differs is NULL if they are the
 * same, else what differs, for a message.  view_filter and view_filter_node
 * are the view's filter as eckid keeps it (NULL if it has none).
 */
Datum
eckid_masked_view_compare(PG_FUNCTION_ARGS)
{
	Oid			view;
	Oid			source;
	char	   *expected;
	ArrayType  *skip_array;
	Datum	   *skip_elems;
	bool	   *skip_nulls;
	int			nskip;
	char	   *row_filter = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	char	   *row_filter_node = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	Relation	vrel;
	Query	   *vq;
	Query	   *eq;
	List	   *raw;
	int			idx;
	Node	   *vquals = NULL;
	char	   *differs = NULL;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("view, source, expected and skip must not be null")));
	view = PG_GETARG_OID(0);
	source = PG_GETARG_OID(1);
	expected = text_to_cstring(PG_GETARG_TEXT_PP(2));
	skip_array = PG_GETARG_ARRAYTYPE_P(3);
	deconstruct_array(skip_array, INT2OID, 2, true, TYPALIGN_SHORT, &skip_elems, &skip_nulls, &nskip);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	vrel = relation_open(view, AccessShareLock);
	if (vrel->rd_rel->relkind != RELKIND_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a view", RelationGetRelationName(vrel))));
	vq = copyObject(get_view_query(vrel));
	relation_close(vrel, AccessShareLock);

	raw = raw_parser(expected, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1)
		elog(ERROR, "expected query of a masked view is not one statement");
	eq = parse_analyze_fixedparams(linitial_node(RawStmt, raw), expected, NULL, 0, NULL);

	idx = ViewTableIndex(vq, source, eq);
	if (idx == 0)
		differs = "query";
	else
	{
		List	   *vcols = ResultColumns(vq->targetList);
		List	   *ecols = ResultColumns(eq->targetList);
		ListCell   *vc;
		ListCell   *ec;
		int			k = 0;

		vquals = vq->jointree->quals;
		if (vquals != NULL)
			ChangeVarNodes(vquals, idx, 1, 0);
		if (list_length(vcols) != list_length(ecols))
			differs = "columns";
		else
			forboth(vc, vcols, ec, ecols)
		{
			TargetEntry *vtle = lfirst_node(TargetEntry, vc);
			TargetEntry *etle = lfirst_node(TargetEntry, ec);
			Node	   *vexpr = (Node *) vtle->expr;
			bool		skipped = false;

			k++;
			for (int j = 0; j < nskip; j++)
			{
				if (!skip_nulls[j] && DatumGetInt16(skip_elems[j]) == k)
					skipped = true;
			}
			if (skipped)
				continue;
			ChangeVarNodes(vexpr, idx, 1, 0);
			if (vtle->resname == NULL || etle->resname == NULL ||
				strcmp(vtle->resname, etle->resname) != 0 || !equal(vexpr, etle->expr))
			{
				differs = psprintf("column \"%s\"", vtle->resname ? vtle->resname : "?");
				break;
			}
		}
		if (differs == NULL && !SameFilter(vquals, source, row_filter, row_filter_node))
			differs = "row filter";
	}

	if (differs != NULL)
		values[0] = CStringGetTextDatum(differs);
	else
		nulls[0] = true;
	if (vquals != NULL)
	{
		values[1] = CStringGetTextDatum(DeparseFilter(vquals, source));
		values[2] = CStringGetTextDatum(psprintf("%d:%s", PG_VERSION_NUM / 100, nodeToString(vquals)));
	}
	else
		nulls[1] = nulls[2] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
