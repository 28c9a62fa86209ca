/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_logtime.c - logtime_parse() and logtime_parse_option()
 * on any text.  A parsed log time must be in range, convert to the same
 * instant with a fresh and a long-used conversion cache, format as ISO
 * 8601 within LOGTIME_ISO_SIZE and read back as the same instant; an
 * option value must be NUL-terminated text and its instant must format.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/logtime.h"
#include "tests/fuzz/fuzzutil.h"

/*
 * The ISO text of an instant, less its milliseconds, read back as a
 * --since value: the same instant, to the second.
 */
static void
check_round_trip(const struct logtime_instant *at, const char *iso)
{
	char option[LOGTIME_ISO_SIZE];
	int64_t utc_ms, want = at->utc_ms - (at->utc_ms % 1000 + 1000) % 1000;

	/* "YYYY-MM-DDTHH:MM:SS" ".mmm" "+HH:MM" */
	if (strlen(iso) != 29 || iso[19] != '.')
		return; /* a year outside 0000-9999 */
	memcpy(option, iso, 19);
	memcpy(option + 19, iso + 23, 7); /* the offset and the NUL */
	FUZZ_CHECK(logtime_parse_option(option, &utc_ms) == 0,
	    "a formatted time does not read back");
	FUZZ_CHECK(utc_ms == want, "a formatted time reads back different");
}

static void
check_local(const struct logtime_local *t)
{
	static struct logtime_cache warm; /* kept across inputs */
	struct logtime_cache cache = { 0 };
	struct logtime_instant at, at_warm;
	char iso[LOGTIME_ISO_SIZE];

	FUZZ_CHECK(t->month >= 1 && t->month <= 12, "month");
	FUZZ_CHECK(t->day >= 1 && t->day <= 31, "day");
	FUZZ_CHECK(t->hour >= 0 && t->hour <= 23, "hour");
	FUZZ_CHECK(t->minute >= 0 && t->minute <= 59, "minute");
	FUZZ_CHECK(t->second >= 0 && t->second <= 60, "second");
	FUZZ_CHECK(t->millisecond >= 0 && t->millisecond <= 999, "ms");
	logtime_to_instant(&cache, t, &at);
	logtime_to_instant(&warm, t, &at_warm);
	FUZZ_CHECK(
	    at.utc_ms == at_warm.utc_ms && at.offset_sec == at_warm.offset_sec,
	    "the conversion cache changes an instant");
	FUZZ_CHECK(logtime_format(&at, iso) == iso, "format");
	FUZZ_CHECK(strlen(iso) < LOGTIME_ISO_SIZE, "ISO text too long");
	check_round_trip(&at, iso);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool zone_set;
	char *text = malloc(size + 1);
	struct logtime_local local;
	char iso[LOGTIME_ISO_SIZE];
	int64_t utc_ms;

	if (!zone_set) {
		/* A zone with DST, so that gaps and folds are converted. */
		FUZZ_CHECK(logtime_set_zone("Europe/Berlin") == 0, "zone");
		zone_set = true;
	}
	FUZZ_CHECK(text != NULL, "out of memory");
	memcpy(text, data, size);
	if (logtime_parse(text, size, &local) == 0)
		check_local(&local);
	text[size] = '\0';
	if (logtime_parse_option(text, &utc_ms) == 0) {
		FUZZ_CHECK(logtime_format_utc(utc_ms, iso) == iso, "format");
		FUZZ_CHECK(strlen(iso) < LOGTIME_ISO_SIZE, "ISO too long");
	}
	free(text);
	return 0;
}
