#!/usr/bin/env bash
# eckid-nv-worker's checks of its files and of the database connection
# (issue 20), with real files, a real simulator and the cluster of
# scripts/test: the client key as PostgreSQL checks ssl_key_file (0600 when
# the worker's user owns it, 0640 when root does; run as nobody and as
# root), a certificate, CA file or configuration file writable by others, a
# configuration with a password readable by others, a directory writable by
# others without the sticky bit (and one with it), and a conninfo that would
# reach another host without encryption (refused before connecting, allowed
# with database_plaintext = allow; a Unix socket and loopback allowed).
# Each refusal next to the same setup accepted.
nv_test=nv_worker_files
# shellcheck source=../nv/worker_lib.sh
source "$(dirname "$0")/../nv/worker_lib.sh"

start_sim
make_db
config "$work/w.conf"
cfg_err=1 # the exit status of every configuration error

# chk NAME: eckid-nv-worker --check CONF as root; sets out and rc.
chk() { out=$("$worker" --check "$1" 2>&1) && rc=0 || rc=$?; }
# as_nobody CONF: the same as the user nobody (a copy of the program, in
# case the tree is not readable by others).
install -m 755 "$worker" "$work/eckid-nv-worker"
as_nobody() { out=$(runuser -u nobody -- "$work/eckid-nv-worker" --check "$1" 2>&1) && rc=0 || rc=$?; }

say "the control: the test's configuration passes"
chk "$work/w.conf"
check "the good configuration: --check exits 0" "$rc" 0

say "the client key, as PostgreSQL's ssl_key_file"
mkdir -m 755 "$work/nobody"
install -m 600 -o nobody "$work/certs/client.key" "$work/nobody/client.key"
config "$work/nobody.conf" conninfo= client_key="$work/nobody/client.key"
sed -i '/^conninfo/d' "$work/nobody.conf"
as_nobody "$work/nobody.conf"
check "a key of the worker's user, 0600: --check as nobody exits 0" "$rc/$out" "0/$out"
chmod 640 "$work/nobody/client.key"
as_nobody "$work/nobody.conf"
check "a group-readable key of the worker's user: --check exits $cfg_err" "$rc" "$cfg_err"
check_has "... naming the file and the rule" "$out" "the client_key file \"$work/nobody/client.key\" has group or world access: it must be mode 0600 or less"
chmod 604 "$work/nobody/client.key"
as_nobody "$work/nobody.conf"
check_has "a world-readable key of the worker's user: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the client_key file"
chmod 600 "$work/nobody/client.key"
chown root "$work/nobody/client.key"
as_nobody "$work/nobody.conf"
check_has "a key of another user (root's, 0600, which nobody cannot read): refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the client_key file \"$work/nobody/client.key\" cannot be read"

install -m 640 "$work/certs/client.key" "$work/root.key"
config "$work/root-key.conf" client_key="$work/root.key"
chk "$work/root-key.conf"
check "a key of root, 0640 (PostgreSQL allows it): --check exits 0" "$rc/$out" "0/$out"
chmod 644 "$work/root.key"
chk "$work/root-key.conf"
check "a key of root, 0644: --check exits $cfg_err" "$rc" "$cfg_err"
check_has "... naming the file and the rule" "$out" "the client_key file \"$work/root.key\" has group or world access"
chmod 660 "$work/root.key"
chk "$work/root-key.conf"
check_has "a key of root, 0660: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the client_key file \"$work/root.key\" has group or world access"

say "certificates and the configuration file"
install -m 666 "$work/certs/ca.crt" "$work/open-ca.crt"
config "$work/open-ca.conf" ca_file="$work/open-ca.crt"
chk "$work/open-ca.conf"
check "a world-writable CA file: --check exits $cfg_err" "$rc" "$cfg_err"
check_has "... naming the file and the rule" "$out" "the ca_file \"$work/open-ca.crt\" is writable by group or others: it must be mode 0644 or less"
chmod 644 "$work/open-ca.crt"
chk "$work/open-ca.conf"
check "the same CA file, 0644: --check exits 0" "$rc/$out" "0/$out"

