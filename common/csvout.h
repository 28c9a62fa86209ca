/* SPDX-License-Identifier: MIT */
/*
 * common/csvout.h - RFC 4180 rows for every CSV tokentrail writes: a
 * header row, CRLF line ends, text cells quoted by libcsv with quotes
 * doubled.
 *
 * Text cells come from evidence, so before quoting each one is made safe:
 *  - a cell that starts with '=', '+', '-', '@', TAB or CR, which a
 *    spreadsheet would run as a formula, gets a leading apostrophe ';
 *  - a byte that is not part of valid UTF-8, a control character other
 *    than TAB, LF and CR, DEL and the C1 controls U+0080..U+009F are
 *    written as \xNN (each byte of the sequence), and a backslash as \\,
 *    so that the escaping can be undone without doubt.
 * Numbers written with csvout_u64() and csvout_i64() are left as they are.
 *
 * A row is assembled in memory and written with one fwrite() when it
 * ends, so a writer costs one stdio call per row, not one per byte.
 */
#ifndef TOKENTRAIL_COMMON_CSVOUT_H
#define TOKENTRAIL_COMMON_CSVOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where a csvout without a stream sends each finished row. */
typedef void csvout_row_fn(void *ctx, const char *row, size_t len);

struct csvout {
	FILE *fp;           /* NULL when rows go to row_fn */
	csvout_row_fn *row_fn;
	void *row_ctx;
	size_t n_cells;     /* cells written in the current row */
	char *scratch;      /* the made-safe copy of the current cell */
	size_t scratch_cap;
	char *row;          /* the current row */
	size_t row_len, row_cap;
	bool has_failed;    /* a write or an allocation failed */
};

/* Write rows to fp, which the caller keeps owning. */
void csvout_init(struct csvout *csv, FILE *fp);

/* Hand each finished row, CRLF included, to fn(ctx, row, len) instead;
 * the row is valid only during the call. */
void csvout_init_rows(struct csvout *csv, csvout_row_fn *fn, void *ctx);

/* Free the buffers; fp is untouched. */
void csvout_release(struct csvout *csv);

/*
 * Make len bytes of text safe as described above and append the result
 * to dst (which the caller owns; it is grown with realloc).  Returns the
 * new length, or SIZE_MAX when memory ran out.  Exposed for tests and for
 * the cells of other text formats.
 */
size_t csvout_make_safe(char **dst, size_t *cap, const char *text,
    size_t len);

/* A text cell of len bytes. */
void csvout_text(struct csvout *csv, const char *text, size_t len);

/* A text cell from a NUL-terminated string; NULL writes an empty cell. */
void csvout_str(struct csvout *csv, const char *text);

/* An empty cell. */
void csvout_empty(struct csvout *csv);

/* Number cells. */
void csvout_u64(struct csvout *csv, uint64_t value);
void csvout_i64(struct csvout *csv, int64_t value);

/* End the row with CRLF and write it to fp. */
void csvout_end_row(struct csvout *csv);

/* A whole header row from a NULL-terminated list of names. */
void csvout_header(struct csvout *csv, const char *const *names);

/* True when some write failed; the caller reports it with the path. */
bool csvout_has_failed(const struct csvout *csv);

#endif
