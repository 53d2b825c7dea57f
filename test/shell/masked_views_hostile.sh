#!/usr/bin/env bash
# Masked views against roles that want more than they were given
# (docs/hiding.md, "Threat model").  Roles:
#   nobody  - LOGIN, no grant at all (not even TEMP on the database)
#   temp    - LOGIN and TEMP only
#   schemer - LOGIN, TEMP and a schema of its own (CREATE)
#   report  - SELECT on the masked view (eckid.mask()) of school.pupils
#   export  - SELECT on the view of recipient publisher-a only
# Each tries every route the threat model names: reading the table, calling
# what the views call with values, rows and tables of its choice, temporary
# views and tables of its own depending on eckid's objects (with their
# columns renamed: the reproduction of issue 11), blocking the owner's DDL
# (temporary and permanent objects over a view's row type or query: issue
# 20), leaky functions in WHERE, errors, statistics and plans.  Every attempt
# must be refused or give only what the role may see.  Every probe is also
# run where it must find something (as the owner, on the table, or on an
# unmasked column), so that a probe that cannot see a leak does not pass.
# Uses PGHOST/PGPORT/PGUSER as scripts/test exports them (a superuser, trust
# authentication); creates and drops its own database and roles.  Prints
# every check; exits non-zero if any failed.
set -uo pipefail
source "$(dirname "$0")/lib/checks.sh"

DB=eckid_hostile
P=eckid_h
OWNER=${P}_owner
NOBODY=${P}_nobody
TEMPR=${P}_temp
SCHEMER=${P}_schemer
REPORT=${P}_report
EXPORT=${P}_export
ROLES=("$NOBODY" "$TEMPR" "$SCHEMER" "$REPORT" "$EXPORT" "$OWNER")
bg_pid=

q() {	# q SQL: as the superuser, unaligned tuples only
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"
}

as() {	# as ROLE SQL...: a fresh session of ROLE; stdout and stderr together
	local role=$1
	shift
	local args=()
	for sql in "$@"; do args+=(-c "$sql"); done
	psql -X -q -At -v ON_ERROR_STOP=1 -U "$role" -d "$DB" "${args[@]}" 2>&1
}

as_any() {	# as_any ROLE SQL...: as "as", but going on after an error
	local role=$1
	shift
	local args=()
	for sql in "$@"; do args+=(-c "$sql"); done
	psql -X -q -At -U "$role" -d "$DB" "${args[@]}" 2>&1
}

# The secrets of the pupils: PGNs, HPgns, full ECK iDs and the last 20 hex
# digits of each (a mask shows 6), and the pseudonyms for a recipient the
# roles were not given.
secrets() {
	q "SELECT x FROM school.pupils,
			  unnest(ARRAY[pgn, hpgn, ecid::text, right(ecid::text, 20),
						   eckid.pseudonymize(ecid, 'publisher-b')]) x
	    WHERE x IS NOT NULL"
}

leaks() {	# leaks TEXT: how many secrets TEXT contains (0 exactly when none)
	# one grep with every secret as a pattern, not a grep per secret: the
	# 1,000 secrets times 26 probes took most of this test's three minutes
	grep -oF -f <(grep -v '^$' <<<"$SECRETS") <<<"$1" | sort -u | wc -l
}

no_leak() {	# no_leak TEXT: TEXT contains none of the secrets
	same "$(leaks "$1")" "0"
}

leak() {	# leak TEXT: TEXT contains a secret (the control of a probe)
	[ "$(leaks "$1")" -gt 0 ]
}

cleanup() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	dropdb --if-exists "$DB" 2>/dev/null
	for role in "${ROLES[@]}"; do
		psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" 2>/dev/null
	done
}
trap cleanup EXIT
cleanup

