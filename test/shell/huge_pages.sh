#!/usr/bin/env bash
# eckid.scrypt_huge_pages: the HPgn workers take their scrypt memory (1 GiB
# each, faulted in at start and kept) from the reserved huge pages
# (vm.nr_hugepages) when enough are free, and from ordinary memory when they
# are not or the setting is off; the HPgn is the same either way.  Seen
# through /proc/meminfo's HugePages_Free: a cluster of its own is started
# after the pages are reserved (the workers take their memory when they
# start), with the default eckid.hash_memory (two workers).  Needs root, to
# reserve huge pages for the duration of the test (the old value is put
# back); skipped otherwise, and on a CPU without AVX-512F.
source "$(dirname "$0")/../../scripts/lib.sh"
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
vector=9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa
knob=/proc/sys/vm/nr_hugepages

if ! grep -qw avx512f /proc/cpuinfo; then echo "skip: no AVX-512F"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! [ -w "$knob" ]; then echo "skip: cannot reserve huge pages (not root)"; exit 0; fi
[ "$(grep Hugepagesize /proc/meminfo | awk '{print $2}')" = 2048 ] || { echo "skip: huge pages are not 2 MiB"; exit 0; }

old=$(cat "$knob")
held=0
free_pages() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
# start a cluster, wait until both workers have warmed up (the server log
# memory settled), set held to HugePages_Free then
cluster_with() {
	local i before now
	start_cluster "eckid.scrypt_huge_pages = $1"
	for i in $(seq 1 60); do
		[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker'")" = 2 ] && break
		sleep 0.5
	done
	before=-1
	for i in $(seq 1 60); do
		sleep 1
		now=$(free_pages)
		[ "$now" = "$before" ] && break
		before=$now
	done
	trap 'stop_cluster; echo "$old" > "$knob"' EXIT
	q -c "CREATE EXTENSION eckid"
	[ "$(q -c "SELECT eckid.hpgn('063138219')")" = "$vector" ] || fail "wrong HPgn with eckid.scrypt_huge_pages = $1"
	free_pages
}

# Two workers of 1 GiB: 2 x 513 pages (the arena is aligned within its map).
echo $((old + 1100)) > "$knob"
base=$(free_pages)
[ "$base" -ge 1050 ] || { echo "skip: the kernel reserved only $base free huge pages"; exit 0; }
cluster_with on
[ $((base - held)) -ge 1024 ] || fail "the workers did not take their memory from the huge pages ($base free before, $held while they run)"
echo "ok: with huge pages reserved, the two workers hold $((base - held)) of them; the HPgn is right"
stop_cluster
[ "$(free_pages)" -ge "$base" ] || fail "the huge pages were not given back when the server stopped"
echo "ok: given back when the server stops"

cluster_with off
[ $((base - held)) -lt 256 ] || fail "eckid.scrypt_huge_pages = off still took huge pages ($base free before, $held after)"
echo "ok: with eckid.scrypt_huge_pages = off, the same HPgn from ordinary memory"
stop_cluster

# A pool too small for one worker: ordinary memory, same HPgn, pool untouched.
echo $((old + 300)) > "$knob"
base=$(free_pages)
cluster_with on
[ $((base - held)) -lt 256 ] || fail "a pool too small was touched ($base free before, $held after)"
echo "ok: with too few huge pages free, ordinary memory, the same HPgn"
echo "huge_pages.sh: all checks passed"
