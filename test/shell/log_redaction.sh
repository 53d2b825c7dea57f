#!/usr/bin/env bash
# eckid.log_redaction.  A cluster logs everything it can: every statement
# with its duration and bind parameters in full (also on error), every plan
# analysed and verbose (auto_explain, nested statements and triggers
# included), debug1 messages, the statement of every message
# (log_min_error_statement = debug5), verbose errors.  The same workload runs
# twice, in two databases: first with eckid.log_redaction = off, then with
# the default (all).  The workload is docs/las-guide.md as written (literal
# PGNs) and test/clients/redaction_workload.py (bind parameters through
# psycopg: NOT NULL and unique violations on rows holding an HPgn and an
# ECK iD, failing COPYs, one cut by core inside an HPgn, the salt and the
# key in failing statements, new salts typed into refused statements that
# set eckid.salt).
#
# The probe (every salt form, the key in both cases, every PGN, HPgn and
# full ECK iD the workload stored or used, the first 8 digits of every
# HPgn, every value typed for eckid.salt) must find all kinds in the log
# written with redaction off (so it would see them), none in the log
# written with it on, and the failing statements must still be there, with
# the values masked.
source "$(dirname "$0")/../../scripts/lib.sh"
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
install_missing_packages python3-psycopg

extra=()
# auto_explain.log_parameter_max_length exists from PostgreSQL 16 on
[ "$PG_MAJOR" -ge 16 ] && extra+=("auto_explain.log_parameter_max_length = -1")
start_cluster \
	"shared_preload_libraries = 'auto_explain,eckid'" \
	"log_statement = 'all'" \
	"log_min_duration_statement = 0" \
	"log_min_messages = debug1" \
	"log_min_error_statement = debug5" \
	"log_error_verbosity = verbose" \
	"log_parameter_max_length = -1" \
	"log_parameter_max_length_on_error = -1" \
	"auto_explain.log_min_duration = 0" \
	"auto_explain.log_analyze = on" \
	"auto_explain.log_verbose = on" \
	"auto_explain.log_nested_statements = on" \
	"auto_explain.log_triggers = on" \
	"${extra[@]}"

# The guide's SQL blocks, without its last section (which drops everything).
guide=$ECKID_TMP/guide.sql
/usr/bin/python3 - "$ECKID_ROOT/docs/las-guide.md" > "$guide" <<'PY'
import re, sys
text = open(sys.argv[1]).read().split("## Cleaning up")[0]
print("\n".join(re.findall(r"^```sql\n(.*?)^```", text, flags=re.M | re.S)))
PY
cleanup=$(sed -n '/## Cleaning up/,$p' "$ECKID_ROOT/docs/las-guide.md" | sed -n '/^```sql/,/^```$/p' | sed '1d;$d')

# run_workload DB: the guide and the client workload; writes DB's secrets
# (one a line) to $ECKID_TMP/DB.needles.
run_workload() {
	local db=$1 needles=$ECKID_TMP/$1.needles
	createdb "$db"
	psql -X -q -d "$db" -c "CREATE EXTENSION eckid" -c "ALTER DATABASE $db SET search_path = \"\$user\", public, eckid"
	psql -X -q -d "$db" -f "$guide" > "$ECKID_TMP/$db.guide.out" 2>&1
	/usr/bin/python3 "$ECKID_ROOT/test/clients/redaction_workload.py" "$db" "$ECKID_TMP/$db.pgns" \
		"$ECKID_TEST_SALT" "$ECKID_KEY_FILE" "$ECKID_TMP/$db.typed" "$ECKID_TMP/$db.control"
	{
		# PGNs: those of the guide (valid ones only: an invalid number is
		# not redacted) and those of the client
		grep -oE "'[0-9]{9}'" "$guide" | tr -d "'" | /usr/bin/python3 -c '
import sys
for s in sys.stdin.read().split():
    d = [int(c) for c in s]
    r = (sum((9 - i) * d[i] for i in range(8)) - d[8]) % 11
    if r == 0 or (r == 5 and s.startswith("10")):
        print("pgn", s)'
		sed 's/^/pgn /' "$ECKID_TMP/$db.pgns"
		sed 's/^/typed /' "$ECKID_TMP/$db.typed"
		psql -X -At -d "$db" -c "SELECT 'hpgn ' || hpgn FROM school.pupil WHERE hpgn IS NOT NULL
		                         UNION SELECT 'hpgn8 ' || left(hpgn, 8) FROM school.pupil WHERE hpgn IS NOT NULL
		                         UNION SELECT 'hpgn ' || hpgn FROM school.staff WHERE hpgn IS NOT NULL
		                         UNION SELECT 'hpgn ' || old_hpgn FROM eckid.hpgn_replacement
		                         UNION SELECT 'eckid ' || eck_id::text FROM school.pupil WHERE eck_id IS NOT NULL
		                         UNION SELECT 'eckid ' || eck_id::text FROM school.staff WHERE eck_id IS NOT NULL"
	} | sort -u | grep -v '^$' > "$needles"
	psql -X -q -d "$db" -c "$cleanup" >/dev/null 2>&1
}