createdb "$DB" || exit 1
# Without log redaction: it masks ECK iDs in every message (clients get the
# same text), which would hide a leak through an error from the probes; the
# views must keep their guarantees on their own.
psql -X -q -d postgres -c "ALTER DATABASE $DB SET eckid.log_redaction = off" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL || exit 1
CREATE EXTENSION eckid;
REVOKE TEMP ON DATABASE $DB FROM PUBLIC;
CREATE ROLE $OWNER LOGIN;
CREATE ROLE $NOBODY LOGIN;
CREATE ROLE $TEMPR LOGIN;
CREATE ROLE $SCHEMER LOGIN;
CREATE ROLE $REPORT LOGIN;
CREATE ROLE $EXPORT LOGIN;
GRANT TEMP ON DATABASE $DB TO $TEMPR, $SCHEMER, $REPORT, $EXPORT, $OWNER;
CREATE SCHEMA schemer_space AUTHORIZATION $SCHEMER;
GRANT EXECUTE ON FUNCTION eckid.create_masked_view(regclass, text, text[], text, text),
						  eckid.drop_masked_view(regclass),
						  eckid.pseudonymize(eckid.eckid, text) TO $OWNER;
CREATE SCHEMA school AUTHORIZATION $OWNER;
GRANT USAGE ON SCHEMA school TO PUBLIC;
SET ROLE $OWNER;
CREATE TABLE school.pupils (
	id		integer PRIMARY KEY,
	name	text,
	pgn		text,
	hpgn	text,
	ecid	eckid.eckid,
	school	integer
);
INSERT INTO school.pupils
SELECT i, 'pupil ' || i, lpad((100000000 + i)::text, 9, '0'), encode(sha256(convert_to('pgn ' || i, 'UTF8')), 'hex'),
	   ('https://ketenid.nl/201703/' || encode(sha512(convert_to('ecid ' || i, 'UTF8')), 'hex'))::eckid.eckid,
	   i % 5
  FROM generate_series(1, 200) i;
CREATE INDEX ON school.pupils (school);
ANALYZE school.pupils;
SELECT eckid.create_masked_view('school.pupils', 'pupils_report', '{pgn,hpgn}');
SELECT eckid.create_masked_view('school.pupils', 'pupils_a', '{name,pgn,hpgn}', 'publisher-a');
SELECT eckid.create_masked_view('school.pupils', 'pupils_b', '{name,pgn,hpgn}', 'publisher-b');
GRANT SELECT ON school.pupils_report TO $REPORT;
GRANT SELECT ON school.pupils_a TO $EXPORT;
RESET ROLE;
SQL
SECRETS=$(secrets)
VIEW_A=$(q "SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_a'")

echo "# objects of roles without rights on a masked view cannot block its owner (issue 20)"
# PostgreSQL checks no privilege on a view for much of what can depend on
# it.  temp (TEMP only) keeps, in an open session, a temporary table with a
# column of the view's row type, a domain over it and a function taking it;
# schemer (no privilege on the view, USAGE on its schema) makes a view over
# it, a table with such a column, a domain and a function in its own schema.
q "SET ROLE $OWNER; SELECT eckid.create_masked_view('school.pupils', 'pupils_target', '{pgn,hpgn}')" >/dev/null
psql -X -q -U "$TEMPR" -d "$DB" \
	-c "CREATE TEMP TABLE keep_rows (r school.pupils_target)" \
	-c "CREATE DOMAIN pg_temp.target_dom AS school.pupils_target" \
	-c "CREATE FUNCTION pg_temp.target_fn(school.pupils_target) RETURNS integer LANGUAGE sql AS 'SELECT 1'" \
	-c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
bg_pid=$!
out=$(as "$SCHEMER" "CREATE VIEW schemer_space.on_target AS SELECT * FROM school.pupils_target" \
	"CREATE TABLE schemer_space.keep_target (r school.pupils_target)" \
	"CREATE DOMAIN schemer_space.target_dom AS school.pupils_target" \
	"CREATE FUNCTION schemer_space.target_fn(school.pupils_target) RETURNS integer LANGUAGE sql AS 'SELECT 1'" \
	"SELECT 'made'")
check "schemer, with no privilege on the masked view, makes a view, a table column, a domain and a function over it" has "$out" "made"
check "(schemer may not read the view)" has "$(as "$SCHEMER" "SELECT * FROM schemer_space.on_target")" "permission denied for view pupils_target"
for _ in $(seq 50); do
	[ "$(q "SELECT count(*) FROM pg_class WHERE relname = 'keep_rows' AND relpersistence = 't'")$(q "SELECT count(*) FROM pg_type WHERE typname = 'target_dom'")" = "12" ] && break
	sleep 0.2
