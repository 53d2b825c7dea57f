#!/usr/bin/env bash
# Row 11 (docs/performance.md, "The deferred mode"): BENCH_BULK (64) new
# pupils through each statement form a LAS uses, with eckid.assign()'s flag
# deferred (their PGNs hashed at once when the transaction commits), against
# eckid.backfill() of the same rows in one batch, in one run, inside the
# cluster scripts/cluster started.  The forms: COPY, INSERT ... SELECT, a
# PL/pgSQL loop inserting row by row, and BENCH_BULK single-row INSERTs in
# one transaction (what pgJDBC's executeBatch() sends).  Each statement in a
# fresh session, hashed by the HPgn workers; every HPgn and ECK iD
# compared with the backfill's.  The backfill and the forms take turns at
# going first.  BENCH_ROUNDS (2) rounds; prints the rows of the table.
set -euo pipefail

db=eckid_bench_deferred; rounds=${BENCH_ROUNDS:-2}; n=${BENCH_BULK:-64}
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
secs() { local t0; t0=$(date +%s.%N); "$@" >/dev/null; python3 -c "print(round($(date +%s.%N) - $t0, 3))"; }
args="'pgn', 'hpgn', 'eck_id', 'chain', 'sector'"
before() { echo "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON $1 FOR EACH ROW EXECUTE FUNCTION eckid.assign($args${2:+, '$2'})"; }
flush() { echo "CREATE CONSTRAINT TRIGGER t_flush AFTER INSERT OR UPDATE ON $1 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.hpgn IS NULL AND NEW.pgn IS NOT NULL) EXECUTE FUNCTION eckid.assign($args, 'deferred')"; }
q -c "CREATE EXTENSION eckid"

forms="copy insert_select plpgsql single_inserts"
run_form() {	# run_form FORM FIRST_ID
	local a=$2 b=$(($2 + n - 1))
	case $1 in
	copy) python3 -c "import sys; [print(f'{i}\tpupil-{i}') for i in range($a, $b + 1)]" |
		q -c "\\copy d_copy (id, pgn) FROM STDIN" ;;
	insert_select) q -c "INSERT INTO d_insert_select (id, pgn) SELECT i, 'pupil-' || i FROM generate_series($a, $b) i" ;;
	plpgsql) q -c "DO \$\$ BEGIN FOR i IN $a..$b LOOP INSERT INTO d_plpgsql (id, pgn) VALUES (i, 'pupil-' || i); END LOOP; END \$\$" ;;
	single_inserts) python3 -c "
import sys
print('BEGIN;')
[print(f\"INSERT INTO d_single_inserts (id, pgn) VALUES ({i}, 'pupil-{i}');\") for i in range($a, $b + 1)]
print('COMMIT;')" | q ;;
	esac
}

declare -A total; tb_total=0
for f in $forms; do total[$f]=0; done
la0=$(cut -d' ' -f1 /proc/loadavg)
for r in $(seq "$rounds"); do
	off=$((r * 1000))
	q -c "DROP TABLE IF EXISTS bf, $(echo d_$forms | sed 's/ / d_/g' | tr ' ' ',')" \
		-c "CREATE TABLE bf (id int PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid)" \
		-c "INSERT INTO bf (id, pgn) SELECT i, 'pupil-' || i FROM generate_series($off + 1, $off + $n) i" \
		-c "$(before bf)"
	for f in $forms; do
		q -c "CREATE TABLE d_$f (LIKE bf INCLUDING ALL)" -c "$(before d_$f deferred)" -c "$(flush d_$f)"
	done
	if [ $((r % 2)) = 1 ]; then
		tb=$(secs q -c "CALL eckid.backfill('bf', $n)")
	fi
	for f in $forms; do
		t=$(secs run_form "$f" $((off + 1)))
		total[$f]=$(python3 -c "print(${total[$f]} + $t)")
	done
	if [ $((r % 2)) = 0 ]; then
		tb=$(secs q -c "CALL eckid.backfill('bf', $n)")
	fi
	tb_total=$(python3 -c "print($tb_total + $tb)")
	for f in $forms; do
		bad=$(q -c "SELECT count(*) FROM bf b FULL JOIN d_$f x USING (id) WHERE x.hpgn IS DISTINCT FROM b.hpgn OR x.eck_id IS DISTINCT FROM b.eck_id OR b.hpgn IS NULL")
		if [ "$bad" != 0 ]; then echo "$f: $bad rows differ from the backfill's" >&2; exit 1; fi
	done
done
la1=$(cut -d' ' -f1 /proc/loadavg)
python3 - "$n" "$rounds" "$tb_total" "$la0" "$la1" workers ${forms} -- $(for f in $forms; do echo "${total[$f]}"; done) <<'PY'
import sys
a = sys.argv[1:]
n, rounds, tb = int(a[0]), int(a[1]), float(a[2])
sep = a.index('--')
forms, times = a[6:sep], [float(x) for x in a[sep + 1:]]
names = {'copy': 'COPY', 'insert_select': 'INSERT ... SELECT', 'plpgsql': 'PL/pgSQL loop, row by row',
         'single_inserts': f'{n} single-row INSERTs in one transaction (executeBatch)'}
per_b = tb / (n * rounds)
for i, (f, t) in enumerate(zip(forms, times)):
    per = t / (n * rounds)
    print(f"| 11{'abcd'[i]} | {n} new pupils, deferred mode: {names[f]} (HPgn workers, {rounds} rounds, load {a[3]}->{a[4]}) | {per:.3f} s/PGN | backfill({n}) {per_b:.3f} s/PGN | **{per / per_b:.2f} x** |")
PY
