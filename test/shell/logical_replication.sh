#!/usr/bin/env bash
# Logical replication of a table with eckid columns (docs/replicas.md): two
# clusters of their own (test/shell/lib/replicas.sh), eckid on both with the
# same salt and key; a publication on one, two subscribing databases on the
# other, one with binary = true (the type's send/receive), one with binary =
# false (its text form).  The rows, the initial copy and later changes, are
# identical on both sides byte for byte, and a masked view and a recipient
# view made on the subscriber give the publisher's answers.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/replicas.sh"
set -euo pipefail

chain=http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795
sector=http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725

say "a publisher and a subscriber, each a cluster of its own"
start_node pub
start_node sub
pub() { psql -X -At -v ON_ERROR_STOP=1 -h "$pub_HOST" -d las "$@"; }
sub() { local d=$1; shift; psql -X -At -v ON_ERROR_STOP=1 -h "$sub_HOST" -d "$d" "$@"; }
table_sql="CREATE TABLE pupil (id integer PRIMARY KEY, name text, pgn text, hpgn text, eck_id eckid.eckid UNIQUE, prev eckid.eckid[]);"

psql -X -q -h "$pub_HOST" -d postgres -c "CREATE DATABASE las"
pub -q <<SQL
CREATE EXTENSION eckid;
$table_sql
CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON pupil FOR EACH ROW
	EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', '$chain', '$sector', 'wipe_pgn');
INSERT INTO pupil (id, name, pgn) VALUES (1, 'Anna', '063138219'), (2, 'Bram', '12345672');
INSERT INTO pupil (id, name) VALUES (3, 'Chloe');
UPDATE pupil SET prev = ARRAY[eck_id] WHERE id = 1;
CREATE PUBLICATION las_pub FOR TABLE pupil;
SQL

for mode in true false; do
	d=las_binary_$mode
	psql -X -q -h "$sub_HOST" -d postgres -c "CREATE DATABASE $d"
	sub "$d" -q -c "CREATE EXTENSION eckid" -c "$table_sql" \
		-c "CREATE SUBSCRIPTION ${d}_sub CONNECTION 'host=$pub_HOST port=$PGPORT dbname=las user=postgres' PUBLICATION las_pub WITH (binary = $mode)" 2>&1 \
		| grep -v 'created replication slot' || true
done

# wait until both subscribers have every row of the publisher
wait_rows() {
	local want=$1 d
	for d in las_binary_true las_binary_false; do
		for _ in $(seq 1 300); do
			[ "$(sub "$d" -c "SELECT count(*) FROM pupil WHERE eck_id IS NOT NULL OR name = 'Chloe'")" = "$want" ] && continue 2
			sleep 0.1
		done
		echo "the subscriber $d did not catch up"
		return 1
	done
}
wait_rows 3
say "a change after the initial copy"
pub -q -c "INSERT INTO pupil (id, name, pgn) VALUES (4, 'Dirk', '111222333')"
wait_rows 4

rows="SELECT id, name, coalesce(hpgn, '-'), coalesce(eck_id::text, '-'), coalesce(encode(eckid.digest(eck_id), 'hex'), '-'), coalesce(prev::text, '-') FROM pupil ORDER BY id"
published=$(pub -c "$rows")
check "the publisher has four pupils, three with an ECK iD (the probe)" \
	same "$(pub -c "SELECT count(*), count(eck_id) FROM pupil")" "4|3"
for mode in true false; do
	check "binary = $mode: the subscriber's rows equal the publisher's (ECK iDs, digests, arrays, NULLs)" \
		same "$(sub las_binary_$mode -c "$rows")" "$published"
	check "binary = $mode: the subscriber's values are byte-identical (eckid.eckid's send form)" \
		same "$(sub las_binary_$mode -c "SELECT string_agg(encode(eckid.eckid_send(eck_id), 'hex'), ',' ORDER BY id) FROM pupil")" \
		"$(pub -c "SELECT string_agg(encode(eckid.eckid_send(eck_id), 'hex'), ',' ORDER BY id) FROM pupil")"
done
check "one subscription really is binary (the probe)" \
	same "$(sub las_binary_true -c "SELECT subbinary FROM pg_subscription WHERE subname = 'las_binary_true_sub'")|$(sub las_binary_false -c "SELECT subbinary FROM pg_subscription WHERE subname = 'las_binary_false_sub'")" "t|f"

say "masked views on the subscriber"
for node in pub sub; do
	if [ "$node" = pub ]; then run() { pub "$@"; }; else run() { sub las_binary_true "$@"; }; fi
	run -q -c "SELECT eckid.create_masked_view('pupil', 'pupil_report', hide => '{pgn,hpgn,prev}') IS NOT NULL AS made" \
		-c "SELECT eckid.create_masked_view('pupil', 'pupil_uitgeverij', '{pgn,hpgn,prev}', 'uitgeverij-a') IS NOT NULL AS made" >/dev/null
done
pub_report=$(pub -c "SELECT * FROM pupil_report ORDER BY id")
check "the publisher's masked view masks (the probe)" has "$pub_report" "https://ketenid.nl/local/…"
check "a masked view on the subscriber gives the publisher's rows" \
	same "$(sub las_binary_true -c "SELECT * FROM pupil_report ORDER BY id")" "$pub_report"
check "a recipient view on the subscriber gives the publisher's pseudonyms (same key on both)" \
	same "$(sub las_binary_true -c "SELECT * FROM pupil_uitgeverij ORDER BY id")" "$(pub -c "SELECT * FROM pupil_uitgeverij ORDER BY id")"

checks_done
