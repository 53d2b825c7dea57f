#!/usr/bin/env bash
# Secrets in logs.  A cluster logs everything it can (log_statement = all,
# log_min_messages = debug1, log_error_verbosity = verbose, auto_explain of
# every plan, verbose, nested statements included), with the settings
# docs/security.md tells a LAS to use for bind parameters
# (log_parameter_max_length = 0, log_parameter_max_length_on_error = 0, and
# plan_cache_mode = force_generic_plan for the LAS database, because a custom
# plan carries bind parameters' values as constants and auto_explain prints
# them).
# Then: the demo, and a trigger workload from a client that passes PGNs as
# bind parameters (psycopg), including PGN changes, refused PGNs, a backfill
# and an export through a masked view.  Afterwards the server log must
# contain zero times: the salt (base64 and hex), the key (either case), every
# PGN the workload gave the trigger, every HPgn and every full ECK iD stored.
source "$(dirname "$0")/../../scripts/lib.sh"
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
install_missing_packages python3-psycopg

start_cluster \
	"shared_preload_libraries = 'eckid,auto_explain'" \
	"log_statement = 'all'" \
	"log_min_messages = debug1" \
	"log_error_verbosity = verbose" \
	"log_min_error_statement = error" \
	"log_parameter_max_length = 0" \
	"log_parameter_max_length_on_error = 0" \
	"auto_explain.log_min_duration = 0" \
	"auto_explain.log_verbose = on" \
	"auto_explain.log_nested_statements = on" \
	"auto_explain.log_triggers = on" \
	"auto_explain.log_format = text"

say "the demo, under full logging"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -f "$ECKID_ROOT/scripts/demo.sql" >/dev/null 2>&1 || fail "the demo failed"

say "a trigger workload with bind parameters (psycopg)"
createdb las
psql -X -q -d postgres -c "ALTER DATABASE las SET plan_cache_mode = force_generic_plan"
/usr/bin/python3 "$ECKID_ROOT/test/clients/log_workload.py" "$ECKID_TMP/workload_pgns.txt"

# What must not appear.
needles=$ECKID_TMP/needles.txt
{
	echo "$ECKID_TEST_SALT"
	/usr/bin/python3 -c "import base64,sys; print(base64.b64decode(sys.argv[1]).hex())" "$ECKID_TEST_SALT"
	key=$(tr -d '\n' < "$ECKID_KEY_FILE")
	echo "$key"; echo "${key^^}"
	cat "$ECKID_TMP/workload_pgns.txt"
	psql -X -At -d las -c "SELECT hpgn FROM school.pupil WHERE hpgn IS NOT NULL UNION SELECT eck_id::text FROM school.pupil WHERE eck_id IS NOT NULL
	                       UNION SELECT new_hpgn FROM eckid.hpgn_replacement UNION SELECT old_hpgn FROM eckid.hpgn_replacement"
	# the demo's ECK iDs (its PGNs and HPgns are literals in its SQL text, and
	# its first HPgn is Kennisnet's public test vector)
	psql -X -At -d postgres -c "SELECT eck_id::text FROM pupil WHERE eck_id IS NOT NULL"
} | sort -u | grep -v '^$' > "$needles"
as_pg "$PGBIN/pg_ctl" -D "$ECKID_DATA" -m fast -w -s stop

lines=$(wc -l < "$ECKID_LOG")
[ "$lines" -gt 1000 ] || fail "the log has only $lines lines: logging was not on"
grep -q "execute" "$ECKID_LOG" || fail "no extended-protocol statement was logged"
grep -q "Query Text" "$ECKID_LOG" || fail "auto_explain logged no plan"
n_needles=$(wc -l < "$needles")
found=$(grep -c -F -f "$needles" "$ECKID_LOG" || true)
if [ "$found" -ne 0 ]; then
	echo "log lines holding a secret (secrets shown as their first 6 characters):"
	grep -n -F -f "$needles" "$ECKID_LOG" | head -n 40 | cut -c1-220
	fail "$found log lines hold one of the $n_needles secrets"
fi
echo "ok: $lines log lines (statements, parameters' presence, verbose errors, debug1, every plan) hold none of"
echo "    $n_needles secrets: the salt (base64, hex), the key (both cases), $(wc -l < "$ECKID_TMP/workload_pgns.txt") trigger PGNs, every stored HPgn and ECK iD"
