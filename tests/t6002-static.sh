#!/usr/bin/env bash
# tests/t6002-static.sh - the air-gap artefact: "make static" gives a
# binary with no shared library that, inside a chroot holding nothing but
# itself and the demo data (no libraries, no /etc, no zoneinfo but the one
# zone file handed over with TZDIR), snapshots the demo CSV export and
# analyses the demo logs into the same reports as the regular build.
. "$(dirname "$0")/lib/harness.sh"

ROOT=$(dirname "$TESTS_DIR")
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
STATIC=$BUILD_DIR/static/tokentrail

new_work
run make -s -C "$ROOT" BUILD="$BUILD_DIR" static
expect_status "make static builds" 0

new_work
ldd "$STATIC" >"$WORK/ldd" 2>&1
expect_grep "ldd: not a dynamic executable" "not a dynamic executable" \
    "$WORK/ldd"

# The reference: the regular build on the same data.
REF=$T_ROOT/ref
mkdir -p "$REF"
"$TT" snapshot --from-csv "$FIXTURES/demo/csv" -o "$REF/snap.db" &&
    "$TT" analyze -q --log-tz Europe/Berlin -s "$REF/snap.db" \
    -o "$REF/out" "$FIXTURES/demo/logs"

if [ "$(id -u)" != 0 ]; then
	pass "static binary in a bare chroot # SKIP chroot needs root"
	done_testing
	exit
fi

JAIL=$T_ROOT/jail
mkdir -p "$JAIL/zoneinfo/Europe"
cp "$STATIC" "$JAIL/tokentrail"
cp -r "$FIXTURES/demo/csv" "$FIXTURES/demo/logs" "$JAIL/"
cp /usr/share/zoneinfo/Europe/Berlin "$JAIL/zoneinfo/Europe/"

new_work
env -i TZDIR=/zoneinfo "$(command -v chroot)" "$JAIL" /tokentrail \
    snapshot --from-csv /csv -o /snap.db >"$WORK/stdout" 2>"$WORK/stderr"
STATUS=$?
expect_status "in the chroot: snapshot --from-csv" 0

new_work
env -i TZDIR=/zoneinfo "$(command -v chroot)" "$JAIL" /tokentrail \
    analyze --log-tz Europe/Berlin -s /snap.db -o /out /logs \
    >"$WORK/stdout" 2>"$WORK/stderr"
STATUS=$?
expect_status "in the chroot: analyze of the demo logs" 0
expect_grep "in the chroot: the summary says where the reports are" \
    'reports written to "/out"' "$WORK/stderr"
# Input paths differ only in the directory: /logs in the chroot.
for report in requests timeline findings tokens; do
	sed "s|$FIXTURES/demo/logs/|/logs/|g" "$REF/out/$report.csv" \
	    >"$REF/$report.csv"
	expect_file_eq "in the chroot: $report.csv as from the regular build" \
	    "$JAIL/out/$report.csv" "$REF/$report.csv"
done

new_work
env -i "$(command -v chroot)" "$JAIL" /tokentrail snapshot -o /db.db \
    >"$WORK/stdout" 2>"$WORK/stderr"
STATUS=$?
expect_status "in the chroot: the database route fails" 1
expect_grep "in the chroot: the database route points to --from-csv" \
    "tokentrail: hint: Use --from-csv" "$WORK/stderr"
expect_absent "in the chroot: no snapshot is left behind" "$JAIL/db.db"

done_testing
