-- The Nummervoorziening queue (docs/nummervoorziening.md, "The queue"):
-- the trigger's flag nummervoorziening, the worker's contract functions,
-- what a DBA sees, and who may see or call any of it.  Leases are measured
-- with the clock, so this one transaction can wait for one to run out.
-- Two sessions claiming at once: test/shell/nv_queue_concurrency.sh.
BEGIN;
SELECT plan(112);

CREATE TEMP TABLE pgns (n integer, pgn text, h text);
GRANT SELECT ON pgns TO PUBLIC;
INSERT INTO pgns VALUES (1, '100000009'), (2, '100000010'), (3, '100000022'), (4, '100000034'),
						(5, '100000046'), (6, '100000058'), (7, '100000071');
UPDATE pgns SET h = eckid.hpgn(pgn);
CREATE FUNCTION pg_temp.h(n integer) RETURNS text LANGUAGE sql AS
	$$ SELECT pgns.h FROM pgns WHERE pgns.n = h.n $$;
CREATE FUNCTION pg_temp.sp(x text) RETURNS text LANGUAGE sql AS
	$$ SELECT 'https://ketenid.nl/sppilot/' || repeat(x, 128 / length(x)) $$;
CREATE FUNCTION pg_temp.eck(x text) RETURNS text LANGUAGE sql AS
	$$ SELECT 'https://ketenid.nl/pilot/' || repeat(x, 128 / length(x)) $$;
CREATE FUNCTION pg_temp.items(op text, st text) RETURNS bigint LANGUAGE sql AS
	$$ SELECT count(*) FROM eckid_internal.nv_item WHERE operation = op AND state = st $$;

------------------------------------------------------------------------------
-- Who may see and call what
------------------------------------------------------------------------------

SELECT ok(NOT has_schema_privilege(r, 'eckid_internal', 'USAGE'), r || ' may not use schema eckid_internal')
  FROM unnest(ARRAY['eckid_plain', 'eckid_temp_only', 'eckid_nv_worker']) r;
SELECT is(count(*), 0::bigint, 'no role but the owner may read any table of eckid_internal or the DBA views')
  FROM pg_class c, unnest(ARRAY['eckid_plain', 'eckid_temp_only', 'eckid_nv_worker', 'eckid_las_app']) r
 WHERE (c.relnamespace = 'eckid_internal'::regnamespace AND c.relkind IN ('r', 'S')
		OR c.oid IN ('eckid.nv_status'::regclass, 'eckid.nv_failure'::regclass))
   AND (has_table_privilege(r, c.oid, 'SELECT') OR has_any_column_privilege(r, c.oid, 'SELECT'));
SELECT is(count(*), 0::bigint, 'no function of eckid_internal is executable by PUBLIC but the one masked views call')
  FROM pg_proc p WHERE p.pronamespace = 'eckid_internal'::regnamespace
   AND p.oid <> 'eckid_internal.masked_view_pseudonym(integer,smallint,oid,tid)'::regprocedure
   AND has_function_privilege('eckid_temp_only', p.oid, 'EXECUTE');
SELECT ok(NOT has_function_privilege('eckid_temp_only', f, 'EXECUTE'), 'PUBLIC cannot execute ' || f)
  FROM unnest(ARRAY['eckid.nv_claim(text,integer,interval)', 'eckid.nv_submitted(bigint,text,text)',
					'eckid.nv_extend(bigint,text,interval)', 'eckid.nv_resubmit(bigint,text)',
					'eckid.nv_release(bigint,text,interval,text)',
					'eckid.nv_store(bigint,text,integer[],text[],integer[],text[])',
					'eckid.nv_request(regclass,name,name,text,text,text)',
					'eckid.nv_report_replacement(text,text,date)', 'eckid.nv_requeue(bigint[])']) f;
