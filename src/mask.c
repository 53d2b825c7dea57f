/*-------------------------------------------------------------------------
 *
 * mask.c
 *	  Hiding ECK iDs: eckid.mask(), eckid.pseudonymize() and the C parts of
 *	  masked views.
 *
 * eckid.mask() shows only the segment and the last six hex digits of a
 * value (the formatting is eckid_format_masked() in ecktext.c);
 * eckid.pseudonymize() replaces a value by a keyed pseudonym per recipient
 * (kdf_pseudonymize() in kdf.c, docs/derivation.md).
 *
 * Masked views (docs/hiding.md) are made and kept up to date in PL/pgSQL
 * (sql/eckid--1.0--1.1.sql).  What needs C is here:
 *
 * - eckid.create_masked_view() and eckid.drop_masked_view() check nothing
 *	 themselves: they call the SECURITY DEFINER functions that do the work,
 *	 passing them the role that called (GetUserId()), which a SECURITY
 *	 DEFINER function cannot see.  They call through fmgr, which checks no
 *	 EXECUTE privilege, so those functions can stay revoked from everybody.
 * - eckid.masked_view_authorize() is how the rows function of a masked view
 *	 refuses a role that may not SELECT from the view.  It runs inside that
 *	 SECURITY DEFINER function, so it checks the outer role (the session's
 *	 role after SET ROLE), which SECURITY DEFINER does not change.
 * - eckid.masked_view_renamed_column() reads the old and new name of a
 *	 column rename from the command an event trigger receives.
 * - eckid.masked_view_grant() re-grants a privilege as the role that
 *	 granted it, which a SECURITY DEFINER function cannot do in SQL
 *	 (SET ROLE is refused there, and GRANT ... GRANTED BY must name the
 *	 current user in PostgreSQL 15).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <string.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "tcop/deparse_utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "config.h"
#include "ecktext.h"
#include "eckid_type.h"
#include "kdf.h"

PG_FUNCTION_INFO_V1(eckid_mask);
PG_FUNCTION_INFO_V1(eckid_pseudonymize);
PG_FUNCTION_INFO_V1(eckid_create_masked_view);
PG_FUNCTION_INFO_V1(eckid_drop_masked_view);
PG_FUNCTION_INFO_V1(eckid_masked_view_authorize);
PG_FUNCTION_INFO_V1(eckid_masked_view_renamed_column);
PG_FUNCTION_INFO_V1(eckid_masked_view_grant);

/* The most arguments of a function CallWithCaller() calls, caller included. */
#define CALL_MAX_ARGS	5

/*
 * eckid.mask(eckid) returns text: "https://ketenid.nl/<segment>/…<last 6>".
 * The mark is "…" in UTF-8 and SQL_ASCII databases; other encodings get
 * "...", since not all of them can hold U+2026.
 */
Datum
eckid_mask(PG_FUNCTION_ARGS)
{
	const EckIdValue *value = (const EckIdValue *) PG_GETARG_POINTER(0);
	int			encoding = GetDatabaseEncoding();
	char		buf[ECKID_MASKED_MAXLEN + 1];
	size_t		len;

	eckid_check_stored_value(value);
	len = eckid_format_masked(value,
							  encoding != PG_UTF8 && encoding != PG_SQL_ASCII,
							  buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, (int) len));
}

/*
 * eckid.pseudonymize(eckid, recipient text) returns text: 64 lowercase hex
 * digits, keyed with the local key.  The recipient is checked before the
 * key is read, so a bad call fails the same way with or without a key.
 */
Datum
eckid_pseudonymize(PG_FUNCTION_ARGS)
{
	const EckIdValue *value = (const EckIdValue *) PG_GETARG_POINTER(0);
	text	   *recipient_t = PG_GETARG_TEXT_PP(1);
	size_t		recipient_len = VARSIZE_ANY_EXHDR(recipient_t);
	uint8_t		pseudonym[PSEUDONYM_BYTES];
	char		hex[PSEUDONYM_HEX_LEN + 1];
	const uint8_t *key;

	if (recipient_len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recipient must not be empty")));
	if (recipient_len > RECIPIENT_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("recipient is too long"),
				 errdetail("A recipient may be at most %d bytes.", RECIPIENT_MAX_BYTES)));
	eckid_check_stored_value(value);

	key = eckid_local_key();
	if (kdf_pseudonymize(key, value, VARDATA_ANY(recipient_t), recipient_len,
						 pseudonym) != 0)
		elog(ERROR, "pseudonym derivation failed for valid arguments");

	hex_encode((const char *) pseudonym, PSEUDONYM_BYTES, hex);
	hex[PSEUDONYM_HEX_LEN] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text_with_len(hex, PSEUDONYM_HEX_LEN));
}

