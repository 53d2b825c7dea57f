-- sql/install/47_nv_worker.sql: the worker's functions, the contract with
-- eckid-nv-worker (docs/nummervoorziening.md): claiming a batch, recording
-- its submission, extending its lease, giving it back.  Storing its answers
-- is 48_nv_store.sql.  One part of the install script; see 00_schemas.sql
-- and, for the tables and the states of an item, 45_nv_tables.sql.
--
-- An upgrade script includes this file whenever one of its functions
-- changes, so it runs again on an existing database: CREATE OR REPLACE,
-- COMMENT, REVOKE only (sql/upgrade/eckid--1.1--1.2.sql includes it for the
-- objects new in 1.2).  A change of arguments or result cannot be made by
-- including it again (docs/development.md, "The SQL and its releases").

-- A text the service or a worker wrote, as it may be shown: one line, at
-- most 500 characters, every run of 32 or more hexadecimal digits (an HPgn,
-- a Stampseudonym or ECK iD digest) replaced by a mark.
CREATE OR REPLACE FUNCTION eckid_internal.nv_scrub(message text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.regexp_replace(message, '[0-9A-Fa-f]{32,}', '…', 'g'),
													 '[\r\n]+', ' ', 'g'), 500)
$$;
COMMENT ON FUNCTION eckid_internal.nv_scrub(text) IS
	'a message as it may be shown: one line, no long hexadecimal runs, at most 500 characters';

-- The arguments every contract function checks.
CREATE OR REPLACE FUNCTION eckid_internal.nv_check_worker(worker text, lease interval) RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF worker IS NULL OR worker = '' THEN
		RAISE EXCEPTION 'worker name must not be empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF pg_catalog.length(worker) > 200 THEN
		RAISE EXCEPTION 'worker name is too long'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A worker name may be at most 200 characters.';
	END IF;
	IF lease IS NULL OR lease <= '0'::interval THEN
		RAISE EXCEPTION 'lease must be a positive interval'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_check_worker(text, interval) IS
	'refuse an empty or long worker name and a lease that is not positive';

-- The batch batch_id, locked, if worker holds it; otherwise 55000.  A
-- lease that ran out is still held until another worker takes the batch
-- over (eckid.nv_claim() locks it too, with SKIP LOCKED: whoever locks it
-- first wins, the other sees the outcome).
CREATE OR REPLACE FUNCTION eckid_internal.nv_held(batch_id bigint, worker text)
	RETURNS eckid_internal.nv_batch
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
#variable_conflict use_variable
DECLARE
	b eckid_internal.nv_batch;
BEGIN
	IF current_setting('transaction_isolation') <> 'read committed' THEN
		RAISE EXCEPTION 'the Nummervoorziening queue must be used at isolation level READ COMMITTED'
			USING ERRCODE = 'active_sql_transaction';
	END IF;
	SELECT * INTO b FROM eckid_internal.nv_batch nb WHERE nb.id = batch_id FOR UPDATE;
	IF NOT FOUND OR b.state <> 'held' OR b.worker <> worker THEN
		RAISE EXCEPTION 'batch % is no longer held by worker "%"', batch_id, worker
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Another worker took it over after its lease ran out, or it was stored or released; forget it.';
	END IF;
	RETURN b;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_held(bigint, text) IS
	'the batch, locked, if the worker holds it; otherwise SQLSTATE 55000';

-- The rows eckid.nv_claim() returns for batch b.
CREATE OR REPLACE FUNCTION eckid_internal.nv_batch_items(b bigint)
	RETURNS TABLE (batch_id bigint, operation text, batch_identifier text, chain text, sector text,
				   item_index integer, hpgn text, stampseudonym text, new_hpgn text, effective_date date)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
	SELECT nb.id, nb.operation, nb.batch_identifier, nb.chain, nb.sector, i.item_index,
		   CASE WHEN nb.operation IN ('stampseudonym', 'replace') THEN i.hpgn END,
		   s.stampseudonym::text,
		   i.new_hpgn, i.effective_date
	  FROM eckid_internal.nv_batch nb
	  JOIN eckid_internal.nv_item i ON i.batch_id = nb.id AND i.state = 'claimed'
	  LEFT JOIN eckid_internal.nv_stampseudonym s ON nb.operation = 'eckid' AND s.hpgn = i.hpgn
	 WHERE nb.id = b
	 ORDER BY i.item_index
