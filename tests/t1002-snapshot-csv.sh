#!/usr/bin/env bash
# tests/t1002-snapshot-csv.sh - "tokentrail snapshot --from-csv": CSV files
# exported with the psql commands the README gives must produce the same
# tables, rows and types as the database route, and every malformed file
# must be named with its line, leaving nothing behind.
. "$(dirname "$0")/lib/harness.sh"
. "$(dirname "$0")/lib/pg.sh"

PG=$FIXTURES/pg
TABLES="AO_E5A814_ACCESS_TOKEN AO_E5A814_ACCESS_TOKEN_PERM sta_normal_user
cwd_user sta_service_user project repository sta_project_permission sta_repo_permission
sta_personal_project bb_project_alias bb_repository_alias sta_permission_type
AO_C77861_AUDIT_ENTITY"
# cwd_user is exported without its credential column.
CWD_USER_COLUMNS="id, user_name, lower_user_name, display_name, directory_id, is_active"

# export_csv DB DIR: what the README asks a DBA to run, one file per table;
# the README must carry these very lines.
export_csv() {
	local table
	mkdir -p "$2"
	{
		echo 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;'
		for table in $TABLES; do
			if [ "$table" = cwd_user ]; then
				printf '\\copy (SELECT %s FROM "cwd_user") TO '\''cwd_user.csv'\'' WITH (FORMAT csv, HEADER)\n' \
				    "$CWD_USER_COLUMNS"
				continue
			fi
			printf '\\copy (SELECT * FROM "%s") TO '\''%s.csv'\'' WITH (FORMAT csv, HEADER)\n' \
			    "$table" "$table"
		done
		echo 'COMMIT;'
	} >"$2/export.psql"
	(cd "$2" && psql -qX -v ON_ERROR_STOP=1 -d "$1" -f export.psql) &&
		rm "$2/export.psql"
}

# dump FILE: every table's definition and sorted rows in SQL quote form.
dump() {
	local table
	for table in $TABLES; do
		echo "== $table"
		sqlite3 "$1" "SELECT name, type FROM pragma_table_info('$table')"
		sqlite3 -cmd '.mode quote' "$1" "SELECT * FROM \"$table\"" |
			LC_ALL=C sort
	done
}

pg_load bbh "$PG/schema-8x.sql" "$PG/data.sql" "$PG/hostile.sql" \
    2>/dev/null || fail "load hostile fixture"
pg_load bb7 "$PG/schema-7x.sql" "$PG/data.sql" 2>/dev/null ||
	fail "load 7.x fixture"

for db in bbh bb7; do
	new_work
	export_csv "$db" "$WORK/csv" || fail "$db: export CSV files"
	run "$TT" snapshot -d "$db" -o "$WORK/pg.db"
	expect_status "$db: database route exits 0" 0
	run "$TT" snapshot --from-csv "$WORK/csv" -o "$WORK/csv.db"
	expect_status "$db: CSV route exits 0" 0
	expect_text_eq "$db: CSV route is silent" \
	    "$(cat "$WORK/stdout" "$WORK/stderr")" ""
	dump "$WORK/pg.db" >"$WORK/pg.dump"
	dump "$WORK/csv.db" >"$WORK/csv.dump"
	expect_file_eq "$db: CSV route gives the database route's tables" \
	    "$WORK/csv.dump" "$WORK/pg.dump"
	expect_text_eq "$db: same row counts and columns in the meta table" \
	    "$(sqlite3 "$WORK/csv.db" "SELECT key, value FROM tokentrail_meta
		WHERE key LIKE 'rows.%' OR key LIKE 'columns.%' ORDER BY 1")" \
	    "$(sqlite3 "$WORK/pg.db" "SELECT key, value FROM tokentrail_meta
		WHERE key LIKE 'rows.%' OR key LIKE 'columns.%' ORDER BY 1")"
	expect_text_eq "$db: meta names the CSV source" \
	    "$(sqlite3 "$WORK/csv.db" "SELECT value FROM tokentrail_meta
		WHERE key IN ('source', 'directory') ORDER BY key")" \
	    "$WORK/csv
csv"
	expect_text_eq "$db: CSV snapshot's pragmas" \
	    "$(sqlite3 "$WORK/csv.db" 'PRAGMA application_id; PRAGMA user_version')" \
	    "$(printf '%d\n1' 0x546b5472)"
done
GOOD=$WORK/csv
for table in $TABLES; do
	columns='*'
	[ "$table" = cwd_user ] && columns="$CWD_USER_COLUMNS"
	expect_grep "README gives the export of $table" \
	    "\\copy (SELECT $columns FROM \"$table\") TO '$table.csv' WITH (FORMAT csv, HEADER)" \
	    "$TESTS_DIR/../README.md"
