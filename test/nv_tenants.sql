-- Tenants of the Nummervoorziening queue that do not trust each other
-- (issue "Tenants that cannot escalate"; docs/nummervoorziening.md, "Who
-- writes the answers").  The answers are written as the table's owner,
-- security-restricted; the role that asked must still have its rights, and
-- row-level security decides for it; one table's failure is that table's
-- alone; answers of the wrong kind are never stored.  Every negative check
-- has its control: the probe that sees nothing here sees the positive when
-- the route is open.  The same with the real worker and the simulator:
-- test/shell/nv_tenants.sh.
BEGIN;
SELECT plan(51);

SET LOCAL client_min_messages = warning;
CREATE ROLE nvt_owner;			-- owns tables, may write triggers
CREATE ROLE nvt_app;			-- an application granted eckid.nv_request()
CREATE ROLE nvt_school_a;		-- row-level security: sees only school a
CREATE ROLE nvt_monitor;		-- granted the two views only, as docs/privileges.md says
CREATE SCHEMA tenant AUTHORIZATION nvt_owner;
GRANT USAGE ON SCHEMA tenant TO nvt_app, nvt_school_a;
GRANT EXECUTE ON FUNCTION eckid.assign() TO nvt_owner;
GRANT EXECUTE ON FUNCTION eckid.nv_request(regclass, name, name, text, text, text) TO nvt_app, nvt_school_a;
GRANT SELECT ON eckid.nv_status, eckid.nv_failure TO nvt_monitor;

-- What ran, as whom, with which search_path, and whether it became superuser.
CREATE TABLE public.nvt_seen (what text, who text, path text, outcome text);
GRANT INSERT ON public.nvt_seen TO PUBLIC;

-- Made-up HPgns (no scrypt): a pupil is 64 hex digits.
CREATE FUNCTION pg_temp.hp(n integer) RETURNS text LANGUAGE sql AS
	$$ SELECT lpad(to_hex(n), 64, 'c') $$;
-- The service as the simulator answers it: a Stampseudonym and an ECK iD
-- that follow from the HPgn.
CREATE FUNCTION pg_temp.sp(h text) RETURNS text LANGUAGE sql AS
	$$ SELECT 'https://ketenid.nl/sppilot/' || h || h $$;
CREATE FUNCTION pg_temp.eck_of(stampseudonym text) RETURNS text LANGUAGE sql AS
	$$ SELECT 'https://ketenid.nl/pilot/' || reverse(right(stampseudonym, 128)) $$;
CREATE FUNCTION pg_temp.eck(h text) RETURNS text LANGUAGE sql AS
	$$ SELECT pg_temp.eck_of(pg_temp.sp(h)) $$;
-- Work off the queue as a worker would: claim, answer every item, store;
-- the number of batches.
CREATE FUNCTION pg_temp.work() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	b bigint;
	idx integer[];
	vals text[];
	n integer := 0;
BEGIN
	FOR k IN 1 .. 20 LOOP
		SELECT min(c.batch_id), array_agg(c.item_index ORDER BY c.item_index),
			   array_agg(CASE WHEN c.operation = 'eckid' THEN pg_temp.eck_of(c.stampseudonym) ELSE pg_temp.sp(c.hpgn) END
						 ORDER BY c.item_index)
		  INTO b, idx, vals FROM eckid.nv_claim('nvt', 1000, '1 min') c;
		EXIT WHEN b IS NULL;
		PERFORM eckid.nv_store(b, 'nvt', idx, vals, NULL, NULL);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

------------------------------------------------------------------------------
-- The store writes as the table's owner, security-restricted
------------------------------------------------------------------------------

SET LOCAL ROLE nvt_owner;
CREATE TABLE tenant.pupils (pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON tenant.pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain-t', 'PO', 'nummervoorziening');
-- the owner's own code on the table: it tries to make its owner superuser
CREATE FUNCTION tenant.grab() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		EXECUTE 'ALTER ROLE nvt_owner SUPERUSER';
		INSERT INTO public.nvt_seen VALUES (TG_NAME, current_user, current_setting('search_path'), 'superuser');
	EXCEPTION WHEN insufficient_privilege THEN
		INSERT INTO public.nvt_seen VALUES (TG_NAME, current_user, current_setting('search_path'), 'refused');
	END;
	RETURN NULL;
END
$$;
CREATE TRIGGER grab AFTER UPDATE ON tenant.pupils FOR EACH ROW EXECUTE FUNCTION tenant.grab();
INSERT INTO tenant.pupils (pgn) VALUES ('100000009');
RESET ROLE;

SELECT ok(pg_temp.work() >= 2, 'the worker''s contract functions store the Stampseudonym and the ECK iD');
SELECT is((SELECT eck_id::text FROM tenant.pupils), (SELECT pg_temp.eck(hpgn) FROM tenant.pupils),
	'the answer is written into the table that asked');
SELECT is((SELECT array_agg(ARRAY[who, path, outcome]) FROM nvt_seen WHERE what = 'grab'),
	ARRAY[ARRAY['nvt_owner', 'pg_catalog, pg_temp', 'refused']],
	'the owner''s trigger ran as the owner, with the safe search_path, and could not make it superuser');
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = 'nvt_owner'), 'the owner is not superuser');
-- control: the same trigger fired by a superuser's own UPDATE becomes superuser
UPDATE tenant.pupils SET eck_id = NULL;
SELECT is((SELECT array_agg(ARRAY[who, outcome]) FROM nvt_seen WHERE what = 'grab' AND who = current_user),
	ARRAY[ARRAY[current_user::text, 'superuser']],
	'control: fired by a superuser, the probe sees the escalation');
