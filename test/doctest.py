#!/usr/bin/env python3
"""Run the SQL examples in Markdown files and compare their output.

Every ```sql block is run, in order, in one psql session per file, against a
fresh database with eckid installed.  When a ```sql block is followed
(after blank lines only) by a plain ``` block, that block is the expected
psql output and must match exactly (trailing spaces ignored).  A ```sql
block without one must run without an error.  A file whose first line holds
`<!-- doctest: skip -->` is not run.

Connection settings come from the environment (PGHOST, PGPORT, PGUSER), as
scripts/test sets them up.
"""
import os
import pathlib
import re
import subprocess
import sys

FENCE = re.compile(r"^```(\S*)\s*$")
MARK = "@@doctest-block-%d@@"


def blocks(text):
    """Yield (kind, body, line) for each fenced block; kind is the info string."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            start = i + 1
            j = start
            while j < len(lines) and lines[j].rstrip() != "```":
                j += 1
            yield m.group(1), "\n".join(lines[start:j]), start, j
            i = j + 1
        else:
            i += 1


def examples(text):
    """List of (sql, expected or None, line)."""
    found = list(blocks(text))
    lines = text.splitlines()
    out = []
    for k, (kind, body, start, end) in enumerate(found):
        if kind != "sql":
            continue
        expected = None
        if k + 1 < len(found):
            nkind, nbody, nstart, _ = found[k + 1]
            between = lines[end + 1:nstart - 1]
            if nkind == "" and all(not l.strip() for l in between):
                expected = nbody
        out.append((body, expected, start))
    return out


def normalise(s):
    return "\n".join(l.rstrip() for l in s.strip("\n").splitlines()).strip("\n")


def psql(db, sql):
    return subprocess.run(
        ["psql", "-X", "-q", "-d", db, "-v", "VERBOSITY=default"],
        input=sql, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ).stdout


def run_file(path):
    text = path.read_text()
    if text.startswith("<!-- doctest: skip -->"):
        return 0, 0
    ex = examples(text)
    if not ex:
        return 0, 0
    db = "doctest_" + re.sub(r"[^a-z0-9]", "_", path.stem.lower())
    quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["dropdb", "--if-exists", db], check=True, env=quiet)
    subprocess.run(["createdb", db], check=True)
    try:
        # As docs/type.md tells users: no search_path setting; the type and
        # the functions are written with their schema, and the operators
        # (in pg_catalog) need none.
        psql(db, "CREATE EXTENSION eckid;")
        script = "".join("\\echo %s\n%s\n" % (MARK % n, sql) for n, (sql, _, _) in enumerate(ex))
        output = psql(db, script)
    finally:
        subprocess.run(["dropdb", db], check=True)
    parts = re.split(r"^@@doctest-block-(\d+)@@$", output, flags=re.M)
    got = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    failures = 0
    for n, (sql, expected, line) in enumerate(ex):
        actual = normalise(got.get(n, "<no output: psql stopped early>"))
        if expected is None:
            ok = "ERROR:" not in actual
        else:
            ok = actual == normalise(expected)
        if not ok:
            failures += 1
            print(f"FAIL {path}:{line}\n--- sql\n{sql}\n--- expected\n{expected if expected is not None else '(no error)'}\n--- actual\n{actual}\n")
    return len(ex), failures


def main(paths):
    total = failed = 0
    for p in paths:
        n, f = run_file(pathlib.Path(p))
        total += n
        failed += f
        if n:
            print(f"{p}: {n - f}/{n} examples ok")
    print(f"docs examples: {total - failed}/{total} ok")
    return 1 if failed or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
