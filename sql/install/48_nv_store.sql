-- sql/install/48_nv_store.sql: storing the service's answers
-- (eckid.nv_store(), the last of the worker's contract functions) and
-- writing the ECK iDs into the tables that asked, each in a subtransaction
-- of its own, with the retries of writes that failed.  One part of the
-- install script; see 00_schemas.sql and, for the tables and the states of
-- an item, 45_nv_tables.sql.
--
-- An upgrade script includes this file whenever one of its functions
-- changes, so it runs again on an existing database: CREATE OR REPLACE,
-- COMMENT, REVOKE only (sql/upgrade/eckid--1.1--1.2.sql includes it for the
-- objects new in 1.2).  A change of arguments or result cannot be made by
-- including it again (docs/development.md, "The SQL and its releases").

-- Write the ECK iDs of items into one table that asked, on behalf of one
-- role (requester: see eckid_internal.nv_item_target), in a
-- subtransaction of its own: whatever goes wrong there (the table's own
-- trigger or constraint refusing, a serialization failure, a deadlock, a
-- role that lost its rights, a renamed table) is that target's failure
-- only, recorded on its rows of nv_item_target, never the batch's or the
-- item's, which other tables share.  The table is found by the OID and
-- column numbers recorded, and written only while it and its columns still
-- have the names and types recorded (a rename is followed by
-- eckid_internal.nv_follow_renames()).  The write itself is
-- eckid_internal.nv_write_target() (C): as the table's owner,
-- security-restricted.  The answers go in as arrays that drive the UPDATE,
-- so that the table is read by its HPgn index when it has one.
CREATE OR REPLACE FUNCTION eckid_internal.nv_write_group(target_id integer, requester text, items bigint[])
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = on
	SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	t eckid_internal.nv_target;
	hs text[];
	vs eckid.eckid[];
	code text;
	msg text;
	transient boolean;
BEGIN
	SELECT g.* INTO t FROM eckid_internal.nv_target g WHERE g.id = nv_write_group.target_id;
	BEGIN
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c
						 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
						 JOIN pg_catalog.pg_attribute ha ON ha.attrelid = c.oid AND ha.attnum = t.hpgn_attnum
						 JOIN pg_catalog.pg_attribute ea ON ea.attrelid = c.oid AND ea.attnum = t.eckid_attnum
						WHERE c.oid = t.table_oid AND c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
						  AND n.nspname = t.table_schema AND c.relname = t.table_name
						  AND ha.attname = t.hpgn_column AND ea.attname = t.eckid_column
						  AND NOT ha.attisdropped AND NOT ea.attisdropped
						  AND ha.atttypid IN ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype)
						  AND ea.atttypid = 'eckid.eckid'::pg_catalog.regtype) THEN
			RAISE EXCEPTION 'table %.% is no longer the table, or no longer has the columns, that asked for ECK iDs',
				pg_catalog.quote_ident(t.table_schema), pg_catalog.quote_ident(t.table_name)
				USING ERRCODE = 'undefined_column';
		END IF;
		SELECT pg_catalog.array_agg(i.hpgn), pg_catalog.array_agg(i.value::eckid.eckid) INTO hs, vs
		  FROM eckid_internal.nv_item i
		 WHERE i.id = ANY (nv_write_group.items) AND i.value IS NOT NULL;
		IF hs IS NOT NULL THEN
			PERFORM eckid_internal.nv_write_target(t.table_oid, t.hpgn_attnum, t.eckid_attnum,
												   nv_write_group.requester, hs, vs);
		END IF;
		UPDATE eckid_internal.nv_item_target it
		   SET attempts = 0, retry_at = NULL, failed_at = NULL, error = NULL
		 WHERE it.item_id = ANY (nv_write_group.items) AND it.target_id = t.id
		   AND it.requester = nv_write_group.requester
		   AND (it.retry_at IS NOT NULL OR it.failed_at IS NOT NULL);
	EXCEPTION WHEN OTHERS THEN
		-- Another transaction's conflict, a lock, a lack of resources may
		-- pass: tried again with back-off, then failed.  Anything else (the
		-- table's constraint or trigger refusing, lost rights) fails at
		-- once; a DBA requeues once the table accepts the answers.  The
		-- message is kept as given; eckid.nv_failure shows it scrubbed.
		GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
		transient := pg_catalog.left(code, 2) IN ('40', '53', '55', '57', '58', 'XX');
		UPDATE eckid_internal.nv_item_target it
		   SET attempts = it.attempts + 1,
			   retry_at = CASE WHEN transient AND it.attempts < 5
							   THEN pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => 30 * 2 ^ it.attempts)
						  END,
			   failed_at = CASE WHEN transient AND it.attempts < 5 THEN NULL ELSE pg_catalog.now() END,
			   error = pg_catalog.left(pg_catalog.format('the answer could not be written into table %s.%s (SQLSTATE %s): %s',
														  pg_catalog.quote_ident(t.table_schema),
														  pg_catalog.quote_ident(t.table_name), code, msg), 2000)
		 WHERE it.item_id = ANY (nv_write_group.items) AND it.target_id = t.id
		   AND it.requester = nv_write_group.requester;
	END;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_write_group(integer, text, bigint[]) IS
	'write the ECK iDs of done items into one table on behalf of one role; a failure is that target''s alone';

