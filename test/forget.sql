-- Erasure and retention (docs/data-protection-erasure.md): eckid.forget()
-- removes everything eckid holds about a pupil, proved by a scan of every
-- table of eckid; eckid.nv_purge() deletes finished queue work older than
-- eckid.nv_retention and nothing else; and the replacement race of the
-- queue (a Stampseudonym claimed before its HPgn's replacement was
-- reported) stores the old HPgn's Stampseudonym, never the HPgn's own.
BEGIN;
SELECT plan(49);

CREATE FUNCTION pg_temp.hx(t text) RETURNS text LANGUAGE sql AS
	$$ SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') $$;
CREATE FUNCTION pg_temp.sp(x text) RETURNS text LANGUAGE sql AS
	$$ SELECT 'https://ketenid.nl/sppilot/' || repeat(x, 128 / length(x)) $$;
CREATE FUNCTION pg_temp.eck(x text) RETURNS text LANGUAGE sql AS
	$$ SELECT 'https://ketenid.nl/pilot/' || repeat(x, 128 / length(x)) $$;
-- Rows of any table of schema eckid or eckid_internal that hold one of the
-- needles anywhere: every column of every type, as the row's text (a
-- bytea shows as its hexadecimal digits, an eckid as its URI).
CREATE FUNCTION pg_temp.holds(needles text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	r regclass;
	n bigint;
	total bigint := 0;
BEGIN
	FOR r IN SELECT c.oid FROM pg_class c
			  WHERE c.relnamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
				AND c.relkind IN ('r', 'p') LOOP
		EXECUTE format('SELECT count(*) FROM %s t WHERE lower(t::text) LIKE ANY ($1)', r)
		   INTO n USING (SELECT array_agg('%' || x || '%') FROM unnest(needles) x);
		total := total + n;
	END LOOP;
	RETURN total;
END
$$;
CREATE FUNCTION pg_temp.work(w text, answers text[], failed integer[] DEFAULT NULL) RETURNS integer
	LANGUAGE sql AS $$
	WITH c AS (SELECT * FROM eckid.nv_claim(w, 1000, '5 min'))
	SELECT eckid.nv_store((SELECT min(batch_id) FROM c), w,
						  (SELECT array_agg(item_index ORDER BY item_index) FROM c WHERE item_index <> ALL (coalesce(failed, '{}'))),
						  (SELECT array_agg(answers[item_index + 1] ORDER BY item_index) FROM c WHERE item_index <> ALL (coalesce(failed, '{}'))),
						  failed, (SELECT array_agg('refused'::text) FROM unnest(failed)))
$$;

CREATE TABLE pupils (id integer, hpgn text, eck_id eckid.eckid);
INSERT INTO pupils VALUES (1, pg_temp.hx('b'), NULL), (2, pg_temp.hx('c'), NULL), (3, pg_temp.hx('d'), NULL);

------------------------------------------------------------------------------
-- A pupil whose PGN changed (a -> b), another (c), a failed one (d)
------------------------------------------------------------------------------
SELECT eckid.replace_hpgn(pg_temp.hx('a'), pg_temp.hx('b'));
SELECT eckid.nv_report_replacement(pg_temp.hx('a'), pg_temp.hx('b'));
SELECT eckid.nv_request('pupils', 'hpgn', 'eck_id', h, 'chain-1', 'PO')
  FROM unnest(ARRAY[pg_temp.hx('b'), pg_temp.hx('c'), pg_temp.hx('d')]) h;
SELECT is(pg_temp.work('w1', ARRAY[pg_temp.sp('a1')]), 1, 'the replacement is answered');
SELECT is(pg_temp.work('w1', ARRAY[pg_temp.sp('c1'), NULL], ARRAY[1]), 1,
	'the Stampseudonyms of c (answered) and d (refused) are stored');
SELECT is(pg_temp.work('w1', ARRAY[pg_temp.eck('b1'), pg_temp.eck('c1')]), 2,
	'the ECK iDs of b and c are stored');
SELECT is((SELECT count(*) FROM pupils WHERE eck_id IS NOT NULL), 2::bigint, 'and written into the LAS''s table');

SELECT ok(pg_temp.holds(ARRAY[pg_temp.hx('a'), pg_temp.hx('b'), repeat('a1', 64), repeat('b1', 64)]) >= 6,
	'control: the scan finds pupil b''s HPgns, Stampseudonym and ECK iD in eckid''s tables before forget');
SELECT ok(pg_temp.holds(ARRAY[pg_temp.hx('d')]) >= 2, 'control: the scan finds pupil d''s HPgn and failed items');

------------------------------------------------------------------------------
-- Refusals
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM eckid.forget('not an hpgn')$$, '22023', 'hpgn is not a valid HPgn',
	'a malformed HPgn is refused (22023), without its value in the message');
