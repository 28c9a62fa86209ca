#!/usr/bin/env bash
# tests/t0001-cli.sh - the command-line contract shared by every command:
# help, version, unknown commands and options, exit statuses.
. "$(dirname "$0")/lib/harness.sh"

new_work
run "$TT" --help
expect_status "--help exits 0" 0
expect_grep "--help lists analyze" "analyze" "$WORK/stdout"
expect_grep "--help lists snapshot" "snapshot" "$WORK/stdout"
expect_grep "--help lists identify" "identify" "$WORK/stdout"
expect_grep "--help lists lookup" "lookup" "$WORK/stdout"

new_work
run "$TT" --version
expect_status "--version exits 0" 0
expect_grep "--version prints the version" "tokentrail 0." "$WORK/stdout"

new_work
run "$TT"
expect_status "no command is a usage error" 2
expect_text_eq "no command message" "$(cat "$WORK/stderr")" \
"tokentrail: error: no command given
tokentrail: hint: See \"tokentrail --help\" for the commands."

new_work
run "$TT" frobnicate
expect_status "unknown command exits 2" 2
expect_grep "unknown command is named" \
    'tokentrail: error: unrecognized command "frobnicate"' "$WORK/stderr"

new_work
run "$TT" --frobnicate
expect_status "an unknown option before the command exits 2" 2
expect_text_eq "an unknown option before the command is called an option" \
    "$(cat "$WORK/stderr")" \
"tokentrail: error: unrecognized option \"--frobnicate\"
tokentrail: hint: See \"tokentrail --help\" for the commands."

new_work
run "$TT" $'\e[31mevil'
expect_no_grep "unknown command never echoes escapes raw" $'\e' "$WORK/stderr"

for arg in help --help -h; do
	new_work
	run "$TT" help "$arg"
	expect_status "help $arg exits 0" 0
	expect_grep "help $arg lists the commands" "tokentrail help command" \
	    "$WORK/stdout"
done

new_work
run "$TT" analyze --jobs=abc -s snap.db -o out logs
expect_status "a bad --jobs value exits 2" 2
expect_grep "a bad --jobs value names the option" \
    'invalid value "abc" for option -j/--jobs: expected a whole number from 1 to' \
    "$WORK/stderr"

for cmd in analyze identify lookup snapshot; do
	new_work
	run "$TT" "$cmd" --help
	expect_status "$cmd --help exits 0" 0
	expect_grep "$cmd --help prints usage" "usage: tokentrail $cmd" \
	    "$WORK/stdout"

	new_work
	run "$TT" help "$cmd"
	expect_status "help $cmd exits 0" 0
	expect_grep "help $cmd prints usage" "usage: tokentrail $cmd" \
	    "$WORK/stdout"

	new_work
	run "$TT" "$cmd" --no-such-option
	expect_status "$cmd with a wrong option exits 2" 2
	expect_text_eq "$cmd: a wrong option gets one line and the hint" \
	    "$(cat "$WORK/stderr")" \
"tokentrail: error: unrecognized option \"--no-such-option\"
tokentrail: hint: See \"tokentrail $cmd --help\" for the options."
	expect_text_eq "$cmd: nothing on stdout after a wrong option" \
	    "$(cat "$WORK/stdout")" ""

	new_work
	run "$TT" "$cmd" -Z
	expect_status "$cmd with a wrong short option exits 2" 2
	expect_grep "$cmd: the wrong short option is named" \
	    'tokentrail: error: unrecognized option "-Z"' "$WORK/stderr"

	new_work
	opt=-s
	[ "$cmd" = snapshot ] && opt=-o
	run "$TT" "$cmd" "$opt"
	expect_status "$cmd with a value missing exits 2" 2
	expect_grep "$cmd: the option lacking its value is named" \
	    "tokentrail: error: option \"$opt\" needs a value" "$WORK/stderr"

	# A wrong long option is named as typed, never by its short letter.
	new_work
	run "$TT" "$cmd" --quiet=yes
	expect_status "$cmd: a value for a long option that takes none exits 2" 2
	expect_grep "$cmd: the long option given a value is named" \
	    'tokentrail: error: option "--quiet" takes no value' "$WORK/stderr"

	new_work
	lopt=--snapshot
	[ "$cmd" = snapshot ] && lopt=--output
	run "$TT" "$cmd" "$lopt"
	expect_status "$cmd with a long option's value missing exits 2" 2
	expect_grep "$cmd: the long option lacking its value is named" \
	    "tokentrail: error: option \"$lopt\" needs a value" "$WORK/stderr"

	new_work
	run "$TT" "$cmd" --vers
	expect_status "$cmd: an unambiguous abbreviation works" 0
	expect_text_eq "$cmd --vers prints the version" \
	    "$(cat "$WORK/stdout")" "$("$TT" --version)"

	new_work
	run "$TT" "$cmd" --version
	expect_status "$cmd --version exits 0" 0
	expect_text_eq "$cmd --version prints the version" \
	    "$(cat "$WORK/stdout")" "$("$TT" --version)"

	new_work
	run "$TT" "$cmd" -h
	expect_status "$cmd -h exits 0" 0
	expect_text_eq "$cmd -h prints what --help prints" \
	    "$(cat "$WORK/stdout")" "$("$TT" "$cmd" --help)"
done

# analyze has --verbose and --version.
new_work
run "$TT" analyze --ver
expect_status "an ambiguous abbreviation exits 2" 2
expect_text_eq "an ambiguous abbreviation gets one line and the hint" \
    "$(cat "$WORK/stderr")" \
"tokentrail: error: ambiguous option \"--ver\"
tokentrail: hint: See \"tokentrail analyze --help\" for the options."

# "-" is standard input or output only where a stream makes sense
# (identify's input, tested in t3002); elsewhere it is refused, not taken
# as a file named "-".
new_work
cd "$WORK" || exit 1
run "$TT" analyze -s snap.db -o - logs
expect_status "analyze -o -: a usage error" 2
expect_grep "analyze -o -: says the reports cannot go to stdout" \
    'tokentrail: error: cannot write the reports to standard output' \
    "$WORK/stderr"
run "$TT" analyze -s snap.db -o out logs -
expect_status "analyze reading \"-\": a usage error" 2
expect_grep "analyze reading \"-\": says logs are not read from stdin" \
    'tokentrail: error: cannot read logs from standard input' "$WORK/stderr"
run "$TT" snapshot --from-csv "$FIXTURES/demo/csv" -o -
expect_status "snapshot -o -: a usage error" 2
expect_grep "snapshot -o -: says a snapshot cannot go to stdout" \
    'tokentrail: error: cannot write a snapshot to standard output' \
    "$WORK/stderr"
expect_absent "no file or directory named \"-\" is made" "$WORK/-"

done_testing
