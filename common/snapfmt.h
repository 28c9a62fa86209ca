/* SPDX-License-Identifier: MIT */
/*
 * common/snapfmt.h - the snapshot file format, declared once for the code
 * that writes it (snapshot/) and the code that reads it (analyze/).
 *
 * A snapshot is a SQLite file whose tables keep the Bitbucket source names
 * and column names, plus a tokentrail_meta(key, value) table.  Its
 * application_id marks it as ours and its user_version is the format
 * version.  The catalog below lists every table tokentrail copies, the
 * columns it needs, and the type of every column it knows, so that a CSV
 * export (which carries no types) is loaded exactly like a live database.
 */
#ifndef TOKENTRAIL_COMMON_SNAPFMT_H
#define TOKENTRAIL_COMMON_SNAPFMT_H

#include <stdbool.h>
#include <stddef.h>

/* PRAGMA application_id of every snapshot: the ASCII bytes "TkTr". */
#define SNAPFMT_APPLICATION_ID 0x546b5472
/* PRAGMA user_version: bumped whenever a reader must change. */
#define SNAPFMT_VERSION 1
/* The provenance table. */
#define SNAPFMT_META_TABLE "tokentrail_meta"

/* How a value is stored in the snapshot. */
enum snapfmt_type {
	SNAPFMT_TEXT,    /* text as PostgreSQL prints it; timestamps too */
	SNAPFMT_INTEGER, /* smallint, integer, bigint */
	SNAPFMT_BOOLEAN, /* PostgreSQL t/f, stored as integer 1/0 */
};

struct snapfmt_column {
	const char *name;
	enum snapfmt_type type;
	bool is_required; /* the analysis cannot do without it */
};

/* Which rows of a source table the snapshot keeps. */
enum snapfmt_rows {
	SNAPFMT_ALL_ROWS,    /* every row */
	SNAPFMT_TOKEN_USERS, /* user_id is some token's USER_ID */
	SNAPFMT_TOKEN_AUDIT, /* audit rows whose ACTION concerns tokens */
	SNAPFMT_OWNER_NAMES, /* user_name is the name of a kept
	                        sta_normal_user row (a token owner) */
};

struct snapfmt_table {
	const char *name; /* source and snapshot name, case kept */
	bool is_required; /* a missing table is an error */
	enum snapfmt_rows rows;
	const struct snapfmt_column *columns; /* known columns, NULL-ended */
	/*
	 * Indexes the snapshot gets, each a comma-separated column list such
	 * as "project_id,slug", NULL-ended.  An index whose columns the source
	 * lacks is left out.
	 */
	const char *const *indexes;
	/*
	 * Copy only the catalog's columns, never the others: set for tables
	 * that also hold credentials (cwd_user's password hashes).
	 */
	bool has_fixed_columns;
};

/*
 * The column a row filter looks at: user_id for SNAPFMT_TOKEN_USERS (its
 * value must be some token's USER_ID; NULL never matches) and ACTION for
 * SNAPFMT_TOKEN_AUDIT (its value must contain SNAPFMT_AUDIT_MARK).
 */
#define SNAPFMT_USER_FILTER_COLUMN  "user_id"
#define SNAPFMT_AUDIT_FILTER_COLUMN "ACTION"
/* SNAPFMT_OWNER_NAMES matches this column against sta_normal_user.name. */
#define SNAPFMT_OWNER_FILTER_COLUMN "user_name"
#define SNAPFMT_OWNER_TABLE         "sta_normal_user"
#define SNAPFMT_OWNER_NAME_COLUMN   "name"
/* Audit actions about access tokens: AccessTokenCreatedEvent and kin. */
#define SNAPFMT_AUDIT_MARK "AccessToken"
/* The table and column whose values the user filter matches against. */
#define SNAPFMT_TOKEN_TABLE       "AO_E5A814_ACCESS_TOKEN"
#define SNAPFMT_TOKEN_USER_COLUMN "USER_ID"

/*
 * The tables, in export order (tokens first, so that the user filters
 * see the same token rows), ended by an entry whose name is NULL.
 */
extern const struct snapfmt_table snapfmt_tables[];

/* The catalog entry of a table, or NULL when tokentrail does not copy it. */
const struct snapfmt_table *snapfmt_find_table(const char *name);

/*
 * The known type of a column of table, or SNAPFMT_TEXT when the column is
 * not in the catalog (a newer Bitbucket may add columns).
 */
enum snapfmt_type
snapfmt_column_type(const struct snapfmt_table *table, const char *column);

/*
 * Convert the text of an integer column, as PostgreSQL prints it (an
 * optional minus sign and decimal digits, nothing else), into *out.
 * Returns 0, or -1 when text is not such a number or out of range; the
 * caller reports it.  text need not be NUL-terminated.
 */
int snapfmt_parse_integer(const char *text, size_t len, long long *out);

/*
 * Convert the text of a boolean column ("t" or "f", as PostgreSQL prints
 * it) into 1 or 0 in *out.  Returns 0, or -1 for any other text.
 */
int snapfmt_parse_boolean(const char *text, size_t len, int *out);

/* Whether an audit ACTION value (len bytes) concerns access tokens. */
bool snapfmt_is_token_audit(const char *action, size_t len);

#endif
