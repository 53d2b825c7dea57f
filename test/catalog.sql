-- The catalog entries users rely on: volatility, parallel safety, who may
-- execute what, comments, and the type's storage.
BEGIN;
SELECT plan(20);

-- Without eckid on the search path, regprocedure names come out qualified.
SET LOCAL search_path = public;

SELECT results_eq(
	$$SELECT p.oid::regprocedure::text, p.provolatile::text, p.proparallel::text,
			 p.proisstrict, p.prosecdef,
			 has_function_privilege('public', p.oid, 'EXECUTE')
		FROM pg_proc p
	   WHERE p.pronamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
	   ORDER BY 1$$,
	$$VALUES
		('eckid.assign()', 'v', 'u', false, false, false),
		('eckid.backfill(regclass,integer)', 'v', 'u', false, false, false),
		('eckid.bsn_is_valid(text)', 'i', 's', true, false, true),
		('eckid.citus_sync_privileges()', 'v', 'u', false, false, false),
		('eckid.create_masked_view(regclass,text,text[],text,text)', 'v', 'u', false, false, false),
		('eckid.derive(eckid.eckid,text,text)', 's', 's', true, false, false),
		('eckid.digest(eckid.eckid)', 'i', 's', true, false, true),
		('eckid.drop_masked_view(regclass)', 'v', 'u', false, false, false),
		('eckid.eckid_cmp(eckid.eckid,eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_eq(eckid.eckid,eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_ge(eckid.eckid,eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_gt(eckid.eckid,eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_hash(eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_hash_extended(eckid.eckid,bigint)', 'i', 's', true, false, true),
		('eckid.eckid_in(cstring)', 'i', 's', true, false, true),
		('eckid.eckid_le(eckid.eckid,eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_lt(eckid.eckid,eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_ne(eckid.eckid,eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_out(eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_recv(internal)', 'i', 's', true, false, true),
		('eckid.eckid_send(eckid.eckid)', 'i', 's', true, false, true),
		('eckid.eckid_sortsupport(internal)', 'i', 's', true, false, true),
		('eckid.forget(text)', 'v', 'u', false, false, false),
		('eckid.hpgn(text)', 's', 's', true, false, false),
		('eckid.hpgn(text,text)', 'i', 's', true, false, false),
		('eckid.hpgn_is_valid(text)', 'i', 's', true, false, true),
		('eckid.is_valid(text)', 'i', 's', true, false, true),
		('eckid.local_stampseudonym(text)', 's', 's', true, false, false),
		('eckid.mask(eckid.eckid)', 'i', 's', true, false, true),
		('eckid.nv_claim(text,integer,interval)', 'v', 'u', false, true, false),
		('eckid.nv_extend(bigint,text,interval)', 'v', 'u', false, true, false),
		('eckid.nv_purge(interval)', 'v', 'u', false, true, false),
		('eckid.nv_release(bigint,text,interval,text)', 'v', 'u', false, true, false),
		('eckid.nv_report_replacement(text,text,date)', 'v', 'u', false, true, false),
		('eckid.nv_request(regclass,name,name,text,text,text)', 'v', 'u', false, false, false),
		('eckid.nv_requeue(bigint[])', 'v', 'u', false, true, false),
		('eckid.nv_resubmit(bigint,text)', 'v', 'u', false, true, false),
		('eckid.nv_store(bigint,text,integer[],text[],integer[],text[])', 'v', 'u', false, true, false),
		('eckid.nv_submitted(bigint,text,text)', 'v', 'u', false, true, false),
		('eckid.onderwijsnummer_is_valid(text)', 'i', 's', true, false, true),
		('eckid.pseudonymize(eckid.eckid,text)', 's', 's', true, false, false),
		('eckid.replace_hpgn(text,text,timestamp with time zone)', 'v', 'u', false, true, false),
		('eckid.resolve_hpgn(text)', 's', 's', true, false, false),
		('eckid.security_check()', 'v', 'u', false, false, false),
		('eckid.segment(eckid.eckid)', 'i', 's', true, false, true),
		('eckid.stampseudonym(text)', 's', 's', true, true, false),
		('eckid_internal.backfill_compute_ahead(regclass,oid[],tid[])', 'v', 'u', true, false, false),
		('eckid_internal.backfill_distributed(regclass,integer)', 'v', 'u', false, false, false),
		('eckid_internal.backfill_pick(regclass,oid,tid,integer,boolean,text[])', 'v', 'u', true, false, false),
		('eckid_internal.backfill_put(regclass,oid,tid[])', 'v', 'u', true, false, false),
		('eckid_internal.backfill_remaining(regclass)', 'v', 'u', true, false, false),
		('eckid_internal.backfill_row(regclass,text,text,eckid.eckid)', 's', 's', false, false, false),
		('eckid_internal.backfill_setup(regclass)', 'v', 'u', true, false, false),
		('eckid_internal.backfill_shards_command(text[],integer)', 'i', 'u', true, false, false),
		('eckid_internal.citus_acl_inventory()', 's', 'u', false, false, false),
		('eckid_internal.citus_acl_sync(jsonb,boolean)', 'v', 'u', true, false, false),
		('eckid_internal.citus_partmethod(regclass)', 's', 'u', false, false, false),
		('eckid_internal.key_source_status()', 'v', 'u', true, false, false),
		('eckid_internal.masked_view_before_ddl()', 'v', 'u', false, false, false),
		('eckid_internal.masked_view_bind()', 'v', 'u', false, false, false),
		('eckid_internal.masked_view_clear_dependents(oid,boolean)', 'v', 'u', false, false, false),
		('eckid_internal.masked_view_compare(oid,oid,text,smallint[],text,text)', 's', 'u', false, false, false),
		('eckid_internal.masked_view_create(oid,regclass,text,text[],text,text)', 'v', 'u', false, true, false),
		('eckid_internal.masked_view_define(text,text,oid,text[],text[],text,boolean,text[])', 'v', 'u', false, false, false),
		('eckid_internal.masked_view_drop(oid,regclass)', 'v', 'u', false, true, false),
		('eckid_internal.masked_view_follow_ddl()', 'v', 'u', false, true, false),
		('eckid_internal.masked_view_forget_dropped()', 'v', 'u', false, true, false),
		('eckid_internal.masked_view_grant(regclass,oid,oid,text,boolean)', 'v', 'u', true, false, false),
		('eckid_internal.masked_view_plan(integer,oid,smallint[],text[],smallint[],text)', 's', 's', false, false, false),
		('eckid_internal.masked_view_pseudonym(integer,smallint,oid,tid)', 's', 's', true, false, true),
		('eckid_internal.masked_view_refresh(integer)', 'v', 'u', false, false, false),
		('eckid_internal.masked_view_release(oid)', 'v', 'u', false, true, false),
		('eckid_internal.masked_view_type_kind(oid,integer)', 's', 's', true, false, false),
		('eckid_internal.masked_view_verify(integer,boolean)', 'v', 'u', false, false, false),
		('eckid_internal.nv_answer_problem(text,text,text)', 's', 'u', false, false, false),
		('eckid_internal.nv_batch_items(bigint)', 's', 'u', false, false, false),
		('eckid_internal.nv_check_worker(text,interval)', 'i', 'u', false, false, false),
		('eckid_internal.nv_enqueue(oid,smallint,smallint,text,text,text,oid)', 'v', 'u', false, true, false),
		('eckid_internal.nv_enqueue_replacement(text,text,date)', 'v', 'u', false, true, false),
		('eckid_internal.nv_follow_renames()', 'v', 'u', false, true, false),
		('eckid_internal.nv_forget_dropped()', 'v', 'u', false, true, false),
		('eckid_internal.nv_held(bigint,text)', 'v', 'u', false, false, false),
		('eckid_internal.nv_retry_targets()', 'v', 'u', false, false, false),
		('eckid_internal.nv_scrub(text)', 'i', 's', false, false, false),
		('eckid_internal.nv_target_bind()', 'v', 'u', false, false, false),
		('eckid_internal.nv_write_group(integer,text,bigint[])', 'v', 'u', false, false, false),
		('eckid_internal.nv_write_target(oid,smallint,smallint,text,text[],eckid.eckid[])', 'v', 'u', false, false, false),
		('eckid_internal.nv_write_targets(bigint[])', 'v', 'u', false, false, false),
		('eckid_internal.secret_settings_status()', 'v', 'u', true, false, false)$$,
	'every function has the documented volatility, parallel safety, strictness and PUBLIC access'
);

