#!/usr/bin/env bash
# Reporting on a hot standby (docs/replicas.md): a streaming replica of the
# test cluster (pg_basebackup -R, a second cluster on its own socket) with
# the same salt and key.  Masked views and recipient views read there give
# the primary's answers; eckid.hpgn() and the local derivation give the
# primary's values; log redaction works in the standby's log; what writes
# (the trigger, the Nummervoorziening queue, the backfill, masked-view DDL)
# fails with the read-only error 25006.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/replicas.sh"
set -euo pipefail

chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
sector=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725
db=eckid_standby
cleanup() {
	PGDATABASE=postgres dropdb --if-exists "$db" >/dev/null 2>&1 || true
	PGDATABASE=postgres dropdb --if-exists eckid_standby_fresh >/dev/null 2>&1 || true
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS eckid_standby_report" >/dev/null 2>&1 || true
}
on_exit cleanup

say "the primary: a table with the trigger, a masked view and a recipient view"
createdb "$db"
export PGDATABASE=$db
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION eckid;
CREATE ROLE eckid_standby_report LOGIN;
CREATE TABLE pupil (id serial PRIMARY KEY, name text, pgn text, hpgn text, eck_id eckid.eckid UNIQUE);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector', 'wipe_pgn');
INSERT INTO pupil (name, pgn) VALUES ('Anna', '063138219'), ('Bram', '12345672');
INSERT INTO pupil (name) VALUES ('Chloe');
SELECT eckid.create_masked_view('pupil', 'pupil_report', hide => '{pgn,hpgn}') IS NOT NULL AS made \gset
SELECT eckid.create_masked_view('pupil', 'pupil_uitgeverij', '{pgn,hpgn}', 'uitgeverij-a') IS NOT NULL AS made \gset
GRANT SELECT ON pupil_report, pupil_uitgeverij TO eckid_standby_report;
SQL

say "the standby"
start_standby standby \
	"log_statement = 'all'" \
	"log_min_error_statement = error" \
	"log_error_verbosity = verbose"
wait_replay standby
sb() { psql -X -At -h "$standby_HOST" "$@"; }
pr() { psql -X -At "$@"; }
check "the standby is in recovery (a hot standby)" same "$(sb -c 'SELECT pg_is_in_recovery()')" t

report='SELECT * FROM pupil_report ORDER BY id'
export_sql='SELECT * FROM pupil_uitgeverij ORDER BY id'
primary_report=$(pr -U eckid_standby_report -c "$report")
primary_export=$(pr -U eckid_standby_report -c "$export_sql")
check "the masked view on the primary shows masked ECK iDs (the probe sees rows)" has "$primary_report" "https://ketenid.nl/local/"
check "the masked view read on the standby gives the primary's rows" \
	same "$(sb -U eckid_standby_report -c "$report")" "$primary_report"
check "the recipient view read on the standby gives the primary's pseudonyms" \
	same "$(sb -U eckid_standby_report -c "$export_sql")" "$primary_export"
check "the recipient view has pseudonyms, not the stored ECK iDs" \
	bash -c '! grep -q -F -f <(psql -X -At -c "SELECT eck_id::text FROM pupil WHERE eck_id IS NOT NULL") <<<"$1"' _ "$primary_export"

values="SELECT eckid.hpgn('063138219'), eckid.local_stampseudonym(eckid.hpgn('12345672')),
	eckid.derive(eckid.local_stampseudonym(eckid.hpgn('12345672'))::eckid.eckid, '$chain', '$sector'),
	eckid.pseudonymize(eck_id, 'uitgeverij-a') FROM pupil WHERE name = 'Bram'"
primary_values=$(pr -c "$values")
check "eckid.hpgn(), the local derivation and pseudonymize() on the standby give the primary's values" \
	same "$(sb -c "$values")" "$primary_values"
check "... which are the stored ones" \
	has "$primary_values" "$(pr -c "SELECT hpgn || '|' FROM pupil WHERE name = 'Anna'")"

# FINGERPRINT: the standby checks its own secrets against the row it
# replays from the primary (docs/security.md, "Fingerprints of the salt and
# the key"): the same secrets work, another key or salt refuses with the
# primary's error, and a database with nothing recorded derives unchecked
# there (a standby cannot record) while security_check() warns.
say "the fingerprints on the standby"
createdb eckid_standby_fresh
psql -X -q -d eckid_standby_fresh -c "CREATE EXTENSION eckid"
wait_replay standby
fp_status() { sb -d "$1" -c "SELECT string_agg(status, ',' ORDER BY check_name) FROM eckid.security_check() WHERE check_name IN ('salt fingerprint', 'key fingerprint')"; }
sb_err() { { sb -d "$1" -v VERBOSITY=verbose -c "$2" 2>&1 || true; } | sed -n 's/^ERROR: *//p' | head -n 1; }
check "the primary recorded both fingerprints when the first rows were stored" \
	same "$(pr -c "SELECT string_agg(secret, ',' ORDER BY secret) FROM eckid.secret_fingerprint")" key,salt
