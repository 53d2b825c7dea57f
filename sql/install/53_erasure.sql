-- sql/install/53_erasure.sql: erasure and retention (issue 24):
-- eckid.forget(), which removes everything eckid holds about a pupil's
-- HPgn, and eckid.nv_purge(), which deletes finished Nummervoorziening work
-- older than eckid.nv_retention.  One part of the install script; see
-- 00_schemas.sql.  docs/data-protection-erasure.md says what is kept, for
-- how long, and how to erase.
--
-- An upgrade script includes this file whenever one of its functions
-- changes, so it runs again on an existing database: CREATE OR REPLACE,
-- COMMENT, REVOKE only.

-- Everything eckid holds about one pupil, given the HPgn the LAS holds
-- now.  A replacement record links HPgns of the same pupil (a PGN that
-- changed), and they share one Stampseudonym: erasing one HPgn alone would
-- leave the pupil's Stampseudonym and ECK iDs under the others.  So the
-- pupil's current HPgn (the newest of its chain) erases the whole chain
-- back to the first HPgn; an older HPgn of a chain is refused (55000),
-- because a newer HPgn, the pupil's current one, still carries its
-- Stampseudonym; and a chain whose older HPgn was also taken over by an
-- HPgn outside it (another pupil, as far as eckid can tell) is refused
-- (55000) rather than take that one's Stampseudonym away.  Replacement
-- records come from eckid.replace_hpgn() and from the queue's replacement
-- reports; both are followed.
--
-- Not SECURITY DEFINER: a superuser's function (42501 for anybody else,
-- even if granted), since erasure is the controller's act.  It never
-- touches the LAS's own tables: the LAS deletes its row itself.
CREATE OR REPLACE FUNCTION eckid.forget(hpgn text)
	RETURNS TABLE (kind text, removed bigint)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
	-- generic plans only: a custom plan would carry the HPgn as a constant
	SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	pupil text[];
	newer text;
	items bigint[];
	n_repl bigint;
	n_queue_repl bigint;
	n_sp bigint;
	n_items bigint;
	n_failed bigint;
	n_targets bigint;
BEGIN
	IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
		RAISE EXCEPTION 'permission denied for function forget'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only a superuser may erase what eckid holds about a pupil.';
	END IF;
	IF forget.hpgn IS NULL THEN
		RAISE EXCEPTION 'hpgn of eckid.forget must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT eckid.hpgn_is_valid(forget.hpgn) THEN
		RAISE EXCEPTION 'hpgn is not a valid HPgn'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'An HPgn is exactly 64 lowercase hexadecimal digits.';
	END IF;

	-- No replacement may be recorded or reported while the chain is read
	-- (eckid.replace_hpgn() takes the same lock; a report locks the queue's
	-- replace items it conflicts with).
	LOCK TABLE eckid.hpgn_replacement IN SHARE ROW EXCLUSIVE MODE;
	LOCK TABLE eckid_internal.nv_item IN SHARE ROW EXCLUSIVE MODE;

	-- A newer HPgn carries this one's Stampseudonym: that is the pupil's
	-- current HPgn, and erasing this one alone would break its chain.
	SELECT x.h INTO newer FROM (
		SELECT r.new_hpgn AS h FROM eckid.hpgn_replacement r WHERE r.old_hpgn = forget.hpgn
		UNION ALL
		SELECT i.new_hpgn FROM eckid_internal.nv_item i WHERE i.operation = 'replace' AND i.hpgn = forget.hpgn
	) x LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'HPgn is not the newest of its replacement chain'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'A newer HPgn of the same pupil takes over its Stampseudonym; erasing this one alone would break that chain.',
				  HINT = 'Call eckid.forget() with the newest HPgn of the chain, the HPgn of the pupil''s latest PGN (also when that replacement takes effect only later): it erases the whole chain.';
	END IF;

	-- The chain: this HPgn and every older one it takes over, by either
	-- kind of record.
	WITH RECURSIVE back(h, depth) AS (
		SELECT forget.hpgn, 0
		UNION
		SELECT o.h, b.depth + 1 FROM back b
		  CROSS JOIN LATERAL (
				SELECT r.old_hpgn AS h FROM eckid.hpgn_replacement r WHERE r.new_hpgn = b.h
				UNION ALL
				SELECT i.hpgn FROM eckid_internal.nv_item i WHERE i.operation = 'replace' AND i.new_hpgn = b.h
			) o
		 WHERE b.depth < 1000
	)
	SELECT pg_catalog.array_agg(DISTINCT back.h) INTO pupil FROM back;

	-- An older HPgn of the chain also taken over by an HPgn outside it.
	IF EXISTS (SELECT FROM eckid.hpgn_replacement r
				WHERE r.old_hpgn = ANY (pupil) AND r.new_hpgn <> ALL (pupil))
	   OR EXISTS (SELECT FROM eckid_internal.nv_item i
				   WHERE i.operation = 'replace' AND i.hpgn = ANY (pupil) AND i.new_hpgn <> ALL (pupil)) THEN
		RAISE EXCEPTION 'HPgn shares its replacement chain with another HPgn'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'An older HPgn of its chain is also taken over by an HPgn that is not in the chain; erasing the chain would take that one''s Stampseudonym away.',
				  HINT = 'Erase that HPgn first, or remove its replacement record if it was recorded in error.';
	END IF;

	DELETE FROM eckid.hpgn_replacement r WHERE r.new_hpgn = ANY (pupil) OR r.old_hpgn = ANY (pupil);
	GET DIAGNOSTICS n_repl = ROW_COUNT;
	DELETE FROM eckid_internal.nv_stampseudonym s WHERE s.hpgn = ANY (pupil);
	GET DIAGNOSTICS n_sp = ROW_COUNT;

	-- Queue items of the chain.  An item in a batch a worker holds goes
	-- too: eckid.nv_store() finds items by their index in the batch and
	-- stores nothing for one that is gone.
	SELECT pg_catalog.array_agg(i.id) INTO items FROM eckid_internal.nv_item i
	 WHERE i.hpgn = ANY (pupil) OR (i.operation = 'replace' AND i.new_hpgn = ANY (pupil));
	items := coalesce(items, '{}');
	DELETE FROM eckid_internal.nv_item_target it WHERE it.item_id = ANY (items);
	GET DIAGNOSTICS n_targets = ROW_COUNT;
	SELECT pg_catalog.count(*) FILTER (WHERE i.operation = 'replace'),
		   pg_catalog.count(*) FILTER (WHERE i.operation <> 'replace' AND i.state = 'failed'),
		   pg_catalog.count(*) FILTER (WHERE i.operation <> 'replace' AND i.state <> 'failed')
	  INTO n_queue_repl, n_failed, n_items
	  FROM eckid_internal.nv_item i WHERE i.id = ANY (items);
	DELETE FROM eckid_internal.nv_item i WHERE i.id = ANY (items);

	RETURN QUERY VALUES ('replacement record', n_repl + n_queue_repl),
						('stampseudonym', n_sp),
						('queue item', n_items),
						('failed item', n_failed),
						('target row', n_targets),
						('hpgn', pg_catalog.cardinality(pupil)::bigint);
