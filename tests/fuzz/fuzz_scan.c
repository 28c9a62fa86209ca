/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_scan.c - one input file through analyze's scan, against
 * the demo snapshot (built once from fixtures/demo/csv, read from the
 * working directory): lines, records, attribution, resolution, report
 * rows and aggregates.  Checks that every line read is accounted for, as
 * parsed or set aside with a reason, that the counts agree with each
 * other, and that the sorted records hold one requests.csv row per
 * reported token request and facts that unpack.
 */
#include <stdio.h>
#include <string.h>

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
	uint64_t n_request_rows; /* non-empty requests.csv parts */
	uint64_t n_facts;
};

static int
count_request_row(void *ctx, const char *data, size_t len)
{
	struct record_count *count = ctx;

	(void)data;
	count->n_request_rows += len > 0;
	return 0;
}

static int
ignore_part(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
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
	FUZZ_CHECK(f->has_times == (f->n_parsed > 0),
	    "parsed lines without times");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_tmpdir();
	struct record_count count = { 0, 0 };
	struct reqsort_sink sinks[3] = {
		{ NULL, count_request_row, &count },
		{ NULL, ignore_part, NULL },
		{ NULL, check_facts, &count },
	};
	struct file_summary summary;
	struct scan_worker w;
	struct reqsort sort;
	struct tokagg agg;
	char path[4200];

	diag_set_quiet(true);
	if (!snap)
		setup(dir);
	snprintf(path, sizeof(path), "%s/input.log", dir);
	fuzz_write_file(path, data, size);
	memset(&summary, 0, sizeof(summary));
	tokagg_init(&agg);
	FUZZ_CHECK(reqsort_init(&sort, dir) == 0, "sort");
	FUZZ_CHECK(scan_worker_init(&w, &config, &sort) == 0, "worker");
	FUZZ_CHECK(scan_file(&w, path, 0, &summary, &agg) == 0,
	    "the scan of a regular file failed");
	FUZZ_CHECK(scan_worker_finish(&w) == 0, "flush");
	check_summary(&summary);
	FUZZ_CHECK(reqsort_merge(&sort, sinks, 3) == 0, "merge");
	FUZZ_CHECK(count.n_request_rows == summary.n_reported,
	    "requests.csv rows differ from reported token requests");
	scan_worker_release(&w);
	reqsort_release(&sort);
	tokagg_release(&agg);
	return 0;
}
