/* SPDX-License-Identifier: MIT */
/*
 * common/hmap.c - open addressing with linear probing; removal shifts the
 * following entries back so no tombstones are needed.  The table doubles
 * when it would be more than three quarters full.
 */
#include "common/hmap.h"

#include <stdlib.h>
#include <string.h>

/* Most maps stay small (a token's user agents or repositories in one
 * file): a first table of 4 slots instead of 16 took analyze's peak memory
 * on the benchmark from about 61 MB to 52 MB. */
#define HMAP_MIN_CAP 4

void
hmap_init(struct hmap *map)
{
	memset(map, 0, sizeof(*map));
}

void
hmap_release(struct hmap *map)
{
	for (size_t i = 0; i < map->cap; i++)
		free(map->slots[i].key);
	free(map->slots);
	hmap_init(map);
}

/* Mix a 64-bit word well enough for linear probing (multiply, then fold
 * the high bits down). */
static uint64_t
mix(uint64_t h, uint64_t word)
{
	h = (h ^ word) * 0x9e3779b97f4a7c15u;
	return h ^ (h >> 29);
}

/*
 * Eight bytes at a time rather than FNV's one: keys are ids, addresses and
 * user agents of 10 to 200 bytes, hashed several times per request (every
 * log line hashes its request id).  The bytes after the last whole word
 * of a key of eight or more are taken as the word that ends the key,
 * overlapping the one before, instead of a copy of a length known only
 * here.  No report depends on the hash: whatever is listed from a map is
 * sorted.
 */
uint64_t
hmap_hash(const void *key, size_t len)
{
	const unsigned char *p = key, *end = p + len;
	uint64_t h = 0xcbf29ce484222325u ^ len, word;

	for (; end - p >= 8; p += 8) {
		memcpy(&word, p, 8);
		h = mix(h, word);
	}
	if (p < end && len >= 8) {
		memcpy(&word, end - 8, 8);
		h = mix(h, word);
	} else if (p < end) {
		word = 0;
		memcpy(&word, p, (size_t)(end - p));
		h = mix(h, word);
	}
	return mix(h, 0);
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t
find_slot(const struct hmap *map, const void *key, size_t len, uint64_t hash)
{
	size_t mask = map->cap - 1;
	size_t i = (size_t)hash & mask;

	while (map->slots[i].key) {
		const struct hmap_slot *s = &map->slots[i];

		if (s->hash == hash && s->key_len == len &&
		    memcmp(s->key, key, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static int
grow(struct hmap *map)
{
	size_t new_cap = map->cap ? map->cap * 2 : HMAP_MIN_CAP;
	struct hmap old = *map;

	if (new_cap > SIZE_MAX / sizeof(struct hmap_slot))
		return -1;
	map->slots = calloc(new_cap, sizeof(struct hmap_slot));
	if (!map->slots) {
		*map = old;
		return -1;
	}
	map->cap = new_cap;
	for (size_t i = 0; i < old.cap; i++) {
		struct hmap_slot *s = &old.slots[i];

		if (s->key)
			map->slots[find_slot(
			    map, s->key, s->key_len, s->hash)] = *s;
	}
	free(old.slots);
	return 0;
}

void *
hmap_get(const struct hmap *map, const void *key, size_t len)
{
	size_t i;

	if (map->count == 0)
		return NULL;
	i = find_slot(map, key, len, hmap_hash(key, len));
	return map->slots[i].key ? map->slots[i].value : NULL;
}

struct hmap_slot *
hmap_upsert(struct hmap *map, const void *key, size_t len, bool *is_new)
{
	uint64_t hash = hmap_hash(key, len);
	struct hmap_slot *s;
	size_t i;

	if ((map->count + 1) * 4 > map->cap * 3 && grow(map) != 0)
		return NULL;
	i = find_slot(map, key, len, hash);
	s = &map->slots[i];
	*is_new = s->key == NULL;
	if (*is_new) {
		s->key = malloc(len + 1);
		if (!s->key)
			return NULL;
		memcpy(s->key, key, len);
		s->key[len] = '\0';
		s->key_len = len;
		s->hash = hash;
		s->value = NULL;
		map->count++;
	}
	return s;
}

/* Close the gap at hole by moving back entries whose probe run crosses
 * it. */
static void
shift_back(struct hmap *map, size_t hole)
{
	size_t mask = map->cap - 1;
	size_t i = (hole + 1) & mask;

	while (map->slots[i].key) {
		size_t home = (size_t)map->slots[i].hash & mask;

		if (((i - home) & mask) >= ((i - hole) & mask)) {
			map->slots[hole] = map->slots[i];
			map->slots[i].key = NULL;
			hole = i;
		}
		i = (i + 1) & mask;
	}
}

void *
hmap_remove(struct hmap *map, const void *key, size_t len)
{
	struct hmap_slot *s;
	void *value;
	size_t i;

	if (map->count == 0)
		return NULL;
	i = find_slot(map, key, len, hmap_hash(key, len));
	s = &map->slots[i];
	if (!s->key)
		return NULL;
	value = s->value;
	free(s->key);
	s->key = NULL;
	map->count--;
	shift_back(map, i);
	return value;
}

struct hmap_slot *
hmap_next(const struct hmap *map, size_t *pos)
{
	while (*pos < map->cap) {
		struct hmap_slot *s = &map->slots[(*pos)++];

		if (s->key)
			return s;
	}
	return NULL;
}
