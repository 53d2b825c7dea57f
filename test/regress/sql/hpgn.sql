--
-- eckid.hpgn(): Kennisnet's first-level hash of a PGN, the PGN rules and the
-- salt rules.  Every successful hash costs about 1.5 s of scrypt (N = 2^17,
-- r = 8, p = 4), so this file computes only five.  It runs against any
-- cluster configured as docs/configuration.md says, whatever its salt: the
-- values it shows come from an explicit salt, and the HPgns of the configured
-- salt are checked by test/hpgn.sql (pgTAP) on the test cluster, which runs
-- with Kennisnet's public test salt.
--
\set VERBOSITY default

-- Kennisnet's public test vector, salt given explicitly
SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw==');

-- the same PGN with the salt from eckid.salt gives an HPgn (which one
-- depends on the cluster's salt)
SELECT eckid.hpgn_is_valid(eckid.hpgn('063138219')) AS configured_salt;

-- ASCII letters are lowercased before hashing: an employee PGN (BRIN, space,
-- e-mail address) in capitals gives the HPgn of its lowercase form, with the
-- configured salt
WITH h AS MATERIALIZED (
	SELECT eckid.hpgn('20DP Teacher@School.nl') AS upper_case,
		   eckid.hpgn('20dp teacher@school.nl') AS lower_case
)
SELECT upper_case = lower_case AS same FROM h;

-- No zero-padding: an 8-digit BSN is hashed as given and differs from its
-- 9-digit form (the value agrees with Python's hashlib.scrypt)
WITH h AS MATERIALIZED (SELECT eckid.hpgn('63138219', 'rktYml0MIp9TC9u6Ny6uqw==') AS eight_digits)
SELECT eight_digits,
	   eight_digits <> '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa' AS differs
  FROM h;

-- NULL in, NULL out (STRICT; nothing is hashed)
SELECT eckid.hpgn(NULL) IS NULL AS pgn_null,
	   eckid.hpgn(NULL, 'rktYml0MIp9TC9u6Ny6uqw==') IS NULL AS pgn_null_with_salt,
	   eckid.hpgn('063138219', NULL) IS NULL AS salt_null;

--
-- PGN errors: SQLSTATE 22023, and the value never appears in the message
--
SELECT eckid.hpgn('');
SELECT eckid.hpgn(' 063138219');
SELECT eckid.hpgn('063138219 ');
SELECT eckid.hpgn(E'063138219\n');
SELECT eckid.hpgn(E'\t063138219');
SELECT eckid.hpgn(E'063138219\r');
SELECT eckid.hpgn(' ');
SELECT eckid.hpgn('0');
SELECT eckid.hpgn(repeat('1', 1025));
SELECT eckid.hpgn('İ63138219');
SELECT eckid.hpgn('20DP Ünal@school.nl');
-- the explicit-salt form applies the same rules, before looking at the salt
SELECT eckid.hpgn('', 'rktYml0MIp9TC9u6Ny6uqw==');
SELECT eckid.hpgn('0', 'not base64');
SELECT eckid.hpgn('063138219 ', 'rktYml0MIp9TC9u6Ny6uqw==');

--
-- Salt errors (argument): SQLSTATE 22023, the salt never quoted
--
SELECT eckid.hpgn('063138219', '');
SELECT eckid.hpgn('063138219', repeat('A', 4097));
SELECT eckid.hpgn('063138219', 'not base64!');
SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw');
SELECT eckid.hpgn('063138219', ' rktYml0MIp9TC9u6Ny6uqw==');
SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw==rktY');
SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw-_');
SELECT eckid.hpgn('063138219', '====');

--
-- eckid.salt is never shown, not even to a superuser
--
SHOW eckid.salt;
SELECT current_setting('eckid.salt');
SELECT count(*) AS salt_rows FROM pg_settings WHERE name = 'eckid.salt';
-- it comes from postgresql.conf only: not SET, not ALTER SYSTEM
SET eckid.salt = 'rktYml0MIp9TC9u6Ny6uqw==';
ALTER SYSTEM SET eckid.salt = 'rktYml0MIp9TC9u6Ny6uqw==';
