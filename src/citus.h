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

/* Refuse a shard of a table when eckid.hpgn_replacement is no reference table. */
extern void eckid_citus_check_replacements(Oid relid);

/* Refuse to record a PGN change from a trigger on a shard. */
extern void eckid_citus_refuse_record_on_shard(Oid relid, const char *pgn_column);

#endif							/* ECKID_CITUS_H */
