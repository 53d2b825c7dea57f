-- sql/install/50_hiding.sql: eckid.mask(), eckid.pseudonymize() and masked views
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql)
-- An upgrade script never includes this file: its CREATE statements do not
-- run again on an existing database.  A later change to an object here is
-- written by hand in the upgrade script, or the object moves to a file
-- that runs again (docs/development.md, "The SQL and its releases").

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
	UNIQUE (view_schema, view_name),
	row_filter		text,
	row_filter_node	text
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
COMMENT ON COLUMN eckid.masked_view.row_filter IS 'the condition a row must meet to be shown (NULL: every row), with every name outside pg_catalog qualified';
COMMENT ON COLUMN eckid.masked_view.row_filter_node IS 'the row filter as eckid compares it with the view (a parse tree of this PostgreSQL version)';
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
REVOKE ALL ON FUNCTION eckid.drop_masked_view(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_plan(integer, oid, smallint[], text[], smallint[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_grant(regclass, oid, oid, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_bind() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_type_kind(oid, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_before_ddl() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_follow_ddl() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.masked_view_forget_dropped() FROM PUBLIC;
