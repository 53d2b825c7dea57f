#!/usr/bin/env python3
"""Check META.json against the PGXN Meta Spec 1.0.0, its versions against
eckid.control, CHANGELOG.md and debian/changelog, and the zip of `make dist`.

    test/pgxn_meta.py [--root DIR] [--meta FILE] [--zip FILE]

Debian has no validator for the spec (PGXN::Meta::Validator is not packaged),
so the rules are written out here from the spec text (https://pgxn.org/spec/):
required keys and their types, Terms, SemVer versions, the license strings,
provides, meta-spec and the prereqs structure.  Without --zip, `make dist`
builds the zip in a temporary directory.  Prints every check; exits 1 if any
failed.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

# --- the spec -----------------------------------------------------------------

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
# A version range: "0", a version, or an operator and a version; several
# joined with commas ("0" as integer is allowed too).
RANGE_ITEM = re.compile(r"^\s*(?:(?:[=!]=|[<>]=?)\s*)?(\S+)\s*$")
LICENSES = {
    "agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
    "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
    "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
    "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown",
}
TOP_KEYS = {
    "name", "abstract", "description", "version", "maintainer", "license", "provides",
    "meta-spec", "generated_by", "tags", "no_index", "prereqs", "release_status", "resources",
}
REQUIRED = ["name", "version", "abstract", "maintainer", "license", "provides", "meta-spec"]
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONSHIPS = {"requires", "recommends", "suggests", "conflicts"}
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def custom(key):
    """Keys beginning with x_ or X_ are allowed anywhere."""
    return re.match(r"^[xX]_.", key) is not None


class Checker:
    def __init__(self):
        self.passed = 0
        self.failures = 0

    def check(self, ok, what):
        print(("ok      " if ok else "FAILED  ") + what)
        if ok:
            self.passed += 1
        else:
            self.failures += 1
        return ok


def is_term(v):
    # At least two characters; no slash, backslash, whitespace or control character.
    return isinstance(v, str) and re.match(r"^[^/\\\s\x00-\x1f\x7f]{2,}$", v) is not None


def is_text(v):
    return isinstance(v, str) and v.strip() != ""


def is_relpath(v):
    return (isinstance(v, str) and v != "" and not v.startswith("/") and "\\" not in v
            and ".." not in v.split("/"))


def is_range(v):
    if v == 0 and not isinstance(v, bool):
        return True
    if not isinstance(v, str):
        return False
    for item in v.split(","):
        m = RANGE_ITEM.match(item)
        if not m or not (m.group(1) == "0" or SEMVER.match(m.group(1))):
            return False
    return True


def reject_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        raise ValueError("duplicate keys: " + ", ".join(dups))
    return dict(pairs)


def validate_spec(c, meta, root):
    """The PGXN Meta Spec 1.0.0 rules."""
    if not c.check(isinstance(meta, dict), "META.json is a JSON object"):
        return
    for key in REQUIRED:
        c.check(key in meta, f"required key {key!r} present")
    unknown = sorted(k for k in meta if k not in TOP_KEYS and not custom(k))
    c.check(not unknown, "no keys outside the spec (other than x_ keys)"
            + (f": unknown {unknown}" if unknown else ""))

    if "name" in meta:
        c.check(is_term(meta["name"]), f"name {meta['name']!r} is a Term (2+ characters, no /, \\, space)")
    if "version" in meta:
        c.check(isinstance(meta["version"], str) and SEMVER.match(meta["version"]) is not None,
                f"version {meta['version']!r} is a semantic version")
    for key in ("abstract", "description", "generated_by"):
        if key in meta:
            c.check(is_text(meta[key]), f"{key} is a non-empty string")

    if "maintainer" in meta:
        m = meta["maintainer"]
        c.check(is_text(m) or (isinstance(m, list) and m and all(is_text(x) for x in m)),
                "maintainer is a non-empty string or a non-empty list of them")

    if "license" in meta:
        lic = meta["license"]
        if isinstance(lic, str):
            c.check(lic in LICENSES, f"license {lic!r} is one of the spec's license strings")
        elif isinstance(lic, list):
            c.check(bool(lic) and all(isinstance(x, str) and x in LICENSES for x in lic),
                    f"license list {lic!r} holds only the spec's license strings")
        elif isinstance(lic, dict):
            c.check(bool(lic) and all(is_text(k) and isinstance(u, str) and URI.match(u)
                                      for k, u in lic.items()),
                    "license object maps names to URIs")
        else:
            c.check(False, "license is a string, a list or an object")

    if "meta-spec" in meta:
        ms = meta["meta-spec"]
        if c.check(isinstance(ms, dict), "meta-spec is an object"):
            c.check(ms.get("version") == "1.0.0", f"meta-spec version is 1.0.0 (is {ms.get('version')!r})")
            if "url" in ms:
                c.check(ms["url"] in ("https://pgxn.org/meta/spec.txt", "http://pgxn.org/meta/spec.txt"),
                        "meta-spec url is the spec's")
            extra = sorted(k for k in ms if k not in ("version", "url") and not custom(k))
            c.check(not extra, "meta-spec has only version and url" + (f": unknown {extra}" if extra else ""))

    if "provides" in meta:
        prov = meta["provides"]
        if c.check(isinstance(prov, dict) and bool(prov), "provides is a non-empty object"):
            for ext, spec in prov.items():
                c.check(is_term(ext), f"provides: {ext!r} is a Term")
                if not c.check(isinstance(spec, dict), f"provides.{ext} is an object"):
                    continue
                for key in ("file", "version"):
                    c.check(key in spec, f"provides.{ext}.{key} present")
                extra = sorted(k for k in spec if k not in ("file", "version", "abstract", "docfile")
                               and not custom(k))
                c.check(not extra, f"provides.{ext} has only file, version, abstract, docfile"
                        + (f": unknown {extra}" if extra else ""))
                if "version" in spec:
                    c.check(isinstance(spec["version"], str) and SEMVER.match(spec["version"]) is not None,
                            f"provides.{ext}.version {spec['version']!r} is a semantic version")
                for key in ("file", "docfile"):
                    if key in spec:
                        p = spec[key]
                        if c.check(is_relpath(p), f"provides.{ext}.{key} {p!r} is a relative unix path"):
                            c.check(os.path.isfile(os.path.join(root, p)), f"provides.{ext}.{key} {p!r} exists")
                if "abstract" in spec:
                    c.check(is_text(spec["abstract"]), f"provides.{ext}.abstract is a non-empty string")

    if "prereqs" in meta:
        pre = meta["prereqs"]
        if c.check(isinstance(pre, dict) and bool(pre), "prereqs is a non-empty object"):
            for phase, rels in pre.items():
                if custom(phase):
                    continue
                c.check(phase in PHASES, f"prereqs phase {phase!r} is one of {sorted(PHASES)}")
                if not c.check(isinstance(rels, dict) and bool(rels), f"prereqs.{phase} is a non-empty object"):
                    continue
                for rel, deps in rels.items():
                    if custom(rel):
                        continue
                    c.check(rel in RELATIONSHIPS, f"prereqs.{phase} relationship {rel!r} is one of {sorted(RELATIONSHIPS)}")
                    if not c.check(isinstance(deps, dict) and bool(deps),
                                   f"prereqs.{phase}.{rel} is a non-empty object"):
                        continue
                    for dep, rng in deps.items():
                        c.check(is_term(dep) and is_range(rng),
                                f"prereqs.{phase}.{rel}: {dep!r} => {rng!r} is a Term and a version range")

    if "tags" in meta:
        tags = meta["tags"]
        c.check(isinstance(tags, list) and bool(tags) and all(
            isinstance(t, str) and 2 <= len(t) <= 255 and re.search(r"[/\\\x00-\x1f\x7f]", t) is None
            for t in tags), "tags is a non-empty list of tags (2 to 255 characters, no /, \\ or control)")

    if "release_status" in meta:
        c.check(meta["release_status"] in ("stable", "testing", "unstable"),
                "release_status is stable, testing or unstable")

    if "resources" in meta:
        res = meta["resources"]
        ok = isinstance(res, dict) and bool(res)
        if ok:
            for k, v in res.items():
                if custom(k):
                    continue
                if k == "homepage":
                    ok &= isinstance(v, str) and URI.match(v) is not None
                elif k in ("bugtracker", "repository"):
                    allowed = {"bugtracker": ("web", "mailto"), "repository": ("url", "web", "type")}[k]
                    ok &= isinstance(v, dict) and bool(v) and all(
                        custom(x) or (x in allowed and isinstance(y, str) and y != "") for x, y in v.items())
                else:
                    ok = False
        c.check(ok, "resources holds only homepage, bugtracker and repository, well formed")

    if "no_index" in meta:
        ni = meta["no_index"]

        def paths(v):
            return is_relpath(v) or (isinstance(v, list) and bool(v) and len(set(map(str, v))) == len(v)
                                     and all(is_relpath(x) for x in v))
        c.check(isinstance(ni, dict) and bool({"file", "directory"} & set(ni))
                and all(custom(k) or (k in ("file", "directory") and paths(v)) for k, v in ni.items()),
                "no_index has file and/or directory, each a path or a list of paths")


# --- this project -------------------------------------------------------------

def control_field(root, name, field):
    with open(os.path.join(root, name + ".control")) as f:
        for line in f:
            m = re.match(r"^\s*" + field + r"\s*=\s*'([^']*)'", line)
            if m:
                return m.group(1)
    return None


def pg_config_args():
    """The Makefile includes PGXS: point it at PostgreSQL 15's pg_config."""
    pg_config = "/usr/lib/postgresql/15/bin/pg_config"
    return ["PG_CONFIG=" + pg_config] if os.path.exists(pg_config) else []


