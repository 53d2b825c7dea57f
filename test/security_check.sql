-- eckid.security_check(): every check goes both ways (the setting or grant
-- that makes it a warning or problem, and back to ok), it never shows a
-- secret, and only superusers may run it.  Settings of this session change
-- with SET LOCAL; the salt and the key file by reconfiguring the cluster,
-- seen from fresh sessions (dblink).  Everything is rolled back.
BEGIN;
SELECT plan(141);

CREATE FUNCTION pg_temp.status(name text) RETURNS text LANGUAGE sql AS $$
	SELECT status FROM eckid.security_check() WHERE check_name = name
$$;
CREATE FUNCTION pg_temp.detail(name text) RETURNS text LANGUAGE sql AS $$
	SELECT detail FROM eckid.security_check() WHERE check_name = name
$$;
-- the status of a check in a fresh session, which sees a reloaded configuration
CREATE FUNCTION pg_temp.fresh_status(name text) RETURNS text LANGUAGE sql AS $$
	SELECT eckid_test.remote('postgres',
		format('SELECT status FROM eckid.security_check() WHERE check_name = %L', name))
$$;

SELECT is(ARRAY(SELECT check_name FROM eckid.security_check()),
	ARRAY['library preloaded', 'salt', 'key file', 'salt fingerprint', 'key fingerprint', 'pseudonym key fingerprint', 'log redaction', 'export record', 'log_statement',
		  'log_min_duration_statement', 'log_parameter_max_length', 'log_parameter_max_length_on_error',
		  'log_min_error_statement', 'debug_print settings', 'auto_explain', 'plan_cache_mode',
		  'settings of roles and databases',
		  'schemas where PUBLIC may create', 'pg_catalog on the search_path', 'schemas on a superuser''s search_path',
		  'schemas eckid and eckid_internal', 'roles that may compute pseudonyms', 'grants on masked views',
		  'masked views as eckid made them', 'row-level security under recipient views',
		  'grants on PGN, HPgn and ECK iD columns', 'hash oracle: write a PGN, read its HPgn',
		  'pseudonym oracle: write a value, read its pseudonym', 'mask oracle: write a PGN, read its mask',
		  'roles that see others'' queries', 'pg_stat_statements', 'server file access'],
	'security_check() reports these checks, in this order');
SELECT is((SELECT count(*) FROM eckid.security_check()
			WHERE status NOT IN ('ok', 'warning', 'problem') OR detail IS NULL
			   OR (status <> 'ok' AND remedy IS NULL)),
	0::bigint, 'every row has a status ok, warning or problem, a detail, and a remedy unless ok');

-- Never a secret
SELECT is((SELECT count(*) FROM eckid.security_check()
			WHERE concat(detail, remedy) LIKE '%rktYml0MIp9TC9u6Ny6uqw%'
			   OR concat(detail, remedy) LIKE '%' || current_setting('eckid.key_file') || '%'
			   OR concat(detail, remedy) ~ '[0-9a-f]{16}'),
	0::bigint, 'no row shows the salt, the key file''s path or anything like a key');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SELECT count(*)::text FROM eckid.security_check()')$$,
	'42501', NULL, 'a role that is not a superuser may not run it');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_monitor', 'SELECT count(*)::text FROM eckid_internal.secret_settings_status()')$$,
	'42501', NULL, 'nor its helper, even with pg_read_all_settings');
GRANT EXECUTE ON FUNCTION eckid.security_check() TO eckid_plain;
GRANT EXECUTE ON FUNCTION eckid_internal.secret_settings_status() TO eckid_plain;
GRANT EXECUTE ON FUNCTION eckid_internal.key_source_status() TO eckid_plain;
GRANT USAGE ON SCHEMA eckid_internal TO eckid_plain;
SET LOCAL ROLE eckid_plain;
SELECT throws_ok($$SELECT count(*) FROM eckid.security_check()$$,
	'42501', 'must be superuser to run eckid.security_check()', 'and granting it EXECUTE is not enough');
SELECT throws_ok($$SELECT count(*) FROM eckid_internal.secret_settings_status()$$,
	'42501', 'must be superuser to check eckid''s secret settings', 'for the helper either');
SELECT throws_ok($$SELECT eckid_internal.key_source_status()$$,
	'42501', 'must be superuser to check eckid''s secret settings', 'nor for the key source''s helper');
RESET ROLE;
SELECT is(eckid_internal.key_source_status(), 'file', 'a superuser sees that the key comes from eckid.key_file (the probe: the helper answers)');