SELECT ok(has_function_privilege('eckid_nv_worker', 'eckid.nv_store(bigint,text,integer[],text[],integer[],text[])', 'EXECUTE')
		  AND NOT has_function_privilege('eckid_nv_worker', 'eckid.nv_requeue(bigint[])', 'EXECUTE')
		  AND NOT has_function_privilege('eckid_nv_worker', 'eckid.nv_request(regclass,name,name,text,text,text)', 'EXECUTE'),
	'the worker''s role (granted as docs/privileges.md says) may call the contract functions and nothing else');

-- in fresh sessions: the probe reads the committed queue, which the
-- superuser sees (positive control) and nobody else does
SELECT is(eckid_test.remote('postgres', 'SELECT count(*)::text FROM eckid_internal.nv_item'), '0',
	'control: a superuser reads the queue table in a fresh session');
SELECT throws_ok(format($$SELECT eckid_test.remote(%L, 'SELECT count(*)::text FROM eckid_internal.nv_item')$$, r),
	'42501', 'permission denied for schema eckid_internal', r || ' cannot read the queue')
  FROM unnest(ARRAY['eckid_plain', 'eckid_temp_only', 'eckid_nv_worker']) r;
SELECT throws_ok(format($$SELECT eckid_test.remote(%L, 'SELECT count(*)::text FROM eckid.nv_status')$$, r),
	'42501', 'permission denied for view nv_status', r || ' cannot read eckid.nv_status')
  FROM unnest(ARRAY['eckid_plain', 'eckid_temp_only', 'eckid_nv_worker']) r;
SELECT throws_ok(format($$SELECT eckid_test.remote(%L, 'SELECT count(*)::text FROM eckid.nv_claim(''w'', 10, ''1 min'')')$$, r),
	'42501', 'permission denied for function nv_claim', r || ' cannot claim work')
  FROM unnest(ARRAY['eckid_plain', 'eckid_temp_only']) r;
SELECT is(eckid_test.remote('eckid_nv_worker', $$SELECT count(*)::text FROM eckid.nv_claim('w', 10, '1 min')$$), '0',
	'the worker''s role can claim (nothing committed: nothing to do)');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_temp_only',
		'CREATE TEMP TABLE t AS SELECT * FROM eckid_internal.nv_stampseudonym')$$,
	'42501', NULL, 'a TEMP-only role cannot copy the Stampseudonyms into a temporary table');

------------------------------------------------------------------------------
-- The trigger's flag nummervoorziening
------------------------------------------------------------------------------

CREATE TABLE pupils (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid, note text);
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain-a', 'PO', 'nummervoorziening');

CREATE TABLE no_hpgn (pgn text, eck_id eckid.eckid);
CREATE TRIGGER no_hpgn_eckid BEFORE INSERT ON no_hpgn FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', '', 'eck_id', 'chain-a', 'PO', 'nummervoorziening');
SELECT throws_ok($$INSERT INTO no_hpgn VALUES ('100000009')$$, '22023',
	'the flag nummervoorziening of eckid.assign() needs an HPgn column',
	'the flag needs an HPgn column: the answer is written where the HPgn is');

INSERT INTO pupils (id, pgn) VALUES (1, '100000009'), (2, '100000010');
SELECT is((SELECT hpgn FROM pupils WHERE id = 1), pg_temp.h(1), 'the trigger still stores the HPgn of the PGN');
SELECT ok((SELECT bool_and(eck_id IS NULL) FROM pupils), 'and leaves the ECK iD NULL: it is asked for, not derived');
SELECT is(pg_temp.items('stampseudonym', 'pending'), 2::bigint, 'a Stampseudonym is queued for each HPgn');
SELECT is(pg_temp.items('eckid', 'waiting'), 2::bigint, 'and an ECK iD request that waits for it');
SELECT is((SELECT array_agg(ARRAY[chain, sector]) FROM eckid_internal.nv_item WHERE operation = 'eckid' AND hpgn = pg_temp.h(1)),
	ARRAY[ARRAY['chain-a', 'PO']], 'in the trigger''s chain and sector');
