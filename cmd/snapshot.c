/* SPDX-License-Identifier: MIT */
/* cmd/snapshot.c - "tokentrail snapshot": options and exit status. */
#include "cmd/main.h"

#include <stdio.h>
#include <string.h>

#include "common/diag.h"

void
cmd_snapshot_usage(void)
{
	printf("usage: tokentrail snapshot [-f] [-d conninfo] [--schema name] "
	       "-o file\n");
}

int
cmd_snapshot(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		cmd_snapshot_usage();
		return EXIT_OK;
	}
	diag_error("unrecognized option");
	return usage_error("snapshot");
}
