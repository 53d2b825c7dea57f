#!/usr/bin/env bash
# Memory: 16 concurrent HPgn computations do not take the server down (the
# HPgn workers hash them within eckid.hash_memory, the others wait); and
# with the server's address space limited (ulimit -v) so that the workers
# cannot have scrypt's memory, eckid.hpgn fails with SQLSTATE 53200 and the
# server stays up.
# Runs two clusters of its own.
source "$(dirname "$0")/../../scripts/lib.sh"
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
vector=9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# 1. Sixteen at once, no limit.
start_cluster "max_connections = 40"
q -c "CREATE EXTENSION eckid"
started=$(q -c "SELECT pg_postmaster_start_time()")
out=$(mktemp -d)
for i in $(seq 1 16); do
	q -c "SELECT eckid.hpgn('063138219')" > "$out/$i" 2>&1 &
done
wait
ok=$(cat "$out"/* | grep -c "^$vector\$" || true)
[ "$ok" = 16 ] || { cat "$out"/*; fail "only $ok of 16 concurrent HPgns were right"; }
[ "$(q -c "SELECT pg_postmaster_start_time()")" = "$started" ] || fail "the server restarted"
echo "ok: 16 concurrent HPgns computed by the HPgn workers, all equal to the vector; server up"
stop_cluster
rm -rf "$out"

# 2. A server whose processes may map at most 200 MiB (a backend maps about 100): its backends and
#    HPgn workers start, but scrypt's 512 MiB (128 MiB with libsodium) more do not fit in a worker.
# (Set inside the server's own shell: runuser's PAM session would reset a
# limit set here.)
limit_kb=$((200 * 1024))
ECKID_SERVER_WRAPPER="ulimit -S -v $limit_kb;" start_cluster "shared_buffers = 16MB" "max_connections = 20"
[ "$(q -c "SHOW shared_buffers")" = 16MB ] || fail "the limited cluster did not start as configured"
q -c "CREATE EXTENSION eckid"
started=$(q -c "SELECT pg_postmaster_start_time()")
err=$(psql -X -q -At -c "\set VERBOSITY verbose" -c "SELECT eckid.hpgn('063138219')" 2>&1 || true)
echo "$err" | grep -q "53200" || fail "expected SQLSTATE 53200 under a 200 MiB limit, got: $err"
echo "$err" | grep -q "063138219" && fail "the error message contains the PGN"
[ "$(q -c "SELECT pg_postmaster_start_time()")" = "$started" ] || fail "the server restarted"
[ "$(q -c "SELECT eckid.bsn_is_valid('063138219')")" = t ] || fail "the server does not answer after the failure"
echo "ok: under ulimit -v $limit_kb kB, eckid.hpgn fails with 53200 (out of memory), the server stays up and answers"
# a backfill batch, hashed by the same workers, does not fit either
q -c "CREATE TABLE bf (pgn text, hpgn text, eck_id eckid.eckid)" \
  -c "INSERT INTO bf VALUES ('063138219', NULL, NULL), ('123456782', NULL, NULL)" \
  -c "CREATE TRIGGER bf_eckid BEFORE INSERT OR UPDATE ON bf FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')"
err=$(psql -X -q -At -c "\set VERBOSITY verbose" -c "SELECT eckid_internal.backfill_compute_ahead('bf', ARRAY(SELECT tableoid FROM bf), ARRAY(SELECT ctid FROM bf))" 2>&1 || true)
if grep -qw avx512f /proc/cpuinfo; then
	echo "$err" | grep -q "53200" || fail "expected SQLSTATE 53200 from a backfill batch under a 200 MiB limit, got: $err"
	echo "$err" | grep -q "An HPgn worker could not allocate the 512 MiB of memory an HPgn needs" || fail "the worker's out-of-memory detail is missing: $err"
	echo "$err" | grep -Eq "063138219|123456782" && fail "the error message contains a PGN"
	[ "$(q -c "SELECT pg_postmaster_start_time()")" = "$started" ] || fail "the server restarted"
	[ "$(q -c "SELECT count(*) FROM bf WHERE hpgn IS NULL")" = 2 ] || fail "a failed batch changed rows"
	echo "ok: a backfill batch that cannot have its memory fails with 53200, changes nothing, the server stays up"
else
	echo "skip: no AVX-512F, no bulk path"
fi
