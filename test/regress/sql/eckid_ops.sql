--
-- eckid_ops: comparison operators, operator classes, indexes, joins,
-- aggregation, hash partitioning and sorting with abbreviated keys.
--
\set VERBOSITY default
SET search_path = public, eckid;

-- Values: a and a_upper are equal; b differs from a only in the segment,
-- c only in the last digest digit; p is a prefix segment of ps.
SELECT encode(sha512('eckid ops'), 'hex') AS d \gset
CREATE TABLE v (name text PRIMARY KEY, x eckid NOT NULL);
INSERT INTO v VALUES
	('a', ('https://ketenid.nl/pilot/' || :'d')::eckid),
	('a_upper', ('HTTPS://KETENID.NL/pilot/' || upper(:'d'))::eckid),
	('b', ('https://ketenid.nl/sppilot/' || :'d')::eckid),
	('c', ('https://ketenid.nl/pilot/' || left(:'d', 127) || 'f')::eckid),
	('p', 'https://ketenid.nl/pilot/00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
	('ps', 'https://ketenid.nl/pilots/00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'),
	('z', 'https://ketenid.nl/0/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff');
SELECT right(:'d', 1) < 'f' AS c_sorts_after_a;

-- Every operator on every pair (including each value with itself).
SELECT l.name AS l, r.name AS r,
       l.x = r.x AS eq, l.x <> r.x AS ne, l.x < r.x AS lt, l.x <= r.x AS le,
       l.x > r.x AS gt, l.x >= r.x AS ge, eckid_cmp(l.x, r.x) AS cmp
  FROM v l CROSS JOIN v r
 WHERE (l.name, r.name) IN (('a', 'a'), ('a', 'a_upper'), ('a', 'b'), ('b', 'a'),
                            ('a', 'c'), ('c', 'a'), ('p', 'ps'), ('ps', 'p'),
                            ('p', 'a'), ('a', 'z'), ('z', 'p'))
 ORDER BY l.name, r.name;

-- The operators agree with each other and with eckid_cmp on all pairs.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (l.x = r.x) = (eckid_cmp(l.x, r.x) = 0)
                          AND (l.x <> r.x) = (eckid_cmp(l.x, r.x) <> 0)
                          AND (l.x < r.x) = (eckid_cmp(l.x, r.x) < 0)
                          AND (l.x <= r.x) = (eckid_cmp(l.x, r.x) <= 0)
                          AND (l.x > r.x) = (eckid_cmp(l.x, r.x) > 0)
                          AND (l.x >= r.x) = (eckid_cmp(l.x, r.x) >= 0)
                          AND eckid_cmp(l.x, r.x) = -eckid_cmp(r.x, l.x)
                          AND eckid_cmp(l.x, r.x) IN (-1, 0, 1)) AS consistent
  FROM v l CROSS JOIN v r;

-- The order: by digest, then by segment.
SELECT name, eckid.segment(x), left(encode(eckid.digest(x), 'hex'), 8) AS digest_start
  FROM v ORDER BY x, name;
SELECT name FROM v ORDER BY x DESC, name;

-- Hash functions: equal values hash equally; the seeded hash with seed 0
-- has the plain hash in its low 32 bits, as hash opclasses require.
SELECT l.name, r.name, eckid_hash(l.x) = eckid_hash(r.x) AS same_hash
  FROM v l, v r WHERE (l.name, r.name) IN (('a', 'a_upper'), ('a', 'b'), ('p', 'ps'));
SELECT count(*) AS values,
       count(*) FILTER (WHERE eckid_hash_extended(x, 0) & 4294967295
                              = eckid_hash(x)::bigint & 4294967295) AS seed0_matches,
       count(*) FILTER (WHERE eckid_hash_extended(x, 0) <> eckid_hash_extended(x, 1)) AS seed_matters
  FROM v;

