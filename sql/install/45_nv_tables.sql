-- sql/install/45_nv_tables.sql: the Nummervoorziening queue's tables,
-- sequences and indexes, and the triggers that keep its record of target
-- tables true (binding a restored row, forgetting a dropped table,
-- following a rename).  One part of the install script; see 00_schemas.sql.
-- The queue's functions follow in 46_nv_queueing.sql (filling it),
-- 47_nv_worker.sql (the worker's contract), 48_nv_store.sql (storing and
-- writing the answers) and 49_nv_dba.sql (what a DBA sees and does).
--
-- Made once: CREATE TABLE, CREATE SEQUENCE, CREATE TRIGGER do not run again.
-- sql/upgrade/eckid--1.1--1.2.sql includes it because everything here is new
-- in 1.2; an upgrade from 1.2 on must not include it again, but changes a
-- table by hand (ALTER TABLE) and a trigger function here with CREATE OR
-- REPLACE written out.

------------------------------------------------------------------------------
-- Nummervoorziening: the queue of work for Kennisnet's service (issue 14)
------------------------------------------------------------------------------
-- New in 1.2: a fresh install gets it as one part of the install script,
-- an update from 1.1.0 through sql/upgrade/eckid--1.1--1.2.sql.  docs/nummervoorziening.md ("The queue")
-- describes the tables, the states of an item and the functions, and the
-- contract eckid-nv-worker relies on.
--
-- The queue is filled in the caller's transaction (the eckid.assign()
-- trigger with the flag 'nummervoorziening', eckid.nv_request(),
-- eckid.nv_report_replacement()) and worked off by eckid-nv-worker through
-- the eckid.nv_* contract functions.  Its tables hold HPgns: they live in
-- schema eckid_internal, which nobody but the extension's owner may use;
-- the worker reads them only through the SECURITY DEFINER functions of
-- 47_nv_worker.sql and 48_nv_store.sql,
-- a DBA sees the state through eckid.nv_status and eckid.nv_failure, which
-- show no HPgn.
--
-- The states of an item (docs/nummervoorziening.md has the picture):
--
--   waiting  -> pending    its prerequisite is done: the Stampseudonym of its
--                          HPgn (an ECK iD request), the replacement that
--                          makes its HPgn (a Stampseudonym request)
--   pending  -> claimed    eckid.nv_claim() put it in a batch
--   claimed  -> done       eckid.nv_store() stored its answer
--            -> failed     eckid.nv_store() recorded the service's reason
--            -> pending    eckid.nv_release(), or eckid.nv_store() left it out
--   failed   -> pending    eckid.nv_requeue()
--   done     -> pending    asked again (a new row wants the same ECK iD)
--
-- The functions that read the queue by key run with enable_seqscan = off:
-- a plan made while the queue was small (a generic plan is kept for the
-- session) would otherwise scan the whole queue for every row of a large
-- enrolment.  Every statement they run has an index to use.
--
-- Every function of the queue relies on READ COMMITTED: each statement
-- sees what committed before it, which is how a request that arrives
-- while its item is being stored is never lost (see
-- eckid_internal.nv_enqueue).

-- Numbers of batches and items: plain sequences (not identity columns), so
-- that pg_dump keeps their values with the configuration tables' rows.
CREATE SEQUENCE eckid_internal.nv_batch_id_seq;
CREATE SEQUENCE eckid_internal.nv_item_id_seq;
CREATE SEQUENCE eckid_internal.nv_target_id_seq AS integer;
REVOKE ALL ON SEQUENCE eckid_internal.nv_batch_id_seq, eckid_internal.nv_item_id_seq,
	eckid_internal.nv_target_id_seq FROM PUBLIC;
COMMENT ON SEQUENCE eckid_internal.nv_batch_id_seq IS 'numbers of Nummervoorziening batches';
COMMENT ON SEQUENCE eckid_internal.nv_item_id_seq IS 'numbers of Nummervoorziening queue items';
COMMENT ON SEQUENCE eckid_internal.nv_target_id_seq IS 'numbers of the tables and columns answers are written into';
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_batch_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_item_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_target_id_seq', '');

