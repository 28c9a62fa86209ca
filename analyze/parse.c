/* SPDX-License-Identifier: MIT */
/*
 * analyze/parse.c - one access-log line to a struct logrec, the hot path
 * between gzlines (bytes to lines) and join (records against the snapshot).
 *
 *   10.0.0.5 | https | o@1C42G8Bx514x1250x0 | alice | 2024-05-01 08:34:12,345
 *   | "GET /scm/prj/repo.git/info/refs HTTP/1.1" | "" "git/2.39.2" | 200 | 0
 *   | 1337 | access-token:id:123456789012, refs | 6 | 1irez8i |
 *
 * (one line).  The trailing " |" (and white space after it) is dropped and
 * the rest split on " | " in one pass (sixteen bytes at a time where SSE2
 * is there) that keeps the first and the last separators.  Fields 0-4
 * come from the left, status through session from the right; action and
 * details sit between and are the only fields (with an SSH key label)
 * whose text a client chooses.  The layout is the first that fits, in
 * this order:
 *
 *   G  protocol "grpc" and exactly 15 fields (no client text in them);
 *   B  13 or more fields; status, byte counts and duration are numbers or
 *      "-";
 *   A  10 or more fields; duration is a number or "-";
 *   B  12 or more fields without the duration (Atlassian's own KB example
 *      has such a line); taken as B with duration "-" and marked repaired.
 *
 * 11 and 14 fields are thus layout A or B with one separator too many.
 * Where the middle holds more than two fields, the action ends at the first
 * separator at which it is complete (an HTTP action is quoted and ends in
 * an "HTTP/x.y" word; an SSH action ends in the quoted path) and the rest is
 * a whole details field ("-", or quoted at both ends).  A request-target
 * cannot hold a raw space, so its " | " can only be a forgery inside the
 * quotes; the user agent may hold anything and so absorbs the rest.  With
 * no such separator the layout does not fit.  In layout B the labels take
 * extra separators only when they hold an ssh:label:'...' element and the
 * byte counts fit only that way, and only as many as the separators kept
 * from the end allow (a key label with more is set aside; SSH lines carry
 * no token label, so no attribution is lost).  Lines read with extra
 * separators are marked is_repaired.
 *
 * Within details, the referer ends at the first '" "': a referer is a URL
 * and has no raw space.  A token id is returned with as many digits as it
 * has; callers flag ids that are not 12 digits long.
 */
#include "analyze/parse.h"

#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define TOKEN_PREFIX         "access-token:id:"
#define TOKEN_PREFIX_LEN     (sizeof(TOKEN_PREFIX) - 1)
#define SSH_LABEL_PREFIX     "ssh:label:'"
#define SSH_LABEL_PREFIX_LEN (sizeof(SSH_LABEL_PREFIX) - 1)

static const struct span dash = { "-", 1 };

static const char *const outcome_names[PARSE_N_OUTCOMES] = {
	[PARSE_OK] = "ok",
	[PARSE_BLANK] = "blank",
	[PARSE_TOO_LONG] = "too-long",
	[PARSE_UNRECOGNIZED] = "unrecognized-layout",
	[PARSE_BAD_REQUEST_ID] = "bad-request-id",
	[PARSE_BAD_TIMESTAMP] = "bad-timestamp",
};

const char *
parse_outcome_name(enum parse_outcome outcome)
{
	if ((unsigned)outcome >= PARSE_N_OUTCOMES)
		return "unknown";
	return outcome_names[outcome];
}

static inline struct span
make_span(const char *start, const char *end)
{
	struct span s = { start, (size_t)(end - start) };

	return s;
}

static inline bool
span_eq(struct span s, const char *text)
{
	size_t len = strlen(text);

	return s.len == len && memcmp(s.ptr, text, len) == 0;
}

static inline bool
span_starts(struct span s, const char *prefix)
{
	size_t len = strlen(prefix);

	return s.len >= len && memcmp(s.ptr, prefix, len) == 0;
}

