/*-------------------------------------------------------------------------
 *
 * owner_context.h
 *	  Running a user's table's code as someone else, safely: the way
 *	  PostgreSQL's maintenance commands (VACUUM, ANALYZE, REINDEX, REFRESH
 *	  MATERIALIZED VIEW) do it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_OWNER_CONTEXT_H
#define ECKID_OWNER_CONTEXT_H

/* What eckid_act_as() changed, for eckid_act_as_end(). */
typedef struct EckidActingRole
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} EckidActingRole;

/* The owner of relation relid (an error if there is none). */
extern Oid	eckid_relation_owner(Oid relid);

/*
 * Which role eckid acts as in a table on behalf of requester: the table's
 * owner, unless row-level security applies to requester there (then
 * requester itself, so that its policies choose the rows).
 */
extern Oid	eckid_acting_role(Oid relid, Oid requester);

extern void eckid_act_as(Oid role, EckidActingRole *saved);
extern void eckid_act_as_end(const EckidActingRole *saved);

/*
 * May role use column attnum of relid with mode (by a privilege on the table
 * or on the column: what a query naming the column checks)?
 */
extern bool eckid_column_privilege(Oid relid, AttrNumber attnum, Oid role, AclMode mode);

#endif							/* ECKID_OWNER_CONTEXT_H */
