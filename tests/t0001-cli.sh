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
run "$TT" $'\e[31mevil'
expect_no_grep "unknown command never echoes escapes raw" $'\e' "$WORK/stderr"

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
	expect_grep "$cmd wrong option hint" \
	    "tokentrail: hint: See \"tokentrail $cmd --help\" for the options." \
	    "$WORK/stderr"
done

done_testing
