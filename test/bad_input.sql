-- The bad-input catalogue: every SQL function called with NULLs, empty
-- strings, 1 MB strings, non-ASCII text, hex of the wrong length and case,
-- and bad salts; each call either returns or fails with the SQLSTATE listed.
-- The server never restarts (postmaster start time unchanged at the end).
-- Key-file cases (missing, empty, wrong length, not hex, open to others) are
-- in test/settings.sql.
BEGIN;

CREATE TEMP TABLE started AS SELECT pg_postmaster_start_time() AS t;

CREATE TEMP TABLE cases (call text, sqlstate text);
\set mb 'repeat(''a'', 1048576)'
INSERT INTO cases VALUES
	-- the type
	('SELECT NULL::eckid.eckid', NULL),
	($$SELECT ''::eckid.eckid$$, '22P02'),
	($$SELECT ' '::eckid.eckid$$, '22P02'),
	(format('SELECT %s::eckid.eckid', :'mb'), '22P02'),
	(format('SELECT (''https://ketenid.nl/201703/'' || %s)::eckid.eckid', :'mb'), '22P02'),
	($$SELECT ('https://ketenid.nl/201703/' || repeat('é', 128))::eckid.eckid$$, '22P02'),
	($$SELECT ('https://ketenid.nl/2017é3/' || repeat('ab', 64))::eckid.eckid$$, '22P02'),
	($$SELECT ('https://ketenid.nl/201703/' || repeat('ab', 63) || 'a')::eckid.eckid$$, '22P02'),
	($$SELECT ('https://ketenid.nl/201703/' || repeat('AB', 64))::eckid.eckid$$, NULL),
	($$SELECT ('https://ketenid.nl/201703/' || repeat('ab', 65))::eckid.eckid$$, '22P02'),
	($$SELECT eckid.is_valid(NULL)$$, NULL),
	($$SELECT eckid.is_valid('')$$, NULL),
	(format('SELECT eckid.is_valid(%s)', :'mb'), NULL),
	($$SELECT eckid.is_valid(repeat('ü', 100000))$$, NULL),
	($$SELECT eckid.segment(NULL)$$, NULL),
	($$SELECT eckid.digest(NULL)$$, NULL),
	-- validation never raises
	($$SELECT eckid.bsn_is_valid(NULL)$$, NULL),
	($$SELECT eckid.bsn_is_valid('')$$, NULL),
	(format('SELECT eckid.bsn_is_valid(%s)', :'mb'), NULL),
	($$SELECT eckid.bsn_is_valid('１２３４５６７８２')$$, NULL),
	($$SELECT eckid.onderwijsnummer_is_valid('')$$, NULL),
	(format('SELECT eckid.onderwijsnummer_is_valid(%s)', :'mb'), NULL),
	($$SELECT eckid.onderwijsnummer_is_valid('1012é2331')$$, NULL),
	($$SELECT eckid.hpgn_is_valid('')$$, NULL),
	(format('SELECT eckid.hpgn_is_valid(%s)', :'mb'), NULL),
	($$SELECT eckid.hpgn_is_valid(repeat('é', 32))$$, NULL),
	-- hpgn: PGN and salt errors (no successful hash here: each costs a second)
	($$SELECT eckid.hpgn(NULL)$$, NULL),
	($$SELECT eckid.hpgn('')$$, '22023'),
	(format('SELECT eckid.hpgn(%s)', :'mb'), '22023'),
	($$SELECT eckid.hpgn('12345678é')$$, '22023'),
	($$SELECT eckid.hpgn(E'\t123456782')$$, '22023'),
	($$SELECT eckid.hpgn('x')$$, '22023'),
	($$SELECT eckid.hpgn('063138219', NULL)$$, NULL),
	($$SELECT eckid.hpgn(NULL, 'YQ==')$$, NULL),
	($$SELECT eckid.hpgn('063138219', '')$$, '22023'),
	($$SELECT eckid.hpgn('063138219', '====')$$, '22023'),
	($$SELECT eckid.hpgn('063138219', 'YQ')$$, '22023'),
	($$SELECT eckid.hpgn('063138219', 'Y Q==')$$, '22023'),
	($$SELECT eckid.hpgn('063138219', 'é')$$, '22023'),
	(format('SELECT eckid.hpgn(''063138219'', %s)', :'mb'), '22023'),
	($$SELECT eckid.hpgn('', '')$$, '22023'),
	-- derivation: HPgns of the wrong length and case, chains and sectors
	($$SELECT eckid.stampseudonym(NULL)$$, NULL),
	($$SELECT eckid.stampseudonym('')$$, '22023'),
	($$SELECT eckid.stampseudonym(repeat('a', 63))$$, '22023'),
	($$SELECT eckid.stampseudonym(repeat('a', 65))$$, '22023'),
	($$SELECT eckid.stampseudonym(repeat('A', 64))$$, '22023'),
	($$SELECT eckid.stampseudonym(repeat('é', 32))$$, '22023'),
	(format('SELECT eckid.stampseudonym(%s)', :'mb'), '22023'),
	($$SELECT eckid.local_stampseudonym(repeat('g', 64))$$, '22023'),
	($$SELECT eckid.resolve_hpgn('')$$, NULL),
	(format('SELECT eckid.resolve_hpgn(%s)', :'mb'), NULL),
	(format('SELECT eckid.derive(%L::eckid.eckid, NULL, ''s'')', 'https://ketenid.nl/201703/' || repeat('ab', 64)), NULL),
	(format('SELECT eckid.derive(%L::eckid.eckid, '''', ''s'')', 'https://ketenid.nl/201703/' || repeat('ab', 64)), '22023'),
	(format('SELECT eckid.derive(%L::eckid.eckid, ''c'', '''')', 'https://ketenid.nl/201703/' || repeat('ab', 64)), '22023'),
	(format('SELECT eckid.derive(%L::eckid.eckid, %s, ''s'')', 'https://ketenid.nl/201703/' || repeat('ab', 64), :'mb'), '22023'),
	(format('SELECT eckid.derive(%L::eckid.eckid, ''c'', %s)', 'https://ketenid.nl/201703/' || repeat('ab', 64), :'mb'), '22023'),
	(format('SELECT eckid.derive(%L::eckid.eckid, ''ketené'', ''sector✓'')', 'https://ketenid.nl/201703/' || repeat('ab', 64)), NULL),
	-- replacements
	($$SELECT eckid.replace_hpgn(NULL, NULL)$$, '22004'),
	($$SELECT eckid.replace_hpgn('', '')$$, '22023'),
	(format('SELECT eckid.replace_hpgn(%s, %s)', :'mb', :'mb'), '22023'),
	($$SELECT eckid.replace_hpgn(repeat('A', 64), repeat('b', 64))$$, '22023'),
	($$SELECT eckid.replace_hpgn(repeat('a', 64), repeat('b', 64), NULL)$$, '22004'),
	-- a PGN where something else belongs (no error may quote it: see below)
	($$SELECT '12345672'::eckid.eckid$$, '22P02'),
	($$SELECT '063138219'::eckid.eckid$$, '22P02'),
	($$SELECT 'BSN 063138219, groep 7'::eckid.eckid$$, '22P02'),
	($$SELECT 'https://ketenid.nl/201703/063138219'::eckid.eckid$$, '22P02'),
	($$SELECT ('https://ketenid.nl/201703/' || repeat('ab', 60) || '063138219')::eckid.eckid$$, '22P02'),
	($$SELECT eckid.hpgn(' 063138219')$$, '22023'),
	($$SELECT eckid.hpgn('063138219é')$$, '22023'),
	($$SELECT eckid.stampseudonym('063138219')$$, '22023'),
	($$SELECT eckid.replace_hpgn('063138219', '123456782')$$, '22023');

-- The message, DETAIL and HINT of a failing call (NULL if it succeeds).
CREATE FUNCTION pg_temp.error_text(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	m text;
	d text;
	h text;
BEGIN
	EXECUTE call;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
	RETURN concat_ws(' ', m, d, h);
END
$$;

SELECT plan((SELECT count(*)::int FROM cases) + 2);

SELECT CASE WHEN sqlstate IS NULL THEN lives_ok(call, call || ' returns')
			ELSE throws_ok(call, sqlstate, NULL, call || ' fails with ' || sqlstate) END
  FROM cases;

SELECT is((SELECT array_agg(call) FROM cases WHERE sqlstate IS NOT NULL AND pg_temp.error_text(call) ~ '[0-9]{8}'),
	NULL, 'no error''s message, DETAIL or HINT holds 8 digits in a row (a PGN has 8 or 9)');

SELECT is(pg_postmaster_start_time(), (SELECT t FROM started), 'the server never restarted');

SELECT * FROM finish();
ROLLBACK;
