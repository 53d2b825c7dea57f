-- Hiding ECK iDs: eckid.mask(), eckid.pseudonymize() (compared with the
-- Python reference script: eckid_test.python_pseudonyms) and masked views,
-- with the privileges of a reporting role checked in fresh sessions.
--
-- A fresh session (dblink) sees only committed objects, so the masked views
-- it reads are made first, outside the test transaction, in schema
-- mask_fixture, and dropped at the end.  Everything else happens in the
-- transaction and is rolled back.

SET client_min_messages = warning;
CREATE SCHEMA mask_fixture;
CREATE TABLE mask_fixture.pupils (
	id		integer PRIMARY KEY,
	name	text,
	pgn		text,
	hpgn	text,
	ecid	eckid.eckid
);
INSERT INTO mask_fixture.pupils VALUES
	(1, 'Anna', '063138219', '9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa',
	 ('https://ketenid.nl/201703/' || encode(sha512('pupil 1'), 'hex'))::eckid.eckid),
	(2, 'Bert', '111222333', encode(sha256('111222333'), 'hex'),
	 ('https://ketenid.nl/pilot/' || encode(sha512('pupil 2'), 'hex'))::eckid.eckid),
	(3, 'Cor', '123456782', encode(sha256('123456782'), 'hex'), NULL);
CREATE TABLE mask_fixture.other (secret text);
INSERT INTO mask_fixture.other VALUES ('not for reporting');
DO $$
BEGIN
	PERFORM eckid.create_masked_view('mask_fixture.pupils', 'pupils_masked', '{pgn,hpgn}');
	PERFORM eckid.create_masked_view('mask_fixture.pupils', 'pupils_for_a', '{name,pgn,hpgn}', 'uitgever-a');
	PERFORM eckid.create_masked_view('mask_fixture.pupils', 'pupils_for_b', '{name,pgn,hpgn}', 'uitgever-b');
END
$$;
GRANT USAGE ON SCHEMA mask_fixture TO eckid_report;
GRANT SELECT ON mask_fixture.pupils_masked, mask_fixture.pupils_for_a TO eckid_report;
-- No role needs USAGE on eckid_internal to read a masked view (the view
-- calls masked_view_pseudonym() by its OID).  The reporting role gets it
-- here so that its direct calls below meet the function's own checks, as
-- they would where a DBA granted it; eckid_plain shows the default.
GRANT USAGE ON SCHEMA eckid_internal TO eckid_report;
RESET client_min_messages;

BEGIN;
SELECT plan(190);

-- The SQLSTATE and message of the error a statement raises when run as
-- another role (NULL if none).
-- Runs in the test's transaction, so it sees uncommitted objects; for the
-- rules that need a fresh session, eckid_test.remote() is used instead.
CREATE FUNCTION pg_temp.sqlstate_as(role text, query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', role);
	EXECUTE query;
	RESET ROLE;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- A direct call of the function a pseudonymizing masked view calls, for
-- every row of its table, as a query text (for the row of id, if given).
CREATE FUNCTION pg_temp.pseudonym_query(view_schema text, view_name text, id integer DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
	SELECT format('SELECT string_agg(eckid_internal.masked_view_pseudonym(%s, 2::int2, %s::oid, t.tid), %L ORDER BY t.tid) FROM unnest(%L::tid[]) AS t(tid)',
				  m.id, m.source_oid, ',',
				  (SELECT array_agg(p.ctid) FROM mask_fixture.pupils p WHERE $3 IS NULL OR p.id = $3))
	  FROM eckid.masked_view m WHERE m.view_schema = $1 AND m.view_name = $2
$$;
-- The grants on a relation as sorted text, grantors included.
CREATE FUNCTION pg_temp.grants(rel regclass) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(format('%s:%s:%s:%s', a.grantor::regrole, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
							 a.privilege_type, a.is_grantable), ' ' ORDER BY 1)
	  FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = rel
$$;

------------------------------------------------------------------------------
-- eckid.mask()
------------------------------------------------------------------------------

SELECT is(eckid.mask(('https://ketenid.nl/201703/' || repeat('0', 122) || 'e81960')::eckid.eckid),
	'https://ketenid.nl/201703/…e81960', 'mask() shows the segment and the last 6 hex digits');
SELECT is(eckid.mask(('https://ketenid.nl/pilot/' || repeat('ab', 64))::eckid.eckid),
	'https://ketenid.nl/pilot/…ababab', 'mask() keeps any segment');
SELECT is(eckid.mask(NULL), NULL, 'mask(NULL) is NULL');
SELECT ok(has_function_privilege('eckid_plain', 'eckid.mask(eckid.eckid)', 'EXECUTE'),
	'everybody may execute mask(): it involves no secret');

------------------------------------------------------------------------------
-- eckid.pseudonymize()
------------------------------------------------------------------------------

SELECT cmp_ok((SELECT count(*) FROM eckid_test.python_pseudonyms), '>=', 15::bigint,
	'the Python reference script produced pseudonym vectors');
SELECT results_eq(
	$$SELECT eckid.pseudonymize(eckid::eckid.eckid, recipient) FROM eckid_test.python_pseudonyms ORDER BY eckid, recipient$$,
	$$SELECT pseudonym FROM eckid_test.python_pseudonyms ORDER BY eckid, recipient$$,
	'pseudonymize() equals the Python reference for every vector (several segments, a non-ASCII recipient)');
SELECT is(eckid.pseudonymize(ecid, 'uitgever-a'), eckid.pseudonymize(ecid, 'uitgever-a'),
	'pseudonymize() is deterministic')
  FROM mask_fixture.pupils WHERE id = 1;
SELECT ok(bool_and(eckid.pseudonymize(ecid, 'uitgever-a') ~ '^[0-9a-f]{64}$'),
	'a pseudonym is 64 lowercase hex digits')
  FROM mask_fixture.pupils WHERE ecid IS NOT NULL;
SELECT ok(bool_and(eckid.pseudonymize(ecid, 'uitgever-a') <> eckid.pseudonymize(ecid, 'uitgever-b')),
	'different recipients get different pseudonyms of the same iD')
  FROM mask_fixture.pupils WHERE ecid IS NOT NULL;
SELECT is(count(DISTINCT eckid.pseudonymize(ecid, 'uitgever-a')), count(ecid),
	'different iDs get different pseudonyms')
  FROM mask_fixture.pupils;
SELECT ok(bool_and(strpos(encode(eckid.digest(ecid), 'hex'), substr(eckid.pseudonymize(ecid, r), 1, 8)) = 0
				   AND strpos(eckid.pseudonymize(ecid, r), right(encode(eckid.digest(ecid), 'hex'), 8)) = 0),
	'a pseudonym shares no 8 hex digits at its ends with the real digest')
  FROM mask_fixture.pupils, unnest(ARRAY['uitgever-a', 'uitgever-b']) r WHERE ecid IS NOT NULL;
SELECT isnt(eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, 'r'),
			eckid.pseudonymize(('https://ketenid.nl/pilot/' || repeat('ab', 64))::eckid.eckid, 'r'),
	'the segment is part of the pseudonym: the same digest under another segment differs');
SELECT isnt(eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, 'r'),
			encode(sha256(convert_to('https://ketenid.nl/201703/' || repeat('ab', 64) || 'r', 'UTF8')), 'hex'),
	'a pseudonym is not an unkeyed hash anyone could recompute');