-- Library, salt and key file
SELECT is(pg_temp.status('library preloaded'), 'ok', 'eckid is preloaded here');
SELECT is(pg_temp.status('salt'), 'ok', 'the salt is set');
SELECT eckid_test.reconfigure('eckid.salt', '');
SELECT is(pg_temp.fresh_status('salt'), 'problem', 'no salt: problem');
SELECT eckid_test.reconfigure('eckid.salt', 'not*base64');
SELECT is(pg_temp.fresh_status('salt'), 'problem', 'a salt that is not base64: problem');
SELECT unalike(eckid_test.remote('postgres', $$SELECT string_agg(concat(detail, remedy), ' ') FROM eckid.security_check()$$),
	'%not*base64%', 'and the bad value is not shown');
SELECT eckid_test.reconfigure('eckid.salt', NULL);
SELECT is(pg_temp.fresh_status('salt'), 'ok', 'the salt back: ok');

SELECT is(pg_temp.status('key file'), 'ok', 'the key file is private');
SELECT matches(pg_temp.detail('key file'), 'mode 0600', 'with its mode in the detail');
SELECT eckid_test.write_file(eckid_test.scratch('open.key'), repeat('ab', 32), '640');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('open.key'));
SELECT is(pg_temp.fresh_status('key file'), 'problem', 'a key file its group may read: problem');
SELECT eckid_test.reconfigure('eckid.key_file', eckid_test.scratch('missing.key'));
SELECT is(pg_temp.fresh_status('key file'), 'problem', 'a missing key file: problem');
SELECT eckid_test.reconfigure('eckid.key_file', '');
SELECT is(pg_temp.fresh_status('key file'), 'problem', 'no key file: problem');
SELECT eckid_test.reconfigure('eckid.key_file', NULL);
SELECT is(pg_temp.fresh_status('key file'), 'ok', 'the key file back: ok');
SELECT is(pg_temp.status('pseudonym key fingerprint'), 'ok',
	'no separate pseudonym key: ok (its other states: test/fingerprint.sql, test/shell/leaked_key.sh)');

-- Log settings
SELECT is(pg_temp.status('log redaction'), 'ok', 'eckid.log_redaction = all (the default): ok');
SELECT matches(pg_temp.detail('log redaction'), '^eckid\.log_redaction = all', 'with its value');
SET LOCAL eckid.log_redaction = 'pseudonyms';
SELECT is(pg_temp.status('log redaction'), 'warning', 'eckid.log_redaction = pseudonyms (PGNs reach the log): warning');
SET LOCAL eckid.log_redaction = 'off';
SELECT is(pg_temp.status('log redaction'), 'problem', 'eckid.log_redaction = off: problem');
-- The export record: off for the server (here: this session) or for a role
SELECT is(pg_temp.status('export record'), 'ok', 'eckid.export_record = on (the default): ok');
SET LOCAL eckid.export_record = off;
SELECT is(pg_temp.status('export record'), 'problem', 'eckid.export_record = off: problem');
RESET eckid.export_record;
CREATE ROLE eckid_quiet_exporter;
ALTER ROLE eckid_quiet_exporter SET eckid.export_record = 'false';
SELECT is(pg_temp.status('export record'), 'warning', 'off for a role (ALTER ROLE ... SET): warning');
SELECT matches(pg_temp.detail('export record'), 'eckid_quiet_exporter', 'naming the role');
ALTER ROLE eckid_quiet_exporter RESET eckid.export_record;
SELECT is(pg_temp.status('export record'), 'ok', 'reset for the role: ok');
-- The log settings below without redaction: a value in a logged statement
-- reaches the log as it is.  With redaction, the same is a warning.
SET LOCAL eckid.log_redaction = 'off';

SET LOCAL log_statement = 'all';
SELECT is(pg_temp.status('log_statement'), 'problem', 'log_statement = all without redaction: problem');
SET LOCAL eckid.log_redaction = 'all';
SELECT is(pg_temp.status('log_statement'), 'warning', 'log_statement = all with eckid.log_redaction = all: warning');
SET LOCAL eckid.log_redaction = 'off';
SELECT is(pg_temp.status('log_parameter_max_length'), 'problem', 'and log_parameter_max_length = -1 with it: problem');
SET LOCAL log_parameter_max_length = 0;
SELECT is(pg_temp.status('log_parameter_max_length'), 'ok', 'log_parameter_max_length = 0: ok');
SET LOCAL log_parameter_max_length = -1;
SET LOCAL log_statement = 'ddl';
SELECT is(pg_temp.status('log_statement'), 'ok', 'log_statement = ddl: ok');
SELECT is(pg_temp.status('log_parameter_max_length'), 'ok', 'log_parameter_max_length = -1 with no statement logged: ok');