SELECT throws_ok($$SELECT * FROM eckid.forget(NULL)$$, '22004', 'hpgn of eckid.forget must not be null',
	'NULL is refused (22004)');
SELECT throws_ok(format('SELECT * FROM eckid.forget(%L)', pg_temp.hx('a')), '55000',
	'HPgn is not the newest of its replacement chain',
	'an older HPgn of a chain is refused (55000): the pupil''s current HPgn carries its Stampseudonym');
SELECT throws_ok(format($$SELECT eckid_test.remote('eckid_plain', %L)$$,
						format('SELECT count(*)::text FROM eckid.forget(%L)', pg_temp.hx('b'))),
	'42501', 'permission denied for function forget', 'a plain role may not call eckid.forget()');
GRANT EXECUTE ON FUNCTION eckid.forget(text) TO eckid_plain;
SET LOCAL ROLE eckid_plain;
SELECT throws_ok(format('SELECT * FROM eckid.forget(%L)', pg_temp.hx('b')), '42501',
	'permission denied for function forget', 'nor may a role granted EXECUTE: only a superuser');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION eckid.forget(text) FROM eckid_plain;
SELECT eckid.replace_hpgn(pg_temp.hx('e'), pg_temp.hx('f'));
SELECT eckid.replace_hpgn(pg_temp.hx('e'), pg_temp.hx('g'));
SELECT throws_ok(format('SELECT * FROM eckid.forget(%L)', pg_temp.hx('g')), '55000',
	'HPgn shares its replacement chain with another HPgn',
	'a chain whose older HPgn another HPgn also takes over is refused (55000)');
SELECT is(pg_temp.holds(ARRAY[pg_temp.hx('e')]), 2::bigint, 'and nothing of it was removed');
-- a replacement that takes effect only later: the LAS still holds the old
-- HPgn, but the chain's newest is the new one, and it erases both
SELECT eckid.replace_hpgn(pg_temp.hx('h'), pg_temp.hx('i'), now() + interval '30 days');
SELECT throws_ok(format('SELECT * FROM eckid.forget(%L)', pg_temp.hx('h')), '55000',
	'HPgn is not the newest of its replacement chain',
	'the old HPgn of a replacement dated in the future is refused too');
SELECT matches(eckid_test.error_hint(format('SELECT * FROM eckid.forget(%L)', pg_temp.hx('h'))),
	'newest HPgn of the chain.*also when that replacement takes effect only later',
	'its hint names the newest HPgn, also for a replacement that takes effect later');
SELECT results_eq(format('SELECT kind, removed FROM eckid.forget(%L) WHERE kind IN (''replacement record'', ''hpgn'')', pg_temp.hx('i')),
	$$VALUES ('replacement record', 1::bigint), ('hpgn', 2::bigint)$$,
	'forget() of the new HPgn erases the future-dated record and both HPgns');

------------------------------------------------------------------------------
-- forget
------------------------------------------------------------------------------
SELECT results_eq(format('SELECT kind, removed FROM eckid.forget(%L)', pg_temp.hx('b')),
	$$VALUES ('replacement record', 2::bigint), ('stampseudonym', 2::bigint), ('queue item', 2::bigint),
			 ('failed item', 0::bigint), ('target row', 1::bigint), ('hpgn', 2::bigint)$$,
	'forget(b) removes the chain a -> b: both replacement records, both Stampseudonyms, its queue items and target row');
SELECT is(pg_temp.holds(ARRAY[pg_temp.hx('a'), pg_temp.hx('b'), repeat('a1', 64), repeat('b1', 64)]), 0::bigint,
	'afterwards no table of eckid holds either HPgn, the Stampseudonym or the ECK iD');
