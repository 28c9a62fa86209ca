#!/usr/bin/env bash
# tests/t1003-snapshot-errors.sh - every way "tokentrail snapshot" can fail
# gives its exact message and status 1 (2 for the command line), leaves no
# output and no temporary file, and never shows the password.
. "$(dirname "$0")/lib/harness.sh"
. "$(dirname "$0")/lib/pg.sh"

PG=$FIXTURES/pg
WRONG_PASSWORD='wr0ng-Pa55word'

# fails NAME STATUS EXPECTED-STDERR COMMAND...: COMMAND writes to
# $WORK/out/s.db; it must exit with STATUS, print exactly EXPECTED-STDERR
# and nothing on stdout, and leave $WORK/out empty.
fails() {
	local name=$1 status=$2 want=$3
	shift 3
	run "$@"
	expect_status "$name: exit status" "$status"
	expect_text_eq "$name: message" "$(cat "$WORK/stderr")" "$want"
	expect_text_eq "$name: no output on stdout" "$(cat "$WORK/stdout")" ""
	expect_text_eq "$name: nothing left behind" "$(ls -A "$WORK/out")" ""
}

case_dir() {
	new_work
	mkdir "$WORK/out"
}

pg_load bb8 "$PG/schema-8x.sql" "$PG/data.sql" 2>/dev/null ||
	fail "load 8.x fixture"
pg_load nocol "$PG/schema-8x.sql" "$PG/data.sql" 2>/dev/null &&
	psql -qX -d nocol -c 'ALTER TABLE "AO_E5A814_ACCESS_TOKEN"
	    DROP COLUMN "NAME"; DROP TABLE sta_repo_permission' ||
	fail "load the fixture without a required column"

case_dir
fails "unreachable server" 1 \
    'tokentrail: error: could not connect to the database server
tokentrail: detail: connection to server on socket "/nonexistent/.s.PGSQL.1" failed: No such file or directory Is the server running locally and accepting connections on that socket?' \
    "$TT" snapshot -d "host=/nonexistent port=1" -o "$WORK/out/s.db"

case_dir
fails "failed authentication" 1 \
    "tokentrail: error: could not connect to the database server
tokentrail: detail: connection to server on socket \"$PGHOST/.s.PGSQL.$PGPORT\" failed: FATAL:  password authentication failed for user \"tt_password\"" \
    "$TT" snapshot -d "user=tt_password password=$WRONG_PASSWORD dbname=bb8" \
    -o "$WORK/out/s.db"
expect_no_grep "failed authentication: password not shown" \
    "$WRONG_PASSWORD" "$WORK/stdout" "$WORK/stderr"

case_dir
fails "failed authentication with a URI" 1 \
    "tokentrail: error: could not connect to the database server
tokentrail: detail: connection to server on socket \"$PGHOST/.s.PGSQL.$PGPORT\" failed: FATAL:  password authentication failed for user \"tt_password\"" \
    "$TT" snapshot -o "$WORK/out/s.db" \
    -d "postgresql://tt_password:$WRONG_PASSWORD@/bb8?host=$PGHOST&port=$PGPORT"
expect_no_grep "URI: password not shown" "$WRONG_PASSWORD" \
    "$WORK/stdout" "$WORK/stderr"

# A connection string libpq cannot parse: its reason quotes the string,
# or the percent-encoded password, and tokentrail masks that excerpt.
malformed_uri() {
	case_dir
	fails "$1" 1 "tokentrail: error: invalid connection string given with -d
tokentrail: detail: $2" "$TT" snapshot -o "$WORK/out/s.db" -d "$3"
	expect_no_grep "$1: password not shown" "$WRONG_PASSWORD" \
	    "$WORK/stdout" "$WORK/stderr"
}
malformed_uri "bad percent-encoding in the password" \
    'invalid percent-encoded token: "..."' \
    "postgresql://tt_password:$WRONG_PASSWORD%zz@/bb8"
malformed_uri "unclosed IPv6 address after a password" \
    'end of string reached when looking for matching "]" in IPv6 host address in URI: "..."' \
    "postgresql://tt_password:$WRONG_PASSWORD@[::1/bb8"
malformed_uri "a password holding quotes" \
    'invalid percent-encoded token: "..."' \
    "postgresql://tt_password:\"$WRONG_PASSWORD%\"@/bb8"
LONG_PASSWORD=$WRONG_PASSWORD$(printf '%01100d' 0)
malformed_uri "a password longer than a message" \
    'invalid percent-encoded token: "..."' \
    "postgresql://tt_password:$LONG_PASSWORD%zz@/bb8"
malformed_uri "an unknown keyword is named" \
    'invalid connection option "passwd"' \
    "dbname=bb8 passwd=$WRONG_PASSWORD"

# libpq ends the password at its first "@": the rest would become the
# host, be looked up and be quoted in the connection error.
case_dir
fails "a password holding an unencoded @" 1 \
    "tokentrail: error: invalid connection string given with -d