SET LOCAL log_min_duration_statement = 0;
SELECT is(pg_temp.status('log_min_duration_statement'), 'problem', 'log_min_duration_statement = 0: problem');
SET LOCAL log_min_duration_statement = -1;
SELECT is(pg_temp.status('log_min_duration_statement'), 'ok', 'log_min_duration_statement = -1: ok');
SET LOCAL log_transaction_sample_rate = 0.5;
SELECT is(pg_temp.status('log_min_duration_statement'), 'problem', 'log_transaction_sample_rate = 0.5: problem');
SET LOCAL log_transaction_sample_rate = 0;

SET LOCAL debug_print_plan = on;
SELECT is(pg_temp.status('debug_print settings'), 'problem', 'debug_print_plan = on: problem');
SET LOCAL debug_print_plan = off;
SELECT is(pg_temp.status('debug_print settings'), 'ok', 'debug_print_plan = off: ok');

SET LOCAL log_parameter_max_length_on_error = -1;
SELECT is(pg_temp.status('log_parameter_max_length_on_error'), 'problem', 'log_parameter_max_length_on_error = -1: problem');
SET LOCAL log_parameter_max_length_on_error = 0;
SELECT is(pg_temp.status('log_parameter_max_length_on_error'), 'ok', 'log_parameter_max_length_on_error = 0: ok');

SET LOCAL log_min_error_statement = 'error';
SELECT is(pg_temp.status('log_min_error_statement'), 'warning', 'log_min_error_statement = error: warning');
SET LOCAL log_min_error_statement = 'panic';
SELECT is(pg_temp.status('log_min_error_statement'), 'ok', 'log_min_error_statement = panic: ok');

LOAD 'auto_explain';
SET LOCAL auto_explain.log_min_duration = 0;
SET LOCAL plan_cache_mode = 'auto';
SELECT isnt(pg_temp.status('auto_explain'), 'ok', 'auto_explain logging every plan: not ok');
SELECT is(pg_temp.status('plan_cache_mode'), 'problem', 'and plan_cache_mode = auto with it: problem');
SET LOCAL plan_cache_mode = 'force_generic_plan';
SELECT is(pg_temp.status('plan_cache_mode'), 'ok', 'plan_cache_mode = force_generic_plan: ok');
SET LOCAL plan_cache_mode = 'auto';
SET LOCAL auto_explain.log_min_duration = -1;
SELECT is(pg_temp.status('auto_explain'), 'ok', 'auto_explain.log_min_duration = -1: ok');
SELECT is(pg_temp.status('plan_cache_mode'), 'ok', 'and plan_cache_mode = auto without plans logged: ok');


-- Settings of roles and databases: this session does not have them, the
-- sessions of that role or in that database do.
SET LOCAL eckid.log_redaction = 'all';
SELECT is(pg_temp.status('settings of roles and databases'), 'ok', 'no role or database setting: ok');
ALTER ROLE eckid_plain SET log_statement = 'all';
SELECT is(pg_temp.status('log_statement'), 'ok', '(this session''s log_statement is still ok)');
SELECT is(pg_temp.status('settings of roles and databases'), 'warning', 'ALTER ROLE eckid_plain SET log_statement = all (with redaction): warning');
SELECT matches(pg_temp.detail('settings of roles and databases'), 'role eckid_plain: log_statement = all', 'naming the role and the setting');
SELECT is((SELECT remedy FROM eckid.security_check() WHERE check_name = 'settings of roles and databases'),
	'ALTER ROLE eckid_plain RESET log_statement;', 'with the RESET as remedy');
ALTER ROLE eckid_plain RESET log_statement;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET eckid.log_redaction = off', current_database()); END $$;
SELECT is(pg_temp.status('settings of roles and databases'), 'problem', 'ALTER DATABASE ... SET eckid.log_redaction = off: problem');
SELECT matches(pg_temp.detail('settings of roles and databases'), format('database %s: eckid.log_redaction = off', current_database()), 'naming the database');
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET eckid.log_redaction', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER ROLE eckid_las_app IN DATABASE %I SET log_min_duration_statement = 0', current_database()); END $$;
SELECT matches(pg_temp.detail('settings of roles and databases'), format('role eckid_las_app in database %s: log_min_duration_statement = 0', current_database()),
	'ALTER ROLE ... IN DATABASE ... SET log_min_duration_statement = 0 is found');
