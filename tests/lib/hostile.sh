# tests/lib/hostile.sh - shared set-up for the hostile-input tests
# (t5xxx): a snapshot built from the bundled CSV export of the fixture
# database (no server needed) and checks on the manifest and reports.

# make_csv_snapshot OUT: snapshot fixtures/demo/csv into OUT; a failure is
# reported as a failed case.
make_csv_snapshot() {
	if "$TT" snapshot --from-csv "$FIXTURES/demo/csv" -o "$1" \
	    >/dev/null 2>&1; then
		return 0
	fi
	fail "set-up: snapshot of the bundled CSV export"
	done_testing
	return 1
}

# manifest_field FILE PATH COLUMN: one cell of the manifest's input row
# for PATH.
manifest_field() {
	python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f:
    for row in csv.DictReader(f):
        if row['kind'] == 'input' and row['path'] == sys.argv[2]:
            print(row[sys.argv[3]])
PY
}

# expect_lines_add_up NAME MANIFEST: in every input row, lines_read is
# lines_parsed plus lines_set_aside, and the reasons sum to the latter.
expect_lines_add_up() {
	local why
	why=$(python3 - "$2" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f:
    for row in csv.DictReader(f):
        if row['kind'] != 'input' or row['lines_read'] == '':
            continue
        read, parsed = int(row['lines_read']), int(row['lines_parsed'])
        aside = int(row['lines_set_aside'])
        reasons = sum(int(r.split('=')[1])
                      for r in row['set_aside_reasons'].split('; ') if r)
        if read != parsed + aside or reasons != aside:
            print(row['path'], read, parsed, aside, reasons)
PY
)
	if [ -z "$why" ]; then
		pass "$1"
	else
		fail "$1" "path read parsed set-aside reasons: $why"
	fi
}

# expect_cells_safe NAME DIR: no cell of any CSV report in DIR starts with
# a character a spreadsheet runs as a formula (=, +, -, @, TAB, CR),
# except whole numbers, and no cell holds a terminal escape.
expect_cells_safe() {
	local why
	why=$(python3 - "$2" <<'PY'
import csv, glob, re, sys
number = re.compile(r'-?[0-9]+(\.[0-9]+)?\Z')
for path in sorted(glob.glob(sys.argv[1] + '/*.csv')):
    with open(path, newline='', encoding='utf-8') as f:
        for n, row in enumerate(csv.reader(f), 1):
            for cell in row:
                if (cell[:1] in ('=', '+', '-', '@', '\t', '\r')
                        and not number.match(cell)) or '\x1b' in cell:
                    print('%s:%d: %r' % (path, n, cell[:60]))
                    sys.exit(0)
PY
)
	if [ -z "$why" ]; then
		pass "$1"
	else
		fail "$1" "unsafe cell: $why"
	fi
}
