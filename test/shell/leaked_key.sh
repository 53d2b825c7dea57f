#!/usr/bin/env bash
# Replacing a leaked key for recipient pseudonyms (docs/security.md,
# "Replacing a leaked key"): eckid.pseudonym_key_file set to a new key and
# recorded with eckid.record_secret_fingerprints().  Before and after: the
# stored local ECK iDs stay, a known pupil entered again gets the same local
# ECK iD, every recipient pseudonym changes (the recipient view and
# eckid.pseudonymize() agree), and a server configured without the new
# pseudonym key (the old, leaked one) refuses to make pseudonyms with 55000
# while the local derivation goes on.  security_check()'s row for the
# pseudonym key in each state; and with a pseudonym key configured, a
# recipient view no longer ties the derivation key (record_secret_
# fingerprints() records a new one there, and refuses it without).
#
# Uses the cluster scripts/cluster started (PGHOST etc., ECKID_DATA); changes
# its settings through the test include file of postgresql.conf, as
# fingerprint_restore.sh does, and puts them back.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
set -euo pipefail

chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
sector=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725
db=eckid_leaked_key
db2=eckid_leaked_key_views
conf=$ECKID_DATA/eckid_test.conf
new_key=$ECKID_TMP/pseudonym.key
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
err() { { psql -X -q -At -v VERBOSITY=verbose -d "$db" -c "$1" 2>&1 >/dev/null || true; } | sed -n 's/^ERROR:  //p' | head -n 1; }
err2() { { psql -X -q -At -v VERBOSITY=verbose -d "$db2" -c "$1" 2>&1 >/dev/null || true; } | sed -n 's/^ERROR:  //p' | head -n 1; }
generation=0
reconfigure() {
	generation=$((generation + 1))
	printf '%s\neckid_leaked_key_test.generation = %d\n' "$1" "$generation" | as_pg tee "$conf" >/dev/null
	psql -X -q -At -d postgres -c "SELECT pg_reload_conf()" >/dev/null
	for _ in $(seq 1 100); do
		[ "$(psql -X -At -d postgres -c "SELECT current_setting('eckid_leaked_key_test.generation', true)")" = "$generation" ] && return 0
		sleep 0.1
	done
	echo "the configuration reload was not seen"; return 1
}
cleanup() {
	reconfigure "# eckid_test.conf: nothing" || true
	dropdb --if-exists "$db" >/dev/null 2>&1 || true
	dropdb --if-exists "$db2" >/dev/null 2>&1 || true
	as_pg rm -f "$new_key" "$new_key.other" "$new_key.derivation" || true
}
trap cleanup EXIT

