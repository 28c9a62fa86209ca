/* SPDX-License-Identifier: MIT */
/*
 * analyze/snapdb.h - the snapshot, opened read-only, checked and loaded
 * into memory for the join stage of analyze: file -> lines -> parse ->
 * join -> reports.  After snapdb_open() the structure is never changed,
 * so worker threads may read it at the same time.
 *
 * Token kind comes from the owner: a normal user makes a personal token;
 * a service user makes a repository token when it holds repository
 * permission rows, a project token when it holds project rows, and
 * otherwise the kind its name "access-token-user/<1|2>/<id>" implies.
 * Snapshot timestamps carry no zone; they are read in the --log-tz zone.
 */
#ifndef TOKENTRAIL_ANALYZE_SNAPDB_H
#define TOKENTRAIL_ANALYZE_SNAPDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/logtime.h"
#include "analyze/parse.h"
#include "common/hmap.h"

enum token_kind {
	TOKEN_PERSONAL,   /* owned by a normal user */
	TOKEN_PROJECT,    /* bound to a project through a service user */
	TOKEN_REPOSITORY, /* bound to a repository through a service user */
	TOKEN_SERVICE,    /* service user with no scope rows and a name that
	                     says neither project nor repository */
	TOKEN_OWNERLESS,  /* USER_ID in no user table */
	TOKEN_UNKNOWN,    /* not in the snapshot */
};

struct snap_project {
	int64_t id;
	char *key;
	char *name;
};

struct snap_repo {
	int64_t id;
	char *slug;
	char *name;
	const struct snap_project *project; /* NULL when the row is missing */
};

/* A time read from the snapshot; is_set is false for NULL. */
struct snap_time {
	bool is_set;
	struct logtime_instant at;
};

struct snap_token {
	char *id;
	char *name;
	int64_t user_id;
	enum token_kind kind;
	char *user_name;     /* owner or service user name; NULL if none */
	char *user_display;  /* service user display name; NULL if none */
	bool is_owner_deleted; /* owner row has deleted_timestamp */
	struct snap_time owner_deleted_at;
	char *scope;         /* "KEY" or "KEY/slug", ";"-joined; "" if none */
	char *permissions;   /* names, space-joined in id order; "" if none */
	uint32_t permission_mask; /* bit n for permission id n < 32 */
	struct snap_time created;
	struct snap_time expires;  /* created + EXPIRY_DAYS local days */
	struct snap_time last_authenticated;
	const int64_t *scope_project_ids; /* projects the scope names; owned
	                                     by the snapdb */
	size_t n_scope_projects;
	const int64_t *scope_repo_ids;    /* repositories the scope names */
	size_t n_scope_repos;
};

/* What the snapshot's audit rows say about a token id. */
struct token_audit {
	bool has_created, has_deleted;
	int64_t created_ms, deleted_ms; /* epoch milliseconds, UTC */
	char *created_by, *deleted_by;  /* USER_NAME of the actor */
};

struct snapdb {
	struct hmap tokens;        /* token id -> struct snap_token */
	struct snap_token **by_id; /* every token, sorted by id */
	size_t n_tokens;
	struct hmap projects;      /* id text -> struct snap_project */
	struct hmap repos;         /* id text -> struct snap_repo */
	struct hmap repo_names;    /* lower "key/slug", aliases too -> repo */
	struct hmap project_keys;  /* lower key, aliases too -> project */
	struct hmap meta;          /* tokentrail_meta key -> char * */
	struct hmap repo_scope;    /* service user id -> repository ids */
	struct hmap project_scope; /* service user id -> project ids */
	struct hmap audit;         /* token id -> struct token_audit */
};

/* "personal", "project", "repository", "service", "ownerless",
 * "unknown". */
const char *token_kind_name(enum token_kind kind);

/* The name of permission id: "REPO_READ" ... or NULL when unknown. */
const char *permission_name(int64_t id);

/*
 * Open path read-only (SQLite immutable mode: no lock, journal or other
 * file is created beside it), refuse it with a clear message when it is
 * not a tokentrail snapshot, has another format version or fails
 * quick_check, and load it.  Returns 0 and *out, or -1 after reporting.
 * logtime_set_zone() must have been called.
 */
int snapdb_open(struct snapdb **out, const char *path);

/* Free everything; accepts NULL. */
void snapdb_close(struct snapdb *db);

/* The token with this id, or NULL. */
const struct snap_token *snapdb_token(const struct snapdb *db,
    struct span id);

/*
 * The repository a URL names, by project key (or "~user") and slug,
 * compared without regard to ASCII case, through project and repository
 * aliases.  NULL when the snapshot does not know it.
 */
const struct snap_repo *snapdb_repo(const struct snapdb *db,
    struct span project, struct span slug);

/* The project a key names (aliases too), or NULL. */
const struct snap_project *snapdb_project(const struct snapdb *db,
    struct span key);

/* The audit facts about token id, or NULL when no audit row names it. */
const struct token_audit *snapdb_audit(const struct snapdb *db,
    struct span id);

/* A tokentrail_meta value, or NULL. */
const char *snapdb_meta(const struct snapdb *db, const char *key);

#endif
