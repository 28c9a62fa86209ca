/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_resolve.c - analyze/resolve.c on whole log lines (parsed
 * by analyze/parse.c): smart HTTP, REST, web, token administration and
 * SSH forms, context paths, personal projects, and hostile targets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/parse.h"
#include "analyze/resolve.h"

#define LINE_MAX_TEST (1 << 18)

#define EXPECT(action, labels, project, slug, op) \
	expect_resolved((action), (labels), (project), (slug), (op), __LINE__)

static char line[LINE_MAX_TEST];

static bool
span_is(struct span s, const char *text)
{
	return s.len == strlen(text) && memcmp(s.ptr, text, s.len) == 0;
}

/*
 * Parse a line with the given action (as logged, quotes included) and
 * labels, resolve it and compare.
 */
static void
expect_resolved(const char *action, const char *labels, const char *project,
    const char *slug, enum operation want, int at)
{
	bool is_ssh = action[0] != '"';
	struct repo_ref ref;
	struct logrec rec;
	enum operation op;

	snprintf(line, sizeof(line),
	    "1.2.3.4 | %s | o@ABCx1x2x0 | u | 2024-01-01 00:00:00,000 | %s | "
	    "%s | 200 | 0 | 1 | %s | 1 | s |",
	    is_ssh ? "ssh" : "https", action, is_ssh ? "-" : "\"\" \"git/2\"",
	    labels);
	if (parse_line(line, strlen(line), &rec) != PARSE_OK) {
		print_error("line %d: not parsed\n", at);
		fail();
	}
	resolve_request(&rec, &ref, &op);
	if (!span_is(ref.project, project) || !span_is(ref.slug, slug) ||
	    op != want) {
		print_error("line %d: got \"%.*s\" \"%.*s\" %s\n", at,
		    (int)ref.project.len, ref.project.ptr, (int)ref.slug.len,
		    ref.slug.ptr, operation_name(op));
		fail();
	}
}

static void
test_smart_http(void **state)
{
	(void)state;
	EXPECT("\"GET /scm/PRJ/repo.git/info/refs HTTP/1.1\"", "-", "PRJ",
	    "repo", OP_REFS);
	EXPECT("\"POST /scm/PRJ/repo.git/git-upload-pack HTTP/1.1\"", "-",
	    "PRJ", "repo", OP_FETCH);
	EXPECT("\"POST /scm/PRJ/repo.git/git-upload-pack HTTP/1.1\"",
	    "shallow, clone, cache:hit", "PRJ", "repo", OP_CLONE);
	EXPECT("\"POST /scm/tb/testing-token.git/git-upload-pack HTTP/1.1\"",
	    "access-token:id:263466287238, async, protocol:2, refs", "tb",
	    "testing-token", OP_REFS);
	EXPECT("\"POST /scm/PRJ/repo.git/git-receive-pack HTTP/1.1\"", "-",
	    "PRJ", "repo", OP_PUSH);
	EXPECT("\"POST /scm/PRJ/repo.git/git-receive-pack HTTP/1.1\"",
	    "push, cache:miss", "PRJ", "repo", OP_PUSH);
	EXPECT("\"GET /git/STASH/mina-sshd-fork.git/info/refs HTTP/1.1\"",
	    "refs, cache:hit", "STASH", "mina-sshd-fork", OP_REFS);
	EXPECT("\"GET /scm/prj/repo/info/refs HTTP/1.1\"", "-", "prj", "repo",
	    OP_REFS);
	EXPECT("\"GET /scm/PRJ/repo.git/info/refs?service=git-upload-pack "
	       "HTTP/1.1\"",
	    "-", "PRJ", "repo", OP_REFS);
	EXPECT("\"POST /scm/PRJ/repo.git/git-upload-pack HTTP/1.1\"",
	    "shallow negotiation, cache:hit", "PRJ", "repo", OP_FETCH);
}