END
$$;
COMMENT ON FUNCTION eckid.forget(text) IS
	'superuser: erase everything eckid holds about a pupil, given its current HPgn (its whole replacement chain); returns what was removed per kind';

-- Finished work of the Nummervoorziening queue older than older_than
-- (NULL: eckid.nv_retention).  Done and failed Stampseudonym and ECK iD
-- items with their target rows, and batches stored or released.  Never an
-- item waiting, pending or claimed, never a held batch; never a
-- replacement report (the record of a pupil's chain, which the queue
-- follows to tell a PGN changed back and eckid.forget() to find the
-- pupil's HPgns: removed by eckid.forget()), never a Stampseudonym (the
-- pupil's, for as long as the pupil is: removed by eckid.forget()).
-- SECURITY DEFINER so that a pg_cron job of a role granted it can run it.
CREATE OR REPLACE FUNCTION eckid.nv_purge(older_than interval DEFAULT NULL)
	RETURNS TABLE (kind text, removed bigint)
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	keep interval := coalesce(nv_purge.older_than,
							  pg_catalog.current_setting('eckid.nv_retention')::interval);
	cutoff timestamptz;
	items bigint[];
	n_targets bigint;
	n_done bigint;
	n_failed bigint;
	n_batches bigint;
BEGIN
	IF keep < '0'::interval THEN
		RAISE EXCEPTION 'older_than must not be negative'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	cutoff := pg_catalog.now() - keep;
	-- an item a concurrent request is asking again is left for next time
	SELECT pg_catalog.array_agg(q.id) INTO items
	  FROM (SELECT i.id FROM eckid_internal.nv_item i
			 WHERE i.operation IN ('stampseudonym', 'eckid')
			   AND ((i.state = 'done' AND i.done_at < cutoff) OR (i.state = 'failed' AND i.failed_at < cutoff))
			   FOR UPDATE SKIP LOCKED) q;
	items := coalesce(items, '{}');
	DELETE FROM eckid_internal.nv_item_target it WHERE it.item_id = ANY (items);
	GET DIAGNOSTICS n_targets = ROW_COUNT;
	WITH d AS (DELETE FROM eckid_internal.nv_item i WHERE i.id = ANY (items) RETURNING i.state)
	SELECT pg_catalog.count(*) FILTER (WHERE d.state = 'done'), pg_catalog.count(*) FILTER (WHERE d.state = 'failed')
	  INTO n_done, n_failed FROM d;
	DELETE FROM eckid_internal.nv_batch b
	 WHERE b.state IN ('done', 'released') AND b.finished < cutoff
	   AND NOT EXISTS (SELECT FROM eckid_internal.nv_item i WHERE i.batch_id = b.id);
	GET DIAGNOSTICS n_batches = ROW_COUNT;
	RETURN QUERY VALUES ('done item', n_done), ('failed item', n_failed), ('target row', n_targets),
						('batch', n_batches);
END
$$;
COMMENT ON FUNCTION eckid.nv_purge(interval) IS
	'delete done and failed Nummervoorziening items and finished batches older than older_than (NULL: eckid.nv_retention); returns counts per kind';

-- Privileges (docs/privileges.md): forget() is a superuser's; nv_purge()
-- is granted to whoever schedules it, if not a superuser.
REVOKE ALL ON FUNCTION eckid.forget(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_purge(interval) FROM PUBLIC;
