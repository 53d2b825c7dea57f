-- eckid--1.1--1.2.sql: from the release 1.1.0 to 1.2.  Every change made to
-- sql/install/ since 1.1.0 is made here too, by hand, so that an updated
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

-- No change yet.
