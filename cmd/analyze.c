/* SPDX-License-Identifier: MIT */
/*
 * cmd/analyze.c - "tokentrail analyze": parses and checks the command
 * line, then hands over to analyze/analyze.c and turns its outcome into
 * an exit status.
 */
#include "cmd/main.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "analyze/gzlines.h"
#include "analyze/logtime.h"
#include "common/diag.h"
#include "common/options.h"
#include "common/progress.h"

#define MAX_JOBS 256
#define TOKEN_ID_MAX 64

#define DEFAULT_BASELINE_DAYS 14
#define DEFAULT_BURST_COUNT 20
#define DEFAULT_BURST_SECONDS 60

enum long_only_option {
	OPT_BASELINE = 256,
	OPT_BURST_COUNT,
	OPT_BURST_WINDOW,
	OPT_FAIL_ON,
	OPT_INFLATE,
	OPT_LOG_TZ,
	OPT_SINCE,
	OPT_TOKEN,
	OPT_UNTIL,
	OPT_VERSION,
};

static const struct option analyze_options_table[] = {
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "burst-count", required_argument, NULL, OPT_BURST_COUNT },
	{ "burst-window", required_argument, NULL, OPT_BURST_WINDOW },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "inflate", required_argument, NULL, OPT_INFLATE },
	{ "jobs", required_argument, NULL, 'j' },
	{ "log-tz", required_argument, NULL, OPT_LOG_TZ },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "snapshot", required_argument, NULL, 's' },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

void
cmd_analyze_usage(void)
{
	printf(
"usage: tokentrail analyze [-fqv] [-j jobs] [--log-tz zone] [--since time]\n"
"                          [--until time] [--token id]... [--fail-on level]\n"
"                          [--baseline days] [--burst-count n]\n"
"                          [--burst-window seconds] [--inflate lib]\n"
"                          -s snapshot -o outdir path ...\n"
"\n"
"Attribute every access-log request to its HTTP access token, join it with\n"
"the snapshot and write CSV reports to outdir.  Each path is a log file\n"
"(gzip or plain, whatever its name) or a directory searched for\n"
"atlassian-bitbucket-access*.log[.gz] and atlassian-stash-access*.log[.gz].\n"
"\n"
"Options:\n"
"  -s, --snapshot FILE  snapshot made by \"tokentrail snapshot\" (required)\n"
"  -o, --output DIR     directory for the reports, created if missing\n"
"                       (required)\n"
"  -f, --force          replace the reports in a non-empty DIR\n"
"      --log-tz ZONE    IANA zone the server wrote its times in, such as\n"
"                       Europe/Berlin (default: UTC, with a warning)\n"
"      --since TIME     report requests at or after TIME (ISO 8601 date or\n"
"                       time; without an offset, in the log zone)\n"
"      --until TIME     report requests before TIME\n"
"      --token ID       report only this token id; may be repeated\n"
"      --fail-on LEVEL  exit with status 4 when findings of LEVEL (info,\n"
"                       warning, critical) or above exist\n"
"      --baseline DAYS  new-source-ip: a token's first DAYS of activity\n"
"                       set its usual addresses (default 14)\n"
"      --burst-count N  failed-auth-burst: N refused requests ...\n"
"                       (default 20)\n"
"      --burst-window SECONDS\n"
"                       ... within SECONDS (default 60)\n"
"  -j, --jobs N         files analysed in parallel (default: CPUs)\n"
"      --inflate LIB    gzip inflater: isal (ISA-L, the default when built\n"
"                       in) or zlib; same results, isal is faster\n"
"  -q, --quiet          only errors: no warnings, progress or summary\n"
"  -v, --verbose        a line per input file as it is done\n"
"  -h, --help           print this help and exit\n"
"      --version        print the version and exit\n"
"\n"
"Reports: requests.csv, timeline.csv, findings.csv, tokens.csv,\n"
"manifest.csv and SHA256SUMS (check with \"cd DIR && sha256sum -c\n"
"SHA256SUMS\").\n"
"\n"
"Exit status: 0 done, 1 failed, 2 usage error, 3 some input damaged,\n"
"4 findings at or above --fail-on, 130 interrupted (no report written).\n");
}

/* The options as given, before the zone-dependent ones are converted. */
struct analyze_args {
	struct analyze_options opt;
	const char *since, *until;
	char **tokens;
	size_t n_tokens;
	bool is_quiet; /* -q */
};