ALTER ROLE nvt_owner NOSUPERUSER;
DELETE FROM nvt_seen;

-- an application granted only eckid.nv_request(), and an expression index
SET LOCAL ROLE nvt_owner;
CREATE TABLE tenant.accounts (hpgn text, eck_id eckid.eckid);
-- declared immutable (an index needs it), and calls a volatile function
CREATE FUNCTION tenant.grab_role() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		EXECUTE 'ALTER ROLE nvt_owner SUPERUSER';
		INSERT INTO public.nvt_seen VALUES ('index', current_user, current_setting('search_path'), 'superuser');
	EXCEPTION WHEN insufficient_privilege THEN
		INSERT INTO public.nvt_seen VALUES ('index', current_user, current_setting('search_path'), 'refused');
	END;
END
$$;
CREATE FUNCTION tenant.idx(e eckid.eckid) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF e IS NOT NULL THEN
		PERFORM tenant.grab_role();
	END IF;
	RETURN e::text;
END
$$;
CREATE INDEX ON tenant.accounts (tenant.idx(eck_id));
INSERT INTO tenant.accounts VALUES (pg_temp.hp(1), NULL);
GRANT SELECT, UPDATE ON tenant.accounts TO nvt_app;
RESET ROLE;
SET LOCAL ROLE nvt_app;
SELECT eckid.nv_request('tenant.accounts', 'hpgn', 'eck_id', pg_temp.hp(1), 'chain-t', 'PO');
RESET ROLE;
SELECT ok(pg_temp.work() >= 2, '(worked off)');
SELECT is((SELECT eck_id::text FROM tenant.accounts), pg_temp.eck(pg_temp.hp(1)), 'the application''s table is written');
SELECT is((SELECT array_agg(DISTINCT ARRAY[who, outcome]) FROM nvt_seen WHERE what = 'index'),
	ARRAY[ARRAY['nvt_owner', 'refused']], 'its index expression ran as the table''s owner, not as superuser');
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = 'nvt_owner'), 'and its owner is not superuser');
SELECT is((SELECT requester FROM eckid_internal.nv_item_target it JOIN eckid_internal.nv_target g ON g.id = it.target_id
			WHERE g.table_name = 'accounts'), 'nvt_app', 'the role that asked is recorded with the request');
