/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_logtime.c - analyze/logtime.c against the system's real
 * zoneinfo files: UTC, both daylight-saving changes in Berlin and New
 * York, half-hour offsets (Kolkata) and a half-hour DST (Lord Howe), zone
 * names that must be refused, invalid timestamps and --since values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/logtime.h"

#define EXPECT(cache, local, iso, utc) \
	expect_conversion((cache), (local), (iso), (utc), __LINE__)

/*
 * Convert the log timestamp local and compare the result with iso (in the
 * zone's offset) and utc (the same instant in UTC).
 */
static void
expect_conversion(struct logtime_cache *cache, const char *local,
    const char *iso, const char *utc, int line)
{
	struct logtime_local fields;
	struct logtime_instant instant;
	char buf[LOGTIME_ISO_SIZE], buf_utc[LOGTIME_ISO_SIZE];

	if (logtime_parse(local, strlen(local), &fields) != 0) {
		print_error("line %d: \"%s\" not parsed\n", line, local);
		fail();
	}
	logtime_to_instant(cache, &fields, &instant);
	logtime_format(&instant, buf);
	logtime_format_utc(instant.utc_ms, buf_utc);
	if (strcmp(buf, iso) != 0 || strcmp(buf_utc, utc) != 0) {
		print_error("line %d: \"%s\" gave %s = %s, not %s = %s\n", line,
		    local, buf, buf_utc, iso, utc);
		fail();
	}
}

/* The UTC text of utc_ms by way of gmtime_r(), as logtime formats it. */
static void
format_with_gmtime(int64_t utc_ms, char *buf, size_t cap)
{
	int64_t seconds = utc_ms / 1000 - (utc_ms % 1000 < 0);
	time_t t = (time_t)seconds;
	struct tm tm;
	int year;

	assert_non_null(gmtime_r(&t, &tm));
	year = tm.tm_year + 1900;
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00",
	    year < 0 ? 0 : year % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(utc_ms - seconds * 1000));
}

/* logtime_format_utc(ms) gives gmtime_r()'s date and time. */
static void
expect_gmtime_text(int64_t ms)
{
	char ours[LOGTIME_ISO_SIZE], theirs[64];

	logtime_format_utc(ms, ours);
	format_with_gmtime(ms, theirs, sizeof(theirs));
	if (strcmp(ours, theirs) != 0) {
		print_error(
		    "%lld ms: %s, not %s\n", (long long)ms, ours, theirs);
		fail();
	}
}

/* 2026-12-04, issue 7: the ISO text is computed without gmtime_r(); it
 * must name the same date and time as gmtime_r() across leap days,
 * centuries and 400-year cycles of years 0 to 9999, and for instants far
 * outside them (which logs never hold, but a snapshot might). */
static void
test_format_matches_gmtime(void **state)
{
	uint64_t seed = 42;

	(void)state;
	/* Every day of 1600 to 2400, every 97th of 0 to 9999. */
	for (int64_t day = -719528 - 400; day <= 2932896 + 400;
	     day += day >= -135140 && day <= 157054 ? 1 : 97)
		expect_gmtime_text(day * 86400000 +
		    (day * 7919 % 86400000 + 86400000) % 86400000);
	for (int i = 0; i < 100000; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		expect_gmtime_text((int64_t)(seed >> 1) % 9000000000000000000 -
		    4500000000000000000);
	}
}

static int
reset_utc(void **state)
{
	(void)state;
	return logtime_set_zone(NULL);
}

static void
test_utc(void **state)
{
	struct logtime_cache cache = { 0 };
	char buf[LOGTIME_ISO_SIZE];

	(void)state;
	EXPECT(&cache, "2024-05-01 14:00:00,123",
	    "2024-05-01T14:00:00.123+00:00", "2024-05-01T14:00:00.123+00:00");
	EXPECT(&cache, "2024-02-29 23:59:59.999",
	    "2024-02-29T23:59:59.999+00:00", "2024-02-29T23:59:59.999+00:00");
	EXPECT(&cache, "1969-12-31 23:59:59", "1969-12-31T23:59:59.000+00:00",
	    "1969-12-31T23:59:59.000+00:00");
	assert_string_equal(
	    logtime_format_utc(0, buf), "1970-01-01T00:00:00.000+00:00");
	assert_string_equal(
	    logtime_format_utc(-1, buf), "1969-12-31T23:59:59.999+00:00");
	assert_string_equal(logtime_format_utc(951782400000, buf),
	    "2000-02-29T00:00:00.000+00:00");
}

