#!/usr/bin/env bash
# eckid's operators cannot be captured, whatever the search_path (issue 20).
#
# Until 1.2 the operators lived in schema eckid, and the documentation put
# that schema on the search path behind public.  A role that may create in
# public (any role in a database created before PostgreSQL 15; on 15 and
# later the database owner, through pg_database_owner) could plant
# public.=(eckid.eckid, eckid.eckid), and a superuser's ordinary
# WHERE eck_id = '...' ran it with the superuser's rights and every scanned
# value.  Since 1.2 the operators live in pg_catalog, which PostgreSQL
# searches first unless a search_path names it later.
#
# Here two non-superusers plant operators =, <>, <, <=, >, >= on
# (eckid.eckid, eckid.eckid), (eckid.eckid, text) and (text, eckid.eckid),
# functions mask, segment and digest on eckid.eckid and an implicit cast from
# eckid.eckid to a type of their own, in every schema a
# non-superuser can put on a superuser's search path:
#   - round 1: a role granted CREATE on public plants in public; the
#     database owner in a schema of its own that it puts on everybody's
#     search_path with ALTER DATABASE ... SET search_path, and in a schema
#     named after the superuser, which "$user" finds;
#   - round 2: the database owner plants in public (it may: it owns it).
# Every planted object raises WARNING 'eckid opcap fired: ...' and, when its
# caller is a superuser, makes its planter one.  A superuser then runs
# ordinary queries (=, <>, <, <=, >, >=, BETWEEN, IN, NOT IN, = ANY,
# IS DISTINCT FROM, NULLIF, CASE, ORDER BY, DISTINCT, GROUP BY, UNION, an
# index scan, hash, merge and nested-loop joins, a prepared statement, a
# view, PL/pgSQL) under several search paths, the old recommended one
# among them: none of the planted objects may run, and the results must be
# the same under every path.  Operators in pg_temp are never looked up
# (shown in the superuser's own session).
#
# Controls, each with the same probe: with pg_catalog placed explicitly
# after the planted schema, each schema's plants do run (and make their
# planter superuser, rolled back); with eckid's = moved back into schema
# eckid as in 1.1 and the old recommended search_path, the planted public.=
# runs in WHERE eck_id = '...'; an unqualified mask() runs the planted one
# (why the documentation calls functions qualified); a comparison of eckid
# with text, which has no operator of eckid, finds a planted one.  A role
# that owns neither type may not create a cast to or from eckid.eckid.
# eckid.security_check() reports the planted operators and casts, and a
# database search_path that names pg_catalog after public.
#
# Uses PGHOST/PGPORT/PGUSER (a superuser); makes and drops its own database
# and roles.  About 10 s.
set -uo pipefail
source "$(dirname "$0")/lib/checks.sh"

db=eckid_opcap
owner=eckid_opcap_owner		# owns the database, not a superuser
planter=eckid_opcap_planter	# granted CREATE on public by the owner
su=${PGUSER:-postgres}
work=$(mktemp -d /tmp/eckid_opcap.XXXXXX)

drop_all() {
	dropdb --if-exists "$db" 2>/dev/null
	for r in "$planter" "$owner"; do
		psql -X -q -d postgres -c "DROP ROLE IF EXISTS $r" 2>/dev/null
	done
}
trap '[ -n "${ECKID_KEEP:-}" ] || { drop_all; rm -rf "$work"; }' EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
fired() { grep -q 'eckid opcap fired' "$1"; }
quiet() { ! fired "$1"; }
show_fired() { grep -m 5 'eckid opcap fired' "$1" | sed 's/^/#   /'; }
superuser() { q -c "SELECT rolsuper FROM pg_roles WHERE rolname = '$1'"; }

drop_all
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE ROLE $owner LOGIN" -c "CREATE ROLE $planter LOGIN"
createdb -O "$owner" "$db"
q <<SQL
CREATE EXTENSION eckid;
CREATE SCHEMA school;
CREATE TABLE school.pupils (id integer NOT NULL, eck_id eckid.eckid PRIMARY KEY);
INSERT INTO school.pupils
	SELECT i, ('https://ketenid.nl/201703/' || encode(sha512(convert_to('p' || i, 'UTF8')), 'hex'))::eckid.eckid
	  FROM generate_series(1, 2000) i;
