# shellcheck shell=bash
# Shared by the worker's shell tests (test/shell/nv_worker*.sh): the
# simulator with its certificates, a database with eckid and the worker's
# role, worker configurations, the simulator's values computed from its
# published formula (docs/nummervoorziening.md), and a cleanup that leaves
# nothing running.  Source it from a test that runs against the cluster
# scripts/test started (PGHOST, PGPORT, PGUSER set); each test has its own
# database and roles, named after it.
set -euo pipefail
nv_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/lib.sh
source "$nv_root/scripts/lib.sh"
[ -n "${PGHOST:-}" ] || { echo "FAIL: needs the cluster of scripts/test (or scripts/cluster): PGHOST is not set"; exit 1; }
install_missing_packages "${ECKID_WORKER_PACKAGES[@]}" curl
make -s -C "$nv_root/worker" PG_CONFIG="$PG_CONFIG" all >/dev/null

nv_test=${nv_test:?set nv_test to the name of the test before sourcing worker_lib.sh}
worker=$nv_root/worker/eckid-nv-worker
# shellcheck disable=SC2034  # used by the tests that source this file
nv_call=$nv_root/worker/nv-call
sim=$nv_root/test/nv/simulator.py
work=$(mktemp -d "/tmp/eckid-$nv_test.XXXXXX")
chmod 755 "$work"
db=eckid_$nv_test
role=eckid_${nv_test}_worker
secret=$nv_test-secret
oin=00000001234567890000
chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
po=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725
sim_pids=()
worker_pids=()
# more roles a test makes (cluster-wide, so dropped by the cleanup)
extra_roles=()

# Only processes that are still this shell's background jobs are signalled:
# a PID already waited for may belong to another process by now.
nv_cleanup() {
	local p _ live
	set +e
	live=" $(jobs -p | tr '\n' ' ') "
	for p in "${worker_pids[@]}"; do [[ $live == *" $p "* ]] && kill -KILL "$p" 2>/dev/null; done
	for p in "${sim_pids[@]}"; do [[ $live == *" $p "* ]] && kill -TERM "$p" 2>/dev/null; done
	for p in "${sim_pids[@]}"; do
		[[ $live == *" $p "* ]] || continue
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	dropdb --if-exists "$db" >/dev/null 2>&1
	for p in "$role" "${extra_roles[@]}"; do
		psql -X -q -d postgres -c "DROP ROLE IF EXISTS $p" >/dev/null 2>&1
	done
	[ -n "${ECKID_KEEP:-}" ] || rm -rf "$work"
}
trap nv_cleanup EXIT

failures=0
checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); checks=$((checks + 1)); }
pass() { echo "ok: $*"; checks=$((checks + 1)); }
# check DESCRIPTION GOT EXPECTED
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi; }
# check_has DESCRIPTION TEXT PATTERN (a fixed string)
check_has() { if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1: '$3' not in: $2"; fi; }
nv_finish() {
	echo "$nv_test: $((checks - failures)) passed, $failures failed"
	[ "$failures" -eq 0 ]
}

# q SQL: as the superuser in the test's database, unaligned, no headers.
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

# The simulator's values for HPgns on stdin, one a line: "stamp" prints the
# Stampseudonym of each, "eckid CHAIN SECTOR" its ECK iD (simulator.py
# State.mac, written out again here; no replacements).
expected() {
	python3 -c '
import hashlib, hmac, sys
secret, kind = sys.argv[1].encode(), sys.argv[2]
def mac(label, *parts):
    return hmac.new(secret, (label + "\n" + "\n".join(parts)).encode(), hashlib.sha512).hexdigest()
for line in sys.stdin:
    h = line.strip()
    if not h:
        continue
    s = "https://ketenid.nl/sppilot/" + mac("stampseudonym", h)
    print(s if kind == "stamp" else "https://ketenid.nl/pilot/" + mac("eckid", s, sys.argv[3], sys.argv[4]))
' "$secret" "$@"
}

# start_sim [OPTIONS...]: the simulator with the good server certificate;
# sets sim_soap and sim_admin.
start_sim() {
	local _
	[ -f "$work/certs/ca.crt" ] || bash "$nv_root/test/nv/make_certs.sh" "$work/certs" >/dev/null
	rm -f "$work/sim.ready"
	python3 "$sim" serve --cert "$work/certs/server.crt" --key "$work/certs/server.key" --ca "$work/certs/ca.crt" \
		--oin "$oin" --secret "$secret" --ready-file "$work/sim.ready" "$@" >"$work/sim.out" 2>>"$work/sim.log" &
	sim_pids+=($!)
	for _ in $(seq 100); do [ -s "$work/sim.ready" ] && break; sleep 0.1; done
	[ -s "$work/sim.ready" ] || { cat "$work/sim.log"; echo "FAIL: the simulator did not start"; exit 1; }
	sim_soap=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["soap_port"])' "$work/sim.ready")
	sim_admin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_port"])' "$work/sim.ready")
}
# ctl JSON: a command to the simulator's control port (curl: one Python
# start less per call, which adds up over a hundred calls).
ctl() { curl -sf --max-time 10 -d "$1" "http://127.0.0.1:$sim_admin/control" >/dev/null || { echo "FAIL: ctl $1"; exit 1; }; }
# counter EXPRESSION: a Python expression over the simulator's counters.
counter() { curl -sf --max-time 10 "http://127.0.0.1:$sim_admin/counters" | python3 -c "import json,sys; c=json.load(sys.stdin); print(eval(sys.argv[1], {}, c))" "$1"; }

