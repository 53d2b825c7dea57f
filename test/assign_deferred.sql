-- eckid.assign() with the flag deferred (docs/row-level.md, "Deferred mode"):
-- the BEFORE trigger checks the PGN and leaves the HPgn NULL; the deferred
-- constraint trigger writes HPgn and ECK iD at the flush (commit, or SET
-- CONSTRAINTS ... IMMEDIATE).  The file runs in one transaction, so every
-- flush here is a SET CONSTRAINTS; test/shell/assign_deferred.sh commits.
-- The values are compared with those of a table with the immediate trigger.
BEGIN;
SELECT plan(35);

\set chain '''http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795'''
\set sector '''http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725'''
-- Kennisnet's test vector: the HPgn of 063138219 with the test salt
\set vector '''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''

CREATE ROLE eckid_deferred_owner;
CREATE ROLE eckid_deferred_inserter;
GRANT CREATE ON SCHEMA public TO eckid_deferred_owner;

-- The pair of triggers on a table, as docs/row-level.md shows it.
CREATE FUNCTION pg_temp.deferred_pair(tbl text, chain text, sector text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE format($$CREATE TRIGGER %1$s_eckid BEFORE INSERT OR UPDATE ON %1$s FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', %2$L, %3$L, 'deferred')$$,
		tbl, chain, sector);
	EXECUTE format($$CREATE CONSTRAINT TRIGGER %1$s_eckid_flush AFTER INSERT OR UPDATE ON %1$s
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.hpgn IS NULL AND NEW.pgn IS NOT NULL)
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', %2$L, %3$L, 'deferred')$$,
		tbl, chain, sector);
END
$f$;

SET ROLE eckid_deferred_owner;
CREATE TABLE pupils_d (id serial PRIMARY KEY, pgn text, hpgn text, eck eckid.eckid);
CREATE TABLE pupils_i (id serial PRIMARY KEY, pgn text, hpgn text, eck eckid.eckid);
RESET ROLE;
SELECT pg_temp.deferred_pair('pupils_d', :chain, :sector);

-- The context of the error a statement raises, or NULL.
CREATE FUNCTION pg_temp.context_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE c text;
BEGIN
	EXECUTE query;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS c = PG_EXCEPTION_CONTEXT;
	RETURN c;
END $$;
CREATE TRIGGER pupils_i_eckid BEFORE INSERT OR UPDATE ON pupils_i FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', :chain, :sector);

-- 1. Each statement form: before the flush the rows have no HPgn or ECK iD.
INSERT INTO pupils_d (pgn) VALUES ('063138219');
INSERT INTO pupils_d (pgn) SELECT '1000000' || g || 'a' FROM generate_series(1, 2) g;
COPY pupils_d (pgn) FROM STDIN;
20000001b
20000002b
\.
DO $$ BEGIN FOR i IN 1..2 LOOP INSERT INTO pupils_d (pgn) VALUES ('3000000' || i || 'c'); END LOOP; END $$;
SELECT is((SELECT count(*) FROM pupils_d WHERE hpgn IS NULL AND eck IS NULL), 7::bigint,
	'before the flush, every row of every statement form has a NULL HPgn and ECK iD');

SET CONSTRAINTS pupils_d_eckid_flush IMMEDIATE;
SELECT is((SELECT count(*) FROM pupils_d WHERE hpgn IS NOT NULL AND eck IS NOT NULL), 7::bigint,
	'SET CONSTRAINTS ... IMMEDIATE flushes: every row has its HPgn and ECK iD');
SELECT is((SELECT hpgn FROM pupils_d WHERE pgn = '063138219'), :vector,
	'the flushed HPgn is Kennisnet''s test vector');
SET CONSTRAINTS ALL DEFERRED;

INSERT INTO pupils_i (pgn) SELECT pgn FROM pupils_d;
SELECT is((SELECT count(*) FROM pupils_d d JOIN pupils_i i USING (pgn) WHERE d.hpgn = i.hpgn AND d.eck = i.eck),
	7::bigint, 'every HPgn and ECK iD equals the immediate mode''s');

-- 2. A row changed before the flush: the flush takes the PGN it has then.
INSERT INTO pupils_d (pgn) VALUES ('40000001d');
UPDATE pupils_d SET pgn = '40000002d' WHERE pgn = '40000001d';
UPDATE pupils_d SET pgn = '063138219', id = 100 WHERE pgn = '40000002d';
INSERT INTO pupils_d (pgn) VALUES ('50000001e');
DELETE FROM pupils_d WHERE pgn = '50000001e';
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT hpgn FROM pupils_d WHERE id = 100), :vector,
	'a PGN changed twice before the flush: the row gets the HPgn of the last PGN');
SELECT is((SELECT count(*) FROM eckid.hpgn_replacement), 0::bigint,
	'changes before the flush record no replacement (the row never had another HPgn)');
SELECT is((SELECT count(*) FROM pupils_d WHERE pgn IS NOT NULL AND (hpgn IS NULL OR eck IS NULL)), 0::bigint,
	'after the flush no row is left without its values (updated versions followed, deleted rows skipped)');

-- 3. A flushed row whose PGN changes is handled at once, as in the immediate mode.
UPDATE pupils_d SET pgn = '10000001a' WHERE id = 100;
SELECT ok((SELECT hpgn IS NOT NULL FROM pupils_d WHERE id = 100),
	'an UPDATE of the PGN of a row that has its HPgn is hashed at once');
SELECT is((SELECT new_hpgn FROM eckid.hpgn_replacement WHERE old_hpgn = :vector),
	(SELECT hpgn FROM pupils_d WHERE id = 100),
	'and the old HPgn is replaced by the new one, as in the immediate mode');

-- 4. A bad PGN fails its own statement, at once.
SELECT throws_ok($$INSERT INTO pupils_d (pgn) VALUES ('123456789')$$, '22023',
	'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'a bad PGN is refused by its INSERT, not at the flush');

-- 5. Refusals: the triggers' arguments.
CREATE TABLE refused (id int, pgn text, hpgn text, eck eckid.eckid);
CREATE TRIGGER r_before BEFORE INSERT OR UPDATE ON refused FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
SELECT throws_like($$INSERT INTO refused (pgn) VALUES ('063138219')$$,
	'%has the flag deferred but no deferred constraint trigger of eckid.assign() with the same arguments',
	'the BEFORE trigger with deferred refuses to run without its constraint trigger');
DROP TRIGGER r_before ON refused;
CREATE CONSTRAINT TRIGGER r_flush AFTER INSERT OR UPDATE ON refused DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
SELECT throws_like($q$DO $b$ BEGIN
	INSERT INTO refused (pgn) VALUES ('063138219');
	SET CONSTRAINTS r_flush IMMEDIATE;
END $b$$q$,
	'%has no BEFORE trigger of eckid.assign() with the same arguments',
	'the constraint trigger refuses to run without its BEFORE trigger');
DROP TRIGGER r_flush ON refused;
CREATE CONSTRAINT TRIGGER r_flush AFTER INSERT OR UPDATE ON refused
	FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
CREATE TRIGGER r_before BEFORE INSERT OR UPDATE ON refused FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
SELECT throws_like($$INSERT INTO refused (pgn) VALUES ('063138219')$$,
	'%has the flag deferred but no deferred constraint trigger%',
	'a constraint trigger that is not DEFERRABLE INITIALLY DEFERRED does not count as the pair');
DROP TRIGGER r_flush ON refused;
DROP TRIGGER r_before ON refused;
CREATE TRIGGER r_before BEFORE INSERT OR UPDATE ON refused FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred', 'wipe_pgn');
SELECT throws_ok($$INSERT INTO refused (pgn) VALUES ('063138219')$$, '22023',
	'the flags deferred and wipe_pgn of eckid.assign() cannot be combined',
	'deferred with wipe_pgn is refused');
DROP TRIGGER r_before ON refused;
CREATE TRIGGER r_before BEFORE INSERT OR UPDATE ON refused FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', '', 'eck', 'c', 's', 'deferred');
SELECT throws_ok($$INSERT INTO refused (pgn) VALUES ('063138219')$$, '22023',
	'the flag deferred of eckid.assign() needs an HPgn column',
	'deferred without an HPgn column is refused');
DROP TRIGGER r_before ON refused;
ALTER TABLE refused ALTER COLUMN eck SET NOT NULL;
CREATE TRIGGER r_before BEFORE INSERT OR UPDATE ON refused FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
SELECT throws_ok($$INSERT INTO refused (pgn) VALUES ('063138219')$$, '22023',
	'the HPgn and ECK iD columns given to eckid.assign() with the flag deferred must allow NULL',
	'deferred with a NOT NULL ECK iD column is refused');
SELECT is((SELECT count(*) FROM refused), 0::bigint, 'no refused INSERT stored a row');
-- the probe sees the positive: the same table with a complete pair and NULLable columns takes the row
ALTER TABLE refused ALTER COLUMN eck DROP NOT NULL;
CREATE CONSTRAINT TRIGGER r_flush AFTER INSERT OR UPDATE ON refused DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'c', 's', 'deferred');
SELECT lives_ok($$INSERT INTO refused (pgn) VALUES ('063138219')$$,
	'with both triggers the same INSERT is taken');
SELECT lives_ok($$SET CONSTRAINTS r_flush IMMEDIATE$$, 'and flushed');
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT hpgn FROM refused), :vector, 'with its HPgn');

-- 6. The backfill finds the BEFORE trigger of the pair as the table's one trigger.
SELECT is(eckid_internal.backfill_remaining('pupils_d'), 0::bigint,
	'the backfill takes the pair''s BEFORE trigger as the table''s eckid.assign() trigger');

-- 7. A failure at the flush: an error naming the row, and nothing half written.
CREATE FUNCTION pg_temp.break_pgn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	-- after eckid.assign() has checked the PGN (triggers fire by name)
	IF NEW.pgn = '60000001f' THEN NEW.pgn := '123456789'; END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER pupils_d_zz_break BEFORE INSERT ON pupils_d FOR EACH ROW EXECUTE FUNCTION pg_temp.break_pgn();
SELECT throws_like($q$DO $b$ BEGIN
	INSERT INTO pupils_d (pgn) VALUES ('60000002f'), ('60000001f');
	SET CONSTRAINTS ALL IMMEDIATE;
END $b$$q$, 'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'a PGN broken after the check fails the flush with the PGN rule''s error');
SELECT matches(pg_temp.context_of($q$DO $b$ BEGIN
	INSERT INTO pupils_d (pgn) VALUES ('60000001f');
	SET CONSTRAINTS ALL IMMEDIATE;
END $b$$q$), 'row at ctid \(\d+,\d+\).*eckid.assign\(\) trigger "pupils_d_eckid_flush" on table "pupils_d"',
	'its context names the row by ctid, the trigger and the table');
SELECT unalike(pg_temp.context_of($q$DO $b$ BEGIN
	INSERT INTO pupils_d (pgn) VALUES ('60000001f');
	SET CONSTRAINTS ALL IMMEDIATE;
END $b$$q$), '%123456789%', 'and never the PGN');
SELECT is((SELECT count(*) FROM pupils_d WHERE pgn LIKE '6%' OR pgn = '123456789'), 0::bigint,
	'nothing of the failed flush is left, not even the row before it');
DROP TRIGGER pupils_d_zz_break ON pupils_d;

-- 8. A role with INSERT only: the flush writes as the table's owner.
GRANT INSERT ON pupils_d TO eckid_deferred_inserter;
GRANT USAGE ON SEQUENCE pupils_d_id_seq TO eckid_deferred_inserter;
SET ROLE eckid_deferred_inserter;
INSERT INTO pupils_d (pgn) VALUES ('70000001g');
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'a role with only INSERT flushes its rows');
SET CONSTRAINTS ALL DEFERRED;
SELECT throws_ok($$SELECT 1 FROM pupils_d$$, '42501', NULL, '(and may not read the table itself)');
RESET ROLE;
SELECT ok((SELECT hpgn IS NOT NULL AND eck IS NOT NULL FROM pupils_d WHERE pgn = '70000001g'),
	'its row has its HPgn and ECK iD');

-- 9. A hostile table owner: its triggers on the flush's UPDATE run as the owner, security-restricted.
CREATE TABLE public.seen (who text, restricted boolean);
GRANT INSERT ON public.seen TO eckid_deferred_owner;
SET ROLE eckid_deferred_owner;
CREATE FUNCTION public.owner_spy() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r boolean := false;
BEGIN
	BEGIN
		CREATE TEMP TABLE escalate (x int);  -- refused in a security-restricted operation
	EXCEPTION WHEN insufficient_privilege THEN r := true;
	END;
	INSERT INTO public.seen VALUES (current_user, r);
	RETURN NEW;
END $$;
CREATE TRIGGER pupils_d_spy AFTER UPDATE ON pupils_d FOR EACH ROW EXECUTE FUNCTION public.owner_spy();
RESET ROLE;
INSERT INTO pupils_d (pgn) VALUES ('80000001h');
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT who FROM public.seen), 'eckid_deferred_owner',
	'the owner''s trigger on the flush''s UPDATE runs as the owner, not as the superuser who inserted');
SELECT is((SELECT restricted FROM public.seen), true,
	'in a security-restricted operation');
SELECT is((SELECT count(*) FROM public.seen), 1::bigint, '(the probe fired once: the flush''s UPDATE)');

-- 10. With nummervoorziening: the flush writes the HPgn and queues the request; the ECK iD stays NULL.
CREATE TABLE pupils_nv (id serial PRIMARY KEY, pgn text, hpgn text, eck eckid.eckid);
CREATE TRIGGER pupils_nv_eckid BEFORE INSERT OR UPDATE ON pupils_nv FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'chain-a', 'PO', 'nummervoorziening', 'deferred');
CREATE CONSTRAINT TRIGGER pupils_nv_eckid_flush AFTER INSERT OR UPDATE ON pupils_nv
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.hpgn IS NULL AND NEW.pgn IS NOT NULL)
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck', 'chain-a', 'PO', 'nummervoorziening', 'deferred');
INSERT INTO pupils_nv (pgn) SELECT '9000000' || g || 'n' FROM generate_series(1, 2) g;
SELECT is((SELECT count(*) FROM eckid_internal.nv_item_target it
			JOIN eckid_internal.nv_target t ON t.id = it.target_id WHERE t.table_oid = 'pupils_nv'::regclass), 0::bigint,
	'with nummervoorziening, nothing is queued before the flush');
SET CONSTRAINTS pupils_nv_eckid_flush IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT is((SELECT count(*) FROM pupils_nv WHERE hpgn IS NOT NULL AND eck IS NULL), 2::bigint,
	'the flush writes the HPgn and leaves the ECK iD to the service');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item i JOIN pupils_nv p ON p.hpgn = i.hpgn
			WHERE i.operation = 'eckid' AND i.chain = 'chain-a' AND i.sector = 'PO'), 2::bigint,
	'and queues an ECK iD request for each row, in the trigger''s chain and sector');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item_target it
			JOIN eckid_internal.nv_target t ON t.id = it.target_id WHERE t.table_oid = 'pupils_nv'::regclass), 2::bigint,
	'(the probe of the queue before the flush sees them now)');

SELECT * FROM finish();
ROLLBACK;
