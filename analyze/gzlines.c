/* SPDX-License-Identifier: MIT */
/*
 * analyze/gzlines.c - one input file (gzip or plain text) as a stream of
 * lines; first stage of analyze: file -> lines -> parse -> join -> reports.
 *
 * The file is read in 256 KiB chunks; every chunk is hashed as it is read.
 * A refill function (gz_fill_zlib(), gz_refill_isal() or
 * gz_refill_plain()) produces the next chunk of text, and gzlines_next() scans
 * it with memchr(), returning pointers into it.  Only a line that spans two
 * chunks is copied, into a carry buffer of GZLINES_MAX_LINE + 1 bytes (the
 * extra byte holds a CR that may precede the LF), so memory stays bounded
 * whatever the input.
 *
 * ISA-L stops at damage at other bytes than zlib and cannot tell a bad CRC
 * from a bad length, so when it finds damage (or the file ends inside a
 * member) the member is inflated again from its first byte by zlib, which
 * decides where and why the stream ends; the text ISA-L already delivered
 * is skipped.  Both backends thus give the same lines and damage.
 */
#include "analyze/gzlines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#ifdef TOKENTRAIL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "common/diag.h"
#include "common/sha256.h"

#define GZ_BUF_SIZE     (256 * 1024) /* input and output chunks */
#define GZ_SNIFF_SIZE   (64 * 1024)  /* bytes looked at for CR-only text */
#define GZ_NUL_WINDOW   512          /* a NUL this early means binary */
#define GZ_CARRY_CAP    (GZLINES_MAX_LINE + 1)
#define GZ_FIXED_HEADER 10 /* a gzip member's header up to FEXTRA */

struct gzlines {
	char *path;
	int fd;
	enum gzlines_format format;
	struct sha256 sha;
	bool is_file_eof;   /* read() returned 0 */
	uint64_t n_read;    /* bytes read from the file, all hashed */
	unsigned char *in;  /* raw file bytes */
	size_t in_len;      /* bytes at in (plain files and sniffing) */
	unsigned char *out; /* inflated text (gzip only) */
	z_stream strm;      /* zlib; its next_in and avail_in are the
	                       input cursor of either backend */
	bool has_strm;      /* strm was initialised */
	enum gzlines_inflate inflate;
#ifdef TOKENTRAIL_HAVE_ISAL
	struct inflate_state *isal;
#endif
	uint64_t n_hashed;      /* bytes of the file hashed (a replay reads
	                           some bytes twice) */
	uint64_t member_start;  /* compressed offset of the current member */
	uint64_t member_out;    /* its text inflated so far */
	uint64_t member_viewed; /* of which in views already handed out */
	uint64_t skip_out;      /* text to skip: inflated before a replay */
	bool is_member_done;    /* last inflate() ended a member */
	const char *view;       /* the chunk being scanned */
	size_t view_len;        /* bytes at view */
	size_t pos;             /* scan position in view */
	bool is_eof;            /* no more chunks will come */
	bool is_term_known;     /* term has been decided */
	char term;              /* line terminator, '\n' or '\r' */
	char *carry;            /* start of a line that spans chunks */
	uint64_t carry_total;   /* its length so far, including bytes cut */
	uint64_t n_lines;       /* lines delivered */
	uint64_t n_members;     /* gzip members completed */
	uint64_t bytes_out;     /* text bytes produced */
	bool is_damaged;        /* the stream ended at damage */
	uint64_t damage_offset; /* compressed offset where it did */
	const char *damage_reason;
};

#ifdef TOKENTRAIL_HAVE_ISAL
static enum gzlines_inflate default_inflate = GZLINES_INFLATE_ISAL;
#else
static enum gzlines_inflate default_inflate = GZLINES_INFLATE_ZLIB;
#endif

static const char *const format_names[] = {
	[GZLINES_PLAIN] = "plain",
	[GZLINES_GZIP] = "gzip",
	[GZLINES_EMPTY] = "empty",
	[GZLINES_BZIP2] = "bzip2",
	[GZLINES_ZIP] = "zip",
	[GZLINES_XZ] = "xz",
	[GZLINES_ZSTD] = "zstd",
	[GZLINES_BINARY] = "binary",
};

