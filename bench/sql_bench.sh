#!/usr/bin/env bash
# Rows 1c and 3-8 of make bench (BENCH_ONLY=7: row 7 alone), inside the cluster scripts/cluster started.
# Prints markdown table rows.  Each comparison runs in the same session,
# alternating, BENCH_ROUNDS times; medians.
set -euo pipefail
rows=${BENCH_ROWS:-1000000}
rounds=${BENCH_ROUNDS:-5}
db=eckid_bench
createdb "$db"
# single-process plans (no parallel workers), hash joins for row 5b
export PGOPTIONS="-c max_parallel_workers_per_gather=0 -c max_parallel_maintenance_workers=0 -c enable_mergejoin=off -c search_path=public,eckid"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -c "CREATE EXTENSION eckid"
# ms of one statement, by EXPLAIN ANALYZE-free wall clock inside the server
ms() { q -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN EXECUTE \$q\$ $1 \$q\$; RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p'; }
median() { python3 -c "import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
ratio() { python3 -c "import sys; print(round(float(sys.argv[1])/float(sys.argv[2]),2))" "$1" "$2"; }

# 7: masked views against their table, each statement in a session of its own,
# alternating.  m (id primary key, name, school with an index, ecid) of
# $rows rows, school = id % 500 (so 2,000 rows a school at 1,000,000 rows),
# and o ($rows rows) to join with; m_mask shows eckid.mask(ecid), m_pseud a
# recipient's pseudonyms.  Point queries are 2,000 lookups by primary key in
# a PL/pgSQL loop; the others are COPY (query) TO '/dev/null', so that every
# shown column is computed and printed.  7f lets the server use 2 parallel
# workers (parallel_setup_cost = 0); the others are single-process.
masked_views() {
	q -c "CREATE TABLE m (id integer PRIMARY KEY, name text, school integer, ecid eckid.eckid)" \
	  -c "INSERT INTO m SELECT i, 'pupil ' || i, i % 500, ('https://ketenid.nl/201703/' || encode(sha512(i::text::bytea), 'hex'))::eckid.eckid FROM generate_series(1, $rows) i" \
	  -c "CREATE INDEX m_school ON m (school)" \
	  -c "CREATE TABLE o (id integer PRIMARY KEY, score integer)" \
	  -c "INSERT INTO o SELECT i, i % 10 FROM generate_series(1, $rows) i" -c "VACUUM ANALYZE m, o" \
	  -c "SELECT eckid.create_masked_view('m', 'm_mask')" -c "SELECT eckid.create_masked_view('m', 'm_pseud', recipient => 'uitgeverij-a')" >/dev/null
	local plan
	plan=$(q -c "EXPLAIN (COSTS OFF) SELECT * FROM m_pseud WHERE id = 4242")
	grep -q "Index Scan using m_pkey on m" <<<"$plan" || { echo "row 7: a point query on a masked view is not an index scan: $plan" >&2; exit 1; }
	plan=$(q -c "SET max_parallel_workers_per_gather = 2" -c "SET parallel_setup_cost = 0" -c "EXPLAIN (COSTS OFF) SELECT max(ecid) FROM m_pseud")
	grep -q "Parallel Seq Scan on m" <<<"$plan" || { echo "row 7f: no parallel plan: $plan" >&2; exit 1; }
	point() { echo "DO \$x\$BEGIN FOR i IN 1 .. 2000 LOOP PERFORM * FROM $1 WHERE id = (i * 7919) % $rows + 1; END LOOP; END\$x\$"; }
	local pt=() pm=() pp=() ft=() fm=() fp=() jt=() jm=() jp=() wt=() wm=() wp=() wim=() wip=() xs=() xp=() xt=()
	for _ in $(seq "$rounds"); do
		# warm-ups, not counted: the same pages for all three of 7a and 7b
		ms "$(point m)" >/dev/null; ms "COPY (SELECT * FROM m WHERE school = 42) TO '/dev/null'" >/dev/null
		pt+=("$(ms "$(point m)")"); pm+=("$(ms "$(point m_mask)")"); pp+=("$(ms "$(point m_pseud)")")
		ft+=("$(ms "COPY (SELECT * FROM m WHERE school = 42) TO '/dev/null'")")
		fm+=("$(ms "COPY (SELECT * FROM m_mask WHERE school = 42) TO '/dev/null'")")
		fp+=("$(ms "COPY (SELECT * FROM m_pseud WHERE school = 42) TO '/dev/null'")")
		jt+=("$(ms "COPY (SELECT v.*, o.score FROM m v JOIN o USING (id)) TO '/dev/null'")")
		jm+=("$(ms "COPY (SELECT v.*, o.score FROM m_mask v JOIN o USING (id)) TO '/dev/null'")")
		jp+=("$(ms "COPY (SELECT v.*, o.score FROM m_pseud v JOIN o USING (id)) TO '/dev/null'")")
		wt+=("$(ms "COPY (SELECT * FROM m) TO '/dev/null'")")
		wm+=("$(ms "COPY (SELECT * FROM m_mask) TO '/dev/null'")")
		wp+=("$(ms "COPY (SELECT * FROM m_pseud) TO '/dev/null'")")
		wim+=("$(ms "COPY (SELECT id, name, school, eckid.mask(ecid) FROM m) TO '/dev/null'")")
		wip+=("$(ms "COPY (SELECT id, name, school, eckid.pseudonymize(ecid, 'uitgeverij-a') FROM m) TO '/dev/null'")")
		xs+=("$(ms "SELECT max(ecid) FROM m_pseud")")
		xp+=("$(q -c "SET max_parallel_workers_per_gather = 2" -c "SET parallel_setup_cost = 0" -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN PERFORM max(ecid) FROM m_pseud; RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p')")
		xt+=("$(q -c "SET max_parallel_workers_per_gather = 2" -c "SET parallel_setup_cost = 0" -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN PERFORM max(ecid::text) FROM m; RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p')")
	done
	local a b c
	a=$(median "${pt[@]}"); b=$(median "${pm[@]}"); c=$(median "${pp[@]}")
	echo "| 7a | 2,000 point queries by primary key, $rows rows | mask view $b ms, recipient view $c ms | table $a ms | **$(ratio "$b" "$a") x** mask, **$(ratio "$c" "$a") x** recipient |"
	a=$(median "${ft[@]}"); b=$(median "${fm[@]}"); c=$(median "${fp[@]}")
	echo "| 7b | WHERE school = 42 (2,000 of $rows rows, by index), COPY TO /dev/null | mask view $b ms, recipient view $c ms | table $a ms | **$(ratio "$b" "$a") x** mask, **$(ratio "$c" "$a") x** recipient |"
	a=$(median "${jt[@]}"); b=$(median "${jm[@]}"); c=$(median "${jp[@]}")
	echo "| 7c | hash join with another $rows-row table on id, COPY TO /dev/null | mask view $b ms, recipient view $c ms | table $a ms | **$(ratio "$b" "$a") x** mask, **$(ratio "$c" "$a") x** recipient |"
	local d e
	a=$(median "${wt[@]}"); b=$(median "${wm[@]}"); c=$(median "${wp[@]}"); d=$(median "${wim[@]}"); e=$(median "${wip[@]}")
	echo "| 7d | full read, $rows rows, COPY TO /dev/null: mask view vs table (full ECK iD printed) | mask view $b ms | table $a ms (eckid.mask(ecid) in the query: $d ms) | **$(ratio "$b" "$a") x** ($(ratio "$b" "$d") x the query) |"
	echo "| 7e | the same with a recipient | recipient view $c ms | table $a ms (eckid.pseudonymize(ecid, r) in the query: $e ms) | **$(ratio "$c" "$a") x** ($(ratio "$c" "$e") x the query) |"
	a=$(median "${xs[@]}"); b=$(median "${xp[@]}"); c=$(median "${xt[@]}")
	echo "| 7f | SELECT max(ecid) of the recipient view, $rows rows: 2 parallel workers vs none | parallel $b ms | single process $a ms (table, parallel, max(ecid::text): $c ms) | **$(ratio "$b" "$a") x** |"
}

# BENCH_ONLY=7: row 7 alone
if [ "${BENCH_ONLY:-}" = 7 ]; then
	masked_views
	dropdb "$db"
	exit 0
fi

bulk=${BENCH_BULK:-64}; threads=$(nproc)
secs() { local t0; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; python3 -c "import sys; print(round($(date +%s.%N) - $t0, 2))"; }

# 9: a class enrolled at once: BENCH_BULK new pupils in one INSERT ... VALUES
# through the trigger (their PGNs handed to the HPgn workers at once,
# assign_ahead.c) vs the same INSERT with libsodium row by
# row; the HPgns must be the same.
insert_class() {
	local vals
	vals=$(python3 -c "import sys; n=int(sys.argv[1]); print(', '.join(f\"({i}, 'pupil-{i}', NULL, NULL)\" for i in range(1, n + 1)))" "$bulk")
	q -c "DROP TABLE IF EXISTS cl_simd, cl_sod" \
	  -c "CREATE TABLE cl_simd (id int, pgn text, hpgn text, eck_id eckid.eckid); CREATE TABLE cl_sod (LIKE cl_simd)" \
	  -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON cl_simd FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')" \
	  -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON cl_sod FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')"
	local cs cl
	cs=$(secs q -c "INSERT INTO cl_simd VALUES $vals")
	cl=$(secs q -c "SET eckid.scrypt_implementation = 'libsodium'" -c "INSERT INTO cl_sod VALUES $vals")
	bad=$(q -c "SELECT count(*) FROM cl_simd s JOIN cl_sod l USING (id) WHERE s.hpgn IS DISTINCT FROM l.hpgn OR s.eck_id IS DISTINCT FROM l.eck_id")
	[ "$bad" = 0 ] || { echo "row 9: the bulk INSERT gave other values than libsodium row by row" >&2; exit 1; }
	echo "| 9 | one INSERT ... VALUES of $bulk new pupils through the trigger (hashed by the HPgn workers) vs the same with libsodium row by row | $cs s | libsodium $cl s | **$(ratio "$cs" "$cl") x** the time |"
}
# 13: the HPgn engine under concurrency: 8 sessions adding 4 pupils each,
# one INSERT at a time, all at once, vs one CALL eckid.backfill() of the same
# 32, in the same run; every value is checked against the backfill's.  (The
# statement forms against the backfill are row 11, bench/deferred_vs_backfill.sh.)
engine_rows() {
	local trig="FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')"
	q -c "DROP TABLE IF EXISTS en_c, en_b" -c "CREATE TABLE en_c (id int, pgn text, hpgn text, eck_id eckid.eckid); CREATE TABLE en_b (LIKE en_c)" \
	  -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON en_c $trig" -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON en_b $trig"
	conc() {
		local s cmds k
		for s in $(seq 0 7); do
			# one session (a LAS's pooled connection), 4 INSERTs one after another, each its own transaction
			cmds=()
			for k in 1 2 3 4; do cmds+=(-c "INSERT INTO en_c VALUES ($((s * 4 + k)), 'pupil-$((s * 4 + k))')"); done
			q "${cmds[@]}" &
		done
		wait
	}
	backfill32() {
		q -c "TRUNCATE en_b" -c "ALTER TABLE en_b DISABLE TRIGGER t" -c "INSERT INTO en_b SELECT i, 'pupil-' || i FROM generate_series(1, 32) i" -c "ALTER TABLE en_b ENABLE TRIGGER t"
		q -c "CALL eckid.backfill('en_b', 16)"
	}
	# 2 rounds (BENCH_ENGINE_ROUNDS), the two arms taking turns at going first; sums
	local tc=0 tb=0 r n=${BENCH_ENGINE_ROUNDS:-2}
	for r in $(seq "$n"); do
		q -c "TRUNCATE en_c"
		if [ $((r % 2)) = 1 ]; then tc=$(python3 -c "print($tc + $(secs conc))"); tb=$(python3 -c "print($tb + $(secs backfill32))")
		else tb=$(python3 -c "print($tb + $(secs backfill32))"); tc=$(python3 -c "print($tc + $(secs conc))"); fi
		bad=$(q -c "SELECT count(*) FROM en_c c FULL JOIN en_b b USING (id) WHERE c.hpgn IS DISTINCT FROM b.hpgn")
		[ "$bad" = 0 ] || { echo "row 13: other values than the backfill's" >&2; exit 1; }
	done
	echo "| 13 | 8 sessions adding 4 new pupils each, one INSERT at a time, all at once (32 HPgns) vs one backfill of the same 32; $n rounds, alternating, load $(cut -d' ' -f1 /proc/loadavg) | $tc s | backfill $tb s | **$(ratio "$tc" "$tb") x** |"
}
# BENCH_ONLY=engine: row 13 alone.
if [ "${BENCH_ONLY:-}" = engine ]; then
	engine_rows
	dropdb "$db"
	exit 0
fi

# BENCH_ONLY=class: row 9 alone, with BENCH_BULK pupils.
if [ "${BENCH_ONLY:-}" = class ]; then
	insert_class
	dropdb "$db"
	exit 0
fi

# 8: INSERT ... SELECT of rows that carry their ECK iD (PGN and HPgn NULL):
# with the eckid.assign() trigger, which fires per row, finds its kept plan,
# sees the NULL PGN and returns the row unchanged (no scrypt, no
# derivation), vs the same table without a trigger.  8c: an UPDATE of
# another column of every row (the PGN set and unchanged, ECK iD filled):
# the trigger's early exit.
trigger_rows() {
	q -c "CREATE TABLE pa (id integer, pgn text, hpgn text, eck_id eckid.eckid); CREATE TABLE pn (LIKE pa)" \
	  -c "CREATE TRIGGER pa_eckid BEFORE INSERT OR UPDATE ON pa FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'http://example.org/chain', 'http://example.org/sector')"
	local ta=() tn=() ua=() un=() a b n
	for _ in $(seq "$rounds"); do
		q -c "TRUNCATE pa, pn"
		tn+=("$(ms "INSERT INTO pn SELECT id, NULL, NULL, ecid FROM m")")
		ta+=("$(ms "INSERT INTO pa SELECT id, NULL, NULL, ecid FROM m")")
	done
	n=$(q -c "SELECT count(*) FROM pa WHERE hpgn IS NULL AND eck_id IS NOT NULL")
	[ "$n" = "$rows" ] || { echo "row 8: the trigger changed rows ($n of $rows kept)" >&2; exit 1; }
	a=$(median "${ta[@]}"); b=$(median "${tn[@]}")
	echo "| 8 | INSERT ... SELECT of $rows rows with the ECK iD supplied, PGN NULL | with eckid.assign() trigger $a ms | no trigger $b ms | **$(ratio "$a" "$b") x** |"
	# 8c: the PGN column holds an employee identifier (never hashed here:
	# the UPDATE leaves it unchanged)
	q -c "UPDATE pn SET pgn = 'employee-' || id" -c "ALTER TABLE pa DISABLE TRIGGER pa_eckid" \
	  -c "UPDATE pa SET pgn = 'employee-' || id" -c "ALTER TABLE pa ENABLE TRIGGER pa_eckid" -c "VACUUM pa, pn"
	for _ in $(seq "$rounds"); do
		un+=("$(ms "UPDATE pn SET id = id + 1")")
		ua+=("$(ms "UPDATE pa SET id = id + 1")")
		q -c "VACUUM pa, pn"
	done
	a=$(median "${ua[@]}"); b=$(median "${un[@]}")
	echo "| 8c | UPDATE of another column of $rows rows (PGN unchanged, ECK iD filled) | with eckid.assign() trigger $a ms | no trigger $b ms | **$(ratio "$a" "$b") x** |"
}
# BENCH_ONLY=trigger: rows 8 and 8c alone, on BENCH_ROWS
# rows, for a quick measurement of the trigger's cost.
if [ "${BENCH_ONLY:-}" = trigger ]; then
	q -c "CREATE TABLE m (id integer, name text, ecid eckid.eckid)" \
	  -c "INSERT INTO m SELECT i, 'pupil ' || i, ('https://ketenid.nl/201703/' || encode(sha512(i::text::bytea), 'hex'))::eckid.eckid FROM generate_series(1, $rows) i" \
	  -c "VACUUM ANALYZE m"
	trigger_rows
	dropdb "$db"
	exit 0
fi

# 1c: one HPgn through SQL, auto vs libsodium, and OpenSSL via Python
a=(); b=(); c=()
for _ in $(seq "$rounds"); do
	a+=("$(ms "SELECT eckid.hpgn('063138219')")")
	b+=("$(q -c "SET eckid.scrypt_implementation = 'libsodium'" -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN PERFORM eckid.hpgn('063138219'); RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p')")
	c+=("$(python3 -c "import hashlib,base64,time; s=base64.b64decode('rktYml0MIp9TC9u6Ny6uqw=='); t=time.monotonic(); hashlib.scrypt(b'063138219', salt=s, n=131072, r=8, p=4, maxmem=2**28, dklen=32); print(round((time.monotonic()-t)*1000,1))")")
done
ma=$(median "${a[@]}"); mb=$(median "${b[@]}"); mc=$(median "${c[@]}")
echo "| 1c | one HPgn through SQL (new transaction each): auto vs libsodium vs OpenSSL (python hashlib) | $ma ms | libsodium $mb ms, OpenSSL $mc ms | **$(ratio "$ma" "$mb") x** libsodium, $(ratio "$ma" "$mc") x OpenSSL |"

# 1d: one HPgn per transaction in one long session, as a LAS application's
# pooled connection inserts pupils one by one through the trigger,
# alternating with libsodium in the same session; medians.  With the HPgn
# engine it costs what 1c (a new session each) costs: no session keeps memory.
session_hpgn() {
	q -c "DO \$\$
DECLARE t timestamptz; a float8[] := '{}'; b float8[] := '{}';
BEGIN
	PERFORM eckid.hpgn('063138219');	-- not counted
	COMMIT;
	FOR k IN 1 .. $rounds LOOP
		PERFORM pg_catalog.set_config('eckid.scrypt_implementation', 'auto', false);
		t := clock_timestamp(); PERFORM eckid.hpgn('pupil-' || k); a := a || extract(epoch FROM clock_timestamp() - t) * 1000;
		COMMIT;
		PERFORM pg_catalog.set_config('eckid.scrypt_implementation', 'libsodium', false);
		t := clock_timestamp(); PERFORM eckid.hpgn('pupil-' || k); b := b || extract(epoch FROM clock_timestamp() - t) * 1000;
		COMMIT;
	END LOOP;
	RAISE NOTICE 'res=% %', (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 1) FROM unnest(a) x),
		(SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 1) FROM unnest(b) x);
