#!/usr/bin/env bash
# tests/t1001-snapshot-pg.sh - "tokentrail snapshot" from the test server:
# every exported table compared row by row and column by column between
# psql and sqlite3 (8.x, 7.x, hostile names, a schema needing quotes),
# schema drift, the row filters, tokentrail_meta and the file's pragmas.
. "$(dirname "$0")/lib/harness.sh"
. "$(dirname "$0")/lib/pg.sh"

PG=$FIXTURES/pg
TABLES="AO_E5A814_ACCESS_TOKEN AO_E5A814_ACCESS_TOKEN_PERM sta_normal_user
cwd_user sta_service_user project repository sta_project_permission sta_repo_permission
sta_personal_project bb_project_alias bb_repository_alias sta_permission_type
AO_C77861_AUDIT_ENTITY"
OTHER_SCHEMA='Bit "bucket", prod'

# The rows each table must keep, written independently of the tool.
pg_filter() {
	local qs=$1
	case $2 in
	sta_normal_user | sta_service_user | sta_project_permission | \
	    sta_repo_permission)
		echo "WHERE user_id IN (SELECT \"USER_ID\" FROM" \
		    "$qs.\"AO_E5A814_ACCESS_TOKEN\")" ;;
	AO_C77861_AUDIT_ENTITY) echo "WHERE \"ACTION\" LIKE '%AccessToken%'" ;;
	cwd_user)
		echo "WHERE user_name IN (SELECT name FROM $qs.sta_normal_user" \
		    "WHERE user_id IN (SELECT \"USER_ID\" FROM" \
		    "$qs.\"AO_E5A814_ACCESS_TOKEN\"))" ;;
	esac
}

# cwd_user is copied without its credential and other columns.
CWD_USER_COLUMNS="id user_name lower_user_name display_name directory_id is_active"

# Columns of a table in PostgreSQL: "name type" lines in column order;
# for cwd_user only the columns the snapshot copies.
pg_columns() {
	if [ "$3" = cwd_user ]; then
		pg_all_columns "$@" | grep -wE "^(${CWD_USER_COLUMNS// /|})"
	else
		pg_all_columns "$@"
	fi
}

pg_all_columns() {
	psql -AtX -d "$1" -F ' ' -v schema="$2" -v tab="$3" <<<"
	    SELECT a.attname, CASE WHEN a.atttypid IN (20, 21, 23) THEN 'i'
		WHEN a.atttypid = 16 THEN 'b' ELSE 't' END
	    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	    JOIN pg_namespace n ON n.oid = c.relnamespace
	    WHERE n.nspname = :'schema' AND c.relname = :'tab'
	    AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
}

# Every row as one line: each value as NULL, i:<integer> or t:<hex of the
# UTF-8 bytes>, so that newlines and any byte compare exactly.  $4 is the
# output of pg_columns.
pg_rows() {
	local db=$1 schema=$2 table=$3 qs sel="" name kind
	qs="\"${schema//\"/\"\"}\""
	while read -r name kind; do
		local q="\"$name\""
		case $kind in
		i) e="'i:' || $q::text" ;;
		b) e="'i:' || $q::int::text" ;;
		t) e="'t:' || upper(encode(convert_to($q::text, 'UTF8'), 'hex'))" ;;
		esac
		sel="$sel${sel:+ || '|' || }COALESCE($e, 'NULL')"
	done <<<"$4"
	psql -AtX -d "$db" -c "SELECT $sel FROM $qs.\"$table\"
	    $(pg_filter "$qs" "$table")" | LC_ALL=C sort
}

sq_rows() {
	local file=$1 table=$2 sel="" name
	while read -r name; do
		local q="\"$name\""
		sel="$sel${sel:+ || '|' || }CASE typeof($q) WHEN 'null' THEN 'NULL'
		    WHEN 'integer' THEN 'i:' || $q WHEN 'text' THEN 't:' || hex($q)
		    ELSE 'bad:' || typeof($q) END"
	done < <(sqlite3 "$file" "SELECT name FROM pragma_table_info('$table')")
	sqlite3 "$file" "SELECT $sel FROM \"$table\"" | LC_ALL=C sort
}