say "before: pupils with local ECK iDs, a recipient view"
createdb "$db"
createdb "$db2"
q >/dev/null <<SQL
CREATE EXTENSION eckid;
CREATE TABLE pupil (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector');
CREATE TABLE pupil_next_year (LIKE pupil);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil_next_year FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector');
INSERT INTO pupil (id, pgn) VALUES (1, '063138219'), (2, '12345672'), (3, '111222333');
SELECT eckid.create_masked_view('pupil', 'pupil_for_a', '{pgn,hpgn}', 'uitgeverij-a') IS NOT NULL;
SQL
ids_before=$(q -c "SELECT id || ' ' || eck_id FROM pupil ORDER BY id")
export_q="SELECT id || ' ' || eck_id FROM pupil_for_a ORDER BY id"
export_before=$(q -c "$export_q")
check "the recipient view shows a pseudonym per pupil" same "$(wc -l <<<"$export_before")" 3
check "the database recorded the salt and the key" same "$(q -c "SELECT string_agg(secret, ',' ORDER BY secret) FROM eckid.secret_fingerprint")" key,salt
pk_status="SELECT status FROM eckid.security_check() WHERE check_name = 'pseudonym key fingerprint'"
check "security_check(): no separate pseudonym key is ok" same "$(q -c "$pk_status")" ok

say "rotate: a new pseudonym key, recorded on purpose"
as_pg sh -c "umask 077; openssl rand -hex 32 > '$new_key'"
reconfigure "eckid.pseudonym_key_file = '$new_key'"
check "record_secret_fingerprints() records the pseudonym key, the salt and the key unchanged" \
	same "$(q -c "SELECT string_agg(secret || ':' || action, ',' ORDER BY secret) FROM eckid.record_secret_fingerprints()")" \
	"key:unchanged,pseudonym key:recorded,salt:unchanged"

say "after"
check "the stored local ECK iDs are unchanged" same "$(q -c "SELECT id || ' ' || eck_id FROM pupil ORDER BY id")" "$ids_before"
q -c "INSERT INTO pupil_next_year (id, pgn) VALUES (1, '063138219'), (2, '12345672'), (3, '111222333')"
check "a known pupil entered again gets the same local ECK iD" \
	same "$(q -c "SELECT id || ' ' || eck_id FROM pupil_next_year ORDER BY id")" "$ids_before"
export_after=$(q -c "$export_q")
check "the recipient view still shows a pseudonym per pupil" same "$(wc -l <<<"$export_after")" 3
check "every recipient pseudonym changed" same \
	"$(comm -12 <(sort <<<"$export_before") <(sort <<<"$export_after") | wc -l)" 0
check "eckid.pseudonymize() gives the view's new pseudonyms" same \
	"$(q -c "SELECT id || ' ' || eckid.pseudonymize(eck_id, 'uitgeverij-a') FROM pupil ORDER BY id")" "$export_after"
check "security_check(): the recorded pseudonym key matches" same "$(q -c "$pk_status")" ok

say "the old key for pseudonyms is refused"
reconfigure "# the pseudonym key file forgotten: the old key again"
pk_err="55000: the configured pseudonym key is not the one recorded for this database's recipient pseudonyms"
check "the recipient view refuses the old key with 55000, naming the pseudonym key" same "$(err "$export_q")" "$pk_err"
check "so does eckid.pseudonymize()" same "$(err "SELECT eckid.pseudonymize(eck_id, 'uitgeverij-a') FROM pupil")" "$pk_err"
check "security_check(): a pseudonym key recorded but none configured is a problem" same "$(q -c "$pk_status")" problem
q -c "INSERT INTO pupil_next_year (id, pgn) VALUES (4, '101222331')"
check "the local derivation goes on (the trigger stored an ECK iD)" \
	same "$(q -c "SELECT eck_id IS NOT NULL FROM pupil_next_year WHERE id = 4")" t
reconfigure "eckid.pseudonym_key_file = '$new_key'"
check "with the new key again, the view gives the new pseudonyms" same "$(q -c "$export_q")" "$export_after"
as_pg sh -c "umask 077; openssl rand -hex 32 > '$new_key.other'"
reconfigure "eckid.pseudonym_key_file = '$new_key.other'"
check "security_check(): another pseudonym key than the recorded one is a problem" same "$(q -c "$pk_status")" problem
reconfigure "eckid.pseudonym_key_file = '$new_key'"

say "with a pseudonym key of their own, recipient views do not depend on the derivation key"
# a database whose only use of the derivation key is a recipient view (no
# stored ECK iD): a new derivation key is refused without a pseudonym key,
# recorded with one
q -d "$db2" >/dev/null <<SQL
CREATE EXTENSION eckid;
CREATE TABLE staff (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
CREATE TRIGGER staff_eckid BEFORE INSERT OR UPDATE ON staff FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector');
SELECT eckid.create_masked_view('staff', 'staff_for_a', '{pgn,hpgn}', 'uitgeverij-a') IS NOT NULL;
SELECT count(*) FROM eckid.record_secret_fingerprints();
SQL
as_pg sh -c "umask 077; openssl rand -hex 32 > '$new_key.derivation'"
reconfigure "eckid.key_file = '$new_key.derivation'"
check "without a pseudonym key, a new derivation key is refused: the recipient view depends on it" \
	same "$(err2 "SELECT * FROM eckid.record_secret_fingerprints()")" \
	"55000: the configured key is not the one this database was filled with, and stored values depend on it"
reconfigure "eckid.key_file = '$new_key.derivation'
eckid.pseudonym_key_file = '$new_key'"
check "with the pseudonym key (recorded when the database was made), the same new derivation key is recorded" \
	same "$(q -d "$db2" -c "SELECT string_agg(secret || ':' || action, ',' ORDER BY secret) FROM eckid.record_secret_fingerprints()")" \
	"key:replaced,pseudonym key:unchanged,salt:unchanged"
checks_done
