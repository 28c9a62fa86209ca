#!/usr/bin/env bash
# tests/t2003-findings.sh - every finding rule fires on a fixture built
# for it, with exactly the expected rows; a clean fixture gives none;
# --fail-on turns findings into exit status 4; timeline.csv has the
# columns Timesketch requires.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/analyze.sh"
GOLDEN=$TESTS_DIR/golden/t2003

SETUP=$T_ROOT/setup
mkdir -p "$SETUP"
if ! make_fixture_snapshot t2003 "$SETUP/snap.db"; then
	fail "set-up: snapshot"
	done_testing
	exit
fi
cd "$SETUP" || exit 1
RULES=$FIXTURES/findings/rules
CLEAN=$FIXTURES/findings/clean
BURSTS="--burst-count 5 --burst-window 10"

# expect_findings NAME OUTDIR GOLDEN: OUTDIR/findings.csv holds exactly
# the rows of GOLDEN; paths in golden files are relative to the fixtures
# directory.
expect_findings() {
	sed "s|$FIXTURES/||g" "$2/findings.csv" >"$WORK/findings.csv"
	expect_file_eq "$1" "$WORK/findings.csv" "$3"
}

new_work
run "$TT" analyze -q -s snap.db -o rules --log-tz Europe/Berlin $BURSTS \
    "$RULES"
expect_status "the rules fixture analyses" 0
expect_findings "findings.csv has exactly the expected rows" rules \
    "$GOLDEN/findings.csv"
for rule in unknown-token used-after-expiry used-before-creation \
    out-of-scope write-without-write-permission owner-deleted \
    new-source-ip failed-auth-burst log-gap; do
	expect_grep "rule $rule fires" "\"$rule\"" rules/findings.csv
done

# 2026-12-03, #4: addresses of the baseline were flagged as new.
expect_text_eq "a baseline address used again later is not new" \
    "$(grep '"new-source-ip"' rules/findings.csv | cut -d, -f7)" 1

# The other arm of the rules: a refused write, a burst by one token from
# several addresses, log gaps where the logs end early or miss a node, and
# an unknown token that no audit row names.
new_work
run "$TT" analyze -q -s snap.db -o variants --log-tz Europe/Berlin $BURSTS \
    "$FIXTURES/findings/variants"
expect_status "the variants fixture analyses" 0
expect_findings "findings.csv of the variants has exactly the expected rows" \
    variants "$GOLDEN/findings-variants.csv"

# A use days before creation points at clocks or a reused id, not the zone.
new_work
run "$TT" analyze -q -s snap.db -o clock --log-tz Europe/Berlin \
    --token 555555555556 "$FIXTURES/findings/clock"
expect_status "the clock fixture analyses" 0
expect_findings "a lead of days suspects clock trouble or a reused id" \
    clock "$GOLDEN/findings-clock.csv"

new_work
run "$TT" analyze -q -s snap.db -o clean --log-tz Europe/Berlin \
    --fail-on info "$CLEAN"
expect_status "the clean fixture has no finding, even with --fail-on info" 0
expect_text_eq "findings.csv of the clean fixture is its header only" \
    "$(tr -d '\r' <clean/findings.csv)" \
    '"rule","severity","token_id","token_name","first_time","last_time","count","summary","file","line","request_id"'

for level in critical warning info; do
	new_work
	run "$TT" analyze -q -s snap.db -o "fail-$level" \
	    --log-tz Europe/Berlin $BURSTS --fail-on "$level" "$RULES"
	expect_status "--fail-on $level exits 4 when such findings exist" 4
	expect_absent "--fail-on $level still writes the reports" \
	    "fail-$level/.tokentrail-work"
	expect_grep "--fail-on $level: findings.csv is written" \
	    '"owner-deleted","critical"' "fail-$level/findings.csv"
done

# Status 4 wins over 3, and the manifest still tells of the damage.
new_work
gzip -cn "$RULES/atlassian-bitbucket-access-2024-03-01.0.log" |
    head -c 40 >"$WORK/damaged.log.gz"
run "$TT" analyze -q -s snap.db -o damaged --log-tz Europe/Berlin $BURSTS \
    "$RULES" "$WORK/damaged.log.gz"
expect_status "without --fail-on, the damaged input exits 3" 3
run "$TT" analyze -q -s snap.db -o damaged-fail --log-tz Europe/Berlin \
    $BURSTS --fail-on warning "$RULES" "$WORK/damaged.log.gz"
expect_status "--fail-on with damaged input exits 4, not 3" 4
expect_text_eq "the manifest still marks the file damaged" \
    "$(python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["path"].endswith("damaged.log.gz"):
        print(r["damaged"])' damaged-fail/manifest.csv)" yes

new_work
run "$TT" analyze -q -s snap.db -o only-warn --log-tz Europe/Berlin \
    --token 444444444444 --fail-on critical "$RULES"
expect_status "--fail-on critical ignores warnings" 0

new_work
run "$TT" analyze -s snap.db -o bad --fail-on severe "$RULES"
expect_status "an unknown --fail-on level is a usage error" 2
expect_grep "the level is named" \
    'invalid value "severe" for option --fail-on: expected info, warning or critical' \
    "$WORK/stderr"

new_work
run "$TT" analyze -q -s snap.db -o base --log-tz Europe/Berlin \
    --baseline 200 "$RULES"
expect_no_grep "a longer --baseline keeps the address in the baseline" \
    '"new-source-ip"' base/findings.csv

new_work
run "$TT" analyze -q -s snap.db -o tl --log-tz Europe/Berlin "$RULES"
expect_text_eq "timeline.csv starts with Timesketch's required columns" \
    "$(head -n 1 tl/timeline.csv | cut -d, -f1-3)" \
    '"message","datetime","timestamp_desc"'
if python3 - tl/timeline.csv <<'PY'
import csv, re, sys
raw = open(sys.argv[1], 'rb').read()
assert not raw.startswith(b'\xef\xbb\xbf'), 'byte-order mark'
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
assert rows, 'no rows'
iso = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$')
for r in rows:
    assert r['message'], r
    assert iso.match(r['datetime']), r['datetime']
    assert r['timestamp_desc'] == 'Request completed', r
PY
then
	pass "every timeline row has a message, an ISO 8601 datetime and a description, no BOM"
else
	fail "every timeline row has a message, an ISO 8601 datetime and a description, no BOM"
fi

done_testing
