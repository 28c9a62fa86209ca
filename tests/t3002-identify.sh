#!/usr/bin/env bash
# tests/t3002-identify.sh - identify end to end: tokens in the real format
# (base64 of "<12 digits>:" and 20 random bytes, with and without BBDC-)
# built here, mixed with every kind of malformed line, against a snapshot
# of the fixture database.  The secret must appear in no output, no
# diagnostic and no file, and a token on the command line is refused.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/analyze.sh"
GOLDEN=$TESTS_DIR/golden/t3002

SETUP=$T_ROOT/setup
SECRETS=$T_ROOT/secrets
mkdir -p "$SETUP" "$SECRETS"
if ! make_fixture_snapshot t3002 "$SETUP/snap.db"; then
	fail "set-up: snapshot of the fixture database"
	done_testing
	exit
fi
cd "$SETUP" || exit 1
SNAP_SUM=$(sha256sum snap.db)

N_TOKENS=0

# new_token ID PREFIX: a token for ID with a fresh 20-byte random secret,
# in $TOKEN; its Base64 body and the secret's bytes (hex) are remembered
# in $SECRETS, outside every directory a run can write to.
new_token() {
	local secret=$SECRETS/$N_TOKENS
	head -c 20 /dev/urandom >"$secret.bin"
	BODY=$({ printf '%s:' "$1"; cat "$secret.bin"; } | base64 -w 0)
	TOKEN=$2$BODY
	printf '%s\n' "$TOKEN" >"$secret.token"
	printf '%s\n' "$BODY" >"$secret.body"
	od -An -tx1 -v "$secret.bin" | tr -d ' \n' >"$secret.hex"
	N_TOKENS=$((N_TOKENS + 1))
}

# base64 of the 13-byte head given and 20 random bytes: the right length
# and alphabet, the wrong shape.
shaped() {
	{ printf '%s' "$1"; head -c 20 /dev/urandom; } | base64 -w 0
}

# expect_no_secret NAME FILE...: no token, body, secret-only Base64 or
# secret bytes of any token built so far appears in the files.
expect_no_secret() {
	local name=$1 i token body hex found=
	shift
	for ((i = 0; i < N_TOKENS; i++)); do
		token=$(cat "$SECRETS/$i.token")
		body=$(cat "$SECRETS/$i.body")
		hex=$(cat "$SECRETS/$i.hex")
		if grep -rqaF -e "$token" -e "$body" -e "${body:20}" "$@"; then
			found="token $i in $(grep -rlaF -e "$token" -e "$body" \
			    -e "${body:20}" "$@")"
			break
		fi
		if find "$@" -type f -exec od -An -tx1 -v {} + |
		    tr -d ' \n' | grep -qF "$hex"; then
			found="secret bytes of token $i"
			break
		fi
	done
	if [ -n "$found" ]; then
		fail "$name" "$found"
	else
		pass "$name"
	fi
}

# The input: tokens of every kind, each sort of malformed line, a 10 MB
# line, NUL bytes and a terminal escape; the last line has no LF.
TOKENS=$T_ROOT/tokens.txt
{
	new_token 012345678901 BBDC-; printf '%s\n' "$TOKEN"
	new_token 444444444444 ''; printf '%s\n' "$TOKEN"
	printf '\n'
	new_token 555555555555 BBDC-; printf '  %s \t\r\n' "$TOKEN"
	printf 'hello, world\n'
	new_token 888888888888 BBDC-; printf '%s\n' "$TOKEN"
	printf '   \r\n'
	new_token 900000000001 BBDC-; printf '%s\n' "$TOKEN"
	new_token 666666666666 BBDC-; printf '%s\n' "${TOKEN:0:45}"
	printf 'BBDC-%s\n' "$(shaped 'abcdefghijkl:')"
	printf '%s\n' "$(shaped '123456789012;')"
	new_token 123456789012 BBDC-; printf '%s\n' "$TOKEN"
	head -c 10485760 /dev/zero | tr '\0' 'A'; printf '\n'
	new_token 222222222222 BBDC-; printf 'BBDC-\0%s\n' "${TOKEN:6}"
	new_token 333333333333 BBDC-; printf '\e[31m%s\n' "$TOKEN"
	new_token 012345678901 BBDC-; printf '%s' "$TOKEN"
} >"$TOKENS"

# identify_in DIR ARGS...: run identify with DIR as the working and
# temporary directory, so that any file it made would be found there.
identify_in() {
	local dir=$1
	shift
	mkdir -p "$dir/tmp"
	run env TMPDIR="$dir/tmp" bash -c 'cd "$0" && exec "$@"' "$dir" \
	    "$TT" identify "$@"
}

new_work
identify_in "$WORK/cwd" -s "$SETUP/snap.db" --log-tz Europe/Berlin "$TOKENS"
expect_status "identify with lines that are not tokens exits 3" 3
expect_file_eq "identify rows match the golden file" "$WORK/stdout" \
    "$GOLDEN/identify.csv"
sed "s|^tokentrail: $TOKENS:|tokentrail: tokens.txt:|" "$WORK/stderr" \
    >"$WORK/stderr-named"
expect_file_eq "one warning per line that is not a token" \
    "$WORK/stderr-named" "$GOLDEN/identify.err"
expect_no_grep "no terminal escape reaches stderr" $'\e' "$WORK/stderr"
expect_no_secret "no secret in stdout, stderr or any file made" "$WORK"
expect_text_eq "the run made no file" "$(find "$WORK/cwd" -type f)" ""
expect_text_eq "the snapshot is unchanged and nothing appeared beside it" \
    "$(sha256sum snap.db; ls)" "$SNAP_SUM
