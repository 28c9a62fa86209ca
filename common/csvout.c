/* SPDX-License-Identifier: MIT */
/*
 * common/csvout.c - safe CSV cells: formula neutralising and visible
 * escaping of bytes that are not printable UTF-8, then libcsv's quoting.
 */
#include "common/csvout.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

void
csvout_init(struct csvout *csv, FILE *fp)
{
	memset(csv, 0, sizeof(*csv));
	csv->fp = fp;
}

void
csvout_init_rows(struct csvout *csv, csvout_row_fn *fn, void *ctx)
{
	memset(csv, 0, sizeof(*csv));
	csv->row_fn = fn;
	csv->row_ctx = ctx;
}

void
csvout_release(struct csvout *csv)
{
	free(csv->scratch);
	free(csv->row);
	csv->scratch = NULL;
	csv->row = NULL;
	csv->scratch_cap = csv->row_cap = csv->row_len = 0;
}

/* Grow *dst to hold need bytes; returns -1 when memory ran out. */
static int
reserve(char **dst, size_t *cap, size_t need)
{
	size_t new_cap = *cap ? *cap : 256;
	char *p;

	if (need <= *cap)
		return 0;
	while (new_cap < need) {
		if (new_cap > SIZE_MAX / 2)
			return -1;
		new_cap *= 2;
	}
	p = realloc(*dst, new_cap);
	if (!p)
		return -1;
	*dst = p;
	*cap = new_cap;
	return 0;
}

/*
 * Length of the valid UTF-8 sequence at s (at most len bytes), or 0 when
 * the bytes there are not one.  Overlong forms, surrogates and code points
 * above U+10FFFF are invalid.
 */
