-- eckid.backfill(): fills the rows written before the eckid.assign()
-- trigger existed.  It commits after every batch, so it runs here in fresh
-- autocommit sessions (dblink); its tables are committed, and dropped
-- after the test.  The NOTICE per batch and resuming after a cancel are checked by
-- test/shell/backfill_cancel.sh.  Two HPgns are computed.
BEGIN;
SELECT plan(65);

\set vector '''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''
\set employee '''230e701391a7d646ef70bcadf783d303feae51bf0bc40a906d91913aaba32d3c'''

CREATE FUNCTION pg_temp.local_eckid(hpgn text) RETURNS eckid.eckid LANGUAGE sql AS $$
	SELECT eckid.derive(eckid.stampseudonym(hpgn), 'chain', 'sector')
$$;

-- Run a command in a fresh session as a role, with extra settings.
CREATE FUNCTION pg_temp.remote_exec(role text, command text, options text DEFAULT '') RETURNS text
LANGUAGE sql AS $$
	SELECT dblink_exec(eckid_test.connstr(role) || format(' options=%L', '-c client_min_messages=error ' || options),
					   command)
$$;

SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', $r$
	DROP TABLE IF EXISTS eckid_test.bf, eckid_test.bf_wiped, eckid_test.bf_none;
	CREATE TABLE eckid_test.bf (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
	INSERT INTO eckid_test.bf VALUES
		(1, '101222331', NULL, NULL),				-- to hash
		(2, NULL, '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa', NULL),	-- an HPgn only
		(3, '20DP Teacher@School.nl', NULL, NULL),	-- to hash
		(4, '12345', NULL, NULL),					-- invalid: skipped
		(5, NULL, NULL, NULL),						-- nothing to do
		(6, '123456782', repeat('c', 64), ('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid),	-- complete
		(7, '063138219', repeat('d', 64), NULL);	-- HPgn stored: not hashed again
	CREATE TRIGGER bf_eckid BEFORE INSERT OR UPDATE ON eckid_test.bf FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
	CREATE TABLE eckid_test.bf_wiped (id integer, pgn text, eck_id eckid.eckid);
	INSERT INTO eckid_test.bf_wiped VALUES
		(1, '063138219', ('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid),	-- complete, but a PGN
		(2, NULL, NULL);
	CREATE TRIGGER bf_wiped_eckid BEFORE INSERT OR UPDATE ON eckid_test.bf_wiped FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', '', 'eck_id', 'chain', 'sector', 'wipe_pgn');
	CREATE TABLE eckid_test.bf_none (pgn text, eck_id eckid.eckid);
$r$)$$, 'tables with rows from before their trigger, committed');

CREATE TEMP TABLE before_backfill AS SELECT * FROM eckid_test.bf;

-- A partitioned table: batches in keyset order over each partition (rows
-- that have their HPgn: no scrypt), every row filled exactly once.
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', $r$
	DROP TABLE IF EXISTS eckid_test.bf_part;
	CREATE TABLE eckid_test.bf_part (id integer, pgn text, hpgn text, eck_id eckid.eckid) PARTITION BY RANGE (id);
	CREATE TABLE eckid_test.bf_part_1 PARTITION OF eckid_test.bf_part FOR VALUES FROM (0) TO (100);
	CREATE TABLE eckid_test.bf_part_2 PARTITION OF eckid_test.bf_part FOR VALUES FROM (100) TO (200);
	INSERT INTO eckid_test.bf_part SELECT i, NULL, repeat(to_hex(i % 16), 64), NULL::eckid.eckid
	  FROM generate_series(1, 7) i UNION ALL SELECT 100 + i, NULL, repeat(to_hex(i % 16), 64), NULL FROM generate_series(1, 5) i;
	CREATE TRIGGER bf_part_eckid BEFORE INSERT OR UPDATE ON eckid_test.bf_part FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
$r$) || pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf_part'', 2)')$$,
	'CALL eckid.backfill() of a partitioned table, in batches of 2');
SELECT is((SELECT count(*) FROM eckid_test.bf_part WHERE eck_id = pg_temp.local_eckid(hpgn)), 12::bigint,
	'fills every row of every partition');

SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf'', 2)')$$,
	'CALL eckid.backfill() in an autocommit session');
CREATE VIEW pg_temp.bf AS SELECT * FROM eckid_test.bf;
SELECT ok(eckid.hpgn_is_valid(hpgn) AND eck_id = pg_temp.local_eckid(hpgn), 'fills HPgn and ECK iD from a PGN')
  FROM bf WHERE id = 1;
SELECT ok(hpgn = :employee AND eck_id = pg_temp.local_eckid(:employee), 'by the trigger''s rules (an employee identifier)')
  FROM bf WHERE id = 3;
SELECT ok(hpgn = :vector AND eck_id = pg_temp.local_eckid(:vector), 'derives the ECK iD of a row that has only an HPgn')
  FROM bf WHERE id = 2;
SELECT ok(hpgn = repeat('d', 64) AND eck_id = pg_temp.local_eckid(repeat('d', 64)),
	'uses a stored HPgn as it is, without hashing the PGN again') FROM bf WHERE id = 7;
SELECT ok(pgn = '12345' AND hpgn IS NULL AND eck_id IS NULL, 'skips a row with an invalid PGN and leaves it as it was')
  FROM bf WHERE id = 4;
SELECT ok(pgn IS NULL AND hpgn IS NULL AND eck_id IS NULL, 'leaves a row without PGN or HPgn alone') FROM bf WHERE id = 5;
SELECT results_eq($$SELECT pgn, hpgn, eck_id FROM bf WHERE id = 6$$,
	$$SELECT pgn, hpgn, eck_id FROM before_backfill WHERE id = 6$$,
	'never recomputes a complete row (its values would differ if it did)');
SELECT is((SELECT count(*) FROM eckid.hpgn_replacement r JOIN bf ON bf.hpgn IN (r.new_hpgn, r.old_hpgn)), 0::bigint,
	'records no replacement');

-- A second call finds no work: under a 500 ms statement_timeout it would be
-- cancelled if it hashed anything.
CREATE TEMP TABLE after_backfill AS SELECT * FROM eckid_test.bf;
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf'', 2)', '-c statement_timeout=500')$$,
	'a second call finishes within 500 ms: nothing is hashed again');
SELECT set_eq($$SELECT * FROM eckid_test.bf$$, $$SELECT * FROM after_backfill$$, 'and changes nothing');

-- wipe_pgn
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf_wiped'')', '-c statement_timeout=500')$$,
	'backfill of a table with wipe_pgn');
SELECT results_eq($$SELECT id, pgn, eck_id::text FROM eckid_test.bf_wiped ORDER BY id$$,
	$$VALUES (1, NULL::text, 'https://ketenid.nl/201703/' || repeat('ab', 64)), (2, NULL, NULL)$$,
	'removes the PGN of a complete row, computing nothing, and keeps its ECK iD');

-- Refusals
SELECT throws_ok($$CALL eckid.backfill('eckid_test.bf')$$, '25001', 'eckid.backfill() cannot run inside a transaction block',
	'a call inside a transaction block is refused before any work');
SELECT is(eckid_test.error_hint($$CALL eckid.backfill('eckid_test.bf')$$),
	'Call it on its own, in autocommit mode: it commits after every batch.', 'with a hint');
SELECT throws_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf_none'')')$$,
	'55000', 'table "bf_none" has no eckid.assign() trigger', 'a table without the trigger is refused');
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', $r$
	CREATE TRIGGER bf_second BEFORE INSERT ON eckid_test.bf FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector2')$r$)$$,
	'a second eckid.assign() trigger on a table');
SELECT throws_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf'')')$$,
	'55000', 'table "bf" has 2 eckid.assign() triggers', 'makes backfill refuse (which one would be meant?)');
SELECT throws_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf_wiped'', 0)')$$,
	'22023', 'batch_size must be at least 1', 'a batch size below 1 is refused');

-- Issue 20: the backfill reads and writes the table as the table's owner,
-- security-restricted, with a search_path of pg_catalog only, also when a
-- superuser calls it; the caller's own rights (and row-level security)
-- decide what it may do.  A role that owns a table, not a superuser, gives
-- it an AFTER UPDATE trigger, an index expression and a CHECK constraint
-- that each record who runs them, with which search_path, and try to make
-- the owner superuser.  Rows that have their HPgn: no scrypt.
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', $r$
	DO $d$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eckid_bf_owner') THEN
			CREATE ROLE eckid_bf_owner;
		END IF;
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eckid_bf_runner') THEN
			CREATE ROLE eckid_bf_runner LOGIN;
		END IF;
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eckid_bf_reader') THEN
			CREATE ROLE eckid_bf_reader LOGIN;
		END IF;
	END $d$;
	ALTER ROLE eckid_bf_owner NOSUPERUSER;	-- (left so by a failed run)
	DROP TABLE IF EXISTS eckid_test.bf_probe, eckid_test.bf_probe_log, eckid_test.bf_rights, eckid_test.bf_rls;
	GRANT USAGE ON SCHEMA eckid_test TO eckid_bf_owner, eckid_bf_runner, eckid_bf_reader;
	CREATE TABLE eckid_test.bf_probe_log (site text, who text, path text, alter_role text);
	CREATE OR REPLACE FUNCTION eckid_test.bf_probe_record(site text) RETURNS void LANGUAGE plpgsql AS $f$
	DECLARE
		result text;
	BEGIN
		BEGIN
			ALTER ROLE eckid_bf_owner SUPERUSER;
			result := 'made superuser';
		EXCEPTION WHEN insufficient_privilege THEN
			result := 'refused';
		END;
		INSERT INTO eckid_test.bf_probe_log
			VALUES (site, current_user, pg_catalog.current_setting('search_path'), result);
	END $f$;
	CREATE OR REPLACE FUNCTION eckid_test.bf_probe_trigger() RETURNS trigger LANGUAGE plpgsql AS $f$
	BEGIN
		PERFORM eckid_test.bf_probe_record('trigger');
		RETURN NULL;
	END $f$;
	CREATE OR REPLACE FUNCTION eckid_test.bf_probe_index(v eckid.eckid) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $f$
	BEGIN
		IF v IS NOT NULL THEN
			PERFORM eckid_test.bf_probe_record('index expression');
		END IF;
		RETURN 0;
	END $f$;
	CREATE OR REPLACE FUNCTION eckid_test.bf_probe_check(v eckid.eckid) RETURNS boolean LANGUAGE plpgsql AS $f$
	BEGIN
		IF v IS NOT NULL THEN
			PERFORM eckid_test.bf_probe_record('CHECK constraint');
		END IF;
		RETURN true;
	END $f$;
	CREATE TABLE eckid_test.bf_probe (id integer, pgn text, hpgn text,
		eck_id eckid.eckid CHECK (eckid_test.bf_probe_check(eck_id)));
	CREATE INDEX ON eckid_test.bf_probe (eckid_test.bf_probe_index(eck_id));
	CREATE TRIGGER bf_probe_after AFTER UPDATE ON eckid_test.bf_probe FOR EACH ROW
		EXECUTE FUNCTION eckid_test.bf_probe_trigger();
	INSERT INTO eckid_test.bf_probe SELECT i, NULL, repeat(to_hex(i), 64), NULL FROM generate_series(1, 3) i;
	CREATE TRIGGER bf_probe_eckid BEFORE INSERT OR UPDATE ON eckid_test.bf_probe FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
	ALTER TABLE eckid_test.bf_probe OWNER TO eckid_bf_owner;
	ALTER TABLE eckid_test.bf_probe_log OWNER TO eckid_bf_owner;
	ALTER FUNCTION eckid_test.bf_probe_record(text) OWNER TO eckid_bf_owner;
	ALTER FUNCTION eckid_test.bf_probe_trigger() OWNER TO eckid_bf_owner;
	ALTER FUNCTION eckid_test.bf_probe_index(eckid.eckid) OWNER TO eckid_bf_owner;
	ALTER FUNCTION eckid_test.bf_probe_check(eckid.eckid) OWNER TO eckid_bf_owner;
$r$)$$, 'a table owned by a role that is not a superuser, with code that records who runs it');

SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf_probe'', 2)')$$,
	'a superuser backfills that table');
SELECT is((SELECT count(*) FROM eckid_test.bf_probe WHERE eck_id = pg_temp.local_eckid(hpgn)), 3::bigint,
	'filling every row');
SELECT results_eq($$SELECT site, who, path, alter_role, count(*) FROM eckid_test.bf_probe_log
					GROUP BY 1, 2, 3, 4 ORDER BY 1$$,
	$$VALUES ('CHECK constraint', 'eckid_bf_owner', 'pg_catalog, pg_temp', 'refused', 3::bigint),
			 ('index expression', 'eckid_bf_owner', 'pg_catalog, pg_temp', 'refused', 3::bigint),
			 ('trigger', 'eckid_bf_owner', 'pg_catalog, pg_temp', 'refused', 3::bigint)$$,
	'the table''s trigger, index expression and CHECK constraint ran as its owner, with the safe search_path, and could not make the owner superuser');
SELECT ok(NOT rolsuper, 'the owner is not superuser after the backfill') FROM pg_roles WHERE rolname = 'eckid_bf_owner';
-- The control: the same code, run by a superuser's own UPDATE, records the
-- superuser and makes the owner superuser (which is then undone).
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', $r$
	DELETE FROM eckid_test.bf_probe_log;
	UPDATE eckid_test.bf_probe SET id = id WHERE id = 1;
$r$)$$, 'a superuser''s plain UPDATE of the table');
SELECT results_eq($$SELECT who, alter_role FROM eckid_test.bf_probe_log WHERE site = 'trigger'$$,
	$$VALUES ('postgres', 'made superuser')$$,
	'runs the trigger as the superuser, who makes the owner superuser: the probe sees what the backfill prevents');
SELECT ok(rolsuper, 'so the owner is superuser now') FROM pg_roles WHERE rolname = 'eckid_bf_owner';
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', 'ALTER ROLE eckid_bf_owner NOSUPERUSER')$$,
	'(undone)');

-- The caller's rights decide: with the grants docs/privileges.md lists for
-- running the backfill, a role that may update the HPgn and ECK iD columns
-- backfills; one that may not is refused as an UPDATE would be, also when
-- it calls the helpers directly; under row-level security its policies
-- choose the rows.
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', $r$
	GRANT EXECUTE ON PROCEDURE eckid.backfill(regclass, integer) TO eckid_bf_runner, eckid_bf_reader;
	GRANT USAGE ON SCHEMA eckid_internal TO eckid_bf_runner, eckid_bf_reader;
	GRANT EXECUTE ON FUNCTION eckid_internal.backfill_setup(regclass),
		eckid_internal.backfill_compute_ahead(regclass, oid[], tid[]),
		eckid_internal.backfill_distributed(regclass, integer),
		eckid_internal.backfill_remaining(regclass),
		eckid_internal.backfill_pick(regclass, oid, tid, integer, boolean, text[]),
		eckid_internal.backfill_put(regclass, oid, tid[])
		TO eckid_bf_runner, eckid_bf_reader;
	CREATE TABLE eckid_test.bf_rights (id integer, pgn text, hpgn text, eck_id eckid.eckid);
	INSERT INTO eckid_test.bf_rights SELECT i, NULL, repeat(to_hex(i), 64), NULL FROM generate_series(1, 2) i;
	CREATE TRIGGER bf_rights_eckid BEFORE INSERT OR UPDATE ON eckid_test.bf_rights FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
	ALTER TABLE eckid_test.bf_rights OWNER TO eckid_bf_owner;
	GRANT SELECT, UPDATE (hpgn, eck_id) ON eckid_test.bf_rights TO eckid_bf_runner;
	GRANT SELECT, UPDATE (eck_id) ON eckid_test.bf_rights TO eckid_bf_reader;
	CREATE TABLE eckid_test.bf_rls (id integer, school text, pgn text, hpgn text, eck_id eckid.eckid);
	INSERT INTO eckid_test.bf_rls SELECT i, CASE WHEN i <= 2 THEN 'a' ELSE 'b' END, NULL, repeat(to_hex(i), 64), NULL
	  FROM generate_series(1, 4) i;
	CREATE TRIGGER bf_rls_eckid BEFORE INSERT OR UPDATE ON eckid_test.bf_rls FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
	ALTER TABLE eckid_test.bf_rls ENABLE ROW LEVEL SECURITY;
	CREATE POLICY school_a ON eckid_test.bf_rls TO eckid_bf_runner USING (school = 'a');
	ALTER TABLE eckid_test.bf_rls OWNER TO eckid_bf_owner;
	GRANT SELECT, UPDATE ON eckid_test.bf_rls TO eckid_bf_runner;
$r$)$$, 'roles granted the backfill, tables with and without row-level security');
SELECT throws_ok($$SELECT pg_temp.remote_exec('eckid_bf_reader', 'CALL eckid.backfill(''eckid_test.bf_rights'')')$$,
	'42501', 'permission denied for table bf_rights',
	'a role that may not update the HPgn column cannot backfill the table');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_bf_reader',
		format('SELECT eckid_internal.backfill_put(%L, %s, %L)', 'eckid_test.bf_rights',
			   'eckid_test.bf_rights'::regclass::oid, ARRAY(SELECT ctid FROM eckid_test.bf_rights))),
	'42501', 'permission denied for table bf_rights',
	'nor write its rows by calling backfill_put() directly');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_bf_reader',
		format('SELECT eckid_internal.backfill_pick(%L, %s, %L, 10, false, %L)', 'eckid_test.bf_rights',
			   'eckid_test.bf_rights'::regclass::oid, '(0,0)', '{}')),
	'42501', 'permission denied for table bf_rights',
	'nor lock them by calling backfill_pick() directly');
SELECT throws_ok($$SELECT pg_temp.remote_exec('eckid_bf_runner', 'SELECT eckid_internal.backfill_remaining(''eckid_test.bf_probe'')')$$,
	'42501', 'permission denied for table bf_probe',
	'and a role that may not read a table cannot even count its rows');
SELECT is((SELECT count(*) FROM eckid_test.bf_rights WHERE eck_id IS NOT NULL), 0::bigint, 'no row was written');
SELECT lives_ok($$SELECT pg_temp.remote_exec('eckid_bf_runner', 'CALL eckid.backfill(''eckid_test.bf_rights'')')$$,
	'a role that may update the HPgn and ECK iD columns backfills the table');
SELECT is((SELECT count(*) FROM eckid_test.bf_rights WHERE eck_id = pg_temp.local_eckid(hpgn)), 2::bigint,
	'filling its rows');
SELECT lives_ok($$SELECT pg_temp.remote_exec('eckid_bf_runner', 'CALL eckid.backfill(''eckid_test.bf_rls'')')$$,
	'a role under row-level security backfills a table');
SELECT results_eq($$SELECT school, count(eck_id) FROM eckid_test.bf_rls GROUP BY school ORDER BY school$$,
	$$VALUES ('a', 2::bigint), ('b', 0::bigint)$$,
	'filling only the rows its policy lets it see and update');
SELECT is(eckid_test.remote('eckid_bf_runner',
		format('SELECT (eckid_internal.backfill_put(%L, %s, %L)).done', 'eckid_test.bf_rls',
			   'eckid_test.bf_rls'::regclass::oid, ARRAY(SELECT ctid FROM eckid_test.bf_rls WHERE school = 'b'))),
	'0', 'backfill_put() called directly with the ctids of rows its policy hides writes none of them');
SELECT is(eckid_test.remote('eckid_bf_runner',
		format('SELECT (eckid_internal.backfill_put(%L, %s, %L)).done', 'eckid_test.bf_rights',
			   'eckid_test.bf_rls'::regclass::oid, ARRAY(SELECT ctid FROM eckid_test.bf_rls WHERE school = 'b'))),
	'0', 'nor does backfill_put() of a table it may write, given another table as the leaf and that table''s ctids');
SELECT is((SELECT count(*) FROM eckid_test.bf_rls WHERE eck_id IS NULL), 2::bigint, 'those rows are still empty');
SELECT lives_ok($$SELECT pg_temp.remote_exec('postgres', 'CALL eckid.backfill(''eckid_test.bf_rls'')')$$,
	'a superuser (to whom no policy applies) backfills the same table');
SELECT is((SELECT count(*) FROM eckid_test.bf_rls WHERE eck_id = pg_temp.local_eckid(hpgn)), 4::bigint,
	'filling the other rows too');

-- The batch step: the PGNs of the rows that need an HPgn, hashed at once
-- (on two threads here) and kept for the rest of the transaction.
CREATE TABLE eckid_test.bulk (id integer, pgn text, hpgn text, eck_id eckid.eckid);
INSERT INTO eckid_test.bulk VALUES
	(1, '101222331', NULL, NULL), (2, '101222331', NULL, NULL),	-- one PGN, twice
	(3, '063138219', NULL, NULL), (4, '20DP Teacher@School.nl', NULL, NULL),
	(5, '63138219', NULL, NULL),		-- 8 digits: the same person as row 3
	(6, '12345', NULL, NULL),			-- invalid: left to backfill_row()
	(7, ' x', NULL, NULL),				-- breaks a PGN rule: the same
	(8, '123456782', repeat('c', 64), NULL),	-- has its HPgn
	(9, NULL, NULL, NULL),
	(10, '123456782', NULL, NULL);
CREATE TRIGGER bulk_eckid BEFORE INSERT OR UPDATE ON eckid_test.bulk FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
-- (either implementation: the engine's workers hash the batch)
SELECT is(eckid_internal.backfill_compute_ahead('eckid_test.bulk', ARRAY(SELECT tableoid FROM eckid_test.bulk WHERE id <> 10 ORDER BY id), ARRAY(SELECT ctid FROM eckid_test.bulk WHERE id <> 10 ORDER BY id)), 3,
	'backfill_compute_ahead hashes each distinct valid PGN of the given rows that lacks an HPgn, once');
SELECT is(eckid.hpgn('063138219'), :vector, 'an HPgn computed ahead is Kennisnet''s');
SELECT is(eckid.hpgn('20DP Teacher@School.nl'), :employee, 'so is that of an employee identifier');
SELECT is(eckid.hpgn('101222331'),
		  (SELECT h FROM dblink(eckid_test.connstr('postgres'), $q$SELECT eckid.hpgn('101222331')$q$) AS t(h text)),
		  'and the HPgn another session computes on its own');

-- The HPgns kept are those of the salt they were computed with: after a
-- configuration reload inside the transaction changes eckid.salt, a PGN is
-- hashed with the new salt (the old HPgn is not served).
SELECT eckid_test.reconfigure('eckid.salt', 'AAAAAAAAAAAAAAAAAAAAAA==');
SELECT is(eckid.hpgn('063138219'), eckid.hpgn('063138219', 'AAAAAAAAAAAAAAAAAAAAAA=='),
	'after a reload that changes eckid.salt, an HPgn computed ahead with the old salt is not served');
SELECT eckid_test.reconfigure('eckid.salt', NULL);
SELECT is(eckid.hpgn('20DP Teacher@School.nl'), :employee, 'with the old salt back, it is again');

-- On a partitioned table, a ctid names a row in every partition: only the
-- rows named by their tableoid and ctid are hashed.
CREATE TABLE eckid_test.bulk_part (id integer, pgn text, hpgn text, eck_id eckid.eckid) PARTITION BY LIST (id);
CREATE TABLE eckid_test.bulk_part_1 PARTITION OF eckid_test.bulk_part FOR VALUES IN (1);
CREATE TABLE eckid_test.bulk_part_2 PARTITION OF eckid_test.bulk_part FOR VALUES IN (2);
INSERT INTO eckid_test.bulk_part VALUES (1, '111222333', NULL, NULL), (2, '123456782', NULL, NULL);
CREATE TRIGGER bulk_part_eckid BEFORE UPDATE ON eckid_test.bulk_part FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
SELECT is(eckid_internal.backfill_compute_ahead('eckid_test.bulk_part', ARRAY['eckid_test.bulk_part_1'::regclass::oid], ARRAY['(0,1)'::tid]),
	1,
	'a batch of one row of one partition hashes that row''s PGN only, not that of the row at the same ctid of another partition');
SELECT is(eckid_internal.backfill_compute_ahead('eckid_test.bulk', ARRAY(SELECT tableoid FROM eckid_test.bulk WHERE id IN (8, 9, 6, 7) ORDER BY id), ARRAY(SELECT ctid FROM eckid_test.bulk WHERE id IN (8, 9, 6, 7) ORDER BY id)), 0,
	'rows with an HPgn, without a PGN or with an invalid one are not hashed');
SELECT is(eckid_internal.backfill_compute_ahead('eckid_test.bulk', '{}', '{}'), 0, 'an empty batch hashes nothing');
SET LOCAL eckid.scrypt_implementation = 'libsodium';
SELECT is(eckid_internal.backfill_compute_ahead('eckid_test.bulk', ARRAY(SELECT tableoid FROM eckid_test.bulk ORDER BY id), ARRAY(SELECT ctid FROM eckid_test.bulk ORDER BY id)), 4,
	'with libsodium the engine''s workers compute the batch ahead too');
RESET eckid.scrypt_implementation;
GRANT USAGE ON SCHEMA eckid_internal TO eckid_las_app;
GRANT EXECUTE ON FUNCTION eckid_internal.backfill_compute_ahead(regclass, oid[], tid[]) TO eckid_las_app;
GRANT USAGE ON SCHEMA eckid_test TO eckid_las_app;
SET LOCAL ROLE eckid_las_app;
SELECT throws_ok($$SELECT eckid_internal.backfill_compute_ahead('eckid_test.bulk', ARRAY['eckid_test.bulk'::regclass::oid], ARRAY['(0,1)'::tid])$$,
	'42501', 'permission denied for table bulk', 'it reads the rows with the caller''s privileges');
RESET ROLE;

-- Privileges
SELECT ok(NOT has_function_privilege('public', f, 'EXECUTE'), 'PUBLIC cannot execute ' || f)
  FROM unnest(ARRAY['eckid.backfill(regclass,integer)', 'eckid_internal.backfill_setup(regclass)',
					'eckid_internal.backfill_row(regclass,text,text,eckid.eckid)',
					'eckid_internal.backfill_compute_ahead(regclass,oid[],tid[])',
					'eckid_internal.backfill_remaining(regclass)',
					'eckid_internal.backfill_pick(regclass,oid,tid,integer,boolean,text[])',
					'eckid_internal.backfill_put(regclass,oid,tid[])']) f;
SELECT throws_ok($$SELECT pg_temp.remote_exec('eckid_plain', 'CALL eckid.backfill(''pg_catalog.pg_class'')')$$,
	'42501', 'permission denied for procedure backfill', 'a plain role cannot run a backfill');

SELECT * FROM finish();
ROLLBACK;

-- Outside the test's transaction, which holds locks on them.
DROP TABLE eckid_test.bf, eckid_test.bf_wiped, eckid_test.bf_none, eckid_test.bf_part;
DROP OWNED BY eckid_bf_owner, eckid_bf_runner, eckid_bf_reader;
DROP ROLE eckid_bf_owner, eckid_bf_runner, eckid_bf_reader;
