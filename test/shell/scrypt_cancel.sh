#!/usr/bin/env bash
# The AVX-512 scrypt honours a cancel mid-hash: with statement_timeout =
# 100 ms, eckid.hpgn() fails with 57014 well within a second, even though
# one hash takes longer than that.  (Runs inside scripts/test's cluster.)
set -euo pipefail
dropdb --if-exists eckid_cancel 2>/dev/null || true
createdb eckid_cancel
psql -X -q -d eckid_cancel -c "CREATE EXTENSION eckid"
start=$(date +%s%N)
out=$(psql -X -d eckid_cancel -v ON_ERROR_STOP=0 -c "SET statement_timeout = '100ms'" \
	-c "SELECT eckid.hpgn('063138219')" 2>&1 || true)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$out" | grep -q 'canceling statement due to statement timeout' || { echo "no timeout error: $out"; exit 1; }
[ "$ms" -lt 1000 ] || { echo "cancel took ${ms} ms"; exit 1; }
dropdb eckid_cancel
echo "cancelled after ${ms} ms"
