/* SPDX-License-Identifier: MIT */
/*
 * analyze/scan.h - one input file through the pipeline: lines (gzlines),
 * records (parse), token attribution and repository resolution against
 * the snapshot (snapdb, resolve), report rows (reqsort) and per-token
 * aggregates (tokagg).  Every line read is counted as parsed or as set
 * aside with a reason, so the manifest accounts for the whole file.
 */
#ifndef TOKENTRAIL_ANALYZE_SCAN_H
#define TOKENTRAIL_ANALYZE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/gzlines.h"
#include "analyze/logtime.h"
#include "analyze/reqsort.h"
#include "analyze/snapdb.h"
#include "analyze/tokagg.h"
#include "common/csvout.h"
#include "common/progress.h"

/* Open requests remembered per file for i/o pairing. */
#define SCAN_MAX_OPEN_REQUESTS 65536

/* Why a line was set aside: the parser's reasons, plus the first and
 * last line of a file when they look cut off by rotation or copying. */
enum set_aside_reason {
	SET_ASIDE_BLANK,
	SET_ASIDE_TOO_LONG,
	SET_ASIDE_UNRECOGNIZED,
	SET_ASIDE_BAD_REQUEST_ID,
	SET_ASIDE_BAD_TIMESTAMP,
	SET_ASIDE_TRUNCATED_START, /* first line of the file, unparsable */
	SET_ASIDE_TRUNCATED_END,   /* unterminated last line, unparsable */
	SET_ASIDE_N_REASONS
};

/* Stable names for the manifest: "blank", "too-long",
 * "unrecognized-layout", "bad-request-id", "bad-timestamp",
 * "truncated-start", "truncated-end". */
const char *set_aside_reason_name(enum set_aside_reason reason);

/* What one file contributed, for the manifest. */
struct file_summary {
	bool is_opened;      /* false: the file could not be opened */
	bool has_read_error; /* reading failed part-way (I/O error) */
	struct gzlines_stats stats;
	uint64_t n_lines;
	uint64_t n_parsed;
	uint64_t n_repaired; /* parsed with stray separators kept */
	uint64_t n_set_aside;
	uint64_t set_aside[SET_ASIDE_N_REASONS];
	uint64_t n_token_requests;   /* completed requests with a token */
	uint64_t n_reported;         /* of those, inside the filters */
	uint64_t n_unfinished;       /* i lines without their o line */
	uint64_t n_unmatched;        /* o lines without their i line */
	uint64_t n_label_anomalies;  /* several or malformed token labels */
	uint64_t n_pairing_overflow; /* i lines not remembered: the cap */
	bool has_times;              /* a line was parsed: the times below */
	struct logtime_instant first, last; /* the first and last parsed
	                              line's time, the earlier first: what
	                              the file covers */
};

/* What every scan shares and only reads. */
struct scan_config {
	const struct snapdb *snap;
	bool has_since, has_until;
	int64_t since_ms, until_ms; /* half-open window [since, until) */
	char *const *tokens;        /* --token ids, or NULL for all */
	size_t n_tokens;
	struct progress *progress; /* advanced as input is read; its
	                              functions are thread-safe */
};

/* One worker's state, reused from file to file. */
struct scan_worker {
	const struct scan_config *config;
	struct reqsort *sort;
	struct reqsort_chunk chunk;
	struct csvout csv;
	struct logtime_cache time_cache;
};

int scan_worker_init(struct scan_worker *w, const struct scan_config *config,
    struct reqsort *sort);

/* Write the rows still in the chunk as a run; 0 or -1. */
int scan_worker_finish(struct scan_worker *w);

void scan_worker_release(struct scan_worker *w);

/*
 * Each record handed to the sort has three parts: the requests.csv row,
 * the timeline.csv row's message cell (as a one-cell row; see
 * scan_timeline_row()) and the packed struct request_facts.  A refused
 * request without a token has only the facts.
 *
 * Read the file at path (input number file_index) to its end, filling
 * *summary and adding its tokens' figures to *agg.  A file that cannot
 * be opened is reported and leaves summary->is_opened false; damage is
 * recorded in summary->stats.  The bytes read go to the progress line
 * every few megabytes, and the file counts as done at its end, with its
 * size in all.  Returns 0, or -1 when the run cannot go on (out of
 * memory, a write error in the output directory) or was interrupted:
 * progress_is_interrupted() is checked every thousand lines, and the
 * file is left there without a word (the caller says it).  After -1,
 * *summary is incomplete.
 */
int scan_file(struct scan_worker *w, const char *path, uint32_t file_index,
    struct file_summary *summary, struct tokagg *agg);

/*
 * The timeline.csv row of a record, made while the runs are merged from
 * its first two parts: the message cell, then the cells it shares with
 * the requests.csv row, copied as they were written.  Start from a zeroed
 * struct; scan_timeline_release() frees the row.
 */
struct scan_timeline {
	const char *request_row; /* the record's first part, set by the
	                            caller before its second is handed on */
	size_t request_len;
	char *row; /* the row made last, row_len bytes */
	size_t row_len, cap;
};

/*
 * Make t->row from t->request_row and message_row.  A refused request
 * without a token, whose two parts are empty, makes an empty row.
 * Returns 0, or -1 after reporting a part that scan did not write or a
 * lack of memory.
 */
int scan_timeline_row(
    struct scan_timeline *t, const char *message_row, size_t message_len);
void scan_timeline_release(struct scan_timeline *t);

/* The headers of requests.csv and timeline.csv, NULL-terminated. */
extern const char *const scan_request_columns[];
extern const char *const scan_timeline_columns[];

#endif
