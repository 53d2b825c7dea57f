#!/usr/bin/env bash
# PGXN: META.json against the PGXN Meta Spec 1.0.0 (required keys and types,
# SemVer, license strings, provides, prereqs), its version against
# eckid.control, CHANGELOG.md and debian/changelog, and the file list of the
# zip `make dist` makes.  test/pgxn_meta.py does the work; no cluster needed.
set -euo pipefail
exec python3 "$(dirname "$0")/../pgxn_meta.py" "$@"