tokentrail: detail: A host name in the URI holds \"@\": libpq ends the user name and password at the first \"@\".
tokentrail: hint: Write an \"@\" in the user name or password as \"%40\"." \
    "$TT" snapshot -o "$WORK/out/s.db" \
    -d "postgresql://tt_password:pre@$WRONG_PASSWORD@/bb8?port=$PGPORT"
expect_no_grep "unencoded @: password not shown" "$WRONG_PASSWORD" \
    "$WORK/stdout" "$WORK/stderr"

case_dir
fails "not a Bitbucket database" 1 \
    'tokentrail: error: table "AO_E5A814_ACCESS_TOKEN" not found in schema "public"
tokentrail: detail: This does not look like a Bitbucket database.
tokentrail: hint: Use --schema to name the schema that holds the Bitbucket tables.' \
    "$TT" snapshot -d postgres -o "$WORK/out/s.db"

case_dir
fails "missing required column" 1 \
    'tokentrail: error: table "AO_E5A814_ACCESS_TOKEN" in schema "public" has no column "NAME", which tokentrail needs' \
    "$TT" snapshot -d nocol -o "$WORK/out/s.db"

psql -qX -d nocol -c 'ALTER TABLE "AO_E5A814_ACCESS_TOKEN" ADD "NAME" text'
case_dir
fails "missing required table" 1 \
    'tokentrail: error: table "sta_repo_permission" not found in schema "public"' \
    "$TT" snapshot -d nocol -o "$WORK/out/s.db"

# The read-only role of the README, short of one table.
psql -qX -d bb8 -v role=tt_password -v schema=public \
    -f "$PG/grant-readonly.sql" &&
	psql -qX -d bb8 -c 'REVOKE SELECT ON sta_repo_permission FROM tt_password' ||
	fail "grant the read-only role"
case_dir
PGPASSWORD=$PG_TEST_PASSWORD fails "table the role may not read" 1 \
    'tokentrail: error: could not read table "sta_repo_permission" in schema "public"
tokentrail: detail: permission denied for table sta_repo_permission' \
    "$TT" snapshot -d "user=tt_password dbname=bb8" -o "$WORK/out/s.db"

# With every grant, the same role succeeds and no password is anywhere.
psql -qX -d bb8 -c 'GRANT SELECT ON sta_repo_permission TO tt_password'
case_dir
PGPASSWORD=$PG_TEST_PASSWORD run "$TT" snapshot \
    -d "user=tt_password dbname=bb8" -o "$WORK/out/s.db"
expect_status "read-only role with the README grants succeeds" 0
expect_no_grep "password not in output or snapshot" "$PG_TEST_PASSWORD" \
    "$WORK/stdout" "$WORK/stderr" "$WORK/out/s.db"
expect_text_eq "meta names the role" "$(sqlite3 "$WORK/out/s.db" \
    "SELECT value FROM tokentrail_meta WHERE key = 'user'")" tt_password
readme=$(cat "$TESTS_DIR/../README.md")
grants=$(cat "$PG/grant-readonly.sql")
if [[ $readme == *"$grants"* ]]; then
	pass "README carries the grant script"
else
	fail "README carries the grant script"
fi

# Without -d, libpq's environment applies as for psql: a password file,
# then a service file naming the database and the role.
printf '*:*:*:tt_password:%s\n' "$PG_TEST_PASSWORD" >"$T_ROOT/pgpass"
chmod 600 "$T_ROOT/pgpass"
printf '[tt]\ndbname=bb8\nuser=tt_password\n' >"$T_ROOT/pg_service.conf"
case_dir
PGPASSFILE=$T_ROOT/pgpass PGUSER=tt_password PGDATABASE=bb8 \
    run "$TT" snapshot -o "$WORK/out/s.db"
expect_status "PGDATABASE, PGUSER and PGPASSFILE without -d" 0
expect_text_eq "environment: meta names the database and the role" \
    "$(sqlite3 "$WORK/out/s.db" "SELECT value FROM tokentrail_meta
	WHERE key IN ('database', 'user') ORDER BY key")" "bb8
tt_password"
expect_no_grep "environment: password not in output or snapshot" \
    "$PG_TEST_PASSWORD" "$WORK/stdout" "$WORK/stderr" "$WORK/out/s.db"
case_dir
PGPASSFILE=$T_ROOT/pgpass PGSERVICEFILE=$T_ROOT/pg_service.conf \
    PGSERVICE=tt run "$TT" snapshot -o "$WORK/out/s.db"
expect_status "PGSERVICE without -d" 0
expect_text_eq "service: meta names the database and the role" \
    "$(sqlite3 "$WORK/out/s.db" "SELECT value FROM tokentrail_meta
	WHERE key IN ('database', 'user') ORDER BY key")" "bb8
tt_password"

case_dir
fails "schema injection attempt" 1 \
    'tokentrail: error: table "AO_E5A814_ACCESS_TOKEN" not found in schema "public\x22; DROP TABLE sta_normal_user; --"