done
check "(temp's temporary table, domain and function exist)" \
	same "$(q "SELECT count(*) FROM pg_class WHERE relname = 'keep_rows' AND relpersistence = 't'") $(q "SELECT count(*) FROM pg_type WHERE typname = 'target_dom'") $(q "SELECT count(*) FROM pg_proc WHERE proname = 'target_fn'")" "1 2 2"
out=$(as_any "$OWNER" "BEGIN" "DROP VIEW school.pupils_target" "ROLLBACK")
check "control: they block a plain DROP VIEW of the owner" has "$out" "cannot drop view school.pupils_target because other objects depend on it"
out=$(as "$OWNER" "ALTER TABLE school.pupils ADD COLUMN target_added integer, ADD COLUMN target_dropped integer" "SELECT 'altered'")
check "the owner's ALTER TABLE ... ADD COLUMN succeeds (PostgreSQL adds columns to a row type in use)" has "$out" "altered"
out=$(as "$OWNER" "ALTER TABLE school.pupils DROP COLUMN target_dropped" "SELECT 'altered'")
check "and ALTER TABLE ... DROP COLUMN, which makes the view anew" has "$out" "altered"
check "saying what it dropped: temp's table" has "$out" "dropping table pg_temp_"
check "schemer's table column" has "$out" "dropping column r of table schemer_space.keep_target"
check "schemer's view" has "$out" "dropping view schemer_space.on_target"
check "temp's function" has "$out" "dropping function pg_temp_"
check "and why" has "$out" "Role $SCHEMER may not read the masked view"
check "the view follows the table" \
	same "$(q "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'school.pupils_target'::regclass AND attnum > 0")" \
	"id,name,ecid,school,target_added"
check "none of the objects on the view is left" \
	same "$(q "SELECT count(*) FROM pg_class WHERE relname IN ('on_target', 'keep_rows')") $(q "SELECT count(*) FROM pg_type WHERE typname = 'target_dom'") $(q "SELECT count(*) FROM pg_proc WHERE proname = 'target_fn'")" "0 0 0"
as "$SCHEMER" "CREATE VIEW schemer_space.on_target AS SELECT * FROM school.pupils_target" >/dev/null
out=$(as "$OWNER" "SELECT eckid.drop_masked_view('school.pupils_target')" "SELECT 'dropped'")
check "the owner's drop_masked_view() succeeds over schemer's new view" has "$out" "dropped"
check "saying it dropped it" has "$out" "dropping view schemer_space.on_target"
check "the view and the one on it are gone" same "$(q "SELECT count(*) FROM pg_class WHERE relname IN ('on_target', 'pupils_target')")" "0"
check "schemer's table stays, without the column" \
	same "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'schemer_space.keep_target'::regclass AND attnum > 0 AND NOT attisdropped")" "0"
psql -X -q -d "$DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$TEMPR'" >/dev/null
wait "$bg_pid" 2>/dev/null
bg_pid=
# What a role that may read the view built on it is not eckid's to drop:
# the owner's command fails as PostgreSQL's rules say.
q "SET ROLE $OWNER; SELECT eckid.create_masked_view('school.pupils', 'pupils_kept', '{pgn,hpgn}'); GRANT SELECT ON school.pupils_kept TO $REPORT" >/dev/null
q "CREATE VIEW schemer_space.report_on_kept AS SELECT id FROM school.pupils_kept; ALTER VIEW schemer_space.report_on_kept OWNER TO $REPORT" >/dev/null
out=$(as_any "$OWNER" "SELECT eckid.drop_masked_view('school.pupils_kept')")
check "a view of report, which may read the masked view, still stops drop_masked_view()" \
	has "$out" "cannot drop view school.pupils_kept because other objects depend on it"
check "and is not dropped" same "$(q "SELECT to_regclass('schemer_space.report_on_kept') IS NOT NULL")" "t"
q "DROP VIEW schemer_space.report_on_kept" >/dev/null
check "without it, drop_masked_view() succeeds" \
	has "$(as "$OWNER" "SELECT eckid.drop_masked_view('school.pupils_kept')" "SELECT 'dropped'")" "dropped"
