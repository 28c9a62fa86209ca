/* SPDX-License-Identifier: MIT */
/*
 * analyze/reqsort.c - chunks of rows sorted in memory, written as runs,
 * merged with a binary heap.  A run file is a sequence of records:
 * struct run_header, then the bytes of its parts.
 */
#include "analyze/reqsort.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"

/*
 * stdio buffers of the run files, passed to setvbuf() explicitly: given a
 * NULL buffer glibc ignores the size and uses 4 KiB, which made one system
 * call per 4 KiB written or read.
 */
#define RUN_READ_BUFFER  (32 * 1024)  /* per run being merged */
#define RUN_WRITE_BUFFER (256 * 1024) /* per run being written */

struct reqsort_entry {
	struct reqsort_key key;
	size_t offset;                   /* of the first part in buf */
	uint32_t len[REQSORT_MAX_PARTS]; /* bytes of each part */
	size_t part_start;               /* offset of the open part */
};

struct run_header {
	struct reqsort_key key;
	uint32_t len[REQSORT_MAX_PARTS];
};

/* One run being merged: its stream and the record at its head. */
struct run_reader {
	FILE *fp;
	char *buf; /* its stdio buffer */
	struct run_header head;
	char *data;
	size_t cap;
};

int
reqsort_init(struct reqsort *rs, const char *dir)
{
	memset(rs, 0, sizeof(*rs));
	rs->dir = strdup(dir);
	if (!rs->dir)
		return diag_error("out of memory");
	pthread_mutex_init(&rs->lock, NULL);
	return 0;
}

void
reqsort_release(struct reqsort *rs)
{
	for (size_t i = 0; i < rs->n_runs; i++) {
		unlink(rs->runs[i]);
		free(rs->runs[i]);
	}
	free(rs->runs);
	free(rs->dir);
	pthread_mutex_destroy(&rs->lock);
	memset(rs, 0, sizeof(*rs));
}

/*
 * The chunk is one fixed buffer that records are copied into, not a
 * growing open_memstream(): a stream that doubles its buffer each time it
 * fills holds up to twice the chunk, and once glibc serves it from the
 * heap instead of mmap, the copies it leaves behind stay resident.
 */
int
reqsort_chunk_init(struct reqsort_chunk *chunk)
{
	memset(chunk, 0, sizeof(*chunk));
	chunk->buf = malloc(REQSORT_CHUNK_BYTES + REQSORT_RECORD_ROOM);
	chunk->io_buf = malloc(RUN_WRITE_BUFFER);
	if (!chunk->buf || !chunk->io_buf)
		return diag_error("could not allocate a sort buffer");
	return 0;
}

void
reqsort_chunk_release(struct reqsort_chunk *chunk)
{
	free(chunk->buf);
	free(chunk->io_buf);
	free(chunk->entries);
	memset(chunk, 0, sizeof(*chunk));
}

int
reqsort_record_begin(struct reqsort_chunk *chunk, const struct reqsort_key *key)
{
	struct reqsort_entry *e;

	if (chunk->n_entries == chunk->cap) {
		size_t cap = chunk->cap ? chunk->cap * 2 : 1024;
		struct reqsort_entry *p =
		    realloc(chunk->entries, cap * sizeof(*p));

		if (!p)
			return diag_error("out of memory");
		chunk->entries = p;
		chunk->cap = cap;
	}
	e = &chunk->entries[chunk->n_entries];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->offset = chunk->used;
	e->part_start = e->offset;
	chunk->n_parts = 0;
	chunk->is_overfull = false;
	return 0;
}

char *
reqsort_reserve(struct reqsort_chunk *chunk, size_t n)
{
	char *p;

	/* A record starts below REQSORT_CHUNK_BYTES (reqsort_record_end()
	 * writes a run once it is reached), so it has at least the room. */
	if (chunk->is_overfull ||
	    n > REQSORT_CHUNK_BYTES + REQSORT_RECORD_ROOM - chunk->used) {
		chunk->is_overfull = true;
		return NULL;
	}
	p = chunk->buf + chunk->used;
	chunk->used += n;
	return p;
}

