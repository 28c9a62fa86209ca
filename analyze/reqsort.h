/* SPDX-License-Identifier: MIT */
/*
 * analyze/reqsort.h - puts the formatted report rows of every token
 * request in report order (time, node, file index, line) with bounded
 * memory: each worker collects rows in a chunk of at most
 * REQSORT_CHUNK_BYTES, sorts it and writes it as a sorted run to a
 * temporary file; reqsort_merge() then merges all runs, in several passes
 * when there are more than REQSORT_MERGE_FANIN of them.  Because the key
 * includes the file's index and line number, the order is total and does
 * not depend on which worker read which file.
 *
 * A record holds up to REQSORT_MAX_PARTS parts, such as one row per report
 * that lists requests; reqsort_merge() hands part i to sink i.
 */
#ifndef TOKENTRAIL_ANALYZE_REQSORT_H
#define TOKENTRAIL_ANALYZE_REQSORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REQSORT_CHUNK_BYTES (4u * 1024 * 1024)
/*
 * Room past REQSORT_CHUNK_BYTES for the record that crosses it.  A record
 * is bounded by the line it comes from (GZLINES_MAX_LINE, each byte
 * escaped to at most four) and is far smaller than this; pages of the
 * room that are never written cost no memory.
 */
#define REQSORT_RECORD_ROOM (4u * 1024 * 1024)
#define REQSORT_MAX_PARTS   3
/* Runs merged at once (each with a 32 KiB buffer); more are first merged
 * in groups. */
#define REQSORT_MERGE_FANIN 128
#define REQSORT_NODE_MAX    16

struct reqsort_key {
	int64_t utc_ms;
	char node[REQSORT_NODE_MAX]; /* NUL-padded; longer nodes are cut */
	uint32_t file_index;
	uint64_t line;
};

/* The shared list of sorted runs. */
struct reqsort {
	char *dir;   /* where run files go */
	char **runs; /* run file paths */
	size_t n_runs, cap;
	pthread_mutex_t lock;
};

/* One worker's rows not yet written as a run. */
struct reqsort_chunk {
	char *buf;    /* REQSORT_CHUNK_BYTES + REQSORT_RECORD_ROOM, allocated
	                 once and reused for every run */
	size_t used;  /* bytes of buf holding records */
	bool is_overfull; /* the open record outgrew the room */
	char *io_buf; /* stdio buffer of the run being written */
	struct reqsort_entry *entries;
	size_t n_entries, cap;
	unsigned n_parts; /* parts ended in the current record */
};

/* Runs go to files in dir (which the caller creates and removes). */
int reqsort_init(struct reqsort *rs, const char *dir);

/* Remove the run files and free everything. */
void reqsort_release(struct reqsort *rs);

int reqsort_chunk_init(struct reqsort_chunk *chunk);
void reqsort_chunk_release(struct reqsort_chunk *chunk);

/*
 * Start a record with key.  Add its first part with reqsort_reserve() or
 * reqsort_append(), call reqsort_part_end(), add the next part, and so
 * on; then reqsort_record_end().  Returns 0, or -1 when memory ran out
 * (reported).
 */
int reqsort_record_begin(
    struct reqsort_chunk *chunk, const struct reqsort_key *key);

/* n bytes at the end of the open part, for the caller to fill; NULL when
 * the record would outgrow REQSORT_RECORD_ROOM, which makes
 * reqsort_record_end() fail. */
char *reqsort_reserve(struct reqsort_chunk *chunk, size_t n);

/* Copy n bytes of data to the end of the open part, as reqsort_reserve()
 * and a copy would; nothing when the record outgrew the room. */
void reqsort_append(struct reqsort_chunk *chunk, const void *data, size_t n);
void reqsort_part_end(struct reqsort_chunk *chunk);

/* End the record; writes a run when the chunk is full.  0, or -1 after
 * reporting (a write failed, or the record was too large). */
int reqsort_record_end(struct reqsort_chunk *chunk, struct reqsort *rs);

/* Write what the chunk holds as a run.  0 or -1 after reporting. */
int reqsort_chunk_flush(struct reqsort_chunk *chunk, struct reqsort *rs);

/* Where reqsort_merge() sends one part of every record: handed to fn,
 * which returns 0, or -1 to stop the merge after reporting why. */
struct reqsort_sink {
	int (*fn)(void *ctx, const char *data, size_t len);
	void *ctx;
};

/*
 * Merge every run in key order, sending part i of each record to
 * sinks[i]; parts beyond n_sinks are dropped.  The parts of a record go
 * out in order from one buffer, so a sink may keep a pointer to an
 * earlier part of the same record.  Returns 0, or -1 after reporting.
 */
int reqsort_merge(
    struct reqsort *rs, const struct reqsort_sink *sinks, unsigned n_sinks);

#endif
