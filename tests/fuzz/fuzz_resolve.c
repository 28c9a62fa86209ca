/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_resolve.c - resolve_request() on any request.  The input
 * is parsed as a log line when it is one; otherwise its parts, split at
 * NUL bytes, become the method, target, protocol and labels of a record,
 * so that any target string reaches the resolver.  Checks that the
 * repository found lies inside the request (or, for a personal
 * repository, inside the user key) and the operation is known.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/parse.h"
#include "analyze/resolve.h"
#include "tests/fuzz/fuzzutil.h"

static bool
is_inside(struct span s, const char *buf, size_t len)
{
	if (s.len == 0)
		return true;
	return s.ptr >= buf && s.len <= len &&
	    (size_t)(s.ptr - buf) <= len - s.len;
}

/* The next NUL-separated part of buf[*pos..len). */
static struct span
next_part(const char *buf, size_t len, size_t *pos)
{
	struct span s = { buf + *pos, 0 };
	const char *nul = memchr(buf + *pos, '\0', len - *pos);

	s.len = nul ? (size_t)(nul - s.ptr) : len - *pos;
	*pos += s.len + (nul != NULL);
	return s;
}

/* Fill rec from the NUL-separated parts of buf. */
static void
build_record(struct logrec *rec, const char *buf, size_t len)
{
	size_t pos = 0;

	memset(rec, 0, sizeof(*rec));
	rec->layout = LAYOUT_B;
	rec->method = next_part(buf, len, &pos);
	rec->target = next_part(buf, len, &pos);
	rec->protocol = next_part(buf, len, &pos);
	rec->labels = next_part(buf, len, &pos);
	rec->action = rec->target;
	rec->user = next_part(buf, len, &pos);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct logrec rec;
	struct repo_ref ref;
	enum operation op;

	FUZZ_CHECK(buf != NULL, "out of memory");
	memcpy(buf, data, size);
	if (parse_line(buf, size, &rec) != PARSE_OK)
		build_record(&rec, buf, size);
	resolve_request(&rec, &ref, &op);
	FUZZ_CHECK(op < OP_N_OPERATIONS, "unknown operation");
	FUZZ_CHECK(operation_name(op) != NULL, "operation name");
	FUZZ_CHECK(is_inside(ref.project, buf, size) ||
	        is_inside(ref.project, ref.user_key, sizeof(ref.user_key)),
	    "project outside the request and the user key");
	FUZZ_CHECK(is_inside(ref.slug, buf, size), "slug outside");
	(void)operation_is_write(op, rec.method);
	free(buf);
	return 0;
}
