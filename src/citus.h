/*-------------------------------------------------------------------------
 *
 * citus.h
 *	  What eckid needs to know of Citus, found in the catalogs by name so
 *	  that eckid neither links with nor depends on it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ECKID_CITUS_H
#define ECKID_CITUS_H

#include "postgres.h"

/*
 * The distributed table whose shard relid is on this node, or InvalidOid if
 * relid is no shard (or Citus is not installed in this database).
 */
extern Oid	eckid_citus_shard_parent(Oid relid);

/*
 * Refuse a shard of a table when eckid.hpgn_replacement is no reference
 * table.  Returns the distributed table whose shard relid is, or InvalidOid
 * (eckid_citus_shard_parent()): the trigger's plan keeps it.
 */
extern Oid	eckid_citus_check_replacements(Oid relid);

/*
 * Refuse to record a PGN change from a trigger on a shard of distributed
 * table parent (what eckid_citus_check_replacements() returned); nothing if
 * parent is InvalidOid.
 */
extern void eckid_citus_refuse_record_on_shard(Oid parent, const char *pgn_column);

#endif							/* ECKID_CITUS_H */
