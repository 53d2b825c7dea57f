#!/usr/bin/env bash
# Row 10 of docs/performance.md: the database's side of one ECK iD from
# Nummervoorziening (make bench-nv), inside the cluster scripts/cluster
# started.  Prints markdown table rows.
#
# For BENCH_NV_ITEMS pupils (default 20,000) with synthetic HPgns, each
# round, in one session:
#   baseline  INSERT ... SELECT of the pupils into a plain table (no trigger),
#             and one INSERT statement a pupil (a PL/pgSQL loop), as a LAS
#             enrolling pupils one by one;
#   enqueue   the call the eckid.assign() trigger makes for a new pupil
#             (eckid_internal.nv_enqueue: target, Stampseudonym item, ECK iD
#             item), here from SQL: the trigger's own scrypt (about 0.4 s a
#             PGN) would bury a difference of a fraction of a millisecond;
#   work      what eckid-nv-worker makes the database do for them, one
#             transaction per call as the worker runs: nv_claim of 1,000,
#             nv_submitted, nv_store, for the Stampseudonyms and then the
#             ECK iDs, whose store writes them into the table (through its
#             eckid.assign() trigger, which leaves the rows alone);
#   claim     of that, the nv_claim calls alone, and the first one, made with
#             all the pupils' Stampseudonyms pending.
# BENCH_ROUNDS rounds (default 5), medians; the queue is emptied between rounds.
set -euo pipefail
n=${BENCH_NV_ITEMS:-20000}
rounds=${BENCH_ROUNDS:-5}
batch=1000
db=eckid_bench_nv
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
median() { python3 -c "import statistics,sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 1))" "$@"; }
per() { python3 -c "import sys; print(round(float(sys.argv[1]) / float(sys.argv[2]), 4))" "$1" "$2"; }
ratio() { python3 -c "import sys; print(round(float(sys.argv[1]) / float(sys.argv[2]), 1))" "$1" "$2"; }

q <<SQL
CREATE EXTENSION eckid;
CREATE TABLE src (hpgn text);
INSERT INTO src SELECT md5(i::text) || md5((-i)::text) FROM generate_series(1, $n) i;
CREATE TABLE plain (id serial PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE INDEX ON plain (hpgn);
CREATE TABLE app (id serial PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE INDEX ON app (hpgn);
CREATE TRIGGER app_eckid BEFORE INSERT OR UPDATE ON app FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'PO', 'nummervoorziening');
-- The worker's calls, one transaction each, timed with the clock.
CREATE PROCEDURE work(INOUT total_ms numeric, INOUT claim_ms numeric, INOUT first_claim_ms numeric)
LANGUAGE plpgsql AS \$\$
DECLARE
	t0 timestamptz := clock_timestamp();
	t timestamptz;
	b bigint;
	op text;
	idx integer[];
	vals text[];
BEGIN
	claim_ms := 0;
	LOOP
		t := clock_timestamp();
		SELECT min(c.batch_id), min(c.operation), array_agg(c.item_index),
			   array_agg(CASE WHEN c.operation = 'eckid'
							  THEN 'https://ketenid.nl/pilot/' || right(c.stampseudonym, 128)
							  ELSE 'https://ketenid.nl/sppilot/' || c.hpgn || c.hpgn END)
		  INTO b, op, idx, vals
		  FROM eckid.nv_claim('bench', $batch, '5 min') c;
		COMMIT;
		claim_ms := claim_ms + extract(epoch FROM clock_timestamp() - t) * 1000;
		IF first_claim_ms IS NULL THEN
			first_claim_ms := extract(epoch FROM clock_timestamp() - t) * 1000;
		END IF;
		EXIT WHEN b IS NULL;
		PERFORM eckid.nv_submitted(b, 'bench', 'batch-' || b);
		COMMIT;
		PERFORM eckid.nv_store(b, 'bench', idx, vals, NULL, NULL);
		COMMIT;
	END LOOP;
	total_ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END
\$\$;
SQL
ms() { q -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN EXECUTE \$q\$ $1 \$q\$; RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p'; }

base=() single=() enq=() work=() claim=() first=()
for _ in $(seq "$rounds"); do
	q -c "TRUNCATE plain, app, eckid_internal.nv_item, eckid_internal.nv_item_target, eckid_internal.nv_batch,
				   eckid_internal.nv_stampseudonym, eckid_internal.nv_target" -c "VACUUM ANALYZE"
	base+=("$(ms "INSERT INTO plain (hpgn) SELECT hpgn FROM src")")
	q -c "TRUNCATE plain"
	single+=("$(ms "DO \$x\$DECLARE h text; BEGIN FOR h IN SELECT hpgn FROM src LOOP INSERT INTO plain (hpgn) VALUES (h); END LOOP; END\$x\$")")
	# the rows are in the table (without a PGN the trigger asks nothing), then
	# each is asked for as the trigger asks for a new pupil
	q -c "INSERT INTO app (hpgn) SELECT hpgn FROM src" -c "ANALYZE app"
	enq+=("$(ms "SELECT count(eckid_internal.nv_enqueue('app'::regclass, 3::int2, 4::int2, hpgn, 'chain', 'PO')) FROM src")")
	read -r w c f < <(q -F ' ' -c "CALL work(NULL, NULL, NULL)")
	work+=("$w"); claim+=("$c"); first+=("$f")
	left=$(q -c "SELECT count(*) FROM app WHERE eck_id IS NULL OR eck_id::text <> 'https://ketenid.nl/pilot/' || hpgn || hpgn")
	[ "$left" = 0 ] || { echo "row 10: $left rows without their ECK iD" >&2; exit 1; }
done

b=$(median "${base[@]}"); one=$(median "${single[@]}"); e=$(median "${enq[@]}"); w=$(median "${work[@]}")
c=$(median "${claim[@]}"); f=$(median "${first[@]}")
total=$(python3 -c "print($e + $w)")
echo "| 10 | the database's side of one ECK iD from Nummervoorziening, $n pupils: queued as the trigger does, claimed, submitted and stored ($((2 * n / batch)) batches of $batch: Stampseudonyms, then ECK iDs written into the rows) | $(per "$total" "$n") ms a pupil (queue $(per "$e" "$n"), worker's calls $(per "$w" "$n"), of which claims $(per "$c" "$n")) | plain INSERT ... SELECT $(per "$b" "$n") ms a row; one INSERT a row $(per "$one" "$n") ms | **$(ratio "$total" "$b") x** INSERT ... SELECT, **$(ratio "$total" "$one") x** one INSERT a row; $(per "$total" "$((2 * n))") ms a queue item |"
echo "| 10b | one nv_claim of $batch items with $n Stampseudonyms pending | $f ms ($(per "$f" "$batch") ms an item) | | |"