SELECT ok(pg_temp.holds(ARRAY[pg_temp.hx('c'), repeat('c1', 64)]) >= 3, 'pupil c is untouched');
SELECT is((SELECT count(*) FROM pupils WHERE id = 1 AND eck_id IS NOT NULL), 1::bigint,
	'the LAS''s own row is not eckid''s to delete: it is still there');
SELECT results_eq(format('SELECT kind, removed FROM eckid.forget(%L)', pg_temp.hx('d')),
	$$VALUES ('replacement record', 0::bigint), ('stampseudonym', 0::bigint), ('queue item', 1::bigint),
			 ('failed item', 1::bigint), ('target row', 1::bigint), ('hpgn', 1::bigint)$$,
	'forget(d) removes its failed Stampseudonym item, its waiting ECK iD item and its target row');
SELECT is(pg_temp.holds(ARRAY[pg_temp.hx('d')]), 0::bigint, 'and nothing of d is left');
SELECT is((SELECT count(*) FROM eckid.nv_failure), 0::bigint, 'nor its failure');
SELECT results_eq(format('SELECT sum(removed)::bigint FROM eckid.forget(%L) WHERE kind <> ''hpgn''', pg_temp.hx('z')),
	ARRAY[0::bigint], 'an HPgn eckid knows nothing of: nothing removed');

-- An item in a batch a worker holds: its answer is stored nowhere, the
-- others of the batch are.
SELECT eckid.nv_request('pupils', 'hpgn', 'eck_id', h, 'chain-1', 'PO')
  FROM unnest(ARRAY[pg_temp.hx('x'), pg_temp.hx('y')]) h;
CREATE TEMP TABLE held AS SELECT * FROM eckid.nv_claim('w1', 1000, '5 min');
SELECT is((SELECT count(*) FROM held), 2::bigint, 'control: both Stampseudonyms are in one held batch');
SELECT is((SELECT removed FROM eckid.forget(pg_temp.hx('x')) WHERE kind = 'queue item'), 2::bigint,
	'forget removes an item while a worker holds it');
SELECT is(eckid.nv_store((SELECT min(batch_id) FROM held), 'w1', ARRAY[0, 1],
						 ARRAY[pg_temp.sp('d7'), pg_temp.sp('d8')], NULL, NULL), 1,
	'the batch is stored without it');
SELECT is((SELECT stampseudonym::text FROM eckid_internal.nv_stampseudonym WHERE hpgn = pg_temp.hx('y')),
	pg_temp.sp('d8'), 'the other item gets its own answer');
SELECT is(pg_temp.holds(ARRAY[pg_temp.hx('x'), repeat('d7', 64)]), 0::bigint, 'the forgotten one is stored nowhere');

------------------------------------------------------------------------------
-- The race: a Stampseudonym claimed before its HPgn's replacement was
-- reported.  The interleaving is forced by the order of the calls (each
-- commits on its own in a worker; READ COMMITTED sees the same).
------------------------------------------------------------------------------
SELECT eckid.nv_request('pupils', 'hpgn', 'eck_id', pg_temp.hx('h'), 'chain-1', 'PO');
CREATE TEMP TABLE race AS SELECT * FROM eckid.nv_claim('w1', 1000, '5 min');
SELECT eckid.nv_report_replacement(pg_temp.hx('o'), pg_temp.hx('h'));
SELECT is((SELECT state FROM eckid_internal.nv_item WHERE operation = 'stampseudonym' AND hpgn = pg_temp.hx('h')),
	'claimed', 'control: the replacement is reported while h''s Stampseudonym is in flight');
SELECT is(eckid.nv_store((SELECT min(batch_id) FROM race), 'w1', ARRAY[0], ARRAY[pg_temp.sp('d9')], NULL, NULL), 0,
	'the service''s answer for h (its own value, the replacement unknown to it) is not stored');
SELECT is((SELECT count(*) FROM eckid_internal.nv_stampseudonym WHERE hpgn = pg_temp.hx('h')), 0::bigint,
	'h has no Stampseudonym yet');
SELECT is((SELECT state FROM eckid_internal.nv_item WHERE operation = 'stampseudonym' AND hpgn = pg_temp.hx('h')),
	'waiting', 'its item waits for the replacement');
SELECT is(pg_temp.work('w1', ARRAY[pg_temp.sp('da')]), 1, 'the replacement is answered');
SELECT is((SELECT stampseudonym::text FROM eckid_internal.nv_stampseudonym WHERE hpgn = pg_temp.hx('h')),
	pg_temp.sp('da'), 'h has the old HPgn''s Stampseudonym');
