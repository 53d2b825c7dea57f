-- sql/install/46_nv_queueing.sql: filling the Nummervoorziening queue, in
-- the caller's transaction: eckid_internal.nv_enqueue() (called by the
-- eckid.assign() trigger with the flag 'nummervoorziening' and by
-- eckid.nv_request()), the replacement report and its queueing.  One part
-- of the install script; see 00_schemas.sql and, for the tables and the
-- states of an item, 45_nv_tables.sql.
--
-- An upgrade script includes this file whenever one of its functions
-- changes, so it runs again on an existing database: CREATE OR REPLACE,
-- COMMENT, REVOKE only (sql/upgrade/eckid--1.1--1.2.sql includes it for the
-- objects new in 1.2).  A change of arguments or result cannot be made by
-- including it again (docs/development.md, "The SQL and its releases").

-- Queue a request for the ECK iD of hpgn in chain and sector, to be written
-- into column eckid_attnum of the rows of table target_oid whose column
-- hpgn_attnum holds hpgn, on behalf of role requester (0: the table's
-- trigger, that is its owner).  Called by the eckid.assign() trigger (by
-- OID, through fmgr) and by eckid.nv_request(), which check the table (not
-- temporary), its columns and the requester's rights first.
CREATE OR REPLACE FUNCTION eckid_internal.nv_enqueue(target_oid oid, hpgn_attnum smallint, eckid_attnum smallint,
										  hpgn text, chain text, sector text, requester oid)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
	SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	t integer;
	st text;
BEGIN
	SELECT g.id INTO t FROM eckid_internal.nv_target g
	 WHERE g.table_oid = nv_enqueue.target_oid AND g.hpgn_attnum = nv_enqueue.hpgn_attnum
	   AND g.eckid_attnum = nv_enqueue.eckid_attnum;
	IF NOT FOUND THEN
		INSERT INTO eckid_internal.nv_target AS g (table_oid, hpgn_attnum, eckid_attnum, table_schema, table_name,
												   hpgn_column, eckid_column)
		SELECT c.oid, ha.attnum, ea.attnum, n.nspname, c.relname, ha.attname, ea.attname
		  FROM pg_catalog.pg_class c
		  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		  JOIN pg_catalog.pg_attribute ha ON ha.attrelid = c.oid AND ha.attnum = nv_enqueue.hpgn_attnum AND NOT ha.attisdropped
		  JOIN pg_catalog.pg_attribute ea ON ea.attrelid = c.oid AND ea.attnum = nv_enqueue.eckid_attnum AND NOT ea.attisdropped
		 WHERE c.oid = nv_enqueue.target_oid
		ON CONFLICT (table_oid, hpgn_attnum, eckid_attnum) DO UPDATE SET recorded = g.recorded
		RETURNING g.id INTO t;
		IF t IS NULL THEN
			RAISE EXCEPTION 'relation with OID % has no columns % and %', nv_enqueue.target_oid,
				nv_enqueue.hpgn_attnum, nv_enqueue.eckid_attnum
				USING ERRCODE = 'undefined_column';
		END IF;
	END IF;

	-- The Stampseudonym of the HPgn: known, or its item, made if missing.
	-- The ON CONFLICT ... DO UPDATE locks an existing item, so that a
	-- concurrent eckid.nv_store() marking it done either committed before
	-- (the state read here is 'done') or waits for this transaction and
	-- then, in its next statement, sees the ECK iD item queued here.
	IF EXISTS (SELECT FROM eckid_internal.nv_stampseudonym s WHERE s.hpgn = nv_enqueue.hpgn) THEN
		st := 'done';
	ELSE
		INSERT INTO eckid_internal.nv_item AS i (operation, hpgn, state)
			 VALUES ('stampseudonym', nv_enqueue.hpgn,
					 CASE WHEN EXISTS (SELECT FROM eckid_internal.nv_item r
										WHERE r.operation = 'replace' AND r.new_hpgn = nv_enqueue.hpgn
										  AND r.state IN ('waiting', 'pending', 'claimed', 'failed'))
						  THEN 'waiting' ELSE 'pending' END)
		ON CONFLICT (hpgn) WHERE operation = 'stampseudonym'
		DO UPDATE SET hpgn = EXCLUDED.hpgn
		RETURNING i.state INTO st;
	END IF;

	-- The ECK iD item and its target.  An item already done is asked again
	-- (the new row needs the answer written); one in a batch is asked again
	-- once stored (the new row may commit after the answer was written).
	WITH e AS (
		INSERT INTO eckid_internal.nv_item AS i (operation, hpgn, chain, sector, state)
			 VALUES ('eckid', nv_enqueue.hpgn, nv_enqueue.chain, nv_enqueue.sector,
					 CASE WHEN st = 'done' THEN 'pending' ELSE 'waiting' END)
		ON CONFLICT (hpgn, chain, sector) WHERE operation = 'eckid'
		DO UPDATE SET state = CASE WHEN i.state = 'done' THEN EXCLUDED.state ELSE i.state END,
					  retry_at = CASE WHEN i.state = 'done' THEN '-infinity' ELSE i.retry_at END,
					  again = i.again OR i.state = 'claimed'
		RETURNING i.id
	)
	INSERT INTO eckid_internal.nv_item_target AS it (item_id, target_id, requester)
	SELECT e.id, t, coalesce((SELECT a.rolname FROM pg_catalog.pg_roles a
							   WHERE a.oid = nv_enqueue.requester AND nv_enqueue.requester <> 0), '')
	  FROM e
	ON CONFLICT (item_id, target_id, requester) DO UPDATE
	   SET attempts = 0, retry_at = NULL, failed_at = NULL, error = NULL
	 WHERE it.retry_at IS NOT NULL OR it.failed_at IS NOT NULL;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_enqueue(oid, smallint, smallint, text, text, text, oid) IS
	'queue a request for an ECK iD, to be written into a table''s rows with that HPgn (the trigger and eckid.nv_request())';

