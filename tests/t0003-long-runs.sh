#!/usr/bin/env bash
# tests/t0003-long-runs.sh - what a long analyze run shows: the end-of-run
# summary, -q and -v, the progress line on a terminal (and never
# elsewhere), also for snapshot, and Ctrl-C: status 130, "interrupted",
# nothing left in the output directory but what was there before.  One
# large file moves the progress line while it is read, and Ctrl-C stops
# the run inside it.
. "$(dirname "$0")/lib/harness.sh"

ROOT=$(dirname "$TESTS_DIR")
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SETUP=$T_ROOT/setup
mkdir -p "$SETUP"
if ! "$TT" snapshot --from-csv "$FIXTURES/demo/csv" -o "$SETUP/snap.db" \
    2>"$SETUP/err"; then
	fail "set-up: snapshot of the demo CSV export" "$(cat "$SETUP/err")"
	done_testing
	exit
fi
cd "$SETUP" || exit 1
cp -r "$FIXTURES/demo/logs" logs
LOGS=logs

# The summary, exactly, on the demo logs.
new_work
run "$TT" analyze --log-tz UTC -s snap.db -o "$WORK/out" "$LOGS"
expect_status "the demo logs analyse" 0
expect_text_eq "the summary says what was read, found and written" \
    "$(cat "$WORK/stderr")" \
"tokentrail: 3 files read (0 damaged or unreadable), 90 lines, 0 set aside
tokentrail: 19 token requests reported, by 7 tokens
tokentrail: findings: 4 critical, 5 warning, 0 info
tokentrail: reports written to \"$WORK/out\": findings.csv, requests.csv, timeline.csv, tokens.csv, manifest.csv, SHA256SUMS"
expect_text_eq "the summary's findings match findings.csv" \
    "$(cut -d, -f2 "$WORK/out/findings.csv" | sort | uniq -c | tr -s ' ')" \
    "$(printf ' 4 "critical"\n 1 "severity"\n 5 "warning"')"
expect_no_grep "no progress line when stderr is not a terminal" \
    $'\r' "$WORK/stderr"

new_work
run "$TT" analyze -q --log-tz UTC -s snap.db -o "$WORK/out" "$LOGS"
expect_status "-q: the run succeeds" 0
expect_text_eq "-q: nothing on stderr" "$(cat "$WORK/stderr")" ""

new_work
run "$TT" analyze -v -j 1 --log-tz UTC -s snap.db -o "$WORK/out" "$LOGS"
expect_status "-v: the run succeeds" 0
expect_grep "-v: a line per file" \
    "tokentrail: $LOGS/node2/atlassian-bitbucket-access-2024-06-10.0.log.gz: gzip, 56 lines read, 0 set aside, 6 token requests" \
    "$WORK/stderr"
expect_text_eq "-v: three file lines" \
    "$(grep -c 'lines read' "$WORK/stderr")" 3

# Progress on a terminal: script(1) gives the run a pseudo-terminal.
new_work
script -qec "$TT analyze --log-tz UTC -s snap.db -o $WORK/out $LOGS" \
    "$WORK/tty" >/dev/null 2>&1
STATUS=$?
expect_status "on a terminal: the run succeeds" 0
expect_grep "on a terminal: a progress line with bytes, rate, time left" \
    "analyze: 2.0 kB of 2.0 kB (100%), " "$WORK/tty"
expect_grep "on a terminal: files done" "3 of 3 files" "$WORK/tty"
expect_grep "on a terminal: the line is redrawn in place" $'\r' "$WORK/tty"

new_work
script -qec "$TT analyze -q --log-tz UTC -s snap.db -o $WORK/out $LOGS" \
    "$WORK/tty" >/dev/null 2>&1
STATUS=$?
expect_status "on a terminal with -q: the run succeeds" 0
expect_no_grep "on a terminal with -q: no progress" "analyze:" "$WORK/tty"

# snapshot shows what it copied, how fast, and the tables done.
new_work
script -qec "$TT snapshot --from-csv $FIXTURES/demo/csv -o $WORK/s.db" \
    "$WORK/tty" >/dev/null 2>&1
STATUS=$?
expect_status "snapshot on a terminal: the run succeeds" 0
expect_grep "snapshot on a terminal: a progress line with the tables done" \
    "snapshot: " "$WORK/tty"
expect_grep "snapshot on a terminal: every table is counted" "14 tables" \
    "$WORK/tty"
new_work
script -qec "$TT snapshot -q --from-csv $FIXTURES/demo/csv -o $WORK/s.db" \
    "$WORK/tty" >/dev/null 2>&1
expect_no_grep "snapshot on a terminal with -q: no progress" "snapshot:" \
    "$WORK/tty"
new_work
run "$TT" snapshot --from-csv "$FIXTURES/demo/csv" -o "$WORK/s.db"
expect_text_eq "snapshot off a terminal: silent" "$(cat "$WORK/stderr")" ""

