#!/usr/bin/env bash
# eckid-nv-worker against the Nummervoorziening simulator and the cluster
# scripts/test started (issue 14): the flow of docs/las-guide.md end to end
# (pupils enrolled through the trigger's flag nummervoorziening get the ECK
# iD the simulator's formula gives, a PGN change is reported and the row
# keeps its ECK iD, an export through a masked view shows none), a rolled-
# back enrolment queues nothing, every fault of the service on demand
# (not finished, temporarily blocked, already retrieved, removed, an unknown
# batch, the daily limit, dropped connections, HTTP 503, timeouts, failed
# items, a refused request, a server fault, a wrong OIN), back-off, two
# workers at once, a stop on SIGTERM before and after submitting, and a
# lost database connection.  Expected values are computed here from the
# simulator's published formula, never asked of the simulator or the
# database.  The worker's log must hold no full value.
nv_test=nv_worker
# shellcheck source=../nv/worker_lib.sh
source "$(dirname "$0")/../nv/worker_lib.sh"

start_sim --batch-delay 0.3
make_db
config "$work/w.conf"
log=$work/worker.log

say "eckid-nv-worker --check with the database"
out=$("$worker" --check "$work/w.conf" 2>&1) && rc=0 || rc=$?
check "--check with conninfo exits 0" "$rc" 0
check_has "--check says the role may execute the queue's functions" "$out" "the database role may execute the queue's functions"
psql -X -q -d "$db" -c "REVOKE EXECUTE ON FUNCTION eckid.nv_store(bigint, text, integer[], text[], integer[], text[]) FROM $role"
out=$("$worker" --check "$work/w.conf" 2>&1) && rc=0 || rc=$?
check "--check without EXECUTE on eckid.nv_store exits 1" "$rc" 1
check_has "--check names the function the role may not execute" "$out" "may not execute (or the database has no) eckid.nv_store(bigint,text,integer[],text[],integer[],text[])"
psql -X -q -d "$db" -c "GRANT EXECUTE ON FUNCTION eckid.nv_store(bigint, text, integer[], text[], integer[], text[]) TO $role"

say "the flow of docs/las-guide.md with the flag nummervoorziening"
extra_roles+=("${nv_test}_app" "${nv_test}_export")
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS ${nv_test}_app, ${nv_test}_export"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE ROLE ${nv_test}_app;
CREATE ROLE ${nv_test}_export;
CREATE SCHEMA school;
GRANT USAGE ON SCHEMA school TO ${nv_test}_app, ${nv_test}_export;
CREATE TABLE school.pupil (
    id      integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    text NOT NULL,
    pgn     text,
    hpgn    text,
    eck_id  eckid.eckid UNIQUE
);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON school.pupil FOR EACH ROW
    EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$po', 'wipe_pgn', 'nummervoorziening');