# compare_all NAME DB SCHEMA FILE: every table, its columns and its rows.
compare_all() {
	local name=$1 db=$2 schema=$3 file=$4 table
	for table in $TABLES; do
		local cols
		cols=$(pg_columns "$db" "$schema" "$table")
		expect_text_eq "$name: columns of $table" \
		    "$(sqlite3 "$file" "SELECT name || ' ' || CASE type
			WHEN 'INTEGER' THEN 'i' ELSE 't' END
			FROM pragma_table_info('$table')")" \
		    "$(sed 's/ b$/ i/' <<<"$cols")"
		pg_rows "$db" "$schema" "$table" "$cols" >"$WORK/pg.rows"
		sq_rows "$file" "$table" >"$WORK/sq.rows"
		expect_file_eq "$name: rows of $table" "$WORK/sq.rows" \
		    "$WORK/pg.rows"
	done
}

meta() {
	sqlite3 "$1" "SELECT value FROM tokentrail_meta WHERE key = '$2'"
}

pg_load bb8 "$PG/schema-8x.sql" "$PG/data.sql" 2>/dev/null ||
	fail "load 8.x fixture"
pg_load bb7 "$PG/schema-7x.sql" "$PG/data.sql" 2>/dev/null ||
	fail "load 7.x fixture"
pg_load bbh "$PG/schema-8x.sql" "$PG/data.sql" "$PG/hostile.sql" \
    2>/dev/null || fail "load hostile fixture"
pg_load bbo "$PG/schema-8x.sql" "$PG/data.sql" "$PG/other-schema.sql" \
    2>/dev/null || fail "load other-schema fixture"

# 8.x: everything exported, exactly.
new_work
run "$TT" snapshot -d bb8 -o "$WORK/s.db"
expect_status "8.x snapshot exits 0" 0
expect_text_eq "8.x snapshot is silent" "$(cat "$WORK/stdout" "$WORK/stderr")" ""
compare_all "8.x" bb8 public "$WORK/s.db"
S8=$WORK/s.db
expect_text_eq "cwd_user keeps token owners without their credentials" \
    "$(sqlite3 "$S8" "SELECT group_concat(user_name, ' ') FROM
	(SELECT user_name FROM cwd_user ORDER BY user_name)")" \
    "admin alice carol_ar"
expect_no_grep "no password hash from cwd_user reaches the snapshot" \
    'PKCS5S2}Y3dkLXVzZXItaGFzaA' "$S8"

expect_text_eq "row filters keep token owners and token audit rows only" \
    "$(sqlite3 "$S8" "SELECT
	(SELECT count(*) FROM AO_E5A814_ACCESS_TOKEN) || ' ' ||
	(SELECT count(*) FROM sta_normal_user) || ' ' ||
	(SELECT count(*) FROM sta_service_user) || ' ' ||
	(SELECT count(*) FROM sta_project_permission) || ' ' ||
	(SELECT count(*) FROM sta_repo_permission) || ' ' ||
	(SELECT count(*) FROM AO_C77861_AUDIT_ENTITY) || ' ' ||
	(SELECT group_concat(name) FROM (SELECT name FROM sta_normal_user
	    ORDER BY name))")" \
    "12 4 5 5 4 3 admin,alice,bob,carol_ar"

expect_text_eq "token ids stay text with their leading zero" \
    "$(sqlite3 "$S8" "SELECT typeof(TOKEN_ID) || ' ' || TOKEN_ID
	FROM AO_E5A814_ACCESS_TOKEN WHERE NAME = 'laptop'")" "text 012345678901"

expect_text_eq "booleans are 0/1 and timestamps ISO text" \
    "$(sqlite3 "$S8" "SELECT is_archived || ' ' || is_public || ' ' ||
	typeof(is_archived) FROM repository WHERE id = 25;
	SELECT LAST_AUTHENTICATED FROM AO_E5A814_ACCESS_TOKEN
	WHERE TOKEN_ID = '012345678901'")" \
    "1 1 integer