SELECT is((SELECT array_agg(ARRAY[table_oid::regclass::text, hpgn_column, eckid_column]) FROM eckid_internal.nv_target),
	ARRAY[ARRAY['pupils', 'hpgn', 'eck_id']], 'the table and its columns are recorded as the target');

SAVEPOINT enrol;
INSERT INTO pupils (id, pgn) VALUES (3, '100000022');
SELECT is(pg_temp.items('eckid', 'waiting'), 3::bigint, 'control: an enrolment queues a request');
ROLLBACK TO SAVEPOINT enrol;
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE hpgn = pg_temp.h(3)), 0::bigint,
	'a rolled-back enrolment queues nothing');

INSERT INTO pupils (id, pgn) VALUES (3, '100000009');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE hpgn = pg_temp.h(1)), 2::bigint,
	'the same HPgn, chain and sector asked twice is one request (and one Stampseudonym)');
INSERT INTO pupils (id, pgn, eck_id) VALUES (4, '100000034', pg_temp.eck('77')::eckid.eckid);
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE hpgn = pg_temp.h(4)), 0::bigint,
	'a row inserted with its ECK iD asks for nothing');

CREATE TABLE staff (pgn text, hpgn varchar(64), eck_id eckid.eckid);
CREATE TRIGGER staff_eckid BEFORE INSERT OR UPDATE ON staff FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain-a', 'PO', 'nummervoorziening');
GRANT INSERT, SELECT ON staff TO eckid_plain;
SET LOCAL ROLE eckid_plain;
INSERT INTO staff (pgn) VALUES ('100000010');
RESET ROLE;
SELECT is((SELECT count(*) FROM eckid_internal.nv_item_target it JOIN eckid_internal.nv_item i ON i.id = it.item_id
			WHERE i.hpgn = pg_temp.h(2) AND i.operation = 'eckid'), 2::bigint,
	'a role allowed only to insert into a second table queues through the trigger: one request, two tables');

------------------------------------------------------------------------------
-- Claiming, leases, storing
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM eckid.nv_claim('w1', 0, '1 min')$$, '22023',
	'max_items must be between 1 and 100000', 'max_items is checked');
SELECT throws_ok($$SELECT * FROM eckid.nv_claim('w1', 10, '0')$$, '22023',
	'lease must be a positive interval', 'the lease is checked');
SELECT throws_ok($$SELECT * FROM eckid.nv_claim('', 10, '1 min')$$, '22023',
	'worker name must not be empty', 'the worker name is checked');
