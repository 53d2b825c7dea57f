#!/usr/bin/env bash
# eckid is safe under a hostile search_path (issue 12).  In a database where
# PUBLIC may create in schema public (every database upgraded from
# PostgreSQL 14 or older), a role without privileges plants a trap for every
# function name, operator symbol and type name that eckid's SQL uses: the list is read
# from the install scripts by search_path_traps.py, so a name added there
# later is trapped too.  Then a superuser runs every entry point of eckid
# (the type, the validation and derivation functions, replace_hpgn, the
# trigger, eckid.backfill over several batches, masked views made, altered,
# renamed and dropped so that the event triggers fire) twice:
#   - with search_path = public, pg_catalog: a trap with the same arguments
#     as the real function or operator hides it, so any unqualified name in
#     code that runs with the caller's search_path fires a trap;
#   - with the default "$user", public: a trap with a better match (such as
#     bigint / double precision, which pg_catalog does not have) fires.
# No trap may fire.  Positive controls show that the traps do fire when
# reached: an unqualified bigint / double precision, and a function of eckid
# with its SET search_path taken away for one transaction.  (Against the
# eckid.backfill of before issue 12, both runs fire traps: /(bigint, double
# precision), +(bigint, integer), <(integer, integer) ...)
#
# Uses PGHOST/PGPORT/PGUSER as scripts/test exports them (a superuser);
# creates and drops its own database and roles.  About 15 s, mostly scrypt.
set -uo pipefail
source "$(dirname "$0")/lib/checks.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
db=eckid_traps
trapper=eckid_trapper		# no privileges; plants the traps
middle=eckid_trap_middle	# grants SELECT on a masked view onwards
reader=eckid_trap_reader
work=$(mktemp -d /tmp/eckid_traps.XXXXXX)
chmod 755 "$work"

drop_all() {
	dropdb --if-exists "$db" 2>/dev/null
	for r in "$trapper" "$middle" "$reader"; do
		psql -X -q -d postgres -c "DROP ROLE IF EXISTS $r" 2>/dev/null
	done
}
trap 'drop_all; rm -rf "$work"' EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
fired() { grep -q 'eckid trap fired' "$1"; }
quiet() { ! fired "$1"; }
show_fired() { grep -m 5 'eckid trap fired' "$1" | sed 's/^/#   /'; }

drop_all
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION eckid;
-- as in a database created before PostgreSQL 15
GRANT CREATE ON SCHEMA public TO PUBLIC;
CREATE ROLE $trapper LOGIN;
CREATE ROLE $middle;
CREATE ROLE $reader;
SQL
# One schema and table per run: rows without HPgn or ECK iD for the backfill,
# one of them with an invalid BSN that it skips.
for n in 1 2; do
	q "CREATE SCHEMA school_$n;
	   GRANT USAGE ON SCHEMA school_$n TO $middle;
	   CREATE TABLE school_$n.pupils (id integer PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid, note text);
	   INSERT INTO school_$n.pupils (id, pgn) VALUES (1, '063138219'), (2, '123456782'), (3, '101222331'), (5, '123456789');"
done

# The traps, planted by the role without privileges.
python3 "$HERE/search_path_traps.py" > "$work/plant.sql"
psql -X -q -v ON_ERROR_STOP=1 -U "$trapper" -d "$db" -f "$work/plant.sql" > "$work/plant.out" 2>&1
plant_rc=$?
check "a role without privileges planted the traps ($(grep -o 'eckid traps planted.*' "$work/plant.out"))" \
	[ "$plant_rc" -eq 0 ]
[ "$plant_rc" -eq 0 ] || sed 's/^/#   /' "$work/plant.out"
check "traps for bigint / double precision and for make_interval(secs => ...) are among them" \
	[ "$(q "SELECT count(*) FROM pg_operator WHERE oprname = '/' AND oprnamespace = 'public'::regnamespace
			  AND oprleft = 'bigint'::regtype AND oprright = 'double precision'::regtype")" = 1 -a \
	  "$(q "SELECT count(*) FROM pg_proc WHERE proname = 'make_interval' AND pronamespace = 'public'::regnamespace")" -ge 1 ]

