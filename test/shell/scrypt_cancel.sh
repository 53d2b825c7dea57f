#!/usr/bin/env bash
# A cancel (here statement_timeout = 100 ms) stops eckid.hpgn() with 57014
# and no result, on whichever scrypt the HPgn worker uses: the backend waits
# for the worker in slices of 100 ms with an interrupt check between, so the
# cancel comes within a second either way;
#   - the AVX-512 path also stops the worker between slices of the hash;
#   - libsodium cannot be interrupted inside crypto_pwhash_scryptsalsa208sha256_ll:
#     the worker finishes that hash and throws the answer away.
# The libsodium case is run on every CPU (SET eckid.scrypt_implementation);
# the AVX-512 case where the CPU has AVX-512F, with one clear skip line
# otherwise.  (Runs inside scripts/test's cluster.)
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
dropdb --if-exists eckid_cancel 2>/dev/null || true
createdb eckid_cancel
trap 'dropdb --if-exists eckid_cancel' EXIT
psql -X -q -d eckid_cancel -c "CREATE EXTENSION eckid"

# cancel_after IMPLEMENTATION: milliseconds until the statement failed.
cancel_after() {
	local start out ms
	start=$(date +%s%N)
	out=$(psql -X -d eckid_cancel -v ON_ERROR_STOP=0 -c "SET eckid.scrypt_implementation = '$1'" \
		-c "SET statement_timeout = '100ms'" -c "SELECT eckid.hpgn('063138219')" 2>&1 || true)
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "$out" | grep -q 'canceling statement due to statement timeout' || fail "$1: no timeout error: $out"
	echo "$out" | grep -q '9735dfd2' && fail "$1: the cancelled statement returned the HPgn"
	echo "$ms"
}

ms=$(cancel_after libsodium)
echo "ok: libsodium: cancelled with 57014 after ${ms} ms (the backend stops waiting; the worker ends its hash)"
[ "$ms" -lt 10000 ] || fail "libsodium: the cancel took ${ms} ms"

if grep -qw avx512f /proc/cpuinfo; then
	ms=$(cancel_after auto)
	[ "$ms" -lt 1000 ] || fail "AVX-512: the cancel took ${ms} ms, not within the hash"
	echo "ok: AVX-512 path: cancelled with 57014 after ${ms} ms, mid-hash"
else
	echo "skip: no AVX-512F on this CPU, so no mid-hash cancel to test (libsodium's case above ran)"
fi
