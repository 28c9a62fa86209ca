/* SPDX-License-Identifier: MIT */
/*
 * analyze/report.c - rows of tokens.csv and manifest.csv, and the lines
 * of SHA256SUMS.
 */
#include "analyze/report.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/version.h"

#define DIGEST_BUFFER (256 * 1024)
/* How many addresses and user agents tokens.csv lists per token. */
#define TOP_IPS 5
#define TOP_AGENTS 5

static const char *const token_columns[] = {
	"token_id", "token_name", "token_kind", "token_user", "scope",
	"permissions", "created", "expires", "last_authenticated",
	"in_snapshot", "first_seen", "last_seen", "requests",
	"failed_requests", "distinct_ips", "top_ips", "user_agents",
	"repositories", "clones", "fetches", "pushes", "bytes_written", NULL
};

static const char *const manifest_columns[] = {
	"kind", "path", "size", "sha256", "format", "lines_read",
	"lines_parsed", "lines_repaired", "lines_set_aside",
	"set_aside_reasons", "token_requests", "token_requests_reported",
	"unfinished_requests", "unmatched_completions",
	"token_label_anomalies", "damaged", "damage_offset", "note", NULL
};

int
report_digest_file(const char *path, struct digested_file *out)
{
	unsigned char digest[SHA256_DIGEST_LEN];
	char quoted[DIAG_QUOTE_SIZE];
	struct sha256 sha;
	char *buf = malloc(DIGEST_BUFFER);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	out->path = path;
	out->size = 0;
	if (!buf || fd < 0 || sha256_init(&sha) != 0) {
		if (fd < 0)
			diag_error_errno("could not open file \"%s\"",
			    diag_quote_str(quoted, path));
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = read(fd, buf, DIGEST_BUFFER)) > 0) {
		out->size += (uint64_t)n;
		sha256_update(&sha, buf, (size_t)n);
	}
	if (n < 0)
		diag_error_errno("could not read file \"%s\"",
		    diag_quote_str(quoted, path));
	free(buf);
	close(fd);
	if (sha256_final(&sha, digest) != 0 || n < 0)
		return -1;
	sha256_hex(digest, out->sha256);
	return 0;
}

static void
cell_time(struct csvout *csv, const struct snap_time *t)
{
	char iso[LOGTIME_ISO_SIZE];

	if (t && t->is_set)
		csvout_str(csv, logtime_format(&t->at, iso));
	else
		csvout_empty(csv);
}

static void
cell_top(struct csvout *csv, const struct counted_set *set, size_t limit)
{
	size_t len;
	char *text = counted_set_top(set, limit, &len);

	csvout_text(csv, text ? text : "", text ? len : 0);
	free(text);
}

/* The snapshot's part of a tokens.csv row (columns 1 to 10). */
static void
cells_token_record(struct csvout *csv, const char *id,
    const struct snap_token *t)
{
	csvout_str(csv, id);
	csvout_str(csv, t ? t->name : NULL);
	csvout_str(csv, token_kind_name(t ? t->kind : TOKEN_UNKNOWN));
	csvout_str(csv, t ? t->user_name : NULL);
	csvout_str(csv, t ? t->scope : NULL);
	csvout_str(csv, t ? t->permissions : NULL);
	cell_time(csv, t ? &t->created : NULL);
	cell_time(csv, t ? &t->expires : NULL);
	cell_time(csv, t ? &t->last_authenticated : NULL);
	csvout_str(csv, t ? "yes" : "no");
}

/* The logs' part of a tokens.csv row; a token never seen has zeros. */
static void
cells_token_usage(struct csvout *csv, const struct token_agg *a)
{
	static const struct token_agg unseen;
	char iso[LOGTIME_ISO_SIZE], count[32];

	if (!a) {
		a = &unseen;
		csvout_empty(csv);
		csvout_empty(csv);
	} else {
		csvout_str(csv, logtime_format(&a->first_seen, iso));
		csvout_str(csv, logtime_format(&a->last_seen, iso));
	}
	csvout_u64(csv, a->requests);
	csvout_u64(csv, a->failed_requests);
	csvout_str(csv, counted_set_count(&a->ips, count));
	cell_top(csv, &a->ips, TOP_IPS);
	cell_top(csv, &a->agents, TOP_AGENTS);
	cell_top(csv, &a->repos, 0);
	csvout_u64(csv, a->clones);
	csvout_u64(csv, a->fetches);
	csvout_u64(csv, a->pushes);
	csvout_u64(csv, a->bytes_written);
}