static size_t
utf8_sequence_len(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static bool
is_formula_start(unsigned char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	    c == '\r';
}

/* True for bytes of a sequence that is written escaped: controls other
 * than TAB, LF and CR, DEL, and the C1 controls. */
static bool
needs_escape(const unsigned char *s, size_t n)
{
	if (n == 1)
		return (s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' &&
		           s[0] != '\r') ||
		    s[0] == 0x7f;
	return n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

#define BYTES_OF(b) (0x0101010101010101u * (uint64_t)(b))

/* Nonzero when a byte of word is zero. */
static uint64_t
has_zero_byte(uint64_t word)
{
	return (word - BYTES_OF(0x01)) & ~word & BYTES_OF(0x80);
}

/*
 * Nonzero when a byte of word is not printable ASCII (below 0x20, DEL or
 * above), is a backslash, or, with is_quote_special, a double quote.
 */
static uint64_t
has_special_byte(uint64_t word, bool is_quote_special)
{
	uint64_t special = ((word - BYTES_OF(0x20)) & ~word) | word |
	    has_zero_byte(word ^ BYTES_OF(0x7f)) |
	    has_zero_byte(word ^ BYTES_OF('\\'));

	if (is_quote_special)
		special |= has_zero_byte(word ^ BYTES_OF('"'));
	return special & BYTES_OF(0x80);
}

static bool
is_special_byte(unsigned char c, bool is_quote_special)
{
	return c < 0x20 || c >= 0x7f || c == '\\' ||
	    (is_quote_special && c == '"');
}

/*
 * True when no byte of s is special (has_special_byte()): the common
 * case, tested eight bytes at a time, as cells fill most of the reports.
 * The bytes after the last whole word of a cell of eight or more are
 * tested as the word that ends the cell, overlapping the one before.
 */
static bool
is_plain_text(const unsigned char *s, size_t len, bool is_quote_special)
{
	size_t i = 0;
	uint64_t word;

	for (; i + 8 <= len; i += 8) {
		memcpy(&word, s + i, 8);
		if (has_special_byte(word, is_quote_special))
			return false;
	}
	if (i < len && len >= 8) {
		memcpy(&word, s + len - 8, 8);
		return !has_special_byte(word, is_quote_special);
	}
	for (; i < len; i++)
		if (is_special_byte(s[i], is_quote_special))
			return false;
	return true;
}

size_t
csvout_make_safe(char **dst, size_t *cap, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t out = 0;

	/* Worst case: an apostrophe, then four bytes per input byte. */
	if (len > (SIZE_MAX - 2) / 4 || reserve(dst, cap, len * 4 + 2) != 0)
		return SIZE_MAX;
	if (len > 0 && is_formula_start(s[0]))
		(*dst)[out++] = '\'';
	if (is_plain_text(s, len, false)) {
		memcpy(*dst + out, s, len);
		return out + len;
	}
	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence_len(s + i, len - i);

		if (n == 0 || needs_escape(s + i, n)) {
			size_t bytes = n ? n : 1;

			for (size_t k = 0; k < bytes; k++) {
				(*dst)[out++] = '\\';
				(*dst)[out++] = 'x';
				(*dst)[out++] = hex[s[i + k] >> 4];
				(*dst)[out++] = hex[s[i + k] & 0xf];
			}
			i += bytes;
		} else if (s[i] == '\\') {
			(*dst)[out++] = '\\';
			(*dst)[out++] = '\\';
			i++;
		} else {
			memcpy(*dst + out, s + i, n);
			out += n;
			i += n;
		}
	}
	return out;
}

/* Room for need more bytes in the row; false when memory ran out. */
static bool
row_reserve(struct csvout *csv, size_t need)
{
	if (csv->row_len + need <= csv->row_cap)
		return true;
	if (reserve(&csv->row, &csv->row_cap, csv->row_len + need) == 0)
		return true;
	csv->has_failed = true;
	return false;
}

static void
separate(struct csvout *csv)
{
	if (csv->n_cells++ > 0 && row_reserve(csv, 1))
		csv->row[csv->row_len++] = ',';
}

/* True for the common cell: printable ASCII without a backslash or a
 * quote, not starting like a formula. */
static bool
is_plain_cell(const unsigned char *s, size_t len)
{
	if (len > 0 && is_formula_start(s[0]))
		return false;
	return is_plain_text(s, len, true);
}

void
csvout_text(struct csvout *csv, const char *text, size_t len)
{
	size_t n;

	separate(csv);
	/* A plain cell needs neither escaping nor doubled quotes: it is
	 * copied between quotes at once, as csv_write() would write it. */
	if (is_plain_cell((const unsigned char *)text, len)) {
		if (row_reserve(csv, len + 2)) {
			csv->row[csv->row_len++] = '"';
			if (len > 0)
				memcpy(csv->row + csv->row_len, text, len);
			csv->row_len += len;
			csv->row[csv->row_len++] = '"';
		}
		return;
	}
	n = csvout_make_safe(&csv->scratch, &csv->scratch_cap, text, len);
	if (n == SIZE_MAX) {
		csv->has_failed = true;
		return;
	}
	/* Quoted, every quote doubled: at most 2n + 2 bytes. */
	if (row_reserve(csv, n * 2 + 2))
		csv->row_len += csv_write(csv->row + csv->row_len,
		    csv->row_cap - csv->row_len, csv->scratch, n);
}

void
csvout_str(struct csvout *csv, const char *text)
{
	if (text)
		csvout_text(csv, text, strlen(text));
	else
		csvout_empty(csv);
}

void
csvout_empty(struct csvout *csv)
{
	separate(csv);
}

/* Append the decimal digits of value. */
static void
append_u64(struct csvout *csv, uint64_t value, bool is_negative)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value > 0);
	if (!row_reserve(csv, n + 1))
		return;
	if (is_negative)
		csv->row[csv->row_len++] = '-';
	while (n > 0)
		csv->row[csv->row_len++] = digits[--n];
}

void
csvout_u64(struct csvout *csv, uint64_t value)
{
	separate(csv);
	append_u64(csv, value, false);
}

void
csvout_i64(struct csvout *csv, int64_t value)
{
	separate(csv);
	if (value < 0)
		append_u64(csv, 0 - (uint64_t)value, true);
	else
		append_u64(csv, (uint64_t)value, false);
}

void
csvout_end_row(struct csvout *csv)
{
	if (row_reserve(csv, 2)) {
		csv->row[csv->row_len++] = '\r';
		csv->row[csv->row_len++] = '\n';
		if (csv->row_fn)
			csv->row_fn(csv->row_ctx, csv->row, csv->row_len);
		else if (fwrite(csv->row, 1, csv->row_len, csv->fp) !=
		    csv->row_len)
			csv->has_failed = true;
	}
	csv->row_len = 0;
	csv->n_cells = 0;
}

void
csvout_header(struct csvout *csv, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		csvout_str(csv, names[i]);
	csvout_end_row(csv);
}

bool
csvout_has_failed(const struct csvout *csv)
{
	return csv->has_failed || (csv->fp && ferror(csv->fp));
}
