/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_outfile.c - common/outfile.c: what is written arrives
 * in the file byte for byte, through both of the writer's buffers and
 * across their edges; the digest and size it gives are those of the file
 * as stored; nothing has the final name before outfile_commit(); a write
 * the kernel refuses (the file-size limit, here) fails outfile_finish();
 * a file closed early with outfile_close() ends the same; outfile_abort()
 * leaves nothing behind, even with writes still queued.
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/outfile.h"
#include "common/sha256.h"

/* A fresh directory for one test, removed (with its files) after it. */
static int
make_dir(void **state)
{
	char *dir = strdup("/tmp/test_outfile.XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int
remove_dir(void **state)
{
	char *dir = *state;
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
	return 0;
}

/* Entries of dir other than "." and "..". */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n +=
		    strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* The whole file at path, its length in *len. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long size;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return data;
}

static void
digest_hex(const char *data, size_t len, char hex[SHA256_HEX_SIZE])
{
	unsigned char digest[SHA256_DIGEST_LEN];
	struct sha256 sha;

	assert_int_equal(sha256_init(&sha), 0);
	assert_int_equal(sha256_update(&sha, data, len), 0);
	assert_int_equal(sha256_final(&sha, digest), 0);
	sha256_hex(digest, hex);
}

/* Deterministic bytes, all 256 values among them. */
static void
fill_pattern(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)((i * 131 + seed * 7 + (i >> 11)) & 0xff);
}

/* The committed file at path holds the len bytes of want, and out gives
 * their digest and size. */
static void
expect_committed(
    const struct outfile *out, const char *path, const char *want, size_t len)
{
	char want_hex[SHA256_HEX_SIZE];
	size_t got_len;
	char *got = read_file(path, &got_len);

	assert_int_equal(got_len, len);
	assert_memory_equal(got, want, len);
	digest_hex(want, len, want_hex);
	assert_string_equal(out->sha256, want_hex);
	assert_int_equal(out->size, len);
	free(got);
}

/* Pieces of many sizes, from one byte to more than both buffers hold,
 * written with fwrite, fputs and fprintf: the file holds them in order
 * and outfile gives its digest and size. */
static void
test_bytes_digest_and_size(void **state)
{
	static const size_t sizes[] = { 1, 7, 4096, 65535, 65536, 65537, 262143,
		262144, 262145, 1048576 + 3, 3, 524288, 100000 };
	const char *dir = *state;
	char path[4096];
	size_t total = 0;
	char *want = malloc(4 * 1024 * 1024);
	struct outfile out;

	assert_non_null(want);
	snprintf(path, sizeof(path), "%s/report.csv", dir);
	assert_int_equal(outfile_open(&out, path), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill_pattern(want + total, sizes[i], (unsigned)i);
		assert_int_equal(
		    fwrite(want + total, 1, sizes[i], out.fp), sizes[i]);
		total += sizes[i];
	}
	assert_true(fputs("tail,row\r\n", out.fp) >= 0);
	memcpy(want + total, "tail,row\r\n", 10);
	total += 10;
	assert_int_equal(fprintf(out.fp, "%d", 42), 2);
	memcpy(want + total, "42", 2);
	total += 2;

	assert_int_equal(outfile_finish(&out), 0);
	assert_int_equal(access(path, F_OK), -1); /* not yet committed */
	assert_int_equal(outfile_commit(&out), 0);
	expect_committed(&out, path, want, total);
	outfile_abort(&out);
	assert_int_equal(count_entries(dir), 1);
	free(want);
}

/* An empty report: the digest of no bytes. */
static void
test_empty_file(void **state)
{
	const char *dir = *state;
	char path[4096];
	struct outfile out;

	snprintf(path, sizeof(path), "%s/empty.csv", dir);
	assert_int_equal(outfile_open(&out, path), 0);
	assert_int_equal(outfile_finish(&out), 0);
	assert_int_equal(outfile_commit(&out), 0);
	assert_string_equal(out.sha256,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(out.size, 0);
	outfile_abort(&out);
}

/* Writes past the file-size limit fail with EFBIG: outfile_finish()
 * reports it and the file is not committed. */
static void
test_refused_write_fails_finish(void **state)
{
	const char *dir = *state;
	char path[4096];
	char *data = calloc(1, 1024 * 1024);
	struct rlimit old, small;
	struct outfile out;
	int rc;

	assert_non_null(data);
	snprintf(path, sizeof(path), "%s/big.csv", dir);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(outfile_open(&out, path), 0);
	small = old;
	small.rlim_cur = 100000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	for (int i = 0; i < 4; i++)
		fwrite(data, 1, 1024 * 1024, out.fp);
	rc = outfile_finish(&out);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	outfile_abort(&out);
	assert_int_equal(count_entries(dir), 0);
	free(data);
}

/* 2026-12-04, issue 7: outfile_close() lets the thread write the rest
 * and sync while the caller goes on; outfile_finish() then gives the
 * same bytes, digest and size as without it, and a second close does
 * nothing.  A closed file that is abandoned leaves nothing either. */
static void
test_close_then_finish(void **state)
{
	const char *dir = *state;
	char path[4096], gone[4096];
	size_t len = 600001;
	char *want = malloc(len);
	struct outfile out, other;

	assert_non_null(want);
	fill_pattern(want, len, 3);
	snprintf(path, sizeof(path), "%s/closed.csv", dir);
	assert_int_equal(outfile_open(&out, path), 0);
	assert_int_equal(fwrite(want, 1, len, out.fp), len);
	assert_int_equal(outfile_close(&out), 0);
	assert_int_equal(outfile_close(&out), 0);
	assert_int_equal(outfile_finish(&out), 0);
	assert_int_equal(outfile_commit(&out), 0);
	expect_committed(&out, path, want, len);
	outfile_abort(&out);

	snprintf(gone, sizeof(gone), "%s/abandoned.csv", dir);
	assert_int_equal(outfile_open(&other, gone), 0);
	assert_int_equal(fwrite(want, 1, len, other.fp), len);
	assert_int_equal(outfile_close(&other), 0);
	outfile_abort(&other);
	assert_int_equal(count_entries(dir), 1);
	free(want);
}

/* Abort with data still in the buffers: the temporary file goes. */
static void
test_abort_leaves_nothing(void **state)
{
	const char *dir = *state;
	char path[4096];
	char *data = calloc(1, 700000);
	struct outfile out;

	assert_non_null(data);
	snprintf(path, sizeof(path), "%s/gone.csv", dir);
	assert_int_equal(outfile_open(&out, path), 0);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(fwrite(data, 1, 700000, out.fp), 700000);
	outfile_abort(&out);
	assert_int_equal(count_entries(dir), 0);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_bytes_digest_and_size, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    test_empty_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    test_close_then_finish, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    test_refused_write_fails_finish, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    test_abort_leaves_nothing, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
