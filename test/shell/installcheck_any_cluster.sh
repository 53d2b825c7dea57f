#!/usr/bin/env bash
# make installcheck against a cluster configured as docs/configuration.md
# says, with its own salt and key (not Kennisnet's test salt, not the test
# cluster's key): the regression tests must not depend on either.  Starts a
# second throwaway cluster next to the test cluster and stops it at the end.
# Needs the extension installed (scripts/test has done that).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

dir=$(mktemp -d /tmp/eckid.XXXXXX)
chmod 700 "$dir"
[ "$(id -u)" -eq 0 ] && chown "$ECKID_PG_USER": "$dir"
data=$dir/data
cleanup() {
	[ -f "$data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w -s stop || true
	rm -rf "$dir"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
# docs/configuration.md: a key of 32 random bytes in hex, made by the server's
# user with umask 077 in the data directory, and a salt of the environment's
# (here 16 random bytes, base64)
salt=$(head -c 16 /dev/urandom | base64)
[ "$salt" != "$ECKID_TEST_SALT" ] || { echo "FAIL: the random salt is the test salt"; exit 1; }
as_pg sh -c "umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > '$data/eckid.key'"
{
	echo "listen_addresses = ''"
	echo "unix_socket_directories = '$dir'"
	echo "port = 5433"
	echo "shared_preload_libraries = 'eckid'"
	echo "eckid.salt = '$salt'"
	echo "eckid.key_file = 'eckid.key'"
} | as_pg tee -a "$data/postgresql.conf" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -s start

# the probe: this cluster's salt really differs from the test salt
differs=$(psql -X -q -At -h "$dir" -p 5433 -U postgres -d postgres \
	-c "CREATE EXTENSION eckid" \
	-c "SELECT eckid.hpgn('063138219') <> eckid.hpgn('063138219', '$ECKID_TEST_SALT')" \
	-c "DROP EXTENSION eckid")
[ "$differs" = t ] || { echo "FAIL: the second cluster hashes with the test salt"; exit 1; }
echo "ok: a second cluster with its own salt and key (its HPgns differ from the test salt's)"

rm -f "$ECKID_ROOT/regression.diffs"
if PGHOST=$dir PGPORT=5433 PGUSER=postgres make -C "$ECKID_ROOT" -s PG_CONFIG="$PG_CONFIG" installcheck; then
	echo "ok: make installcheck passes against it"
else
	cat "$ECKID_ROOT/regression.diffs" 2>/dev/null || true
	echo "FAIL: make installcheck against a cluster with another salt and key"
	exit 1
fi
