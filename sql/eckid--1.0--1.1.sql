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

-- Masked views.  A masked view selects from a rows function generated for
-- it, eckid.masked_rows_<id>(source regclass): SECURITY DEFINER, owned by
-- the view's owner, executable by PUBLIC.  The function first calls
-- eckid.masked_view_authorize(), which refuses a role that may not SELECT
-- from the view, and then returns the source's rows with eckid columns
-- masked or pseudonymized and hidden columns left out.  So a reporting role
-- needs SELECT on the view and nothing else; it is never granted a function
-- that computes pseudonyms (no hash oracle).  The argument of the rows
-- function is ignored: it is the source table as a regclass constant in the
-- view's query, which records that the view depends on the table as a whole
-- (not on its columns, so ALTER TABLE ... DROP COLUMN is not blocked) and
-- lets the event triggers below find the masked views of a table in
-- pg_depend, whatever it has been renamed to.

CREATE SEQUENCE eckid.masked_view_id_seq AS integer;
REVOKE ALL ON SEQUENCE eckid.masked_view_id_seq FROM PUBLIC;
COMMENT ON SEQUENCE eckid.masked_view_id_seq IS
	'numbers of masked views (eckid.masked_view.id, the N of eckid.masked_rows_N)';
SELECT pg_catalog.pg_extension_config_dump('eckid.masked_view_id_seq', '');

-- The definitions.  A configuration table, so pg_dump keeps its rows (the
-- views and rows functions are ordinary objects it dumps anyway).  Names,
-- not OIDs: OIDs change in a dump and restore, and pg_upgrade refuses reg*
-- columns.  The event triggers keep the names current.
CREATE TABLE eckid.masked_view (
	id				integer PRIMARY KEY DEFAULT nextval('eckid.masked_view_id_seq'),
	view_schema		text NOT NULL,
	view_name		text NOT NULL,
	source_schema	text NOT NULL,
	source_name		text NOT NULL,
	hide			text[] NOT NULL DEFAULT '{}',
	recipient		text CHECK (recipient <> '' AND octet_length(recipient) <= 65535),
	masked			text[] NOT NULL DEFAULT '{}',
	UNIQUE (view_schema, view_name)
);
REVOKE ALL ON TABLE eckid.masked_view FROM PUBLIC;
COMMENT ON TABLE eckid.masked_view IS
	'masked views made by eckid.create_masked_view(); maintained by eckid, read-only for everyone else';
COMMENT ON COLUMN eckid.masked_view.id IS 'N of the rows function eckid.masked_rows_N';
COMMENT ON COLUMN eckid.masked_view.view_schema IS 'schema of the masked view';
COMMENT ON COLUMN eckid.masked_view.view_name IS 'name of the masked view';
COMMENT ON COLUMN eckid.masked_view.source_schema IS 'schema of the table the view shows';
COMMENT ON COLUMN eckid.masked_view.source_name IS 'name of the table the view shows';
COMMENT ON COLUMN eckid.masked_view.hide IS 'columns of the table the view leaves out (followed through renames, kept when dropped)';
COMMENT ON COLUMN eckid.masked_view.recipient IS 'recipient of eckid.pseudonymize(), or NULL for eckid.mask()';
COMMENT ON COLUMN eckid.masked_view.masked IS 'eckid columns the view shows masked or pseudonymized';
SELECT pg_catalog.pg_extension_config_dump('eckid.masked_view', '');

CREATE FUNCTION eckid.masked_view_authorize(view_schema text, view_name text) RETURNS void
	AS 'MODULE_PATHNAME', 'eckid_masked_view_authorize'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.masked_view_authorize(text, text) IS
	'raise 42501 unless the session''s role may SELECT from the view (called by the rows function of a masked view)';

CREATE FUNCTION eckid.masked_view_renamed_column(command pg_ddl_command) RETURNS text[]
	AS 'MODULE_PATHNAME', 'eckid_masked_view_renamed_column'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid.masked_view_renamed_column(pg_ddl_command) IS
	'{old name, new name} if the command renamed a column, else NULL (for the masked-view event trigger)';

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
	t pg_type;