as "$OWNER" "ALTER TABLE school.pupils DROP COLUMN target_added" >/dev/null
VIEW_B=$(q "SELECT id FROM eckid.masked_view WHERE view_name = 'pupils_b'")
TABLE=$(q "SELECT 'school.pupils'::regclass::oid")
FIRST_CTID=$(q "SELECT ctid FROM school.pupils WHERE id = 1")
echo "# $(wc -l <<<"$SECRETS") secrets looked for"

echo "# the probes see a leak where there is one"
check "the owner's read of the table shows the secrets (the probe works)" \
	leak "$(as "$OWNER" "COPY (SELECT * FROM school.pupils) TO STDOUT")"
check "so does a view of the table that does not hide them" \
	leak "$(q "CREATE VIEW school.unmasked AS SELECT * FROM school.pupils; COPY (SELECT * FROM school.unmasked) TO STDOUT; DROP VIEW school.unmasked")"
check "and the pseudonyms of publisher-b, read as the owner" \
	leak "$(as "$OWNER" "COPY (SELECT * FROM school.pupils_b) TO STDOUT")"

echo "# what each role may see"
seen=$(as "$REPORT" "COPY (SELECT * FROM school.pupils_report) TO STDOUT")
check "report reads its masked view (200 rows)" same "$(wc -l <<<"$seen")" "200"
check "and no secret is in it" no_leak "$seen"
seen=$(as "$EXPORT" "COPY (SELECT * FROM school.pupils_a) TO STDOUT")
check "export reads its view (200 rows)" same "$(wc -l <<<"$seen")" "200"
check "and no secret is in it" no_leak "$seen"
for role in "$NOBODY" "$TEMPR" "$SCHEMER" "$REPORT" "$EXPORT"; do
	out=$(as "$role" "SELECT count(*) FROM school.pupils")
	check "$role cannot read the table" has "$out" "permission denied for table pupils"
	out=$(as "$role" "SELECT count(*) FROM school.pupils_b")
	check "$role cannot read the view of publisher-b" has "$out" "permission denied for view pupils_b"
	out=$(as "$role" "SELECT eckid.pseudonymize(ecid::eckid.eckid, 'publisher-b') FROM (SELECT 'https://ketenid.nl/201703/' || repeat('ab', 64) AS ecid) s")
	check "$role cannot call eckid.pseudonymize()" has "$out" "permission denied for function pseudonymize"
	out=$(as "$role" "SELECT count(*) FROM eckid.masked_view")
	check "$role cannot read the record of masked views" has "$out" "permission denied for table masked_view"
done

echo "# calling what the views call"
out=$(as "$NOBODY" "SELECT eckid_internal.masked_view_pseudonym($VIEW_A, 2::int2, $TABLE, '$FIRST_CTID')")
check "a role cannot even name what the views call: eckid_internal is closed to PUBLIC" \
	has "$out" "permission denied for schema eckid_internal"
# From here on every role may name what is in eckid_internal, as where a
# DBA granted USAGE on it: the probes below go at the functions' own checks
# and privileges, not at the schema's.
q "GRANT USAGE ON SCHEMA eckid_internal TO PUBLIC" >/dev/null
control=$(as "$EXPORT" "SELECT eckid_internal.masked_view_pseudonym($VIEW_A, 2::int2, $TABLE, '$FIRST_CTID')")
check "export, calling what its view calls for a row of the table, gets what the view shows for it (the probe works)" \
	same "$control" "$(as "$EXPORT" "SELECT ecid FROM school.pupils_a WHERE id = 1")"
for role in "$NOBODY" "$TEMPR" "$SCHEMER" "$REPORT" "$EXPORT"; do
	out=$(as "$role" "SELECT eckid_internal.masked_view_pseudonym($VIEW_B, 2::int2, $TABLE, '$FIRST_CTID')")
	check "$role cannot call it for the view of publisher-b" has "$out" "permission denied for view pupils_b"
	check "and sees no secret" no_leak "$out"
done
out=$(as "$REPORT" "SELECT eckid_internal.masked_view_pseudonym($VIEW_A, 2::int2, $TABLE, '$FIRST_CTID')")
check "report cannot call it for the view of publisher-a either" has "$out" "permission denied for view pupils_a"
# a table of its own with values of its choice, in every place of the call
out=$(as "$EXPORT" "CREATE TEMP TABLE mine (id integer, pgn text, hpgn text, name text, ecid eckid.eckid, school integer)" \
	"INSERT INTO mine SELECT 1, NULL, NULL, NULL, ecid::eckid.eckid, 0 FROM (VALUES ('https://ketenid.nl/201703/' || encode(sha512(convert_to('ecid 7', 'UTF8')), 'hex'))) v(ecid)" \
	"SELECT eckid_internal.masked_view_pseudonym($VIEW_A, 2::int2, 'mine'::regclass, ctid) FROM mine")
