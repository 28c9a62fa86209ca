/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_csvimport.c - the CSV route of "tokentrail snapshot
 * --from-csv" on any file content.  The first input byte picks a table of
 * the catalog; the rest replaces that table's file in a copy of the demo
 * export (fixtures/demo/csv, read from the working directory), and the
 * whole directory is imported into a throw-away snapshot.  Only memory
 * errors and crashes count: refusing a file is a correct outcome.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/snapfmt.h"
#include "snapshot/csvimport.h"
#include "snapshot/sqlite_out.h"
#include "tests/fuzz/fuzzutil.h"

#define DEMO_DIR "fixtures/demo/csv"

static size_t n_tables;

/* Copy DEMO_DIR/<table>.csv into dir, when the demo has it. */
static void
copy_demo_file(const char *dir, const char *table)
{
	char src[4200], dst[4200], buf[65536];
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof(src), "%s/%s.csv", DEMO_DIR, table);
	snprintf(dst, sizeof(dst), "%s/%s.csv", dir, table);
	in = fopen(src, "rb");
	if (!in)
		return;
	out = fopen(dst, "wb");
	FUZZ_CHECK(out != NULL, "could not create a CSV file");
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		FUZZ_CHECK(fwrite(buf, 1, n, out) == n, "write");
	fclose(in);
	FUZZ_CHECK(fclose(out) == 0, "close");
}

static void
setup(const char *dir)
{
	FILE *probe = fopen(DEMO_DIR "/project.csv", "rb");

	FUZZ_CHECK(probe != NULL, "run from the top of the source tree");
	fclose(probe);
	for (const struct snapfmt_table *t = snapfmt_tables; t->name; t++) {
		copy_demo_file(dir, t->name);
		n_tables++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_tmpdir();
	const struct snapfmt_table *t;
	struct sqlite_out *out;
	char path[4200];

	if (n_tables == 0)
		setup(dir);
	diag_set_quiet(true);
	if (size == 0)
		return 0;
	t = &snapfmt_tables[data[0] % n_tables];
	snprintf(path, sizeof(path), "%s/%s.csv", dir, t->name);
	fuzz_write_file(path, data + 1, size - 1);

	snprintf(path, sizeof(path), "%s/snapshot.db", dir);
	out = sqlite_out_open(path, true);
	FUZZ_CHECK(out != NULL, "could not open the snapshot");
	/* Aborted either way: committing would only add an fsync. */
	(void)csvimport_run(dir, out);
	sqlite_out_abort(out);
	copy_demo_file(dir, t->name);
	return 0;
}
