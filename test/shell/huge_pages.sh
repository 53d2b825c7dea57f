#!/usr/bin/env bash
# eckid.scrypt_huge_pages: the AVX-512 scrypt takes its memory from the
# reserved huge pages (vm.nr_hugepages) when enough are free, and from
# ordinary memory when they are not or the setting is off; the HPgn is the
# same either way.  Seen through /proc/meminfo's HugePages_Free while a
# session keeps its memory (eckid.scrypt_keep_memory = on).  Needs root, to
# reserve huge pages for the duration of the test (the old value is put
# back); skipped otherwise, and on a CPU without AVX-512F.
# Uses the cluster scripts/test started (PGHOST, PGPORT, PGUSER).
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
vector=9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa
knob=/proc/sys/vm/nr_hugepages

if ! grep -qw avx512f /proc/cpuinfo; then echo "skip: no AVX-512F"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! [ -w "$knob" ]; then echo "skip: cannot reserve huge pages (not root)"; exit 0; fi
[ "$(grep Hugepagesize /proc/meminfo | awk '{print $2}')" = 2048 ] || { echo "skip: huge pages are not 2 MiB"; exit 0; }

old=$(cat "$knob")
db=eckid_huge_pages
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION eckid"
trap 'echo "$old" > "$knob"; dropdb --if-exists "$db"' EXIT
free_pages() { awk '/HugePages_Free/ {print $2}' /proc/meminfo; }

# One session: hash with the memory kept, look at the pool from the shell
# (\!) while the session holds it, then let go.  One HPgn takes 257 pages.
session() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <<SQL
SET eckid.scrypt_huge_pages = $1;
SET eckid.scrypt_keep_memory = on;
SELECT eckid.hpgn('063138219');
\\! awk '/HugePages_Free/ {print "held", \$2}' /proc/meminfo
SET eckid.scrypt_keep_memory = off;
\\! awk '/HugePages_Free/ {print "released", \$2}' /proc/meminfo
SQL
}

echo $((old + 300)) > "$knob"
base=$(free_pages)
[ "$base" -ge 300 ] || { echo "skip: the kernel reserved only $base free huge pages"; exit 0; }
out=$(session on)
echo "$out" | grep -qx "$vector" || fail "wrong HPgn from huge pages: $out"
held=$(echo "$out" | awk '/^held/ {print $2}'); released=$(echo "$out" | awk '/^released/ {print $2}')
[ $((base - held)) -ge 257 ] || fail "the session did not take its memory from the huge pages ($base free before, $held while it kept its memory)"
[ "$released" = "$base" ] || fail "the huge pages were not given back ($base before, $released after)"
echo "ok: with huge pages reserved, an HPgn takes $((base - held)) of them and gives them back; the HPgn is right"

out=$(session off)
echo "$out" | grep -qx "$vector" || fail "wrong HPgn from ordinary memory: $out"
held=$(echo "$out" | awk '/^held/ {print $2}')
[ "$held" = "$base" ] || fail "eckid.scrypt_huge_pages = off still took huge pages ($base free before, $held after)"
echo "ok: with eckid.scrypt_huge_pages = off, the same HPgn from ordinary memory"

# A pool too small for one HPgn: ordinary memory, same HPgn, pool untouched.
echo $((old + 100)) > "$knob"
base=$(free_pages)
out=$(session on)
echo "$out" | grep -qx "$vector" || fail "wrong HPgn with too few huge pages: $out"
held=$(echo "$out" | awk '/^held/ {print $2}')
[ "$held" = "$base" ] || fail "a pool too small was touched ($base free before, $held after)"
echo "ok: with too few huge pages free, ordinary memory, the same HPgn"
echo "huge_pages.sh: all checks passed"
