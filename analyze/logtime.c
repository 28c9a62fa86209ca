/* SPDX-License-Identifier: MIT */
/*
 * analyze/logtime.c - local access-log timestamps to UTC instants, used by
 * parse (text to fields) and by join and report (fields to ISO 8601).
 *
 * The zone is the process's TZ, set once by logtime_set_zone(); offsets
 * come from localtime_r()'s tm_gmtoff.  Local fields are first turned into
 * "seconds as if UTC" with our own calendar arithmetic, then the offset is
 * looked up one day before and one day after, which brackets any change
 * of offset near the wanted instant (zones change at most once in two
 * days).  Results are cached per local minute in the caller's cache.
 */
#include "analyze/logtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/diag.h"

#define SECONDS_PER_DAY 86400
#define DEFAULT_TZDIR   "/usr/share/zoneinfo"

/* True while no zone other than UTC was selected: no lookups needed. */
static bool zone_is_utc = true;

static inline bool
is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static inline int
days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (month == 2 && is_leap_year(year))
		return 29;
	return days[month - 1];
}

/*
 * Days from 1970-01-01 to year-month-day (proleptic Gregorian, year >= 1).
 * The year is counted from March, so that the leap day is the last day of
 * a counting year and the month lengths March..February follow the fixed
 * pattern 31 30 31 30 31 31 30 31 30 31 31 28/29.
 */
static int64_t
days_from_civil(int year, int month, int day)
{
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t month_from_march = month <= 2 ? month + 9 : month - 3;
	int64_t days_before_year = y * 365 + y / 4 - y / 100 + y / 400;
	int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;

	/* 719468 is the count for 1970-01-01 in this reckoning. */
	return days_before_year + day_of_year - 719468;
}

/* Floor division for possibly negative numerators. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * The date of the day days after 1970-01-01, the inverse of
 * days_from_civil() for any day: whole 400-year cycles of 146,097 days
 * first, then the year within the cycle, counted from March as there.
 */
static void
civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t cycle = floor_div(z, 146097);
	int64_t day_of_cycle = z - cycle * 146097; /* 0 .. 146096 */
	int64_t year_of_cycle =
	    (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 -
	        day_of_cycle / 146096) /
	    365; /* 0 .. 399 */
	int64_t day_of_year = day_of_cycle -
	    (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
	int64_t month_from_march = (5 * day_of_year + 2) / 153; /* 0 .. 11 */

	*day = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
	*month = (int)(month_from_march < 10 ? month_from_march + 3
	                                     : month_from_march - 9);
	*year = cycle * 400 + year_of_cycle + (*month <= 2);
}

/* Seconds since the epoch of the local fields, read as if they were UTC. */
static int64_t
local_as_utc(const struct logtime_local *local)
{
	int64_t days = days_from_civil(local->year, local->month, local->day);

	return days * SECONDS_PER_DAY + local->hour * 3600 +
	    local->minute * 60 + local->second;
}

/* The zone's UTC offset at instant t, in seconds. */
static int32_t
offset_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

/*
 * The offset for a local time given as seconds-as-if-UTC.  Of two valid
 * readings (clocks fell back) the larger offset, the first occurrence,
 * wins; with none (clocks sprang forward) the offset before the change.
 */
static int32_t
offset_for_local(int64_t local)
{
	int32_t before = offset_at(local - SECONDS_PER_DAY);
	int32_t after = offset_at(local + SECONDS_PER_DAY);
	bool before_fits, after_fits;

	if (before == after)
		return before;
	before_fits = offset_at(local - before) == before;
	after_fits = offset_at(local - after) == after;
	if (before_fits && after_fits)
		return before > after ? before : after;
	if (after_fits)
		return after;
	return before;
}

/*
 * Check that name is a plain zone name (no absolute path, no "..", only
 * the characters zone names use) naming a TZif file.  Returns 0 or -1,
 * silently.
 */
static int
check_zone_file(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[PATH_MAX], magic[4];
	ssize_t n;
	int fd;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL ||
	    strspn(name,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789/_+-.") != strlen(name))
		return -1;
	if (dir == NULL || dir[0] == '\0')
		dir = DEFAULT_TZDIR;
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "TZif", 4) != 0)
		return -1;
	return 0;
}

