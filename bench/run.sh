#!/usr/bin/env bash
# make bench: every row measured side by side in the same run; writes the
# table and the machine's description to bench/results/bench-<time>.md
# (BENCH_RESULTS=dir writes it elsewhere), outside the tracked tree; with
# UPDATE_DOCS=1 (make bench UPDATE_DOCS=1) it rewrites the table in
# docs/performance.md instead.
# Environment: BENCH_ROWS (default 1000000), BENCH_BULK (default 64),
# BENCH_ROUNDS (default 5), ECKID_PG_PREFIX as for scripts/cluster.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_ROWS=${BENCH_ROWS:-1000000} BENCH_BULK=${BENCH_BULK:-64} BENCH_ROUNDS=${BENCH_ROUNDS:-5}
out=$(mktemp)
load_start=$(cut -d" " -f1-3 /proc/loadavg)
export load_start
cores=$(nproc)
{
	echo "| row | measured | eckid / fast | baseline | ratio |"
	echo "|---|---|---|---|---|"
	read -r _ _ s v r < <("$root/bench/scrypt_bench" single "$BENCH_ROUNDS")
	echo "| 1a | one HPgn, C, fresh memory (median of $BENCH_ROUNDS) | $v s | libsodium $s s | **$r x** |"
	read -r _ _ s v r < <("$root/bench/scrypt_bench" single "$BENCH_ROUNDS" warm)
	echo "| 1b | one HPgn, C, memory kept (as within one transaction) | $v s | libsodium $s s | **$r x** |"
	read -r _ n c s v r < <("$root/bench/scrypt_bench" bulk "$BENCH_BULK" "$cores" 1)
	one=$("$root/bench/scrypt_bench" sodium-one)
	echo "| 2 | $n HPgns, $c threads vs libsodium in $c processes | $v s | $s s | **$r x** faster; $(python3 -c "print(round($one*$n/$v,1))") x one libsodium process |"
} > "$out"
# only the table rows: scripts/cluster also says what it is doing
"$root/scripts/cluster" bash "$root/bench/sql_bench.sh" | grep '^|' >> "$out"
"$root/scripts/cluster" bash "$root/bench/deferred_vs_backfill.sh" | grep '^|' >> "$out"
"$root/scripts/cluster" bash "$root/bench/engine_load.sh" | grep '^|' >> "$out"
cat "$out"
if [ "${UPDATE_DOCS:-}" = 1 ]; then
	target=$root/docs/performance.md
else
	results=${BENCH_RESULTS:-$root/bench/results}
	mkdir -p "$results"
	target=$results/bench-$(date -u +%Y%m%dT%H%M%SZ).md
	printf '<!-- bench:begin -->\n<!-- bench:end -->\n' > "$target"
fi
python3 - "$out" "$target" <<'PY'
import sys, re, subprocess, datetime, platform
table = open(sys.argv[1]).read()
doc = open(sys.argv[2]).read()
cpu = next(l.split(':',1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
mem = int(next(l.split()[1] for l in open('/proc/meminfo') if l.startswith('MemTotal'))) // 1024 // 1024
sod = subprocess.run(['pkg-config','--modversion','libsodium'],capture_output=True,text=True).stdout.strip()
pg = subprocess.run(['psql','--version'],capture_output=True,text=True).stdout.strip()
import os
machine = (f"Machine: {cpu}, {os.cpu_count()} cores, {mem} GiB; {pg}; libsodium {sod}; "
           f"{platform.platform()}; {datetime.date.today().isoformat()}. "
           f"Load average (1, 5, 15 min) {os.environ['load_start']} at the start, "
           f"{' '.join(open('/proc/loadavg').read().split()[:3])} at the end: other jobs share the machine, "
           f"so absolute times are inflated and vary; compare the ratios, medians of alternating runs. "
           f"BENCH_ROWS={os.environ['BENCH_ROWS']}, BENCH_BULK={os.environ['BENCH_BULK']}, BENCH_ROUNDS={os.environ['BENCH_ROUNDS']}.\n\n")
new = "<!-- bench:begin -->\n" + machine + table + "<!-- bench:end -->"
doc = re.sub(r"<!-- bench:begin -->.*<!-- bench:end -->", lambda m: new, doc, flags=re.S)
open(sys.argv[2], 'w').write(doc)
PY
rm -f "$out"
echo "written to $target"