SELECT throws_ok($$SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, '')$$,
	'22023', 'recipient must not be empty', 'an empty recipient is refused');
SELECT throws_ok($$SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, repeat('x', 65536))$$,
	'22023', 'recipient is too long', 'a recipient over 65535 bytes is refused');
SELECT ok(NOT has_function_privilege('eckid_plain', 'eckid.pseudonymize(eckid.eckid, text)', 'EXECUTE'),
	'PUBLIC cannot execute pseudonymize(): it would be a hash oracle');
SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'eckid.pseudonymize(eckid.eckid, text)'::regprocedure), 's',
	'pseudonymize() is STABLE: it reads the key file');

------------------------------------------------------------------------------
-- create_masked_view(): the committed fixture
------------------------------------------------------------------------------

SELECT is((SELECT relkind::text FROM pg_class WHERE oid = 'mask_fixture.pupils_masked'::regclass), 'v',
	'create_masked_view() made a view');
SELECT ok((SELECT reloptions @> '{security_barrier=true}' FROM pg_class WHERE oid = 'mask_fixture.pupils_masked'::regclass),
	'the masked view is a security barrier');
SELECT columns_are('mask_fixture', 'pupils_masked', ARRAY['id', 'name', 'ecid'],
	'the masked view has every column of the table but those in hide (pgn, hpgn)');
SELECT columns_are('mask_fixture', 'pupils_for_a', ARRAY['id', 'ecid'],
	'hide can leave out any column (name too)');
SELECT col_type_is('mask_fixture', 'pupils_masked', 'ecid', 'text', 'the eckid column shows as text');
SELECT results_eq(
	'SELECT id, name, ecid FROM mask_fixture.pupils_masked ORDER BY id',
	'SELECT id, name, eckid.mask(ecid) FROM mask_fixture.pupils ORDER BY id',
	'without a recipient the view shows mask() of each eckid');
SELECT results_eq(
	'SELECT id, ecid FROM mask_fixture.pupils_for_a ORDER BY id',
	$$SELECT id, eckid.pseudonymize(ecid, 'uitgever-a') FROM mask_fixture.pupils ORDER BY id$$,
	'with a recipient the view shows pseudonymize(eckid, recipient)');
-- A row updated in place (a HOT update): the view's scan gives the ctid of
-- the heap-only tuple, which masked_view_pseudonym() must read too.  (Rolled
-- back: the remote sessions below see the committed rows.)
SAVEPOINT hot_update;
UPDATE mask_fixture.pupils SET name = name WHERE id = 1;
SELECT ok(pg_stat_get_xact_tuples_hot_updated('mask_fixture.pupils'::regclass) > 0,
	'a row of the table was updated in place (HOT)');
SELECT results_eq(
	'SELECT id, ecid FROM mask_fixture.pupils_for_a ORDER BY id',
	$$SELECT id, eckid.pseudonymize(ecid, 'uitgever-a') FROM mask_fixture.pupils ORDER BY id$$,
	'the view shows the pseudonym of a row updated in place');
ROLLBACK TO SAVEPOINT hot_update;

-- Page batches: a scan of the view asks for row after row of one page, and
-- masked_view_pseudonym() computes the rest of a page at once once two rows
-- in a row come from it.  Over many pages, with NULLs, deleted rows, rows
-- updated in place (HOT) and moved (a new primary key), the view must show
-- for every row what pseudonymize() gives; also when a filter takes a few
-- rows of each page (batching stops), and through a cursor whose rows are
-- updated between two FETCHes (the view shows them as its snapshot does).
SAVEPOINT page_batches;
CREATE TABLE mask_fixture.many (id integer PRIMARY KEY, pad text, ecid eckid.eckid);
INSERT INTO mask_fixture.many
	SELECT i, repeat('p', i % 40),
		   CASE WHEN i % 7 <> 0 THEN ('https://ketenid.nl/201703/' || encode(sha512(i::text::bytea), 'hex'))::eckid.eckid END
	FROM generate_series(1, 5000) i;
CREATE TEMP TABLE many_deleted ON COMMIT DROP AS
	SELECT a.ctid AS before, b.ctid AS deleted FROM mask_fixture.many a, mask_fixture.many b
	WHERE a.id = 21 AND b.id = 22 AND (a.ctid::text::point)[0] = (b.ctid::text::point)[0];
DELETE FROM mask_fixture.many WHERE id % 11 = 0;
UPDATE mask_fixture.many SET pad = pad || 'x' WHERE id % 13 = 0;
UPDATE mask_fixture.many SET id = id + 100000 WHERE id % 17 = 0;
SELECT eckid.create_masked_view('mask_fixture.many', 'many_for_a', recipient => 'uitgever-a');
CREATE TEMP TABLE many_seen ON COMMIT DROP AS SELECT id, ecid FROM mask_fixture.many_for_a;
SELECT ok((SELECT count(DISTINCT (ctid::text::point)[0]) FROM mask_fixture.many) > 20
		  AND pg_stat_get_xact_tuples_hot_updated('mask_fixture.many'::regclass) > 0
		  AND (SELECT count(*) FROM mask_fixture.many WHERE ecid IS NULL) > 0,
	'the table for page batches has many pages, HOT-updated rows and NULLs');
SELECT results_eq(
	'SELECT id, ecid FROM many_seen ORDER BY id',
	$$SELECT id, eckid.pseudonymize(ecid, 'uitgever-a') FROM mask_fixture.many ORDER BY id$$,
	'a full read of the view shows every row''s pseudonym, page batches and all');
SELECT results_eq(
	$$SELECT id, ecid FROM mask_fixture.many_for_a WHERE id % 60 IN (1, 2) ORDER BY id$$,
	$$SELECT id, eckid.pseudonymize(ecid, 'uitgever-a') FROM mask_fixture.many WHERE id % 60 IN (1, 2) ORDER BY id$$,
	'so does a read that takes two rows of a page now and then');
SELECT throws_ok(
	format($$SELECT eckid_internal.masked_view_pseudonym(%s, 3::int2, 'mask_fixture.many'::regclass, t)
			 FROM unnest(ARRAY[%L, %L]::tid[]) t$$,
		   (SELECT id FROM eckid.masked_view WHERE view_name = 'many_for_a'),
		   (SELECT before FROM many_deleted), (SELECT deleted FROM many_deleted)),
	'22023', format('no row of masked view %s is at that ctid', (SELECT id FROM eckid.masked_view WHERE view_name = 'many_for_a')),
	'a deleted row is refused right after a row of its page (which starts a page batch)');
