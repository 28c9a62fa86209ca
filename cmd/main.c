/* SPDX-License-Identifier: MIT */
/*
 * cmd/main.c - the tokentrail command: dispatches to a subcommand from a
 * sorted table and handles the top-level --help and --version.
 */
#include "cmd/main.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyze/tokenid.h"
#include "common/diag.h"
#include "common/version.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(void);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "analyze", cmd_analyze, cmd_analyze_usage,
	    "attribute access-log requests to tokens and write reports" },
	{ "identify", cmd_identify, cmd_identify_usage,
	    "print the token record of each leaked token string" },
	{ "lookup", cmd_lookup, cmd_lookup_usage,
	    "print the snapshot's record of token ids" },
	{ "snapshot", cmd_snapshot, cmd_snapshot_usage,
	    "copy the token tables into a SQLite snapshot" },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

int
usage_error(const char *command)
{
	if (command)
		diag_hint("See \"tokentrail %s --help\" for the options.",
		    command);
	else
		diag_hint("See \"tokentrail --help\" for the commands.");
	return EXIT_USAGE;
}

/*
 * The entry of table that the long option arg ("--name" or "--name=value")
 * names, exactly or as the only one it abbreviates; NULL when it names none
 * or several, *n_matches saying which.
 */
static const struct option *
find_long_option(const struct option *table, const char *arg,
    size_t *n_matches)
{
	const struct option *found = NULL;
	const char *name = arg + 2;
	size_t len = strcspn(name, "=");

	*n_matches = 0;
	for (const struct option *o = table; o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (o->name[len] == '\0') {
			*n_matches = 1;
			return o;
		}
		found = o;
		++*n_matches;
	}
	return *n_matches == 1 ? found : NULL;
}

/*
 * Report an error in a long option, arg.  getopt_long() sets optopt to
 * the option's value, which for most is its short letter, so the message
 * names the option as it was typed instead.
 */
static int
long_option_error(const char *arg, int c, const struct option *opt,
    size_t n_matches)
{
	char quoted[DIAG_QUOTE_SIZE];
	size_t len = strcspn(arg, "=");

	diag_quote(quoted, arg, len);
	if (c == ':')
		return diag_error("option \"%s\" needs a value", quoted);
	if (opt && opt->has_arg == no_argument && arg[len] == '=')
		return diag_error("option \"%s\" takes no value", quoted);
	if (n_matches > 1)
		return diag_error("ambiguous option \"%s\"", quoted);
	return diag_error("unrecognized option \"%s\"", quoted);
}

int
option_error(char **argv, int c, const struct option *table)
{
	char quoted[DIAG_QUOTE_SIZE];
	char opt[3] = { '-', (char)optopt, '\0' };
	const char *arg = argv[optind - 1];

	/* A long option is at fault when optopt is 0 or the value of the
	 * option arg names; otherwise a short one, maybe inside a group
	 * ("-fx") whose argument optind has not passed yet. */
	if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
		size_t n_matches;
		const struct option *o = find_long_option(table, arg,
		    &n_matches);

		if (optopt == 0 || (o && o->val == optopt))
			return long_option_error(arg, c, o, n_matches);
	}
	if (optopt > 0 && optopt < 256)
		arg = opt;
	diag_quote_str(quoted, arg);
	if (c == ':')
		return diag_error("option \"%s\" needs a value", quoted);
	return diag_error("unrecognized option \"%s\"", quoted);
}

void
print_version(void)
{
	printf("tokentrail %s\n", TOKENTRAIL_VERSION);
}

static void
main_usage(void)
{
	printf("usage: tokentrail command [options] [argument ...]\n"
	       "       tokentrail help command\n"
	       "       tokentrail --help | --version\n"
	       "\n"
	       "Commands:\n");
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		printf("  %-10s %s\n", subcommands[i].name,
		    subcommands[i].summary);
	printf("\nRun \"tokentrail help command\" for a command's options.\n");
}

static const struct subcommand *
find_subcommand(const char *name)
{
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

/*
 * "unrecognized <what> "arg"", a usage error.  A token typed in the wrong
 * place is already in the shell history; the message does not show it
 * again.
 */
static int
unrecognized(const char *what, const char *arg)
{
	char quoted[DIAG_QUOTE_SIZE];

	if (tokenid_is_in_argument(arg))
		diag_error("unrecognized %s (a token, not shown)", what);
	else
		diag_error("unrecognized %s \"%s\"", what,
		    diag_quote_str(quoted, arg));
	return usage_error(NULL);
}

static int
help_command(int argc, char **argv)
{
	const struct subcommand *sub;

	if (argc < 2) {
		main_usage();
		return EXIT_OK;
	}
	if (argc > 2) {
		diag_error("too many arguments for \"help\"");
		return usage_error(NULL);
	}
	/* "help help" and "help --help" ask for this very list. */
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		main_usage();
		return EXIT_OK;
	}
	sub = find_subcommand(argv[1]);
	if (!sub)
		return unrecognized("command", argv[1]);
	sub->usage();
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	const struct subcommand *sub;

	if (argc < 2) {
		diag_error("no command given");
		return usage_error(NULL);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_usage();
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		print_version();
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help_command(argc - 1, argv + 1);
	/* Before the command, only --help, -h and --version are options. */
	if (argv[1][0] == '-')
		return unrecognized("option", argv[1]);

	sub = find_subcommand(argv[1]);
	if (!sub)
		return unrecognized("command", argv[1]);
	return sub->run(argc - 1, argv + 1);
}
