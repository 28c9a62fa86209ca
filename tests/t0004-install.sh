#!/usr/bin/env bash
# tests/t0004-install.sh - "make install" puts the binary and the manual
# page under PREFIX inside DESTDIR, and both work from there.
. "$(dirname "$0")/lib/harness.sh"

ROOT=$(dirname "$TESTS_DIR")
BUILD_DIR=${BUILD_DIR:-$ROOT/build}

new_work
run make -s -C "$ROOT" BUILD="$BUILD_DIR" DESTDIR="$WORK/stage" \
    PREFIX=/opt/tt install
expect_status "make install succeeds" 0
expect_file_eq "the binary is installed under DESTDIR/PREFIX/bin" \
    "$WORK/stage/opt/tt/bin/tokentrail" "$BUILD_DIR/tokentrail"
expect_file_eq "the man page is installed under DESTDIR/PREFIX/share/man" \
    "$WORK/stage/opt/tt/share/man/man1/tokentrail.1" \
    "$ROOT/docs/tokentrail.1"
expect_text_eq "the binary is executable" \
    "$(stat -c %a "$WORK/stage/opt/tt/bin/tokentrail")" 755
expect_absent "nothing is installed outside DESTDIR" /opt/tt

run "$WORK/stage/opt/tt/bin/tokentrail" --version
expect_status "the installed binary runs" 0

MANWIDTH=80 MANPATH="$WORK/stage/opt/tt/share/man" man tokentrail \
    >"$WORK/man.txt" 2>"$WORK/man.err"
STATUS=$?
expect_status "man finds the installed page" 0
expect_grep "the page renders with its sections" "EXIT STATUS" \
    "$WORK/man.txt"
expect_grep "the page renders the options" "--log-tz" "$WORK/man.txt"
expect_text_eq "groff finds no mistake in the page" \
    "$(groff -mdoc -Tutf8 -ww -z "$ROOT/docs/tokentrail.1" 2>&1)" ""

done_testing
