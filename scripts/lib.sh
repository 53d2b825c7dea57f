# shellcheck shell=bash
# Shared by scripts/demo and scripts/test: install what is missing, build and
# install eckid, and run a throwaway PostgreSQL cluster in a temporary
# directory as an unprivileged user.  Source it; do not run it.

set -euo pipefail

ECKID_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The PostgreSQL major version to build against and test: ECKID_PG_MAJOR if
# set (scripts/test-chroot sets it inside its chroots); else the newest
# server already installed; else the one the distribution ships, which its
# package `postgresql` depends on (15 on Debian 12, 17 on Debian 13); its
# package lists are read as they are (an empty list on a fresh machine falls
# back to /etc/os-release: Debian 12 -> 15, 13 -> 17).
eckid_default_pg_major() {
	local v id=
	v=$(ls -1 /usr/lib/postgresql/*/bin/postgres 2>/dev/null \
		| sed -nE 's|^/usr/lib/postgresql/([0-9]+)/bin/postgres$|\1|p' | sort -n | tail -n 1)
	[ -n "$v" ] || v=$(apt-cache depends postgresql 2>/dev/null \
		| sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' | head -n 1)
	if [ -z "$v" ] && [ -r /etc/os-release ]; then
		id=$(. /etc/os-release && echo "${ID:-}:${VERSION_ID:-}")
		case $id in
			debian:12) v=15 ;;
			debian:13) v=17 ;;
		esac
	fi
	echo "${v:-15}"
}
PG_MAJOR=${ECKID_PG_MAJOR:-$(eckid_default_pg_major)}
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
# Development only: ECKID_PG_PREFIX=/some/dir builds against, installs into
# and runs a private copy of the PostgreSQL installation there, so that
# several work trees can be tested side by side.  PostgreSQL finds its files
# relative to its binaries, so a copy of the three trees works as is.
if [ -n "${ECKID_PG_PREFIX:-}" ]; then
	if [ ! -x "$ECKID_PG_PREFIX$PGBIN/postgres" ]; then
		mkdir -p "$ECKID_PG_PREFIX/usr/lib/postgresql" "$ECKID_PG_PREFIX/usr/share/postgresql" "$ECKID_PG_PREFIX/usr/include"
		cp -a "/usr/lib/postgresql/$PG_MAJOR" "$ECKID_PG_PREFIX/usr/lib/postgresql/"
		cp -a "/usr/share/postgresql/$PG_MAJOR" "$ECKID_PG_PREFIX/usr/share/postgresql/"
		cp -a /usr/include/postgresql "$ECKID_PG_PREFIX/usr/include/"
	fi
	PG_CONFIG=$ECKID_PG_PREFIX$PG_CONFIG
	PGBIN=$ECKID_PG_PREFIX$PGBIN
fi
export PATH=$PGBIN:$PATH
# Kennisnet's public test salt (docs/derivation.md); never a production salt.
ECKID_TEST_SALT='rktYml0MIp9TC9u6Ny6uqw=='

say() { printf '\n== %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages eckid needs to build, run and be tested.
ECKID_PACKAGES=(
	build-essential pkg-config
	postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
	libsodium-dev
	postgresql-$PG_MAJOR-pgtap libtap-parser-sourcehandler-pgtap-perl
	python3
)
# The fuzzers' compiler and sanitizer runtime (scripts/test on the host only).
ECKID_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
# eckid-nv-worker (worker/: libcurl, libxml2, libpq) and its tests against
# test/nv/simulator.py.
ECKID_WORKER_PACKAGES=(libcurl4-openssl-dev libxml2-dev libpq-dev openssl python3)

install_missing_packages() {
	local missing=() p
	for p in "${ECKID_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing with apt: ${missing[*]}"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
}

# build_and_install [make arguments...]
build_and_install() {
	say "building eckid"
	make -C "$ECKID_ROOT" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null
	make -C "$ECKID_ROOT" -s PG_CONFIG="$PG_CONFIG" "$@"
	as_root make -C "$ECKID_ROOT" -s PG_CONFIG="$PG_CONFIG" install
}

# The cluster runs as this user: postgres when we are root, else ourselves.
if [ "$(id -u)" -eq 0 ]; then ECKID_PG_USER=postgres; else ECKID_PG_USER=$(id -un); fi

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$ECKID_PG_USER" -- "$@"; else "$@"; fi
}

# start_cluster: initdb and start a cluster in a new temporary directory with
# eckid preloaded, the test salt and a freshly generated key file.  Exports
# PGHOST/PGPORT/PGUSER for clients and ECKID_KEY_FILE for tests.  Extra
# postgresql.conf lines may be passed as arguments; with ECKID_NO_PRELOAD=1
# eckid is not in shared_preload_libraries (to test that it refuses to work).
start_cluster() {
	ECKID_TMP=$(mktemp -d /tmp/eckid.XXXXXX)
	chmod 700 "$ECKID_TMP"
	[ "$(id -u)" -eq 0 ] && chown "$ECKID_PG_USER": "$ECKID_TMP"
	ECKID_DATA=$ECKID_TMP/data
	ECKID_KEY_FILE=$ECKID_TMP/eckid.key
	ECKID_LOG=$ECKID_TMP/server.log
	export ECKID_TMP ECKID_DATA ECKID_KEY_FILE ECKID_LOG
	trap stop_cluster EXIT

	say "starting a throwaway cluster in $ECKID_TMP (as $ECKID_PG_USER)"
	as_pg "$PGBIN/initdb" -D "$ECKID_DATA" -U postgres --auth=trust \
		--encoding=UTF8 --no-locale >/dev/null
	# The local derivation key: 32 random bytes as 64 hex digits, mode 0600.
	as_pg sh -c "umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > '$ECKID_KEY_FILE'; echo >> '$ECKID_KEY_FILE'"
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$ECKID_TMP'"
		echo "port = 5432"
		[ -n "${ECKID_NO_PRELOAD:-}" ] || echo "shared_preload_libraries = 'eckid'"
		echo "eckid.salt = '$ECKID_TEST_SALT'"
		echo "eckid.key_file = '$ECKID_KEY_FILE'"
		echo "max_worker_processes = 8"
		# Tests write settings that ALTER SYSTEM refuses (eckid.salt) here.
		echo "include_if_exists = 'eckid_test.conf'"
		local line
		for line in "$@"; do echo "$line"; done
	} | as_pg tee -a "$ECKID_DATA/postgresql.conf" >/dev/null
	if [ -z "${ECKID_SERVER_WRAPPER:-}" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$ECKID_DATA" -l "$ECKID_LOG" -w -s start
	else
		# A command the server runs under (scripts/memcheck: valgrind), so
		# postgres is started directly rather than through pg_ctl.
		as_pg sh -c "$ECKID_SERVER_WRAPPER '$PGBIN/postgres' -D '$ECKID_DATA' >'$ECKID_LOG' 2>&1 &"
		local i
		for i in $(seq 1 120); do
			"$PGBIN/pg_isready" -q -h "$ECKID_TMP" -p 5432 && break
			sleep 1
		done
		"$PGBIN/pg_isready" -q -h "$ECKID_TMP" -p 5432 || { tail -n 20 "$ECKID_LOG"; return 1; }
	fi
	export PGHOST=$ECKID_TMP PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
}

stop_cluster() {
	if [ -n "${ECKID_DATA:-}" ] && [ -f "$ECKID_DATA/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$ECKID_DATA" -m fast -w -s stop || true
	fi
	if [ -n "${ECKID_TMP:-}" ] && [ -z "${ECKID_KEEP:-}" ]; then
		rm -rf "$ECKID_TMP"
	fi
}
