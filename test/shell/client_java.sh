#!/usr/bin/env bash
# eckid through the PostgreSQL JDBC driver, Debian's libpostgresql-jdbc-java,
# with javac from default-jdk-headless and junixsocket (libjunixsocket-java)
# for the unix socket, all installed with apt if missing: bind parameters in
# text and binary format (and what plain setString does), COPY with the
# driver's CopyManager, a masked view read by a reporting role, and the
# SQLSTATEs of malformed values (22P02, 22P03) and of an invalid HPgn
# (22023).  test/clients/java/EckidJdbc.java does the work;
# test/clients/lib.sh makes and drops its database and roles.
source "$(dirname "$0")/../clients/lib.sh"

install_missing_packages default-jdk-headless libpostgresql-jdbc-java libjunixsocket-java || exit 1
client_setup java || exit 1
classes=$(mktemp -d /tmp/eckid_jdbc.XXXXXX)
trap 'rm -rf "$classes"; client_cleanup' EXIT
cp=/usr/share/java/postgresql.jar:/usr/share/java/junixsocket-common.jar
javac -encoding UTF-8 -Xlint:all -Werror -d "$classes" -cp "$cp" "$CLIENTS_DIR/java/EckidJdbc.java" || exit 1
java -Dfile.encoding=UTF-8 -cp "$classes:$cp" EckidJdbc
