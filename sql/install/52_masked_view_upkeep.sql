-- sql/install/52_masked_view_upkeep.sql: how eckid keeps masked views in
-- line with their tables (one part of the install script; see
-- 00_schemas.sql, and 50_hiding.sql for what masked views are).  An upgrade
-- script includes this file whenever one of its functions changes, so it
-- runs again on an existing database: CREATE OR REPLACE, COMMENT, REVOKE.
--
-- The upkeep acts as the extension's owner, not as the view's: a masked
-- view's query names eckid_internal.masked_view_pseudonym(), which the
-- view's owner may not name (no USAGE on eckid_internal), and it keeps the
-- grants of others (masked_view_grant).  What it runs is DDL only: CREATE
-- [OR REPLACE] VIEW parses the query and runs nothing of it, and nothing
-- here reads a row of the user's table or evaluates the user's
-- expressions (a row filter is evaluated by the view, with its owner's
-- rights, and by masked_view_pseudonym(), as the owner under
-- SECURITY_RESTRICTED_OPERATION: src/mask_filter.c).  It acts only on the
-- views recorded in eckid.masked_view, by their recorded OIDs, and never
-- replaces one that is not the view eckid made (masked_view_verify).

-- CREATE [OR REPLACE] VIEW of a masked view: its query, from the names and
-- expressions of a plan (or NULL placeholders of the given types) and the
-- row filter (NULL: none) as eckid.masked_view keeps it.  OR REPLACE
-- replaces the options too: pass the view's own.
CREATE OR REPLACE FUNCTION eckid_internal.masked_view_define(view_schema text, view_name text, source oid,
										 names text[], items text[], row_filter text, replace boolean,
										 options text[])
	RETURNS oid
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	EXECUTE pg_catalog.format('CREATE %s VIEW %I.%I %s AS SELECT %s FROM %I.%I AS t%s',
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
				   (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = source),
				   CASE WHEN row_filter IS NOT NULL THEN pg_catalog.format(' WHERE (%s)', row_filter) ELSE '' END);
	RETURN (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			 WHERE n.nspname = view_schema AND c.relname = view_name);
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_define(text, text, oid, text[], text[], text, boolean, text[]) IS
	'create or replace a masked view with the given columns over its table';


