#!/usr/bin/env bash
# The Nummervoorziening queue with several sessions (docs/nummervoorziening.md,
# "The queue"): what one transaction cannot show.
#   - a rolled-back enrolment (a real ROLLBACK) queues nothing; a committed
#     one does (the control);
#   - a worker that holds a batch in an open transaction blocks no other:
#     a second worker, with lock_timeout, claims other items at once;
#   - a worker that dies after claiming (its session ends) leaves the batch
#     to the next worker once the lease runs out, identifier included;
#   - two workers working off 4,000 requests at once, each in its own
#     session, one transaction per contract call: no item is claimed twice,
#     every row ends with the answer for its HPgn, nothing is left;
#   - pg_dump and pg_restore into a database where the tables get other
#     OIDs: the queue comes back, bound to the restored tables;
#   - eckid.backfill() of a table with the flag hashes its rows, queues
#     their requests and ends (the ECK iDs come later).
# Uses the cluster scripts/test started; makes and drops its own database.
set -euo pipefail
source "$(dirname "$0")/lib/checks.sh"
db=eckid_nv_queue
items=${ECKID_NV_QUEUE_ITEMS:-4000}
work=$(mktemp -d /tmp/eckid_nv_queue.XXXXXX)
chmod 755 "$work"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; dropdb --if-exists "${db}_restored" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
q <<'SQL'
CREATE EXTENSION eckid;
CREATE TABLE pupils (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'PO', 'nummervoorziening');
-- The answers this test's "service" gives: deterministic per HPgn, so that
-- every row's final value can be checked.
CREATE FUNCTION stamp_of(h text) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT 'https://ketenid.nl/sppilot/' || h || h $$;
CREATE FUNCTION eckid_of(s text) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT 'https://ketenid.nl/pilot/' || right(s, 128) $$;
-- What each worker claimed, committed with each claim.
CREATE TABLE claimed (worker text, batch_id bigint, operation text, item text, at timestamptz DEFAULT clock_timestamp());
-- A worker: claim, log, store every answer, one transaction each, until
-- the queue is empty.
CREATE PROCEDURE work(w text, batch integer) LANGUAGE plpgsql AS $$
DECLARE
	b bigint;
	op text;
	idx integer[];
	vals text[];
BEGIN
	LOOP
		CREATE TEMP TABLE IF NOT EXISTS c (LIKE claimed);
		TRUNCATE c;
		INSERT INTO c (worker, batch_id, operation, item)
		SELECT w, batch_id, operation, coalesce(hpgn, stampseudonym) || '#' || item_index
		  FROM eckid.nv_claim(w, batch, '1 min');
		INSERT INTO claimed SELECT * FROM c;
		COMMIT;
		SELECT min(batch_id), min(operation) INTO b, op FROM c;
		EXIT WHEN b IS NULL;
		SELECT array_agg(split_part(item, '#', 2)::integer),
			   array_agg(CASE WHEN op = 'eckid' THEN eckid_of(split_part(item, '#', 1))
							  ELSE stamp_of(split_part(item, '#', 1)) END)
		  INTO idx, vals FROM c;
		PERFORM eckid.nv_submitted(b, w, 'batch-' || b);
		COMMIT;
		PERFORM eckid.nv_store(b, w, idx, vals, NULL, NULL);
		COMMIT;
	END LOOP;
END
$$;
SQL

# A real ROLLBACK, and the COMMIT that is its control
q -c "BEGIN" -c "INSERT INTO pupils (id, pgn) VALUES (1, '100000009')" -c "ROLLBACK"
check "a rolled-back enrolment queues nothing" [ "$(q -c "SELECT count(*) FROM eckid_internal.nv_item")" = 0 ]
q -c "BEGIN" -c "INSERT INTO pupils (id, pgn) VALUES (1, '100000009')" -c "COMMIT"
check "control: the same enrolment committed queues a Stampseudonym and an ECK iD" \
	[ "$(q -c "SELECT string_agg(operation || ':' || state, ',' ORDER BY operation) FROM eckid_internal.nv_item")" = "eckid:waiting,stampseudonym:pending" ]

