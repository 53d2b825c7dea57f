-- eckid--1.1--1.2.sql: from the release 1.1.0 to 1.2.  Every change made to
-- sql/install/ since 1.1.0 is made here too (by hand, or by including a
-- re-runnable file with "-- @include": see the Makefile), so that an updated
-- database has exactly what a fresh CREATE EXTENSION gives
-- (test/shell/upgrade.sh compares the two).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION eckid UPDATE TO '1.2'" to load this file. \quit

-- A database made with a development version called 1.1 before the release
-- 1.1.0 has the same version name but not its objects (its internals are in
-- schema eckid): refuse it rather than update it into something that is
-- neither.  CHANGELOG.md (1.1.0) says how to re-create the extension.
DO $$
BEGIN
	IF pg_catalog.to_regnamespace('eckid_internal') IS NULL THEN
		RAISE EXCEPTION 'eckid 1.1 in this database is a development version from before the release 1.1.0'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Drop and re-create the extension, keeping the data as CHANGELOG.md (1.1.0) describes.';
	END IF;
END
$$;

-- The operators move from schema eckid to pg_catalog (issue 20; why:
-- sql/install/10_type.sql).  ALTER OPERATOR ... SET SCHEMA keeps each
-- operator's OID, so the operator classes, indexes, constraints and views
-- that depend on them keep working, as do their comments, commutators and
-- negators.
ALTER OPERATOR eckid.= (eckid.eckid, eckid.eckid) SET SCHEMA pg_catalog;
ALTER OPERATOR eckid.<> (eckid.eckid, eckid.eckid) SET SCHEMA pg_catalog;
ALTER OPERATOR eckid.< (eckid.eckid, eckid.eckid) SET SCHEMA pg_catalog;
ALTER OPERATOR eckid.<= (eckid.eckid, eckid.eckid) SET SCHEMA pg_catalog;
ALTER OPERATOR eckid.> (eckid.eckid, eckid.eckid) SET SCHEMA pg_catalog;
ALTER OPERATOR eckid.>= (eckid.eckid, eckid.eckid) SET SCHEMA pg_catalog;

-- Nothing here is dropped or changes its arguments or result: a role
-- granted a function (the backfill's helpers, docs/privileges.md) may have
-- made a view or function over it, which would block the update
-- (docs/development.md, upgrade scripts; test/shell/upgrade.sh).

-- The Nummervoorziening queue (issue 14): new objects, its tables first.
-- @include sql/install/45_nv_tables.sql
-- @include sql/install/46_nv_queueing.sql
-- @include sql/install/47_nv_worker.sql
-- @include sql/install/48_nv_store.sql
-- @include sql/install/49_nv_dba.sql

-- Citus (docs/scaling.md): a distributed table's backfill runs on its nodes.
-- @include sql/install/42_citus.sql

-- eckid.backfill(): a row of a table whose trigger asks Nummervoorziening is
-- done once it has its HPgn; a Citus distributed table is backfilled on its
-- nodes.
-- @include sql/install/41_backfill.sql

-- The HPgn engine (issue 22): the backfill's batches are hashed by the HPgn
-- workers (sql/install/40_row_level.sql).
COMMENT ON FUNCTION eckid_internal.backfill_compute_ahead(regclass, oid[], tid[]) IS
	'helper of eckid.backfill(): hashes the PGNs of a batch of rows (tableoid and ctid of each) at once, by the HPgn workers, for the rest of the transaction';

-- Masked views (issue 20): a row filter, kept in eckid.masked_view; the
-- upkeep moved into 52_masked_view_upkeep.sql, which never replaces a view
-- its owner has changed and drops what roles without rights built on a
-- view.  eckid.create_masked_view() takes the row filter: made again, with
-- the EXECUTE grants the DBA gave on the old one.
ALTER TABLE eckid.masked_view ADD COLUMN row_filter text, ADD COLUMN row_filter_node text;
COMMENT ON COLUMN eckid.masked_view.row_filter IS 'the condition a row must meet to be shown (NULL: every row), with every name outside pg_catalog qualified';
COMMENT ON COLUMN eckid.masked_view.row_filter_node IS 'the row filter as eckid compares it with the view (a parse tree of this PostgreSQL version)';
DROP FUNCTION eckid_internal.masked_view_drop_temporary(oid);
DROP FUNCTION eckid_internal.masked_view_define(text, text, oid, text[], text[], boolean, text[]);
DROP FUNCTION eckid_internal.masked_view_create(oid, regclass, text, text[], text);
-- @include sql/install/51_masked_view_create.sql
-- @include sql/install/52_masked_view_upkeep.sql
DO $$
DECLARE
	g record;
BEGIN
	FOR g IN SELECT a.grantee, a.is_grantable
			   FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) AS a
			  WHERE p.oid = 'eckid.create_masked_view(regclass, text, text[], text)'::pg_catalog.regprocedure
				AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner LOOP
		EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION eckid.create_masked_view(regclass, text, text[], text, text) TO %s%s',
					   CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
					   CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
	END LOOP;
END
$$;
DROP FUNCTION eckid.create_masked_view(regclass, text, text[], text);

-- Erasure and retention (issue 24): eckid.forget(), eckid.nv_purge().
-- @include sql/install/53_erasure.sql

-- The fingerprints of the salt and the key (issue 23): a new table and
-- functions; security_check() reports them.
-- @include sql/install/55_secret_fingerprint.sql

-- eckid.security_check(): the worker's functions hand out HPgns.
-- @include sql/install/60_security_check.sql