check "the standby, with the primary's secrets, finds both fingerprints matching" same "$(fp_status "$db")" ok,ok
check "a database with nothing recorded: security_check() on the standby warns" same "$(fp_status eckid_standby_fresh)" warning,warning
sb_conf=$REPLICAS_DIR/standby/data/postgresql.conf
sb_generation=0
sb_reconfigure() {
	sb_generation=$((sb_generation + 1))
	as_pg sed -i '/^# fingerprint test/,$d' "$sb_conf"
	printf '# fingerprint test\neckid_fp_test.generation = %d\n%s\n' "$sb_generation" "$1" | as_pg tee -a "$sb_conf" >/dev/null
	as_pg "$PGBIN/pg_ctl" -D "$REPLICAS_DIR/standby/data" -s reload
	for _ in $(seq 1 100); do
		[ "$(sb -d postgres -c "SELECT current_setting('eckid_fp_test.generation', true)")" = "$sb_generation" ] && return 0
		sleep 0.1
	done
	echo "the standby did not reload"; return 1
}
other_key=$REPLICAS_DIR/standby/other.key
as_pg sh -c "umask 077; openssl rand -hex 32 > '$other_key'"
key_err='55000: the configured local derivation key is not the key this database was filled with'
salt_err='55000: the configured eckid.salt is not the salt this database was filled with'
sb_reconfigure "eckid.key_file = '$other_key'"
check "a standby with another key: the recipient view refuses with 55000, naming the key" \
	same "$(sb_err "$db" "$export_sql")" "$key_err"
check "... and so does the local derivation" \
	same "$(sb_err "$db" "SELECT eckid.local_stampseudonym(eckid.hpgn('12345672'))")" "$key_err"
check "... while what needs only the salt works" same "$(sb -d "$db" -c "SELECT eckid.hpgn('063138219') = hpgn FROM pupil WHERE name = 'Anna'")" t
check "... and security_check() there says the key differs" same "$(fp_status "$db")" problem,ok
check "a database with nothing recorded derives under the other key on the standby, unchecked" \
	same "$(sb -d eckid_standby_fresh -c "SELECT eckid.local_stampseudonym(repeat('ab', 32)) IS NOT NULL")" t
sb_reconfigure "eckid.salt = '$(openssl rand -base64 16)'"
check "a standby with another salt: eckid.hpgn() refuses with 55000, naming the salt" \
	same "$(sb_err "$db" "SELECT eckid.hpgn('063138219')")" "$salt_err"
check "... while the recipient view (key only) works" same "$(sb -d "$db" -U eckid_standby_report -c "$export_sql")" "$primary_export"
sb_reconfigure "# the primary's secrets again"
check "with the primary's secrets again, the standby gives the primary's values" same "$(sb -d "$db" -c "$values")" "$primary_values"
# /FINGERPRINT

say "what writes fails with the read-only error"
ro() { { sb -v VERBOSITY=verbose -c "$1" 2>&1 || true; } | sed -n 's/^ERROR: *//p' | head -n 1; }
check "the trigger: an INSERT on the standby fails with 25006" \
	has "$(ro "INSERT INTO pupil (name, pgn) VALUES ('Dirk', '111222333')")" "25006: cannot execute INSERT in a read-only transaction"
check "the trigger: a PGN change on the standby fails with 25006" \
	has "$(ro "UPDATE pupil SET pgn = '111222333' WHERE name = 'Chloe'")" "25006: cannot execute UPDATE in a read-only transaction"
out=$(ro "CALL eckid.backfill('pupil')")
echo "    backfill: $out"
check "the backfill on the standby fails with 25006" has "$out" "25006"
out=$(ro "SELECT * FROM eckid.nv_claim('worker', 10, '5 minutes')")
echo "    nv_claim: $out"
check "the Nummervoorziening queue (nv_claim) on the standby fails with 25006" has "$out" "25006"
out=$(ro "SELECT eckid.create_masked_view('pupil', 'pupil_other', hide => '{pgn,hpgn}')")
echo "    create_masked_view: $out"
check "creating a masked view on the standby fails with 25006" has "$out" "25006"
out=$(ro "DROP VIEW pupil_report")
echo "    DROP VIEW: $out"
check "dropping a masked view's view on the standby fails with 25006" has "$out" "25006"
out=$(ro "SELECT eckid.drop_masked_view('pupil_report')")
echo "    drop_masked_view: $out"
check "eckid.drop_masked_view() on the standby fails with 25006" has "$out" "25006"
out=$(ro "SELECT eckid.replace_hpgn(eckid.hpgn('101222331'), eckid.hpgn('111222333'))")
echo "    replace_hpgn: $out"
check "replacing an HPgn on the standby fails with 25006" has "$out" "25006"

say "log redaction on the standby"
ids=$(pr -c "SELECT eck_id::text FROM pupil WHERE eck_id IS NOT NULL")
anna=$(pr -c "SELECT hpgn FROM pupil WHERE name = 'Anna'")
first_id=$(head -n 1 <<<"$ids")
sb -c "SELECT eckid.mask('$first_id'::eckid.eckid), length('$anna')" >/dev/null
sb -c "SELECT 1/0 FROM pupil WHERE eck_id = '$first_id'" >/dev/null 2>&1 || true
sb -c "SELECT 1" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$REPLICAS_DIR/standby/data" -w -s stop -m fast
log=$(cat "$standby_LOG")
check "the standby logged the statements (the probe: their redacted form is there)" \
	has "$log" "https://ketenid.nl/local/…"
check "the probe: the grep finds an ECK iD and the HPgn when planted in a copy of the log" \
	bash -c '{ cat "$1"; printf "%s\n%s\n" "$2" "$3"; } | [ "$(grep -c -F -e "$2" -e "$3")" -eq 2 ]' _ "$standby_LOG" "$first_id" "$anna"
check "the standby's log holds no stored ECK iD, the HPgn, nor the PGNs" \
	bash -c '! grep -q -F -e "$2" -e 063138219 -e 12345672 -f <(printf "%s\n" "$3") "$1"' _ "$standby_LOG" "$anna" "$ids"

checks_done
