#!/usr/bin/python3
"""eckid through psycopg 3 (Debian's python3-psycopg), as an application would use it.

Run by test/shell/client_python.sh, which makes the database and the roles
(test/clients/lib.sh) and passes their names in CLIENT_DB, CLIENT_APP and
CLIENT_REPORT; PGHOST/PGPORT say where the server is.  Prints one line per
check and exits non-zero if any failed.
"""
import hashlib
import os
import re
import sys
import traceback

import psycopg
from psycopg import errors, sql
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

DB = os.environ["CLIENT_DB"]
APP = os.environ["CLIENT_APP"]
REPORT = os.environ["CLIENT_REPORT"]
SEGMENTS = ["201703", "pilot", "local"]
N = 200

results = []


def check(what, fn):
    """Run one check; a false result or an exception fails it."""
    try:
        ok = fn()
        detail = ""
    except Exception as e:  # noqa: BLE001 - every failure is reported
        ok = False
        detail = "".join(traceback.format_exception_only(type(e), e)).strip()
    results.append(bool(ok))
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}")
    if detail:
        print("    " + detail.replace("\n", "\n    "))


def eck_id(i):
    """The canonical text of pupil i's (made-up) ECK iD."""
    digest = hashlib.sha512(f"pupil {i}".encode()).hexdigest()
    return f"https://ketenid.nl/{SEGMENTS[i % 3]}/{digest}"


class RawEckId(bytes):
    """Bytes sent as they are, in binary format, typed eckid.eckid."""


class EckId:
    """An ECK iD as the application holds it: segment and 64 digest bytes."""

    def __init__(self, segment, digest):
        self.segment, self.digest = segment, digest

    @classmethod
    def parse(cls, text):
        m = re.fullmatch(r"https://ketenid\.nl/([a-z0-9]{1,16})/([0-9a-f]{128})", text)
        return cls(m.group(1), bytes.fromhex(m.group(2)))

    def __str__(self):
        return f"https://ketenid.nl/{self.segment}/{self.digest.hex()}"


def register(conn):
    """Binary adapters for eckid.eckid (docs/type.md, "Binary format")."""
    info = TypeInfo.fetch(conn, "eckid.eckid")

    class EckIdBinaryDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj):
            if isinstance(obj, RawEckId):
                return bytes(obj)
            seg = obj.segment.encode("ascii")
            return bytes([1, len(seg)]) + seg + obj.digest

    class EckIdBinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            data = bytes(data)
            assert data[0] == 1, f"format version {data[0]}"
            n = data[1]
            assert len(data) == 2 + n + 64, f"{len(data)} bytes"
            return EckId(data[2:2 + n].decode("ascii"), data[2 + n:])

    conn.adapters.register_dumper(EckId, EckIdBinaryDumper)
    conn.adapters.register_dumper(RawEckId, EckIdBinaryDumper)
    conn.adapters.register_loader(info.oid, EckIdBinaryLoader)
    return info


def sqlstate_of(conn, query, params=(), binary=False):
    """The SQLSTATE and message a query fails with (None if it does not fail)."""
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(query, params, binary=binary)
    except psycopg.Error as e:
        return e.sqlstate, e.diag.message_primary or "", e.diag.message_detail or ""
    return None, "", ""


