#!/usr/bin/env bash
# Memory: 16 concurrent HPgn computations (128 MiB each) do not take the
# server down; and with the server's address space limited (ulimit -v) so
# that scrypt cannot have its 128 MiB, eckid.hpgn fails with SQLSTATE 53200
# and the server stays up.  Runs two clusters of its own.
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
echo "ok: 16 concurrent HPgns (2 GiB of scrypt memory in all) computed, all equal to the vector; server up"
stop_cluster
rm -rf "$out"

# 2. A server whose processes may map at most 200 MiB (a backend maps about 100): its backends start,
#    but scrypt's 128 MiB more do not fit.
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