# Secrets of the cluster: the salt (base64 with and without padding, hex in
# both cases) and the key (both cases).
cluster_needles=$ECKID_TMP/cluster.needles
{
	echo "salt $ECKID_TEST_SALT"
	echo "salt ${ECKID_TEST_SALT%%=*}"
	hex=$(/usr/bin/python3 -c "import base64,sys; print(base64.b64decode(sys.argv[1]).hex())" "$ECKID_TEST_SALT")
	echo "salt $hex"; echo "salt ${hex^^}"
	key=$(tr -d '\n' < "$ECKID_KEY_FILE")
	echo "key $key"; echo "key ${key^^}"
} > "$cluster_needles"

say "the workload with eckid.log_redaction = off"
psql -X -q -c "ALTER SYSTEM SET eckid.log_redaction = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
run_workload las_off
off_end=$(stat -c %s "$ECKID_LOG")

say "the workload with eckid.log_redaction at its default (all)"
psql -X -q -c "ALTER SYSTEM RESET eckid.log_redaction" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
[ "$(psql -X -At -c 'SHOW eckid.log_redaction')" = all ] || fail "eckid.log_redaction is not back at all"
run_workload las_on

say "a new salt, reloaded: the postmaster logs the change redacted"
new_salt=$(/usr/bin/python3 -c "import base64, os; print(base64.b64encode(os.urandom(16)).decode())")
echo "eckid.salt = '$new_salt'" | as_pg tee "$ECKID_DATA/eckid_test.conf" >/dev/null
psql -X -q -c "SELECT pg_reload_conf()" >/dev/null
sleep 1

say "log_error_verbosity = terse (no DETAIL): the redacted statement goes into the message"
psql -X -q -c "ALTER SYSTEM SET log_error_verbosity = terse" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
terse_id="https://ketenid.nl/terse/$(printf 'ab%.0s' $(seq 64))"
psql -X -q -c "SELECT '$terse_id'::integer" 2> "$ECKID_TMP/terse.err" && fail "the terse query did not fail"
grep -qF 'invalid input syntax for type integer: "https://ketenid.nl/terse/…ababab"' "$ECKID_TMP/terse.err" \
	|| fail "the client did not receive the message redacted: $(cat "$ECKID_TMP/terse.err")"
as_pg "$PGBIN/pg_ctl" -D "$ECKID_DATA" -m fast -w -s stop
grep -qF "Statement, redacted by eckid: SELECT 'https://ketenid.nl/terse/…ababab'::integer" "$ECKID_LOG" \
	|| fail "with log_error_verbosity = terse the failing statement is not in the log"
grep -qF 'parameter "eckid.salt" changed to "********"' "$ECKID_LOG" \
	|| fail "the postmaster did not log the change of eckid.salt redacted"
echo "salt $new_salt" >> "$cluster_needles"

log_off=$ECKID_TMP/log_off
log_on=$ECKID_TMP/log_on
head -c "$off_end" "$ECKID_LOG" > "$log_off"
tail -c +"$((off_end + 1))" "$ECKID_LOG" > "$log_on"

lines=$(wc -l < "$log_on")
[ "$lines" -gt 2000 ] || fail "the log has only $lines lines: logging was not on"
for what in "execute <unnamed>" "Query Text" "parameters: \$1 = " "with parameters: \$1 = " \
	"Failing row contains" "already exists" "COPY pupil, line 2" "STATEMENT:  "; do
	grep -qF -- "$what" "$log_on" || fail "the log has no \"$what\": the workload did not log what it should"
done

# probe LOG NEEDLES...: prints per kind how many log lines hold one
probe() {
	local log=$1; shift
	local kind
	for kind in salt key pgn hpgn hpgn8 eckid typed; do
		printf '%s %s\n' "$kind" "$(cat "$@" | sed -n "s/^$kind //p" | grep -c -F -f - "$log" || true)"
	done
}

say "the probe finds every kind with redaction off"
probe "$log_off" "$cluster_needles" "$ECKID_TMP/las_off.needles" | tee "$ECKID_TMP/probe_off"
while read -r kind n; do
	[ "$n" -gt 0 ] || fail "with redaction off the probe found no $kind in the log: it could not see one either"
done < "$ECKID_TMP/probe_off"

say "redaction on: none"
probe "$log_on" "$cluster_needles" "$ECKID_TMP/las_on.needles" | tee "$ECKID_TMP/probe_on"
if awk '$2 != 0 { bad = 1 } END { exit !bad }' "$ECKID_TMP/probe_on"; then
	echo "log lines holding a secret (cut to 160 characters):"
	cut -d' ' -f2- "$cluster_needles" "$ECKID_TMP/las_on.needles" | grep -n -F -f - "$log_on" | head -n 20 | cut -c1-160
	fail "the log written with eckid.log_redaction = all holds secrets"