static void
test_berlin(void **state)
{
	struct logtime_cache cache = { 0 };

	(void)state;
	assert_int_equal(logtime_set_zone("Europe/Berlin"), 0);
	EXPECT(&cache, "2024-05-01 14:00:00,123",
	    "2024-05-01T14:00:00.123+02:00", "2024-05-01T12:00:00.123+00:00");
	EXPECT(&cache, "2024-01-15 08:00:00,000",
	    "2024-01-15T08:00:00.000+01:00", "2024-01-15T07:00:00.000+00:00");

	/* Spring forward on 2024-03-31: 02:00-02:59 never happened. */
	EXPECT(&cache, "2024-03-31 01:59:59,999",
	    "2024-03-31T01:59:59.999+01:00", "2024-03-31T00:59:59.999+00:00");
	EXPECT(&cache, "2024-03-31 02:30:00,000",
	    "2024-03-31T02:30:00.000+01:00", "2024-03-31T01:30:00.000+00:00");
	EXPECT(&cache, "2024-03-31 03:00:00,000",
	    "2024-03-31T03:00:00.000+02:00", "2024-03-31T01:00:00.000+00:00");

	/* Fall back on 2024-10-27: 02:00-02:59 happened twice. */
	EXPECT(&cache, "2024-10-27 01:59:00,000",
	    "2024-10-27T01:59:00.000+02:00", "2024-10-26T23:59:00.000+00:00");
	EXPECT(&cache, "2024-10-27 02:00:00,000",
	    "2024-10-27T02:00:00.000+02:00", "2024-10-27T00:00:00.000+00:00");
	EXPECT(&cache, "2024-10-27 02:59:59,999",
	    "2024-10-27T02:59:59.999+02:00", "2024-10-27T00:59:59.999+00:00");
	EXPECT(&cache, "2024-10-27 03:00:00,000",
	    "2024-10-27T03:00:00.000+01:00", "2024-10-27T02:00:00.000+00:00");
}

static void
test_new_york(void **state)
{
	struct logtime_cache cache = { 0 };

	(void)state;
	assert_int_equal(logtime_set_zone("America/New_York"), 0);
	EXPECT(&cache, "2024-07-04 12:00:00,000",
	    "2024-07-04T12:00:00.000-04:00", "2024-07-04T16:00:00.000+00:00");
	EXPECT(&cache, "2024-03-10 02:30:00,000",
	    "2024-03-10T02:30:00.000-05:00", "2024-03-10T07:30:00.000+00:00");
	EXPECT(&cache, "2024-11-03 01:30:00,000",
	    "2024-11-03T01:30:00.000-04:00", "2024-11-03T05:30:00.000+00:00");
	EXPECT(&cache, "2024-11-03 02:00:00,000",
	    "2024-11-03T02:00:00.000-05:00", "2024-11-03T07:00:00.000+00:00");
	/* Around midnight the UTC date is the next day. */
	EXPECT(&cache, "2024-12-31 23:30:00,000",
	    "2024-12-31T23:30:00.000-05:00", "2025-01-01T04:30:00.000+00:00");
}

/*
 * 2026-12-04, issue #3: before 1893 Berlin kept local mean time, +00:53:28.
 * An ISO 8601 offset has no seconds: the offset is shown to the minute and
 * the local time with it, so that the text names the instant (the log's
 * 12:00:00 is 11:06:32 UTC).  Found by fuzz_logtime's read-back check.
 */
static void
test_offset_with_seconds(void **state)
{
	struct logtime_cache cache = { 0 };

	(void)state;
	assert_int_equal(logtime_set_zone("Europe/Berlin"), 0);
	EXPECT(&cache, "1890-06-01 12:00:00,000",
	    "1890-06-01T11:59:32.000+00:53", "1890-06-01T11:06:32.000+00:00");
}

