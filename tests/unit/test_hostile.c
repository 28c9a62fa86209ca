/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_hostile.c - regression tests for inputs the fuzz targets
 * in tests/fuzz/ found mishandled: each case is the (minimised) input and
 * the property that failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_details_opening_separator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