BEGIN
	IF depth > 32 THEN
		RETURN 'contains';		-- fail closed on absurd nesting
	END IF;
	SELECT * INTO t FROM pg_type WHERE oid = typ;
	WHILE FOUND AND t.typtype = 'd' LOOP
		SELECT * INTO t FROM pg_type WHERE oid = t.typbasetype;
	END LOOP;
	IF NOT FOUND THEN
		RETURN 'other';
	END IF;
	IF t.oid = 'eckid.eckid'::regtype THEN
		RETURN 'eckid';
	END IF;
	IF t.typelem <> 0 AND t.typsubscript = 'pg_catalog.array_subscript_handler'::regproc THEN
		RETURN CASE WHEN eckid.masked_view_type_kind(t.typelem, depth + 1) = 'other'
					THEN 'other' ELSE 'contains' END;
	END IF;
	IF t.typtype = 'c' THEN
		IF EXISTS (SELECT FROM pg_attribute a
					WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
					  AND eckid.masked_view_type_kind(a.atttypid, depth + 1) <> 'other') THEN
			RETURN 'contains';
		END IF;
	ELSIF t.typtype = 'r' THEN
		IF eckid.masked_view_type_kind((SELECT rngsubtype FROM pg_range WHERE rngtypid = t.oid),
									   depth + 1) <> 'other' THEN
			RETURN 'contains';
		END IF;
	ELSIF t.typtype = 'm' THEN
		IF eckid.masked_view_type_kind((SELECT rngtypid FROM pg_range WHERE rngmultitypid = t.oid),
									   depth + 1) <> 'other' THEN
			RETURN 'contains';
		END IF;
	END IF;
	RETURN 'other';
END
$$;
COMMENT ON FUNCTION eckid.masked_view_type_kind(oid, integer) IS
	'eckid, contains or other: how a masked view treats a column of this type';

-- The masked views whose view or source is the relation rel, with
-- is_source telling which.  Two index scans for a relation that has none:
-- this is the whole cost of the event trigger for an unrelated ALTER TABLE.
CREATE FUNCTION eckid.masked_views_of(rel oid, OUT id integer, OUT is_source boolean)
	RETURNS SETOF record
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
	SELECT DISTINCT substr(p.proname, 13)::integer, r.ev_class <> rel
	  FROM (SELECT rw.oid, rw.ev_class FROM pg_rewrite rw
			 WHERE rw.ev_class = rel
			UNION
			SELECT rw.oid, rw.ev_class
			  FROM pg_depend d JOIN pg_rewrite rw ON rw.oid = d.objid
			 WHERE d.refclassid = 'pg_class'::regclass
			   AND d.refobjid = rel
			   AND d.refobjsubid = 0
			   AND d.classid = 'pg_rewrite'::regclass
			   AND d.deptype = 'n') r
	  JOIN pg_depend f ON f.classid = 'pg_rewrite'::regclass
					  AND f.objid = r.oid
					  AND f.refclassid = 'pg_proc'::regclass
	  JOIN pg_proc p ON p.oid = f.refobjid
	 WHERE p.pronamespace = 'eckid'::regnamespace
	   AND p.proname ~ '^masked_rows_[0-9]+$'
$$;
COMMENT ON FUNCTION eckid.masked_views_of(oid) IS
	'ids of the masked views that are, or show, this relation';

-- What a masked view of table source shows: the visible columns' names and
-- types (eckid columns become text), the body of its rows function, the
-- hide and masked lists afterwards, and the columns this plan had to leave
-- out (refused): those whose type contains eckid values without being
-- eckid, and those shown masked so far whose type is no longer eckid (an
-- ALTER COLUMN ... TYPE text must not reveal them).
CREATE FUNCTION eckid.masked_view_plan(
		source oid, view_schema text, view_name text,
		hide text[], masked text[], recipient text,
		OUT names text[], OUT types text[], OUT body text,
		OUT new_hide text[], OUT new_masked text[], OUT refused text[])
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	col record;
	kind text;
	items text[] := '{}';