static int
add_token(struct analyze_args *args, char *id)
{
	char quoted[DIAG_QUOTE_SIZE];
	size_t len = strlen(id);
	char **tokens;

	if (len == 0 || len > TOKEN_ID_MAX || strspn(id, "0123456789") != len)
		return diag_error("invalid token id \"%s\": expected digits",
		    diag_quote_str(quoted, id));
	tokens = realloc(args->tokens, (args->n_tokens + 1) * sizeof(*tokens));
	if (!tokens)
		return diag_error("out of memory");
	tokens[args->n_tokens++] = id;
	args->tokens = tokens;
	return 0;
}

/* Options of the finding rules. */
static int
take_rule_option(struct analyze_args *args, int c, char *arg)
{
	struct findings_options *f = &args->opt.findings;
	char quoted[DIAG_QUOTE_SIZE];
	unsigned long n;

	switch (c) {
	case OPT_BASELINE:
		if (parse_uint_option("--baseline", arg, 0, 36500, &n) != 0)
			return -1;
		f->baseline_ms = (int64_t)n * 86400000;
		return 0;
	case OPT_BURST_COUNT:
		if (parse_uint_option("--burst-count", arg, 1, 100000, &n))
			return -1;
		f->burst_count = (uint32_t)n;
		return 0;
	case OPT_BURST_WINDOW:
		if (parse_uint_option("--burst-window", arg, 1, 86400, &n))
			return -1;
		f->burst_window_ms = (int64_t)n * 1000;
		return 0;
	default:
		break;
	}
	if (severity_parse(arg, &args->opt.fail_on) != 0)
		return diag_error("invalid value \"%s\" for option --fail-on: "
				  "expected info, warning or critical",
		    diag_quote_str(quoted, arg));
	args->opt.has_fail_on = true;
	return 0;
}

/* Select the gzip inflater named by arg (from what: the option or the
 * environment variable). */
static int
take_inflate(const char *arg, const char *what)
{
	char quoted[DIAG_QUOTE_SIZE];
	enum gzlines_inflate inflate;

	if (gzlines_inflate_parse(arg, &inflate) != 0)
		return diag_error("invalid value \"%s\" for %s: expected %s",
		    diag_quote_str(quoted, arg), what,
		    gzlines_inflate_parse("isal", &inflate) == 0
			? "isal or zlib"
			: "zlib (built without ISA-L)");
	gzlines_set_inflate(inflate);
	return 0;
}

/* Handle one option; returns 0, 1 for --help, 2 for --version, or -1
 * after reporting. */
static int
take_option(struct analyze_args *args, int c, char *arg)
{
	unsigned long jobs;

	switch (c) {
	case 'f':
		args->opt.force = true;
		return 0;
	case 'h':
		return 1;
	case 'j':
		if (parse_uint_option("-j/--jobs", arg, 1, MAX_JOBS, &jobs))
			return -1;
		args->opt.jobs = (unsigned)jobs;
		return 0;
	case 'o':
		args->opt.outdir = arg;
		return 0;
	case 'q':
		diag_set_quiet(true);
		args->is_quiet = true;
		return 0;
	case 's':
		args->opt.snapshot_path = arg;
		return 0;
	case 'v':
		args->opt.is_verbose = true;
		return 0;
	case OPT_LOG_TZ:
		args->opt.log_tz = arg;
		return 0;
	case OPT_SINCE:
		args->since = arg;
		return 0;
	case OPT_TOKEN:
		return add_token(args, arg);
	case OPT_UNTIL:
		args->until = arg;
		return 0;
	case OPT_INFLATE:
		return take_inflate(arg, "--inflate");
	case OPT_VERSION:
		return 2;
	case OPT_BASELINE:
	case OPT_BURST_COUNT:
	case OPT_BURST_WINDOW:
	case OPT_FAIL_ON:
		return take_rule_option(args, c, arg);
	default:
		return -1; /* option_error() has said what is wrong */
	}
}

/* Convert --since and --until, which need the zone selected first. */
static int
convert_window(struct analyze_args *args)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (args->since) {
		if (logtime_parse_option(args->since, &args->opt.since_ms))
			return diag_error("invalid time \"%s\" for --since",
			    diag_quote_str(quoted, args->since));
		args->opt.has_since = true;
	}
	if (args->until) {
		if (logtime_parse_option(args->until, &args->opt.until_ms))
			return diag_error("invalid time \"%s\" for --until",
			    diag_quote_str(quoted, args->until));
		args->opt.has_until = true;
	}
	if (args->opt.has_since && args->opt.has_until &&
	    args->opt.since_ms >= args->opt.until_ms)
		return diag_error("--since must be earlier than --until");
	return 0;
}