GRANT SELECT, INSERT, UPDATE ON school.pupil TO ${nv_test}_app;
CREATE TABLE public.eckid_writes (tbl text, hpgn text, eck_id text, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION public.count_eckid_write() RETURNS trigger LANGUAGE plpgsql AS
    \$\$BEGIN INSERT INTO public.eckid_writes (tbl, hpgn, eck_id) VALUES (TG_TABLE_NAME, NEW.hpgn, NEW.eck_id::text); RETURN NULL; END\$\$;
CREATE TRIGGER count_writes AFTER UPDATE OF eck_id ON school.pupil FOR EACH ROW
    WHEN (NEW.eck_id::text IS DISTINCT FROM OLD.eck_id::text) EXECUTE FUNCTION public.count_eckid_write();
SET ROLE ${nv_test}_app;
INSERT INTO school.pupil (name, pgn) VALUES ('Anna', '063138219'), ('Bram', '101222331'), ('Cas', '111222333');
RESET ROLE;
SQL
# Kennisnet's test vector: the HPgn of BSN 063138219 with the test salt.
check "the trigger stored Anna's HPgn (Kennisnet's vector)" "$(q "SELECT hpgn FROM school.pupil WHERE name = 'Anna'")" \
	9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa
check "before the worker no pupil has an ECK iD" "$(q "SELECT count(eck_id) FROM school.pupil")" 0
check "the queue holds the pupils' work" "$(status | tr '\n' ';')" \
	"replace waiting=0 pending=0 backing_off=0 in_flight=0 failed=0 done=0;stampseudonym waiting=0 pending=3 backing_off=0 in_flight=0 failed=0 done=0;eckid waiting=3 pending=0 backing_off=0 in_flight=0 failed=0 done=0;"
check "before the worker 3 rows differ from the simulator's values (the probe sees them)" "$(wrong_rows school.pupil)" 3
check "worker --once exits 0" "$(run_once "$work/w.conf" "$log")" 0
check "every pupil has the ECK iD the simulator's formula gives" "$(wrong_rows school.pupil)" 0
check "each ECK iD was written once" "$(writes pupil)" 3
check "the queue is done" "$(q "SELECT sum(waiting + pending + backing_off + in_flight + failed) || '/' || sum(done) FROM eckid.nv_status")" "0/6"
check "two batches, six items reached the simulator" "$(counter 'batches_submitted, items_seen')" "(2, 6)"

bram_old=$(q "SELECT hpgn FROM school.pupil WHERE name = 'Bram'")
bram_eckid=$(q "SELECT eck_id FROM school.pupil WHERE name = 'Bram'")
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET ROLE ${nv_test}_app" -c "UPDATE school.pupil SET pgn = '123456782' WHERE name = 'Bram'"
bram_new=$(q "SELECT hpgn FROM school.pupil WHERE name = 'Bram'")
[ "$bram_new" != "$bram_old" ] && pass "a PGN change gives Bram a new HPgn" || fail "Bram's HPgn did not change"
check "a PGN change queues a report" "$(q "SELECT pending FROM eckid.nv_status WHERE operation = 'replace'")" 1
check "worker --once after the PGN change exits 0" "$(run_once "$work/w.conf" "$log")" 0
check "the change was reported with replaceStampseudonym" "$(counter 'calls["replaceStampseudonym"]')" 1
check "Bram keeps his ECK iD" "$(q "SELECT eck_id FROM school.pupil WHERE name = 'Bram'")" "$bram_eckid"
check "...which is the simulator's value for his first HPgn" "$bram_eckid" "$(expected eckid "$chain" "$po" <<<"$bram_old")"
out=$("$nv_call" "$work/w.conf" retrieveStampseudonym "$bram_new")
s_old=$(expected stamp <<<"$bram_old")
check "the service resolves Bram's new HPgn to his old Stampseudonym" "$out" "value ${s_old%/*}/…${s_old: -6}"
check "nothing is left in the queue" "$(q "SELECT sum(waiting + pending + backing_off + in_flight + failed) FROM eckid.nv_status")" 0

psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL >/dev/null
SELECT eckid.create_masked_view('school.pupil', 'pupil_export', '{pgn,hpgn}', 'uitgeverij-a');
GRANT SELECT ON school.pupil_export TO ${nv_test}_export;
SQL
export_out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SET ROLE ${nv_test}_export" \
	-c "COPY (SELECT name, eck_id FROM school.pupil_export ORDER BY id) TO STDOUT")
check "the export has the three pupils" "$(wc -l <<<"$export_out")" 3
check "the table holds ECK iDs (the probe of the export sees them)" "$(q "SELECT count(*) FROM school.pupil WHERE eck_id::text LIKE 'https://ketenid.nl/pilot/%'")" 3
check "the export holds no ECK iD" "$(grep -c 'ketenid' <<<"$export_out" || true)" 0
leaked=0
while read -r e; do grep -qF "${e##*/}" <<<"$export_out" && leaked=$((leaked + 1)); done < <(q "SELECT eck_id FROM school.pupil")
check "no ECK iD's digits appear in the export" "$leaked" 0
check "the export holds per-recipient pseudonyms" "$(cut -f2 <<<"$export_out" | grep -cE '^[0-9a-f]{64}$')" 3

say "a rolled-back enrolment queues nothing"
before=$(status)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "BEGIN" -c "SET ROLE ${nv_test}_app" \
	-c "INSERT INTO school.pupil (name, pgn) VALUES ('Dewi', '123456782')" -c "ROLLBACK" 2>/dev/null
check "the queue is as before the rolled-back enrolment" "$(status)" "$before"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET ROLE ${nv_test}_app" -c "INSERT INTO school.pupil (name, pgn) VALUES ('Dewi', '20DP dewi@school.nl')"
[ "$(status)" != "$before" ] && pass "a committed enrolment does change the queue (the probe sees it)" || fail "a committed enrolment left the queue as it was"
run_once "$work/w.conf" "$log" >/dev/null
check "Dewi got the ECK iD the simulator's formula gives" "$(q "SELECT eck_id FROM school.pupil WHERE name = 'Dewi'")" \
	"$(expected eckid "$chain" "$po" <<<"$(q "SELECT hpgn FROM school.pupil WHERE name = 'Dewi'")")"

# fault_run TABLE N FIRST FAULT_JSON: a fresh table of N pupils, counters
# reset, the fault set, one --once run; prints its exit status.
fault_run() {
	pupils "$1" "$2" "$3"
	ctl '{"reset_counters": true, "clear": true}'
	[ -z "$4" ] || ctl "$4"
	run_once "$work/w.conf" "$log"
}
# no_backoff: make items given back claimable now (instead of waiting).
no_backoff() { q "UPDATE eckid_internal.nv_item SET retry_at = '-infinity' WHERE state = 'pending'" >/dev/null; }
last_error() { q "SELECT last_error FROM eckid.nv_status WHERE operation = '$1'"; }

say "faults of retrieveBatch"
ctl '{"batch_delay": 1}'
check "NotFinished: worker --once exits 0" "$(fault_run p_notfinished 20 1000 '')" 0
check "NotFinished: the worker polled until the batches were finished" "$(counter 'faults.get("NotFinishedException", 0) >= 4')" True
check "NotFinished: every row right, written once" "$(wrong_rows p_notfinished)/$(writes p_notfinished)" "0/20"
ctl '{"batch_delay": 0.3}'

rc=$(fault_run p_blocked 20 2000 '{"fault": {"operation": "retrieveBatch", "count": 1, "actor": "TemporaryBlockedException"}}')
check "TemporaryBlocked: worker --once gives the batch back and exits 75" "$rc" 75
check "TemporaryBlocked: the items back off" "$(q "SELECT backing_off FROM eckid.nv_status WHERE operation = 'stampseudonym'")" 20
check_has "TemporaryBlocked: the DBA sees why" "$(last_error stampseudonym)" "faultactor TemporaryBlockedException"
sleep 1.2
check "TemporaryBlocked: after the back-off worker --once exits 0" "$(run_once "$work/w.conf" "$log")" 0
check "TemporaryBlocked: every row right, written once; the batch was submitted again" \
	"$(wrong_rows p_blocked)/$(writes p_blocked)/$(counter 'batches_submitted')" "0/20/3"

for actor in ContentAlreadyRetrievedException ContentRemovedException InvalidBatchIdentifierException; do
	t=p_$(tr '[:upper:]' '[:lower:]' <<<"${actor%Exception}")
	rc=$(fault_run "$t" 20 $((3000 + ${#actor} * 100)) "{\"fault\": {\"operation\": \"retrieveBatch\", \"count\": 1, \"actor\": \"$actor\", \"code\": \"soap:Client\"}}")
	check "$actor: worker --once exits 0" "$rc" 0
	check "$actor: resubmitted once, every row right, written once" \
		"$(counter 'batches_submitted, items_seen')/$(wrong_rows "$t")/$(writes "$t")" "(3, 60)/0/20"
done

# The batch is finished at once, so the answer dropped is the result
# itself: the service counts it as handed out, the worker's next poll gets
# ContentAlreadyRetrieved, and the items are submitted again.
ctl '{"batch_delay": 0}'
rc=$(fault_run p_polldrop 20 6000 '{"drop": {"operation": "retrieveBatch", "count": 1}}')
check "a result lost in transit (the connection dropped mid-answer): worker --once exits 0" "$rc" 0
check "a result lost in transit: polled again, then submitted again; every row right, written once" \
	"$(counter 'batches_submitted, items_seen, faults.get("ContentAlreadyRetrievedException")')/$(wrong_rows p_polldrop)/$(writes p_polldrop)" "(3, 60, 1)/0/20"
check_has "a result lost in transit: the worker polled again first" "$(cat "$log")" "(polling again)"
ctl '{"batch_delay": 0.3}'

say "faults of submitting"
rc=$(fault_run p_daily 20 7000 '{"daily_limit": 0, "reset_daily": true}')
check "the daily limit: worker --once exits 75" "$rc" 75
check "the daily limit: one submission tried, none made" "$(counter 'calls["submitStampseudonymBatch"], batches_submitted')" "(1, 0)"
check "the daily limit: the items wait until the next UTC day" \
	"$(q "SELECT count(*) FROM eckid_internal.nv_item WHERE operation = 'stampseudonym' AND state = 'pending'
	        AND abs(extract(epoch FROM retry_at - (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC')) < 60")" 20
check_has "the daily limit: the DBA sees why" "$(last_error stampseudonym)" "daily limit of batch submissions was reached (LimitDailyBatchSubmissionsExceededException)"
ctl '{"daily_limit": -1}'
no_backoff
check "the daily limit: once it has reset, worker --once exits 0" "$(run_once "$work/w.conf" "$log")" 0
check "the daily limit: every row right" "$(wrong_rows p_daily)/$(writes p_daily)" "0/20"

pupils p_transport 20 8000
for trouble in '{"drop": {"operation": "submitStampseudonymBatch", "count": 1}}/closed before the whole answer arrived' \
	'{"http_error": {"operation": "submitStampseudonymBatch", "count": 1, "status": 503}}/answered HTTP 503 to submitStampseudonymBatch' \
	'{"latency": {"operation": "submitStampseudonymBatch", "count": 1, "seconds": 4}}/timed out'; do
	ctl '{"clear": true}'
	ctl "${trouble%%/*}"
	check "transport (${trouble#*/}): worker --once gives the batch back, exits 75" "$(run_once "$work/w.conf" "$log")" 75
	check_has "transport (${trouble#*/}): the DBA sees why" "$(last_error stampseudonym)" "${trouble#*/}"
	no_backoff
done
check "transport: then worker --once exits 0" "$(run_once "$work/w.conf" "$log")" 0
check "transport: every row right, written once" "$(wrong_rows p_transport)/$(writes p_transport)" "0/20"

poison=$(printf '%064x' 9005)
ctl "{\"poison\": [\"$poison\"]}"
check "a failed item: worker --once exits 0" "$(fault_run p_poison 10 9000 '')" 0
check "a failed item: recorded with the service's message" \
	"$(q "SELECT operation || ': ' || reason FROM eckid.nv_failure")" "stampseudonym: The hPgn cannot be processed."
check "a failed item: its row has no ECK iD, the others are right" \
	"$(q "SELECT count(*) FROM p_poison WHERE eck_id IS NULL AND hpgn = '$poison'")/$(wrong_rows p_poison)" "1/1"
q "DELETE FROM p_poison WHERE hpgn = '$poison'" >/dev/null

rc=$(fault_run p_refused 10 10000 '{"fault": {"operation": "submitEckIdBatch", "count": 1, "actor": "InvalidChainException", "code": "soap:Client", "string": "The chain is not known."}}')
check "a refused request: worker --once exits 0" "$rc" 0
check "a refused request: each item failed with the service's reason" \
	"$(q "SELECT count(*) FROM eckid.nv_failure WHERE operation = 'eckid' AND reason LIKE '%faultactor InvalidChainException%The chain is not known.'")" 10
check "a refused request: eckid.nv_requeue() asks again" "$(q "SELECT eckid.nv_requeue()")" 11
q "SELECT eckid.nv_requeue()" >/dev/null
q "UPDATE eckid_internal.nv_item SET state = 'done' WHERE hpgn = '$poison'" >/dev/null
check "a refused request: after the requeue worker --once exits 0" "$(run_once "$work/w.conf" "$log")" 0
check "a refused request: every row right" "$(wrong_rows p_refused)/$(writes p_refused)" "0/10"

rc=$(fault_run p_server 10 11000 '{"fault": {"operation": "submitStampseudonymBatch", "count": 1, "actor": "InternalErrorException"}}')
check "a server fault: worker --once gives the batch back, exits 75" "$rc" 75
check "a server fault: nothing recorded as failed" "$(q "SELECT count(*) FROM eckid.nv_failure")" 0
config "$work/wrong-oin.conf" oin=00000009999999990000
no_backoff
check "a wrong OIN: worker --once gives the batch back, exits 75" "$(run_once "$work/wrong-oin.conf" "$log")" 75
check "a wrong OIN: nothing recorded as failed" "$(q "SELECT count(*) FROM eckid.nv_failure")" 0
check_has "a wrong OIN: the DBA sees why" "$(last_error stampseudonym)" "faultactor WSAddressingException"
no_backoff
check "a server fault, a wrong OIN: then worker --once exits 0" "$(run_once "$work/w.conf" "$log")" 0
check "a server fault, a wrong OIN: every row right" "$(wrong_rows p_server)/$(writes p_server)" "0/10"

say "back-off of a running worker, and its stop on SIGINT and SIGTERM"
pupils p_backoff 10 12000
ctl '{"reset_counters": true, "clear": true}'
ctl '{"fault": {"operation": "submitStampseudonymBatch", "count": 4, "actor": "TemporaryBlockedException"}}'
start_worker "$work/daemon.log"
for _ in $(seq 300); do [ "$(wrong_rows p_backoff)" = 0 ] && break; sleep 0.1; done
check "a running worker finished after four refusals" "$(wrong_rows p_backoff)" 0
check "its back-off: retry_min (1 s), doubled each time, at most retry_max (4 s)" \
	"$(grep -o 'claimable again in [0-9]* ms' "$work/daemon.log" | awk '{print $4}' | tr '\n' ' ')" "1000 2000 4000 4000 "
start=$SECONDS
kill -INT "$daemon"
wait "$daemon" && rc=0 || rc=$?
check "an idle worker exits 0 on SIGINT" "$rc" 0
[ $((SECONDS - start)) -le 2 ] && pass "...within 2 s" || fail "SIGINT took $((SECONDS - start)) s"
check_has "...saying so" "$(tail -n 1 "$work/daemon.log")" "stopping on request"

pupils p_term_polling 10 13000
ctl '{"reset_counters": true, "clear": true, "batch_delay": 60}'
start_worker "$work/term.log"
wait_log "$work/term.log" "submitted as" || fail "the worker did not submit"
sleep 0.3
start=$SECONDS
kill -TERM "$daemon"
wait "$daemon" && rc=0 || rc=$?
check "SIGTERM while polling: exit 0" "$rc" 0
[ $((SECONDS - start)) -le 2 ] && pass "...within 2 s" || fail "SIGTERM while polling took $((SECONDS - start)) s"
check_has "SIGTERM while polling: the submitted batch is left to its lease" "$(cat "$work/term.log")" "left to its lease on stopping"
check "SIGTERM while polling: its items stay in flight" "$(q "SELECT in_flight FROM eckid.nv_status WHERE operation = 'stampseudonym'")" 10
sleep 4.2
ctl '{"advance_clock": 61, "batch_delay": 0.3}'
check "after the lease another worker finishes it: exit 0" "$(run_once "$work/w.conf" "$log")" 0
check "...by polling the batch the first one submitted" "$(counter 'batches_submitted')/$(wrong_rows p_term_polling)/$(writes p_term_polling)" "2/0/10"

pupils p_term_claimed 10 14000
ctl '{"reset_counters": true, "clear": true}'
start_worker "$work/term2.log" ECKID_NV_WORKER_TEST_STOP_AT=before_submit
wait_state "$daemon" T 10 && pass "the test hook stopped the worker before submitting" || fail "the worker did not stop at before_submit"
kill -TERM "$daemon"
kill -CONT "$daemon"
wait "$daemon" && rc=0 || rc=$?
check "SIGTERM before submitting: exit 0" "$rc" 0
check "SIGTERM before submitting: the items are pending again at once, nothing was submitted" \
	"$(q "SELECT pending || '/' || in_flight FROM eckid.nv_status WHERE operation = 'stampseudonym'")/$(counter 'batches_submitted')" "10/0/0"
check_has "SIGTERM before submitting: the DBA sees why" "$(last_error stampseudonym)" "worker stopped"
run_once "$work/w.conf" "$log" >/dev/null
check "SIGTERM before submitting: the next worker does it" "$(wrong_rows p_term_claimed)" 0

say "a batch the service never finishes"
pupils p_stuck 5 17000
ctl '{"reset_counters": true, "clear": true, "batch_delay": 600}'
config "$work/stuck.conf" max_poll_time=2s
start=$SECONDS
check "still not finished after max_poll_time: --once gives the batch back, exit 75" "$(run_once "$work/stuck.conf" "$log")" 75
[ $((SECONDS - start)) -le 8 ] && pass "...after about max_poll_time (2 s), not the simulator's 600 s" || fail "giving back took $((SECONDS - start)) s"
check "...its items wait out the back-off, none in flight, none stored" \
	"$(q "SELECT backing_off || '/' || in_flight FROM eckid.nv_status WHERE operation = 'stampseudonym'")/$(writes p_stuck)" "5/0/0"
check_has "...the DBA sees why" "$(last_error stampseudonym)" "still not finished after 2 s (max_poll_time)"
ctl '{"batch_delay": 0.3}'
sleep 1.2
check "...the next run submits them again: exit 0" "$(run_once "$work/stuck.conf" "$log")" 0
check "...and finishes: every row right, written once" "$(wrong_rows p_stuck)/$(writes p_stuck)" "0/5"

say "a lost database connection"
pupils p_reconnect 10 15000
ctl '{"reset_counters": true, "clear": true, "batch_delay": 1.5}'
start_worker "$work/reconnect.log"
wait_log "$work/reconnect.log" "submitted as" || fail "the worker did not submit"
check "the worker's connection is terminated" \
	"$(q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'eckid-nv-worker' AND datname = '$db'")" 1
for _ in $(seq 100); do [ "$(wrong_rows p_reconnect)" = 0 ] && break; sleep 0.1; done
check "after reconnecting the worker finished: every row right, written once" "$(wrong_rows p_reconnect)/$(writes p_reconnect)" "0/10"
check_has "the worker says it reconnected" "$(cat "$work/reconnect.log")" "connected to the database again"
kill -TERM "$daemon"
wait "$daemon" || true
ctl '{"batch_delay": 0.3}'

say "two workers at once"
pupils p_two 400 20000
ctl '{"reset_counters": true, "clear": true}'
config "$work/small.conf" batch_size=25 worker_name=w-a
config "$work/small-b.conf" batch_size=25 worker_name=w-b
"$worker" --once "$work/small.conf" >"$work/a.log" 2>&1 & a=$!
"$worker" --once "$work/small-b.conf" >"$work/b.log" 2>&1 & b=$!
worker_pids+=("$a" "$b")
wait "$a" && ra=0 || ra=$?
wait "$b" && rb=0 || rb=$?
check "two workers at once: both exit 0" "$ra/$rb" "0/0"
check "two workers at once: each item reached the service once (400 HPgns, 400 Stampseudonyms)" "$(counter 'items_seen')" 800
check "two workers at once: every row right, written once" "$(wrong_rows p_two)/$(writes p_two)" "0/400"
check "two workers at once: both did some of it" \
	"$(grep -c 'stored' "$work/a.log" | awk '{print ($1 > 0)}')/$(grep -c 'stored' "$work/b.log" | awk '{print ($1 > 0)}')" "1/1"
cat "$work"/a.log "$work"/b.log >>"$log"

say "the worker's log"
cat "$work"/daemon.log "$work"/term.log "$work"/term2.log "$work"/reconnect.log >>"$log"
check "the probe finds 64-hex HPgns in the tables" "$(q "SELECT count(*) FROM p_two WHERE hpgn ~ '[0-9a-f]{32}'")" 400
check "the worker's log holds no run of 32 hex digits (no HPgn, Stampseudonym or ECK iD)" "$(grep -cE '[0-9a-fA-F]{32}' "$log" || true)" 0
check "the worker's log is one line per event with a level" "$(grep -cvE '^[0-9-]+ [0-9:]+ UTC eckid-nv-worker (error|warning|info|debug): ' "$log" || true)" 0

nv_finish
