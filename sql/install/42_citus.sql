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
-- the nodes (each node's hashing within its own eckid.hash_memory).  Returns false, having done nothing,
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
				   eckid_internal.backfill_shards_command(
					   pg_catalog.array_agg(pg_catalog.shard_name(tbl, s.shardid, false)::pg_catalog.text ORDER BY s.shardid),
					   batch_size) AS command
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

-- The remote command of eckid_internal.backfill_distributed() for one
-- node: its shards backfilled one after another in one session.  A DO
-- block, because a procedure that commits may be called from one at top
-- level (an implicit transaction of several statements would refuse it).
-- Both the shards' names and the whole body are quoted by format's %L
-- (quote_literal: E'' where a backslash needs it), never by a fixed
-- delimiter that a table's name could end.  Apart from its caller so that
-- it can be tested without Citus (test/citus_local.sql).
CREATE OR REPLACE FUNCTION eckid_internal.backfill_shards_command(shards text[], batch_size integer)
	RETURNS text
	LANGUAGE sql IMMUTABLE STRICT
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.format('DO %L',
			   pg_catalog.format('BEGIN PERFORM pg_catalog.set_config(%L, %L, false); %s END',
								 'client_connection_check_interval', '1000',
								 (SELECT pg_catalog.string_agg(pg_catalog.format('CALL eckid.backfill(%L::pg_catalog.regclass, %s);',
																				 s.shard, batch_size),
															   ' ' ORDER BY s.i)
									FROM pg_catalog.unnest(shards) WITH ORDINALITY AS s(shard, i))))
$$;
COMMENT ON FUNCTION eckid_internal.backfill_shards_command(text[], integer) IS
	'helper of eckid_internal.backfill_distributed(): the command that backfills the given shards on their node';

-- The privileges on eckid's schemas, functions, procedures, tables, views
-- and sequences on this node, as JSON: one object per object of eckid, its
-- kind and name as GRANT takes them, and every privilege granted on it
-- other than the owner's own.  A GRANT or REVOKE on the coordinator does not
-- reach the workers (eckid's objects are not Citus's distributed objects),
-- so eckid.citus_sync_privileges() sends this to every node.
CREATE OR REPLACE FUNCTION eckid_internal.citus_acl_inventory()
	RETURNS jsonb
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('kind', o.kind, 'name', o.name, 'grants', o.grants)
							  ORDER BY o.kind, o.name), '[]'::jsonb)
	  FROM (SELECT x.kind, x.name,
				   coalesce((SELECT jsonb_agg(jsonb_build_object(
											  'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END,
											  'privilege', a.privilege_type, 'grantable', a.is_grantable)
										  ORDER BY a.grantee = 0 DESC, pg_get_userbyid(a.grantee), a.privilege_type)
							   FROM aclexplode(x.acl) AS a
							  WHERE a.grantee <> x.owner), '[]'::jsonb) AS grants
			  FROM (SELECT 'SCHEMA' AS kind, quote_ident(n.nspname) AS name, n.nspowner AS owner,
						   coalesce(n.nspacl, acldefault('n', n.nspowner)) AS acl
					  FROM pg_namespace n
					 WHERE n.nspname IN ('eckid', 'eckid_internal')
					UNION ALL
					SELECT CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
						   p.oid::regprocedure::text, p.proowner,
						   coalesce(p.proacl, acldefault('f', p.proowner))
					  FROM pg_proc p
					 WHERE p.pronamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
					   AND p.prokind IN ('f', 'p')
					UNION ALL
					SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
						   c.oid::regclass::text, c.relowner,
						   coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))
					  FROM pg_class c
					 WHERE c.relnamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
					   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')) x) o
$$;
COMMENT ON FUNCTION eckid_internal.citus_acl_inventory() IS
	'the privileges granted on eckid''s schemas, functions, procedures and relations on this node, as JSON (for eckid.citus_sync_privileges())';

-- On a node: the GRANT and REVOKE statements that make the privileges on
-- eckid's objects here those of the inventory given (the coordinator's), run
-- when apply; returns them, one per line, or '' when the node agrees.  Each
-- name is quoted by format's %I or is the system's own text of a regprocedure
-- or regclass: never quoted by hand.  An object of the inventory missing here
-- (another version of eckid) is reported, not created.
CREATE OR REPLACE FUNCTION eckid_internal.citus_acl_sync(coordinator jsonb, apply boolean)
	RETURNS text
	LANGUAGE plpgsql VOLATILE STRICT
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict error
DECLARE
	here jsonb := eckid_internal.citus_acl_inventory();
	o record;
	g record;
	target text;
	stmts text[] := '{}';
	missing text[] := '{}';
