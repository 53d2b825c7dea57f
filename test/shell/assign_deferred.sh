#!/usr/bin/env bash
# eckid.assign() with the flag deferred (docs/row-level.md, "Deferred mode"):
# in every statement form a LAS uses (COPY, INSERT ... SELECT, a PL/pgSQL
# loop, single-row INSERTs in one transaction as pgJDBC's executeBatch()
# sends them) the PGNs of the transaction's rows are hashed in ONE call at
# the flush, counted by the trigger's DEBUG1 line; the immediate mode, the
# probe's positive control, hashes the same single-row INSERTs one by one
# and says no such line.  The values are those of eckid.hpgn() and of the
# immediate mode; the transaction sees NULL until the flush, and SET
# CONSTRAINTS ... IMMEDIATE flushes early.  Nothing the client is sent
# carries a PGN.
#
# Needs PGHOST/PGPORT/PGUSER of a cluster with eckid preloaded, on a CPU with
# AVX-512F (the bulk path: without it every PGN is hashed row by row);
# creates its own database and drops it at the end.
set -euo pipefail
source "$(dirname "$0")/lib/checks.sh"

db=eckid_assign_deferred
work=$(mktemp -d)
cleanup() {
	dropdb --if-exists "$db" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
dropdb --if-exists "$db" 2>/dev/null
createdb "$db"
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$db" "$@"; }

args="'pgn', 'hpgn', 'eck_id', 'chain', 'sector'"
q -c "CREATE EXTENSION eckid"
q -c "SET eckid.scrypt_implementation = 'auto'" -c "SELECT 1" >/dev/null
table() {	# table NAME [deferred]
	q -c "CREATE TABLE $1 (id int PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid)" \
		-c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON $1 FOR EACH ROW EXECUTE FUNCTION eckid.assign($args${2:+, '$2'})"
	if [ "${2:-}" = deferred ]; then
		q -c "CREATE CONSTRAINT TRIGGER t_flush AFTER INSERT OR UPDATE ON $1 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.hpgn IS NULL AND NEW.pgn IS NOT NULL) EXECUTE FUNCTION eckid.assign($args, 'deferred')"
	fi
}
# the PGNs: two BSNs (one of 8 digits), an onderwijsnummer-free employee id, one more
PGNS=("'111222333'" "'63138219'" "'20DP a@school.nl'" "'101222331'")
lacks_pgns() { ! grep -qF -e 111222333 -e 63138219 -e 'a@school' -e 101222331 "$@"; }
not() { ! "$@"; }
bulk_lines() { grep -c 'computing [0-9]* HPgns in one call at the flush' "$1" || true; }
bulk_count() { sed -n 's/.*computing \([0-9]*\) HPgns in one call at the flush.*/\1/p' "$1" | paste -sd' '; }
debug="SET client_min_messages = debug1"

# single-row INSERTs in one transaction, immediate mode: the positive control
table immediate
{
	echo "$debug;"; echo "BEGIN;"
	for i in 0 1 2 3; do echo "INSERT INTO immediate (id, pgn) VALUES ($i, ${PGNS[$i]});"; done
	echo "COMMIT;"
} | q >"$work/immediate.out" 2>&1
check "immediate mode, single-row INSERTs: no bulk hash" same "$(bulk_lines "$work/immediate.out")" 0

# each form in the deferred mode
table d_copy deferred; table d_select deferred; table d_loop deferred; table d_batch deferred
printf '%s\n' "0	111222333" "1	63138219" "2	20DP a@school.nl" "3	101222331" |
	q -c "$debug" -c "\\copy d_copy (id, pgn) FROM STDIN" >"$work/copy.out" 2>&1
q -c "$debug" -c "INSERT INTO d_select (id, pgn) SELECT id, pgn FROM immediate" >"$work/select.out" 2>&1
q -c "$debug" -c "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT id, pgn FROM immediate ORDER BY id LOOP INSERT INTO d_loop (id, pgn) VALUES (r.id, r.pgn); END LOOP; END \$\$" >"$work/loop.out" 2>&1
{
	echo "$debug;"; echo "BEGIN;"
	for i in 0 1 2 3; do echo "INSERT INTO d_batch (id, pgn) VALUES ($i, ${PGNS[$i]});"; done
	echo "SELECT 'before the flush: ' || count(*) FROM d_batch WHERE hpgn IS NULL AND eck_id IS NULL;"
	echo "COMMIT;"
} | q >"$work/batch.out" 2>&1
for f in copy select loop batch; do
	check "deferred mode, $f: one bulk hash of the 4 PGNs" same "$(bulk_count "$work/$f.out")" 4
	check "deferred mode, $f: the values of the immediate mode" same \
		"$(q -c "SELECT count(*) FROM immediate i JOIN d_$f d USING (id) WHERE d.hpgn = i.hpgn AND d.eck_id = i.eck_id")" 4
	check "deferred mode, $f: no PGN in what the client was sent" lacks_pgns "$work/$f.out"
done
echo 'x 63138219' >"$work/probe"
check "the probe of lacks_pgns sees a PGN" not lacks_pgns "$work/probe"
check "the transaction sees NULLs before the flush" has "$(cat "$work/batch.out")" "before the flush: 4"
check "the immediate mode's values are eckid.hpgn()'s" same \
	"$(q -c "SELECT count(*) FROM immediate WHERE hpgn = eckid.hpgn(CASE WHEN pgn = '63138219' THEN '063138219' ELSE pgn END)")" 4

# SET CONSTRAINTS ... IMMEDIATE flushes early, in the same transaction
got=$(q -c "BEGIN" -c "INSERT INTO d_batch (id, pgn) VALUES (10, '123456782'), (11, '20DP b@school.nl')" \
	-c "SELECT count(*) FROM d_batch WHERE id >= 10 AND hpgn IS NULL" \
	-c "SET CONSTRAINTS ALL IMMEDIATE" \
	-c "SELECT count(*) FROM d_batch WHERE id >= 10 AND hpgn IS NOT NULL AND eck_id IS NOT NULL" -c "COMMIT")
check "SET CONSTRAINTS ALL IMMEDIATE flushes before the commit" same "$(echo $got)" "2 2"

# pg_dump and restore keep both halves, and the restored pair works
restored=${db}_restored
dropdb --if-exists "$restored" 2>/dev/null
createdb "$restored"
trap 'cleanup; dropdb --if-exists "$restored" 2>/dev/null || true' EXIT
pg_dump -d "$db" -t d_batch >"$work/dump.sql"
q -c "DROP TABLE immediate, d_copy, d_select, d_loop" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$restored" -c "CREATE EXTENSION eckid" -f "$work/dump.sql" >/dev/null 2>&1
check "pg_dump and restore keep the BEFORE trigger and the deferred constraint trigger" same \
	"$(psql -X -At -d "$restored" -c "SELECT string_agg(tgname || ':' || tgdeferrable || tginitdeferred, ' ' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'd_batch'::regclass")" \
	"t:falsefalse t_flush:truetrue"
check "the restored pair fills a new row at the commit" same \
	"$(psql -X -q -At -d "$restored" -c "INSERT INTO d_batch (id, pgn) VALUES (20, '63138219')" \
		-c "SELECT count(*) FROM d_batch WHERE id = 20 AND hpgn = (SELECT hpgn FROM d_batch WHERE id = 1)")" "1"

checks_done
