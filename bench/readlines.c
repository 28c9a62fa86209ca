/* SPDX-License-Identifier: MIT */
/*
 * bench/readlines.c - analyze's first stages alone: read the given files
 * through gzlines (inflate, split lines, hash every byte) and, with
 * --parse, split every line into its fields with parse_line().  Its
 * distance to the zlib floor is what line splitting, hashing and parsing
 * cost; bench/run.sh prints both beside the floor.
 *
 *   readlines [--parse] FILE...   prints the uncompressed bytes, the lines
 *                                 and, with --parse, the lines parsed
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analyze/gzlines.h"
#include "analyze/parse.h"

struct tally {
	uint64_t bytes, lines, longest, parsed;
};

/* Read one file; 0, or -1 when it could not be read to its end. */
static int
read_file(const char *path, bool parse, struct tally *t)
{
	struct gzlines_stats st;
	struct gzlines *gz;
	struct gzline line;
	struct logrec rec;
	int rc;

	if (gzlines_open(&gz, path) < 0)
		return -1;
	while ((rc = gzlines_next(gz, &line)) == 1) {
		if (line.len > t->longest)
			t->longest = line.len;
		if (parse && !line.is_too_long &&
		    parse_line(line.data, line.len, &rec) == PARSE_OK)
			t->parsed++;
	}
	if (gzlines_close(gz, &st) < 0 || rc < 0 || st.is_damaged)
		return -1;
	t->bytes += st.bytes_out;
	t->lines += st.n_lines;
	return 0;
}

int
main(int argc, char **argv)
{
	struct tally t = { 0 };
	bool parse = argc > 1 && strcmp(argv[1], "--parse") == 0;
	int status = 0;

	for (int i = parse ? 2 : 1; i < argc; i++)
		if (read_file(argv[i], parse, &t) != 0)
			status = 1;
	printf("%" PRIu64 " bytes, %" PRIu64 " lines, longest %" PRIu64,
	    t.bytes, t.lines, t.longest);
	if (parse)
		printf(", %" PRIu64 " parsed", t.parsed);
	printf("\n");
	return status;
}
