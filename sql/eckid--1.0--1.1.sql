/* eckid--1.0--1.1.sql: row-level helpers (trigger, backfill) and hiding (masking, masked views) */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION eckid UPDATE TO '1.1'" to load this file. \quit

-- A fresh CREATE EXTENSION eckid runs eckid--1.0.sql and then this script,
-- so there is exactly one definition of every object.

------------------------------------------------------------------------------
-- Row-level helpers: the eckid.assign() trigger and eckid.backfill()
------------------------------------------------------------------------------

-- (section: row-level helpers)

-- The trigger.  Its arguments (docs/row-level.md) are checked against the
-- table every time it fires: CREATE TRIGGER cannot check them.  Not for
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
-- PUBLIC.
CREATE FUNCTION eckid.backfill_setup(tbl regclass,
									 OUT pgn_column text, OUT hpgn_column text,
									 OUT eckid_column text, OUT wipe_pgn boolean)
	AS 'MODULE_PATHNAME', 'eckid_backfill_setup'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid.backfill_setup(regclass) IS
	'helper of eckid.backfill(): refuses a transaction block; the settings of the table''s eckid.assign() trigger';

CREATE FUNCTION eckid.backfill_row(tbl regclass, pgn text, stored_hpgn text,
								   stored_eckid eckid.eckid,
								   OUT hpgn text, OUT eckid eckid.eckid)
	AS 'MODULE_PATHNAME', 'eckid_backfill_row'
	LANGUAGE C STABLE PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION eckid.backfill_row(regclass, text, text, eckid.eckid) IS
	'helper of eckid.backfill(): the HPgn and ECK iD of one row by its eckid.assign() trigger''s rules, keeping stored values';

-- Fills the derived columns of rows written before the trigger existed, a
-- batch per transaction, so that a cancel or a crash loses at most one
-- batch and a second call continues.  SECURITY INVOKER: the caller's own
-- rights on the table apply.  No SET clause (it would forbid COMMIT), so
-- everything it calls is schema-qualified.
CREATE PROCEDURE eckid.backfill(tbl regclass, batch_size integer DEFAULT 16)
	LANGUAGE plpgsql
AS $$
DECLARE
	s record;
	need text;			-- rows that need work
	pick text;			-- the next batch, locked
	put text;			-- store one row's values
	remaining text;		-- how many rows still need work
	r record;
	v record;
	skipped text[] := '{}';	-- tableoid:ctid of rows with invalid values
	fetched integer;
	batch integer := 0;
	done bigint := 0;
	rows_left bigint;
	started timestamptz := pg_catalog.clock_timestamp();
	elapsed double precision;
	rate double precision;
	msg text;