# Every function of eckid (schemas eckid and eckid_internal) that is not written in C runs SQL with some
# search_path: each must be exercised below.  A new one fails this check
# until it is added to the entry points and to this list.
# (masked_view_clear_dependents and masked_view_verify run with every drop and remake of a view;
# masked_view_bind is the trigger of eckid.masked_view: every
# create_masked_view fires it; masked_view_release runs before the ALTER
# TABLE ... TYPE of a column a masked view shows; backfill_distributed runs
# in every backfill and citus_partmethod in every create_masked_view,
# finding no Citus here; the other Citus helpers are called on their own.)
# The Nummervoorziening queue's functions (schema eckid_internal included)
# run in the block "Nummervoorziening" below.
covered="backfill backfill_distributed backfill_shards_command citus_acl_inventory citus_acl_sync citus_partmethod citus_sync_privileges masked_view_bind masked_view_create masked_view_define masked_view_drop masked_view_clear_dependents masked_view_verify
masked_view_follow_ddl masked_view_forget_dropped masked_view_plan masked_view_refresh masked_view_release
masked_view_type_kind replace_hpgn resolve_hpgn security_check stampseudonym
nv_claim nv_extend nv_release nv_report_replacement nv_requeue nv_resubmit nv_store nv_submitted
nv_batch_items nv_check_worker nv_enqueue nv_enqueue_replacement nv_forget_dropped nv_held nv_scrub
nv_target_bind nv_write_targets nv_write_group nv_retry_targets nv_answer_problem nv_follow_renames
forget nv_purge record_secret_fingerprints"
uncovered=$(q "SELECT string_agg(proname, ' ' ORDER BY proname) FROM pg_proc
				WHERE pronamespace IN ('eckid'::regnamespace, 'eckid_internal'::regnamespace)
				  AND prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
				  AND proname !~ '^masked_rows_[0-9]+$'
				  AND NOT proname = ANY (string_to_array(regexp_replace('$covered', '\s+', ' ', 'g'), ' '))")
check "every eckid function in SQL or PL/pgSQL is among the entry points run here${uncovered:+ (not: $uncovered)}" \
	[ -z "$uncovered" ]

# entry_points N: every entry point of eckid, for schema school_N.  Written
# with every name qualified: the test's own SQL must not fire a trap.
entry_points() {
	local n=$1 old new
	if [ "$n" = 1 ]; then old=b; new=c; else old=d; new=e; fi
	cat <<SQL
SET client_min_messages = warning;
-- the type: input, output, comparison, hashing, sorting, binary form
SELECT eckid.segment(v), eckid.digest(v), eckid.mask(v), eckid.eckid_send(v), eckid.eckid_out(v),
	   eckid.eckid_cmp(v, v), eckid.eckid_hash(v), eckid.eckid_hash_extended(v, 0::pg_catalog.int8),
	   eckid.eckid_eq(v, v), eckid.eckid_ne(v, v), eckid.eckid_lt(v, v), eckid.eckid_le(v, v),
	   eckid.eckid_gt(v, v), eckid.eckid_ge(v, v),
	   v OPERATOR(pg_catalog.=) v, v OPERATOR(pg_catalog.<>) v, v OPERATOR(pg_catalog.<) v, v OPERATOR(pg_catalog.<=) v,
	   v OPERATOR(pg_catalog.>) v, v OPERATOR(pg_catalog.>=) v
  FROM (SELECT 'https://ketenid.nl/pilot/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'::eckid.eckid AS v) s;
CREATE TEMPORARY TABLE ids (v eckid.eckid);
INSERT INTO ids SELECT eckid.local_stampseudonym(pg_catalog.repeat(x, 64)) FROM pg_catalog.unnest('{a,b,c,d}'::pg_catalog.text[]) x;
SELECT v FROM ids ORDER BY v;
SELECT DISTINCT v FROM ids;
\copy (SELECT v FROM ids) TO '$work/ids_$n.bin' WITH (FORMAT binary)
\copy ids FROM '$work/ids_$n.bin' WITH (FORMAT binary)
-- validation and derivation
SELECT eckid.is_valid('x'), eckid.bsn_is_valid('123456782'), eckid.onderwijsnummer_is_valid('101222331'),
	   eckid.hpgn_is_valid(pg_catalog.repeat('a', 64));
SELECT eckid.hpgn('063138219') IS NULL, eckid.hpgn('063138219', 'rktYml0MIp9TC9u6Ny6uqw==') IS NULL;
SELECT eckid.replace_hpgn(pg_catalog.repeat('$old', 64), pg_catalog.repeat('$new', 64));
DO \$\$ BEGIN
	PERFORM eckid.replace_hpgn(pg_catalog.repeat('$new', 64), pg_catalog.repeat('$old', 64));
EXCEPTION WHEN invalid_parameter_value THEN NULL;
END \$\$;
SELECT eckid.resolve_hpgn(h), eckid.local_stampseudonym(h), eckid.stampseudonym(h),
	   eckid.derive(eckid.stampseudonym(h), 'chain', 'sector'),
	   eckid.pseudonymize(eckid.stampseudonym(h), 'recipient')
  FROM (SELECT pg_catalog.repeat('$new', 64) AS h) s;
-- the trigger, and the backfill in four batches, skipping an invalid row
CREATE TRIGGER pupils_eckid BEFORE INSERT OR UPDATE ON school_$n.pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector');
CALL eckid.backfill('school_$n.pupils', 1);
INSERT INTO school_$n.pupils (id, pgn) VALUES (4, '063138219');
UPDATE school_$n.pupils SET note = 'x' WHERE id OPERATOR(pg_catalog.=) 4;
-- masked views: made, read, altered (the event triggers regenerate them,
-- with a grant made by another role), renamed, dropped two ways
SELECT eckid.create_masked_view('school_$n.pupils', 'pupils_masked', '{pgn,hpgn}');
SELECT eckid.create_masked_view('school_$n.pupils', 'pupils_pseudo', '{pgn,hpgn}', 'recipient');
GRANT SELECT ON school_$n.pupils_masked TO $middle WITH GRANT OPTION;
SET ROLE $middle;
GRANT SELECT ON school_$n.pupils_masked TO $reader;
RESET ROLE;
SELECT pg_catalog.count(*) FROM school_$n.pupils_masked;
SELECT pg_catalog.count(*) FROM school_$n.pupils_pseudo;
ALTER TABLE school_$n.pupils ADD COLUMN extra integer;
ALTER TABLE school_$n.pupils RENAME COLUMN note TO remark;
ALTER TABLE school_$n.pupils ALTER COLUMN remark TYPE varchar(40);
ALTER VIEW school_$n.pupils_masked RENAME TO pupils_masked2;
ALTER SCHEMA school_$n RENAME TO school_${n}r;
SELECT pg_catalog.count(*) FROM school_${n}r.pupils_masked2;
SELECT eckid.drop_masked_view('school_${n}r.pupils_masked2');
DROP VIEW school_${n}r.pupils_pseudo;
-- Nummervoorziening: the trigger's flag queues, an application queues,
-- and a worker takes every step of the contract, the answers written into
-- the rows (the dynamic UPDATE and the trigger's early exit)
CREATE TABLE school_${n}r.nv_pupils (id pg_catalog.int4 PRIMARY KEY, pgn pg_catalog.text, hpgn pg_catalog.text, eck_id eckid.eckid);
CREATE TRIGGER nv_pupils_eckid BEFORE INSERT OR UPDATE ON school_${n}r.nv_pupils FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'PO', 'nummervoorziening');
INSERT INTO school_${n}r.nv_pupils (id, pgn) VALUES (1, '063138219'), (2, '123456782');
SELECT eckid.nv_request('school_${n}r.nv_pupils', 'hpgn', 'eck_id', pg_catalog.repeat('$old', 64), 'chain', 'VO');
SELECT eckid.nv_report_replacement(pg_catalog.repeat('$old', 64), pg_catalog.repeat('$new', 64), NULL);
CREATE TEMPORARY TABLE c1 AS SELECT * FROM eckid.nv_claim('w', 100, '1 min');
SELECT eckid.nv_store(pg_catalog.min(c1.batch_id), 'w', pg_catalog.array_agg(c1.item_index),
		pg_catalog.array_agg(pg_catalog.concat('https://ketenid.nl/sppilot/', pg_catalog.repeat('ab', 64))), NULL, NULL)
  FROM c1;
CREATE TEMPORARY TABLE c2 AS SELECT * FROM eckid.nv_claim('w', 100, '1 min');
SELECT eckid.nv_submitted(pg_catalog.min(c2.batch_id), 'w', 'batch-2'), eckid.nv_extend(pg_catalog.min(c2.batch_id), 'w', '2 min')
  FROM c2;
SELECT eckid.nv_store(pg_catalog.min(c2.batch_id), 'w', pg_catalog.array_agg(c2.item_index),
		pg_catalog.array_agg(pg_catalog.concat('https://ketenid.nl/sppilot/', pg_catalog.repeat('cd', 64))), NULL, NULL)
  FROM c2;
-- (the batch given back goes behind the other chain and sector's: c4)
CREATE TEMPORARY TABLE c3 AS SELECT * FROM eckid.nv_claim('w', 100, '1 min');
SELECT eckid.nv_resubmit(pg_catalog.min(c3.batch_id), 'w'), eckid.nv_release(pg_catalog.min(c3.batch_id), 'w', '0', 'stopped')
  FROM c3;
CREATE TEMPORARY TABLE c4 AS SELECT * FROM eckid.nv_claim('w', 100, '1 min');
SELECT eckid.nv_store(pg_catalog.min(c4.batch_id), 'w', NULL, NULL, pg_catalog.array_agg(c4.item_index),
		pg_catalog.array_agg(pg_catalog.concat('refused ', pg_catalog.repeat('0', 64))))
  FROM c4;
CREATE TEMPORARY TABLE c5 AS SELECT * FROM eckid.nv_claim('w', 100, '1 min');
SELECT eckid.nv_store(pg_catalog.min(c5.batch_id), 'w', pg_catalog.array_agg(c5.item_index),
		pg_catalog.array_agg(pg_catalog.concat('https://ketenid.nl/pilot/', pg_catalog.repeat('ef', 64))), NULL, NULL)
  FROM c5;
SELECT pg_catalog.count(*) FROM eckid.nv_status;
SELECT pg_catalog.count(*) FROM eckid.nv_failure;
SELECT eckid.nv_requeue(NULL);
SELECT pg_catalog.count(*) FROM eckid.nv_purge(NULL);
SELECT pg_catalog.count(*) FROM eckid.forget(pg_catalog.repeat('9', 64));
SELECT pg_catalog.count(*) FROM eckid.record_secret_fingerprints(true);
UPDATE school_${n}r.nv_pupils SET pgn = '101222331' WHERE id OPERATOR(pg_catalog.=) 1;
-- a table that refuses every answer with a serialization failure: its
-- write is retried (nv_claim runs the retries) and fails on its own
CREATE TABLE school_${n}r.nv_stuck (hpgn pg_catalog.text, eck_id eckid.eckid);
CREATE FUNCTION school_${n}r.stuck() RETURNS trigger LANGUAGE plpgsql AS
	\$\$BEGIN RAISE EXCEPTION 'stuck' USING ERRCODE = 'serialization_failure'; END\$\$;
CREATE TRIGGER stuck BEFORE UPDATE ON school_${n}r.nv_stuck FOR EACH ROW EXECUTE FUNCTION school_${n}r.stuck();
INSERT INTO school_${n}r.nv_stuck SELECT p.hpgn, NULL FROM school_${n}r.nv_pupils p WHERE p.id OPERATOR(pg_catalog.=) 2;
SELECT eckid.nv_request('school_${n}r.nv_stuck', 'hpgn', 'eck_id', p.hpgn, 'chain', 'PO')
  FROM school_${n}r.nv_pupils p WHERE p.id OPERATOR(pg_catalog.=) 2;
ALTER TABLE school_${n}r.nv_stuck RENAME COLUMN eck_id TO ecid;
ALTER TABLE school_${n}r.nv_stuck RENAME COLUMN ecid TO eck_id;
$(for k in 6 7 8 9; do cat <<ROUND
CREATE TEMPORARY TABLE c$k AS SELECT * FROM eckid.nv_claim('w', 100, '1 min');
SELECT eckid.nv_store(pg_catalog.min(c$k.batch_id), 'w', pg_catalog.array_agg(c$k.item_index),
		pg_catalog.array_agg(CASE WHEN c$k.operation OPERATOR(pg_catalog.=) 'eckid'
								  THEN pg_catalog.concat('https://ketenid.nl/pilot/', pg_catalog.repeat('ef', 64))
								  ELSE pg_catalog.concat('https://ketenid.nl/sppilot/', pg_catalog.repeat('ab', 64)) END),
		NULL, NULL)
  FROM c$k HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0;
UPDATE eckid_internal.nv_item_target SET retry_at = '-infinity' WHERE retry_at IS NOT NULL;
ROUND
done)
CREATE TABLE school_${n}r.nv_gone (hpgn pg_catalog.text, eck_id eckid.eckid);
SELECT eckid.nv_request('school_${n}r.nv_gone', 'hpgn', 'eck_id', pg_catalog.repeat('$old', 64), 'chain', 'VO');
DROP TABLE school_${n}r.nv_gone;
-- the DBA's self-check
SELECT pg_catalog.count(*) FROM eckid.security_check();
-- Citus's helpers, without Citus (citus_sync_privileges() stops at its check)
SELECT pg_catalog.length(eckid_internal.backfill_shards_command(ARRAY['school_${n}r.pupils'], 2));
SELECT eckid_internal.citus_acl_sync(eckid_internal.citus_acl_inventory(), false);
DO \$\$ BEGIN PERFORM eckid.citus_sync_privileges(); EXCEPTION WHEN object_not_in_prerequisite_state THEN NULL; END \$\$;
SQL
}

run=0
for path in 'public, pg_catalog' '"$user", public'; do
	run=$((run + 1))
	{ echo "SET search_path = $path;"; entry_points "$run"; } > "$work/run_$run.sql"
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -f "$work/run_$run.sql" > "$work/run_$run.out" 2>&1
	rc=$?
	check "every entry point ran as superuser with search_path = $path" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || tail -n 5 "$work/run_$run.out" | sed 's/^/#   /'
	check "and no trap fired" quiet "$work/run_$run.out"
	show_fired "$work/run_$run.out"
	check "the backfill filled every valid row in school_$run and skipped the invalid one" \
		[ "$(q "SELECT string_agg(id::text, ',') FROM school_${run}r.pupils WHERE hpgn IS NULL OR eck_id IS NULL")" = 5 ]
	check "with a WARNING for it" grep -q 'eckid.backfill: row .* skipped' "$work/run_$run.out"
	check "the table that refuses every answer has its write retried, then failed on its own" \
		[ "$(q "SELECT count(*) FROM eckid_internal.nv_item_target it JOIN eckid_internal.nv_target g ON g.id = it.target_id
				 WHERE g.table_schema = 'school_${run}r' AND g.table_name = 'nv_stuck' AND it.attempts >= 2")" = 1 ]
	check "the worker's answers reached both rows of school_$run's Nummervoorziening table" \
		[ "$(q "SELECT count(*) FROM school_${run}r.nv_pupils WHERE eck_id::text LIKE 'https://ketenid.nl/pilot/efef%'")" = 2 ]
done
check "the masked views are gone with their definitions" \
	[ "$(q "SELECT count(*) FROM eckid.masked_view")" = 0 ]
check "the role that planted the traps is still not a superuser" \
	[ "$(q "SELECT rolsuper FROM pg_roles WHERE rolname = '$trapper'")" = f ]

# Positive controls: the probe works.
psql -X -q -At -d "$db" > "$work/control_1.out" 2>&1 <<'SQL'
SET search_path = "$user", public;
SELECT 2::bigint / 4::double precision;
SQL
check "control: an unqualified bigint / double precision with the default search_path fires the trap (the issue's reproduction)" \
	fired "$work/control_1.out"
psql -X -q -At -d "$db" > "$work/control_2.out" 2>&1 <<'SQL'
SET search_path = public, pg_catalog;
BEGIN;
ALTER FUNCTION eckid.resolve_hpgn(pg_catalog.text) RESET search_path;
SELECT eckid.resolve_hpgn(pg_catalog.repeat('c', 64));
ROLLBACK;
SQL
check "control: eckid.resolve_hpgn() without its SET search_path fires a trap" fired "$work/control_2.out"
psql -X -q -At -d "$db" > "$work/control_3.out" 2>&1 <<'SQL'
SET search_path = public, pg_catalog;
SELECT 'x'::text;
SQL
check "control: a type named without its schema, with public first, is the trap" fired "$work/control_3.out"

checks_done