END\$\$" 2>&1 | sed -n 's/.*res=//p'
}
read -r ka kb < <(session_hpgn)
echo "| 1d | one HPgn per transaction in one session: auto vs libsodium, alternating | $ka ms | libsodium $kb ms | **$(ratio "$ka" "$kb") x** |"

# 1f: as 1c (a new session each), with huge pages reserved for eckid
# (vm.nr_hugepages, eckid.scrypt_huge_pages = on, the default); needs root,
# and the old value is put back.  The pool's first use is not counted: the
# first touch of a reserved page costs as much as any fresh memory.
knob=/proc/sys/vm/nr_hugepages
if [ -w "$knob" ] && grep -qw avx512f /proc/cpuinfo; then
	old_huge=$(cat "$knob"); echo $((old_huge + 300)) > "$knob"
	q -c "SELECT eckid.hpgn('063138219')" >/dev/null
	ha=(); hb=()
	for _ in $(seq "$rounds"); do
		ha+=("$(ms "SELECT eckid.hpgn('063138219')")")
		hb+=("$(q -c "SET eckid.scrypt_implementation = 'libsodium'" -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN PERFORM eckid.hpgn('063138219'); RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p')")
	done
	echo "$old_huge" > "$knob"
	ma=$(median "${ha[@]}"); mb=$(median "${hb[@]}")
	echo "| 1f | as 1c, with 300 huge pages reserved (vm.nr_hugepages) | $ma ms | libsodium $mb ms | **$(ratio "$ma" "$mb") x** |"