snap.db"

new_work
run bash -c '"$0" identify -s snap.db --log-tz Europe/Berlin <"$1"' "$TT" \
    "$TOKENS"
expect_status "identify from stdin exits 3" 3
expect_file_eq "stdin gives the same rows" "$WORK/stdout" \
    "$GOLDEN/identify.csv"
expect_text_eq "stdin is named in the warnings" \
    "$(sed -n 1p "$WORK/stderr")" \
    "tokentrail: (standard input):3: warning: blank line, no token"
expect_no_secret "no secret in the output from stdin" "$WORK"

new_work
run bash -c '"$0" identify -q -s snap.db --log-tz Europe/Berlin - <"$1"' \
    "$TT" "$TOKENS"
expect_status "\"-\" reads stdin; -q keeps the status" 3
expect_file_eq "\"-\" gives the same rows" "$WORK/stdout" \
    "$GOLDEN/identify.csv"
expect_text_eq "-q silences the warnings" "$(cat "$WORK/stderr")" ""

new_work
head -n 2 "$TOKENS" >"$WORK/good.txt"
run "$TT" identify -s snap.db --log-tz Europe/Berlin "$WORK/good.txt"
expect_status "identify with tokens only exits 0" 0
expect_text_eq "tokens only: the first two rows" "$(cat "$WORK/stdout")" \
    "$(head -n 3 "$GOLDEN/identify.csv")"
expect_text_eq "tokens only: nothing on stderr" "$(cat "$WORK/stderr")" ""

new_work
: >"$WORK/empty.txt"
run "$TT" identify -s snap.db --log-tz Europe/Berlin "$WORK/empty.txt"
expect_status "an empty input exits 0" 0
expect_text_eq "an empty input gives the header only" \
    "$(cat "$WORK/stdout")" "$(head -n 1 "$GOLDEN/identify.csv")"

# A token on the command line is refused without being echoed.
new_token 012345678901 BBDC-
new_work
identify_in "$WORK/cwd" -s "$SETUP/snap.db" --log-tz UTC "$TOKEN"
expect_status "a token given as an argument is a usage error" 2
expect_text_eq "the refusal names no token" "$(cat "$WORK/stderr")" \
'tokentrail: error: a token was given as an argument: give tokens in a file or on standard input
tokentrail: hint: See "tokentrail identify --help" for the options.'
expect_text_eq "a refused run prints no rows" "$(cat "$WORK/stdout")" ""
expect_no_secret "a refused token is in no output or file" "$WORK"

# 2026-12-04, #4: a token given as an option's value or as a mistyped
# option was repeated in full by the message about the option.
for args in "$TOKENS|$TOKEN" "--log-tz=$TOKEN" "--log-tz|$TOKEN" \
    "-s|$TOKEN" "-s$TOKEN" "--$TOKEN" "-s|snap.db|--|$TOKEN"; do
	new_work
	IFS='|' read -r -a argv <<<"$args"
	identify_in "$WORK/cwd" "${argv[@]}"
	expect_status "a token anywhere on the command line is a usage error" 2
	expect_text_eq "the refusal of a token in an option names no token" \
	    "$(cat "$WORK/stderr")" \
'tokentrail: error: a token was given as an argument: give tokens in a file or on standard input
tokentrail: hint: See "tokentrail identify --help" for the options.'
	expect_no_secret "a token in an option is in no output or file" "$WORK"
done

# A token typed as the command, as an option before it, or after "help"
# is not repeated by the message about it.
for args in "$TOKEN" "--$TOKEN" "help|$TOKEN"; do
	new_work
	IFS='|' read -r -a argv <<<"$args"
	run "$TT" "${argv[@]}"
	expect_status "a token as the command is a usage error" 2
	expect_grep "the message says a token was not shown" \
	    "(a token, not shown)" "$WORK/stderr"
	expect_no_secret "a token as the command is in no output" "$WORK"
done

new_work
identify_in "$WORK/cwd" -s "$SETUP/snap.db" --log-tz UTC "$TOKENS" "$TOKENS"
expect_status "two arguments are a usage error" 2
expect_grep "too many arguments message" \
    "tokentrail: error: too many arguments: give one file of tokens, or none for standard input" \
    "$WORK/stderr"

new_work
run "$TT" identify --log-tz UTC "$TOKENS"
expect_status "no snapshot is a usage error" 2
expect_grep "no snapshot message" \
    "tokentrail: error: no snapshot given: -s is required" "$WORK/stderr"

new_work
run "$TT" identify -s snap.db --log-tz UTC "$WORK/missing.txt"
expect_status "a missing input file fails the run" 1
expect_grep "the missing file is named" "could not open file" \
    "$WORK/stderr"

new_work
run "$TT" identify -s snap.db --log-tz UTC "$WORK"
expect_status "a directory as input fails the run" 1
expect_grep "the unreadable input is named" "could not read file" \
    "$WORK/stderr"

new_work
printf 'not a database\n' >"$WORK/fake.db"
run "$TT" identify -s "$WORK/fake.db" --log-tz UTC "$TOKENS"
expect_status "a file that is not a snapshot is refused" 1
expect_text_eq "nothing on stdout when the snapshot is refused" \
    "$(cat "$WORK/stdout")" ""

new_work
run "$TT" help identify
expect_status "help identify exits 0" 0
for opt in --snapshot --log-tz --quiet --help; do
	expect_grep "identify --help documents $opt" "$opt" "$WORK/stdout"
done

done_testing
