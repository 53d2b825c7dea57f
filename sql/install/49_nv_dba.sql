-- sql/install/49_nv_dba.sql: what a DBA sees of the Nummervoorziening queue
-- (eckid.nv_status, eckid.nv_failure, neither showing an HPgn) and does
-- with it (eckid.nv_requeue()).  One part of the install script; see
-- 00_schemas.sql and, for the tables and the states of an item,
-- 45_nv_tables.sql.
--
-- An upgrade script includes this file whenever one of its objects
-- changes, so it runs again on an existing database: CREATE OR REPLACE
-- (a view keeps its columns and may only gain new ones at the end),
-- COMMENT, REVOKE only (sql/upgrade/eckid--1.1--1.2.sql includes it for
-- the objects new in 1.2).

CREATE OR REPLACE VIEW eckid.nv_status AS
SELECT o.operation,
	   pg_catalog.count(i.id) FILTER (WHERE i.state = 'waiting') AS waiting,
	   pg_catalog.count(i.id) FILTER (WHERE i.state = 'pending' AND i.retry_at <= now()) AS pending,
	   pg_catalog.count(i.id) FILTER (WHERE i.state = 'pending' AND i.retry_at > now()) AS backing_off,
	   pg_catalog.count(i.id) FILTER (WHERE i.state = 'claimed') AS in_flight,
	   pg_catalog.count(i.id) FILTER (WHERE i.state = 'failed')
		 + CASE WHEN o.operation = 'eckid'
				THEN (SELECT pg_catalog.count(*) FROM eckid_internal.nv_item_target it WHERE it.failed_at IS NOT NULL)
				ELSE 0 END AS failed,
	   pg_catalog.count(i.id) FILTER (WHERE i.state = 'done') AS done,
	   now() - pg_catalog.min(i.enqueued) FILTER (WHERE i.state IN ('waiting', 'pending', 'claimed')) AS oldest_pending_age,
	   pg_catalog.max(i.done_at) AS last_success,
	   -- scrubbed as eckid_internal.nv_scrub() does, written out: a view
	   -- checks EXECUTE on what it calls as the role that reads it, and a
	   -- monitoring role is granted the view only
	   (SELECT pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.regexp_replace(e.msg, '[0-9A-Fa-f]{32,}', '…', 'g'), '[\r\n]+', ' ', 'g'), 500) FROM (
			(SELECT b.error, b.finished FROM eckid_internal.nv_batch b
			  WHERE b.operation = o.operation AND b.error IS NOT NULL ORDER BY b.finished DESC LIMIT 1)
			UNION ALL
			(SELECT f.error, f.failed_at FROM eckid_internal.nv_item f
			  WHERE f.operation = o.operation AND f.state = 'failed' ORDER BY f.failed_at DESC LIMIT 1)
			UNION ALL
			(SELECT it.error, it.failed_at FROM eckid_internal.nv_item_target it
			  WHERE o.operation = 'eckid' AND it.failed_at IS NOT NULL ORDER BY it.failed_at DESC LIMIT 1)
		) e(msg, at) ORDER BY e.at DESC LIMIT 1) AS last_error,
	   (SELECT pg_catalog.max(e.at) FROM (
			(SELECT b.finished FROM eckid_internal.nv_batch b
			  WHERE b.operation = o.operation AND b.error IS NOT NULL ORDER BY b.finished DESC LIMIT 1)
			UNION ALL
			(SELECT f.failed_at FROM eckid_internal.nv_item f
			  WHERE f.operation = o.operation AND f.state = 'failed' ORDER BY f.failed_at DESC LIMIT 1)
			UNION ALL
			(SELECT it.failed_at FROM eckid_internal.nv_item_target it
			  WHERE o.operation = 'eckid' AND it.failed_at IS NOT NULL ORDER BY it.failed_at DESC LIMIT 1)
		) e(at)) AS last_error_at
  FROM (VALUES (1, 'replace'), (2, 'stampseudonym'), (3, 'eckid')) o(ord, operation)
  LEFT JOIN eckid_internal.nv_item i ON i.operation = o.operation
 GROUP BY o.ord, o.operation
 ORDER BY o.ord;
REVOKE ALL ON TABLE eckid.nv_status FROM PUBLIC;
COMMENT ON VIEW eckid.nv_status IS
	'the Nummervoorziening queue per operation: waiting, pending, backing off, in flight, failed, done, oldest pending age, last success and error';
COMMENT ON COLUMN eckid.nv_status.operation IS 'replace (PGN changes), stampseudonym or eckid';
COMMENT ON COLUMN eckid.nv_status.waiting IS 'items waiting for another (an ECK iD for its Stampseudonym, a Stampseudonym for a replacement)';
COMMENT ON COLUMN eckid.nv_status.pending IS 'items a worker may claim now';
COMMENT ON COLUMN eckid.nv_status.backing_off IS 'items given back, to be claimed again later';
COMMENT ON COLUMN eckid.nv_status.in_flight IS 'items in a batch a worker holds';
COMMENT ON COLUMN eckid.nv_status.failed IS 'items the service refused (eckid.nv_failure)';
COMMENT ON COLUMN eckid.nv_status.done IS 'items answered';
COMMENT ON COLUMN eckid.nv_status.oldest_pending_age IS 'how long the oldest unanswered item has been queued';
COMMENT ON COLUMN eckid.nv_status.last_success IS 'when an answer was last stored';
COMMENT ON COLUMN eckid.nv_status.last_error IS 'the latest failure or worker error, without HPgns or pseudonyms';
COMMENT ON COLUMN eckid.nv_status.last_error_at IS 'when it happened';

