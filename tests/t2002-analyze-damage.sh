#!/usr/bin/env bash
# tests/t2002-analyze-damage.sh - damaged and hostile input to analyze:
# broken gzip files, together and one by one, formats that are not logs,
# hostile lines, and snapshots that must be refused and stay unchanged.
# Every line must be accounted for.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/analyze.sh"

SETUP=$T_ROOT/setup
mkdir -p "$SETUP"
if ! make_fixture_snapshot t2002 "$SETUP/snap.db"; then
	fail "set-up: snapshot"
	done_testing
	exit
fi
cd "$SETUP" || exit 1
SRC=$FIXTURES/logs/node1/atlassian-bitbucket-access-2024-05-01.0.log

# manifest_field FILE PATH COLUMN: one cell of an input row.
manifest_field() {
	python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f:
    for row in csv.DictReader(f):
        if row['kind'] == 'input' and row['path'] == sys.argv[2]:
            print(row[sys.argv[3]])
PY
}

# Every input row: lines_read = lines_parsed + lines_set_aside.
lines_add_up() {
	python3 - "$1" <<'PY'
import csv, sys
ok = True
with open(sys.argv[1], newline='') as f:
    for row in csv.DictReader(f):
        if row['kind'] == 'input' and row['lines_read'] != '':
            ok &= int(row['lines_read']) == int(row['lines_parsed']) + int(row['lines_set_aside'])
sys.exit(0 if ok else 1)
PY
}

new_work
mkdir -p d
gzip -nc "$SRC" >d/full.gz
size=$(stat -c %s d/full.gz)
head -c $((size - 20)) d/full.gz >d/truncated.log.gz
cp d/full.gz d/badcrc.gz
printf '\x00' | dd of=d/badcrc.gz bs=1 seek=$((size - 8)) conv=notrunc \
    status=none
{ cat d/full.gz; printf 'this is not gzip'; } >d/garbage.gz
{ gzip -nc "$SRC"; gzip -nc "$FIXTURES/logs/node1/atlassian-bitbucket-access.log"; } \
    >d/two-members.gz
