#!/usr/bin/env bash
# Masked views with client programs and across pg_dump / pg_restore
# (docs/hiding.md):
#   - a reporting role (LOGIN, granted SELECT on masked views only) copies a
#     masked view with COPY (SELECT ...) TO STDOUT and cannot read the table;
#   - a database with masked views (with and without recipient), grants with
#     their grantors, comments and definitions is dumped in plain and custom
#     format and restored into fresh databases; there the views work for the
#     reporting role, grants, options, comments, definitions (bound again to
#     the restored views and tables by OID, columns numbered anew) and every
#     stored eckid value are identical, the restore regenerated
#     nothing, and a following ALTER TABLE still regenerates the view.
# Uses PGHOST/PGPORT/PGUSER as scripts/test exports them (a superuser, trust
# authentication); creates and drops its own databases and roles.  Prints
# every check; exits non-zero if any failed.
set -uo pipefail
source "$(dirname "$0")/lib/checks.sh"

PREFIX=eckid_mv
SRC=${PREFIX}_src
PLAIN=${PREFIX}_plain
CUSTOM=${PREFIX}_custom
OWNER=${PREFIX}_owner
MIDDLE=${PREFIX}_middle
REPORT=${PREFIX}_report
WORK=$(mktemp -d /tmp/eckid_mv.XXXXXX)
chmod 755 "$WORK"