--
-- Operator classes and operator properties.
--
SELECT opcname, amvalidate(oid) FROM pg_opclass
 WHERE opcname IN ('eckid_ops', 'eckid_hash_ops') ORDER BY opcname;
SELECT am.amname, p.amprocnum, p.amproc::regproc
  FROM pg_amproc p
  JOIN pg_opfamily f ON f.oid = p.amprocfamily
  JOIN pg_am am ON am.oid = f.opfmethod
 WHERE f.opfname IN ('eckid_ops', 'eckid_hash_ops')
 ORDER BY am.amname, p.amprocnum;
SELECT am.amname, o.amopstrategy, o.amopopr::regoperator
  FROM pg_amop o
  JOIN pg_opfamily f ON f.oid = o.amopfamily
  JOIN pg_am am ON am.oid = f.opfmethod
 WHERE f.opfname IN ('eckid_ops', 'eckid_hash_ops')
 ORDER BY am.amname, o.amopstrategy;
SELECT oprname, oprnamespace::regnamespace AS schema, oprcom::regoperator AS commutator, oprnegate::regoperator AS negator,
       oprrest, oprjoin, oprcanmerge, oprcanhash
  FROM pg_operator
 WHERE oprleft = 'eckid'::regtype AND oprright = 'eckid'::regtype
 ORDER BY oprname;
SELECT proname, provolatile, proisstrict, proparallel, proleakproof
  FROM pg_proc
 WHERE pronamespace = 'eckid'::regnamespace AND proname LIKE 'eckid\_%'
   AND proname NOT IN ('eckid_local_stampseudonym', 'eckid_derive')
 ORDER BY proname;

--
-- A primary key.
--
-- autovacuum off: a vacuum in the middle would change plans (index-only scans)
CREATE TABLE pupils (id eckid PRIMARY KEY, n int NOT NULL) WITH (autovacuum_enabled = off);
INSERT INTO pupils
	SELECT ('https://ketenid.nl/201703/' || encode(sha512(convert_to('pupil ' || i, 'UTF8')), 'hex'))::eckid, i
	  FROM generate_series(1, 10000) i;
ANALYZE pupils;
-- the same value in another spelling is a duplicate
INSERT INTO pupils VALUES (('HTTPS://KETENID.NL/201703/' || upper(encode(sha512('pupil 42'), 'hex')))::eckid, 0);
DO $$
BEGIN
	INSERT INTO pupils VALUES (('https://ketenid.nl/201703/' || encode(sha512('pupil 7'), 'hex'))::eckid.eckid, 0);
EXCEPTION WHEN unique_violation THEN
	RAISE NOTICE 'duplicate rejected with SQLSTATE %', SQLSTATE;
END
$$;
-- a value that differs only in segment is not a duplicate
INSERT INTO pupils VALUES (('https://ketenid.nl/pilot/' || encode(sha512('pupil 7'), 'hex'))::eckid, -7);

-- point lookup through the index
EXPLAIN (COSTS OFF)
SELECT n FROM pupils WHERE id = ('https://ketenid.nl/201703/' || encode(sha512('pupil 42'), 'hex'))::eckid;
SELECT n FROM pupils WHERE id = ('https://ketenid.nl/201703/' || encode(sha512('pupil 42'), 'hex'))::eckid;
SELECT n FROM pupils WHERE id = ('https://ketenid.nl/pilot/' || encode(sha512('pupil 7'), 'hex'))::eckid;
-- range scans return index order
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM pupils WHERE id < 'https://ketenid.nl/201703/40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000';
SELECT count(*) = (SELECT count(*) FROM pupils WHERE left(encode(eckid.digest(id), 'hex'), 1) < '4') AS range_ok
  FROM pupils WHERE id < 'https://ketenid.nl/201703/40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000';
RESET enable_seqscan;
RESET enable_bitmapscan;

