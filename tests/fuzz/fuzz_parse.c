/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_parse.c - parse_line() and parse_token_label() on any
 * bytes.  Checks that every span of a parsed record lies inside the line
 * (or is the parser's "-" for an absent field),
 * that the outcome is a known one, that a token id is all digits and
 * comes from an "access-token:id:" element of the labels field, that
 * the line read with a CR before its LF (CRLF files) parses the same, and
 * that parse_line_fields() and parse_line_request() together give what
 * parse_line() gives, and that the one-pass split of a line into fields
 * finds the separators that parse_next_separator() finds one by one.
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
	static const char prefix[] = "access-token:id:";
	size_t at = (size_t)(id.ptr - labels.ptr), n = sizeof(prefix) - 1;

	FUZZ_CHECK(id.len > 0, "empty token id");
	FUZZ_CHECK(is_inside(id, labels.ptr, labels.len),
	    "token id outside the labels");
	for (size_t i = 0; i < id.len; i++)
		FUZZ_CHECK(id.ptr[i] >= '0' && id.ptr[i] <= '9',
		    "token id holds a non-digit");
	FUZZ_CHECK(at >= n && memcmp(id.ptr - n, prefix, n) == 0,
	    "token id not after access-token:id:");
	FUZZ_CHECK(
	    at == n || (at >= n + 2 && memcmp(id.ptr - n - 2, ", ", 2) == 0),
	    "access-token:id: does not start a label");
	FUZZ_CHECK(at + id.len == labels.len ||
	        (labels.len - at - id.len >= 2 &&
	            memcmp(id.ptr + id.len, ", ", 2) == 0),
	    "token id does not end its label");
}

/* Where span s of a record of line lies: its offset, -1 for the parser's
 * own "-", -2 when empty. */
static long
span_offset(struct span s, const char *line, size_t len)
{
	if (s.len == 0)
		return -2;
	if (!is_inside(s, line, len))
		return -1;
	return (long)(s.ptr - line);
}

#define N_SPANS 17

/* The spans of a record, in one order. */
static void
record_spans(const struct logrec *r, struct span out[N_SPANS])
{
	const struct span all[N_SPANS] = { r->address, r->protocol,
		r->request_id, r->node, r->user, r->action, r->method,
		r->target, r->referer, r->user_agent, r->status, r->bytes_read,
		r->bytes_written, r->labels, r->duration, r->session,
		r->token_id };

	memcpy(out, all, sizeof(all));
}

/* The same line with a CR appended parses to the same record. */
static void
check_cr_ended(const char *line, size_t size, enum parse_outcome outcome,
    const struct logrec *rec)
{
	char *with_cr = malloc(size + 1);
	struct span a[N_SPANS], b[N_SPANS];
	struct logrec r2;

	FUZZ_CHECK(with_cr != NULL, "out of memory");
	memcpy(with_cr, line, size);
	with_cr[size] = '\r';
	FUZZ_CHECK(parse_line(with_cr, size + 1, &r2) == outcome,
	    "a CR before the LF changes the outcome");
	if (outcome == PARSE_OK) {
		FUZZ_CHECK(r2.layout == rec->layout &&
		        r2.is_repaired == rec->is_repaired &&
		        r2.is_output == rec->is_output &&
		        r2.n_token_labels == rec->n_token_labels &&
		        memcmp(&r2.time, &rec->time, sizeof(r2.time)) == 0,
		    "a CR before the LF changes the record");
		record_spans(rec, a);
		record_spans(&r2, b);
		for (size_t i = 0; i < N_SPANS; i++)
			FUZZ_CHECK(a[i].len == b[i].len &&
			        span_offset(a[i], line, size) ==
			            span_offset(b[i], with_cr, size + 1),
			    "a CR before the LF moves a field");
	}
	free(with_cr);
}

static bool
same_span(struct span a, struct span b)
{
	return a.ptr == b.ptr && a.len == b.len;
}

/* Every field of a and b, spans by where they point. */
static bool
same_record(const struct logrec *a, const struct logrec *b)
{
	struct span sa[N_SPANS], sb[N_SPANS];

	record_spans(a, sa);
	record_spans(b, sb);
	for (size_t i = 0; i < N_SPANS; i++)
		if (!same_span(sa[i], sb[i]))
			return false;
	return a->layout == b->layout && a->is_output == b->is_output &&
	    a->is_repaired == b->is_repaired &&
	    a->n_token_labels == b->n_token_labels &&
	    same_span(a->raw_action, b->raw_action) &&
	    same_span(a->raw_details, b->raw_details) &&
	    memcmp(&a->time, &b->time, sizeof(a->time)) == 0;
}

/* The two steps of parse_line() give its outcome and its record. */
static void
check_two_steps(const char *line, size_t size, enum parse_outcome outcome,
    const struct logrec *rec)
{
	struct logrec r2;

	FUZZ_CHECK(parse_line_fields(line, size, &r2) == outcome,
	    "parse_line_fields() decides otherwise");
	if (outcome != PARSE_OK)
		return;
	FUZZ_CHECK(r2.action.len == 0 && r2.method.len == 0 &&
	        r2.target.len == 0 && r2.referer.len == 0 &&
	        r2.user_agent.len == 0,
	    "parse_line_fields() split the request's text");
	parse_line_request(&r2);
	FUZZ_CHECK(same_record(&r2, rec), "the two steps give another record");
}

static void
check_record(const struct logrec *r, const char *line, size_t len)
{
	struct span spans[N_SPANS];

	record_spans(r, spans);
	/* A field the layout lacks is the parser's own constant "-". */
	for (size_t i = 0; i < N_SPANS; i++)
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

/* parse_split_fields() finds the separators that parse_next_separator()
 * finds one by one, for the whole input taken as a line body. */
static void
check_split(const char *body, size_t len)
{
	struct line_fields f;
	size_t from = 0, k = 0, p;

	parse_split_fields(body, len, &f);
	while ((p = parse_next_separator(body, from, len)) < len) {
		if (k < LINE_SEP_HEAD)
			FUZZ_CHECK(
			    f.head[k] == p, "split: a first separator moved");
		if (k + LINE_SEP_TAIL >= f.n - 1)
			FUZZ_CHECK(f.tail[k % LINE_SEP_TAIL] == p,
			    "split: a last separator moved");
		k++;
		from = p + 2;
	}
	FUZZ_CHECK(f.n == k + 1, "split: another number of fields");
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
	check_cr_ended(line, size, outcome, &rec);
	check_two_steps(line, size, outcome, &rec);
	check_split(line, size);

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