/* The command line as one string, arguments with unusual characters in
 * single quotes, for the manifest. */
static char *
join_command_line(int argc, char **argv)
{
	size_t len = sizeof("tokentrail");
	char *line, *p;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) * 4 + 3;
	line = malloc(len);
	if (!line)
		return NULL;
	p = line + snprintf(line, len, "tokentrail");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool is_plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:+,@%") ==
		    strlen(a);

		*p++ = ' ';
		if (is_plain) {
			p += snprintf(p, len - (size_t)(p - line), "%s", a);
			continue;
		}
		*p++ = '\'';
		for (; *a; a++) {
			if (*a == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *a;
			}
		}
		*p++ = '\'';
		*p = '\0';
	}
	return line;
}

/* A path of "-" is refused: logs are read from files, whose size and
 * digest the manifest records, and the reports are several files. */
static int
check_required(const struct analyze_args *args, char **paths, int n_paths)
{
	if (!args->opt.snapshot_path)
		return diag_error("no snapshot given: -s is required");
	if (!args->opt.outdir)
		return diag_error("no output directory given: -o is required");
	if (strcmp(args->opt.outdir, "-") == 0)
		return diag_error(
		    "cannot write the reports to standard output: -o takes a directory");
	if (n_paths == 0)
		return diag_error("no log file or directory given");
	for (int i = 0; i < n_paths; i++)
		if (strcmp(paths[i], "-") == 0)
			return diag_error(
			    "cannot read logs from standard input: give files or directories");
	return 0;
}

static unsigned
default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (unsigned)n;
}

static int
exit_status_for(enum analyze_outcome outcome)
{
	switch (outcome) {
	case ANALYZE_COMPLETE:
		return EXIT_OK;
	case ANALYZE_PARTIAL:
		return EXIT_PARTIAL;
	case ANALYZE_FINDINGS:
		return EXIT_FINDINGS;
	case ANALYZE_FAILED:
		break;
	}
	if (progress_is_interrupted()) {
		diag_error("interrupted; no report was written");
		return EXIT_INTERRUPTED;
	}
	return EXIT_FAILED;
}

int
cmd_analyze(int argc, char **argv)
{
	struct analyze_args args;
	char *command_line = NULL;
	int c, rc, status = EXIT_USAGE;

	memset(&args, 0, sizeof(args));
	args.opt.jobs = default_jobs();
	args.opt.findings.baseline_ms = DEFAULT_BASELINE_DAYS * 86400000LL;
	args.opt.findings.burst_count = DEFAULT_BURST_COUNT;
	args.opt.findings.burst_window_ms = DEFAULT_BURST_SECONDS * 1000LL;
	/* The environment sets the default inflater, as the test suite does
	 * to run every test once per backend; --inflate overrides it. */
	if (getenv("TOKENTRAIL_INFLATE") &&
	    take_inflate(getenv("TOKENTRAIL_INFLATE"), "TOKENTRAIL_INFLATE"))
		goto out;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:fhj:o:qs:v",
		    analyze_options_table, NULL)) != -1) {
		if (c == '?' || c == ':')
			option_error(argv, c, analyze_options_table);
		rc = take_option(&args, c, optarg);
		if (rc == 1 || rc == 2) {
			if (rc == 1)
				cmd_analyze_usage();
			else
				print_version();
			status = EXIT_OK;
			goto out;
		}
		if (rc != 0)
			goto usage;
	}
	if (check_required(&args, argv + optind, argc - optind) != 0 ||
	    logtime_set_zone(args.opt.log_tz) != 0 ||
	    convert_window(&args) != 0)
		goto usage;

	args.opt.paths = argv + optind;
	args.opt.n_paths = (size_t)(argc - optind);
	args.opt.tokens = args.tokens;
	args.opt.n_tokens = args.n_tokens;
	command_line = join_command_line(argc, argv);
	if (!command_line) {
		diag_error("out of memory");
		status = EXIT_FAILED;
		goto out;
	}
	args.opt.command_line = command_line;
	args.opt.show_progress = !args.is_quiet && isatty(STDERR_FILENO);
	progress_catch_signals();
	status = exit_status_for(analyze_run(&args.opt));
	goto out;
usage:
	status = usage_error("analyze");
out:
	free(command_line);
	free(args.tokens);
	return status;
}
