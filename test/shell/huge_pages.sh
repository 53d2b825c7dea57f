#!/usr/bin/env bash
# eckid.scrypt_huge_pages: the HPgn workers take their scrypt memory (1 GiB
# each, faulted in at start and kept) from the reserved huge pages
# (vm.nr_hugepages) when enough are free, and from ordinary memory when they
# are not or the setting is off; the HPgn is the same either way.  Seen
# through the workers' HugetlbPages in /proc/PID/status (not the pool's
# HugePages_Free, which other servers on the machine may draw from while
# pages are reserved): a cluster of its own is started
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
trap 'echo "$old" > "$knob"' EXIT
free_pages() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
# the workers' memory, MiB: resident (anonymous and huge pages), huge pages
worker_sum() {
	local total=0 p kb
	for p in $(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker'"); do
		kb=$(awk -v re="$1" '$1 ~ re {s += $2} END {print s + 0}' "/proc/$p/status" 2>/dev/null || echo 0)
		total=$((total + kb))
	done
	echo $((total / 1024))
}
worker_mib() { worker_sum '^(RssAnon|HugetlbPages):$'; }
worker_hugetlb_mib() { worker_sum '^HugetlbPages:$'; }
# start a cluster, wait until both workers have warmed up (their memory
# settled), set held to the MiB of huge pages the workers hold then
cluster_with() {
	local i
	# huge_pages = off: PostgreSQL's own shared memory stays out of the
	# workers' HugetlbPages, so only eckid's memory is counted
	start_cluster "eckid.scrypt_huge_pages = $1" "huge_pages = off"
	trap 'stop_cluster; echo "$old" > "$knob"' EXIT
	for i in $(seq 1 60); do
		[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'eckid HPgn worker'")" = 2 ] && break
		sleep 0.5
	done
	for i in $(seq 1 120); do
		[ "$(worker_mib)" -ge 2048 ] && break
		sleep 0.5
	done
	q -c "CREATE EXTENSION eckid"
	[ "$(q -c "SELECT eckid.hpgn('063138219')")" = "$vector" ] || fail "wrong HPgn with eckid.scrypt_huge_pages = $1"
	held=$(worker_hugetlb_mib)
}

# Two workers of 1 GiB: 2 x 514 pages (the arena's working state and its
# alignment within the map take one or two more each).
echo $((old + 1100)) > "$knob"
base=$(free_pages)
[ "$base" -ge 1050 ] || { echo "skip: the kernel reserved only $base free huge pages"; exit 0; }
cluster_with on
[ "$held" -ge 2048 ] || fail "the workers did not take their memory from the huge pages (they hold $held MiB of them)"
echo "ok: with huge pages reserved, the two workers hold $held MiB of them; the HPgn is right"
stop_cluster

cluster_with off
[ "$held" = 0 ] || fail "eckid.scrypt_huge_pages = off still took huge pages ($held MiB)"
[ "$(worker_mib)" -ge 2048 ] || fail "the probe does not see the workers' ordinary memory"
echo "ok: with eckid.scrypt_huge_pages = off, the same HPgn from ordinary memory"
stop_cluster

# A pool too small for one worker: ordinary memory, same HPgn.
echo $((old + 300)) > "$knob"
cluster_with on
[ "$held" = 0 ] || fail "a pool too small was used ($held MiB)"
echo "ok: with too few huge pages free, ordinary memory, the same HPgn"
echo "huge_pages.sh: all checks passed"