-- Where ECK iDs go: a table and its HPgn and ECK iD columns, by OID and
-- column number, recorded when the trigger or eckid.nv_request() first
-- asked for that table.  A dropped table's targets are forgotten by the
-- event trigger eckid_nv_forget_dropped (so that a new table that gets
-- its OID is never written); a dropped column keeps its number, marked
-- dropped, and is not written.  The names are kept current when answers
-- are written; a restored row is bound to the restored table by them
-- (eckid_internal.nv_target_bind).
CREATE TABLE eckid_internal.nv_target (
	id				integer PRIMARY KEY DEFAULT nextval('eckid_internal.nv_target_id_seq'),
	table_oid		oid NOT NULL,
	hpgn_attnum		smallint NOT NULL CHECK (hpgn_attnum > 0),
	eckid_attnum	smallint NOT NULL CHECK (eckid_attnum > 0),
	table_schema	text NOT NULL,
	table_name		text NOT NULL,
	hpgn_column		text NOT NULL,
	eckid_column	text NOT NULL,
	recorded		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (table_oid, hpgn_attnum, eckid_attnum)
);
REVOKE ALL ON TABLE eckid_internal.nv_target FROM PUBLIC;
COMMENT ON TABLE eckid_internal.nv_target IS
	'tables and columns that asked Nummervoorziening for ECK iDs: answers are written there';
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_target', '');
COMMENT ON COLUMN eckid_internal.nv_target.id IS 'number of the target';
COMMENT ON COLUMN eckid_internal.nv_target.table_oid IS 'OID of the table, recorded when it first asked';
COMMENT ON COLUMN eckid_internal.nv_target.hpgn_attnum IS 'number of its HPgn column: rows are found by it';
COMMENT ON COLUMN eckid_internal.nv_target.eckid_attnum IS 'number of its ECK iD column: the answer is written there';
COMMENT ON COLUMN eckid_internal.nv_target.table_schema IS 'schema of the table (kept current; shown by eckid.nv_failure; binds a restored row)';
COMMENT ON COLUMN eckid_internal.nv_target.table_name IS 'name of the table (kept current; shown by eckid.nv_failure; binds a restored row)';
COMMENT ON COLUMN eckid_internal.nv_target.hpgn_column IS 'name of the HPgn column (kept current; binds a restored row)';
COMMENT ON COLUMN eckid_internal.nv_target.eckid_column IS 'name of the ECK iD column (kept current; binds a restored row)';
COMMENT ON COLUMN eckid_internal.nv_target.recorded IS 'when the target was recorded';