DO $$ BEGIN EXECUTE format('ALTER ROLE eckid_las_app IN DATABASE %I RESET log_min_duration_statement', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER ROLE eckid_las_app IN DATABASE %I SET log_min_duration_statement = -1', current_database()); END $$;
SELECT is(pg_temp.status('settings of roles and databases'), 'ok', 'a setting that logs nothing (-1): ok');

-- Schemas
SELECT is(pg_temp.status('schemas where PUBLIC may create'), 'ok', 'no schema where PUBLIC may create: ok');
GRANT CREATE ON SCHEMA public TO PUBLIC;
SELECT is(pg_temp.status('schemas where PUBLIC may create'), 'problem', 'GRANT CREATE ON SCHEMA public TO PUBLIC: problem (on the default search_path)');
SELECT is((SELECT remedy FROM eckid.security_check() WHERE check_name = 'schemas where PUBLIC may create'),
	'REVOKE CREATE ON SCHEMA public FROM PUBLIC;', 'with the REVOKE as remedy');
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA scratch_open;
GRANT CREATE ON SCHEMA scratch_open TO PUBLIC;
SELECT is(pg_temp.status('schemas where PUBLIC may create'), 'warning', 'a schema off the search_path where PUBLIC may create: warning');
DROP SCHEMA scratch_open;
SELECT is(pg_temp.status('schemas where PUBLIC may create'), 'ok', 'revoked: ok');

-- pg_catalog on the search_path (issue 20): named after a schema others
-- may create in, every operator can be captured; operators and casts on
-- eckid.eckid that are not eckid's are reported
SELECT is(pg_temp.status('pg_catalog on the search_path'), 'ok', 'pg_catalog not named after another schema, no foreign operator: ok');
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$;
SELECT is(pg_temp.status('pg_catalog on the search_path'), 'warning', 'ALTER DATABASE ... SET search_path = public, pg_catalog, only superusers creating in public: warning');
GRANT CREATE ON SCHEMA public TO eckid_plain;
SELECT is(pg_temp.status('pg_catalog on the search_path'), 'problem', 'and a role that is not a superuser may create in public: problem');
SELECT matches(pg_temp.detail('pg_catalog on the search_path'), 'names pg_catalog after public, where a role that is not a superuser may create',
	'naming the schema');
REVOKE CREATE ON SCHEMA public FROM eckid_plain;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET search_path', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER ROLE eckid_plain IN DATABASE %I SET search_path = "$user", pg_catalog', current_database()); END $$;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO eckid_plain', current_database()); END $$;
SELECT is(pg_temp.status('pg_catalog on the search_path'), 'problem', 'a role''s "$user" before pg_catalog, where a role that is not a superuser may make that schema: problem');
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM eckid_plain', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER ROLE eckid_plain IN DATABASE %I RESET search_path', current_database()); END $$;
CREATE FUNCTION public.planted_eq(eckid.eckid, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR public.= (LEFTARG = eckid.eckid, RIGHTARG = text, FUNCTION = public.planted_eq);
SELECT is(pg_temp.detail('pg_catalog on the search_path'),
	'1 operators and casts on eckid.eckid are not eckid''s (operator public.=(eckid.eckid,text)): they run where eckid has no operator, as in a comparison with text.',
	'an operator on eckid.eckid that is not eckid''s: found');
SELECT is(pg_temp.status('pg_catalog on the search_path'), 'warning', 'and a warning');
DROP OPERATOR public.= (eckid.eckid, text);
DROP FUNCTION public.planted_eq(eckid.eckid, text);
SELECT is(pg_temp.status('pg_catalog on the search_path'), 'ok', 'all undone: ok');

-- Schemas on a superuser's search_path (here "$user", public, eckid for
-- this database): who but superusers may create there
SELECT is(pg_temp.status('schemas on a superuser''s search_path'), 'ok', 'only superusers may create on a superuser''s path: ok');
DO $$ BEGIN EXECUTE format('CREATE SCHEMA %I AUTHORIZATION eckid_plain', session_user); END $$;
SELECT is(pg_temp.status('schemas on a superuser''s search_path'), 'problem', 'a schema named like a superuser ("$user") owned by another role: problem');
SELECT matches(pg_temp.detail('schemas on a superuser''s search_path'),
	format('eckid_plain may create in schema %s, on the search_path of superuser %s', session_user, session_user), 'naming the role, the schema and the superuser');
SELECT matches((SELECT remedy FROM eckid.security_check() WHERE check_name = 'schemas on a superuser''s search_path'),
	'Call eckid''s functions schema-qualified', 'the remedy says to call eckid''s functions qualified');
