/* SPDX-License-Identifier: MIT */
/*
 * analyze/gzlines.h - one input file as a stream of lines, whether it is
 * stored as gzip (one or more members) or as plain text.  First stage of
 * analyze: file -> lines -> parse -> join -> reports.
 *
 * The file is opened read-only and never changed.  The format is decided
 * by the first bytes, not the name.  Every byte read is fed to SHA-256, so
 * the digest covers the file exactly as stored, damaged or not.  Damage
 * (truncated member, bad CRC or length, invalid deflate data, garbage after
 * a member) ends the line stream; the lines before it are all delivered,
 * and the stats say where inflation stopped.
 *
 * gzip is inflated by zlib or, when built with ISA-L
 * (TOKENTRAIL_HAVE_ISAL), by ISA-L's igzip, which is about twice as
 * fast.  Both give the same lines, and the same damage offsets and reasons:
 * on damage the ISA-L backend hands the member to zlib, which judges it.
 * One exception: a dynamic block whose Huffman code zlib refuses (an
 * incomplete or over-subscribed code, GZLINES_BAD_HUFFMAN_CODE), which no
 * compressor writes, may be decoded by ISA-L without an error.
 */
#ifndef TOKENTRAIL_ANALYZE_GZLINES_H
#define TOKENTRAIL_ANALYZE_GZLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The damage reason for a Huffman code zlib refuses (see above). */
#define GZLINES_BAD_HUFFMAN_CODE "invalid Huffman code"

/* Longest line delivered whole; longer lines are cut (see struct gzline). */
#define GZLINES_MAX_LINE (64 * 1024)

enum gzlines_format {
	GZLINES_PLAIN,  /* text */
	GZLINES_GZIP,   /* gzip, possibly several members */
	GZLINES_EMPTY,  /* a file of zero bytes */
	GZLINES_BZIP2,  /* "BZh": not read */
	GZLINES_ZIP,    /* "PK\3\4": not read */
	GZLINES_XZ,     /* xz: not read */
	GZLINES_ZSTD,   /* zstd: not read */
	GZLINES_BINARY, /* NUL bytes near the start: not read */
};

struct gzline {
	const char *data;     /* the line without its terminator; CR before LF
	                         removed; valid until the next gzlines_next() */
	size_t len;           /* bytes at data (at most GZLINES_MAX_LINE) */
	uint64_t number;      /* 1-based line number in the file */
	bool is_too_long;     /* the line was longer than GZLINES_MAX_LINE and
	                         data holds only its first GZLINES_MAX_LINE
	                         bytes; the rest was read and discarded */
	bool is_unterminated; /* last line of the stream, with no line
	                         terminator after it */
};

struct gzlines_stats {
	enum gzlines_format format;
	uint64_t size;             /* bytes in the file */
	unsigned char sha256[32];  /* of all the file's bytes */
	uint64_t n_lines;          /* lines delivered */
	uint64_t n_members;        /* gzip members completed */
	uint64_t bytes_out;        /* uncompressed bytes produced */
	bool is_damaged;           /* reading stopped before the end */
	uint64_t damage_offset;    /* compressed byte offset where it stopped */
	const char *damage_reason; /* static text, e.g. "bad CRC", or NULL */
};

struct gzlines;

/* Which library inflates gzip. */
enum gzlines_inflate {
	GZLINES_INFLATE_ZLIB,
	GZLINES_INFLATE_ISAL, /* only when built with TOKENTRAIL_HAVE_ISAL */
};

/*
 * Parse "zlib" or "isal" into *out.  Returns 0, or -1 (without reporting)
 * for any other name or for "isal" when ISA-L is not built in.
 */
int gzlines_inflate_parse(const char *name, enum gzlines_inflate *out);

/* "zlib" or "isal". */
const char *gzlines_inflate_name(enum gzlines_inflate inflate);

/*
 * Choose the inflater of every reader opened from now on (default: ISA-L
 * when built in, else zlib).  Not thread-safe: call it before readers are
 * opened on other threads.
 */
void gzlines_set_inflate(enum gzlines_inflate inflate);

/* The inflater gzlines_open() will use. */
enum gzlines_inflate gzlines_get_inflate(void);

/*
 * Human-readable name of a format: "plain", "gzip", "empty", "bzip2",
 * "zip", "xz", "zstd", "binary".
 */
const char *gzlines_format_name(enum gzlines_format format);

/* True for the formats gzlines can deliver lines from. */
bool gzlines_is_readable(enum gzlines_format format);

/*
 * Open path read-only and decide its format from its first bytes.  Returns
 * the reader in *out and 0, or reports why the file cannot be opened
 * (quoting the path) and returns -1.  A file in an unreadable format still
 * opens; gzlines_format() tells, and gzlines_next() then delivers nothing.
 * A file whose first 64 KiB hold CR but no LF is read with CR as the line
 * terminator.
 */
int gzlines_open(struct gzlines **out, const char *path);

enum gzlines_format gzlines_format(const struct gzlines *gz);

/*
 * Bytes of the file consumed so far, as stored (compressed bytes for
 * gzip), for a progress display: at most one 256 KiB chunk ahead of the
 * lines delivered and never decreasing (a member that zlib inflates again
 * is not counted twice).  gzlines_close() reads the rest, up to
 * stats.size.  Reads one field: cheap enough to call every few lines.
 */
uint64_t gzlines_bytes_in(const struct gzlines *gz);

/*
 * The next line.  Returns 1 and fills *line, 0 at the end of the stream
 * (or at damage: see gzlines_close()), or -1 after reporting a read error
 * of the file itself (an I/O error, not damage in the data).
 */
int gzlines_next(struct gzlines *gz, struct gzline *line);

/*
 * Read what is left of the file so that the digest covers it, fill *stats
 * and free the reader.  Returns 0, or -1 after reporting a read error.
 * Accepts NULL.
 */
int gzlines_close(struct gzlines *gz, struct gzlines_stats *stats);

#endif
