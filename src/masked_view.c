/*-------------------------------------------------------------------------
 *
 * masked_view.c
 *	  The C parts of making and keeping masked views (docs/hiding.md).
 *
 * Masked views are made and kept up to date in PL/pgSQL
 * (sql/install/50_hiding.sql, 51_masked_view_create.sql,
 * 52_masked_view_upkeep.sql).  What needs C is here:
 *
 * - eckid.create_masked_view() and eckid.drop_masked_view() check nothing
 *	 themselves: they call the SECURITY DEFINER functions that do the work,
 *	 passing them the role that called (GetUserId()), which a SECURITY
 *	 DEFINER function cannot see.  They call through fmgr
 *	 (eckid_objects.h), which checks no EXECUTE privilege, so those
 *	 functions can stay revoked from everybody.
 * - eckid_internal.masked_view_before_ddl() is the event trigger that sees
 *	 which table an ALTER TABLE drops or retypes columns of, before it does.
 * - eckid_internal.masked_view_grant() re-grants a privilege as the role
 *	 that granted it, which a SECURITY DEFINER function cannot do in SQL
 *	 (SET ROLE is refused there, and GRANT ... GRANTED BY must name the
 *	 current user in PostgreSQL 15).
 *
 * What a view with a recipient shows is masked_view_pseudonym.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "eckid_objects.h"
#include "mask_filter.h"
#include "owner_context.h"

PG_FUNCTION_INFO_V1(eckid_create_masked_view);
PG_FUNCTION_INFO_V1(eckid_drop_masked_view);
PG_FUNCTION_INFO_V1(eckid_masked_view_before_ddl);
PG_FUNCTION_INFO_V1(eckid_masked_view_grant);

/* The most arguments of a function CallWithCaller() calls, caller included. */
#define CALL_MAX_ARGS	6

/*
 * Call the function eckid_internal.<name>(oid, <argtypes>) with the calling
 * role's OID in front of the current call's arguments (of those types), and
 * return its result.  By OID through fmgr (eckid_objects.h), which checks no
 * EXECUTE privilege: the callee may be revoked from PUBLIC and still be
 * reached here, and only here, with a caller it can trust.
 */
static Datum
CallWithCaller(FunctionCallInfo outer, const char *name, const Oid *outer_argtypes)
{
	int			nargs = outer->nargs + 1;
	Oid			argtypes[CALL_MAX_ARGS];
	NullableDatum args[CALL_MAX_ARGS];
	Oid			funcid;

	if (nargs > CALL_MAX_ARGS)
		elog(ERROR, "too many arguments for eckid_internal.%s", name);

	argtypes[0] = OIDOID;
	args[0].value = ObjectIdGetDatum(GetUserId());
	args[0].isnull = false;
	for (int i = 0; i < outer->nargs; i++)
	{
		argtypes[i + 1] = outer_argtypes[i];
		args[i + 1] = outer->args[i];
	}
	funcid = eckid_function_oid(ECKID_SCHEMA_INTERNAL, name, nargs, argtypes);

	return eckid_call(funcid, outer->fncollation, nargs, args, &outer->isnull);
}

/*
 * eckid.create_masked_view(source regclass, view_name text, hide text[],
 * recipient text, row_filter text) returns regclass: see
 * eckid_internal.masked_view_create().  The row filter is checked and made
 * the text eckid keeps here, as the calling role and with its search_path
 * (mask_filter.c), before anything else looks at it.
 */
Datum
eckid_create_masked_view(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {REGCLASSOID, TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID};

	Assert(PG_NARGS() == lengthof(argtypes));
	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(4))
	{
		Oid			source = PG_GETARG_OID(0);

		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(source)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation with OID %u does not exist", source)));
		/* before the filter's errors could name the columns of another's table */
		if (!has_privs_of_role(GetUserId(), eckid_relation_owner(source)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("must be owner of table %s", get_rel_name(source))));
		fcinfo->args[4].value =
			CStringGetTextDatum(eckid_row_filter_canonical(source, text_to_cstring(PG_GETARG_TEXT_PP(4))));
	}
	return CallWithCaller(fcinfo, "masked_view_create", argtypes);
}