DO $$ BEGIN EXECUTE format('DROP SCHEMA %I', session_user); END $$;
SELECT is(pg_temp.status('schemas on a superuser''s search_path'), 'ok', 'dropped: ok');
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO eckid_plain', current_database()); END $$;
SELECT matches(pg_temp.detail('schemas on a superuser''s search_path'),
	format('eckid_plain may create schema %s, which would be on the search_path of superuser %s', session_user, session_user),
	'a role that may create the "$user" schema: problem');
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM eckid_plain', current_database()); END $$;
-- public belongs to pg_database_owner: to a database owner who is no superuser
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO eckid_plain', current_database()); END $$;
SELECT is(pg_temp.status('schemas where PUBLIC may create'), 'ok', '(PUBLIC still may not create in public)');
SELECT matches(pg_temp.detail('schemas on a superuser''s search_path'), 'eckid_plain may create in schema public, on the search_path of superuser',
	'a database owner who is no superuser may create in public (pg_database_owner''s): problem');
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO %I', current_database(), session_user); END $$;
SELECT is(pg_temp.status('schemas on a superuser''s search_path'), 'ok', 'owner back: ok');
-- a superuser's own search_path, per role and per role in this database
CREATE ROLE eckid_sc_super SUPERUSER LOGIN;
CREATE SCHEMA sc_trap AUTHORIZATION eckid_plain;
ALTER ROLE eckid_sc_super SET search_path = sc_trap, eckid;
SELECT matches(pg_temp.detail('schemas on a superuser''s search_path'), 'eckid_plain may create in schema sc_trap, on the search_path of superuser eckid_sc_super',
	'ALTER ROLE superuser SET search_path = sc_trap, ... with sc_trap another role''s: problem');
DO $$ BEGIN EXECUTE format('ALTER ROLE eckid_sc_super IN DATABASE %I SET search_path = eckid', current_database()); END $$;
SELECT is(pg_temp.status('schemas on a superuser''s search_path'), 'ok', 'the role''s setting in this database takes precedence: ok');
DROP SCHEMA sc_trap;

-- eckid's own schemas: eckid_internal closed, nothing planted
SELECT is(pg_temp.status('schemas eckid and eckid_internal'), 'ok', 'eckid_internal closed, nothing planted: ok');
GRANT USAGE ON SCHEMA eckid_internal TO PUBLIC;
SELECT is(pg_temp.detail('schemas eckid and eckid_internal'), 'PUBLIC has USAGE on schema eckid_internal.',
	'GRANT USAGE ON SCHEMA eckid_internal TO PUBLIC is found');
REVOKE USAGE ON SCHEMA eckid_internal FROM PUBLIC;
GRANT EXECUTE ON FUNCTION eckid_internal.masked_view_refresh(integer) TO PUBLIC;
SELECT is(pg_temp.status('schemas eckid and eckid_internal'), 'problem', 'PUBLIC may execute an internal function: problem');
REVOKE EXECUTE ON FUNCTION eckid_internal.masked_view_refresh(integer) FROM PUBLIC;
GRANT CREATE ON SCHEMA eckid_internal TO eckid_plain;
SELECT is(pg_temp.detail('schemas eckid and eckid_internal'), 'eckid_plain may create in schema eckid_internal.',
	'a role that may create in eckid_internal is found');
REVOKE CREATE ON SCHEMA eckid_internal FROM eckid_plain;
CREATE FUNCTION eckid.planted() RETURNS int LANGUAGE sql SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
SELECT is(pg_temp.detail('schemas eckid and eckid_internal'), 'function eckid.planted() is not part of the extension.',
	'a function planted in schema eckid is found');
DROP FUNCTION eckid.planted();
SELECT is(pg_temp.status('schemas eckid and eckid_internal'), 'ok', 'all undone: ok');

-- Who may compute pseudonyms
SELECT is(pg_temp.status('roles that may compute pseudonyms'), 'warning', 'the LAS application role may compute pseudonyms: warning');
SELECT matches(pg_temp.detail('roles that may compute pseudonyms'), 'eckid_las_app \(eckid\.derive', 'naming the role and its functions');
GRANT EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) TO PUBLIC;
SELECT is(pg_temp.status('roles that may compute pseudonyms'), 'problem', 'PUBLIC may pseudonymize: problem');
REVOKE EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) FROM PUBLIC;
SELECT is(pg_temp.status('roles that may compute pseudonyms'), 'warning', 'revoked: back to the warning');
SELECT matches(pg_temp.detail('roles that may compute pseudonyms'), 'eckid_nv_worker \(eckid\.nv_claim',
	'the Nummervoorziening worker''s role is listed: it obtains HPgns and Stampseudonyms');
GRANT EXECUTE ON FUNCTION eckid.nv_claim(text, integer, interval) TO PUBLIC;
SELECT is(pg_temp.status('roles that may compute pseudonyms'), 'problem', 'PUBLIC may claim the queue''s HPgns: problem');
REVOKE EXECUTE ON FUNCTION eckid.nv_claim(text, integer, interval) FROM PUBLIC;

