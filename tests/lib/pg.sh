# tests/lib/pg.sh - a throwaway PostgreSQL server for the test suite.
#
# pg_start makes a cluster with initdb in a temporary directory, listening
# only on a Unix socket in that directory, and exports PGHOST, PGPORT,
# PGUSER and PGDATABASE for psql and tokentrail.  When run as root the
# server runs as the unprivileged "postgres" account, since PostgreSQL
# refuses to run as root.  pg_stop stops it and removes the directory; the
# caller arranges for pg_stop to run on every exit.
#
# Roles: "tt_admin" (superuser, trusted) and "tt_password" (password
# "s3cret-Pa55", scram-sha-256), for the authentication tests.

PG_TEST_PASSWORD='s3cret-Pa55'

pg_bindir() {
	local dir
	for dir in /usr/lib/postgresql/*/bin; do
		if [ -x "$dir/initdb" ]; then
			printf '%s\n' "$dir"
			return 0
		fi
	done
	command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" &&
		return 0
	echo "pg.sh: no PostgreSQL server binaries (initdb) found" >&2
	return 1
}

# Run a server-side command as the account that owns the cluster.
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A port that no TCP listener uses, so the socket name cannot clash with a
# server some other test run started in the same directory layout.
pg_free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	return 1
}

pg_start() {
	local bindir port
	bindir=$(pg_bindir) || return 1
	PG_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tokentrail-pg.XXXXXX") || return 1
	chmod 755 "$PG_TEST_DIR"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_TEST_DIR"
	port=$(pg_free_port) || return 1

	printf '%s\n' "$PG_TEST_PASSWORD" >"$PG_TEST_DIR/pwfile"
	[ "$(id -u)" = 0 ] && chown postgres "$PG_TEST_DIR/pwfile"
	if ! pg_as_owner "$bindir/initdb" -D "$PG_TEST_DIR/data" -U tt_admin \
	    --auth=trust --no-locale -E UTF8 >"$PG_TEST_DIR/initdb.log" 2>&1; then
		cat "$PG_TEST_DIR/initdb.log" >&2
		return 1
	fi
	cat >>"$PG_TEST_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$PG_TEST_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
CONF
	cat >"$PG_TEST_DIR/data/pg_hba.conf" <<HBA
local all tt_password scram-sha-256
local all all trust
HBA
	if ! pg_as_owner "$bindir/pg_ctl" -D "$PG_TEST_DIR/data" -w -t 60 \
	    -l "$PG_TEST_DIR/server.log" start >/dev/null; then
		cat "$PG_TEST_DIR/server.log" >&2
		return 1
	fi
	export PGHOST="$PG_TEST_DIR" PGPORT="$port" PGUSER=tt_admin
	export PGDATABASE=postgres
	unset PGPASSWORD PGSERVICE PGPASSFILE
	psql -qX -v ON_ERROR_STOP=1 -c \
	    "CREATE ROLE tt_password LOGIN PASSWORD '$PG_TEST_PASSWORD'" \
	    >/dev/null || return 1
}

pg_stop() {
	local bindir
	[ -n "${PG_TEST_DIR:-}" ] || return 0
	if [ -d "$PG_TEST_DIR/data" ]; then
		bindir=$(pg_bindir) &&
			pg_as_owner "$bindir/pg_ctl" -D "$PG_TEST_DIR/data" \
			    -m immediate stop >/dev/null 2>&1
	fi
	rm -rf "$PG_TEST_DIR"
	PG_TEST_DIR=
}

# Create database $1 from the SQL files that follow, as tt_admin.
pg_load() {
	local db=$1 file
	shift
	psql -qX -d postgres -v ON_ERROR_STOP=1 \
	    -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\"" \
	    >/dev/null || return 1
	for file in "$@"; do
		psql -qX -d "$db" -v ON_ERROR_STOP=1 -f "$file" >/dev/null ||
			return 1
	done
}
