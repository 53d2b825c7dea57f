-- sql/install/51_masked_view_create.sql: the work of
-- eckid.create_masked_view() (one part of the install script; see
-- 00_schemas.sql).  An upgrade script includes this file whenever the
-- function changes, so it runs again on an existing database: CREATE OR
-- REPLACE, COMMENT, REVOKE.

-- row_filter has been checked and made the text eckid keeps by
-- eckid.create_masked_view() (src/mask_filter.c), as the calling role.
CREATE OR REPLACE FUNCTION eckid_internal.masked_view_create(caller oid, source regclass, view_name text,
										 hide text[], recipient text, row_filter text)
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
	check_result record;
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
	IF eckid_internal.citus_partmethod(source) IS NOT NULL THEN
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
	p := eckid_internal.masked_view_plan(new_id, source, hide_attnums, '{}', '{}', recipient);
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

	v := eckid_internal.masked_view_define(v_schema, v_name, source, p.names, p.items, row_filter, false,
										   '{security_barrier=true}');
	EXECUTE pg_catalog.format('ALTER VIEW %I.%I OWNER TO %I', v_schema, v_name, pg_catalog.pg_get_userbyid(src.relowner));
	INSERT INTO eckid.masked_view (id, view_oid, source_oid, view_schema, view_name, source_schema, source_name,
								   hide, hide_names, recipient, masked, row_filter)
		VALUES (new_id, v, source, v_schema, v_name, src_schema, src.relname, p.new_hide, p.new_hide_names,
				recipient, p.new_masked, row_filter);
	IF row_filter IS NOT NULL THEN
		-- the filter as the view has it: what the upkeep compares the view with
		check_result := eckid_internal.masked_view_verify(new_id, true);
		UPDATE eckid.masked_view SET row_filter = check_result.row_filter, row_filter_node = check_result.row_filter_node
		 WHERE id = new_id;
	END IF;
	RETURN v;
END
$$;
COMMENT ON FUNCTION eckid_internal.masked_view_create(oid, regclass, text, text[], text, text) IS
	'the work of eckid.create_masked_view(), for the calling role given as the first argument';

CREATE OR REPLACE FUNCTION eckid.create_masked_view(source regclass, view_name text,
										 hide text[] DEFAULT '{}', recipient text DEFAULT NULL,
										 row_filter text DEFAULT NULL)
	RETURNS regclass
	AS 'MODULE_PATHNAME', 'eckid_create_masked_view'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION eckid.create_masked_view(regclass, text, text[], text, text) IS
	'make a view of a table with eckid columns masked (or pseudonymized for recipient), the hide columns left out and only the rows row_filter lets through';

REVOKE ALL ON FUNCTION eckid_internal.masked_view_create(oid, regclass, text, text[], text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.create_masked_view(regclass, text, text[], text, text) FROM PUBLIC;