BEGIN
	FOR o IN SELECT c.kind, c.name, c.grants AS wanted, h.grants AS have
			   FROM jsonb_to_recordset(coordinator) AS c(kind text, name text, grants jsonb)
			   LEFT JOIN jsonb_to_recordset(here) AS h(kind text, name text, grants jsonb)
					  ON h.kind = c.kind AND h.name = c.name
			  ORDER BY c.kind, c.name
	LOOP
		IF o.have IS NULL THEN
			missing := missing || format('%s %s', o.kind, o.name);
			CONTINUE;
		END IF;
		-- the object as GRANT names it: a schema by %I of its name; a
		-- function or relation by its regprocedure or regclass, looked up
		-- here and written out by the system
		target := CASE o.kind
					  WHEN 'SCHEMA' THEN format('SCHEMA %I', (SELECT n.nspname FROM pg_namespace n WHERE quote_ident(n.nspname) = o.name))
					  WHEN 'FUNCTION' THEN format('FUNCTION %s', to_regprocedure(o.name))
					  WHEN 'PROCEDURE' THEN format('PROCEDURE %s', to_regprocedure(o.name))
					  WHEN 'SEQUENCE' THEN format('SEQUENCE %s', to_regclass(o.name))
					  ELSE format('TABLE %s', to_regclass(o.name)) END;
		-- here but not there (or with another grant option): revoked
		FOR g IN SELECT h.grantee, h.privilege
				   FROM jsonb_to_recordset(o.have) AS h(grantee text, privilege text, grantable boolean)
				  WHERE NOT EXISTS (SELECT FROM jsonb_to_recordset(o.wanted) AS w(grantee text, privilege text, grantable boolean)
									 WHERE w.grantee = h.grantee AND w.privilege = h.privilege AND w.grantable = h.grantable)
				  ORDER BY h.grantee, h.privilege
		LOOP
			stmts := stmts || format('REVOKE %s ON %s FROM %s CASCADE;', g.privilege, target,
									 CASE WHEN g.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(g.grantee) END);
		END LOOP;
		-- there but not here: granted
		FOR g IN SELECT w.grantee, w.privilege, w.grantable
				   FROM jsonb_to_recordset(o.wanted) AS w(grantee text, privilege text, grantable boolean)
				  WHERE NOT EXISTS (SELECT FROM jsonb_to_recordset(o.have) AS h(grantee text, privilege text, grantable boolean)
									 WHERE h.grantee = w.grantee AND h.privilege = w.privilege AND h.grantable = w.grantable)
				  ORDER BY w.grantee, w.privilege
		LOOP
			stmts := stmts || format('GRANT %s ON %s TO %s%s;', g.privilege, target,
									 CASE WHEN g.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(g.grantee) END,
									 CASE WHEN g.grantable THEN ' WITH GRANT OPTION' ELSE '' END);
		END LOOP;
	END LOOP;
	IF cardinality(missing) > 0 THEN
		RAISE EXCEPTION 'eckid''s objects differ between the coordinator and this node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Missing here: %s.', array_to_string(missing, ', ')),
				  HINT = 'Update eckid on every node to the same version (ALTER EXTENSION eckid UPDATE on the coordinator).';
	END IF;
	IF apply AND cardinality(stmts) > 0 THEN
		-- these objects are not Citus's: the statements are for this node
		-- only, wherever they are run
		IF current_setting('citus.enable_ddl_propagation', true) IS NOT NULL THEN
			PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
		END IF;
		FOR i IN 1 .. cardinality(stmts) LOOP
			EXECUTE stmts[i];
		END LOOP;
	END IF;
	RETURN array_to_string(stmts, E'\n');
END
$$;
COMMENT ON FUNCTION eckid_internal.citus_acl_sync(jsonb, boolean) IS
	'helper of eckid.citus_sync_privileges() on each node: the GRANTs and REVOKEs that make the privileges on eckid''s objects those given, applied if asked';

-- eckid.citus_sync_privileges() (docs/scaling.md): the privileges on
-- eckid's schemas, functions and tables, as they are on the coordinator,
-- applied on every other node of the Citus cluster; one row per node with
-- the statements run there.  A superuser's, run on the coordinator after
-- every GRANT or REVOKE on eckid's objects.  The command is a call with the
-- coordinator's inventory as one %L literal.
CREATE OR REPLACE FUNCTION eckid.citus_sync_privileges(OUT node text, OUT statements text)
	RETURNS SETOF record
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict error
DECLARE
	r record;
BEGIN
	IF current_setting('is_superuser') <> 'on' THEN
		RAISE EXCEPTION 'must be superuser to run eckid.citus_sync_privileges()'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF to_regclass('pg_catalog.pg_dist_node') IS NULL THEN
		RAISE EXCEPTION 'Citus is not installed in this database'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	-- (EXECUTE: the statement names a function of Citus, planned only here)
	FOR r IN EXECUTE 'SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers($1)'
			 USING format('SELECT eckid_internal.citus_acl_sync(%L::jsonb, true)', eckid_internal.citus_acl_inventory()::text)
	LOOP
		IF NOT r.success THEN
			RAISE EXCEPTION 'eckid.citus_sync_privileges() failed on node %:%', r.nodename, r.nodeport
				USING ERRCODE = 'external_routine_exception', DETAIL = r.result,
					  HINT = 'The nodes before it have the coordinator''s privileges; call it again when the node is fixed.';
		END IF;
		node := format('%s:%s', r.nodename, r.nodeport);
		statements := r.result;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.citus_sync_privileges() IS
	'Citus: apply the coordinator''s privileges on eckid''s schemas, functions and tables on every worker; superusers only';

REVOKE ALL ON FUNCTION eckid_internal.backfill_shards_command(text[], integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.citus_acl_inventory() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.citus_acl_sync(jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.citus_sync_privileges() FROM PUBLIC;