BEGIN
	names := '{}';
	types := '{}';
	new_hide := hide;
	new_masked := '{}';
	refused := '{}';
	FOR col IN SELECT a.attname::text AS name, a.atttypid
				 FROM pg_attribute a
				WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
				ORDER BY a.attnum
	LOOP
		CONTINUE WHEN col.name = ANY (hide);
		kind := eckid.masked_view_type_kind(col.atttypid);
		IF kind = 'contains' OR (kind = 'other' AND col.name = ANY (masked)) THEN
			refused := refused || col.name;
			new_hide := new_hide || col.name;
			CONTINUE;
		END IF;
		names := names || col.name;
		IF kind = 'eckid' THEN
			new_masked := new_masked || col.name;
			types := types || 'text'::text;
			items := items || CASE WHEN recipient IS NULL
								   THEN format('eckid.mask(t.%I)', col.name)
								   ELSE format('eckid.pseudonymize(t.%I, %L)', col.name, recipient) END;
		ELSE
			types := types || format_type(col.atttypid, NULL);
			items := items || format('t.%I', col.name);
		END IF;
	END LOOP;
	body := format(E'\nSELECT eckid.masked_view_authorize(%L, %L);\nSELECT %s\n  FROM %I.%I AS t\n',
				   view_schema, view_name, array_to_string(items, E',\n       '),
				   (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = source),
				   (SELECT c.relname FROM pg_class c WHERE c.oid = source));
END
$$;
COMMENT ON FUNCTION eckid.masked_view_plan(oid, text, text, text[], text[], text) IS
	'columns, rows-function body, hide and masked lists of a masked view of a table as it is now';

-- Create (or replace) the rows function of masked view view_id.
CREATE FUNCTION eckid.masked_view_define_function(view_id integer, names text[], types text[],
												  body text, owner oid, replace boolean)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	fn text := format('eckid.%I(pg_catalog.regclass)', 'masked_rows_' || view_id);
BEGIN
	EXECUTE format('CREATE %s FUNCTION %s RETURNS TABLE (%s) LANGUAGE sql STABLE SECURITY DEFINER '
				   'SET search_path = pg_catalog, pg_temp AS %L',
				   CASE WHEN replace THEN 'OR REPLACE' ELSE '' END, fn,
				   (SELECT string_agg(format('%I %s', n, t), ', ' ORDER BY i)
					  FROM unnest(names, types) WITH ORDINALITY AS u(n, t, i)),
				   body);
	IF NOT replace THEN
		EXECUTE format('COMMENT ON FUNCTION %s IS %L', fn,
					   'rows of a masked view (eckid.create_masked_view): only for roles that may SELECT from the view');
	END IF;
	IF (SELECT proowner FROM pg_proc WHERE oid = fn::regprocedure) <> owner THEN
		EXECUTE format('ALTER FUNCTION %s OWNER TO %I', fn, pg_get_userbyid(owner));
	END IF;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_define_function(integer, text[], text[], text, oid, boolean) IS
	'create or replace the rows function eckid.masked_rows_N of a masked view';

-- Create masked view view_schema.view_name over the rows function of view_id.
CREATE FUNCTION eckid.masked_view_define_view(view_id integer, view_schema text, view_name text,
											  names text[], source oid, owner oid, options text[])
	RETURNS oid
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v oid;
BEGIN
	EXECUTE format('CREATE VIEW %I.%I %s AS SELECT %s FROM eckid.%I(%L::pg_catalog.regclass) AS r',
				   view_schema, view_name,
				   CASE WHEN cardinality(options) > 0 THEN
						format('WITH (%s)',
							   (SELECT string_agg(format('%I = %L', split_part(o, '=', 1),
														 substr(o, strpos(o, '=') + 1)), ', ')
								  FROM unnest(options) AS o))
				   ELSE '' END,
				   (SELECT string_agg(format('r.%I', n), ', ' ORDER BY i)
					  FROM unnest(names) WITH ORDINALITY AS u(n, i)),
				   'masked_rows_' || view_id,
				   (SELECT format('%I.%I', n.nspname, c.relname)
					  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = source));
	SELECT c.oid INTO v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = view_schema AND c.relname = view_name;
	EXECUTE format('ALTER VIEW %I.%I OWNER TO %I', view_schema, view_name, pg_get_userbyid(owner));
	RETURN v;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_define_view(integer, text, text, text[], oid, oid, text[]) IS
	'create a masked view over its rows function, owned by the given role';

