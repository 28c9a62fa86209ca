#!/usr/bin/env bash
# tests/t6001-quick-start.sh - the README's quick start from a fresh clone
# of the committed tree: "make deps demo" says where the reports are and
# leaves them there, and the second command's machinery ("make check" is
# the unit tests and tests/run.sh: here with one script, not the whole
# suite again) works in the clone.
# Done as root and, via runuser, as an ordinary user; the user needs sudo
# only when "make deps" has packages to install.
. "$(dirname "$0")/lib/harness.sh"

ROOT=$(dirname "$TESTS_DIR")
QUICK_USER=tt-qs-$$ # one per run: runs may overlap

# quick_start DIR [RUNNER...]: clone into DIR and run the quick start
# there, as RUNNER when given; names the cases after $WHO.
quick_start() {
	local dir=$1
	shift
	new_work
	run git clone -q "$ROOT" "$dir"
	expect_status "$WHO: git clone" 0
	[ $# -gt 0 ] && chown -R "$QUICK_USER:" "$dir"

	(cd "$dir" && "$@" make deps demo) >"$WORK/stdout" 2>"$WORK/stderr"
	STATUS=$?
	expect_status "$WHO: make deps demo" 0
	expect_grep "$WHO: make demo says where the reports are" \
	    "The reports are in demo-out/reports/:" "$WORK/stdout"
	expect_grep "$WHO: the summary counts the planted findings" \
	    "tokentrail: findings: 4 critical, 5 warning, 0 info" \
	    "$WORK/stderr"
	expect_text_eq "$WHO: findings.csv holds the nine findings and its header" \
	    "$(wc -l <"$dir/demo-out/reports/findings.csv" 2>/dev/null)" 10
	run bash -c "cd '$dir/demo-out/reports' && sha256sum -c --quiet \
	    SHA256SUMS"
	expect_status "$WHO: the demo's SHA256SUMS checks" 0

	(cd "$dir" && "$@" make -s unit && "$@" tests/run.sh t0001-cli.sh) \
	    >"$WORK/stdout" 2>&1
	STATUS=$?
	expect_status "$WHO: tests/run.sh runs in the clone" 0
	expect_grep "$WHO: tests/run.sh ends with its tally" " 0 failed" \
	    "$WORK/stdout"
}

if [ "$(id -u)" != 0 ]; then
	WHO="this user"
	quick_start "$T_ROOT/clone"
	pass "as an ordinary user created for it # SKIP needs root for useradd"
	done_testing
	exit
fi

WHO=root
quick_start "$T_ROOT/clone-root"

# An ordinary user, made for this run and removed at its end.
if ! useradd --create-home --shell /bin/bash "$QUICK_USER" 2>"$WORK/err"; then
	fail "useradd $QUICK_USER" "$(cat "$WORK/err")"
	done_testing
	exit
fi
trap 'userdel -r "$QUICK_USER" 2>/dev/null; rm -rf "$T_ROOT"' EXIT
chmod 711 "$T_ROOT"
WHO="ordinary user"
quick_start "$T_ROOT/clone-user" runuser -u "$QUICK_USER" --
expect_text_eq "ordinary user: the reports belong to the user" \
    "$(stat -c %U "$T_ROOT/clone-user/demo-out/reports/findings.csv")" \
    "$QUICK_USER"

done_testing
