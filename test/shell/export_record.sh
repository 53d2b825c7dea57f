#!/usr/bin/env bash
# The export record (docs/data-protection.md): one "ECKID EXPORT:" line per
# statement that made pseudonyms for a recipient, with the right count, for
# a recipient view, eckid.pseudonymize(), a read-only transaction, a
# cursor fetched in parts (one line, at its close) and a parallel read (one
# line, by the leader, with what its workers counted); none for a role that
# a superuser switched it off for, and a role cannot switch it off itself
# (42501); eckid.security_check() says so.  The line holds no pseudonym and
# no ECK iD (the probe finds a planted one), reads back as JSON through the
# officer's query of docs/data-protection.md over jsonlog, and stands next
# to pgaudit's AUDIT line with pgaudit loaded (Debian's
# postgresql-15-pgaudit, installed with apt when missing); on a hot standby
# (test/shell/lib/replicas.sh) the read leaves its line in the standby's log.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
set -euo pipefail

pkg=postgresql-$PG_MAJOR-pgaudit
if ! dpkg -s "$pkg" >/dev/null 2>&1; then
	as_root apt-get install -y -q "$pkg" >/dev/null
fi
# a private copy of the installation (ECKID_PG_PREFIX) gets pgaudit's files
if [ -n "${ECKID_PG_PREFIX:-}" ]; then
	for f in $(dpkg -L "$pkg" | grep -E '/(lib|extension)/[^/]+$'); do
		[ -f "$f" ] && as_root install -D -m 0644 "$f" "$ECKID_PG_PREFIX$f"
	done
fi

start_cluster \
	"shared_preload_libraries = 'pgaudit,eckid'" \
	"pgaudit.log = 'read'" \
	"logging_collector = on" \
	"log_destination = 'stderr,jsonlog'" \
	"log_directory = 'log'" \
	"log_filename = 'postgresql'"
createdb las
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d las "$@"; }
as() { local r=$1; shift; PGUSER=$r psql -X -q -At -v ON_ERROR_STOP=1 -d las "$@"; }
q <<'SQL'
CREATE EXTENSION pgaudit;
CREATE EXTENSION eckid;
CREATE TABLE pupils (id integer PRIMARY KEY, brin text, bsn text, ecid eckid.eckid);
INSERT INTO pupils
SELECT i, CASE WHEN i % 2 = 0 THEN '12AB' ELSE '34CD' END, NULL,
       ('https://ketenid.nl/201703/' || repeat(md5(i::text), 4))::eckid.eckid
  FROM generate_series(1, 100) i;
UPDATE pupils SET ecid = NULL WHERE id = 100;
SELECT eckid.create_masked_view('pupils', 'school_12ab_publisher_a', hide => '{bsn}', recipient => 'publisher-a',
                                row_filter => 'brin = ''12AB''');
SELECT eckid.create_masked_view('pupils', 'school_34cd_publisher_b', hide => '{bsn}', recipient => 'publisher-b',
                                row_filter => 'brin = ''34CD''');
CREATE ROLE lms LOGIN;
CREATE ROLE quiet LOGIN;
GRANT SELECT ON school_12ab_publisher_a, school_34cd_publisher_b TO lms, quiet;
GRANT EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) TO lms;
GRANT SELECT ON pupils TO lms;
ALTER ROLE quiet SET eckid.export_record = off;
SQL
log=$ECKID_DATA/log/postgresql.json

# the export records in the log so far, one JSON object a line
records() {
	sleep 0.5
	q -c "SELECT substr(j->>'message', 15) FROM (SELECT line::jsonb AS j
	        FROM regexp_split_to_table(pg_read_file('log/postgresql.json'), E'\n') AS line
	       WHERE line LIKE '{%ECKID EXPORT: %') l WHERE j->>'message' LIKE 'ECKID EXPORT: %'"
}
count_records() { records | grep -c . || true; }
# the last record's fields, as "object recipient values statement"
last() {
	records | tail -n 1 | q -c "SELECT concat_ws(' ', r->>'object', r->>'recipient', r->>'values', r->>'statement',
	                                  r->>'session_user', r->>'application_name') FROM (SELECT \$\$$(records | tail -n 1)\$\$::jsonb r) x"
}

