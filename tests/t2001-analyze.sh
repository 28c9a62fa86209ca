#!/usr/bin/env bash
# tests/t2001-analyze.sh - analyze end to end on the fixture logs of two
# nodes against a snapshot of the fixture database: golden reports,
# determinism across -j and argument order, SHA256SUMS, filters.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/analyze.sh"
GOLDEN=$TESTS_DIR/golden/t2001

SETUP=$T_ROOT/setup
mkdir -p "$SETUP"
if ! make_fixture_snapshot t2001 "$SETUP/snap.db" ||
    ! make_fixture_logs "$SETUP"; then
	fail "set-up: snapshot and logs"
	done_testing
	exit
fi
cd "$SETUP" || exit 1
SNAP_SUM=$(sha256sum snap.db)

new_work

run "$TT" analyze -s snap.db -o out1 --log-tz Europe/Berlin -j 1 logs
expect_status "analyze of the fixture logs succeeds" 0
expect_file_eq "requests.csv matches the golden file" out1/requests.csv \
    "$GOLDEN/requests.csv"
expect_file_eq "tokens.csv matches the golden file" out1/tokens.csv \
    "$GOLDEN/tokens.csv"
expect_file_eq "timeline.csv matches the golden file" out1/timeline.csv \
    "$GOLDEN/timeline.csv"
expect_file_eq "findings.csv matches the golden file" out1/findings.csv \
    "$GOLDEN/findings.csv"
manifest_inputs out1/manifest.csv >"$WORK/inputs.csv"
expect_file_eq "manifest input rows match the golden file" \
    "$WORK/inputs.csv" "$GOLDEN/manifest-inputs.csv"
expect_text_eq "warnings on stderr" "$(cat "$WORK/stderr")" \
"tokentrail: logs/node2/atlassian-bitbucket-access-2024-05-01.0.log: warning: 1 of 8 lines set aside; see manifest.csv
tokentrail: 3 files read (0 damaged or unreadable), 36 lines, 1 set aside
tokentrail: 13 token requests reported, by 10 tokens
tokentrail: findings: 1 critical, 5 warning, 0 info
tokentrail: reports written to \"out1\": findings.csv, requests.csv, timeline.csv, tokens.csv, manifest.csv, SHA256SUMS"
expect_text_eq "the snapshot is unchanged by the run" \
    "$(sha256sum snap.db)" "$SNAP_SUM"

new_work
run bash -c 'cd out1 && sha256sum -c SHA256SUMS'
expect_status "sha256sum -c SHA256SUMS passes" 0
expect_text_eq "SHA256SUMS covers inputs, snapshot and reports" \
    "$(wc -l <out1/SHA256SUMS)" 9

new_work
run "$TT" analyze -s snap.db -o out4 --log-tz Europe/Berlin -j 4 \
    logs/node2 logs/node1/atlassian-bitbucket-access.log \
    logs/node1/atlassian-bitbucket-access-2024-05-01.0.log.gz
expect_status "analyze with -j 4 and files in another order" 0
expect_file_eq "-j 4 gives the same requests.csv" out4/requests.csv \
    out1/requests.csv
for report in tokens.csv timeline.csv findings.csv; do
	expect_file_eq "-j 4 gives the same $report" "out4/$report" \
	    "out1/$report"
done

new_work
run "$TT" analyze -s snap.db -o out1 --log-tz Europe/Berlin logs
expect_status "a non-empty output directory is refused" 1
expect_text_eq "refusal message" "$(cat "$WORK/stderr")" \
'tokentrail: error: output directory "out1" is not empty
tokentrail: hint: Use -f to replace the reports in it.'

new_work
run "$TT" analyze -f -s snap.db -o out1 --log-tz Europe/Berlin logs
expect_status "-f replaces the reports" 0
expect_file_eq "-f gives the same requests.csv" out1/requests.csv \
    "$GOLDEN/requests.csv"

new_work
run "$TT" analyze -q -s snap.db -o outt --log-tz Europe/Berlin \
    --token 012345678901 --since 2024-05-01T12:00 --until 2024-05-03 logs
expect_status "filters by token and time" 0
expect_text_eq "only that token's requests inside the window" \
    "$(cut -d, -f1,2 outt/requests.csv | tail -n +2)" \
'"2024-05-02T00:30:00.250+02:00","012345678901"
"2024-05-02T00:31:02.000+02:00","012345678901"'
expect_text_eq "tokens.csv lists only that token" \
    "$(cut -d, -f1,13 outt/tokens.csv | tail -n +2)" '"012345678901",2'
expect_file_eq "filters leave the manifest's accounting unchanged" \
    <(manifest_inputs outt/manifest.csv | cut -d, -f1-11,13-) \
    <(cut -d, -f1-11,13- "$GOLDEN/manifest-inputs.csv")

new_work
run "$TT" analyze -s snap.db -o outz --log-tz UTC logs
expect_status "--log-tz UTC" 0
expect_grep "times carry the zone's offset" \
    '"2024-05-01T08:30:01.950+00:00","012345678901"' outz/requests.csv

new_work
run "$TT" analyze -s snap.db -o outn logs
expect_grep "no --log-tz warns that UTC is assumed" \
    "tokentrail: warning: no --log-tz given: log times are taken as UTC" \
    "$WORK/stderr"
expect_grep "the manifest records the assumption" "log_tz=UTC (assumed)" \
    outn/manifest.csv

new_work
run "$TT" analyze -s snap.db -o outs "$FIXTURES"/samples/*.log
expect_grep "the KB sample's project token is attributed" \
    '"238745678966"' outs/requests.csv
expect_grep "the plaso sample's personal token is attributed" \
    '"263466287238"' outs/requests.csv

done_testing