-- The queue's SKIP LOCKED claims and lease checks are written for READ
-- COMMITTED; a worker session at another level is refused (the same call at
-- READ COMMITTED answers: the grants' test above).
SELECT throws_ok($q$SELECT v FROM dblink(eckid_test.connstr('eckid_nv_worker') || ' options=''-c default_transaction_isolation=serializable''',
		$$SELECT count(*)::text FROM eckid.nv_claim('w', 10, '1 min')$$) AS t(v text)$q$,
	'25001', 'the Nummervoorziening queue must be used at isolation level READ COMMITTED',
	'nv_claim refuses a transaction at SERIALIZABLE');
SELECT throws_ok($q$SELECT v FROM dblink(eckid_test.connstr('eckid_nv_worker') || ' options=''-c default_transaction_isolation=serializable''',
		$$SELECT eckid.nv_store(1, 'w', '{}', '{}', '{}', '{}')::text$$) AS t(v text)$q$,
	'25001', 'the Nummervoorziening queue must be used at isolation level READ COMMITTED',
	'so does nv_store (every call on a claimed batch)');

CREATE TEMP TABLE c1 AS SELECT * FROM eckid.nv_claim('w1', 1, '1 s');
SELECT is((SELECT array_agg(ARRAY[operation, item_index::text, (hpgn = pg_temp.h(1))::text]) FROM c1),
	ARRAY[ARRAY['stampseudonym', '0', 'true']], 'a claim returns at most max_items items of one operation, oldest first, numbered from 0');
SELECT ok((SELECT stampseudonym IS NULL AND chain IS NULL AND new_hpgn IS NULL AND batch_identifier IS NULL FROM c1),
	'columns the operation does not use are NULL');
CREATE TEMP TABLE c2 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT is((SELECT array_agg(hpgn = pg_temp.h(2)) FROM c2), ARRAY[true],
	'a second worker gets the other item, never the same one');
SELECT is((SELECT count(*) FROM eckid.nv_claim('w3', 10, '1 min')), 0::bigint,
	'nothing left that is ready: zero rows (ECK iD requests wait for their Stampseudonym)');

SELECT throws_ok(format($$SELECT eckid.nv_submitted(%s, 'w2', 'B-1')$$, (SELECT batch_id FROM c1)), '55000',
	format('batch %s is no longer held by worker "w2"', (SELECT batch_id FROM c1)),
	'a worker cannot touch a batch it does not hold (55000)');
SELECT lives_ok(format($$SELECT eckid.nv_submitted(%s, 'w1', 'B-1')$$, (SELECT batch_id FROM c1)),
	'the holder stores the service''s batch identifier');
SELECT is((SELECT batch_identifier FROM eckid_internal.nv_batch WHERE id = (SELECT batch_id FROM c1)), 'B-1',
	'the identifier is stored before the worker polls');

-- w1 stalls past its lease; w3 takes the batch over with its identifier
SELECT pg_sleep(1.2);
CREATE TEMP TABLE c3 AS SELECT * FROM eckid.nv_claim('w3', 10, '1 min');
SELECT is((SELECT array_agg(ARRAY[batch_id::text, batch_identifier, item_index::text, (hpgn = pg_temp.h(1))::text]) FROM c3),
	ARRAY[ARRAY[(SELECT batch_id FROM c1)::text, 'B-1', '0', 'true']],
	'a batch whose lease ran out is taken over whole: same batch, identifier, items and indices (the new worker polls)');
SELECT throws_ok(format($$SELECT eckid.nv_store(%s, 'w1', '{0}', ARRAY[pg_temp.sp('aa')], NULL, NULL)$$, (SELECT batch_id FROM c1)),
	'55000', format('batch %s is no longer held by worker "w1"', (SELECT batch_id FROM c1)),
	'the worker that lost its lease cannot store (55000)');
SELECT is((SELECT count(*) FROM eckid_internal.nv_stampseudonym), 0::bigint, 'and nothing was stored');
SELECT throws_ok(format($$SELECT eckid.nv_extend(%s, 'w1', '1 min')$$, (SELECT batch_id FROM c1)), '55000', NULL,
	'nor renew the lease');

SELECT throws_ok(format($$SELECT eckid.nv_store(%s, 'w3', '{5}', ARRAY[pg_temp.sp('aa')], NULL, NULL)$$, (SELECT batch_id FROM c1)),
	'22023', format('batch %s has no item 5', (SELECT batch_id FROM c1)), 'an index that is not in the batch is refused');
SELECT throws_ok(format($$SELECT eckid.nv_store(%s, 'w3', '{0}', ARRAY[pg_temp.sp('aa')], '{0}', '{x}')$$, (SELECT batch_id FROM c1)),
	'22023', format('item 0 of batch %s is given more than once', (SELECT batch_id FROM c1)), 'an item given twice is refused');
SELECT is(eckid.nv_store((SELECT batch_id FROM c1), 'w3', '{0}', ARRAY[pg_temp.sp('aa')], NULL, NULL), 1,
	'the new holder stores the answer');
SELECT is((SELECT stampseudonym::text FROM eckid_internal.nv_stampseudonym WHERE hpgn = pg_temp.h(1)), pg_temp.sp('aa'),
	'the Stampseudonym is kept for the HPgn');
SELECT throws_ok(format($$SELECT eckid.nv_store(%s, 'w3', '{0}', ARRAY[pg_temp.sp('bb')], NULL, NULL)$$, (SELECT batch_id FROM c1)),
	'55000', NULL, 'storing a finished batch again is refused');
SELECT is((SELECT stampseudonym::text FROM eckid_internal.nv_stampseudonym WHERE hpgn = pg_temp.h(1)), pg_temp.sp('aa'),
	'and stores nothing twice');
SELECT is((SELECT state FROM eckid_internal.nv_item WHERE operation = 'eckid' AND hpgn = pg_temp.h(1)), 'pending',
	'the ECK iD request of that HPgn is ready now');

-- the second batch: given back (a temporary block), then a bad answer
SELECT lives_ok(format($$SELECT eckid.nv_release(%s, 'w2', '1 hour', 'temporarily blocked for %s')$$,
					   (SELECT batch_id FROM c2), pg_temp.h(2)),
	'a worker gives a batch back with a retry time');
SELECT is((SELECT count(*) FROM eckid.nv_claim('w2', 10, '1 min') WHERE operation = 'stampseudonym'), 0::bigint,
	'its items are not claimed before their retry time');
SELECT is((SELECT ARRAY[backing_off, in_flight] FROM eckid.nv_status WHERE operation = 'stampseudonym'), ARRAY[1, 0]::bigint[],
	'eckid.nv_status shows the item backing off');
SELECT is((SELECT last_error FROM eckid.nv_status WHERE operation = 'stampseudonym'), 'temporarily blocked for …',
	'and the worker''s last error, with no HPgn in it');
UPDATE eckid_internal.nv_item SET retry_at = '-infinity' WHERE hpgn = pg_temp.h(2) AND operation = 'stampseudonym';

------------------------------------------------------------------------------
-- ECK iDs written into the rows that asked
------------------------------------------------------------------------------

-- the batch claimed just above (w2) holds the ECK iD request of HPgn 1
CREATE TEMP TABLE c4 AS
	SELECT * FROM eckid_internal.nv_batch_items((SELECT max(id) FROM eckid_internal.nv_batch WHERE operation = 'eckid'));
SELECT is((SELECT array_agg(ARRAY[operation, chain, sector, stampseudonym, coalesce(hpgn, 'none')]) FROM c4),
	ARRAY[ARRAY['eckid', 'chain-a', 'PO', pg_temp.sp('aa'), 'none']],
	'an ECK iD batch: one chain and sector, the Stampseudonym, no HPgn');
UPDATE pupils SET note = 'before' WHERE id = 1;
SELECT is(eckid.nv_store((SELECT batch_id FROM c4), 'w2', '{0}', ARRAY[pg_temp.eck('a1')], NULL, NULL), 1,
	'the ECK iD is stored');
SELECT is((SELECT array_agg(eck_id::text ORDER BY id) FROM pupils WHERE id IN (1, 3)), ARRAY[pg_temp.eck('a1'), pg_temp.eck('a1')],
	'into every row of the table with that HPgn');
SELECT is((SELECT hpgn FROM pupils WHERE id = 1), pg_temp.h(1), 'the trigger left the row''s HPgn as it was');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE operation = 'replace' OR hpgn = pg_temp.h(1)), 2::bigint,
	'and queued nothing: writing the answer does not change the PGN (the trigger''s early exit)');