else
	echo "| 1f | as 1c, with huge pages reserved | not measured: needs root to set vm.nr_hugepages | | |"
fi

# 2b: a backfill through SQL: BENCH_BULK rows hashed in batches of 16 by
# the HPgn workers, vs libsodium row by row in this one
# backend (fewer rows: it is slow); compared as rows per second
bulk=${BENCH_BULK:-64}; sod_rows=$(( bulk < 16 ? bulk : 16 )); threads=$(nproc)
q -c "CREATE TABLE bf_simd (id int, pgn text, hpgn text, eck_id eckid.eckid); CREATE TABLE bf_sod (LIKE bf_simd)" \
  -c "INSERT INTO bf_simd SELECT i, 'pupil-' || i, NULL, NULL FROM generate_series(1, $bulk) i" \
  -c "INSERT INTO bf_sod SELECT i, 'pupil-' || i, NULL, NULL FROM generate_series(1, $sod_rows) i" \
  -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON bf_simd FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')" \
  -c "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON bf_sod FOR EACH ROW EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', 'chain', 'sector')"
secs() { local t0; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; python3 -c "import sys; print(round($(date +%s.%N) - $t0, 2))"; }
bs=$(secs q -c "CALL eckid.backfill('bf_simd', 16)")
bl=$(secs q -c "SET eckid.scrypt_implementation = 'libsodium'" -c "CALL eckid.backfill('bf_sod', $sod_rows)")
# every HPgn is libsodium's (a sample; each check costs a libsodium hash)
bad=$(q -c "SET eckid.scrypt_implementation = 'libsodium'" -c "SELECT count(*) FROM bf_simd WHERE id % 16 = 1 AND hpgn IS DISTINCT FROM eckid.hpgn(pgn)")
[ "$bad" = 0 ] || { echo "backfill HPgn mismatch" >&2; exit 1; }
rs=$(python3 -c "print(round($bulk / $bs, 2))"); rl=$(python3 -c "print(round($sod_rows / $bl, 2))")
echo "| 2b | CALL eckid.backfill() of $bulk rows (batches of 16, the HPgn workers) vs $sod_rows rows with libsodium in the one backend | $rs rows/s ($bs s) | libsodium $rl rows/s ($bl s) | **$(ratio "$rs" "$rl") x** one libsodium process |"

