#!/usr/bin/env bash
# test/shell/lib/list.sh [TAG]: the shell tests test/shell/tests.list names
# (those marked TAG, or all), one a line, in its order; scripts/test and
# make installcheck-shell both take their tests from here.  Fails, saying
# which, if a test/shell/*.sh is not in the list (a new test must not be
# forgotten) or the list names a test that is not there.
set -euo pipefail
dir=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-}

listed=$(sed -e 's/#.*//' "$dir/tests.list" | awk 'NF { print $1 }')
status=0
for f in "$dir"/*.sh; do
	name=$(basename "$f" .sh)
	grep -qxF "$name" <<< "$listed" || { echo "test/shell/$name.sh is not in test/shell/tests.list" >&2; status=1; }
done
for name in $listed; do
	[ -f "$dir/$name.sh" ] || { echo "test/shell/tests.list names $name, but test/shell/$name.sh is not there" >&2; status=1; }
done
[ "$status" -eq 0 ] || exit 1

sed -e 's/#.*//' "$dir/tests.list" | awk -v tag="$tag" 'NF && (tag == "" || $2 == tag) { print $1 }'
