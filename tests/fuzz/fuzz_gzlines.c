/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_gzlines.c - the gzip line reader on any file content:
 * the input is written to a file, which gzlines reads to the end, once per
 * inflate backend.  Checks the line bounds, the line numbers and the file
 * statistics, and that every backend gives the same lines and the same
 * damage, but where zlib refuses a Huffman code (see analyze/gzlines.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/gzlines.h"
#include "common/diag.h"
#include "common/sha256.h"
#include "tests/fuzz/fuzzutil.h"

/* What one read of the file gave: a digest of its lines, and its stats. */
struct reading {
	unsigned char lines_sha256[32];
	struct gzlines_stats stats;
};

/* Which line ends the lines held: both would mean no one terminator. */
struct line_ends_seen {
	bool has_lf;
	bool has_cr;
};

static void
check_line(const struct gzline *line, uint64_t expected_number,
    struct line_ends_seen *seen)
{
	FUZZ_CHECK(line->len <= GZLINES_MAX_LINE, "line longer than the cap");
	FUZZ_CHECK(line->number == expected_number, "line numbers skip");
	FUZZ_CHECK(line->len == 0 || line->data != NULL, "no line data");
	FUZZ_CHECK(!line->is_too_long || line->len == GZLINES_MAX_LINE,
	    "a cut line is not GZLINES_MAX_LINE long");
	/*
	 * Touch every byte, so that ASan sees a line past its buffer.  A file
	 * is split at LF or at CR, so no two lines hold one each.
	 */
	if (line->len > 0) {
		seen->has_lf |= memchr(line->data, '\n', line->len) != NULL;
		seen->has_cr |= memchr(line->data, '\r', line->len) != NULL;
	}
	FUZZ_CHECK(!(seen->has_lf && seen->has_cr),
	    "lines hold both the terminator and the other line end");
}

/* Fold a line, with its flags, into the digest of all lines. */
static void
hash_line(struct sha256 *sha, const struct gzline *line)
{
	unsigned char head[9];
	uint64_t len = line->len;

	for (int i = 0; i < 8; i++)
		head[i] = (unsigned char)(len >> (8 * i));
	head[8] =
	    (unsigned char)(line->is_too_long | line->is_unterminated << 1);
	FUZZ_CHECK(sha256_update(sha, head, sizeof(head)) == 0, "digest");
	FUZZ_CHECK(
	    line->len == 0 || sha256_update(sha, line->data, line->len) == 0,
	    "digest");
}

static void
read_file(const char *path, size_t size, enum gzlines_inflate inflate,
    struct reading *out)
{
	struct gzlines *gz = NULL;
	struct gzline line;
	struct line_ends_seen seen = { false, false };
	struct sha256 sha;
	struct gzlines_stats *st = &out->stats;
	uint64_t n = 0;
	int r;

	gzlines_set_inflate(inflate);
	FUZZ_CHECK(sha256_init(&sha) == 0, "digest");
	FUZZ_CHECK(gzlines_open(&gz, path) == 0, "a written file must open");
	FUZZ_CHECK(gzlines_format_name(gzlines_format(gz)) != NULL, "format");
	while ((r = gzlines_next(gz, &line)) == 1) {
		check_line(&line, ++n, &seen);
		hash_line(&sha, &line);
	}
	FUZZ_CHECK(r == 0, "read error on a regular file");
	FUZZ_CHECK(gzlines_close(gz, st) == 0, "close failed");
	FUZZ_CHECK(sha256_final(&sha, out->lines_sha256) == 0, "digest");
	FUZZ_CHECK(st->n_lines == n, "n_lines differs from lines delivered");
	FUZZ_CHECK(st->size == size, "size differs from the file's");
	FUZZ_CHECK(!st->is_damaged || st->damage_offset <= size,
	    "damage past the end of the file");
	FUZZ_CHECK(st->format == GZLINES_GZIP || st->n_members == 0,
	    "members in a file that is not gzip");
}

#ifdef TOKENTRAIL_HAVE_ISAL
static bool
is_bad_huffman_code(const struct gzlines_stats *st)
{
	return st->is_damaged &&
	    strcmp(st->damage_reason, GZLINES_BAD_HUFFMAN_CODE) == 0;
}

static void
check_same_reading(const struct reading *a, const struct reading *b)
{
	const struct gzlines_stats *x = &a->stats, *y = &b->stats;

	FUZZ_CHECK(memcmp(a->lines_sha256, b->lines_sha256, 32) == 0,
	    "backends give different lines");
	FUZZ_CHECK(x->format == y->format && x->n_lines == y->n_lines &&
	        x->n_members == y->n_members && x->bytes_out == y->bytes_out,
	    "backends give different counts");
	FUZZ_CHECK(memcmp(x->sha256, y->sha256, 32) == 0,
	    "backends hash the file differently");
	FUZZ_CHECK(x->is_damaged == y->is_damaged &&
	        x->damage_offset == y->damage_offset &&
	        (x->damage_reason == NULL) == (y->damage_reason == NULL) &&
	        (x->damage_reason == NULL ||
	            strcmp(x->damage_reason, y->damage_reason) == 0),
	    "backends report different damage");
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4200];
	struct reading by_zlib;

	diag_set_quiet(true);
	snprintf(path, sizeof(path), "%s/input", fuzz_tmpdir());
	fuzz_write_file(path, data, size);
	read_file(path, size, GZLINES_INFLATE_ZLIB, &by_zlib);
#ifdef TOKENTRAIL_HAVE_ISAL
	struct reading by_isal;

	read_file(path, size, GZLINES_INFLATE_ISAL, &by_isal);
	/* ISA-L may decode what zlib refuses here: see gzlines.h. */
	if (!is_bad_huffman_code(&by_zlib.stats))
		check_same_reading(&by_zlib, &by_isal);
#endif
	return 0;
}
