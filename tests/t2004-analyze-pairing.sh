#!/usr/bin/env bash
# tests/t2004-analyze-pairing.sh - i/o pairing by request id, end to end:
# completed, unfinished and unmatched requests are counted in the manifest
# alike for short ids (kept in the pairing table's slots) and ids longer
# than 31 bytes (kept in a hash map), and for many requests open at once.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/analyze.sh"

SETUP=$T_ROOT/setup
mkdir -p "$SETUP"
if ! make_fixture_snapshot t2004 "$SETUP/snap.db"; then
	fail "set-up: snapshot"
	done_testing
	exit
fi
cd "$SETUP" || exit 1

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

# line I_OR_O ID SECOND: one layout B line of request ID.
line() {
	if [ "$1" = i ]; then
		printf '%s | https | i%s | - | 2024-05-02 00:00:%02d,000 | "GET /rest/api/1.0/projects HTTP/1.1" | "" "curl/8.5.0" | - | - | - | - | - | - |\n' \
		    198.51.100.9 "$2" "$3"
	else
		printf '%s | https | o%s | bob | 2024-05-02 00:00:%02d,500 | "GET /rest/api/1.0/projects HTTP/1.1" | "" "curl/8.5.0" | 200 | 0 | 64 | access-token:id:777777777777 | 500 | - |\n' \
		    198.51.100.9 "$2" "$3"
	fi
}

# Node tokens long enough to make ids of 31, 32 and 60 bytes (without
# the i/o letter) next to ordinary ones.
short='*PZQFBCx1x1x1'
id31="*$(printf 'A%.0s' $(seq 24))x1x2x3"
id32="*$(printf 'A%.0s' $(seq 25))x1x2x3"
id60="*$(printf 'B%.0s' $(seq 53))x1x2x3"

new_work
mkdir -p logs
{
	# Completed: i then o, for each kind of id.
	for id in "$short" "$id31" "$id32" "$id60"; do
		line i "$id" 1
		line o "$id" 2
	done
	# Unfinished: i without o.
	line i '*PZQFBCx2x1x1' 3
	line i "*$(printf 'C%.0s' $(seq 40))x2x2x2" 3
	# Unmatched: o without i.
	line o '*PZQFBCx3x1x1' 4
	line o "*$(printf 'D%.0s' $(seq 40))x3x3x3" 4
	# 300 requests open at once (the table grows), then all completed.
	for n in $(seq 300); do line i "*PZQFBCx9x${n}x1" 5; done
	for n in $(seq 300); do line o "*PZQFBCx9x${n}x1" 6; done
} >logs/atlassian-bitbucket-access.log
expect_text_eq "set-up: id lengths" "${#id31} ${#id32} ${#id60}" "31 32 60"
run "$TT" analyze -q -s snap.db -o out -j 1 logs
expect_status "analyze of the pairing log succeeds" 0
M=out/manifest.csv
P=logs/atlassian-bitbucket-access.log
expect_text_eq "every line parsed" "$(manifest_field $M $P lines_parsed)" \
    "$(wc -l <$P)"
expect_text_eq "two requests unfinished, short and long id" \
    "$(manifest_field $M $P unfinished_requests)" 2
expect_text_eq "two completions unmatched, short and long id" \
    "$(manifest_field $M $P unmatched_completions)" 2
expect_text_eq "every o line with the token label is a token request" \
    "$(manifest_field $M $P token_requests)" 306

done_testing
