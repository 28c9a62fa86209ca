#!/usr/bin/env bash
# tests/t3001-lookup.sh - lookup end to end against a snapshot of the
# fixture database: every kind of token, an id with a leading zero, a
# token without permissions, two scope rows, unknown ids, and the errors.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/analyze.sh"
GOLDEN=$TESTS_DIR/golden/t3001

SETUP=$T_ROOT/setup
mkdir -p "$SETUP"
if ! make_fixture_snapshot t3001 "$SETUP/snap.db"; then
	fail "set-up: snapshot of the fixture database"
	done_testing
	exit
fi
cd "$SETUP" || exit 1
SNAP_SUM=$(sha256sum snap.db)

# Every token of the fixture, in an order that is not sorted, with an
# unknown id in the middle and one given twice.
IDS=(754995254613 012345678901 111111111111 222222222222 333333333333
    444444444444 555555555555 555555555556 999000111222 666666666666
    777777777777 888888888888 900000000001 12345 012345678901)

new_work
run "$TT" lookup -s snap.db --log-tz Europe/Berlin "${IDS[@]}"
expect_status "lookup of every fixture token exits 0" 0
expect_file_eq "lookup rows match the golden file" "$WORK/stdout" \
    "$GOLDEN/lookup.csv"
expect_text_eq "lookup with --log-tz prints nothing on stderr" \
    "$(cat "$WORK/stderr")" ""
expect_text_eq "one row per id given, and a header" \
    "$(wc -l <"$WORK/stdout")" $((${#IDS[@]} + 1))
expect_text_eq "the snapshot is unchanged and nothing appeared beside it" \
    "$(sha256sum snap.db; ls)" "$SNAP_SUM
snap.db"

new_work
run "$TT" lookup --snapshot=snap.db 012345678901 888888888888
expect_status "lookup without --log-tz exits 0" 0
expect_file_eq "without --log-tz, times are read as UTC" "$WORK/stdout" \
    "$GOLDEN/lookup-utc.csv"
expect_text_eq "without --log-tz, a warning says UTC is assumed" \
    "$(cat "$WORK/stderr")" \
    "tokentrail: warning: no --log-tz given: snapshot times are taken as UTC"

new_work
run "$TT" lookup -q -s snap.db 999999999999
expect_status "lookup of an unknown id exits 0" 0
expect_text_eq "an unknown id is a row that says so" "$(cat "$WORK/stdout")" \
"$(head -n 1 "$GOLDEN/lookup.csv")
\"999999999999\",,\"unknown\",,,,,,,,,,,,,\"no\""$'\r'
expect_text_eq "-q silences the --log-tz warning" "$(cat "$WORK/stderr")" ""

new_work
run "$TT" lookup -s snap.db --log-tz UTC 111111111111 $'12\e[31m'
expect_status "an id that is not digits is a usage error" 2
expect_text_eq "the invalid id is named, escaped" "$(cat "$WORK/stderr")" \
'tokentrail: error: invalid token id "12\x1b[31m": expected digits
tokentrail: hint: See "tokentrail lookup --help" for the options.'
expect_text_eq "a usage error prints no rows" "$(cat "$WORK/stdout")" ""

new_work
run "$TT" lookup -s snap.db --log-tz UTC ''
expect_status "an empty id is a usage error" 2

new_work
run "$TT" lookup -s snap.db --log-tz UTC
expect_status "no id is a usage error" 2
expect_grep "no id message" "tokentrail: error: no token id given" \
    "$WORK/stderr"

new_work
run "$TT" lookup --log-tz UTC 111111111111
expect_status "no snapshot is a usage error" 2
expect_grep "no snapshot message" \
    "tokentrail: error: no snapshot given: -s is required" "$WORK/stderr"

new_work
run "$TT" lookup -s snap.db --log-tz Mars/Olympus 111111111111
expect_status "an unknown zone is a usage error" 2

new_work
printf 'not a database\n' >"$WORK/fake.db"
run "$TT" lookup -s "$WORK/fake.db" --log-tz UTC 111111111111
expect_status "a file that is not a snapshot is refused" 1
expect_text_eq "nothing on stdout when the snapshot is refused" \
    "$(cat "$WORK/stdout")" ""

new_work
run "$TT" lookup -s "$WORK/missing.db" --log-tz UTC 111111111111
expect_status "a missing snapshot is refused" 1
expect_grep "a missing snapshot is named" "cannot open snapshot" \
    "$WORK/stderr"

new_work
run "$TT" help lookup
expect_status "help lookup exits 0" 0
for opt in --snapshot --log-tz --quiet --help; do
	expect_grep "lookup --help documents $opt" "$opt" "$WORK/stdout"
done

new_work
run bash -c "\"\$0\" lookup -s snap.db --log-tz UTC 111111111111 >/dev/full" \
    "$TT"
expect_status "a full disk on stdout fails the run" 1
expect_grep "a write error is reported" \
    "tokentrail: error: could not write to standard output" "$WORK/stderr"

# The README documents every column, in the order of the header row, and
# every option.
new_work
sed -n '/^## tokentrail lookup/,/^## tokentrail identify/p' \
    "$TESTS_DIR/../README.md" >"$WORK/section"
sed -n 's/^| `\([a-z_]*\)` | .*/"\1"/p' "$WORK/section" | paste -sd , \
    >"$WORK/documented"
head -n 1 "$GOLDEN/lookup.csv" | tr -d '\r' >"$WORK/header"
expect_file_eq "the README lists the lookup columns in order" \
    "$WORK/documented" "$WORK/header"
for opt in --snapshot --log-tz --quiet; do
	expect_grep "the README documents lookup $opt" "\`$opt" "$WORK/section"
done

done_testing
