/* SPDX-License-Identifier: MIT */
/*
 * snapshot/pgexport.c - PostgreSQL side of "tokentrail snapshot".  Columns
 * are discovered in the catalog (schema drift between Bitbucket versions),
 * rows stream through COPY ... TO STDOUT in text format, one line per row:
 *
 *	754995254613\t2021-06-01 08:02:24.219\t\N\tadmin\\ttoken
 *
 * (tab-separated, \N is NULL, backslash escapes), so memory stays flat.
 */
#include "snapshot/pgexport.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/diag.h"
#include "common/snapfmt.h"
#include "snapshot/pgstream.h"

/* Longest server or libpq message passed on, after escaping. */
#define MESSAGE_MAX 1024
/* Longest query text built for one table. */
#define QUERY_MAX 16384

/* Type oids of pg_catalog, fixed since PostgreSQL 7. */
#define BOOLOID 16
#define INT8OID 20
#define INT2OID 21
#define INT4OID 23

/* The exported columns of one table, as found in the catalog. */
struct pg_columns {
	PGresult *res;      /* (attname, atttypid) rows */
	size_t n;           /* number of columns */
	const char **names; /* into res */
	enum snapfmt_type *types;
};

/*
 * Copy a libpq or server message into dst, one line, with trailing
 * newlines dropped, line breaks as spaces and every other byte outside
 * printable ASCII as \xNN: server text can hold anything.
 */
static const char *
clean_message(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0;

	for (; src && *src && len + 5 < cap; src++) {
		unsigned char c = (unsigned char)*src;

		if (c == '\n' || c == '\t') {
			if (len > 0 && dst[len - 1] != ' ')
				dst[len++] = ' ';
		} else if (c >= 0x20 && c < 0x7f) {
			dst[len++] = (char)c;
		} else {
			dst[len++] = '\\';
			dst[len++] = 'x';
			dst[len++] = hex[c >> 4];
			dst[len++] = hex[c & 0xf];
		}
	}
	while (len > 0 && dst[len - 1] == ' ')
		len--;
	dst[len] = '\0';
	return dst;
}

/* The primary message of a failed result, or the connection's message. */
static const char *
result_message(char *dst, size_t cap, PGconn *conn, const PGresult *res)
{
	const char *primary =
	    res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	return clean_message(
	    dst, cap, primary ? primary : PQerrorMessage(conn));
}

/*
 * Run sql with text parameters and check that it ends with status expect.
 * Returns the result, which the caller PQclear()s, or NULL after
 * reporting "could not <what>" and the server's reason.
 */
static PGresult *
run_query(PGconn *conn, const char *sql, int n_params,
    const char *const *params, ExecStatusType expect, const char *what)
{
	char msg[MESSAGE_MAX];
	PGresult *res;

	res = PQexecParams(conn, sql, n_params, NULL, params, NULL, NULL, 0);
	if (res && PQresultStatus(res) == expect)
		return res;
	diag_error("could not %s", what);
	diag_detail("%s", result_message(msg, sizeof(msg), conn, res));
	PQclear(res);
	return NULL;
}

static int
run_command(PGconn *conn, const char *sql, const char *what)
{
	PGresult *res = run_query(conn, sql, 0, NULL, PGRES_COMMAND_OK, what);

	PQclear(res);
	return res ? 0 : -1;
}

/* Whether s[0..len) is a connection keyword such as "port". */
static bool
is_keyword(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_')
			return false;
	}
	return true;
}

/*
 * Whether a quoted excerpt of libpq's reason may be shown: a keyword such
 * as "port", or a one-character separator such as "=" that is not the
 * last excerpt (the last one is what libpq found wrong).
 */
static bool
is_shown_excerpt(const char *s, size_t len, bool is_last)
{
	return is_keyword(s, len) || (!is_last && len <= 1);
}

