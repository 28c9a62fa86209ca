# tests/lib/analyze.sh - shared set-up for the analyze tests: a snapshot
# made by "tokentrail snapshot" from the fixture database on the test
# PostgreSQL server, and the fixture logs laid out as an analyst would
# have them (node1's rotated file gzipped).

. "$TESTS_DIR/lib/pg.sh"

# make_fixture_snapshot DB OUT: load the 8.x fixture into database DB and
# snapshot it to OUT.
make_fixture_snapshot() {
	pg_load "$1" "$FIXTURES/pg/schema-8x.sql" "$FIXTURES/pg/data.sql" &&
		"$TT" snapshot -d "dbname=$1" -o "$2" >/dev/null 2>&1
}

# make_fixture_logs DIR: copy the fixture logs into DIR/logs, gzip the
# rotated file of node1 (gzip -n: no name or time, so bytes are stable).
make_fixture_logs() {
	cp -r "$FIXTURES/logs" "$1/logs" &&
		gzip -n "$1/logs/node1/atlassian-bitbucket-access-2024-05-01.0.log"
}

# manifest_inputs FILE: the manifest's input rows, which do not depend on
# where or when the run happened.
manifest_inputs() {
	grep '^"input"' "$1"
}
