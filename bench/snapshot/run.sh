#!/usr/bin/env bash
# bench/snapshot/run.sh - "make bench-snapshot": loads fixtures/pg/large.sql
# into a throwaway PostgreSQL server and prints, from one run each, the
# wall time and peak memory of
#   1. tokentrail snapshot,
#   2. psql \copy of the same rows of every table to CSV (the export alone),
#   3. that export plus sqlite3 .import of the files (the manual pipeline).
# Targets: 1 faster than 3, within 3x of 2, and under 32 MB.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
TT=$PWD/$BUILD/tokentrail
TIME=/usr/bin/time

. tests/lib/pg.sh
OUT=$(mktemp -d "${TMPDIR:-/tmp}/tokentrail-bench.XXXXXX")
trap 'pg_stop; rm -rf "$OUT"' EXIT
pg_start
echo "loading fixtures/pg/large.sql ..."
pg_load bench fixtures/pg/schema-8x.sql fixtures/pg/large.sql 2>/dev/null
psql -qX -d bench -c 'VACUUM ANALYZE'

# The rows tokentrail keeps, as the DBA would select them by hand.
TOKEN_USERS='WHERE user_id IN (SELECT "USER_ID" FROM "AO_E5A814_ACCESS_TOKEN")'
declare -A FILTER=(
	[sta_normal_user]=$TOKEN_USERS [sta_service_user]=$TOKEN_USERS
	[sta_project_permission]=$TOKEN_USERS
	[sta_repo_permission]=$TOKEN_USERS
	[AO_C77861_AUDIT_ENTITY]="WHERE \"ACTION\" LIKE '%AccessToken%'"
)
TABLES="AO_E5A814_ACCESS_TOKEN AO_E5A814_ACCESS_TOKEN_PERM sta_normal_user
sta_service_user project repository sta_project_permission sta_repo_permission
sta_personal_project bb_project_alias bb_repository_alias sta_permission_type
AO_C77861_AUDIT_ENTITY"
{
	echo 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;'
	for t in $TABLES; do
		printf '\\copy (SELECT * FROM "%s" %s) TO '\''%s/%s.csv'\'' WITH (FORMAT csv, HEADER)\n' \
		    "$t" "${FILTER[$t]:-}" "$OUT/csv" "$t"
	done
	echo 'COMMIT;'
} >"$OUT/export.psql"
for t in $TABLES; do
	printf '.import --csv %s/csv/%s.csv %s\n' "$OUT" "$t" "$t"
done >"$OUT/import.sqlite"

# measure LABEL COMMAND...: one run, "seconds peak-KiB" from time(1).
measure() {
	local label=$1
	shift
	"$TIME" -o "$OUT/time" -f '%e %M' "$@" >/dev/null
	awk -v l="$label" '{ printf "%-44s %8s s %8.1f MB\n", l, $1, $2 / 1024 }' \
	    "$OUT/time"
}

cat <<'SQL' >"$OUT/count.sql"
SELECT (SELECT count(*) FROM "AO_E5A814_ACCESS_TOKEN") || ' tokens, ' ||
    (SELECT count(*) FROM "AO_E5A814_ACCESS_TOKEN_PERM") || ' PERM rows, ' ||
    (SELECT count(*) FROM sta_project_permission) +
    (SELECT count(*) FROM sta_repo_permission) ||
    ' project and repository permission rows';
SQL
echo "source: $(psql -AtX -d bench -f "$OUT/count.sql")"
mkdir "$OUT/csv"
measure "tokentrail snapshot" "$TT" snapshot -d bench -o "$OUT/snapshot.db"
measure "psql \\copy to CSV (export alone)" \
    psql -qX -v ON_ERROR_STOP=1 -d bench -f "$OUT/export.psql"
rm -f "$OUT"/csv/*
measure "psql \\copy + sqlite3 .import (by hand)" sh -c "
    psql -qX -v ON_ERROR_STOP=1 -d bench -f '$OUT/export.psql' &&
    sqlite3 '$OUT/manual.db' <'$OUT/import.sqlite'"
echo "snapshot rows: $(sqlite3 "$OUT/snapshot.db" "SELECT group_concat(
	substr(key, 6) || '=' || value, ' ') FROM tokentrail_meta
	WHERE key LIKE 'rows.%'")"
