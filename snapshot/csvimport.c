/* SPDX-License-Identifier: MIT */
/*
 * snapshot/csvimport.c - the CSV route into the snapshot sink.  libcsv
 * parses in strict mode; the file is fed to it one physical line at a time
 * so that every error names its line.  Sample input (psql's CSV format):
 *
 *	CREATED_DATE,EXPIRY_DAYS,HASHED_TOKEN,LAST_AUTHENTICATED,NAME,...
 *	2021-06-01 08:02:24.219,,{PKCS5S2}abc...,,"ci, nightly",...
 */
#include "snapshot/csvimport.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "common/diag.h"
#include "common/snapfmt.h"

#define READ_BLOCK 65536
#define NO_COLUMN  SIZE_MAX

/* The state of loading one file, shared with the libcsv callbacks. */
struct csv_load {
	const struct snapfmt_table *table;
	struct sqlite_out *out;
	const char *path;
	unsigned long long line;      /* physical line being parsed */
	unsigned long long row_line;  /* line where the current record began */
	unsigned long long last_line; /* last line that held any byte */
	bool in_header;               /* the first record is the header */
	char **names;                 /* header fields */
	enum snapfmt_type *types;
	size_t n_cols;
	size_t *out_col;   /* snapshot column of each field, or NO_COLUMN
	                      for a field the table's fixed columns leave out */
	size_t field;      /* index of the next field of the record */
	size_t filter_col; /* column the row filter reads, or NO_COLUMN */
	bool keep;         /* the current row passes the filter */
	int status;        /* 0, or -1 once a problem was reported */
};

static int
add_name(struct csv_load *ld, const char *name, size_t len)
{
	char **names = realloc(ld->names, (ld->n_cols + 1) * sizeof(*names));
	char quoted[DIAG_QUOTE_SIZE];

	if (!names)
		return diag_error("out of memory");
	ld->names = names;
	if (!name || len == 0)
		return diag_error_at(ld->path, ld->line, "empty column name");
	for (size_t i = 0; i < ld->n_cols; i++)
		if (strcmp(ld->names[i], name) == 0)
			return diag_error_at(ld->path, ld->line,
			    "duplicate column \"%s\"",
			    diag_quote(quoted, name, len));
	ld->names[ld->n_cols] = strdup(name);
	if (!ld->names[ld->n_cols])
		return diag_error("out of memory");
	ld->n_cols++;
	return 0;
}

/* Decide whether the row is kept, from the filter column's value. */
static int
filter_value(struct csv_load *ld, const char *s, size_t len)
{
	long long user_id;

	if (ld->table->rows == SNAPFMT_TOKEN_AUDIT) {
		ld->keep = s && snapfmt_is_token_audit(s, len);
		return 0;
	}
	if (ld->table->rows == SNAPFMT_OWNER_NAMES) {
		ld->keep = false;
		return s ? sqlite_out_is_owner_name(ld->out, s, len, &ld->keep)
			 : 0;
	}
	ld->keep = false;
	if (!s || snapfmt_parse_integer(s, len, &user_id) < 0)
		return 0;
	return sqlite_out_is_token_user(ld->out, user_id, &ld->keep);
}

static int
data_field(struct csv_load *ld, const char *s, size_t len)
{
	char quoted[DIAG_QUOTE_SIZE], quoted_col[DIAG_QUOTE_SIZE];
	size_t col = ld->field;
	int rc;

	if (col >= ld->n_cols)
		return 0; /* counted and reported at the end of the record */
	if (ld->out_col[col] == NO_COLUMN)
		return 0; /* never read: it may hold a credential */
	if (s && memchr(s, '\0', len))
		return diag_error_at(ld->path, ld->row_line,
		    "NUL byte in column \"%s\"",
		    diag_quote_str(quoted, ld->names[col]));
	rc = sqlite_out_value(ld->out, ld->out_col[col], s, len);
	if (rc == SQLITE_OUT_INVALID)
		return diag_error_at(ld->path, ld->row_line,
		    "invalid %s \"%s\" in column \"%s\"",
		    ld->types[ld->out_col[col]] == SNAPFMT_BOOLEAN ? "boolean"
								  : "integer",
		    diag_quote(quoted, s, len),
		    diag_quote_str(quoted_col, ld->names[col]));
	if (rc < 0)
		return -1;
	if (col == ld->filter_col)
		return filter_value(ld, s, len);
	return 0;
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csv_load *ld = data;

	if (ld->status < 0)
		return;
	if (ld->field == 0)
		ld->row_line = ld->line;
	if (ld->in_header)
		ld->status = add_name(ld, s, len);
	else
		ld->status = data_field(ld, s, len);
	ld->field++;
}

