-- The fingerprints of the salt and the key (src/fingerprint.c): recorded at
-- the commit of the first transaction that derived and wrote, compared on every path that obtains a secret, a
-- mismatch refused with 55000 and a message naming the secret (never it or
-- its fingerprint), eckid.record_secret_fingerprints() and its refusal, and
-- eckid.security_check()'s rows.  A wrong secret is made by recording
-- another fingerprint (the configured secrets stay); test/shell/
-- fingerprint_restore.sh uses a really different salt and key.  Everything
-- is rolled back.
BEGIN;
SELECT plan(39);

\set chain '''http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795'''
\set sector '''http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725'''
\set salt_msg '''the configured eckid.salt is not the salt this database was filled with'''
\set key_msg '''the configured local derivation key is not the key this database was filled with'''
\set pk_msg '''the configured pseudonym key is not the one recorded for this database''''s recipient pseudonyms'''

-- Record another fingerprint for a secret, as if the database had been
-- filled with another one.  The recorded value is read once per
-- transaction; asking for the configured fingerprint makes the next use
-- read it again (eckid's own functions that change the table do so).
CREATE FUNCTION pg_temp.corrupt(s text) RETURNS void LANGUAGE sql AS $$
	UPDATE eckid.secret_fingerprint SET fingerprint = repeat('0', 32) WHERE secret = s;
	SELECT eckid_internal.secret_fingerprint_configured(s);
$$;
CREATE FUNCTION pg_temp.repair() RETURNS void LANGUAGE sql AS $$
	DELETE FROM eckid.secret_fingerprint;
	SELECT eckid_internal.secret_fingerprint_configured('salt'), eckid_internal.secret_fingerprint_configured('key');
$$;
CREATE FUNCTION pg_temp.fp_status(name text) RETURNS text LANGUAGE sql AS $$
	SELECT status || ': ' || detail FROM eckid.security_check() WHERE check_name = name
$$;

-- Recording
SELECT pg_temp.repair();
SELECT is((SELECT count(*) FROM eckid.secret_fingerprint), 0::bigint, 'nothing is recorded to begin with');
SELECT alike(pg_temp.fp_status('salt fingerprint'), 'warning: %not recorded%',
	'security_check() says the salt''s fingerprint is not recorded');
SELECT is(eckid.hpgn('063138219'), '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa',
	'eckid.hpgn() works with nothing recorded');
SELECT ok(eckid.local_stampseudonym(eckid.hpgn('063138219')) IS NOT NULL, 'so does a local Stampseudonym');
SELECT is((SELECT count(*) FROM eckid.secret_fingerprint), 0::bigint,
	'a derivation records nothing before its transaction commits (test/shell/fingerprint_restore.sh: at the commit of one that wrote)');
SELECT results_eq($$SELECT secret, action FROM eckid.record_secret_fingerprints()$$,
	$$VALUES ('salt', 'recorded'), ('key', 'recorded')$$, 'record_secret_fingerprints() records both');
SELECT ok((SELECT fingerprint ~ '^[0-9a-f]{32}$' AND recorded_by = current_user AND recorded_at = now()
			 FROM eckid.secret_fingerprint WHERE secret = 'salt'),
	'the fingerprint is 32 hex digits, with who and when');
SELECT is((SELECT fingerprint FROM eckid.secret_fingerprint WHERE secret = 'salt'),
	eckid_internal.secret_fingerprint_configured('salt'), 'it is the configured salt''s fingerprint');
SELECT isnt(eckid_internal.secret_fingerprint_configured('salt'), eckid_internal.secret_fingerprint_configured('key'),
	'the salt''s and the key''s fingerprints differ');
SELECT is((SELECT array_agg(secret ORDER BY secret) FROM eckid.secret_fingerprint), ARRAY['key', 'salt'],
	'one row per secret');
SELECT alike(pg_temp.fp_status('salt fingerprint'), 'ok: %matches%', 'security_check(): the salt matches');
SELECT alike(pg_temp.fp_status('key fingerprint'), 'ok: %matches%', 'security_check(): the key matches');

-- Objects for every path
CREATE SCHEMA fp_test;
CREATE TABLE fp_test.pupils (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON fp_test.pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', :chain, :sector);
CREATE TABLE fp_test.nv_pupils (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER nv_pupils_eckid BEFORE INSERT OR UPDATE ON fp_test.nv_pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain-a', 'PO', 'nummervoorziening');
INSERT INTO fp_test.pupils VALUES (1, '063138219');

-- A different salt
SELECT pg_temp.corrupt('salt');
SELECT throws_ok($$SELECT eckid.hpgn('111222333')$$, '55000', :salt_msg, 'eckid.hpgn() refuses another salt');
SELECT throws_ok($$INSERT INTO fp_test.pupils VALUES (2, '111222333')$$, '55000', :salt_msg,
	'the trigger refuses another salt');
SELECT throws_ok($$INSERT INTO fp_test.nv_pupils VALUES (1, '111222333')$$, '55000', :salt_msg,
	'the trigger in Nummervoorziening mode refuses another salt');
SELECT lives_ok($$SELECT eckid.local_stampseudonym(repeat('ab', 32))$$,
	'what needs only the key still works');
SELECT alike(pg_temp.fp_status('salt fingerprint'), 'problem: %differs%', 'security_check(): the salt differs');
SELECT is((SELECT count(*) FROM eckid.security_check()
			WHERE concat(detail, remedy) LIKE '%' || eckid_internal.secret_fingerprint_configured('salt') || '%'
			   OR concat(detail, remedy) LIKE '%rktYml0MIp9TC9u6Ny6uqw%'),
	0::bigint, 'security_check() shows neither the salt nor its fingerprint');
SELECT throws_ok($$SELECT * FROM eckid.record_secret_fingerprints()$$, '55000',
	'the configured salt is not the one this database was filled with, and stored values depend on it',
	'record_secret_fingerprints() refuses while a table holds HPgns');
SELECT results_eq($$SELECT secret, action FROM eckid.record_secret_fingerprints(force => true)$$,
	$$VALUES ('salt', 'replaced by force'), ('key', 'unchanged')$$,
	'with force it records the configured salt and says so');
SELECT lives_ok($$INSERT INTO fp_test.pupils VALUES (2, '111222333')$$, 'the trigger works again');
DELETE FROM fp_test.pupils;
SELECT pg_temp.corrupt('salt');
SELECT results_eq($$SELECT secret, action FROM eckid.record_secret_fingerprints()$$,
	$$VALUES ('salt', 'replaced'), ('key', 'unchanged')$$,
	'with no stored HPgn it records the configured salt without force');

-- A different key
INSERT INTO fp_test.pupils VALUES (1, '063138219');
SELECT eckid.create_masked_view('fp_test.pupils'::regclass, 'pupils_for_a', '{pgn,hpgn}', 'uitgever-a') IS NOT NULL AS made \gset
SELECT pg_temp.corrupt('key');
SELECT throws_ok($$SELECT eckid.local_stampseudonym(repeat('ab', 32))$$, '55000', :key_msg,
	'eckid.local_stampseudonym() refuses another key');
SELECT throws_ok($$SELECT eckid.derive(eckid.stampseudonym(repeat('ab', 32)), 'c', 's')$$, '55000', :key_msg,
	'eckid.derive() refuses another key');
SELECT throws_ok($$SELECT eckid.pseudonymize(eck_id, 'uitgever-a') FROM fp_test.pupils$$, '55000', :key_msg,
	'eckid.pseudonymize() refuses another key');
SELECT throws_ok($$SELECT * FROM fp_test.pupils_for_a$$, '55000', :key_msg,
	'a masked view with a recipient refuses another key');
SELECT throws_ok($$INSERT INTO fp_test.pupils VALUES (2, '111222333')$$, '55000', :key_msg,
	'the trigger refuses another key');
SELECT lives_ok($$SELECT eckid.hpgn('123456782')$$, 'what needs only the salt still works');
SELECT alike(pg_temp.fp_status('key fingerprint'), 'problem: %differs%', 'security_check(): the key differs');
SELECT throws_ok($$SELECT * FROM eckid.record_secret_fingerprints()$$, '55000',
	'the configured key is not the one this database was filled with, and stored values depend on it',
	'record_secret_fingerprints() refuses while local ECK iDs are stored');
SELECT results_eq($$SELECT secret, action FROM eckid.record_secret_fingerprints(true)$$,
	$$VALUES ('salt', 'unchanged'), ('key', 'replaced by force')$$,
	'with force it records the configured key');

-- A separate pseudonym key recorded (eckid.pseudonym_key_file; test/shell/
-- leaked_key.sh sets a real one): with the setting empty, the derivation
-- key is refused for recipient pseudonyms only
SELECT isnt(eckid_internal.secret_fingerprint_configured('pseudonym key'), eckid_internal.secret_fingerprint_configured('key'),
	'the pseudonym key''s fingerprint is not the key''s, even where it is the same key');
INSERT INTO eckid.secret_fingerprint VALUES ('pseudonym key', repeat('0', 32), now(), current_user);
SELECT eckid_internal.secret_fingerprint_configured('pseudonym key') IS NOT NULL AS reread \gset
SELECT throws_ok($$SELECT eckid.pseudonymize(eck_id, 'uitgever-a') FROM fp_test.pupils$$, '55000', :pk_msg,
	'with a pseudonym key recorded and none configured, eckid.pseudonymize() refuses');
SELECT throws_ok($$SELECT * FROM fp_test.pupils_for_a$$, '55000', :pk_msg,
	'... and so does a masked view with a recipient');
SELECT lives_ok($$SELECT eckid.derive(eckid.stampseudonym(repeat('ab', 32)), 'c', 's')$$,
	'while the local derivation goes on');
SELECT alike(pg_temp.fp_status('pseudonym key fingerprint'), 'problem: %recorded%empty%',
	'security_check(): a pseudonym key recorded but none configured is a problem');
SELECT results_eq($$SELECT secret, action FROM eckid.record_secret_fingerprints() WHERE secret = 'pseudonym key'$$,
	$$VALUES ('pseudonym key', 'removed')$$,
	'record_secret_fingerprints() removes the row while eckid.pseudonym_key_file is empty');
SELECT lives_ok($$SELECT * FROM fp_test.pupils_for_a$$, 'then the masked view works again');

-- Privileges
SET LOCAL ROLE eckid_plain;
SELECT throws_ok($$SELECT * FROM eckid.record_secret_fingerprints()$$, '42501', NULL,
	'record_secret_fingerprints() is not for PUBLIC');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
