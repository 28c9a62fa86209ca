/* SPDX-License-Identifier: MIT */
/*
 * analyze/analyze.c - runs an analysis from start to end: prepares the
 * output directory, loads the snapshot, scans the inputs on worker
 * threads, merges their results in input order and writes the reports.
 * Reports are committed together, SHA256SUMS last, only once all are
 * complete; on failure none is left behind.
 */
#include "analyze/analyze.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/inputs.h"
#include "analyze/report.h"
#include "analyze/reqsort.h"
#include "analyze/scan.h"
#include "analyze/snapdb.h"
#include "analyze/tokagg.h"
#include "common/diag.h"
#include "common/outfile.h"
#include "common/progress.h"

enum report_index {
	REPORT_REQUESTS,
	REPORT_TIMELINE,
	REPORT_FINDINGS,
	REPORT_TOKENS,
	REPORT_MANIFEST,
	REPORT_SUMS,
	N_REPORTS
};

const char *const analyze_report_names[] = { "requests.csv", "timeline.csv",
	"findings.csv", "tokens.csv", "manifest.csv", "SHA256SUMS", NULL };

/* Everything one run holds; workers share it under lock. */
struct run {
	const struct analyze_options *opt;
	struct snapdb *snap;
	struct input_list inputs;
	struct scan_config config;
	struct reqsort sort;
	char *work_dir;             /* temporary directory in the outdir */
	struct file_summary *files; /* one per input */
	struct tokagg **pending;    /* per-file aggregates awaiting merge */
	struct tokagg totals;
	struct findings findings;
	size_t next_file, next_merge;
	bool has_failed; /* a worker hit a fatal error */
	pthread_mutex_t lock;
	struct outfile reports[N_REPORTS];
	struct digested_file snapshot_digest; /* for the manifest and sums */
	struct run_facts facts;
	struct progress progress;
};

static void
now_utc(char *buf)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	logtime_format_utc(
	    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, buf);
}

static char *
path_in(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = malloc(len);

	if (path)
		snprintf(path, len, "%s/%s", dir, name);
	return path;
}

static bool
is_empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool is_empty = true;

	if (!d)
		return false;
	while (is_empty && (e = readdir(d)))
		is_empty =
		    strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return is_empty;
}

/* Remove the reports of an earlier run, SHA256SUMS first, so that a
 * failed run cannot leave old reports that look like its own. */
