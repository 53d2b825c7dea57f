#!/usr/bin/env bash
# eckid.key_command (docs/configuration.md): the key from a command's
# standard output gives the same values as the same key from eckid.key_file;
# the worked example of the docs (eckid-key) runs as written; the command
# inherits no descriptor of the backend but 0, 1 and 2; a failing
# command, one that prints junk and one that hangs are refused with their
# SQLSTATE; the command's standard error reaches the server log but not the
# client; a reload picks a new key up in a running session; a key from a
# command is checked against the recorded fingerprint; both settings
# set are refused; a cancel or terminate ends the wait for a hanging command
# and kills it; and no key, no token given in the command, reaches the
# log (each grep shown to find what it looks for when it is planted).
# Runs against the cluster of scripts/cluster; changes it only through
# eckid_test.conf, emptied again at the end.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
set -euo pipefail

conf=$ECKID_DATA/eckid_test.conf
work=$(mktemp -d /tmp/eckid-keycmd.XXXXXX)
chmod 700 "$work"
[ "$(id -u)" -eq 0 ] && chown "$ECKID_PG_USER": "$work"
hpgn=9735dfd2235eaeb5f0300886bcc99c82ffc1d6420c4e0bde8de7218def2135fa
chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
sector=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725
values_sql="SELECT eckid.local_stampseudonym('$hpgn') || ' ' || eckid.derive(eckid.local_stampseudonym('$hpgn')::eckid.eckid, '$chain', '$sector')::text || ' ' || eckid.pseudonymize(eckid.derive(eckid.local_stampseudonym('$hpgn')::eckid.eckid, '$chain', '$sector'), 'publisher')"

