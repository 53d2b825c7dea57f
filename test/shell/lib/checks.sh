# The counting checks the shell tests in test/shell/ share (sourced; this
# directory is not run as tests):
#
#   check DESCRIPTION COMMAND...  "ok N - DESCRIPTION" if COMMAND succeeds,
#                                 "not ok N - DESCRIPTION" if not (the run goes on)
#   same A B                      succeeds if the strings are equal; prints both if not
#   has TEXT PATTERN              succeeds if TEXT contains the fixed string PATTERN;
#                                 prints both if not
#   checks_done                   prints the plan and a summary; fails if a check failed
#
# A test proving a negative (no leak, no trap fired) also checks that its
# probe sees the positive, with these same functions.
checks=0
failures=0

check() {
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@"; then
		echo "ok $checks - $what"
	else
		echo "not ok $checks - $what"
		failures=$((failures + 1))
	fi
}

same() {
	if [ "$1" == "$2" ]; then return 0; fi
	printf '    got:      %s\n    expected: %s\n' "$1" "$2" | head -c 4000
	return 1
}

has() {
	if grep -qF -- "$2" <<<"$1"; then return 0; fi
	printf '    not found: %s\n    in: %s\n' "$2" "$1" | head -c 4000
	return 1
}

checks_done() {
	echo "1..$checks"
	if [ "$failures" -gt 0 ]; then
		echo "# $failures of $checks checks failed"
		return 1
	fi
	echo "# all $checks checks passed"
}