/*
 * Call the function eckid.<name>(oid, <argtypes>) with the calling role's
 * OID in front of the current call's arguments (of those types), and return
 * its result.  Going through fmgr checks no EXECUTE
 * privilege: the callee may be revoked from PUBLIC and still be reached
 * here, and only here, with a caller it can trust.
 */
static Datum
CallWithCaller(FunctionCallInfo outer, const char *name, const Oid *outer_argtypes)
{
	int			nargs = outer->nargs + 1;
	Oid			argtypes[CALL_MAX_ARGS];
	Oid			funcid;
	FmgrInfo	flinfo;
	Datum		result;

	LOCAL_FCINFO(call, CALL_MAX_ARGS);

	if (nargs > CALL_MAX_ARGS)
		elog(ERROR, "too many arguments for eckid.%s", name);

	argtypes[0] = OIDOID;
	for (int i = 0; i < outer->nargs; i++)
		argtypes[i + 1] = outer_argtypes[i];
	funcid = LookupFuncName(list_make2(makeString("eckid"), makeString(pstrdup(name))),
							nargs, argtypes, false);

	fmgr_info(funcid, &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, nargs, outer->fncollation, NULL, NULL);
	call->args[0].value = ObjectIdGetDatum(GetUserId());
	call->args[0].isnull = false;
	for (int i = 0; i < outer->nargs; i++)
		call->args[i + 1] = outer->args[i];

	result = FunctionCallInvoke(call);
	outer->isnull = call->isnull;
	return result;
}

/*
 * eckid.create_masked_view(source regclass, view_name text, hide text[],
 * recipient text) returns regclass: see eckid.masked_view_create().
 */
Datum
eckid_create_masked_view(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {REGCLASSOID, TEXTOID, TEXTARRAYOID, TEXTOID};

	Assert(PG_NARGS() == lengthof(argtypes));
	return CallWithCaller(fcinfo, "masked_view_create", argtypes);
}

/* eckid.drop_masked_view(view regclass): see eckid.masked_view_drop(). */
Datum
eckid_drop_masked_view(PG_FUNCTION_ARGS)
{
	static const Oid argtypes[] = {REGCLASSOID};

	Assert(PG_NARGS() == lengthof(argtypes));
	return CallWithCaller(fcinfo, "masked_view_drop", argtypes);
}

/*
 * eckid.masked_view_authorize(view_schema text, view_name text) returns
 * void: raise 42501 unless the outer role may SELECT from the view.
 *
 * Called first thing by the rows function of every masked view, which is
 * SECURITY DEFINER: GetUserId() is the view's owner there, GetOuterUserId()
 * the role whose session runs the query.  A query on the view passes
 * (PostgreSQL has checked the same privilege on the view already); a direct
 * call of the rows function by a role not granted the view does not.  The
 * view is looked up by name without any privilege check of the owner's.
 */
Datum
eckid_masked_view_authorize(PG_FUNCTION_ARGS)
{
	char	   *schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *relname = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			nspid = get_namespace_oid(schema, true);
	Oid			relid = OidIsValid(nspid) ? get_relname_relid(relname, nspid) : InvalidOid;

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("masked view %s does not exist",
						quote_qualified_identifier(schema, relname))));

	if (pg_class_aclcheck(relid, GetOuterUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for view %s", relname),
				 errdetail("The rows of a masked view are only for roles that may SELECT from the view.")));

	PG_RETURN_VOID();
}

/*
 * eckid.masked_view_renamed_column(pg_ddl_command) returns text[]:
 * {old name, new name} when the command renamed a column of a table or
 * view, else NULL.  Only an event trigger has a pg_ddl_command to give.
 */
Datum
eckid_masked_view_renamed_column(PG_FUNCTION_ARGS)
{
	CollectedCommand *cmd = (CollectedCommand *) PG_GETARG_POINTER(0);
	RenameStmt *stmt;
	Datum		names[2];

	if (cmd == NULL || cmd->type != SCT_Simple || cmd->parsetree == NULL ||
		!IsA(cmd->parsetree, RenameStmt))
		PG_RETURN_NULL();
	stmt = (RenameStmt *) cmd->parsetree;
	if (stmt->renameType != OBJECT_COLUMN || stmt->subname == NULL || stmt->newname == NULL)
		PG_RETURN_NULL();

	names[0] = CStringGetTextDatum(stmt->subname);
	names[1] = CStringGetTextDatum(stmt->newname);
	PG_RETURN_ARRAYTYPE_P(construct_array(names, 2, TEXTOID, -1, false, TYPALIGN_INT));
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
 * eckid.masked_view_grant(view regclass, grantor oid, grantee oid,
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