-- Safe under any search_path (test/shell/search_path_traps.sh runs them
-- under hostile ones): code in SQL or PL/pgSQL pins it, except the one
-- procedure that commits and so cannot have a SET clause.
SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
	  WHERE p.pronamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
		AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
		AND p.proname !~ '^masked_rows_[0-9]+$'
		AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
	ARRAY['eckid.backfill(regclass,integer)'],
	'every function in SQL or PL/pgSQL pins search_path = pg_catalog, pg_temp, except eckid.backfill (it commits: every name in it is qualified)'
);

SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
	  WHERE p.pronamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
		AND obj_description(p.oid, 'pg_proc') IS NULL),
	NULL,
	'every function has a COMMENT'
);

-- eckid's operators live in pg_catalog (issue 20: no search_path can put
-- another operator before them), their functions in eckid
SELECT results_eq(
	$$SELECT o.oid::regoperator::text, o.oprnamespace::regnamespace::text, o.oprcode::regprocedure::text,
			 EXISTS (SELECT FROM pg_depend d
					  WHERE d.classid = 'pg_operator'::regclass AND d.objid = o.oid AND d.deptype = 'e'
						AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'eckid'))
		FROM pg_operator o
	   WHERE 'eckid.eckid'::regtype IN (o.oprleft, o.oprright)
	   ORDER BY 1$$,
	$$VALUES
		('<(eckid.eckid,eckid.eckid)', 'pg_catalog', 'eckid.eckid_lt(eckid.eckid,eckid.eckid)', true),
		('<=(eckid.eckid,eckid.eckid)', 'pg_catalog', 'eckid.eckid_le(eckid.eckid,eckid.eckid)', true),
		('<>(eckid.eckid,eckid.eckid)', 'pg_catalog', 'eckid.eckid_ne(eckid.eckid,eckid.eckid)', true),
		('=(eckid.eckid,eckid.eckid)', 'pg_catalog', 'eckid.eckid_eq(eckid.eckid,eckid.eckid)', true),
		('>(eckid.eckid,eckid.eckid)', 'pg_catalog', 'eckid.eckid_gt(eckid.eckid,eckid.eckid)', true),
		('>=(eckid.eckid,eckid.eckid)', 'pg_catalog', 'eckid.eckid_ge(eckid.eckid,eckid.eckid)', true)$$,
	'the six operators: in pg_catalog, members of the extension, implemented by functions in eckid'
);