CREATE TABLE school.results (eck_id eckid.eckid NOT NULL, score integer);
INSERT INTO school.results SELECT eck_id, id % 10 FROM school.pupils, generate_series(1, 3);
ANALYZE school.pupils, school.results;
SQL
lit1=$(q -c "SELECT eck_id FROM school.pupils WHERE id OPERATOR(pg_catalog.=) 42")
lit2=$(q -c "SELECT eck_id FROM school.pupils WHERE id OPERATOR(pg_catalog.=) 43")
low=https://ketenid.nl/201703/4$(printf '0%.0s' $(seq 1 127))
high=https://ketenid.nl/201703/c$(printf '0%.0s' $(seq 1 127))

check "the operators of eckid are in pg_catalog, its functions in eckid" \
	same "$(q -c "SELECT string_agg(DISTINCT o.oprnamespace::regnamespace || ' ' || p.pronamespace::regnamespace, ',')
				   FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
				  WHERE o.oprleft = 'eckid.eckid'::regtype OR o.oprright = 'eckid.eckid'::regtype")" "pg_catalog eckid"

# plant SCHEMA ROLE: the SQL with which ROLE plants its traps in SCHEMA.
plant() {
	cat <<SQL
SET search_path = pg_catalog;
DO \$plant\$
DECLARE
	nsp text := '$1';
	ops text[] := ARRAY['=', '<>', '<', '<=', '>', '>='];
	sig text[];
	op text;
	n integer := 0;
	body text;
BEGIN
	FOREACH op IN ARRAY ops LOOP
		FOREACH sig SLICE 1 IN ARRAY ARRAY[['eckid.eckid', 'eckid.eckid'], ['eckid.eckid', 'text'], ['text', 'eckid.eckid']] LOOP
			n := n + 1;
			body := format(\$b\$BEGIN
					RAISE WARNING 'eckid opcap fired: %s';
					IF pg_catalog.current_setting('is_superuser') = 'on' THEN
						EXECUTE 'ALTER ROLE $2 SUPERUSER';
					END IF;
					RETURN true;
				END\$b\$, format('%I.%s(%s, %s)', nsp, op, sig[1], sig[2]));
			EXECUTE format('CREATE FUNCTION %I.opcap_%s(%s, %s) RETURNS boolean LANGUAGE plpgsql AS %L',
						   nsp, n, sig[1], sig[2], body);
			EXECUTE format('CREATE OPERATOR %I.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %I.opcap_%s)',
						   nsp, op, sig[1], sig[2], nsp, n);
		END LOOP;
	END LOOP;
	FOREACH op IN ARRAY ARRAY['mask', 'segment', 'digest'] LOOP
		EXECUTE format('CREATE FUNCTION %I.%I(eckid.eckid) RETURNS text LANGUAGE plpgsql AS %L', nsp, op,
					   format(\$b\$BEGIN
							RAISE WARNING 'eckid opcap fired: %s';
							IF pg_catalog.current_setting('is_superuser') = 'on' THEN
								EXECUTE 'ALTER ROLE $2 SUPERUSER';
							END IF;
							RETURN 'captured';
						END\$b\$, format('%I.%s(eckid.eckid)', nsp, op)));
	END LOOP;
	-- an implicit cast from eckid.eckid to a type of its own (allowed: it
	-- owns one of the two types)
	EXECUTE format('CREATE TYPE %I.opcap_own AS ENUM (''captured'')', nsp);
	EXECUTE format('CREATE FUNCTION %I.opcap_cast(eckid.eckid) RETURNS %I.opcap_own LANGUAGE plpgsql AS %L', nsp, nsp,
				   format(\$b\$BEGIN
						RAISE WARNING 'eckid opcap fired: %s';
						IF pg_catalog.current_setting('is_superuser') = 'on' THEN
							EXECUTE 'ALTER ROLE $2 SUPERUSER';
						END IF;
						RETURN 'captured';
					END\$b\$, format('cast to %I.opcap_own', nsp)));
	EXECUTE format('CREATE CAST (eckid.eckid AS %I.opcap_own) WITH FUNCTION %I.opcap_cast(eckid.eckid) AS IMPLICIT', nsp, nsp);
	RAISE NOTICE 'planted % operators, 3 functions and a cast in %', n, nsp;
END
\$plant\$;
SQL
}

