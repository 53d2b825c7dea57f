-- The eckid type as LAS code uses it: input, output, errors with their
-- SQLSTATE, accessors, keys and joins.
BEGIN;
SELECT plan(17);

\set id '(''https://ketenid.nl/201703/'' || repeat(''0123456789abcdef'', 8))'

SELECT is((:id)::eckid.eckid::text, :id, 'a production ECK iD round-trips unchanged');
SELECT is(('  HTTPS://KetenID.nl/pilot/' || upper(repeat('0123456789abcdef', 8)) || E'\n')::eckid.eckid::text,
	'https://ketenid.nl/pilot/' || repeat('0123456789abcdef', 8),
	'scheme, host and hex in any case, surrounding whitespace: canonical lowercase output');
SELECT is(eckid.segment((:id)::eckid.eckid), '201703', 'segment()');
SELECT is(eckid.digest((:id)::eckid.eckid), decode(repeat('0123456789abcdef', 8), 'hex'), 'digest() gives the 64 bytes');

SELECT throws_ok($$SELECT 'https://ketenid.nl/201703/abc'::eckid.eckid$$, '22P02',
	'invalid input syntax for type eckid: "https://ketenid.nl/201703/abc"', 'a short digest: 22P02 in core''s wording');
SELECT throws_ok(format('SELECT %L::eckid.eckid', 'https://ketenid.nl/201703/' || repeat('a', 127)), '22P02', NULL,
	'127 hex digits: 22P02');
SELECT throws_ok(format('SELECT %L::eckid.eckid', 'https://id.school/pilot/' || repeat('a', 128)), '22P02', NULL,
	'another host: 22P02');
SELECT throws_ok($$SELECT ''::eckid.eckid$$, '22P02', NULL, 'empty input: 22P02');

SELECT ok(NOT eckid.is_valid('https://ketenid.nl/201703/abc'), 'is_valid() says false rather than raising');
SELECT ok(eckid.is_valid(:id), 'is_valid() says true for a valid ECK iD');
SELECT ok(NOT eckid.is_valid(repeat('x', 1048576)), 'is_valid() on 1 MB of text');

-- The message never quotes a nearly complete ECK iD: long hex runs are cut.
SELECT throws_like(format('SELECT %L::eckid.eckid', 'https://ketenid.nl/201703/' || repeat('a', 120) || 'e81960'),
	'%…e81960"', 'a malformed value''s digest is shortened in the message, as mask() would');
-- Nor a PGN typed where an ECK iD belongs: no run of 8 or more digits is quoted.
SELECT throws_ok($$SELECT '063138219'::eckid.eckid$$, '22P02', 'invalid input syntax for type eckid: "…"',
	'a BSN given as an ECK iD is not quoted in the message');
SELECT throws_ok($$SELECT 'pgn 12345678, class 7b'::eckid.eckid$$, '22P02', 'invalid input syntax for type eckid: "pgn …, class 7b"',
	'an 8-digit number in the middle of the input is left out, the rest quoted');

-- As a key
CREATE TEMP TABLE pupil (id eckid.eckid PRIMARY KEY, name text);
INSERT INTO pupil VALUES ((:id)::eckid.eckid, 'a');
SELECT throws_ok(format('INSERT INTO pupil VALUES (%L, %L)', :id, 'b'), '23505', NULL, 'a duplicate ECK iD violates the primary key');
SELECT is((SELECT name FROM pupil WHERE id = (:id)::eckid.eckid), 'a', 'lookup by ECK iD');

SELECT results_eq(
	$$SELECT x FROM (VALUES ('https://ketenid.nl/b/' || repeat('00', 64)), ('https://ketenid.nl/a/' || repeat('00', 64)),
							('https://ketenid.nl/a/' || repeat('ff', 64))) v(t), LATERAL (SELECT t::eckid.eckid AS x) c ORDER BY x$$,
	$$VALUES (('https://ketenid.nl/a/' || repeat('00', 64))::eckid.eckid), (('https://ketenid.nl/b/' || repeat('00', 64))::eckid.eckid),
			 (('https://ketenid.nl/a/' || repeat('ff', 64))::eckid.eckid)$$,
	'order is by digest, then segment (docs/type.md)');

SELECT * FROM finish();
ROLLBACK;
