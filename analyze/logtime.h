/* SPDX-License-Identifier: MIT */
/*
 * analyze/logtime.h - access-log timestamps ("2024-05-01 14:00:00,123",
 * local time without an offset) to UTC instants and ISO 8601 text with the
 * offset that applied.
 *
 * The zone is an IANA name given with --log-tz, looked up in the system's
 * zoneinfo files.  A local time that occurs twice (the hour repeated when
 * clocks fall back) is taken as the first occurrence, the one with the
 * larger UTC offset; a local time that never occurred (the hour skipped
 * when clocks spring forward) is taken with the offset in force before the
 * change.  Conversions are cached per local minute and are safe to call
 * from several threads, each with its own struct logtime_cache.
 */
#ifndef TOKENTRAIL_ANALYZE_LOGTIME_H
#define TOKENTRAIL_ANALYZE_LOGTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "2024-05-01T14:00:00.123+02:00" and its NUL. */
#define LOGTIME_ISO_SIZE 32

/* A broken-down local timestamp as written in the log. */
struct logtime_local {
	int year, month, day;       /* 1..12, 1..31 */
	int hour, minute, second;   /* 0..23, 0..59, 0..60 */
	int millisecond;            /* 0..999 */
};

/* A converted instant. */
struct logtime_instant {
	int64_t utc_ms;     /* milliseconds since 1970-01-01T00:00:00Z */
	int32_t offset_sec; /* local minus UTC, in seconds */
};

/*
 * Select the zone for the whole process.  name NULL means UTC.  Returns 0,
 * or reports an unknown or malformed zone name and returns -1.  Call once,
 * before any thread starts.
 */
int logtime_set_zone(const char *name);

/*
 * Parse "YYYY-MM-DD HH:MM:SS,mmm" (a '.' is accepted for ',' and the
 * milliseconds may be missing) from exactly len bytes.  Returns 0, or -1
 * when the text is not such a timestamp or names an impossible date.
 */
int logtime_parse(const char *text, size_t len, struct logtime_local *out);

/*
 * Parse a --since/--until value: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]"
 * (space accepted for T) with an optional "Z" or "+HH:MM"/"-HH:MM".
 * Without an offset the value is in the log zone.  Returns 0 and the
 * instant in *utc_ms, or -1 when the text is not such a time.
 */
int logtime_parse_option(const char *text, int64_t *utc_ms);

/* Per-thread cache of the last local minute converted. */
struct logtime_cache {
	int64_t local_minute; /* minutes since the epoch, as if UTC */
	int32_t offset_sec;
	bool is_valid;
};

/* Convert a local timestamp in the selected zone.  Never fails. */
void logtime_to_instant(struct logtime_cache *cache,
    const struct logtime_local *local, struct logtime_instant *out);

/*
 * Format an instant as "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM" in its own offset
 * ("Z" is never used, so every cell has the same shape).  buf must hold
 * LOGTIME_ISO_SIZE bytes; returns buf.
 */
char *logtime_format(const struct logtime_instant *instant, char *buf);

/* Format utc_ms as "YYYY-MM-DDTHH:MM:SS.mmm+00:00". */
char *logtime_format_utc(int64_t utc_ms, char *buf);

#endif
