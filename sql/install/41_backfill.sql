-- sql/install/41_backfill.sql: the procedure eckid.backfill() and its
-- helpers that read and write the table (one part of the install script;
-- see 00_schemas.sql).  An upgrade script includes this
-- file whenever the procedure changes, so it runs again on an existing
-- database: CREATE OR REPLACE, COMMENT, REVOKE.

-- The steps of eckid.backfill() that read or write the table, in C
-- (src/backfill_write.c): each checks that the caller may run its statement
-- (SELECT on the PGN, HPgn and ECK iD columns; UPDATE on those it writes),
-- then runs it as the table's owner (or, where row-level security applies
-- to the caller, as the caller), security-restricted, with a search_path of
-- pg_catalog only, as VACUUM or REFRESH MATERIALIZED VIEW run a table's
-- code: a superuser's backfill runs no trigger, index expression, CHECK
-- constraint or rule of the table as superuser.  Not for PUBLIC:
-- backfill_put() hashes the PGNs it finds.
CREATE OR REPLACE FUNCTION eckid_internal.backfill_remaining(tbl regclass)
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'eckid_backfill_remaining'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid_internal.backfill_remaining(regclass) IS
	'helper of eckid.backfill(): how many rows of the table need work, as the caller may see them';

CREATE OR REPLACE FUNCTION eckid_internal.backfill_pick(tbl regclass, leaf oid, after tid,
													  batch_size integer, wait boolean, skipped text[])
	RETURNS tid[]
	AS 'MODULE_PATHNAME', 'eckid_backfill_pick'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid_internal.backfill_pick(regclass, oid, tid, integer, boolean, text[]) IS
	'helper of eckid.backfill(): the next batch of rows that need work in one leaf table, after a ctid, locked FOR UPDATE (SKIP LOCKED unless wait)';

CREATE OR REPLACE FUNCTION eckid_internal.backfill_put(tbl regclass, leaf oid, rows tid[],
													 OUT done integer, OUT skipped text[])
	AS 'MODULE_PATHNAME', 'eckid_backfill_put'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid_internal.backfill_put(regclass, oid, tid[]) IS
	'helper of eckid.backfill(): writes the HPgn and ECK iD of each given row of a leaf table by the table''s eckid.assign() trigger''s rules, as the table''s owner; skips (with a WARNING) a row with an invalid value';

REVOKE ALL ON FUNCTION eckid_internal.backfill_remaining(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.backfill_pick(regclass, oid, tid, integer, boolean, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.backfill_put(regclass, oid, tid[]) FROM PUBLIC;

-- Fills the derived columns of rows written before the trigger existed, a
-- batch per transaction, so that a cancel or a crash loses at most one
-- batch and a second call continues.  SECURITY INVOKER: it may do only what
-- the caller's rights allow; its helpers above read and write the table,
-- as the table's owner.  No SET clause (it would forbid COMMIT), so it
-- runs with the caller's search_path, which may hold a schema where anyone
-- may create objects: every function, operator and type it names is
-- schema-qualified, and every operator's arguments have exactly the types of
-- a pg_catalog operator (casts where needed), so that no operator in another
-- schema can match better.  test/shell/search_path_traps.sh plants a trap
-- for every name used here and checks that none fires.
CREATE OR REPLACE PROCEDURE eckid.backfill(tbl regclass, batch_size integer DEFAULT 16)
	LANGUAGE plpgsql
AS $$
DECLARE
	oids pg_catalog.oid[];		-- the batch: tableoid and ctid of each row
	tids pg_catalog.tid[];
	leaves pg_catalog.oid[];	-- the tables that store rows: tbl, its partitions and children
	leaf pg_catalog.oid;
	after pg_catalog.tid;		-- the batch starts after this ctid of leaf
	rewound pg_catalog.bool;		-- this pass started at the leaf's start
	waiting pg_catalog.bool;		-- this pass waits for locked rows
	skipped pg_catalog.text[] := '{}';	-- tableoid:ctid of rows with invalid values
	put record;					-- what backfill_put() did with a batch
	batch pg_catalog.int4 := 0;
	done pg_catalog.int8 := 0;
	rows_left pg_catalog.int8;
	started pg_catalog.timestamptz := pg_catalog.clock_timestamp();
	elapsed pg_catalog.float8;
	rate pg_catalog.float8;
BEGIN
	IF tbl IS NULL OR batch_size IS NULL THEN
		RAISE EXCEPTION 'arguments of eckid.backfill must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF batch_size OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'batch_size must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	PERFORM eckid_internal.backfill_setup(tbl);
	-- A Citus distributed table: each node backfills its own shards.
	-- Without Citus, backfill_distributed() is not called, so that its
	-- EXECUTE is not needed there (it is checked when a call is planned).
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		IF eckid_internal.backfill_distributed(tbl, batch_size) THEN
			RETURN;
		END IF;
	END IF;

	-- No PGN, HPgn or ECK iD ever passes through a PL/pgSQL variable or a
	-- query parameter here: the helpers read them from the rows and write
	-- them in C.  A parameter's value can be written into a plan as a
	-- constant, and plans reach the server log through auto_explain
	-- (docs/security.md).
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
	-- Counted once: rows written meanwhile are filled by the trigger.
	rows_left := eckid_internal.backfill_remaining(tbl);

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
				tids := eckid_internal.backfill_pick(tbl, leaf, after, batch_size, true, skipped);
			EXCEPTION WHEN deadlock_detected THEN
				-- the rows this pick had locked are released with it: again
				CONTINUE;
			END;
		ELSE
			tids := eckid_internal.backfill_pick(tbl, leaf, after, batch_size, false, skipped);
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
		-- the batch's HPgns at once, on every thread allowed; the writes
		-- below then find them instead of hashing row by row
		PERFORM eckid_internal.backfill_compute_ahead(tbl, oids, tids);
		-- each row by the trigger's own code, in a subtransaction of its own:
		-- a row with an invalid value is skipped with a WARNING naming its
		-- ctid, and passed over by the picks that follow.  The trigger fires
		-- on each UPDATE and computes nothing: the PGN is unchanged or, with
		-- wipe_pgn, NULL.
		put := eckid_internal.backfill_put(tbl, leaf, tids);
		done := done OPERATOR(pg_catalog.+) put.done::pg_catalog.int8;
		skipped := skipped OPERATOR(pg_catalog.||) put.skipped;
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

REVOKE ALL ON PROCEDURE eckid.backfill(regclass, integer) FROM PUBLIC;