# Ctrl-C on a larger input: 100 files of generated logs, one at a time.
GENLOGS=$BUILD_DIR/bench/genlogs
[ -x "$GENLOGS" ] || make -s -C "$ROOT" "${GENLOGS#"$ROOT"/}" >/dev/null
new_work
run env -C "$WORK" "$GENLOGS" --help
expect_status "genlogs --help: refused with its usage" 1
expect_absent "genlogs --help: no directory named --help" "$WORK/--help"
BIG=$T_ROOT/big
if ! "$GENLOGS" --mb 50 "$BIG" >/dev/null 2>&1; then
	fail "set-up: genlogs --mb 50"
	done_testing
	exit
fi
# One large file, as a rotated log of several GB often is: five copies of
# the ten days joined into one gzip file of 50 members, about 35 MB.
SINGLE=$BIG/single/atlassian-bitbucket-access.log.gz
mkdir "$BIG/single"
for i in 1 2 3 4 5; do
	cat "$BIG"/logs/*.gz
done >"$SINGLE"
for i in 1 2 3 4 5 6 7 8 9; do
	mkdir "$BIG/logs/copy$i"
	ln "$BIG"/logs/*.gz "$BIG/logs/copy$i/"
done
"$TT" snapshot --from-csv "$BIG/csv" -o "$BIG/snap.db" 2>/dev/null

# Microseconds since the epoch, and a count of them as sleep(1) takes it.
now_us() {
	echo "${EPOCHREALTIME/./}"
}
seconds_of() {
	printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000))
}

# The progress line moves while the one file is read, and ends with all
# of its bytes done, as many as the total.
new_work
START=$(now_us)
script -qec "$TT analyze --log-tz UTC -s $BIG/snap.db -o $WORK/out $SINGLE" \
    "$WORK/tty" >/dev/null 2>&1
STATUS=$?
FULL_US=$(($(now_us) - START))
expect_status "one large file on a terminal: the run succeeds" 0
tr '\r' '\n' <"$WORK/tty" | grep -a '^analyze: ' >"$WORK/lines"
if grep -qE ' \(([1-9]|[1-9][0-9])%\), .*, 0 of 1 files' "$WORK/lines"; then
	pass "one large file: the progress line moves before the file is done"
else
	fail "one large file: the progress line moves before the file is done" \
	    "$(head -n 8 "$WORK/lines")"
fi
if tail -n 1 "$WORK/lines" |
    grep -qE '^analyze: ([0-9.]+ [kMG]?B) of \1 \(100%\), .*, 1 of 1 files'; then
	pass "one large file: the line ends with the whole file done"
else
	fail "one large file: the line ends with the whole file done" \
	    "$(tail -n 1 "$WORK/lines")"
fi

# Ctrl-C a fifth into the run stops it inside the file: within a quarter
# of the whole run's time, where finishing the file would take about half.
new_work
mkdir "$WORK/out"
echo "kept" >"$WORK/out/notes.txt"
"$TT" analyze -f --log-tz UTC -s "$BIG/snap.db" -o "$WORK/out" "$SINGLE" \
    >"$WORK/stdout" 2>"$WORK/stderr" &
pid=$!
sleep "$(seconds_of $((FULL_US / 5)))"
START=$(now_us)
kill -INT "$pid"
wait "$pid"
STATUS=$?
STOP_US=$(($(now_us) - START))
expect_status "SIGINT inside one large file: exit status 130" 130
expect_grep "SIGINT inside one large file: the run says it was interrupted" \
    "tokentrail: error: interrupted; no report was written" "$WORK/stderr"
expect_text_eq "SIGINT inside one large file: no report is left" \
    "$(ls -A "$WORK/out")" "notes.txt"
if [ "$STOP_US" -lt $((FULL_US / 4)) ]; then
	pass "SIGINT inside one large file: the run stops without finishing it"
else
	fail "SIGINT inside one large file: the run stops without finishing it" \
	    "it stopped $((STOP_US / 1000)) ms after SIGINT; the whole run took $((FULL_US / 1000)) ms"
fi

for sig in INT TERM; do
	new_work
	mkdir "$WORK/out"
	echo "kept" >"$WORK/out/notes.txt"
	"$TT" analyze -f -j 1 --log-tz UTC -s "$BIG/snap.db" -o "$WORK/out" \
	    "$BIG/logs" >"$WORK/stdout" 2>"$WORK/stderr" &
	pid=$!
	sleep 0.5
	kill -"$sig" "$pid"
	wait "$pid"
	STATUS=$?
	expect_status "SIG$sig: exit status 130" 130
	expect_grep "SIG$sig: the run says it was interrupted" \
	    "tokentrail: error: interrupted; no report was written" \
	    "$WORK/stderr"
	expect_text_eq "SIG$sig: the output directory holds what it held" \
	    "$(ls -A "$WORK/out")" "notes.txt"
done

done_testing