say "a recipient view, read by lms"
n0=$(count_records)
PGAPPNAME=export-job as lms -c "SELECT ecid FROM school_12ab_publisher_a" >/dev/null
check "one line for one statement" same "$(count_records)" $((n0 + 1))
check "it names the view, the recipient, the 49 pseudonyms (no NULL), the statement and the roles" \
	same "$(last)" "public.school_12ab_publisher_a publisher-a 49 SELECT lms export-job"
check "the time reads back as a timestamptz of today" \
	same "$(q -c "SELECT (\$\$$(records | tail -n 1)\$\$::jsonb->>'time')::timestamptz::date = current_date")" t

say "two views in one statement: a line each"
n0=$(count_records)
as lms -c "SELECT count(a.ecid) + count(b.ecid) FROM school_12ab_publisher_a a, school_34cd_publisher_b b WHERE a.id = b.id - 1" >/dev/null
check "two lines" same "$(count_records)" $((n0 + 2))

say "eckid.pseudonymize() called by lms"
n0=$(count_records)
as lms -c "SELECT eckid.pseudonymize(ecid, 'publisher-c') FROM pupils WHERE id <= 7" >/dev/null
check "one line" same "$(count_records)" $((n0 + 1))
check "it names the function and counts 7" same "$(last)" "eckid.pseudonymize publisher-c 7 SELECT lms psql"
as lms -c "COPY (SELECT eckid.pseudonymize(ecid, 'publisher-c') FROM pupils WHERE id <= 5) TO STDOUT" >/dev/null
check "COPY (SELECT ...) TO: one line, statement COPY" same "$(last)" "eckid.pseudonymize publisher-c 5 COPY lms psql"
as lms -c "DO \$\$DECLARE x text; BEGIN FOR i IN 1..3 LOOP x := eckid.pseudonymize((SELECT ecid FROM pupils WHERE id = i), 'publisher-c'); END LOOP; END\$\$" >/dev/null
check "a DO block: one line for the whole block" same "$(last)" "eckid.pseudonymize publisher-c 3 DO lms psql"

say "a read-only transaction"
n0=$(count_records)
as lms -c "BEGIN READ ONLY" -c "SELECT ecid FROM school_34cd_publisher_b" -c "COMMIT" >/dev/null
check "one line" same "$(count_records)" $((n0 + 1))
check "50 pseudonyms" same "$(last)" "public.school_34cd_publisher_b publisher-b 50 SELECT lms psql"

say "a cursor fetched in parts: one line when it is closed"
n0=$(count_records)
coproc P { as lms; }
echo "BEGIN; DECLARE c CURSOR FOR SELECT ecid FROM school_34cd_publisher_b; FETCH 10 FROM c; FETCH 15 FROM c; SELECT 'fetched';" >&"${P[1]}"
while read -r l <&"${P[0]}"; do [ "$l" = fetched ] && break; done
check "no line while the cursor is open" same "$(count_records)" "$n0"
echo "CLOSE c; COMMIT; SELECT 'closed';" >&"${P[1]}"
while read -r l <&"${P[0]}"; do [ "$l" = closed ] && break; done
exec {P[1]}>&-
wait
check "one line at its close" same "$(count_records)" $((n0 + 1))
check "with the 25 fetched" same "$(last)" "public.school_34cd_publisher_b publisher-b 25 SELECT lms psql"

