#!/usr/bin/env bash
# pg_dump and pg_restore (plain and custom format) of a LAS database with the
# eckid.assign() trigger, PGN changes (replacement records), a masked view
# and grants.  After a restore into a fresh database: every stored value is
# byte-identical, the replacement records are the same rows, the masked view
# gives the reporting role the same rows, the trigger still works and gives a
# new row exactly the values the source database gives it, and nothing was
# recomputed: the restores run while the server has no salt and no key, so
# any hash or derivation during a restore would fail it.
#
#   dump_restore.sh             make the source database, dump it, restore
#                               it into the same cluster; with
#                               ECKID_CROSS_DUMP=DIR set, also leave the dumps,
#                               the source's snapshot and key file in DIR
#   dump_restore.sh --from DIR  restore the dumps in DIR (made by another
#                               PostgreSQL version) into this cluster and
#                               check them against the source's snapshot
#
# Uses the cluster scripts/test started (PGHOST etc., ECKID_DATA).
source "$(dirname "$0")/../../scripts/lib.sh"
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }
q() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
sector=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725
work=$(mktemp -d /tmp/eckid-dump.XXXXXX)
chmod 755 "$work"
conf=$ECKID_DATA/eckid_test.conf
from=
if [ "${1:-}" = --from ]; then
	from=${2:?usage: dump_restore.sh [--from DIR]}
	for f in plain.sql custom.dump src.txt after_insert.txt eckid.key version; do
		[ -f "$from/$f" ] || fail "$from/$f is missing: the source version's dump_restore.sh did not run to the end"
	done
fi