def make_var(root, var):
    """A variable of the Makefile, as make sees it."""
    args = ["make", "-s", "--no-print-directory", "-C", root, "-f", "Makefile", "-f", "-",
            "eckid-print-var"] + pg_config_args()
    out = subprocess.run(args, input=f"eckid-print-var:\n\t@echo $({var})\n", text=True,
                         capture_output=True, check=True)
    return out.stdout.split()


def validate_project(c, meta, root):
    version = meta.get("version", "")
    name = meta.get("name")
    c.check(os.path.isfile(os.path.join(root, f"{name}.control")), f"{name}.control exists for name {name!r}")
    for ext in meta.get("provides", {}):
        c.check(os.path.isfile(os.path.join(root, f"{ext}.control")), f"provides.{ext} has {ext}.control")

    default = control_field(root, name, "default_version")
    major_minor = ".".join(version.split(".")[:2])
    c.check(default is not None and default == major_minor,
            f"version {version} agrees with {name}.control's default_version {default!r}")
    for ext, spec in meta.get("provides", {}).items():
        c.check(spec.get("version") == version,
                f"provides.{ext}.version {spec.get('version')!r} is the distribution's {version}")

    with open(os.path.join(root, "CHANGELOG.md")) as f:
        headings = [line[3:].strip() for line in f if line.startswith("## ")]
    newest = headings[0] if headings else ""
    # "## 1.1.0 (first release)": a release X.Y.Z of extension version X.Y
    c.check(re.match(r"^" + re.escape(version or "?") + r"(\s|$)", newest) is not None
            and major_minor == default,
            f"CHANGELOG.md's newest section {newest!r} is for {version} (extension version {default!r})")

    debian = os.path.join(root, "debian", "changelog")
    if os.path.isfile(debian):
        with open(debian) as f:
            m = re.match(r"^(\S+) \(([^)]+)\)", f.readline())
        upstream = m.group(2).rsplit("-", 1)[0] if m else None
        c.check(upstream == version, f"debian/changelog's upstream version {upstream!r} is {version}")


