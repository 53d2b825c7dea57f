-- sql/install/45_nummervoorziening.sql: the Nummervoorziening queue
-- (one part of the install script; see 00_schemas.sql)

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
-- the worker reads them only through the SECURITY DEFINER functions below,
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
-- Every function here relies on READ COMMITTED: each statement sees what
-- committed before it, which is how a request that arrives while its item
-- is being stored is never lost (see eckid_internal.nv_enqueue).

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

------------------------------------------------------------------------------
-- Queueing, in the caller's transaction
------------------------------------------------------------------------------

-- A text the service or a worker wrote, as it may be shown: one line, at
-- most 500 characters, every run of 32 or more hexadecimal digits (an HPgn,
-- a Stampseudonym or ECK iD digest) replaced by a mark.
CREATE FUNCTION eckid_internal.nv_scrub(message text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.regexp_replace(message, '[0-9A-Fa-f]{32,}', '…', 'g'),
													 '[\r\n]+', ' ', 'g'), 500)
$$;
COMMENT ON FUNCTION eckid_internal.nv_scrub(text) IS
	'a message as it may be shown: one line, no long hexadecimal runs, at most 500 characters';

-- Queue a request for the ECK iD of hpgn in chain and sector, to be written
-- into column eckid_attnum of the rows of table target_oid whose column
-- hpgn_attnum holds hpgn, on behalf of role requester (0: the table's
-- trigger, that is its owner).  Called by the eckid.assign() trigger (by
-- OID, through fmgr) and by eckid.nv_request(), which check the table (not
-- temporary), its columns and the requester's rights first.
CREATE FUNCTION eckid_internal.nv_enqueue(target_oid oid, hpgn_attnum smallint, eckid_attnum smallint,
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
CREATE FUNCTION eckid_internal.nv_enqueue_replacement(old_hpgn text, new_hpgn text, effective_date date)
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

CREATE FUNCTION eckid.nv_report_replacement(old_hpgn text, new_hpgn text, effective_date date DEFAULT NULL)
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

-- eckid.nv_request() is C (src/nv_queue.c): it checks that the calling
-- role may read the HPgn column and update the ECK iD column of the table,
-- which a SECURITY DEFINER function cannot see, then calls
-- eckid_internal.nv_enqueue() through fmgr.
CREATE FUNCTION eckid.nv_request(tbl regclass, hpgn_column name, eckid_column name,
								 hpgn text, chain text, sector text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'eckid_nv_request'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION eckid.nv_request(regclass, name, name, text, text, text) IS
	'queue a request to Nummervoorziening for the ECK iD of an HPgn, written into the table''s rows with that HPgn';

------------------------------------------------------------------------------
-- The worker's functions (the contract with eckid-nv-worker)
------------------------------------------------------------------------------

-- The arguments every contract function checks.
CREATE FUNCTION eckid_internal.nv_check_worker(worker text, lease interval) RETURNS void
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
CREATE FUNCTION eckid_internal.nv_held(batch_id bigint, worker text)
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
CREATE FUNCTION eckid_internal.nv_batch_items(b bigint)
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

CREATE FUNCTION eckid.nv_claim(worker text, max_items integer, lease interval)
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

CREATE FUNCTION eckid.nv_submitted(batch_id bigint, worker text, batch_identifier text)
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

CREATE FUNCTION eckid.nv_extend(batch_id bigint, worker text, lease interval)
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

CREATE FUNCTION eckid.nv_resubmit(batch_id bigint, worker text)
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

CREATE FUNCTION eckid.nv_release(batch_id bigint, worker text, retry_after interval, error text)
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
CREATE FUNCTION eckid_internal.nv_write_group(target_id integer, requester text, items bigint[])
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

CREATE FUNCTION eckid_internal.nv_write_target(relid oid, hpgn_attnum smallint, eckid_attnum smallint,
											   requester text, hpgns text[], ids eckid.eckid[])
	RETURNS integer
	AS 'MODULE_PATHNAME', 'eckid_nv_write_target'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION eckid_internal.nv_write_target(oid, smallint, smallint, text, text[], eckid.eckid[]) IS
	'write ECK iDs into a table''s rows with the HPgns given, as its owner, security-restricted, if the role that asked still may';

-- Write the ECK iDs of items (done in this transaction) into every table
-- that asked for them, one target and role at a time.  Targets whose last
-- write failed for good are left until eckid.nv_requeue() or a new request.
CREATE FUNCTION eckid_internal.nv_write_targets(items bigint[]) RETURNS void
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
CREATE FUNCTION eckid_internal.nv_retry_targets() RETURNS void
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
CREATE FUNCTION eckid_internal.nv_answer_problem(operation text, answer text, sent text)
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
CREATE FUNCTION eckid.nv_store(batch_id bigint, worker text, ok_index integer[], ok_value text[],
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

	-- A held batch's items are numbered 0 .. n - 1 (eckid.nv_claim()).
	SELECT pg_catalog.array_agg(i.id ORDER BY i.item_index) INTO ids
	  FROM eckid_internal.nv_item i WHERE i.batch_id = b.id AND i.state = 'claimed';
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

------------------------------------------------------------------------------
-- What a DBA sees
------------------------------------------------------------------------------

CREATE VIEW eckid.nv_status AS
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
CREATE VIEW eckid.nv_failure WITH (security_barrier) AS
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

CREATE FUNCTION eckid.nv_requeue(items bigint[] DEFAULT NULL)
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

------------------------------------------------------------------------------
-- Privileges (docs/privileges.md): the worker's role is granted the
-- contract functions, an application the queueing functions, a DBA the
-- views and eckid.nv_requeue(); nobody the schema eckid_internal.
------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION eckid_internal.nv_scrub(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_target_bind() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_forget_dropped() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_follow_renames() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_enqueue(oid, smallint, smallint, text, text, text, oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_enqueue_replacement(text, text, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_check_worker(text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_held(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_batch_items(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_write_targets(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_write_group(integer, text, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_write_target(oid, smallint, smallint, text, text[], eckid.eckid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_retry_targets() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.nv_answer_problem(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_report_replacement(text, text, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_request(regclass, name, name, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_claim(text, integer, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_submitted(bigint, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_extend(bigint, text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_resubmit(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_release(bigint, text, interval, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_store(bigint, text, integer[], text[], integer[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.nv_requeue(bigint[]) FROM PUBLIC;