-- A batch: the items one worker holds until lease_until.  batch_identifier
-- is the service's, stored before the worker polls (so another worker can
-- poll it after a crash).  state: held, done (stored) or released (given
-- back by eckid.nv_release()).
CREATE TABLE eckid_internal.nv_batch (
	id					bigint PRIMARY KEY DEFAULT nextval('eckid_internal.nv_batch_id_seq'),
	operation			text NOT NULL CHECK (operation IN ('replace', 'stampseudonym', 'eckid')),
	chain				text,
	sector				text,
	state				text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'done', 'released')),
	worker				text NOT NULL,
	lease				interval NOT NULL,
	lease_until			timestamptz NOT NULL,
	batch_identifier	text,
	submitted_at		timestamptz,
	attempts			integer NOT NULL DEFAULT 1,
	items				integer NOT NULL,
	created				timestamptz NOT NULL DEFAULT now(),
	finished			timestamptz,
	error				text
);
-- a lease that ran out is found without reading the finished batches
CREATE INDEX nv_batch_held_idx ON eckid_internal.nv_batch (lease_until) WHERE state = 'held';
CREATE INDEX nv_batch_error_idx ON eckid_internal.nv_batch (operation, finished) WHERE error IS NOT NULL;
REVOKE ALL ON TABLE eckid_internal.nv_batch FROM PUBLIC;
COMMENT ON TABLE eckid_internal.nv_batch IS
	'batches of Nummervoorziening work: who holds them, until when, the service''s batch identifier';
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_batch', '');
COMMENT ON COLUMN eckid_internal.nv_batch.id IS 'number of the batch (batch_id in the contract functions)';
COMMENT ON COLUMN eckid_internal.nv_batch.operation IS 'replace, stampseudonym or eckid';
COMMENT ON COLUMN eckid_internal.nv_batch.chain IS 'chain of an eckid batch, else NULL';
COMMENT ON COLUMN eckid_internal.nv_batch.sector IS 'sector of an eckid batch, else NULL';
COMMENT ON COLUMN eckid_internal.nv_batch.state IS 'held (by worker), done (stored) or released (given back)';
COMMENT ON COLUMN eckid_internal.nv_batch.worker IS 'the worker that holds or last held the batch';
COMMENT ON COLUMN eckid_internal.nv_batch.lease IS 'length of the lease, renewed by eckid.nv_submitted()';
COMMENT ON COLUMN eckid_internal.nv_batch.lease_until IS 'after this moment another worker may take the batch over';
COMMENT ON COLUMN eckid_internal.nv_batch.batch_identifier IS 'the service''s batch identifier, once submitted';
COMMENT ON COLUMN eckid_internal.nv_batch.submitted_at IS 'when the identifier was stored';
COMMENT ON COLUMN eckid_internal.nv_batch.attempts IS 'how many times the batch was claimed (1 + takeovers)';
COMMENT ON COLUMN eckid_internal.nv_batch.items IS 'number of items when claimed';
COMMENT ON COLUMN eckid_internal.nv_batch.created IS 'when the batch was formed';
COMMENT ON COLUMN eckid_internal.nv_batch.finished IS 'when it was stored or released';
COMMENT ON COLUMN eckid_internal.nv_batch.error IS 'the worker''s reason for releasing it, scrubbed';

-- The work.  operation 'stampseudonym': hpgn; 'eckid': hpgn (whose
-- Stampseudonym is sent), chain, sector; 'replace': hpgn (the old one),
-- new_hpgn, effective_date (NULL: at once).  value is the answer.  again:
-- a request arrived while the item was claimed, so once stored it is asked
-- once more (for rows that committed after the answer was written).
CREATE TABLE eckid_internal.nv_item (
	id				bigint PRIMARY KEY DEFAULT nextval('eckid_internal.nv_item_id_seq'),
	operation		text NOT NULL CHECK (operation IN ('replace', 'stampseudonym', 'eckid')),
	hpgn			text NOT NULL CHECK (eckid.hpgn_is_valid(hpgn)),
	chain			text,
	sector			text,
	new_hpgn		text CHECK (eckid.hpgn_is_valid(new_hpgn)),
	effective_date	date,
	state			text NOT NULL CHECK (state IN ('waiting', 'pending', 'claimed', 'done', 'failed')),
	retry_at		timestamptz NOT NULL DEFAULT '-infinity',
	batch_id		bigint,
	item_index		integer,
	attempts		integer NOT NULL DEFAULT 0,
	again			boolean NOT NULL DEFAULT false,
	value			text,
	error			text,
	enqueued		timestamptz NOT NULL DEFAULT now(),
	done_at			timestamptz,
	failed_at		timestamptz,
	CHECK (CASE operation
			 WHEN 'eckid' THEN chain IS NOT NULL AND sector IS NOT NULL AND new_hpgn IS NULL
			 WHEN 'replace' THEN chain IS NULL AND sector IS NULL AND new_hpgn IS NOT NULL
			 ELSE chain IS NULL AND sector IS NULL AND new_hpgn IS NULL END),
	CHECK ((state = 'claimed') = (batch_id IS NOT NULL AND item_index IS NOT NULL))
);
-- The same question asked twice is one item.
CREATE UNIQUE INDEX nv_item_stampseudonym_key ON eckid_internal.nv_item (hpgn)
	WHERE operation = 'stampseudonym';
