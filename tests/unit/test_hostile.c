/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_hostile.c - regression tests for inputs the fuzz targets
 * in tests/fuzz/ found mishandled: each case is the (minimised) input and
 * the property that failed, checked with every inflate backend built in.
 * The gzip inputs are read from the seed corpus, where they are kept as
 * regress-* (test_gzlines reads every one of them with both backends).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Read the gzip reader's seed regress-name with each backend built in. */
static void
assert_regress_lines(const char *name, const char *const *want, size_t n_want)
{
	char path[256];

	snprintf(path, sizeof(path), "tests/fuzz/corpus/fuzz_gzlines/%s", name);
	assert_lines(path, GZLINES_INFLATE_ZLIB, want, n_want);
#ifdef TOKENTRAIL_HAVE_ISAL
	assert_lines(path, GZLINES_INFLATE_ISAL, want, n_want);
#endif
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
	static const char *const want[] = { "a", "b", "a",
		"b\r\x0b\xff\xfa\x9d"
		"b\r\x0b" };

	(void)state;
	assert_regress_lines("regress-isal-second-member", want, 4);
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
	static const char *const want[] = {
		"192.0.2.200 000000o1\rfTstps1\rfi*KX2M9Qx"
	};

	(void)state;
	assert_regress_lines("regress-damage-in-first-chunk", want, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_details_opening_separator),
		cmocka_unit_test(test_damage_in_second_member),
		cmocka_unit_test(test_damage_in_first_chunk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