SELECT is((SELECT requester FROM eckid_internal.nv_item_target it JOIN eckid_internal.nv_target g ON g.id = it.target_id
			WHERE g.table_name = 'pupils'), '', 'a request of the table''s trigger is its owner''s');
DELETE FROM nvt_seen;

------------------------------------------------------------------------------
-- The rights of the role that asked: checked again when written
------------------------------------------------------------------------------

SET LOCAL ROLE nvt_owner;
INSERT INTO tenant.accounts VALUES (pg_temp.hp(2), NULL);
RESET ROLE;
SET LOCAL ROLE nvt_app;
SELECT eckid.nv_request('tenant.accounts', 'hpgn', 'eck_id', pg_temp.hp(2), 'chain-t', 'PO');
RESET ROLE;
SET LOCAL ROLE nvt_owner;
REVOKE UPDATE ON tenant.accounts FROM nvt_app;
RESET ROLE;
SELECT ok(pg_temp.work() >= 2, '(worked off)');
SELECT ok((SELECT eck_id IS NULL FROM tenant.accounts WHERE hpgn = pg_temp.hp(2)),
	'a role that lost UPDATE on the ECK iD column has nothing written');
SELECT is((SELECT reason FROM eckid.nv_failure WHERE 'tenant.accounts' = ANY (tables)),
	'the answer could not be written into table tenant.accounts (SQLSTATE 42501): role "nvt_app" that asked for ECK iDs in table "accounts" may no longer read column "hpgn" and update column "eck_id"',
	'eckid.nv_failure says why, for that table');
SELECT is((SELECT state FROM eckid_internal.nv_item WHERE operation = 'eckid' AND hpgn = pg_temp.hp(2)), 'done',
	'the item itself is done (other tables may share it)');
-- control: the right given back and the write requeued: written
SET LOCAL ROLE nvt_owner;
GRANT UPDATE ON tenant.accounts TO nvt_app;
RESET ROLE;
SELECT is(eckid.nv_requeue((SELECT array_agg(item) FROM eckid.nv_failure WHERE 'tenant.accounts' = ANY (tables))), 1,
	'eckid.nv_requeue() takes the failed write');
SELECT is(pg_temp.work(), 0, '(nothing to ask the service)');
SELECT is((SELECT eck_id::text FROM tenant.accounts WHERE hpgn = pg_temp.hp(2)), pg_temp.eck(pg_temp.hp(2)),
	'control: with the right given back, the next claim writes it');

------------------------------------------------------------------------------
-- Row-level security of the role that asked
------------------------------------------------------------------------------

SET LOCAL ROLE nvt_owner;
CREATE TABLE tenant.enrolment (school text, hpgn text, eck_id eckid.eckid);
ALTER TABLE tenant.enrolment ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_school ON tenant.enrolment USING (school = current_user);
GRANT SELECT, UPDATE ON tenant.enrolment TO nvt_school_a;
INSERT INTO tenant.enrolment VALUES ('nvt_school_a', pg_temp.hp(3), NULL), ('nvt_school_b', pg_temp.hp(4), NULL);
RESET ROLE;
SET LOCAL ROLE nvt_school_a;
SELECT is((SELECT count(*) FROM tenant.enrolment), 1::bigint, '(school a sees only its own pupil)');
WITH u AS (UPDATE tenant.enrolment SET eck_id = NULL WHERE hpgn = pg_temp.hp(4) RETURNING 1)
SELECT is((SELECT count(*) FROM u), 0::bigint, '(and its own UPDATE of school b''s pupil changes no row)');
SELECT eckid.nv_request('tenant.enrolment', 'hpgn', 'eck_id', pg_temp.hp(4), 'chain-x', 'VO');
SELECT eckid.nv_request('tenant.enrolment', 'hpgn', 'eck_id', pg_temp.hp(3), 'chain-x', 'VO');
RESET ROLE;
SELECT ok(pg_temp.work() >= 2, '(worked off)');
SELECT ok((SELECT eck_id IS NULL FROM tenant.enrolment WHERE school = 'nvt_school_b'),
	'a request for another school''s pupil writes nothing there: the requester''s policies decide');
