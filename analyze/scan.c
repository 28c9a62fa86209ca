/* SPDX-License-Identifier: MIT */
/*
 * analyze/scan.c - the per-line loop of analyze.  A line is read, parsed
 * or set aside, paired (i with o, within the file), and when it is a
 * completed request carrying exactly one access-token label it is joined
 * with the snapshot, counted for its token and written as report rows.
 * Every thousand lines the loop passes the bytes read to the progress
 * line and stops if the run was interrupted, so that neither waits for
 * the end of a large file.
 */
#include "analyze/scan.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/findings.h"
#include "analyze/parse.h"
#include "analyze/resolve.h"
#include "common/diag.h"

/* The canonical length of a token id; others are flagged. */
#define TOKEN_ID_DIGITS 12
/* Token ids longer than this are not taken. */
#define TOKEN_ID_MAX 64
/* A file's scan looks at the bytes read and at Ctrl-C every this many
 * lines (a power of two): a few milliseconds of work, and no lock. */
#define CHECK_LINES 1024
/* The bytes read go to the progress line, which takes a lock, in steps
 * of at least this many. */
#define PROGRESS_STEP (2 * 1024 * 1024)

const char *const scan_request_columns[] = { "time", "token_id", "token_name",
	"token_kind", "token_user", "log_user", "project_key", "repo_slug",
	"repo_in_snapshot", "client_ip", "proxies", "protocol", "method",
	"path", "operation", "status", "bytes_read", "bytes_written",
	"duration_ms", "user_agent", "request_id", "node", "file", "line",
	NULL };

const char *const scan_timeline_columns[] = { "message", "datetime",
	"timestamp_desc", "token_id", "token_name", "token_kind", "token_user",
	"project_key", "repo_slug", "client_ip", "operation", "method", "path",
	"status", "user_agent", "request_id", "node", "file", "line", NULL };

/* A completed token request, joined with the snapshot. */
struct request {
	const struct logrec *rec;
	const char *path;
	uint64_t line;
	struct logtime_instant at;
	struct span token_id;
	const struct snap_token *token;
	struct repo_ref ref;
	const struct snap_repo *repo;       /* NULL when not resolved */
	const struct snap_project *project; /* for project-only URLs */
	enum operation op;
	uint32_t status; /* 0 when the field is not a number */
	size_t repo_name_len;
	char repo_name[1024]; /* "KEY/slug" touched, or "" */
};

/* Request ids up to this long are kept inside the pairing table.  Ids are
 * about 20 bytes; a longer one, legal but unusual, goes to a hash map. */
#define OPEN_ID_MAX 31

struct open_id {
	uint64_t hash; /* 0 marks an empty slot */
	uint32_t len;
	char id[OPEN_ID_MAX];
};

/*
 * The request ids of i lines awaiting their o line.  Every line adds or
 * removes one, so the ids are stored in the slots (open addressing, linear
 * probing, removal by shifting back) instead of being allocated one by one.
 */
struct open_ids {
	struct open_id *slots;
	size_t cap;         /* a power of two, or 0 */
	size_t count;       /* ids in slots */
	struct hmap longer; /* ids longer than OPEN_ID_MAX */
};

/* One file being scanned. */
struct scan_state {
	const char *path;
	uint32_t file_index;
	struct file_summary *summary;
	struct tokagg *agg;
	struct open_ids open; /* ids of i lines awaiting their o line */
	bool has_first_time;
	struct logtime_local first_time, last_time; /* parsed lines' */
	uint64_t bytes_shown; /* bytes read passed to the progress line */
};

const char *
set_aside_reason_name(enum set_aside_reason reason)
{
	switch (reason) {
	case SET_ASIDE_BLANK:
		return "blank";
	case SET_ASIDE_TOO_LONG:
		return "too-long";
	case SET_ASIDE_UNRECOGNIZED:
		return "unrecognized-layout";
	case SET_ASIDE_BAD_REQUEST_ID:
		return "bad-request-id";
	case SET_ASIDE_BAD_TIMESTAMP:
		return "bad-timestamp";
	case SET_ASIDE_TRUNCATED_START:
		return "truncated-start";
	case SET_ASIDE_TRUNCATED_END:
		return "truncated-end";
	case SET_ASIDE_N_REASONS:
		break;
	}
	return "unknown";
}

