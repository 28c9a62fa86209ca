/* SPDX-License-Identifier: MIT */
/*
 * analyze/findings.h - incident findings: rules over the attributed
 * requests that answer "which of this is suspicious?".
 *
 * Rules that need only one request and the snapshot (expiry, creation,
 * scope, write permission, deleted owner, unknown token) are decided in
 * the workers and travel as flags with each request's facts.  Rules that
 * need history (new source address, bursts of refused requests) run in
 * the merge, which sees every request in report order, so their result
 * does not depend on how files were spread over threads.  The log-gap
 * rule compares the snapshot's LAST_AUTHENTICATED with what the logs
 * cover once everything is read.
 */
#ifndef TOKENTRAIL_ANALYZE_FINDINGS_H
#define TOKENTRAIL_ANALYZE_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/logtime.h"
#include "analyze/parse.h"
#include "analyze/resolve.h"
#include "analyze/snapdb.h"
#include "analyze/tokagg.h"
#include "common/csvout.h"
#include "common/hmap.h"

enum finding_rule {
	RULE_UNKNOWN_TOKEN,
	RULE_USED_AFTER_EXPIRY,
	RULE_USED_BEFORE_CREATION,
	RULE_OUT_OF_SCOPE,
	RULE_WRITE_WITHOUT_PERMISSION,
	RULE_OWNER_DELETED,
	RULE_NEW_SOURCE_IP,
	RULE_FAILED_AUTH_BURST,
	RULE_LOG_GAP,
	N_RULES
};

enum severity {
	SEVERITY_INFO,
	SEVERITY_WARNING,
	SEVERITY_CRITICAL,
};

/* "unknown-token", "used-after-expiry", ... */
const char *finding_rule_name(enum finding_rule rule);

/* "info", "warning", "critical"; parse returns -1 for another word. */
const char *severity_name(enum severity severity);
int severity_parse(const char *name, enum severity *out);

/* Flag of a per-request rule at a severity, for request_facts.flags. */
#define FINDING_FLAG(rule, severity)                                           \
	(UINT32_C(1) << ((unsigned)(rule) * 2 +                                \
	     ((severity) == SEVERITY_CRITICAL ? 1u : 0u)))

/* What the merge needs to know of one completed request. */
struct request_facts {
	int64_t utc_ms;
	int32_t offset_sec;
	uint32_t flags;       /* FINDING_FLAG()s that apply */
	uint32_t file_index;
	uint32_t status;      /* 0 when not a number */
	uint64_t line;
	bool has_token;       /* false: a refused request without a token */
	struct span token_id;
	struct span address;  /* client address */
	struct span request_id;
	struct span repository; /* "KEY/slug" or "", for summaries */
};

/* True for a status that means the server refused the credentials. */
bool findings_is_refusal(uint32_t status);

/*
 * The per-request flags for a request by token t (NULL when unknown) at
 * instant at, doing op on repo or project (either may be NULL).
 */
uint32_t findings_request_flags(const struct snap_token *t,
    const struct logtime_instant *at, uint32_t status, enum operation op,
    struct span method, const struct snap_repo *repo,
    const struct snap_project *project);

/* Bytes findings_pack() writes for facts. */
size_t findings_packed_size(const struct request_facts *facts);

/* Write facts to out (findings_packed_size() bytes) in the record format
 * findings_unpack() reads. */
void findings_pack(const struct request_facts *facts, char *out);

/* Read facts from len bytes at data (pointing into data); 0 or -1. */
int findings_unpack(const char *data, size_t len,
    struct request_facts *facts);

struct findings_options {
	int64_t baseline_ms;     /* new-source-ip: first activity window */
	uint32_t burst_count;    /* failed-auth-burst: refusals ... */
	int64_t burst_window_ms; /* ... within this window */
};

/* Time span a set of logs covers, one interval per input file. */
struct coverage {
	struct logtime_instant *start, *end;
	size_t n;
};

struct findings {
	struct findings_options opt;
	struct hmap found;    /* rule/severity/subject -> struct finding */
	struct hmap history;  /* token id -> struct token_history */
	struct hmap bursts;   /* subject -> struct burst_state */
	size_t burst_sweep_at; /* sweep old burst states at this size */
	bool has_failed;      /* out of memory while collecting */
};

void findings_init(struct findings *f, const struct findings_options *opt);
void findings_release(struct findings *f);

/* Feed one request; they must come in report order.  0 or -1. */
int findings_add(struct findings *f, const struct request_facts *facts,
    const struct snapdb *snap);

/*
 * Add the log-gap findings: tokens whose LAST_AUTHENTICATED lies inside
 * or after the logs' coverage but after the last request the logs show
 * for them.  Only tokens listed (all when n_tokens is 0) and times in
 * [since, until) are considered.  0 or -1.
 */
int findings_log_gaps(struct findings *f, const struct snapdb *snap,
    const struct tokagg *seen, const struct coverage *cov,
    char *const *tokens, size_t n_tokens, const int64_t *since_ms,
    const int64_t *until_ms);

/* Write findings.csv, critical first; paths name the inputs. */
void findings_write(const struct findings *f, struct csvout *csv,
    const struct snapdb *snap, char *const *paths);

/* True when a finding at or above min exists. */
bool findings_reach(const struct findings *f, enum severity min);

/* The number of findings (rows of findings.csv) at exactly severity. */
size_t findings_count(const struct findings *f, enum severity severity);

#endif
