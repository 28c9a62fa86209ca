/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_reqsort.c - the external sort of report rows on real
 * temporary files: records in shuffled order come out in key order, whole,
 * with every part at its sink, also when there are more runs than are
 * merged at once (REQSORT_MERGE_FANIN) and a first pass merges groups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/reqsort.h"

static char tmpdir[] = "/tmp/tt-reqsort.XXXXXX";

/* Collects what the third sink is handed. */
struct collected {
	size_t n_calls;
	size_t bytes;
};

static int
collect(void *ctx, const char *data, size_t len)
{
	struct collected *c = ctx;

	(void)data;
	c->n_calls++;
	c->bytes += len;
	return 0;
}

/* The first two sinks write their parts to a memory stream. */
static int
write_part(void *ctx, const char *data, size_t len)
{
	return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

/* Record i of n: keys are a permutation of 0 .. n-1 (n prime to 7919). */
static void
add_record(
    struct reqsort_chunk *chunk, struct reqsort *rs, uint64_t i, uint64_t n)
{
	struct reqsort_key key;
	uint64_t k = i * 7919 % n;
	char part[32];

	memset(&key, 0, sizeof(key));
	key.utc_ms = (int64_t)(k / 3); /* ties broken by node and line */
	memcpy(key.node, k % 3 == 0 ? "b" : "a", 1);
	key.file_index = 1;
	key.line = k;
	assert_int_equal(reqsort_record_begin(chunk, &key), 0);
	reqsort_append(chunk, part,
	    (size_t)snprintf(part, sizeof(part), "%" PRIu64 "\n", k));
	reqsort_part_end(chunk);
	reqsort_append(chunk, part,
	    (size_t)snprintf(part, sizeof(part), "t%" PRIu64 "\n", k));
	reqsort_part_end(chunk);
	reqsort_append(chunk, "facts", 5);
	reqsort_part_end(chunk);
	assert_int_equal(reqsort_record_end(chunk, rs), 0);
}

/* Sort n records written as runs of per_run records each. */
static void
sort_records(uint64_t n, uint64_t per_run)
{
	struct reqsort rs;
	struct reqsort_chunk chunk;
	struct collected facts = { 0, 0 };
	char *rows = NULL, *times = NULL;
	size_t rows_len = 0, times_len = 0;
	FILE *rows_fp = open_memstream(&rows, &rows_len);
	FILE *times_fp = open_memstream(&times, &times_len);
	struct reqsort_sink sinks[3] = { { write_part, rows_fp },
		{ write_part, times_fp }, { collect, &facts } };
	const char *p;

	assert_int_equal(reqsort_init(&rs, tmpdir), 0);
	assert_int_equal(reqsort_chunk_init(&chunk), 0);
	for (uint64_t i = 0; i < n; i++) {
		add_record(&chunk, &rs, i, n);
		if ((i + 1) % per_run == 0)
			assert_int_equal(reqsort_chunk_flush(&chunk, &rs), 0);
	}
	assert_int_equal(reqsort_chunk_flush(&chunk, &rs), 0);
	assert_int_equal(rs.n_runs, (n + per_run - 1) / per_run);
	assert_int_equal(reqsort_merge(&rs, sinks, 3), 0);
	assert_true(rs.n_runs <= REQSORT_MERGE_FANIN);
	assert_int_equal(fclose(rows_fp), 0);
	assert_int_equal(fclose(times_fp), 0);

	/* Key order: by time, then node ("a" before "b"), then line. */
	p = rows;
	for (uint64_t t = 0; t * 3 < n; t++) {
		uint64_t order[3] = { t * 3 + 1, t * 3 + 2, t * 3 };

		for (int j = 0; j < 3; j++) {
			char want[32];

			if (order[j] >= n)
				continue;
			snprintf(want, sizeof(want), "%" PRIu64 "\n", order[j]);
			assert_memory_equal(p, want, strlen(want));
			p += strlen(want);
		}
	}
	assert_int_equal((size_t)(p - rows), rows_len);
	assert_int_equal(times_len, rows_len + n);
	assert_int_equal(facts.n_calls, n);
	assert_int_equal(facts.bytes, n * 5);

	reqsort_chunk_release(&chunk);
	reqsort_release(&rs);
	free(rows);
	free(times);
}

static void
test_one_run(void **state)
{
	(void)state;
	sort_records(1000, 1000);
}

static void
test_few_runs(void **state)
{
	(void)state;
	sort_records(1000, 97);
}

/* 2026-12-03, issue 7: more runs than one merge takes, merged in groups
 * first, so memory and open files stay bounded. */
static void
test_more_runs_than_fanin(void **state)
{
	(void)state;
	sort_records(3001, 11); /* 273 runs: groups of 128 and 19 first */
}

/* A record that outgrows the chunk's room is refused at its end, leaves
 * nothing behind, and the next record is kept whole. */
static void
test_oversized_record_refused(void **state)
{
	struct reqsort rs;
	struct reqsort_chunk chunk;
	struct reqsort_key key;
	size_t big = REQSORT_CHUNK_BYTES + REQSORT_RECORD_ROOM + 1;
	char *filler = calloc(1, big);

	(void)state;
	assert_non_null(filler);
	memset(&key, 0, sizeof(key));
	assert_int_equal(reqsort_init(&rs, tmpdir), 0);
	assert_int_equal(reqsort_chunk_init(&chunk), 0);

	assert_int_equal(reqsort_record_begin(&chunk, &key), 0);
	reqsort_append(&chunk, "row", 3);
	reqsort_part_end(&chunk);
	assert_null(reqsort_reserve(&chunk, big));
	reqsort_append(&chunk, filler, 16);
	reqsort_part_end(&chunk);
	assert_int_equal(reqsort_record_end(&chunk, &rs), -1);
	assert_int_equal(chunk.n_entries, 0);
	assert_int_equal(chunk.used, 0);

	assert_int_equal(reqsort_record_begin(&chunk, &key), 0);
	reqsort_append(&chunk, "kept", 4);
	reqsort_part_end(&chunk);
	assert_int_equal(reqsort_record_end(&chunk, &rs), 0);
	assert_int_equal(chunk.n_entries, 1);
	assert_int_equal(chunk.used, 4);

	reqsort_chunk_release(&chunk);
	reqsort_release(&rs);
	free(filler);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_run),
		cmocka_unit_test(test_few_runs),
		cmocka_unit_test(test_more_runs_than_fanin),
		cmocka_unit_test(test_oversized_record_refused),
	};

	return cmocka_run_group_tests_name("reqsort", tests, setup, teardown);
}
