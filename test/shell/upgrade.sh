#!/usr/bin/env bash
# ALTER EXTENSION eckid UPDATE from every earlier release, as a package
# upgrade does it: the old release's install script next to the current
# scripts, run against the current shared library.
#
# For each release in sql/releases older than the current default_version:
#   - its install script is built from its commit in the history (git archive
#     of that commit, then that commit's own Makefile: make sql/eckid--X.Y.sql)
#     and put into the extension directory;
#   - a database gets CREATE EXTENSION eckid VERSION 'X.Y' and data: eckid
#     values with a btree and a hash index, a table with the eckid.assign()
#     trigger, a replacement record, a masked view of each kind (masked and
#     pseudonymized) granted to a reporting role, a grant of eckid.hpgn;
#   - ALTER EXTENSION eckid UPDATE; then the extension must equal a fresh
#     CREATE EXTENSION of the current version (member objects, their ACLs and
#     comments, the ACLs of the schemas, every function's pg_get_functiondef),
#     the data must be unchanged and the views, the trigger and the indexes
#     must still work.
# A self-check proves that the comparison sees a difference: the same update
# with its first upgrade script altered (cut before its last statement that
# makes a new object, or when it has none, one COMMENT added) must not equal
# a fresh install.
# Uses the running cluster (PGHOST, PGPORT, PGUSER; salt and key set).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

newest=$(sed -n -E "s/^[[:space:]]*default_version[[:space:]]*=[[:space:]]*'([^']+)'.*/\1/p" "$root/eckid.control")
available=$(psql_q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'eckid'")
[ "$available" = "$newest" ] || fail "the cluster's eckid is $available, the tree's $newest: make install first"
extdir=$(pg_config --sharedir)/extension
[ -f "$extdir/eckid--$newest.sql" ] || fail "$extdir is not where eckid $newest is installed"

work=$(mktemp -d /tmp/eckid-upgrade.XXXXXX)
installed=()
dbs=()
cleanup() {
	local f d
	for d in "${dbs[@]}"; do dropdb --if-exists "$d" >/dev/null 2>&1 || true; done
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS eckid_upg_reader, eckid_upg_owner" >/dev/null 2>&1 || true
	for f in "${installed[@]}"; do rm -f "$f"; done
	rm -rf "$work"
}
trap cleanup EXIT

# What the extension consists of, as text to compare: each member object with
# its ACL and comment, the ACLs of eckid's schemas, every function's definition.
describe_sql="
SELECT 'member ' || pg_describe_object(d.classid, d.objid, 0)
       || coalesce(' acl=' || (SELECT array_to_string(array_agg(a ORDER BY a), ',')
                                 FROM (SELECT unnest(proacl)::text AS a FROM pg_proc WHERE oid = d.objid AND d.classid = 'pg_proc'::regclass
                                       UNION ALL
                                       SELECT unnest(relacl)::text FROM pg_class WHERE oid = d.objid AND d.classid = 'pg_class'::regclass
                                       UNION ALL
                                       SELECT unnest(nspacl)::text FROM pg_namespace WHERE oid = d.objid AND d.classid = 'pg_namespace'::regclass) x), '')
       || coalesce(' comment=' || obj_description(d.objid, d.classid::regclass::text), '')
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'eckid')
   AND d.deptype = 'e'
UNION ALL
SELECT 'schema ' || nspname || ' acl=' || coalesce(array_to_string(nspacl, ','), '') || ' comment=' || coalesce(obj_description(oid, 'pg_namespace'), '')
  FROM pg_namespace WHERE nspname IN ('eckid', 'eckid_internal')
UNION ALL
SELECT 'definition ' || pg_get_functiondef(p.oid)
  FROM pg_proc p
 WHERE p.pronamespace IN (SELECT oid FROM pg_namespace WHERE nspname IN ('eckid', 'eckid_internal'))
   AND p.prokind <> 'a'
 ORDER BY 1"

fresh_db=eckid_upgrade_fresh
dbs+=("$fresh_db")
dropdb --if-exists "$fresh_db" >/dev/null 2>&1 || true
createdb "$fresh_db"
psql_q -d "$fresh_db" -c "CREATE EXTENSION eckid"
fresh=$(psql_q -d "$fresh_db" -c "$describe_sql")
[ "$(grep -c '^member ' <<<"$fresh")" -gt 50 ] || fail "a fresh install has too few member objects to compare"