# The ordinary queries of a superuser.  Type names are qualified (the
# documentation writes eckid.eckid), operators and literals are not.
ordinary() {
	cat <<SQL
SELECT count(*) FROM school.pupils WHERE eck_id = '$lit1';
SELECT count(*) FROM school.pupils WHERE '$lit1' = eck_id;
SELECT count(*) FROM school.pupils WHERE eck_id <> '$lit1';
SELECT count(*) FROM school.pupils WHERE eck_id < '$low';
SELECT count(*) FROM school.pupils WHERE eck_id <= '$low';
SELECT count(*) FROM school.pupils WHERE eck_id > '$high';
SELECT count(*) FROM school.pupils WHERE eck_id >= '$high';
SELECT count(*) FROM school.pupils WHERE eck_id BETWEEN '$low' AND '$high';
SELECT count(*) FROM school.pupils WHERE eck_id IN ('$lit1', '$lit2');
SELECT count(*) FROM school.pupils WHERE eck_id NOT IN ('$lit1', '$lit2');
SELECT count(*) FROM school.pupils WHERE eck_id = ANY ('{$lit1,$lit2}');
SELECT count(*) FROM school.pupils WHERE eck_id IS DISTINCT FROM '$lit1';
SELECT count(*) FROM school.pupils WHERE NULLIF(eck_id, '$lit1') IS NULL;
SELECT CASE eck_id WHEN '$lit1' THEN 'one' ELSE 'other' END AS k, count(*) FROM school.pupils GROUP BY 1 ORDER BY 1;
SELECT id FROM school.pupils ORDER BY eck_id LIMIT 3;
SELECT id FROM school.pupils ORDER BY eck_id DESC LIMIT 3;
SELECT count(*) FROM (SELECT DISTINCT eck_id FROM school.results) d;
SELECT count(DISTINCT eck_id) FROM school.results;
SELECT count(*) FROM (SELECT eck_id FROM school.results GROUP BY eck_id HAVING count(*) > 2) g;
SELECT count(*) FROM (SELECT eck_id FROM school.pupils UNION SELECT eck_id FROM school.results) u;
-- the primary key's index
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM school.pupils WHERE eck_id = '$lit1';
SELECT id FROM school.pupils WHERE eck_id = '$lit1';
SELECT count(*) FROM school.pupils WHERE eck_id > '$high';
RESET enable_seqscan;
RESET enable_bitmapscan;
-- joins of each kind
SET enable_mergejoin = off;
SET enable_nestloop = off;
SELECT count(*) FROM school.pupils p JOIN school.results r ON r.eck_id = p.eck_id;
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_hashjoin = off;
SET enable_nestloop = off;
SELECT count(*) FROM school.pupils p JOIN school.results r ON r.eck_id = p.eck_id;
RESET enable_hashjoin;
RESET enable_nestloop;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT count(*) FROM school.pupils p JOIN school.results r ON p.eck_id = r.eck_id WHERE r.score = 3;
RESET enable_hashjoin;
RESET enable_mergejoin;
-- a parameter of unspecified type, a view, PL/pgSQL
PREPARE by_id AS SELECT id FROM school.pupils WHERE eck_id = \$1;
EXECUTE by_id('$lit2');
CREATE TEMPORARY VIEW one_pupil AS SELECT id FROM school.pupils WHERE eck_id = '$lit1';
SELECT id FROM one_pupil;
DO \$\$
DECLARE
	r record;
	found integer := 0;
BEGIN
	FOR r IN SELECT eck_id FROM school.pupils WHERE id < 50 LOOP
		IF r.eck_id = '$lit1' OR r.eck_id > '$high' THEN
			found := found + 1;
		END IF;
	END LOOP;
	RAISE NOTICE 'PL/pgSQL compared and found %', found;
END
\$\$;
-- eckid's functions, called qualified
SELECT eckid.mask(eck_id), eckid.segment(eck_id), length(eckid.digest(eck_id)) FROM school.pupils WHERE id = 7;
SQL
}