-- Make way for the owner's command on masked view view_oid (DROP VIEW, or,
-- with rowtype_only, CREATE OR REPLACE VIEW adding columns, which a table
-- column of the view's row type stops): drop the objects of other roles
-- that depend on it.  PostgreSQL checks no privilege on a view for much of
-- what can depend on it: a role with TEMP alone can make a temporary table
-- with a column of its row type, a domain over it or a function taking it;
-- one with USAGE on the schema alone can make a view over it or a table
-- with such a column in a schema of its own.  Such objects would stop the
-- owner's ALTER TABLE and eckid.drop_masked_view() until a superuser
-- stepped in.
--
-- What is dropped, with CASCADE: the objects that depend on the recorded
-- view (its pg_class row, its row type or that type's array type), found
-- in pg_depend by OID, with everything that depends on them in turn; but
-- only if none of these belongs to a role that may read the view (a
-- column SELECT suffices), to the view's owner or a role of its, or is of
-- a kind whose owner eckid cannot tell.  Temporary objects go whoever owns
-- them (they live as long as a session).  If any object is protected,
-- nothing is dropped and the command fails as PostgreSQL's own rules say:
-- what a role that may read the view built on it is not eckid's to drop.
-- Each object dropped is named in a NOTICE.
CREATE OR REPLACE FUNCTION eckid_internal.masked_view_clear_dependents(view_oid oid, rowtype_only boolean)
	RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v pg_catalog.pg_class;
	own_types oid[];
	d_class oid[];
	d_obj oid[];
	d_owner oid[];
	d_temp boolean[];
	blocker record;
	dep record;
	cmd text;
	what text;
BEGIN
	SELECT * INTO v FROM pg_catalog.pg_class WHERE oid = view_oid AND relkind = 'v';
	IF NOT FOUND THEN
		RETURN;
	END IF;
	own_types := ARRAY(SELECT t.oid FROM pg_catalog.pg_type t WHERE t.oid = v.reltype
					   UNION ALL
					   SELECT t.typarray FROM pg_catalog.pg_type t WHERE t.oid = v.reltype AND t.typarray <> 0);

	-- every object that depends on the view, directly or not, with its
	-- owner and whether it is temporary
	WITH RECURSIVE roots(classid, objid) AS (
		SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid, view_oid WHERE NOT rowtype_only
		UNION ALL
		SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid, t FROM pg_catalog.unnest(own_types) AS t
	), closure(classid, objid) AS (
		SELECT r.classid, r.objid FROM roots r
		UNION
		SELECT x.classid, x.objid
		  FROM closure c,
			   LATERAL (SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
						 WHERE d.refclassid = c.classid AND d.refobjid = c.objid AND d.deptype IN ('n', 'a', 'i')
						UNION ALL
						-- a rule stands for its view
						SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid, rw.ev_class
						  FROM pg_catalog.pg_rewrite rw
						 WHERE c.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = c.objid) x
	), objects AS (
		SELECT c.classid, c.objid,
			   CASE c.classid
				   WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN (SELECT r.oid FROM pg_catalog.pg_class r WHERE r.oid = c.objid)
				   WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN (SELECT rw.ev_class FROM pg_catalog.pg_rewrite rw WHERE rw.oid = c.objid)
				   WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN (SELECT ad.adrelid FROM pg_catalog.pg_attrdef ad WHERE ad.oid = c.objid)
				   WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN (SELECT nullif(co.conrelid, 0) FROM pg_catalog.pg_constraint co WHERE co.oid = c.objid)
				   WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN (SELECT tg.tgrelid FROM pg_catalog.pg_trigger tg WHERE tg.oid = c.objid)
				   WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass THEN (SELECT po.polrelid FROM pg_catalog.pg_policy po WHERE po.oid = c.objid)
			   END AS rel,
			   CASE c.classid
				   WHEN 'pg_catalog.pg_type'::pg_catalog.regclass THEN c.objid
				   WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN (SELECT nullif(co.contypid, 0) FROM pg_catalog.pg_constraint co WHERE co.oid = c.objid)
			   END AS typ
		  FROM closure c
		 WHERE NOT (c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.objid = view_oid)
		   AND NOT (c.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND c.objid = ANY (own_types))
		   AND NOT (c.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
					AND c.objid IN (SELECT rw.oid FROM pg_catalog.pg_rewrite rw WHERE rw.ev_class = view_oid))
	)
	SELECT coalesce(pg_catalog.array_agg(o.classid), '{}'), coalesce(pg_catalog.array_agg(o.objid), '{}'),
		   coalesce(pg_catalog.array_agg(w.owner), '{}'),
		   coalesce(pg_catalog.array_agg(coalesce(pg_catalog.pg_is_other_temp_schema(w.nsp) OR w.nsp = pg_catalog.pg_my_temp_schema(), false)), '{}')
	  INTO d_class, d_obj, d_owner, d_temp
	  FROM objects o,
		   LATERAL (SELECT r.relowner AS owner, r.relnamespace AS nsp FROM pg_catalog.pg_class r WHERE r.oid = o.rel
					UNION ALL
					SELECT t.typowner, t.typnamespace FROM pg_catalog.pg_type t WHERE t.oid = o.typ AND o.rel IS NULL
					UNION ALL
					SELECT f.proowner, f.pronamespace FROM pg_catalog.pg_proc f
					 WHERE o.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND f.oid = o.objid
					UNION ALL
					SELECT op.oprowner, op.oprnamespace FROM pg_catalog.pg_operator op
					 WHERE o.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND op.oid = o.objid
					UNION ALL
					SELECT NULL, NULL LIMIT 1) w;

	SELECT d.classid, d.objid, d.owner INTO blocker
	  FROM unnest(d_class, d_obj, d_owner, d_temp) AS d(classid, objid, owner, temporary)
	 WHERE d.owner IS NULL
		OR (NOT d.temporary
			AND (pg_catalog.pg_has_role(d.owner, v.relowner, 'USAGE')
				 OR pg_catalog.has_any_column_privilege(d.owner, view_oid, 'SELECT')))
	 LIMIT 1;
	IF FOUND THEN
		RETURN;		-- the owner's command fails as PostgreSQL's rules say
	END IF;

	-- drop what depends on the view directly: the rest goes with it
	FOR dep IN
		SELECT DISTINCT d.classid, d.objid, d.objsubid
		  FROM pg_catalog.pg_depend d
		 WHERE d.deptype IN ('n', 'a')
		   AND ((d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = view_oid AND NOT rowtype_only)
				OR (d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.refobjid = ANY (own_types)))
		   AND NOT (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = ANY (own_types))
		   AND NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
					AND d.objid IN (SELECT rw.oid FROM pg_catalog.pg_rewrite rw WHERE rw.ev_class = view_oid))
		 ORDER BY d.classid, d.objid, d.objsubid
	LOOP
		cmd := NULL;
		what := pg_catalog.pg_describe_object(dep.classid, dep.objid, dep.objsubid);
		IF dep.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN
			SELECT CASE WHEN rw.rulename <> '_RETURN'
						THEN pg_catalog.format('DROP RULE IF EXISTS %I ON %s CASCADE', rw.rulename, rw.ev_class::pg_catalog.regclass)
						WHEN r.relkind = 'v' THEN pg_catalog.format('DROP VIEW IF EXISTS %s CASCADE', r.oid::pg_catalog.regclass)
						WHEN r.relkind = 'm' THEN pg_catalog.format('DROP MATERIALIZED VIEW IF EXISTS %s CASCADE', r.oid::pg_catalog.regclass)
				   END,
				   CASE WHEN rw.rulename = '_RETURN' THEN pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, r.oid, 0)
						ELSE what END
			  INTO cmd, what
			  FROM pg_catalog.pg_rewrite rw JOIN pg_catalog.pg_class r ON r.oid = rw.ev_class
			 WHERE rw.oid = dep.objid;
		ELSIF dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
			-- (another session's temporary table cannot be altered, only dropped)
			SELECT CASE WHEN r.relpersistence = 't' AND r.relkind IN ('r', 'p')
						THEN pg_catalog.format('DROP TABLE IF EXISTS %s CASCADE', r.oid::pg_catalog.regclass)
						WHEN dep.objsubid > 0 AND r.relkind IN ('r', 'p')
						THEN pg_catalog.format('ALTER TABLE IF EXISTS %s DROP COLUMN IF EXISTS %I CASCADE',
											   r.oid::pg_catalog.regclass, a.attname)
						WHEN dep.objsubid > 0 AND r.relkind = 'f'
						THEN pg_catalog.format('ALTER FOREIGN TABLE IF EXISTS %s DROP COLUMN IF EXISTS %I CASCADE',
											   r.oid::pg_catalog.regclass, a.attname)
						WHEN dep.objsubid > 0 AND r.relkind = 'c'
						THEN pg_catalog.format('ALTER TYPE %s DROP ATTRIBUTE IF EXISTS %I CASCADE',
											   r.reltype::pg_catalog.regtype, a.attname)
						WHEN r.relkind = 'v' THEN pg_catalog.format('DROP VIEW IF EXISTS %s CASCADE', r.oid::pg_catalog.regclass)
						WHEN r.relkind = 'm' THEN pg_catalog.format('DROP MATERIALIZED VIEW IF EXISTS %s CASCADE', r.oid::pg_catalog.regclass)
				   END,
				   CASE WHEN r.relpersistence = 't' THEN pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, r.oid, 0)
						ELSE what END
			  INTO cmd, what
			  FROM pg_catalog.pg_class r LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = dep.objsubid
			 WHERE r.oid = dep.objid;
		ELSIF dep.classid = 'pg_catalog.pg_type'::pg_catalog.regclass THEN
			SELECT pg_catalog.format('DROP %s IF EXISTS %s CASCADE', CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
									 t.oid::pg_catalog.regtype)
			  INTO cmd
			  FROM pg_catalog.pg_type t WHERE t.oid = dep.objid;
		ELSIF dep.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass THEN
			SELECT pg_catalog.format('DROP ROUTINE IF EXISTS %s CASCADE', f.oid::pg_catalog.regprocedure)
			  INTO cmd
			  FROM pg_catalog.pg_proc f WHERE f.oid = dep.objid;
		ELSIF dep.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass THEN
			SELECT pg_catalog.format('DROP OPERATOR IF EXISTS %s CASCADE', op.oid::pg_catalog.regoperator)
			  INTO cmd
			  FROM pg_catalog.pg_operator op WHERE op.oid = dep.objid;
		END IF;
		CONTINUE WHEN cmd IS NULL;	-- already gone, or the command will say what stops it
		SELECT * INTO blocker FROM unnest(d_class, d_obj, d_owner, d_temp) AS d(classid, objid, owner, temporary)
		 WHERE d.classid = dep.classid AND d.objid = dep.objid;
		RAISE NOTICE 'dropping %, which depends on masked view %', what, view_oid::pg_catalog.regclass
			USING DETAIL = CASE WHEN blocker.temporary
								THEN 'Temporary objects that depend on a masked view are dropped when its owner changes or drops it.'
								ELSE pg_catalog.format('Role %s may not read the masked view, so what it built on the view does not keep the view''s owner from changing or dropping it.',
													   pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(blocker.owner)))
						   END;
		EXECUTE cmd;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_clear_dependents(oid, boolean) IS
	'drop the objects of roles that may not read a masked view (and temporary ones) that stop its owner''s command';

