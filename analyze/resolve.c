/* SPDX-License-Identifier: MIT */
/*
 * analyze/resolve.c - the repository and operation of one parsed request,
 * between parse and the snapshot lookup in join.
 *
 *   /bitbucket/scm/PRJ/repo.git/git-receive-pack   PRJ repo, push
 *   SSH - git-upload-pack 'prj/repo.git'           prj repo, fetch
 *
 * The path is cut at a '?' and split on '/'; a segment that is scm, git,
 * rest, projects or users starts one of the known forms, so a context path
 * in front is skipped (the first such segment whose form is complete wins;
 * see resolve_http()).  Only /projects and /users pages count as web;
 * other pages (/login, /status, static resources) are "other".  Names are
 * returned exactly as written (case, percent-encoding): the snapshot side
 * compares them.  Git operations come from the labels when there is one (push,
 * clone, fetch, refs, shallow, negotiation), otherwise from the path or SSH
 * command; labels after an ssh:label:'...' element are not read, since that
 * element's text is the key owner's.
 */
#include "analyze/resolve.h"

#include <string.h>

static const char *const op_names[OP_N_OPERATIONS] = {
	[OP_CLONE] = "clone",
	[OP_FETCH] = "fetch",
	[OP_PUSH] = "push",
	[OP_REFS] = "refs",
	[OP_REST_READ] = "rest-read",
	[OP_REST_WRITE] = "rest-write",
	[OP_TOKEN_ADMIN] = "token-admin",
	[OP_WEB] = "web",
	[OP_OTHER] = "other",
};

/* Walks the '/'-separated segments of a path. */
struct segments {
	const char *p;
	const char *end;
};

const char *
operation_name(enum operation op)
{
	if ((unsigned)op >= OP_N_OPERATIONS)
		return "other";
	return op_names[op];
}

static bool
span_eq(struct span s, const char *text)
{
	size_t len = strlen(text);

	return s.len == len && memcmp(s.ptr, text, len) == 0;
}

static bool
span_starts(struct span s, const char *prefix)
{
	size_t len = strlen(prefix);

	return s.len >= len && memcmp(s.ptr, prefix, len) == 0;
}

static bool
is_read_method(struct span method)
{
	return span_eq(method, "GET") || span_eq(method, "HEAD") ||
	    span_eq(method, "OPTIONS");
}

bool
operation_is_write(enum operation op, struct span method)
{
	if (op == OP_PUSH || op == OP_REST_WRITE)
		return true;
	return op == OP_TOKEN_ADMIN && !is_read_method(method);
}

/* The next segment (possibly empty), or false at the end of the path. */
static bool
next_segment(struct segments *s, struct span *seg)
{
	const char *slash;

	if (s->p < s->end && *s->p == '/')
		s->p++;
	if (s->p >= s->end)
		return false;
	slash = memchr(s->p, '/', (size_t)(s->end - s->p));
	seg->ptr = s->p;
	s->p = slash != NULL ? slash : s->end;
	seg->len = (size_t)(s->p - seg->ptr);
	return true;
}

/* The rest of the path from the current position, slash included. */
static struct span
rest_of_path(const struct segments *s)
{
	struct span rest = { s->p, (size_t)(s->end - s->p) };

	return rest;
}

/*
 * Rank of the git operation one label element names: 1 push, 2 clone,
 * 3 fetch, 4 refs; 0 for any other label.  Where several are present the
 * lowest rank wins: a push is the one not to miss, and a clone is more
 * than the fetch of its negotiation rounds.
 */
static int
label_rank(struct span label)
{
	if (span_eq(label, "push"))
		return 1;
	if (span_eq(label, "clone") || span_eq(label, "shallow clone"))
		return 2;
	if (span_eq(label, "fetch") || span_eq(label, "shallow") ||
	    span_eq(label, "negotiation") ||
	    span_eq(label, "shallow negotiation"))
		return 3;
	if (span_eq(label, "refs"))
		return 4;
	return 0;
}