-- the other Stampseudonym: one answer that is no Stampseudonym
CREATE TEMP TABLE c5 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT is(eckid.nv_store((SELECT batch_id FROM c5 LIMIT 1), 'w2', '{0}', '{nonsense}', NULL, NULL), 0,
	'an answer that is not a Stampseudonym is not stored');
SELECT is((SELECT reason FROM eckid.nv_failure WHERE operation = 'stampseudonym'),
	'the service answered a value that is not a Stampseudonym', 'but recorded as the item''s failure');
SELECT is(eckid.nv_requeue(), 1, 'eckid.nv_requeue() asks again for failed items');
CREATE TEMP TABLE c6 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT is(eckid.nv_store((SELECT batch_id FROM c6 LIMIT 1), 'w2', '{0}', ARRAY[pg_temp.sp('bb')], NULL, NULL), 1,
	'and the next batch stores the answer');

-- the ECK iD of HPgn 2, for two tables; a failure with an HPgn in its text
CREATE TEMP TABLE c7 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT is((SELECT count(*) FROM c7 WHERE operation = 'eckid'), 1::bigint, 'one request for both tables');
SELECT is(eckid.nv_store((SELECT batch_id FROM c7 LIMIT 1), 'w2', NULL, NULL, '{0}',
						 ARRAY['Invalid HPgn ' || pg_temp.h(2) || ' for chain']), 0,
	'a failed item stores nothing');
