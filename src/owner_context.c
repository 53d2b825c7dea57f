/*-------------------------------------------------------------------------
 *
 * owner_context.c
 *	  Acting in a user's table as its owner, under a security-restricted
 *	  operation with a safe search_path.
 *
 * eckid writes into tables it does not own: the Nummervoorziening store
 * writes answers into the tables that asked, the backfill fills rows.  Such
 * a write runs whatever the table's owner attached to the table: triggers,
 * index expressions, generated columns, CHECK constraints, rules, policies.
 * Run as the extension's owner (a superuser) or as a superuser who called
 * the backfill, that code would have a superuser's rights: any role that
 * owns a table could make itself superuser.  So eckid does what VACUUM,
 * ANALYZE, REINDEX and REFRESH MATERIALIZED VIEW do since PostgreSQL 15:
 * it switches to the table's owner (who can only do to himself what his
 * code does), marks the operation security-restricted (no SET ROLE, no
 * temporary objects, no cursors that outlive it), and runs with a
 * search_path of pg_catalog and pg_temp only, so that no object planted in
 * a schema of someone else's choosing is found.
 *
 * The one exception: where row-level security applies to the role that
 * asked, eckid acts as that role, so that its own policies decide, row by
 * row, which rows are written; that role could write them itself, and
 * writing as the owner would pass over its policies.  The same restrictions
 * apply.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "owner_context.h"

/* See owner_context.h. */
Oid
eckid_relation_owner(Oid relid)
{
	HeapTuple	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
	ReleaseSysCache(tp);
	return owner;
}

/* See owner_context.h. */
Oid
eckid_acting_role(Oid relid, Oid requester)
{
	HeapTuple	tuple;
	Oid			owner;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);

	if (OidIsValid(requester) && check_enable_rls(relid, requester, true) == RLS_ENABLED)
		return requester;
	return owner;
}

/* See owner_context.h. */
void
eckid_act_as(Oid role, EckidActingRole *saved)
{
	GetUserIdAndSecContext(&saved->save_userid, &saved->save_sec_context);
	SetUserIdAndSecContext(role, saved->save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	saved->save_nestlevel = NewGUCNestLevel();
	eckid_restrict_search_path();
}

/*
 * See owner_context.h.  On an error the (sub)transaction's abort restores
 * the user and the settings, as for the maintenance commands.
 */
void
eckid_act_as_end(const EckidActingRole *saved)
{
	AtEOXact_GUC(false, saved->save_nestlevel);
	SetUserIdAndSecContext(saved->save_userid, saved->save_sec_context);
}

/* See owner_context.h. */
bool
eckid_column_privilege(Oid relid, AttrNumber attnum, Oid role, AclMode mode)
{
	if (pg_class_aclcheck(relid, role, mode) == ACLCHECK_OK)
		return true;
	return pg_attribute_aclcheck(relid, attnum, role, mode) == ACLCHECK_OK;
}
