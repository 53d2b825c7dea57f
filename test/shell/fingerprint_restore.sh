#!/usr/bin/env bash
# The fingerprints of the salt and the key travel with pg_dump: a database
# dumped and restored (custom format) into a database of a cluster with the
# same salt and key works; with another key file, or another salt (as a
# switch from Kennisnet's test salt to the production salt would be), every
# derivation that needs the changed secret refuses with 55000 and a message
# naming it, while a fresh database under the same other secrets works (the
# refusal comes from the recorded fingerprint, not from the secret).  Then
# eckid.record_secret_fingerprints() refuses, and with force accepts.
#
# Uses the cluster scripts/test started (PGHOST etc., ECKID_DATA); changes
# its secrets through the test include file of postgresql.conf, as
# dump_restore.sh does, and puts them back.
source "$(dirname "$0")/../../scripts/lib.sh"
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
q() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
# the SQLSTATE and message of a statement that must fail
err() { local db=$1; shift; { psql -X -q -At -v VERBOSITY=verbose -d "$db" -c "$@" 2>&1 >/dev/null || true; } | sed -n 's/^ERROR:  //p' | head -n 1; }
chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
sector=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725
salt_err='55000: the configured eckid.salt is not the salt this database was filled with'
key_err='55000: the configured local derivation key is not the key this database was filled with'
work=$(mktemp -d /tmp/eckid-fp.XXXXXX)
chmod 755 "$work"
conf=$ECKID_DATA/eckid_test.conf
other_key=$ECKID_TMP/fingerprint_other.key
dbs="eckid_fp_src eckid_fp_right eckid_fp_wrong_key eckid_fp_wrong_salt eckid_fp_fresh"

# Write the test include file of postgresql.conf with a marker setting,
# reload, and wait until a fresh session sees the marker (the secrets'
# settings cannot be seen: SHOW eckid.salt is always ********).
generation=0
reconfigure() {
	generation=$((generation + 1))
	printf '%s\neckid_fp_test.generation = %d\n' "$1" "$generation" | as_pg tee "$conf" >/dev/null
	q postgres -c "SELECT pg_reload_conf()" >/dev/null
	for _ in $(seq 1 100); do
		[ "$(q postgres -c "SELECT current_setting('eckid_fp_test.generation', true)")" = "$generation" ] && return 0
		sleep 0.1
	done
	fail "the configuration reload was not seen"
}
cleanup() {
	reconfigure "# eckid_test.conf: nothing" || true
	for db in $dbs; do dropdb --if-exists "$db" >/dev/null 2>&1 || true; done
	as_pg rm -f "$other_key" || true
	rm -rf "$work"
}
trap cleanup EXIT