SELECT is((SELECT ARRAY[reason, array_to_string(tables, ',')] FROM eckid.nv_failure WHERE operation = 'eckid'),
	ARRAY['Invalid HPgn … for chain', 'public.pupils,public.staff'],
	'eckid.nv_failure shows the service''s reason without the HPgn, and the tables waiting');
SELECT is((SELECT error FROM eckid_internal.nv_item WHERE operation = 'eckid' AND state = 'failed'),
	'Invalid HPgn ' || pg_temp.h(2) || ' for chain', 'the queue keeps the message as given (only the worker''s functions read it)');
SELECT is(eckid.nv_requeue(ARRAY[(SELECT item FROM eckid.nv_failure WHERE operation = 'eckid')]), 1,
	'eckid.nv_requeue(items) asks again for the items named');

-- resubmit: the identifier is forgotten, the lease kept
CREATE TEMP TABLE c8 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT eckid.nv_submitted((SELECT batch_id FROM c8 LIMIT 1), 'w2', 'B-8');
SELECT lives_ok(format($$SELECT eckid.nv_resubmit(%s, 'w2')$$, (SELECT batch_id FROM c8 LIMIT 1)),
	'a worker forgets a batch identifier the service no longer knows');
SELECT ok((SELECT batch_identifier IS NULL AND state = 'held' AND worker = 'w2' FROM eckid_internal.nv_batch
			WHERE id = (SELECT batch_id FROM c8 LIMIT 1)), 'the batch stays held, without an identifier');
-- items in neither array stay for a later batch
SELECT is(eckid.nv_store((SELECT batch_id FROM c8 LIMIT 1), 'w2', NULL, NULL, NULL, NULL), 0,
	'a store with no answers stores nothing');
SELECT is((SELECT state FROM eckid_internal.nv_item WHERE operation = 'eckid' AND hpgn = pg_temp.h(2)), 'pending',
	'and its items are pending again');
CREATE TEMP TABLE c9 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT is(eckid.nv_store((SELECT batch_id FROM c9 LIMIT 1), 'w2', '{0}', ARRAY[pg_temp.eck('b2')], NULL, NULL), 1,
	'the later batch stores it');
SELECT is((SELECT array_agg(eck_id::text) FROM (SELECT eck_id FROM pupils WHERE id = 2 UNION ALL SELECT eck_id FROM staff) s),
	ARRAY[pg_temp.eck('b2'), pg_temp.eck('b2')], 'into both tables');

-- a table that refuses the answer: the item fails, the batch is stored
CREATE TABLE picky (hpgn text, ecid eckid.eckid CHECK (ecid IS NULL OR eckid.segment(ecid) = 'other'));
INSERT INTO picky VALUES (pg_temp.h(1), NULL);
SELECT eckid.nv_request('picky', 'hpgn', 'ecid', pg_temp.h(1), 'chain-a', 'PO');
CREATE TEMP TABLE c12 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT is(eckid.nv_store((SELECT batch_id FROM c12 LIMIT 1), 'w2', '{0}', ARRAY[pg_temp.eck('a1')], NULL, NULL), 1,
	'an answer a table refuses (a CHECK constraint) does not make the batch fail');