# run_ordinary NAME PATH: the ordinary queries as the superuser under PATH
# ("" leaves the database's setting); checks that none fired.
run_ordinary() {
	local name=$1 path=$2 out=$work/$1.out
	{ [ -z "$path" ] || echo "SET search_path = $path;"; ordinary; } > "$work/$name.sql"
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" < "$work/$name.sql" > "$out" 2>&1
	local rc=$? shown=$path
	[ -n "$shown" ] || shown='the setting of the database ("$user", las, public)'
	check "$name: a superuser's ordinary queries ran with search_path = $shown" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || tail -n 5 "$out" | sed 's/^/#   /'
	check "$name: none of the planted operators or functions ran" quiet "$out"
	show_fired "$out"
	if [ -z "${reference:-}" ]; then
		reference=$out
		check "$name: the point lookup used the primary key's index" grep -q 'Index.* Scan using pupils_pkey' "$out"
		check "$name: and found pupil 42, and the prepared statement pupil 43" \
			[ "$(grep -c -x -e 42 -e 43 "$out")" -ge 3 ]
	else
		# (EXPLAIN names the type eckid where schema eckid is on the path)
		check "$name: the results equal those of the first run" \
			same "$(sed 's/::eckid\.eckid/::eckid/' "$out")" "$(sed 's/::eckid\.eckid/::eckid/' "$reference")"
	fi
}

# the search paths of every round: with the database's setting, the
# recommendation of before 1.2, PostgreSQL's default, eckid first, the
# owner's schema first, pg_temp first, and none at all
paths=('' '"$user", public, eckid' '"$user", public' 'public, eckid' 'eckid, public'
	   'las, public, eckid, pg_temp' 'pg_temp, "$user", las, public, eckid' "''")

# control NAME PATH SCHEMA: with PATH (pg_catalog after SCHEMA), the plant of
# SCHEMA runs in a plain WHERE eck_id = '...' and makes its planter superuser
# (rolled back)
control() {
	local name=$1 path=$2 who=$3 out=$work/$1.out
	psql -X -q -At -d "$db" > "$out" 2>&1 <<SQL
BEGIN;
SET LOCAL search_path = $path;
SELECT count(*) FROM school.pupils WHERE id <= 3 AND eck_id = '$lit1';
SELECT 'planter superuser: ' || rolsuper FROM pg_catalog.pg_roles WHERE rolname = '$who';
ROLLBACK;
SQL
	check "control $name: with search_path = $path the plant runs in WHERE eck_id = '...'" fired "$out"
	show_fired "$out"
	check "control $name: and made $who superuser (rolled back)" grep -q 'planter superuser: true' "$out"
}

# ---- round 1: a role granted CREATE on public; the owner in its schemas ----
psql -X -q -v ON_ERROR_STOP=1 -U "$owner" -d "$db" > "$work/owner_setup.out" 2>&1 <<SQL
GRANT CREATE ON SCHEMA public TO $planter;
CREATE SCHEMA las;
CREATE SCHEMA "$su";
GRANT USAGE ON SCHEMA las, "$su" TO PUBLIC;
ALTER DATABASE $db SET search_path = "\$user", las, public;
SQL
check "the database owner (not a superuser) granted CREATE on public, made schema las and a schema named $su, and set the database's search_path" \
	[ $? -eq 0 -a "$(superuser "$owner")" = f ]
check "the superuser's search path now holds the owner's schemas" \
	same "$(q -c "SELECT current_schemas(false)")" "{$su,las,public}"
plant public "$planter" | psql -X -q -v ON_ERROR_STOP=1 -U "$planter" -d "$db" > "$work/plant_1.out" 2>&1
check "round 1: $planter planted operators and functions in public" [ $? -eq 0 ]
{ plant las "$owner"; plant "$su" "$owner"; } | psql -X -q -v ON_ERROR_STOP=1 -U "$owner" -d "$db" > "$work/plant_2.out" 2>&1
check "round 1: the database owner planted them in las and in $su" [ $? -eq 0 ]
# Casts are not found through the search path; only the owner of one of
# the two types may make one.
for c in 'text AS eckid.eckid' 'eckid.eckid AS bytea'; do
	out=$(psql -X -q -At -U "$planter" -d "$db" -c "CREATE CAST ($c) WITH INOUT AS IMPLICIT" 2>&1)
	check "a role that owns neither type may not create a cast ($c)" \
		has "$out" 'ERROR:  must be owner of type'