: >d/empty.log
: >d/zero.log.gz
cp "$SRC" d/plain-named.gz
gzip -nc "$SRC" >d/gzip-named.log
printf 'BZh91AY&SY\x00\x00\x00\x00' >d/bzip2.log
# Fixed bytes: random ones could happen to begin with a format's magic.
printf 'ELF\x7f\x02\x01\x00\x00\x00\x01\x02\x03' >d/binary.log
head -c 4096 /dev/zero >>d/binary.log
run "$TT" analyze -s snap.db -o out d/*
expect_status "damaged inputs make a partial run" 3
expect_text_eq "truncated gzip is damaged" \
    "$(manifest_field out/manifest.csv d/truncated.log.gz damaged)" yes
expect_text_eq "truncated gzip: lines before the damage were analysed" \
    "$(manifest_field out/manifest.csv d/truncated.log.gz lines_parsed)" 22
expect_text_eq "bad CRC is damaged" \
    "$(manifest_field out/manifest.csv d/badcrc.gz damaged)" yes
expect_text_eq "bad CRC: every line was still read" \
    "$(manifest_field out/manifest.csv d/badcrc.gz lines_read)" 23
expect_text_eq "garbage after a member: damage offset is the member's end" \
    "$(manifest_field out/manifest.csv d/garbage.gz damage_offset)" "$size"
expect_text_eq "two members are read to the end" \
    "$(manifest_field out/manifest.csv d/two-members.gz lines_read)" 28
expect_text_eq "an empty file has no lines" \
    "$(manifest_field out/manifest.csv d/empty.log lines_read)" 0
expect_text_eq "a zero-length .gz is empty, not damaged" \
    "$(manifest_field out/manifest.csv d/zero.log.gz damaged)" no
expect_text_eq "a .gz that is plain text is read as text" \
    "$(manifest_field out/manifest.csv d/plain-named.gz format)" plain
expect_text_eq "a .log that is gzip is inflated" \
    "$(manifest_field out/manifest.csv d/gzip-named.log format)" gzip
expect_text_eq "bzip2 is recognised and not read" \
    "$(manifest_field out/manifest.csv d/bzip2.log note)" \
    "not read: unsupported format"
expect_text_eq "binary garbage is recognised and not read" \
    "$(manifest_field out/manifest.csv d/binary.log format)" binary
expect_grep "bzip2 is named in a warning" \
    'tokentrail: warning: "d/bzip2.log" holds bzip2 data, which is not read; skipped' \
    "$WORK/stderr"
expect_grep "damage is named with its offset" \
    "tokentrail: warning: \"d/garbage.gz\" is damaged at byte $size" \
    "$WORK/stderr"
if lines_add_up out/manifest.csv; then
	pass "every line read is parsed or set aside"
else
	fail "every line read is parsed or set aside"
fi
run bash -c 'cd out && sha256sum -c --quiet SHA256SUMS'
expect_status "SHA256SUMS holds for damaged inputs too" 0

# Each file alone: a damaged or unread one makes a partial run with one
# warning that names it; the others are clean and draw no warning.
for f in truncated.log.gz badcrc.gz garbage.gz bzip2.log binary.log; do
	case $f in
	truncated.log.gz) want="is damaged at byte $((size - 20)) (unexpected end of file); the lines before it were analysed" ;;
	badcrc.gz) want="is damaged at byte $((size - 4)) (bad CRC); the lines before it were analysed" ;;
	garbage.gz) want="is damaged at byte $size (garbage after gzip member); the lines before it were analysed" ;;
	bzip2.log) want="holds bzip2 data, which is not read; skipped" ;;
	binary.log) want="holds binary data, which is not read; skipped" ;;
	esac
	rm -rf one
	run "$TT" analyze -s snap.db --log-tz UTC -o one "d/$f"
	expect_status "$f alone makes a partial run" 3
	expect_text_eq "$f alone: one warning names it" \
	    "$(grep -v ': warning: [0-9]* of [0-9]* lines set aside' \
		"$WORK/stderr" | grep 'warning:')" \
	    "tokentrail: warning: \"d/$f\" $want"
	if lines_add_up one/manifest.csv; then
		pass "$f alone: every line is accounted for"
	else
		fail "$f alone: every line is accounted for"
	fi
done
for f in two-members.gz empty.log zero.log.gz plain-named.gz gzip-named.log; do
	rm -rf one
	run "$TT" analyze -s snap.db --log-tz UTC -o one "d/$f"
	expect_status "$f alone is a clean run" 0
	expect_no_grep "$f alone draws no warning" warning: "$WORK/stderr"
	expect_text_eq "$f alone is not damaged" \
	    "$(manifest_field one/manifest.csv "d/$f" damaged)" no
	if lines_add_up one/manifest.csv; then
		pass "$f alone: every line is accounted for"
	else
		fail "$f alone: every line is accounted for"
	fi
done

new_work
{
	cat "$SRC"
	printf '1.2.3.4 | https | o*PZQFBCx600x2000x1 | - | 2024-05-01 10:00:00,000 | "GET /x\x1b[31mred HTTP/1.1" | "" "ua\x00nul\xff\xfe" | 200 | 0 | 1 | access-token:id:012345678901 | 1 | - |\n'
	printf '1.2.3.4 | https | o*PZQFBCx600x2001x1 | - | 2024-05-01 10:00:01,000 | "GET /y HTTP/1.1" | "" "=HYPERLINK(1)" | 200 | 0 | 1 | access-token:id:012345678901 | 1 | - |\n'
	printf '1.2.3.4 | https | o*PZQFBCx600x2002x1 | - | 2024-05-01 10:00:02,000 | "GET /z HTTP/1.1" | "" "@SUM(1)\rnext" | 200 | 0 | 1 | access-token:id:012345678901 | 1 | - |\n'
	python3 -c 'print("x" * (1024 * 1024))'
	printf 'too | few | fields |\n'
	printf '\n'
	printf '1.2.3.4 | https | o*PZQFBCx600x2003x1 | - | 2024-05-01 10:00:03,000 | "GET /cut'
} >hostile.log
run "$TT" analyze -s snap.db -o outh hostile.log
expect_status "hostile lines do not stop the run" 0
expect_grep "the lines set aside are reported" \
    'tokentrail: hostile.log: warning: 4 of 30 lines set aside; see manifest.csv' \
    "$WORK/stderr"
expect_no_grep "no terminal escape reaches a report" $'\e' outh
expect_no_grep "no terminal escape reaches stderr" $'\e' "$WORK/stderr"
expect_grep "escape bytes are shown visibly" '/x\x1b[31mred' outh/requests.csv
expect_grep "NUL and invalid UTF-8 are shown visibly" 'ua\x00nul\xff\xfe' \
    outh/requests.csv
expect_grep "a formula in a user agent is neutralised" "\"'=HYPERLINK(1)\"" \
    outh/requests.csv
expect_text_eq "the hostile requests are all attributed" \
    "$(manifest_field outh/manifest.csv hostile.log token_requests)" 10
expect_text_eq "the set-aside lines are accounted for by reason" \
    "$(manifest_field outh/manifest.csv hostile.log set_aside_reasons)" \
    "blank=1; too-long=1; unrecognized-layout=1; truncated-end=1"
if lines_add_up outh/manifest.csv; then
	pass "hostile file: every line is accounted for"
else
	fail "hostile file: every line is accounted for"
fi
expect_text_eq "a cell with a newline stays one cell" "$(python3 -c '
import csv
rows = list(csv.reader(open("outh/requests.csv", newline="")))
print(len(rows), sum(1 for r in rows if len(r) != len(rows[0])))')" "11 0"

new_work
printf 'not a database at all, just text\n' >notdb.db
sum=$(sha256sum notdb.db)
run "$TT" analyze -s notdb.db -o o1 "$SRC"
expect_status "a file that is not SQLite is refused" 1
expect_grep "message for a non-SQLite snapshot" \
    'tokentrail: error: cannot read snapshot "notdb.db": file is not a database' \
    "$WORK/stderr"
expect_absent "no output directory for a refused snapshot" o1
expect_text_eq "the non-SQLite file is unchanged" "$(sha256sum notdb.db)" \
    "$sum"

new_work
sqlite3 other.db 'CREATE TABLE t(x);'
sum=$(sha256sum other.db)
run "$TT" analyze -s other.db -o o2 "$SRC"
expect_status "a SQLite file that is not a snapshot is refused" 1
expect_text_eq "message for a foreign SQLite file" "$(cat "$WORK/stderr")" \
    'tokentrail: warning: no --log-tz given: log times are taken as UTC
tokentrail: error: "other.db" is not a tokentrail snapshot'
expect_absent "no output directory for a foreign SQLite file" o2
expect_text_eq "the foreign SQLite file is unchanged" "$(sha256sum other.db)" \
    "$sum"

new_work
cp snap.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99;'
sum=$(sha256sum newer.db)
run "$TT" analyze -q -s newer.db -o o3 "$SRC"
expect_status "a newer snapshot format is refused" 1
expect_text_eq "message for a newer format" "$(cat "$WORK/stderr")" \
    'tokentrail: error: snapshot "newer.db" has format version 99, but this tokentrail reads version 1'
expect_absent "no output directory for a newer format" o3
expect_text_eq "the newer snapshot is unchanged" "$(sha256sum newer.db)" \
    "$sum"

new_work
cp snap.db flipped.db
offset=$(python3 -c '
import sqlite3
c = sqlite3.connect("flipped.db")
page = c.execute("PRAGMA page_size").fetchone()[0]
root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                 ("AO_E5A814_ACCESS_TOKEN",)).fetchone()[0]
print((root - 1) * page)')
printf '\x0d\xff\xff' | dd of=flipped.db bs=1 seek="$offset" conv=notrunc \
    status=none
sum=$(sha256sum flipped.db)
run "$TT" analyze -q -s flipped.db -o o4 "$SRC"
expect_status "a snapshot with a modified byte is refused" 1
expect_grep "message for a damaged snapshot" \
    "tokentrail: error: snapshot \"flipped.db\" is damaged: it fails SQLite's quick_check" \
    "$WORK/stderr"
expect_absent "no output directory for a damaged snapshot" o4
expect_text_eq "the damaged snapshot is unchanged" "$(sha256sum flipped.db)" \
    "$sum"

new_work
run "$TT" analyze -s snap.db -o o5 --log-tz Mars/Olympus_Mons "$SRC"
expect_status "an unknown zone is a usage error" 2

new_work
run "$TT" analyze -s snap.db -o o6 no-such-file.log
expect_status "a missing input path fails the run" 1
expect_grep "the missing path is named" '"no-such-file.log"' "$WORK/stderr"
expect_absent "no reports for a missing input" o6/requests.csv o6/SHA256SUMS

done_testing