/* The git operation the labels name, or OP_N_OPERATIONS. */
static enum operation
labels_operation(struct span labels)
{
	static const enum operation by_rank[] = { OP_N_OPERATIONS, OP_PUSH,
		OP_CLONE, OP_FETCH, OP_REFS };
	const char *p = labels.ptr, *end = labels.ptr + labels.len;
	const char *comma;
	struct span label;
	int best = 0, rank;

	while (p < end) {
		label.ptr = p;
		comma = memchr(p, ',', (size_t)(end - p));
		while (comma != NULL && comma + 1 < end && comma[1] != ' ')
			comma =
			    memchr(comma + 1, ',', (size_t)(end - comma - 1));
		label.len = (size_t)((comma != NULL ? comma : end) - p);
		if (span_starts(label, "ssh:label:'"))
			break;
		rank = label_rank(label);
		if (rank != 0 && (best == 0 || rank < best))
			best = rank;
		p = comma != NULL ? comma + 2 : end;
	}
	return by_rank[best];
}

/* A git operation: the labels' when they name one, else fallback. */
static enum operation
git_operation(const struct logrec *rec, enum operation fallback)
{
	enum operation op = labels_operation(rec->labels);

	return op != OP_N_OPERATIONS ? op : fallback;
}

/* Set ref from a project segment and a slug segment, ".git" dropped. */
static void
set_repo(struct repo_ref *ref, struct span project, struct span slug)
{
	ref->project = project;
	if (slug.len >= 4 && memcmp(slug.ptr + slug.len - 4, ".git", 4) == 0)
		slug.len -= 4;
	ref->slug = slug;
}

/* Set ref->project to "~user", kept in ref itself. */
static void
set_user_project(struct repo_ref *ref, struct span user)
{
	if (user.len == 0 || user.len > RESOLVE_USER_MAX)
		return;
	ref->user_key[0] = '~';
	memcpy(ref->user_key + 1, user.ptr, user.len);
	ref->project.ptr = ref->user_key;
	ref->project.len = user.len + 1;
}

/* Empty ref: both spans empty, pointing at the target. */
static void
clear_ref(const struct logrec *rec, struct repo_ref *ref)
{
	ref->project.ptr = rec->target.ptr;
	ref->project.len = 0;
	ref->slug = ref->project;
}

/*
 * /scm/KEY/slug.git/... and /git/KEY/slug.git/... (smart HTTP).  Complete
 * when a slug is followed by nothing or by a git endpoint.
 */
static enum operation
resolve_smart_http(const struct logrec *rec, struct segments *s,
    struct repo_ref *ref, bool *is_complete)
{
	struct span project, slug, rest;
	enum operation fallback = OP_OTHER;

	if (next_segment(s, &project) && project.len > 0 &&
	    !(project.len >= 4 &&
	        memcmp(project.ptr + project.len - 4, ".git", 4) == 0)) {
		if (next_segment(s, &slug))
			set_repo(ref, project, slug);
		else
			ref->project = project;
	}
	rest = rest_of_path(s);
	if (span_eq(rest, "/info/refs"))
		fallback = OP_REFS;
	else if (span_eq(rest, "/git-upload-pack"))
		fallback = OP_FETCH;
	else if (span_eq(rest, "/git-receive-pack"))
		fallback = OP_PUSH;
	*is_complete =
	    ref->slug.len > 0 && (rest.len == 0 || fallback != OP_OTHER);
	return git_operation(rec, fallback);
}

/*
 * projects/KEY[/repos/slug] or users/USER/repos/slug, from the segment
 * after kind.  Returns false when no owner follows.
 */
static bool
resolve_owner(struct segments *s, struct span kind, struct repo_ref *ref)
{
	struct span owner, repos, slug;

	if (!next_segment(s, &owner) || owner.len == 0)
		return false;
	if (next_segment(s, &repos) && span_eq(repos, "repos") &&
	    next_segment(s, &slug) && slug.len > 0) {
		ref->slug = slug;
		if (span_eq(kind, "users"))
			set_user_project(ref, owner);
		else
			ref->project = owner;
		if (ref->project.len == 0)
			ref->slug.len = 0;
		return true;
	}
	if (span_eq(kind, "projects"))
		ref->project = owner;
	return true;
}

