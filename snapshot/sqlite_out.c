/* SPDX-License-Identifier: MIT */
/*
 * snapshot/sqlite_out.c - writes the SQLite snapshot.  The file is built
 * under a temporary name next to its final path with the journal and
 * syncing off (a crash leaves only a temporary file), inside one
 * transaction; only a file that passed PRAGMA integrity_check and fsync is
 * renamed into place, and the directory is synced after the rename.
 */
#include "snapshot/sqlite_out.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/diag.h"
#include "common/outfile.h"
#include "common/progress.h"
#include "common/version.h"

/*
 * Rows are inserted up to BATCH_ROWS at a time (fewer when SQLite's limit
 * on parameters demands) with one multi-row INSERT, which costs SQLite far
 * less per row than one statement per row.  The values wait in cells and
 * their text in an arena, flushed early once the arena holds BATCH_BYTES.
 */
#define BATCH_ROWS  32
#define BATCH_BYTES (1u << 20)

/* One value waiting to be inserted. */
struct cell {
	enum {
		CELL_NULL,
		CELL_INTEGER,
		CELL_TEXT
	} kind;
	long long integer;
	size_t off, len; /* CELL_TEXT: its bytes in sqlite_out.text */
};

struct sqlite_out {
	sqlite3 *db;
	struct progress *progress;  /* told of rows and tables, or NULL */
	char *path;                 /* the final name */
	char *tmp_path;             /* the file being built */
	bool is_force;              /* replace an existing path */
	sqlite3_stmt *meta;         /* insert into tokentrail_meta */
	sqlite3_stmt *insert;       /* insert one row into the current table */
	sqlite3_stmt *insert_batch; /* insert batch_rows rows */
	size_t batch_rows;          /* rows per batch for this table */
	struct cell *cells;         /* batch_rows rows of n_cols */
	size_t n_pending;           /* complete rows in cells */
	size_t n_set;               /* values set in the next row */
	char *text;                 /* arena of the cells' text */
	size_t text_len, text_cap, row_start; /* row_start: next row's text */
	const struct snapfmt_table *table;    /* catalog entry, or NULL */
	char *table_name;                     /* the current table */
	char **names;                         /* its columns */
	enum snapfmt_type *types;
	size_t n_cols;
	long long n_rows;         /* rows inserted into the current table */
	sqlite3_stmt *token_user; /* lookup of a token USER_ID, or NULL */
	sqlite3_stmt *owner_name; /* lookup of an owner's name, or NULL */
};

/* "could not <what> in snapshot <path>: <SQLite's reason>"; returns -1. */
static int
db_error(struct sqlite_out *out, const char *what)
{
	char quoted[DIAG_QUOTE_SIZE];

	return diag_error("could not %s in snapshot \"%s\": %s", what,
	    diag_quote_str(quoted, out->path), sqlite3_errmsg(out->db));
}