/* A worker's rows go into its chunk, as a part of the open record. */
static void
add_row(void *chunk, const char *row, size_t len)
{
	reqsort_append(chunk, row, len);
}

int
scan_worker_init(struct scan_worker *w, const struct scan_config *config,
    struct reqsort *sort)
{
	memset(w, 0, sizeof(*w));
	w->config = config;
	w->sort = sort;
	csvout_init_rows(&w->csv, add_row, &w->chunk);
	return reqsort_chunk_init(&w->chunk);
}

int
scan_worker_finish(struct scan_worker *w)
{
	return reqsort_chunk_flush(&w->chunk, w->sort);
}

void
scan_worker_release(struct scan_worker *w)
{
	reqsort_chunk_release(&w->chunk);
	csvout_release(&w->csv);
}

static bool
is_dash(struct span s)
{
	return s.len == 0 || (s.len == 1 && s.ptr[0] == '-');
}

/* A log field as a cell: "-" and empty become an empty cell. */
static void
cell_field(struct csvout *csv, struct span s)
{
	if (is_dash(s))
		csvout_empty(csv);
	else
		csvout_text(csv, s.ptr, s.len);
}

/* The decimal value of a field, or 0 when it is not a plain number. */
static uint64_t
field_number(struct span s)
{
	uint64_t v = 0;

	if (s.len == 0 || s.len > 19)
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s.ptr[i] - '0');
	}
	return v;
}

/* Client address and proxies: the address field split at its first
 * comma. */
static void
split_address(struct span address, struct span *client, struct span *proxies)
{
	const char *comma = memchr(address.ptr, ',', address.len);

	*client = address;
	proxies->ptr = address.ptr + address.len;
	proxies->len = 0;
	if (!comma)
		return;
	client->len = (size_t)(comma - address.ptr);
	proxies->ptr = comma + 1;
	proxies->len = address.len - client->len - 1;
}

/* Project key and repository slug: today's names when the snapshot
 * knows them, else as written in the request. */
static void
cell_repository_names(struct csvout *csv, const struct request *rq)
{
	if (rq->repo && rq->repo->project) {
		csvout_str(csv, rq->repo->project->key);
		csvout_str(csv, rq->repo->slug);
	} else if (rq->project && rq->ref.slug.len == 0) {
		csvout_str(csv, rq->project->key);
		csvout_empty(csv);
	} else {
		cell_field(csv, rq->ref.project);
		cell_field(csv, rq->ref.slug);
	}
}

/* Whether the snapshot knows what the request named: "yes", "no", or
 * empty when it named nothing. */
static void
cell_in_snapshot(struct csvout *csv, const struct request *rq)
{
	if ((rq->repo && rq->repo->project) ||
	    (rq->project && rq->ref.slug.len == 0))
		csvout_str(csv, "yes");
	else
		csvout_str(csv, rq->ref.project.len ? "no" : "");
}

static void
cell_token(struct csvout *csv, const struct request *rq)
{
	const struct snap_token *t = rq->token;

	csvout_text(csv, rq->token_id.ptr, rq->token_id.len);
	csvout_str(csv, t ? t->name : NULL);
	csvout_str(csv, token_kind_name(t ? t->kind : TOKEN_UNKNOWN));
	csvout_str(csv, t ? t->user_name : NULL);
}

static void
write_request_row(struct csvout *csv, const struct request *rq)
{
	const struct logrec *rec = rq->rec;
	char time[LOGTIME_ISO_SIZE];
	struct span client, proxies;

	split_address(rec->address, &client, &proxies);
	csvout_str(csv, logtime_format(&rq->at, time));
	cell_token(csv, rq);
	cell_field(csv, rec->user);
	cell_repository_names(csv, rq);
	cell_in_snapshot(csv, rq);
	cell_field(csv, client);
	cell_field(csv, proxies);
	cell_field(csv, rec->protocol);
	cell_field(csv, rec->method);
	cell_field(csv, rec->target);
	csvout_str(csv, operation_name(rq->op));
	cell_field(csv, rec->status);
	cell_field(csv, rec->bytes_read);
	cell_field(csv, rec->bytes_written);
	cell_field(csv, rec->duration);
	cell_field(csv, rec->user_agent);
	cell_field(csv, rec->request_id);
	cell_field(csv, rec->node);
	csvout_str(csv, rq->path);
	csvout_u64(csv, rq->line);
	csvout_end_row(csv);
}