static int
check_header(struct csv_load *ld)
{
	const struct snapfmt_table *t = ld->table;

	for (const struct snapfmt_column *c = t->columns; c->name; c++) {
		bool found = false;

		for (size_t i = 0; i < ld->n_cols && !found; i++)
			found = strcmp(ld->names[i], c->name) == 0;
		if (c->is_required && !found)
			return diag_error_at(ld->path, ld->row_line,
			    "table \"%s\" has no column \"%s\", which "
			    "tokentrail needs",
			    t->name, c->name);
	}
	return 0;
}

/* The name of the column the table's row filter reads, or NULL. */
static const char *
filter_column(const struct snapfmt_table *t)
{
	switch (t->rows) {
	case SNAPFMT_ALL_ROWS:
		break;
	case SNAPFMT_TOKEN_USERS:
		return SNAPFMT_USER_FILTER_COLUMN;
	case SNAPFMT_TOKEN_AUDIT:
		return SNAPFMT_AUDIT_FILTER_COLUMN;
	case SNAPFMT_OWNER_NAMES:
		return SNAPFMT_OWNER_FILTER_COLUMN;
	}
	return NULL;
}

/* Whether a header field is copied: always, unless the table has fixed
 * columns and the catalog does not list it. */
static bool
is_copied(const struct snapfmt_table *t, const char *name)
{
	if (!t->has_fixed_columns)
		return true;
	for (const struct snapfmt_column *c = t->columns; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return true;
	return false;
}

/* The header is complete: type the columns and create the table. */
static int
end_header(struct csv_load *ld)
{
	const char *filter = filter_column(ld->table);
	const char **names;
	size_t n_out = 0;
	int rc;

	if (check_header(ld) < 0)
		return -1;
	ld->types = calloc(ld->n_cols, sizeof(*ld->types));
	ld->out_col = calloc(ld->n_cols, sizeof(*ld->out_col));
	names = calloc(ld->n_cols + 1, sizeof(*names));
	if (!ld->types || !ld->out_col || !names) {
		free(names);
		return diag_error("out of memory");
	}
	ld->filter_col = NO_COLUMN;
	for (size_t i = 0; i < ld->n_cols; i++) {
		ld->out_col[i] = NO_COLUMN;
		if (!is_copied(ld->table, ld->names[i]))
			continue;
		ld->out_col[i] = n_out;
		names[n_out] = ld->names[i];
		ld->types[n_out++] = snapfmt_column_type(ld->table,
		    ld->names[i]);
		if (filter && strcmp(ld->names[i], filter) == 0)
			ld->filter_col = i;
	}
	ld->in_header = false;
	rc = sqlite_out_table_begin(ld->out, ld->table->name, n_out, names,
	    ld->types);
	free(names);
	return rc;
}

static void
on_record(int c, void *data)
{
	struct csv_load *ld = data;

	(void)c;
	if (ld->status < 0)
		return;
	if (ld->in_header)
		ld->status = end_header(ld);
	else if (ld->field != ld->n_cols)
		ld->status = diag_error_at(ld->path, ld->row_line,
		    "expected %zu fields, found %zu", ld->n_cols, ld->field);
	else if (ld->keep)
		ld->status = sqlite_out_row(ld->out);
	else
		sqlite_out_skip_row(ld->out);
	ld->field = 0;
	ld->keep = ld->filter_col == NO_COLUMN;
}

/* Keep spaces around unquoted fields: they are part of the value. */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int
parse_chunk(
    struct csv_load *ld, struct csv_parser *p, const char *buf, size_t len)
{
	if (csv_parse(p, buf, len, on_field, on_record, ld) != len &&
	    ld->status == 0)
		return diag_error_at(ld->path, ld->line, "malformed CSV: %s",
		    csv_strerror(csv_error(p)));
	if (ld->status < 0)
		return -1;
	if (csv_get_buffer_size(p) > CSVIMPORT_FIELD_MAX)
		return diag_error_at(ld->path, ld->line,
		    "field longer than %u bytes", CSVIMPORT_FIELD_MAX);
	return 0;
}

/* Feed the file one line at a time, counting lines. */
static int
parse_stream(struct csv_load *ld, struct csv_parser *p, FILE *fp)
{
	char buf[READ_BLOCK];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		const char *s = buf, *end = buf + n, *nl;

		ld->last_line = ld->line;
		while ((nl = memchr(s, '\n', (size_t)(end - s)))) {
			ld->last_line = ld->line;
			if (parse_chunk(ld, p, s, (size_t)(nl - s + 1)) < 0)
				return -1;
			ld->line++;
			s = nl + 1;
		}
		if (s < end && parse_chunk(ld, p, s, (size_t)(end - s)) < 0)
			return -1;
	}
	if (ferror(fp))
		return diag_error_errno("could not read file \"%s\"", ld->path);
	if (csv_fini(p, on_field, on_record, ld) != 0 && ld->status == 0)
		return diag_error_at(ld->path, ld->last_line,
		    "malformed CSV: quoted field not closed at end of file");
	if (ld->status == 0 && ld->in_header)
		return diag_error_at(ld->path, 1, "no header row");
	return ld->status;
}

