#!/usr/bin/env bash
# tests/run.sh - the whole test suite: unit tests (cmocka) and the
# end-to-end scripts tests/t*.sh, against one throwaway PostgreSQL server
# that is started here and always stopped.  With ISA-L built in, the gzip
# reader's unit tests and the analyze scripts (t2*) run again with zlib.  The last line sums it up as
# "N passed, N failed".
#
# Usage: tests/run.sh [t1001-snapshot.sh ...]   (default: every script)
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export TT="$PWD/$BUILD/tokentrail" FIXTURES="$PWD/fixtures"
export TESTS_DIR="$PWD/tests" BUILD_DIR="$PWD/$BUILD"

. tests/lib/pg.sh
trap pg_stop EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
log=$(mktemp "${TMPDIR:-/tmp}/tokentrail-run.XXXXXX")

# Count "ok" / "not ok" lines of one test program's output; a program that
# failed without reporting a failing case counts as one failure.
tally() {
	local name=$1 status=$2 ok bad
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	if [ "$status" != 0 ] && [ "$bad" = 0 ]; then
		bad=1
		echo "not ok - $name exited with status $status"
	fi
	grep -E '^(not ok|#)' "$log" | sed "s|^|$name: |"
	passed=$((passed + ok))
	failed=$((failed + bad))
	printf '%-40s %4d passed, %d failed\n' "$name" "$ok" "$bad"
}

if ! pg_start; then
	echo "could not start the test PostgreSQL server"
	echo "0 passed, 1 failed"
	exit 1
fi

for bin in "$BUILD"/tests/test_*; do
	[ -x "$bin" ] || continue
	CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$log" 2>&1
	tally "$(basename "$bin")" $?
done

if [ $# -gt 0 ]; then
	scripts=("$@")
else
	scripts=(tests/t[0-9]*.sh)
fi
for script in "${scripts[@]}"; do
	[ -f "$script" ] || script=tests/$script
	bash "$script" >"$log" 2>&1
	tally "$(basename "$script")" $?
done

# The default gzip inflater is ISA-L when it is built in; then the reader's
# unit tests and the analyze scripts run a second time with zlib, so that
# both backends pass the same tests.
if TOKENTRAIL_INFLATE=isal "$TT" analyze --help >/dev/null 2>&1; then
	CMOCKA_MESSAGE_OUTPUT=TAP TOKENTRAIL_INFLATE=zlib \
	    "$BUILD/tests/test_gzlines" >"$log" 2>&1
	tally "test_gzlines (zlib)" $?
	for script in "${scripts[@]}"; do
		case $(basename "$script") in
		t2[0-9]*.sh) ;;
		*) continue ;;
		esac
		[ -f "$script" ] || script=tests/$script
		TOKENTRAIL_INFLATE=zlib bash "$script" >"$log" 2>&1
		tally "$(basename "$script") (zlib)" $?
	done
fi
rm -f "$log"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
