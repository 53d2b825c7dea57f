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

-- The Nummervoorziening queue (issue 14): new objects.
-- @include sql/install/45_nummervoorziening.sql

-- Citus (docs/scaling.md): a distributed table's backfill runs on its nodes.
-- @include sql/install/42_citus.sql

-- eckid.backfill(): a row of a table whose trigger asks Nummervoorziening is
-- done once it has its HPgn; a Citus distributed table is backfilled on its
-- nodes.
-- @include sql/install/41_backfill.sql

-- eckid.create_masked_view() refuses a Citus table.
-- @include sql/install/51_masked_view_create.sql

-- eckid.security_check(): the worker's functions hand out HPgns.
-- @include sql/install/60_security_check.sql
