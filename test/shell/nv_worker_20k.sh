#!/usr/bin/env bash
# 20,000 pupils through eckid-nv-worker and a simulator that answers each
# batch after a delay (issue 14), with the progress a DBA sees in
# eckid.nv_status sampled every second while it runs.  The pupils' rows
# already carry made-up HPgns and their requests are queued with
# eckid.nv_request(), as an application without the trigger does (the
# trigger would spend a second of scrypt on each PGN).  Two workers,
# batches of ECKID_NV_20K_BATCH (2,000) items, a batch delay of
# ECKID_NV_20K_DELAY (2) seconds.  Prints what it measured; asserts
# correctness only (every row the simulator's value, written once, each
# item submitted once, progress seen), never a time.
nv_test=nv_worker_20k
# shellcheck source=../nv/worker_lib.sh
source "$(dirname "$0")/../nv/worker_lib.sh"
n=${ECKID_NV_20K_PUPILS:-20000}
batch=${ECKID_NV_20K_BATCH:-2000}
delay=${ECKID_NV_20K_DELAY:-2}

start_sim --batch-delay "$delay" --daily-limit -1
make_db
config "$work/a.conf" worker_name=w-a batch_size="$batch" poll_interval=500ms lease=30s request_timeout=20s
config "$work/b.conf" worker_name=w-b batch_size="$batch" poll_interval=500ms lease=30s request_timeout=20s

say "queueing $n pupils"
start=$(date +%s.%N)
pupils p20k "$n" 1
queued=$(date +%s.%N)
check "all $n are queued" "$(q "SELECT pending || '/' || (SELECT waiting FROM eckid.nv_status WHERE operation = 'eckid') FROM eckid.nv_status WHERE operation = 'stampseudonym'")" "$n/$n"

say "two workers, batches of $batch, the simulator answering after $delay s"
(
	while :; do
		printf '%s %s\n' "$(date +%s.%N)" "$(q "SELECT string_agg(operation || ' pending=' || (waiting + pending) || ' in_flight=' || in_flight || ' done=' || done, '; ' ORDER BY operation DESC) FROM eckid.nv_status WHERE operation <> 'replace'")"
		sleep 1
	done
) >"$work/progress" 2>&1 &
sampler=$!
worker_pids+=("$sampler")
t0=$(date +%s.%N)
"$worker" --once "$work/a.conf" >"$work/a.log" 2>&1 & a=$!
"$worker" --once "$work/b.conf" >"$work/b.log" 2>&1 & b=$!
worker_pids+=("$a" "$b")
wait "$a" && ra=0 || ra=$?
wait "$b" && rb=0 || rb=$?
t1=$(date +%s.%N)
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
awk '{ $1 = sprintf("    %6.1f s", $1 - t); print }' t="$t0" "$work/progress"
check "both workers exit 0" "$ra/$rb" "0/0"

say "what was stored"
check "every row has the simulator's value" "$(wrong_rows p20k)" 0
check "each ECK iD was written once" "$(writes p20k)" "$n"
check "each item reached the service once" "$(counter 'items_seen')" $((2 * n))
check "in batches of $batch" "$(counter 'batches_submitted')" $(( (n + batch - 1) / batch * 2 ))
samples=$(grep -c 'done=' "$work/progress" || true)
distinct=$(grep -o 'eckid pending=[0-9]* in_flight=[0-9]* done=[0-9]*' "$work/progress" | sort -u | wc -l)
[ "$distinct" -ge 3 ] && pass "progress was visible in eckid.nv_status ($distinct different states in $samples samples)" \
	|| fail "eckid.nv_status showed only $distinct states in $samples samples"
check "both workers did some of it" "$(grep -c 'stored' "$work/a.log" | awk '{print ($1 > 0)}')/$(grep -c 'stored' "$work/b.log" | awk '{print ($1 > 0)}')" "1/1"
check "the workers' logs hold no run of 32 hex digits" "$(cat "$work/a.log" "$work/b.log" | grep -cE '[0-9a-fA-F]{32}' || true)" 0
awk -v n="$n" -v s="$start" -v q="$queued" -v t0="$t0" -v t1="$t1" -v d="$delay" -v b="$batch" 'BEGIN {
	printf "measured: %d pupils queued with eckid.nv_request() in %.1f s; both operations through two workers in %.1f s\n", n, q - s, t1 - t0;
	printf "          (%.0f pupils/s end to end; %d batches of %d, each held back %s s by the simulator)\n", n / (t1 - t0), 2 * int((n + b - 1) / b), b, d }'
nv_finish