# A database filled with the cluster's salt and key
createdb eckid_fp_src
q eckid_fp_src >/dev/null <<SQL
CREATE EXTENSION eckid;
CREATE TABLE pupil (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector');
INSERT INTO pupil (id, pgn) VALUES (1, '063138219');
SQL
[ "$(q eckid_fp_src -c "SELECT string_agg(secret, ',' ORDER BY secret) FROM eckid.secret_fingerprint")" = key,salt ] \
	|| fail "the first row did not record both fingerprints"
pg_dump -Fc -f "$work/src.dump" eckid_fp_src

# Restored with the same secrets: works, the same fingerprints, and a new
# pupil gets what the source gives it
createdb eckid_fp_right
pg_restore --exit-on-error -d eckid_fp_right "$work/src.dump"
[ "$(q eckid_fp_right -c "SELECT string_agg(secret || fingerprint, ',' ORDER BY secret) FROM eckid.secret_fingerprint")" = \
  "$(q eckid_fp_src -c "SELECT string_agg(secret || fingerprint, ',' ORDER BY secret) FROM eckid.secret_fingerprint")" ] \
	|| fail "the restore did not carry the fingerprints"
q eckid_fp_right -c "INSERT INTO pupil (id, pgn) VALUES (2, '111222333')"
q eckid_fp_src -c "INSERT INTO pupil (id, pgn) VALUES (2, '111222333')"
[ "$(q eckid_fp_right -c "SELECT eck_id::text FROM pupil WHERE id = 2")" = "$(q eckid_fp_src -c "SELECT eck_id::text FROM pupil WHERE id = 2")" ] \
	|| fail "with the right secrets the restored database derives another ECK iD"
[ "$(q eckid_fp_right -c "SELECT string_agg(status, ',') FROM eckid.security_check() WHERE check_name IN ('salt fingerprint', 'key fingerprint')")" = ok,ok ] \
	|| fail "security_check() does not report matching fingerprints"
echo "ok: restored with the right salt and key, it works"

# Another key file
as_pg sh -c "umask 077; openssl rand -hex 32 > '$other_key'"
reconfigure "eckid.key_file = '$other_key'"
createdb eckid_fp_wrong_key
pg_restore --exit-on-error -d eckid_fp_wrong_key "$work/src.dump"
got=$(err eckid_fp_wrong_key "INSERT INTO pupil (id, pgn) VALUES (3, '123456782')")
[ "$got" = "$key_err" ] || fail "a restore under another key: the trigger says \"$got\""
got=$(err eckid_fp_wrong_key "SELECT eckid.local_stampseudonym(hpgn) FROM pupil")
[ "$got" = "$key_err" ] || fail "a restore under another key: local_stampseudonym() says \"$got\""
[ "$(q eckid_fp_wrong_key -c "SELECT eckid.hpgn('123456782') = hpgn FROM (SELECT eckid.hpgn('123456782') AS hpgn) h")" = t ] \
	|| fail "a restore under another key: eckid.hpgn() (salt only) does not work"
[ "$(q eckid_fp_wrong_key -c "SELECT status FROM eckid.security_check() WHERE check_name = 'key fingerprint'")" = problem ] \
	|| fail "security_check() does not report the other key"
got=$(err eckid_fp_wrong_key "SELECT * FROM eckid.record_secret_fingerprints()")
[ "${got%%:*}" = 55000 ] || fail "record_secret_fingerprints() did not refuse: \"$got\""
# the positive: a fresh database under the same other key derives
createdb eckid_fp_fresh
q eckid_fp_fresh -c "CREATE EXTENSION eckid" -c "SELECT eckid.local_stampseudonym(repeat('ab', 32))" >/dev/null \
	|| fail "a fresh database under the other key does not derive"
# and on purpose: force records the other key; then the trigger works
q eckid_fp_wrong_key -c "SELECT * FROM eckid.record_secret_fingerprints(force => true)" >/dev/null
q eckid_fp_wrong_key -c "INSERT INTO pupil (id, pgn) VALUES (3, '123456782')"
echo "ok: restored with another key, it refuses until the key is recorded on purpose"

# Another salt, the source's key
reconfigure "eckid.salt = '$(openssl rand -base64 16)'"
createdb eckid_fp_wrong_salt
pg_restore --exit-on-error -d eckid_fp_wrong_salt "$work/src.dump"
got=$(err eckid_fp_wrong_salt "SELECT eckid.hpgn('123456782')")
[ "$got" = "$salt_err" ] || fail "a restore under another salt: eckid.hpgn() says \"$got\""
got=$(err eckid_fp_wrong_salt "INSERT INTO pupil (id, pgn) VALUES (3, '123456782')")
[ "$got" = "$salt_err" ] || fail "a restore under another salt: the trigger says \"$got\""
[ "$(q eckid_fp_wrong_salt -c "SELECT eckid.local_stampseudonym(hpgn) IS NOT NULL FROM pupil WHERE id = 1")" = t ] \
	|| fail "a restore under another salt: local_stampseudonym() (key only) does not work"
q eckid_fp_fresh -c "SELECT eckid.hpgn('123456782')" >/dev/null || fail "a fresh database under the other salt does not hash"
echo "ok: restored with another salt, it refuses"

# Back to the cluster's own secrets: the first restore works again
reconfigure "# eckid_test.conf: nothing"
q eckid_fp_right -c "INSERT INTO pupil (id, pgn) VALUES (3, '123456782')" || fail "the right secrets no longer work"
echo "ok: fingerprint_restore"