-- Queue a replacement report: from effective_date on (NULL: at once)
-- new_hpgn carries the Stampseudonym of old_hpgn.  Nothing is queued when
-- the replacements already recorded make both the same pupil (a PGN
-- changed back).  The Stampseudonym of new_hpgn, if not asked yet, waits
-- for the replacement, so that it is the old one's.
CREATE OR REPLACE FUNCTION eckid_internal.nv_enqueue_replacement(old_hpgn text, new_hpgn text, effective_date date)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
	SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
	IF nv_enqueue_replacement.old_hpgn = nv_enqueue_replacement.new_hpgn THEN
		RETURN;
	END IF;
	IF EXISTS (
		WITH RECURSIVE back(h, depth) AS (
			SELECT nv_enqueue_replacement.new_hpgn, 0
			UNION
			SELECT r.hpgn, b.depth + 1 FROM back b
			  JOIN eckid_internal.nv_item r ON r.operation = 'replace' AND r.new_hpgn = b.h
			 WHERE b.depth < 1000
		),
		fwd(h, depth) AS (
			SELECT nv_enqueue_replacement.old_hpgn, 0
			UNION
			SELECT r.hpgn, f.depth + 1 FROM fwd f
			  JOIN eckid_internal.nv_item r ON r.operation = 'replace' AND r.new_hpgn = f.h
			 WHERE f.depth < 1000
		)
		SELECT FROM back JOIN fwd ON back.h = fwd.h
	) THEN
		RETURN;
	END IF;

	INSERT INTO eckid_internal.nv_item (operation, hpgn, new_hpgn, effective_date, state)
		 VALUES ('replace', nv_enqueue_replacement.old_hpgn, nv_enqueue_replacement.new_hpgn,
				 nv_enqueue_replacement.effective_date, 'pending')
	ON CONFLICT (hpgn, new_hpgn) WHERE operation = 'replace' DO NOTHING;

	UPDATE eckid_internal.nv_item s SET state = 'waiting'
	 WHERE s.operation = 'stampseudonym' AND s.hpgn = nv_enqueue_replacement.new_hpgn AND s.state = 'pending';
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_enqueue_replacement(text, text, date) IS
	'queue a report of a PGN change to Nummervoorziening (the trigger and eckid.nv_report_replacement())';

CREATE OR REPLACE FUNCTION eckid.nv_report_replacement(old_hpgn text, new_hpgn text, effective_date date DEFAULT NULL)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	IF old_hpgn IS NULL OR new_hpgn IS NULL THEN
		RAISE EXCEPTION 'old_hpgn and new_hpgn of eckid.nv_report_replacement must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF NOT eckid.hpgn_is_valid(old_hpgn) OR NOT eckid.hpgn_is_valid(new_hpgn) OR old_hpgn = new_hpgn THEN
		RAISE EXCEPTION 'old_hpgn and new_hpgn must be two different valid HPgns'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'An HPgn is exactly 64 lowercase hexadecimal digits.';
	END IF;
	PERFORM eckid_internal.nv_enqueue_replacement(old_hpgn, new_hpgn, effective_date);
END
$$;
COMMENT ON FUNCTION eckid.nv_report_replacement(text, text, date) IS
	'queue the report of a PGN change to Nummervoorziening (effective_date NULL: at once)';

-- eckid.nv_request() is C (src/nv_request.c): it checks that the calling
-- role may read the HPgn column and update the ECK iD column of the table,
-- which a SECURITY DEFINER function cannot see, then calls
-- eckid_internal.nv_enqueue() through fmgr.
CREATE OR REPLACE FUNCTION eckid.nv_request(tbl regclass, hpgn_column name, eckid_column name,
								 hpgn text, chain text, sector text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'eckid_nv_request'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION eckid.nv_request(regclass, name, name, text, text, text) IS
	'queue a request to Nummervoorziening for the ECK iD of an HPgn, written into the table''s rows with that HPgn';

-- Privileges (docs/privileges.md): an application is granted
-- eckid.nv_request() and eckid.nv_report_replacement(); nobody the schema
-- eckid_internal.
REVOKE ALL ON FUNCTION eckid_internal.nv_enqueue(oid, smallint, smallint, text, text, text, oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_enqueue_replacement(text, text, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_report_replacement(text, text, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_request(regclass, name, name, text, text, text) FROM PUBLIC;
