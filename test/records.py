#!/usr/bin/env python3
"""The records that must say what the tree says (docs/development.md,
"Records"): the version README.md states is eckid.control's default_version,
docs/scaling.md names no other, and docs/packaging.md's apt-get line for
building the Debian package installs exactly debian/control.in's
Build-Depends; docs/development.md's layout names every source file (of
src/, src/core/, worker/ and sql/install/); the core includes no header of
PostgreSQL or of the glue, and no header includes another in a cycle.  Each
check also runs against a copy altered to be wrong, so that a check that
cannot fail does not pass.  No cluster needed; prints
'N passed, M failed'."""
import os
import re
import sys

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def read(path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


def default_version(control):
    m = re.search(r"^default_version\s*=\s*'([0-9.]+)'", control, re.M)
    return m.group(1) if m else None


def readme_problems(readme, version):
    stated = re.findall(r"\bVersion (\d+\.\d+)", readme)
    if not stated:
        return ["README.md states no version"]
    return [f"README.md states version {v}, eckid.control's default_version is {version}"
            for v in stated if v != version]


def scaling_problems(scaling, version):
    return [f"docs/scaling.md names version {v}, eckid.control's default_version is {version}"
            for v in re.findall(r"\bversion (\d+\.\d+)\b", scaling) if v != version]


def build_depends(control_in):
    m = re.search(r"^Build-Depends:\n((?:[ \t].*\n)+)", control_in, re.M)
    names = set()
    for item in m.group(1).split(","):
        item = item.strip()
        if not item:
            continue
        name = re.split(r"[\s(<\[]", item, maxsplit=1)[0]
        # debhelper-compat is provided by debhelper; PGVERSION is the
        # machine's PostgreSQL (postgresql-15 on Debian 12)
        name = {"debhelper-compat": "debhelper"}.get(name, name)
        names.add(name.replace("PGVERSION", "NN"))
    return names


def packaging_problems(packaging, needed):
    joined = re.sub(r"\\\n\s*", " ", packaging)	# continued shell lines
    lines = [l for l in joined.splitlines() if l.strip().startswith("apt-get install") and "debhelper" in l]
    if len(lines) != 1:
        return [f"docs/packaging.md has {len(lines)} apt-get lines for the build dependencies, not one"]
    listed = {re.sub(r"^postgresql-\d+$", "postgresql-NN", p) for p in lines[0].split()[2:]}
    listed -= {"dpkg-dev", "git"}	# scripts/build-deb's own tools
    problems = [f"docs/packaging.md's apt-get line lacks {p} (debian/control.in Build-Depends)"
                for p in sorted(needed - listed)]
    problems += [f"docs/packaging.md's apt-get line installs {p}, which debian/control.in does not name"
                 for p in sorted(listed - needed)]
    return problems


def source_files():
    out = []
    for d, exts in (("src", (".c", ".h")), ("src/core", (".c", ".h")), ("src/core/test", (".c", ".h")),
                    ("worker", (".c", ".h")), ("worker/fuzz", (".c",)), ("sql/install", (".sql",))):
        for name in sorted(os.listdir(os.path.join(root, d))):
            if name.endswith(exts) and os.path.isfile(os.path.join(root, d, name)):
                out.append(f"{d}/{name}")
    return out


def layout_problems(development, files):
    layout = development.split("## Layout", 1)[-1].split("\n## ", 1)[0]
    problems = []
    for f in files:
        stem, ext = os.path.splitext(os.path.basename(f))
        names = [stem + ext]
        if ext in (".c", ".h"):
            names.append(stem + ".[ch]")
        if not any(re.search(r"(?<![A-Za-z0-9_])" + re.escape(n) + r"(?![A-Za-z0-9_])", layout) for n in names) \
                and not (f.startswith("src/core/test/") and "`src/core/test/`" in layout):
            problems.append(f"docs/development.md's layout does not name {f}")
    return problems


INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]([^>"]+)[>"]', re.M)


def include_problems(files_text):
    """files_text: {path: text} of src/ and src/core/ headers and sources."""
    problems = []
    glue_headers = {os.path.basename(p) for p in files_text if p.startswith("src/") and not p.startswith("src/core/")
                    and p.endswith(".h")}
    for path, text in files_text.items():
        if not path.startswith("src/core/"):
            continue
        for inc in INCLUDE.findall(text):
            if inc in ("postgres.h", "fmgr.h", "postgres_fe.h", "c.h") or inc.split("/")[0] in (
                    "utils", "catalog", "access", "nodes", "executor", "storage", "commands", "parser", "miscadmin.h"):
                problems.append(f"{path} includes the server header {inc}")
            elif os.path.basename(inc) in glue_headers:
                problems.append(f"{path} includes the glue's header {inc}")
    # cycles among the project's own headers
    headers = {os.path.basename(p): p for p in files_text if p.endswith(".h")}
    graph = {h: [os.path.basename(i) for i in INCLUDE.findall(files_text[p]) if os.path.basename(i) in headers]
             for h, p in headers.items()}
    state = {}

    def visit(h, stack):
        state[h] = 1
        for n in graph[h]:
            if state.get(n) == 1:
                problems.append("include cycle: " + " -> ".join(stack[stack.index(n):] + [n]) if n in stack
                                else f"include cycle through {n}")
            elif n not in state:
                visit(n, stack + [n])
        state[h] = 2

    for h in sorted(graph):
        if h not in state:
            visit(h, [h])
    return problems


def main():
    passed = failed = 0

    def check(problems, what, broken_problems):
        nonlocal passed, failed
        # the control: the same check on a broken copy must complain
        if not broken_problems:
            print(f"not ok - {what}: the check finds nothing wrong in a broken copy")
            failed += 1
        elif problems:
            for p in problems:
                print(f"not ok - {what}: {p}")
            failed += 1
        else:
            print(f"ok - {what}")
            passed += 1

    version = default_version(read("eckid.control"))
    readme = read("README.md")
    check(readme_problems(readme, version), f"README.md states version {version}",
          readme_problems(readme.replace(f"Version {version}", "Version 0.9"), version))
    scaling = read("docs/scaling.md")
    check(scaling_problems(scaling, version), "docs/scaling.md names no other version",
          scaling_problems(scaling + "\nversion 0.9\n", version))
    needed = build_depends(read("debian/control.in"))
    packaging = read("docs/packaging.md")
    check(packaging_problems(packaging, needed),
          "docs/packaging.md installs exactly debian/control.in's Build-Depends",
          packaging_problems(packaging.replace(" libsodium-dev", ""), needed))
    files = source_files()
    development = read("docs/development.md")
    check(layout_problems(development, files), f"docs/development.md's layout names all {len(files)} source files",
          layout_problems(development, files + ["src/never_named_anywhere.c"]))
    texts = {f: read(f) for f in files if f.startswith("src/") and f.endswith((".c", ".h"))}
    broken = dict(texts)
    broken["src/core/kdf.h"] = '#include "postgres.h"\n#include "kdf.h"\n' + broken.get("src/core/kdf.h", "")
    check(include_problems(texts), "the core includes nothing of the server or the glue, and no include cycle",
          include_problems(broken))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