SELECT is(
	(SELECT eckid_internal.masked_view_pseudonym((SELECT id FROM eckid.masked_view WHERE view_name = 'many_for_a'),
												 3::int2, 'mask_fixture.many'::regclass, before) FROM many_deleted),
	(SELECT eckid.pseudonymize(ecid, 'uitgever-a') FROM mask_fixture.many WHERE id = 21),
	'while the row before it, on the same page, is given (the probe of the test above)');
DECLARE many_cursor NO SCROLL CURSOR FOR SELECT id, ecid FROM mask_fixture.many_for_a;
CREATE TEMP TABLE many_fetched (id integer, ecid text) ON COMMIT DROP;
CREATE TEMP TABLE many_before ON COMMIT DROP AS
	SELECT id, eckid.pseudonymize(ecid, 'uitgever-a') AS ecid FROM mask_fixture.many;
DO $$
DECLARE
	c refcursor := 'many_cursor';
	r record;
BEGIN
	FETCH c INTO r;
	INSERT INTO many_fetched VALUES (r.id, r.ecid);
	-- every row of the table gets another value, in place where there is room
	UPDATE mask_fixture.many SET ecid = ('https://ketenid.nl/pilot/' || encode(sha512(('x' || id)::bytea), 'hex'))::eckid.eckid;
	LOOP
		FETCH c INTO r;
		EXIT WHEN NOT FOUND;
		INSERT INTO many_fetched VALUES (r.id, r.ecid);
	END LOOP;
END
$$;
SELECT results_eq(
	'SELECT id, ecid FROM many_fetched ORDER BY id',
	'SELECT id, ecid FROM many_before ORDER BY id',
	'a cursor shows the rows as its snapshot saw them, though they changed between FETCHes');
SELECT isnt((SELECT ecid FROM mask_fixture.many_for_a WHERE id = 1), (SELECT ecid FROM many_before WHERE id = 1),
	'while a new query shows the new values (the probe of the test above)');
CLOSE many_cursor;
ROLLBACK TO SAVEPOINT page_batches;
SELECT is((SELECT count(*) FROM mask_fixture.pupils_for_a a JOIN mask_fixture.pupils_for_b b ON a.ecid = b.ecid),
	0::bigint, 'the exports for two recipients cannot be joined on the pseudonym');
SELECT is((SELECT count(*) FROM mask_fixture.pupils_for_a a JOIN mask_fixture.pupils_for_a b ON a.ecid = b.ecid),
	2::bigint, 'the rows of one export join among themselves');
SELECT results_eq(
	$$SELECT view_oid::regclass::text, source_oid::regclass::text, view_schema, view_name, source_schema, source_name,
			 hide, hide_names, recipient, masked
		FROM eckid.masked_view WHERE view_schema = 'mask_fixture' ORDER BY view_name$$,
	$$VALUES ('mask_fixture.pupils_for_a', 'mask_fixture.pupils', 'mask_fixture', 'pupils_for_a', 'mask_fixture', 'pupils',
			  '{2,3,4}'::smallint[], '{name,pgn,hpgn}'::text[], 'uitgever-a', '{5}'::smallint[]),
			 ('mask_fixture.pupils_for_b', 'mask_fixture.pupils', 'mask_fixture', 'pupils_for_b', 'mask_fixture', 'pupils',
			  '{2,3,4}'::smallint[], '{name,pgn,hpgn}'::text[], 'uitgever-b', '{5}'::smallint[]),
			 ('mask_fixture.pupils_masked', 'mask_fixture.pupils', 'mask_fixture', 'pupils_masked', 'mask_fixture', 'pupils',
			  '{3,4}'::smallint[], '{pgn,hpgn}'::text[], NULL, '{5}'::smallint[])$$,
	'the definitions are rows of eckid.masked_view, by OID and column number');
SELECT ok((SELECT extconfig @> ARRAY['eckid.masked_view'::regclass::oid, 'eckid.masked_view_id_seq'::regclass::oid]
			 FROM pg_extension WHERE extname = 'eckid'),
	'eckid.masked_view and its sequence are configuration tables, so pg_dump keeps their rows');
SELECT is((SELECT count(*) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
			WHERE a.attrelid = 'eckid.masked_view'::regclass AND a.attnum > 0
			  AND t.typname LIKE 'reg%'),
	0::bigint, 'eckid.masked_view has no reg* columns (pg_upgrade refuses them)');

------------------------------------------------------------------------------
-- Planned against the table
------------------------------------------------------------------------------

CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	result text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		result := result || line || E'\n';
	END LOOP;
	RETURN result;
END
$$;
SELECT matches(pg_temp.plan_of('SELECT * FROM mask_fixture.pupils_masked WHERE id = 2'),
	'Index Scan using pupils_pkey on pupils',
	'a point query on a masked view (mask) is an index scan of the table');
SELECT matches(pg_temp.plan_of('SELECT * FROM mask_fixture.pupils_for_a WHERE id = 2'),
	'Index Scan using pupils_pkey on pupils',
	'and so is one on a pseudonymizing view');
SELECT doesnt_match(pg_temp.plan_of('SELECT * FROM mask_fixture.pupils_for_a WHERE id = 2'),
	'Function Scan', 'no function scan is left in the plan');
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT matches(pg_temp.plan_of('SELECT count(ecid) FROM mask_fixture.pupils_for_a'),
	'Gather.*Parallel Seq Scan on pupils',
	'a full read of a pseudonymizing view may run in parallel');
SELECT matches(pg_temp.plan_of('SELECT count(ecid) FROM mask_fixture.pupils_masked'),
	'Gather.*Parallel Seq Scan on pupils',
	'and so may one of a masked view');
SELECT is((SELECT count(ecid)::integer FROM mask_fixture.pupils_for_a), 2,
	'and gives the same rows');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT is((SELECT proparallel::text || provolatile::text FROM pg_proc
			WHERE oid = 'eckid_internal.masked_view_pseudonym(integer, smallint, oid, tid)'::regprocedure), 'ss',
	'masked_view_pseudonym() is STABLE and PARALLEL SAFE');

------------------------------------------------------------------------------
-- The reporting role, in fresh sessions
------------------------------------------------------------------------------

SELECT is(eckid_test.remote('eckid_report', 'SELECT count(*)::text FROM mask_fixture.pupils_masked'), '3',
	'the reporting role reads the masked view it was granted');
SELECT is(eckid_test.remote('eckid_report',
		$$SELECT string_agg(ecid, ',' ORDER BY id) FROM mask_fixture.pupils_masked$$),
	(SELECT string_agg(eckid.mask(ecid), ',' ORDER BY id) FROM mask_fixture.pupils),
	'and sees the masked values');
SELECT is(eckid_test.remote('eckid_report', 'SELECT count(*)::text FROM mask_fixture.pupils_for_a'), '3',
	'and reads the pseudonymized view it was granted');
