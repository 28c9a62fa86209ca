/* SPDX-License-Identifier: MIT */
/* cmd/analyze.c - "tokentrail analyze": options and exit status. */
#include "cmd/main.h"

#include <stdio.h>
#include <string.h>

#include "common/diag.h"

void
cmd_analyze_usage(void)
{
	printf("usage: tokentrail analyze [-f] [-d conninfo] [--schema name] "
	       "-o file\n");
}

int
cmd_analyze(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		cmd_analyze_usage();
		return EXIT_OK;
	}
	diag_error("unrecognized option");
	return usage_error("analyze");
}
