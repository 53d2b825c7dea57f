#!/usr/bin/env bash
# eckid through node-postgres (npm pg) and pg-copy-streams, at the versions
# test/clients/node/package-lock.json pins, installed with npm ci into
# test/clients/node/node_modules (not committed); node and npm come from
# apt if missing.  Bind parameters in text and binary format, COPY FROM
# STDIN and TO STDOUT, a masked view read by a reporting role, and the
# SQLSTATEs of malformed values (22P02, 22P03) and of an invalid HPgn
# (22023).  test/clients/node/eckid_pg.js does the work; test/clients/lib.sh
# makes and drops its database and roles.
source "$(dirname "$0")/../clients/lib.sh"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	install_missing_packages nodejs npm || exit 1
fi
dir=$CLIENTS_DIR/node
# npm ci only when the lock file changed since the last install.
if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.eckid-package-lock.json" 2>/dev/null; then
	say "npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || exit 1
	cp "$dir/package-lock.json" "$dir/node_modules/.eckid-package-lock.json"
fi
client_setup node || exit 1
node "$dir/eckid_pg.js"
