/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_snapshot_values.c - the value conversions and the audit
 * filter that both snapshot routes share (common/snapfmt.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/snapfmt.h"

static int
parse_int(const char *s, long long *out)
{
	return snapfmt_parse_integer(s, strlen(s), out);
}

static void
test_integers(void **state)
{
	long long v = 7;

	(void)state;
	assert_int_equal(parse_int("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(parse_int("754995254613", &v), 0);
	assert_true(v == 754995254613LL);
	assert_int_equal(parse_int("-1", &v), 0);
	assert_true(v == -1);
	assert_int_equal(parse_int("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse_int("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	/* A number that does not fit is refused, never wrapped. */
	assert_int_equal(parse_int("9223372036854775808", &v), -1);
	assert_int_equal(parse_int("-9223372036854775809", &v), -1);
	assert_int_equal(parse_int("99999999999999999999", &v), -1);
}

static void
test_integer_rejects(void **state)
{
	static const char *const bad[] = { "", "-", "+1", " 1", "1 ", "1a",
		"0x10", "1.0", "--1", "\xd9\xa1" };
	long long v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_int(bad[i], &v), -1);
	assert_true(v == 42);
	/* Only len bytes are read: "12" out of "123". */
	assert_int_equal(snapfmt_parse_integer("123", 2, &v), 0);
	assert_true(v == 12);
}

static void
test_booleans(void **state)
{
	int b = 5;

	(void)state;
	assert_int_equal(snapfmt_parse_boolean("t", 1, &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(snapfmt_parse_boolean("f", 1, &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(snapfmt_parse_boolean("true", 4, &b), -1);
	assert_int_equal(snapfmt_parse_boolean("1", 1, &b), -1);
	assert_int_equal(snapfmt_parse_boolean("", 0, &b), -1);
	assert_int_equal(snapfmt_parse_boolean("T", 1, &b), -1);
}

static void
test_token_audit(void **state)
{
	(void)state;
	assert_true(snapfmt_is_token_audit("AccessTokenCreatedEvent", 23));
	assert_true(snapfmt_is_token_audit("AccessToken", 11));
	assert_true(snapfmt_is_token_audit("PersonalAccessTokenX", 20));
	assert_false(snapfmt_is_token_audit("AccessToke", 10));
	assert_false(snapfmt_is_token_audit("accesstokencreated", 18));
	assert_false(snapfmt_is_token_audit("RepositoryCreatedEvent", 22));
	/* Only len bytes are searched. */
	assert_false(snapfmt_is_token_audit("AccessTokenCreatedEvent", 8));
}

static void
test_catalog(void **state)
{
	const struct snapfmt_table *t;

	(void)state;
	t = snapfmt_find_table("AO_E5A814_ACCESS_TOKEN");
	assert_non_null(t);
	assert_true(t == &snapfmt_tables[0]);
	assert_int_equal(snapfmt_column_type(t, "USER_ID"), SNAPFMT_INTEGER);
	assert_int_equal(snapfmt_column_type(t, "TOKEN_ID"), SNAPFMT_TEXT);
	assert_int_equal(snapfmt_column_type(t, "NEW_COLUMN"), SNAPFMT_TEXT);
	assert_null(snapfmt_find_table("cwd_membership"));
	/* Crowd's users are copied without their password hashes. */
	t = snapfmt_find_table("cwd_user");
	assert_non_null(t);
	assert_true(t->has_fixed_columns);
	for (const struct snapfmt_column *c = t->columns; c->name; c++)
		assert_string_not_equal(c->name, "credential");
	t = snapfmt_find_table("repository");
	assert_int_equal(
	    snapfmt_column_type(t, "is_archived"), SNAPFMT_BOOLEAN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_integer_rejects),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_token_audit),
		cmocka_unit_test(test_catalog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
