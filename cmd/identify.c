/* SPDX-License-Identifier: MIT */
/*
 * cmd/identify.c - "tokentrail identify": reads leaked token strings, one
 * per line, from a file or stdin (never from the command line), decodes
 * each token's id and prints the lookup row with the input line number.
 * The secret part of a token is never printed, logged or stored.
 */
#include "cmd/main.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyze/logtime.h"
#include "analyze/lookup.h"
#include "analyze/snapdb.h"
#include "analyze/tokenid.h"
#include "common/csvout.h"
#include "common/diag.h"

#define STDIN_NAME "(standard input)"

enum long_only_option {
	OPT_LOG_TZ = 256,
	OPT_VERSION,
};

static const struct option identify_options_table[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "log-tz", required_argument, NULL, OPT_LOG_TZ },
	{ "quiet", no_argument, NULL, 'q' },
	{ "snapshot", required_argument, NULL, 's' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* The command line once parsed. */
struct identify_args {
	const char *snapshot_path;
	const char *log_tz;
	const char *path; /* "-" for stdin */
	bool is_help;
	bool is_version;
};

/* State of one run over the input lines. */
struct identify_run {
	const struct snapdb *db;
	struct csvout csv;
	const char *name;              /* the input as named in messages */
	unsigned long long n_rejected; /* lines that were not tokens */
	bool has_failed;               /* memory ran out */
};

/* Handle one option; returns 0, or -1 when it is invalid. */
static int
take_option(struct identify_args *args, int c, char *arg)
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

/*
 * Refuse a token anywhere on the command line before any option is
 * parsed, so that no message (an invalid option, an unknown zone, a
 * snapshot that cannot be opened) can repeat it.  One given there is
 * already in the shell history; the refusal does not show it again.
 */
static int
refuse_token_arguments(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (tokenid_is_in_argument(argv[i]))
			return diag_error(
			    "a token was given as an argument: give tokens in a file or on standard input");
	return 0;
}

/* At most one argument, the input file; the message does not show it. */
static int
check_operands(struct identify_args *args, char **operands, int n)
{
	if (!args->snapshot_path)
		return diag_error("no snapshot given: -s is required");
	if (n > 1)
		return diag_error(
		    "too many arguments: give one file of tokens, "
		    "or none for standard input");
	args->path = n == 1 ? operands[0] : "-";
	return 0;
}

/* Say why a line is not a token, without showing any of it. */
static void
warn_not_token(struct identify_run *run, unsigned long long line,
    enum tokenid_status status, size_t where)
{
	run->n_rejected++;
	switch (status) {
	case TOKENID_EMPTY:
		diag_warn_at(run->name, line, "blank line, no token");
		break;
	case TOKENID_NOT_BASE64:
		diag_warn_at(run->name, line,
		    "not a token: byte %zu is not in the Base64 alphabet",
		    where);
		break;
	case TOKENID_WRONG_LENGTH:
		diag_warn_at(run->name, line,
		    "not a token: %zu Base64 characters where a token has %d",
		    where, TOKENID_BODY_LEN);
		break;
	case TOKENID_NOT_DIGITS:
		diag_warn_at(run->name, line,
		    "not a token: the decoded value does not start with %d digits",
		    TOKENID_LEN);
		break;
	case TOKENID_NO_COLON:
		diag_warn_at(run->name, line,
		    "not a token: the decoded value has no \":\" after its id");
		break;
	case TOKENID_OK:
		break;
	}
}

/* Decode one line and print its row, or say why there is none. */
static void
identify_line(struct identify_run *run, unsigned long long line,
    const char *text, size_t len)
{
	char id[TOKENID_SIZE];
	size_t where;
	enum tokenid_status status = tokenid_decode(text, len, id, &where);

	if (status != TOKENID_OK) {
		warn_not_token(run, line, status, where);
		return;
	}
	csvout_u64(&run->csv, line);
	if (lookup_cells(&run->csv, run->db, id, TOKENID_LEN) != 0)
		run->has_failed = true;
	csvout_end_row(&run->csv);
}

/* Every line of the input; returns an exit status. */
static int
identify_lines(struct identify_run *run, struct tokenid_lines *in)
{
	enum tokenid_line got;
	const char *text;
	size_t len;

	while (!run->has_failed &&
	    (got = tokenid_lines_next(in, &text, &len)) != TOKENID_LINE_END) {
		if (got == TOKENID_LINE_ERROR)
			return EXIT_FAILED;
		if (got == TOKENID_LINE_TOO_LONG) {
			run->n_rejected++;
			diag_warn_at(run->name, in->line_no,
			    "line longer than %d bytes, not a token",
			    TOKENID_LINE_MAX);
			continue;
		}
		identify_line(run, in->line_no, text, len);
	}
	if (run->has_failed)
		return EXIT_FAILED;
	if (run->n_rejected > 0) {
		diag_note("%llu of %llu lines were not tokens", run->n_rejected,
		    in->line_no);
		return EXIT_PARTIAL;
	}
	return EXIT_OK;
}

/* Open the input, print the header and every row; an exit status. */
static int
identify_input(const struct snapdb *db, const char *path)
{
	struct identify_run run = { .db = db };
	struct tokenid_lines in;
	int status;

	run.name = strcmp(path, "-") == 0 ? STDIN_NAME : path;
	if (tokenid_lines_open(&in, path) != 0) {
		tokenid_lines_close(&in);
		return EXIT_FAILED;
	}
	csvout_init(&run.csv, stdout);
	lookup_header(&run.csv, "line");
	status = identify_lines(&run, &in);
	tokenid_lines_close(&in);
	if (lookup_flush(&run.csv) != 0)
		status = EXIT_FAILED;
	csvout_release(&run.csv);
	return status;
}

void
cmd_identify_usage(void)
{
	/* The help text is laid out as it is printed. */
	/* clang-format off */
	printf(
"usage: tokentrail identify [-q] [--log-tz zone] -s snapshot [file]\n"
"\n"
"Read token strings, one per line, from file or, without file or with \"-\",\n"
"from standard input; decode each token's id (with or without the BBDC-\n"
"prefix) and print its lookup row, prefixed by the line number, as CSV on\n"
"stdout.  Lines that are not tokens get a warning on stderr and no row.\n"
"Tokens are never accepted on the command line, and the secret part of a\n"
"token is never printed.\n"
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
cmd_identify(int argc, char **argv)
{
	struct identify_args args = { 0 };
	struct snapdb *db = NULL;
	int c, status;

	if (refuse_token_arguments(argc, argv) != 0)
		return usage_error("identify");

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(
	            argc, argv, "+:hqs:", identify_options_table, NULL)) != -1) {
		if (c == '?' || c == ':')
			option_error(argv, c, identify_options_table);
		if (take_option(&args, c, optarg) != 0)
			return usage_error("identify");
	}
	if (args.is_help) {
		cmd_identify_usage();
		return EXIT_OK;
	}
	if (args.is_version) {
		print_version();
		return EXIT_OK;
	}
	if (check_operands(&args, argv + optind, argc - optind) != 0 ||
	    logtime_set_zone(args.log_tz) != 0)
		return usage_error("identify");
	if (!args.log_tz)
		diag_warn("no --log-tz given: snapshot times are taken as UTC");

	if (snapdb_open(&db, args.snapshot_path) != 0)
		return EXIT_FAILED;
	status = identify_input(db, args.path);
	snapdb_close(db);
	return status;
}