q() {	# q DB SQL: run as the superuser, unaligned tuples only
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

as_report() {	# as_report DB SQL: a fresh session of the reporting role
	psql -X -q -At -v ON_ERROR_STOP=1 -U "$REPORT" -d "$1" -c "$2"
}

cleanup() {
	local db role
	for db in "$SRC" "$PLAIN" "$CUSTOM"; do
		dropdb --if-exists "$db" 2>/dev/null
	done
	for role in "$REPORT" "$MIDDLE" "$OWNER"; do
		psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" 2>/dev/null
	done
	[ -n "${ECKID_MV_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
cleanup
WORK=$(mktemp -d /tmp/eckid_mv.XXXXXX)

echo "# source database $SRC"
createdb "$SRC" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" >/dev/null <<SQL || exit 1
CREATE EXTENSION eckid;
CREATE ROLE $OWNER;
CREATE ROLE $MIDDLE;
CREATE ROLE $REPORT LOGIN;
GRANT EXECUTE ON FUNCTION eckid.create_masked_view(regclass, text, text[], text, text) TO $OWNER;
GRANT EXECUTE ON FUNCTION eckid.pseudonymize(eckid.eckid, text) TO $OWNER;
CREATE SCHEMA school AUTHORIZATION $OWNER;
GRANT USAGE ON SCHEMA school TO $MIDDLE, $REPORT;
SET ROLE $OWNER;
CREATE TABLE school.pupils (
	id		integer PRIMARY KEY,
	legacy	text,
	name	text,
	pgn		text,
	hpgn	text,
	ecid	eckid.eckid,
	sp		eckid.eckid
);
INSERT INTO school.pupils
SELECT i, NULL, 'pupil ' || i, lpad((100000000 + i)::text, 9, '0'), encode(sha256(convert_to('pgn ' || i, 'UTF8')), 'hex'),
	   CASE WHEN i % 7 = 0 THEN NULL
			ELSE ('https://ketenid.nl/' || (ARRAY['201703', 'pilot', 'local'])[1 + i % 3] || '/'
				  || encode(sha512(convert_to('ecid ' || i, 'UTF8')), 'hex'))::eckid.eckid END,
	   ('https://ketenid.nl/sppilot/' || encode(sha512(convert_to('sp ' || i, 'UTF8')), 'hex'))::eckid.eckid
  FROM generate_series(1, 50) i;
-- a dropped column: a restore numbers the columns after it one lower
ALTER TABLE school.pupils DROP COLUMN legacy;
CREATE TABLE school.results (pupil eckid.eckid, subject text, grade numeric) PARTITION BY LIST (subject);
CREATE TABLE school.results_math PARTITION OF school.results FOR VALUES IN ('math');
CREATE TABLE school.results_other PARTITION OF school.results DEFAULT;
INSERT INTO school.results SELECT ecid, s, 7.5 FROM school.pupils, unnest(ARRAY['math', 'dutch']) s WHERE ecid IS NOT NULL;
SELECT eckid.create_masked_view('school.pupils', 'pupils_report', '{pgn,hpgn}');
SELECT eckid.create_masked_view('school.pupils', 'pupils_for_publisher', '{name,pgn,hpgn}', 'publisher-a');
SELECT eckid.create_masked_view('school.results', 'school.results_for_publisher', '{}', 'publisher-a');
GRANT SELECT ON school.pupils_report TO $REPORT;
GRANT SELECT ON school.pupils_for_publisher, school.results_for_publisher TO $MIDDLE WITH GRANT OPTION;
COMMENT ON VIEW school.pupils_report IS 'pupils without PGN and HPgn, ECK iDs masked';
COMMENT ON COLUMN school.pupils_report.ecid IS 'masked ECK iD';
SET ROLE $MIDDLE;
GRANT SELECT ON school.pupils_for_publisher, school.results_for_publisher TO $REPORT;
RESET ROLE;
SQL

echo "# the reporting role, with psql -c"
expected=$(q "$SRC" "COPY (SELECT id, name, eckid.mask(ecid), eckid.mask(sp) FROM school.pupils ORDER BY id) TO STDOUT")
got=$(as_report "$SRC" "COPY (SELECT * FROM school.pupils_report ORDER BY id) TO STDOUT")
check "the reporting role copies the masked view with COPY (SELECT ...) TO STDOUT" same "$got" "$expected"
check "which has one line per pupil" same "$(printf '%s\n' "$got" | wc -l)" "50"
expected=$(q "$SRC" "COPY (SELECT id, eckid.pseudonymize(ecid, 'publisher-a'), eckid.pseudonymize(sp, 'publisher-a') FROM school.pupils ORDER BY id) TO STDOUT")
got=$(as_report "$SRC" "COPY (SELECT * FROM school.pupils_for_publisher ORDER BY id) TO STDOUT")
check "and the pseudonymized view (granted by a role holding the grant option)" same "$got" "$expected"
all_seen=$(as_report "$SRC" "COPY (SELECT * FROM school.pupils_report) TO STDOUT"; as_report "$SRC" "COPY (SELECT * FROM school.pupils_for_publisher) TO STDOUT"; as_report "$SRC" "COPY (SELECT * FROM school.results_for_publisher) TO STDOUT")
secrets=$(q "$SRC" "SELECT x FROM school.pupils, unnest(ARRAY[pgn, hpgn, right(encode(eckid.digest(ecid), 'hex'), 7), right(encode(eckid.digest(sp), 'hex'), 7)]) x WHERE x IS NOT NULL")
leaks=0
while read -r s; do
	if grep -qF -- "$s" <<<"$all_seen"; then leaks=$((leaks + 1)); fi
done <<<"$secrets"
check "no PGN, HPgn or ECK iD (nor 7 of its hex digits) is in what the reporting role copied ($(wc -l <<<"$secrets") values looked for)" same "$leaks" "0"
check "nor 128 hex digits in a row" bash -c '! grep -qE "[0-9a-f]{128}" <<<"$1"' _ "$all_seen"
err=$(as_report "$SRC" "COPY (SELECT * FROM school.pupils) TO STDOUT" 2>&1 >/dev/null)
check "the reporting role cannot copy the table" grep -q "permission denied for table pupils" <<<"$err"
err=$(as_report "$SRC" "COPY school.results_math TO STDOUT" 2>&1 >/dev/null)
check "nor a partition of the partitioned table" grep -q "permission denied for table results_math" <<<"$err"
err=$(as_report "$SRC" "SELECT eckid.pseudonymize(('https://ketenid.nl/201703/' || repeat('ab', 64))::eckid.eckid, 'publisher-b')" 2>&1 >/dev/null)
check "nor compute a pseudonym itself" grep -q "permission denied for function pseudonymize" <<<"$err"

echo "# pg_dump and restore"
pg_dump -d "$SRC" -f "$WORK/plain.sql" || exit 1
pg_dump -Fc -d "$SRC" -f "$WORK/custom.dump" || exit 1
chmod 644 "$WORK"/*
createdb "$PLAIN" && createdb "$CUSTOM" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$PLAIN" -f "$WORK/plain.sql" >"$WORK/plain.log" 2>&1
check "the plain dump restores with psql without an error" same "$?" "0"
pg_restore --exit-on-error -d "$CUSTOM" "$WORK/custom.dump" >"$WORK/custom.log" 2>&1
check "the custom dump restores with pg_restore without an error" same "$?" "0"

# A restore runs ALTER TABLE ... ADD CONSTRAINT after the views exist, and
# the event trigger sees it.  It must regenerate nothing: a remade view would
# have a newer OID than the primary key's index, a replaced one a newer
# version of its rule (transaction ids grow; the restores run one
# transaction per statement; the views' rows in pg_class change later
# anyway, when their grants are restored).
not_remade() {
	q "$1" "SELECT bool_and(v.oid < i.oid AND age(r.xmin) > age(i.xmin))
			  FROM pg_class v, pg_class i, eckid.masked_view m, pg_rewrite r
			 WHERE v.relnamespace = 'school'::regnamespace AND v.relkind = 'v' AND i.oid = 'school.pupils_pkey'::regclass
			   AND m.view_name = v.relname AND r.ev_class = v.oid"
}
check "psql's restore remade no masked view" same "$(not_remade "$PLAIN")" "t"
check "pg_restore remade no masked view" same "$(not_remade "$CUSTOM")" "t"
bound() {	# the records name the views and tables of this database by OID
	q "$1" "SELECT bool_and(m.view_oid = format('%I.%I', m.view_schema, m.view_name)::regclass
						  AND m.source_oid = format('%I.%I', m.source_schema, m.source_name)::regclass)
				 AND count(*) = 3
			  FROM eckid.masked_view m"
}
check "the restored records of eckid.masked_view are bound to the restored views and tables (psql)" same "$(bound "$PLAIN")" "t"
check "(pg_restore)" same "$(bound "$CUSTOM")" "t"

state() {	# everything about the masked views that must survive a dump
	q "$1" "
	SELECT 'definition', (to_jsonb(m) - 'view_oid' - 'source_oid' - 'hide' - 'masked')::text FROM eckid.masked_view m
	UNION ALL SELECT 'sequence', last_value || ' ' || is_called FROM eckid.masked_view_id_seq
	UNION ALL SELECT 'view ' || c.relname, concat_ws(' | ', c.relowner::regrole, c.reloptions, obj_description(c.oid, 'pg_class'),
							(SELECT string_agg(attname || ':' || format_type(atttypid, NULL) || ':' || coalesce(col_description(c.oid, attnum), ''), ',' ORDER BY attnum)
							   FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0),
							pg_get_viewdef(c.oid))
	  FROM pg_class c WHERE c.relnamespace = 'school'::regnamespace AND c.relkind = 'v'
	UNION ALL SELECT 'grant ' || c.relname, concat_ws(' ', a.grantor::regrole, a.grantee::regrole, a.privilege_type, a.is_grantable)
	  FROM pg_class c, aclexplode(c.relacl) a WHERE c.relnamespace = 'school'::regnamespace
	UNION ALL SELECT 'hidden ' || m.view_name, (SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_attribute a
											  WHERE a.attrelid = m.source_oid AND a.attnum = ANY (m.hide))
	  FROM eckid.masked_view m
	UNION ALL SELECT 'masked ' || m.view_name, (SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_attribute a
											  WHERE a.attrelid = m.source_oid AND a.attnum = ANY (m.masked))
	  FROM eckid.masked_view m
	ORDER BY 1, 2"
}
kept() {	# what a regenerated view keeps
	q "$1" "
	SELECT c.relname, concat_ws(' | ', c.relowner::regrole, c.reloptions, obj_description(c.oid, 'pg_class'),
								(SELECT string_agg(concat_ws(' ', a.grantor::regrole, a.grantee::regrole, a.privilege_type, a.is_grantable), ', ' ORDER BY 1)
								   FROM aclexplode(c.relacl) a))
	  FROM pg_class c WHERE c.relnamespace = 'school'::regnamespace AND c.relkind = 'v'
	 ORDER BY 1"
}
values() {	# every stored eckid value, as text and as segment + digest
	q "$1" "
	COPY (SELECT id, ecid, eckid.segment(ecid), encode(eckid.digest(ecid), 'hex'), sp, eckid.segment(sp), encode(eckid.digest(sp), 'hex')
			FROM school.pupils ORDER BY id) TO STDOUT;
	COPY (SELECT * FROM school.results ORDER BY pupil, subject) TO STDOUT"
}
src_state=$(state "$SRC")
src_values=$(values "$SRC")
src_kept=$(kept "$SRC")
src_binary=$(q "$SRC" "COPY school.pupils TO STDOUT (FORMAT binary)" | md5sum)
src_report=$(as_report "$SRC" "COPY (SELECT * FROM school.pupils_report ORDER BY id) TO STDOUT")
src_publisher=$(as_report "$SRC" "COPY (SELECT * FROM school.pupils_for_publisher ORDER BY id) TO STDOUT")
src_results=$(as_report "$SRC" "COPY (SELECT * FROM school.results_for_publisher ORDER BY 1, 2) TO STDOUT")
check "(the source has 3 definitions, 3 views, their hidden and masked columns, and grants)" \
	same "$(grep -c '^definition\|^view \|^hidden \|^masked ' <<<"$src_state") $(grep -c '^grant ' <<<"$src_state")" "12 26"

for db in "$PLAIN" "$CUSTOM"; do
	echo "# restored database $db"
	check "$db: definitions (hidden and masked columns by name), sequence, views (owner, options, comments, columns, query) and grants (with grantors) are identical" \
		same "$(state "$db")" "$src_state"
	check "$db: every stored eckid value is identical (text, segment, digest)" same "$(values "$db")" "$src_values"
	check "$db: the table is byte-identical in binary COPY" same "$(q "$db" "COPY school.pupils TO STDOUT (FORMAT binary)" | md5sum)" "$src_binary"
	check "$db: the reporting role reads the masked view as before" \
		same "$(as_report "$db" "COPY (SELECT * FROM school.pupils_report ORDER BY id) TO STDOUT")" "$src_report"
	check "$db: and the pseudonymized views (same key: same pseudonyms)" \
		same "$(as_report "$db" "COPY (SELECT * FROM school.pupils_for_publisher ORDER BY id) TO STDOUT"; as_report "$db" "COPY (SELECT * FROM school.results_for_publisher ORDER BY 1, 2) TO STDOUT")" \
		"$src_publisher"$'\n'"$src_results"
	err=$(as_report "$db" "COPY (SELECT * FROM school.pupils) TO STDOUT" 2>&1 >/dev/null)
	check "$db: and still cannot read the table" grep -q "permission denied for table pupils" <<<"$err"

	PGOPTIONS='-c client_min_messages=debug1' psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
		-c "SET ROLE $OWNER" -c "ALTER TABLE school.pupils DROP COLUMN name, ADD COLUMN class text DEFAULT '1a'" >"$WORK/alter.log" 2>&1
	check "$db: ALTER TABLE ... DROP COLUMN, ADD COLUMN on the source succeeds" same "$?" "0"
	check "$db: and regenerates the masked views" grep -q "regenerating masked view school.pupils_report" "$WORK/alter.log"
	check "$db: (which the check for remade views above does see)" same "$(not_remade "$db")" "f"
	check "$db: whose columns follow the table" \
		same "$(q "$db" "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'school.pupils_report'::regclass AND attnum > 0")" \
		"id,ecid,sp,class"
	check "$db: with their owners, options, comments and grants (grantors included)" \
		same "$(kept "$db")" "$src_kept"
	check "$db: which the reporting role reads" \
		same "$(as_report "$db" "COPY (SELECT id, class FROM school.pupils_report WHERE id <= 2 ORDER BY id) TO STDOUT")" $'1\t1a\n2\t1a'
	q "$db" "SELECT eckid.create_masked_view('school.pupils', 'pupils_again')" >/dev/null
	new_id=$(q "$db" "SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_again'")
	check "$db: a new masked view gets the next number (the sequence was restored)" same "$new_id" "4"
done

checks_done
