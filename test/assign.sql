-- eckid.assign(): the row-level trigger (docs/row-level.md).
-- Every successful HPgn costs about 1.2 s (scrypt: 128 MiB with libsodium, 512 MiB on the AVX-512 path); this file
-- computes 19, and checks HPgns against known values where it can instead
-- of hashing twice.
BEGIN;
SELECT plan(95);

\set chain '''http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795'''
\set sector '''http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725'''
-- Kennisnet's test vector: the HPgn of 063138219 with the test salt
\set vector '''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''
-- the HPgn of '20dp teacher@school.nl' (expected/hpgn.out, checked against Python)
\set employee '''230e701391a7d646ef70bcadf783d303feae51bf0bc40a906d91913aaba32d3c'''

-- The ECK iD the trigger derives locally from an HPgn.
CREATE FUNCTION pg_temp.local_eckid(hpgn text) RETURNS eckid.eckid LANGUAGE sql AS $$
	SELECT eckid.derive(eckid.stampseudonym(hpgn),
		'http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795',
		'http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725')
$$;

-- Message, detail, hint and the innermost context line of the error a
-- statement raises.
CREATE FUNCTION pg_temp.error_text(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	m text; d text; h text; c text;
BEGIN
	EXECUTE query;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT,
							c = PG_EXCEPTION_CONTEXT;
	-- the context's first line is the trigger's; the rest is this function
	RETURN concat_ws(E'\n', m, nullif(d, ''), nullif(h, ''), split_part(c, E'\n', 1));
END
$$;

-- The SQLSTATE of a statement, or NULL; unlike throws_ok() this also sees
-- a cancel (query_canceled is not among OTHERS).
CREATE FUNCTION pg_temp.sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN NULL;
EXCEPTION WHEN query_canceled OR OTHERS THEN
	RETURN SQLSTATE;
END
$$;

CREATE TABLE eckid_test.pupils (
	id		integer PRIMARY KEY,
	name	text,
	pgn		text,
	hpgn	text,
	eck_id	eckid.eckid
);
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON eckid_test.pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', :chain, :sector);
CREATE VIEW pg_temp.p AS SELECT * FROM eckid_test.pupils;

------------------------------------------------------------------------------
-- INSERT
------------------------------------------------------------------------------

SELECT lives_ok($$INSERT INTO eckid_test.pupils (id, name, pgn) VALUES (1, 'bsn', '063138219')$$,
	'INSERT of a pupil with a BSN');
SELECT is(hpgn, :vector, 'the HPgn of the BSN is Kennisnet''s') FROM p WHERE id = 1;
SELECT is(eck_id, pg_temp.local_eckid(hpgn), 'the ECK iD is derived locally from it') FROM p WHERE id = 1;
SELECT is(eckid.segment(eck_id), 'local', 'and labelled as a local value') FROM p WHERE id = 1;
SELECT is(pgn, '063138219', 'the PGN is stored as given') FROM p WHERE id = 1;

SELECT lives_ok($$INSERT INTO eckid_test.pupils (id, name, pgn) VALUES (2, 'bsn8', '63138219')$$,
	'INSERT of an 8-digit BSN');
SELECT is(hpgn, :vector, 'an 8-digit BSN is padded to 9 before hashing (HPgn of ''0'' || pgn)') FROM p WHERE id = 2;
SELECT is(pgn, '63138219', 'the stored PGN itself is not rewritten') FROM p WHERE id = 2;

SELECT lives_ok($$INSERT INTO eckid_test.pupils (id, name, pgn) VALUES (3, 'onderwijsnummer', '101222331')$$,
	'INSERT of a pupil with an onderwijsnummer');
SELECT ok(eckid.hpgn_is_valid(hpgn) AND hpgn <> :vector, 'gets an HPgn of its own') FROM p WHERE id = 3;
SELECT is(eck_id, pg_temp.local_eckid(hpgn), 'and the ECK iD of that HPgn') FROM p WHERE id = 3;

SELECT lives_ok($$INSERT INTO eckid_test.pupils (id, name, pgn) VALUES (4, 'teacher', '20DP Teacher@School.nl')$$,
	'INSERT of an employee identifier');
SELECT is(hpgn, :employee, 'an employee identifier is hashed as given (lowercased, not validated as a number)')
  FROM p WHERE id = 4;

SELECT lives_ok($$INSERT INTO eckid_test.pupils (id, name, pgn) VALUES (5, 'no pgn yet', NULL)$$,
	'INSERT without a PGN');
SELECT ok(hpgn IS NULL AND eck_id IS NULL, 'a NULL PGN leaves the HPgn and ECK iD NULL') FROM p WHERE id = 5;
SELECT lives_ok(format($$INSERT INTO eckid_test.pupils (id, name, pgn, hpgn) VALUES (7, 'imported', NULL, %L)$$,
						repeat('a', 64)),
	'INSERT without a PGN but with an HPgn');
SELECT ok(hpgn = repeat('a', 64) AND eck_id IS NULL, 'a NULL PGN leaves the other columns alone')
  FROM p WHERE id = 7;

SELECT lives_ok(format($$INSERT INTO eckid_test.pupils (id, name, pgn, eck_id) VALUES (6, 'supplied', '111222333', %L)$$,
						'https://ketenid.nl/201703/' || repeat('ab', 64)),
	'INSERT with an ECK iD imported from Nummervoorziening');
SELECT is(eck_id::text, 'https://ketenid.nl/201703/' || repeat('ab', 64), 'the supplied ECK iD is kept')
  FROM p WHERE id = 6;
SELECT ok(eckid.hpgn_is_valid(hpgn), 'and the HPgn is computed') FROM p WHERE id = 6;

-- Refused PGNs: 22023, naming the column, never the value.
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '123456789')$$,
	'22023', 'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'a 9-digit number failing the elfproef is refused');
SELECT is(strpos(pg_temp.error_text($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '123456789')$$), '123456789'),
	0, 'no part of the error (message, detail, hint, context) contains the PGN');
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '12345678')$$,
	'22023', 'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'an 8-digit number that is no BSN with its leading zero is refused');
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '1112223')$$,
	'22023', 'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'a 7-digit number is refused, not padded');
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '0111222333')$$,
	'22023', 'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'a 10-digit number is refused');
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '211222337')$$,
	'22023', 'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'an onderwijsnummer with the wrong prefix is refused');
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '111222333 ')$$,
	'22023', 'PGN in column "pgn" must not begin or end with whitespace',
	'eckid.hpgn''s rules apply, and their errors name the column');
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '20DP Éva@school.nl')$$,
	'22023', 'PGN in column "pgn" contains non-ASCII characters', 'a non-ASCII employee identifier is refused');
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '')$$,
	'22023', 'PGN in column "pgn" must not be empty', 'an empty PGN is refused');
SELECT is(pg_temp.error_text($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (90, '20DP Éva@school.nl')$$),
	E'PGN in column "pgn" contains non-ASCII characters\n'
	'eckid lowercases only ASCII letters, because the reference implementation''s lowercasing of other letters depends on the platform''s locale.\n'
	'eckid.assign() trigger "pupils_eckid" on table "pupils"',
	'the context names the trigger and the table');

-- A failing multi-row statement leaves nothing behind.
SELECT throws_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (10, '123456782'), (11, '123456789')$$,
	'22023', NULL, 'a multi-row INSERT whose second PGN is invalid fails');
SELECT is((SELECT count(*) FROM eckid_test.pupils), 7::bigint, 'and stores neither row');

------------------------------------------------------------------------------
-- UPDATE
------------------------------------------------------------------------------

CREATE TEMP TABLE before_update AS SELECT id, pgn, hpgn, eck_id FROM eckid_test.pupils;
CREATE TEMP TABLE replacements_before AS SELECT * FROM eckid.hpgn_replacement;

-- An UPDATE that leaves the PGN alone computes nothing.  Proof by time: a
-- hash with libsodium takes over a second (the AVX-512 path can be faster
-- than the margin, so it is switched off here), so under a 500 ms
-- statement_timeout an UPDATE that hashed would be cancelled.  The second
-- test shows that it would be.
SET LOCAL eckid.scrypt_implementation = 'libsodium';
SET LOCAL statement_timeout = '500ms';
SELECT is(pg_temp.sqlstate_of($$UPDATE eckid_test.pupils SET name = name || '!'$$), NULL,
	'an UPDATE of other columns of every row finishes within 500 ms: it hashes nothing');
SELECT is(pg_temp.sqlstate_of($$UPDATE eckid_test.pupils SET pgn = '123456782' WHERE id = 1$$), '57014',
	'whereas an UPDATE of one PGN does not (it hashes)');
SET LOCAL statement_timeout = 0;
RESET eckid.scrypt_implementation;
SELECT results_eq($$SELECT id, pgn, hpgn, eck_id FROM eckid_test.pupils ORDER BY id$$,
	$$SELECT id, pgn, hpgn, eck_id FROM before_update ORDER BY id$$,
	'and PGN, HPgn and ECK iD of every row are unchanged');

-- Onderwijsnummer to BSN: the pupil keeps the ECK iD.
SELECT lives_ok($$UPDATE eckid_test.pupils SET pgn = '123456782' WHERE id = 3$$,
	'UPDATE of an onderwijsnummer to a BSN');
SELECT isnt(p.hpgn, b.hpgn, 'the HPgn is that of the new PGN')
  FROM p JOIN before_update b USING (id) WHERE id = 3;
SELECT is(p.eck_id, b.eck_id, 'the ECK iD stays the same')
  FROM p JOIN before_update b USING (id) WHERE id = 3;
SELECT results_eq(
	$$SELECT new_hpgn, old_hpgn FROM eckid.hpgn_replacement EXCEPT SELECT new_hpgn, old_hpgn FROM replacements_before$$,
	$$SELECT p.hpgn, b.hpgn FROM p JOIN before_update b USING (id) WHERE id = 3$$,
	'the new HPgn is recorded as a replacement of the old one, as eckid.replace_hpgn() records it');
SELECT is(eckid.stampseudonym(p.hpgn), eckid.stampseudonym(b.hpgn),
	'eckid.stampseudonym() of the new HPgn is the old Stampseudonym')
  FROM p JOIN before_update b USING (id) WHERE id = 3;
SELECT is(p.eck_id, pg_temp.local_eckid(p.hpgn), 'so deriving from the new HPgn gives the same ECK iD')
  FROM p WHERE id = 3;

-- A PGN that changes but hashes the same: nothing to record.
SELECT lives_ok($$UPDATE eckid_test.pupils SET pgn = '063138219' WHERE id = 2$$,
	'UPDATE of an 8-digit BSN to its 9-digit form');
SELECT is((SELECT count(*) FROM eckid.hpgn_replacement), (SELECT count(*) + 1 FROM replacements_before),
	'records no replacement (the HPgn is the same)');
SELECT ok(p.hpgn = b.hpgn AND p.eck_id = b.eck_id, 'and keeps HPgn and ECK iD')
  FROM p JOIN before_update b USING (id) WHERE id = 2;

-- A row that had no HPgn or ECK iD yet is filled as on INSERT.
SELECT lives_ok($$UPDATE eckid_test.pupils SET pgn = '20DP other@school.nl' WHERE id = 5$$,
	'UPDATE that gives a row its first PGN');
SELECT ok(eckid.hpgn_is_valid(hpgn) AND eck_id = pg_temp.local_eckid(hpgn), 'fills HPgn and ECK iD')
  FROM p WHERE id = 5;
SELECT is((SELECT count(*) FROM eckid.hpgn_replacement), (SELECT count(*) + 1 FROM replacements_before),
	'and records no replacement');

-- Setting the PGN to NULL leaves the other columns alone.
SELECT lives_ok($$UPDATE eckid_test.pupils SET pgn = NULL WHERE id = 5$$, 'UPDATE of a PGN to NULL');
SELECT ok(hpgn IS NOT NULL AND eck_id IS NOT NULL, 'keeps HPgn and ECK iD') FROM p WHERE id = 5;

-- A failure after the replacement was recorded undoes it: a later BEFORE
-- trigger (triggers fire in name order) refuses the row.
CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.name = 'refuse' THEN
		RAISE EXCEPTION 'refused by a later trigger';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER zz_refuse BEFORE INSERT OR UPDATE ON eckid_test.pupils FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse();
CREATE TEMP TABLE replacements_mid AS SELECT * FROM eckid.hpgn_replacement;
SELECT throws_ok($$UPDATE eckid_test.pupils SET pgn = '20DP Teacher2@school.nl', name = 'refuse' WHERE id = 4$$,
	'P0001', 'refused by a later trigger', 'an UPDATE changing a PGN that fails after eckid.assign() ran');
SELECT set_eq($$SELECT * FROM eckid.hpgn_replacement$$, $$SELECT * FROM replacements_mid$$,
	'leaves no replacement record behind');
SELECT ok(p.pgn = b.pgn AND p.hpgn = b.hpgn, 'and the row unchanged') FROM p JOIN before_update b USING (id) WHERE id = 4;
DROP TRIGGER zz_refuse ON eckid_test.pupils;

-- Without an HPgn column, the old HPgn is computed from the old PGN.
CREATE TABLE eckid_test.staff (pgn text, eck_id eckid.eckid);
CREATE TRIGGER staff_eckid BEFORE INSERT OR UPDATE ON eckid_test.staff FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', '', 'eck_id', :chain, :sector);
INSERT INTO eckid_test.staff VALUES ('20DP Teacher@School.nl');
SELECT is(eck_id, pg_temp.local_eckid(:employee), 'a table without an HPgn column gets the ECK iD') FROM eckid_test.staff;
CREATE TEMP TABLE staff_before AS SELECT * FROM eckid_test.staff;
SELECT lives_ok($$UPDATE eckid_test.staff SET pgn = '20DP Teacher@Other.nl'$$,
	'UPDATE of its PGN (the old HPgn is computed from the old PGN)');
SELECT is(s.eck_id, b.eck_id, 'keeps the ECK iD') FROM eckid_test.staff s, staff_before b;
SELECT is((SELECT count(*) FROM eckid.hpgn_replacement WHERE old_hpgn = :employee), 1::bigint,
	'and records the replacement of the old HPgn');

------------------------------------------------------------------------------
-- wipe_pgn
------------------------------------------------------------------------------

CREATE TABLE eckid_test.wiped (id integer, pgn text, eck_id eckid.eckid);
CREATE TRIGGER wiped_eckid BEFORE INSERT OR UPDATE ON eckid_test.wiped FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', '', 'eck_id', :chain, :sector, 'wipe_pgn');
SELECT lives_ok($$INSERT INTO eckid_test.wiped VALUES (1, '063138219')$$, 'INSERT with wipe_pgn');
SELECT is(pgn, NULL, 'stores the PGN as NULL') FROM eckid_test.wiped;
SELECT is(eck_id, pg_temp.local_eckid(:vector), 'after using it for the ECK iD') FROM eckid_test.wiped;
CREATE TEMP TABLE wiped_before AS SELECT * FROM eckid_test.wiped;
SELECT throws_ok($$UPDATE eckid_test.wiped SET pgn = '20DP Teacher@School.nl'$$,
	'55000', 'cannot record the change of the PGN in column "pgn": the old HPgn is unknown',
	'a changed PGN without the old PGN or HPgn is refused');
SELECT matches(eckid_test.error_hint($$UPDATE eckid_test.wiped SET pgn = '20DP Teacher@School.nl'$$),
	'^Record the change with eckid\.replace_hpgn\(', 'with a hint how to record the change');
SELECT lives_ok(format('SELECT eckid.replace_hpgn(%L, %L)', :vector, :employee), 'after the change is recorded by hand');
SELECT lives_ok($$UPDATE eckid_test.wiped SET pgn = '20DP Teacher@School.nl'$$,
	'the same UPDATE passes: the new PGN now gives the row''s ECK iD');
SELECT ok(w.pgn IS NULL AND w.eck_id = b.eck_id, 'and the ECK iD stays') FROM eckid_test.wiped w, wiped_before b;

------------------------------------------------------------------------------
-- Misuse: each refused with its SQLSTATE, before anything is hashed
------------------------------------------------------------------------------

CREATE TABLE eckid_test.misuse (
	pgn		text,
	h		text,
	e		eckid.eckid,
	i		integer,
	v		varchar(10),
	g		text GENERATED ALWAYS AS (h || '') STORED,
	nn		text NOT NULL DEFAULT ''
);
CREATE PROCEDURE pg_temp.attach(how text, args text) LANGUAGE plpgsql
SET client_min_messages = warning AS $$
BEGIN
	DROP TRIGGER IF EXISTS misuse_eckid ON eckid_test.misuse;
	EXECUTE format('CREATE TRIGGER misuse_eckid %s ON eckid_test.misuse FOR EACH %s EXECUTE FUNCTION eckid.assign(%s)',
				   split_part(how, ' FOR EACH ', 1), split_part(how, ' FOR EACH ', 2), args);
END
$$;
\set insert '$$INSERT INTO eckid_test.misuse (pgn) VALUES (''123456782'')$$'

CALL pg_temp.attach('AFTER INSERT FOR EACH ROW', $$'pgn', 'h', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '39P01', 'eckid.assign() must be fired BEFORE INSERT OR UPDATE', 'an AFTER trigger is refused');
CALL pg_temp.attach('BEFORE INSERT FOR EACH STATEMENT', $$'pgn', 'h', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '39P01', 'eckid.assign() must be fired FOR EACH ROW', 'a statement-level trigger is refused');
CALL pg_temp.attach('BEFORE DELETE FOR EACH ROW', $$'pgn', 'h', 'e', 'c', 's'$$);
INSERT INTO eckid_test.misuse (pgn) VALUES (NULL);
SELECT throws_ok($$DELETE FROM eckid_test.misuse$$, '39P01', 'eckid.assign() must be fired on INSERT or UPDATE only',
	'a DELETE trigger is refused');
CALL pg_temp.attach('BEFORE TRUNCATE FOR EACH STATEMENT', $$'pgn', 'h', 'e', 'c', 's'$$);
SELECT throws_ok($$TRUNCATE eckid_test.misuse$$, '39P01', 'eckid.assign() must be fired on INSERT or UPDATE only',
	'a TRUNCATE trigger is refused');
SELECT throws_ok($$SELECT eckid.assign()$$, '39P01', 'eckid.assign() must be called as a trigger',
	'a direct call is refused');

CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'h', 'e', 'c'$$);
SELECT throws_ok(:insert, '22023', 'eckid.assign() needs at least 5 arguments, got 4', 'too few arguments');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'h', 'e', 'c', 's', 'wipe'$$);
SELECT throws_ok(:insert, '22023', 'unknown flag "wipe" given to eckid.assign()', 'an unknown flag');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'h', 'e', '', 's'$$);
SELECT throws_ok(:insert, '22023', 'chain given to eckid.assign() must not be empty', 'an empty chain');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'h', 'e', 'c', ''$$);
SELECT throws_ok(:insert, '22023', 'sector given to eckid.assign() must not be empty', 'an empty sector');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'', 'h', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '22023', 'PGN column name given to eckid.assign() must not be empty', 'an empty PGN column name');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'h', 'h', 'c', 's'$$);
SELECT throws_ok(:insert, '22023', 'the PGN, HPgn and ECK iD columns given to eckid.assign() must be different columns',
	'one column named twice');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'nn', 'h', 'e', 'c', 's', 'wipe_pgn'$$);
SELECT throws_ok(:insert, '22023',
	'column "nn" given to eckid.assign() as the PGN column is NOT NULL, but the flag wipe_pgn stores NULL in it',
	'wipe_pgn on a NOT NULL column');

CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgm', 'h', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '42703', 'column "pgm" given to eckid.assign() as the PGN column does not exist in table "misuse"',
	'a missing PGN column');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'hpgn', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '42703', 'column "hpgn" given to eckid.assign() as the HPgn column does not exist in table "misuse"',
	'a missing HPgn column');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'h', 'eck_id', 'c', 's'$$);
SELECT throws_ok(:insert, '42703', 'column "eck_id" given to eckid.assign() as the ECK iD column does not exist in table "misuse"',
	'a missing ECK iD column');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'g', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '42P10', 'column "g" given to eckid.assign() as the HPgn column is a generated column',
	'a generated HPgn column');

CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'i', 'h', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '42804', 'column "i" given to eckid.assign() as the PGN column must be of type text or character varying',
	'a PGN column of another type');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'e', 'h', 'c', 's'$$);
SELECT throws_ok(:insert, '42804', 'column "e" given to eckid.assign() as the HPgn column must be of type text or character varying',
	'an HPgn column of another type');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'v', 'e', 'c', 's'$$);
SELECT throws_ok(:insert, '42804', 'column "v" given to eckid.assign() as the HPgn column is too short',
	'an HPgn column of varchar(10)');
CALL pg_temp.attach('BEFORE INSERT FOR EACH ROW', $$'pgn', 'h', 'i', 'c', 's'$$);
SELECT throws_ok(:insert, '42804', 'column "i" given to eckid.assign() as the ECK iD column must be of type eckid.eckid',
	'an ECK iD column of another type');

------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------

SELECT ok(NOT has_function_privilege('public', 'eckid.assign()', 'EXECUTE'), 'PUBLIC cannot execute eckid.assign()');

GRANT USAGE, CREATE ON SCHEMA eckid_test TO eckid_plain;
SET LOCAL ROLE eckid_plain;
CREATE TABLE eckid_test.own (pgn text, eck_id eckid.eckid);
SELECT throws_ok($$CREATE TRIGGER own_eckid BEFORE INSERT ON eckid_test.own FOR EACH ROW
					EXECUTE FUNCTION eckid.assign('pgn', '', 'eck_id', 'c', 's')$$,
	'42501', 'permission denied for function eckid.assign',
	'a role without the grant cannot attach eckid.assign() to a table of its own (no hash oracle)');
RESET ROLE;
GRANT EXECUTE ON FUNCTION eckid.assign() TO eckid_plain;
SET LOCAL ROLE eckid_plain;
SELECT lives_ok($$CREATE TRIGGER own_eckid BEFORE INSERT ON eckid_test.own FOR EACH ROW
					EXECUTE FUNCTION eckid.assign('pgn', '', 'eck_id', 'c', 's')$$,
	'the schema owner, granted EXECUTE, attaches it');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION eckid.assign() FROM eckid_plain;

-- Writing the table needs no grant in schema eckid: the trigger calls
-- eckid's functions without an ACL check.
GRANT SELECT, INSERT ON eckid_test.pupils TO eckid_plain;
SET LOCAL ROLE eckid_plain;
SELECT lives_ok($$INSERT INTO eckid_test.pupils (id, pgn) VALUES (20, '111222333')$$,
	'a role without any grant on eckid''s functions inserts a pupil');
SELECT ok(eck_id IS NOT NULL AND eckid.hpgn_is_valid(hpgn), 'and the trigger fills the row for it')
  FROM eckid_test.pupils WHERE id = 20;
RESET ROLE;
SELECT is(eck_id, pg_temp.local_eckid(hpgn), 'with the same values as for anyone') FROM p WHERE id = 20;

-- A multi-row INSERT ... VALUES (a class enrolled at once): on the AVX-512
-- path its PGNs are hashed at once when the first row's trigger fires
-- (assign_ahead.c); each row gets exactly what it gets row by row.
CREATE TABLE eckid_test.class (id integer, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER class_eckid BEFORE INSERT OR UPDATE ON eckid_test.class FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', :chain, :sector);
INSERT INTO eckid_test.class VALUES
	(1, '063138219', NULL, NULL), (2, '20DP Teacher@School.nl', NULL, NULL), (3, '63138219', NULL, NULL),
	(4, NULL, NULL, NULL);
SELECT is(hpgn, :vector, 'a multi-row INSERT gives a BSN Kennisnet''s HPgn') FROM eckid_test.class WHERE id = 1;
SELECT is(hpgn, :employee, 'and an employee identifier its HPgn') FROM eckid_test.class WHERE id = 2;
SELECT is(hpgn, :vector, 'and an 8-digit BSN the HPgn of the padded number') FROM eckid_test.class WHERE id = 3;
SELECT is((SELECT count(*) FROM eckid_test.class WHERE eck_id = pg_temp.local_eckid(hpgn)), 3::bigint,
	'every row with a PGN gets its ECK iD');
SELECT throws_ok($$INSERT INTO eckid_test.class VALUES (5, '111222333', NULL, NULL), (6, '12345', NULL, NULL)$$,
	'22023', 'PGN in column "pgn" is not a valid BSN or onderwijsnummer',
	'a multi-row INSERT reports the invalid PGN of its row, as row by row');

SELECT * FROM finish();
ROLLBACK;
