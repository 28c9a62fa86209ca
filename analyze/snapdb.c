/* SPDX-License-Identifier: MIT */
/*
 * analyze/snapdb.c - checks a snapshot file and loads the tokens, their
 * owners, permissions and scopes, and the project and repository names
 * (with aliases) that URLs are resolved against.
 */
#include "analyze/snapdb.h"

#include <ctype.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/snapfmt.h"

#define KEY_MAX 1024

static const char *const permission_names[] = {
	"REPO_READ", "REPO_WRITE", "PROJECT_READ", "PROJECT_WRITE",
	"PROJECT_ADMIN", "PROJECT_CREATE", "ADMIN", "SYS_ADMIN", "REPO_ADMIN",
	"LICENSED_USER",
};

#define N_PERMISSION_NAMES                                                     \
	(sizeof(permission_names) / sizeof(permission_names[0]))

/* A growable list of ids: the scope rows of one user. */
struct id_list {
	int64_t *ids;
	size_t n, cap;
};

/* State while the snapshot is read. */
struct loader {
	sqlite3 *sql;
	struct snapdb *db;
};

/* One row callback of query_rows(). */
typedef int (*row_fn)(struct loader *ld, sqlite3_stmt *st);

const char *
token_kind_name(enum token_kind kind)
{
	switch (kind) {
	case TOKEN_PERSONAL:
		return "personal";
	case TOKEN_PROJECT:
		return "project";
	case TOKEN_REPOSITORY:
		return "repository";
	case TOKEN_SERVICE:
		return "service";
	case TOKEN_OWNERLESS:
		return "ownerless";
	case TOKEN_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
permission_name(int64_t id)
{
	if (id < 0 || (uint64_t)id >= N_PERMISSION_NAMES)
		return NULL;
	return permission_names[id];
}

static char *
column_text(sqlite3_stmt *st, int col)
{
	const unsigned char *text = sqlite3_column_text(st, col);

	return strdup(text ? (const char *)text : "");
}

static bool
column_is_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL;
}

/* Lower-case ASCII copy of len bytes into key (KEY_MAX); -1 if too long. */
static int
lower_key(char *key, const char *text, size_t len)
{
	if (len >= KEY_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		key[i] = (char)tolower((unsigned char)text[i]);
	key[len] = '\0';
	return 0;
}

static int
id_key(char *key, int64_t id)
{
	return snprintf(key, KEY_MAX, "%" PRId64, id);
}

/* Run sql and hand every row to fn.  Returns 0, or -1 after reporting. */
static int
query_rows(struct loader *ld, const char *sql, row_fn fn)
{
	sqlite3 *sql_db = ld->sql;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(sql_db, sql, -1, &st, NULL) != SQLITE_OK)
		return diag_error("could not read the snapshot: %s",
		    sqlite3_errmsg(sql_db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ld, st) != 0) {
			sqlite3_finalize(st);
			return -1;
		}
	if (rc != SQLITE_DONE) {
		diag_error("could not read the snapshot: %s",
		    sqlite3_errmsg(sql_db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* True when table has column; false for a missing table too. */
static bool
has_column(sqlite3 *sql_db, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(sql_db,
		"SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
		NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int
put_pointer(struct hmap *map, const char *key, void *value)
{
	bool is_new;
	struct hmap_slot *slot = hmap_upsert(map, key, strlen(key), &is_new);

	if (!slot)
		return diag_error("out of memory");
	if (is_new)
		slot->value = value;
	return 0;
}

/*
 * PostgreSQL prints 0 to 6 fractional digits ("12:00:00.5"); the log
 * parser wants none or three.  Copy text into buf with the fraction cut
 * or padded to milliseconds.  Returns the length, or 0 when text is not
 * "YYYY-MM-DD HH:MM:SS[.f...]".
 */
static size_t
normalize_pg_time(const char *text, char *buf, size_t cap)
{
	static const size_t seconds_len = sizeof("YYYY-MM-DD HH:MM:SS") - 1;
	size_t len = strlen(text), digits;

	if (len < seconds_len || cap < seconds_len + 5)
		return 0;
	memcpy(buf, text, seconds_len);
	if (len == seconds_len)
		return seconds_len;
	digits = strspn(text + seconds_len + 1, "0123456789");
	if (text[seconds_len] != '.' || digits == 0 ||
	    seconds_len + 1 + digits != len)
		return 0;
	buf[seconds_len] = ',';
	for (size_t i = 0; i < 3; i++)
		buf[seconds_len + 1 + i] =
		    i < digits ? text[seconds_len + 1 + i] : '0';
	return seconds_len + 4;
}

/* Read a zone-less snapshot time in the log zone. */
static void
parse_snap_time(sqlite3_stmt *st, int col, struct snap_time *out)
{
	const unsigned char *text = sqlite3_column_text(st, col);
	struct logtime_cache cache = { 0 };
	struct logtime_local local;
	char normal[32];
	size_t len;

	out->is_set = false;
	if (!text)
		return;
	len = normalize_pg_time((const char *)text, normal, sizeof(normal));
	if (len == 0 || logtime_parse(normal, len, &local) != 0)
		return;
	logtime_to_instant(&cache, &local, &out->at);
	out->is_set = true;
}

/* created plus days calendar days in the log zone, at the same local
 * time of day. */
static void
add_local_days(const struct snap_time *created, int64_t days,
    struct snap_time *out)
{
	struct logtime_cache cache = { 0 };
	struct logtime_local local;
	int64_t local_ms = created->at.utc_ms +
	    (int64_t)created->at.offset_sec * 1000;
	time_t secs = (time_t)(local_ms / 1000 + days * 86400);
	struct tm tm;

	out->is_set = false;
	if (!created->is_set || days < 0 || days > 1000000 ||
	    !gmtime_r(&secs, &tm))
		return;
	local.year = tm.tm_year + 1900;
	local.month = tm.tm_mon + 1;
	local.day = tm.tm_mday;
	local.hour = tm.tm_hour;
	local.minute = tm.tm_min;
	local.second = tm.tm_sec;
	local.millisecond = (int)(local_ms % 1000);
	logtime_to_instant(&cache, &local, &out->at);
	out->is_set = true;
}

static int
load_meta_row(struct loader *ld, sqlite3_stmt *st)
{
	struct snapdb *db = ld->db;
	char *key = column_text(st, 0);
	char *value = column_text(st, 1);
	int rc = -1;

	if (key && value && put_pointer(&db->meta, key, value) == 0) {
		value = NULL;
		rc = 0;
	} else if (!key || !value) {
		diag_error("out of memory");
	}
	free(key);
	free(value);
	return rc;
}

static int
load_project_row(struct loader *ld, sqlite3_stmt *st)
{
	struct snapdb *db = ld->db;
	struct snap_project *p = calloc(1, sizeof(*p));
	char key[KEY_MAX];

	if (!p)
		return diag_error("out of memory");
	p->id = sqlite3_column_int64(st, 0);
	p->key = column_text(st, 1);
	p->name = column_text(st, 2);
	id_key(key, p->id);
	if (!p->key || !p->name || put_pointer(&db->projects, key, p) != 0) {
		free(p->key);
		free(p->name);
		free(p);
		return diag_error("out of memory");
	}
	if (lower_key(key, p->key, strlen(p->key)) == 0)
		return put_pointer(&db->project_keys, key, p);
	return 0;
}

static int
load_project_alias_row(struct loader *ld, sqlite3_stmt *st)
{
	struct snapdb *db = ld->db;
	const char *alias = (const char *)sqlite3_column_text(st, 1);
	struct snap_project *p;
	char key[KEY_MAX];

	id_key(key, sqlite3_column_int64(st, 0));
	p = hmap_get(&db->projects, key, strlen(key));
	if (!p || !alias || lower_key(key, alias, strlen(alias)) != 0)
		return 0;
	return put_pointer(&db->project_keys, key, p);
}

/* Register "key/slug" (lower case) as a name of repo. */
static int
add_repo_name(struct snapdb *db, const char *project_key, const char *slug,
    struct snap_repo *repo)
{
	char name[KEY_MAX * 2 + 2];
	char key[KEY_MAX * 2 + 2];
	int n = snprintf(name, sizeof(name), "%s/%s", project_key, slug);

	if (n < 0 || (size_t)n >= KEY_MAX ||
	    lower_key(key, name, (size_t)n) != 0)
		return 0;
	return put_pointer(&db->repo_names, key, repo);
}

static int
load_repo_row(struct loader *ld, sqlite3_stmt *st)
{
	struct snapdb *db = ld->db;
	struct snap_repo *r = calloc(1, sizeof(*r));
	char key[KEY_MAX];

	if (!r)
		return diag_error("out of memory");
	r->id = sqlite3_column_int64(st, 0);
	r->slug = column_text(st, 1);
	r->name = column_text(st, 2);
	id_key(key, sqlite3_column_int64(st, 3));
	r->project = hmap_get(&db->projects, key, strlen(key));
	id_key(key, r->id);
	if (!r->slug || !r->name || put_pointer(&db->repos, key, r) != 0) {
		free(r->slug);
		free(r->name);
		free(r);
		return diag_error("out of memory");
	}
	if (r->project)
		return add_repo_name(db, r->project->key, r->slug, r);
	return 0;
}

static int
load_repo_alias_row(struct loader *ld, sqlite3_stmt *st)
{
	struct snapdb *db = ld->db;
	const char *project_key = (const char *)sqlite3_column_text(st, 1);
	const char *slug = (const char *)sqlite3_column_text(st, 2);
	struct snap_repo *r;
	char key[KEY_MAX];

	id_key(key, sqlite3_column_int64(st, 0));
	r = hmap_get(&db->repos, key, strlen(key));
	if (!r || !project_key || !slug)
		return 0;
	return add_repo_name(db, project_key, slug, r);
}

static int
id_list_add(struct id_list *list, int64_t id)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 4;
		int64_t *ids = realloc(list->ids, cap * sizeof(*ids));

		if (!ids)
			return diag_error("out of memory");
		list->ids = ids;
		list->cap = cap;
	}
	list->ids[list->n++] = id;
	return 0;
}

/* Append the id in column 1 to the list of the user in column 0. */
static int
add_scope_row(struct hmap *map, sqlite3_stmt *st)
{
	struct hmap_slot *slot;
	char key[KEY_MAX];
	bool is_new;

	id_key(key, sqlite3_column_int64(st, 0));
	slot = hmap_upsert(map, key, strlen(key), &is_new);
	if (!slot)
		return diag_error("out of memory");
	if (is_new && !(slot->value = calloc(1, sizeof(struct id_list))))
		return diag_error("out of memory");
	return id_list_add(slot->value, sqlite3_column_int64(st, 1));
}

static int
load_repo_scope_row(struct loader *ld, sqlite3_stmt *st)
{
	return add_scope_row(&ld->db->repo_scope, st);
}

static int
load_project_scope_row(struct loader *ld, sqlite3_stmt *st)
{
	return add_scope_row(&ld->db->project_scope, st);
}

/* Append text to the ";"-joined list in *list (owned, may be NULL). */
static int
join_append(char **list, const char *sep, const char *text)
{
	size_t old = *list ? strlen(*list) : 0;
	size_t len = old + strlen(sep) + strlen(text) + 1;
	char *p = realloc(*list, len);

	if (!p)
		return diag_error("out of memory");
	snprintf(p + old, len - old, "%s%s", old ? sep : "", text);
	*list = p;
	return 0;
}

/* Fill scope text and ids of a service-user token from its rows. */
static int
set_service_scope(struct loader *ld, struct snap_token *t)
{
	struct id_list *repos, *projects;
	char key[KEY_MAX];

	id_key(key, t->user_id);
	repos = hmap_get(&ld->db->repo_scope, key, strlen(key));
	projects = hmap_get(&ld->db->project_scope, key, strlen(key));
	for (size_t i = 0; repos && i < repos->n; i++) {
		const struct snap_repo *r;

		id_key(key, repos->ids[i]);
		r = hmap_get(&ld->db->repos, key, strlen(key));
		snprintf(key, sizeof(key), "%s/%s",
		    r && r->project ? r->project->key : "?", r ? r->slug : "?");
		if (join_append(&t->scope, ";", key) != 0)
			return -1;
	}
	for (size_t i = 0; projects && i < projects->n; i++) {
		const struct snap_project *p;

		id_key(key, projects->ids[i]);
		p = hmap_get(&ld->db->projects, key, strlen(key));
		if (join_append(&t->scope, ";", p ? p->key : "?") != 0)
			return -1;
	}
	if (repos) {
		t->scope_repo_ids = repos->ids;
		t->n_scope_repos = repos->n;
	}
	if (projects) {
		t->scope_project_ids = projects->ids;
		t->n_scope_projects = projects->n;
	}
	return 0;
}

/* The kind a service user's name implies: access-token-user/<1|2>/<id>. */
static enum token_kind
kind_from_service_name(const char *name)
{
	static const char prefix[] = "access-token-user/";

	if (!name || strncmp(name, prefix, sizeof(prefix) - 1) != 0)
		return TOKEN_SERVICE;
	name += sizeof(prefix) - 1;
	if (name[0] == '1' && name[1] == '/')
		return TOKEN_PROJECT;
	if (name[0] == '2' && name[1] == '/')
		return TOKEN_REPOSITORY;
	return TOKEN_SERVICE;
}

/* Columns: 0 id, 1 name, 2 user id, 3 created, 4 expiry days, 5 last
 * authenticated, 6 normal user id, 7 normal name, 8 deleted, 9 service
 * user id, 10 service name, 11 service display name, 12 the normal
 * user's display name from Crowd. */
static int
set_token_owner(struct loader *ld, struct snap_token *t, sqlite3_stmt *st)
{
	if (!column_is_null(st, 6)) {
		t->kind = TOKEN_PERSONAL;
		t->user_name = column_text(st, 7);
		if (!column_is_null(st, 12))
			t->user_display = column_text(st, 12);
		parse_snap_time(st, 8, &t->owner_deleted_at);
		t->is_owner_deleted = !column_is_null(st, 8);
		return 0;
	}
	if (column_is_null(st, 9)) {
		t->kind = TOKEN_OWNERLESS;
		return 0;
	}
	t->user_name = column_text(st, 10);
	t->user_display = column_text(st, 11);
	if (set_service_scope(ld, t) != 0)
		return -1;
	if (t->n_scope_repos > 0)
		t->kind = TOKEN_REPOSITORY;
	else if (t->n_scope_projects > 0)
		t->kind = TOKEN_PROJECT;
	else
		t->kind = kind_from_service_name(t->user_name);
	return 0;
}

static int
load_token_row(struct loader *ld, sqlite3_stmt *st)
{
	struct snapdb *db = ld->db;
	struct snap_token *t = calloc(1, sizeof(*t));
	struct snap_token **list;

	if (!t)
		return diag_error("out of memory");
	list = realloc(db->by_id, (db->n_tokens + 1) * sizeof(*list));
	if (!list) {
		free(t);
		return diag_error("out of memory");
	}
	db->by_id = list;
	db->by_id[db->n_tokens++] = t;
	t->id = column_text(st, 0);
	t->name = column_text(st, 1);
	t->scope = strdup("");
	t->permissions = strdup("");
	if (!t->id || !t->name || !t->scope || !t->permissions)
		return diag_error("out of memory");
	t->user_id = sqlite3_column_int64(st, 2);
	parse_snap_time(st, 3, &t->created);
	if (!column_is_null(st, 4))
		add_local_days(&t->created, sqlite3_column_int64(st, 4),
		    &t->expires);
	parse_snap_time(st, 5, &t->last_authenticated);
	if (set_token_owner(ld, t, st) != 0)
		return -1;
	return put_pointer(&db->tokens, t->id, t);
}

static int
load_permission_row(struct loader *ld, sqlite3_stmt *st)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	int64_t perm = sqlite3_column_int64(st, 1);
	const char *name = permission_name(perm);
	struct snap_token *t;
	char unknown[64];

	t = id ? hmap_get(&ld->db->tokens, id, strlen(id)) : NULL;
	if (!t)
		return 0;
	if (column_is_null(st, 1))
		name = "NULL";
	if (!name) {
		snprintf(unknown, sizeof(unknown), "UNKNOWN(%" PRId64 ")",
		    perm);
		name = unknown;
	}
	if (perm >= 0 && perm < 32 && !column_is_null(st, 1))
		t->permission_mask |= UINT32_C(1) << perm;
	return join_append(&t->permissions, " ", name);
}

/* The token id an audit row's ATTRIBUTES names: the digits after
 * "id":" or, inside an escaped JSON string, \"id\":\".  0 when none. */
static size_t
audit_token_id(const char *attributes, const char **id)
{
	static const char *const keys[] = { "\"id\":\"", "\\\"id\\\":\\\"" };

	for (size_t k = 0; k < 2; k++) {
		const char *p = strstr(attributes, keys[k]);
		size_t len;

		if (!p)
			continue;
		p += strlen(keys[k]);
		len = strspn(p, "0123456789");
		if (len > 0 && len < KEY_MAX) {
			*id = p;
			return len;
		}
	}
	return 0;
}

static int
load_audit_row(struct loader *ld, sqlite3_stmt *st)
{
	const char *action = (const char *)sqlite3_column_text(st, 0);
	const char *attributes = (const char *)sqlite3_column_text(st, 1);
	struct token_audit *a;
	struct hmap_slot *slot;
	const char *id;
	size_t len;
	bool is_new;

	if (!action || !attributes ||
	    (len = audit_token_id(attributes, &id)) == 0)
		return 0;
	slot = hmap_upsert(&ld->db->audit, id, len, &is_new);
	if (!slot || (is_new && !(slot->value = calloc(1, sizeof(*a)))))
		return diag_error("out of memory");
	a = slot->value;
	if (strstr(action, "Created") && !a->has_created) {
		a->has_created = true;
		a->created_ms = sqlite3_column_int64(st, 2);
		a->created_by = column_text(st, 3);
	} else if ((strstr(action, "Deleted") || strstr(action, "Revoked")) &&
	    !a->has_deleted) {
		a->has_deleted = true;
		a->deleted_ms = sqlite3_column_int64(st, 2);
		a->deleted_by = column_text(st, 3);
	}
	return 0;
}

static int
load_audit(struct loader *ld)
{
	if (!has_column(ld->sql, "AO_C77861_AUDIT_ENTITY", "ATTRIBUTES"))
		return 0;
	return query_rows(ld,
	    "SELECT \"ACTION\", \"ATTRIBUTES\", \"ENTITY_TIMESTAMP\", "
	    "\"USER_NAME\" FROM \"AO_C77861_AUDIT_ENTITY\" "
	    "ORDER BY \"ENTITY_TIMESTAMP\", \"ID\"",
	    load_audit_row);
}

/* "NULL" when table lacks column, else the quoted column of alias t. */
static void
optional_column(sqlite3 *sql, const char *table, const char *column,
    char *out, size_t cap)
{
	if (has_column(sql, table, column))
		snprintf(out, cap, "t.\"%s\"", column);
	else
		snprintf(out, cap, "NULL");
}

static int
load_tokens(struct loader *ld)
{
	char expiry[64], last_auth[64], sql[1400];
	const char *display = "NULL";

	/* Crowd may hold a name in several directories: the first by
	 * directory id wins. */
	if (has_column(ld->sql, "cwd_user", "display_name"))
		display = "(SELECT c.display_name FROM cwd_user c "
			  "WHERE c.user_name = n.name "
			  "ORDER BY c.directory_id, c.id LIMIT 1)";
	optional_column(ld->sql, "AO_E5A814_ACCESS_TOKEN", "EXPIRY_DAYS",
	    expiry, sizeof(expiry));
	optional_column(ld->sql, "AO_E5A814_ACCESS_TOKEN",
	    "LAST_AUTHENTICATED", last_auth, sizeof(last_auth));
	snprintf(sql, sizeof(sql),
	    "SELECT t.\"TOKEN_ID\", t.\"NAME\", t.\"USER_ID\", "
	    "t.\"CREATED_DATE\", %s, %s, n.user_id, n.name, "
	    "n.deleted_timestamp, s.user_id, s.name, s.display_name, %s "
	    "FROM \"AO_E5A814_ACCESS_TOKEN\" t "
	    "LEFT JOIN sta_normal_user n ON n.user_id = t.\"USER_ID\" "
	    "LEFT JOIN sta_service_user s ON s.user_id = t.\"USER_ID\" "
	    "GROUP BY t.\"TOKEN_ID\" ORDER BY t.\"TOKEN_ID\"",
	    expiry, last_auth, display);
	if (query_rows(ld,
		"SELECT user_id, repo_id FROM sta_repo_permission "
		"WHERE user_id IS NOT NULL ORDER BY user_id, repo_id",
		load_repo_scope_row) != 0 ||
	    query_rows(ld,
		"SELECT user_id, project_id FROM sta_project_permission "
		"WHERE user_id IS NOT NULL ORDER BY user_id, project_id",
		load_project_scope_row) != 0 ||
	    query_rows(ld, sql, load_token_row) != 0)
		return -1;
	return query_rows(ld,
	    "SELECT \"FK_ACCESS_TOKEN_ID\", \"PERMISSION\" "
	    "FROM \"AO_E5A814_ACCESS_TOKEN_PERM\" "
	    "ORDER BY \"FK_ACCESS_TOKEN_ID\", \"PERMISSION\"",
	    load_permission_row);
}

static int
load_names(struct loader *ld)
{
	if (query_rows(ld, "SELECT key, value FROM tokentrail_meta",
		load_meta_row) != 0 ||
	    query_rows(ld, "SELECT id, project_key, name FROM project ORDER BY id",
		load_project_row) != 0 ||
	    query_rows(ld,
		"SELECT id, slug, name, project_id FROM repository ORDER BY id",
		load_repo_row) != 0)
		return -1;
	if (has_column(ld->sql, "bb_project_alias", "project_key") &&
	    query_rows(ld,
		"SELECT project_id, project_key FROM bb_project_alias "
		"ORDER BY id",
		load_project_alias_row) != 0)
		return -1;
	if (has_column(ld->sql, "bb_repository_alias", "slug") &&
	    query_rows(ld,
		"SELECT repository_id, project_key, slug "
		"FROM bb_repository_alias ORDER BY id",
		load_repo_alias_row) != 0)
		return -1;
	return 0;
}

/* "file:<path, percent-encoded>?immutable=1" for sqlite3_open_v2(). */
static char *
immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(path);
	char *uri = malloc(len * 3 + sizeof("file:?immutable=1"));
	char *p = uri;

	if (!uri)
		return NULL;
	p += snprintf(p, 6, "file:");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (isalnum(c) || strchr("/._-~", c)) {
			*p++ = (char)c;
			continue;
		}
		*p++ = '%';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 0xf];
	}
	snprintf(p, sizeof("?immutable=1"), "?immutable=1");
	return uri;
}

static int64_t
pragma_int(sqlite3 *sql, const char *pragma, bool *ok)
{
	sqlite3_stmt *st = NULL;
	int64_t value = 0;

	*ok = sqlite3_prepare_v2(sql, pragma, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW;
	if (*ok)
		value = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return value;
}

/* Refuse a file that is not a readable tokentrail snapshot. */
static int
check_snapshot(sqlite3 *sql, const char *path)
{
	char quoted[DIAG_QUOTE_SIZE];
	sqlite3_stmt *st = NULL;
	int64_t app_id, version;
	bool ok;

	diag_quote_str(quoted, path);
	app_id = pragma_int(sql, "PRAGMA application_id", &ok);
	if (!ok)
		return diag_error("cannot read snapshot \"%s\": %s", quoted,
		    sqlite3_errmsg(sql));
	if (app_id != SNAPFMT_APPLICATION_ID)
		return diag_error("\"%s\" is not a tokentrail snapshot",
		    quoted);
	version = pragma_int(sql, "PRAGMA user_version", &ok);
	if (!ok || version != SNAPFMT_VERSION)
		return diag_error("snapshot \"%s\" has format version %" PRId64
				  ", but this tokentrail reads version %d",
		    quoted, version, SNAPFMT_VERSION);
	ok = sqlite3_prepare_v2(sql, "PRAGMA quick_check", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	if (!ok)
		return diag_error("snapshot \"%s\" is damaged: it fails "
				  "SQLite's quick_check",
		    quoted);
	return 0;
}

int
snapdb_open(struct snapdb **out, const char *path)
{
	struct loader ld = { 0 };
	char *uri = immutable_uri(path);
	char quoted[DIAG_QUOTE_SIZE];
	int rc = -1;

	*out = NULL;
	ld.db = calloc(1, sizeof(*ld.db));
	if (!uri || !ld.db) {
		diag_error("out of memory");
		goto out;
	}
	if (sqlite3_open_v2(uri, &ld.sql, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
		NULL) != SQLITE_OK) {
		diag_error("cannot open snapshot \"%s\": %s",
		    diag_quote_str(quoted, path),
		    ld.sql ? sqlite3_errmsg(ld.sql) : "out of memory");
		goto out;
	}
	if (check_snapshot(ld.sql, path) != 0 || load_names(&ld) != 0 ||
	    load_tokens(&ld) != 0 || load_audit(&ld) != 0)
		goto out;
	*out = ld.db;
	ld.db = NULL;
	rc = 0;
out:
	sqlite3_close(ld.sql);
	snapdb_close(ld.db);
	free(uri);
	return rc;
}

static void
free_values(struct hmap *map, void (*free_value)(void *))
{
	struct hmap_slot *slot;
	size_t pos = 0;

	while ((slot = hmap_next(map, &pos)))
		free_value(slot->value);
	hmap_release(map);
}

static void
free_project(void *value)
{
	struct snap_project *p = value;

	free(p->key);
	free(p->name);
	free(p);
}

static void
free_repo(void *value)
{
	struct snap_repo *r = value;

	free(r->slug);
	free(r->name);
	free(r);
}

static void
free_id_list(void *value)
{
	struct id_list *list = value;

	free(list->ids);
	free(list);
}

static void
free_token(struct snap_token *t)
{
	free(t->id);
	free(t->name);
	free(t->user_name);
	free(t->user_display);
	free(t->scope);
	free(t->permissions);
	free(t);
}

static void
free_audit(void *value)
{
	struct token_audit *a = value;

	free(a->created_by);
	free(a->deleted_by);
	free(a);
}

static void
ignore_value(void *value)
{
	(void)value;
}

void
snapdb_close(struct snapdb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_tokens; i++)
		free_token(db->by_id[i]);
	free(db->by_id);
	hmap_release(&db->tokens);
	free_values(&db->repo_names, ignore_value);
	free_values(&db->project_keys, ignore_value);
	free_values(&db->repos, free_repo);
	free_values(&db->projects, free_project);
	free_values(&db->repo_scope, free_id_list);
	free_values(&db->project_scope, free_id_list);
	free_values(&db->audit, free_audit);
	free_values(&db->meta, free);
	free(db);
}

const struct snap_token *
snapdb_token(const struct snapdb *db, struct span id)
{
	return hmap_get(&db->tokens, id.ptr, id.len);
}

const struct snap_project *
snapdb_project(const struct snapdb *db, struct span key)
{
	char lower[KEY_MAX];

	if (lower_key(lower, key.ptr, key.len) != 0)
		return NULL;
	return hmap_get(&db->project_keys, lower, key.len);
}

/*
 * "project/slug" in lower case into key (KEY_MAX bytes); its length, or 0
 * when it does not fit.  Each part ends at a NUL byte in it, as "%.*s"
 * would end it: such a name is matched only as far as it is text.  Copied,
 * not formatted: this runs for every token request.
 */
static size_t
repo_key(char *key, const char *project, size_t project_len, struct span slug)
{
	size_t a = project_len ? strnlen(project, project_len) : 0;
	size_t b = slug.len ? strnlen(slug.ptr, slug.len) : 0;

	if (a + 1 + b >= KEY_MAX)
		return 0;
	lower_key(key, project, a);
	key[a] = '/';
	lower_key(key + a + 1, slug.ptr, b);
	return a + 1 + b;
}

const struct snap_repo *
snapdb_repo(const struct snapdb *db, struct span project, struct span slug)
{
	const struct snap_project *p;
	char lower[KEY_MAX];
	const struct snap_repo *r;
	size_t n;

	if (project.len + slug.len + 1 >= KEY_MAX)
		return NULL;
	n = repo_key(lower, project.ptr, project.len, slug);
	r = hmap_get(&db->repo_names, lower, n);
	if (r)
		return r;

	/* An old project key with the repository's current slug. */
	p = snapdb_project(db, project);
	if (!p || (n = repo_key(lower, p->key, strlen(p->key), slug)) == 0)
		return NULL;
	return hmap_get(&db->repo_names, lower, n);
}

const struct token_audit *
snapdb_audit(const struct snapdb *db, struct span id)
{
	return hmap_get(&db->audit, id.ptr, id.len);
}

const char *
snapdb_meta(const struct snapdb *db, const char *key)
{
	return hmap_get(&db->meta, key, strlen(key));
}
