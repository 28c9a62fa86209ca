/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_hostile.c - regression tests for inputs the fuzz targets
 * in tests/fuzz/ found mishandled: each case is the (minimised) input and
 * the property that failed, checked with every inflate backend built in,
 * and every gzip reader input kept in the seed corpus as regress-* read
 * alike by both backends.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/gzlines.h"
#include "analyze/parse.h"

/* True when s lies inside the len bytes at base. */
static bool
is_inside(struct span s, const char *base, size_t len)
{
	return s.ptr >= base && s.len <= len &&
	    (size_t)(s.ptr - base) <= len - s.len;
}

/*
 * 2026-12-03, issue #5: a details field that opens with '" "' (a quote,
 * a space, a quote) made the referer end before it began: its length
 * wrapped round to SIZE_MAX.  Found by fuzz_parse.
 */
static void
test_details_opening_separator(void **state)
{
	static const char line[] =
	    "192.0.2.204 | https | o*KX2M9Qx604x59x1 | alice | "
	    "2024-05-01 10:04:00,000 | "
	    "\"GET /scm/plat/api.git/info/refs HTTP/1.1\" | "
	    "\" \"\"git/2.30.1\" | 200 | 0 | 300 | refs | 10 | - |";
	struct logrec rec;

	(void)state;
	assert_int_equal(parse_line(line, strlen(line), &rec), PARSE_OK);
	assert_true(is_inside(rec.referer, line, strlen(line)));
	assert_true(is_inside(rec.user_agent, line, strlen(line)));
	/* No separator after the opening quote: all of it is the agent. */
	assert_int_equal(rec.referer.len, 0);
	assert_int_equal(rec.user_agent.len, strlen(" \"\"git/2.30.1"));
	assert_memory_equal(rec.user_agent.ptr, " \"\"git/2.30.1", 13);
}

/* Read path with the given backend; assert the lines are want[]. */
static void
assert_lines(const char *path, enum gzlines_inflate inflate,
    const char *const *want, size_t n_want)
{
	struct gzlines *gz = NULL;
	struct gzline line;
	size_t n = 0;

	gzlines_set_inflate(inflate);
	assert_int_equal(gzlines_open(&gz, path), 0);
	while (gzlines_next(gz, &line) == 1) {
		assert_true(n < n_want);
		assert_int_equal(line.len, strlen(want[n]));
		assert_memory_equal(line.data, want[n], line.len);
		n++;
	}
	assert_int_equal(n, n_want);
	assert_int_equal(gzlines_close(gz, NULL), 0);
}

/*
 * 2026-12-03, issue #5: with ISA-L, damage in a gzip member after the
 * first dropped the start of the text inflated in the same chunk (here
 * all of member 1) and read the rest with CR as the terminator.  The file
 * is "a\r\nb\r\n" in member 1 and a member 2 that starts the same way and
 * then fails ("invalid distance too far back").  Found by fuzz_gzlines.
 */
static void
test_damage_in_second_member(void **state)
{
	static const unsigned char data[] = { 0x1f, 0x8b, 0x08, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0xe4, 0xe5, 0x4a, 0xe2,
		0xe5, 0x02, 0x00, 0x94, 0xd1, 0x6f, 0xfb, 0x06, 0x00, 0x00,
		0x00, 0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x03, 0x4b, 0xe4, 0xe5, 0x4a, 0xe2, 0xe5, 0xfe, 0xff, 0x6b,
		0x2e, 0x90, 0x04, 0xf9, 0xfb, 0x00, 0x00, 0xd5, 0xd5, 0x33,
		0xff, 0x00 };
	static const char *const want[] = { "a", "b", "a",
		"b\r\x0b\xff\xfa\x9d"
		"b\r\x0b" };
	char path[] = "/tmp/test_hostile.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	assert_int_equal(close(fd), 0);
	assert_lines(path, GZLINES_INFLATE_ZLIB, want, 4);
#ifdef TOKENTRAIL_HAVE_ISAL
	assert_lines(path, GZLINES_INFLATE_ISAL, want, 4);
#endif
	unlink(path);
}

/*
 * 2026-12-04, issue #5: with ISA-L, damage in the first chunk delivered
 * the text before it as a chunk of its own, and the line terminator was
 * chosen from that short chunk: CR, where zlib, which inflates further,
 * saw the LF after it.  The text is "192.0.2.200 000000o1\rfTstps1\r
 * fi*KX2M9Qx\n" and the member ends there, truncated.  Found by
 * fuzz_gzlines in CI.
 */
