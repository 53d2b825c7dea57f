-- eckid.scrypt_implementation: the AVX-512 path and libsodium give the same
-- HPgn (Kennisnet's vector and two more), and only superusers may choose.
BEGIN;
SELECT plan(7);

\set vector '''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''

-- (the built-in default: a cluster may set libsodium in postgresql.conf, as
-- scripts/test-chroot does for PostgreSQL 18)
SELECT is((SELECT boot_val FROM pg_settings WHERE name = 'eckid.scrypt_implementation'), 'auto', 'the default is auto');

SET LOCAL eckid.scrypt_implementation = 'libsodium';
SELECT is(eckid.hpgn('063138219'), :vector, 'libsodium: the Kennisnet vector');
CREATE TEMP TABLE by_sodium ON COMMIT DROP AS
	SELECT eckid.hpgn('20dp teacher@school.nl') AS a, eckid.hpgn('111222333', 'YQ==') AS b;

SET LOCAL eckid.scrypt_implementation = 'auto';
SELECT is(eckid.hpgn('063138219'), :vector, 'auto (AVX-512 where the CPU has it): the Kennisnet vector');
SELECT is(eckid.hpgn('20dp teacher@school.nl'), (SELECT a FROM by_sodium),
	'auto and libsodium agree on an employee PGN');
SELECT is(eckid.hpgn('111222333', 'YQ=='), (SELECT b FROM by_sodium),
	'auto and libsodium agree with a 1-byte salt');

SELECT throws_ok($$SET eckid.scrypt_implementation = 'openssl'$$, '22023', NULL,
	'an unknown implementation is refused');

SET LOCAL ROLE eckid_plain;
SELECT throws_ok($$SET eckid.scrypt_implementation = 'libsodium'$$, '42501', NULL,
	'only superusers choose the implementation');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
