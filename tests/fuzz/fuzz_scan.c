/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_scan.c - one input file through analyze's scan, against
 * the demo snapshot (built once from fixtures/demo/csv, read from the
 * working directory): lines, records, attribution, resolution, report
 * rows and aggregates.  Checks that every line read is accounted for, as
 * parsed or set aside with a reason, that the counts agree with each
 * other, that the sorted records hold one requests.csv row per reported
 * token request, a message from which its timeline row can be made and
 * facts that unpack, and that a text input gives the same counts when it
 * is read gzipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "analyze/findings.h"
#include "analyze/scan.h"
#include "common/diag.h"
#include "snapshot/csvimport.h"
#include "snapshot/sqlite_out.h"
#include "tests/fuzz/fuzzutil.h"

#define DEMO_DIR "fixtures/demo/csv"

static struct snapdb *snap;
static struct scan_config config;
static struct progress progress;

/* Build the demo snapshot in the private directory and open it. */
static void
setup(const char *dir)
{
	char path[4200];
	struct sqlite_out *out;

	snprintf(path, sizeof(path), "%s/demo.db", dir);
	out = sqlite_out_open(path, true);
	FUZZ_CHECK(out != NULL, "could not create the demo snapshot");
	FUZZ_CHECK(csvimport_run(DEMO_DIR, out) == 0,
	    "run from the top of the source tree");
	FUZZ_CHECK(sqlite_out_commit(out) == 0, "could not commit");
	FUZZ_CHECK(snapdb_open(&snap, path) == 0, "could not open it");
	FUZZ_CHECK(progress_start(&progress, "fuzz", false, 0, 0, "files") == 0,
	    "progress");
	config.snap = snap;
	config.progress = &progress;
}

/* What the sorted records held. */
struct record_count {
	uint64_t n_request_rows;  /* non-empty requests.csv parts */
	uint64_t n_timeline_rows; /* timeline rows made from them */
	uint64_t n_facts;
	struct scan_timeline timeline; /* of the record being merged */
};

static int
count_request_row(void *ctx, const char *data, size_t len)
{
	struct record_count *count = ctx;

	count->timeline.request_row = data;
	count->timeline.request_len = len;
	count->n_request_rows += len > 0;
	return 0;
}

/* The timeline row is made as analyze makes it, from the message part
 * and the requests row; a refusal has neither. */
static int
check_timeline_row(void *ctx, const char *data, size_t len)
{
	struct record_count *count = ctx;
	struct scan_timeline *t = &count->timeline;

	FUZZ_CHECK((len == 0) == (t->request_len == 0),
	    "a message without a requests row, or the other way round");
	if (len == 0)
		return 0;
	FUZZ_CHECK(scan_timeline_row(t, data, len) == 0,
	    "a timeline row that cannot be made");
	FUZZ_CHECK(t->row_len > len && memcmp(t->row, data, len - 2) == 0,
	    "a timeline row that does not start with its message");
	count->n_timeline_rows++;
	return 0;
}

static int
check_facts(void *ctx, const char *data, size_t len)
{
	struct record_count *count = ctx;
	struct request_facts facts;

	FUZZ_CHECK(findings_unpack(data, len, &facts) == 0,
	    "facts that do not unpack");
	count->n_facts++;
	return 0;
}

static void
check_summary(const struct file_summary *f)
{
	uint64_t n_reasons = 0;

	FUZZ_CHECK(f->is_opened, "a written file must open");
	FUZZ_CHECK(f->n_lines == f->stats.n_lines,
	    "lines scanned differ from lines read");
	FUZZ_CHECK(f->n_parsed + f->n_set_aside == f->n_lines,
	    "a line neither parsed nor set aside");
	for (int i = 0; i < SET_ASIDE_N_REASONS; i++)
		n_reasons += f->set_aside[i];
	FUZZ_CHECK(n_reasons == f->n_set_aside, "set aside without a reason");
	FUZZ_CHECK(f->n_repaired <= f->n_parsed, "more repaired than parsed");
	FUZZ_CHECK(f->n_reported <= f->n_token_requests &&
	        f->n_token_requests <= f->n_parsed,
	    "more token requests than lines");
	FUZZ_CHECK(
	    f->has_times == (f->n_parsed > 0), "parsed lines without times");
}

