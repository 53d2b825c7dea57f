/*-------------------------------------------------------------------------
 *
 * nv_request.c
 *	  The C side of the Nummervoorziening queue: eckid.nv_request() and the
 *	  calls into the queue's internal functions.
 *
 * The queue itself is SQL (sql/install/).  Its internal
 * functions are executable by nobody: the trigger and eckid.nv_request()
 * reach them through fmgr, by OID, which checks no EXECUTE privilege and
 * uses no search_path.
 *
 * eckid.nv_request() records a table into whose rows eckid later writes.
 * So it checks, as the calling role (GetUserId(), which a SECURITY DEFINER
 * function cannot see), that this role may read the HPgn column and update
 * the ECK iD column: a role can only have eckid write where it could write
 * itself.  The role is recorded with the request, and checked again when
 * the answer is written (eckid_internal.nv_write_target(), below).
 *
 * The answer is written as the table's owner, security-restricted
 * (owner_context.c): never as the extension's owner, whose rights the
 * table's triggers, index expressions and constraints would otherwise get.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "access/relation.h"
#include "catalog/pg_operator.h"
#include "executor/spi.h"
#include "utils/typcache.h"
#include "utils/array.h"
#include "utils/rel.h"

#include "kdf.h"
#include "eckid_objects.h"
#include "nv_request.h"
#include "owner_context.h"
#include "pgn.h"

PG_FUNCTION_INFO_V1(eckid_nv_request);
PG_FUNCTION_INFO_V1(eckid_nv_write_target);

/*
 * Call one of the queue's internal functions, by OID (eckid_objects.h),
 * with non-null arguments; it returns void.
 */
static void
CallInternal(Oid fn, int nargs, const Datum *args)
{
	NullableDatum call_args[ECKID_CALL_MAX_ARGS];

	Assert(nargs <= ECKID_CALL_MAX_ARGS);
	for (int i = 0; i < nargs; i++)
	{
		call_args[i].value = args[i];
		call_args[i].isnull = false;
	}
	(void) eckid_call(fn, DEFAULT_COLLATION_OID, nargs, call_args, NULL);
}

/* See nv_request.h. */
void
eckid_nv_enqueue(Oid fn, Oid relid, AttrNumber hpgn_attnum, AttrNumber eckid_attnum,
				 text *hpgn, text *chain, text *sector, Oid requester)
{
	Datum		args[7];

	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int16GetDatum(hpgn_attnum);
	args[2] = Int16GetDatum(eckid_attnum);
	args[3] = PointerGetDatum(hpgn);
	args[4] = PointerGetDatum(chain);
	args[5] = PointerGetDatum(sector);
	args[6] = ObjectIdGetDatum(requester);
	CallInternal(fn, 7, args);
}

/* See nv_request.h. */
void
eckid_nv_enqueue_replacement(Oid fn, text *old_hpgn, text *new_hpgn, DateADT effective)
{
	Datum		args[3];

	args[0] = PointerGetDatum(old_hpgn);
	args[1] = PointerGetDatum(new_hpgn);
	args[2] = DateADTGetDatum(effective);
	CallInternal(fn, 3, args);
}

/*
 * A column named in eckid.nv_request(): it must exist and be an ordinary
 * column; its number.
 */
static AttrNumber
RequestColumn(Oid relid, const char *relname, const char *colname)
{
	AttrNumber	attnum = get_attnum(relid, colname);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", colname, relname)));
	if (attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("column \"%s\" given to eckid.nv_request() is a system column", colname)));
	return attnum;
}

/*
 * May the calling role use a column so, by a privilege on the table or on
 * the column (what a query naming the column checks)?
 */
static AclResult
ColumnPrivilege(Oid relid, AttrNumber attnum, AclMode mode)
{
	return eckid_column_privilege(relid, attnum, GetUserId(), mode) ? ACLCHECK_OK : ACLCHECK_NO_PRIV;
}

/*
 * A table that may receive ECK iDs from Nummervoorziening: an ordinary or
 * partitioned table, not temporary.  The answer is written by another
 * session (the worker's), which cannot see a temporary table; and a
 * temporary table is dropped at the end of its session without an event
 * that would let eckid forget it, so its OID could be given to another.
 */
void
eckid_nv_check_target(Oid relid)
{
	char		relkind = get_rel_relkind(relid);
	char	   *relname = get_rel_name(relid);

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname)));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("temporary table \"%s\" cannot ask Nummervoorziening for ECK iDs", relname),
				 errdetail("The answers are written by another session, which cannot see a temporary table.")));
}

/*
 * eckid.nv_request(tbl regclass, hpgn_column name, eckid_column name,
 * hpgn text, chain text, sector text) returns void: queue a request for the
 * ECK iD of hpgn in chain and sector, written into tbl's rows whose
 * hpgn_column holds hpgn (docs/nummervoorziening.md).
 */
