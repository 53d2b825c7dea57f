#!/usr/bin/env python3
"""The client part of test/shell/log_redaction.sh: runs, on a database where
docs/las-guide.md has been played (school.pupil with its trigger), what puts
values into the server log through core's own messages, with bind
parameters as a LAS sends them (psycopg):

- inserts with PGNs as parameters; a query by HPgn and one by ECK iD;
- a NOT NULL violation after the trigger filled hpgn and eck_id ("Failing
  row contains (...)"), and a second pupil with an existing ECK iD
  ("Key (eck_id)=(...) already exists"), each as a parameter and as a
  literal;
- a failing COPY (the duplicate in its second line);
- the salt and the key as parameters and in failing statements;
- a COPY whose bad line core cuts at 100 bytes in the middle of an HPgn
  (12 of its digits left before core's "...");
- new salts typed into refused statements that set eckid.salt (SET, SET
  ... TO, ALTER SYSTEM/DATABASE/ROLE, set_config() with literals and with
  bind parameters; quoted, E'', dollar-quoted, upper case, comments between
  the tokens) and a path set for eckid.key_file; and, as a control, such a
  value given to application_name, which nothing hides.

Writes every PGN it used to the file named by its second argument, the
values typed for eckid.salt and eckid.key_file to the fifth, the control
value to the sixth.
Usage: redaction_workload.py DBNAME PGN_FILE SALT KEY_FILE TYPED_FILE CONTROL_FILE"""
import base64
import os
import random
import sys

import psycopg


def bsn(rng):
    """A random valid BSN (elfproef)."""
    while True:
        d = [rng.randrange(10) for _ in range(8)]
        last = sum((9 - i) * d[i] for i in range(8)) % 11
        if last < 10 and d[0] != 0:
            return "".join(map(str, d + [last]))


def expect_error(conn, sqlstate, sql, params=None):
    try:
        conn.execute(sql, params)
    except psycopg.Error as e:
        if e.sqlstate != sqlstate:
            raise SystemExit(f"{sql}: SQLSTATE {e.sqlstate}, expected {sqlstate}: {e}")
        return
    raise SystemExit(f"{sql}: no error, expected {sqlstate}")


def new_salt():
    """A salt as Kennisnet issues one: base64 of 16 random bytes."""
    return base64.b64encode(os.urandom(16)).decode()