-- Compare masked view view_id with the view eckid would make of its table
-- now (masked_view_compare, in C: the parse trees, so that a renamed column
-- is no difference): the view's columns with the plan's of the same name
-- (a column the plan no longer has, and every column of a released view,
-- is not compared: the view is about to lose it), its form and its row
-- filter.  differs is NULL if it is eckid's, else what differs; with
-- strict, a difference is an error.  row_filter and row_filter_node are
-- the view's filter as eckid keeps it.
CREATE OR REPLACE FUNCTION eckid_internal.masked_view_verify(view_id integer, strict boolean,
		OUT differs text, OUT row_filter text, OUT row_filter_node text)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	def eckid.masked_view;
	p record;
	view_names text[];
	items text[] := '{}';
	skip smallint[] := '{}';
	j integer;
	v_name text;
	s_schema text;
	s_name text;
BEGIN
	SELECT * INTO def FROM eckid.masked_view m WHERE m.id = view_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'masked view % does not exist', view_id
			USING ERRCODE = 'undefined_object';
	END IF;
	SELECT n.nspname, c.relname INTO s_schema, s_name
	  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	 WHERE c.oid = def.source_oid;
	SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO v_name
	  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	 WHERE c.oid = def.view_oid AND c.relkind = 'v';
	IF s_name IS NULL OR v_name IS NULL THEN
		RAISE EXCEPTION 'masked view % does not exist', view_id
			USING ERRCODE = 'undefined_object';
	END IF;
	p := eckid_internal.masked_view_plan(view_id, def.source_oid, def.hide, def.hide_names, def.masked, def.recipient);
	view_names := ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
						 WHERE a.attrelid = def.view_oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum);
	FOR k IN 1 .. pg_catalog.cardinality(view_names) LOOP
		j := pg_catalog.array_position(p.names, view_names[k]);
		IF def.released OR j IS NULL THEN
			items := items || 'NULL'::text;
			skip := skip || k::smallint;
		ELSE
			items := items || p.items[j];
		END IF;
	END LOOP;
	SELECT c.differs, c.view_filter, c.view_filter_node INTO differs, row_filter, row_filter_node
	  FROM eckid_internal.masked_view_compare(def.view_oid, def.source_oid,
			pg_catalog.format('SELECT %s FROM %I.%I AS t',
				(SELECT pg_catalog.string_agg(pg_catalog.format('%s AS %I', it, n), ', ' ORDER BY i)
				   FROM unnest(view_names, items) WITH ORDINALITY AS u(n, it, i)),
				s_schema, s_name),
			skip, def.row_filter, def.row_filter_node) AS c;
	IF strict AND differs IS NOT NULL THEN
		RAISE EXCEPTION 'masked view % is not the view eckid made', v_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('The view''s %s differs from what eckid.masked_view records (was it replaced with CREATE OR REPLACE VIEW?).  eckid does not replace a view it did not make: it could show rows or values its owner meant to leave out.',
											 differs),
				  HINT = 'Drop the view with eckid.drop_masked_view() and make it again with eckid.create_masked_view(), giving the rows it is to show as row_filter; then repeat the command.';
	END IF;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_verify(integer, boolean) IS
	'whether a masked view is still the view eckid made (and its row filter as eckid keeps it)';