WITH seen AS (
	SELECT eckid_test.remote('eckid_report',
		$$SELECT string_agg(t::text, ' ') FROM (SELECT * FROM mask_fixture.pupils_masked
											  UNION ALL SELECT id, NULL, ecid FROM mask_fixture.pupils_for_a) t$$) AS text
), secrets AS (
	SELECT x FROM mask_fixture.pupils p,
		   unnest(ARRAY[p.pgn, p.hpgn, p.ecid::text, encode(eckid.digest(p.ecid), 'hex'),
						right(encode(eckid.digest(p.ecid), 'hex'), 7)]) x
	 WHERE x IS NOT NULL
)
SELECT is((SELECT count(*) FROM seen, secrets WHERE strpos(seen.text, secrets.x) > 0), 0::bigint,
	'no PGN, HPgn or ECK iD (nor 7 of its hex digits) appears in what the reporting role reads')
  FROM seen WHERE length(seen.text) > 100;
SELECT throws_ok($$SELECT eckid_test.remote('eckid_report', 'SELECT count(*)::text FROM mask_fixture.pupils')$$,
	'42501', 'permission denied for table pupils', 'the reporting role cannot read the base table');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_report', 'SELECT count(*)::text FROM mask_fixture.other')$$,
	'42501', 'permission denied for table other', 'nor a table it was not granted');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_report', 'SELECT count(*)::text FROM mask_fixture.pupils_for_b')$$,
	'42501', 'permission denied for view pupils_for_b', 'nor a masked view it was not granted');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_plain', pg_temp.pseudonym_query('mask_fixture', 'pupils_for_a')),
	'42501', 'permission denied for schema eckid_internal',
	'a role without USAGE on eckid_internal cannot even name what a masked view calls');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_report', pg_temp.pseudonym_query('mask_fixture', 'pupils_for_b')),
	'42501', 'permission denied for view pupils_for_b',
	'nor the pseudonyms of that view, by calling what it calls');
SELECT is(eckid_test.remote('eckid_report', pg_temp.pseudonym_query('mask_fixture', 'pupils_for_a')),
	(SELECT string_agg(eckid.pseudonymize(ecid, 'uitgever-a'), ',' ORDER BY ctid) FROM mask_fixture.pupils),
	'what the view of a recipient calls gives, called directly, what the view shows');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_report',
		format('SELECT eckid_internal.masked_view_pseudonym(%s, 2::int2, %s, %L)',
			   (SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_for_a'),
			   'mask_fixture.other'::regclass::oid, '(0,1)')),
	'22023', format('relation with OID %s is not the table of masked view %s', 'mask_fixture.other'::regclass::oid,
					(SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_for_a')),
	'another table''s rows are refused');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_report',
		format('SELECT eckid_internal.masked_view_pseudonym(%s, 1::int2, %s, %L)',
			   (SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_for_a'),
			   'mask_fixture.pupils'::regclass::oid, '(0,1)')),
	'42703', NULL, 'a column of the view that is not pseudonymized is refused');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_report',
		format('SELECT eckid_internal.masked_view_pseudonym(%s, 2::int2, %s, %L)',
			   (SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_for_a'),
			   'mask_fixture.pupils'::regclass::oid, '(4242,1)')),
	'22023', NULL, 'a ctid where the table has no row is refused');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_report',
		format('SELECT eckid_internal.masked_view_pseudonym(%s, 2::int2, %s, %L)',
			   (SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_masked'),
			   'mask_fixture.pupils'::regclass::oid, '(0,1)')),
	'42703', NULL, 'a view without a recipient has no pseudonyms to give');
SELECT throws_ok(format('SELECT eckid_test.remote(%L, %L)', 'eckid_report', q), '42501', NULL,
	'the reporting role cannot call ' || f)
  FROM (VALUES
	('eckid.pseudonymize', $$SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, 'uitgever-a')$$),
	('eckid.hpgn(text)', $$SELECT eckid.hpgn('063138219')$$),
	('eckid.hpgn(text, text)', $$SELECT eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw==')$$),
	('eckid.stampseudonym', $$SELECT eckid.stampseudonym(repeat('a', 64))::text$$),
	('eckid.local_stampseudonym', $$SELECT eckid.local_stampseudonym(repeat('a', 64))::text$$),
	('eckid.derive', $$SELECT eckid.derive(('https://ketenid.nl/sppilot/' || repeat('ab', 64))::eckid.eckid, 'c', 's')::text$$),
	('eckid.resolve_hpgn', $$SELECT eckid.resolve_hpgn(repeat('a', 64))$$),
	('eckid.replace_hpgn', $$SELECT eckid.replace_hpgn(repeat('a', 64), repeat('b', 64))::text$$),
	('eckid.create_masked_view', $$SELECT eckid.create_masked_view('mask_fixture.pupils', 'mine')::text$$),
	('eckid.drop_masked_view', $$SELECT eckid.drop_masked_view('mask_fixture.pupils_masked')::text$$),
	('eckid_internal.masked_view_create', $$SELECT eckid_internal.masked_view_create(0, 'mask_fixture.pupils', 'mine', '{}', NULL, NULL)::text$$),
	('eckid_internal.masked_view_grant', $$SELECT eckid_internal.masked_view_grant('mask_fixture.pupils_masked', 10, 0, 'SELECT', false)::text$$)
  ) AS t(f, q);
SELECT throws_ok($$SELECT eckid_test.remote('eckid_report', 'SELECT count(*)::text FROM eckid.masked_view')$$,
	'42501', 'permission denied for table masked_view', 'the reporting role cannot read the definitions');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_report', 'SELECT count(*)::text FROM eckid.hpgn_replacement')$$,
	'42501', 'permission denied for table hpgn_replacement', 'nor the recorded PGN changes (HPgns)');
SELECT is(eckid_test.remote('eckid_report',
		$$SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY p.oid::regprocedure::text) FROM pg_proc p
		   WHERE p.pronamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace) AND p.proname !~ '^eckid_'
			 AND has_function_privilege(p.oid, 'EXECUTE')$$),
	'bsn_is_valid(text), digest(eckid), eckid_internal.masked_view_pseudonym(integer,smallint,oid,tid), hpgn_is_valid(text), is_valid(text), mask(eckid), onderwijsnummer_is_valid(text), segment(eckid)',
	'the functions the reporting role may execute compute no pseudonym and read no secret');

------------------------------------------------------------------------------
-- Following ALTER TABLE
------------------------------------------------------------------------------

CREATE ROLE mask_owner;
CREATE ROLE mask_middle;
GRANT EXECUTE ON FUNCTION eckid.create_masked_view(regclass, text, text[], text, text),
						  eckid.drop_masked_view(regclass) TO mask_owner;
CREATE SCHEMA mask_test AUTHORIZATION mask_owner;
GRANT USAGE ON SCHEMA mask_test TO eckid_report, mask_middle;
SET LOCAL ROLE mask_owner;
CREATE TABLE mask_test.t (id integer PRIMARY KEY, pgn text, ecid eckid.eckid, note text);
INSERT INTO mask_test.t VALUES
	(1, '063138219', ('https://ketenid.nl/201703/' || repeat('0', 122) || 'e81960')::eckid.eckid, 'a'),
	(2, '111222333', ('https://ketenid.nl/pilot/' || repeat('1', 122) || '123456')::eckid.eckid, 'b');