def main(db, pgn_path, salt, key_path, typed_path, control_path):
    rng = random.Random()
    key = open(key_path).read().strip()
    pgns = []
    with psycopg.connect(dbname=db, autocommit=True) as conn:
        for name in ("Eva", "Finn"):
            p = bsn(rng)
            pgns.append(p)
            conn.execute("INSERT INTO school.pupil (name, pgn) VALUES (%s, %s)", (name, p))
        hpgn, eck_id = conn.execute(
            "SELECT hpgn, eck_id::text FROM school.pupil WHERE name = 'Eva'").fetchone()

        # looked up by value: statement, parameters and plan
        conn.execute("SELECT id FROM school.pupil WHERE hpgn = %s", (hpgn,))
        conn.execute("SELECT id FROM school.pupil WHERE eck_id = %s::eckid.eckid", (eck_id,))
        conn.execute("SELECT id FROM school.pupil WHERE hpgn = '%s' OR eck_id = '%s'" % (hpgn, eck_id))

        # NOT NULL on name, after the trigger computed hpgn and eck_id
        p = bsn(rng)
        pgns.append(p)
        expect_error(conn, "23502", "INSERT INTO school.pupil (name, pgn) VALUES (%s, %s)", (None, p))
        # a second pupil with an existing ECK iD
        expect_error(conn, "23505", "INSERT INTO school.pupil (name, eck_id) VALUES (%s, %s::eckid.eckid)",
                     ("Gijs", eck_id))
        expect_error(conn, "23505", "INSERT INTO school.pupil (name, hpgn, eck_id) VALUES ('Gijs', '%s', '%s')"
                     % (hpgn, eck_id))
        # its uppercase spelling is the same value
        expect_error(conn, "23505", "INSERT INTO school.pupil (name, eck_id) VALUES ('Gijs', '%s')"
                     % eck_id.replace("https://ketenid.nl/", "HTTPS://KETENID.NL/"))

        # a failing COPY: its second line repeats an ECK iD
        try:
            with conn.cursor() as cur:
                with cur.copy("COPY school.pupil (name, hpgn, eck_id) FROM STDIN") as copy:
                    copy.write_row(("Hanna", None, eck_id.replace("/local/", "/other/")))
                    copy.write_row(("Ilse", hpgn, eck_id))
            raise SystemExit("the COPY of a duplicate ECK iD succeeded")
        except psycopg.errors.UniqueViolation:
            pass

        # the salt and the key, as a DBA or a script might type them
        p = bsn(rng)
        pgns.append(p)
        conn.execute("SELECT eckid.hpgn(%s, %s)", (p, salt))
        expect_error(conn, "22P02", "SELECT ('salt ' || %s)::integer", (salt,))
        expect_error(conn, "22P02", "SELECT ('key ' || %s)::integer", (key,))
        expect_error(conn, "22P02", "SELECT 'key %s'::integer" % key.upper())
        # the salt in hex, as bytea shows it
        conn.execute("SELECT decode(%s, 'base64')", (salt,))
        expect_error(conn, "22P02", "SELECT (decode(%s, 'base64')::text)::integer", (salt,))

        # a COPY whose bad line core cuts 12 digits into the HPgn: the line
        # is "<87-byte name>\t<HPgn>\t<ECK iD>", core shows its first 100
        # bytes and "..."; the ECK iD is a duplicate
        try:
            with conn.cursor() as cur:
                with cur.copy("COPY school.pupil (name, hpgn, eck_id) FROM STDIN") as copy:
                    copy.write_row(("Jip" + "-" * 84, hpgn, eck_id))
            raise SystemExit("the COPY of a duplicate ECK iD succeeded")
        except psycopg.errors.UniqueViolation:
            pass

        # new salts typed into statements that set eckid.salt: each refused
        # (PGC_SIGHUP, not in postgresql.auto.conf), each logged
        typed = []

        def refused(sql, params=None):
            try:
                conn.execute(sql, params)
            except psycopg.Error as e:
                if e.sqlstate not in ("55P02", "42501"):
                    raise SystemExit(f"{sql}: SQLSTATE {e.sqlstate}: {e}")
                return
            raise SystemExit(f"{sql}: accepted")

        for template in ("ALTER SYSTEM SET eckid.salt = '%s'",
                         "SET eckid.salt = '%s'",
                         "SET eckid.salt TO E'%s'",
                         "set ECKID.SALT /* new */ to $$%s$$",
                         'SET "eckid"."salt" = $x$%s$x$',
                         "SET eckid.salt = %s",
                         "ALTER DATABASE " + db + " SET eckid.salt = '%s'",
                         "ALTER ROLE CURRENT_USER SET eckid.salt\n\tTO '%s'",
                         "SELECT set_config('eckid.salt', '%s', false)"):
            value = new_salt()
            if template == "SET eckid.salt = %s":
                value = value.rstrip("=")      # a bare word: no "=" or "/" of base64
                value = "s" + value.replace("+", "").replace("/", "")
            typed.append(value)
            refused(template.replace("%s", value))
        value = new_salt()
        typed.append(value)
        refused("SELECT set_config(%s, %s, false)", ("eckid.salt", value))
        value = "/etc/eckid/" + new_salt().replace("/", "_")
        typed.append(value)
        refused("SET eckid.key_file = '%s'" % value)
        # the control: the same kind of value for another setting is logged
        control = new_salt()
        conn.execute("SET application_name = '%s'" % control)

        # an error raised with an ECK iD and an HPgn in its message
        expect_error(conn, "P0001",
                     "DO $$BEGIN RAISE EXCEPTION 'pupil % (%) not found', '" + eck_id + "', '" + hpgn + "'; END$$")

    with open(pgn_path, "w") as f:
        f.write("\n".join(pgns) + "\n")
    with open(typed_path, "w") as f:
        f.write("\n".join(typed) + "\n")
    with open(control_path, "w") as f:
        f.write(control + "\n")
    print(f"redaction workload on {db}: {len(pgns)} PGNs, 7 expected errors, two failing COPYs, "
          f"{len(typed)} refused settings")


if __name__ == "__main__":
    main(*sys.argv[1:7])