--
-- A hash index.
--
CREATE TABLE contacts (pupil eckid, note text) WITH (autovacuum_enabled = off);
INSERT INTO contacts SELECT id, 'note ' || n FROM pupils;
CREATE INDEX contacts_pupil_hash ON contacts USING hash (pupil);
ANALYZE contacts;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
SELECT note FROM contacts WHERE pupil = ('https://ketenid.nl/201703/' || encode(sha512('pupil 42'), 'hex'))::eckid;
SELECT note FROM contacts WHERE pupil = ('https://ketenid.nl/201703/' || encode(sha512('pupil 42'), 'hex'))::eckid;
SELECT note FROM contacts WHERE pupil = ('https://ketenid.nl/201703/' || encode(sha512('pupil 0'), 'hex'))::eckid;
RESET enable_seqscan;
RESET enable_bitmapscan;

--
-- Joins: hash join and merge join give the same answer.
--
CREATE TABLE results (pupil eckid, score int) WITH (autovacuum_enabled = off);
INSERT INTO results
	SELECT ('https://ketenid.nl/201703/' || encode(sha512(convert_to('pupil ' || (i % 12000 + 1), 'UTF8')), 'hex'))::eckid, i
	  FROM generate_series(1, 20000) i;
ANALYZE results;

SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM pupils p JOIN results r ON r.pupil = p.id;
SELECT count(*) FROM pupils p JOIN results r ON r.pupil = p.id;
RESET enable_mergejoin;
RESET enable_nestloop;

SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM pupils p JOIN results r ON r.pupil = p.id;
SELECT count(*) FROM pupils p JOIN results r ON r.pupil = p.id;
RESET enable_hashjoin;
RESET enable_nestloop;

--
-- Hash aggregation and DISTINCT.
--
SET enable_sort = off;
EXPLAIN (COSTS OFF)
SELECT pupil, count(*) FROM results GROUP BY pupil;
SELECT count(*) AS groups, sum(c) AS rows, max(c) AS most
  FROM (SELECT pupil, count(*) AS c FROM results GROUP BY pupil) g;
RESET enable_sort;
SET enable_hashagg = off;
SELECT count(*) AS groups, sum(c) AS rows, max(c) AS most
  FROM (SELECT pupil, count(*) AS c FROM results GROUP BY pupil) g;
RESET enable_hashagg;
SELECT count(DISTINCT x) AS distinct_values FROM v;

--
-- Hash partitioning: rows are routed by eckid_hash_extended and found again.
--
CREATE TABLE parted (id eckid, n int) PARTITION BY HASH (id);
CREATE TABLE parted_0 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE parted_3 PARTITION OF parted FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO parted SELECT id, n FROM pupils WHERE n > 0;
SELECT tableoid::regclass AS partition, count(*) > 1000 AS well_filled,
       bool_and(satisfies_hash_partition('parted'::regclass, 4, right(tableoid::regclass::text, 1)::int, id)) AS routed
  FROM parted GROUP BY 1 ORDER BY 1;
SELECT count(*) AS rows FROM parted;
-- a point lookup scans one partition and finds the row
EXPLAIN (COSTS OFF)
SELECT n FROM parted WHERE id = ('https://ketenid.nl/201703/' || encode(sha512('pupil 42'), 'hex'))::eckid;
SELECT n FROM parted WHERE id = ('https://ketenid.nl/201703/' || encode(sha512('pupil 42'), 'hex'))::eckid;
-- every row is found by its key (all 10000 lookups prune to one partition)
DO $$
DECLARE
	found int := 0;
	k eckid.eckid;
BEGIN
	FOR k IN SELECT id FROM pupils WHERE n > 0 LOOP
		IF EXISTS (SELECT 1 FROM parted WHERE id = k) THEN
			found := found + 1;
		END IF;
	END LOOP;
	RAISE NOTICE 'found % of 10000 rows by key', found;
END
$$;

