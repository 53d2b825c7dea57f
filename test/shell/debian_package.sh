#!/usr/bin/env bash
# The Debian package postgresql-<major>-eckid, end to end (docs/packaging.md):
#   1. builds it with scripts/build-deb outside the work tree, with a fake
#      stale eckid.so and src/module.o planted in the build tree (debian/rules
#      clean must remove them); the build runs pg_regress on its own, with
#      the autopkgtest's script debian/tests/installcheck;
#   2. checks the .deb's files against the Makefile (eckid.so, eckid.control,
#      the DATA scripts, the JIT bitcode of OBJS) plus docs, and its
#      dependencies (libsodium, postgresql-<major>);
#   3. installs it with dpkg, after moving aside a source install of eckid
#      (scripts/test runs `make install` before this script) so that nothing
#      but the package's files is there, and runs pg_regress against it in a
#      throwaway cluster of its own; checks that the server mapped the
#      package's eckid.so;
#   4. checks the package eckid-nv-worker: its files (the program, the
#      systemd unit template, the example configuration) and dependencies;
#      installs it (apt, for its libraries), runs --help, systemd-analyze
#      verify on an instance of the unit, and --check against the
#      Nummervoorziening simulator (test/nv/simulator.py) with the example
#      configuration filled in;
#   5. purges the packages and puts back what it moved aside, whatever happened.
# Always the system's PostgreSQL of lib.sh's PG_MAJOR: 15 on the host, 17 in
# scripts/test-chroot's chroot (ECKID_PG_PREFIX is ignored: the package
# installs there).  Needs root or password-less sudo; skips otherwise.
set -euo pipefail

if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
	echo "SKIP: debian_package.sh installs a package, which needs root or password-less sudo"
	exit 0
fi

# scripts/test runs this with its own cluster's variables exported; lib.sh's
# stop_cluster would stop that cluster and delete its directory.
unset ECKID_PG_PREFIX ECKID_TMP ECKID_DATA ECKID_KEY_FILE ECKID_LOG PGHOST PGPORT PGUSER PGDATABASE
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"

passed=0 failed=0
check() {   # check DESCRIPTION COMMAND...: run it, print ok/FAILED, count
	local what=$1; shift
	if "$@"; then echo "ok      $what"; passed=$((passed + 1))
	else echo "FAILED  $what"; failed=$((failed + 1)); fi
}
die() { echo "FAILED  $*"; failed=$((failed + 1)); exit 1; }

# One run at a time on a machine: the package installs into the system's
# PostgreSQL directories.
exec 9>/tmp/eckid-debian-package.lock
flock 9

# debian/control.in names postgresql-PGVERSION-eckid; scripts/build-deb
# makes debian/control for the versions this machine has (pg_buildext).
pkg=postgresql-$PG_MAJOR-eckid
pkglibdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
work=$(mktemp -d /tmp/eckid-debtest.XXXXXX)
chmod 755 "$work"
moved=()           # files of a source install moved to $work/aside
installed=
worker_installed=
sim_pid=
cluster=

