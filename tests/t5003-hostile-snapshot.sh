#!/usr/bin/env bash
# tests/t5003-hostile-snapshot.sh - a snapshot edited with sqlite3 to hold
# hostile values (formula starts, terminal escapes, a 2 MB name) and log
# lines whose user agents and URLs start formulas: every cell of every
# report of analyze, lookup and identify comes out neutralised, no escape
# reaches the terminal, and the snapshot's SHA-256 never changes.  Then a
# connection string with a password: it appears in no output, message or
# snapshot, whether the run succeeds or fails.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/hostile.sh"
. "$TESTS_DIR/lib/pg.sh"

make_csv_snapshot "$T_ROOT/hostile.db" || exit 1
cd "$T_ROOT" || exit 1

# One token, user, project and repository value per hostile start.
sqlite3 hostile.db <<'SQL' || fail "set-up: edit the snapshot"
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = '=HYPERLINK("http://evil")'
    WHERE TOKEN_ID = '012345678901';
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = '+1+cmd|'' /C calc''!A0'
    WHERE TOKEN_ID = '111111111111';
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = '-2+3' WHERE TOKEN_ID = '222222222222';
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = '@SUM(1)' WHERE TOKEN_ID = '333333333333';
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = char(27) || ']0;pwned' || char(7)
    || char(27) || '[2J' WHERE TOKEN_ID = '444444444444';
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = char(9) || 'tab' WHERE TOKEN_ID = '555555555555';
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = char(13) || 'cr' || char(10) || '=x'
    WHERE TOKEN_ID = '666666666666';
UPDATE AO_E5A814_ACCESS_TOKEN SET NAME = printf('%.*c', 2000000, 'h')
    WHERE TOKEN_ID = '777777777777';
UPDATE sta_normal_user SET name = '@alice', slug = '-alice' WHERE user_id = 2;
UPDATE project SET name = '+proj', description = char(9) || 'x' WHERE id = 10;
UPDATE repository SET name = '=repo' || char(27) || '[31m' WHERE id = 23;
SQL
SUM=$(sha256sum hostile.db)

# expect_snapshot_unchanged NAME: hostile.db has its first SHA-256.
expect_snapshot_unchanged() {
	expect_text_eq "$1" "$(sha256sum hostile.db)" "$SUM"
}

