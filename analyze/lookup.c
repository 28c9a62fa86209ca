/* SPDX-License-Identifier: MIT */
/*
 * analyze/lookup.c - the snapshot's record of a token as one CSV row:
 * owner, scope with project and repository names, permissions and times.
 * Scope names come from the snapshot's project and repository tables by
 * the ids the token's service user holds permission rows for.
 */
#include "analyze/lookup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"

/* The four scope columns, in row order. */
enum scope_column {
	SCOPE_PROJECT_KEY,
	SCOPE_PROJECT_NAME,
	SCOPE_REPO_SLUG,
	SCOPE_REPO_NAME,
	N_SCOPE_COLUMNS,
};

/* ";"-joined lists, one entry per scope entry of the token. */
struct scope_lists {
	char *text[N_SCOPE_COLUMNS];
	size_t len[N_SCOPE_COLUMNS], cap[N_SCOPE_COLUMNS];
	bool has_value[N_SCOPE_COLUMNS]; /* some entry is not empty */
	size_t n_entries;
};

static const char *const lookup_columns[] = { "token_id", "token_name",
	"token_kind", "user_name", "user_display_name", "scope", "project_key",
	"project_name", "repository_slug", "repository_name", "permissions",
	"created", "expires", "last_authenticated", "owner_deleted",
	"in_snapshot", NULL };

#define N_LOOKUP_COLUMNS \
	(sizeof(lookup_columns) / sizeof(lookup_columns[0]) - 1)

void
lookup_header(struct csvout *csv, const char *first)
{
	const char *names[N_LOOKUP_COLUMNS + 2];
	size_t n = 0;

	if (first)
		names[n++] = first;
	for (size_t i = 0; i < N_LOOKUP_COLUMNS; i++)
		names[n++] = lookup_columns[i];
	names[n] = NULL;
	csvout_header(csv, names);
}

static int
append(struct scope_lists *s, enum scope_column col, const char *text)
{
	size_t add = strlen(text) + 2;

	if (s->len[col] + add > s->cap[col]) {
		size_t cap = (s->len[col] + add) * 2;
		char *p = realloc(s->text[col], cap);

		if (!p)
			return diag_error("out of memory");
		s->text[col] = p;
		s->cap[col] = cap;
	}
	s->len[col] += (size_t)snprintf(s->text[col] + s->len[col],
	    s->cap[col] - s->len[col], "%s%s", s->n_entries ? ";" : "", text);
	if (*text)
		s->has_value[col] = true;
	return 0;
}

/* One scope entry; NULL strings are empty entries. */
static int
add_entry(struct scope_lists *s, const char *key, const char *project_name,
    const char *slug, const char *repo_name)
{
	if (append(s, SCOPE_PROJECT_KEY, key ? key : "") != 0 ||
	    append(s, SCOPE_PROJECT_NAME, project_name ? project_name : "") !=
	        0 ||
	    append(s, SCOPE_REPO_SLUG, slug ? slug : "") != 0 ||
	    append(s, SCOPE_REPO_NAME, repo_name ? repo_name : "") != 0)
		return -1;
	s->n_entries++;
	return 0;
}

static const void *
find_by_id(const struct hmap *map, int64_t id)
{
	char key[32];
	int n = snprintf(key, sizeof(key), "%" PRId64, id);

	return hmap_get(map, key, (size_t)n);
}

/* Repositories first, then projects: the order of snap_token.scope. */
static int
collect_scope(
    struct scope_lists *s, const struct snapdb *db, const struct snap_token *t)
{
	for (size_t i = 0; i < t->n_scope_repos; i++) {
		const struct snap_repo *r =
		    find_by_id(&db->repos, t->scope_repo_ids[i]);
		const struct snap_project *p = r ? r->project : NULL;

		if (add_entry(s, p ? p->key : NULL, p ? p->name : NULL,
		        r ? r->slug : NULL, r ? r->name : NULL) != 0)
			return -1;
	}
	for (size_t i = 0; i < t->n_scope_projects; i++) {
		const struct snap_project *p =
		    find_by_id(&db->projects, t->scope_project_ids[i]);

		if (add_entry(s, p ? p->key : NULL, p ? p->name : NULL, NULL,
		        NULL) != 0)
			return -1;
	}
	return 0;
}

static void
cell_time(struct csvout *csv, const struct snap_time *t)
{
	char iso[LOGTIME_ISO_SIZE];

	if (t->is_set)
		csvout_str(csv, logtime_format(&t->at, iso));
	else
		csvout_empty(csv);
}

/* "yes" or "no", or empty when no owner row is known. */
static const char *
owner_deleted_text(const struct snap_token *t)
{
	if (t->kind == TOKEN_OWNERLESS)
		return NULL;
	return t->is_owner_deleted ? "yes" : "no";
}

/* The cells of a token the snapshot has. */
static void
known_cells(
    struct csvout *csv, const struct snap_token *t, const struct scope_lists *s)
{
	csvout_str(csv, t->id);
	csvout_str(csv, t->name);
	csvout_str(csv, token_kind_name(t->kind));
	csvout_str(csv, t->user_name);
	csvout_str(csv, t->user_display);
	csvout_str(csv, t->scope);
	for (int c = 0; c < N_SCOPE_COLUMNS; c++)
		csvout_text(csv, s->has_value[c] ? s->text[c] : "",
		    s->has_value[c] ? s->len[c] : 0);
	csvout_str(csv, t->permissions);
	cell_time(csv, &t->created);
	cell_time(csv, &t->expires);
	cell_time(csv, &t->last_authenticated);
	csvout_str(csv, owner_deleted_text(t));
	csvout_str(csv, "yes");
}

/* The cells of an id the snapshot does not have. */
static void
unknown_cells(struct csvout *csv, const char *id, size_t len)
{
	csvout_text(csv, id, len);
	csvout_empty(csv);
	csvout_str(csv, token_kind_name(TOKEN_UNKNOWN));
	for (size_t i = 3; i < N_LOOKUP_COLUMNS - 1; i++)
		csvout_empty(csv);
	csvout_str(csv, "no");
}

int
lookup_cells(
    struct csvout *csv, const struct snapdb *db, const char *id, size_t len)
{
	struct span key = { id, len };
	const struct snap_token *t = snapdb_token(db, key);
	struct scope_lists s;
	int rc = 0;

	if (!t) {
		unknown_cells(csv, id, len);
		return 0;
	}
	memset(&s, 0, sizeof(s));
	rc = collect_scope(&s, db, t);
	if (rc == 0)
		known_cells(csv, t, &s);
	for (int c = 0; c < N_SCOPE_COLUMNS; c++)
		free(s.text[c]);
	return rc;
}

int
lookup_flush(struct csvout *csv)
{
	errno = 0;
	if (fflush(csv->fp) != 0 || csvout_has_failed(csv)) {
		if (errno == 0)
			return diag_error("could not write to standard output");
		return diag_error_errno("could not write to standard output");
	}
	return 0;
}