CREATE OR REPLACE FUNCTION eckid_internal.nv_write_target(relid oid, hpgn_attnum smallint, eckid_attnum smallint,
											   requester text, hpgns text[], ids eckid.eckid[])
	RETURNS integer
	AS 'MODULE_PATHNAME', 'eckid_nv_write_target'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION eckid_internal.nv_write_target(oid, smallint, smallint, text, text[], eckid.eckid[]) IS
	'write ECK iDs into a table''s rows with the HPgns given, as its owner, security-restricted, if the role that asked still may';

-- Write the ECK iDs of items (done in this transaction) into every table
-- that asked for them, one target and role at a time.  Targets whose last
-- write failed for good are left until eckid.nv_requeue() or a new request.
CREATE OR REPLACE FUNCTION eckid_internal.nv_write_targets(items bigint[]) RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	g record;
BEGIN
	FOR g IN SELECT it.target_id, it.requester, pg_catalog.array_agg(it.item_id) AS items
			   FROM eckid_internal.nv_item_target it
			  WHERE it.item_id = ANY (nv_write_targets.items) AND it.failed_at IS NULL
			  GROUP BY it.target_id, it.requester
			  ORDER BY it.target_id, it.requester LOOP
		PERFORM eckid_internal.nv_write_group(g.target_id, g.requester, g.items);
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_write_targets(bigint[]) IS
	'write the ECK iDs of done items into the rows that asked for them';

-- Writes that failed in a way that may pass, due now: tried again (from
-- eckid.nv_claim(), which workers call all the time).  Rows locked by
-- another worker's retry are left to it.
CREATE OR REPLACE FUNCTION eckid_internal.nv_retry_targets() RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	g record;
BEGIN
	FOR g IN SELECT q.target_id, q.requester, pg_catalog.array_agg(q.item_id) AS items
			   FROM (SELECT it.item_id, it.target_id, it.requester
					   FROM eckid_internal.nv_item_target it
					   JOIN eckid_internal.nv_item i ON i.id = it.item_id
					  WHERE it.retry_at <= pg_catalog.clock_timestamp() AND i.value IS NOT NULL
					  ORDER BY it.retry_at LIMIT 10000
						FOR NO KEY UPDATE OF it SKIP LOCKED) q
			  GROUP BY q.target_id, q.requester
			  ORDER BY q.target_id, q.requester LOOP
		PERFORM eckid_internal.nv_write_group(g.target_id, g.requester, g.items);
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_retry_targets() IS
	'write again the answers whose write into a table failed in a way that may pass';

