#!/usr/bin/env bash
# Run each eckid fuzzer for the given number of seconds (default 30) on a
# copy of its seed corpus, and print executions, crashes and sanitizer
# reports.  Exits non-zero if any fuzzer found a problem.
#   test/fuzz/run.sh SECONDS FUZZER...
set -uo pipefail
seconds=${1:-30}; shift
work=$(mktemp -d /tmp/eckid-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
total=0
for fuzzer in "$@"; do
	name=$(basename "$fuzzer")
	corpus=$(dirname "$fuzzer")/corpus/${name#fuzz_}
	mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
	cp "$corpus"/* "$work/$name/corpus/" 2>/dev/null || true
	"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" >"$work/$name/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/log" | tail -n 1)
	reports=$(grep -cE 'ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:' "$work/$name/log")
	crashes=$(ls "$work/$name/artifacts" | wc -l)
	echo "$name: ${runs:-0} executions in ${seconds} s, $crashes crashes, $reports sanitizer reports"
	total=$((total + ${runs:-0}))
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$reports" -ne 0 ]; then
		status=1
		tail -n 40 "$work/$name/log"
		for a in "$work/$name/artifacts"/*; do
			[ -e "$a" ] && { echo "reproducer $a (base64):"; base64 "$a"; }
		done
	fi
done
echo "fuzzing: $total executions in all"
exit $status
