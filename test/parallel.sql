-- PARALLEL SAFE is true: a parallel query computes the same values as a
-- serial one (in parallel workers, which load eckid themselves).
BEGIN;
SELECT plan(6);

CREATE TABLE eckid_test.par AS
SELECT i, encode(sha256(convert_to('pupil ' || i, 'UTF8')), 'hex') AS hpgn
  FROM generate_series(1, 20000) i;
ANALYZE eckid_test.par;

CREATE TEMP TABLE serial AS
SELECT i, eckid.derive(eckid.stampseudonym(hpgn), 'chain', 'sector') AS id, eckid.is_valid(hpgn) AS v
  FROM eckid_test.par;

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;

SELECT matches(
	(SELECT string_agg(l, E'\n') FROM (SELECT * FROM eckid_test.explain_lines(
		$$SELECT i, eckid.derive(eckid.stampseudonym(hpgn), 'chain', 'sector') FROM eckid_test.par$$)) e(l)),
	'Gather', 'the planner runs the derivation in parallel workers');

SELECT results_eq(
	$$SELECT i, eckid.derive(eckid.stampseudonym(hpgn), 'chain', 'sector') FROM eckid_test.par ORDER BY i$$,
	$$SELECT i, id FROM serial ORDER BY i$$,
	'stampseudonym() and derive() give the same values in parallel workers as serially');

SELECT is(
	(SELECT count(DISTINCT eckid.derive(eckid.stampseudonym(hpgn), 'chain', 'sector')) FROM eckid_test.par),
	20000::bigint, 'no two pupils share an ECK iD');

SELECT results_eq(
	$$SELECT i, eckid.hpgn('pgn' || i) FROM eckid_test.par WHERE i <= 2 ORDER BY i$$,
	$$SELECT i, eckid.hpgn('pgn' || i, 'rktYml0MIp9TC9u6Ny6uqw==') FROM eckid_test.par WHERE i <= 2 ORDER BY i$$,
	'hpgn() reads the salt in parallel workers too');

-- Grouping and joining on eckid in parallel
SELECT is(
	(SELECT count(*) FROM (SELECT id FROM serial GROUP BY id) g),
	20000::bigint, 'parallel hash aggregation on eckid');
SELECT is(
	(SELECT count(*) FROM serial a JOIN serial b USING (id)),
	20000::bigint, 'parallel hash join on eckid');

SELECT * FROM finish();
ROLLBACK;
