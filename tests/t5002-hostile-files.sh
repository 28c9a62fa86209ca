#!/usr/bin/env bash
# tests/t5002-hostile-files.sh - inputs and outputs the file system makes
# hostile: an unreadable file, symlink loops, a FIFO, a directory of
# 10,000 logs (under a small descriptor limit) and an output directory on
# a full file system.  A bad input is named, counted and the run goes on
# with status 3; a full output device fails the run and leaves no report.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/hostile.sh"

make_csv_snapshot "$T_ROOT/snap.db" || exit 1
cd "$T_ROOT" || exit 1
GOOD=$FIXTURES/logs/node1/atlassian-bitbucket-access.log
cp "$GOOD" good.log

# An unreadable file: root reads everything, so run as nobody then.
new_work
cp good.log secret.log
chmod 000 secret.log
mkdir -p ro
as_user=()
if [ "$(id -u)" = 0 ]; then
	as_user=(runuser -u nobody --)
	chmod 755 "$T_ROOT"
	chmod 644 snap.db good.log
	chown nobody ro
fi
run "${as_user[@]}" "$TT" analyze -s snap.db --log-tz UTC -o ro/out \
    good.log secret.log
expect_status "an unreadable file makes a partial run" 3
expect_grep "the unreadable file is named with the reason" \
    'tokentrail: error: could not open file "secret.log": Permission denied' \
    "$WORK/stderr"
expect_text_eq "the manifest says it could not be opened" \
    "$(manifest_field ro/out/manifest.csv secret.log note)" \
    "could not be opened"
expect_text_eq "the readable file is still analysed" \
    "$(manifest_field ro/out/manifest.csv good.log lines_parsed)" 5
expect_lines_add_up "unreadable file: every line is accounted for" \
    ro/out/manifest.csv

# A symlink to itself, and two logs in a directory pointing at each other.
new_work
ln -s loop.log loop.log
mkdir -p loops
ln -s atlassian-bitbucket-access-b.log loops/atlassian-bitbucket-access-a.log
ln -s atlassian-bitbucket-access-a.log loops/atlassian-bitbucket-access-b.log
cp good.log loops/atlassian-bitbucket-access.log
run timeout 60 "$TT" analyze -s snap.db --log-tz UTC -o out-loop loop.log \
    loops
expect_status "symlink loops make a partial run" 3
expect_grep "a symlink loop is named" \
    'tokentrail: error: could not open file "loop.log": Too many levels of symbolic links' \
    "$WORK/stderr"
expect_grep "a loop found in a directory is named" \
    'could not open file "loops/atlassian-bitbucket-access-a.log"' \
    "$WORK/stderr"
expect_text_eq "the log beside the loop is analysed" \
    "$(manifest_field out-loop/manifest.csv \
        loops/atlassian-bitbucket-access.log lines_parsed)" 5
expect_text_eq "the manifest has a row for each loop and the log" \
    "$(grep -c '^"input"' out-loop/manifest.csv)" 4
expect_text_eq "the manifest says the loop could not be opened" \
    "$(manifest_field out-loop/manifest.csv loop.log note)" \
    "could not be opened"
expect_lines_add_up "symlink loops: every line is accounted for" \
    out-loop/manifest.csv

# A FIFO given by name and found in a directory: refused, never read (a
# read would block for ever).
new_work
mkfifo pipe.log
mkdir -p pipes
mkfifo pipes/atlassian-bitbucket-access.log
run timeout 60 "$TT" analyze -s snap.db --log-tz UTC -o out-fifo \
    pipe.log pipes good.log
expect_status "FIFOs make a partial run, without blocking" 3
expect_grep "a FIFO is refused by name" \
    'tokentrail: error: cannot read file "pipe.log": it is a FIFO' \
    "$WORK/stderr"
expect_grep "a FIFO in a directory is refused" \
    'tokentrail: error: cannot read file "pipes/atlassian-bitbucket-access.log": it is a FIFO' \
    "$WORK/stderr"
expect_text_eq "the FIFO is in the manifest as not read" \
    "$(manifest_field out-fifo/manifest.csv pipe.log damaged)" yes
expect_lines_add_up "FIFOs: every line is accounted for" \
    out-fifo/manifest.csv

# 10,000 logs in one directory, with 32 file descriptors.
new_work
mkdir -p many
line=$(sed -n 2p good.log)
for ((i = 0; i < 10000; i++)); do
	printf '%s\n' "$line" >"many/atlassian-bitbucket-access-$i.log"
done
run bash -c 'ulimit -n 32 && "$0" analyze -s snap.db --log-tz UTC \
    -o out-many many' "$TT"
expect_status "10,000 files are analysed with 32 descriptors" 0
expect_text_eq "each of the 10,000 files has a manifest row" \
    "$(grep -c '^"input"' out-many/manifest.csv)" 10000
expect_grep "the summary counts them all" \
    'tokentrail: 10000 files read (0 damaged or unreadable), 10000 lines, 0 set aside' \
    "$WORK/stderr"
expect_lines_add_up "10,000 files: every line is accounted for" \
    out-many/manifest.csv

# An output directory on a full file system: a 64 KiB tmpfs when we may
# mount one, else the file size limit, which fails writes with EFBIG.
new_work
for ((i = 0; i < 200; i++)); do cat good.log; done >big.log
mkdir -p small
if mount -t tmpfs -o size=64k tokentrail-t5002 small 2>/dev/null; then
	limit=unlimited
	nospace='No space left on device'
else
	limit=64
	nospace='File too large'
fi
run bash -c 'trap "" XFSZ && ulimit -f "$1" && "$0" analyze -s snap.db --log-tz UTC \
    -o small/out big.log' "$TT" "$limit"
expect_status "a full output device fails the run" 1
expect_grep "the full device is reported" "$nospace" "$WORK/stderr"
if [ -z "$(find small/out -mindepth 1 2>/dev/null)" ]; then
	pass "a full device leaves no report and no temporary file"
else
	fail "a full device leaves no report and no temporary file" \
	    "$(find small/out -mindepth 1)"
fi
mountpoint -q small && umount small

done_testing