# build_release RELEASE COMMIT: the install script of RELEASE, made by its
# commit's own Makefile from its commit's sources; prints its path.
build_release() {
	local rel=$1 commit=$2 ver=${1%.*} src=$work/$1
	git -C "$root" cat-file -e "$commit^{commit}" 2>/dev/null \
		|| fail "commit $commit of release $rel is not in this clone's history (a shallow clone?)"
	mkdir -p "$src"
	git -C "$root" archive "$commit" | tar -x -C "$src"
	make -C "$src" -s PG_CONFIG="$(command -v pg_config)" "sql/eckid--$ver.sql" >/dev/null
	[ -s "$src/sql/eckid--$ver.sql" ] || fail "the Makefile of $commit made no sql/eckid--$ver.sql"
	echo "$src/sql/eckid--$ver.sql"
}

install_file() {	# install_file SOURCE NAME: into the extension directory, removed at exit
	[ ! -e "$extdir/$2" ] || fail "$extdir/$2 exists already"
	cp "$1" "$extdir/$2"
	chmod 644 "$extdir/$2"
	installed+=("$extdir/$2")
}

checked=0
while read -r rel commit; do
	case $rel in ''|'#'*) continue ;; esac
	ver=${rel%.*}
	if [ "$ver" = "$newest" ]; then
		continue
	fi
	script=$(build_release "$rel" "$commit")
	install_file "$script" "eckid--$ver.sql"

	db=eckid_upgrade_from_${ver//./_}
	dbs+=("$db")
	dropdb --if-exists "$db" >/dev/null 2>&1 || true
	createdb "$db"
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS eckid_upg_reader" -c "CREATE ROLE eckid_upg_reader" >/dev/null 2>&1
	psql_q -d "$db" <<SQL
CREATE EXTENSION eckid VERSION '$ver';
SET search_path = public, eckid;
CREATE TABLE ids (id int PRIMARY KEY, hpgn text, eck_id eckid.eckid);
INSERT INTO ids
SELECT i, encode(sha256(convert_to('pupil ' || i, 'UTF8')), 'hex'),
       ('https://ketenid.nl/' || (ARRAY['201703', 'pilot', 'x'])[1 + i % 3] || '/'
        || encode(sha512(convert_to('id ' || i, 'UTF8')), 'hex'))::eckid.eckid
  FROM generate_series(1, 500) i;
CREATE INDEX ON ids USING hash (eck_id);
CREATE UNIQUE INDEX ids_eck_id_btree ON ids (eck_id);
SELECT FROM eckid.replace_hpgn((SELECT hpgn FROM ids WHERE id = 1), (SELECT hpgn FROM ids WHERE id = 2));
CREATE TABLE pupils (id int PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid, name text);
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
INSERT INTO pupils (id, pgn, name) VALUES (1, '063138219', 'a'), (2, '111222333', 'b');
SELECT FROM eckid.create_masked_view('pupils', 'pupils_masked', '{pgn,hpgn}');
SELECT FROM eckid.create_masked_view('pupils', 'pupils_for_x', '{pgn,hpgn,name}', 'uitgever-x');
GRANT USAGE ON SCHEMA public TO eckid_upg_reader;
GRANT SELECT ON pupils_masked, pupils_for_x TO eckid_upg_reader;
GRANT EXECUTE ON FUNCTION eckid.hpgn(text) TO eckid_upg_reader;
CREATE TABLE before AS SELECT id, eck_id::text AS t, encode(eckid.digest(eck_id), 'hex') AS d FROM ids;
CREATE TABLE before_pupils AS SELECT id, hpgn, eck_id::text AS e FROM pupils;
CREATE TABLE replacements_before AS SELECT new_hpgn, old_hpgn, effective FROM eckid.hpgn_replacement;
-- objects that depend on the operators, which the update moves to pg_catalog
-- (issue 20): a view comparing and sorting, a CHECK constraint, a partial index
CREATE VIEW ids_low AS SELECT id FROM ids
 WHERE eck_id < ('https://ketenid.nl/201703/8' || repeat('0', 127))::eckid.eckid
   AND eck_id <> (SELECT eck_id FROM ids WHERE id = 1)
 ORDER BY eck_id;
ALTER TABLE ids ADD CONSTRAINT ids_not_zero
	CHECK (eck_id <> ('https://ketenid.nl/0/' || repeat('0', 128))::eckid.eckid);
CREATE INDEX ids_high ON ids (id) WHERE eck_id >= ('https://ketenid.nl/201703/8' || repeat('0', 127))::eckid.eckid;
CREATE TABLE ids_low_before AS SELECT * FROM ids_low;
SQL
	ops_before=$(psql_q -d "$db" -c "SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_operator WHERE oprleft = 'eckid.eckid'::regtype")
	views_sql="SET ROLE eckid_upg_reader; SELECT string_agg(concat_ws(' ', m.id, m.eck_id, m.name, x.eck_id), ';' ORDER BY m.id)
	             FROM public.pupils_masked m JOIN public.pupils_for_x x USING (id)"
	views_before=$(psql_q -d "$db" -c "$views_sql")
	[ -n "$views_before" ] || fail "from $ver: the masked views show nothing before the update"

	# No object a role other than a superuser may create blocks the update
	# (docs/development.md): a role with exactly the grants this release's
	# docs/privileges.md gives for the trigger and the backfill makes a view
	# over every function of eckid_internal it may execute.  In a database
	# of its own: a grant and its REVOKE leave a schema's ACL written out,
	# which the comparison below would see.
	gdb=eckid_upgrade_grants
	dbs+=("$gdb")
	dropdb --if-exists "$gdb" >/dev/null 2>&1 || true
	createdb "$gdb"
	psql_q -d "$gdb" -c "CREATE EXTENSION eckid VERSION '$ver'"
	grants=$(git -C "$root" show "$commit:docs/privileges.md" \
		| sed -n '/^## The trigger and the backfill/,/^## [^T]/p' | grep -E '^GRANT .* TO las_owner;$' \
		| sed 's/ TO las_owner;$/ TO eckid_upg_owner;/' || true)
	[ "$(grep -c 'eckid_internal' <<<"$grants")" -ge 3 ] \
		|| fail "from $ver: found no backfill grants in docs/privileges.md of $commit"
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS eckid_upg_owner" -c "CREATE ROLE eckid_upg_owner" >/dev/null 2>&1
	psql_q -d "$gdb" <<SQL
$grants
CREATE SCHEMA upg_own AUTHORIZATION eckid_upg_owner;
SET ROLE eckid_upg_owner;
CREATE TABLE upg_own.pupils (id int PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid);
INSERT INTO upg_own.pupils (id, pgn) VALUES (1, '063138219');
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON upg_own.pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
DO \$\$
DECLARE
	f record;
BEGIN
	FOR f IN SELECT p.oid, p.proname,
					(SELECT string_agg(format('NULL::%s', t::regtype), ', ' ORDER BY i)
					   FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)) AS args
			   FROM pg_proc p
			  WHERE p.pronamespace = 'eckid_internal'::regnamespace AND p.prokind = 'f'
				AND has_function_privilege(p.oid, 'EXECUTE')
	LOOP
		EXECUTE format('CREATE VIEW upg_own.%I AS SELECT eckid_internal.%I(%s) IS NULL AS x',
					   'over_' || f.proname || '_' || f.oid, f.proname, coalesce(f.args, ''));
	END LOOP;
