/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_logtime.c - logtime_parse() and logtime_parse_option()
 * on any text.  A parsed log time must be in range, convert to an instant
 * and format as ISO 8601 within LOGTIME_ISO_SIZE; an option value must be
 * NUL-terminated text and its instant must format too.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/logtime.h"
#include "tests/fuzz/fuzzutil.h"

static void
check_local(const struct logtime_local *t)
{
	struct logtime_cache cache = { 0 };
	struct logtime_instant at;
	char iso[LOGTIME_ISO_SIZE];

	FUZZ_CHECK(t->month >= 1 && t->month <= 12, "month");
	FUZZ_CHECK(t->day >= 1 && t->day <= 31, "day");
	FUZZ_CHECK(t->hour >= 0 && t->hour <= 23, "hour");
	FUZZ_CHECK(t->minute >= 0 && t->minute <= 59, "minute");
	FUZZ_CHECK(t->second >= 0 && t->second <= 60, "second");
	FUZZ_CHECK(t->millisecond >= 0 && t->millisecond <= 999, "ms");
	logtime_to_instant(&cache, t, &at);
	FUZZ_CHECK(logtime_format(&at, iso) == iso, "format");
	FUZZ_CHECK(strlen(iso) < LOGTIME_ISO_SIZE, "ISO text too long");
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
