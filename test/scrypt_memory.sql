-- eckid.scrypt_keep_memory, scrypt_threads and scrypt_huge_pages: defaults, who may set
-- them, and what keeping the AVX-512 path's memory means for a backend: it
-- stays mapped after the transaction (RssAnon of the backend) with the
-- setting on, is unmapped at commit with it off, and turning it off
-- releases it at once.  Backends are dblink sessions, each statement its own
-- transaction.  The memory checks are skipped where the server does not use
-- the AVX-512 path (a CPU without AVX-512F, or eckid.scrypt_implementation =
-- libsodium in postgresql.conf): libsodium allocates and frees its own
-- memory for every hash.
BEGIN;
SELECT plan(12);

-- anonymous resident memory of a dblink session's backend, in MiB
CREATE FUNCTION pg_temp.rss_mib(conn text) RETURNS integer LANGUAGE sql AS $$
	SELECT v FROM dblink(conn, $q$SELECT (regexp_match(pg_read_file('/proc/self/status'), 'RssAnon:\s+(\d+) kB'))[1]::integer / 1024$q$) AS t(v integer)
$$;
CREATE FUNCTION pg_temp.hash_in(conn text) RETURNS text LANGUAGE sql AS $$
	SELECT h FROM dblink(conn, $q$SELECT eckid.hpgn('063138219')$q$) AS t(h text)
$$;

SELECT is(current_setting('eckid.scrypt_keep_memory'), 'off', 'eckid.scrypt_keep_memory is off by default');
SELECT is(current_setting('eckid.scrypt_threads'), '2', 'eckid.scrypt_threads is 2 by default');
SELECT is(current_setting('eckid.scrypt_huge_pages'), 'on', 'eckid.scrypt_huge_pages is on by default (test/shell/huge_pages.sh checks what it does)');
SELECT throws_ok($$SET eckid.scrypt_threads = 0$$, '22023', NULL, 'a backfill needs at least one thread');
SELECT throws_ok($$SET eckid.scrypt_threads = 65$$, '22023', NULL, 'and at most 64');
SET LOCAL ROLE eckid_plain;
SELECT throws_ok($$SET eckid.scrypt_keep_memory = on$$, '42501', NULL, 'only superusers keep memory for a session');
SELECT throws_ok($$SET eckid.scrypt_threads = 8$$, '42501', NULL, 'only superusers choose the threads');
SELECT throws_ok($$SET eckid.scrypt_huge_pages = off$$, '42501', NULL, 'only superusers choose where the memory comes from');
RESET ROLE;

SELECT dblink_connect('keep', eckid_test.connstr('postgres'));
SELECT dblink_connect('nokeep', eckid_test.connstr('postgres'));
-- ordinary memory: reserved huge pages would not count in RssAnon
SELECT dblink_exec('keep', 'SET eckid.scrypt_huge_pages = off');
SELECT dblink_exec('nokeep', 'SET eckid.scrypt_huge_pages = off');
SELECT dblink_exec('keep', 'SET eckid.scrypt_keep_memory = on');

SELECT is(pg_temp.hash_in('keep'), '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa',
	'a session that keeps its memory hashes right');
SELECT pg_temp.hash_in('nokeep');
SELECT CASE WHEN eckid_test.uses_avx512()
	THEN ok(pg_temp.rss_mib('keep') >= 400,
			'with eckid.scrypt_keep_memory on, the 512 MiB stay mapped after the transaction')
	ELSE skip('not the AVX-512 path: libsodium frees its memory after every hash') END;
SELECT CASE WHEN eckid_test.uses_avx512()
	THEN ok(pg_temp.rss_mib('nokeep') < 200, 'with it off, they are unmapped when the transaction ends')
	ELSE skip('not the AVX-512 path: libsodium frees its memory after every hash') END;
SELECT dblink_exec('keep', 'SET eckid.scrypt_keep_memory = off');
SELECT CASE WHEN eckid_test.uses_avx512()
	THEN ok(pg_temp.rss_mib('keep') < 200, 'turning it off unmaps them at once')
	ELSE skip('not the AVX-512 path: libsodium frees its memory after every hash') END;

SELECT dblink_disconnect('keep');
SELECT dblink_disconnect('nokeep');

SELECT * FROM finish();
ROLLBACK;