# lib.sh's start_cluster arms `trap stop_cluster EXIT`: make stop_cluster the
# whole cleanup, and keep lib.sh's own as lib_stop_cluster.
eval "lib_$(declare -f stop_cluster)"
cleanup() {
	local rc=$? f
	set +e
	trap - EXIT
	[ -z "$cluster" ] || lib_stop_cluster
	[ -z "$sim_pid" ] || { kill -TERM "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; }
	if [ -n "$worker_installed" ]; then
		if as_root dpkg --purge eckid-nv-worker >/dev/null; then echo "(purged eckid-nv-worker)"
		else echo "FAILED  dpkg --purge eckid-nv-worker"; rc=1; fi
	fi
	if [ -n "$installed" ]; then
		if as_root dpkg --purge "$pkg" >/dev/null; then echo "(purged $pkg)"
		else echo "FAILED  dpkg --purge $pkg"; rc=1; fi
	fi
	for f in "${moved[@]}"; do
		if ! { as_root mkdir -p "$(dirname "$f")" && as_root mv "$work/aside$f" "$f"; }; then
			echo "FAILED  restoring $f"; rc=1
		fi
	done
	[ ${#moved[@]} -eq 0 ] || echo "(put back ${#moved[@]} files of the source install)"
	as_root rm -rf "$work"
	echo "debian_package: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] || rc=1
	exit "$rc"
}
stop_cluster() { cleanup; }
trap cleanup EXIT

for p in "$pkg" eckid-nv-worker; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		die "$p is already installed; this test installs and purges it. Remove it first (dpkg --purge $p)"
	fi
done

# What the Makefile says the package must hold.
make_var() {
	make -s --no-print-directory -C "$ECKID_ROOT" -f Makefile -f - PG_CONFIG="$PG_CONFIG" eckid-print-var \
		<<<"eckid-print-var: ; @echo \$($1)"
}
module=$(make_var MODULE_big)
extension=$(make_var EXTENSION)
expected=("$pkglibdir/$module.so" "$sharedir/extension/$extension.control")
for f in $(make_var DATA) $(make_var DATA_built); do expected+=("$sharedir/extension/$(basename "$f")"); done
if grep -q '^with_llvm[[:space:]]*=[[:space:]]*yes' "$(dirname "$("$PG_CONFIG" --pgxs)")/../Makefile.global"; then
	expected+=("$pkglibdir/bitcode/$module.index.bc")
	for o in $(make_var OBJS); do expected+=("$pkglibdir/bitcode/$module/${o%.o}.bc"); done
fi
docdir=/usr/share/doc/$pkg

say "moving aside eckid files that no package owns (a source install)"
shopt -s nullglob globstar
for f in "${expected[@]}" "$sharedir/extension/$extension".* "$sharedir/extension/$extension"--*.sql \
	"$pkglibdir/$module.so" "$pkglibdir/bitcode/$module.index.bc" "$pkglibdir/bitcode/$module"/**; do
	[ -f "$f" ] || continue
	if [ "${#moved[@]}" -gt 0 ] && printf '%s\n' "${moved[@]}" | grep -qxF "$f"; then continue; fi
	owner=$(dpkg -S "$f" 2>/dev/null) && die "$f belongs to a package: $owner"
	as_root mkdir -p "$work/aside$(dirname "$f")"
	as_root mv "$f" "$work/aside$f"
	moved+=("$f")
done
shopt -u nullglob globstar
echo "${#moved[@]} files moved to $work/aside"

say "build dependencies"
install_missing_packages dpkg-dev debhelper postgresql-server-dev-all git

say "building the package (scripts/build-deb; planted stale eckid.so and src/module.o)"
start=$SECONDS
ECKID_DEB_PLANT_STALE=1 "$ECKID_ROOT/scripts/build-deb" "$work/out" > "$work/build.log" 2>&1 \
	|| { tail -n 60 "$work/build.log"; die "scripts/build-deb (log above)"; }
echo "built in $((SECONDS - start)) s"
check "the build ran pg_regress against the built files (dh_pgxs_test)" grep -q 'All [0-9]* tests passed' "$work/build.log"
debs=("$work/out/${pkg}_"*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then die "exactly one ${pkg}_*.deb built (found: ${debs[*]})"; fi
deb=${debs[0]}
basename "$deb"
check "the .deb is named ${pkg}_<version>_<arch>.deb" \
	test "$(basename "$deb")" = "${pkg}_$(dpkg-parsechangelog -l "$ECKID_ROOT/debian/changelog" -S Version)_$(dpkg --print-architecture).deb"
orig=("$work/out/"*.orig.tar.gz)
check "the source package was built (.dsc, .orig.tar.gz, .debian.tar.xz)" \
	test -f "${orig[0]}" -a -n "$(ls "$work"/out/*.dsc "$work"/out/*.debian.tar.xz 2>/dev/null)"
check "the upstream tarball holds no debian/ or .ci/" \
	bash -c "! tar -tzf '${orig[0]}' | grep -E '^[^/]+/(debian|\.ci)/'"

say "the package's files and dependencies"
dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sed 's|^\./|/|' | sort > "$work/files"
printf '%s\n' "${expected[@]}" | sort > "$work/expected"
grep -v "^$docdir/" "$work/files" > "$work/nondoc" || true
check "outside $docdir the package holds exactly the Makefile's ${#expected[@]} files" \
	diff -u "$work/expected" "$work/nondoc"
for f in copyright changelog.Debian.gz README.md docs/configuration.md; do
	check "it holds $docdir/$f" grep -qxF "$docdir/$f" "$work/files"
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
check "it depends on libsodium (\${shlibs:Depends})" grep -Eq '(^|, )libsodium[0-9]+ ' <<<"$depends"
check "it depends on postgresql-$PG_MAJOR" grep -Eq "(^|, )postgresql-$PG_MAJOR( |,|\$)" <<<"$depends"
dpkg-deb -x "$deb" "$work/deb"
check "its $module.so is a freshly built ELF shared object, not the planted stale file" \
	bash -c "readelf -h '$work/deb$pkglibdir/$module.so' | grep -q 'DYN'"

say "installing $deb"
installed=1
as_root dpkg -i "$deb" >/dev/null
check "dpkg -s: $pkg is installed" bash -c "dpkg -s '$pkg' | grep -qx 'Status: install ok installed'"
check "dpkg -s: it depends on libsodium" bash -c "dpkg -s '$pkg' | grep '^Depends:' | grep -q libsodium"
dpkg -L "$pkg" | sort > "$work/listed"
check "dpkg -L lists every expected file" bash -c "comm -23 '$work/expected' '$work/listed' | diff /dev/null -"
check "dpkg --verify: the installed files are the package's (md5sums)" bash -c "[ -z \"\$(dpkg --verify '$pkg')\" ]"
check "every eckid file in the PostgreSQL directories belongs to $pkg" bash -c "
	for f in '$sharedir/extension/$extension'* '$pkglibdir/$module'*.so; do
		[ -e \"\$f\" ] || continue; dpkg -S \"\$f\" | grep -q '^$pkg:' || { echo \"not the package's: \$f\"; exit 1; }
	done"

say "pg_regress against the installed package"
cluster=1
start_cluster
# A copy of the sources for the test inputs and expected outputs; installcheck
# builds nothing.
mkdir "$work/src"
tar -C "$work/src" --strip-components=1 -xzf "${orig[0]}"
if make -C "$work/src" -s PG_CONFIG="$PG_CONFIG" installcheck; then
	check "make installcheck against the installed package" true
else
	cat "$work/src/regression.diffs" 2>/dev/null || true
	check "make installcheck against the installed package" false
fi
pid=$(head -n 1 "$ECKID_DATA/postmaster.pid")
mapped=$(as_root grep -o "/[^ ]*/$module\.so.*" "/proc/$pid/maps" | sort -u)
echo "the server mapped: $mapped"
check "the server loaded the package's $pkglibdir/$module.so" test "$mapped" = "$pkglibdir/$module.so"
check "that file is byte for byte the one in the .deb" cmp -s "$pkglibdir/$module.so" "$work/deb$pkglibdir/$module.so"

say "the package eckid-nv-worker"
wdebs=("$work/out/eckid-nv-worker_"*.deb)
[ ${#wdebs[@]} -eq 1 ] && [ -f "${wdebs[0]}" ] || die "exactly one eckid-nv-worker_*.deb built (found: ${wdebs[*]})"
wdeb=${wdebs[0]}
basename "$wdeb"
dpkg-deb --fsys-tarfile "$wdeb" | tar -t | grep -v '/$' | sed 's|^\./|/|' | grep -v '^/usr/share/doc/' | sort > "$work/wfiles"
# debhelper puts units in /lib/systemd/system on Debian 12 and in
# /usr/lib/systemd/system from Debian 13 on (the /usr merge): either is right.
unit=$(grep -Ex '(/usr)?/lib/systemd/system/eckid-nv-worker@\.service' "$work/wfiles" || echo /lib/systemd/system/eckid-nv-worker@.service)
printf '%s\n' /etc/eckid/nv-worker.conf.example "$unit" /usr/bin/eckid-nv-worker \
	| sort > "$work/wexpected"
check "outside /usr/share/doc it holds the program, the unit template and the example configuration" \
	diff -u "$work/wexpected" "$work/wfiles"
check "it holds the guide (docs/las-guide.md)" bash -c "dpkg-deb -c '$wdeb' | grep 'usr/share/doc/eckid-nv-worker/docs/las-guide.md' >/dev/null"
check "the example configuration is a conffile" bash -c "dpkg-deb -I '$wdeb' conffiles | grep -qx /etc/eckid/nv-worker.conf.example"
wdepends=$(dpkg-deb -f "$wdeb" Depends)
echo "Depends: $wdepends"
# libcurl4 is libcurl4t64 from Debian 13 on (the 64-bit time_t transition)
for lib in 'libcurl4(t64)?' libxml2 libpq5 adduser; do
	check "it depends on ${lib%%(*}" grep -Eq "(^|, )$lib( |,|\$)" <<<"$wdepends"
done
check "it does not depend on a PostgreSQL server" bash -c "! grep -q 'postgresql-' <<<'$wdepends'"

worker_installed=1
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$wdeb" >"$work/apt.log" 2>&1 \
	|| { cat "$work/apt.log"; die "apt-get install $wdeb"; }
check "dpkg -s: eckid-nv-worker is installed" bash -c "dpkg -s eckid-nv-worker | grep -qx 'Status: install ok installed'"
check "its postinst made the system user eckid-nv-worker" bash -c "getent passwd eckid-nv-worker >/dev/null"
check "eckid-nv-worker --help runs" bash -c "/usr/bin/eckid-nv-worker --help | grep -q -- '--once CONFIG'"
if command -v systemd-analyze >/dev/null; then
	mkdir "$work/unit"
	cp "$unit" "$work/unit/eckid-nv-worker@school.service"
	check "systemd-analyze verify: an instance of the unit" systemd-analyze verify "$work/unit/eckid-nv-worker@school.service"
	check "the unit runs as eckid-nv-worker, hardened, restarted on failure" bash -c "
		u=$unit
		grep -qx 'User=eckid-nv-worker' \$u && grep -qx 'Type=simple' \$u && grep -qx 'ProtectSystem=strict' \$u &&
		grep -qx 'NoNewPrivileges=yes' \$u && grep -qx 'PrivateTmp=yes' \$u && grep -qx 'Restart=on-failure' \$u"
else
	echo "(no systemd-analyze here: the unit is not verified)"
fi

# --check of the installed program against the simulator: the example
# configuration with the test certificates and the simulator's address.
bash "$ECKID_ROOT/test/nv/make_certs.sh" "$work/certs" >/dev/null
python3 "$ECKID_ROOT/test/nv/simulator.py" serve --cert "$work/certs/server.crt" --key "$work/certs/server.key" \
	--ca "$work/certs/ca.crt" --oin 00000001234567890000 --ready-file "$work/sim.ready" >/dev/null 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/sim.ready" ] && break; sleep 0.1; done
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["soap_port"])' "$work/sim.ready")
sed -e "s|^conninfo = .*|# conninfo: not checked here|" \
	-e "s|^endpoint = .*|endpoint = 'https://localhost:$port/eck/ws/201703'|" \
	-e "s|^client_cert = .*|client_cert = $work/certs/client.crt|" -e "s|^client_key = .*|client_key = $work/certs/client.key|" \
	-e "s|^ca_file = .*|ca_file = $work/certs/ca.crt|" -e "s|^oin = .*|oin = 00000001234567890000|" \
	/etc/eckid/nv-worker.conf.example > "$work/nv.conf"
check "eckid-nv-worker --check with the example configuration filled in pings the simulator" \
	bash -c "/usr/bin/eckid-nv-worker --check '$work/nv.conf' | grep -q 'available, applicationVersion 2.0.0-simulator'"