Datum
eckid_nv_request(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *relname;
	const char *hpgn_col;
	const char *eckid_col;
	AttrNumber	hpgn_attnum;
	AttrNumber	eckid_attnum;
	Oid			hpgn_type;
	Oid			eckid_type;
	AclResult	aclresult;
	text	   *hpgn;
	text	   *chain;
	text	   *sector;
	Oid			argtypes[7] = {OIDOID, INT2OID, INT2OID, TEXTOID, TEXTOID, TEXTOID, OIDOID};
	Oid			fn;

	for (int i = 0; i < 6; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("arguments of eckid.nv_request must not be null")));

	relid = PG_GETARG_OID(0);
	hpgn_col = NameStr(*PG_GETARG_NAME(1));
	eckid_col = NameStr(*PG_GETARG_NAME(2));
	hpgn = PG_GETARG_TEXT_PP(3);
	chain = PG_GETARG_TEXT_PP(4);
	sector = PG_GETARG_TEXT_PP(5);

	eckid_nv_check_target(relid);
	relname = get_rel_name(relid);

	hpgn_attnum = RequestColumn(relid, relname, hpgn_col);
	eckid_attnum = RequestColumn(relid, relname, eckid_col);
	if (hpgn_attnum == eckid_attnum)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the HPgn and ECK iD columns given to eckid.nv_request() must be different columns")));

	hpgn_type = get_atttype(relid, hpgn_attnum);
	if (hpgn_type != TEXTOID && hpgn_type != VARCHAROID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.nv_request() as the HPgn column must be of type text or character varying",
						hpgn_col)));
	eckid_type = eckid_type_oid();
	if (get_atttype(relid, eckid_attnum) != eckid_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" given to eckid.nv_request() as the ECK iD column must be of type eckid.eckid",
						eckid_col)));

	/* the calling role, not the extension's owner: as for a column it names */
	aclresult = ColumnPrivilege(relid, hpgn_attnum, ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error_col(aclresult, OBJECT_TABLE, relname, hpgn_col);
	aclresult = ColumnPrivilege(relid, eckid_attnum, ACL_UPDATE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error_col(aclresult, OBJECT_TABLE, relname, eckid_col);

	if (!pgn_hpgn_is_valid(VARDATA_ANY(hpgn), VARSIZE_ANY_EXHDR(hpgn)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hpgn is not a valid HPgn"),
				 errdetail("An HPgn is exactly 64 lowercase hexadecimal digits.")));
	if (VARSIZE_ANY_EXHDR(chain) == 0 || VARSIZE_ANY_EXHDR(chain) > LOCAL_ID_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chain given to eckid.nv_request() must be between 1 and %d bytes long",
						LOCAL_ID_MAX_BYTES)));
	if (VARSIZE_ANY_EXHDR(sector) == 0 || VARSIZE_ANY_EXHDR(sector) > LOCAL_ID_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sector given to eckid.nv_request() must be between 1 and %d bytes long",
						LOCAL_ID_MAX_BYTES)));

	fn = eckid_function_oid(ECKID_SCHEMA_INTERNAL, "nv_enqueue", 7, argtypes);
	/* recorded as the role that asked: checked again when written */
	eckid_nv_enqueue(fn, relid, hpgn_attnum, eckid_attnum, hpgn, chain, sector, GetUserId());
	PG_RETURN_VOID();
}

/*
 * The name of column attnum of rel, quoted for SQL.
 */
static const char *
QuotedColumn(Relation rel, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);

	return quote_identifier(NameStr(att->attname));
}

/*
 * The schema of operator opr, quoted for SQL.
 */
static const char *
QuotedOperatorSchema(Oid opr)
{
	HeapTuple	tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(opr));
	Oid			nsp;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for operator %u", opr);
	nsp = ((Form_pg_operator) GETSTRUCT(tuple))->oprnamespace;
	ReleaseSysCache(tuple);
	return quote_identifier(get_namespace_name(nsp));
}

/*
 * eckid_internal.nv_write_target(relid oid, hpgn_attnum smallint,
 * eckid_attnum smallint, requester text, hpgns text[], ids eckid.eckid[])
 * returns integer: write ids[i] into column eckid_attnum of the rows of
 * table relid whose column hpgn_attnum holds hpgns[i], on behalf of role
 * requester ('' for the table's own eckid.assign() trigger, that is its
 * owner); the number of rows changed.
 *
 * Called by eckid.nv_store() (SECURITY DEFINER) for each table and role
 * that asked, in a subtransaction of its own, so that whatever this raises
 * is that target's failure only.  The caller has checked that the table
 * and its columns still have the names and types recorded.  Here:
 *
 * - the role that asked must still exist and may still read the HPgn
 *   column and update the ECK iD column;
 * - the UPDATE runs as the table's owner (or as that role where row-level
 *   security applies to it), security-restricted, with a safe search_path
 *   (owner_context.c): the table's triggers, index expressions, generated
 *   columns, constraints and rules run with their owner's rights only.
 *
 * Not executable by PUBLIC: it writes into tables of others.
 */
