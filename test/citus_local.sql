-- What eckid does for Citus, tested without Citus (test/shell/citus.sh
-- tests it on a cluster where Citus is installed): the command that
-- backfills a node's shards, and the comparison and copying of the
-- privileges on eckid's objects from the coordinator to a node.
BEGIN;
SELECT plan(21);

-- The remote command of backfill_distributed(): shard names that would end
-- a fixed dollar quote or a quoted literal stay names.
SELECT is(eckid_internal.backfill_shards_command(ARRAY['public.pupils_102008'], 16),
	$c$DO 'BEGIN PERFORM pg_catalog.set_config(''client_connection_check_interval'', ''1000'', false); CALL eckid.backfill(''public.pupils_102008''::pg_catalog.regclass, 16); END'$c$,
	'one CALL per shard in a DO block, the whole body one quoted literal');
SELECT unalike(eckid_internal.backfill_shards_command(ARRAY[format('public.%I', 'x$eckid$y_1')], 16),
	'%$eckid$ %', '(no fixed $eckid$ quoting around the body)');
-- Tables named to break out, committed through dblink (the CALLs commit, so
-- the command runs in a session of its own), and a table no name names,
-- which must stay untouched.  Removed at the end.
CREATE FUNCTION pg_temp.exec(sql text) RETURNS text LANGUAGE sql AS $$
	SELECT dblink_exec(eckid_test.connstr('postgres'), sql)
