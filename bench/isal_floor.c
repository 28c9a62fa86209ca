/* SPDX-License-Identifier: MIT */
/*
 * bench/isal_floor.c - the ISA-L floor of the analyze benchmark: inflate
 * the given gzip files (every member) with ISA-L's isal_inflate() and
 * 256 KiB buffers, discard the text and print how many bytes it was.  It
 * is what analyze's ISA-L backend could reach if reading lines, parsing
 * and writing reports cost nothing.
 *
 *   isal_floor FILE.gz...     prints the uncompressed byte count
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>

#define BUF_SIZE (256 * 1024)

static unsigned char in[BUF_SIZE], out[BUF_SIZE];
static struct inflate_state state;

/* Inflate what is buffered; false on damage. */
static int
inflate_buffered(long long *total)
{
	int rc;

	do {
		if (state.block_state == ISAL_BLOCK_FINISH) {
			isal_inflate_reset(&state);
			state.crc_flag = ISAL_GZIP;
		}
		state.next_out = out;
		state.avail_out = sizeof(out);
		rc = isal_inflate(&state);
		*total += (long long)(sizeof(out) - state.avail_out);
		if (rc < 0)
			return 0;
	} while (state.avail_out == 0 ||
	    (state.block_state == ISAL_BLOCK_FINISH && state.avail_in > 0));
	return 1;
}

/* Inflate one file; returns its uncompressed size, or -1 on error. */
static long long
inflate_file(const char *path)
{
	long long total = 0;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		perror(path);
		return -1;
	}
	isal_inflate_init(&state);
	state.crc_flag = ISAL_GZIP;
	while ((n = read(fd, in, sizeof(in))) > 0) {
		state.next_in = in;
		state.avail_in = (uint32_t)n;
		if (!inflate_buffered(&total)) {
			n = -1;
			break;
		}
	}
	if (n < 0)
		fprintf(stderr, "isal_floor: %s: could not inflate\n", path);
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
