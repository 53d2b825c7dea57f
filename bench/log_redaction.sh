#!/usr/bin/env bash
# Row 9 of make bench, inside the cluster scripts/cluster started (also on
# its own: scripts/cluster bash bench/log_redaction.sh): what
# eckid.log_redaction costs on a logging-heavy workload.  Every statement is
# logged (log_statement = all) with its parse, bind and execute durations
# (log_min_duration_statement = 0) and its bind parameters: five log
# messages per statement.  pgbench (extended protocol, one client) runs a
# lookup by primary key, alternating eckid.log_redaction = off and all in
# BENCH_ROUNDS rounds of BENCH_LOG_SECONDS seconds each; medians of the
# transactions per second.  9a: nothing in the messages to redact (the
# no-match path, nearly every message of a real server); 9b: every
# statement names an ECK iD and an HPgn, so every message is redacted.
# Prints markdown table rows.
set -euo pipefail
rounds=${BENCH_ROUNDS:-5}
seconds=${BENCH_LOG_SECONDS:-5}
db=eckid_logbench
createdb "$db"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -c "CREATE EXTENSION eckid" \
  -c "CREATE TABLE pupil (id int PRIMARY KEY, name text, hpgn text, eck_id eckid.eckid UNIQUE)" \
  -c "INSERT INTO pupil SELECT i, 'pupil ' || i, encode(sha256(i::text::bytea), 'hex'),
             ('https://ketenid.nl/local/' || encode(sha512(i::text::bytea), 'hex'))::eckid.eckid
        FROM generate_series(1, 10000) i" \
  -c "VACUUM ANALYZE pupil"
eck_id=$(q -c "SELECT eck_id FROM pupil WHERE id = 42")
hpgn=$(q -c "SELECT hpgn FROM pupil WHERE id = 42")
q -c "ALTER SYSTEM SET log_statement = 'all'" -c "ALTER SYSTEM SET log_min_duration_statement = 0" \
  -c "SELECT pg_reload_conf()" >/dev/null
sleep 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/nomatch.sql" <<'SQL'
\set id random(1, 10000)
SELECT name FROM pupil WHERE id = :id;
SQL
cat > "$work/match.sql" <<SQL
\set id random(1, 10000)
SELECT name FROM pupil WHERE id = :id OR (eck_id = '$eck_id' AND hpgn = '$hpgn');
SQL

tps() {
	PGOPTIONS="-c eckid.log_redaction=$1" pgbench -n -M extended -c 1 -T "$seconds" -f "$2" "$db" 2>/dev/null \
		| sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 1))" "$@"; }
ratio() { python3 -c "import sys; print(round(float(sys.argv[1])/float(sys.argv[2]),3))" "$1" "$2"; }

row() {
	local label=$1 script=$2 off=() on=() i
	for i in $(seq "$rounds"); do
		# alternate which goes first, so that a trend in the machine's load
		# does not favour one
		if [ $((i % 2)) -eq 1 ]; then
			off+=("$(tps off "$script")"); on+=("$(tps all "$script")")
		else
			on+=("$(tps all "$script")"); off+=("$(tps off "$script")")
		fi
	done
	local mo mn
	mo=$(median "${off[@]}"); mn=$(median "${on[@]}")
	echo "| $label | $mn tps | off $mo tps | **$(ratio "$mn" "$mo") x** (rounds: all ${on[*]}; off ${off[*]}) |"
}
row "9a | log_statement = all, durations and parameters logged (5 messages a statement), nothing to redact: eckid.log_redaction = all vs off" "$work/nomatch.sql"
row "9b | the same, every statement naming an ECK iD and an HPgn (every message redacted)" "$work/match.sql"

q -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_min_duration_statement" \
  -c "SELECT pg_reload_conf()" >/dev/null
dropdb "$db"
