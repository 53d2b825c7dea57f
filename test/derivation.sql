-- Local derivation of Stampseudonyms and ECK iDs, checked against the Python
-- reference script of docs/derivation.md (run by scripts/test on the
-- cluster's key file: eckid_test.python_vectors).
BEGIN;
SELECT plan(17);

SELECT cmp_ok((SELECT count(*) FROM eckid_test.python_vectors), '>=', 5::bigint,
	'the Python reference script produced vectors');

SELECT results_eq(
	$$SELECT eckid.stampseudonym(hpgn)::text FROM eckid_test.python_vectors ORDER BY hpgn$$,
	$$SELECT stampseudonym FROM eckid_test.python_vectors ORDER BY hpgn$$,
	'stampseudonym() equals the Python reference for every vector');
SELECT results_eq(
	$$SELECT eckid.derive(eckid.stampseudonym(hpgn), chain, sector)::text FROM eckid_test.python_vectors ORDER BY hpgn$$,
	$$SELECT eckid FROM eckid_test.python_vectors ORDER BY hpgn$$,
	'derive() equals the Python reference for every vector (including a non-ASCII sector)');

\set h '''9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa'''
\set chain '''http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795'''
\set po '''http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725'''
\set vo '''http://purl.edustandaard.nl/begrippenkader/2a1401e9-c223-493b-9b86-78f6993b1a8d'''

SELECT is(eckid.stampseudonym(:h), eckid.stampseudonym(:h), 'stampseudonym() is deterministic');
SELECT is(eckid.segment(eckid.stampseudonym(:h)), 'localsp', 'local Stampseudonyms carry the segment localsp by default');
SELECT is(eckid.segment(eckid.derive(eckid.stampseudonym(:h), :chain, :po)), 'local', 'local ECK iDs carry the segment local by default');
SELECT ok(eckid.segment(eckid.derive(eckid.stampseudonym(:h), :chain, :po)) NOT IN ('201703', 'pilot', 'sppilot'),
	'a local value can never be mistaken for one from Nummervoorziening');
SELECT isnt(eckid.derive(eckid.stampseudonym(:h), :chain, :po), eckid.derive(eckid.stampseudonym(:h), :chain, :vo),
	'the ECK iD is sector-bound: another sector gives another iD');
SELECT isnt(eckid.derive(eckid.stampseudonym(:h), :chain, :po), eckid.derive(eckid.stampseudonym(:h), :chain || 'x', :po),
	'another chain gives another iD');
SELECT isnt(eckid.derive(eckid.stampseudonym(:h), 'ab', 'c'), eckid.derive(eckid.stampseudonym(:h), 'a', 'bc'),
	'chain and sector are length-prefixed: moving a character between them changes the iD');
SELECT isnt(eckid.digest(eckid.derive(eckid.stampseudonym(:h), :chain, :po)), eckid.digest(eckid.stampseudonym(:h)),
	'the two steps are domain-separated: the ECK iD digest is not the Stampseudonym digest');

-- Errors: 22023, and the message never contains the value.
SELECT throws_ok($$SELECT eckid.stampseudonym('063138219')$$, '22023', 'invalid HPgn', 'a PGN is not an HPgn');
SELECT throws_ok(format('SELECT eckid.stampseudonym(%L)', upper(:h)), '22023', 'invalid HPgn', 'an upper-case HPgn is refused');
SELECT throws_ok(format('SELECT eckid.derive(eckid.stampseudonym(%L), %L, %L)', :h, '', :po),
	'22023', 'chain must not be empty', 'an empty chain is refused');
SELECT throws_ok(format('SELECT eckid.derive(eckid.stampseudonym(%L), %L, %L)', :h, :chain, ''),
	'22023', 'sector must not be empty', 'an empty sector is refused');

-- Derivation from a Stampseudonym that came from Nummervoorziening
SELECT is(eckid.segment(eckid.derive(('https://ketenid.nl/sppilot/' || repeat('ab', 64))::eckid.eckid, :chain, :po)), 'local',
	'a Stampseudonym from Nummervoorziening can be derived locally; the result is marked local');

SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'eckid.derive(eckid.eckid,text,text)'::regprocedure), 's',
	'derive() is STABLE: it reads the key file');

SELECT * FROM finish();
ROLLBACK;