CREATE UNIQUE INDEX nv_item_eckid_key ON eckid_internal.nv_item (hpgn, chain, sector)
	WHERE operation = 'eckid';
CREATE UNIQUE INDEX nv_item_replace_key ON eckid_internal.nv_item (hpgn, new_hpgn)
	WHERE operation = 'replace';
CREATE INDEX nv_item_replace_new_idx ON eckid_internal.nv_item (new_hpgn)
	WHERE operation = 'replace';
-- Claiming reads only the ready items, oldest first, and stops at the
-- first that must still wait (retry_at in the future): its cost does not
-- grow with the number of pending, done or failed items.
CREATE INDEX nv_item_ready_idx ON eckid_internal.nv_item (operation, retry_at, id)
	WHERE state = 'pending';
CREATE INDEX nv_item_ready_eckid_idx ON eckid_internal.nv_item (chain, sector, retry_at, id)
	WHERE state = 'pending' AND operation = 'eckid';
CREATE INDEX nv_item_batch_idx ON eckid_internal.nv_item (batch_id, item_index)
	WHERE state = 'claimed';
CREATE INDEX nv_item_failed_idx ON eckid_internal.nv_item (operation, failed_at)
	WHERE state = 'failed';
REVOKE ALL ON TABLE eckid_internal.nv_item FROM PUBLIC;
COMMENT ON TABLE eckid_internal.nv_item IS
	'Nummervoorziening work: Stampseudonyms, ECK iDs and replacements to ask for, and their answers';
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_item', '');
COMMENT ON COLUMN eckid_internal.nv_item.id IS 'number of the item (eckid.nv_failure.item)';
COMMENT ON COLUMN eckid_internal.nv_item.operation IS 'replace, stampseudonym or eckid';
COMMENT ON COLUMN eckid_internal.nv_item.hpgn IS 'the HPgn asked for (the old one for replace)';
COMMENT ON COLUMN eckid_internal.nv_item.chain IS 'chain of an eckid item';
COMMENT ON COLUMN eckid_internal.nv_item.sector IS 'sector of an eckid item';
COMMENT ON COLUMN eckid_internal.nv_item.new_hpgn IS 'the new HPgn of a replace item';
COMMENT ON COLUMN eckid_internal.nv_item.effective_date IS 'from when a replacement holds (NULL: at once)';
COMMENT ON COLUMN eckid_internal.nv_item.state IS 'waiting, pending, claimed, done or failed';
COMMENT ON COLUMN eckid_internal.nv_item.retry_at IS 'a pending item is not claimed before this moment';
COMMENT ON COLUMN eckid_internal.nv_item.batch_id IS 'the batch that holds a claimed item';
COMMENT ON COLUMN eckid_internal.nv_item.item_index IS 'its index in that batch (the SOAP batch index)';
COMMENT ON COLUMN eckid_internal.nv_item.attempts IS 'how many batches it was claimed in';
COMMENT ON COLUMN eckid_internal.nv_item.again IS 'asked again while claimed: pending again once stored';
COMMENT ON COLUMN eckid_internal.nv_item.value IS 'the answer: Stampseudonym or ECK iD';
COMMENT ON COLUMN eckid_internal.nv_item.error IS 'the service''s reason for a failed item, as given';
COMMENT ON COLUMN eckid_internal.nv_item.enqueued IS 'when it was first queued';
COMMENT ON COLUMN eckid_internal.nv_item.done_at IS 'when its answer was last stored';
COMMENT ON COLUMN eckid_internal.nv_item.failed_at IS 'when it failed';

