#!/usr/bin/env bash
# Row 9 against the backfill, per PGN, in one run, inside the cluster scripts/cluster
# started (docs/performance.md, "The trigger after issue 13"): BENCH_BULK (64)
# new PGNs a round hashed by one multi-row INSERT, by eckid.backfill() in
# batches of 16 and of 64, and by a second INSERT in a session that hashed
# before (all by the HPgn workers); libsodium row by row on 16 of them.
# The INSERT and the batches of 16 take turns at going first.  Each statement in a
# fresh session; every HPgn compared.  BENCH_ROUNDS (3) rounds.
set -euo pipefail

db=eckid_bench_class; rounds=${BENCH_ROUNDS:-3}; n=${BENCH_BULK:-64}; ns=$(( n < 16 ? n : 16 ))
createdb "$db"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
secs() { local t0; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; python3 -c "print(round($(date +%s.%N) - $t0, 2))"; }
trig="FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')"
vals() { python3 -c "import sys; a,n=int(sys.argv[1]),int(sys.argv[2]); print(', '.join(f\"({i}, 'pupil-{i}', NULL, NULL)\" for i in range(a, a+n)))" "$1" "$2"; }
q -c "CREATE EXTENSION eckid"
for r in $(seq $rounds); do
	off=$((r * 1000))
	q -c "DROP TABLE IF EXISTS ins, bf, bf64, warm, sod" \
		-c "CREATE TABLE ins (id int, pgn text, hpgn text, eck_id eckid.eckid)" \
		-c "CREATE TABLE bf (LIKE ins); CREATE TABLE bf64 (LIKE ins); CREATE TABLE warm (LIKE ins); CREATE TABLE sod (LIKE ins)" \
		-c "INSERT INTO bf SELECT i, 'pupil-' || i, NULL, NULL FROM generate_series($off + 1, $off + $n) i" \
		-c "INSERT INTO bf64 SELECT i, 'pupil-' || i, NULL, NULL FROM generate_series($off + 1, $off + $n) i" \
		-c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ins $trig" -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON bf $trig" \
		-c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON bf64 $trig" -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON warm $trig" \
		-c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON sod $trig"
	la=$(cut -d' ' -f1 /proc/loadavg)
	# the first statement of a round may pay for memory the host took back: alternate
	if [ $((r % 2)) = 1 ]; then
		ti=$(secs q -c "INSERT INTO ins VALUES $(vals $((off + 1)) $n)")
		tb=$(secs q -c "CALL eckid.backfill('bf', 16)")
	else
		tb=$(secs q -c "CALL eckid.backfill('bf', 16)")
		ti=$(secs q -c "INSERT INTO ins VALUES $(vals $((off + 1)) $n)")
	fi
	tb64=$(secs q -c "CALL eckid.backfill('bf64', 64)")
	# the same INSERT once more in a session that hashed before (first INSERT not counted)
	tw=$(q -c "INSERT INTO warm VALUES $(vals $((off + 501)) $n)" -c "TRUNCATE warm" -c "\\timing on" -c "INSERT INTO warm VALUES $(vals $((off + 1)) $n)" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
	ts=$(secs q -c "SET eckid.scrypt_implementation = 'libsodium'" -c "INSERT INTO sod VALUES $(vals $((off + 1)) $ns)")
	bad=$(q -c "SELECT count(*) FROM ins i JOIN bf b USING (id) JOIN bf64 c USING (id) JOIN warm w USING (id) LEFT JOIN sod s USING (id) WHERE i.hpgn IS DISTINCT FROM b.hpgn OR i.hpgn IS DISTINCT FROM c.hpgn OR i.hpgn IS DISTINCT FROM w.hpgn OR (s.id IS NOT NULL AND s.hpgn IS DISTINCT FROM i.hpgn) OR i.hpgn IS NULL")
	python3 - "$ti" "$tb" "$tb64" "$tw" "$ts" "$n" "$ns" "$la" "$(cut -d' ' -f1 /proc/loadavg)" "$bad" <<'PY'
import sys
ti,tb,tb64,tw,ts=map(float,sys.argv[1:6]); n,ns=int(sys.argv[6]),int(sys.argv[7])
tw/=1000; sod=ts/ns
print(f"load {sys.argv[8]}->{sys.argv[9]} mismatches {sys.argv[10]} | libsodium {sod:.3f} s/PGN | INSERT {ti/n:.3f} s/PGN = {ti/n/sod:.3f} x | backfill(16) {tb/n:.3f} = {tb/n/sod:.3f} x | backfill(64) {tb64/n:.3f} = {tb64/n/sod:.3f} x | INSERT, memory mapped {tw/n:.3f} = {tw/n/sod:.3f} x")
PY
done
dropdb "$db"
