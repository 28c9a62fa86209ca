/* SPDX-License-Identifier: MIT */
/*
 * analyze/findings.c - the finding rules: per-request flags decided in
 * the workers, history rules run over the merged stream, log gaps at the
 * end, and findings.csv.
 */
#include "analyze/findings.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"

/* A bound on burst states kept before old ones are swept. */
#define BURST_SWEEP_MIN 4096
/* LAST_AUTHENTICATED this much after the last request is still "seen". */
#define LOG_GAP_TOLERANCE_MS 1000
/* Creation this close after a request suggests a zone error. */
#define ZONE_ERROR_MAX_MS (14 * 3600 * 1000LL + 1)
/* Permission ids that allow writing: REPO_WRITE, PROJECT_WRITE,
 * PROJECT_ADMIN, ADMIN, SYS_ADMIN, REPO_ADMIN. */
#define WRITE_PERMISSIONS                                                      \
	((1u << 1) | (1u << 3) | (1u << 4) | (1u << 6) | (1u << 7) |           \
	    (1u << 8))

static const char *const rule_names[N_RULES] = {
	"unknown-token", "used-after-expiry", "used-before-creation",
	"out-of-scope", "write-without-write-permission", "owner-deleted",
	"new-source-ip", "failed-auth-burst", "log-gap",
};

static const char *const finding_columns[] = {
	"rule", "severity", "token_id", "token_name", "first_time",
	"last_time", "count", "summary", "file", "line", "request_id", NULL
};

/* One finding: a rule at a severity for a subject (token or address). */
struct finding {
	enum finding_rule rule;
	enum severity severity;
	char *token_id;    /* "" for an address */
	char *address;     /* failed-auth-burst by address, else NULL */
	struct logtime_instant first, last;
	uint64_t count;
	uint64_t n_succeeded;
	uint32_t file_index; /* example request: the first */
	uint64_t line;
	char *request_id;
	bool has_example;
	struct counted_set values; /* repositories or addresses named */
	int64_t lead_ms;     /* used-before-creation: longest lead */
	char *text;          /* log-gap: its own summary */
};

/* new-source-ip: what one token did in its baseline. */
struct token_history {
	int64_t first_ms;
	struct hmap baseline; /* addresses seen in the baseline window */
	bool is_capped;
};

/* failed-auth-burst: the last burst_count refusals of a subject. */
struct burst_state {
	int64_t *times;       /* ring of burst_count times */
	uint64_t *seqs;       /* their sequence numbers */
	size_t head, n;
	uint64_t next_seq, counted_upto; /* refusals counted so far */
	int64_t last_ms;
};

const char *
finding_rule_name(enum finding_rule rule)
{
	return rule < N_RULES ? rule_names[rule] : "unknown";
}

const char *
severity_name(enum severity severity)
{
	switch (severity) {
	case SEVERITY_INFO:
		return "info";
	case SEVERITY_WARNING:
		return "warning";
	case SEVERITY_CRITICAL:
		break;
	}
	return "critical";
}