/*
 * Copy libpq's reason for refusing a connection string into dst, with
 * every quoted excerpt that could be part of the string masked as "...":
 * libpq quotes a whole URI or a percent-encoded password there.  When the
 * string itself holds a quote, excerpts cannot be told apart and the
 * reason is cut at its first quote.  An excerpt whose closing quote fell
 * beyond the length limit of messages is masked too.
 */
static const char *
mask_excerpts(char *dst, size_t cap, const char *src, bool has_quote)
{
	const char *last = strrchr(src, '"');
	size_t len = 0;

	for (const char *p = src; *p && len + 6 < cap; p++) {
		const char *close = *p == '"' ? strchr(p + 1, '"') : NULL;
		size_t n;

		if (*p != '"') {
			dst[len++] = *p;
			continue;
		}
		/* No closing quote: the message was cut inside an excerpt. */
		if (!close || has_quote) {
			memcpy(dst + len, "\"...\"", 5);
			len += 5;
			break;
		}
		n = (size_t)(close - p - 1);
		if (is_shown_excerpt(p + 1, n, close == last) &&
		    len + n + 8 < cap) {
			memcpy(dst + len, p, n + 2);
			len += n + 2;
		} else {
			memcpy(dst + len, "\"...\"", 5);
			len += 5;
		}
		p = close;
	}
	dst[len] = '\0';
	return dst;
}

static bool
is_uri(const char *conninfo)
{
	return strncmp(conninfo, "postgresql://", 13) == 0 ||
	    strncmp(conninfo, "postgres://", 11) == 0;
}

/*
 * Whether libpq reads conninfo as a connection string rather than as a
 * database name, as psql -d does: a URI, or a string holding "=".
 */
static bool
is_connection_string(const char *conninfo)
{
	return is_uri(conninfo) || strchr(conninfo, '=') != NULL;
}

/*
 * Whether a parsed host holds "@".  In a URI that means a user name or
 * password with an unencoded "@", whose rest became the host.
 */
static bool
has_host_with_at(const PQconninfoOption *opts)
{
	for (const PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "host") == 0 && o->val &&
		    strchr(o->val, '@') != NULL)
			return true;
	return false;
}

/*
 * Check that a connection string parses before connecting, so that
 * libpq's parse errors, which quote the string, never show a password.
 * Returns 0, or -1 after reporting it.
 */
static int
check_conninfo(const char *conninfo)
{
	char msg[MESSAGE_MAX], masked[MESSAGE_MAX];
	PQconninfoOption *opts;
	char *err = NULL;

	if (!conninfo || !is_connection_string(conninfo))
		return 0;
	opts = PQconninfoParse(conninfo, &err);
	if (opts) {
		bool is_split = is_uri(conninfo) && has_host_with_at(opts);

		PQconninfoFree(opts);
		if (!is_split)
			return 0;
		/* The host would be looked up, and echoed, with the rest. */
		diag_error("invalid connection string given with -d");
		diag_detail(
		    "A host name in the URI holds \"@\": libpq ends the "
		    "user name and password at the first \"@\".");
		diag_hint("Write an \"@\" in the user name or password as "
		          "\"%%40\".");
		return -1;
	}
	diag_error("invalid connection string given with -d");
	if (err) {
		bool has_quote = strchr(conninfo, '"') != NULL;

		clean_message(msg, sizeof(msg), err);
		mask_excerpts(masked, sizeof(masked), msg, has_quote);
		diag_detail("%s", masked);
	}
	PQfreemem(err);
	return -1;
}