# Requests from an application, by nv_request (synthetic HPgns: no scrypt)
q <<SQL
CREATE TABLE app (hpgn text PRIMARY KEY, eck_id eckid.eckid);
INSERT INTO app SELECT md5(i::text) || md5((-i)::text) FROM generate_series(1, $items) i;
SELECT count(eckid.nv_request('app', 'hpgn', 'eck_id', hpgn, 'chain', 'PO')) FROM app \gset
SQL

# A worker holding a batch in an open transaction blocks nobody
{
	echo "BEGIN;"
	echo "INSERT INTO claimed (worker, batch_id, operation, item) SELECT 'holder', batch_id, operation, hpgn FROM eckid.nv_claim('holder', 100, '1 min');"
	echo "SELECT pg_sleep(4);"
	echo "COMMIT;"
} | q > "$work/holder.out" 2>&1 &
holder=$!
sleep 1
start=$(date +%s%N)
second_rc=0
q -c "SET lock_timeout = '1s'" -c "INSERT INTO claimed (worker, batch_id, operation, item)
	SELECT 'second', batch_id, operation, hpgn FROM eckid.nv_claim('second', 100, '1 min')" > "$work/second.out" 2>&1 ||
	second_rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$holder"
check "while another worker's claim is not committed, a second claim returns at once (${elapsed_ms} ms, lock_timeout 1 s)" \
	[ "$second_rc" -eq 0 -a "$elapsed_ms" -lt 1000 ]
check "with 100 other items" \
	[ "$(q -c "SELECT count(*) FROM claimed WHERE worker = 'second'")" = 100 -a \
	  "$(q -c "SELECT count(*) FROM claimed a JOIN claimed b ON a.item = b.item WHERE a.worker = 'holder' AND b.worker = 'second'")" = 0 ]
check "(control: the holder's claim was 100 items too)" [ "$(q -c "SELECT count(*) FROM claimed WHERE worker = 'holder'")" = 100 ]

# A worker that dies after claiming and submitting: its session ends
dead_batch=$(q -c "SELECT DISTINCT batch_id FROM eckid.nv_claim('dead', 50, '1 s')")
q -c "SELECT eckid.nv_submitted($dead_batch, 'dead', 'batch-dead')" >/dev/null
check "before the lease runs out, nobody else gets the dead worker's batch" \
	[ "$(q -c "SELECT count(*) FROM eckid.nv_claim('heir', 50, '1 min') WHERE batch_id = $dead_batch")" = 0 ]
sleep 1.5
check "after it, the next claim takes the batch over with its batch identifier (the heir polls it)" \
	[ "$(q -c "SELECT DISTINCT batch_id || ' ' || batch_identifier FROM eckid.nv_claim('heir', 50, '1 min')")" = "$dead_batch batch-dead" ]
check "and the dead worker can no longer store it (55000)" \
	bash -c "psql -X -q -At -d $db -c \"SELECT eckid.nv_store($dead_batch, 'dead', '{}', '{}', NULL, NULL)\" 2>&1 | grep -q 'no longer held by worker \"dead\"'"
# the holder, second and heir batches: given back for the two workers
q -c "SELECT eckid.nv_release(id, worker, '0', 'test') FROM eckid_internal.nv_batch WHERE state = 'held'" >/dev/null
q -c "TRUNCATE claimed"

# Two workers at once, until the queue is empty
start=$(date +%s)
q -c "CALL work('w1', 100)" > "$work/w1.out" 2>&1 &
w1=$!
q -c "CALL work('w2', 100)" > "$work/w2.out" 2>&1 &
w2=$!
rc1=0; rc2=0
wait "$w1" || rc1=$?
wait "$w2" || rc2=$?
check "two workers worked off $((items + 1)) requests (Stampseudonyms, then ECK iDs) in $(( $(date +%s) - start )) s without an error" \
	[ "$rc1" -eq 0 -a "$rc2" -eq 0 ]
[ "$rc1" -eq 0 ] || sed 's/^/#   /' "$work/w1.out" | tail -5
[ "$rc2" -eq 0 ] || sed 's/^/#   /' "$work/w2.out" | tail -5
check "both claimed work ($(q -c "SELECT string_agg(worker || ' ' || n, ', ') FROM (SELECT worker, count(*) n FROM claimed GROUP BY 1 ORDER BY 1) s") items)" \
	[ "$(q -c "SELECT count(DISTINCT worker) FROM claimed")" = 2 ]