install -m 664 "$work/certs/client.crt" "$work/open-client.crt"
config "$work/open-cert.conf" client_cert="$work/open-client.crt"
chk "$work/open-cert.conf"
check_has "a group-writable client certificate: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the client_cert file \"$work/open-client.crt\" is writable by group or others"
chmod 644 "$work/open-client.crt"
chk "$work/open-cert.conf"
check "the same certificate, 0644: --check exits 0" "$rc/$out" "0/$out"

config "$work/open.conf"
chmod 666 "$work/open.conf"
chk "$work/open.conf"
check_has "a world-writable configuration file: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the configuration file \"$work/open.conf\" is writable by group or others"
chmod 644 "$work/open.conf"
chk "$work/open.conf"
check "the same configuration, 0644: --check exits 0" "$rc/$out" "0/$out"

# A password in conninfo makes the file a secret (the role has none; the
# cluster trusts its socket, so the password is not needed to connect).
config "$work/secret.conf" conninfo="host=$PGHOST port=${PGPORT:-5432} dbname=$db user=$role password=not-used"
chmod 644 "$work/secret.conf"
chk "$work/secret.conf"
check_has "a configuration with a password, readable by others: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the configuration file \"$work/secret.conf\" holds a database password and is readable by others"
if grep -qF "not-used" <<<"$out"; then fail "the message shows the password"; else pass "the message does not show the password"; fi
chmod 640 "$work/secret.conf"
chk "$work/secret.conf"
check "the same configuration, 0640: --check exits 0" "$rc/$out" "0/$out"
config "$work/secret-uri.conf" conninfo="postgresql://$role:not-used@/$db?host=$PGHOST&port=${PGPORT:-5432}"
chmod 644 "$work/secret-uri.conf"
chk "$work/secret-uri.conf"
check_has "a URI with a password, readable by others: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the configuration file \"$work/secret-uri.conf\" holds a database password"
chmod 640 "$work/secret-uri.conf"
chk "$work/secret-uri.conf"
check "the same URI, 0640: --check exits 0" "$rc/$out" "0/$out"

say "directories others may write to"
mkdir "$work/open-dir"
cp "$work/certs/client.key" "$work/certs/ca.crt" "$work/open-dir/"
chmod 600 "$work/open-dir/client.key"
config "$work/open-dir.conf" client_key="$work/open-dir/client.key" ca_file="$work/open-dir/ca.crt"
chmod 777 "$work/open-dir"
chk "$work/open-dir.conf"
check "key and CA file in a world-writable directory: --check exits $cfg_err" "$rc" "$cfg_err"
check_has "... the key, naming the directory" "$out" "the client_key file \"$work/open-dir/client.key\" is in the directory \"$work/open-dir\", which others may write to without the sticky bit"
check_has "... and the CA file" "$out" "the ca_file \"$work/open-dir/ca.crt\" is in the directory \"$work/open-dir\""
chmod 1777 "$work/open-dir"
chk "$work/open-dir.conf"
check "the same directory with the sticky bit: --check exits 0" "$rc/$out" "0/$out"
chmod 755 "$work/open-dir"
mkdir -m 755 "$work/open-dir/deeper"
mv "$work/open-dir/client.key" "$work/open-dir/deeper/"
config "$work/deeper.conf" client_key="$work/open-dir/deeper/client.key"
chk "$work/deeper.conf"
check "a key two directories down, all 0755: --check exits 0" "$rc/$out" "0/$out"
chmod 777 "$work/open-dir"
chk "$work/deeper.conf"
check_has "a world-writable directory further up: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the client_key file \"$work/open-dir/deeper/client.key\" is in the directory \"$work/open-dir\""
chmod 755 "$work/open-dir"
ln -s "$work/open-dir/deeper/client.key" "$work/link.key"
config "$work/link.conf" client_key="$work/link.key"
chk "$work/link.conf"
check "a key through a symbolic link, all directories 0755: --check exits 0" "$rc/$out" "0/$out"
chmod 777 "$work/open-dir/deeper"
chk "$work/link.conf"
check_has "a key through a symbolic link into a world-writable directory: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: the client_key file \"$work/link.key\" is in the directory \"$work/open-dir/deeper\""
chmod 755 "$work/open-dir/deeper"

