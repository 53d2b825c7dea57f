#!/usr/bin/env bash
# Tenants that cannot escalate through the Nummervoorziening exchange, with
# the real eckid-nv-worker against the simulator (issue 20): a table owner
# granted only eckid.assign(), whose own AFTER UPDATE trigger tries to make
# it superuser, and an application granted only eckid.nv_request(), whose
# table's expression index tries the same, have their pupils' ECK iDs
# written by the worker's ordinary work, as themselves and not as
# superuser; a table whose trigger always fails to serialize does not stop
# another tenant's pupils in the same chain and sector.  Each probe is also
# shown to see the escalation when it is open: fired by a superuser's own
# UPDATE, the same trigger makes its owner superuser.  The database-side
# details (row-level security, lost rights, kinds, renames):
# test/nv_tenants.sql.
nv_test=nv_tenants
# shellcheck source=../nv/worker_lib.sh
source "$(dirname "$0")/../nv/worker_lib.sh"

start_sim --batch-delay 0.1
make_db
config "$work/w.conf"
log=$work/worker.log
owner=${nv_test}_owner
app=${nv_test}_app
extra_roles+=("$owner" "$app")
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $owner, $app"

say "a table owner and an application, each with only the grants docs/privileges.md names"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE ROLE $owner LOGIN;
CREATE ROLE $app LOGIN;
CREATE SCHEMA tenant AUTHORIZATION $owner;
GRANT USAGE ON SCHEMA tenant TO $app;
GRANT EXECUTE ON FUNCTION eckid.assign() TO $owner;
GRANT EXECUTE ON FUNCTION eckid.nv_request(regclass, name, name, text, text, text) TO $app;
CREATE TABLE public.seen (what text, who text, path text, outcome text);
GRANT INSERT ON public.seen TO PUBLIC;
SQL
# the owner's code: tries ALTER ROLE ... SUPERUSER, records as whom it ran
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -U "$owner" <<SQL
CREATE FUNCTION tenant.grab(what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	BEGIN
		EXECUTE 'ALTER ROLE $owner SUPERUSER';
		INSERT INTO public.seen VALUES (what, current_user, current_setting('search_path'), 'superuser');
	EXCEPTION WHEN insufficient_privilege THEN
		INSERT INTO public.seen VALUES (what, current_user, current_setting('search_path'), 'refused');
	END;
END
\$\$;
CREATE FUNCTION tenant.grab_trigger() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN PERFORM tenant.grab(TG_NAME); RETURN NULL; END\$\$;
CREATE TABLE tenant.pupil (id serial, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON tenant.pupil FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$po', 'nummervoorziening');
CREATE TRIGGER grab AFTER UPDATE ON tenant.pupil FOR EACH ROW EXECUTE FUNCTION tenant.grab_trigger();
INSERT INTO tenant.pupil (pgn) VALUES ('063138219');
-- the application's table: an expression index that calls the same
CREATE FUNCTION tenant.idx(e eckid.eckid) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
	\$\$BEGIN IF e IS NOT NULL THEN PERFORM tenant.grab('index'); END IF; RETURN e::text; END\$\$;
CREATE TABLE tenant.account (id serial, hpgn text, eck_id eckid.eckid);
CREATE INDEX ON tenant.account (tenant.idx(eck_id));
INSERT INTO tenant.account (hpgn) VALUES (lpad('a1', 64, '0'));
GRANT SELECT, UPDATE ON tenant.account TO $app;
-- a table whose trigger always fails to serialize, in the same chain and sector
CREATE FUNCTION tenant.conflict() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN RAISE EXCEPTION 'could not serialize access (made up)' USING ERRCODE = 'serialization_failure'; END\$\$;
CREATE TABLE tenant.stuck (id serial, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER conflict BEFORE UPDATE ON tenant.stuck FOR EACH ROW EXECUTE FUNCTION tenant.conflict();
INSERT INTO tenant.stuck (hpgn) VALUES (lpad('a1', 64, '0'));
GRANT SELECT, UPDATE ON tenant.stuck TO $app;
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -U "$app" \
	-c "SELECT eckid.nv_request('tenant.account', 'hpgn', 'eck_id', lpad('a1', 64, '0'), '$chain', '$po')" \
	-c "SELECT eckid.nv_request('tenant.stuck', 'hpgn', 'eck_id', lpad('a1', 64, '0'), '$chain', '$po')" >/dev/null

say "the worker's ordinary work"
for _ in 1 2 3; do run_once "$work/w.conf" "$log" >/dev/null; done
check "the owner's pupil has the simulator's ECK iD" "$(wrong_rows tenant.pupil)" 0
check "the application's row has the simulator's ECK iD" "$(wrong_rows tenant.account)" 0
check "the owner is not superuser" "$(q "SELECT rolsuper FROM pg_roles WHERE rolname = '$owner'")" f
check "its trigger ran as the owner, with the safe search_path, and was refused" \
	"$(q "SELECT string_agg(who || '|' || path || '|' || outcome, ',') FROM seen WHERE what = 'grab'")" \
	"$owner|pg_catalog, pg_temp|refused"
check "its index expression ran as the owner and was refused" \
	"$(q "SELECT string_agg(DISTINCT who || '|' || outcome, ',') FROM seen WHERE what = 'index'")" "$owner|refused"
check "the table that fails to serialize has nothing written" "$(q "SELECT count(eck_id) FROM tenant.stuck")" 0
check "its failure is its own: retried later, the shared item done" \
	"$(q "SELECT string_agg(i.state || '|' || (it.retry_at IS NOT NULL)::text || '|' || left(it.error, 60), ',')
	        FROM eckid_internal.nv_item_target it JOIN eckid_internal.nv_item i ON i.id = it.item_id
	        JOIN eckid_internal.nv_target g ON g.id = it.target_id WHERE g.table_name = 'stuck'")" \
	"done|true|the answer could not be written into table tenant.stuck (SQL"
check "no batch of the worker failed" "$(q "SELECT count(*) FROM eckid_internal.nv_batch WHERE error IS NOT NULL")" 0
check "the worker's log has no full HPgn" "$(grep -cE '[0-9a-f]{64}' "$log" || true)" 0

say "control: the same trigger fired by a superuser's own UPDATE"
q "UPDATE tenant.pupil SET id = id" >/dev/null
check "the probe sees the escalation when it is open" \
	"$(q "SELECT rolsuper FROM pg_roles WHERE rolname = '$owner'")|$(q "SELECT string_agg(outcome, ',') FROM seen WHERE what = 'grab' AND who = current_user")" \
	"t|superuser"
q "ALTER ROLE $owner NOSUPERUSER" >/dev/null

nv_finish
