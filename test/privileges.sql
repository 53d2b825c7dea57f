-- Secrets and privileges: a role that is not a superuser never sees the
-- salt or the key, and cannot compute pseudonyms unless granted.  Checked in
-- fresh sessions (dblink), as a new connection of each role sees things.
BEGIN;
SELECT plan(30);

-- Not executable by PUBLIC
SELECT ok(NOT has_function_privilege('eckid_plain', f, 'EXECUTE'), 'PUBLIC cannot execute ' || f)
  FROM unnest(ARRAY['eckid.hpgn(text)', 'eckid.hpgn(text,text)', 'eckid.stampseudonym(text)',
					'eckid.derive(eckid.eckid,text,text)', 'eckid.replace_hpgn(text,text,timestamptz)',
					'eckid.local_stampseudonym(text)', 'eckid.resolve_hpgn(text)',
					'eckid.forget(text)', 'eckid.nv_purge(interval)']) f;

SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SELECT eckid.hpgn(''063138219'')')$$,
	'42501', 'permission denied for function hpgn', 'a plain role cannot compute an HPgn');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SELECT eckid.stampseudonym(repeat(''a'', 64))::text')$$,
	'42501', 'permission denied for function stampseudonym', 'a plain role cannot compute a Stampseudonym');
SELECT is(eckid_test.remote('eckid_plain', $$SELECT eckid.bsn_is_valid('123456782')::text$$), 'true',
	'a plain role can use the validation functions');

-- The salt, in a fresh session of a plain role
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SHOW eckid.salt')$$,
	'42501', NULL, 'SHOW eckid.salt is refused to a plain role');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SELECT current_setting(''eckid.salt'')')$$,
	'42501', NULL, 'current_setting(''eckid.salt'') is refused to a plain role');
SELECT is(eckid_test.remote('eckid_plain', $$SELECT count(*)::text FROM pg_settings WHERE name IN ('eckid.salt', 'eckid.key_file')$$), '0',
	'pg_settings shows a plain role neither eckid.salt nor eckid.key_file');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SELECT count(*)::text FROM pg_file_settings')$$,
	'42501', NULL, 'pg_file_settings is refused to a plain role');
SELECT is(eckid_test.remote('eckid_plain',
		$$SELECT count(*)::text FROM pg_db_role_setting, unnest(setconfig) c WHERE c LIKE 'eckid.%'$$), '0',
	'pg_db_role_setting holds no eckid setting');
SELECT is((SELECT count(*) FROM dblink(eckid_test.connstr(r), 'SHOW ALL') AS t(n text, s text, d text)
			 WHERE n = 'eckid.salt' OR s LIKE '%rktYml0MIp9TC9u6Ny6uqw%'),
	0::bigint, 'SHOW ALL never lists the salt, for ' || r)
  FROM unnest(ARRAY['eckid_plain', 'eckid_monitor', 'postgres']) r;
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SELECT current_setting(''eckid.key_file'')')$$,
	'42501', NULL, 'the key file path is refused to a plain role');

-- A role that may read all settings, but is not a superuser
SELECT is(eckid_test.remote('eckid_monitor', 'SHOW eckid.salt'), '********',
	'a pg_read_all_settings member sees only a mask in SHOW');
SELECT is(eckid_test.remote('eckid_monitor', $$SELECT current_setting('eckid.salt')$$), '********',
	'and in current_setting()');
SELECT is(eckid_test.remote('eckid_monitor', $$SELECT count(*)::text FROM pg_settings WHERE name = 'eckid.salt'$$), '0',
	'and no eckid.salt row in pg_settings');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_monitor', 'SELECT count(*)::text FROM pg_file_settings')$$,
	'42501', NULL, 'and pg_file_settings (postgresql.conf as written) is refused to it');
SELECT is(eckid_test.remote('postgres', 'SHOW eckid.salt'), '********',
	'even a superuser sees only a mask: no SQL returns the salt');

-- Nobody can set the salt from SQL text
SELECT throws_ok($$SET eckid.salt = 'c2FsdA=='$$, '55P02', NULL, 'SET eckid.salt is refused');
SELECT throws_ok($$SELECT dblink_exec(eckid_test.connstr('postgres'), 'ALTER SYSTEM SET eckid.salt = ''c2FsdA==''')$$,
	'55P02', 'parameter "eckid.salt" cannot be changed', 'ALTER SYSTEM SET eckid.salt is refused, even to a superuser (the salt would be SQL text)');
SELECT throws_ok($$ALTER ROLE eckid_plain SET eckid.salt = 'c2FsdA=='$$, '55P02', NULL,
	'ALTER ROLE ... SET eckid.salt is refused (it would land in pg_db_role_setting)');
SELECT throws_ok($$ALTER DATABASE eckid_tap SET eckid.key_file = '/tmp/k'$$, '55P02', NULL,
	'ALTER DATABASE ... SET eckid.key_file is refused');

SELECT * FROM finish();
ROLLBACK;