SELECT is((SELECT reason FROM eckid.nv_failure WHERE operation = 'eckid'),
	'the answer could not be written into table public.picky (SQLSTATE 23514): new row for relation "picky" violates check constraint "picky_ecid_check"',
	'the item fails with the table''s reason, for a DBA to requeue');
SELECT is((SELECT count(*) FROM pupils WHERE eck_id::text = pg_temp.eck('a1')), 2::bigint,
	'the other table that asked was written all the same');
DROP TABLE picky;
UPDATE eckid_internal.nv_item SET state = 'done', error = NULL, failed_at = NULL WHERE state = 'failed';

-- a new row for an HPgn whose ECK iD is known: asked again, written again
INSERT INTO pupils (id, pgn) VALUES (5, '100000010');
SELECT is((SELECT state FROM eckid_internal.nv_item WHERE operation = 'eckid' AND hpgn = pg_temp.h(2)), 'pending',
	'a new row with an HPgn already answered asks again');

-- tables renamed, columns renamed, tables dropped
ALTER TABLE staff RENAME TO staff_members;
DROP TRIGGER staff_eckid ON staff_members;	-- it names the column; the queue does not
ALTER TABLE staff_members RENAME COLUMN eck_id TO ecid;
UPDATE staff_members SET ecid = NULL;
CREATE TEMP TABLE c11 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min') WHERE operation = 'eckid' AND chain = 'chain-a' AND sector = 'PO';
SELECT is(eckid.nv_store((SELECT batch_id FROM c11 LIMIT 1), 'w2', '{0}', ARRAY[pg_temp.eck('b2')], NULL, NULL), 1,
	'(the re-asked ECK iD of HPgn 2 is stored again)');
SELECT is((SELECT ecid::text FROM staff_members), pg_temp.eck('b2'), 'a renamed table and column are still written (found by OID and column number)');
SELECT is((SELECT array_agg(table_name || '.' || eckid_column ORDER BY table_name) FROM eckid_internal.nv_target),
	ARRAY['pupils.eck_id', 'staff_members.ecid'], 'and their names are kept current');
DROP TABLE staff_members;
SELECT is((SELECT count(*) FROM eckid_internal.nv_target WHERE table_name = 'staff_members'), 0::bigint,
	'a dropped table is forgotten as a target (its OID may be given to another table)');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item_target it
			WHERE NOT EXISTS (SELECT FROM eckid_internal.nv_target g WHERE g.id = it.target_id)), 0::bigint,
	'with its requests'' links');

------------------------------------------------------------------------------
-- A change of PGN is reported, and the row keeps its ECK iD
------------------------------------------------------------------------------

UPDATE pupils SET pgn = '100000046' WHERE id = 1;
SELECT is((SELECT eck_id::text FROM pupils WHERE id = 1), pg_temp.eck('a1'), 'a row whose PGN changes keeps its ECK iD');
SELECT is((SELECT hpgn FROM pupils WHERE id = 1), pg_temp.h(5), 'and gets the HPgn of the new PGN');
SELECT is((SELECT array_agg(ARRAY[(hpgn = pg_temp.h(1))::text, (new_hpgn = pg_temp.h(5))::text, effective_date::text, state])
			 FROM eckid_internal.nv_item WHERE operation = 'replace'),
	ARRAY[ARRAY['true', 'true', current_date::text, 'pending']],
	'the change is queued as a replacement, effective today');
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE hpgn = pg_temp.h(5) AND operation <> 'replace'), 0::bigint,
	'and no new ECK iD is asked for');
UPDATE pupils SET pgn = '100000009' WHERE id = 1;
SELECT is((SELECT count(*) FROM eckid_internal.nv_item WHERE operation = 'replace'), 1::bigint,
	'a PGN changed back to the old one reports nothing (the service would refuse the cycle)');
UPDATE pupils SET pgn = '100000046' WHERE id = 1;

