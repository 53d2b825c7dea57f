#!/usr/bin/env bash
# eckid-nv-worker and answers that are not the answer to its request (issue
# 20), against the simulator and the cluster of scripts/test: an answer
# without wsa:RelatesTo or with another message's, a retrieveBatch answer
# with a missing, repeated or unknown index, and a connection the service
# closes without answering.  Each is a fault of the service: nothing of it
# is stored, the batch is given back with back-off, the log says why without
# a value; and each time the same batch, asked again without the trouble,
# is stored whole and once (the probe that "nothing stored" could see a
# row stored).
nv_test=nv_worker_answers
# shellcheck source=../nv/worker_lib.sh
source "$(dirname "$0")/../nv/worker_lib.sh"

start_sim --batch-delay 0
make_db
# a back-off long enough that a loaded machine still sees it running when it
# checks (the next run skips it: no_backoff)
config "$work/w.conf" retry_min=20s retry_max=40s
log=$work/worker.log

stored() { q "SELECT count(*) FROM $1 WHERE eck_id IS NOT NULL"; }
no_backoff() { q "UPDATE eckid_internal.nv_item SET retry_at = '-infinity' WHERE state = 'pending'" >/dev/null; }
# trouble TABLE FIRST JSON: a fresh table of 20 pupils, counters reset,
# the trouble set, one --once run (its log alone in $log); prints its exit
# status.
trouble() {
	pupils "$1" 20 "$2"
	ctl '{"reset_counters": true, "clear": true}'
	ctl "$3"
	cat "$log" >>"$work/all.log"
	: >"$log"
	run_once "$work/w.conf" "$log"
}
backing_off() { q "SELECT sum(backing_off) FROM eckid.nv_status"; }
errors() { q "SELECT string_agg(last_error, ' / ') FROM eckid.nv_status"; }
# again TABLE: the trouble gone, the back-off skipped, one more --once run;
# checks that every row is right and written once.
again() {
	ctl '{"clear": true}'
	no_backoff
	check "$2: without the trouble, worker --once exits 0" "$(run_once "$work/w.conf" "$log")" 0
	check "$2: then every row right, written once" "$(wrong_rows "$1")/$(writes "$1")" "0/20"
}

say "the control: a batch without trouble"
check "no trouble: worker --once exits 0" "$(trouble a_control 1000 '{"clear": true}')" 0
check "no trouble: every row stored, right, written once" "$(stored a_control)/$(wrong_rows a_control)/$(writes a_control)" "20/0/20"

say "wsa:RelatesTo missing or naming another message"
n=2000
for mode in missing other; do
	for op in submitEckIdBatch retrieveBatch; do
		t=a_${mode}_$(tr '[:upper:]' '[:lower:]' <<<"$op")
		n=$((n + 100))
		rc=$(trouble "$t" "$n" "{\"relates_to\": {\"operation\": \"$op\", \"count\": -1, \"mode\": \"$mode\"}}")
		check "RelatesTo $mode on $op: worker --once gives the batch back, exits 75" "$rc" 75
		check "RelatesTo $mode on $op: nothing stored" "$(stored "$t")/$(writes "$t")" "0/0"
		check "RelatesTo $mode on $op: the items back off" "$(backing_off)" 20
		if [ "$mode" = missing ]; then want="has no wsa:RelatesTo, so it cannot be matched to the request"; else want="answers another message (wsa:RelatesTo differs)"; fi
		check_has "RelatesTo $mode on $op: the DBA sees why" "$(errors)" "$want"
		check_has "RelatesTo $mode on $op: the log says why" "$(cat "$log")" "$want"
		again "$t" "RelatesTo $mode on $op"
	done
done

say "a retrieveBatch answer that does not match the batch one to one"
n=3000
for mode in missing repeated unknown; do
	t=a_index_$mode
	n=$((n + 100))
	rc=$(trouble "$t" "$n" "{\"mangle\": {\"mode\": \"$mode\"}}")
	check "an answer with a $mode index: worker --once gives the batch back, exits 75" "$rc" 75
	check "an answer with a $mode index: nothing of it stored" "$(stored "$t")/$(writes "$t")" "0/0"
	check "an answer with a $mode index: the items back off" "$(backing_off)" 20
	check_has "an answer with a $mode index: the DBA sees why" "$(errors)" "retrieveBatch: the answer does not match the batch one to one"
	case $mode in
		missing) counts="(19 of 20 items answered, 0 unknown and 0 repeated indexes)" ;;
		repeated) counts="(20 of 20 items answered, 0 unknown and 1 repeated indexes)" ;;
		unknown) counts="(19 of 20 items answered, 1 unknown and 0 repeated indexes)" ;;
	esac
	check_has "an answer with a $mode index: the log counts what is wrong" "$(cat "$log")" "$counts: nothing of it was stored"
	again "$t" "an answer with a $mode index"
done

say "a connection the service closes without answering"
for op in submitEckIdBatch retrieveBatch; do
	t=a_close_$(tr '[:upper:]' '[:lower:]' <<<"$op")
	n=$((n + 100))
	rc=$(trouble "$t" "$n" "{\"close\": {\"operation\": \"$op\", \"count\": -1}}")
	check "the connection closed on $op: worker --once gives the batch back, exits 75" "$rc" 75
	check "the connection closed on $op: nothing stored" "$(stored "$t")" 0
	want="closed the connection after the request was sent, without an answer"
	check_has "the connection closed on $op: the DBA sees what happened" "$(errors)" "$want"
	check_has "the connection closed on $op: the log says so" "$(cat "$log")" "$want"
	for wrong in "may have refused the client certificate" "Connection died"; do
		if grep -qF "$wrong" "$log"; then fail "the connection closed on $op: the log says '$wrong'"; else pass "the connection closed on $op: the log does not say '$wrong'"; fi
	done
	check "the connection closed on $op: the simulator closed it" "$(counter 'closed > 0')" True
	again "$t" "the connection closed on $op"
done

say "the worker's log"
leaked=$(cat "$work"/*.log | grep -cE '[0-9a-f]{32}' || true)
check "no log line holds a run of 32 hex digits" "$leaked" 0
# the probe: a value the worker handled does appear in the database
check "... though the database holds them (the probe sees a value)" "$(q "SELECT count(*) FROM a_control WHERE eck_id::text ~ '[0-9a-f]{32}'")" 20

nv_finish