static PGconn *
connect_db(const char *conninfo)
{
	const char *const keys[] = { "dbname", "fallback_application_name",
		NULL };
	const char *const values[] = { conninfo, "tokentrail", NULL };
	char msg[MESSAGE_MAX];
	PGconn *conn;

	if (check_conninfo(conninfo) < 0)
		return NULL;
	conn = PQconnectdbParams(keys, values, 1);
	if (!conn) {
		diag_error("out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		diag_error("could not connect to the database server");
		diag_detail("%s",
		    clean_message(msg, sizeof(msg), PQerrorMessage(conn)));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Pin the settings that decide how values print, then start reading. */
static int
start_session(PGconn *conn)
{
	static const char settings[] =
	    "SELECT pg_catalog.set_config('search_path', 'pg_catalog', false),"
	    " pg_catalog.set_config('DateStyle', 'ISO, YMD', false),"
	    " pg_catalog.set_config('IntervalStyle', 'postgres', false),"
	    " pg_catalog.set_config('extra_float_digits', '3', false)";
	PGresult *res;

	res = run_query(conn, settings, 0, NULL, PGRES_TUPLES_OK,
	    "set up the database session");
	if (!res)
		return -1;
	PQclear(res);
	if (PQsetClientEncoding(conn, "UTF8") != 0) {
		char msg[MESSAGE_MAX];

		diag_error("could not set the client encoding to UTF8");
		diag_detail("%s",
		    clean_message(msg, sizeof(msg), PQerrorMessage(conn)));
		return -1;
	}
	return run_command(conn,
	    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
	    "start a read-only transaction");
}

static int
record_source(PGconn *conn, const char *schema, struct sqlite_out *out)
{
	/* reset_val is the session's starting zone, which PGTZ or PGOPTIONS
	 * can set from the client; source says whether they did.  The zone
	 * in the server's own configuration is readable by superusers only. */
	static const char tz_sql[] = "SELECT reset_val, source FROM pg_settings"
	                             " WHERE name = 'TimeZone'";
	PGresult *res;
	int ret = 0;

	res = run_query(conn, tz_sql, 0, NULL, PGRES_TUPLES_OK,
	    "read the server's time zone");
	if (!res)
		return -1;
	const char *const meta[][2] = {
		{ "source", "postgresql" },
		{ "host", PQhost(conn) },
		{ "port", PQport(conn) },
		{ "database", PQdb(conn) },
		{ "user", PQuser(conn) },
		{ "server_version", PQparameterStatus(conn, "server_version") },
		{ "server_timezone",
		    PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : NULL },
		{ "server_timezone_source",
		    PQntuples(res) == 1 ? PQgetvalue(res, 0, 1) : NULL },
		{ "schema", schema },
	};
	for (size_t i = 0; ret == 0 && i < sizeof(meta) / sizeof(meta[0]); i++)
		ret = sqlite_out_meta(
		    out, meta[i][0], meta[i][1] ? meta[i][1] : "");
	PQclear(res);
	return ret;
}

static void
release_columns(struct pg_columns *cols)
{
	PQclear(cols->res);
	free(cols->names);
	free(cols->types);
	memset(cols, 0, sizeof(*cols));
}

static enum snapfmt_type
type_of_oid(const char *oid)
{
	long n = strtol(oid, NULL, 10);

	if (n == INT2OID || n == INT4OID || n == INT8OID)
		return SNAPFMT_INTEGER;
	if (n == BOOLOID)
		return SNAPFMT_BOOLEAN;
	return SNAPFMT_TEXT;
}

/* Find the columns of schema.table; cols->n is 0 when there is no table. */
static int
discover_columns(PGconn *conn, const char *schema, const char *table,
    struct pg_columns *cols)
{
	static const char sql[] =
	    "SELECT a.attname, a.atttypid FROM pg_catalog.pg_attribute a"
	    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
	    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE n.nspname = $1 AND c.relname = $2"
	    " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
	    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
	const char *const params[] = { schema, table };

	cols->res = run_query(
	    conn, sql, 2, params, PGRES_TUPLES_OK, "read the catalog");
	if (!cols->res)
		return -1;
	cols->n = (size_t)PQntuples(cols->res);
	cols->names = calloc(cols->n + 1, sizeof(*cols->names));
	cols->types = calloc(cols->n + 1, sizeof(*cols->types));
	if (!cols->names || !cols->types)
		return diag_error("out of memory");
	for (size_t i = 0; i < cols->n; i++) {
		cols->names[i] = PQgetvalue(cols->res, (int)i, 0);
		cols->types[i] = type_of_oid(PQgetvalue(cols->res, (int)i, 1));
	}
	return 0;
}

/* For a table with fixed columns, drop the columns the catalog does not
 * list, so that credentials beside them are never read. */
static void
keep_catalog_columns(const struct snapfmt_table *t, struct pg_columns *cols)
{
	size_t kept = 0;

	if (!t->has_fixed_columns)
		return;
	for (size_t i = 0; i < cols->n; i++) {
		bool is_listed = false;

		for (const struct snapfmt_column *c = t->columns; c->name; c++)
			is_listed |= strcmp(c->name, cols->names[i]) == 0;
		if (!is_listed)
			continue;
		cols->names[kept] = cols->names[i];
		cols->types[kept++] = cols->types[i];
	}
	cols->n = kept;
}

static int
check_required(const struct snapfmt_table *t, const struct pg_columns *cols,
    const char *schema)
{
	char quoted[DIAG_QUOTE_SIZE];

	for (const struct snapfmt_column *c = t->columns; c->name; c++) {
		bool found = false;

		if (!c->is_required)
			continue;
		for (size_t i = 0; i < cols->n && !found; i++)
			found = strcmp(cols->names[i], c->name) == 0;
		if (!found)
			return diag_error(
			    "table \"%s\" in schema \"%s\" has no "
			    "column \"%s\", which tokentrail "
			    "needs",
			    t->name, diag_quote_str(quoted, schema), c->name);
	}
	return 0;
}

/* Append the escaped identifier id to sql; returns -1 on failure. */
static int
append_ident(PGconn *conn, char *sql, size_t cap, const char *id)
{
	char *esc = PQescapeIdentifier(conn, id, strlen(id));
	size_t len = strlen(sql);
	int n;

	if (!esc)
		return diag_error("out of memory");
	n = snprintf(sql + len, cap - len, "%s", esc);
	PQfreemem(esc);
	if (n < 0 || (size_t)n >= cap - len)
		return diag_error("query for the table is too long");
	return 0;
}

static int
append_text(char *sql, size_t cap, const char *text)
{
	size_t len = strlen(sql);
	int n = snprintf(sql + len, cap - len, "%s", text);

	if (n < 0 || (size_t)n >= cap - len)
		return diag_error("query for the table is too long");
	return 0;
}

/* schema.table, both quoted as identifiers. */
static int
append_table(
    PGconn *conn, char *sql, size_t cap, const char *schema, const char *table)
{
	if (append_ident(conn, sql, cap, schema) < 0 ||
	    append_text(sql, cap, ".") < 0 ||
	    append_ident(conn, sql, cap, table) < 0)
		return -1;
	return 0;
}

static int
append_filter(PGconn *conn, char *sql, size_t cap, const char *schema,
    enum snapfmt_rows rows)
{
	switch (rows) {
	case SNAPFMT_ALL_ROWS:
		return 0;
	case SNAPFMT_TOKEN_USERS:
		if (append_text(sql, cap,
		        " WHERE " SNAPFMT_USER_FILTER_COLUMN
		        " IN (SELECT \"" SNAPFMT_TOKEN_USER_COLUMN
		        "\" FROM ") < 0 ||
		    append_table(conn, sql, cap, schema, SNAPFMT_TOKEN_TABLE) <
		        0)
			return -1;
		return append_text(sql, cap, ")");
	case SNAPFMT_TOKEN_AUDIT:
		return append_text(sql, cap,
		    " WHERE pg_catalog.strpos(\"" SNAPFMT_AUDIT_FILTER_COLUMN
		    "\", '" SNAPFMT_AUDIT_MARK "') > 0");
	case SNAPFMT_OWNER_NAMES:
		if (append_text(sql, cap,
		        " WHERE " SNAPFMT_OWNER_FILTER_COLUMN
		        " IN (SELECT " SNAPFMT_OWNER_NAME_COLUMN
		        " FROM ") < 0 ||
		    append_table(conn, sql, cap, schema, SNAPFMT_OWNER_TABLE) <
		        0 ||
		    append_filter(conn, sql, cap, schema, SNAPFMT_TOKEN_USERS) <
		        0)
			return -1;
		return append_text(sql, cap, ")");
	}
	return 0;
}

/* "SELECT cols FROM schema.table [WHERE filter]" into sql. */
static int
build_select(PGconn *conn, const struct snapfmt_table *t,
    const struct pg_columns *cols, const char *schema, char *sql, size_t cap)
{
	sql[0] = '\0';
	if (append_text(sql, cap, "SELECT ") < 0)
		return -1;
	for (size_t i = 0; i < cols->n; i++)
		if ((i > 0 && append_text(sql, cap, ", ") < 0) ||
		    append_ident(conn, sql, cap, cols->names[i]) < 0)
			return -1;
	if (append_text(sql, cap, " FROM ") < 0 ||
	    append_table(conn, sql, cap, schema, t->name) < 0)
		return -1;
	return append_filter(conn, sql, cap, schema, t->rows);
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo COPY's text escapes in s[0..len) in place; returns the new length. */
static size_t
unescape_field(char *s, size_t len)
{
	static const char from[] = "bfnrtv", to[] = "\b\f\n\r\t\v";
	size_t r = 0, w = 0;

	while (r < len) {
		const char *p;
		int v = 0, n = 0;

		if (s[r] != '\\' || r + 1 == len) {
			s[w++] = s[r++];
			continue;
		}
		r++;
		if ((p = strchr(from, s[r])) && *p) {
			s[w++] = to[p - from];
			r++;
		} else if (s[r] >= '0' && s[r] <= '7') {
			for (; n < 3 && r < len && s[r] >= '0' && s[r] <= '7';
			     n++)
				v = v * 8 + (s[r++] - '0');
			s[w++] = (char)v;
		} else if (s[r] == 'x' && r + 1 < len &&
		    hex_digit(s[r + 1]) >= 0) {
			for (r++; n < 2 && r < len && hex_digit(s[r]) >= 0; n++)
				v = v * 16 + hex_digit(s[r++]);
			s[w++] = (char)v;
		} else
			s[w++] = s[r++];
	}
	return w;
}

/* Split one COPY line into its columns and give them to the sink. */
static int
copy_row(char *line, size_t len, size_t n_cols, struct sqlite_out *out,
    const char *table)
{
	char *p = line, *end = line + len;
	size_t col = 0;

	if (len > 0 && end[-1] == '\n')
		end--;
	for (; col < n_cols && p <= end; col++) {
		char *tab = memchr(p, '\t', (size_t)(end - p));
		char *f = p;
		size_t flen = (size_t)((tab ? tab : end) - p);

		if (flen == 2 && f[0] == '\\' && f[1] == 'N')
			f = NULL;
		else if (memchr(f, '\\', flen))
			flen = unescape_field(f, flen);
		if (sqlite_out_value(out, col, f, flen) != 0)
			return diag_error("invalid value in table %s from the "
			                  "server",
			    table);
		p = tab ? tab + 1 : end + 1;
	}
	if (col != n_cols || p <= end)
		return diag_error("unexpected row format in table %s from the "
		                  "server",
		    table);
	return sqlite_out_row(out);
}

/*
 * Read the COPY stream that the server has started, on a reader thread.
 * On a failure of our own the stream is abandoned mid-COPY; the caller
 * then only closes the connection.
 */
static int
copy_rows(PGconn *conn, size_t n_cols, struct sqlite_out *out, const char *what)
{
	struct pgstream *s = pgstream_open(conn);
	char msg[MESSAGE_MAX];
	PGresult *res;
	char *line;
	int len, ret = 0;

	if (!s)
		return -1;
	while (ret == 0 && (len = pgstream_next(s, &line)) > 0) {
		ret = copy_row(line, (size_t)len, n_cols, out, what);
		PQfreemem(line);
	}
	len = pgstream_close(s);
	if (ret < 0)
		return -1;
	res = PQgetResult(conn);
	if (len != -1 || PQresultStatus(res) != PGRES_COMMAND_OK) {
		diag_error("could not read table %s", what);
		diag_detail("%s", result_message(msg, sizeof(msg), conn, res));
		ret = -1;
	}
	while (res) {
		PQclear(res);
		res = PQgetResult(conn);
	}
	return ret;
}

static int
stream_table(PGconn *conn, const char *select, size_t n_cols,
    struct sqlite_out *out, const char *what)
{
	char copy[QUERY_MAX + 64];
	char msg[MESSAGE_MAX];
	PGresult *res;

	snprintf(copy, sizeof(copy), "COPY (%s) TO STDOUT", select);
	res = PQexec(conn, copy);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		diag_error("could not read table %s", what);
		diag_detail("%s", result_message(msg, sizeof(msg), conn, res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return copy_rows(conn, n_cols, out, what);
}

static int
missing_table(const struct snapfmt_table *t, const char *schema)
{
	char quoted[DIAG_QUOTE_SIZE];

	diag_error("table \"%s\" not found in schema \"%s\"", t->name,
	    diag_quote_str(quoted, schema));
	if (strcmp(t->name, SNAPFMT_TOKEN_TABLE) == 0) {
		diag_detail("This does not look like a Bitbucket database.");
		diag_hint("Use --schema to name the schema that holds the "
		          "Bitbucket tables.");
	}
	return -1;
}

/* Write '"table" in schema "schema"' to dst, for messages. */
static void
describe_table(char *dst, size_t cap, const char *table, const char *schema)
{
	char quoted[DIAG_QUOTE_SIZE];

	snprintf(dst, cap, "\"%s\" in schema \"%s\"", table,
	    diag_quote_str(quoted, schema));
}

static int
export_table(PGconn *conn, const struct snapfmt_table *t, const char *schema,
    struct sqlite_out *out)
{
	struct pg_columns cols = { 0 };
	char select[QUERY_MAX], key[128], what[DIAG_QUOTE_SIZE + 160];
	int ret = -1;

	if (discover_columns(conn, schema, t->name, &cols) < 0)
		goto out;
	if (cols.n == 0) {
		ret = t->is_required ? missing_table(t, schema) : 0;
		goto out;
	}
	keep_catalog_columns(t, &cols);
	describe_table(what, sizeof(what), t->name, schema);
	snprintf(key, sizeof(key), "query.%s", t->name);
	if (check_required(t, &cols, schema) < 0 ||
	    build_select(conn, t, &cols, schema, select, sizeof(select)) < 0 ||
	    sqlite_out_meta(out, key, select) < 0 ||
	    sqlite_out_table_begin(
	        out, t->name, cols.n, cols.names, cols.types) < 0 ||
	    stream_table(conn, select, cols.n, out, what) < 0 ||
	    sqlite_out_table_end(out) < 0)
		goto out;
	ret = 0;
out:
	release_columns(&cols);
	return ret;
}

int
pgexport_run(const struct pgexport_options *opts, struct sqlite_out *out)
{
	PGconn *conn = connect_db(opts->conninfo);
	int ret = -1;

	if (!conn)
		return -1;
	if (start_session(conn) < 0 ||
	    record_source(conn, opts->schema, out) < 0)
		goto out;
	for (const struct snapfmt_table *t = snapfmt_tables; t->name; t++)
		if (export_table(conn, t, opts->schema, out) < 0)
			goto out;
	if (run_command(conn, "COMMIT", "end the transaction") < 0)
		goto out;
	ret = 0;
out:
	PQfinish(conn);
	return ret;
}