say "no plain-text database connection to another host"
# db.example.invalid never resolves (RFC 6761): the refusal must come
# before libpq tries, and with database_plaintext = allow libpq's own
# "could not translate host name" shows that the check let it through.
remote="host=db.example.invalid port=5432 dbname=$db user=$role"
for mode in disable allow prefer; do
	config "$work/plain.conf" conninfo="$remote sslmode=$mode"
	chk "$work/plain.conf"
	check "sslmode=$mode to another host: --check exits $cfg_err" "$rc" "$cfg_err"
	check_has "sslmode=$mode to another host: says what to set" "$out" "the database connection to \"db.example.invalid\" would not be encrypted (sslmode $mode): add sslmode=verify-full to conninfo, or set database_plaintext = allow"
	if grep -qF "could not translate host name" <<<"$out"; then fail "sslmode=$mode: libpq tried to connect"; else pass "sslmode=$mode: refused before connecting"; fi
done
config "$work/plain.conf" conninfo="$remote"
chk "$work/plain.conf"
check_has "no sslmode (libpq's default prefer) to another host: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: $work/plain.conf: the database connection to \"db.example.invalid\" would not be encrypted (sslmode prefer)"
config "$work/plain.conf" conninfo="$remote sslmode=disable" database_plaintext=allow
chk "$work/plain.conf"
check "sslmode=disable to another host with database_plaintext = allow: --check exits 1" "$rc" 1
check_has "... because libpq tried and found no such host" "$out" "eckid-nv-worker: connecting to the database failed: could not translate host name \"db.example.invalid\""
for mode in require verify-ca verify-full; do
	config "$work/plain.conf" conninfo="$remote sslmode=$mode"
	chk "$work/plain.conf"
	check_has "sslmode=$mode to another host: libpq tries" "$rc/$out" "could not translate host name \"db.example.invalid\""
done
config "$work/plain.conf" conninfo="postgresql://$role@db.example.invalid/$db?sslmode=disable"
chk "$work/plain.conf"
check_has "a URI with sslmode=disable to another host: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: $work/plain.conf: the database connection to \"db.example.invalid\" would not be encrypted (sslmode disable)"
config "$work/plain.conf" conninfo="host=localhost,db.example.invalid dbname=$db user=$role"
chk "$work/plain.conf"
check_has "a host list with another host in it: refused" "$rc/$out" "the database connection to \"db.example.invalid\" would not be encrypted"
config "$work/plain.conf" conninfo="host=localhost hostaddr=192.0.2.7 dbname=$db user=$role sslmode=disable"
chk "$work/plain.conf"
check_has "host=localhost with hostaddr of another host: refused (hostaddr is where libpq connects)" "$rc/$out" "the database connection to \"192.0.2.7\" would not be encrypted"

# The environment: libpq reads PGHOST and PGSSLMODE where conninfo is silent.
config "$work/env.conf" conninfo="dbname=$db user=$role"
out=$(env PGHOST=db.example.invalid PGSSLMODE=disable "$worker" --check "$work/env.conf" 2>&1) && rc=0 || rc=$?
check_has "PGHOST of another host and PGSSLMODE=disable: refused" "$rc/$out" "$cfg_err/eckid-nv-worker: $work/env.conf: the database connection to \"db.example.invalid\" would not be encrypted (sslmode disable)"
out=$(env PGHOST=db.example.invalid PGSSLMODE=require "$worker" --check "$work/env.conf" 2>&1) && rc=0 || rc=$?
check_has "PGHOST of another host and PGSSLMODE=require: libpq tries" "$rc/$out" "could not translate host name \"db.example.invalid\""

