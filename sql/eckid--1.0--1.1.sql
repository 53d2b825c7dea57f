/* eckid--1.0--1.1.sql: row-level helpers (trigger, backfill) and hiding (masking, masked views) */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION eckid UPDATE TO '1.1'" to load this file. \quit

-- A fresh CREATE EXTENSION eckid runs eckid--1.0.sql and then this script,
-- so there is exactly one definition of every object.

-- Comments on the objects of 1.0 that had none, so that every object of
-- the extension explains itself (psql's \dT+, \df+, \do+, \d+ and \dd show
-- the comments; obj_description() returns every one).
COMMENT ON OPERATOR CLASS eckid.eckid_ops USING btree IS
	'default btree operator class of eckid: digest order, then segment; sort support with abbreviated keys';
COMMENT ON OPERATOR FAMILY eckid.eckid_ops USING btree IS
	'btree operators and support functions of eckid';
COMMENT ON OPERATOR CLASS eckid.eckid_hash_ops USING hash IS
	'default hash operator class of eckid: hash indexes, hash joins and aggregation, hash partitioning';
COMMENT ON OPERATOR FAMILY eckid.eckid_hash_ops USING hash IS
	'hash operator and support functions of eckid';
COMMENT ON COLUMN eckid.hpgn_replacement.new_hpgn IS 'the HPgn that takes over the Stampseudonym of old_hpgn';
COMMENT ON COLUMN eckid.hpgn_replacement.old_hpgn IS 'the HPgn whose Stampseudonym new_hpgn carries from effective on';
COMMENT ON COLUMN eckid.hpgn_replacement.effective IS 'from this moment on, eckid.stampseudonym(new_hpgn) follows old_hpgn';
COMMENT ON COLUMN eckid.hpgn_replacement.recorded IS 'when eckid.replace_hpgn() recorded the change';

------------------------------------------------------------------------------
-- Row-level helpers: the eckid.assign() trigger and eckid.backfill()
------------------------------------------------------------------------------

-- (section: row-level helpers)

-- The trigger.  Its arguments (docs/row-level.md) are checked against the
-- table when it first fires in a session, and again after any change of the
-- table or of eckid's functions: CREATE TRIGGER cannot check them.  Not for
-- PUBLIC: a role could attach it to a table of its own and read back the
-- HPgn of any PGN it inserts (a hash oracle).  EXECUTE is checked when the
-- trigger is created, not when it fires, so a role that may write the
-- table needs no grant at all.
CREATE FUNCTION eckid.assign() RETURNS trigger
	AS 'MODULE_PATHNAME', 'eckid_assign'
	LANGUAGE C;