-- Which targets asked for an ECK iD item, and on whose behalf: requester
-- is the name of the role that called eckid.nv_request(), or '' for the
-- table's own eckid.assign() trigger (its owner asked).  A name, not an
-- OID, so that pg_dump carries it to another cluster; its rights are
-- checked again, by name, whenever the answer is written.  A write that
-- failed is recorded here, for this target alone: the item itself (shared
-- by every table that asked for it) stays done.  retry_at: a failure that
-- may pass (a conflict, a lock, a lack of resources) is tried again then
-- (eckid_internal.nv_retry_targets(), from eckid.nv_claim()); failed_at:
-- it failed for good, until eckid.nv_requeue() or a new request.
CREATE TABLE eckid_internal.nv_item_target (
	item_id		bigint NOT NULL,
	target_id	integer NOT NULL,
	requester	text NOT NULL DEFAULT '',
	attempts	integer NOT NULL DEFAULT 0,
	retry_at	timestamptz,
	failed_at	timestamptz,
	error		text,
	PRIMARY KEY (item_id, target_id, requester)
);
-- the writes to try again, soonest first
CREATE INDEX nv_item_target_retry_idx ON eckid_internal.nv_item_target (retry_at) WHERE retry_at IS NOT NULL;
CREATE INDEX nv_item_target_failed_idx ON eckid_internal.nv_item_target (failed_at) WHERE failed_at IS NOT NULL;
REVOKE ALL ON TABLE eckid_internal.nv_item_target FROM PUBLIC;
COMMENT ON TABLE eckid_internal.nv_item_target IS
	'the tables an ECK iD item is written into';
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_item_target', '');
COMMENT ON COLUMN eckid_internal.nv_item_target.item_id IS 'an eckid item';
COMMENT ON COLUMN eckid_internal.nv_item_target.target_id IS 'a table that asked for it';
COMMENT ON COLUMN eckid_internal.nv_item_target.requester IS 'the role that asked (eckid.nv_request()), or empty for the table''s trigger (its owner)';
COMMENT ON COLUMN eckid_internal.nv_item_target.attempts IS 'writes of the answer into this table that failed in a row';
COMMENT ON COLUMN eckid_internal.nv_item_target.retry_at IS 'a write that may succeed later is tried again from then on';
COMMENT ON COLUMN eckid_internal.nv_item_target.failed_at IS 'when writing the answer into this table failed for good';
COMMENT ON COLUMN eckid_internal.nv_item_target.error IS 'why the last write failed, with its SQLSTATE';

-- A row of eckid_internal.nv_target restored by pg_dump holds the OID and
-- column numbers of the database it was dumped from: bind it to the
-- restored table by its names.  A row whose OID is right (every other
-- insert) is left as it is; one whose table is gone is not restored.
CREATE FUNCTION eckid_internal.nv_target_bind() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
				WHERE c.oid = NEW.table_oid AND n.nspname = NEW.table_schema AND c.relname = NEW.table_name) THEN
		RETURN NEW;
	END IF;
	SELECT c.oid, ha.attnum, ea.attnum INTO NEW.table_oid, NEW.hpgn_attnum, NEW.eckid_attnum
	  FROM pg_catalog.pg_class c
	  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	  JOIN pg_catalog.pg_attribute ha ON ha.attrelid = c.oid AND ha.attname = NEW.hpgn_column AND NOT ha.attisdropped
	  JOIN pg_catalog.pg_attribute ea ON ea.attrelid = c.oid AND ea.attname = NEW.eckid_column AND NOT ea.attisdropped
	 WHERE n.nspname = NEW.table_schema AND c.relname = NEW.table_name AND c.relkind IN ('r', 'p');
	IF NOT FOUND THEN
		RAISE WARNING 'table %.% that asked Nummervoorziening for ECK iDs does not exist; its answers will not be written',
			pg_catalog.quote_ident(NEW.table_schema), pg_catalog.quote_ident(NEW.table_name);
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_target_bind() IS
	'trigger: a restored row of eckid_internal.nv_target is bound to the restored table by name';
CREATE TRIGGER nv_target_bind BEFORE INSERT ON eckid_internal.nv_target
	FOR EACH ROW EXECUTE FUNCTION eckid_internal.nv_target_bind();
COMMENT ON TRIGGER nv_target_bind ON eckid_internal.nv_target IS
	'rows restored by pg_dump are bound to the restored tables';