static void
test_context_path_and_personal(void **state)
{
	(void)state;
	EXPECT("\"POST /bitbucket/scm/~alice/r.git/git-upload-pack HTTP/1.1\"",
	    "clone", "~alice", "r", OP_CLONE);
	EXPECT("\"GET /a/b/rest/api/1.0/projects/~ALICE/repos/r/commits "
	       "HTTP/1.1\"",
	    "-", "~ALICE", "r", OP_REST_READ);
	EXPECT("\"GET /rest/api/1.0/users/alice/repos/r/commits HTTP/1.1\"",
	    "-", "~alice", "r", OP_REST_READ);
	EXPECT("\"GET /users/bob/repos/x/browse HTTP/1.1\"", "-", "~bob", "x",
	    OP_WEB);
	EXPECT("\"GET http://host/scm/PRJ/repo.git/info/refs HTTP/1.1\"", "-",
	    "PRJ", "repo", OP_REFS);

	/* A context path that is itself a known word, and project keys that
	 * are. */
	EXPECT("\"GET /git/scm/KEY/repo.git/info/refs HTTP/1.1\"", "-", "KEY",
	    "repo", OP_REFS);
	EXPECT("\"POST /git/scm/KEY/repo.git HTTP/1.1\"", "-", "KEY", "repo",
	    OP_OTHER);
	EXPECT("\"GET /git/rest/api/1.0/projects/K/repos/s HTTP/1.1\"", "-",
	    "K", "s", OP_REST_READ);
	EXPECT("\"GET /git/projects/KEY/repos/x/browse HTTP/1.1\"", "-", "KEY",
	    "x", OP_WEB);
	EXPECT("\"GET /scm/rest/repo.git/info/refs HTTP/1.1\"", "-", "rest",
	    "repo", OP_REFS);
	EXPECT("\"GET /scm/git/users.git/info/refs HTTP/1.1\"", "-", "git",
	    "users", OP_REFS);
	EXPECT(
	    "\"GET /projects/SCM/repos/x HTTP/1.1\"", "-", "SCM", "x", OP_WEB);
}

static void
test_rest_and_web(void **state)
{
	(void)state;
	EXPECT("\"GET /rest/api/latest/projects/pro1/repos/repo5 HTTP/1.1\"",
	    "access-token:id:238745678966", "pro1", "repo5", OP_REST_READ);
	EXPECT("\"POST /rest/api/1.0/projects/TEST/repos/test/pull-requests "
	       "HTTP/1.1\"",
	    "-", "TEST", "test", OP_REST_WRITE);
	EXPECT("\"DELETE /rest/api/1.0/projects/TEST/repos/test HTTP/1.1\"",
	    "-", "TEST", "test", OP_REST_WRITE);
	EXPECT("\"HEAD /rest/api/1.0/projects/TEST HTTP/1.1\"", "-", "TEST", "",
	    OP_REST_READ);
	EXPECT("\"OPTIONS /rest/api/1.0/projects HTTP/1.1\"", "-", "", "",
	    OP_REST_READ);
	EXPECT("\"GET /rest/build-status/1.0/commits/abc HTTP/1.1\"", "-", "",
	    "", OP_REST_READ);
	EXPECT("\"GET /projects/KEY/repos/slug/browse HTTP/1.1\"", "-", "KEY",
	    "slug", OP_WEB);
	EXPECT("\"GET /projects/KEY HTTP/1.1\"", "-", "KEY", "", OP_WEB);
	EXPECT("\"GET /status HTTP/1.1\"", "-", "", "", OP_OTHER);
	EXPECT("\"GET /login HTTP/1.1\"", "-", "", "", OP_OTHER);
}

static void
test_token_admin(void **state)
{
	(void)state;
	EXPECT("\"PUT /rest/access-tokens/latest/projects/KEY HTTP/1.1\"", "-",
	    "KEY", "", OP_TOKEN_ADMIN);
	EXPECT("\"DELETE /rest/access-tokens/latest/projects/KEY/repos/slug/"
	       "373646823580 HTTP/1.1\"",
	    "-", "KEY", "slug", OP_TOKEN_ADMIN);
	EXPECT("\"GET /rest/access-tokens/1.0/users/alice HTTP/1.1\"", "-", "",
	    "", OP_TOKEN_ADMIN);
}

static void
test_ssh(void **state)
{
	(void)state;
	EXPECT("SSH - git-upload-pack '/KEY/slug.git'", "-", "KEY", "slug",
	    OP_FETCH);
	EXPECT("SSH - git-upload-pack '/KEY/slug.git'",
	    "cache:miss, clone, ssh:id:610", "KEY", "slug", OP_CLONE);
	EXPECT("SSH - git-receive-pack 'key/slug.git'", "-", "key", "slug",
	    OP_PUSH);
	EXPECT(
	    "SSH - git-upload-pack '~user/r.git'", "-", "~user", "r", OP_FETCH);
	EXPECT("git-upload-pack '/CONF/teamcal.git'", "fetch", "CONF",
	    "teamcal", OP_FETCH);
	EXPECT("SSH - git-upload-archive '/KEY/slug.git'", "-", "KEY", "slug",
	    OP_OTHER);
	EXPECT("SSH - git-upload-pack '/a/b/c.git'", "-", "", "", OP_FETCH);
	EXPECT("SSH - git-upload-pack ''", "-", "", "", OP_FETCH);
	/* Words inside a key label name no operation. */
	EXPECT("SSH - git-upload-pack '/KEY/slug.git'",
	    "ssh:id:1, ssh:label:'push, clone'", "KEY", "slug", OP_FETCH);
}

