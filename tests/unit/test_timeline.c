/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_timeline.c - scan_timeline_row(): a timeline.csv row
 * made from a requests.csv row and a message row is byte for byte the row
 * csvout writes from the same cells, also when the cells hold commas,
 * doubled quotes, CR and LF, formula starts and bytes that are escaped;
 * rows that scan did not write are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/scan.h"
#include "common/csvout.h"

#define N_REQUEST 24

/* The requests.csv cells of one request: hostile text in the cells a
 * client chooses, empty cells, and numbers. */
static const char *const request_cells[N_REQUEST] = {
	"2024-05-01T00:00:01.415+00:00", "420497958155", "=cmd|' /C calc'!A0",
	"personal", "georg \"g\" schmidt", "", "CLOUD3", "shared,catalog",
	"yes", "10.20.198.118", "", "http", "POST", "/scm/a.git/x?\"q\",\r\n=1",
	"fetch", "200", "4080", "37752", "718", "curl/7.88.1 \x1b[31m\xff\"\"",
	"o*B7Q2KXMx0x1000008x3", "B7Q2KXM", "logs/a \"b\", c.log.gz",
	NULL /* the line, a number */
};

/* Which requests cell a timeline column shows, found by its name
 * ("datetime" is "time"); -1 the message, -2 the description. */
static int
timeline_from(const char *name)
{
	if (strcmp(name, "message") == 0)
		return -1;
	if (strcmp(name, "timestamp_desc") == 0)
		return -2;
	if (strcmp(name, "datetime") == 0)
		name = "time";
	for (int i = 0; scan_request_columns[i]; i++)
		if (strcmp(scan_request_columns[i], name) == 0)
			return i;
	fail_msg("timeline column \"%s\" is not in requests.csv", name);
	return -3;
}

#define MESSAGE "fetch CLOUD3/shared,catalog by \"personal\" token\r\n-x"

/* Write a row through csvout to a memory stream; *len its length. */
static char *
row_of(void (*fill)(struct csvout *), size_t *len)
{
	char *data = NULL;
	FILE *fp = open_memstream(&data, len);
	struct csvout csv;

	assert_non_null(fp);
	csvout_init(&csv, fp);
	fill(&csv);
	assert_false(csvout_has_failed(&csv));
	csvout_release(&csv);
	assert_int_equal(fclose(fp), 0);
	return data;
}

static void
cell(struct csvout *csv, int i)
{
	if (i == 23)
		csvout_u64(csv, 26);
	else if (request_cells[i][0] == '\0')
		csvout_empty(csv);
	else
		csvout_str(csv, request_cells[i]);
}

static void
fill_request(struct csvout *csv)
{
	for (int i = 0; i < N_REQUEST; i++)
		cell(csv, i);
	csvout_end_row(csv);
}

static void
fill_message(struct csvout *csv)
{
	csvout_str(csv, MESSAGE);
	csvout_end_row(csv);
}

static void
fill_timeline(struct csvout *csv)
{
	for (size_t i = 0; scan_timeline_columns[i]; i++) {
		int from = timeline_from(scan_timeline_columns[i]);

		if (from == -1)
			csvout_str(csv, MESSAGE);
		else if (from == -2)
			csvout_str(csv, "Request completed");
		else
			cell(csv, from);
	}
	csvout_end_row(csv);
}

/* The timeline row of a record with these two parts, into *t. */
static int
make_row(struct scan_timeline *t, const char *request, size_t request_len,
    const char *message, size_t message_len)
{
	t->request_row = request;
	t->request_len = request_len;
	return scan_timeline_row(t, message, message_len);
}

static void
test_same_as_csvout(void **state)
{
	size_t request_len, message_len, want_len;
	char *request = row_of(fill_request, &request_len);
	char *message = row_of(fill_message, &message_len);
	char *want = row_of(fill_timeline, &want_len);
	struct scan_timeline t = { 0 };

	(void)state;
	assert_null(scan_request_columns[N_REQUEST]);
	assert_int_equal(
	    make_row(&t, request, request_len, message, message_len), 0);
	assert_int_equal(t.row_len, want_len);
	assert_memory_equal(t.row, want, want_len);
	/* The buffer is reused: a second row replaces the first. */
	assert_int_equal(
	    make_row(&t, request, request_len, message, message_len), 0);
	assert_int_equal(t.row_len, want_len);
	assert_memory_equal(t.row, want, want_len);
	scan_timeline_release(&t);
	free(request);
	free(message);
	free(want);
}

static void
test_refuses_other_rows(void **state)
{
	static const char *const bad_requests[] = {
		"",                     /* empty */
		"\"a\",\"b\"\r\n",      /* two cells */
		"\"a\",\"b\"",          /* no CRLF */
		"\"unterminated,1\r\n", /* a quote that never closes */
	};
	size_t request_len;
	char *request = row_of(fill_request, &request_len);
	char *longer;
	struct scan_timeline t = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad_requests) / sizeof(char *); i++)
		assert_int_equal(make_row(&t, bad_requests[i],
		                     strlen(bad_requests[i]), "\"m\"\r\n", 5),
		    -1);
	/* One more cell than requests.csv has. */
	longer = malloc(request_len + 2);
	assert_non_null(longer);
	memcpy(longer, request, request_len - 2);
	memcpy(longer + request_len - 2, ",7\r\n", 4);
	assert_int_equal(
	    make_row(&t, longer, request_len + 2, "\"m\"\r\n", 5), -1);
	free(longer);
	/* A message row of two cells. */
	assert_int_equal(
	    make_row(&t, request, request_len, "\"m\",\"n\"\r\n", 9), -1);
	scan_timeline_release(&t);
	free(request);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_csvout),
		cmocka_unit_test(test_refuses_other_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