static int
remove_old_reports(const char *outdir)
{
	char quoted[DIAG_QUOTE_SIZE];

	for (int i = N_REPORTS; i-- > 0;) {
		char *path = path_in(outdir, analyze_report_names[i]);

		if (!path)
			return diag_error("out of memory");
		if (unlink(path) != 0 && errno != ENOENT) {
			diag_error_errno("could not remove \"%s\"",
			    diag_quote_str(quoted, path));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

/* Create the output directory, or accept an existing one that is empty
 * (or, with force, holds reports to replace), and make the work
 * directory inside it. */
static int
prepare_outdir(struct run *run)
{
	const char *outdir = run->opt->outdir;
	char quoted[DIAG_QUOTE_SIZE];
	struct stat st;

	diag_quote_str(quoted, outdir);
	if (mkdir(outdir, 0755) != 0) {
		if (errno != EEXIST || stat(outdir, &st) != 0)
			return diag_error_errno(
			    "could not create output directory \"%s\"", quoted);
		if (!S_ISDIR(st.st_mode))
			return diag_error("output \"%s\" exists and is not a "
			                  "directory",
			    quoted);
		if (!run->opt->force && !is_empty_dir(outdir)) {
			diag_error(
			    "output directory \"%s\" is not empty", quoted);
			diag_hint("Use -f to replace the reports in it.");
			return -1;
		}
		if (remove_old_reports(outdir) != 0)
			return -1;
	}
	run->work_dir = path_in(outdir, ".tokentrail-work.XXXXXX");
	if (!run->work_dir)
		return diag_error("out of memory");
	if (!mkdtemp(run->work_dir)) {
		diag_error_errno(
		    "could not create a directory in \"%s\"", quoted);
		free(run->work_dir);
		run->work_dir = NULL;
		return -1;
	}
	return 0;
}

/* Merge the aggregates of finished files in input order.  Called with
 * the lock held. */
static void
merge_finished(struct run *run)
{
	while (run->next_merge < run->inputs.n_paths &&
	    run->pending[run->next_merge]) {
		struct tokagg *agg = run->pending[run->next_merge];

		if (tokagg_merge(&run->totals, agg) != 0)
			run->has_failed = true;
		tokagg_release(agg);
		free(agg);
		run->pending[run->next_merge++] = NULL;
	}
}

/* Take the next file; SIZE_MAX when none is left or the run failed. */
static size_t
take_file(struct run *run)
{
	size_t index = SIZE_MAX;

	pthread_mutex_lock(&run->lock);
	if (!run->has_failed && run->next_file < run->inputs.n_paths &&
	    !progress_is_interrupted())
		index = run->next_file++;
	pthread_mutex_unlock(&run->lock);
	return index;
}

/* -v: what one input gave, as soon as it is read. */
static void
note_file(const char *path, const struct file_summary *f)
{
	char quoted[DIAG_QUOTE_SIZE];

	diag_quote_str(quoted, path);
	if (!f->is_opened)
		return; /* reported when it happened */
	diag_note("%s: %s, %llu lines read, %llu set aside, %llu token "
	          "requests%s",
	    quoted, gzlines_format_name(f->stats.format),
	    (unsigned long long)f->n_lines, (unsigned long long)f->n_set_aside,
	    (unsigned long long)f->n_token_requests,
	    f->stats.is_damaged || f->has_read_error ? ", damaged" : "");
}

static int
scan_one(struct run *run, struct scan_worker *w, size_t index)
{
	struct tokagg *agg = malloc(sizeof(*agg));
	int rc;

	if (!agg)
		return diag_error("out of memory");
	tokagg_init(agg);
	rc = scan_file(w, run->inputs.paths[index], (uint32_t)index,
	    &run->files[index], agg);
	if (rc == 0 && run->opt->is_verbose)
		note_file(run->inputs.paths[index], &run->files[index]);
	pthread_mutex_lock(&run->lock);
	run->pending[index] = agg;
	merge_finished(run);
	pthread_mutex_unlock(&run->lock);
	return rc;
}

static void *
worker_main(void *arg)
{
	struct run *run = arg;
	struct scan_worker w;
	size_t index;
	int rc;

	rc = scan_worker_init(&w, &run->config, &run->sort);
	while (rc == 0 && (index = take_file(run)) != SIZE_MAX)
		rc = scan_one(run, &w, index);
	if (rc == 0)
		rc = scan_worker_finish(&w);
	scan_worker_release(&w);
	if (rc != 0) {
		pthread_mutex_lock(&run->lock);
		run->has_failed = true;
		pthread_mutex_unlock(&run->lock);
	}
	return NULL;
}

/* Scan every input on up to opt->jobs threads. */
static int
scan_inputs(struct run *run)
{
	size_t n_threads = run->opt->jobs;
	pthread_t *threads;
	size_t started = 0;

	if (n_threads > run->inputs.n_paths)
		n_threads = run->inputs.n_paths;
	if (n_threads == 0)
		return 0;
	threads = calloc(n_threads, sizeof(*threads));
	if (!threads)
		return diag_error("out of memory");
	for (; started < n_threads; started++)
		if (pthread_create(&threads[started], NULL, worker_main, run)) {
			diag_error("could not start a worker thread");
			pthread_mutex_lock(&run->lock);
			run->has_failed = true;
			pthread_mutex_unlock(&run->lock);
			break;
		}
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	/* What the workers freed (sort chunks, the files' pairing tables and
	 * aggregates) stays resident in their malloc arenas, which glibc does
	 * not shrink by itself; hand it back before the merge.  Done once,
	 * here, after the joins: malloc_trim() covers every arena, and called
	 * from several threads at once it races inside glibc. */
	malloc_trim(0);
	progress_stop(&run->progress);
	return run->has_failed || progress_is_interrupted() ? -1 : 0;
}

/* Warn about each input that was not read whole, in input order. */
static bool
warn_about_inputs(const struct run *run)
{
	char quoted[DIAG_QUOTE_SIZE];
	bool is_partial = false;

	for (size_t i = 0; i < run->inputs.n_paths; i++) {
		const struct file_summary *f = &run->files[i];
		const char *path = run->inputs.paths[i];

		diag_quote_str(quoted, path);
		if (!f->is_opened || f->has_read_error) {
			is_partial = true;
		} else if (!gzlines_is_readable(f->stats.format)) {
			diag_warn("\"%s\" holds %s data, which is not read; "
			          "skipped",
			    quoted, gzlines_format_name(f->stats.format));
			is_partial = true;
		} else if (f->stats.is_damaged) {
			diag_warn("\"%s\" is damaged at byte %llu (%s); the "
			          "lines before it were analysed",
			    quoted, (unsigned long long)f->stats.damage_offset,
			    f->stats.damage_reason ? f->stats.damage_reason
			                           : "unreadable data");
			is_partial = true;
		}
		if (f->n_set_aside > 0)
			diag_warn_at(path, 0,
			    "%llu of %llu lines set aside; "
			    "see manifest.csv",
			    (unsigned long long)f->n_set_aside,
			    (unsigned long long)f->n_lines);
	}
	return is_partial;
}

static int
open_reports(struct run *run)
{
	for (int i = 0; i < N_REPORTS; i++) {
		char *path = path_in(run->opt->outdir, analyze_report_names[i]);
		int rc;

		if (!path)
			return diag_error("out of memory");
		rc = outfile_open(&run->reports[i], path);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Write and close one CSV report through fill(). */
static int
write_csv(struct outfile *out, void (*fill)(struct run *, struct csvout *),
    struct run *run)
{
	char quoted[DIAG_QUOTE_SIZE];
	struct csvout csv;
	bool has_failed;

	csvout_init(&csv, out->fp);
	fill(run, &csv);
	has_failed = csvout_has_failed(&csv);
	csvout_release(&csv);
	if (outfile_finish(out) != 0)
		return -1;
	if (has_failed)
		return diag_error("could not write file \"%s\"",
		    diag_quote_str(quoted, out->path));
	return 0;
}

static int
take_facts(void *ctx, const char *data, size_t len)
{
	struct run *run = ctx;
	struct request_facts facts;

	if (findings_unpack(data, len, &facts) != 0)
		return diag_error("a temporary file of the run is corrupt");
	return findings_add(&run->findings, &facts, run->snap);
}

/* The two reports the merge writes, and the timeline row being made. */
struct merge_rows {
	FILE *requests, *timeline;
	struct scan_timeline row;
};

static int
take_request_row(void *ctx, const char *data, size_t len)
{
	struct merge_rows *m = ctx;

	m->row.request_row = data; /* valid until the record's last part */
	m->row.request_len = len;
	if (fwrite(data, 1, len, m->requests) != len)
		return diag_error_errno("could not write the reports");
	return 0;
}

static int
take_timeline_message(void *ctx, const char *data, size_t len)
{
	struct merge_rows *m = ctx;

	if (scan_timeline_row(&m->row, data, len) != 0)
		return -1;
	if (fwrite(m->row.row, 1, m->row.row_len, m->timeline) !=
	    m->row.row_len)
		return diag_error_errno("could not write the reports");
	return 0;
}

/* The sorted merge: requests.csv and timeline.csv rows, and the facts
 * for the findings, in one pass. */
static int
merge_requests(struct run *run)
{
	struct merge_rows rows = { run->reports[REPORT_REQUESTS].fp,
		run->reports[REPORT_TIMELINE].fp, { 0 } };
	struct reqsort_sink sinks[3] = {
		{ take_request_row, &rows },
		{ take_timeline_message, &rows },
		{ take_facts, run },
	};
	struct csvout csv;
	int rc;

	csvout_init(&csv, rows.requests);
	csvout_header(&csv, scan_request_columns);
	csv.fp = rows.timeline;
	csvout_header(&csv, scan_timeline_columns);
	rc = csvout_has_failed(&csv) ? -1 : 0;
	csvout_release(&csv);
	if (rc != 0)
		return diag_error_errno("could not write the reports");
	rc = reqsort_merge(&run->sort, sinks, 3);
	scan_timeline_release(&rows.row);
	/* The two large reports are synced while the others are made;
	 * finish_merged() waits for them. */
	if (rc != 0 || outfile_close(&run->reports[REPORT_REQUESTS]) != 0 ||
	    outfile_close(&run->reports[REPORT_TIMELINE]) != 0)
		return -1;
	return 0;
}

/* Wait until requests.csv and timeline.csv are written and synced. */
static int
finish_merged(struct run *run)
{
	if (outfile_finish(&run->reports[REPORT_REQUESTS]) != 0 ||
	    outfile_finish(&run->reports[REPORT_TIMELINE]) != 0)
		return -1;
	return 0;
}

/* The log-gap rule needs what each file covers. */
static int
find_log_gaps(struct run *run)
{
	const struct analyze_options *opt = run->opt;
	struct coverage cov = { 0 };
	int rc;

	cov.start = calloc(run->inputs.n_paths + 1, sizeof(*cov.start));
	cov.end = calloc(run->inputs.n_paths + 1, sizeof(*cov.end));
	if (!cov.start || !cov.end) {
		free(cov.start);
		free(cov.end);
		return diag_error("out of memory");
	}
	for (size_t i = 0; i < run->inputs.n_paths; i++)
		if (run->files[i].has_times) {
			cov.start[cov.n] = run->files[i].first;
			cov.end[cov.n++] = run->files[i].last;
		}
	rc = findings_log_gaps(&run->findings, run->snap, &run->totals, &cov,
	    opt->tokens, opt->n_tokens, opt->has_since ? &opt->since_ms : NULL,
	    opt->has_until ? &opt->until_ms : NULL);
	free(cov.start);
	free(cov.end);
	return rc;
}

static void
fill_findings(struct run *run, struct csvout *csv)
{
	if (find_log_gaps(run) != 0)
		csv->has_failed = true;
	findings_write(&run->findings, csv, run->snap, run->inputs.paths);
}

static void
fill_tokens(struct run *run, struct csvout *csv)
{
	report_tokens(
	    csv, run->snap, &run->totals, run->opt->tokens, run->opt->n_tokens);
}

static void
fill_manifest(struct run *run, struct csvout *csv)
{
	struct input_facts inputs = { run->inputs.paths, run->files,
		run->inputs.n_paths };

	if (report_digest_file(
	        run->opt->snapshot_path, &run->snapshot_digest) != 0) {
		csv->has_failed = true;
		return;
	}
	now_utc(run->facts.finished_utc);
	report_manifest(
	    csv, &inputs, &run->snapshot_digest, run->snap, &run->facts);
}

/* A SHA256SUMS line for a file outside the output directory, named by
 * its absolute path so that the check works from anywhere. */
static int
sums_line_absolute(FILE *fp, const char *hex, const char *path)
{
	char *absolute = realpath(path, NULL);
	int rc = report_sha256_line(fp, hex, absolute ? absolute : path);

	free(absolute);
	return rc;
}

/* SHA256SUMS: inputs, snapshot, then the reports by their names, to be
 * checked from inside the output directory. */
static int
write_sums(struct run *run)
{
	FILE *fp = run->reports[REPORT_SUMS].fp;
	const struct digested_file *snapshot = &run->snapshot_digest;
	char hex[SHA256_HEX_SIZE];
	int rc = 0;

	for (size_t i = 0; i < run->inputs.n_paths && rc == 0; i++) {
		const struct file_summary *f = &run->files[i];

		if (!f->is_opened || f->has_read_error)
			continue;
		sha256_hex(f->stats.sha256, hex);
		rc = sums_line_absolute(fp, hex, run->inputs.paths[i]);
	}
	/* The snapshot's digest is the manifest's, taken just before. */
	if (rc == 0)
		rc = sums_line_absolute(fp, snapshot->sha256, snapshot->path);
	/* Each report's digest was taken as it was written. */
	for (int i = 0; i < REPORT_SUMS && rc == 0; i++)
		rc = report_sha256_line(
		    fp, run->reports[i].sha256, analyze_report_names[i]);
	if (outfile_finish(&run->reports[REPORT_SUMS]) != 0)
		return -1;
	return rc;
}

static int
write_reports(struct run *run)
{
	if (open_reports(run) != 0 || merge_requests(run) != 0 ||
	    write_csv(&run->reports[REPORT_FINDINGS], fill_findings, run) ||
	    write_csv(&run->reports[REPORT_TOKENS], fill_tokens, run) ||
	    write_csv(&run->reports[REPORT_MANIFEST], fill_manifest, run) ||
	    finish_merged(run) != 0 || write_sums(run) != 0)
		return -1;
	if (progress_is_interrupted()) /* no report is committed */
		return -1;
	for (int i = 0; i < N_REPORTS; i++)
		if (outfile_commit(&run->reports[i]) != 0)
			return -1;
	return outfile_sync_dir(run->reports[REPORT_SUMS].path);
}

/* The total to show progress against: the inputs' sizes as stored. */
static int
start_progress(struct run *run)
{
	uint64_t total = 0;
	struct stat st;

	for (size_t i = 0; i < run->inputs.n_paths; i++)
		if (stat(run->inputs.paths[i], &st) == 0 && st.st_size > 0)
			total += (uint64_t)st.st_size;
	return progress_start(&run->progress, "analyze",
	    run->opt->show_progress, total, run->inputs.n_paths, "files");
}

static int
prepare_run(struct run *run)
{
	run->files = calloc(run->inputs.n_paths + 1, sizeof(*run->files));
	run->pending = calloc(run->inputs.n_paths + 1, sizeof(*run->pending));
	if (!run->files || !run->pending)
		return diag_error("out of memory");
	run->config.snap = run->snap;
	run->config.has_since = run->opt->has_since;
	run->config.has_until = run->opt->has_until;
	run->config.since_ms = run->opt->since_ms;
	run->config.until_ms = run->opt->until_ms;
	run->config.tokens = run->opt->tokens;
	run->config.n_tokens = run->opt->n_tokens;
	run->config.progress = &run->progress;
	run->facts.command_line = run->opt->command_line;
	run->facts.log_tz =
	    run->opt->log_tz ? run->opt->log_tz : "UTC (assumed)";
	run->facts.jobs = run->opt->jobs;
	if (reqsort_init(&run->sort, run->work_dir) != 0)
		return -1;
	return start_progress(run);
}

/* The end-of-run summary on stderr, unless -q. */
static void
note_summary(const struct run *run)
{
	char quoted[DIAG_QUOTE_SIZE];
	unsigned long long lines = 0, set_aside = 0, requests = 0;
	size_t damaged = 0;

	for (size_t i = 0; i < run->inputs.n_paths; i++) {
		const struct file_summary *f = &run->files[i];

		lines += f->n_lines;
		set_aside += f->n_set_aside;
		requests += f->n_reported;
		if (!f->is_opened || f->has_read_error || f->stats.is_damaged ||
		    !gzlines_is_readable(f->stats.format))
			damaged++;
	}
	diag_note("%zu files read (%zu damaged or unreadable), %llu lines, "
	          "%llu set aside",
	    run->inputs.n_paths, damaged, lines, set_aside);
	diag_note("%llu token requests reported, by %zu tokens", requests,
	    run->totals.tokens.count);
	diag_note("findings: %zu critical, %zu warning, %zu info",
	    findings_count(&run->findings, SEVERITY_CRITICAL),
	    findings_count(&run->findings, SEVERITY_WARNING),
	    findings_count(&run->findings, SEVERITY_INFO));
	diag_note("reports written to \"%s\": findings.csv, requests.csv, "
	          "timeline.csv, tokens.csv, manifest.csv, SHA256SUMS",
	    diag_quote_str(quoted, run->opt->outdir));
}

static void
release_run(struct run *run)
{
	for (int i = 0; i < N_REPORTS; i++)
		outfile_abort(&run->reports[i]);
	if (run->sort.dir)
		reqsort_release(&run->sort);
	if (run->work_dir)
		rmdir(run->work_dir);
	free(run->work_dir);
	for (size_t i = 0; run->pending && i < run->inputs.n_paths; i++)
		if (run->pending[i]) {
			tokagg_release(run->pending[i]);
			free(run->pending[i]);
		}
	free(run->pending);
	free(run->files);
	tokagg_release(&run->totals);
	findings_release(&run->findings);
	inputs_release(&run->inputs);
	snapdb_close(run->snap);
	pthread_mutex_destroy(&run->lock);
}

enum analyze_outcome
analyze_run(const struct analyze_options *opt)
{
	struct run run;
	enum analyze_outcome outcome = ANALYZE_FAILED;

	memset(&run, 0, sizeof(run));
	run.opt = opt;
	pthread_mutex_init(&run.lock, NULL);
	tokagg_init(&run.totals);
	findings_init(&run.findings, &opt->findings);
	now_utc(run.facts.started_utc);
	if (!opt->log_tz)
		diag_warn("no --log-tz given: log times are taken as UTC");
	if (snapdb_open(&run.snap, opt->snapshot_path) != 0 ||
	    inputs_collect(&run.inputs, opt->paths, opt->n_paths) != 0 ||
	    prepare_outdir(&run) != 0 || prepare_run(&run) != 0 ||
	    scan_inputs(&run) != 0)
		goto out;
	outcome = warn_about_inputs(&run) ? ANALYZE_PARTIAL : ANALYZE_COMPLETE;
	if (write_reports(&run) != 0) {
		outcome = ANALYZE_FAILED;
		goto out;
	}
	note_summary(&run);
	if (opt->has_fail_on && findings_reach(&run.findings, opt->fail_on))
		outcome = ANALYZE_FINDINGS;
out:
	progress_stop(&run.progress);
	release_run(&run);
	return outcome;
}