static inline bool
is_digits(const char *p, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/*
 * First occurrence of needle (needle_len >= 1 bytes) in hay, or NULL.
 * memchr() finds each candidate first byte.  Inline, so that the compare
 * of each caller's constant needle is a few instructions and not a call
 * to memcmp(): the labels of every line go through here.
 */
static inline const char *
find_bytes(
    const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	const char *p = hay, *end = hay + hay_len;

	while ((size_t)(end - p) >= needle_len) {
		p = memchr(p, needle[0], (size_t)(end - p) - needle_len + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, needle_len) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* A count field: digits, or "-" when there is none. */
static inline bool
is_count(struct span s)
{
	return span_eq(s, "-") || is_digits(s.ptr, s.len);
}

/* Is s[p] the '|' of a " | "?  The caller keeps p - 1 and p + 1 inside. */
static bool
is_separator_at(const char *s, size_t p)
{
	return s[p] == '|' && s[p - 1] == ' ' && s[p + 1] == ' ';
}

size_t
parse_next_separator(const char *s, size_t from, size_t end)
{
	size_t i = from + 1;

	while (i + 1 < end) {
		const char *q = memchr(s + i, '|', end - 1 - i);

		if (q == NULL)
			break;
		i = (size_t)(q - s);
		if (is_separator_at(s, i))
			return i;
		i++;
	}
	return end;
}

/* Keep p as separator k of f.  The count stays with the caller, in a
 * register: f->n would be stored and loaded again for every separator. */
static void
keep_separator(struct line_fields *f, size_t k, size_t p)
{
	if (k < LINE_SEP_HEAD)
		f->head[k] = p;
	f->tail[k % LINE_SEP_TAIL] = p;
}

/* One parse_next_separator() call per field. */
static void
split_each(struct line_fields *f)
{
	size_t from = 0, n_seps = 0, p;

	while ((p = parse_next_separator(f->line, from, f->body_len)) <
	    f->body_len) {
		keep_separator(f, n_seps++, p);
		from = p + 2;
	}
	f->n = n_seps + 1;
}

#ifdef __SSE2__
/* One bit for each byte among the 16 at p that equals c, the lowest for
 * p[0]. */
static unsigned
bytes_in_block(const char *p, char c)
{
	/* Through void *: the load needs no alignment. */
	__m128i block = _mm_loadu_si128((const void *)p);

	return (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(block, _mm_set1_epi8(c)));
}

/* One bit for each '|' among the 64 bytes at p. */
static uint64_t
pipes_in_chunk(const char *p)
{
	return (uint64_t)bytes_in_block(p, '|') |
	    (uint64_t)bytes_in_block(p + 16, '|') << 16 |
	    (uint64_t)bytes_in_block(p + 32, '|') << 32 |
	    (uint64_t)bytes_in_block(p + 48, '|') << 48;
}

/* Bits for the '|' at positions i .. last (fewer than 64), the lowest
 * for i.  The bytes after the last whole block are read as the sixteen
 * that end at last, those before i shifted out. */
static uint64_t
pipes_in_rest(const char *s, size_t i, size_t last)
{
	uint64_t pipes = 0;

	for (size_t at = i; at <= last; at += 16) {
		size_t start = at + 15 <= last ? at : last - 15;
		uint64_t m = bytes_in_block(s + start, '|') >> (at - start);

		pipes |= m << (at - i);
	}
	return pipes;
}

/* A body being split: the separators found so far. */
struct split_state {
	struct line_fields *f;
	size_t n_seps; /* in a register, not in f->n */
	size_t next;   /* the first place a '|' may start a separator */
};

/*
 * Keep the '|' of pipes (bit k for position base + k) that have a space
 * on each side, in order.  One closer than three bytes to the separator
 * before would share its space and is skipped, as in split_each().
 * Inline, so that *st lives in registers.
 */
static inline void
take_separators(struct split_state *st, size_t base, uint64_t pipes)
{
	const char *s = st->f->line;

	for (; pipes != 0; pipes &= pipes - 1) {
		size_t p = base + (size_t)__builtin_ctzll(pipes);

		if (p >= st->next && s[p - 1] == ' ' && s[p + 1] == ' ') {
			keep_separator(st->f, st->n_seps++, p);
			st->next = p + 3;
		}
	}
}

/*
 * The whole body in one pass without a byte loop: 64 positions at a time
 * make one mask of their '|' in four compares, whose bits are then taken
 * in order, so that the branches follow the number of '|', not where
 * they fall.  A '|' may sit at positions 1 .. body_len - 2.
 */
static void
split_blocks(struct line_fields *f)
{
	struct split_state st = { f, 0, 1 };
	size_t last = f->body_len - 2, i = 1;

	for (; i + 63 <= last; i += 64)
		take_separators(&st, i, pipes_in_chunk(f->line + i));
	if (i <= last)
		take_separators(&st, i, pipes_in_rest(f->line, i, last));
	f->n = st.n_seps + 1;
}
#endif

void
parse_split_fields(const char *line, size_t body_len, struct line_fields *f)
{
	f->line = line;
	f->body_len = body_len;
#ifdef __SSE2__
	/* A '|' may sit at 1 .. body_len - 2: at least one whole block, and
	 * a byte before and after it. */
	if (body_len >= 18) {
		split_blocks(f);
		return;
	}
#endif
	split_each(f);
}

static inline size_t
sep_at(const struct line_fields *f, size_t k)
{
	return k < LINE_SEP_HEAD ? f->head[k] : f->tail[k % LINE_SEP_TAIL];
}

/* True when separator k is still kept: among the first or the last. */
static inline bool
has_sep(const struct line_fields *f, size_t k)
{
	return k < LINE_SEP_HEAD || k + LINE_SEP_TAIL >= f->n - 1;
}

static inline size_t
field_start(const struct line_fields *f, size_t i)
{
	return i == 0 ? 0 : sep_at(f, i - 1) + 2;
}

static inline size_t
field_end(const struct line_fields *f, size_t i)
{
	return i + 1 == f->n ? f->body_len : sep_at(f, i) - 1;
}

/* Fields first..last (inclusive) as one span, separators included. */
static inline struct span
fields_span(const struct line_fields *f, size_t first, size_t last)
{
	return make_span(
	    f->line + field_start(f, first), f->line + field_end(f, last));
}

static inline struct span
field(const struct line_fields *f, size_t i)
{
	return fields_span(f, i, i);
}

static struct span
trim_right(struct span s)
{
	while (
	    s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
		s.len--;
	return s;
}

static bool
is_quoted(struct span s)
{
	return s.len >= 2 && s.ptr[0] == '"' && s.ptr[s.len - 1] == '"';
}

static struct span
unquote(struct span s)
{
	if (is_quoted(s)) {
		s.ptr++;
		s.len -= 2;
	}
	return s;
}

static bool
is_ssh_command(struct span action)
{
	return span_starts(action, "SSH - ") || span_starts(action, "git-");
}

/* The last space-separated word of s (all of s when it has no space). */
static struct span
last_word(struct span s)
{
	size_t i = s.len;

	while (i > 0 && s.ptr[i - 1] != ' ')
		i--;
	return make_span(s.ptr + i, s.ptr + s.len);
}

/* An action that can end here: see the file comment. */
static bool
is_complete_action(struct span raw)
{
	struct span inner = unquote(raw);

	if (raw.len > 0 && raw.ptr[0] == '"' && !is_quoted(raw))
		return false;
	if (is_ssh_command(inner))
		return inner.len > 0 && inner.ptr[inner.len - 1] == '\'';
	return is_quoted(raw) && span_starts(last_word(inner), "HTTP/");
}

static bool
is_whole_details(struct span raw)
{
	struct span d = trim_right(raw);

	return span_eq(d, "-") || is_quoted(d);
}

/*
 * Split the middle of a line, fields first..last, into action and details.
 * With two fields the separator between them is taken as it is; with more,
 * the first separator after a complete action and before whole details.
 * Returns false when there is none.
 */
static bool
split_middle(const struct line_fields *f, size_t first, size_t last,
    struct span *action, struct span *details)
{
	size_t start = field_start(f, first), end = field_end(f, last);
	size_t p = sep_at(f, first);

	if (last == first + 1) {
		*action = field(f, first);
		*details = field(f, last);
		return true;
	}
	for (; p < end; p = parse_next_separator(f->line, p + 2, end)) {
		*action = make_span(f->line + start, f->line + p - 1);
		*details = make_span(f->line + p + 2, f->line + end);
		if (is_complete_action(*action) && is_whole_details(*details))
			return true;
	}
	return false;
}

/* Method and target of an HTTP action, or the path of an SSH command. */
static void
split_action(struct logrec *rec, struct span raw)
{
	struct span a = unquote(raw);
	const char *space, *q1, *q2;
	struct span version;

	rec->action = a;
	rec->method = make_span(a.ptr, a.ptr);
	rec->target = rec->method;
	if (is_ssh_command(a)) {
		q1 = memchr(a.ptr, '\'', a.len);
		q2 = a.len > 0 ? a.ptr + a.len - 1 : a.ptr;
		if (q1 != NULL && q2 > q1 && *q2 == '\'')
			rec->target = make_span(q1 + 1, q2);
		return;
	}
	space = memchr(a.ptr, ' ', a.len);
	if (space == NULL)
		return;
	rec->method = make_span(a.ptr, space);
	rec->target = make_span(space + 1, a.ptr + a.len);
	version = last_word(rec->target);
	if (version.ptr > rec->target.ptr && span_starts(version, "HTTP/"))
		rec->target.len = (size_t)(version.ptr - 1 - rec->target.ptr);
}

/* Referer and user agent of "ref" "agent", a "banner", or "-". */
static void
split_details(struct logrec *rec, struct span raw)
{
	struct span d = trim_right(raw);
	const char *mid;

	rec->referer = make_span(d.ptr, d.ptr);
	rec->user_agent = rec->referer;
	if (span_eq(d, "-"))
		return;
	if (!is_quoted(d)) {
		rec->user_agent = d;
		return;
	}
	/* After the opening quote, so that the referer never ends first. */
	mid = find_bytes(d.ptr + 1, d.len - 1, "\" \"", 3);
	if (mid == NULL || mid + 3 > d.ptr + d.len - 1) {
		rec->user_agent = unquote(d);
		return;
	}
	rec->referer = make_span(d.ptr + 1, mid);
	rec->user_agent = make_span(mid + 3, d.ptr + d.len - 1);
}

/* Find action and details in the middle fields; false when none fits.
 * They are split further only by parse_line_request(). */
static bool
take_middle(
    const struct line_fields *f, size_t first, size_t last, struct logrec *rec)
{
	if (last <= first ||
	    !split_middle(f, first, last, &rec->raw_action, &rec->raw_details))
		return false;
	if (last > first + 1)
		rec->is_repaired = true;
	return true;
}

static bool
fit_layout_g(const struct line_fields *f, struct logrec *rec)
{
	if (f->n != 15)
		return false;
	rec->layout = LAYOUT_G;
	rec->user = field(f, 4);
	rec->status = field(f, 8);
	rec->bytes_read = field(f, 9);
	rec->bytes_written = field(f, 10);
	rec->labels = dash; /* fields 11-13 are opaque counters */
	rec->duration = dash;
	rec->session = field(f, 14);
	return take_middle(f, 6, 7, rec);
}

/*
 * Layout B with the labels in fields labels_first..n-3.  More than one
 * labels field is accepted only for an SSH key label.
 */
static bool
fit_layout_b_at(
    const struct line_fields *f, size_t labels_first, struct logrec *rec)
{
	size_t n = f->n;
	struct span labels = fields_span(f, labels_first, n - 3);

	if (!is_count(field(f, labels_first - 3)) ||
	    !is_count(field(f, labels_first - 2)) ||
	    !is_count(field(f, labels_first - 1)))
		return false;
	if (labels_first < n - 3 &&
	    find_bytes(labels.ptr, labels.len, SSH_LABEL_PREFIX,
	        SSH_LABEL_PREFIX_LEN) == NULL)
		return false;
	rec->layout = LAYOUT_B;
	rec->status = field(f, labels_first - 3);
	rec->bytes_read = field(f, labels_first - 2);
	rec->bytes_written = field(f, labels_first - 1);
	rec->labels = labels;
	rec->duration = field(f, n - 2);
	rec->session = field(f, n - 1);
	if (labels_first < n - 3)
		rec->is_repaired = true;
	return take_middle(f, 5, labels_first - 4, rec);
}

static bool
fit_layout_b(const struct line_fields *f, struct logrec *rec)
{
	if (f->n < 13 || !is_count(field(f, f->n - 2)))
		return false;
	for (size_t first = f->n - 3; first >= 10 && has_sep(f, first - 5);
	     first--) {
		rec->is_repaired = false;
		if (fit_layout_b_at(f, first, rec))
			return true;
	}
	return false;
}

static bool
fit_layout_a(const struct line_fields *f, struct logrec *rec)
{
	size_t n = f->n;

	if (n < 10 || !is_count(field(f, n - 2)))
		return false;
	rec->layout = LAYOUT_A;
	rec->status = dash;
	rec->bytes_read = dash;
	rec->bytes_written = dash;
	rec->labels = field(f, n - 3);
	rec->duration = field(f, n - 2);
	rec->session = field(f, n - 1);
	rec->is_repaired = false;
	return take_middle(f, 5, n - 4, rec);
}

/* Layout B with the duration missing (see the file comment). */
static bool
fit_layout_b_short(const struct line_fields *f, struct logrec *rec)
{
	size_t n = f->n;

	if (n < 12 || !is_count(field(f, n - 5)) ||
	    !is_count(field(f, n - 4)) || !is_count(field(f, n - 3)))
		return false;
	rec->layout = LAYOUT_B;
	rec->status = field(f, n - 5);
	rec->bytes_read = field(f, n - 4);
	rec->bytes_written = field(f, n - 3);
	rec->labels = field(f, n - 2);
	rec->duration = dash;
	rec->session = field(f, n - 1);
	rec->is_repaired = true;
	return take_middle(f, 5, n - 6, rec);
}

/*
 * Check a request id against ^[io]([@*][0-9A-Z]+x)?[0-9]{1,4}x[0-9]+x[0-9]+$
 * and set *node to the part between '@' or '*' and the first 'x'.
 */
static bool
check_request_id(struct span id, struct span *node)
{
	const char *p = id.ptr, *end = id.ptr + id.len, *start;
	size_t n_digits[3];

	*node = make_span(p, p);
	if (p == end || (*p != 'i' && *p != 'o'))
		return false;
	p++;
	if (p < end && (*p == '@' || *p == '*')) {
		start = ++p;
		while (p < end &&
		    ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z')))
			p++;
		if (p == start || p == end || *p != 'x')
			return false;
		*node = make_span(start, p++);
	}
	for (int i = 0; i < 3; i++) {
		start = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		n_digits[i] = (size_t)(p - start);
		if (n_digits[i] == 0 || (i < 2 && (p == end || *p++ != 'x')))
			return false;
	}
	return p == end && n_digits[0] <= 4;
}

/* Drop the line ending, trailing white space and the final " |". */
static enum parse_outcome
find_body(const char *line, size_t len, size_t *body_len)
{
	while (len > 0 &&
	    (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	        line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len == 0)
		return PARSE_BLANK;
	if (len < 2 || line[len - 1] != '|' || line[len - 2] != ' ')
		return PARSE_UNRECOGNIZED;
	*body_len = len - 2;
	return PARSE_OK;
}

static bool
fit_layout(const struct line_fields *f, struct logrec *rec)
{
	if (span_eq(rec->protocol, "grpc"))
		return fit_layout_g(f, rec);
	return fit_layout_b(f, rec) || fit_layout_a(f, rec) ||
	    fit_layout_b_short(f, rec);
}

/*
 * Empty the fields that parse_line_fields() leaves to others or sets only
 * on some paths; every other field it sets on the way to PARSE_OK.  Field
 * by field, not memset(): this runs for every line, and clearing the whole
 * record cost more than the stores that follow.
 */
static void
clear_record(struct logrec *rec)
{
	static const struct span none = { NULL, 0 };

	rec->is_repaired = false;
	rec->node = none;
	rec->raw_action = none;
	rec->raw_details = none;
	rec->action = none;
	rec->method = none;
	rec->target = none;
	rec->referer = none;
	rec->user_agent = none;
	rec->token_id = none;
	rec->n_token_labels = 0;
}

enum parse_outcome
parse_line_fields(const char *line, size_t len, struct logrec *rec)
{
	struct line_fields f;
	enum parse_outcome outcome;
	struct span time;
	size_t body_len;

	clear_record(rec);
	outcome = find_body(line, len, &body_len);
	if (outcome != PARSE_OK)
		return outcome;
	parse_split_fields(line, body_len, &f);
	if (f.n < 10)
		return PARSE_UNRECOGNIZED;

	/*
	 * XXX(#5): the address list comes from X-Forwarded-For.  Should
	 * Bitbucket log that header raw, a client could put " | " into it;
	 * the line is then set aside (bad request id or unrecognized, and
	 * counted), not misread, but it drops out of the reports.
	 */
	rec->address = field(&f, 0);
	rec->protocol = field(&f, 1);
	rec->request_id = field(&f, 2);
	rec->user = field(&f, 3);
	time = field(&f, 4);
	if (!fit_layout(&f, rec))
		return PARSE_UNRECOGNIZED;
	if (rec->layout == LAYOUT_G)
		time = field(&f, 5);

	if (!check_request_id(rec->request_id, &rec->node))
		return PARSE_BAD_REQUEST_ID;
	rec->is_output = rec->request_id.ptr[0] == 'o';
	if (logtime_parse(time.ptr, time.len, &rec->time) != 0)
		return PARSE_BAD_TIMESTAMP;
	parse_token_label(rec->labels, &rec->token_id, &rec->n_token_labels);
	return PARSE_OK;
}

void
parse_line_request(struct logrec *rec)
{
	split_action(rec, rec->raw_action);
	split_details(rec, rec->raw_details);
}

enum parse_outcome
parse_line(const char *line, size_t len, struct logrec *rec)
{
	enum parse_outcome outcome = parse_line_fields(line, len, rec);

	if (outcome == PARSE_OK)
		parse_line_request(rec);
	return outcome;
}

/*
 * End of the label element that starts at p.  A quoted SSH key label runs
 * to the last quote that ends the field or precedes ", ", so nothing its
 * owner wrote can end it early; any other element ends at ", ".
 */
static const char *
label_end(const char *p, const char *end)
{
	const char *q;

	if ((size_t)(end - p) > SSH_LABEL_PREFIX_LEN &&
	    memcmp(p, SSH_LABEL_PREFIX, SSH_LABEL_PREFIX_LEN) == 0) {
		for (q = end - 1; q > p + SSH_LABEL_PREFIX_LEN - 1; q--)
			if (*q == '\'' &&
			    (q + 1 == end ||
			        (end - q > 2 && q[1] == ',' && q[2] == ' ')))
				return q + 1;
		return end;
	}
	q = find_bytes(p, (size_t)(end - p), ", ", 2);
	return q == NULL ? end : q;
}

bool
parse_token_label(struct span labels, struct span *id, unsigned *n_found)
{
	const char *p = labels.ptr, *end = labels.ptr + labels.len, *e;
	struct span digits = make_span(p, p);
	unsigned n = 0, n_good = 0;

	while (p < end) {
		e = label_end(p, end);
		if ((size_t)(e - p) >= TOKEN_PREFIX_LEN &&
		    memcmp(p, TOKEN_PREFIX, TOKEN_PREFIX_LEN) == 0) {
			n++;
			if (is_digits(p + TOKEN_PREFIX_LEN,
			        (size_t)(e - p) - TOKEN_PREFIX_LEN)) {
				n_good++;
				digits = make_span(p + TOKEN_PREFIX_LEN, e);
			}
		}
		p = e == end ? end : e + 2;
	}
	*n_found = n;
	*id =
	    n == 1 && n_good == 1 ? digits : make_span(labels.ptr, labels.ptr);
	return n == 1 && n_good == 1;
}