done
check "round 1: the plants made casts from eckid.eckid to a type of their own" \
	same "$(q -c "SELECT count(*) FROM pg_cast WHERE castsource = 'eckid.eckid'::regtype AND castcontext = 'i'")" 3
check "round 1: 54 operators on eckid.eckid outside pg_catalog" \
	same "$(q -c "SELECT count(*) FROM pg_operator WHERE oprnamespace <> 'pg_catalog'::regnamespace
				   AND 'eckid.eckid'::regtype IN (oprleft, oprright)")" 54

check "eckid.security_check() warns of the operators and casts on eckid.eckid that are not eckid's" \
	same "$(q -c "SELECT status || ': ' || left(detail, 60) FROM eckid.security_check() WHERE check_name = 'pg_catalog on the search_path'")" \
	"warning: 57 operators and casts on eckid.eckid are not eckid's (cast "

i=0
for path in "${paths[@]}"; do
	i=$((i + 1))
	run_ordinary "r1_path$i" "$path"
done
control r1_public 'public, pg_catalog' "$planter"
check "eckid.security_check() finds a database setting that names pg_catalog after public: a problem" \
	same "$(q -c "BEGIN" -c "ALTER DATABASE $db SET search_path = public, pg_catalog" \
			  -c "SELECT status FROM eckid.security_check() WHERE check_name = 'pg_catalog on the search_path'" -c "ROLLBACK")" problem
control r1_las 'las, pg_catalog' "$owner"
control r1_user '"$user", pg_catalog' "$owner"
check "no planter is a superuser" [ "$(superuser "$planter")" = f -a "$(superuser "$owner")" = f ]

# Control: eckid's = back in schema eckid, as in 1.1, with the search_path
# that 1.1 recommended: the planted public.= is found first.
psql -X -q -At -d "$db" > "$work/control_1_1.out" 2>&1 <<SQL
BEGIN;
ALTER OPERATOR pg_catalog.= (eckid.eckid, eckid.eckid) SET SCHEMA eckid;
SET LOCAL search_path = "\$user", public, eckid;
SELECT count(*) FROM school.pupils WHERE eck_id = '$lit1';
ROLLBACK;
SQL
check "control: with = in schema eckid as in 1.1 and search_path = \"\$user\", public, eckid, WHERE eck_id = '...' runs a plant (the issue)" \
	fired "$work/control_1_1.out"
show_fired "$work/control_1_1.out"

# Functions called without their schema: a planted one is found before
# eckid's (or without eckid on the path at all), which is why the
# documentation calls them qualified; with no schema on the path that
# others can create in, none is found.
# (what runs planted code as the superuser does so in a transaction that is
# rolled back: the plants make their planter superuser)
psql -X -q -At -d "$db" -c 'BEGIN' -c 'SET LOCAL search_path = "$user", public, eckid' \
	-c "SELECT mask(eck_id) FROM school.pupils WHERE id = 7" -c 'ROLLBACK' > "$work/mask_old.out" 2>&1
check "an unqualified mask() with search_path = \"\$user\", public, eckid runs a planted one (functions are called qualified)" \
	fired "$work/mask_old.out"
psql -X -q -At -d "$db" -c "SET search_path = ''" \
	-c "SELECT mask(eck_id) FROM school.pupils WHERE id = 7" > "$work/mask_none.out" 2>&1
check "with an empty search_path an unqualified mask() finds nothing" \
	grep -q 'function mask(eckid.eckid) does not exist' "$work/mask_none.out"
check "and runs nothing planted" quiet "$work/mask_none.out"

# eckid has no operator between eckid and text: such a comparison fails
# without a plant, and finds a planted one where there is one.  A literal
# is not text (it is unknown, and becomes eckid.eckid: the runs above).
psql -X -q -At -d "$db" -c 'BEGIN' -c 'SET LOCAL search_path = "$user", public' \
	-c "SELECT count(*) FROM school.pupils WHERE id <= 3 AND eck_id = '$lit1'::text" -c 'ROLLBACK' > "$work/text_public.out" 2>&1
check "a comparison of eckid with a text value runs a planted =(eckid.eckid, text) on the search path" \
	fired "$work/text_public.out"