SELECT eckid.create_masked_view('mask_test.t', 'v', '{pgn}') AS created \gset
GRANT SELECT ON mask_test.v TO eckid_report;
GRANT SELECT ON mask_test.v TO mask_middle WITH GRANT OPTION;
SET LOCAL ROLE mask_middle;
GRANT SELECT ON mask_test.v TO PUBLIC;
SET LOCAL ROLE mask_owner;
COMMENT ON VIEW mask_test.v IS 'the masked pupils';
COMMENT ON COLUMN mask_test.v.note IS 'a note';
RESET ROLE;
SELECT pg_temp.grants('mask_test.v') AS grants_before \gset

SELECT is(:'created'::text, 'mask_test.v', 'a table owner without any other rights makes a masked view');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'mask_test.v'::regclass), 'mask_owner',
	'the masked view is owned by the owner of the table');
SELECT is((SELECT pg_get_viewdef('mask_test.v'::regclass) ~ 'FROM mask_test\.t t'), true,
	'it selects from the table itself');

ALTER TABLE mask_test.t ADD COLUMN extra integer DEFAULT 7;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'ecid', 'note', 'extra'], 'ADD COLUMN: the view shows the new column');
SELECT ok(has_table_privilege('eckid_report', 'mask_test.v', 'SELECT'), 'ADD COLUMN: the reporting role keeps SELECT');
SELECT is(pg_temp.grants('mask_test.v'), :'grants_before'::text, 'ADD COLUMN: every grant is kept, with its grantor');
SELECT ok((SELECT reloptions @> '{security_barrier=true}' FROM pg_class WHERE oid = 'mask_test.v'::regclass),
	'ADD COLUMN: still a security barrier');
SELECT is(obj_description('mask_test.v'::regclass, 'pg_class'), 'the masked pupils', 'ADD COLUMN: the comment is kept');
SELECT is(col_description('mask_test.v'::regclass, 3), 'a note', 'ADD COLUMN: column comments are kept');
SET LOCAL ROLE eckid_report;
SELECT string_agg(format('%s %s %s', id, ecid, extra), ', ' ORDER BY id) AS report_rows FROM mask_test.v \gset
RESET ROLE;
SELECT is(:'report_rows'::text, '1 https://ketenid.nl/201703/…e81960 7, 2 https://ketenid.nl/pilot/…123456 7',
	'ADD COLUMN: the reporting role reads the new column');

ALTER TABLE mask_test.t DROP COLUMN note;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'ecid', 'extra'], 'DROP COLUMN is not blocked by the view, which loses the column');
SELECT ok(has_table_privilege('eckid_report', 'mask_test.v', 'SELECT'), 'DROP COLUMN: the reporting role keeps SELECT');
SELECT is(pg_temp.grants('mask_test.v'), :'grants_before'::text, 'DROP COLUMN: every grant is kept, with its grantor');
SELECT ok((SELECT reloptions @> '{security_barrier=true}' FROM pg_class WHERE oid = 'mask_test.v'::regclass),
	'DROP COLUMN: still a security barrier');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'mask_test.v'::regclass), 'mask_owner',
	'DROP COLUMN: the owner is kept');
SELECT is(obj_description('mask_test.v'::regclass, 'pg_class'), 'the masked pupils', 'DROP COLUMN: the comment is kept');

ALTER TABLE mask_test.t RENAME COLUMN extra TO bonus;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'ecid', 'bonus'], 'RENAME COLUMN: the view column is renamed');
SELECT ok(has_table_privilege('eckid_report', 'mask_test.v', 'SELECT'), 'RENAME COLUMN: the reporting role keeps SELECT');
SELECT is(pg_temp.grants('mask_test.v'), :'grants_before'::text, 'RENAME COLUMN: every grant is kept, with its grantor');
SELECT ok((SELECT reloptions @> '{security_barrier=true}' FROM pg_class WHERE oid = 'mask_test.v'::regclass),
	'RENAME COLUMN: still a security barrier');
SET LOCAL ROLE eckid_report;
SELECT string_agg(format('%s %s', id, bonus), ', ' ORDER BY id) AS report_rows FROM mask_test.v \gset
RESET ROLE;
SELECT is(:'report_rows'::text, '1 7, 2 7', 'RENAME COLUMN: the reporting role reads the renamed column');

ALTER TABLE mask_test.t RENAME COLUMN pgn TO bsn;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'ecid', 'bonus'], 'a hidden column stays hidden when renamed');
SELECT is((SELECT hide_names FROM eckid.masked_view WHERE view_schema = 'mask_test' AND view_name = 'v'), '{pgn,bsn}',
	'hide keeps the column''s number, and its names old and new');
ALTER MATERIALIZED VIEW mask_test.t RENAME COLUMN bsn TO bsn2;
ALTER VIEW mask_test.t RENAME COLUMN bsn2 TO bsn3;
ALTER TABLE mask_test.t ADD COLUMN after_renames integer;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'ecid', 'bonus', 'after_renames'],
	'a hidden column renamed by ALTER MATERIALIZED VIEW or ALTER VIEW stays hidden');
ALTER TABLE mask_test.t DROP COLUMN after_renames;
ALTER TABLE mask_test.t RENAME COLUMN bsn3 TO bsn;

ALTER TABLE mask_test.t DROP COLUMN bsn;
ALTER TABLE mask_test.t ADD COLUMN bsn text;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'ecid', 'bonus'],
	'a hidden column dropped and added again stays hidden (hide keeps the name)');

-- These two raise a WARNING each (a column left out).
SET client_min_messages = error;
ALTER TABLE mask_test.t ADD COLUMN more_ids eckid.eckid[];
ALTER TABLE mask_test.t ALTER COLUMN ecid TYPE text;
RESET client_min_messages;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'bonus'],
	'a column of type eckid[] is left out, and so is an eckid column changed to text');
SELECT is((SELECT hide_names FROM eckid.masked_view WHERE view_schema = 'mask_test' AND view_name = 'v'),
	'{pgn,bsn,bsn2,bsn3,more_ids,ecid}', 'both are added to hide, so they stay out');

CREATE TYPE mask_test.holder AS (n integer);
ALTER TABLE mask_test.t ADD COLUMN held mask_test.holder;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'bonus', 'held'], 'a composite without eckid values is shown');
SET client_min_messages = error;
ALTER TYPE mask_test.holder ADD ATTRIBUTE ecid eckid.eckid;
RESET client_min_messages;
SELECT columns_are('mask_test', 'v', ARRAY['id', 'bonus'],
	'a composite that gains an eckid attribute by ALTER TYPE is left out at once');
ALTER TABLE mask_test.t DROP COLUMN held;

ALTER TABLE mask_test.t ADD COLUMN ecid2 eckid.eckid;
ALTER TABLE mask_test.t ADD CONSTRAINT bonus_positive CHECK (bonus > 0);
SELECT columns_are('mask_test', 'v', ARRAY['id', 'bonus', 'ecid2'], 'a new eckid column is shown masked');
SELECT col_type_is('mask_test', 'v', 'ecid2', 'text', 'as text');

