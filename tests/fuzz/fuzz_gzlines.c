/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_gzlines.c - the gzip line reader on any file content:
 * the input is written to a file, which gzlines reads to the end.  Checks
 * the line bounds, the line numbers and the file statistics.
 */
#include <stdio.h>
#include <string.h>

#include "analyze/gzlines.h"
#include "common/diag.h"
#include "tests/fuzz/fuzzutil.h"

static void
check_line(const struct gzline *line, uint64_t expected_number)
{
	FUZZ_CHECK(line->len <= GZLINES_MAX_LINE, "line longer than the cap");
	FUZZ_CHECK(line->number == expected_number, "line numbers skip");
	FUZZ_CHECK(line->len == 0 || line->data != NULL, "no line data");
	FUZZ_CHECK(!line->is_too_long || line->len == GZLINES_MAX_LINE,
	    "a cut line is not GZLINES_MAX_LINE long");
	/* Touch every byte, so that ASan sees a line past its buffer. */
	FUZZ_CHECK(
	    line->len == 0 || memchr(line->data, '\n', line->len) == NULL,
	    "line holds its terminator");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4200];
	struct gzlines *gz = NULL;
	struct gzlines_stats st;
	struct gzline line;
	uint64_t n = 0;
	int r;

	diag_set_quiet(true);
	snprintf(path, sizeof(path), "%s/input", fuzz_tmpdir());
	fuzz_write_file(path, data, size);
	FUZZ_CHECK(gzlines_open(&gz, path) == 0, "a written file must open");
	FUZZ_CHECK(gzlines_format_name(gzlines_format(gz)) != NULL, "format");
	while ((r = gzlines_next(gz, &line)) == 1)
		check_line(&line, ++n);
	FUZZ_CHECK(r == 0, "read error on a regular file");
	FUZZ_CHECK(gzlines_close(gz, &st) == 0, "close failed");
	FUZZ_CHECK(st.n_lines == n, "n_lines differs from lines delivered");
	FUZZ_CHECK(st.size == size, "size differs from the file's");
	FUZZ_CHECK(!st.is_damaged || st.damage_offset <= size,
	    "damage past the end of the file");
	FUZZ_CHECK(st.format == GZLINES_GZIP || st.n_members == 0,
	    "members in a file that is not gzip");
	return 0;
}