def check_zip(c, meta, root, zip_path):
    name, version = meta.get("name"), meta.get("version")
    prefix = f"{name}-{version}/"
    with zipfile.ZipFile(zip_path) as z:
        names = [n for n in z.namelist() if not n.endswith("/")]
        c.check(bool(names) and all(n.startswith(prefix) for n in names), f"every file is under {prefix}")
        files = {n[len(prefix):] for n in names if n.startswith(prefix)}
        try:
            zmeta = json.loads(z.read(prefix + "META.json"))
        except KeyError:
            zmeta = {}
    print(f"        ({len(files)} files)")
    for f in ("META.json", "Makefile", f"{name}.control", "README.md"):
        c.check(f in files, f"zip holds {f}")
    for d in ("sql/", "src/", "docs/"):
        c.check(any(f.startswith(d) for f in files), f"zip holds {d}")
    c.check(zmeta.get("version") == version,
            f"zip's META.json has version {version} (is {zmeta.get('version')!r}; the zip is of HEAD)")
    for ext, spec in meta.get("provides", {}).items():
        for key in ("file", "docfile"):
            if key in spec:
                c.check(spec[key] in files, f"zip holds provides.{ext}.{key} {spec[key]}")
    for f in make_var(root, "DATA") + make_var(root, "DATA_built"):
        c.check(f in files, f"zip holds install script {f} (Makefile DATA, DATA_built)")
    c.check(f"sql/{name}--{control_field(root, name, 'default_version')}.sql" in files,
            f"zip holds the install script made from sql/install/ for default_version")
    for o in make_var(root, "OBJS"):
        c.check(o[:-2] + ".c" in files, f"zip holds {o[:-2]}.c (Makefile OBJS)")
    core = os.path.join(root, "src", "core")
    for f in ["Makefile"] + make_var(core, "SRCS") + make_var(core, "HDRS"):
        c.check("src/core/" + f in files, f"zip holds src/core/{f} (the core's library, src/core/Makefile)")
    for f in sorted(os.listdir(os.path.join(root, "mk"))):
        c.check("mk/" + f in files, f"zip holds mk/{f} (included by the Makefile)")
    bad = sorted(f for f in files if re.search(
        r"(^|/)(\.ci|debian|results|tmp_check|log)/|(^|/)\.git|\.(o|a|so|bc|zip|deb)$|(^|/)regression\.(diffs|out)$"
        r"|__pycache__", f))
    c.check(not bad, "zip holds no .ci/, debian/, .git*, build or test products" + (f": {bad}" if bad else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--meta", help="META.json to check (default: ROOT/META.json)")
    ap.add_argument("--zip", help="zip to check (default: make dist in a temporary directory)")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    meta_path = args.meta or os.path.join(root, "META.json")

    c = Checker()
    print(f"== {meta_path} against the PGXN Meta Spec 1.0.0")
    try:
        with open(meta_path) as f:
            meta = json.load(f, object_pairs_hook=reject_duplicates)
    except (OSError, ValueError) as e:
        c.check(False, f"META.json parses as JSON without duplicate keys ({e})")
        print("\npgxn_meta: 0 passed, 1 failed")
        return 1
    c.check(True, "META.json parses as JSON without duplicate keys")
    validate_spec(c, meta, root)
    if not isinstance(meta, dict):
        return 1

    print("== versions: META.json, eckid.control, CHANGELOG.md, debian/changelog")
    validate_project(c, meta, root)

    print("== the PGXN zip (make dist)")
    with tempfile.TemporaryDirectory() as tmp:
        zip_path = args.zip
        if not zip_path:
            zip_path = os.path.join(tmp, f"{meta.get('name')}-{meta.get('version')}.zip")
            cmd = ["make", "-s", "--no-print-directory", "-C", root] + pg_config_args()
            # The default name, as `make dist` without DIST_ZIP writes it.
            dry = subprocess.run(cmd + ["-n", "dist"], capture_output=True, text=True)
            want = f"{meta.get('name')}-{meta.get('version')}.zip"
            c.check(want in dry.stdout, f"make dist names the zip {want}")
            made = subprocess.run(cmd + ["dist", "DIST_ZIP=" + zip_path], capture_output=True, text=True)
            if not c.check(made.returncode == 0 and os.path.isfile(zip_path), "make dist ran"):
                print(made.stdout + made.stderr)
        if os.path.isfile(zip_path):
            check_zip(c, meta, root, zip_path)

    print(f"\npgxn_meta: {c.passed} passed, {c.failures} failed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