-- A dropped table is no longer a target: its OID may be given to another.
CREATE FUNCTION eckid_internal.nv_forget_dropped() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	gone integer[];
BEGIN
	SELECT pg_catalog.array_agg(g.id) INTO gone
	  FROM eckid_internal.nv_target g
	 WHERE g.table_oid IN (SELECT d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d
							WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0);
	IF gone IS NULL THEN
		RETURN;			-- any other DROP: nothing more to do
	END IF;
	DELETE FROM eckid_internal.nv_item_target it WHERE it.target_id = ANY (gone);
	DELETE FROM eckid_internal.nv_target g WHERE g.id = ANY (gone);
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_forget_dropped() IS
	'event trigger: forget the Nummervoorziening targets of dropped tables';
CREATE EVENT TRIGGER eckid_nv_forget_dropped ON sql_drop
	EXECUTE FUNCTION eckid_internal.nv_forget_dropped();
COMMENT ON EVENT TRIGGER eckid_nv_forget_dropped IS
	'a dropped table is no longer written with answers from Nummervoorziening';

-- A target is written only while its table and columns have the names
-- recorded (a reused OID is never written).  So a rename by the table's
-- owner (ALTER TABLE ... RENAME, ALTER TABLE ... SET SCHEMA, ALTER SCHEMA
-- ... RENAME) is followed here, by the OID of what was altered.
CREATE FUNCTION eckid_internal.nv_follow_renames() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE eckid_internal.nv_target g
	   SET table_schema = n.nspname, table_name = c.relname, hpgn_column = ha.attname, eckid_column = ea.attname
	  FROM pg_catalog.pg_class c
	  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	  JOIN pg_catalog.pg_attribute ha ON ha.attrelid = c.oid
	  JOIN pg_catalog.pg_attribute ea ON ea.attrelid = c.oid
	 WHERE c.oid = g.table_oid AND ha.attnum = g.hpgn_attnum AND ea.attnum = g.eckid_attnum
	   AND (g.table_oid IN (SELECT d.objid FROM pg_catalog.pg_event_trigger_ddl_commands() d
						   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
			OR c.relnamespace IN (SELECT d.objid FROM pg_catalog.pg_event_trigger_ddl_commands() d
								   WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass))
	   AND (g.table_schema, g.table_name, g.hpgn_column, g.eckid_column)
		   IS DISTINCT FROM (n.nspname::text, c.relname::text, ha.attname::text, ea.attname::text);
END
$$;
COMMENT ON FUNCTION eckid_internal.nv_follow_renames() IS
	'event trigger: keep the names of Nummervoorziening targets current when their tables or columns are renamed';
CREATE EVENT TRIGGER eckid_nv_follow_renames ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA')
	EXECUTE FUNCTION eckid_internal.nv_follow_renames();
COMMENT ON EVENT TRIGGER eckid_nv_follow_renames IS
	'a renamed table keeps receiving answers from Nummervoorziening';

-- The Stampseudonym of each HPgn: asked once, used for every chain and
-- sector.  After a replacement the new HPgn has the old one's.
CREATE TABLE eckid_internal.nv_stampseudonym (
	hpgn			text PRIMARY KEY CHECK (eckid.hpgn_is_valid(hpgn)),
	stampseudonym	eckid.eckid NOT NULL,
	obtained		timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON TABLE eckid_internal.nv_stampseudonym FROM PUBLIC;
COMMENT ON TABLE eckid_internal.nv_stampseudonym IS
	'Stampseudonyms Nummervoorziening gave for HPgns';
SELECT pg_catalog.pg_extension_config_dump('eckid_internal.nv_stampseudonym', '');
COMMENT ON COLUMN eckid_internal.nv_stampseudonym.hpgn IS 'an HPgn';
COMMENT ON COLUMN eckid_internal.nv_stampseudonym.stampseudonym IS 'its Stampseudonym, from the service';
COMMENT ON COLUMN eckid_internal.nv_stampseudonym.obtained IS 'when it was stored';

-- Privileges (docs/privileges.md): nobody is granted these; they are
-- called by the triggers and event triggers only.
REVOKE ALL ON FUNCTION eckid_internal.nv_target_bind() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_forget_dropped() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_follow_renames() FROM PUBLIC;
