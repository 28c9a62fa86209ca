/* SPDX-License-Identifier: MIT */
/*
 * analyze/analyze.h - the whole of "tokentrail analyze": inputs in,
 * reports out.  The files are scanned by a pool of worker threads
 * (scan.c), the per-file results merged in input order, and the reports
 * written to temporary files in the output directory, all renamed into
 * place only when every one of them is complete.
 */
#ifndef TOKENTRAIL_ANALYZE_ANALYZE_H
#define TOKENTRAIL_ANALYZE_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/findings.h"

struct analyze_options {
	const char *snapshot_path;
	const char *outdir;
	const char *log_tz;        /* the zone name, or NULL: UTC assumed */
	bool has_since, has_until;
	int64_t since_ms, until_ms; /* report window [since, until) */
	char *const *tokens;       /* --token ids */
	size_t n_tokens;
	unsigned jobs;             /* worker threads, at least 1 */
	bool force;                /* replace reports in a non-empty outdir */
	char *const *paths;        /* PATH arguments */
	size_t n_paths;
	const char *command_line;  /* for the manifest */
	struct findings_options findings;
	bool has_fail_on;          /* --fail-on given */
	enum severity fail_on;
	bool show_progress;        /* draw progress (stderr is a terminal) */
	bool is_verbose;           /* -v: a line on stderr per input file */
};

enum analyze_outcome {
	ANALYZE_FAILED = -1,  /* reported; no report was left behind */
	ANALYZE_COMPLETE = 0, /* every input read to its end */
	ANALYZE_PARTIAL = 1,  /* reports written, but some input was damaged,
	                         unreadable or in an unsupported format */
	ANALYZE_FINDINGS = 2, /* reports written; findings at or above
	                         --fail-on exist (takes precedence over
	                         ANALYZE_PARTIAL) */
};

/* The report files, in the order they are committed; SHA256SUMS last. */
extern const char *const analyze_report_names[];

/*
 * Run the analysis.  logtime_set_zone() must have been called with
 * opt->log_tz.  Reports what goes wrong as it happens and ends with a
 * summary on stderr (diag_note(), so -q silences it).  When
 * progress_is_interrupted() turns true the run stops within a thousand
 * lines of every file being read and returns ANALYZE_FAILED, leaving no
 * report behind.
 */
enum analyze_outcome analyze_run(const struct analyze_options *opt);

#endif