CREATE OR REPLACE FUNCTION eckid_internal.masked_view_compare(view oid, source oid, expected text, skip smallint[],
		row_filter text, row_filter_node text,
		OUT differs text, OUT view_filter text, OUT view_filter_node text)
	AS 'MODULE_PATHNAME', 'eckid_masked_view_compare'
	LANGUAGE C STABLE;
COMMENT ON FUNCTION eckid_internal.masked_view_compare(oid, oid, text, smallint[], text, text) IS
	'compare the parse tree of a masked view with the query eckid would make and the row filter recorded';

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
CREATE OR REPLACE FUNCTION eckid_internal.masked_view_refresh(view_id integer)
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
	n integer;
	check_result record;
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
	n := pg_catalog.cardinality(view_names);

	-- The view must still be the one eckid made before eckid replaces it:
	-- an owner who narrowed it (a WHERE of CREATE OR REPLACE VIEW) would
	-- otherwise see it widened without a word (issue 20).  A view that
	-- needs no change is left as it is; eckid.security_check() reports it.
	check_result := eckid_internal.masked_view_verify(view_id,
		def.released OR view_names IS DISTINCT FROM p.names[1:n] OR view_types IS DISTINCT FROM p.types[1:n]
		OR n <> pg_catalog.cardinality(p.names));

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
		PERFORM eckid_internal.masked_view_clear_dependents(v.oid, false);
		BEGIN
			EXECUTE pg_catalog.format('DROP VIEW %I.%I', v_schema, v.relname);
		EXCEPTION WHEN dependent_objects_still_exist THEN
			GET STACKED DIAGNOSTICS msg_detail = PG_EXCEPTION_DETAIL;
			RAISE EXCEPTION 'cannot regenerate masked view %.% because other objects depend on it',
				pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname)
				USING ERRCODE = 'dependent_objects_still_exist', DETAIL = msg_detail,
					  HINT = 'Drop the objects that depend on the masked view, or the masked view, and repeat the command.';
		END;
		new_vid := eckid_internal.masked_view_define(v_schema, v.relname, def.source_oid, p.names, p.items,
											check_result.row_filter, false, coalesce(v.reloptions, '{}'));
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
	ELSIF def.released OR n <> pg_catalog.cardinality(p.names) THEN
		RAISE DEBUG 'replacing masked view %.%', pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname);
		BEGIN
			new_vid := eckid_internal.masked_view_define(v_schema, v.relname, def.source_oid, p.names, p.items,
												check_result.row_filter, true, coalesce(v.reloptions, '{}'));
		EXCEPTION WHEN feature_not_supported OR dependent_objects_still_exist THEN
			-- a column of some table has the view's row type: PostgreSQL
			-- will not add columns to it
			PERFORM eckid_internal.masked_view_clear_dependents(v.oid, true);
			new_vid := eckid_internal.masked_view_define(v_schema, v.relname, def.source_oid, p.names, p.items,
												check_result.row_filter, true, coalesce(v.reloptions, '{}'));
		END;
	ELSE
		new_vid := v.oid;
	END IF;
	-- without the barrier, a reader's leaky function would see the table's values
	IF NOT coalesce(v.reloptions, '{}') @> '{security_barrier=true}' THEN
		RAISE WARNING 'masked view %.% is a security barrier again', pg_catalog.quote_ident(v_schema), pg_catalog.quote_ident(v.relname)
			USING DETAIL = 'Without security_barrier, functions in the WHERE clause of a reader could see the values the view masks.';
		EXECUTE pg_catalog.format('ALTER VIEW %I.%I SET (security_barrier = true)', v_schema, v.relname);
	END IF;

	-- the filter as it reads now (a column it uses may have been renamed),
	-- unless the view is not the one eckid made
	IF check_result.differs IS NULL THEN
		def.row_filter := check_result.row_filter;
		def.row_filter_node := check_result.row_filter_node;
	END IF;
	IF (def.view_oid, def.view_schema, def.view_name, def.source_schema, def.source_name,
		def.hide, def.hide_names, def.masked, def.released)
	   IS DISTINCT FROM (new_vid, v_schema, v.relname::text, s_schema, s.relname::text,
						 p.new_hide, p.new_hide_names, p.new_masked, false)
	   OR (SELECT (m.row_filter, m.row_filter_node) IS DISTINCT FROM (def.row_filter, def.row_filter_node)
			 FROM eckid.masked_view m WHERE m.id = view_id) THEN
		UPDATE eckid.masked_view
		   SET view_oid = new_vid, view_schema = v_schema, view_name = v.relname, source_schema = s_schema,
			   source_name = s.relname, hide = p.new_hide, hide_names = p.new_hide_names, masked = p.new_masked,
			   released = false, row_filter = def.row_filter, row_filter_node = def.row_filter_node
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
-- command's transaction: if the command fails, the view is as it was.  A
-- row filter stays, so a column it uses can be neither dropped nor retyped.
CREATE OR REPLACE FUNCTION eckid_internal.masked_view_release(source oid)
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
	check_result record;