/*
 * Read up to cap bytes into buf, hashing those not hashed before.  Sets
 * *got (0 at end of file).  Returns 0, or -1 after reporting a read error.
 */
static int
gz_read(struct gzlines *gz, unsigned char *buf, size_t cap, size_t *got)
{
	char qpath[DIAG_QUOTE_SIZE];
	uint64_t pos = gz->n_read;
	size_t skip;
	ssize_t n;

	*got = 0;
	if (gz->is_file_eof)
		return 0;
	do
		n = read(gz->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return diag_error_errno("could not read file \"%s\"",
		    diag_quote_str(qpath, gz->path));
	if (n == 0) {
		gz->is_file_eof = true;
		return 0;
	}
	*got = (size_t)n;
	gz->n_read += (uint64_t)n;
	if (gz->n_read <= gz->n_hashed)
		return 0;
	skip = gz->n_hashed > pos ? (size_t)(gz->n_hashed - pos) : 0;
	gz->n_hashed = gz->n_read;
	return sha256_update(&gz->sha, buf + skip, (size_t)n - skip);
}

/*
 * Append to gz->in until it holds at least want bytes or the file ends.
 * Returns 0 or -1 after reporting.
 */
static int
gz_fill_in(struct gzlines *gz, size_t want)
{
	size_t got;

	while (gz->in_len < want && !gz->is_file_eof) {
		if (gz_read(gz, gz->in + gz->in_len, GZ_BUF_SIZE - gz->in_len,
		        &got) < 0)
			return -1;
		gz->in_len += got;
	}
	return 0;
}

static enum gzlines_format
gz_sniff(const unsigned char *p, size_t len)
{
	static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const unsigned char zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (len == 0)
		return GZLINES_EMPTY;
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return GZLINES_GZIP;
	if (len >= 3 && memcmp(p, "BZh", 3) == 0)
		return GZLINES_BZIP2;
	if (len >= 4 && memcmp(p, "PK\3\4", 4) == 0)
		return GZLINES_ZIP;
	if (len >= sizeof(xz_magic) &&
	    memcmp(p, xz_magic, sizeof(xz_magic)) == 0)
		return GZLINES_XZ;
	if (len >= sizeof(zstd_magic) &&
	    memcmp(p, zstd_magic, sizeof(zstd_magic)) == 0)
		return GZLINES_ZSTD;
	if (memchr(p, '\0', len < GZ_NUL_WINDOW ? len : GZ_NUL_WINDOW) != NULL)
		return GZLINES_BINARY;
	return GZLINES_PLAIN;
}

/* Turn a zlib error message into one of our static damage reasons. */
static const char *
gz_damage_reason(const char *msg)
{
	if (msg == NULL)
		return "invalid deflate data";
	if (strstr(msg, "data check") != NULL)
		return "bad CRC";
	if (strstr(msg, "length check") != NULL)
		return "bad length";
	if (strstr(msg, "header") != NULL || strstr(msg, "method") != NULL)
		return "invalid gzip header";
	if (strstr(msg, "lengths set") != NULL ||
	    strstr(msg, "distances set") != NULL ||
	    strstr(msg, "length repeat") != NULL ||
	    strstr(msg, "length or distance symbols") != NULL)
		return GZLINES_BAD_HUFFMAN_CODE;
	return "invalid deflate data";
}

static void
gz_set_damage(struct gzlines *gz, uint64_t offset, const char *reason)
{
	gz->is_damaged = true;
	gz->damage_offset = offset;
	gz->damage_reason = reason;
	gz->is_eof = true;
}

#ifdef TOKENTRAIL_HAVE_ISAL
static int gz_replay_with_zlib(struct gzlines *gz);

/*
 * Whether ISA-L judges the member whose header starts at p as zlib does.
 * zlib refuses a method other than deflate and the reserved flag bits,
 * which ISA-L lets pass; a member with any of them, with a header CRC
 * (FHCRC, which only zlib's check is relied on for) or with its fixed
 * header cut off goes to zlib.
 */
static bool
gz_isal_judges_header(const unsigned char *p, size_t len)
{
	return len >= GZ_FIXED_HEADER && p[2] == Z_DEFLATED &&
	    (p[3] & 0xe2) == 0;
}
#endif

/*
 * Between two gzip members: decide whether another member follows.  Sets
 * gz->is_eof at a clean end, records damage when the next bytes are not a
 * gzip header, or resets the inflater for the next member.  Returns 0, or
 * -1 after reporting a read error.
 */
static int
gz_next_member(struct gzlines *gz)
{
	z_stream *s = &gz->strm;
	uint64_t offset;

	/* Keep what is left of the input; have the fixed header there. */
	if (s->avail_in < GZ_FIXED_HEADER) {
		memmove(gz->in, s->next_in, s->avail_in);
		gz->in_len = s->avail_in;
		if (gz_fill_in(gz, GZ_FIXED_HEADER) < 0)
			return -1;
		s->next_in = gz->in;
		s->avail_in = (uInt)gz->in_len;
	}
	offset = gz->n_read - s->avail_in;
	if (s->avail_in == 0) {
		gz->is_eof = true;
		return 0;
	}
	if (s->avail_in < 2 || s->next_in[0] != 0x1f || s->next_in[1] != 0x8b) {
		gz_set_damage(gz, offset, "garbage after gzip member");
		return 0;
	}
	gz->member_start = offset;
	gz->member_out = 0;
	gz->member_viewed = 0;
	gz->is_member_done = false;
#ifdef TOKENTRAIL_HAVE_ISAL
	if (gz->inflate == GZLINES_INFLATE_ISAL) {
		if (!gz_isal_judges_header(s->next_in, s->avail_in))
			return gz_replay_with_zlib(gz);
		isal_inflate_reset(gz->isal);
		gz->isal->crc_flag = ISAL_GZIP;
		return 0;
	}
#endif
	if (inflateReset(s) != Z_OK)
		return diag_error("could not restart decompression");
	return 0;
}

/* Read the next raw chunk for the inflater.  Returns 0 or -1. */
static int
gz_feed(struct gzlines *gz)
{
	size_t got;

	if (gz_read(gz, gz->in, GZ_BUF_SIZE, &got) < 0)
		return -1;
	gz->strm.next_in = gz->in;
	gz->strm.avail_in = (uInt)got;
	return 0;
}

/* Handle what one inflate() call returned.  Returns 0 or -1. */
static int
gz_inflate_result(struct gzlines *gz, int rc)
{
	switch (rc) {
	case Z_OK:
	case Z_BUF_ERROR:
		return 0;
	case Z_STREAM_END:
		gz->n_members++;
		gz->is_member_done = true;
		return 0;
	case Z_MEM_ERROR:
		return diag_error("could not decompress: out of memory");
	default:
		gz_set_damage(gz, gz->n_read - gz->strm.avail_in,
		    gz_damage_reason(gz->strm.msg));
		return 0;
	}
}

/* Make the first produced bytes of gz->out the view. */
static void
gz_set_view(struct gzlines *gz, size_t produced)
{
	gz->member_viewed = gz->member_out;
	gz->bytes_out += produced;
	gz->view = (const char *)gz->out;
	gz->view_len = produced;
	gz->pos = 0;
}

/*
 * One inflate() call into gz->out from byte *end.  While text delivered
 * before a replay is still to come again (gz->skip_out), it is inflated
 * over the free part of the buffer and dropped.  Returns 0 or -1.
 */
static int
gz_zlib_step(struct gzlines *gz, size_t *end)
{
	z_stream *s = &gz->strm;
	size_t room = GZ_BUF_SIZE - *end, got;
	int rc;

	if (gz->skip_out > 0 && gz->skip_out < room)
		room = (size_t)gz->skip_out;
	s->next_out = gz->out + *end;
	s->avail_out = (uInt)room;
	rc = inflate(s, Z_NO_FLUSH);
	got = room - s->avail_out;
	if (gz->skip_out > 0)
		gz->skip_out -= got;
	else
		*end += got;
	/* No progress, all input used, none to come: the file is cut short. */
	if (rc == Z_BUF_ERROR && s->avail_in == 0 && gz->is_file_eof) {
		gz_set_damage(gz, gz->n_read, "unexpected end of file");
		return 0;
	}
	return gz_inflate_result(gz, rc);
}

/*
 * zlib ended a replayed member (at damage) before it gave again all the
 * text ISA-L had inflated: ISA-L accepts some deflate data that zlib
 * refuses, such as an incomplete Huffman code.  The text zlib did not
 * confirm is dropped where it is still in this chunk, the last of the
 * end bytes; what earlier chunks delivered stays delivered (see the
 * README's known limitations).  Returns the bytes to drop.
 */
static size_t
gz_unconfirmed_in_chunk(const struct gzlines *gz, size_t end)
{
	uint64_t in_chunk = gz->member_out - gz->member_viewed;
	uint64_t drop = gz->skip_out < in_chunk ? gz->skip_out : in_chunk;

	return drop < end ? (size_t)drop : end;
}

/*
 * Inflate with zlib into gz->out, after the start bytes already there,
 * until it is full or the stream ends (cleanly or at damage), and make it
 * the view.  This is the zlib backend; it also judges every member that
 * ISA-L hands over.  Returns 0 or -1.
 */
static int
gz_fill_zlib(struct gzlines *gz, size_t start)
{
	size_t end = start;

	while (end < GZ_BUF_SIZE && !gz->is_eof) {
		if (gz->is_member_done) {
			if (gz_next_member(gz) < 0)
				return -1;
			continue;
		}
		if (gz->strm.avail_in == 0 && !gz->is_file_eof) {
			if (gz_feed(gz) < 0)
				return -1;
			continue;
		}
		if (gz_zlib_step(gz, &end) < 0)
			return -1;
	}
	if (gz->skip_out > 0)
		end -= gz_unconfirmed_in_chunk(gz, end);
	gz_set_view(gz, end);
	return 0;
}

#ifdef TOKENTRAIL_HAVE_ISAL
/*
 * Hand the current member to zlib from its first byte (see the file
 * comment).  The file is read again from there; gz_read() does not hash
 * those bytes twice, and gz_zlib_step() drops the text already delivered.
 * Returns 0, or -1 after reporting.
 */
static int
gz_replay_with_zlib(struct gzlines *gz)
{
	char qpath[DIAG_QUOTE_SIZE];

	if (lseek(gz->fd, (off_t)gz->member_start, SEEK_SET) < 0)
		return diag_error_errno("could not read file \"%s\"",
		    diag_quote_str(qpath, gz->path));
	gz->n_read = gz->member_start;
	gz->is_file_eof = false;
	gz->skip_out = gz->member_out;
	gz->inflate = GZLINES_INFLATE_ZLIB;
	if (inflateInit2(&gz->strm, 15 + 16) != Z_OK)
		return diag_error("could not start decompression");
	gz->has_strm = true;
	gz->strm.next_in = gz->in;
	gz->strm.avail_in = 0;
	return 0;
}

/*
 * One isal_inflate() call on the input cursor in gz->strm.  Returns 1 when
 * it made progress, 0 when it found damage or is stuck at the end of the
 * file: time to replay the member with zlib.
 */
static int
gz_isal_step(struct gzlines *gz)
{
	struct inflate_state *st = gz->isal;
	uint32_t in_before = gz->strm.avail_in, out_before = st->avail_out;
	int rc;

	st->next_in = gz->strm.next_in;
	st->avail_in = gz->strm.avail_in;
	rc = isal_inflate(st);
	gz->strm.next_in = st->next_in;
	gz->strm.avail_in = st->avail_in;
	gz->member_out += out_before - st->avail_out;
	if (rc < 0)
		return 0;
	if (st->block_state == ISAL_BLOCK_FINISH) {
		gz->n_members++;
		gz->is_member_done = true;
		return 1;
	}
	return st->avail_in != in_before || st->avail_out != out_before;
}

/*
 * The ISA-L backend: as gz_fill_zlib(), but damage, a file that ends
 * inside a member and a header that ISA-L does not judge as zlib does
 * make the member go to zlib (gz_replay_with_zlib()), which fills the rest
 * of the chunk.  Returns 0 or -1.
 */
static int
gz_refill_isal(struct gzlines *gz)
{
	struct inflate_state *st = gz->isal;
	z_stream *s = &gz->strm;
	size_t got;

	st->next_out = gz->out;
	st->avail_out = GZ_BUF_SIZE;
	while (st->avail_out > 0 && !gz->is_eof) {
		if (gz->is_member_done) {
			if (gz_next_member(gz) < 0)
				return -1;
			if (gz->inflate != GZLINES_INFLATE_ISAL)
				break;
			continue;
		}
		if (s->avail_in == 0 && !gz->is_file_eof) {
			if (gz_read(gz, gz->in, GZ_BUF_SIZE, &got) < 0)
				return -1;
			s->next_in = gz->in;
			s->avail_in = (uInt)got;
			continue;
		}
		if (gz_isal_step(gz) == 0) {
			if (gz_replay_with_zlib(gz) < 0)
				return -1;
			break;
		}
	}
	if (gz->inflate != GZLINES_INFLATE_ISAL)
		return gz_fill_zlib(gz, GZ_BUF_SIZE - st->avail_out);
	gz_set_view(gz, GZ_BUF_SIZE - st->avail_out);
	return 0;
}
#endif

/* Read the next chunk of a plain file and make it the view. */
static int
gz_refill_plain(struct gzlines *gz)
{
	/* The first chunk was read when the format was sniffed. */
	if (gz->bytes_out == 0 && gz->in_len > 0) {
		if (gz_fill_in(gz, GZ_BUF_SIZE) < 0)
			return -1;
	} else {
		if (gz_read(gz, gz->in, GZ_BUF_SIZE, &gz->in_len) < 0)
			return -1;
	}
	if (gz->in_len == 0)
		gz->is_eof = true;
	gz->bytes_out += gz->in_len;
	gz->view = (const char *)gz->in;
	gz->view_len = gz->in_len;
	gz->pos = 0;
	return 0;
}

/*
 * Pick the line terminator from the first text: CR when the first 64 KiB
 * hold a CR and no LF (old Mac line ends), LF otherwise.
 */
static void
gz_decide_term(struct gzlines *gz)
{
	size_t n = gz->view_len < GZ_SNIFF_SIZE ? gz->view_len : GZ_SNIFF_SIZE;

	gz->term = '\n';
	if (memchr(gz->view, '\n', n) == NULL &&
	    memchr(gz->view, '\r', n) != NULL)
		gz->term = '\r';
	gz->is_term_known = true;
}

/* Produce the next chunk of text, out of the hot path.  Returns 0 or -1. */
static int
gz_refill(struct gzlines *gz)
{
	int rc;

	if (gz->format != GZLINES_GZIP)
		rc = gz_refill_plain(gz);
#ifdef TOKENTRAIL_HAVE_ISAL
	else if (gz->inflate == GZLINES_INFLATE_ISAL)
		rc = gz_refill_isal(gz);
#endif
	else
		rc = gz_fill_zlib(gz, 0);
	if (rc == 0 && !gz->is_term_known)
		gz_decide_term(gz);
	return rc;
}

/* Keep up to GZ_CARRY_CAP bytes of a line that continues past the chunk. */
static void
gz_carry(struct gzlines *gz, const char *p, size_t len)
{
	if (gz->carry_total < GZ_CARRY_CAP) {
		size_t room = GZ_CARRY_CAP - (size_t)gz->carry_total;

		memcpy(gz->carry + gz->carry_total, p, len < room ? len : room);
	}
	gz->carry_total += len;
}

/*
 * Fill *line from len bytes at data, which precede a terminator (or the
 * end of the stream, is_unterminated); total is the line's full length,
 * of which data may hold only the first GZ_CARRY_CAP bytes.
 */
static int
gz_deliver(struct gzlines *gz, struct gzline *line, const char *data,
    uint64_t total, bool is_unterminated)
{
	if (!is_unterminated && gz->term == '\n' && total > 0 &&
	    total <= GZ_CARRY_CAP && data[total - 1] == '\r')
		total--;
	line->data = data;
	line->is_too_long = total > GZLINES_MAX_LINE;
	line->len = line->is_too_long ? GZLINES_MAX_LINE : (size_t)total;
	line->is_unterminated = is_unterminated;
	line->number = ++gz->n_lines;
	gz->carry_total = 0;
	return 1;
}

const char *
gzlines_format_name(enum gzlines_format format)
{
	if ((size_t)format >= sizeof(format_names) / sizeof(format_names[0]))
		return "unknown";
	return format_names[format];
}

int
gzlines_inflate_parse(const char *name, enum gzlines_inflate *out)
{
	if (strcmp(name, "zlib") == 0) {
		*out = GZLINES_INFLATE_ZLIB;
		return 0;
	}
#ifdef TOKENTRAIL_HAVE_ISAL
	if (strcmp(name, "isal") == 0) {
		*out = GZLINES_INFLATE_ISAL;
		return 0;
	}
#endif
	return -1;
}

const char *
gzlines_inflate_name(enum gzlines_inflate inflate)
{
	return inflate == GZLINES_INFLATE_ISAL ? "isal" : "zlib";
}

void
gzlines_set_inflate(enum gzlines_inflate inflate)
{
	default_inflate = inflate;
}

enum gzlines_inflate
gzlines_get_inflate(void)
{
	return default_inflate;
}

bool
gzlines_is_readable(enum gzlines_format format)
{
	return format == GZLINES_PLAIN || format == GZLINES_GZIP ||
	    format == GZLINES_EMPTY;
}

/* What a file that is not a regular file is, for a message. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	return "not a regular file";
}

/*
 * Open path without blocking (a FIFO would wait for a writer), refuse
 * anything but a regular file, then switch back to blocking reads.
 * Returns the descriptor, or -1 after reporting.
 */
static int
gz_open_regular(const char *path)
{
	char qpath[DIAG_QUOTE_SIZE];
	struct stat st;
	int fd, flags;

	diag_quote_str(qpath, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return diag_error_errno("could not open file \"%s\"", qpath);
	if (fstat(fd, &st) != 0) {
		diag_error_errno("could not stat file \"%s\"", qpath);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error("cannot read file \"%s\": it is %s", qpath,
		    file_kind(st.st_mode));
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		diag_error_errno("could not open file \"%s\"", qpath);
		goto fail;
	}
	return fd;

fail:
	close(fd);
	return -1;
}

/* Allocate the buffers and, for gzip, the inflater.  Returns 0 or -1. */
static int
gz_setup(struct gzlines *gz)
{
	gz->carry = malloc(GZ_CARRY_CAP);
	if (gz->carry == NULL)
		return diag_error("could not open file: out of memory");
	if (gz->format != GZLINES_GZIP)
		return 0;

	gz->out = malloc(GZ_BUF_SIZE);
	if (gz->out == NULL)
		return diag_error("could not open file: out of memory");
	gz->strm.next_in = gz->in;
	gz->strm.avail_in = (uInt)gz->in_len;
#ifdef TOKENTRAIL_HAVE_ISAL
	if (!gz_isal_judges_header(gz->in, gz->in_len))
		gz->inflate = GZLINES_INFLATE_ZLIB;
	if (gz->inflate == GZLINES_INFLATE_ISAL) {
		gz->isal = malloc(sizeof(*gz->isal));
		if (gz->isal == NULL)
			return diag_error("could not open file: out of memory");
		isal_inflate_init(gz->isal);
		gz->isal->crc_flag = ISAL_GZIP;
		return 0;
	}
#endif
	if (inflateInit2(&gz->strm, 15 + 16) != Z_OK)
		return diag_error("could not start decompression");
	gz->has_strm = true;
	return 0;
}

int
gzlines_open(struct gzlines **out, const char *path)
{
	struct gzlines *gz;

	*out = NULL;
	gz = calloc(1, sizeof(*gz));
	if (gz == NULL)
		return diag_error("could not open file: out of memory");
	gz->fd = -1;
	gz->inflate = default_inflate;
	gz->path = strdup(path);
	gz->in = malloc(GZ_BUF_SIZE);
	if (gz->path == NULL || gz->in == NULL) {
		diag_error("could not open file: out of memory");
		goto fail;
	}
	if (sha256_init(&gz->sha) < 0)
		goto fail;
	gz->fd = gz_open_regular(path);
	if (gz->fd < 0 || gz_fill_in(gz, GZ_SNIFF_SIZE) < 0)
		goto fail;

	gz->format = gz_sniff(gz->in, gz->in_len);
	gz->is_eof = gz->format != GZLINES_PLAIN && gz->format != GZLINES_GZIP;
	if (gz_setup(gz) < 0)
		goto fail;
	*out = gz;
	return 0;

fail:
	gzlines_close(gz, NULL);
	return -1;
}

enum gzlines_format
gzlines_format(const struct gzlines *gz)
{
	return gz->format;
}

uint64_t
gzlines_bytes_in(const struct gzlines *gz)
{
	return gz->n_hashed; /* the most of the file ever read */
}

int
gzlines_next(struct gzlines *gz, struct gzline *line)
{
	for (;;) {
		size_t rest = gz->view_len - gz->pos;
		const char *p, *end;

		if (rest == 0) {
			if (!gz->is_eof) {
				if (gz_refill(gz) < 0)
					return -1;
				continue;
			}
			if (gz->carry_total == 0)
				return 0;
			return gz_deliver(
			    gz, line, gz->carry, gz->carry_total, true);
		}

		/* The hot path: a whole line inside the chunk. */
		p = gz->view + gz->pos;
		end = memchr(p, gz->term, rest);
		if (end == NULL) {
			gz_carry(gz, p, rest);
			gz->pos = gz->view_len;
			continue;
		}
		gz->pos += (size_t)(end - p) + 1;
		if (gz->carry_total == 0)
			return gz_deliver(
			    gz, line, p, (size_t)(end - p), false);
		gz_carry(gz, p, (size_t)(end - p));
		return gz_deliver(gz, line, gz->carry, gz->carry_total, false);
	}
}

/* Read and hash the rest of the file.  Returns 0 or -1. */
static int
gz_drain(struct gzlines *gz)
{
	size_t got;

	do {
		if (gz_read(gz, gz->in, GZ_BUF_SIZE, &got) < 0)
			return -1;
	} while (got > 0);
	return 0;
}

int
gzlines_close(struct gzlines *gz, struct gzlines_stats *stats)
{
	int rc = 0;

	if (gz == NULL)
		return 0;
	if (stats != NULL) {
		if (gz_drain(gz) < 0)
			rc = -1;
		memset(stats, 0, sizeof(*stats));
		if (sha256_final(&gz->sha, stats->sha256) < 0)
			rc = -1;
		stats->format = gz->format;
		stats->size = gz->n_read;
		stats->n_lines = gz->n_lines;
		stats->n_members = gz->n_members;
		stats->bytes_out = gz->bytes_out;
		stats->is_damaged = gz->is_damaged;
		stats->damage_offset = gz->damage_offset;
		stats->damage_reason = gz->damage_reason;
	}
	sha256_release(&gz->sha);
	if (gz->has_strm)
		inflateEnd(&gz->strm);
#ifdef TOKENTRAIL_HAVE_ISAL
	free(gz->isal);
#endif
	if (gz->fd >= 0)
		close(gz->fd);
	free(gz->carry);
	free(gz->out);
	free(gz->in);
	free(gz->path);
	free(gz);
	return rc;
}
