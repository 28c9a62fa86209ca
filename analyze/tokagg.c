/* SPDX-License-Identifier: MIT */
/*
 * analyze/tokagg.c - per-token counters and capped counted sets, merged
 * file by file in input order.
 */
#include "analyze/tokagg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"

void
tokagg_init(struct tokagg *agg)
{
	hmap_init(&agg->tokens);
}

static void
counted_set_init(struct counted_set *set, size_t max)
{
	hmap_init(&set->values);
	set->max = max;
	set->is_capped = false;
}

void
tokagg_release(struct tokagg *agg)
{
	struct hmap_slot *slot;
	size_t pos = 0;

	while ((slot = hmap_next(&agg->tokens, &pos))) {
		struct token_agg *t = slot->value;

		hmap_release(&t->ips.values);
		hmap_release(&t->agents.values);
		hmap_release(&t->repos.values);
		free(t);
	}
	hmap_release(&agg->tokens);
}

struct token_agg *
tokagg_get(struct tokagg *agg, const char *id, size_t len)
{
	struct hmap_slot *slot;
	struct token_agg *t;
	bool is_new;

	slot = hmap_upsert(&agg->tokens, id, len, &is_new);
	if (!slot) {
		diag_error("out of memory");
		return NULL;
	}
	if (!is_new)
		return slot->value;
	t = calloc(1, sizeof(*t));
	if (!t) {
		hmap_remove(&agg->tokens, id, len);
		diag_error("out of memory");
		return NULL;
	}
	counted_set_init(&t->ips, TOKAGG_MAX_IPS);
	counted_set_init(&t->agents, TOKAGG_MAX_AGENTS);
	counted_set_init(&t->repos, TOKAGG_MAX_REPOS);
	slot->value = t;
	return t;
}

int
counted_set_add(struct counted_set *set, const char *value, size_t len,
    uint64_t count)
{
	struct hmap_slot *slot;
	bool is_new;

	if (set->values.count >= set->max &&
	    !hmap_get(&set->values, value, len)) {
		/* hmap_get() cannot tell a stored zero from absence, but
		 * counts start at one. */
		set->is_capped = true;
		return 0;
	}
	slot = hmap_upsert(&set->values, value, len, &is_new);
	if (!slot)
		return diag_error("out of memory");
	slot->value = (void *)((uintptr_t)slot->value + (uintptr_t)count);
	return 0;
}

static bool
instant_before(const struct logtime_instant *a,
    const struct logtime_instant *b)
{
	return a->utc_ms < b->utc_ms;
}

/* Byte order of two keys, which may hold NUL bytes. */
static int
compare_key_bytes(const struct hmap_slot *x, const struct hmap_slot *y)
{
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static int
compare_keys(const void *a, const void *b)
{
	return compare_key_bytes(*(const struct hmap_slot *const *)a,
	    *(const struct hmap_slot *const *)b);
}

/* Highest count first, then by value. */
static int
compare_counts(const void *a, const void *b)
{
	const struct hmap_slot *x = *(const struct hmap_slot *const *)a;
	const struct hmap_slot *y = *(const struct hmap_slot *const *)b;
	uintptr_t cx = (uintptr_t)x->value, cy = (uintptr_t)y->value;

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return compare_key_bytes(x, y);
}

/* The occupied slots of map, sorted by compare; the caller frees the
 * array.  NULL when memory ran out (reported). */
static struct hmap_slot **
sorted_slots(const struct hmap *map,
    int (*compare)(const void *, const void *))
{
	struct hmap_slot **slots = malloc((map->count + 1) * sizeof(*slots));
	struct hmap_slot *slot;
	size_t k = 0, pos = 0;

	if (!slots) {
		diag_error("out of memory");
		return NULL;
	}
	while ((slot = hmap_next(map, &pos)))
		slots[k++] = slot;
	qsort(slots, k, sizeof(*slots), compare);
	return slots;
}

/* Add the values of from to into in sorted order, so that a cap keeps
 * the same values whatever the hash layout. */
static int
merge_set(struct counted_set *into, const struct counted_set *from)
{
	struct hmap_slot **slots = sorted_slots(&from->values, compare_keys);
	int rc = 0;

	if (!slots)
		return -1;
	into->is_capped |= from->is_capped;
	for (size_t i = 0; rc == 0 && i < from->values.count; i++)
		rc = counted_set_add(into, slots[i]->key, slots[i]->key_len,
		    (uintptr_t)slots[i]->value);
	free(slots);
	return rc;
}

static int
merge_token(struct token_agg *into, const struct token_agg *from)
{
	if (into->requests == 0 ||
	    instant_before(&from->first_seen, &into->first_seen))
		into->first_seen = from->first_seen;
	if (into->requests == 0 ||
	    instant_before(&into->last_seen, &from->last_seen))
		into->last_seen = from->last_seen;
	into->requests += from->requests;
	into->failed_requests += from->failed_requests;
	into->clones += from->clones;
	into->fetches += from->fetches;
	into->pushes += from->pushes;
	into->bytes_written += from->bytes_written;
	if (merge_set(&into->ips, &from->ips) != 0 ||
	    merge_set(&into->agents, &from->agents) != 0 ||
	    merge_set(&into->repos, &from->repos) != 0)
		return -1;
	return 0;
}

int
tokagg_merge(struct tokagg *into, const struct tokagg *from)
{
	struct hmap_slot **slots = sorted_slots(&from->tokens, compare_keys);
	int rc = 0;

	if (!slots)
		return -1;
	for (size_t i = 0; rc == 0 && i < from->tokens.count; i++) {
		struct token_agg *t = tokagg_get(into, slots[i]->key,
		    slots[i]->key_len);

		rc = t ? merge_token(t, slots[i]->value) : -1;
	}
	free(slots);
	return rc;
}

char *
counted_set_top(const struct counted_set *set, size_t limit,
    size_t *out_len)
{
	struct hmap_slot **slots = sorted_slots(&set->values, compare_counts);
	size_t n = set->values.count, len = 1, used = 0;
	char *out;

	if (!slots)
		return NULL;
	if (limit > 0 && n > limit)
		n = limit;
	for (size_t i = 0; i < n; i++)
		len += slots[i]->key_len + 32;
	out = malloc(len);
	if (!out) {
		free(slots);
		diag_error("out of memory");
		return NULL;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		/* Values may hold NUL bytes: copied by length, not %s. */
		if (i > 0)
			used += (size_t)snprintf(out + used, len - used, "; ");
		memcpy(out + used, slots[i]->key, slots[i]->key_len);
		used += slots[i]->key_len;
		used += (size_t)snprintf(out + used, len - used,
		    " (%" PRIuPTR ")", (uintptr_t)slots[i]->value);
	}
	free(slots);
	*out_len = used;
	return out;
}

char *
counted_set_count(const struct counted_set *set, char *buf)
{
	snprintf(buf, 32, "%zu%s", set->values.count,
	    set->is_capped ? "+" : "");
	return buf;
}