SET client_min_messages = error;
ALTER VIEW mask_test.v SET (security_barrier = false);
RESET client_min_messages;
SELECT ok((SELECT reloptions @> '{security_barrier=true}' FROM pg_class WHERE oid = 'mask_test.v'::regclass),
	'a masked view made no security barrier by ALTER VIEW is made one again');

-- Renames of the table, the view and the schema
SELECT 'mask_test.v'::regclass::oid AS view_oid \gset
ALTER TABLE mask_test.t RENAME TO pupils;
ALTER VIEW mask_test.v RENAME TO pupils_masked;
ALTER SCHEMA mask_test RENAME TO mask_renamed;
SELECT results_eq(
	$$SELECT view_schema, view_name, source_schema, source_name FROM eckid.masked_view WHERE id = (
		SELECT m.id FROM eckid.masked_view m WHERE m.view_name = 'pupils_masked' AND m.view_schema = 'mask_renamed')$$,
	$$VALUES ('mask_renamed', 'pupils_masked', 'mask_renamed', 'pupils')$$,
	'renames of the table, the view and the schema are followed in the definition');
SELECT is('mask_renamed.pupils_masked'::regclass::oid, :'view_oid'::oid,
	'and do not remake the view');
SET LOCAL ROLE eckid_report;
SELECT count(*) AS report_count FROM mask_renamed.pupils_masked \gset
RESET ROLE;
SELECT is(:report_count, 2, 'the reporting role still reads the renamed view');
ALTER TABLE mask_renamed.pupils ADD COLUMN after_rename integer;
SELECT columns_are('mask_renamed', 'pupils_masked', ARRAY['id', 'bonus', 'ecid2', 'after_rename'],
	'the renamed view still follows the renamed table');

-- Nothing is remade without need
SELECT 'mask_renamed.pupils_masked'::regclass::oid AS view_oid \gset
ALTER TABLE mask_renamed.pupils ADD CONSTRAINT bonus_small CHECK (bonus < 1000);
ALTER TABLE mask_fixture.other ADD COLUMN unrelated integer;
SELECT is('mask_renamed.pupils_masked'::regclass::oid, :'view_oid'::oid,
	'an ALTER TABLE that changes no column does not remake the view');

-- A view on the masked view blocks a change that remakes it
CREATE VIEW mask_renamed.on_top AS SELECT id FROM mask_renamed.pupils_masked;
SELECT throws_ok($$ALTER TABLE mask_renamed.pupils DROP COLUMN after_rename$$, '2BP01',
	'cannot regenerate masked view mask_renamed.pupils_masked because other objects depend on it',
	'a view built on the masked view stops a change that must remake it, with a clear error');
DROP VIEW mask_renamed.on_top;

------------------------------------------------------------------------------
-- Dropping
------------------------------------------------------------------------------

SELECT id AS dropped_id FROM eckid.masked_view WHERE view_schema = 'mask_renamed' AND view_name = 'pupils_masked' \gset
SELECT throws_ok($$DROP TABLE mask_renamed.pupils$$, '2BP01', NULL,
	'the table cannot be dropped while a masked view shows it (as with any view)');
SET client_min_messages = warning;
DROP TABLE mask_renamed.pupils CASCADE;
RESET client_min_messages;
SELECT is((SELECT count(*) FROM eckid.masked_view WHERE id = :dropped_id), 0::bigint,
	'DROP TABLE ... CASCADE drops the masked view and its definition');

CREATE TABLE mask_renamed.t2 (id integer, ecid eckid.eckid);
ALTER TABLE mask_renamed.t2 OWNER TO mask_owner;
SELECT eckid.create_masked_view('mask_renamed.t2', 'by_hand') AS _ \gset
SELECT id AS dropped_id FROM eckid.masked_view WHERE view_name = 'by_hand' \gset
DROP VIEW mask_renamed.by_hand;
SELECT is((SELECT count(*) FROM eckid.masked_view WHERE id = :dropped_id), 0::bigint,
	'a masked view dropped by hand takes its definition with it');

SELECT eckid.create_masked_view('mask_renamed.t2', 'to_drop') AS _ \gset
SELECT id AS dropped_id FROM eckid.masked_view WHERE view_name = 'to_drop' \gset
GRANT USAGE ON SCHEMA mask_renamed TO eckid_plain;
SELECT is(pg_temp.sqlstate_as('eckid_plain', $$SELECT eckid.drop_masked_view('mask_renamed.to_drop')$$),
	'42501: permission denied for function drop_masked_view', 'drop_masked_view() is not for PUBLIC');
GRANT EXECUTE ON FUNCTION eckid.drop_masked_view(regclass), eckid.create_masked_view(regclass, text, text[], text, text) TO eckid_plain;
SELECT is(pg_temp.sqlstate_as('eckid_plain', $$SELECT eckid.drop_masked_view('mask_renamed.to_drop')$$),
	'42501: must be owner of view mask_renamed.to_drop', 'drop_masked_view() refuses a role that does not own the view');
SELECT is(pg_temp.sqlstate_as('mask_owner', $$SELECT eckid.drop_masked_view('mask_renamed.to_drop')$$), NULL,
	'the owner drops the masked view with drop_masked_view()');
SELECT ok(to_regclass('mask_renamed.to_drop') IS NULL
		  AND NOT EXISTS (SELECT FROM eckid.masked_view WHERE id = :dropped_id),
	'which removes the view and its definition');
CREATE VIEW mask_renamed.plain AS SELECT 1 AS one;
SELECT throws_ok($$SELECT eckid.drop_masked_view('mask_renamed.plain')$$, '42809', '"mask_renamed.plain" is not a masked view',
	'drop_masked_view() refuses other views');
SELECT throws_ok($$SELECT eckid.drop_masked_view('mask_renamed.t2')$$, '42809', '"mask_renamed.t2" is not a masked view',
	'and tables');

------------------------------------------------------------------------------
-- create_masked_view(): who may, and errors
------------------------------------------------------------------------------

SELECT is(pg_temp.sqlstate_as('eckid_plain', $$SELECT eckid.create_masked_view('mask_renamed.t2', 'mine')$$),
	'42501: must be owner of table t2', 'create_masked_view() refuses a role that does not own the table');
SELECT is(pg_temp.sqlstate_as('eckid_plain', $$SELECT eckid.create_masked_view('mask_renamed.t2', 'mine', '{}', NULL, 'nosuch > 0')$$),
	'42501: must be owner of table t2', 'before it looks at a row filter (whose errors would name the table''s columns)');
GRANT mask_owner TO eckid_plain;
SELECT is(pg_temp.sqlstate_as('eckid_plain', $$SELECT eckid.create_masked_view('mask_renamed.t2', 'by_member')$$), NULL,
	'and accepts a member of the owning role');
REVOKE mask_owner FROM eckid_plain;
SELECT is(pg_temp.sqlstate_as('mask_owner', $$SELECT eckid.create_masked_view('mask_renamed.t2', 'mask_fixture.elsewhere')$$),
	'42501: permission denied for schema mask_fixture', 'create_masked_view() refuses a schema the caller may not create in');