SELECT is((SELECT eck_id::text FROM tenant.enrolment WHERE school = 'nvt_school_a'), pg_temp.eck(pg_temp.hp(3)),
	'control: its own pupil is written');

------------------------------------------------------------------------------
-- One table's failure is that table's alone
------------------------------------------------------------------------------

CREATE TABLE tenant.good (hpgn text, eck_id eckid.eckid);
CREATE TABLE tenant.conflicted (hpgn text, eck_id eckid.eckid);
CREATE TABLE tenant.strict (hpgn text, eck_id eckid.eckid CHECK (eck_id IS NULL OR eckid.segment(eck_id) = 'x'));
CREATE FUNCTION tenant.conflict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'could not serialize access (made up)' USING ERRCODE = 'serialization_failure';
END
$$;
CREATE TRIGGER conflict BEFORE UPDATE ON tenant.conflicted FOR EACH ROW EXECUTE FUNCTION tenant.conflict();
INSERT INTO tenant.good VALUES (pg_temp.hp(5), NULL), (pg_temp.hp(6), NULL);
INSERT INTO tenant.conflicted VALUES (pg_temp.hp(5), NULL);
INSERT INTO tenant.strict VALUES (pg_temp.hp(6), NULL);
SELECT eckid.nv_request(t, 'hpgn', 'eck_id', h, 'chain-i', 'PO')
  FROM (VALUES ('tenant.good'::regclass, pg_temp.hp(5)), ('tenant.good', pg_temp.hp(6)),
			   ('tenant.conflicted', pg_temp.hp(5)), ('tenant.strict', pg_temp.hp(6))) v(t, h);
SELECT ok(pg_temp.work() >= 2, 'a batch with a table that always fails to serialize is stored');
SELECT is((SELECT array_agg(eck_id::text ORDER BY hpgn) FROM tenant.good),
	ARRAY[pg_temp.eck(pg_temp.hp(5)), pg_temp.eck(pg_temp.hp(6))], 'the other tables of the batch are written');
SELECT is((SELECT array_agg(state ORDER BY hpgn) FROM eckid_internal.nv_item WHERE operation = 'eckid' AND chain = 'chain-i'),
	ARRAY['done', 'done'], 'both items are done: the failures are the tables''');
SELECT ok((SELECT it.retry_at IS NOT NULL AND it.failed_at IS NULL AND it.attempts = 1
			 FROM eckid_internal.nv_item_target it JOIN eckid_internal.nv_target g ON g.id = it.target_id
			WHERE g.table_name = 'conflicted'), 'the serialization failure is tried again later, for that table');
SELECT is((SELECT array_agg(reason) FROM eckid.nv_failure WHERE 'tenant.strict' = ANY (tables)),
	ARRAY['the answer could not be written into table tenant.strict (SQLSTATE 23514): new row for relation "strict" violates check constraint "strict_eck_id_check"'],
	'a table''s CHECK constraint fails that table''s write at once');
SELECT is((SELECT count(*) FROM eckid.nv_failure WHERE chain = 'chain-i'), 1::bigint,
	'and only that: the item shared with tenant.good is not failed');
-- the retries: due now, five more times, then failed with its SQLSTATE
CREATE FUNCTION pg_temp.retry_now() RETURNS void LANGUAGE sql AS $$
	UPDATE eckid_internal.nv_item_target SET retry_at = '-infinity' WHERE retry_at IS NOT NULL;
	SELECT count(*) FROM eckid.nv_claim('nvt', 1, '1 min');