psql -X -q -At -d "$db" -c "SET search_path = ''" \
	-c "SELECT count(*) FROM school.pupils WHERE eck_id = '$lit1'::text" > "$work/text_none.out" 2>&1
check "and is an error where none is planted (eckid defines none)" \
	grep -q 'operator does not exist: eckid.eckid = text' "$work/text_none.out"
psql -X -q -At -d "$db" -c 'SET search_path = "$user", public' \
	-c "SELECT count(*) FROM school.pupils WHERE eck_id = ('$lit1'::text)::eckid.eckid" > "$work/text_cast.out" 2>&1
check "cast to eckid.eckid, the same comparison runs eckid's = and finds the row" \
	[ "$(cat "$work/text_cast.out")" = 1 ]

# pg_temp: operators (and functions) there are never looked up without
# their schema, even with pg_temp first on the path; a type would be.
psql -X -q -At -d "$db" > "$work/temp.out" 2>&1 <<SQL
SET search_path = pg_temp, pg_catalog;
CREATE FUNCTION pg_temp.opcap_t(eckid.eckid, eckid.eckid) RETURNS boolean LANGUAGE plpgsql
	AS \$\$ BEGIN RAISE WARNING 'eckid opcap fired: pg_temp.=(eckid.eckid, eckid.eckid)'; RETURN true; END \$\$;
CREATE FUNCTION pg_temp.opcap_tt(eckid.eckid, text) RETURNS boolean LANGUAGE plpgsql
	AS \$\$ BEGIN RAISE WARNING 'eckid opcap fired: pg_temp.=(eckid.eckid, text)'; RETURN true; END \$\$;
CREATE OPERATOR pg_temp.= (LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = pg_temp.opcap_t);
CREATE OPERATOR pg_temp.= (LEFTARG = eckid.eckid, RIGHTARG = text, FUNCTION = pg_temp.opcap_tt);
SELECT 'plain: ' || count(*) FROM school.pupils WHERE eck_id = '$lit1';
SELECT 'text: ' || count(*) FROM school.pupils WHERE eck_id = '$lit1'::text;
SQL
check "pg_temp first on the path: its = on (eckid.eckid, eckid.eckid) is not used" \
	grep -qx 'plain: 1' "$work/temp.out"
check "nor its = on (eckid.eckid, text): the comparison finds no operator" \
	grep -q 'operator does not exist: eckid.eckid = text' "$work/temp.out"
check "and nothing in pg_temp ran" quiet "$work/temp.out"
psql -X -q -At -d "$db" > "$work/temp_control.out" 2>&1 <<SQL
CREATE FUNCTION pg_temp.opcap_t(eckid.eckid, eckid.eckid) RETURNS boolean LANGUAGE plpgsql
	AS \$\$ BEGIN RAISE WARNING 'eckid opcap fired: pg_temp.=(eckid.eckid, eckid.eckid)'; RETURN true; END \$\$;
CREATE OPERATOR pg_temp.= (LEFTARG = eckid.eckid, RIGHTARG = eckid.eckid, FUNCTION = pg_temp.opcap_t);
SELECT count(*) FROM school.pupils WHERE eck_id OPERATOR(pg_temp.=) '$lit1';
SQL
check "control: the same temporary operator, named with its schema, runs" fired "$work/temp_control.out"

# ---- round 2: the database owner plants in public ----
q -c "SET client_min_messages = warning" -c "DROP OWNED BY $planter CASCADE" -c "REVOKE CREATE ON SCHEMA public FROM $planter"
plant public "$owner" | psql -X -q -v ON_ERROR_STOP=1 -U "$owner" -d "$db" > "$work/plant_3.out" 2>&1
check "round 2: the database owner, owning public through pg_database_owner, planted them in public" [ $? -eq 0 ]
reference=
i=0
for path in "${paths[@]}"; do
	i=$((i + 1))
	run_ordinary "r2_path$i" "$path"
done
control r2_public 'public, pg_catalog' "$owner"
check "no planter is a superuser" [ "$(superuser "$owner")" = f ]
check "the results of round 2 equal those of round 1" same "$(cat "$work/r2_path1.out")" "$(cat "$work/r1_path1.out")"
check "after all of it, neither planter is a superuser" [ "$(superuser "$planter")" = f -a "$(superuser "$owner")" = f ]

checks_done