SELECT is(pg_temp.sqlstate_as('mask_owner', $$SELECT eckid.create_masked_view('mask_renamed.t2', 'for_x', '{}', 'x')$$),
	'42501: owner of table t2 may not execute eckid.pseudonymize()', 'a pseudonymizing view needs an owner that may execute pseudonymize()');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'for_x', '{}', 'x')$$, '42501',
	'owner of table t2 may not execute eckid.pseudonymize()', 'even when a superuser makes it');
GRANT EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) TO mask_owner;
SELECT is(pg_temp.sqlstate_as('mask_owner', $$SELECT eckid.create_masked_view('mask_renamed.t2', 'for_x', '{}', 'x')$$), NULL,
	'once granted, the owner makes a pseudonymizing view');

SELECT is(eckid.create_masked_view('mask_renamed.t2', 'public.t2_elsewhere')::text, 't2_elsewhere',
	'a schema-qualified view name puts the view in that schema');
SELECT is(eckid.create_masked_view('mask_renamed.t2', '"Mixed Case"')::text, 'mask_renamed."Mixed Case"',
	'an unqualified name puts it in the table''s schema; quoted names keep their case');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'mine', '{nosuch}')$$, '42703',
	'column "nosuch" of relation "t2" does not exist', 'a hide entry that is not a column is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'mine', '{id,NULL}')$$, '22004',
	'hide must not contain null', 'a NULL in hide is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'mine', '{id,ecid}')$$, '42P16',
	'masked view would have no columns', 'a view without columns is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.plain', 'mine')$$, '42809',
	'"plain" is not a table', 'a view cannot be the source');
SELECT throws_ok($$SELECT eckid.create_masked_view('eckid.masked_view_id_seq', 'mine')$$, '42809',
	'"masked_view_id_seq" is not a table', 'nor a sequence');
CREATE TEMP TABLE temp_pupils (ecid eckid.eckid);
SELECT throws_ok($$SELECT eckid.create_masked_view('temp_pupils', 'public.mine')$$, '0A000',
	'cannot make a masked view of temporary table "temp_pupils"', 'nor a temporary table');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'for_x')$$, '42P07',
	'relation "for_x" already exists', 'a view name already taken is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 't2')$$, '42P07',
	'relation "t2" already exists', 'including the table''s own name');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'nosuch.mine')$$, '3F000',
	'schema "nosuch" does not exist', 'a schema that does not exist is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'a.b.c')$$, '42601', NULL,
	'a name with too many dots is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', NULL)$$, '22004', NULL,
	'a NULL view name is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'mine', '{}', '')$$, '22023',
	'recipient must not be empty', 'an empty recipient is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t2', 'mine', '{}', repeat('r', 65536))$$, '22023',
	'recipient is too long', 'a recipient over 65535 bytes is refused');
CREATE TABLE mask_renamed.t3 (id integer, ids eckid.eckid[]);
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t3', 'mine')$$, '0A000',
	'column "ids" of relation "t3" cannot be masked', 'a column holding eckid values that cannot be masked must be hidden');
CREATE TYPE mask_renamed.pair AS (a eckid.eckid, b integer);
CREATE DOMAIN mask_renamed.ecid_domain AS eckid.eckid;
CREATE TABLE mask_renamed.t4 (id integer, d mask_renamed.ecid_domain, p mask_renamed.pair);
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.t4', 'mine')$$, '0A000',
	'column "p" of relation "t4" cannot be masked', 'so must a composite holding an eckid');
SELECT lives_ok($$SELECT eckid.create_masked_view('mask_renamed.t4', 'mine', '{p}')$$,
	'hidden, it is fine');
SELECT col_type_is('mask_renamed', 'mine', 'd', 'text', 'a domain over eckid is masked like eckid');

------------------------------------------------------------------------------
-- Row filters, and views their owners changed (issue 20)
------------------------------------------------------------------------------

CREATE TABLE mask_renamed.rf (id integer, consent boolean, ecid eckid.eckid, note text);
ALTER TABLE mask_renamed.rf OWNER TO mask_owner;
INSERT INTO mask_renamed.rf
SELECT i, i % 2 = 0, ('https://ketenid.nl/201703/' || encode(sha512(convert_to('rf ' || i, 'UTF8')), 'hex'))::eckid.eckid, 'n'
  FROM generate_series(1, 20) i;
SELECT is(pg_temp.sqlstate_as('mask_owner',
		$$SELECT eckid.create_masked_view('mask_renamed.rf', 'rf_consent', '{}', 'uitgever-a', 'consent AND id <= 10')$$),
	NULL, 'create_masked_view() takes a row filter');
SELECT is((SELECT count(*) FROM mask_renamed.rf_consent), 5::bigint,
	'the view shows only the rows the filter lets through');
SELECT is((SELECT row_filter FROM eckid.masked_view WHERE view_name = 'rf_consent'), '(consent AND (id <= 10))',
	'eckid.masked_view keeps the filter');
SELECT is(eckid.create_masked_view('mask_renamed.rf', 'rf_all', '{note}')::text, 'mask_renamed.rf_all',
	'(a view of the same table without a filter)');
SELECT is((SELECT count(*) FROM mask_renamed.rf_all), 20::bigint, '(shows every row)');

-- what a filter may not be
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'id IN (SELECT 1 FROM mask_fixture.other)')$$,
	'0A000', 'cannot use subquery in a row filter', 'a filter with a subquery is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'EXISTS (SELECT FROM mask_fixture.other)')$$,
	'0A000', 'cannot use subquery in a row filter', 'so is EXISTS');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'random() < 0.5')$$,
	'42P17', 'functions in a row filter must be marked IMMUTABLE', 'a volatile function is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'note = current_user')$$,
	'42P17', 'functions in a row filter must be marked IMMUTABLE', 'so is what depends on the reading role');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'ctid = ''(0,1)''')$$,
	'42P10', 'a row filter may use only the columns of the table', 'a system column is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 't IS NOT NULL')$$,
	'42P10', 'a row filter may use only the columns of the table', 'so is the whole row');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'true ORDER BY id')$$,
	'42601', 'a row filter must be one boolean expression over the columns of the table', 'a filter is one expression, no more');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'true; DROP TABLE mask_renamed.rf')$$,
	'42601', 'a row filter must be one boolean expression over the columns of the table', 'not two statements');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'true UNION SELECT FROM mask_fixture.other WHERE true')$$,
	'42601', 'a row filter must be one boolean expression over the columns of the table', 'not a UNION');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'other.secret IS NULL')$$,
	'42P01', NULL, 'another table cannot be named');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'count(*) > 0')$$,
	'42803', NULL, 'an aggregate is refused');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'id')$$,
	'42804', 'argument of WHERE must be type boolean, not type integer', 'a filter is boolean');