done
expect_text_eq "7.x CSV route has no EXPIRY_DAYS" \
    "$(sqlite3 "$WORK/csv.db" "SELECT count(*) FROM pragma_table_info(
	'AO_E5A814_ACCESS_TOKEN') WHERE name = 'EXPIRY_DAYS'")" 0

# The demo's bundled export is the small fixture: both routes agree.
pg_load bb8 "$PG/schema-8x.sql" "$PG/data.sql" 2>/dev/null ||
	fail "load 8.x fixture"
new_work
run "$TT" snapshot -d bb8 -o "$WORK/pg.db"
run "$TT" snapshot --from-csv "$FIXTURES/demo/csv" -o "$WORK/csv.db"
expect_status "demo CSV files load" 0
dump "$WORK/pg.db" >"$WORK/pg.dump"
dump "$WORK/csv.db" >"$WORK/csv.dump"
expect_file_eq "demo CSV files are the export of fixtures/pg/data.sql" \
    "$WORK/csv.dump" "$WORK/pg.dump"

# An optional table's file may be missing; a required one may not.
new_work
cp -r "$GOOD" "$WORK/csv"
rm "$WORK/csv/bb_project_alias.csv" "$WORK/csv/AO_C77861_AUDIT_ENTITY.csv"
run "$TT" snapshot --from-csv "$WORK/csv" -o "$WORK/s.db"
expect_status "missing optional files are skipped" 0
expect_text_eq "skipped tables are absent" \
    "$(sqlite3 "$WORK/s.db" "SELECT count(*) FROM sqlite_master WHERE name IN
	('bb_project_alias', 'AO_C77861_AUDIT_ENTITY')")" 0

# malformed NAME EXPECTED-STDERR: run on $WORK/csv from $WORK, check the
# message, the status and that nothing is left in $WORK/out.
malformed() {
	mkdir "$WORK/out"
	(cd "$WORK" && "$TT" snapshot --from-csv csv -o out/s.db \
	    >stdout 2>stderr)
	STATUS=$?
	expect_status "$1: exit status" 1
	expect_text_eq "$1: message" "$(cat "$WORK/stderr")" "$2"
	expect_text_eq "$1: nothing left behind" "$(ls -A "$WORK/out")" ""
}

# csv_case FILE: a fresh copy of the good export with FILE about to change.
csv_case() {
	new_work
	cp -r "$GOOD" "$WORK/csv"
	F=$WORK/csv/$1
}

csv_case sta_repo_permission.csv
rm "$F"
malformed "missing required file" \
    'tokentrail: error: could not open file "csv/sta_repo_permission.csv": No such file or directory'

csv_case AO_E5A814_ACCESS_TOKEN.csv
sed -i '3s/^/x"y/' "$F"
malformed "quote inside an unquoted field" \
    'tokentrail: csv/AO_E5A814_ACCESS_TOKEN.csv:3: error: malformed CSV: error parsing data while strict checking enabled'

csv_case project.csv
sed -i '4s/$/,extra/' "$F"
malformed "too many fields" \
    'tokentrail: csv/project.csv:4: error: expected 6 fields, found 7'

csv_case AO_E5A814_ACCESS_TOKEN_PERM.csv
sed -i '2s/,[0-9]*$/,four/' "$F"
malformed "invalid integer" \
    'tokentrail: csv/AO_E5A814_ACCESS_TOKEN_PERM.csv:2: error: invalid integer "four" in column "PERMISSION"'

csv_case repository.csv
sed -i '3s/,t,/,yes,/' "$F"
malformed "invalid boolean" \
    'tokentrail: csv/repository.csv:3: error: invalid boolean "yes" in column "is_forkable"'

csv_case sta_normal_user.csv
printf '7,"unterminated,x,,,\n' >>"$F"
malformed "unterminated quote at the end" \
    "tokentrail: csv/sta_normal_user.csv:$(wc -l <"$F"): error: malformed CSV: quoted field not closed at end of file"

csv_case sta_service_user.csv
sed -i '1s/^user_id,/uid,/' "$F"
malformed "missing required column" \
    'tokentrail: csv/sta_service_user.csv:1: error: table "sta_service_user" has no column "user_id", which tokentrail needs'

csv_case bb_repository_alias.csv
: >"$F"
malformed "empty file" \
    'tokentrail: csv/bb_repository_alias.csv:1: error: no header row'

csv_case project.csv
sed -i '1s/,namespace$/,name/' "$F"
malformed "duplicate column" \
    'tokentrail: csv/project.csv:1: error: duplicate column "name"'

csv_case sta_personal_project.csv
printf '99,\033[31m\n' >>"$F"
malformed "terminal escapes are quoted" \
    'tokentrail: csv/sta_personal_project.csv:3: error: invalid integer "\x1b[31m" in column "owner_id"'

done_testing