int
severity_parse(const char *name, enum severity *out)
{
	static const enum severity all[] = { SEVERITY_INFO, SEVERITY_WARNING,
		SEVERITY_CRITICAL };

	for (size_t i = 0; i < 3; i++)
		if (strcmp(name, severity_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

bool
findings_is_refusal(uint32_t status)
{
	return status == 401 || status == 403;
}

static bool
is_success(uint32_t status)
{
	return status >= 100 && status < 400;
}

/* A rule's flag: critical when the request succeeded, else warning. */
static uint32_t
flag_by_outcome(enum finding_rule rule, uint32_t status)
{
	return is_success(status) ? FINDING_FLAG(rule, SEVERITY_CRITICAL)
				  : FINDING_FLAG(rule, SEVERITY_WARNING);
}

static bool
contains_id(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* True when a project or repository token touched something outside
 * its scope.  Tokens without scope rows are not judged. */
static bool
is_out_of_scope(const struct snap_token *t, const struct snap_repo *repo,
    const struct snap_project *project)
{
	const struct snap_project *p = repo ? repo->project : project;

	if (t->kind == TOKEN_REPOSITORY && t->n_scope_repos > 0 && repo)
		return !contains_id(t->scope_repo_ids, t->n_scope_repos,
		    repo->id);
	if (t->kind == TOKEN_PROJECT && t->n_scope_projects > 0 && p)
		return !contains_id(t->scope_project_ids, t->n_scope_projects,
		    p->id);
	return false;
}

uint32_t
findings_request_flags(const struct snap_token *t,
    const struct logtime_instant *at, uint32_t status, enum operation op,
    struct span method, const struct snap_repo *repo,
    const struct snap_project *project)
{
	uint32_t flags = 0;

	if (!t)
		return FINDING_FLAG(RULE_UNKNOWN_TOKEN, SEVERITY_WARNING);
	if (t->expires.is_set && at->utc_ms > t->expires.at.utc_ms)
		flags |= flag_by_outcome(RULE_USED_AFTER_EXPIRY, status);
	if (t->created.is_set && at->utc_ms < t->created.at.utc_ms)
		flags |= FINDING_FLAG(RULE_USED_BEFORE_CREATION,
		    SEVERITY_WARNING);
	if (is_out_of_scope(t, repo, project))
		flags |= flag_by_outcome(RULE_OUT_OF_SCOPE, status);
	if (operation_is_write(op, method) &&
	    (t->permission_mask & WRITE_PERMISSIONS) == 0)
		flags |= flag_by_outcome(RULE_WRITE_WITHOUT_PERMISSION, status);
	if (t->kind == TOKEN_PERSONAL && t->is_owner_deleted &&
	    t->owner_deleted_at.is_set &&
	    at->utc_ms > t->owner_deleted_at.at.utc_ms)
		flags |= flag_by_outcome(RULE_OWNER_DELETED, status);
	return flags;
}

/* The fixed part of packed facts; the four strings follow. */
struct packed_facts {
	int64_t utc_ms;
	uint64_t line;
	int32_t offset_sec;
	uint32_t flags, file_index, status;
	uint32_t len[4]; /* token id, address, request id, repository */
	uint8_t has_token;
	uint8_t pad[7];
};

size_t
findings_packed_size(const struct request_facts *facts)
{
	return sizeof(struct packed_facts) + facts->token_id.len +
	    facts->address.len + facts->request_id.len +
	    facts->repository.len;
}

void
findings_pack(const struct request_facts *facts, char *out)
{
	const struct span *parts[4] = { &facts->token_id, &facts->address,
		&facts->request_id, &facts->repository };
	struct packed_facts p;

	memset(&p, 0, sizeof(p));
	p.utc_ms = facts->utc_ms;
	p.line = facts->line;
	p.offset_sec = facts->offset_sec;
	p.flags = facts->flags;
	p.file_index = facts->file_index;
	p.status = facts->status;
	p.has_token = facts->has_token;
	for (int i = 0; i < 4; i++)
		p.len[i] = (uint32_t)parts[i]->len;
	memcpy(out, &p, sizeof(p));
	out += sizeof(p);
	for (int i = 0; i < 4; i++) {
		if (parts[i]->len > 0)
			memcpy(out, parts[i]->ptr, parts[i]->len);
		out += parts[i]->len;
	}
}

int
findings_unpack(const char *data, size_t len, struct request_facts *facts)
{
	struct span *parts[4] = { &facts->token_id, &facts->address,
		&facts->request_id, &facts->repository };
	struct packed_facts p;
	size_t offset = sizeof(p);

	if (len < sizeof(p))
		return -1;
	memcpy(&p, data, sizeof(p));
	facts->utc_ms = p.utc_ms;
	facts->line = p.line;
	facts->offset_sec = p.offset_sec;
	facts->flags = p.flags;
	facts->file_index = p.file_index;
	facts->status = p.status;
	facts->has_token = p.has_token != 0;
	for (int i = 0; i < 4; i++) {
		if (p.len[i] > len - offset)
			return -1;
		parts[i]->ptr = data + offset;
		parts[i]->len = p.len[i];
		offset += p.len[i];
	}
	return 0;
}

void
findings_init(struct findings *f, const struct findings_options *opt)
{
	memset(f, 0, sizeof(*f));
	f->opt = *opt;
	hmap_init(&f->found);
	hmap_init(&f->history);
	hmap_init(&f->bursts);
	f->burst_sweep_at = BURST_SWEEP_MIN;
}

static void
free_finding(struct finding *x)
{
	free(x->token_id);
	free(x->address);
	free(x->request_id);
	free(x->text);
	hmap_release(&x->values.values);
	free(x);
}

static void
free_burst(struct burst_state *b)
{
	free(b->times);
	free(b->seqs);
	free(b);
}

void
findings_release(struct findings *f)
{
	struct hmap_slot *slot;
	size_t pos = 0;

	while ((slot = hmap_next(&f->found, &pos)))
		free_finding(slot->value);
	pos = 0;
	while ((slot = hmap_next(&f->history, &pos))) {
		struct token_history *h = slot->value;

		hmap_release(&h->baseline);
		free(h);
	}
	pos = 0;
	while ((slot = hmap_next(&f->bursts, &pos)))
		free_burst(slot->value);
	hmap_release(&f->found);
	hmap_release(&f->history);
	hmap_release(&f->bursts);
}

_Static_assert(N_RULES <= 10 && SEVERITY_CRITICAL <= 9,
    "a rule and a severity are one decimal digit in a finding's key");

/* Append s at p up to a NUL byte in it, as "%.*s" copies; returns the
 * end. */
static char *
put_text(char *p, struct span s)
{
	size_t n = s.len ? strnlen(s.ptr, s.len) : 0;

	if (n > 0)
		memcpy(p, s.ptr, n);
	return p + n;
}

/*
 * The map key of a finding, "RULE|SEVERITY|TOKEN|ADDRESS", into key
 * (token_id.len + address.len + 32 bytes); its length.  Copied, not
 * formatted: the findings look a key up for many of the requests.
 */
static size_t
finding_key(char *key, enum finding_rule rule, enum severity sev,
    struct span token_id, struct span address)
{
	char *p = key;

	*p++ = (char)('0' + rule);
	*p++ = '|';
	*p++ = (char)('0' + sev);
	*p++ = '|';
	p = put_text(p, token_id);
	*p++ = '|';
	p = put_text(p, address);
	return (size_t)(p - key);
}

/* The finding of rule at severity for a token or an address, created on
 * first use; NULL when memory ran out. */
static struct finding *
finding_get(struct findings *f, enum finding_rule rule, enum severity sev,
    struct span token_id, struct span address)
{
	struct hmap_slot *slot;
	struct finding *x;
	char small[256], *key = small;
	size_t cap = token_id.len + address.len + 32;
	bool is_new;

	if (cap > sizeof(small) && !(key = malloc(cap)))
		return NULL;
	slot = hmap_upsert(&f->found, key,
	    finding_key(key, rule, sev, token_id, address), &is_new);
	if (key != small)
		free(key);
	if (!slot)
		return NULL;
	if (!is_new)
		return slot->value;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	slot->value = x;
	x->rule = rule;
	x->severity = sev;
	x->token_id = strndup(token_id.ptr, token_id.len);
	if (address.len > 0)
		x->address = strndup(address.ptr, address.len);
	hmap_init(&x->values.values);
	x->values.max = TOKAGG_MAX_REPOS;
	if (!x->token_id || (address.len > 0 && !x->address))
		return NULL;
	return x;
}

/* Count one request towards x; the first becomes the example. */
static int
finding_count(struct finding *x, const struct request_facts *facts)
{
	struct logtime_instant at = { facts->utc_ms, facts->offset_sec };

	if (!x->has_example) {
		x->has_example = true;
		x->first = at;
		x->file_index = facts->file_index;
		x->line = facts->line;
		x->request_id = strndup(facts->request_id.ptr,
		    facts->request_id.len);
		if (!x->request_id)
			return -1;
	}
	x->last = at;
	x->count++;
	x->n_succeeded += is_success(facts->status);
	return 0;
}

/* Which value a rule's summary lists: repositories or addresses. */
static struct span
listed_value(enum finding_rule rule, const struct request_facts *facts)
{
	if (rule == RULE_OUT_OF_SCOPE || rule == RULE_WRITE_WITHOUT_PERMISSION)
		return facts->repository;
	return facts->address;
}

static int
add_flagged(struct findings *f, const struct request_facts *facts,
    const struct snapdb *snap)
{
	static const struct span none = { "", 0 };

	for (int rule = 0; rule < N_RULES; rule++)
		for (int c = 0; c < 2; c++) {
			enum severity sev = c ? SEVERITY_CRITICAL
					      : SEVERITY_WARNING;
			struct span value = listed_value(rule, facts);
			const struct snap_token *t;
			struct finding *x;

			if (!(facts->flags & FINDING_FLAG(rule, sev)))
				continue;
			x = finding_get(f, rule, sev, facts->token_id, none);
			if (!x || finding_count(x, facts) != 0 ||
			    (value.len > 0 && counted_set_add(&x->values,
				value.ptr, value.len, 1) != 0))
				return -1;
			t = snapdb_token(snap, facts->token_id);
			if (rule == RULE_USED_BEFORE_CREATION && t &&
			    t->created.at.utc_ms - facts->utc_ms > x->lead_ms)
				x->lead_ms = t->created.at.utc_ms -
				    facts->utc_ms;
		}
	return 0;
}

/* new-source-ip: addresses of a token's first baseline_ms are its
 * baseline; any other address after that is new. */
static int
check_new_source(struct findings *f, const struct request_facts *facts)
{
	static const struct span none = { "", 0 };
	struct token_history *h;
	struct hmap_slot *slot;
	struct finding *x;
	bool is_new;

	slot = hmap_upsert(&f->history, facts->token_id.ptr,
	    facts->token_id.len, &is_new);
	if (!slot || (is_new && !(slot->value = calloc(1, sizeof(*h)))))
		return -1;
	h = slot->value;
	if (is_new)
		h->first_ms = facts->utc_ms;
	if (facts->utc_ms - h->first_ms < f->opt.baseline_ms) {
		if (h->baseline.count >= TOKAGG_MAX_IPS) {
			h->is_capped = true;
			return 0;
		}
		slot = hmap_upsert(&h->baseline, facts->address.ptr,
		    facts->address.len, &is_new);
		if (!slot)
			return -1;
		slot->value = h; /* any non-NULL value marks presence */
		return 0;
	}
	if (hmap_get(&h->baseline, facts->address.ptr, facts->address.len))
		return 0;
	x = finding_get(f, RULE_NEW_SOURCE_IP, SEVERITY_WARNING,
	    facts->token_id, none);
	if (!x || finding_count(x, facts) != 0)
		return -1;
	return counted_set_add(&x->values, facts->address.ptr,
	    facts->address.len, 1);
}

static struct burst_state *
burst_get(struct findings *f, const char *key, size_t len)
{
	struct hmap_slot *slot;
	struct burst_state *b;
	bool is_new;

	slot = hmap_upsert(&f->bursts, key, len, &is_new);
	if (!slot)
		return NULL;
	if (!is_new)
		return slot->value;
	b = calloc(1, sizeof(*b));
	if (b) {
		b->times = calloc(f->opt.burst_count, sizeof(*b->times));
		b->seqs = calloc(f->opt.burst_count, sizeof(*b->seqs));
	}
	if (!b || !b->times || !b->seqs) {
		if (b)
			free_burst(b);
		hmap_remove(&f->bursts, key, len);
		return NULL;
	}
	slot->value = b;
	return b;
}

/* Forget subjects whose last refusal is older than the window: they
 * cannot be part of a burst any more.  Old states are freed in one pass,
 * then their keys removed, since removal moves entries. */
static int
sweep_bursts(struct findings *f, int64_t now_ms)
{
	struct span *stale = malloc((f->bursts.count + 1) * sizeof(*stale));
	struct hmap_slot *slot;
	size_t pos = 0, n = 0;

	if (!stale)
		return -1;
	while ((slot = hmap_next(&f->bursts, &pos))) {
		struct burst_state *b = slot->value;

		if (now_ms - b->last_ms <= f->opt.burst_window_ms)
			continue;
		free_burst(b);
		slot->value = NULL;
		stale[n].ptr = slot->key;
		stale[n++].len = slot->key_len;
	}
	/* Each key is its own allocation, so the pointers stay valid while
	 * other entries are removed and moved. */
	for (size_t i = 0; i < n; i++)
		hmap_remove(&f->bursts, stale[i].ptr, stale[i].len);
	free(stale);
	f->burst_sweep_at = f->bursts.count * 2 > BURST_SWEEP_MIN
	    ? f->bursts.count * 2
	    : BURST_SWEEP_MIN;
	return 0;
}

/* Record a refusal at now_ms in b; returns how many refusals of a burst
 * are newly counted (0 when no burst is under way). */
static uint64_t
burst_push(struct burst_state *b, const struct findings_options *opt,
    int64_t now_ms, int64_t *burst_start_ms)
{
	size_t cap = opt->burst_count, oldest;
	uint64_t seq = b->next_seq++, from;

	b->times[b->head] = now_ms;
	b->seqs[b->head] = seq;
	b->head = (b->head + 1) % cap;
	if (b->n < cap)
		b->n++;
	b->last_ms = now_ms;
	oldest = b->n < cap ? 0 : b->head;
	if (b->n < cap || now_ms - b->times[oldest] > opt->burst_window_ms)
		return 0;
	*burst_start_ms = b->times[oldest];
	from = b->seqs[oldest] > b->counted_upto ? b->seqs[oldest]
						 : b->counted_upto;
	b->counted_upto = seq + 1;
	return seq + 1 - from;
}

/* failed-auth-burst for one subject: a token, or an address. */
static int
check_burst(struct findings *f, const struct request_facts *facts,
    struct span token_id, struct span address)
{
	char key[1100];
	struct burst_state *b;
	struct finding *x;
	struct span subject;
	int64_t start_ms = 0;
	uint64_t n_new;
	size_t n;

	/* "t:ID" or "a:ADDRESS", the subject up to a NUL byte in it. */
	subject = token_id.len ? token_id : address;
	n = subject.len ? strnlen(subject.ptr, subject.len) : 0;
	if (2 + n >= sizeof(key))
		return 0; /* an address this long is no address */
	key[0] = token_id.len ? 't' : 'a';
	key[1] = ':';
	if (n > 0)
		memcpy(key + 2, subject.ptr, n);
	b = burst_get(f, key, 2 + n);
	if (!b)
		return -1;
	n_new = burst_push(b, &f->opt, facts->utc_ms, &start_ms);
	if (n_new == 0)
		return 0;
	x = finding_get(f, RULE_FAILED_AUTH_BURST, SEVERITY_WARNING, token_id,
	    address);
	if (!x)
		return -1;
	if (!x->has_example) {
		if (finding_count(x, facts) != 0)
			return -1;
		x->first.utc_ms = start_ms;
		x->count = 0;
	}
	x->last.utc_ms = facts->utc_ms;
	x->last.offset_sec = facts->offset_sec;
	x->count += n_new;
	return 0;
}

int
findings_add(struct findings *f, const struct request_facts *facts,
    const struct snapdb *snap)
{
	static const struct span none = { "", 0 };
	int rc = 0;

	if (facts->has_token)
		rc = add_flagged(f, facts, snap) |
		    check_new_source(f, facts);
	if (rc == 0 && findings_is_refusal(facts->status)) {
		if (facts->has_token)
			rc = check_burst(f, facts, facts->token_id, none);
		if (rc == 0)
			rc = check_burst(f, facts, none, facts->address);
	}
	if (rc == 0 && f->bursts.count >= f->burst_sweep_at)
		rc = sweep_bursts(f, facts->utc_ms);
	if (rc != 0)
		f->has_failed = true;
	return rc;
}

static bool
is_covered(const struct coverage *cov, int64_t t)
{
	for (size_t i = 0; i < cov->n; i++)
		if (t >= cov->start[i].utc_ms && t <= cov->end[i].utc_ms)
			return true;
	return false;
}

static bool
is_listed(const char *id, char *const *tokens, size_t n_tokens)
{
	for (size_t i = 0; i < n_tokens; i++)
		if (strcmp(tokens[i], id) == 0)
			return true;
	return n_tokens == 0;
}

/* The log-gap summary for token t whose last use the logs miss. */
static char *
log_gap_text(const struct snap_token *t, const struct token_agg *a,
    const struct coverage *cov, const struct logtime_instant *cov_end)
{
	char when[LOGTIME_ISO_SIZE], last[LOGTIME_ISO_SIZE];
	char end[LOGTIME_ISO_SIZE];
	int64_t at = t->last_authenticated.at.utc_ms;
	char *text = NULL;
	size_t len = 0;
	FILE *ms = open_memstream(&text, &len);

	if (!ms)
		return NULL;
	logtime_format(&t->last_authenticated.at, when);
	fprintf(ms, "The database says token %s last authenticated at %s, ",
	    t->id, when);
	if (a)
		fprintf(ms, "but the logs show its last request at %s. ",
		    logtime_format(&a->last_seen, last));
	else
		fprintf(ms, "but the logs show no request with it. ");
	if (at > cov_end->utc_ms)
		fprintf(ms, "The logs given end earlier, at %s: later logs are "
		    "missing.", logtime_format(cov_end, end));
	else if (!is_covered(cov, at))
		fprintf(ms, "No log given covers that time: logs of that "
		    "period are missing.");
	else
		fprintf(ms, "The logs cover that time, so the logs of some "
		    "node are probably missing.");
	if (fclose(ms) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int
add_log_gap(struct findings *f, const struct snap_token *t,
    const struct token_agg *a, const struct coverage *cov,
    const struct logtime_instant *cov_end)
{
	struct span id = { t->id, strlen(t->id) };
	static const struct span none = { "", 0 };
	struct finding *x;

	x = finding_get(f, RULE_LOG_GAP, SEVERITY_WARNING, id, none);
	if (!x)
		return -1;
	x->first = x->last = t->last_authenticated.at;
	x->count = 1;
	x->text = log_gap_text(t, a, cov, cov_end);
	return x->text ? 0 : -1;
}

int
findings_log_gaps(struct findings *f, const struct snapdb *snap,
    const struct tokagg *seen, const struct coverage *cov,
    char *const *tokens, size_t n_tokens, const int64_t *since_ms,
    const int64_t *until_ms)
{
	struct logtime_instant cov_end = { INT64_MIN, 0 };
	int64_t cov_start = INT64_MAX;

	for (size_t i = 0; i < cov->n; i++) {
		if (cov->start[i].utc_ms < cov_start)
			cov_start = cov->start[i].utc_ms;
		if (cov->end[i].utc_ms > cov_end.utc_ms)
			cov_end = cov->end[i];
	}
	for (size_t i = 0; i < snap->n_tokens && cov->n > 0; i++) {
		const struct snap_token *t = snap->by_id[i];
		const struct token_agg *a;
		int64_t at = t->last_authenticated.at.utc_ms;

		if (!t->last_authenticated.is_set || at < cov_start ||
		    (since_ms && at < *since_ms) ||
		    (until_ms && at >= *until_ms) ||
		    !is_listed(t->id, tokens, n_tokens))
			continue;
		a = hmap_get(&seen->tokens, t->id, strlen(t->id));
		if (a && at <= a->last_seen.utc_ms + LOG_GAP_TOLERANCE_MS)
			continue;
		if (add_log_gap(f, t, a, cov, &cov_end) != 0)
			return -1;
	}
	return 0;
}

/* "5h 03m" for a duration in milliseconds. */
static void
format_duration(int64_t ms, char *buf, size_t cap)
{
	int64_t minutes = ms / 60000;

	snprintf(buf, cap, "%" PRId64 "h %02" PRId64 "m", minutes / 60,
	    minutes % 60);
}

static void
describe_unknown(FILE *ms, const struct finding *x, const char *values,
    const struct token_audit *audit)
{
	char when[LOGTIME_ISO_SIZE];

	fprintf(ms, "Token %s is not in the snapshot but made %" PRIu64
	    " request(s), %" PRIu64 " of them accepted, from %s.",
	    x->token_id, x->count, x->n_succeeded, values);
	if (!audit) {
		fprintf(ms, " No audit row of the snapshot names it: it was "
		    "deleted before the oldest audit row kept, or the snapshot "
		    "is of another instance.");
		return;
	}
	if (audit->has_created)
		fprintf(ms, " The audit log shows it created at %s by %s.",
		    logtime_format_utc(audit->created_ms, when),
		    audit->created_by ? audit->created_by : "?");
	if (audit->has_deleted)
		fprintf(ms, " It was deleted at %s by %s.",
		    logtime_format_utc(audit->deleted_ms, when),
		    audit->deleted_by ? audit->deleted_by : "?");
}

static void
describe_token_rule(FILE *ms, const struct finding *x,
    const struct snap_token *t, const char *values,
    const struct findings_options *opt)
{
	char when[LOGTIME_ISO_SIZE], lead[32];

	switch (x->rule) {
	case RULE_USED_AFTER_EXPIRY:
		fprintf(ms, "Token %s expired at %s and was used %" PRIu64
		    " time(s) after that, %" PRIu64 " of them accepted.",
		    x->token_id, logtime_format(&t->expires.at, when),
		    x->count, x->n_succeeded);
		break;
	case RULE_USED_BEFORE_CREATION:
		format_duration(x->lead_ms, lead, sizeof(lead));
		fprintf(ms, "Token %s was used %" PRIu64 " time(s) before it "
		    "was created at %s, the earliest %s before. %s",
		    x->token_id, x->count, logtime_format(&t->created.at, when),
		    lead, x->lead_ms < ZONE_ERROR_MAX_MS
			? "Suspect a wrong --log-tz."
			: "Suspect clock trouble or a reused token id.");
		break;
	case RULE_OUT_OF_SCOPE:
		fprintf(ms, "The %s token %s, scoped to %s, was used %" PRIu64
		    " time(s) outside its scope, %" PRIu64 " of them "
		    "accepted: %s.", token_kind_name(t->kind), x->token_id,
		    t->scope, x->count, x->n_succeeded, values);
		break;
	case RULE_WRITE_WITHOUT_PERMISSION:
		fprintf(ms, "Token %s holds %s but made %" PRIu64 " write "
		    "request(s), %" PRIu64 " of them accepted, on %s.",
		    x->token_id, *t->permissions ? t->permissions
						  : "no permission",
		    x->count, x->n_succeeded, *values ? values : "no repository");
		break;
	case RULE_OWNER_DELETED:
		fprintf(ms, "Personal token %s of %s, deleted at %s, was used %"
		    PRIu64 " time(s) after the deletion, %" PRIu64 " of them "
		    "accepted.", x->token_id, t->user_name ? t->user_name : "?",
		    logtime_format(&t->owner_deleted_at.at, when), x->count,
		    x->n_succeeded);
		break;
	case RULE_NEW_SOURCE_IP:
		fprintf(ms, "Token %s was used %" PRIu64 " time(s) from %zu "
		    "address(es) not seen in its first %" PRId64 " days of "
		    "activity: %s.", x->token_id, x->count,
		    x->values.values.count, opt->baseline_ms / 86400000,
		    values);
		break;
	default:
		break;
	}
}

/* One readable sentence (or a few) with the facts of x. */
static char *
finding_summary(const struct finding *x, const struct snapdb *snap,
    const struct findings_options *opt)
{
	struct span id = { x->token_id, strlen(x->token_id) };
	const struct snap_token *t = snapdb_token(snap, id);
	size_t values_len, len = 0;
	char *values = counted_set_top(&x->values, 10, &values_len);
	char *text = NULL;
	FILE *ms;

	if (!values)
		return NULL;
	ms = open_memstream(&text, &len);
	if (!ms) {
		free(values);
		return NULL;
	}
	if (x->text)
		fputs(x->text, ms);
	else if (x->rule == RULE_FAILED_AUTH_BURST)
		fprintf(ms, "%" PRIu64 " requests %s %s were refused (401 or "
		    "403) in bursts of at least %" PRIu32 " within %" PRId64
		    " s.", x->count, x->address ? "from address" : "with token",
		    x->address ? x->address : x->token_id,
		    opt->burst_count, opt->burst_window_ms / 1000);
	else if (x->rule == RULE_UNKNOWN_TOKEN)
		describe_unknown(ms, x, values, snapdb_audit(snap, id));
	else if (t || x->rule == RULE_NEW_SOURCE_IP)
		describe_token_rule(ms, x, t, values, opt);
	free(values);
	if (fclose(ms) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int
compare_findings(const void *a, const void *b)
{
	const struct finding *x = *(const struct finding *const *)a;
	const struct finding *y = *(const struct finding *const *)b;
	int c;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if ((c = strcmp(x->token_id, y->token_id)) != 0)
		return c;
	if ((c = strcmp(x->address ? x->address : "",
		 y->address ? y->address : "")) != 0)
		return c;
	return (x->first.utc_ms > y->first.utc_ms) -
	    (x->first.utc_ms < y->first.utc_ms);
}

static void
finding_row(struct csvout *csv, const struct finding *x,
    const struct snapdb *snap, const struct findings_options *opt,
    char *const *paths)
{
	struct span id = { x->token_id, strlen(x->token_id) };
	const struct snap_token *t = snapdb_token(snap, id);
	char first[LOGTIME_ISO_SIZE], last[LOGTIME_ISO_SIZE];
	char *summary = finding_summary(x, snap, opt);

	csvout_str(csv, finding_rule_name(x->rule));
	csvout_str(csv, severity_name(x->severity));
	csvout_str(csv, x->token_id);
	csvout_str(csv, t ? t->name : NULL);
	csvout_str(csv, logtime_format(&x->first, first));
	csvout_str(csv, logtime_format(&x->last, last));
	csvout_u64(csv, x->count);
	csvout_str(csv, summary);
	if (x->has_example) {
		csvout_str(csv, paths[x->file_index]);
		csvout_u64(csv, x->line);
		csvout_str(csv, x->request_id);
	} else {
		csvout_empty(csv);
		csvout_empty(csv);
		csvout_empty(csv);
	}
	csvout_end_row(csv);
	if (!summary)
		csv->has_failed = true;
	free(summary);
}

void
findings_write(const struct findings *f, struct csvout *csv,
    const struct snapdb *snap, char *const *paths)
{
	struct finding **all = malloc((f->found.count + 1) * sizeof(*all));
	struct hmap_slot *slot;
	size_t n = 0, pos = 0;

	csvout_header(csv, finding_columns);
	if (!all || f->has_failed) {
		free(all);
		csv->has_failed = true;
		return;
	}
	while ((slot = hmap_next(&f->found, &pos)))
		all[n++] = slot->value;
	qsort(all, n, sizeof(*all), compare_findings);
	for (size_t i = 0; i < n; i++)
		finding_row(csv, all[i], snap, &f->opt, paths);
	free(all);
}

bool
findings_reach(const struct findings *f, enum severity min)
{
	struct hmap_slot *slot;
	size_t pos = 0;

	while ((slot = hmap_next(&f->found, &pos)))
		if (((const struct finding *)slot->value)->severity >= min)
			return true;
	return false;
}

size_t
findings_count(const struct findings *f, enum severity severity)
{
	struct hmap_slot *slot;
	size_t pos = 0, n = 0;

	while ((slot = hmap_next(&f->found, &pos)))
		if (((const struct finding *)slot->value)->severity == severity)
			n++;
	return n;
}
