/* SPDX-License-Identifier: MIT */
/*
 * bench/readlines.c - analyze's first stage alone: read the given files
 * through gzlines (inflate, split lines, hash every byte) and do nothing
 * with the lines.  Its distance to the zlib floor is what line splitting
 * and hashing cost; bench/run.sh prints it beside the floor.
 *
 *   readlines FILE...     prints the uncompressed bytes and the lines
 */
#include <inttypes.h>
#include <stdio.h>

#include "analyze/gzlines.h"

int
main(int argc, char **argv)
{
	uint64_t bytes = 0, lines = 0, longest = 0;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		struct gzlines_stats st;
		struct gzlines *gz;
		struct gzline line;
		int rc;

		if (gzlines_open(&gz, argv[i]) < 0) {
			status = 1;
			continue;
		}
		while ((rc = gzlines_next(gz, &line)) == 1)
			if (line.len > longest)
				longest = line.len;
		if (gzlines_close(gz, &st) < 0 || rc < 0 || st.is_damaged)
			status = 1;
		bytes += st.bytes_out;
		lines += st.n_lines;
	}
	printf("%" PRIu64 " bytes, %" PRIu64 " lines, longest %" PRIu64 "\n",
	    bytes, lines, longest);
	return status;
}
