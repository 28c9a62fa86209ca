/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_parse.c - parse_line() and parse_token_label() on any
 * bytes.  Checks that every span of a parsed record lies inside the line
 * (or is the parser's "-" for an absent field),
 * that the outcome is a known one, and that a token id is all digits and
 * comes from the labels field.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/parse.h"
#include "tests/fuzz/fuzzutil.h"

static bool
is_inside(struct span s, const char *line, size_t len)
{
	if (s.len == 0)
		return true;
	return s.ptr >= line && s.len <= len &&
	    (size_t)(s.ptr - line) <= len - s.len;
}

static void
check_id(struct span id, struct span labels)
{
	FUZZ_CHECK(id.len > 0, "empty token id");
	FUZZ_CHECK(is_inside(id, labels.ptr, labels.len),
	    "token id outside the labels");
	for (size_t i = 0; i < id.len; i++)
		FUZZ_CHECK(id.ptr[i] >= '0' && id.ptr[i] <= '9',
		    "token id holds a non-digit");
}

static void
check_record(const struct logrec *r, const char *line, size_t len)
{
	const struct span spans[] = { r->address, r->protocol, r->request_id,
		r->node, r->user, r->action, r->method, r->target, r->referer,
		r->user_agent, r->status, r->bytes_read, r->bytes_written,
		r->labels, r->duration, r->session, r->token_id };

	/* A field the layout lacks is the parser's own constant "-". */
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		FUZZ_CHECK(is_inside(spans[i], line, len) ||
		        (spans[i].len == 1 && spans[i].ptr[0] == '-'),
		    "span outside line");
	FUZZ_CHECK(r->time.month >= 1 && r->time.month <= 12, "month");
	FUZZ_CHECK(r->time.day >= 1 && r->time.day <= 31, "day");
	FUZZ_CHECK(r->time.millisecond >= 0 && r->time.millisecond <= 999,
	    "millisecond");
	if (r->token_id.len > 0) {
		check_id(r->token_id, r->labels);
		FUZZ_CHECK(r->n_token_labels == 1, "id from several labels");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *line = malloc(size ? size : 1);
	struct logrec rec;
	struct span labels, id = { NULL, 0 };
	unsigned n_found = 0;
	enum parse_outcome outcome;

	FUZZ_CHECK(line != NULL, "out of memory");
	memcpy(line, data, size);
	outcome = parse_line(line, size, &rec);
	FUZZ_CHECK(outcome < PARSE_N_OUTCOMES, "unknown outcome");
	FUZZ_CHECK(parse_outcome_name(outcome) != NULL, "outcome name");
	if (outcome == PARSE_OK)
		check_record(&rec, line, size);

	/* The whole input as a labels field. */
	labels.ptr = line;
	labels.len = size;
	if (parse_token_label(labels, &id, &n_found)) {
		check_id(id, labels);
		FUZZ_CHECK(n_found == 1, "id from several labels");
	}
	free(line);
	return 0;
}