CREATE TEMP TABLE c10 AS SELECT * FROM eckid.nv_claim('w2', 10, '1 min');
SELECT is((SELECT array_agg(ARRAY[operation, (hpgn = pg_temp.h(1))::text, (new_hpgn = pg_temp.h(5))::text, effective_date::text]) FROM c10),
	ARRAY[ARRAY['replace', 'true', 'true', current_date::text]], 'replacements are claimed first, one per batch');
SELECT is(eckid.nv_store((SELECT batch_id FROM c10), 'w2', '{0}', ARRAY[pg_temp.sp('aa')], NULL, NULL), 1,
	'the replacement''s answer is stored');
SELECT is((SELECT stampseudonym::text FROM eckid_internal.nv_stampseudonym WHERE hpgn = pg_temp.h(5)), pg_temp.sp('aa'),
	'the new HPgn has the old one''s Stampseudonym from now on');

-- eckid.nv_report_replacement() and eckid.nv_request(), for applications without the trigger
SELECT throws_ok($$SELECT eckid.nv_report_replacement('x', repeat('a', 64))$$, '22023',
	'old_hpgn and new_hpgn must be two different valid HPgns', 'a replacement needs two HPgns');
SELECT lives_ok(format($$SELECT eckid.nv_report_replacement(%L, %L, '2030-01-01')$$, pg_temp.h(6), pg_temp.h(7)),
	'an application reports a PGN change with an effective date');
SELECT is((SELECT effective_date FROM eckid_internal.nv_item WHERE operation = 'replace' AND hpgn = pg_temp.h(6)), '2030-01-01'::date,
	'with that date');
CREATE TABLE app_pupils (hpgn text, ecid eckid.eckid);
GRANT SELECT ON app_pupils TO eckid_las_app;
GRANT EXECUTE ON FUNCTION eckid.nv_request(regclass, name, name, text, text, text) TO eckid_las_app;
SET LOCAL ROLE eckid_las_app;
SELECT throws_ok(format($$SELECT eckid.nv_request('app_pupils', 'hpgn', 'ecid', %L, 'chain-a', 'VO')$$, pg_temp.h(6)),
	'42501', 'permission denied for column "ecid" of relation "app_pupils"',
	'eckid.nv_request() refuses a role that may not update the ECK iD column itself');
RESET ROLE;
GRANT UPDATE (ecid) ON app_pupils TO eckid_las_app;
SET LOCAL ROLE eckid_las_app;
SELECT lives_ok(format($$SELECT eckid.nv_request('app_pupils', 'hpgn', 'ecid', %L, 'chain-a', 'VO')$$, pg_temp.h(6)),
	'and accepts one that may');
RESET ROLE;
SELECT eckid.nv_request('app_pupils', 'hpgn', 'ecid', pg_temp.h(7), 'chain-a', 'VO');
SELECT is((SELECT state FROM eckid_internal.nv_item WHERE operation = 'stampseudonym' AND hpgn = pg_temp.h(7)), 'waiting',
	'the Stampseudonym of a new HPgn waits for its replacement to be reported');
SELECT throws_ok(format($$SELECT eckid.nv_request('app_pupils', 'hpgn', 'nope', %L, 'chain-a', 'VO')$$, pg_temp.h(6)),
	'42703', 'column "nope" of relation "app_pupils" does not exist', 'eckid.nv_request() checks the columns');
SELECT throws_ok($$SELECT eckid.nv_request('app_pupils', 'hpgn', 'ecid', 'not an hpgn', 'chain-a', 'VO')$$,
	'22023', 'hpgn is not a valid HPgn', 'and the HPgn');

SELECT is((SELECT ARRAY[waiting, pending, failed] FROM eckid.nv_status WHERE operation = 'eckid'), ARRAY[2, 0, 0]::bigint[],
	'eckid.nv_status counts the ECK iD requests by state');
SELECT ok((SELECT oldest_pending_age >= '0' AND last_success IS NOT NULL FROM eckid.nv_status WHERE operation = 'eckid'),
	'with the oldest pending age and the last success');

SELECT * FROM finish();
ROLLBACK;