-- Masked views and the columns they hide
CREATE TABLE public.sc_pupils (id integer, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER sc_pupils_eckid BEFORE INSERT OR UPDATE ON public.sc_pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
SELECT eckid.create_masked_view('public.sc_pupils', 'public.sc_pupils_masked', '{pgn,hpgn}');
GRANT SELECT ON public.sc_pupils_masked TO eckid_report;
SELECT is(pg_temp.status('grants on masked views'), 'ok', 'a reporting role reads a masked view only: ok');
SELECT is(pg_temp.status('grants on PGN, HPgn and ECK iD columns'), 'ok', 'and not the columns it hides: ok');
GRANT SELECT (hpgn) ON public.sc_pupils TO eckid_report;
SELECT is(pg_temp.status('grants on masked views'), 'problem', 'the reporting role may also read the table: problem');
SELECT is(pg_temp.status('grants on PGN, HPgn and ECK iD columns'), 'problem', 'and the HPgn column: problem');
REVOKE SELECT (hpgn) ON public.sc_pupils FROM eckid_report;
GRANT SELECT (pgn) ON public.sc_pupils TO PUBLIC;
SELECT is(pg_temp.status('grants on PGN, HPgn and ECK iD columns'), 'problem', 'PUBLIC may read the PGN column: problem');
REVOKE SELECT (pgn) ON public.sc_pupils FROM PUBLIC;
GRANT SELECT ON public.sc_pupils_masked TO PUBLIC;
SELECT is(pg_temp.status('grants on masked views'), 'warning', 'PUBLIC may read the masked view: warning');
REVOKE SELECT ON public.sc_pupils_masked FROM PUBLIC;
SELECT is(pg_temp.status('grants on masked views'), 'ok', 'revoked: ok');
SELECT is(pg_temp.status('grants on PGN, HPgn and ECK iD columns'), 'ok', 'revoked: ok for the columns too');

-- Masked views their owners changed, and FORCE ROW LEVEL SECURITY under a
-- recipient view (issue 20)
SELECT is(pg_temp.status('masked views as eckid made them'), 'ok', 'the masked view is as eckid made it: ok');
CREATE OR REPLACE VIEW public.sc_pupils_masked AS SELECT t.id, t.eck_id::text AS eck_id FROM public.sc_pupils AS t;
SELECT is(pg_temp.status('masked views as eckid made them'), 'problem', 'replaced by one that shows the ECK iDs: problem');
SELECT alike(pg_temp.detail('masked views as eckid made them'), '%sc_pupils_masked (its column "eck_id")%', 'naming the view and what differs');
CREATE OR REPLACE VIEW public.sc_pupils_masked AS SELECT t.id, eckid.mask(t.eck_id) AS eck_id FROM public.sc_pupils AS t WHERE t.id < 10;
SELECT is(pg_temp.status('masked views as eckid made them'), 'problem', 'narrowed by a WHERE eckid does not know: problem');
CREATE OR REPLACE VIEW public.sc_pupils_masked AS SELECT t.id, eckid.mask(t.eck_id) AS eck_id FROM public.sc_pupils AS t;
SELECT is(pg_temp.status('masked views as eckid made them'), 'problem', 'its query as eckid made it, but no longer a security barrier: problem');
CREATE OR REPLACE VIEW public.sc_pupils_masked WITH (security_barrier = true) AS SELECT t.id, eckid.mask(t.eck_id) AS eck_id FROM public.sc_pupils AS t;
SELECT is(pg_temp.status('masked views as eckid made them'), 'ok', 'back as eckid made it: ok');
GRANT EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) TO CURRENT_USER;
SELECT eckid.create_masked_view('public.sc_pupils', 'public.sc_pupils_for_a', '{pgn,hpgn}', 'uitgever-a');
ALTER TABLE public.sc_pupils ENABLE ROW LEVEL SECURITY;
SELECT is(pg_temp.status('row-level security under recipient views'), 'ok', 'row-level security that does not bind the owner: ok');
ALTER TABLE public.sc_pupils FORCE ROW LEVEL SECURITY;
SELECT is(pg_temp.status('row-level security under recipient views'), 'warning', 'FORCE ROW LEVEL SECURITY under a recipient view: warning');
SELECT alike(pg_temp.detail('row-level security under recipient views'), '%sc_pupils_for_a (of public.sc_pupils)%', 'naming the view');
ALTER TABLE public.sc_pupils NO FORCE ROW LEVEL SECURITY;
SELECT is(pg_temp.status('row-level security under recipient views'), 'ok', 'without FORCE: ok');