/*
 * Text built in a fixed buffer and cut to fit as snprintf() would cut it;
 * the buffer is always NUL-terminated.  Plain copies instead of a format
 * string: these run for every token request.
 */
struct text {
	char *buf;
	size_t cap, len;
};

static void
text_add(struct text *t, const char *s, size_t n)
{
	size_t room = t->cap - 1 - t->len;

	if (n > room)
		n = room;
	if (n == 0)
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* A log field, up to a NUL byte in it as "%.*s" would copy it. */
static void
text_span(struct text *t, struct span s)
{
	text_add(t, s.ptr, s.len ? strnlen(s.ptr, s.len) : 0);
}

/* "KEY/slug" of the repository a request touched, for the aggregates
 * and summaries; today's names when the snapshot knows it. */
static size_t
repository_name(const struct request *rq, char *buf, size_t cap)
{
	struct text t = { buf, cap, 0 };

	buf[0] = '\0';
	if (rq->repo && rq->repo->project) {
		text_str(&t, rq->repo->project->key);
		text_add(&t, "/", 1);
		text_str(&t, rq->repo->slug);
	} else if (rq->ref.slug.len > 0) {
		text_span(&t, rq->ref.project);
		text_add(&t, "/", 1);
		text_span(&t, rq->ref.slug);
	} else if (rq->project) {
		text_str(&t, rq->project->key);
	}
	return t.len;
}

static int
aggregate(struct tokagg *agg, const struct request *rq)
{
	const struct logrec *rec = rq->rec;
	struct token_agg *t =
	    tokagg_get(agg, rq->token_id.ptr, rq->token_id.len);
	struct span client, proxies;

	if (!t)
		return -1;
	if (t->requests == 0 || rq->at.utc_ms < t->first_seen.utc_ms)
		t->first_seen = rq->at;
	if (t->requests == 0 || rq->at.utc_ms >= t->last_seen.utc_ms)
		t->last_seen = rq->at;
	t->requests++;
	t->failed_requests += rq->status >= 400;
	t->clones += rq->op == OP_CLONE;
	t->fetches += rq->op == OP_FETCH;
	t->pushes += rq->op == OP_PUSH;
	t->bytes_written += field_number(rec->bytes_written);
	split_address(rec->address, &client, &proxies);
	if (counted_set_add(&t->ips, client.ptr, client.len, 1) != 0 ||
	    counted_set_add(
	        &t->agents, rec->user_agent.ptr, rec->user_agent.len, 1) != 0 ||
	    ((rq->repo || rq->ref.slug.len > 0) &&
	        counted_set_add(
	            &t->repos, rq->repo_name, rq->repo_name_len, 1) != 0))
		return -1;
	return 0;
}

static bool
is_in_window(const struct scan_config *config, int64_t utc_ms)
{
	return (!config->has_since || utc_ms >= config->since_ms) &&
	    (!config->has_until || utc_ms < config->until_ms);
}

static bool
is_selected(const struct scan_config *config, const struct request *rq)
{
	bool is_listed = config->n_tokens == 0;

	if (!is_in_window(config, rq->at.utc_ms))
		return false;
	for (size_t i = 0; i < config->n_tokens && !is_listed; i++)
		is_listed = strlen(config->tokens[i]) == rq->token_id.len &&
		    memcmp(config->tokens[i], rq->token_id.ptr,
		        rq->token_id.len) == 0;
	return is_listed;
}

/* The Timesketch message: what happened, in one line. */
static void
cell_message(struct csvout *csv, const struct request *rq)
{
	const struct snap_token *tok = rq->token;
	struct span client, proxies;
	char buf[1400];
	struct text t = { buf, sizeof(buf), 0 };

	split_address(rq->rec->address, &client, &proxies);
	text_str(&t, operation_name(rq->op));
	text_add(&t, " ", 1);
	text_str(&t, rq->repo_name_len ? rq->repo_name : "(no repository)");
	text_add(&t, " by ", 4);
	text_str(&t, token_kind_name(tok ? tok->kind : TOKEN_UNKNOWN));
	text_add(&t, " token ", 7);
	text_span(&t, rq->token_id);
	if (tok) {
		text_add(&t, " (", 2);
		text_str(&t, tok->name);
		text_add(&t, ")", 1);
	}
	text_add(&t, " from ", 6);
	text_span(&t, client);
	text_add(&t, ": ", 2);
	text_span(&t, rq->rec->status);
	csvout_text(csv, buf, t.len);
}

/* The timeline row's message cell, as a row of one cell: the rest of
 * the timeline row is made of requests row cells when the runs are
 * merged (scan_timeline_row()), so the runs hold them only once. */
static void
write_timeline_message(struct csvout *csv, const struct request *rq)
{
	cell_message(csv, rq);
	csvout_end_row(csv);
}

/* Where each timeline.csv cell comes from: a requests.csv column, or: */
enum {
	FROM_MESSAGE = -1,     /* the message row of the record */
	FROM_DESCRIPTION = -2, /* the timestamp description */
};

static const int timeline_sources[] = { FROM_MESSAGE, 0 /* time */,
	FROM_DESCRIPTION, 1, 2, 3, 4 /* token */, 6, 7 /* repository */,
	9 /* client_ip */, 14 /* operation */, 12, 13 /* method, path */,
	15 /* status */, 19 /* user_agent */, 20, 21 /* request_id, node */, 22,
	23 /* file, line */ };

#define N_REQUEST_COLUMNS \
	(sizeof(scan_request_columns) / sizeof(scan_request_columns[0]) - 1)
#define N_TIMELINE_COLUMNS (sizeof(timeline_sources) / sizeof(int))

_Static_assert(N_TIMELINE_COLUMNS ==
        sizeof(scan_timeline_columns) / sizeof(scan_timeline_columns[0]) - 1,
    "one source per timeline column");

/* The description cell as csvout writes a plain text cell. */
#define DESCRIPTION_CELL "\"Request completed\""

/*
 * Split a row written by csvout (CRLF at its end) into n cells, quotes
 * included.  A quoted cell ends at a quote that is not doubled; any other
 * ends at the next comma.  False when the row does not hold n cells.
 */
static bool
split_row(const char *row, size_t len, struct span *cells, size_t n)
{
	const char *p = row, *end;
	size_t i = 0;

	if (len < 2 || row[len - 2] != '\r' || row[len - 1] != '\n')
		return false;
	end = row + len - 2;
	for (;;) {
		const char *start = p, *q;

		if (p < end && *p == '"') {
			for (q = p + 1;; q += 2) {
				q = memchr(q, '"', (size_t)(end - q));
				if (q == NULL)
					return false;
				if (q + 1 == end || q[1] != '"')
					break;
			}
			p = q + 1;
		} else {
			q = memchr(p, ',', (size_t)(end - p));
			p = q ? q : end;
		}
		if (i == n)
			return false;
		cells[i].ptr = start;
		cells[i++].len = (size_t)(p - start);
		if (p == end)
			return i == n;
		if (*p++ != ',')
			return false;
	}
}

/* Append n bytes to the row; false when memory ran out. */
static bool
append(struct scan_timeline *t, const char *data, size_t n)
{
	if (t->row_len + n > t->cap) {
		size_t cap = (t->row_len + n) * 2;
		char *p = realloc(t->row, cap);

		if (!p)
			return false;
		t->row = p;
		t->cap = cap;
	}
	memcpy(t->row + t->row_len, data, n);
	t->row_len += n;
	return true;
}

/* The timeline cell i, from the requests row's cells or the message. */
static bool
append_cell(struct scan_timeline *t, size_t i, const struct span *cells,
    struct span message)
{
	int from = timeline_sources[i];

	if (i > 0 && !append(t, ",", 1))
		return false;
	if (from == FROM_MESSAGE)
		return append(t, message.ptr, message.len);
	if (from == FROM_DESCRIPTION)
		return append(
		    t, DESCRIPTION_CELL, sizeof(DESCRIPTION_CELL) - 1);
	return append(t, cells[from].ptr, cells[from].len);
}

int
scan_timeline_row(
    struct scan_timeline *t, const char *message_row, size_t message_len)
{
	struct span cells[N_REQUEST_COLUMNS], message;
	bool ok = true;

	t->row_len = 0;
	if (t->request_len == 0 && message_len == 0)
		return 0; /* a refusal without a token: facts only */
	if (!split_row(
	        t->request_row, t->request_len, cells, N_REQUEST_COLUMNS) ||
	    !split_row(message_row, message_len, &message, 1))
		return diag_error("a temporary file of the run is corrupt");
	for (size_t i = 0; i < N_TIMELINE_COLUMNS && ok; i++)
		ok = append_cell(t, i, cells, message);
	if (!ok || !append(t, "\r\n", 2))
		return diag_error("out of memory");
	return 0;
}

void
scan_timeline_release(struct scan_timeline *t)
{
	free(t->row);
	memset(t, 0, sizeof(*t));
}

/* Start a record of the three parts: requests row, timeline row and
 * facts.  0, or -1 when memory ran out. */
static int
begin_record(struct scan_worker *w, const struct logrec *rec, int64_t utc_ms,
    uint32_t file_index, uint64_t line)
{
	struct reqsort_key key;

	memset(&key, 0, sizeof(key));
	key.utc_ms = utc_ms;
	memcpy(key.node, rec->node.ptr,
	    rec->node.len < REQSORT_NODE_MAX ? rec->node.len
	                                     : REQSORT_NODE_MAX);
	key.file_index = file_index;
	key.line = line;
	return reqsort_record_begin(&w->chunk, &key);
}

static void
fill_facts(
    struct request_facts *facts, const struct request *rq, uint32_t file_index)
{
	struct span proxies;

	memset(facts, 0, sizeof(*facts));
	facts->utc_ms = rq->at.utc_ms;
	facts->offset_sec = rq->at.offset_sec;
	facts->file_index = file_index;
	facts->line = rq->line;
	facts->status = rq->status;
	facts->request_id = rq->rec->request_id;
	split_address(rq->rec->address, &facts->address, &proxies);
	facts->repository.ptr = rq->repo_name;
	facts->repository.len = rq->repo_name_len;
}

/* The facts as the record's last part. */
static void
add_facts(struct scan_worker *w, const struct request_facts *facts)
{
	char *out = reqsort_reserve(&w->chunk, findings_packed_size(facts));

	if (out)
		findings_pack(facts, out);
	reqsort_part_end(&w->chunk);
}

/* Write the three parts of a token request. */
static int
write_record(
    struct scan_worker *w, const struct request *rq, uint32_t file_index)
{
	struct request_facts facts;

	if (begin_record(w, rq->rec, rq->at.utc_ms, file_index, rq->line) != 0)
		return -1;
	write_request_row(&w->csv, rq);
	reqsort_part_end(&w->chunk);
	write_timeline_message(&w->csv, rq);
	reqsort_part_end(&w->chunk);
	fill_facts(&facts, rq, file_index);
	facts.has_token = true;
	facts.token_id = rq->token_id;
	facts.flags = findings_request_flags(rq->token, &rq->at, rq->status,
	    rq->op, rq->rec->method, rq->repo, rq->project);
	add_facts(w, &facts);
	if (csvout_has_failed(&w->csv))
		return diag_error("out of memory");
	return reqsort_record_end(&w->chunk, w->sort);
}

/* Resolve, filter, aggregate and write one completed token request. */
static int
report_request(struct scan_worker *w, struct request *rq,
    struct file_summary *summary, struct tokagg *agg, uint32_t file_index)
{
	const struct scan_config *config = w->config;

	if (!is_selected(config, rq))
		return 0;
	summary->n_reported++;
	rq->token = snapdb_token(config->snap, rq->token_id);
	resolve_request(rq->rec, &rq->ref, &rq->op);
	if (rq->ref.slug.len > 0)
		rq->repo =
		    snapdb_repo(config->snap, rq->ref.project, rq->ref.slug);
	else if (rq->ref.project.len > 0)
		rq->project = snapdb_project(config->snap, rq->ref.project);
	rq->repo_name_len =
	    repository_name(rq, rq->repo_name, sizeof(rq->repo_name));
	if (aggregate(agg, rq) != 0)
		return -1;
	return write_record(w, rq, file_index);
}

/* A refused request without a token label: only its facts travel, for
 * the failed-auth-burst rule by address. */
static int
report_refusal(struct scan_worker *w, struct request *rq, uint32_t file_index)
{
	struct request_facts facts;

	if (w->config->n_tokens > 0 || !is_in_window(w->config, rq->at.utc_ms))
		return 0;
	if (begin_record(w, rq->rec, rq->at.utc_ms, file_index, rq->line) != 0)
		return -1;
	reqsort_part_end(&w->chunk);
	reqsort_part_end(&w->chunk);
	fill_facts(&facts, rq, file_index);
	add_facts(w, &facts);
	return reqsort_record_end(&w->chunk, w->sort);
}

static size_t
open_count(const struct open_ids *o)
{
	return o->count + o->longer.count;
}

static void
open_release(struct open_ids *o)
{
	free(o->slots);
	hmap_release(&o->longer);
	memset(o, 0, sizeof(*o));
}

/*
 * Copy and compare ids of 1 to OPEN_ID_MAX bytes as two moves of a fixed
 * size that overlap in the middle.  Every line does one or the other, and
 * memcpy() or memcmp() of a length known only at run time is a call whose
 * partial stores the next lookup's loads must wait for.
 */
static void
id_copy(char *dst, const char *src, size_t len)
{
	if (len >= 16) {
		memcpy(dst, src, 16);
		memcpy(dst + len - 16, src + len - 16, 16);
	} else if (len >= 8) {
		memcpy(dst, src, 8);
		memcpy(dst + len - 8, src + len - 8, 8);
	} else {
		for (size_t i = 0; i < len; i++)
			dst[i] = src[i];
	}
}

static bool
id_equal(const char *a, const char *b, size_t len)
{
	if (len >= 16)
		return memcmp(a, b, 16) == 0 &&
		    memcmp(a + len - 16, b + len - 16, 16) == 0;
	if (len >= 8)
		return memcmp(a, b, 8) == 0 &&
		    memcmp(a + len - 8, b + len - 8, 8) == 0;
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The slot holding id, or the empty slot where it would go. */
static size_t
open_find(const struct open_ids *o, const char *id, size_t len, uint64_t hash)
{
	size_t mask = o->cap - 1, i = (size_t)hash & mask;

	while (o->slots[i].hash != 0 &&
	    (o->slots[i].hash != hash || o->slots[i].len != len ||
	        !id_equal(o->slots[i].id, id, len)))
		i = (i + 1) & mask;
	return i;
}

static int
open_grow(struct open_ids *o)
{
	size_t cap = o->cap ? o->cap * 2 : 64;
	struct open_ids bigger = { calloc(cap, sizeof(struct open_id)), cap,
		o->count, o->longer };

	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < o->cap; i++)
		if (o->slots[i].hash != 0)
			bigger.slots[open_find(&bigger, o->slots[i].id,
			    o->slots[i].len, o->slots[i].hash)] = o->slots[i];
	free(o->slots);
	*o = bigger;
	return 0;
}

/* Remember id; 0, or -1 when memory ran out. */
static int
open_add(struct open_ids *o, const char *id, size_t len)
{
	uint64_t hash = hmap_hash(id, len) | 1;
	struct hmap_slot *slot;
	size_t i;
	bool is_new;

	if (len > OPEN_ID_MAX) {
		slot = hmap_upsert(&o->longer, id, len, &is_new);
		if (slot)
			slot->value = o; /* any non-NULL marks presence */
		return slot ? 0 : -1;
	}
	if ((o->count + 1) * 2 > o->cap && open_grow(o) != 0)
		return -1;
	i = open_find(o, id, len, hash);
	if (o->slots[i].hash == 0) {
		o->slots[i].hash = hash;
		o->slots[i].len = (uint32_t)len;
		id_copy(o->slots[i].id, id, len);
		o->count++;
	}
	return 0;
}

/* Forget id; false when it was not there.  The ids after it in its probe
 * run move back into the gap, so lookups need no tombstones. */
static bool
open_remove(struct open_ids *o, const char *id, size_t len)
{
	size_t mask = o->cap - 1, hole, i;

	if (len > OPEN_ID_MAX)
		return hmap_remove(&o->longer, id, len) != NULL;
	if (o->count == 0)
		return false;
	hole = open_find(o, id, len, hmap_hash(id, len) | 1);
	if (o->slots[hole].hash == 0)
		return false;
	o->slots[hole].hash = 0;
	o->count--;
	for (i = (hole + 1) & mask; o->slots[i].hash != 0; i = (i + 1) & mask) {
		size_t home = (size_t)o->slots[i].hash & mask;

		if (((i - home) & mask) >= ((i - hole) & mask)) {
			o->slots[hole] = o->slots[i];
			o->slots[i].hash = 0;
			hole = i;
		}
	}
	return true;
}

/* Pair i and o lines by request id (without its i/o letter). */
static int
pair_request(struct open_ids *open, const struct logrec *rec,
    struct file_summary *summary)
{
	const char *id = rec->request_id.ptr + 1;
	size_t len = rec->request_id.len - 1;

	if (rec->is_output) {
		if (!open_remove(open, id, len))
			summary->n_unmatched++;
		return 0;
	}
	if (open_count(open) >= SCAN_MAX_OPEN_REQUESTS) {
		summary->n_pairing_overflow++;
		return 0;
	}
	if (open_add(open, id, len) != 0)
		return diag_error("out of memory");
	return 0;
}

static enum set_aside_reason
reason_for(enum parse_outcome outcome, const struct gzline *line)
{
	if (outcome != PARSE_BLANK && outcome != PARSE_TOO_LONG) {
		if (line->number == 1)
			return SET_ASIDE_TRUNCATED_START;
		if (line->is_unterminated)
			return SET_ASIDE_TRUNCATED_END;
	}
	switch (outcome) {
	case PARSE_BLANK:
		return SET_ASIDE_BLANK;
	case PARSE_TOO_LONG:
		return SET_ASIDE_TOO_LONG;
	case PARSE_BAD_REQUEST_ID:
		return SET_ASIDE_BAD_REQUEST_ID;
	case PARSE_BAD_TIMESTAMP:
		return SET_ASIDE_BAD_TIMESTAMP;
	case PARSE_OK:
	case PARSE_UNRECOGNIZED:
	case PARSE_N_OUTCOMES:
		break;
	}
	return SET_ASIDE_UNRECOGNIZED;
}

/* Remember the times of the first and last parsed line. */
static void
note_time(struct scan_state *st, const struct logrec *rec)
{
	if (!st->has_first_time) {
		st->first_time = rec->time;
		st->has_first_time = true;
	}
	st->last_time = rec->time;
}

/*
 * A request for rec with nothing resolved yet and its instant still to be
 * set (logtime_to_instant()).  Field by field: the
 * repository reference's user buffer and the name buffer need no
 * clearing (resolve_request() fills the reference and its operation), and
 * a memset() of the 400 bytes before the name cost a tenth of the line
 * loop's own time.
 */
static void
request_init(struct request *rq, const struct logrec *rec,
    const struct scan_state *st, uint64_t line, uint32_t status)
{
	static const struct span none = { NULL, 0 };

	rq->rec = rec;
	rq->path = st->path;
	rq->line = line;
	rq->token_id = rec->token_id;
	rq->token = NULL;
	rq->ref.project = none;
	rq->ref.slug = none;
	rq->repo = NULL;
	rq->project = NULL;
	rq->op = OP_OTHER;
	rq->status = status;
	rq->repo_name_len = 0;
	rq->repo_name[0] = '\0';
}

/* Act on a completed request: a token request is reported, a refused
 * request without a token passes on its facts. */
static int
scan_output(struct scan_worker *w, const struct gzline *line,
    struct logrec *rec, struct scan_state *st)
{
	struct request rq;
	uint32_t status = (uint32_t)field_number(rec->status);
	bool has_token =
	    rec->token_id.len > 0 && rec->token_id.len <= TOKEN_ID_MAX;

	if (rec->n_token_labels > 1 ||
	    (rec->n_token_labels == 1 && rec->token_id.len != TOKEN_ID_DIGITS))
		st->summary->n_label_anomalies++;
	/* Most o lines neither carry a token nor were refused. */
	if (!has_token && !findings_is_refusal(status))
		return 0;

	request_init(&rq, rec, st, line->number, status);
	logtime_to_instant(&w->time_cache, &rec->time, &rq.at);
	if (!has_token)
		return report_refusal(w, &rq, st->file_index);
	st->summary->n_token_requests++;
	parse_line_request(rec);
	return report_request(w, &rq, st->summary, st->agg, st->file_index);
}

/* Account for one line and act on it. */
static int
scan_line(
    struct scan_worker *w, const struct gzline *line, struct scan_state *st)
{
	enum parse_outcome outcome = PARSE_TOO_LONG;
	struct logrec rec;

	st->summary->n_lines++;
	if (!line->is_too_long)
		outcome = parse_line_fields(line->data, line->len, &rec);
	if (outcome != PARSE_OK) {
		st->summary->n_set_aside++;
		st->summary->set_aside[reason_for(outcome, line)]++;
		return 0;
	}
	st->summary->n_parsed++;
	st->summary->n_repaired += rec.is_repaired;
	note_time(st, &rec);
	if (pair_request(&st->open, &rec, st->summary) != 0)
		return -1;
	if (!rec.is_output)
		return 0;
	return scan_output(w, line, &rec, st);
}

/* The file's first and last parsed times as instants, for coverage. */
static void
set_coverage(struct scan_worker *w, const struct scan_state *st)
{
	struct logtime_instant first, last;

	if (!st->has_first_time)
		return;
	logtime_to_instant(&w->time_cache, &st->first_time, &first);
	logtime_to_instant(&w->time_cache, &st->last_time, &last);
	st->summary->has_times = true;
	st->summary->first = first.utc_ms < last.utc_ms ? first : last;
	st->summary->last = first.utc_ms < last.utc_ms ? last : first;
}

/* Every CHECK_LINES lines: pass the bytes read to the progress line once
 * they make a step, and see whether the run was interrupted.  Returns 0,
 * or -1 when it was. */
static int
check_in(const struct scan_worker *w, const struct gzlines *gz,
    struct scan_state *st)
{
	uint64_t bytes_in = gzlines_bytes_in(gz);

	if (bytes_in - st->bytes_shown >= PROGRESS_STEP) {
		progress_advance(
		    w->config->progress, bytes_in - st->bytes_shown, 0);
		st->bytes_shown = bytes_in;
	}
	return progress_is_interrupted() ? -1 : 0;
}

/* The file is done: the rest of its size, so that the steps add up to
 * it, and the file itself.  A file that shrank while it was read (cut by
 * log rotation) adds no bytes. */
static void
show_done(const struct scan_worker *w, const struct scan_state *st)
{
	uint64_t size = st->summary->stats.size;

	progress_advance(w->config->progress,
	    size > st->bytes_shown ? size - st->bytes_shown : 0, 1);
}

int
scan_file(struct scan_worker *w, const char *path, uint32_t file_index,
    struct file_summary *summary, struct tokagg *agg)
{
	struct scan_state st = { .path = path,
		.file_index = file_index,
		.summary = summary,
		.agg = agg };
	struct gzlines *gz = NULL;
	struct gzline line;
	int rc = 0, got = 0;

	memset(summary, 0, sizeof(*summary));
	memset(&st.open, 0, sizeof(st.open));
	if (gzlines_open(&gz, path) != 0) {
		show_done(w, &st);
		return 0;
	}
	summary->is_opened = true;
	while (rc == 0 && (got = gzlines_next(gz, &line)) == 1) {
		rc = scan_line(w, &line, &st);
		if (rc == 0 && line.number % CHECK_LINES == 0)
			rc = check_in(w, gz, &st);
	}
	/* A run that ends needs no digest: reading the rest would delay it. */
	if (rc != 0)
		gzlines_close(gz, NULL);
	else if (gzlines_close(gz, &summary->stats) != 0 || got < 0)
		summary->has_read_error = true;
	summary->n_unfinished = open_count(&st.open);
	set_coverage(w, &st);
	open_release(&st.open);
	if (rc == 0)
		show_done(w, &st);
	return rc;
}