-- Bring masked view view_id in line with its source table, after an ALTER
-- TABLE, ALTER VIEW or ALTER SCHEMA: names in the definition, hide and
-- masked lists (renamed is {old, new} when the source's column old was just
-- renamed), the rows function, and the view itself when its columns must
-- change.  Does nothing when nothing changed, so that a restore, whose
-- ALTER TABLE ... ADD CONSTRAINT commands reach here, changes nothing.
-- The view is made anew with its owner, grants (with their grantors),
-- options and comments; the definition is out of the table meanwhile, so
-- the sql_drop trigger leaves it alone.
CREATE FUNCTION eckid.masked_view_refresh(view_id integer, renamed text[] DEFAULT NULL)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	def eckid.masked_view;
	fn oid;
	view_rule oid;
	vid oid;
	v pg_class;
	v_schema text;
	src oid;
	src_schema text;
	src_name text;
	hide text[];
	masked text[];
	p record;
	cur_names text[];
	cur_types text[];
	view_names text[];
	view_types text[];
	new_vid oid;
	g record;
	view_comment text;
	comment_columns text[];
	comment_texts text[];
	msg_detail text;
BEGIN
	SELECT * INTO def FROM eckid.masked_view m WHERE m.id = view_id FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;		-- being made or remade right now, or rows not restored yet
	END IF;
	fn := to_regprocedure(format('eckid.%I(pg_catalog.regclass)', 'masked_rows_' || view_id));
	IF fn IS NULL THEN
		RETURN;
	END IF;

	-- The view: the relation whose query calls the rows function (the one
	-- named in the definition, should someone have made another).
	SELECT rw.oid, rw.ev_class INTO view_rule, vid
	  FROM pg_depend d
	  JOIN pg_rewrite rw ON rw.oid = d.objid
	  JOIN pg_class c ON c.oid = rw.ev_class
	  JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_proc'::regclass AND d.refobjid = fn
	 ORDER BY (n.nspname = def.view_schema AND c.relname = def.view_name) DESC, c.oid
	 LIMIT 1;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO v FROM pg_class WHERE oid = vid;
	SELECT nspname INTO v_schema FROM pg_namespace WHERE oid = v.relnamespace;

	-- The source: the table the view's query names as a regclass constant.
	SELECT t.oid, n.nspname, t.relname INTO src, src_schema, src_name
	  FROM pg_depend d
	  JOIN pg_class t ON t.oid = d.refobjid
	  JOIN pg_namespace n ON n.oid = t.relnamespace
	 WHERE d.classid = 'pg_rewrite'::regclass AND d.objid = view_rule
	   AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid = 0 AND d.deptype = 'n'
	   AND t.relkind IN ('r', 'p')
	 LIMIT 1;
	IF NOT FOUND THEN
		RETURN;
	END IF;

	hide := def.hide;
	masked := def.masked;
	IF renamed IS NOT NULL THEN
		hide := array_replace(hide, renamed[1], renamed[2]);
		masked := array_replace(masked, renamed[1], renamed[2]);
	END IF;
	hide := ARRAY(SELECT h FROM unnest(hide) WITH ORDINALITY AS u(h, i) GROUP BY h ORDER BY min(i));

	p := eckid.masked_view_plan(src, v_schema, v.relname, hide, masked, def.recipient);
	IF cardinality(p.refused) > 0 THEN
		RAISE WARNING 'masked view %.% now leaves out column % of table %.%',
			quote_ident(v_schema), quote_ident(v.relname),
			array_to_string(ARRAY(SELECT quote_ident(r) FROM unnest(p.refused) AS r), ', '),
			quote_ident(src_schema), quote_ident(src_name)
			USING DETAIL = 'The column''s type is not eckid.eckid, but contains eckid values or was eckid.eckid before.',
				  HINT = 'The column is now in the hide list of the masked view (eckid.masked_view).';
	END IF;
	IF cardinality(p.names) = 0 THEN
		RAISE EXCEPTION 'masked view %.% would have no columns', quote_ident(v_schema), quote_ident(v.relname)
			USING ERRCODE = 'invalid_table_definition';
	END IF;

	SELECT array_agg(u.n ORDER BY u.i), array_agg(format_type(u.t, NULL) ORDER BY u.i)
	  INTO cur_names, cur_types
	  FROM pg_proc pp, unnest(pp.proargnames, pp.proallargtypes, pp.proargmodes) WITH ORDINALITY AS u(n, t, m, i)
	 WHERE pp.oid = fn AND u.m = 't';
	SELECT array_agg(a.attname::text ORDER BY a.attnum), array_agg(format_type(a.atttypid, NULL) ORDER BY a.attnum)
	  INTO view_names, view_types
	  FROM pg_attribute a WHERE a.attrelid = vid AND a.attnum > 0 AND NOT a.attisdropped;

	IF cur_names IS DISTINCT FROM p.names OR cur_types IS DISTINCT FROM p.types
	   OR view_names IS DISTINCT FROM p.names OR view_types IS DISTINCT FROM p.types THEN
		RAISE DEBUG 'regenerating masked view %.%', quote_ident(v_schema), quote_ident(v.relname);
		view_comment := obj_description(vid, 'pg_class');
		SELECT array_agg(a.attname::text ORDER BY a.attnum), array_agg(col_description(vid, a.attnum) ORDER BY a.attnum)
		  INTO comment_columns, comment_texts
		  FROM pg_attribute a
		 WHERE a.attrelid = vid AND a.attnum > 0 AND NOT a.attisdropped
		   AND col_description(vid, a.attnum) IS NOT NULL;
		DELETE FROM eckid.masked_view WHERE id = view_id;
		BEGIN
			EXECUTE format('DROP VIEW %I.%I', v_schema, v.relname);
		EXCEPTION WHEN dependent_objects_still_exist THEN
			GET STACKED DIAGNOSTICS msg_detail = PG_EXCEPTION_DETAIL;
			RAISE EXCEPTION 'cannot regenerate masked view %.% because other objects depend on it',
				quote_ident(v_schema), quote_ident(v.relname)
				USING ERRCODE = 'dependent_objects_still_exist', DETAIL = msg_detail,
					  HINT = 'Drop the objects that depend on the masked view, or the masked view, and repeat the command.';
		END;
		EXECUTE format('DROP FUNCTION %s', fn::regprocedure);
		PERFORM eckid.masked_view_define_function(view_id, p.names, p.types, p.body, v.relowner, false);
		new_vid := eckid.masked_view_define_view(view_id, v_schema, v.relname, p.names, src, v.relowner,
												 coalesce(v.reloptions, '{}'));
		IF v.relacl IS NOT NULL THEN
			-- the owner's own entry is in the old ACL if the owner still has it
			EXECUTE format('REVOKE ALL ON %I.%I FROM %I', v_schema, v.relname, pg_get_userbyid(v.relowner));
			FOR g IN SELECT a.grantor, a.grantee, a.privilege_type, a.is_grantable
					   FROM aclexplode(v.relacl) WITH ORDINALITY AS a(grantor, grantee, privilege_type, is_grantable, i)
					  ORDER BY a.grantor <> v.relowner, a.i
			LOOP
				IF g.grantor = v.relowner THEN
					-- as superuser, which GRANT records as done by the owner
					EXECUTE format('GRANT %s ON %I.%I TO %s%s', g.privilege_type, v_schema, v.relname,
								   CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
								   CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
				ELSE
					PERFORM eckid.masked_view_grant(new_vid, g.grantor, g.grantee, g.privilege_type, g.is_grantable);
				END IF;
			END LOOP;
		END IF;
		IF view_comment IS NOT NULL THEN
			EXECUTE format('COMMENT ON VIEW %I.%I IS %L', v_schema, v.relname, view_comment);
		END IF;
		FOR i IN 1 .. coalesce(cardinality(comment_columns), 0) LOOP
			IF comment_columns[i] = ANY (p.names) THEN
				EXECUTE format('COMMENT ON COLUMN %I.%I.%I IS %L', v_schema, v.relname,
							   comment_columns[i], comment_texts[i]);
			END IF;
		END LOOP;
		INSERT INTO eckid.masked_view (id, view_schema, view_name, source_schema, source_name,
									   hide, recipient, masked)
			VALUES (view_id, v_schema, v.relname, src_schema, src_name,
					p.new_hide, def.recipient, p.new_masked);
		RETURN;
	END IF;

	IF (SELECT prosrc FROM pg_proc WHERE oid = fn) IS DISTINCT FROM p.body
	   OR (SELECT proowner FROM pg_proc WHERE oid = fn) <> v.relowner THEN
		RAISE DEBUG 'replacing the rows function of masked view %.%', quote_ident(v_schema), quote_ident(v.relname);
		PERFORM eckid.masked_view_define_function(view_id, p.names, p.types, p.body, v.relowner, true);
	END IF;
	IF (def.view_schema, def.view_name, def.source_schema, def.source_name, def.hide, def.masked)
	   IS DISTINCT FROM (v_schema, v.relname::text, src_schema, src_name::text, p.new_hide, p.new_masked) THEN
		UPDATE eckid.masked_view
		   SET view_schema = v_schema, view_name = v.relname, source_schema = src_schema,
			   source_name = src_name, hide = p.new_hide, masked = p.new_masked
		 WHERE id = view_id;
	END IF;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_refresh(integer, text[]) IS
	'bring a masked view in line with its source table (called by the event trigger)';

CREATE FUNCTION eckid.masked_view_create(caller oid, source regclass, view_name text,
										 hide text[], recipient text)
	RETURNS regclass
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	src pg_class;
	src_schema text;
	parts text[];
	v_schema text;
	v_name text;
	v_nsp oid;
	h text;
	p record;
	new_id integer;
	v oid;
BEGIN
	IF source IS NULL OR view_name IS NULL OR hide IS NULL THEN
		RAISE EXCEPTION 'source, view_name and hide must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO src FROM pg_class WHERE oid = source;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'relation with OID % does not exist', source::oid
			USING ERRCODE = 'undefined_table';
	END IF;
	SELECT nspname INTO src_schema FROM pg_namespace WHERE oid = src.relnamespace;
	IF src.relkind NOT IN ('r', 'p') THEN
		RAISE EXCEPTION '"%" is not a table', src.relname
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = 'Masked views can be made of ordinary and partitioned tables only.';
	END IF;
	IF src.relpersistence = 't' THEN
		RAISE EXCEPTION 'cannot make a masked view of temporary table "%"', src.relname
			USING ERRCODE = 'feature_not_supported';
	END IF;
	IF NOT pg_has_role(caller, src.relowner, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of table %', src.relname
			USING ERRCODE = 'insufficient_privilege';
	END IF;

	parts := parse_ident(view_name);
	IF cardinality(parts) = 1 THEN
		v_schema := src_schema;
		v_name := parts[1];
	ELSIF cardinality(parts) = 2 THEN
		v_schema := parts[1];
		v_name := parts[2];
	ELSE
		RAISE EXCEPTION 'improper qualified name (too many dotted names): %', view_name
			USING ERRCODE = 'syntax_error';
	END IF;
	IF octet_length(v_name) >= 64 THEN
		RAISE EXCEPTION 'view name "%" is too long', v_name
			USING ERRCODE = 'name_too_long', DETAIL = 'Names are at most 63 bytes.';
	END IF;
	SELECT oid INTO v_nsp FROM pg_namespace WHERE nspname = v_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'schema "%" does not exist', v_schema
			USING ERRCODE = 'invalid_schema_name';
	END IF;
	IF NOT has_schema_privilege(caller, v_nsp, 'CREATE') THEN
		RAISE EXCEPTION 'permission denied for schema %', v_schema
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF EXISTS (SELECT FROM pg_class WHERE relnamespace = v_nsp AND relname = v_name) THEN
		RAISE EXCEPTION 'relation "%" already exists', v_name
			USING ERRCODE = 'duplicate_table';
	END IF;

	FOREACH h IN ARRAY hide LOOP
		IF h IS NULL THEN
			RAISE EXCEPTION 'hide must not contain null'
				USING ERRCODE = 'null_value_not_allowed';
		END IF;
		IF NOT EXISTS (SELECT FROM pg_attribute
						WHERE attrelid = source AND attname = h AND attnum > 0 AND NOT attisdropped) THEN
			RAISE EXCEPTION 'column "%" of relation "%" does not exist', h, src.relname
				USING ERRCODE = 'undefined_column',
					  HINT = 'Every name in hide must be a column of the source table.';
		END IF;
	END LOOP;
	hide := ARRAY(SELECT x FROM unnest(hide) WITH ORDINALITY AS u(x, i) GROUP BY x ORDER BY min(i));

	IF recipient IS NOT NULL THEN
		IF recipient = '' THEN
			RAISE EXCEPTION 'recipient must not be empty'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF octet_length(recipient) > 65535 THEN
			RAISE EXCEPTION 'recipient is too long'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'A recipient may be at most 65535 bytes.';
		END IF;
		IF NOT has_function_privilege(src.relowner, 'eckid.pseudonymize(eckid.eckid, text)', 'EXECUTE') THEN
			RAISE EXCEPTION 'owner of table % may not execute eckid.pseudonymize()', src.relname
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = 'A masked view computes its pseudonyms with the rights of its owner, the owner of the table.',
					  HINT = format('GRANT EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) TO %I;',
									pg_get_userbyid(src.relowner));
		END IF;
	END IF;

	p := eckid.masked_view_plan(source, v_schema, v_name, hide, '{}', recipient);
	IF cardinality(p.refused) > 0 THEN
		RAISE EXCEPTION 'column "%" of relation "%" cannot be masked', p.refused[1], src.relname
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'Its type contains eckid values but is not eckid.eckid or a domain over it.',
				  HINT = 'Add the column to hide.';
	END IF;
	IF cardinality(p.names) = 0 THEN
		RAISE EXCEPTION 'masked view would have no columns'
			USING ERRCODE = 'invalid_table_definition';
	END IF;

	new_id := nextval('eckid.masked_view_id_seq');
	PERFORM eckid.masked_view_define_function(new_id, p.names, p.types, p.body, src.relowner, false);
	v := eckid.masked_view_define_view(new_id, v_schema, v_name, p.names, source, src.relowner,
									   '{security_barrier=true}');
	-- last, so that the event trigger ignores the ALTER VIEW ... OWNER above
	INSERT INTO eckid.masked_view (id, view_schema, view_name, source_schema, source_name,
								   hide, recipient, masked)
		VALUES (new_id, v_schema, v_name, src_schema, src.relname, p.new_hide, recipient, p.new_masked);
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
	SELECT m.id INTO v_id
	  FROM eckid.masked_views_of(target) m JOIN eckid.masked_view d ON d.id = m.id
	 WHERE NOT m.is_source;
	IF NOT FOUND THEN
		RAISE EXCEPTION '"%" is not a masked view', target
			USING ERRCODE = 'wrong_object_type';
	END IF;
	SELECT relowner INTO owner FROM pg_class WHERE oid = target;
	IF NOT pg_has_role(caller, owner, 'USAGE') THEN
		RAISE EXCEPTION 'must be owner of view %', target
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	DELETE FROM eckid.masked_view WHERE id = v_id;
	EXECUTE format('DROP VIEW %s', target);
	EXECUTE format('DROP FUNCTION eckid.%I(pg_catalog.regclass)', 'masked_rows_' || v_id);
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
	'drop a masked view, its rows function and its definition';

-- Following ALTER TABLE, ALTER VIEW and ALTER SCHEMA.  SECURITY DEFINER: it
-- remakes views and functions owned by others, and gives them back their
-- owners.
CREATE FUNCTION eckid.masked_view_follow_ddl() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cmd record;
	v record;
	renamed text[];
BEGIN
	FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
		IF cmd.classid = 'pg_namespace'::regclass THEN
			-- ALTER SCHEMA ... RENAME renames the views and tables in it
			FOR v IN SELECT id FROM eckid.masked_view ORDER BY id LOOP
				PERFORM eckid.masked_view_refresh(v.id);
			END LOOP;
		ELSIF cmd.classid = 'pg_class'::regclass THEN
			renamed := eckid.masked_view_renamed_column(cmd.command);
			FOR v IN SELECT * FROM eckid.masked_views_of(cmd.objid) ORDER BY id LOOP
				PERFORM eckid.masked_view_refresh(v.id, CASE WHEN v.is_source THEN renamed END);
			END LOOP;
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_follow_ddl() IS
	'event trigger: regenerate the masked views of an altered table; keep names current';

-- After a DROP of any view: forget the masked views that are gone (dropped
-- by hand, or with their table by DROP ... CASCADE) and drop their rows
-- functions.
CREATE FUNCTION eckid.masked_view_forget_dropped() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id integer;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_event_trigger_dropped_objects() WHERE object_type = 'view') THEN
		RETURN;
	END IF;
	FOR v_id IN
		SELECT m.id FROM eckid.masked_view m
		 WHERE NOT EXISTS (
			SELECT FROM pg_depend d
			 WHERE d.refclassid = 'pg_proc'::regclass
			   AND d.refobjid = to_regprocedure(format('eckid.%I(pg_catalog.regclass)', 'masked_rows_' || m.id))::oid
			   AND d.classid = 'pg_rewrite'::regclass)
		 ORDER BY m.id
	LOOP
		DELETE FROM eckid.masked_view WHERE id = v_id;
		EXECUTE format('DROP FUNCTION IF EXISTS eckid.%I(pg_catalog.regclass)', 'masked_rows_' || v_id);
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid.masked_view_forget_dropped() IS
	'event trigger: remove the definitions and rows functions of masked views that were dropped';

CREATE EVENT TRIGGER eckid_masked_view_follow_ddl ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER SCHEMA')
	EXECUTE FUNCTION eckid.masked_view_follow_ddl();
COMMENT ON EVENT TRIGGER eckid_masked_view_follow_ddl IS
	'masked views follow ALTER TABLE on their source, and renames';

CREATE EVENT TRIGGER eckid_masked_view_forget_dropped ON sql_drop
	EXECUTE FUNCTION eckid.masked_view_forget_dropped();
COMMENT ON EVENT TRIGGER eckid_masked_view_forget_dropped IS
	'a dropped masked view takes its definition and rows function with it';

-- Privileges (docs/privileges.md): mask() and masked_view_authorize() are
-- for everyone; nothing else here is.  create_masked_view and
-- drop_masked_view are granted by the DBA to the roles that own tables.
REVOKE ALL ON FUNCTION eckid.pseudonymize(eckid.eckid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.create_masked_view(regclass, text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.drop_masked_view(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_create(oid, regclass, text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_drop(oid, regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_refresh(integer, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_plan(oid, text, text, text[], text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_define_function(integer, text[], text[], text, oid, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_define_view(integer, text, text, text[], oid, oid, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_grant(regclass, oid, oid, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_renamed_column(pg_ddl_command) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_views_of(oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.masked_view_type_kind(oid, integer) FROM PUBLIC;
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
	redacting := redaction IS NOT NULL AND lower(redaction) NOT IN ('off', 'false', 'no', '0', 'none');
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
		detail := 'not available: this eckid has no setting eckid.log_redaction, so PostgreSQL''s own messages (the DETAIL of a constraint violation, a duplicate key) can write HPgns and ECK iDs to the server log.';
		remedy := 'Keep the log settings below as this function advises, and see docs/security.md for the messages that carry values.';
	ELSIF redacting THEN
		status := 'ok';
		detail := format('eckid.log_redaction = %s.', redaction);
		remedy := NULL;
	ELSE
		status := 'problem';
		detail := format('eckid.log_redaction = %s: PostgreSQL''s own messages can write HPgns and ECK iDs to the server log.', redaction);
		remedy := 'Turn eckid.log_redaction on in postgresql.conf and reload.';
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
