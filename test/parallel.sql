-- PARALLEL SAFE is true: a parallel query computes the same values as a
-- serial one (in parallel workers, which load eckid themselves).
BEGIN;
SELECT plan(8);

CREATE TABLE eckid_test.par AS
SELECT i, encode(sha256(convert_to('pupil ' || i, 'UTF8')), 'hex') AS hpgn
  FROM generate_series(1, 20000) i;
ANALYZE eckid_test.par;

-- A table, not a TEMP table: a temporary table is never scanned in
-- parallel, and the grouping and join below must be.
CREATE TABLE eckid_test.par_serial AS
SELECT i, eckid.derive(eckid.stampseudonym(hpgn), 'chain', 'sector') AS id, eckid.is_valid(hpgn) AS v
  FROM eckid_test.par;
ANALYZE eckid_test.par_serial;
-- 200 values, 100 rows each: few groups, so that each worker aggregates
-- its part (Partial HashAggregate) before the leader combines them.
CREATE TABLE eckid_test.par_repeated AS
SELECT s.id FROM eckid_test.par_serial s, generate_series(1, 100) WHERE s.i <= 200;
ANALYZE eckid_test.par_repeated;

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
	$$SELECT i, id FROM eckid_test.par_serial ORDER BY i$$,
	'stampseudonym() and derive() give the same values in parallel workers as serially');

SELECT is(
	(SELECT count(DISTINCT eckid.derive(eckid.stampseudonym(hpgn), 'chain', 'sector')) FROM eckid_test.par),
	20000::bigint, 'no two pupils share an ECK iD');

SELECT results_eq(
	$$SELECT i, eckid.hpgn('pgn' || i) FROM eckid_test.par WHERE i <= 2 ORDER BY i$$,
	$$SELECT i, eckid.hpgn('pgn' || i, 'rktYml0MIp9TC9u6Ny6uqw==') FROM eckid_test.par WHERE i <= 2 ORDER BY i$$,
	'hpgn() reads the salt in parallel workers too');

-- Grouping and joining on eckid in parallel
SET LOCAL enable_sort = off;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_nestloop = off;
SELECT matches(
	(SELECT string_agg(l, E'\n') FROM (SELECT * FROM eckid_test.explain_lines(
		$$SELECT id, count(*) FROM eckid_test.par_repeated GROUP BY id$$)) e(l)),
	'Gather(.|\n)*Partial HashAggregate', 'the grouping on eckid runs in parallel workers (hashing eckid there)');
SELECT results_eq(
	$$SELECT id, count(*) FROM eckid_test.par_repeated GROUP BY id ORDER BY id$$,
	$$SELECT id, 100::bigint FROM eckid_test.par_serial WHERE i <= 200 ORDER BY id$$,
	'parallel hash aggregation on eckid: 200 groups of 100');
SELECT matches(
	(SELECT string_agg(l, E'\n') FROM (SELECT * FROM eckid_test.explain_lines(
		$$SELECT count(*) FROM eckid_test.par_serial a JOIN eckid_test.par_serial b USING (id)$$)) e(l)),
	'Gather(.|\n)*Hash Join', 'the join on eckid runs in parallel workers (a parallel hash join)');
SELECT is(
	(SELECT count(*) FROM eckid_test.par_serial a JOIN eckid_test.par_serial b USING (id)),
	20000::bigint, 'parallel hash join on eckid');

SELECT * FROM finish();
ROLLBACK;