SELECT throws_ok($$SELECT eckid.create_masked_view('mask_renamed.rf', 'bad', '{}', NULL, 'nosuch')$$,
	'42703', 'column "nosuch" does not exist', 'a column that does not exist is refused');
SELECT ok(to_regclass('mask_renamed.bad') IS NULL AND NOT EXISTS (SELECT FROM eckid.masked_view WHERE view_name = 'bad'),
	'a refused filter leaves no view or record');

-- masked_view_pseudonym() honours the filter
SELECT id AS rf_id FROM eckid.masked_view WHERE view_name = 'rf_consent' \gset
SELECT ctid AS rf_in FROM mask_renamed.rf WHERE id = 2 \gset
SELECT ctid AS rf_out FROM mask_renamed.rf WHERE id = 3 \gset
SELECT ctid AS rf_out_id FROM mask_renamed.rf WHERE id = 12 \gset
GRANT USAGE ON SCHEMA mask_renamed TO eckid_report;
GRANT SELECT ON mask_renamed.rf_consent TO eckid_report;
SELECT is(pg_temp.sqlstate_as('eckid_report', format($$SELECT eckid_internal.masked_view_pseudonym(%s, 3::int2, 'mask_renamed.rf'::regclass, '%s')$$, :rf_id, :'rf_in')),
	NULL, 'a role that may read the view gets the pseudonym of a row the filter lets through');
SELECT is(eckid_internal.masked_view_pseudonym(:rf_id, 3::int2, 'mask_renamed.rf'::regclass, :'rf_in'),
	(SELECT ecid FROM mask_renamed.rf_consent WHERE id = 2), '(the one the view shows)');
SELECT is(pg_temp.sqlstate_as('eckid_report', format($$SELECT eckid_internal.masked_view_pseudonym(%s, 3::int2, 'mask_renamed.rf'::regclass, '%s')$$, :rf_id, :'rf_out')),
	NULL, 'but none for a row the filter leaves out');
SELECT is(pg_temp.sqlstate_as('eckid_report', format($$SELECT eckid_internal.masked_view_pseudonym(%s, 3::int2, 'mask_renamed.rf'::regclass, '%s')$$, :rf_id, :'rf_out_id')),
	NULL, 'by either of its conditions');
UPDATE mask_renamed.rf SET consent = false WHERE id = 2;
SELECT is(pg_temp.sqlstate_as('eckid_report', format($$SELECT eckid_internal.masked_view_pseudonym(%s, 3::int2, 'mask_renamed.rf'::regclass, '%s')$$,
		:rf_id, (SELECT ctid FROM mask_renamed.rf WHERE id = 2))),
	NULL, 'nor for a row updated out of it');
SELECT is((SELECT count(*) FROM mask_renamed.rf_consent), 4::bigint, '(which the view no longer shows either)');
SELECT is(eckid_internal.masked_view_pseudonym(:rf_id, 3::int2, 'mask_renamed.rf'::regclass, :'rf_out'), NULL,
	'a row the filter leaves out gets NULL, no pseudonym');
SET ROLE eckid_report;
SELECT is((SELECT count(*) FROM mask_renamed.rf_consent WHERE ecid IS NOT NULL),
	(SELECT count(ecid) FROM mask_renamed.rf_consent),
	'a condition on the pseudonym column runs, whatever the planner evaluates first');
RESET ROLE;

-- the upkeep keeps the filter
ALTER TABLE mask_renamed.rf ADD COLUMN added integer;
SELECT is((SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'mask_renamed.rf_consent'::regclass AND attnum > 0),
	'id,consent,ecid,note,added', 'ALTER TABLE ... ADD COLUMN: the filtered view gains the column');
SELECT is((SELECT count(*) FROM mask_renamed.rf_consent), 4::bigint, 'and keeps its filter');
ALTER TABLE mask_renamed.rf RENAME COLUMN consent TO agreed;
SELECT is((SELECT row_filter FROM eckid.masked_view WHERE view_name = 'rf_consent'), '(agreed AND (id <= 10))',
	'a column of the filter renamed: the record follows');
ALTER TABLE mask_renamed.rf DROP COLUMN note;
SELECT is((SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'mask_renamed.rf_consent'::regclass AND attnum > 0),
	'id,agreed,ecid,added', 'ALTER TABLE ... DROP COLUMN: the view is made anew');
SELECT is((SELECT count(*) FROM mask_renamed.rf_consent), 4::bigint, 'with its filter');
SELECT throws_ok($$ALTER TABLE mask_renamed.rf DROP COLUMN agreed$$, '2BP01', NULL,
	'a column the filter uses cannot be dropped');
SELECT is((SELECT count(*) FROM mask_renamed.rf_consent), 4::bigint, '(and the view is as it was)');

-- a view its owner narrowed is never widened
CREATE OR REPLACE VIEW mask_renamed.rf_all AS SELECT t.id, t.agreed, eckid.mask(t.ecid) AS ecid, t.added FROM mask_renamed.rf AS t WHERE t.id <= 10;
SELECT is((SELECT count(*) FROM mask_renamed.rf_all), 10::bigint, '(the owner narrows a masked view with CREATE OR REPLACE VIEW)');
SELECT throws_ok($$ALTER TABLE mask_renamed.rf ADD COLUMN more integer$$, '55000',
	'masked view mask_renamed.rf_all is not the view eckid made',
	'the next ALTER TABLE ... ADD COLUMN is refused rather than widening it');
SELECT is((SELECT count(*) FROM mask_renamed.rf_all), 10::bigint, 'the view still shows 10 rows');
SELECT throws_ok($$ALTER TABLE mask_renamed.rf DROP COLUMN added$$, '55000',
	'masked view mask_renamed.rf_all is not the view eckid made', 'so is ALTER TABLE ... DROP COLUMN');
SELECT is((SELECT differs FROM eckid_internal.masked_view_verify((SELECT id FROM eckid.masked_view WHERE view_name = 'rf_all'), false)),
	'row filter', 'masked_view_verify() says what differs');
CREATE OR REPLACE VIEW mask_renamed.rf_all AS SELECT t.id, t.agreed, t.ecid::text AS ecid, t.added FROM mask_renamed.rf AS t;
SELECT is((SELECT differs FROM eckid_internal.masked_view_verify((SELECT id FROM eckid.masked_view WHERE view_name = 'rf_all'), false)),
	'column "ecid"', 'a view that shows the ECK iDs differs in that column');
SELECT is((SELECT differs FROM eckid_internal.masked_view_verify((SELECT id FROM eckid.masked_view WHERE view_name = 'rf_consent'), false)),
	NULL, 'control: the view eckid made does not differ');
SELECT lives_ok($$SELECT eckid.drop_masked_view('mask_renamed.rf_all')$$, 'a changed view can be dropped');
SELECT lives_ok($$ALTER TABLE mask_renamed.rf ADD COLUMN more integer$$, 'and the table altered again');

SELECT * FROM finish();
ROLLBACK;

SET client_min_messages = warning;
DROP SCHEMA mask_fixture CASCADE;
REVOKE USAGE ON SCHEMA eckid_internal FROM eckid_report;