2024-03-31 02:30:15.042"

# A query written for PostgreSQL runs unchanged on the snapshot.
QUERY='SELECT t."TOKEN_ID", t."NAME", u.name FROM "AO_E5A814_ACCESS_TOKEN" t
    JOIN sta_normal_user u ON u.user_id = t."USER_ID" ORDER BY t."TOKEN_ID"'
expect_text_eq "a PostgreSQL query runs unchanged in sqlite3" \
    "$(sqlite3 -separator '|' "$S8" "$QUERY")" \
    "$(psql -AtX -d bb8 -c "$QUERY")"

# Provenance and pragmas.
expect_text_eq "application_id and user_version" \
    "$(sqlite3 "$S8" 'PRAGMA application_id; PRAGMA user_version')" \
    "$(printf '%d\n1' 0x546b5472)"
expect_text_eq "meta: source, server and schema" \
    "$(for k in source host port database user schema format_version \
	tool_version server_version server_timezone; do meta "$S8" $k; done)" \
    "postgresql
$PGHOST
$PGPORT
bb8
tt_admin
public
1
$("$TT" --version | sed 's/^tokentrail //')
$(psql -AtX -d bb8 -c 'SHOW server_version')
$(psql -AtX -d bb8 -c 'SHOW TimeZone')"
for k in started_utc finished_utc; do
	if meta "$S8" $k | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'; then
		pass "meta: $k is UTC ISO 8601"
	else
		fail "meta: $k is UTC ISO 8601" "got $(meta "$S8" $k)"
	fi
done
# The test server's zone comes from its configuration; PGTZ sets the
# session's zone from the client, and the snapshot says so.
expect_text_eq "meta: the server's own zone is not marked as the client's" \
    "$(meta "$S8" server_timezone_source)" \
    "$(psql -AtX -d bb8 -c "SELECT source FROM pg_settings WHERE name = 'TimeZone'")"
new_work
PGTZ=Asia/Tokyo run "$TT" snapshot -d bb8 -o "$WORK/tz.db"
expect_status "snapshot with PGTZ exits 0" 0
expect_text_eq "meta: a zone set by PGTZ is recorded as the client's" \
    "$(meta "$WORK/tz.db" server_timezone) $(meta "$WORK/tz.db" server_timezone_source)" \
    "Asia/Tokyo client"
for table in $TABLES; do
	expect_text_eq "meta: rows and columns of $table" \
	    "$(meta "$S8" "rows.$table") $(meta "$S8" "columns.$table")" \
	    "$(sqlite3 "$S8" "SELECT count(*) FROM \"$table\"") $(sqlite3 "$S8" \
		"SELECT group_concat(name, ',') FROM pragma_table_info('$table')")"
done
expect_text_eq "indexes for the analyzer" \
    "$(sqlite3 "$S8" "SELECT name FROM sqlite_master WHERE type = 'index'
	AND tbl_name IN ('AO_E5A814_ACCESS_TOKEN', 'repository') ORDER BY 1")" \
    "AO_E5A814_ACCESS_TOKEN_TOKEN_ID
AO_E5A814_ACCESS_TOKEN_USER_ID
repository_id
repository_project_id,slug"
expect_text_eq "integrity check passes" "$(sqlite3 "$S8" 'PRAGMA integrity_check')" ok

# 7.x: the snapshot lacks what the source lacks.
new_work
run "$TT" snapshot -d bb7 -o "$WORK/s.db"
expect_status "7.x snapshot exits 0" 0
compare_all "7.x" bb7 public "$WORK/s.db"
expect_text_eq "7.x snapshot has no EXPIRY_DAYS and no 8.x repository columns" \
    "$(sqlite3 "$WORK/s.db" "SELECT count(*) FROM pragma_table_info(
	'AO_E5A814_ACCESS_TOKEN') WHERE name = 'EXPIRY_DAYS';
	SELECT count(*) FROM pragma_table_info('repository') WHERE name IN
	('partition_id', 'is_read_only', 'is_archived')")" "0