# make_db: the test's database with eckid, and the worker's login role with
# EXECUTE on the queue's six functions, exactly the grants
# docs/las-guide.md lists, and a DateStyle that is not ISO.
make_db() {
	dropdb --if-exists "$db" >/dev/null 2>&1 || true
	psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $role" >/dev/null
	createdb "$db"
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION eckid;
CREATE ROLE $role LOGIN;
GRANT EXECUTE ON FUNCTION eckid.nv_claim(text, integer, interval),
    eckid.nv_submitted(bigint, text, text), eckid.nv_extend(bigint, text, interval),
    eckid.nv_store(bigint, text, integer[], text[], integer[], text[]),
    eckid.nv_resubmit(bigint, text), eckid.nv_release(bigint, text, interval, text)
    TO $role;
-- Not ISO: the effective date of a replacement must still reach the
-- service as YYYY-MM-DD (a DateStyle of day first would turn 2026-12-01
-- into 01/12/2026).
ALTER ROLE $role SET DateStyle = 'SQL, DMY';
SQL
}

# config FILE [KEY=VALUE...]: a worker configuration for the simulator and
# the test's database, with short intervals; later keys override.
config() {
	local file=$1 kv k
	shift
	{
		echo "# written by $nv_test"
		echo "conninfo = 'host=$PGHOST port=${PGPORT:-5432} dbname=$db user=$role'"
		echo "endpoint = 'https://localhost:$sim_soap/eck/ws/201703'"
		echo "client_cert = '$work/certs/client.crt'"
		echo "client_key = '$work/certs/client.key'"
		echo "ca_file = '$work/certs/ca.crt'"
		echo "oin = $oin"
		echo "connect_timeout = 2s"
		echo "request_timeout = 3s"
		echo "poll_interval = 200ms"
		echo "lease = 4s"
		echo "idle_interval = 200ms"
		echo "retry_min = 1s"
		echo "retry_max = 4s"
		echo "batch_size = 1000"
	} >"$file.base"
	for kv in "$@"; do
		k=${kv%%=*}
		sed -i "/^$k = /d" "$file.base"
		echo "$k = '${kv#*=}'" >>"$file.base"
	done
	mv "$file.base" "$file"
}

# run_once CONFIG LOG [ENV=VALUE...]: eckid-nv-worker --once; prints its exit status.
run_once() {
	local conf=$1 log=$2 rc=0
	shift 2
	env "$@" "$worker" --once "$conf" >>"$log" 2>&1 || rc=$?
	echo "$rc"
}

# start_worker LOG [ENV=VALUE...]: a running worker (not --once) with
# w.conf, in the background; sets daemon.
start_worker() {
	local log=$1
	shift
	env "$@" "$worker" "$work/w.conf" >"$log" 2>&1 &
	daemon=$!
	worker_pids+=("$daemon")
}
# wait_log LOG TEXT: until LOG holds TEXT (5 s at most).
wait_log() {
	local _
	for _ in $(seq 50); do grep -qF -- "$2" "$1" && return 0; sleep 0.1; done
	return 1
}

# wait_state PID STATE SECONDS: until /proc/PID/stat shows STATE (T: stopped).
wait_state() {
	local _
	for _ in $(seq $(($3 * 10))); do
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# pupils TABLE N FROM: a table of N pupils (TABLE may be schema-qualified:
# pupil_N) whose rows already carry an HPgn (made-up ones: 64 hex digits
# from FROM on), and their requests queued with eckid.nv_request(), as an
# application without the trigger does; no scrypt.  An AFTER trigger counts
# every write of an ECK iD, so that "stored twice" would show.
pupils() {
	q "SET client_min_messages = warning;
	   CREATE TABLE IF NOT EXISTS eckid_writes (tbl text, hpgn text, eck_id text, at timestamptz DEFAULT clock_timestamp());
	   CREATE OR REPLACE FUNCTION count_eckid_write() RETURNS trigger LANGUAGE plpgsql AS
	   \$\$BEGIN INSERT INTO public.eckid_writes (tbl, hpgn, eck_id) VALUES (TG_TABLE_NAME, NEW.hpgn, NEW.eck_id::text); RETURN NULL; END\$\$;
	   CREATE TABLE $1 (id serial PRIMARY KEY, hpgn text NOT NULL, eck_id eckid.eckid);
	   CREATE TRIGGER count_writes AFTER UPDATE OF eck_id ON $1 FOR EACH ROW
	       WHEN (NEW.eck_id::text IS DISTINCT FROM OLD.eck_id::text) EXECUTE FUNCTION count_eckid_write();
	   INSERT INTO $1 (hpgn) SELECT lpad(to_hex(g), 64, '0') FROM generate_series($3, $3 + $2 - 1) g;
	   SELECT count(eckid.nv_request('$1', 'hpgn', 'eck_id', hpgn, '$chain', '$po')) FROM $1;" >/dev/null
}

# wrong_rows TABLE: rows whose ECK iD is not the simulator's value for their HPgn.
wrong_rows() {
	q "SELECT hpgn FROM $1 ORDER BY id" | expected eckid "$chain" "$po" >"$work/$1.expected"
	q "SELECT coalesce(eck_id::text, 'NULL') FROM $1 ORDER BY id" >"$work/$1.got"
	diff "$work/$1.expected" "$work/$1.got" | grep -c '^>' || true
}

# writes TABLE: how many times an ECK iD was written into TABLE's rows.
writes() { q "SELECT count(*) FROM eckid_writes WHERE tbl = '$1'"; }

# status: eckid.nv_status as one line per operation.
status() { q "SELECT operation || ' waiting=' || waiting || ' pending=' || pending || ' backing_off=' || backing_off || ' in_flight=' || in_flight || ' failed=' || failed || ' done=' || done FROM eckid.nv_status"; }

# Each section says when it started, so a slow one shows.
say() { printf '\n== %s (at %d s)\n' "$*" "$SECONDS"; }