check "export's own table of chosen values is refused" has "$out" "is not the table of masked view $VIEW_A"
check "and gives no pseudonym of the chosen value" \
	bash -c '! grep -qF -- "$1" <<<"$2"' _ "$(q "SELECT eckid.pseudonymize(ecid, 'publisher-a') FROM school.pupils WHERE id = 7")" "$out"
out=$(as "$EXPORT" "SELECT eckid_internal.masked_view_pseudonym($VIEW_A, 1::int2, $TABLE, '$FIRST_CTID')")
check "a column the view does not pseudonymize is refused" has "$out" "is not a pseudonymized column"
out=$(as "$EXPORT" "SELECT eckid_internal.masked_view_pseudonym($VIEW_A, n::int2, $TABLE, '$FIRST_CTID') FROM generate_series(-3, 9) n WHERE n <> 2")
check "so is any other column number, the hidden ones included" has "$out" "is not a pseudonymized column"
check "and no secret shows" no_leak "$out"
out=$(as "$EXPORT" "SELECT eckid_internal.masked_view_pseudonym(v, 2::int2, $TABLE, '$FIRST_CTID') FROM generate_series(0, 20) v WHERE v <> $VIEW_A")
check "any other view number is refused" bash -c 'grep -qE "does not exist|permission denied|is not a pseudonymized column" <<<"$1"' _ "$out"
check "and no secret shows" no_leak "$out"
out=$(as "$EXPORT" "SELECT eckid_internal.masked_view_pseudonym($VIEW_A, 2::int2, $TABLE, '(4242,1)')")
check "a ctid where the table has no row is refused" has "$out" "no row of masked view $VIEW_A is at that ctid"
out=$(as "$EXPORT" "SELECT eckid_internal.masked_view_pseudonym($VIEW_A, 2::int2, 'eckid.masked_view'::regclass, '(0,1)')")
check "so is the record of masked views" has "$out" "is not the table of masked view"
out=$(as "$EXPORT" "CREATE FUNCTION pg_temp.try(t tid) RETURNS text LANGUAGE plpgsql AS \$\$
		BEGIN RETURN eckid_internal.masked_view_pseudonym($VIEW_A, 2::int2, $TABLE, t); EXCEPTION WHEN OTHERS THEN RETURN NULL; END \$\$" \
	"SELECT p FROM generate_series(0, 9) b, generate_series(0, 300) n, pg_temp.try(format('(%s,%s)', b, n)::tid) p WHERE p IS NOT NULL ORDER BY 1")
check "reading the table by guessed ctids finds every row" same "$(wc -l <<<"$out")" "200"
check "and gives exactly the pseudonyms the view shows" same "$out" "$(as "$EXPORT" "SELECT ecid FROM school.pupils_a ORDER BY 1")"

echo "# temporary views depending on eckid's objects (issue 11)"
before=$(q "SELECT to_jsonb(m)::text FROM eckid.masked_view m ORDER BY id")
cols_before=$(q "SELECT string_agg(attrelid::regclass || '.' || attname, ',' ORDER BY attrelid, attnum) FROM pg_attribute WHERE attrelid IN (SELECT view_oid FROM eckid.masked_view) AND attnum > 0")
for role in "$TEMPR" "$SCHEMER"; do
	out=$(as_any "$role" "CREATE TEMP TABLE t (pgn text, hpgn text, name text)" \
		"CREATE TEMP VIEW tv AS SELECT 'eckid_internal.masked_view_pseudonym(integer, smallint, oid, tid)'::regprocedure AS f,
								   'eckid.mask(eckid.eckid)'::regprocedure AS g, 'school.pupils'::regclass AS s,
								   'school.pupils_report'::regclass AS v, t.* FROM t" \
		"ALTER TABLE t RENAME COLUMN pgn TO id" \
		"ALTER TABLE t RENAME COLUMN hpgn TO school" \
		"ALTER TABLE t RENAME COLUMN name TO ecid" \
		"ALTER TABLE tv RENAME COLUMN f TO pgn" \
		"ALTER MATERIALIZED VIEW t RENAME COLUMN id TO hpgn" \
		"ALTER TABLE t ADD COLUMN more text" \
		"ALTER TABLE t DROP COLUMN more" \
		"SELECT 'done'")
	check "$role makes temporary views on eckid's functions and on the table's name, and renames their columns" has "$out" "done"
done
check "the records of the masked views did not change" same "$(q "SELECT to_jsonb(m)::text FROM eckid.masked_view m ORDER BY id")" "$before"
check "nor did the views' columns" same "$(q "SELECT string_agg(attrelid::regclass || '.' || attname, ',' ORDER BY attrelid, attnum) FROM pg_attribute WHERE attrelid IN (SELECT view_oid FROM eckid.masked_view) AND attnum > 0")" "$cols_before"
q "ALTER TABLE school.pupils ADD COLUMN probe integer; ALTER TABLE school.pupils DROP COLUMN probe" >/dev/null
seen=$(as "$REPORT" "COPY (SELECT * FROM school.pupils_report) TO STDOUT")
check "after the owner's next ALTER TABLE, report still sees no secret" no_leak "$seen"
check "nor a column more" same "$(as "$REPORT" "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'school.pupils_report'::regclass AND attnum > 0")" "id,name,ecid,school"

echo "# a temporary view of another role cannot block the owner's DDL"
# The session of a role that may read the views keeps temporary views and a
# function on them (and a view on eckid's functions) open while the owner
# alters the table and drops one of the views.
q "GRANT SELECT ON school.pupils_b TO $REPORT" >/dev/null
psql -X -q -U "$REPORT" -d "$DB" \
	-c "CREATE TEMP VIEW on_view AS SELECT id, ecid FROM school.pupils_report" \
	-c "CREATE TEMP VIEW on_b AS SELECT id, ecid FROM school.pupils_b" \
	-c "CREATE TEMP VIEW on_functions AS SELECT 'eckid_internal.masked_view_pseudonym(integer, smallint, oid, tid)'::regprocedure AS f, eckid.mask(NULL) AS m" \
	-c "CREATE FUNCTION pg_temp.on_view_count() RETURNS bigint BEGIN ATOMIC SELECT count(ecid) FROM school.pupils_report; END" \
	-c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
bg_pid=$!
for _ in $(seq 50); do
	[ "$(q "SELECT count(*) FROM pg_class WHERE relname IN ('on_view', 'on_b', 'on_functions') AND relpersistence = 't'") $(q "SELECT count(*) FROM pg_proc WHERE proname = 'on_view_count'")" = "3 1" ] && break
	sleep 0.2
done
check "(the other session's temporary views and function exist)" \
	same "$(q "SELECT count(*) FROM pg_class WHERE relname IN ('on_view', 'on_b', 'on_functions') AND relpersistence = 't'") $(q "SELECT count(*) FROM pg_proc WHERE proname = 'on_view_count'")" "3 1"
out=$(as "$OWNER" "ALTER TABLE school.pupils DROP COLUMN name" "SELECT 'altered'")
check "the owner's ALTER TABLE ... DROP COLUMN succeeds" has "$out" "altered"
out=$(as "$OWNER" "ALTER TABLE school.pupils ALTER COLUMN school TYPE bigint" "SELECT 'altered'")
check "and ALTER COLUMN ... TYPE" has "$out" "altered"
out=$(as "$OWNER" "SELECT eckid.drop_masked_view('school.pupils_b')" "SELECT 'dropped'")
check "and drop_masked_view()" has "$out" "dropped"
check "the temporary views and function that were on the masked views are gone with them" \
	same "$(q "SELECT count(*) FROM pg_class WHERE relname IN ('on_view', 'on_b')") $(q "SELECT count(*) FROM pg_proc WHERE proname = 'on_view_count'")" "0 0"
check "the one on eckid's functions is not" same "$(q "SELECT count(*) FROM pg_class WHERE relname = 'on_functions'")" "1"
psql -X -q -d "$DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$REPORT'" >/dev/null
wait "$bg_pid" 2>/dev/null
bg_pid=
check "report still reads the view, which follows the table" \
	same "$(as "$REPORT" "SELECT string_agg(attname || ':' || format_type(atttypid, NULL), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'school.pupils_report'::regclass AND attnum > 0")" \
	"id:integer,ecid:text,school:bigint"
VIEW_B=
SECRETS=$(q "SELECT x FROM school.pupils, unnest(ARRAY[pgn, hpgn, ecid::text, right(ecid::text, 20), eckid.pseudonymize(ecid, 'publisher-b')]) x WHERE x IS NOT NULL")

echo "# renames and type changes by the owner (issue 11)"
as_any "$OWNER" "ALTER MATERIALIZED VIEW school.pupils RENAME COLUMN pgn TO pgn_mv" \
	"ALTER VIEW school.pupils RENAME COLUMN pgn_mv TO pgn_v" \
	"ALTER FOREIGN TABLE school.pupils RENAME COLUMN pgn_v TO pgn_ft" \
	"ALTER TABLE school.pupils ADD COLUMN later integer" >/dev/null
check "a hidden column renamed by ALTER MATERIALIZED VIEW, VIEW and FOREIGN TABLE stays hidden" \
	same "$(q "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'school.pupils_report'::regclass AND attnum > 0")" \
	"id,ecid,school,later"
q "CREATE TYPE schemer_space.box AS (note text); ALTER TYPE schemer_space.box OWNER TO $SCHEMER;
   GRANT USAGE ON SCHEMA schemer_space TO $OWNER" >/dev/null
as "$OWNER" "ALTER TABLE school.pupils ADD COLUMN box schemer_space.box" \
	"UPDATE school.pupils SET box = ROW('a note')" >/dev/null
check "(a composite of schemer's is shown)" has "$(as "$REPORT" "SELECT box FROM school.pupils_report WHERE id = 1")" "a note"
out=$(as "$SCHEMER" "ALTER TYPE schemer_space.box ADD ATTRIBUTE id eckid.eckid" "SELECT 'altered'")
check "schemer adds an eckid attribute to its type" has "$out" "altered"
as "$OWNER" "UPDATE school.pupils SET box = ROW('a note', ecid)" >/dev/null
check "which the owner fills (the probe sees it)" leak "$(as "$OWNER" "COPY (SELECT box FROM school.pupils) TO STDOUT")"
check "the masked view left the column out at once" \
	same "$(q "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'school.pupils_report'::regclass AND attnum > 0")" \
	"id,ecid,school,later"
check "so report sees no secret" no_leak "$(as "$REPORT" "COPY (SELECT * FROM school.pupils_report) TO STDOUT")"

echo "# leaky functions, errors, statistics and plans"
leaky="CREATE FUNCTION pg_temp.leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS \$\$ BEGIN RAISE NOTICE 'leak: %', \$1; RETURN true; END \$\$"
check "a leaky function sees the ECK iDs of the table (the probe works)" \
	leak "$(as "$OWNER" "$leaky" "SELECT count(*) FROM school.pupils WHERE pg_temp.leak(ecid::text)")"
out=$(as "$REPORT" "$leaky" "SELECT count(*) FROM school.pupils_report WHERE pg_temp.leak(ecid) AND id > 0")
check "a leaky function in report's WHERE runs" has "$out" "leak: https://ketenid.nl/201703/…"
check "and sees only masked values" no_leak "$out"
out=$(as "$EXPORT" "$leaky" "SELECT count(*) FROM school.pupils_a WHERE pg_temp.leak(ecid) AND pg_temp.leak(id::text)")
check "and in export's, only pseudonyms" no_leak "$out"
check "errors of the owner's show the value (the probe works)" \
	leak "$(as "$OWNER" "SELECT ecid::text::integer FROM school.pupils WHERE id = 3")"
out=$(as "$REPORT" "SELECT ecid::integer FROM school.pupils_report WHERE id = 3")
check "report's error on a masked value shows the mask only" no_leak "$out"
out=$(as "$EXPORT" "SELECT ecid::integer FROM school.pupils_a WHERE id = 3")
check "export's, the pseudonym only" no_leak "$out"
check "the owner sees the table's statistics, values included (the probe works)" \
	leak "$(as "$OWNER" "COPY (SELECT * FROM pg_stats WHERE tablename = 'pupils') TO STDOUT")"
for role in "$NOBODY" "$TEMPR" "$SCHEMER" "$REPORT" "$EXPORT"; do
	check "$role sees none of them" same "$(as "$role" "SELECT count(*) FROM pg_stats WHERE schemaname = 'school'")" "0"
done
out=$(as "$REPORT" "SET enable_seqscan = off" "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) SELECT * FROM school.pupils_report WHERE id = 3")
check "report's plans may use the table's index (a table this small is read whole otherwise)" has "$out" "Index Scan using pupils_pkey on school.pupils t"
check "and show no secret" no_leak "$out"
out=$(as "$EXPORT" "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) SELECT * FROM school.pupils_a WHERE ecid = 'x' OR school = 2")
check "nor do export's" no_leak "$out"

echo "# DDL of other roles"
before=$(q "SELECT to_jsonb(m)::text FROM eckid.masked_view m ORDER BY id")
out=$(as "$SCHEMER" "CREATE TABLE schemer_space.pupils (id integer, pgn text, hpgn text, ecid eckid.eckid)" \
	"CREATE VIEW schemer_space.pupils_report AS SELECT id, pgn, eckid.mask(ecid) AS ecid FROM schemer_space.pupils" \
	"ALTER TABLE schemer_space.pupils RENAME COLUMN pgn TO id2" \
	"ALTER TABLE schemer_space.pupils DROP COLUMN hpgn" \
	"ALTER VIEW schemer_space.pupils_report RENAME TO pupils_a" \
	"SELECT eckid.create_masked_view('schemer_space.pupils', 'mine')")
check "schemer may not make masked views" has "$out" "permission denied for function create_masked_view"
out=$(as "$SCHEMER" "ALTER TABLE school.pupils RENAME COLUMN pgn_ft TO x")
check "nor alter the owner's table" has "$out" "must be owner of table pupils"
out=$(as "$SCHEMER" "ALTER TABLE school.pupils DROP COLUMN ecid")
check "nor drop its columns" has "$out" "must be owner of table pupils"
out=$(as "$SCHEMER" "DROP VIEW school.pupils_report")
check "nor drop the view" has "$out" "must be owner of view pupils_report"
out=$(as "$SCHEMER" "SELECT eckid_internal.masked_view_release('school.pupils'::regclass)" "SELECT eckid_internal.masked_view_refresh(1)")
check "nor call the machinery" has "$out" "permission denied for function masked_view_release"
check "the records are as they were" same "$(q "SELECT to_jsonb(m)::text FROM eckid.masked_view m ORDER BY id")" "$before"
check "and report still sees no secret" no_leak "$(as "$REPORT" "COPY (SELECT * FROM school.pupils_report) TO STDOUT")"

echo "# concurrent DDL"
# The owner alters the table in one transaction while, in another, it makes
# a masked view of the table: create_masked_view waits for the ALTER TABLE
# (it locks the table) and then sees the new column.
psql -X -q -U "$OWNER" -d "$DB" -c "BEGIN" -c "ALTER TABLE school.pupils ADD COLUMN concurrent_ids eckid.eckid[]" \
	-c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null 2>&1 &
bg_pid=$!
for _ in $(seq 50); do
	[ "$(q "SELECT count(*) FROM pg_locks WHERE relation = 'school.pupils'::regclass AND mode = 'AccessExclusiveLock' AND granted")" -gt 0 ] && break
	sleep 0.1
done
out=$(as "$OWNER" "SELECT eckid.create_masked_view('school.pupils', 'pupils_concurrent', '{pgn_ft,hpgn,box}')")
wait "$bg_pid"
bg_pid=
check "create_masked_view, run while another transaction alters the table, waits and sees the new column (refused: eckid[])" \
	has "$out" 'column "concurrent_ids" of relation "pupils" cannot be masked'
check "and leaves no record or view behind" \
	same "$(q "SELECT count(*) FROM eckid.masked_view WHERE view_name = 'pupils_concurrent'")$(q "SELECT to_regclass('school.pupils_concurrent') IS NULL")" "0t"
check "the masked view of the table left the new column out" \
	same "$(q "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'school.pupils_report'::regclass AND attnum > 0")" \
	"id,ecid,school,later"

checks_done