static void
test_half_hour_zones(void **state)
{
	struct logtime_cache cache = { 0 };

	(void)state;
	assert_int_equal(logtime_set_zone("Asia/Kolkata"), 0);
	EXPECT(&cache, "2024-05-01 00:10:00,000",
	    "2024-05-01T00:10:00.000+05:30", "2024-04-30T18:40:00.000+00:00");

	/* Lord Howe moves its clocks by 30 minutes. */
	assert_int_equal(logtime_set_zone("Australia/Lord_Howe"), 0);
	EXPECT(&cache, "2024-01-10 12:00:00,000",
	    "2024-01-10T12:00:00.000+11:00", "2024-01-10T01:00:00.000+00:00");
	EXPECT(&cache, "2024-04-07 01:45:00,000",
	    "2024-04-07T01:45:00.000+11:00", "2024-04-06T14:45:00.000+00:00");
	EXPECT(&cache, "2024-04-07 02:00:00,000",
	    "2024-04-07T02:00:00.000+10:30", "2024-04-06T15:30:00.000+00:00");
	EXPECT(&cache, "2024-10-06 02:15:00,000",
	    "2024-10-06T02:15:00.000+10:30", "2024-10-05T15:45:00.000+00:00");
	EXPECT(&cache, "2024-10-06 02:30:00,000",
	    "2024-10-06T02:30:00.000+11:00", "2024-10-05T15:30:00.000+00:00");
}

static void
test_cache_follows_minutes(void **state)
{
	struct logtime_cache cache = { 0 };

	(void)state;
	assert_int_equal(logtime_set_zone("Europe/Berlin"), 0);
	/* Same minute twice, then the next minute across a change. */
	EXPECT(&cache, "2024-03-31 01:59:00,000",
	    "2024-03-31T01:59:00.000+01:00", "2024-03-31T00:59:00.000+00:00");
	EXPECT(&cache, "2024-03-31 01:59:30,500",
	    "2024-03-31T01:59:30.500+01:00", "2024-03-31T00:59:30.500+00:00");
	EXPECT(&cache, "2024-03-31 03:00:01,000",
	    "2024-03-31T03:00:01.000+02:00", "2024-03-31T01:00:01.000+00:00");
	EXPECT(&cache, "2024-03-31 01:59:59,000",
	    "2024-03-31T01:59:59.000+01:00", "2024-03-31T00:59:59.000+00:00");
}

