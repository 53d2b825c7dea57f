#!/usr/bin/env bash
# make bench-log (inside the cluster scripts/cluster started): what
# eckid.log_redaction costs on a logging-heavy workload, eckid.log_redaction
# = all against off, alternating, BENCH_LOG_ROUNDS rounds; medians.  Prints
# markdown table rows.
#
# 9a, 9b: the server's own cost per logged message.  One session raises
# BENCH_LOG_MESSAGES messages at level LOG (RAISE LOG in a DO block), each
# written to the server log with its prefix, as log_statement writes a
# statement; timed inside the server.  9a: messages as a busy server
# writes them, nothing to redact (the path nearly every message takes);
# 9b: every message holds an ECK iD, an HPgn and a PGN.
#
# 9c, 9d: end to end.  pgbench (extended protocol, one client) runs a lookup
# by primary key for BENCH_LOG_SECONDS seconds per round, with every
# statement logged (log_statement = all) with its parse, bind and execute
# durations (log_min_duration_statement = 0) and its bind parameters: five
# log messages per statement; transactions per second.  9d: every
# statement names an ECK iD and an HPgn.
set -euo pipefail
rounds=${BENCH_LOG_ROUNDS:-10}
seconds=${BENCH_LOG_SECONDS:-3}
messages=${BENCH_LOG_MESSAGES:-20000}
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

median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 2))" "$@"; }
ratio() { python3 -c "import sys; print(round(float(sys.argv[1])/float(sys.argv[2]),3))" "$1" "$2"; }

# µs per message of one DO block raising $messages messages; $1: the setting,
# $2: an SQL expression of i for the message
raise_us() {
	q -c "SET eckid.log_redaction = '$1'" -c "DO \$\$
DECLARE t timestamptz := clock_timestamp();
BEGIN
	FOR i IN 1 .. $messages LOOP
		RAISE LOG '%', $2;
	END LOOP;
	RAISE NOTICE 'us=%', round(extract(epoch FROM clock_timestamp() - t) * 1e6 / $messages, 3);
END\$\$" 2>&1 | sed -n 's/.*us=//p'
}
# alternate LABEL UNIT MEASURE ARGS...: a table row comparing the medians of
# "MEASURE all ARGS" and "MEASURE off ARGS", run alternately $rounds times;
# which goes first alternates too, so that a trend in the machine's load
# favours neither
alternate() {
	local label=$1 unit=$2 measure=$3 off=() on=() i mo mn
	shift 3
	for i in $(seq "$rounds"); do
		if [ $((i % 2)) -eq 1 ]; then
			off+=("$("$measure" off "$@")"); on+=("$("$measure" all "$@")")
		else
			on+=("$("$measure" all "$@")"); off+=("$("$measure" off "$@")")
		fi
	done
	mo=$(median "${off[@]}"); mn=$(median "${on[@]}")
	echo "| $label | $mn $unit | off $mo $unit | **$(ratio "$mn" "$mo") x** |"
}
alternate "9a | a logged message with nothing to redact (a statement as log_statement writes it), eckid.log_redaction = all vs off" "µs a message" raise_us \
	"'statement: SELECT name, updated FROM school.pupil WHERE id = ' || i || ' AND course = ''rekenen'' ORDER BY name'"
alternate "9b | a logged message with an ECK iD, an HPgn and a PGN in it" "µs a message" raise_us \
	"'statement: SELECT name FROM school.pupil WHERE eck_id = ''$eck_id'' AND hpgn = ''$hpgn'' OR pgn = ''063138219'' AND id = ' || i"

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
SELECT name FROM pupil WHERE id = :id AND eck_id <> '$eck_id' AND hpgn <> '$hpgn';
SQL
tps() {
	PGOPTIONS="-c eckid.log_redaction=$1 -c search_path=public,eckid" pgbench -n -M extended -c 1 -T "$seconds" -f "$2" "$db" \
		| sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
alternate "9c | pgbench, one client, a lookup by key; log_statement = all, durations and parameters (5 messages a statement), nothing to redact" tps tps "$work/nomatch.sql"
alternate "9d | the same, every statement naming an ECK iD and an HPgn (every statement message redacted)" tps tps "$work/match.sql"

q -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_min_duration_statement" \
  -c "SELECT pg_reload_conf()" >/dev/null
dropdb "$db"
