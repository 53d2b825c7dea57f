#!/usr/bin/env bash
# pg_upgrade from a PostgreSQL 15 cluster holding eckid data to a fresh 15
# cluster: every value stays readable and byte-identical, indexes stay valid,
# replacement records stay, and the functions give the same results.
# Runs two clusters of its own (as the unprivileged user lib.sh picks).
source "$(dirname "$0")/../../scripts/lib.sh"
set -euo pipefail

fail() { echo "FAIL: $*"; exit 1; }

work=$(mktemp -d /tmp/eckid-upgrade.XXXXXX)
chmod 700 "$work"
[ "$(id -u)" -eq 0 ] && chown "$ECKID_PG_USER": "$work"
cleanup() {
	for d in old new; do
		[ -f "$work/$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$work/$d" -m fast -w -s stop || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

as_pg sh -c "umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > '$work/eckid.key'"
for d in old new; do
	as_pg "$PGBIN/initdb" -D "$work/$d" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$work'"
		echo "shared_preload_libraries = 'eckid'"
		echo "eckid.salt = '$ECKID_TEST_SALT'"
		echo "eckid.key_file = '$work/eckid.key'"
	} | as_pg tee -a "$work/$d/postgresql.conf" >/dev/null
done
echo "port = 5433" | as_pg tee -a "$work/old/postgresql.conf" >/dev/null
echo "port = 5434" | as_pg tee -a "$work/new/postgresql.conf" >/dev/null

q() { psql -X -q -v ON_ERROR_STOP=1 -At -h "$work" -U postgres "$@"; }

as_pg "$PGBIN/pg_ctl" -D "$work/old" -l "$work/old.log" -w -s start
q -p 5433 -d postgres -c "CREATE DATABASE las"
q -p 5433 -d las <<'SQL'
CREATE EXTENSION eckid;
CREATE EXTENSION amcheck;
ALTER DATABASE las SET search_path = "$user", public, eckid;
SET search_path = public, eckid;
CREATE TABLE pupil (id int PRIMARY KEY, hpgn text, stamp eckid.eckid, eck_id eckid.eckid UNIQUE);
INSERT INTO pupil
SELECT i, encode(sha256(convert_to('pupil ' || i, 'UTF8')), 'hex'), NULL,
       ('https://ketenid.nl/' || (ARRAY['201703', 'pilot', 'abcdefghij012345'])[1 + i % 3] || '/'
        || encode(sha512(convert_to('id ' || i, 'UTF8')), 'hex'))::eckid.eckid
  FROM generate_series(1, 2000) i;
UPDATE pupil SET stamp = eckid.stampseudonym(hpgn) WHERE id <= 100;
CREATE INDEX pupil_eck_id_hash ON pupil USING hash (eck_id);
SELECT eckid.replace_hpgn((SELECT hpgn FROM pupil WHERE id = 1), (SELECT hpgn FROM pupil WHERE id = 2));
SQL
snapshot="SELECT id, eck_id::text, encode(eckid.digest(eck_id), 'hex'), eckid.segment(eck_id), stamp::text,
                 eckid.stampseudonym(hpgn)::text FROM pupil ORDER BY id"
q -p 5433 -d las -c "$snapshot" > "$work/before.txt"
q -p 5433 -d las -c "SELECT new_hpgn, old_hpgn, effective FROM eckid.hpgn_replacement ORDER BY 1" > "$work/repl_before.txt"
# the fingerprints of the salt and the key: the UPDATE above recorded the
# key's; record the salt's too, then they must survive as they are
q -p 5433 -d las -c "SELECT * FROM eckid.record_secret_fingerprints()" >/dev/null
fingerprints="SELECT secret, fingerprint, recorded_at FROM eckid.secret_fingerprint ORDER BY secret"
q -p 5433 -d las -c "$fingerprints" > "$work/fp_before.txt"
as_pg "$PGBIN/pg_ctl" -D "$work/old" -m fast -w -s stop

echo "running pg_upgrade"
(cd "$work" && as_pg "$PGBIN/pg_upgrade" -b "$PGBIN" -B "$PGBIN" -d "$work/old" -D "$work/new" \
	-p 5433 -P 5434 -U postgres >"$work/pg_upgrade.log" 2>&1) || { tail -n 30 "$work/pg_upgrade.log"; fail "pg_upgrade failed"; }

as_pg "$PGBIN/pg_ctl" -D "$work/new" -l "$work/new.log" -w -s start
q -p 5434 -d las -c "$snapshot" > "$work/after.txt"
q -p 5434 -d las -c "SELECT new_hpgn, old_hpgn, effective FROM eckid.hpgn_replacement ORDER BY 1" > "$work/repl_after.txt"
cmp -s "$work/before.txt" "$work/after.txt" || { diff "$work/before.txt" "$work/after.txt" | head; fail "values differ after pg_upgrade"; }
[ "$(wc -l < "$work/after.txt")" -eq 2000 ] || fail "expected 2000 rows after pg_upgrade"
cmp -s "$work/repl_before.txt" "$work/repl_after.txt" || fail "replacement records differ after pg_upgrade"
[ -s "$work/repl_after.txt" ] || fail "no replacement record after pg_upgrade"
q -p 5434 -d las -c "$fingerprints" > "$work/fp_after.txt"
[ "$(wc -l < "$work/fp_before.txt")" -eq 2 ] || fail "expected the fingerprints of the salt and the key before pg_upgrade"
cmp -s "$work/fp_before.txt" "$work/fp_after.txt" || fail "the recorded fingerprints differ after pg_upgrade"
[ "$(q -p 5434 -d las -c "SELECT string_agg(status, ',') FROM eckid.security_check() WHERE check_name IN ('salt fingerprint', 'key fingerprint')")" = ok,ok ] \
	|| fail "after pg_upgrade security_check() does not find both fingerprints matching"
q -p 5434 -d las -c "SELECT bt_index_check('pupil_eck_id_key'::regclass, true)" >/dev/null || fail "btree index fails amcheck"
n=$(q -p 5434 -d las -c "SET enable_seqscan = off; SELECT count(*) FROM pupil a JOIN pupil b USING (eck_id)")
[ "$n" = 2000 ] || fail "index join after pg_upgrade found $n rows, not 2000"
n=$(q -p 5434 -d las -c "SET enable_seqscan = off; SET enable_bitmapscan = off;
	SELECT count(*) FROM pupil p WHERE eck_id = (SELECT eck_id FROM pupil WHERE id = 7)")
[ "$n" = 1 ] || fail "hash or btree index lookup after pg_upgrade found $n rows"
echo "ok: pg_upgrade 15 -> 15 kept 2000 eckid values byte-identical (text, digest, segment), the stamps and"
echo "    stampseudonym() results, the replacement record, the recorded fingerprints of the salt and the key,"
echo "    a valid btree index and a working hash index"
