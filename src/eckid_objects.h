/*-------------------------------------------------------------------------
 *
 * eckid_objects.h
 *	  Every crossing from eckid's C into its SQL: finding eckid's own
 *	  functions, types and relations, and calling a function by OID.
 *
 * The rule, and why it lives in one place:
 *
 * - eckid's own objects are found in the catalog, by schema (eckid or
 *	 eckid_internal), name and argument types: never through the
 *	 search_path, which the calling role controls and could fill with a
 *	 function, type or table of the same name; and without a USAGE check on
 *	 the schema, which a lookup by name as SQL does (LookupFuncName(),
 *	 typenameTypeId()) would make.  PUBLIC has no USAGE on eckid_internal,
 *	 and the roles that write a table with the eckid.assign() trigger, call
 *	 eckid.create_masked_view() or run ALTER TABLE need none.
 * - A function found so is called through fmgr, by OID, with eckid_call().
 *	 fmgr checks no EXECUTE privilege: that is what lets the internal
 *	 functions stay revoked from everybody and still be reached from C,
 *	 and only from C, with arguments C has checked (the calling role, a
 *	 relation it owns, a queue entry).  It is also why every such call must
 *	 go through here: a call helper written elsewhere is a second door
 *	 without an ACL check.
 *
 * Callers keep an OID no longer than a plan or a query (or check that it
 * still exists, as eckid_type_oid() does), so that a re-created extension
 * is never called by a stale OID.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_OBJECTS_H
#define ECKID_OBJECTS_H

#include "fmgr.h"

/* The schemas eckid's objects live in. */
typedef enum EckidSchema
{
	ECKID_SCHEMA_PUBLIC,		/* eckid: what users call */
	ECKID_SCHEMA_INTERNAL		/* eckid_internal: no USAGE for PUBLIC */
} EckidSchema;

/* The most arguments eckid_call() passes. */
#define ECKID_CALL_MAX_ARGS	7

/* The OID of schema eckid or eckid_internal; an error if it does not exist. */
extern Oid	eckid_schema_oid(EckidSchema schema);

/*
 * The OID of function <schema>.<name>(<argtypes>).  When it does not exist:
 * in eckid, the error LookupFuncName() raises (42883, "function
 * eckid.name(types) does not exist"); in eckid_internal, which no user
 * calls, "function eckid_internal.<name> does not exist" (XX000).
 */
extern Oid	eckid_function_oid(EckidSchema schema, const char *name, int nargs,
							   const Oid *argtypes);

/*
 * The OID of type eckid.eckid, looked up once per backend and again when
 * that OID no longer names a type (an extension dropped and made anew).
 */
extern Oid	eckid_type_oid(void);

/* The OID of relation <schema>.<name>, or InvalidOid if there is none. */
extern Oid	eckid_relation_oid(EckidSchema schema, const char *name);

/*
 * Call function fn by OID through fmgr (no EXECUTE check, no search_path)
 * with nargs arguments (NULLs allowed) and collation, and return its
 * result, *isnull set to whether it is NULL (isnull may be NULL when the
 * caller does not care, as for a function returning void).
 */
extern Datum eckid_call(Oid fn, Oid collation, int nargs, const NullableDatum *args,
						bool *isnull);

#endif							/* ECKID_OBJECTS_H */
