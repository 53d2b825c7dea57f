-- eckid.security_check(): every check goes both ways (the setting or grant
-- that makes it a warning or problem, and back to ok), it never shows a
-- secret, and only superusers may run it.  Settings of this session change
-- with SET LOCAL; the salt and the key file by reconfiguring the cluster,
-- seen from fresh sessions (dblink).  Everything is rolled back.
BEGIN;
SELECT plan(92);

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
	ARRAY['library preloaded', 'salt', 'key file', 'log redaction', 'log_statement',
		  'log_min_duration_statement', 'log_parameter_max_length', 'log_parameter_max_length_on_error',
		  'log_min_error_statement', 'debug_print settings', 'auto_explain', 'plan_cache_mode',
		  'schemas where PUBLIC may create', 'pg_catalog on the search_path', 'schemas eckid and eckid_internal', 'roles that may compute pseudonyms', 'grants on masked views',
		  'masked views as eckid made them', 'row-level security under recipient views',
		  'grants on PGN, HPgn and ECK iD columns', 'roles that see others'' queries', 'pg_stat_statements', 'server file access'],
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
GRANT USAGE ON SCHEMA eckid_internal TO eckid_plain;
SET LOCAL ROLE eckid_plain;
SELECT throws_ok($$SELECT count(*) FROM eckid.security_check()$$,
	'42501', 'must be superuser to run eckid.security_check()', 'and granting it EXECUTE is not enough');
SELECT throws_ok($$SELECT count(*) FROM eckid_internal.secret_settings_status()$$,
	'42501', 'must be superuser to check eckid''s secret settings', 'for the helper either');
RESET ROLE;

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

-- Log settings
SELECT is(pg_temp.status('log redaction'), 'ok', 'eckid.log_redaction = all (the default): ok');
SELECT matches(pg_temp.detail('log redaction'), '^eckid\.log_redaction = all', 'with its value');
SET LOCAL eckid.log_redaction = 'pseudonyms';
SELECT is(pg_temp.status('log redaction'), 'warning', 'eckid.log_redaction = pseudonyms (PGNs reach the log): warning');
SET LOCAL eckid.log_redaction = 'off';
SELECT is(pg_temp.status('log redaction'), 'problem', 'eckid.log_redaction = off: problem');
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

SELECT * FROM finish();
ROLLBACK;