$$;
SELECT pg_temp.retry_now() FROM generate_series(1, 5);
SELECT is((SELECT reason FROM eckid.nv_failure WHERE 'tenant.conflicted' = ANY (tables)),
	'the answer could not be written into table tenant.conflicted (SQLSTATE 40001): could not serialize access (made up)',
	'after six attempts the serialization failure is that table''s failure, with its SQLSTATE');
SELECT is((SELECT attempts FROM eckid.nv_failure WHERE 'tenant.conflicted' = ANY (tables)), 6, 'after six attempts');
SELECT is((SELECT failed FROM eckid.nv_status WHERE operation = 'eckid'), 2::bigint,
	'eckid.nv_status counts the failed writes');

------------------------------------------------------------------------------
-- A monitoring role with the documented grant
------------------------------------------------------------------------------

SET LOCAL ROLE nvt_monitor;
SELECT lives_ok($$SELECT * FROM eckid.nv_status$$, 'a role granted SELECT on eckid.nv_status reads all of it (last_error too)');
SELECT lives_ok($$SELECT * FROM eckid.nv_failure$$, 'and eckid.nv_failure, reason too');
SELECT is((SELECT count(*) FROM eckid.nv_failure WHERE reason ~ '[0-9a-f]{32}'), 0::bigint,
	'which shows no HPgn or pseudonym');
RESET ROLE;

------------------------------------------------------------------------------
-- Answers of the wrong kind
------------------------------------------------------------------------------

CREATE TABLE tenant.kinds (hpgn text, eck_id eckid.eckid);
INSERT INTO tenant.kinds SELECT pg_temp.hp(n), NULL FROM generate_series(10, 13) n;
SELECT eckid.nv_request('tenant.kinds', 'hpgn', 'eck_id', pg_temp.hp(n), 'chain-k', 'PO') FROM generate_series(10, 13) n;
CREATE TEMP TABLE k1 AS SELECT * FROM eckid.nv_claim('nvt', 1000, '1 min');
SELECT is((SELECT min(operation) FROM k1), 'stampseudonym', '(a Stampseudonym batch)');
SELECT is(eckid.nv_store((SELECT min(batch_id) FROM k1), 'nvt', '{0,1,2,3}',
		ARRAY['https://ketenid.nl/pilot/' || pg_temp.hp(10) || pg_temp.hp(10),
			  'https://ketenid.nl/201703/' || pg_temp.hp(11) || pg_temp.hp(11),
			  'https://ketenid.nl/localsp/' || pg_temp.hp(12) || pg_temp.hp(12),
			  pg_temp.sp(pg_temp.hp(13))], NULL, NULL), 1,
	'of four Stampseudonyms answered only the one of a Stampseudonym''s kind is stored');
SELECT is((SELECT array_agg(reason ORDER BY item) FROM eckid.nv_failure WHERE operation = 'stampseudonym'),
	ARRAY['the service answered an ECK iD (segment "pilot") where a Stampseudonym was asked',
		  'the service answered an ECK iD (segment "201703") where a Stampseudonym was asked',
		  'the service answered a value with segment "localsp", which eckid gives locally derived values'],
	'an ECK iD, a production ECK iD and a local value are refused as Stampseudonyms');
SELECT is((SELECT count(*) FROM eckid_internal.nv_stampseudonym WHERE hpgn IN (pg_temp.hp(10), pg_temp.hp(11), pg_temp.hp(12))),
	0::bigint, 'and not kept');
CREATE TEMP TABLE k2 AS SELECT * FROM eckid.nv_claim('nvt', 1000, '1 min');
SELECT is((SELECT min(operation) || ' ' || count(*) FROM k2), 'eckid 1', '(the ECK iD batch of the one that was stored)');
SELECT is(eckid.nv_store((SELECT min(batch_id) FROM k2), 'nvt', '{0}', ARRAY[pg_temp.sp(pg_temp.hp(13))], NULL, NULL), 0,
	'a Stampseudonym answered as an ECK iD is not stored');