-- Failed items, and failed writes of an item's answer into one table (the
-- item itself is done: the other tables that asked have it).
CREATE OR REPLACE VIEW eckid.nv_failure WITH (security_barrier) AS
SELECT i.id AS item,
	   i.operation,
	   i.chain,
	   i.sector,
	   pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.regexp_replace(i.error, '[0-9A-Fa-f]{32,}', '…', 'g'), '[\r\n]+', ' ', 'g'), 500) AS reason,
	   i.failed_at,
	   i.attempts,
	   ARRAY(SELECT DISTINCT pg_catalog.format('%I.%I', g.table_schema, g.table_name)
			   FROM eckid_internal.nv_item e
			   JOIN eckid_internal.nv_item_target it ON it.item_id = e.id
			   JOIN eckid_internal.nv_target g ON g.id = it.target_id
			  WHERE e.hpgn = i.hpgn AND e.operation = 'eckid'
				AND (i.operation <> 'eckid' OR e.id = i.id)
			  ORDER BY 1) AS tables
  FROM eckid_internal.nv_item i
 WHERE i.state = 'failed'
UNION ALL
SELECT i.id, i.operation, i.chain, i.sector,
	   pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.regexp_replace(it.error, '[0-9A-Fa-f]{32,}', '…', 'g'), '[\r\n]+', ' ', 'g'), 500),
	   it.failed_at,
	   it.attempts,
	   ARRAY[pg_catalog.format('%I.%I', g.table_schema, g.table_name)]
  FROM eckid_internal.nv_item_target it
  JOIN eckid_internal.nv_item i ON i.id = it.item_id
  JOIN eckid_internal.nv_target g ON g.id = it.target_id
 WHERE it.failed_at IS NOT NULL;
REVOKE ALL ON TABLE eckid.nv_failure FROM PUBLIC;
COMMENT ON VIEW eckid.nv_failure IS
	'Nummervoorziening items that failed, with the service''s reason and the tables waiting for them (no HPgn)';
COMMENT ON COLUMN eckid.nv_failure.item IS 'number of the item, for eckid.nv_requeue()';
COMMENT ON COLUMN eckid.nv_failure.operation IS 'replace, stampseudonym or eckid';
COMMENT ON COLUMN eckid.nv_failure.chain IS 'chain of an ECK iD request';
COMMENT ON COLUMN eckid.nv_failure.sector IS 'sector of an ECK iD request';
COMMENT ON COLUMN eckid.nv_failure.reason IS 'the service''s message, without HPgns or pseudonyms';
COMMENT ON COLUMN eckid.nv_failure.failed_at IS 'when the item failed';
COMMENT ON COLUMN eckid.nv_failure.attempts IS 'how many batches it was in (a failed write: how many writes failed)';
COMMENT ON COLUMN eckid.nv_failure.tables IS 'the tables whose rows wait for the answer';

CREATE OR REPLACE FUNCTION eckid.nv_requeue(items bigint[] DEFAULT NULL)
	RETURNS integer
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
DECLARE
	n integer;
	m integer;
BEGIN
	UPDATE eckid_internal.nv_item i
	   SET state = CASE WHEN i.operation = 'eckid'
						 AND NOT EXISTS (SELECT FROM eckid_internal.nv_stampseudonym s WHERE s.hpgn = i.hpgn)
						THEN 'waiting' ELSE 'pending' END,
		   retry_at = '-infinity', error = NULL, failed_at = NULL
	 WHERE i.state = 'failed' AND (nv_requeue.items IS NULL OR i.id = ANY (nv_requeue.items));
	GET DIAGNOSTICS n = ROW_COUNT;
	-- failed writes of an answer into one table: written again at once
	UPDATE eckid_internal.nv_item_target it
	   SET failed_at = NULL, attempts = 0, retry_at = '-infinity'
	 WHERE it.failed_at IS NOT NULL AND (nv_requeue.items IS NULL OR it.item_id = ANY (nv_requeue.items));
	GET DIAGNOSTICS m = ROW_COUNT;
	RETURN n + m;
END
$$;
COMMENT ON FUNCTION eckid.nv_requeue(bigint[]) IS
	'ask Nummervoorziening again for failed items (all, or those numbered in eckid.nv_failure.item); returns how many';

-- Privileges (docs/privileges.md): a DBA is granted the views and
-- eckid.nv_requeue().
REVOKE ALL ON FUNCTION eckid.nv_requeue(bigint[]) FROM PUBLIC;
