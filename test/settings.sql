-- Settings and the key file: errors a DBA can meet, reloads, key rotation.
-- Each change goes through ALTER SYSTEM and pg_reload_conf() and is checked
-- in fresh sessions; everything is put back at the end.
BEGIN;
SELECT plan(22);

\set h '''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''
\set stamp_q '''SELECT eckid.stampseudonym(''''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''')::text'''

-- The salt
SELECT eckid_test.reconfigure('eckid.salt', '');
SELECT throws_ok($$SELECT eckid_test.remote('postgres', 'SELECT eckid.hpgn(''063138219'')')$$,
	'55000', 'eckid.salt is not set', 'with no salt configured, hpgn() says so');
SELECT matches(eckid_test.error_hint($$SELECT eckid_test.remote('postgres', 'SELECT eckid.hpgn(''063138219'')')$$),
	'eckid\.salt.*postgresql\.conf', 'and its hint says how to configure it');
SELECT is(eckid_test.remote('postgres', $$SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw==')$$),
	'9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa',
	'the explicit-salt form does not need the setting');
SELECT eckid_test.reconfigure('eckid.salt', 'not*base64');
SELECT throws_ok($$SELECT eckid_test.remote('postgres', 'SELECT eckid.hpgn(''063138219'')')$$,
	'F0000', 'eckid.salt is not valid base64', 'a malformed salt setting is reported without its value');
SELECT eckid_test.reconfigure('eckid.salt', NULL);
SELECT is(eckid_test.remote('postgres', $$SELECT eckid.hpgn('063138219')$$),
	'9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa',
	'after a reload with the salt back, hpgn() works again');

-- The key file
CREATE TEMP TABLE before AS SELECT eckid_test.remote('postgres', :stamp_q) AS v;
SELECT eckid_test.reconfigure('eckid.key_file', '');
SELECT throws_ok(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q),
	'55000', 'eckid.key_file is not set', 'with no key file configured, stampseudonym() says so');
SELECT isnt(eckid_test.error_hint(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q)), NULL,
	'with a hint on how to create one');

SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('missing.key'));
SELECT throws_like(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q),
	'could not open key file %', 'a missing key file is reported');

SELECT eckid_test.write_file(eckid_test.scratch('empty.key'), '', '600');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('empty.key'));
SELECT throws_ok(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q),
	'F0000', format('key file "%s" does not contain a valid key', eckid_test.scratch('empty.key')), 'an empty key file is refused');

SELECT eckid_test.write_file(eckid_test.scratch('short.key'), repeat('ab', 31), '600');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('short.key'));
SELECT throws_ok(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q),
	'F0000', format('key file "%s" does not contain a valid key', eckid_test.scratch('short.key')), 'a key of 62 hex digits is refused');

SELECT eckid_test.write_file(eckid_test.scratch('long.key'), repeat('ab', 33), '600');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('long.key'));
SELECT throws_ok(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q),
	'F0000', format('key file "%s" does not contain a valid key', eckid_test.scratch('long.key')), 'a key of 66 hex digits is refused');

SELECT eckid_test.write_file(eckid_test.scratch('nothex.key'), repeat('zz', 32), '600');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('nothex.key'));
SELECT throws_ok(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q),
	'F0000', format('key file "%s" does not contain a valid key', eckid_test.scratch('nothex.key')), 'a key that is not hex is refused');

SELECT eckid_test.write_file(eckid_test.scratch('open.key'), repeat('ab', 32), '640');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('open.key'));
SELECT throws_ok(format('SELECT eckid_test.remote(''postgres'', %L)', :stamp_q),
	'F0000', format('key file "%s" has group or world access', eckid_test.scratch('open.key')), 'a key file readable by group is refused');

-- Rotation: a new key file, then a rewrite of the same file, are picked up.
SELECT eckid_test.write_file(eckid_test.scratch('k1.key'), repeat('01', 32), '600');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('k1.key'));
CREATE TEMP TABLE k1 AS SELECT eckid_test.remote('postgres', :stamp_q) AS v;
SELECT isnt((SELECT v FROM k1), (SELECT v FROM before), 'another key file gives other values after a reload');
SELECT eckid_test.write_file(eckid_test.scratch('k1.key'), repeat('02', 32) || chr(10), '600');
SELECT isnt(eckid_test.remote('postgres', :stamp_q), (SELECT v FROM k1),
	'a key file rewritten in place is read again (a final newline is allowed)');

-- Segments of local values
SELECT eckid_test.reconfigure('eckid.local_eckid_segment', 'school1');
SELECT is(eckid_test.remote('postgres', format('SELECT eckid.segment(eckid.derive(eckid.stampseudonym(%L), ''c'', ''s''))', :h)), 'school1',
	'the segment of local ECK iDs is configurable');
SELECT throws_ok($$SELECT dblink_exec(eckid_test.connstr('postgres'), 'ALTER SYSTEM SET eckid.local_eckid_segment = ''201703''')$$,
	'22023', NULL, 'a segment of Nummervoorziening (201703) cannot be configured for local values');
SELECT throws_ok($$SELECT dblink_exec(eckid_test.connstr('postgres'), 'ALTER SYSTEM SET eckid.local_stampseudonym_segment = ''Not OK''')$$,
	'22023', NULL, 'an invalid segment cannot be configured');

-- Put everything back.
SELECT eckid_test.reconfigure('eckid.local_eckid_segment', NULL);
SELECT eckid_test.reconfigure('eckid.key_file', NULL);
SELECT is(eckid_test.remote('postgres', :stamp_q), (SELECT v FROM before), 'the original key file gives the original values again');
SELECT is(eckid_test.remote('postgres', format('SELECT eckid.segment(eckid.derive(eckid.stampseudonym(%L), ''c'', ''s''))', :h)), 'local',
	'and the default segment is back');

-- An error that goes to the log reaches the client redacted too
-- (test/regress/sql/log_redaction.sql has the rest): the configured salt, as
-- base64 and as hex.  Here, because this cluster's salt is known (Kennisnet's
-- test salt); in a fresh session (dblink), as an error caught here is not logged.
SELECT throws_ok($$SELECT eckid_test.remote('postgres', $r$SELECT ('salt ' || 'rktYml0MIp9TC9u6Ny6uqw==')::integer::text$r$)$$, '22P02',
	'invalid input syntax for type integer: "salt ********"', 'the configured salt is redacted in an error (base64)');
SELECT throws_ok($$SELECT eckid_test.remote('postgres', $r$SELECT decode('rktYml0MIp9TC9u6Ny6uqw==', 'base64')::text::integer::text$r$)$$, '22P02',
	'invalid input syntax for type integer: "\x********"', 'and as hex');
SELECT * FROM finish();
ROLLBACK;