static int
load_file(struct csv_load *ld, FILE *fp)
{
	struct csv_parser p;
	int ret;

	if (csv_init(&p,
	        CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL |
	            CSV_APPEND_NULL) != 0)
		return diag_error("out of memory");
	csv_set_space_func(&p, no_space);
	ret = parse_stream(ld, &p, fp);
	csv_free(&p);
	if (ret == 0)
		ret = sqlite_out_table_end(ld->out);
	return ret;
}

static int
load_table(
    const char *dir, const struct snapfmt_table *t, struct sqlite_out *out)
{
	struct csv_load ld = { .table = t,
		.out = out,
		.line = 1,
		.row_line = 1,
		.in_header = true,
		.filter_col = NO_COLUMN };
	size_t cap = strlen(dir) + strlen(t->name) + 8;
	char *path = malloc(cap);
	FILE *fp = NULL;
	int ret = -1;

	if (!path)
		return diag_error("out of memory");
	snprintf(path, cap, "%s/%s.csv", dir, t->name);
	ld.path = path;
	fp = fopen(path, "rb");
	if (!fp) {
		if (errno == ENOENT && !t->is_required)
			ret = 0;
		else
			diag_error_errno("could not open file \"%s\"", path);
		goto out;
	}
	ret = load_file(&ld, fp);
out:
	if (fp)
		fclose(fp);
	for (size_t i = 0; i < ld.n_cols; i++)
		free(ld.names[i]);
	free(ld.names);
	free(ld.types);
	free(ld.out_col);
	free(path);
	return ret;
}

int
csvimport_run(const char *dir, struct sqlite_out *out)
{
	if (sqlite_out_meta(out, "source", "csv") < 0 ||
	    sqlite_out_meta(out, "directory", dir) < 0)
		return -1;
	for (const struct snapfmt_table *t = snapfmt_tables; t->name; t++)
		if (load_table(dir, t, out) < 0)
			return -1;
	return 0;
}
