/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_progress.c - common/progress.c: byte counts for people
 * at every unit boundary, a silent progress that starts no thread and
 * draws nothing, a shown one that draws its line on stderr (redirected
 * to a file here) and ends it with a newline, and SIGINT and SIGTERM
 * turning into the interruption flag instead of killing the process.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/progress.h"

static void
test_format_bytes(void **state)
{
	static const struct {
		uint64_t n;
		const char *text;
	} cases[] = {
		{ 0, "0 B" },
		{ 999, "999 B" },
		{ 1000, "1.0 kB" },
		{ 1049, "1.0 kB" },
		{ 999949, "999.9 kB" },
		{ 999950, "1.0 MB" },
		{ 52428800, "52.4 MB" },
		{ 1500000000, "1.5 GB" },
		{ 7000000000000ULL, "7.0 TB" },
		{ UINT64_MAX, "18446.7 PB" },
	};
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(
		    progress_format_bytes(buf, sizeof(buf), cases[i].n),
		    cases[i].text);
}

/* Run fn with stderr sent to a temporary file; return what it wrote. */
static char *
capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/test_progress.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *text = calloc(1, 4096);

	assert_true(fd >= 0 && saved >= 0 && text);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	assert_true(pread(fd, text, 4095, 0) >= 0);
	close(fd);
	close(saved);
	unlink(path);
	return text;
}

static void
run_silent(void)
{
	struct progress p;

	assert_int_equal(progress_start(&p, "analyze", false, 5000, 2, "files"), 0);
	assert_false(p.is_shown);
	progress_advance(&p, 5000, 2);
	progress_stop(&p);
}

static void
run_shown(void)
{
	struct progress p;

	assert_int_equal(progress_start(&p, "analyze", true, 3000000, 3, "files"), 0);
	assert_true(p.is_shown);
	progress_advance(&p, 1000000, 1);
	progress_advance(&p, 2000000, 2);
	progress_stop(&p);
	assert_false(p.is_shown);
	progress_stop(&p); /* a second stop does nothing */
}

static void
test_silent_draws_nothing(void **state)
{
	char *text = capture_stderr(run_silent);

	(void)state;
	assert_string_equal(text, "");
	free(text);
}

static void
test_shown_draws_and_ends_the_line(void **state)
{
	char *text = capture_stderr(run_shown);
	const char *last;

	(void)state;
	/* The last drawing is the final state, then the newline. */
	last = strstr(text, "\ranalyze: 3.0 MB of 3.0 MB (100%), ");
	assert_non_null(last);
	assert_non_null(strstr(last, " left, 3 of 3 files\033[K\r\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
}

static void
test_signals_set_the_flag(void **state)
{
	(void)state;
	assert_false(progress_is_interrupted());
	progress_catch_signals();
	assert_int_equal(raise(SIGTERM), 0);
	assert_true(progress_is_interrupted());
	/* The first signal of each kind is caught; SIGINT still is. */
	assert_int_equal(raise(SIGINT), 0);
	assert_true(progress_is_interrupted());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_silent_draws_nothing),
		cmocka_unit_test(test_shown_draws_and_ends_the_line),
		cmocka_unit_test(test_signals_set_the_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