-- Write and read: the oracles
SELECT is(pg_temp.status('hash oracle: write a PGN, read its HPgn'), 'ok', 'no role but the owner writes PGNs and reads HPgns: ok');
SELECT is(pg_temp.status('pseudonym oracle: write a value, read its pseudonym'), 'ok', 'no role reads a pseudonymizing view: ok');
SELECT is(pg_temp.status('mask oracle: write a PGN, read its mask'), 'ok', 'the reporting role reads the masked view only: ok');
GRANT INSERT ON public.sc_pupils TO eckid_plain;
SELECT is(pg_temp.status('hash oracle: write a PGN, read its HPgn'), 'ok', 'a role that may only insert: ok');
GRANT SELECT (id, hpgn) ON public.sc_pupils TO eckid_plain;
SELECT is(pg_temp.status('hash oracle: write a PGN, read its HPgn'), 'problem', 'and may read the HPgn column: problem');
SELECT is(pg_temp.detail('hash oracle: write a PGN, read its HPgn'),
	'Roles that may write the PGN column of a table with the eckid.assign() trigger and read the HPgn or ECK iD it computes: eckid_plain (writes public.sc_pupils.pgn, reads hpgn). Each can hash a PGN of its choosing, as with eckid.hpgn(text), and roll back without a trace.',
	'naming the role, the table and the columns');
REVOKE INSERT ON public.sc_pupils FROM eckid_plain;
GRANT UPDATE (pgn) ON public.sc_pupils TO eckid_plain;
SELECT is(pg_temp.status('hash oracle: write a PGN, read its HPgn'), 'problem', 'UPDATE of the PGN column does the same: problem');
REVOKE ALL ON public.sc_pupils FROM eckid_plain;
SELECT is(pg_temp.status('hash oracle: write a PGN, read its HPgn'), 'ok', 'revoked: ok');

SELECT eckid.create_masked_view('public.sc_pupils', 'public.sc_pupils_x', '{pgn,hpgn}', 'uitgever-x');
GRANT SELECT ON public.sc_pupils_x TO eckid_report;
SELECT is(pg_temp.status('pseudonym oracle: write a value, read its pseudonym'), 'ok', 'the reporting role reads the pseudonymizing view only: ok');
GRANT UPDATE (eck_id) ON public.sc_pupils TO eckid_report;
SELECT is(pg_temp.status('pseudonym oracle: write a value, read its pseudonym'), 'problem', 'and may update the ECK iD column: problem');
SELECT matches(pg_temp.detail('pseudonym oracle: write a value, read its pseudonym'), 'eckid_report \(writes public\.sc_pupils\.eck_id, reads public\.sc_pupils_x\)',
	'naming the role, the column and the view');
SELECT is(pg_temp.status('mask oracle: write a PGN, read its mask'), 'ok', '(writing the ECK iD and reading its mask tells nothing new: ok)');
REVOKE UPDATE (eck_id) ON public.sc_pupils FROM eckid_report;
SELECT is(pg_temp.status('pseudonym oracle: write a value, read its pseudonym'), 'ok', 'revoked: ok');
REVOKE SELECT ON public.sc_pupils_x FROM eckid_report;
GRANT INSERT (id, pgn) ON public.sc_pupils TO eckid_report;
SELECT is(pg_temp.status('mask oracle: write a PGN, read its mask'), 'problem', 'a role that inserts PGNs and reads the mask view: problem');
SELECT matches(pg_temp.detail('mask oracle: write a PGN, read its mask'), 'eckid_report \(writes public\.sc_pupils\.pgn, reads public\.sc_pupils_masked\)',
	'naming the role, the column and the view');
REVOKE INSERT (id, pgn) ON public.sc_pupils FROM eckid_report;
SELECT is(pg_temp.status('mask oracle: write a PGN, read its mask'), 'ok', 'revoked: ok');

-- Who sees other sessions' queries
GRANT pg_monitor TO eckid_plain;
SELECT is(pg_temp.status('roles that see others'' queries'), 'warning', 'a role in pg_monitor sees others'' queries: warning');
REVOKE pg_monitor FROM eckid_plain;
SELECT is(pg_temp.status('roles that see others'' queries'), 'ok', 'revoked: ok');

-- pg_stat_statements: not loaded here, so its setting is at most a
-- placeholder, which does not count (test/shell/pg_stat_statements.sh
-- checks both ways with the library loaded)
SELECT is(pg_temp.status('pg_stat_statements'), 'ok', 'pg_stat_statements not loaded: ok');
SET pg_stat_statements.track_utility = on;
SELECT is(pg_temp.status('pg_stat_statements'), 'ok', 'a placeholder pg_stat_statements.track_utility = on is not the library: ok');
RESET pg_stat_statements.track_utility;

-- Server files
GRANT pg_read_server_files TO eckid_plain;
SELECT is(pg_temp.status('server file access'), 'warning', 'a role in pg_read_server_files: warning');
REVOKE pg_read_server_files FROM eckid_plain;
SELECT is(pg_temp.status('server file access'), 'ok', 'revoked: ok');