check "no item was claimed twice" \
	[ "$(q -c "SELECT count(*) FROM (SELECT operation, split_part(item, '#', 1) FROM claimed GROUP BY 1, 2 HAVING count(*) > 1) d")" = 0 ]
check "every item was claimed once: $((2 * items + 2)) in all" \
	[ "$(q -c "SELECT count(*) FROM claimed")" = $((2 * items + 2)) ]
check "every row of both tables ends with the answer for its HPgn" \
	[ "$(q -c "SELECT count(*) FROM (SELECT hpgn, eck_id FROM app UNION ALL SELECT hpgn, eck_id FROM pupils) r
			  WHERE r.eck_id IS NULL OR r.eck_id::text <> eckid_of(stamp_of(r.hpgn))")" = 0 ]
check "nothing is left: eckid.nv_status shows every item done" \
	[ "$(q -c "SELECT string_agg(operation || ' ' || (waiting + pending + backing_off + in_flight + failed) || '/' || done, ',') FROM eckid.nv_status")" = \
	  "replace 0/0,stampseudonym 0/$((items + 1)),eckid 0/$((items + 1))" ]

# Dump and restore: the tables get other OIDs; the queue follows them by name
q -c "INSERT INTO pupils (id, pgn) VALUES (2, '100000010')"
pg_dump -Fc -f "$work/queue.dump" "$db"
dropdb --if-exists "${db}_restored" >/dev/null 2>&1 || true
createdb "${db}_restored"
psql -X -q -d "${db}_restored" -c "CREATE TABLE takes_oids (a integer, b integer, c integer)"
pg_restore -d "${db}_restored" "$work/queue.dump" > "$work/restore.out" 2>&1
check "pg_restore of the queue reports nothing" [ ! -s "$work/restore.out" ]
r() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${db}_restored" "$@"; }
targets="SELECT string_agg(table_name || '=' || table_oid, ',' ORDER BY table_name) FROM eckid_internal.nv_target"
status="SELECT string_agg(operation || ' ' || waiting || '/' || pending || '/' || done, ',') FROM eckid.nv_status"
check "the restored targets name the restored tables" \
	[ "$(r -c "SELECT bool_and(table_oid = to_regclass(format('%I.%I', table_schema, table_name))::oid) FROM eckid_internal.nv_target")" = t ]
check "whose OIDs changed ($(q -c "$targets") before, $(r -c "$targets") after)" [ "$(q -c "$targets")" != "$(r -c "$targets")" ]
check "the queue is restored as it was ($(r -c "$status"))" [ "$(q -c "$status")" = "$(r -c "$status")" ]
r -c "CALL work('restored', 100)" > "$work/restored_work.out" 2>&1
check "and a worker working it off writes into the restored table" \
	[ "$(r -c "SELECT eck_id::text = eckid_of(stamp_of(hpgn)) FROM pupils WHERE id = 2")" = t ]

# The backfill of rows written before the trigger
q -c "CREATE TABLE late (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid)" \
  -c "INSERT INTO late VALUES (1, '100000022', NULL, NULL), (2, '100000034', NULL, NULL)" \
  -c "CREATE TRIGGER late_eckid BEFORE INSERT OR UPDATE ON late FOR EACH ROW
		EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'VO', 'nummervoorziening')"
backfill_rc=0
PGOPTIONS="-c client_min_messages=warning -c statement_timeout=300s" q -c "CALL eckid.backfill('late', 1)" > "$work/backfill.out" 2>&1 || backfill_rc=$?
check "eckid.backfill() of a table with the flag ends" [ "$backfill_rc" -eq 0 ]
[ "$backfill_rc" -eq 0 ] || sed 's/^/#   /' "$work/backfill.out" | tail -3
check "having hashed every row and asked for its ECK iD" \
	[ "$(q -c "SELECT count(*) FROM late l WHERE l.hpgn = eckid.hpgn(l.pgn) AND l.eck_id IS NULL
			  AND EXISTS (SELECT FROM eckid_internal.nv_item i JOIN eckid_internal.nv_item_target it ON it.item_id = i.id
						   JOIN eckid_internal.nv_target g ON g.id = it.target_id
						  WHERE i.hpgn = l.hpgn AND i.sector = 'VO' AND g.table_oid = 'late'::regclass)")" = 2 ]

checks_done