def main():
    sys.stdout.reconfigure(line_buffering=True)
    app = psycopg.connect(dbname=DB, user=APP, autocommit=True)
    info = register(app)
    cur = app.cursor()
    cur.execute("CREATE TABLE school.pupils (id integer PRIMARY KEY, name text, bsn text, eck_id eckid.eckid)")

    # Bind parameters, text format: a str is sent as text (type unknown, so
    # the server applies eckid's input function); uppercase and surrounding
    # whitespace are accepted and stored canonically.
    messy = "  HTTPS://KETENID.NL/" + SEGMENTS[1] + "/" + eck_id(1).rsplit("/", 1)[1].upper() + " "
    cur.execute("INSERT INTO school.pupils VALUES (%t, %t, %t, %t)", (1, "pupil 1", "123456782", messy))
    check("text bind parameter: a non-canonical value is stored and read back canonical",
          lambda: cur.execute("SELECT eck_id::text FROM school.pupils WHERE id = 1").fetchone()[0] == eck_id(1))
    check("text bind parameter in WHERE eck_id = %t (eckid's =, in pg_catalog, without a search_path)",
          lambda: cur.execute("SELECT id FROM school.pupils WHERE eck_id = %t", (eck_id(1),)).fetchone() == (1,))

    # Binary format both ways: eckid_recv and eckid_send.
    cur.execute("INSERT INTO school.pupils VALUES (%s, %s, %s, %b)", (2, "pupil 2", "111222333", EckId.parse(eck_id(2))))
    check("binary bind parameter (%b, eckid_recv): the value reads back as text",
          lambda: cur.execute("SELECT eck_id::text FROM school.pupils WHERE id = 2").fetchone()[0] == eck_id(2))

    def binary_result():
        with app.cursor(binary=True) as bc:
            row = bc.execute("SELECT eck_id FROM school.pupils WHERE id IN (1, 2) ORDER BY id").fetchall()
        return [str(r[0]) for r in row] == [eck_id(1), eck_id(2)] and isinstance(row[0][0], EckId)
    check("binary result (eckid_send): version 1, segment and 64 digest bytes decode to the value", binary_result)

    # COPY FROM STDIN, text format, one row at a time.
    with cur.copy("COPY school.pupils (id, name, bsn, eck_id) FROM STDIN") as copy:
        for i in range(3, N + 1):
            copy.write_row((i, f"pupil {i}", None, eck_id(i)))
    check(f"COPY FROM STDIN (text): {N - 2} rows",
          lambda: cur.execute("SELECT count(*) FROM school.pupils").fetchone()[0] == N)

    # COPY FROM STDIN, binary format, through the binary dumper.
    cur.execute("CREATE TABLE school.binary_copy (id integer, eck_id eckid.eckid)")
    with cur.copy("COPY school.binary_copy (id, eck_id) FROM STDIN (FORMAT binary)") as copy:
        copy.set_types(["int4", info.oid])
        for i in range(1, N + 1):
            copy.write_row((i, EckId.parse(eck_id(i))))
    check("COPY FROM STDIN (FORMAT binary): every value equals the one copied in as text",
          lambda: cur.execute("SELECT count(*) FROM school.binary_copy b JOIN school.pupils p USING (id)"
                              " WHERE b.eck_id = p.eck_id").fetchone()[0] == N)

    def copy_out():
        out = bytearray()
        with cur.copy("COPY (SELECT id, eck_id FROM school.pupils ORDER BY id) TO STDOUT") as copy:
            for data in copy:
                out += data
        return out.decode() == "".join(f"{i}\t{eck_id(i)}\n" for i in range(1, N + 1))
    check("COPY TO STDOUT (text): every value canonical, in order", copy_out)

    def copy_out_binary():
        with cur.copy("COPY (SELECT id, eck_id FROM school.pupils ORDER BY id) TO STDOUT (FORMAT binary)") as copy:
            copy.set_types(["int4", info.oid])
            rows = list(copy.rows())
        return [(i, str(e)) for i, e in rows] == [(i, eck_id(i)) for i in range(1, N + 1)]
    check("COPY TO STDOUT (FORMAT binary): decoded through the binary loader", copy_out_binary)

    # Errors a client must be able to tell apart by SQLSTATE (docs/troubleshooting.md).
    short = eck_id(7)[:-1]
    state, msg, detail = sqlstate_of(app, "SELECT %t::eckid.eckid", (short,))
    check("a malformed value as a bind parameter fails with SQLSTATE 22P02 (InvalidTextRepresentation)",
          lambda: state == "22P02" and msg.startswith("invalid input syntax for type eckid"))
    check("whose message shows the hex digits only shortened to their last 6 (…" + short[-6:] + ")",
          lambda: short[-6:] in msg and short[-20:] not in msg
          and detail == "The digest has 127 hexadecimal digits where 128 are needed.")
    check("psycopg maps it to psycopg.errors.InvalidTextRepresentation",
          lambda: issubclass(errors.lookup("22P02"), errors.InvalidTextRepresentation)
          and _raises(app, "SELECT %t::eckid.eckid", (short,), errors.InvalidTextRepresentation))

    def copy_malformed():
        try:
            with app.transaction(), cur.copy("COPY school.pupils (id, eck_id) FROM STDIN") as copy:
                copy.write(f"{N + 1}\thttps://ketenid.nl/201703/xyz\n")
        except psycopg.Error as e:
            return e.sqlstate == "22P02"
        return False
    check("a malformed value in COPY FROM STDIN fails with 22P02, and no row is added",
          lambda: copy_malformed() and cur.execute("SELECT count(*) FROM school.pupils").fetchone()[0] == N)

    bad_version = bytes([2, 6]) + b"201703" + bytes(64)
    state, msg, _ = sqlstate_of(app, "SELECT %b", (RawEckId(bad_version),))
    check("a binary value of an unknown format version fails with 22P03", lambda: state == "22P03")

    state, msg, detail = sqlstate_of(app, "SELECT eckid.stampseudonym(%t)", ("9735DFD2" + "0" * 56,))
    check("eckid.stampseudonym() of an invalid HPgn fails with 22023, without quoting it",
          lambda: state == "22023" and msg == "invalid HPgn" and "9735" not in msg + detail)
    check("and of a valid HPgn gives a local Stampseudonym",
          lambda: str(cur.execute("SELECT eckid.stampseudonym(%t)", ("ab" * 32,)).fetchone()[0])
          .startswith("https://ketenid.nl/localsp/"))

    # A masked view for the reporting role.
    cur.execute("SELECT eckid.create_masked_view('school.pupils', 'pupils_report', '{bsn}')")
    cur.execute(sql.SQL("GRANT SELECT ON school.pupils_report TO {}").format(sql.Identifier(REPORT)))
    app.close()

    report = psycopg.connect(dbname=DB, user=REPORT, autocommit=True)
    rcur = report.cursor()
    rows = rcur.execute("SELECT id, name, eck_id FROM school.pupils_report WHERE id = %s", (5,)).fetchall()
    check("the reporting role reads the masked view: segment and the last 6 hex digits only",
          lambda: rows == [(5, "pupil 5", f"https://ketenid.nl/{SEGMENTS[5 % 3]}/…{eck_id(5)[-6:]}")])
    check("the view has no bsn column", lambda: [c.name for c in rcur.execute(
        "SELECT * FROM school.pupils_report LIMIT 0").description] == ["id", "name", "eck_id"])

    def report_copy():
        out = bytearray()
        with rcur.copy("COPY (SELECT * FROM school.pupils_report ORDER BY id) TO STDOUT") as copy:
            for data in copy:
                out += data
        text = out.decode()
        return text.count("\n") == N and not re.search(r"[0-9a-f]{7}\n", text) and "…" in text
    check("and copies it with COPY TO STDOUT, no 7 hex digits of an ECK iD in it", report_copy)
    state, msg, _ = sqlstate_of(report, "SELECT * FROM school.pupils")
    check("but cannot read the table: 42501 (InsufficientPrivilege)",
          lambda: state == "42501" and msg == "permission denied for table pupils")
    state, msg, _ = sqlstate_of(report, "SELECT eckid.stampseudonym(%t)", ("ab" * 32,))
    check("nor compute a Stampseudonym: 42501", lambda: state == "42501")
    report.close()

    failed = results.count(False)
    print(f"psycopg {psycopg.__version__}: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _raises(conn, query, params, exc):
    try:
        with conn.transaction():
            conn.execute(query, params)
    except exc:
        return True
    return False


if __name__ == "__main__":
    sys.exit(main())