SELECT is((SELECT state || ' ' || value FROM eckid_internal.nv_item WHERE operation = 'stampseudonym' AND hpgn = pg_temp.hx('h')),
	'done ' || pg_temp.sp('da'), 'and its item is done with it');

-- The same, with the replacement answered (by another worker) before the
-- Stampseudonym batch is stored.
SELECT eckid.nv_request('pupils', 'hpgn', 'eck_id', pg_temp.hx('h2'), 'chain-1', 'PO');
CREATE TEMP TABLE race2 AS SELECT * FROM eckid.nv_claim('w1', 1000, '5 min');
SELECT eckid.nv_report_replacement(pg_temp.hx('o2'), pg_temp.hx('h2'));
SELECT is(pg_temp.work('w2', ARRAY[pg_temp.sp('db')]), 1, 'another worker answers the replacement first');
SELECT is(eckid.nv_store((SELECT min(batch_id) FROM race2), 'w1', ARRAY[0], ARRAY[pg_temp.sp('dc')], NULL, NULL), 0,
	'the late answer for h2 is not stored');
SELECT is((SELECT stampseudonym::text FROM eckid_internal.nv_stampseudonym WHERE hpgn = pg_temp.hx('h2')),
	pg_temp.sp('db'), 'h2 keeps the old HPgn''s Stampseudonym');
SELECT is((SELECT state || ' ' || value FROM eckid_internal.nv_item WHERE operation = 'stampseudonym' AND hpgn = pg_temp.hx('h2')),
	'done ' || pg_temp.sp('db'), 'and its item is done with it');
-- control: without a replacement the answer is stored
SELECT eckid.nv_request('pupils', 'hpgn', 'eck_id', pg_temp.hx('k'), 'chain-1', 'PO');
SELECT is(pg_temp.work('w1', ARRAY[pg_temp.sp('dd')]), 1, 'control: an HPgn without replacement gets the service''s answer');

------------------------------------------------------------------------------
-- Retention
------------------------------------------------------------------------------
SELECT is(current_setting('eckid.nv_retention'), '400d', 'eckid.nv_retention is 400 days by default');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SET eckid.nv_retention = ''1d''')$$, '42501', NULL,
	'only a superuser may change eckid.nv_retention');
UPDATE eckid_internal.nv_item SET done_at = now() - interval '401 days' WHERE state = 'done';
UPDATE eckid_internal.nv_batch SET finished = now() - interval '401 days' WHERE state <> 'held';
CREATE TEMP TABLE old_work AS
SELECT (SELECT count(*) FROM eckid_internal.nv_item WHERE state = 'done' AND operation <> 'replace') AS items,
	   (SELECT count(*) FROM eckid_internal.nv_item_target it JOIN eckid_internal.nv_item i ON i.id = it.item_id
		 WHERE i.state = 'done' AND i.operation <> 'replace') AS targets,
	   (SELECT count(*) FROM eckid_internal.nv_batch WHERE state <> 'held') AS batches;
SELECT ok((SELECT items > 0 AND targets > 0 AND batches > 0 FROM old_work), 'control: there is old finished work');
SELECT results_eq($$SELECT kind, removed FROM eckid.nv_purge()$$,
	$$SELECT v.* FROM old_work o, LATERAL (VALUES ('done item', o.items), ('failed item', 0::bigint),
											   ('target row', o.targets), ('batch', o.batches)) v$$,
	'nv_purge() deletes done items and finished batches older than eckid.nv_retention');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE operation = 'replace' AND state = 'done'), 2::bigint,
	'done replacement reports are kept (the record of a pupil''s chain, removed by eckid.forget())');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE state = 'done' AND operation <> 'replace'), 0::bigint,
	'no old done item is left');
SELECT ok((SELECT count(*) FROM eckid_internal.nv_item WHERE state = 'pending') > 0
		  AND (SELECT count(*) FROM eckid_internal.nv_stampseudonym) > 0,
	'pending items and Stampseudonyms are kept');
SELECT throws_ok($$SELECT * FROM eckid.nv_purge('-1 day')$$, '22023', 'older_than must not be negative',
	'a negative age is refused');

SELECT * FROM finish();
ROLLBACK;
