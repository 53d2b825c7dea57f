#!/usr/bin/env bash
# Concurrency: pgbench with 8 clients for 60 s inserting pupils through the
# eckid.assign() trigger, changing PGNs, importing rows without the trigger
# and running eckid.backfill() at the same time.  Afterwards (and after a
# final backfill): every inserted row is present, every HPgn equals a fresh
# recomputation, every ECK iD equals its derivation from the resolved
# Stampseudonym (so PGN changes kept it), no ECK iD is duplicated, and no
# deadlock was reported.  Uses the cluster scripts/test started.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d eckid_concurrency "$@"; }
seconds=${ECKID_CONCURRENCY_SECONDS:-60}
chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
sector=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725

dropdb --if-exists eckid_concurrency >/dev/null 2>&1 || true
createdb eckid_concurrency
psql -X -q -d eckid_concurrency -c 'ALTER DATABASE eckid_concurrency SET search_path = "$user", public, eckid'
q <<SQL
CREATE EXTENSION eckid;
CREATE TABLE pupil (id serial PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid UNIQUE);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW
    EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector');
SQL
log_lines_before=$(wc -l < "${ECKID_LOG:-/dev/null}" 2>/dev/null || echo 0)

out=$(mktemp)
pgbench -n -c 8 -j 2 -T "$seconds" -d eckid_concurrency \
	-f "$here/pgbench/insert.sql@5" -f "$here/pgbench/change.sql@2" \
	-f "$here/pgbench/import.sql@2" -f "$here/pgbench/backfill.sql@1" > "$out" 2>&1 || { cat "$out"; fail "pgbench failed"; }
grep -E "number of transactions actually processed|number of failed|SQL script|- [0-9]+ transactions" "$out" | sed 's/^/    /'
aborted=$(grep -c "aborted" "$out" || true)
[ "$aborted" = 0 ] || { cat "$out"; fail "a pgbench client aborted"; }

# transactions per script, in the order of -f above
mapfile -t counts < <(sed -n 's/^ *- \([0-9]*\) transactions.*/\1/p' "$out")
[ "${#counts[@]}" -eq 4 ] || { cat "$out"; fail "could not read pgbench's per-script counts"; }
inserted=${counts[0]}; changed=${counts[1]}; imported=${counts[2]}; backfills=${counts[3]}
[ "$inserted" -gt 0 ] && [ "$changed" -gt 0 ] && [ "$backfills" -gt 0 ] || fail "some script never ran"

q -c "SET client_min_messages = warning" -c "CALL eckid.backfill('pupil', 16)"
rows=$(q -c "SELECT count(*) FROM pupil")
# each insert or import transaction adds a row unless its random number was
# skipped (\if): count those pgbench could not have added
[ "$rows" -le $((inserted + imported)) ] || fail "$rows rows but only $((inserted + imported)) inserts"
[ "$rows" -ge $(( (inserted + imported) * 8 / 10 )) ] || fail "only $rows rows after $((inserted + imported)) inserts"
missing=$(q -c "SELECT count(*) FROM pupil WHERE hpgn IS NULL OR eck_id IS NULL")
[ "$missing" = 0 ] || fail "$missing rows without HPgn or ECK iD"
dups=$(q -c "SELECT count(*) - count(DISTINCT eck_id) FROM pupil")
[ "$dups" = 0 ] || fail "$dups duplicated ECK iDs"
replacements=$(q -c "SELECT count(*) FROM eckid.hpgn_replacement")
[ "$replacements" -gt 0 ] || fail "no PGN change was recorded"
wrong_eckid=$(q -c "SELECT count(*) FROM pupil WHERE eck_id <> eckid.derive(eckid.stampseudonym(hpgn), '$chain', '$sector')")
[ "$wrong_eckid" = 0 ] || fail "$wrong_eckid ECK iDs differ from the derivation of their (resolved) Stampseudonym"
echo "    recomputing $rows HPgns"
wrong_hpgn=$(q -c "SELECT count(*) FROM pupil WHERE hpgn <> eckid.hpgn(pgn)")
[ "$wrong_hpgn" = 0 ] || fail "$wrong_hpgn HPgns differ from a fresh recomputation"
if [ -n "${ECKID_LOG:-}" ]; then
	deadlocks=$(tail -n +"$((log_lines_before + 1))" "$ECKID_LOG" | grep -c "deadlock detected" || true)
	[ "$deadlocks" = 0 ] || fail "$deadlocks deadlocks reported in the server log"
fi
dropdb eckid_concurrency
rm -f "$out"
echo "ok: 8 clients for ${seconds} s: $inserted inserts through the trigger, $changed PGN changes ($replacements recorded),"
echo "    $imported imports without it, $backfills backfills; $rows rows all present and complete, every HPgn equal to a"
echo "    fresh recomputation, every ECK iD its derivation (kept across PGN changes), none duplicated, no deadlock"
