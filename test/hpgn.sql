-- eckid.hpgn(): Kennisnet's first-level hash, bit for bit.
-- Each successful call costs about a second (scrypt: 128 MiB with libsodium, 512 MiB on the AVX-512 path): keep them few.
BEGIN;
SELECT plan(25);

\set vector '''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''
\set salt '''rktYml0MIp9TC9u6Ny6uqw=='''

SELECT is(eckid.hpgn('063138219'), :vector,
	'the Kennisnet vector, with the salt from eckid.salt');
SELECT is(eckid.hpgn('20dp teacher@school.nl'), '230e701391a7d646ef70bcadf783d303feae51bf0bc40a906d91913aaba32d3c',
	'an employee PGN with the salt from eckid.salt: the value of Python''s hashlib.scrypt');
SELECT is(eckid.hpgn('063138219', :salt), :vector,
	'the Kennisnet vector, with an explicit salt');
SELECT ok(eckid.hpgn_is_valid(eckid.hpgn('063138219', 'YQ==')), 'a 1-byte salt works and gives a valid HPgn');
SELECT isnt(eckid.hpgn('063138219', 'YQ=='), :vector, 'another salt gives another HPgn');
SELECT ok(eckid.hpgn_is_valid(eckid.hpgn('063138219', translate(encode(convert_to(repeat('s', 1000), 'UTF8'), 'base64'), E'\n', ''))),
	'a 1000-byte salt works');
SELECT is(eckid.hpgn('20DP Teacher@School.NL', :salt), eckid.hpgn('20dp teacher@school.nl', :salt),
	'the PGN is lowercased before hashing (employee identifiers)');
SELECT is(eckid.hpgn('INFO', :salt), eckid.hpgn('info', :salt),
	'lowercasing is locale-independent: I becomes i, never a dotless i');
SELECT isnt(eckid.hpgn('63138219', :salt), :vector,
	'an 8-digit BSN is hashed as given: callers pad it to 9 digits first');

SELECT is(eckid.hpgn(NULL), NULL, 'NULL PGN gives NULL');
SELECT is(eckid.hpgn(NULL, :salt), NULL, 'NULL PGN with a salt gives NULL');
SELECT is(eckid.hpgn('063138219', NULL), NULL, 'NULL salt gives NULL');

-- PGNs that the reference would hash differently, or refuse: 22023, and the
-- message never contains the PGN.
SELECT throws_ok($$SELECT eckid.hpgn('')$$, '22023', 'PGN must not be empty', 'an empty PGN is refused');
SELECT throws_ok($$SELECT eckid.hpgn(' 063138219')$$, '22023', 'PGN must not begin or end with whitespace',
	'a leading space is refused, not trimmed');
SELECT throws_ok($$SELECT eckid.hpgn('063138219' || chr(10))$$, '22023', 'PGN must not begin or end with whitespace',
	'a trailing newline is refused');
SELECT throws_ok($$SELECT eckid.hpgn('7')$$, '22023', 'PGN is too short', 'a 1-character PGN is refused, as by the reference');
SELECT throws_ok($$SELECT eckid.hpgn(repeat('1', 1025))$$, '22023', 'PGN is too long', 'a PGN over 1024 bytes is refused');
SELECT throws_ok($$SELECT eckid.hpgn(repeat('1', 1048576))$$, '22023', 'PGN is too long', 'a 1 MB PGN is refused');
SELECT throws_ok($$SELECT eckid.hpgn('20DP Éva@school.nl')$$, '22023', 'PGN contains non-ASCII characters',
	'a non-ASCII PGN is refused rather than lowercased differently from the reference');

-- Salts
SELECT throws_ok($$SELECT eckid.hpgn('063138219', '')$$, '22023', 'salt must not be empty', 'an empty salt is refused');
SELECT throws_ok($$SELECT eckid.hpgn('063138219', 'not base64!')$$, '22023', 'salt is not valid base64',
	'a salt that is not base64 is refused');
SELECT throws_ok($$SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw')$$, '22023', 'salt is not valid base64',
	'base64 without its padding is refused');
SELECT throws_ok($$SELECT eckid.hpgn('063138219', repeat('A', 4100))$$, '22023', 'salt is too long',
	'an over-long salt is refused');

-- Honest volatility: the one-argument form reads a setting.
SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'eckid.hpgn(text)'::regprocedure), 's',
	'hpgn(pgn) is STABLE: it reads eckid.salt');
SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'eckid.hpgn(text,text)'::regprocedure), 'i',
	'hpgn(pgn, salt) is IMMUTABLE');

SELECT * FROM finish();
ROLLBACK;