# Write the test include file of postgresql.conf, reload, and wait until a
# fresh session shows the expected mask of eckid.salt.
reconfigure() {
	printf '%s\n' "$1" | as_pg tee "$conf" >/dev/null
	psql -X -q -At -d postgres -c "SELECT pg_reload_conf()" >/dev/null
	for _ in $(seq 1 100); do
		[ "$(psql -X -At -d postgres -c 'SHOW eckid.salt')" = "$2" ] && return 0
		sleep 0.1
	done
	fail "the configuration reload was not seen"
}
cleanup() {
	reconfigure "# eckid_test.conf: nothing" "********" || true
	for db in eckid_dump_src eckid_dump_plain eckid_dump_custom; do dropdb --if-exists "$db" >/dev/null 2>&1 || true; done
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS eckid_dump_report" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

psql -X -q -d postgres -c "DROP ROLE IF EXISTS eckid_dump_report" -c "CREATE ROLE eckid_dump_report LOGIN"
snapshot() {
	q "$1" -c "SELECT id, coalesce(pgn, '-'), hpgn, eck_id::text, encode(eckid.digest(eck_id), 'hex'), eckid.segment(eck_id) FROM pupil ORDER BY id"
	q "$1" -c "SET TimeZone = 'UTC'" -c "SELECT new_hpgn, old_hpgn, effective, recorded FROM eckid.hpgn_replacement ORDER BY new_hpgn"
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -U eckid_dump_report -c "SELECT * FROM pupil_export ORDER BY id"
	# a masked view with a row filter (issue 20): its rows, and the filter kept
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -U eckid_dump_report -c "SELECT * FROM pupil_filtered ORDER BY id"
	q "$1" -c "SELECT view_name, row_filter FROM eckid.masked_view ORDER BY view_name"
	# the grants to other roles, with their grantors (the owner's own
	# privileges grow with the version: 17 added MAINTAIN)
	q "$1" -c "SELECT a.grantee::regrole, a.privilege_type, a.grantor::regrole FROM pg_class c, aclexplode(c.relacl) a WHERE c.relname = 'pupil_export' AND a.grantee <> c.relowner ORDER BY 1, 2"
	# (a fixed search path: the restored databases lack the source's ALTER
	# DATABASE ... SET search_path, which only pg_dump --create would carry)
	q "$1" -c "SET search_path = public" -c "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'pupil'::regclass AND NOT tgisinternal"
	# the view, constraint and indexes on eckid's operators, used
	q "$1" -c "SELECT 'view', string_agg(id::text, ',') FROM pupil_some"
	q "$1" -c "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'pupil'::regclass AND contype = 'c'"
	q "$1" -c "SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'pupil'::regclass ORDER BY indexrelid::regclass::text"
	q "$1" -c "SET enable_seqscan = off" -c "SET enable_bitmapscan = off" \
		-c "SELECT 'hash', id FROM pupil WHERE eck_id = ('https://ketenid.nl/201703/' || repeat('c3', 64))::eckid.eckid"
}
if [ -z "$from" ]; then
createdb eckid_dump_src
q eckid_dump_src >/dev/null <<SQL
CREATE EXTENSION eckid;
CREATE TABLE pupil (id int PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid UNIQUE, note text);
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW
    EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector', 'wipe_pgn');
INSERT INTO pupil (id, pgn) VALUES (1, '063138219'), (2, '101222331'), (3, '20DP docent@school.nl');
INSERT INTO pupil (id, pgn, eck_id) VALUES (4, '123456782', ('https://ketenid.nl/201703/' || repeat('c3', 64))::eckid.eckid);
UPDATE pupil SET pgn = '111222333' WHERE id = 2;                  -- a PGN change: a replacement record
SELECT eckid.replace_hpgn(repeat('0a', 32), repeat('0b', 32), now() + interval '1 year');  -- a future one
SELECT eckid.create_masked_view('pupil', 'pupil_export', '{pgn,hpgn}', 'uitgeverij-a');
GRANT SELECT ON pupil_export TO eckid_dump_report;
-- what uses eckid's operators (in pg_catalog since 1.2, issue 20): a view,
-- a CHECK constraint (checked as the dump's data is loaded), a partial and
-- a hash index
CREATE VIEW pupil_some AS SELECT id FROM pupil
 WHERE eck_id = ('https://ketenid.nl/201703/' || repeat('c3', 64))::eckid.eckid
    OR eck_id < ('https://ketenid.nl/201703/8' || repeat('0', 127))::eckid.eckid
 ORDER BY eck_id;
ALTER TABLE pupil ADD CONSTRAINT pupil_not_zero
	CHECK (eck_id <> ('https://ketenid.nl/0/' || repeat('0', 128))::eckid.eckid);
CREATE INDEX pupil_low ON pupil (id) WHERE eck_id < ('https://ketenid.nl/201703/8' || repeat('0', 127))::eckid.eckid;
CREATE INDEX pupil_eck_id_hash ON pupil USING hash (eck_id);
SELECT eckid.create_masked_view('pupil', 'pupil_filtered', '{pgn,hpgn}', 'uitgeverij-b', 'id <> 3 AND note IS NULL');
GRANT SELECT ON pupil_filtered TO eckid_dump_report;
SQL
snapshot eckid_dump_src > "$work/src.txt"
[ "$(grep -c '' "$work/src.txt")" -ge 10 ] || fail "the source snapshot is too small"
# What the trigger gives a new pupil in the source database (rolled back).
q eckid_dump_src -c "BEGIN" -c "INSERT INTO pupil (id, pgn) VALUES (5, '123456782')" \
	-c "SELECT id, hpgn, eck_id::text FROM pupil WHERE id = 5" -c "ROLLBACK" > "$work/after_insert.txt"
grep -q '^5|[0-9a-f]\{64\}|https://ketenid.nl/local/' "$work/after_insert.txt" || fail "the trigger does not work in the source database"
as_pg cat "$ECKID_KEY_FILE" > "$work/eckid.key"
q postgres -c "SHOW server_version" > "$work/version"

pg_dump -d eckid_dump_src -f "$work/plain.sql"
# pg_dump runs with an empty search_path: eckid's operators, in pg_catalog,
# are written without a schema
grep -q 'eck_id = ' "$work/plain.sql" && ! grep -q 'OPERATOR(' "$work/plain.sql" \
	|| fail "the plain dump does not name eckid's operators without a schema"
pg_dump -Fc -d eckid_dump_src -f "$work/custom.dump"
if [ -n "${ECKID_CROSS_DUMP:-}" ]; then
	cp "$work"/{plain.sql,custom.dump,src.txt,after_insert.txt,eckid.key,version} "$ECKID_CROSS_DUMP/"
fi
else
	cp "$from"/{plain.sql,custom.dump,src.txt,after_insert.txt,eckid.key,version} "$work/"
	echo "restoring dumps made by PostgreSQL $(cat "$work/version") into PostgreSQL $(q postgres -c "SHOW server_version")"
fi
# The source's key, readable by the server only, for the trigger's check.
key=$ECKID_TMP/source.key
as_pg sh -c "umask 077; cat > '$key'" < "$work/eckid.key"

# No salt, no key: a restore that hashed or derived anything would fail.
reconfigure "eckid.salt = ''
eckid.key_file = ''" ""
createdb eckid_dump_plain
psql -X -q -v ON_ERROR_STOP=1 -d eckid_dump_plain -f "$work/plain.sql" >"$work/plain.log" 2>&1 \
	|| { tail -n 20 "$work/plain.log"; fail "the plain dump does not restore (without salt and key)"; }
createdb eckid_dump_custom
pg_restore --exit-on-error -d eckid_dump_custom "$work/custom.dump" >"$work/custom.log" 2>&1 \
	|| { tail -n 20 "$work/custom.log"; fail "the custom dump does not restore (without salt and key)"; }
# The salt and the source's key: a new row must get what it got there.
reconfigure "eckid.key_file = '$key'" "********"

for db in eckid_dump_plain eckid_dump_custom; do
	snapshot "$db" > "$work/$db.txt"
	cmp -s "$work/src.txt" "$work/$db.txt" || { diff "$work/src.txt" "$work/$db.txt" | head -n 20; fail "$db differs from the source"; }
	# the trigger still works after the restore: a new pupil gets an iD
	q "$db" -c "INSERT INTO pupil (id, pgn) VALUES (5, '123456782')"
	q "$db" -c "SELECT id, hpgn, eck_id::text FROM pupil WHERE id = 5" > "$work/$db.after_insert.txt"
	cmp -s "$work/after_insert.txt" "$work/$db.after_insert.txt" \
		|| fail "$db: the trigger gives a new pupil other values than the source database did"
	[ "$(psql -X -At -d "$db" -U eckid_dump_report -c "SELECT count(*) FROM pupil_export")" = 5 ] \
		|| fail "$db: the masked view does not follow the new row"
	[ "$(psql -X -At -d "$db" -U eckid_dump_report -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM pupil_filtered")" = 1,2,4,5 ] \
		|| fail "$db: the masked view with a row filter does not show the rows it lets through"
	q "$db" -c "ALTER TABLE pupil ADD COLUMN later integer" -c "ALTER TABLE pupil DROP COLUMN later" \
		|| fail "$db: the upkeep of the restored masked views fails"
	[ "$(q "$db" -c "SELECT count(*) FROM pupil_filtered") $(q "$db" -c "SELECT row_filter FROM eckid.masked_view WHERE view_name = 'pupil_filtered'")" \
		= "4 ((id <> 3) AND (note IS NULL))" ] || fail "$db: the upkeep does not keep the restored row filter: $(q "$db" -c "SELECT count(*) FROM pupil_filtered") $(q "$db" -c "SELECT row_filter FROM eckid.masked_view WHERE view_name = 'pupil_filtered'")"
done
echo "ok: plain and custom dumps of a database with the trigger, 2 replacement records, masked views (one with a row filter) and their grants"
echo "    restore without salt or key (nothing recomputed); rows, digests, replacement records (with their dates),"
echo "    the reporting role's view, the grant and the trigger are identical, and the trigger gives a new pupil"
echo "    the values the source gave it${from:+ (source: PostgreSQL $(cat "$work/version"))}; a view, a CHECK constraint"
echo "    and indexes on eckid's operators, named without a schema in the dump, restore and work"
