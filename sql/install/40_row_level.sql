-- sql/install/40_row_level.sql: the eckid.assign() trigger and eckid.backfill()
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql)
-- An upgrade script never includes this file: its CREATE statements do not
-- run again on an existing database.  A later change to an object here is
-- written by hand in the upgrade script, or the object moves to a file
-- that runs again (docs/development.md, "The SQL and its releases").

------------------------------------------------------------------------------
-- Row-level helpers: the eckid.assign() trigger and eckid.backfill()
------------------------------------------------------------------------------

-- (section: row-level helpers)

-- The trigger.  Its arguments (docs/row-level.md) are checked against the
-- table when it first fires in a session, and again after any change of the
-- table or of eckid's functions: CREATE TRIGGER cannot check them.  Not for
-- PUBLIC: a role could attach it to a table of its own and read back the
-- HPgn of any PGN it inserts (a hash oracle).  EXECUTE is checked when the
-- trigger is created, not when it fires, so a role that may write the
-- table needs no grant at all.
CREATE FUNCTION eckid.assign() RETURNS trigger
	AS 'MODULE_PATHNAME', 'eckid_assign'
	LANGUAGE C;
COMMENT ON FUNCTION eckid.assign() IS
	'BEFORE INSERT OR UPDATE row trigger: HPgn and ECK iD from the PGN; arguments: PGN column, HPgn column or '''', ECK iD column, chain, sector [, wipe_pgn]';

-- The helpers of eckid.backfill(), in C so that the backfill applies the
-- trigger's own code.  backfill_row() hashes any PGN it is given: not for
-- PUBLIC.  backfill_setup()'s result is that of 1.1.0 and stays so: a
-- role granted it (docs/privileges.md) may have made a view over it, which
-- would block the DROP FUNCTION that a new OUT column needs in an upgrade
-- (docs/development.md, upgrade scripts).  The backfill's other helpers
-- read the trigger's flag nummervoorziening themselves.
CREATE FUNCTION eckid_internal.backfill_setup(tbl regclass,
									 OUT pgn_column text, OUT hpgn_column text,
									 OUT eckid_column text, OUT wipe_pgn boolean)
	AS 'MODULE_PATHNAME', 'eckid_backfill_setup'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid_internal.backfill_setup(regclass) IS
	'helper of eckid.backfill(): refuses a transaction block; the settings of the table''s eckid.assign() trigger';

CREATE FUNCTION eckid_internal.backfill_row(tbl regclass, pgn text, stored_hpgn text,
								   stored_eckid eckid.eckid,
								   OUT hpgn text, OUT eckid eckid.eckid)
	AS 'MODULE_PATHNAME', 'eckid_backfill_row'
	LANGUAGE C STABLE PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION eckid_internal.backfill_row(regclass, text, text, eckid.eckid) IS
	'helper of eckid.backfill(): the HPgn and ECK iD of one row by its eckid.assign() trigger''s rules, keeping stored values';

CREATE FUNCTION eckid_internal.backfill_compute_ahead(tbl regclass, tableoids oid[], rows tid[])
	RETURNS integer
	AS 'MODULE_PATHNAME', 'eckid_backfill_compute_ahead'
	LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION eckid_internal.backfill_compute_ahead(regclass, oid[], tid[]) IS
	'helper of eckid.backfill(): hashes the PGNs of a batch of rows (tableoid and ctid of each) at once, by the HPgn workers, for the rest of the transaction';

REVOKE ALL ON FUNCTION eckid.assign() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.backfill_setup(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.backfill_row(regclass, text, text, eckid.eckid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.backfill_compute_ahead(regclass, oid[], tid[]) FROM PUBLIC;