$$;
CREATE FUNCTION pg_temp.make(name text) RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.exec(format($s$
		CREATE TABLE public.%1$I (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
		INSERT INTO public.%1$I (id, pgn) VALUES (1, '063138219');
		CREATE TRIGGER t BEFORE INSERT OR UPDATE ON public.%1$I FOR EACH ROW
			EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')$s$, name))
$$;
-- counted in a session of its own too: a lock held here would keep the
-- DROP at the end waiting
CREATE FUNCTION pg_temp.filled(name text) RETURNS bigint LANGUAGE sql AS $$
	SELECT eckid_test.remote('postgres',
		format('SELECT count(*)::text FROM public.%I WHERE hpgn IS NOT NULL AND eck_id IS NOT NULL', name))::bigint
$$;
SELECT pg_temp.exec('DROP TABLE IF EXISTS public."x$eckid$y", public."a''); DROP TABLE public.victim; --\", public.victim');
SELECT pg_temp.make('x$eckid$y');
SELECT pg_temp.make($n$a'); DROP TABLE public.victim; --\$n$);
SELECT pg_temp.make('victim');
SELECT matches(eckid_internal.backfill_shards_command(ARRAY[format('public.%I', $n$a'); DROP TABLE public.victim; --\$n$)], 16),
	'^DO E''', 'a name with a backslash makes the body an E'''' literal (right under any standard_conforming_strings)');
SELECT pg_temp.exec(eckid_internal.backfill_shards_command(
	ARRAY[format('public.%I', 'x$eckid$y'), format('public.%I', $n$a'); DROP TABLE public.victim; --\$n$)], 2));
SELECT is(pg_temp.filled('x$eckid$y'), 1::bigint, 'the command backfills the table named with $eckid$');
SELECT is(pg_temp.filled($n$a'); DROP TABLE public.victim; --\$n$), 1::bigint, 'and the one named with a quote, a semicolon and a backslash');
SELECT is(to_regclass('public.victim') IS NOT NULL, true, 'the table a name tried to drop is there');
SELECT is(pg_temp.filled('victim'), 0::bigint, 'and untouched: only the named tables were backfilled');
SELECT pg_temp.exec(eckid_internal.backfill_shards_command(ARRAY['public.victim'], 2));
SELECT is(pg_temp.filled('victim'), 1::bigint, '(the probe: the same command with its name backfills it)');
SELECT pg_temp.exec('DROP TABLE public."x$eckid$y", public."a''); DROP TABLE public.victim; --\", public.victim');

-- Privileges: this node compared with an inventory, as a worker compares
-- itself with the coordinator's.
CREATE TEMP TABLE inv AS SELECT eckid_internal.citus_acl_inventory() AS j;
SELECT is(eckid_internal.citus_acl_sync((SELECT j FROM inv), false), '', 'a node agrees with its own inventory');
CREATE ROLE "eckid odd ""role""; --";
GRANT EXECUTE ON FUNCTION eckid.hpgn(text) TO "eckid odd ""role""; --";
SELECT is(eckid_internal.citus_acl_sync((SELECT j FROM inv), false),
	'REVOKE EXECUTE ON FUNCTION eckid.hpgn(text) FROM "eckid odd ""role""; --" CASCADE;',
	'a grant the coordinator does not have: REVOKE, the role''s name quoted by quote_ident');
SELECT is(eckid_internal.citus_acl_sync((SELECT j FROM inv), true) <> '', true, 'applied');
SELECT is(has_function_privilege('eckid odd "role"; --', 'eckid.hpgn(text)', 'EXECUTE'), false, 'the role may no longer compute HPgns');
REVOKE EXECUTE ON FUNCTION eckid.stampseudonym(text) FROM eckid_las_app;
GRANT USAGE ON SCHEMA eckid_internal TO eckid_plain;
GRANT SELECT ON eckid.masked_view TO eckid_plain;
REVOKE EXECUTE ON FUNCTION eckid.hpgn(text) FROM eckid_las_app;
GRANT EXECUTE ON FUNCTION eckid.hpgn(text) TO eckid_las_app WITH GRANT OPTION;
SELECT is(eckid_internal.citus_acl_sync((SELECT j FROM inv), false),
	concat_ws(E'\n',
		'REVOKE EXECUTE ON FUNCTION eckid.hpgn(text) FROM eckid_las_app CASCADE;',
		'GRANT EXECUTE ON FUNCTION eckid.hpgn(text) TO eckid_las_app;',
		'GRANT EXECUTE ON FUNCTION eckid.stampseudonym(text) TO eckid_las_app;',
		'REVOKE USAGE ON SCHEMA eckid_internal FROM eckid_plain CASCADE;',
		'REVOKE SELECT ON TABLE eckid.masked_view FROM eckid_plain CASCADE;'),
	'a missing grant, another grant option, a schema and a table: the statements that undo each');
SELECT eckid_internal.citus_acl_sync((SELECT j FROM inv), true);
SELECT is(has_function_privilege('eckid_las_app', 'eckid.stampseudonym(text)', 'EXECUTE'), true, 'applied: the grant is back');
SELECT is(has_function_privilege('eckid_las_app', 'eckid.hpgn(text)', 'EXECUTE WITH GRANT OPTION'), false, 'without the grant option');
SELECT is(has_schema_privilege('eckid_plain', 'eckid_internal', 'USAGE') OR has_table_privilege('eckid_plain', 'eckid.masked_view', 'SELECT'),
	false, 'the schema and the table closed again');
SELECT is(eckid_internal.citus_acl_sync((SELECT j FROM inv), false), '', 'and the node agrees with the inventory again');
SELECT throws_ok($$SELECT eckid_internal.citus_acl_sync((SELECT j FROM inv) || '[{"kind": "FUNCTION", "name": "eckid.newer(text)", "grants": []}]'::jsonb, false)$$,
	'55000', 'eckid''s objects differ between the coordinator and this node', 'an object this node lacks (another version): an error');

-- eckid.citus_sync_privileges() and the self-check without Citus
SELECT throws_ok($$SELECT * FROM eckid.citus_sync_privileges()$$, '55000', 'Citus is not installed in this database',
	'eckid.citus_sync_privileges() without Citus: an error');
SELECT is((SELECT count(*) FROM eckid.security_check() WHERE check_name LIKE 'Citus%'), 0::bigint,
	'the self-check has no Citus row without Citus');
SELECT throws_ok($$SELECT eckid_test.remote('eckid_plain', 'SELECT count(*)::text FROM eckid.citus_sync_privileges()')$$,
	'42501', NULL, 'a role that is not a superuser may not run it');

SELECT * FROM finish();
ROLLBACK;