static void
test_hostile_targets(void **state)
{
	char long_user[RESOLVE_USER_MAX + 64], action[RESOLVE_USER_MAX + 128];

	(void)state;
	EXPECT("\"GET  HTTP/1.1\"", "-", "", "", OP_OTHER);
	EXPECT("\"GET /scm/ HTTP/1.1\"", "-", "", "", OP_OTHER);
	EXPECT("\"GET /scm HTTP/1.1\"", "refs", "", "", OP_REFS);
	EXPECT("\"GET /scm/KEY HTTP/1.1\"", "-", "KEY", "", OP_OTHER);
	EXPECT("\"GET /scm/KEY/.git HTTP/1.1\"", "-", "KEY", "", OP_OTHER);
	EXPECT(
	    "\"GET /scm/test.git/info/refs HTTP/1.1\"", "-", "", "", OP_REFS);
	EXPECT("\"GET /scm/K%45Y/re%20po.git/info/refs HTTP/1.1\"", "-",
	    "K%45Y", "re%20po", OP_REFS);
	EXPECT("\"GET /scm/KEY/access-token:id:123456789012.git/info/refs "
	       "HTTP/1.1\"",
	    "-", "KEY", "access-token:id:123456789012", OP_REFS);
	EXPECT("\"GET /rest/api/1.0/users//repos/r HTTP/1.1\"", "-", "", "",
	    OP_REST_READ);

	memset(long_user, 'u', sizeof(long_user) - 1);
	long_user[sizeof(long_user) - 1] = '\0';
	snprintf(action, sizeof(action), "\"GET /users/%s/repos/r HTTP/1.1\"",
	    long_user);
	EXPECT(action, "-", "", "", OP_WEB);
}

static void
test_very_long_path(void **state)
{
	static char action[LINE_MAX_TEST / 2];
	size_t len;

	(void)state;
	len = (size_t)snprintf(action, sizeof(action), "\"GET ");
	while (len < sizeof(action) - 64) {
		memcpy(action + len, "/seg", 4);
		len += 4;
	}
	snprintf(action + len, sizeof(action) - len,
	    "/scm/A/b.git/info/refs HTTP/1.1\"");
	EXPECT(action, "-", "A", "b", OP_REFS);
}

static void
test_names_and_writes(void **state)
{
	struct span get = { "GET", 3 }, put = { "PUT", 3 }, none = { "", 0 };

	(void)state;
	assert_string_equal(operation_name(OP_CLONE), "clone");
	assert_string_equal(operation_name(OP_FETCH), "fetch");
	assert_string_equal(operation_name(OP_PUSH), "push");
	assert_string_equal(operation_name(OP_REFS), "refs");
	assert_string_equal(operation_name(OP_REST_READ), "rest-read");
	assert_string_equal(operation_name(OP_REST_WRITE), "rest-write");
	assert_string_equal(operation_name(OP_TOKEN_ADMIN), "token-admin");
	assert_string_equal(operation_name(OP_WEB), "web");
	assert_string_equal(operation_name(OP_OTHER), "other");
	assert_true(operation_is_write(OP_PUSH, none));
	assert_true(operation_is_write(OP_REST_WRITE, put));
	assert_true(operation_is_write(OP_TOKEN_ADMIN, put));
	assert_false(operation_is_write(OP_TOKEN_ADMIN, get));
	assert_false(operation_is_write(OP_CLONE, none));
	assert_false(operation_is_write(OP_REST_READ, get));
	assert_false(operation_is_write(OP_WEB, put));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smart_http),
		cmocka_unit_test(test_context_path_and_personal),
		cmocka_unit_test(test_rest_and_web),
		cmocka_unit_test(test_token_admin),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_hostile_targets),
		cmocka_unit_test(test_very_long_path),
		cmocka_unit_test(test_names_and_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