SELECT is(
	(SELECT array_agg(o.oid::regoperator::text) FROM pg_operator o
	  WHERE 'eckid.eckid'::regtype IN (o.oprleft, o.oprright)
		AND obj_description(o.oid, 'pg_operator') IS NULL),
	NULL,
	'every operator has a COMMENT'
);

SELECT isnt(obj_description('eckid.eckid'::regtype, 'pg_type'), NULL, 'the type has a COMMENT');

-- What psql's \dT+, \df+, \do+, \d+, \dy+ and \dd show as the description
-- (obj_description): every object of the extension has one, whatever its kind.
SELECT is(
	(SELECT array_agg(pg_describe_object(d.classid, d.objid, 0) ORDER BY 1)
	   FROM pg_depend d
	  WHERE d.refclassid = 'pg_extension'::regclass
		AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'eckid')
		AND d.deptype = 'e'
		AND obj_description(d.objid, d.classid::regclass::text) IS NULL
		-- not the types PostgreSQL makes along with another object (a
		-- type's array type, a table's row type): their COMMENT is the
		-- object's own.  PostgreSQL 17 records them as extension members too.
		AND NOT EXISTS (SELECT 1 FROM pg_depend i
						 WHERE i.classid = d.classid AND i.objid = d.objid AND i.deptype = 'i')),
	NULL,
	'every object of the extension (type, functions, operators, operator classes and families, tables, sequence, event triggers) has a COMMENT'
);