/* eckid.drop_masked_view(view regclass): see eckid_internal.masked_view_drop(). */
Datum
eckid_drop_masked_view(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {REGCLASSOID};

	Assert(PG_NARGS() == lengthof(argtypes));
	return CallWithCaller(fcinfo, "masked_view_drop", argtypes);
}

/*
 * eckid_internal.masked_view_before_ddl(), an event trigger on ddl_command_start of
 * ALTER TABLE: if the command drops or retypes a column of a table the
 * calling role owns, let eckid_internal.masked_view_release() take the table's
 * masked views off its columns first (a view that uses a column stops
 * PostgreSQL from dropping or retyping it).  Only C sees the command.
 */
Datum
eckid_masked_view_before_ddl(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	AlterTableStmt *stmt;
	bool		needed = false;
	ListCell   *lc;
	Oid			relid;
	Oid			argtypes[1] = {OIDOID};
	Oid			release;
	NullableDatum arg;
	bool		isnull;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by event trigger manager",
						"masked_view_before_ddl")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (trigdata->parsetree == NULL || !IsA(trigdata->parsetree, AlterTableStmt))
		PG_RETURN_VOID();
	stmt = (AlterTableStmt *) trigdata->parsetree;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_DropColumn || cmd->subtype == AT_AlterColumnType)
			needed = true;
	}
	if (!needed || stmt->relation == NULL)
		PG_RETURN_VOID();
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || !eckid_rel_ownercheck(relid, GetUserId()))
		PG_RETURN_VOID();		/* the command itself will say why not */

	release = eckid_function_oid(ECKID_SCHEMA_INTERNAL, "masked_view_release", 1, argtypes);
	arg.value = ObjectIdGetDatum(relid);
	arg.isnull = false;
	(void) eckid_call(release, InvalidOid, 1, &arg, &isnull);
	/* as OidFunctionCall1() would */
	if (isnull)
		elog(ERROR, "function %u returned NULL", release);
	PG_RETURN_VOID();
}

/* The privileges aclexplode() names for a relation, as GRANT spells them. */
static bool
IsRelationPrivilege(const char *privilege)
{
	static const char *const known[] = {
		"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"
	};

	for (size_t i = 0; i < lengthof(known); i++)
	{
		if (strcmp(privilege, known[i]) == 0)
			return true;
	}
	return false;
}

/*
 * eckid_internal.masked_view_grant(view regclass, grantor oid, grantee oid,
 * privilege text, grantable boolean) returns void: GRANT privilege ON view
 * TO grantee (PUBLIC for OID 0) as the role grantor, so that the grant is
 * recorded with its original grantor.  Used when a masked view is made
 * anew, to give back the grants of the old one (aclexplode of its relacl).
 * Not executable by PUBLIC: it acts as any role.
 */
Datum
eckid_masked_view_grant(PG_FUNCTION_ARGS)
{
	Oid			view = PG_GETARG_OID(0);
	Oid			grantor = PG_GETARG_OID(1);
	Oid			grantee = PG_GETARG_OID(2);
	char	   *privilege = text_to_cstring(PG_GETARG_TEXT_PP(3));
	bool		grantable = PG_GETARG_BOOL(4);
	char	   *viewname;
	StringInfoData sql;
	Oid			save_userid;
	int			save_sec_context;

	if (!IsRelationPrivilege(privilege))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized privilege type \"%s\"", privilege)));
	if (get_rel_relkind(view) != RELKIND_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("relation with OID %u is not a view", view)));

	viewname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(view)),
										  get_rel_name(view));
	initStringInfo(&sql);
	appendStringInfo(&sql, "GRANT %s ON TABLE %s TO %s%s", privilege, viewname,
					 OidIsValid(grantee) ? quote_identifier(GetUserNameFromId(grantee, false)) : "PUBLIC",
					 grantable ? " WITH GRANT OPTION" : "");

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(grantor, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "SPI_execute failed: %s", sql.data);
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();

	PG_RETURN_VOID();
}
