-- sql/install/50_hiding.sql: eckid.mask(), eckid.pseudonymize() and masked views
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql)

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
--	 SELECT t.id, eckid_internal.masked_view_pseudonym(7, 3, t.tableoid, t.ctid) AS ecid, ...
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

CREATE FUNCTION eckid_internal.masked_view_pseudonym(view_id integer, view_column smallint, tableoid oid, ctid tid)
	RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_masked_view_pseudonym'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION eckid_internal.masked_view_pseudonym(integer, smallint, oid, tid) IS
	'pseudonym shown in a column of a masked view for a row of its table (called by the view; only for roles that may SELECT that column)';

CREATE FUNCTION eckid_internal.masked_view_grant(target regclass, grantor oid, grantee oid,
										privilege text, grantable boolean) RETURNS void
	AS 'MODULE_PATHNAME', 'eckid_masked_view_grant'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid_internal.masked_view_grant(regclass, oid, oid, text, boolean) IS
	'GRANT a privilege on a view as the role that granted it before (when a masked view is made anew)';

-- What a column of this type is to a masked view: 'eckid' (eckid.eckid or
-- a domain over it: shown masked), 'contains' (an array, composite, range
-- or multirange that holds eckid values somewhere: cannot be masked, so it
-- is refused or left out) or 'other' (shown as it is).
CREATE FUNCTION eckid_internal.masked_view_type_kind(typ oid, depth integer DEFAULT 0) RETURNS text
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
		RETURN CASE WHEN eckid_internal.masked_view_type_kind(t.typelem, depth + 1) = 'other'
					THEN 'other' ELSE 'contains' END;
	END IF;
	IF t.typtype = 'c' THEN
		IF EXISTS (SELECT FROM pg_catalog.pg_attribute a
					WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
					  AND eckid_internal.masked_view_type_kind(a.atttypid, depth + 1) <> 'other') THEN
			RETURN 'contains';
		END IF;
	ELSIF t.typtype = 'r' THEN
		IF eckid_internal.masked_view_type_kind((SELECT rngsubtype FROM pg_catalog.pg_range WHERE rngtypid = t.oid),
									   depth + 1) <> 'other' THEN
			RETURN 'contains';
		END IF;
	ELSIF t.typtype = 'm' THEN
		IF eckid_internal.masked_view_type_kind((SELECT rngtypid FROM pg_catalog.pg_range WHERE rngmultitypid = t.oid),
									   depth + 1) <> 'other' THEN
			RETURN 'contains';
		END IF;
	END IF;
	RETURN 'other';
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_type_kind(oid, integer) IS
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
CREATE FUNCTION eckid_internal.masked_view_plan(
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
		kind := eckid_internal.masked_view_type_kind(col.atttypid);
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
				items := items || pg_catalog.format('eckid_internal.masked_view_pseudonym(%s, %s::pg_catalog.int2, t.tableoid, t.ctid)',
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
COMMENT ON FUNCTION eckid_internal.masked_view_plan(integer, oid, smallint[], text[], smallint[], text) IS
	'columns, expressions, hide and masked lists of a masked view of a table as it is now';

-- CREATE [OR REPLACE] VIEW of a masked view: its query, from the names and
-- expressions of a plan (or NULL placeholders of the given types).  OR
-- REPLACE replaces the options too: pass the view's own.
CREATE FUNCTION eckid_internal.masked_view_define(view_schema text, view_name text, source oid,
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
COMMENT ON FUNCTION eckid_internal.masked_view_define(text, text, oid, text[], text[], boolean, text[]) IS
	'create or replace a masked view with the given columns over its table';

-- Drop the temporary views and functions (of any session) built on masked
-- view view_oid, which is about to be dropped: they would otherwise stop
-- the owner's command.  Permanent ones stop it, as with any view.
CREATE FUNCTION eckid_internal.masked_view_drop_temporary(view_oid oid)
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
COMMENT ON FUNCTION eckid_internal.masked_view_drop_temporary(oid) IS
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
CREATE FUNCTION eckid_internal.masked_view_refresh(view_id integer)
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

	p := eckid_internal.masked_view_plan(view_id, def.source_oid, def.hide, def.hide_names, def.masked, def.recipient);
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
		PERFORM eckid_internal.masked_view_drop_temporary(v.oid);
		BEGIN
			EXECUTE pg_catalog.format('DROP VIEW %I.%I', v_schema, v.relname);
		EXCEPTION WHEN dependent_objects_still_exist THEN
			GET STACKED DIAGNOSTICS msg_detail = PG_EXCEPTION_DETAIL;
			RAISE EXCEPTION 'cannot regenerate masked view %.% because other objects depend on it',
				pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname)
				USING ERRCODE = 'dependent_objects_still_exist', DETAIL = msg_detail,
					  HINT = 'Drop the objects that depend on the masked view, or the masked view, and repeat the command.';
		END;
		new_vid := eckid_internal.masked_view_define(v_schema, v.relname, def.source_oid, p.names, p.items, false,
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
					PERFORM eckid_internal.masked_view_grant(new_vid, g.grantor, g.grantee, g.privilege_type, g.is_grantable);
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
		new_vid := eckid_internal.masked_view_define(v_schema, v.relname, def.source_oid, p.names, p.items, true,
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
COMMENT ON FUNCTION eckid_internal.masked_view_refresh(integer) IS
	'bring a masked view in line with its table (called by the event trigger)';

-- Before an ALTER TABLE that drops or retypes columns of a table with
-- masked views: replace each view's query by one that reads none of the
-- table's columns (NULLs of the view's column types), so that PostgreSQL
-- does not refuse the command because the view uses the column.  The
-- ddl_command_end trigger then makes the view what it must be.  All in the
-- command's transaction: if the command fails, the view is as it was.
CREATE FUNCTION eckid_internal.masked_view_release(source oid)
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
		PERFORM eckid_internal.masked_view_define(v_schema, v_name, source, names, items, true, options);
		UPDATE eckid.masked_view SET released = true WHERE id = def.id;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_release(oid) IS
	'let an ALTER TABLE drop or retype columns that masked views of the table show (called by the event trigger)';

-- A row of eckid.masked_view restored by pg_dump holds the OIDs and column
-- numbers of the database it was dumped from: find the view and its table
-- again by name (the view's query was restored before the rows), and take
-- the hidden columns to be those of the table the restored view does not
-- show.  A row whose OIDs are right (every other insert) is left as it is.
CREATE FUNCTION eckid_internal.masked_view_bind() RETURNS trigger
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
						   AND eckid_internal.masked_view_type_kind(a.atttypid) = 'eckid'
						 ORDER BY a.attnum);
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_bind() IS
	'trigger: a restored row of eckid.masked_view is bound to the restored view and table by name';

CREATE TRIGGER masked_view_bind BEFORE INSERT ON eckid.masked_view
	FOR EACH ROW EXECUTE FUNCTION eckid_internal.masked_view_bind();
COMMENT ON TRIGGER masked_view_bind ON eckid.masked_view IS
	'rows restored by pg_dump are bound to the restored views and tables';

CREATE FUNCTION eckid_internal.masked_view_drop(caller oid, target regclass)
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
	PERFORM eckid_internal.masked_view_drop_temporary(target);
	EXECUTE pg_catalog.format('DROP VIEW %s', target);
	DELETE FROM eckid.masked_view WHERE id = v_id;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_drop(oid, regclass) IS
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

-- Before ALTER TABLE: see eckid_internal.masked_view_release().  In C, which alone
-- sees the command's parse tree (which table, which subcommands).
CREATE FUNCTION eckid_internal.masked_view_before_ddl() RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'eckid_masked_view_before_ddl'
	LANGUAGE C;
COMMENT ON FUNCTION eckid_internal.masked_view_before_ddl() IS
	'event trigger: let ALTER TABLE drop or retype a column that a masked view of the table shows';

-- Following ALTER TABLE, ALTER VIEW, ALTER SCHEMA and every other command
-- that can rename or retype a column of a table, or change what a type
-- holds.  SECURITY DEFINER: it remakes views owned by others.  It acts on
-- the masked views whose recorded view or table is the altered relation;
-- a schema or type change may touch any of them, so it checks all.
CREATE FUNCTION eckid_internal.masked_view_follow_ddl() RETURNS event_trigger
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
		PERFORM eckid_internal.masked_view_refresh(v_id);
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_follow_ddl() IS
	'event trigger: regenerate the masked views of an altered table; keep names current';

-- After a DROP: forget the masked views that are gone (dropped by hand, or
-- with their table by DROP ... CASCADE), by their recorded OIDs.
CREATE FUNCTION eckid_internal.masked_view_forget_dropped() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM eckid.masked_view m
	 WHERE m.view_oid IN (SELECT d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d
						   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0);
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_forget_dropped() IS
	'event trigger: remove the definitions of masked views that were dropped';

CREATE EVENT TRIGGER eckid_masked_view_before_ddl ON ddl_command_start
	WHEN TAG IN ('ALTER TABLE')
	EXECUTE FUNCTION eckid_internal.masked_view_before_ddl();
COMMENT ON EVENT TRIGGER eckid_masked_view_before_ddl IS
	'ALTER TABLE may drop or retype a column that a masked view shows';

CREATE EVENT TRIGGER eckid_masked_view_follow_ddl ON ddl_command_end
	WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER SCHEMA', 'ALTER MATERIALIZED VIEW', 'ALTER INDEX',
				 'ALTER FOREIGN TABLE', 'ALTER TYPE', 'ALTER DOMAIN')
	EXECUTE FUNCTION eckid_internal.masked_view_follow_ddl();
COMMENT ON EVENT TRIGGER eckid_masked_view_follow_ddl IS
	'masked views follow ALTER TABLE on their source, renames and type changes';

CREATE EVENT TRIGGER eckid_masked_view_forget_dropped ON sql_drop
	EXECUTE FUNCTION eckid_internal.masked_view_forget_dropped();
COMMENT ON EVENT TRIGGER eckid_masked_view_forget_dropped IS
	'a dropped masked view takes its definition with it';

-- Privileges (docs/privileges.md): mask() and masked_view_pseudonym() are
-- for everyone (a masked view calls them with the rights of the role that
-- queries it); nothing else here is.  create_masked_view and
-- drop_masked_view are granted by the DBA to the roles that own tables.
REVOKE ALL ON FUNCTION eckid.pseudonymize(eckid.eckid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.create_masked_view(regclass, text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.drop_masked_view(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_drop(oid, regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_refresh(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_release(oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_drop_temporary(oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_plan(integer, oid, smallint[], text[], smallint[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_define(text, text, oid, text[], text[], boolean, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_grant(regclass, oid, oid, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_bind() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_type_kind(oid, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_before_ddl() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_follow_ddl() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_forget_dropped() FROM PUBLIC;