tokentrail: detail: This does not look like a Bitbucket database.
tokentrail: hint: Use --schema to name the schema that holds the Bitbucket tables.' \
    "$TT" snapshot -d bb8 --schema 'public"; DROP TABLE sta_normal_user; --' \
    -o "$WORK/out/s.db"
expect_text_eq "schema injection attempt changed nothing" \
    "$(psql -AtX -d bb8 -c 'SELECT count(*) FROM sta_normal_user')" 6

case_dir
fails "output directory missing" 1 \
    "tokentrail: error: could not create a temporary file for \"$WORK/out/no/s.db\": No such file or directory" \
    "$TT" snapshot -d bb8 -o "$WORK/out/no/s.db"

# An unwritable directory; root writes anywhere, so run as nobody then.
case_dir
chmod 555 "$WORK/out"
chmod 755 "$WORK" "$T_ROOT"
as_user=()
[ "$(id -u)" = 0 ] && as_user=(runuser -u nobody --)
fails "unwritable output directory" 1 \
    "tokentrail: error: could not create a temporary file for \"$WORK/out/s.db\": Permission denied" \
    "${as_user[@]}" "$TT" snapshot -d bb8 -o "$WORK/out/s.db"

# A full disk, as the file size limit makes writes fail with EFBIG.
case_dir
(
	trap '' XFSZ
	ulimit -f 200
	fails "output device full" 1 \
	    "tokentrail: error: could not commit in snapshot \"$WORK/out/s.db\": disk I/O error" \
	    "$TT" snapshot -d bb8 -o "$WORK/out/s.db"
) | tee "$WORK/full.log"
grep -q '^not ok' "$WORK/full.log" && T_FAILED=$((T_FAILED + 1))

# Killed while the server makes it wait: the temporary file goes too.
case_dir
psql -qX -d bb8 -c 'BEGIN; LOCK TABLE sta_normal_user;
    SELECT pg_sleep(30); COMMIT' >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
	[ "$(psql -AtX -d bb8 -c "SELECT count(*) FROM pg_locks l JOIN pg_class c
	    ON c.oid = l.relation WHERE c.relname = 'sta_normal_user'
	    AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
	sleep 0.1
done
"$TT" snapshot -d bb8 -o "$WORK/out/s.db" 2>"$WORK/stderr" &
victim=$!
for _ in $(seq 50); do
	[ "$(psql -AtX -d bb8 -c "SELECT count(*) FROM pg_stat_activity
	    WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'")" = 1 ] && break
	sleep 0.1
done
expect_text_eq "interrupted run: temporary file exists while it waits" \
    "$(ls -A "$WORK/out" | grep -c '^\.s\.db\.tmp\.')" 1
kill -TERM "$victim"
wait "$victim"
STATUS=$?
expect_status "interrupted run: killed by SIGTERM" 143
expect_text_eq "interrupted run: nothing left behind" "$(ls -A "$WORK/out")" ""
psql -qX -d bb8 -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
    WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()" >/dev/null
wait "$locker"

case_dir
printf 'precious\n' >"$WORK/keep.db"
run "$TT" snapshot -d bb8 -o "$WORK/keep.db"
expect_status "existing output without -f: exit status" 1
expect_text_eq "existing output without -f: message" "$(cat "$WORK/stderr")" \
    "tokentrail: error: output file \"$WORK/keep.db\" already exists
tokentrail: hint: Use -f to replace it."
expect_text_eq "existing output without -f: file untouched" \
    "$(cat "$WORK/keep.db")" precious
expect_text_eq "existing output without -f: no temporary file" \
    "$(ls -A "$WORK" | grep -c tmp)" 0

case_dir
fails "no output file" 2 \
    'tokentrail: error: no output file given (-o)
tokentrail: hint: See "tokentrail snapshot --help" for the options.' \
    "$TT" snapshot -d bb8

case_dir
fails "--from-csv with -d" 2 \
    'tokentrail: error: --from-csv cannot be combined with -d or --schema
tokentrail: hint: See "tokentrail snapshot --help" for the options.' \
    "$TT" snapshot --from-csv "$WORK" -d bb8 -o "$WORK/out/s.db"

case_dir
fails "option without its value" 2 \
    'tokentrail: error: option "--schema" needs a value
tokentrail: hint: See "tokentrail snapshot --help" for the options.' \
    "$TT" snapshot -o "$WORK/out/s.db" --schema

case_dir
run "$TT" snapshot --version
expect_status "snapshot --version exits 0" 0
expect_grep "snapshot --version prints the version" "tokentrail 0." \
    "$WORK/stdout"

# Every long option is in --help and in the README.
case_dir
run "$TT" snapshot --help
for opt in dbname force from-csv help output schema version; do
	expect_grep "--help documents --$opt" "--$opt" "$WORK/stdout"
	expect_grep "README documents --$opt" "--$opt" "$TESTS_DIR/../README.md"
done

done_testing
