/* SPDX-License-Identifier: MIT */
/*
 * analyze/report.h - the contents of tokens.csv, manifest.csv and
 * SHA256SUMS, the last stage of analyze.  requests.csv comes out of
 * reqsort already formatted.  Everything here is ordered by fixed keys
 * so the same inputs always give the same bytes; only the manifest's run
 * row records when and how the run happened.
 */
#ifndef TOKENTRAIL_ANALYZE_REPORT_H
#define TOKENTRAIL_ANALYZE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/scan.h"
#include "analyze/snapdb.h"
#include "analyze/tokagg.h"
#include "common/csvout.h"
#include "common/sha256.h"

/* A file whose digest the manifest and SHA256SUMS carry. */
struct digested_file {
	const char *path;
	uint64_t size;
	char sha256[SHA256_HEX_SIZE];
};

/* Facts about the run itself, for the manifest's run row. */
struct run_facts {
	const char *command_line;
	const char *log_tz;  /* e.g. "Europe/Berlin" or "UTC (assumed)" */
	unsigned jobs;
	char started_utc[LOGTIME_ISO_SIZE];
	char finished_utc[LOGTIME_ISO_SIZE];
};

/* The inputs as the manifest sees them. */
struct input_facts {
	char *const *paths;
	const struct file_summary *files;
	size_t n_files;
};

/*
 * Hash the file at path into *out (path is borrowed).  Returns 0, or -1
 * after reporting.
 */
int report_digest_file(const char *path, struct digested_file *out);

/* tokens.csv: every token in the snapshot or seen in the logs, by id;
 * only the listed ones when n_tokens > 0. */
void report_tokens(struct csvout *csv, const struct snapdb *snap,
    const struct tokagg *seen, char *const *tokens, size_t n_tokens);

/* manifest.csv: a row per input, one for the snapshot, one for the run. */
void report_manifest(struct csvout *csv, const struct input_facts *inputs,
    const struct digested_file *snapshot, const struct snapdb *snap,
    const struct run_facts *run);

/*
 * One SHA256SUMS line for a file, in the form "sha256sum -c" reads,
 * escaping a name that holds a newline or a backslash as GNU coreutils
 * does.  Returns 0, or -1 when the write failed.
 */
int report_sha256_line(FILE *fp, const char *sha256_hex, const char *name);

#endif