0"
expect_text_eq "7.x meta lists the columns found" \
    "$(meta "$WORK/s.db" columns.AO_E5A814_ACCESS_TOKEN)" \
    "CREATED_DATE,HASHED_TOKEN,LAST_AUTHENTICATED,NAME,TOKEN_ID,USER_ID"

# Hostile names: newlines, control characters, emoji, backslashes.
new_work
run "$TT" snapshot -d bbh -o "$WORK/s.db"
expect_status "hostile snapshot exits 0" 0
compare_all "hostile" bbh public "$WORK/s.db"
expect_text_eq "hostile token name kept byte for byte" \
    "$(sqlite3 "$WORK/s.db" "SELECT hex(NAME) FROM AO_E5A814_ACCESS_TOKEN
	WHERE TOKEN_ID = '000000000202'")" \
    "$(printf '=1+2\t\001\037\177 \360\237\224\221 \\ end' | od -An -tx1 |
	tr -d ' \n' | tr a-f A-F)"

# Enough rows for full batches and a partial one, and values large enough
# to flush a batch early.
cat >"$T_ROOT/medium.sql" <<'SQL'
INSERT INTO "AO_E5A814_ACCESS_TOKEN" ("CREATED_DATE", "HASHED_TOKEN",
	"LAST_AUTHENTICATED", "NAME", "TOKEN_ID", "USER_ID")
	SELECT timestamp '2024-01-01 00:00:00.001' + g * interval '1 second',
	    '{PKCS5S2}' || md5(g::text), NULL, 'bulk ' || g,
	    '4' || lpad(g::text, 11, '0'), 1 + g % 3
	FROM generate_series(1, 1000) g;
INSERT INTO "AO_C77861_AUDIT_ENTITY" ("ACTION", "AREA", "ATTRIBUTES",
	"ENTITY_TIMESTAMP", "ID", "LEVEL")
	SELECT 'AccessTokenCreatedEvent', 'USER_MANAGEMENT',
	    repeat(md5(g::text), CASE WHEN g % 10 = 0 THEN 20000 ELSE 2 END),
	    1700000000000 + g, 1000 + g, 'BASE'
	FROM generate_series(1, 75) g;
SQL
pg_load bbm "$PG/schema-8x.sql" "$PG/data.sql" "$T_ROOT/medium.sql" \
    2>/dev/null || fail "load the medium fixture"
new_work
run "$TT" snapshot -d bbm -o "$WORK/s.db"
expect_status "medium snapshot exits 0" 0
compare_all "medium" bbm public "$WORK/s.db"
expect_text_eq "medium: row counts" "$(sqlite3 "$WORK/s.db" "SELECT
	(SELECT count(*) FROM AO_E5A814_ACCESS_TOKEN) || ' ' ||
	(SELECT count(*) FROM AO_C77861_AUDIT_ENTITY) || ' ' ||
	(SELECT max(length(ATTRIBUTES)) FROM AO_C77861_AUDIT_ENTITY)")" \
    "1012 78 640000"

# A schema other than public, whose name needs quoting.
new_work
run "$TT" snapshot -d bbo --schema "$OTHER_SCHEMA" -o "$WORK/s.db"
expect_status "other-schema snapshot exits 0" 0
compare_all "other schema" bbo "$OTHER_SCHEMA" "$WORK/s.db"
expect_text_eq "meta: other schema" "$(meta "$WORK/s.db" schema)" \
    "$OTHER_SCHEMA"

# -f replaces an existing snapshot; a URI works as -d.
new_work
printf 'old\n' >"$WORK/s.db"
run "$TT" snapshot -f -d "postgresql:///bb7?host=$PGHOST&port=$PGPORT" \
    -o "$WORK/s.db"
expect_status "-f with a URI exits 0" 0
expect_text_eq "-f replaced the file" "$(meta "$WORK/s.db" database)" bb7
expect_text_eq "-f leaves no temporary file" "$(ls -A "$WORK")" \
    "s.db
stderr
stdout"

done_testing
