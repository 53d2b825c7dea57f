#!/usr/bin/env bash
# Rows 1g, 14 and 15 of docs/performance.md ("The HPgn engine"), inside the
# cluster scripts/cluster started (make bench-engine):
#   1g  the first HPgn of a brand-new session (a new psql each, nothing kept
#       by any session) against one libsodium hash in C (bench/scrypt_bench
#       sodium-one), the two taking turns at going first; medians.
#   14  peak resident memory of the server (anonymous and huge pages, summed
#       over the postmaster's children, sampled every 0.2 s) above what it
#       held before, while 1, 8, 24 and 48 sessions each insert one pupil
#       through the trigger at once, against eckid.hash_memory.
#   15  pgbench, BENCH_CLIENTS (8) clients enrolling pupils through the
#       trigger (test/pgbench/insert.sql) for BENCH_SECONDS (30), against one
#       eckid.backfill() of 32 rows in the same run: HPgns per second.
# Needs read access to the data directory's postmaster.pid (run as root or
# as the server's user).  It builds bench/scrypt_bench when it is missing:
# scripts/cluster's build cleans the tree (make clean removes the benches)
# before it runs this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/bench/scrypt_bench" ] || make -C "$root" -s bench/scrypt_bench >/dev/null
rounds=${BENCH_ROUNDS:-5}; clients=${BENCH_CLIENTS:-8}; seconds=${BENCH_SECONDS:-30}
db=eckid_bench_engine
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
median() { python3 -c "import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
ratio() { python3 -c "import sys; print(round(float(sys.argv[1])/float(sys.argv[2]),2))" "$1" "$2"; }
q -c "CREATE EXTENSION eckid"
postmaster=$(head -1 "$(q -c "SHOW data_directory")/postmaster.pid")
la0=$(cut -d' ' -f1 /proc/loadavg)

# 1g
a=(); b=()
one_session() { q -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN PERFORM eckid.hpgn('pupil-$1'); RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p'; }
one_sodium() { python3 -c "print(round(float('$("$root/bench/scrypt_bench" sodium-one)') * 1000, 1))"; }
for k in $(seq "$rounds"); do
	if [ $((k % 2)) = 1 ]; then a+=("$(one_session "$k")"); b+=("$(one_sodium)")
	else b+=("$(one_sodium)"); a+=("$(one_session "$k")"); fi
done
ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
echo "| 1g | the first HPgn of a brand-new session (HPgn workers) vs one libsodium hash in C, alternating, $rounds rounds | $ma ms | libsodium $mb ms | **$(ratio "$ma" "$mb") x** |"

# 14
rss_mib() {
	local total=0 pid kb
	for pid in $(pgrep -P "$postmaster"); do
		kb=$(awk '/^(RssAnon|HugetlbPages):/ {s += $2} END {print s + 0}' "/proc/$pid/status" 2>/dev/null || echo 0)
		total=$((total + kb))
	done
	echo $((total / 1024))
}
budget=$(q -c "SELECT setting FROM pg_settings WHERE name = 'eckid.hash_memory'")
q -c "CREATE TABLE pupils (pgn text, hpgn text, eck_id eckid.eckid)" \
  -c "CREATE TRIGGER t BEFORE INSERT ON pupils FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')"
work=$(mktemp -d); trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
for n in 1 8 24 48; do
	before=$(rss_mib); rm -f "$work/stop"; echo 0 > "$work/peak"
	( peak=0; while [ ! -e "$work/stop" ]; do m=$(rss_mib); [ "$m" -gt "$peak" ] && peak=$m && echo "$peak" > "$work/peak"; sleep 0.2; done ) &
	sampler=$!
	t0=$(date +%s.%N)
	for i in $(seq 1 "$n"); do q -c "INSERT INTO pupils (pgn) VALUES ('mem-$n-$i')" > "$work/err.$i" 2>&1 & done
	wait $(jobs -p | grep -v "^$sampler\$")
	t=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
	touch "$work/stop"; wait "$sampler"
	errors=$(cat "$work"/err.* | grep -c . || true); rm -f "$work"/err.*
	[ "$errors" = 0 ] || { echo "row 14: $errors errors with $n sessions" >&2; exit 1; }
	peak=$(cat "$work/peak"); rise=$((peak - before)); [ "$rise" -lt 0 ] && rise=0
	echo "| 14 ($n) | peak resident memory of the server, $n sessions each inserting a pupil through the trigger at once ($t s): above its level before (which holds the workers' memory since their start) | +$rise MiB (peak $peak MiB, before $before MiB) | eckid.hash_memory $budget MiB | **$(ratio "$rise" "$budget") x** the budget above before, $(ratio "$peak" "$budget") x in all |"
done

# 15
q -c "CREATE TABLE pupil (id serial PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid)" \
  -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')" \
  -c "CREATE TABLE bf (LIKE pupil)" -c "INSERT INTO bf (id, pgn) SELECT i, 'bf-' || i FROM generate_series(1, 32) i" \
  -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON bf FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')"
t0=$(date +%s.%N); q -c "CALL eckid.backfill('bf', 16)" >/dev/null 2>&1
bps=$(python3 -c "print(round(32 / ($(date +%s.%N) - $t0), 2))")
tps=$(pgbench -n -c "$clients" -j "$clients" -T "$seconds" -f "$root/test/pgbench/insert.sql" "$db" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
[ -n "$tps" ] || { echo "row 15: pgbench gave no tps" >&2; exit 1; }
done_rows=$(q -c "SELECT count(*) FROM pupil WHERE hpgn IS NOT NULL")
echo "| 15 | pgbench, $clients clients enrolling pupils through the trigger for $seconds s ($done_rows pupils; load $la0->$(cut -d' ' -f1 /proc/loadavg)) | $(python3 -c "print(round($tps, 2))") HPgns/s | one backfill of 32: $bps HPgns/s | **$(ratio "$tps" "$bps") x** the backfill's rate |"
