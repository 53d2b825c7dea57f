#!/usr/bin/env bash
# Crash safety of eckid-nv-worker (issue 14): a worker killed with SIGKILL at
# each step of a batch is replaced by one that finishes the job, with no
# item lost and none stored twice, and every row ends with the value the
# simulator's formula gives.  The steps, reached through the worker's test
# hook ECKID_NV_WORKER_TEST_STOP_AT (it stops itself with SIGSTOP there, and
# the test kills it; docs/nummervoorziening.md):
#   before_submit     claimed, nothing sent yet
#   before_submitted  the service took the batch, its identifier not stored
#   before_poll       the identifier stored, not polled yet
#   before_store      the answer fetched (the service hands it out once),
#                     not stored
# each for a batch of Stampseudonyms, the last two for a batch of ECK iDs
# too, and before_store for a PGN change reported with replaceStampseudonym.
# "Stored twice" would show in an AFTER UPDATE trigger that counts every
# write of an ECK iD; "submitted again" in the simulator's counters.
nv_test=nv_worker_crash
# shellcheck source=../nv/worker_lib.sh
source "$(dirname "$0")/../nv/worker_lib.sh"

start_sim --batch-delay 0.3
make_db
config "$work/a.conf" worker_name=crash-a
config "$work/b.conf" worker_name=crash-b
n=30

# crash STEP FIRST SUBMISSIONS ITEMS TAKEN_OVER: N pupils, worker A stopped at
# STEP and killed, worker B after A's lease; SUBMISSIONS and ITEMS are what
# the simulator must have counted in all, TAKEN_OVER whether B polls the
# batch A submitted (yes) or submits it itself (no).
crash() {
	local step=$1 t=c_${1//:/_} a
	say "SIGKILL at $step"
	pupils "$t" "$n" "$2"
	ctl '{"reset_counters": true}'
	ECKID_NV_WORKER_TEST_STOP_AT=$step "$worker" --once "$work/a.conf" >"$work/$t.a.log" 2>&1 &
	a=$!
	worker_pids+=("$a")
	if wait_state "$a" T 20; then pass "$step: worker A stopped there"; else fail "$step: worker A never got there"; cat "$work/$t.a.log"; fi
	kill -KILL "$a"
	wait "$a" 2>/dev/null || true
	check "$step: A's batch is still held" "$(q "SELECT sum(in_flight) FROM eckid.nv_status")" "$n"
	check "$step: before B the rows are not all right (the probe sees it)" "$( [ "$(wrong_rows "$t")" -gt 0 ] && echo yes)" yes
	sleep 4.3	# A's lease (4 s)
	check "$step: worker B --once exits 0" "$(run_once "$work/b.conf" "$work/$t.b.log")" 0
	check "$step: every row has the simulator's value" "$(wrong_rows "$t")" 0
	check "$step: no ECK iD was written twice" "$(writes "$t")" "$n"
	check "$step: submissions and items the simulator saw" "$(counter 'batches_submitted, items_seen')" "($3, $4)"
	if [ "$5" = yes ]; then
		check_has "$step: B polled the batch A had submitted" "$(cat "$work/$t.b.log")" "taken over, already submitted"
	else
		check "$step: B submitted the batch itself" "$(grep -c "taken over" "$work/$t.b.log" || true)" 0
	fi
	check "$step: nothing left in the queue" "$(q "SELECT sum(waiting + pending + backing_off + in_flight + failed) FROM eckid.nv_status")" 0
	cat "$work/$t.a.log" "$work/$t.b.log" >>"$work/all.log"
}

# Stampseudonyms: 2 batches (one of them submitted twice when the service
# had it but the database did not know, or its answer was lost).
crash before_submit 1000 2 $((2 * n)) no
crash before_submitted 2000 3 $((3 * n)) no
crash before_poll 3000 2 $((2 * n)) yes
crash before_store 4000 3 $((3 * n)) yes
# The same for the batch of ECK iDs (the Stampseudonyms go through first).
crash before_poll:eckid 5000 2 $((2 * n)) yes
crash before_store:eckid 6000 3 $((3 * n)) yes

say "SIGKILL at before_store of a PGN change"
old=$(q "SELECT hpgn FROM c_before_submit ORDER BY id LIMIT 1")
new=$(printf '%064x' 99999)
kept=$(q "SELECT eck_id FROM c_before_submit ORDER BY id LIMIT 1")
q "SELECT eckid.nv_report_replacement('$old', '$new')" >/dev/null
ctl '{"reset_counters": true}'
ECKID_NV_WORKER_TEST_STOP_AT=before_store:replace "$worker" --once "$work/a.conf" >"$work/r.a.log" 2>&1 &
a=$!
worker_pids+=("$a")
wait_state "$a" T 20 && pass "replace: worker A stopped after the service's answer" || fail "replace: worker A never got there"
kill -KILL "$a"
wait "$a" 2>/dev/null || true
check "replace: not recorded as done yet" "$(q "SELECT in_flight FROM eckid.nv_status WHERE operation = 'replace'")" 1
sleep 4.3
check "replace: worker B --once exits 0" "$(run_once "$work/b.conf" "$work/r.b.log")" 0
check "replace: reported again (the service takes the same replacement twice alike), done once" \
	"$(counter 'calls["replaceStampseudonym"]')/$(q "SELECT done FROM eckid.nv_status WHERE operation = 'replace'")" "2/1"
s_old=$(expected stamp <<<"$old")
check "replace: the service resolves the new HPgn to the old Stampseudonym" \
	"$("$nv_call" "$work/b.conf" retrieveStampseudonym "$new")" "value ${s_old%/*}/…${s_old: -6}"
check "replace: the row keeps its ECK iD" "$(q "SELECT eck_id FROM c_before_submit ORDER BY id LIMIT 1")" "$kept"
cat "$work/r.a.log" "$work/r.b.log" >>"$work/all.log"

check "the workers' logs hold no run of 32 hex digits" "$(grep -cE '[0-9a-fA-F]{32}' "$work/all.log" || true)" 0
nv_finish