SELECT ok((SELECT eck_id IS NULL FROM tenant.kinds WHERE hpgn = pg_temp.hp(13)), 'nor written into the LAS table');
SELECT is((SELECT reason FROM eckid.nv_failure WHERE operation = 'eckid' AND chain = 'chain-k'),
	'the service answered a Stampseudonym (segment "sppilot") where an ECK iD was asked', 'the item fails with the reason');
UPDATE eckid_internal.nv_item SET state = 'pending', error = NULL, failed_at = NULL
 WHERE operation = 'eckid' AND chain = 'chain-k';
CREATE TEMP TABLE k3 AS SELECT * FROM eckid.nv_claim('nvt', 1000, '1 min');
SELECT is(eckid.nv_store((SELECT min(batch_id) FROM k3), 'nvt', '{0}',
		ARRAY['https://ketenid.nl/local/' || pg_temp.hp(13) || pg_temp.hp(13)], NULL, NULL), 0,
	'nor a locally derived ECK iD');
UPDATE eckid_internal.nv_item SET state = 'pending', error = NULL, failed_at = NULL
 WHERE operation = 'eckid' AND chain = 'chain-k';
CREATE TEMP TABLE k4 AS SELECT * FROM eckid.nv_claim('nvt', 1000, '1 min');
SELECT is(eckid.nv_store((SELECT min(batch_id) FROM k4), 'nvt', '{0}', ARRAY[pg_temp.eck(pg_temp.hp(13))], NULL, NULL), 1,
	'control: an ECK iD is stored');

------------------------------------------------------------------------------
-- Temporary tables, renamed tables, reused OIDs
------------------------------------------------------------------------------

CREATE TEMP TABLE tmp_pupils (pgn text, hpgn text, eck_id eckid.eckid);
SELECT throws_ok($$SELECT eckid.nv_request('tmp_pupils', 'hpgn', 'eck_id', lpad('1', 64, '0'), 'c', 's')$$,
	'0A000', 'temporary table "tmp_pupils" cannot ask Nummervoorziening for ECK iDs',
	'eckid.nv_request() refuses a temporary table');
CREATE TRIGGER tmp_eckid BEFORE INSERT ON tmp_pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'c', 's', 'nummervoorziening');
SELECT throws_ok($$INSERT INTO tmp_pupils (pgn) VALUES ('100000009')$$,
	'0A000', 'temporary table "tmp_pupils" cannot ask Nummervoorziening for ECK iDs',
	'and so does the trigger');

ALTER TABLE tenant.good RENAME TO good_renamed;
ALTER TABLE tenant.good_renamed RENAME COLUMN eck_id TO ecid;
SELECT is((SELECT table_name || '.' || eckid_column FROM eckid_internal.nv_target WHERE table_oid = 'tenant.good_renamed'::regclass),
	'good_renamed.ecid', 'a rename by the owner is followed (event trigger)');
UPDATE tenant.good_renamed SET ecid = NULL;
INSERT INTO tenant.good_renamed VALUES (pg_temp.hp(20), NULL);
SELECT eckid.nv_request('tenant.good_renamed', 'hpgn', 'ecid', pg_temp.hp(20), 'chain-r', 'PO');
-- as if the recorded table were gone and its OID given to another
UPDATE eckid_internal.nv_target SET table_name = 'good' WHERE table_oid = 'tenant.good_renamed'::regclass;
SELECT ok(pg_temp.work() >= 2, '(worked off)');
SELECT ok((SELECT ecid IS NULL FROM tenant.good_renamed WHERE hpgn = pg_temp.hp(20)),
	'a table whose name is not the one recorded is not written');
SELECT is((SELECT reason FROM eckid.nv_failure WHERE chain = 'chain-r'),
	'the answer could not be written into table tenant.good (SQLSTATE 42703): table tenant.good is no longer the table, or no longer has the columns, that asked for ECK iDs',
	'and the failure says so');

SELECT * FROM finish();
ROLLBACK;
