/*-------------------------------------------------------------------------
 *
 * eckid_objects.c
 *	  Finding eckid's own objects in the catalog and calling its functions
 *	  by OID: the one place where eckid's C crosses into its SQL.
 *
 * Why it is done this way, and why nowhere else: see eckid_objects.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "eckid_objects.h"

static const char *
SchemaName(EckidSchema schema)
{
	return schema == ECKID_SCHEMA_INTERNAL ? "eckid_internal" : "eckid";
}

/* See eckid_objects.h. */
Oid
eckid_schema_oid(EckidSchema schema)
{
	/* a catalog lookup: checks no USAGE */
	return get_namespace_oid(SchemaName(schema), false);
}

/* See eckid_objects.h. */
Oid
eckid_function_oid(EckidSchema schema, const char *name, int nargs, const Oid *argtypes)
{
	Oid			fn;

	fn = GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						 PointerGetDatum(buildoidvector(argtypes, nargs)),
						 ObjectIdGetDatum(eckid_schema_oid(schema)));
	if (OidIsValid(fn))
		return fn;
	if (schema == ECKID_SCHEMA_INTERNAL)
		elog(ERROR, "function eckid_internal.%s does not exist", name);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_FUNCTION),
			 errmsg("function %s does not exist",
					func_signature_string(list_make2(makeString("eckid"), makeString(unconstify(char *, name))),
										  nargs, NIL, argtypes))));
	return InvalidOid;			/* keep the compiler quiet */
}

/* See eckid_objects.h. */
static Oid	cached_type_oid = InvalidOid;

Oid
eckid_type_oid(void)
{
	if (!OidIsValid(cached_type_oid) ||
		!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(cached_type_oid)))
	{
		Oid			type;

		type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("eckid"),
							   ObjectIdGetDatum(eckid_schema_oid(ECKID_SCHEMA_PUBLIC)));
		if (!OidIsValid(type))
			elog(ERROR, "type eckid.eckid does not exist");
		cached_type_oid = type;
	}
	return cached_type_oid;
}

/* See eckid_objects.h. */
Oid
eckid_relation_oid(EckidSchema schema, const char *name)
{
	return get_relname_relid(name, eckid_schema_oid(schema));
}

/* See eckid_objects.h. */
Datum
eckid_call(Oid fn, Oid collation, int nargs, const NullableDatum *args, bool *isnull)
{
	FmgrInfo	flinfo;
	Datum		result;

	LOCAL_FCINFO(fcinfo, ECKID_CALL_MAX_ARGS);

	if (nargs < 0 || nargs > ECKID_CALL_MAX_ARGS)
		elog(ERROR, "too many arguments for function %u", fn);
	fmgr_info(fn, &flinfo);
	InitFunctionCallInfoData(*fcinfo, &flinfo, nargs, collation, NULL, NULL);
	for (int i = 0; i < nargs; i++)
		fcinfo->args[i] = args[i];
	result = FunctionCallInvoke(fcinfo);
	if (isnull != NULL)
		*isnull = fcinfo->isnull;
	return result;
}
