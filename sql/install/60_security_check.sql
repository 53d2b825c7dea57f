-- sql/install/60_security_check.sql: eckid.security_check(), a DBA's self-check
-- (one part of the install script; the Makefile joins sql/install/*.sql in
-- the order of their names into sql/eckid--<default_version>.sql).  An
-- upgrade script includes this file whenever the check changes, so it runs
-- again on an existing database: CREATE OR REPLACE, COMMENT, REVOKE.

------------------------------------------------------------------------------
-- Self-check for DBAs: eckid.security_check()
------------------------------------------------------------------------------

-- (section: self-check)

-- The state of the secret settings, as fixed phrases: never the salt, the
-- key or the key file's path, and the key file is only stat()ed.
CREATE OR REPLACE FUNCTION eckid_internal.secret_settings_status(OUT preloaded boolean, OUT salt text,
											 OUT key_file text, OUT key_file_mode text)
	AS 'MODULE_PATHNAME', 'eckid_secret_settings_status'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid_internal.secret_settings_status() IS
	'helper of eckid.security_check(): whether eckid was preloaded, and the state of eckid.salt and the key file (never their values); superusers only';

-- Where the key comes from: 'file', 'command', 'both' (refused) or 'none';
-- neither runs the command nor reads the file.
CREATE OR REPLACE FUNCTION eckid_internal.key_source_status()
	RETURNS text
	AS 'MODULE_PATHNAME', 'eckid_key_source_status'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION eckid_internal.key_source_status() IS
	'helper of eckid.security_check(): whether the key comes from eckid.key_file, eckid.key_command, both (refused) or neither (never their values); superusers only';

-- One row per check, in the order docs/security.md explains them.  Reads
-- settings, catalogs and privileges only: no secret, PGN, HPgn or ECK iD
-- can be in its result.  For superusers (it looks at every role's
-- privileges and at settings only they may see); not SECURITY DEFINER.
-- A database's owner need not be a superuser and may set, for the
-- superuser's session too, anything a user may SET (ALTER DATABASE ...
-- SET): nothing here depends on such a setting.  The search_path and
-- PL/pgSQL's extra checks are fixed below, #variable_conflict in the body,
-- and no literal has a backslash unless written E'' (standard_conforming_
-- strings = off would read it as an escape).  No output depends on
-- DateStyle, bytea_output or the like (encode() is not bytea_output).
CREATE OR REPLACE FUNCTION eckid.security_check(OUT check_name text, OUT status text, OUT detail text, OUT remedy text)
	RETURNS SETOF record
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, pg_temp
	SET plpgsql.extra_errors = 'none'
	SET plpgsql.extra_warnings = 'none'
AS $$
#variable_conflict error
DECLARE
	secrets record;
	key_source text;
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
	pseudonym_functions regprocedure[];
	this_db oid := (SELECT d.oid FROM pg_database d WHERE d.datname = current_database());
	view_recipient boolean[];
	trig_rels oid[];
	trig_pgn name[];
	trig_hpgn name[];
	trig_eckid name[];
	node record;
	fp_recorded text;
	fp_configured text;
BEGIN
	IF current_setting('is_superuser') <> 'on' THEN
		RAISE EXCEPTION 'must be superuser to run eckid.security_check()'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'It reads settings and privileges of every role that only superusers may see.';
	END IF;
	-- after the check above: naming eckid_internal needs its USAGE
	pseudonym_functions := ARRAY[
		'eckid.hpgn(text)', 'eckid.hpgn(text,text)', 'eckid.resolve_hpgn(text)',
		'eckid.local_stampseudonym(text)', 'eckid.stampseudonym(text)',
		'eckid.derive(eckid.eckid,text,text)', 'eckid.pseudonymize(eckid.eckid,text)',
		'eckid.replace_hpgn(text,text,timestamptz)', 'eckid.assign()',
		'eckid_internal.backfill_row(regclass,text,text,eckid.eckid)',
		'eckid_internal.backfill_compute_ahead(regclass,oid[],tid[])',
		-- the Nummervoorziening worker's: they hand out HPgns and Stampseudonyms
		'eckid.nv_claim(text,integer,interval)',
		'eckid.nv_store(bigint,text,integer[],text[],integer[],text[])']::regprocedure[];
	secrets := eckid_internal.secret_settings_status();
	key_source := eckid_internal.key_source_status();
	-- 'all' and 'pseudonyms' both keep ECK iDs, HPgns, the salt and the
	-- key out of the log (src/log_hook.c); only 'all' also stars PGNs.
	redacting := redaction IS NOT NULL AND redaction OPERATOR(pg_catalog.=) ANY (ARRAY['all', 'pseudonyms']);
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
	IF key_source = 'both' THEN
		status := 'problem';
		detail := 'Both eckid.key_file and eckid.key_command are set: eckid refuses to compute Stampseudonyms, local ECK iDs and pseudonyms.';
		remedy := 'Set exactly one of eckid.key_file and eckid.key_command in postgresql.conf and reload (docs/configuration.md).';
	ELSIF key_source = 'command' THEN
		status := 'ok';
		detail := 'The key comes from eckid.key_command (not run by this check; a session runs it on first use and after a reload).';
		remedy := NULL;
	ELSIF secrets.key_file = 'ok' THEN
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

	-- The fingerprints of the salt and the key (src/fingerprint.c):
	-- compared, never shown.
	FOREACH v IN ARRAY ARRAY['salt', 'key'] LOOP
		check_name := v || ' fingerprint';
		fp_recorded := (SELECT f.fingerprint FROM eckid.secret_fingerprint f WHERE f.secret OPERATOR(pg_catalog.=) v);
		fp_configured := NULL;
		IF (CASE v WHEN 'salt' THEN secrets.salt ELSE secrets.key_file END) OPERATOR(pg_catalog.=) 'ok' THEN
			BEGIN
				fp_configured := eckid_internal.secret_fingerprint_configured(v);
			EXCEPTION WHEN OTHERS THEN
				fp_configured := NULL;
			END;
		END IF;
		IF fp_recorded IS NULL THEN
			status := 'warning';
			detail := format('The fingerprint of the %s this database is filled with is not recorded (no transaction that derived a value with it and wrote has committed yet, or a standby): a different %s would not be noticed.', v, v);
			remedy := 'Run eckid.record_secret_fingerprints() on the primary once the right salt and key are configured.';
		ELSIF fp_configured IS NULL THEN
			status := 'problem';
			detail := format('A fingerprint of the %s is recorded, but the configured %s cannot be read (see the row above).', v, v);
			remedy := 'Configure the salt and the key this database was filled with (docs/security.md).';
		ELSIF fp_recorded OPERATOR(pg_catalog.=) fp_configured THEN
			status := 'ok';
			detail := format('The configured %s matches the fingerprint recorded in eckid.secret_fingerprint.', v);
			remedy := NULL;
		ELSE
			status := 'problem';
			detail := format('The configured %s differs from the one this database was filled with (its fingerprint differs from the recorded one): eckid refuses to compute with it.', v);
			remedy := 'Configure the salt or key this database was filled with and reload; if the change is intended, call eckid.record_secret_fingerprints() (docs/security.md).';
		END IF;
		RETURN NEXT;
	END LOOP;

	-- The optional pseudonym key (eckid.pseudonym_key_file): only recipient
	-- pseudonyms and masks depend on it, so it has a row of its own.
	check_name := 'pseudonym key fingerprint';
	fp_recorded := (SELECT f.fingerprint FROM eckid.secret_fingerprint f WHERE f.secret OPERATOR(pg_catalog.=) 'pseudonym key');
	fp_configured := NULL;
	IF COALESCE(pg_catalog.current_setting('eckid.pseudonym_key_file', true), '') OPERATOR(pg_catalog.<>) '' THEN
		BEGIN
			fp_configured := eckid_internal.secret_fingerprint_configured('pseudonym key');
		EXCEPTION WHEN OTHERS THEN
			fp_configured := '';	-- set, but cannot be read
		END;
	END IF;
	IF fp_configured IS NULL AND fp_recorded IS NULL THEN
		status := 'ok';
		detail := 'No separate pseudonym key is configured: recipient pseudonyms and masks come from the local derivation key.';
		remedy := NULL;
	ELSIF fp_configured IS NULL THEN
		status := 'problem';
		detail := 'A pseudonym key is recorded for this database, but eckid.pseudonym_key_file is empty: recipient pseudonyms and masks are refused.';
		remedy := 'Set eckid.pseudonym_key_file to the recorded key and reload, or call eckid.record_secret_fingerprints() to go back to pseudonyms from the local derivation key (docs/security.md).';
	ELSIF fp_configured OPERATOR(pg_catalog.=) '' THEN
		status := 'problem';
		detail := 'eckid.pseudonym_key_file is set, but the key cannot be read (a missing file, wrong permissions or not 64 hexadecimal digits): recipient pseudonyms and masks are refused.';
		remedy := 'Fix the file named by eckid.pseudonym_key_file (owned by the server''s user, mode 0600 or 0400) and reload.';
	ELSIF fp_recorded IS NULL THEN
		status := 'warning';
		detail := 'The fingerprint of the configured pseudonym key is not recorded yet: another pseudonym key would not be noticed.';
		remedy := 'Run eckid.record_secret_fingerprints() on the primary.';
	ELSIF fp_recorded OPERATOR(pg_catalog.=) fp_configured THEN
		status := 'ok';
		detail := 'The configured pseudonym key matches the fingerprint recorded in eckid.secret_fingerprint.';
		remedy := NULL;
	ELSE
		status := 'problem';
		detail := 'The configured pseudonym key is not the one recorded for this database: recipient pseudonyms and masks are refused.';
		remedy := 'Configure the recorded pseudonym key and reload; if the change is intended (a leaked key replaced), call eckid.record_secret_fingerprints() (docs/security.md).';
	END IF;
	RETURN NEXT;

	check_name := 'log redaction';
	IF redaction IS NULL THEN
		status := 'warning';
		detail := 'not available: eckid is not loaded by shared_preload_libraries, so nothing redacts the server log, and PostgreSQL''s own messages (the DETAIL of a constraint violation, a duplicate key) can write HPgns and ECK iDs to it.';
		remedy := 'Add eckid to shared_preload_libraries and restart the server.';
	ELSIF redaction OPERATOR(pg_catalog.=) 'all' THEN
		status := 'ok';
		detail := 'eckid.log_redaction = all: ECK iDs, HPgns, the salt, the key and PGN-shaped numbers are redacted in every logged message.';
		remedy := NULL;
	ELSIF redacting THEN
		status := 'warning';
		detail := pg_catalog.format('eckid.log_redaction = %s: ECK iDs, HPgns, the salt and the key are redacted, but a BSN or onderwijsnummer in a message reaches the server log.', redaction);
		remedy := 'Set eckid.log_redaction = ''all'' in postgresql.conf and reload, unless the log must keep 8- and 9-digit numbers that are not PGNs.';
	ELSE
		status := 'problem';
		detail := pg_catalog.format('eckid.log_redaction = %s: PostgreSQL''s own messages can write PGNs, HPgns and ECK iDs to the server log.', redaction);
		remedy := 'Set eckid.log_redaction = ''all'' in postgresql.conf and reload.';
	END IF;
	RETURN NEXT;

	-- the export record (docs/data-protection.md): off for the server, or
	-- for roles by ALTER ROLE ... SET (only a superuser can set it)
	check_name := 'export record';
	v := current_setting('eckid.export_record', true);
	SELECT string_agg(DISTINCT quote_ident(r.rolname), ', ' ORDER BY quote_ident(r.rolname)) INTO listed
	  FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c
	 WHERE s.setdatabase IN (0, this_db)
	   AND lower(c) IN ('eckid.export_record=off', 'eckid.export_record=false', 'eckid.export_record=no',
						'eckid.export_record=0', 'eckid.export_record=of', 'eckid.export_record=f', 'eckid.export_record=n');
	IF v IS NULL THEN
		status := 'problem';
		detail := 'eckid is not loaded by shared_preload_libraries: no statement that makes pseudonyms for a recipient is recorded.';
		remedy := 'Add eckid to shared_preload_libraries and restart the server.';
	ELSIF v <> 'on' THEN
		status := 'problem';
		detail := 'eckid.export_record = off: what is exported to recipients is not recorded in the server log.';
		remedy := 'ALTER SYSTEM RESET eckid.export_record; SELECT pg_reload_conf(); (and remove it from postgresql.conf, ALTER DATABASE ... SET, ALTER ROLE ... SET).';
	ELSIF listed IS NOT NULL THEN
		status := 'warning';
		detail := pg_catalog.format('eckid.export_record is off for these roles (ALTER ROLE ... SET): %s; what they export is not recorded.', listed);
		remedy := 'ALTER ROLE <role> RESET eckid.export_record; for each, unless the role is documented as exempt.';
	ELSE
		status := 'ok';
		detail := 'eckid.export_record = on: every statement that makes pseudonyms for a recipient writes an ECKID EXPORT line to the server log.';
		remedy := NULL;
	END IF;
	RETURN NEXT;
	listed := NULL;

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

	check_name := 'settings of roles and databases';
	-- ALTER ROLE ... SET and ALTER DATABASE ... SET of the settings above,
	-- for this database or every one: a session of that role or database
	-- gets them, while this session shows only its own.  Judged as above;
	-- values compared as text ([[:space:]], not a backslash escape).
	SELECT string_agg(x.finding, '; ' ORDER BY x.finding),
		   CASE WHEN bool_or(x.severity = 'problem') THEN 'problem' ELSE 'warning' END,
		   string_agg(x.reset, ' ' ORDER BY x.finding)
	  INTO listed, worse, off_path
	  FROM (SELECT format('%s: %s = %s',
						  CASE WHEN s.setrole = 0 THEN format('database %I', db.datname)
							   WHEN s.setdatabase = 0 THEN format('role %I', coalesce(ro.rolname, s.setrole::text))
							   ELSE format('role %I in database %I', coalesce(ro.rolname, s.setrole::text), db.datname) END,
						  s.name, s.value) AS finding,
				   s.severity,
				   CASE WHEN s.setrole = 0 THEN format('ALTER DATABASE %I RESET %s;', db.datname, s.name)
						WHEN s.setdatabase = 0 THEN format('ALTER ROLE %I RESET %s;', coalesce(ro.rolname, s.setrole::text), s.name)
						ELSE format('ALTER ROLE %I IN DATABASE %I RESET %s;', coalesce(ro.rolname, s.setrole::text), db.datname, s.name) END AS reset
			  FROM (SELECT e.*,
						   CASE
							   WHEN e.name = 'eckid.log_redaction' AND lower(e.value) <> 'all'
								   THEN CASE WHEN lower(e.value) = 'pseudonyms' THEN 'warning' ELSE 'problem' END
							   WHEN e.name = 'log_statement' AND lower(e.value) IN ('mod', 'all')
								   THEN literal_status
							   WHEN e.name IN ('log_min_duration_statement', 'log_min_duration_sample', 'auto_explain.log_min_duration')
									AND e.value !~ '^[[:space:]]*[-]'
								   THEN literal_status
							   WHEN e.name = 'log_transaction_sample_rate' AND e.value !~ '^[[:space:]]*[0.]+[[:space:]]*$'
								   THEN literal_status
							   WHEN e.name = 'log_parameter_max_length_on_error' AND e.value !~ '^[[:space:]]*0+[[:space:]]*[a-zA-Z]*$'
									AND current_setting('log_min_error_statement') <> 'panic'
								   THEN 'problem'
							   WHEN e.name IN ('log_parameter_max_length', 'auto_explain.log_parameter_max_length')
									AND e.value !~ '^[[:space:]]*0+[[:space:]]*[a-zA-Z]*$' AND logs_statements
								   THEN 'problem'
							   WHEN e.name = 'log_min_error_statement' AND lower(e.value) <> 'panic'
								   THEN 'warning'
							   WHEN e.name IN ('debug_print_parse', 'debug_print_rewritten', 'debug_print_plan')
									AND lower(btrim(e.value)) IN ('on', 'true', 'yes', '1', 't', 'y', 'tr', 'tru', 'ye')
								   THEN 'problem'
							   WHEN e.name = 'plan_cache_mode' AND lower(e.value) <> 'force_generic_plan' AND plans_logged
								   THEN 'problem'
						   END AS severity
					  FROM (SELECT d.setrole, d.setdatabase,
								   lower(split_part(c.item, '=', 1)) AS name,
								   substr(c.item, strpos(c.item, '=') + 1) AS value
							  FROM pg_db_role_setting d, unnest(d.setconfig) AS c(item)
							 WHERE d.setdatabase IN (0, this_db)) e) s
			  LEFT JOIN pg_roles ro ON ro.oid = s.setrole
			  LEFT JOIN pg_database db ON db.oid = s.setdatabase
			 WHERE s.severity IS NOT NULL) x;
	IF listed IS NOT NULL THEN
		status := worse;
		detail := format('Set for a role or a database, not seen in this session: %s. Sessions of that role or in that database log what the checks above warn of.', listed);
		remedy := off_path;
	ELSE
		status := 'ok';
		detail := 'No role or database setting (ALTER ROLE/DATABASE ... SET) weakens the settings checked above.';
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

	-- eckid's operators live in pg_catalog (issue 20), which is searched
	-- first unless a search_path names it later: a schema named before it
	-- where a role that is not a superuser may create (or may make the
	-- schema, for "$user" and a schema that does not exist yet) lets that
	-- role plant operators and functions, eckid's and PostgreSQL's, that a
	-- superuser's unqualified SQL runs.  The search paths are the session's
	-- default and every ALTER ROLE / ALTER DATABASE setting for this
	-- database.  Operators and casts on eckid.eckid that are not eckid's
	-- are reported too: they run where eckid has no operator (a comparison
	-- with text), and a planted one is a sign of such an attempt.
	check_name := 'pg_catalog on the search_path';
	DECLARE
		setting text;
		entries text[];
		pos integer;
		e text;
		open_late text[] := '{}';
		closed_late text[] := '{}';
		foreign_objects text;
		foreign_count bigint;
	BEGIN
		FOR setting IN SELECT reset_val FROM pg_settings WHERE name = 'search_path'
					   UNION
					   SELECT substr(c, length('search_path=') + 1)
						 FROM pg_db_role_setting s, unnest(s.setconfig) AS c
						WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
						  AND split_part(c, '=', 1) = 'search_path'
		LOOP
			entries := ARRAY(SELECT CASE WHEN btrim(x) LIKE '"%' THEN replace(btrim(btrim(x), '"'), '""', '"')
										 ELSE lower(btrim(x)) END
							   FROM unnest(string_to_array(setting, ',')) WITH ORDINALITY AS u(x, i)
							  ORDER BY i);
			pos := array_position(entries, 'pg_catalog');
			CONTINUE WHEN pos IS NULL;
			FOREACH e IN ARRAY entries[1:pos - 1] LOOP
				CONTINUE WHEN e IN ('pg_temp', '') OR e = ANY (open_late || closed_late);
				IF e = '$user' OR NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = e) THEN
					IF EXISTS (SELECT FROM pg_roles r
								WHERE NOT r.rolsuper AND r.rolname !~ '^pg_' AND has_database_privilege(r.oid, current_database(), 'CREATE')) THEN
						open_late := open_late || e;
					ELSE
						closed_late := closed_late || e;
					END IF;
				ELSIF EXISTS (SELECT FROM pg_namespace n, pg_roles r
							   WHERE n.nspname = e AND NOT r.rolsuper AND r.rolname !~ '^pg_'
								 AND has_schema_privilege(r.oid, n.oid, 'CREATE')) THEN
					open_late := open_late || e;
				ELSE
					closed_late := closed_late || e;
				END IF;
			END LOOP;
		END LOOP;
		SELECT count(*), string_agg(g.x, ', ' ORDER BY g.x) FILTER (WHERE g.rank <= 5)
		  INTO foreign_count, foreign_objects
		  FROM (SELECT f.x, row_number() OVER (ORDER BY f.x) AS rank
				  FROM (SELECT format('operator %s', o.oid::regoperator) AS x
						  FROM pg_operator o
						 WHERE 'eckid.eckid'::regtype IN (o.oprleft, o.oprright)
						   AND NOT EXISTS (SELECT FROM pg_depend d
											WHERE d.classid = 'pg_operator'::regclass AND d.objid = o.oid AND d.deptype = 'e')
						UNION ALL
						SELECT format('cast (%s AS %s)', format_type(c.castsource, NULL), format_type(c.casttarget, NULL))
						  FROM pg_cast c
						 WHERE 'eckid.eckid'::regtype IN (c.castsource, c.casttarget)
						   AND NOT EXISTS (SELECT FROM pg_depend d
											WHERE d.classid = 'pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'e')) f) g;
		IF cardinality(open_late) > 0 THEN
			status := 'problem';
			detail := format('A search_path of this database names pg_catalog after %s, where a role that is not a superuser may create: operators and functions there, on eckid''s type and PostgreSQL''s, are found before pg_catalog''s and run in a superuser''s unqualified SQL.',
							 array_to_string(open_late, ', '));
			remedy := 'Leave pg_catalog out of the search_path (it is then searched first) or name it first: ALTER DATABASE or ALTER ROLE ... SET search_path.';
		ELSIF foreign_count > 0 OR cardinality(closed_late) > 0 THEN
			status := 'warning';
			detail := concat_ws(' ',
				CASE WHEN cardinality(closed_late) > 0 THEN
					format('A search_path of this database names pg_catalog after %s (only superusers may create there now).',
						   array_to_string(closed_late, ', ')) END,
				CASE WHEN foreign_count > 0 THEN
					format('%s operators and casts on eckid.eckid are not eckid''s (%s%s): they run where eckid has no operator, as in a comparison with text.',
						   foreign_count, foreign_objects, CASE WHEN foreign_count > 5 THEN ', ...' END) END);
			remedy := concat_ws(' ',
				CASE WHEN cardinality(closed_late) > 0 THEN 'Leave pg_catalog out of the search_path or name it first.' END,
				CASE WHEN foreign_count > 0 THEN 'Find out who made the operators and casts, and drop those nobody needs (DROP OPERATOR, DROP CAST).' END);
		ELSE
			status := 'ok';
			detail := 'No search_path of this database names pg_catalog after another schema, and every operator and cast on eckid.eckid is eckid''s.';
			remedy := NULL;
		END IF;
	END;
	RETURN NEXT;

	check_name := 'schemas on a superuser''s search_path';
	-- Every superuser who may log in, with the search_path a session of
	-- theirs in this database gets (role in database, role, database, then
	-- the server's), each schema on it where a role that is not a superuser
	-- may create (the schema's owner too: public is owned by
	-- pg_database_owner, so by the database's owner), and "$user" that does
	-- not exist yet where such a role may create schemas.  A function it
	-- plants there, public.mask(eckid.eckid), runs with the superuser's
	-- rights when the superuser calls the function unqualified.  PUBLIC's
	-- CREATE is the check above's.
	SELECT string_agg(DISTINCT f.finding, '; '),
		   string_agg(DISTINCT f.fix, ' ')
	  INTO listed, off_path
	  FROM (SELECT CASE WHEN nsp.oid IS NOT NULL
						THEN format('%I may create in schema %I, on the search_path of superuser %I', ro.rolname, p.schema_name, p.rolname)
						ELSE format('%I may create schema %I, which would be on the search_path of superuser %I ("$user")', ro.rolname, p.schema_name, p.rolname) END AS finding,
				   CASE WHEN nsp.oid IS NULL THEN format('REVOKE CREATE ON DATABASE %I FROM %I;', current_database(), ro.rolname)
						WHEN pg_has_role(ro.oid, nsp.nspowner, 'USAGE') THEN format('ALTER SCHEMA %I OWNER TO a superuser;', p.schema_name)
						ELSE format('REVOKE CREATE ON SCHEMA %I FROM %I;', p.schema_name, ro.rolname) END AS fix
			  FROM (SELECT su.rolname, su.is_user,
						   CASE WHEN su.is_user THEN su.rolname ELSE su.element END AS schema_name
					  FROM (SELECT r.rolname, btrim(btrim(u.x), '"') AS element,
								   btrim(btrim(u.x), '"') = '$user' AS is_user
							  FROM pg_roles r,
								   unnest(string_to_array(coalesce(
									   (SELECT substr(c.item, strpos(c.item, '=') + 1)
										  FROM pg_db_role_setting d, unnest(d.setconfig) AS c(item)
										 WHERE d.setrole = r.oid AND d.setdatabase = this_db
										   AND lower(split_part(c.item, '=', 1)) = 'search_path'),
									   (SELECT substr(c.item, strpos(c.item, '=') + 1)
										  FROM pg_db_role_setting d, unnest(d.setconfig) AS c(item)
										 WHERE d.setrole = r.oid AND d.setdatabase = 0
										   AND lower(split_part(c.item, '=', 1)) = 'search_path'),
									   (SELECT substr(c.item, strpos(c.item, '=') + 1)
										  FROM pg_db_role_setting d, unnest(d.setconfig) AS c(item)
										 WHERE d.setrole = 0 AND d.setdatabase = this_db
										   AND lower(split_part(c.item, '=', 1)) = 'search_path'),
									   (SELECT fs.setting FROM pg_file_settings fs
										 WHERE lower(fs.name) = 'search_path' AND fs.applied
										 ORDER BY fs.seqno DESC LIMIT 1),
									   (SELECT st.boot_val FROM pg_settings st WHERE st.name = 'search_path')), ',')) AS u(x)
							 WHERE r.rolsuper AND r.rolcanlogin) su) p
			  LEFT JOIN pg_namespace nsp ON nsp.nspname = p.schema_name
			  JOIN pg_roles ro ON NOT ro.rolsuper AND ro.rolname !~ '^pg_'
			 WHERE p.schema_name !~ '^pg_(catalog|temp)$'
			   AND CASE WHEN nsp.oid IS NOT NULL
						THEN has_schema_privilege(ro.oid, nsp.oid, 'CREATE')
							 AND NOT has_schema_privilege('public', nsp.oid, 'CREATE')
						ELSE p.is_user AND has_database_privilege(ro.oid, this_db, 'CREATE') END) f;
	IF listed IS NOT NULL THEN
		status := 'problem';
		detail := format('%s: a function planted there (say public.mask(eckid.eckid)) runs with a superuser''s rights when the superuser calls it unqualified; eckid''s operators are in pg_catalog, its functions are not.', listed);
		remedy := format('%s Call eckid''s functions schema-qualified (eckid.mask(), not mask()), and put no schema where others may create before eckid on a superuser''s search_path.', off_path);
	ELSE
		status := 'ok';
		detail := 'No role but superusers may create in a schema on a superuser''s search_path.';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'schemas eckid and eckid_internal';
	-- eckid_internal is closed: PUBLIC may not name anything in it and
	-- executes nothing there but masked_view_pseudonym() (the masked views'
	-- readers call it); no role but a superuser may create in either schema,
	-- and every function and relation in them is a member of the extension
	-- (anything else was planted there).
	SELECT string_agg(x.finding, '; ' ORDER BY x.finding) INTO listed
	  FROM (SELECT format('PUBLIC has %s on schema eckid_internal', a.privilege_type) AS finding
			  FROM pg_namespace nsp, aclexplode(nsp.nspacl) AS a
			 WHERE nsp.nspname = 'eckid_internal' AND a.grantee = 0
			UNION ALL
			SELECT format('PUBLIC may execute %s', f.oid::regprocedure)
			  FROM pg_proc f
			 WHERE f.pronamespace = 'eckid_internal'::regnamespace
			   AND f.proname <> 'masked_view_pseudonym'
			   AND has_function_privilege('public', f.oid, 'EXECUTE')
			UNION ALL
			SELECT format('%I may create in schema %I', ro.rolname, nsp.nspname)
			  FROM pg_roles ro, pg_namespace nsp
			 WHERE nsp.nspname IN ('eckid', 'eckid_internal')
			   AND NOT ro.rolsuper AND ro.rolname !~ '^pg_'
			   AND has_schema_privilege(ro.oid, nsp.oid, 'CREATE')
			UNION ALL
			SELECT format('%s is not part of the extension', pg_describe_object(o.classid, o.objid, 0))
			  FROM (SELECT 'pg_proc'::regclass AS classid, f.oid AS objid FROM pg_proc f
					 WHERE f.pronamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
					UNION ALL
					SELECT 'pg_class'::regclass, c.oid FROM pg_class c
					 WHERE c.relnamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
					   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')) o
			 WHERE NOT EXISTS (SELECT FROM pg_depend d
								WHERE d.classid = o.classid AND d.objid = o.objid AND d.deptype = 'e'
								  AND d.refclassid = 'pg_extension'::regclass
								  AND d.refobjid = (SELECT e.oid FROM pg_extension e WHERE e.extname = 'eckid'))) x;
	IF listed IS NOT NULL THEN
		status := 'problem';
		detail := format('%s.', listed);
		remedy := 'REVOKE the privileges found on eckid_internal and its functions (only masked_view_pseudonym() is for PUBLIC), REVOKE CREATE on both schemas, and drop what was created in them that is not eckid''s (docs/privileges.md).';
	ELSE
		status := 'ok';
		detail := 'eckid_internal is closed to PUBLIC but for masked_view_pseudonym(), only superusers may create in eckid and eckid_internal, and everything in them is eckid''s own.';
		remedy := NULL;
	END IF;
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
		   coalesce(array_agg(w.label ORDER BY w.label), '{}'), coalesce(array_agg(w.pseudonymizes ORDER BY w.label), '{}')
	  INTO view_oids, source_oids, view_labels, view_recipient
	  FROM (SELECT to_regclass(format('%I.%I', m.view_schema, m.view_name))::oid AS v,
				   to_regclass(format('%I.%I', m.source_schema, m.source_name))::oid AS src,
				   format('%I.%I', m.view_schema, m.view_name) AS label,
				   m.recipient IS NOT NULL AS pseudonymizes
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

	-- Masked views (issue 20): one whose query is no longer the one eckid
	-- would make (its owner replaced it: it may show ECK iDs or rows eckid
	-- would not), and a recipient view over a table whose row-level
	-- security binds the table's owner too (docs/security.md).
	DECLARE
		m eckid.masked_view;
		differs text;
		changed text[] := '{}';
		forced text;
	BEGIN
		check_name := 'masked views as eckid made them';
		FOR m IN SELECT * FROM eckid.masked_view ORDER BY id LOOP
			CONTINUE WHEN NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = m.view_oid AND c.relkind = 'v');
			BEGIN
				differs := (eckid_internal.masked_view_verify(m.id, false)).differs;
			EXCEPTION WHEN OTHERS THEN
				differs := 'definition, which cannot be compared';
			END;
			IF differs IS NULL AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = m.view_oid
												AND c.reloptions @> '{security_barrier=true}') THEN
				differs := 'security_barrier option';
			END IF;
			IF differs IS NOT NULL THEN
				changed := changed || format('%s (its %s)', m.view_oid::regclass, differs);
			END IF;
		END LOOP;
		IF cardinality(changed) > 0 THEN
			status := 'problem';
			detail := format('Masked views whose definition is not the one eckid made: %s.  They may show ECK iDs or rows eckid would not, and eckid refuses to replace them when their table changes.',
							 array_to_string(changed, ', '));
			remedy := 'Drop each with eckid.drop_masked_view() and make it again with eckid.create_masked_view(), giving the rows it is to show as row_filter (docs/hiding.md).';
		ELSE
			status := 'ok';
			detail := 'Every masked view is as eckid made it.';
			remedy := NULL;
		END IF;
		RETURN NEXT;

		check_name := 'row-level security under recipient views';
		SELECT string_agg(format('%s (of %s)', m2.view_oid::regclass, m2.source_oid::regclass), ', ' ORDER BY m2.id) INTO forced
		  FROM eckid.masked_view m2 JOIN pg_class s ON s.oid = m2.source_oid
		 WHERE m2.recipient IS NOT NULL AND s.relrowsecurity AND s.relforcerowsecurity
		   AND EXISTS (SELECT FROM pg_class c WHERE c.oid = m2.view_oid AND c.relkind = 'v');
		IF forced IS NOT NULL THEN
			status := 'warning';
			detail := format('The tables of the recipient views %s have FORCE ROW LEVEL SECURITY: the views show only the rows the policies let the owner see, but eckid_internal.masked_view_pseudonym() reads the row a caller names by its ctid and applies no policy, so a role that may read such a view can have the pseudonym of a row the policies keep from it.', forced);
			remedy := 'Give the view the condition of the policies as its row filter (eckid.drop_masked_view(), then eckid.create_masked_view(..., row_filter => ...)): masked_view_pseudonym() applies that too.';
		ELSE
			status := 'ok';
			detail := 'No recipient view shows a table with FORCE ROW LEVEL SECURITY.';
			remedy := NULL;
		END IF;
		RETURN NEXT;
	END;

	-- The eckid.assign() triggers: the table and its PGN, HPgn and ECK iD
	-- columns, each NULL where the table has no such column ('' for no
	-- HPgn column, or dropped since).  tgargs holds the arguments, each
	-- ended by a zero byte: its escaped text is split at \000 and each
	-- piece decoded back (a backslash or a byte above 127 in a name is
	-- escaped too).
	SELECT coalesce(array_agg(t.tgrelid ORDER BY t.oid), '{}'),
		   coalesce(array_agg((SELECT att.attname FROM pg_attribute att WHERE att.attrelid = t.tgrelid AND att.attname = a.args[1] AND att.attnum > 0 AND NOT att.attisdropped) ORDER BY t.oid), '{}'),
		   coalesce(array_agg((SELECT att.attname FROM pg_attribute att WHERE att.attrelid = t.tgrelid AND att.attname = a.args[2] AND att.attnum > 0 AND NOT att.attisdropped) ORDER BY t.oid), '{}'),
		   coalesce(array_agg((SELECT att.attname FROM pg_attribute att WHERE att.attrelid = t.tgrelid AND att.attname = a.args[3] AND att.attnum > 0 AND NOT att.attisdropped) ORDER BY t.oid), '{}')
	  INTO trig_rels, trig_pgn, trig_hpgn, trig_eckid
	  FROM pg_trigger t,
		   LATERAL (SELECT array_agg(convert_from(decode(x.piece, 'escape'), current_setting('server_encoding')) ORDER BY x.i) AS args
					  FROM unnest(string_to_array(encode(t.tgargs, 'escape'), E'\\000')) WITH ORDINALITY AS x(piece, i)) a
	 WHERE t.tgfoid = 'eckid.assign()'::regprocedure;

	check_name := 'grants on PGN, HPgn and ECK iD columns';
	-- the columns named by eckid.assign() triggers, and every eckid column
	SELECT coalesce(array_agg(c.rel), '{}'), coalesce(array_agg(c.col), '{}') INTO col_rels, col_names
	  FROM (SELECT k.rel, k.col
			  FROM unnest(trig_rels || trig_rels || trig_rels, trig_pgn || trig_hpgn || trig_eckid) AS k(rel, col)
			 WHERE k.col IS NOT NULL
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

	-- Write and read: a role that may write a value into a table and read
	-- what eckid makes of it gets eckid's answer for a value of its
	-- choosing, and can roll back so that nothing stays.  Owners (and
	-- members of the owner's role) are left out, as above.
	check_name := 'hash oracle: write a PGN, read its HPgn';
	SELECT string_agg(DISTINCT format('%I (writes %s.%I, reads %s)', ro.rolname, k.rel::regclass, k.pgn,
									  concat_ws(' and ',
												CASE WHEN has_column_privilege(ro.oid, k.rel, k.hpgn, 'SELECT') THEN quote_ident(k.hpgn) END,
												CASE WHEN has_column_privilege(ro.oid, k.rel, k.eckid, 'SELECT') THEN quote_ident(k.eckid) END)),
					  '; ')
	  INTO listed
	  FROM unnest(trig_rels, trig_pgn, trig_hpgn, trig_eckid) AS k(rel, pgn, hpgn, eckid), pg_roles ro
	 WHERE NOT ro.rolsuper AND ro.rolname !~ '^pg_'
	   AND NOT pg_has_role(ro.oid, (SELECT relowner FROM pg_class WHERE oid = k.rel), 'USAGE')
	   AND (has_column_privilege(ro.oid, k.rel, k.pgn, 'INSERT') OR has_column_privilege(ro.oid, k.rel, k.pgn, 'UPDATE'))
	   AND (has_column_privilege(ro.oid, k.rel, k.hpgn, 'SELECT') OR has_column_privilege(ro.oid, k.rel, k.eckid, 'SELECT'));
	IF listed IS NOT NULL THEN
		status := 'problem';
		detail := format('Roles that may write the PGN column of a table with the eckid.assign() trigger and read the HPgn or ECK iD it computes: %s. Each can hash a PGN of its choosing, as with eckid.hpgn(text), and roll back without a trace.', listed);
		remedy := 'Let one role write PGNs and another read HPgns and ECK iDs (REVOKE SELECT on those columns, or INSERT and UPDATE of the PGN column); a role that must do both, the LAS application, is as trusted as one granted eckid.hpgn(text): audit its writes (docs/privileges.md).';
	ELSE
		status := 'ok';
		detail := 'No role but the tables'' owners may both write the PGN column of a table with the eckid.assign() trigger and read its HPgn or ECK iD column.';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'pseudonym oracle: write a value, read its pseudonym';
	SELECT string_agg(DISTINCT format('%I (writes %s.%I, reads %s)', ro.rolname, k.rel::regclass, k.col, w.label), '; ')
	  INTO listed
	  FROM unnest(col_rels, col_names) AS k(rel, col),
		   unnest(view_oids, source_oids, view_labels, view_recipient) AS w(view_oid, source_oid, label, recipient),
		   pg_roles ro
	 WHERE w.recipient AND w.source_oid = k.rel
	   AND NOT ro.rolsuper AND ro.rolname !~ '^pg_'
	   AND NOT pg_has_role(ro.oid, (SELECT relowner FROM pg_class WHERE oid = k.rel), 'USAGE')
	   AND (has_column_privilege(ro.oid, k.rel, k.col, 'UPDATE') OR has_column_privilege(ro.oid, k.rel, k.col, 'INSERT'))
	   AND has_table_privilege(ro.oid, w.view_oid, 'SELECT');
	IF listed IS NOT NULL THEN
		status := 'problem';
		detail := format('Roles that may write a PGN, HPgn or ECK iD column of a table and read a pseudonymizing masked view of it: %s. Each can write a value of its choice, read its pseudonym through the view and roll back: the pseudonym of any value, so the pupil behind a pseudonym of that recipient''s export.', listed);
		remedy := 'REVOKE INSERT and UPDATE on those columns, or SELECT on the view, so that no role holds both (docs/privileges.md, grants to keep apart).';
	ELSE
		status := 'ok';
		detail := 'No role but the tables'' owners may both write a PGN, HPgn or ECK iD column and read a pseudonymizing masked view of the same table.';
		remedy := NULL;
	END IF;
	RETURN NEXT;

	check_name := 'mask oracle: write a PGN, read its mask';
	SELECT string_agg(DISTINCT format('%I (writes %s.%I, reads %s)', ro.rolname, k.rel::regclass, k.pgn, w.label), '; ')
	  INTO listed
	  FROM unnest(trig_rels, trig_pgn) AS k(rel, pgn),
		   unnest(view_oids, source_oids, view_labels, view_recipient) AS w(view_oid, source_oid, label, recipient),
		   pg_roles ro
	 WHERE NOT w.recipient AND w.source_oid = k.rel
	   AND NOT ro.rolsuper AND ro.rolname !~ '^pg_'
	   AND NOT pg_has_role(ro.oid, (SELECT relowner FROM pg_class WHERE oid = k.rel), 'USAGE')
	   AND (has_column_privilege(ro.oid, k.rel, k.pgn, 'INSERT') OR has_column_privilege(ro.oid, k.rel, k.pgn, 'UPDATE'))
	   AND has_table_privilege(ro.oid, w.view_oid, 'SELECT');
	IF listed IS NOT NULL THEN
		status := 'problem';
		detail := format('Roles that may write the PGN column of a table with the eckid.assign() trigger and read a masked view of it: %s. The 24 bits of the ECK iD that eckid.mask() shows confirm a guessed PGN: write it, compare the mask with that of a row, roll back.', listed);
		remedy := 'REVOKE INSERT and UPDATE of the PGN column, or SELECT on the masked view, so that no role holds both (docs/privileges.md, grants to keep apart).';
	ELSE
		status := 'ok';
		detail := 'No role but the tables'' owners may both write the PGN column of a table with the eckid.assign() trigger and read a masked view of it.';
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

	-- (block: pg_stat_statements, test/shell/pg_stat_statements.sh)
	-- pg_stat_statements replaces the constants of plannable statements by
	-- $1, $2, ..., but keeps utility statements as typed (on PostgreSQL 15
	-- all of them; from 16 on still DO blocks and function bodies), and
	-- shows them to the statement's role, superusers and pg_read_all_stats.
	-- A placeholder (the library not loaded) has vartype string, not bool.
	check_name := 'pg_stat_statements';
	v := (SELECT setting FROM pg_settings WHERE name = 'pg_stat_statements.track_utility' AND vartype = 'bool');
	IF v = 'on' THEN
		status := 'warning';
		detail := 'pg_stat_statements.track_utility = on: pg_stat_statements keeps utility statements (DO, CALL, CREATE TABLE AS, EXPLAIN, COPY, ...) with their literals, PGNs included, for their role, superusers and members of pg_read_all_stats to read.';
		remedy := 'ALTER SYSTEM SET pg_stat_statements.track_utility = off; SELECT pg_reload_conf();';
	ELSE
		status := 'ok';
		detail := CASE WHEN v IS NULL THEN 'pg_stat_statements is not loaded in this session.'
					   ELSE 'pg_stat_statements.track_utility = off: pg_stat_statements keeps plannable statements only, with their constants replaced.' END;
		remedy := NULL;
	END IF;
	RETURN NEXT;
	-- (end of block: pg_stat_statements)

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

	-- Citus only: a GRANT or REVOKE on eckid's objects on the coordinator
	-- does not reach the workers, where run_command_on_workers() and the
	-- shards' triggers run eckid's functions.  Each worker compares its
	-- privileges with the coordinator's (citus_acl_sync() without apply).
	IF to_regclass('pg_catalog.pg_dist_node') IS NOT NULL THEN
		check_name := 'Citus: privileges on every node';
		listed := NULL;
		n := 0;
		FOR node IN EXECUTE 'SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers($1)'
				 USING format('SELECT eckid_internal.citus_acl_sync(%L::jsonb, false)', eckid_internal.citus_acl_inventory()::text)
		LOOP
			n := n + 1;
			IF NOT node.success OR node.result <> '' THEN
				listed := concat_ws('; ', listed,
									format('%s:%s: %s', node.nodename, node.nodeport,
										   CASE WHEN node.success THEN replace(node.result, chr(10), ' ')
												ELSE 'could not compare: ' || node.result END));
			END IF;
		END LOOP;
		IF listed IS NOT NULL THEN
			status := 'problem';
			detail := format('The privileges on eckid''s objects on these workers are not the coordinator''s (what would make them so): %s.', listed);
			remedy := 'SELECT * FROM eckid.citus_sync_privileges(); on the coordinator, after every GRANT or REVOKE on eckid''s objects (docs/scaling.md).';
		ELSE
			status := 'ok';
			detail := format('%s workers have the coordinator''s privileges on eckid''s schemas, functions and tables.', n);
			remedy := NULL;
		END IF;
		RETURN NEXT;
	END IF;
END
$$;
COMMENT ON FUNCTION eckid.security_check() IS
	'a DBA''s self-check: one row per check (library preloaded, salt, key file, log settings, schemas, privileges) with status ok, warning or problem, and a remedy; never shows a secret';

REVOKE ALL ON FUNCTION eckid_internal.secret_settings_status() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid_internal.key_source_status() FROM PUBLIC;
REVOKE ALL ON FUNCTION eckid.security_check() FROM PUBLIC;