END
\$\$;
SQL
	views=$(psql_q -d "$gdb" -c "SELECT string_agg(DISTINCT p.proname, ' ' ORDER BY p.proname)
		FROM pg_depend d JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
		JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid
		WHERE r.ev_class::regclass::text LIKE 'upg_own.over\_%'")
	grep -qw backfill_setup <<<"$views" || fail "from $ver: no view over eckid_internal.backfill_setup was made (views over: $views)"
	setup_oid=$(psql_q -d "$gdb" -c "SELECT 'eckid_internal.backfill_setup(regclass)'::regprocedure::oid")
	# the control: such a view blocks a DROP of the function it uses (as
	# an update script would run it: in the extension, so taken out of it
	# first here; rolled back)
	out=$(psql -X -q -d "$gdb" -c "BEGIN" -c "ALTER EXTENSION eckid DROP FUNCTION eckid_internal.backfill_setup(regclass)" \
		-c "DROP FUNCTION eckid_internal.backfill_setup(regclass)" 2>&1 || true)
	grep -q "other objects depend on it" <<<"$out" \
		|| fail "from $ver: (control) the view over backfill_setup does not block its DROP: $out"

	psql_q -d "$gdb" -c "ALTER EXTENSION eckid UPDATE"
	after=$(psql_q -d "$gdb" -c "SELECT count(*) FROM pg_depend d JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
		WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = $setup_oid AND r.ev_class::regclass::text LIKE 'upg_own.over\_%'")
	[ "$after" = 1 ] || fail "from $ver: after the update $after views depend on the old backfill_setup, not 1"
	# The role's backfill after the update: 1.2's backfill has helpers that
	# 1.1.0's docs could not grant (backfill_remaining, _pick, _put), so
	# the role needs the grants of the current docs/privileges.md added
	# (CHANGELOG); what the old grants alone do is printed.
	out=$(psql -X -q -d "$gdb" -v ON_ERROR_STOP=1 -c "SET ROLE eckid_upg_owner" -c "CALL eckid.backfill('upg_own.pupils')" 2>&1) \
		|| echo "# from $ver: with $rel's documented grants alone the backfill after the update says: $(grep -m1 ERROR <<<"$out")"
	current=$(sed -n '/^## The trigger and the backfill/,/^## [^T]/p' "$root/docs/privileges.md" \
		| grep -E '^GRANT .* TO las_owner;$' | sed 's/ TO las_owner;$/ TO eckid_upg_owner;/' || true)
	psql_q -d "$gdb" -c "$current" >/dev/null
	out=$(psql -X -q -d "$gdb" -v ON_ERROR_STOP=1 -c "SET ROLE eckid_upg_owner" -c "CALL eckid.backfill('upg_own.pupils')" 2>&1) \
		|| fail "from $ver: with the current docs' grants the role cannot backfill after the update: $out"
	filled=$(psql_q -d "$gdb" -c "SELECT count(*) FROM upg_own.pupils WHERE hpgn IS NOT NULL AND eck_id IS NOT NULL")
	[ "$filled" = 1 ] || fail "from $ver: the role's backfill after the update filled $filled rows, not 1"
	echo "ok: $rel -> $newest: views over $views, made by a role with $rel's backfill grants, do not block the update"
	echo "    (they block a DROP of backfill_setup, and depend on the same one after it); the role backfills after it"
	dropdb "$gdb"

	psql_q -d "$db" -c "ALTER EXTENSION eckid UPDATE"
	got=$(psql_q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'eckid'")
	[ "$got" = "$newest" ] || fail "from $ver: extversion is $got, not $newest"

	# the DBA's grant on a function of the extension is kept, and then taken
	# back: a fresh install has none
	kept=$(psql_q -d "$db" -c "SELECT has_function_privilege('eckid_upg_reader', 'eckid.hpgn(text)', 'EXECUTE')")
	[ "$kept" = t ] || fail "from $ver: the grant of eckid.hpgn(text) to a role is lost in the update"
	psql_q -d "$db" -c "REVOKE EXECUTE ON FUNCTION eckid.hpgn(text) FROM eckid_upg_reader"
	updated=$(psql_q -d "$db" -c "$describe_sql")
	if [ "$updated" != "$fresh" ]; then
		diff <(echo "$fresh") <(echo "$updated") | sed 's/^/    /' | head -60 || true
		fail "from $ver: the updated extension differs from a fresh $newest install (< fresh, > updated)"
	fi

	changed=$(psql_q -d "$db" -c "
		SELECT count(*) FROM ids p FULL JOIN before b USING (id)
		 WHERE b.id IS NULL OR p.id IS NULL OR p.eck_id::text <> b.t
		    OR encode(eckid.digest(p.eck_id), 'hex') <> b.d")
	[ "$changed" = 0 ] || fail "from $ver: $changed stored values differ after the update"
	changed=$(psql_q -d "$db" -c "
		SELECT count(*) FROM (SELECT new_hpgn, old_hpgn, effective FROM eckid.hpgn_replacement
		                      EXCEPT SELECT * FROM replacements_before) x")
	[ "$changed" = 0 ] || fail "from $ver: replacement records differ after the update"
	idx=$(psql_q -d "$db" -c "
		SET enable_seqscan = off;
		SELECT count(*) FROM ids p JOIN before b ON p.eck_id = b.t::eckid.eckid")
	[ "$idx" = 500 ] || fail "from $ver: index lookups after the update found $idx of 500 rows"
	# The operators were moved, not made again: the same OIDs, now in
	# pg_catalog, so that the unqualified = above needed no search_path; the
	# view, the constraint and the partial index made under $ver use them.
	ops_after=$(psql_q -d "$db" -c "SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_operator WHERE oprleft = 'eckid.eckid'::regtype")
	[ "$ops_after" = "$ops_before" ] || fail "from $ver: the operators have other OIDs after the update ($ops_before, then $ops_after)"
	nsp=$(psql_q -d "$db" -c "SELECT string_agg(DISTINCT oprnamespace::regnamespace::text, ',') FROM pg_operator WHERE oprleft = 'eckid.eckid'::regtype")
	[ "$nsp" = pg_catalog ] || fail "from $ver: the operators are in $nsp after the update, not in pg_catalog"
	low=$(psql_q -d "$db" -c "SELECT count(*) FROM ids_low")
	[ "$low" -gt 0 ] && [ "$(psql_q -d "$db" -c "SELECT count(*) FROM (SELECT * FROM ids_low EXCEPT ALL SELECT * FROM ids_low_before) x")" = 0 ] \
		&& [ "$(psql_q -d "$db" -c "SELECT count(*) FROM ids_low_before")" = "$low" ] \
		|| fail "from $ver: the view made before the update shows other rows after it"
	viewdef=$(psql_q -d "$db" -c "SELECT pg_get_viewdef('ids_low'::regclass)")
	case $viewdef in *OPERATOR*) fail "from $ver: the view's definition names the operators' schema after the update: $viewdef" ;; esac
	refused=$(psql_q -d "$db" -c "
		DO \$\$ BEGIN
			INSERT INTO ids VALUES (0, NULL, ('https://ketenid.nl/0/' || repeat('0', 128))::eckid.eckid);
			RAISE NOTICE 'accepted';
		EXCEPTION WHEN check_violation THEN RAISE NOTICE 'refused';
		END \$\$" 2>&1)
	[ "$refused" = "NOTICE:  refused" ] || fail "from $ver: the CHECK constraint made before the update no longer holds: $refused"
	# amcheck with heapallindexed evaluates the partial index's predicate on
	# every row, and the definitions name no schema for the operators
	psql_q -d "$db" -c "CREATE EXTENSION IF NOT EXISTS amcheck; REINDEX INDEX ids_high; SELECT bt_index_check('ids_high'::regclass, true)" >/dev/null \
		|| fail "from $ver: the partial index made before the update fails REINDEX or amcheck after it"
	defs=$(psql_q -d "$db" -c "SELECT pg_get_indexdef('ids_high'::regclass) || pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ids_not_zero'")
	case $defs in *OPERATOR*|'') fail "from $ver: the index or constraint made before the update names the operators' schema: $defs" ;; esac
	psql_q -d "$db" -c "CREATE EXTENSION IF NOT EXISTS amcheck; SELECT bt_index_check('ids_eck_id_btree'::regclass, true)" >/dev/null \
		|| fail "from $ver: the btree index fails amcheck after the update"
	views_after=$(psql_q -d "$db" -c "$views_sql")
	[ "$views_after" = "$views_before" ] || fail "from $ver: the masked views show other values after the update"
	# the trigger after the update: a new pupil gets the values a row of the
	# same PGN got before it
	same=$(psql_q -d "$db" -c "
		INSERT INTO pupils (id, pgn, name) VALUES (3, '063138219', 'c');
		SELECT (SELECT hpgn FROM pupils WHERE id = 3) = (SELECT hpgn FROM before_pupils WHERE id = 1)
		   AND (SELECT eck_id::text FROM pupils WHERE id = 3) = (SELECT e FROM before_pupils WHERE id = 1)")
	[ "$same" = t ] || fail "from $ver: the trigger gives another HPgn or ECK iD after the update"
	reader=$(psql_q -d "$db" -c "SET ROLE eckid_upg_reader; SELECT count(*) FROM public.pupils_for_x")
	[ "$reader" = 3 ] || fail "from $ver: the reporting role reads $reader rows of the pseudonymizing view, not 3"
	# the views the release made are the views 1.2 would make, so the upkeep
	# follows the table as before (issue 20: it refuses views that differ)
	differ=$(psql_q -d "$db" -c "SELECT count(*) FROM eckid.masked_view m, eckid_internal.masked_view_verify(m.id, false) d WHERE d.differs IS NOT NULL")
	[ "$differ" = 0 ] || fail "from $ver: $differ masked views made by $rel differ from what eckid makes now"
	psql_q -d "$db" -c "ALTER TABLE pupils ADD COLUMN upgraded integer" -c "ALTER TABLE pupils DROP COLUMN upgraded" >/dev/null \
		|| fail "from $ver: the upkeep of the masked views fails after the update"
	echo "ok: $rel ($commit) -> $newest: objects, ACLs, comments and function definitions equal a fresh install;"
	echo "    500 values with hash and btree indexes (amcheck), a replacement record, the trigger and two masked views"
	echo "    with their grants work as before (and follow an ALTER TABLE); the operators moved to pg_catalog with their OIDs, and a view, a CHECK"
	echo "    constraint and a partial index made with them under $ver work unqualified without a search_path"

	# DROP EXTENSION takes the operators in pg_catalog with it.
	psql_q -d "$db" -c "DROP EXTENSION eckid CASCADE" 2>/dev/null
	left=$(psql_q -d "$db" -c "SELECT count(*) FROM pg_operator WHERE oid = ANY ('{$ops_after}'::oid[])")
	[ "$left" = 0 ] || fail "from $ver: DROP EXTENSION left $left of eckid's operators in pg_catalog"
	echo "ok: from $ver, updated: DROP EXTENSION removes the operators from pg_catalog"

	# Self-check: the comparison must see an update that is one statement off.
	first=$(cd "$extdir" && ls "eckid--$ver--"*.sql | head -n 1)
	next=${first#eckid--"$ver"--}
	next=${next%.sql}
	probe=$work/probe.sql
	# The last statement that makes a new object (not CREATE OR REPLACE,
	# which may rewrite what is already there, nor a REVOKE, which may
	# change nothing), else the last that changes the catalog.
	last=$( (grep -nE '^CREATE (TABLE|SEQUENCE|VIEW|FUNCTION|PROCEDURE|TYPE|EVENT TRIGGER|TRIGGER|INDEX|UNIQUE INDEX)\b' "$extdir/$first" || true) | tail -n 1 | cut -d: -f1)
	[ -n "$last" ] || last=$( (grep -nE '^(CREATE|ALTER|COMMENT|GRANT|REVOKE|DROP|SELECT|INSERT|UPDATE|DELETE)\b' "$extdir/$first" || true) | tail -n 1 | cut -d: -f1)
	if [ -n "$last" ]; then
		# leave out that statement and what follows it (from its first line on)
		head -n $((last - 1)) "$extdir/$first" > "$probe"
		what="cut before its last statement that makes an object"
	else
		{ cat "$extdir/$first"; echo "COMMENT ON SCHEMA eckid_internal IS 'probe';"; } > "$probe"
		what="a COMMENT added (it changes nothing to leave out)"
	fi
	install_file "$script" "eckid--${ver}probe.sql"
	install_file "$probe" "eckid--${ver}probe--$next.sql"
	pdb=eckid_upgrade_probe
	dbs+=("$pdb")
	dropdb --if-exists "$pdb" >/dev/null 2>&1 || true
	createdb "$pdb"
	psql_q -d "$pdb" -c "CREATE EXTENSION eckid VERSION '${ver}probe'" -c "ALTER EXTENSION eckid UPDATE"
	probed=$(psql_q -d "$pdb" -c "$describe_sql")
	[ "$probed" != "$fresh" ] || fail "self-check: the update with $first altered ($what) compares equal to a fresh install"
	echo "ok: self-check: with $first altered ($what) the comparison finds $(diff <(echo "$fresh") <(echo "$probed") | grep -c '^[<>]') differing lines"
	dropdb "$pdb"
	dropdb "$db"
	checked=$((checked + 1))
done < "$root/sql/releases"

if [ "$checked" -eq 0 ]; then
	echo "skip: sql/releases records no release earlier than $newest, so there is nothing to update from"
fi
