/* SPDX-License-Identifier: MIT */
/*
 * cmd/snapshot.c - "tokentrail snapshot": parses the options, opens the
 * snapshot sink, runs the PostgreSQL or the CSV exporter into it, and
 * commits or aborts it.  The exporters live in snapshot/.
 */
#include "cmd/main.h"

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/progress.h"
#include "snapshot/csvimport.h"
#include "snapshot/pgexport.h"
#include "snapshot/sqlite_out.h"

enum {
	OPT_FROM_CSV = 256,
	OPT_SCHEMA,
	OPT_VERSION,
};

struct snapshot_args {
	const char *conninfo; /* -d, or NULL for libpq's environment */
	const char *schema;   /* --schema, or NULL for "public" */
	const char *csv_dir;  /* --from-csv */
	const char *output;   /* -o */
	bool is_force;        /* -f */
	bool is_quiet;        /* -q */
	bool is_done;         /* --help or --version was printed */
};

/* The temporary snapshot file, for the signal handler to remove. */
static const char *volatile tmp_to_remove;

/* SIGINT, SIGTERM, SIGHUP: remove the temporary file, say so, then die
 * of sig (a shell reports 128 + sig, 130 for Ctrl-C).  Only
 * async-signal-safe calls here, so the message is written directly. */
static void
on_signal(int sig)
{
	static const char msg[] =
	    "tokentrail: error: interrupted; no snapshot was written\n";
	const char *path = tmp_to_remove;
	ssize_t written;

	if (path)
		unlink(path);
	written = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)written; /* a failed write leaves nothing else to try */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* The leading ':' makes getopt_long() return ':' for a missing value. */
static const char short_options[] = ":d:fho:q";

static const struct option long_options[] = {
	{ "dbname", required_argument, NULL, 'd' },
	{ "force", no_argument, NULL, 'f' },
	{ "from-csv", required_argument, NULL, OPT_FROM_CSV },
	{ "help", no_argument, NULL, 'h' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static int
parse_args(int argc, char **argv, struct snapshot_args *args)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(
	            argc, argv, short_options, long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			args->conninfo = optarg;
			break;
		case 'f':
			args->is_force = true;
			break;
		case 'h':
			cmd_snapshot_usage();
			args->is_done = true;
			return 0;
		case 'o':
			args->output = optarg;
			break;
		case 'q':
			diag_set_quiet(true);
			args->is_quiet = true;
			break;
		case OPT_FROM_CSV:
			args->csv_dir = optarg;
			break;
		case OPT_SCHEMA:
			args->schema = optarg;
			break;
		case OPT_VERSION:
			print_version();
			args->is_done = true;
			return 0;
		default:
			return option_error(argv, c, long_options);
		}
	}
	return 0;
}

static int
check_args(int argc, char **argv, const struct snapshot_args *args)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (optind < argc)
		return diag_error("unexpected argument \"%s\"",
		    diag_quote_str(quoted, argv[optind]));
	if (!args->output || !*args->output)
		return diag_error("no output file given (-o)");
	if (strcmp(args->output, "-") == 0)
		return diag_error(
		    "cannot write a snapshot to standard output: -o takes a file name");
	if (args->csv_dir && (args->conninfo || args->schema))
		return diag_error("--from-csv cannot be combined with -d or "
		                  "--schema");
	return 0;
}

void
cmd_snapshot_usage(void)
{
	printf("usage: tokentrail snapshot [-fq] [-d conninfo] [--schema name] "
	       "-o file\n"
	       "       tokentrail snapshot [-fq] --from-csv dir -o file\n"
	       "\n"
	       "Copy Bitbucket's access-token tables into a SQLite snapshot.\n"
	       "\n"
	       "Options:\n"
	       "  -d, --dbname=CONNINFO  database to read, as psql -d takes "
	       "it (keyword\n"
	       "                         string or postgresql:// URI); "
	       "default: PGHOST,\n"
	       "                         PGDATABASE, ... from the "
	       "environment\n"
	       "  -f, --force            replace an existing output file\n"
	       "      --from-csv=DIR     read DIR/<table>.csv files exported "
	       "with psql\n"
	       "                         instead of a database\n"
	       "  -h, --help             show this help and exit\n"
	       "  -o, --output=FILE      the snapshot to write\n"
	       "  -q, --quiet            only errors: no warnings or progress\n"
	       "      --schema=NAME      schema of the Bitbucket tables "
	       "(default: public)\n"
	       "      --version          show the version and exit\n");
}

/* The database route, or, in a build without libpq (make static), an
 * error that points to the CSV route.  Returns 0 or -1 (reported). */
static int
export_database(const struct snapshot_args *args, struct sqlite_out *out)
{
#ifdef TOKENTRAIL_NO_LIBPQ
	(void)args;
	(void)out;
	diag_error("this build of tokentrail cannot connect to PostgreSQL");
	diag_hint("Use --from-csv with a CSV export, or a build linked with libpq.");
	return -1;
#else
	struct pgexport_options pg;

	pg.conninfo = args->conninfo;
	pg.schema = args->schema ? args->schema : "public";
	return pgexport_run(&pg, out);
#endif
}

int
cmd_snapshot(int argc, char **argv)
{
	struct snapshot_args args = { 0 };
	struct progress progress;
	struct sqlite_out *out;
	char *tmp_copy;
	int ret;

	if (parse_args(argc, argv, &args) < 0 ||
	    (!args.is_done && check_args(argc, argv, &args) < 0))
		return usage_error("snapshot");
	if (args.is_done)
		return EXIT_OK;

	catch_signals();
	out = sqlite_out_open(args.output, args.is_force);
	if (!out)
		return EXIT_FAILED;
	/* The size of the source is not known in advance: the line shows
	 * what was copied, how fast, and how many tables are done. */
	progress_start(&progress, "snapshot",
	    !args.is_quiet && isatty(STDERR_FILENO), 0, 0, "tables");
	sqlite_out_set_progress(out, &progress);
	/* A copy, which outlives out: a signal may come during the commit. */
	tmp_copy = strdup(sqlite_out_tmp_path(out));
	tmp_to_remove = tmp_copy;
	if (args.csv_dir)
		ret = csvimport_run(args.csv_dir, out);
	else
		ret = export_database(&args, out);
	progress_stop(&progress);
	if (ret == 0)
		ret = sqlite_out_commit(out);
	else
		sqlite_out_abort(out);
	tmp_to_remove = NULL;
	free(tmp_copy);
	return ret < 0 ? EXIT_FAILED : EXIT_OK;
}