static void
test_damage_in_first_chunk(void **state)
{
	static const unsigned char data[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xac, 0x93,
		0x51, 0x4f, 0x83, 0x30, 0x10, 0xc7, 0xdf, 0x4d, 0xf6, 0x1d, 0x08,
		0x8f, 0x66, 0xd0, 0xbb, 0x42, 0x37, 0xd8, 0xa3, 0x66, 0x71, 0x89,
		0x31, 0xce, 0x6c, 0x0f, 0xbe, 0x42, 0xc7, 0x26, 0x6e, 0x52, 0x42,
		0x99, 0xe1, 0x61, 0x1f, 0xde, 0x52, 0x74, 0x4e, 0x28, 0xd3, 0x98,
		0x5d, 0x68, 0x68, 0x7a, 0x69, 0xef, 0xf7, 0xff, 0xf7, 0x8a, 0x21,
		0x75, 0xc1, 0xa5, 0x2e, 0x05, 0xb0, 0x00, 0x00, 0x00, 0x04, 0x0e,
		0xd6, 0x4b, 0x59, 0xe6, 0x52, 0xfd, 0xd3, 0xeb, 0xfb, 0x67, 0xfa,
		0x10, 0x3e, 0x55, 0x57 };
	static const char *const want[] = {
		"192.0.2.200 000000o1\rfTstps1\rfi*KX2M9Qx" };
	char path[] = "/tmp/test_hostile.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	assert_int_equal(close(fd), 0);
	assert_lines(path, GZLINES_INFLATE_ZLIB, want, 1);
#ifdef TOKENTRAIL_HAVE_ISAL
	assert_lines(path, GZLINES_INFLATE_ISAL, want, 1);
#endif
	unlink(path);
}

/* What read_all() gives. */
struct bytes_read {
	char *p;
	size_t len;
};

/* All lines of path, each as its length, flags and bytes, and the stats. */
static struct bytes_read
read_all(const char *path, enum gzlines_inflate inflate,
    struct gzlines_stats *stats)
{
	struct bytes_read all = { NULL, 0 };
	struct gzlines *gz = NULL;
	struct gzline line;
	FILE *mem;

	mem = open_memstream(&all.p, &all.len);
	assert_non_null(mem);
	gzlines_set_inflate(inflate);
	assert_int_equal(gzlines_open(&gz, path), 0);
	while (gzlines_next(gz, &line) == 1) {
		fprintf(mem, "%zu %d %d:", line.len, line.is_too_long,
		    line.is_unterminated);
		fwrite(line.data, 1, line.len, mem);
	}
	assert_int_equal(gzlines_close(gz, stats), 0);
	assert_int_equal(fclose(mem), 0);
	return all;
}

/*
 * Both backends read path alike: lines, counts and damage, but where zlib
 * refuses a Huffman code, which ISA-L may decode (analyze/gzlines.h).
 * Returns whether zlib refused one.
 */
static bool
assert_backends_agree(const char *path)
{
#ifdef TOKENTRAIL_HAVE_ISAL
	struct gzlines_stats a, b;
	struct bytes_read za = read_all(path, GZLINES_INFLATE_ZLIB, &a);
	struct bytes_read zb = read_all(path, GZLINES_INFLATE_ISAL, &b);

	if (a.is_damaged &&
	    strcmp(a.damage_reason, GZLINES_BAD_HUFFMAN_CODE) == 0) {
		free(za.p);
		free(zb.p);
		return true;
	}
	assert_int_equal(za.len, zb.len);
	assert_memory_equal(za.p, zb.p, za.len);
	assert_int_equal(a.n_lines, b.n_lines);
	assert_int_equal(a.n_members, b.n_members);
	assert_int_equal(a.bytes_out, b.bytes_out);
	assert_int_equal(a.is_damaged, b.is_damaged);
	assert_int_equal(a.damage_offset, b.damage_offset);
	if (a.is_damaged)
		assert_string_equal(a.damage_reason, b.damage_reason);
	free(za.p);
	free(zb.p);
	return false;
#else
	struct gzlines_stats a;
	struct bytes_read za = read_all(path, GZLINES_INFLATE_ZLIB, &a);

	free(za.p);
	return a.is_damaged &&
	    strcmp(a.damage_reason, GZLINES_BAD_HUFFMAN_CODE) == 0;
#endif
}

/*
 * 2026-12-04, issue #5: the inputs of the gzip reader's corpus named
 * regress-* were read differently by ISA-L and zlib: a reserved header
 * flag that ISA-L let pass, damage in the first chunk (above) and in a
 * second member (above), a Huffman code that zlib refuses after ISA-L had
 * inflated text with it (the text is dropped), and one that ISA-L decodes
 * to the end of the member (the exception).  Found by fuzz_gzlines.
 */
static void
test_gzlines_regress_corpus(void **state)
{
	const char *dir = "tests/fuzz/corpus/fuzz_gzlines";
	char path[4096];
	struct dirent *e;
	int n = 0, n_bad_huffman = 0;
	DIR *d;

	(void)state;
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "regress-", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n_bad_huffman += assert_backends_agree(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
	/* regress-isal-*-huffman-code and -distance-code: zlib names them. */
	assert_int_equal(n_bad_huffman, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_details_opening_separator),
		cmocka_unit_test(test_damage_in_second_member),
		cmocka_unit_test(test_damage_in_first_chunk),
		cmocka_unit_test(test_gzlines_regress_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
