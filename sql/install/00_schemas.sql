-- sql/install/00_schemas.sql: the schemas eckid and eckid_internal
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql)
-- An upgrade script never includes this file: its CREATE statements do not
-- run again on an existing database.  A later change to an object here is
-- written by hand in the upgrade script, or the object moves to a file
-- that runs again (docs/development.md, "The SQL and its releases").

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION eckid" to load this file. \quit

-- The schema eckid holds what users call and name: the type, its
-- operators, the functions of docs/reference.md.  It is created by CREATE
-- EXTENSION (eckid.control: schema = eckid).  Everybody may use the type and
-- the validation functions; the functions that compute pseudonyms are
-- revoked from PUBLIC where they are made.
GRANT USAGE ON SCHEMA eckid TO PUBLIC;

-- The schema eckid_internal holds the machinery behind that API (the
-- helpers of eckid.backfill(), of the masked views and of
-- eckid.security_check()), so that \df eckid.* lists only what a user may
-- call.  A member of the extension, owned by the role that ran CREATE
-- EXTENSION; no USAGE for PUBLIC: no user names anything in it.  A masked
-- view calls eckid_internal.masked_view_pseudonym() by its OID, which needs
-- EXECUTE (granted to PUBLIC, as the view's readers call it) but no USAGE
-- of the schema.
CREATE SCHEMA eckid_internal;
COMMENT ON SCHEMA eckid_internal IS
	'internals of eckid (helpers of eckid.backfill(), masked views and eckid.security_check()): not for direct use';
