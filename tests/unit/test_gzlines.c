/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_gzlines.c - the line reader on real files written to a
 * temporary directory at run time: plain and gzip text, several members,
 * damaged streams, other formats, line ends, long lines, the digest and
 * the bytes consumed.
 * gzip data comes from zlib's deflate (and once from the gzip tool), so no
 * opaque binary fixture is committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "analyze/gzlines.h"
#include "common/sha256.h"

#define MAX GZLINES_MAX_LINE
#define BUF (256 * 1024) /* gzlines' chunk size */

static char tmpdir[] = "/tmp/tt-gzlines.XXXXXX";

/* A growable byte string, to build inputs and collect outputs. */
struct bytes {
	char *p;
	size_t len, cap;
};

static void
bytes_add(struct bytes *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
bytes_str(struct bytes *b, const char *s)
{
	bytes_add(b, s, strlen(s));
}

static void
bytes_fill(struct bytes *b, int c, size_t n)
{
	char chunk[4096];

	memset(chunk, c, sizeof(chunk));
	for (; n > sizeof(chunk); n -= sizeof(chunk))
		bytes_add(b, chunk, sizeof(chunk));
	bytes_add(b, chunk, n);
}

static char *
path_of(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static char *
write_file(const char *name, const void *data, size_t len)
{
	char *path = path_of(name);
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/*
 * One gzip member holding data, as gzip -6 would write it, with the header
 * fields of head (NULL: none).
 */
static void
gzip_member_with_header(
    struct bytes *out, const void *data, size_t len, gz_header *head)
{
	unsigned char chunk[65536];
	z_stream s = { 0 };
	int rc;

	assert_int_equal(
	    deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
	    Z_OK);
	if (head)
		assert_int_equal(deflateSetHeader(&s, head), Z_OK);
	s.next_in = (unsigned char *)(uintptr_t)data;
	s.avail_in = (uInt)len;
	do {
		s.next_out = chunk;
		s.avail_out = sizeof(chunk);
		rc = deflate(&s, Z_FINISH);
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
		bytes_add(out, chunk, sizeof(chunk) - s.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&s);
}

static void
gzip_member(struct bytes *out, const void *data, size_t len)
{
	gzip_member_with_header(out, data, len, NULL);
}

/*
 * Read every line of path into a transcript: each line, then "|" and
 * "L" for too long and "U" for unterminated, then "\n".
 */
static char *
read_lines(const char *path, struct gzlines_stats *stats)
{
	struct bytes t = { 0 };
	struct gzlines *gz;
	struct gzline line;
	uint64_t number = 0;
	int rc;

	assert_int_equal(gzlines_open(&gz, path), 0);
	bytes_str(&t, "");
	while ((rc = gzlines_next(gz, &line)) == 1) {
		assert_int_equal(line.number, ++number);
		assert_true(line.len <= MAX);
		bytes_add(&t, line.data, line.len);
		bytes_str(&t, "|");
		bytes_str(&t, line.is_too_long ? "L" : "");
		bytes_str(&t, line.is_unterminated ? "U" : "");
		bytes_str(&t, "\n");
	}
	assert_int_equal(rc, 0);
	assert_int_equal(gzlines_next(gz, &line), 0);
	assert_int_equal(gzlines_close(gz, stats), 0);
	assert_int_equal(stats->n_lines, number);
	return t.p;
}

/* The transcript read_lines() gives for len bytes of LF-ended text. */
static char *
transcript(const char *p, size_t len)
{
	struct bytes t = { 0 };
	const char *end = p + len, *nl;

	bytes_str(&t, "");
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			bytes_add(&t, p, (size_t)(end - p));
			bytes_str(&t, "|U\n");
			break;
		}
		bytes_add(&t, p, (size_t)(nl - p));
		bytes_str(&t, "|\n");
	}
	return t.p;
}

/* The digest gzlines computed must match sha256sum's. */
static void
assert_digest(const char *path, const struct gzlines_stats *stats)
{
	char cmd[600], want[SHA256_HEX_SIZE + 8], got[SHA256_HEX_SIZE];
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	assert_non_null(fgets(want, sizeof(want), fp));
	assert_int_equal(pclose(fp), 0);
	want[64] = '\0';
	sha256_hex(stats->sha256, got);
	assert_string_equal(got, want);
}

static void
test_plain(void **state)
{
	const char text[] = "alpha\nbeta\n\ngamma\n";
	struct gzlines_stats st;
	char *path = write_file("plain.log", text, strlen(text));
	char *got = read_lines(path, &st);

	(void)state;
	assert_string_equal(got, "alpha|\nbeta|\n|\ngamma|\n");
	assert_int_equal(st.format, GZLINES_PLAIN);
	assert_int_equal(st.size, strlen(text));
	assert_int_equal(st.bytes_out, strlen(text));
	assert_false(st.is_damaged);
	assert_null(st.damage_reason);
	assert_digest(path, &st);
	free(got);
}

static void
test_gzip_one_and_two_members(void **state)
{
	struct bytes gz = { 0 };
	struct gzlines_stats st;
	char *got;

	(void)state;
	gzip_member(&gz, "one\ntwo\n", 8);
	got = read_lines(write_file("one.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "one|\ntwo|\n");
	assert_int_equal(st.format, GZLINES_GZIP);
	assert_int_equal(st.n_members, 1);
	assert_int_equal(st.bytes_out, 8);
	assert_false(st.is_damaged);
	free(got);

	/* A second member that continues the first one's last line. */
	gzip_member(&gz, "three\nfo", 8);
	gzip_member(&gz, "ur\n", 3);
	got = read_lines(write_file("three.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "one|\ntwo|\nthree|\nfour|\n");
	assert_int_equal(st.n_members, 3);
	assert_int_equal(st.size, gz.len);
	assert_false(st.is_damaged);
	assert_digest(path_of("three.gz"), &st);
	free(got);
	free(gz.p);
}

static void
test_gzip_tool_output(void **state)
{
	char cmd[600];
	struct gzlines_stats st;
	char *got;

	(void)state;
	write_file("tool.log", "from the gzip tool\nsecond\n", 26);
	snprintf(cmd, sizeof(cmd), "gzip -6 -f '%s'", path_of("tool.log"));
	assert_int_equal(system(cmd), 0);
	got = read_lines(path_of("tool.log.gz"), &st);
	assert_string_equal(got, "from the gzip tool|\nsecond|\n");
	assert_int_equal(st.n_members, 1);
	assert_digest(path_of("tool.log.gz"), &st);
	free(got);
}

static void
test_empty_files(void **state)
{
	struct gzlines_stats st;
	char *got;

	(void)state;
	got = read_lines(write_file("empty.log", "", 0), &st);
	assert_string_equal(got, "");
	assert_int_equal(st.format, GZLINES_EMPTY);
	assert_int_equal(st.size, 0);
	assert_digest(path_of("empty.log"), &st);
	free(got);

	got = read_lines(write_file("empty.gz", "", 0), &st);
	assert_string_equal(got, "");
	assert_int_equal(st.format, GZLINES_EMPTY);
	assert_true(gzlines_is_readable(st.format));
	assert_false(st.is_damaged);
	free(got);
}

/* Numbered lines, so that a cut shows exactly where text stopped. */
static void
numbered_text(struct bytes *b, int n)
{
	char line[64];

	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "line %d with some text %d\n", i,
		    i * 7919 % 10007);
		bytes_str(b, line);
	}
}

static void
test_truncated_member(void **state)
{
	struct bytes text = { 0 }, gz = { 0 };
	struct gzlines_stats st;
	size_t cut;
	char *got, *want;

	(void)state;
	numbered_text(&text, 200000);
	gzip_member(&gz, text.p, text.len);
	cut = gz.len / 2;
	got = read_lines(write_file("cut.gz", gz.p, cut), &st);
	assert_true(st.is_damaged);
	assert_string_equal(st.damage_reason, "unexpected end of file");
	assert_int_equal(st.damage_offset, cut);
	assert_int_equal(st.size, cut);
	assert_int_equal(st.n_members, 0);
	assert_true(st.n_lines > 1000);
	assert_digest(path_of("cut.gz"), &st);

	/* Everything inflated is delivered; the last piece is unterminated. */
	want = transcript(text.p, st.bytes_out);
	assert_string_equal(got, want);
	assert_string_equal(got + strlen(got) - 3, "|U\n");
	free(want);
	free(got);
	free(text.p);
	free(gz.p);
}

static void
test_bad_crc(void **state)
{
	struct bytes gz = { 0 };
	struct gzlines_stats st;
	char *got;

	(void)state;
	gzip_member(&gz, "a\nb\n", 4);
	gz.p[gz.len - 8] ^= 0x55; /* first byte of the CRC-32 */
	got = read_lines(write_file("crc.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "a|\nb|\n");
	assert_true(st.is_damaged);
	assert_string_equal(st.damage_reason, "bad CRC");
	assert_int_equal(st.damage_offset, gz.len - 4);
	assert_int_equal(st.n_members, 0);
	free(got);

	/* A wrong length in the trailer. */
	gz.p[gz.len - 8] ^= 0x55;
	gz.p[gz.len - 4] ^= 0x01;
	got = read_lines(write_file("len.gz", gz.p, gz.len), &st);
	assert_true(st.is_damaged);
	assert_string_equal(st.damage_reason, "bad length");
	assert_int_equal(st.damage_offset, gz.len);
	free(got);
	free(gz.p);
}

static void
test_invalid_deflate_data(void **state)
{
	struct bytes gz = { 0 };
	struct gzlines_stats st;
	char *got;

	(void)state;
	bytes_add(&gz, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	bytes_add(&gz, "\xff\xff\xff\xff", 4); /* block type 3: invalid */
	got = read_lines(write_file("bad.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "");
	assert_true(st.is_damaged);
	assert_string_equal(st.damage_reason, "invalid deflate data");
	assert_int_equal(st.damage_offset, 11);
	free(got);
	free(gz.p);
}

static void
test_garbage_after_member(void **state)
{
	struct bytes gz = { 0 };
	struct gzlines_stats st;
	size_t member;
	char *got;

	(void)state;
	gzip_member(&gz, "kept\n", 5);
	member = gz.len;
	bytes_str(&gz, "not gzip at all\n");
	got = read_lines(write_file("garbage.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "kept|\n");
	assert_true(st.is_damaged);
	assert_string_equal(st.damage_reason, "garbage after gzip member");
	assert_int_equal(st.damage_offset, member);
	assert_int_equal(st.n_members, 1);
	assert_int_equal(st.size, gz.len);
	assert_digest(path_of("garbage.gz"), &st);
	free(got);

	/* Damage early in a large file: the digest still covers all of it. */
	bytes_fill(&gz, 'g', 3 * BUF);
	got = read_lines(write_file("big-garbage.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "kept|\n");
	assert_int_equal(st.damage_offset, member);
	assert_int_equal(st.size, gz.len);
	assert_digest(path_of("big-garbage.gz"), &st);
	free(got);

	/* A single stray byte after the member. */
	gz.len = member;
	bytes_add(&gz, "\x1f", 1);
	got = read_lines(write_file("stray.gz", gz.p, gz.len), &st);
	assert_string_equal(st.damage_reason, "garbage after gzip member");
	assert_int_equal(st.damage_offset, member);
	free(got);
	free(gz.p);
}

static void
test_format_by_content(void **state)
{
	struct bytes gz = { 0 };
	struct gzlines_stats st;
	char *got;

	(void)state;
	gzip_member(&gz, "zipped\n", 7);
	got = read_lines(write_file("really-gzip.log", gz.p, gz.len), &st);
	assert_string_equal(got, "zipped|\n");
	assert_int_equal(st.format, GZLINES_GZIP);
	free(got);

	got = read_lines(write_file("really-plain.gz", "plain\n", 6), &st);
	assert_string_equal(got, "plain|\n");
	assert_int_equal(st.format, GZLINES_PLAIN);
	free(got);
	free(gz.p);
}

/* A format that is not read: opens, delivers nothing, still hashed. */
static void
assert_unread_format(const char *path, enum gzlines_format want)
{
	struct gzlines_stats st;
	char *got = read_lines(path, &st);

	assert_string_equal(got, "");
	assert_int_equal(st.format, want);
	assert_false(gzlines_is_readable(want));
	assert_false(st.is_damaged);
	assert_digest(path, &st);
	free(got);
}

static void
test_other_formats(void **state)
{
	char cmd[1200];
	struct bytes bin = { 0 };

	(void)state;
	write_file("b.log", "some text\n", 10);
	snprintf(cmd, sizeof(cmd),
	    "if command -v bzip2 >/dev/null; then bzip2 -f '%s'; "
	    "else printf 'BZh91AY&SY' > '%s.bz2'; fi",
	    path_of("b.log"), path_of("b.log"));
	assert_int_equal(system(cmd), 0);
	assert_unread_format(path_of("b.log.bz2"), GZLINES_BZIP2);
	assert_unread_format(write_file("z.zip", "PK\3\4rest", 8), GZLINES_ZIP);
	assert_unread_format(write_file("x.xz",
	                         "\xfd"
	                         "7zXZ\0rest",
	                         10),
	    GZLINES_XZ);
	assert_unread_format(
	    write_file("z.zst", "\x28\xb5\x2f\xfdrest", 8), GZLINES_ZSTD);

	/* A NUL within the first 512 bytes means binary. */
	bytes_fill(&bin, 'a', 500);
	bytes_add(&bin, "\0\n", 2);
	bytes_fill(&bin, 'b', 2000);
	assert_unread_format(
	    write_file("bin.log", bin.p, bin.len), GZLINES_BINARY);
	assert_string_equal(gzlines_format_name(GZLINES_BINARY), "binary");
	assert_string_equal(gzlines_format_name(GZLINES_GZIP), "gzip");
	free(bin.p);
}

static void
test_line_ends(void **state)
{
	const char crlf[] = "one\r\ntwo\r\n\r\nlast\r";
	const char cr[] = "mac one\rmac two\r\rend";
	struct gzlines_stats st;
	char *got;

	(void)state;
	got = read_lines(write_file("crlf.log", crlf, strlen(crlf)), &st);
	assert_string_equal(got, "one|\ntwo|\n|\nlast\r|U\n");
	free(got);

	got = read_lines(write_file("cr.log", cr, strlen(cr)), &st);
	assert_string_equal(got, "mac one|\nmac two|\n|\nend|U\n");
	free(got);

	/* A CR late in the file does not make it CR-only. */
	got = read_lines(write_file("mixed.log", "a\nb\rc\n", 6), &st);
	assert_string_equal(got, "a|\nb\rc|\n");
	free(got);

	got = read_lines(write_file("noeol.log", "x\ny", 3), &st);
	assert_string_equal(got, "x|\ny|U\n");
	free(got);
}

static void
test_nul_bytes(void **state)
{
	struct bytes text = { 0 };
	struct gzlines_stats st;
	struct gzlines *gz;
	struct gzline line;

	(void)state;
	bytes_fill(&text, 't', 600);
	bytes_add(&text, "\nx\0y\0\n", 6);
	assert_int_equal(
	    gzlines_open(&gz, write_file("nul.log", text.p, text.len)), 0);
	assert_int_equal(gzlines_format(gz), GZLINES_PLAIN);
	assert_int_equal(gzlines_next(gz, &line), 1);
	assert_int_equal(line.len, 600);
	assert_int_equal(gzlines_next(gz, &line), 1);
	assert_int_equal(line.len, 4);
	assert_memory_equal(line.data, "x\0y\0", 4);
	assert_int_equal(gzlines_next(gz, &line), 0);
	assert_int_equal(gzlines_close(gz, &st), 0);
	free(text.p);
}

/*
 * Long lines, in plain and gzip form: over the cap, exactly at the cap
 * (with LF and with CRLF, straddling a chunk boundary), and one byte over.
 */
static void
test_long_lines(void **state)
{
	struct bytes text = { 0 }, gz = { 0 }, want = { 0 };
	struct gzlines_stats st;
	char *got;

	(void)state;
	bytes_fill(&text, 's', BUF - 100); /* next line straddles a chunk */
	bytes_str(&text, "\n");
	bytes_fill(&text, 'x', MAX);
	bytes_str(&text, "\r\n");
	bytes_fill(&text, 'y', MAX + 1);
	bytes_str(&text, "\n");
	bytes_fill(&text, 'z', MAX * 5);
	bytes_str(&text, "\nend\n");

	bytes_fill(&want, 's', MAX);
	bytes_str(&want, "|L\n");
	bytes_fill(&want, 'x', MAX);
	bytes_str(&want, "|\n");
	bytes_fill(&want, 'y', MAX);
	bytes_str(&want, "|L\n");
	bytes_fill(&want, 'z', MAX);
	bytes_str(&want, "|L\nend|\n");

	got = read_lines(write_file("long.log", text.p, text.len), &st);
	assert_string_equal(got, want.p);
	free(got);
	gzip_member(&gz, text.p, text.len);
	got = read_lines(write_file("long.gz", gz.p, gz.len), &st);
	assert_string_equal(got, want.p);
	assert_int_equal(st.bytes_out, text.len);
	free(got);
	free(text.p);
	free(gz.p);
	free(want.p);
}

/* Lines of every length from 0 to 700 bytes, many chunks' worth. */
static void
test_lines_across_chunks(void **state)
{
	struct bytes text = { 0 }, gz = { 0 }, want = { 0 };
	struct gzlines_stats st;
	char *got;

	(void)state;
	for (int round = 0; round < 5; round++) {
		for (size_t n = 0; n <= 700; n++) {
			bytes_fill(&text, 'a' + (int)(n % 26), n);
			bytes_str(&text, n % 3 == 0 ? "\r\n" : "\n");
			bytes_fill(&want, 'a' + (int)(n % 26), n);
			bytes_str(&want, "|\n");
		}
	}
	assert_true(text.len > 4 * BUF);
	got = read_lines(write_file("many.log", text.p, text.len), &st);
	assert_string_equal(got, want.p);
	free(got);
	gzip_member(&gz, text.p, text.len / 2);
	gzip_member(&gz, text.p + text.len / 2, text.len - text.len / 2);
	got = read_lines(write_file("many.gz", gz.p, gz.len), &st);
	assert_string_equal(got, want.p);
	assert_int_equal(st.n_members, 2);
	assert_digest(path_of("many.gz"), &st);
	free(got);
	free(text.p);
	free(gz.p);
	free(want.p);
}

/* Write one gzip member holding a 100 MB line, without holding it. */
static void
write_huge_line(const char *path, size_t n)
{
	unsigned char in[65536], out[65536];
	z_stream s = { 0 };
	FILE *fp = fopen(path, "wb");
	int rc = Z_OK;

	assert_non_null(fp);
	memset(in, 'h', sizeof(in));
	assert_int_equal(
	    deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
	    Z_OK);
	do {
		size_t take = n < sizeof(in) ? n : sizeof(in);

		n -= take;
		s.next_in = in;
		s.avail_in = (uInt)take;
		do {
			s.next_out = out;
			s.avail_out = sizeof(out);
			rc = deflate(&s, n == 0 ? Z_FINISH : Z_NO_FLUSH);
			assert_int_equal(
			    fwrite(out, 1, sizeof(out) - s.avail_out, fp),
			    sizeof(out) - s.avail_out);
		} while (s.avail_out == 0);
	} while (n > 0);
	assert_int_equal(rc, Z_STREAM_END);
	deflateEnd(&s);
	assert_int_equal(fclose(fp), 0);
}

static void
test_huge_line_memory(void **state)
{
	struct gzlines_stats st;
	struct gzlines *gz;
	struct gzline line;
	struct rusage before, after;

	(void)state;
	assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
	write_huge_line(path_of("huge.gz"), (size_t)100 * 1000 * 1000);
	assert_int_equal(gzlines_open(&gz, path_of("huge.gz")), 0);
	assert_int_equal(gzlines_next(gz, &line), 1);
	assert_true(line.is_too_long);
	assert_true(line.is_unterminated);
	assert_int_equal(line.len, MAX);
	assert_int_equal(gzlines_next(gz, &line), 0);
	assert_int_equal(gzlines_close(gz, &st), 0);
	assert_int_equal(st.bytes_out, (uint64_t)100 * 1000 * 1000);

	/*
	 * The peak resident memory of the process may grow by the reader's
	 * buffers, not by the line.  This test runs first, so no earlier test
	 * has raised the peak already.
	 */
	assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
	printf("# peak RSS %ld KiB before, %ld KiB after a 100 MB line\n",
	    before.ru_maxrss, after.ru_maxrss);
	assert_true(after.ru_maxrss - before.ru_maxrss < 16 * 1024);
}

/* A caller that stops early still gets the digest of the whole file. */
static void
test_close_early(void **state)
{
	struct bytes text = { 0 };
	struct gzlines_stats st;
	struct gzlines *gz;
	struct gzline line;

	(void)state;
	numbered_text(&text, 100000);
	assert_true(text.len > 2 * BUF);
	assert_int_equal(
	    gzlines_open(&gz, write_file("early.log", text.p, text.len)), 0);
	assert_int_equal(gzlines_next(gz, &line), 1);
	assert_int_equal(gzlines_close(gz, &st), 0);
	assert_int_equal(st.n_lines, 1);
	assert_int_equal(st.size, text.len);
	assert_digest(path_of("early.log"), &st);
	free(text.p);
}

/*
 * What a progress display sees of path, size bytes: the bytes consumed
 * stay within the first chunk for the first line, never shrink, and reach
 * the size at the end of the stream.
 */
static void
assert_bytes_in(const char *path, uint64_t size)
{
	struct gzlines *gz;
	struct gzline line;
	uint64_t last = 0;
	int rc;

	assert_int_equal(gzlines_open(&gz, path), 0);
	while ((rc = gzlines_next(gz, &line)) == 1) {
		uint64_t now = gzlines_bytes_in(gz);

		assert_true(now >= last && now <= size);
		assert_true(line.number > 1 || now <= BUF);
		last = now;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(gzlines_bytes_in(gz), size);
	assert_int_equal(gzlines_close(gz, NULL), 0);
}

/* Plain text, two gzip members, and a file cut inside the second member,
 * which ISA-L hands to zlib to read again from the member's start. */
static void
test_bytes_in(void **state)
{
	struct bytes text = { 0 }, gz = { 0 };
	size_t cut;

	(void)state;
	numbered_text(&text, 200000);
	assert_bytes_in(write_file("bytes-in.log", text.p, text.len), text.len);
	gzip_member(&gz, text.p, text.len / 2);
	gzip_member(&gz, text.p + text.len / 2, text.len - text.len / 2);
	assert_true(gz.len > 2 * BUF);
	assert_bytes_in(write_file("bytes-in.gz", gz.p, gz.len), gz.len);
	cut = gz.len * 3 / 4;
	assert_bytes_in(write_file("bytes-in-cut.gz", gz.p, cut), cut);
	free(text.p);
	free(gz.p);
}

/* Send stderr to a file until stderr_end(), which returns what came. */
static int
stderr_begin(void)
{
	int saved = dup(2);
	int fd = open(path_of("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
	return saved;
}

static char *
stderr_end(int saved)
{
	static char text[2048];
	FILE *fp;
	size_t n;

	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	fp = fopen(path_of("stderr"), "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static void
test_refused_files(void **state)
{
	struct gzlines *gz = (struct gzlines *)1;
	char want[1024], *got;
	int saved;

	(void)state;
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	saved = stderr_begin();
	assert_int_equal(gzlines_open(&gz, tmpdir), -1);
	assert_null(gz);
	alarm(10); /* a FIFO without a writer must not block the open */
	assert_int_equal(gzlines_open(&gz, path_of("fifo")), -1);
	alarm(0);
	assert_int_equal(gzlines_open(&gz, path_of("missing.gz")), -1);
	got = stderr_end(saved);

	snprintf(want, sizeof(want),
	    "tokentrail: error: cannot read file \"%s\": it is a directory\n"
	    "tokentrail: error: cannot read file \"%s/fifo\": it is a FIFO\n"
	    "tokentrail: error: could not open file \"%s/missing.gz\": No "
	    "such file or directory\n",
	    tmpdir, tmpdir, tmpdir);
	assert_string_equal(got, want);
	assert_int_equal(gzlines_close(NULL, NULL), 0);
}

/* A file name with control bytes is quoted in the message. */
static void
test_hostile_name(void **state)
{
	struct gzlines *gz;
	char *got;
	int saved;

	(void)state;
	saved = stderr_begin();
	assert_int_equal(
	    gzlines_open(&gz, "/nonexistent/\x1b[31mred\n.gz"), -1);
	got = stderr_end(saved);
	assert_string_equal(got,
	    "tokentrail: error: could not open file "
	    "\"/nonexistent/\\x1b[31mred\\x0a.gz\": No such file or "
	    "directory\n");
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Read path with the given inflater; restores the default after. */
static char *
read_lines_with(
    const char *path, enum gzlines_inflate inflate, struct gzlines_stats *stats)
{
	enum gzlines_inflate saved = gzlines_get_inflate();
	char *got;

	gzlines_set_inflate(inflate);
	got = read_lines(path, stats);
	gzlines_set_inflate(saved);
	return got;
}

/* Both inflaters on one file: same lines, same stats, same damage. */
static void
assert_backends_agree(const char *path)
{
	struct gzlines_stats a, b;
	enum gzlines_inflate isal;
	char *za, *zb;

	if (gzlines_inflate_parse("isal", &isal) != 0)
		isal = GZLINES_INFLATE_ZLIB; /* built without ISA-L */
	za = read_lines_with(path, GZLINES_INFLATE_ZLIB, &a);
	zb = read_lines_with(path, isal, &b);
	assert_string_equal(za, zb);
	assert_memory_equal(a.sha256, b.sha256, sizeof(a.sha256));
	assert_int_equal(a.size, b.size);
	assert_int_equal(a.n_lines, b.n_lines);
	assert_int_equal(a.n_members, b.n_members);
	assert_int_equal(a.bytes_out, b.bytes_out);
	assert_int_equal(a.is_damaged, b.is_damaged);
	assert_int_equal(a.damage_offset, b.damage_offset);
	if (a.is_damaged)
		assert_string_equal(a.damage_reason, b.damage_reason);
	assert_digest(path, &b);
	free(za);
	free(zb);
}

/* The text zlib inflates from a (cut) gzip file in one call: all it can. */
static size_t
inflate_all(const struct bytes *gz, size_t text_cap)
{
	unsigned char *text = malloc(text_cap);
	z_stream s = { 0 };
	size_t got;

	assert_non_null(text);
	assert_int_equal(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (unsigned char *)gz->p;
	s.avail_in = (uInt)gz->len;
	s.next_out = text;
	s.avail_out = (uInt)text_cap;
	(void)inflate(&s, Z_FINISH);
	got = text_cap - s.avail_out;
	inflateEnd(&s);
	free(text);
	return got;
}

/*
 * 2026-12-04, issue #5: a member cut short whose last input bytes expand
 * past the end of a 256 KiB chunk: zlib still held text when the input
 * was used up, and the reader called the file damaged without asking for
 * it.  Highly repetitive text (each compressed byte worth about 1,000 of
 * text) cut at many places must give all the text zlib can inflate.
 */
static void
test_cut_member_gives_all_text(void **state)
{
	struct bytes text = { 0 }, gz = { 0 }, cut = { 0 };
	struct gzlines_stats st;

	(void)state;
	for (int i = 0; i < 400000; i++)
		bytes_str(&text, "the same line of text\n");
	gzip_member(&gz, text.p, text.len);
	for (size_t at = 20; at < gz.len - 8; at += gz.len / 300 + 1) {
		cut.len = 0;
		bytes_add(&cut, gz.p, at);
		free(read_lines(write_file("cut-repeat.gz", cut.p, at), &st));
		assert_true(st.is_damaged);
		assert_int_equal(st.bytes_out, inflate_all(&cut, text.len));
	}
	free(text.p);
	free(gz.p);
	free(cut.p);
}

/*
 * 2026-12-03, issue 7: the ISA-L backend hands a damaged member to zlib
 * from its start and skips the text already delivered; damage deep in the
 * second member of a large file, where megabytes were delivered, must
 * give exactly what zlib gives.
 */
static void
test_backends_agree(void **state)
{
	struct bytes text = { 0 }, gz = { 0 }, cut = { 0 };
	size_t first, at;

	(void)state;
	numbered_text(&text, 250000);
	gzip_member(&gz, "first member\n", 13);
	first = gz.len;
	gzip_member(&gz, text.p, text.len);
	assert_backends_agree(write_file("agree.gz", gz.p, gz.len));

	/* Cut at many places of the second member, also inside words. */
	for (at = first + 5; at < gz.len; at += gz.len / 7 + 13) {
		cut.len = 0;
		bytes_add(&cut, gz.p, at);
		assert_backends_agree(write_file("agree-cut.gz", cut.p, at));
	}

	/* A flipped byte in the middle, a bad CRC, a bad length. */
	for (size_t i = 0; i < 3; i++) {
		size_t pos = i == 0 ? first + (gz.len - first) / 2
		                    : gz.len - (i == 1 ? 8 : 4);

		gz.p[pos] ^= 0x5a;
		assert_backends_agree(write_file("agree-bad.gz", gz.p, gz.len));
		gz.p[pos] ^= 0x5a;
	}
	free(text.p);
	free(gz.p);
	free(cut.p);
}

/*
 * 2026-12-04, issue #7: a member with a header CRC (FHCRC, here with a
 * file name) goes to zlib, which checks it: with either backend a good header
 * CRC reads, and a bad one is the same damage at the same offset, also in a
 * second member.
 */
static void
test_header_crc(void **state)
{
	char name[] = "access.log";
	gz_header head = { .name = (Bytef *)name, .hcrc = 1 };
	struct bytes gz = { 0 };
	struct gzlines_stats st;
	size_t first;
	char *got;

	(void)state;
	gzip_member(&gz, "one\n", 4);
	first = gz.len;
	gzip_member_with_header(&gz, "two\nthree\n", 10, &head);
	got = read_lines(write_file("hcrc.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "one|\ntwo|\nthree|\n");
	assert_false(st.is_damaged);
	assert_int_equal(st.n_members, 2);
	free(got);
	assert_backends_agree(write_file("hcrc.gz", gz.p, gz.len));

	/* The header CRC is the two bytes after the name's NUL. */
	gz.p[first + 10 + sizeof("access.log")] ^= 0x01;
	got = read_lines(write_file("hcrc-bad.gz", gz.p, gz.len), &st);
	assert_string_equal(got, "one|\n");
	assert_true(st.is_damaged);
	assert_string_equal(st.damage_reason, "invalid gzip header");
	free(got);
	assert_backends_agree(write_file("hcrc-bad.gz", gz.p, gz.len));
	free(gz.p);
}

/*
 * 2026-12-04, issue #5: the inputs of this reader's fuzz corpus named
 * regress-* were read differently by ISA-L and zlib: a reserved header
 * flag that ISA-L let pass, damage in the first chunk and in a second
 * member (test_hostile), a Huffman code that zlib refuses after ISA-L had
 * inflated text with it (the text is dropped), and one that ISA-L decodes
 * to the end of the member: the one exception (analyze/gzlines.h), where
 * zlib names the damage and the backends are not compared.
 */
static void
test_regress_corpus(void **state)
{
	const char *dir = "tests/fuzz/corpus/fuzz_gzlines";
	struct gzlines_stats st;
	char path[4096];
	struct dirent *e;
	int n = 0, n_bad_huffman = 0;
	DIR *d;

	(void)state;
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "regress-", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		free(read_lines_with(path, GZLINES_INFLATE_ZLIB, &st));
		if (st.is_damaged &&
		    strcmp(st.damage_reason, GZLINES_BAD_HUFFMAN_CODE) == 0)
			n_bad_huffman++;
		else
			assert_backends_agree(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
	/* regress-isal-*-huffman-code and -distance-code. */
	assert_int_equal(n_bad_huffman, 2);
}

static void
test_inflate_names(void **state)
{
	enum gzlines_inflate e = GZLINES_INFLATE_ISAL;

	(void)state;
	assert_int_equal(gzlines_inflate_parse("zlib", &e), 0);
	assert_int_equal(e, GZLINES_INFLATE_ZLIB);
	assert_string_equal(gzlines_inflate_name(e), "zlib");
	assert_int_equal(gzlines_inflate_parse("gzip", &e), -1);
	assert_int_equal(gzlines_inflate_parse("", &e), -1);
#ifdef TOKENTRAIL_HAVE_ISAL
	assert_int_equal(gzlines_inflate_parse("isal", &e), 0);
	assert_int_equal(e, GZLINES_INFLATE_ISAL);
	assert_string_equal(gzlines_inflate_name(e), "isal");
#else
	assert_int_equal(gzlines_inflate_parse("isal", &e), -1);
#endif
}

/*
 * The whole file runs once per inflater: TOKENTRAIL_INFLATE (as
 * tests/run.sh sets it) chooses it, the build's default otherwise.
 */
int
main(void)
{
	const char *name = getenv("TOKENTRAIL_INFLATE");
	enum gzlines_inflate inflate;
	char group[64];

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huge_line_memory), /* first: see there */
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_gzip_one_and_two_members),
		cmocka_unit_test(test_gzip_tool_output),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_truncated_member),
		cmocka_unit_test(test_bad_crc),
		cmocka_unit_test(test_invalid_deflate_data),
		cmocka_unit_test(test_garbage_after_member),
		cmocka_unit_test(test_format_by_content),
		cmocka_unit_test(test_other_formats),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_lines_across_chunks),
		cmocka_unit_test(test_close_early),
		cmocka_unit_test(test_bytes_in),
		cmocka_unit_test(test_refused_files),
		cmocka_unit_test(test_hostile_name),
		cmocka_unit_test(test_backends_agree),
		cmocka_unit_test(test_cut_member_gives_all_text),
		cmocka_unit_test(test_header_crc),
		cmocka_unit_test(test_regress_corpus),
		cmocka_unit_test(test_inflate_names),
	};

	if (name != NULL && name[0] != '\0') {
		if (gzlines_inflate_parse(name, &inflate) != 0) {
			fprintf(stderr, "unknown TOKENTRAIL_INFLATE \"%s\"\n",
			    name);
			return 1;
		}
		gzlines_set_inflate(inflate);
	}
	snprintf(group, sizeof(group), "gzlines (%s)",
	    gzlines_inflate_name(gzlines_get_inflate()));
	return cmocka_run_group_tests_name(group, tests, setup, teardown);
}