BEGIN
	IF tbl IS NULL OR batch_size IS NULL THEN
		RAISE EXCEPTION 'arguments of eckid.backfill must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF batch_size < 1 THEN
		RAISE EXCEPTION 'batch_size must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	s := eckid.backfill_setup(tbl);

	-- Work: a PGN not yet hashed, an ECK iD not yet derived, and with
	-- wipe_pgn any PGN still stored.  A complete row is never selected.
	IF s.hpgn_column IS NULL THEN
		need := pg_catalog.format('%1$I IS NOT NULL AND %2$I IS NULL', s.pgn_column, s.eckid_column);
	ELSE
		need := pg_catalog.format('(%1$I IS NOT NULL AND %2$I IS NULL) OR (%3$I IS NULL AND (%1$I IS NOT NULL OR %2$I IS NOT NULL))',
								  s.pgn_column, s.hpgn_column, s.eckid_column);
	END IF;
	IF s.wipe_pgn THEN
		need := pg_catalog.format('%I IS NOT NULL OR %s', s.pgn_column, need);
	END IF;
	need := pg_catalog.format('(%s) AND (tableoid::pg_catalog.text OPERATOR(pg_catalog.||) '':'' OPERATOR(pg_catalog.||) ctid::pg_catalog.text) OPERATOR(pg_catalog.<>) ALL ($1)', need);

	pick := pg_catalog.format('SELECT tableoid, ctid, %I::pg_catalog.text AS pgn, %s AS hpgn, %I AS eckid FROM %s WHERE %s LIMIT $2 FOR UPDATE',
							  s.pgn_column,
							  CASE WHEN s.hpgn_column IS NULL THEN 'NULL::pg_catalog.text'
								   ELSE pg_catalog.format('%I::pg_catalog.text', s.hpgn_column) END,
							  s.eckid_column, tbl, need);
	put := pg_catalog.format('UPDATE %s SET %s%I = $2%s WHERE tableoid OPERATOR(pg_catalog.=) $3 AND ctid OPERATOR(pg_catalog.=) $4',
							 tbl,
							 CASE WHEN s.hpgn_column IS NULL THEN ''
								  ELSE pg_catalog.format('%I = $1, ', s.hpgn_column) END,
							 s.eckid_column,
							 CASE WHEN s.wipe_pgn THEN pg_catalog.format(', %I = NULL', s.pgn_column) ELSE '' END);
	remaining := pg_catalog.format('SELECT pg_catalog.count(*) FROM %s WHERE %s', tbl, need);

	LOOP
		fetched := 0;
		FOR r IN EXECUTE pick USING skipped, batch_size LOOP
			fetched := fetched + 1;
			BEGIN
				SELECT * INTO v FROM eckid.backfill_row(tbl, r.pgn, r.hpgn, r.eckid);
			EXCEPTION WHEN invalid_parameter_value THEN
				-- a value in the row breaks a rule: report the row by its
				-- ctid (never by a key, which might be the PGN) and go on
				GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
				RAISE WARNING 'eckid.backfill: row % of table % skipped: %', r.ctid, tbl, msg;
				skipped := skipped OPERATOR(pg_catalog.||) (r.tableoid::pg_catalog.text OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.ctid::pg_catalog.text);
				CONTINUE;
			END;
			-- The trigger fires on this UPDATE and computes nothing: the PGN
			-- is unchanged or, with wipe_pgn, NULL.
			EXECUTE put USING v.hpgn, v.eckid, r.tableoid, r.ctid;
			done := done + 1;
		END LOOP;
		EXIT WHEN fetched = 0;
		COMMIT;

		batch := batch + 1;
		EXECUTE remaining INTO rows_left USING skipped;
		elapsed := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started);
		rate := done / GREATEST(elapsed, 0.001);
		RAISE NOTICE 'eckid.backfill: batch % committed: % rows done, % left, % skipped, % rows/s, about % left',
			batch, done, rows_left, pg_catalog.cardinality(skipped),
			pg_catalog.round(rate::pg_catalog.numeric, 2),
			CASE WHEN done = 0 THEN 'unknown'
				 ELSE pg_catalog.make_interval(secs => pg_catalog.round(rows_left / rate))::pg_catalog.text END;
	END LOOP;

	RAISE NOTICE 'eckid.backfill: finished: % rows done, % skipped, in %',
		done, pg_catalog.cardinality(skipped),
		pg_catalog.make_interval(secs => pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started)));
END
$$;
COMMENT ON PROCEDURE eckid.backfill(regclass, integer) IS
	'fill the HPgn and ECK iD columns of rows that lack them, by the table''s eckid.assign() trigger, committing every batch_size rows';

REVOKE ALL ON FUNCTION eckid.assign() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.backfill_setup(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.backfill_row(regclass, text, text, eckid.eckid) FROM PUBLIC;
REVOKE ALL ON PROCEDURE eckid.backfill(regclass, integer) FROM PUBLIC;



------------------------------------------------------------------------------
-- Hiding: eckid.mask(), eckid.pseudonymize(), masked views
------------------------------------------------------------------------------

-- (section: hiding)



