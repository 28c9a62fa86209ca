/* SPDX-License-Identifier: MIT */
/*
 * bench/inflate_floor.c - the zlib floor of the analyze benchmark: inflate
 * the given gzip files (every member) with 256 KiB buffers, discard the
 * text and print how many bytes it was.  Nothing a reader of these files
 * does can be faster with zlib, so analyze's speed is stated against it.
 *
 *   inflate_floor FILE.gz...     prints the uncompressed byte count
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#define BUF_SIZE (256 * 1024)

static unsigned char in[BUF_SIZE], out[BUF_SIZE];

/*
 * Inflate one file; returns its uncompressed size, or -1 on error.  Input
 * is read only when zlib has consumed it all and has no output pending.
 */
static long long
inflate_file(const char *path)
{
	z_stream s;
	long long total = 0;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY), rc = Z_OK;

	memset(&s, 0, sizeof(s));
	if (fd < 0 || inflateInit2(&s, 15 + 16) != Z_OK) {
		fprintf(
		    stderr, "inflate_floor: %s: %s\n", path, strerror(errno));
		return -1;
	}
	s.avail_out = 1;
	for (;;) {
		if (s.avail_in == 0 && s.avail_out > 0) {
			n = read(fd, in, sizeof(in));
			if (n <= 0)
				break;
			s.next_in = in;
			s.avail_in = (uInt)n;
		}
		s.next_out = out;
		s.avail_out = sizeof(out);
		rc = inflate(&s, Z_NO_FLUSH);
		total += (long long)(sizeof(out) - s.avail_out);
		if (rc == Z_STREAM_END)
			rc = inflateReset(&s);
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			n = -1;
			break;
		}
	}
	if (n < 0)
		fprintf(stderr, "inflate_floor: %s: could not inflate\n", path);
	inflateEnd(&s);
	close(fd);
	return n < 0 ? -1 : total;
}

int
main(int argc, char **argv)
{
	long long total = 0, n;

	for (int i = 1; i < argc; i++) {
		n = inflate_file(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	printf("%lld\n", total);
	return 0;
}