-- Why an answer of the service must not be stored, or NULL.  The format
-- is not enough: a value of the wrong kind would be written where the
-- other kind belongs (a Stampseudonym into a LAS table's ECK iD column, an
-- ECK iD kept as a pupil's Stampseudonym and sent in every later request).
-- The kinds are told apart by their segment: an ECK iD's is never that of
-- a Stampseudonym (sppilot, or that of the Stampseudonym sent), a
-- Stampseudonym's never that of an ECK iD (201703, pilot), and neither is
-- ever a locally derived value's (eckid.local_*_segment, and their
-- defaults).  Equal values for different HPgns can be right (a replaced
-- HPgn and its replacement share a Stampseudonym), so values are not
-- compared with each other.
CREATE OR REPLACE FUNCTION eckid_internal.nv_answer_problem(operation text, answer text, sent text)
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	seg text;
BEGIN
	IF answer IS NULL OR NOT eckid.is_valid(answer) THEN
		RETURN CASE WHEN operation = 'eckid' THEN 'the service answered a value that is not an ECK iD'
					ELSE 'the service answered a value that is not a Stampseudonym' END;
	END IF;
	seg := eckid.segment(answer::eckid.eckid);
	IF seg = ANY (ARRAY[pg_catalog.current_setting('eckid.local_stampseudonym_segment', true),
						pg_catalog.current_setting('eckid.local_eckid_segment', true), 'localsp', 'local']) THEN
		RETURN pg_catalog.format('the service answered a value with segment "%s", which eckid gives locally derived values', seg);
	END IF;
	IF operation = 'eckid' THEN
		IF seg = 'sppilot' OR (sent IS NOT NULL AND eckid.is_valid(sent) AND seg = eckid.segment(sent::eckid.eckid)) THEN
			RETURN pg_catalog.format('the service answered a Stampseudonym (segment "%s") where an ECK iD was asked', seg);
		END IF;
	ELSIF seg IN ('201703', 'pilot') THEN
		RETURN pg_catalog.format('the service answered an ECK iD (segment "%s") where a Stampseudonym was asked', seg);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_answer_problem(text, text, text) IS
	'why an answer of Nummervoorziening is not of the kind asked for (NULL: it is)';