/* Scan the file at path as analyze does; fill *summary and *count. */
static void
scan_input(
    const char *path, struct file_summary *summary, struct record_count *count)
{
	struct reqsort_sink sinks[3] = {
		{ count_request_row, count },
		{ check_timeline_row, count },
		{ check_facts, count },
	};
	struct scan_worker w;
	struct reqsort sort;
	struct tokagg agg;

	memset(summary, 0, sizeof(*summary));
	memset(count, 0, sizeof(*count));
	tokagg_init(&agg);
	FUZZ_CHECK(reqsort_init(&sort, fuzz_tmpdir()) == 0, "sort");
	FUZZ_CHECK(scan_worker_init(&w, &config, &sort) == 0, "worker");
	FUZZ_CHECK(scan_file(&w, path, 0, summary, &agg) == 0,
	    "the scan of a regular file failed");
	FUZZ_CHECK(scan_worker_finish(&w) == 0, "flush");
	check_summary(summary);
	FUZZ_CHECK(reqsort_merge(&sort, sinks, 3) == 0, "merge");
	FUZZ_CHECK(count->n_request_rows == summary->n_reported &&
	        count->n_timeline_rows == summary->n_reported,
	    "requests.csv or timeline rows differ from reported requests");
	scan_timeline_release(&count->timeline);
	scan_worker_release(&w);
	reqsort_release(&sort);
	tokagg_release(&agg);
}

/* Write size bytes of data to path as one gzip member. */
static void
write_gzip(const char *path, const uint8_t *data, size_t size)
{
	uLong cap = compressBound((uLong)size) + 32;
	unsigned char *gz = malloc(cap);
	z_stream s = { 0 };

	FUZZ_CHECK(gz != NULL, "out of memory");
	FUZZ_CHECK(deflateInit2(&s, 1, Z_DEFLATED, 15 + 16, 8,
	               Z_DEFAULT_STRATEGY) == Z_OK,
	    "deflate");
	s.next_in = (unsigned char *)(uintptr_t)data;
	s.avail_in = (uInt)size;
	s.next_out = gz;
	s.avail_out = (uInt)cap;
	FUZZ_CHECK(deflate(&s, Z_FINISH) == Z_STREAM_END, "deflate");
	fuzz_write_file(path, gz, cap - s.avail_out);
	deflateEnd(&s);
	free(gz);
}

/* What the text gave, whether it was stored plain or gzipped. */
static void
check_same_counts(const struct file_summary *a, const struct file_summary *b,
    const struct record_count *ca, const struct record_count *cb)
{
	FUZZ_CHECK(a->n_lines == b->n_lines && a->n_parsed == b->n_parsed &&
	        a->n_repaired == b->n_repaired &&
	        a->n_set_aside == b->n_set_aside &&
	        memcmp(a->set_aside, b->set_aside, sizeof(a->set_aside)) == 0,
	    "gzip changes how lines are read");
	FUZZ_CHECK(a->n_token_requests == b->n_token_requests &&
	        a->n_reported == b->n_reported &&
	        a->n_unfinished == b->n_unfinished &&
	        a->n_unmatched == b->n_unmatched &&
	        a->n_label_anomalies == b->n_label_anomalies &&
	        a->n_pairing_overflow == b->n_pairing_overflow,
	    "gzip changes the requests");
	FUZZ_CHECK(a->has_times == b->has_times &&
	        (!a->has_times ||
	            (a->first.utc_ms == b->first.utc_ms &&
	                a->last.utc_ms == b->last.utc_ms)),
	    "gzip changes what the file covers");
	FUZZ_CHECK(ca->n_request_rows == cb->n_request_rows &&
	        ca->n_facts == cb->n_facts,
	    "gzip changes the records");
	FUZZ_CHECK(
	    !b->stats.is_damaged, "a gzip file written whole is damaged");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct file_summary plain, gzipped;
	struct record_count plain_count = { 0 }, gzipped_count = { 0 };
	char path[4200];

	diag_set_quiet(true);
	if (!snap)
		setup(fuzz_tmpdir());
	snprintf(path, sizeof(path), "%s/input.log", fuzz_tmpdir());
	fuzz_write_file(path, data, size);
	scan_input(path, &plain, &plain_count);
	if (plain.stats.format != GZLINES_PLAIN)
		return 0;
	snprintf(path, sizeof(path), "%s/input.log.gz", fuzz_tmpdir());
	write_gzip(path, data, size);
	scan_input(path, &gzipped, &gzipped_count);
	check_same_counts(&plain, &gzipped, &plain_count, &gzipped_count);
	return 0;
}
