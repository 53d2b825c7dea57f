#!/usr/bin/env bash
# The HPgn engine under load (docs/performance.md, "The HPgn engine"), on a
# cluster of its own with the default eckid.hash_memory (2048 MB: 4 HPgns at
# once in 2 workers):
#   1. 48 sessions inserting pupils through the trigger at once: no error,
#      every value right, and the server's anonymous resident memory (summed
#      over the postmaster's children, sampled) stays within the budget plus
#      what the backends themselves hold; the probe sees the workers' memory.
#   2. callers beyond the capacity wait, seen in pg_stat_activity (the wait
#      event EckidHpgnQueue on 17+, the class Extension before);
#   3. statement_timeout and pg_cancel_backend while waiting and while
#      hashing: 57014 (times printed; only a generous hang guard asserted);
#   4. pg_terminate_backend of a waiting caller: the others get their answers;
#   5. SIGKILL of a worker: every caller ends (an error or its answer, never a
#      hang: timeout), the server restarts its processes, the engine answers;
#   6. a salt reload while requests wait: each is hashed with the salt its
#      statement saw.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
set +e -uo pipefail	# checks count failures; a failing command is no reason to stop
vector=9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

start_cluster "max_connections = 80" "shared_buffers = 16MB"
q -c "CREATE EXTENSION eckid"
q <<'SQL'
CREATE TABLE pupils (pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER pupils_eckid BEFORE INSERT ON pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
SQL
out=$(mktemp -d)
trap 'rm -rf "$out"; stop_cluster' EXIT
postmaster=$(head -1 "$ECKID_DATA/postmaster.pid")

# the workers are up and warm (they hash dummy inputs at start)
for _ in $(seq 1 120); do
	[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker'")" = 2 ] && break
	sleep 0.5
done
same "$(q -c "SELECT eckid.hpgn('063138219')")" "$vector" >/dev/null

# anonymous + huge-page resident memory of the postmaster's children, in MiB;
# $1 = workers: only the HPgn workers; others: all but them
anon_mib() {
	local total=0 pid kb kind
	for pid in $(pgrep -P "$postmaster"); do
		kind=other
		grep -q "eckid HPgn worker" "/proc/$pid/cmdline" 2>/dev/null && kind=workers
		[ "$kind" = "$1" ] || [ "$1" = all ] || continue
		kb=$(awk '/^(RssAnon|HugetlbPages):/ {s += $2} END {print s + 0}' "/proc/$pid/status" 2>/dev/null || echo 0)
		total=$((total + kb))
	done
	echo $((total / 1024))
}
sample() {	# until $out/stop exists: the peak of all, workers and the queue's waiters
	local peak=0 wpeak=0 waiters=0 m w n
	while [ ! -e "$out/stop" ]; do
		m=$(anon_mib all); w=$(anon_mib workers)
		[ "$m" -gt "$peak" ] && peak=$m
		[ "$w" -gt "$wpeak" ] && wpeak=$w
		n=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
			AND wait_event IN ('EckidHpgnQueue', 'Extension')" 2>/dev/null || echo 0)
		[ "$n" -gt "$waiters" ] && waiters=$n
		echo "$peak $wpeak $waiters" > "$out/peak"
		sleep 0.2
	done
}

# 1 and 2: 48 sessions, each one pupil through the trigger
budget=$(q -c "SELECT setting FROM pg_settings WHERE name = 'eckid.hash_memory'")
others_before=$(anon_mib other)
sample & sampler=$!
start=$(date +%s)
for i in $(seq 1 48); do
	q -c "INSERT INTO pupils (pgn) VALUES ('load-$i')" > "$out/load.$i" 2>&1 &
done
wait $(jobs -p | grep -v "^$sampler\$")
touch "$out/stop"; wait "$sampler"; rm -f "$out/stop"
read -r peak wpeak waiters < "$out/peak"
errors=$(cat "$out"/load.* | grep -c . || true)
echo "# 48 sessions: $(( $(date +%s) - start )) s; peak anonymous RSS of the server ${peak} MiB (workers ${wpeak} MiB," \
	"other processes ${others_before} MiB before), budget ${budget} MiB, at most ${waiters} callers seen waiting"
check "48 sessions inserting through the trigger at once: no error" same "$errors" 0
check "every pupil got its HPgn" same "$(q -c "SELECT count(*) FROM pupils WHERE hpgn ~ '^[0-9a-f]{64}\$'")" 48
check "the probe sees the workers' scrypt memory (positive)" test "$wpeak" -ge 1000
check "the workers stay within eckid.hash_memory" test "$wpeak" -le $((budget + 64))
check "the server's memory rose by at most the budget (48 backends at 32 MiB each allowed)" \
	test "$peak" -le $((others_before + budget + 48 * 32))
check "callers beyond the capacity were seen waiting in pg_stat_activity" test "$waiters" -ge 1

# load LABEL N: N sessions of 3 HPgns each in the background
load() {
	for i in $(seq 1 "$2"); do
		q -c "SELECT count(eckid.hpgn('$1-$i-' || g)) FROM generate_series(1, 3) g" > "$out/$1.$i" 2>&1 &
	done
}
# wait_for_state APPLICATION_NAME CONDITION: until its backend matches (20 s at most)
wait_for_state() {
	for _ in $(seq 1 200); do
		[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND $2")" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
waiting="backend_type = 'client backend' AND wait_event IN ('EckidHpgnQueue', 'Extension') AND state = 'active'"

# 3. statement_timeout and cancel, waiting and hashing.  The timed statement
# starts only once at least 10 of the 12 busy callers are seen in the engine
# (waiting or being hashed; on 15 both show as 'Extension'), so that at least
# 10 requests, three rounds of the engine's capacity of 4, are ahead of it:
# well over its 500 ms on any machine.  Started at once, it could arrive
# before the load had connected and be answered within its timeout.
in_engine="backend_type = 'client backend' AND state = 'active'
	AND wait_event IN ('EckidHpgnQueue', 'EckidHpgnHash', 'Extension')"
load busy 12
for _ in $(seq 1 200); do
	[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE $in_engine")" -ge 10 ] && break
	sleep 0.05
done
ahead=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE $in_engine")
t0=$(date +%s%N)
err=$(timeout 60 psql -X -At -c "SET statement_timeout = '500ms'" -c "SELECT eckid.hpgn('063138219')" 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# statement_timeout of 500 ms while waiting behind $ahead callers in the engine: ended after $ms ms"
check "statement_timeout while waiting: 57014" has "$err" "canceling statement due to statement timeout"
PGAPPNAME=victim timeout 60 psql -X -At -c "SELECT eckid.hpgn('063138219')" > "$out/victim" 2>&1 &
victim=$!
if wait_for_state victim "$waiting"; then
	t0=$(date +%s%N)
	q -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'" >/dev/null
	wait "$victim"
	echo "# pg_cancel_backend while waiting: ended after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
fi
check "pg_cancel_backend while waiting: 57014" has "$(cat "$out/victim")" "canceling statement due to user request"
wait
check "the sessions it waited behind got their answers" same "$(cat "$out"/busy.* | tr '\n' ' ')" "$(printf '3 %.0s' $(seq 1 12))"
t0=$(date +%s%N)
err=$(timeout 60 psql -X -At -c "SET statement_timeout = '150ms'" -c "SELECT eckid.hpgn('063138219')" 2>&1)
echo "# statement_timeout of 150 ms while hashing: ended after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check "statement_timeout while hashing: 57014" has "$err" "canceling statement due to statement timeout"
check "the probe: without the timeout the same statement answers" same "$(q -c "SELECT eckid.hpgn('063138219')")" "$vector"

# 4. terminate a waiting caller
load term 6
PGAPPNAME=victim timeout 60 psql -X -At -c "SELECT eckid.hpgn('063138219')" > "$out/victim" 2>&1 &
victim=$!
check "the caller to terminate waits" wait_for_state victim "$waiting"
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'" >/dev/null
wait "$victim"
has "$(cat "$out/victim")" "terminating connection" >/dev/null
wait
check "after a waiting caller was terminated the others got their answers" \
	same "$(cat "$out"/term.* | tr '\n' ' ')" "3 3 3 3 3 3 "
check "and the engine answers" same "$(q -c "SELECT eckid.hpgn('063138219')")" "$vector"

# 5. SIGKILL of a worker while it hashes
started=$(q -c "SELECT pg_postmaster_start_time()")
for i in 1 2 3 4; do
	timeout 120 psql -X -At -c "SELECT eckid.hpgn('063138219')" > "$out/kill.$i" 2>&1 &
done
for _ in $(seq 1 100); do
	[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event IN ('EckidHpgnHash', 'Extension') AND state = 'active'")" -ge 1 ] && break
	sleep 0.1
done
kill -9 "$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker' LIMIT 1")"
hung=0
for job in $(jobs -p); do wait "$job" || { [ $? = 124 ] && hung=$((hung + 1)); }; done
check "SIGKILL of a worker: no caller hangs" same "$hung" 0
ended=$(grep -l "^$vector\$\|terminating connection\|server closed the connection" "$out"/kill.* | wc -l)
check "each caller got its answer or an error" same "$ended" 4
for _ in $(seq 1 120); do
	[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker'" 2>/dev/null)" = 2 ] && break
	sleep 0.5
done
check "the server came back (crash restart) with its workers" \
	same "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker'")" 2
check "and the engine answers afterwards" same "$(q -c "SELECT eckid.hpgn('063138219')")" "$vector"
echo "# postmaster start time before $started, now $(q -c "SELECT pg_postmaster_start_time()") (the same: a crash restart keeps the postmaster)"

# 6. a salt reload while requests wait
other_salt=$(printf 'another-test-salt' | base64)
new_value=$(q -c "SELECT eckid.hpgn('063138219', '$other_salt')")
load salt 6
PGAPPNAME=victim timeout 120 psql -X -At -c "SELECT eckid.hpgn('063138219')" > "$out/victim" 2>&1 &
victim=$!
check "a request waits while the salt changes" wait_for_state victim "$waiting"
echo "eckid.salt = '$other_salt'" | as_pg tee "$ECKID_DATA/eckid_test.conf" >/dev/null
q -c "SELECT pg_reload_conf()" >/dev/null
wait "$victim"
wait
check "a waiting request is hashed with the salt its statement saw" same "$(cat "$out/victim")" "$vector"
sleep 1
# the pupils above recorded the first salt's fingerprint: the change is meant
q -c "SELECT eckid.record_secret_fingerprints(force => true)" >/dev/null
check "a new statement hashes with the reloaded salt (the probe sees the change)" \
	same "$(q -c "SELECT eckid.hpgn('063138219')")" "$new_value"

checks_done