/* /rest/<api>/<version>/{projects,users}/...; complete with an owner. */
static enum operation
resolve_rest(const struct logrec *rec, struct segments *s, struct repo_ref *ref,
    bool *is_complete)
{
	struct span api = { NULL, 0 }, version, kind;

	*is_complete = next_segment(s, &api) && next_segment(s, &version) &&
	    next_segment(s, &kind) &&
	    (span_eq(kind, "projects") || span_eq(kind, "users")) &&
	    resolve_owner(s, kind, ref);
	if (span_eq(api, "access-tokens"))
		return OP_TOKEN_ADMIN;
	return is_read_method(rec->method) ? OP_REST_READ : OP_REST_WRITE;
}

static bool
is_anchor(struct span seg)
{
	return span_eq(seg, "scm") || span_eq(seg, "git") ||
	    span_eq(seg, "rest") || span_eq(seg, "projects") ||
	    span_eq(seg, "users");
}

/* Resolve the form that starts with segment anchor; s is just past it. */
static enum operation
resolve_form(const struct logrec *rec, struct span anchor, struct segments s,
    struct repo_ref *ref, bool *is_complete)
{
	clear_ref(rec, ref);
	if (span_eq(anchor, "scm") || span_eq(anchor, "git"))
		return resolve_smart_http(rec, &s, ref, is_complete);
	if (span_eq(anchor, "rest"))
		return resolve_rest(rec, &s, ref, is_complete);
	*is_complete = resolve_owner(&s, anchor, ref);
	return OP_WEB;
}

/*
 * An HTTP request: resolve from the first known segment whose form is
 * complete, so that a context path that is itself such a word ("/git")
 * is skipped; when none is complete, from the first known segment.
 */
static enum operation
resolve_http(const struct logrec *rec, struct repo_ref *ref)
{
	const char *q = memchr(rec->target.ptr, '?', rec->target.len);
	struct segments s = { rec->target.ptr,
		q != NULL ? q : rec->target.ptr + rec->target.len };
	struct segments first_at = s;
	struct span seg, first = { NULL, 0 };
	enum operation op;
	bool is_complete;

	while (next_segment(&s, &seg)) {
		if (!is_anchor(seg))
			continue;
		op = resolve_form(rec, seg, s, ref, &is_complete);
		if (is_complete)
			return op;
		if (first.ptr == NULL) {
			first = seg;
			first_at = s;
		}
	}
	if (first.ptr == NULL)
		return OP_OTHER;
	return resolve_form(rec, first, first_at, ref, &is_complete);
}

/* SSH - git-upload-pack '/KEY/slug.git' (the slash may be missing). */
static enum operation
resolve_ssh(const struct logrec *rec, struct repo_ref *ref)
{
	struct segments s = { rec->target.ptr,
		rec->target.ptr + rec->target.len };
	struct span command = rec->action, project, slug, extra;
	enum operation fallback = OP_OTHER;

	if (span_starts(command, "SSH - ")) {
		command.ptr += 6;
		command.len -= 6;
	}
	if (span_starts(command, "git-upload-pack "))
		fallback = OP_FETCH;
	else if (span_starts(command, "git-receive-pack "))
		fallback = OP_PUSH;

	if (next_segment(&s, &project) && project.len > 0 &&
	    next_segment(&s, &slug) && slug.len > 0 &&
	    !next_segment(&s, &extra))
		set_repo(ref, project, slug);
	return git_operation(rec, fallback);
}

void
resolve_request(
    const struct logrec *rec, struct repo_ref *ref, enum operation *op)
{
	clear_ref(rec, ref);
	if (rec->method.len > 0)
		*op = resolve_http(rec, ref);
	else if (span_starts(rec->action, "SSH - ") ||
	    span_starts(rec->action, "git-"))
		*op = resolve_ssh(rec, ref);
	else
		*op = OP_OTHER;
}