SELECT ok(
	(SELECT array_agg(DISTINCT d.classid::regclass::text)
	   FROM pg_depend d
	  WHERE d.refclassid = 'pg_extension'::regclass
		AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'eckid')
		AND d.deptype = 'e')
	@> ARRAY['pg_class', 'pg_event_trigger', 'pg_opclass', 'pg_operator', 'pg_opfamily', 'pg_proc', 'pg_type'],
	'(so the test above covers types, functions, operators, operator classes and families, tables and event triggers)'
);

SELECT is(
	(SELECT array_agg(format('%s.%s', c.oid::regclass, a.attname) ORDER BY 1)
	   FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  WHERE c.relnamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace) AND c.relkind IN ('r', 'p', 'v')
		AND col_description(c.oid, a.attnum) IS NULL),
	NULL,
	'every column of the tables and views in schemas eckid and eckid_internal has a COMMENT'
);

SELECT results_eq(
	$$SELECT typlen::int, typbyval, typalign::text, typstorage::text
		FROM pg_type WHERE oid = 'eckid.eckid'::regtype$$,
	$$VALUES (80, false, 'c', 'p')$$,
	'eckid is a fixed-length 80-byte value, by reference, char-aligned, plain storage'
);

SELECT is(
	(SELECT extrelocatable FROM pg_extension WHERE extname = 'eckid'),
	false,
	'the extension is not relocatable'
);

SELECT ok(
	has_schema_privilege('public', 'eckid', 'USAGE'),
	'everybody may use schema eckid (the type and the validation functions)'
);

-- The internals live apart, out of \df eckid.*, in a schema of the
-- extension that PUBLIC may not use.
SELECT ok(
	NOT has_schema_privilege('public', 'eckid_internal', 'USAGE')
	AND NOT has_schema_privilege('public', 'eckid_internal', 'CREATE'),
	'PUBLIC may neither use nor create in schema eckid_internal'
);

SELECT ok(
	EXISTS (SELECT FROM pg_depend d
			 WHERE d.classid = 'pg_namespace'::regclass AND d.objid = 'eckid_internal'::regnamespace
			   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
			   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'eckid')),
	'schema eckid_internal belongs to the extension (DROP EXTENSION drops it)'
);

SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
	  WHERE p.pronamespace = 'eckid'::regnamespace
		AND p.proname ~ '^(masked_view_|backfill_|secret_settings)'),
	NULL,
	'no internal helper is in schema eckid'
);

SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
	  WHERE p.pronamespace = 'eckid_internal'::regnamespace
		AND has_function_privilege('public', p.oid, 'EXECUTE')),
	ARRAY['eckid_internal.masked_view_pseudonym(integer,smallint,oid,tid)'],
	'of eckid_internal, PUBLIC may execute only what masked views call'
);

SELECT ok(
	NOT has_table_privilege('eckid_plain', 'eckid.hpgn_replacement', 'SELECT'),
	'the replacement table is not readable by PUBLIC'
);

SELECT ok(
	(SELECT extconfig @> ARRAY['eckid.hpgn_replacement'::regclass::oid]
	   FROM pg_extension WHERE extname = 'eckid'),
	'the replacement table is an extension configuration table, so pg_dump keeps its rows'
);

SELECT ok(
	NOT has_table_privilege('eckid_plain', 'eckid.masked_view', 'SELECT'),
	'the masked-view definitions are not readable by PUBLIC'
);

SELECT is(
	(SELECT array_agg(evtname::text ORDER BY evtname) FROM pg_event_trigger e
	  WHERE obj_description(e.oid, 'pg_event_trigger') IS NOT NULL
		AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid
					   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')),
	ARRAY['eckid_masked_view_before_ddl', 'eckid_masked_view_follow_ddl', 'eckid_masked_view_forget_dropped',
		  'eckid_nv_follow_renames', 'eckid_nv_forget_dropped']::text[],
	'the event triggers of masked views and of the Nummervoorziening queue belong to the extension and have a COMMENT'
);

SELECT * FROM finish();
ROLLBACK;
