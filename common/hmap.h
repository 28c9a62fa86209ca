/* SPDX-License-Identifier: MIT */
/*
 * common/hmap.h - a hash map from byte strings to pointers, with open
 * addressing and linear probing.  Keys are copied into the map; values
 * belong to the caller.  Not thread-safe: each thread uses its own maps,
 * or only reads a map that no thread changes any more.
 */
#ifndef TOKENTRAIL_COMMON_HMAP_H
#define TOKENTRAIL_COMMON_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
	char *key;     /* NUL-terminated copy; NULL for an empty slot */
	size_t key_len;
	uint64_t hash;
	void *value;
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap;   /* a power of two, or 0 before the first insert */
	size_t count;
};

/* An empty map; no allocation happens until the first insert. */
void hmap_init(struct hmap *map);

/* Free the keys and the slots; values are the caller's to free first. */
void hmap_release(struct hmap *map);

/* The value stored for key, or NULL when there is none. */
void *hmap_get(const struct hmap *map, const void *key, size_t len);

/*
 * The slot for key, created with a NULL value when absent (*is_new then
 * says so).  The pointer is valid until the next insert or remove.
 * Returns NULL when memory ran out.
 */
struct hmap_slot *hmap_upsert(struct hmap *map, const void *key, size_t len,
    bool *is_new);

/* Remove key; returns its value, or NULL when it was not there. */
void *hmap_remove(struct hmap *map, const void *key, size_t len);

/* Visit the occupied slots: start with *pos = 0; NULL at the end. */
struct hmap_slot *hmap_next(const struct hmap *map, size_t *pos);

/* 64-bit hash of len bytes (word-wise multiply and fold). */
uint64_t hmap_hash(const void *key, size_t len);

#endif