$$;
COMMENT ON FUNCTION eckid_internal.nv_batch_items(bigint) IS
	'the items of a batch as eckid.nv_claim() returns them';

CREATE OR REPLACE FUNCTION eckid.nv_claim(worker text, max_items integer, lease interval)
	RETURNS TABLE (batch_id bigint, operation text, batch_identifier text, chain text, sector text,
				   item_index integer, hpgn text, stampseudonym text, new_hpgn text, effective_date date)
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
	SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	b eckid_internal.nv_batch;
	op text;
	c text;
	s text;
	ids bigint[];
	-- the clock, not the transaction's start: leases and back-off are
	-- measured in real time (and a test can wait for them)
	t timestamptz := clock_timestamp();
BEGIN
	PERFORM eckid_internal.nv_check_worker(nv_claim.worker, nv_claim.lease);
	IF nv_claim.max_items IS NULL OR nv_claim.max_items < 1 OR nv_claim.max_items > 100000 THEN
		RAISE EXCEPTION 'max_items must be between 1 and 100000'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF current_setting('transaction_isolation') <> 'read committed' THEN
		RAISE EXCEPTION 'the Nummervoorziening queue must be used at isolation level READ COMMITTED'
			USING ERRCODE = 'active_sql_transaction';
	END IF;

	-- Answers that one table could not take yet: that table only, again.
	PERFORM eckid_internal.nv_retry_targets();

	-- (a) a batch whose worker's lease ran out: take it over as it is.
	LOOP
		SELECT * INTO b FROM eckid_internal.nv_batch nb
		 WHERE nb.state = 'held' AND nb.lease_until < t
		 ORDER BY nb.lease_until LIMIT 1
		   FOR UPDATE SKIP LOCKED;
		EXIT WHEN NOT FOUND;
		IF EXISTS (SELECT FROM eckid_internal.nv_item i WHERE i.batch_id = b.id AND i.state = 'claimed') THEN
			UPDATE eckid_internal.nv_batch nb
			   SET worker = nv_claim.worker, lease = nv_claim.lease, lease_until = t + nv_claim.lease,
				   attempts = nb.attempts + 1
			 WHERE nb.id = b.id;
			RETURN QUERY SELECT * FROM eckid_internal.nv_batch_items(b.id);
			RETURN;
		END IF;
		UPDATE eckid_internal.nv_batch nb SET state = 'done', finished = t WHERE nb.id = b.id;
	END LOOP;

	-- (b) a new batch of ready items of one operation: replacements first
	-- (a new HPgn's Stampseudonym waits for them), then Stampseudonyms
	-- (ECK iDs wait for them), then ECK iDs of one chain and sector.
	FOREACH op IN ARRAY ARRAY['replace', 'stampseudonym', 'eckid'] LOOP
		c := NULL;
		s := NULL;
		IF op = 'eckid' THEN
			SELECT i.chain, i.sector INTO c, s FROM eckid_internal.nv_item i
			 WHERE i.state = 'pending' AND i.operation = 'eckid' AND i.retry_at <= t
			 ORDER BY i.retry_at, i.id LIMIT 1
			   FOR NO KEY UPDATE SKIP LOCKED;
			CONTINUE WHEN NOT FOUND;
			SELECT pg_catalog.array_agg(q.id ORDER BY q.retry_at, q.id) INTO ids
			  FROM (SELECT i.id, i.retry_at FROM eckid_internal.nv_item i
					 WHERE i.state = 'pending' AND i.operation = 'eckid' AND i.chain = c AND i.sector = s
					   AND i.retry_at <= t
					 ORDER BY i.retry_at, i.id LIMIT nv_claim.max_items
					   FOR NO KEY UPDATE SKIP LOCKED) q;
		ELSE
			SELECT pg_catalog.array_agg(q.id ORDER BY q.retry_at, q.id) INTO ids
			  FROM (SELECT i.id, i.retry_at FROM eckid_internal.nv_item i
					 WHERE i.state = 'pending' AND i.operation = op AND i.retry_at <= t
					 ORDER BY i.retry_at, i.id LIMIT CASE WHEN op = 'replace' THEN 1 ELSE nv_claim.max_items END
					   FOR NO KEY UPDATE SKIP LOCKED) q;
		END IF;
		CONTINUE WHEN ids IS NULL;

		INSERT INTO eckid_internal.nv_batch AS nb (operation, chain, sector, worker, lease, lease_until, items)
			 VALUES (op, c, s, nv_claim.worker, nv_claim.lease, t + nv_claim.lease, pg_catalog.cardinality(ids))
		RETURNING * INTO b;
		UPDATE eckid_internal.nv_item i
		   SET state = 'claimed', batch_id = b.id, item_index = (u.ord - 1)::integer, attempts = i.attempts + 1
		  FROM pg_catalog.unnest(ids) WITH ORDINALITY AS u(id, ord)
		 WHERE i.id = u.id;
		RETURN QUERY SELECT * FROM eckid_internal.nv_batch_items(b.id);
		RETURN;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.nv_claim(text, integer, interval) IS
	'Nummervoorziening worker: hold one batch (a taken-over one or a new one) until now() + lease and return its items';

CREATE OR REPLACE FUNCTION eckid.nv_submitted(batch_id bigint, worker text, batch_identifier text)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	b eckid_internal.nv_batch;
BEGIN
	IF nv_submitted.batch_identifier IS NULL OR nv_submitted.batch_identifier = ''
	   OR pg_catalog.length(nv_submitted.batch_identifier) > 200 THEN
		RAISE EXCEPTION 'batch identifier must be between 1 and 200 characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	b := eckid_internal.nv_held(nv_submitted.batch_id, nv_submitted.worker);
	UPDATE eckid_internal.nv_batch nb
	   SET batch_identifier = nv_submitted.batch_identifier, submitted_at = now(),
		   lease_until = clock_timestamp() + nb.lease
	 WHERE nb.id = b.id;
END
$$;
COMMENT ON FUNCTION eckid.nv_submitted(bigint, text, text) IS
	'Nummervoorziening worker: store the service''s batch identifier before polling, and renew the lease';

CREATE OR REPLACE FUNCTION eckid.nv_extend(batch_id bigint, worker text, lease interval)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	b eckid_internal.nv_batch;
BEGIN
	PERFORM eckid_internal.nv_check_worker(nv_extend.worker, nv_extend.lease);
	b := eckid_internal.nv_held(nv_extend.batch_id, nv_extend.worker);
	UPDATE eckid_internal.nv_batch nb
	   SET lease = nv_extend.lease, lease_until = clock_timestamp() + nv_extend.lease
	 WHERE nb.id = b.id;
END
$$;
COMMENT ON FUNCTION eckid.nv_extend(bigint, text, interval) IS
	'Nummervoorziening worker: renew the lease on a batch while polling';

CREATE OR REPLACE FUNCTION eckid.nv_resubmit(batch_id bigint, worker text)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	b eckid_internal.nv_batch;
BEGIN
	b := eckid_internal.nv_held(nv_resubmit.batch_id, nv_resubmit.worker);
	UPDATE eckid_internal.nv_batch nb SET batch_identifier = NULL, submitted_at = NULL WHERE nb.id = b.id;
END
$$;
COMMENT ON FUNCTION eckid.nv_resubmit(bigint, text) IS
	'Nummervoorziening worker: forget the batch identifier, so that the same items are submitted again';

CREATE OR REPLACE FUNCTION eckid.nv_release(batch_id bigint, worker text, retry_after interval, error text)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
	b eckid_internal.nv_batch;
BEGIN
	IF nv_release.retry_after IS NULL OR nv_release.retry_after < '0'::interval THEN
		RAISE EXCEPTION 'retry_after must not be negative'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	b := eckid_internal.nv_held(nv_release.batch_id, nv_release.worker);
	UPDATE eckid_internal.nv_item i
	   SET state = 'pending', batch_id = NULL, item_index = NULL, retry_at = clock_timestamp() + nv_release.retry_after
	 WHERE i.batch_id = b.id AND i.state = 'claimed';
	UPDATE eckid_internal.nv_batch nb
	   SET state = 'released', finished = now(), error = eckid_internal.nv_scrub(nv_release.error)
	 WHERE nb.id = b.id;
END
$$;
COMMENT ON FUNCTION eckid.nv_release(bigint, text, interval, text) IS
	'Nummervoorziening worker: give a batch back; its items are claimable again after retry_after';

-- Privileges (docs/privileges.md): the worker's role is granted the
-- contract functions; nobody the schema eckid_internal.
REVOKE ALL ON FUNCTION eckid_internal.nv_scrub(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_check_worker(text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_held(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_batch_items(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_claim(text, integer, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_submitted(bigint, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_extend(bigint, text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_resubmit(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_release(bigint, text, interval, text) FROM PUBLIC;
