# tests/lib/harness.sh - assertions for the end-to-end test scripts.
#
# Each script sources this file, runs its cases and calls "done_testing".
# A case prints "ok - name" or "not ok - name" followed by what differed;
# tests/run.sh counts those lines.  TT is the tokentrail binary, FIXTURES
# the fixtures directory, and every case gets a fresh $WORK directory.
# With VALGRIND=1, TT runs under valgrind (TT_BIN stays the bare binary,
# for measurements); done_testing fails the script if valgrind reported
# an error or a leak in any run.

set -u
TT=${TT:-$PWD/build/tokentrail}
FIXTURES=${FIXTURES:-$PWD/fixtures}
TESTS_DIR=${TESTS_DIR:-$PWD/tests}
T_FAILED=0
T_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/tokentrail-t.XXXXXX")
trap 'rm -rf "$T_ROOT"' EXIT
TT_BIN=$TT
if [ "${VALGRIND:-0}" = 1 ]; then
	mkdir -m 1777 "$T_ROOT/valgrind"
	cat >"$T_ROOT/valgrind/tokentrail" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=1 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect \\
    --show-leak-kinds=definite,indirect \\
    --log-file="$T_ROOT/valgrind/log.%p" "$TT" "\$@"
EOF
	chmod 755 "$T_ROOT/valgrind/tokentrail"
	TT=$T_ROOT/valgrind/tokentrail
fi

# Start a case: a new, empty $WORK.
new_work() {
	WORK=$(mktemp -d "$T_ROOT/w.XXXXXX")
}

pass() {
	printf 'ok - %s\n' "$1"
}

fail() {
	printf 'not ok - %s\n' "$1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	T_FAILED=$((T_FAILED + 1))
}

# Run a command, keeping its stdout, stderr and status in $WORK.
run() {
	"$@" >"$WORK/stdout" 2>"$WORK/stderr"
	STATUS=$?
}

# expect_status NAME WANT: the last run() exited with WANT.
expect_status() {
	if [ "$STATUS" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit status $STATUS, expected $2" \
		    "stderr: $(head -c 600 "$WORK/stderr")"
	fi
}

# expect_file_eq NAME GOT WANT: two files are byte-identical.
expect_file_eq() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "$(diff -u "$3" "$2" | head -n 30)"
	fi
}

# expect_text_eq NAME GOT WANT: two strings are equal.
expect_text_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got:      $(printf '%s' "$2" | head -c 600)" \
		    "expected: $(printf '%s' "$3" | head -c 600)"
	fi
}

# expect_grep NAME PATTERN FILE: FILE has a line matching fixed PATTERN.
expect_grep() {
	if grep -qF -- "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "\"$2\" not found in $(basename "$3"):" \
		    "$(head -c 600 "$3")"
	fi
}

# expect_no_grep NAME PATTERN FILE...: no file contains fixed PATTERN.
expect_no_grep() {
	local name=$1 pattern=$2
	shift 2
	if grep -rqaF -- "$pattern" "$@"; then
		fail "$name" "\"$pattern\" found in $(grep -rlaF -- "$pattern" "$@")"
	else
		pass "$name"
	fi
}

# expect_absent NAME PATH...: none of the paths exist.
expect_absent() {
	local name=$1 path
	shift
	for path in "$@"; do
		if [ -e "$path" ]; then
			fail "$name" "$path exists"
			return
		fi
	done
	pass "$name"
}

done_testing() {
	local logs

	if [ "${VALGRIND:-0}" = 1 ]; then
		logs=$(find "$T_ROOT/valgrind" -name 'log.*' -size +0)
		if [ -n "$logs" ]; then
			# shellcheck disable=SC2086
			fail "valgrind reports no error and no leak" \
			    "$(head -n 40 $logs)"
		else
			pass "valgrind reports no error and no leak"
		fi
	fi
	[ "$T_FAILED" = 0 ]
}