static int
exec_sql(struct sqlite_out *out, const char *sql, const char *what)
{
	if (sqlite3_exec(out->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(out, what);
	return 0;
}

static void
utc_now(char *dst, size_t cap)
{
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Make a temporary file next to path; stores its name in out->tmp_path. */
static int
create_tmp(struct sqlite_out *out)
{
	char quoted[DIAG_QUOTE_SIZE];
	const char *slash = strrchr(out->path, '/');
	int dir_len = slash ? (int)(slash - out->path + 1) : 0;
	size_t cap = strlen(out->path) + 32;
	int fd;

	out->tmp_path = malloc(cap);
	if (!out->tmp_path)
		return diag_error("out of memory");
	snprintf(out->tmp_path, cap, "%.*s.%s.tmp.XXXXXX", dir_len, out->path,
	    out->path + dir_len);
	fd = mkstemp(out->tmp_path);
	if (fd < 0) {
		diag_error_errno("could not create a temporary file for \"%s\"",
		    diag_quote_str(quoted, out->path));
		free(out->tmp_path);
		out->tmp_path = NULL;
		return -1;
	}
	close(fd);
	return 0;
}

static int
open_db(struct sqlite_out *out)
{
	static const char setup[] =
	    "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF;"
	    "PRAGMA synchronous = OFF;"
	    "PRAGMA cache_size = -4096; PRAGMA temp_store = FILE;"
	    "CREATE TABLE " SNAPFMT_META_TABLE
	    " (key TEXT PRIMARY KEY, value TEXT);"
	    "BEGIN;";
	static const char meta_sql[] =
	    "INSERT OR REPLACE INTO " SNAPFMT_META_TABLE " VALUES (?, ?)";

	if (sqlite3_open_v2(out->tmp_path, &out->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return db_error(out, "open the file");
	if (exec_sql(out, setup, "create the provenance table") < 0)
		return -1;
	if (sqlite3_prepare_v2(out->db, meta_sql, -1, &out->meta, NULL) !=
	    SQLITE_OK)
		return db_error(out, "prepare a statement");
	return 0;
}

struct sqlite_out *
sqlite_out_open(const char *path, bool force)
{
	struct sqlite_out *out;
	char quoted[DIAG_QUOTE_SIZE];
	char now[32];
	struct stat st;

	if (!force && lstat(path, &st) == 0) {
		diag_error("output file \"%s\" already exists",
		    diag_quote_str(quoted, path));
		diag_hint("Use -f to replace it.");
		return NULL;
	}
	out = calloc(1, sizeof(*out));
	if (!out || !(out->path = strdup(path))) {
		free(out);
		diag_error("out of memory");
		return NULL;
	}
	out->is_force = force;
	if (create_tmp(out) < 0 || open_db(out) < 0)
		goto fail;
	utc_now(now, sizeof(now));
	if (sqlite_out_meta(out, "started_utc", now) < 0)
		goto fail;
	return out;

fail:
	sqlite_out_abort(out);
	return NULL;
}

static void
release_table(struct sqlite_out *out)
{
	sqlite3_finalize(out->insert);
	sqlite3_finalize(out->insert_batch);
	out->insert = out->insert_batch = NULL;
	free(out->cells);
	out->cells = NULL;
	out->n_pending = out->n_set = 0;
	out->text_len = out->row_start = 0;
	for (size_t i = 0; i < out->n_cols; i++)
		free(out->names[i]);
	free(out->names);
	free(out->types);
	free(out->table_name);
	out->names = NULL;
	out->types = NULL;
	out->table_name = NULL;
	out->n_cols = 0;
	out->n_rows = 0;
	out->table = NULL;
}

static int
copy_columns(struct sqlite_out *out, size_t n_cols, const char *const *names,
    const enum snapfmt_type *types)
{
	out->names = calloc(n_cols, sizeof(*out->names));
	out->types = calloc(n_cols, sizeof(*out->types));
	if (!out->names || !out->types)
		return diag_error("out of memory");
	for (size_t i = 0; i < n_cols; i++) {
		out->names[i] = strdup(names[i]);
		if (!out->names[i])
			return diag_error("out of memory");
		out->n_cols = i + 1;
		out->types[i] = types[i];
	}
	return 0;
}

/* "INSERT INTO t VALUES (?, ?), (?, ?), ..." for n_rows rows. */
static char *
insert_sql(const struct sqlite_out *out, size_t n_rows)
{
	char *sql =
	    sqlite3_mprintf("INSERT INTO \"%w\" VALUES ", out->table_name);

	for (size_t r = 0; sql && r < n_rows; r++) {
		for (size_t i = 0; sql && i < out->n_cols; i++) {
			char *next = sqlite3_mprintf("%s%s?%s", sql,
			    i == 0 ? (r == 0 ? "(" : ", (") : "",
			    i + 1 < out->n_cols ? ", " : ")");

			sqlite3_free(sql);
			sql = next;
		}
	}
	return sql;
}

static char *
create_sql(const struct sqlite_out *out)
{
	char *sql = sqlite3_mprintf("CREATE TABLE \"%w\" (", out->table_name);

	for (size_t i = 0; sql && i < out->n_cols; i++) {
		char *next =
		    sqlite3_mprintf("%s\"%w\" %s%s", sql, out->names[i],
		        out->types[i] == SNAPFMT_TEXT ? "TEXT" : "INTEGER",
		        i + 1 < out->n_cols ? ", " : ")");

		sqlite3_free(sql);
		sql = next;
	}
	return sql;
}

/* Prepare the one-row and the batch insert of the current table. */
static int
prepare_inserts(struct sqlite_out *out)
{
	int max_params =
	    sqlite3_limit(out->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	char *one, *batch;
	int ret = -1;

	out->batch_rows = (size_t)max_params / out->n_cols;
	if (out->batch_rows > BATCH_ROWS)
		out->batch_rows = BATCH_ROWS;
	if (out->batch_rows == 0)
		out->batch_rows = 1;
	one = insert_sql(out, 1);
	batch = insert_sql(out, out->batch_rows);
	out->cells = calloc(out->batch_rows * out->n_cols, sizeof(*out->cells));
	if (!one || !batch || !out->cells)
		diag_error("out of memory");
	else if (sqlite3_prepare_v2(out->db, one, -1, &out->insert, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(out->db, batch, -1, &out->insert_batch, NULL) !=
	        SQLITE_OK)
		db_error(out, "prepare a statement");
	else
		ret = 0;
	sqlite3_free(one);
	sqlite3_free(batch);
	return ret;
}

int
sqlite_out_table_begin(struct sqlite_out *out, const char *table, size_t n_cols,
    const char *const *names, const enum snapfmt_type *types)
{
	char *create = NULL;
	int ret = -1;

	release_table(out);
	out->table = snapfmt_find_table(table);
	out->table_name = strdup(table);
	if (!out->table_name) {
		diag_error("out of memory");
		goto out;
	}
	if (n_cols == 0) {
		diag_error("table \"%s\" has no columns", table);
		goto out;
	}
	if (copy_columns(out, n_cols, names, types) < 0)
		goto out;
	create = create_sql(out);
	if (!create) {
		diag_error("out of memory");
		goto out;
	}
	if (exec_sql(out, create, "create a table") < 0 ||
	    prepare_inserts(out) < 0)
		goto out;
	ret = 0;
out:
	sqlite3_free(create);
	return ret;
}

/* Copy text into the arena; returns its offset in *off, or -1. */
static int
keep_text(struct sqlite_out *out, const char *text, size_t len, size_t *off)
{
	if (len > out->text_cap - out->text_len) {
		size_t cap = (out->text_len + len) * 2;
		char *grown = realloc(out->text, cap);

		if (!grown)
			return diag_error("out of memory");
		out->text = grown;
		out->text_cap = cap;
	}
	memcpy(out->text + out->text_len, text, len);
	*off = out->text_len;
	out->text_len += len;
	return 0;
}

int
sqlite_out_value(
    struct sqlite_out *out, size_t col, const char *text, size_t len)
{
	struct cell *c = &out->cells[out->n_pending * out->n_cols + col];
	int flag;

	c->kind = CELL_INTEGER;
	if (!text) {
		c->kind = CELL_NULL;
	} else if (out->types[col] == SNAPFMT_INTEGER) {
		if (snapfmt_parse_integer(text, len, &c->integer) < 0)
			return SQLITE_OUT_INVALID;
	} else if (out->types[col] == SNAPFMT_BOOLEAN) {
		if (snapfmt_parse_boolean(text, len, &flag) < 0)
			return SQLITE_OUT_INVALID;
		c->integer = flag;
	} else {
		c->kind = CELL_TEXT;
		c->len = len;
		if (keep_text(out, text, len, &c->off) < 0)
			return -1;
	}
	out->n_set++;
	return 0;
}

static int
bind_cell(
    struct sqlite_out *out, sqlite3_stmt *st, int idx, const struct cell *c)
{
	int rc;

	if (c->kind == CELL_NULL)
		rc = sqlite3_bind_null(st, idx);
	else if (c->kind == CELL_INTEGER)
		rc = sqlite3_bind_int64(st, idx, c->integer);
	else
		rc = sqlite3_bind_text64(st, idx, out->text + c->off, c->len,
		    SQLITE_STATIC, SQLITE_UTF8);
	if (rc != SQLITE_OK)
		return db_error(out, "store a value");
	return 0;
}

/* Insert rows [first, first + n_rows) of the cells with st. */
static int
insert_cells(
    struct sqlite_out *out, sqlite3_stmt *st, size_t first, size_t n_rows)
{
	const struct cell *c = &out->cells[first * out->n_cols];
	int rc;

	for (size_t i = 0; i < n_rows * out->n_cols; i++)
		if (bind_cell(out, st, (int)i + 1, &c[i]) < 0)
			return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(out, "insert a row");
	return 0;
}

/* Insert every pending row and empty the cells and the arena. */
static int
flush_rows(struct sqlite_out *out)
{
	if (out->n_pending == out->batch_rows) {
		if (insert_cells(out, out->insert_batch, 0, out->batch_rows) <
		    0)
			return -1;
	} else {
		for (size_t r = 0; r < out->n_pending; r++)
			if (insert_cells(out, out->insert, r, 1) < 0)
				return -1;
	}
	out->n_rows += (long long)out->n_pending;
	out->n_pending = 0;
	out->text_len = out->row_start = 0;
	return 0;
}

int
sqlite_out_row(struct sqlite_out *out)
{
	assert(out->n_set == out->n_cols);
	out->n_set = 0;
	out->n_pending++;
	if (out->progress)
		progress_advance(out->progress, out->text_len - out->row_start,
		    0);
	out->row_start = out->text_len;
	if (out->n_pending == out->batch_rows || out->text_len >= BATCH_BYTES)
		return flush_rows(out);
	return 0;
}

void
sqlite_out_skip_row(struct sqlite_out *out)
{
	out->n_set = 0;
	out->text_len = out->row_start;
}

static bool
has_column(const struct sqlite_out *out, const char *name, size_t len)
{
	for (size_t i = 0; i < out->n_cols; i++)
		if (strlen(out->names[i]) == len &&
		    memcmp(out->names[i], name, len) == 0)
			return true;
	return false;
}

/* Create one index "a,b" on the current table, if it has the columns. */
static int
create_index(struct sqlite_out *out, const char *spec)
{
	char *cols = sqlite3_mprintf(""), *sql;
	const char *p = spec;
	int ret;

	while (cols && *p) {
		size_t len = strcspn(p, ",");
		char *next;

		if (!has_column(out, p, len)) {
			sqlite3_free(cols);
			return 0;
		}
		next = sqlite3_mprintf(
		    "%s%s\"%.*w\"", cols, *cols ? ", " : "", (int)len, p);
		sqlite3_free(cols);
		cols = next;
		p += len + (p[len] == ',');
	}
	sql = sqlite3_mprintf("CREATE INDEX \"%w_%w\" ON \"%w\" (%s)",
	    out->table_name, spec, out->table_name, cols);
	sqlite3_free(cols);
	if (!sql)
		return diag_error("out of memory");
	ret = exec_sql(out, sql, "create an index");
	sqlite3_free(sql);
	return ret;
}

static int
record_table(struct sqlite_out *out)
{
	char *key = sqlite3_mprintf("rows.%s", out->table_name);
	char *value = sqlite3_mprintf("%lld", out->n_rows);
	int ret = -1;

	if (!key || !value || sqlite_out_meta(out, key, value) < 0)
		goto out;
	sqlite3_free(key);
	sqlite3_free(value);
	key = sqlite3_mprintf("columns.%s", out->table_name);
	value = sqlite3_mprintf("");
	for (size_t i = 0; value && i < out->n_cols; i++) {
		char *next = sqlite3_mprintf(
		    "%s%s%s", value, i ? "," : "", out->names[i]);

		sqlite3_free(value);
		value = next;
	}
	if (!key || !value || sqlite_out_meta(out, key, value) < 0)
		goto out;
	ret = 0;
out:
	if (!key || !value)
		diag_error("out of memory");
	sqlite3_free(key);
	sqlite3_free(value);
	return ret;
}

int
sqlite_out_table_end(struct sqlite_out *out)
{
	if (flush_rows(out) < 0)
		return -1;
	if (out->table) {
		for (const char *const *ix = out->table->indexes; *ix; ix++)
			if (create_index(out, *ix) < 0)
				return -1;
	}
	if (record_table(out) < 0)
		return -1;
	release_table(out);
	if (out->progress)
		progress_advance(out->progress, 0, 1);
	return 0;
}

void
sqlite_out_set_progress(struct sqlite_out *out, struct progress *progress)
{
	out->progress = progress;
}

int
sqlite_out_is_token_user(
    struct sqlite_out *out, long long user_id, bool *is_token_user)
{
	static const char sql[] =
	    "SELECT 1 FROM \"" SNAPFMT_TOKEN_TABLE
	    "\" WHERE \"" SNAPFMT_TOKEN_USER_COLUMN "\" = ? LIMIT 1";
	int rc;

	if (!out->token_user &&
	    sqlite3_prepare_v2(out->db, sql, -1, &out->token_user, NULL) !=
	        SQLITE_OK)
		return db_error(out, "look up token owners");
	sqlite3_bind_int64(out->token_user, 1, user_id);
	rc = sqlite3_step(out->token_user);
	sqlite3_reset(out->token_user);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(out, "look up token owners");
	*is_token_user = rc == SQLITE_ROW;
	return 0;
}

int
sqlite_out_is_owner_name(
    struct sqlite_out *out, const char *name, size_t len, bool *is_owner)
{
	static const char sql[] =
	    "SELECT 1 FROM \"" SNAPFMT_OWNER_TABLE "\" WHERE \""
	    SNAPFMT_OWNER_NAME_COLUMN "\" = ? LIMIT 1";
	int rc;

	if (!out->owner_name &&
	    sqlite3_prepare_v2(out->db, sql, -1, &out->owner_name, NULL) !=
	        SQLITE_OK)
		return db_error(out, "look up token owners");
	sqlite3_bind_text(out->owner_name, 1, name, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(out->owner_name);
	sqlite3_reset(out->owner_name);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(out, "look up token owners");
	*is_owner = rc == SQLITE_ROW;
	return 0;
}

int
sqlite_out_meta(struct sqlite_out *out, const char *key, const char *value)
{
	int rc;

	sqlite3_bind_text(out->meta, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(out->meta, 2, value, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(out->meta);
	sqlite3_reset(out->meta);
	if (rc != SQLITE_DONE)
		return db_error(out, "record provenance");
	return 0;
}

static int
write_trailer(struct sqlite_out *out)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d", SNAPFMT_VERSION);
	if (sqlite_out_meta(out, "format_version", buf) < 0 ||
	    sqlite_out_meta(out, "tool_version", TOKENTRAIL_VERSION) < 0)
		return -1;
	utc_now(buf, sizeof(buf));
	if (sqlite_out_meta(out, "finished_utc", buf) < 0)
		return -1;
	snprintf(buf, sizeof(buf),
	    "PRAGMA application_id = %d; PRAGMA user_version = %d;",
	    SNAPFMT_APPLICATION_ID, SNAPFMT_VERSION);
	if (exec_sql(out, "COMMIT", "commit") < 0 ||
	    exec_sql(out, buf, "set the format version") < 0)
		return -1;
	return 0;
}

static int
check_integrity(struct sqlite_out *out)
{
	char quoted[DIAG_QUOTE_SIZE];
	sqlite3_stmt *st = NULL;
	const char *result;
	int ret = -1;

	if (sqlite3_prepare_v2(out->db, "PRAGMA integrity_check", -1, &st,
	        NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		db_error(out, "check integrity");
		goto out;
	}
	result = (const char *)sqlite3_column_text(st, 0);
	if (!result || strcmp(result, "ok") != 0) {
		diag_error("snapshot \"%s\" failed its integrity check: %s",
		    diag_quote_str(quoted, out->path),
		    result ? result : "no result");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* Close the database and fsync the file. */
static int
close_and_sync(struct sqlite_out *out)
{
	char quoted[DIAG_QUOTE_SIZE];
	int fd, rc;

	sqlite3_finalize(out->meta);
	sqlite3_finalize(out->token_user);
	sqlite3_finalize(out->owner_name);
	out->meta = out->token_user = out->owner_name = NULL;
	rc = sqlite3_close(out->db);
	if (rc != SQLITE_OK)
		return db_error(out, "close the file");
	out->db = NULL;
	fd = open(out->tmp_path, O_RDONLY);
	if (fd < 0 || fsync(fd) != 0) {
		diag_error_errno("could not sync snapshot \"%s\"",
		    diag_quote_str(quoted, out->path));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

/* Move tmp_path to path; without force, never over an existing file. */
static int
move_into_place(struct sqlite_out *out)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (out->is_force) {
		if (rename(out->tmp_path, out->path) != 0)
			return diag_error_errno("could not rename \"%s\" to "
			                        "\"%s\"",
			    out->tmp_path, diag_quote_str(quoted, out->path));
		return 0;
	}
	if (link(out->tmp_path, out->path) != 0) {
		if (errno == EEXIST) {
			diag_error("output file \"%s\" already exists",
			    diag_quote_str(quoted, out->path));
			diag_hint("Use -f to replace it.");
		} else
			diag_error_errno("could not create file \"%s\"",
			    diag_quote_str(quoted, out->path));
		return -1;
	}
	unlink(out->tmp_path);
	return 0;
}

int
sqlite_out_commit(struct sqlite_out *out)
{
	int ret = -1;

	release_table(out);
	if (write_trailer(out) < 0 || check_integrity(out) < 0 ||
	    close_and_sync(out) < 0 || move_into_place(out) < 0)
		goto out;
	/* The rename itself survives a crash only once the directory is
	 * synced too. */
	if (outfile_sync_dir(out->path) != 0)
		goto out;
	ret = 0;
out:
	sqlite_out_abort(out);
	return ret;
}

const char *
sqlite_out_tmp_path(const struct sqlite_out *out)
{
	return out->tmp_path;
}

void
sqlite_out_abort(struct sqlite_out *out)
{
	if (!out)
		return;
	release_table(out);
	sqlite3_finalize(out->meta);
	sqlite3_finalize(out->token_user);
	sqlite3_finalize(out->owner_name);
	sqlite3_close(out->db);
	if (out->tmp_path)
		unlink(out->tmp_path);
	free(out->tmp_path);
	free(out->path);
	free(out->text);
	free(out);
}