-- A database whose owner is no superuser: the owner may set, for every
-- session in it (the superuser's too), what a user may SET.  None of it
-- may break or fool the check.  A database of its own (committed through
-- dblink: a fresh session sees only committed settings), dropped at the end.
CREATE FUNCTION pg_temp.in_owned(role text, query text) RETURNS text LANGUAGE sql AS $$
	SELECT v FROM dblink(format('host=%s port=%s dbname=eckid_sc_owned user=%s',
								current_setting('unix_socket_directories'), current_setting('port'), role),
						 query) AS t(v text)
$$;
CREATE FUNCTION pg_temp.setup_owned() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	c text := eckid_test.connstr('postgres');
BEGIN
	PERFORM dblink_exec(c, 'DROP DATABASE IF EXISTS eckid_sc_owned');
	PERFORM dblink_exec(c, 'DROP ROLE IF EXISTS eckid_sc_owner');
	PERFORM dblink_exec(c, 'CREATE ROLE eckid_sc_owner LOGIN');
	PERFORM dblink_exec(c, 'CREATE DATABASE eckid_sc_owned OWNER eckid_sc_owner');
	PERFORM pg_temp.in_owned('postgres', $q$
		CREATE EXTENSION eckid;
		-- a trigger whose PGN column has a name that the escaped tgargs
		-- shows escaped (a byte above 127, a backslash)
		CREATE TABLE public.pupils ("pgn_é\x" text, hpgn text, eck_id eckid.eckid);
		CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON public.pupils FOR EACH ROW
			EXECUTE FUNCTION eckid.assign('pgn_é\x', 'hpgn', 'eck_id', 'chain', 'sector');
		GRANT INSERT, SELECT ON public.pupils TO eckid_sc_owner;
		SELECT 'done'$q$);
	-- the owner's settings, as the owner
	PERFORM pg_temp.in_owned('eckid_sc_owner', $q$
		CREATE SCHEMA owner_s;
		DO 'BEGIN END';	-- loads PL/pgSQL, whose settings a user may then set
		ALTER DATABASE eckid_sc_owned SET standard_conforming_strings = off;
		ALTER DATABASE eckid_sc_owned SET plpgsql.extra_errors = 'all';
		ALTER DATABASE eckid_sc_owned SET search_path = owner_s, public, eckid;
		ALTER DATABASE eckid_sc_owned SET bytea_output = 'escape';
		ALTER DATABASE eckid_sc_owned SET DateStyle = 'SQL, DMY';
		SELECT 'done'$q$);
END
$$;
SELECT pg_temp.setup_owned();
SELECT is(pg_temp.in_owned('postgres', $q$SELECT concat_ws(' ', current_setting('standard_conforming_strings'), length('\101'),
		current_setting('plpgsql.extra_errors'), current_setting('search_path'), current_setting('bytea_output'))$q$),
	'off 1 all owner_s, public, eckid escape',
	'the database owner''s settings reach a superuser''s session (''\101'' is one character there)');
SELECT is(pg_temp.in_owned('postgres', $q$SELECT count(*)::text FROM eckid.security_check()$q$), '32',
	'and the check runs there, all 32 checks');
SELECT is(pg_temp.in_owned('postgres', $q$SELECT status FROM eckid.security_check() WHERE check_name = 'schemas on a superuser''s search_path'$q$),
	'problem', 'finding that the owner may create in schemas on the superuser''s search_path');
SELECT matches(pg_temp.in_owned('postgres', $q$SELECT detail FROM eckid.security_check() WHERE check_name = 'schemas on a superuser''s search_path'$q$),
	'eckid_sc_owner may create in schema owner_s, on the search_path of superuser .*eckid_sc_owner may create in schema public, on the search_path of superuser',
	'both: owner_s (its own) and public (pg_database_owner''s)');
SELECT is(pg_temp.in_owned('postgres', $q$SELECT detail FROM eckid.security_check() WHERE check_name = 'hash oracle: write a PGN, read its HPgn'$q$),
	'Roles that may write the PGN column of a table with the eckid.assign() trigger and read the HPgn or ECK iD it computes: eckid_sc_owner (writes public.pupils."pgn_é\x", reads hpgn and eck_id). Each can hash a PGN of its choosing, as with eckid.hpgn(text), and roll back without a trace.',
	'and the trigger''s column named with a byte above 127 and a backslash');
SELECT dblink_exec(eckid_test.connstr('postgres'), 'DROP DATABASE eckid_sc_owned');
SELECT dblink_exec(eckid_test.connstr('postgres'), 'DROP ROLE eckid_sc_owner');

SELECT * FROM finish();
ROLLBACK;