fi
# and no full ECK iD or 64-hex run of any origin
if grep -nE '[0-9a-fA-F]{64}' "$log_on" | head -n 5 | grep .; then
	fail "a run of 64 hex digits is in the log"
fi

say "the failing statements are still identifiable"
for what in \
	"Statement, redacted by eckid: INSERT INTO school.pupil (name, eck_id) VALUES ('Gijs', 'https://ketenid.nl/local/…" \
	"Statement, redacted by eckid: INSERT INTO school.pupil (name, hpgn, eck_id) VALUES ('Gijs', '" \
	"Key (eck_id)=(https://ketenid.nl/local/…" \
	"Failing row contains (" \
	"\$2 = 'https://ketenid.nl/local/…" \
	"\$2 = '********'" \
	"\$2 = '*********'" \
	"pupil https://ketenid.nl/local/…"; do
	grep -qF -- "$what" "$log_on" || fail "the log has no \"$what\""
done
# core cuts values in "Failing row contains" at 64 bytes, so the ECK iD there
# is partial: cut like an HPgn
grep -F "Failing row contains (" "$log_on" | grep -qE ", [0-9a-f]{4}…, https://ketenid.nl/local/[0-9a-f]{4}…, " \
	|| fail "the failing row does not show a cut HPgn and a cut ECK iD"
# the statement of an error whose text holds nothing to hide is logged by core as usual
for what in "STATEMENT:  SELECT ('salt ' || \$1)::integer" "STATEMENT:  COPY school.pupil (name, hpgn, eck_id) FROM STDIN"; do
	grep -qF -- "$what" "$log_on" || fail "a statement without values is no longer logged as STATEMENT: $what"
done
# what core cut short ("Failing row contains", COPY's context) is cut, not shown in part
# (COPY's context line is cut at 100 bytes, which may leave a few digits of
# the ECK iD: more than 4 are cut)
grep -F "COPY pupil, line 2" "$log_on" | grep -qE '"Ilse	[0-9a-f]{4}…	https://ketenid.nl/local/([0-9a-f]{4}…|[0-9a-f]{0,4}\.\.\.)"$' \
	|| fail "COPY's context line is not redacted as expected"
if grep -nE 'ketenid\.nl/[a-z0-9]+/[0-9a-f]{9}|[0-9a-f]{16}\.\.\.' "$log_on" | head -n 5 | grep .; then
	fail "part of a digest or of an HPgn is in the log"
fi

say "COPY's context cut inside an HPgn: 12 digits with redaction off, 4 with it on"
grep -qE 'COPY pupil, line 1: "Jip-{84}	[0-9a-f]{12}\.\.\."$' "$log_off" \
	|| fail "with redaction off the COPY context does not end in 12 digits of an HPgn: the probe would not see the leak"
grep -qE 'COPY pupil, line 1: "Jip-{84}	[0-9a-f]{4}…"$' "$log_on" \
	|| fail "with redaction on the COPY context is not cut to 4 digits of the HPgn"
# no run of 5 or more hex digits that core cut short, anywhere
if grep -nE "[0-9a-fA-F]{5,}\.\.\.[\"',)]" "$log_on" | head -n 5 | grep .; then
	fail "more than 4 digits of a value core cut short are in the log"
fi

say "values typed for eckid.salt: refused, logged, and masked"
for what in \
	"statement: ALTER SYSTEM SET eckid.salt = '********'" \
	"Statement, redacted by eckid: ALTER SYSTEM SET eckid.salt = '********'" \
	"statement: set ECKID.SALT /* new */ to \$\$********\$\$" \
	"statement: SET \"eckid\".\"salt\" = \$\$********\$\$" \
	"SET eckid.salt TO E'********'" \
	"SET eckid.salt = ********" \
	"SELECT set_config('eckid.salt', '********', false)" \
	"\$1 = 'eckid.salt', \$2 = '********'" \
	"SET eckid.key_file = '********'" \
	'parameter "eckid.salt" cannot be changed'; do
	grep -qF -- "$what" "$log_on" || fail "the log has no \"$what\""
done
# the control: a value given to another setting is logged as it is
grep -qF -- "SET application_name = '$(cat "$ECKID_TMP/las_on.control")'" "$log_on" \
	|| fail "a value set for application_name is not in the log: statements were not logged"

echo "ok: $lines log lines with redaction on hold none of the $(cat "$cluster_needles" "$ECKID_TMP/las_on.needles" | wc -l) secrets"
echo "    (salt, key, PGNs, HPgns, ECK iDs); with it off the probe found $(awk '{s += $2} END {print s}' "$ECKID_TMP/probe_off") lines"