int
logtime_set_zone(const char *name)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (name == NULL) {
		if (setenv("TZ", "UTC0", 1) != 0)
			return diag_error_errno("could not select time zone");
		tzset();
		zone_is_utc = true;
		return 0;
	}
	if (check_zone_file(name) != 0) {
		diag_error("unrecognized time zone \"%s\"",
		    diag_quote_str(quoted, name));
		diag_hint("Give an IANA zone name such as \"Europe/Berlin\" "
		          "that exists in the system's zoneinfo files.");
		return -1;
	}
	if (setenv("TZ", name, 1) != 0)
		return diag_error_errno("could not select time zone");
	tzset();
	zone_is_utc = false;
	return 0;
}

/* Read exactly n decimal digits at s; -1 when one is not a digit. */
static inline int
read_digits(const char *s, int n)
{
	int value = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		value = value * 10 + (s[i] - '0');
	}
	return value;
}

/* Parse "YYYY-MM-DD" from the first 10 bytes of s; 0 or -1. */
static inline int
parse_date(const char *s, struct logtime_local *out)
{
	if (s[4] != '-' || s[7] != '-')
		return -1;
	out->year = read_digits(s, 4);
	out->month = read_digits(s + 5, 2);
	out->day = read_digits(s + 8, 2);
	if (out->year < 1 || out->month < 1 || out->month > 12 ||
	    out->day < 1 || out->day > days_in_month(out->year, out->month))
		return -1;
	return 0;
}

/* Parse "HH:MM" from the first 5 bytes of s; 0 or -1. */
static inline int
parse_hour_minute(const char *s, struct logtime_local *out)
{
	if (s[2] != ':')
		return -1;
	out->hour = read_digits(s, 2);
	out->minute = read_digits(s + 3, 2);
	if (out->hour < 0 || out->hour > 23 || out->minute < 0 ||
	    out->minute > 59)
		return -1;
	return 0;
}

/* Parse ":SS" from the first 3 bytes of s; 0 or -1. */
static inline int
parse_seconds(const char *s, struct logtime_local *out)
{
	if (s[0] != ':')
		return -1;
	out->second = read_digits(s + 1, 2);
	if (out->second < 0 || out->second > 60)
		return -1;
	return 0;
}

int
logtime_parse(const char *text, size_t len, struct logtime_local *out)
{
	memset(out, 0, sizeof(*out));
	if ((len != 19 && len != 23) || text[10] != ' ')
		return -1;
	if (parse_date(text, out) != 0 ||
	    parse_hour_minute(text + 11, out) != 0 ||
	    parse_seconds(text + 16, out) != 0)
		return -1;
	if (len == 23) {
		if (text[19] != ',' && text[19] != '.')
			return -1;
		out->millisecond = read_digits(text + 20, 3);
		if (out->millisecond < 0)
			return -1;
	}
	return 0;
}

/*
 * Parse an optional "Z", "+HH:MM" or "-HH:MM" that ends the text.  Sets
 * *has_offset and *offset_sec; returns 0, or -1 when anything else is
 * left.
 */