static bool
is_listed(const char *id, char *const *tokens, size_t n_tokens)
{
	if (n_tokens == 0)
		return true;
	for (size_t i = 0; i < n_tokens; i++)
		if (strcmp(tokens[i], id) == 0)
			return true;
	return false;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Ids seen in the logs but not in the snapshot, sorted; the caller
 * frees the array (not the strings, which the map owns). */
static const char **
unknown_ids(const struct snapdb *snap, const struct tokagg *seen,
    size_t *n_out)
{
	const char **ids = malloc((seen->tokens.count + 1) * sizeof(*ids));
	struct hmap_slot *slot;
	size_t n = 0, pos = 0;

	if (!ids)
		return NULL;
	while ((slot = hmap_next(&seen->tokens, &pos)))
		if (!hmap_get(&snap->tokens, slot->key, slot->key_len))
			ids[n++] = slot->key;
	qsort(ids, n, sizeof(*ids), compare_strings);
	*n_out = n;
	return ids;
}

static void
token_row(struct csvout *csv, const char *id, const struct snap_token *t,
    const struct tokagg *seen)
{
	cells_token_record(csv, id, t);
	cells_token_usage(csv, hmap_get(&seen->tokens, id, strlen(id)));
	csvout_end_row(csv);
}

void
report_tokens(struct csvout *csv, const struct snapdb *snap,
    const struct tokagg *seen, char *const *tokens, size_t n_tokens)
{
	size_t n_unknown = 0, i = 0, j = 0;
	const char **unknown = unknown_ids(snap, seen, &n_unknown);

	csvout_header(csv, token_columns);
	if (!unknown) {
		csv->has_failed = true;
		return;
	}
	/* Merge the two sorted lists. */
	while (i < snap->n_tokens || j < n_unknown) {
		const struct snap_token *t = NULL;
		const char *id;

		if (j >= n_unknown || (i < snap->n_tokens &&
		    strcmp(snap->by_id[i]->id, unknown[j]) < 0)) {
			t = snap->by_id[i++];
			id = t->id;
		} else {
			id = unknown[j++];
		}
		if (is_listed(id, tokens, n_tokens))
			token_row(csv, id, t, seen);
	}
	free(unknown);
}

/* "reason=count; ..." for the reasons that occurred, in enum order. */
static void
cell_set_aside_reasons(struct csvout *csv, const struct file_summary *f)
{
	char text[512];
	size_t used = 0;

	text[0] = '\0';
	for (int r = 0; r < SET_ASIDE_N_REASONS; r++) {
		int n;

		if (f->set_aside[r] == 0)
			continue;
		n = snprintf(text + used, sizeof(text) - used,
		    "%s%s=%" PRIu64, used ? "; " : "",
		    set_aside_reason_name((enum set_aside_reason)r),
		    f->set_aside[r]);
		if (n > 0 && (size_t)n < sizeof(text) - used)
			used += (size_t)n;
	}
	csvout_str(csv, text);
}

/* Why an input was not read to its end, or "" when it was. */
static const char *
input_note(const struct file_summary *f, char *buf, size_t cap)
{
	if (!f->is_opened)
		return "could not be opened";
	if (f->has_read_error)
		return "read error";
	if (!gzlines_is_readable(f->stats.format))
		return "not read: unsupported format";
	if (f->stats.is_damaged)
		return f->stats.damage_reason ? f->stats.damage_reason
					      : "damaged";
	if (f->n_pairing_overflow > 0) {
		snprintf(buf, cap, "%" PRIu64 " start lines not paired: more "
		    "than %d requests open at once", f->n_pairing_overflow,
		    SCAN_MAX_OPEN_REQUESTS);
		return buf;
	}
	return "";
}

static void
manifest_input_row(struct csvout *csv, const char *path,
    const struct file_summary *f)
{
	char hex[SHA256_HEX_SIZE], note[160];
	bool is_read = f->is_opened && !f->has_read_error;

	csvout_str(csv, "input");
	csvout_str(csv, path);
	if (is_read) {
		sha256_hex(f->stats.sha256, hex);
		csvout_u64(csv, f->stats.size);
		csvout_str(csv, hex);
		csvout_str(csv, gzlines_format_name(f->stats.format));
	} else {
		csvout_empty(csv);
		csvout_empty(csv);
		csvout_empty(csv);
	}
	csvout_u64(csv, f->n_lines);
	csvout_u64(csv, f->n_parsed);
	csvout_u64(csv, f->n_repaired);
	csvout_u64(csv, f->n_set_aside);
	cell_set_aside_reasons(csv, f);
	csvout_u64(csv, f->n_token_requests);
	csvout_u64(csv, f->n_reported);
	csvout_u64(csv, f->n_unfinished);
	csvout_u64(csv, f->n_unmatched);
	csvout_u64(csv, f->n_label_anomalies);
	csvout_str(csv, is_read && !f->stats.is_damaged ? "no" : "yes");
	if (is_read && f->stats.is_damaged)
		csvout_u64(csv, f->stats.damage_offset);
	else
		csvout_empty(csv);
	csvout_str(csv, input_note(f, note, sizeof(note)));
	csvout_end_row(csv);
}

/* Empty cells from "format" to "damage_offset" of a non-input row. */
static void
cells_no_counts(struct csvout *csv)
{
	for (int i = 0; i < 12; i++)
		csvout_empty(csv);
}

static void
manifest_snapshot_row(struct csvout *csv, const struct digested_file *file,
    const struct snapdb *snap)
{
	static const char *const keys[] = { "source", "host", "port",
		"database", "user", "schema", "server_version",
		"server_timezone", "server_timezone_source", "started_utc",
		"finished_utc", "tool_version", NULL };
	char note[2048];
	size_t used = 0;

	note[0] = '\0';
	for (size_t i = 0; keys[i]; i++) {
		const char *value = snapdb_meta(snap, keys[i]);
		int n;

		if (!value)
			continue;
		n = snprintf(note + used, sizeof(note) - used, "%s%s=%s",
		    used ? "; " : "", keys[i], value);
		if (n > 0 && (size_t)n < sizeof(note) - used)
			used += (size_t)n;
	}
	csvout_str(csv, "snapshot");
	csvout_str(csv, file->path);
	csvout_u64(csv, file->size);
	csvout_str(csv, file->sha256);
	csvout_str(csv, "tokentrail-snapshot");
	cells_no_counts(csv);
	csvout_str(csv, note);
	csvout_end_row(csv);
}

static void
manifest_run_row(struct csvout *csv, const struct run_facts *run)
{
	size_t len = strlen(run->command_line) + 512;
	char *note = malloc(len);

	csvout_str(csv, "run");
	for (int i = 0; i < 4; i++) /* path, size, sha256, format */
		csvout_empty(csv);
	cells_no_counts(csv);
	if (!note) {
		csv->has_failed = true;
		return;
	}
	snprintf(note, len, "tool_version=%s; command=%s; log_tz=%s; "
	    "jobs=%u; started_utc=%s; finished_utc=%s", TOKENTRAIL_VERSION,
	    run->command_line, run->log_tz, run->jobs, run->started_utc,
	    run->finished_utc);
	csvout_str(csv, note);
	csvout_end_row(csv);
	free(note);
}

void
report_manifest(struct csvout *csv, const struct input_facts *inputs,
    const struct digested_file *snapshot, const struct snapdb *snap,
    const struct run_facts *run)
{
	csvout_header(csv, manifest_columns);
	for (size_t i = 0; i < inputs->n_files; i++)
		manifest_input_row(csv, inputs->paths[i], &inputs->files[i]);
	manifest_snapshot_row(csv, snapshot, snap);
	manifest_run_row(csv, run);
}

int
report_sha256_line(FILE *fp, const char *sha256_hex, const char *name)
{
	bool needs_escape = strpbrk(name, "\\\n") != NULL;
	int rc = 0;

	if (needs_escape && putc('\\', fp) == EOF)
		rc = -1;
	if (fprintf(fp, "%s  ", sha256_hex) < 0)
		rc = -1;
	for (const char *p = name; *p && rc == 0; p++) {
		if (needs_escape && *p == '\\')
			rc = fputs("\\\\", fp) == EOF ? -1 : 0;
		else if (needs_escape && *p == '\n')
			rc = fputs("\\n", fp) == EOF ? -1 : 0;
		else
			rc = putc(*p, fp) == EOF ? -1 : 0;
	}
	if (putc('\n', fp) == EOF)
		rc = -1;
	return rc;
}