static void
test_zone_names_refused(void **state)
{
	static const char *const bad[] = { "Mars/Olympus_Mons", "../etc/passwd",
		"/etc/passwd", "Europe/../UTC", "", "Europe", "zone.tab",
		"Europe/Berlin ", ":Europe/Berlin", "Europe/Berlin\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(logtime_set_zone(bad[i]), -1);
}

/* TZDIR is honoured, and a file there must still be a TZif file. */
static void
test_tzdir(void **state)
{
	char dir[] = "/tmp/tt-tzdir.XXXXXX", path[64];
	struct logtime_cache cache = { 0 };
	FILE *in, *out;
	char buf[4096];
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	in = fopen("/usr/share/zoneinfo/Asia/Kolkata", "rb");
	assert_non_null(in);
	snprintf(path, sizeof(path), "%s/Test_Zone", dir);
	out = fopen(path, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	snprintf(path, sizeof(path), "%s/Not_TZif", dir);
	out = fopen(path, "wb");
	assert_non_null(out);
	fputs("TZ=UTC\n", out);
	assert_int_equal(fclose(out), 0);

	setenv("TZDIR", dir, 1);
	assert_int_equal(logtime_set_zone("Test_Zone"), 0);
	EXPECT(&cache, "2024-05-01 00:10:00,000",
	    "2024-05-01T00:10:00.000+05:30", "2024-04-30T18:40:00.000+00:00");
	assert_int_equal(logtime_set_zone("Not_TZif"), -1);
	assert_int_equal(logtime_set_zone("Europe/Berlin"), -1);
	unsetenv("TZDIR");

	unlink(path);
	snprintf(path, sizeof(path), "%s/Test_Zone", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_invalid_timestamps(void **state)
{
	static const char *const bad[] = { "2024-02-30 00:00:00,000",
		"2023-02-29 00:00:00,000", "2024-04-31 00:00:00,000",
		"2024-13-01 00:00:00,000", "2024-00-01 00:00:00,000",
		"2024-05-00 00:00:00,000", "2024-05-01 24:00:00,000",
		"2024-05-01 23:60:00,000", "2024-05-01 23:59:61,000",
		"0000-05-01 00:00:00,000", "2024-05-01T00:00:00,000",
		"2024/05/01 00:00:00,000", "2024-05-01 00:00:00,00",
		"2024-05-01 00:00:00,0000", "2024-05-01 00:00:00;000",
		"2024-05-01 0a:00:00,000", "+024-05-01 00:00:00,000",
		"2024-05-01 00:00:00,-12", "junk", "", "2024-05-01",
		"2024-05-01 00:00:00 " };
	struct logtime_local fields;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (logtime_parse(bad[i], strlen(bad[i]), &fields) != -1) {
			print_error("accepted \"%s\"\n", bad[i]);
			fail();
		}
	assert_int_equal(logtime_parse("2024-02-29 00:00:60", 19, &fields), 0);
	assert_int_equal(fields.second, 60);
	/* Only the given length counts: a longer buffer is not read. */
	assert_int_equal(
	    logtime_parse("2024-05-01 10:11:12,345 | x", 23, &fields), 0);
	assert_int_equal(fields.millisecond, 345);
}

static void
test_since_option(void **state)
{
	static const char *const bad[] = { "yesterday", "2024-05-01T25:00",
		"2024-05-01T14", "2024-05-01Z", "2024-05-01T14:00:00+2",
		"2024-05-01T14:00:00+02:60", "2024-05-01T14:00:0",
		"2024-05-01T14:00:00.5", "2024-02-30", "2024-05-01x",
		"2024-05-01T14:00Zjunk", "" };
	char buf[LOGTIME_ISO_SIZE];
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (logtime_parse_option(bad[i], &ms) != -1) {
			print_error("accepted \"%s\"\n", bad[i]);
			fail();
		}

	assert_int_equal(logtime_set_zone("Europe/Berlin"), 0);
	assert_int_equal(logtime_parse_option("2024-05-01", &ms), 0);
	assert_string_equal(
	    logtime_format_utc(ms, buf), "2024-04-30T22:00:00.000+00:00");
	assert_int_equal(logtime_parse_option("2024-01-01 14:00", &ms), 0);
	assert_string_equal(
	    logtime_format_utc(ms, buf), "2024-01-01T13:00:00.000+00:00");
	assert_int_equal(logtime_parse_option("2024-05-01T14:00:30Z", &ms), 0);
	assert_string_equal(
	    logtime_format_utc(ms, buf), "2024-05-01T14:00:30.000+00:00");
	assert_int_equal(
	    logtime_parse_option("2024-05-01T14:00+02:00", &ms), 0);
	assert_string_equal(
	    logtime_format_utc(ms, buf), "2024-05-01T12:00:00.000+00:00");
	assert_int_equal(
	    logtime_parse_option("2024-05-01T14:00:00-05:30", &ms), 0);
	assert_string_equal(
	    logtime_format_utc(ms, buf), "2024-05-01T19:30:00.000+00:00");

	assert_int_equal(logtime_set_zone(NULL), 0);
	assert_int_equal(logtime_parse_option("2024-05-01", &ms), 0);
	assert_string_equal(
	    logtime_format_utc(ms, buf), "2024-05-01T00:00:00.000+00:00");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_utc, reset_utc),
		cmocka_unit_test_teardown(
		    test_format_matches_gmtime, reset_utc),
		cmocka_unit_test_teardown(test_berlin, reset_utc),
		cmocka_unit_test_teardown(test_new_york, reset_utc),
		cmocka_unit_test_teardown(test_half_hour_zones, reset_utc),
		cmocka_unit_test_teardown(test_offset_with_seconds, reset_utc),
		cmocka_unit_test_teardown(
		    test_cache_follows_minutes, reset_utc),
		cmocka_unit_test_teardown(test_zone_names_refused, reset_utc),
		cmocka_unit_test_teardown(test_tzdir, reset_utc),
		cmocka_unit_test_teardown(test_invalid_timestamps, reset_utc),
		cmocka_unit_test_teardown(test_since_option, reset_utc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
