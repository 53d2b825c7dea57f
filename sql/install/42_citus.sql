-- sql/install/42_citus.sql: eckid on a Citus cluster (docs/scaling.md): the
-- backfill of a distributed table on its nodes (one part of the install
-- script; see 00_schemas.sql).  An upgrade script includes this file
-- whenever these change, so it runs again on an existing database: CREATE
-- OR REPLACE, COMMENT, REVOKE.

-- How Citus distributes a table (docs/scaling.md): pg_dist_partition's
-- partmethod ('h' hash, 'r' range, 'a' append, 'n' none: a reference or a
-- Citus local table), or NULL when Citus is not installed in this database
-- or does not know the table.  Citus is looked up by name in pg_catalog and
-- the table by oid: eckid does not depend on Citus.
CREATE OR REPLACE FUNCTION eckid_internal.citus_partmethod(tbl regclass) RETURNS "char"
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	method "char";
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT p.partmethod INTO method FROM pg_catalog.pg_dist_partition p
	 WHERE p.logicalrelid OPERATOR(pg_catalog.=) tbl::pg_catalog.oid;
	RETURN method;
END
$$;
COMMENT ON FUNCTION eckid_internal.citus_partmethod(regclass) IS
	'how Citus distributes a table (pg_dist_partition.partmethod), or NULL without Citus or for a table Citus does not know';

-- eckid.backfill() of a Citus distributed table (docs/scaling.md): each
-- node that holds shards of the table runs eckid.backfill() on them, one
-- shard after another, all nodes at once, so that the hashing spreads over
-- the workers while each keeps one backend (one scrypt's memory at a time,
-- or eckid.scrypt_threads of them).  Returns false, having done nothing,
-- when Citus is absent or the table is not distributed.
-- The workers' commands run under the caller's name (Citus connects as the
-- current user), so the caller's own rights on the shards apply there.
-- Citus passes what they report on at DEBUG1 with the node's address:
-- shown to the caller unless the caller asked for fewer messages than
-- NOTICEs.  A cancelled backfill closes the nodes' connections; the
-- workers then stop within client_connection_check_interval.
CREATE OR REPLACE FUNCTION eckid_internal.backfill_distributed(tbl regclass, batch_size integer)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	nodes text[];
	ports integer[];
	commands text[];
	r record;
	failed text;
BEGIN
	-- (the lookup of citus_partmethod(), here again because that one is for
	-- eckid's own SECURITY DEFINER code and this runs as the caller; in two
	-- statements, so that the second is planned only where Citus is)
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN false;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
					WHERE p.logicalrelid OPERATOR(pg_catalog.=) tbl::pg_catalog.oid
					  AND p.partmethod OPERATOR(pg_catalog.<>) 'n'::"char") THEN
		RETURN false;
	END IF;

	SELECT pg_catalog.array_agg(w.nodename ORDER BY w.nodename, w.nodeport),
		   pg_catalog.array_agg(w.nodeport ORDER BY w.nodename, w.nodeport),
		   pg_catalog.array_agg(w.command ORDER BY w.nodename, w.nodeport)
	  INTO nodes, ports, commands
	  FROM (SELECT n.nodename, n.nodeport,
				   pg_catalog.format('DO $eckid$ BEGIN PERFORM pg_catalog.set_config(''client_connection_check_interval'', ''1000'', false); %s END $eckid$',
									 pg_catalog.string_agg(pg_catalog.format('CALL eckid.backfill(%L::pg_catalog.regclass, %s);',
																			 pg_catalog.shard_name(tbl, s.shardid, false), batch_size),
														   ' ' ORDER BY s.shardid)) AS command
			  FROM pg_catalog.pg_dist_shard s
			  JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid
			  JOIN pg_catalog.pg_dist_node n ON n.groupid OPERATOR(pg_catalog.=) p.groupid
			 WHERE s.logicalrelid OPERATOR(pg_catalog.=) tbl::pg_catalog.oid
			   AND n.isactive
			 GROUP BY n.nodename, n.nodeport) w;

	IF pg_catalog.current_setting('client_min_messages') IN ('debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice') THEN
		PERFORM pg_catalog.set_config('client_min_messages', 'debug1', true);
	END IF;
	FOR r IN SELECT * FROM pg_catalog.master_run_on_worker(nodes, ports, commands, true) LOOP
		IF NOT r.success THEN
			failed := pg_catalog.format('%s:%s: %s', r.node_name, r.node_port, r.result);
		END IF;
	END LOOP;
	IF failed IS NOT NULL THEN
		RAISE EXCEPTION 'eckid.backfill of distributed table % failed on a node', tbl
			USING ERRCODE = 'external_routine_exception', DETAIL = failed,
				  HINT = 'The shards that other nodes filled keep their rows; call eckid.backfill() again to continue.';
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION eckid_internal.backfill_distributed(regclass, integer) IS
	'helper of eckid.backfill(): a Citus distributed table''s shards backfilled on their nodes, all nodes at once; false when the table is not distributed';

REVOKE ALL ON FUNCTION eckid_internal.backfill_distributed(regclass, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.citus_partmethod(regclass) FROM PUBLIC;
