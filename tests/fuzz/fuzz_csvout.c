/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_csvout.c - the CSV writer on any cell text.  The made-
 * safe text must hold no formula start, no control byte other than TAB,
 * LF and CR, and only valid UTF-8; the row csvout_text() writes must read
 * back, under the rules of Python's csv module (RFC 4180, strict), as
 * exactly one cell equal to the made-safe text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvout.h"
#include "tests/fuzz/fuzzutil.h"

/* Parse one CSV record of a single cell ending in CRLF; returns the cell
 * (malloc'd, *len bytes) or NULL when the row is not exactly that. */
static char *
read_one_cell(const char *row, size_t n, size_t *len)
{
	char *cell = malloc(n + 1);
	size_t i = 0, o = 0;

	FUZZ_CHECK(cell != NULL, "out of memory");
	if (n > 0 && row[0] == '"') {
		for (i = 1; i < n; i++) {
			if (row[i] != '"') {
				cell[o++] = row[i];
				continue;
			}
			if (i + 1 < n && row[i + 1] == '"') {
				cell[o++] = '"';
				i++;
				continue;
			}
			break;
		}
		if (i >= n)
			goto bad; /* no closing quote */
		i++;
	} else {
		while (i < n && row[i] != ',' && row[i] != '\r' &&
		    row[i] != '\n' && row[i] != '"')
			cell[o++] = row[i++];
	}
	if (n - i != 2 || row[i] != '\r' || row[i + 1] != '\n')
		goto bad; /* a second cell, stray bytes or no CRLF */
	*len = o;
	return cell;
bad:
	free(cell);
	return NULL;
}

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t
utf8_len(const unsigned char *s, size_t len)
{
	size_t n = s[0] < 0x80 ? 1
	    : s[0] < 0xc2      ? 0
	    : s[0] < 0xe0      ? 2
	    : s[0] < 0xf0      ? 3
	    : s[0] < 0xf5      ? 4
	                       : 0;
	unsigned long cp = n == 2 ? s[0] & 0x1fu
	    : n == 3              ? s[0] & 0x0fu
	                          : s[0] & 0x07u;

	if (n <= 1)
		return n;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp < 0xa0))
		return 0;
	return n;
}

static void
check_safe(const char *safe, size_t n)
{
	const unsigned char *s = (const unsigned char *)safe;

	if (n > 0)
		FUZZ_CHECK(strchr("=+-@\t\r", s[0]) == NULL || s[0] == '\0',
		    "cell starts a formula");
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(s + i, n - i);

		FUZZ_CHECK(k > 0, "invalid UTF-8 or a C1 control in a cell");
		FUZZ_CHECK(s[i] >= 0x20 || s[i] == '\t' || s[i] == '\n' ||
		        s[i] == '\r',
		    "control byte in a cell");
		FUZZ_CHECK(s[i] != 0x7f, "DEL in a cell");
		i += k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *safe = NULL, *row = NULL, *cell;
	size_t safe_cap = 0, n, row_len = 0, cell_len;
	struct csvout csv;
	FILE *fp;

	n = csvout_make_safe(&safe, &safe_cap, (const char *)data, size);
	FUZZ_CHECK(n != SIZE_MAX && n <= safe_cap, "make_safe failed");
	check_safe(safe, n);

	fp = open_memstream(&row, &row_len);
	FUZZ_CHECK(fp != NULL, "open_memstream");
	csvout_init(&csv, fp);
	csvout_text(&csv, (const char *)data, size);
	csvout_end_row(&csv);
	FUZZ_CHECK(!csvout_has_failed(&csv), "csvout failed");
	csvout_release(&csv);
	FUZZ_CHECK(fclose(fp) == 0, "fclose");

	cell = read_one_cell(row, row_len, &cell_len);
	FUZZ_CHECK(cell != NULL, "row is not one CSV cell");
	FUZZ_CHECK(cell_len == n && memcmp(cell, safe, n) == 0,
	    "cell read back differs from the made-safe text");
	free(cell);
	free(row);
	free(safe);
	return 0;
}
