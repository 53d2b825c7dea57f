#!/usr/bin/env python3
"""The trigger workload of test/shell/secrets_in_logs.sh: a LAS client that
passes PGNs as bind parameters, as docs/security.md advises.  Writes every
PGN it gave the trigger to the file named by its argument."""
import random
import sys

import psycopg

CHAIN = "http://purl.edustandaard.nl/begrippenkader/e7ec7d3c-c235-4513-bfb6-e54e66854795"
SECTOR = "http://purl.edustandaard.nl/begrippenkader/512e4729-03a4-43a2-95ba-758071d1b725"


def bsn(rng):
    """A random valid BSN (elfproef), never one of the well-known examples."""
    while True:
        d = [rng.randrange(10) for _ in range(8)]
        s = sum((9 - i) * d[i] for i in range(8))
        last = s % 11
        if last < 10:
            v = "".join(map(str, d + [last]))
            if v != "000000000":
                return v


def main(out_path):
    rng = random.Random()
    pgns = []
    with psycopg.connect(dbname="las", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION eckid")
        conn.execute("CREATE SCHEMA school")
        conn.execute("CREATE TABLE school.pupil (id int PRIMARY KEY, pgn text, hpgn text, eck_id eckid.eckid)")
        conn.execute(
            "CREATE TRIGGER pupil_eckid BEFORE INSERT OR UPDATE ON school.pupil FOR EACH ROW "
            "EXECUTE FUNCTION eckid.assign('pgn', 'hpgn', 'eck_id', %s, %s, 'wipe_pgn')"
            % (psycopg.sql.quote(CHAIN), psycopg.sql.quote(SECTOR)))
        for i in range(1, 7):
            p = bsn(rng)
            pgns.append(p)
            conn.execute("INSERT INTO school.pupil (id, pgn) VALUES (%s, %s)", (i, p))
        # PGN changes: a new BSN for two pupils
        for i in (2, 5):
            p = bsn(rng)
            pgns.append(p)
            conn.execute("UPDATE school.pupil SET pgn = %s WHERE id = %s", (p, i))
        # a refused PGN (bad check digit), and one with a space
        bad = pgns[0][:-1] + str((int(pgns[0][-1]) + 1) % 10)
        pgns.append(bad)
        for p in (bad, " " + pgns[1]):
            try:
                conn.execute("INSERT INTO school.pupil (id, pgn) VALUES (%s, %s)", (99, p))
                raise SystemExit("an invalid PGN was accepted")
            except psycopg.errors.InvalidParameterValue:
                pass
        # rows written with the trigger disabled, then backfilled
        conn.execute("ALTER TABLE school.pupil DISABLE TRIGGER pupil_eckid")
        for i in range(10, 13):
            p = bsn(rng)
            pgns.append(p)
            conn.execute("INSERT INTO school.pupil (id, pgn) VALUES (%s, %s)", (i, p))
        conn.execute("ALTER TABLE school.pupil ENABLE TRIGGER pupil_eckid")
        conn.execute("CALL eckid.backfill('school.pupil', 2)")
        # an export through a masked view
        conn.execute("SELECT eckid.create_masked_view('school.pupil', 'pupil_export', '{pgn,hpgn}', 'uitgeverij-a')")
        with conn.cursor() as cur:
            with cur.copy("COPY (SELECT * FROM school.pupil_export) TO STDOUT") as copy:
                rows = sum(1 for _ in copy.rows())
        if rows != 9:
            raise SystemExit(f"the export has {rows} rows, not 9")
        left = conn.execute("SELECT count(*) FROM school.pupil WHERE eck_id IS NULL OR pgn IS NOT NULL").fetchone()[0]
        if left:
            raise SystemExit(f"{left} rows without ECK iD or with a PGN left")
    with open(out_path, "w") as f:
        f.write("\n".join(pgns) + "\n")
    print(f"workload: {len(pgns)} PGNs through the trigger and the backfill, 2 PGN changes, 2 refusals, an export of {rows} rows")


if __name__ == "__main__":
    main(sys.argv[1])
