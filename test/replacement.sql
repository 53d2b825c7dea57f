-- eckid.replace_hpgn(): a PGN change keeps the Stampseudonym, as
-- Nummervoorziening's replaceStampseudonym does.
BEGIN;
SELECT plan(22);

-- HPgns of made-up PGNs: any 64 lowercase hex digits will do here.
CREATE TEMP TABLE h AS
SELECT n, encode(sha256(convert_to('pgn ' || n, 'UTF8')), 'hex') AS hpgn
  FROM unnest(ARRAY['a', 'b', 'c', 'd', 'e', 'f', 'g', 'x', 'y']) n;
CREATE FUNCTION pg_temp.h(text) RETURNS text LANGUAGE sql AS $$ SELECT hpgn FROM h WHERE n = $1 $$;
CREATE FUNCTION pg_temp.own(text) RETURNS eckid.eckid LANGUAGE sql AS
	$$ SELECT eckid.local_stampseudonym(pg_temp.h($1)) $$;
CREATE FUNCTION pg_temp.stamp(text) RETURNS eckid.eckid LANGUAGE sql AS
	$$ SELECT eckid.stampseudonym(pg_temp.h($1)) $$;

SELECT isnt(pg_temp.stamp('b'), pg_temp.stamp('a'), 'two HPgns start with different Stampseudonyms');
SELECT is(pg_temp.stamp('a'), pg_temp.own('a'), 'without replacements, stampseudonym() is the HPgn''s own value');

SELECT lives_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('a'), pg_temp.h('b')),
	'replace_hpgn(a, b) with the default effective date (now)');
SELECT is(pg_temp.stamp('b'), pg_temp.own('a'), 'the new HPgn now resolves to the old Stampseudonym');
SELECT is(pg_temp.stamp('a'), pg_temp.own('a'), 'the old HPgn keeps its Stampseudonym');
SELECT is(eckid.derive(pg_temp.stamp('b'), 'chain', 'sector'), eckid.derive(pg_temp.stamp('a'), 'chain', 'sector'),
	'so every ECK iD derived from it stays the same');

SELECT lives_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('b'), pg_temp.h('c')),
	'replace_hpgn(b, c): a second change of the same pupil');
SELECT is(pg_temp.stamp('c'), pg_temp.own('a'), 'replacements chain transitively: c -> b -> a');

SELECT throws_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('c'), pg_temp.h('a')),
	'22023', 'replacement would create a cycle', 'a replacement that would close a cycle is refused');
SELECT throws_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('d'), pg_temp.h('d')),
	'22023', 'an HPgn cannot replace itself', 'an HPgn cannot replace itself');
SELECT throws_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('d'), pg_temp.h('b')),
	'23505', 'new_hpgn already has a replacement recorded', 'an HPgn takes over at most one Stampseudonym');

-- Effective dates: before a future date the new HPgn keeps its own value.
SELECT lives_ok(format('SELECT eckid.replace_hpgn(%L, %L, now() + interval ''1 day'')', pg_temp.h('d'), pg_temp.h('e')),
	'a replacement with a future effective date is recorded');
SELECT is(pg_temp.stamp('e'), pg_temp.own('e'), 'before its effective date the new HPgn still has its own value');
SELECT lives_ok(format('SELECT eckid.replace_hpgn(%L, %L, now())', pg_temp.h('f'), pg_temp.h('g')),
	'a replacement effective exactly now');
SELECT is(pg_temp.stamp('g'), pg_temp.own('f'), 'is in force at once');
-- Time passes (simulated): the future replacement comes into force.
UPDATE eckid.hpgn_replacement SET effective = now() - interval '1 second' WHERE new_hpgn = pg_temp.h('e');
SELECT is(pg_temp.stamp('e'), pg_temp.own('d'), 'from its effective date on the new HPgn resolves to the old value');

SELECT throws_ok(format('SELECT eckid.replace_hpgn(%L, %L)', upper(pg_temp.h('x')), pg_temp.h('y')),
	'22023', 'old_hpgn is not a valid HPgn', 'an invalid old HPgn is refused');
SELECT throws_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('x'), 'not an hpgn'),
	'22023', 'new_hpgn is not a valid HPgn', 'an invalid new HPgn is refused');
SELECT throws_ok(format('SELECT eckid.replace_hpgn(%L, NULL)', pg_temp.h('x')),
	'22004', 'arguments of eckid.replace_hpgn must not be null', 'NULL arguments are refused, not ignored');

-- Who may record replacements (the test's own helper table must be readable)
GRANT SELECT ON h TO PUBLIC;
SET LOCAL ROLE eckid_plain;
SELECT throws_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('x'), pg_temp.h('y')),
	'42501', NULL, 'a role without the grant cannot record a replacement');
RESET ROLE;
SET LOCAL ROLE eckid_las_app;
SELECT lives_ok(format('SELECT eckid.replace_hpgn(%L, %L)', pg_temp.h('x'), pg_temp.h('y')),
	'the LAS application role records replacements without rights on the table itself');
SELECT is(pg_temp.stamp('y'), eckid.stampseudonym(pg_temp.h('x')),
	'and resolves them through eckid.stampseudonym()');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