static int
parse_option_offset(
    const char *s, size_t len, bool *has_offset, int32_t *offset_sec)
{
	int hours, minutes;

	*has_offset = len > 0;
	*offset_sec = 0;
	if (len == 0 || (len == 1 && s[0] == 'Z'))
		return 0;
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return -1;
	hours = read_digits(s + 1, 2);
	minutes = read_digits(s + 4, 2);
	if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59)
		return -1;
	*offset_sec = (hours * 3600 + minutes * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

/* Parse "THH:MM[:SS]" (or with a space) at s; the bytes used, or -1. */
static int
parse_option_time(const char *s, size_t len, struct logtime_local *local)
{
	if (len < 6 || (s[0] != 'T' && s[0] != ' '))
		return -1;
	if (parse_hour_minute(s + 1, local) != 0)
		return -1;
	if (len >= 9 && s[6] == ':') {
		if (parse_seconds(s + 6, local) != 0)
			return -1;
		return 9;
	}
	return 6;
}

int
logtime_parse_option(const char *text, int64_t *utc_ms)
{
	struct logtime_local local = { 0 };
	struct logtime_cache cache = { 0 };
	struct logtime_instant instant;
	size_t len = strlen(text), used = 10;
	bool has_offset = false;
	int32_t offset = 0;

	if (len < 10 || parse_date(text, &local) != 0)
		return -1;
	if (len > used) {
		int n = parse_option_time(text + used, len - used, &local);

		if (n < 0)
			return -1;
		used += (size_t)n;
		if (parse_option_offset(
		        text + used, len - used, &has_offset, &offset) != 0)
			return -1;
	}

	if (has_offset) {
		*utc_ms = (local_as_utc(&local) - offset) * 1000;
		return 0;
	}
	logtime_to_instant(&cache, &local, &instant);
	*utc_ms = instant.utc_ms;
	return 0;
}

void
logtime_to_instant(struct logtime_cache *cache,
    const struct logtime_local *local, struct logtime_instant *out)
{
	int64_t seconds = local_as_utc(local);
	int64_t minute = floor_div(seconds, 60);

	if (zone_is_utc) {
		cache->offset_sec = 0;
	} else if (!cache->is_valid || cache->local_minute != minute) {
		cache->offset_sec = offset_for_local(seconds);
		cache->local_minute = minute;
		cache->is_valid = true;
	}
	out->offset_sec = cache->offset_sec;
	out->utc_ms = (seconds - cache->offset_sec) * 1000 + local->millisecond;
}

/* Write value as exactly n decimal digits at p; returns p + n. */
static char *
put_digits(char *p, int value, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + value % 10);
		value /= 10;
	}
	return p + n;
}

/*
 * Write "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM" for utc_ms shifted by offset_sec.
 * Years outside 0..9999 cannot come from a parsed log line; they are
 * clamped into four digits rather than overflowing buf.
 */
static void
format_iso(int64_t utc_ms, int32_t offset_sec, char *buf)
{
	/*
	 * ISO 8601 offsets have no seconds: a local mean time offset such
	 * as Berlin's +00:53:28 before 1893 is shown to the minute, and the
	 * local time with it, so that the text still names the instant.
	 */
	int64_t local_ms = utc_ms + (int64_t)(offset_sec / 60) * 60 * 1000;
	int64_t seconds = floor_div(local_ms, 1000);
	int64_t days = floor_div(seconds, 86400), year;
	int second_of_day = (int)(seconds - days * 86400);
	int32_t abs_off = offset_sec < 0 ? -offset_sec : offset_sec;
	char *p = buf;
	int month, day;

	/* Arithmetic, not gmtime_r(): this runs for every token request,
	 * and gmtime_r() takes a lock and costs several times as much. */
	civil_from_days(days, &year, &month, &day);
	p = put_digits(p, year < 0 ? 0 : (int)(year % 10000), 4);
	*p++ = '-';
	p = put_digits(p, month, 2);
	*p++ = '-';
	p = put_digits(p, day, 2);
	*p++ = 'T';
	p = put_digits(p, second_of_day / 3600, 2);
	*p++ = ':';
	p = put_digits(p, second_of_day % 3600 / 60, 2);
	*p++ = ':';
	p = put_digits(p, second_of_day % 60, 2);
	*p++ = '.';
	p = put_digits(p, (int)(local_ms - (int64_t)seconds * 1000), 3);
	*p++ = offset_sec < 0 ? '-' : '+';
	p = put_digits(p, (int)(abs_off / 3600 % 100), 2);
	*p++ = ':';
	p = put_digits(p, (int)(abs_off % 3600 / 60), 2);
	*p = '\0';
}

char *
logtime_format(const struct logtime_instant *instant, char *buf)
{
	format_iso(instant->utc_ms, instant->offset_sec, buf);
	return buf;
}

char *
logtime_format_utc(int64_t utc_ms, char *buf)
{
	struct logtime_instant instant = { .utc_ms = utc_ms, .offset_sec = 0 };

	return logtime_format(&instant, buf);
}