insert_class
engine_rows

# data: rows ECK iDs, as eckid, text and bytea (the 64-byte digest alone)
q -c "CREATE UNLOGGED TABLE src AS SELECT 'https://ketenid.nl/201703/' || encode(sha512(i::text::bytea), 'hex') AS t FROM generate_series(1, $rows) i"
q -c "CREATE TABLE e (v eckid.eckid); CREATE TABLE t (v text); CREATE TABLE b (v bytea); CREATE TABLE u (v uuid)"
q -c "INSERT INTO e SELECT t::eckid.eckid FROM src; INSERT INTO t SELECT t FROM src; INSERT INTO b SELECT decode(right(t, 128), 'hex') FROM src; INSERT INTO u SELECT md5(t)::uuid FROM src" -c "VACUUM ANALYZE e, t, b, u"

# 6: CREATE INDEX (before row 3 needs them)
ie=(); it=(); iu=()
for k in $(seq "$rounds"); do
	ie+=("$(ms "CREATE INDEX e_i$k ON e (v)")"); it+=("$(ms "CREATE INDEX t_i$k ON t (v)")"); iu+=("$(ms "CREATE INDEX u_i$k ON u (v)")")
	if [ "$k" -lt "$rounds" ]; then q -c "DROP INDEX e_i$k, t_i$k, u_i$k"; fi