void
reqsort_append(struct reqsort_chunk *chunk, const void *data, size_t n)
{
	char *p = reqsort_reserve(chunk, n);

	if (p && n > 0)
		memcpy(p, data, n);
}

void
reqsort_part_end(struct reqsort_chunk *chunk)
{
	struct reqsort_entry *e = &chunk->entries[chunk->n_entries];

	if (chunk->n_parts < REQSORT_MAX_PARTS)
		e->len[chunk->n_parts++] =
		    (uint32_t)(chunk->used - e->part_start);
	e->part_start = chunk->used;
}

int
reqsort_record_end(struct reqsort_chunk *chunk, struct reqsort *rs)
{
	if (chunk->is_overfull) {
		chunk->used = chunk->entries[chunk->n_entries].offset;
		chunk->is_overfull = false;
		return diag_error("the report rows of one request are larger "
		                  "than the sort buffer");
	}
	chunk->n_entries++;
	if (chunk->used < REQSORT_CHUNK_BYTES)
		return 0;
	return reqsort_chunk_flush(chunk, rs);
}

static int
compare_keys(const struct reqsort_key *a, const struct reqsort_key *b)
{
	int c;

	if (a->utc_ms != b->utc_ms)
		return a->utc_ms < b->utc_ms ? -1 : 1;
	c = memcmp(a->node, b->node, REQSORT_NODE_MAX);
	if (c != 0)
		return c;
	if (a->file_index != b->file_index)
		return a->file_index < b->file_index ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

static int
compare_entries(const void *a, const void *b)
{
	return compare_keys(&((const struct reqsort_entry *)a)->key,
	    &((const struct reqsort_entry *)b)->key);
}

static int
write_run(struct reqsort_chunk *chunk, FILE *fp)
{
	for (size_t i = 0; i < chunk->n_entries; i++) {
		const struct reqsort_entry *e = &chunk->entries[i];
		struct run_header h;
		size_t len = 0;

		memset(&h, 0, sizeof(h));
		h.key = e->key;
		for (unsigned p = 0; p < REQSORT_MAX_PARTS; p++) {
			h.len[p] = e->len[p];
			len += e->len[p];
		}
		if (fwrite(&h, sizeof(h), 1, fp) != 1 ||
		    fwrite(chunk->buf + e->offset, 1, len, fp) != len)
			return -1;
	}
	return 0;
}

static int
add_run(struct reqsort *rs, char *path)
{
	int rc = 0;

	pthread_mutex_lock(&rs->lock);
	if (rs->n_runs == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		char **runs = realloc(rs->runs, cap * sizeof(*runs));

		if (runs) {
			rs->runs = runs;
			rs->cap = cap;
		}
	}
	if (rs->n_runs < rs->cap)
		rs->runs[rs->n_runs++] = path;
	else
		rc = diag_error("out of memory");
	pthread_mutex_unlock(&rs->lock);
	return rc;
}

/*
 * Create a run file in rs->dir, buffered for writing through buf
 * (RUN_WRITE_BUFFER bytes, the caller's until the stream is closed).
 * Returns its stream and sets *path, or returns NULL after reporting.
 */
static FILE *
run_create(const struct reqsort *rs, char **path, char *buf)
{
	size_t len = strlen(rs->dir) + sizeof("/run.XXXXXX");
	FILE *fp = NULL;
	int fd;

	*path = malloc(len);
	if (!*path) {
		diag_error("out of memory");
		return NULL;
	}
	snprintf(*path, len, "%s/run.XXXXXX", rs->dir);
	fd = mkstemp(*path);
	if (fd < 0 || !(fp = fdopen(fd, "wb"))) {
		diag_error_errno("could not create a temporary file in the "
		                 "output directory");
		if (fd >= 0) {
			close(fd);
			unlink(*path);
		}
		free(*path);
		*path = NULL;
		return NULL;
	}
	setvbuf(fp, buf, _IOFBF, RUN_WRITE_BUFFER);
	return fp;
}

/*
 * Close a run written by the caller (write_failed: it already failed) and
 * add it to the list.  Returns 0, or -1 after reporting; the file is then
 * removed.
 */
static int
run_finish(struct reqsort *rs, FILE *fp, char *path, bool write_failed)
{
	if (fclose(fp) != 0 || write_failed) {
		diag_error_errno("could not write a temporary file in the "
		                 "output directory");
		goto fail;
	}
	if (add_run(rs, path) != 0)
		goto fail;
	return 0;

fail:
	unlink(path);
	free(path);
	return -1;
}

int
reqsort_chunk_flush(struct reqsort_chunk *chunk, struct reqsort *rs)
{
	char *path;
	FILE *fp;

	if (chunk->n_entries == 0)
		return 0;
	qsort(chunk->entries, chunk->n_entries, sizeof(*chunk->entries),
	    compare_entries);
	fp = run_create(rs, &path, chunk->io_buf);
	if (!fp || run_finish(rs, fp, path, write_run(chunk, fp) != 0) != 0)
		return -1;

	/* The next rows reuse the same buffer. */
	chunk->n_entries = 0;
	chunk->used = 0;
	return 0;
}

/* Read the next record of run r into its head.  Returns 1, 0 at the end
 * of the run, -1 on a read error (reported). */
static int
run_advance(struct run_reader *r)
{
	size_t len = 0;

	if (fread(&r->head, sizeof(r->head), 1, r->fp) != 1)
		return ferror(r->fp) ? diag_error_errno("could not read a "
		                                        "temporary file")
		                     : 0;
	for (unsigned p = 0; p < REQSORT_MAX_PARTS; p++)
		len += r->head.len[p];
	if (len > r->cap) {
		char *data = realloc(r->data, len);

		if (!data)
			return diag_error("out of memory");
		r->data = data;
		r->cap = len;
	}
	if (fread(r->data, 1, len, r->fp) != len)
		return diag_error("could not read a temporary file: it is "
		                  "shorter than written");
	return 1;
}

static bool
run_less(const struct run_reader *runs, size_t a, size_t b)
{
	return compare_keys(&runs[a].head.key, &runs[b].head.key) < 0;
}

/* Restore the heap property below position i. */
static void
sift_down(const struct run_reader *runs, size_t *heap, size_t n, size_t i)
{
	for (;;) {
		size_t least = i, l = 2 * i + 1, r = 2 * i + 2, tmp;

		if (l < n && run_less(runs, heap[l], heap[least]))
			least = l;
		if (r < n && run_less(runs, heap[r], heap[least]))
			least = r;
		if (least == i)
			return;
		tmp = heap[i];
		heap[i] = heap[least];
		heap[least] = tmp;
		i = least;
	}
}

/* Where merged records go: the sinks, or (when run is set) a new run. */
struct merge_out {
	const struct reqsort_sink *sinks;
	unsigned n_sinks;
	FILE *run;
};

/* Copy the head record of r to the run being written. */
static int
emit_to_run(const struct run_reader *r, FILE *fp)
{
	size_t len = 0;

	for (unsigned p = 0; p < REQSORT_MAX_PARTS; p++)
		len += r->head.len[p];
	if (fwrite(&r->head, sizeof(r->head), 1, fp) != 1 ||
	    fwrite(r->data, 1, len, fp) != len)
		return diag_error_errno("could not write a temporary file in "
		                        "the output directory");
	return 0;
}

static int
emit_record(const struct run_reader *r, const struct merge_out *out)
{
	const struct reqsort_sink *sinks = out->sinks;
	unsigned n_sinks = out->n_sinks;
	size_t offset = 0;

	if (out->run)
		return emit_to_run(r, out->run);

	for (unsigned p = 0; p < REQSORT_MAX_PARTS && p < n_sinks; p++) {
		const struct reqsort_sink *sink = &sinks[p];
		const char *data = r->data + offset;
		size_t len = r->head.len[p];

		offset += len;
		if (sink->fn(sink->ctx, data, len) != 0)
			return -1;
	}
	return 0;
}

/* Merge the open runs through a heap of their indices. */
static int
merge_runs(struct run_reader *runs, size_t n, const struct merge_out *out)
{
	size_t *heap = malloc((n + 1) * sizeof(*heap));
	size_t live = 0;
	int rc = 0;

	if (!heap)
		return diag_error("out of memory");
	for (size_t i = 0; i < n && rc >= 0; i++)
		if ((rc = run_advance(&runs[i])) == 1)
			heap[live++] = i;
	for (size_t i = live; rc >= 0 && i-- > 0;)
		sift_down(runs, heap, live, i);
	while (rc >= 0 && live > 0) {
		struct run_reader *top = &runs[heap[0]];

		if (emit_record(top, out) != 0) {
			rc = -1;
			break;
		}
		rc = run_advance(top);
		if (rc == 0)
			heap[0] = heap[--live];
		sift_down(runs, heap, live, 0);
	}
	free(heap);
	return rc < 0 ? -1 : 0;
}

/* Merge runs first .. first + n - 1 to out. */
static int
merge_group(
    struct reqsort *rs, size_t first, size_t n, const struct merge_out *out)
{
	struct run_reader *runs = calloc(n + 1, sizeof(*runs));
	char quoted[DIAG_QUOTE_SIZE];
	size_t opened = 0;
	int rc = -1;

	if (!runs)
		return diag_error("out of memory");
	for (; opened < n; opened++) {
		const char *path = rs->runs[first + opened];

		runs[opened].buf = malloc(RUN_READ_BUFFER);
		if (!runs[opened].buf) {
			diag_error("out of memory");
			goto out;
		}
		runs[opened].fp = fopen(path, "rb");
		if (!runs[opened].fp) {
			diag_error_errno("could not open temporary file \"%s\"",
			    diag_quote_str(quoted, path));
			free(runs[opened].buf);
			goto out;
		}
		setvbuf(
		    runs[opened].fp, runs[opened].buf, _IOFBF, RUN_READ_BUFFER);
	}
	rc = merge_runs(runs, n, out);
out:
	for (size_t i = 0; i < opened; i++) {
		fclose(runs[i].fp);
		free(runs[i].buf);
		free(runs[i].data);
	}
	free(runs);
	return rc;
}

/*
 * Merge the first n runs into one new run at the end of the list and
 * remove them.  Returns 0 or -1 after reporting.
 */
static int
merge_into_run(struct reqsort *rs, size_t n)
{
	struct merge_out out = { NULL, 0, NULL };
	char *path, *buf = malloc(RUN_WRITE_BUFFER);
	int rc;

	if (!buf)
		return diag_error("out of memory");
	out.run = run_create(rs, &path, buf);
	if (!out.run) {
		free(buf);
		return -1;
	}
	rc = merge_group(rs, 0, n, &out);
	rc = run_finish(rs, out.run, path, rc != 0);
	free(buf);
	if (rc != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unlink(rs->runs[i]);
		free(rs->runs[i]);
	}
	rs->n_runs -= n;
	memmove(rs->runs, rs->runs + n, rs->n_runs * sizeof(*rs->runs));
	return 0;
}

/*
 * Memory and open files stay bounded however many runs there are: while
 * there are more than REQSORT_MERGE_FANIN, groups of them are merged into
 * longer runs first.  A group is only as large as needed to bring the
 * count down to REQSORT_MERGE_FANIN, so that as few records as possible
 * are written twice.
 */
int
reqsort_merge(
    struct reqsort *rs, const struct reqsort_sink *sinks, unsigned n_sinks)
{
	struct merge_out out = { sinks, n_sinks, NULL };

	while (rs->n_runs > REQSORT_MERGE_FANIN) {
		size_t n = rs->n_runs - REQSORT_MERGE_FANIN + 1;

		if (merge_into_run(rs,
		        n < REQSORT_MERGE_FANIN ? n : REQSORT_MERGE_FANIN) != 0)
			return -1;
	}
	return merge_group(rs, 0, rs->n_runs, &out);
}
