#!/usr/bin/env bash
# ALTER EXTENSION eckid UPDATE from every released version, on a database
# that holds data of that version:
#   - every stored eckid value and replacement record is unchanged;
#   - the updated extension has exactly the objects, privileges and comments
#     of a fresh CREATE EXTENSION at the newest version.
# Uses the cluster scripts/test started (PGHOST, PGPORT, PGUSER).
set -euo pipefail

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

newest=$(psql_q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'eckid'")
versions=$(psql_q -d postgres -c "SELECT version FROM pg_available_extension_versions WHERE name = 'eckid' AND version <> '$newest' ORDER BY version")

# What an extension consists of: each member object with its ACL and comment.
members_sql="
SELECT pg_describe_object(d.classid, d.objid, 0)
       || coalesce(' acl=' || (SELECT array_to_string(array_agg(a ORDER BY a), ',')
                                 FROM (SELECT unnest(proacl)::text AS a FROM pg_proc WHERE oid = d.objid AND d.classid = 'pg_proc'::regclass
                                       UNION ALL
                                       SELECT unnest(relacl)::text FROM pg_class WHERE oid = d.objid AND d.classid = 'pg_class'::regclass) x), '')
       || coalesce(' comment=' || obj_description(d.objid, d.classid::regclass::text), '')
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'eckid')
   AND d.deptype = 'e'
 ORDER BY 1"

dropdb --if-exists eckid_upgrade_fresh >/dev/null 2>&1 || true
createdb eckid_upgrade_fresh
psql_q -d eckid_upgrade_fresh -c "CREATE EXTENSION eckid"
fresh=$(psql_q -d eckid_upgrade_fresh -c "$members_sql")
dropdb eckid_upgrade_fresh
[ -n "$fresh" ] || fail "a fresh install has no member objects"

checked=0
for v in $versions; do
	db=eckid_upgrade_from_${v//./_}
	dropdb --if-exists "$db" >/dev/null 2>&1 || true
	createdb "$db"
	psql_q -d "$db" <<SQL
CREATE EXTENSION eckid VERSION '$v';
SET search_path = public, eckid;
CREATE TABLE pupil (id int PRIMARY KEY, hpgn text, eck_id eckid.eckid);
INSERT INTO pupil
SELECT i, encode(sha256(convert_to('pupil ' || i, 'UTF8')), 'hex'),
       ('https://ketenid.nl/' || (ARRAY['201703', 'pilot', 'x'])[1 + i % 3] || '/'
        || encode(sha512(convert_to('id ' || i, 'UTF8')), 'hex'))::eckid.eckid
  FROM generate_series(1, 500) i;
CREATE INDEX ON pupil USING hash (eck_id);
CREATE UNIQUE INDEX ON pupil (eck_id);
SELECT eckid.replace_hpgn((SELECT hpgn FROM pupil WHERE id = 1), (SELECT hpgn FROM pupil WHERE id = 2));
CREATE TABLE before AS
SELECT id, eck_id::text AS t, encode(eckid.digest(eck_id), 'hex') AS d FROM pupil;
CREATE TABLE replacements_before AS SELECT new_hpgn, old_hpgn, effective FROM eckid.hpgn_replacement;
SQL
	psql_q -d "$db" -c "ALTER EXTENSION eckid UPDATE"
	got=$(psql_q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'eckid'")
	[ "$got" = "$newest" ] || fail "from $v: extversion is $got, not $newest"

	changed=$(psql_q -d "$db" -c "
		SET search_path = public, eckid;
		SELECT count(*) FROM pupil p FULL JOIN before b USING (id)
		 WHERE b.id IS NULL OR p.id IS NULL OR p.eck_id::text <> b.t
		    OR encode(eckid.digest(p.eck_id), 'hex') <> b.d")
	[ "$changed" = 0 ] || fail "from $v: $changed stored values differ after the update"
	changed=$(psql_q -d "$db" -c "
		SELECT count(*) FROM (SELECT new_hpgn, old_hpgn, effective FROM eckid.hpgn_replacement
		                      EXCEPT SELECT * FROM replacements_before) x")
	[ "$changed" = 0 ] || fail "from $v: replacement records differ after the update"
	idx=$(psql_q -d "$db" -c "
		SET search_path = public, eckid;
		SET enable_seqscan = off;
		SELECT count(*) FROM pupil p JOIN before b ON p.eck_id = b.t::eckid.eckid")
	[ "$idx" = 500 ] || fail "from $v: index lookups after the update found $idx of 500 rows"
	psql_q -d "$db" -c "CREATE EXTENSION IF NOT EXISTS amcheck; SELECT bt_index_check('pupil_eck_id_idx1'::regclass, true)" >/dev/null \
		|| fail "from $v: the btree index fails amcheck after the update"

	updated=$(psql_q -d "$db" -c "$members_sql")
	if [ "$updated" != "$fresh" ]; then
		diff <(echo "$fresh") <(echo "$updated") | sed 's/^/    /' || true
		fail "from $v: the updated extension differs from a fresh $newest install (< fresh, > updated)"
	fi
	echo "ok: $v -> $newest on a database with 500 values, a hash and a btree index, a replacement record:"
	echo "    values, index lookups, amcheck and replacement records unchanged; objects, ACLs and comments equal a fresh install"
	dropdb "$db"
	checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || fail "no earlier version to update from"
