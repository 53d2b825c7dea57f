# shellcheck shell=bash
# Second clusters next to the test cluster of scripts/cluster (sourced by
# test/shell/standby.sh and logical_replication.sh; not a test):
#
#   start_standby NAME            a hot standby of the test cluster: pg_basebackup -R
#                                 (streaming WAL), its own data and socket directory under
#                                 $REPLICAS_DIR/NAME, the same port number on its own
#                                 socket; extra postgresql.conf lines as further
#                                 arguments; sets NAME_HOST (for psql -h) and NAME_LOG
#   start_node NAME               a new cluster of its own (initdb), configured as the test
#                                 cluster (eckid preloaded, the test salt, the same key
#                                 file), wal_level = logical; extra lines as arguments
#   wait_replay NAME              waits until the standby has replayed all the test
#                                 cluster's WAL written so far
#   stop_all                      stops every cluster started here and removes
#                                 $REPLICAS_DIR; installed as an EXIT trap (chained
#                                 to the caller's cleanup, which it runs first)
#
# Needs scripts/lib.sh sourced and PGHOST/PGPORT of the running test cluster.
REPLICAS_DIR=$(mktemp -d /tmp/eckid-replicas.XXXXXX)
chmod 700 "$REPLICAS_DIR"
[ "$(id -u)" -eq 0 ] && chown "$ECKID_PG_USER": "$REPLICAS_DIR"
replicas_started=()
replicas_cleanup=

stop_all() {
	local name
	[ -z "$replicas_cleanup" ] || $replicas_cleanup || true
	for name in "${replicas_started[@]}"; do
		if [ -f "$REPLICAS_DIR/$name/data/postmaster.pid" ]; then
			as_pg "$PGBIN/pg_ctl" -D "$REPLICAS_DIR/$name/data" -m immediate -w -s stop || true
		fi
	done
	[ -n "${ECKID_KEEP:-}" ] || rm -rf "$REPLICAS_DIR"
}
# on_exit FUNCTION: run FUNCTION before the clusters are stopped
on_exit() { replicas_cleanup=$1; }
trap stop_all EXIT

# the settings every second cluster gets: its own socket, the test cluster's
# secrets
replica_conf() {
	local dir=$1
	shift
	echo "listen_addresses = ''"
	echo "unix_socket_directories = '$dir'"
	echo "port = $PGPORT"
	local line
	for line in "$@"; do echo "$line"; done
}

replica_start() {
	local name=$1 dir=$REPLICAS_DIR/$1
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s start || { tail -n 30 "$dir/server.log"; return 1; }
	replicas_started+=("$name")
	printf -v "${name}_HOST" '%s' "$dir"
	printf -v "${name}_LOG" '%s' "$dir/server.log"
}

start_standby() {
	local name=$1 dir=$REPLICAS_DIR/$1
	shift
	as_pg mkdir -m 700 "$dir"
	as_pg "$PGBIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$dir/data" -R -X stream -c fast
	# the test cluster's own include file is copied too: keep its secrets
	replica_conf "$dir" "$@" | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
	replica_start "$name"
}

start_node() {
	local name=$1 dir=$REPLICAS_DIR/$1
	shift
	as_pg mkdir -m 700 "$dir"
	as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
	replica_conf "$dir" \
		"shared_preload_libraries = 'eckid'" \
		"eckid.salt = '$ECKID_TEST_SALT'" \
		"eckid.key_file = '$ECKID_KEY_FILE'" \
		"wal_level = logical" \
		"$@" | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
	replica_start "$name"
}

wait_replay() {
	local name=$1 lsn
	lsn=$(psql -X -At -d postgres -c "SELECT pg_current_wal_lsn()")
	for _ in $(seq 1 300); do
		[ "$(psql -X -At -h "$REPLICAS_DIR/$name" -d postgres \
			-c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
		sleep 0.1
	done
	echo "the standby $name did not replay up to $lsn"
	return 1
}
