# shellcheck shell=bash
# Shared by the client tests test/shell/client_*.sh: install what a client
# needs with apt, and make and drop the database and roles it works in.
# Source it; do not run it.  Uses PGHOST/PGPORT/PGUSER (a superuser, trust on
# the socket) as scripts/test exports them.

# scripts/lib.sh: install_missing_packages, PATH with the server's binaries
# (ECKID_PG_PREFIX included).  It sets -e; the client tests report their own
# failures, so only -u and pipefail stay.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
set +e
set -uo pipefail

CLIENTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# client_setup NAME: a database eckid_client_NAME with eckid (no search_path
# setting: its operators need none) and two roles, as docs/integration.md
# describes them:
#   eckid_client_NAME_app     (LOGIN) the application: owns schema school, may
#                             compute Stampseudonyms and make masked views;
#   eckid_client_NAME_report  (LOGIN) a reporting role: USAGE on school and,
#                             once the client grants it, SELECT on a masked view.
# Exports CLIENT_DB, CLIENT_APP, CLIENT_REPORT; drops them all on exit.
client_setup() {
	CLIENT_DB=eckid_client_$1
	CLIENT_APP=${CLIENT_DB}_app
	CLIENT_REPORT=${CLIENT_DB}_report
	export CLIENT_DB CLIENT_APP CLIENT_REPORT
	trap client_cleanup EXIT
	client_cleanup
	createdb "$CLIENT_DB" || return 1
	psql -X -q -v ON_ERROR_STOP=1 -d "$CLIENT_DB" >/dev/null <<SQL
CREATE EXTENSION eckid;
CREATE ROLE $CLIENT_APP LOGIN;
CREATE ROLE $CLIENT_REPORT LOGIN;
GRANT EXECUTE ON FUNCTION eckid.stampseudonym(text) TO $CLIENT_APP;
GRANT EXECUTE ON FUNCTION eckid.create_masked_view(regclass, text, text[], text, text) TO $CLIENT_APP;
CREATE SCHEMA school AUTHORIZATION $CLIENT_APP;
GRANT USAGE ON SCHEMA school TO $CLIENT_REPORT;
SQL
}

client_cleanup() {
	local quiet=(env PGOPTIONS="-c client_min_messages=warning")
	[ -n "${CLIENT_DB:-}" ] || return 0
	"${quiet[@]}" dropdb --if-exists "$CLIENT_DB"
	"${quiet[@]}" psql -X -q -d postgres -c "DROP ROLE IF EXISTS $CLIENT_APP, $CLIENT_REPORT"
}