# Write eckid_test.conf, reload, and wait until a fresh session sees the
# command given first ("" for none).
reconfigure() {
	local want=$1
	shift
	printf '%s\n' "$@" | as_pg tee "$conf" >/dev/null
	psql -X -q -At -c "SELECT pg_reload_conf()" >/dev/null
	for _ in $(seq 1 100); do
		[ "$(psql -X -At -c "SELECT current_setting('eckid.key_command')")" = "$want" ] && return 0
		sleep 0.1
	done
	echo "the configuration reload was not seen"
	exit 1
}
cleanup() {
	reconfigure "" "# eckid_test.conf: nothing" || true
	PGDATABASE=postgres dropdb --if-exists eckid_keycmd >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
createdb eckid_keycmd
export PGDATABASE=eckid_keycmd
psql -X -q -c "CREATE EXTENSION eckid"

# what a statement gives the client: SQLSTATE and message (verbose), or the value
try() { { psql -X -At -v VERBOSITY=verbose -c "$1" 2>&1 || true; } | sed -n "s/^ERROR: *//p;/^[^E]/p" | head -n 3; }

say "the same key from the key file and from a command"
from_file=$(psql -X -At -c "$values_sql")
check "the key file gives values (the baseline)" has "$from_file" "https://ketenid.nl/local/"

# the docs' worked example, as written there
awk '/<!-- eckid-key script -->/ { on = 1; next } on && /^```sh/ { copy = 1; next } copy && /^```/ { exit } copy' \
	"$ECKID_ROOT/docs/configuration.md" > "$work/eckid-key"
chmod 755 "$work/eckid-key"
check "the worked example is in docs/configuration.md" has "$(head -n 1 "$work/eckid-key")" "#!/bin/sh"
as_pg mkdir -m 700 "$work/creds"
as_pg sh -c "umask 077; cat '$ECKID_KEY_FILE' > '$work/creds/eckid.key'"
cmd="CREDENTIALS_DIRECTORY='$work/creds' '$work/eckid-key'"
reconfigure "$cmd" "eckid.key_file = ''" "eckid.key_command = '${cmd//\'/\'\'}'"
from_command=$(psql -X -At -c "$values_sql")
check "eckid-key of docs/configuration.md gives the values of the key file: Stampseudonym, ECK iD, pseudonym" \
	same "$from_command" "$from_file"
check "security_check() names the command as the key source" \
	has "$(psql -X -At -c "SELECT status || ': ' || detail FROM eckid.security_check() WHERE check_name = 'key file'")" \
	"ok: The key comes from eckid.key_command"

say "the command inherits standard input, output and error only, not the backend's descriptors"
# the descriptors of the shell that runs the command ($$ is that shell)
listing='ls /proc/$$/fd | sort -n | paste -s -d " " -'
check "the probe sees a descriptor a shell inherits (fd 7 opened before it)" \
	has " $(sh -c "exec 7</dev/null; sh -c '$listing'") " " 7 "
cmd_listing="$listing > '$work/fds'; cat '$ECKID_KEY_FILE'"
reconfigure "$cmd_listing" "eckid.key_file = ''" "eckid.key_command = '${cmd_listing//\'/\'\'}'"
check "the listing command gives the key file's values" same "$(psql -X -At -c "$values_sql")" "$from_file"
check "the command's shell had descriptors 0, 1 and 2 only" same "$(as_pg cat "$work/fds")" "0 1 2"
reconfigure "$cmd" "eckid.key_file = ''" "eckid.key_command = '${cmd//\'/\'\'}'"

say "a reload picks up a new key in a running session; without one, the session keeps its key"
as_pg sh -c "umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > '$work/new.key'"
session=$(psql -X -At -v ON_ERROR_STOP=1 <<SQL
$values_sql;
\\! cp '$work/new.key' '$work/creds/eckid.key'
$values_sql;
SELECT pg_reload_conf();
SELECT pg_sleep(0.3) FROM generate_series(1, 1);
SELECT pg_sleep(0.3);
SELECT pg_sleep(0.3);
SELECT pg_sleep(0.3);
$values_sql;
SQL
)
first=$(sed -n 1p <<<"$session")
unreloaded=$(sed -n 2p <<<"$session")
reloaded=$(tail -n 1 <<<"$session")
check "the session's first key is the old one" same "$first" "$from_file"
check "a changed key source alone does not change the session's key (read at first use and after a reload)" same "$unreloaded" "$from_file"
check "after pg_reload_conf() the same session derives with the new key" \
	bash -c '[ -n "$1" ] && [ "$1" != "$2" ] && [ "${1#https://ketenid.nl/}" != "$1" ]' _ "$reloaded" "$from_file"
new_from_file=$(reconfigure "" "eckid.key_file = '$work/new.key'" && psql -X -At -c "$values_sql")
check "the new key from a file gives what the command gave" same "$new_from_file" "$reloaded"

say "the recorded fingerprint: a key from a command is checked as one from a file"
psql -X -q -c "SELECT * FROM eckid.record_secret_fingerprints()" >/dev/null
as_pg mkdir -m 700 "$work/creds_old"
as_pg sh -c "umask 077; cat '$ECKID_KEY_FILE' > '$work/creds_old/eckid.key'"
cmd_old="CREDENTIALS_DIRECTORY='$work/creds_old' '$work/eckid-key'"
reconfigure "$cmd" "eckid.key_file = ''" "eckid.key_command = '${cmd//\'/\'\'}'"
check "the command printing the recorded key derives" same "$(psql -X -At -c "$values_sql")" "$reloaded"
reconfigure "$cmd_old" "eckid.key_file = ''" "eckid.key_command = '${cmd_old//\'/\'\'}'"
check "the command printing another key: 55000, as the key file would be" \
	has "$(try "$values_sql")" "55000: the configured local derivation key is not the key this database was filled with"

say "a failing command: exit status to the client, standard error to the log only"
log_before=$(wc -c < "$ECKID_LOG")
# it prints the key on its standard error: the log must not show it either
failing="echo 'vault: permission denied (eckid-marker-$$)' >&2; cat '$ECKID_KEY_FILE' >&2; exit 3"
reconfigure "$failing" "eckid.key_file = ''" "eckid.key_command = '${failing//\'/\'\'}'"
out=$(try "$values_sql")
check "a failing command: 38000 eckid.key_command failed" has "$out" "38000: eckid.key_command failed"
check "the client sees the exit status" has "$out" "exit code 3"
check "the client does not see the command's standard error" bash -c '! grep -q "eckid-marker" <<<"$1"' _ "$out"
sleep 0.5
log_part=$(tail -c +"$((log_before + 1))" "$ECKID_LOG")
check "the server log has the command's standard error" has "$log_part" "vault: permission denied (eckid-marker-$$)"

say "junk, a hang, both settings"
junk="echo 'not a key'"
reconfigure "$junk" "eckid.key_file = ''" "eckid.key_command = '${junk//\'/\'\'}'"
check "a command printing junk: F0000 did not print a valid key" \
	has "$(try "$values_sql")" "F0000: eckid.key_command did not print a valid key"
longer="cat '$ECKID_KEY_FILE' '$ECKID_KEY_FILE'"
reconfigure "$longer" "eckid.key_file = ''" "eckid.key_command = '${longer//\'/\'\'}'"
check "a command printing the key twice: F0000" \
	has "$(try "$values_sql")" "F0000: eckid.key_command did not print a valid key"
hang="sleep 3600 & sleep 3599; echo never"
reconfigure "$hang" "eckid.key_file = ''" "eckid.key_command = '$hang'" "eckid.key_command_timeout = 1"
check "a command that hangs: 38000 eckid.key_command timed out" \
	has "$(try "$values_sql")" "38000: eckid.key_command timed out"
check "the hung command's process group is gone (its background sleep too)" \
	bash -c '! pgrep -x -f "sleep 3600" >/dev/null && ! pgrep -x -f "sleep 3599" >/dev/null'

say "a cancel or a terminate ends the wait for a hanging command and kills it"
# the command writes its process group's id, then hangs within its timeout of
# 60 s; the SQLSTATE shows that the signal ended the statement, not the
# timeout (38000); the time it took is printed
slow="echo \$\$ > '$work/slow.pid'; sleep 3600 & sleep 3599; echo never"
reconfigure "$slow" "eckid.key_file = ''" "eckid.key_command = '${slow//\'/\'\'}'" "eckid.key_command_timeout = 60"
for how in cancel terminate; do
	as_pg rm -f "$work/slow.pid"
	PGAPPNAME=keycmd_$how timeout 90 psql -X -At -v VERBOSITY=verbose -c "$values_sql" > "$work/$how.out" 2>&1 &
	waiter=$!
	for _ in $(seq 1 100); do as_pg test -s "$work/slow.pid" && break; sleep 0.1; done
	check "the probe: the command runs ($how)" bash -c 'pgrep -x -f "sleep 3599" >/dev/null'
	t0=$(date +%s%N)
	psql -X -At -c "SELECT pg_${how}_backend(pid) FROM pg_stat_activity WHERE application_name = 'keycmd_$how'" >/dev/null
	wait "$waiter" || true
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "# pg_${how}_backend while the command hangs: the statement ended after $ms ms"
	if [ "$how" = cancel ]; then
		check "the cancelled statement: 57014" has "$(cat "$work/$how.out")" "57014: canceling statement due to user request"
	else
		check "the terminated session: 57P01" has "$(cat "$work/$how.out")" "57P01"
	fi
	check "the command's process group is gone after pg_${how}_backend" \
		bash -c '! pgrep -x -f "sleep 3600" >/dev/null && ! pgrep -x -f "sleep 3599" >/dev/null'
done
reconfigure "$cmd" "eckid.key_file = ''" "eckid.key_command = '${cmd//\'/\'\'}'"
check "after a cancel and a terminate, the command gives the key file's values again" \
	same "$(psql -X -At -c "$values_sql")" "$new_from_file"

both="cat '$ECKID_KEY_FILE'"
reconfigure "$both" "eckid.key_command = '${both//\'/\'\'}'"
check "eckid.key_file and eckid.key_command both set: F0000" \
	has "$(try "$values_sql")" "F0000: eckid.key_file and eckid.key_command are both set"
check "security_check() reports both set as a problem" \
	same "$(psql -X -At -c "SELECT status FROM eckid.security_check() WHERE check_name = 'key file'")" "problem"

say "the command's value is hidden where a statement sets it"
token="s.eckidToken$$x"
check "SET eckid.key_command is refused (sighup)" \
	has "$(try "SET eckid.key_command = 'vault read -token=$token secret/eckid'")" "55P02"
reconfigure "" "# eckid_test.conf: nothing"
sleep 0.5

say "no key, no token in the log"
log=$(cat "$ECKID_LOG")
needles=$work/needles
{
	for k in "$ECKID_KEY_FILE" "$work/new.key"; do
		key=$(tr -d '\n' < "$k"); echo "$key"; echo "${key^^}"
	done
	echo "$token"
} > "$needles"
check "the probe: the greps find a key and the token when planted in a copy of the log" \
	bash -c '{ cat "$1"; echo "x $(tr -d "\n" < "$2") y"; echo "$3"; } | [ "$(grep -c -F -f "$4")" -eq 2 ]' \
	_ "$ECKID_LOG" "$ECKID_KEY_FILE" "$token" "$needles"
check "the statement with the token was logged (redacted)" has "$log" "eckid.key_command = '********'"
check "the server log holds neither key (either case) nor the token" \
	bash -c '! grep -q -F -f "$1" "$2"' _ "$needles" "$ECKID_LOG"

checks_done