done
q -c "CREATE INDEX b_i ON b (v)" -c "VACUUM ANALYZE e, t, b, u"
me=$(median "${ie[@]}"); mt=$(median "${it[@]}"); mu=$(median "${iu[@]}")

# 3: storage
read -r se st sb < <(q -F ' ' -c "SELECT (pg_table_size('e') + pg_indexes_size('e'))::float8 / $rows, (pg_table_size('t') + pg_indexes_size('t'))::float8 / $rows, (pg_table_size('b') + pg_indexes_size('b'))::float8 / $rows")
printf '| 3 | heap + btree bytes per row, %s rows | eckid %.1f | text %.1f, bytea (digest only) %.1f | **%s x** text |\n' "$rows" "$se" "$st" "$sb" "$(ratio "$se" "$st")"

# 4: COPY out and in
f=$(mktemp -d); chmod 777 "$f"
oe=(); ot=(); ne=(); nt=()
for _ in $(seq "$rounds"); do
	oe+=("$(ms "COPY e TO '$f/e.copy'")"); ot+=("$(ms "COPY t TO '$f/t.copy'")")
	ne+=("$(q -c "CREATE TABLE IF NOT EXISTS ce (v eckid.eckid); TRUNCATE ce" -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN COPY ce FROM '$f/e.copy'; RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p')")
	nt+=("$(q -c "CREATE TABLE IF NOT EXISTS ct (v text); TRUNCATE ct" -c "DO \$\$DECLARE t timestamptz := clock_timestamp(); BEGIN COPY ct FROM '$f/t.copy'; RAISE NOTICE 'ms=%', round(extract(epoch FROM clock_timestamp() - t) * 1000, 1); END\$\$" 2>&1 | sed -n 's/.*ms=//p')")
