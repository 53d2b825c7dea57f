#!/usr/bin/env bash
# What pg_stat_statements keeps of a statement's literals, as
# docs/configuration.md says ("What can still reveal the secrets"), and
# eckid.security_check()'s pg_stat_statements row.  A cluster with the real
# pg_stat_statements (track = all, track_utility = on, its defaults but
# for track) runs one statement of each kind, each with its own literal
# marker; pg_stat_statements must then hold the marker of each utility
# statement the page lists for this PostgreSQL version, and not the
# control's (a SELECT and an INSERT, shown with $1).  With track_utility =
# off none of the utility markers is kept (the remedy the security check
# gives), while the control is still counted.  A refused SET eckid.salt is
# never kept, since pg_stat_statements records finished statements only.
source "$(dirname "$0")/../../scripts/lib.sh"
source "$(dirname "$0")/lib/checks.sh"
set -euo pipefail

start_cluster \
	"shared_preload_libraries = 'pg_stat_statements,eckid'" \
	"pg_stat_statements.track = all"
createdb pgss
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d pgss "$@"; }
q -c "CREATE EXTENSION pg_stat_statements" -c "CREATE EXTENSION eckid" \
	-c "CREATE PROCEDURE keep(text) LANGUAGE sql AS \$\$SELECT \$1\$\$" \
	-c "CREATE TABLE plain (c text)"

# run_kinds PREFIX: one statement of each kind, the marker PREFIX_<kind> in each
run_kinds() {
	local p=$1
	q >/dev/null <<SQL
SELECT '${p}_select';
INSERT INTO plain VALUES ('${p}_insert');
DO \$\$BEGIN PERFORM '${p}_do'; END\$\$;
CALL keep('${p}_call');
CREATE TABLE ${p}_ctas AS SELECT '${p}_ctas' AS c;
BEGIN;
DECLARE cur CURSOR FOR SELECT '${p}_declare';
CLOSE cur;
COMMIT;
EXPLAIN SELECT '${p}_explain';
COPY (SELECT '${p}_copy') TO STDOUT;
CREATE VIEW ${p}_view AS SELECT '${p}_view' AS c;
SET application_name = '${p}_set';
SQL
	# refused: cannot be changed now
	q -c "SET eckid.salt = '${p}_salt'" 2>/dev/null && return 1
	return 0
}
kept() { q -c "SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%$1%'"; }

say "track_utility = on (the default)"
q -c "SELECT pg_stat_statements_reset()" >/dev/null
check "the statements ran, SET eckid.salt was refused" run_kinds on
# the control: plannable statements are kept with their constants replaced
check "SELECT is kept as SELECT \$1" same "$(q -c "SELECT count(*) FROM pg_stat_statements WHERE query = 'SELECT \$1' AND toplevel")" 1
check "INSERT is kept with \$1" same "$(q -c "SELECT count(*) FROM pg_stat_statements WHERE query = 'INSERT INTO plain VALUES (\$1)'")" 1
check "the SELECT's literal is not kept" same "$(kept on_select)" 0
check "the INSERT's literal is not kept" same "$(kept on_insert)" 0
check "a refused SET eckid.salt is not kept" same "$(kept on_salt)" 0
# utility statements: with their literals on PostgreSQL 15 (the page's list);
# from 16 on pg_stat_statements replaces most of their constants too, but
# not the body of a DO block
if [ "$PG_MAJOR" -le 15 ]; then
	kinds="do call ctas declare explain copy view set"
else
	kinds="do"
fi
for kind in $kinds; do
	check "$kind is kept with its literal" same "$(kept "on_$kind")" 1
done

say "eckid.security_check() warns"
check "track_utility = on: warning" \
	same "$(q -c "SELECT status FROM eckid.security_check() WHERE check_name = 'pg_stat_statements'")" warning
check "its remedy turns it off" \
	has "$(q -c "SELECT remedy FROM eckid.security_check() WHERE check_name = 'pg_stat_statements'")" \
	"ALTER SYSTEM SET pg_stat_statements.track_utility = off;"

say "track_utility = off (the remedy)"
q -c "ALTER SYSTEM SET pg_stat_statements.track_utility = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
q -c "SELECT pg_stat_statements_reset()" >/dev/null
check "the statements ran" run_kinds off
check "SELECT is still counted" same "$(q -c "SELECT count(*) > 0 FROM pg_stat_statements WHERE query = 'SELECT \$1' AND toplevel")" t
for kind in select insert do call ctas declare explain copy view set salt; do
	check "$kind: its literal is not kept" same "$(kept "off_$kind")" 0
done
check "eckid.security_check(): ok" \
	same "$(q -c "SELECT status FROM eckid.security_check() WHERE check_name = 'pg_stat_statements'")" ok

checks_done
