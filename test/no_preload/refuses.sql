-- A cluster where eckid is NOT in shared_preload_libraries (scripts/test
-- starts one for this file).  PostgreSQL then keeps eckid.salt from
-- postgresql.conf as a placeholder that any role can read until eckid is
-- loaded in its session, so eckid refuses to use the salt or the key.
BEGIN;
SELECT plan(11);

SELECT is(current_setting('shared_preload_libraries'), '', 'this cluster does not preload eckid');

SELECT is(eckid_test.remote('eckid_plain', 'SHOW eckid.salt'), 'rktYml0MIp9TC9u6Ny6uqw==',
	'the hazard: without preloading, a plain role''s fresh session shows the placeholder salt');

SELECT throws_ok($$SELECT eckid.hpgn('063138219')$$, '55000', 'eckid must be loaded via shared_preload_libraries',
	'hpgn() refuses to use the salt');
SELECT matches(eckid_test.error_hint($$SELECT eckid.hpgn('063138219')$$), 'shared_preload_libraries',
	'and the hint says what to do');
SELECT throws_ok($$SELECT eckid.stampseudonym(repeat('a', 64))$$, '55000', 'eckid must be loaded via shared_preload_libraries',
	'stampseudonym() refuses to use the key');
SELECT throws_ok($$SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, 'r')$$,
	'55000', 'eckid must be loaded via shared_preload_libraries', 'pseudonymize() refuses to use the key');
SELECT is(eckid.mask(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid), 'https://ketenid.nl/201703/…ababab',
	'mask(), which uses no secret, still works');
SELECT throws_ok($$SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw==')$$, '55000',
	'eckid must be loaded via shared_preload_libraries',
	'the explicit-salt form reads no setting, but HPgns are hashed by the workers a preloaded eckid starts');
SELECT is((SELECT count(*) FROM pg_settings WHERE name = 'eckid.hash_memory'), 0::bigint,
	'eckid.hash_memory, a postmaster setting, is not defined after startup (PostgreSQL would refuse it)');

SELECT is((SELECT status FROM eckid.security_check() WHERE check_name = 'library preloaded'), 'problem',
	'security_check() reports the missing preload as a problem');
SELECT is((SELECT status FROM eckid.security_check() WHERE check_name = 'salt'), 'ok',
	'and still only the state of the salt, never its value');

SELECT * FROM finish();
ROLLBACK;
