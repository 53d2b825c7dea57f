-- The HPgn engine (docs/performance.md, "The HPgn engine"): its settings,
-- the settings it made pointless gone, its workers visible in
-- pg_stat_activity, the scrypt memory in the workers and not in the
-- backends, and every value bit for bit the same whichever implementation
-- the worker hashes with (the AVX-512 kernel interleaving requests, or
-- libsodium).  test/shell/hpgn_engine.sh covers concurrency, cancel,
-- termination, a killed worker and a salt reload.
BEGIN;
SELECT plan(14);

-- anonymous plus huge-page resident memory of a process, in MiB
CREATE FUNCTION pg_temp.rss_mib(pid integer) RETURNS integer LANGUAGE sql AS $$
	SELECT ((regexp_match(s, 'RssAnon:\s+(\d+) kB'))[1]::integer
			+ coalesce((regexp_match(s, 'HugetlbPages:\s+(\d+) kB'))[1]::integer, 0)) / 1024
	FROM pg_read_file('/proc/' || pid || '/status') AS s
$$;

SELECT is(setting || unit || ' ' || context, '2048MB postmaster',
	'eckid.hash_memory is 2048 MB by default, set at server start')
	FROM pg_settings WHERE name = 'eckid.hash_memory';
SELECT is(context, 'sighup', 'eckid.scrypt_huge_pages is read by the workers: set in the configuration')
	FROM pg_settings WHERE name = 'eckid.scrypt_huge_pages';
SELECT is(context, 'superuser', 'eckid.scrypt_implementation travels with each request: superuser')
	FROM pg_settings WHERE name = 'eckid.scrypt_implementation';
SELECT is((SELECT count(*) FROM pg_settings WHERE name IN ('eckid.scrypt_threads', 'eckid.scrypt_keep_memory')),
	0::bigint, 'eckid.scrypt_threads and eckid.scrypt_keep_memory are gone');
SELECT ok((SELECT count(*) FROM pg_settings WHERE name LIKE 'eckid.scrypt%') = 2,
	'the probe sees the settings that remain');
SET LOCAL ROLE eckid_plain;
SELECT throws_ok($$SET eckid.scrypt_implementation = libsodium$$, '42501', NULL,
	'only superusers choose the implementation');
RESET ROLE;

SELECT is((SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker'),
	2::bigint, 'two HPgn workers run (2048 MB: two HPgns each)');

-- the same PGN through the engine with the default and with libsodium
SELECT is(eckid.hpgn('063138219'), '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa',
	'an HPgn through the engine is right');
CREATE TEMP TABLE engine_pgns AS
	SELECT p FROM (VALUES ('063138219'), ('123456782'), ('ABC-12'), ('1234567890abcdef')) AS v(p);
CREATE TEMP TABLE by_default AS SELECT p, eckid.hpgn(p) AS h FROM engine_pgns;
SET LOCAL eckid.scrypt_implementation = libsodium;
CREATE TEMP TABLE by_libsodium AS SELECT p, eckid.hpgn(p) AS h FROM engine_pgns;
RESET eckid.scrypt_implementation;
SELECT is((SELECT count(*) FROM by_default d JOIN by_libsodium l USING (p) WHERE d.h = l.h),
	4::bigint, 'every value the same as libsodium''s, row by row');
SELECT is((SELECT count(DISTINCT h) FROM by_default), 4::bigint, 'and the probe tells different PGNs apart');

-- a multi-row INSERT: the trigger hands all its PGNs over at once
CREATE TABLE eckid_test.engine_pupils (pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER engine_pupils_eckid BEFORE INSERT ON eckid_test.engine_pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
INSERT INTO eckid_test.engine_pupils (pgn) VALUES ('063138219'), ('123456782'), ('ABC-12'), ('1234567890abcdef');
SELECT is(
	(SELECT array_agg(hpgn ORDER BY pgn) FROM eckid_test.engine_pupils),
	(SELECT array_agg(h ORDER BY p) FROM by_libsodium),
	'hashed together (interleaved, each with its salt) they are still libsodium''s');

-- the memory: in the workers, not in this backend.  Under valgrind
-- (scripts/memcheck; its library is mapped into the process) the CPU shows
-- no AVX-512, so the workers take libsodium's path, and valgrind's own
-- memory counts as the backend's: both probes are skipped there.
CREATE FUNCTION pg_temp.under_valgrind() RETURNS boolean LANGUAGE sql AS $$
	SELECT pg_read_file('/proc/' || pg_backend_pid() || '/maps') ~ 'vgpreload'
$$;
SELECT CASE WHEN eckid_test.uses_avx512() AND NOT pg_temp.under_valgrind()
	THEN ok((SELECT sum(pg_temp.rss_mib(pid)) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker') >= 1000,
			'the workers hold their scrypt memory resident (1 GiB each, faulted in at start)')
	ELSE skip('not the AVX-512 path (libsodium allocates per hash), or under valgrind') END;
SELECT CASE WHEN NOT pg_temp.under_valgrind()
	THEN ok(pg_temp.rss_mib(pg_backend_pid()) < 200, 'a backend that hashed holds no scrypt memory')
	ELSE skip('under valgrind, whose own memory counts as the backend''s') END;
SELECT ok((SELECT sum(pg_temp.rss_mib(pid)) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker')
	<= (SELECT setting::integer FROM pg_settings WHERE name = 'eckid.hash_memory') + 64, 'the workers stay within eckid.hash_memory');

SELECT * FROM finish();
ROLLBACK;
