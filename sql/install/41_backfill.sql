-- sql/install/41_backfill.sql: the procedure eckid.backfill() (one part of
-- the install script; see 00_schemas.sql).  An upgrade script includes this
-- file whenever the procedure changes, so it runs again on an existing
-- database: CREATE OR REPLACE, COMMENT, REVOKE.

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
CREATE OR REPLACE PROCEDURE eckid.backfill(tbl regclass, batch_size integer DEFAULT 16)
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

	s := eckid_internal.backfill_setup(tbl);
	-- A Citus distributed table: each node backfills its own shards.
	IF eckid_internal.backfill_distributed(tbl, batch_size) THEN
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
	IF s.nummervoorziening THEN
		-- the ECK iD comes later, from Nummervoorziening: a row is done once
		-- it has its HPgn (and its request is queued)
		need := pg_catalog.format('%1$I IS NOT NULL AND %2$I IS NULL', s.pgn_column, s.hpgn_column);
	ELSIF s.hpgn_column IS NULL THEN
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
	put := pg_catalog.format('UPDATE %1$s SET (%2$s%3$I%4$s) = (SELECT %5$sv.eckid%6$s FROM eckid_internal.backfill_row(%7$L::pg_catalog.regclass, %8$I::pg_catalog.text, %9$s, %3$I) v) WHERE tableoid OPERATOR(pg_catalog.=) $1 AND ctid OPERATOR(pg_catalog.=) $2',
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
		PERFORM eckid_internal.backfill_compute_ahead(tbl, oids, tids);
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

REVOKE ALL ON PROCEDURE eckid.backfill(regclass, integer) FROM PUBLIC;
