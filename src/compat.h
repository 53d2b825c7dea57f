/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The one place where eckid follows PostgreSQL's server API from one
 *	  major version to the next.
 *
 * eckid supports PostgreSQL 15 and later.  Each guard below names the
 * release that moved the API, by PG_VERSION_NUM, so that a version eckid is
 * not tested on (16: Debian ships no package of it) still gets the right
 * branch.  Include this file right after postgres.h, in place of the
 * headers it wraps; no other file tests PG_VERSION_NUM.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_COMPAT_H
#define ECKID_COMPAT_H

#include "storage/proc.h"

/*
 * PostgreSQL 16 moved the varlena macros (VARDATA_ANY, VARSIZE_ANY_EXHDR,
 * SET_VARSIZE, ...) out of postgres.h into varatt.h.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * The backend's local transaction id: PostgreSQL 17 moved it from
 * PGPROC.lxid into PGPROC.vxid.lxid.
 */
#if PG_VERSION_NUM >= 170000
#define MyLocalTransactionId()	(MyProc->vxid.lxid)
#else
#define MyLocalTransactionId()	(MyProc->lxid)
#endif

/*
 * PostgreSQL 16 renamed the physical file of a relation, which
 * ReadRecentBuffer() takes, from RelFileNode rd_node to RelFileLocator
 * rd_locator.
 */
#if PG_VERSION_NUM >= 160000
#define eckid_rel_file(rel)	((rel)->rd_locator)
#else
#define eckid_rel_file(rel)	((rel)->rd_node)
#endif

/*
 * PostgreSQL 17 removed old_snapshot_threshold, and with it the check a
 * reader of a heap page made that the page is not too new for its
 * snapshot ("snapshot too old").
 */
#if PG_VERSION_NUM >= 170000
#define eckid_test_for_old_snapshot(snapshot, rel, page)	((void) 0)
#else
#define eckid_test_for_old_snapshot(snapshot, rel, page) \
	TestForOldSnapshot((snapshot), (rel), (page))
#endif

/*
 * PostgreSQL 16 replaced pg_proc_aclcheck() and pg_class_ownercheck() by
 * object_aclcheck() and object_ownercheck() for every kind of object.
 */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_class_d.h"
#include "catalog/pg_proc_d.h"
#define eckid_proc_aclcheck(funcid, roleid, mode) \
	object_aclcheck(ProcedureRelationId, (funcid), (roleid), (mode))
#define eckid_rel_ownercheck(relid, roleid) \
	object_ownercheck(RelationRelationId, (relid), (roleid))
#else
#define eckid_proc_aclcheck(funcid, roleid, mode) \
	pg_proc_aclcheck((funcid), (roleid), (mode))
#define eckid_rel_ownercheck(relid, roleid) \
	pg_class_ownercheck((relid), (roleid))
#endif

/*
 * PostgreSQL 16 replaced pg_namespace_aclcheck() by object_aclcheck() too
 * (the backfill checks the caller's USAGE on a table's schema).
 */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_namespace_d.h"
#define eckid_namespace_aclcheck(nspid, roleid, mode) \
	object_aclcheck(NamespaceRelationId, (nspid), (roleid), (mode))
#else
#define eckid_namespace_aclcheck(nspid, roleid, mode) \
	pg_namespace_aclcheck((nspid), (roleid), (mode))
#endif

/*
 * A search_path that only pg_catalog and the session's temporary schema
 * (searched last) make up, for code that runs a user's table's functions
 * as someone else.  PostgreSQL 17 has RestrictSearchPath() for this (used
 * by VACUUM, ANALYZE, REINDEX, REFRESH MATERIALIZED VIEW); before, the same
 * setting is made by hand.  The caller has opened a GUC nest level.
 */
#if PG_VERSION_NUM >= 170000
#include "utils/guc.h"
#define eckid_restrict_search_path()	RestrictSearchPath()
#else
#include "utils/guc.h"
#define eckid_restrict_search_path() \
	((void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, \
							  PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false))
#endif

/*
 * The query of a view kept its placeholder range table entries *OLD* and
 * *NEW* (1 and 2) until PostgreSQL 16 removed them.
 */
#if PG_VERSION_NUM >= 160000
#define ECKID_VIEW_PLACEHOLDER_RTES	0
#else
#define ECKID_VIEW_PLACEHOLDER_RTES	2
#endif

/*
 * The number of this backend's PGPROC, or of another's (an index into
 * ProcGlobal->allProcs), for per-process slots in shared memory: PostgreSQL
 * 17 replaced PGPROC's pgprocno by MyProcNumber and GetNumberFromPGProc().
 */
#if PG_VERSION_NUM >= 170000
#define eckid_my_proc_number()	((int) MyProcNumber)
#define eckid_proc_number(proc)	((int) GetNumberFromPGProc(proc))
#else
#define eckid_my_proc_number()	(MyProc->pgprocno)
#define eckid_proc_number(proc)	((proc)->pgprocno)
#endif

/*
 * A wait event of eckid's own, shown by that name in pg_stat_activity:
 * PostgreSQL 17 lets an extension name its wait events
 * (WaitEventExtensionNew(), in shared memory: call it from the process that
 * waits); before, every extension's wait shows as "Extension".
 */
#if PG_VERSION_NUM >= 170000
#include "utils/wait_event.h"
#define eckid_wait_event(name)	WaitEventExtensionNew(name)
#else
#include "utils/wait_event.h"
#define eckid_wait_event(name)	((uint32) PG_WAIT_EXTENSION)
#endif

/*
 * PostgreSQL 18 dropped ExecutorRun()'s execute_once argument.  A hook
 * declares its parameters with ECKID_EXECUTOR_RUN_PARAMS and passes them
 * on with ECKID_EXECUTOR_RUN_ARGS.
 */
#if PG_VERSION_NUM >= 180000
#define ECKID_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define ECKID_EXECUTOR_RUN_ARGS	queryDesc, direction, count
#else
#define ECKID_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define ECKID_EXECUTOR_RUN_ARGS	queryDesc, direction, count, execute_once
#endif

#endif							/* ECKID_COMPAT_H */
