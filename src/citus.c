/*-------------------------------------------------------------------------
 *
 * citus.c
 *	  The eckid.assign() trigger on the shards of a Citus distributed table
 *	  (docs/scaling.md).
 *
 * With citus.enable_unsafe_triggers, Citus puts a distributed table's
 * triggers on its shards, so eckid.assign() runs on the worker that holds
 * the row.  Everything it computes depends on the row, the settings and
 * the key, which are the same on every node, except the records of PGN
 * changes in eckid.hpgn_replacement: those are the same on every node only
 * when that table is a Citus reference table, and even then a worker
 * cannot write them from a trigger (Citus refuses a distributed write from
 * a query on a shard, rightly: the write would not be part of the
 * coordinator's transaction as the row is).  So on a shard the trigger
 * requires the reference table, reads the records there, and refuses to
 * record a change itself: it is recorded on the coordinator first.
 *
 * Citus is found by its catalogs' names in pg_catalog, looked up each
 * time: eckid is built and runs without it.  Only a plan being built (once
 * per backend and table) and a PGN change pay for the lookups.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "citus.h"
#include "eckid_objects.h"

/*
 * Run a query of one argument that returns at most one row of an oid and,
 * if wanted, a text; InvalidOid if it returns no row.
 */
static Oid
LookupOid(const char *query, Oid argtype, Datum arg, char **text_out)
{
	Oid			result = InvalidOid;
	MemoryContext caller = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query, 1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed");
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			result = DatumGetObjectId(d);
		if (text_out)
		{
			char	   *t = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

			*text_out = t ? MemoryContextStrdup(caller, t) : NULL;
		}
	}
	SPI_finish();
	return result;
}

/* See citus.h. */
Oid
eckid_citus_shard_parent(Oid relid)
{
	const char *name;
	const char *suffix;
	char	   *end;
	int64		shardid;
	Oid			parent;
	char	   *shard_name = NULL;

	if (!OidIsValid(get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE)))
		return InvalidOid;

	/*
	 * Citus names a shard after its table and its shard id, in the table's
	 * schema (shortening a long name, but always ending in _<shard id>):
	 * the shard id found at the end is confirmed by the name Citus gives
	 * that shard, so that a table merely named like one is not taken for it.
	 */
	name = get_rel_name(relid);
	suffix = name ? strrchr(name, '_') : NULL;
	if (suffix == NULL || suffix[1] < '0' || suffix[1] > '9')
		return InvalidOid;
	errno = 0;
	shardid = strtoi64(suffix + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return InvalidOid;

	parent = LookupOid("SELECT s.logicalrelid::pg_catalog.oid, pg_catalog.shard_name(s.logicalrelid, s.shardid, false) FROM pg_catalog.pg_dist_shard s WHERE s.shardid OPERATOR(pg_catalog.=) $1",
					   INT8OID, Int64GetDatum(shardid), &shard_name);
	if (!OidIsValid(parent) || parent == relid || shard_name == NULL ||
		strcmp(shard_name, quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name)) != 0)
		return InvalidOid;
	return parent;
}

/* See citus.h. */
Oid
eckid_citus_check_replacements(Oid relid)
{
	Oid			parent = eckid_citus_shard_parent(relid);
	Oid			replacements;

	if (!OidIsValid(parent))
		return InvalidOid;
	replacements = eckid_relation_oid(ECKID_SCHEMA_PUBLIC, "hpgn_replacement");
	if (!OidIsValid(LookupOid("SELECT p.logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1 AND p.partmethod OPERATOR(pg_catalog.=) 'n' AND p.repmodel OPERATOR(pg_catalog.=) 't'",
							  OIDOID, ObjectIdGetDatum(replacements), NULL)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("eckid.hpgn_replacement is not a Citus reference table"),
				 errdetail("The eckid.assign() trigger of distributed table \"%s\" runs on the nodes of its shards, where only a reference table holds every recorded change of a PGN.",
						   get_rel_name(parent)),
				 errhint("Run SELECT create_reference_table('eckid.hpgn_replacement') on the coordinator.")));
	return parent;
}

/* See citus.h. */
void
eckid_citus_refuse_record_on_shard(Oid parent, const char *pgn_column)
{
	if (OidIsValid(parent))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot record the change of the PGN in column \"%s\" of distributed table \"%s\" on a worker",
						pgn_column, get_rel_name(parent)),
				 errdetail("Changes of a PGN are recorded on the coordinator, which copies them to every node."),
				 errhint("Record the change on the coordinator with eckid.replace_hpgn(eckid.hpgn(old PGN), eckid.hpgn(new PGN)) and repeat the UPDATE.")));
}