COMMENT ON FUNCTION eckid.assign() IS
	'BEFORE INSERT OR UPDATE row trigger: HPgn and ECK iD from the PGN; arguments: PGN column, HPgn column or '''', ECK iD column, chain, sector [, wipe_pgn]';

-- The helpers of eckid.backfill(), in C so that the backfill applies the
-- trigger's own code.  backfill_row() hashes any PGN it is given: not for
-- PUBLIC.
CREATE FUNCTION eckid.backfill_setup(tbl regclass,
									 OUT pgn_column text, OUT hpgn_column text,
									 OUT eckid_column text, OUT wipe_pgn boolean)
	AS 'MODULE_PATHNAME', 'eckid_backfill_setup'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid.backfill_setup(regclass) IS
	'helper of eckid.backfill(): refuses a transaction block; the settings of the table''s eckid.assign() trigger';

CREATE FUNCTION eckid.backfill_row(tbl regclass, pgn text, stored_hpgn text,
								   stored_eckid eckid.eckid,
								   OUT hpgn text, OUT eckid eckid.eckid)
	AS 'MODULE_PATHNAME', 'eckid_backfill_row'
	LANGUAGE C STABLE PARALLEL SAFE COST 1000000;
COMMENT ON FUNCTION eckid.backfill_row(regclass, text, text, eckid.eckid) IS
	'helper of eckid.backfill(): the HPgn and ECK iD of one row by its eckid.assign() trigger''s rules, keeping stored values';

CREATE FUNCTION eckid.backfill_compute_ahead(tbl regclass, tableoids oid[], rows tid[])
	RETURNS integer
	AS 'MODULE_PATHNAME', 'eckid_backfill_compute_ahead'
	LANGUAGE C STRICT VOLATILE;

COMMENT ON FUNCTION eckid.backfill_compute_ahead(regclass, oid[], tid[]) IS
	'helper of eckid.backfill(): hashes the PGNs of a batch of rows (tableoid and ctid of each) at once, on eckid.scrypt_threads threads, for the rest of the transaction';

-- How Citus distributes a table (docs/scaling.md): pg_dist_partition's
-- partmethod ('h' hash, 'r' range, 'a' append, 'n' none: a reference or a
-- Citus local table), or NULL when Citus is not installed in this database
-- or does not know the table.  Citus is looked up by name in pg_catalog and
-- the table by oid: eckid does not depend on Citus.
CREATE FUNCTION eckid.citus_partmethod(tbl regclass) RETURNS "char"
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	method "char";
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT p.partmethod INTO method FROM pg_catalog.pg_dist_partition p
	 WHERE p.logicalrelid OPERATOR(pg_catalog.=) tbl::pg_catalog.oid;
	RETURN method;
END
$$;
COMMENT ON FUNCTION eckid.citus_partmethod(regclass) IS
	'how Citus distributes a table (pg_dist_partition.partmethod), or NULL without Citus or for a table Citus does not know';

-- eckid.backfill() of a Citus distributed table (docs/scaling.md): each
-- node that holds shards of the table runs eckid.backfill() on them, one
-- shard after another, all nodes at once, so that the hashing spreads over
-- the workers while each keeps one backend (one scrypt's memory at a time,
-- or eckid.scrypt_threads of them).  Returns false, having done nothing,
-- when Citus is absent or the table is not distributed.
-- The workers' commands run under the caller's name (Citus connects as the
-- current user), so the caller's own rights on the shards apply there.
-- Citus passes what they report on at DEBUG1 with the node's address:
-- shown to the caller unless the caller asked for fewer messages than
-- NOTICEs.  A cancelled backfill closes the nodes' connections; the
-- workers then stop within client_connection_check_interval.
CREATE FUNCTION eckid.backfill_distributed(tbl regclass, batch_size integer)
	RETURNS boolean
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	nodes text[];
	ports integer[];
	commands text[];
	r record;
	failed text;
BEGIN
	IF eckid.citus_partmethod(tbl) IS NULL OR eckid.citus_partmethod(tbl) OPERATOR(pg_catalog.=) 'n' THEN
		RETURN false;
	END IF;

	SELECT pg_catalog.array_agg(w.nodename ORDER BY w.nodename, w.nodeport),
		   pg_catalog.array_agg(w.nodeport ORDER BY w.nodename, w.nodeport),
		   pg_catalog.array_agg(w.command ORDER BY w.nodename, w.nodeport)
	  INTO nodes, ports, commands
	  FROM (SELECT n.nodename, n.nodeport,
				   pg_catalog.format('DO $eckid$ BEGIN PERFORM pg_catalog.set_config(''client_connection_check_interval'', ''1000'', false); %s END $eckid$',
									 pg_catalog.string_agg(pg_catalog.format('CALL eckid.backfill(%L::pg_catalog.regclass, %s);',
																			 pg_catalog.shard_name(tbl, s.shardid, false), batch_size),
														   ' ' ORDER BY s.shardid)) AS command
			  FROM pg_catalog.pg_dist_shard s
			  JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid
			  JOIN pg_catalog.pg_dist_node n ON n.groupid OPERATOR(pg_catalog.=) p.groupid
			 WHERE s.logicalrelid OPERATOR(pg_catalog.=) tbl::pg_catalog.oid
			   AND n.isactive
			 GROUP BY n.nodename, n.nodeport) w;

	IF pg_catalog.current_setting('client_min_messages') IN ('debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice') THEN
		PERFORM pg_catalog.set_config('client_min_messages', 'debug1', true);
	END IF;
	FOR r IN SELECT * FROM pg_catalog.master_run_on_worker(nodes, ports, commands, true) LOOP
		IF NOT r.success THEN
			failed := pg_catalog.format('%s:%s: %s', r.node_name, r.node_port, r.result);
		END IF;
	END LOOP;
	IF failed IS NOT NULL THEN
		RAISE EXCEPTION 'eckid.backfill of distributed table % failed on a node', tbl
			USING ERRCODE = 'external_routine_exception', DETAIL = failed,
				  HINT = 'The shards that other nodes filled keep their rows; call eckid.backfill() again to continue.';
	END IF;
	RETURN true;
END
$$;
COMMENT ON FUNCTION eckid.backfill_distributed(regclass, integer) IS
	'helper of eckid.backfill(): a Citus distributed table''s shards backfilled on their nodes, all nodes at once; false when the table is not distributed';

-- Fills the derived columns of rows written before the trigger existed, a
-- batch per transaction, so that a cancel or a crash loses at most one
-- batch and a second call continues.  SECURITY INVOKER: the caller's own
-- rights on the table apply.  No SET clause (it would forbid COMMIT), so it
-- runs with the caller's search_path, which may hold a schema where anyone
-- may create objects: every function, operator and type it names is
-- schema-qualified, and every operator's arguments have exactly the types of
-- a pg_catalog operator (casts where needed), so that no operator in another
-- schema can match better.  test/shell/search_path_traps.sh plants a trap
-- for every name used here and checks that none fires.
CREATE PROCEDURE eckid.backfill(tbl regclass, batch_size integer DEFAULT 16)
	LANGUAGE plpgsql
AS $$
DECLARE
	s record;
	need pg_catalog.text;		-- rows that need work
	pick pg_catalog.text;		-- the next batch, locked (rows others hold locked are passed over)
	pick_wait pg_catalog.text;	-- the same, waiting for rows others hold locked
	put pg_catalog.text;		-- store one row's values
	remaining pg_catalog.text;	-- how many rows still need work
	oids pg_catalog.oid[];		-- the batch: tableoid and ctid of each row
	tids pg_catalog.tid[];
	leaves pg_catalog.oid[];	-- the tables that store rows: tbl, its partitions and children
	leaf pg_catalog.oid;
	after pg_catalog.tid;		-- the batch starts after this ctid of leaf
	rewound pg_catalog.bool;		-- this pass started at the leaf's start
	waiting pg_catalog.bool;		-- this pass waits for locked rows
	skipped pg_catalog.text[] := '{}';	-- tableoid:ctid of rows with invalid values
	batch pg_catalog.int4 := 0;
	done pg_catalog.int8 := 0;
	rows_left pg_catalog.int8;
	started pg_catalog.timestamptz := pg_catalog.clock_timestamp();
	elapsed pg_catalog.float8;
	rate pg_catalog.float8;
	msg pg_catalog.text;
	target pg_catalog.text;		-- the table, schema-qualified
BEGIN
	IF tbl IS NULL OR batch_size IS NULL THEN
		RAISE EXCEPTION 'arguments of eckid.backfill must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF batch_size OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'batch_size must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	s := eckid.backfill_setup(tbl);
	-- A Citus distributed table: each node backfills its own shards.
	IF eckid.backfill_distributed(tbl, batch_size) THEN
		RETURN;
	END IF;
	-- Always schema-qualified: a regclass is written without its schema
	-- when the search_path finds it, and a table of the same name created
	-- later in a schema earlier on the path would be found instead.
	SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO STRICT target
	  FROM pg_catalog.pg_class c
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
	 WHERE c.oid OPERATOR(pg_catalog.=) tbl::pg_catalog.oid;

	-- Work: a PGN not yet hashed, an ECK iD not yet derived, and with
	-- wipe_pgn any PGN still stored.  A complete row is never selected.
	IF s.hpgn_column IS NULL THEN
		need := pg_catalog.format('%1$I IS NOT NULL AND %2$I IS NULL', s.pgn_column, s.eckid_column);
	ELSE
		need := pg_catalog.format('(%1$I IS NOT NULL AND %2$I IS NULL) OR (%3$I IS NULL AND (%1$I IS NOT NULL OR %2$I IS NOT NULL))',
								  s.pgn_column, s.hpgn_column, s.eckid_column);
	END IF;
	IF s.wipe_pgn THEN
		need := pg_catalog.format('%I IS NOT NULL OR %s', s.pgn_column, need);
	END IF;
	need := pg_catalog.format('(%s) AND (tableoid::pg_catalog.text OPERATOR(pg_catalog.||) '':'' OPERATOR(pg_catalog.||) ctid::pg_catalog.text) OPERATOR(pg_catalog.<>) ALL ($1)', need);

	-- No PGN, HPgn or ECK iD ever passes through a PL/pgSQL variable or a
	-- query parameter here: the UPDATE reads them from the row itself.  A
	-- parameter's value can be written into a plan as a constant, and plans
	-- reach the server log through auto_explain (docs/security.md).
	-- Batches in keyset order: the rows of one leaf table after the last
	-- ctid of the batch before, which a TID range scan finds without
	-- reading the pages before it, so that a backfill reads a table about
	-- once rather than once per batch.  A row whose new version an UPDATE
	-- put before that position, or a seq scan that started mid-table, is
	-- found by one more pass from the start.  Rows another transaction holds
	-- locked (another backfill's batch, an application's UPDATE) are passed
	-- over (SKIP LOCKED), so that two backfills never wait for each other's
	-- batches, which could deadlock when a wait ends on a row's newer version
	-- elsewhere in the table; a last pass from the start waits for them, and
	-- a leaf is done only when that pass finds nothing.
	pick := pg_catalog.format('SELECT pg_catalog.array_agg(b.ctid ORDER BY b.ctid) FROM (SELECT ctid FROM %s WHERE tableoid OPERATOR(pg_catalog.=) $3 AND ctid OPERATOR(pg_catalog.>) $4 AND (%s) LIMIT $2 FOR UPDATE SKIP LOCKED) b', target, need);
	pick_wait := pg_catalog.format('SELECT pg_catalog.array_agg(b.ctid ORDER BY b.ctid) FROM (SELECT ctid FROM %s WHERE tableoid OPERATOR(pg_catalog.=) $3 AND ctid OPERATOR(pg_catalog.>) $4 AND (%s) LIMIT $2 FOR UPDATE) b', target, need);
	put := pg_catalog.format('UPDATE %1$s SET (%2$s%3$I%4$s) = (SELECT %5$sv.eckid%6$s FROM eckid.backfill_row(%7$L::pg_catalog.regclass, %8$I::pg_catalog.text, %9$s, %3$I) v) WHERE tableoid OPERATOR(pg_catalog.=) $1 AND ctid OPERATOR(pg_catalog.=) $2',
							 target,
							 CASE WHEN s.hpgn_column IS NULL THEN ''
								  ELSE pg_catalog.format('%I, ', s.hpgn_column) END,
							 s.eckid_column,
							 CASE WHEN s.wipe_pgn THEN pg_catalog.format(', %I', s.pgn_column) ELSE '' END,
							 CASE WHEN s.hpgn_column IS NULL THEN '' ELSE 'v.hpgn, ' END,
							 CASE WHEN s.wipe_pgn THEN ', NULL' ELSE '' END,
							 tbl::pg_catalog.oid,
							 s.pgn_column,
							 CASE WHEN s.hpgn_column IS NULL THEN 'NULL::pg_catalog.text'
								  ELSE pg_catalog.format('%I::pg_catalog.text', s.hpgn_column) END);
	-- Counted once: rows written meanwhile are filled by the trigger.
	remaining := pg_catalog.format('SELECT pg_catalog.count(*) FROM %s WHERE %s', target, need);
	EXECUTE remaining INTO rows_left USING skipped;

	WITH RECURSIVE t(relid) AS (
		SELECT tbl::pg_catalog.oid
		UNION
		SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN t ON i.inhparent OPERATOR(pg_catalog.=) t.relid)
	SELECT pg_catalog.array_agg(t.relid ORDER BY t.relid) INTO leaves
	  FROM t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
	 WHERE c.relkind OPERATOR(pg_catalog.=) 'r'::pg_catalog."char";
	leaf := leaves[1];
	after := '(0,0)'::pg_catalog.tid;
	rewound := true;
	waiting := false;

	LOOP
		EXIT WHEN leaf IS NULL;
		IF waiting THEN
			BEGIN
				EXECUTE pick_wait INTO tids USING skipped, batch_size, leaf, after;
			EXCEPTION WHEN deadlock_detected THEN
				-- the rows this pick had locked are released with it: again
				CONTINUE;
			END;
		ELSE
			EXECUTE pick INTO tids USING skipped, batch_size, leaf, after;
		END IF;
		IF tids IS NULL THEN
			IF NOT rewound THEN
				rewound := true;
			ELSIF NOT waiting THEN
				waiting := true;
			ELSE
				leaves := leaves[2:];
				leaf := leaves[1];
				waiting := false;
			END IF;
			after := '(0,0)'::pg_catalog.tid;
			CONTINUE;
		END IF;
		rewound := false;
		waiting := false;
		after := tids[pg_catalog.cardinality(tids)];
		oids := pg_catalog.array_fill(leaf, ARRAY[pg_catalog.cardinality(tids)]);
		-- the batch's HPgns at once, on every thread allowed; the UPDATEs
		-- below then find them instead of hashing row by row
		PERFORM eckid.backfill_compute_ahead(tbl, oids, tids);
		FOR i IN 1 .. pg_catalog.cardinality(tids) LOOP
			BEGIN
				-- The trigger fires on this UPDATE and computes nothing: the
				-- PGN is unchanged or, with wipe_pgn, NULL.
				EXECUTE put USING oids[i], tids[i];
			EXCEPTION WHEN invalid_parameter_value THEN
				-- a value in the row breaks a rule: report the row by its
				-- ctid (never by a key, which might be the PGN) and go on
				GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
				RAISE WARNING 'eckid.backfill: row % of table % skipped: %', tids[i], tbl, msg;
				skipped := skipped OPERATOR(pg_catalog.||) (oids[i]::pg_catalog.text OPERATOR(pg_catalog.||) ':'::pg_catalog.text OPERATOR(pg_catalog.||) tids[i]::pg_catalog.text);
				CONTINUE;
			END;
			done := done OPERATOR(pg_catalog.+) 1::pg_catalog.int8;
		END LOOP;
		COMMIT;

		batch := batch OPERATOR(pg_catalog.+) 1;
		rows_left := GREATEST(rows_left OPERATOR(pg_catalog.-) pg_catalog.cardinality(tids)::pg_catalog.int8, 0::pg_catalog.int8);
		elapsed := pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started);
		rate := done::pg_catalog.float8 OPERATOR(pg_catalog./) GREATEST(elapsed, 0.001::pg_catalog.float8);
		RAISE NOTICE 'eckid.backfill: batch % committed: % rows done, % left, % skipped, % rows/s, about % left',
			batch, done, rows_left, pg_catalog.cardinality(skipped),
			pg_catalog.round(rate::pg_catalog.numeric, 2),
			CASE WHEN done OPERATOR(pg_catalog.=) 0::pg_catalog.int8 THEN 'unknown'::pg_catalog.text
				 ELSE pg_catalog.make_interval(secs => pg_catalog.round(rows_left::pg_catalog.float8 OPERATOR(pg_catalog./) rate))::pg_catalog.text END;
	END LOOP;

	RAISE NOTICE 'eckid.backfill: finished: % rows done, % skipped, in %',
		done, pg_catalog.cardinality(skipped),
		pg_catalog.make_interval(secs => pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started)));
END
$$;
COMMENT ON PROCEDURE eckid.backfill(regclass, integer) IS
	'fill the HPgn and ECK iD columns of rows that lack them, by the table''s eckid.assign() trigger, committing every batch_size rows';

REVOKE ALL ON FUNCTION eckid.assign() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.backfill_setup(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.backfill_row(regclass, text, text, eckid.eckid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.backfill_compute_ahead(regclass, oid[], tid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.backfill_distributed(regclass, integer) FROM PUBLIC;
REVOKE ALL ON PROCEDURE eckid.backfill(regclass, integer) FROM PUBLIC;



------------------------------------------------------------------------------
-- Hiding: eckid.mask(), eckid.pseudonymize(), masked views
------------------------------------------------------------------------------

-- (section: hiding)

-- docs/hiding.md describes everything in this section; docs/derivation.md
-- specifies the pseudonym byte for byte.

CREATE FUNCTION eckid.mask(eckid.eckid) RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_mask'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.mask(eckid.eckid) IS
	'the value with only its segment and last 6 hex digits, as https://ketenid.nl/201703/…e81960 (for logs and screens)';

CREATE FUNCTION eckid.pseudonymize(id eckid.eckid, recipient text) RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_pseudonymize'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.pseudonymize(eckid.eckid, text) IS
	'keyed pseudonym of a value for one recipient: 64 hex digits, BLAKE2b-256 with the key in eckid.key_file';

-- Masked views (docs/hiding.md, "Masked views").  A masked view is a plain
-- security_barrier view over its table, owned by the table's owner:
--
--	 SELECT t.id, eckid.mask(t.ecid) AS ecid, ... FROM s.pupils AS t
--	 SELECT t.id, eckid.masked_view_pseudonym(7, 3, t.tableoid, t.ctid) AS ecid, ...
--
-- so PostgreSQL plans a query on it as a query on the table (indexes,
-- statistics, parallel scans).  Whatever a view calls, PostgreSQL lets the
-- role that queries the view call too, with arguments of its choice.
-- eckid.mask() is keyless and public: the mask of a value one chooses
-- tells nothing new.  A pseudonym is keyed, so the view never calls
-- anything that takes the value: masked_view_pseudonym() takes the view's
-- number and column and a reference to the row, checks that the caller
-- may SELECT that column of the view and that the row is one of the
-- view's table, reads the value itself and pseudonymizes it for the
-- recipient recorded for the view.  Called directly it gives nothing the
-- view does not show.
--
-- The machinery that keeps a view in line with its table acts only on the
-- views in eckid.masked_view, found by the OIDs recorded there when they
-- were made, never on what a catalog query happens to find.  What a view
-- hides is recorded by column number, so no rename reveals it.

CREATE SEQUENCE eckid.masked_view_id_seq AS integer;
REVOKE ALL ON SEQUENCE eckid.masked_view_id_seq FROM PUBLIC;
COMMENT ON SEQUENCE eckid.masked_view_id_seq IS
	'numbers of masked views (eckid.masked_view.id)';
SELECT pg_catalog.pg_extension_config_dump('eckid.masked_view_id_seq', '');

-- The record of the masked views made.  A configuration table, so pg_dump
-- keeps its rows (the views themselves are ordinary objects it dumps
-- anyway).  OIDs and column numbers can change in a dump and restore: the
-- trigger eckid_masked_view_bind finds a restored row's view and table
-- again by the names, which the event triggers keep current.  Plain oid
-- columns, which pg_upgrade keeps (it refuses reg* columns).
CREATE TABLE eckid.masked_view (
	id				integer PRIMARY KEY DEFAULT nextval('eckid.masked_view_id_seq'),
	view_oid		oid NOT NULL UNIQUE,
	source_oid		oid NOT NULL,
	view_schema		text NOT NULL,
	view_name		text NOT NULL,
	source_schema	text NOT NULL,
	source_name		text NOT NULL,
	hide			smallint[] NOT NULL DEFAULT '{}',
	hide_names		text[] NOT NULL DEFAULT '{}',
	recipient		text CHECK (recipient <> '' AND octet_length(recipient) <= 65535),
	masked			smallint[] NOT NULL DEFAULT '{}',
	released		boolean NOT NULL DEFAULT false,
	UNIQUE (view_schema, view_name)
);
CREATE INDEX masked_view_source_oid_idx ON eckid.masked_view (source_oid);
REVOKE ALL ON TABLE eckid.masked_view FROM PUBLIC;
COMMENT ON TABLE eckid.masked_view IS
	'masked views made by eckid.create_masked_view(); maintained by eckid, read-only for everyone else';
COMMENT ON INDEX eckid.masked_view_source_oid_idx IS
	'the masked views of a table, for the event triggers';
COMMENT ON COLUMN eckid.masked_view.id IS 'number of the masked view';
COMMENT ON COLUMN eckid.masked_view.view_oid IS 'OID of the masked view';
COMMENT ON COLUMN eckid.masked_view.source_oid IS 'OID of the table the view shows';
COMMENT ON COLUMN eckid.masked_view.view_schema IS 'schema of the masked view';
COMMENT ON COLUMN eckid.masked_view.view_name IS 'name of the masked view';
COMMENT ON COLUMN eckid.masked_view.source_schema IS 'schema of the table the view shows';
COMMENT ON COLUMN eckid.masked_view.source_name IS 'name of the table the view shows';
COMMENT ON COLUMN eckid.masked_view.hide IS 'numbers of the columns of the table the view leaves out';
COMMENT ON COLUMN eckid.masked_view.hide_names IS 'every name a hidden column has had: a column that takes one of them is left out too';
COMMENT ON COLUMN eckid.masked_view.recipient IS 'recipient of the pseudonyms, or NULL for eckid.mask()';
COMMENT ON COLUMN eckid.masked_view.masked IS 'numbers of the eckid columns the view shows masked or pseudonymized';
COMMENT ON COLUMN eckid.masked_view.released IS 'true between the start and the end of an ALTER TABLE that drops or retypes columns (the view shows NULLs meanwhile)';
SELECT pg_catalog.pg_extension_config_dump('eckid.masked_view', '');

CREATE FUNCTION eckid.masked_view_pseudonym(view_id integer, view_column smallint, tableoid oid, ctid tid)
	RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_masked_view_pseudonym'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.masked_view_pseudonym(integer, smallint, oid, tid) IS
	'pseudonym shown in a column of a masked view for a row of its table (called by the view; only for roles that may SELECT that column)';

CREATE FUNCTION eckid.masked_view_grant(target regclass, grantor oid, grantee oid,
										privilege text, grantable boolean) RETURNS void
	AS 'MODULE_PATHNAME', 'eckid_masked_view_grant'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid.masked_view_grant(regclass, oid, oid, text, boolean) IS
	'GRANT a privilege on a view as the role that granted it before (when a masked view is made anew)';

-- What a column of this type is to a masked view: 'eckid' (eckid.eckid or
-- a domain over it: shown masked), 'contains' (an array, composite, range
-- or multirange that holds eckid values somewhere: cannot be masked, so it
-- is refused or left out) or 'other' (shown as it is).
CREATE FUNCTION eckid.masked_view_type_kind(typ oid, depth integer DEFAULT 0) RETURNS text
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t pg_catalog.pg_type;
BEGIN
	IF depth > 32 THEN
		RETURN 'contains';		-- fail closed on absurd nesting
	END IF;
	SELECT * INTO t FROM pg_catalog.pg_type WHERE oid = typ;
	WHILE FOUND AND t.typtype = 'd' LOOP
		SELECT * INTO t FROM pg_catalog.pg_type WHERE oid = t.typbasetype;
	END LOOP;
	IF NOT FOUND THEN
		RETURN 'other';
	END IF;
	IF t.oid = 'eckid.eckid'::pg_catalog.regtype THEN
		RETURN 'eckid';
	END IF;
	IF t.typelem <> 0 AND t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc THEN
		RETURN CASE WHEN eckid.masked_view_type_kind(t.typelem, depth + 1) = 'other'
					THEN 'other' ELSE 'contains' END;
	END IF;
	IF t.typtype = 'c' THEN
		IF EXISTS (SELECT FROM pg_catalog.pg_attribute a
					WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
					  AND eckid.masked_view_type_kind(a.atttypid, depth + 1) <> 'other') THEN
			RETURN 'contains';
		END IF;
	ELSIF t.typtype = 'r' THEN
		IF eckid.masked_view_type_kind((SELECT rngsubtype FROM pg_catalog.pg_range WHERE rngtypid = t.oid),
									   depth + 1) <> 'other' THEN
			RETURN 'contains';
		END IF;
	ELSIF t.typtype = 'm' THEN
		IF eckid.masked_view_type_kind((SELECT rngtypid FROM pg_catalog.pg_range WHERE rngmultitypid = t.oid),
									   depth + 1) <> 'other' THEN
			RETURN 'contains';
		END IF;
	END IF;
	RETURN 'other';
END
$$;
COMMENT ON FUNCTION eckid.masked_view_type_kind(oid, integer) IS
	'eckid, contains or other: how a masked view treats a column of this type';

-- What masked view view_id of table source shows, the table being as it
-- is now: the columns' names, types and expressions (eckid columns become
-- text), the hide and masked lists afterwards, the source columns each
-- expression reads as a column (deps: the view's query depends on these),
-- and the columns this plan had to leave out (refused): those whose type
-- contains eckid values without being eckid, and those shown masked so far
-- whose type is no longer eckid (an ALTER COLUMN ... TYPE text must not
-- reveal them).  A column is hidden if its number is in hide or its name
-- in hide_names.
CREATE FUNCTION eckid.masked_view_plan(
		view_id integer, source oid, hide smallint[], hide_names text[], masked smallint[],
		recipient text,
		OUT names text[], OUT types text[], OUT items text[], OUT deps smallint[],
		OUT new_hide smallint[], OUT new_hide_names text[], OUT new_masked smallint[],
		OUT refused text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	col record;
	kind text;
BEGIN
	names := '{}';
	types := '{}';
	items := '{}';
	deps := '{}';
	new_hide := '{}';
	new_hide_names := hide_names;
	new_masked := '{}';
	refused := '{}';
	FOR col IN SELECT a.attnum, a.attname::text AS name, a.atttypid, a.atttypmod
				 FROM pg_catalog.pg_attribute a
				WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
				ORDER BY a.attnum
	LOOP
		IF col.attnum = ANY (hide) OR col.name = ANY (hide_names) THEN
			new_hide := new_hide || col.attnum;
			IF NOT col.name = ANY (new_hide_names) THEN
				new_hide_names := new_hide_names || col.name;
			END IF;
			CONTINUE;
		END IF;
		kind := eckid.masked_view_type_kind(col.atttypid);
		IF kind = 'contains' OR (kind = 'other' AND col.attnum = ANY (masked)) THEN
			refused := refused || col.name;
			new_hide := new_hide || col.attnum;
			new_hide_names := new_hide_names || col.name;
			CONTINUE;
		END IF;
		names := names || col.name;
		IF kind = 'eckid' THEN
			new_masked := new_masked || col.attnum;
			types := types || 'text'::text;
			IF recipient IS NULL THEN
				items := items || pg_catalog.format('eckid.mask(t.%I)', col.name);
				deps := deps || col.attnum;
			ELSE
				-- the view's column number: the view shows columns in order
				items := items || pg_catalog.format('eckid.masked_view_pseudonym(%s, %s::pg_catalog.int2, t.tableoid, t.ctid)',
													view_id, pg_catalog.cardinality(names));
			END IF;
		ELSE
			types := types || pg_catalog.format_type(col.atttypid, col.atttypmod);
			items := items || pg_catalog.format('t.%I', col.name);
			deps := deps || col.attnum;
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_plan(integer, oid, smallint[], text[], smallint[], text) IS
	'columns, expressions, hide and masked lists of a masked view of a table as it is now';

-- CREATE [OR REPLACE] VIEW of a masked view: its query, from the names and
-- expressions of a plan (or NULL placeholders of the given types).  OR
-- REPLACE replaces the options too: pass the view's own.
CREATE FUNCTION eckid.masked_view_define(view_schema text, view_name text, source oid,
										 names text[], items text[], replace boolean, options text[])
	RETURNS oid
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	EXECUTE pg_catalog.format('CREATE %s VIEW %I.%I %s AS SELECT %s FROM %I.%I AS t',
				   CASE WHEN replace THEN 'OR REPLACE' ELSE '' END,
				   view_schema, view_name,
				   CASE WHEN pg_catalog.cardinality(options) > 0 THEN
						pg_catalog.format('WITH (%s)',
							   (SELECT pg_catalog.string_agg(pg_catalog.format('%I = %L', pg_catalog.split_part(o, '=', 1),
														 pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)), ', ')
								  FROM pg_catalog.unnest(options) AS o))
				   ELSE '' END,
				   (SELECT pg_catalog.string_agg(pg_catalog.format('%s AS %I', it, n), ', ' ORDER BY i)
					  FROM unnest(names, items) WITH ORDINALITY AS u(n, it, i)),
				   (SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
					 WHERE c.oid = source),
				   (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = source));
	RETURN (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			 WHERE n.nspname = view_schema AND c.relname = view_name);
END
$$;
COMMENT ON FUNCTION eckid.masked_view_define(text, text, oid, text[], text[], boolean, text[]) IS
	'create or replace a masked view with the given columns over its table';

-- Drop the temporary views and functions (of any session) built on masked
-- view view_oid, which is about to be dropped: they would otherwise stop
-- the owner's command.  Permanent ones stop it, as with any view.
CREATE FUNCTION eckid.masked_view_drop_temporary(view_oid oid)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	temp_dep record;
BEGIN
	FOR temp_dep IN
		SELECT DISTINCT 'VIEW' AS kind, r.ev_class::pg_catalog.regclass::text AS name
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
		  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
		 WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = view_oid
		   AND r.ev_class <> view_oid AND c.relpersistence = 't'
		UNION
		SELECT 'FUNCTION', fn.oid::pg_catalog.regprocedure::text
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_proc fn ON fn.oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = view_oid
		   AND (pg_catalog.pg_is_other_temp_schema(fn.pronamespace) OR fn.pronamespace = pg_catalog.pg_my_temp_schema())
	LOOP
		RAISE NOTICE 'dropping temporary % % with masked view %', pg_catalog.lower(temp_dep.kind), temp_dep.name,
			view_oid::pg_catalog.regclass;
		EXECUTE pg_catalog.format('DROP %s IF EXISTS %s CASCADE', temp_dep.kind, temp_dep.name);
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_drop_temporary(oid) IS
	'drop the temporary views and functions built on a masked view that is about to be dropped';

-- Bring masked view view_id in line with its table, after an ALTER TABLE
-- (or VIEW, MATERIALIZED VIEW, INDEX, FOREIGN TABLE, SCHEMA, TYPE):
-- names in the record, hide and masked lists, and the view itself when its
-- columns or their expressions must change.  Does nothing when nothing
-- changed, so that a restore, whose ALTER TABLE ... ADD CONSTRAINT
-- commands reach here, changes nothing.  A view whose columns stay as they
-- were, or only gain some at the end, is replaced in place (CREATE OR
-- REPLACE VIEW keeps its OID, owner, grants, options and comments); one
-- whose columns change otherwise is made anew with its owner, grants (with
-- their grantors), options and comments.
CREATE FUNCTION eckid.masked_view_refresh(view_id integer)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	def eckid.masked_view;
	v pg_catalog.pg_class;
	s pg_catalog.pg_class;
	v_schema text;
	s_schema text;
	p record;
	view_names text[];
	view_types text[];
	view_deps smallint[];
	n integer;
	new_vid oid;
	g record;
	view_comment text;
	comment_columns text[];
	comment_texts text[];
	msg_detail text;
BEGIN
	SELECT * INTO def FROM eckid.masked_view m WHERE m.id = view_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO v FROM pg_catalog.pg_class WHERE oid = def.view_oid AND relkind = 'v';
	IF NOT FOUND THEN
		RETURN;		-- being dropped (the sql_drop trigger forgets it)
	END IF;
	SELECT * INTO s FROM pg_catalog.pg_class WHERE oid = def.source_oid AND relkind IN ('r', 'p');
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT nspname INTO v_schema FROM pg_catalog.pg_namespace WHERE oid = v.relnamespace;
	SELECT nspname INTO s_schema FROM pg_catalog.pg_namespace WHERE oid = s.relnamespace;

	p := eckid.masked_view_plan(view_id, def.source_oid, def.hide, def.hide_names, def.masked, def.recipient);
	IF pg_catalog.cardinality(p.refused) > 0 THEN
		RAISE WARNING 'masked view %.% now leaves out column % of table %.%',
			pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname),
			pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(r) FROM pg_catalog.unnest(p.refused) AS r), ', '),
			pg_catalog.quote_ident(s_schema), pg_catalog.quote_ident(s.relname)
			USING DETAIL = 'The column''s type is not eckid.eckid, but contains eckid values or was eckid.eckid before.',
				  HINT = 'The column is now in the hide list of the masked view (eckid.masked_view).';
	END IF;
	IF pg_catalog.cardinality(p.names) = 0 THEN
		RAISE EXCEPTION 'masked view %.% would have no columns', pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname)
			USING ERRCODE = 'invalid_table_definition';
	END IF;

	SELECT coalesce(pg_catalog.array_agg(a.attname::text ORDER BY a.attnum), '{}'),
		   coalesce(pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum), '{}')
	  INTO view_names, view_types
	  FROM pg_catalog.pg_attribute a WHERE a.attrelid = v.oid AND a.attnum > 0 AND NOT a.attisdropped;
	-- the table's columns the view's query reads as columns
	SELECT coalesce(pg_catalog.array_agg(DISTINCT d.refobjsubid::smallint ORDER BY d.refobjsubid::smallint), '{}')
	  INTO view_deps
	  FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_depend d
		ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
	 WHERE r.ev_class = v.oid AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
	   AND d.refobjid = def.source_oid AND d.refobjsubid > 0;
	n := pg_catalog.cardinality(view_names);

	IF view_names IS DISTINCT FROM p.names[1:n] OR view_types IS DISTINCT FROM p.types[1:n] THEN
		RAISE DEBUG 'regenerating masked view %.%', pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname);
		view_comment := pg_catalog.obj_description(v.oid, 'pg_class');
		SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum),
			   pg_catalog.array_agg(pg_catalog.col_description(v.oid, a.attnum) ORDER BY a.attnum)
		  INTO comment_columns, comment_texts
		  FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid = v.oid AND a.attnum > 0 AND NOT a.attisdropped
		   AND pg_catalog.col_description(v.oid, a.attnum) IS NOT NULL;
		-- out of the record meanwhile, so that the sql_drop trigger leaves it
		UPDATE eckid.masked_view SET view_oid = 0 WHERE id = view_id;
		PERFORM eckid.masked_view_drop_temporary(v.oid);
		BEGIN
			EXECUTE pg_catalog.format('DROP VIEW %I.%I', v_schema, v.relname);
		EXCEPTION WHEN dependent_objects_still_exist THEN
			GET STACKED DIAGNOSTICS msg_detail = PG_EXCEPTION_DETAIL;
			RAISE EXCEPTION 'cannot regenerate masked view %.% because other objects depend on it',
				pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname)
				USING ERRCODE = 'dependent_objects_still_exist', DETAIL = msg_detail,
					  HINT = 'Drop the objects that depend on the masked view, or the masked view, and repeat the command.';
		END;
		new_vid := eckid.masked_view_define(v_schema, v.relname, def.source_oid, p.names, p.items, false,
											coalesce(v.reloptions, '{}'));
		IF (SELECT relowner FROM pg_catalog.pg_class WHERE oid = new_vid) <> v.relowner THEN
			EXECUTE pg_catalog.format('ALTER VIEW %I.%I OWNER TO %I', v_schema, v.relname,
									  pg_catalog.pg_get_userbyid(v.relowner));
		END IF;
		IF v.relacl IS NOT NULL THEN
			-- the owner's own entry is in the old ACL if the owner still has it
			EXECUTE pg_catalog.format('REVOKE ALL ON %I.%I FROM %I', v_schema, v.relname, pg_catalog.pg_get_userbyid(v.relowner));
			FOR g IN SELECT a.grantor, a.grantee, a.privilege_type, a.is_grantable
					   FROM pg_catalog.aclexplode(v.relacl) WITH ORDINALITY AS a(grantor, grantee, privilege_type, is_grantable, i)
					  ORDER BY a.grantor <> v.relowner, a.i
			LOOP
				IF g.grantor = v.relowner THEN
					-- as superuser, which GRANT records as done by the owner
					EXECUTE pg_catalog.format('GRANT %s ON %I.%I TO %s%s', g.privilege_type, v_schema, v.relname,
								   CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
								   CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
				ELSE
					PERFORM eckid.masked_view_grant(new_vid, g.grantor, g.grantee, g.privilege_type, g.is_grantable);
				END IF;
			END LOOP;
		END IF;
		IF view_comment IS NOT NULL THEN
			EXECUTE pg_catalog.format('COMMENT ON VIEW %I.%I IS %L', v_schema, v.relname, view_comment);
		END IF;
		FOR i IN 1 .. coalesce(pg_catalog.cardinality(comment_columns), 0) LOOP
			IF comment_columns[i] = ANY (p.names) THEN
				EXECUTE pg_catalog.format('COMMENT ON COLUMN %I.%I.%I IS %L', v_schema, v.relname,
							   comment_columns[i], comment_texts[i]);
			END IF;
		END LOOP;
	ELSIF def.released OR n <> pg_catalog.cardinality(p.names) OR view_deps IS DISTINCT FROM
			ARRAY(SELECT DISTINCT x FROM pg_catalog.unnest(p.deps) AS x ORDER BY x) THEN
		RAISE DEBUG 'replacing masked view %.%', pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname);
		new_vid := eckid.masked_view_define(v_schema, v.relname, def.source_oid, p.names, p.items, true,
											coalesce(v.reloptions, '{}'));
	ELSE
		new_vid := v.oid;
	END IF;
	-- without the barrier, a reader's leaky function would see the table's values
	IF NOT coalesce(v.reloptions, '{}') @> '{security_barrier=true}' THEN
		RAISE WARNING 'masked view %.% is a security barrier again', pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname)
			USING DETAIL = 'Without security_barrier, functions in the WHERE clause of a reader could see the values the view masks.';
		EXECUTE pg_catalog.format('ALTER VIEW %I.%I SET (security_barrier = true)', v_schema, v.relname);
	END IF;

	IF (def.view_oid, def.view_schema, def.view_name, def.source_schema, def.source_name,
		def.hide, def.hide_names, def.masked, def.released)
	   IS DISTINCT FROM (new_vid, v_schema, v.relname::text, s_schema, s.relname::text,
						 p.new_hide, p.new_hide_names, p.new_masked, false) THEN
		UPDATE eckid.masked_view
		   SET view_oid = new_vid, view_schema = v_schema, view_name = v.relname, source_schema = s_schema,
			   source_name = s.relname, hide = p.new_hide, hide_names = p.new_hide_names, masked = p.new_masked,
			   released = false
		 WHERE id = view_id;
	END IF;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_refresh(integer) IS
	'bring a masked view in line with its table (called by the event trigger)';

-- Before an ALTER TABLE that drops or retypes columns of a table with
-- masked views: replace each view's query by one that reads none of the
-- table's columns (NULLs of the view's column types), so that PostgreSQL
-- does not refuse the command because the view uses the column.  The
-- ddl_command_end trigger then makes the view what it must be.  All in the
-- command's transaction: if the command fails, the view is as it was.
CREATE FUNCTION eckid.masked_view_release(source oid)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	def eckid.masked_view;
	v_schema text;
	v_name text;
	options text[];
	names text[];
	items text[];
BEGIN
	FOR def IN SELECT * FROM eckid.masked_view m WHERE m.source_oid = source ORDER BY m.id FOR UPDATE LOOP
		SELECT n.nspname, c.relname, coalesce(c.reloptions, '{}') INTO v_schema, v_name, options
		  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		 WHERE c.oid = def.view_oid AND c.relkind = 'v';
		CONTINUE WHEN NOT FOUND;
		SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum),
			   pg_catalog.array_agg(pg_catalog.format('NULL::%s', pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
		  INTO names, items
		  FROM pg_catalog.pg_attribute a WHERE a.attrelid = def.view_oid AND a.attnum > 0 AND NOT a.attisdropped;
		PERFORM eckid.masked_view_define(v_schema, v_name, source, names, items, true, options);
		UPDATE eckid.masked_view SET released = true WHERE id = def.id;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_release(oid) IS
	'let an ALTER TABLE drop or retype columns that masked views of the table show (called by the event trigger)';

-- A row of eckid.masked_view restored by pg_dump holds the OIDs and column
-- numbers of the database it was dumped from: find the view and its table
-- again by name (the view's query was restored before the rows), and take
-- the hidden columns to be those of the table the restored view does not
-- show.  A row whose OIDs are right (every other insert) is left as it is.
CREATE FUNCTION eckid.masked_view_bind() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	shown text[];
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
				WHERE c.oid = NEW.view_oid AND c.relkind = 'v'
				  AND n.nspname = NEW.view_schema AND c.relname = NEW.view_name)
	   OR NEW.view_oid = 0 THEN
		RETURN NEW;
	END IF;
	SELECT c.oid INTO NEW.view_oid
	  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = NEW.view_schema AND c.relname = NEW.view_name AND c.relkind = 'v';
	SELECT c.oid INTO NEW.source_oid
	  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = NEW.source_schema AND c.relname = NEW.source_name AND c.relkind IN ('r', 'p');
	IF NEW.view_oid IS NULL OR NEW.source_oid IS NULL THEN
		RAISE EXCEPTION 'masked view %.% of table %.% does not exist',
			pg_catalog.quote_ident(NEW.view_schema), pg_catalog.quote_ident(NEW.view_name),
			pg_catalog.quote_ident(NEW.source_schema), pg_catalog.quote_ident(NEW.source_name)
			USING ERRCODE = 'undefined_table',
				  HINT = 'Restore the view and its table before the rows of eckid.masked_view.';
	END IF;
	shown := ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
					WHERE a.attrelid = NEW.view_oid AND a.attnum > 0 AND NOT a.attisdropped);
	NEW.hide := ARRAY(SELECT a.attnum FROM pg_catalog.pg_attribute a
					   WHERE a.attrelid = NEW.source_oid AND a.attnum > 0 AND NOT a.attisdropped
						 AND NOT a.attname::text = ANY (shown)
					   ORDER BY a.attnum);
	NEW.masked := ARRAY(SELECT a.attnum FROM pg_catalog.pg_attribute a
						 WHERE a.attrelid = NEW.source_oid AND a.attnum > 0 AND NOT a.attisdropped
						   AND a.attname::text = ANY (shown)
						   AND eckid.masked_view_type_kind(a.atttypid) = 'eckid'
						 ORDER BY a.attnum);
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_bind() IS
	'trigger: a restored row of eckid.masked_view is bound to the restored view and table by name';

CREATE TRIGGER masked_view_bind BEFORE INSERT ON eckid.masked_view
	FOR EACH ROW EXECUTE FUNCTION eckid.masked_view_bind();
COMMENT ON TRIGGER masked_view_bind ON eckid.masked_view IS
	'rows restored by pg_dump are bound to the restored views and tables';

CREATE FUNCTION eckid.masked_view_create(caller oid, source regclass, view_name text,
										 hide text[], recipient text)
	RETURNS regclass
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	src pg_catalog.pg_class;
	src_schema text;
	parts text[];
	v_schema text;
	v_name text;
	v_nsp oid;
	h text;
	hide_attnums smallint[] := '{}';
	attno smallint;
	p record;
	new_id integer;
	v oid;
BEGIN
	IF source IS NULL OR view_name IS NULL OR hide IS NULL THEN
		RAISE EXCEPTION 'source, view_name and hide must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO src FROM pg_catalog.pg_class WHERE oid = source;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'relation with OID % does not exist', source::oid
			USING ERRCODE = 'undefined_table';
	END IF;
	IF src.relkind NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '"%" is not a table', src.relname
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = 'Masked views can be made of ordinary and partitioned tables only.';
	END IF;
	IF src.relpersistence = 't' THEN
		RAISE EXCEPTION 'cannot make a masked view of temporary table "%"', src.relname
			USING ERRCODE = 'feature_not_supported';
	END IF;
	IF NOT pg_catalog.pg_has_role(caller, src.relowner, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', src.relname
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	-- Citus checks a view's query on the shards with the rights of the role
	-- that queries it (citusdata/citus issues 1683, 6161): only a role that
	-- may read the table could read the view (docs/scaling.md).
	IF eckid.citus_partmethod(source) IS NOT NULL THEN
		RAISE EXCEPTION 'cannot make a masked view of Citus table "%"', src.relname
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Citus checks the rights of the role that queries a view on the shards of the table, so only a role that may read the whole table could read the view.',
				  HINT = 'Let a role that may read the table store eckid.mask() or eckid.pseudonymize() of its values in a table for the reporting role; see docs/scaling.md.';
	END IF;
	-- no ALTER TABLE of the table until this transaction ends; then read it again
	EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', source::oid::pg_catalog.regclass);
	SELECT * INTO src FROM pg_catalog.pg_class WHERE oid = source;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'relation with OID % does not exist', source::oid
			USING ERRCODE = 'undefined_table';
	END IF;
	SELECT nspname INTO src_schema FROM pg_catalog.pg_namespace WHERE oid = src.relnamespace;

	parts := pg_catalog.parse_ident(view_name);
	IF pg_catalog.cardinality(parts) = 1 THEN
		v_schema := src_schema;
		v_name := parts[1];
	ELSIF pg_catalog.cardinality(parts) = 2 THEN
		v_schema := parts[1];
		v_name := parts[2];
	ELSE
		RAISE EXCEPTION 'improper qualified name (too many dotted names): %', view_name
			USING ERRCODE = 'syntax_error';
	END IF;
	IF pg_catalog.octet_length(v_name) >= 64 THEN
		RAISE EXCEPTION 'view name "%" is too long', v_name
			USING ERRCODE = 'name_too_long', DETAIL = 'Names are at most 63 bytes.';
	END IF;
	SELECT oid INTO v_nsp FROM pg_catalog.pg_namespace WHERE nspname = v_schema;
	IF NOT FOUND OR v_schema LIKE 'pg\_temp%' THEN
		RAISE EXCEPTION 'schema "%" does not exist', v_schema
			USING ERRCODE = 'invalid_schema_name';
	END IF;
	IF NOT pg_catalog.has_schema_privilege(caller, v_nsp, 'CREATE') THEN
		RAISE EXCEPTION 'permission denied for schema %', v_schema
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_class WHERE relnamespace = v_nsp AND relname = v_name) THEN
		RAISE EXCEPTION 'relation "%" already exists', v_name
			USING ERRCODE = 'duplicate_table';
	END IF;

	FOREACH h IN ARRAY hide LOOP
		IF h IS NULL THEN
			RAISE EXCEPTION 'hide must not contain null'
				USING ERRCODE = 'null_value_not_allowed';
		END IF;
		SELECT attnum INTO attno FROM pg_catalog.pg_attribute
		 WHERE attrelid = source AND attname = h AND attnum > 0 AND NOT attisdropped;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', h, src.relname
				USING ERRCODE = 'undefined_column',
					  HINT = 'Every name in hide must be a column of the source table.';
		END IF;
		IF NOT attno = ANY (hide_attnums) THEN
			hide_attnums := hide_attnums || attno;
		END IF;
	END LOOP;

	IF recipient IS NOT NULL THEN
		IF recipient = '' THEN
			RAISE EXCEPTION 'recipient must not be empty'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF pg_catalog.octet_length(recipient) > 65535 THEN
			RAISE EXCEPTION 'recipient is too long'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'A recipient may be at most 65535 bytes.';
		END IF;
		IF NOT pg_catalog.has_function_privilege(src.relowner, 'eckid.pseudonymize(eckid.eckid, text)', 'EXECUTE') THEN
			RAISE EXCEPTION 'owner of table % may not execute eckid.pseudonymize()', src.relname
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = 'A masked view computes its pseudonyms with the rights of its owner, the owner of the table.',
					  HINT = pg_catalog.format('GRANT EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) TO %I;',
									pg_catalog.pg_get_userbyid(src.relowner));
		END IF;
	END IF;

	new_id := pg_catalog.nextval('eckid.masked_view_id_seq');
	p := eckid.masked_view_plan(new_id, source, hide_attnums, '{}', '{}', recipient);
	IF pg_catalog.cardinality(p.refused) > 0 THEN
		RAISE EXCEPTION 'column "%" of relation "%" cannot be masked', p.refused[1], src.relname
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Its type contains eckid values but is not eckid.eckid or a domain over it.',
				  HINT = 'Add the column to hide.';
	END IF;
	IF pg_catalog.cardinality(p.names) = 0 THEN
		RAISE EXCEPTION 'masked view would have no columns'
			USING ERRCODE = 'invalid_table_definition';
	END IF;

	v := eckid.masked_view_define(v_schema, v_name, source, p.names, p.items, false, '{security_barrier=true}');
	EXECUTE pg_catalog.format('ALTER VIEW %I.%I OWNER TO %I', v_schema, v_name, pg_catalog.pg_get_userbyid(src.relowner));
	INSERT INTO eckid.masked_view (id, view_oid, source_oid, view_schema, view_name, source_schema, source_name,
								   hide, hide_names, recipient, masked)
		VALUES (new_id, v, source, v_schema, v_name, src_schema, src.relname, p.new_hide, p.new_hide_names,
				recipient, p.new_masked);
	RETURN v;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_create(oid, regclass, text, text[], text) IS
	'the work of eckid.create_masked_view(), for the calling role given as the first argument';

CREATE FUNCTION eckid.masked_view_drop(caller oid, target regclass)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id integer;
	owner oid;
BEGIN
	IF target IS NULL THEN
		RAISE EXCEPTION 'view must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT m.id INTO v_id FROM eckid.masked_view m WHERE m.view_oid = target::oid;
	IF NOT FOUND THEN
		RAISE EXCEPTION '"%" is not a masked view', target
			USING ERRCODE = 'wrong_object_type';
	END IF;
	SELECT relowner INTO owner FROM pg_catalog.pg_class WHERE oid = target;
	IF NOT pg_catalog.pg_has_role(caller, owner, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of view %', target
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	PERFORM eckid.masked_view_drop_temporary(target);
	EXECUTE pg_catalog.format('DROP VIEW %s', target);
	DELETE FROM eckid.masked_view WHERE id = v_id;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_drop(oid, regclass) IS
	'the work of eckid.drop_masked_view(), for the calling role given as the first argument';

CREATE FUNCTION eckid.create_masked_view(source regclass, view_name text,
										 hide text[] DEFAULT '{}', recipient text DEFAULT NULL)
	RETURNS regclass
	AS 'MODULE_PATHNAME', 'eckid_create_masked_view'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION eckid.create_masked_view(regclass, text, text[], text) IS
	'make a view of a table with eckid columns masked (or pseudonymized for recipient) and the hide columns left out';

CREATE FUNCTION eckid.drop_masked_view(view regclass)
	RETURNS void
	AS 'MODULE_PATHNAME', 'eckid_drop_masked_view'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION eckid.drop_masked_view(regclass) IS
	'drop a masked view and its definition';

-- Before ALTER TABLE: see eckid.masked_view_release().  In C, which alone
-- sees the command's parse tree (which table, which subcommands).
CREATE FUNCTION eckid.masked_view_before_ddl() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'eckid_masked_view_before_ddl'
	LANGUAGE C;
COMMENT ON FUNCTION eckid.masked_view_before_ddl() IS
	'event trigger: let ALTER TABLE drop or retype a column that a masked view of the table shows';

-- Following ALTER TABLE, ALTER VIEW, ALTER SCHEMA and every other command
-- that can rename or retype a column of a table, or change what a type
-- holds.  SECURITY DEFINER: it remakes views owned by others.  It acts on
-- the masked views whose recorded view or table is the altered relation;
-- a schema or type change may touch any of them, so it checks all.
CREATE FUNCTION eckid.masked_view_follow_ddl() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cmd record;
	v_id integer;
	everything boolean := false;
	rels oid[] := '{}';
BEGIN
	FOR cmd IN SELECT * FROM pg_catalog.pg_event_trigger_ddl_commands() LOOP
		IF cmd.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
		   OR cmd.command_tag IN ('ALTER TYPE', 'ALTER DOMAIN') THEN
			everything := true;
		ELSIF cmd.classid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
			rels := rels || cmd.objid;
		END IF;
	END LOOP;
	FOR v_id IN SELECT m.id FROM eckid.masked_view m
				 WHERE everything OR m.source_oid = ANY (rels) OR m.view_oid = ANY (rels)
				 ORDER BY m.id LOOP
		PERFORM eckid.masked_view_refresh(v_id);
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_follow_ddl() IS
	'event trigger: regenerate the masked views of an altered table; keep names current';

-- After a DROP: forget the masked views that are gone (dropped by hand, or
-- with their table by DROP ... CASCADE), by their recorded OIDs.
CREATE FUNCTION eckid.masked_view_forget_dropped() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM eckid.masked_view m
	 WHERE m.view_oid IN (SELECT d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d
						   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0);
END
$$;
COMMENT ON FUNCTION eckid.masked_view_forget_dropped() IS
	'event trigger: remove the definitions of masked views that were dropped';

CREATE EVENT TRIGGER eckid_masked_view_before_ddl ON ddl_command_start
	WHEN TAG IN ('ALTER TABLE')
	EXECUTE FUNCTION eckid.masked_view_before_ddl();
COMMENT ON EVENT TRIGGER eckid_masked_view_before_ddl IS
	'ALTER TABLE may drop or retype a column that a masked view shows';

CREATE EVENT TRIGGER eckid_masked_view_follow_ddl ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER SCHEMA', 'ALTER MATERIALIZED VIEW', 'ALTER INDEX',
				 'ALTER FOREIGN TABLE', 'ALTER TYPE', 'ALTER DOMAIN')
	EXECUTE FUNCTION eckid.masked_view_follow_ddl();
COMMENT ON EVENT TRIGGER eckid_masked_view_follow_ddl IS
	'masked views follow ALTER TABLE on their source, renames and type changes';

CREATE EVENT TRIGGER eckid_masked_view_forget_dropped ON sql_drop
	EXECUTE FUNCTION eckid.masked_view_forget_dropped();
COMMENT ON EVENT TRIGGER eckid_masked_view_forget_dropped IS
	'a dropped masked view takes its definition with it';

-- Privileges (docs/privileges.md): mask() and masked_view_pseudonym() are
-- for everyone (a masked view calls them with the rights of the role that
-- queries it); nothing else here is.  create_masked_view and
-- drop_masked_view are granted by the DBA to the roles that own tables.
REVOKE ALL ON FUNCTION eckid.pseudonymize(eckid.eckid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.create_masked_view(regclass, text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.drop_masked_view(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_create(oid, regclass, text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_drop(oid, regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_refresh(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_release(oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_drop_temporary(oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_plan(integer, oid, smallint[], text[], smallint[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_define(text, text, oid, text[], text[], boolean, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_grant(regclass, oid, oid, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_bind() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_type_kind(oid, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_before_ddl() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_follow_ddl() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_forget_dropped() FROM PUBLIC;

------------------------------------------------------------------------------
-- Self-check for DBAs: eckid.security_check()
------------------------------------------------------------------------------

-- (section: self-check)

-- The state of the secret settings, as fixed phrases: never the salt, the
-- key or the key file's path, and the key file is only stat()ed.
CREATE FUNCTION eckid.secret_settings_status(OUT preloaded boolean, OUT salt text,
											 OUT key_file text, OUT key_file_mode text)
	AS 'MODULE_PATHNAME', 'eckid_secret_settings_status'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid.secret_settings_status() IS
	'helper of eckid.security_check(): whether eckid was preloaded, and the state of eckid.salt and the key file (never their values); superusers only';

-- One row per check, in the order docs/security.md explains them.  Reads
-- settings, catalogs and privileges only: no secret, PGN, HPgn or ECK iD
-- can be in its result.  For superusers (it looks at every role's
-- privileges and at settings only they may see); not SECURITY DEFINER.
CREATE FUNCTION eckid.security_check(OUT check_name text, OUT status text, OUT detail text, OUT remedy text)
	RETURNS SETOF record
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	secrets record;
	v text;
	n bigint;
	logs_statements boolean;
	plans_logged boolean;
	redaction text := current_setting('eckid.log_redaction', true);
	redacting boolean;
	literal_status text;
	on_path text;
	off_path text;
	listed text;
	worse text;
	default_path text[];
	view_oids oid[];
	source_oids oid[];
	view_labels text[];
	col_rels oid[];
	col_names name[];
	pseudonym_functions regprocedure[] := ARRAY[
		'eckid.hpgn(text)', 'eckid.hpgn(text,text)', 'eckid.resolve_hpgn(text)',
		'eckid.local_stampseudonym(text)', 'eckid.stampseudonym(text)',
		'eckid.derive(eckid.eckid,text,text)', 'eckid.pseudonymize(eckid.eckid,text)',
		'eckid.replace_hpgn(text,text,timestamptz)', 'eckid.assign()',
		'eckid.backfill_row(regclass,text,text,eckid.eckid)',
		'eckid.backfill_compute_ahead(regclass,oid[],tid[])']::regprocedure[];
BEGIN
	IF current_setting('is_superuser') <> 'on' THEN
		RAISE EXCEPTION 'must be superuser to run eckid.security_check()'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'It reads settings and privileges of every role that only superusers may see.';
	END IF;
	secrets := eckid.secret_settings_status();
	-- 'all' and 'pseudonyms' both keep ECK iDs, HPgns, the salt and the
	-- key out of the log (src/log_hook.c); only 'all' also stars PGNs.
	redacting := redaction IS NOT NULL AND redaction OPERATOR(pg_catalog.=) ANY (ARRAY['all', 'pseudonyms']);
	-- what statement logging does to a literal PGN: a problem, or a warning
	-- where eckid redacts the log
	literal_status := CASE WHEN redacting THEN 'warning' ELSE 'problem' END;

	check_name := 'library preloaded';
	IF secrets.preloaded THEN
		status := 'ok';
		detail := 'eckid is in shared_preload_libraries.';
		remedy := NULL;
	ELSE
		status := 'problem';
		detail := 'eckid is not in shared_preload_libraries: until a session loads it, eckid.salt and eckid.key_file from postgresql.conf can be read by every role, and eckid refuses to compute anything.';
		remedy := 'Add eckid to shared_preload_libraries in postgresql.conf and restart the server.';
	END IF;
	RETURN NEXT;

	check_name := 'salt';
	IF secrets.salt = 'ok' THEN
		status := 'ok';
		detail := 'eckid.salt is set and is valid base64 (its value is never shown).';
		remedy := NULL;
	ELSE
		status := 'problem';
		detail := CASE secrets.salt
					  WHEN 'unset' THEN 'eckid.salt is not set: eckid.hpgn() cannot compute HPgns.'
					  WHEN 'too long' THEN 'eckid.salt is too long to be a salt.'
					  ELSE 'eckid.salt is not valid base64.' END;
		remedy := 'Set eckid.salt in postgresql.conf to the environment salt that Kennisnet issued, exactly as issued, and restart the server (a reload writes the new value to the server log).';
	END IF;
	RETURN NEXT;

	check_name := 'key file';
	IF secrets.key_file = 'ok' THEN
		status := 'ok';
		detail := format('The key file is a regular file owned by the server''s user with mode %s (checked without reading it).',
						 secrets.key_file_mode);
		remedy := NULL;
	ELSE
		status := 'problem';
		detail := CASE secrets.key_file
					  WHEN 'unset' THEN 'eckid.key_file is not set: Stampseudonyms, local ECK iDs and pseudonyms cannot be computed.'
					  WHEN 'missing' THEN 'The file named by eckid.key_file does not exist.'
					  WHEN 'not accessible' THEN 'The file named by eckid.key_file cannot be examined by the server.'
					  WHEN 'not a regular file' THEN 'The file named by eckid.key_file is not a regular file.'
					  WHEN 'not owned by the server''s user' THEN 'The key file is not owned by the server''s user.'
					  WHEN 'group or world access' THEN format('The key file has mode %s: its group or other users may access it.', secrets.key_file_mode)
					  ELSE format('The key file has mode %s: its owner cannot read it.', secrets.key_file_mode) END;
		remedy := CASE WHEN secrets.key_file IN ('unset', 'missing', 'not accessible', 'not a regular file')
					   THEN 'Create a key file as the server''s user (umask 077; openssl rand -hex 32 > eckid.key), set eckid.key_file to its path in postgresql.conf and reload (docs/configuration.md).'
					   ELSE 'Make the server''s user own the key file and give it mode 0600 or 0400 (chown postgres: eckid.key; chmod 0600 eckid.key).' END;
	END IF;
	RETURN NEXT;

	check_name := 'log redaction';
	IF redaction IS NULL THEN
		status := 'warning';
		detail := 'not available: eckid is not loaded by shared_preload_libraries, so nothing redacts the server log, and PostgreSQL''s own messages (the DETAIL of a constraint violation, a duplicate key) can write HPgns and ECK iDs to it.';
		remedy := 'Add eckid to shared_preload_libraries and restart the server.';
	ELSIF redaction OPERATOR(pg_catalog.=) 'all' THEN
		status := 'ok';
		detail := 'eckid.log_redaction = all: ECK iDs, HPgns, the salt, the key and PGN-shaped numbers are redacted in every logged message.';
		remedy := NULL;
	ELSIF redacting THEN
		status := 'warning';
		detail := pg_catalog.format('eckid.log_redaction = %s: ECK iDs, HPgns, the salt and the key are redacted, but a BSN or onderwijsnummer in a message reaches the server log.', redaction);
		remedy := 'Set eckid.log_redaction = ''all'' in postgresql.conf and reload, unless the log must keep 8- and 9-digit numbers that are not PGNs.';
	ELSE
		status := 'problem';
		detail := pg_catalog.format('eckid.log_redaction = %s: PostgreSQL''s own messages can write PGNs, HPgns and ECK iDs to the server log.', redaction);
		remedy := 'Set eckid.log_redaction = ''all'' in postgresql.conf and reload.';
	END IF;
	RETURN NEXT;

	check_name := 'log_statement';
	v := current_setting('log_statement');
	IF v IN ('mod', 'all') THEN
		status := literal_status;
		detail := format('log_statement = %s writes statements to the server log with their literals: a PGN, HPgn or ECK iD written in a statement lands there.', v);
		remedy := 'Set log_statement = ddl or none (ALTER SYSTEM SET log_statement = ''ddl''), and pass PGNs as bind parameters.';
	ELSE
		status := 'ok';
		detail := format('log_statement = %s.', v);
		remedy := NULL;
	END IF;
	RETURN NEXT;
	logs_statements := v IN ('mod', 'all');

	check_name := 'log_min_duration_statement';
	IF (SELECT setting::integer >= 0 FROM pg_settings WHERE name = 'log_min_duration_statement')
	   OR ((SELECT setting::integer >= 0 FROM pg_settings WHERE name = 'log_min_duration_sample')
		   AND (SELECT setting::float8 > 0 FROM pg_settings WHERE name = 'log_statement_sample_rate'))
	   OR (SELECT setting::float8 > 0 FROM pg_settings WHERE name = 'log_transaction_sample_rate') THEN
		status := literal_status;
		detail := format('log_min_duration_statement = %s, log_min_duration_sample = %s, log_transaction_sample_rate = %s: statements that take longer, or of sampled transactions, are written to the server log with their literals.',
						 current_setting('log_min_duration_statement'), current_setting('log_min_duration_sample'),
						 current_setting('log_transaction_sample_rate'));
		remedy := 'Set log_min_duration_statement = -1, log_min_duration_sample = -1 and log_transaction_sample_rate = 0 for the databases where PGNs are processed, or make sure PGNs are passed as bind parameters only.';
		logs_statements := true;
	ELSE
		status := 'ok';
		detail := 'Statements are not logged by their duration.';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'log_parameter_max_length';
	v := current_setting('log_parameter_max_length');
	IF v = '0' THEN
		status := 'ok';
		detail := 'Logged statements carry no bind parameter values.';
		remedy := NULL;
	ELSIF logs_statements THEN
		status := 'problem';
		detail := format('log_parameter_max_length = %s while statements are logged: the values of their bind parameters, PGNs included, are written with them.', v);
		remedy := 'ALTER SYSTEM SET log_parameter_max_length = 0;';
	ELSE
		status := 'ok';
		detail := format('log_parameter_max_length = %s, but no statements are logged (it matters once they are).', v);
		remedy := 'Set log_parameter_max_length = 0 before turning statement logging on.';
	END IF;
	RETURN NEXT;

	check_name := 'log_parameter_max_length_on_error';
	v := current_setting('log_parameter_max_length_on_error');
	IF v = '0' OR current_setting('log_min_error_statement') = 'panic' THEN
		status := 'ok';
		detail := format('log_parameter_max_length_on_error = %s: failing statements are logged without their bind parameter values.', v);
		remedy := NULL;
	ELSE
		status := 'problem';
		detail := format('log_parameter_max_length_on_error = %s: a failing statement is logged with the values of its bind parameters, PGNs included.', v);
		remedy := 'ALTER SYSTEM SET log_parameter_max_length_on_error = 0;';
	END IF;
	RETURN NEXT;

	check_name := 'log_min_error_statement';
	v := current_setting('log_min_error_statement');
	IF v = 'panic' THEN
		status := 'ok';
		detail := 'Failing statements are not logged.';
		remedy := NULL;
	ELSE
		status := 'warning';
		detail := format('log_min_error_statement = %s: the text of a failing statement is logged with its literals; a PGN written as a literal in it lands in the server log.', v);
		remedy := 'Pass PGNs as bind parameters only (their values stay out of the log while log_parameter_max_length_on_error = 0), or set log_min_error_statement = panic for the databases where PGNs are processed.';
	END IF;
	RETURN NEXT;

	check_name := 'debug_print settings';
	SELECT string_agg(name, ', ' ORDER BY name) INTO listed
	  FROM pg_settings
	 WHERE name IN ('debug_print_parse', 'debug_print_rewritten', 'debug_print_plan') AND setting = 'on';
	IF listed IS NOT NULL THEN
		status := 'problem';
		detail := format('%s: the parse trees or plans of every statement, with their constants, are written to the server log.', listed);
		remedy := 'Turn them off (they are meant for debugging PostgreSQL itself).';
	ELSE
		status := 'ok';
		detail := 'debug_print_parse, debug_print_rewritten and debug_print_plan are off.';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'auto_explain';
	plans_logged := coalesce((SELECT setting::integer >= 0 FROM pg_settings WHERE name = 'auto_explain.log_min_duration'), false);
	IF NOT plans_logged THEN
		status := 'ok';
		detail := CASE WHEN EXISTS (SELECT FROM pg_settings WHERE name = 'auto_explain.log_min_duration')
					   THEN 'auto_explain is loaded but logs no plans (auto_explain.log_min_duration = -1).'
					   ELSE 'auto_explain is not loaded in this session.' END;
		remedy := NULL;
	ELSE
		v := current_setting('auto_explain.log_parameter_max_length', true);
		status := CASE WHEN v IS NOT NULL AND v <> '0' THEN 'problem' ELSE literal_status END;
		detail := format('auto_explain logs the plans of statements that take %s or longer (log_analyze = %s, log_verbose = %s%s): a plan shows the literals of its statement, and a custom plan the values of its bind parameters.',
						 current_setting('auto_explain.log_min_duration'),
						 current_setting('auto_explain.log_analyze', true), current_setting('auto_explain.log_verbose', true),
						 CASE WHEN v IS NULL THEN '' ELSE ', log_parameter_max_length = ' || v END);
		remedy := 'Set auto_explain.log_min_duration = -1 where PGNs are processed; otherwise set auto_explain.log_parameter_max_length = 0 and plan_cache_mode = force_generic_plan.';
		logs_statements := true;
	END IF;
	RETURN NEXT;

	check_name := 'plan_cache_mode';
	v := current_setting('plan_cache_mode');
	IF v = 'force_generic_plan' THEN
		status := 'ok';
		detail := 'plan_cache_mode = force_generic_plan: plans never carry bind parameter values as constants.';
		remedy := NULL;
	ELSIF plans_logged THEN
		status := 'problem';
		detail := format('plan_cache_mode = %s while auto_explain logs plans: a custom plan carries the values of bind parameters, PGNs included, as constants.', v);
		remedy := format('ALTER DATABASE %I SET plan_cache_mode = force_generic_plan;', current_database());
	ELSE
		status := 'ok';
		detail := format('plan_cache_mode = %s, and no plans are logged (it matters once auto_explain logs plans).', v);
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'schemas where PUBLIC may create';
	default_path := ARRAY(SELECT CASE WHEN p = '"$user"' OR p = '$user' THEN session_user::text ELSE btrim(p, '"') END
							FROM unnest(string_to_array((SELECT reset_val FROM pg_settings WHERE name = 'search_path'), ',')) AS u(x),
								 btrim(u.x) AS p);
	SELECT string_agg(quote_ident(nsp.nspname), ', ' ORDER BY nsp.nspname) FILTER (WHERE nsp.nspname = ANY (default_path)),
		   string_agg(quote_ident(nsp.nspname), ', ' ORDER BY nsp.nspname) FILTER (WHERE NOT nsp.nspname = ANY (default_path))
	  INTO on_path, off_path
	  FROM pg_namespace nsp
	 WHERE has_schema_privilege('public', nsp.oid, 'CREATE')
	   AND nsp.nspname !~ '^pg_(toast_)?temp_';
	IF on_path IS NOT NULL THEN
		status := 'problem';
		detail := format('PUBLIC may create objects in %s, on the default search_path: any role can plant a function or operator there that a superuser''s unqualified SQL then runs.', on_path);
	ELSIF off_path IS NOT NULL THEN
		status := 'warning';
		detail := format('PUBLIC may create objects in %s (not on the default search_path).', off_path);
	ELSE
		status := 'ok';
		detail := 'PUBLIC may not create objects in any schema of this database.';
	END IF;
	remedy := CASE WHEN status <> 'ok'
				   THEN format('REVOKE CREATE ON SCHEMA %s FROM PUBLIC;', concat_ws(', ', on_path, off_path)) END;
	RETURN NEXT;

	check_name := 'roles that may compute pseudonyms';
	SELECT string_agg(f::text, ', ' ORDER BY f::text) INTO worse
	  FROM unnest(pseudonym_functions) AS f
	 WHERE has_function_privilege('public', f, 'EXECUTE');
	SELECT string_agg(format('%I (%s)', r.rolname, r.funcs), ', ' ORDER BY r.rolname) INTO listed
	  FROM (SELECT ro.rolname, string_agg(f::text, ', ' ORDER BY f::text) AS funcs
			  FROM pg_roles ro, unnest(pseudonym_functions) AS f
			 WHERE NOT ro.rolsuper AND ro.rolname !~ '^pg_'
			   AND has_function_privilege(ro.oid, f, 'EXECUTE')
			 GROUP BY ro.rolname) r;
	IF worse IS NOT NULL THEN
		status := 'problem';
		detail := format('PUBLIC may execute %s: every role can compute pseudonyms of any PGN it knows.', worse);
		remedy := 'REVOKE EXECUTE ON FUNCTION ... FROM PUBLIC for each (docs/privileges.md).';
	ELSIF listed IS NOT NULL THEN
		status := 'warning';
		detail := format('Roles other than superusers that may compute HPgns, Stampseudonyms, ECK iDs or pseudonyms: %s.', listed);
		remedy := 'Check that each is a role of the LAS application or a table owner that needs it (docs/privileges.md); REVOKE EXECUTE from any other.';
	ELSE
		status := 'ok';
		detail := 'Only superusers may compute HPgns, Stampseudonyms, ECK iDs or pseudonyms.';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'grants on masked views';
	SELECT coalesce(array_agg(w.v ORDER BY w.label), '{}'), coalesce(array_agg(w.src ORDER BY w.label), '{}'),
		   coalesce(array_agg(w.label ORDER BY w.label), '{}')
	  INTO view_oids, source_oids, view_labels
	  FROM (SELECT to_regclass(format('%I.%I', m.view_schema, m.view_name))::oid AS v,
				   to_regclass(format('%I.%I', m.source_schema, m.source_name))::oid AS src,
				   format('%I.%I', m.view_schema, m.view_name) AS label
			  FROM eckid.masked_view m) w
	 WHERE w.v IS NOT NULL;
	n := cardinality(view_oids);
	SELECT string_agg(w.label, ', ' ORDER BY w.label) INTO listed
	  FROM unnest(view_oids, source_oids, view_labels) AS w(view_oid, source_oid, label)
	 WHERE has_table_privilege('public', w.view_oid, 'SELECT');
	SELECT string_agg(DISTINCT format('%I (%s)', ro.rolname, w.label), ', ') INTO worse
	  FROM unnest(view_oids, source_oids, view_labels) AS w(view_oid, source_oid, label), pg_roles ro
	 WHERE NOT ro.rolsuper AND ro.rolname !~ '^pg_'
	   AND NOT pg_has_role(ro.oid, (SELECT relowner FROM pg_class WHERE oid = w.view_oid), 'USAGE')
	   -- granted to the role or a role it belongs to (a grant to PUBLIC is
	   -- reported on its own)
	   AND EXISTS (SELECT FROM pg_class c, aclexplode(c.relacl) AS a
				    WHERE c.oid = w.view_oid AND a.privilege_type = 'SELECT' AND a.grantee <> 0
					  AND pg_has_role(ro.oid, a.grantee, 'USAGE'))
	   AND ((w.source_oid IS NOT NULL AND has_any_column_privilege(ro.oid, w.source_oid, 'SELECT'))
			OR EXISTS (SELECT FROM unnest(pseudonym_functions) AS f WHERE has_function_privilege(ro.oid, f, 'EXECUTE')));
	IF worse IS NOT NULL OR listed IS NOT NULL THEN
		status := CASE WHEN worse IS NOT NULL THEN 'problem' ELSE 'warning' END;
		detail := concat_ws(' ',
			CASE WHEN worse IS NOT NULL THEN format('Roles granted a masked view may also read the table it shows or compute pseudonyms themselves: %s.', worse) END,
			CASE WHEN listed IS NOT NULL THEN format('PUBLIC may read the masked views %s: every role sees their masked values or pseudonyms.', listed) END);
		remedy := concat_ws(' ',
			CASE WHEN worse IS NOT NULL THEN 'Give reporting roles SELECT on masked views only: REVOKE their rights on the tables and on eckid''s pseudonym functions (docs/hiding.md).' END,
			CASE WHEN listed IS NOT NULL THEN 'REVOKE SELECT on those views FROM PUBLIC, and GRANT SELECT to the reporting roles that need each.' END);
	ELSE
		status := 'ok';
		detail := format('%s masked views; none is readable by PUBLIC, and no role that reads one may read its table or compute pseudonyms.', n);
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'grants on PGN, HPgn and ECK iD columns';
	-- the columns named by eckid.assign() triggers, and every eckid column
	SELECT coalesce(array_agg(c.rel), '{}'), coalesce(array_agg(c.col), '{}') INTO col_rels, col_names
	  FROM (SELECT t.tgrelid AS rel, a.col::name AS col
			  FROM pg_trigger t,
				   unnest((string_to_array(encode(t.tgargs, 'escape'), '\000'))[1:3]) AS a(col)
			 WHERE t.tgfoid = 'eckid.assign()'::regprocedure AND a.col <> ''
			UNION
			SELECT att.attrelid, att.attname
			  FROM pg_attribute att JOIN pg_class cl ON cl.oid = att.attrelid
			 WHERE att.atttypid = 'eckid.eckid'::regtype AND att.attnum > 0 AND NOT att.attisdropped
			   AND cl.relkind IN ('r', 'p', 'f', 'm')
			   AND cl.relnamespace <> 'eckid'::regnamespace) c
	 WHERE EXISTS (SELECT FROM pg_attribute att WHERE att.attrelid = c.rel AND att.attname = c.col
												   AND att.attnum > 0 AND NOT att.attisdropped);
	SELECT string_agg(DISTINCT format('%s.%I', k.rel::regclass, k.col), ', ') INTO worse
	  FROM unnest(col_rels, col_names) AS k(rel, col)
	 WHERE has_column_privilege('public', k.rel, k.col, 'SELECT');
	SELECT string_agg(DISTINCT format('%I (%s.%I)', ro.rolname, k.rel::regclass, k.col), ', ') INTO listed
	  FROM unnest(col_rels, col_names) AS k(rel, col), pg_roles ro
	 WHERE NOT ro.rolsuper AND ro.rolname !~ '^pg_'
	   AND NOT pg_has_role(ro.oid, (SELECT relowner FROM pg_class WHERE oid = k.rel), 'USAGE')
	   AND has_column_privilege(ro.oid, k.rel, k.col, 'SELECT')
	   AND EXISTS (SELECT FROM unnest(view_oids) AS w(view_oid) WHERE has_table_privilege(ro.oid, w.view_oid, 'SELECT'));
	IF worse IS NOT NULL OR listed IS NOT NULL THEN
		status := 'problem';
		detail := concat_ws(' ',
			CASE WHEN worse IS NOT NULL THEN format('PUBLIC may read %s.', worse) END,
			CASE WHEN listed IS NOT NULL THEN format('Roles that read masked views may also read these columns: %s.', listed) END);
		remedy := 'REVOKE SELECT on these tables or columns from PUBLIC and from reporting roles; give those masked views instead (docs/hiding.md).';
	ELSE
		status := 'ok';
		SELECT count(DISTINCT rel) INTO n FROM unnest(col_rels) AS k(rel);
		detail := format('%s tables with PGN, HPgn or ECK iD columns; none is readable by PUBLIC or by a role that reads masked views.', n);
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'roles that see others'' queries';
	SELECT string_agg(format('%I', ro.rolname), ', ' ORDER BY ro.rolname) INTO listed
	  FROM pg_roles ro
	 WHERE NOT ro.rolsuper AND ro.rolname !~ '^pg_'
	   AND pg_has_role(ro.oid, 'pg_read_all_stats', 'USAGE');
	IF listed IS NOT NULL THEN
		status := 'warning';
		detail := format('Members of pg_read_all_stats (or pg_monitor) see the text of every session''s current query in pg_stat_activity, literals included: %s.', listed);
		remedy := 'Grant pg_monitor and pg_read_all_stats only to roles you would trust with the PGNs a statement may hold, and pass PGNs as bind parameters.';
	ELSE
		status := 'ok';
		detail := 'Only superusers see the queries of other roles'' sessions.';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'server file access';
	SELECT string_agg(format('%I', ro.rolname), ', ' ORDER BY ro.rolname) INTO listed
	  FROM pg_roles ro
	 WHERE NOT ro.rolsuper AND ro.rolname !~ '^pg_'
	   AND (pg_has_role(ro.oid, 'pg_read_server_files', 'USAGE')
			OR pg_has_role(ro.oid, 'pg_execute_server_program', 'USAGE'));
	IF listed IS NOT NULL THEN
		status := 'warning';
		detail := format('Members of pg_read_server_files or pg_execute_server_program can read postgresql.conf (the salt) and the key file: %s.', listed);
		remedy := 'Revoke that membership from every role you would not trust with the salt and the key.';
	ELSE
		status := 'ok';
		detail := 'Only superusers can read the server''s files.';
		remedy := NULL;
	END IF;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION eckid.security_check() IS
	'a DBA''s self-check: one row per check (library preloaded, salt, key file, log settings, schemas, privileges) with status ok, warning or problem, and a remedy; never shows a secret';

REVOKE ALL ON FUNCTION eckid.secret_settings_status() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.security_check() FROM PUBLIC;