say "a parallel read: the workers hand their counts to the leader, one line"
# the leader takes no part, so every pseudonym is computed by a worker; the
# one line for the statement comes from the leader's process (jsonlog's
# backend_type), with the workers' total
parallel="-c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c max_parallel_workers_per_gather=2 -c parallel_leader_participation=off"
plan=$(PGOPTIONS="$parallel" as lms -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(ecid) FROM school_34cd_publisher_b")
check "the probe: the read runs in parallel workers (EXPLAIN ANALYZE)" has "$plan" "Workers Launched: "
check "(at least one worker launched)" bash -c '! grep -q "Workers Launched: 0" <<<"$1"' _ "$plan"
check "EXPLAIN ANALYZE: one line, the workers' 50, statement EXPLAIN" \
	same "$(last)" "public.school_34cd_publisher_b publisher-b 50 EXPLAIN lms psql"
n0=$(count_records)
PGAPPNAME=parallel-job PGOPTIONS="$parallel" as lms -c "SELECT count(ecid) FROM school_34cd_publisher_b" >/dev/null
check "one line for the parallel statement" same "$(count_records)" $((n0 + 1))
check "with the 50 pseudonyms the workers made" same "$(last)" "public.school_34cd_publisher_b publisher-b 50 SELECT lms parallel-job"
check "written by the leader, not by a worker" \
	same "$(q -c "SELECT j->>'backend_type' FROM (SELECT line::jsonb AS j
	        FROM regexp_split_to_table(pg_read_file('log/postgresql.json'), E'\n') AS line
	       WHERE line LIKE '{%ECKID EXPORT: %parallel-job%') l WHERE j->>'message' LIKE 'ECKID EXPORT: %'")" "client backend"
# a parallel statement that fails in the leader after its workers counted:
# the transaction's end writes what was counted (by the leader, or by a
# worker that had not handed its share over yet); the lines add up to all 50
n0=$(count_records)
err=$(PGAPPNAME=parallel-fail PGOPTIONS="$parallel" as lms -c "SELECT count(ecid) / 0 FROM school_34cd_publisher_b" 2>&1 || true)
check "(the parallel statement failed: division by zero)" has "$err" "division by zero"
fail_lines=$(records | tail -n +$((n0 + 1)))
check "a failed parallel statement: its lines count the 50 pseudonyms the workers made" \
	same "$(python3 -c 'import json, sys
print(sum(r["values"] for r in map(json.loads, filter(str.strip, sys.stdin)) if r.get("application_name") == "parallel-fail"))' <<<"$fail_lines")" 50
# the probe: a line a worker writes shows as such (RAISE LOG in a parallel
# safe function, run by the workers alone)
q -c "CREATE FUNCTION parallel_probe(i integer) RETURNS integer LANGUAGE plpgsql PARALLEL SAFE
	AS \$\$BEGIN RAISE LOG 'eckid-parallel-probe'; RETURN i; END\$\$"
PGOPTIONS="$parallel" q -c "SELECT sum(parallel_probe(id)) FROM pupils" >/dev/null
sleep 0.5
check "(the probe: jsonlog shows a line a worker wrote as a parallel worker's)" \
	has "$(q -c "SELECT DISTINCT j->>'backend_type' FROM (SELECT line::jsonb AS j
	        FROM regexp_split_to_table(pg_read_file('log/postgresql.json'), E'\n') AS line
	       WHERE line LIKE '{%eckid-parallel-probe%') l WHERE j->>'message' = 'eckid-parallel-probe'")" "parallel worker"

say "switched off for a role, by a superuser only"
n0=$(count_records)
as quiet -c "SELECT ecid FROM school_12ab_publisher_a" >/dev/null
check "no line for quiet" same "$(count_records)" "$n0"
as lms -c "SELECT ecid FROM school_12ab_publisher_a" >/dev/null
check "(the probe: the same read by lms leaves one)" same "$(count_records)" $((n0 + 1))
err=$(as lms -c "\\set VERBOSITY verbose" -c "SET eckid.export_record = off" 2>&1 || true)
check "SET eckid.export_record = off by lms: 42501" has "$err" "42501"
err=$(as lms -c "\\set VERBOSITY verbose" -c "ALTER ROLE lms SET eckid.export_record = off" 2>&1 || true)
check "ALTER ROLE lms SET ... by lms: 42501" has "$err" "42501"
check "eckid.security_check() names the role" \
	has "$(q -c "SELECT status || ': ' || detail FROM eckid.security_check() WHERE check_name = 'export record'")" "warning: "
check "(its detail names quiet)" \
	has "$(q -c "SELECT detail FROM eckid.security_check() WHERE check_name = 'export record'")" "quiet"
q -c "ALTER ROLE quiet RESET eckid.export_record"
check "ok once no role has it off" \
	same "$(q -c "SELECT status FROM eckid.security_check() WHERE check_name = 'export record'")" ok
q -c "ALTER SYSTEM SET eckid.export_record = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
check "a problem when it is off for the server" \
	same "$(q -c "SELECT status FROM eckid.security_check() WHERE check_name = 'export record'")" problem
q -c "ALTER SYSTEM RESET eckid.export_record" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5

say "the officer's query (docs/data-protection.md), this month"
out=$(q <<'SQL'
SELECT rec->>'recipient' AS publisher, rec->>'object' AS view,
       sum((rec->>'values')::bigint) AS pseudonyms, count(*) AS statements
  FROM (SELECT (substr(j->>'message', length('ECKID EXPORT: ') + 1))::jsonb AS rec
          FROM (SELECT line::jsonb AS j
                  FROM regexp_split_to_table(pg_read_file('log/postgresql.json'), E'\n') AS line
                 WHERE line LIKE '{%ECKID EXPORT: %') l
         WHERE j->>'message' LIKE 'ECKID EXPORT: %') e
 WHERE rec->>'object' LIKE 'public.school_12ab_%'
   AND (rec->>'time')::timestamptz >= date_trunc('month', now())
   AND (rec->>'time')::timestamptz <  date_trunc('month', now()) + interval '1 month'
 GROUP BY 1, 2 ORDER BY 1, 2;
SQL
)
check "publisher-a received 49 pseudonyms of school 12AB in each of 3 statements" \
	same "$out" "publisher-a|public.school_12ab_publisher_a|$((49 * 3))|3"

say "pgaudit's line and eckid's, neither with a value"
check "pgaudit wrote an AUDIT line for the view read" has "$(cat "$log")" 'AUDIT: SESSION,'
check "(and it names the view)" has "$(grep 'AUDIT: SESSION' "$log")" 'school_12ab_publisher_a'
# every pseudonym and ECK iD digest the tables hold, for the probe
secrets=$(q -c "SELECT eckid.pseudonymize(ecid, r) FROM pupils, unnest('{publisher-a,publisher-b,publisher-c}'::text[]) r
               WHERE ecid IS NOT NULL UNION ALL SELECT repeat(md5(i::text), 4) FROM generate_series(1, 100) i")
leaks() { grep -F -f <(echo "$secrets") <<<"$1" | grep -c . || true; }
export_lines=$(grep -h 'ECKID EXPORT' "$log" "$ECKID_DATA/log/postgresql")
check "no pseudonym or ECK iD in any export line" same "$(leaks "$export_lines")" 0
check "none in pgaudit's lines" same "$(leaks "$(grep -h 'AUDIT:' "$log" "$ECKID_DATA/log/postgresql")")" 0
planted="$export_lines
$(echo "$secrets" | sed -n 3p)"
check "(the probe finds a planted pseudonym)" same "$(leaks "$planted")" 1
check "the export lines passed the log redaction untouched (no mark in them)" \
	same "$(grep -c '…' <<<"$export_lines" || true)" 0
check "never sent to the client" \
	same "$(as lms -c "SET client_min_messages = log" -c "SELECT count(ecid) FROM school_12ab_publisher_a" 2>&1)" 49


say "on a hot standby: the same record, where no INSERT could keep it"
source "$(dirname "$0")/lib/replicas.sh"
on_exit stop_cluster
start_standby sb
wait_replay sb
check "the standby is in recovery (read-only)" \
	same "$(psql -X -At -h "$sb_HOST" -d las -c "SELECT pg_is_in_recovery()")" t
PGAPPNAME=standby-job PGHOST=$sb_HOST PGUSER=lms psql -X -q -At -v ON_ERROR_STOP=1 -d las \
	-c "SELECT ecid FROM school_12ab_publisher_a" >/dev/null
sleep 1
# the standby's jsonlog (its copy of the primary's log holds the lines made
# before the base backup, none of them by standby-job)
sb_lines=$(grep -h 'ECKID EXPORT' "$sb_HOST/data/log/postgresql.json" | grep 'standby-job' || true)
check "the standby wrote one export line for the read" same "$(grep -c . <<<"$sb_lines" || true)" 1
check "(for the view, its recipient, 49 values, by lms)" \
	same "$(python3 -c 'import json, sys
m = json.loads(sys.stdin.readline())["message"]
r = json.loads(m[len("ECKID EXPORT: "):])
print(r["object"], r["recipient"], r["values"], r["session_user"])' <<<"$sb_lines")" \
	"public.school_12ab_publisher_a publisher-a 49 lms"
check "no pseudonym or ECK iD in the standby's line" same "$(leaks "$sb_lines")" 0

checks_done