-- Every statement below reads the queue by key (an item's id, an HPgn)
-- from arrays of at most one batch: its cost grows with the batch, never
-- with the queue, whatever plan the statistics of the moment suggest.
CREATE OR REPLACE FUNCTION eckid.nv_store(batch_id bigint, worker text, ok_index integer[], ok_value text[],
							   failed_index integer[], failed_message text[])
	RETURNS integer
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
	SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	b eckid_internal.nv_batch;
	oi integer[] := coalesce(nv_store.ok_index, '{}');
	ov text[] := coalesce(nv_store.ok_value, '{}');
	fi integer[] := coalesce(nv_store.failed_index, '{}');
	fm text[] := coalesce(nv_store.failed_message, '{}');
	ids bigint[];			-- ids[k + 1]: the item of index k
	bad integer;
	good_ids bigint[];
	good_vals text[];
	fail_ids bigint[];
	done_ids bigint[];
	done_hpgns text[];
	done_vals text[];
	n integer := 0;
	r record;
	problem_idx integer[];
	problems text[];
BEGIN
	IF pg_catalog.cardinality(oi) <> pg_catalog.cardinality(ov)
	   OR pg_catalog.cardinality(fi) <> pg_catalog.cardinality(fm) THEN
		RAISE EXCEPTION 'ok_index and ok_value, and failed_index and failed_message, must have the same number of elements'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	b := eckid_internal.nv_held(nv_store.batch_id, nv_store.worker);

	-- A held batch's items are numbered 0 .. n - 1 (eckid.nv_claim()); an
	-- item eckid.forget() erased meanwhile leaves its index NULL, and its
	-- answer is stored nowhere.
	SELECT pg_catalog.array_agg(i.id ORDER BY x.k) INTO ids
	  FROM pg_catalog.generate_series(0, b.items - 1) x(k)
	  LEFT JOIN eckid_internal.nv_item i ON i.batch_id = b.id AND i.state = 'claimed' AND i.item_index = x.k;
	ids := coalesce(ids, '{}');
	SELECT x INTO bad FROM pg_catalog.unnest(oi || fi) x GROUP BY x HAVING pg_catalog.count(*) > 1 LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'item % of batch % is given more than once', bad, b.id
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT x INTO bad FROM pg_catalog.unnest(oi || fi) x
	 WHERE x IS NULL OR x < 0 OR x >= pg_catalog.cardinality(ids) LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'batch % has no item %', b.id, coalesce(bad::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- An answer that is not an ECK iD (or Stampseudonym), or of the wrong
	-- kind, is a failure of its item, not of the batch.
	SELECT pg_catalog.array_agg(u.idx ORDER BY u.ord), pg_catalog.array_agg(u.problem ORDER BY u.ord)
	  INTO problem_idx, problems
	  FROM (SELECT v.idx, v.ord,
				   eckid_internal.nv_answer_problem(b.operation, v.val,
													(SELECT sp.stampseudonym::text
													   FROM eckid_internal.nv_item i
													   JOIN eckid_internal.nv_stampseudonym sp ON sp.hpgn = i.hpgn
													  WHERE i.id = ids[v.idx + 1] AND b.operation = 'eckid')) AS problem
			  FROM ROWS FROM (pg_catalog.unnest(oi), pg_catalog.unnest(ov)) WITH ORDINALITY v(idx, val, ord)) u
	 WHERE u.problem IS NOT NULL;
	problem_idx := coalesce(problem_idx, '{}');
	SELECT pg_catalog.array_agg(ids[v.idx + 1]), pg_catalog.array_agg(v.val)
	  INTO good_ids, good_vals
	  FROM ROWS FROM (pg_catalog.unnest(oi), pg_catalog.unnest(ov)) v(idx, val)
	 WHERE v.idx <> ALL (problem_idx);
	fi := fi || problem_idx;
	fm := fm || coalesce(problems, '{}');

	-- A Stampseudonym asked for an HPgn that a replacement reported after
	-- the claim makes (issue 24: the replacement was queued while the
	-- request was in flight, so the answer may be the HPgn's own value):
	-- not stored.  While the replacement is unanswered the item waits for
	-- it, as one queued after the report would, and the replacement's
	-- store completes it with the old HPgn's value; once the replacement
	-- is answered and in force, that value, already stored for the HPgn,
	-- is the item's answer and is not overwritten.  A replacement not yet
	-- in force leaves the answer as it is: until then the service gives
	-- the HPgn its own value.
	IF b.operation = 'stampseudonym' AND good_ids IS NOT NULL THEN
		WITH stale AS (
			SELECT i.id, i.hpgn, pg_catalog.bool_or(r.state = 'done') AS answered
			  FROM eckid_internal.nv_item i
			  JOIN eckid_internal.nv_item r ON r.operation = 'replace' AND r.new_hpgn = i.hpgn
			 WHERE i.id = ANY (good_ids)
			   AND (r.state <> 'done' OR r.effective_date IS NULL OR r.effective_date <= current_date)
			 GROUP BY i.id, i.hpgn
		), upd AS (
			UPDATE eckid_internal.nv_item i
			   SET state = CASE WHEN st.answered AND sp.hpgn IS NOT NULL THEN 'done' ELSE 'waiting' END,
				   value = CASE WHEN st.answered AND sp.hpgn IS NOT NULL THEN sp.stampseudonym::text END,
				   done_at = CASE WHEN st.answered AND sp.hpgn IS NOT NULL THEN now() ELSE i.done_at END,
				   again = false, retry_at = '-infinity', batch_id = NULL, item_index = NULL, error = NULL
			  FROM stale st
			  LEFT JOIN eckid_internal.nv_stampseudonym sp ON sp.hpgn = st.hpgn
			 WHERE i.id = st.id
			RETURNING i.id
		)
		SELECT pg_catalog.array_agg(v.id), pg_catalog.array_agg(v.val) INTO good_ids, good_vals
		  FROM ROWS FROM (pg_catalog.unnest(good_ids), pg_catalog.unnest(good_vals)) v(id, val)
		 WHERE v.id NOT IN (SELECT upd.id FROM upd);
	END IF;

	-- The answers.  An item asked again while it was claimed goes back to
	-- pending with its answer (written now, and again later).
	WITH upd AS (
		UPDATE eckid_internal.nv_item i
		   SET state = CASE WHEN i.again THEN 'pending' ELSE 'done' END,
			   again = false, retry_at = '-infinity', batch_id = NULL, item_index = NULL,
			   value = v.val::eckid.eckid::text, error = NULL, done_at = now()
		  FROM ROWS FROM (pg_catalog.unnest(good_ids), pg_catalog.unnest(good_vals)) v(id, val)
		 WHERE i.id = v.id
		RETURNING i.id, i.hpgn, i.value
	)
	SELECT pg_catalog.array_agg(upd.id), pg_catalog.array_agg(upd.hpgn), pg_catalog.array_agg(upd.value)
	  INTO done_ids, done_hpgns, done_vals FROM upd;
	n := coalesce(pg_catalog.cardinality(done_ids), 0);

	IF b.operation = 'stampseudonym' AND n > 0 THEN
		INSERT INTO eckid_internal.nv_stampseudonym AS s (hpgn, stampseudonym)
		SELECT v.h, v.s::eckid.eckid FROM ROWS FROM (pg_catalog.unnest(done_hpgns), pg_catalog.unnest(done_vals)) v(h, s)
		ON CONFLICT (hpgn) DO UPDATE SET stampseudonym = EXCLUDED.stampseudonym, obtained = now();
		-- ECK iD requests of these HPgns can go now (a new statement: it
		-- sees requests queued by transactions that waited for this one)
		UPDATE eckid_internal.nv_item e SET state = 'pending'
		 WHERE e.operation = 'eckid' AND e.hpgn = ANY (done_hpgns) AND e.state = 'waiting';
	ELSIF b.operation = 'eckid' AND n > 0 THEN
		PERFORM eckid_internal.nv_write_targets(done_ids);
	ELSIF b.operation = 'replace' AND n > 0 THEN
		SELECT i.hpgn, i.new_hpgn, i.effective_date, i.value INTO r
		  FROM eckid_internal.nv_item i WHERE i.id = done_ids[1];
		-- the answer is the old HPgn's Stampseudonym
		INSERT INTO eckid_internal.nv_stampseudonym (hpgn, stampseudonym)
		VALUES (r.hpgn, r.value::eckid.eckid) ON CONFLICT (hpgn) DO NOTHING;
		IF r.effective_date IS NULL OR r.effective_date <= current_date THEN
			-- in force: the new HPgn has it too
			INSERT INTO eckid_internal.nv_stampseudonym AS s (hpgn, stampseudonym)
			VALUES (r.new_hpgn, r.value::eckid.eckid)
			ON CONFLICT (hpgn) DO UPDATE SET stampseudonym = EXCLUDED.stampseudonym, obtained = now();
			UPDATE eckid_internal.nv_item s
			   SET state = 'done', value = r.value, done_at = now(), error = NULL, retry_at = '-infinity'
			 WHERE s.operation = 'stampseudonym' AND s.hpgn = r.new_hpgn AND s.state IN ('waiting', 'pending', 'failed');
			UPDATE eckid_internal.nv_item e SET state = 'pending'
			 WHERE e.operation = 'eckid' AND e.hpgn = r.new_hpgn AND e.state = 'waiting';
		ELSE
			-- until then the service gives the new HPgn its own
			UPDATE eckid_internal.nv_item s SET state = 'pending', retry_at = r.effective_date::timestamptz
			 WHERE s.operation = 'stampseudonym' AND s.hpgn = r.new_hpgn AND s.state = 'waiting';
		END IF;
	END IF;

	-- The service's reasons, as given (shown scrubbed by eckid.nv_failure).
	fail_ids := ARRAY(SELECT ids[x.idx + 1] FROM pg_catalog.unnest(fi) WITH ORDINALITY x(idx, ord) ORDER BY x.ord);
	UPDATE eckid_internal.nv_item i
	   SET state = 'failed', again = false, batch_id = NULL, item_index = NULL,
		   error = pg_catalog.left(u.msg, 2000), failed_at = now()
	  FROM ROWS FROM (pg_catalog.unnest(fail_ids), pg_catalog.unnest(fm)) u(id, msg)
	 WHERE i.id = u.id AND i.state = 'claimed';

	-- The rest waits for a later batch.
	UPDATE eckid_internal.nv_item i SET state = 'pending', batch_id = NULL, item_index = NULL
	 WHERE i.batch_id = b.id AND i.state = 'claimed';
	UPDATE eckid_internal.nv_batch nb SET state = 'done', finished = now() WHERE nb.id = b.id;
	RETURN n;
END
$$;
COMMENT ON FUNCTION eckid.nv_store(bigint, text, integer[], text[], integer[], text[]) IS
	'Nummervoorziening worker: store a batch''s answers and failures and finish it; returns the number of answers stored';

-- Privileges (docs/privileges.md): the worker's role is granted
-- eckid.nv_store(); nobody the schema eckid_internal.
REVOKE ALL ON FUNCTION eckid_internal.nv_write_targets(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_write_group(integer, text, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_write_target(oid, smallint, smallint, text, text[], eckid.eckid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_retry_targets() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_answer_problem(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_store(bigint, text, integer[], text[], integer[], text[]) FROM PUBLIC;