# The fixture logs, and requests whose user agent and URL start with each
# character a spreadsheet runs.
mkdir -p logs
cp "$FIXTURES"/logs/node1/*.log logs/
i=0
for start in '=' '+' '-' '@' $'\t' $'\r'; do
	printf '10.0.0.9 | https | o*PZQFBCx70x%dx1 | alice | 2024-05-01 10:00:%02d,000 | "GET %scmd|x HTTP/1.1" | "" "%sagent(1)" | 200 | 0 | 1 | access-token:id:012345678901 | 1 | - |\n' \
	    "$i" "$i" "$start" "$start"
	i=$((i + 1))
done >logs/atlassian-bitbucket-access-2024-05-01.1.log

new_work
run "$TT" analyze -s hostile.db --log-tz UTC -o out logs
expect_status "analyze with a hostile snapshot exits 0" 0
expect_no_grep "hostile values draw no warning from analyze" warning: \
    "$WORK/stderr"
expect_cells_safe "every cell of every analyze report is neutralised" out
expect_no_grep "no terminal escape reaches stderr" $'\e' "$WORK/stderr" \
    "$WORK/stdout"
expect_grep "a formula token name is kept, neutralised" \
    "\"'=HYPERLINK(\"\"http://evil\"\")\"" out/tokens.csv
expect_grep "an escape in a name is shown visibly" '\x1b]0;pwned\x07' \
    out/tokens.csv
expect_grep "a formula user agent is neutralised" "\"'@agent(1)\"" \
    out/requests.csv
expect_grep "a formula URL is neutralised" "\"'=cmd|x\"" out/requests.csv
expect_text_eq "the 2 MB name comes out whole in one cell" "$(python3 -c '
import csv, sys
csv.field_size_limit(1 << 30)
rows = list(csv.reader(open("out/tokens.csv", newline="")))
print(sum(1 for r in rows if r[1] == "h" * 2000000),
      sum(1 for r in rows if len(r) != len(rows[0])))')" "1 0"
expect_text_eq "the six hostile requests are attributed" \
    "$(manifest_field out/manifest.csv \
        logs/atlassian-bitbucket-access-2024-05-01.1.log token_requests)" 6
expect_lines_add_up "hostile snapshot: every line is accounted for" \
    out/manifest.csv
expect_snapshot_unchanged "analyze leaves the snapshot unchanged"

new_work
run "$TT" lookup -s hostile.db --log-tz UTC 012345678901 111111111111 \
    222222222222 333333333333 444444444444 555555555555 666666666666 \
    777777777777
expect_status "lookup with a hostile snapshot exits 0" 0
expect_text_eq "lookup prints a row for each of the eight tokens" \
    "$(python3 -c '
import csv, sys
csv.field_size_limit(1 << 30)
print(len(list(csv.reader(open(sys.argv[1], newline="")))) - 1)' \
        "$WORK/stdout")" 8
mkdir -p "$WORK/csv" && cp "$WORK/stdout" "$WORK/csv/lookup.csv"
expect_cells_safe "every cell lookup prints is neutralised" "$WORK/csv"
expect_no_grep "no terminal escape from lookup" $'\e' "$WORK/stdout" \
    "$WORK/stderr"
expect_snapshot_unchanged "lookup leaves the snapshot unchanged"

new_work
for id in 012345678901 444444444444 666666666666; do
	{ printf '%s:' "$id"; head -c 20 /dev/urandom; } | base64 -w 0
	printf '\n'
done >"$WORK/tokens.txt"
run "$TT" identify -s hostile.db --log-tz UTC "$WORK/tokens.txt"
expect_status "identify with a hostile snapshot exits 0" 0
mkdir -p "$WORK/csv" && cp "$WORK/stdout" "$WORK/csv/identify.csv"
expect_cells_safe "every cell identify prints is neutralised" "$WORK/csv"
expect_no_grep "no terminal escape from identify" $'\e' "$WORK/stdout" \
    "$WORK/stderr"
expect_snapshot_unchanged "identify leaves the snapshot unchanged"

# A password inside the connection string, to a role that needs one.
pg_load t5003 "$FIXTURES/pg/schema-8x.sql" "$FIXTURES/pg/data.sql" &&
	psql -qX -d t5003 -v role=tt_password -v schema=public \
	    -f "$FIXTURES/pg/grant-readonly.sql" >/dev/null ||
	fail "set-up: database for the password role"
new_work
run "$TT" snapshot -d "user=tt_password password=$PG_TEST_PASSWORD dbname=t5003" \
    -o "$WORK/s.db"
expect_status "a connection string with a password works" 0
expect_no_grep "the password is in no output and not in the snapshot" \
    "$PG_TEST_PASSWORD" "$WORK/stdout" "$WORK/stderr" "$WORK/s.db"
run "$TT" analyze -s "$WORK/s.db" --log-tz UTC -o "$WORK/out" logs
expect_no_grep "the password is in no report" "$PG_TEST_PASSWORD" \
    "$WORK/out" "$WORK/stdout" "$WORK/stderr"

new_work
run "$TT" snapshot \
    -d "postgresql://tt_password:$PG_TEST_PASSWORD@/nosuchdb?host=$PGHOST&port=$PGPORT" \
    -o "$WORK/s.db"
expect_status "a failed connection with a password in a URI exits 1" 1
expect_grep "the failure is reported" 'tokentrail: error: could not connect' \
    "$WORK/stderr"
expect_no_grep "the password is not in the failure message" \
    "$PG_TEST_PASSWORD" "$WORK/stdout" "$WORK/stderr"
expect_absent "no snapshot after a failed connection" "$WORK/s.db"

done_testing
