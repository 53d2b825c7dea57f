/*-------------------------------------------------------------------------
 *
 * nv_queue.c
 *	  The C side of the Nummervoorziening queue: eckid.nv_request() and the
 *	  calls into the queue's internal functions.
 *
 * The queue itself is SQL (sql/nummervoorziening.sql).  Its internal
 * functions are executable by nobody: the trigger and eckid.nv_request()
 * reach them through fmgr, by OID, which checks no EXECUTE privilege and
 * uses no search_path.
 *
 * eckid.nv_request() records a table into whose rows eckid later writes,
 * as the extension's owner.  So it checks, as the calling role (GetUserId(),
 * which a SECURITY DEFINER function cannot see), that this role may read
 * the HPgn column and update the ECK iD column: a role can only have eckid
 * write where it could write itself.
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

#include "kdf.h"
#include "nv_queue.h"
#include "pgn.h"

PG_FUNCTION_INFO_V1(eckid_nv_request);

/* The most arguments of an internal function called here. */
#define NV_CALL_MAX_ARGS	6

/* See nv_queue.h. */
Oid
eckid_nv_internal_function(const char *name, int nargs, const Oid *argtypes)
{
	Oid			nsp = get_namespace_oid("eckid_internal", false);
	Oid			fn;

	fn = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						 PointerGetDatum(buildoidvector(argtypes, nargs)),
						 ObjectIdGetDatum(nsp));
	if (!OidIsValid(fn))
		elog(ERROR, "function eckid_internal.%s does not exist", name);
	return fn;
}

/*
 * Call one of the queue's internal functions, by OID through fmgr, with
 * non-null arguments; it returns void.
 */
static void
CallInternal(Oid fn, int nargs, const Datum *args)
{
	FmgrInfo	flinfo;

	LOCAL_FCINFO(fcinfo, NV_CALL_MAX_ARGS);

	Assert(nargs <= NV_CALL_MAX_ARGS);
	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, nargs, DEFAULT_COLLATION_OID, NULL, NULL);
	for (int i = 0; i < nargs; i++)
	{
		fcinfo->args[i].value = args[i];
		fcinfo->args[i].isnull = false;
	}
	(void) FunctionCallInvoke(fcinfo);
}

/* See nv_queue.h. */
void
eckid_nv_enqueue(Oid fn, Oid relid, AttrNumber hpgn_attnum, AttrNumber eckid_attnum,
				 text *hpgn, text *chain, text *sector)
{
	Datum		args[6];

	args[0] = ObjectIdGetDatum(relid);
	args[1] = Int16GetDatum(hpgn_attnum);
	args[2] = Int16GetDatum(eckid_attnum);
	args[3] = PointerGetDatum(hpgn);
	args[4] = PointerGetDatum(chain);
	args[5] = PointerGetDatum(sector);
	CallInternal(fn, 6, args);
}

/* See nv_queue.h. */
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
	if (pg_class_aclcheck(relid, GetUserId(), mode) == ACLCHECK_OK)
		return ACLCHECK_OK;
	return pg_attribute_aclcheck(relid, attnum, GetUserId(), mode);
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
	char		relkind;
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
	Oid			argtypes[6] = {OIDOID, INT2OID, INT2OID, TEXTOID, TEXTOID, TEXTOID};
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

	relkind = get_rel_relkind(relid);
	relname = get_rel_name(relid);
	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname)));

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
	eckid_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("eckid"),
								 ObjectIdGetDatum(get_namespace_oid("eckid", false)));
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

	fn = eckid_nv_internal_function("nv_enqueue", 6, argtypes);
	eckid_nv_enqueue(fn, relid, hpgn_attnum, eckid_attnum, hpgn, chain, sector);
	PG_RETURN_VOID();
}