--
-- Sorting 50000 values.  The sort uses abbreviated keys (the first digest
-- bytes); the reference order uses the accessors only, so the two agree
-- only if the abbreviated keys and the full comparator agree with each
-- other and with the documented order.  The data mix distinct digests,
-- digests sharing their first 8 bytes (ties on the abbreviated key), and
-- pairs sharing the whole digest that differ only in segment, "pilot"
-- being a prefix of "pilots".
--
CREATE TABLE sortme (x eckid);
INSERT INTO sortme
	SELECT ('https://ketenid.nl/' ||
	        CASE i % 5 WHEN 0 THEN '201703/' || encode(sha512(convert_to('a' || i, 'UTF8')), 'hex')
	                   WHEN 1 THEN 'x/00000000000000ff' || substr(encode(sha512(convert_to('b' || i, 'UTF8')), 'hex'), 17)
	                   WHEN 2 THEN 'pilot/' || encode(sha512(convert_to('c' || i / 5, 'UTF8')), 'hex')
	                   WHEN 3 THEN 'pilots/' || encode(sha512(convert_to('c' || i / 5, 'UTF8')), 'hex')
	                   ELSE 'sppilot/' || encode(sha512(convert_to('d' || i, 'UTF8')), 'hex')
	        END)::eckid
	  FROM generate_series(1, 50000) i;
SELECT count(*) AS rows, count(DISTINCT x) AS distinct_values FROM sortme;

CREATE FUNCTION sort_disagreements(tab regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	result bigint;
BEGIN
	EXECUTE format($q$
		SELECT count(*) FROM
			(SELECT x, row_number() OVER (ORDER BY x) AS r FROM %1$s) s
		FULL JOIN
			(SELECT x, row_number() OVER (ORDER BY eckid.digest(x), eckid.segment(x) COLLATE "C") AS r FROM %1$s) t
		USING (r)
		WHERE s.x IS DISTINCT FROM t.x$q$, tab) INTO result;
	RETURN result;
END
$$;
SELECT sort_disagreements('sortme');
-- the sorted output is in operator order, in a plain sort too
SELECT count(*) AS out_of_order
  FROM (SELECT x, lag(x) OVER (ORDER BY x) AS prev FROM sortme) s WHERE prev >= x;
SELECT array_agg(x ORDER BY x) = array_agg(x ORDER BY eckid.digest(x), eckid.segment(x) COLLATE "C")
       AS datum_sort_ok
  FROM sortme;

-- Data on which abbreviation gives up: every digest starts with the same
-- 8 bytes, so the cardinality estimate aborts it and the full comparator
-- sorts alone.
CREATE TABLE sortme_alike (x eckid);
INSERT INTO sortme_alike
	SELECT ('https://ketenid.nl/pilot/0000000000000000' ||
	        left(encode(sha512(convert_to('e' || i, 'UTF8')), 'hex'), 112))::eckid
	  FROM generate_series(1, 50000) i;
SELECT sort_disagreements('sortme_alike');
DROP FUNCTION sort_disagreements(regclass);

-- B-tree builds sort with the same support; amcheck verifies the result.
CREATE EXTENSION amcheck;
CREATE INDEX sortme_x ON sortme (x);
CREATE INDEX sortme_alike_x ON sortme_alike (x);
SELECT bt_index_check('sortme_x', true), bt_index_parent_check('sortme_x', true);
SELECT bt_index_check('sortme_alike_x', true);
SELECT bt_index_check('pupils_pkey', true);
-- an index-ordered scan gives the same order as a sort
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS disagreements FROM
	(SELECT x, row_number() OVER () AS r FROM (SELECT x FROM sortme ORDER BY x) o) s
	FULL JOIN
	(SELECT x, row_number() OVER (ORDER BY eckid.digest(x), eckid.segment(x) COLLATE "C") AS r FROM sortme) t
	USING (r)
 WHERE s.x IS DISTINCT FROM t.x;
RESET enable_seqscan;
RESET enable_bitmapscan;

DROP TABLE v, pupils, contacts, results, parted, sortme, sortme_alike;
DROP EXTENSION amcheck;
