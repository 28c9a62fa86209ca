/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzzutil.c - helpers shared by the libFuzzer targets; see
 * fuzzutil.h.  Linked into every target, never into tokentrail.
 */
#include "tests/fuzz/fuzzutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Noreturn void
fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
	abort();
}

void
fuzz_write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	FUZZ_CHECK(fp != NULL, "could not create the input file");
	FUZZ_CHECK(len == 0 || fwrite(data, 1, len, fp) == len,
	    "could not write the input file");
	FUZZ_CHECK(fclose(fp) == 0, "could not close the input file");
}

static char tmpdir[4096];

/* At exit: remove the directory and the files the target left in it. */
static void
remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[8192];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

const char *
fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0])
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/tt-fuzz-XXXXXX",
	    base && *base ? base : "/tmp");
	FUZZ_CHECK(mkdtemp(tmpdir) != NULL, "could not create a directory");
	atexit(remove_tmpdir);
	return tmpdir;
}
