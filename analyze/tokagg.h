/* SPDX-License-Identifier: MIT */
/*
 * analyze/tokagg.h - what the logs say about each token: when it was
 * first and last seen, how often it was used, from where, with which
 * clients, on which repositories.  Each input file fills its own
 * aggregates; they are merged in input order, so the result does not
 * depend on how files were spread over threads.
 *
 * Distinct values are counted exactly up to a cap per token (addresses,
 * user agents, repositories); past the cap further distinct values are
 * not kept, and the count is reported with a "+".
 */
#ifndef TOKENTRAIL_ANALYZE_TOKAGG_H
#define TOKENTRAIL_ANALYZE_TOKAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/logtime.h"
#include "common/hmap.h"

#define TOKAGG_MAX_IPS 4096
#define TOKAGG_MAX_AGENTS 256
#define TOKAGG_MAX_REPOS 1024

/* Distinct strings with a count each, at most max of them. */
struct counted_set {
	struct hmap values; /* value -> count, stored as uintptr_t */
	size_t max;
	bool is_capped;     /* a distinct value was turned away */
};

struct token_agg {
	struct logtime_instant first_seen, last_seen;
	uint64_t requests;
	uint64_t failed_requests; /* status 400 and up */
	uint64_t clones, fetches, pushes;
	uint64_t bytes_written;   /* sent to the client, summed */
	struct counted_set ips, agents, repos;
};

/* Token id -> struct token_agg. */
struct tokagg {
	struct hmap tokens;
};

void tokagg_init(struct tokagg *agg);
void tokagg_release(struct tokagg *agg);

/* The aggregate of token id, created when absent; NULL when memory ran
 * out (reported). */
struct token_agg *tokagg_get(struct tokagg *agg, const char *id,
    size_t len);

/* Count one use of value (len bytes) in set; -1 when memory ran out. */
int counted_set_add(struct counted_set *set, const char *value, size_t len,
    uint64_t count);

/* Add everything in from to into, in a fixed order; -1 on no memory. */
int tokagg_merge(struct tokagg *into, const struct tokagg *from);

/*
 * The values of set as "value (count); ..." ordered by count, highest
 * first, then by value; at most limit of them (0: all).  Returns the
 * text (which may hold NUL bytes from the values) and its length in
 * *out_len; the caller frees it.  NULL when memory ran out (reported).
 */
char *counted_set_top(const struct counted_set *set, size_t limit,
    size_t *out_len);

/* The number of distinct values, with "+" when capped, into buf[32]. */
char *counted_set_count(const struct counted_set *set, char *buf);

#endif
