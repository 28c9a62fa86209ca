/* SPDX-License-Identifier: MIT */
/*
 * cmd/lookup.c - "tokentrail lookup": the snapshot's record of each token
 * id given, as CSV on stdout, one row per id in the order given.
 */
#include "cmd/main.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyze/logtime.h"
#include "analyze/lookup.h"
#include "analyze/snapdb.h"
#include "common/csvout.h"
#include "common/diag.h"

#define TOKEN_ID_MAX 64

enum long_only_option {
	OPT_LOG_TZ = 256,
	OPT_VERSION,
};

static const struct option lookup_options_table[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "log-tz", required_argument, NULL, OPT_LOG_TZ },
	{ "quiet", no_argument, NULL, 'q' },
	{ "snapshot", required_argument, NULL, 's' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* The command line once parsed. */
struct lookup_args {
	const char *snapshot_path;
	const char *log_tz;
	bool is_help;
	bool is_version;
};

/* Handle one option; returns 0, or -1 when it is invalid. */
static int
take_option(struct lookup_args *args, int c, char *arg)
{
	switch (c) {
	case 'h':
		args->is_help = true;
		return 0;
	case 'q':
		diag_set_quiet(true);
		return 0;
	case 's':
		args->snapshot_path = arg;
		return 0;
	case OPT_LOG_TZ:
		args->log_tz = arg;
		return 0;
	case OPT_VERSION:
		args->is_version = true;
		return 0;
	default:
		return -1;
	}
}

/* Every id must be digits, so that no row can surprise. */
static int
check_ids(char **ids, int n_ids)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (n_ids == 0)
		return diag_error("no token id given");
	for (int i = 0; i < n_ids; i++) {
		size_t len = strlen(ids[i]);

		if (len == 0 || len > TOKEN_ID_MAX ||
		    strspn(ids[i], "0123456789") != len)
			return diag_error("invalid token id \"%s\": expected "
			                  "digits",
			    diag_quote_str(quoted, ids[i]));
	}
	return 0;
}

/* Print the header and one row per id; returns an exit status. */
static int
print_rows(const struct snapdb *db, char **ids, int n_ids)
{
	struct csvout csv;
	int status = EXIT_OK;

	csvout_init(&csv, stdout);
	lookup_header(&csv, NULL);
	for (int i = 0; i < n_ids && status == EXIT_OK; i++) {
		if (lookup_cells(&csv, db, ids[i], strlen(ids[i])) != 0)
			status = EXIT_FAILED;
		csvout_end_row(&csv);
	}
	if (lookup_flush(&csv) != 0)
		status = EXIT_FAILED;
	csvout_release(&csv);
	return status;
}

void
cmd_lookup_usage(void)
{
	/* The help text is laid out as it is printed. */
	/* clang-format off */
	printf(
"usage: tokentrail lookup [-q] [--log-tz zone] -s snapshot id ...\n"
"\n"
"Print the snapshot's record of each token id as CSV on stdout, one row per\n"
"id in the order given.  An id the snapshot does not have gets a row with\n"
"kind \"unknown\" and in_snapshot \"no\".\n"
"\n"
"Options:\n"
"  -s, --snapshot FILE  snapshot made by \"tokentrail snapshot\" (required)\n"
"      --log-tz ZONE    IANA zone the server wrote its times in, such as\n"
"                       Europe/Berlin (default: UTC, with a warning)\n"
"  -q, --quiet          no warnings, only errors\n"
"  -h, --help           print this help and exit\n"
"      --version        print the version and exit\n");
	/* clang-format on */
}

int
cmd_lookup(int argc, char **argv)
{
	struct lookup_args args = { 0 };
	struct snapdb *db = NULL;
	int c, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(
	            argc, argv, "+:hqs:", lookup_options_table, NULL)) != -1) {
		if (c == '?' || c == ':')
			option_error(argv, c, lookup_options_table);
		if (take_option(&args, c, optarg) != 0)
			return usage_error("lookup");
	}
	if (args.is_help) {
		cmd_lookup_usage();
		return EXIT_OK;
	}
	if (args.is_version) {
		print_version();
		return EXIT_OK;
	}
	if (!args.snapshot_path) {
		diag_error("no snapshot given: -s is required");
		return usage_error("lookup");
	}
	if (check_ids(argv + optind, argc - optind) != 0 ||
	    logtime_set_zone(args.log_tz) != 0)
		return usage_error("lookup");
	if (!args.log_tz)
		diag_warn("no --log-tz given: snapshot times are taken as UTC");

	if (snapdb_open(&db, args.snapshot_path) != 0)
		return EXIT_FAILED;
	status = print_rows(db, argv + optind, argc - optind);
	snapdb_close(db);
	return status;
}