# Loopback and the Unix socket stay allowed: 127.0.0.2 and ::1 are loopback
# (the cluster listens on no TCP port, so libpq's refusal to connect shows
# that the check let them through), the socket connects.
for h in 127.0.0.2 ::1 localhost; do
	config "$work/plain.conf" conninfo="host=$h port=1 dbname=$db user=$role sslmode=disable connect_timeout=2"
	chk "$work/plain.conf"
	if grep -qF "would not be encrypted" <<<"$out"; then fail "host=$h sslmode=disable: refused"; else pass "host=$h sslmode=disable: allowed (loopback)"; fi
	check_has "host=$h: libpq tried to connect" "$out" "connecting to the database failed"
done
config "$work/plain.conf" conninfo="host=$PGHOST port=${PGPORT:-5432} dbname=$db user=$role sslmode=disable"
chk "$work/plain.conf"
check "the Unix socket with sslmode=disable: --check exits 0" "$rc/$out" "0/$out"

say "a service file naming another host: refused once connected"
# The pre-check cannot see a service file; the connection is checked again
# once made.  A proxy on this machine's own non-loopback address forwards
# to the cluster's socket, so that a connection over TCP to "another host"
# really succeeds without a network.
addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -n 1 || true)
if [ -z "$addr" ]; then
	fail "this machine has no non-loopback IPv4 address to test a service file with"
else
	python3 - "$addr" "$PGHOST/.s.PGSQL.${PGPORT:-5432}" "$work/proxy.port" <<'PY' &
import socket, sys, threading
addr, sock_path, port_file = sys.argv[1:]
srv = socket.socket()
srv.bind((addr, 0))
srv.listen(8)
open(port_file + ".tmp", "w").write(str(srv.getsockname()[1]))
__import__("os").rename(port_file + ".tmp", port_file)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
while True:
    c, _ = srv.accept()
    u = socket.socket(socket.AF_UNIX)
    u.connect(sock_path)
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
PY
	sim_pids+=($!)
	for _ in $(seq 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
	printf '[remote]\nhost=%s\nport=%s\nsslmode=disable\n' "$addr" "$(cat "$work/proxy.port")" >"$work/pg_service.conf"
	config "$work/service.conf" conninfo="service=remote dbname=$db user=$role"
	out=$(PGSERVICEFILE=$work/pg_service.conf "$worker" --check "$work/service.conf" 2>&1) && rc=0 || rc=$?
	check "a service file with another host and sslmode=disable: --check exits 1" "$rc" 1
	check_has "... the connection refused once made" "$out" "the database connection to \"$addr\" is not encrypted: add sslmode=verify-full to conninfo (or its service), or set database_plaintext = allow"
	config "$work/service.conf" conninfo="service=remote dbname=$db user=$role" database_plaintext=allow
	out=$(PGSERVICEFILE=$work/pg_service.conf "$worker" --check "$work/service.conf" 2>&1) && rc=0 || rc=$?
	check "the same with database_plaintext = allow: --check exits 0 (the proxy works)" "$rc/$out" "0/$out"
fi

say "the running worker checks the same"
config "$work/plain.conf" conninfo="$remote sslmode=disable"
rc=$(run_once "$work/plain.conf" "$work/run.log")
check "worker --once with sslmode=disable to another host: exits $cfg_err" "$rc" "$cfg_err"
check_has "... saying why" "$(cat "$work/run.log")" "would not be encrypted (sslmode disable)"
chmod 666 "$work/open-ca.crt"
rc=$(run_once "$work/open-ca.conf" "$work/run.log")
check "worker --once with a world-writable CA file: exits $cfg_err" "$rc" "$cfg_err"
check_has "... saying why" "$(cat "$work/run.log")" "the ca_file \"$work/open-ca.crt\" is writable by group or others"

nv_finish