done
rm -rf "$f"
a=$(median "${oe[@]}"); b=$(median "${ot[@]}"); echo "| 4a | COPY TO file, $rows rows | eckid $a ms | text $b ms | **$(ratio "$a" "$b") x** |"
a=$(median "${ne[@]}"); b=$(median "${nt[@]}"); echo "| 4b | COPY FROM file, $rows rows (parse + validate) | eckid $a ms | text $b ms | **$(ratio "$a" "$b") x** |"

# 5: point lookups (10,000 by index) and a hash join of two copies
q -c "CREATE TABLE e2 AS SELECT * FROM e; CREATE TABLE t2 AS SELECT * FROM t; ANALYZE e2, t2"
le=(); lt=(); je=(); jt=()
for _ in $(seq "$rounds"); do
	le+=("$(ms "DO \$x\$DECLARE r record; BEGIN FOR r IN SELECT v FROM e2 LIMIT 10000 LOOP PERFORM 1 FROM e WHERE v = r.v; END LOOP; END\$x\$")")
	lt+=("$(ms "DO \$x\$DECLARE r record; BEGIN FOR r IN SELECT v FROM t2 LIMIT 10000 LOOP PERFORM 1 FROM t WHERE v = r.v; END LOOP; END\$x\$")")
	je+=("$(ms "SELECT count(*) FROM e JOIN e2 USING (v)")")
	jt+=("$(ms "SELECT count(*) FROM t JOIN t2 USING (v)")")
done
a=$(median "${le[@]}"); b=$(median "${lt[@]}"); echo "| 5a | $(( rows < 10000 ? rows : 10000 )) point lookups by btree (PL/pgSQL loop) | eckid $a ms | text $b ms | **$(ratio "$a" "$b") x** |"
a=$(median "${je[@]}"); b=$(median "${jt[@]}"); echo "| 5b | hash join of two $rows-row tables | eckid $a ms | text $b ms | **$(ratio "$a" "$b") x** |"
echo "| 6 | CREATE INDEX on $rows values | eckid $me ms | text $mt ms, uuid $mu ms | **$(ratio "$me" "$mt") x** text, $(ratio "$me" "$mu") x uuid |"

# 7: masked views (docs/performance.md, row 7): see masked_views() above
masked_views
# 8 and 8c: the trigger's cost (trigger_rows() above)
trigger_rows
dropdb "$db"
