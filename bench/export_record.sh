#!/usr/bin/env bash
# make bench-export (inside the cluster scripts/cluster started): what
# eckid.export_record costs, row 12 of docs/performance.md.  A full read of
# a recipient view of BENCH_EXPORT_ROWS rows (default 1,000,000: every
# pseudonym computed and counted, one ECKID EXPORT line at the end) with
# the record on and off, alternating (and which goes first alternating),
# BENCH_ROUNDS rounds; medians of the server's execution time (psql's
# \timing of one statement, the same client and plan both ways).  Prints a
# markdown table row; the target is a ratio of at most 1.03.
set -euo pipefail
rows=${BENCH_EXPORT_ROWS:-1000000}
rounds=${BENCH_ROUNDS:-7}
db=eckid_exportbench
createdb "$db"
trap 'dropdb --if-exists "$db"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -c "CREATE EXTENSION eckid" \
  -c "CREATE TABLE pupil (id int PRIMARY KEY, ecid eckid.eckid)" \
  -c "INSERT INTO pupil SELECT i, ('https://ketenid.nl/201703/' || encode(sha512(i::text::bytea), 'hex'))::eckid.eckid
        FROM generate_series(1, $rows) i" \
  -c "VACUUM ANALYZE pupil" \
  -c "SELECT eckid.create_masked_view('pupil', 'pupil_publisher', recipient => 'publisher')" >/dev/null

# ms of one full read, the record $1 (on/off); count(ecid) needs every pseudonym
read_ms() {
	q -c "SET eckid.export_record = $1" -c "SET max_parallel_workers_per_gather = 0" -c '\timing on' \
	  -c "SELECT count(ecid) FROM pupil_publisher" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 1))" "$@"; }
read_ms on >/dev/null	# warm the cache
on=() off=()
for i in $(seq "$rounds"); do
	if [ $((i % 2)) -eq 1 ]; then
		on+=("$(read_ms on)"); off+=("$(read_ms off)")
	else
		off+=("$(read_ms off)"); on+=("$(read_ms on)")
	fi
done
mon=$(median "${on[@]}")
moff=$(median "${off[@]}")
ratio=$(python3 -c "import sys; print(round(float(sys.argv[1])/float(sys.argv[2]),3))" "$mon" "$moff")
echo "| 12 | a full read of a recipient view of $rows rows, eckid.export_record on / off (median of $rounds) | $mon ms | $moff ms | **$ratio x** |"
