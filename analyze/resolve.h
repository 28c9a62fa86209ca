/* SPDX-License-Identifier: MIT */
/*
 * analyze/resolve.h - what a request did: the repository named by its URL
 * or SSH command, and the kind of operation, from the request record
 * alone.  Mapping the names to the snapshot's repositories (aliases,
 * renames, case) is analyze/snapdb's job.
 *
 *   /scm/PRJ/repo.git/info/refs                    PRJ repo, refs
 *   /rest/api/1.0/projects/~ALICE/repos/r/commits  ~ALICE r, rest-read
 *   SSH - git-receive-pack '/prj/repo.git'         prj repo, push
 */
#ifndef TOKENTRAIL_ANALYZE_RESOLVE_H
#define TOKENTRAIL_ANALYZE_RESOLVE_H

#include <stdbool.h>

#include "analyze/parse.h"

enum operation {
	OP_CLONE,        /* git upload-pack with a clone label */
	OP_FETCH,        /* git upload-pack otherwise */
	OP_PUSH,         /* git receive-pack */
	OP_REFS,         /* ref advertisement (info/refs) */
	OP_REST_READ,    /* REST GET/HEAD/OPTIONS */
	OP_REST_WRITE,   /* REST POST/PUT/PATCH/DELETE */
	OP_TOKEN_ADMIN,  /* /rest/access-tokens/... (any method) */
	OP_WEB,          /* web UI pages */
	OP_OTHER,        /* anything else */
	OP_N_OPERATIONS
};

/* Stable names: "clone", "fetch", "push", "refs", "rest-read",
 * "rest-write", "token-admin", "web", "other". */
const char *operation_name(enum operation op);

/* True for operations that change the server: push, rest-write, and
 * token-admin with a method other than GET/HEAD/OPTIONS. */
bool operation_is_write(enum operation op, struct span method);

/* Longest user name resolved in the users/<user>/repos form. */
#define RESOLVE_USER_MAX 255

/*
 * The repository a request names.  project is the key as written (may be
 * "~user" for a personal project; the users/<user>/repos form is returned
 * as "~user"), slug without ".git".  Both are empty when the request names
 * no repository; project alone is set for project-level URLs.  The spans
 * point into the record's line, except that a "~user" built from the
 * users/<user> form lives in user_key: it stays valid while this struct
 * does, and a copy of the struct still points at the original.
 */
struct repo_ref {
	struct span project;
	struct span slug;
	char user_key[RESOLVE_USER_MAX + 2]; /* "~" + user, not terminated */
};

/*
 * Classify rec and find its repository.  Recognises /scm/ and /git/
 * smart-HTTP paths, /rest/<api>/<version>/projects/K/repos/S/...,
 * /rest/api/<version>/users/U/repos/S/..., web /projects/K/repos/S and
 * /users/U/repos/S, /rest/access-tokens/<version>/projects/K[/repos/S],
 * SSH git commands with or without the leading slash, and a context path
 * before any of them.  Labels (clone, fetch, push, refs) take precedence
 * over the path for git operations.
 */
void resolve_request(const struct logrec *rec, struct repo_ref *ref,
    enum operation *op);

#endif