BEGIN
	FOR def IN SELECT * FROM eckid.masked_view m WHERE m.source_oid = source ORDER BY m.id FOR UPDATE LOOP
		SELECT n.nspname, c.relname, coalesce(c.reloptions, '{}') INTO v_schema, v_name, options
		  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		 WHERE c.oid = def.view_oid AND c.relkind = 'v';
		CONTINUE WHEN NOT FOUND;
		-- never replace a view its owner has changed (see masked_view_refresh)
		check_result := eckid_internal.masked_view_verify(def.id, true);
		SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum),
			   pg_catalog.array_agg(pg_catalog.format('NULL::%s', pg_catalog.format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
		  INTO names, items
		  FROM pg_catalog.pg_attribute a WHERE a.attrelid = def.view_oid AND a.attnum > 0 AND NOT a.attisdropped;
		-- the row filter stays: no row outside it is shown meanwhile either
		PERFORM eckid_internal.masked_view_define(v_schema, v_name, source, names, items, check_result.row_filter,
										  true, options);
		UPDATE eckid.masked_view SET released = true WHERE id = def.id;
	END LOOP;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_release(oid) IS
	'let an ALTER TABLE drop or retype columns that masked views of the table show (called by the event trigger)';

CREATE OR REPLACE FUNCTION eckid_internal.masked_view_drop(caller oid, target regclass)
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
	PERFORM eckid_internal.masked_view_clear_dependents(target, false);
	EXECUTE pg_catalog.format('DROP VIEW %s', target);
	DELETE FROM eckid.masked_view WHERE id = v_id;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_drop(oid, regclass) IS
	'the work of eckid.drop_masked_view(), for the calling role given as the first argument';

REVOKE ALL ON FUNCTION eckid_internal.masked_view_define(text, text, oid, text[], text[], text, boolean, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_clear_dependents(oid, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_verify(integer, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_compare(oid, oid, text, smallint[], text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_refresh(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_release(oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_drop(oid, regclass) FROM PUBLIC;
