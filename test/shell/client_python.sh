#!/usr/bin/env bash
# eckid through psycopg 3, Debian's python3-psycopg (installed with apt if
# missing): bind parameters in text and binary format, COPY FROM STDIN and
# TO STDOUT in text and binary format, a masked view read by a reporting
# role, and the SQLSTATEs of malformed values (22P02, 22P03) and of an
# invalid HPgn (22023).  test/clients/python/eckid_psycopg.py does the work;
# test/clients/lib.sh makes and drops its database and roles.
source "$(dirname "$0")/../clients/lib.sh"

# Debian's psycopg is for Debian's Python: call /usr/bin/python3 by its path,
# whatever other python3 comes first on PATH.
install_missing_packages python3-psycopg || exit 1
client_setup python || exit 1
/usr/bin/python3 "$CLIENTS_DIR/python/eckid_psycopg.py"