Datum
eckid_nv_write_target(PG_FUNCTION_ARGS)
{
	Oid			relid;
	AttrNumber	hpgn_attnum;
	AttrNumber	eckid_attnum;
	char	   *requester_name;
	Oid			requester;
	Relation	rel;
	TupleDesc	desc;
	Oid			eckid_type;
	TypeCacheEntry *typentry;
	Oid			eq_opr;
	char	   *query;
	Oid			argtypes[2];
	Datum		values[2];
	int			ret;
	uint64		changed;
	EckidActingRole saved;

	for (int i = 0; i < 6; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("arguments of eckid_internal.nv_write_target must not be null")));
	relid = PG_GETARG_OID(0);
	hpgn_attnum = PG_GETARG_INT16(1);
	eckid_attnum = PG_GETARG_INT16(2);
	requester_name = text_to_cstring(PG_GETARG_TEXT_PP(3));
	values[0] = PG_GETARG_DATUM(4);
	values[1] = PG_GETARG_DATUM(5);

	rel = try_relation_open(relid, RowExclusiveLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	desc = RelationGetDescr(rel);
	if ((rel->rd_rel->relkind != RELKIND_RELATION && rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE) ||
		rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP ||
		hpgn_attnum < 1 || hpgn_attnum > desc->natts ||
		eckid_attnum < 1 || eckid_attnum > desc->natts ||
		TupleDescAttr(desc, hpgn_attnum - 1)->attisdropped ||
		TupleDescAttr(desc, eckid_attnum - 1)->attisdropped)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" no longer has the columns that asked for ECK iDs",
						RelationGetRelationName(rel))));

	if (requester_name[0] == '\0')
		requester = rel->rd_rel->relowner;
	else
	{
		requester = get_role_oid(requester_name, true);
		if (!OidIsValid(requester))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("role \"%s\" that asked for ECK iDs in table \"%s\" does not exist",
							requester_name, RelationGetRelationName(rel))));
	}
	if (!eckid_column_privilege(relid, hpgn_attnum, requester, ACL_SELECT) ||
		!eckid_column_privilege(relid, eckid_attnum, requester, ACL_UPDATE))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" that asked for ECK iDs in table \"%s\" may no longer read column \"%s\" and update column \"%s\"",
						GetUserNameFromId(requester, false), RelationGetRelationName(rel),
						NameStr(TupleDescAttr(desc, hpgn_attnum - 1)->attname),
						NameStr(TupleDescAttr(desc, eckid_attnum - 1)->attname))));

	/*
	 * The ECK iD column's equality by OID, from its type's default btree
	 * operator class, never by name: under the safe search_path eckid's
	 * schema is not searched, and no other schema may be.
	 */
	eckid_type = TupleDescAttr(desc, eckid_attnum - 1)->atttypid;
	typentry = lookup_type_cache(eckid_type, TYPECACHE_EQ_OPR);
	eq_opr = typentry->eq_opr;
	if (!OidIsValid(eq_opr) || !OidIsValid(get_array_type(eckid_type)))
		elog(ERROR, "type %u has no equality operator", eckid_type);

	query = psprintf("UPDATE %s AS t SET %s = v.e"
					 " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS v(h, e)"
					 " WHERE t.%s::pg_catalog.text OPERATOR(pg_catalog.=) v.h"
					 " AND (t.%s IS NULL OR NOT (t.%s OPERATOR(%s.%s) v.e))",
					 quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												RelationGetRelationName(rel)),
					 QuotedColumn(rel, eckid_attnum),
					 QuotedColumn(rel, hpgn_attnum),
					 QuotedColumn(rel, eckid_attnum),
					 QuotedColumn(rel, eckid_attnum),
					 QuotedOperatorSchema(eq_opr),
					 get_opname(eq_opr));
	argtypes[0] = TEXTARRAYOID;
	argtypes[1] = get_array_type(eckid_type);

	eckid_act_as(eckid_acting_role(relid, requester), &saved);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(query, 2, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "SPI_execute_with_args returned %d", ret);
	changed = SPI_processed;
	SPI_finish();
	eckid_act_as_end(&saved);

	relation_close(rel, NoLock);
	PG_RETURN_INT32((int32) changed);
}
